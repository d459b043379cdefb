"""Per-customer aggregation pushed into the engine (issue 19, first step of the push-down).

For a database or Parquet source, :func:`engine_aggregates` computes in the engine, with
one generated SQL text per dialect (:mod:`crm_xl.sources.dialects`: DuckDB for DuckDB files
and Parquet, PostgreSQL, SQLite, natively or through ibis's backends of these; for other ibis
backends DuckDB's SQL transpiled by sqlglot and checked in the engine first,
:mod:`crm_xl.sources.portable`), what RFM and the BG/NBD summary need per customer, and the
monthly series:

* per customer: purchases (orders), their total (monetary), the first and last purchase
  day, and the lifetimes summary (``frequency`` = distinct purchase days - 1, ``recency``,
  ``T``, ``monetary_value`` = mean day total after the first day), as
  :func:`crm_xl.core.clv_report.prepared_clv_summary` gives them;
* per month: purchases, revenue and the customers who bought.

Only those rows reach Python. The 字段映射 rules apply in the engine as in
:mod:`crm_xl.core.purchases`: the columns are mapped by the mapping layer (names, synonyms,
``--map``, ``--table``/``--query``); each distinct status is classified by Python's own
function (:func:`crm_xl.core.purchases.status_classes`) and the engine keeps the rows of
the purchase statuses; rows without customer, date or amount are left out; lines sharing
an order number (and customer) are one order dated by its earliest line, lines without one
are one order per customer and day; totals are rounded to 6 decimals; orders after the
analysis date are not counted. Customer IDs are grouped as the engine holds them and
normalised afterwards in Python, per customer, by the cleaning's own functions (case kept
where some ID of the column mixes cases, as :func:`crm_xl.core.parse.ids_distinct` decides).
The engine reads the table in three passes: the checks, the per-customer query and the
per-month query (an order-number table with lines to merge costs a fourth for returns).

Where a rule cannot be applied exactly in the engine the function raises
:class:`NotPushable` with a one-line zh/en reason, and the caller uses the in-memory path:
dates or amounts held as text (they need Python's parsers), a won flag column, order
numbers that are not plain codes, are words for blank (N/A) or differ only in case,
credit-note numbers (where most numbers are digits, as Python decides), returns (negative
totals) to be netted, lines without order numbers under ``order_grouping="row"``, customer
IDs that normalise to one another or to a blank, more than 5000 customer IDs of mixed case,
or a customer ID column holding fractional numbers. ``tests/test_sources_pushdown.py`` runs
both paths on the same data in every engine.

Floating-point sums are added in the engine's order, not Python's: amounts agree to the
last few bits (relative 1e-12), counts and days exactly.
"""

from __future__ import annotations

__all__ = ["EngineAggregates", "NotPushable", "engine_aggregates", "aggregate_sql", "dialect_of", "engine_failed",
           "month_label"]

import datetime as dt
from dataclasses import dataclass

from ..errors import InputError
from ..texts import Texts, language_index
from . import Connection, SourceSpec, _quote, open_source, read_tables
from .dialects import _DIALECTS, _Dialect

_TEXTS = Texts({
    "not_pushed": ("汇总未下推到数据库，改为在本机计算：{why}", "aggregation not pushed to the engine, computed here instead: {why}"),
})

_DAY0 = dt.date(1970, 1, 1)
_MIN_DAY = (dt.date(1901, 1, 1) - _DAY0).days  # dates before 1901 are placeholders (crm_xl.core.parse)
_UNKNOWN_IDS = ("未知", "Unknown", "")
_MAX_STATUSES = 2000
# texts the cleaning reads as blank that are made of code characters (crm_xl.core.parse._BLANKS)
_BLANK_CODES = ("nan", "none", "null", "n/a", "na", "-", "--")


class NotPushable(Exception):
    """The source's data needs a rule the engine cannot apply exactly: use the in-memory path."""

    def __init__(self, zh: str, en: str):
        super().__init__(en)
        self.zh, self.en = zh, en

    def note(self, lang: str = "zh") -> str:
        return _TEXTS.lang(lang)("not_pushed", why=(self.zh, self.en)[language_index(lang)])


@dataclass(frozen=True)
class EngineAggregates:
    """What the engine returned (see the module docstring).

    ``customers``: index ``customer_id`` (normalised, sorted), columns ``orders``,
    ``monetary``, ``first_purchase``, ``last_purchase``, ``frequency``, ``recency``, ``T``,
    ``monetary_value`` (NaN for the unknown customer 未知/Unknown, which the BG/NBD summary
    leaves out). ``months``: ``month`` ("YYYY-MM"), ``orders``, ``revenue``, ``customers``
    for every month with a purchase up to ``as_of``. ``rows``: rows of the orders table;
    ``purchases``: orders counted."""

    as_of: object
    customers: object
    months: object
    rows: int
    purchases: int
    dialect: str




def dialect_of(con, settings=None) -> _Dialect:
    """The dialect of ``con``'s SQL; NotPushable where it has none, or where the SQL
    transpiled for it (:mod:`crm_xl.sources.portable`) does not give Python's answers."""
    name = getattr(con, "dialect", None) or ""
    if name == "portable":
        from .portable import Portable

        d: _Dialect = Portable()
        con.check(d, settings)
        return d
    if name not in _DIALECTS:
        raise NotPushable("此类数据源不支持下推", "this kind of source does not support push-down")
    return _DIALECTS[name]


def month_label(value) -> str:
    """A month as the engine gave it, "YYYY-MM" (text as given, a number YYYYMM written so)."""
    if isinstance(value, str):
        return value
    n = int(value)
    return f"{n // 100:04d}-{n % 100:02d}"


def _unquote(ident: str) -> str:
    """A name quoted by :func:`crm_xl.sources._quote`, as it was."""
    return ident[1:-1].replace('""', '"')


def _lit(v) -> str:
    return "'" + str(v).replace("'", "''") + "'"


# ----------------------------------------------------------------------------------------
# finding the orders table and its columns without reading it
# ----------------------------------------------------------------------------------------

class _HeadersOnly:
    """A connection that answers the mapping layer with column names only: tables and
    queries are "read" as empty frames, and the relation each came from is remembered."""

    def __init__(self, con: Connection):
        self.con, self.label = con, con.label
        self.relations: dict[str, str] = {}

    def tables(self):
        return self.con.tables()

    def columns(self, name: str) -> list[str]:
        return self.con.columns(name)

    def read_table(self, name: str):
        import pandas as pd

        self.relations[name] = self.con._refs[name]
        return pd.DataFrame({c: pd.Series(dtype=object) for c in self.con.columns(name)})

    def query(self, kind: str, sql: str):
        frame = self.con.query(kind, f"SELECT * FROM ({sql}) AS q LIMIT 0")
        self.relations[kind] = self.con.query_relation(sql, "q")
        return frame


def _orders_relation(con: Connection, spec: SourceSpec, overrides, lang: str) -> tuple[str, dict[str, str]]:
    """(SQL relation of the orders, canonical key -> quoted column)."""
    headers = _HeadersOnly(con)
    sources = read_tables(headers, spec, overrides, lang=lang)
    found = sources.get("orders") or []
    if len(found) != 1:
        raise NotPushable("订单来自多个表" if found else "数据源中没有订单表",
                          "the orders come from several tables" if found else "the source has no orders table")
    rt = found[0]
    names = [str(c) for c in rt.frame.columns]
    cols = {key: _quote(names[pos]) for pos, key in (rt.mapping or {}).items()}
    for key, zh in (("customer_id", "客户ID"), ("order_date", "订单日期"), ("amount", "金额")):
        if key not in cols:
            raise NotPushable(f"订单表没有「{zh}」列（例如金额由数量×单价得出）",
                              f"the orders table has no {key} column (e.g. an amount from quantity x unit price)")
    return headers.relations[rt.sheet], cols


# ----------------------------------------------------------------------------------------
# checks
# ----------------------------------------------------------------------------------------

_DUCK_NUMERIC = {"DOUBLE", "FLOAT", "REAL", "INTEGER", "BIGINT", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT",
                 "UINTEGER", "USMALLINT", "UTINYINT"}
_DUCK_INT = {"INTEGER", "BIGINT", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER", "USMALLINT", "UTINYINT"}
_DUCK_DATE = {"DATE", "TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S", "DATETIME"}
_PG_NUMERIC, _PG_INT, _PG_DATE, _PG_TEXT = {20, 21, 23, 700, 701, 1700}, {20, 21, 23}, {1082, 1114}, {25, 1042, 1043}


def _types(con: Connection, d: _Dialect, rel: str, cols: dict[str, str]) -> dict[str, str]:
    """Per key: 'date', 'number', 'int', 'text' or 'other' (SQLite: 'dynamic')."""
    keys = list(cols)
    select = ", ".join(f"{cols[k]} AS k{i}" for i, k in enumerate(keys))
    sql = f"SELECT {select} FROM {rel} LIMIT 0"
    if d.name == "sqlite":
        return dict.fromkeys(keys, "dynamic")
    if d.name == "portable":  # (the types ibis reads for the table or query)
        return dict(zip(keys, con.kinds(rel, [_unquote(cols[k]) for k in keys]), strict=True))
    if d.name == "duckdb":
        rows = con._execute(f"DESCRIBE {sql}").fetchall()
        out = {}
        for k, r in zip(keys, rows, strict=True):
            t = str(r[1]).upper()
            out[k] = ("date" if t in _DUCK_DATE else "int" if t in _DUCK_INT
                      else "number" if t in _DUCK_NUMERIC or t.startswith("DECIMAL") else "text" if t == "VARCHAR"
                      else "other")
        return out
    desc = con._execute(sql).description
    return {k: ("date" if c[1] in _PG_DATE else "int" if c[1] in _PG_INT else "number" if c[1] in _PG_NUMERIC
                else "text" if c[1] in _PG_TEXT else "other") for k, c in zip(keys, desc, strict=True)}


def _check_types(types: dict[str, str]) -> None:
    if types["order_date"] == "zoned":  # (crm_xl.sources.portable: the in-memory path reads it in UTC)
        raise NotPushable("订单日期带时区（数据库会话的时区可能与读取时使用的 UTC 不同）",
                          "the order dates carry a time zone (the engine session's may differ from the UTC they are "
                          "read in)")
    if types["order_date"] not in ("date", "dynamic"):
        raise NotPushable("订单日期列不是日期类型（文本日期需要本机的日期解析）",
                          "the order date column is not a date type (text dates need Python's parser)")
    for key, zh in (("amount", "金额"),):
        if types[key] not in ("number", "int", "dynamic"):
            raise NotPushable(f"{zh}列不是数值类型（带货币符号等的文本金额需要本机解析）",
                              f"the {key} column is not numeric (text money needs Python's parser)")
    if types["customer_id"] not in ("text", "int", "dynamic"):
        raise NotPushable("客户ID列既不是文本也不是整数", "the customer ID column is neither text nor integer")
    if "order_id" in types and types["order_id"] not in ("text", "int", "dynamic"):
        raise NotPushable("订单编号列既不是文本也不是整数", "the order number column is neither text nor integer")


def _purchase_predicate(con: Connection, d: _Dialect, rel: str, cols: dict[str, str], settings) -> str:
    """SQL condition keeping the rows whose status makes them purchases (Python's rules,
    applied to each distinct status)."""
    import pandas as pd

    from ..core.purchases import status_classes

    if "is_won" in cols:
        raise NotPushable("订单表有「是否赢单」列", "the orders table has a won-flag column")
    if "status" not in cols:
        return "1 = 1"
    st = f"CAST({cols['status']} AS {d.text})"
    values = [r[0] for r in con._execute(f"SELECT DISTINCT {st} FROM {rel}").fetchall()]
    if len(values) > _MAX_STATUSES:
        raise NotPushable(f"状态列有 {len(values):,} 种不同的值", f"the status column has {len(values):,} distinct values")
    classes, _pipeline, _unknown = status_classes(pd.Series(values, dtype=object), None, settings)
    keep = [v for v, c in zip(values, classes, strict=True) if c in ("", "won")]
    parts = []
    texts = [v for v in keep if v is not None]
    if texts:
        parts.append(f"{st} IN ({', '.join(_lit(v) for v in texts)})")
    if any(v is None for v in keep):
        parts.append(f"{st} IS NULL")
    return "(" + " OR ".join(parts) + ")" if parts else "1 = 0"


def _line_condition(d: _Dialect, cols: dict[str, str], purchase: str) -> str:
    """A purchase line: a purchase status, customer, amount and a date from 1901 on."""
    c, t, a = cols["customer_id"], cols["order_date"], cols["amount"]
    return (f"{purchase} AND {c} IS NOT NULL AND {t} IS NOT NULL AND {a} IS NOT NULL "
            f"AND NOT {d.is_nan(a)} AND {d.day(t)} >= {_MIN_DAY}")


def _lines_sql(d: _Dialect, rel: str, cols: dict[str, str], purchase: str) -> str:
    """The purchase lines: customer (text as held), day number, amount, order number."""
    c, t, a = cols["customer_id"], cols["order_date"], cols["amount"]
    o = f"CAST({cols['order_id']} AS {d.text})" if "order_id" in cols else "NULL"
    m = d.line_month(t)
    return (f"SELECT CAST({c} AS {d.text}) AS c, {d.day(t)} AS d, CAST({a} AS {d.double}) AS a, {o} AS o"
            f"{f', {m} AS m' if m else ''} FROM {rel} WHERE {_line_condition(d, cols, purchase)}")


def _checks(con: Connection, d: _Dialect, rel: str, cols: dict[str, str], purchase: str, settings,
            extra: tuple[tuple[str, str], ...] = (), customer_ids: list | None = None) -> dict[str, int]:
    """The rules the engine cannot apply exactly, checked in one pass; returns the counts
    (``rows``; ``lines``, ``ids``, ``distinct_ids``, ``negative``: purchase lines, those with an
    order number, distinct order numbers among them, those with a negative amount;
    ``mixed_case_customers``: distinct customer IDs mixing upper and lower case), and those
    of ``extra`` (name, SQL expression over the rows: the caller's own checks, in the same pass).
    The distinct customer IDs are counted (``customers``) only where some ID mixes cases.
    ``customer_ids``: the distinct customer IDs (not NULL) where the caller has them already:
    their cases are then tested here, as the cleaning tests them, not in another pass of the
    engine over the table."""
    c, t, a = cols["customer_id"], cols["order_date"], cols["amount"]
    line = _line_condition(d, cols, purchase)
    ct = f"CAST({c} AS {d.text})"
    items = [("rows", "COUNT(*)"), ("lines", f"SUM(CASE WHEN {line} THEN 1 ELSE 0 END)"),
             ("negative", f"SUM(CASE WHEN {line} AND {a} < 0 THEN 1 ELSE 0 END)")]
    if customer_ids is None:
        # Python keeps the case of a customer-ID column where some ID mixes cases
        # (crm_xl.core.parse._case_sensitive, decided on the first 5000 distinct IDs): the
        # distinct IDs that do, tested once each (a customer has many rows)
        items.append(("mixed_case_customers", f"(SELECT COUNT(*) FROM (SELECT DISTINCT {ct} AS v FROM {rel}) AS crm_m "
                                              f"WHERE v <> upper(v) AND v <> lower(v))"))
    if d.name == "sqlite":
        items += [
            ("text_date", f"SUM(CASE WHEN {t} IS NOT NULL AND NOT (typeof({t}) = 'text' AND length({t}) = 10 AND "
                          f"{t} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]') THEN 1 ELSE 0 END)"),
            ("text_amount", f"SUM(CASE WHEN typeof({a}) NOT IN ('integer', 'real', 'null') THEN 1 ELSE 0 END)"),
            ("real_customer", f"SUM(CASE WHEN typeof({c}) NOT IN ('integer', 'text', 'null') THEN 1 ELSE 0 END)"),
        ]
    if "order_id" in cols:
        o = f"CAST({cols['order_id']} AS {d.text})"
        items.append(("bad_order_id", f"SUM(CASE WHEN {cols['order_id']} IS NOT NULL AND {d.not_code(o)} "
                                      f"THEN 1 ELSE 0 END)"))
        items.append(("lower_case", f"SUM(CASE WHEN {o} <> upper({o}) THEN 1 ELSE 0 END)"))
        blanks = ", ".join(_lit(b) for b in sorted(_BLANK_CODES))
        items.append(("blank_order_id", f"SUM(CASE WHEN lower({o}) IN ({blanks}) THEN 1 ELSE 0 END)"))
        items.append(("no_order_id", f"SUM(CASE WHEN {cols['order_id']} IS NULL THEN 1 ELSE 0 END)"))
        items.append(("ids", f"COUNT(CASE WHEN {line} THEN {o} END)"))
        # (by their hashes where the engine has one: as many distinct hashes as numbers proves the
        # numbers distinct; fewer, and the numbers are counted below)
        items.append(("distinct_ids", f"COUNT(DISTINCT CASE WHEN {line} THEN {d.hashed(o) or o} END)"))
        prefixes = [p for p in settings.credit_note_prefixes if p]
        if prefixes:
            hit = " OR ".join(d.prefixed_digits(o, p) for p in prefixes)
            items.append(("credit_note", f"SUM(CASE WHEN {line} AND {cols['order_id']} IS NOT NULL AND ({hit}) "
                                         f"THEN 1 ELSE 0 END)"))
    items += extra
    sql = f"SELECT {', '.join(f'{x} AS {k}' for k, x in items)} FROM {rel}"
    got = dict(zip([k for k, _ in items], con._execute(sql).fetchone(), strict=True))
    got = {k: int(v or 0) for k, v in got.items()}
    if customer_ids is not None:
        got["mixed_case_customers"] = sum(isinstance(v, str) and v != v.upper() and v != v.lower() for v in customer_ids)
        got["customers"] = len(customer_ids)
    if "order_id" in cols and d.hashed("x") and got["distinct_ids"] != got["ids"]:
        o = f"CAST({cols['order_id']} AS {d.text})"
        got["distinct_ids"] = int(con._execute(f"SELECT COUNT(DISTINCT CASE WHEN {line} THEN {o} END) FROM {rel}")
                                  .fetchone()[0] or 0)
    reasons = {
        "text_date": ("订单日期是非 YYYY-MM-DD 形式的文本", "order dates are text not in YYYY-MM-DD form"),
        "text_amount": ("金额列不是数值类型（含有文本，需要本机解析）",
                        "the amount column is not numeric (it holds text, which needs Python's parser)"),
        "real_customer": ("客户ID列含有小数或其他类型的值", "the customer ID column holds fractional or other values"),
        "bad_order_id": ("订单编号含有空白或特殊字符（需要本机规范化）",
                         "order numbers hold spaces or other characters (they need Python's normalisation)"),
        "case_clash": ("有订单编号仅大小写不同", "some order numbers differ only in case"),
        "blank_order_id": ("有订单编号是表示空白的文字（如 N/A、-）", "some order numbers are words for blank (N/A, -)"),
        "credit_note": ("有红字/冲销单号（如 C536379）", "there are credit-note numbers (such as C536379)"),
    }
    if got.get("credit_note"):  # credit notes only where most order numbers are digits (as Python decides)
        o = f"CAST({cols['order_id']} AS {d.text})"
        digits, distinct = con._execute(
            f"SELECT COUNT(DISTINCT CASE WHEN {d.all_digits(o)} THEN {o} END), COUNT(DISTINCT {o}) FROM {rel} "
            f"WHERE {line} AND {cols['order_id']} IS NOT NULL").fetchone()
        if not distinct or digits / distinct < 0.5:
            got["credit_note"] = 0
    if got["mixed_case_customers"] and customer_ids is None:  # (an exact distinct count: only where it decides something)
        got["customers"] = int(con._execute(f"SELECT COUNT(DISTINCT {ct}) FROM {rel}").fetchone()[0] or 0)
    if got["mixed_case_customers"] and got["customers"] > 5000:
        raise NotPushable("客户ID大小写混用，且种类超过 5000", "customer IDs mix cases among more than 5000 IDs")
    if got.get("lower_case"):  # order numbers in lower case: do two differ only in case?
        o = f"CAST({cols['order_id']} AS {d.text})"
        got["case_clash"] = int(con._execute(f"SELECT COUNT(DISTINCT {o}) - COUNT(DISTINCT upper({o})) FROM {rel}")
                                .fetchone()[0] or 0)
    for key, (zh, en) in reasons.items():
        if got.get(key):
            raise NotPushable(zh, en)
    if got.get("no_order_id") and settings.order_grouping == "row":
        raise NotPushable("部分订单没有编号，且设置按行计订单", "some orders lack a number and order_grouping is 'row'")
    return got


# ----------------------------------------------------------------------------------------
# the aggregation
# ----------------------------------------------------------------------------------------

def aggregate_sql(d: _Dialect | str, rel: str, cols: dict[str, str], purchase: str, today: int | None,
                  drop_returns: bool, grouped: bool = True) -> tuple[str, str]:
    """(per-customer SQL, per-month SQL) over the purchases up to day number ``today``
    (None: every one). ``grouped``: lines are merged into orders (False when every purchase
    line has its own order number: each line is an order)."""
    d = _DIALECTS[d] if isinstance(d, str) else d
    where = [f"d <= {int(today)}"] if today is not None else []
    where += ["a >= 0"] if drop_returns else []
    lm = d.line_month("t") is not None  # (the months carried with the lines)
    kept = f"SELECT c, d, a{', m' if lm else ''} FROM crm_orders" + (f" WHERE {' AND '.join(where)}" if where else "")
    head = f"{_orders_head(d, rel, cols, purchase, grouped)}, crm_kept AS ({kept})"
    per_customer = (f"{head}, crm_days AS (SELECT c, d, SUM(a) AS a, COUNT(*) AS n FROM crm_kept GROUP BY c, d) "
                    f"{d.per_customer('crm_days')}")
    # (customer, month) first: counting customers per month is then a count of rows
    mk = "m" if lm else d.month_key("d")
    per_month = (f"{head}, crm_cm AS (SELECT c, {mk} AS m, COUNT(*) AS n, SUM(a) AS a FROM crm_kept GROUP BY c, {mk}) "
                 f"SELECT {d.month_text('m')} AS month, SUM(n) AS orders, SUM(a) AS revenue, COUNT(*) AS customers "
                 f"FROM crm_cm GROUP BY m")
    return per_customer, per_month


def _orders_head(d: _Dialect, rel: str, cols: dict[str, str], purchase: str, grouped: bool = True) -> str:
    lines = _lines_sql(d, rel, cols, purchase)
    lm = d.line_month("t") is not None  # (an order's month: its first line's, the least)
    if not grouped:
        return (f"WITH crm_lines AS ({lines}), crm_orders AS (SELECT c, d, {d.round6('a')} AS a{', m' if lm else ''} "
                f"FROM crm_lines)")
    return (f"WITH crm_lines AS ({lines}), crm_orders AS (SELECT c, MIN(d) AS d, {d.round6('SUM(a)')} AS a"
            f"{', MIN(m) AS m' if lm else ''} FROM crm_lines GROUP BY o, c, CASE WHEN o IS NULL THEN d END)")


def engine_failed(exc: BaseException) -> NotPushable:
    """NotPushable for a query of the push-down the engine failed to run."""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return NotPushable(f"数据库无法执行汇总查询（{first}）", f"the engine cannot run the query ({first})")


def _engine_rows(con: Connection, spec: SourceSpec, overrides, s):
    """The queries of :func:`engine_aggregates`: (dialect, the checks' counts, per-customer rows,
    per-month rows, the analysis date's day number or None)."""
    import pandas as pd

    d = dialect_of(con, s)
    rel, cols = _orders_relation(con, spec, overrides, s.lang)
    _check_types(_types(con, d, rel, cols))
    purchase = _purchase_predicate(con, d, rel, cols, s)
    got = _checks(con, d, rel, cols, purchase, s)
    # every purchase line with its own order number: each line is an order (no merging)
    grouped = not ("order_id" in cols and got["ids"] == got["lines"] == got["distinct_ids"])
    drop_returns = s.returns_mode != "net"
    negative = got["negative"]
    if grouped and not drop_returns and negative:  # (a negative line may be part of an order)
        negative = con._execute(f"{_orders_head(d, rel, cols, purchase)} SELECT SUM(CASE WHEN a < 0 THEN 1 "
                                f"ELSE 0 END) FROM crm_orders").fetchone()[0] or 0
    if negative and not drop_returns:
        raise NotPushable(f"有 {int(negative):,} 笔退货/负金额订单需要冲减",
                          f"{int(negative):,} returns (negative totals) are to be netted")
    today = None if s.analysis_date is None else (pd.Timestamp(s.analysis_date).date() - _DAY0).days
    per_customer, per_month = aggregate_sql(d, rel, cols, purchase, today, drop_returns, grouped)
    return d, got, today, con._execute(per_customer).fetchall(), con._execute(per_month).fetchall()


def engine_aggregates(spec: SourceSpec | str, settings=None, *, overrides=None, unit: str = "weeks",
                      con: Connection | None = None) -> EngineAggregates:
    """Per-customer and per-month aggregates of the source's orders, computed in the engine.

    Raises
    ------
    NotPushable
        A rule cannot be applied exactly in the engine (the reason in zh/en).
    crm_xl.errors.InputError
        The source cannot be read (as :func:`crm_xl.sources.read_source`).
    """
    import numpy as np
    import pandas as pd

    from ..core.clv_summary import TIME_UNITS
    from ..core.parse import CLEAN_ID, blank_value, error_value, normalize_id, normalize_id_keep_case
    from ..settings import AnalysisSettings

    s = settings or AnalysisSettings()
    spec = SourceSpec(spec) if isinstance(spec, str) else spec
    own = con is None
    con = open_source(spec.url) if own else con
    try:
        d, got, today, cust, months = _engine_rows(con, spec, overrides, s)
    except (NotPushable, InputError):
        raise
    except con.errors as e:  # a query the engine cannot run (e.g. a function sqlglot has no translation for)
        raise engine_failed(e) from None
    finally:
        if own:
            con.close()
    rows = got["rows"]

    frame = pd.DataFrame(cust, columns=["raw", "orders", "monetary", "first_day", "last_day", "days", "repeat"])
    if today is None:  # the analysis date: the latest purchase
        if not len(frame):
            raise NotPushable("没有有效订单", "no valid orders")
        today = int(frame["last_day"].max())
    as_of = pd.Timestamp(_DAY0 + dt.timedelta(days=today))
    # the IDs as Python's cleaning makes them, case kept or not as it decides for the whole column
    norm = normalize_id_keep_case if got["mixed_case_customers"] else normalize_id
    raw = frame["raw"].to_numpy(dtype=object)
    ids = pd.Series([v if CLEAN_ID.fullmatch(v) else norm(v) for v in raw], dtype=object)
    if (ids == "").any() or ids.isna().any() or any(blank_value(v) or error_value(v) for v in raw):
        raise NotPushable("有客户ID规范化后为空", "some customer IDs are blank once normalised")
    if ids.duplicated().any():
        raise NotPushable("有客户ID规范化后相同（如 c001 与 C001）",
                          "some customer IDs are the same once normalised (c001 and C001)")
    per_unit = TIME_UNITS[unit]
    first, last = frame["first_day"].to_numpy(dtype=np.int64), frame["last_day"].to_numpy(dtype=np.int64)
    freq = frame["days"].to_numpy(dtype=float) - 1
    rep = frame["repeat"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        money = np.where(freq > 0, rep / np.where(freq > 0, freq, 1.0), 0.0)
    out = pd.DataFrame({
        "orders": frame["orders"].to_numpy(dtype=np.int64),
        "monetary": frame["monetary"].to_numpy(dtype=float),
        "first_purchase": first.astype("datetime64[D]").astype("datetime64[ns]"),
        "last_purchase": last.astype("datetime64[D]").astype("datetime64[ns]"),
        "frequency": freq,
        "recency": (last - first) / per_unit,
        "T": (today - first) / per_unit,
        "monetary_value": money,
    }, index=pd.Index(ids.to_numpy(dtype=object), dtype="str", name="customer_id"))
    unknown = out.index.isin(_UNKNOWN_IDS)
    out.loc[unknown, ["frequency", "recency", "T", "monetary_value"]] = np.nan
    out = out.sort_index()
    m = pd.DataFrame(months, columns=["month", "orders", "revenue", "customers"])
    m["month"] = [month_label(v) for v in m["month"]]
    m = m.sort_values("month")
    m = m.astype({"orders": np.int64, "revenue": float, "customers": np.int64}).reset_index(drop=True)
    return EngineAggregates(as_of=as_of, customers=out, months=m, rows=rows, purchases=int(out["orders"].sum()),
                            dialect=d.name)
