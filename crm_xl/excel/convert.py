"""Excel values <-> numpy arrays for the worksheet functions (:mod:`crm_xl.excel.udfs`).

One converter for every way Excel hands a worksheet function its arguments:

* **Office.js** (xlwings Lite, xlwings Server): ranges arrive as lists of lists (a one-row
  range as a flat list, a single cell as a scalar), blanks as ``""`` or JS ``null``, dates
  as serial numbers, error cells as ``{"type": "Error", "basicValue": "#N/A", ...}``.
* **Classic Windows add-in** (COM): blanks as ``None``, dates as ``datetime`` (pywintypes,
  possibly marked UTC without being shifted), error cells as the integers of ``CVErr``
  (-2146826246 = #N/A, ...), ranges as tuples of tuples.

The UDFs read their arguments with xlwings' ``"raw"`` converter and convert them here in
one vectorised pass per range (xlwings' default cleaning visits every cell in Python and is
~40x slower on 100k rows, see ``benchmarks/README.md``). Results go back through
:class:`ResultConverter`: errors become real Excel error values on Office.js (runtime 1.4+)
and the error text (``"#VALUE!"``) on the classic add-in, whose VBA bridge cannot return
error values (xlwings issue #776); NaN is never handed to Excel.

Rules (what a user sees):

* blank cell -> blank (ignored by aggregates, blank output in element-wise functions);
* an error cell -> that error in the outputs that depend on it;
* text where a number is needed -> ``#VALUE!`` (numeric text such as ``"1,200"`` and, for
  amounts, ``"15万"`` / ``"1.5w"`` are read as numbers, like the cleaning step does);
* dates: ``datetime``, serial numbers, or text such as ``2024-09-15`` / ``2024/9/15`` /
  ``2024年9月15日`` (times of day are dropped).
"""

from __future__ import annotations

__all__ = [
    "ERRORS",
    "NA",
    "VALUE",
    "NUM",
    "DIV0",
    "Cells",
    "Result",
    "ResultConverter",
    "read",
    "read_scalar",
    "broadcast",
    "first_error",
    "serial_to_datetime64",
    "datetime64_to_serial",
    "EXCEL_EPOCH",
    "DATE_SERIAL_MIN",
    "MAX_SERIAL",
]

import datetime as dt
from dataclasses import dataclass
from itertools import chain

import numpy as np
import pandas as pd
from xlwings.conversion import Converter

from ..core.parse import parse_dates, parse_money, parse_numbers

# Excel's error values; the code of an error is its 1-based position here (0 = no error).
ERRORS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!", "#CALC!",
          "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!", "#PYTHON!")
_CODE = {e: i + 1 for i, e in enumerate(ERRORS)}
NULL, DIV0, VALUE, REF, NAME, NUM, NA = (_CODE[e] for e in ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!",
                                                            "#N/A"))
# COM (classic add-in): CVErr values as they arrive in Python
_COM_ERRORS = {-2146826281: DIV0, -2146826246: NA, -2146826259: NAME, -2146826288: NULL, -2146826252: NUM,
               -2146826265: REF, -2146826273: VALUE}
# Office.js errorType names (Excel.ErrorCellValueType)
_OFFICEJS_TYPE = {DIV0: "Div0", NA: "NotAvailable", NAME: "Name", NULL: "Null", NUM: "Num", REF: "Ref", VALUE: "Value",
                  _CODE["#SPILL!"]: "Spill", _CODE["#CALC!"]: "Calc", _CODE["#FIELD!"]: "Field",
                  _CODE["#BUSY!"]: "Busy", _CODE["#CONNECT!"]: "Connect", _CODE["#BLOCKED!"]: "Blocked",
                  _CODE["#GETTING_DATA"]: "GettingData", _CODE["#UNKNOWN!"]: "Unknown"}
_OFFICEJS_CODE = {v.lower(): k for k, v in _OFFICEJS_TYPE.items()}

EXCEL_EPOCH = np.datetime64("1899-12-30", "D")
MAX_SERIAL = 2958465.0  # 9999-12-31
# A number at or above this is taken as a date serial (1954-10-03) where a function accepts
# "days or a date" (RFM_SCORE kind R): nobody's last purchase is 20,000 days ago.
DATE_SERIAL_MIN = 20000.0

_FAST_TYPES = {float, int, type(None)}


@dataclass
class Cells:
    """One converted argument: arrays of the argument's 2-D shape.

    ``values`` is float (numbers, date serials; NaN where blank or error) or object (text);
    ``err`` the error code per cell (0 = none, see :data:`ERRORS`); ``blank`` True for an
    empty cell; ``scalar`` True when Excel passed a single value rather than a range;
    ``row`` True when it was a one-row range (Office.js flattens those).
    """

    values: np.ndarray
    err: np.ndarray
    blank: np.ndarray
    scalar: bool = False

    @property
    def shape(self) -> tuple[int, int]:
        return self.values.shape

    @property
    def size(self) -> int:
        return self.values.size

    @property
    def ok(self) -> np.ndarray:
        """Cells holding a usable value (neither blank nor an error)."""
        return (self.err == 0) & ~self.blank

    def flat(self) -> "Cells":
        return Cells(self.values.reshape(-1), self.err.reshape(-1), self.blank.reshape(-1), self.scalar)


def _grid(arg) -> tuple[np.ndarray, bool]:
    """Any argument -> (2-D object array, was a single value)."""
    if isinstance(arg, np.ndarray):
        a = arg.astype(object)
        return (a.reshape(1, -1) if a.ndim < 2 else a), a.ndim == 0
    if isinstance(arg, (list, tuple)):
        if not arg:
            return np.empty((0, 0), dtype=object), False
        if isinstance(arg[0], (list, tuple)):
            width = max(len(r) for r in arg)
            if all(len(r) == width for r in arg):
                a = np.empty((len(arg), width), dtype=object)
                a[:] = [list(r) for r in arg] if isinstance(arg[0], tuple) else arg
                return a, False
            a = np.full((len(arg), width), None, dtype=object)
            for i, r in enumerate(arg):
                a[i, :len(r)] = list(r)
            return a, False
        a = np.empty((1, len(arg)), dtype=object)
        a[0, :] = list(arg)
        return a, False
    a = np.empty((1, 1), dtype=object)
    a[0, 0] = arg
    return a, True


def _error_code(v) -> int:
    """Error code of one cell value (0 if it is not an error)."""
    if isinstance(v, dict):
        if str(v.get("type", "")).lower() == "error":
            basic = v.get("basicValue")
            if isinstance(basic, str) and basic in _CODE:
                return _CODE[basic]
            return _OFFICEJS_CODE.get(str(v.get("errorType", "")).lower(), VALUE)
        return 0
    if type(v) is int and v in _COM_ERRORS:
        return _COM_ERRORS[v]
    if isinstance(v, str) and v[:1] == "#" and v.strip() in _CODE:
        return _CODE[v.strip()]
    return 0


def _is_blank(v) -> bool:
    if v is None:
        return True
    if isinstance(v, str):
        return not v.strip()
    return type(v).__name__ in ("JsNull", "JsUndefined")


def _unwrap(v):
    """Office.js data-type dicts (formatted numbers, entities) -> their basic value."""
    if isinstance(v, dict) and str(v.get("type", "")).lower() != "error":
        return v.get("basicValue")
    return v


def _datetime_serial(v) -> float:
    """datetime/date (also pywintypes, pandas Timestamp) -> Excel serial of its day; the
    wall-clock fields are used as they are (COM marks local dates as UTC without shifting)."""
    d = dt.date(v.year, v.month, v.day)
    return float((d - dt.date(1899, 12, 30)).days)


def serial_to_datetime64(serials) -> np.ndarray:
    """Excel serial day numbers -> ``datetime64[ns]`` (NaN -> NaT)."""
    s = np.asarray(serials, dtype=float)
    out = np.full(s.shape, np.datetime64("NaT", "ns"), dtype="datetime64[ns]")
    ok = ~np.isnan(s)
    out[ok] = (EXCEL_EPOCH + np.floor(s[ok]).astype(np.int64)).astype("datetime64[ns]")
    return out


def datetime64_to_serial(values) -> np.ndarray:
    """``datetime64`` -> Excel serial day numbers (NaT -> NaN)."""
    d = np.asarray(values, dtype="datetime64[D]")
    out = (d - EXCEL_EPOCH).astype(float)
    out[np.isnat(d)] = np.nan
    return out


def _classify(flat: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Slow path: mixed cell types. Returns (values, err, blank) for the flat object array."""
    n = flat.size
    err = np.zeros(n, dtype=np.int8)
    blank = np.zeros(n, dtype=bool)
    is_text = kind == "text"
    values = np.empty(n, dtype=object) if is_text else np.full(n, np.nan)
    text_idx: list[int] = []
    text_val: list[str] = []
    for i, v in enumerate(flat.tolist()):
        if _is_blank(v):
            blank[i] = True
            continue
        code = _error_code(v)
        if code:
            err[i] = code
            continue
        v = _unwrap(v)
        if _is_blank(v):
            blank[i] = True
            continue
        t = type(v)
        if is_text:
            if t is float or t is int:
                values[i] = str(int(v)) if float(v).is_integer() else repr(float(v))
            elif isinstance(v, (dt.date, dt.datetime)):
                values[i] = f"{v.year:04d}-{v.month:02d}-{v.day:02d}"
            else:
                values[i] = str(v).strip()
            continue
        if t is bool or isinstance(v, np.bool_):
            err[i] = VALUE
        elif isinstance(v, (int, float, np.integer, np.floating)):
            values[i] = float(v)
        elif isinstance(v, (dt.date, dt.datetime)):
            if kind in ("date", "number_or_date"):
                values[i] = _datetime_serial(v)
            else:
                err[i] = VALUE
        elif isinstance(v, str):
            text_idx.append(i)
            text_val.append(v)
        else:
            err[i] = VALUE
    if text_idx:
        s = pd.Series(text_val, dtype=object)
        if kind == "date":
            parsed, bad = parse_dates(s)
            num = datetime64_to_serial(parsed.to_numpy(dtype="datetime64[ns]"))
        elif kind == "number_or_date":
            parsed, bad = parse_numbers(s)
            num = parsed.to_numpy(dtype=float, na_value=np.nan, copy=True)  # written below (read-only on pandas 3)
            miss = np.isnan(num)
            if miss.any():
                d, _ = parse_dates(s[miss])
                num[miss] = datetime64_to_serial(d.to_numpy(dtype="datetime64[ns]"))
        else:
            parsed, bad = (parse_money if kind == "money" else parse_numbers)(s)
            num = parsed.to_numpy(dtype=float, na_value=np.nan)
        idx = np.asarray(text_idx)
        good = ~np.isnan(num)
        values[idx[good]] = num[good]
        err[idx[~good]] = VALUE
    return values, err, blank


def read(arg, kind: str = "number") -> Cells:
    """Convert one UDF argument (as Excel passed it) into :class:`Cells`.

    Parameters
    ----------
    arg
        Scalar, list, list of lists (Office.js) or tuple of tuples (COM).
    kind : {'number', 'money', 'date', 'number_or_date', 'text', 'any'}
        ``number``/``money``: float values (money also reads ``15万``, ``¥1,200``);
        ``number_or_date``: numbers as they are, dates (datetime or date text) as serials;
        ``date``: Excel serial day numbers (float, whole days); ``text``: str values
        (numbers written without a trailing ``.0``, dates as ``YYYY-MM-DD``); ``any``: the
        cell values themselves (object), with blanks and errors marked.
    """
    if kind not in ("text", "any") and isinstance(arg, (list, tuple)) and arg and isinstance(arg[0], (list, tuple)):
        # fast path for the common case: a rectangular range of numbers and blanks
        flat_list = list(chain.from_iterable(arg))
        rows, width = len(arg), len(arg[0])
        types = set(map(type, flat_list))
        if len(flat_list) == rows * width and types <= _FAST_TYPES and int not in types:
            values = np.array(flat_list, dtype=float)
            blank = np.isnan(values)
            err = np.zeros(values.size, dtype=np.int8)
            return _finish(values, err, blank, kind, (rows, width), False)
    grid, scalar = _grid(arg)
    shape = grid.shape
    flat = grid.reshape(-1)
    if kind == "any":
        err = np.fromiter((_error_code(v) for v in flat), dtype=np.int8, count=flat.size)
        blank = np.fromiter((_is_blank(v) for v in flat), dtype=bool, count=flat.size)
        vals = np.array([_unwrap(v) for v in flat], dtype=object)
        return Cells(vals.reshape(shape), err.reshape(shape), blank.reshape(shape), scalar)
    types = set(map(type, flat)) if kind != "text" else set()
    if kind != "text" and types <= _FAST_TYPES:
        # fast path: numbers and blanks only (the common case for 100k-row columns)
        values = np.array(flat.tolist(), dtype=float)
        blank = np.isnan(values)
        err = np.zeros(flat.size, dtype=np.int8)
        if int in types:  # COM error values arrive as int
            for code_in, code in _COM_ERRORS.items():
                hit = values == code_in
                if hit.any():
                    err[hit] = code
                    values[hit] = np.nan
    else:
        values, err, blank = _classify(flat, kind)
    return _finish(values, err, blank, kind, shape, scalar)


def _finish(values, err, blank, kind, shape, scalar) -> Cells:
    if kind == "date":
        with np.errstate(invalid="ignore"):
            bad = (err == 0) & ~blank & ((values < 1) | (values > MAX_SERIAL))
        err[bad] = NUM
        values = np.floor(values)
        values[bad] = np.nan
    return Cells(values.reshape(shape), err.reshape(shape), blank.reshape(shape), scalar)


def read_scalar(arg, kind: str = "number", default=None):
    """One value from an optional single-cell argument: (value or ``default`` when blank,
    error code). Text that cannot be read as ``kind`` gives ``#VALUE!``."""
    c = read(arg, kind)
    if c.size == 0 or bool(c.blank.reshape(-1)[0]):
        return default, 0
    code = int(c.err.reshape(-1)[0])
    if code:
        return default, code
    return c.values.reshape(-1)[0], 0


def first_error(*codes: np.ndarray) -> np.ndarray:
    """Per cell, the first non-zero error code among ``codes`` (Excel propagates the error
    of the first argument that has one)."""
    out = np.zeros(np.broadcast_shapes(*(np.shape(c) for c in codes)), dtype=np.int8)
    for c in reversed(codes):
        out = np.where(c != 0, c, out).astype(np.int8)
    return out


def broadcast(*cells: Cells) -> tuple[tuple[int, int], list[Cells]]:
    """Bring arguments to one shape the way Excel's array arithmetic does: a dimension of
    length 1 is repeated; a shorter dimension is padded with ``#N/A``."""
    rows = max((c.shape[0] for c in cells), default=1)
    cols = max((c.shape[1] for c in cells), default=1)
    out = []
    for c in cells:
        r, k = c.shape
        vals, err, blank = c.values, c.err, c.blank
        if r == 0 or k == 0:
            vals = np.full((1, 1), np.nan if vals.dtype != object else None, dtype=vals.dtype)
            err = np.zeros((1, 1), dtype=np.int8)
            blank = np.ones((1, 1), dtype=bool)
            r = k = 1
        if (r not in (1, rows)) or (k not in (1, cols)):
            pr, pk = (rows if r != 1 else 1), (cols if k != 1 else 1)
            v2 = np.full((pr, pk), np.nan if vals.dtype != object else None, dtype=vals.dtype)
            e2 = np.full((pr, pk), NA, dtype=np.int8)
            b2 = np.zeros((pr, pk), dtype=bool)
            rr, kk = min(r, pr), min(k, pk)
            v2[:rr, :kk], e2[:rr, :kk], b2[:rr, :kk] = vals[:rr, :kk], err[:rr, :kk], blank[:rr, :kk]
            vals, err, blank = v2, e2, b2
        out.append(Cells(np.broadcast_to(vals, (rows, cols)), np.broadcast_to(err, (rows, cols)),
                         np.broadcast_to(blank, (rows, cols)), c.scalar))
    return (rows, cols), out


class Result:
    """What a UDF returns: values (2-D) with per-cell error codes and blanks.

    ``values`` may be float or object (text); cells where ``err != 0`` show that error,
    cells where ``blank`` is True show nothing, NaN or infinity left in a float result
    shows ``nan_error`` (``#NUM!`` by default).
    """

    __slots__ = ("values", "err", "blank", "nan_error")

    def __init__(self, values, err=None, blank=None, nan_error: int = NUM):
        v = np.asarray(values)
        if v.ndim == 0:
            v = v.reshape(1, 1)
        elif v.ndim == 1:
            v = v.reshape(-1, 1)
        self.values = v
        self.err = np.zeros(v.shape, dtype=np.int8) if err is None else np.broadcast_to(np.asarray(err, np.int8), v.shape)
        self.blank = np.zeros(v.shape, dtype=bool) if blank is None else np.broadcast_to(np.asarray(blank, bool), v.shape)
        self.nan_error = nan_error

    @classmethod
    def error(cls, code: int) -> "Result":
        return cls(np.full((1, 1), np.nan), np.full((1, 1), code, dtype=np.int8))

    @classmethod
    def message(cls, text: str) -> "Result":
        """A call-level problem (wrong argument, bad settings): one cell with ``#VALUE!``
        followed by the reason, so the user sees why (never a traceback)."""
        return cls(np.array([[f"#VALUE! {text}"]], dtype=object))

    def to_excel(self, officejs: bool):
        """List of lists for Excel: errors as Office.js error values (``officejs``) or as
        their text (classic add-in), blanks as ``""``."""
        v = self.values
        err = self.err
        if v.dtype.kind == "f":
            nan = ~np.isfinite(v)  # NaN and +-inf (not representable in a cell)
            if nan.any():
                err = np.where(nan & (err == 0) & ~self.blank, self.nan_error, err)
            rows = v.tolist()
        elif v.dtype.kind in "iub":
            rows = v.astype(float).tolist()
        else:
            rows = [[_py(x) for x in r] for r in v.tolist()]
        for i, j in zip(*np.nonzero(self.blank), strict=True):
            rows[i][j] = ""
        for i, j in zip(*np.nonzero(err), strict=True):
            code = int(err[i, j])
            rows[i][j] = ({"type": "Error", "errorType": _OFFICEJS_TYPE[code]}
                          if officejs and code in _OFFICEJS_TYPE else ERRORS[code - 1])
        return rows


def _py(x):
    if x is None:
        return ""
    if isinstance(x, (np.floating, float)):
        return "" if np.isnan(x) else float(x)
    if isinstance(x, np.integer):
        return float(x)
    if isinstance(x, np.str_):
        return str(x)
    return x


class ResultConverter(Converter):
    """xlwings return converter for :class:`Result` (``@xw.ret(ResultConverter)``): one
    pass over the result instead of xlwings' per-cell cleaning. Office.js passes the
    custom-functions ``runtime`` in the options; 1.4+ understands error values."""

    base_type = "raw"

    @staticmethod
    def write_value(value, options):
        if not isinstance(value, Result):
            value = Result(np.array(value, dtype=object))
        runtime = options.get("runtime")
        try:
            officejs = runtime is not None and float(runtime) >= 1.4
        except (TypeError, ValueError):
            officejs = False
        return value.to_excel(officejs)
