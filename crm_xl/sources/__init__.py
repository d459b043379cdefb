"""Data where it lives: tables read from SQLite, DuckDB, Parquet and PostgreSQL.

``crm-xl report OUT --source URL [--table orders=NAME ...] [--query orders="SELECT ..."]``
(docs/sources.md). A database table, or a query's result, is one more source for the
mapping layer: it enters :func:`crm_xl.io.add_frame_source`, the path a CSV file's frame
takes, so detection by name and columns, ``--map TABLE:COLUMN=FIELD``, ``--table``, the
字段映射 sheet and the purchase rules apply to it exactly as to a file. Values keep the
types the database gives (dates as dates, numbers as numbers; DECIMAL as float).

URLs (the forms ibis uses: ``scheme://`` + a relative path, ``scheme:///`` + an absolute one):

* ``sqlite:///abs/path/crm.db``, ``sqlite://crm.db`` -- the standard library's sqlite3;
* ``duckdb:///abs/path/crm.duckdb`` -- a DuckDB file, read-only;
* ``parquet:///abs/path/orders.parquet`` or a folder of Parquet files (one table per file,
  named by its stem; a sub-folder of Parquet files is one table) -- read by duckdb, which
  needs no pyarrow;
* ``postgresql://user@host:port/db`` (also ``postgres://``) -- psycopg 3 / libpq. The
  password comes from the environment (PGPASSWORD), ~/.pgpass or the system keyring
  (:mod:`crm_xl.sources.secrets`), never from the URL: a URL holding one is refused, since it
  would be stored in the workbook and the shell history;
* ``ibis+SCHEME://...`` -- any engine ibis supports, through ``ibis.connect("SCHEME://...")``
  (:mod:`crm_xl.sources.ibis_source`; optional, ``pip install "crm_xl[ibis]"``);
* a plain path: a folder or ``.parquet`` file, or a database file recognised by its first
  bytes (SQLite or DuckDB).

Drivers are imported lazily (the package still imports in Pyodide and without them);
``pip install "crm_xl[db]"`` installs duckdb and psycopg. Every failure is one zh/en
:class:`~crm_xl.errors.InputError` naming the source.

:func:`read_source` brings every row of the tables read to Python (the report's path);
:mod:`crm_xl.sources.engine_orders` lets the engine apply the purchase rules to an orders
table of more than a million rows and brings the purchases (the report's path for such a
table); :mod:`crm_xl.sources.pushdown` computes per-customer and per-month aggregates there. A table longer than ``source.sheet_rows``
(:func:`sheet_rows_limit`) is copied into a new workbook as a sample.
"""

from __future__ import annotations

__all__ = ["SourceSpec", "DEFAULT_SHEET_ROWS", "sheet_rows_limit", "parse_source_url", "parse_query_option", "open_source", "read_source", "read_tables", "redact"]

import datetime as dt
import decimal
import pathlib
from dataclasses import dataclass, replace
from urllib.parse import parse_qs, urlsplit

from ..errors import InputError
from ..texts import Texts

# progress lines while a source is read
TEXTS = Texts({
    "reading": ("读取 {name}", "reading {name}"),
    "querying": ("查询 {kind}", "querying {kind}"),
})

_INSTALL = 'pip install "crm_xl[db]"'
_SQLITE_MAGIC = b"SQLite format 3\x00"


# ----------------------------------------------------------------------------------------
# what the workbook remembers
# ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SourceSpec:
    """A source as the command line gives it and the 设置 sheet stores it: the URL (never
    with a password), ``--table`` values (``KIND=NAME``), ``--query`` values (kind as typed,
    SQL) and the time the data was last read."""

    url: str
    tables: tuple[str, ...] = ()
    queries: tuple[tuple[str, str], ...] = ()
    snapshot: str = ""
    # most rows of a table copied into a new workbook's data sheet (None: DEFAULT_SHEET_ROWS);
    # row source.sheet_rows of 设置, written only when set
    sheet_rows: int | None = None

    def to_settings(self) -> tuple[tuple[str, str], ...]:
        """The (name, value) pairs of :attr:`crm_xl.settings.AnalysisSettings.source`
        (rows ``source.url``, ``source.table``, ``source.query.订单``, ``source.snapshot``)."""
        out = [("url", self.url)]
        if self.tables:
            out.append(("table", ", ".join(self.tables)))
        out.extend((f"query.{k}", q) for k, q in self.queries)
        if self.snapshot:
            out.append(("snapshot", self.snapshot))
        if self.sheet_rows is not None:
            out.append(("sheet_rows", str(self.sheet_rows)))
        return tuple(out)

    @classmethod
    def from_settings(cls, pairs) -> "SourceSpec | None":
        """The spec stored on the 设置 sheet, or None when it names no source."""
        d = dict(pairs or ())
        url = str(d.get("url", "") or "").strip()
        if not url:
            return None
        tables = tuple(t.strip() for t in str(d.get("table", "") or "").replace("，", ",").split(",") if t.strip())
        queries = tuple((k.split(".", 1)[1], str(v).strip()) for k, v in (pairs or ())
                        if k.startswith("query.") and str(v or "").strip())
        rows = str(d.get("sheet_rows", "") or "").strip()
        return cls(url, tables, queries, str(d.get("snapshot", "") or ""), sheet_rows_limit(pairs) if rows else None)

    def with_options(self, tables=(), queries=()) -> "SourceSpec":
        """This spec with the command line's ``--table`` / ``--query`` added: a query for a
        kind replaces the stored query for that kind, a ``--table`` for a kind (or a name)
        the stored ``--table`` for it."""
        from ..mapping import resolve_table

        new = {resolve_table(k) for k, _ in queries}
        kept = tuple((k, q) for k, q in self.queries if resolve_table(k) not in new)
        given = _table_pairs(tables)
        kinds, names = {k for k, _ in given}, {n.lower() for _, n in given}
        old = tuple(t for t, (k, n) in zip(self.tables, _table_pairs(self.tables), strict=True) if k not in kinds and n.lower() not in names)
        return replace(self, tables=tuple(dict.fromkeys((*old, *tables))), queries=kept + tuple(queries))

    def stamped(self) -> "SourceSpec":
        return replace(self, snapshot=dt.datetime.now().astimezone().isoformat(sep=" ", timespec="seconds"))


DEFAULT_SHEET_ROWS = 100_000


def sheet_rows_limit(pairs) -> int:
    """The most rows of a source table a new workbook's data sheet holds: row
    ``source.sheet_rows`` of 设置 (``pairs`` as :attr:`crm_xl.settings.AnalysisSettings.source`),
    else :data:`DEFAULT_SHEET_ROWS`."""
    text = str(dict(pairs or ()).get("sheet_rows", "") or "").strip().replace(",", "")
    if not text:
        return DEFAULT_SHEET_ROWS
    try:
        n = float(text)
    except ValueError:
        n = -1.0
    if not (n >= 0 and n.is_integer()):  # (an Excel number cell reads back as 100000.0)
        raise InputError(f"设置 source.sheet_rows 必须是不小于 0 的整数，而不是「{text}」",
                         f"setting source.sheet_rows must be a whole number of at least 0, not '{text}'")
    return int(n)


def parse_query_option(values) -> tuple[tuple[str, str], ...]:
    """``--query`` values ``KIND=SQL`` as (kind as typed, SQL); the kind must be a table
    crm_xl knows (订单, orders, ...)."""
    from ..mapping import resolve_table

    out = []
    for value in values or ():
        kind, sep, sql = str(value).partition("=")
        if not sep or not kind.strip() or not sql.strip():
            raise InputError(f"--query 的写法是 数据表=SQL，例如 --query orders=\"SELECT ... FROM sales\"；无法理解「{value}」",
                             f"--query takes TABLE=SQL, e.g. --query orders=\"SELECT ... FROM sales\"; cannot read '{value}'")
        if resolve_table(kind) is None:
            raise InputError(f"--query 需要指定数据表（如 orders、订单），不能是「{kind.strip()}」",
                             f"--query needs a table (orders, customers, ...), not '{kind.strip()}'")
        out.append((kind.strip(), sql.strip()))
    return tuple(out)


# ----------------------------------------------------------------------------------------
# URLs
# ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ParsedUrl:
    kind: str  # sqlite, duckdb, parquet, postgresql, ibis
    target: str  # a path, or the libpq URL
    label: str  # how messages name the source


def redact(url: str) -> str:
    """``url`` without a password (for messages): ``user:***@`` and ``password=***``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "password=" in parts.query.lower():
        parts = parts._replace(query="&".join(
            f"{k}=***" if k.lower() == "password" else f"{k}={v}" if sep else k
            for k, sep, v in (item.partition("=") for item in parts.query.split("&"))))
    if parts.password is None:
        return parts.geturl() if parts.query != urlsplit(url).query else url
    host = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return parts._replace(netloc=f"{user}:***@{host}").geturl()


_SCHEMES = {"sqlite": "sqlite", "sqlite3": "sqlite", "duckdb": "duckdb", "parquet": "parquet",
            "postgresql": "postgresql", "postgres": "postgresql"}


def parse_source_url(text: str) -> ParsedUrl:
    """What ``--source`` names (see the module docstring); raises InputError for a URL that
    holds a password, an unknown scheme, or a path that is no database."""
    text = str(text).strip()
    scheme, sep, rest = text.partition("://")
    if sep and scheme.lower().startswith("ibis+"):  # any engine ibis supports (sources/ibis_source.py)
        from .ibis_source import checked_url

        return ParsedUrl("ibis", checked_url(text), text)
    if sep and scheme.lower() in _SCHEMES:
        kind = _SCHEMES[scheme.lower()]
        if kind == "postgresql":
            return ParsedUrl(kind, _checked_pg_url(text), text)
        path = pathlib.Path(rest.split("?", 1)[0]).expanduser()
        return ParsedUrl(kind, str(path), text)
    if sep and len(scheme) > 1:
        raise InputError(
            f"不支持的数据源「{redact(text)}」。支持：sqlite:///文件.db、duckdb:///文件.duckdb、Parquet 文件或文件夹、"
            "postgresql://用户@主机:端口/数据库，其他引擎经 ibis：ibis+后端://…（如 ibis+bigquery://项目/数据集）。",
            f"unsupported source '{redact(text)}'. Supported: sqlite:///file.db, duckdb:///file.duckdb, a Parquet file "
            "or folder, postgresql://user@host:port/db, other engines through ibis: ibis+BACKEND://... "
            "(e.g. ibis+bigquery://project/dataset).")
    path = pathlib.Path(text).expanduser()
    if path.is_dir() or path.suffix.lower() == ".parquet":
        return ParsedUrl("parquet", str(path), text)
    if not path.exists():
        raise InputError(f"找不到数据源：{text}", f"source not found: {text}")
    with open(path, "rb") as f:
        head = f.read(16)
    if head.startswith(_SQLITE_MAGIC):
        return ParsedUrl("sqlite", str(path), text)
    if head[8:12] == b"DUCK":
        return ParsedUrl("duckdb", str(path), text)
    raise InputError(f"「{text}」不是 SQLite 或 DuckDB 数据库文件，也不是 Parquet 文件或文件夹。",
                     f"'{text}' is neither a SQLite or DuckDB database file nor a Parquet file or folder.")


def _checked_pg_url(url: str) -> str:
    try:
        parts = urlsplit(url)
        has_password = bool(parts.password) or "password" in {k.lower() for k in parse_qs(parts.query)}
    except ValueError:
        raise InputError(f"无法解析数据源地址「{redact(url)}」。写法：postgresql://用户@主机:端口/数据库",
                         f"cannot read the source URL '{redact(url)}'. Form: postgresql://user@host:port/db") from None
    if has_password:
        raise InputError(
            f"数据源地址「{redact(url)}」中含有密码：为避免密码被写进工作簿和命令历史，crm_xl 不接受地址中的密码。"
            "请去掉密码，改用环境变量 PGPASSWORD 或 ~/.pgpass 文件。",
            f"the source URL '{redact(url)}' contains a password; crm_xl refuses it so that it is never stored in the "
            "workbook or the shell history. Remove it and use the PGPASSWORD environment variable or ~/.pgpass.")
    return url


# ----------------------------------------------------------------------------------------
# connections
# ----------------------------------------------------------------------------------------

def missing_driver(what: str, package: str) -> InputError:
    return InputError(f"读取 {what} 需要 Python 包 {package}，当前没有安装。请运行：{_INSTALL}",
                      f"reading {what} needs the Python package {package}, which is not installed. Run: {_INSTALL}")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0].strip()


class Connection:
    """A read-only DB-API connection with the few things crm_xl asks of a source."""

    what_zh = what_en = "数据库"
    errors: tuple[type[BaseException], ...] = ()
    # a temporary table can be made on the read-only connection (DuckDB, SQLite; not a read-only
    # PostgreSQL session, where any CREATE fails and aborts the transaction)
    temp_tables = False

    def __init__(self, label: str, con):
        self.label = label
        self.con = con
        self._refs: dict[str, str] = {}

    # a query giving (schema, table, detected automatically?) rows, for engines with an
    # information_schema; other engines override _list
    list_sql: str | None = None

    def _list(self) -> list[tuple[str | None, str, bool]]:
        """(schema or None, table, detected automatically?) of every table and view."""
        if self.list_sql is None:
            raise NotImplementedError
        return [(s, t, bool(auto)) for s, t, auto in self._execute(self.list_sql).fetchall()]

    def tables(self) -> list[tuple[str, bool]]:
        """(name, detected automatically?) of every table and view, sorted by name. Names
        are as a user writes them: bare in the default schema, ``schema.table`` elsewhere."""
        out = []
        try:
            listed = self._list()
        except self.errors as e:
            raise self.error("无法列出数据表", "cannot list the tables", e) from None
        for schema, table, auto in listed:
            name = table if auto else f"{schema}.{table}"
            if name in self._refs:
                continue
            self._refs[name] = ".".join(_quote(x) for x in ((schema, table) if schema else (table,)))
            out.append((name, auto))
        return out

    def _execute(self, sql: str):
        cur = self.con.cursor()
        cur.execute(sql)
        return cur

    def session(self):
        """A function running a query and returning its rows, every query in one session (a
        temporary table one makes, the next sees: :mod:`crm_xl.sources.engine_purchases`)."""
        return lambda sql: self._execute(sql).fetchall()

    def columns(self, name: str) -> list[str]:
        try:
            cur = self._execute(f"SELECT * FROM {self._refs[name]} LIMIT 0")
            return [str(d[0]) for d in cur.description or ()]
        except self.errors as e:
            raise self.error(f"无法读取表「{name}」", f"cannot read table '{name}'", e) from None

    def read_table(self, name: str):
        try:
            return frame_from_cursor(self._execute(f"SELECT * FROM {self._refs[name]}"))
        except self.errors as e:
            raise self.error(f"无法读取表「{name}」", f"cannot read table '{name}'", e) from None

    def query(self, kind: str, sql: str):
        try:
            cur = self._execute(sql)
            if cur.description is None:
                raise InputError(f"数据源 {self.label}：「{kind}」的查询没有返回数据表（需要 SELECT 查询）。",
                                 f"source {self.label}: the query for '{kind}' returns no table (a SELECT is needed).")
            return frame_from_cursor(cur)
        except self.errors as e:
            raise self.error(f"「{kind}」的查询执行失败", f"the query for '{kind}' failed", e) from None

    def query_relation(self, sql: str, alias: str) -> str:
        """How the push-down's SQL reads the result of the query ``sql`` (in the engine's
        dialect): a sub-query named ``alias``."""
        return f"({sql}) AS {alias}"

    def error(self, zh: str, en: str, exc: BaseException) -> InputError:
        reason = _first_line(exc)
        return InputError(f"数据源 {self.label}：{zh}（{reason}）。", f"source {self.label}: {en} ({reason}).")

    def close(self) -> None:
        try:
            self.con.close()
        except Exception:  # noqa: BLE001 - closing a read-only connection cannot lose anything
            pass


def _quote(ident: str) -> str:
    return '"' + str(ident).replace('"', '""') + '"'


def open_source(url: str) -> Connection:
    """A read-only connection to the source ``url`` names."""
    p = parse_source_url(url)
    if p.kind == "sqlite":
        from .sqlite import connect
    elif p.kind == "duckdb":
        from .duckdb import connect
    elif p.kind == "parquet":
        from .duckdb import connect_parquet as connect
    elif p.kind == "ibis":
        from .ibis_source import connect
    else:
        from .postgres import connect
    return connect(p.target, p.label)


# ----------------------------------------------------------------------------------------
# rows -> a frame with the database's types
# ----------------------------------------------------------------------------------------

_PLAIN = (type(None), str, int, float, bool, dt.date)


def _value(v):
    if v is None or isinstance(v, (str, bool, int, float)):
        return v
    if isinstance(v, dt.datetime):
        return v.replace(tzinfo=None) if v.tzinfo is not None else v  # the wall time the driver gives
    if isinstance(v, dt.date):
        return v
    if isinstance(v, decimal.Decimal):
        return None if v.is_nan() else float(v)
    if isinstance(v, (bytes, bytearray, memoryview)):
        b = bytes(v)
        try:
            return b.decode("utf-8")
        except UnicodeDecodeError:
            return b.hex()
    return str(v)  # UUID, time, interval, JSON, arrays: as text


def frame_from_cursor(cur):
    """The rows of an executed DB-API cursor as an object DataFrame: NULL is None, DECIMAL a
    float, a time-zone-aware timestamp its wall time; dates, numbers and text as given."""
    import numpy as np
    import pandas as pd

    names = [str(d[0]) for d in cur.description]
    rows = cur.fetchall()
    n = len(rows)
    cols = list(zip(*rows, strict=True)) if n else [()] * len(names)
    data = []
    for col in cols:
        if not all(type(v) in _PLAIN and not (type(v) is dt.datetime and v.tzinfo is not None) for v in col):
            col = [_value(v) for v in col]
        data.append(np.fromiter(col, dtype=object, count=n))
    frame = pd.DataFrame(dict(enumerate(data)), dtype=object) if data else pd.DataFrame(index=range(n))
    frame.columns = names
    return frame


# ----------------------------------------------------------------------------------------
# reading
# ----------------------------------------------------------------------------------------

def _table_pairs(values) -> list[tuple[str | None, str]]:
    """``--table`` values as (table key or None for skip, source name)."""
    from ..mapping import resolve_table

    out = []
    for value in values:
        a, sep, b = (x.strip() for x in str(value).partition("="))
        if not sep:
            raise InputError(f"--table 的写法是 数据表=表名，例如 orders=sales_2024；无法理解「{value}」",
                             f"--table takes TABLE=NAME, e.g. orders=sales_2024; cannot read '{value}'")
        try:
            out.append((resolve_table(a), b))
        except InputError:
            out.append((resolve_table(b), a))
    return out


def read_source(spec: SourceSpec, overrides=None, *, progress=None, lang: str = "zh", settings=None):
    """The tables of ``spec``'s source as :class:`crm_xl.io.Sources`, like the files of
    :func:`crm_xl.io.read_sources`.

    Every table and view (of the default schema) is detected by its name and columns like a
    file; tables no kind matches are skipped with a warning, unread. ``--table KIND=NAME``
    says what a table holds (``skip=NAME`` leaves it out) and ``--query KIND=SQL`` reads a
    kind from a query; a kind given either way is read only from there (other tables the
    detection would take for it are left out, with a note). A table named in ``--table``
    that the source does not have is an error listing the tables it has.

    With ``settings`` (the purchase rules), an orders table longer than
    :data:`crm_xl.sources.engine_orders.PUSHDOWN_ROWS` rows is read by the engine
    (:mod:`crm_xl.sources.engine_orders`): only its first rows come as a frame (the data
    sheet's sample), the purchases as a :class:`crm_xl.core.pushed_orders.PushedOrders` held in
    the engine: the connection then stays open until the caller's ``close()`` of the result
    (after the report is built; :func:`crm_xl.cli.report.run_report` does it)."""
    con = open_source(spec.url)
    try:
        out = read_tables(con, spec, overrides, progress=progress, lang=lang, settings=settings)
    except BaseException:
        con.close()
        raise
    if any(getattr(rt, "pushed", None) is not None for rt in out.get("orders", ())):
        out.keep_open(con)  # (the engine holds the purchases: the report asks it; Sources.close closes it)
    else:
        con.close()
    return out


def read_tables(con: Connection, spec: SourceSpec, overrides=None, *, progress=None, lang: str = "zh", settings=None):
    """:func:`read_source` on an open connection (left open)."""
    from .engine_orders import Large

    large = Large(con, spec, settings)
    from ..io import Sources, add_frame_source
    from ..mapping import MappingOverrides, _norm_source, resolve_table

    step = progress or (lambda _t: None)
    label = con.label
    listed = con.tables()
    exact = {n: n for n, _ in listed}
    lower: dict[str, str] = {}
    for n, _ in listed:
        lower.setdefault(n.lower(), n)
    forced: dict[str, str | None] = {}
    for kind, name in _table_pairs(spec.tables):
        real = exact.get(name) or lower.get(name.lower())
        if real is None:
            shown = "、".join(n for n, _ in listed[:30]) or "（没有表）"
            shown_en = ", ".join(n for n, _ in listed[:30]) or "(none)"
            raise InputError(f"数据源 {label} 中没有表「{name}」。现有的表：{shown}。",
                             f"source {label} has no table '{name}'. Its tables: {shown_en}.")
        forced[_norm_source(real)] = kind
    o = (overrides or MappingOverrides()).merged(MappingOverrides(tables=forced))
    names_lower = {_norm_source(n) for n, _ in listed}
    given_kinds = {k for src, k in o.tables.items() if k and src in names_lower}
    given_kinds |= {resolve_table(k) for k, _ in spec.queries}
    out = Sources()
    for name, auto in listed:
        if not auto and not o.table_for([name])[0]:
            continue  # another schema's table: read only when named
        step(TEXTS.lang(lang)("reading", name=name))
        try:
            key = add_frame_source(out, name, con.columns(name), lambda name=name: large.load(name),
                                   path=label, overrides=o, names=[name], file_label=label, not_detected=given_kinds)
            large.done(out, key, name)
        except InputError as e:
            if str(e.zh).startswith(f"数据源 {label}"):
                raise
            raise InputError(f"数据源 {label}，表「{name}」：{e.zh}", f"source {label}, table '{name}': {e.en}") from None
    for kind, sql in spec.queries:
        step(TEXTS.lang(lang)("querying", kind=kind))
        frame = large.query(kind, sql)
        try:
            key = add_frame_source(out, kind, list(frame.columns), lambda frame=frame: frame, path=label, overrides=o,
                                   names=[kind], file_label=label, table=resolve_table(kind))
            large.done(out, key, kind)
        except InputError as e:
            raise InputError(f"数据源 {label}，「{kind}」的查询：{e.zh}",
                             f"source {label}, the query for '{kind}': {e.en}") from None
    large.finish(out)
    return out
