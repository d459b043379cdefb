"""The BG/NBD purchase model (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way"):
its likelihood with analytic derivatives, expected and conditional expected purchases, P(alive),
and :class:`BetaGeoModel` that fits it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...errors import InputError
from . import special as sp
from .common import BGNBD_PARAMS, ModelFitError, _bg_params, _dot, _num, _rft, _trigamma, _unique_rows
from .fitting import _columns, _FitData, _Model

# ----------------------------------------------------------------------------- BG/NBD

def _bg_log_terms(r, alpha, a, b, x, tx, T):
    """Per-customer log-likelihood and the log-odds ``D`` of 'dropped out after the last
    purchase' vs 'still alive' (only meaningful where x > 0)."""
    log_at = np.log(alpha + T)
    rx = r + x
    pos = x > 0
    bx1 = np.where(pos, b + x - 1.0, 1.0)
    D = np.where(pos, np.log(a) - np.log(bx1) + rx * (log_at - np.log(alpha + tx)), -np.inf)
    ll = (sp.gammaln(rx) - sp.gammaln(r) + r * np.log(alpha) - rx * log_at
          + sp.betaln(a, b + x) - sp.betaln(a, b) + np.logaddexp(0.0, D))
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


def _bg_ll(theta, data: "_FitData"):
    """Weighted total log-likelihood (first item) and the terms :func:`_bg_derivs` reuses."""
    r, alpha, a, b = theta
    x, tx, T = data.cols
    w = data.weights
    ux, ix, wx = data.ux, data.ix, data.wx
    pos_u = ux > 0
    bx1_u = np.where(pos_u, b + ux - 1.0, 1.0)
    # per distinct x
    ll_u = sp.gammaln(r + ux) + sp.betaln(a, b + ux)
    base_ll = _dot(wx, ll_u) + data.n * (-sp.gammaln(r) + r * np.log(alpha) - sp.betaln(a, b))
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
    s = sp.expit(D)  # 0 where x == 0
    iT, itx = 1.0 / (alpha + T), 1.0 / (alpha + tx)
    dig_r_u, dig_abx_u, dig_bx_u = sp.digamma(r + ux), sp.digamma(a + b + ux), sp.digamma(b + ux)
    dig_ab, dig_b = sp.digamma(a + b), sp.digamma(b)
    diT = iT - itx
    Dal = rx * diT
    ws = w * s
    inv_bx1 = (1.0 / bx1_u)[ix]  # bx1_u is 1 where x == 0
    g = np.array([
        _dot(wx, dig_r_u) + data.n * (np.log(alpha) - sp.digamma(r)) - _dot(w, L1) + _dot(ws, Dr),
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
    f = sp.hyp2f1(a + b - 1.0 - r, a - 1.0, a + b + x - 1.0, z)
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
    return core * sp.expit(-_bg_dropout_logodds(r, alpha, a, b, x, tx, T))


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
    return sp.expit(-_bg_dropout_logodds(r, alpha, a, b, x, tx, TT))


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
