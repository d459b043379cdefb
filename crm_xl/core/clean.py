"""Cleaning: raw sheets in any header dialect -> canonical ``CrmData`` + a cleaning log.

Rules (seed 004 section 2, seed 000 step 2):

* headers mapped to canonical columns (``crm_xl.schema.map_headers``); unknown columns are
  kept after the canonical ones and reported;
* values parsed by column kind (dates, 元 amounts, numbers, scores in bounds, yes/no, IDs
  normalised, industries mapped to GB/T 4754 sections);
* exact duplicate rows removed; repeated primary keys (order IDs, ...) keep the first row;
  repeated customer IDs with conflicting details are reported;
* missing key text fields -> "未知"/"Unknown" with the reason logged; rows without a usable
  ID, date or amount where the table requires one are rejected and logged;
* orders of customers missing from the customer table add that customer (fields 未知);
* the raw frames are never modified.

Every changed or rejected cell is one row of the log: sheet, row (the Excel row the user
sees), column (the user's header), old value, new value, rule, reason.
"""

from __future__ import annotations

__all__ = ["CleanResult", "CleanedData", "clean_table", "clean_dataset", "LOG_COLUMNS"]

import datetime as _dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import InputError
from ..schema import CUSTOMERS, TABLES, ColumnKind, Table, map_headers
from .dataset import DTYPE_BY_KIND, CrmData, empty_table
from .industry import map_industry
from .parse import (
    Distinct,
    bools_distinct,
    dates_distinct,
    ids_distinct,
    midnight,
    money_distinct,
    numbers_distinct,
    text_distinct,
)
from .text import as_dtype, as_text, text_array

_PLAIN_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?\Z")  # ASCII digits only: full-width ones are a change

LOG_COLUMNS = ["sheet", "row", "column", "old_value", "new_value", "rule", "reason"]

_T = {
    "unknown": ("未知", "Unknown"),
    "fill_unknown": ("补全为未知", "filled as unknown"),
    "missing_key": ("关键字段缺失", "key field missing"),
    "bad_date": ("无法识别的日期", "unrecognised date"),
    "bad_money": ("无法识别的金额", "unrecognised amount"),
    "bad_number": ("无法识别的数字", "unrecognised number"),
    "bad_bool": ("无法识别的是/否值", "unrecognised yes/no value"),
    "out_of_bounds": ("超出有效范围 {lo}-{hi}", "outside the valid range {lo}-{hi}"),
    "excel_error": ("Excel 错误值", "Excel error value"),
    "date_format": ("日期统一为 YYYY-MM-DD", "date normalised to YYYY-MM-DD"),
    "money_format": ("金额统一为元", "amount converted to 元"),
    "number_format": ("数字格式统一", "number normalised"),
    "bool_format": ("是/否统一", "yes/no normalised"),
    "id_format": ("编号规范化（全角转半角、去空格、大写）", "ID normalised (half-width, no spaces, upper case)"),
    "text_trim": ("去除首尾空格", "surrounding spaces removed"),
    "industry_map": ("行业映射到国标 GB/T 4754 门类", "industry mapped to GB/T 4754 section"),
    "industry_unmapped": ("行业无法映射到国标门类，保留原文", "industry not mappable to a GB/T 4754 section; kept as is"),
    "dup_row": ("完全重复的行，已删除", "exact duplicate row removed"),
    "dup_key": ("编号重复，保留第一条", "duplicate ID; first row kept"),
    "dup_conflict": ("客户编号重复且信息不一致，保留第一条", "duplicate customer ID with conflicting details; first row kept"),
    "row_rejected": ("该行被剔除：{why}", "row rejected: {why}"),
    "customer_added": ("订单中的客户不在客户表中，已按订单补建（信息为未知）",
                       "customer of an order is missing from the customer table; added with unknown details"),
    "customers_derived": ("未提供客户表，客户信息由订单推导", "no customer table given; customers derived from orders"),
    "rule_parse": ("格式统一", "format"),
    "rule_missing": ("缺失值处理", "missing value"),
    "rule_dedupe": ("去重", "de-duplication"),
    "rule_industry": ("行业分类", "industry classification"),
    "rule_reference": ("关联检查", "reference check"),
    "rule_merged": ("合并单元格", "merged cells"),
    "merged_fill": ("合并单元格的值填入合并区域的每一行", "merged cell's value filled into every row it covers"),
    "merged_once": ("合并单元格中的数值只计入第一行（避免重复计算）",
                    "a number in a merged cell counts for its first row only (not multiplied)"),
}


def _t(key: str, lang: str, **kw) -> str:
    zh, en = _T[key]
    return (zh if lang == "zh" else en).format(**kw)


@dataclass
class CleanResult:
    """One cleaned table: canonical ``frame`` (plus unknown columns) and its ``log``."""

    frame: pd.DataFrame
    log: pd.DataFrame
    unknown_columns: list[str] = field(default_factory=list)


@dataclass
class CleanedData:
    """All cleaned tables as ``CrmData`` and the combined cleaning log."""

    data: CrmData
    log: pd.DataFrame
    unknown_columns: dict[str, list[str]] = field(default_factory=dict)


def _fmt(x) -> str:
    """A cell value as the log shows it."""
    tx = type(x)
    if tx is str:
        return x
    if tx is _dt.datetime or tx is _dt.date:
        return str(x)
    if x is None or (isinstance(x, float) and np.isnan(x)) or x is pd.NA or x is pd.NaT:
        return ""
    if isinstance(x, pd.Timestamp):
        return x.strftime("%Y-%m-%d") if x == x.normalize() else str(x)
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return str(x)


def _texts(values, mask: np.ndarray) -> np.ndarray:
    """Log texts of ``values[mask]`` (an object array, or a Series on the same positions),
    as an object array over all positions (None elsewhere)."""
    out = np.empty(len(mask), dtype=object)
    idx = np.flatnonzero(mask)
    if isinstance(values, pd.Series) and values.dtype.kind == "M":  # parsed dates: at midnight
        sel = values.to_numpy()[idx]
        days = sel.astype("datetime64[D]")
        if not np.isnat(sel).any() and (days == sel).all():
            out[idx] = np.datetime_as_string(days, unit="D").astype(object)
            return out
    sel = values.iloc[idx] if isinstance(values, pd.Series) else values[idx]
    out[idx] = [_fmt(x) for x in sel]
    return out


class _Log:
    """Log events collected as arrays; one DataFrame is built at the end.

    Each event is a set of data-row positions (0-based) with a column, old and new texts
    (a scalar, or an object array aligned with the positions), rule and reason. Rows are
    shown as Excel row numbers; events keep their order within a row.
    """

    def __init__(self, sheet: str, lang: str, header_row: int = 1):
        self.sheet, self.lang, self.header_row = sheet, lang, header_row
        self.events: list[tuple] = []

    def add(self, pos: np.ndarray, column: str, old, new, rule: str, reason: str) -> None:
        """``pos``: data-row positions; ``old``/``new``: scalars or arrays aligned with ``pos``."""
        pos = np.asarray(pos, dtype=np.int64)
        if len(pos):
            self.events.append((pos, column, old, new, rule, reason))

    def add_distinct(self, d: Distinct, hit: np.ndarray, column: str, old, new, rule: str, reason: str,
                     rows: np.ndarray | None = None) -> None:
        """An event found on distinct values (``hit``), for every cell holding one of them.
        ``old``/``new`` are scalars or object arrays over the distinct values. ``rows``
        restricts the cells (a boolean mask over data rows)."""
        if not hit.any():
            return
        cell = hit[d.codes]
        if rows is not None:
            cell &= rows
        pos = np.flatnonzero(cell)
        codes = d.codes[pos]
        self.add(pos, column, old if isinstance(old, str) else old[codes],
                 new if isinstance(new, str) else new[codes], rule, reason)

    def frame(self) -> pd.DataFrame:
        if not self.events:
            return pd.DataFrame({c: pd.Series(dtype="int64" if c == "row" else "str") for c in LOG_COLUMNS})
        sizes = np.array([len(e[0]) for e in self.events])
        pos = np.concatenate([e[0] for e in self.events])
        order = np.argsort(pos, kind="stable")

        def text(i: int) -> np.ndarray:
            parts = []
            for e, n in zip(self.events, sizes):
                v = e[i]
                if isinstance(v, str):
                    part = np.empty(n, dtype=object)
                    part[:] = v
                    parts.append(part)
                else:
                    parts.append(np.asarray(v, dtype=object))
            return text_array(np.concatenate(parts)[order])

        def const(i: int) -> np.ndarray:
            labels = np.array([e[i] for e in self.events], dtype=object)
            return text_array(np.repeat(labels, sizes)[order])

        n = int(sizes.sum())
        sheet = np.empty(n, dtype=object)
        sheet[:] = self.sheet
        return pd.DataFrame({
            "sheet": text_array(sheet),
            "row": pos[order] + (self.header_row + 1),
            "column": const(1),
            "old_value": text(2),
            "new_value": text(3),
            "rule": const(4),
            "reason": const(5),
        })


def clean_table(raw: pd.DataFrame, table: Table | str, *, sheet: str | None = None, header_row: int = 1,
                lang: str = "zh", merged: "Sequence[tuple[int, int, int, int]]" = ()) -> CleanResult:
    """Clean one raw sheet into ``table``'s canonical form.

    Parameters
    ----------
    raw : DataFrame
        The sheet as read: the user's headers as column names, values as in the file.
        Not modified.
    table : Table or str
        The canonical table (``crm_xl.schema.TABLES`` key).
    sheet : str, optional
        Sheet or file name, for messages and the log.
    header_row : int
        Excel row number of the header; data row ``i`` (0-based) is Excel row
        ``header_row + 1 + i``.
    lang : {"zh", "en"}
        Language of the log's rule/reason texts and of the "未知" filler.
    merged : sequence of (first row, first column, last row, last column)
        Cells merged down rows in the data area, 0-based positions in ``raw`` (as
        ``crm_xl.io`` reads them: the value sits in the first row, the rest are empty).
        In columns of text, IDs, dates and yes/no the value is filled into every row of
        the merge (it describes each of them); in number and amount columns it counts for
        the first row only, so totals are not multiplied. Each covered cell is logged.

    Notes
    -----
    Each column is factorised once (:class:`crm_xl.core.parse.Distinct`); every rule runs
    on the distinct values and is mapped back to the cells through the codes, so the cost
    is one hash pass per column plus work proportional to the number of distinct values.
    """
    t = TABLES[table] if isinstance(table, str) else table
    sheet = sheet or t.sheet_name(lang)
    log = _Log(sheet, lang, header_row)
    headers = [str(c) for c in raw.columns]
    mapping = map_headers(headers, t, sheet=sheet)
    n = len(raw)
    col_of = {key: i for i, key in mapping.columns.items()}  # canonical key -> raw column position
    header_of = {key: headers[i] for key, i in col_of.items()}
    unknown = mapping.unknown

    columns = [raw.iloc[:, i] for i in range(raw.shape[1])]
    merge_events = _apply_merges(columns, merged, t, mapping.columns, headers, lang) if len(merged) else {}
    # one factorisation per column; fully empty rows (trailing blank rows in Excel) are not data
    dists = [Distinct(c) for c in columns]
    all_blank = np.ones(n, dtype=bool) if dists else np.zeros(n, dtype=bool)
    for d in dists:
        all_blank &= d.blank[d.codes]
    not_blank = ~all_blank

    out: dict[str, pd.Series] = {}
    final_codes: dict[str, np.ndarray] = {}  # per cell: code of the cleaned value (-1 = NA), ID columns
    reject = np.zeros(n, dtype=bool)
    reject_why: dict[str, np.ndarray] = {}
    unknown_text = _t("unknown", lang)
    for col in t.columns:
        key = col.key
        if key not in col_of:
            out[key] = as_dtype(pd.Series(None, index=raw.index, dtype=object), DTYPE_BY_KIND[col.kind])
            if col.kind is ColumnKind.INDUSTRY:
                out["industry_code"] = as_text(pd.Series(None, index=raw.index, dtype=object))
            continue
        head = header_of[key]
        kind = col.kind
        d = dists[col_of[key]]
        for event in merge_events.get(col_of[key], ()):
            log.add(*event)
        val_u, industry_codes_u, ids_changed = _clean_distinct(d, col, head, log, lang)
        if industry_codes_u is not None:
            out["industry_code"] = d.expand(industry_codes_u, raw.index)
        # missing values
        missing_u = val_u.isna().to_numpy()
        missing = missing_u[d.codes] & not_blank
        if col.required and missing.any():
            reject |= missing
            reject_why[key] = missing
        elif missing.any() and kind in (ColumnKind.TEXT, ColumnKind.CATEGORY, ColumnKind.INDUSTRY) and key in _FILL_UNKNOWN:
            log.add(np.flatnonzero(missing), head, "", unknown_text, _t("rule_missing", lang), _t("fill_unknown", lang))
            val_u = val_u.mask(missing_u, unknown_text)
        if kind is ColumnKind.ID and key in t.primary_key:
            final_codes[key] = _value_codes(val_u, ids_changed)[d.codes]
        out[key] = d.expand(as_dtype(val_u, DTYPE_BY_KIND[kind]), raw.index)

    order = [c.key for c in t.columns]
    if "industry_code" in out:
        i = order.index("industry") + 1
        order = order[:i] + ["industry_code"] + order[i:]
    frame = pd.DataFrame({k: out[k] for k in order}, index=raw.index)
    for name in unknown:
        frame[name] = raw[name] if name in raw.columns else None

    keep = not_blank
    # rejected rows (missing required key)
    if (reject & keep).any():
        for key, miss in reject_why.items():
            m = miss & keep
            if m.any():
                head = header_of.get(key, t.column(key).label(lang))
                why = _t("missing_key", lang) + f"（{head}）" if lang == "zh" else _t("missing_key", lang) + f" ({head})"
                log.add(np.flatnonzero(m), head, "", "", _t("rule_missing", lang), _t("row_rejected", lang, why=why))
        keep = keep & ~reject
    pos = np.flatnonzero(keep)
    if len(pos) < n:
        frame = frame.iloc[pos]
        final_codes = {k: v[pos] for k, v in final_codes.items()}

    # exact duplicate rows (on the cleaned canonical values), then repeated primary keys
    canon = [c.key for c in t.columns]
    pk = [k for k in t.primary_key if k in col_of]
    pk_codes = final_codes.get(pk[0]) if len(pk) == 1 == len(t.primary_key) else None
    dup_row = _duplicate_rows(frame, canon, pk_codes)
    if dup_row.any():
        log.add(pos[dup_row], "", "", "", _t("rule_dedupe", lang), _t("dup_row", lang))
        frame, pos = frame[~dup_row], pos[~dup_row]
        if pk_codes is not None:
            pk_codes = pk_codes[~dup_row]
    if pk and len(pk) == len(t.primary_key):
        if pk_codes is not None:
            dup_key = _repeated(pk_codes) & (pk_codes >= 0)
        else:
            dup_key = (frame.duplicated(subset=pk, keep="first") & frame[pk].notna().all(axis=1)).to_numpy()
        if dup_key.any():
            reason = "dup_conflict" if t is CUSTOMERS else "dup_key"
            head = header_of[pk[0]]
            log.add(pos[dup_key], head, _texts(frame[pk[0]], dup_key)[dup_key], "", _t("rule_dedupe", lang),
                    _t(reason, lang))
            frame, pos = frame[~dup_key], pos[~dup_key]

    frame = frame.reset_index(drop=True)
    return CleanResult(frame=frame, log=log.frame(), unknown_columns=list(unknown))


def _empty_cell(v) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) or (isinstance(v, str) and v == "")


_FILLED_BY_MERGE = (ColumnKind.ID, ColumnKind.TEXT, ColumnKind.CATEGORY, ColumnKind.INDUSTRY, ColumnKind.DATE,
                    ColumnKind.BOOL)


def _apply_merges(columns: list[pd.Series], merged, t: Table, mapped: Mapping[int, str], headers: list[str],
                  lang: str) -> dict[int, list[tuple]]:
    """Fill vertically merged cells of canonical columns (``columns`` entries are replaced
    by filled copies; the raw frame is untouched). Returns log events per column."""
    events: dict[int, list[tuple]] = {}
    filled: dict[int, np.ndarray] = {}
    n = len(columns[0]) if columns else 0
    for r0, c0, r1, c1 in merged:
        r0, c0, r1 = int(r0), int(c0), min(int(r1), n - 1)
        if c0 not in mapped or not (0 <= r0 < r1):
            continue
        kind = t.column(mapped[c0]).kind
        if c0 not in filled:
            filled[c0] = columns[c0].to_numpy(dtype=object, copy=True)
        arr = filled[c0]
        value = arr[r0]
        cover = np.arange(r0 + 1, r1 + 1)
        cover = cover[np.array([_empty_cell(v) for v in arr[cover]], dtype=bool)]
        if _empty_cell(value) or len(cover) == 0:
            continue
        if kind in _FILLED_BY_MERGE:
            arr[cover] = value
            events.setdefault(c0, []).append((cover, headers[c0], "", _fmt(value), _t("rule_merged", lang),
                                              _t("merged_fill", lang)))
        else:
            events.setdefault(c0, []).append((cover, headers[c0], "", "", _t("rule_merged", lang),
                                              _t("merged_once", lang)))
    for c0, arr in filled.items():
        columns[c0] = pd.Series(arr, index=columns[c0].index, dtype=object)
    return events


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


def _repeated(codes: np.ndarray) -> np.ndarray:
    """True for each occurrence of a code after its first (``duplicated(keep="first")``)."""
    rep = np.zeros(len(codes), dtype=bool)
    if len(codes) == 0:
        return rep
    counts = np.bincount(codes + 1)
    cand = np.flatnonzero(counts[codes + 1] > 1)  # only codes seen twice can repeat
    if len(cand):
        _, first = np.unique(codes[cand], return_index=True)
        rep[cand] = True
        rep[cand[first]] = False
    return rep


def _duplicate_rows(frame: pd.DataFrame, canon: list[str], pk_codes: np.ndarray | None) -> np.ndarray:
    """``frame.duplicated(subset=canon)``; with one primary-key column only rows whose key
    occurs more than once can repeat, so only those are compared."""
    if pk_codes is None:
        return frame.duplicated(subset=canon, keep="first").to_numpy()
    dup = np.zeros(len(frame), dtype=bool)
    if len(pk_codes) == 0:
        return dup
    counts = np.bincount(pk_codes + 1)
    cand = np.flatnonzero(counts[pk_codes + 1] > 1)
    if len(cand):
        dup[cand] = frame.iloc[cand].duplicated(subset=canon, keep="first").to_numpy()
    return dup


def _clean_distinct(d: Distinct, col, head: str, log: _Log, lang: str):
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
        val, bad = dates_distinct(values, blank, stamps)
        _log_changes(log, d, head, values, val, bad, lang, "bad_date", "date_format", stamps)
    elif kind is ColumnKind.MONEY:
        val, bad = money_distinct(values, blank)
        _log_changes(log, d, head, values, val, bad, lang, "bad_money", "money_format")
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
            codes[i], names[i] = hit
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
                 lang: str, bad_key: str, fmt_key: str, stamps: pd.DatetimeIndex | None = None) -> None:
    if bad.any():
        log.add_distinct(d, bad, head, _texts(raw, bad), "", _t("rule_parse", lang), _t(bad_key, lang))
    # changed representation: text or numbers that were not already the clean type
    parsed = val.notna().to_numpy()
    if fmt_key == "date_format":
        same = midnight(raw, stamps)
    elif fmt_key in ("money_format", "number_format"):
        # text that is already a plain number ("12345", "-3.5": every CSV cell) is not a change
        same = (np.ones(len(raw), dtype=bool) if not d.has_text
                else ~np.fromiter((isinstance(v, str) and not _PLAIN_NUMBER.match(v) for v in raw), dtype=bool,
                                  count=len(raw)))
    else:  # yes/no: the canonical spellings 是/否 and real booleans are not changes
        same = np.fromiter((isinstance(v, (bool, np.bool_)) or v in ("是", "否") for v in raw), dtype=bool,
                           count=len(raw))
    changed = parsed & ~same
    if changed.any():
        old = _stamp_texts(stamps, changed) if stamps is not None else None
        log.add_distinct(d, changed, head, old if old is not None else _texts(raw, changed), _texts(val, changed),
                         _t("rule_parse", lang), _t(fmt_key, lang))


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


def clean_dataset(raw_tables: Mapping[str, object], *, lang: str = "zh") -> CleanedData:
    """Clean every raw table and check references between them.

    ``raw_tables`` maps table keys (``customers``, ``orders``, ...) to either a DataFrame
    or an object with ``frame``, ``sheet`` and ``header_row`` attributes (as returned by
    ``crm_xl.io``). Orders are required; customers may be derived from orders.
    """
    results: dict[str, CleanResult] = {}
    for key, item in raw_tables.items():
        if key not in TABLES:
            continue
        frame = getattr(item, "frame", item)
        sheet = getattr(item, "sheet", None) or TABLES[key].sheet_name(lang)
        header_row = getattr(item, "header_row", 1)
        results[key] = clean_table(frame, key, sheet=sheet, header_row=header_row, lang=lang,
                                   merged=getattr(item, "merged", ()) or ())
    if "orders" not in results:
        raise InputError(
            "没有找到订单数据（工作表「订单」或含订单编号/客户ID/下单日期/金额列的表），无法分析。",
            "no order data found (a sheet 'Orders' or one with Order ID / Customer ID / Order Date / Amount columns); "
            "nothing to analyse.",
        )
    logs = [r.log for r in results.values()]
    orders = results["orders"].frame
    if len(orders) == 0:
        raise InputError("订单表没有可用的数据行。", "the order table has no usable rows.",
                         sheet=getattr(raw_tables["orders"], "sheet", None))
    unknown_text = _t("unknown", lang)
    if "customers" in results:
        customers = results["customers"].frame
    else:
        customers = empty_table("customers")
        logs.append(pd.DataFrame([{"sheet": TABLES["customers"].sheet_name(lang), "row": 0, "column": "",
                                   "old_value": "", "new_value": "", "rule": _t("rule_reference", lang),
                                   "reason": _t("customers_derived", lang)}]))
    known = set(customers["customer_id"].dropna())
    missing_ids = pd.unique(orders.loc[~orders["customer_id"].isin(known), "customer_id"].dropna())
    if len(missing_ids):
        add = empty_table("customers").reindex(range(len(missing_ids)))
        add["customer_id"] = pd.Series(missing_ids, dtype="str")
        for k in ("customer_name", "contact_name", "industry", "region", "owner"):
            add[k] = unknown_text
        add["industry_code"] = pd.Series(pd.NA, index=add.index, dtype="str")
        # (the customer sheet's unknown extra columns stay empty for the added customers)
        dtypes = {k: v for k, v in customers.dtypes.to_dict().items() if k in add.columns}
        customers = pd.concat([customers, add.astype(dtypes)[list(customers.columns.intersection(add.columns))]],
                              ignore_index=True)
        if "customers" in results:
            sheet = getattr(raw_tables["orders"], "sheet", None) or TABLES["orders"].sheet_name(lang)
            logs.append(pd.DataFrame({"sheet": sheet, "row": 0, "column": TABLES["orders"].column("customer_id").label(lang),
                                      "old_value": missing_ids, "new_value": missing_ids,
                                      "rule": _t("rule_reference", lang), "reason": _t("customer_added", lang)}))
    tables = {k: r.frame for k, r in results.items()}
    tables["customers"] = customers
    data = CrmData(**{k: tables.get(k, empty_table(k)) for k in TABLES})
    log = pd.concat([l for l in logs if len(l)], ignore_index=True) if any(len(l) for l in logs) else _Log("", lang).frame()
    return CleanedData(data=data, log=log, unknown_columns={k: r.unknown_columns for k, r in results.items() if r.unknown_columns})
