"""Row-level steps of :func:`crm_xl.core.clean.clean_table`: cells merged down rows, continuation
lines of an order, duplicate rows and repeated primary keys."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..schema import ColumnKind, Table
from .cleanlog import RowLog as _Log
from .cleanlog import cell_text as _fmt
from .cleanlog import text as _t

if TYPE_CHECKING:
    pass


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
    for r0, c0, r1, _c1 in merged:
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


_ORDER_LEVEL = ("order_id", "customer_id", "customer_name", "order_date", "status", "owner", "campaign_id", "currency",
                "is_won", "region")


def _continuation_lines(columns: list[pd.Series], col_of: Mapping[str, int], log: _Log, headers: list[str],
                        lang: str) -> None:
    """Lines that continue the order above (Odoo-style exports write the order number,
    customer and date on an order's first line only): rows with those blank but other
    values present take the order-level values of the row above (``columns`` entries are
    replaced by filled copies; the raw frame is untouched). Each filled row is logged."""
    keys = [k for k in ("order_id", "customer_id", "customer_name", "order_date") if k in col_of]
    n = len(columns[0]) if columns else 0
    if n < 2 or not columns[col_of["order_id"]].isna().any():
        return  # every row has its order number: no continuation line
    blank = np.ones(n, dtype=bool)
    for k in keys:
        blank &= columns[col_of[k]].isna().to_numpy()
    others = [j for j in range(len(columns)) if j not in {col_of[k] for k in keys}]
    has_other = np.zeros(n, dtype=bool)
    for j in others:
        has_other |= columns[j].notna().to_numpy()
    cont = blank & has_other
    cont[0] = False
    if not cont.any():
        return
    # the row each continuation takes its values from: the last non-continuation row above
    src = np.where(cont, 0, np.arange(n))
    src = np.maximum.accumulate(src)
    for k in _ORDER_LEVEL:
        if k not in col_of:
            continue
        j = col_of[k]
        arr = columns[j].to_numpy(dtype=object, copy=True)
        fill = cont & pd.isna(arr)
        arr[fill] = arr[src[fill]]
        columns[j] = pd.Series(arr, index=columns[j].index, dtype=object)
    log.add(np.flatnonzero(cont), headers[col_of["order_id"]], "", "", _t("rule_continuation", lang),
            _t("continuation", lang))


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


def _repeated_keys(frame: pd.DataFrame, pk: list[str], pk_codes: np.ndarray | None = None) -> np.ndarray:
    """True for each row whose primary key (every column of it present) appeared on an
    earlier row: the one rule for "duplicate ID", within a source and across stacked
    sources. ``pk_codes``: the key's factorised codes when it is one column (faster)."""
    if pk_codes is not None:
        return _repeated(pk_codes) & (pk_codes >= 0)
    return (frame.duplicated(subset=pk, keep="first") & frame[pk].notna().all(axis=1)).to_numpy()
