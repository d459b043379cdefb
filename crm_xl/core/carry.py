"""Carry what users typed in a regenerated table over to its new version (pandas only).

The rule behind every refresh of a report table with user-owned ("editable") columns, used
by the renderers (:mod:`crm_xl.render.editable`) and by :func:`crm_xl.core.strategy.strategy_table`
(which needs the merged table for effect tracking before anything is drawn).

Rows are matched on ``keys`` (values compared as trimmed text: a date compares as
``YYYY-MM-DD``, ``12.0`` as ``12``); the n-th old row with a key matches the n-th new row
with the same key, so duplicate keys never multiply. For a matched row every editable
column takes the old value -- an empty one too: once written, those cells belong to the
user -- and every other column takes the new (generated) value.

Without a :class:`RowLifecycle` (plain tables): new rows in generated order, then the old
rows no longer produced, unchanged (rows a user added by hand, records that disappeared).

With a :class:`RowLifecycle` (the strategy execution table, issue 8):

* the user's row order is kept: old rows stay where they were, new rows are appended;
* an old row no longer produced whose system mark column says it was generated is marked
  retired (``stale_template`` with the reason, e.g. "不再适用（2024-10-31）：客户当前为「潜力客户」");
  an already retired row keeps its first mark (date and reason do not change on later runs);
* an old row with a blank mark was added by hand: it is kept and its mark says so;
* nothing else of an old row changes, so every typed cell survives as it was.

Completely empty old rows are dropped. Merging a merged table with the same old rows
changes nothing (idempotent).
"""

from __future__ import annotations

__all__ = ["RowLifecycle", "blank_mask", "carry_over", "key_text", "key_texts", "map_distinct"]

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Sequence, TypeVar

import numpy as np
import pandas as pd

T = TypeVar("T")


def key_text(v: object) -> str:
    """The comparable text of one key value."""
    if v is None or v is pd.NA or v is pd.NaT:
        return ""
    if isinstance(v, float):
        if math.isnan(v):
            return ""
        if v.is_integer():
            return str(int(v))
    if isinstance(v, (pd.Timestamp, dt.datetime)):
        return v.strftime("%Y-%m-%d") if (v.hour, v.minute, v.second) == (0, 0, 0) else v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v).strip()


def _blank(v: object) -> bool:
    return key_text(v) == ""


def map_distinct(func: Callable[[object], T], values: Iterable[object] | pd.Series) -> list[T]:
    """``[func(v) for v in values]`` with ``func`` called once per distinct value.

    Values are told apart by type too, so 1, 1.0 and True stay distinct; unhashable ones
    are not cached. A Series holding only text (and missing values) is factorised first,
    which is faster and merges nothing that differs."""
    if isinstance(values, pd.Series):
        if len(values) >= 64 and pd.api.types.infer_dtype(values, skipna=True) == "string":
            arr = values.to_numpy(dtype=object)
            codes, uniq = pd.factorize(arr)
            done = [func(v) for v in uniq]
            out: list[Any] = [done[c] if c >= 0 else None for c in codes.tolist()]  # (the None are filled below)
            missing = np.flatnonzero(codes < 0)
            if len(missing):  # None, NaN, pd.NA: each kind through the cache
                for i, r in zip(missing.tolist(), map_distinct(func, arr[missing].tolist()), strict=True):
                    out[i] = r
            return out
        values = values.tolist()
    cache: dict = {}
    out = []
    for v in values:
        k = (v.__class__, v)
        try:
            r = cache[k]
        except KeyError:
            r = cache[k] = func(v)
        except TypeError:
            r = func(v)
        out.append(r)
    return out


def blank_mask(values: pd.Series) -> np.ndarray:
    """Which values are blank (``key_text(v) == ""``): missing, or text that is only spaces."""
    mask = values.isna().to_numpy(dtype=bool)
    try:
        stripped = values.astype(object).str.strip()
    except AttributeError:  # no text at all in the column
        return mask
    return mask | stripped.eq("").to_numpy(dtype=bool)


def key_texts(values: Sequence[object] | pd.Series) -> list[str]:
    """:func:`key_text` of every value, computed once per distinct value."""
    return map_distinct(key_text, values if isinstance(values, pd.Series) else list(values))


@dataclass(frozen=True, eq=False)
class RowLifecycle:
    """What a refresh does with rows it produced before and no longer produces.

    Attributes
    ----------
    mark_column : str
        A system (not editable) column: generated rows carry ``generated`` there.
    generated, hand_added : str
        The mark of a generated row; the mark given to a row the user added by hand (a
        row whose mark cell is blank).
    stale_prefix : str
        Marks starting with this are retired rows (kept as they are).
    stale_template : str
        The mark of a newly retired row; ``{reason}`` is replaced by the reason.
    reason_column : str
        Column whose value looks the reason up in ``reasons`` (e.g. ``customer_id``).
    reasons : mapping
        ``key_text(value) -> reason``; values not found get ``default_reason``.
    """

    mark_column: str
    generated: str
    hand_added: str
    stale_prefix: str
    stale_template: str
    reason_column: str
    reasons: Mapping[str, str] = field(default_factory=dict)
    default_reason: str = ""

    def retire(self, row: Mapping[str, object]) -> str:
        """The mark of a retired ``row``."""
        reason = self.reasons.get(key_text(row.get(self.reason_column)), self.default_reason)
        return self.stale_template.replace("{reason}", reason)

    def mark_for_unmatched(self, mark: object, row: Mapping[str, object]) -> object:
        """The new mark of an old row that the new data does not produce."""
        if _blank(mark):
            return self.hand_added
        if key_text(mark) == self.generated:
            return self.retire(row)
        return mark  # already retired, hand-added, or typed by the user: kept


def _key_tuples(frame: pd.DataFrame, keys: Sequence[str]) -> list[tuple[str, ...]]:
    cols = [key_texts(frame[k]) if k in frame.columns else [""] * len(frame) for k in keys]
    return list(zip(*cols, strict=True)) if keys else []


def _occurrences(keys: list[tuple[str, ...]]) -> list[tuple[tuple[str, ...], int]]:
    seen: dict[tuple[str, ...], int] = {}
    out = []
    for k in keys:
        n = seen.get(k, 0)
        seen[k] = n + 1
        out.append((k, n))
    return out


def carry_over(new: pd.DataFrame, old: pd.DataFrame | None, *, keys: Sequence[str], editable: Sequence[str],
               columns: Sequence[str] | None = None, lifecycle: RowLifecycle | None = None) -> pd.DataFrame:
    """``new`` with the user's values from ``old`` carried over (see the module docstring).

    Parameters
    ----------
    new : DataFrame
        The freshly generated rows.
    old : DataFrame or None
        The previous version as the user left it (columns named like ``new``'s; columns the
        old version lacked may be absent).
    keys : sequence of str
        Columns identifying a record.
    editable : sequence of str
        User-owned columns.
    columns : sequence of str, optional
        The value columns of the table (default: ``new``'s columns); old columns outside
        it are ignored.
    lifecycle : RowLifecycle, optional
        Keep the user's row order and mark rows no longer produced.

    Returns
    -------
    DataFrame
        Object-typed where values were carried over; a fresh index.
    """
    keys, editable = list(keys), list(editable)
    if old is None or len(old) == 0 or not keys or not set(keys) <= set(old.columns) or (not editable and lifecycle is None):
        return new
    cols = list(columns) if columns is not None else list(new.columns)
    old = old[[c for c in cols if c in old.columns]].reset_index(drop=True).astype(object)
    blank = {c: blank_mask(old[c]) for c in old.columns}
    nonblank = ~np.logical_and.reduce(list(blank.values())) if blank else np.zeros(len(old), dtype=bool)
    old = old[nonblank].reset_index(drop=True)
    if len(old) == 0:
        return new
    for c in editable:  # an empty text and an empty cell are the same cell
        if c in old.columns:
            old[c] = [None if b else v for v, b in zip(old[c].tolist(), blank[c][nonblank].tolist(), strict=True)]
    new = new.reset_index(drop=True).copy()
    for c in cols:
        if c not in new.columns:
            new[c] = pd.Series([None] * len(new), dtype=object)
    for c in editable:
        new[c] = new[c].astype(object)
    if lifecycle is not None and lifecycle.mark_column in new.columns:
        new[lifecycle.mark_column] = new[lifecycle.mark_column].astype(object)
    new_pos = {k: i for i, k in enumerate(_occurrences(_key_tuples(new, keys)))}
    old_occ = _occurrences(_key_tuples(old, keys))
    ed_in_old = [c for c in editable if c in old.columns]
    matched_new: list[int | None] = [new_pos.get(k) for k in old_occ]  # per old row: its new row, or None
    for c in ed_in_old:  # blanks are already None in ``old``
        vals, olds = new[c].tolist(), old[c].tolist()
        for j, i in enumerate(matched_new):
            if i is not None:
                vals[i] = olds[j]
        new[c] = pd.Series(vals, index=new.index, dtype=object)
    unmatched = [j for j, i in enumerate(matched_new) if i is None]
    if lifecycle is None:
        if not unmatched:
            return new
        extra = old.iloc[unmatched].astype(object)
        return pd.concat([new.astype(object), extra], ignore_index=True)
    # lifecycle: the user's order; new rows appended (built column by column)
    mark = lifecycle.mark_column
    taken = set(i for i in matched_new if i is not None)
    rest = [i for i in range(len(new)) if i not in taken]
    new_cols = {c: new[c].astype(object).tolist() for c in new.columns}
    old_cols = {c: old[c].tolist() if c in old.columns else [None] * len(old) for c in new.columns}
    out: dict[str, list] = {}
    for c in new.columns:
        nv, ov = new_cols[c], old_cols[c]
        out[c] = [nv[i] if i is not None else ov[j] for j, i in enumerate(matched_new)] + [nv[i] for i in rest]
    if unmatched:
        old_marks = old[mark].tolist() if mark in old.columns else [None] * len(old)
        reason_of = old[lifecycle.reason_column].tolist() if lifecycle.reason_column in old.columns else [None] * len(old)
        marks = out[mark]
        for j in unmatched:
            marks[j] = lifecycle.mark_for_unmatched(old_marks[j], {lifecycle.reason_column: reason_of[j]})
    return pd.DataFrame(out, columns=list(new.columns), dtype=object)
