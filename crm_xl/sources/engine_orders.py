"""The report's orders left in the engine: the purchase rules applied where the data is (issue 19).

For an orders table longer than :data:`PUSHDOWN_ROWS` rows, ``crm-xl report --source`` does
not bring its rows to Python. :func:`plan_orders` checks, in a few passes over the table, that
the engine can apply the purchase rules exactly, and brings to Python only:

* the **distinct values** of each text column (customer IDs, products, owners, campaigns,
  statuses; dates), cleaned and classified there by the cleaning's own functions
  (:func:`crm_xl.core.clean_values._clean_distinct`, :func:`crm_xl.core.purchases.status_classes`);
* the SQL head numbering every row, with each text column as a rank into its cleaned distinct
  values and ``p`` = a purchase line with its keys.

:func:`engine_orders` then fetches the few **rows that are no purchase line** (another status,
a customer, date or amount missing): :func:`~crm_xl.core.purchases.consolidate_orders` treats
them in Python exactly as in the in-memory path, so the cleaning log's entries (sheet, row,
reason) and the console's summary come out the same. The **purchases stay in the engine**:
:class:`crm_xl.sources.engine_purchases.EngineOrders` merges the lines into orders there and
answers the analysis's questions with per-customer and per-group rows
(:class:`crm_xl.sources.engine_facts.EngineFacts`); :class:`crm_xl.core.pushed_orders.PushedOrders`
hands both to the cleaning (:func:`crm_xl.core.clean.clean_dataset`), in place of the table's
frame. The report equals the in-memory path's, cell for cell (tests/test_sources_engine_report.py).

Where the cleaning would log something per cell (a value it rewrites: an ID to normalise, a
text to trim, a placeholder date, a missing product or owner filled with 未知, an amount out
of range), or a rule needs the rows themselves (duplicate rows, continuation lines, a sales
pipeline whose every row is a lead, credit notes, returns, unmapped or intake-only columns,
several orders tables), :class:`~crm_xl.sources.pushdown.NotPushable` says why and the report
reads the table as before (the reason is shown on the console).

Rows are numbered in the order the engine scans the table (``row_number() OVER ()``), the
order ``SELECT *`` returns them in, which is what the in-memory path numbers.
"""

from __future__ import annotations

__all__ = ["PUSHDOWN_ROWS", "Large", "OrdersPlan", "engine_orders", "plan_orders", "table_rows"]

from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import Connection, _quote, _value
from .pushdown import NotPushable, _check_types, _checks, _Dialect, _types, dialect_of, engine_failed

# from this many rows an orders table's purchase rules run in the engine (tests set it low)
PUSHDOWN_ROWS = 1_000_000

_TEXT_KEYS = ("customer_id", "product", "campaign_id", "owner", "status")  # cleaned per distinct value
_FLOAT_KEYS = ("amount", "profit", "discount")


def table_rows(con: Connection, rel: str) -> int:
    return int(con._execute(f"SELECT COUNT(*) FROM {rel}").fetchone()[0])


_NO_DAY = -999_999_999  # a missing date's day number in the fetched arrays


def _fetch(con: Connection, sql: str, names: list[str]) -> dict[str, np.ndarray]:
    """The columns of a query as numpy arrays (NULL: None in text, NaN in numbers; the
    queries give no NULL integers)."""
    cur = con._execute(sql)
    if hasattr(cur, "fetch_df_chunk"):  # DuckDB: streamed in chunks (the result is never held twice)
        parts: list[list[np.ndarray]] = [[] for _ in names]
        while True:
            chunk = cur.fetch_df_chunk(50)
            if not len(chunk):
                break
            for j in range(len(names)):
                a = chunk.iloc[:, j].to_numpy()
                if a.dtype == object:
                    a = np.where(pd.isna(a), None, a)
                parts[j].append(a)
            del chunk
        out = {}
        for j, n in enumerate(names):
            out[n] = np.concatenate(parts[j]) if parts[j] else np.zeros(0)
            parts[j] = []
        return out
    table = getattr(cur, "arrow_table", None)
    if table is not None:  # an Arrow result (crm_xl.sources.portable.ArrowCursor): column by column
        return {n: _arrow_column(table.column(j)) for j, n in enumerate(names)}
    rows = cur.fetchall()
    cols = list(zip(*rows, strict=True)) if rows else [()] * len(names)
    return {n: np.array(c, dtype=object) for n, c in zip(names, cols, strict=True)}


def _arrow_column(col) -> np.ndarray:
    """An Arrow column as :func:`_fetch` gives columns: numbers as numpy numbers (NULL: NaN),
    texts as objects (NULL: None), anything else (DECIMAL, dates) as the Python values the row
    cursor gives."""
    import pyarrow.types as pt

    t = col.type
    if pt.is_integer(t) or pt.is_floating(t) or pt.is_string(t) or pt.is_large_string(t):
        return col.to_numpy()
    return np.array(col.to_pylist(), dtype=object)


def _ints(a: np.ndarray, missing: int) -> np.ndarray:
    if a.dtype.kind == "f":
        return np.where(np.isnan(a), missing, a).astype(np.int64)
    if a.dtype == object:
        a = np.array([missing if v is None else v for v in a], dtype=np.int64)
    return np.asarray(a, dtype=np.int64)


def _floats(a: np.ndarray) -> np.ndarray:
    if a.dtype == object:
        a = np.array([np.nan if v is None else v for v in a], dtype="float64")
    return np.asarray(a, dtype="float64")


class _Column:
    """One text column's distinct values (non-null, in the engine's sort order), cleaned."""

    def __init__(self, key: str, values: list, counts: list[int], cleaned: pd.Series):
        self.key, self.values, self.counts = key, values, counts
        # the cleaned value per rank (a "str" array) and, last, the missing value's slot
        self.cleaned = cleaned.array
        self.missing = np.asarray(cleaned.iloc[:len(values)].isna().to_numpy(), dtype=bool)

    def take(self, codes: np.ndarray) -> pd.Series:
        """Per row; code -1 (NULL) takes the last slot, as :meth:`crm_xl.core.parse.Distinct.expand` does."""
        slots = np.asarray(codes, dtype=np.intp)  # (the caller's fresh array: set in place)
        slots[slots < 0] = len(self.cleaned) - 1
        return pd.Series(self.cleaned.take(slots))


def _distinct(con: Connection, rel: str, c: str) -> list[tuple]:
    """(value, rows) of column ``c``, in the engine's order of the values, NULL last."""
    return con._execute(f"SELECT {c}, COUNT(*) FROM {rel} GROUP BY {c} ORDER BY ({c} IS NULL), {c}").fetchall()


def _clean_texts(con: Connection, rel: str, cols: dict[str, str], heads: dict[str, str], sheet: str, lang: str,
                 fetched: dict[str, list[tuple]]):
    """Per text column present: its distinct values (of :func:`_distinct`: from ``fetched``
    where the caller has them), cleaned by the cleaning's own function; NotPushable where
    cleaning would log a cell or fill a missing value."""
    from ..core.clean_values import _FILL_UNKNOWN, _clean_distinct
    from ..core.cleanlog import RowLog
    from ..core.parse import Distinct
    from ..schema import ORDERS

    out: dict[str, _Column] = {}
    for key in _TEXT_KEYS:
        if key not in cols:
            continue
        c = cols[key]
        rows = fetched[key] if key in fetched else _distinct(con, rel, c)
        nulls = sum(int(n) for v, n in rows if v is None)
        rows = [(v, n) for v, n in rows if v is not None]
        values = [_value(v) for v, _ in rows]
        d = Distinct(pd.Series(values, dtype=object))
        if len(d) - 1 != len(values):
            raise NotPushable(f"「{heads[key]}」列的值在本机与数据库中的区分不同",
                              f"the values of '{heads[key]}' are told apart differently here and in the engine")
        log = RowLog(sheet, lang)
        val, _codes, _changed = _clean_distinct(d, ORDERS.column(key), heads[key], log, lang)
        if log.events:
            raise NotPushable(f"「{heads[key]}」列有需要逐行记录的清洗（如规范化、去空格）",
                              f"the column '{heads[key]}' has values the cleaning rewrites and logs row by row")
        col = _Column(key, values, [int(n) for _, n in rows], val)
        if key in _FILL_UNKNOWN and (nulls or col.missing.any()):
            raise NotPushable(f"「{heads[key]}」列有空值（需要逐行填为「未知」并记录）",
                              f"the column '{heads[key]}' has blanks (filled with Unknown and logged row by row)")
        out[key] = col
    return out


def _check_dates(con: Connection, d: _Dialect, rel: str, col: str, head: str, sheet: str, s) -> tuple[pd.DataFrame, list]:
    """The cleaning of the date column, run on its distinct values in the order they first
    appear, each as often as it occurs: the log (only entries for the whole column are
    possible here) and notes; NotPushable where a cell would be logged."""
    from ..core.clean_values import _clean_distinct, _column_order
    from ..core.cleanlog import RowLog
    from ..core.parse import Distinct
    from ..schema import ORDERS

    rows = con._execute(f"SELECT v, COUNT(*), MIN(rn) FROM (SELECT {col} AS v, row_number() OVER () AS rn FROM {rel}) "
                        f"AS crm_d WHERE v IS NOT NULL GROUP BY v ORDER BY MIN(rn)").fetchall()
    values = [_value(v) for v, _, _ in rows]
    notes: list = []
    for repeat in (False, True):
        series = pd.Series(np.repeat(np.array(values + [None], dtype=object)[:-1], [n for _, n, _ in rows])
                           if repeat else values, dtype=object)
        dist = Distinct(series)
        notes = []
        order = _column_order(dist, head, notes) if s.date_order == "auto" else s.date_order
        log = RowLog(sheet, s.lang)
        _clean_distinct(dist, ORDERS.column("order_date"), head, log, s.lang, order)
        if not log.events and not notes:
            return log.frame(), notes
        if repeat and all((e[0] < 0).all() for e in log.events):
            return log.frame(), notes
    raise NotPushable(f"「{head}」列有需要逐行记录的日期（如 1900 年前的占位日期）",
                      f"the column '{head}' has dates the cleaning logs row by row (such as placeholders before 1901)")


def _rest_items(d: _Dialect, cols: dict[str, str], types: dict) -> tuple[tuple[str, str], ...]:
    """The counts :func:`_check_rest` needs, as (name, SQL) for pushdown's checks pass
    (:func:`crm_xl.sources.pushdown._checks`, one scan of the table for both): numbers the
    cleaning would log, continuation rows, negative amounts. A column :func:`_check_rest`
    refuses by its type is not counted (its SQL might not run)."""
    nums = {k: cols[k] for k in _FLOAT_KEYS if k in cols
            and not (k in ("profit", "discount") and types[k] not in ("number", "int", "dynamic"))}
    items = [f"SUM(CASE WHEN ABS({x}) > 1.7e308 THEN 1 ELSE 0 END)" for x in nums.values()]
    if d.name == "sqlite":
        items += [f"SUM(CASE WHEN typeof({x}) NOT IN ('integer', 'real', 'null') THEN 1 ELSE 0 END)" for x in nums.values()]
    if "discount" in nums:
        x = nums["discount"]
        items.append(f"SUM(CASE WHEN {x} < 0 OR {x} > 1 THEN 1 ELSE 0 END)")
    o, c, t = cols.get("order_id"), cols["customer_id"], cols["order_date"]
    # continuation lines (order number, customer and date blank: they take the row above's)
    items.append(f"SUM(CASE WHEN {o or 'NULL'} IS NULL AND {c} IS NULL AND {t} IS NULL THEN 1 ELSE 0 END)")
    out = tuple((f"crm_rest_{i}", x) for i, x in enumerate(items))
    return (*out, ("crm_rest_negative", f"SUM(CASE WHEN {cols['amount']} < 0 THEN 1 ELSE 0 END)"))


def _check_rest(con: Connection, rel: str, cols: dict[str, str], names: list[str], types: dict,
                unique: bool, got: dict[str, int]) -> None:
    """Numbers the cleaning would log, returns, continuation rows, lower-case order numbers
    (the cleaning upper-cases them) from the counts ``got`` of :func:`_rest_items` and pushdown's
    checks, and (unless every row has its own order number: ``unique``) duplicate rows."""
    for k in ("profit", "discount"):
        if k in cols and types[k] not in ("number", "int", "dynamic"):
            raise NotPushable(f"{k} 列不是数值类型", f"the {k} column is not numeric")
    rest = [v for k, v in got.items() if k.startswith("crm_rest_") and k != "crm_rest_negative"]
    if any(rest) or ("order_id" in cols and got.get("lower_case")):
        raise NotPushable("有金额/数值超出范围、非数值的值，或续行/小写订单编号",
                          "numbers out of range or not numbers, continuation lines, or lower-case order numbers")
    if got["crm_rest_negative"]:
        raise NotPushable("有退货/负金额订单", "there are returns (negative amounts)")
    if not unique:  # rows not told apart by their order number: are some equal in every column?
        every = ", ".join(_quote(n) for n in names)
        dup = con._execute(f"SELECT COUNT(*) FROM (SELECT {every} FROM {rel} GROUP BY {every} HAVING COUNT(*) > 1) "
                           f"AS crm_dup").fetchone()[0]
        if dup:
            raise NotPushable("有完全重复的行（需要本机去重并记录）", "some rows are duplicates (removed and logged here)")


def _statuses(con: Connection, rel: str, col: str, cleaned: _Column, s) -> tuple[np.ndarray, dict[str, int], bool]:
    """Per status rank: a purchase?; the statuses counted as purchases that no list names
    (rows, in the order they first appear, as :func:`status_classes` gives them); whether
    NULL statuses are purchases."""
    from ..core.purchases import status_classes

    firsts = {}
    for v, first in con._execute(f"SELECT {col}, MIN(rn) FROM (SELECT {col}, row_number() OVER () AS rn FROM {rel}) "
                                 f"AS crm_s WHERE {col} IS NOT NULL GROUP BY {col}").fetchall():
        firsts[_value(v)] = int(first)
    order = sorted(range(len(cleaned.values)), key=lambda i: firsts[cleaned.values[i]])
    texts = pd.Series([cleaned.cleaned[i] for i in order] + [None], dtype=object)
    classes, pipeline, unknown = status_classes(texts, None, s)
    if pipeline:
        raise NotPushable("订单状态是销售管道（赢单/输单），每一行都是漏斗中的商机",
                          "the statuses are a sales pipeline (won/lost): every row is a deal of the funnel")
    rows: Counter = Counter()
    purchase = np.zeros(len(cleaned.values), dtype=bool)
    for pos, i in enumerate(order):
        purchase[i] = classes[pos] in ("", "won")
        if not cleaned.missing[i] and str(cleaned.cleaned[i]) in unknown:
            rows[str(cleaned.cleaned[i])] += cleaned.counts[i]
    return purchase, {k: rows[k] for k in unknown}, classes[-1] in ("", "won")


def _in(codes: np.ndarray) -> str:
    """A SQL list of ranks (never empty: -2 is no rank, and NOT IN (NULL) would be false)."""
    return "(" + ", ".join(str(int(i)) for i in codes) + ")" if len(codes) else "(-2)"


def _select(d: _Dialect, rel: str, cols: dict[str, str], texts: dict[str, _Column], purchase: str,
            grouped: bool) -> tuple[str, list]:
    """(the WITH ... head selecting every row as codes and numbers, with ``p`` = a purchase line;
    the column names). The order numbers only where lines are to be merged (``grouped``):
    otherwise no purchase needs its number, and the rows left out do not."""
    ranks = []
    joins = []
    fields = ["crm_n.crm_rn AS rn"]
    names = ["rn"]
    for key in texts:
        c = cols[key]
        ranks.append(f"crm_k_{key} AS (SELECT v, row_number() OVER (ORDER BY v) - 1 AS k FROM "
                     f"(SELECT DISTINCT {c} AS v FROM {rel} WHERE {c} IS NOT NULL) AS crm_x)")
        joins.append(f"LEFT JOIN crm_k_{key} ON crm_k_{key}.v = crm_n.{c}")
        fields.append(f"COALESCE(crm_k_{key}.k, -1) AS k_{key}")
        names.append(f"k_{key}")
    fields.append(f"{d.day('crm_n.' + cols['order_date'])} AS d")
    names.append("d")
    for key in _FLOAT_KEYS:
        if key in cols:
            fields.append(f"CAST(crm_n.{cols[key]} AS {d.double}) AS f_{key}")
            names.append(f"f_{key}")
    o = f"CAST(crm_n.{cols['order_id']} AS {d.text})" if "order_id" in cols and grouped else "NULL"
    fields.append(f"{o} AS o")
    names.append("o")

    miss_c = _in(np.flatnonzero(texts["customer_id"].missing))
    line = (f"{purchase} AND k_customer_id >= 0 AND k_customer_id NOT IN {miss_c} AND d IS NOT NULL "
            f"AND f_amount IS NOT NULL AND NOT {d.is_nan('f_amount')}")
    used = ", ".join(dict.fromkeys(c for k, c in cols.items() if k != "order_id" or grouped))
    head = (f"WITH crm_n AS (SELECT row_number() OVER () AS crm_rn, {used} FROM {rel}), {', '.join(ranks)}, "
            f"crm_f AS (SELECT {', '.join(fields)} FROM crm_n {' '.join(joins)}), "
            f"crm_x AS (SELECT *, CASE WHEN {line} THEN 1 ELSE 0 END AS p FROM crm_f)")
    return head, names


def _frame(got: dict[str, np.ndarray], cols: dict[str, str], texts: dict[str, _Column]) -> pd.DataFrame:
    """The rows fetched as the cleaning's order columns (canonical order, cleaned types)."""
    from ..core.dataset import DTYPE_BY_KIND
    from ..core.text import as_dtype, missing_texts
    from ..schema import ORDERS

    n = len(got["rn"])
    out = {}
    for col in ORDERS.columns:
        k = col.key
        if k in texts:
            out[k] = texts[k].take(_ints(got.pop(f"k_{k}"), -1))
        elif k == "order_date":
            days = _ints(got.pop("d"), _NO_DAY)
            stamp = np.where(days == _NO_DAY, 0, days).astype("datetime64[D]").astype("datetime64[ns]")
            stamp[days == _NO_DAY] = np.datetime64("NaT", "ns")
            out[k] = pd.Series(stamp, copy=False)  # (pandas 3 copies an array by default: ~80 MB each at 10M)
        elif k in _FLOAT_KEYS and k in cols:
            out[k] = pd.Series(_floats(got.pop(f"f_{k}")), copy=False)
        elif k == "order_id" and k in cols:
            out[k] = as_dtype(pd.Series(np.asarray(got["o"], dtype=object), dtype=object), "str")
        elif DTYPE_BY_KIND[col.kind] == "str":  # an absent column
            out[k] = missing_texts(n)  # (no memory per row where pandas' text is pyarrow's)
        elif DTYPE_BY_KIND[col.kind] == "float64":  # (one read-only NaN seen n times: no memory per row)
            out[k] = pd.Series(np.broadcast_to(np.float64(np.nan), (n,)), copy=False)
        else:
            out[k] = as_dtype(pd.Series(None, index=range(n), dtype=object), DTYPE_BY_KIND[col.kind])
    return pd.DataFrame(out, copy=False)  # (the columns are this frame's own: not copied into 2-d blocks)


@dataclass
class OrdersPlan:
    """What :func:`plan_orders` found about an orders table the engine holds: the dialect, the
    mapped columns (quoted; the user's headers), each text column's distinct values cleaned,
    the date column's log and notes, the statuses counted as purchases that no list names, and
    the SQL head (``WITH ... crm_x``: every row as ``rn``, ``k_*`` ranks, ``d``, ``f_*`` numbers,
    ``o`` and ``p`` = a purchase line with its keys) with its column names; ``grouped``: lines
    are merged into orders (not every purchase line has an order number of its own)."""

    d: _Dialect
    cols: dict[str, str]
    heads: dict[str, str]
    texts: dict[str, _Column]
    log: pd.DataFrame
    notes: list
    unknown_statuses: dict[str, int]
    grouped: bool
    head: str
    fields: list[str]


def plan_orders(con: Connection, rel: str, names: list[str], mapping: dict[int, str], sheet: str,
                settings) -> OrdersPlan:
    """The checks and the SQL head of :func:`engine_orders` (NotPushable: see the module docstring)."""
    from ..schema import ORDERS

    s = settings
    d = dialect_of(con, s)
    unknown = [h for i, h in enumerate(names) if i not in mapping]
    if unknown:
        raise NotPushable(f"订单表有未映射的列（{unknown[0]}）", f"the orders table has unmapped columns ({unknown[0]})")
    canon = {c.key for c in ORDERS.columns}
    extra = [k for k in mapping.values() if k not in canon]
    if extra:
        raise NotPushable(f"订单表有只在读取时使用的列（{extra[0]}）", f"the orders table has intake-only columns ({extra[0]})")
    cols = {key: _quote(names[pos]) for pos, key in mapping.items()}
    heads = {key: names[pos] for pos, key in mapping.items()}
    for key in ("customer_id", "order_date", "amount"):
        if key not in cols:
            raise NotPushable(f"订单表没有「{key}」列", f"the orders table has no {key} column")
    types = _types(con, d, rel, cols)
    _check_types(types)
    # order numbers, credit notes, mixed-case IDs (pushdown's rules), and the counts _check_rest needs
    # (the distinct customer IDs first: pushdown's checks test their cases from them, not in another pass)
    fetched = {"customer_id": _distinct(con, rel, cols["customer_id"])}
    got = _checks(con, d, rel, cols, "1 = 1", s, extra=_rest_items(d, cols, types),
                  customer_ids=[_value(v) for v, _ in fetched["customer_id"] if v is not None])
    # every row has the keys and its own order number (so no two rows are equal); each line is an order
    unique = "order_id" in cols and got["rows"] == got["lines"] == got["ids"] == got["distinct_ids"]
    _check_rest(con, rel, cols, names, types, unique, got)
    texts = _clean_texts(con, rel, cols, heads, sheet, s.lang, fetched)
    log, notes = _check_dates(con, d, rel, cols["order_date"], heads["order_date"], sheet, s)
    if "status" in texts:
        is_purchase, unknown_statuses, null_buys = _statuses(con, rel, cols["status"], texts["status"], s)
        ranks = np.flatnonzero(is_purchase)
        purchase = f"(k_status IN {_in(ranks)}" + (" OR k_status < 0)" if null_buys else ")")
    else:
        unknown_statuses, purchase = {}, "1 = 1"
    grouped = not ("order_id" in cols and got["ids"] == got["lines"] == got["distinct_ids"])
    head, fields = _select(d, rel, cols, texts, purchase, grouped)
    return OrdersPlan(d, cols, heads, texts, log, notes, unknown_statuses, grouped, head, fields)


def engine_orders(con: Connection, rel: str, names: list[str], mapping: dict[int, str], sheet: str, settings,
                  rows: int):
    """:class:`crm_xl.core.pushed_orders.PushedOrders` of the orders table ``rel`` (columns ``names``,
    mapped by ``mapping`` as the mapping layer decided), or NotPushable (see the module docstring)."""
    from ..core.clean import CleanResult
    from ..core.currency import detect_currency
    from ..core.pushed_orders import PushedOrders
    from .engine_purchases import EngineOrders

    plan = plan_orders(con, rel, names, mapping, sheet, settings)
    cols, heads, texts, head, fields = plan.cols, plan.heads, plan.texts, plan.head, plan.fields
    log, notes, unknown_statuses = plan.log, plan.notes, plan.unknown_statuses
    keys = [f for f in fields if f != "o"]
    cast = {f: f"CAST(COALESCE(d, {_NO_DAY}) AS INTEGER) AS d" if f == "d" else f"CAST({f} AS INTEGER) AS {f}"
            for f in keys if f == "d" or f.startswith("k_")}
    chosen = ", ".join(cast.get(f, f) for f in keys)
    # the rows that are no purchase line (another status, a key missing): the cleaning logs them
    small = _fetch(con, f"{head} SELECT {chosen}, o FROM crm_x WHERE p = 0", [*keys, "o"])
    rn = _ints(small["rn"], 0)
    if len(rn) > 1 and not (rn[1:] > rn[:-1]).all():  # in the table's order (the engine may return it otherwise)
        order = np.argsort(rn, kind="stable")
        small = {k: v[order] for k, v in small.items()}
    lines = _frame(small, cols, texts)
    pending = {"customer_id": lines["customer_id"].isna().to_numpy(), "order_date": lines["order_date"].isna().to_numpy(),
               "amount": lines["amount"].isna().to_numpy()}
    currencies = Counter(detect_currency((), [heads["amount"]]))
    result = CleanResult(frame=lines, log=log, rows=_ints(small["rn"], 0) + 1, pending=pending, headers=heads,
                         notes=notes, currencies=currencies, sheet=sheet)
    # the purchases stay in the engine, merged into orders there
    held = EngineOrders(con.session(), plan, sheet)
    if con.temp_tables:
        held.materialise()
    return PushedOrders(lines=result, engine=held, sheet=sheet, rows=rows, unknown_statuses=unknown_statuses)


class Large:
    """:func:`crm_xl.sources.read_tables` with a long orders table left in the engine: tables
    are counted before they are read; one longer than :data:`PUSHDOWN_ROWS` comes first as its
    first rows (the data sheet's sample, the 字段映射 examples); once the mapping layer has
    said it holds orders, :func:`engine_orders` gives its purchases, else (another kind, or
    NotPushable, whose note the console shows) the whole table is read as before."""

    def __init__(self, con: Connection, spec, settings):
        from . import DEFAULT_SHEET_ROWS

        # (a connection without a SQL dialect is read as before: the engine path speaks SQL)
        self.con, self.settings = con, (settings if getattr(con, "dialect", None) else None)
        self.limit = max(spec.sheet_rows if spec.sheet_rows is not None else DEFAULT_SHEET_ROWS, 200)
        self.big: dict[str, tuple] = {}  # name -> (relation, rows, read the whole table)
        self.full: dict[int, object] = {}  # id of a pushed RawTable -> read the whole table
        self.uncounted: dict[str, NotPushable] = {}  # name -> why its rows could not be counted

    def _count(self, name: str, rel: str, zh: str, en: str) -> int | None:
        """The rows of ``rel``; None where SQL transpiled for the engine could not count them
        (the table is then read as before, with the note if it holds the orders)."""
        try:
            return table_rows(self.con, rel)
        except self.con.errors as e:
            if getattr(self.con, "dialect", None) == "portable":
                self.uncounted[name] = engine_failed(e)
                return None
            raise self.con.error(zh, en, e) from None

    def _sample(self, name: str, rel: str):
        """The first rows of ``rel`` (the data sheet's sample), by the push-down's SQL."""
        from . import frame_from_cursor

        try:
            return frame_from_cursor(self.con._execute(f"SELECT * FROM {rel} LIMIT {self.limit}"))
        except self.con.errors as e:
            raise self.con.error(f"无法读取「{name}」", f"cannot read '{name}'", e) from None

    def load(self, name: str):
        con = self.con
        if self.settings is None:
            return con.read_table(name)
        rel = con._refs[name]
        rows = self._count(name, rel, f"无法读取表「{name}」", f"cannot read table '{name}'")
        if rows is None or rows <= PUSHDOWN_ROWS:
            return con.read_table(name)
        self.big[name] = (rel, rows, lambda: con.read_table(name))
        return self._sample(name, rel)

    def query(self, kind: str, sql: str):
        con = self.con
        if self.settings is None:
            return con.query(kind, sql)
        rel = con.query_relation(sql, "crm_q")
        rows = self._count(kind, rel, f"「{kind}」的查询执行失败", f"the query for '{kind}' failed")
        if rows is None or rows <= PUSHDOWN_ROWS:
            return con.query(kind, sql)
        self.big[kind] = (rel, rows, lambda: con.query(kind, sql))
        return self._sample(kind, rel)

    def done(self, out, key: str | None, name: str) -> None:
        if key == "orders" and name in self.uncounted:
            e = self.uncounted.pop(name)
            out.warnings.append((e.note("zh"), e.note("en")))
        if key is None or name not in self.big:
            return
        rel, rows, whole = self.big.pop(name)
        rt = out[key][-1]
        if key == "orders":
            try:
                try:
                    rt.pushed = engine_orders(self.con, rel, [str(c) for c in rt.frame.columns], dict(rt.mapping or {}),
                                              rt.sheet, self.settings, rows)
                except NotPushable:
                    raise
                except self.con.errors as e:
                    raise engine_failed(e) from None
                rt.total_rows = rows
                self.full[id(rt)] = whole
                return
            except NotPushable as e:
                out.warnings.append((e.note("zh"), e.note("en")))
        rt.frame = whole()

    def finish(self, out) -> None:
        """Several orders tables: each is read whole (their lines are stacked in Python)."""
        orders = out.get("orders") or []
        if len(orders) > 1 and any(getattr(rt, "pushed", None) is not None for rt in orders):
            e = NotPushable("订单来自多个表", "the orders come from several tables")
            out.warnings.append((e.note("zh"), e.note("en")))
            for rt in orders:
                if rt.pushed is not None:
                    rt.pushed, rt.total_rows, rt.frame = None, None, self.full[id(rt)]()
