"""NPS worksheet functions: NPS, NPS_BREAKDOWN, NPS_GROUP."""

from __future__ import annotations

import numpy as np
import xlwings as xw

from ...core import kpis as _kpis
from ..convert import DIV0, NUM, Result, ResultConverter, read
from .base import _arg, _first_code, _lang, _settings, udf


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
