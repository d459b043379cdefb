"""The maximum-likelihood machinery both models share: compressed fitting data, Newton
optimisation on the log scale, standard errors from the Hessian, the bootstrap."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ...errors import InputError, MissingColumnsError
from ...texts import Texts
from . import special as sp
from .common import ModelFitError, _params, _unique_rows

TEXTS = Texts({
    "fit_note": ("{name} 模型的参数 {names} 处于极限值（趋于 0 或无穷大）：数据中没有足够的信息估计它，"
                 "模型退化为更简单的特例（例如 BG/NBD 的 a → 0 表示数据中看不到客户流失）。预测仍可使用，"
                 "但这些参数没有标准误；如需避免，可设置一个小的惩罚系数（penalizer）。",
                 "{name} parameter(s) {names} are at a limit (towards 0 or infinity): the data do not "
                 "identify them and the model reduces to a simpler special case (e.g. BG/NBD a -> 0: no customer "
                 "is seen to drop out). Predictions remain usable but these parameters have no standard error; "
                 "set a small penalizer to avoid this."),
})

# ----------------------------------------------------------------------------- fitting

_LOG_BOUND = 25.0  # parameters kept in [e^-25, e^25] during optimisation
_LOG_HEADING = 4.0  # a parameter beyond e^+-4 moving further out may be heading to a limit
_LOG_DEGENERATE = 15.0  # a fitted parameter beyond e^+-15 (3.3e6, 3.1e-7) is at a limit of the model
_STALL_STEP = 1e-13  # a Newton step moving no log-parameter by more than this (relative) makes no progress
_STALL_ITERATIONS = 10  # that many such steps in a row end the fit where it is


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
    # (theta, data, log-likelihood, Hessian) of the last point evaluated with its Hessian
    # (set by _objective, read once by _finish; absent before)
    _last_point: tuple[np.ndarray, _FitData, float, np.ndarray] | None

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
        params = self._check_fitted()
        return np.array([params[k] for k in self.param_names])

    @classmethod
    def from_params(cls, params):
        """A model with the given parameters (dict or sequence), e.g. read back from a
        worksheet, ready for predictions (no standard errors)."""
        arr = _params(params, cls.param_names, cls._name_zh + " 模型", cls._name_en)
        model = cls()
        model.params_ = dict(zip(cls.param_names, map(float, arr), strict=True))
        return model

    def _check_fitted(self) -> dict[str, float]:
        """The fitted parameters; ModelFitError before a fit."""
        if self.params_ is None:
            raise ModelFitError(f"{self._name_zh} 模型尚未拟合", f"the {self._name_en} model has not been fitted")
        return self.params_

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
        stalled = 0  # iterations in a row that moved no parameter by more than rounding
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
            # A fit stalled in the objective's rounding noise (typically heading to a limit of
            # the model, where the gradient cannot get below ~1e-7) goes on taking steps of a
            # few ulps until max_iter: issue 20 saw 140 of 200 iterations (0.2 s of a
            # 10k-customer report) move one parameter by one ulp each. Ten such steps in a row
            # end it where it is (the same point to ~1e-15; the caller judges |g| as before).
            stalled = stalled + 1 if float(np.max(np.abs(last_step))) <= _STALL_STEP * max(1.0, float(np.max(np.abs(u)))) else 0
            u, f, g, H = u_new, f_new, g_new, H_new
            lam = max(lam / 10.0, 1e-12)
            if converged or stalled >= _STALL_ITERATIONS:
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
        t = TEXTS.lang(lang)
        return t("fit_note", name=self._name_zh if t.zh else self._name_en, names=names)

    def confidence_intervals(self, level: float = 0.95) -> pd.DataFrame:
        """Wald intervals from the Hessian, computed on the log scale (so they stay
        positive): ``exp(ln(theta) +- z * se / theta)``."""
        self._check_fitted()
        z = float(sp.ndtri(0.5 + level / 2.0))  # the standard normal quantile (= scipy.stats.norm.ppf)
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
        drawn = np.array(draws)
        lo, hi = np.percentile(drawn, [50 * (1 - level), 50 * (1 + level)], axis=0)
        out = pd.DataFrame({"lower": lo, "upper": hi, "std_error": drawn.std(axis=0, ddof=1) if len(drawn) > 1 else np.nan},
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
    MissingColumnsError.check(frame.columns, names, ("客户汇总表", "customer summary"))
    return [frame[c] for c in names]
