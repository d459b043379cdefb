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
    "score_modes",
    "one_score_share",
    "rfm_summary",
    "rfm_scores",
    "rfm_table",
    "rfm_total",
    "resolve_analysis_date",
    "RFM_COLUMNS",
]

import numpy as np
import pandas as pd

from ..settings import AnalysisSettings
from .dataset import CrmData
from .prepared import Prepared, prepare, resolve_analysis_date

DAYS_PER_MONTH = 365.25 / 12

RFM_COLUMNS = (
    "customer_id", "customer_name", "contact_name", "industry", "region", "owner", "last_purchase_date",
    "first_purchase_date", "recency_days", "recency_months", "frequency", "frequency_per_year", "monetary",
    "r_score", "f_score", "m_score", "rfm_total",
)


def _as_float(x) -> np.ndarray:
    """Anything array-like -> float array of the same shape; non-numbers -> NaN."""
    if isinstance(x, pd.Series) and pd.api.types.is_numeric_dtype(x.dtype):
        return x.to_numpy(dtype=float, na_value=np.nan)
    a = np.asarray(x)
    if a.dtype.kind in "fiub":
        return a.astype(float)
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


def rfm_total(r, f, m, weights=(1.0, 1.0, 1.0)) -> np.ndarray:
    """Weighted RFM total ``wR*R + wF*F + wM*M`` (Template 1's RFM总分 with weights 1, 1, 1).

    NaN in any score -> NaN.
    """
    wr, wf, wm = weights
    return wr * _as_float(r) + wf * _as_float(f) + wm * _as_float(m)


def rfm_scores(summary: pd.DataFrame, settings: AnalysisSettings) -> pd.DataFrame:
    """R, F, M scores and the weighted total for a frame with ``recency_days``,
    ``frequency`` and ``monetary`` (e.g. :func:`rfm_summary`)."""
    r, f, m, total = _scores(summary["recency_days"], summary["frequency"], summary["monetary"], settings)
    return pd.DataFrame({"r_score": r, "f_score": f, "m_score": m, "rfm_total": total}, index=summary.index)


# score_mode "auto": a dimension whose absolute breakpoints give at least this share of the
# customers one and the same score (amounts in another currency or scale than the seed's
# 元, a data set of one-off buyers) is scored by quintiles instead -- if there are enough
# customers and values for quintiles to tell them apart
AUTO_ONE_SCORE_SHARE = 0.8
AUTO_MIN_CUSTOMERS = 10


def score_modes(recency_days, frequency, monetary, settings: AnalysisSettings) -> tuple[str, str, str]:
    """The scoring of R, F and M: "absolute" or "quantile" each. ``settings.score_mode``
    "absolute" / "quantile" applies to all three; "auto" keeps the absolute breakpoints for
    a dimension unless they put :data:`AUTO_ONE_SCORE_SHARE` or more of at least
    :data:`AUTO_MIN_CUSTOMERS` customers into one score while the values themselves differ
    (at least 3 distinct values), where quintiles are used (:func:`score_explanations`
    says why)."""
    if settings.score_mode != "auto":
        return (settings.score_mode,) * 3
    out: list[str] = []
    for values, absolute in ((recency_days, score_recency(recency_days, settings.recency_breakpoints_days)),
                             (frequency, score_frequency(frequency, settings.frequency_breakpoints)),
                             (monetary, score_monetary(monetary, settings.monetary_breakpoints))):
        out.append("quantile" if _collapsed(_as_float(values), absolute) else "absolute")
    return out[0], out[1], out[2]


def _collapsed(values: np.ndarray, scores: np.ndarray) -> bool:
    ok = ~np.isnan(scores)
    n = int(ok.sum())
    if n < AUTO_MIN_CUSTOMERS or len(np.unique(values[ok])) < 3:
        return False
    return np.bincount(scores[ok].astype(np.intp)).max() / n >= AUTO_ONE_SCORE_SHARE


def one_score_share(values, breakpoints, kind: str) -> float:
    """The largest share of customers the absolute breakpoints give one score (for the
    report's explanation of an "auto" switch to quintiles)."""
    fn = {"recency": score_recency, "frequency": score_frequency, "monetary": score_monetary}[kind]
    sc = fn(values, breakpoints)
    ok = ~np.isnan(sc)
    return float(np.bincount(sc[ok].astype(np.intp)).max() / ok.sum()) if ok.any() else 0.0


def _scores(recency_days, frequency, monetary, settings: AnalysisSettings, modes=None):
    rm, fm, mm = modes or score_modes(recency_days, frequency, monetary, settings)
    r = (score_quantile(recency_days, higher_is_better=False) if rm == "quantile"
         else score_recency(recency_days, settings.recency_breakpoints_days))
    f = score_quantile(frequency) if fm == "quantile" else score_frequency(frequency, settings.frequency_breakpoints)
    m = score_quantile(monetary) if mm == "quantile" else score_monetary(monetary, settings.monetary_breakpoints)
    return r, f, m, rfm_total(r, f, m, settings.rfm_weights)


def _date(days: np.ndarray) -> np.ndarray:
    out = days.astype("datetime64[D]").astype("datetime64[ns]")
    out[days == np.iinfo(np.int64).min] = np.datetime64("NaT", "ns")
    return out


def rfm_table(data: CrmData, settings: AnalysisSettings | None = None, *,
              prepared: Prepared | None = None) -> pd.DataFrame:
    """Template 1 per customer: every customer with at least one order up to the analysis date.

    Parameters
    ----------
    data : CrmData
        Cleaned tables (only ``customers`` and ``orders`` are used).
    settings : AnalysisSettings, optional
        Breakpoints, weights, ``score_mode`` and ``rfm_window_months``.
    prepared : Prepared, optional
        Shared arrays from :func:`crm_xl.core.prepared.prepare` (built when omitted).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`RFM_COLUMNS`, ordered by customer ID:

        * ``recency_days`` = analysis date - last purchase date (days);
          ``recency_months`` = recency_days / 30.44;
        * ``frequency`` = orders, ``monetary`` = sum of amounts (元), both over
          ``rfm_window_months`` (None = all history, Template 1's 累计);
        * ``frequency_per_year`` = frequency / window years, or without a window
          frequency / max(1, years since the first purchase);
        * ``r_score``, ``f_score``, ``m_score`` 1-5 and ``rfm_total`` = weighted sum.

        ``attrs["score_modes"]`` says how R, F and M were scored (:func:`score_modes`).
    """
    settings = settings or AnalysisSettings()
    p = prepared if prepared is not None else prepare(data, settings)
    if settings.rfm_window_months is None:
        freq, mon = p.facts.count, p.facts.total
    else:
        start = p.day_months_before(settings.rfm_window_months)
        freq, mon = p.facts.orders_between(start), p.facts.amount_between(start)
    rows = p.rfm_rows
    last, first = p.facts.last_day[rows], p.facts.first_day[rows]
    recency = (p.today - last).astype(float)
    if settings.rfm_window_months is None:
        years = np.maximum((p.today - first + 1) / 365.25, 1.0)
    else:
        years = settings.rfm_window_months / 12
    cols = {
        "customer_id": p.id_strings.take(rows),
        **{c: p.text_array(c).take(rows) for c in ("customer_name", "contact_name", "industry", "region", "owner")},
        "last_purchase_date": _date(last),
        "first_purchase_date": _date(first),
        "recency_days": recency,
        "recency_months": np.round(recency / DAYS_PER_MONTH, 1),
        "frequency": freq[rows],
        "frequency_per_year": freq[rows] / years,
        "monetary": mon[rows],
    }
    # the scores from the same columns (as rfm_scores), then one frame in RFM_COLUMNS order
    modes = score_modes(cols["recency_days"], cols["frequency"], cols["monetary"], settings)
    cols.update(zip(("r_score", "f_score", "m_score", "rfm_total"),
                    _scores(cols["recency_days"], cols["frequency"], cols["monetary"], settings, modes), strict=True))
    out = pd.DataFrame({k: cols[k] for k in RFM_COLUMNS})
    out.attrs["score_modes"] = modes  # how R, F, M were scored ("absolute" / "quantile")
    return out
