"""What every worksheet function shares: the default language of a call (:func:`in_language`),
the :func:`udf` wrapper that turns a wrong call into '#VALUE! reason', the settings range read
once, and the argument helpers."""

from __future__ import annotations

import contextvars
import dataclasses
import datetime as dt
import functools
import inspect
import itertools

import numpy as np
import pandas as pd
import xlwings as xw

from ...errors import CrmXlError, SettingsError, format_error
from ...settings import DEFAULT_SETTINGS, AnalysisSettings, settings_from_rows
from ..convert import NA, Cells, Result, read, read_scalar

# The language a call answers in when neither its ``lang`` argument nor its settings range
# names one: Chinese, or what :func:`in_language` sets for the duration of a call.
_DEFAULT_LANG: contextvars.ContextVar[str] = contextvars.ContextVar("crm_xl_udf_lang", default="zh")


def in_language(fn, lang: str):
    """``fn`` (a worksheet function of :mod:`crm_xl.excel.udfs`) answering in ``lang`` by default: the
    same xlwings registration (``__xlfunc__``, name, help texts, arguments), the default
    language set while it runs. :mod:`crm_xl.excel.udfs_en` is every function in English."""
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        token = _DEFAULT_LANG.set(lang)
        try:
            return fn(*args, **kwargs)
        finally:
            _DEFAULT_LANG.reset(token)

    return wrapper

# ------------------------------------------------------------------------------ helpers


def _doc(zh: str, en: str) -> str:
    return f"{zh} | {en}"


def _arg(name: str, zh: str, en: str):
    """Every argument is read raw and converted by crm_xl.excel.convert."""
    return xw.arg(name, "raw", doc=_doc(zh, en))


def _msg(zh: str, en: str, lang: str) -> Result:
    return Result.message(zh if lang == "zh" else en)


class _CallError(CrmXlError):
    """A wrong argument to a worksheet function (shown as '#VALUE! reason' in the cell)."""


def _lang_value(v) -> str | None:
    if v is None:
        return None
    t = str(v).strip().lower()
    if not t:
        return None
    if t in ("zh", "cn", "zh-cn", "中文", "chinese"):
        return "zh"
    if t in ("en", "english", "英文", "en-us", "en-gb"):
        return "en"
    raise _CallError(f"语言参数必须是 zh 或 en，而不是 {v!r}", f"lang must be zh or en, not {v!r}")


def udf(fn):
    """Wrap a worksheet function: a problem with the call becomes '#VALUE! reason' in the
    cell (in the call's language), never a traceback."""
    params = list(inspect.signature(fn).parameters)
    lang_pos = params.index("lang") if "lang" in params else None
    settings_pos = params.index("settings_range") if "settings_range" in params else None

    @functools.wraps(fn)
    def wrapper(*args):
        lang = _DEFAULT_LANG.get()
        try:
            if lang_pos is not None and lang_pos < len(args):
                lang = _lang_value(args[lang_pos]) or lang
            elif settings_pos is not None and settings_pos < len(args) and args[settings_pos] is not None:
                lang = _settings(args[settings_pos]).lang
        except CrmXlError:
            pass
        try:
            with np.errstate(all="ignore"):  # overflow -> inf -> #NUM! per cell, not a warning
                return fn(*args)
        except CrmXlError as exc:
            return Result.message(exc.message(lang))
        except Exception as exc:  # noqa: BLE001 - a cell shows one line, never a traceback
            return Result.message(format_error(exc, lang))

    return wrapper


@functools.lru_cache(maxsize=32)
def _settings_cached(rows: tuple, default_lang: str) -> AnalysisSettings:
    if not any(str(name).strip().lower() == "lang" for name, _ in rows):
        rows = rows + (("lang", default_lang),)  # the range names no language: the workbook's
    frame = pd.DataFrame(list(rows), columns=["name", "value"])
    return settings_from_rows(frame, header_row=0)


@functools.lru_cache(maxsize=2)
def _default_settings(lang: str) -> AnalysisSettings:
    return DEFAULT_SETTINGS if DEFAULT_SETTINGS.lang == lang else dataclasses.replace(DEFAULT_SETTINGS, lang=lang)


def _settings(arg) -> AnalysisSettings:
    """AnalysisSettings from the 设置 sheet's name/value rows (header optional, extra
    columns such as the description ignored); blank -> the defaults. Without a ``lang``
    row the language is the workbook's (:func:`in_language`)."""
    if arg is None:
        return _default_settings(_DEFAULT_LANG.get())
    c = read(arg, "any")
    if c.size == 0 or c.blank.all():
        return _default_settings(_DEFAULT_LANG.get())
    if c.shape[1] < 2:
        raise SettingsError("设置区域需要两列：名称和值", "the settings range needs two columns: name and value")
    vals = np.where(c.blank | (c.err != 0), None, c.values)
    rows = []
    for r in vals:
        name, value = r[0], r[1]
        if name is None:
            continue
        name = str(name).strip()
        if name.lower() in ("name", "名称", "设置项", "参数", "setting") and not rows:
            continue  # header row
        if name == "analysis_date" and isinstance(value, (int, float)) and not isinstance(value, bool):
            value = (dt.date(1899, 12, 30) + dt.timedelta(days=int(value))).isoformat()
        elif isinstance(value, (dt.date, dt.datetime)):
            value = f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
        elif isinstance(value, float) and value.is_integer():
            value = int(value)
        rows.append((name, value))
    return _settings_cached(tuple(rows), _DEFAULT_LANG.get())


def _lang(lang, settings: AnalysisSettings) -> str:
    return _lang_value(lang) or settings.lang


def _today_serial() -> float:
    return float((dt.date.today() - dt.date(1899, 12, 30)).days)


def _as_of(arg, settings: AnalysisSettings, fallback) -> float:
    """Analysis date as a serial: the argument, else the settings' analysis_date, else
    ``fallback`` (a serial or a callable giving one)."""
    v, code = read_scalar(arg, "date")
    if code:
        raise _CallError("分析日期（as_of）不是有效日期", "as_of is not a valid date")
    if v is not None:
        return float(v)
    if settings.analysis_date is not None:
        return float((settings.analysis_date - dt.date(1899, 12, 30)).days)
    return float(fallback() if callable(fallback) else fallback)


def _breakpoints(arg, default: tuple, kind_zh: str, kind_en: str) -> tuple:
    if arg is None:
        return default
    if isinstance(arg, str):
        parts = [p for p in arg.replace("，", ",").replace("、", ",").replace(";", ",").split(",") if p.strip()]
        try:
            bp = tuple(float(p) for p in parts)
        except ValueError:
            bp = ()
    else:
        c = read(arg, "number")
        bp = tuple(c.values[c.ok].tolist())
        if (c.err != 0).any():
            bp = ()
    if len(bp) != 4 or any(b2 <= b1 for b1, b2 in itertools.pairwise(bp)):
        raise _CallError(f"{kind_zh}分界点需要 4 个严格递增的数字，如 30, 60, 90, 180",
                         f"{kind_en} breakpoints need 4 strictly increasing numbers, e.g. 30, 60, 90, 180")
    return bp


def _same_size(*cells: Cells) -> int:
    n = cells[0].size
    if any(c.size != n for c in cells):
        raise _CallError("各区域的单元格数必须相同", "the ranges must have the same number of cells")
    return n


def _missing(c: Cells, row_blank: np.ndarray) -> np.ndarray:
    """Error codes of an input: its own errors, #N/A for a blank in a row that is not blank
    as a whole."""
    return np.where(c.err != 0, c.err, np.where(c.blank & ~row_blank, NA, 0)).astype(np.int8)


def _negative(c: Cells) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return c.ok & (c.values < 0)


def _is_row(*cells: Cells) -> bool:
    return all(c.shape[0] == 1 and c.shape[1] > 1 for c in cells)


def _first_code(c: Cells) -> int:
    e = c.err.reshape(-1)
    nz = np.flatnonzero(e)
    return int(e[nz[0]]) if nz.size else 0
