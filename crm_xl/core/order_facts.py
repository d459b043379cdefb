"""What the analysis reads about the orders: totals per customer and per group, never an order.

Every analysis module (RFM, KPIs, tags, churn, trends, insights, layer problems, segments,
the CLV inputs, activation, effect tracking) asks :class:`ArrayFacts` for what it needs --
orders and amounts per customer over a period, first and last purchase days, the usual gap
between purchase days, the purchase-day summary of the CLV models, per-month totals, the buyers
of new products, first and second orders, sums over a customer's day window -- instead of
reading order arrays itself. That is the door issue 19 (item 2) needs: an engine can give the
same per-customer and per-group rows from the data where it lives (a database, a warehouse),
and nothing above this class would notice, so only those rows reach Python.

:class:`ArrayFacts` computes them from the in-memory analysis's per-order arrays (orders up to
the analysis date with a known customer and amount; see :class:`crm_xl.core.prepared.Prepared`):
``np.bincount`` on integer customer codes, one stable sort by customer and day shared by the
purchase days, the median gaps and the first orders. Per-customer arrays have the length of the
customer universe (``n``); results asked for twice are computed once and read-only.

Days are day numbers (days since 1970-01-01); a period is ``start_excl < day <= end_incl``
(``end_incl`` defaults to the analysis date's day), as the settings' "last N months" mean it.

Money is added up exactly. The cleaning rounds every amount to at most 6 decimals, so the
amounts (and profits) are whole numbers of a unit of 10**-k (:func:`money_scale`: the fewest
decimals k that write them all; cents for most exports); sums of whole numbers below 2**53 are
exact in float64 whatever the order of the additions, so every total (per customer, per
month, over a window, the CLV's purchase-day totals) is the float nearest the exact decimal
sum. That is what lets an engine, adding in its own order, give the same totals as numpy
here to the last bit; it also spares users ``0.30000000000000004``. Data beyond that (amounts
with more than 6 decimals, totals above ~4.5e15 units) is added up as floats, as before.
"""

from __future__ import annotations

__all__ = ["ArrayFacts", "DaySummary", "GroupTotals", "LABELS", "MAX_DECIMALS", "NO_DAY", "OrderFacts", "money_scale",
           "money_unit", "month_index", "prefix_sums", "range_sums"]

from collections.abc import Mapping
from functools import cached_property
from typing import NamedTuple

import numpy as np

from .codes import stable_argsort

NO_DAY = np.iinfo(np.int64).min  # a customer without a purchase: its first / last day
# the orders' texts the analysis groups by, and the orders column each is read from
LABEL_COLUMNS = {"product": "product", "owner": "owner", "campaign": "campaign_id"}
LABELS = tuple(LABEL_COLUMNS)


class GroupTotals(NamedTuple):
    """Orders and amount per (customer, label) pair with orders: the customer's code, the
    label's code (-1: missing; 0 without a label), sorted by customer, then label."""

    customer: np.ndarray
    label: np.ndarray
    orders: np.ndarray
    amount: np.ndarray

    @classmethod
    def none(cls) -> "GroupTotals":
        """No pair (no order in the selection)."""
        return cls(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0))


class DaySummary(NamedTuple):
    """Per customer with a purchase day up to some day, in customer-code order: the code,
    the number of distinct purchase days, the first and last of them, and the total of the
    purchase days after the first (the lifetimes summary's inputs)."""

    codes: np.ndarray
    days: np.ndarray
    first: np.ndarray
    last: np.ndarray
    repeat_amount: np.ndarray


MAX_DECIMALS = 6  # the cleaning rounds every order's amount to 6 decimals
_EXACT_UNITS = 2.0 ** 52  # sums of whole numbers below 2**53 are exact in float64 (a margin for the bound)


def money_scale(*columns: np.ndarray) -> tuple[float, bool]:
    """The money unit of the orders (see module docstring): ``(scale, exact)``.

    ``scale`` is 10**k for the fewest decimals k (0-6) that write every value of ``columns``
    (NaN: unknown, skipped); ``exact`` says that in units of 1 / scale every value is a whole
    number and the sum of all of them stays below 2**52, so any sum of them, in any order, is
    exact. Otherwise (values with more decimals, or totals that large) ``(1.0, False)``: money
    is added up as floats."""
    values = [v[~np.isnan(v)] for v in columns if v.size and not (v.strides == (0,) and np.isnan(v[0]))]
    if not values or not sum(v.size for v in values):
        return float(10 ** 2), True
    probe = np.concatenate([v[:1000] for v in values])
    for k in range(MAX_DECIMALS + 1):
        scale = float(10 ** k)
        if not _writes(probe, scale):
            continue  # (a few values decide where to start; every value confirms)
        if all(_writes(v, scale) for v in values):
            return money_unit(k, sum(float(np.abs(v).sum()) for v in values))
    return money_unit(None, 0.0)


def money_unit(decimals: int | None, total_abs: float) -> tuple[float, bool]:
    """:func:`money_scale` from what an engine found: the fewest decimals (0-6) that write every
    value (None: none does) and the sum of the values' magnitudes."""
    if decimals is None:
        return 1.0, False
    scale = float(10 ** decimals)
    return (scale, True) if total_abs * scale < _EXACT_UNITS else (1.0, False)


def _writes(values: np.ndarray, scale: float) -> bool:
    """Every value is a whole number of 1 / scale (to the float nearest it)."""
    return bool((np.rint(values * scale) / scale == values).all())


def _units(values: np.ndarray, scale: float, exact: bool) -> np.ndarray:
    """``values`` in units of 1 / scale: whole numbers where ``exact`` (NaN stays NaN; an
    all-unknown column shared read-only stays so)."""
    if not exact or (values.size and values.strides == (0,) and np.isnan(values[0])):
        return values
    return np.rint(values * scale)


def prefix_sums(v: np.ndarray) -> np.ndarray:
    """0, then the running sums of ``v`` (``np.concatenate([[0.0], np.cumsum(v)])`` made in one array)."""
    c = np.empty(v.size + 1, dtype=float)
    c[0] = 0.0
    np.cumsum(v, dtype=float, out=c[1:])
    return c


def _prefix_sums_taken(v: np.ndarray, rows: np.ndarray, chunk: int = 1 << 20) -> np.ndarray:
    """``prefix_sums(v[rows])`` made without ``v[rows]``, a chunk of rows at a time (each
    chunk's first value adds the sum so far, so the sums are those of one running sum)."""
    c = np.empty(rows.size + 1, dtype=float)
    c[0] = 0.0
    for i in range(0, rows.size, chunk):
        j = min(i + chunk, rows.size)
        part = v[rows[i:j]].astype(float, copy=False)
        if i:
            part[0] += c[i]
        np.cumsum(part, dtype=float, out=c[i + 1:j + 1])
    return c


def range_sums(key: np.ndarray, prefixes: list[np.ndarray], lo: np.ndarray, hi: np.ndarray) -> list[np.ndarray]:
    """Sums over ``lo <= key < hi`` (``key`` sorted) of each array whose :func:`prefix_sums` are
    ``prefixes`` (computed once for several windows); first: counts."""
    a = np.searchsorted(key, lo, side="left")
    b = np.searchsorted(key, hi, side="left")
    return [(b - a).astype(float), *(c[b] - c[a] for c in prefixes)]


def _first_day_by_code(codes: np.ndarray, days: np.ndarray, n: int) -> np.ndarray:
    """Earliest of ``days`` per code 0..n-1 (int64 max where a code has none; codes < 0
    are skipped): ``np.minimum.at``, or for few codes over a short span of days a count
    per (code, day) and the first day counted (faster than ``ufunc.at`` on 1M orders)."""
    first = np.full(n, np.iinfo(np.int64).max)
    known = codes >= 0
    if not known.all():
        codes, days = codes[known], days[known]
    if codes.size == 0:
        return first
    d0 = int(days.min())
    span = int(days.max()) - d0 + 1
    if n * span > 1 << 24:
        np.minimum.at(first, codes, days)
        return first
    cell = (codes * span + (days - d0)).astype(np.intp)  # (below 2**24; bincount wants np.intp: 32-bit in wasm32)
    seen = np.bincount(cell, minlength=n * span).reshape(n, span) > 0
    has = seen.any(axis=1)
    first[has] = d0 + seen[has].argmax(axis=1)
    return first


def month_index(days: np.ndarray) -> np.ndarray:
    """Months since 1970-01 of day numbers (days since 1970-01-01); no missing days."""
    if days.size > 1000:
        lo, hi = int(days.min()), int(days.max())
        if hi - lo < days.size:  # month of each day in the range once, then a lookup
            lut = np.arange(lo, hi + 1).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
            return lut[days - lo]
    return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


class OrderFacts:
    """What both kinds of order facts share: the customer universe (``n`` codes), the analysis
    date's day number ``today``, the money unit (``scale``, exact or not) and how money the
    facts gave is added up (:meth:`add`). The questions (:class:`ArrayFacts`'s methods) are
    answered by :class:`ArrayFacts` in memory and by :class:`crm_xl.sources.engine_facts.EngineFacts`
    in the engine, with the same numbers."""

    n: int
    today: int
    scale: float
    _exact: bool

    @cached_property
    def has_orders(self) -> np.ndarray:
        return self.count > 0

    @property
    def count(self) -> np.ndarray:  # (the implementations compute it)
        raise NotImplementedError

    def _memo(self, key: tuple, make, *, read_only: bool = False):
        """``make()``, computed once per ``key`` (asked again -- or, of the engine's facts, by a
        CLV child -- the same answer); ``read_only``: its arrays can no longer be written."""
        cache = self.__dict__.setdefault("_cache", {})
        if key not in cache:
            out = make()
            if read_only:
                for a in (out if isinstance(out, (tuple, list)) else (out,)):
                    a.flags.writeable = False
            cache[key] = out
        return cache[key]

    def add(self, amounts: np.ndarray) -> float:
        """The total of money amounts these facts gave (per customer or group): added in whole
        units, so exact and in any order the same (floats added where money is not exact)."""
        a = np.asarray(amounts, dtype=float)
        if not self._exact:
            return float(a.sum())
        return float(np.rint(a * self.scale).sum() / self.scale)


class ArrayFacts(OrderFacts):
    """The order facts of an in-memory analysis, from per-order arrays (see module docstring).

    Parameters
    ----------
    n : int
        Customers in the universe (codes 0..n-1).
    today : int
        The analysis date's day number; every order is dated on or before it.
    code, day, amount, profit, promo : arrays
        Per order: the customer's code, the day number (both ``np.int32``, or 64-bit codes
        from 2**31 customers), the amount, the profit (NaN unknown), bought at a discount or
        in a campaign.
    labels : mapping
        ``product``, ``owner``, ``campaign`` (each optional) -> (per order a code into the
        texts, -1 where missing; the distinct texts, an object array). A label without texts
        is left out (:meth:`label_names` gives no names).
    """

    def __init__(self, n: int, today: int, code: np.ndarray, day: np.ndarray, amount: np.ndarray,
                 profit: np.ndarray, promo: np.ndarray,
                 labels: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None) -> None:
        self.n, self.today = int(n), int(today)
        self.code, self.day, self.promo = code, day, promo
        # (a label no order has is left out: no array per order for it)
        self.labels = {k: v for k, v in (labels or {}).items() if k in LABELS and len(v[1])}
        self.scale, exact = money_scale(amount, profit)
        self._exact = exact
        # the money in units of 1 / scale (whole numbers where exact; NaN: an unknown profit)
        self._amount, self._profit = (_units(amount, self.scale, exact), _units(profit, self.scale, exact))
        self._windows: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}

    @property
    def size(self) -> int:
        """The number of orders."""
        return int(self.code.size)

    def _count(self, codes: np.ndarray) -> np.ndarray:
        return np.bincount(codes, minlength=self.n).astype(float)

    def _sum(self, codes: np.ndarray, units: np.ndarray, minlength: int | None = None) -> np.ndarray:
        """Money per code (customer, or ``minlength`` groups): whole units added up, then divided."""
        # (divided into a new float array: bincount gives integers when there is nothing to add)
        return np.bincount(codes, weights=units, minlength=self.n if minlength is None else minlength) / self.scale

    @property
    def amount(self) -> np.ndarray:
        """Each order's amount (a new array)."""
        return self._amount / self.scale

    @property
    def profit(self) -> np.ndarray:
        """Each order's profit, NaN where unknown (a new array)."""
        return self._profit / self.scale

    # ------------------------------------------------------------------------------------
    # per customer, all time
    # ------------------------------------------------------------------------------------

    @cached_property
    def count(self) -> np.ndarray:
        """Orders per customer."""
        return self._count(self.code)

    @cached_property
    def total(self) -> np.ndarray:
        """Amount per customer."""
        return self._sum(self.code, self._amount)

    @cached_property
    def first_day(self) -> np.ndarray:
        """Day of each customer's first order (:data:`NO_DAY` when none)."""
        out = np.full(self.n, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(out, self.code, self.day)
        out[out == np.iinfo(np.int64).max] = NO_DAY
        return out

    @cached_property
    def last_day(self) -> np.ndarray:
        """Day of each customer's last order (:data:`NO_DAY` when none)."""
        out = np.full(self.n, NO_DAY, dtype=np.int64)
        np.maximum.at(out, self.code, self.day)
        return out

    # ------------------------------------------------------------------------------------
    # per customer, over a period
    # ------------------------------------------------------------------------------------

    def _window(self, start_excl: int, end_incl: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The orders with ``start_excl < day <= end_incl``: a boolean mask over the orders and
        their customer codes. Computed once per period (the KPI, tag, churn and diagnosis
        periods coincide by default); read-only."""
        end = self.today if end_incl is None else int(end_incl)
        key = (int(start_excl), end)
        if key not in self._windows:
            m = self.day > start_excl
            if end < self.today:  # (every order is dated up to today)
                m &= self.day <= end
            codes = self.code[m]
            m.flags.writeable = codes.flags.writeable = False
            self._windows[key] = (m, codes)
        return self._windows[key]

    def _once(self, what: str, start_excl: int, end_incl: int | None, make):
        """A per-period answer, computed once, read-only."""
        return self._memo((what, int(start_excl), self.today if end_incl is None else int(end_incl)), make,
                          read_only=True)

    def orders_between(self, start_excl: int, end_incl: int | None = None) -> np.ndarray:
        """Orders per customer in the period; read-only."""
        return self._once("orders", start_excl, end_incl, lambda: self._count(self._window(start_excl, end_incl)[1]))

    def amount_between(self, start_excl: int, end_incl: int | None = None) -> np.ndarray:
        """Amount per customer in the period; read-only."""
        def make():
            m, codes = self._window(start_excl, end_incl)
            return self._sum(codes, self._amount[m])
        return self._once("amount", start_excl, end_incl, make)

    def promo_between(self, start_excl: int, end_incl: int | None = None) -> np.ndarray:
        """Orders per customer in the period bought at a discount or in a campaign; read-only."""
        return self._once("promo", start_excl, end_incl,
                          lambda: self._count(self.code[self._window(start_excl, end_incl)[0] & self.promo]))

    def profit_between(self, start_excl: int, end_incl: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Per customer in the period: the profit of the orders whose profit is known, and
        the amount of the same orders; read-only."""
        def make():
            m, codes = self._window(start_excl, end_incl)
            if np.isnan(self._profit[m]).any():
                known = m & ~np.isnan(self._profit)
                pc = self.code[known]
                return self._sum(pc, self._profit[known]), self._sum(pc, self._amount[known])
            # every profit known: the same orders as the amount
            return self._sum(codes, self._profit[m]), self.amount_between(start_excl, end_incl).copy()
        return self._once("profit", start_excl, end_incl, make)

    # ------------------------------------------------------------------------------------
    # purchase days (one per customer and day with an order)
    # ------------------------------------------------------------------------------------

    @cached_property
    def _customer_day_order(self) -> tuple[np.ndarray, int, int]:
        """(the orders' stable sort by customer and day packed in one non-negative key, the
        day's bits in the key, the first day): computed once for :attr:`_purchase_days`,
        :meth:`first_orders` and :meth:`window_totals` (the key itself is made again where
        needed, not held: 80 MB at ten million orders); the orders must not be empty."""
        d0 = int(self.day.min())
        bits = max(int(int(self.day.max()) - d0 + 1).bit_length(), 1)
        key = self._customer_day_key(bits, d0)
        order = stable_argsort(key, bits + max(int(self.n).bit_length(), 1))
        del key
        return order.astype(np.int32) if order.size < 2**31 else order, bits, d0  # (positions: 32 bits, as the codes)

    def _customer_day_key(self, bits: int, d0: int, rows: np.ndarray | None = None) -> np.ndarray:
        """Customer and day of the orders (``rows`` of them: all when None) packed in one key."""
        code, day = (self.code, self.day) if rows is None else (self.code[rows], self.day[rows])
        kind: type[np.signedinteger] = np.int32 if (int(self.n) << bits) < 2**31 else np.int64  # (32-bit where it fits)
        key: np.ndarray = code.astype(kind)
        key <<= bits
        key |= (day - d0).astype(kind, copy=False)
        return key

    def orders_by_customer_day(self) -> np.ndarray:
        """The positions of the orders sorted by customer code, then day, stable (orders of one
        customer and day in their order in the orders table); computed once, read-only."""
        if self.code.size == 0:
            return np.zeros(0, dtype=np.intp)
        order = self._customer_day_order[0]
        order.flags.writeable = False
        return order

    @cached_property
    def _purchase_days(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One row per (customer, purchase day), sorted by customer code, then day: codes,
        day numbers and the day's total amount in money units (1 / :attr:`scale`)."""
        if self.code.size == 0:
            return self.code[:0], self.day[:0], self._amount[:0]
        order, bits, d0 = self._customer_day_order
        key, amount = self._customer_day_key(bits, d0, order), self._amount[order]
        starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
        total = np.add.reduceat(amount, starts)
        key = key[starts]
        return (key >> bits).astype(self.code.dtype), ((key & ((1 << bits) - 1)) + d0).astype(np.int32), total

    def forget(self) -> None:
        """Let the purchase days go (ten million orders: ~150 MB) once the steps reading them
        (the CLV inputs, :attr:`median_gap_days`) are done; asked again, they are made again,
        the same."""
        self.__dict__.pop("_purchase_days", None)

    def day_summary(self, end_day: int | None = None) -> DaySummary:
        """The purchase days up to ``end_day`` (default: all) summarised per customer."""
        code, day, amount = self._purchase_days
        if end_day is not None and end_day < self.today:
            keep = day <= end_day
            code, day, amount = code[keep], day[keep], amount[keep]
        if code.size == 0:
            none = np.zeros(0, dtype=np.int64)
            return DaySummary(code[:0], none, none, none, np.zeros(0))
        starts = np.flatnonzero(np.r_[True, code[1:] != code[:-1]])
        ends = np.r_[starts[1:], code.size] - 1
        repeat = amount.copy()
        repeat[starts] = 0.0
        total = np.add.reduceat(repeat, starts)
        total /= self.scale
        return DaySummary(code[starts], ends - starts + 1, day[starts], day[ends], total)

    def days_between(self, start_excl: int, end_incl: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Per customer: the purchase days in the period and their total amount."""
        code, day, amount = self._purchase_days
        m = day > start_excl
        if end_incl is not None and end_incl < self.today:
            m &= day <= end_incl
        return self._count(code[m]), self._sum(code[m], amount[m])

    @cached_property
    def median_gap_days(self) -> np.ndarray:
        """Each customer's usual gap between purchase days: the median of the gaps between
        consecutive distinct order days (NaN with fewer than two distinct days)."""
        out = np.full(self.n, np.nan)
        c, d, _ = self._purchase_days  # one purchase day counts once
        if c.size < 2:
            return out
        same = c[1:] == c[:-1]
        # gaps are below the span of the purchase days: (customer, gap) packed in one key,
        # computed for every pair of consecutive rows and kept where both are one customer's
        bits = max(int(int(d.max()) - int(d.min())).bit_length(), 1)
        narrow = int(self.n).bit_length() + bits <= 31  # a 32-bit sort is twice as fast
        c1: np.ndarray = c[1:].astype(np.int32 if narrow else np.int64)  # (codes are np.intp: 32-bit in wasm32)
        dd = d[1:] - d[:-1]
        key = ((c1 << bits) | (dd.astype(np.int32) if narrow else dd))[same]
        if key.size == 0:
            return out
        # sorted by customer, then gap; the keys are already grouped by customer, which the
        # run-detecting stable sort (timsort) exploits: about 2.5x faster than quicksort here
        k2 = np.sort(key, kind="stable")
        gc = k2 >> bits
        starts = np.flatnonzero(np.r_[True, gc[1:] != gc[:-1]])
        counts = np.diff(np.r_[starts, gc.size])
        lo = starts + (counts - 1) // 2
        hi = starts + counts // 2
        mask = (1 << bits) - 1
        out[gc[starts]] = ((k2[lo] & mask).astype(float) + (k2[hi] & mask).astype(float)) / 2
        return out

    def first_orders(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per customer with orders (in code order): the code, the first order's day and amount
        (the first of that day's orders in the orders table), and for the customers who
        ordered again on a later day, their codes and the first such day."""
        order = self.orders_by_customer_day()
        sc, sd = self.code[order], self.day[order]
        starts = np.flatnonzero(np.r_[True, sc[1:] != sc[:-1]]) if sc.size else np.zeros(0, dtype=np.intp)
        codes, first_day = sc[starts], sd[starts]
        later = np.flatnonzero(sd > np.repeat(first_day, np.diff(np.r_[starts, sc.size])))
        lc = sc[later]  # (sorted by customer then day: each customer's first later row is its second day)
        at = np.flatnonzero(np.r_[True, lc[1:] != lc[:-1]]) if lc.size else np.zeros(0, dtype=np.intp)
        return codes, first_day, self._amount[order[starts]] / self.scale, lc[at], sd[later[at]]

    def window_totals(self, code: np.ndarray, windows: list[tuple[np.ndarray, np.ndarray]]
                      ) -> list[tuple[np.ndarray, np.ndarray]]:
        """For each ``(lo, hi)`` of ``windows`` (day arrays aligned to ``code``): the orders and
        their amount of customer ``code[i]`` with ``lo[i] <= day < hi[i]`` (effect tracking's
        before / after windows). The sorted keys and running sums are made for the call and
        let go after it (~110 MB at ten million orders)."""
        o_ord = self.orders_by_customer_day()
        d0 = int(self.day.min()) if o_ord.size else 0
        bits = max(int(int(self.day.max()) - d0 + 1).bit_length(), 1) if o_ord.size else 1
        kind = np.int64 if (self.n << bits) >= 2**31 else np.int32  # (a boundary key reaches n << bits)
        key = self.code[o_ord].astype(kind, copy=False)  # (a fresh array: made in place)
        key <<= bits
        day = self.day[o_ord]
        day -= d0
        key |= day.astype(kind, copy=False)
        del day
        sums = [_prefix_sums_taken(self._amount, o_ord)]

        def at(day: np.ndarray) -> np.ndarray:  # the key of a day (any: clipped to the customer's keys)
            span = np.clip(day.astype(np.int64) - d0, 0, 1 << bits)
            return ((code.astype(np.int64) << bits) + span).astype(kind)

        out = []
        for lo, hi in windows:
            cnt, amt = range_sums(key, sums, at(lo), at(hi))
            amt /= self.scale
            out.append((cnt, amt))
        return out

    # ------------------------------------------------------------------------------------
    # per group
    # ------------------------------------------------------------------------------------

    def monthly(self, first_month: int, months: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per calendar month from ``first_month`` (months since 1970-01) on, ``months`` of
        them: orders, revenue, customers who ordered, and those of them whose first order
        was before the month."""
        t = months
        first_day = int(np.datetime64(first_month, "M").astype("datetime64[D]").astype(np.int64))
        ok, codes = self._window(first_day - 1)
        mi = (month_index(self.day[ok]) - first_month).astype(np.intp)  # (an index array: np.intp, 32-bit in wasm32)
        orders = np.bincount(mi, minlength=t).astype(float)
        revenue = self._sum(mi, self._amount[ok], t)
        # (customer, month) pairs with an order, distinct and sorted (codes are 32-bit: 64 where that overflows)
        key = (codes if self.n * t < 2**31 else codes.astype(np.int64)) * t + mi
        if self.n * t <= 50_000_000:
            seen = np.zeros(self.n * t, dtype=bool)
            seen[key] = True
            pairs = np.flatnonzero(seen)
        else:
            pairs = np.unique(key)
        pc, pm = pairs // t, pairs % t
        active = np.bincount(pm, minlength=t).astype(float)
        month_start_day = (np.arange(first_month, first_month + t).astype("datetime64[M]").astype("datetime64[D]")
                           .astype(np.int64))
        returning = np.bincount(pm[self.first_day[pc] < month_start_day[pm]], minlength=t).astype(float)
        return orders, revenue, active, returning

    def new_products(self, since: int) -> tuple[list[str], np.ndarray]:
        """The products first sold on day ``since`` or later (names, sorted), and per customer
        the orders of those products."""
        if "product" not in self.labels or self.code.size == 0:
            return [], np.zeros(self.n)
        pc, products = self.labels["product"]  # missing product: -1
        first_sale = _first_day_by_code(pc, self.day, len(products))
        is_new_product = first_sale >= since
        names = sorted(str(x) for x in np.asarray(products, dtype=object)[is_new_product])
        if not names:
            return [], np.zeros(self.n)
        is_new = (pc >= 0) & is_new_product[np.maximum(pc, 0)]
        return names, self._count(self.code[is_new])

    def totals_by(self, label: str | None, lo: int, hi: int, *, customers: np.ndarray | None = None,
                  only: "int | list[int] | None" = None) -> GroupTotals:
        """Orders and amount per customer, or per customer and ``label`` (product, owner,
        campaign: :data:`LABELS`), of the orders with ``lo <= day < hi``; only those of
        ``customers`` (codes) when given, only those whose label has code ``only`` (or one of
        them) when given."""
        m = (self.day >= lo) & (self.day < hi)
        if customers is not None:
            chosen = np.zeros(self.n, dtype=bool)
            chosen[np.asarray(customers)[np.asarray(customers) >= 0]] = True
            m &= chosen[self.code]
        codes, names = (None, np.zeros(0, dtype=object)) if label is None else \
            self.labels.get(label, (np.full(self.code.size, -1, dtype=np.int32), np.zeros(0, dtype=object)))
        if codes is not None and only is not None:
            m &= np.isin(codes, only)
        width = len(names) + 1
        key = self.code[m].astype(np.int64) * width
        if codes is not None:
            key += codes[m].astype(np.int64) + 1
        pairs, at = np.unique(key, return_inverse=True)
        at = at.ravel()  # (numpy 2.0-2.1 gave the input's shape)
        return GroupTotals(pairs // width, pairs % width - (1 if codes is not None else 0),
                           np.bincount(at, minlength=pairs.size).astype(float),
                           self._sum(at, self._amount[m], pairs.size))

    def label_names(self, label: str) -> np.ndarray:
        """The distinct texts of ``label`` (:data:`LABELS`) the codes of :meth:`totals_by` point into."""
        return self.labels[label][1] if label in self.labels else np.zeros(0, dtype=object)
