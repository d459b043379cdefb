"""Cell values for the live-Book renderer (:mod:`crm_xl.render.book`): what one column writes
(:func:`cell_values`) and the guard that keeps a text a text (:func:`guard_text`)."""

from __future__ import annotations

import datetime as dt
import math
import re

import numpy as np
import pandas as pd

from ..report.spec import NUMERIC_KINDS
from .cells import is_missing, text_of
from .sheetdata import cut_cell_text

_MIN_DATE = pd.Timestamp("1900-03-01")  # before this Excel's 1900 leap-year bug shifts serials
MAX_CELL_CHARS = 32767

_FORMULA_START = ("=", "+", "-", "@", "'", "\t", "\r")  # tab / CR: OWASP CSV-injection prefixes
# text Excel's input parser would turn into a number, date, time, percentage or currency
_COERCIBLE = re.compile(r"^[\s\d.,:/\-+%()$¥￥€£eE年月日时分秒]*\d[\s\d.,:/\-+%()$¥￥€£eE年月日时分秒]*$")
_WORDS = frozenset({"TRUE", "FALSE", "真", "假"})


def guard_text(s: str, *, text_format: bool) -> str:
    """``s`` as it must be written so that Excel stores exactly ``s`` as text.

    A leading apostrophe is Excel's text prefix (it is not part of the cell's value).
    It is added when ``s`` starts with ``= + - @ '`` and, in a cell not formatted as text
    (``text_format=False``), when Excel would parse ``s`` as a number, date, time or
    boolean.
    """
    s = cut_cell_text(s)
    if not s:
        return s
    if s[0] in _FORMULA_START:
        return "'" + s
    if not text_format and (s.strip().upper() in _WORDS or s[0] == "#" or _COERCIBLE.match(s)):
        return "'" + s
    return s


def _as_datetime(v: object) -> dt.datetime | None:
    """A date-like value as a naive datetime Excel can show, else None."""
    if isinstance(v, (pd.Timestamp, dt.datetime, dt.date, np.datetime64)) and not is_missing(v):
        ts = pd.Timestamp(v)
        if ts.tzinfo is not None:
            ts = ts.tz_localize(None)
        if ts >= _MIN_DATE:
            return ts.to_pydatetime()
    return None


def _is_number(v: object) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))


def cell_values(values: pd.Series, kind: str, *, text_format: bool | None = None) -> list[object]:
    """The Python values to write for one column of ``kind`` (str, float, bool, datetime
    or None), following the spec's contract: ``text`` writes text; numeric kinds write
    numbers and keep other text as text; ``date`` writes dates (text that is no date,
    and dates before 1900-03-01, as text); ``general`` decides per value."""
    tf = (kind == "text") if text_format is None else text_format
    out: list[object] = []
    for v in values.tolist():
        if is_missing(v):
            out.append(None)
            continue
        if kind == "text":
            t = text_of(v)
        elif kind in NUMERIC_KINDS:
            if isinstance(v, (bool, np.bool_)):
                out.append(float(v))
                continue
            if _is_number(v):
                out.append(float(v))
                continue
            try:
                f = float(v) if isinstance(v, str) else None  # pandas to_numeric semantics
            except ValueError:
                f = None
            if f is not None and math.isfinite(f):
                out.append(f)
                continue
            t = text_of(v)
        elif kind == "date":
            d = _as_datetime(v)
            if d is not None:
                out.append(d)
                continue
            if _is_number(v):
                out.append(float(v))  # an Excel serial pasted as such stays that number
                continue
            t = text_of(v)
        else:  # general
            if isinstance(v, (bool, np.bool_)):
                out.append(bool(v))
                continue
            if _is_number(v):
                out.append(float(v))
                continue
            d = _as_datetime(v)
            if d is not None:
                out.append(d)
                continue
            t = text_of(v)
        out.append(None if t is None else guard_text(t, text_format=tf))
    return out
