"""The 图表 sheet: native Excel charts (seed 000 step 5, DESIGN.md section 2) over small
data tables on the same sheet: layer shares (pie), revenue by layer (column), the
线索 -> 商机 -> 成交 funnel with stage conversion and loss (bar-based funnel), and the last
months' repurchase rate with NPS on a secondary axis (line)."""

from __future__ import annotations

__all__ = ["charts_sheet"]


from ..core.analysis import AnalysisResult
from ..sheet_names import sheet_name
from ..texts import Texts
from .common import title_blocks
from .rfm_sheet import layer_summary
from .spec import ChartSpec, ColumnSpec, SheetSpec, TableBlock, stack

TEXTS = Texts({
    # the layers table
    "layer_label": ("客户层级", "Layer"),
    "customers": ("客户数", "Customers"),
    "share": ("客户占比", "Share"),
    "revenue": ("累计购买金额(元)", "Amount (CNY)"),
    "revenue_share": ("金额占比", "Amount share"),
    "layers_title": ("客户层级", "Layers"),
    # the funnel table
    "stage_label": ("阶段", "Stage"),
    "count": ("数量", "Count"),
    "conversion_from_previous": ("阶段转化率", "Stage conversion"),
    "conversion_from_first": ("累计转化率", "From leads"),
    "lost_from_previous": ("阶段流失数", "Lost at stage"),
    "loss_rate": ("阶段流失率", "Stage loss rate"),
    "funnel_title": ("线索转化漏斗", "Lead funnel"),
    # the trends table
    "month": ("月份", "Month"),
    "repurchase_rate": ("复购率", "Repurchase rate"),
    "active_customers": ("活跃客户数", "Active customers"),
    "trend_revenue": ("销售额(元)", "Revenue (CNY)"),
    "nps_responses": ("NPS评分数", "NPS responses"),
    "trends_title": ("近{months}个月趋势", "Last {months} months"),
    # the charts
    "chart_layers": ("客户层级占比", "Customers by layer"),
    "chart_amount": ("各层级累计购买金额(元)", "Amount by layer (CNY)"),
    "chart_funnel": ("线索→商机→成交", "Lead -> opportunity -> deal"),
    "chart_trends": ("近{months}个月复购率与NPS", "Repurchase rate and NPS, last {months} months"),
    "chart_trends_y_axis": ("复购率", "Repurchase rate"),
    "chart_revenue": ("月度销售额(元)", "Monthly revenue (CNY)"),
    # the sheet
    "title": ("图表", "Charts"),
    "note": ("图表为 Excel 原生图表，数据来自左侧表格；刷新报告后自动更新。",
             "Native Excel charts over the tables on the left; refreshed with the report."),
})


def charts_sheet(result: AnalysisResult) -> SheetSpec:
    s = result.settings
    lang = s.lang
    t = TEXTS.lang(lang)
    layers = layer_summary(result.rfm, s).rename(columns={"amount": "revenue", "amount_share": "revenue_share"})
    layer_cols = (
        ColumnSpec("layer_label", t.layer_label),
        ColumnSpec("customers", t.customers, "int"),
        ColumnSpec("share", t.share, "percent"),
        ColumnSpec("revenue", t.revenue, "money"),
        ColumnSpec("revenue_share", t.revenue_share, "percent"),
    )
    f = result.funnel
    funnel_cols = (
        ColumnSpec("stage_label", t.stage_label),
        ColumnSpec("count", t.count, "int"),
        ColumnSpec("conversion_from_previous", t.conversion_from_previous, "percent"),
        ColumnSpec("conversion_from_first", t.conversion_from_first, "percent"),
        ColumnSpec("lost_from_previous", t.lost_from_previous, "int"),
        ColumnSpec("loss_rate", t.loss_rate, "percent"),
    )
    trends = result.trends
    trend_cols = (
        ColumnSpec("month", t.month),
        ColumnSpec("repurchase_rate", t.repurchase_rate, "percent"),
        ColumnSpec("nps", "NPS", "number", fmt="0.0"),
        ColumnSpec("active_customers", t.active_customers, "int"),
        ColumnSpec("revenue", t.trend_revenue, "money"),
        ColumnSpec("nps_responses", t.nps_responses, "int"),
    )
    blocks = stack([
        *title_blocks(t.title, t.note),
        TableBlock(name="ChartLayers", columns=layer_cols, data=layers, title=t.layers_title,
                   style="TableStyleLight9"),
        TableBlock(name="ChartFunnel", columns=funnel_cols, data=f.reset_index(drop=True),
                   title=t.funnel_title, style="TableStyleLight9"),
        TableBlock(name="ChartTrends", columns=trend_cols, data=trends.reset_index(drop=True),
                   title=t("trends_title", months=s.trend_months),
                   style="TableStyleLight9"),
    ])
    c1, c2 = "H", "Q"
    r1, r2, r3 = 3, 21, 39
    charts = (
        ChartSpec("pie", t.chart_layers, "ChartLayers", "layer_label", ("customers",),
                  f"{c1}{r1}", width_cm=15, height_cm=8.5, data_labels=True),
        ChartSpec("column", t.chart_amount, "ChartLayers", "layer_label",
                  ("revenue",), f"{c2}{r1}", width_cm=15, height_cm=8.5, data_labels=True),
        ChartSpec("funnel", t.chart_funnel, "ChartFunnel", "stage_label",
                  ("count",), f"{c1}{r2}", width_cm=15, height_cm=8.5, data_labels=True),
        ChartSpec("line", t("chart_trends", months=s.trend_months),
                  "ChartTrends", "month", ("repurchase_rate", "nps"), f"{c2}{r2}", width_cm=15, height_cm=8.5,
                  secondary=("nps",), y_axis_title=t.chart_trends_y_axis, data_labels=False),
        ChartSpec("column", t.chart_revenue, "ChartTrends", "month", ("revenue",),
                  f"{c1}{r3}", width_cm=15, height_cm=8.5),
    )
    return SheetSpec(name=sheet_name("charts", lang), blocks=blocks, charts=charts, tab_color="FFC000")
