"""Carry what users typed in a report table's editable columns over to its new version.

Renderer-agnostic (pandas only): the file refresh reads the old values from the
workbook package, a live-Book renderer reads them from the sheet; both call
:func:`apply_editable` and draw the result.

Rules (``docs/rendering.md``, ``docs/strategy.md``; implemented in
:func:`crm_xl.core.carry.carry_over`):

* Rows are matched on the table's ``key_columns`` (values compared as trimmed text;
  a date compares as ``YYYY-MM-DD``, ``12.0`` as ``12``); the n-th old row with a key
  matches the n-th new row with it.
* For a matched row, every ``editable`` column takes the old value -- including an
  empty one: once written, those cells belong to the user.
* New rows (keys not in the old sheet) keep the generated defaults.
* Old rows whose key is not in the new data (rows a user added by hand, or records no
  longer produced) are kept, with all their columns, after the new rows -- or, for a
  table with a ``lifecycle`` (the strategy execution table), in the user's order with
  new rows appended, rows no longer produced marked retired and hand-added rows marked
  as such.
* Completely empty old rows are dropped. Running the merge again on its own output
  changes nothing (idempotent).
"""

from __future__ import annotations

__all__ = ["apply_editable", "merge_editable", "key_text"]

from dataclasses import replace

import pandas as pd

from ..core.carry import carry_over, key_text
from ..report.spec import SheetSpec, TableBlock


def merge_editable(table: TableBlock, old: pd.DataFrame) -> TableBlock:
    """``table`` with the editable values (and hand-added rows) of ``old`` merged in.

    ``old`` holds the previous sheet's rows, columns named by the spec's column keys
    (columns the old sheet lacked may be absent). The rule is
    :func:`crm_xl.core.carry.carry_over`, with the table's ``lifecycle`` when it has one.
    """
    editable = [c.key for c in table.columns if c.editable]
    keys = list(table.key_columns)
    if old is None or old.empty or not keys or (not editable and table.lifecycle is None):
        return table
    value_cols = [c.key for c in table.columns if c.formula is None]
    merged = carry_over(table.data, old, keys=keys, editable=editable, columns=value_cols,
                        lifecycle=table.lifecycle)
    if merged is table.data:
        return table
    return replace(table, data=merged.reset_index(drop=True))


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

