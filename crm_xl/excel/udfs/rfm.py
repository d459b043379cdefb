"""RFM worksheet functions: RFM_SCORE, RFM_SCORES, RFM_TOTAL, RFM_SEGMENT, RFM_RULE_SEGMENT."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xlwings as xw

from ...core import rfm as _rfm
from ...core import segments as _seg
from ...settings import DEFAULT_SETTINGS
from ..convert import DATE_SERIAL_MIN, NUM, Result, ResultConverter, broadcast, first_error, read
from .base import (
    _arg,
    _as_of,
    _breakpoints,
    _CallError,
    _is_row,
    _lang,
    _missing,
    _negative,
    _same_size,
    _settings,
    _today_serial,
    udf,
)

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
