"""Sources through ibis (issue 19): ``--source ibis+SCHEME://...`` opens ``ibis.connect`` and
gives the report the native path gives from the same database, cell for cell.

The database is the demo data written with sqlite3 as tests/test_sources.py writes it; the
reference is the same file read by crm_xl's own SQLite path (``sqlite://``), so the two
reports differ only by the code that read the rows. The errors are one zh/en line naming the
source. Tests needing ibis skip where ibis-framework is not installed (.ci/run installs it
through the test extra); the one about a missing ibis fakes its absence.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

from crm_xl.demo import generate_demo
from crm_xl.errors import InputError
from tests.test_sources import N_CUSTOMERS, ROOT, _fails, _free_port, _source_rows, assert_same_report, load, report


@pytest.fixture(scope="module")
def sqlite_db(tmp_path_factory):
    """The demo data in a SQLite file, typed as tests/test_sources.py loads it."""
    path = tmp_path_factory.mktemp("sqlite") / "crm.db"
    con = sqlite3.connect(path)
    load(con, "sqlite", generate_demo(N_CUSTOMERS))
    con.close()
    return path


@pytest.fixture(scope="module")
def ibis():
    return pytest.importorskip("ibis")


@pytest.fixture(scope="module")
def native(sqlite_db, tmp_path_factory):
    """The report of the SQLite file through crm_xl's own SQLite path."""
    return report(tmp_path_factory.mktemp("native") / "r.xlsx", "--source", f"sqlite://{sqlite_db}")


def _frames(sources) -> dict[str, list]:
    """Per table kind: (source name, mapping, column names, rows as tuples with their types)."""
    out = {}
    for kind, tables in sources.items():
        out[kind] = [(t.sheet, dict(t.mapping or {}), list(t.frame.columns),
                      [tuple((type(v).__name__, v) for v in r) for r in t.frame.itertuples(index=False)])
                     for t in tables]
    return out


def test_ibis_sqlite_report_equals_the_native_report(ibis, sqlite_db, native, tmp_path):
    url = f"ibis+sqlite://{sqlite_db}"
    out = report(tmp_path / "r.xlsx", "--source", url)
    assert_same_report(out, native)
    assert _source_rows(out)["url"] == url


def test_ibis_tables_and_queries_read_as_the_native_path(ibis, sqlite_db):
    """--table and --query through ibis: the same frames (values and their types), mappings
    and names as the native path."""
    from crm_xl.sources import SourceSpec, read_source

    opts = dict(tables=("客户=customers", "skip=campaigns"),
                queries=(("orders", 'SELECT * FROM orders WHERE "金额(元)" > 1000'),))
    got = read_source(SourceSpec(f"ibis+sqlite://{sqlite_db}", **opts))
    want = read_source(SourceSpec(f"sqlite://{sqlite_db}", **opts))
    assert _frames(got) == _frames(want)
    con = sqlite3.connect(sqlite_db)
    n = con.execute('SELECT count(*) FROM orders WHERE "金额(元)" > 1000').fetchone()[0]
    con.close()
    assert "campaigns" not in got and len(got["orders"]) == 1 and len(got["orders"][0].frame) == n


def test_ibis_sqlite_is_pushed_down_with_the_native_dialect(ibis, sqlite_db):
    """(tests/test_sources_ibis_pushdown.py compares the push-down through ibis with the native one.)"""
    from crm_xl.sources.pushdown import engine_aggregates

    got, want = engine_aggregates(f"ibis+sqlite://{sqlite_db}"), engine_aggregates(f"sqlite://{sqlite_db}")
    assert got.dialect == want.dialect == "sqlite" and got.purchases == want.purchases > 0


# ----------------------------------------------------------------------------------------
# errors
# ----------------------------------------------------------------------------------------

def test_error_missing_table_and_bad_query(ibis, sqlite_db, tmp_path):
    url = f"ibis+sqlite://{sqlite_db}"
    msg = _fails(tmp_path, "--source", url, "--table", "orders=sales_2024")
    assert f"数据源 {url} 中没有表「sales_2024」" in msg and "customers" in msg
    msg = _fails(tmp_path, "--source", url, "--query", "orders=SELECT * FROM nosuch", "--lang", "en")
    assert f"source {url}: the query for 'orders' failed" in msg and "nosuch" in msg


def test_error_unreachable_server(ibis, tmp_path):
    pytest.importorskip("psycopg")
    url = f"ibis+postgres://crm@127.0.0.1:{_free_port()}/crm"
    msg = _fails(tmp_path, "--source", url, env={"PGPASSWORD": "x", "PGCONNECT_TIMEOUT": "5"})
    assert msg.startswith(f"无法连接数据源 {url}：无法连接服务器")


def _read_error(url: str) -> InputError:
    from crm_xl.sources import SourceSpec, read_source

    with pytest.raises(InputError) as e:
        read_source(SourceSpec(url))
    return e.value


def test_error_unknown_backend_and_missing_backend_packages(ibis, monkeypatch):
    e = _read_error("ibis+nosuch://host/db")
    assert e.zh == "无法连接数据源 ibis+nosuch://host/db：ibis 没有名为「nosuch」的后端。"
    assert e.en == "cannot connect to the source ibis+nosuch://host/db: ibis has no backend named 'nosuch'."
    for module in ("snowflake", "snowflake.connector"):
        monkeypatch.setitem(sys.modules, module, None)  # as if the backend's driver were not installed
    e = _read_error("ibis+snowflake://analyst@account/crm/public")
    assert e.zh.startswith("无法连接数据源 ibis+snowflake://analyst@account/crm/public：ibis 的 snowflake 后端所需的")
    assert 'pip install "ibis-framework[snowflake]"' in e.zh and 'pip install "ibis-framework[snowflake]"' in e.en


def test_error_missing_file_is_not_created(ibis, tmp_path):
    e = _read_error(f"ibis+sqlite://{tmp_path / 'nope.db'}")
    assert "找不到数据库文件" in e.zh and not (tmp_path / "nope.db").exists()


def test_error_password_in_url_and_malformed_url(tmp_path):
    msg = _fails(tmp_path, "--source", "ibis+postgres://crm:hunter2@127.0.0.1:5432/crm")
    assert "不接受地址中的密码" in msg and "crm-xl password" in msg and "hunter2" not in msg
    for url in ("ibis+snowflake://u@acct/db?password=hunter2", "postgresql://crm@127.0.0.1:5432/crm?password=hunter2"):
        e = _read_error(url)
        assert "不接受地址中的密码" in e.zh and "password=***" in e.zh and "hunter2" not in e.zh + e.en
    assert "无法解析数据源地址" in _read_error("ibis+://host/db").zh


def test_error_ibis_not_installed(sqlite_db, monkeypatch):
    monkeypatch.setitem(sys.modules, "ibis", None)  # import fails as if not installed
    url = f"ibis+sqlite://{sqlite_db}"
    e = _read_error(url)
    assert e.zh == f'读取数据源 {url} 需要 Python 包 ibis-framework，当前没有安装。请运行：pip install "crm_xl[ibis]"'
    assert 'pip install "crm_xl[ibis]"' in e.en and url in e.en


def test_package_imports_without_ibis_and_keyring():
    code = ("import sys; sys.modules['ibis'] = None; sys.modules['keyring'] = None; "
            "import crm_xl.sources, crm_xl.sources.ibis_source, crm_xl.sources.secrets, crm_xl.cli; "
            "crm_xl.cli.build_parser(); print('ok')")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.stdout.strip() == "ok", r.stderr
