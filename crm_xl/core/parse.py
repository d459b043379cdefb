"""Value parsers for messy CRM exports: dates, amounts in 元, numbers, booleans, IDs.

Every parser works on the *distinct* values of a column: a column of a million cells with
a few thousand distinct spellings is factorised once (:class:`Distinct`) and each spelling
is parsed once. The public functions take and return pandas Series; the ``*_distinct``
kernels take a :class:`Distinct` so that cleaning (``crm_xl.core.clean``) factorises each
column exactly once and runs every check on the same distinct values.

Long columns of text (IDs: a million distinct order numbers) are screened without a
Python loop per value: the texts are joined and encoded once as UTF-32 code points, and
per-value facts (length, first/last character, any character outside an allowed set)
come from numpy. Only values the screen cannot decide go through the Python rules, so
the result is the same as applying the rule to every value.

Parsers return ``(parsed, bad)`` where ``bad`` marks non-empty cells that could not be
parsed (they become NaN/NaT and are logged by the caller).
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
    "Distinct",
    "midnight",
    "EXCEL_ERRORS",
    "CLEAN_ID", "blank_value", "error_value", "normalize_id", "normalize_id_keep_case",
]

import datetime as dt
import re
import unicodedata
from functools import partial
from typing import Literal

import numpy as np
import pandas as pd
from pandas.api.types import infer_dtype

from .dates import iso_dates, parse_date_text
from .textscan import texts_fullmatching

EXCEL_ERRORS = frozenset({"#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!",
                          "#CALC!", "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"})
_BLANKS = frozenset({"", "nan", "none", "null", "n/a", "na", "-", "--", "—", "无", "空"})
_BLANK_MAX_LEN = max(len(b) for b in _BLANKS)  # lower() never shortens a text
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
# dates before 1901 are not CRM dates: Excel shows an empty date cell as 1900-01-00 and
# exports write 1900-01-01 as a "no date" placeholder, so they are treated as unparseable
_MIN_YEAR = 1901

# screening tables over Unicode code points (see Distinct.facts)
_WS = np.zeros(0x110000, dtype=bool)  # str.isspace(); every such character is below U+3001
_WS[[c for c in range(0x3001) if chr(c).isspace()]] = True
_ID_CHARS = np.zeros(0x110000, dtype=bool)  # an ID made of these is already normalised
_ID_CHARS[[ord(c) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./"]] = True
CLEAN_ID = re.compile(r"[A-Z0-9_\-./]+")
_FACTS_MIN = 2048  # below this many distinct values a plain Python loop is as fast
# infer_dtype results of arrays that hold no text (so no blank-like or error texts either)
_TEXTLESS_KINDS = frozenset({"empty", "floating", "integer", "mixed-integer-float", "decimal", "complex", "boolean",
                             "datetime64", "datetime", "date", "timedelta64", "timedelta", "time", "period",
                             "interval"})


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


def blank_value(v) -> bool:
    """A cell the cleaning reads as blank (None, NaN, NaT, or a word for blank such as N/A)."""
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, float) and np.isnan(v):
        return True
    return isinstance(v, str) and v.strip().lower() in _BLANKS


def error_value(v) -> bool:
    """An Excel error text (#N/A, #REF!, ...)."""
    return isinstance(v, str) and v.strip().upper() in EXCEL_ERRORS


class _TextFacts:
    """Per-value facts about an array of texts, computed with numpy on their code points."""

    def __init__(self, texts: np.ndarray):
        n = len(texts)
        self.lengths = np.fromiter(map(len, texts), dtype=np.int64, count=n)
        ends = np.cumsum(self.lengths)
        self.starts = ends - self.lengths
        self.cp = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype="<u4")
        nonempty = self.lengths > 0
        first = np.zeros(n, dtype=np.uint32)
        last = np.zeros(n, dtype=np.uint32)
        first[nonempty] = self.cp[self.starts[nonempty]]
        last[nonempty] = self.cp[ends[nonempty] - 1]
        self.nonempty, self.first = nonempty, first
        self.edge_space = nonempty & (_WS[first] | _WS[last])  # v != v.strip()

    def any_char_outside(self, allowed: np.ndarray) -> np.ndarray:
        """True for values holding a character outside ``allowed`` (a code-point table)."""
        out = np.zeros(len(self.lengths), dtype=bool)
        pos = np.flatnonzero(~allowed[self.cp])
        if len(pos):
            out[np.searchsorted(self.starts, pos, side="right") - 1] = True
        return out


class Distinct:
    """A column's distinct values and each cell's code into them.

    ``values`` holds the distinct non-empty values in order of first appearance plus one
    ``None`` (the code of NA cells); ``codes[i]`` is cell i's position in ``values``.
    ``blank`` and ``error`` (Excel error texts such as ``#N/A``) are per distinct value.
    """

    def __init__(self, s: pd.Series):
        codes, uniq = pd.factorize(s, use_na_sentinel=True)
        n = len(uniq)
        codes = np.asarray(codes, dtype=np.intp)
        codes[codes < 0] = n
        self.codes = codes
        self.values = np.append(np.asarray(uniq, dtype=object), [None])
        self._facts: _TextFacts | None | Literal[False] = False
        self._blank: np.ndarray | None = None
        self._error: np.ndarray | None = None
        self._kind: str | None = None
        self._datetimes: pd.DatetimeIndex | None | Literal[False] = False

    def __len__(self) -> int:
        return len(self.values)

    @property
    def kind(self) -> str:
        """``pandas.api.types.infer_dtype`` of the distinct values ("string", "datetime",
        "floating", "mixed", ...)."""
        if self._kind is None:
            self._kind = infer_dtype(self.values[:-1], skipna=False)
        return self._kind

    @property
    def has_text(self) -> bool:
        """False when no distinct value can be text (numbers, dates, datetimes only)."""
        return self.kind not in _TEXTLESS_KINDS

    @property
    def datetimes(self) -> pd.DatetimeIndex | None:
        """The distinct values (without the NA slot) as a DatetimeIndex when they are many
        naive datetimes that fit datetime64[ns], else None."""
        if self._datetimes is False:
            self._datetimes = _naive_datetimes(self.values[:-1]) if self.kind == "datetime" else None
        return self._datetimes

    @property
    def facts(self) -> _TextFacts | None:
        """Code-point facts when the distinct values are many and all text, else None."""
        if self._facts is False:
            real = self.values[:-1]
            self._facts = _TextFacts(real) if len(real) >= _FACTS_MIN and self.kind == "string" else None
        return self._facts

    def _screened(self, pred, candidates) -> np.ndarray:
        """``pred`` (true only for some texts) per value; with text facts, only where
        ``candidates`` (a superset of the values where ``pred`` can hold) is True."""
        out = np.zeros(len(self.values), dtype=bool)
        if not self.has_text:
            return out
        facts = self.facts
        idx = np.flatnonzero(candidates(facts)) if facts is not None else range(len(self.values) - 1)
        vals = self.values
        for i in idx:
            if pred(vals[i]):
                out[i] = True
        return out

    @property
    def blank(self) -> np.ndarray:
        """Empty or blank-like text (``""``, ``-``, ``nan``, ``无`` ...); the NA slot too."""
        if self._blank is None:
            self._blank = self._screened(blank_value, lambda f: f.edge_space | (f.lengths <= _BLANK_MAX_LEN))
            self._blank[-1] = True
        return self._blank

    @property
    def error(self) -> np.ndarray:
        """Excel error values (``#N/A``, ``#VALUE!`` ...) given as text."""
        if self._error is None:
            self._error = self._screened(error_value, lambda f: f.edge_space | (f.first == ord("#")))
        return self._error

    def expand(self, per_value, index: pd.Index | None = None) -> pd.Series:
        """A per-distinct-value Series (or array) back to one value per cell."""
        if isinstance(per_value, pd.Series):
            arr = per_value.array
            return pd.Series(arr.take(self.codes), index=index)
        return pd.Series(np.asarray(per_value)[self.codes], index=index)


def is_blank(s: pd.Series) -> pd.Series:
    """True where a cell is empty: None/NaN/NaT or blank-like text."""
    d = Distinct(s)
    return pd.Series(d.blank[d.codes], index=s.index)


def _parse_each(values: np.ndarray, blank: np.ndarray, fn, dtype) -> tuple[pd.Series, np.ndarray]:
    """``fn(value) -> parsed or None`` on each non-blank distinct value."""
    out = np.empty(len(values), dtype=object)
    out[:] = pd.NaT if dtype == "datetime64[ns]" else pd.NA
    for i in np.flatnonzero(~blank):
        out[i] = fn(values[i])
    obj = pd.Series(out, dtype=object)
    bad = ~blank & obj.isna().to_numpy()
    if dtype == "datetime64[ns]":
        return pd.to_datetime(obj, errors="coerce").astype("datetime64[ns]"), bad
    if dtype == "float64":
        return pd.to_numeric(obj, errors="coerce").astype("float64"), bad
    return obj.astype(dtype), bad


def _is_real_numbers(values: np.ndarray) -> bool:
    return len(values) >= _FACTS_MIN and infer_dtype(values, skipna=False) in ("floating", "integer", "mixed-integer-float")


def midnight(values: np.ndarray, stamps: pd.DatetimeIndex | None = None) -> np.ndarray:
    """Per value: already a clean date -- a date, a datetime at 00:00:00 (fractions of a
    second ignored) or text exactly ``YYYY-MM-DD``; vectorised for many datetimes
    (``stamps``: the values but the last as :attr:`Distinct.datetimes`, if known)."""
    if stamps is None:
        stamps = _naive_datetimes(values[:-1])
    if stamps is not None:
        return np.append(np.asarray(stamps.floor("s") == stamps.normalize()), False)
    return np.fromiter((_clean_date(v) for v in values), dtype=bool, count=len(values))


def _clean_date(v) -> bool:
    if isinstance(v, pd.Timestamp) or type(v).__name__ == "datetime":
        return v.hour == 0 and v.minute == 0 and v.second == 0
    if type(v).__name__ == "date":
        return True
    return isinstance(v, str) and len(v) == 10 and v[4] == "-" and v[7] == "-" and v[:4].isdigit()


def _parse_date_value(v, order: str = "mdy") -> pd.Timestamp | None:
    if isinstance(v, pd.Timestamp):
        return None if pd.isna(v) or v.year < _MIN_YEAR else v.normalize()
    if isinstance(v, (dt.datetime, dt.date)) and v.year < _MIN_YEAR:
        return None
    if isinstance(v, dt.datetime):
        return pd.Timestamp(v.date())
    if isinstance(v, dt.date):
        return pd.Timestamp(v)
    if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
        f = float(v)
        if 19000101 <= f <= 29991231 and f == int(f):
            return _parse_date_value(str(int(f)))
        # Excel serial day numbers (1900 date system); 0 and the phantom 1900-02-29 are not dates
        if 367 <= f < 2958466:  # from 1901-01-01: serials 1-366 (year 1900) are placeholder dates
            return pd.Timestamp(_EXCEL_EPOCH + dt.timedelta(days=int(f)))
        return None
    if isinstance(v, str):
        t = unicodedata.normalize("NFKC", v).strip()
        d = parse_date_text(t, order)
        if d is not None:
            return None if d.year < _MIN_YEAR else pd.Timestamp(d)
        if re.fullmatch(r"\d+(\.\d+)?", t):
            return _parse_date_value(float(t))
    return None


def dates_distinct(values: np.ndarray, blank: np.ndarray,
                   stamps: pd.DatetimeIndex | None = None, order: str = "mdy") -> tuple[pd.Series, np.ndarray]:
    """:func:`parse_dates` on distinct values (``blank`` marks the empty ones; ``stamps`` as
    in :func:`midnight`; ``order`` "mdy" or "dmy" for texts like ``02/03/24``, see
    :mod:`crm_xl.core.dates`)."""
    if stamps is None:
        stamps = _naive_datetimes(values[:-1])
    if stamps is not None and not blank[:-1].any():  # datetime cells only: midnight of each, vectorised
        days = stamps.normalize().astype("datetime64[ns]")
        early = np.asarray(days.year < _MIN_YEAR)  # placeholder dates (1900-01-01), as for text
        out = days.to_numpy().copy()
        out[early] = np.datetime64("NaT", "ns")
        return pd.Series(np.append(out, np.datetime64("NaT", "ns"))), np.append(early, False)
    # texts in ISO form at once (the year range: what the rules below accept; 2262 goes one by one)
    iso, days = iso_dates(values, _MIN_YEAR, _LAST_DAY.year - 1)
    parsed, bad = _parse_each(values, blank | iso, partial(_parse_date_in_range, order=order), "datetime64[ns]")
    if not iso.any():
        return parsed, bad
    out = parsed.to_numpy(dtype="datetime64[ns]", copy=True)
    out[iso], bad[iso] = days[iso], np.isnat(days[iso])
    return pd.Series(out), bad


_FIRST_DAY, _LAST_DAY = pd.Timestamp.min.ceil("D"), pd.Timestamp.max.floor("D")


def _parse_date_in_range(v, order: str = "mdy") -> pd.Timestamp | None:
    """A date datetime64[ns] can hold (1677-09-22 .. 2262-04-11); later or earlier is bad."""
    ts = _parse_date_value(v, order)
    if ts is None or not (_FIRST_DAY <= ts <= _LAST_DAY):
        return None
    return ts


def _naive_datetimes(values: np.ndarray) -> pd.DatetimeIndex | None:
    """``values`` as a DatetimeIndex when they are many timezone-naive datetimes that fit
    datetime64[ns]; None otherwise (the per-value rules then decide)."""
    if len(values) < _FACTS_MIN or infer_dtype(values, skipna=False) != "datetime":
        return None
    try:
        idx = pd.DatetimeIndex(values)
        if idx.tz is not None:
            return None
        idx.astype("datetime64[ns]")  # out of range raises
        return idx
    except (ValueError, TypeError, OverflowError, pd.errors.OutOfBoundsDatetime):
        return None


def parse_dates(s: pd.Series, order: str = "mdy") -> tuple[pd.Series, pd.Series]:
    """Dates from ``2024/9/15``, ``2024年9月15日``, ``2024-09-15 10:00``, ``2024.9.15``,
    ``20240915``, ``12/1/2010 8:26`` (``order`` "mdy" or "dmy" decides texts like
    ``02/03/24``), ``2024-01-22T16:14:25.000+0000``, ``2018-01-01 星期五``, ``Jan 5, 2024``,
    Excel serial numbers, datetimes -> datetime64 at midnight (:mod:`crm_xl.core.dates`).
    Impossible dates (2024-02-30) and serial 0 are bad."""
    return _public(s, partial(dates_distinct, order=order))


def _public(s: pd.Series, kernel) -> tuple[pd.Series, pd.Series]:
    d = Distinct(s)
    val, bad = kernel(d.values, d.blank)
    return d.expand(val, s.index), pd.Series(bad[d.codes], index=s.index)


# currency symbols and codes are dropped from amounts (which currency a column holds is
# found by crm_xl.core.currency); US$ / HK$ / A$ forms included
_MONEY_STRIP = re.compile(r"[,\s¥￥元$£€]|rmb|cny|usd|us|hkd|hk|gbp|eur|jpy|aud|cad|sgd|twd|nt|a(?=\$)|c(?=\$)|s(?=\$)",
                          re.IGNORECASE)
_MONEY = re.compile(r"^([+-]?\d+(?:\.\d+)?(?:e[+-]?\d+)?)(万|w|千|k|亿)?$", re.IGNORECASE)  # 1.5E+11: Excel CSV
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
    if not np.isfinite(val):  # 1e400
        return None
    return round(-val if neg else val, 6)


def money_distinct(values: np.ndarray, blank: np.ndarray, plain: np.ndarray | None = None) -> tuple[pd.Series, np.ndarray]:
    """:func:`parse_money` on distinct values (``blank`` marks the empty ones); ``plain``:
    :func:`plain_decimals` of them, when the caller has it already."""
    real = values[:-1]
    if _is_real_numbers(real) and not blank[:-1].any():  # numbers only: no text to parse
        f = np.append(real.astype("float64"), np.nan)
        bad = np.isinf(f)
        f[bad] = np.nan
        return pd.Series(f), bad
    if plain is None:
        plain = plain_decimals(values, blank)
    if not plain.any():
        return _parse_each(values, blank, _parse_money_value, "float64")
    # plain decimal texts (``4521.33``, ``-12``: what CSV exports hold) at once: numpy's
    # text-to-float is Python's float(), correctly rounded, and with at most six decimals
    # round(x, 6) == x, so each equals _parse_money_value's; the other texts one by one
    out = np.full(len(values), np.nan)
    out[plain] = values[plain].astype("float64")
    bad = np.zeros(len(values), dtype=bool)
    for i in np.flatnonzero(~blank & ~plain):
        v = _parse_money_value(values[i])
        if v is None:
            bad[i] = True
        else:
            out[i] = v
    return pd.Series(out), bad


_PLAIN_DECIMAL = r"-?[0-9]{1,15}(?:\.[0-9]{1,6})?"


def plain_decimals(values: np.ndarray, blank: np.ndarray) -> np.ndarray:
    """True where a distinct value is text that is a plain decimal (ASCII digits, an
    optional minus, at most 15 + 6 digits), not blank."""
    if len(values) < _FACTS_MIN:
        return np.zeros(len(values), dtype=bool)
    return texts_fullmatching(values, _PLAIN_DECIMAL) & ~blank


def parse_money(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Amounts in 元 from ``15万``, ``150,000元``, ``1.5w``, ``1.5万元``, ``¥1,200.50``,
    ``￥``, full-width digits, ``(1,200)`` (refund -> negative)."""
    return _public(s, money_distinct)


def _parse_number_value(v) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float, np.integer, np.floating)):
        return float(v) if np.isfinite(float(v)) else None
    if isinstance(v, str):
        t = unicodedata.normalize("NFKC", v).strip().replace(",", "")
        pct = t.endswith("%")
        if pct:
            t = t[:-1]
        try:
            f = float(t)
        except ValueError:
            return None
        if not np.isfinite(f):  # "inf", "1e400"
            return None
        return f / 100 if pct else f
    return None


def numbers_distinct(values: np.ndarray, blank: np.ndarray) -> tuple[pd.Series, np.ndarray]:
    """:func:`parse_numbers` on distinct values (``blank`` marks the empty ones)."""
    real = values[:-1]
    if _is_real_numbers(real) and not blank[:-1].any():
        return pd.Series(np.append(real.astype("float64"), np.nan)), np.zeros(len(values), dtype=bool)
    return _parse_each(values, blank, _parse_number_value, "float64")


def parse_numbers(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Plain numbers (full-width digits, thousands separators, ``15%`` -> 0.15)."""
    return _public(s, numbers_distinct)


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


def bools_distinct(values: np.ndarray, blank: np.ndarray) -> tuple[pd.Series, np.ndarray]:
    """:func:`parse_bools` on distinct values (``blank`` marks the empty ones)."""
    out, bad = _parse_each(values, blank, _parse_bool_value, object)
    return out.astype("boolean"), bad


def parse_bools(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Yes/no from 是/否, Y/N, true/false, 1/0, 已续签/未续签, ..."""
    return _public(s, bools_distinct)


def _to_text(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def normalize_id(v) -> str:
    """One ID as the cleaning writes it (NFKC, no spaces, upper case); one matching CLEAN_ID is its own."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", _to_text(v))).upper()


def _case_sensitive(values: np.ndarray) -> bool:
    """True for a column of case-sensitive IDs: some ID mixes upper and lower case letters
    (Salesforce 001Ec00000GGw3iIAD, Stripe cus_PsVhjffeodeyRV), so upper-casing could
    merge two customers. IDs in one case throughout (c001, C001) are codes typed in either
    case and are upper-cased."""
    seen = 0
    for v in values:
        if isinstance(v, str):
            if v != v.upper() and v != v.lower():
                return True
            seen += 1
            if seen >= 5000:
                break
    return False


def ids_distinct(d: Distinct, blank: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Normalised IDs for the distinct values of ``d`` (None where ``blank``) and which of
    them changed (the cleaned ID differs from the cell, or the cell was not text).
    Case-sensitive ID columns (:func:`_case_sensitive`) keep their case."""
    n = len(d)
    val = np.empty(n, dtype=object)
    changed = np.zeros(n, dtype=bool)
    facts = d.facts
    values = d.values
    keep_case = d.has_text and _case_sensitive(values[:-1])
    if facts is not None and not keep_case:  # text already made of A-Z 0-9 _ - . / is its own normal form
        todo = facts.any_char_outside(_ID_CHARS) | ~facts.nonempty
        val[:-1] = values[:-1]
        todo = np.append(todo, False)
    else:
        todo = np.ones(n, dtype=bool)
    val[blank] = None
    normalize = normalize_id_keep_case if keep_case else normalize_id
    for i in np.flatnonzero(todo & ~blank):
        v = values[i]
        if isinstance(v, str) and (CLEAN_ID.fullmatch(v) or keep_case and _CLEAN_ID_ANY_CASE.fullmatch(v)):
            val[i] = v
            continue
        val[i] = new = normalize(v)
        changed[i] = not isinstance(v, str) or new != v
    return val, changed


_CLEAN_ID_ANY_CASE = re.compile(r"[A-Za-z0-9_\-./]+")


def normalize_id_keep_case(v) -> str:
    """:func:`normalize_id` for a column of case-sensitive IDs: the case is kept."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", _to_text(v)))


def normalize_ids(s: pd.Series) -> pd.Series:
    """IDs: full-width -> half-width (NFKC), all spaces removed, letters upper-cased (but in
    a column of case-sensitive IDs such as Salesforce's); numbers read as floats (1001.0)
    become "1001". Blank -> NA."""
    d = Distinct(s)
    val, _ = ids_distinct(d, d.blank)
    return d.expand(pd.Series(val, dtype="str"), s.index)


def text_distinct(d: Distinct, blank: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Trimmed texts for the distinct values of ``d`` (None where ``blank``; non-text
    cells as their text) and which were text with surrounding spaces."""
    n = len(d)
    values = d.values
    val = values.copy()
    trimmed = np.zeros(n, dtype=bool)
    facts = d.facts
    if facts is not None:
        todo = np.append(facts.edge_space, False)
    else:
        todo = np.ones(n, dtype=bool)
    for i in np.flatnonzero(todo & ~blank):
        v = values[i]
        if isinstance(v, str):
            val[i] = t = v.strip()
            trimmed[i] = t != v
        else:
            val[i] = _to_text(v).strip()
    val[blank] = None
    return val, trimmed


def normalize_text(s: pd.Series) -> pd.Series:
    """Free text: surrounding spaces trimmed (inner text untouched); blank -> NA.
    Formula-looking text (``=...``, ``+...``) is kept as text, verbatim."""
    d = Distinct(s)
    val, _ = text_distinct(d, d.blank)
    return d.expand(pd.Series(val, dtype="str"), s.index)
