"""Spark through ibis (issue 19): ``--source ibis+pyspark://`` takes the push-down of an
engine crm_xl writes no SQL for (DuckDB's SQL transpiled by sqlglot, checked on probe values
first, :mod:`crm_xl.sources.portable`) on a real Spark, local mode, in this process.

Spark is the first engine here that needed more than the transpiling: its ``FLOOR`` gives a
BIGINT (NaN became 0), ibis's Arrow of a Spark result makes NaN NULL, and it refuses
``row_number() OVER ()``; before those were mended the probe check sent every Spark report to
the fallback (all rows read). These tests hold the push-down there.

The truth is computed apart from Spark: the per-customer and per-month values from the
in-memory path's arrays over the same data as Parquet files (tests/test_sources_pushdown.py's
``in_memory``), and the report of those files read and cleaned in Python. The tables are the
Parquet files registered as Spark tables (``CREATE TABLE ... USING parquet LOCATION``), as a
data lake's catalog names them, and, for ``--query``, read by path.

Needs pyspark and Java (``pip install "ibis-framework[pyspark]"``); skipped without them, except
where CRM_XL_REQUIRE_SPARK=1 (CI's README run), where they must run.
"""

from __future__ import annotations

import os
import shutil

import pytest

from crm_xl.settings import AnalysisSettings
from crm_xl.sources import SourceSpec
from crm_xl.sources.pushdown import engine_aggregates
from tests.test_sources import comparable
from tests.test_sources_engine_report import accepted, run, without_snapshot
from tests.test_sources_pushdown import _parquet_dir, assert_same, dirty, in_memory

pytestmark = [pytest.mark.spark, pytest.mark.slow]

N_CUSTOMERS = 120


def _spark_or_skip():
    reason = None
    try:
        import ibis  # noqa: F401
        import pyspark  # noqa: F401
    except ImportError as e:
        reason = f"pyspark or ibis is not installed ({e})"
    if reason is None and shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        reason = "no Java runtime (java) for Spark"
    if reason is not None:
        if os.environ.get("CRM_XL_REQUIRE_SPARK") == "1":
            pytest.fail(f"CRM_XL_REQUIRE_SPARK=1 but {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="module")
def spark():
    """A local Spark session for this process (ibis.connect("pyspark://") finds it)."""
    _spark_or_skip()
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[2]").appName("crm_xl-tests")
               .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
               .config("spark.driver.memory", "1g").getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def datasets():
    from crm_xl.demo import generate_demo

    demo = generate_demo(N_CUSTOMERS)
    return {"demo": demo, "dirty": dirty(demo), "mess": accepted(demo)}


@pytest.fixture
def lake(spark, tmp_path):
    """tables -> the Parquet folder holding them, registered as Spark tables of those names."""
    made: list[str] = []

    def make(tables) -> str:
        folder = _parquet_dir(tables, tmp_path / "lake")
        for name in tables:
            spark.sql(f"DROP TABLE IF EXISTS `{name}`")
            spark.sql(f"CREATE TABLE `{name}` USING parquet LOCATION '{folder}/{name}.parquet'")
            made.append(name)
        return folder

    yield make
    for name in made:
        spark.sql(f"DROP TABLE IF EXISTS `{name}`")


@pytest.mark.parametrize("data", ["demo", "dirty"])
def test_engine_aggregates_in_spark_equal_the_in_memory_path(data, datasets, lake):
    folder = lake(datasets[data])
    s = AnalysisSettings()
    got = engine_aggregates("ibis+pyspark://", s)
    assert got.dialect == "portable"  # (the transpiled SQL ran in Spark: no fallback)
    assert_same(got, *in_memory(f"parquet://{folder}", s))
    if data == "dirty":  # the purchase rules applied in Spark: cancelled, open, missing rows not counted
        assert got.rows == len(datasets["dirty"]["orders"]) and "ZZ9" in got.customers.index


def test_engine_aggregates_of_queries_over_parquet_files_in_spark(datasets, spark, tmp_path):
    """--query in Spark's own SQL (not transpiled) reading the files by path, no catalog."""
    import datetime as dt

    folder = _parquet_dir(datasets["dirty"], tmp_path / "files")
    q = (("orders", f"SELECT * FROM parquet.`{folder}/orders.parquet` WHERE `金额(元)` < 20000"),
         ("customers", f"SELECT * FROM parquet.`{folder}/customers.parquet`"))
    s = AnalysisSettings(analysis_date=dt.date(2024, 2, 3))
    got = engine_aggregates(SourceSpec("ibis+pyspark://", queries=q), s)
    want = engine_aggregates(SourceSpec(f"parquet://{folder}", queries=(
        ("orders", 'SELECT * FROM orders WHERE "金额(元)" < 20000'),)), s)
    assert got.dialect == "portable" and want.dialect == "duckdb"
    assert 0 < got.purchases < len(datasets["dirty"]["orders"])  # (the query's filter applied)
    assert (got.as_of, got.rows, got.purchases) == (want.as_of, want.rows, want.purchases)
    assert list(got.customers.index) == list(want.customers.index)
    for col in ("orders", "first_purchase", "last_purchase", "frequency", "recency", "T"):
        assert got.customers[col].tolist() == want.customers[col].tolist(), col
    assert got.months["orders"].tolist() == want.months["orders"].tolist()


@pytest.mark.parametrize("pushed", [True, False], ids=["engine", "rows"])
def test_report_through_spark_equals_the_in_memory_report(pushed, datasets, lake, tmp_path, monkeypatch):
    """The whole report, the orders' purchase rules run in Spark (the engine path) or the rows
    read from Spark (a table below PUSHDOWN_ROWS), cell for cell the report of the same data
    read from the Parquet files and cleaned in Python."""
    folder = lake(datasets["mess"])
    got, told, _s = run("ibis+pyspark://", tmp_path / "spark.xlsx", monkeypatch, 10 if pushed else 10**15)
    assert not [t for t in told if "汇总未下推" in t[0]], told  # (no fallback)
    want, _told, _s2 = run(f"parquet://{folder}", tmp_path / "memory.xlsx", monkeypatch, 10**15)
    assert comparable(without_snapshot(got)) == comparable(without_snapshot(want))
