"""One column of a raw sheet cleaned through its distinct values (:func:`crm_xl.core.clean.clean_table`):
parsed and normalised by kind, every change logged; the day/month order of its dates; codes of
equal cleaned IDs; the cleaned columns of one sheet (``_Columns``)."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..schema import ColumnKind, Table
from .cleanlog import Note
from .cleanlog import RowLog as _Log
from .cleanlog import cell_texts as _texts
from .cleanlog import text as _t
from .currency import detect_currency
from .dataset import DTYPE_BY_KIND
from .dates import ISO_DATE_TEXT, column_date_order, has_ambiguous

if TYPE_CHECKING:
    pass
from .industry import map_industry, section_name
from .parse import (
    Distinct,
    bools_distinct,
    dates_distinct,
    ids_distinct,
    midnight,
    money_distinct,
    numbers_distinct,
    plain_decimals,
    text_distinct,
)
from .text import as_dtype, as_text
from .textscan import texts_fullmatching

_PLAIN_NUMBER = r"-?[0-9]+(?:\.[0-9]+)?"  # (matched whole) ASCII digits only: full-width ones are a change


def _sheet_order(dists: list[Distinct]) -> str | None:
    """The day/month order the other date-like columns of the same sheet show (an export
    writes all its dates one way): month-first or day-first by majority of evidence, None
    when no column decides."""
    mdy = dmy = 0
    for d in dists:
        if d.has_text:
            _, m, dd = column_date_order(_day_month_texts(d.values[:5000]))
            mdy, dmy = mdy + m, dmy + dd
    return "mdy" if mdy > dmy else "dmy" if dmy > mdy else None


def _day_month_texts(values: np.ndarray) -> list[str]:
    """The texts among ``values`` that may be day- or month-first (texts in ISO form, year
    first, never are: left out at once rather than looked at one by one)."""
    iso = texts_fullmatching(values, ISO_DATE_TEXT)
    return [v for v, i in zip(values, iso, strict=True) if not i and isinstance(v, str)]


def _column_order(d: Distinct, head: str, notes: list, sheet_order=None) -> str:
    """The day/month order of a date column's ``02/03/24``-like texts, decided from the data
    (the column's own texts, else the sheet's other date columns: ``sheet_order`` is a
    callable giving :func:`_sheet_order`); month-first (noted) when nothing decides and some
    text is ambiguous."""
    if not d.has_text:
        return "mdy"
    texts = _day_month_texts(d.values[:-1])
    order, mdy, dmy = column_date_order(texts)
    if order is None and sheet_order is not None and has_ambiguous(texts):
        order = sheet_order()
        if order is not None:
            return order
    if order is None:
        if has_ambiguous(texts):
            notes.append(Note(f"日期列「{head}」中的日期（如 {next(v for v in texts if has_ambiguous([v]))}）"
                          "无法从数据判断是月/日还是日/月，已按月/日/年（美式）读取；如为日/月/年，请把设置 date_order "
                          "改为 dmy（或使用 --date-format dmy）。",
                          f"date column '{head}': the data cannot tell month-first from day-first "
                          f"(e.g. {next(v for v in texts if has_ambiguous([v]))}); read as month/day/year (US). "
                          "If it is day/month/year, set date_order to dmy (or use --date-format dmy)."))
        return "mdy"
    if mdy and dmy:
        notes.append(Note(f"日期列「{head}」混用了月/日和日/月两种写法；按多数（{'月/日/年' if order == 'mdy' else '日/月/年'}）"
                      "读取，其余无法识别的日期记录在清洗日志中。",
                      f"date column '{head}' mixes month-first and day-first dates; read as the majority "
                      f"({'month/day/year' if order == 'mdy' else 'day/month/year'}), the rest are in the cleaning log."))
    return order


def _value_codes(val_u: pd.Series, changed: np.ndarray | None) -> np.ndarray:
    """Per distinct value: a code shared by equal cleaned values, -1 for NA."""
    na = val_u.isna().to_numpy()
    if changed is not None and not changed.any():
        # no value was rewritten: the non-NA cleaned values are the distinct raw texts themselves
        codes = np.arange(len(val_u), dtype=np.intp)
    else:
        codes, _ = pd.factorize(val_u.to_numpy(dtype=object), use_na_sentinel=True)
        codes = np.asarray(codes, dtype=np.intp)
    codes[na] = -1
    return codes


def _clean_distinct(d: Distinct, col, head: str, log: _Log, lang: str, date_order: str = "mdy"):
    """Parse/normalise the distinct values of one column; events go to ``log`` for every
    cell holding an affected value. Returns (cleaned value per distinct value as a Series,
    industry code per distinct value or None, ID rewritten per distinct value or None)."""
    values = d.values
    industry_codes = ids_changed = None
    # Excel error values: rejected cells, logged
    err = d.error
    if err.any():
        log.add_distinct(d, err, head, _texts(values, err), "", _t("rule_parse", lang), _t("excel_error", lang))
        values = values.copy()
        values[err] = None
    blank = d.blank | err
    kind = col.kind
    if kind is ColumnKind.DATE:
        stamps = d.datetimes if not err.any() else None
        val, bad = dates_distinct(values, blank, stamps, order="dmy" if date_order == "dmy" else "mdy")
        _log_changes(log, d, head, values, val, bad, lang, "bad_date", "date_format", stamps)
    elif kind is ColumnKind.MONEY:
        plain = plain_decimals(values, blank) if d.has_text else None  # (scanned once for both)
        val, bad = money_distinct(values, blank, plain)
        _log_changes(log, d, head, values, val, bad, lang, "bad_money", "money_format", known_plain=plain)
    elif kind in (ColumnKind.NUMBER, ColumnKind.INT, ColumnKind.SCORE):
        val, bad = numbers_distinct(values, blank)
        _log_changes(log, d, head, values, val, bad, lang, "bad_number", "number_format")
        if col.bounds is not None:
            lo, hi = col.bounds
            v = val.to_numpy()
            oob = ~np.isnan(v) & ((v < lo) | (v > hi))
            if oob.any():
                log.add_distinct(d, oob, head, _texts(values, oob), "", _t("rule_parse", lang),
                                 _t("out_of_bounds", lang, lo=_num(lo), hi=_num(hi)))
                val = val.mask(oob)
    elif kind is ColumnKind.BOOL:
        val, bad = bools_distinct(values, blank)
        _log_changes(log, d, head, values, val, bad, lang, "bad_bool", "bool_format")
    elif kind is ColumnKind.ID:
        ids, ids_changed = ids_distinct(d, blank)
        if ids_changed.any():
            log.add_distinct(d, ids_changed, head, _texts(values, ids_changed), ids, _t("rule_parse", lang),
                             _t("id_format", lang))
        val = pd.Series(ids, dtype="str")
    else:
        text, trimmed = text_distinct(d, blank)
        if trimmed.any():
            log.add_distinct(d, trimmed, head, _texts(values, trimmed), text, _t("rule_parse", lang),
                             _t("text_trim", lang))
        if kind is ColumnKind.INDUSTRY:
            text, industry_codes = _map_industry_distinct(d, text, head, log, lang)
        val = pd.Series(text, dtype="str")
    return val, industry_codes, ids_changed


def _map_industry_distinct(d: Distinct, text: np.ndarray, head: str, log: _Log, lang: str):
    """Section names (or the text itself where unmapped) and codes per distinct value."""
    n = len(text)
    names = np.empty(n, dtype=object)
    codes = np.empty(n, dtype=object)
    seen: dict[str, tuple[str, str] | None] = {}
    for i, v in enumerate(text):
        if v is None:
            continue
        if v not in seen:
            seen[v] = map_industry(v)
        hit = seen[v]
        if hit is not None:
            codes[i], names[i] = hit[0], section_name(hit[0], lang)  # the report's language
    present = np.array([v is not None for v in text], dtype=bool)
    has_name = np.array([v is not None for v in names], dtype=bool)
    mapped = has_name & (names != text)
    if mapped.any():
        new = np.empty(n, dtype=object)
        new[mapped] = codes[mapped] + " " + names[mapped]
        log.add_distinct(d, mapped, head, _texts(text, mapped), new, _t("rule_industry", lang), _t("industry_map", lang))
    unmapped = present & ~has_name
    if unmapped.any():
        t = _texts(text, unmapped)
        log.add_distinct(d, unmapped, head, t, t, _t("rule_industry", lang), _t("industry_unmapped", lang))
    names[~has_name] = text[~has_name]
    return names, pd.Series(codes, dtype="str")


# text columns where a missing value is filled with 未知 (seed: 客户行业、联系人信息 ...)
_FILL_UNKNOWN = {"customer_name", "contact_name", "industry", "region", "owner", "product", "type", "stage", "source"}


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _log_changes(log: _Log, d: Distinct, head: str, raw: np.ndarray, val: pd.Series, bad: np.ndarray,
                 lang: str, bad_key: str, fmt_key: str, stamps: pd.DatetimeIndex | None = None,
                 known_plain: np.ndarray | None = None) -> None:
    """Log the values that could not be parsed and those written in another form than the
    clean one. ``known_plain``: values already known to be plain numbers (``plain_decimals``;
    a subset of what :data:`_PLAIN_NUMBER` matches), not scanned again."""
    if bad.any():
        log.add_distinct(d, bad, head, _texts(raw, bad), "", _t("rule_parse", lang), _t(bad_key, lang))
    # changed representation: text or numbers that were not already the clean type
    parsed = val.notna().to_numpy()
    if fmt_key == "date_format":
        same = midnight(raw, stamps)
    elif fmt_key in ("money_format", "number_format"):
        # text that is already a plain number ("12345", "-3.5": every CSV cell) is not a change
        same = np.ones(len(raw), dtype=bool) if not d.has_text else _plain_or_not_text(raw, known_plain)
    else:  # yes/no: the canonical spellings 是/否 and real booleans are not changes
        same = np.fromiter((isinstance(v, (bool, np.bool_)) or v in ("是", "否") for v in raw), dtype=bool,
                           count=len(raw))
    changed = parsed & ~same
    if not changed.any():
        return
    cells = np.bincount(d.codes, minlength=len(d))[changed].sum()
    if cells >= WHOLE_COLUMN_MIN_CELLS and (changed == parsed).all():
        # the whole column written one other way (an export's 12/1/2010 8:26 on every row): one
        # entry for the column, on its header row, instead of one per cell
        i = int(np.flatnonzero(changed)[0])
        old = _stamp_texts(stamps, changed) if stamps is not None else None
        example = old[i] if old is not None else _texts(raw, changed)[i]
        log.add(np.array([-1]), head, example, _texts(val, changed)[i], _t("rule_parse", lang),
                _t(fmt_key, lang) + _t("whole_column", lang, n=f"{int(cells):,}"))
        return
    old = _stamp_texts(stamps, changed) if stamps is not None else None
    log.add_distinct(d, changed, head, old if old is not None else _texts(raw, changed), _texts(val, changed),
                     _t("rule_parse", lang), _t(fmt_key, lang))


def _plain_or_not_text(raw: np.ndarray, known_plain: np.ndarray | None) -> np.ndarray:
    """Per value: not text, or text that is a plain number (:data:`_PLAIN_NUMBER`), scanning
    only the values not in ``known_plain``."""
    todo = np.flatnonzero(~known_plain) if known_plain is not None else np.arange(len(raw))
    out = np.ones(len(raw), dtype=bool)
    rest = raw[todo]
    is_text = np.fromiter((isinstance(v, str) for v in rest), dtype=bool, count=len(rest))
    out[todo] = ~is_text | texts_fullmatching(rest, _PLAIN_NUMBER)
    return out


# a format change shared by every value of a column with at least this many cells is logged
# once for the column (on its header row), not once per cell
WHOLE_COLUMN_MIN_CELLS = 1000


def _stamp_texts(stamps: pd.DatetimeIndex, mask: np.ndarray) -> np.ndarray | None:
    """``str(x)`` of the datetimes at ``mask`` (not at midnight), vectorised: the text
    ``str`` gives a datetime or Timestamp without fractions of a second. None if some have
    fractions (``str`` spells those differently; the caller formats them one by one)."""
    idx = np.flatnonzero(mask[:-1])
    sel = stamps[idx]
    if (sel.microsecond != 0).any() or (sel.nanosecond != 0).any():
        return None
    text = np.datetime_as_string(sel.to_numpy().astype("datetime64[s]"), unit="s")
    out = np.empty(len(mask), dtype=object)
    out[idx] = np.char.replace(text, "T", " ").astype(object)
    return out


class _Columns:
    """The cleaned columns of one sheet as :func:`clean_table` builds them: ``out`` (canonical
    key -> values), ``final_codes`` (per cell, the code of the cleaned value of a primary-key
    ID column; -1 = NA), the rows a missing required value rejects (``reject``, and per key
    ``reject_why``) and the currencies the amounts show."""

    def __init__(self, index: pd.Index, n: int, lang: str, log: _Log, notes: list, dists: list[Distinct]) -> None:
        self.index, self.lang, self.log, self.notes, self.dists = index, lang, log, notes, dists
        self.out: dict[str, pd.Series] = {}
        self.final_codes: dict[str, np.ndarray] = {}
        self.reject = np.zeros(n, dtype=bool)
        self.reject_why: dict[str, np.ndarray] = {}
        self.currencies: Counter = Counter()
        self.unknown_text = _t("unknown", lang)
        self._sheet_memo: list = []

    def sheet_order(self):  # computed once, only for a sheet with an undecidable date column
        if not self._sheet_memo:
            self._sheet_memo.append(_sheet_order(self.dists))
        return self._sheet_memo[0]

    def absent(self, col, t: Table) -> None:
        """A canonical column the sheet lacks: empty (a recognised intake-only column: left out)."""
        if col in t.columns:
            self.out[col.key] = as_dtype(pd.Series(None, index=self.index, dtype=object), DTYPE_BY_KIND[col.kind])
            if col.kind is ColumnKind.INDUSTRY:
                self.out["industry_code"] = as_text(pd.Series(None, index=self.index, dtype=object))

    def clean(self, col, d: Distinct, head: str, date_order: str, *, required: bool, primary: bool,
              not_blank: np.ndarray) -> None:
        key, kind, lang, log = col.key, col.kind, self.lang, self.log
        order = date_order
        if kind is ColumnKind.DATE and date_order == "auto":
            order = _column_order(d, head, self.notes, self.sheet_order)
        if kind is ColumnKind.MONEY and key in ("amount", "unit_price"):
            self.currencies.update(detect_currency(d.values[:-1] if d.has_text else (), [head]))
        val_u, industry_codes_u, ids_changed = _clean_distinct(d, col, head, log, lang, order)
        if industry_codes_u is not None:
            self.out["industry_code"] = d.expand(industry_codes_u, self.index)
        # missing values
        missing_u = val_u.isna().to_numpy()
        missing = missing_u[d.codes] & not_blank
        if required and missing.any():
            self.reject |= missing
            self.reject_why[key] = missing
        elif (missing.any() and kind in (ColumnKind.TEXT, ColumnKind.CATEGORY, ColumnKind.INDUSTRY)
              and key in _FILL_UNKNOWN):
            log.add(np.flatnonzero(missing), head, "", self.unknown_text, _t("rule_missing", lang),
                    _t("fill_unknown", lang))
            val_u = val_u.mask(missing_u, self.unknown_text)
        if kind is ColumnKind.ID and primary:
            self.final_codes[key] = _value_codes(val_u, ids_changed)[d.codes]
        self.out[key] = d.expand(as_dtype(val_u, DTYPE_BY_KIND[kind]), self.index)
