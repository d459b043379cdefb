"""The demo generator: seeded synthetic CRM tables in canonical form.

:func:`build_demo` draws every table with vectorised numpy (no Python loop per order; the
few loops run per month, per campaign or per archetype) and returns a :class:`Demo`:
the canonical :class:`~crm_xl.core.dataset.CrmData` (schema keys, cleaned dtypes), the
hidden truth about each customer (its archetype) and the raw sheets a user would paste
(:meth:`Demo.sheets`).

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

__all__ = ["Demo", "build_demo", "DemoParameterError", "DEFAULT_AS_OF", "ARCHETYPES", "TEMPLATE1_CUSTOMERS"]

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.dataset import DTYPE_BY_KIND, CrmData
from ..core.industry import SECTIONS
from ..errors import CrmXlError
from ..schema import TABLES, ColumnKind
from ..core.text import as_dtype, as_text, text_array
from . import vocab

DEFAULT_AS_OF = dt.date(2024, 9, 30)

# archetype -> share of generated customers
ARCHETYPES: dict[str, float] = {
    "high_value": 0.08,
    "potential": 0.12,
    "regular": 0.33,
    "declining": 0.08,
    "at_risk": 0.14,
    "lapsed": 0.11,
    "new": 0.12,
}
_ARCH = list(ARCHETYPES)
_A = {name: i for i, name in enumerate(_ARCH)}
# (days-ago range of the last order, median order amount 元, Poisson orders per 365 days in
# the segments S0 = 0-89 days ago, S1 = 90-179, S2 = 180-364, S3 = 365+), for the
# archetypes drawn by the generic rule; the others are drawn by their own rules below
_GENERIC = {
    "high_value": ((0, 40), 45_000.0, (14.0, 14.0, 14.0, 13.0)),
    "regular": ((0, 150), 9_000.0, (5.0, 5.0, 5.5, 6.5)),
}
PRICE_SENSITIVE_SHARE = 0.12
PRE_WINDOW_SHARE = 0.6

# Template 1 (seed 004) customers, exactly as printed with the analysis date 2024-09-30:
# (id, name, contact, title, industry label, city, size, owner, first purchase,
#  [(order date, amount 元), ...]); dates are shifted with ``as_of``.
TEMPLATE1_CUSTOMERS = (
    ("C001", "上海云启科技有限公司", "王经理", "IT主管", "信息技术", "上海", 2, "王磊", dt.date(2023, 11, 8),
     [(dt.date(2023, 11, 8), 11_800), (dt.date(2023, 12, 6), 13_600), (dt.date(2024, 1, 10), 15_200),
      (dt.date(2024, 2, 26), 9_800), (dt.date(2024, 3, 19), 8_600), (dt.date(2024, 4, 16), 12_400),
      (dt.date(2024, 5, 14), 11_900), (dt.date(2024, 6, 11), 13_300), (dt.date(2024, 7, 9), 14_100),
      (dt.date(2024, 8, 6), 12_700), (dt.date(2024, 8, 27), 12_200), (dt.date(2024, 9, 15), 14_400)]),
    ("C002", "苏州恒通精密机械有限公司", "李总", "总经理", "制造业", "苏州", 1, "李娜", dt.date(2023, 11, 15),
     [(dt.date(2023, 11, 15), 9_600), (dt.date(2023, 12, 13), 11_200), (dt.date(2024, 1, 17), 8_800),
      (dt.date(2024, 3, 13), 10_400), (dt.date(2024, 4, 24), 9_900), (dt.date(2024, 5, 22), 10_600),
      (dt.date(2024, 6, 19), 9_700), (dt.date(2024, 7, 20), 9_800)]),
    ("C003", "杭州瑞丰商贸有限公司", "陈女士", "采购经理", "零售", "杭州", 0, "张伟", dt.date(2023, 11, 22),
     [(dt.date(2023, 11, 22), 7_800), (dt.date(2024, 1, 10), 5_900), (dt.date(2024, 3, 10), 6_300)]),
)
# all Template 1 orders lie within 327 days of the analysis date, so they fit any window of
# 12 calendar months (at least 334 days)
_TEMPLATE1_AS_OF = dt.date(2024, 9, 30)


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
# calendar


def _day_weights(start: np.datetime64, ndays: int) -> np.ndarray:
    """Relative order intensity per day: B2B working days, Q4 peak (Dec highest), the
    Chinese New Year holiday dip (Jan/Feb) and the National Day week."""
    days = start + np.arange(ndays).astype("timedelta64[D]")
    month = days.astype("datetime64[M]").astype(int) % 12 + 1
    month_factor = np.array([0, 0.85, 0.8, 1.05, 1.0, 1.0, 1.1, 0.95, 0.95, 1.1, 1.05, 1.25, 1.45])
    w = month_factor[month]
    weekday = (days.astype(int) + 3) % 7  # 0 = Monday
    w = w * np.where(weekday >= 5, 0.2, 1.0)
    years = days.astype("datetime64[Y]").astype(int) + 1970
    for y in np.unique(years):
        cny = vocab.CHINESE_NEW_YEAR.get(int(y))
        if cny is not None:
            off = (days - np.datetime64(cny, "D")).astype(int)
            w = w * np.where((off >= -3) & (off <= 7), 0.12, np.where((off >= -12) & (off <= 16), 0.7, 1.0))
        else:  # outside the table: a broad Jan/Feb dip
            w = w * np.where((years == y) & np.isin(month, [1, 2]), 0.75, 1.0)
        national_day = (years == y) & (month == 10) & ((days - np.datetime64(f"{int(y)}-10-01", "D")).astype(int) < 7)
        w = w * np.where(national_day, 0.15, 1.0)
    return w


class _Sampler:
    """Draw days in [lo, hi] (inclusive, arrays) with probability proportional to the day
    weights, vectorised by inverse CDF."""

    def __init__(self, weights: np.ndarray):
        self.cdf = np.cumsum(weights) / weights.sum()

    def __call__(self, rng: np.random.Generator, lo, hi) -> np.ndarray:
        """Ranges reaching outside the window are clipped to it (short windows)."""
        top_day = len(self.cdf) - 1
        hi = np.clip(np.asarray(hi, dtype=np.int64), 0, top_day)
        lo = np.minimum(np.clip(np.asarray(lo, dtype=np.int64), 0, top_day), hi)
        base = np.where(lo > 0, self.cdf[np.maximum(lo - 1, 0)], 0.0)
        top = self.cdf[hi]
        u = base + rng.random(lo.shape) * (top - base)
        day = np.searchsorted(self.cdf, u, side="right")
        return np.clip(day, lo, hi)


def _quota(rng: np.random.Generator, n: int, shares: list[float]) -> np.ndarray:
    """Category per item with counts as close to ``shares`` as integers allow (largest
    remainder), in random order: every category appears once n is large enough."""
    p = np.asarray(shares, dtype=float) / sum(shares)
    exact = p * n
    counts = np.floor(exact).astype(int)
    rest = n - counts.sum()
    if rest:
        counts[np.argsort(-(exact - counts), kind="stable")[:rest]] += 1
    return rng.permutation(np.repeat(np.arange(len(p)), counts))


def _pick(rng: np.random.Generator, items, n: int, weights=None) -> np.ndarray:
    """``n`` draws (indices) from ``items`` with optional weights."""
    if weights is None:
        return rng.integers(0, len(items), n)
    p = np.asarray(weights, dtype=float)
    return rng.choice(len(items), size=n, p=p / p.sum())


def _str_array(values) -> np.ndarray:
    return np.asarray(values, dtype=object)


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
    n_gen = n_customers - n_t1
    n = n_customers

    # ---- customers: who they are ---------------------------------------------------------
    rng = stream(1)
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
    order_date = start + o["day"].astype("timedelta64[D]")

    # ---- customers: relationship, contracts ---------------------------------------------------
    rng = stream(4)
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
        "customer_name": names,
        "contact_name": contact,
        "contact_title": titles,
        "phone": phone,
        "industry": _str_array([SECTIONS[c] for c in section_code]),
        "industry_code": section_code,
        "region": region,
        "company_size": _str_array([s[0] for s in vocab.SIZES])[size_idx],
        "owner": owner,
        "first_purchase_date": first_purchase.astype("datetime64[ns]"),
        "acquisition_cost": acq,
        "contract_start": contract_start.astype("datetime64[ns]"),
        "contract_end": contract_end.astype("datetime64[ns]"),
        "contract_renewed": pd.array(renewed, dtype="boolean"),
    })

    # ---- orders frame ---------------------------------------------------------------------
    order_ids = _order_ids(o["day"], start, ndays)
    orders = pd.DataFrame({
        "order_id": order_ids,
        "customer_id": ids[o["cust"]],
        "order_date": order_date.astype("datetime64[ns]"),
        "amount": o["amount"],
        "product": _str_array([p[0] for p in vocab.PRODUCTS])[o["product"]],
        "profit": o["profit"],
        "discount": o["discount"],
        "campaign_id": text_array(np.where(o["campaign"] >= 0, campaigns["campaign_id"].to_numpy()[np.maximum(o["campaign"], 0)],
                                           None)),
        "owner": owner[o["cust"]],
        "status": o["status"],
    })

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
    profiles = pd.DataFrame({
        "customer_id": text_array(ids),
        "archetype": text_array(np.where(arch >= 0, np.array(_ARCH, dtype=object)[np.maximum(arch, 0)], "template1")),
        "price_sensitive": price_sensitive,
        "industry_label": text_array(_str_array([t_ind[i][0] for i in range(len(t_ind))])[ind_idx]),
    })
    return Demo(data=data, profiles=profiles, as_of=as_of)


def _shift(d: dt.date, as_of: dt.date) -> dt.date:
    """A Template 1 date moved with ``as_of`` (unchanged for the default 2024-09-30)."""
    return d + (as_of - _TEMPLATE1_AS_OF)


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


# ---- customers ----------------------------------------------------------------------------------


def _company_names(rng: np.random.Generator, city: np.ndarray, ind_idx: np.ndarray, size_idx: np.ndarray) -> np.ndarray:
    """城市 + 字号 + 行业词 + 有限公司 (股份/集团 for the largest), unique."""
    n = len(city)
    chars = np.array(vocab.BRAND_CHARS, dtype=object)
    words_by_ind = [np.array(i[3], dtype=object) for i in vocab.INDUSTRIES]
    suffix = np.where(size_idx == 3, np.where(rng.random(n) < 0.5, "集团有限公司", "股份有限公司"),
                      np.where((size_idx == 2) & (rng.random(n) < 0.3), "股份有限公司", "有限公司")).astype(object)
    names = np.empty(n, dtype=object)
    todo = np.arange(n)
    for _ in range(30):
        k = len(todo)
        a = rng.integers(0, len(chars), k)
        b = (a + rng.integers(1, len(chars), k)) % len(chars)  # two different characters
        word = np.empty(k, dtype=object)
        for j, words in enumerate(words_by_ind):
            m = ind_idx[todo] == j
            word[m] = words[rng.integers(0, len(words), int(m.sum()))]
        names[todo] = city[todo] + chars[a] + chars[b] + word + suffix[todo]
        dup = pd.Series(names).duplicated(keep="first").to_numpy()
        todo = np.flatnonzero(dup)
        if not len(todo):
            break
    for k, i in enumerate(todo):  # practically unreachable: number the few left
        names[i] = names[i].replace("有限公司", f"第{k + 2}分公司")
    return names


def _owners_for(rng: np.random.Generator, region: np.ndarray) -> np.ndarray:
    """An account owner from the salespeople covering each customer's region."""
    owners = np.empty(len(region), dtype=object)
    for reg in np.unique(region):
        staff = np.array([o for o, r in vocab.OWNERS if r == reg], dtype=object)
        m = region == reg
        owners[m] = staff[rng.integers(0, len(staff), int(m.sum()))]
    return owners


_MOBILE_PREFIXES = np.array([130, 131, 132, 133, 135, 136, 137, 138, 139, 150, 151, 152, 153, 155, 156, 157, 158, 159,
                             180, 181, 182, 183, 185, 186, 187, 188, 189])


def _phones(rng: np.random.Generator, n: int) -> np.ndarray:
    """Plausible, distinct 11-digit mainland mobile numbers (13x/15x/18x)."""
    pre = _MOBILE_PREFIXES[rng.integers(0, len(_MOBILE_PREFIXES), n)].astype(np.int64)
    rest = rng.choice(10**8, size=n, replace=False).astype(np.int64)
    return _str_array((pre * 10**8 + rest).astype(str))


def _contracts(first_purchase: np.ndarray, last_order: np.ndarray, term_years: np.ndarray, end: np.datetime64):
    """The contract each customer last bought under: terms of 1-3 years from the first
    purchase. 是否续签: yes when it is a renewal (not the first term), no when it ended
    before ``end`` without a newer purchase, blank while a first term runs."""
    fp = pd.DatetimeIndex(first_purchase.astype("datetime64[ns]"))
    ref = pd.DatetimeIndex(np.minimum(last_order + np.timedelta64(30, "D"), end).astype("datetime64[ns]"))
    y, m, d = fp.year.to_numpy(), fp.month.to_numpy(), np.minimum(fp.day.to_numpy(), 28)

    def at(years):
        return pd.to_datetime(pd.DataFrame({"year": years, "month": m, "day": d})).to_numpy()

    k = np.floor((ref - fp).days.to_numpy() / (365.25 * term_years)).astype(int)
    k = np.maximum(k, 0)
    cs = at(y + k * term_years)
    k = np.where(cs > ref.to_numpy(), np.maximum(k - 1, 0), k)
    cs = at(y + k * term_years)
    ce = at(y + (k + 1) * term_years) - np.timedelta64(1, "D")
    cs, ce = cs.astype("datetime64[D]"), ce.astype("datetime64[D]")
    renewed = np.where(k >= 1, True, np.where(ce < end, False, None)).astype(object)
    renewed = np.where((k >= 1) & (ce < end), False, renewed)  # a renewed term that has lapsed
    return cs, ce, renewed


# ---- orders ---------------------------------------------------------------------------------------


def _order_days(rng, sampler: _Sampler, arch: np.ndarray, n_t1: int, ndays: int, as_of: dt.date):
    """Order days (index into the window) and customers, plus each customer's first and
    last order day and whether the customer predates the window.

    Each customer gets a last order day, an optional first order day (when the relation
    starts inside the window) and blocks ``(lo, hi, count)`` of further orders drawn with
    the seasonal day weights.
    """
    n = len(arch)
    last = ndays - 1
    ago = lambda d: last - np.asarray(d)  # noqa: E731  days ago <-> day index
    S = [(0, 89), (90, 179), (180, 364), (365, last)]  # segments in days ago
    lo_day, hi_day = ago([s[1] for s in S]), ago([s[0] for s in S])  # segment day ranges

    last_day = np.zeros(n, dtype=np.int64)
    first_day = np.full(n, -1, dtype=np.int64)  # -1: relation predates the window
    pre = np.zeros(n, dtype=bool)
    blocks_c, blocks_lo, blocks_hi, blocks_k = [], [], [], []

    def add_block(cust, lo, hi, k):
        cust, lo, hi, k = (np.asarray(x, dtype=np.intp if x is cust else np.int64) for x in (cust, lo, hi, k))
        lo = np.maximum(lo, 0)
        ok = (hi >= lo) & (k > 0)
        blocks_c.append(cust[ok]), blocks_lo.append(lo[ok]), blocks_hi.append(hi[ok]), blocks_k.append(k[ok])

    def draw_last(idx, ago_lo, ago_hi):
        last_day[idx] = sampler(rng, np.full(len(idx), ago(ago_hi)), np.full(len(idx), ago(ago_lo)))

    def draw_first(idx, earliest_ago, latest_ago, pre_share=PRE_WINDOW_SHARE):
        """Relation start: before the window (share ``pre_share``) or a first order day
        between ``earliest_ago`` and ``latest_ago`` days ago (and before the last order)."""
        p = rng.random(len(idx)) < pre_share
        pre[idx[p]] = True
        inner = idx[~p]
        hi = np.minimum(ago(latest_ago), last_day[inner] - 7)
        lo = np.full(len(inner), ago(min(earliest_ago, last)))
        ok = hi >= lo
        first_day[inner[ok]] = sampler(rng, lo[ok], hi[ok])
        pre[inner[~ok]] = True

    def generic_blocks(idx, rates, activity):
        """Poisson counts per segment between the first and the last order."""
        f = np.where(first_day[idx] >= 0, first_day[idx], 0)
        for s in range(4):
            lo = np.maximum(lo_day[s], f)
            hi = np.minimum(hi_day[s], last_day[idx])
            overlap = np.maximum(hi - lo + 1, 0)
            k = rng.poisson(rates[s] / 365.0 * overlap * activity)
            add_block(idx, lo, hi, k)

    activity = rng.lognormal(0.0, 0.35, n)
    for a, ((l0, l1), _amount, rates) in _GENERIC.items():
        idx = np.flatnonzero(arch == _A[a])
        draw_last(idx, l0, l1)
        draw_first(idx, last, 120)
        generic_blocks(idx, rates, activity[idx])

    # potential: exactly 3-4 orders in the last 365 days (incl. the last one)
    idx = np.flatnonzero(arch == _A["potential"])
    draw_last(idx, 0, 80)
    draw_first(idx, last, 366, pre_share=0.7)
    k_year = rng.integers(3, 5, len(idx))
    add_block(idx, np.full(len(idx), ago(364)), last_day[idx] - 1, k_year - 1)
    generic_blocks_s3 = [0, 0, 0, 3.0]
    generic_blocks(idx, generic_blocks_s3, activity[idx])

    # declining: at most one order in the last 90 days, at least three in the 90 before
    idx = np.flatnonzero(arch == _A["declining"])
    recent = rng.random(len(idx)) < 0.5
    last_day[idx] = np.where(recent, sampler(rng, np.full(len(idx), ago(89)), np.full(len(idx), ago(30))),
                             sampler(rng, np.full(len(idx), ago(125)), np.full(len(idx), ago(90))))
    draw_first(idx, last, 366, pre_share=0.75)
    k_prev = 3 + rng.poisson(1.5, len(idx)) - (~recent)  # the last order may be one of them
    add_block(idx, np.full(len(idx), ago(179)), np.minimum(ago(90), last_day[idx]), k_prev)
    generic_blocks(idx, [0, 0, 10.0, 10.0], activity[idx])

    # at_risk: last order 181-330 days ago, at most 2 in the last year
    idx = np.flatnonzero(arch == _A["at_risk"])
    draw_last(idx, 181, 330)
    draw_first(idx, last, 366)
    add_block(idx, np.full(len(idx), ago(364)), last_day[idx], (rng.random(len(idx)) < 0.35).astype(int))
    generic_blocks(idx, [0, 0, 0, 6.0], activity[idx])

    # lapsed: nothing in the last year
    idx = np.flatnonzero(arch == _A["lapsed"])
    oldest = last
    draw_last(idx, 380, max(oldest - 30, 381))
    draw_first(idx, last, 381, pre_share=0.5)
    generic_blocks(idx, [0, 0, 0, 6.0], activity[idx])

    # new: first order 5-85 days ago, 1-3 orders
    idx = np.flatnonzero(arch == _A["new"])
    first_day[idx] = sampler(rng, np.full(len(idx), ago(85)), np.full(len(idx), ago(5)))
    k = 1 + (rng.random(len(idx)) < 0.45) + (rng.random(len(idx)) < 0.15)
    has_more = k >= 2
    last_day[idx] = first_day[idx]
    more = idx[has_more]
    last_day[more] = sampler(rng, np.minimum(first_day[more] + 7, last), np.full(len(more), last))
    add_block(more, first_day[more], last_day[more], k[has_more] - 2)

    # the latest order of all falls on as_of: a high-value customer (or any generated one)
    pool = np.flatnonzero(arch == _A["high_value"])
    if not len(pool):
        pool = np.arange(n_t1, n)
    last_day[pool[np.argmax(last_day[pool])]] = last

    # assemble: forced last orders, forced first orders, random blocks
    gen = np.arange(n_t1, n)
    has_first = gen[(first_day[gen] >= 0) & (first_day[gen] < last_day[gen])]
    bc = np.concatenate(blocks_c) if blocks_c else np.zeros(0, np.intp)
    bk = np.concatenate(blocks_k) if blocks_k else np.zeros(0, np.int64)
    blo = np.repeat(np.concatenate(blocks_lo), bk) if blocks_lo else np.zeros(0, np.int64)
    bhi = np.repeat(np.concatenate(blocks_hi), bk) if blocks_hi else np.zeros(0, np.int64)
    rand_days = sampler(rng, blo, bhi) if len(blo) else np.zeros(0, np.int64)
    cust = np.concatenate([gen, has_first, np.repeat(bc, bk)])
    day = np.concatenate([last_day[gen], first_day[has_first], rand_days])
    kind = np.zeros(len(cust), dtype=np.int8)  # 0 generated, 1 Template 1

    # Template 1 customers' orders, as printed
    t1_cust, t1_day = [], []
    start_date = as_of - dt.timedelta(days=last)
    for i, c in enumerate(TEMPLATE1_CUSTOMERS):
        for d, _amt in c[9]:
            t1_cust.append(i)
            t1_day.append((_shift(d, as_of) - start_date).days)
        last_day[i] = max(t1_day[-len(c[9]):])
        first_day[i] = min(t1_day[-len(c[9]):])
    assert min(t1_day) >= 0, "Template 1 orders must fit the window"
    cust = np.concatenate([np.array(t1_cust, dtype=np.intp), cust]).astype(np.intp, copy=False)  # customer index
    day = np.concatenate([np.array(t1_day, dtype=np.int64), day])
    kind = np.concatenate([np.ones(len(t1_cust), dtype=np.int8), kind])

    # first order day in the data for everyone (pre-window customers: their earliest order)
    first_in_data = np.full(n, last + 1, dtype=np.int64)
    np.minimum.at(first_in_data, cust, day)
    return day, cust, first_in_data, last_day, pre, kind


def _campaign_calendar(start: np.datetime64, end: np.datetime64) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Campaigns of the yearly calendar that start inside the window (and at least a week
    before its end), plus the launch of the new product."""
    rows = []
    y0 = int(start.astype("datetime64[Y]").astype(int)) + 1970
    y1 = int(end.astype("datetime64[Y]").astype(int)) + 1970
    for y in range(y0, y1 + 1):
        for mo, d, length, name, channel in vocab.CAMPAIGN_CALENDAR:
            s = np.datetime64(dt.date(y, mo, d), "D")
            if start <= s <= end - np.timedelta64(7, "D"):
                rows.append((s, min(s + np.timedelta64(length - 1, "D"), end), f"{y}年{name}", channel))
    launch = end - np.timedelta64(vocab.NEW_PRODUCT_LAUNCH_DAYS, "D")
    name, channel, length = vocab.LAUNCH_CAMPAIGN
    rows.append((launch, min(launch + np.timedelta64(length - 1, "D"), end), name, channel))
    rows.sort(key=lambda r: (r[0], r[2]))
    s = np.array([r[0] for r in rows], dtype="datetime64[D]")
    e = np.array([r[1] for r in rows], dtype="datetime64[D]")
    frame = pd.DataFrame({
        "campaign_id": [f"MKT{i:03d}" for i in range(1, len(rows) + 1)],
        "campaign_name": [r[2] for r in rows],
        "channel": [r[3] for r in rows],
        "start_date": s.astype("datetime64[ns]"),
        "end_date": e.astype("datetime64[ns]"),
    })
    return frame, s, e


def _order_values(rng, day, cust, kind, arch, size_mult, price_sensitive, camp_start, camp_end, last):
    """Amounts, products, profit, discount, campaign and status of every order; returned
    sorted by (day, customer). ``camp_start``/``camp_end`` are window day indices."""
    order = np.lexsort((cust, day))
    day, cust, kind = day[order], cust[order], kind[order]
    m = len(day)
    n = len(arch)

    # per-customer spending level
    median = np.full(n, 9_000.0)
    median[arch == _A["high_value"]] = _GENERIC["high_value"][1]
    median[arch == _A["declining"]] = 16_000.0
    median[arch == _A["at_risk"]] = 7_000.0
    median[arch == _A["lapsed"]] = 6_000.0
    median[arch == _A["new"]] = 10_000.0
    level = median * rng.lognormal(0.0, 0.4, n) * size_mult

    prod_share = np.array([p[1] for p in vocab.PRODUCTS])
    prod_factor = np.array([p[2] for p in vocab.PRODUCTS])
    margin = np.array([p[3] for p in vocab.PRODUCTS])
    product = rng.choice(len(prod_share), size=m, p=prod_share / prod_share.sum())
    new_idx = [p[0] for p in vocab.PRODUCTS].index(vocab.NEW_PRODUCT)
    launch = last - vocab.NEW_PRODUCT_LAUNCH_DAYS
    early_new = (product == new_idx) & (day < launch)
    product[early_new] = rng.integers(0, new_idx, int(early_new.sum()))  # not launched yet

    amount = level[cust] * prod_factor[product] * rng.lognormal(-0.1, 0.45, m)
    cap = np.where(arch[cust] == _A["at_risk"], 48_000.0, np.inf)  # at risk: <= 10万 a year
    amount = np.clip(np.round(amount, -1), 200.0, cap)

    # potential customers: last-year orders rescaled to 22-46万 together
    pot = np.flatnonzero(arch == _A["potential"])
    if len(pot):
        in_year = (arch[cust] == _A["potential"]) & (day >= last - 364)
        total = np.bincount(cust[in_year], weights=amount[in_year], minlength=n)
        target = np.zeros(n)
        target[pot] = rng.uniform(220_000, 460_000, len(pot))
        scale = np.where(total > 0, target / np.where(total > 0, total, 1), 1.0)
        amount = np.where(in_year, np.round(amount * scale[cust], -2), amount)

    # Template 1 orders: the printed amounts (they arrive sorted by day within a customer)
    for i, c in enumerate(TEMPLATE1_CUSTOMERS):
        sel = np.flatnonzero((cust == i) & (kind == 1))
        amount[sel] = np.array([a for _d, a in sorted(c[9])], dtype=float)

    # campaigns: orders inside a campaign period, attributed with some probability
    camp = np.full(m, -1)
    if len(camp_start):
        j = np.searchsorted(camp_start, day, side="right") - 1  # latest campaign started by then
        for back in (0, 1):  # overlapping campaigns: the latest one that is still running
            jj = np.maximum(j - back, 0)
            active = (j - back >= 0) & (camp < 0) & (day >= camp_start[jj]) & (day <= camp_end[jj])
            camp = np.where(active, jj, camp)
        p_attr = np.where(price_sensitive[cust], 0.75, 0.25)
        camp = np.where((camp >= 0) & (rng.random(m) < p_attr), camp, -1)

    # discounts: share off the list price (0.15 = 15 % off)
    normal = np.array([0.05, 0.08, 0.1, 0.12, 0.15, 0.2])
    deep = np.array([0.1, 0.15, 0.2, 0.25, 0.3])
    ps = price_sensitive[cust]
    discounted = rng.random(m) < np.where(ps, 0.8, 0.18)
    discount = np.where(discounted, np.where(ps, deep[rng.integers(0, len(deep), m)],
                                             normal[rng.integers(0, len(normal), m)]), 0.0)
    discount = np.where((camp >= 0) & (discount == 0), 0.1, discount)
    profit = np.round(amount * np.clip(margin[product] * rng.uniform(0.85, 1.1, m) - 0.6 * discount, -0.05, 0.9), 2)

    st = np.array([s for s, _p in vocab.ORDER_STATUSES], dtype=object)
    stp = np.array([p for _s, p in vocab.ORDER_STATUSES])
    status = st[np.where(day >= last - 20, rng.choice(len(st), m, p=stp / stp.sum()), 0)]
    return {"day": day, "cust": cust, "amount": amount, "product": product, "profit": profit,
            "discount": discount, "campaign": camp, "status": status}

def _serial_ids(prefix: str, count: int, min_width: int = 6) -> np.ndarray:
    """``prefix`` + 1..count zero-padded (HD000001, ...), built from two small tables of
    digit strings instead of formatting every number."""
    width = max(min_width, len(str(count)))
    i = np.arange(1, count + 1)
    low_digits = 3
    high = np.array([prefix + f"{h:0{width - low_digits}d}" for h in range(count // 10**low_digits + 1)], dtype=object)
    low = np.array([f"{j:0{low_digits}d}" for j in range(10**low_digits)], dtype=object)
    return high[i // 10**low_digits] + low[i % 10**low_digits]


def _order_ids(day: np.ndarray, start: np.datetime64, ndays: int) -> np.ndarray:
    """ERP-style order numbers SO + date + sequence within the day (SO202409150003)."""
    m = len(day)
    if not m:
        return np.zeros(0, dtype=object)
    first_of_day = np.searchsorted(day, np.arange(ndays), side="left")  # day is sorted
    seq = np.arange(m) - first_of_day[day] + 1
    width = max(4, len(str(int(seq.max()))))
    dates = (start + np.arange(ndays).astype("timedelta64[D]")).astype(str)
    prefix = np.array(["SO" + d.replace("-", "") for d in dates], dtype=object)
    seq_text = np.array([f"{i:0{width}d}" for i in range(int(seq.max()) + 1)], dtype=object)
    return prefix[day] + seq_text[seq]


def _campaign_costs(rng, campaigns: pd.DataFrame, camp: np.ndarray, amount: np.ndarray, cust: np.ndarray,
                    n: int) -> pd.DataFrame:
    """Cost and reach of each campaign, sized by what it brought in (ROI of about 2-12).
    ``camp`` is each order's campaign index (-1: none)."""
    k = len(campaigns)
    has = camp >= 0
    revenue = np.bincount(camp[has], weights=amount[has], minlength=k)
    pairs = np.unique(camp[has].astype(np.int64) * (n + 1) + cust[has])
    buyers = np.bincount((pairs // (n + 1)).astype(np.intp), minlength=k)
    cost = np.maximum(np.round(revenue * rng.uniform(0.08, 0.45, k), -3), 5_000.0)
    reached = np.minimum(np.maximum(np.round(buyers * rng.uniform(3.0, 8.0, k)), buyers + 5), max(n, 10))
    out = campaigns.copy()
    out["cost"] = cost
    out["reached"] = reached.astype(float)
    return out


def _interactions(rng, sampler: _Sampler, ids, arch, owner, first_day, last_day, ndays, start, n_t1) -> pd.DataFrame:
    """Visits, calls, technical support, complaints, suggestions and surveys.

    Negative feedback (complaints, unresolved tickets, slow responses, low satisfaction and
    recommendation scores) concentrates on at-risk, declining and lapsed customers; about one
    high-value customer in six had three slow-response complaints in the last six months
    (seed 000: "售后响应超时3次")."""
    n = len(ids)
    last = ndays - 1
    risky = np.isin(arch, [_A["at_risk"], _A["declining"], _A["lapsed"]])
    per_year = np.select([arch == _A["high_value"], arch == _A["potential"], risky, arch == _A["new"]],
                         [10.0, 6.0, 4.0, 8.0], 3.0)
    lo = np.maximum(first_day - 30, 0)
    hi = np.minimum(last_day + 150, last)
    k = rng.poisson(per_year * (hi - lo + 1) / 365.0)
    cust = np.repeat(np.arange(n), k)
    day = sampler(rng, lo[cust], hi[cust])
    q = len(cust)
    types = np.array(vocab.INTERACTION_TYPES, dtype=object)
    p_normal = np.array([0.26, 0.30, 0.16, 0.04, 0.06, 0.18])
    p_risky = np.array([0.14, 0.26, 0.16, 0.20, 0.06, 0.18])
    r_c = risky[cust]
    cum = np.where(r_c[:, None], np.cumsum(p_risky), np.cumsum(p_normal))
    t = np.minimum((rng.random(q)[:, None] > cum).sum(axis=1), len(types) - 1)

    # planted: slow-response complaints at some high-value customers
    hv = np.flatnonzero(arch == _A["high_value"])
    planted = hv[rng.random(len(hv)) < 1 / 6]
    p_cust = np.repeat(planted, 3)
    p_day = sampler(rng, np.full(len(p_cust), last - 180), np.full(len(p_cust), last - 3))
    cust = np.concatenate([cust, p_cust])
    day = np.concatenate([day, p_day])
    t = np.concatenate([t, np.full(len(p_cust), vocab.INTERACTION_TYPES.index("投诉"))])
    slow_planted = np.concatenate([np.zeros(q, bool), np.ones(len(p_cust), bool)])
    q = len(cust)
    order = np.lexsort((cust, day))
    cust, day, t, slow_planted = cust[order], day[order], t[order], slow_planted[order]
    itype = types[t]
    r_c = risky[cust]

    type_code = {name: i for i, name in enumerate(vocab.INTERACTION_TYPES)}
    is_t = lambda name: t == type_code[name]  # noqa: E731
    ticket = is_t("技术支持") | is_t("投诉")
    outreach = is_t("拜访") | is_t("电话") | is_t("满意度调研")
    responded = np.where(outreach, rng.random(q) < np.where(r_c, 0.55, 0.9), True)
    survey = is_t("满意度调研") & responded
    mood = np.select([r_c, arch[cust] == _A["high_value"], arch[cust] == _A["potential"]], [4.8, 8.6, 8.2], 7.6)
    mood = np.where(slow_planted, 5.0, mood)
    nps = np.where(survey, np.clip(np.round(rng.normal(mood, 1.7)), 0, 10), np.nan)
    sat_from = np.where(survey, nps, np.clip(rng.normal(np.where(r_c, 3.0, 5.0), 1.5), 0, 10))
    satisfaction = np.where(survey | is_t("投诉"), np.clip(np.round(1 + sat_from / 2.5 + rng.normal(0, 0.5, q)), 1, 5),
                            np.nan)
    satisfaction = np.where(is_t("投诉"), np.minimum(satisfaction, 3), satisfaction)
    hours = np.round(rng.gamma(1.6, np.where(r_c, 16.0, 5.0)), 1)
    hours = np.where(slow_planted, np.round(rng.uniform(26, 72, q), 1), hours)
    response = np.where(ticket, np.maximum(hours, 0.1), np.nan)
    resolved = np.where(ticket, rng.random(q) < np.where(r_c, 0.65, 0.93), None)
    resolved = np.where(ticket & (day >= last - 3), False, resolved)  # just opened
    resolved = np.where(slow_planted, True, resolved)

    staff = np.array(vocab.SUPPORT_STAFF, dtype=object)
    who = np.where(ticket, staff[rng.integers(0, len(staff), q)], owner[cust])
    content = np.empty(q, dtype=object)
    for name, texts in vocab.INTERACTION_TEXTS.items():
        m = is_t(name)
        content[m] = np.array(texts, dtype=object)[rng.integers(0, len(texts), int(m.sum()))]
    content = np.where(is_t("投诉") & (response > 24), "售后响应超时", content)
    return pd.DataFrame({
        "interaction_id": _serial_ids("HD", q),
        "customer_id": ids[cust],
        "date": (start + day.astype("timedelta64[D]")).astype("datetime64[ns]"),
        "type": itype,
        "satisfaction": satisfaction,
        "nps_score": nps,
        "response_hours": response,
        "responded": pd.array(responded, dtype="boolean"),
        "resolved": pd.array(resolved, dtype="boolean"),
        "owner": who,
        "content": content,
    })


def _leads(rng, sampler: _Sampler, ids, owner, first_day, pre_window, campaigns: pd.DataFrame, start, ndays) -> pd.DataFrame:
    """The funnel 线索 -> 商机 -> 成交 (and 丢失). Most customers whose first order is in the
    window came from a won lead that closed on their first order day; the other leads are
    lost, or still open (线索 recent, 商机 a little older)."""
    last = ndays - 1
    in_window = np.flatnonzero(~pre_window & (first_day > 14) & (first_day <= last))
    won = in_window[rng.random(len(in_window)) < 0.8]
    w_closed = first_day[won]
    w_created = sampler(rng, np.maximum(w_closed - 120, 0), w_closed - 10)
    n_won = len(won)
    n_other = max(int(round(n_won / 0.22 * 0.78)), 6)
    stage_other = np.array(["丢失", "线索", "商机"], dtype=object)[rng.choice(3, n_other, p=[0.52, 0.26, 0.22])]
    lo = np.select([stage_other == "线索", stage_other == "商机"], [last - 60, last - 150], 0)
    hi = np.select([stage_other == "丢失"], [last - 20], last)
    o_created = sampler(rng, np.maximum(lo, 0), np.maximum(hi, 0))

    created = np.concatenate([w_created, o_created])
    stage = np.concatenate([np.full(n_won, "成交", dtype=object), stage_other])
    cust = np.concatenate([ids[won], np.full(n_other, None, dtype=object)])
    closed = np.concatenate([w_closed, np.full(n_other, -1)])
    region_owners = np.array([o for o, _r in vocab.OWNERS], dtype=object)
    who = np.concatenate([owner[won], region_owners[rng.integers(0, len(region_owners), n_other)]])
    src = np.array([s for s, _p in vocab.LEAD_SOURCES], dtype=object)
    src_p = np.array([p for _s, p in vocab.LEAD_SOURCES])
    source = src[rng.choice(len(src), len(created), p=src_p / src_p.sum())]

    # leads created while a campaign ran came from it (mostly)
    c_start = ((campaigns["start_date"].to_numpy() - np.datetime64(start, "ns")) // np.timedelta64(1, "D")).astype(int)
    c_end = ((campaigns["end_date"].to_numpy() - np.datetime64(start, "ns")) // np.timedelta64(1, "D")).astype(int)
    j = np.searchsorted(c_start, created, side="right") - 1
    jj = np.maximum(j, 0)
    running = (j >= 0) & (created <= c_end[jj]) & (rng.random(len(created)) < 0.6)
    camp = np.where(running, campaigns["campaign_id"].to_numpy()[jj], None)

    order = np.lexsort((rng.random(len(created)), created))
    created, stage, cust, closed, who, source, camp = (x[order] for x in (created, stage, cust, closed, who, source, camp))
    as_date = lambda d: (start + d.astype("timedelta64[D]")).astype("datetime64[ns]")  # noqa: E731
    closed_date = np.where(closed >= 0, as_date(np.maximum(closed, 0)), np.datetime64("NaT", "ns"))
    return pd.DataFrame({
        "lead_id": _serial_ids("XS", len(created), 5),
        "created_date": as_date(created),
        "stage": stage,
        "customer_id": text_array(cust),
        "source": source,
        "campaign_id": text_array(camp),
        "owner": who,
        "closed_date": closed_date.astype("datetime64[ns]"),
    })


def _targets(rng, day: np.ndarray, amount: np.ndarray, owner_idx: np.ndarray, start: np.datetime64,
             months: int) -> pd.DataFrame:
    """A monthly sales target per owner (with the owner's region) for every month of the
    window: the owner's average month, shaped by the season, raised ~10 % a year, with
    noise, rounded to thousands, so that attainment varies around 100 %. ``owner_idx``
    is each order's index into ``vocab.OWNERS``."""
    periods = pd.period_range(pd.Timestamp(start), periods=months, freq="M")
    owners = [o for o, _r in vocab.OWNERS]
    region = dict(vocab.OWNERS)
    order_month = (start + day.astype("timedelta64[D]")).astype("datetime64[M]").astype(int) % 12  # 0 = Jan
    per_owner = np.bincount(owner_idx, weights=amount, minlength=len(owners)) / months
    season = np.bincount(order_month, weights=amount, minlength=12)
    season = np.where(season > 0, season / max(season[season > 0].mean(), 1.0), 1.0)
    p_rep = np.repeat(np.arange(months), len(owners))
    o_rep = np.tile(np.arange(len(owners)), months)
    mon = periods.month.to_numpy()[p_rep]
    growth = 1.0 + 0.1 * (p_rep - months / 2) / 12
    target = per_owner[o_rep] * season[mon - 1] * growth * rng.uniform(0.9, 1.15, len(p_rep))
    target = np.maximum(np.round(target, -3), 10_000.0)
    return pd.DataFrame({
        "period": periods.strftime("%Y-%m").to_numpy()[p_rep],
        "owner": np.array(owners, dtype=object)[o_rep],
        "region": np.array([region[o] for o in owners], dtype=object)[o_rep],
        "target_amount": target,
    })
