"""The push-down on an engine whose SQL crm_xl does not write itself (BigQuery, Snowflake,
Spark, Trino, MySQL, ... through ibis): DuckDB's SQL, transpiled by sqlglot.

:class:`Portable` is a dialect of :mod:`crm_xl.sources.pushdown` written in the part of
DuckDB's SQL that sqlglot models as functions rather than operators (``DATE_DIFF`` for the
day numbers, ``EXTRACT`` for the months, ``regexp_matches`` for the code tests, ``FLOOR`` for
the rounding), so that each engine gets its own spelling of them. :class:`PortableConnection`
transpiles every query from DuckDB's dialect to the backend's (``sqlglot.transpile``, the
function ibis's ``Backend.sql(query, dialect="duckdb")`` calls) and runs it with the
backend's ``raw_sql``, read as a DB-API cursor where the driver gives one and through Arrow
otherwise. (Not ``Backend.sql(...).to_pyarrow()`` first: to learn a query's schema, ibis
creates and drops a temporary view on PostgreSQL-like backends, which ibis 12 cannot do with
sqlglot 30, and asks DuckDB 2 for a method it no longer has.) The column types the push-down
checks are those ibis reads for the table (``Backend.table(name).schema()``).

A transpiled query can run and still mean something else (SQLite, for one, takes
``CAST('NaN' AS REAL)`` for 0 and subtracts dates as numbers). So before the first query over
the data, :func:`check` runs every expression of the dialect on a few typed values in the
engine (dates and timestamps before and after 1970, a NaN, a zero, text of digits, spaces and
credit-note prefixes) and compares the answers with Python's; a difference, or a query that
fails, raises NotPushable and the report reads the rows as before, with the one-line note on
the console. Order dates with a time zone are left to Python (the engine's cursor may give them in the
session's time zone, the rows read through ibis are in UTC). What the check cannot see: an engine whose grouping, window or COUNT DISTINCT
differ from standard SQL's, and ``row_number() OVER ()`` in an engine that numbers rows in
another order than ``SELECT *`` returns them (a distributed engine: the cleaning log's row
numbers may then differ from the in-memory path's; the counts and sums do not). Spark refuses
that window without an ORDER BY: its rows are numbered in the order it reads them
(:data:`_ORDERED_ROW_NUMBERS`).

A ``--query`` is in the engine's own dialect: it is not transpiled. The push-down's SQL
refers to it by a placeholder (:meth:`PortableConnection.query_relation`) that is replaced by
the query's text after transpiling.
"""

from __future__ import annotations

__all__ = ["Portable", "PortableConnection", "check"]

import datetime as dt
import math
import re

from .dialects import _Dialect, _re_escape, _window_per_customer
from .ibis_source import IbisConnection
from .pushdown import NotPushable


class Portable(_Dialect):
    """DuckDB's SQL in the forms sqlglot transpiles to other engines (see the module docstring)."""

    name = "portable"

    def day(self, x: str) -> str:
        return f"DATE_DIFF('day', DATE '1970-01-01', CAST({x} AS DATE))"

    def round6(self, x: str) -> str:
        # numpy's np.round(x, 6) but for exact ties (rint(x * 1e6) / 1e6); no ROUND(double, n) in
        # PostgreSQL. FLOOR gives a BIGINT in Spark, where NaN becomes 0: NaN is kept apart.
        return f"(CASE WHEN {self.is_nan(x)} THEN CAST('NaN' AS DOUBLE) ELSE CAST(FLOOR({x} * 1000000 + 0.5) AS DOUBLE) / 1000000 END)"

    def line_month(self, t: str) -> str | None:
        return f"CAST(EXTRACT(YEAR FROM CAST({t} AS DATE)) * 100 + EXTRACT(MONTH FROM CAST({t} AS DATE)) AS INTEGER)"

    def month_key(self, day: str) -> str:
        raise NotImplementedError("the months come with the lines (line_month)")

    def month_text(self, key: str) -> str:
        return key  # YYYYMM, written YYYY-MM in Python (pushdown.month_label)

    def per_customer(self, days: str) -> str:
        return _window_per_customer(days)

    def not_code(self, x: str) -> str:
        return f"NOT regexp_matches({x}, '^[A-Za-z0-9_./-]+$')"

    def hashed(self, x: str) -> str | None:
        return None

    def prefixed_digits(self, x: str, prefix: str) -> str:
        return f"regexp_matches(upper({x}), '^{_re_escape(prefix.upper())}[0-9]+$')"

    def is_nan(self, x: str) -> str:
        # NaN is unequal to itself in IEEE engines (BigQuery), equal to 'NaN' in others (PostgreSQL,
        # Spark); an engine without NaN (MySQL, MariaDB) reads 'NaN' as 0, where the second test
        # would take every 0 for NaN: it applies only where 'NaN' is not 0
        v, nan = f"CAST({x} AS DOUBLE)", "CAST('NaN' AS DOUBLE)"
        return f"({v} <> {v} OR ({v} = {nan} AND {nan} <> 0))"

    def all_digits(self, x: str) -> str:
        return f"regexp_matches({x}, '^[0-9]+$')"


# ----------------------------------------------------------------------------------------
# the check
# ----------------------------------------------------------------------------------------

# (key, date, timestamp, number, text, integer): the values each expression is tried on
_PROBE = (
    (1, "2024-03-05", "2024-03-05 23:59:59", "1.23456789", "C123", 42),
    (2, "1955-12-31", "1955-12-31 00:00:01", "NaN", "a b", -7),
    (3, "1970-01-01", "1969-12-31 12:00:00", "0.0", "", 0),
    (4, "2000-02-29", "2038-01-19 03:14:08", "-2.0000004", "0123", 1234567890123),
    (5, "1901-01-01", "2099-12-01 00:00:00", "12345.6789015", "SO-9/x.1_Z", 5),
)


def _probe_sql(d: Portable, prefixes: list[str]) -> tuple[str, list[str]]:
    rows = " UNION ALL ".join(
        f"SELECT {k} AS k, CAST('{t}' AS DATE) AS t, CAST('{ts}' AS TIMESTAMP) AS ts, CAST('{a}' AS DOUBLE) AS a, "
        f"CAST('{s}' AS VARCHAR) AS s, CAST({i} AS BIGINT) AS i" for k, t, ts, a, s, i in _PROBE)
    items = [("k", "k"), ("day_t", d.day("t")), ("day_ts", d.day("ts")), ("month_t", d.line_month("t")),
             ("month_ts", d.line_month("ts")), ("r", d.round6("a")),
             ("nan", f"CASE WHEN {d.is_nan('a')} THEN 1 ELSE 0 END"),
             ("not_code", f"CASE WHEN {d.not_code('s')} THEN 1 ELSE 0 END"),
             ("digits", f"CASE WHEN {d.all_digits('s')} THEN 1 ELSE 0 END"),
             ("upper", "upper(s)"), ("lower", "lower(s)"), ("it", f"CAST(i AS {d.text})"), ("af", f"CAST(a AS {d.double})")]
    items += [(f"p{j}", f"CASE WHEN {d.prefixed_digits('s', p)} THEN 1 ELSE 0 END") for j, p in enumerate(prefixes)]
    sql = f"SELECT {', '.join(f'{x} AS {n}' for n, x in items)} FROM ({rows}) AS crm_probe"
    return sql, [n for n, _ in items]


def _expected(prefixes: list[str], numbers: dict[int, float | None] | None = None) -> list[dict]:
    """What Python's rules make of :data:`_PROBE` (the cleaning's and the native dialects');
    ``numbers``: the number a probe row holds in the engine where it differs from the probe's
    text (NaN in an engine without NaN: 0 or NULL)."""
    import numpy as np

    out = []
    for k, t, ts, a, s, i in _PROBE:
        day_t = (dt.date.fromisoformat(t) - dt.date(1970, 1, 1)).days
        stamp = dt.datetime.fromisoformat(ts).date()
        x = (numbers or {}).get(k, float(a))
        row = {"k": k, "day_t": day_t, "day_ts": (stamp - dt.date(1970, 1, 1)).days,
               "month_t": int(t[:4]) * 100 + int(t[5:7]), "month_ts": stamp.year * 100 + stamp.month,
               "r": None if x is None else float(np.round(x, 6)), "nan": int(x is not None and math.isnan(x)),
               "not_code": int(re.fullmatch(r"[A-Za-z0-9_./-]+", s) is None),
               "digits": int(re.fullmatch(r"[0-9]+", s) is not None), "upper": s.upper(), "lower": s.lower(),
               "it": str(i), "af": x}
        for j, p in enumerate(prefixes):
            row[f"p{j}"] = int(re.fullmatch(re.escape(p.upper()) + "[0-9]+", s.upper()) is not None)
        out.append(row)
    return out


def _same(a, b) -> bool:
    if isinstance(b, float):
        try:
            a = float(a)
        except (TypeError, ValueError):
            return False
        return (math.isnan(a) and math.isnan(b)) or a == b
    if isinstance(b, int) and not isinstance(a, bool):
        try:
            return a is not None and int(a) == b and float(a) == b
        except (TypeError, ValueError):
            return False
    return a == b


def check(con, d: Portable, settings) -> None:
    """Run :class:`Portable`'s expressions in the engine on :data:`_PROBE` and compare them with
    Python's answers; NotPushable on a difference or a failure (the first one named)."""
    prefixes = [p for p in (settings.credit_note_prefixes if settings is not None else ()) if p]
    sql, names = _probe_sql(d, prefixes)
    try:
        got = sorted(con._execute(sql).fetchall(), key=lambda r: int(r[0]))
    except Exception as e:  # noqa: BLE001 - any failure of the transpiled SQL: not pushed down
        line = (str(e).strip() or type(e).__name__).splitlines()[0][:200]
        raise NotPushable(f"数据库无法执行转译后的 SQL（{line}）", f"the engine cannot run the transpiled SQL ({line})") from None
    # An engine without NaN (MySQL, MariaDB; SQLite stores it as NULL) reads the probe's 'NaN' as 0
    # or NULL: its data cannot hold NaN, so that row is checked with the number the engine holds
    nan_rows = {k for k, _t, _ts, a, _s, _i in _PROBE if a == "NaN"}
    af = names.index("af")
    numbers: dict[int, float | None] = {}
    for r in got:
        held = None if r[af] is None else float(r[af])
        if int(r[0]) in nan_rows and (held is None or not math.isnan(held)):
            numbers[int(r[0])] = held
    want = _expected(prefixes, numbers)
    for row, truth in zip(got, want, strict=False):
        for name, value in zip(names, row, strict=True):
            if not _same(value, truth[name]):
                raise NotPushable(f"转译后的 SQL 在此数据库中的结果与本机不同（{name}：{value!r}，应为 {truth[name]!r}）",
                                  f"the transpiled SQL gives other results in this engine than here ({name}: {value!r}, "
                                  f"not {truth[name]!r})")
    if len(got) != len(want):
        raise NotPushable("转译后的 SQL 在此数据库中的结果与本机不同", "the transpiled SQL gives other results in this engine")


# ----------------------------------------------------------------------------------------
# the connection
# ----------------------------------------------------------------------------------------

class ArrowCursor:
    """An Arrow table's rows as the DB-API cursor the push-down reads (description, fetchone,
    fetchall, fetchmany); the table itself is ``arrow_table``, for a reader that takes its
    columns whole (:func:`crm_xl.sources.engine_orders._fetch`: a million purchases as row
    tuples cost ~10 s). The rows are made on the first fetch."""

    def __init__(self, table):
        self.arrow_table = table
        self.description = [(str(f.name), str(f.type), None, None, None, None, None) for f in table.schema]
        self._made: list[tuple] | None = None
        self._at = 0

    @property
    def _rows(self) -> list[tuple]:
        if self._made is None:
            table = self.arrow_table
            cols = [c.to_pylist() for c in table.columns]
            self._made = list(zip(*cols, strict=True)) if cols else [()] * table.num_rows
        return self._made

    def fetchmany(self, size: int = 1) -> list[tuple]:
        rows = self._rows[self._at:self._at + size]
        self._at += len(rows)
        return rows

    def fetchone(self):
        rows = self.fetchmany(1)
        return rows[0] if rows else None

    def fetchall(self) -> list[tuple]:
        return self.fetchmany(len(self._rows) - self._at)


_KINDS = (("is_date", "date"), ("is_timestamp", "date"), ("is_integer", "int"), ("is_floating", "number"),
          ("is_decimal", "number"), ("is_string", "text"))


def _kind(dtype) -> str:
    """An ibis type as :func:`crm_xl.sources.pushdown._types` names it; "zoned" for a time-zone-aware
    timestamp (the engine's cursor may give it in the session's time zone, ibis's Arrow in UTC)."""
    if dtype.is_timestamp() and getattr(dtype, "timezone", None):
        return "zoned"
    return next((kind for test, kind in _KINDS if getattr(dtype, test)()), "other")


# Engines that refuse ``row_number() OVER ()`` (a window without ORDER BY), and the order
# that numbers the rows as ``SELECT *`` returns them there: Spark reads a table partition
# by partition, and ``monotonically_increasing_id()`` is the partition's number, then the
# row's place in it
_ORDERED_ROW_NUMBERS = {"pyspark": "ROW_NUMBER() OVER (ORDER BY MONOTONICALLY_INCREASING_ID())"}
_EMPTY_OVER = re.compile(r"ROW_NUMBER\(\)\s+OVER\s*\(\s*\)", re.IGNORECASE)


class PortableConnection(IbisConnection):
    """An ibis backend whose SQL crm_xl does not write: the push-down's DuckDB SQL transpiled
    by sqlglot to the backend's dialect, results through Arrow (see the module docstring)."""

    dialect = "portable"

    def __init__(self, label: str, con):
        super().__init__(label, con)
        self._queries: dict[str, str] = {}
        self.checked: dict[tuple[str, ...], NotPushable | None] = {}  # (the check's outcome per prefixes)

    def transpiled(self, sql: str) -> str:
        """``sql`` (DuckDB's dialect, placeholders for --query texts) in the backend's dialect."""
        import sqlglot

        text = sqlglot.transpile(sql, read="duckdb", write=self.con.dialect)[0]
        numbered = _ORDERED_ROW_NUMBERS.get(getattr(self.con, "name", ""))
        if numbered is not None:
            text = _EMPTY_OVER.sub(numbered, text)
        for key, query in self._queries.items():
            word = re.compile(rf"\b{key}\b")
            text, n = word.subn(lambda _m, q=query: f"({q})", text)
            if n != len(word.findall(sql)):
                raise ValueError(f"the query placeholder {key} is not where it was once transpiled")
        return text

    def query_relation(self, sql: str, alias: str) -> str:
        key = f"crm_query_{len(self._queries)}"
        self._queries[key] = sql
        return f"{key} AS {alias}"

    def _execute(self, sql: str):
        """The transpiled query's result as a cursor: ``raw_sql``'s own where it is a DB-API
        cursor (PostgreSQL, MySQL, Trino, Snowflake, ... backends), else an Arrow table's
        rows (the result's ``to_arrow()``, as BigQuery's jobs have it, or ibis's
        ``Backend.sql(...).to_pyarrow()``)."""
        text = self.transpiled(sql)
        res = self.con.raw_sql(text)
        if all(hasattr(res, a) for a in ("description", "fetchone", "fetchall", "fetchmany")):
            return res
        if callable(getattr(res, "to_arrow", None)):
            return ArrowCursor(res.to_arrow())
        if callable(getattr(res, "toArrow", None)):  # (a Spark DataFrame: ibis's to_pyarrow makes its NaN NULL)
            return ArrowCursor(res.toArrow())
        return ArrowCursor(self.con.sql(text).to_pyarrow())

    def kinds(self, rel: str, columns: list[str]) -> list[str]:
        """Per column of the relation ``rel`` (a table's quoted name, or a --query's
        placeholder): 'date', 'int', 'number', 'text' or 'other', from the schema ibis reads
        for the table (``Backend.table``) or the query (``Backend.sql``)."""
        tables = {ref: name for name, ref in self._refs.items()}
        key = rel.split(" AS ", 1)[0]
        schema = (self.con.table(tables[rel]) if rel in tables else self.con.sql(self._queries[key])).schema()
        return [_kind(schema[c]) for c in columns]

    def check(self, d: Portable, settings) -> None:
        """:func:`check`, once per connection (and credit-note prefixes)."""
        key = tuple(settings.credit_note_prefixes) if settings is not None else ()
        if key not in self.checked:
            try:
                check(self, d, settings)
                self.checked[key] = None
            except NotPushable as e:
                self.checked[key] = e
        if self.checked[key] is not None:
            raise self.checked[key]
