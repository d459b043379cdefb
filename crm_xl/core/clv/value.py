"""Customer lifetime value from the two models, and the per-customer tables: predictions and
the holdout check."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ...errors import InputError
from . import special as sp
from .bgnbd import BetaGeoModel, _bg_core, _bg_dropout_logodds
from .common import _bg_params, _rft, _unique_rows
from .fitting import _columns
from .gamma_gamma import GammaGammaModel, gamma_gamma_expected_spend

# ----------------------------------------------------------------------------- CLV

def customer_lifetime_value(
    bgnbd_params,
    gamma_gamma_params,
    frequency,
    recency,
    T,
    monetary_value,
    *,
    horizon_months: int = 12,
    monthly_discount_rate: float = 0.01,
    periods_per_month: float,
    margin: float = 1.0,
) -> np.ndarray:
    """Discounted expected value of each customer's purchases over the next months.

    ``CLV = margin * E[spend] * sum_{i=1..H} (E[Y(i P)] - E[Y((i-1) P)]) / (1 + d)**i``
    where ``E[Y(t)]`` is the BG/NBD conditional expected number of purchases in the next
    ``t`` time units, ``P = periods_per_month`` (time units per month: 30.4375 for days,
    4.348 for weeks, 1 for months), ``d`` the monthly discount rate and ``E[spend]`` the
    Gamma-Gamma expected spend per purchase. This is the formulation of lifetimes'
    ``customer_lifetime_value`` (purchases of month ``i`` discounted as if made at its end).

    Returns an array shaped like the broadcast inputs.
    """
    if int(horizon_months) != horizon_months or horizon_months < 1:
        raise InputError("预测月数必须是正整数", "the horizon in months must be a positive integer")
    if not np.isfinite(monthly_discount_rate) or monthly_discount_rate <= -1:
        raise InputError("月贴现率必须大于 -100%", "the monthly discount rate must be above -100%")
    if not np.isfinite(periods_per_month) or periods_per_month <= 0:
        raise InputError("每月的时间单位数必须为正数", "periods_per_month must be positive")
    r, alpha, a, b = _bg_params(bgnbd_params)
    spend = gamma_gamma_expected_spend(gamma_gamma_params, frequency, monetary_value)
    x, tx, TT = _rft(frequency, recency, T)
    x, tx, TT, spend = np.broadcast_arrays(x, tx, TT, spend)
    shape = x.shape
    x, tx, TT, spend = (v.reshape(-1) for v in (x, tx, TT, spend))
    H = int(horizon_months)
    core, inv = _bg_horizon_core(r, alpha, a, b, np.arange(1, H + 1, dtype=float) * periods_per_month, x, TT)
    alive = sp.expit(-_bg_dropout_logodds(r, alpha, a, b, x, tx, TT))
    return _clv_from_core(core, inv, alive, spend, monthly_discount_rate, margin).reshape(shape)


def _bg_horizon_core(r, alpha, a, b, t: np.ndarray, x: np.ndarray, T: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_bg_core` for every horizon in ``t`` (1-d) and every distinct ``(x, T)``
    pair (the hyp2f1 part depends on those only): matrix (horizons, distinct pairs) and
    the pair of each customer. Times ``P(alive)`` a row gives the conditional expected
    purchases of that horizon, exactly as :func:`bgnbd_conditional_expected_purchases`."""
    (ux, uT), inv, _ = _unique_rows(x, T) if x.size > 1 else ([x, T], np.zeros(x.size, dtype=np.intp), None)
    return _bg_core(r, alpha, a, b, t[:, None], ux[None, :], uT[None, :]), inv


def _clv_from_core(core: np.ndarray, inv: np.ndarray, alive: np.ndarray, spend: np.ndarray,
                   monthly_discount_rate: float, margin: float) -> np.ndarray:
    """The CLV sum of :func:`customer_lifetime_value` from the first ``H`` rows of a
    monthly :func:`_bg_horizon_core` (months 1..H)."""
    months = np.arange(1, core.shape[0] + 1, dtype=float)
    inc = np.diff(core, axis=0, prepend=0.0)
    disc = (1.0 + monthly_discount_rate) ** -months
    per_pair = np.einsum("h,hn->n", disc, inc)  # no threaded BLAS (see _dot)
    return margin * spend * alive * per_pair[inv]


# ----------------------------------------------------------------------------- tables

def clv_predictions(
    summary: pd.DataFrame,
    bgnbd: BetaGeoModel,
    gamma_gamma: GammaGammaModel | None = None,
    *,
    periods_per_month: float,
    horizons_months: Sequence[int] = (3, 6, 12),
    clv_months: int = 12,
    monthly_discount_rate: float = 0.01,
    margin: float = 1.0,
) -> pd.DataFrame:
    """Per-customer prediction table (one row per row of ``summary``, same index).

    Columns: ``purchases_{h}m`` (expected purchases in the next h months) for each
    horizon, ``p_alive``, and with a Gamma-Gamma model ``expected_spend`` (per purchase),
    ``clv`` (discounted over ``clv_months``) and ``clv_rank`` (1 = highest CLV).
    ``periods_per_month`` is the number of the summary's time units in a month
    (``30.4375 / unit_days``; e.g. 4.348 for weeks).
    """
    freq, rec, T = _columns(summary, ("frequency", "recency", "T"))
    out = pd.DataFrame(index=summary.index)
    for h in horizons_months:
        out[f"purchases_{int(h)}m"] = bgnbd.conditional_expected_purchases(h * periods_per_month, freq, rec, T)
    out["p_alive"] = bgnbd.p_alive(freq, rec, T)
    if gamma_gamma is not None:
        (money,) = _columns(summary, ("monetary_value",))
        out["expected_spend"] = gamma_gamma.expected_spend(freq, money)
        out["clv"] = gamma_gamma.customer_lifetime_value(
            bgnbd, freq, rec, T, money, horizon_months=clv_months, monthly_discount_rate=monthly_discount_rate,
            periods_per_month=periods_per_month, margin=margin)
        out["clv_rank"] = out["clv"].rank(ascending=False, method="min").astype(int)
    return out


def holdout_comparison(cal_holdout: pd.DataFrame, bgnbd: BetaGeoModel, *, max_frequency: int = 7,
                       predicted: np.ndarray | None = None) -> pd.DataFrame:
    """Predicted vs actual holdout purchases, grouped by calibration-period frequency
    (the papers' conditional-expectation check; frequencies >= ``max_frequency`` pooled).

    ``cal_holdout`` is :func:`crm_xl.core.clv_summary.calibration_holdout_summary` output
    and ``bgnbd`` a model fitted on its calibration columns (``predicted``: its conditional
    expected holdout purchases per row, if already computed). Returns one row per group
    with ``customers``, ``actual`` and ``predicted`` mean holdout purchases.
    """
    # (as arrays: numpy probing a Series with a long text index for array attributes makes
    # pandas hash the whole index)
    x, tx, T, xh, dur = (c.to_numpy() for c in _columns(cal_holdout, ("frequency_cal", "recency_cal", "T_cal",
                                                                       "frequency_holdout", "duration_holdout")))
    pred = bgnbd.conditional_expected_purchases(np.asarray(dur, dtype=float), x, tx, T) if predicted is None \
        else np.asarray(predicted, dtype=float)
    group = np.minimum(np.asarray(x, dtype=float), max_frequency).astype(int)
    g = pd.DataFrame({"actual": np.asarray(xh, dtype=float), "predicted": pred}).groupby(pd.Index(group))
    means = g.mean()  # (one grouping for both means and the sizes)
    out = pd.DataFrame({"customers": g.size(), "actual": means["actual"], "predicted": means["predicted"]})
    out.index = [f"{g}+" if g == max_frequency else str(g) for g in out.index]
    out.index.name = "frequency_cal"
    return out
