"""What the CLV models share: their parameter names, the fit error, the checks of parameters and of
customer histories (``frequency``, ``recency``, ``T``), and small numeric helpers."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ...errors import CrmXlError, InputError
from . import special as sp

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


def _dot(a, b) -> float:
    """Dot product of two long vectors without BLAS: a threaded BLAS ``ddot`` on ~1e5
    elements becomes tens of times slower when the cores are busy with other work (the
    usual case next to Excel), while this plain loop does not."""
    return float(np.einsum("i,i->", a, b))


def _trigamma(v):
    """psi'(v) = zeta(2, v)."""
    return sp.zeta(2.0, v)


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
