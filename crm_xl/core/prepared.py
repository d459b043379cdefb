"""One pass over ``CrmData`` that every analysis module shares.

Customers get integer codes (position in :attr:`Prepared.ids`); orders and interactions
up to the analysis date are kept as plain numpy arrays (customer code, day number,
amount, ...). Every per-customer aggregate is then a ``np.bincount`` or ``ufunc.at`` on
integer codes instead of a string ``groupby``, which is what keeps a 100k-customer /
1M-order analysis near the speed of a single pandas groupby.

Dates become day numbers (days since 1970-01-01); "N months before the analysis date" is
calendar arithmetic (``pd.DateOffset``), so "近3个月" from 2024-09-30 starts after 2024-06-30.

The array primitives (factorising, lookups, keyword matching) are in :mod:`crm_xl.core.codes`;
this module re-exports them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from ..errors import InputError
from ..settings import AnalysisSettings
from .codes import (
    _identities,
    _match_codes,
    _unique_hits,
    factorize_objects,
    factorize_sorted,
    lookup_objects,
    match_keywords,
    stable_argsort,
    stage_matches,
    take_texts,
    text_codes,
    used_codes,
)
from .dataset import CrmData, empty_table
from .text import as_text, text_array

__all__ = ["Prepared", "prepare", "resolve_analysis_date", "match_keywords", "stage_matches", "stable_argsort",
           "factorize_objects", "factorize_sorted", "lookup_objects", "take_texts"]


_NAT = np.iinfo(np.int64).min


def resolve_analysis_date(data: CrmData, settings: AnalysisSettings) -> pd.Timestamp:
    """The analysis date: ``settings.analysis_date``, else the latest order date.

    Raises
    ------
    InputError
        No analysis date is set and there is no order with a valid date.
    """
    if settings.analysis_date is not None:
        return pd.Timestamp(settings.analysis_date)
    if (len(data.orders) == 0 or data.orders["order_date"].isna().all()) and len(data.interactions) \
            and data.interactions["date"].notna().any():
        # an export of tickets or interactions only: the latest interaction
        return pd.Timestamp(data.interactions["date"].max()).normalize()
    if len(data.orders) == 0 or data.orders["order_date"].isna().all():
        raise InputError("没有有效订单，无法确定分析日期。请在「设置」中填写分析日期。",
                         "no valid orders: cannot determine the analysis date. Set analysis_date in Settings.")
    return pd.Timestamp(data.orders["order_date"].max()).normalize()


def _days(values) -> np.ndarray:
    """datetime-like -> int64 day numbers; NaT -> int64 min."""
    if isinstance(values, pd.Series) and values.dtype == "datetime64[ns]":  # cleaned dates: no parsing
        a = values.to_numpy().astype("datetime64[D]")
    else:
        a = np.asarray(pd.to_datetime(pd.Series(values)).to_numpy(), dtype="datetime64[D]")
    out = a.astype(np.int64)
    out[np.isnat(a)] = _NAT
    return out


def _col(df: pd.DataFrame, key: str, table: str) -> pd.Series:
    """``df[key]``, or an all-missing column of the canonical dtype when absent."""
    if key in df.columns:
        return df[key]
    dtype = empty_table(table)[key].dtype
    return pd.Series(text_array([None] * len(df)) if dtype == "str" else pd.array([None] * len(df), dtype=dtype),
                     index=df.index)


def _float(s: pd.Series) -> np.ndarray:
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _bool_float(s: pd.Series) -> np.ndarray:
    """nullable boolean -> 1.0 / 0.0 / NaN."""
    if s.dtype == bool:
        return s.to_numpy(dtype=float)
    return s.astype("boolean").astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def _unless_all_missing(values: np.ndarray, sel, n: int) -> np.ndarray:
    """``sel(values)``, or where every value is NaN (orders without profits) one read-only NaN
    seen ``n`` times (read-only, no memory per order: nothing writes into it)."""
    if values.size and np.isnan(values).all():
        return np.broadcast_to(np.float64(np.nan), (n,))
    return sel(values)


@dataclass(frozen=True, eq=False)
class Prepared:
    """The data of one analysis as integer-coded numpy arrays (see module docstring).

    Attributes
    ----------
    as_of : Timestamp
        The analysis date; ``today`` is its day number.
    ids : Index
        Customer universe: the customers table's IDs, then IDs that appear only in orders.
    customers : DataFrame
        The customers table aligned to ``ids`` (index ``customer_id``).
    o_* : arrays
        Orders dated up to ``as_of`` with a known customer: ``o_code`` (position in
        ``ids``), ``o_day``, ``o_amount``, ``o_profit`` (NaN unknown), ``o_promo`` (bought at
        a discount or in a campaign), ``o_product`` (a code into ``products``, -1 when the
        product is missing). Codes and days are 32-bit integers (``np.int32``; 64-bit codes
        from 2**31 customers): per order, half the memory of ``np.intp`` (ten million orders:
        40 MB less per array and per array derived from it); numpy indexes and counts with
        them as fast. Per-customer arrays (``first_day``, ...) stay 64-bit.
    products : array
        The distinct product names (texts) of the orders, in no particular order.
    i_* : arrays
        Interactions dated up to ``as_of``: ``i_code``, ``i_day``, ``i_sat``, ``i_nps``,
        ``i_resp_hours``, ``i_responded`` / ``i_resolved`` (1.0 / 0.0 / NaN),
        ``i_type`` / ``i_content`` (Series for keyword matching).
    """

    settings: AnalysisSettings
    as_of: pd.Timestamp
    today: int
    ids: pd.Index
    customers: pd.DataFrame
    o_code: np.ndarray
    o_day: np.ndarray
    o_amount: np.ndarray
    o_profit: np.ndarray
    o_promo: np.ndarray
    o_product: np.ndarray
    products: np.ndarray
    i_code: np.ndarray
    i_day: np.ndarray
    i_sat: np.ndarray
    i_nps: np.ndarray
    i_resp_hours: np.ndarray
    i_responded: np.ndarray
    i_resolved: np.ndarray
    i_type: pd.Series
    i_content: pd.Series
    leads: pd.DataFrame

    @property
    def n(self) -> int:
        return len(self.ids)

    def day_months_before(self, months: int) -> int:
        """Day number of ``as_of`` minus ``months`` calendar months."""
        return int((self.as_of - pd.DateOffset(months=months)).to_datetime64().astype("datetime64[D]").astype(np.int64))

    def count(self, codes: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """Per-customer count (or weighted sum) of ``codes`` -> float array of length n."""
        return np.bincount(codes, weights=weights, minlength=self.n).astype(float)

    def window(self, start_excl: int, end_incl: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The orders with ``start_excl < day <= end_incl`` (default ``today``): a boolean
        mask over the orders and their customer codes. Computed once per window (the KPI,
        tag, churn and diagnosis periods coincide by default); read-only."""
        end = self.today if end_incl is None else int(end_incl)
        cache = self.__dict__.setdefault("_windows", {})
        key = (int(start_excl), end)
        if key not in cache:
            m = self.o_day > start_excl
            if end < self.today:  # (every order is dated up to today)
                m &= self.o_day <= end
            codes = self.o_code[m]
            m.flags.writeable = codes.flags.writeable = False
            cache[key] = (m, codes)
        return cache[key]

    def feedback_counts(self, days: int, timeout_hours: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Interactions in the last ``days`` days (boolean per interaction) and per customer
        the interactions marked not resolved and those answered slower than
        ``timeout_hours`` in that period (churn warning and layer problems); computed once,
        read-only."""
        cache = self.__dict__.setdefault("_feedback", {})
        key = (int(days), float(timeout_hours))
        if key not in cache:
            fw = self.i_day > self.today - days
            unres = self.count(self.i_code[fw & (self.i_resolved == 0)])
            tmo = self.count(self.i_code[fw & (self.i_resp_hours > timeout_hours)])
            for a in (fw, unres, tmo):
                a.flags.writeable = False
            cache[key] = (fw, unres, tmo)
        return cache[key]

    def orders_between(self, start_excl: int, end_incl: int | None = None) -> np.ndarray:
        """Per-customer order counts with ``start_excl < day <= end_incl`` (default ``today``),
        computed once per window; read-only."""
        end = self.today if end_incl is None else int(end_incl)
        cache = self.__dict__.setdefault("_window_counts", {})
        key = (int(start_excl), end)
        if key not in cache:
            out = self.count(self.window(start_excl, end)[1])
            out.flags.writeable = False
            cache[key] = out
        return cache[key]

    @cached_property
    def o_count(self) -> np.ndarray:
        """All orders up to ``as_of`` per customer."""
        return self.count(self.o_code)

    @cached_property
    def first_day(self) -> np.ndarray:
        """Day of each customer's first order (int64 min when none)."""
        out = np.full(self.n, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(out, self.o_code, self.o_day)
        out[out == np.iinfo(np.int64).max] = _NAT
        return out

    @cached_property
    def last_day(self) -> np.ndarray:
        """Day of each customer's last order (int64 min when none)."""
        out = np.full(self.n, _NAT, dtype=np.int64)
        np.maximum.at(out, self.o_code, self.o_day)
        return out

    @cached_property
    def has_orders(self) -> np.ndarray:
        return self.o_count > 0

    @cached_property
    def _customer_day_order(self) -> tuple[np.ndarray, int, int]:
        """(the orders' stable sort by customer and day packed in one non-negative key, the
        day's bits in the key, the first day): computed once for :attr:`purchase_days` and
        :meth:`orders_by_customer_day` (the key itself is made again where needed, not held:
        80 MB at ten million orders); the orders must not be empty."""
        d0 = int(self.o_day.min())
        bits = max(int(int(self.o_day.max()) - d0 + 1).bit_length(), 1)
        key = self._customer_day_key(bits, d0)
        order = stable_argsort(key, bits + max(int(self.n).bit_length(), 1))
        del key
        return order.astype(np.int32) if order.size < 2**31 else order, bits, d0  # (positions: 32 bits, as the codes)

    def _customer_day_key(self, bits: int, d0: int, rows: np.ndarray | None = None) -> np.ndarray:
        """Customer and day of the orders (``rows`` of them: all when None) packed in one key."""
        code, day = (self.o_code, self.o_day) if rows is None else (self.o_code[rows], self.o_day[rows])
        kind: type[np.signedinteger] = np.int32 if (int(self.n) << bits) < 2**31 else np.int64  # (32-bit where it fits)
        key: np.ndarray = code.astype(kind)
        key <<= bits
        key |= (day - d0).astype(kind, copy=False)
        return key

    def orders_by_customer_day(self) -> np.ndarray:
        """The positions of the orders sorted by customer code, then day, stable (orders of one
        customer and day in their order in the orders table); computed once, read-only."""
        if self.o_code.size == 0:
            return np.zeros(0, dtype=np.intp)
        order = self._customer_day_order[0]
        order.flags.writeable = False
        return order

    @cached_property
    def purchase_days(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One row per (customer, purchase day), sorted by customer code, then day: codes,
        day numbers and the day's total amount (the orders of a day added in their order in
        the orders table)."""
        if self.o_code.size == 0:
            return self.o_code[:0], self.o_day[:0], self.o_amount[:0]
        order, bits, d0 = self._customer_day_order
        key, amount = self._customer_day_key(bits, d0, order), self.o_amount[order]
        starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
        total = np.add.reduceat(amount, starts)
        key = key[starts]
        return (key >> bits).astype(self.o_code.dtype), ((key & ((1 << bits) - 1)) + d0).astype(np.int32), total

    def forget_purchase_days(self) -> None:
        """Let :attr:`purchase_days` go (ten million orders: ~150 MB) once the steps reading it (the
        CLV inputs, :attr:`median_gap_days`) are done; read again, it is made again, the same."""
        self.__dict__.pop("purchase_days", None)

    @cached_property
    def median_gap_days(self) -> np.ndarray:
        """Each customer's usual gap between purchase days: the median of the gaps between
        consecutive distinct order days (NaN with fewer than two distinct days)."""
        out = np.full(self.n, np.nan)
        c, d, _ = self.purchase_days  # one purchase day counts once
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

    @cached_property
    def id_rank(self) -> np.ndarray:
        """Position of each customer ID in sorted (text) order: sorting by ``id_rank``
        sorts by customer ID, with an integer sort."""
        ids = self.ids.to_numpy(dtype=object)
        rank = np.empty(ids.size, dtype=np.int64)
        if ids.size == 0:
            return rank
        if self.ids.is_monotonic_increasing:  # (unique IDs) already in order, as customer lists often are
            return np.arange(ids.size, dtype=np.int64)
        if max(map(len, ids)) <= 64 and "\x00" not in "".join(ids):
            ids = ids.astype(str)  # fixed-width text sorts several times faster than objects, same order
        rank[np.argsort(ids, kind="stable")] = np.arange(ids.size)
        return rank

    @cached_property
    def id_array(self) -> np.ndarray:
        """``ids`` as an object array."""
        return self.ids.to_numpy(dtype=object)

    @cached_property
    def rfm_rows(self) -> np.ndarray:
        """Codes of the customers with orders, in customer-ID order: the rows of the RFM
        table (:func:`crm_xl.core.rfm.rfm_table`) and of the layers built on it."""
        rows = np.flatnonzero(self.has_orders)
        return rows[np.argsort(self.id_rank[rows], kind="stable")]  # (distinct ranks: any sort; fast when in order)

    def codes_of(self, customer_ids) -> np.ndarray:
        """Position in ``ids`` of each of ``customer_ids`` (-1 when not a known customer).

        The customer IDs of a table built on :attr:`rfm_rows` (RFM table, layers) are
        recognised by comparison, without hashing the IDs again."""
        v = np.asarray(customer_ids.to_numpy(dtype=object) if hasattr(customer_ids, "to_numpy") else customer_ids,
                       dtype=object).ravel()
        rows = self.rfm_rows
        if v.size == rows.size:
            known = self.id_array[rows]
            a, b = _identities(known), _identities(v)  # the same objects (usual): no text comparison
            if (a is not None and b is not None and bool((a == b).all())) or bool((known == v).all()):
                return rows
        return self.ids.get_indexer(pd.Index(v, dtype="str"))

    def rows_of(self, customer_ids) -> np.ndarray:
        """For every customer code, the row of ``customer_ids`` holding it (-1 when none;
        the last row of a repeated ID, as :meth:`by_code`)."""
        codes = self.codes_of(customer_ids)
        out = np.full(self.n, -1, dtype=np.intp)
        ok = codes >= 0
        out[codes[ok]] = np.flatnonzero(ok)
        return out

    def by_code(self, codes: np.ndarray, values: np.ndarray, fill=np.nan) -> np.ndarray:
        """Array of length ``n`` with ``values`` at ``codes`` (codes < 0 are skipped) and
        ``fill`` elsewhere (float if ``values`` is numeric, else object)."""
        values = np.asarray(values)
        out = np.full(self.n, fill, dtype=float if values.dtype.kind in "fiub" else object)
        ok = codes >= 0
        out[codes[ok]] = values[ok]
        return out

    @cached_property
    def _type_codes(self) -> tuple[np.ndarray, np.ndarray]:
        return factorize_objects(self.i_type.to_numpy(dtype=object))

    @cached_property
    def _content_codes(self) -> tuple[np.ndarray, np.ndarray]:
        return factorize_objects(self.i_content.to_numpy(dtype=object))

    @cached_property
    def interaction_kinds(self) -> tuple[np.ndarray, int] | None:
        """Each interaction's (type, notes) pair as one code into the table of all pairs of
        distinct types and notes (``(type code + 1) * (notes + 1) + notes code + 1``, 0 for
        missing), and the number of distinct notes + 1; None when that table would be large
        (free-text notes). :meth:`kind_hits` tells which pairs match keywords."""
        tc, tu = self._type_codes
        cc, cu = self._content_codes
        nc = len(cu) + 1
        if (len(tu) + 1) * nc > 1 << 22:
            return None
        return ((tc + 1) * nc + (cc + 1)).astype(np.intp), nc  # (below 2**22: an index array)

    def kind_hits(self, keywords: tuple[str, ...]) -> np.ndarray:
        """Per (type, notes) pair of :attr:`interaction_kinds`: type or notes contain one
        of ``keywords`` (as :meth:`interactions_matching`)."""
        t = _unique_hits(self._type_codes[1], keywords)
        c = _unique_hits(self._content_codes[1], keywords)
        return (t[:, None] | c[None, :]).ravel()

    def interactions_matching(self, keywords: tuple[str, ...]) -> np.ndarray:
        """Boolean per interaction: type or notes contain one of ``keywords``."""
        return (_match_codes(*self._type_codes, keywords) | _match_codes(*self._content_codes, keywords))

    @cached_property
    def i_complaint(self) -> np.ndarray:
        """Boolean per interaction: a complaint (type or notes match ``keywords_complaint``)."""
        return _match_codes(*self._type_codes, self.settings.keywords_complaint)

    def text_array(self, key: str):
        """:meth:`text` as a pandas ``str`` array (computed once per column): ``take`` rows
        of it to build a ``str`` column without checking every value again."""
        cache = self.__dict__.setdefault("_text_arrays", {})
        if key not in cache:
            col = self.customers[key] if key in self.customers.columns else None
            if col is not None and col.dtype == "str" and isinstance(col.array, type(pd.array([], dtype="str"))):
                cache[key] = (col.fillna("") if col.hasnans else col).array  # already checked texts
            else:
                cache[key] = text_array(self.text(key))
        return cache[key]

    @cached_property
    def id_strings(self):
        """``ids`` as a pandas ``str`` array (``take`` rows of it for a ``customer_id`` column)."""
        return text_array(self.ids)

    def text(self, key: str) -> np.ndarray:
        """A customers-table text column aligned to ``ids`` as an object array ('' for
        missing); computed once per column and read-only (index it, do not modify it)."""
        cache = self.__dict__.setdefault("_texts", {})
        if key not in cache:
            if key not in self.customers.columns:
                out = np.full(self.n, "", dtype=object)
            else:
                col = self.customers[key]
                out = col.astype(object).where(col.notna(), "").to_numpy(dtype=object)
            out.flags.writeable = False
            cache[key] = out
        return cache[key]


def prepare(data: CrmData, settings: AnalysisSettings, as_of: pd.Timestamp | None = None) -> Prepared:
    """Build the shared :class:`Prepared` arrays for ``data`` at the analysis date."""
    as_of = resolve_analysis_date(data, settings) if as_of is None else pd.Timestamp(as_of).normalize()
    today = int(np.datetime64(as_of, "D").astype(np.int64))
    cust, orders, inter = data.customers, data.orders, data.interactions

    # (the final str Index named customer_id from the start: one hash table for every lookup)
    cust_ids = pd.Index(as_text(_col(cust, "customer_id", "customers").dropna()).unique(), dtype="str",
                        name="customer_id")
    o_ids = as_text(_col(orders, "customer_id", "orders"))
    o_codes = lookup_objects(cust_ids, o_ids)
    missing = np.flatnonzero(o_codes < 0)  # IDs not in the customers table (or blank)
    extra = o_ids.iloc[missing].dropna().unique() if missing.size else []
    if len(extra):
        ids = as_text(cust_ids.append(pd.Index(extra, dtype="str"))).rename("customer_id")
    else:
        ids = cust_ids
    if len(extra):  # the customers table's IDs keep their positions; look up the others only
        o_codes[missing] = ids.get_indexer(o_ids.iloc[missing])
    o_day = _days(_col(orders, "order_date", "orders"))
    amount = _float(_col(orders, "amount", "orders"))
    keep = (o_codes >= 0) & (o_day != _NAT) & (o_day <= today) & ~np.isnan(amount)
    profit = _float(_col(orders, "profit", "orders"))
    disc = _float(_col(orders, "discount", "orders"))
    promo = (np.nan_to_num(disc) > 0) | _col(orders, "campaign_id", "orders").notna().to_numpy()
    product, products = text_codes(_col(orders, "product", "orders"))

    i_codes = lookup_objects(ids, as_text(_col(inter, "customer_id", "interactions")))
    i_day = _days(_col(inter, "date", "interactions"))
    ikeep = (i_codes >= 0) & (i_day != _NAT) & (i_day <= today)
    if not ikeep.all():
        inter = inter.loc[ikeep]
        i_codes, i_day = i_codes[ikeep], i_day[ikeep]

    # orders kept (a plain copy when all are: faster than a masked gather, never a view of the input)
    sel = (lambda a: a.copy()) if keep.all() else (lambda a: a[keep])
    own = (lambda a: a) if keep.all() else sel  # arrays computed here: no copy needed
    code_type = np.int32 if len(ids) < 2**31 else np.int64
    o_product, products = used_codes(own(product), products)
    if len(cust) and len(cust_ids) == len(cust) and not len(extra):
        # every row a distinct known ID: the table is already aligned to ids
        customers = cust.set_index("customer_id")
        customers.index = ids
    elif len(cust):
        c = cust.drop_duplicates("customer_id").set_index("customer_id")
        c.index = as_text(c.index)
        customers = c.reindex(ids)
    else:
        customers = empty_table("customers").set_index("customer_id").reindex(ids)
    return Prepared(
        settings=settings,
        as_of=as_of,
        today=today,
        ids=ids,
        customers=customers,
        o_code=own(o_codes).astype(code_type, copy=False),
        o_day=own(o_day).astype(np.int32),  # (the days kept are dates: within 32 bits)
        o_amount=sel(amount),
        o_profit=_unless_all_missing(profit, sel, int(keep.sum())),
        o_promo=own(promo),
        o_product=o_product,
        products=products,
        i_code=i_codes.astype(np.intp),
        i_day=i_day,
        i_sat=_float(_col(inter, "satisfaction", "interactions")),
        i_nps=_float(_col(inter, "nps_score", "interactions")),
        i_resp_hours=_float(_col(inter, "response_hours", "interactions")),
        i_responded=_bool_float(_col(inter, "responded", "interactions")),
        i_resolved=_bool_float(_col(inter, "resolved", "interactions")),
        i_type=_col(inter, "type", "interactions").reset_index(drop=True),
        i_content=_col(inter, "content", "interactions").reset_index(drop=True),
        leads=data.leads,
    )
