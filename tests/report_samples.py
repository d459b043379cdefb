"""Small inline ReportSpecs shared by the renderer tests (values checked by hand)."""

import pandas as pd

from crm_xl.report.spec import (
    ChartSpec,
    ColumnSpec,
    ConditionalFormat,
    ReportSpec,
    SheetSpec,
    TableBlock,
    TextBlock,
    stack,
)

STATUS = ("未开始", "进行中", "已完成", "已逾期", "不再适用")


def rfm_table(extra_rows: int = 0) -> TableBlock:
    """Template 1's seed rows (C001-C003 as printed in seed 004) plus filler rows."""
    n = extra_rows
    data = pd.DataFrame({
        "customer_id": ["C001", "C002", "C003"] + [f"C{i:06d}" for i in range(4, 4 + n)],
        "customer_name": ["*科技有限公司", "*贸易有限公司", "=HYPERLINK(\"http://x\",\"y\")"] + [f"客户{i}" for i in range(n)],
        "last_purchase": pd.to_datetime(["2024-09-15", "2024-07-20", "2024-03-10"] + ["2024-01-01"] * n),
        "frequency": [12.0, 8.0, 3.0] + [float(i % 20) for i in range(n)],
        "monetary": [150000.0, 80000.0, 20000.0] + [1000.0 * (i % 500) for i in range(n)],
        "share": [0.6, 0.32, 0.08] + [0.0] * n,
        "layer": ["高价值客户", "潜力客户", "流失风险客户"] + ["一般客户"] * n,
        "note": [None, "近2个月购买频次下降", "超过6个月未购买"] + [None] * n,
    })
    cols = (
        ColumnSpec("customer_id", "客户ID"), ColumnSpec("customer_name", "客户名称"),
        ColumnSpec("last_purchase", "最近购买日期", "date"), ColumnSpec("frequency", "购买频次(次)", "int"),
        ColumnSpec("monetary", "累计购买金额(元)", "money"), ColumnSpec("share", "金额占比", "percent"),
        ColumnSpec("layer", "客户层级"), ColumnSpec("note", "备注"),
    )
    cf = (ConditionalFormat("layer", "equals", "高价值客户", "C6EFCE", "006100"),
          ConditionalFormat("layer", "equals", "流失风险客户", "FFC7CE", "9C0006"))
    return TableBlock("RFM_Layers", cols, data, title="客户价值分层", conditional_formats=cf, key_columns=("customer_id",))


def strategy_table() -> TableBlock:
    data = pd.DataFrame({
        "customer_id": ["C001", "C002", "C003"], "strategy": ["专属服务", "培训试用", "挽回优惠"],
        "owner": ["资深客户经理", "销售专员", "销售主管"],
        "deadline": pd.to_datetime(["2024-12-31", "2024-10-31", "2024-10-07"]),
        "status": ["未开始", "进行中", "已逾期"], "result": [None, None, None],
    })
    cols = (ColumnSpec("customer_id", "客户ID"), ColumnSpec("strategy", "策略"),
            ColumnSpec("owner", "负责人", editable=True), ColumnSpec("deadline", "截止日期", "date", editable=True),
            ColumnSpec("status", "执行状态", validation=STATUS, editable=True),
            ColumnSpec("result", "执行结果", editable=True, width=30))
    return TableBlock("Strategy", cols, data, key_columns=("customer_id", "strategy"),
                      conditional_formats=(ConditionalFormat("status", "formula", '${col}{row}="已逾期"', "FFC7CE", whole_row=True),))


def chart_tables() -> list[TableBlock]:
    share = TableBlock("Layer_Share", (ColumnSpec("layer", "客户层级"), ColumnSpec("count", "客户数", "int"),
                                       ColumnSpec("revenue", "收入(元)", "money")),
                       pd.DataFrame({"layer": ["高价值客户", "潜力客户", "流失风险客户"], "count": [1.0, 1.0, 1.0],
                                     "revenue": [150000.0, 80000.0, 20000.0]}))
    funnel = TableBlock("Funnel", (ColumnSpec("stage", "阶段"), ColumnSpec("n", "数量", "int")),
                        pd.DataFrame({"stage": ["线索", "商机", "成交"], "n": [500.0, 120.0, 30.0]}))
    trend = TableBlock("Trend", (ColumnSpec("month", "月份"), ColumnSpec("rep", "复购率", "percent"),
                                 ColumnSpec("nps", "NPS", "number")),
                       pd.DataFrame({"month": ["2024-04", "2024-05", "2024-06", "2024-07", "2024-08", "2024-09"],
                                     "rep": [0.30, 0.32, 0.28, 0.35, 0.33, 0.36], "nps": [20.0, 25, 18, 30, 28, 32]}))
    return [share, funnel, trend]


def sample_spec(extra_rows: int = 0) -> ReportSpec:
    s1 = SheetSpec("RFM分层表", stack([
        TextBlock(("客户价值分层分析表（RFM）",), "title", merge_cols=8),
        TextBlock(("分析日期：2024-09-30。R/F/M 各 1-5 分，总分 3-15。",), "note"),
        rfm_table(extra_rows)]), freeze="A7", tab_color="2F5597")
    s2 = SheetSpec("客户策略执行表", stack([TextBlock(("客户策略执行表",), "title"), strategy_table()]), freeze="A4")
    s3 = SheetSpec("图表", stack([TextBlock(("图表",), "title"), *chart_tables()]), charts=(
        ChartSpec("pie", "客户层级占比", "Layer_Share", "layer", ("count",), "F2"),
        ChartSpec("funnel", "线索→商机→成交", "Funnel", "stage", ("n",), "F19"),
        ChartSpec("line", "近6个月复购率与NPS", "Trend", "month", ("rep", "nps"), "F36", secondary=("nps",)),
        ChartSpec("column", "各层级收入", "Layer_Share", "layer", ("revenue",), "P2"),
    ))
    s4 = SheetSpec("结论与建议", stack([
        TextBlock(("结论与建议",), "title"),
        TextBlock(("1. 高价值客户贡献了 60% 的收入，应由资深客户经理每季度拜访并提供专属服务，"
                   "同时每月主动提供产品使用培训，预计 3 个月内复购率提升 5%。",
                   "2. -5% 的复购率下降集中在制造业客户，需要销售主管 1 周内回访。"), "body", merge_cols=10)]),
        column_widths=((1, 12.0),))
    return ReportSpec((s1, s2, s3, s4), properties=(("title", "客户分析报告"), ("created", "2024-09-30T00:00:00")))
