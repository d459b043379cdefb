"""MySQL / MariaDB through ibis (issue 19): ``--source ibis+mysql://`` takes the push-down of an
engine crm_xl writes no SQL for (DuckDB's SQL transpiled by sqlglot, checked on probe values
first, :mod:`crm_xl.sources.portable`) on a real MariaDB server.

MariaDB has no NaN: it reads ``CAST('NaN' AS DOUBLE)`` as 0, so the portable NaN test took
every amount of 0 for NaN (the probe check caught it and sent every MySQL report to the
fallback); the test now applies only where 'NaN' is not 0, and the check compares the NaN probe
row with the number the engine holds. These tests hold the push-down there.

The truth is computed apart from MariaDB: the per-customer and per-month values from the
in-memory path's arrays over the same data as Parquet files (tests/test_sources_pushdown.py's
``in_memory``), and the report of those files read and cleaned in Python.

The server: a throwaway one (``mariadb-install-db`` into a temporary folder, ``mariadbd`` on
127.0.0.1 at a free port, as root where the tests run as root), started once for the module,
with a user without password bound to 127.0.0.1. Needs the server (Debian's mariadb-server)
and ibis's MySQL driver (``pip install "ibis-framework[mysql]"``, mysqlclient); skipped without
them, except where CRM_XL_REQUIRE_MYSQL=1 (CI's README run), where they must run.
"""

from __future__ import annotations

import itertools
import os
import pathlib
import shutil
import subprocess
import tempfile
import time

import pytest

from crm_xl.settings import AnalysisSettings
from crm_xl.sources.pushdown import engine_aggregates
from tests import test_sources_secrets
from tests.test_sources import _free_port, comparable, load
from tests.test_sources_engine_report import accepted, run, without_snapshot
from tests.test_sources_pushdown import _parquet_dir, assert_same, dirty, in_memory

memory_keyring = test_sources_secrets.memory_keyring  # (the fixture, shared)

pytestmark = [pytest.mark.mysql, pytest.mark.slow]

N_CUSTOMERS = 120
USER = "crm"
SECRET_USER, SECRET = "analyst", "s3cret-Maria"  # (a user with a password, read from the keyring)


def _binaries() -> tuple[str, str] | None:
    server = shutil.which("mariadbd") or shutil.which("mysqld") or next(
        (p for p in ("/usr/sbin/mariadbd", "/usr/sbin/mysqld") if os.path.exists(p)), None)
    install = shutil.which("mariadb-install-db") or shutil.which("mysql_install_db")
    return (server, install) if server and install else None


class MariaServer:
    """A throwaway MariaDB server (see the module docstring)."""

    def __init__(self, server: str, install: str) -> None:
        self.server, self.install = server, install
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="crm_xl_maria_"))
        self.port = _free_port()
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        data = self.dir / "data"
        as_root = ["--user=root"] if os.geteuid() == 0 else []
        r = subprocess.run([self.install, *as_root, f"--datadir={data}", "--auth-root-authentication-method=normal",
                            "--skip-test-db"], capture_output=True, text=True, timeout=180)
        if r.returncode:
            raise RuntimeError(f"{self.install} failed: {r.stdout}{r.stderr}")
        self.proc = subprocess.Popen(
            [self.server, *as_root, f"--datadir={data}", f"--socket={self.dir / 'sock'}", f"--port={self.port}",
             "--bind-address=127.0.0.1", "--skip-log-bin", f"--pid-file={self.dir / 'pid'}",
             "--innodb-flush-log-at-trx-commit=0", "--character-set-server=utf8mb4"],
            stdout=subprocess.DEVNULL, stderr=open(self.dir / "log", "w"))  # noqa: SIM115 - the server's log
        import MySQLdb

        deadline = time.monotonic() + 60
        while True:
            try:
                con = MySQLdb.connect(unix_socket=str(self.dir / "sock"), user="root")
                break
            except MySQLdb.OperationalError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError("MariaDB did not start: " + (self.dir / "log").read_text(errors="replace")) from None
                time.sleep(0.2)
        cur = con.cursor()
        cur.execute(f"CREATE USER '{USER}'@'127.0.0.1'")
        cur.execute(f"GRANT ALL ON *.* TO '{USER}'@'127.0.0.1'")
        cur.execute(f"CREATE USER '{SECRET_USER}'@'127.0.0.1' IDENTIFIED BY '{SECRET}'")
        cur.execute(f"GRANT SELECT ON *.* TO '{SECRET_USER}'@'127.0.0.1'")
        con.close()

    def stop(self) -> None:
        try:
            if self.proc is not None:
                self.proc.kill()
                self.proc.wait(30)
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def database(self, name: str, tables) -> str:
        """A new database ``name`` holding ``tables``: its ``ibis+mysql://`` URL."""
        import MySQLdb

        con = MySQLdb.connect(host="127.0.0.1", port=self.port, user=USER, charset="utf8mb4")
        cur = con.cursor()
        cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
        cur.execute(f"USE `{name}`")
        cur.execute("SET SESSION sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES')")  # (load's "quoted" names)
        load(con, "mysql", tables)
        con.close()
        return f"ibis+mysql://{USER}@127.0.0.1:{self.port}/{name}"


@pytest.fixture(scope="module")
def maria():
    found = _binaries()
    reason = None if found else "no MariaDB/MySQL server binaries (mariadbd, mariadb-install-db) found"
    if reason is None:
        try:
            import ibis  # noqa: F401
            import MySQLdb  # noqa: F401
        except ImportError as e:
            reason = f"ibis or its MySQL driver (mysqlclient) is not installed ({e})"
    if reason is not None:
        if os.environ.get("CRM_XL_REQUIRE_MYSQL") == "1":
            pytest.fail(f"CRM_XL_REQUIRE_MYSQL=1 but {reason}")
        pytest.skip(reason)
    assert found is not None
    server = MariaServer(*found)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def datasets():
    from crm_xl.demo import generate_demo

    demo = generate_demo(N_CUSTOMERS)
    return {"demo": demo, "dirty": dirty(demo), "mess": accepted(demo)}


_NAMES = itertools.count()


@pytest.fixture
def both(maria, tmp_path):
    """tables -> (the MariaDB URL holding them, the Parquet folder holding the same)."""
    def make(tables):
        return maria.database(f"crm_{next(_NAMES)}", tables), _parquet_dir(tables, tmp_path / "parquet")
    return make


# ibis's MySQL backend warns when the server has no time zone tables (a throwaway server has none)
_NO_UTC = "ignore:Unable to set session timezone to UTC"


@pytest.mark.filterwarnings(_NO_UTC)
@pytest.mark.parametrize("data", ["demo", "dirty"])
def test_engine_aggregates_in_mariadb_equal_the_in_memory_path(data, datasets, both):
    url, folder = both(datasets[data])
    s = AnalysisSettings()
    got = engine_aggregates(url, s)
    assert got.dialect == "portable"  # (the transpiled SQL ran in MariaDB: no fallback)
    assert_same(got, *in_memory(f"parquet://{folder}", s))
    if data == "dirty":  # the purchase rules applied in MariaDB: cancelled, open, missing rows not counted
        assert got.rows == len(datasets["dirty"]["orders"]) and "ZZ9" in got.customers.index


@pytest.mark.filterwarnings(_NO_UTC)
def test_zero_amounts_are_not_nan_in_mariadb(datasets, both):
    """MariaDB reads 'NaN' as 0: orders of 0 元 must still count as purchases with 0 元 (the
    NaN test once took them for missing amounts)."""
    data = {k: v.copy() for k, v in datasets["demo"].items()}
    orders = data["orders"]
    amount = [c for c in orders.columns if c.startswith("金额")][0]
    orders.loc[orders.index[:25], amount] = 0.0
    url, folder = both(data)
    s = AnalysisSettings()
    got = engine_aggregates(url, s)
    assert got.dialect == "portable"
    assert_same(got, *in_memory(f"parquet://{folder}", s))  # (purchases, amounts per customer and month)


@pytest.mark.filterwarnings(_NO_UTC)
@pytest.mark.parametrize("pushed", [True, False], ids=["engine", "rows"])
def test_report_through_mariadb_equals_the_in_memory_report(pushed, datasets, both, tmp_path, monkeypatch):
    """The whole report, the orders' purchase rules run in MariaDB (the engine path) or the rows
    read from it, cell for cell the report of the same data read from Parquet files in Python."""
    url, folder = both(datasets["mess"])
    got, told, _s = run(url, tmp_path / "maria.xlsx", monkeypatch, 10 if pushed else 10**15)
    assert not [t for t in told if "汇总未下推" in t[0]], told  # (no fallback)
    want, _told, _s2 = run(f"parquet://{folder}", tmp_path / "memory.xlsx", monkeypatch, 10**15)
    assert comparable(without_snapshot(got)) == comparable(without_snapshot(want))
    # 设置 remembers the source, and says where its password comes from (the keyring for MySQL)
    url_row = next(r for r in got["设置"] if r and r[0] == "source.url")
    assert url_row[1] == url and "crm-xl password" in url_row[2]


@pytest.mark.filterwarnings(_NO_UTC)
def test_password_from_the_keyring_and_a_wrong_one(datasets, both, memory_keyring):
    """A MariaDB user with a password: crm_xl hands ibis the keyring's password (never from the
    URL); with a wrong one the error is one line naming the source and the keyring, in zh and en."""
    from crm_xl.errors import InputError
    from crm_xl.sources.secrets import SERVICE, keyring_user

    url, folder = both(datasets["demo"])
    secret_url = url.replace(f"//{USER}@", f"//{SECRET_USER}@")
    memory_keyring.set_password(SERVICE, keyring_user(secret_url), SECRET)
    s = AnalysisSettings()
    assert_same(engine_aggregates(secret_url, s), *in_memory(f"parquet://{folder}", s))
    memory_keyring.set_password(SERVICE, keyring_user(secret_url), "wrong")
    with pytest.raises(InputError) as e:
        engine_aggregates(secret_url, s)
    assert secret_url in e.value.zh and secret_url in e.value.en
    assert "\n" not in e.value.zh and "\n" not in e.value.en
    assert "密钥环" in e.value.zh and "keyring" in e.value.en
