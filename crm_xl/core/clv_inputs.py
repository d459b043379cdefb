"""The CLV models' per-customer summary built from the shared :class:`~crm_xl.core.prepared.Prepared`
arrays (frequency, recency, T, monetary value; issue 9): ``np.add.reduceat`` on integer
codes gives the same numbers as :func:`~crm_xl.core.clv_summary.clv_summary` several times
faster on 1M orders, once for the whole history and once for the calibration period.
Used by :func:`crm_xl.core.clv_report.clv_analysis` (and checked against the engine's
aggregation of a database source, :mod:`crm_xl.sources.pushdown`).
"""

from __future__ import annotations

__all__ = ["prepared_clv_summary"]

import numpy as np
import pandas as pd

from .clv_summary import TIME_UNITS
from .prepared import Prepared

_UNKNOWN_IDS = ("未知", "Unknown", "")


def _purchase_days(p: Prepared) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One row per (customer, purchase day), sorted by customer code then day: codes,
    day numbers and the day's total amount. Customers with an unknown ID are dropped."""
    code, day, amount = p.purchase_days
    found = p.ids.get_indexer(pd.Index(_UNKNOWN_IDS, dtype=p.ids.dtype)) if p.ids.is_unique else None
    if found is None:
        bad = np.asarray(p.ids.isin(_UNKNOWN_IDS), dtype=bool)
    else:  # three lookups instead of hashing every ID
        bad = np.zeros(p.n, dtype=bool)
        bad[found[found >= 0]] = True
    if code.size and bad.any():
        keep = ~bad[code]
        code, day, amount = code[keep], day[keep], amount[keep]
    return code, day, amount


class _SharedCodes(np.ndarray):
    """A read-only integer array that ``copy.deepcopy`` returns as is: pandas deep-copies
    ``DataFrame.attrs`` into every frame and column derived from a frame, and the customer
    codes kept there (an array per customer) would be copied on each column access."""

    @classmethod
    def of(cls, a: np.ndarray) -> "_SharedCodes":
        out = np.asarray(a).view(cls)
        out.flags.writeable = False
        return out

    def __deepcopy__(self, memo):
        return self


def _summarise(p: Prepared, code: np.ndarray, day: np.ndarray, amount: np.ndarray, end_day: int,
               days_per_unit: float) -> pd.DataFrame:
    """The lifetimes summary of purchase-day rows (sorted by code, then day) up to ``end_day``."""
    if code.size == 0:
        empty = pd.DataFrame({c: pd.Series(dtype=float) for c in ("frequency", "recency", "T", "monetary_value")})
        empty["first_purchase"] = pd.Series(dtype="datetime64[ns]")
        empty["last_purchase"] = pd.Series(dtype="datetime64[ns]")
        empty.index = pd.Index([], dtype="str", name="customer_id")
        return empty
    starts = np.flatnonzero(np.r_[True, code[1:] != code[:-1]])
    ends = np.r_[starts[1:], code.size] - 1
    first, last = day[starts], day[ends]
    freq = (ends - starts).astype(float)
    repeat = amount.copy()
    repeat[starts] = 0.0
    repeat_sum = np.add.reduceat(repeat, starts)
    with np.errstate(invalid="ignore", divide="ignore"):
        money = np.where(freq > 0, repeat_sum / np.where(freq > 0, freq, 1.0), 0.0)
    out = pd.DataFrame({
        "frequency": freq,
        "recency": (last - first) / days_per_unit,
        "T": (end_day - first) / days_per_unit,
        "monetary_value": money,
        "first_purchase": first.astype("datetime64[D]").astype("datetime64[ns]"),
        "last_purchase": last.astype("datetime64[D]").astype("datetime64[ns]"),
    }, index=p.ids[code[starts]].rename("customer_id"))
    out.attrs["codes"] = _SharedCodes.of(code[starts])
    return out


def prepared_clv_summary(p: Prepared, unit: str = "weeks", *, holdout_months: int = 0
                         ) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The model inputs from the shared prepared arrays.

    Parameters
    ----------
    p : Prepared
        :func:`crm_xl.core.prepared.prepare` output (orders up to the analysis date with a
        known amount).
    unit : {'days', 'weeks', 'months'}
        Time unit of ``recency`` and ``T``.
    holdout_months : int
        With ``> 0``, also the calibration/holdout split: the calibration period ends
        ``holdout_months`` calendar months before the analysis date.

    Returns
    -------
    summary : DataFrame
        As :func:`crm_xl.core.clv_summary.clv_summary` with ``observation_end`` = the
        analysis date (index ``customer_id``; ``frequency``, ``recency``, ``T``,
        ``monetary_value``, ``first_purchase``, ``last_purchase``).
    cal_holdout : DataFrame or None
        As :func:`crm_xl.core.clv_summary.calibration_holdout_summary`; None without a
        holdout or when no customer bought before the calibration end.
    """
    days_per_unit = TIME_UNITS[unit]
    code, day, amount = _purchase_days(p)
    summary = _summarise(p, code, day, amount, p.today, days_per_unit)
    summary.attrs.update(observation_end=p.as_of, unit_days=days_per_unit)
    if holdout_months <= 0:
        return summary, None
    cal_day = p.day_months_before(holdout_months)
    in_cal = day <= cal_day
    cal = _summarise(p, code[in_cal], day[in_cal], amount[in_cal], cal_day, days_per_unit)
    if cal.empty:
        return summary, None
    cohort = np.zeros(p.n, dtype=bool)
    cohort[np.asarray(cal.attrs["codes"])] = True
    hold = ~in_cal & cohort[code]
    n_hold = np.bincount(code[hold], minlength=p.n).astype(float)
    s_hold = np.bincount(code[hold], weights=amount[hold], minlength=p.n)
    cc = np.asarray(cal.attrs["codes"])
    out = cal.rename(columns={"frequency": "frequency_cal", "recency": "recency_cal", "T": "T_cal",
                              "monetary_value": "monetary_value_cal"})
    out["frequency_holdout"] = n_hold[cc]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["monetary_value_holdout"] = np.where(n_hold[cc] > 0, s_hold[cc] / np.maximum(n_hold[cc], 1), 0.0)
    out["duration_holdout"] = (p.today - cal_day) / days_per_unit
    out.attrs.update(calibration_end=pd.Timestamp(np.datetime64(cal_day, "D")), observation_end=p.as_of,
                     unit_days=days_per_unit)
    return summary, out
