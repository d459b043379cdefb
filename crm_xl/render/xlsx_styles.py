"""The report's look shared by both renderers: the font and palette, column widths, wrapped lines.

One palette for every sheet so the workbook reads as one report. The file renderer's cell
styles (``cellXfs`` ids) are registered by :class:`crm_xl.render.parts.styles_xml.StyleBook`.
"""

from __future__ import annotations

__all__ = ["FONT_NAME", "PALETTE", "column_width", "sheet_widths", "estimate_lines"]

import math
import re

import numpy as np
import pandas as pd

from ..report.spec import NUMERIC_KINDS, ColumnSpec, display_width

FONT_NAME = "Microsoft YaHei"  # 微软雅黑: on every Windows with Chinese support; others substitute

PALETTE = {
    "title": "1F3864",
    "heading": "2F5597",
    "note": "7F7F7F",
    "header_fill": "1F4E78",
    "header_font": "FFFFFF",
    "border": "BFBFBF",
    "heading_rule": "8EA9DB",
}

_WIDE_RE = r"[\u1100-\u115F\u2E80-\u303E\u3041-\u33FF\u3400-\u4DBF\u4E00-\u9FFF\uA960-\uA97F\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6]"


_WIDE = re.compile(_WIDE_RE)


def _text_widths(values: pd.Series) -> int:
    """Display width of the widest first line among ``values`` (CJK counting 2), measured
    once per distinct value; a column of more than 20,000 distinct texts is measured on
    its longest 1%."""
    s = values.dropna()
    if s.empty:
        return 0
    textual = s.dtype == object or pd.api.types.is_string_dtype(s.dtype)
    head = s.iloc[:1000].tolist() if textual else []
    if textual and len(set(map(str, head))) * 2 > len(head):
        # mostly distinct (order numbers, IDs): measured without finding the distinct values first
        every = s.tolist()
        joined = "".join(every) if all(map(str.__instancecheck__, every)) else None
        if joined is not None and joined.isascii() and "\n" not in joined:
            return max(map(len, every))  # (each character counts 1)
    if s.dtype != object and pd.api.types.is_string_dtype(s.dtype):
        texts = s.unique().tolist()  # (a column of str: its distinct values found by pandas/Arrow)
    elif s.dtype == object:
        # values of several kinds: distinct texts (0 and 0.0, 0.0 and -0.0, 1 and True are one value
        # to pandas, not one text)
        texts = list(set(map(str, s.tolist())))
    else:
        keys = s.to_numpy()
        if keys.dtype.kind == "f":  # (floats by their bits: 0.0 and -0.0 are one value to pandas, two texts)
            keys = keys.view(f"i{keys.itemsize}")
        texts = list(map(str, s.to_numpy(dtype=object)[~pd.Series(keys).duplicated().to_numpy()]))
    if len(texts) > 20000:  # the widest of a large column is found among its longest texts
        lens = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        cut = np.quantile(lens, 0.99)
        keep = np.empty(len(texts), dtype=object)
        keep[:] = texts
        texts = keep[lens >= cut].tolist()
    joined = "".join(texts)
    if joined.isascii() and "\n" not in joined:  # (IDs, codes, numbers as text) each character counts 1
        return max(map(len, texts))
    best = 0
    lens = list(map(len, texts))
    for i in sorted(range(len(texts)), key=lens.__getitem__, reverse=True):
        if 2 * lens[i] <= best:  # no shorter text can be wider (a character counts at most 2)
            break
        t = texts[i]
        if t.isascii() and lens[i] <= best:
            continue
        line = t.split("\n", 1)[0]
        best = max(best, len(line) if line.isascii() else len(line) + len(_WIDE.findall(line)))
    return best


def column_width(col: ColumnSpec, data: pd.Series | None, *, cap: float = 50.0, minimum: float = 6.0) -> float:
    """Width (Excel character units) for ``col``: fixed by the spec, else fitted to the
    header and the formatted content with CJK characters counting 2, capped at ``cap``."""
    if col.width:
        return float(col.width)
    w = display_width(col.header) + 3  # room for the autofilter button
    if data is not None and len(data):
        if col.kind == "date":
            w = max(w, 11)
        elif col.kind in NUMERIC_KINDS:
            numeric = pd.api.types.is_numeric_dtype(data.dtype)
            num = (data if numeric else pd.to_numeric(data, errors="coerce")).to_numpy(dtype="float64", na_value=np.nan)
            finite = np.isfinite(num)
            fin = num[finite]
            if fin.size:
                big = float(np.max(np.abs(fin)))
                if col.kind == "percent":
                    digits = len(f"{big * 100:,.1f}%")
                elif col.kind in ("money2", "number"):
                    digits = len(f"{big:,.2f}")
                elif col.kind == "ratio":
                    digits = len(f"{big:.2f}")
                else:
                    digits = len(f"{big:,.0f}")
                w = max(w, digits + (1 if np.any(fin < 0) else 0) + 2)
            if not finite.all() and not (numeric and np.isnan(num[~finite]).all()):
                # the cells that are not numbers are measured as text (not missing ones: NaN)
                w = max(w, _text_widths(data[~finite]) + 2)
        else:
            w = max(w, _text_widths(data) + 2)
    return float(min(max(w, minimum), cap))


def sheet_widths(sh) -> dict[int, float]:
    """Column -> width of a sheet (a :class:`~crm_xl.report.spec.SheetSpec`): each table
    column fitted to its header and content (:func:`column_width`, the widest where tables
    share a column), then the sheet's fixed widths. Both renderers size columns with it."""
    widths: dict[int, float] = {}
    for t in sh.tables:
        for i, c in enumerate(t.columns):
            data = None if c.formula is not None or c.key not in t.data.columns else t.data[c.key]
            widths[t.col + i] = max(widths.get(t.col + i, 0.0), column_width(c, data))
    for col, w in sh.column_widths:
        widths[col] = float(w)
    return widths


def estimate_lines(text: str, width_chars: float) -> int:
    """How many lines ``text`` wraps to in a cell ``width_chars`` wide (CJK counting 2)."""
    total = 0
    for line in str(text).split("\n"):
        total += max(1, math.ceil(display_width(line) / max(width_chars - 1, 1.0)))
    return total
