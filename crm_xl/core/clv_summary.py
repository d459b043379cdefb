"""Per-customer purchase summary for the CLV models (frequency, recency, T, monetary value).

The probabilistic models of :mod:`crm_xl.core.clv` (BG/NBD, Gamma-Gamma) do not look at
individual orders: everything they need about a customer is four numbers, computed here
from the cleaned orders table (canonical columns ``customer_id``, ``order_date``,
``amount``), following Fader, Hardie & Lee (2005) and the lifetimes package:

``frequency``
    Number of *repeat* purchase days: distinct days with an order, minus the first one.
    Several orders on the same day count as one purchase (their amounts are added), as in
    the papers' CDNOW data.
``recency``
    Time from the first purchase to the last purchase (0 when ``frequency`` is 0).
``T``
    Time from the first purchase to the end of the observation period (the customer's "age").
``monetary_value``
    Mean amount of the repeat purchase days (the first purchase is excluded, as in the
    Gamma-Gamma papers); 0 when ``frequency`` is 0.

Times are measured on daily data and expressed in the chosen unit: days, weeks (days / 7,
exactly what the papers call weeks: a customer first buying on 1997-01-01 observed to
1997-09-30 has ``T = 272 / 7 = 38.86``) or months (days / 30.4375, the mean Gregorian
month), or any positive number of days per unit.

With ``calibration_end`` the history is split as in the papers: the summary is computed
on the calibration period (orders up to and including ``calibration_end``) and the
holdout columns count what each calibration-period customer did afterwards, up to
``observation_end``.
"""

from __future__ import annotations

__all__ = [
    "TIME_UNITS",
    "unit_days",
    "clv_summary",
    "calibration_holdout_summary",
]

import numpy as np
import pandas as pd

from ..errors import InputError, MissingColumnsError
from .text import as_text

#: Named time units and their length in days (a month is 365.25 / 12 days).
TIME_UNITS: dict[str, float] = {
    "days": 1.0,
    "weeks": 7.0,
    "months": 365.25 / 12.0,
}
_UNIT_ALIASES = {
    "d": "days", "day": "days", "days": "days", "天": "days", "日": "days",
    "w": "weeks", "week": "weeks", "weeks": "weeks", "周": "weeks", "星期": "weeks",
    "m": "months", "month": "months", "months": "months", "月": "months",
}

_UNKNOWN_IDS = ("未知", "Unknown", "")


def unit_days(unit: str | float) -> float:
    """Length in days of a time unit: 'days', 'weeks', 'months' (also 'D', 'W', 'M', 天/周/月)
    or a positive number of days."""
    if isinstance(unit, (int, float, np.integer, np.floating)) and not isinstance(unit, bool):
        if not np.isfinite(unit) or unit <= 0:
            raise InputError(f"时间单位的天数必须为正数，而不是 {unit!r}",
                             f"the time unit must be a positive number of days, not {unit!r}")
        return float(unit)
    key = _UNIT_ALIASES.get(str(unit).strip().lower())
    if key is None:
        raise InputError(
            f"无法识别的时间单位 {unit!r}：请使用 days（天）、weeks（周）或 months（月）",
            f"unknown time unit {unit!r}: use days, weeks or months",
        )
    return TIME_UNITS[key]


def _prepare(orders: pd.DataFrame, customer_col: str, date_col: str, amount_col: str) -> pd.DataFrame:
    if not isinstance(orders, pd.DataFrame):
        raise InputError("订单数据必须是表格（DataFrame）", "orders must be a DataFrame")
    need = [customer_col, date_col, amount_col]
    MissingColumnsError.check(orders.columns, need, ("订单表", "orders table"))
    ids = orders[customer_col]
    dates = pd.to_datetime(orders[date_col], errors="coerce")
    if getattr(dates.dt, "tz", None) is not None:
        dates = dates.dt.tz_localize(None)
    amounts = pd.to_numeric(orders[amount_col], errors="coerce").astype(float)
    id_text = as_text(ids)
    keep = ids.notna().to_numpy() & dates.notna().to_numpy() & ~id_text.str.strip().isin(_UNKNOWN_IDS).to_numpy()
    return pd.DataFrame({
        "customer_id": id_text[keep].to_numpy(),
        "day": dates[keep].dt.normalize().to_numpy(),
        "amount": amounts[keep].to_numpy(),
    })


def _daily(tx: pd.DataFrame) -> pd.DataFrame:
    """One row per customer and purchase day; same-day amounts added (NaN only if all NaN)."""
    return (tx.groupby(["customer_id", "day"], sort=True, observed=True)["amount"]
              .sum(min_count=1).reset_index())


def _summarise(daily: pd.DataFrame, end: pd.Timestamp, days_per_unit: float) -> pd.DataFrame:
    """Summary of one-row-per-purchase-day data (sorted by customer, day), all days <= end."""
    g = daily.groupby("customer_id", sort=True)
    first = g["day"].transform("min")
    is_repeat = daily["day"].to_numpy() != first.to_numpy()
    rep = daily.loc[is_repeat]
    gr = rep.groupby("customer_id", sort=True)
    out = pd.DataFrame({"first_purchase": g["day"].min(), "last_purchase": g["day"].max()})
    out["frequency"] = gr.size().reindex(out.index, fill_value=0).astype(float)
    out["recency"] = (out["last_purchase"] - out["first_purchase"]).dt.days / days_per_unit
    out["T"] = (end - out["first_purchase"]).dt.days / days_per_unit
    money = gr["amount"].mean().reindex(out.index)
    out["monetary_value"] = np.where(out["frequency"].to_numpy() > 0, money.to_numpy(), 0.0)
    out.index.name = "customer_id"
    return out[["frequency", "recency", "T", "monetary_value", "first_purchase", "last_purchase"]]


def _end_date(value, default: pd.Timestamp, what_zh: str, what_en: str) -> pd.Timestamp:
    if value is None:
        return default
    ts = pd.Timestamp(value)
    if pd.isna(ts):
        raise InputError(f"{what_zh}无效：{value!r}", f"invalid {what_en}: {value!r}")
    return ts.normalize()


def clv_summary(
    orders: pd.DataFrame,
    *,
    observation_end=None,
    unit: str | float = "weeks",
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """Per-customer ``frequency``, ``recency``, ``T``, ``monetary_value`` from orders.

    Parameters
    ----------
    orders : DataFrame
        Cleaned orders with (by default) ``customer_id``, ``order_date``, ``amount``.
        Rows without a date or with an unknown customer ID ("未知"/"Unknown"/empty) are
        ignored; a missing amount still counts as a purchase but not in ``monetary_value``.
    observation_end : date-like, optional
        Last day observed (inclusive). Default: the latest order date. Orders after it are
        ignored.
    unit : {'days', 'weeks', 'months'} or float
        Time unit of ``recency`` and ``T`` (a float is a number of days per unit).
    customer_col, date_col, amount_col : str
        Column names, if not the canonical ones.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (sorted), columns ``frequency``, ``recency``, ``T``,
        ``monetary_value``, ``first_purchase``, ``last_purchase``. ``df.attrs`` records
        ``observation_end`` and ``unit_days``.

    Examples
    --------
    >>> orders = pd.DataFrame({"customer_id": ["C1", "C1", "C1", "C2"],
    ...     "order_date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-15", "2024-01-08"]),
    ...     "amount": [100.0, 50.0, 80.0, 30.0]})
    >>> clv_summary(orders, observation_end="2024-01-29")[["frequency", "recency", "T", "monetary_value"]]
    ... # doctest: +NORMALIZE_WHITESPACE
                 frequency  recency    T  monetary_value
    customer_id
    C1                 1.0      2.0  4.0            80.0
    C2                 0.0      0.0  3.0             0.0
    """
    days_per_unit = unit_days(unit)
    tx = _prepare(orders, customer_col, date_col, amount_col)
    if tx.empty:
        raise InputError("没有可用的订单（需要客户ID和下单日期）",
                         "no usable orders (a customer ID and an order date are needed)")
    end = _end_date(observation_end, tx["day"].max(), "观察期结束日期", "observation end date")
    tx = tx.loc[tx["day"] <= end]
    if tx.empty:
        raise InputError(f"观察期结束日期 {end.date()} 之前没有订单",
                         f"no orders on or before the observation end date {end.date()}")
    out = _summarise(_daily(tx), end, days_per_unit)
    out.attrs.update(observation_end=end, unit_days=days_per_unit)
    return out


def calibration_holdout_summary(
    orders: pd.DataFrame,
    *,
    calibration_end,
    observation_end=None,
    unit: str | float = "weeks",
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """Calibration-period summary plus what each customer did in the holdout period.

    The calibration period is every order up to and including ``calibration_end``; the
    holdout period is the days after it up to ``observation_end`` (default: the latest
    order date). Only customers whose first purchase falls in the calibration period are
    included (the papers' cohort design).

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` with ``frequency_cal``, ``recency_cal``, ``T_cal``,
        ``monetary_value_cal`` (as :func:`clv_summary` on the calibration period),
        ``frequency_holdout`` (purchase days in the holdout period; all of them are repeat
        purchases), ``monetary_value_holdout`` (mean holdout purchase-day amount, 0 if none)
        and ``duration_holdout`` (length of the holdout period in ``unit``).
    """
    days_per_unit = unit_days(unit)
    tx = _prepare(orders, customer_col, date_col, amount_col)
    if tx.empty:
        raise InputError("没有可用的订单（需要客户ID和下单日期）",
                         "no usable orders (a customer ID and an order date are needed)")
    cal_end = _end_date(calibration_end, tx["day"].max(), "校准期结束日期", "calibration end date")
    end = _end_date(observation_end, tx["day"].max(), "观察期结束日期", "observation end date")
    if end <= cal_end:
        raise InputError(
            f"观察期结束日期（{end.date()}）必须晚于校准期结束日期（{cal_end.date()}）",
            f"the observation end ({end.date()}) must be after the calibration end ({cal_end.date()})",
        )
    daily = _daily(tx.loc[tx["day"] <= end])
    cal_daily = daily.loc[daily["day"] <= cal_end]
    if cal_daily.empty:
        raise InputError(f"校准期结束日期 {cal_end.date()} 之前没有订单",
                         f"no orders on or before the calibration end date {cal_end.date()}")
    cal = _summarise(cal_daily, cal_end, days_per_unit)
    hold = daily.loc[daily["day"] > cal_end]
    hg = hold.groupby("customer_id", sort=True)["amount"]
    out = cal.rename(columns={"frequency": "frequency_cal", "recency": "recency_cal", "T": "T_cal",
                              "monetary_value": "monetary_value_cal"})
    out["frequency_holdout"] = hg.size().reindex(out.index, fill_value=0).astype(float)
    out["monetary_value_holdout"] = hg.mean().reindex(out.index).fillna(0.0)
    out["duration_holdout"] = (end - cal_end).days / days_per_unit
    out.attrs.update(calibration_end=cal_end, observation_end=end, unit_days=days_per_unit)
    return out
