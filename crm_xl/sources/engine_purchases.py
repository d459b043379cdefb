"""The purchases of an orders table left in the engine, as orders the analysis asks facts of
(issue 19 item 2): :class:`EngineOrders`.

:func:`crm_xl.sources.engine_orders.plan_orders` checks that the engine can apply the purchase
rules exactly and gives the SQL head numbering every row (``rn``), with its text columns as
ranks into their cleaned distinct values (``k_*``), its day (``d``), numbers (``f_*``), order
number (``o``) and whether it is a purchase line with its keys (``p``). Here the purchase lines
become orders in the engine, as :func:`crm_xl.core.purchases.consolidate_orders` makes them in
Python: lines sharing an order number and customer (without a number: a customer and day) are
one order, dated by its earliest line, placed at its first line (the least ``rn``), with that
line's product, owner, campaign and discount; its amount is the lines' sum rounded to 6
decimals as numpy rounds (``ROUND(x * 1e6) / 1e6``), its profit the sum of the known profits
(NULL when none), rounded the same way. Every purchase line with its own order number: each line
is an order, nothing is grouped.

:class:`EngineOrders` holds that relation and answers what the report reads of the orders
besides the analysis's facts: how many there are, lines and merges (for the cleaning's summary
and log), the last day (the analysis date), the customers in the order they first appear, the
orders dated after the analysis date (logged one by one). :meth:`EngineOrders.facts` gives the
:class:`~crm_xl.sources.engine_facts.EngineFacts` of the orders up to the analysis date, over a
temporary table holding the relation once where the connection can make one
(``Connection.temp_tables``: DuckDB and SQLite, read-only connections included; not a read-only
PostgreSQL session, whose every CREATE fails), else every question reads the relation again.
"""

from __future__ import annotations

__all__ = ["EngineOrders", "purchases_sql"]

import itertools
from functools import cached_property

import numpy as np
import pandas as pd

from ..core.order_facts import LABEL_COLUMNS, NO_DAY
from .engine_facts import EngineFacts
from .engine_orders import OrdersPlan, _in

_TABLES = itertools.count(1)  # temporary tables: one name each (two sources may share a session)


def _rounded(d, x: str) -> str:
    """``x`` rounded to 6 decimals as numpy rounds (``rint(x * 1e6) / 1e6``)."""
    return f"ROUND(CAST({x} AS {d.double}) * 1000000) / 1000000"


def _known(d, x: str) -> str:
    """``x`` where it is a number (not NULL, not NaN), else NULL."""
    return f"CASE WHEN {x} IS NULL OR {d.is_nan(x)} THEN NULL ELSE {x} END"


def purchases_sql(plan: OrdersPlan) -> tuple[str, str]:
    """(common table expressions, a SELECT reading them): the orders of the purchase lines of
    ``plan`` (see module docstring), columns ``c`` (the
    customer's rank), ``d``, ``a``, ``p``, ``pm``, ``rn``, the labels' ranks (``product``,
    ``owner``, ``campaign``; -1 where missing), and for the cleaning's counts ``n`` (the order's
    lines) and ``numbered`` (1: it has an order number), every date; integers as 32-bit where
    they fit (a temporary table of ten million orders: half the memory)."""
    d, texts = plan.d, plan.texts
    assert plan.head.startswith("WITH ")
    ctes = plan.head[len("WITH "):]
    has = set(plan.fields)
    profit = "f_profit" in has
    first = ["CAST(crm_x.k_customer_id AS INTEGER) AS c"]
    for label, key in LABEL_COLUMNS.items():
        if f"k_{key}" in has:
            first.append(f"CAST(crm_x.k_{key} AS INTEGER) AS {label}")
    discount = (f"(crm_x.f_discount IS NOT NULL AND NOT {d.is_nan('crm_x.f_discount')} AND crm_x.f_discount > 0)"
                if "f_discount" in has else "1 = 0")
    campaign = (f"(crm_x.k_campaign_id >= 0 AND crm_x.k_campaign_id NOT IN "
                f"{_in(np.flatnonzero(texts['campaign_id'].missing))})" if "k_campaign_id" in has else "1 = 0")
    first.append(f"CAST(CASE WHEN {discount} OR {campaign} THEN 1 ELSE 0 END AS SMALLINT) AS pm")
    if not plan.grouped:  # every purchase line its own order
        p = _rounded(d, _known(d, "crm_x.f_profit") + " + 0.0") if profit else "NULL"
        return ctes, (f"SELECT {', '.join(first)}, CAST(crm_x.d AS INTEGER) AS d, "
                      f"{_rounded(d, 'crm_x.f_amount')} AS a, {p} AS p, crm_x.rn AS rn, 1 AS n, 1 AS numbered "
                      f"FROM crm_x WHERE crm_x.p = 1")
    p = _rounded(d, f"SUM({_known(d, 'f_profit')})") if profit else "NULL"
    orders = (f"SELECT MIN(rn) AS rn, MIN(d) AS d, {_rounded(d, 'SUM(f_amount)')} AS a, {p} AS p, COUNT(*) AS n, "
              f"CASE WHEN o IS NULL THEN 0 ELSE 1 END AS numbered FROM crm_x "
              f"WHERE p = 1 GROUP BY o, k_customer_id, CASE WHEN o IS NULL THEN d END")
    return f"{ctes}, crm_o AS ({orders})", (
        f"SELECT {', '.join(first)}, CAST(crm_o.d AS INTEGER) AS d, crm_o.a AS a, crm_o.p AS p, crm_o.rn AS rn, "
        f"CAST(crm_o.n AS INTEGER) AS n, CAST(crm_o.numbered AS SMALLINT) AS numbered "
        f"FROM crm_o JOIN crm_x ON crm_x.rn = crm_o.rn")


class EngineOrders:
    """The purchases of an orders table held in the engine (see module docstring).

    Parameters
    ----------
    run : callable
        Runs a query, returns its rows.
    plan : OrdersPlan
        :func:`~crm_xl.sources.engine_orders.plan_orders` of the table.
    sheet : str
        The table's name as the cleaning log names it.
    """

    def __init__(self, run, plan: OrdersPlan, sheet: str) -> None:
        self._run, self.plan, self.sheet = run, plan, sheet
        self._ctes, self._select = purchases_sql(plan)
        self.ids = plan.texts["customer_id"].cleaned  # the cleaned ID of each customer rank (last: missing)
        self.labels = {label: np.asarray(plan.texts[key].cleaned, dtype=object) for label, key in LABEL_COLUMNS.items()
                       if key in plan.texts}
        self._table: str | None = None

    @cached_property
    def _counts(self) -> tuple[int, ...]:
        """Orders, their lines, lines and orders merged by number, lines and orders merged per
        customer and day, the last day (one pass over the orders)."""
        many = "n > 1 AND numbered = {}"
        row = self._run(self._over(f"SELECT COUNT(*), SUM(n), SUM(CASE WHEN {many.format(1)} THEN n ELSE 0 END), "
                        f"SUM(CASE WHEN {many.format(1)} THEN 1 ELSE 0 END), SUM(CASE WHEN {many.format(0)} THEN n ELSE 0 END), "
                        f"SUM(CASE WHEN {many.format(0)} THEN 1 ELSE 0 END), MAX(d) FROM crm_all"))[0]
        return tuple(NO_DAY if v is None and i == 6 else int(v or 0) for i, v in enumerate(row))

    @property
    def orders(self) -> int:
        return self._counts[0]

    @property
    def purchase_lines(self) -> int:
        return self._counts[1]

    @property
    def merged(self) -> tuple[int, int]:
        """Lines merged into orders by their order number, and those orders."""
        return self._counts[2], self._counts[3]

    @property
    def grouped_days(self) -> tuple[int, int]:
        """Lines without an order number merged per customer and day, and those orders."""
        return self._counts[4], self._counts[5]

    @property
    def max_day(self) -> int:
        return self._counts[6]

    def _over(self, sql: str) -> str:
        """``sql`` reading the orders as ``crm_all`` (the temporary table once it is made)."""
        if self._table:
            return f"WITH crm_all AS (SELECT * FROM {self._table}) {sql}"
        return f"WITH {self._ctes}, crm_all AS ({self._select}) {sql}"

    def materialise(self) -> None:
        """Hold the orders in a temporary table, each question then reads it instead of the
        source table (only on a connection that makes one: ``Connection.temp_tables``)."""
        if self._table is None:
            name = f"crm_purchases_{next(_TABLES)}"
            self._run(f"CREATE TEMP TABLE {name} AS WITH {self._ctes} {self._select}")
            self._table = name

    def customers(self) -> list[str]:
        """The cleaned IDs of the customers with orders, in the order they first appear."""
        rows = self._run(self._over("SELECT c, MIN(rn) FROM crm_all GROUP BY c ORDER BY MIN(rn)"))
        return [self.ids[int(c)] for c, _ in rows]

    def after(self, today: int) -> tuple[np.ndarray, np.ndarray]:
        """The orders dated after day ``today``, in the order of their first lines: each first
        line's place in the table (0-based) and the order's day."""
        rows = self._run(self._over(f"SELECT rn, d FROM crm_all WHERE d > {int(today)} ORDER BY rn"))
        return (np.array([int(r[0]) - 1 for r in rows], dtype=np.int64), np.array([int(r[1]) for r in rows],
                                                                                   dtype=np.int64))

    def facts(self, ids: pd.Index, today: int) -> EngineFacts:
        """The order facts of the orders up to day ``today`` for the customer universe ``ids``."""
        rank_of = {v: k for k, v in enumerate(self.ids[:-1]) if v is not None and v == v}
        keys = np.array([rank_of.get(v, None) for v in ids.to_numpy(dtype=object)], dtype=object)
        all_orders = f"crm_all AS (SELECT * FROM {self._table})" if self._table else \
            f"{self._ctes}, crm_all AS ({self._select})"
        return EngineFacts(self._run, (all_orders, f"SELECT * FROM crm_all WHERE d <= {int(today)}"), len(ids),
                           today, _CodesOfRanks(ids, self.ids), keys, labels=self.labels,
                           fast=self.plan.d.name == "duckdb")


class _CodesOfRanks:
    """Customer codes (positions in ``ids``) of customer ranks (positions in ``texts``, the
    cleaned IDs); a class, not a closure, so that the facts can be pickled."""

    def __init__(self, ids: pd.Index, texts) -> None:
        self.ids, self.texts = ids, pd.Index(np.asarray(texts, dtype=object), dtype="str")

    def __call__(self, ranks: list) -> np.ndarray:
        codes = self.ids.get_indexer(self.texts[np.asarray(ranks, dtype=np.int64)])
        if (codes < 0).any():  # (every customer with orders is in the analysis: prepare puts them there)
            raise AssertionError("a customer the engine holds orders of is not in the analysis's customers")
        return codes
