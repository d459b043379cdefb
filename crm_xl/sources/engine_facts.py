"""The order facts answered by the engine (issue 19 item 2): :class:`EngineFacts`.

:class:`crm_xl.core.order_facts.ArrayFacts` answers the analysis's questions about the orders
(orders and amount per customer over a period, purchase-day summaries, median gaps, first
orders, per-month totals, new products' buyers, totals per customer and product, owner or
campaign, day windows of given customers) from per-order arrays in memory. :class:`EngineFacts`
answers the same questions with one SQL query each, over a relation of the orders held in the
engine, so what reaches Python is one row per customer, per month or per group -- never an
order. The numbers are the same to the last bit:

* counts, days and the median gaps (the middle one or two gaps, averaged) are integers;
* money is added up in whole units of the orders' fewest decimals
  (:func:`crm_xl.core.order_facts.money_unit`, found by one query here): ``SUM(ROUND(a * scale))``
  of doubles whose every partial sum stays below 2**53 is exact in any order, and Python divides
  by the scale as :class:`ArrayFacts` does.

The relation (SQL text, a sub-query) has one row per order (purchases only, lines already
merged into orders, dated up to the analysis date) and the columns:

* ``c`` the customer's key as the engine holds it, ``d`` the day number (days since
  1970-01-01), ``a`` the amount (a double), ``p`` the profit (NULL: unknown), ``pm`` 1 for an
  order bought at a discount or in a campaign (else 0), ``rn`` the order's place in the table
  (the first of a day's orders is the one with the least ``rn``);
* ``product``, ``owner``, ``campaign`` for those of :data:`~crm_xl.core.order_facts.LABELS` the
  orders have: texts (NULL where missing), or ranks into a list of texts given with them (-1, or
  a rank whose text is missing: missing).

Customer keys are turned into customer codes by ``codes_of`` (a function of the distinct keys a
query returned: the cleaning's normalisation, in Python, per customer) and back by ``keys``
(the key of each code, for queries about given customers).

The SQL is plain: GROUP BY, CASE, window functions (``MIN`` / ``ROW_NUMBER`` / ``LAG`` over a
partition), a ``WITH v(...) AS (VALUES ...)`` list; no date functions (months are day ranges
computed here) and no median function (the middle rows by ``ROW_NUMBER``). It runs as written
in DuckDB, SQLite and PostgreSQL.
"""

from __future__ import annotations

__all__ = ["EngineFacts"]

import os
from collections.abc import Callable, Mapping, Sequence
from functools import cached_property

import numpy as np

from ..core.order_facts import LABELS, MAX_DECIMALS, NO_DAY, DaySummary, GroupTotals, OrderFacts, money_unit

Rows = list[tuple]


def _lit(v) -> str:
    """A SQL literal of a text or a whole number."""
    if isinstance(v, str):
        return "'" + v.replace("'", "''") + "'"
    return str(int(v))


class EngineFacts(OrderFacts):
    """The order facts of ``relation`` (see module docstring), asked with ``run(sql) -> rows``.

    Parameters
    ----------
    run : callable
        Runs a query, returns its rows (tuples).
    relation : str
        The orders as a sub-query (columns in the module docstring).
    n : int
        Customers in the universe (codes 0..n-1).
    today : int
        The analysis date's day number.
    codes_of : callable
        Customer codes (an int array) of a list of keys as the relation holds them.
    keys : sequence
        The key of each customer code (index: the code).
    labels : sequence of str, or mapping
        The labels (:data:`~crm_xl.core.order_facts.LABELS`) the relation has columns for;
        a mapping gives each label's texts where its column holds ranks into them (None: texts).
    fast : bool
        DuckDB: its ``arg_min`` and ``median`` aggregates where the plain SQL needs window
        functions (the same answers, several times faster on ten million orders).
    """

    def __init__(self, run: Callable[[str], Rows], relation: "str | tuple[str, str]", n: int, today: int,
                 codes_of: Callable[[list], np.ndarray], keys: Sequence,
                 labels: "Sequence[str] | Mapping[str, np.ndarray | None]" = (), fast: bool = False) -> None:
        self._run: Callable[[str], Rows] | None = run
        self._pid = os.getpid()
        # the relation as common table expressions (where it has some) and a SELECT, given to every
        # query as ``WITH <its expressions>, crm_p AS (<the SELECT>)``: one WITH at the top (engines
        # such as Spark refuse a WITH nested in a sub-query as sqlglot carries it over)
        self._ctes, self._select = (relation if isinstance(relation, tuple) else ("", relation))
        self._rel = "crm_p"
        self.n, self.today = int(n), int(today)
        self._codes_of, self._keys = codes_of, keys
        self._fast = fast
        given = labels if isinstance(labels, Mapping) else dict.fromkeys(labels)
        self._labels = {k: v for k, v in given.items() if k in LABELS}
        checks = ", ".join(f"MIN(CASE WHEN v IS NULL OR ROUND(v * {10 ** k}) / {10 ** k} = v THEN 1 ELSE 0 END)"
                           for k in range(MAX_DECIMALS + 1))
        row = self._query(f"SELECT {checks}, SUM(ABS(v)), COUNT(*) FROM (SELECT a AS v FROM {self._rel} UNION ALL "
                        f"SELECT p AS v FROM {self._rel}) AS crm_v")[0]
        writes = [k for k in range(MAX_DECIMALS + 1) if row[k] in (1, None)]
        self.scale, self._exact = money_unit(writes[0] if writes else None, float(row[MAX_DECIMALS + 1] or 0.0))
        # money in units: whole numbers where exact (ROUND of a value k decimals write is exact)
        self._u = f"ROUND(a * {self.scale:.0f})" if self._exact else "a"
        self._pu = f"ROUND(p * {self.scale:.0f})" if self._exact else "p"

    # ------------------------------------------------------------------------------------

    def _query(self, sql: str, more: str = "") -> Rows:
        """The rows of ``sql`` (reading the relation as ``crm_p``; ``more``: further common table
        expressions), asked of the engine; only in the process that opened the source (a forked
        child or an unpickled copy has no connection: it raises, and the caller computes the
        value itself, :mod:`crm_xl.beside`)."""
        if self._run is None or os.getpid() != self._pid:
            raise RuntimeError("the engine holding the orders is asked only by the process that opened it")
        ctes = [x for x in (self._ctes, f"crm_p AS ({self._select})", more) if x]
        return self._run(f"WITH {', '.join(ctes)} {sql}")

    def __getstate__(self) -> dict:
        """Pickled without the connection (the answers given so far go along)."""
        state = dict(self.__dict__)
        state["_run"] = None
        return state

    def _text(self, label: str, value) -> str | None:
        """The text of a label's value as the relation holds it (None: missing)."""
        texts = self._labels[label]
        if texts is None:
            return None if value is None else str(value)
        if value is None or int(value) < 0:
            return None
        v = texts[int(value)]
        return None if v is None or v != v else str(v)

    def _present(self, label: str) -> str:
        """SQL: the order has a value of ``label``."""
        texts = self._labels[label]
        if texts is None:
            return f"{label} IS NOT NULL"
        missing = [k for k, v in enumerate(texts) if v is None or v != v]
        return f"{label} >= 0" + (f" AND {label} NOT IN ({', '.join(map(str, missing))})" if missing else "")

    def _values(self, label: str, names: list[str]) -> list:
        """The values the relation holds for the texts ``names`` of ``label``."""
        texts = self._labels[label]
        if texts is None:
            return list(names)
        wanted = set(names)
        return [k for k, v in enumerate(texts) if v is not None and v == v and str(v) in wanted]

    def _per_customer(self, sql: str, columns: int) -> list[np.ndarray]:
        """The rows of ``sql`` (``c`` then ``columns`` numbers) as arrays of length ``n``
        (0 where a customer has no row)."""
        rows = self._query(sql)
        out = [np.zeros(self.n) for _ in range(columns)]
        if rows:
            codes = self._codes_of([r[0] for r in rows])
            for j in range(columns):
                out[j][codes] = np.array([r[j + 1] for r in rows], dtype=float)
        return out

    def _money(self, units: np.ndarray) -> np.ndarray:
        return units / self.scale

    @property
    def size(self) -> int:
        """The number of orders."""
        return int(self._base[4])

    @cached_property
    def _base(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
        rows = self._query(f"SELECT c, COUNT(*), SUM({self._u}), MIN(d), MAX(d) FROM {self._rel} GROUP BY c")
        count, total = np.zeros(self.n), np.zeros(self.n)
        first, last = np.full(self.n, NO_DAY, dtype=np.int64), np.full(self.n, NO_DAY, dtype=np.int64)
        if rows:
            codes = self._codes_of([r[0] for r in rows])
            count[codes] = [r[1] for r in rows]
            total[codes] = [r[2] for r in rows]
            first[codes] = [r[3] for r in rows]
            last[codes] = [r[4] for r in rows]
        return count, self._money(total), first, last, int(count.sum())

    @property
    def count(self) -> np.ndarray:
        """Orders per customer."""
        return self._base[0]

    @property
    def total(self) -> np.ndarray:
        """Amount per customer."""
        return self._base[1]

    @property
    def first_day(self) -> np.ndarray:
        return self._base[2]

    @property
    def last_day(self) -> np.ndarray:
        return self._base[3]

    # ------------------------------------------------------------------------------------
    # per customer, over a period

    def _between(self, start_excl: int, end_incl: int | None) -> list[np.ndarray]:
        """Orders, amount, promotions, known profit and the amount of those orders per customer in
        the period: one query for the four questions, asked once, read-only."""
        end = self.today if end_incl is None else int(end_incl)

        def make() -> list[np.ndarray]:
            where = f"d > {int(start_excl)}" if start_excl > NO_DAY else "1 = 1"
            if end < self.today:
                where += f" AND d <= {end}"
            orders, amount, promo, profit, known = self._per_customer(
                f"SELECT c, COUNT(*), SUM({self._u}), SUM(pm), SUM(CASE WHEN p IS NOT NULL THEN {self._pu} ELSE 0 END), "
                f"SUM(CASE WHEN p IS NOT NULL THEN {self._u} ELSE 0 END) FROM {self._rel} WHERE {where} GROUP BY c", 5)
            return [orders, self._money(amount), promo, self._money(profit), self._money(known)]
        return self._memo(("between", int(start_excl), end), make, read_only=True)

    def orders_between(self, start_excl: int, end_incl: int | None = None) -> np.ndarray:
        return self._between(start_excl, end_incl)[0]

    def amount_between(self, start_excl: int, end_incl: int | None = None) -> np.ndarray:
        return self._between(start_excl, end_incl)[1]

    def promo_between(self, start_excl: int, end_incl: int | None = None) -> np.ndarray:
        return self._between(start_excl, end_incl)[2]

    def profit_between(self, start_excl: int, end_incl: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        got = self._between(start_excl, end_incl)
        return got[3], got[4]

    # ------------------------------------------------------------------------------------
    # purchase days

    @property
    def _days(self) -> str:
        """One row per customer and purchase day: ``c, d, u`` (the day's total in units)."""
        return f"(SELECT c, d, SUM({self._u}) AS u FROM {self._rel} GROUP BY c, d) AS crm_days"

    def forget(self) -> None:
        """(Nothing held per purchase day.)"""

    def day_summary(self, end_day: int | None = None) -> DaySummary:
        end = self.today if end_day is None or end_day >= self.today else int(end_day)
        return self._memo(("days", end), lambda: self._day_summary(end))

    def _day_summary(self, end_day: int) -> DaySummary:
        where = "" if end_day >= self.today else f" WHERE d <= {int(end_day)}"
        if self._fast:  # (DuckDB: the first day's total by arg_min, one aggregation instead of a window)
            rows = self._query(f"SELECT c, COUNT(*), MIN(d), MAX(d), SUM(u) - arg_min(u, d) FROM {self._days}{where} "
                               f"GROUP BY c")
        else:
            rows = self._query(f"SELECT c, COUNT(*), MIN(d), MAX(d), SUM(CASE WHEN d > fd THEN u ELSE 0 END) FROM "
                               f"(SELECT c, d, u, MIN(d) OVER (PARTITION BY c) AS fd FROM {self._days}{where}) AS crm_s "
                               f"GROUP BY c")
        if not rows:
            none = np.zeros(0, dtype=np.int64)
            return DaySummary(none.astype(np.int32), none, none, none, np.zeros(0))
        codes = self._codes_of([r[0] for r in rows])
        o = np.argsort(codes, kind="stable")
        col = (lambda j, kind: np.array([r[j] for r in rows], dtype=kind)[o])
        return DaySummary(codes[o], col(1, np.int64), col(2, np.int64), col(3, np.int64),
                          self._money(col(4, float)))

    def days_between(self, start_excl: int, end_incl: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        return self._memo(("days_between", int(start_excl), end_incl), lambda: self._days_between(start_excl, end_incl))

    def _days_between(self, start_excl: int, end_incl: int | None) -> tuple[np.ndarray, np.ndarray]:
        where = f"d > {int(start_excl)}"
        if end_incl is not None and end_incl < self.today:
            where += f" AND d <= {int(end_incl)}"
        n, units = self._per_customer(f"SELECT c, COUNT(*), SUM(u) FROM {self._days} WHERE {where} GROUP BY c", 2)
        return n, self._money(units)

    @cached_property
    def median_gap_days(self) -> np.ndarray:
        days = f"(SELECT DISTINCT c, d FROM {self._rel}) AS crm_days"
        gaps = f"SELECT c, d - LAG(d) OVER (PARTITION BY c ORDER BY d) AS g FROM {days}"
        if self._fast:  # (DuckDB: its median, the mean of the two middle gaps of an even count)
            rows = self._query(f"SELECT c, median(g) FROM ({gaps}) AS crm_g WHERE g IS NOT NULL GROUP BY c")
        else:
            ranked = (f"SELECT c, g, ROW_NUMBER() OVER (PARTITION BY c ORDER BY g) AS r, "
                      f"COUNT(*) OVER (PARTITION BY c) AS k FROM ({gaps}) AS crm_g WHERE g IS NOT NULL")
            rows = self._query(f"SELECT c, AVG(g) FROM ({ranked}) AS crm_r WHERE 2 * r >= k AND 2 * r <= k + 2 "
                               f"GROUP BY c")
        out = np.full(self.n, np.nan)
        if rows:
            out[self._codes_of([r[0] for r in rows])] = [float(r[1]) for r in rows]
        return out

    def first_orders(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        return self._memo(("first_orders",), self._first_orders)

    def _first_orders(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        if self._fast:  # (DuckDB: the first order by arg_min over (day, place), joined back for the second day)
            first = (f"SELECT c, MIN(d) AS fd, arg_min({self._u}, CAST(d AS BIGINT) * 4294967296 + rn) AS fu "
                     f"FROM {self._rel} GROUP BY c")
            rows = self._query(f"SELECT crm_f.c, MIN(fd), MIN(fu), MIN(CASE WHEN crm_p.d > fd THEN crm_p.d END) "
                               f"FROM ({first}) AS crm_f JOIN {self._rel} ON crm_p.c = crm_f.c GROUP BY crm_f.c")
        else:
            ranked = (f"SELECT c, d, {self._u} AS u, MIN(d) OVER (PARTITION BY c) AS fd, "
                      f"ROW_NUMBER() OVER (PARTITION BY c ORDER BY d, rn) AS k FROM {self._rel}")
            rows = self._query(f"SELECT c, MIN(fd), MAX(CASE WHEN k = 1 THEN u END), MIN(CASE WHEN d > fd THEN d END) "
                               f"FROM ({ranked}) AS crm_f GROUP BY c")
        if not rows:
            none = np.zeros(0, dtype=np.int64)
            return none, none, np.zeros(0), none, none
        codes = self._codes_of([r[0] for r in rows])
        o = np.argsort(codes, kind="stable")
        codes = codes[o]
        first = np.array([r[1] for r in rows], dtype=np.int64)[o]
        amount = self._money(np.array([r[2] for r in rows], dtype=float)[o])
        second = np.array([NO_DAY if r[3] is None else r[3] for r in rows], dtype=np.int64)[o]
        again = second != NO_DAY
        return codes, first, amount, codes[again], second[again]

    def window_totals(self, code: np.ndarray, windows: list[tuple[np.ndarray, np.ndarray]]
                      ) -> list[tuple[np.ndarray, np.ndarray]]:
        out = []
        for lo, hi in windows:
            cnt, amt = np.zeros(len(code)), np.zeros(len(code))
            rows_sql = [f"({i}, {_lit(self._keys[c])}, {int(a)}, {int(b)})"
                        for i, (c, a, b) in enumerate(zip(code, lo, hi, strict=True))
                        if b > a and 0 <= c < self.n and self._keys[c] is not None]
            for part in range(0, len(rows_sql), 5000):
                got = self._query(f"SELECT crm_w.i, COUNT(*), SUM({self._u}) FROM crm_w JOIN {self._rel} "
                                  f"ON crm_p.c = crm_w.c AND crm_p.d >= crm_w.lo AND crm_p.d < crm_w.hi GROUP BY crm_w.i",
                                  more=f"crm_w(i, c, lo, hi) AS (VALUES {', '.join(rows_sql[part:part + 5000])})")
                for i, n, u in got:
                    cnt[i], amt[i] = n, u
            out.append((cnt, self._money(amt)))
        return out

    # ------------------------------------------------------------------------------------
    # per group

    def monthly(self, first_month: int, months: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        return self._memo(("monthly", int(first_month), int(months)), lambda: self._monthly(first_month, months))

    def _monthly(self, first_month: int, months: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        starts = (np.arange(first_month, first_month + months + 1).astype("datetime64[M]").astype("datetime64[D]")
                  .astype(np.int64))
        month = "CASE " + " ".join(f"WHEN d < {int(starts[k + 1])} THEN {k}" for k in range(months)) + " END"
        start_of = "CASE m " + " ".join(f"WHEN {k} THEN {int(starts[k])}" for k in range(months)) + " END"
        per_pair = (f"SELECT c, {month} AS m, COUNT(*) AS n, SUM({self._u}) AS u FROM {self._rel} "
                    f"WHERE d >= {int(starts[0])} GROUP BY c, {month}")
        first = f"SELECT c, MIN(d) AS fd FROM {self._rel} GROUP BY c"
        rows = self._query(f"SELECT m, SUM(n), SUM(u), COUNT(*), SUM(CASE WHEN fd < {start_of} THEN 1 ELSE 0 END) "
                         f"FROM ({per_pair}) AS crm_m JOIN ({first}) AS crm_first ON crm_m.c = crm_first.c "
                         f"WHERE m IS NOT NULL GROUP BY m")
        orders, units, active, returning = (np.zeros(months) for _ in range(4))
        for m, n, u, a, r in rows:
            orders[m], units[m], active[m], returning[m] = n, u, a, r
        return orders, self._money(units), active, returning

    def new_products(self, since: int) -> tuple[list[str], np.ndarray]:
        if "product" not in self._labels:
            return [], np.zeros(self.n)
        first = f"SELECT product, MIN(d) AS fs FROM {self._rel} WHERE {self._present('product')} GROUP BY product"
        names = sorted({self._text("product", r[0]) for r in  # type: ignore[type-var]
                        self._query(f"SELECT product FROM ({first}) AS crm_fs WHERE fs >= {int(since)}")})
        if not names:
            return [], np.zeros(self.n)
        (bought,) = self._per_customer(f"SELECT crm_p.c, COUNT(*) FROM {self._rel} JOIN ({first}) AS crm_fs "
                                       f"ON crm_p.product = crm_fs.product WHERE fs >= {int(since)} GROUP BY crm_p.c", 1)
        return names, bought

    def label_names(self, label: str) -> np.ndarray:
        if label not in self._labels:
            return np.zeros(0, dtype=object)
        def make() -> np.ndarray:
            rows = self._query(f"SELECT DISTINCT {label} FROM {self._rel} WHERE {self._present(label)}")
            return np.array(sorted({self._text(label, r[0]) for r in rows}), dtype=object)  # type: ignore[type-var]
        return self._memo(("names", label), make)

    def totals_by(self, label: str | None, lo: int, hi: int, *, customers: np.ndarray | None = None,
                  only: "int | list[int] | None" = None) -> GroupTotals:
        where = [f"d >= {int(lo)}" if lo > NO_DAY else "1 = 1", f"d < {int(hi)}"]
        if customers is not None:
            chosen = sorted({int(c) for c in np.asarray(customers) if 0 <= c < self.n and self._keys[int(c)] is not None})
            if not chosen:
                return GroupTotals.none()
            where.append(f"c IN ({', '.join(_lit(self._keys[c]) for c in chosen)})")
        names = self.label_names(label) if label else np.zeros(0, dtype=object)
        has = label is not None and label in self._labels
        if label is not None and only is not None:
            picked = [names[k] for k in np.atleast_1d(only) if 0 <= k < len(names)]
            if not picked:
                return GroupTotals.none()
            values = self._values(label, [str(v) for v in picked])
            if not values:
                return GroupTotals.none()
            where.append(f"{label} IN ({', '.join(_lit(v) for v in values)})")
        group = f"c, {label}" if has else "c"
        rows = self._query(f"SELECT {group}, COUNT(*), SUM({self._u}) FROM {self._rel} WHERE {' AND '.join(where)} "
                         f"GROUP BY {group}")
        if not rows:
            return GroupTotals.none()
        codes = self._codes_of([r[0] for r in rows])
        if has:
            at = {v: k for k, v in enumerate(names)}
            lab = np.array([at.get(self._text(label, r[1]), -1) for r in rows], dtype=np.int64)
        else:  # (no such label: every order's is missing; no label asked: -1 packs the pair, 0 is returned)
            lab = np.full(len(rows), -1, dtype=np.int64)
        j = 2 if has else 1
        orders, units = np.array([r[j] for r in rows], dtype=float), np.array([r[j + 1] for r in rows], dtype=float)
        # (customer, label) pairs sorted; values that are one text here (a missing one) made one pair
        width = len(names) + 1
        pairs, at_pair = np.unique(codes.astype(np.int64) * width + lab + 1, return_inverse=True)
        at_pair = at_pair.ravel()
        return GroupTotals(pairs // width, pairs % width - 1 if label is not None else pairs * 0,
                           np.bincount(at_pair, orders, pairs.size), self._money(np.bincount(at_pair, units, pairs.size)))
