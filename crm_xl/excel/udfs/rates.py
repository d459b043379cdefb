"""Rate worksheet functions: REPURCHASE_RATE, NEW_CUSTOMER_REPURCHASE_RATE, CONVERSION_RATE,
COMPLAINT_RATE, RESPONSE_RATE, RENEWAL_RATE."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import xlwings as xw

from ...core import kpis as _kpis
from ...settings import DEFAULT_SETTINGS
from ..convert import DIV0, Result, ResultConverter, read, read_scalar
from .base import _arg, _as_of, _CallError, _first_code, _same_size, _settings, _today_serial, udf


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
    from ..convert import serial_to_datetime64

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
