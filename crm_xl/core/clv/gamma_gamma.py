"""The Gamma-Gamma spend model (Fader, Hardie & Lee 2005; Fader & Hardie 2013): its likelihood,
expected spend per purchase, and :class:`GammaGammaModel` that fits it and checks that spend is
independent of purchase frequency."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...errors import InputError
from ...texts import Texts
from . import special as sp
from .bgnbd import BetaGeoModel
from .common import GAMMA_GAMMA_PARAMS, ModelFitError, _dot, _gg_params, _num, _trigamma
from .fitting import _columns, _FitData, _Model

TEXTS = Texts({
    # the independence check in plain words
    "independence": ("购买频次与平均消费金额的相关系数 r = {r:.2f}（{n} 位有重复购买的客户）。",
                     "Correlation of purchase frequency and mean spend r = {r:.2f} ({n} repeat customers). "),
    "weak": ("相关性较弱，符合 Gamma-Gamma 模型的独立性假设。",
             "Weak: consistent with the Gamma-Gamma independence assumption."),
    "strong": ("相关性较强，Gamma-Gamma 模型的独立性假设可能不成立，消费金额和 CLV 预测需谨慎使用。",
               "Strong: the Gamma-Gamma independence assumption may not hold; use spend and CLV predictions with care."),
})

# ----------------------------------------------------------------------------- Gamma-Gamma

def _gg_inputs(frequency, monetary_value) -> tuple[np.ndarray, np.ndarray]:
    """Validated frequency and mean spend; a missing spend stays NaN (excluded from fits,
    NaN predictions) because a summary has no spend when every repeat amount is unknown."""
    x = _num(frequency, "购买频次 frequency", "frequency")
    if isinstance(monetary_value, np.ndarray) and monetary_value.dtype.kind in "fiu":
        m = monetary_value.astype(float, copy=False)
    else:
        m = np.asarray(pd.to_numeric(pd.Series(np.ravel(np.asarray(monetary_value, dtype=object))), errors="coerce"),
                       dtype=float).reshape(np.shape(monetary_value))
    x, m = np.broadcast_arrays(x, m)
    if np.any(x < 0) or np.any(x != np.round(x)):
        raise InputError("「frequency」（重复购买次数）必须是非负整数",
                         "'frequency' (repeat purchases) must be a non-negative integer")
    return x, m


def _gg_log_terms(p, q, g, x, m):
    px = p * x
    lxm = np.log(x * m)
    lgxm = np.log(g + x * m)
    ll = -np.log(m) - sp.betaln(px, q) + q * (np.log(g) - lgxm) + px * (lxm - lgxm)
    return ll, px, lxm, lgxm


def gamma_gamma_log_likelihood(params, frequency, monetary_value) -> np.ndarray:
    """Per-customer Gamma-Gamma log-likelihood of the mean repeat spend ``m`` over ``x``
    purchases (Fader & Hardie 2013, eq. 1b); only defined for ``x >= 1`` and ``m > 0``
    (other customers get NaN)."""
    p, q, g = _gg_params(params)
    x, m = _gg_inputs(frequency, monetary_value)
    ok = (x > 0) & (m > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ll = _gg_log_terms(p, q, g, np.where(ok, x, 1.0), np.where(ok, m, 1.0))[0]
    return np.where(ok, ll, np.nan)


def _gg_derivs(theta, data: "_FitData", hess: bool):
    """Weighted total log-likelihood, gradient and (optionally) Hessian w.r.t. (p, q, gamma).
    Special functions of ``p x`` are evaluated once per distinct ``x``."""
    p, q, g = theta
    x, m = data.cols
    w, ux, wx, n = data.weights, data.ux, data.wx, data.n
    pu = p * ux
    if "gg" not in data.cache:  # x m, its log, w x, sum of w log m
        xm = x * m
        data.cache["gg"] = (xm, np.log(xm), w * x, _dot(w, np.log(m)))
    xm, lxm, wxx, wlm = data.cache["gg"]
    lgxm = np.log(g + xm)
    igxm = 1.0 / (g + xm)
    dig_pxq, dig_px = sp.digamma(pu + q), sp.digamma(pu)
    wd = _dot(wxx, (lxm - lgxm))
    total = (-wlm - _dot(wx, sp.betaln(pu, q)) + q * (n * np.log(g) - _dot(w, lgxm)) + p * wd)
    grad = np.array([
        _dot((wx * ux), (dig_pxq - dig_px)) + wd,
        _dot(wx, dig_pxq) - _dot(w, lgxm) + n * (np.log(g) - sp.digamma(q)),
        n * q / g - _dot(w, ((p * x + q) * igxm)),
    ])
    if not hess:
        return total, grad, None
    tri_pxq = _trigamma(pu + q)
    H = np.empty((3, 3))
    H[0, 0] = _dot((wx * ux**2), (tri_pxq - _trigamma(pu)))
    H[0, 1] = _dot((wx * ux), tri_pxq)
    H[0, 2] = -_dot(wxx, igxm)
    H[1, 1] = _dot(wx, tri_pxq) - n * float(_trigamma(q))
    H[1, 2] = n / g - _dot(w, igxm)
    H[2, 2] = -n * q / g**2 + _dot(w, ((p * x + q) * igxm**2))
    H = np.triu(H) + np.triu(H, 1).T
    return total, grad, H


def gamma_gamma_population_mean(params) -> float:
    """Mean spend per purchase across customers, ``p * gamma / (q - 1)`` (infinite when
    ``q <= 1``)."""
    p, q, g = _gg_params(params)
    return float(p * g / (q - 1.0)) if q > 1.0 else float("inf")


def gamma_gamma_expected_spend(params, frequency, monetary_value) -> np.ndarray:
    """Expected spend per purchase of a customer with ``frequency`` repeat purchases of
    mean ``monetary_value`` (Fader & Hardie 2013, eq. 5): ``p (gamma + x m) / (p x + q - 1)``,
    a weighted average of the population mean and the customer's own mean. Customers
    without repeat purchases get the population mean. Needs ``q > 1``."""
    p, q, g = _gg_params(params)
    if q <= 1.0:
        raise ModelFitError(
            f"Gamma-Gamma 参数 q = {q:.4g} ≤ 1：平均消费金额的期望值不存在（消费分布尾部过重），无法预测消费金额",
            f"Gamma-Gamma parameter q = {q:.4g} <= 1: the expected spend does not exist "
            "(spend distribution too heavy-tailed), so spend cannot be predicted",
        )
    x, m = _gg_inputs(frequency, monetary_value)
    m = np.where(x > 0, m, 0.0)
    return p * (g + x * m) / (p * x + q - 1.0)


def _average_ranks(v: np.ndarray) -> np.ndarray:
    """Ranks 1..n, ties sharing their average rank (as ``scipy.stats.rankdata``)."""
    few = v.size > 0 and len(np.unique(v[:1000])) <= 250  # (a sample: many distinct values -> sort all)
    codes, uniq = pd.factorize(v) if few else (None, ())  # hashed; few distinct values: sort those only
    if few and 0 < len(uniq) <= v.size // 4 and not np.isnan(v).any():
        order = np.argsort(uniq)
        rank = np.empty(order.size, dtype=np.intp)
        rank[order] = np.arange(order.size)
        inv = rank[codes]
        counts = np.bincount(inv, minlength=order.size)
    else:
        uniq, inv, counts = np.unique(v, return_inverse=True, return_counts=True)
    upper = np.cumsum(counts)
    return ((upper - (counts - 1) / 2.0))[inv]


def _pearson(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Pearson correlation and its two-sided p-value (t test with n - 2 d.o.f.); NaN when a
    variable is constant or n < 3."""
    n = x.size
    if n < 3:
        return float("nan"), float("nan")
    xc, yc = x - x.mean(), y - y.mean()
    den = np.sqrt(_dot(xc, xc) * _dot(yc, yc))
    if den == 0:
        return float("nan"), float("nan")
    r = float(np.clip(_dot(xc, yc) / den, -1.0, 1.0))
    if abs(r) == 1.0:
        return r, 0.0
    t = r * np.sqrt((n - 2) / (1.0 - r * r))
    return r, float(2.0 * sp.stdtr(n - 2, -abs(t)))


class GammaGammaModel(_Model):
    """Gamma-Gamma model of spend per purchase (Fader, Hardie & Lee 2005; Fader & Hardie 2013).

    Fitted on customers with at least one repeat purchase and a positive mean repeat
    spend; others are counted in ``n_excluded_``. The model assumes spend is independent
    of purchase frequency; :meth:`fit` measures their correlation over the fitted customers
    and stores it in ``independence_``.

    Parameters
    ----------
    penalizer : float
        As for :class:`BetaGeoModel`.
    max_abs_correlation : float
        ``independence_['ok']`` is False when |Pearson r| of frequency and spend exceeds
        this (default 0.3) *and* the correlation is significant at 5 %.

    Attributes
    ----------
    params_ : dict
        ``{'p', 'q', 'gamma'}``: spend per purchase ~ Gamma(shape p, rate nu),
        nu ~ Gamma(shape q, rate gamma).
    independence_ : dict
        ``n``, ``pearson_r``, ``pearson_p``, ``spearman_r``, ``spearman_p``, ``ok``.
    n_excluded_ : int
    """

    param_names = GAMMA_GAMMA_PARAMS
    _name_zh = "Gamma-Gamma"
    _name_en = "Gamma-Gamma"

    def __init__(self, penalizer: float = 0.0, max_abs_correlation: float = 0.3) -> None:
        super().__init__(penalizer)
        self.max_abs_correlation = float(max_abs_correlation)
        self.independence_: dict | None = None
        self.n_excluded_: int | None = None

    def fit(self, frequency, monetary_value=None, *, initial=None) -> "GammaGammaModel":
        """Maximum-likelihood fit on ``frequency`` (repeat purchases) and
        ``monetary_value`` (their mean amount); ``frequency`` may be a DataFrame with both
        columns."""
        if isinstance(frequency, pd.DataFrame):
            frequency, monetary_value = _columns(frequency, ("frequency", "monetary_value"))
        x, m = _gg_inputs(frequency, monetary_value)
        x, m = x.reshape(-1), m.reshape(-1)
        keep = (x > 0) & (m > 0) & np.isfinite(m)
        self.n_excluded_ = int(np.sum((x > 0) & ~keep))
        if keep.sum() < 3:
            raise ModelFitError(
                "Gamma-Gamma 模型至少需要 3 个有重复购买且金额为正的客户",
                "the Gamma-Gamma model needs at least 3 customers with repeat purchases and positive spend",
            )
        x, m = x[keep], m[keep]
        self.independence_ = self._independence(x, m)
        data = _FitData.build(x, m)
        self._finish(self._maximise(data, initial), data)
        return self

    def _independence(self, x, m) -> dict:
        pr, pp = _pearson(x, m)
        sr, sp = _pearson(_average_ranks(x), _average_ranks(m))
        return {"n": int(x.size), "pearson_r": pr, "pearson_p": pp, "spearman_r": sr, "spearman_p": sp,
                "ok": not (abs(pr) > self.max_abs_correlation and pp < 0.05)}

    def independence_note(self, lang: str = "zh") -> str:
        """The independence check in plain words."""
        self._check_fitted()
        ind = self.independence_
        if ind is None:
            return ""
        t = TEXTS.lang(lang)
        return t("independence", r=ind["pearson_r"], n=ind["n"]) + (t.weak if ind["ok"] else t.strong)

    def _derivs(self, theta, data, hess):
        return _gg_derivs(theta, data, hess)

    def _initial(self, data):
        x, m = data.cols
        mean_m = _dot(data.weights, m) / data.n
        # plausible starts with population mean p * gamma / (q - 1) equal to the observed mean
        grid = [np.array([p, q, mean_m * (q - 1.0) / p]) for p in (1.0, 5.0) for q in (2.0, 4.0, 10.0)]
        f = [self._objective_value(np.log(s), data) for s in grid]
        order = np.argsort(np.where(np.isfinite(f), f, np.inf))
        return [grid[i] for i in order[:3]] + [np.array([1.0, 1.0, 1.0])]

    def log_likelihood(self, frequency, monetary_value=None) -> np.ndarray:
        """Per-customer log-likelihood (NaN for customers the model does not describe)."""
        self._check_fitted()
        if isinstance(frequency, pd.DataFrame):
            frequency, monetary_value = _columns(frequency, ("frequency", "monetary_value"))
        return gamma_gamma_log_likelihood(self.params_, frequency, monetary_value)

    def population_mean(self) -> float:
        """Mean spend per purchase across customers, ``p gamma / (q - 1)``."""
        self._check_fitted()
        return gamma_gamma_population_mean(self.params_)

    def expected_spend(self, frequency, monetary_value=None) -> np.ndarray:
        """Expected spend per future purchase of each customer."""
        self._check_fitted()
        if isinstance(frequency, pd.DataFrame):
            frequency, monetary_value = _columns(frequency, ("frequency", "monetary_value"))
        return gamma_gamma_expected_spend(self.params_, frequency, monetary_value)

    def customer_lifetime_value(self, bgnbd: BetaGeoModel, frequency, recency=None, T=None,
                                monetary_value=None, *, horizon_months: int = 12,
                                monthly_discount_rate: float = 0.01, periods_per_month: float,
                                margin: float = 1.0) -> np.ndarray:
        """Discounted CLV over ``horizon_months`` with a fitted BG/NBD model
        (see :func:`customer_lifetime_value`)."""
        self._check_fitted()
        bgnbd._check_fitted()
        if isinstance(frequency, pd.DataFrame):
            frequency, recency, T, monetary_value = _columns(frequency, ("frequency", "recency", "T", "monetary_value"))
        from .value import customer_lifetime_value  # (value.py builds on this module)

        return customer_lifetime_value(bgnbd.params_, self.params_, frequency, recency, T, monetary_value,
                                       horizon_months=horizon_months, monthly_discount_rate=monthly_discount_rate,
                                       periods_per_month=periods_per_month, margin=margin)
