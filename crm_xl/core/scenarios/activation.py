"""New-customer activation (新客户快速融入与激活, seed 000 scenario 3): time to the second order,
activation rate, who needs attention."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ...settings import AnalysisSettings
from ...texts import Texts
from ..dataset import CrmData
from ..prepared import Prepared, prepared_for
from .common import _as_of, _pct, _texts

ACTIVATION_COLUMNS = ("customer_id", "customer_name", "owner", "first_order_date", "first_amount",
                      "second_order_date", "days_to_second", "days_since_first", "status", "status_label")


TEXTS = Texts({
    # the customers' status
    "status_activated": ("已激活", "Activated"),
    "status_late": ("延迟激活", "Activated late"),
    "status_watch": ("观察期", "Watching"),
    "status_attention": ("需关注", "Needs attention"),
    "status_inactive": ("未激活", "Not activated"),
    # the summary's metrics
    "metric_new_customers": ("新客户数", "New customers"),
    "metric_eligible": ("首购满激活期的客户数", "Past the activation window"),
    "metric_activated": ("已激活客户数", "Activated"),
    "metric_activation_rate": ("激活率", "Activation rate"),
    "metric_median_days_to_second": ("二次购买间隔中位数（天）", "Median days to 2nd order"),
    "metric_needs_attention": ("需关注客户数", "Need attention"),
    # notes and conclusions
    "no_orders": ("没有订单数据，无法分析新客户激活。", "No orders: new-customer activation cannot be analysed."),
    "no_new": ("近{days}天没有新客户（首次购买）。", "No new customers (first purchase) in the last {days} days."),
    "rate": ("近{days}天新客户 {n} 位；首购满{window}天的 {n_elig} 位中 {act} 位已在{window}天内再次购买，激活率 {rate}。",
             "{n} new customers in the last {days} days; of the {n_elig} whose first order is "
             "at least {window} days old, {act} bought again within {window} days: activation rate {rate}."),
    "attention": ("{n} 位新客户首购超过{days}天仍未再次购买，建议由负责人安排回访、产品培训或试用。",
                  "{n} new customers have not bought again {days}+ days after "
                  "their first order: have the owner call, train or offer a trial."),
})


@dataclass(frozen=True, eq=False)
class Activation:
    """New-customer activation: ``customers`` (:data:`ACTIVATION_COLUMNS`, those needing
    attention first), ``summary`` (``metric``, ``label``, ``value``), ``note``."""

    customers: pd.DataFrame
    summary: pd.DataFrame
    note: str
    conclusions: tuple[str, ...] = field(default_factory=tuple)


def new_customer_activation(data: CrmData, settings: AnalysisSettings | None = None, *, as_of=None,
                            prepared=None) -> Activation:
    """Time to second order and activation of new customers.

    New customers: first order within ``new_customer_days`` (180) of the analysis date.
    Second order: the first order on a later day than the first. Status: 已激活 (second
    order within ``activation_days``, 60), 延迟激活 (later), and without a second order:
    观察期 (first order at most ``activation_attention_days``, 30, ago), 需关注 (up to
    ``activation_days`` ago), 未激活 (longer). Activation rate = 已激活 / new customers whose
    first order is at least ``activation_days`` old (the others cannot have failed yet).

    ``prepared``: the analysis's :class:`~crm_xl.core.prepared.Prepared` of ``data``, whose
    order facts give the first orders; used when its analysis date is ``as_of``, else
    ``data`` is prepared here.
    """
    s = settings or AnalysisSettings()
    t = TEXTS.lang(s.lang)
    as_of = _as_of(data, s, as_of)
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in ACTIVATION_COLUMNS})
    if as_of is None or data.order_count == 0:
        return Activation(empty, _summary([], s.lang), t.no_orders)
    p = prepared_for(data, s, as_of, prepared)
    first, first_amount, second = _first_orders(p)
    new = first[first > as_of - pd.Timedelta(days=int(s.new_customer_days))]
    if len(new) == 0:
        return Activation(empty, _summary([], s.lang), t("no_new", days=s.new_customer_days))
    ids = new.index.astype(str)
    sec = second.reindex(ids)
    d2 = (sec - new.to_numpy()).dt.days.to_numpy(dtype=float)
    since = (as_of - new).dt.days.to_numpy(dtype=float)
    status = np.where(~np.isnan(d2), np.where(d2 <= s.activation_days, "activated", "late"),
                      np.where(since <= s.activation_attention_days, "watch",
                               np.where(since <= s.activation_days, "attention", "inactive")))
    cust = data.customers.drop_duplicates("customer_id")
    cust = cust.set_index(cust["customer_id"].astype(str))
    out = pd.DataFrame({
        "customer_id": ids,
        "customer_name": _texts(cust["customer_name"].reindex(ids)).to_numpy() if "customer_name" in cust else "",
        "owner": _texts(cust["owner"].reindex(ids)).to_numpy() if "owner" in cust else "",
        "first_order_date": new.to_numpy(), "first_amount": first_amount.reindex(ids).to_numpy(),
        "second_order_date": sec.to_numpy(), "days_to_second": d2, "days_since_first": since,
        "status": status, "status_label": [t("status_" + k) for k in status],
    })
    order = {"attention": 0, "inactive": 1, "watch": 2, "late": 3, "activated": 4}
    out = out.assign(_o=out["status"].map(order)).sort_values(["_o", "days_since_first"], ascending=[True, False],
                                                              kind="stable").drop(columns="_o").reset_index(drop=True)
    eligible = since >= s.activation_days
    n_elig = int(eligible.sum())
    act_elig = int(((status == "activated") & eligible).sum())
    metrics = [
        ("new_customers", len(out)),
        ("eligible", n_elig),
        ("activated", int((status == "activated").sum())),
        ("activation_rate", act_elig / n_elig if n_elig else np.nan),
        ("median_days_to_second", float(np.nanmedian(d2)) if np.isfinite(d2).any() else np.nan),
        ("needs_attention", int(np.isin(status, ["attention", "inactive"]).sum())),
    ]
    summ = _summary(metrics, s.lang)
    rate = metrics[3][1]
    concl = []
    concl.append(t("rate", days=s.new_customer_days, n=len(out), window=s.activation_days, n_elig=n_elig, act=act_elig,
                   rate=_pct(rate)))
    need = metrics[5][1]
    if need:
        concl.append(t("attention", n=need, days=s.activation_attention_days))
    return Activation(out, summ, "", tuple(concl))


def _first_orders(p: Prepared) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Per customer with orders (index: customer_id, sorted): the first order day, the amount
    of the first order (the earliest row of that day), and the first later order day
    (customers with one only), from the order facts of a :class:`~crm_xl.core.prepared.Prepared`."""
    codes, first_day, first_amount, has, second_day = p.facts.first_orders()

    def by_id(cs: np.ndarray, values: np.ndarray, name: str) -> pd.Series:
        o = np.argsort(p.id_rank[cs], kind="stable")  # customers in the order of their IDs' texts
        return pd.Series(values[o], index=pd.Index(p.id_array[cs[o]], name="customer_id"), name=name)

    stamp = (lambda d: d.astype("datetime64[D]").astype("datetime64[ns]"))
    return (by_id(codes, stamp(first_day), "order_date"), by_id(codes, first_amount, "amount"),
            by_id(has, stamp(second_day), "order_date"))


def _summary(metrics: list[tuple[str, float]], lang: str) -> pd.DataFrame:
    t = TEXTS.lang(lang)
    return pd.DataFrame({"metric": [m for m, _ in metrics],
                         "label": [t("metric_" + m) for m, _ in metrics],
                         "value": pd.Series([float(v) if v == v else np.nan for _, v in metrics], dtype=float)})
