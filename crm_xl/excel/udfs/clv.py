"""CLV worksheet functions (issue 9): CLV_FIT, P_ALIVE, CLV_PURCHASES, CLV."""

from __future__ import annotations

import numpy as np
import xlwings as xw

from ...core import clv as _clv
from ...core.clv_summary import unit_days
from ..convert import NA, NUM, Result, ResultConverter, broadcast, first_error, read, read_scalar
from .base import _DEFAULT_LANG, _arg, _CallError, _lang_value, _missing, udf


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
