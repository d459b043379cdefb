"""What reading the order lines tells the user (crm_xl.core.purchases.IntakeSummary)."""


def test_intake_warnings_are_flagged_where_they_are_written():
    """The console shows warnings loudly (even with --quiet); which lines are warnings is
    declared by the summary, in both languages, not guessed from their first word."""
    from crm_xl.core.purchases import IntakeSummary

    quiet = IntakeSummary(rows=100, orders=95, purchase_lines=95, dropped={"lost": 5})
    assert [w for _, w in quiet.messages("zh")] == [False]
    loud = IntakeSummary(rows=100, orders=60, purchase_lines=60, dropped={"lost": 30, "open": 10},
                         unknown_statuses={"Pending": 3})
    for lang in ("zh", "en"):
        msgs = loud.messages(lang)
        assert [w for _, w in msgs] == [False, True, True]
        assert loud.lines(lang) == [t for t, _ in msgs]
    assert "40%" in loud.lines("en")[2]


# --- an order-level export: every line its own order (issue 20's fast path)

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@given(st.lists(st.tuples(st.sampled_from([0.0, -0.0, 12.5, -3.25, float("nan"), 1e15, 7.0]),
                          st.sampled_from(["C1", "C2", "c1", "客户3"]),
                          st.one_of(st.none(), st.integers(0, 800))), min_size=1, max_size=40))
def test_lines_with_their_own_order_numbers_are_the_orders_grouping_would_make(lines):
    """Where every line has an order number of its own, the lines are taken as the orders
    without grouping them: the same codes, counts, totals (a -0.0 refund summed as 0.0, as
    bincount sums), first lines and days as the grouping gives."""
    import numpy as np

    from crm_xl.core.purchases import _grouped_lines, _one_order_a_line

    amount = np.array([a for a, _, _ in lines], dtype="float64")
    cust = np.array([c for _, c, _ in lines], dtype=object)
    day = np.array([np.datetime64("NaT", "ns") if d is None else np.datetime64("2023-01-01", "ns") + np.timedelta64(d, "D")
                    for _, _, d in lines], dtype="datetime64[ns]")
    has_id = np.ones(len(lines), dtype=bool)
    key_id = np.array([f"SO{i}" for i in range(len(lines))], dtype=object)
    codes, n_orders, sizes, totals, first, earliest = _grouped_lines(key_id, cust, day, has_id, amount)
    fast = _one_order_a_line(amount, cust, day, has_id)
    assert fast.n_orders == n_orders
    for got, want in ((fast.codes, codes), (fast.sizes, sizes), (fast.first, first)):
        assert got.dtype == want.dtype and got.tolist() == want.tolist()
    assert fast.totals.dtype == totals.dtype
    assert np.array_equal(fast.totals, totals, equal_nan=True)
    assert np.signbit(fast.totals).tolist() == np.signbit(totals).tolist()
    assert fast.earliest.dtype == earliest.dtype and np.array_equal(fast.earliest, earliest, equal_nan=True)
