"""One table column -> the XML of its cells, a whole column at a time (issue 20).

:func:`column_cells` gives, for a column's values and its kind, a *template* of what follows
``<c r="A7" s="5"`` in each of its cells, with ``{}`` where the cell's own piece goes, and
the pieces: the digits of each number, the shared-string index of each text, or each cell's
whole tail where the column mixes kinds of cells. The renderer puts every column's template
into one format string per table row (:mod:`crm_xl.render.parts.sheet_xml`), so a column of
numbers or of texts costs no Python code per cell: its pieces are made by C-level loops
(``tolist``, ``map``, numpy indexing) and filled in by that one ``str.format`` per row.
:func:`cell_tails` spells each cell's tail out (the template filled in).

The cell rules are :mod:`crm_xl.render.sheetdata`'s (its module docstring) and
:mod:`crm_xl.render.cells`': a number is written with :func:`~crm_xl.render.cells.num_text`'s
digits, a text through the string sink, a missing value as an empty styled cell.
"""

from __future__ import annotations

__all__ = ["TAIL", "NUMBER", "SHARED", "EMPTY", "column_cells", "cell_tails", "number_texts", "serials", "DATE1904"]

import contextvars
import datetime as dt
import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .cells import num_text, text_of

if TYPE_CHECKING:
    from .sheetdata import StringSink

# the templates: what follows '<c r=".." s=".."' in a cell, "{}" standing for its piece
TAIL = "{}"  # the pieces are whole tails ('/>', '><v>12</v></c>', ' t="s"><v>3</v></c>', ...)
NUMBER = "><v>{}</v></c>"  # the pieces are numbers' digits (str or int)
SHARED = ' t="s"><v>{}</v></c>'  # the pieces are shared-string indexes (int)
EMPTY = "/>"  # every cell empty: no pieces

_EXCEL_EPOCH = np.datetime64("1899-12-30", "D")
_MIN_DATE = pd.Timestamp("1900-03-01")  # before this Excel's 1900 leap-year bug shifts serials
_EPOCH_1904 = np.datetime64("1904-01-01", "D")  # serial 0 of the 1904 date system
_MIN_DATE_1904 = pd.Timestamp("1904-01-01")
# the date system of the workbook the cells being produced go into (set by SheetCells.iter_xml)
DATE1904: contextvars.ContextVar[bool] = contextvars.ContextVar("crm_xl_date1904", default=False)


def _objects(items: list) -> np.ndarray:
    """``items`` as a numpy object array holding the very same Python objects."""
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def _digits(arr: np.ndarray) -> list:
    """:func:`num_text` of every (finite) float of ``arr``, as a ``str`` or an ``int`` (whose
    ``str`` is the same digits): whole numbers below 1e15 converted in bulk, ``repr`` in one
    C-level map for the rest (only integral values end in ``.0``: those are the whole ones,
    or -0.0 and 1e15 and up, which go through num_text)."""
    integral = arr == np.trunc(arr)
    whole = integral & (np.abs(arr) < 1e15) & ~((arr == 0) & np.signbit(arr))
    if whole.all():
        return arr.astype(np.int64).tolist()
    out = _objects(list(map(repr, arr.tolist())))
    if whole.any():
        out[whole] = _objects(arr[whole].astype(np.int64).tolist())
    for i in np.flatnonzero(integral & ~whole).tolist():
        out[i] = num_text(float(arr[i]))
    return out.tolist()


def number_texts(arr: np.ndarray) -> list[str]:
    """:func:`num_text` of every (finite) float of ``arr``."""
    return list(map(str, _digits(arr)))


def serials(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Excel serials of a datetime series and a mask of the values that have one."""
    ts = pd.to_datetime(values, errors="coerce")
    if getattr(ts.dt, "tz", None) is not None:
        ts = ts.dt.tz_localize(None)
    epoch, first = (_EPOCH_1904, _MIN_DATE_1904) if DATE1904.get() else (_EXCEL_EPOCH, _MIN_DATE)
    ok = ts.notna().to_numpy() & (ts >= first).fillna(False).to_numpy()
    arr = ts.to_numpy(dtype="datetime64[ns]")
    serial = (arr - epoch.astype("datetime64[ns]")) / np.timedelta64(1, "D")
    return serial, ok


def cell_tails(values: pd.Series, kind: str, strings: StringSink) -> list[str]:
    """Per value, what follows ``<c r=".." s=".."`` in its cell element, by ``kind``: ``/>``
    (an empty styled cell), ``><v>12.5</v></c>`` (a number or date serial), ``t="b">...``
    (a boolean) or a string's shared-string / inline suffix (:func:`column_cells` filled in)."""
    template, pieces = column_cells(values, kind, strings)
    if pieces is None:
        return [template] * len(values)
    return pieces if template == TAIL else list(map(template.format, pieces))


def column_cells(values: pd.Series, kind: str, strings: StringSink) -> tuple[str, list | None]:
    """The cells of a column as ``(template, pieces)``: one of :data:`TAIL`, :data:`NUMBER`,
    :data:`SHARED` with a piece per value, or :data:`EMPTY` with None.

    Numeric kinds write numbers and keep non-numeric text as text; ``date`` writes date
    serials (text that is not a date stays text); ``text`` writes everything as text;
    ``general`` decides per value. Missing values give an empty styled cell, so a value
    typed later gets the column's format. Strings are registered with ``strings`` in the
    order of their first appearance down the column.
    """
    vals = values  # (by position throughout: iloc, numpy arrays)
    if len(vals) == 0:
        return TAIL, []
    if kind in ("text", "general", "date") and (vals.dtype == object or pd.api.types.is_string_dtype(
            vals.dtype)) and pd.api.types.infer_dtype(vals, skipna=True) == "string":
        # only strings (an export's text columns, dates as text): every kind writes each as
        # text, so the column is written as text, each distinct string escaped once
        return _string_column(vals, strings)
    if kind == "date" and pd.api.types.is_datetime64_any_dtype(vals.dtype):
        return _datetime_column(vals, strings)
    if kind == "general" and isinstance(vals.dtype, np.dtype) and vals.dtype.kind in "iuf":
        if vals.dtype.kind != "f":
            return NUMBER, vals.tolist()  # (whole numbers: their digits)
        kind = "number"  # (floats: a number where finite, an empty cell elsewhere, as below)
    if kind not in ("text", "general", "date"):
        return _number_column(vals, strings)
    if (kind == "general" or vals.dtype == object) and bool(vals.isna().all()):
        return EMPTY, None  # (None, NaN, NaT, pd.NA: each an empty cell)
    out: list[str | None] = [None] * len(vals)
    if kind == "text":
        texts: list[str | None] = [text_of(v) for v in vals.tolist()]
    elif kind == "date":
        texts = _date_tails(vals, out)
    else:
        texts = _general_tails(vals, out)
    idx = [i for i, t in enumerate(texts) if t is not None and out[i] is None]
    arr = _objects(out)
    arr[[i for i, o in enumerate(out) if o is None]] = "/>"
    _put_texts(arr, np.array(idx, dtype=np.int64), [texts[i] for i in idx], strings)
    return TAIL, arr.tolist()


def _put_texts(out: np.ndarray, pos: np.ndarray, texts: list[str | None], strings: StringSink) -> None:
    """Cells ``pos`` of ``out`` hold ``texts`` (None: left as they are), each distinct text
    registered once, in order of first appearance."""
    keep = [k for k, t in enumerate(texts) if t is not None]
    if not keep:
        return
    if len(keep) < len(texts):
        pos, texts = pos[keep], [texts[k] for k in keep]
    codes, uniques = pd.factorize(pd.Series(texts, dtype=object))
    suffix = strings.cell_suffixes(list(uniques), len(texts))
    out[pos] = _objects(suffix)[codes]


def _string_column(vals: pd.Series, strings: StringSink) -> tuple[str, list]:
    """A text column holding only strings (and missing values): each distinct string is
    escaped and registered once, in order of first appearance; empty strings and missing
    values give empty styled cells."""
    # (by pandas/Arrow on the column; a short column's objects are quicker to hash here)
    codes, uniq = pd.factorize(vals if len(vals) >= 1000 else vals.to_numpy(dtype=object))
    ul = uniq.tolist()
    empty = ul.index("") if "" in ul else -1
    n_refs = int((codes >= 0).sum())
    if empty >= 0:
        n_refs -= int((codes == empty).sum())
        del ul[empty]
    elif strings.mode == "shared" and n_refs == len(codes):
        # no empty cell: each cell is its string's index in one template
        return SHARED, np.array(strings.indexes(ul, n_refs), dtype=np.int64)[codes].tolist()
    suffix = strings.cell_suffixes(ul, n_refs)
    if empty >= 0:
        suffix.insert(empty, "/>")
    suffix.append("/>")  # (code -1: a missing value)
    return TAIL, _objects(suffix)[codes].tolist()


def _number_column(vals: pd.Series, strings: StringSink) -> tuple[str, list]:
    """Numbers where the values are (or read as) finite numbers; text elsewhere when the
    column is not numeric; empty cells for missing values."""
    if pd.api.types.is_bool_dtype(vals.dtype):
        vals = vals.astype("float64")
    numeric = pd.api.types.is_numeric_dtype(vals.dtype)
    num = vals if numeric else pd.to_numeric(vals, errors="coerce")
    arr = num.to_numpy(dtype="float64", na_value=np.nan)
    fin = np.isfinite(arr)
    if fin.all():
        return NUMBER, _digits(arr)
    out = np.full(len(arr), "/>", dtype=object)
    if fin.any():
        out[fin] = _objects(list(map(NUMBER.format, _digits(arr[fin]))))
    if not numeric:
        pos = np.flatnonzero(~fin & vals.notna().to_numpy())
        if len(pos):
            _put_texts(out, pos, [text_of(v) for v in vals.iloc[pos].tolist()], strings)
    return TAIL, out.tolist()


def _datetime_column(vals: pd.Series, strings: StringSink) -> tuple[str, list]:
    """Date serials; dates before 1900-03-01 (which Excel cannot show as dates) as text, as
    the live-Book renderer does."""
    serial, ok = serials(vals)
    if ok.all():
        return NUMBER, _digits(serial)
    out = np.full(len(vals), "/>", dtype=object)
    if ok.any():
        out[ok] = _objects(list(map(NUMBER.format, _digits(serial[ok]))))
    pos = np.flatnonzero(vals.notna().to_numpy() & ~ok)
    if len(pos):
        _put_texts(out, pos, [text_of(v) for v in vals.iloc[pos].tolist()], strings)
    return TAIL, out.tolist()


# The per-value steps of the columns mixing kinds of values: each fills ``out`` (a cell's
# tail) where the value is written as a number or boolean, and returns the text of the
# values written as strings (None elsewhere).

def _date_tails(vals: pd.Series, out: list[str | None]) -> list[str | None]:
    """A date column of objects (dates, texts, numbers)."""
    obj = vals.astype(object)
    values = obj.tolist()
    is_date = np.array([isinstance(v, (dt.date, pd.Timestamp)) and v is not pd.NaT for v in values], dtype=bool)
    serial, ok = serials(obj.where(is_date, None))
    texts = [None if d else text_of(v) for v, d in zip(values, is_date.tolist(), strict=True)]
    # a number in a date column (an Excel serial pasted as such) stays that number
    for i, v in enumerate(values):
        if texts[i] is not None and isinstance(v, (int, float, np.integer, np.floating)) \
                and not isinstance(v, (bool, np.bool_)) and math.isfinite(float(v)):
            out[i] = "><v>" + num_text(float(v)) + "</v></c>"
            texts[i] = None
    okidx = np.flatnonzero(ok)
    for i, t in zip(okidx.tolist(), number_texts(serial[okidx]), strict=True):
        out[i] = "><v>" + t + "</v></c>"
    # dates before 1900-03-01 cannot be shown by Excel as dates: keep them as text
    for i in np.flatnonzero(is_date & ~ok).tolist():
        texts[i] = text_of(vals.iloc[i])
    return texts


def _general_tails(vals: pd.Series, out: list[str | None]) -> list[str | None]:
    texts: list[str | None] = [None] * len(vals)
    for i, v in enumerate(vals.tolist()):
        if isinstance(v, (bool, np.bool_)):
            out[i] = ' t="b"><v>' + ("1" if v else "0") + "</v></c>"
        elif isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
            f = float(v)
            if math.isfinite(f):
                out[i] = "><v>" + (str(int(v)) if isinstance(v, (int, np.integer)) else num_text(f)) + "</v></c>"
        elif isinstance(v, (dt.date, pd.Timestamp)) and v is not pd.NaT:
            serial, ok = serials(pd.Series([v]))
            if ok[0]:
                out[i] = "><v>" + num_text(float(serial[0])) + "</v></c>"
            else:
                texts[i] = text_of(v)
        else:
            texts[i] = text_of(v)
    return texts
