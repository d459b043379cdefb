"""Customer layers (客户层级) and remarks (备注).

* Score mode (default, seed 004 Template 1): the RFM total against
  ``settings.score_layer_thresholds`` (top-down, minimum total inclusive).
* Rule mode (seed 000 step 3): the first of ``settings.layer_rules`` whose bounds all
  hold; customers matching no rule get the named fallback layer ``unclassified``
  ("未匹配规则客户"), never dropped.

Remarks follow Template 1's examples, each from one explainable rule:
超过6个月未购买 (recency > 180 days), 近3个月未下单 (90 < recency <= 180),
近2个月购买频次下降 (fewer orders in the last 60 days than in the 60 before),
新客户 (first purchase within the last 90 days).
"""

from __future__ import annotations

__all__ = ["assign_layers", "layer_by_score", "layer_by_rules", "customer_remarks"]

import numpy as np
import pandas as pd

from ..settings import AnalysisSettings


def layer_by_score(total, settings: AnalysisSettings) -> np.ndarray:
    """Layer keys from RFM totals (score mode). NaN totals -> 'unclassified'."""
    t = np.asarray(total, dtype=float)
    out = np.full(t.shape, "unclassified", dtype=object)
    undecided = ~np.isnan(t)
    for key, minimum in settings.score_layer_thresholds:
        hit = undecided & (t >= minimum)
        out[hit] = key
        undecided &= ~hit
    return out


def layer_by_rules(recency_days, frequency_per_year, monetary, settings: AnalysisSettings) -> np.ndarray:
    """Layer keys by seed 000's business rules; no match -> 'unclassified'."""
    r = np.asarray(recency_days, dtype=float)
    f = np.asarray(frequency_per_year, dtype=float)
    m = np.asarray(monetary, dtype=float)
    out = np.full(r.shape, "unclassified", dtype=object)
    undecided = np.ones(r.shape, dtype=bool)
    for rule in settings.layer_rules:
        ok = undecided.copy()
        for values, lo, hi in ((r, rule.recency_days_min, rule.recency_days_max),
                               (f, rule.frequency_min, rule.frequency_max),
                               (m, rule.monetary_min, rule.monetary_max)):
            if lo is not None:
                ok &= values >= lo
            if hi is not None:
                ok &= values <= hi
        out[ok] = rule.layer
        undecided &= ~ok
    return out


def customer_remarks(rfm: pd.DataFrame, orders: pd.DataFrame, as_of: pd.Timestamp, lang: str = "zh") -> pd.Series:
    """Template 1 remarks per customer (joined with '；'), aligned to ``rfm``'s rows."""
    o = orders[orders["order_date"] <= as_of]
    age = (as_of - o["order_date"]).dt.days
    recent = o[age <= 60].groupby("customer_id").size()
    before = o[(age > 60) & (age <= 120)].groupby("customer_id").size()
    ids = rfm["customer_id"]
    n_recent = recent.reindex(ids).fillna(0).to_numpy()
    n_before = before.reindex(ids).fillna(0).to_numpy()
    rec = rfm["recency_days"].to_numpy(dtype=float)
    first_age = (as_of - pd.to_datetime(rfm["first_purchase_date"])).dt.days.to_numpy(dtype=float)
    zh = lang == "zh"
    rules = [
        (rec > 180, "超过6个月未购买" if zh else "no purchase for over 6 months"),
        ((rec > 90) & (rec <= 180), "近3个月未下单" if zh else "no order in the last 3 months"),
        ((n_before > 0) & (n_recent < n_before), "近2个月购买频次下降" if zh else "purchase frequency fell in the last 2 months"),
        (first_age <= 90, "新客户" if zh else "new customer"),
    ]
    texts = np.full(len(ids), "", dtype=object)
    sep = "；" if zh else "; "
    for mask, text in rules:
        texts = np.where(mask, np.where(texts == "", text, texts + sep + text), texts)
    return pd.Series(texts, index=rfm.index, dtype="str")


def assign_layers(rfm: pd.DataFrame, orders: pd.DataFrame, as_of: pd.Timestamp, settings: AnalysisSettings) -> pd.DataFrame:
    """``rfm`` plus ``layer`` (key), ``layer_label`` (in settings.lang) and ``remark``."""
    out = rfm.copy()
    if settings.layer_mode == "rules":
        # seed 000 speaks of 年度合作频次 and 金额: count the 12 months up to the analysis date
        o = orders[(orders["order_date"] <= as_of) & (orders["order_date"] > as_of - pd.DateOffset(months=12))]
        g = o.groupby("customer_id")
        f12 = g.size().reindex(out["customer_id"]).fillna(0).to_numpy(dtype=float)
        m12 = g["amount"].sum().reindex(out["customer_id"]).fillna(0).to_numpy(dtype=float)
        out["layer"] = layer_by_rules(out["recency_days"], f12, m12, settings)
    else:
        out["layer"] = layer_by_score(out["rfm_total"], settings)
    out["layer_label"] = [settings.layer_label(k) for k in out["layer"]]
    out["remark"] = customer_remarks(out, orders, as_of, settings.lang)
    return out
