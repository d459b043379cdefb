"""Reading CRM data: workbook data sheets and CSV/XLSX exports.

* .xlsx/.xlsm (and legacy .xls, which python-calamine also reads) are read with
  python-calamine (fast; imported lazily so the package still imports in xlwings Lite
  where it is absent), after :func:`crm_xl.safety.check_workbook_file` has refused
  encrypted files, non-workbooks and zip bombs, and :func:`crm_xl.safety.scan_sheets` has
  checked each sheet's extent (a lone cell at XFD1048576 would make calamine allocate a
  17-billion-cell grid) and found Excel error cells, which calamine returns empty.
* CSV encodings are sniffed: UTF-8, UTF-8 with BOM, UTF-16 with BOM; otherwise
  charset-normalizer chooses among GB18030 (a superset of GBK, preferred when it fits about
  as well), Big5, Shift-JIS and Windows-1252.
* Title rows above the header (用友/钉钉 exports put a report title and an export date
  there) are skipped: the header is the row among the first 15 that matches most of a
  table's columns.
* Sheets are matched to tables by name (``schema.table_for_sheet``) or, failing that,
  by their headers.

Workbooks in the 1904 date system (``<workbookPr date1904="1"/>``, Mac Excel's old
default): python-calamine already returns date-formatted cells as the right dates; a bare
number in a date column (a serial without a date format) is the one value whose meaning
depends on the workbook, so it is turned into its date here, where the workbook is known.

Values arrive as read (no parsing here): cleaning (``crm_xl.core.clean``) does that and
names the sheet, row and column of every problem.

Merged cells (see ``docs/data-intake.md``): workbook readers return each sheet's merged
ranges with its rows (:class:`SheetRows`). A header merged down over title rows gives
its text to the header row; a header merged across several columns is one column when
the columns it covers hold no data, and a clear error naming the cells when they do.
Merges below the header travel with the table (``RawTable.merged``) to cleaning, which
fills or reports the covered cells and logs each one.
"""

from __future__ import annotations

__all__ = ["RawTable", "SheetRows", "Sources", "read_sources", "read_workbook", "read_csv", "read_sheet_rows",
           "tables_from_sheet_rows", "add_frame_source"]

import csv
import datetime as dt
import io as _io
import pathlib
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .a1 import column_letter
from .errors import InputError, WorkbookError
from .mapping import MappingOverrides, SourceMapping, apply_overrides
from .schema import TABLES, ColumnKind, Table, map_headers, missing_columns_error, table_for_sheet

_HEADER_SCAN_ROWS = 15


@dataclass
class RawTable:
    """A sheet as read: ``frame`` has the user's headers; ``header_row`` is the Excel row
    number of the header (so data row i is Excel row header_row + 1 + i)."""

    table: str
    sheet: str
    frame: pd.DataFrame
    header_row: int = 1
    path: str = ""
    unknown_sheets: list[str] = field(default_factory=list)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    """Merged ranges below the header as (first row, first column, last row, last column),
    0-based positions in ``frame`` (row i of the frame is Excel row header_row + 1 + i)."""
    mapping: dict[int, str] | None = None
    """Column position in ``frame`` -> canonical key, as detected and corrected (None:
    cleaning detects it from the headers)."""
    source: SourceMapping | None = None
    external: bool = False
    """The data lives outside the workbook (a database table or query, :func:`add_frame_source`):
    a new workbook's copy is named by its table (订单), and the 字段映射 keeps the source's own name."""


class Sources(dict):
    """The tables read from the inputs: table key -> list of :class:`RawTable` (several
    files or sheets of one kind are stacked by cleaning), plus ``mappings`` (how every
    source was read, skipped ones included, in reading order) and ``warnings`` (zh/en)."""

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.mappings: list[SourceMapping] = []
        self.warnings: list[tuple[str, str]] = []

    @property
    def unknown_sheets(self) -> list[str]:
        return [m.source for m in self.mappings if m.table is None]

    def add(self, rt: RawTable) -> None:
        self.setdefault(rt.table, []).append(rt)

    def absorb(self, other: "Sources") -> None:
        for k, v in other.items():
            self.setdefault(k, []).extend(v)
        self.mappings.extend(other.mappings)
        self.warnings.extend(other.warnings)


class SheetRows(list):
    """A sheet's rows of cell values (a plain list) that also carries the sheet's merged
    ranges: ``merged`` holds (first row, first column, last row, last column), 0-based
    indices into the rows and cells, inclusive."""

    merged: tuple[tuple[int, int, int, int], ...] = ()
    date1904: bool = False
    """The workbook uses the 1904 date system (numbers in date columns are its serials)."""

    def __init__(self, rows=(), merged=(), date1904: bool = False):
        super().__init__(rows)
        self.merged = tuple(tuple(int(x) for x in m) for m in merged)
        self.date1904 = bool(date1904)


def _col_letter(j: int) -> str:
    """0-based column index to letters."""
    return column_letter(j + 1)


def _a1(r0: int, c0: int, r1: int, c1: int) -> str:
    return f"{_col_letter(c0)}{r0 + 1}:{_col_letter(c1)}{r1 + 1}"


def _match_score(headers: list[object], table: Table) -> int:
    m = map_headers(headers, table, strict=False)
    if m.missing_required:
        return len(m.columns) - 100
    return len(m.columns)


def _locate_header(rows: list[list[object]], table: Table | None) -> tuple[Table | None, int]:
    """(table, 0-based header row index) that matches best among the first rows."""
    best: tuple[int, Table | None, int] = (-10**6, None, 0)
    candidates = [table] if table is not None else list(TABLES.values())
    for i, row in enumerate(rows[:_HEADER_SCAN_ROWS]):
        if not any(v not in (None, "") for v in row):
            continue
        for t in candidates:
            score = _match_score(list(row), t)
            if score > best[0]:
                best = (score, t, i)
    if best[1] is None or best[0] <= 0:
        return table, 0
    return best[1], best[2]


def _cell_blank(v) -> bool:
    return v is None or (isinstance(v, str) and v == "")


def _header_names(header: list[object], width: int) -> list[str]:
    names: list[str] = []
    seen: dict[str, int] = {}
    for j in range(width):
        h = header[j] if j < len(header) else None
        name = "" if h is None else str(h).strip()
        if not name:
            name = f"列{j + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        names.append(name)
    return names


def _rows_to_frame(rows: list[list[object]], header_idx: int, header: list[object] | None = None,
                   drop_columns: "set[int] | frozenset[int]" = frozenset()) -> pd.DataFrame:
    """The rows below ``header_idx`` as an object DataFrame named by the header row.

    Built column-wise: one 2-D object array from the rows (C loop), empty strings turned
    into None with one vectorised comparison; no per-cell Python work.
    """
    if isinstance(rows, np.ndarray):  # a rectangular CSV parsed in C (:func:`_fast_csv_rows`)
        return _array_to_frame(rows, header_idx, list(rows[header_idx]) if header is None else header)
    if header is None:
        header = rows[header_idx] if rows else []
    width = max(map(len, rows), default=0)
    names = _header_names(list(header), width)
    body = rows[header_idx + 1:]
    # trailing all-empty rows are not data
    end = len(body)
    while end and all(_cell_blank(v) for v in body[end - 1]):
        end -= 1
    body = body[:end]
    if all(len(r) == width for r in body):
        arr = np.empty((len(body), width), dtype=object)
        if body:
            arr[:] = body if isinstance(body[0], list) else [list(r) for r in body]
    else:  # ragged rows (CSV): pad with None
        arr = np.empty((len(body), width), dtype=object)
        arr[:] = None
        for i, r in enumerate(body):
            arr[i, :len(r)] = r
    if arr.size:
        arr[arr == ""] = None
    keep = [j for j in range(width) if j not in drop_columns]
    if len(keep) < width:
        arr, names = arr[:, keep], [names[j] for j in keep]
    return pd.DataFrame(arr, columns=names, dtype=object, copy=False)


def _array_to_frame(rows: np.ndarray, header_idx: int, header: list[object]) -> pd.DataFrame:
    """:func:`_rows_to_frame` for rows given as one 2-D object array of strings."""
    names = _header_names(header, rows.shape[1])
    body = rows[header_idx + 1:]
    filled = body != ""
    nonblank = np.flatnonzero(filled.any(axis=1))
    end = int(nonblank[-1]) + 1 if len(nonblank) else 0  # trailing all-empty rows are not data
    arr = body[:end].copy()
    if arr.size:
        arr[~filled[:end]] = None
    return pd.DataFrame(arr, columns=names, dtype=object, copy=False)


# files at least this large (characters) are parsed by pandas' C reader when they are
# rectangular (every line as many fields as the first); anything else goes through the
# csv module, whose errors name the row
_FAST_CSV_MIN = 1_000_000


def _fast_csv_rows(text: str, delim: str) -> np.ndarray | None:
    """The rows of a large, rectangular CSV text as a 2-D object array of strings (the same
    cells the csv module gives), or None when it is small or not rectangular."""
    if len(text) < _FAST_CSV_MIN:
        return None
    try:
        frame = pd.read_csv(_io.StringIO(text), sep=delim, header=None, dtype=str, keep_default_na=False,
                            na_filter=False, skip_blank_lines=False, engine="c", doublequote=True, quotechar='"')
    except (ValueError, pd.errors.ParserError, csv.Error, UnicodeError, MemoryError):
        return None
    arr = frame.to_numpy(dtype=object)
    if arr.ndim != 2 or arr.shape[1] < 2:
        return None
    missing = pd.isna(arr)
    if missing.any():  # fields a short line lacks: the csv module gives no cell; "" is the same here
        arr[missing] = ""
    return arr


def read_sheet_rows(path: str | pathlib.Path, *, skip: "Iterable[str]" = ()) -> list[tuple[str, SheetRows]]:
    """Every sheet of a workbook as (name, rows of cell values), through python-calamine
    (openpyxl read-only where calamine is unavailable, e.g. in Pyodide). The rows are a
    :class:`SheetRows`: a list that also carries the sheet's merged ranges. Sheets named in
    ``skip`` (compared ignoring case) are not read."""
    p = pathlib.Path(path)
    if not p.exists():
        raise InputError(f"找不到文件：{p}", f"file not found: {p}")
    skipped = {str(n).strip().lower() for n in skip}
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:  # pragma: no cover - Pyodide: read through openpyxl instead
        return _sheet_rows_openpyxl(p, skipped)
    from .safety import check_sheet_extent, check_workbook_file, scan_sheets

    kind = check_workbook_file(p)  # encrypted / not a workbook / zip bomb: refused before parsing
    try:
        wb = CalamineWorkbook.from_path(str(p))
        # xlsx/xlsm: each sheet's extent is checked before calamine builds its (dense) grid,
        # and Excel error cells, which calamine returns empty, are found (crm_xl.safety)
        scans = scan_sheets(p, skipped) if kind == "zip" else {}
        date1904 = kind == "zip" and _uses_1904_dates(p)
        out = []
        for name in wb.sheet_names:
            if name.strip().lower() in skipped:
                continue
            if name in scans:
                check_sheet_extent(name, scans[name])
            sheet = wb.get_sheet_by_name(name)
            merged = [(a[0], a[1], b[0], b[1]) for a, b in (sheet.merged_cell_ranges or ())]
            rows = sheet.to_python(skip_empty_area=False)
            for (r, c), v in (scans[name].errors if name in scans else {}).items():
                if r < len(rows) and c < len(rows[r]) and rows[r][c] in (None, ""):
                    rows[r][c] = v
            out.append((name, SheetRows(rows, merged, date1904)))
        return out
    except (KeyboardInterrupt, SystemExit, MemoryError, WorkbookError):
        raise
    except BaseException as exc:  # noqa: BLE001 - calamine's own errors, and Rust panics (pyo3 PanicException
        # derives from BaseException) on damaged files, found by tests/test_fuzz_readers.py
        raise WorkbookError(
            f"无法打开工作簿（文件损坏、加密或不是 Excel 文件）：{p.name}（{exc}）",
            f"cannot open the workbook (corrupt, password-protected or not an Excel file): {p.name} ({exc})",
        ) from None


def _uses_1904_dates(p: pathlib.Path) -> bool:
    """Whether the .xlsx/.xlsm at ``p`` is in the 1904 date system (False when unsure)."""
    import zipfile

    from .render.opc import PackageReader, uses_1904_dates, workbook_part

    try:
        with zipfile.ZipFile(p) as zf:
            pkg = PackageReader(zf)
            return uses_1904_dates(pkg.read(workbook_part(pkg)))
    except (KeyError, ValueError, OSError, zipfile.BadZipFile):
        return False


_SERIAL_1904_END = 2957004  # 9999-12-31 + 1 in the 1904 date system
_EPOCH_1904 = dt.datetime(1904, 1, 1)


def _date_from_1904_serial(v):
    if isinstance(v, (int, float)) and not isinstance(v, bool) and 1 <= v < _SERIAL_1904_END:
        return _EPOCH_1904 + dt.timedelta(days=float(v))
    return v


def _dates_1904(frame: pd.DataFrame, table: Table, columns: "dict[int, str]") -> pd.DataFrame:
    """``frame`` with the numbers in its date columns (``columns``: position -> key) read
    as 1904-system serials."""
    kinds = {c.key: c.kind for c in table.recognised}
    for i, key in columns.items():
        if kinds.get(key) == ColumnKind.DATE:
            col = frame.columns[i]
            frame[col] = frame[col].map(_date_from_1904_serial).astype(object)
    return frame


def read_workbook(path: str | pathlib.Path, *, skip: "Iterable[str]" = (),
                  overrides: MappingOverrides | None = None, file_label: str = "") -> Sources:
    """The data sheets of a workbook, keyed by table key (sheets named in ``skip`` ignored)."""
    return tables_from_sheet_rows(read_sheet_rows(path, skip=skip), source=str(path), skip=skip,
                                  overrides=overrides, file_label=file_label)


def tables_from_sheet_rows(sheets: "Iterable[tuple[str, list[list[object]]]]", *, source: str = "",
                           skip: "Iterable[str]" = (), overrides: MappingOverrides | None = None,
                           file_label: str = "") -> Sources:
    """The data tables among already-read sheets (name, rows of cell values), keyed by table
    key -- the same detection as :func:`read_workbook`, for sources that are not files
    (a live xlwings Book, xlwings Lite). Sheets named in ``skip`` (compared ignoring case;
    e.g. the report's own sheets) are ignored. ``overrides`` corrects tables and columns
    (:mod:`crm_xl.mapping`); ``file_label`` names the file the sheets came from (an
    ``--input`` workbook), "" for the workbook being refreshed."""
    skipped = {str(n).strip().lower() for n in skip}
    out = Sources()
    for name, rows in sheets:
        if str(name).strip().lower() in skipped:
            continue
        names = [name] + ([f"{file_label}:{name}", file_label] if file_label else [])
        _collect(out, name, rows, table_for_sheet(name), source, overrides or MappingOverrides(), names,
                 file_label)
    return out


def _sheet_rows_openpyxl(p: pathlib.Path, skipped: "set[str]" = frozenset()) -> list[tuple[str, SheetRows]]:
    import openpyxl

    wb = openpyxl.load_workbook(p, read_only=True, data_only=True)
    try:
        return [(ws.title, SheetRows([list(r) for r in ws.iter_rows(min_row=1, min_col=1, values_only=True)],
                                     _merged_openpyxl(ws)))
                for ws in wb.worksheets if ws.title.strip().lower() not in skipped]
    finally:
        wb.close()


def _merged_openpyxl(ws) -> list[tuple[int, int, int, int]]:
    """Merged ranges of a read-only openpyxl sheet (read-only sheets do not expose them:
    the sheet XML's ``mergeCell`` elements are scanned)."""
    from defusedxml.ElementTree import iterparse
    from openpyxl.utils import range_boundaries

    out = []
    try:
        with ws._get_source() as src:  # noqa: SLF001 - the read-only sheet's XML part
            for _, el in iterparse(src):
                if el.tag.endswith("}mergeCell") and el.get("ref"):
                    c0, r0, c1, r1 = range_boundaries(el.get("ref"))
                    out.append((r0 - 1, c0 - 1, r1 - 1, c1 - 1))
                el.clear()
    except Exception:  # noqa: BLE001 - merges are a refinement; reading the values must not fail on them
        return []
    return out


def _collect(out: Sources, name: str, rows: list[list[object]], table: Table | None, path: str,
             overrides: MappingOverrides, names: list[str], file_label: str = "") -> None:
    given, forced = overrides.table_for(names)
    by_name = table
    if given:
        if forced is None:
            out.mappings.append(SourceMapping(name, file_label, None, note=("按指定跳过", "skipped as asked")))
            return
        table = TABLES[forced]
    if not len(rows) or not any(any(not _cell_blank(v) for v in r) for r in rows):
        if table is not None:
            out.add(RawTable(table.key, name, pd.DataFrame(), 1, path))
        else:
            note = ("文件中没有数据", "it holds no data")
            out.mappings.append(SourceMapping(name, file_label, None, note=note))
            out.warnings.append((f"已跳过「{name}」：{note[0]}。", f"skipped '{name}': {note[1]}."))
        return
    merged = tuple(getattr(rows, "merged", ()) or ())
    scan = _fill_header_merges(rows, merged) if merged else rows
    t, idx = _locate_header(scan, table)
    if t is None:
        found = [str(v).strip() for v in (scan[idx] if idx < len(scan) else []) if not _cell_blank(v)]
        out.mappings.append(SourceMapping(name, file_label, None, headers=found, note=_unknown_note(found)))
        if file_label:  # a file given as input; a sheet of the workbook itself may be the user's own notes
            out.warnings.append(_skip_warning(name, found))
        return
    header, drop = list(scan[idx]) if merged else None, set()
    if merged:
        drop = _merged_header_columns(rows, merged, idx, header, name)
    frame = _rows_to_frame(rows, idx, header, drop)
    data_merges = []
    if merged:
        kept = [j for j in range(max(map(len, rows), default=0)) if j not in drop]
        pos = {j: k for k, j in enumerate(kept)}
        for r0, c0, r1, _c1 in merged:
            if r0 > idx and r1 > r0 and c0 in pos and r0 - idx - 1 < len(frame):
                data_merges.append((r0 - idx - 1, pos[c0], min(r1 - idx - 1, len(frame) - 1), pos[c0]))
    rt = RawTable(t.key, name, frame, idx + 1, path, merged=data_merges)
    # the table counts as set by the user when detection alone would have chosen another
    manual = given and (by_name or _locate_header(scan, None)[0]) is not t
    _map_columns(rt, names, overrides, file_label, table_given=manual)
    if getattr(rows, "date1904", False):
        rt.frame = _dates_1904(rt.frame, t, rt.mapping or {})
    out.add(rt)
    out.mappings.append(rt.source)


def add_frame_source(out: Sources, name: str, headers: "list[str]", load, *, path: str = "",
                     overrides: MappingOverrides | None = None, names: "list[str] | None" = None,
                     file_label: str = "", table: str | None = None,
                     not_detected: "Iterable[str]" = ()) -> str | None:
    """One source that is already a table -- a database table, a query's result: its
    ``headers`` are its column names and ``load()`` returns its rows as a DataFrame with
    those columns (values as the database gives them: dates as dates, numbers as numbers).

    The same path as a CSV file's frame: the table is ``table`` (a query for orders), else
    the overrides' (``--table``, 字段映射), else the one ``name`` or the headers say
    (:func:`crm_xl.schema.table_for_sheet`, :func:`crm_xl.schema.map_headers`); the columns
    are mapped and corrected exactly as a file's. A source no table matches is skipped with
    the warning a file gets (its rows are never loaded); one detected (not given) as a table
    in ``not_detected`` is left out with a note, unread. Returns the table key, or None."""
    o = overrides or MappingOverrides()
    names = names or [name]
    headers = [str(h) for h in headers]
    given, forced = (True, table) if table is not None else o.table_for(names)
    if given and forced is None:
        out.mappings.append(SourceMapping(name, file_label, None, headers=headers, note=("按指定跳过", "skipped as asked")))
        return None
    by_name = table_for_sheet(name)
    t, _ = _locate_header([headers], TABLES[forced] if given else by_name)
    if t is None:
        out.mappings.append(SourceMapping(name, file_label, None, headers=headers, note=_unknown_note(headers)))
        out.warnings.append(_skip_warning(name, headers))
        return None
    if not given and t.key in set(not_detected):
        note = (f"未读取：已另行指定{t.zh}", f"not read: the {t.en.lower()} are given otherwise")
        out.mappings.append(SourceMapping(name, file_label, None, headers=headers, note=note))
        return None
    frame = load()
    frame.columns = _header_names(list(frame.columns), frame.shape[1])
    rt = RawTable(t.key, name, frame, 1, path, external=True)
    manual = given and (by_name or _locate_header([headers], None)[0]) is not t
    _map_columns(rt, names, o, file_label, table_given=manual)
    out.add(rt)
    out.mappings.append(rt.source)
    return t.key


def _map_columns(rt: RawTable, names: list[str], overrides: MappingOverrides, file_label: str,
                 table_given: bool = False) -> None:
    """Detect ``rt``'s column mapping, apply the user's corrections, check the required
    columns (an error naming them, the headers found and the closest ones)."""
    t = TABLES[rt.table]
    headers = [str(c) for c in rt.frame.columns]
    detected = map_headers(headers, t, strict=False)
    corrections = overrides.columns_for(names)
    try:
        columns, manual = apply_overrides(headers, t, detected.columns, corrections)
    except InputError as e:
        bad = next(((sheet, row) for (src, h), (sheet, row) in overrides.where.items()
                    if h in corrections and src in {n.strip().lower() for n in names}), (None, None))
        raise InputError(e.zh, e.en, sheet=bad[0] or rt.sheet, row=bad[1]) from None
    missing = t.missing_required(set(columns.values()))
    if missing and len(rt.frame):
        raise missing_columns_error(t, missing, headers, sheet=rt.sheet,
                                    by_content=_headers_by_content(rt.frame, t, missing, set(columns)))
    rt.mapping = columns
    rt.source = SourceMapping.of_frame(rt.sheet, file_label, rt.table, rt.frame, columns, manual=manual,
                                       table_manual=table_given, header_row=rt.header_row)


def _headers_by_content(frame: pd.DataFrame, t: Table, missing: list[str], taken: set[int]) -> dict[str, list[str]]:
    """For each missing date or amount column, the unmapped headers whose first values
    (up to 20 non-empty ones) are mostly dates, or numbers: the likeliest candidates."""
    from .core.dates import parse_date_text
    from .core.parse import _parse_money_value

    out: dict[str, list[str]] = {}
    for key in missing:
        kind = t.column(key).kind
        if kind not in (ColumnKind.DATE, ColumnKind.MONEY):
            continue
        hits = []
        for j, h in enumerate(frame.columns):
            if j in taken:
                continue
            vals = [v for v in frame.iloc[:200, j].tolist() if v is not None and v == v and v != ""][:20]
            if not vals:
                continue
            if kind is ColumnKind.DATE:
                ok = sum(isinstance(v, (dt.date, dt.datetime)) or (isinstance(v, str) and parse_date_text(v) is not None)
                         for v in vals)
            else:
                ok = sum(_parse_money_value(v) is not None for v in vals)
            if ok >= 0.8 * len(vals):
                hits.append(str(h))
        out[key] = hits
    return out


def _unknown_note(found: list[str]) -> tuple[str, str]:
    shown = "、".join(found[:8]) or "（空）"
    return (f"无法判断是哪种数据；表头：{shown}", f"cannot tell what it holds; headers: {', '.join(found[:8]) or '(none)'}")


def _skip_warning(name: str, found: list[str]) -> tuple[str, str]:
    """A source no table matches: skipped, with its headers and the table it is closest to."""
    best, best_map = None, None
    for t in TABLES.values():
        m = map_headers(found, t, strict=False)
        if len(m.columns) > (len(best_map.columns) if best_map else 0):
            best, best_map = t, m
    lacks = best_map.missing_required if best_map else []
    zh_hint = (f"它最像「{best.zh}」，但缺少 " + "、".join(f"「{best.column(k).zh}」" for k in lacks) + "。") if best else ""
    en_hint = (f"It is closest to '{best.en}' but lacks " + ", ".join(f"'{best.column(k).en}'" for k in lacks)
               + ". ") if best else ""
    shown = "、".join(found[:12]) or "（空）"
    return (f"已跳过「{name}」：无法判断是哪种数据（表头：{shown}）。{zh_hint}"
            f"如需使用，请用 --table 订单={name} 和 --map {name}:原表头=字段 指定。",
            f"skipped '{name}': cannot tell what kind of data it holds (headers: {', '.join(found[:12]) or '(none)'}). "
            f"{en_hint}To use it, say so with --table orders={name} and --map {name}:HEADER=FIELD.")


def _fill_header_merges(rows: list[list[object]], merged) -> list[list[object]]:
    """The first rows with each vertically merged cell's value copied down its merge, so
    a header merged over two header rows names its column in either of them."""
    top = [list(r) for r in rows[:_HEADER_SCAN_ROWS]]
    for r0, c0, r1, c1 in merged:
        if r0 >= len(top) or r1 == r0 or c0 >= len(top[r0]):
            continue
        v = top[r0][c0]
        for r in range(r0 + 1, min(r1, len(top) - 1) + 1):
            for c in range(c0, min(c1, len(top[r]) - 1) + 1):
                if _cell_blank(top[r][c]):
                    top[r][c] = v
    return top


def _merged_header_columns(rows: list[list[object]], merged, idx: int, header: list[object], sheet: str) -> set[int]:
    """Columns covered by a header cell merged across columns (beyond its first column).
    They are dropped when empty below the header; holding data, they are an error: which
    column would be the header's is a guess crm_xl does not make."""
    drop: set[int] = set()
    for r0, c0, r1, c1 in merged:
        if not (r0 <= idx <= r1) or c1 == c0:
            continue
        covered = range(c0 + 1, c1 + 1)
        filled = [j for j in covered
                  if any(j < len(r) and not _cell_blank(r[j]) for r in rows[max(idx, r1) + 1:])]
        text = "" if c0 >= len(header) or header[c0] is None else str(header[c0]).strip()
        if filled:
            where = _a1(r0, c0, r1, c1)
            cols = "、".join(_col_letter(j) for j in filled)
            cols_en = ", ".join(_col_letter(j) for j in filled)
            raise InputError(
                f"表头「{text}」是跨列的合并单元格（{where}），而它下面的 {cols} 列也有数据，无法判断哪一列是「{text}」。"
                "请取消合并，给每一列写上自己的表头。",
                f"the header '{text}' is a cell merged across columns ({where}) and column(s) {cols_en} under it "
                f"hold data too, so which column is '{text}' is ambiguous. Unmerge it and give every column its own header.",
                sheet=sheet, row=idx + 1, column=text or _col_letter(c0),
            )
        drop.update(covered)
    return drop


def _decode(data: bytes, name: str) -> str:
    if data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:  # odd length / broken surrogates: not a readable UTF-16 file
            raise InputError(f"文件看起来是 UTF-16 编码，但内容已损坏：{name}",
                             f"the file looks like UTF-16 but its content is damaged: {name}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    enc = _detected_encoding(data)
    if enc is not None:
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        pass
    raise InputError(f"无法识别文件编码（支持 UTF-8、GBK/GB18030、UTF-16、Big5、Shift-JIS、Windows-1252）：{name}",
                     f"cannot detect the file's encoding (UTF-8, GBK/GB18030, UTF-16, Big5, Shift-JIS and Windows-1252 "
                     f"are supported): {name}")


# encodings a non-UTF-8 export is tried in; GB18030 (a superset of GBK) wins unless the
# detector finds the text clearly more coherent in another (Big5 and Shift-JIS bytes often
# also decode as GB18030, as mojibake)
_CANDIDATES = ("gb18030", "big5", "shift_jis", "cp1252")
_GB_MARGIN = 0.05


def _detected_encoding(data: bytes) -> str | None:
    """The encoding charset-normalizer finds for a non-UTF-8 file among :data:`_CANDIDATES`
    (None where it is not installed, e.g. in the browser, or finds none)."""
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - Pyodide: files are not read there
        return None
    matches = list(from_bytes(data[:200_000], cp_isolation=list(_CANDIDATES)))
    if not matches:
        return None
    best = min(m.chaos for m in matches)
    gb = [m for m in matches if m.encoding == "gb18030"]
    if gb and gb[0].chaos <= best + _GB_MARGIN:
        return "gb18030"
    return min(matches, key=lambda m: m.chaos).encoding


def _csv_rows(text: str, delim: str, name: str) -> list[list[str]]:
    """Rows of a CSV text. Line breaks are CR, LF or CRLF (``newline=""``, as the csv
    module wants; a lone CR used to be an error). A quote opened and never closed (which
    would swallow every following line into one cell) and any other unreadable row are
    errors naming the row."""
    rows: list[list[str]] = []
    reader = csv.reader(_io.StringIO(text, newline=""), delimiter=delim, strict=True)
    try:
        for r in reader:
            rows.append(list(r))
        return rows
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            row = len(rows) + 1
            raise InputError(f"第 {row} 行有一个引号（\"）没有闭合，之后的所有行都会被当成同一个单元格。请检查该行的引号。",
                             f"a quote (\") opened on row {row} is never closed, so every later line would become one cell. "
                             "Check the quotes on that row.", sheet=name, row=row) from None
    # other irregular quoting (a stray quote inside a cell): read leniently, as Excel does
    rows = []
    try:
        for r in csv.reader(_io.StringIO(text, newline=""), delimiter=delim):
            rows.append(list(r))
    except csv.Error as exc:  # e.g. a cell longer than the csv module's field limit (131,072 characters)
        row = len(rows) + 1
        raise InputError(f"第 {row} 行无法读取（{exc}）。", f"row {row} cannot be read ({exc}).", sheet=name, row=row) from None
    return rows


def _space_separated(rows: list[list[str]]) -> bool:
    """True for a text table whose columns are separated by runs of spaces (fixed-width
    exports such as CDNOW_master.txt): every non-empty line is one field that splits into
    the same number (at least 2) of space-separated fields."""
    if isinstance(rows, np.ndarray):
        return False  # the C reader found at least two fields on every line
    lines = [r for r in rows[:200] if r and any(c.strip() for c in r)]
    if not lines or any(len(r) != 1 for r in lines):
        return False
    widths = {len(r[0].split()) for r in lines}
    return len(widths) == 1 and widths.pop() >= 2


def _csv_sources(path: str | pathlib.Path, table: str | None = None,
                 overrides: MappingOverrides | None = None) -> Sources:
    """One CSV export as :class:`Sources` (one table, or none when it is skipped); the table
    is taken from ``table``, the overrides, the file name or the headers."""
    p = pathlib.Path(path)
    if not p.exists():
        raise InputError(f"找不到文件：{p}", f"file not found: {p}")
    text = _decode(p.read_bytes(), p.name)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
        delim = dialect.delimiter
    except csv.Error:
        delim = ","
    rows = _fast_csv_rows(text, delim)
    if rows is None:
        rows = _csv_rows(text, delim, p.name)
    if _space_separated(rows):
        rows = [line.split() for line in text.splitlines()]
    out = Sources()
    o = overrides or MappingOverrides()
    if table:
        o = o.merged(MappingOverrides(tables={p.name.lower(): table}))
    _collect(out, p.name, rows, table_for_sheet(p.stem), str(p), o, [p.name, p.stem, str(p)], p.name)
    return out


def read_csv(path: str | pathlib.Path, table: str | None = None,
             overrides: MappingOverrides | None = None) -> RawTable:
    """One CSV export; the table is taken from ``table``, the overrides, the file name or the
    headers. A file no table matches is an error naming its headers and the closest table."""
    src = _csv_sources(path, table, overrides)
    for tables in src.values():
        return tables[0]
    zh, en = src.warnings[0] if src.warnings else ("文件中没有数据", "the file holds no data")
    raise InputError(zh, en)


def read_sources(paths: Iterable[str | pathlib.Path], overrides: MappingOverrides | None = None) -> Sources:
    """Workbooks and CSV files: every source that holds a known table, stacked by table;
    sources that hold none are skipped with a warning (``Sources.warnings``)."""
    out = Sources()
    for path in paths:
        p = pathlib.Path(path)
        if p.suffix.lower() in (".csv", ".txt", ".tsv"):
            out.absorb(_csv_sources(p, overrides=overrides))
        elif p.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
            from .sheet_names import REPORT_SHEETS

            out.absorb(read_workbook(p, skip=[n for pair in REPORT_SHEETS.values() for n in pair],
                                     overrides=overrides, file_label=p.name))
        else:
            if not p.exists():
                raise InputError(f"找不到文件：{p}", f"file not found: {p}")
            note = ("不支持的文件类型（支持 .xlsx、.xlsm、.xls、.csv、.txt）",
                    "unsupported file type (.xlsx, .xlsm, .xls, .csv and .txt are read)")
            out.mappings.append(SourceMapping(p.name, p.name, None, note=note))
            out.warnings.append((f"已跳过「{p.name}」：{note[0]}。", f"skipped '{p.name}': {note[1]}."))
    return out
