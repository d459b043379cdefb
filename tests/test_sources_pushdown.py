"""Aggregation pushed into the engine (issue 19): :func:`crm_xl.sources.pushdown.engine_aggregates`
gives, per customer and per month, what the in-memory path computes from the same source.

The in-memory side is the path every report takes today: ``read_source`` -> ``clean_dataset``
-> ``prepare``; the per-customer and per-month values are computed here from its arrays with
a plain pandas groupby (orders, total, first and last day, monthly orders, revenue and buying
customers) and from ``prepared_clv_summary`` (frequency, recency, T, monetary value). Both
sides run on the demo data and on a dirty variant (cancelled and open orders, an order split
over lines, lines without order numbers, missing keys, a placeholder date, an analysis date
before the last orders) in DuckDB, Parquet, SQLite and PostgreSQL. Data the engine cannot
treat exactly (text money, IDs that normalise to one another, credit notes, returns to net)
raises NotPushable with its reason.
"""

from __future__ import annotations

import datetime as dt
import itertools
import sqlite3

import numpy as np
import pandas as pd
import pytest

from crm_xl.core.clean import clean_dataset
from crm_xl.core.clv_report import prepared_clv_summary
from crm_xl.core.prepared import prepare
from crm_xl.settings import AnalysisSettings
from crm_xl.sources import SourceSpec, read_source
from crm_xl.sources.pushdown import NotPushable, engine_aggregates
from tests.test_sources import PG_PASSWORD, PgServer, _pg_bin, _q, load

pytest.importorskip("duckdb")

N_CUSTOMERS = 120


def dirty(demo: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The demo data with what the purchase rules have to sort out."""
    o = demo["orders"].copy()
    cols = list(o.columns)  # 订单编号 客户ID 下单日期 金额(元) 产品 毛利(元) 折扣率 活动ID 销售负责人 订单状态
    base = o.iloc[0].to_dict()

    def row(**kw):
        r = dict(base)
        r.update({cols[0]: kw.get("oid", "X"), cols[1]: kw.get("cid", base[cols[1]]),
                  cols[2]: kw.get("day", base[cols[2]]), cols[3]: kw.get("amount", 100.0),
                  cols[9]: kw.get("status", "已完成")})
        return r

    c1, c2 = o.iloc[5][cols[1]], o.iloc[9][cols[1]]
    extra = [
        row(oid="CX1", status="已取消", amount=999.0),  # cancelled
        row(oid="CX2", status=" 已退款 ", amount=50.0),  # refunded, with spaces
        row(oid="OP1", status="待付款", amount=70.0),  # open
        row(oid=o.iloc[3][cols[0]], cid=o.iloc[3][cols[1]], day=o.iloc[3][cols[2]] + pd.Timedelta(days=3),
            amount=0.1),  # a second line of an order: summed, dated by its first line
        row(oid=o.iloc[3][cols[0]], cid=o.iloc[3][cols[1]], day=o.iloc[3][cols[2]], amount=0.2),
        row(oid=None, cid=c1, day=pd.Timestamp("2024-02-03"), amount=10.25),  # no number: per customer and day
        row(oid=None, cid=c1, day=pd.Timestamp("2024-02-03"), amount=5.5),
        row(oid=None, cid=c2, day=pd.Timestamp("2024-02-04"), amount=1.0),
        row(oid="NA1", amount=None),  # missing amount
        row(oid="NC1", cid=None),  # missing customer
        row(oid="OLD1", day=pd.Timestamp("1900-01-01")),  # a placeholder date
        row(oid="NEW1", cid="ZZ9", day=pd.Timestamp("2024-03-01"), amount=12.5),  # a customer only in orders
    ]
    orders = pd.concat([o, pd.DataFrame(extra, columns=cols)], ignore_index=True)
    orders[cols[2]] = pd.to_datetime(orders[cols[2]])
    return {**demo, "orders": orders}


# ----------------------------------------------------------------------------------------
# the engines
# ----------------------------------------------------------------------------------------

def _duckdb_file(tables, path):
    import duckdb

    con = duckdb.connect(str(path))
    load(con, "duckdb", tables)
    con.close()
    return f"duckdb://{path}"


def _sqlite_file(tables, path):
    con = sqlite3.connect(path)
    load(con, "sqlite", tables)
    con.close()
    return f"sqlite://{path}"


def _parquet_dir(tables, path):
    import duckdb

    db = path.with_suffix(".duckdb")
    _duckdb_file(tables, db)
    path.mkdir()
    con = duckdb.connect(str(db), read_only=True)
    for table in tables:
        con.execute(f"COPY {_q(table)} TO '{path / f'{table}.parquet'}' (FORMAT parquet)")
    con.close()
    return str(path)


@pytest.fixture(scope="module")
def datasets():
    from crm_xl.demo import generate_demo

    demo = generate_demo(N_CUSTOMERS)
    return {"demo": demo, "dirty": dirty(demo)}


@pytest.fixture(scope="module")
def pg_server():
    bindir = _pg_bin()
    if bindir is None:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) found")
    pytest.importorskip("psycopg")
    server = PgServer(bindir)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _postgres_db(server, tables, name):
    import psycopg

    with psycopg.connect(server.url("postgres"), password=PG_PASSWORD, autocommit=True) as con:
        con.execute(f"CREATE DATABASE {name}")
    with psycopg.connect(server.url(name), password=PG_PASSWORD) as con:
        load(con, "postgres", tables)
    return server.url(name)


_DATABASES = itertools.count()  # (a database per test on the module's server)


@pytest.fixture
def make_source(request, tmp_path, monkeypatch):
    """engine name, tables -> the source URL holding them."""
    def make(engine: str, tables: dict[str, pd.DataFrame]) -> str:
        if engine == "duckdb":
            return _duckdb_file(tables, tmp_path / "crm.duckdb")
        if engine == "sqlite":
            return _sqlite_file(tables, tmp_path / "crm.db")
        if engine == "parquet":
            return _parquet_dir(tables, tmp_path / "parquet")
        server = request.getfixturevalue("pg_server")
        monkeypatch.setenv("PGPASSWORD", PG_PASSWORD)
        params = request.node.name.split("[")[1].split("]")[0] if "[" in request.node.name else ""
        return _postgres_db(server, tables, f"crm_{next(_DATABASES)}_{params.replace('-', '_')}"[:60])
    return make


# ----------------------------------------------------------------------------------------
# the in-memory truth
# ----------------------------------------------------------------------------------------

def in_memory(url: str, s: AnalysisSettings):
    """(as_of, per-customer frame, per-month frame) from the in-memory path's arrays."""
    cleaned = clean_dataset(read_source(SourceSpec(url)), settings=s)
    p = prepare(cleaned.data, s)
    o = pd.DataFrame({"c": p.ids[p.facts.code], "d": p.facts.day, "a": p.facts.amount})
    g = o.groupby("c")
    cust = pd.DataFrame({"orders": g.size(), "monetary": g["a"].sum(),
                         "first_purchase": g["d"].min().astype("datetime64[D]").astype("datetime64[ns]"),
                         "last_purchase": g["d"].max().astype("datetime64[D]").astype("datetime64[ns]")})
    summary, _ = prepared_clv_summary(p)
    cust = cust.join(summary[["frequency", "recency", "T", "monetary_value"]])
    cust.index.name = "customer_id"
    o["month"] = [str(m) for m in o["d"].to_numpy().astype("datetime64[D]").astype("datetime64[M]")]
    m = o.groupby("month").agg(orders=("a", "size"), revenue=("a", "sum"), customers=("c", "nunique")).reset_index()
    return p.as_of, cust.sort_index(), m


def assert_same(got, want_as_of, want_cust, want_months):
    assert got.as_of == want_as_of
    c = got.customers
    assert list(c.index) == list(want_cust.index)
    assert (c["orders"].to_numpy() == want_cust["orders"].to_numpy()).all()
    for col in ("first_purchase", "last_purchase"):
        assert (c[col].to_numpy() == want_cust[col].to_numpy()).all(), col
    for col in ("frequency", "recency", "T"):  # whole days over the same divisor: exact
        np.testing.assert_array_equal(c[col].to_numpy(), want_cust[col].to_numpy(), err_msg=col)
    for col in ("monetary", "monetary_value"):  # sums added in another order
        np.testing.assert_allclose(c[col].to_numpy(), want_cust[col].to_numpy(), rtol=1e-12, atol=1e-9, err_msg=col)
    m = got.months
    assert list(m["month"]) == list(want_months["month"])
    assert list(m["orders"]) == list(want_months["orders"])
    assert list(m["customers"]) == list(want_months["customers"])
    np.testing.assert_allclose(m["revenue"].to_numpy(), want_months["revenue"].to_numpy(), rtol=1e-12)
    assert got.purchases == int(want_cust["orders"].sum())


ENGINES = ["duckdb", "parquet", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("data", ["demo", "dirty"])
def test_engine_aggregates_equal_the_in_memory_path(engine, data, datasets, make_source):
    url = make_source(engine, datasets[data])
    s = AnalysisSettings()
    got = engine_aggregates(url, s)
    assert_same(got, *in_memory(url, s))
    if data == "dirty":  # the rules did apply: cancelled, open, missing and placeholder rows are not counted
        assert got.rows == len(datasets["dirty"]["orders"])
        assert "ZZ9" in got.customers.index


@pytest.mark.parametrize("engine", ["duckdb", "sqlite"])
def test_analysis_date_before_the_last_orders(engine, datasets, make_source):
    url = make_source(engine, datasets["dirty"])
    s = AnalysisSettings(analysis_date=dt.date(2024, 2, 3))
    got = engine_aggregates(url, s)
    assert got.customers["last_purchase"].max() <= pd.Timestamp("2024-02-03")
    assert_same(got, *in_memory(url, s))


def test_returns_are_left_out_when_asked(datasets, make_source):
    tables = dirty(datasets["demo"])
    o = tables["orders"]
    o.loc[len(o)] = {**o.iloc[0].to_dict(), "订单编号": "RT1", "金额(元)": -300.0}
    url = make_source("duckdb", tables)
    s = AnalysisSettings(returns_mode="ignore")
    assert_same(engine_aggregates(url, s), *in_memory(url, s))
    with pytest.raises(NotPushable) as e:  # netting a return: in Python
        engine_aggregates(url, AnalysisSettings())
    assert "退货" in e.value.note("zh") and "returns" in e.value.note("en")


def _variant(demo, change):
    tables = {k: v.copy() for k, v in demo.items()}
    change(tables["orders"])
    return tables


@pytest.mark.parametrize(("change", "zh", "en"), [
    (lambda o: o.__setitem__("金额(元)", ["¥" + f"{v:,.2f}" for v in o["金额(元)"]]), "金额列不是数值类型",
     "not numeric"),
    (lambda o: o.__setitem__("客户ID", [v.lower() if i % 7 == 0 else v for i, v in enumerate(o["客户ID"])]),
     "规范化后相同", "same once normalised"),
    (lambda o: o.__setitem__("订单编号", ["C" + str(i) if i == 3 else str(1000 + i) for i in range(len(o))]),
     "红字", "credit-note"),
    (lambda o: o.__setitem__("订单编号", [f" {v}" if i == 2 else v for i, v in enumerate(o["订单编号"])]),
     "订单编号含有空白", "order numbers hold spaces"),
    (lambda o: o.__setitem__("订单编号", ["N/A" if i in (2, 9) else v for i, v in enumerate(o["订单编号"])]),
     "表示空白的文字", "words for blank"),
    (lambda o: o.__setitem__("客户ID", ["n/a" if i == 4 else v for i, v in enumerate(o["客户ID"])]),
     "规范化后为空", "blank once normalised"),
])
@pytest.mark.parametrize("engine", ["duckdb", "sqlite"])
def test_what_the_engine_cannot_do_falls_back_with_a_reason(engine, change, zh, en, datasets, make_source):
    url = make_source(engine, _variant(datasets["demo"], change))
    with pytest.raises(NotPushable) as e:
        engine_aggregates(url, AnalysisSettings())
    assert zh in e.value.note("zh") and en in e.value.note("en")
    assert e.value.note("zh").startswith("汇总未下推到数据库")


def test_sqlite_text_dates_not_iso_fall_back(datasets, tmp_path):
    tables = _variant(datasets["demo"], lambda o: None)
    url = _sqlite_file(tables, tmp_path / "crm.db")
    con = sqlite3.connect(tmp_path / "crm.db")
    con.execute("UPDATE orders SET \"下单日期\" = '03/10/2022' WHERE rowid = 1")
    con.commit()
    con.close()
    with pytest.raises(NotPushable, match="YYYY-MM-DD"):
        engine_aggregates(url, AnalysisSettings())


def test_query_and_table_options_apply(datasets, make_source):
    url = make_source("duckdb", datasets["dirty"])
    q = 'SELECT * FROM orders WHERE "金额(元)" < 20000'
    s = AnalysisSettings()
    spec = SourceSpec(url, queries=(("orders", q),))
    got = engine_aggregates(spec, s)
    cleaned = clean_dataset(read_source(spec), settings=s)
    p = prepare(cleaned.data, s)
    assert got.purchases == p.facts.size
    assert got.customers["monetary"].sum() == pytest.approx(p.facts.amount.sum(), rel=1e-12)


def test_mixed_case_ids_and_prefixed_order_numbers_are_pushed(datasets, make_source):
    """Salesforce-like IDs keep their case (as Python decides for such a column), and an
    order number like C123 among non-numeric numbers is no credit note (nor in Python)."""
    def mixed(frame, col):
        frame[col] = [f"{v[:1]}x{v[1:]}" if isinstance(v, str) else v for v in frame[col]]

    tables = {k: v.copy() for k, v in datasets["dirty"].items()}
    mixed(tables["orders"], "客户ID")
    mixed(tables["customers"], "客户ID")
    tables["orders"].loc[5, "订单编号"] = "C123"
    url = make_source("duckdb", tables)
    s = AnalysisSettings()
    got = engine_aggregates(url, s)
    assert any("x" in i for i in got.customers.index)  # not upper-cased
    assert_same(got, *in_memory(url, s))
