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

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import InputError
from ..schema import CUSTOMERS, TABLES, ColumnKind, Table, map_headers
from .dataset import DTYPE_BY_KIND, CrmData, empty_table
from .industry import map_industries
from .parse import (
    EXCEL_ERRORS,
    is_blank,
    normalize_ids,
    per_unique,
    normalize_text,
    parse_bools,
    parse_dates,
    parse_money,
    parse_numbers,
)

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


class _Log:
    def __init__(self, sheet: str, lang: str):
        self.sheet, self.lang, self.parts = sheet, lang, []

    def add(self, rows: pd.Series, column: str, old, new, rule: str, reason: str) -> None:
        """``rows`` are Excel row numbers; ``old``/``new`` scalars or aligned Series."""
        if len(rows) == 0:
            return
        n = len(rows)
        self.parts.append(pd.DataFrame({
            "sheet": self.sheet,
            "row": np.asarray(rows, dtype="int64"),
            "column": column,
            "old_value": _as_text(old, n),
            "new_value": _as_text(new, n),
            "rule": rule,
            "reason": reason,
        }))

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame({c: pd.Series(dtype="int64" if c == "row" else "str") for c in LOG_COLUMNS})
        return pd.concat(self.parts, ignore_index=True)


def _as_text(v, n: int) -> np.ndarray:
    if isinstance(v, pd.Series):
        s = v
    else:
        s = pd.Series([v] * n)
    def fmt(x):
        if x is None or (isinstance(x, float) and np.isnan(x)) or x is pd.NA or x is pd.NaT:
            return ""
        if isinstance(x, pd.Timestamp):
            return x.strftime("%Y-%m-%d") if x == x.normalize() else str(x)
        if isinstance(x, float) and x.is_integer():
            return str(int(x))
        return str(x)
    return per_unique(s, fmt).to_numpy(dtype=object)


def clean_table(raw: pd.DataFrame, table: Table | str, *, sheet: str | None = None, header_row: int = 1,
                lang: str = "zh") -> CleanResult:
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
    """
    t = TABLES[table] if isinstance(table, str) else table
    sheet = sheet or t.sheet_name(lang)
    log = _Log(sheet, lang)
    headers = [str(c) for c in raw.columns]
    mapping = map_headers(headers, t, sheet=sheet)
    excel_rows = pd.Series(header_row + 1 + np.arange(len(raw)), index=raw.index)
    src = {key: raw.iloc[:, i] for i, key in mapping.columns.items()}
    header_of = {key: headers[i] for i, key in mapping.columns.items()}
    unknown = mapping.unknown

    # drop fully empty rows silently (trailing blank rows in Excel); they are not data
    all_blank = np.ones(len(raw), dtype=bool)
    for i in range(raw.shape[1]):
        d = _Distinct(raw.iloc[:, i])
        all_blank &= is_blank(d.values).to_numpy()[d.codes]
    all_blank = pd.Series(all_blank if raw.shape[1] else np.zeros(len(raw), dtype=bool), index=raw.index)
    distinct = {key: _Distinct(series) for key, series in src.items()}

    out: dict[str, pd.Series] = {}
    reject = pd.Series(False, index=raw.index)
    reject_why: dict[str, pd.Series] = {}
    unknown_text = _t("unknown", lang)
    for col in t.columns:
        key = col.key
        if key not in src:
            out[key] = pd.Series(pd.NA if DTYPE_BY_KIND[col.kind] == "str" else None, index=raw.index,
                                 dtype=DTYPE_BY_KIND[col.kind])
            if col.kind is ColumnKind.INDUSTRY:
                out["industry_code"] = pd.Series(pd.NA, index=raw.index, dtype="str")
            continue
        head = header_of[key]
        kind = col.kind
        dist = distinct[key]
        ulog = _Log(sheet, lang)
        upos = pd.Series(np.arange(len(dist.values)), index=dist.values.index)
        val_u, industry_codes_u = _clean_distinct(dist.values, col, head, upos, ulog, lang)
        val = dist.expand(val_u, raw.index)
        if industry_codes_u is not None:
            out["industry_code"] = dist.expand(industry_codes_u, raw.index)
        for part in ulog.parts:  # expand the events found on distinct values to every row
            pos = part["row"].to_numpy()
            hit = np.zeros(len(dist.values), dtype=bool)
            hit[pos] = True
            rows_mask = hit[dist.codes]
            old = pd.Series(part["old_value"].to_numpy(), index=pos)
            new = pd.Series(part["new_value"].to_numpy(), index=pos)
            codes_hit = dist.codes[rows_mask]
            log.parts.append(pd.DataFrame({
                "sheet": sheet, "row": excel_rows.to_numpy()[rows_mask], "column": part["column"].iloc[0],
                "old_value": old.reindex(codes_hit).to_numpy(), "new_value": new.reindex(codes_hit).to_numpy(),
                "rule": part["rule"].iloc[0], "reason": part["reason"].iloc[0],
            }))
        # missing values
        missing = val.isna() & ~all_blank
        if col.required and missing.any():
            reject |= missing
            reject_why[key] = missing
        elif missing.any() and kind in (ColumnKind.TEXT, ColumnKind.CATEGORY, ColumnKind.INDUSTRY) and col.key in _FILL_UNKNOWN:
            log.add(excel_rows[missing], head, "", unknown_text, _t("rule_missing", lang), _t("fill_unknown", lang))
            val = val.mask(missing, unknown_text)
        out[key] = val.astype(DTYPE_BY_KIND[kind]) if kind is not ColumnKind.INDUSTRY else val.astype("str")

    # also fill 未知 for key text columns absent from the sheet entirely? no: absent columns
    # are reported once via the header mapping, not per row.
    order = [c.key for c in t.columns]
    if "industry_code" in out:
        i = order.index("industry") + 1
        order = order[:i] + ["industry_code"] + order[i:]
    frame = pd.DataFrame({k: out[k] for k in order}, index=raw.index)
    for name in unknown:
        frame[name] = raw[name] if name in raw.columns else None

    keep = ~all_blank
    # rejected rows (missing required key)
    if (reject & keep).any():
        for key, miss in reject_why.items():
            m = miss & keep
            if m.any():
                head = header_of.get(key, t.column(key).label(lang))
                why = _t("missing_key", lang) + f"（{head}）" if lang == "zh" else _t("missing_key", lang) + f" ({head})"
                log.add(excel_rows[m], head, "", "", _t("rule_missing", lang), _t("row_rejected", lang, why=why))
        keep &= ~reject
    frame = frame[keep]
    rows = excel_rows[keep]

    # exact duplicate rows (on the cleaned canonical values)
    canon = [c.key for c in t.columns]
    dup_row = frame.duplicated(subset=canon, keep="first")
    if dup_row.any():
        log.add(rows[dup_row], "", "", "", _t("rule_dedupe", lang), _t("dup_row", lang))
        frame, rows = frame[~dup_row], rows[~dup_row]
    # repeated primary keys
    pk = [k for k in t.primary_key if k in src]
    if pk and len(pk) == len(t.primary_key):
        dup_key = frame.duplicated(subset=pk, keep="first") & frame[pk].notna().all(axis=1)
        if dup_key.any():
            reason = "dup_conflict" if t is CUSTOMERS else "dup_key"
            head = header_of[pk[0]]
            log.add(rows[dup_key], head, frame.loc[dup_key, pk[0]], "", _t("rule_dedupe", lang), _t(reason, lang))
            frame, rows = frame[~dup_key], rows[~dup_key]

    frame = frame.reset_index(drop=True)
    logf = log.frame()
    if len(logf):
        logf = logf.sort_values(["row"], kind="stable").reset_index(drop=True)
    return CleanResult(frame=frame, log=logf, unknown_columns=list(unknown))


class _Distinct:
    """A column's distinct values (plus one None for empty cells) and each row's code."""

    def __init__(self, s: pd.Series):
        codes, uniq = pd.factorize(s, use_na_sentinel=True)
        n = len(uniq)
        self.codes = np.where(codes < 0, n, codes)
        self.values = pd.Series(np.append(np.asarray(uniq, dtype=object), [None]), dtype=object)

    def expand(self, per_value: pd.Series, index: pd.Index) -> pd.Series:
        arr = per_value.to_numpy()[self.codes]
        return pd.Series(arr, index=index, dtype=per_value.dtype)


def _clean_distinct(s: pd.Series, col, head: str, excel_rows: pd.Series, log: "_Log", lang: str):
    """Parse/normalise the distinct values ``s`` of one column; events go to ``log`` with
    positions in ``s`` as rows (expanded to Excel rows by the caller)."""
    key = col.key
    industry_codes = None
    # Excel error values: rejected cells, logged
    err = per_unique(s, lambda v: isinstance(v, str) and v.strip().upper() in EXCEL_ERRORS).astype(bool)
    if err.any():
        log.add(excel_rows[err], head, s[err], "", _t("rule_parse", lang), _t("excel_error", lang))
        s = s.mask(err, None)
    kind = col.kind
    if kind is ColumnKind.DATE:
        val, bad = parse_dates(s)
        _log_changes(log, excel_rows, head, s, val, bad, lang, "bad_date", "date_format")
    elif kind is ColumnKind.MONEY:
        val, bad = parse_money(s)
        _log_changes(log, excel_rows, head, s, val, bad, lang, "bad_money", "money_format")
    elif kind in (ColumnKind.NUMBER, ColumnKind.INT, ColumnKind.SCORE):
        val, bad = parse_numbers(s)
        _log_changes(log, excel_rows, head, s, val, bad, lang, "bad_number", "number_format")
        if col.bounds is not None:
            lo, hi = col.bounds
            oob = val.notna() & ((val < lo) | (val > hi))
            if oob.any():
                log.add(excel_rows[oob], head, s[oob], "", _t("rule_parse", lang),
                        _t("out_of_bounds", lang, lo=_num(lo), hi=_num(hi)))
                val = val.mask(oob)
    elif kind is ColumnKind.BOOL:
        val, bad = parse_bools(s)
        _log_changes(log, excel_rows, head, s, val, bad, lang, "bad_bool", "bool_format")
    elif kind is ColumnKind.ID:
        val = normalize_ids(s)
        as_text = per_unique(s, lambda v: v if isinstance(v, str) else None)
        changed = val.notna() & (val.astype(object) != as_text)
        if changed.any():
            log.add(excel_rows[changed], head, s[changed], val[changed], _t("rule_parse", lang), _t("id_format", lang))
    else:
        val = normalize_text(s)
        changed = val.notna() & per_unique(s, lambda v: isinstance(v, str) and v != v.strip()).astype(bool)
        if changed.any():
            log.add(excel_rows[changed], head, s[changed], val[changed], _t("rule_parse", lang), _t("text_trim", lang))
        if kind is ColumnKind.INDUSTRY:
            names, codes, unmapped = map_industries(val)
            mapped = names.notna() & (names != val)
            if mapped.any():
                log.add(excel_rows[mapped], head, val[mapped], codes[mapped] + " " + names[mapped],
                        _t("rule_industry", lang), _t("industry_map", lang))
            if unmapped.any():
                log.add(excel_rows[unmapped], head, val[unmapped], val[unmapped],
                        _t("rule_industry", lang), _t("industry_unmapped", lang))
            val = names.where(names.notna(), val)
            industry_codes = codes
    return val, industry_codes


# text columns where a missing value is filled with 未知 (seed: 客户行业、联系人信息 ...)
_FILL_UNKNOWN = {"customer_name", "contact_name", "industry", "region", "owner", "product", "type", "stage", "source"}


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _log_changes(log: _Log, rows: pd.Series, head: str, raw: pd.Series, val: pd.Series, bad: pd.Series,
                 lang: str, bad_key: str, fmt_key: str) -> None:
    if bad.any():
        log.add(rows[bad], head, raw[bad], "", _t("rule_parse", lang), _t(bad_key, lang))
    # changed representation: text or numbers that were not already the clean type
    if fmt_key == "date_format":
        # already clean: a date/datetime at midnight, or text exactly YYYY-MM-DD
        def clean_date(v) -> bool:
            if isinstance(v, pd.Timestamp) or type(v).__name__ == "datetime":
                return v.hour == 0 and v.minute == 0 and v.second == 0
            if type(v).__name__ == "date":
                return True
            return isinstance(v, str) and len(v) == 10 and v[4] == "-" and v[7] == "-" and v[:4].isdigit()
        changed = val.notna() & ~per_unique(raw, clean_date).astype(bool)
    elif fmt_key in ("money_format", "number_format"):
        changed = val.notna() & per_unique(raw, lambda v: isinstance(v, str)).astype(bool)
    else:  # yes/no: the canonical spellings 是/否 and real booleans are not changes
        changed = val.notna() & ~per_unique(raw, lambda v: isinstance(v, (bool, np.bool_)) or v in ("是", "否")).astype(bool)
    if changed.any():
        new = val[changed]
        log.add(rows[changed], head, raw[changed], new, _t("rule_parse", lang), _t(fmt_key, lang))


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
        results[key] = clean_table(frame, key, sheet=sheet, header_row=header_row, lang=lang)
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
        customers = pd.concat([customers, add.astype(customers.dtypes.to_dict() | {})[list(customers.columns.intersection(add.columns))]],
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
