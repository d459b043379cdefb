"""The 问题诊断 sheet (seed 004 section 2.5 交叉分析, seed 000 step 4 问题定位): problems per
layer, then the cross analysis by industry, region and owner with the group that deviates
most from the others, each as a sentence built from the numbers beside it."""

from __future__ import annotations

__all__ = ["diagnosis_sheet"]

import numpy as np

from ..core.analysis import AnalysisResult
from ..core.insights import p_alive_cutoff
from ..settings import AnalysisSettings
from ..sheet_names import sheet_name
from ..texts import LangTexts, Texts
from .common import title_blocks
from .spec import ColumnSpec, ConditionalFormat, SheetSpec, TableBlock, stack

TEXTS = Texts({
    # the names of the dimensions, KPIs and problems in the tables (key: dim_/kpi_/problem_ + the
    # analysis's key; a key without a text is shown as it is)
    "dim_industry": ("行业", "Industry"),
    "dim_region": ("区域", "Region"),
    "dim_owner": ("客户经理", "Owner"),
    "kpi_repurchase_change": ("复购率变化", "Repurchase rate change"),
    "kpi_revenue_change": ("销售额变化", "Revenue change"),
    "kpi_nps": ("NPS", "NPS"),
    "kpi_complaint_rate": ("投诉率", "Complaint rate"),
    "kpi_response_rate": ("互动响应率", "Response rate"),
    "problem_response_timeouts": ("售后响应超时", "Slow after-sales response"),
    "problem_unresolved": ("投诉未解决", "Unresolved complaints"),
    "problem_no_new_product": ("未采购新品", "No new products bought"),
    "problem_low_nps": ("NPS 偏低", "Low NPS"),
    "problem_high_churn_risk": ("高流失风险", "High churn risk"),
    "problem_low_p_alive": ("活跃概率偏低", "Low P(alive)"),
    # the problems by layer
    "layer_label": ("客户层级", "Layer"),
    "problem_label": ("问题", "Problem"),
    "customers_affected": ("涉及客户数", "Customers affected"),
    "share": ("占该层客户", "Share of layer"),
    "problem_text": ("问题定位", "Finding"),
    "problems_title": ("各层级问题定位", "Problems by layer"),
    # the cross analysis
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "dimension_label": ("维度", "Dimension"),
    "group": ("分组", "Group"),
    "kpi_label": ("指标", "KPI"),
    "flag_text": ("显著异常", "Flagged"),
    "cross_text": ("结论", "Finding"),
    "value_pct": ("本期值/变化", "Value / change"),
    "others_median_pct": ("其他组中位数", "Others' median"),
    "deviation_pct": ("偏离", "Deviation"),
    "value_pts": ("NPS", "NPS"),
    "others_median_pts": ("其他组NPS中位数", "Others' NPS median"),
    "previous_money": ("上期销售额(元)", "Previous revenue (CNY)"),
    "n_customers": ("客户数", "Customers"),
    "cross_title": ("交叉分析（行业 / 区域 / 客户经理）", "Cross analysis (industry / region / owner)"),
    # the sheet
    "title": ("问题诊断", "Diagnosis"),
    "note": ("变化 = 近{p}个月与之前{p}个月相比；水平指标（NPS、投诉率、响应率）按 KPI 统计期计算。"
             "客户数少于 {min_customers} 的分组不参与比较；比其他组中位数差 {gap:.0%}"
             "（NPS 为该值×100 分）以上标记为显著异常。",
             "Change = last {p} months vs the {p} before; levels (NPS, complaint and response rates) over the KPI "
             "period. Groups under {min_customers} customers are not compared; a group worse than the "
             "others' median by {gap:.0%} (x100 points for NPS) is flagged."),
    "note_p_alive": ("活跃概率偏低：高价值、潜力层级中至少 {n} 位客户的模型活跃概率（见「客户价值预测」）低于 {cut:.0%}"
                     "（设置 insight_p_alive_below；50% 即模型判断其流失的可能大于活跃）。",
                     "Low P(alive): at least {n} customers of a high-value or potential layer have a model P(alive) "
                     "(CLV Forecast sheet) below {cut:.0%} (setting insight_p_alive_below; 50% = more likely gone "
                     "than active)."),
})


def _label(t: LangTexts, kind: str, key):
    """The name of a dimension, KPI or problem (``kind``) of the analysis; its key when it has none."""
    name = f"{kind}_{key}"
    return t(name) if name in TEXTS else key


def diagnosis_sheet(result: AnalysisResult) -> SheetSpec:
    s = result.settings
    t = TEXTS.lang(s.lang)
    probs = result.problems.copy()
    probs["problem_label"] = [_label(t, "problem", p) for p in probs["problem"]]
    prob_cols = (
        ColumnSpec("layer_label", t.layer_label),
        ColumnSpec("problem_label", t.problem_label),
        ColumnSpec("customers_affected", t.customers_affected, "int"),
        ColumnSpec("share", t.share, "percent"),
        ColumnSpec("text", t.problem_text, width=80, wrap=True),
    )
    d = result.diagnosis.copy()
    d["dimension_label"] = [_label(t, "dim", x) for x in d["dimension"]]
    d["kpi_label"] = [_label(t, "kpi", x) for x in d["kpi"]]
    yes, no = t.yes, t.no
    d["flag_text"] = np.where(d["flagged"].astype(bool), yes, no) if len(d) else []
    # rates and changes as percent; NPS as points: one text-free numeric column each
    is_nps = d["kpi"] == "nps"
    for col in ("value", "previous", "others_median", "deviation"):
        d[col + "_pct"] = d[col].where(~is_nps)
        d[col + "_pts"] = d[col].where(is_nps)
    d.loc[d["kpi"] == "revenue_change", "previous_pct"] = np.nan  # previous revenue is money, shown below
    d["previous_money"] = d["previous"].where(d["kpi"] == "revenue_change")
    cross_cols = (
        ColumnSpec("dimension_label", t.dimension_label),
        ColumnSpec("group", t.group),
        ColumnSpec("kpi_label", t.kpi_label),
        ColumnSpec("flag_text", t.flag_text, align="center"),
        ColumnSpec("text", t.cross_text, width=80, wrap=True),
        ColumnSpec("value_pct", t.value_pct, "percent"),
        ColumnSpec("others_median_pct", t.others_median_pct, "percent"),
        ColumnSpec("deviation_pct", t.deviation_pct, "percent"),
        ColumnSpec("value_pts", t.value_pts, "number", fmt="0.0"),
        ColumnSpec("others_median_pts", t.others_median_pts, "number", fmt="0.0"),
        ColumnSpec("previous_money", t.previous_money, "money"),
        ColumnSpec("n_customers", t.n_customers, "int"),
    )
    note = t("note", p=s.insight_period_months, min_customers=s.insight_min_customers, gap=s.insight_gap_min)
    note_alive = _p_alive_note(s) if result.clv is not None and result.clv.ok else ""
    blocks = stack([
        *title_blocks(t.title, note, note_alive, merge_cols=10),
        TableBlock(name="LayerProblems", columns=prob_cols, data=probs.reset_index(drop=True),
                   title=t.problems_title, style="TableStyleLight9"),
        TableBlock(name="CrossAnalysis", columns=cross_cols, data=d.reset_index(drop=True),
                   title=t.cross_title,
                   conditional_formats=(ConditionalFormat("flag_text", "equals", yes, "FFC7CE", font_color="9C0006",
                                                          bold=True),),
                   style="TableStyleLight9"),
    ])
    return SheetSpec(name=sheet_name("diagnosis", s.lang), blocks=blocks, tab_color="ED7D31")


def _p_alive_note(s: AnalysisSettings) -> str:
    """How 活跃概率偏低 is decided (the threshold and where it comes from)."""
    cut = p_alive_cutoff(s)
    n = max(s.insight_min_customers, 1)
    return TEXTS.lang(s.lang)("note_p_alive", n=n, cut=cut)
