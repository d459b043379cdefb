"""From files to :class:`~crm_xl.io.tables.Sources`: each sheet or CSV matched to a canonical
table (by name, else by headers), its columns mapped (with the user's overrides), what was
skipped and why; :func:`read_sources`, :func:`read_workbook`, :func:`read_csv` and the entry of
database frames (:func:`add_frame_source`)."""

from __future__ import annotations

import csv
import datetime as dt
import pathlib
from collections.abc import Iterable

import pandas as pd

from ..errors import InputError
from ..mapping import MappingOverrides, SourceMapping, apply_overrides
from ..schema import TABLES, ColumnKind, Table, map_headers, missing_columns_error, table_for_sheet
from .csv_text import _csv_rows, _decode, _fast_csv_rows, _space_separated
from .sheets import (
    _cell_blank,
    _fill_header_merges,
    _header_names,
    _locate_header,
    _merged_header_columns,
    _rows_to_frame,
)
from .tables import RawTable, Sources
from .workbook import _dates_1904, read_sheet_rows


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
    from ..core.dates import parse_date_text
    from ..core.parse import _parse_money_value

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
            from ..sheet_names import REPORT_SHEETS

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
