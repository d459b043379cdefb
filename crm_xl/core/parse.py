"""Value parsers for messy CRM exports: dates, amounts in 元, numbers, booleans, IDs.

Each parser works on a pandas Series and is vectorised over *distinct* values: a column
of a million cells with a few thousand distinct spellings is parsed once per spelling
and mapped back. Each returns ``(parsed, bad)`` where ``bad`` marks non-empty cells that
could not be parsed (they become NaN/NaT and are logged by the caller).
"""

from __future__ import annotations

__all__ = [
    "parse_dates",
    "parse_money",
    "parse_numbers",
    "parse_bools",
    "normalize_ids",
    "normalize_text",
    "is_blank",
    "per_unique",
    "EXCEL_ERRORS",
]

import datetime as dt
import re
import unicodedata

import numpy as np
import pandas as pd

EXCEL_ERRORS = frozenset({"#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!",
                          "#CALC!", "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"})
_BLANKS = frozenset({"", "nan", "none", "null", "n/a", "na", "-", "--", "—", "无", "空"})
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)


def per_unique(s: pd.Series, fn) -> pd.Series:
    """``fn`` evaluated once per distinct value of ``s`` and mapped back (the hot path of
    every parser: a million cells usually hold a few thousand distinct spellings)."""
    if len(s) == 0:
        return pd.Series([], index=s.index, dtype=object)
    codes, uniq = pd.factorize(s, use_na_sentinel=True)
    results = np.empty(len(uniq) + 1, dtype=object)
    for i, u in enumerate(uniq):
        results[i] = fn(u)
    results[-1] = fn(None)  # NA cells (code -1)
    return pd.Series(results[codes], index=s.index)


def _blank_value(v) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, float) and np.isnan(v):
        return True
    return isinstance(v, str) and v.strip().lower() in _BLANKS


def _str_part(s: pd.Series) -> pd.Series | None:
    """``s`` as strings where cells are text (NaN elsewhere), vectorised; None if no text."""
    try:
        out = s.str.strip()
    except AttributeError:
        return None
    # a column whose only text cells are missing comes back as float NaN: no text at all
    return out if out.dtype == object or pd.api.types.is_string_dtype(out.dtype) else None


def is_blank(s: pd.Series) -> pd.Series:
    """True where a cell is empty: None/NaN/NaT or blank-like text."""
    out = s.isna()
    txt = _str_part(s)
    if txt is not None:
        out = out | txt.str.lower().isin(_BLANKS)
    return out.astype(bool)


def _map_unique(s: pd.Series, fn, dtype) -> tuple[pd.Series, pd.Series]:
    """Apply ``fn(value) -> parsed or None`` once per distinct non-blank value."""
    blank = is_blank(s)
    work = s[~blank]
    vals = per_unique(work, lambda v: None if v is None else fn(v))
    out = pd.Series(pd.NA if dtype != "datetime64[ns]" else pd.NaT, index=s.index, dtype=object)
    out[~blank] = vals
    bad = (~blank) & out.isna()
    if dtype == "datetime64[ns]":
        return pd.to_datetime(out, errors="coerce").astype("datetime64[ns]"), bad
    if dtype == "float64":
        return pd.to_numeric(out, errors="coerce").astype("float64"), bad
    return out.astype(dtype), bad


_DATE_PATTERNS = [
    re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]


def _parse_date_value(v) -> pd.Timestamp | None:
    if isinstance(v, pd.Timestamp):
        return None if pd.isna(v) else v.normalize()
    if isinstance(v, dt.datetime):
        return pd.Timestamp(v.date())
    if isinstance(v, dt.date):
        return pd.Timestamp(v)
    if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
        f = float(v)
        if 19000101 <= f <= 29991231 and f == int(f):
            return _parse_date_value(str(int(f)))
        # Excel serial day numbers (1900 date system); 0 and the phantom 1900-02-29 are not dates
        if 1 <= f < 2958466 and f != 60:
            return pd.Timestamp(_EXCEL_EPOCH + dt.timedelta(days=int(f)))
        return None
    if isinstance(v, str):
        t = unicodedata.normalize("NFKC", v).strip()
        for pat in _DATE_PATTERNS:
            m = pat.match(t)
            if m:
                y, mo, d = (int(x) for x in m.groups())
                try:
                    return pd.Timestamp(dt.date(y, mo, d))
                except ValueError:
                    return None
        if re.fullmatch(r"\d+(\.\d+)?", t):
            return _parse_date_value(float(t))
    return None


def parse_dates(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Dates from ``2024/9/15``, ``2024年9月15日``, ``2024-09-15 10:00``, ``2024.9.15``,
    ``20240915``, Excel serial numbers, datetimes -> datetime64 at midnight.
    Impossible dates (2024-02-30) and serial 0 are bad."""
    return _map_unique(s, _parse_date_value, "datetime64[ns]")


_MONEY_STRIP = re.compile(r"[,\s¥￥元$]|rmb|cny", re.IGNORECASE)
_MONEY = re.compile(r"^([+-]?\d+(?:\.\d+)?)(万|w|千|k|亿)?$", re.IGNORECASE)
_UNIT = {"万": 1e4, "w": 1e4, "千": 1e3, "k": 1e3, "亿": 1e8}


def _parse_money_value(v) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float, np.integer, np.floating)):
        return None if np.isnan(float(v)) or np.isinf(float(v)) else float(v)
    if not isinstance(v, str):
        return None
    t = unicodedata.normalize("NFKC", v).strip()
    neg = False
    if t.startswith("(") and t.endswith(")"):
        neg, t = True, t[1:-1]
    t = t.replace("万元", "万")
    t = _MONEY_STRIP.sub("", t)
    m = _MONEY.match(t)
    if not m:
        return None
    val = float(m.group(1)) * _UNIT.get((m.group(2) or "").lower(), 1.0)
    return round(-val if neg else val, 6)


def parse_money(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Amounts in 元 from ``15万``, ``150,000元``, ``1.5w``, ``1.5万元``, ``¥1,200.50``,
    ``￥``, full-width digits, ``(1,200)`` (refund -> negative)."""
    return _map_unique(s, _parse_money_value, "float64")


def _parse_number_value(v) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float, np.integer, np.floating)):
        return None if np.isnan(float(v)) else float(v)
    if isinstance(v, str):
        t = unicodedata.normalize("NFKC", v).strip().replace(",", "")
        pct = t.endswith("%")
        if pct:
            t = t[:-1]
        try:
            f = float(t)
        except ValueError:
            return None
        return f / 100 if pct else f
    return None


def parse_numbers(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Plain numbers (full-width digits, thousands separators, ``15%`` -> 0.15)."""
    return _map_unique(s, _parse_number_value, "float64")


_TRUE = {"是", "y", "yes", "true", "1", "已续签", "已解决", "已响应", "√", "t", "续签"}
_FALSE = {"否", "n", "no", "false", "0", "未续签", "未解决", "未响应", "×", "f", "不续签"}


def _parse_bool_value(v) -> bool | None:
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, float, np.integer, np.floating)):
        return True if v == 1 else False if v == 0 else None
    if isinstance(v, str):
        t = unicodedata.normalize("NFKC", v).strip().lower()
        if t in _TRUE:
            return True
        if t in _FALSE:
            return False
    return None


def parse_bools(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Yes/no from 是/否, Y/N, true/false, 1/0, 已续签/未续签, ..."""
    out, bad = _map_unique(s, _parse_bool_value, object)
    return out.astype("boolean"), bad


def _to_text(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def normalize_ids(s: pd.Series) -> pd.Series:
    """IDs: full-width -> half-width (NFKC), all spaces removed, letters upper-cased;
    numbers read as floats (1001.0) become "1001". Blank -> NA."""
    blank = is_blank(s)
    out = pd.Series(pd.NA, index=s.index, dtype="str")
    if (~blank).any():
        work = s[~blank]
        # fast path: text that is already a clean ID (ASCII upper-case letters, digits, - _ . /)
        txt = _str_part(work)
        ok = (txt.eq(work) & txt.str.fullmatch(r"[A-Z0-9_\-./]+")).fillna(False).astype(bool) if txt is not None \
            else pd.Series(False, index=work.index)
        res = work.where(ok, None).astype(object)
        rest = ~ok
        if rest.any():
            res[rest] = per_unique(work[rest], lambda v: re.sub(r"\s+", "", unicodedata.normalize("NFKC", _to_text(v))).upper())
        out[~blank] = res
    return out


def normalize_text(s: pd.Series) -> pd.Series:
    """Free text: surrounding spaces trimmed (inner text untouched); blank -> NA.
    Formula-looking text (``=...``, ``+...``) is kept as text, verbatim."""
    blank = is_blank(s)
    out = pd.Series(pd.NA, index=s.index, dtype="str")
    if (~blank).any():
        work = s[~blank]
        txt = _str_part(work)
        res = txt if txt is not None else pd.Series(np.nan, index=work.index, dtype=object)
        nontext = res.isna()
        res = res.astype(object)
        if nontext.any():
            res[nontext] = per_unique(work[nontext], lambda v: _to_text(v).strip())
        out[~blank] = res
    return out
