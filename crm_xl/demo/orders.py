"""The demo's orders: purchase days per archetype, the campaign calendar, order values and ids,
campaign costs."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from . import vocab
from .archetypes import _A, _GENERIC, PRE_WINDOW_SHARE, TEMPLATE1_CUSTOMERS, _shift
from .sampling import _Sampler


def _order_days(rng, sampler: _Sampler, arch: np.ndarray, n_t1: int, ndays: int, as_of: dt.date):
    """Order days (index into the window) and customers, plus each customer's first and
    last order day and whether the customer predates the window.

    Each customer gets a last order day, an optional first order day (when the relation
    starts inside the window) and blocks ``(lo, hi, count)`` of further orders drawn with
    the seasonal day weights (:class:`_OrderDays`; the archetypes in a fixed order, which
    fixes the random draws).
    """
    d = _OrderDays(rng, sampler, arch, ndays)
    d.generic()
    d.potential()
    d.declining()
    d.at_risk()
    d.lapsed()
    d.new()
    # the latest order of all falls on as_of: a high-value customer (or any generated one)
    pool = np.flatnonzero(arch == _A["high_value"])
    if not len(pool):
        pool = np.arange(n_t1, len(arch))
    d.last_day[pool[np.argmax(d.last_day[pool])]] = d.last
    return d.assemble(n_t1, as_of)


class _OrderDays:
    """The state of :func:`_order_days`: per customer the last and first order day and
    whether the relation predates the window, and the blocks of further orders."""

    def __init__(self, rng, sampler: _Sampler, arch: np.ndarray, ndays: int) -> None:
        self.rng, self.sampler, self.arch = rng, sampler, arch
        n = self.n = len(arch)
        self.last = last = ndays - 1
        S = [(0, 89), (90, 179), (180, 364), (365, last)]  # segments in days ago
        self.lo_day, self.hi_day = self.ago([s[1] for s in S]), self.ago([s[0] for s in S])  # segment day ranges
        self.last_day = np.zeros(n, dtype=np.int64)
        self.first_day = np.full(n, -1, dtype=np.int64)  # -1: relation predates the window
        self.pre = np.zeros(n, dtype=bool)
        self.blocks_c: list = []
        self.blocks_lo: list = []
        self.blocks_hi: list = []
        self.blocks_k: list = []

    def ago(self, d):
        """days ago <-> day index"""
        return self.last - np.asarray(d)

    def of(self, archetype: str) -> np.ndarray:
        return np.flatnonzero(self.arch == _A[archetype])

    def add_block(self, cust, lo, hi, k) -> None:
        cust, lo, hi, k = (np.asarray(x, dtype=np.intp if x is cust else np.int64) for x in (cust, lo, hi, k))
        lo = np.maximum(lo, 0)
        ok = (hi >= lo) & (k > 0)
        self.blocks_c.append(cust[ok])
        self.blocks_lo.append(lo[ok])
        self.blocks_hi.append(hi[ok])
        self.blocks_k.append(k[ok])

    def draw_last(self, idx, ago_lo, ago_hi) -> None:
        self.last_day[idx] = self.sampler(self.rng, np.full(len(idx), self.ago(ago_hi)), np.full(len(idx), self.ago(ago_lo)))

    def draw_first(self, idx, earliest_ago, latest_ago, pre_share=PRE_WINDOW_SHARE) -> None:
        """Relation start: before the window (share ``pre_share``) or a first order day
        between ``earliest_ago`` and ``latest_ago`` days ago (and before the last order)."""
        p = self.rng.random(len(idx)) < pre_share
        self.pre[idx[p]] = True
        inner = idx[~p]
        hi = np.minimum(self.ago(latest_ago), self.last_day[inner] - 7)
        lo = np.full(len(inner), self.ago(min(earliest_ago, self.last)))
        ok = hi >= lo
        self.first_day[inner[ok]] = self.sampler(self.rng, lo[ok], hi[ok])
        self.pre[inner[~ok]] = True

    def generic_blocks(self, idx, rates, activity) -> None:
        """Poisson counts per segment between the first and the last order."""
        f = np.where(self.first_day[idx] >= 0, self.first_day[idx], 0)
        for s in range(4):
            lo = np.maximum(self.lo_day[s], f)
            hi = np.minimum(self.hi_day[s], self.last_day[idx])
            overlap = np.maximum(hi - lo + 1, 0)
            k = self.rng.poisson(rates[s] / 365.0 * overlap * activity)
            self.add_block(idx, lo, hi, k)

    def generic(self) -> None:
        self.activity = self.rng.lognormal(0.0, 0.35, self.n)
        for a, ((l0, l1), _amount, rates) in _GENERIC.items():
            idx = self.of(a)
            self.draw_last(idx, l0, l1)
            self.draw_first(idx, self.last, 120)
            self.generic_blocks(idx, rates, self.activity[idx])

    def potential(self) -> None:
        """exactly 3-4 orders in the last 365 days (incl. the last one)"""
        idx = self.of("potential")
        self.draw_last(idx, 0, 80)
        self.draw_first(idx, self.last, 366, pre_share=0.7)
        k_year = self.rng.integers(3, 5, len(idx))
        self.add_block(idx, np.full(len(idx), self.ago(364)), self.last_day[idx] - 1, k_year - 1)
        self.generic_blocks(idx, [0, 0, 0, 3.0], self.activity[idx])

    def declining(self) -> None:
        """at most one order in the last 90 days, at least three in the 90 before"""
        idx, rng, ago = self.of("declining"), self.rng, self.ago
        recent = rng.random(len(idx)) < 0.5
        self.last_day[idx] = np.where(recent, self.sampler(rng, np.full(len(idx), ago(89)), np.full(len(idx), ago(30))),
                                      self.sampler(rng, np.full(len(idx), ago(125)), np.full(len(idx), ago(90))))
        self.draw_first(idx, self.last, 366, pre_share=0.75)
        k_prev = 3 + rng.poisson(1.5, len(idx)) - (~recent)  # the last order may be one of them
        self.add_block(idx, np.full(len(idx), ago(179)), np.minimum(ago(90), self.last_day[idx]), k_prev)
        self.generic_blocks(idx, [0, 0, 10.0, 10.0], self.activity[idx])

    def at_risk(self) -> None:
        """last order 181-330 days ago, at most 2 in the last year"""
        idx = self.of("at_risk")
        self.draw_last(idx, 181, 330)
        self.draw_first(idx, self.last, 366)
        self.add_block(idx, np.full(len(idx), self.ago(364)), self.last_day[idx],
                       (self.rng.random(len(idx)) < 0.35).astype(int))
        self.generic_blocks(idx, [0, 0, 0, 6.0], self.activity[idx])

    def lapsed(self) -> None:
        """nothing in the last year"""
        idx = self.of("lapsed")
        self.draw_last(idx, 380, max(self.last - 30, 381))
        self.draw_first(idx, self.last, 381, pre_share=0.5)
        self.generic_blocks(idx, [0, 0, 0, 6.0], self.activity[idx])

    def new(self) -> None:
        """first order 5-85 days ago, 1-3 orders"""
        idx, rng = self.of("new"), self.rng
        self.first_day[idx] = self.sampler(rng, np.full(len(idx), self.ago(85)), np.full(len(idx), self.ago(5)))
        k = 1 + (rng.random(len(idx)) < 0.45) + (rng.random(len(idx)) < 0.15)
        has_more = k >= 2
        self.last_day[idx] = self.first_day[idx]
        more = idx[has_more]
        self.last_day[more] = self.sampler(rng, np.minimum(self.first_day[more] + 7, self.last),
                                           np.full(len(more), self.last))
        self.add_block(more, self.first_day[more], self.last_day[more], k[has_more] - 2)

    def assemble(self, n_t1: int, as_of: dt.date):
        """The orders: forced last orders, forced first orders, random blocks, then the
        Template 1 customers' orders as printed; see :func:`_order_days` for what it returns."""
        n, last, last_day, first_day = self.n, self.last, self.last_day, self.first_day
        gen = np.arange(n_t1, n)
        has_first = gen[(first_day[gen] >= 0) & (first_day[gen] < last_day[gen])]
        bc = np.concatenate(self.blocks_c) if self.blocks_c else np.zeros(0, np.intp)
        bk = np.concatenate(self.blocks_k) if self.blocks_k else np.zeros(0, np.int64)
        blo = np.repeat(np.concatenate(self.blocks_lo), bk) if self.blocks_lo else np.zeros(0, np.int64)
        bhi = np.repeat(np.concatenate(self.blocks_hi), bk) if self.blocks_hi else np.zeros(0, np.int64)
        rand_days = self.sampler(self.rng, blo, bhi) if len(blo) else np.zeros(0, np.int64)
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
        return day, cust, first_in_data, last_day, self.pre, kind


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
