"""Carry what users typed in a report table's editable columns over to its new version.

Renderer-agnostic (pandas only): the file refresh reads the old values from the
workbook package, a live-Book renderer reads them from the sheet; both call
:func:`apply_editable` and draw the result.

Rules (``docs/rendering.md``):

* Rows are matched on the table's ``key_columns`` (values compared as trimmed text;
  a date compares as ``YYYY-MM-DD``, ``12.0`` as ``12``).
* For a matched row, every ``editable`` column takes the old value -- including an
  empty one: once written, those cells belong to the user.
* New rows (keys not in the old sheet) keep the generated defaults.
* Old rows whose key is not in the new data (rows a user added by hand, or records no
  longer produced) are kept, with all their columns, after the new rows.
* Completely empty old rows are dropped. Running the merge again on its own output
  changes nothing (idempotent).
"""

from __future__ import annotations

__all__ = ["apply_editable", "merge_editable", "key_text"]

import datetime as dt
import math
from dataclasses import replace

import pandas as pd

from ..report.spec import SheetSpec, TableBlock


def key_text(v: object) -> str:
    """The comparable text of one key value."""
    if v is None or v is pd.NA or v is pd.NaT:
        return ""
    if isinstance(v, float):
        if math.isnan(v):
            return ""
        if v.is_integer():
            return str(int(v))
    if isinstance(v, (pd.Timestamp, dt.datetime)):
        return v.strftime("%Y-%m-%d") if (v.hour, v.minute, v.second) == (0, 0, 0) else v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v).strip()


def _blank(v: object) -> bool:
    return key_text(v) == ""


def merge_editable(table: TableBlock, old: pd.DataFrame) -> TableBlock:
    """``table`` with the editable values (and hand-added rows) of ``old`` merged in.

    ``old`` holds the previous sheet's rows, columns named by the spec's column keys
    (columns the old sheet lacked may be absent).
    """
    editable = [c.key for c in table.columns if c.editable]
    keys = list(table.key_columns)
    if not editable or not keys or old is None or old.empty or not set(keys) <= set(old.columns):
        return table
    value_cols = [c.key for c in table.columns if c.formula is None]
    old = old[[k for k in value_cols if k in old.columns]].reset_index(drop=True)
    old = old[~old.apply(lambda r: all(_blank(v) for v in r), axis=1)] if len(old) else old
    new = table.data.copy()
    for k in editable:
        if k in new.columns:
            new[k] = new[k].astype(object)
        else:
            new[k] = pd.Series([None] * len(new), dtype=object)
    new_keys = [tuple(key_text(v) for v in row) for row in new[keys].itertuples(index=False, name=None)]
    new_pos = {}
    for i, k in enumerate(new_keys):
        new_pos.setdefault(k, i)
    old_keys = [tuple(key_text(v) for v in row) for row in old[keys].itertuples(index=False, name=None)]
    taken: set[tuple] = set()
    extra_rows = []
    cols_in_old = [k for k in editable if k in old.columns]
    for j, k in enumerate(old_keys):
        i = new_pos.get(k)
        if i is not None and k not in taken and any(k):
            taken.add(k)
            for c in cols_in_old:
                v = old.iloc[j][c]
                new.iat[i, new.columns.get_loc(c)] = None if _blank(v) else v
        else:
            extra_rows.append(j)
    if extra_rows:
        extra = old.iloc[extra_rows].astype(object)
        new = pd.concat([new.astype(object), extra], ignore_index=True)
    return replace(table, data=new.reset_index(drop=True))


def _shift_anchor(anchor: str, after_row: int, delta: int) -> str:
    col = anchor.rstrip("0123456789")
    row = int(anchor[len(col):])
    return f"{col}{row + delta}" if row > after_row else anchor


def apply_editable(sheet: SheetSpec, old_tables: dict[str, pd.DataFrame]) -> SheetSpec:
    """``sheet`` with :func:`merge_editable` applied to each table found in ``old_tables``
    (by table name). When a table grows, the blocks and charts below it move down."""
    blocks = list(sheet.blocks)
    charts = list(sheet.charts)
    for idx, b in enumerate(list(blocks)):
        if not isinstance(b, TableBlock) or b.name not in old_tables:
            continue
        merged = merge_editable(b, old_tables[b.name])
        delta = merged.last_row - b.last_row
        blocks[idx] = merged
        if delta > 0:
            for j, o in enumerate(blocks):
                if j != idx and o.row > b.last_row:
                    blocks[j] = replace(o, row=o.row + delta)
            charts = [replace(c, anchor=_shift_anchor(c.anchor, b.last_row, delta)) for c in charts]
    return replace(sheet, blocks=tuple(blocks), charts=tuple(charts))

