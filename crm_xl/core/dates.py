"""Dates as exports write them: the text rules behind :func:`crm_xl.core.parse.parse_dates`.

Accepted (after full-width -> half-width and trimming):

* year first: ``2024-09-15``, ``2024/9/15``, ``2024.9.15``, ``2024年9月15日``, ``20240915``;
* day and month first, the order decided per column (:func:`column_date_order`):
  ``12/1/2010``, ``02/03/24`` (two-digit years: 00-68 -> 20xx, 69-99 -> 19xx, as
  Python's ``%y``), ``15.09.2024``, ``15-09-2024``;
* month names: ``Jan 5, 2024``, ``5 Jan 2024``, ``05-Jan-2024``, ``January 5 2024``;
* a time after the date, dropped: ``12/1/2010 8:26``, ``2024-01-22T16:14:25.000+0000``,
  ``3/14/2023 10:05 AM``, ``2024-09-15 10:00:00 UTC`` (the date is the one written, not
  converted between time zones);
* a weekday before or after the date, dropped: ``2018-01-01 星期五``, ``周一 2024/9/16``,
  ``Fri, 5 Jan 2024``, ``2024-01-05 (Fri)``.

Numbers (Excel serials, ``20240915`` as a number) and datetime cells are handled by
:mod:`crm_xl.core.parse`.
"""

from __future__ import annotations

__all__ = ["DATE_ORDERS", "ISO_DATE_TEXT", "parse_date_text", "column_date_order", "has_ambiguous", "iso_dates",
           "two_digit_year"]

import datetime as dt
import re

import numpy as np
import pandas as pd

from .textscan import texts_fullmatching

DATE_ORDERS = ("ymd", "mdy", "dmy")

# year first, two-digit month and day, maybe a time to the minute or second: what databases,
# ISO 8601 and most CSV exports write; read all at once (:func:`iso_dates`)
ISO_DATE_TEXT = r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[ T][0-9]{2}:[0-9]{2}(?::[0-9]{2})?)?"

_WEEKDAY_ZH = re.compile(r"[（(]?\s*(?:星期|周|礼拜)[一二三四五六日天]\s*[)）]?")
_WEEKDAY_EN = "(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|sday|nesday|rsday|urday)?\\.?"
_WEEKDAY_LEAD = re.compile(rf"^{_WEEKDAY_EN},?\s+", re.IGNORECASE)
_WEEKDAY_TAIL = re.compile(rf"\s*,?\s*\(?{_WEEKDAY_EN}\)?$", re.IGNORECASE)
_TIME_TAIL = re.compile(
    r"(?:[ T]+|(?<=日))\d{1,2}(?::\d{2}){1,2}(?:[.,]\d+)?\s*(?:[ap]\.?m\.?)?\s*(?:z|utc|gmt|[+-]\d{2}:?\d{2})?$"
    r"|(?:[ T]+)\d{1,2}\s*[ap]\.?m\.?$"
    r"|(?<=日)\s*\d{1,2}[时點点]\d{1,2}分?(?:\d{1,2}秒)?$",
    re.IGNORECASE)
_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_YMD_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_XYZ = re.compile(r"^(\d{1,2})\s*([-/.])\s*(\d{1,2})\s*\2\s*(\d{4}|\d{2})$")
_MONTHS = {m: i for i, names in enumerate(
    (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")), 1) for m in names}
_D_MON_Y = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[\s\-/.]*([a-z]{3,9})\.?[\s\-/.,]*(\d{4}|\d{2})$", re.IGNORECASE)
_MON_D_Y = re.compile(r"^([a-z]{3,9})\.?[\s\-/.]*(\d{1,2})(?:st|nd|rd|th)?,?[\s\-/.]*(\d{4})$", re.IGNORECASE)
_Y_MON_D = re.compile(r"^(\d{4})[\s\-/.]*([a-z]{3,9})\.?[\s\-/.]*(\d{1,2})$", re.IGNORECASE)


def two_digit_year(y: int) -> int:
    """A two-digit year as Python's ``%y`` reads it: 00-68 -> 2000-2068, 69-99 -> 1969-1999."""
    return 2000 + y if y <= 68 else 1900 + y


def _strip(text: str) -> str:
    t = _WEEKDAY_ZH.sub(" ", text).strip()
    t = _WEEKDAY_LEAD.sub("", t)
    t = _WEEKDAY_TAIL.sub("", t).strip()
    t = _TIME_TAIL.sub("", t).strip()
    return t


def _date(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def parse_date_text(text: str, order: str = "mdy") -> dt.date | None:
    """The date a text names, or None. ``order`` ("mdy" or "dmy"; "ymd" reads such texts
    as month-first) decides ``02/03/24``-like texts; year-first texts and month names
    are unambiguous."""
    t = _strip(text)
    m = _YMD.match(t) or _YMD_COMPACT.match(t)
    if m:
        return _date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _XYZ.match(t)
    if m:
        a, b, y = int(m.group(1)), int(m.group(3)), int(m.group(4))
        if len(m.group(4)) == 2:
            y = two_digit_year(y)
        return _date(y, b, a) if order == "dmy" else _date(y, a, b)
    m = _D_MON_Y.match(t)
    if m and m.group(2).lower() in _MONTHS:
        y = int(m.group(3))
        return _date(two_digit_year(y) if len(m.group(3)) == 2 else y, _MONTHS[m.group(2).lower()], int(m.group(1)))
    m = _MON_D_Y.match(t)
    if m and m.group(1).lower() in _MONTHS:
        return _date(int(m.group(3)), _MONTHS[m.group(1).lower()], int(m.group(2)))
    m = _Y_MON_D.match(t)
    if m and m.group(2).lower() in _MONTHS:
        return _date(int(m.group(1)), _MONTHS[m.group(2).lower()], int(m.group(3)))
    return None


def column_date_order(texts) -> tuple[str | None, int, int]:
    """Which of month-first and day-first a column's ``02/03/24``-like texts use.

    Returns ``(order, month_first_evidence, day_first_evidence)``: ``order`` is "mdy"
    when some text has a second field above 12 (3/14/2023) and more of those than texts
    with a first field above 12, "dmy" the other way round, None when no text decides
    (every field 12 or less, or no such texts: the caller falls back to a setting and
    says so).
    """
    mdy = dmy = 0
    for v in texts:
        if not isinstance(v, str):
            continue
        m = _XYZ.match(_strip(v.strip()))
        if not m:
            continue
        a, b = int(m.group(1)), int(m.group(3))
        if a > 12 >= b:
            dmy += 1
        elif b > 12 >= a:
            mdy += 1
    if mdy > dmy:
        return "mdy", mdy, dmy
    if dmy > mdy:
        return "dmy", mdy, dmy
    return None, mdy, dmy


def has_ambiguous(texts) -> bool:
    """True when some text is ``a/b/y`` with both a and b at most 12 (its order matters)."""
    for v in texts:
        if isinstance(v, str):
            m = _XYZ.match(_strip(v.strip()))
            if m and int(m.group(1)) <= 12 and int(m.group(3)) <= 12 and m.group(1) != m.group(3):
                return True
    return False


def iso_dates(values, first_year: int, last_year: int) -> tuple[np.ndarray, np.ndarray]:
    """``(mask, days)``: which of ``values`` are texts in ISO form (:data:`ISO_DATE_TEXT`:
    ``2024-09-15``, ``2024-09-15 10:00``, ``2024-09-15T10:00:00``) of a year from
    ``first_year`` to ``last_year``, and for those the day :func:`parse_date_text` reads
    (datetime64[ns] at midnight, the time dropped as it drops it; NaT where the day does not
    exist, e.g. ``2024-02-30``). Vectorised (one scan, one ``pd.to_datetime``): the per-value
    rules are for everything else."""
    mask = texts_fullmatching(values, ISO_DATE_TEXT)
    days = np.full(len(mask), np.datetime64("NaT", "ns"))
    if mask.any():
        lo, hi = f"{first_year:04d}", f"{last_year:04d}"
        vals = np.asarray(values, dtype=object)
        mask[mask] = [lo <= v[:4] <= hi for v in vals[mask]]
        heads = pd.Series([v[:10] for v in vals[mask]], dtype=object)
        days[mask] = pd.to_datetime(heads, format="%Y-%m-%d", errors="coerce").to_numpy(dtype="datetime64[ns]")
    return mask, days
