"""crm_xl.sources.engine_facts: the engine answers the analysis's questions about the orders with
the numbers crm_xl.core.order_facts gives in memory, to the last bit (issue 19 item 2), in
DuckDB, SQLite and PostgreSQL; per-customer and per-group rows only."""

from __future__ import annotations

import sqlite3

import numpy as np
import pandas as pd
import pytest

from crm_xl.core.clean import clean_dataset
from crm_xl.core.order_facts import NO_DAY, ArrayFacts
from crm_xl.core.prepared import prepare
from crm_xl.demo import generate_demo
from crm_xl.settings import AnalysisSettings
from crm_xl.sources.engine_facts import EngineFacts

from .test_order_facts import _facts, _orders


def _rows(f: ArrayFacts, keys: np.ndarray) -> pd.DataFrame:
    """The orders behind ``f`` as the engine's relation holds them (one row per order)."""
    profit = f.profit
    out = pd.DataFrame({"c": keys[f.code], "d": f.day.astype(np.int64), "a": f.amount,
                        "p": pd.Series(profit).where(~np.isnan(profit), None), "pm": f.promo.astype(int),
                        "rn": np.arange(f.size)})
    for label, (codes, names) in f.labels.items():
        out[label] = np.where(codes >= 0, np.asarray(names, dtype=object)[np.maximum(codes, 0)], None)
    return out


def _duckdb(rows: pd.DataFrame):
    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect()
    con.register("orders_frame", rows)
    con.execute("CREATE TABLE orders AS SELECT * FROM orders_frame")
    return lambda sql: con.execute(sql).fetchall()


def _sqlite(rows: pd.DataFrame):
    con = sqlite3.connect(":memory:")
    rows.astype(object).where(rows.notna(), None).to_sql("orders", con, index=False)
    return lambda sql: con.execute(sql).fetchall()


ENGINES = {"duckdb": _duckdb, "sqlite": _sqlite}
KINDS = ["duckdb", "duckdb-fast", "sqlite"]  # (duckdb-fast: DuckDB's own aggregates)


def _engine(kind: str, f: ArrayFacts, keys: np.ndarray) -> EngineFacts:
    rows = _rows(f, keys)
    at = pd.Index(keys)
    return EngineFacts(ENGINES[kind.split("-")[0]](rows), "SELECT * FROM orders", f.n, f.today,
                       lambda ks: at.get_indexer(pd.Index(ks)), keys, labels=tuple(f.labels), fast=kind == "duckdb-fast")


def _same(a, b, what: str) -> None:
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b), err_msg=what)


def _group_names(f, g, label):
    names = f.label_names(label) if label else None
    lab = [None if names is None or k < 0 else names[k] for k in g.label]
    return sorted(zip(g.customer.tolist(), lab, g.orders.tolist(), g.amount.tolist(), strict=True),
                  key=lambda r: (r[0], "" if r[1] is None else str(r[1])))


def assert_same_facts(mem: ArrayFacts, eng: EngineFacts) -> None:
    """Every question of the analysis, asked of both: the same answers, bit for bit."""
    today = mem.today
    assert (eng.scale, eng._exact) == (mem.scale, mem._exact)
    assert eng.size == mem.size
    for name in ("count", "total", "first_day", "last_day", "has_orders", "median_gap_days"):
        _same(getattr(eng, name), getattr(mem, name), name)
    for start, end in ((today - 90, None), (today - 365, today - 180), (NO_DAY, None), (today - 30, today + 10)):
        for name in ("orders_between", "amount_between", "promo_between"):
            _same(getattr(eng, name)(start, end), getattr(mem, name)(start, end), f"{name}{start, end}")
        for a, b in zip(eng.profit_between(start, end), mem.profit_between(start, end), strict=True):
            _same(a, b, f"profit_between{start, end}")
    for end in (None, today - 200, today - 10_000):
        for a, b in zip(eng.day_summary(end), mem.day_summary(end), strict=True):
            _same(a, b, f"day_summary({end})")
    for a, b in zip(eng.days_between(today - 200), mem.days_between(today - 200), strict=True):
        _same(a, b, "days_between")
    for a, b in zip(eng.first_orders(), mem.first_orders(), strict=True):
        _same(a, b, "first_orders")
    first_m = int(np.datetime64(today, "D").astype("datetime64[M]").astype(np.int64)) - 23
    for a, b in zip(eng.monthly(first_m, 24), mem.monthly(first_m, 24), strict=True):
        _same(a, b, "monthly")
    for since in (today - 30, today - 400):
        names, bought = eng.new_products(since)
        assert (names, bought.tolist()) == (lambda r: (r[0], r[1].tolist()))(mem.new_products(since))
    rng = np.random.default_rng(0)
    code = rng.integers(0, mem.n, 300)
    lo = today - rng.integers(0, 800, 300)
    windows = [(lo, lo + rng.integers(0, 120, 300)), (lo - 30, lo)]
    for (c1, a1), (c2, a2) in zip(eng.window_totals(code, windows), mem.window_totals(code, windows), strict=True):
        _same(c1, c2, "window_totals counts")
        _same(a1, a2, "window_totals amounts")
    some = np.unique(rng.integers(0, mem.n, 20))
    for label in (None, "product", "owner", "campaign"):
        for kw in ({}, {"customers": some}):
            got = _group_names(eng, eng.totals_by(label, today - 400, today + 1, **kw), label)
            assert got == _group_names(mem, mem.totals_by(label, today - 400, today + 1, **kw), label), (label, kw)
    for name in mem.label_names("campaign")[:3]:
        only_e = [list(eng.label_names("campaign")).index(name)]
        only_m = [list(mem.label_names("campaign")).index(name)]
        got = _group_names(eng, eng.totals_by("campaign", today - 400, today + 1, only=only_e), "campaign")
        assert got == _group_names(mem, mem.totals_by("campaign", today - 400, today + 1, only=only_m), "campaign")
    assert eng.add(eng.total) == mem.add(mem.total)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("seed", [0, 1])
def test_random_orders_give_the_same_facts(kind, seed):
    o = _orders(seed)
    keys = np.array([f"K{i:03d}" for i in range(60)], dtype=object)
    assert_same_facts(_facts(o), _engine(kind, _facts(o), keys))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dirty", [False, True])
def test_demo_orders_give_the_same_facts(kind, dirty):
    s = AnalysisSettings()
    data = clean_dataset(generate_demo(400, dirty=dirty), settings=s).data
    p = prepare(data, s)
    assert p.facts.size > 1000 and set(p.facts.labels) >= {"product"}
    assert_same_facts(p.facts, _engine(kind, p.facts, p.id_array))


@pytest.mark.parametrize("kind", KINDS)
def test_money_not_exact_is_added_as_floats_in_both(kind):
    o = _orders(3)
    o["a"] = o["a"] + 1e-7 * np.arange(len(o)) % 3  # 7 decimals: beyond the cleaning's 6
    mem = _facts(o)
    assert (mem.scale, mem._exact) == (1.0, False)
    eng = _engine(kind, mem, np.array([f"K{i:03d}" for i in range(60)], dtype=object))
    assert (eng.scale, eng._exact) == (1.0, False)
    np.testing.assert_allclose(eng.total, mem.total, rtol=1e-12)  # (floats: the engine's order of additions)
    _same(eng.count, mem.count, "count")


def test_no_orders_give_empty_facts_in_the_engine():
    o = _orders(0).iloc[:0]
    mem = _facts(o)
    eng = _engine("sqlite", mem, np.array([f"K{i:03d}" for i in range(60)], dtype=object))
    assert eng.size == 0 and not eng.has_orders.any() and (eng.first_day == NO_DAY).all()
    assert eng.day_summary().codes.size == 0 and np.isnan(eng.median_gap_days).all()
    assert [a.size for a in eng.first_orders()] == [0] * 5
    assert eng.monthly(600, 3)[0].tolist() == [0, 0, 0] and eng.new_products(0)[0] == []


@pytest.mark.postgres
@pytest.mark.slow
def test_the_same_facts_in_postgresql():
    from .test_sources import PG_PASSWORD, started_pg_server

    server, psycopg = started_pg_server()
    try:
        with psycopg.connect(server.url("postgres"), password=PG_PASSWORD, autocommit=True) as con:
            con.execute("CREATE DATABASE crm_facts")
        s = AnalysisSettings()
        p = prepare(clean_dataset(generate_demo(300, dirty=True), settings=s).data, s)
        rows = _rows(p.facts, p.id_array)
        with psycopg.connect(server.url("crm_facts"), password=PG_PASSWORD, autocommit=True) as con:
            labels = [k for k in ("product", "owner", "campaign") if k in rows]
            con.execute("CREATE TABLE orders (c text, d bigint, a double precision, p double precision, pm int, "
                        f"rn bigint{''.join(f', {k} text' for k in labels)})")
            with con.cursor() as cur:
                cur.executemany(f"INSERT INTO orders VALUES ({', '.join(['%s'] * len(rows.columns))})",
                                [tuple(None if v is None or (isinstance(v, float) and np.isnan(v)) else
                                       (v.item() if hasattr(v, "item") else v) for v in r)
                                 for r in rows.itertuples(index=False)])
            at = pd.Index(p.id_array)

            def run(sql: str):
                with con.cursor() as cur:
                    cur.execute(sql)
                    return cur.fetchall()  # (SUM of bigint and AVG give Decimal: EngineFacts takes them)

            eng = EngineFacts(run, "SELECT * FROM orders", p.n, p.today, lambda ks: at.get_indexer(pd.Index(ks)),
                              p.id_array, labels=labels)
            assert_same_facts(p.facts, eng)
    finally:
        server.stop()
