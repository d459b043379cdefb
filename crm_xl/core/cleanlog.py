"""The cleaning log: one row per changed, rejected, merged or excluded cell or row.

Columns :data:`LOG_COLUMNS`: sheet, row (the Excel row the user sees), column (the user's
header), old value, new value, rule, reason. :class:`RowLog` collects events as arrays
for one sheet; :func:`log_frame` builds rows for events spread over several sheets
(stacked exports). Texts are zh/en (:data:`TEXTS`).
"""

from __future__ import annotations

__all__ = ["LOG_COLUMNS", "TEXTS", "text", "RowLog", "log_frame", "empty_log", "cell_text", "cell_texts", "Note"]

import datetime as _dt
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pandas as pd

from .text import text_array

if TYPE_CHECKING:
    from .parse import Distinct

LOG_COLUMNS = ["sheet", "row", "column", "old_value", "new_value", "rule", "reason"]

TEXTS = {
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
    "whole_column": ("（整列 {n} 个单元格写法相同，一并统一，不逐格列出；示例见本行）",
                     " (all {n} cells of the column written the same way, changed together; example on this row)"),
    "id_format": ("编号规范化（全角转半角、去空格、大写）", "ID normalised (half-width, no spaces, upper case)"),
    "text_trim": ("去除首尾空格", "surrounding spaces removed"),
    "industry_map": ("行业映射到国标 GB/T 4754 门类", "industry mapped to GB/T 4754 section"),
    "industry_unmapped": ("行业无法映射到国标门类，保留原文", "industry not mappable to a GB/T 4754 section; kept as is"),
    "dup_row": ("完全重复的行，已删除", "exact duplicate row removed"),
    "dup_row_across": ("与前一个文件中的行完全相同，已删除", "same as a row of an earlier file; removed"),
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
    "rule_continuation": ("订单续行", "order continuation line"),
    "continuation": ("上一订单的明细行（订单编号、客户、日期为空），沿用上一行的订单信息",
                     "a line of the order above (order number, customer and date blank); the order's values taken from it"),
    "merged_fill": ("合并单元格的值填入合并区域的每一行", "merged cell's value filled into every row it covers"),
    "merged_once": ("合并单元格中的数值只计入第一行（避免重复计算）",
                    "a number in a merged cell counts for its first row only (not multiplied)"),
}


def text(key: str, lang: str, **kw) -> str:
    zh, en = TEXTS[key]
    return (zh if lang == "zh" else en).format(**kw)


def cell_text(x) -> str:
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


def cell_texts(values, mask: np.ndarray) -> np.ndarray:
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
    out[idx] = [cell_text(x) for x in sel]
    return out


class Note(NamedTuple):
    """A sentence about how the data was read, for the console and 说明, in both languages.
    A ``warning`` is shown loudly on the console (even with ``--quiet``): whether it is one
    is said here, where the sentence is written, not guessed from its wording."""

    zh: str
    en: str
    warning: bool = False

    def text(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


class RowLog:
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
            for e, n in zip(self.events, sizes, strict=True):
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




def empty_log() -> pd.DataFrame:
    """A log with no rows (the right columns and dtypes)."""
    return RowLog("", "zh").frame()


def log_frame(sheets, rows, column, old, new, rule: str, reason) -> pd.DataFrame:
    """Log rows for events on rows of possibly different sheets: ``sheets`` and ``rows``
    (Excel row numbers) are arrays; ``column``, ``old``, ``new``, ``reason`` scalars or
    arrays of the same length."""
    n = len(rows)
    if n == 0:
        return empty_log()

    def arr(v):
        if isinstance(v, str):
            out = np.empty(n, dtype=object)
            out[:] = v
            return out
        return np.asarray(v, dtype=object)

    return pd.DataFrame({
        "sheet": text_array(arr(sheets)),
        "row": np.asarray(rows, dtype=np.int64),
        "column": text_array(arr(column)),
        "old_value": text_array(arr(old)),
        "new_value": text_array(arr(new)),
        "rule": text_array(arr(rule)),
        "reason": text_array(arr(reason)),
    })
