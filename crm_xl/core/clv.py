"""Predictive customer value: the BG/NBD purchase model and the Gamma-Gamma spend model.

In plain words: from each customer's purchase history (how many repeat purchases, when the
last one was, how long we have known the customer, how much they spend) the models
estimate how many purchases a customer will make in the coming months, the probability
that the customer is still active ("alive"), what they will spend per purchase, and from
those a discounted customer lifetime value (CLV).

Models
------
BG/NBD (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way", Marketing
Science 24(2)): while active, a customer buys as a Poisson process with rate ``lambda``;
after every purchase they drop out with probability ``p``. Across customers ``lambda ~
Gamma(r, alpha)`` (shape ``r``, rate ``alpha``) and ``p ~ Beta(a, b)``.

Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and CLV: Using Iso-Value Curves for Customer
Base Analysis", JMR 42(4); Fader & Hardie 2013, "The Gamma-Gamma Model of Monetary
Value"): each purchase amount is ``Gamma(p, nu)``, ``nu ~ Gamma(q, gamma)`` across
customers, independent of the purchase process (the independence is checked on fit).

Inputs are the lifetimes-style summary (``frequency``, ``recency``, ``T``,
``monetary_value``, see :mod:`crm_xl.core.clv_summary`) in one time unit; parameters
``alpha`` and the prediction horizons are in that unit.

Numerics: likelihoods in log space (``gammaln``, ``betaln``, ``log1p(exp)``), analytic
gradients for the optimiser (parameters optimised on the log scale), the conditional
expectation's ``2F1`` evaluated after Euler's transformation so that it stays bounded for
many purchases and long histories, standard errors from the observed information matrix
(Hessian of the log-likelihood) and an optional customer-level bootstrap.

The functions ``bgnbd_*``, ``gamma_gamma_*`` and :func:`customer_lifetime_value` take the
parameters as a dict or a plain sequence (``r, alpha, a, b`` / ``p, q, gamma``) and arrays
of any shape (broadcast), so worksheet functions can call them on ranges.
"""

from __future__ import annotations

__all__ = [
    "ModelFitError",
    "BGNBD_PARAMS",
    "GAMMA_GAMMA_PARAMS",
    "bgnbd_log_likelihood",
    "bgnbd_expected_purchases",
    "bgnbd_conditional_expected_purchases",
    "bgnbd_p_alive",
    "valid_history",
    "gamma_gamma_log_likelihood",
    "gamma_gamma_expected_spend",
    "gamma_gamma_population_mean",
    "customer_lifetime_value",
    "BetaGeoModel",
    "GammaGammaModel",
    "clv_predictions",
    "holdout_comparison",
]

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1, ndtri, stdtr, zeta

from ..errors import CrmXlError, InputError, MissingColumnsError

BGNBD_PARAMS = ("r", "alpha", "a", "b")
GAMMA_GAMMA_PARAMS = ("p", "q", "gamma")


class ModelFitError(CrmXlError):
    """A model could not be fitted (no convergence, degenerate data, too few customers)."""


# ----------------------------------------------------------------------------- inputs

def _params(params, names: tuple[str, ...], model_zh: str, model_en: str) -> np.ndarray:
    if isinstance(params, Mapping):
        try:
            vals = [params[n] for n in names]
        except KeyError as exc:
            raise InputError(f"{model_zh}参数缺少 {exc.args[0]}（需要 {', '.join(names)}）",
                             f"{model_en} parameters lack {exc.args[0]} (need {', '.join(names)})") from None
    else:
        vals = list(np.ravel(np.asarray(params, dtype=object)))
    try:
        arr = np.asarray(vals, dtype=float)
    except (TypeError, ValueError):
        arr = np.full(0, np.nan)
    if arr.shape != (len(names),) or not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise InputError(
            f"{model_zh}参数必须是 {len(names)} 个正数（{', '.join(names)}），而不是 {vals!r}",
            f"{model_en} parameters must be {len(names)} positive numbers ({', '.join(names)}), not {vals!r}",
        )
    return arr


def _bg_params(params) -> np.ndarray:
    return _params(params, BGNBD_PARAMS, "BG/NBD 模型", "BG/NBD")


def _gg_params(params) -> np.ndarray:
    return _params(params, GAMMA_GAMMA_PARAMS, "Gamma-Gamma 模型", "Gamma-Gamma")


def _num(x, name_zh: str, name_en: str) -> np.ndarray:
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        arr = np.asarray(pd.to_numeric(pd.Series(np.ravel(np.asarray(x, dtype=object))), errors="coerce"),
                         dtype=float).reshape(np.shape(x))
    if np.isnan(arr).any():
        raise InputError(f"「{name_zh}」含有空值或非数字", f"'{name_en}' has missing or non-numeric values")
    return arr


def _rft(frequency, recency, T) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validated float arrays (broadcast) of frequency, recency, T."""
    x = _num(frequency, "购买频次 frequency", "frequency")
    tx = _num(recency, "最近购买时间 recency", "recency")
    TT = _num(T, "客户存续时长 T", "T")
    x, tx, TT = np.broadcast_arrays(x, tx, TT)
    if np.any(x < 0) or np.any(x != np.round(x)):
        raise InputError("「frequency」（重复购买次数）必须是非负整数",
                         "'frequency' (repeat purchases) must be a non-negative integer")
    if np.any(tx < 0) or np.any(TT < 0) or np.any(tx > TT * (1 + 1e-12) + 1e-12):
        raise InputError("需要 0 ≤ recency ≤ T（最近购买时间不能晚于观察期结束）",
                         "need 0 <= recency <= T (the last purchase cannot be after the end of observation)")
    if np.any((x == 0) & (tx != 0)):
        raise InputError("没有重复购买（frequency = 0）的客户，recency 必须为 0",
                         "customers without repeat purchases (frequency = 0) must have recency 0")
    return x, tx, TT


def valid_history(frequency, recency, T) -> np.ndarray:
    """Elementwise: which ``(frequency, recency, T)`` rows the models accept (the checks of
    the prediction functions, per row instead of for the whole array): finite, frequency a
    non-negative whole number, ``0 <= recency <= T``, recency 0 when frequency is 0.
    Arrays broadcast; worksheet functions use it to compute the valid rows and mark the
    others."""
    x, tx, TT = np.broadcast_arrays(*(np.asarray(pd.to_numeric(pd.Series(np.ravel(np.asarray(v, dtype=object))),
                                                                errors="coerce"), dtype=float).reshape(np.shape(v))
                                      for v in (frequency, recency, T)))
    with np.errstate(invalid="ignore"):
        return (np.isfinite(x) & np.isfinite(tx) & np.isfinite(TT) & (x >= 0) & (x == np.round(x)) & (tx >= 0)
                & (TT >= 0) & (tx <= TT * (1 + 1e-12) + 1e-12) & ~((x == 0) & (tx != 0)))


# ----------------------------------------------------------------------------- BG/NBD

def _bg_log_terms(r, alpha, a, b, x, tx, T):
    """Per-customer log-likelihood and the log-odds ``D`` of 'dropped out after the last
    purchase' vs 'still alive' (only meaningful where x > 0)."""
    log_at = np.log(alpha + T)
    rx = r + x
    pos = x > 0
    bx1 = np.where(pos, b + x - 1.0, 1.0)
    D = np.where(pos, np.log(a) - np.log(bx1) + rx * (log_at - np.log(alpha + tx)), -np.inf)
    ll = (gammaln(rx) - gammaln(r) + r * np.log(alpha) - rx * log_at
          + betaln(a, b + x) - betaln(a, b) + np.logaddexp(0.0, D))
    return ll, D, log_at, bx1, pos


def _bg_dropout_logodds(r, alpha, a, b, x, tx, T):
    """``D`` of :func:`_bg_log_terms` alone (no special functions): P(alive) = expit(-D)."""
    pos = x > 0
    bx1 = np.where(pos, b + x - 1.0, 1.0)
    return np.where(pos, np.log(a) - np.log(bx1) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx)), -np.inf)


def bgnbd_log_likelihood(params, frequency, recency, T) -> np.ndarray:
    """Per-customer BG/NBD log-likelihood ``ln L(r, alpha, a, b | x, t_x, T)``.

    FHL (2005) eq. (6), evaluated as ``lnG(r+x) - lnG(r) + r ln(alpha) - (r+x) ln(alpha+T)
    + lnB(a, b+x) - lnB(a, b) + log1p(exp(D))`` with
    ``D = ln a - ln(b+x-1) + (r+x) ln((alpha+T)/(alpha+t_x))`` for ``x > 0``.
    """
    r, alpha, a, b = _bg_params(params)
    x, tx, TT = _rft(frequency, recency, T)
    return _bg_log_terms(r, alpha, a, b, x, tx, TT)[0]


def _dot(a, b) -> float:
    """Dot product of two long vectors without BLAS: a threaded BLAS ``ddot`` on ~1e5
    elements becomes tens of times slower when the cores are busy with other work (the
    usual case next to Excel), while this plain loop does not."""
    return float(np.einsum("i,i->", a, b))


def _trigamma(v):
    """psi'(v) = zeta(2, v)."""
    return zeta(2.0, v)


def _bg_ll(theta, data: "_FitData"):
    """Weighted total log-likelihood (first item) and the terms :func:`_bg_derivs` reuses."""
    r, alpha, a, b = theta
    x, tx, T = data.cols
    w = data.weights
    ux, ix, wx = data.ux, data.ix, data.wx
    pos_u = ux > 0
    bx1_u = np.where(pos_u, b + ux - 1.0, 1.0)
    # per distinct x
    ll_u = gammaln(r + ux) + betaln(a, b + ux)
    base_ll = _dot(wx, ll_u) + data.n * (-gammaln(r) + r * np.log(alpha) - betaln(a, b))
    L1 = np.log(alpha + T)
    L2 = np.log(alpha + tx)
    if "bg" not in data.cache:  # x per row, rows with repeat purchases, rows without
        xi = ux[ix]
        data.cache["bg"] = (xi, xi > 0, np.flatnonzero(xi <= 0))
    xi, pos, zero = data.cache["bg"]
    rx = r + xi
    Dr = L1 - L2
    D = (np.log(a) - np.log(bx1_u))[ix] + rx * Dr  # logs per distinct x
    D[zero] = -np.inf
    ll = base_ll + _dot(w, (np.logaddexp(0.0, D) - rx * L1))
    return ll, bx1_u, L1, L2, Dr, D, rx, pos


def _bg_derivs(theta, data: "_FitData", hess: bool):
    """Weighted total log-likelihood, gradient and (optionally) Hessian w.r.t.
    (r, alpha, a, b). Functions of ``x`` alone are evaluated once per distinct ``x``.

    With ``D`` the drop-out log-odds and ``s = expit(D)``:
    ``d ll = d base + s dD`` and ``d2 ll = d2 base + s d2D + s (1 - s) dD dD'``.
    """
    r, alpha, a, b = theta
    x, tx, T = data.cols
    w = data.weights
    ux, ix, wx = data.ux, data.ix, data.wx
    ll, bx1_u, L1, L2, Dr, D, rx, pos = _bg_ll(theta, data)
    s = expit(D)  # 0 where x == 0
    iT, itx = 1.0 / (alpha + T), 1.0 / (alpha + tx)
    dig_r_u, dig_abx_u, dig_bx_u = digamma(r + ux), digamma(a + b + ux), digamma(b + ux)
    dig_ab, dig_b = digamma(a + b), digamma(b)
    diT = iT - itx
    Dal = rx * diT
    ws = w * s
    inv_bx1 = (1.0 / bx1_u)[ix]  # bx1_u is 1 where x == 0
    g = np.array([
        _dot(wx, dig_r_u) + data.n * (np.log(alpha) - digamma(r)) - _dot(w, L1) + _dot(ws, Dr),
        data.n * r / alpha - _dot(w, (rx * iT)) + _dot(ws, Dal),
        data.n * dig_ab - _dot(wx, dig_abx_u) + float(ws.sum()) / a,
        _dot(wx, (dig_bx_u - dig_abx_u)) + data.n * (dig_ab - dig_b) - _dot(ws, inv_bx1),
    ])
    if not hess:
        return ll, g, None
    tg = _trigamma
    tri_abx_u = tg(a + b + ux)
    tri_ab = float(tg(a + b))
    H = np.zeros((4, 4))
    # base (no drop-out term)
    H[0, 0] = _dot(wx, tg(r + ux)) - data.n * float(tg(r))
    H[0, 1] = data.n / alpha - _dot(w, iT)
    iT2 = iT**2
    H[1, 1] = -data.n * r / alpha**2 + _dot(w, (rx * iT2))
    H[2, 2] = data.n * tri_ab - _dot(wx, tri_abx_u)
    H[2, 3] = H[2, 2]
    H[3, 3] = _dot(wx, (tg(b + ux) - tri_abx_u)) + data.n * (tri_ab - float(tg(b)))
    # drop-out term: s * d2D + s (1 - s) dD dD'
    H[0, 1] += _dot(ws, diT)
    H[1, 1] += _dot(ws, (rx * (itx**2 - iT2)))
    H[2, 2] += -float(ws.sum()) / a**2
    H[3, 3] += _dot(ws, inv_bx1**2)
    dD = np.stack([Dr, Dal, np.full_like(Dr, 1.0 / a), -inv_bx1])
    wss = w * s * (1.0 - s)
    H += np.einsum("in,jn->ij", dD * wss, dD)
    H = np.triu(H) + np.triu(H, 1).T
    return ll, g, H


def _euler_bracket(r, alpha, a, b, t, x, T):
    """``1 - ((alpha+T)/(alpha+T+t))**(r+x) * 2F1(r+x, b+x; a+b+x-1; z)`` with
    ``z = t/(alpha+T+t)``, through Euler's transformation
    ``(1-z)**(a-1) * 2F1(a+b-1-r, a-1; a+b+x-1; z)`` (bounded for large x)."""
    z = t / (alpha + T + t)
    f = hyp2f1(a + b - 1.0 - r, a - 1.0, a + b + x - 1.0, z)
    return -np.expm1((a - 1.0) * np.log1p(-z) + np.log(f))


def _bg_core(r, alpha, a, b, t, x, T):
    """``(a+b+x-1)/(a-1) * bracket``: the conditional expectation given alive-ness terms
    (FHL 2005 eq. 10 times its denominator)."""

    def body(a_):
        return (a_ + b + x - 1.0) / (a_ - 1.0) * _euler_bracket(r, alpha, a_, b, t, x, T)

    if abs(a - 1.0) < 1e-4:  # removable singularity at a = 1: symmetric average, O(h^2)
        h = 1e-4
        return 0.5 * (body(1.0 + h) + body(1.0 - h))
    return body(a)


def _bg_conditional(r, alpha, a, b, t, x, tx, T):
    """Vectorised conditional expectation (FHL 2005 eq. 10) for validated 1-d arrays.
    For many customers the hyp2f1 part, a function of (t, x, T), is evaluated once per
    distinct triple (customers share x and T values)."""
    if x.size > 2000:
        (ut, ux, uT), inv, _ = _unique_rows(t, x, T)
        core = _bg_core(r, alpha, a, b, ut, ux, uT)[inv]
    else:
        core = _bg_core(r, alpha, a, b, t, x, T)
    return core * expit(-_bg_dropout_logodds(r, alpha, a, b, x, tx, T))


def _unique_rows(*cols):
    """Distinct rows of equally long 1-d arrays: (list of unique columns, inverse index,
    counts), by hashing (``pandas.factorize``), in order of first appearance."""
    factorized = [pd.factorize(c) for c in cols]
    sizes = [max(len(u), 1) for _, u in factorized]
    if float(np.prod(sizes, dtype=float)) < 2.0**62 and all(bool((c >= 0).all()) for c, _ in factorized):
        # the mixed-radix key of the column codes is exact: one factorisation of it (the
        # same groups in the same order as factorising after every column)
        key = np.zeros(cols[0].size, dtype=np.int64)
        for (codes, _), size in zip(factorized, sizes, strict=True):
            key = key * size + codes
        key, _ = pd.factorize(key)
    else:
        key = np.zeros(cols[0].size, dtype=np.int64)
        for codes, uniques in factorized:
            key = key * max(len(uniques), 1) + codes
            key, _ = pd.factorize(key)  # keep the combined key small
    n_groups = int(key.max()) + 1 if key.size else 0
    first = np.empty(n_groups, dtype=np.intp)
    first[key[::-1]] = np.arange(key.size - 1, -1, -1)  # first row of each group
    counts = np.bincount(key, minlength=n_groups)
    return [c[first] for c in cols], key.astype(np.intp), counts


def bgnbd_expected_purchases(params, t) -> np.ndarray:
    """Expected repeat purchases in ``(0, t]`` of a new customer (FHL 2005 eq. 9)."""
    r, alpha, a, b = _bg_params(params)
    t = _num(t, "时长 t", "t")
    if np.any(t < 0):
        raise InputError("时长不能为负数", "the time span cannot be negative")
    zero = np.zeros_like(t)
    return _bg_core(r, alpha, a, b, t, zero, zero)


def bgnbd_conditional_expected_purchases(params, t, frequency, recency, T) -> np.ndarray:
    """Expected purchases in the next ``t`` time units of a customer with history
    ``(frequency, recency, T)`` (FHL 2005 eq. 10). Arrays broadcast."""
    r, alpha, a, b = _bg_params(params)
    t = _num(t, "预测时长 t", "t")
    if np.any(t < 0):
        raise InputError("预测时长不能为负数", "the prediction horizon cannot be negative")
    x, tx, TT = _rft(frequency, recency, T)
    t, x, tx, TT = np.broadcast_arrays(t, x, tx, TT)
    shape = x.shape
    out = _bg_conditional(r, alpha, a, b, *(v.reshape(-1) for v in (t, x, tx, TT)))
    return out.reshape(shape)


def bgnbd_p_alive(params, frequency, recency, T) -> np.ndarray:
    """Probability that a customer with history ``(frequency, recency, T)`` is still
    active (FHL 2005 eq. 11; 1 for customers without repeat purchases)."""
    r, alpha, a, b = _bg_params(params)
    x, tx, TT = _rft(frequency, recency, T)
    return expit(-_bg_dropout_logodds(r, alpha, a, b, x, tx, TT))
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
    ll = -np.log(m) - betaln(px, q) + q * (np.log(g) - lgxm) + px * (lxm - lgxm)
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
    dig_pxq, dig_px = digamma(pu + q), digamma(pu)
    wd = _dot(wxx, (lxm - lgxm))
    total = (-wlm - _dot(wx, betaln(pu, q)) + q * (n * np.log(g) - _dot(w, lgxm)) + p * wd)
    grad = np.array([
        _dot((wx * ux), (dig_pxq - dig_px)) + wd,
        _dot(wx, dig_pxq) - _dot(w, lgxm) + n * (np.log(g) - digamma(q)),
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
    alive = expit(-_bg_dropout_logodds(r, alpha, a, b, x, tx, TT))
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


# ----------------------------------------------------------------------------- fitting

_LOG_BOUND = 25.0  # parameters kept in [e^-25, e^25] during optimisation
_LOG_HEADING = 4.0  # a parameter beyond e^+-4 moving further out may be heading to a limit
_LOG_DEGENERATE = 15.0  # a fitted parameter beyond e^+-15 (3.3e6, 3.1e-7) is at a limit of the model


@dataclass(frozen=True)
class _FitData:
    """Compressed fitting data: distinct rows, how many customers share each (``weights``),
    and the distinct values of the first column (``ux``; ``ix`` maps rows to them, ``wx``
    sums the weights per distinct value)."""

    cols: tuple[np.ndarray, ...]
    weights: np.ndarray
    ux: np.ndarray
    ix: np.ndarray
    wx: np.ndarray
    n: float
    cache: dict = field(default_factory=dict, compare=False, repr=False)  # data-only terms of a likelihood

    @classmethod
    def build(cls, *cols: np.ndarray, weights: np.ndarray | None = None) -> "_FitData":
        cols = tuple(np.ravel(np.asarray(c, dtype=float)) for c in cols)
        if weights is None:
            uniq, _, counts = _unique_rows(*cols)
            cols_u, w = tuple(uniq), counts.astype(float)
        else:
            cols_u, w = cols, np.asarray(weights, dtype=float)
        ix, ux = pd.factorize(cols_u[0], sort=True)  # = np.unique(..., return_inverse=True), hashed: few distinct x
        wx = np.bincount(ix, weights=w, minlength=ux.size)
        return cls(cols_u, w, ux, ix, wx, float(w.sum()))

    def reweighted(self, weights: np.ndarray) -> "_FitData":
        keep = weights > 0
        return _FitData.build(*(c[keep] for c in self.cols), weights=weights[keep])


class _Model:
    """Shared maximum-likelihood machinery (log-parameter optimisation, Hessian standard
    errors, bootstrap). Subclasses define the parameter names and the log-likelihood."""

    param_names: tuple[str, ...] = ()
    _name_zh = ""
    _name_en = ""

    def __init__(self, penalizer: float = 0.0) -> None:
        if not np.isfinite(penalizer) or penalizer < 0:
            raise InputError("惩罚系数必须是非负数", "the penalizer must be non-negative")
        self.penalizer = float(penalizer)
        self.params_: dict[str, float] | None = None
        self.log_likelihood_: float | None = None
        self.n_customers_: int | None = None
        self.covariance_: np.ndarray | None = None
        self.standard_errors_: dict[str, float] | None = None
        self.n_iterations_: int | None = None
        self.at_boundary_: tuple[str, ...] = ()

    # -- subclass hooks
    def _derivs(self, theta: np.ndarray, data: _FitData, hess: bool):
        """(total log-likelihood, gradient, Hessian or None) w.r.t. the natural parameters."""
        raise NotImplementedError

    def _initial(self, data: _FitData) -> list[np.ndarray]:
        raise NotImplementedError

    # -- public helpers
    @property
    def params_array_(self) -> np.ndarray:
        """Fitted parameters as a float array in ``param_names`` order."""
        self._check_fitted()
        return np.array([self.params_[k] for k in self.param_names])

    @classmethod
    def from_params(cls, params):
        """A model with the given parameters (dict or sequence), e.g. read back from a
        worksheet, ready for predictions (no standard errors)."""
        arr = _params(params, cls.param_names, cls._name_zh + " 模型", cls._name_en)
        model = cls()
        model.params_ = dict(zip(cls.param_names, map(float, arr), strict=True))
        return model

    def _check_fitted(self) -> None:
        if self.params_ is None:
            raise ModelFitError(f"{self._name_zh} 模型尚未拟合", f"the {self._name_en} model has not been fitted")

    # -- fitting
    def _objective(self, u: np.ndarray, data: _FitData, hess: bool = False):
        """Penalised mean negative log-likelihood in log-parameters ``u = ln(theta)``
        (penalty ``penalizer * sum(u**2)``) with its gradient and Hessian (chain rule: ``H_u = diag(theta) H diag(theta) + diag(theta g)``)."""
        theta = np.exp(u)
        with np.errstate(all="ignore"):
            ll, g, H = self._derivs(theta, data, hess)
        if hess:  # the fit's last point: _finish needs its log-likelihood and Hessian again
            self._last_point = (theta, data, ll, H)
        n = data.n
        f = -ll / n + self.penalizer * float(u @ u)
        gu = -(g * theta) / n + 2.0 * self.penalizer * u
        Hu = None
        if hess:
            Hu = -(theta[:, None] * H * theta[None, :] + np.diag(theta * g)) / n \
                + 2.0 * self.penalizer * np.eye(u.size)
        return f, gu, Hu

    def _loglik(self, theta: np.ndarray, data: _FitData) -> float:
        """Total log-likelihood alone (the same number as the first item of ``_derivs``)."""
        return self._derivs(theta, data, False)[0]

    def _objective_value(self, u: np.ndarray, data: _FitData) -> float:
        """The first item of :meth:`_objective`, without derivatives (to rank starting points)."""
        with np.errstate(all="ignore"):
            ll = self._loglik(np.exp(u), data)
        return -ll / data.n + self.penalizer * float(u @ u)

    def _newton(self, u0: np.ndarray, data: _FitData, max_iter: int = 200):
        """Damped Newton (Levenberg-Marquardt) on the log-parameters; returns (u, f, |g|, iterations)."""
        u = u0.astype(float)
        f, g, H = self._objective(u, data, True)
        if not (np.isfinite(f) and np.all(np.isfinite(g)) and np.all(np.isfinite(H))):
            return u, np.inf, np.inf, 0
        lam = 1e-3
        eye = np.eye(u.size)
        last_step = np.zeros(u.size)
        for it in range(1, max_iter + 1):
            gmax = float(np.max(np.abs(g)))
            if gmax < 1e-10:
                return u, f, gmax, it
            jump = self._boundary_jump(u, g, last_step)
            if jump is not None:
                u_new = jump
                f_new, g_new, H_new = self._objective(u_new, data, True)
                ok = np.isfinite(f_new) and np.all(np.isfinite(g_new)) and np.all(np.isfinite(H_new))
                moved = u_new != u
                # kept if better and still no reason to come back (gradient not pointing inwards)
                if ok and f_new <= f + 1e-14 * abs(f) and not np.any(moved & (np.sign(g_new) == np.sign(u_new))
                                                                      & (np.abs(g_new) > 1e-12)):
                    last_step = u_new - u
                    u, f, g, H = u_new, f_new, g_new, H_new
                    continue
            while True:
                try:
                    step = -np.linalg.solve(H + lam * (1.0 + np.abs(np.diag(H))) * eye, g)
                except np.linalg.LinAlgError:
                    step = -g
                big = float(np.max(np.abs(step)))
                if big > 1.0:  # at most a factor e per parameter and iteration
                    step /= big
                u_new = np.clip(u + step, -_LOG_BOUND, _LOG_BOUND)
                f_new, g_new, H_new = self._objective(u_new, data, True)
                ok = np.isfinite(f_new) and np.all(np.isfinite(g_new)) and np.all(np.isfinite(H_new))
                if ok and f_new <= f + 1e-14 * abs(f):
                    break
                lam *= 10.0
                if lam > 1e12:
                    return u, f, gmax, it
            converged = abs(f - f_new) <= 1e-15 * max(1.0, abs(f)) and float(np.max(np.abs(g_new))) < 1e-7
            last_step = u_new - u
            u, f, g, H = u_new, f_new, g_new, H_new
            lam = max(lam / 10.0, 1e-12)
            if converged:
                return u, f, float(np.max(np.abs(g))), it
        return u, f, float(np.max(np.abs(g))), max_iter

    @staticmethod
    def _boundary_jump(u: np.ndarray, g: np.ndarray, last_step: np.ndarray) -> np.ndarray | None:
        """A step straight to the limit for parameters heading to 0 or infinity, else None.

        Near a limit of the model (e.g. BG/NBD ``a`` -> 0) the objective is ``f* + c
        exp(-|u|)`` in the log-parameter ``u``, and Newton's method moves ``u`` by one unit
        per iteration (a fit at ``a`` = 1e-9 took twenty iterations). A parameter beyond
        e^+-4 whose last step went further out by at least half a unit, and whose gradient
        still points outwards, is tried at once where its gradient will be below 1e-12 (the
        gradient falls by a factor e per unit), within the bounds. :meth:`_newton` keeps
        that point only if the objective is lower there and the gradient does not point
        back inwards (an optimum further out but not at the limit); otherwise it takes its
        usual step, as if no jump had been tried."""
        heading = (np.abs(u) >= _LOG_HEADING) & (np.sign(last_step) == np.sign(u)) & (np.abs(last_step) >= 0.5) \
            & (np.sign(-g) == np.sign(u)) & (np.abs(g) > 1e-12)
        if not heading.any():
            return None
        out = u.copy()
        dist = np.maximum(np.log(np.abs(g[heading]) / 1e-12), 1.0)
        out[heading] = np.clip(u[heading] + np.sign(u[heading]) * dist, -_LOG_BOUND, _LOG_BOUND)
        return None if np.array_equal(out, u) else out

    def _maximise(self, data: _FitData, initial=None) -> np.ndarray:
        """Maximum-likelihood parameters (log-scale optimisation from ``initial`` or a grid)."""
        starts = [np.log(_params(initial, self.param_names, self._name_zh + " 模型", self._name_en))] \
            if initial is not None else [np.log(s) for s in self._initial(data)]
        best = None
        for u0 in starts:
            u, f, gmax, nit = self._newton(u0, data)
            if not (np.isfinite(f) and gmax < 1e-6):  # fall back on a quasi-Newton method
                from scipy import optimize  # (imported only here: scipy.optimize adds ~0.2 s to start-up)

                res = optimize.minimize(lambda v: self._objective(v, data)[:2], u, jac=True, method="L-BFGS-B",
                                        bounds=[(-_LOG_BOUND, _LOG_BOUND)] * u.size,
                                        options={"maxiter": 5000, "ftol": 1e-15, "gtol": 1e-10})
                u, f, nit = res.x, float(res.fun), nit + int(res.nit)
                gmax = float(np.max(np.abs(self._objective(u, data)[1]))) if np.isfinite(f) else np.inf
            if np.isfinite(f) and gmax < 1e-5 and (best is None or f < best[1]):
                best = (u, f, nit)
            if best is not None and initial is None:
                break  # a converged start is enough; later starts are fallbacks
        if best is None:
            raise ModelFitError(
                f"{self._name_zh} 模型拟合未收敛：数据可能太少或过于单一（例如几乎没有重复购买）。"
                "请增加客户或历史数据，或设置一个小的惩罚系数（penalizer，如 0.001）后重试",
                f"the {self._name_en} model fit did not converge: the data may be too few or too uniform "
                "(e.g. almost no repeat purchases). Add customers or history, or retry with a small "
                "penalizer (e.g. 0.001)",
            )
        self._last_iterations = int(best[2])
        return np.exp(best[0])

    def _finish(self, theta: np.ndarray, data: _FitData) -> None:
        self.params_ = dict(zip(self.param_names, map(float, theta), strict=True))
        self.n_iterations_ = self._last_iterations
        self.at_boundary_ = tuple(str(k) for k in np.array(self.param_names)[np.abs(np.log(theta)) >= _LOG_DEGENERATE])
        self._data = data
        self.n_customers_ = int(round(data.n))
        last = getattr(self, "_last_point", None)
        if last is not None and last[1] is data and np.array_equal(last[0], theta):
            ll, H = last[2], last[3]  # evaluated there already (same numbers)
        else:
            ll, _, H = self._derivs(theta, data, True)
        self._last_point = None
        self.log_likelihood_ = float(ll)
        self.covariance_ = self._covariance(H)
        se = np.sqrt(np.diag(self.covariance_)) if self.covariance_ is not None else np.full(len(theta), np.nan)
        se = np.where(np.isin(np.array(self.param_names), self.at_boundary_), np.nan, se)
        self.standard_errors_ = dict(zip(self.param_names, map(float, se), strict=True))

    def hessian(self, params=None) -> np.ndarray:
        """Analytic Hessian of the total log-likelihood w.r.t. the natural parameters at
        ``params`` (default: the fit), on the fitted data."""
        self._check_fitted()
        theta = self.params_array_ if params is None else _params(params, self.param_names, self._name_zh, self._name_en)
        return self._derivs(theta, self._data, True)[2]

    @staticmethod
    def _covariance(H) -> np.ndarray | None:
        """Inverse observed information ``(-H)^-1``; None if it is not positive definite."""
        try:
            cov = np.linalg.inv(-H)
        except np.linalg.LinAlgError:
            return None
        if not np.all(np.isfinite(cov)) or np.any(np.diag(cov) <= 0):
            return None
        return cov

    def fit_note(self, lang: str = "zh") -> str:
        """Plain-words remark when the fit lies at a limit of the model (``at_boundary_``),
        else ''. Such a fit is valid (e.g. BG/NBD ``a`` -> 0: nobody is seen to drop out,
        the model becomes the NBD), but those parameters have no standard error."""
        self._check_fitted()
        if not self.at_boundary_:
            return ""
        names = ", ".join(self.at_boundary_)
        if lang == "zh":
            return (f"{self._name_zh} 模型的参数 {names} 处于极限值（趋于 0 或无穷大）：数据中没有足够的信息估计它，"
                    "模型退化为更简单的特例（例如 BG/NBD 的 a → 0 表示数据中看不到客户流失）。预测仍可使用，"
                    "但这些参数没有标准误；如需避免，可设置一个小的惩罚系数（penalizer）。")
        return (f"{self._name_en} parameter(s) {names} are at a limit (towards 0 or infinity): the data do not "
                "identify them and the model reduces to a simpler special case (e.g. BG/NBD a -> 0: no customer "
                "is seen to drop out). Predictions remain usable but these parameters have no standard error; "
                "set a small penalizer to avoid this.")

    def confidence_intervals(self, level: float = 0.95) -> pd.DataFrame:
        """Wald intervals from the Hessian, computed on the log scale (so they stay
        positive): ``exp(ln(theta) +- z * se / theta)``."""
        self._check_fitted()
        z = float(ndtri(0.5 + level / 2.0))  # the standard normal quantile (= scipy.stats.norm.ppf)
        theta = self.params_array_
        se = np.array([self.standard_errors_[k] for k in self.param_names]) if self.standard_errors_ else np.nan
        half = z * se / theta
        return pd.DataFrame({"lower": theta * np.exp(-half), "upper": theta * np.exp(half)},
                            index=pd.Index(self.param_names, name="parameter"))

    def bootstrap(self, n_resamples: int = 200, level: float = 0.95, seed: int = 0) -> pd.DataFrame:
        """Percentile bootstrap intervals: refit on ``n_resamples`` samples of customers
        drawn with replacement (each refit starts at the fitted parameters). Resamples
        that fail to converge are dropped and counted in ``df.attrs['failed']``."""
        self._check_fitted()
        rng = np.random.default_rng(seed)
        data = self._data
        n = int(data.weights.sum())
        prob = data.weights / data.weights.sum()
        draws, failed = [], 0
        start = self.params_array_
        for _ in range(int(n_resamples)):
            sample = data.reweighted(rng.multinomial(n, prob).astype(float))
            try:
                draws.append(self._maximise(sample, initial=start))
            except ModelFitError:
                failed += 1
        if not draws:
            raise ModelFitError("自助法（bootstrap）的所有重抽样都未能拟合", "no bootstrap resample could be fitted")
        draws = np.array(draws)
        lo, hi = np.percentile(draws, [50 * (1 - level), 50 * (1 + level)], axis=0)
        out = pd.DataFrame({"lower": lo, "upper": hi, "std_error": draws.std(axis=0, ddof=1) if len(draws) > 1 else np.nan},
                           index=pd.Index(self.param_names, name="parameter"))
        out.attrs.update(n_resamples=int(n_resamples), failed=failed, level=level)
        return out

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """One row per parameter: ``estimate``, ``std_error`` (Hessian), ``lower``/``upper``
        (log-scale Wald interval at ``level``). ``df.attrs`` has ``log_likelihood`` and
        ``n_customers``."""
        self._check_fitted()
        ci = self.confidence_intervals(level)
        out = pd.DataFrame({
            "estimate": self.params_array_,
            "std_error": [self.standard_errors_[k] if self.standard_errors_ else np.nan for k in self.param_names],
        }, index=ci.index).join(ci)
        out.attrs.update(log_likelihood=self.log_likelihood_, n_customers=self.n_customers_)
        return out


def _columns(frame: pd.DataFrame, names: tuple[str, ...]) -> list[pd.Series]:
    missing = [c for c in names if c not in frame.columns]
    if missing:
        raise MissingColumnsError(
            f"客户汇总表缺少列：{', '.join(missing)}（现有列：{', '.join(map(str, frame.columns))}）",
            f"the customer summary lacks column(s): {', '.join(missing)} "
            f"(found: {', '.join(map(str, frame.columns))})",
            missing=missing, found=[str(c) for c in frame.columns],
        )
    return [frame[c] for c in names]


class BetaGeoModel(_Model):
    """BG/NBD model of repeat purchasing and drop-out (Fader, Hardie & Lee 2005).

    Parameters
    ----------
    penalizer : float
        Penalty ``penalizer * sum(ln(theta)**2)`` added to the mean negative
        log-likelihood: it pulls every parameter towards 1 on the log scale, so that
        fits at a limit of the model (a parameter running off to 0 or infinity) finite. Unlike
        lifetimes' ``penalizer_coef`` (``sum(theta**2)``, which pushes ``a`` further
        towards 0) it is symmetric in both directions. 0 = plain maximum likelihood.

    Attributes
    ----------
    params_ : dict
        ``{'r', 'alpha', 'a', 'b'}``: purchase rates ~ Gamma(shape r, rate alpha) (alpha in
        the data's time unit); drop-out probability after each purchase ~ Beta(a, b).
    log_likelihood_ : float
        Total log-likelihood at the fit.
    standard_errors_ : dict
        From the inverse observed information (Hessian); NaN if it is singular.
    covariance_ : ndarray or None
    n_customers_ : int

    Examples
    --------
    >>> model = BetaGeoModel().fit(summary)            # doctest: +SKIP
    >>> model.conditional_expected_purchases(12, summary)  # doctest: +SKIP
    """

    param_names = BGNBD_PARAMS
    _name_zh = "BG/NBD"
    _name_en = "BG/NBD"

    def fit(self, frequency, recency=None, T=None, *, initial=None) -> "BetaGeoModel":
        """Maximum-likelihood fit.

        ``frequency`` may be a DataFrame with ``frequency``, ``recency``, ``T`` columns
        (then ``recency`` and ``T`` are omitted), otherwise three arrays. ``initial``
        optionally gives starting parameters. Raises :class:`ModelFitError` when the
        optimiser does not converge or the data cannot be fitted; a fit at a limit of the
        model (a parameter towards 0 or infinity) is kept and named in ``at_boundary_``
        (see :meth:`fit_note`).
        """
        if isinstance(frequency, pd.DataFrame):
            frequency, recency, T = _columns(frequency, ("frequency", "recency", "T"))
        x, tx, TT = _rft(frequency, recency, T)
        if x.size < 4:
            raise ModelFitError("BG/NBD 模型至少需要 4 个客户", "the BG/NBD model needs at least 4 customers")
        if not np.any(x > 0):
            raise ModelFitError("没有任何客户有重复购买，无法拟合 BG/NBD 模型",
                                "no customer has a repeat purchase, so the BG/NBD model cannot be fitted")
        data = _FitData.build(x, tx, TT)
        self._finish(self._maximise(data, initial), data)
        return self

    def _derivs(self, theta, data, hess):
        return _bg_derivs(theta, data, hess)

    def _loglik(self, theta, data):
        return _bg_ll(theta, data)[0]

    def _initial(self, data):
        x, tx, T = data.cols
        w = data.weights
        mean_T = max(_dot(w, T) / data.n, 1e-6)
        rate = max(_dot(w, x) / data.n, 0.1) / mean_T  # rough repeat-purchase rate per unit time
        # a small grid of plausible starts (purchase-rate mean r / alpha = rate), best first
        grid = [np.array([r, r / rate, a, b]) for r in (0.25, 1.0) for a, b in ((0.5, 2.0), (1.0, 5.0), (2.0, 20.0))]
        f = [self._objective_value(np.log(g), data) for g in grid]
        order = np.argsort(np.where(np.isfinite(f), f, np.inf))
        return [grid[i] for i in order[:3]] + [np.array([0.1, 0.1, 0.1, 0.1])]

    # -- predictions (arrays or a summary DataFrame)
    def _hist(self, frequency, recency, T):
        if isinstance(frequency, pd.DataFrame):
            return _columns(frequency, ("frequency", "recency", "T"))
        return frequency, recency, T

    def log_likelihood(self, frequency, recency=None, T=None) -> np.ndarray:
        """Per-customer log-likelihood at the fitted parameters."""
        self._check_fitted()
        return bgnbd_log_likelihood(self.params_, *self._hist(frequency, recency, T))

    def expected_purchases(self, t) -> np.ndarray:
        """Expected repeat purchases of a new customer in ``(0, t]``."""
        self._check_fitted()
        return bgnbd_expected_purchases(self.params_, t)

    def conditional_expected_purchases(self, t, frequency, recency=None, T=None) -> np.ndarray:
        """Expected purchases in the next ``t`` time units, given each customer's history."""
        self._check_fitted()
        return bgnbd_conditional_expected_purchases(self.params_, t, *self._hist(frequency, recency, T))

    def p_alive(self, frequency, recency=None, T=None) -> np.ndarray:
        """Probability that each customer is still active."""
        self._check_fitted()
        return bgnbd_p_alive(self.params_, *self._hist(frequency, recency, T))


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
    return r, float(2.0 * stdtr(n - 2, -abs(t)))


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
        r = ind["pearson_r"]
        if lang == "zh":
            head = f"购买频次与平均消费金额的相关系数 r = {r:.2f}（{ind['n']} 位有重复购买的客户）。"
            return head + ("相关性较弱，符合 Gamma-Gamma 模型的独立性假设。" if ind["ok"]
                           else "相关性较强，Gamma-Gamma 模型的独立性假设可能不成立，消费金额和 CLV 预测需谨慎使用。")
        head = f"Correlation of purchase frequency and mean spend r = {r:.2f} ({ind['n']} repeat customers). "
        return head + ("Weak: consistent with the Gamma-Gamma independence assumption." if ind["ok"]
                       else "Strong: the Gamma-Gamma independence assumption may not hold; "
                            "use spend and CLV predictions with care.")

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
        return customer_lifetime_value(bgnbd.params_, self.params_, frequency, recency, T, monetary_value,
                                       horizon_months=horizon_months, monthly_discount_rate=monthly_discount_rate,
                                       periods_per_month=periods_per_month, margin=margin)


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
