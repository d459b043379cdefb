"""Reading CRM data: workbook data sheets and CSV/XLSX exports.

* .xlsx/.xlsm are read with python-calamine (fast; imported lazily so the package still
  imports in xlwings Lite where it is absent).
* CSV encodings are sniffed: UTF-8, UTF-8 with BOM, UTF-16 with BOM, GB18030 (a superset
  of GBK).
* Title rows above the header (用友/钉钉 exports put a report title and an export date
  there) are skipped: the header is the row among the first 15 that matches most of a
  table's columns.
* Sheets are matched to tables by name (``schema.table_for_sheet``) or, failing that,
  by their headers.

Values arrive as read (no parsing here): cleaning (``crm_xl.core.clean``) does that and
names the sheet, row and column of every problem.
"""

from __future__ import annotations

__all__ = ["RawTable", "read_sources", "read_workbook", "read_csv", "read_sheet_rows", "tables_from_sheet_rows"]

import csv
import io as _io
import pathlib
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from .errors import InputError, WorkbookError
from .schema import TABLES, Table, map_headers, table_for_sheet

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


def _rows_to_frame(rows: list[list[object]], header_idx: int) -> pd.DataFrame:
    header = rows[header_idx] if rows else []
    width = max((len(r) for r in rows), default=0)
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
    body = [list(r) + [None] * (width - len(r)) for r in rows[header_idx + 1:]]
    # trailing all-empty rows are not data
    while body and all(v in (None, "") for v in body[-1]):
        body.pop()
    df = pd.DataFrame(body, columns=names, dtype=object)
    return df.replace({"": None})


def read_sheet_rows(path: str | pathlib.Path, *, skip: "Iterable[str]" = ()) -> list[tuple[str, list[list[object]]]]:
    """Every sheet of a workbook as (name, rows of cell values), through python-calamine
    (openpyxl read-only where calamine is unavailable, e.g. in Pyodide). Sheets named in
    ``skip`` (ignoring case) are not read at all."""
    skipped = {str(n).strip().lower() for n in skip}
    p = pathlib.Path(path)
    if not p.exists():
        raise InputError(f"找不到文件：{p}", f"file not found: {p}")
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:  # pragma: no cover - Pyodide: read through openpyxl instead
        return [(n, r) for n, r in _sheet_rows_openpyxl(p) if n.strip().lower() not in skipped]
    try:
        wb = CalamineWorkbook.from_path(str(p))
        return [(name, wb.get_sheet_by_name(name).to_python(skip_empty_area=False)) for name in wb.sheet_names
                if name.strip().lower() not in skipped]
    except Exception as exc:  # noqa: BLE001 - calamine raises its own error types
        raise WorkbookError(
            f"无法打开工作簿（文件损坏、加密或不是 Excel 文件）：{p.name}（{exc}）",
            f"cannot open the workbook (corrupt, password-protected or not an Excel file): {p.name} ({exc})",
        ) from None


def read_workbook(path: str | pathlib.Path, *, skip: "Iterable[str]" = ()) -> dict[str, RawTable]:
    """The data sheets of a workbook, keyed by table key (sheets named in ``skip`` ignored)."""
    return tables_from_sheet_rows(read_sheet_rows(path), source=str(path), skip=skip)


def tables_from_sheet_rows(sheets: "Iterable[tuple[str, list[list[object]]]]", *, source: str = "",
                           skip: "Iterable[str]" = ()) -> dict[str, RawTable]:
    """The data tables among already-read sheets (name, rows of cell values), keyed by table
    key -- the same detection as :func:`read_workbook`, for sources that are not files
    (a live xlwings Book, xlwings Lite). Sheets named in ``skip`` (compared ignoring case;
    e.g. the report's own sheets) are ignored."""
    skipped = {str(n).strip().lower() for n in skip}
    out: dict[str, RawTable] = {}
    unknown: list[str] = []
    for name, rows in sheets:
        if str(name).strip().lower() in skipped:
            continue
        _collect(out, unknown, name, rows, table_for_sheet(name), source)
    for t in out.values():
        t.unknown_sheets = unknown
    return out


def _sheet_rows_openpyxl(p: pathlib.Path) -> list[tuple[str, list[list[object]]]]:
    import openpyxl

    wb = openpyxl.load_workbook(p, read_only=True, data_only=True)
    try:
        return [(ws.title, [list(r) for r in ws.iter_rows(values_only=True)]) for ws in wb.worksheets]
    finally:
        wb.close()


def _collect(out: dict[str, RawTable], unknown: list[str], name: str, rows: list[list[object]],
             table: Table | None, path: str) -> None:
    if not rows or not any(any(v not in (None, "") for v in r) for r in rows):
        if table is not None:
            out.setdefault(table.key, RawTable(table.key, name, pd.DataFrame(), 1, path))
        return
    t, idx = _locate_header(rows, table)
    if t is None:
        unknown.append(name)
        return
    if t.key in out and len(out[t.key].frame):
        unknown.append(name)  # a second sheet for the same table is reported, not merged
        return
    out[t.key] = RawTable(t.key, name, _rows_to_frame(rows, idx), idx + 1, path)


_ENCODINGS = ("utf-8-sig", "utf-16", "gb18030")


def _decode(data: bytes, name: str) -> str:
    if data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff"):
        return data.decode("utf-16")
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise InputError(f"无法识别文件编码（支持 UTF-8、GBK/GB18030、UTF-16）：{name}",
                     f"cannot detect the file's encoding (UTF-8, GBK/GB18030, UTF-16 are supported): {name}")


def read_csv(path: str | pathlib.Path, table: str | None = None) -> RawTable:
    """One CSV export; the table is taken from ``table`` or guessed from the headers."""
    p = pathlib.Path(path)
    if not p.exists():
        raise InputError(f"找不到文件：{p}", f"file not found: {p}")
    text = _decode(p.read_bytes(), p.name)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        delim = dialect.delimiter
    except csv.Error:
        delim = ","
    rows = [list(r) for r in csv.reader(_io.StringIO(text), delimiter=delim)]
    t = TABLES[table] if table else table_for_sheet(p.stem)
    found, idx = _locate_header(rows, t)
    if found is None:
        raise InputError(f"无法判断文件 {p.name} 是哪种数据（客户、订单、互动……），请按模板命名表头。",
                         f"cannot tell what kind of data {p.name} holds (customers, orders, ...); use the template's headers.")
    return RawTable(found.key, p.name, _rows_to_frame(rows, idx), idx + 1, str(p))


def read_sources(paths: Iterable[str | pathlib.Path]) -> dict[str, RawTable]:
    """Workbooks and CSV files, merged by table (the first source of a table wins)."""
    out: dict[str, RawTable] = {}
    for path in paths:
        p = pathlib.Path(path)
        if p.suffix.lower() == ".csv":
            items = {(rt := read_csv(p)).table: rt}
        elif p.suffix.lower() in (".xlsx", ".xlsm"):
            from .report.names import REPORT_SHEETS

            items = read_workbook(p, skip=[n for pair in REPORT_SHEETS.values() for n in pair])
        else:
            raise InputError(f"不支持的文件类型：{p.name}（支持 .xlsx、.xlsm、.csv）",
                             f"unsupported file type: {p.name} (.xlsx, .xlsm and .csv are supported)")
        for k, v in items.items():
            out.setdefault(k, v)
    return out
