"""Properties of the carry-over rule (crm_xl.core.carry) that every refresh relies on:
nothing a user typed is lost, and merging again changes nothing."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_xl.core.carry import RowLifecycle, carry_over, key_text

IDS = st.sampled_from(["C001", "C002", " C003 ", "C004", "C005"])
TYPED = st.one_of(st.none(), st.sampled_from(["", "完成", "进行中", "已电话回访", " ", "2024-05-01"]),
                  st.floats(allow_nan=True, allow_infinity=False, width=32))

LC = RowLifecycle(mark_column="origin", generated="系统生成", hand_added="手工添加", stale_prefix="不再适用",
                  stale_template="不再适用：{reason}", reason_column="customer_id", reasons={}, default_reason="客户已变化")


def _frame(rows):
    return pd.DataFrame(rows, columns=["customer_id", "action", "status", "note", "origin"], dtype=object)


new_rows = st.lists(st.tuples(IDS, st.sampled_from(["回访", "优惠券"]), st.just(None), st.just(None),
                              st.just("系统生成")), max_size=80)
old_rows = st.lists(st.tuples(IDS, st.sampled_from(["回访", "优惠券", ""]), TYPED, TYPED,
                              st.sampled_from(["系统生成", "", "手工添加", "不再适用：x"])), max_size=80)


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(new_rows, old_rows, st.booleans())
def test_typed_values_survive_and_merge_is_idempotent(new, old, with_lifecycle):
    new, old = _frame(new), _frame(old)
    kw = dict(keys=["customer_id", "action"], editable=["status", "note"], lifecycle=LC if with_lifecycle else None)
    merged = carry_over(new, old, **kw)
    # every non-empty typed value of the old table is still there, in a row with the same key
    got = {(key_text(r.customer_id), key_text(r.action), key_text(r.status), key_text(r.note))
           for r in merged.itertuples()}
    for r in old.itertuples():
        if key_text(r.status) or key_text(r.note):
            assert (key_text(r.customer_id), key_text(r.action), key_text(r.status), key_text(r.note)) in got
    # every generated row is there (possibly with the user's values)
    assert len(merged) >= len(new)
    # merging the result with the same old rows again changes nothing
    again = carry_over(merged, old, **kw)
    pd.testing.assert_frame_equal(again.astype(object).reset_index(drop=True),
                                  merged.astype(object).reset_index(drop=True), check_dtype=False)


def test_map_distinct_keeps_equal_values_of_different_types_apart():
    from crm_xl.core.carry import map_distinct

    calls = []

    def f(v):
        calls.append(v)
        return repr(v)

    vals = [1, 1.0, True, 1, "1", 1.0, [1], [1], None, None]
    assert map_distinct(f, vals) == [repr(v) for v in vals]
    assert calls == [1, 1.0, True, "1", [1], [1], None]  # lists are unhashable: not cached


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(["", " ", "\u3000", "\t", "a", " a ", "完成"]),
                          st.floats(width=32), st.booleans(), st.just(pd.NaT),
                          st.dates().map(pd.Timestamp)), max_size=30))
def test_blank_cells_are_those_with_an_empty_key_text(values):
    """A cell is blank for the merge exactly when its comparable text is empty (missing
    values, empty text, text of spaces)."""
    import numpy as np

    from crm_xl.core.carry import blank_mask

    expected = np.array([key_text(v) == "" for v in values], dtype=bool)
    assert (blank_mask(pd.Series(values, dtype=object)) == expected).all()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(["", " a", "a", "客户", "b "]), st.none(), st.just(float("nan")),
                          st.just(pd.NA)), min_size=64, max_size=150))
def test_map_distinct_on_a_text_column_equals_mapping_each_value(values):
    """The factorised path for text columns gives exactly what calling the function on
    every value gives, missing values of each kind included."""
    from crm_xl.core.carry import map_distinct

    assert map_distinct(repr, pd.Series(values, dtype=object)) == [repr(v) for v in values]
