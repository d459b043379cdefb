"""Customer layers (客户层级) and remarks (备注).

Three layering modes (``settings.layer_mode``):

* ``"score"`` (default, seed 004 Template 1): the RFM total against
  ``settings.score_layer_thresholds`` (top-down, minimum total inclusive).
* ``"rules"`` (seed 000 step 3): the first of ``settings.layer_rules`` whose bounds all
  hold, with frequency and amount counted over ``settings.rule_window_months`` (the
  seed's 年度); customers matching no rule get the named fallback layer ``unclassified``
  ("未匹配规则客户"), never dropped.
* ``"rfm11"``: the 11-segment R x FM map (see :data:`RFM11_GRID`).

Every mode also fills ``layer_group``, one of the four seed layers (high_value /
potential / regular / at_risk, or unclassified) so per-layer strategies still apply in
rfm11 mode (:data:`RFM11_TO_LAYER`).

Remarks follow Template 1's examples, each from one explainable rule with thresholds from
the settings (defaults in brackets):

* 超过6个月未购买: recency > ``remark_inactive_days`` (180);
* 近3个月未下单: ``remark_no_order_days`` (90) < recency <= ``remark_inactive_days``;
* 近2个月购买频次下降: fewer orders in the last ``remark_trend_days`` (60) days than in the
  same number of days before, which had at least one;
* 新客户: first purchase within ``remark_new_days`` (90) days.
"""

from __future__ import annotations

__all__ = [
    "assign_layers",
    "layer_by_score",
    "layer_by_rules",
    "layer_by_rfm11",
    "fm_score",
    "customer_remarks",
    "remark_texts",
    "RFM11_GRID",
    "RFM11_TO_LAYER",
]

import numpy as np
import pandas as pd

from ..settings import AnalysisSettings
from ..texts import LangTexts, Texts
from .prepared import Prepared, factorize_objects
from .text import text_array

# The 11-segment R x FM map. The segment list (Champions, Loyal, Potential Loyalist, New,
# Promising, Need Attention, About to Sleep, At Risk, Can't Lose Them, Hibernating, Lost)
# is the widely used one popularised by Putler ("RFM analysis for successful customer
# segmentation", putler.com). Score ranges as published in the churned.io documentation
# ("RFM-Model", docs.churned.io, R vs F&M): Champion R4-5/FM4-5, Loyalist R2-5/FM3-5,
# Potential Loyalist R3-5/FM1-3, New R4-5/FM0-1, Need Attention R2-3/FM2-3, At Risk
# R0-2/FM2-5, Hibernating R1-2/FM1-2, Lost R0-2/FM0-2; Putler's remaining three: Promising
# R3-4/FM<=1, About to Sleep R2-3/FM<=2, Can't Lose Them R<=1/FM4-5.
# The published ranges overlap; here each of the 25 cells gets exactly one segment (rows
# R = 5..1, columns FM = 1..5), the more specific segment winning an overlap, so every
# customer lands in exactly one segment. FM = round-half-up of (F + M) / 2.
RFM11_GRID = (
    # FM=1            2                     3                     4              5
    ("new_customers", "potential_loyalist", "loyal", "champions", "champions"),  # R=5
    ("promising", "potential_loyalist", "loyal", "champions", "champions"),  # R=4
    ("about_to_sleep", "need_attention", "need_attention", "loyal", "loyal"),  # R=3
    ("hibernating", "hibernating", "at_risk_rfm", "at_risk_rfm", "at_risk_rfm"),  # R=2
    ("lost", "lost", "at_risk_rfm", "cant_lose", "cant_lose"),  # R=1
)

RFM11_TO_LAYER = {
    "champions": "high_value", "loyal": "high_value",
    "potential_loyalist": "potential", "new_customers": "potential", "promising": "potential",
    "need_attention": "regular", "about_to_sleep": "regular",
    "at_risk_rfm": "at_risk", "cant_lose": "at_risk", "hibernating": "at_risk", "lost": "at_risk",
}


def layer_by_score(total, settings: AnalysisSettings) -> np.ndarray:
    """Layer keys from RFM totals (score mode). NaN totals -> 'unclassified'."""
    t = np.asarray(total, dtype=float)
    keys = np.array([k for k, _ in settings.score_layer_thresholds] + ["unclassified"], dtype=object)
    pick = np.full(t.shape, len(keys) - 1)  # position in keys, filled rule by rule
    undecided = ~np.isnan(t)
    for i, (_, minimum) in enumerate(settings.score_layer_thresholds):
        hit = undecided & (t >= minimum)
        pick[hit] = i
        undecided &= ~hit
    return np.asarray(keys[pick], dtype=object)


def layer_by_rules(recency_days, frequency_per_year, monetary, settings: AnalysisSettings) -> np.ndarray:
    """Layer keys by seed 000's business rules (first matching rule wins, all bounds
    inclusive); no match -> 'unclassified'. NaN never satisfies a bound."""
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


def fm_score(f, m) -> np.ndarray:
    """The FM score of the R x FM map: (F + M) / 2 rounded half up, in 1..5 (NaN -> NaN)."""
    f = np.asarray(f, dtype=float)
    m = np.asarray(m, dtype=float)
    return np.clip(np.floor((f + m) / 2 + 0.5), 1, 5)


def layer_by_rfm11(r, f, m) -> np.ndarray:
    """Segment keys of the 11-segment R x FM map (:data:`RFM11_GRID`) from R, F, M scores
    1-5. Any NaN score -> 'unclassified'."""
    r = np.asarray(r, dtype=float)
    fm = fm_score(f, m)
    ok = ~(np.isnan(r) | np.isnan(fm))
    grid = np.array(RFM11_GRID, dtype=object)
    out = np.full(r.shape, "unclassified", dtype=object)
    ri = (5 - np.clip(r[ok], 1, 5)).astype(int)
    ci = (fm[ok] - 1).astype(int)
    out[ok] = grid[ri, ci]
    return out


TEXTS = Texts({
    # a span of days, as the remarks say it (180 -> "6个月", "6 months")
    "months": ("{n}个月", "{n} months"),
    "months_one": ("{n}个月", "{n} month"),
    "days": ("{n}天", "{n} days"),
    # the remarks
    "inactive": ("超过{period}未购买", "no purchase for over {period}"),
    "no_order": ("近{period}未下单", "no order in the last {period}"),
    "freq_drop": ("近{period}购买频次下降", "purchase frequency fell in the last {period}"),
    "new": ("新客户", "new customer"),
    "sep": ("；", "; "),
})


def _period(days: int, t: LangTexts) -> str:
    months, rest = divmod(int(days), 30)
    if rest == 0 and months > 0:
        return t("months" if months > 1 else "months_one", n=months)
    return t("days", n=int(days))


def remark_texts(settings: AnalysisSettings, lang: str | None = None) -> dict[str, str]:
    """The remark texts by key ('inactive', 'no_order', 'freq_drop', 'new') in ``lang``,
    worded from the settings' thresholds (180 days -> "超过6个月未购买")."""
    t = TEXTS.lang(lang or settings.lang)
    s = settings
    return {
        "inactive": t("inactive", period=_period(s.remark_inactive_days, t)),
        "no_order": t("no_order", period=_period(s.remark_no_order_days, t)),
        "freq_drop": t("freq_drop", period=_period(s.remark_trend_days, t)),
        "new": t.new,
    }


def _remarks_from_arrays(recency, n_recent, n_before, first_age, settings: AnalysisSettings, lang: str) -> np.ndarray:
    s = settings
    texts = remark_texts(s, lang)
    rules = [
        (recency > s.remark_inactive_days, texts["inactive"]),
        ((recency > s.remark_no_order_days) & (recency <= s.remark_inactive_days), texts["no_order"]),
        ((n_before > 0) & (n_recent < n_before), texts["freq_drop"]),
        (first_age <= s.remark_new_days, texts["new"]),
    ]
    sep = TEXTS.lang(lang).sep
    # which rules fired, as a 4-bit code per customer -> one of 16 precomputed texts
    code = np.zeros(len(recency), dtype=np.int64)
    for bit, (mask, _) in enumerate(rules):
        code |= np.asarray(mask, dtype=bool).astype(np.int64) << bit
    table = np.array([sep.join(t for b, (_, t) in enumerate(rules) if k >> b & 1) for k in range(1 << len(rules))],
                     dtype=object)
    return table[code]


def customer_remarks(rfm: pd.DataFrame, orders: pd.DataFrame | None, as_of: pd.Timestamp, lang: str | None = None,
                     settings: AnalysisSettings | None = None, *, prepared: Prepared | None = None) -> pd.Series:
    """Template 1 remarks per customer (joined with '；'), aligned to ``rfm``'s rows.

    ``rfm`` needs ``customer_id``, ``recency_days`` and ``first_purchase_date``; order
    counts for the frequency-drop rule come from ``prepared`` when given, else ``orders``.
    """
    settings = settings or AnalysisSettings()
    lang = lang or settings.lang
    trend = settings.remark_trend_days
    if prepared is not None:
        p = prepared
        codes = p.codes_of(rfm["customer_id"])
        recent_all = p.facts.orders_between(p.today - trend - 1)
        before_all = p.facts.orders_between(p.today - 2 * trend - 1, p.today - trend - 1)
        n_recent = np.where(codes >= 0, recent_all[codes], 0.0)
        n_before = np.where(codes >= 0, before_all[codes], 0.0)
    else:
        if orders is None:
            raise TypeError("remarks need orders or prepared")
        o = orders[orders["order_date"] <= as_of]
        age = (as_of - o["order_date"]).dt.days
        recent = o[age <= trend].groupby("customer_id").size()
        before = o[(age > trend) & (age <= 2 * trend)].groupby("customer_id").size()
        n_recent = recent.reindex(rfm["customer_id"]).fillna(0).to_numpy(dtype=float)
        n_before = before.reindex(rfm["customer_id"]).fillna(0).to_numpy(dtype=float)
    rec = rfm["recency_days"].to_numpy(dtype=float)
    first = rfm["first_purchase_date"]
    if first.dtype == "datetime64[ns]":  # whole days before the analysis date, NaT -> NaN
        delta = np.datetime64(pd.Timestamp(as_of).to_datetime64(), "ns") - first.to_numpy()
        with np.errstate(invalid="ignore"):  # (NaT)
            first_age = (delta // np.timedelta64(1, "D")).astype(float)
        first_age[np.isnat(delta)] = np.nan
    else:
        first_age = (as_of - pd.to_datetime(first)).dt.days.to_numpy(dtype=float, na_value=np.nan)
    texts = _remarks_from_arrays(rec, n_recent, n_before, first_age, settings, lang)
    return pd.Series(texts, index=rfm.index, dtype="str")


def assign_layers(rfm: pd.DataFrame, orders: pd.DataFrame | None, as_of: pd.Timestamp, settings: AnalysisSettings,
                  *, prepared: Prepared | None = None) -> pd.DataFrame:
    """``rfm`` (from :func:`crm_xl.core.rfm.rfm_table`) plus ``layer`` (key),
    ``layer_label`` (in ``settings.lang``), ``layer_group`` (seed layer for strategies)
    and ``remark``.

    In rules mode the rules see ``rule_frequency`` and ``rule_monetary`` (orders and
    amount over the last ``settings.rule_window_months`` months), added as columns.
    """
    out = rfm.copy(deep=False)  # columns are added, never modified (copy on write)
    if settings.layer_mode == "rules":
        if prepared is not None:
            p = prepared
            start = p.day_months_before(settings.rule_window_months)
            codes = p.codes_of(out["customer_id"])
            f_all, m_all = p.facts.orders_between(start), p.facts.amount_between(start)
            f12 = np.where(codes >= 0, f_all[codes], 0.0)
            m12 = np.where(codes >= 0, m_all[codes], 0.0)
        else:
            if orders is None:
                raise TypeError("rule layers need orders or prepared")
            o = orders[(orders["order_date"] <= as_of)
                       & (orders["order_date"] > as_of - pd.DateOffset(months=settings.rule_window_months))]
            g = o.groupby("customer_id")
            f12 = g.size().reindex(out["customer_id"]).fillna(0).to_numpy(dtype=float)
            m12 = g["amount"].sum().reindex(out["customer_id"]).fillna(0).to_numpy(dtype=float)
        # seed 000 speaks of 年度合作频次 and 金额: per year over the rule window
        years = settings.rule_window_months / 12
        out["rule_frequency"] = f12 / years
        out["rule_monetary"] = m12 / years
        layer = layer_by_rules(out["recency_days"], out["rule_frequency"], out["rule_monetary"], settings)
        group = layer
    elif settings.layer_mode == "rfm11":
        layer = layer_by_rfm11(out["r_score"], out["f_score"], out["m_score"])
        group = np.array([RFM11_TO_LAYER.get(k, "unclassified") for k in layer], dtype=object)
    else:
        layer = layer_by_score(out["rfm_total"], settings)
        group = layer
    codes, keys = factorize_objects(layer)  # labels looked up once per distinct layer
    labels = np.array([settings.layer_label(k) for k in keys], dtype=object)
    out["layer"] = text_array(layer)
    out["layer_label"] = text_array(labels[codes])
    out["layer_group"] = text_array(group)
    out["remark"] = customer_remarks(out, orders, as_of, settings.lang, settings, prepared=prepared)
    return out
