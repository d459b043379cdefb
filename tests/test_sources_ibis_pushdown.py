"""The push-down through ibis (issue 19): ``ibis+sqlite://``, ``ibis+duckdb://`` and
``ibis+postgres://`` sources take the engine's path of the native URLs, and a backend whose
SQL crm_xl does not write gets DuckDB's SQL transpiled by sqlglot, checked first.

The truth is computed apart from the code under test: the per-customer and per-month values
from the in-memory path's arrays (tests/test_sources_pushdown.py's ``in_memory``), the
report from the same data given as a workbook (``--input``), read and cleaned in Python. Both
ibis paths are compared with them and with the native URL's. The "unknown" backend is a real
one here (PostgreSQL, whose transpiled SQL runs; SQLite, whose does not) with its name taken off the list of dialects crm_xl writes
itself, so that its SQL is the transpiled DuckDB SQL a warehouse gets.
"""

from __future__ import annotations

import pandas as pd
import pytest

import crm_xl.sources.engine_orders as engine_orders
import crm_xl.sources.ibis_source as ibis_source
from crm_xl.settings import AnalysisSettings
from crm_xl.sources import SourceSpec, open_source, read_source
from crm_xl.sources.pushdown import NotPushable, engine_aggregates
from tests import test_sources_pushdown as pushdown_tests
from tests.test_sources import DATA_SHEETS, comparable, sheets
from tests.test_sources_engine_report import accepted, run, without_snapshot
from tests.test_sources_pushdown import assert_same, dirty, in_memory

make_source, pg_server = pushdown_tests.make_source, pushdown_tests.pg_server  # (the fixtures, shared)

pytest.importorskip("ibis")
pytest.importorskip("duckdb")

N_CUSTOMERS = 120
ENGINES = ["sqlite", "duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]
_IBIS_SCHEME = {"sqlite": "sqlite", "duckdb": "duckdb", "postgres": "postgres"}


@pytest.fixture(scope="module")
def datasets():
    from crm_xl.demo import generate_demo

    demo = generate_demo(N_CUSTOMERS)
    return {"demo": demo, "dirty": dirty(demo), "mess": accepted(demo)}


def ibis_url(native: str, engine: str) -> str:
    """The ibis URL of the source the native URL ``native`` names."""
    return f"ibis+{_IBIS_SCHEME[engine]}://{native.split('://', 1)[1]}"


@pytest.fixture
def sources(make_source):
    """engine, tables -> (native URL, ibis URL) of the same database."""
    def make(engine: str, tables):
        native = make_source(engine, tables)
        return native, ibis_url(native, engine)
    return make


@pytest.fixture
def unknown(monkeypatch):
    """Take a backend off the dialects crm_xl writes itself: its SQL is then transpiled."""
    def forget(engine: str) -> None:
        monkeypatch.delitem(ibis_source._OWN_SQL, engine)
    return forget


def assert_same_aggregates(got, want):
    assert (got.as_of, got.rows, got.purchases, got.dialect) == (want.as_of, want.rows, want.purchases, want.dialect)
    pd.testing.assert_frame_equal(got.customers, want.customers)
    pd.testing.assert_frame_equal(got.months, want.months)


# ----------------------------------------------------------------------------------------
# the dialects crm_xl writes: ibis only connects
# ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("engine", ENGINES)
def test_ibis_connection_has_the_native_dialect(engine, datasets, sources):
    native, url = sources(engine, datasets["demo"])
    dialects = []
    for u in (url, native):  # (one after the other: DuckDB opens a file once per process)
        con = open_source(u)
        dialects.append((type(con).__name__, con.dialect))
        con.close()
    assert dialects == [("IbisSqlConnection", engine), (dialects[1][0], engine)]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("data", ["demo", "dirty"])
def test_engine_aggregates_through_ibis_equal_the_native_and_the_in_memory_path(engine, data, datasets, sources):
    native, url = sources(engine, datasets[data])
    s = AnalysisSettings()
    got = engine_aggregates(url, s)
    assert_same(got, *in_memory(native, s))  # the truth: the in-memory path's arrays
    assert_same_aggregates(got, engine_aggregates(native, s))  # the same SQL in the same engine: equal


@pytest.mark.parametrize("engine", ENGINES)
def test_engine_aggregates_of_a_query_through_ibis(engine, datasets, sources):
    """A --query (in the engine's dialect) and an analysis date before the last orders."""
    import datetime as dt

    native, url = sources(engine, datasets["dirty"])
    q = (("orders", 'SELECT * FROM orders WHERE "金额(元)" < 20000'),)
    s = AnalysisSettings(analysis_date=dt.date(2024, 2, 3))
    got = engine_aggregates(SourceSpec(url, queries=q), s)
    assert got.purchases < engine_aggregates(url, s).purchases
    assert_same_aggregates(got, engine_aggregates(SourceSpec(native, queries=q), s))


@pytest.mark.parametrize("engine", ENGINES)
def test_ibis_tables_read_as_the_native_path(engine, datasets, sources):
    """The in-memory path's frames: the same values, types, mappings and names both ways (the
    rows come through the same driver cursor)."""
    native, url = sources(engine, datasets["dirty"])

    def frames(u):
        return {k: [(t.sheet, dict(t.mapping or {}), list(t.frame.columns),
                     [tuple((type(v).__name__, v) for v in r) for r in t.frame.itertuples(index=False)]) for t in ts]
                for k, ts in read_source(SourceSpec(u)).items()}

    assert frames(url) == frames(native)


def workbook_report(native: str, path, monkeypatch):
    """The report of the source's rows (in the order the engine returns them, with its types)
    written to a workbook, one sheet per table, and given with --input: the in-memory path.
    The input's sheets (named by the tables) are left out: the new workbook keeps a copy."""
    from crm_xl.cli.report import run_report

    book = path / "data.xlsx"
    tables = [t for ts in read_source(SourceSpec(native)).values() for t in ts]
    with pd.ExcelWriter(book, engine="openpyxl") as xw:
        for t in tables:
            t.frame.to_excel(xw, sheet_name=t.sheet, index=False)
    tables = [t.sheet for t in tables]
    monkeypatch.setattr(engine_orders, "PUSHDOWN_ROWS", 10**15)
    out = path / "from_workbook.xlsx"
    run_report(out, inputs=[str(book)], sheet_rows=50, inform=lambda *_a, **_k: None)
    return without_source(sheets(out), skip=(*DATA_SHEETS, *tables))


def without_source(book, skip=DATA_SHEETS):
    """:func:`tests.test_sources.comparable` of the book, without the data sheets (a source's
    hold a sample, a workbook's every row) and with the table names of a workbook's sheets."""
    out = comparable(book)
    return {n: rows for n, rows in out.items() if n not in skip}


@pytest.mark.slow
@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("data", ["demo", "mess"])
def test_report_through_ibis_and_the_engine_equals_native_and_workbook(engine, data, datasets, sources, tmp_path,
                                                                       monkeypatch):
    native, url = sources(engine, datasets[data])
    got, told, _s = run(url, tmp_path / "ibis.xlsx", monkeypatch, 10)  # the engine's path forced on small data
    assert not [t for t in told if "汇总未下推" in t[0]], told
    native_book, told_native, _s2 = run(native, tmp_path / "native.xlsx", monkeypatch, 10)
    assert told == [(t.replace(native, url), loud) for t, loud in told_native]
    a, b = without_snapshot(got), without_snapshot(native_book)
    assert comparable(a) == comparable(b)  # every cell but those naming the source
    assert without_source(got) == workbook_report(native, tmp_path, monkeypatch)
    assert "共有" in str(got["订单"][0][0])  # the orders' data sheet is a sample: the engine's path was taken


# ----------------------------------------------------------------------------------------
# a backend whose SQL crm_xl does not write: DuckDB's SQL through sqlglot
# ----------------------------------------------------------------------------------------

# (not DuckDB: ibis 12 cannot list a DuckDB 2 database's tables, which a backend crm_xl does not
# know is read by)
TRANSPILED = [pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.mark.parametrize("engine", TRANSPILED)
@pytest.mark.parametrize("data", ["demo", "dirty"])
def test_transpiled_sql_gives_the_in_memory_aggregates(engine, data, datasets, sources, unknown):
    native, url = sources(engine, datasets[data])
    unknown(engine)
    s = AnalysisSettings()
    got = engine_aggregates(url, s)
    assert got.dialect == "portable"
    assert_same(got, *in_memory(native, s))


@pytest.mark.postgres
def test_transpiled_sql_with_an_analysis_date(datasets, sources, unknown):
    import datetime as dt

    native, url = sources("postgres", datasets["dirty"])
    unknown("postgres")
    s = AnalysisSettings(analysis_date=dt.date(2024, 2, 3))
    got = engine_aggregates(url, s)
    assert got.dialect == "portable" and got.customers["last_purchase"].max() <= pd.Timestamp("2024-02-03")
    assert_same(got, *in_memory(native, s))


@pytest.mark.postgres
def test_a_query_in_the_engines_dialect_is_not_transpiled(datasets, sources, unknown):
    """A --query is the engine's own SQL (here PostgreSQL's ``::`` cast and ``~`` match, which
    DuckDB's parser would not leave alone): the transpiled SQL reads it as written. (The
    whole push-down over a --query is not run here: ibis 12's ``Backend.sql``, which reads a
    query's columns, fails on PostgreSQL with sqlglot 30.)"""
    import psycopg

    from tests.test_sources import PG_PASSWORD

    native, url = sources("postgres", datasets["dirty"])
    unknown("postgres")
    q = """SELECT "客户ID"::text AS c, "金额(元)" AS a FROM orders WHERE "订单编号" ~ '^SO[0-9]' AND "金额(元)" < 20000"""
    with psycopg.connect(native, password=PG_PASSWORD) as pg:
        want = pg.execute(f"SELECT COUNT(*), COUNT(DISTINCT c), SUM(a) FROM ({q}) AS w").fetchone()
    con = open_source(url)
    try:
        rel = con.query_relation(q, "crm_q")
        assert q not in rel  # (a placeholder, replaced after transpiling)
        got = con._execute(f"SELECT COUNT(*), COUNT(DISTINCT c), SUM(a) FROM {rel}").fetchone()
    finally:
        con.close()
    assert want[0] > 100 and tuple(got) == tuple(want)


@pytest.mark.slow
@pytest.mark.parametrize("engine", TRANSPILED)
def test_report_through_transpiled_sql_equals_the_in_memory_report(engine, datasets, sources, unknown, tmp_path,
                                                                  monkeypatch):
    native, url = sources(engine, datasets["mess"])
    unknown(engine)
    got, told, _s = run(url, tmp_path / "ibis.xlsx", monkeypatch, 10)
    assert not [t for t in told if "汇总未下推" in t[0]], told
    want, _told, _s2 = run(native, tmp_path / "memory.xlsx", monkeypatch, 10**15)
    assert comparable(without_snapshot(got)) == comparable(without_snapshot(want))


def test_transpiled_sql_the_engine_cannot_run_falls_back_with_the_note(datasets, sources, unknown, tmp_path,
                                                                      monkeypatch):
    """SQLite has no EXTRACT: the transpiled check fails, the report reads the rows as before
    and says so in the one line the other fallbacks give, and equals the in-memory report."""
    native, url = sources("sqlite", datasets["mess"])
    unknown("sqlite")
    with pytest.raises(NotPushable) as e:
        engine_aggregates(url, AnalysisSettings())
    assert e.value.note("zh").startswith("汇总未下推到数据库，改为在本机计算：数据库无法执行转译后的 SQL（")
    assert e.value.note("en").startswith("aggregation not pushed to the engine, computed here instead: the engine "
                                         "cannot run the transpiled SQL (")
    got, told, _s = run(url, tmp_path / "ibis.xlsx", monkeypatch, 10)
    notes = [t for t, _loud in told if t.startswith("汇总未下推到数据库，改为在本机计算：")]
    assert notes == [e.value.note("zh")], told
    want, told_memory, _s2 = run(url, tmp_path / "memory.xlsx", monkeypatch, 10**15)
    assert [t for t in told if t[0] not in notes] == told_memory
    assert without_snapshot(got) == without_snapshot(want)


@pytest.mark.postgres
def test_transpiled_sql_that_runs_but_means_something_else_is_not_used(datasets, sources, unknown, monkeypatch):
    """An expression whose translation runs but gives another answer (here the rounding made
    a floor) is caught by the check on probe values, before any query over the data."""
    from crm_xl.sources.portable import Portable

    _native, url = sources("postgres", datasets["demo"])
    unknown("postgres")
    monkeypatch.setattr(Portable, "round6", lambda self, x: f"FLOOR({x})")
    with pytest.raises(NotPushable) as e:
        engine_aggregates(url, AnalysisSettings())
    assert "转译后的 SQL 在此数据库中的结果与本机不同（r：" in e.value.zh
    assert "the transpiled SQL gives other results in this engine than here (r:" in e.value.en


@pytest.mark.postgres
def test_transpiled_sql_leaves_zoned_order_dates_to_python(datasets, sources, unknown):
    """Order dates with a time zone: the engine's cursor gives them in the session's zone, the
    rows read through ibis in UTC, so the day of an order may differ: not pushed down."""
    import psycopg

    from tests.test_sources import PG_PASSWORD

    native, url = sources("postgres", datasets["demo"])
    with psycopg.connect(native, password=PG_PASSWORD) as pg:
        pg.execute('ALTER TABLE orders ALTER COLUMN "下单日期" TYPE timestamptz')
    unknown("postgres")
    with pytest.raises(NotPushable) as e:
        engine_aggregates(url, AnalysisSettings())
    assert "订单日期带时区" in e.value.zh and "time zone" in e.value.en


class _StubBackend:
    """What PortableConnection reads of an ibis backend to transpile: its name and dialect;
    ``disconnect`` records that it was called."""

    def __init__(self, name: str, dialect: str) -> None:
        self.name, self.dialect, self.disconnected = name, dialect, False

    def disconnect(self) -> None:
        self.disconnected = True


def test_spark_numbers_rows_in_the_order_it_reads_them():
    """Spark refuses row_number() OVER () (no ORDER BY): its rows are numbered by
    monotonically_increasing_id(), the partition's number then the row's place in it (the
    order SELECT * gives); other engines keep the empty window. (Spark itself:
    tests/test_sources_spark.py.)"""
    from crm_xl.sources.portable import PortableConnection

    sql = "SELECT v, row_number() OVER () AS rn FROM t"
    spark = PortableConnection("spark", _StubBackend("pyspark", "spark")).transpiled(sql)
    assert spark == "SELECT v, ROW_NUMBER() OVER (ORDER BY MONOTONICALLY_INCREASING_ID()) AS rn FROM t"
    assert PortableConnection("trino", _StubBackend("trino", "trino")).transpiled(sql) == \
        "SELECT v, ROW_NUMBER() OVER () AS rn FROM t"


def test_closing_a_spark_source_leaves_the_session_running():
    """ibis's pyspark backend is the process's SparkSession (a notebook's, say): closing the
    source must not stop it; other backends are disconnected."""
    from crm_xl.sources.portable import PortableConnection

    spark, trino = _StubBackend("pyspark", "spark"), _StubBackend("trino", "trino")
    PortableConnection("spark", spark).close()
    PortableConnection("trino", trino).close()
    assert (spark.disconnected, trino.disconnected) == (False, True)
