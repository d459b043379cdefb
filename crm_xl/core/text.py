"""Text columns that mean the same on every supported pandas (2.2 and newer).

pandas 3 has a text dtype, ``"str"``, whose missing value is NaN: ``astype("str")`` and
``pd.array(values, dtype="str")`` keep a missing value missing. On pandas 2.x ``"str"`` is
numpy's ``str``: ``Series.astype("str")`` turns ``None`` and NaN into the texts ``'None'``
and ``'nan'``, and ``pd.array(values, dtype="str")`` makes fixed-width numpy text with the
same texts in it (xlwings Lite runs pandas 2.2: a blank campaign ID became the campaign
``'None'``). Code that builds text columns uses these helpers instead:

* :func:`as_text` for ``obj.astype("str")`` (Series, Index or array),
* :func:`text_array` for ``pd.array(values, dtype="str")``,
* :func:`as_dtype` for ``obj.astype(dtype)`` where ``dtype`` may be ``"str"``.

:func:`missing_texts` makes a ``str`` column of missing values only (a column a table does
not have) that costs no memory per row where pandas' text dtype is held by pyarrow.

On pandas 3 they are exactly those calls; on pandas 2 the result is an object column whose
values are ``str`` (converted with ``str()``, as pandas 3 does) and NaN where the value is
missing. ``pd.Series(values, dtype="str")`` and ``pd.Index(values, dtype="str")`` keep
missing values on both and need no helper.
"""

from __future__ import annotations

__all__ = ["STR_IS_TEXT_DTYPE", "as_text", "text_array", "as_dtype", "missing_texts", "all_missing"]

import numpy as np
import pandas as pd

#: True when ``"str"`` names pandas' text dtype (pandas 3), False on pandas 2.x.
STR_IS_TEXT_DTYPE = isinstance(pd.api.types.pandas_dtype("str"), pd.StringDtype)


def _texts(values) -> np.ndarray:
    """1-d object array: ``str`` of every present value (``str`` objects kept as they are),
    NaN where the value is missing (None, NaN, NaT, pd.NA)."""
    arr = np.asarray(values, dtype=object)
    if arr.ndim != 1:
        arr = arr.ravel()
    out = np.empty(arr.size, dtype=object)
    na = pd.isna(arr)
    ok = ~na
    if ok.any():  # pandas' own conversion: keeps str objects, str() of the others
        out[ok] = pd.Series(arr[ok], dtype=object).astype(str).to_numpy(dtype=object)
    out[na] = np.nan
    return out


def text_array(values):
    """``pd.array(values, dtype="str")`` with missing values kept missing on pandas 2."""
    if STR_IS_TEXT_DTYPE:
        return pd.array(values, dtype="str")
    if isinstance(values, (pd.Series, pd.Index)):
        values = values.to_numpy(dtype=object)
    return pd.array(_texts(values), dtype=object)


def as_text(obj):
    """``obj.astype("str")`` (a Series, an Index or an array) with missing values kept
    missing on pandas 2: the same values as pandas 3 gives."""
    if STR_IS_TEXT_DTYPE:
        return obj.astype("str")
    if isinstance(obj, pd.Series):
        return pd.Series(_texts(obj.to_numpy(dtype=object)), index=obj.index, name=obj.name, dtype=object)
    if isinstance(obj, pd.Index):
        return pd.Index(_texts(obj.to_numpy(dtype=object)), name=obj.name, dtype=object)
    return text_array(obj)


def as_dtype(obj, dtype):
    """``obj.astype(dtype)``, through :func:`as_text` when ``dtype`` is ``"str"``."""
    if isinstance(dtype, str) and dtype == "str":
        return as_text(obj)
    return obj.astype(dtype)


_SHARED_CHUNK = 1 << 20  # rows of the one all-missing pyarrow chunk :func:`missing_texts` repeats


def missing_texts(n: int, index=None) -> pd.Series:
    """A ``str`` Series of ``n`` missing values, as ``as_text(pd.Series([None] * n))`` gives.

    Where pandas' ``str`` is pyarrow's text (pandas 3 with pyarrow), the column is one
    all-missing chunk of at most 2**20 rows repeated, every chunk the same buffers: about
    8 MB whatever ``n`` (ten million rows of a column an orders table does not have: 80 MB of
    offsets otherwise). Filtering or reordering it makes an ordinary array of that length.
    Elsewhere (pandas 2's object columns) one missing value repeated."""
    one = as_text(pd.Series([None], dtype=object)).array
    pa_type = getattr(getattr(one, "_pa_array", None), "type", None)
    if pa_type is None or n <= _SHARED_CHUNK:
        values = one.take(np.zeros(n, dtype=np.intp))
    else:
        import pyarrow as pa

        chunk = pa.nulls(_SHARED_CHUNK, pa_type)
        whole, rest = divmod(n, _SHARED_CHUNK)
        values = type(one)(pa.chunked_array([chunk] * whole + ([chunk.slice(0, rest)] if rest else []), type=pa_type),
                           dtype=one.dtype)
    return pd.Series(values, index=index)


def all_missing(column: pd.Series) -> bool:
    """``column.isna().all()``; counted per chunk where the column is pyarrow's."""
    pa_array = getattr(column.array, "_pa_array", None)
    if pa_array is not None:
        return pa_array.null_count == len(pa_array)
    return bool(column.isna().all())
