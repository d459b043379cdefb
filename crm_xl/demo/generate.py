"""The demo generator: seeded synthetic CRM tables in canonical form.

:func:`build_demo` draws every table with vectorised numpy (no Python loop per order; the
few loops run per month, per campaign or per archetype) and returns a :class:`Demo`:
the canonical :class:`~crm_xl.core.dataset.CrmData` (schema keys, cleaned dtypes), the
hidden truth about each customer (its archetype) and the raw sheets a user would paste
(:meth:`Demo.sheets`).

The draws per table are in :mod:`.customers`, :mod:`.orders` and :mod:`.activity`; the
archetypes, their shares and the Template 1 customers in :mod:`.archetypes`; the sampling
helpers in :mod:`.sampling`.

How customers behave
--------------------
Every generated customer (after the three Template 1 customers C001-C003) gets one
archetype, allotted by quota so that every archetype is present at any size from about
30 customers on. Days are counted back from ``as_of`` (day 0):

==============  =====  =================================================================
archetype       share  behaviour
==============  =====  =================================================================
high_value       8 %   last order 0-40 days ago, ~14 orders a year, 3-15万 per order
potential       12 %   last order 0-80 days ago, exactly 3-4 orders in the last year
                       worth 22-46万 together
regular         33 %   last order 0-150 days ago, ~6 orders a year, ~1万 per order
declining        8 %   ~10 orders a year until 3 months ago; in the last 3 months at most
                       one order, in the 3 months before at least three
at_risk         14 %   last order 181-330 days ago, at most 2 orders (< 10万) in the last year
lapsed          11 %   last order more than a year ago
new             12 %   first order in the last 3 months (5-85 days ago), 1-3 orders
==============  =====  =================================================================

Independently 12 % of customers are price sensitive: most of their orders are discounted
and bought in campaigns. About 60 % of the customers are older than the data window
(their first purchase date precedes the first order in the data).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.dataset import DTYPE_BY_KIND, CrmData
from ..core.industry import SECTIONS
from ..core.text import as_dtype, as_text, text_array
from ..errors import CrmXlError
from ..schema import TABLES, ColumnKind
from . import vocab
from .activity import _interactions, _leads, _targets
from .archetypes import _A, _ARCH, ARCHETYPES, DEFAULT_AS_OF, PRICE_SENSITIVE_SHARE, TEMPLATE1_CUSTOMERS, _shift
from .customers import _company_names, _contracts, _owners_for, _phones
from .orders import _campaign_calendar, _campaign_costs, _order_days, _order_ids, _order_values
from .sampling import _day_weights, _pick, _quota, _Sampler, _str_array

__all__ = ["Demo", "build_demo", "DemoParameterError", "DEFAULT_AS_OF", "ARCHETYPES", "TEMPLATE1_CUSTOMERS"]


class DemoParameterError(CrmXlError, ValueError):
    """A demo parameter is out of range (too few customers, too short a window, ...)."""


@dataclass(frozen=True)
class Demo:
    """One generated demo data set.

    Attributes
    ----------
    data : CrmData
        The six tables in canonical form: schema keys, the dtypes of
        :mod:`crm_xl.core.dataset` (what cleaning produces from :meth:`sheets`).
    profiles : DataFrame
        The hidden truth per customer: ``customer_id``, ``archetype`` (see module
        docstring; ``template1`` for C001-C003), ``price_sensitive`` (bool),
        ``industry_label`` (the industry as typed in the raw sheet).
    as_of : date
        The last day of the data; some order falls on it.
    """

    data: CrmData
    profiles: pd.DataFrame
    as_of: dt.date

    def sheets(self, lang: str = "zh") -> dict[str, pd.DataFrame]:
        """The raw sheets a user would paste: template headers in ``lang`` as column names,
        schema column order, values as typed (dates, numbers in 元, 是/否, the industry
        as a short label such as 信息技术 rather than its GB/T 4754 section name).

        Values are Chinese in both languages (they are Chinese customers' data); only
        the headers follow ``lang``.
        """
        out = {}
        labels = dict(zip(self.profiles["customer_id"], self.profiles["industry_label"], strict=True))
        for key, frame in self.data.tables().items():
            t = TABLES[key]
            cols = {}
            for c in t.columns:
                s = frame[c.key]
                if c.kind is ColumnKind.BOOL:
                    s = pd.Series(np.where(s.isna(), None, np.where(s.fillna(False), "是", "否")), index=s.index,
                                  dtype=object)
                elif c.kind is ColumnKind.INDUSTRY:
                    s = as_text(frame["customer_id"].map(labels))
                elif c.kind is ColumnKind.INT:
                    s = s.astype("int64")
                cols[c.label(lang)] = s
            out[key] = pd.DataFrame(cols)
        return out


# ----------------------------------------------------------------------------------------
# the generator


def build_demo(
    n_customers: int = 300,
    *,
    seed: int = 2024,
    as_of: dt.date = DEFAULT_AS_OF,
    months: int = 24,
) -> Demo:
    """Generate a demo data set (canonical tables plus the per-customer truth).

    Parameters
    ----------
    n_customers : int
        Number of customers, at least 4 (C001-C003 from Template 1 plus one whose order
        falls on ``as_of``). About 10 orders per customer over 24 months.
    seed : int
        Random seed; the same arguments give identical data.
    as_of : date
        Last day of the data; the latest order is on this day (the analysis date defaults
        to the latest order date). The Template 1 customers' dates move with it.
    months : int
        Calendar months of history, 12-120; the window starts on the first day of the
        month ``months - 1`` months before ``as_of``'s month.

    Returns
    -------
    Demo
    """
    n_customers = int(n_customers)
    if n_customers < 4:
        raise DemoParameterError(
            f"演示数据至少需要 4 个客户（模板1的 3 个示例客户 + 1 个），而不是 {n_customers}",
            f"the demo needs at least 4 customers (Template 1's three plus one), not {n_customers}",
        )
    if not 12 <= int(months) <= 120:
        raise DemoParameterError(f"演示数据的月数必须在 12 到 120 之间，而不是 {months}",
                                 f"months must be between 12 and 120, not {months}")
    months = int(months)
    if isinstance(as_of, dt.datetime):
        as_of = as_of.date()
    as_of = pd.Timestamp(as_of).date()
    end = np.datetime64(as_of, "D")
    start = (end.astype("datetime64[M]") - np.timedelta64(months - 1, "M")).astype("datetime64[D]")
    ndays = int((end - start).astype(int)) + 1
    last = ndays - 1  # day index of as_of
    sampler = _Sampler(_day_weights(start, ndays))

    def stream(k: int) -> np.random.Generator:  # independent stream per component
        return np.random.default_rng([int(seed), k])

    n_t1 = len(TEMPLATE1_CUSTOMERS)
    n = n_customers

    # ---- customers: who they are ---------------------------------------------------------
    who = _who(stream(1), n, n_t1)
    ids, arch, price_sensitive, owner = who.ids, who.arch, who.price_sensitive, who.owner
    size_mult = who.size_mult

    # ---- customers: when they buy -----------------------------------------------------------
    rng = stream(2)
    orders_day, orders_cust, first_day, last_day, pre_window, order_kind = _order_days(
        rng, sampler, arch, n_t1, ndays, as_of)
    activity_first = first_day  # first order in the data

    # ---- orders: amounts, products, discounts, campaigns -------------------------------------
    rng = stream(3)
    campaigns, camp_start, camp_end = _campaign_calendar(start, end)
    o = _order_values(rng, orders_day, orders_cust, order_kind, arch, size_mult, price_sensitive,
                      (camp_start - start).astype(int), (camp_end - start).astype(int), last)

    # ---- customers: relationship, contracts ---------------------------------------------------
    customers = _customers_frame(stream(4), who, start=start, end=end, as_of=as_of, pre_window=pre_window,
                                 first_day=activity_first, last_day=last_day)

    # ---- orders frame ---------------------------------------------------------------------
    orders = _orders_frame(o, who, campaigns, start, ndays)

    # campaigns: cost and reach from what they brought in
    rng = stream(5)
    campaigns = _campaign_costs(rng, campaigns, o["campaign"], o["amount"], o["cust"], n)

    # ---- interactions, leads, targets ----------------------------------------------------------
    interactions = _interactions(stream(6), sampler, ids, arch, owner, first_day, last_day, ndays, start, n_t1)
    leads = _leads(stream(7), sampler, ids, owner, first_day, pre_window, campaigns, start, ndays)
    owner_code = {name: i for i, (name, _r) in enumerate(vocab.OWNERS)}
    cust_owner_idx = np.array([owner_code[x] for x in owner], dtype=np.intp)  # (index arrays: np.intp)
    targets = _targets(stream(8), o["day"], o["amount"], cust_owner_idx[o["cust"]], start, months)

    data = CrmData(
        customers=_canonical(customers, "customers"),
        orders=_canonical(orders, "orders"),
        interactions=_canonical(interactions, "interactions"),
        leads=_canonical(leads, "leads"),
        campaigns=_canonical(campaigns, "campaigns"),
        targets=_canonical(targets, "targets"),
    )
    return Demo(data=data, profiles=_profiles(who), as_of=as_of)


@dataclass
class _Who:
    """Who the customers are (``_who``): IDs, archetype, price sensitivity, profile, owner."""

    ids: np.ndarray
    arch: np.ndarray
    price_sensitive: np.ndarray
    ind_idx: np.ndarray
    size_idx: np.ndarray
    size_mult: np.ndarray
    region: np.ndarray
    names: np.ndarray
    contact: np.ndarray
    titles: np.ndarray
    owner: np.ndarray
    phone: np.ndarray


def _who(rng: np.random.Generator, n: int, n_t1: int) -> _Who:
    """The customers' profiles (random stream 1): the Template 1 customers first, with their
    fixed profile, then the generated ones."""
    n_gen = n - n_t1
    width = max(3, len(str(n)))
    ids = _str_array([c[0] for c in TEMPLATE1_CUSTOMERS] + [f"C{i:0{width}d}" for i in range(n_t1 + 1, n + 1)])
    arch = np.full(n, -1)
    arch[n_t1:] = _quota(rng, n_gen, list(ARCHETYPES.values()))
    price_sensitive = np.zeros(n, dtype=bool)
    price_sensitive[n_t1:] = rng.random(n_gen) < PRICE_SENSITIVE_SHARE

    city_idx = _pick(rng, vocab.CITIES, n, [c[2] for c in vocab.CITIES])
    ind_idx = _pick(rng, vocab.INDUSTRIES, n, [i[2] for i in vocab.INDUSTRIES])
    size_p = {
        "high_value": (0.08, 0.30, 0.37, 0.25), "potential": (0.15, 0.40, 0.30, 0.15),
    }
    base_p = np.array([s[1] for s in vocab.SIZES])
    size_idx = _pick(rng, vocab.SIZES, n, base_p)
    for a, p in size_p.items():
        m = arch == _A[a]
        size_idx[m] = _pick(rng, vocab.SIZES, int(m.sum()), p)
    # Template 1 customers: fixed profile
    label_of = {lab: i for i, (lab, *_r) in enumerate(vocab.INDUSTRIES)}
    city_of = {c[0]: i for i, c in enumerate(vocab.CITIES)}
    for i, c in enumerate(TEMPLATE1_CUSTOMERS):
        city_idx[i], ind_idx[i], size_idx[i] = city_of[c[5]], label_of[c[4]], c[6]

    city = _str_array([vocab.CITIES[i][0] for i in range(len(vocab.CITIES))])[city_idx]
    region = _str_array([c[1] for c in vocab.CITIES])[city_idx]
    names = _company_names(rng, city, ind_idx, size_idx)
    title_idx = _pick(rng, vocab.TITLES, n, [t[2] for t in vocab.TITLES])
    surname = _str_array(vocab.SURNAMES)[_pick(rng, vocab.SURNAMES, n, vocab.SURNAME_WEIGHTS)]
    address = _str_array([t[1] or "" for t in vocab.TITLES])[title_idx]
    gender = np.where(rng.random(n) < 0.45, "女士", "先生")
    address = np.where(address == "", gender, np.where(rng.random(n) < 0.15, gender, address))
    contact = _str_array(np.char.add(surname.astype(str), address.astype(str)))
    titles = _str_array([t[0] for t in vocab.TITLES])[title_idx]
    owner = _owners_for(rng, region)
    for i, c in enumerate(TEMPLATE1_CUSTOMERS):
        names[i], contact[i], titles[i], owner[i] = c[1], c[2], c[3], c[7]
    phone = _phones(rng, n)
    size_mult = np.array([s[2] for s in vocab.SIZES])[size_idx]
    return _Who(ids=ids, arch=arch, price_sensitive=price_sensitive, ind_idx=ind_idx, size_idx=size_idx,
                size_mult=size_mult, region=region, names=names, contact=contact, titles=titles, owner=owner,
                phone=phone)


def _customers_frame(rng: np.random.Generator, who: _Who, *, start, end, as_of: dt.date, pre_window: np.ndarray,
                     first_day: np.ndarray, last_day: np.ndarray) -> pd.DataFrame:
    """The customers table (random stream 4): first purchase (before the window for those
    who bought earlier), contracts and acquisition cost from the profile and the orders."""
    n = len(who.ids)
    ids, size_idx, ind_idx, size_mult, owner = who.ids, who.size_idx, who.ind_idx, who.size_mult, who.owner
    activity_first = first_day
    first_order_date = start + activity_first.astype("timedelta64[D]")
    last_order_date = start + last_day.astype("timedelta64[D]")
    before = rng.integers(30, 6 * 365, n).astype("timedelta64[D]")
    first_purchase = np.where(pre_window, start - before, first_order_date)
    for i, c in enumerate(TEMPLATE1_CUSTOMERS):
        first_purchase[i] = np.datetime64(_shift(c[8], as_of), "D")
    term = np.array([1, 2, 3])[_pick(rng, [1, 2, 3], n, [0.6, 0.25, 0.15])]
    contract_start, contract_end, renewed = _contracts(first_purchase, last_order_date, term, end)
    acq = np.round(rng.lognormal(np.log(4_000), 0.5, n) * size_mult ** 0.7, -2)
    acq = np.maximum(acq, 500.0)

    t_ind = vocab.INDUSTRIES
    section_code = _str_array([t_ind[i][1] for i in range(len(t_ind))])[ind_idx]
    customers = pd.DataFrame({
        "customer_id": ids,
        "customer_name": who.names,
        "contact_name": who.contact,
        "contact_title": who.titles,
        "phone": who.phone,
        "industry": _str_array([SECTIONS[c] for c in section_code]),
        "industry_code": section_code,
        "region": who.region,
        "company_size": _str_array([s[0] for s in vocab.SIZES])[size_idx],
        "owner": owner,
        "first_purchase_date": first_purchase.astype("datetime64[ns]"),
        "acquisition_cost": acq,
        "contract_start": contract_start.astype("datetime64[ns]"),
        "contract_end": contract_end.astype("datetime64[ns]"),
        "contract_renewed": pd.array(renewed, dtype="boolean"),
    })
    return customers


def _orders_frame(o: dict, who: _Who, campaigns: pd.DataFrame, start, ndays: int) -> pd.DataFrame:
    """The orders table from the drawn order values ``o`` (day, customer, amount, ...)."""
    return pd.DataFrame({
        "order_id": _order_ids(o["day"], start, ndays),
        "customer_id": who.ids[o["cust"]],
        "order_date": (start + o["day"].astype("timedelta64[D]")).astype("datetime64[ns]"),
        "amount": o["amount"],
        "product": _str_array([p[0] for p in vocab.PRODUCTS])[o["product"]],
        "profit": o["profit"],
        "discount": o["discount"],
        "campaign_id": text_array(np.where(o["campaign"] >= 0, campaigns["campaign_id"].to_numpy()[np.maximum(o["campaign"], 0)],
                                           None)),
        "owner": who.owner[o["cust"]],
        "status": o["status"],
    })


def _profiles(who: _Who) -> pd.DataFrame:
    """The per-customer truth the tests check the analysis against."""
    arch = who.arch
    return pd.DataFrame({
        "customer_id": text_array(who.ids),
        "archetype": text_array(np.where(arch >= 0, np.array(_ARCH, dtype=object)[np.maximum(arch, 0)], "template1")),
        "price_sensitive": who.price_sensitive,
        "industry_label": text_array(_str_array([x[0] for x in vocab.INDUSTRIES])[who.ind_idx]),
    })


def _canonical(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """``frame`` with exactly the canonical columns and dtypes of ``key``."""
    t = TABLES[key]
    cols = {}
    for c in t.columns:
        dtype = DTYPE_BY_KIND[c.kind]
        cols[c.key] = as_dtype(frame[c.key], dtype)
        if c.kind is ColumnKind.INDUSTRY:
            cols["industry_code"] = as_text(frame["industry_code"])
    return pd.DataFrame(cols).reset_index(drop=True)
