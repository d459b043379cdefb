"""The SQL dialects of the push-down (:mod:`crm_xl.sources.pushdown`,
:mod:`crm_xl.sources.engine_orders`): DuckDB's (DuckDB files and Parquet), PostgreSQL's and
SQLite's, written by hand, one class each; the few expressions in which they differ (day and
month numbers, rounding, regular-expression tests, NaN, hashing, the per-customer query).
A dialect transpiled for other engines is :class:`crm_xl.sources.portable.Portable`.
"""

from __future__ import annotations

__all__ = ["_Dialect", "_DIALECTS"]



class _Dialect:
    name = "duckdb"
    double = "DOUBLE"
    text = "VARCHAR"

    def day(self, x: str) -> str:
        return f"CAST(CAST({x} AS DATE) - DATE '1970-01-01' AS BIGINT)"

    def round6(self, x: str) -> str:
        return f"ROUND({x}, 6)"

    def month_key(self, day: str) -> str:
        """The month of a day number, as something cheap to group by."""
        return f"date_trunc('month', DATE '1970-01-01' + CAST({day} AS INTEGER))"

    def month_text(self, key: str) -> str:
        """A :meth:`month_key` as "YYYY-MM"."""
        return f"strftime({key}, '%Y-%m')"

    def line_month(self, t: str) -> str | None:
        """The month of the date ``t`` as a number YYYYMM, carried with each line, where the
        month is not taken from the day number (:meth:`month_key`); None: it is."""
        return None

    def per_customer(self, days: str) -> str:
        """Per customer, from one row per (customer, purchase day) ``c, d, a, n``: orders,
        total, first and last day, purchase days and the total of the days after the first
        (DuckDB: the first day's total by arg_min, one aggregation instead of a window)."""
        return (f"SELECT c, SUM(n) AS orders, SUM(a) AS monetary, MIN(d) AS first_day, MAX(d) AS last_day, "
                f"COUNT(*) AS purchase_days, SUM(a) - arg_min(a, d) AS repeat_amount FROM {days} GROUP BY c")

    def not_code(self, x: str) -> str:
        """``x`` (text) is not made of A-Z a-z 0-9 _ . / - only (or is empty)."""
        return f"NOT regexp_full_match({x}, '[A-Za-z0-9_./-]+')"

    def hashed(self, x: str) -> str | None:
        """A 64-bit hash of ``x`` (equal texts, equal hashes), cheaper to count distinct than
        the texts; None where the engine has none."""
        return f"hash({x})"

    def prefixed_digits(self, x: str, prefix: str) -> str:
        return f"regexp_full_match(upper({x}), '{_re_escape(prefix.upper())}[0-9]+')"

    def is_nan(self, x: str) -> str:
        return f"isnan(CAST({x} AS DOUBLE))"

    def all_digits(self, x: str) -> str:
        return f"regexp_full_match({x}, '[0-9]+')"


class _Postgres(_Dialect):
    name = "postgres"

    def hashed(self, x: str) -> str | None:
        return None
    double = "DOUBLE PRECISION"
    text = "TEXT"

    def day(self, x: str) -> str:
        return f"(CAST({x} AS DATE) - DATE '1970-01-01')"

    def round6(self, x: str) -> str:
        return f"CAST(ROUND(CAST({x} AS NUMERIC), 6) AS DOUBLE PRECISION)"

    def month_text(self, key: str) -> str:
        return f"to_char({key}, 'YYYY-MM')"

    def per_customer(self, days: str) -> str:
        return _window_per_customer(days)

    def not_code(self, x: str) -> str:
        return f"{x} !~ '^[A-Za-z0-9_./-]+$'"

    def prefixed_digits(self, x: str, prefix: str) -> str:
        return f"upper({x}) ~ '^{_re_escape(prefix.upper())}[0-9]+$'"

    def is_nan(self, x: str) -> str:
        return f"(CAST({x} AS DOUBLE PRECISION) = 'NaN'::float8)"

    def all_digits(self, x: str) -> str:
        return f"{x} ~ '^[0-9]+$'"


class _Sqlite(_Dialect):
    name = "sqlite"

    def hashed(self, x: str) -> str | None:
        return None
    double = "REAL"
    text = "TEXT"

    def day(self, x: str) -> str:
        return f"CAST(julianday(substr({x}, 1, 10)) - 2440587.5 AS INTEGER)"

    def month_key(self, day: str) -> str:
        return f"strftime('%Y-%m', {day} + 2440587.5)"

    def month_text(self, key: str) -> str:
        return key

    def per_customer(self, days: str) -> str:
        return _window_per_customer(days)

    def not_code(self, x: str) -> str:
        return f"({x} = '' OR {x} GLOB '*[^A-Za-z0-9_./-]*')"

    def prefixed_digits(self, x: str, prefix: str) -> str:
        p = _glob_escape(prefix.upper())
        return f"(upper({x}) GLOB '{p}[0-9]*' AND NOT substr(upper({x}), {len(prefix) + 1}) GLOB '*[^0-9]*')"

    def is_nan(self, x: str) -> str:
        return "0"  # SQLite stores NaN as NULL

    def all_digits(self, x: str) -> str:
        return f"({x} <> '' AND NOT {x} GLOB '*[^0-9]*')"


def _window_per_customer(days: str) -> str:
    """:meth:`_Dialect.per_customer` with a window for the first day (standard SQL)."""
    return (f"SELECT c, SUM(n) AS orders, SUM(a) AS monetary, MIN(d) AS first_day, MAX(d) AS last_day, "
            f"COUNT(*) AS purchase_days, SUM(CASE WHEN d > d0 THEN a ELSE 0 END) AS repeat_amount "
            f"FROM (SELECT c, d, a, n, MIN(d) OVER (PARTITION BY c) AS d0 FROM {days}) AS crm_marked GROUP BY c")


_DIALECTS = {"duckdb": _Dialect(), "postgres": _Postgres(), "sqlite": _Sqlite()}


def _re_escape(text: str) -> str:
    import re

    return re.escape(text).replace("'", "''")


def _glob_escape(text: str) -> str:
    return "".join(f"[{c}]" if c in "*?[]" else c for c in text).replace("'", "''")
