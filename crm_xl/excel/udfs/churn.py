"""Churn worksheet functions: CHURN_RISK, CHURN_REASONS."""

from __future__ import annotations

import numpy as np
import xlwings as xw

from ...core import churn as _churn
from ...settings import AnalysisSettings
from ..convert import DATE_SERIAL_MIN, NUM, Result, ResultConverter, broadcast, first_error, read
from .base import _arg, _as_of, _lang, _negative, _settings, _today_serial, udf


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
