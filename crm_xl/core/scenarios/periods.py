"""Period labels of the 销售目标 sheet (2024-03, 2024年3月, 2024Q1, 2024 H1, 2024年, ...) as
(start, months, kind)."""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from .common import _text

_P_MONTH = re.compile(r"^(\d{4})\s*(?:[-/.年]\s*)?(\d{1,2})\s*月?(?:[-/.]\d{1,2}(?:\s.*)?)?$")
_P_QUARTER = re.compile(r"^(\d{4})\s*(?:年|[-/ ])?\s*(?:第\s*)?([1-4])\s*(?:季度|季)$|^(\d{4})\s*(?:年|[-/ ])?\s*q\s*([1-4])$")
_P_QUARTER2 = re.compile(r"^q\s*([1-4])\s*[-/ ]?\s*(\d{4})$")
_P_HALF = re.compile(r"^(\d{4})\s*(?:年|[-/ ])?\s*(?:(h\s*([12]))|(上半年|下半年))$")
_P_YEAR = re.compile(r"^(\d{4})\s*(?:年|年度|fy)?$")


def parse_period(value: object) -> tuple[pd.Timestamp, int, str] | None:
    """A target period as (first day, length in months, canonical label), or None.

    Accepted: months ``2024-09``, ``2024/9``, ``202409``, ``2024年9月``, a date (its month);
    quarters ``2024-Q3``, ``2024Q3``, ``Q3 2024``, ``2024年第3季度``; halves ``2024-H1``,
    ``2024年上半年``; years ``2024``, ``2024年``. Labels: ``2024-09``, ``2024-Q3``,
    ``2024-H1``, ``2024``.

    >>> parse_period("2024年第3季度")
    (Timestamp('2024-07-01 00:00:00'), 3, '2024-Q3')
    """
    if isinstance(value, (pd.Timestamp, np.datetime64)) or hasattr(value, "year") and hasattr(value, "month"):
        ts = pd.Timestamp(value)
        if ts is pd.NaT:
            return None
        return pd.Timestamp(ts.year, ts.month, 1), 1, f"{ts.year:04d}-{ts.month:02d}"
    t = unicodedata.normalize("NFKC", _text(value)).lower()
    if not t:
        return None
    if re.fullmatch(r"\d{6}", t):
        t = f"{t[:4]}-{t[4:]}"
    m = _P_QUARTER.match(t)
    if m:
        y, q = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        y, q = int(y), int(q)
        return pd.Timestamp(y, 3 * q - 2, 1), 3, f"{y}-Q{q}"
    m = _P_QUARTER2.match(t)
    if m:
        q, y = int(m.group(1)), int(m.group(2))
        return pd.Timestamp(y, 3 * q - 2, 1), 3, f"{y}-Q{q}"
    m = _P_HALF.match(t)
    if m:
        y = int(m.group(1))
        h = int(m.group(3)) if m.group(3) else (1 if m.group(4) == "上半年" else 2)
        return pd.Timestamp(y, 6 * h - 5, 1), 6, f"{y}-H{h}"
    m = _P_YEAR.match(t)
    if m:
        y = int(m.group(1))
        return pd.Timestamp(y, 1, 1), 12, f"{y}"
    m = _P_MONTH.match(t)
    if m:
        y, mo = int(m.group(1)), int(m.group(2))
        if 1 <= mo <= 12:
            return pd.Timestamp(y, mo, 1), 1, f"{y}-{mo:02d}"
    return None
