"""Reading a live xlwings ``Book`` (:mod:`crm_xl.render.book`): its sheets as rows, and the old
report tables whose editable columns are carried over."""

from __future__ import annotations

import pandas as pd

from ..report.spec import SheetSpec, TableBlock


def read_sheet_rows_from_book(book, *, skip: set[str] | None = None) -> list[tuple[str, list[list[object]]]]:
    """Every sheet of ``book`` as (name, rows of values from A1), one read per sheet.

    Sheets whose name (lower case) is in ``skip`` are returned with no rows.
    """
    out = []
    for sh in book.sheets:
        name = sh.name
        if skip and name.strip().lower() in skip:
            out.append((name, []))
            continue
        rng = sh.used_range
        vals = rng.options(ndim=2).value or []
        r0, c0 = rng.row, rng.column
        if vals and (r0 > 1 or c0 > 1):
            vals = [[None] * (c0 - 1) + list(r) for r in vals]
            vals = [[] for _ in range(r0 - 1)] + vals
        out.append((name, [list(r) for r in vals]))
    return out


def _find_table(sheet, name: str):
    try:
        for t in sheet.tables:
            if t.name.lower() == name.lower():
                return t
    except (NotImplementedError, KeyError, AttributeError):
        return None
    return None


def read_old_tables(sheet, spec_sheet: SheetSpec) -> dict[str, pd.DataFrame]:
    """The rows of the spec sheet's tables that have editable columns, read from the old
    ``sheet``: table found by name (else by its header row at the spec's position),
    columns by header text. Returns {table name: frame with the spec's column keys}."""
    old: dict[str, pd.DataFrame] = {}
    for t in spec_sheet.tables:
        if not t.needs_carry_over:
            continue
        rows = None
        xt = _find_table(sheet, t.name)
        if xt is not None and xt.range is not None:
            rows = xt.range.options(ndim=2).value
        if rows is None:
            rows = _rows_below_header(sheet, t)
        if not rows:
            continue
        by_header = {c.header.strip().lower(): c for c in t.columns}
        cols: dict[int, str] = {}
        for j, h in enumerate(rows[0]):
            c = by_header.get(str(h).strip().lower()) if h is not None else None
            if c is not None and c.key not in cols.values():
                cols[j] = c.key
        if not cols:
            continue
        kinds = {c.key: c.kind for c in t.columns}
        data = {}
        for j, key in cols.items():
            vals = [r[j] if j < len(r) else None for r in rows[1:]]
            if kinds[key] == "date":
                vals = [_serial_to_date(v) for v in vals]
            data[key] = pd.Series(vals, dtype=object)
        old[t.name] = pd.DataFrame(data)
    return old


def _serial_to_date(v):
    if isinstance(v, float) and 1 <= v < 2958466:
        return pd.Timestamp("1899-12-30") + pd.to_timedelta(round(v * 86400), unit="s")
    return v


def _rows_below_header(sheet, t: TableBlock) -> list[list[object]] | None:
    """Fallback when the sheet lost its Excel Table: the header row searched in the first
    60 rows of the table's columns, rows read down to the first empty one."""
    ncol = len(t.columns)
    try:
        top = sheet.range((1, t.col), (60, t.col + ncol - 1)).options(ndim=2).value or []
    except Exception:  # noqa: BLE001 - an unreadable old sheet just carries nothing over
        return None
    headers = [c.header.strip().lower() for c in t.columns]
    for i, row in enumerate(top):
        if [str(v).strip().lower() if v is not None else "" for v in row] == headers:
            used = sheet.used_range
            last = used.row + used.rows.count - 1 if hasattr(used, "rows") else i + 60
            body = sheet.range((i + 1, t.col), (max(last, i + 1), t.col + ncol - 1)).options(ndim=2).value or []
            out = [body[0]]
            for r in body[1:]:
                if all(v in (None, "") for v in r):
                    break
                out.append(r)
            return out
    return None
