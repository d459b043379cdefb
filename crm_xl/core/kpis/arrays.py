"""Array-level KPI functions the worksheet functions call on whole columns: NaN in ->
ignored; nothing to divide by -> NaN, never an exception (see :mod:`crm_xl.core.kpis`)."""

from __future__ import annotations

__all__ = ["safe_ratio", "nps", "nps_breakdown", "ltv", "aov", "repurchase_rate", "repurchase_rate_from_orders",
           "new_customer_repurchase_rate", "share_true", "stage_conversion_rate"]

import numpy as np
import pandas as pd

from ..prepared import stage_matches


def _flat(x) -> np.ndarray:
    a = np.asarray(x, dtype=object).ravel() if not isinstance(x, np.ndarray) or x.dtype.kind not in "fiub" else x.ravel()
    return np.asarray(pd.to_numeric(pd.Series(a), errors="coerce"), dtype=float)


def safe_ratio(numerator, denominator):
    """``numerator / denominator`` elementwise; NaN where the denominator is 0 or NaN.

    Scalars in -> float out; arrays in -> float array out. Never raises ZeroDivisionError.
    """
    n = np.asarray(numerator, dtype=float)
    d = np.asarray(denominator, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where((d == 0) | np.isnan(d), np.nan, n / np.where(d == 0, 1.0, d))
    return float(out) if out.ndim == 0 else out


def nps_breakdown(scores, promoter_min: int = 9, detractor_max: int = 6) -> dict[str, float]:
    """NPS with its promoter / passive / detractor counts and shares.

    Parameters
    ----------
    scores : array-like
        0-10 "how likely are you to recommend us" answers; blanks, text and values outside
        0-10 are ignored.
    promoter_min, detractor_max : int
        Bands (seed: 9-10 promoters, 0-6 detractors, 7-8 passives).

    Returns
    -------
    dict
        ``nps`` = (promoters - detractors) / responses x 100 (NaN without responses),
        ``responses``, ``promoters``, ``passives``, ``detractors`` and the shares
        ``promoter_share``, ``passive_share``, ``detractor_share`` (fractions).

    Examples
    --------
    >>> nps_breakdown([10, 9, 8, 7, 6, 0])["nps"]
    0.0
    """
    s = _flat(scores)
    s = s[~np.isnan(s) & (s >= 0) & (s <= 10)]
    n = float(s.size)
    p = float((s >= promoter_min).sum())
    d = float((s <= detractor_max).sum())
    pa = n - p - d
    return {
        "nps": safe_ratio(p - d, n) * 100 if n else float("nan"),
        "responses": n,
        "promoters": p,
        "passives": pa,
        "detractors": d,
        "promoter_share": safe_ratio(p, n),
        "passive_share": safe_ratio(pa, n),
        "detractor_share": safe_ratio(d, n),
    }


def nps(scores, promoter_min: int = 9, detractor_max: int = 6) -> float:
    """Net Promoter Score = (推荐者比例 - 贬损者比例) x 100, in -100..100 (NaN without responses).

    See :func:`nps_breakdown` for the bands and what is ignored.
    """
    return nps_breakdown(scores, promoter_min, detractor_max)["nps"]


def ltv(avg_amount, frequency, lifespan, cac=None):
    """Customer lifetime value, elementwise.

    Parameters
    ----------
    avg_amount : array-like
        Average purchase amount (客户平均购买金额, 元).
    frequency : array-like
        Purchases per year (购买频次).
    lifespan : array-like
        Customer lifespan in years (客户生命周期).
    cac : array-like, optional
        Customer acquisition cost (获取客户成本). When given, the result is seed 004's
        formula, the ratio (avg_amount x frequency x lifespan) / cac (NaN where cac <= 0);
        otherwise the plain LTV avg_amount x frequency x lifespan in 元.

    Examples
    --------
    >>> float(ltv(10_000, 4, 3))
    120000.0
    >>> float(ltv(10_000, 4, 3, cac=20_000))
    6.0
    """
    value = np.asarray(avg_amount, dtype=float) * np.asarray(frequency, dtype=float) * np.asarray(lifespan, dtype=float)
    if cac is None:
        return value
    c = np.asarray(cac, dtype=float)
    return safe_ratio(value, np.where(c > 0, c, np.nan))


def aov(amounts, customers=None) -> float:
    """客单价 (average order value) = total amount / number of orders; blanks ignored,
    NaN without orders.

    With ``customers`` (the customer ID of each amount, same length) the denominator is the
    number of distinct customers instead: revenue per buying customer (销售额 / 成交客户数).
    Rows with a blank amount or a blank customer are ignored.

    Examples
    --------
    >>> aov([100, 300])
    200.0
    >>> aov([100, 300, 200], customers=["C1", "C1", "C2"])
    300.0
    """
    a = _flat(amounts)
    if customers is None:
        a = a[~np.isnan(a)]
        return safe_ratio(a.sum(), a.size)
    c = pd.Series(np.asarray(customers, dtype=object).ravel())
    if len(c) != a.size:
        raise ValueError("amounts and customers must have the same length")
    ok = ~np.isnan(a) & c.notna().to_numpy() & (c.astype(str).str.strip() != "").to_numpy()
    return safe_ratio(a[ok].sum(), c[ok].nunique())


def repurchase_rate(order_counts) -> float:
    """复购率 = customers with >= 2 orders / customers with >= 1 order (NaN when no buyer)."""
    c = _flat(order_counts)
    c = c[~np.isnan(c)]
    return safe_ratio((c >= 2).sum(), (c >= 1).sum())


def _order_window(customer_ids, order_dates, as_of, window_months):
    """(customer codes, datetime64 dates or None, window start or None, as_of) with rows
    lacking a customer dropped."""
    ids = pd.Series(np.asarray(customer_ids, dtype=object).ravel())
    keep = ids.notna().to_numpy() & (ids.astype(str).str.strip() != "").to_numpy()
    dates = None
    if order_dates is not None:
        dates = pd.to_datetime(pd.Series(np.asarray(order_dates).ravel()), errors="coerce").to_numpy(
            dtype="datetime64[ns]")
        if dates.size != len(ids):
            raise ValueError("customer_ids and order_dates must have the same length")
        keep &= ~np.isnat(dates)
        dates = dates[keep]
    codes = pd.factorize(ids[keep].astype(str).str.strip())[0]
    start = None
    if dates is not None:
        as_of = pd.Timestamp(as_of) if as_of is not None else (pd.Timestamp(dates.max()) if dates.size else None)
        if as_of is not None and window_months is not None:
            start = (as_of - pd.DateOffset(months=int(window_months))).to_datetime64()
    return codes, dates, start, as_of


def repurchase_rate_from_orders(customer_ids, order_dates=None, as_of=None, window_months=None) -> float:
    """复购率 from an order list: customers with >= 2 orders / customers with >= 1 order.

    Parameters
    ----------
    customer_ids : array-like
        The customer ID of each order (blank IDs are ignored).
    order_dates : array-like, optional
        The order dates (datetime-like; unparseable or missing dates are ignored). Without
        them every order counts.
    as_of : date-like, optional
        Analysis date: orders after it are ignored. Default: the latest order date.
    window_months : int, optional
        Count only orders in the ``window_months`` months up to ``as_of`` (date > as_of -
        months, like the KPI window); None = all orders up to ``as_of``.

    Returns
    -------
    float
        NaN when nobody bought.

    Examples
    --------
    >>> repurchase_rate_from_orders(["C1", "C1", "C2", "C3", "C3", "C3"])
    0.6666666666666666
    """
    codes, dates, start, as_of = _order_window(customer_ids, order_dates, as_of, window_months)
    if dates is not None:
        w = np.ones(codes.size, dtype=bool)
        if as_of is not None:
            w &= dates <= np.datetime64(pd.Timestamp(as_of))
        if start is not None:
            w &= dates > start
        codes = codes[w]
    counts = np.bincount(codes) if codes.size else np.zeros(0)
    return repurchase_rate(counts[counts > 0])


def new_customer_repurchase_rate(customer_ids, order_dates, as_of=None, window_months=12) -> float:
    """新客户复购率 = 二次购买客户数 / 首购客户总数, from an order list.

    First-time buyers are customers whose first order (over all orders up to ``as_of``)
    falls in the ``window_months`` months up to ``as_of``; of those, the ones with at least
    two orders up to ``as_of`` bought again (the KPI table's definition). NaN when there
    were no first-time buyers.

    Examples
    --------
    >>> new_customer_repurchase_rate(["C1", "C1", "C2"], ["2024-05-01", "2024-06-01", "2024-07-01"],
    ...                              as_of="2024-09-30")
    0.5
    """
    codes, dates, start, as_of = _order_window(customer_ids, order_dates, as_of, window_months)
    if as_of is None or codes.size == 0:
        return float("nan")
    w = dates <= np.datetime64(pd.Timestamp(as_of))
    codes, dates = codes[w], dates[w]
    if codes.size == 0:
        return float("nan")
    n = int(codes.max()) + 1
    first = np.full(n, np.datetime64("NaT", "ns"), dtype="datetime64[ns]")
    order = np.lexsort((dates, codes))
    c_sorted = codes[order]
    head = np.r_[True, c_sorted[1:] != c_sorted[:-1]]
    first[c_sorted[head]] = dates[order][head]
    counts = np.bincount(codes, minlength=n)
    new = ~np.isnat(first) & ((first > start) if start is not None else True)
    return safe_ratio(float((new & (counts >= 2)).sum()), float(new.sum()))


def share_true(flags) -> float:
    """Share of yes among the answered: flags such as 是/否, Y/N, TRUE/FALSE, 1/0, 已续签/未续签
    (blanks and unreadable values ignored); NaN when nothing is answered. Used for 互动响应率
    and 合同续签率 from a yes/no column.

    Examples
    --------
    >>> share_true(["是", "否", "是", None, "是"])
    0.75
    """
    from ..parse import parse_bools

    b, _ = parse_bools(pd.Series(np.asarray(flags, dtype=object).ravel()))
    known = b.notna()
    return safe_ratio(float(b[known].sum()), float(known.sum()))


def stage_conversion_rate(stages, won_names=("成交", "赢单", "won", "closed won", "converted")) -> float:
    """线索-成交转化率 from a lead stage column: leads at a won stage / leads (non-blank
    stages). ``won_names`` come from ``settings.stage_won``.

    Examples
    --------
    >>> stage_conversion_rate(["成交", "商机", "丢失", "成交"])
    0.5
    """
    s = pd.Series(np.asarray(stages, dtype=object).ravel())
    s = s[s.notna() & (s.astype(str).str.strip() != "")]
    return safe_ratio(float(stage_matches(s, tuple(won_names)).sum()), float(len(s)))
