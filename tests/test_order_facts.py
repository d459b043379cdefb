"""crm_xl.core.order_facts: what the analysis reads about the orders, checked against plain
pandas group-bys of the same orders, and the door it is (issue 19 item 2): no analysis
module reads an order itself."""

import ast
import pathlib
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

import crm_xl
from crm_xl.core.order_facts import NO_DAY, ArrayFacts, money_scale

N, TODAY = 60, 20_000  # customers; the analysis date's day number


def _orders(seed: int, n_orders: int = 3000) -> pd.DataFrame:
    """Random orders of N customers (some with none) over ~2 years up to TODAY: several orders
    on one day, unknown profits, promotions, products (one first sold late, some missing)."""
    rng = np.random.default_rng(seed)
    o = pd.DataFrame({
        "c": rng.integers(0, N - 5, n_orders),  # the last five customers never order
        "d": TODAY - rng.integers(0, 700, n_orders),
        "a": np.round(rng.uniform(1, 500, n_orders), 2),
        "p": np.where(rng.random(n_orders) < 0.3, np.nan, np.round(rng.uniform(-20, 100, n_orders), 2)),
        "promo": rng.random(n_orders) < 0.25,
        "prod": rng.integers(-1, 6, n_orders),
    })
    o.loc[o["prod"] == 5, "d"] = TODAY - rng.integers(0, 20, int((o["prod"] == 5).sum()))  # a new product
    return o


def _facts(o: pd.DataFrame) -> ArrayFacts:
    return ArrayFacts(N, TODAY, o["c"].to_numpy(np.int32), o["d"].to_numpy(np.int32), o["a"].to_numpy(float),
                      o["p"].to_numpy(float), o["promo"].to_numpy(bool),
                      {"product": (o["prod"].to_numpy(np.int32), np.array([f"P{i}" for i in range(6)], dtype=object))})


def _per_customer(s: pd.Series) -> np.ndarray:
    return s.reindex(range(N), fill_value=0).to_numpy(dtype=float)


@pytest.mark.parametrize("seed", [0, 1])
def test_per_customer_totals_are_the_group_bys(seed):
    o = _orders(seed)
    f = _facts(o)
    g = o.groupby("c")
    np.testing.assert_array_equal(f.count, _per_customer(g.size()))
    np.testing.assert_allclose(f.total, _per_customer(g["a"].sum()), rtol=1e-12)
    np.testing.assert_array_equal(f.first_day, g["d"].min().reindex(range(N), fill_value=NO_DAY).to_numpy())
    np.testing.assert_array_equal(f.last_day, g["d"].max().reindex(range(N), fill_value=NO_DAY).to_numpy())
    for start, end in ((TODAY - 90, None), (TODAY - 180, TODAY - 90), (NO_DAY, None)):
        w = o[(o["d"] > start) & (o["d"] <= (TODAY if end is None else end))]
        gw = w.groupby("c")
        np.testing.assert_array_equal(f.orders_between(start, end), _per_customer(gw.size()))
        np.testing.assert_allclose(f.amount_between(start, end), _per_customer(gw["a"].sum()), rtol=1e-12)
        np.testing.assert_array_equal(f.promo_between(start, end), _per_customer(gw["promo"].sum()))
        known = w[w["p"].notna()].groupby("c")
        profit, amount = f.profit_between(start, end)
        np.testing.assert_allclose(profit, _per_customer(known["p"].sum()), rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(amount, _per_customer(known["a"].sum()), rtol=1e-12)


def test_purchase_days_median_gaps_and_first_orders_are_the_group_bys():
    o = _orders(2)
    f = _facts(o)
    days = o.groupby(["c", "d"], sort=True)["a"].sum().reset_index()  # one row per purchase day
    for end in (None, TODAY - 200):
        d = days if end is None else days[days["d"] <= end]
        got = f.day_summary(end)
        g = d.groupby("c")
        np.testing.assert_array_equal(got.codes, g.size().index)
        np.testing.assert_array_equal(got.days, g.size().to_numpy())
        np.testing.assert_array_equal(got.first, g["d"].min().to_numpy())
        np.testing.assert_array_equal(got.last, g["d"].max().to_numpy())
        repeat = g["a"].sum() - g["a"].first()  # the days after the first
        np.testing.assert_allclose(got.repeat_amount, repeat.to_numpy(), rtol=1e-12, atol=1e-9)
    later = days[days["d"] > TODAY - 200].groupby("c")
    n_days, amount = f.days_between(TODAY - 200)
    np.testing.assert_array_equal(n_days, _per_customer(later.size()))
    np.testing.assert_allclose(amount, _per_customer(later["a"].sum()), rtol=1e-12)
    gaps = days.assign(g=days.groupby("c")["d"].diff()).dropna().groupby("c")["g"].median()
    np.testing.assert_array_equal(f.median_gap_days, gaps.reindex(range(N)).to_numpy(dtype=float))
    # first orders: the first row of the first day; the first later day
    firsts = o.reset_index().sort_values(["c", "d", "index"]).groupby("c").first()
    codes, first_day, first_amount, again, second_day = f.first_orders()
    np.testing.assert_array_equal(codes, firsts.index)
    np.testing.assert_array_equal(first_day, firsts["d"].to_numpy())
    np.testing.assert_array_equal(first_amount, firsts["a"].to_numpy())
    second = o[o["d"] > o["c"].map(firsts["d"])].groupby("c")["d"].min()
    np.testing.assert_array_equal(again, second.index)
    np.testing.assert_array_equal(second_day, second.to_numpy())


def test_day_windows_months_and_new_products_are_the_group_bys():
    o = _orders(3)
    f = _facts(o)
    rng = np.random.default_rng(4)
    code = rng.integers(0, N, 40)
    lo = TODAY - rng.integers(0, 800, 40)
    hi = lo + rng.integers(0, 120, 40)
    (cnt, amt), = f.window_totals(code, [(lo, hi)])
    for i in range(40):
        w = o[(o["c"] == code[i]) & (o["d"] >= lo[i]) & (o["d"] < hi[i])]
        assert cnt[i] == len(w) and amt[i] == pytest.approx(w["a"].sum(), rel=1e-12, abs=1e-9)
    # per month: the last six months (TODAY is 2024-10-04)
    def months(days) -> np.ndarray:
        return np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)

    month = months(o["d"])
    first_m = int(np.datetime64(TODAY, "D").astype("datetime64[M]").astype(np.int64)) - 5
    orders, revenue, active, returning = f.monthly(first_m, 6)
    first_day = o.groupby("c")["d"].min()
    first_month = pd.Series(months(first_day), index=first_day.index)
    for k in range(6):
        in_m = o[month == first_m + k]
        assert orders[k] == len(in_m) and revenue[k] == pytest.approx(in_m["a"].sum(), rel=1e-12)
        buyers = set(in_m["c"])
        assert active[k] == len(buyers)
        assert returning[k] == sum(first_month[c] < first_m + k for c in buyers)
    names, bought = f.new_products(TODAY - 30)
    assert names == ["P5"]  # P0-P4 were sold before
    np.testing.assert_array_equal(bought, _per_customer(o[o["prod"] == 5].groupby("c").size()))


def _exact(values) -> float:
    """The float nearest the exact decimal sum of ``values`` (each read as the decimal it prints as)."""
    return float(sum((Decimal(repr(float(v))) for v in values), Decimal(0)))


def test_money_is_added_up_exactly_whatever_the_order():
    rng = np.random.default_rng(7)
    o = _orders(5, 20_000)
    o["a"] = np.round(rng.uniform(0, 100, len(o)), 2) + np.where(rng.random(len(o)) < 0.1, 0.1, 0.0)
    o["a"] = np.round(o["a"], 2)  # cents, 0.1 + 0.2 style sums among them
    f = _facts(o)
    assert f.scale == 100
    for c in range(0, N, 7):
        mine = o.loc[o["c"] == c, "a"]
        assert f.total[c] == _exact(mine)  # to the last bit, not approximately
        assert f.total[c] == _facts(o.iloc[::-1]).total[c]  # in another order: the same bits
        recent = o.loc[(o["c"] == c) & (o["d"] > TODAY - 90), "a"]
        assert f.amount_between(TODAY - 90)[c] == _exact(recent)
    month = np.asarray(o["d"], dtype=np.int64).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    last_m = int(month.max())
    revenue = f.monthly(last_m, 1)[1][0]
    assert revenue == _exact(o.loc[month == last_m, "a"])
    (_, amt), = f.window_totals(np.array([1]), [(np.array([TODAY - 300]), np.array([TODAY - 100]))])
    assert amt[0] == _exact(o.loc[(o["c"] == 1) & (o["d"] >= TODAY - 300) & (o["d"] < TODAY - 100), "a"])
    days = f.day_summary()
    first = o[o["c"] == 2]["d"].min()
    assert days.repeat_amount[list(days.codes).index(2)] == _exact(o.loc[(o["c"] == 2) & (o["d"] > first), "a"])


def test_the_money_unit_is_the_fewest_decimals_that_write_every_amount():
    assert money_scale(np.array([12.0, 7.0, -3.0]), np.array([np.nan])) == (1.0, True)
    assert money_scale(np.array([12.5, 7.25]), np.array([0.1])) == (100.0, True)
    assert money_scale(np.array([0.123456, 1.0])) == (1e6, True)
    assert money_scale(np.array([0.1234567])) == (1.0, False)  # more than the cleaning's 6 decimals: floats
    assert money_scale(np.array([1e15, 1e15, 0.5])) == (1.0, False)  # sums too large to stay exact
    assert money_scale(np.zeros(0)) == (100.0, True)
    # a value the first thousand do not show still decides
    assert money_scale(np.r_[np.ones(5000), 0.001]) == (1000.0, True)


def test_no_orders_give_empty_facts():
    f = _facts(_orders(0).iloc[:0])
    assert f.size == 0 and not f.has_orders.any() and (f.first_day == NO_DAY).all()
    assert f.day_summary().codes.size == 0 and np.isnan(f.median_gap_days).all()
    assert [a.size for a in f.first_orders()] == [0] * 5
    (cnt, amt), = f.window_totals(np.array([3]), [(np.array([TODAY - 9]), np.array([TODAY]))])
    assert cnt[0] == 0 and amt[0] == 0
    assert f.monthly(600, 3)[0].tolist() == [0, 0, 0] and f.new_products(TODAY)[0] == []


# the per-order arrays: read by crm_xl.core.order_facts and made by crm_xl.core.prepared only
PER_ORDER = {"code", "day", "amount", "profit", "promo", "labels", "orders_by_customer_day",
             "_purchase_days", "_window", "_customer_day_order", "_amount", "_profit"}
ALLOWED = {"core/order_facts.py", "core/prepared.py"}


def _order_reads(tree: ast.AST) -> list[int]:
    """Lines reading ``<...>.facts.<per-order name>``."""
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and node.attr in PER_ORDER
            and ((isinstance(node.value, ast.Attribute) and node.value.attr == "facts")
                 or (isinstance(node.value, ast.Name) and node.value.id == "facts"))]


def test_no_analysis_module_reads_an_order():
    root = pathlib.Path(crm_xl.__file__).parent
    found = {}
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if rel not in ALLOWED:
            lines = _order_reads(ast.parse(path.read_text(encoding="utf-8")))
            if lines:
                found[rel] = lines
    assert found == {}, f"modules reading per-order arrays (ask ArrayFacts for a total instead): {found}"


def test_the_door_rule_sees_an_order_read():
    assert _order_reads(ast.parse("x = p.facts.amount[mask].sum()\ny = p.facts.total")) == [1]
