"""One pass over ``CrmData`` that every analysis module shares.

Customers get integer codes (position in :attr:`Prepared.ids`); interactions up to the
analysis date are kept as plain numpy arrays (customer code, day number, scores, ...), and
the orders as :class:`~crm_xl.core.order_facts.ArrayFacts`, which gives the analysis their
totals per customer and per group. Every per-customer aggregate is then a ``np.bincount`` or
``ufunc.at`` on integer codes instead of a string ``groupby``, which is what keeps a
100k-customer / 1M-order analysis near the speed of a single pandas groupby.

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
from .order_facts import LABEL_COLUMNS, ArrayFacts
from .text import as_text, text_array

__all__ = ["Prepared", "prepare", "prepared_for", "resolve_analysis_date", "match_keywords", "stage_matches", "stable_argsort",
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
    held = data.orders_in_engine
    if held is not None and held.orders:  # (the latest order the engine holds)
        return pd.Timestamp(np.datetime64(int(held.max_day), "D"))
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


def _label_codes(orders: pd.DataFrame, key: str, own) -> tuple[np.ndarray, np.ndarray]:
    """(codes, texts) of an orders text column for the orders kept (``own``); no codes when
    no order has a value (no array per order)."""
    if key not in orders.columns or not orders[key].notna().any():
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=object)
    codes, texts = text_codes(orders[key])
    return own(codes), texts


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
    facts : ArrayFacts
        The orders dated up to ``as_of`` with a known customer and amount, as the analysis
        reads them: totals per customer and per group (:mod:`crm_xl.core.order_facts`).
        Customer codes and days are 32-bit integers per order (``np.int32``; 64-bit codes
        from 2**31 customers): half the memory of ``np.intp`` (ten million orders: 40 MB less
        per array); per-customer arrays (``facts.first_day``, ...) stay 64-bit.
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
    facts: ArrayFacts
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
        rows = np.flatnonzero(self.facts.has_orders)
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
    """Build the shared :class:`Prepared` arrays for ``data`` at the analysis date (the orders'
    facts from ``data.orders``, or from the engine holding them: ``data.orders_in_engine``)."""
    as_of = resolve_analysis_date(data, settings) if as_of is None else pd.Timestamp(as_of).normalize()
    today = int(np.datetime64(as_of, "D").astype(np.int64))
    cust, orders, inter, held = data.customers, data.orders, data.interactions, data.orders_in_engine

    # (the final str Index named customer_id from the start: one hash table for every lookup)
    cust_ids = pd.Index(as_text(_col(cust, "customer_id", "customers").dropna()).unique(), dtype="str",
                        name="customer_id")
    # the orders' customers: per order, or (held by an engine) each once, in the order they first appear
    o_ids = as_text(_col(orders, "customer_id", "orders") if held is None else pd.Series(held.customers(), dtype="str"))
    o_codes = lookup_objects(cust_ids, o_ids)
    missing = np.flatnonzero(o_codes < 0)  # IDs not in the customers table (or blank)
    extra = o_ids.iloc[missing].dropna().unique() if missing.size else []
    if len(extra):
        ids = as_text(cust_ids.append(pd.Index(extra, dtype="str"))).rename("customer_id")
    else:
        ids = cust_ids
    if held is None:
        if len(extra):  # the customers table's IDs keep their positions; look up the others only
            o_codes[missing] = ids.get_indexer(o_ids.iloc[missing])
        facts = _array_facts(orders, o_codes, ids, today)
    else:
        facts = held.facts(ids, today)

    i_codes = lookup_objects(ids, as_text(_col(inter, "customer_id", "interactions")))
    i_day = _days(_col(inter, "date", "interactions"))
    ikeep = (i_codes >= 0) & (i_day != _NAT) & (i_day <= today)
    if not ikeep.all():
        inter = inter.loc[ikeep]
        i_codes, i_day = i_codes[ikeep], i_day[ikeep]

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
        facts=facts,
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


def prepared_for(data: CrmData, settings: AnalysisSettings, as_of, prepared: Prepared | None) -> Prepared:
    """``prepared`` (the analysis's, shared by the report's steps) where it is of the analysis
    date ``as_of`` (None: any), else ``data`` prepared at ``as_of``."""
    if prepared is not None and (as_of is None or prepared.as_of == pd.Timestamp(as_of).normalize()):
        return prepared
    return prepare(data, settings, as_of)


def _array_facts(orders: pd.DataFrame, o_codes: np.ndarray, ids: pd.Index, today: int) -> ArrayFacts:
    """The facts of the orders frame: its orders dated up to ``today`` with a known customer
    (``o_codes``, positions in ``ids``) and amount."""
    o_day = _days(_col(orders, "order_date", "orders"))
    amount = _float(_col(orders, "amount", "orders"))
    keep = (o_codes >= 0) & (o_day != _NAT) & (o_day <= today) & ~np.isnan(amount)
    profit = _float(_col(orders, "profit", "orders"))
    disc = _float(_col(orders, "discount", "orders"))
    promo = (np.nan_to_num(disc) > 0) | _col(orders, "campaign_id", "orders").notna().to_numpy()
    product, products = text_codes(_col(orders, "product", "orders"))
    # orders kept (a plain copy when all are: faster than a masked gather, never a view of the input)
    sel = (lambda a: a.copy()) if keep.all() else (lambda a: a[keep])
    own = (lambda a: a) if keep.all() else sel  # arrays computed here: no copy needed
    code_type = np.int32 if len(ids) < 2**31 else np.int64
    return ArrayFacts(
        len(ids), today,
        code=own(o_codes).astype(code_type, copy=False),
        day=own(o_day).astype(np.int32),  # (the days kept are dates: within 32 bits)
        amount=sel(amount),
        profit=_unless_all_missing(profit, sel, int(keep.sum())),
        promo=own(promo),
        labels={"product": used_codes(own(product), products),
                **{k: used_codes(*_label_codes(orders, column, own))
                   for k, column in LABEL_COLUMNS.items() if k != "product"}},
    )
