"""The 函数示例 sheet: every worksheet function of :mod:`crm_xl.excel.udfs` used on a small
example, for the template workbook.

Live formulas need the functions loaded (classic xlwings add-in with ``UDF Modules`` =
``crm_xl.excel.udfs``, or xlwings Lite); without them Excel shows ``#NAME?`` and the
expected results in the 预期结果 column tell the user what the formulas should give.

Layout (top to bottom): title and note; the analysis date; Template 1's three customers
with R/F/M/total/layer, LTV and churn formulas per row; ten survey answers with their NPS
group; a strip of aggregate KPIs (NPS, shares, AOV, repurchase rates, conversion, ...);
the reference list of all functions with an example formula each.

Formulas are written as ordinary (non-array) formulas, so functions that spill
(RFM_SCORES, NPS_BREAKDOWN, CLV_FIT) are shown through ``INDEX(..., i, j)`` here; typed
into a cell of Excel 365 they spill.
"""

from __future__ import annotations

__all__ = ["udf_demo_sheet", "FUNCTION_EXAMPLES", "PURPOSES"]

import datetime as dt

import pandas as pd

from ..a1 import column_letter
from ..sheet_names import sheet_name
from ..texts import Texts
from .spec import ColumnSpec, SheetSpec, TableBlock, TextBlock, as_table, stack

# the reference list: name -> example formula ({fields} are cells of this sheet), in the list's order;
# each function's purpose is the text of its name in PURPOSES
FUNCTION_EXAMPLES: dict[str, str] = {
    "RFM_SCORE": '=RFM_SCORE({date1},"R","30,60,90,180",{as_of})',
    "RFM_SCORES": "=RFM_SCORES({dates},{freqs},{amounts},{as_of})",
    "RFM_TOTAL": "=RFM_TOTAL({r1},{f1},{m1})",
    "RFM_SEGMENT": '=RFM_SEGMENT({r1},{f1},{m1},"rfm11")',
    "RFM_RULE_SEGMENT": "=RFM_RULE_SEGMENT(30,6,600000)",
    "NPS": "=NPS({scores})",
    "NPS_BREAKDOWN": "=NPS_BREAKDOWN({scores},TRUE)",
    "NPS_GROUP": "=NPS_GROUP(9)",
    "LTV": "=LTV(10000,4,3)",
    "LTV_CAC": "=LTV_CAC(10000,4,3,20000)",
    "AOV": "=AOV(订单!E2:E1000)",
    "REPURCHASE_RATE": "=REPURCHASE_RATE(订单!B2:B1000)",
    "NEW_CUSTOMER_REPURCHASE_RATE": "=NEW_CUSTOMER_REPURCHASE_RATE(订单!B2:B1000,订单!C2:C1000)",
    "CONVERSION_RATE": "=CONVERSION_RATE(15,60)",
    "COMPLAINT_RATE": "=COMPLAINT_RATE(3,120)",
    "RESPONSE_RATE": "=RESPONSE_RATE(45,60)",
    "RENEWAL_RATE": "=RENEWAL_RATE(18,20)",
    "CHURN_RISK": "=CHURN_RISK({date3},{k3},{l3},{m3},{as_of})",
    "CHURN_REASONS": "=CHURN_REASONS({date3},{k3},{l3},{m3},{as_of})",
    "CLV_FIT": "=CLV_FIT(frequency,recency,T,monetary_value)",
    "P_ALIVE": "=P_ALIVE(2,30.43,38.86,{{0.243;4.414;0.793;2.426}})",
    "CLV_PURCHASES": "=CLV_PURCHASES(2,30.43,38.86,39,{{0.243;4.414;0.793;2.426}})",
    "CLV": '=CLV(x,t_x,T,m,CLV_FIT(...),,12,0.01,"weeks")',
}

PURPOSES = Texts({
    "RFM_SCORE": ("单项得分 1-5（R：天数或日期；F：次数；M：金额）", "One score 1-5 (R: days or date; F: count; M: amount)"),
    "RFM_SCORES": ("整列计算 R、F、M 和总分（溢出 4 列）", "R, F, M and total for whole columns (spills 4 columns)"),
    "RFM_TOTAL": ("RFM 加权总分", "Weighted RFM total"),
    "RFM_SEGMENT": ("客户层级（按总分或 11 类矩阵）", "Customer layer (by total or 11-segment map)"),
    "RFM_RULE_SEGMENT": ("按业务规则分层", "Layer by business rules"),
    "NPS": ("净推荐值", "Net Promoter Score"),
    "NPS_BREAKDOWN": ("推荐者/中立者/贬损者比例（溢出）", "Promoter/passive/detractor shares (spills)"),
    "NPS_GROUP": ("单个评分的类别", "Group of one score"),
    "LTV": ("客户生命周期价值（给出获客成本时为比值）", "Lifetime value (ratio with CAC)"),
    "LTV_CAC": ("LTV / 获客成本", "LTV / acquisition cost"),
    "AOV": ("客单价", "Average order value"),
    "REPURCHASE_RATE": ("复购率（按订单列表）", "Repurchase rate (from orders)"),
    "NEW_CUSTOMER_REPURCHASE_RATE": ("新客户复购率", "New-customer repurchase rate"),
    "CONVERSION_RATE": ("线索-成交转化率（数字或阶段列）", "Lead conversion (numbers or a stage column)"),
    "COMPLAINT_RATE": ("投诉率", "Complaint rate"),
    "RESPONSE_RATE": ("互动响应率（数字或是/否列）", "Response rate (numbers or a yes/no column)"),
    "RENEWAL_RATE": ("合同续签率（数字或是否续签列）", "Renewal rate (numbers or a yes/no column)"),
    "CHURN_RISK": ("流失风险 高/中/低", "Churn risk High/Medium/Low"),
    "CHURN_REASONS": ("流失预警原因", "Churn reasons"),
    "CLV_FIT": ("拟合 BG/NBD（和 Gamma-Gamma），溢出参数", "Fit BG/NBD (and Gamma-Gamma), spills parameters"),
    "P_ALIVE": ("仍活跃的概率", "Probability still active"),
    "CLV_PURCHASES": ("预期购买次数", "Expected purchases"),
    "CLV": ("预测的客户生命周期价值（贴现）", "Predicted discounted CLV"),
})

_AS_OF = dt.date(2024, 9, 30)
# Template 1's customers (seed 004) plus churn inputs chosen to show each risk level
_CUSTOMERS = pd.DataFrame({
    "customer_id": ["C001", "C002", "C003"],
    "last_purchase_date": pd.to_datetime(["2024-09-15", "2024-07-20", "2024-03-10"]),
    "frequency": [12, 8, 3],
    "monetary": [150_000.0, 80_000.0, 20_000.0],
    "orders_last": [3, 1, 0],
    "orders_prev": [3, 4, 1],
    "negative_feedback": [0, 0, 3],
})
_SCORES = [10, 9, 9, 8, 7, 7, 6, 5, 10, 3]  # NPS = (4 - 3) / 10 x 100 = 10


TEXTS = Texts({
    # the sheet
    "title": ("工作表函数示例", "Worksheet function examples"),
    "note": ("以下公式使用 crm_xl 的工作表函数。需要先启用：Windows 版 Excel 安装 xlwings 加载项并把 UDF Modules 设为 "
             "crm_xl.excel.udfs（命令 crm-xl udfs config），或在 xlwings Lite 中使用 crm-xl udfs lite 生成的 main.py。"
             "未启用时单元格显示 #NAME?，可对照「预期结果」列。说明见 docs/udfs.md。",
             "The formulas below use crm_xl's worksheet functions. Enable them first: on Windows install the xlwings "
             "add-in and set UDF Modules to crm_xl.excel.udfs (crm-xl udfs config), or use the main.py written by "
             "crm-xl udfs lite in xlwings Lite. Without them cells show #NAME?; compare with the Expected column. "
             "See docs/udfs.md."),
    # the analysis date
    "param_label": ("参数", "Parameter"),
    "param_value": ("值", "Value"),
    "as_of": ("分析日期", "Analysis date"),
    # Template 1's customers: the data, then the formulas per row
    "customers_title": ("模板1 的三个客户", "Template 1's three customers"),
    "customer_id": ("客户ID", "Customer ID"),
    "last_purchase_date": ("最近购买日期", "Last purchase"),
    "frequency": ("购买频次(次)", "Purchases"),
    "monetary": ("累计购买金额(元)", "Amount (CNY)"),
    "r": ("R得分", "R"),
    "f": ("F得分", "F"),
    "m": ("M得分", "M"),
    "total": ("RFM总分", "RFM total"),
    "layer": ("客户层级", "Layer"),
    "ltv": ("LTV(元)", "LTV (CNY)"),
    "orders_last": ("近3个月购买次数", "Orders last 3m"),
    "orders_prev": ("前3个月购买次数", "Orders prev 3m"),
    "negative_feedback": ("负面反馈次数", "Negative feedback"),
    "risk": ("流失风险", "Churn risk"),
    "reasons": ("预警原因", "Reasons"),
    "expected": ("预期结果", "Expected"),
    # the expected results of the three customers, in the rows' order
    "expected_1": ("5, 5, 5 = 15 高价值客户；风险 低", "5, 5, 5 = 15 High value; risk Low"),
    "expected_2": ("3, 4, 4 = 11 潜力客户；风险 中", "3, 4, 4 = 11 Potential; risk Medium"),
    "expected_3": ("1, 2, 2 = 5 流失风险客户；风险 高", "1, 2, 2 = 5 Churn risk; risk High"),
    # the survey
    "survey_title": ("NPS 调查（0-10 分）", "NPS survey (0-10)"),
    "score": ("推荐意愿评分", "Score"),
    "group": ("类别", "Group"),
    # the strip of aggregate KPIs
    "kpi_heading": ("汇总指标（第一行为指标和预期结果，第二行为公式结果）",
                    "Aggregate KPIs (label with the expected result; the formula below)"),
    "kpi_head": ("{label}（预期 {expected}）", "{label} (expected {expected})"),
    "kpi_promoters": ("推荐者比例", "Promoters"),
    "kpi_detractors": ("贬损者比例", "Detractors"),
    "kpi_c003_total": ("C003 RFM总分", "C003 RFM total"),
    "kpi_aov": ("客单价(元)", "AOV (CNY)"),
    "kpi_ltv_cac": ("LTV/获客成本", "LTV/CAC"),
    "kpi_conversion": ("线索-成交转化率", "Lead conversion"),
    "kpi_complaint_rate": ("投诉率", "Complaint rate"),
    "kpi_renewal_rate": ("续签率", "Renewal rate"),
    "kpi_purchases": ("预期购买次数(39周)", "Purchases (39 wk)"),
    # the reference list of all functions
    "ref_title": ("函数一览", "All functions"),
    "ref_name": ("函数", "Function"),
    "ref_purpose": ("用途", "Purpose"),
    "ref_example": ("示例公式", "Example"),
})


_L = column_letter


def udf_demo_sheet(lang: str = "zh") -> SheetSpec:
    """The 函数示例 sheet (``Function Examples`` in English) as a :class:`SheetSpec`."""
    zh = lang == "zh"
    en_arg = "" if zh else ',"","en"'
    t = TEXTS.lang(lang)
    title = TextBlock((t.title,), style="title")
    note = TextBlock((t.note,), style="note", merge_cols=12)
    as_of = TableBlock(
        name="UdfAsOf", as_excel_table=False,
        columns=(ColumnSpec("label", t.param_label, "text"),
                 ColumnSpec("value", t.param_value, "date")),
        data=pd.DataFrame({"label": [t.as_of], "value": [pd.Timestamp(_AS_OF)]}),
    )
    cust_cols_data = (
        ColumnSpec("customer_id", t.customer_id, "text"),
        ColumnSpec("last_purchase_date", t.last_purchase_date, "date"),
        ColumnSpec("frequency", t.frequency, "int"),
        ColumnSpec("monetary", t.monetary, "money"),
    )
    survey = TableBlock(
        name="UdfSurvey", title=t.survey_title,
        columns=(ColumnSpec("score", t.score, "int"),
                 ColumnSpec("group", t.group, "text", formula="=NPS_GROUP(A{row}" + en_arg + ")")),
        data=pd.DataFrame({"score": _SCORES}),
    )
    # first pass: positions (heights do not depend on the formulas)
    placeholder = TableBlock(name="UdfCustomers", columns=cust_cols_data, data=_CUSTOMERS,
                             title=t.customers_title)
    placed = stack([title, note, as_of, placeholder, survey])
    as_of_ref = f"$B${as_table(placed[2]).first_data_row}"
    c_first, c_last = as_table(placed[3]).first_data_row, as_table(placed[3]).last_row
    s_first, s_last = as_table(placed[4]).first_data_row, as_table(placed[4]).last_row
    cust_cols = cust_cols_data + _customer_formulas(t, as_of_ref, zh)
    expected_rows = [t.expected_1, t.expected_2, t.expected_3]
    customers = TableBlock(name="UdfCustomers", columns=cust_cols, data=_CUSTOMERS.assign(expected=expected_rows),
                           title=placeholder.title)
    scores = f"A{s_first}:A{s_last}"
    cells = {"as_of": as_of_ref, "dates": f"B{c_first}:B{c_last}", "freqs": f"C{c_first}:C{c_last}",
             "amounts": f"D{c_first}:D{c_last}", "date1": f"B{c_first}", "r1": f"E{c_first}", "f1": f"F{c_first}",
             "m1": f"G{c_first}", "date3": f"B{c_last}", "k3": f"K{c_last}", "l3": f"L{c_last}", "m3": f"M{c_last}",
             "scores": scores}
    kpis = _kpis(t, scores, tuple(f"{x}{c_first}:{x}{c_last}" for x in "BCD"), as_of_ref)
    ref = _reference(t, PURPOSES.lang(lang), cells)
    heading = TextBlock((t.kpi_heading,), style="heading")
    blocks = list(stack([title, note, as_of, customers, survey, heading]))
    strip_row = blocks[-1].row + 1
    blocks.extend(_kpi_strip(t, kpis, strip_row))
    blocks.extend(stack([ref], start_row=strip_row + 3))
    return SheetSpec(name=sheet_name("udfs", lang), blocks=tuple(blocks), tab_color="7030A0")


def _customer_formulas(t, as_of_ref: str, zh: bool) -> tuple[ColumnSpec, ...]:
    """The customer table's columns after its data: R/F/M, total, layer and LTV formulas, the churn
    inputs, the churn formulas (the analysis date in ``as_of_ref``) and the expected results."""
    return (
        ColumnSpec("r", t.r, "score", formula=f'=RFM_SCORE(B{{row}},"R","30,60,90,180",{as_of_ref})'),
        ColumnSpec("f", t.f, "score", formula='=RFM_SCORE(C{row},"F")'),
        ColumnSpec("m", t.m, "score", formula='=RFM_SCORE(D{row},"M")'),
        ColumnSpec("total", t.total, "score", formula="=RFM_TOTAL(E{row},F{row},G{row})"),
        ColumnSpec("layer", t.layer, "text",
                   formula='=RFM_SEGMENT(E{row},F{row},G{row}' + ("" if zh else ',"score","","en"') + ")"),
        ColumnSpec("ltv", t.ltv, "money", formula="=LTV(D{row}/C{row},C{row},3)"),
        ColumnSpec("orders_last", t.orders_last, "int"),
        ColumnSpec("orders_prev", t.orders_prev, "int"),
        ColumnSpec("negative_feedback", t.negative_feedback, "int"),
        ColumnSpec("risk", t.risk, "text",
                   formula=f"=CHURN_RISK(B{{row}},K{{row}},L{{row}},M{{row}},{as_of_ref}" + ("" if zh else ',,,,"","en"')
                   + ")"),
        ColumnSpec("reasons", t.reasons, "text", wrap=True, width=40,
                   formula=f"=CHURN_REASONS(B{{row}},K{{row}},L{{row}},M{{row}},{as_of_ref}"
                   + ("" if zh else ',,,,"","en"') + ")"),
        ColumnSpec("expected", t.expected, "text", width=34),
    )


def _kpis(t, scores: str, bcd: tuple[str, ...], as_of_ref: str) -> tuple[tuple[str, str, str], ...]:
    """The aggregate KPIs: (label, formula, expected result) each; ``scores`` is the survey's
    range, ``bcd`` the customers' dates, purchases and amounts."""
    b, c, d = bcd
    return (
        ("NPS", f"=NPS({scores})", "10"),
        (t.kpi_promoters, f"=INDEX(NPS_BREAKDOWN({scores}),1,1)", "40%"),
        (t.kpi_detractors, f"=INDEX(NPS_BREAKDOWN({scores}),1,3)", "30%"),
        (t.kpi_c003_total, f"=INDEX(RFM_SCORES({b},{c},{d},{as_of_ref}),3,4)", "5"),
        (t.kpi_aov, f"=AOV({d})", "83,333"),
        (t.kpi_ltv_cac, "=LTV_CAC(10000,4,3,20000)", "6"),
        (t.kpi_conversion, "=CONVERSION_RATE(15,60)", "25%"),
        (t.kpi_complaint_rate, "=COMPLAINT_RATE(3,120)", "2.5%"),
        (t.kpi_renewal_rate, "=RENEWAL_RATE(18,20)", "90%"),
        ("P(alive)", "=P_ALIVE(2,30.43,38.86,{0.243;4.414;0.793;2.426})", "0.73"),
        (t.kpi_purchases,
         "=CLV_PURCHASES(2,30.43,38.86,39,{0.243;4.414;0.793;2.426})", "1.226"),
    )


def _reference(t, purposes, cells: dict[str, str]) -> TableBlock:
    """The reference list of all functions: name, purpose, example formula (on ``cells``)."""
    return TableBlock(
        name="UdfReference", title=t.ref_title,
        columns=(ColumnSpec("name", t.ref_name, "text", width=24),
                 ColumnSpec("purpose", t.ref_purpose, "text", width=30, wrap=True),
                 ColumnSpec("example", t.ref_example, "text", width=40, wrap=True)),
        data=pd.DataFrame({"name": list(FUNCTION_EXAMPLES),
                           "purpose": [purposes(name) for name in FUNCTION_EXAMPLES],
                           "example": [ex.format(**cells) for ex in FUNCTION_EXAMPLES.values()]}),
    )


def _kpi_strip(t, kpis, strip_row: int) -> list[TableBlock]:
    """The KPI blocks side by side on ``strip_row``: a column formula is a template shared by
    every row of a block, so each KPI is its own one-column block, in one band."""
    blocks = []
    for i, (label, formula, expected) in enumerate(kpis):
        head = t("kpi_head", label=label, expected=expected)
        blocks.append(TableBlock(name=f"UdfKpi{i + 1}", as_excel_table=False, row=strip_row, col=i + 1,
                                 columns=(ColumnSpec("v", head, "general", width=18, formula=formula),),
                                 data=pd.DataFrame(index=[0])))
    return blocks
