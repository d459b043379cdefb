"""Diagnosis and conclusions (seed 004 section 2.5, seed 000 step 4): every sentence is
built from numbers computed here, never canned text.

* :func:`cross_analysis` (问题定位 by 交叉分析): per dimension (industry, region, owner) and
  KPI, the group that deviates most from the median of the other groups, e.g.
  "制造业客户复购率下降幅度达20%，远高于其他行业（中位数下降3%）". KPIs compared:

  - ``repurchase_change`` / ``revenue_change``: relative change of the repurchase rate
    (customers with >= 2 orders / customers with >= 1 order in the period) and of revenue,
    last ``insight_period_months`` months vs the same number of months before;
  - ``nps``, ``complaint_rate``, ``response_rate``: levels over the KPI window.

  A group is compared only with at least ``insight_min_customers`` customers; it is
  ``flagged`` when it is worse than the others' median by at least ``insight_gap_min``
  (a fraction for rates and changes, x100 points for NPS).
* :func:`layer_problems` (问题定位 per layer, from interactions and orders): response
  timeouts (售后响应超时), unresolved complaints, no purchase of new products (未采购新品),
  negative NPS, high churn risk, and valuable customers the BG/NBD model thinks have
  probably left (low P(alive)); each with the customers affected and a cause.
* :func:`conclusions`: findings (including where the predicted customer value sits and how
  many high-value customers have a low P(alive)) and recommendations (strategy per layer
  from the settings, with the customer counts, owners and deadlines), in ``settings.lang``.

Low P(alive)
------------
A customer's P(alive) is "low" below :func:`p_alive_cutoff`, the setting
``insight_p_alive_below`` (default 0.5 -- the point where the model rates the customer more
likely gone than active). The churn *signal* (``churn_p_alive_below``) stays off by default
(docs/clv.md explains why); the diagnosis and the conclusions still report what the model
sees, as a finding rather than a change of anyone's risk level.

:func:`layer_problems` lives in :mod:`crm_xl.core.layer_problems` and the helpers both use
(P(alive) cut-off, number formats) in :mod:`crm_xl.core.insight_common`; this module re-exports
them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..settings import AnalysisSettings
from ..texts import Texts
from .churn import churn_signals
from .insight_common import VALUABLE_GROUPS, _money, _pct, p_alive_cutoff
from .kpis import KPIS, safe_ratio
from .layer_problems import PROBLEM_COLUMNS, layer_problems
from .prepared import Prepared, factorize_objects, factorize_sorted
from .text import as_text

if TYPE_CHECKING:
    from .clv_report import ClvResult

__all__ = ["cross_analysis", "layer_problems", "conclusions", "p_alive_cutoff", "DIAGNOSIS_COLUMNS", "PROBLEM_COLUMNS",
           "CONCLUSION_COLUMNS", "VALUABLE_GROUPS", "CLV_TOP_SHARE"]

DIAGNOSIS_COLUMNS = ("dimension", "group", "kpi", "value", "previous", "others_median", "deviation", "n_customers",
                     "flagged", "text")
CONCLUSION_COLUMNS = ("kind", "topic", "value", "text")

#: the conclusions say how much of the predicted value the top 20% of customers hold (Pareto)
CLV_TOP_SHARE = 0.2

TEXTS = Texts({
    # the dimensions and the two changes cross_analysis computes (the other KPIs are named by KPIS)
    "dims_industry": ("行业", "industries"),
    "dims_region": ("区域", "regions"),
    "dims_owner": ("客户经理", "owners"),
    "dim_industry": ("行业", "industry"),
    "dim_region": ("区域", "region"),
    "dim_owner": ("客户经理", "owner"),
    "kpi_repurchase_change": ("复购率", "repurchase rate"),
    "kpi_revenue_change": ("销售额", "revenue"),
    # a cross-analysis sentence
    "who": ("{group}客户", "{group} customers"),
    "who_owner": ("客户经理{group}名下客户", "customers of {group}"),
    "change": ("{who}{name}{move}{tail}", "{who}: {name} {move}{tail}"),
    "move_fell": ("下降幅度达{p}", "fell by {p}"),
    "move_grew": ("仅增长{p}", "grew only {p}"),
    "median_fell": ("下降{p}", "{p}"),  # (English: the signed change, _SIGNED_MEDIAN)
    "median_grew": ("增长{p}", "{p}"),
    "tail_flagged": ("，远差于其他{dims}（中位数{med}）", ", far worse than other {dims} (median {med})"),
    "tail": ("，其他{dims}中位数{med}", "; other {dims}: median {med}"),
    "level": ("{who}{name}为{value}，{comp}其他{dims}中位数{median}",
              "{who}: {name} {value}, {comp} the median of other {dims} ({median})"),
    "comp_flagged": ("远差于", "far worse than"),
    "comp": ("对比", "vs"),
    # findings
    "window": ("近{m}个月", "over the last {m} months"),
    "window_all": ("全部历史", "over all history"),
    "layer_part": ("{label}{n}位（占{share_n}），贡献{share_r}的购买金额",
                   "{label}: {n} customers ({share_n}), {share_r} of purchases"),
    "layer_sep": ("；", "; "),
    "layers": ("客户分层：{parts}。", "Customer layers: {parts}."),
    "kpis": ("{window}：复购率{rr}，新客户复购率{new_rr}，客单价{aov}，NPS {nps}（推荐者{promoters}、贬损者{detractors}），"
             "投诉率{complaints}，线索-成交转化率{conversion}。",
             "KPIs {window}: repurchase rate {rr}, new-customer repurchase {new_rr}, average order {aov}, NPS {nps} "
             "(promoters {promoters}, detractors {detractors}), complaint rate {complaints}, lead conversion {conversion}."),
    "churn": ("流失预警：高风险客户{n}位（占{share_n}），累计购买金额{amount}（占{share}）{reasons}。",
              "Churn warning: {n} customers at high risk ({share_n}) with {amount} of purchases ({share}){reasons}."),
    "churn_reasons": ("，最常见原因：{reasons}", "; most common: {reasons}"),
    "problem": ("问题定位：{text}。", "Problem: {text}."),
    "funnel": ("销售漏斗：线索{leads:.0f}条 → 商机{opps:.0f}条（转化率{conv1}）→ 成交{deals:.0f}条（转化率{conv2}），"
               "流失最多在{stage_from}→{stage_to}阶段（{lost:.0f}条）。",
               "Funnel: {leads:.0f} leads -> {opps:.0f} opportunities ({conv1}) -> {deals:.0f} deals ({conv2}); "
               "most are lost between {stage_from} and {stage_to} ({lost:.0f})."),
    "trend_repurchase": ("复购率从{a}（{month_a}）变为{b}（{month_b}）", "repurchase rate {a} ({month_a}) -> {b} ({month_b})"),
    "trend_nps": ("NPS从{a:.0f}变为{b:.0f}", "NPS {a:.0f} -> {b:.0f}"),
    "trend_sep": ("，", "; "),
    "trends": ("近{n}个月趋势：{bits}。", "Last {n} months: {bits}."),
    # recommendations
    "list_sep": ("、", ", "),
    "extra_at_risk": ("；全部高流失风险客户{n}位优先处理（金额最高：{ids}）",
                      "; handle all {n} high-risk customers first (largest: {ids})"),
    "strategy": ("{label}（{n}位）：由{owner}负责，{action}，{days}天内完成{extra}。",
                 "{label} ({n} customers): owner {owner}; {action}; within {days} days{extra}."),
    "rec_diagnosis": ("针对{group}（{dim}），安排专属客户成功经理排查{name}原因，目标在{months}个月内"
                      "将{name}{change}拉回到其他{dims}中位数{target}。",
                      "For {group} ({dim}), assign a customer-success manager to find the cause of the "
                      "{name}{change}; target: back to the other {dims}' median ({target}) within {months} months."),
    "rec_change": ("变化", " change"),
    "rec_response_timeouts": ("优化售后流程：{n}位客户发生响应超时，建议将首次响应控制在{h:g}小时内并设置超时提醒。",
                              "Fix after-sales response: {n} customers had timeouts; keep first response within "
                              "{h:g} h and alert on overdue tickets."),
    "rec_no_new_product": ("加强新品推广：向{n}位未采购新品的活跃客户推送试用与培训。",
                           "Promote new products: offer trials and training to {n} active customers who have not "
                           "bought them."),
    # predicted customer value
    "clv_too_few": ("客户价值预测：只有{n:.0f}位客户有重复购买（少于设置 clv_min_repeat_customers 的{min_rep}位），"
                    "数据不足，未做预测。",
                    "Customer value forecast: only {n:.0f} customers have repeat purchases (fewer than "
                    "clv_min_repeat_customers = {min_rep}), too little data; no forecast."),
    "clv_no_fit": ("客户价值预测：购买模型无法拟合，未做预测（原因见「客户价值预测」表）。",
                   "Customer value forecast: the purchase model could not be fitted; no forecast (see the CLV "
                   "Forecast sheet)."),
    "clv_part": ("{label}占{share}", "{label} {share}"),
    "clv_total": ("客户价值预测：未来{h}个月预计客户价值（CLV）合计{total}（{parts}），"
                  "CLV最高的{top:.0%}客户（{k}位）占{share}。",
                  "Customer value forecast: predicted CLV over the next {h} months {total} ({parts}); "
                  "the top {top:.0%} of customers by CLV ({k}) hold {share}."),
    "clv_purchases": ("客户价值预测：未来12个月预计购买{n:,.0f}次；消费金额模型未能拟合，没有CLV（见「客户价值预测」表）。",
                      "Customer value forecast: {n:,.0f} purchases expected over the next 12 months; the spend "
                      "model could not be fitted, so there is no CLV (see the CLV Forecast sheet)."),
    # (Chinese does not name the number of high-value customers: '{n_hv!s:.0}' writes nothing)
    "clv_risk": ("活跃概率：{label}中{cnt}位{n_hv!s:.0}（占{share}）的模型活跃概率低于{cut:.0%}，可能已悄然流失，"
                 "累计购买金额{amount}{quiet}，建议优先回访确认。",
                 "P(alive): {cnt} of the {n_hv} {label} customers ({share}) have "
                 "a model P(alive) below {cut:.0%} and may have quietly left, with {amount} of purchases"
                 "{quiet}; call them back first."),
    "clv_risk_one": ("活跃概率：{label}中{cnt}位{n_hv!s:.0}（占{share}）的模型活跃概率低于{cut:.0%}，可能已悄然流失，"
                     "累计购买金额{amount}{quiet}，建议优先回访确认。",
                     "P(alive): {cnt} of the {n_hv} {label} customers ({share}) has "
                     "a model P(alive) below {cut:.0%} and may have quietly left, with {amount} of purchases"
                     "{quiet}; call them back first."),
    "clv_risk_quiet": ("，其中{quiet}位未被流失预警规则标记", "; {quiet} of them are not flagged by the churn rules"),
    "clv_risk_quiet_one": ("，其中{quiet}位未被流失预警规则标记", "; {quiet} of them is not flagged by the churn rules"),
    "clv_risk_none": ("活跃概率：{n_hv}位{label}的模型活跃概率均不低于{cut:.0%}（最低{lowest}）。",
                      "P(alive): none of the {n_hv} {label} customers has a model P(alive) below {cut:.0%} (lowest "
                      "{lowest})."),
    # the churn signals behind the high risk
    "signal": ("{name}（{n}位）", "{name} ({n})"),
    "signal_frequency_drop": ("购买频次下降", "purchase frequency fell"),
    "signal_inactive": ("长时间未购买", "long time since last purchase"),
    "signal_negative_feedback": ("负面反馈", "negative feedback"),
    "signal_unresolved": ("投诉未解决", "unresolved complaints"),
    "signal_timeouts": ("售后响应超时", "response timeouts"),
})

# how a change is written: English signs it (+3%), Chinese says 下降/增长 with the size (a rule, not a text)
_SIGNED_MEDIAN = {"zh": False, "en": True}

# kpi -> (higher is better, is a change, points scale): the two changes cross_analysis computes
# itself (named in TEXTS), then each KPI of crm_xl.core.kpis declared with diagnose=True (named
# by its KpiDef.word)
_KPI_WORD = {
    "repurchase_change": (True, True, 1.0),
    "revenue_change": (True, True, 1.0),
    **{k.key: (bool(k.higher_is_better), False, k.scale) for k in KPIS if k.diagnose},
}
_KPI_DEF = {k.key: k for k in KPIS if k.diagnose}
# the KPI levels cross_analysis compares across industries, regions and owners
_DIAGNOSED_KPIS = tuple(k.key for k in KPIS if k.diagnose)


def _kpi_name(kpi: str, lang: str) -> str:
    """How a sentence names ``kpi``."""
    if "kpi_" + kpi in TEXTS:
        return TEXTS.lang(lang)("kpi_" + kpi)
    return _KPI_DEF[kpi].word(lang)


def _period_sums(p: Prepared, months: int) -> pd.DataFrame:
    mid, start = p.day_months_before(months), p.day_months_before(2 * months)
    n_cur, n_prev = p.facts.orders_between(mid), p.facts.orders_between(start, mid)
    return pd.DataFrame({
        "buyers_cur": (n_cur >= 1).astype(float), "repeat_cur": (n_cur >= 2).astype(float),
        "buyers_prev": (n_prev >= 1).astype(float), "repeat_prev": (n_prev >= 2).astype(float),
        "revenue_cur": p.facts.amount_between(mid),
        "revenue_prev": p.facts.amount_between(start, mid),
    }, index=p.ids)


def _median_of_others(v: np.ndarray) -> np.ndarray:
    """For each ``j``: ``np.median(np.delete(v, j))`` (the same numbers), from one sort.
    ``v`` has at least two values and no NaN."""
    n = v.size
    order = np.argsort(v, kind="stable")
    sv = v[order]
    pos = np.empty(n, dtype=np.intp)
    pos[order] = np.arange(n)  # where each value sits in sorted order

    def kth(k: int) -> np.ndarray:  # the k-th smallest of the others, for every j
        return np.where(k < pos, sv[k], sv[min(k + 1, n - 1)])

    m = n - 1
    if m % 2:
        return kth(m // 2)
    return (kth(m // 2 - 1) + kth(m // 2)) / 2


def cross_analysis(prepared: Prepared, base: pd.DataFrame, settings: AnalysisSettings,
                   kpis_by_dimension: pd.DataFrame | None = None) -> pd.DataFrame:
    """The most deviating group per (dimension, KPI); see the module docstring.

    Parameters
    ----------
    prepared : Prepared
    base : DataFrame
        :func:`crm_xl.core.kpis.kpi_base` output (grouping columns and customer counts).
    settings : AnalysisSettings
    kpis_by_dimension : DataFrame, optional
        :func:`crm_xl.core.kpis.kpi_table` rows for the dimensions (for the level KPIs).

    Returns
    -------
    DataFrame
        Columns :data:`DIAGNOSIS_COLUMNS`, flagged rows first, then by size of deviation.
        ``value``/``previous`` are the group's KPI (for changes: the relative change and
        the previous period's rate or revenue), ``deviation`` = value - others_median
        (signed so that negative is worse).
    """
    s = settings
    per = _period_sums(prepared, s.insight_period_months)
    # buyer/repeat flags are 0/1 and the customer column 1 per row: their group sums are
    # counts (np.bincount: exact, the same numbers as pandas' sums); revenues through pandas
    flags = ("buyers_cur", "repeat_cur", "buyers_prev", "repeat_prev")
    per_flags = {c: per[c].to_numpy(dtype=float) for c in flags}
    ones = bool((base["customers"].to_numpy(dtype=float) == 1.0).all()) if "customers" in base else False
    rows = []
    for dim in ("industry", "region", "owner"):
        if dim not in base:
            continue
        codes, groups = factorize_sorted(base[dim].to_numpy(dtype=object))  # = pd.factorize(sort=True)
        known = codes >= 0  # a missing group name is left out, as groupby does
        kc = codes[known]
        rev = per[["revenue_cur", "revenue_prev"]]
        gr = (rev[known] if not known.all() else rev).groupby(pd.Index(kc)).sum()  # (Index key: see kpis.kpi_wide)
        if np.array_equal(gr.index.to_numpy(), np.arange(len(groups))):
            g = pd.DataFrame({c: np.bincount(kc, weights=per_flags[c][known], minlength=len(groups)) if c in flags
                              else gr[c].to_numpy() for c in per.columns}, index=gr.index)
        else:  # (a group without rows: pandas' own index)
            g = per[known].groupby(pd.Index(kc)).sum()
        if ones and len(g) == len(groups):
            n = pd.Series(np.bincount(kc, minlength=len(groups)).astype(float), index=g.index, name="customers")
        else:
            n = base["customers"][known].groupby(kc).sum()
        g.index = n.index = pd.Index(np.asarray(groups, dtype=object)[g.index.to_numpy()])
        rate_cur = np.atleast_1d(safe_ratio(g["repeat_cur"], g["buyers_cur"]))
        rate_prev = np.atleast_1d(safe_ratio(g["repeat_prev"], g["buyers_prev"]))
        metrics = {
            "repurchase_change": (np.atleast_1d(safe_ratio(rate_cur - rate_prev, rate_prev)), rate_prev),
            "revenue_change": (np.atleast_1d(safe_ratio(g["revenue_cur"] - g["revenue_prev"], g["revenue_prev"])),
                               g["revenue_prev"].to_numpy(dtype=float)),
        }
        if kpis_by_dimension is not None and len(kpis_by_dimension):
            kd = kpis_by_dimension[kpis_by_dimension["dimension"] == dim]
            wanted = _DIAGNOSED_KPIS
            kd = kd[kd["kpi"].isin(wanted)]
            level = dict(zip(zip(kd["kpi"].tolist(), kd["group"].tolist(), strict=True), kd["value"].tolist(), strict=True))
            if len(level) < len(kd):  # repeated groups: reindex would refuse them
                raise ValueError("cannot reindex on an axis with duplicate labels")
            for k in wanted:
                v = np.array([level.get((k, grp), np.nan) for grp in g.index], dtype=float)
                metrics[k] = (v, np.full(len(v), np.nan))
        for kpi, (values, previous) in metrics.items():
            higher_better, is_change, scale = _KPI_WORD[kpi]
            ok = (n.to_numpy(dtype=float) >= s.insight_min_customers) & ~np.isnan(values)
            if ok.sum() < 2:
                continue
            idx = np.flatnonzero(ok)
            v = values[idx]
            sign = 1.0 if higher_better else -1.0
            devs = sign * (v - _median_of_others(v))
            w = int(np.argmin(devs))
            gi = idx[w]
            others_med = float(np.median(np.delete(v, w)))
            dev = float(devs[w])
            flagged = dev <= -s.insight_gap_min * scale
            group = str(g.index[gi])
            rows.append({
                "dimension": dim, "group": group, "kpi": kpi, "value": float(v[w]), "previous": float(previous[gi]),
                "others_median": others_med, "deviation": dev, "n_customers": float(n.iloc[gi]), "flagged": bool(flagged),
                "text": _cross_text(dim, group, kpi, float(v[w]), others_med, flagged, s.lang),
                "_norm": dev / scale,
            })
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype="bool" if c == "flagged" else ("float64" if c in (
            "value", "previous", "others_median", "deviation", "n_customers") else "str")) for c in DIAGNOSIS_COLUMNS})
    out = pd.DataFrame(rows).sort_values(["flagged", "_norm"], ascending=[False, True], kind="stable")
    out = out.drop(columns="_norm").reset_index(drop=True)
    for c in ("dimension", "group", "kpi", "text"):
        out[c] = as_text(out[c])
    return out[list(DIAGNOSIS_COLUMNS)]


def _cross_text(dim: str, group: str, kpi: str, value: float, median: float, flagged: bool, lang: str) -> str:
    t = TEXTS.lang(lang)
    higher_better, is_change, scale = _KPI_WORD[kpi]
    name, dims = _kpi_name(kpi, lang), t("dims_" + dim)
    who = t("who", group=group) if dim != "owner" else t("who_owner", group=group)
    if is_change:
        move = t("move_fell", p=_pct(-value)) if value < 0 else t("move_grew", p=_pct(value))
        if _SIGNED_MEDIAN[t.lang]:
            med = t("median_fell" if median < 0 else "median_grew", p=_pct(median, True))
        else:
            med = t("median_fell", p=_pct(-median)) if median < 0 else t("median_grew", p=_pct(median))
        tail = t("tail_flagged" if flagged else "tail", dims=dims, med=med)
        return t("change", who=who, name=name, move=move, tail=tail)
    fmt = (lambda x: f"{x:.0f}") if kpi == "nps" else _pct
    return t("level", who=who, name=name, value=fmt(value), comp=t.comp_flagged if flagged else t.comp, dims=dims,
             median=fmt(median))


def _layer_finding(layers: pd.DataFrame, s: AnalysisSettings) -> list[tuple[str, str, float, str]]:
    """The layer structure finding: customers and revenue per layer ([] without layers)."""
    t = TEXTS.lang(s.lang)
    if not len(layers):
        return []
    total_rev, n_all = float(layers["monetary"].sum()), len(layers)
    order = [k for k, _ in s.layer_labels_zh]
    # = layers.groupby("layer").agg(n=size, rev=sum), grouped by integer codes
    lcodes, lkeys = factorize_sorted(layers["layer"].to_numpy(dtype=object))
    known = lcodes >= 0
    money = layers["monetary"] if known.all() else layers["monetary"][known]
    g = money.groupby(lcodes[known]).agg(["size", "sum"]).rename(columns={"size": "n", "sum": "rev"})
    g.index = pd.Index(np.asarray(lkeys, dtype=object)[g.index.to_numpy()], name="layer")
    g = g.reindex(sorted(g.index, key=lambda k: order.index(k) if k in order else len(order)))
    parts = []
    for key, r in g.iterrows():
        share_n, share_r = r.n / n_all, safe_ratio(r.rev, total_rev)
        parts.append(t("layer_part", label=s.layer_label(key), n=int(r.n), share_n=_pct(share_n),
                       share_r=_pct(share_r)))
    return [("conclusion", "layers", float(g.iloc[0].n / n_all), t("layers", parts=t.layer_sep.join(parts)))]


def _kpi_and_churn_findings(kpis: pd.DataFrame, churn: pd.DataFrame, high: pd.DataFrame,
                            s: AnalysisSettings) -> list[tuple[str, str, float, str]]:
    """The KPI finding, then the churn warning (``high``: the customers at high risk)."""
    t = TEXTS.lang(s.lang)
    zh = t.zh  # (amounts in 万: _money)
    out: list[tuple[str, str, float, str]] = []
    kv = dict(zip(kpis["kpi"], kpis["value"], strict=True)) if len(kpis) else {}
    window = t("window", m=s.kpi_window_months) if s.kpi_window_months else t.window_all
    if kv:
        text = t("kpis", window=window, rr=_pct(kv.get("repurchase_rate", np.nan)),
                 new_rr=_pct(kv.get("new_customer_repurchase_rate", np.nan)), aov=_money(kv.get("aov", np.nan), zh),
                 nps=_num(kv.get("nps", np.nan)), promoters=_pct(kv.get("promoter_share", np.nan)),
                 detractors=_pct(kv.get("detractor_share", np.nan)), complaints=_pct(kv.get("complaint_rate", np.nan)),
                 conversion=_pct(kv.get("lead_conversion_rate", np.nan)))
        out.append(("conclusion", "kpis", float(kv.get("repurchase_rate", np.nan)), text))
    if len(churn):
        amount = float(high["monetary"].sum()) if len(high) else 0.0
        share = safe_ratio(amount, float(churn["monetary"].sum()))
        reasons = _top_signal(high, s.lang, s)
        text = t("churn", n=len(high), share_n=_pct(len(high) / len(churn)), amount=_money(amount, zh),
                 share=_pct(share), reasons=t("churn_reasons", reasons=reasons) if reasons else "")
        out.append(("conclusion", "churn", float(len(high)), text))
    return out


def _funnel_and_trend_findings(funnel: pd.DataFrame, trends: pd.DataFrame,
                               s: AnalysisSettings) -> list[tuple[str, str, float, str]]:
    """The funnel finding (its leakiest step), then the trends of repurchase rate and NPS."""
    t = TEXTS.lang(s.lang)
    out: list[tuple[str, str, float, str]] = []
    if len(funnel) and funnel["count"].iloc[0] > 0:
        c = funnel["count"].to_numpy(dtype=float)
        conv = funnel["conversion_from_previous"].to_numpy(dtype=float)
        lost = funnel["lost_from_previous"].to_numpy(dtype=float)
        worst = 1 if (np.nan_to_num(lost[1]) >= np.nan_to_num(lost[2])) else 2
        lab = funnel["stage_label"].tolist()
        text = t("funnel", leads=c[0], opps=c[1], conv1=_pct(conv[1]), deals=c[2], conv2=_pct(conv[2]),
                 stage_from=lab[worst - 1], stage_to=lab[worst], lost=lost[worst])
        out.append(("conclusion", "funnel", float(conv[2]) if not np.isnan(conv[2]) else np.nan, text))
    if len(trends):
        rr = trends.dropna(subset=["repurchase_rate"])
        nn = trends.dropna(subset=["nps"])
        bits = []
        if len(rr) >= 2:
            a, b = rr["repurchase_rate"].iloc[0], rr["repurchase_rate"].iloc[-1]
            bits.append(t("trend_repurchase", a=_pct(a), month_a=rr["month"].iloc[0], b=_pct(b),
                          month_b=rr["month"].iloc[-1]))
        if len(nn) >= 2:
            a, b = nn["nps"].iloc[0], nn["nps"].iloc[-1]
            bits.append(t("trend_nps", a=a, b=b))
        if bits:
            out.append(("conclusion", "trends", np.nan, t("trends", n=len(trends), bits=t.trend_sep.join(bits))))
    return out


def _recommendations(layers: pd.DataFrame, high: pd.DataFrame, flagged: pd.DataFrame, problems: pd.DataFrame,
                     s: AnalysisSettings) -> list[tuple[str, str, float, str]]:
    """The recommendations: the strategy per layer with its customer counts, one per flagged
    cross-analysis group (up to three), then for timeouts and new products."""
    t = TEXTS.lang(s.lang)
    out: list[tuple[str, str, float, str]] = []
    if len(layers):
        gcodes, gkeys = factorize_objects(layers["layer_group"].to_numpy(dtype=object))  # = groupby().size()
        ok = gcodes >= 0
        counts = dict(zip(np.asarray(gkeys, dtype=object), np.bincount(gcodes[ok], minlength=len(gkeys)).tolist(), strict=True))
        for st in s.strategies:
            n = int(counts.get(st.layer, 0))
            if n == 0:
                continue
            lab = s.layer_label(st.layer)
            extra = ""
            if st.layer == "at_risk" and len(high):
                top_ids = t.list_sep.join(high["customer_id"].head(3))
                extra = t("extra_at_risk", n=len(high), ids=top_ids)
            text = t("strategy", label=lab, n=n, owner=st.owner_role_zh if t.zh else st.owner_role_en,
                     action=st.action_zh if t.zh else st.action_en, days=st.deadline_days, extra=extra)
            out.append(("recommendation", st.layer, float(n), text))
    for _, r in flagged.head(3).iterrows():
        higher_better, is_change, scale = _KPI_WORD[r["kpi"]]
        target = r["others_median"]
        tgt = (f"{target:.0f}" if r["kpi"] == "nps" else _pct(target, is_change))
        text = t("rec_diagnosis", group=r["group"], dim=t("dim_" + r["dimension"]), name=_kpi_name(r["kpi"], s.lang),
                 months=s.insight_period_months, change=t.rec_change if is_change else "",
                 dims=t("dims_" + r["dimension"]), target=tgt)
        out.append(("recommendation", "diagnosis", float(target), text))
    if len(problems):
        for prob in ("response_timeouts", "no_new_product"):
            rows = problems[problems["problem"] == prob]
            if len(rows):
                n = int(rows["customers_affected"].sum())
                out.append(("recommendation", prob, float(n), t("rec_" + prob, n=n, h=s.churn_timeout_hours)))
    return out


def conclusions(*, settings: AnalysisSettings, layers: pd.DataFrame, kpis: pd.DataFrame, churn: pd.DataFrame,
                funnel: pd.DataFrame, trends: pd.DataFrame, diagnosis: pd.DataFrame,
                problems: pd.DataFrame, clv: "ClvResult | None" = None) -> pd.DataFrame:
    """Findings (``kind`` = "conclusion") and recommendations ("recommendation"), each one
    sentence built from the numbers passed in; ``value`` is the sentence's key number.

    Findings in order: layers, KPIs, churn warning, predicted customer value (with ``clv``,
    see :func:`_clv_sentences`), up to three flagged cross-analysis groups, funnel, trends.

    Returns
    -------
    DataFrame
        Columns :data:`CONCLUSION_COLUMNS` in reading order.
    """
    s = settings
    t = TEXTS.lang(s.lang)
    high = churn[churn["risk"].to_numpy(dtype=object) == "high"] if len(churn) else churn
    out = _layer_finding(layers, s) + _kpi_and_churn_findings(kpis, churn, high, s)
    if clv is not None:  # predicted customer value (BG/NBD + Gamma-Gamma)
        out.extend(_clv_sentences(clv, layers, churn, s))
    flagged = diagnosis[diagnosis["flagged"]] if len(diagnosis) else diagnosis
    for _, r in flagged.head(3).iterrows():
        out.append(("conclusion", "diagnosis", float(r["value"]), t("problem", text=r["text"])))
    out += _funnel_and_trend_findings(funnel, trends, s) + _recommendations(layers, high, flagged, problems, s)
    frame = pd.DataFrame(out, columns=list(CONCLUSION_COLUMNS))
    for c in ("kind", "topic", "text"):
        frame[c] = as_text(frame[c])
    return frame


def _layer_groups(layer: pd.Series, layers: pd.DataFrame) -> pd.Series:
    """``layer`` mapped to its layer group as in ``layers`` ('' when unknown): by integer
    codes of the few distinct layers (the layers table has a row per customer)."""
    if not len(layers) or "layer_group" not in layers:
        return layer.map({}).fillna("")
    lay = layers["layer"].to_numpy(dtype=object)
    codes, keys = factorize_objects(lay)
    wanted, wkeys = factorize_objects(layer.to_numpy(dtype=object))
    if (codes < 0).any() or (wanted < 0).any():  # missing layers: the plain mapping
        group_of = dict(zip(lay.tolist(), layers["layer_group"].to_numpy(dtype=object).tolist(), strict=True))
        return layer.map(group_of).fillna("")
    last = np.empty(len(keys), dtype=np.intp)
    last[codes] = np.arange(codes.size)  # (a dict built row by row keeps the last row's group)
    grp = layers["layer_group"].to_numpy(dtype=object)[last]
    group_of = dict(zip(list(keys), grp.tolist(), strict=True))
    mapped = pd.Series([group_of.get(k, np.nan) for k in wkeys], dtype=object).fillna("")  # (fillna per layer)
    return pd.Series(mapped.to_numpy()[wanted], index=layer.index, name=layer.name)


def _clv_sentences(clv: "ClvResult", layers: pd.DataFrame, churn: pd.DataFrame,
                   s: AnalysisSettings) -> list[tuple[str, str, float, str]]:
    """The conclusions' sentences on predicted customer value (topics ``clv`` and
    ``clv_risk``).

    * status 'ok': ``clv`` -- the total CLV over ``clv_horizon_months``, its share per layer
      group (high value / potential / regular / at risk, in that order) and the share held
      by the top :data:`CLV_TOP_SHARE` (20%) of customers by CLV (``ceil(0.2 n)`` customers,
      ``value`` = that share);
    * status 'partial' (no spend model): ``clv`` -- expected purchases over the next 12
      months instead;
    * both: ``clv_risk`` -- how many customers of the high-value group have P(alive) below
      :func:`p_alive_cutoff`, their purchase amount and how many of them the churn rules
      rate low risk (``value`` = that count); omitted without high-value customers;
    * status 'unavailable': one ``clv`` sentence saying why (too few repeat customers, or
      the fit failed), ``value`` NaN.
    """
    t = TEXTS.lang(s.lang)
    zh = t.zh  # (amounts in 万: _money)
    if not clv.ok:
        fit = dict(zip(clv.fit["item"], clv.fit["value"], strict=True)) if len(clv.fit) else {}
        n_rep = fit.get("repeat_customers", np.nan)
        min_rep = max(s.clv_min_repeat_customers, 1)
        if np.isfinite(n_rep) and n_rep < min_rep:
            text = t("clv_too_few", n=n_rep, min_rep=min_rep)
        else:
            text = t.clv_no_fit
        return [("conclusion", "clv", np.nan, text)]
    pred = clv.predictions
    out: list[tuple[str, str, float, str]] = []
    h = s.clv_horizon_months
    groups = _layer_groups(pred["layer"], layers)
    value = pred["clv"].to_numpy(dtype=float)
    if clv.status == "ok" and np.isfinite(value).any():
        total = float(np.nansum(value))
        k = int(np.ceil(CLV_TOP_SHARE * len(pred)))
        desc = np.nan_to_num(value, nan=0.0)
        if not bool((desc[1:] > desc[:-1]).any()):  # the predictions come sorted by CLV: no sort needed
            top = float(np.nansum(desc[:k]))
        else:
            top = float(np.nansum(np.sort(desc)[::-1][:k]))
        top_share = safe_ratio(top, total)
        gcodes, gkeys = factorize_sorted(groups.to_numpy(dtype=object))  # = groupby(groups, sort=True)
        if (gcodes >= 0).all():
            by = pd.Series(value).groupby(gcodes).sum()
            by.index = pd.Index(np.asarray(gkeys, dtype=object)[by.index.to_numpy()])
        else:
            by = pd.Series(value).groupby(groups.to_numpy()).sum()
        order = [g for g in ("high_value", "potential", "regular", "at_risk") if g in by.index]
        order += [g for g in by.index if g not in order and g]
        parts = t.list_sep.join(t("clv_part", label=s.layer_label(g), share=_pct(safe_ratio(by[g], total)))
                                for g in order)
        text = t("clv_total", h=h, total=_money(total, zh), parts=parts, top=CLV_TOP_SHARE, k=k, share=_pct(top_share))
        out.append(("conclusion", "clv", float(top_share), text))
    else:
        tot12 = float(np.nansum(pred["purchases_12m"].to_numpy(dtype=float)))
        text = t("clv_purchases", n=tot12)
        out.append(("conclusion", "clv", tot12, text))
    hv = groups.to_numpy() == "high_value"
    n_hv = int(hv.sum())
    if n_hv:
        cut = p_alive_cutoff(s)
        alive = pred["p_alive"].to_numpy(dtype=float)
        low = hv & (alive < cut)
        cnt = int(low.sum())
        label = s.layer_label("high_value")
        if cnt:
            ids = as_text(pd.Index(pred["customer_id"].to_numpy()[low]))
            by_id = layers.set_index(as_text(layers["customer_id"]))["monetary"] if len(layers) else pd.Series()
            amount = float(np.nansum(by_id.reindex(ids).to_numpy(dtype=float)))
            risk = (pd.Series(churn["risk"].to_numpy(dtype=object), index=as_text(churn["customer_id"]))
                    if len(churn) else pd.Series(dtype=object))
            quiet = int((risk.reindex(ids) == "low").sum())
            quiet_part = t("clv_risk_quiet_one" if quiet == 1 else "clv_risk_quiet", quiet=quiet) if quiet else ""
            text = t("clv_risk_one" if cnt == 1 else "clv_risk", label=label, cnt=cnt, n_hv=n_hv,
                     share=_pct(cnt / n_hv), cut=cut, amount=_money(amount, zh), quiet=quiet_part)
        else:
            text = t("clv_risk_none", n_hv=n_hv, label=label, cut=cut, lowest=_pct(float(np.nanmin(alive[hv]))))
        out.append(("conclusion", "clv_risk", float(cnt), text))
    return out


def _num(x: float) -> str:
    return "—" if np.isnan(x) else f"{x:.0f}"


def _top_signal(high: pd.DataFrame, lang: str, settings: AnalysisSettings) -> str:
    if len(high) == 0:
        return ""
    t = TEXTS.lang(lang)
    # recount the indicators from the numeric columns the churn table carries
    days, gap, last, prev, neg, unres, tmo = (pd.to_numeric(high[c], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
                                              for c in ("days_since_last", "usual_gap_days", "orders_last", "orders_prev",
                                                        "negative_feedback", "unresolved_complaints", "response_timeouts"))
    sig = churn_signals(days, gap, last, prev, neg, unres, tmo, settings)
    counts = {k: int(v.sum()) for k, v in sig.items()}
    best = sorted(counts.items(), key=lambda kv: -kv[1])[:2]
    return t.list_sep.join(t("signal", name=t("signal_" + k), n=v) for k, v in best if v > 0)
