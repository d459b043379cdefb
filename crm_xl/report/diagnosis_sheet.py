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
from .common import title_blocks
from .spec import ColumnSpec, ConditionalFormat, SheetSpec, TableBlock, stack

_DIM = {"industry": ("行业", "Industry"), "region": ("区域", "Region"), "owner": ("客户经理", "Owner")}
_KPI = {"repurchase_change": ("复购率变化", "Repurchase rate change"), "revenue_change": ("销售额变化", "Revenue change"),
        "nps": ("NPS", "NPS"), "complaint_rate": ("投诉率", "Complaint rate"),
        "response_rate": ("互动响应率", "Response rate")}
_PROBLEM = {"response_timeouts": ("售后响应超时", "Slow after-sales response"),
            "unresolved": ("投诉未解决", "Unresolved complaints"),
            "no_new_product": ("未采购新品", "No new products bought"),
            "low_nps": ("NPS 偏低", "Low NPS"), "high_churn_risk": ("高流失风险", "High churn risk"),
            "low_p_alive": ("活跃概率偏低", "Low P(alive)")}


def diagnosis_sheet(result: AnalysisResult) -> SheetSpec:
    s = result.settings
    z = s.lang == "zh"
    i = 0 if z else 1
    probs = result.problems.copy()
    probs["problem_label"] = [_PROBLEM.get(p, (p, p))[i] for p in probs["problem"]]
    prob_cols = (
        ColumnSpec("layer_label", "客户层级" if z else "Layer"),
        ColumnSpec("problem_label", "问题" if z else "Problem"),
        ColumnSpec("customers_affected", "涉及客户数" if z else "Customers affected", "int"),
        ColumnSpec("share", "占该层客户" if z else "Share of layer", "percent"),
        ColumnSpec("text", "问题定位" if z else "Finding", width=80, wrap=True),
    )
    d = result.diagnosis.copy()
    d["dimension_label"] = [_DIM.get(x, (x, x))[i] for x in d["dimension"]]
    d["kpi_label"] = [_KPI.get(x, (x, x))[i] for x in d["kpi"]]
    yes, no = ("是", "否") if z else ("yes", "no")
    d["flag_text"] = np.where(d["flagged"].astype(bool), yes, no) if len(d) else []
    # rates and changes as percent; NPS as points: one text-free numeric column each
    is_nps = d["kpi"] == "nps"
    for col in ("value", "previous", "others_median", "deviation"):
        d[col + "_pct"] = d[col].where(~is_nps)
        d[col + "_pts"] = d[col].where(is_nps)
    d.loc[d["kpi"] == "revenue_change", "previous_pct"] = np.nan  # previous revenue is money, shown below
    d["previous_money"] = d["previous"].where(d["kpi"] == "revenue_change")
    cross_cols = (
        ColumnSpec("dimension_label", "维度" if z else "Dimension"),
        ColumnSpec("group", "分组" if z else "Group"),
        ColumnSpec("kpi_label", "指标" if z else "KPI"),
        ColumnSpec("flag_text", "显著异常" if z else "Flagged", align="center"),
        ColumnSpec("text", "结论" if z else "Finding", width=80, wrap=True),
        ColumnSpec("value_pct", "本期值/变化" if z else "Value / change", "percent"),
        ColumnSpec("others_median_pct", "其他组中位数" if z else "Others' median", "percent"),
        ColumnSpec("deviation_pct", "偏离" if z else "Deviation", "percent"),
        ColumnSpec("value_pts", "NPS" if z else "NPS", "number", fmt="0.0"),
        ColumnSpec("others_median_pts", "其他组NPS中位数" if z else "Others' NPS median", "number", fmt="0.0"),
        ColumnSpec("previous_money", "上期销售额(元)" if z else "Previous revenue (CNY)", "money"),
        ColumnSpec("n_customers", "客户数" if z else "Customers", "int"),
    )
    p = s.insight_period_months
    note = (f"变化 = 近{p}个月与之前{p}个月相比；水平指标（NPS、投诉率、响应率）按 KPI 统计期计算。"
            f"客户数少于 {s.insight_min_customers} 的分组不参与比较；比其他组中位数差 {s.insight_gap_min:.0%}"
            "（NPS 为该值×100 分）以上标记为显著异常。" if z else
            f"Change = last {p} months vs the {p} before; levels (NPS, complaint and response rates) over the KPI "
            f"period. Groups under {s.insight_min_customers} customers are not compared; a group worse than the "
            f"others' median by {s.insight_gap_min:.0%} (x100 points for NPS) is flagged.")
    note_alive = _p_alive_note(s) if result.clv is not None and result.clv.ok else ""
    blocks = stack([
        *title_blocks("问题诊断" if z else "Diagnosis", note, note_alive, merge_cols=10),
        TableBlock(name="LayerProblems", columns=prob_cols, data=probs.reset_index(drop=True),
                   title="各层级问题定位" if z else "Problems by layer", style="TableStyleLight9"),
        TableBlock(name="CrossAnalysis", columns=cross_cols, data=d.reset_index(drop=True),
                   title="交叉分析（行业 / 区域 / 客户经理）" if z else "Cross analysis (industry / region / owner)",
                   conditional_formats=(ConditionalFormat("flag_text", "equals", yes, "FFC7CE", font_color="9C0006",
                                                          bold=True),),
                   style="TableStyleLight9"),
    ])
    return SheetSpec(name=sheet_name("diagnosis", s.lang), blocks=blocks, tab_color="ED7D31")


def _p_alive_note(s: AnalysisSettings) -> str:
    """How 活跃概率偏低 is decided (the threshold and where it comes from)."""
    cut = p_alive_cutoff(s)
    n = max(s.insight_min_customers, 1)
    if s.lang == "zh":
        return (f"活跃概率偏低：高价值、潜力层级中至少 {n} 位客户的模型活跃概率（见「客户价值预测」）低于 {cut:.0%}"
                "（设置 insight_p_alive_below；50% 即模型判断其流失的可能大于活跃）。")
    src = " (setting insight_p_alive_below; 50% = more likely gone than active)"
    return (f"Low P(alive): at least {n} customers of a high-value or potential layer have a model P(alive) "
            f"(CLV Forecast sheet) below {cut:.0%}{src}.")
