"""render.column_xml: a column's cells made at once (templates, pieces, C-level loops) are the
cells made one value at a time, for columns of every kind and dtype holding odd values."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_xl.render.column_xml import cell_tails, column_cells
from crm_xl.render.sheetdata import StringSink

TEXTS = ["a", "b", " lead", "x\ny", "", "_x0041_", "<&>", "中文", "12", "2024-01-02", "\x01"]
NUMBERS = [0.0, -0.0, 1.5, 12.0, -3.25, 1e15, 1e16, 123456789012.0, 0.1 + 0.2, 1e-7, float("nan"), float("inf")]
DATES = [pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-02 08:30"), pd.Timestamp("1899-01-01"), pd.NaT]
MIXED = TEXTS + NUMBERS + DATES + [None, True, False, np.int64(7), 3, dt.date(2024, 5, 6), pd.NA]
KINDS = ["text", "general", "date", "int", "money", "money2", "percent", "score"]


def _one_by_one(s: pd.Series, kind: str) -> list[str]:
    return [cell_tails(s.iloc[[i]], kind, StringSink("inline"))[0] for i in range(len(s))]


def _shared_as_inline(tails: list[str], sink: StringSink) -> list[str]:
    items = sink._items  # noqa: SLF001 - the table's strings, to compare with the inline cells
    return [re.sub(r' t="s"><v>(\d+)</v></c>', lambda m: StringSink("inline").cell_suffixes([items[int(m[1])]], 1)[0], t)
            for t in tails]


def _columns(draw_values: list, dtype: str) -> pd.Series:
    if dtype == "float64":
        return pd.Series([v for v in draw_values if isinstance(v, float)], dtype="float64")
    if dtype == "str":
        return pd.Series([v for v in draw_values if isinstance(v, str) or v is None], dtype="str")
    if dtype == "datetime64[ns]":
        return pd.Series([v for v in draw_values if isinstance(v, pd.Timestamp) or v is pd.NaT], dtype="datetime64[ns]")
    if dtype == "int64":
        return pd.Series([v for v in draw_values if type(v) is int], dtype="int64")
    return pd.Series(draw_values, dtype=object)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(MIXED + [None] * 3), max_size=80),
       st.sampled_from(["object", "float64", "str", "datetime64[ns]", "int64"]),
       st.sampled_from(KINDS))
def test_a_column_at_once_is_its_cells_one_by_one(values, dtype, kind):
    s = _columns(values, dtype)
    s.index = [7] * len(s)  # (cells by position: an index of one repeated label changes nothing)
    inline = cell_tails(s, kind, StringSink("inline"))
    assert inline == _one_by_one(s, kind)
    sink = StringSink("shared")
    shared = cell_tails(s, kind, sink)
    assert _shared_as_inline(shared, sink) == inline
    # the strings are numbered in order of first appearance down the column, each counted per cell
    assert sink.count == sum(t.startswith(' t="s">') for t in shared)
    firsts = list(dict.fromkeys(int(m[1]) for t in shared for m in [re.match(r' t="s"><v>(\d+)</v>', t)] if m))
    assert firsts == list(range(len(firsts)))
    template, pieces = column_cells(s, kind, StringSink("inline"))
    assert (pieces is None) or len(pieces) == len(s)
