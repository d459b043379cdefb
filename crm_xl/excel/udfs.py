"""Worksheet functions (UDFs): RFM_SCORE, RFM_SCORES, NPS, LTV, CHURN_RISK, CLV and friends.

Thin wrappers over :mod:`crm_xl.core`: each reads its arguments with xlwings' ``raw``
converter, converts them in one vectorised pass (:mod:`crm_xl.excel.convert`), calls the
core function once per range, and returns a :class:`~crm_xl.excel.convert.Result` (errors
per cell, arrays spill in the shape of the input). No analysis logic lives here.

Works with every xlwings flavour from the same module:

* classic Windows add-in: ``UDF Modules`` = ``crm_xl.excel.udfs`` (``crm-xl udfs config``);
* xlwings Lite / Server (Office.js): ``crm_xl/excel/lite/main.py`` imports these functions;
* without Excel (Linux, tests): plain ``import xlwings`` makes the decorators no-ops, the
  functions stay callable from Python.

Texts returned to cells (segment names, risk levels, reasons, error reasons) are in the
workbook's language: Chinese from this module, English from :mod:`crm_xl.excel.udfs_en`
(the same functions; the English template's xlwings Lite ``main.py`` and ``crm-xl udfs
config --lang en`` use it). A ``lang`` argument, or ``lang`` in the settings range,
overrides that default for one call. See docs/udfs.md for every function with examples.
"""

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

from ..core import churn as _churn
from ..core import clv as _clv
from ..core import kpis as _kpis
from ..core import rfm as _rfm
from ..core import segments as _seg
from ..core.clv_summary import unit_days
from ..errors import CrmXlError, SettingsError, format_error
from ..settings import DEFAULT_SETTINGS, AnalysisSettings, settings_from_rows
from .convert import (DATE_SERIAL_MIN, DIV0, NA, NUM, Cells, Result, ResultConverter, broadcast,
                      first_error, read, read_scalar)

__all__ = [
    "RFM_SCORE", "RFM_SCORES", "RFM_TOTAL", "RFM_SEGMENT", "RFM_RULE_SEGMENT",
    "NPS", "NPS_BREAKDOWN", "NPS_GROUP",
    "LTV", "LTV_CAC", "AOV",
    "REPURCHASE_RATE", "NEW_CUSTOMER_REPURCHASE_RATE", "CONVERSION_RATE", "COMPLAINT_RATE", "RESPONSE_RATE",
    "RENEWAL_RATE",
    "CHURN_RISK", "CHURN_REASONS",
    "CLV_FIT", "CLV_PURCHASES", "P_ALIVE", "CLV",
    "UDF_NAMES", "in_language",
]

UDF_NAMES = tuple(n for n in __all__ if n not in ("UDF_NAMES", "in_language"))

# The language a call answers in when neither its ``lang`` argument nor its settings range
# names one: Chinese, or what :func:`in_language` sets for the duration of a call.
_DEFAULT_LANG: contextvars.ContextVar[str] = contextvars.ContextVar("crm_xl_udf_lang", default="zh")


def in_language(fn, lang: str):
    """``fn`` (a worksheet function of this module) answering in ``lang`` by default: the
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


# ------------------------------------------------------------------------------ RFM

_KINDS = {"r": "r", "recency": "r", "最近": "r", "最近购买": "r", "f": "f", "frequency": "f", "频次": "f",
          "购买频次": "f", "m": "m", "monetary": "m", "金额": "m", "累计金额": "m"}


@xw.func(category="crm_xl")
@_arg("value", "R：距上次购买天数或最近购买日期；F：购买次数；M：累计金额（元）",
      "R: days since last purchase or the last purchase date; F: purchases; M: amount (CNY)")
@_arg("kind", "得分类型：R、F 或 M", "score type: R, F or M")
@_arg("breakpoints", "可选：4 个分界点（单元格区域或 \"30,60,90,180\"）；默认为设置中的值",
      "optional: 4 breakpoints (a range or \"30,60,90,180\"); default: the settings")
@_arg("as_of", "可选：分析日期（R 为日期时使用）；默认今天", "optional: analysis date for R dates; default today")
@xw.ret(ResultConverter)
@udf
def RFM_SCORE(value, kind, breakpoints=None, as_of=None):
    """RFM 单项得分 1-5（R/F/M） | One RFM score 1-5 (R, F or M)"""
    k = _KINDS.get(str(kind).strip().lower()) if kind is not None else None
    if k is None:
        raise _CallError(f"未知的得分类型 {kind!r}：请用 R、F 或 M", f"unknown score type {kind!r}: use R, F or M")
    s = DEFAULT_SETTINGS
    if k == "r":
        bp = _breakpoints(breakpoints, s.recency_breakpoints_days, "R ", "R")
        c = read(value, "number_or_date")
        v = c.values
        is_date = c.ok & (v >= DATE_SERIAL_MIN)
        days = v
        if is_date.any():
            ref = _as_of(as_of, s, _today_serial)
            days = np.where(is_date, ref - v, v)
        bad = c.ok & ~is_date & (v < 0)
        score = _rfm.score_recency(days, bp)
    else:
        c = read(value, "number" if k == "f" else "money")
        bp = _breakpoints(breakpoints, s.frequency_breakpoints if k == "f" else s.monetary_breakpoints,
                          "F " if k == "f" else "M ", k.upper())
        bad = _negative(c)
        score = (_rfm.score_frequency if k == "f" else _rfm.score_monetary)(c.values, bp)
    err = np.where(bad, NUM, c.err).astype(np.int8)
    return Result(score, err, c.blank)


@xw.func(category="crm_xl")
@_arg("last_dates", "最近购买日期（一列）", "last purchase dates (a column)")
@_arg("frequencies", "购买频次（次，一列）", "purchase counts (a column)")
@_arg("amounts", "累计购买金额（元，一列）", "total amounts in CNY (a column)")
@_arg("as_of", "可选：分析日期；默认取设置中的分析日期，否则取最近一次购买日期",
      "optional: analysis date; default: the settings' date, else the latest purchase date")
@_arg("settings_range", "可选：「设置」表的名称/值区域（分界点、权重、评分方式）",
      "optional: the Settings sheet's name/value rows (breakpoints, weights, scoring mode)")
@xw.ret(ResultConverter)
@udf
def RFM_SCORES(last_dates, frequencies, amounts, as_of=None, settings_range=None):
    """整列计算 R、F、M 得分和 RFM 总分（溢出 4 列） | R, F, M scores and RFM total for whole columns (spills 4 columns)"""
    s = _settings(settings_range)
    d, f, m = read(last_dates, "date"), read(frequencies, "number"), read(amounts, "money")
    n = _same_size(d, f, m)
    transpose = _is_row(d, f, m)
    d, f, m = d.flat(), f.flat(), m.flat()
    ref = _as_of(as_of, s, lambda: np.nanmax(d.values) if d.ok.any() else _today_serial())
    frame = pd.DataFrame({"recency_days": ref - d.values, "frequency": np.where(f.ok, f.values, np.nan),
                          "monetary": np.where(m.ok, m.values, np.nan)})
    bad_f, bad_m = _negative(f), _negative(m)
    frame.loc[bad_f, "frequency"] = np.nan
    frame.loc[bad_m, "monetary"] = np.nan
    scores = _rfm.rfm_scores(frame, s)
    row_blank = d.blank & f.blank & m.blank
    ed = _missing(d, row_blank)
    ef = np.where(bad_f, NUM, _missing(f, row_blank)).astype(np.int8)
    em = np.where(bad_m, NUM, _missing(m, row_blank)).astype(np.int8)
    err = np.column_stack([ed, ef, em, first_error(ed, ef, em)])
    values = scores[["r_score", "f_score", "m_score", "rfm_total"]].to_numpy(dtype=float)
    blank = np.repeat(row_blank[:, None], 4, axis=1)
    if n == 0:
        return Result(np.full((1, 4), np.nan), blank=np.ones((1, 4), bool))
    if transpose:
        return Result(values.T, err.T, blank.T)
    return Result(values, err, blank)


def _scores(r, f, m):
    (shape, (rc, fc, mc)) = broadcast(read(r), read(f), read(m))
    bad = np.zeros(shape, dtype=bool)
    for c in (rc, fc, mc):
        with np.errstate(invalid="ignore"):
            bad |= c.ok & ((c.values < 1) | (c.values > 5))
    row_blank = rc.blank & fc.blank & mc.blank
    err = first_error(_missing(rc, row_blank), _missing(fc, row_blank), _missing(mc, row_blank))
    err = np.where((err == 0) & bad, NUM, err).astype(np.int8)
    return shape, rc.values, fc.values, mc.values, err, row_blank


@xw.func(category="crm_xl")
@_arg("r", "R 得分（1-5）", "R score (1-5)")
@_arg("f", "F 得分（1-5）", "F score (1-5)")
@_arg("m", "M 得分（1-5）", "M score (1-5)")
@_arg("settings_range", "可选：「设置」表的名称/值区域（rfm_weights 权重）", "optional: Settings rows (rfm_weights)")
@xw.ret(ResultConverter)
@udf
def RFM_TOTAL(r, f, m, settings_range=None):
    """RFM 加权总分（权重见设置） | Weighted RFM total (weights from the settings)"""
    s = _settings(settings_range)
    shape, rv, fv, mv, err, blank = _scores(r, f, m)
    return Result(_rfm.rfm_total(rv, fv, mv, s.rfm_weights), err, blank)


_MODES = {"score": "score", "总分": "score", "rfm11": "rfm11", "11": "rfm11", "rules": "rules", "规则": "rules"}


@xw.func(category="crm_xl")
@_arg("r", "R 得分（1-5）", "R score (1-5)")
@_arg("f", "F 得分（1-5）", "F score (1-5)")
@_arg("m", "M 得分（1-5）", "M score (1-5)")
@_arg("mode", "可选：score（按总分，默认）或 rfm11（11 类 R×FM 矩阵）",
      "optional: score (by total, default) or rfm11 (11-segment R x FM map)")
@_arg("settings_range", "可选：「设置」表的名称/值区域（分层阈值、层级名称）",
      "optional: Settings rows (layer thresholds and names)")
@_arg("lang", "可选：返回文字的语言 zh 或 en", "optional: language of the result, zh or en")
@xw.ret(ResultConverter)
@udf
def RFM_SEGMENT(r, f, m, mode=None, settings_range=None, lang=None):
    """客户层级名称（高价值客户/潜力客户/…） | Customer layer name from R, F, M scores"""
    s = _settings(settings_range)
    lg = _lang(lang, s)
    key = _MODES.get(str(mode).strip().lower()) if mode is not None else (s.layer_mode if s.layer_mode != "rules"
                                                                          else "score")
    if key is None:
        raise _CallError(f"未知的分层方式 {mode!r}：请用 score 或 rfm11", f"unknown mode {mode!r}: use score or rfm11")
    if key == "rules":
        raise _CallError("按业务规则分层请用 RFM_RULE_SEGMENT（需要最近购买天数、年度频次和金额）",
                         "rule-mode layering needs RFM_RULE_SEGMENT (recency days, purchases and amount per year)")
    shape, rv, fv, mv, err, blank = _scores(r, f, m)
    if key == "rfm11":
        keys = _seg.layer_by_rfm11(rv, fv, mv)
    else:
        keys = _seg.layer_by_score(_rfm.rfm_total(rv, fv, mv, s.rfm_weights), s)
    labels = {k: s.layer_label(k, lg) for k in set(keys.reshape(-1).tolist())}
    out = np.vectorize(labels.get, otypes=[object])(keys) if keys.size else keys
    return Result(out.reshape(shape), err, blank)


@xw.func(category="crm_xl")
@_arg("recency", "距上次购买天数，或最近购买日期", "days since last purchase, or the last purchase date")
@_arg("frequency_per_year", "年度购买频次（次/年）", "purchases per year")
@_arg("amount_per_year", "年度购买金额（元/年）", "amount per year (CNY)")
@_arg("as_of", "可选：分析日期（recency 为日期时使用）；默认今天", "optional: analysis date for dates; default today")
@_arg("settings_range", "可选：「设置」表的名称/值区域（layer_rule.* 规则）", "optional: Settings rows (layer_rule.*)")
@_arg("lang", "可选：返回文字的语言 zh 或 en", "optional: language of the result, zh or en")
@xw.ret(ResultConverter)
@udf
def RFM_RULE_SEGMENT(recency, frequency_per_year, amount_per_year, as_of=None, settings_range=None, lang=None):
    """按业务规则分层（高价值/潜力/流失风险，未匹配则为兜底层级） | Layer by business rules (seed 000)"""
    s = _settings(settings_range)
    lg = _lang(lang, s)
    shape, (rc, fc, mc) = broadcast(read(recency, "number_or_date"), read(frequency_per_year, "number"),
                                    read(amount_per_year, "money"))
    v = rc.values
    is_date = rc.ok & (v >= DATE_SERIAL_MIN)
    days = np.where(is_date, _as_of(as_of, s, _today_serial) - v, v) if is_date.any() else v
    row_blank = rc.blank & fc.blank & mc.blank
    err = first_error(_missing(rc, row_blank), _missing(fc, row_blank), _missing(mc, row_blank))
    keys = _seg.layer_by_rules(days, fc.values, mc.values, s)
    labels = {k: s.layer_label(k, lg) for k in set(keys.reshape(-1).tolist())}
    out = np.vectorize(labels.get, otypes=[object])(keys)
    return Result(out.reshape(shape), err, row_blank)


# ------------------------------------------------------------------------------ NPS

def _nps_scores(scores) -> tuple[np.ndarray, int]:
    c = read(scores, "number").flat()
    code = _first_code(c)
    if code:
        return np.zeros(0), code
    v = c.values[c.ok]
    if ((v < 0) | (v > 10)).any():
        return np.zeros(0), NUM
    return v, 0


@xw.func(category="crm_xl")
@_arg("scores", "0-10 推荐意愿评分（空白忽略）", "0-10 recommendation scores (blanks ignored)")
@_arg("settings_range", "可选：「设置」表的名称/值区域（NPS 分段）", "optional: Settings rows (NPS bands)")
@xw.ret(ResultConverter)
@udf
def NPS(scores, settings_range=None):
    """净推荐值 NPS =（推荐者比例 − 贬损者比例）× 100 | Net Promoter Score"""
    s = _settings(settings_range)
    v, code = _nps_scores(scores)
    if code:
        return Result.error(code)
    if v.size == 0:
        return Result.error(DIV0)
    return Result(_kpis.nps(v, s.nps_promoter_min, s.nps_detractor_max))


@xw.func(category="crm_xl")
@_arg("scores", "0-10 推荐意愿评分（空白忽略）", "0-10 recommendation scores (blanks ignored)")
@_arg("with_labels", "可选：TRUE 时第一行为标题", "optional: TRUE adds a header row")
@_arg("settings_range", "可选：「设置」表的名称/值区域（NPS 分段）", "optional: Settings rows (NPS bands)")
@_arg("lang", "可选：标题语言 zh 或 en", "optional: language of the header, zh or en")
@xw.ret(ResultConverter)
@udf
def NPS_BREAKDOWN(scores, with_labels=None, settings_range=None, lang=None):
    """推荐者、中立者、贬损者比例（溢出一行 3 个值） | Promoter, passive, detractor shares (spills a row)"""
    s = _settings(settings_range)
    lg = _lang(lang, s)
    v, code = _nps_scores(scores)
    if code:
        values, err = np.full((1, 3), np.nan), np.full((1, 3), code, dtype=np.int8)
    elif v.size == 0:
        values, err = np.full((1, 3), np.nan), np.full((1, 3), DIV0, dtype=np.int8)
    else:
        b = _kpis.nps_breakdown(v, s.nps_promoter_min, s.nps_detractor_max)
        values = np.array([[b["promoter_share"], b["passive_share"], b["detractor_share"]]])
        err = np.zeros((1, 3), dtype=np.int8)
    if with_labels in (None, False, 0, 0.0, "") or str(with_labels).strip().lower() in ("false", "否", "0"):
        return Result(values, err)
    head = ["推荐者比例", "中立者比例", "贬损者比例"] if lg == "zh" else ["Promoters", "Passives", "Detractors"]
    out = np.array([head, values[0].tolist()], dtype=object)
    return Result(out, np.vstack([np.zeros((1, 3), np.int8), err]))


@xw.func(category="crm_xl")
@_arg("score", "0-10 推荐意愿评分", "0-10 recommendation score")
@_arg("settings_range", "可选：「设置」表的名称/值区域（NPS 分段）", "optional: Settings rows (NPS bands)")
@_arg("lang", "可选：返回文字的语言 zh 或 en", "optional: language of the result, zh or en")
@xw.ret(ResultConverter)
@udf
def NPS_GROUP(score, settings_range=None, lang=None):
    """推荐者/中立者/贬损者（逐个评分） | Promoter, passive or detractor per score"""
    s = _settings(settings_range)
    lg = _lang(lang, s)
    c = read(score, "number")
    v = c.values
    with np.errstate(invalid="ignore"):
        bad = c.ok & ((v < 0) | (v > 10))
        names = ("推荐者", "中立者", "贬损者") if lg == "zh" else ("Promoter", "Passive", "Detractor")
        out = np.where(v >= s.nps_promoter_min, names[0], np.where(v <= s.nps_detractor_max, names[2], names[1]))
    return Result(out.astype(object), np.where(bad, NUM, c.err).astype(np.int8), c.blank)


# ------------------------------------------------------------------------------ value


def _ltv(avg_purchase, frequency, lifespan, cac, need_cac: bool) -> Result:
    s = DEFAULT_SETTINGS
    parts = [read(avg_purchase, "money"), read(frequency, "number"), read(lifespan, "number")]
    if cac is not None or need_cac:
        parts.append(read(cac, "money"))
    shape, cells = broadcast(*parts)
    a, f, life = cells[:3]
    life_v = np.where(life.blank, s.default_lifespan_years, life.values)
    life_err = np.where(life.blank, 0, life.err).astype(np.int8)
    row_blank = a.blank & f.blank
    errs = [_missing(a, row_blank), _missing(f, row_blank), life_err]
    bad = _negative(a) | _negative(f) | (life.ok & (life.values < 0))
    if len(cells) == 4:
        c = cells[3]
        errs.append(_missing(c, row_blank))
        value = _kpis.ltv(a.values, f.values, life_v, c.values)
        with np.errstate(invalid="ignore"):
            div0 = c.ok & (c.values <= 0)
    else:
        value = _kpis.ltv(a.values, f.values, life_v)
        div0 = np.zeros(shape, bool)
    err = first_error(*errs)
    err = np.where((err == 0) & bad, NUM, np.where((err == 0) & div0, DIV0, err)).astype(np.int8)
    return Result(np.asarray(value, dtype=float).reshape(shape), err, row_blank)


@xw.func(category="crm_xl")
@_arg("avg_purchase", "客户平均购买金额（元）", "average purchase amount (CNY)")
@_arg("frequency", "购买频次（次/年）", "purchases per year")
@_arg("lifespan", "客户生命周期（年）；空白 = 设置中的默认值 3 年", "lifespan in years; blank = the default (3)")
@_arg("cac", "可选：获客成本（元）；给出时返回 LTV/获客成本 比值", "optional: acquisition cost; gives the LTV/CAC ratio")
@xw.ret(ResultConverter)
@udf
def LTV(avg_purchase, frequency, lifespan=None, cac=None):
    """客户生命周期价值 LTV = 平均购买金额 × 购买频次 × 生命周期（÷ 获客成本） | Customer lifetime value (seed 004)"""
    return _ltv(avg_purchase, frequency, lifespan, cac, need_cac=False)


@xw.func(category="crm_xl")
@_arg("avg_purchase", "客户平均购买金额（元）", "average purchase amount (CNY)")
@_arg("frequency", "购买频次（次/年）", "purchases per year")
@_arg("lifespan", "客户生命周期（年）；空白 = 默认值 3 年", "lifespan in years; blank = the default (3)")
@_arg("cac", "获客成本（元）", "customer acquisition cost (CNY)")
@xw.ret(ResultConverter)
@udf
def LTV_CAC(avg_purchase, frequency, lifespan, cac):
    """LTV 与获客成本之比（模板 004 的 LTV 公式） | LTV to acquisition-cost ratio (seed 004 formula)"""
    return _ltv(avg_purchase, frequency, lifespan, cac, need_cac=True)


@xw.func(category="crm_xl")
@_arg("amounts", "订单金额（元）", "order amounts (CNY)")
@_arg("customers", "可选：每笔订单的客户ID；给出时按客户数计算（销售额/成交客户数）",
      "optional: customer ID of each order; then revenue per customer")
@xw.ret(ResultConverter)
@udf
def AOV(amounts, customers=None):
    """客单价 = 销售额 / 订单数（或 / 客户数） | Average order value (or revenue per customer)"""
    a = read(amounts, "money").flat()
    code = _first_code(a)
    if code:
        return Result.error(code)
    if customers is None:
        v = a.values[a.ok]
        return Result.error(DIV0) if v.size == 0 else Result(_kpis.aov(v))
    c = read(customers, "text").flat()
    _same_size(a, c)
    if _first_code(c):
        return Result.error(_first_code(c))
    ok = a.ok & c.ok
    if not ok.any():
        return Result.error(DIV0)
    return Result(_kpis.aov(a.values[ok], customers=c.values[ok]))


# ------------------------------------------------------------------------------ rates


def _ratio(value: float) -> Result:
    return Result.error(DIV0) if np.isnan(value) else Result(float(value))


class _CellError(Exception):
    """An error cell in an aggregated range: the result is that error."""

    def __init__(self, code: int):
        super().__init__(code)
        self.code = code


def _count(arg, what_zh: str, what_en: str) -> float:
    """A single cell is a number (a count); a range counts its distinct non-blank values."""
    c = read(arg, "any")
    if c.size == 1:
        v, code = read_scalar(arg, "number")
        if code or v is None:
            raise _CallError(f"「{what_zh}」需要一个数字或一列ID", f"'{what_en}' needs a number or a column of IDs")
        return float(v)
    t = read(arg, "text").flat()
    if _first_code(t):
        raise _CellError(_first_code(t))
    return float(pd.unique(t.values[t.ok]).size)


def _rate(numerator, denominator, flags_ok: bool, what: tuple[str, str, str, str]) -> Result:
    if denominator is None:
        if not flags_ok:
            raise _CallError(f"缺少「{what[2]}」", f"'{what[3]}' is missing")
        c = read(numerator, "any").flat()
        code = _first_code(c)
        if code:
            return Result.error(code)
        return _ratio(_kpis.share_true(c.values[c.ok]))
    try:
        return _ratio(_kpis.safe_ratio(_count(numerator, what[0], what[1]), _count(denominator, what[2], what[3])))
    except _CellError as exc:
        return Result.error(exc.code)


@xw.func(category="crm_xl")
@_arg("customer_ids", "每笔订单的客户ID", "customer ID of each order")
@_arg("order_dates", "可选：订单日期（用于统计期）", "optional: order dates (for the period)")
@_arg("as_of", "可选：分析日期；默认最近订单日期", "optional: analysis date; default the latest order")
@_arg("months", "可选：统计近 N 个月；默认全部", "optional: last N months; default all orders")
@xw.ret(ResultConverter)
@udf
def REPURCHASE_RATE(customer_ids, order_dates=None, as_of=None, months=None):
    """复购率 = 购买≥2次的客户数 / 有购买的客户数 | Repurchase rate"""
    ids = read(customer_ids, "text").flat()
    if order_dates is None:
        return Result.error(_first_code(ids)) if _first_code(ids) else \
            _ratio(_kpis.repurchase_rate_from_orders(ids.values[ids.ok]))
    d = read(order_dates, "date").flat()
    _same_size(ids, d)
    code = _first_code(ids) or _first_code(d)
    if code:
        return Result.error(code)
    ok = ids.ok & d.ok
    dates = np.asarray(d.values[ok], dtype=float)
    ref = _as_of(as_of, DEFAULT_SETTINGS, lambda: np.max(dates) if dates.size else _today_serial())
    m, code = read_scalar(months, "number")
    return _ratio(_kpis.repurchase_rate_from_orders(ids.values[ok], _dates(dates), _date(ref),
                                                    None if m is None else int(m)))


def _dates(serials) -> np.ndarray:
    from .convert import serial_to_datetime64

    return serial_to_datetime64(serials)


def _date(serial: float) -> pd.Timestamp:
    return pd.Timestamp(dt.date(1899, 12, 30) + dt.timedelta(days=int(serial)))


@xw.func(category="crm_xl")
@_arg("customer_ids", "每笔订单的客户ID", "customer ID of each order")
@_arg("order_dates", "订单日期", "order dates")
@_arg("as_of", "可选：分析日期；默认最近订单日期", "optional: analysis date; default the latest order")
@_arg("months", "可选：首购统计期（月），默认 12", "optional: months in which the first purchase falls (12)")
@xw.ret(ResultConverter)
@udf
def NEW_CUSTOMER_REPURCHASE_RATE(customer_ids, order_dates, as_of=None, months=None):
    """新客户复购率 = 二次购买客户数 / 首购客户总数 | New-customer repurchase rate"""
    ids, d = read(customer_ids, "text").flat(), read(order_dates, "date").flat()
    _same_size(ids, d)
    code = _first_code(ids) or _first_code(d)
    if code:
        return Result.error(code)
    ok = ids.ok & d.ok
    dates = np.asarray(d.values[ok], dtype=float)
    ref = _as_of(as_of, DEFAULT_SETTINGS, lambda: np.max(dates) if dates.size else _today_serial())
    m, _ = read_scalar(months, "number", default=DEFAULT_SETTINGS.kpi_window_months or 12)
    return _ratio(_kpis.new_customer_repurchase_rate(ids.values[ok], _dates(dates), _date(ref), int(m)))


@xw.func(category="crm_xl")
@_arg("deals", "成交客户数（一个数字），或成交客户ID列；只给此参数时为线索阶段列",
      "deals (a number or a column of IDs); alone: a column of lead stages")
@_arg("leads", "可选：线索总数（数字）或线索ID列", "optional: leads (a number or a column of IDs)")
@_arg("settings_range", "可选：「设置」表的名称/值区域（stage_won 成交阶段名称）", "optional: Settings rows (stage_won)")
@xw.ret(ResultConverter)
@udf
def CONVERSION_RATE(deals, leads=None, settings_range=None):
    """线索-成交转化率 = 成交客户数 / 线索总数（或按阶段列计算） | Lead-to-deal conversion rate"""
    if leads is None:
        s = _settings(settings_range)
        c = read(deals, "text").flat()
        code = _first_code(c)
        if code:
            return Result.error(code)
        return _ratio(_kpis.stage_conversion_rate(c.values[c.ok], s.stage_won))
    return _rate(deals, leads, False, ("成交客户数", "deals", "线索总数", "leads"))


@xw.func(category="crm_xl")
@_arg("complaint_customers", "投诉客户数（数字）或投诉客户ID列", "customers who complained (a number or IDs)")
@_arg("all_customers", "总客户数（数字）或客户ID列", "all customers (a number or IDs)")
@xw.ret(ResultConverter)
@udf
def COMPLAINT_RATE(complaint_customers, all_customers):
    """投诉率 = 投诉客户数 / 总客户数 | Complaint rate"""
    return _rate(complaint_customers, all_customers, False, ("投诉客户数", "complaint customers", "总客户数",
                                                             "all customers"))


@xw.func(category="crm_xl")
@_arg("responded", "有响应的互动数；只给此参数时为是/否列", "interactions answered; alone: a yes/no column")
@_arg("total", "可选：有响应记录的互动总数", "optional: interactions with a known answer")
@xw.ret(ResultConverter)
@udf
def RESPONSE_RATE(responded, total=None):
    """互动响应率 = 有响应的互动数 / 互动总数 | Interaction response rate"""
    return _rate(responded, total, True, ("有响应的互动数", "responded", "互动总数", "total"))


@xw.func(category="crm_xl")
@_arg("renewed", "续签合同数；只给此参数时为是否续签列（已续签/未续签）", "contracts renewed; alone: a yes/no column")
@_arg("due", "可选：到期合同数", "optional: contracts due")
@xw.ret(ResultConverter)
@udf
def RENEWAL_RATE(renewed, due=None):
    """合同续签率 = 续签合同数 / 到期合同数 | Contract renewal rate"""
    return _rate(renewed, due, True, ("续签合同数", "renewed", "到期合同数", "due"))


# ------------------------------------------------------------------------------ churn


def _churn_inputs(last_date, frequency_3m, frequency_prev_3m, negative_feedback, as_of, unresolved, timeouts,
                  usual_gap_days, s: AnalysisSettings):
    parts = [read(last_date, "number_or_date"), read(frequency_3m), read(frequency_prev_3m), read(negative_feedback),
             read(unresolved), read(timeouts), read(usual_gap_days)]
    shape, (d, last, prev, neg, unres, tmo, gap) = broadcast(*parts)
    v = d.values
    is_date = d.ok & (v >= DATE_SERIAL_MIN)
    days = np.where(is_date, _as_of(as_of, s, _today_serial) - v, v) if is_date.any() else v
    err = first_error(*(np.where(c.err != 0, c.err, 0) for c in (d, last, prev, neg, unres, tmo, gap)))
    bad = np.zeros(shape, bool)
    for c in (last, prev, neg, unres, tmo, gap):
        bad |= _negative(c)
    bad |= d.ok & ~is_date & (v < 0)
    err = np.where((err == 0) & bad, NUM, err).astype(np.int8)
    args = [days.reshape(-1), gap.values.reshape(-1), last.values.reshape(-1), prev.values.reshape(-1),
            np.nan_to_num(neg.values).reshape(-1), np.nan_to_num(unres.values).reshape(-1),
            np.nan_to_num(tmo.values).reshape(-1)]
    return shape, args, err, d.blank


_CHURN_ARGS = (
    ("last_date", "最近购买日期（或距今天数）", "last purchase date (or days since)"),
    ("frequency_3m", "近3个月购买次数", "purchases in the last 3 months"),
    ("frequency_prev_3m", "前3个月购买次数", "purchases in the 3 months before"),
    ("negative_feedback", "近期负面反馈次数", "recent negative feedback count"),
    ("as_of", "可选：分析日期；默认今天", "optional: analysis date; default today"),
    ("unresolved", "可选：未解决投诉数", "optional: unresolved complaints"),
    ("timeouts", "可选：售后响应超时次数", "optional: response timeouts"),
    ("usual_gap_days", "可选：通常购买间隔（天）", "optional: usual days between purchases"),
    ("settings_range", "可选：「设置」表的名称/值区域（churn_* 阈值）", "optional: Settings rows (churn_* thresholds)"),
    ("lang", "可选：返回文字的语言 zh 或 en", "optional: language of the result, zh or en"),
)


def _churn_call(core, last_date, frequency_3m, frequency_prev_3m, negative_feedback, as_of, unresolved, timeouts,
                usual_gap_days, settings_range, lang):
    """What CHURN_RISK and CHURN_REASONS share: settings, language, inputs, then ``core``
    (:func:`crm_xl.core.churn.churn_risk` or ``churn_reasons``) on the flattened inputs."""
    s = _settings(settings_range)
    shape, args, err, blank = _churn_inputs(last_date, frequency_3m, frequency_prev_3m, negative_feedback, as_of,
                                            unresolved, timeouts, usual_gap_days, s)
    return shape, core(*args, settings=s, lang=_lang(lang, s)), err, blank


def _churn_decorators(fn):
    for name, zh, en in reversed(_CHURN_ARGS):
        fn = _arg(name, zh, en)(fn)
    return fn


@xw.func(category="crm_xl")
@_churn_decorators
@xw.ret(ResultConverter)
@udf
def CHURN_RISK(last_date, frequency_3m, frequency_prev_3m, negative_feedback, as_of=None, unresolved=None,
               timeouts=None, usual_gap_days=None, settings_range=None, lang=None):
    """流失风险等级 高/中/低 | Churn risk level High, Medium or Low"""
    shape, out, err, blank = _churn_call(_churn.churn_risk, last_date, frequency_3m, frequency_prev_3m,
                                         negative_feedback, as_of, unresolved, timeouts, usual_gap_days,
                                         settings_range, lang)
    return Result(np.asarray(out).reshape(shape), err, blank)


@xw.func(category="crm_xl")
@_churn_decorators
@xw.ret(ResultConverter)
@udf
def CHURN_REASONS(last_date, frequency_3m, frequency_prev_3m, negative_feedback, as_of=None, unresolved=None,
                  timeouts=None, usual_gap_days=None, settings_range=None, lang=None):
    """触发流失预警的原因（文字） | Why a customer is at risk (text)"""
    shape, out, err, blank = _churn_call(_churn.churn_reasons, last_date, frequency_3m, frequency_prev_3m,
                                         negative_feedback, as_of, unresolved, timeouts, usual_gap_days,
                                         settings_range, lang)
    return Result(np.asarray(out, dtype=object).reshape(shape), err, blank)


# ------------------------------------------------------------------------------ CLV (issue 9)

def _params(arg, names: tuple[str, ...], model: str) -> dict[str, float]:
    """Model parameters from a range: rows of name + value (CLV_FIT's output, any extra rows
    ignored) or just the numbers in ``names`` order."""
    c = read(arg, "any")
    vals = np.where(c.blank | (c.err != 0), None, c.values)
    found: dict[str, float] = {}
    for row in vals:
        for j, cell in enumerate(row):
            if isinstance(cell, str) and cell.strip().lower() in names:
                nums = [x for x in row[j + 1:] if isinstance(x, (int, float)) and not isinstance(x, bool)]
                if nums:
                    found.setdefault(cell.strip().lower(), float(nums[0]))
                break
    if all(n in found for n in names):
        return {n: found[n] for n in names}
    nums = [float(x) for x in vals.reshape(-1) if isinstance(x, (int, float)) and not isinstance(x, bool)]
    if len(nums) == len(names) and not found:
        return dict(zip(names, nums, strict=True))
    raise _CallError(f"{model} 参数需要 {len(names)} 个数字（{', '.join(names)}），或 CLV_FIT 输出的参数区域",
                     f"{model} parameters need {len(names)} numbers ({', '.join(names)}) or CLV_FIT's output")


def _history(frequency, recency, T, *more):
    parts = [read(frequency), read(recency), read(T), *(read(m) for m in more)]
    shape, cells = broadcast(*parts)
    x, tx, TT = cells[:3]
    row_blank = x.blank & tx.blank & TT.blank
    err = first_error(*(_missing(c, row_blank) for c in cells))
    ok = (err == 0) & ~row_blank & x.ok & tx.ok & TT.ok
    valid = np.zeros(shape, bool)
    valid[ok] = _clv.valid_history(x.values[ok], tx.values[ok], TT.values[ok])
    err = np.where(ok & ~valid, NUM, err).astype(np.int8)
    return shape, cells, valid, err, row_blank


@xw.func(category="crm_xl")
@_arg("frequency", "重复购买次数（frequency）", "repeat purchases (frequency)")
@_arg("recency", "首购到最后一次购买的时长（recency）", "time from first to last purchase (recency)")
@_arg("T", "首购到观察期结束的时长（T）", "time from first purchase to the end of observation (T)")
@_arg("monetary_value", "可选：重复购买的平均金额；给出时同时拟合 Gamma-Gamma 模型",
      "optional: mean repeat amount; also fits the Gamma-Gamma model")
@_arg("penalizer", "可选：惩罚系数（默认 0）", "optional: penalizer (default 0)")
@_arg("lang", "可选：标题语言 zh 或 en", "optional: language of the header, zh or en")
@xw.ret(ResultConverter)
@udf
def CLV_FIT(frequency, recency, T, monetary_value=None, penalizer=None, lang=None):
    """拟合 BG/NBD（及 Gamma-Gamma）模型，溢出参数表 | Fit BG/NBD (and Gamma-Gamma), spilling the parameters"""
    lg = _lang_value(lang) or _DEFAULT_LANG.get()
    more = () if monetary_value is None else (monetary_value,)
    shape, cells, valid, err, row_blank = _history(frequency, recency, T)
    bad = np.flatnonzero(((err != 0) | (~valid & ~row_blank)).reshape(-1))
    if bad.size:
        raise _CallError(f"第 {bad[0] + 1} 行的 frequency/recency/T 无效（需要 0 ≤ recency ≤ T，frequency 为非负整数）",
                         f"row {bad[0] + 1}: invalid frequency/recency/T (need 0 <= recency <= T, whole frequency)")
    x, tx, TT = (c.values[valid] for c in cells[:3])
    pen, code = read_scalar(penalizer, "number", default=0.0)
    bg = _clv.BetaGeoModel(penalizer=float(pen)).fit(x, tx, TT)
    rows = [["参数", "估计值", "标准误"] if lg == "zh" else ["parameter", "estimate", "std_error"]]
    for k in _clv.BGNBD_PARAMS:
        rows.append([k, bg.params_[k], (bg.standard_errors_ or {}).get(k, np.nan)])
    if more:
        m = read(monetary_value)
        if m.size != cells[0].size:
            raise _CallError("monetary_value 与 frequency 的单元格数必须相同",
                             "monetary_value must have as many cells as frequency")
        mv = np.where(m.ok, m.values, np.nan).reshape(shape)[valid]
        gg = _clv.GammaGammaModel(penalizer=float(pen)).fit(x, mv)
        for k in _clv.GAMMA_GAMMA_PARAMS:
            rows.append([k, gg.params_[k], (gg.standard_errors_ or {}).get(k, np.nan)])
    out = np.array(rows, dtype=object)
    err_out = np.zeros(out.shape, dtype=np.int8)
    for i in range(1, len(rows)):
        if not np.isfinite(rows[i][2]):
            out[i, 2] = ""
    return Result(out, err_out)


@xw.func(category="crm_xl")
@_arg("frequency", "重复购买次数", "repeat purchases")
@_arg("recency", "首购到最后一次购买的时长", "time from first to last purchase")
@_arg("T", "首购到观察期结束的时长", "time from first purchase to the end of observation")
@_arg("params", "BG/NBD 参数：CLV_FIT 的输出，或 r, alpha, a, b 四个数", "BG/NBD parameters: CLV_FIT output or r, alpha, a, b")
@xw.ret(ResultConverter)
@udf
def P_ALIVE(frequency, recency, T, params):
    """客户仍活跃的概率 P(alive)（BG/NBD） | Probability the customer is still active (BG/NBD)"""
    p = _params(params, _clv.BGNBD_PARAMS, "BG/NBD")
    shape, cells, valid, err, blank = _history(frequency, recency, T)
    out = np.full(shape, np.nan)
    x, tx, TT = (c.values[valid] for c in cells[:3])
    out[valid] = _clv.bgnbd_p_alive(p, x, tx, TT)
    return Result(out, err, blank)


@xw.func(category="crm_xl")
@_arg("frequency", "重复购买次数", "repeat purchases")
@_arg("recency", "首购到最后一次购买的时长", "time from first to last purchase")
@_arg("T", "首购到观察期结束的时长", "time from first purchase to the end of observation")
@_arg("horizon", "预测时长（与 recency、T 同一时间单位）", "horizon (in the time unit of recency and T)")
@_arg("params", "BG/NBD 参数：CLV_FIT 的输出，或 r, alpha, a, b 四个数", "BG/NBD parameters: CLV_FIT output or r, alpha, a, b")
@xw.ret(ResultConverter)
@udf
def CLV_PURCHASES(frequency, recency, T, horizon, params):
    """未来一段时间的预期购买次数（BG/NBD） | Expected purchases over the horizon (BG/NBD)"""
    p = _params(params, _clv.BGNBD_PARAMS, "BG/NBD")
    shape, cells, valid, err, blank = _history(frequency, recency, T, horizon)
    h = cells[3]
    with np.errstate(invalid="ignore"):
        neg = valid & (h.values < 0)
    valid &= ~neg
    err = np.where(neg, NUM, err).astype(np.int8)
    out = np.full(shape, np.nan)
    x, tx, TT, hv = (c.values[valid] for c in cells)
    out[valid] = _clv.bgnbd_conditional_expected_purchases(p, hv, x, tx, TT)
    return Result(out, err, blank)


@xw.func(category="crm_xl")
@_arg("frequency", "重复购买次数", "repeat purchases")
@_arg("recency", "首购到最后一次购买的时长", "time from first to last purchase")
@_arg("T", "首购到观察期结束的时长", "time from first purchase to the end of observation")
@_arg("monetary_value", "重复购买的平均金额（元）", "mean repeat amount (CNY)")
@_arg("bgnbd_params", "BG/NBD 参数（CLV_FIT 输出或 r, alpha, a, b）", "BG/NBD parameters (CLV_FIT output or r, alpha, a, b)")
@_arg("gg_params", "Gamma-Gamma 参数（CLV_FIT 输出或 p, q, gamma）；可与上一参数相同",
      "Gamma-Gamma parameters (CLV_FIT output or p, q, gamma); may be the same range")
@_arg("months", "可选：预测月数（默认 12）", "optional: months ahead (default 12)")
@_arg("monthly_discount", "可选：月贴现率（默认 0.01）", "optional: monthly discount rate (default 0.01)")
@_arg("unit", "可选：recency/T 的时间单位 days、weeks 或 months（默认 days）",
      "optional: time unit of recency and T: days, weeks or months (default days)")
@_arg("margin", "可选：毛利率（默认 1）", "optional: profit margin (default 1)")
@xw.ret(ResultConverter)
@udf
def CLV(frequency, recency, T, monetary_value, bgnbd_params, gg_params=None, months=None, monthly_discount=None,
        unit=None, margin=None):
    """预测的客户生命周期价值（贴现，BG/NBD + Gamma-Gamma） | Predicted discounted customer lifetime value"""
    pb = _params(bgnbd_params, _clv.BGNBD_PARAMS, "BG/NBD")
    pg = _params(bgnbd_params if gg_params is None else gg_params, _clv.GAMMA_GAMMA_PARAMS, "Gamma-Gamma")
    h, _ = read_scalar(months, "number", default=12)
    d, _ = read_scalar(monthly_discount, "number", default=0.01)
    mg, _ = read_scalar(margin, "number", default=1.0)
    u = "days" if unit is None or (isinstance(unit, str) and not unit.strip()) else unit
    ppm = unit_days("months") / unit_days(u)
    shape, cells, valid, err, blank = _history(frequency, recency, T)
    shape2, (_, mm) = broadcast(cells[0], read(monetary_value))
    if shape2 != shape:
        raise _CallError("monetary_value 与 frequency 的形状必须相同", "monetary_value must have the shape of frequency")
    x = cells[0].values
    need_m = valid & (x > 0)
    missing_m = need_m & ~mm.ok
    err = np.where((err == 0) & missing_m, np.where(mm.err != 0, mm.err, NA), err).astype(np.int8)
    with np.errstate(invalid="ignore"):
        neg_m = need_m & mm.ok & (mm.values <= 0)
    err = np.where((err == 0) & neg_m, NUM, err).astype(np.int8)
    valid &= ~missing_m & ~neg_m
    out = np.full(shape, np.nan)
    xs, tx, TT = (c.values[valid] for c in cells[:3])
    mv = np.where(mm.ok, mm.values, 0.0)[valid]
    out[valid] = _clv.customer_lifetime_value(pb, pg, xs, tx, TT, mv, horizon_months=int(h),
                                              monthly_discount_rate=float(d), periods_per_month=ppm,
                                              margin=float(mg))
    return Result(out, err, blank)
