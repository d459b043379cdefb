"""Data where it lives (issue 19): ``crm-xl report OUT --source URL`` from SQLite, DuckDB,
Parquet and PostgreSQL gives the report that the same data gives as CSV files, cell for cell.

The demo data (200 customers, six tables) is loaded into each engine with the column types
a database would have (DATE, DOUBLE, BIGINT, TEXT; SQLite keeps its dates as text, as SQLite
databases usually do), the command runs from each, and every sheet of the report is read back
with calamine and compared with the report of ``--input *.csv``. Where a sheet names the source
(the 字段映射 sheet's 来源/原文件, the cleaning log's 工作表, 设置's source.* rows) those cells
are left out, and the data sheets, which keep the values as the source gives them (a date, or
the text of a date), are compared as text.

PostgreSQL: a throwaway server (initdb into a temporary folder, password authentication,
127.0.0.1 on a free port; as the ``postgres`` user when running as root) is started once;
tests marked ``postgres`` skip where no server binary is found, except in CI, where .ci/run
sets CRM_XL_REQUIRE_POSTGRES=1 and they must run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import glob
import io
import math
import os
import pathlib
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile

import pandas as pd
import pytest

from crm_xl.demo import generate_demo
from crm_xl.errors import InputError

ROOT = pathlib.Path(__file__).resolve().parents[1]
EXPORTS = ROOT / "tests" / "exports"
N_CUSTOMERS = 200


# ----------------------------------------------------------------------------------------
# the data, typed as a database holds it
# ----------------------------------------------------------------------------------------

def _typed(frame: pd.DataFrame) -> tuple[list[str], list[str], list[tuple]]:
    """(column names, kinds date/float/int/text, rows of Python values, None for missing)."""
    names, kinds, cols = [], [], []
    for c in frame.columns:
        s = frame[c]
        if pd.api.types.is_datetime64_any_dtype(s):
            kind, vals = "date", [None if pd.isna(v) else v.date() for v in s]
        elif pd.api.types.is_float_dtype(s):
            kind, vals = "float", [None if pd.isna(v) else float(v) for v in s]
        elif pd.api.types.is_integer_dtype(s):
            kind, vals = "int", [int(v) for v in s]
        else:
            kind, vals = "text", [None if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v) for v in s]
        names.append(str(c))
        kinds.append(kind)
        cols.append(vals)
    return names, kinds, list(zip(*cols, strict=True))


_TYPES = {
    "sqlite": {"date": "TEXT", "float": "REAL", "int": "INTEGER", "text": "TEXT"},
    "duckdb": {"date": "DATE", "float": "DOUBLE", "int": "BIGINT", "text": "VARCHAR"},
    "postgres": {"date": "date", "float": "double precision", "int": "bigint", "text": "text"},
    "mysql": {"date": "DATE", "float": "DOUBLE", "int": "BIGINT", "text": "TEXT"},  # (names "quoted": ANSI_QUOTES)
}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def load(con, dialect: str, tables: dict[str, pd.DataFrame]) -> None:
    """Create and fill one table per frame through a DB-API connection."""
    cur = con.cursor()
    mark = "%s" if dialect in ("postgres", "mysql") else "?"
    for table, frame in tables.items():
        names, kinds, rows = _typed(frame)
        if dialect == "sqlite":
            rows = [tuple(v.isoformat() if isinstance(v, dt.date) else v for v in r) for r in rows]
        cols = ", ".join(f"{_q(n)} {_TYPES[dialect][k]}" for n, k in zip(names, kinds, strict=True))
        cur.execute(f"CREATE TABLE {_q(table)} ({cols})")
        if dialect == "duckdb":  # row by row takes seconds in DuckDB; the same values through a frame
            cur.register("_rows", pd.DataFrame({f"c{i}": pd.Series([r[i] for r in rows], dtype=object)
                                                for i in range(len(names))}))
            cur.execute(f"INSERT INTO {_q(table)} SELECT * FROM _rows")
            cur.unregister("_rows")
        else:
            cur.executemany(f"INSERT INTO {_q(table)} VALUES ({', '.join([mark] * len(names))})", rows)
    con.commit()


@pytest.fixture(scope="module")
def demo() -> dict[str, pd.DataFrame]:
    return generate_demo(N_CUSTOMERS)


@pytest.fixture(scope="module")
def files(demo, tmp_path_factory) -> pathlib.Path:
    """The demo tables as CSV exports (orders.csv, customers.csv, ...)."""
    d = tmp_path_factory.mktemp("csv")
    for name, frame in demo.items():
        frame.to_csv(d / f"{name}.csv", index=False)
    return d


@pytest.fixture(scope="module")
def sqlite_db(demo, tmp_path_factory) -> pathlib.Path:
    path = tmp_path_factory.mktemp("sqlite") / "crm.db"
    con = sqlite3.connect(path)
    load(con, "sqlite", demo)
    con.close()
    return path


@pytest.fixture(scope="module")
def duckdb_db(demo, tmp_path_factory) -> pathlib.Path:
    duckdb = pytest.importorskip("duckdb")
    path = tmp_path_factory.mktemp("duckdb") / "crm.duckdb"
    con = duckdb.connect(str(path))
    load(con, "duckdb", demo)
    con.close()
    return path


@pytest.fixture(scope="module")
def parquet_dir(duckdb_db, tmp_path_factory) -> pathlib.Path:
    """One Parquet file per table, and the orders as a folder of two files (a partitioned
    data set: the folder is one table)."""
    import duckdb

    d = tmp_path_factory.mktemp("parquet")
    con = duckdb.connect(str(duckdb_db), read_only=True)
    for (table,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall():
        if table == "orders":
            (d / "orders").mkdir()
            n = con.execute("SELECT count(*) FROM orders").fetchone()[0]
            for part, where in enumerate((f"rowid < {n // 2}", f"rowid >= {n // 2}")):
                con.execute(f"COPY (SELECT * FROM orders WHERE {where} ORDER BY rowid) "
                            f"TO '{d / 'orders' / f'part-{part}.parquet'}' (FORMAT parquet)")
        else:
            con.execute(f"COPY {_q(table)} TO '{d / f'{table}.parquet'}' (FORMAT parquet)")
    con.close()
    return d


# ----------------------------------------------------------------------------------------
# a throwaway PostgreSQL server
# ----------------------------------------------------------------------------------------

PG_USER, PG_PASSWORD, PG_DB = "crm", "s3cret-for-tests", "crm_test"


def _pg_bin() -> pathlib.Path | None:
    found = shutil.which("initdb") or shutil.which("pg_ctl")
    if found:
        return pathlib.Path(found).parent
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2].split(".")[0]))
    return pathlib.Path(dirs[-1]) if dirs and (pathlib.Path(dirs[-1]) / "initdb").exists() else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    def __init__(self, bindir: pathlib.Path):
        self.bindir = bindir
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="crm_xl_pg_"))
        self.port = _free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            import pwd

            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                pytest.fail("running as root, and there is no 'postgres' user to run the PostgreSQL server as")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            self.owner = (pw.pw_uid, pw.pw_gid)

    def _run(self, *args: str) -> None:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        r = subprocess.run(cmd, capture_output=True, text=True, cwd=self.dir, timeout=120)
        if r.returncode:
            log = (self.dir / "log").read_text(errors="replace") if (self.dir / "log").exists() else ""
            raise RuntimeError(f"{' '.join(cmd)} failed: {r.stdout}{r.stderr}{log}")

    def start(self) -> None:
        pwfile = self.dir / "pw"
        pwfile.write_text(PG_PASSWORD + "\n")
        if self.as_root:
            os.chown(pwfile, *self.owner)
        self._run("initdb", "-D", str(self.dir / "data"), "-U", PG_USER, "-A", "scram-sha-256",
                  f"--pwfile={pwfile}", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        pwfile.unlink()
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-l", str(self.dir / "log"), "-w", "-t", "60", "start",
                  "-o", f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, db: str = PG_DB) -> str:
        return f"postgresql://{PG_USER}@127.0.0.1:{self.port}/{db}"


def started_pg_server():
    """A started throwaway PostgreSQL server and the psycopg module (skips without the server
    binaries or psycopg; fails instead where CRM_XL_REQUIRE_POSTGRES=1, as in CI)."""
    bindir = _pg_bin()
    if bindir is None:
        if os.environ.get("CRM_XL_REQUIRE_POSTGRES") == "1":
            pytest.fail("CRM_XL_REQUIRE_POSTGRES=1 but no PostgreSQL server binaries (initdb, pg_ctl) were found")
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) found")
    psycopg = pytest.importorskip("psycopg")
    server = PgServer(bindir)
    server.start()
    return server, psycopg


@pytest.fixture(scope="module")
def pg(demo):
    """A running server holding the demo data in database crm_test; yields the server."""
    server, psycopg = started_pg_server()
    try:
        with psycopg.connect(server.url("postgres"), password=PG_PASSWORD, autocommit=True) as con:
            con.execute(f"CREATE DATABASE {PG_DB}")
        with psycopg.connect(server.url(), password=PG_PASSWORD) as con:
            load(con, "postgres", demo)
        yield server
    finally:
        server.stop()


# ----------------------------------------------------------------------------------------
# running the command and comparing workbooks
# ----------------------------------------------------------------------------------------

def run_cli(*args: str, env: dict | None = None, process: bool = False) -> subprocess.CompletedProcess:
    """``crm-xl report ARGS -q``: in this process by default (the same ``main`` the console
    script calls, with ``env`` set for the call and stdout/stderr captured), or as a process of
    its own with ``process=True`` (a few tests keep that path: it costs ~1-2 s per call)."""
    argv = ["report", *args, "-q"]
    if process:
        e = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        e.update(env or {})
        return subprocess.run([sys.executable, "-m", "crm_xl", *argv], capture_output=True, text=True,
                              env={k: v for k, v in e.items() if v is not None}, timeout=600)
    from crm_xl.cli import main

    saved = {k: os.environ.get(k) for k in (env or {})}
    out, err = io.StringIO(), io.StringIO()
    try:
        for k, v in (env or {}).items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())


def report(out: pathlib.Path, *args: str, env: dict | None = None, process: bool = False) -> pathlib.Path:
    r = run_cli(str(out), *args, env=env, process=process)
    assert r.returncode == 0, r.stdout + r.stderr
    return out


def sheets(path: pathlib.Path) -> dict[str, list[list]]:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    return {n: wb.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in wb.sheet_names}


def _text(v) -> str:
    """A data-sheet cell as text: a date and the text of that date alike, 5.0 and '5.0' alike."""
    if isinstance(v, dt.datetime):
        v = v.date() if v.time() == dt.time() else v
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, str):
        try:
            f = float(v)
        except ValueError:
            return v
        v = f
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        f = float(v)
        return "" if math.isnan(f) else repr(f)
    return "" if v is None else str(v)


DATA_SHEETS = ("客户", "订单", "互动", "线索", "活动", "销售目标")


def comparable(book: dict[str, list[list]]) -> dict[str, list[list]]:
    """The cells that do not name the source: 设置 without its source.* rows, 字段映射 without
    来源/原文件 and with its 示例值 as text, file names without ".csv" (the cleaning log's
    工作表, the notes), data sheets as text."""
    out = {}
    for name, rows in book.items():
        # messages name a file (sales_pipeline.csv) or a table (sales_pipeline)
        rows = [[v.replace(".csv", "") if isinstance(v, str) else v for v in r] for r in rows]
        if name == "设置":
            rows = [r for r in rows if not (r and isinstance(r[0], str) and r[0].startswith("source."))]
        elif name == "字段映射":
            head = next(i for i, r in enumerate(rows) if "来源" in r)
            drop, sample = {rows[head].index("来源"), rows[head].index("原文件")}, rows[head].index("示例值")
            rows = rows[:head + 1] + [[_text(v) if j == sample else v for j, v in enumerate(r) if j not in drop]
                                      for r in rows[head + 1:]]
        elif name in DATA_SHEETS:
            rows = [[_text(v) for v in r] for r in rows]
        out[name] = rows
    return out


def assert_same_report(got: pathlib.Path, want: pathlib.Path, skip: tuple[str, ...] = ()) -> None:
    a, b = comparable(sheets(got)), comparable(sheets(want))
    for name in skip:
        a.pop(name), b.pop(name)
    # the data sheets follow the order the sources were read in (files as given, tables by name, queries last)
    assert [n for n in a if n not in DATA_SHEETS] == [n for n in b if n not in DATA_SHEETS]
    assert sorted(a) == sorted(b)
    for name in a:
        if a[name] != b[name]:
            diffs = [(i + 1, j + 1, x, y) for i, (ra, rb) in enumerate(zip(a[name], b[name], strict=False))  # (a differing row count is reported below)
                     for j, (x, y) in enumerate(zip(ra, rb, strict=False)) if x != y]
            pytest.fail(f"sheet {name}: {len(a[name])} vs {len(b[name])} rows; first differences {diffs[:5]}")


@pytest.fixture(scope="module")
def from_csv(files, tmp_path_factory) -> pathlib.Path:
    out = tmp_path_factory.mktemp("ref") / "report.xlsx"
    return report(out, "--input", *sorted(map(str, files.glob("*.csv"))))


def _source_rows(path: pathlib.Path) -> dict[str, str]:
    rows = sheets(path)["设置"]
    return {r[0][len("source."):]: r[1] for r in rows if r and isinstance(r[0], str) and r[0].startswith("source.")}


# ----------------------------------------------------------------------------------------
# the same report from every engine
# ----------------------------------------------------------------------------------------

def test_sqlite_report_equals_the_csv_report(sqlite_db, from_csv, tmp_path):
    out = report(tmp_path / "r.xlsx", "--source", f"sqlite://{sqlite_db}", process=True)  # the console's own path
    assert_same_report(out, from_csv)
    src = _source_rows(out)
    assert src["url"] == f"sqlite://{sqlite_db}" and dt.datetime.fromisoformat(src["snapshot"])


def test_sqlite_plain_path_is_recognised(sqlite_db, from_csv, tmp_path):
    assert_same_report(report(tmp_path / "r.xlsx", "--source", str(sqlite_db)), from_csv)


def test_duckdb_report_equals_the_csv_report(duckdb_db, from_csv, tmp_path):
    assert_same_report(report(tmp_path / "r.xlsx", "--source", f"duckdb://{duckdb_db}"), from_csv)


def test_parquet_folder_report_equals_the_csv_report(parquet_dir, from_csv, tmp_path):
    assert_same_report(report(tmp_path / "r.xlsx", "--source", str(parquet_dir)), from_csv)


@pytest.fixture(scope="module")
def pg_csv(pg, demo, tmp_path_factory) -> pathlib.Path:
    """The report of the PostgreSQL tables' rows as CSV files, in the order the server returns
    them: a heap does not keep insertion order (a later short row fills an earlier page), and
    the cleaning log's row numbers and the data sheets follow the rows' order."""
    import psycopg

    d = tmp_path_factory.mktemp("pgcsv")
    with psycopg.connect(pg.url(), password=PG_PASSWORD) as con:
        for table, frame in demo.items():
            rows = con.execute(f"SELECT * FROM {_q(table)}").fetchall()
            back = pd.DataFrame(rows, columns=list(frame.columns), dtype=object)
            for c in frame.columns:
                if pd.api.types.is_datetime64_any_dtype(frame[c]):
                    back[c] = pd.to_datetime(back[c])
                elif pd.api.types.is_float_dtype(frame[c]):
                    back[c] = back[c].astype(float)
            back.to_csv(d / f"{table}.csv", index=False)
    return report(d / "report.xlsx", "--input", *sorted(map(str, d.glob("*.csv"))))


@pytest.mark.postgres
def test_postgres_report_equals_the_csv_report(pg, pg_csv, tmp_path):
    out = report(tmp_path / "r.xlsx", "--source", pg.url(), env={"PGPASSWORD": PG_PASSWORD})
    assert_same_report(out, pg_csv)
    src = _source_rows(out)
    assert src["url"] == pg.url()
    assert PG_PASSWORD not in str(sheets(out))


@pytest.mark.postgres
def test_postgres_password_from_pgpass(pg, pg_csv, tmp_path):
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"127.0.0.1:{pg.port}:*:{PG_USER}:{PG_PASSWORD}\n")
    pgpass.chmod(0o600)
    out = report(tmp_path / "r.xlsx", "--source", pg.url(), env={"PGPASSWORD": None, "PGPASSFILE": str(pgpass)})
    assert_same_report(out, pg_csv)


def test_query_and_table_options(duckdb_db, demo, from_csv, tmp_path):
    """--query reads a kind from SQL (the auto-detected orders table is then not read too);
    --table names the table of a kind; both are remembered on 设置."""
    out = report(tmp_path / "r.xlsx", "--source", f"duckdb://{duckdb_db}",
                 "--query", 'orders=SELECT * FROM orders WHERE "下单日期" >= DATE \'2000-01-01\'',
                 "--table", "客户=customers")
    # 字段映射 lists the orders table as not read (and the query's rows last): checked below
    assert_same_report(out, from_csv, skip=("字段映射",))
    mapping = sheets(out)["字段映射"]
    assert [r[:5] for r in mapping if r[0] == "orders"] == [
        ["orders", f"duckdb://{duckdb_db}", "忽略", "", ""],
        *[["orders", f"duckdb://{duckdb_db}", "订单", h, h] for h in demo["orders"].columns]]
    src = _source_rows(out)
    assert src["query.orders"].startswith("SELECT * FROM orders") and src["table"] == "客户=customers"


@pytest.mark.slow
def test_map_applies_to_database_columns(demo, files, tmp_path):
    """A column no header synonym knows, mapped with --map TABLE:COLUMN=FIELD, as a file's would be."""
    renamed = {**demo, "orders": demo["orders"].rename(columns={"金额(元)": "amt_total"})}
    db = tmp_path / "renamed.db"
    con = sqlite3.connect(db)
    load(con, "sqlite", renamed)
    con.close()
    for name, frame in renamed.items():
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
    want = report(tmp_path / "want.xlsx", "--input", *sorted(map(str, tmp_path.glob("*.csv"))),
                  "--map", "orders.csv:amt_total=金额")
    got = report(tmp_path / "got.xlsx", "--source", f"sqlite://{db}", "--map", "orders:amt_total=金额")
    assert_same_report(got, want)
    mapping = sheets(got)["字段映射"]
    assert any(r[:5] == ["orders", f"sqlite://{db}", "订单", "amt_total", "金额(元)"] and r[5] == "手动指定"
               for r in mapping)
    # a refresh reads the table again with the 字段映射 sheet's correction, no --map needed
    report(got)
    assert_same_report(got, want)


def test_real_export_in_sqlite(tmp_path):
    """The CRM opportunity pipeline (won / lost / open deals, accounts by name, a team list
    no table matches) as three SQLite tables: the same report and warnings as the CSV files."""
    folder = EXPORTS / "crm_opportunities"
    names = ["accounts", "sales_pipeline", "sales_teams"]
    db = tmp_path / "crm.db"
    con = sqlite3.connect(db)
    for n in names:
        pd.read_csv(folder / f"{n}.csv", dtype=str, keep_default_na=False).replace("", None).to_sql(n, con, index=False)
    con.close()
    want = report(tmp_path / "want.xlsx", "--input", *(str(folder / f"{n}.csv") for n in names))
    r = run_cli(str(tmp_path / "got.xlsx"), "--source", f"sqlite://{db}")
    assert r.returncode == 0, r.stderr
    assert "已跳过「sales_teams」：无法判断是哪种数据" in r.stdout + r.stderr
    assert_same_report(tmp_path / "got.xlsx", want)


@pytest.mark.slow
def test_refresh_reads_the_source_again(demo, tmp_path):
    db = tmp_path / "crm.db"
    con = sqlite3.connect(db)
    load(con, "sqlite", demo)
    con.close()
    book = report(tmp_path / "book.xlsx", "--source", f"sqlite://{db}", "--table", "orders=orders")
    first = _source_rows(book)
    con = sqlite3.connect(db)
    con.execute("""INSERT INTO orders ("订单编号", "客户ID", "下单日期", "金额(元)", "订单状态")
                   VALUES ('SO-NEW-1', 'C001', '2024-09-30', 99999, '已完成')""")
    con.commit()
    con.close()
    r = run_cli(str(book))
    assert r.returncode == 0, r.stderr
    assert f"{len(demo['orders']) + 1} 条订单" in r.stdout
    again = _source_rows(book)
    assert again["url"] == first["url"] and again["table"] == "orders=orders" and again["snapshot"] >= first["snapshot"]
    # --table for a kind replaces the stored one for that kind
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE sales_2024 AS SELECT * FROM orders WHERE \"下单日期\" >= '2024-01-01'")
    con.commit()
    con.close()
    r = run_cli(str(book), "--table", "订单=sales_2024")
    assert r.returncode == 0, r.stderr
    assert _source_rows(book)["table"] == "订单=sales_2024"
    # --input afterwards: the data comes from files, the workbook forgets the source
    csv = tmp_path / "orders.csv"
    demo["orders"].to_csv(csv, index=False)
    assert run_cli(str(book), "--input", str(csv)).returncode == 0
    assert _source_rows(book) == {}


# ----------------------------------------------------------------------------------------
# errors: one zh/en line naming the source, nothing written
# ----------------------------------------------------------------------------------------

def _fails(tmp_path, *args, env=None, book: pathlib.Path | None = None) -> str:
    out = book or tmp_path / "never.xlsx"
    before = out.read_bytes() if out.exists() else None
    r = run_cli(str(out), *args, env=env)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    assert (out.read_bytes() if out.exists() else None) == before  # nothing written
    assert not list(out.parent.glob("*.tmp"))
    return r.stderr.strip()


def test_error_missing_table(sqlite_db, tmp_path):
    msg = _fails(tmp_path, "--source", f"sqlite://{sqlite_db}", "--table", "orders=sales_2024")
    assert f"数据源 sqlite://{sqlite_db} 中没有表「sales_2024」" in msg and "customers" in msg


def test_error_failing_query(sqlite_db, tmp_path):
    msg = _fails(tmp_path, "--source", f"sqlite://{sqlite_db}", "--query", "orders=SELECT * FROM nosuch")
    assert f"数据源 sqlite://{sqlite_db}：「orders」的查询执行失败" in msg and "nosuch" in msg


def test_error_query_without_the_needed_columns(duckdb_db, tmp_path):
    msg = _fails(tmp_path, "--source", f"duckdb://{duckdb_db}", "--query", "orders=SELECT 1 AS x, 'a' AS y")
    assert f"数据源 duckdb://{duckdb_db}，「orders」的查询：订单数据缺少必需的列" in msg


def test_error_in_english(sqlite_db, tmp_path):
    msg = _fails(tmp_path, "--source", f"sqlite://{sqlite_db}", "--table", "orders=sales_2024", "--lang", "en")
    assert f"source sqlite://{sqlite_db} has no table 'sales_2024'" in msg


@pytest.mark.slow
def test_error_missing_files_and_non_databases(tmp_path):
    assert "找不到 SQLite 数据库文件" in _fails(tmp_path, "--source", f"sqlite://{tmp_path / 'nope.db'}")
    assert not (tmp_path / "nope.db").exists()  # not created by opening it
    assert "找不到 DuckDB 数据库文件" in _fails(tmp_path, "--source", f"duckdb://{tmp_path / 'nope.duckdb'}")
    assert not (tmp_path / "nope.duckdb").exists()
    junk = tmp_path / "junk.db"
    junk.write_text("not a database")
    assert "不是 SQLite 或 DuckDB 数据库文件" in _fails(tmp_path, "--source", str(junk))
    assert "无法打开 SQLite 数据库" in _fails(tmp_path, "--source", f"sqlite://{junk}")
    assert "不支持的数据源" in _fails(tmp_path, "--source", "mysql://u@h/db")
    (tmp_path / "empty").mkdir()
    assert "没有 Parquet 文件" in _fails(tmp_path, "--source", str(tmp_path / "empty"))


def test_error_password_in_url(tmp_path):
    msg = _fails(tmp_path, "--source", "postgresql://crm:hunter2@127.0.0.1:5432/crm")
    assert "不接受地址中的密码" in msg and "PGPASSWORD" in msg and "hunter2" not in msg
    msg = _fails(tmp_path, "--source", "postgresql://crm@127.0.0.1:5432/crm?password=hunter2")
    assert "不接受地址中的密码" in msg


def test_error_unreachable_server(tmp_path):
    pytest.importorskip("psycopg")
    url = f"postgresql://crm@127.0.0.1:{_free_port()}/crm"
    msg = _fails(tmp_path, "--source", url, env={"PGPASSWORD": "x", "PGCONNECT_TIMEOUT": "5"})
    assert msg.startswith(f"无法连接数据源 {url}：无法连接服务器")


@pytest.mark.postgres
def test_error_wrong_and_missing_password(pg, tmp_path):
    msg = _fails(tmp_path, "--source", pg.url(), env={"PGPASSWORD": "wrong"})
    assert msg.startswith(f"无法连接数据源 {pg.url()}：用户名或密码错误")
    msg = _fails(tmp_path, "--source", pg.url(), env={"PGPASSWORD": None, "PGPASSFILE": str(tmp_path / "none")})
    assert "服务器要求密码" in msg
    msg = _fails(tmp_path, "--source", pg.url("nosuchdb"), env={"PGPASSWORD": PG_PASSWORD})
    assert "数据库不存在" in msg


@pytest.mark.postgres
def test_postgres_query_errors_and_an_existing_book_is_left_alone(pg, sqlite_db, tmp_path):
    book = report(tmp_path / "book.xlsx", "--source", f"sqlite://{sqlite_db}")
    env = {"PGPASSWORD": PG_PASSWORD}
    msg = _fails(tmp_path, "--source", pg.url(), "--query", "orders=SELECT * FROM nosuch", env=env, book=book)
    assert "「orders」的查询执行失败" in msg and "nosuch" in msg
    msg = _fails(tmp_path, "--source", pg.url(), "--query", "orders=SELECT 1 AS x", env=env, book=book)
    assert "订单数据缺少必需的列" in msg


@pytest.mark.parametrize("module, url", [("duckdb", "duckdb:///x.duckdb"), ("duckdb", "parquet:///x"),
                                         ("psycopg", "postgresql://u@localhost/db")])
def test_error_driver_not_installed(module, url, monkeypatch, tmp_path):
    from crm_xl.sources import SourceSpec, read_source

    (tmp_path / "x.duckdb").write_bytes(b"")
    monkeypatch.setitem(sys.modules, module, None)  # import fails as if not installed
    with pytest.raises(InputError) as e:
        read_source(SourceSpec(url.replace("///x", f"//{tmp_path}/x")))
    assert f"需要 Python 包 {module}" in e.value.zh and 'pip install "crm_xl[db]"' in e.value.zh
    assert 'pip install "crm_xl[db]"' in e.value.en


def test_package_imports_without_the_drivers():
    code = ("import sys; sys.modules['duckdb'] = None; sys.modules['psycopg'] = None; "
            "import crm_xl.sources, crm_xl.cli.report, crm_xl.io; print('ok')")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.stdout.strip() == "ok", r.stderr
