"""RFM: recency, frequency, monetary per customer and their 1-5 scores (seed 004 Template 1).

Scorers work on plain arrays (NaN in -> NaN out) so worksheet functions can call them
on whole columns; :func:`rfm_table` builds the per-customer table from cleaned orders.

Default breakpoints (``AnalysisSettings``) reproduce Template 1 with the analysis date
2024-09-30: C001 2024-09-15 / 12 / 150,000 -> 5, 5, 5 = 15; C002 2024-07-20 / 8 / 80,000
-> 3, 4, 4 = 11; C003 2024-03-10 / 3 / 20,000 -> 1, 2, 2 = 5.
"""

from __future__ import annotations

__all__ = [
    "score_recency",
    "score_frequency",
    "score_monetary",
    "score_quantile",
    "rfm_summary",
    "rfm_scores",
    "rfm_table",
    "resolve_analysis_date",
]

import numpy as np
import pandas as pd

from ..errors import InputError
from ..settings import AnalysisSettings
from .dataset import CrmData


def _as_float(x) -> np.ndarray:
    return np.asarray(pd.to_numeric(pd.Series(np.ravel(np.asarray(x, dtype=object))), errors="coerce"),
                      dtype=float).reshape(np.shape(x))


def score_recency(days, breakpoints=(30, 60, 90, 180)) -> np.ndarray:
    """R score 1-5 from days since the last purchase.

    ``breakpoints`` are inclusive upper bounds for scores 5, 4, 3, 2: with (30, 60, 90, 180)
    0-30 days -> 5 ("近1个月=5分"), 31-60 -> 4, 61-90 -> 3, 91-180 -> 2, older -> 1.
    NaN (never bought) -> NaN. Negative days (a date after the analysis date) score 5.
    """
    d = _as_float(days)
    out = 5.0 - np.searchsorted(np.asarray(breakpoints, dtype=float), d, side="left")
    return np.where(np.isnan(d), np.nan, out)


def _score_up(values, breakpoints) -> np.ndarray:
    v = _as_float(values)
    out = 1.0 + np.searchsorted(np.asarray(breakpoints, dtype=float), v, side="right")
    return np.where(np.isnan(v), np.nan, out)


def score_frequency(frequency, breakpoints=(2, 4, 6, 10)) -> np.ndarray:
    """F score 1-5 from the number of purchases; ``breakpoints`` are inclusive lower bounds
    for scores 2, 3, 4, 5 (default: 1 -> 1, 2-3 -> 2, 4-5 -> 3, 6-9 -> 4, >= 10 -> 5)."""
    return _score_up(frequency, breakpoints)


def score_monetary(amount, breakpoints=(10_000, 30_000, 60_000, 100_000)) -> np.ndarray:
    """M score 1-5 from the purchase amount in 元; ``breakpoints`` are inclusive lower bounds
    for scores 2, 3, 4, 5 (default: < 1万 -> 1, 1-3万 -> 2, 3-6万 -> 3, 6-10万 -> 4, >= 10万 -> 5)."""
    return _score_up(amount, breakpoints)


def score_quantile(values, *, higher_is_better: bool = True) -> np.ndarray:
    """Scores 1-5 by quintile of ``values`` (rank-based, ties share a score; fewer distinct
    values than five still works: scores then skip levels rather than fail). NaN -> NaN."""
    v = _as_float(values)
    s = pd.Series(v)
    pct = s.rank(method="average", pct=True, ascending=higher_is_better)
    out = np.ceil(pct.to_numpy() * 5)
    return np.where(np.isnan(v), np.nan, np.clip(out, 1, 5))


def resolve_analysis_date(data: CrmData, settings: AnalysisSettings) -> pd.Timestamp:
    """The analysis date: the setting, else the latest order date."""
    if settings.analysis_date is not None:
        return pd.Timestamp(settings.analysis_date)
    if len(data.orders) == 0 or data.orders["order_date"].isna().all():
        raise InputError("没有有效订单，无法确定分析日期。", "no valid orders: cannot determine the analysis date.")
    return pd.Timestamp(data.orders["order_date"].max()).normalize()


def rfm_summary(orders: pd.DataFrame, as_of: pd.Timestamp, window_months: int | None = None) -> pd.DataFrame:
    """Per customer: last purchase date, recency (days), frequency and monetary value.

    Orders after ``as_of`` are ignored. With ``window_months`` frequency and monetary
    count only that many months before ``as_of``; recency always uses all history.
    """
    o = orders[orders["order_date"] <= as_of]
    last = o.groupby("customer_id", sort=False)["order_date"].max()
    first = o.groupby("customer_id", sort=False)["order_date"].min()
    w = o if window_months is None else o[o["order_date"] > as_of - pd.DateOffset(months=window_months)]
    g = w.groupby("customer_id", sort=False)
    out = pd.DataFrame({
        "last_purchase_date": last,
        "first_purchase_date": first,
        "recency_days": (as_of - last).dt.days.astype(float),
        "frequency": g.size().reindex(last.index, fill_value=0).astype(float),
        "monetary": g["amount"].sum().reindex(last.index, fill_value=0.0).astype(float),
    })
    out.index.name = "customer_id"
    return out


def rfm_scores(summary: pd.DataFrame, settings: AnalysisSettings) -> pd.DataFrame:
    """R, F, M scores and the weighted total for an :func:`rfm_summary` frame."""
    if settings.score_mode == "quantile":
        r = score_quantile(summary["recency_days"], higher_is_better=False)
        f = score_quantile(summary["frequency"])
        m = score_quantile(summary["monetary"])
    else:
        r = score_recency(summary["recency_days"], settings.recency_breakpoints_days)
        f = score_frequency(summary["frequency"], settings.frequency_breakpoints)
        m = score_monetary(summary["monetary"], settings.monetary_breakpoints)
    wr, wf, wm = settings.rfm_weights
    total = wr * r + wf * f + wm * m
    return pd.DataFrame({"r_score": r, "f_score": f, "m_score": m, "rfm_total": total}, index=summary.index)


def rfm_table(data: CrmData, settings: AnalysisSettings | None = None) -> pd.DataFrame:
    """Template 1 per customer (customers with at least one order up to the analysis date).

    Columns: customer_id, customer_name, contact_name, industry, last_purchase_date,
    first_purchase_date, recency_days, frequency, monetary, r_score, f_score, m_score,
    rfm_total; ordered by customer ID.
    """
    settings = settings or AnalysisSettings()
    as_of = resolve_analysis_date(data, settings)
    summary = rfm_summary(data.orders, as_of, settings.rfm_window_months)
    scores = rfm_scores(summary, settings)
    info = data.customers.drop_duplicates("customer_id").set_index("customer_id")
    out = pd.concat([summary, scores], axis=1)
    for col in ("customer_name", "contact_name", "industry"):
        out[col] = info[col].reindex(out.index) if col in info else pd.NA
    out = out.reset_index().sort_values("customer_id", kind="stable").reset_index(drop=True)
    return out[["customer_id", "customer_name", "contact_name", "industry", "last_purchase_date",
                "first_purchase_date", "recency_days", "frequency", "monetary", "r_score", "f_score", "m_score",
                "rfm_total"]]
