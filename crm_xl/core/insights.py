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

_DIM_WORD = {"industry": ("行业", "industries"), "region": ("区域", "regions"), "owner": ("客户经理", "owners")}
# kpi -> (zh name, en name, higher is better, is a change, points scale): the two changes
# cross_analysis computes itself, then each KPI of crm_xl.core.kpis declared with diagnose=True
_KPI_WORD = {
    "repurchase_change": ("复购率", "repurchase rate", True, True, 1.0),
    "revenue_change": ("销售额", "revenue", True, True, 1.0),
    **{k.key: (k.word("zh"), k.word("en"), bool(k.higher_is_better), False, k.scale) for k in KPIS if k.diagnose},
}
# the KPI levels cross_analysis compares across industries, regions and owners
_DIAGNOSED_KPIS = tuple(k.key for k in KPIS if k.diagnose)


def _period_sums(p: Prepared, months: int) -> pd.DataFrame:
    mid, start = p.day_months_before(months), p.day_months_before(2 * months)
    cur, c_cur = p.window(mid)
    prev, c_prev = p.window(start, mid)
    n_cur, n_prev = p.orders_between(mid), p.orders_between(start, mid)
    return pd.DataFrame({
        "buyers_cur": (n_cur >= 1).astype(float), "repeat_cur": (n_cur >= 2).astype(float),
        "buyers_prev": (n_prev >= 1).astype(float), "repeat_prev": (n_prev >= 2).astype(float),
        "revenue_cur": p.count(c_cur, p.o_amount[cur]),
        "revenue_prev": p.count(c_prev, p.o_amount[prev]),
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
    zh = s.lang == "zh"
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
            name_zh, name_en, higher_better, is_change, scale = _KPI_WORD[kpi]
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
                "text": _cross_text(dim, group, kpi, float(v[w]), others_med, flagged, zh),
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


def _cross_text(dim: str, group: str, kpi: str, value: float, median: float, flagged: bool, zh: bool) -> str:
    name_zh, name_en, higher_better, is_change, scale = _KPI_WORD[kpi]
    dz, de = _DIM_WORD[dim]
    who_zh = f"{group}客户" if dim != "owner" else f"客户经理{group}名下客户"
    who_en = f"{group} customers" if dim != "owner" else f"customers of {group}"
    if is_change:
        if zh:
            move = f"下降幅度达{_pct(-value)}" if value < 0 else f"仅增长{_pct(value)}"
            med = f"下降{_pct(-median)}" if median < 0 else f"增长{_pct(median)}"
            tail = f"，远差于其他{dz}（中位数{med}）" if flagged else f"，其他{dz}中位数{med}"
            return f"{who_zh}{name_zh}{move}{tail}"
        move = f"fell by {_pct(-value)}" if value < 0 else f"grew only {_pct(value)}"
        med = f"{_pct(median, True)}"
        tail = f", far worse than other {de} (median {med})" if flagged else f"; other {de}: median {med}"
        return f"{who_en}: {name_en} {move}{tail}"
    fmt = (lambda x: f"{x:.0f}") if kpi == "nps" else _pct
    if zh:
        comp = "远差于" if flagged else "对比"
        return f"{who_zh}{name_zh}为{fmt(value)}，{comp}其他{dz}中位数{fmt(median)}"
    comp = "far worse than" if flagged else "vs"
    return f"{who_en}: {name_en} {fmt(value)}, {comp} the median of other {de} ({fmt(median)})"


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
    zh = s.lang == "zh"
    out: list[tuple[str, str, float, str]] = []
    kv = dict(zip(kpis["kpi"], kpis["value"], strict=True)) if len(kpis) else {}
    window = (f"近{s.kpi_window_months}个月" if zh else f"over the last {s.kpi_window_months} months") \
        if s.kpi_window_months else ("全部历史" if zh else "over all history")
    # layer structure
    if len(layers):
        total_rev = float(layers["monetary"].sum())
        n_all = len(layers)
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
            parts.append(f"{s.layer_label(key)}{int(r.n)}位（占{_pct(share_n)}），贡献{_pct(share_r)}的购买金额" if zh else
                         f"{s.layer_label(key)}: {int(r.n)} customers ({_pct(share_n)}), {_pct(share_r)} of purchases")
        out.append(("conclusion", "layers", float(g.iloc[0].n / n_all),
                    ("客户分层：" + "；".join(parts) + "。") if zh else ("Customer layers: " + "; ".join(parts) + ".")))
    # KPIs
    if kv:
        if zh:
            text = (f"{window}：复购率{_pct(kv.get('repurchase_rate', np.nan))}，新客户复购率"
                    f"{_pct(kv.get('new_customer_repurchase_rate', np.nan))}，客单价{_money(kv.get('aov', np.nan), True)}，"
                    f"NPS {_num(kv.get('nps', np.nan))}（推荐者{_pct(kv.get('promoter_share', np.nan))}、贬损者"
                    f"{_pct(kv.get('detractor_share', np.nan))}），投诉率{_pct(kv.get('complaint_rate', np.nan))}，"
                    f"线索-成交转化率{_pct(kv.get('lead_conversion_rate', np.nan))}。")
        else:
            text = (f"KPIs {window}: repurchase rate {_pct(kv.get('repurchase_rate', np.nan))}, new-customer repurchase "
                    f"{_pct(kv.get('new_customer_repurchase_rate', np.nan))}, average order "
                    f"{_money(kv.get('aov', np.nan), False)}, NPS {_num(kv.get('nps', np.nan))} (promoters "
                    f"{_pct(kv.get('promoter_share', np.nan))}, detractors {_pct(kv.get('detractor_share', np.nan))}), "
                    f"complaint rate {_pct(kv.get('complaint_rate', np.nan))}, lead conversion "
                    f"{_pct(kv.get('lead_conversion_rate', np.nan))}.")
        out.append(("conclusion", "kpis", float(kv.get("repurchase_rate", np.nan)), text))
    # churn
    high = churn[churn["risk"].to_numpy(dtype=object) == "high"] if len(churn) else churn
    if len(churn):
        amount = float(high["monetary"].sum()) if len(high) else 0.0
        share = safe_ratio(amount, float(churn["monetary"].sum()))
        reasons = _top_signal(high, zh, s)
        text = (f"流失预警：高风险客户{len(high)}位（占{_pct(len(high) / len(churn))}），累计购买金额{_money(amount, True)}"
                f"（占{_pct(share)}）" + (f"，最常见原因：{reasons}" if reasons else "") + "。" if zh else
                f"Churn warning: {len(high)} customers at high risk ({_pct(len(high) / len(churn))}) with "
                f"{_money(amount, False)} of purchases ({_pct(share)})" + (f"; most common: {reasons}" if reasons else "") + ".")
        out.append(("conclusion", "churn", float(len(high)), text))
    # predicted customer value (BG/NBD + Gamma-Gamma)
    if clv is not None:
        out.extend(_clv_sentences(clv, layers, churn, s))
    # diagnosis
    flagged = diagnosis[diagnosis["flagged"]] if len(diagnosis) else diagnosis
    for _, r in flagged.head(3).iterrows():
        out.append(("conclusion", "diagnosis", float(r["value"]), ("问题定位：" if zh else "Problem: ") + r["text"] +
                    ("。" if zh else ".")))
    # funnel
    if len(funnel) and funnel["count"].iloc[0] > 0:
        c = funnel["count"].to_numpy(dtype=float)
        conv = funnel["conversion_from_previous"].to_numpy(dtype=float)
        lost = funnel["lost_from_previous"].to_numpy(dtype=float)
        worst = 1 if (np.nan_to_num(lost[1]) >= np.nan_to_num(lost[2])) else 2
        lab = funnel["stage_label"].tolist()
        text = (f"销售漏斗：线索{c[0]:.0f}条 → 商机{c[1]:.0f}条（转化率{_pct(conv[1])}）→ 成交{c[2]:.0f}条（转化率{_pct(conv[2])}），"
                f"流失最多在{lab[worst - 1]}→{lab[worst]}阶段（{lost[worst]:.0f}条）。" if zh else
                f"Funnel: {c[0]:.0f} leads -> {c[1]:.0f} opportunities ({_pct(conv[1])}) -> {c[2]:.0f} deals "
                f"({_pct(conv[2])}); most are lost between {lab[worst - 1]} and {lab[worst]} ({lost[worst]:.0f}).")
        out.append(("conclusion", "funnel", float(conv[2]) if not np.isnan(conv[2]) else np.nan, text))
    # trends
    if len(trends):
        rr = trends.dropna(subset=["repurchase_rate"])
        nn = trends.dropna(subset=["nps"])
        bits = []
        if len(rr) >= 2:
            a, b = rr["repurchase_rate"].iloc[0], rr["repurchase_rate"].iloc[-1]
            bits.append(f"复购率从{_pct(a)}（{rr['month'].iloc[0]}）变为{_pct(b)}（{rr['month'].iloc[-1]}）" if zh else
                        f"repurchase rate {_pct(a)} ({rr['month'].iloc[0]}) -> {_pct(b)} ({rr['month'].iloc[-1]})")
        if len(nn) >= 2:
            a, b = nn["nps"].iloc[0], nn["nps"].iloc[-1]
            bits.append(f"NPS从{a:.0f}变为{b:.0f}" if zh else f"NPS {a:.0f} -> {b:.0f}")
        if bits:
            out.append(("conclusion", "trends", np.nan,
                        (f"近{len(trends)}个月趋势：" + "，".join(bits) + "。") if zh else
                        (f"Last {len(trends)} months: " + "; ".join(bits) + ".")))
    # recommendations: per layer strategy with counts
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
                top_ids = "、".join(high["customer_id"].head(3)) if zh else ", ".join(high["customer_id"].head(3))
                extra = (f"；全部高流失风险客户{len(high)}位优先处理（金额最高：{top_ids}）" if zh else
                         f"; handle all {len(high)} high-risk customers first (largest: {top_ids})")
            text = (f"{lab}（{n}位）：由{st.owner_role_zh}负责，{st.action_zh}，{st.deadline_days}天内完成{extra}。" if zh else
                    f"{lab} ({n} customers): owner {st.owner_role_en}; {st.action_en}; within {st.deadline_days} "
                    f"days{extra}.")
            out.append(("recommendation", st.layer, float(n), text))
    for _, r in flagged.head(3).iterrows():
        name_zh, name_en, higher_better, is_change, scale = _KPI_WORD[r["kpi"]]
        dz, de = _DIM_WORD[r["dimension"]]
        target = r["others_median"]
        tgt = (f"{target:.0f}" if r["kpi"] == "nps" else _pct(target, is_change))
        text = (f"针对{r['group']}（{dz}），安排专属客户成功经理排查{name_zh}原因，目标在{s.insight_period_months}个月内"
                f"将{name_zh}{'变化' if is_change else ''}拉回到其他{dz}中位数{tgt}。" if zh else
                f"For {r['group']} ({r['dimension']}), assign a customer-success manager to find the cause of the "
                f"{name_en}{' change' if is_change else ''}; target: back to the other {de}' median ({tgt}) within "
                f"{s.insight_period_months} months.")
        out.append(("recommendation", "diagnosis", float(target), text))
    if len(problems):
        for prob, (zt, et) in {
            "response_timeouts": ("优化售后流程：{n}位客户发生响应超时，建议将首次响应控制在{h:g}小时内并设置超时提醒",
                                  "Fix after-sales response: {n} customers had timeouts; keep first response within "
                                  "{h:g} h and alert on overdue tickets"),
            "no_new_product": ("加强新品推广：向{n}位未采购新品的活跃客户推送试用与培训",
                               "Promote new products: offer trials and training to {n} active customers who have not "
                               "bought them"),
        }.items():
            rows = problems[problems["problem"] == prob]
            if len(rows):
                n = int(rows["customers_affected"].sum())
                out.append(("recommendation", prob, float(n),
                            (zt if zh else et).format(n=n, h=s.churn_timeout_hours) + ("。" if zh else ".")))
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
    zh = s.lang == "zh"
    if not clv.ok:
        fit = dict(zip(clv.fit["item"], clv.fit["value"], strict=True)) if len(clv.fit) else {}
        n_rep = fit.get("repeat_customers", np.nan)
        min_rep = max(s.clv_min_repeat_customers, 1)
        if np.isfinite(n_rep) and n_rep < min_rep:
            text = (f"客户价值预测：只有{n_rep:.0f}位客户有重复购买（少于设置 clv_min_repeat_customers 的{min_rep}位），"
                    "数据不足，未做预测。" if zh else
                    f"Customer value forecast: only {n_rep:.0f} customers have repeat purchases (fewer than "
                    f"clv_min_repeat_customers = {min_rep}), too little data; no forecast.")
        else:
            text = ("客户价值预测：购买模型无法拟合，未做预测（原因见「客户价值预测」表）。" if zh else
                    "Customer value forecast: the purchase model could not be fitted; no forecast (see the CLV "
                    "Forecast sheet).")
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
        sep = "、" if zh else ", "
        parts = sep.join(f"{s.layer_label(g)}占{_pct(safe_ratio(by[g], total))}" if zh else
                         f"{s.layer_label(g)} {_pct(safe_ratio(by[g], total))}" for g in order)
        text = (f"客户价值预测：未来{h}个月预计客户价值（CLV）合计{_money(total, True)}（{parts}），"
                f"CLV最高的{CLV_TOP_SHARE:.0%}客户（{k}位）占{_pct(top_share)}。" if zh else
                f"Customer value forecast: predicted CLV over the next {h} months {_money(total, False)} ({parts}); "
                f"the top {CLV_TOP_SHARE:.0%} of customers by CLV ({k}) hold {_pct(top_share)}.")
        out.append(("conclusion", "clv", float(top_share), text))
    else:
        tot12 = float(np.nansum(pred["purchases_12m"].to_numpy(dtype=float)))
        text = (f"客户价值预测：未来12个月预计购买{tot12:,.0f}次；消费金额模型未能拟合，没有CLV（见「客户价值预测」表）。" if zh
                else f"Customer value forecast: {tot12:,.0f} purchases expected over the next 12 months; the spend "
                "model could not be fitted, so there is no CLV (see the CLV Forecast sheet).")
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
            text = (f"活跃概率：{label}中{cnt}位（占{_pct(cnt / n_hv)}）的模型活跃概率低于{cut:.0%}，可能已悄然流失，"
                    f"累计购买金额{_money(amount, True)}" + (f"，其中{quiet}位未被流失预警规则标记" if quiet else "")
                    + "，建议优先回访确认。" if zh else
                    f"P(alive): {cnt} of the {n_hv} {label} customers ({_pct(cnt / n_hv)}) {'has' if cnt == 1 else 'have'} "
                    f"a model P(alive) below {cut:.0%} and may have quietly left, with {_money(amount, False)} of purchases"
                    + (f"; {quiet} of them {'is' if quiet == 1 else 'are'} not flagged by the churn rules" if quiet else "")
                    + "; call them back first.")
        else:
            text = (f"活跃概率：{n_hv}位{label}的模型活跃概率均不低于{cut:.0%}（最低{_pct(float(np.nanmin(alive[hv])))}）。"
                    if zh else
                    f"P(alive): none of the {n_hv} {label} customers has a model P(alive) below {cut:.0%} (lowest "
                    f"{_pct(float(np.nanmin(alive[hv])))}).")
        out.append(("conclusion", "clv_risk", float(cnt), text))
    return out


def _num(x: float) -> str:
    return "—" if np.isnan(x) else f"{x:.0f}"


def _top_signal(high: pd.DataFrame, zh: bool, settings: AnalysisSettings) -> str:
    if len(high) == 0:
        return ""
    names = {"frequency_drop": ("购买频次下降", "purchase frequency fell"),
             "inactive": ("长时间未购买", "long time since last purchase"),
             "negative_feedback": ("负面反馈", "negative feedback"),
             "unresolved": ("投诉未解决", "unresolved complaints"),
             "timeouts": ("售后响应超时", "response timeouts")}
    # recount the indicators from the numeric columns the churn table carries
    days, gap, last, prev, neg, unres, tmo = (pd.to_numeric(high[c], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
                                              for c in ("days_since_last", "usual_gap_days", "orders_last", "orders_prev",
                                                        "negative_feedback", "unresolved_complaints", "response_timeouts"))
    sig = churn_signals(days, gap, last, prev, neg, unres, tmo, settings)
    counts = {k: int(v.sum()) for k, v in sig.items()}
    best = sorted(counts.items(), key=lambda kv: -kv[1])[:2]
    return ("、" if zh else ", ").join(f"{names[k][0 if zh else 1]}（{v}位）" if zh else f"{names[k][1]} ({v})"
                                       for k, v in best if v > 0)
