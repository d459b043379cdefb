"""Customer value worksheet functions: LTV, LTV_CAC, AOV."""

from __future__ import annotations

import numpy as np
import xlwings as xw

from ...core import kpis as _kpis
from ...settings import DEFAULT_SETTINGS
from ..convert import DIV0, NUM, Result, ResultConverter, broadcast, first_error, read
from .base import _arg, _first_code, _missing, _negative, _same_size, udf


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
