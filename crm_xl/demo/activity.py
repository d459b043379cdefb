"""The demo's other tables: interactions, leads and sales targets."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.text import text_array
from . import vocab
from .archetypes import _A
from .orders import _serial_ids
from .sampling import _Sampler


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
