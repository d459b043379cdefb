"""The 图表 sheet: native Excel charts (seed 000 step 5, DESIGN.md section 2) over small
data tables on the same sheet: layer shares (pie), revenue by layer (column), the
线索 -> 商机 -> 成交 funnel with stage conversion and loss (bar-based funnel), and the last
months' repurchase rate with NPS on a secondary axis (line)."""

from __future__ import annotations

__all__ = ["charts_sheet"]


from ..core.analysis import AnalysisResult
from ..sheet_names import sheet_name
from .common import title_blocks
from .rfm_sheet import layer_summary
from .spec import ChartSpec, ColumnSpec, SheetSpec, TableBlock, stack


def charts_sheet(result: AnalysisResult) -> SheetSpec:
    s = result.settings
    lang = s.lang
    z = lang == "zh"
    layers = layer_summary(result.rfm, s).rename(columns={"amount": "revenue", "amount_share": "revenue_share"})
    layer_cols = (
        ColumnSpec("layer_label", "客户层级" if z else "Layer"),
        ColumnSpec("customers", "客户数" if z else "Customers", "int"),
        ColumnSpec("share", "客户占比" if z else "Share", "percent"),
        ColumnSpec("revenue", "累计购买金额(元)" if z else "Amount (CNY)", "money"),
        ColumnSpec("revenue_share", "金额占比" if z else "Amount share", "percent"),
    )
    f = result.funnel
    funnel_cols = (
        ColumnSpec("stage_label", "阶段" if z else "Stage"),
        ColumnSpec("count", "数量" if z else "Count", "int"),
        ColumnSpec("conversion_from_previous", "阶段转化率" if z else "Stage conversion", "percent"),
        ColumnSpec("conversion_from_first", "累计转化率" if z else "From leads", "percent"),
        ColumnSpec("lost_from_previous", "阶段流失数" if z else "Lost at stage", "int"),
        ColumnSpec("loss_rate", "阶段流失率" if z else "Stage loss rate", "percent"),
    )
    t = result.trends
    trend_cols = (
        ColumnSpec("month", "月份" if z else "Month"),
        ColumnSpec("repurchase_rate", "复购率" if z else "Repurchase rate", "percent"),
        ColumnSpec("nps", "NPS", "number", fmt="0.0"),
        ColumnSpec("active_customers", "活跃客户数" if z else "Active customers", "int"),
        ColumnSpec("revenue", "销售额(元)" if z else "Revenue (CNY)", "money"),
        ColumnSpec("nps_responses", "NPS评分数" if z else "NPS responses", "int"),
    )
    note = ("图表为 Excel 原生图表，数据来自左侧表格；刷新报告后自动更新。" if z else
            "Native Excel charts over the tables on the left; refreshed with the report.")
    blocks = stack([
        *title_blocks("图表" if z else "Charts", note),
        TableBlock(name="ChartLayers", columns=layer_cols, data=layers, title="客户层级" if z else "Layers",
                   style="TableStyleLight9"),
        TableBlock(name="ChartFunnel", columns=funnel_cols, data=f.reset_index(drop=True),
                   title="线索转化漏斗" if z else "Lead funnel", style="TableStyleLight9"),
        TableBlock(name="ChartTrends", columns=trend_cols, data=t.reset_index(drop=True),
                   title=f"近{s.trend_months}个月趋势" if z else f"Last {s.trend_months} months",
                   style="TableStyleLight9"),
    ])
    c1, c2 = "H", "Q"
    r1, r2, r3 = 3, 21, 39
    charts = (
        ChartSpec("pie", "客户层级占比" if z else "Customers by layer", "ChartLayers", "layer_label", ("customers",),
                  f"{c1}{r1}", width_cm=15, height_cm=8.5, data_labels=True),
        ChartSpec("column", "各层级累计购买金额(元)" if z else "Amount by layer (CNY)", "ChartLayers", "layer_label",
                  ("revenue",), f"{c2}{r1}", width_cm=15, height_cm=8.5, data_labels=True),
        ChartSpec("funnel", "线索→商机→成交" if z else "Lead -> opportunity -> deal", "ChartFunnel", "stage_label",
                  ("count",), f"{c1}{r2}", width_cm=15, height_cm=8.5, data_labels=True),
        ChartSpec("line", f"近{s.trend_months}个月复购率与NPS" if z else f"Repurchase rate and NPS, last {s.trend_months} months",
                  "ChartTrends", "month", ("repurchase_rate", "nps"), f"{c2}{r2}", width_cm=15, height_cm=8.5,
                  secondary=("nps",), y_axis_title="复购率" if z else "Repurchase rate", data_labels=False),
        ChartSpec("column", "月度销售额(元)" if z else "Monthly revenue (CNY)", "ChartTrends", "month", ("revenue",),
                  f"{c1}{r3}", width_cm=15, height_cm=8.5),
    )
    return SheetSpec(name=sheet_name("charts", lang), blocks=blocks, charts=charts, tab_color="FFC000")
