"""Any engine ibis supports (Spark, BigQuery, Snowflake, Trino, MySQL, ...): ``ibis+SCHEME://...``.

``--source ibis+bigquery://my-project/crm`` opens ``ibis.connect("bigquery://my-project/crm")``
(the URL forms are ibis's own, see its backends' pages); the tables of the connection's
default database are listed (``list_tables``), read and queried (``con.sql``) through ibis
(for the backends whose SQL crm_xl writes itself, by that SQL: below), and each frame enters the same path as the other engines' (:func:`crm_xl.sources.read_tables`:
detection by name and columns, ``--table``, ``--query``, ``--map``, the 字段映射 sheet).

Why an explicit ``ibis+`` prefix rather than "any scheme crm_xl does not know": the URL is
stored on the 设置 sheet and read again by a refresh, so it says which path reads it (SQLite,
DuckDB and PostgreSQL can be reached both ways, and the ways differ in details such as
read-only opening and time zones); a mistyped scheme (``postgress://``) stays an
"unsupported source" error listing the forms instead of a message from an ibis backend; and
a workbook asks for ibis only when its URL says so.

Values: a backend whose SQL crm_xl writes itself (below) is read through its driver's cursor,
as the native connection reads it (so a time-zone-aware timestamp is the session's wall time,
as natively). Other backends give Arrow tables; they become the object frames the DB-API
engines give (:func:`crm_xl.sources.frame_from_cursor`): NULL is None, dates are dates,
DECIMAL a float, integers stay integers (``to_pandas`` would turn dates into timestamps and
integer columns with NULLs into floats). A time-zone-aware timestamp then arrives as its UTC
wall time (ibis converts it to UTC).

Passwords: never in the URL (refused, as for PostgreSQL). When the URL names a user and the
system keyring holds a password for it (``crm-xl password URL``, :mod:`crm_xl.sources.secrets`),
it is handed to ``ibis.connect`` and forgotten; otherwise the backend finds its own
credentials (PGPASSWORD and ~/.pgpass for ``ibis+postgres``: crm_xl hands PGPASSWORD over itself,
since ibis-framework before 10.8 keeps libpq from reading it or ~/.pgpass; the cloud SDK's login for
BigQuery, ...). ibis-framework is optional and imported lazily (``pip install "crm_xl[ibis]"``,
plus the backend's extra, e.g. ``pip install "ibis-framework[bigquery]"``).

Push-down (the report's engine path for a large orders table,
:mod:`crm_xl.sources.engine_orders`, and :func:`crm_xl.sources.pushdown.engine_aggregates`):

* ibis backends ``sqlite``, ``postgres`` and ``duckdb`` (:class:`IbisSqlConnection`): the
  ``dialect`` of the native connection, the same SQL run through ibis's ``raw_sql`` (the
  driver's cursor; checked once at connection, since ibis's versions differ), the tables
  listed as the native connection lists them. The same code path as ``sqlite://``,
  ``postgresql://`` and ``duckdb://``, with the same results (tests/test_sources_ibis_pushdown.py).
* any other SQL backend (BigQuery, Snowflake, Trino, MySQL, ...:
  :class:`crm_xl.sources.portable.PortableConnection`): DuckDB's SQL transpiled by sqlglot,
  its expressions checked in the engine on probe values before any query over the data; a
  difference or a query the engine cannot run falls back to reading the rows, with the one-line
  note. Tested here on a real Spark (local mode, tests/test_sources_spark.py), MariaDB
  (tests/test_sources_mysql.py) and PostgreSQL taken for an unknown backend; the cloud
  warehouses themselves are not tested (no server here).
* a backend without ``raw_sql``, ``sql`` and a sqlglot dialect (no SQL at all): no ``dialect``,
  every row is read.
"""

from __future__ import annotations

__all__ = ["PREFIX", "checked_url", "connect", "IbisConnection", "IbisSqlConnection"]

import os
import pathlib
from urllib.parse import parse_qs, quote_plus, urlsplit

from ..errors import InputError
from . import _PLAIN, Connection, _first_line, _value

PREFIX = "ibis+"
INSTALL = 'pip install "crm_xl[ibis]"'


def checked_url(text: str) -> str:
    """The URL ibis connects to (``text`` without ``ibis+``); raises InputError for a URL
    that holds a password or names no backend."""
    from . import redact

    url = str(text).strip()[len(PREFIX):]
    try:
        parts = urlsplit(url)
        has_password = bool(parts.password) or "password" in {k.lower() for k in parse_qs(parts.query)}
    except ValueError:
        has_password, parts = False, None
    if parts is None or not parts.scheme or "://" not in url:
        raise InputError(f"无法解析数据源地址「{redact(text)}」。写法：ibis+后端://…，例如 ibis+bigquery://项目/数据集",
                         f"cannot read the source URL '{redact(text)}'. Form: ibis+BACKEND://..., e.g. "
                         "ibis+bigquery://project/dataset")
    if has_password:
        raise InputError(
            f"数据源地址「{redact(text)}」中含有密码：为避免密码被写进工作簿和命令历史，crm_xl 不接受地址中的密码。"
            "请去掉密码，用 crm-xl password 地址 把密码存入系统密钥环。",
            f"the source URL '{redact(text)}' contains a password; crm_xl refuses it so that it is never stored in the "
            "workbook or the shell history. Remove it and store the password in the system keyring with "
            "crm-xl password URL.")
    return url


def _ibis(label: str):
    try:
        import ibis
    except ImportError:
        raise InputError(f"读取数据源 {label} 需要 Python 包 ibis-framework，当前没有安装。请运行：{INSTALL}",
                         f"reading the source {label} needs the Python package ibis-framework, which is not "
                         f"installed. Run: {INSTALL}") from None
    return ibis


_UNREACHABLE = ("connection refused", "could not connect", "timeout expired", "timed out", "could not translate host",
                "name or service not known", "network is unreachable", "no route to host", "can't connect",
                "unable to connect", "failed to resolve", "nodename nor servname")
_AUTH = ("password authentication failed", "access denied", "authentication failed", "incorrect username or password",
         "invalid credentials", "no password supplied", "password is required", "login failed")


def _reason(exc: BaseException, scheme: str, keyring_used: bool) -> tuple[str, str]:
    """(zh, en) reason ibis.connect failed."""
    low = str(exc).lower()
    line = _first_line(exc)
    if isinstance(exc, ImportError):
        return (f"ibis 的 {scheme} 后端所需的 Python 包没有安装（{line}）。请运行：pip install \"ibis-framework[{scheme}]\"",
                f"the Python packages of ibis's {scheme} backend are not installed ({line}). "
                f"Run: pip install \"ibis-framework[{scheme}]\"")
    if isinstance(exc, ValueError) and "don't know how to connect" in low:
        return (f"ibis 没有名为「{scheme}」的后端", f"ibis has no backend named '{scheme}'")
    if any(s in low for s in _AUTH):
        where_zh, where_en = (("系统密钥环", "the system keyring") if keyring_used else
                              ("后端自己的设置；也可以用 crm-xl password 地址 存入系统密钥环",
                               "the backend's own settings; or store one with crm-xl password URL"))
        return (f"用户名或密码错误，或缺少密码（密码来自{where_zh}）（{line}）",
                f"wrong or missing user name or password (the password comes from {where_en}) ({line})")
    if "does not exist" in low or "unknown database" in low or "not found" in low:
        return f"数据库不存在（{line}）", f"the database does not exist ({line})"
    if any(s in low for s in _UNREACHABLE):
        return ("无法连接服务器（服务器没有运行，或主机、端口写错了）",
                "the server cannot be reached (it is not running, or the host or port is wrong)")
    return line, line


def _with_password(url: str, password: str) -> str:
    parts = urlsplit(url)
    user, host = parts.netloc.rsplit("@", 1)
    return parts._replace(netloc=f"{user}:{quote_plus(password)}@{host}").geturl()


def _keyring_password(url: str) -> str | None:
    """The keyring's password for a URL naming a user; None when there is none, or no keyring
    (then the backend finds its own credentials, or says that it has none)."""
    if not urlsplit(url).username:
        return None
    from .secrets import KeyringUnavailable, lookup

    try:
        return lookup(url)
    except KeyringUnavailable:
        return None


def _local_file(url: str, label: str) -> None:
    """SQLite and DuckDB create a missing database file when asked to open it: refuse instead."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("sqlite", "duckdb"):
        return
    path = (parts.netloc + parts.path) if parts.netloc else parts.path
    if path in ("", ":memory:") or path.startswith(("md:", "motherduck:")):
        return
    if not pathlib.Path(path).expanduser().is_file():
        raise InputError(f"找不到数据库文件：{path}（数据源 {label}）", f"database file not found: {path} (source {label})")


def connect(url: str, label: str) -> IbisConnection:
    """A connection through ``ibis.connect(url)`` (``url`` without ``ibis+``: :func:`checked_url`)."""
    ibis = _ibis(label)
    scheme = urlsplit(url).scheme.lower()
    _local_file(url, label)
    password = _keyring_password(url)
    from_keyring = password is not None
    if password is None and scheme in ("postgres", "postgresql") and urlsplit(url).username:
        # ibis-framework before 10.8 hands libpq an empty password for a URL without one, so
        # that libpq no longer reads PGPASSWORD (nor ~/.pgpass): PGPASSWORD is handed over here
        password = os.environ.get("PGPASSWORD") or None
    try:
        con = ibis.connect(url if password is None else _with_password(url, password))
    except Exception as e:  # noqa: BLE001 - ibis passes on each backend's own errors
        zh, en = _reason(e, scheme, from_keyring)
        raise InputError(f"无法连接数据源 {label}：{zh}。", f"cannot connect to the source {label}: {en}.") from None
    return _with_dialect(label, con)


def _with_dialect(label: str, backend) -> IbisConnection:
    """The connection for ``backend``: :class:`IbisSqlConnection` where crm_xl writes the
    backend's SQL itself (SQLite, PostgreSQL, DuckDB) and ibis gives a DB-API cursor for it,
    else :class:`crm_xl.sources.portable.PortableConnection` (DuckDB's SQL, transpiled)."""
    name = str(getattr(backend, "name", "") or "")
    if name in _OWN_SQL:
        con = IbisSqlConnection(label, backend, name)
        if con.cursor_works():
            return con
    if all(callable(getattr(backend, f, None)) for f in ("sql", "raw_sql")) and getattr(backend, "dialect", None):
        from .portable import PortableConnection

        return PortableConnection(label, backend)
    return IbisConnection(label, backend)


# backends whose connection is the process's session, shared with whoever else uses it:
# ibis's pyspark backend takes the running SparkSession (getOrCreate) and its disconnect stops
# it, which would end a notebook's Spark; it is left running (the crm-xl command's ends with it)
_SHARED_SESSIONS = frozenset({"pyspark"})


class IbisConnection(Connection):
    """A :class:`~crm_xl.sources.Connection` over an ibis backend, read through Arrow. No
    ``dialect``: the push-down does not apply (the subclasses below have one)."""

    what_zh = what_en = "ibis"
    # ibis does not wrap its backends' errors (sqlite3.Error, psycopg.Error, google.api_core
    # errors, ...): any failure of a call into ibis is the source's error
    errors = (Exception,)

    def _list(self):
        return [(None, str(t), True) for t in sorted(self.con.list_tables())]

    def columns(self, name: str) -> list[str]:
        try:
            return [str(c) for c in self.con.table(name).columns]
        except self.errors as e:
            raise self.error(f"无法读取表「{name}」", f"cannot read table '{name}'", e) from None

    def read_table(self, name: str):
        try:
            return frame_from_arrow(self._arrow(self.con.table(name)))
        except self.errors as e:
            raise self.error(f"无法读取表「{name}」", f"cannot read table '{name}'", e) from None

    def query(self, kind: str, sql: str):
        try:
            return frame_from_arrow(self._arrow(self.con.sql(sql)))
        except self.errors as e:
            raise self.error(f"「{kind}」的查询执行失败", f"the query for '{kind}' failed", e) from None

    def _arrow(self, expr):
        """``expr.to_pyarrow()``; on Spark, Spark's own Arrow of the compiled query (ibis's
        goes through pandas, which makes NaN NULL, and took ~4x as long: 38 s for a
        million orders)."""
        if getattr(self.con, "name", "") == "pyspark":
            res = self.con.raw_sql(self.con.compile(expr))
            if callable(getattr(res, "toArrow", None)):
                return res.toArrow()
        return expr.to_pyarrow()

    def close(self) -> None:
        if getattr(self.con, "name", "") in _SHARED_SESSIONS:
            return
        try:
            self.con.disconnect()
        except Exception:  # noqa: BLE001 - closing a read-only connection cannot lose anything
            pass


def frame_from_arrow(table):
    """An Arrow table as the object DataFrame :func:`crm_xl.sources.frame_from_cursor` makes
    of a cursor's rows: NULL is None, DECIMAL a float, a time-zone-aware timestamp its (UTC)
    wall time, dates, numbers and text as given."""
    import numpy as np
    import pandas as pd

    names = [str(n) for n in table.column_names]
    n = table.num_rows
    data = []
    for i in range(table.num_columns):
        col = table.column(i).to_pylist()
        if not all(type(v) in _PLAIN for v in col):  # (a datetime is not: _value drops its time zone)
            col = [_value(v) for v in col]
        data.append(np.fromiter(col, dtype=object, count=n))
    frame = pd.DataFrame(dict(enumerate(data)), dtype=object) if data else pd.DataFrame(index=range(n))
    frame.columns = names
    return frame


# the backends whose SQL crm_xl writes itself (crm_xl.sources.pushdown's dialects), and how the
# native connection lists their tables: (schema or None, table, in the default schema?)
_OWN_SQL = {
    "sqlite": "SELECT NULL, name, 1 FROM sqlite_master WHERE type IN ('table', 'view') "
              "AND name NOT LIKE 'sqlite_%' ORDER BY name",
    "duckdb": None,  # (the native connections' list_sql, below)
    "postgres": None,
}
_CURSOR = ("description", "fetchone", "fetchall", "fetchmany")


def _driver_errors(dialect: str) -> tuple[type[BaseException], ...]:
    """The DB-API errors of the driver under ibis's backend of ``dialect`` (installed with it)."""
    if dialect == "sqlite":
        import sqlite3

        return (sqlite3.Error,)
    if dialect == "duckdb":
        import duckdb

        return (duckdb.Error,)
    import psycopg

    return (psycopg.Error,)


class IbisSqlConnection(IbisConnection):
    """An ibis backend whose SQL crm_xl writes itself (``dialect`` "sqlite", "postgres" or
    "duckdb"): the SQL runs through ``raw_sql``, which gives the driver's cursor (sqlite3,
    psycopg, or DuckDB's connection, which is its own cursor), and everything is read as the
    native connection of that engine reads it (:class:`~crm_xl.sources.Connection`'s DB-API
    path): the tables listed by the same query, the rows by the same cursor, so that the
    in-memory path and the engine's path see the same values (a time-zone-aware timestamp
    is the session's wall time in both, as natively) and ibis's Arrow conversion, which
    ibis 12 cannot do over duckdb 2, is not needed."""

    def __init__(self, label: str, con, dialect: str):
        super().__init__(label, con)
        self.dialect = dialect
        self.what_zh = self.what_en = f"ibis/{dialect}"
        # the driver's errors, as the native connection's (a failure elsewhere is a bug, not the source's)
        self.errors = _driver_errors(dialect)

    def cursor_works(self) -> bool:
        """Whether ``raw_sql`` gives a DB-API cursor here (ibis's versions differ): if not, the
        connection is read through Arrow without push-down."""
        try:
            cur = self.con.raw_sql("SELECT 1 AS one")
            ok = all(hasattr(cur, a) for a in _CURSOR) and list(cur.fetchall()) == [(1,)]
        except Exception:  # noqa: BLE001 - any failure: not the cursor the push-down needs
            return False
        if ok and self.dialect == "duckdb":  # (DuckDB draws a progress bar on stdout for a long query)
            self.con.raw_sql("SET enable_progress_bar = false")
        return ok

    def _execute(self, sql: str):
        cur = self.con.raw_sql(sql)
        if not all(hasattr(cur, a) for a in _CURSOR):
            raise TypeError(f"ibis's {self.dialect} backend gave a {type(cur).__name__}, not a DB-API cursor")
        return cur

    def _list(self):
        sql = _OWN_SQL[self.dialect]
        if sql is None:
            from .duckdb import DuckdbConnection
            from .postgres import PostgresConnection

            sql = (DuckdbConnection if self.dialect == "duckdb" else PostgresConnection).list_sql
        return [(s, t, bool(auto)) for s, t, auto in self._execute(sql).fetchall()]

    columns = Connection.columns
    read_table = Connection.read_table
    query = Connection.query
