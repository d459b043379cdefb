"""Scenario sheets (issue 8 item 4): 销售目标复盘, 活动评估, 新客户激活, 重点客户画像.

Each sheet: a title, the conclusions (sentences from :mod:`crm_xl.core.scenarios`), a note
with the formulas, the tables, and a native chart where one helps. An empty input (no
销售目标 / 活动 rows, no new customers) gives the scenario's explanatory note instead of
tables, never an error.
"""

from __future__ import annotations

__all__ = ["note_lines", "target_review_sheet", "campaign_sheet", "activation_sheet", "key_account_sheet", "scenario_sheets"]

import re

import pandas as pd

from ..core.scenarios import (
    Activation,
    CampaignReview,
    TargetReview,
    campaign_evaluation,
    key_account_profiles,
    new_customer_activation,
    sales_target_review,
)
from ..settings import AnalysisSettings
from ..sheet_names import sheet_name
from ..texts import Texts
from .common import col_letter
from .spec import ChartSpec, ColumnSpec, Kind, SheetSpec, TableBlock, TextBlock, display_width, stack

TEXTS = Texts({
    # 销售目标复盘
    "target_title": ("销售目标复盘", "Sales target review"),
    "target_formula": (
        "达成率 = 实际金额 / 目标金额；实际金额 = 期间内（截至分析日期）该负责人（订单的销售负责人，缺失时用客户经理）"
        "在该区域（客户所属区域）的订单金额，负责人或区域为空表示全部。增长贡献 = 最近期间较上一期间的客户销售额增加，"
        "占比 = 该客户增加额 / 所有增长客户增加额之和。",
        "Attainment = actual / target; actual = order amounts in the period (up to the analysis date) of the owner "
        "(the order's sales owner, else the account owner) in the region (the customer's); a blank owner or "
        "region means all. Growth contribution = a customer's revenue increase in the latest period vs the one "
        "before; share = its increase / the summed increase of all growing customers."),
    "target_contributors": ("增长贡献客户（{period} 较上期）", "Growth contributors ({period} vs before)"),
    "target_detail": ("目标明细", "Every target"),
    "target_chart": ("目标与实际（按期间）", "Target vs actual by period"),
    "target_chart_axis": ("元", "CNY"),
    "target_by_period": ("按期间", "By period"),
    "target_by_owner": ("按负责人", "By owner"),
    "target_by_region": ("按区域", "By region"),
    # 营销活动评估
    "campaign_title": ("营销活动评估", "Campaign evaluation"),
    "campaign_formula": (
        "评估窗口 = 活动开始日期至结束日期后 {days} 天（不超过分析日期）。参与客户 = 活动线索的客户 ∪ 窗口内带该活动ID订单的客户"
        "（无客户ID的线索各计 1）；参与率 = 参与客户 / 触达客户数；转化客户 = 窗口内带活动ID下单的客户 ∪ 成交线索的客户，"
        "转化率 = 转化客户 / 参与客户；归因收入 = 窗口内带活动ID的订单金额；增量收入 = 参与客户窗口内全部订单金额 − 活动前同样天数内的金额；"
        "ROI = (增量收入 − 活动成本) / 活动成本。",
        "Window = start to end + {days} days (not past the analysis date). Participants = customers of the "
        "campaign's leads plus customers with an order tagged with it in the window (leads without a customer "
        "count 1 each); participation = participants / reached; converted = buyers with a tagged order plus "
        "customers of won leads, conversion = converted / participants; attributed revenue = tagged orders in "
        "the window; incremental revenue = participants' orders in the window - the same number of days before "
        "the start; ROI = (incremental revenue - cost) / cost."),
    "campaign_chart": ("各活动 ROI", "ROI by campaign"),
    # 新客户激活
    "activation_title": ("新客户激活", "New-customer activation"),
    "activation_formula": (
        "新客户 = 近{new_days}天首次购买的客户；二次购买 = 首购之后另一天的订单。已激活 = 首购后{days}天内再次购买；"
        "延迟激活 = 之后才再次购买；未再次购买的：首购不超过{attention_days}天为观察期，不超过{days}天为需关注，"
        "更久为未激活。激活率 = 已激活 / 首购已满{days}天的新客户。天数可在「设置」中修改。",
        "New customers: first purchase in the last {new_days} days; a second purchase is an order on "
        "a later day. Activated: bought again within {days} days; activated late: later; without a "
        "second order: watching up to {attention_days} days, needs attention up to "
        "{days}, not activated after that. Activation rate = activated / new customers whose first "
        "order is at least {days} days old. The days are settings."),
    "activation_summary": ("概览", "Summary"),
    "activation_customers": ("新客户明细（需关注的在前）", "New customers (needing attention first)"),
    # the statuses shown in red (as core.scenarios.activation labels them)
    "needs_attention": ("需关注", "Needs attention"),
    "not_activated": ("未激活", "Not activated"),
    # 重点客户画像
    "key_accounts_title": ("重点客户画像", "Key-account profiles"),
    "key_accounts_formula": (
        "重点客户 = 累计购买金额前 {top_n} 名。近期 = 近{m}个月，上期 = 之前{m}个月；主要产品为金额占比前三；"
        "未解决问题 = 标记为未解决的互动记录；建议措施由未解决问题、流失风险、销售额变化和所在层级的策略生成。",
        "Key accounts = the top {top_n} customers by amount. Recent = last {m} months, "
        "previous = the {m} before; top products by share of amount; open issues = interactions marked not "
        "resolved; actions come from open issues, churn risk, revenue change and the layer's strategy."),
    "key_accounts_none": ("没有有购买记录的客户。", "No customer with purchases."),
})


# the tables' column headers, by column key (or by the text key a column names: target_owner)
HEADERS = Texts({
    # 销售目标复盘
    "period": ("期间", "Period"),
    "target_owner": ("负责人", "Owner"),
    "region": ("区域", "Region"),
    "period_start": ("开始日期", "Start"),
    "period_end": ("结束日期", "End"),
    "target": ("目标金额(元)", "Target (CNY)"),
    "actual": ("实际金额(元)", "Actual (CNY)"),
    "attainment": ("达成率", "Attainment"),
    "gap": ("差额(元)", "Gap (CNY)"),
    "customer_id": ("客户ID", "Customer ID"),
    "customer_name": ("客户名称", "Customer Name"),
    "owner": ("客户经理", "Owner"),
    "revenue_previous": ("上期销售额(元)", "Previous (CNY)"),
    "revenue_latest": ("本期销售额(元)", "Latest (CNY)"),
    "change": ("增加额(元)", "Increase (CNY)"),
    "share_of_growth": ("增长占比", "Share of growth"),
    # 营销活动评估
    "campaign_id": ("活动ID", "Campaign ID"),
    "campaign_name": ("活动名称", "Campaign"),
    "channel": ("渠道", "Channel"),
    "start_date": ("开始日期", "Start"),
    "window_end": ("评估截止", "Window end"),
    "cost": ("活动成本(元)", "Cost (CNY)"),
    "reached": ("触达客户数", "Reached"),
    "participants": ("参与客户数", "Participants"),
    "participation_rate": ("参与率", "Participation"),
    "leads": ("线索数", "Leads"),
    "leads_won": ("成交线索", "Won leads"),
    "converted": ("转化客户数", "Converted"),
    "conversion_rate": ("转化率", "Conversion"),
    "attributed_revenue": ("归因收入(元)", "Attributed (CNY)"),
    "revenue_before": ("活动前收入(元)", "Before (CNY)"),
    "revenue_during": ("活动期收入(元)", "During (CNY)"),
    "incremental_revenue": ("增量收入(元)", "Incremental (CNY)"),
    "roi": ("ROI", "ROI"),
    # 新客户激活
    "first_order_date": ("首购日期", "First order"),
    "first_amount": ("首购金额(元)", "First amount (CNY)"),
    "second_order_date": ("二次购买日期", "Second order"),
    "days_to_second": ("间隔天数", "Days to 2nd"),
    "days_since_first": ("首购至今天数", "Days since 1st"),
    "status_label": ("激活状态", "Status"),
    # 重点客户画像
    "rank": ("排名", "Rank"),
    "industry": ("所属行业", "Industry"),
    "layer_label": ("客户层级", "Layer"),
    "first_purchase_date": ("首次购买", "First purchase"),
    "last_purchase_date": ("最近购买", "Last purchase"),
    "orders": ("购买频次(次)", "Purchases"),
    "monetary": ("累计金额(元)", "Amount (CNY)"),
    "revenue_recent": ("近期销售额(元)", "Recent (CNY)"),
    "revenue_change": ("变化", "Change"),
    "top_products": ("主要产品", "Top products"),
    "interactions_recent": ("近期互动", "Interactions"),
    "last_interaction_date": ("最近互动", "Last interaction"),
    "satisfaction_avg": ("满意度(1-5)", "Satisfaction"),
    "nps_avg": ("推荐意愿(0-10)", "Recommend"),
    "open_issues": ("未解决问题", "Open issues"),
    "open_issue_text": ("最近未解决问题", "Latest open issue"),
    "tags": ("客户标签", "Tags"),
    "risk_label": ("流失风险", "Churn risk"),
    "reasons": ("风险原因", "Risk reasons"),
    "actions": ("建议措施", "Recommended actions"),
})

# a column: (key, kind) or (key, kind, width) or (key, kind, width, the HEADERS key of its header)
_Col = tuple[str, Kind] | tuple[str, Kind, int | None] | tuple[str, Kind, int | None, str]


def _cols(spec: tuple[_Col, ...], lang: str) -> tuple[ColumnSpec, ...]:
    h = HEADERS.lang(lang)
    out = []
    for item in spec:
        k, kind = item[0], item[1]
        width = item[2] if len(item) > 2 else None
        text = item[3] if len(item) > 3 else k
        out.append(ColumnSpec(k, h(text), kind, width=width, wrap=width is not None and width >= 30))
    return tuple(out)


def note_lines(text: str, width: int = 110) -> tuple[str, ...]:
    """Split a long note into lines of at most about ``width`` display columns, at sentence
    or clause ends (。；; . ), so notes stay readable without merged cells."""
    parts = re.split(r"(?<=[。；;])\s*|(?<=\. )", text)
    lines: list[str] = []
    cur = ""
    for p in (x for x in parts if x):
        if cur and display_width(cur + p) > width:
            lines.append(cur.rstrip())
            cur = p
        else:
            cur += p
    if cur.strip():
        lines.append(cur.rstrip())
    return tuple(lines) or (text,)



def _head(title: str, conclusions: tuple[str, ...], note: str, formula: str) -> list:
    blocks = [TextBlock((title,), style="title")]
    if conclusions:
        blocks.append(TextBlock(tuple(x for c in conclusions for x in note_lines(c)), style="body"))
    if note:
        blocks.append(TextBlock(note_lines(note), style="note"))
    blocks.append(TextBlock(note_lines(formula), style="note"))
    return list(stack(blocks, gap=0))


def _after(blocks: list) -> int:
    last = blocks[-1]
    return last.row + (last.height if isinstance(last, TextBlock) else last.height) + 1


_GROUP_COLS: tuple[_Col, ...] = (("target", "money"), ("actual", "money"), ("attainment", "percent"), ("gap", "money"))


def target_review_sheet(review: TargetReview, settings: AnalysisSettings) -> SheetSpec:
    """销售目标复盘: by period (with a column chart of target vs actual), owner, region,
    growth contributors and every target row."""
    t = TEXTS.lang(settings.lang)
    head = _head(t.target_title, review.conclusions, review.note, t.target_formula)
    name = sheet_name("target_review", settings.lang)
    if len(review.detail) == 0:
        return SheetSpec(name=name, blocks=tuple(head), tab_color="7030A0")
    def g(key: str, group: str, title: str, frame: pd.DataFrame) -> TableBlock:
        return TableBlock(key, _cols((("group", "text", None, group), *_GROUP_COLS), settings.lang), frame,
                          title=t(title))
    t_period = g("TargetByPeriod", "period", "target_by_period", review.by_period)
    t_owner = g("TargetByOwner", "target_owner", "target_by_owner", review.by_owner)
    t_region = g("TargetByRegion", "region", "target_by_region", review.by_region)
    t_contrib = TableBlock("GrowthContributors", _cols((
        ("customer_id", "text"), ("customer_name", "text", 24),
        ("owner", "text"), ("region", "text"),
        ("revenue_previous", "money"),
        ("revenue_latest", "money"), ("change", "money"),
        ("share_of_growth", "percent")), settings.lang), review.contributors,
        title=t("target_contributors", period=review.latest_period))
    t_detail = TableBlock("TargetDetail", _cols((
        ("period", "text"), ("owner", "text", None, "target_owner"), ("region", "text"),
        ("period_start", "date"), ("period_end", "date"),
        ("target", "money"), ("actual", "money"),
        ("attainment", "percent"), ("gap", "money")), settings.lang),
        review.detail, title=t.target_detail)
    start = _after(head)
    top = stack([t_period], start_row=start)
    rows_needed = max(top[0].last_row, top[0].row + 18) + 2
    rest = stack([t_owner, t_region, t_contrib, t_detail], start_row=rows_needed)
    chart = ChartSpec(kind="column", title=t.target_chart,
                      table="TargetByPeriod", category="group", series=("target", "actual"),
                      anchor=f"{col_letter(len(_GROUP_COLS) + 3)}{top[0].row}", width_cm=20, height_cm=9,
                      secondary=(), y_axis_title=t.target_chart_axis)
    return SheetSpec(name=name, blocks=tuple(head) + top + rest, charts=(chart,), tab_color="7030A0")


def campaign_sheet(review: CampaignReview, settings: AnalysisSettings) -> SheetSpec:
    """营销活动评估: one row per started campaign, with a column chart of ROI."""
    t = TEXTS.lang(settings.lang)
    formula = t("campaign_formula", days=settings.campaign_attribution_days)
    head = _head(t.campaign_title, review.conclusions, review.note, formula)
    name = sheet_name("campaign_review", settings.lang)
    if len(review.campaigns) == 0:
        return SheetSpec(name=name, blocks=tuple(head), tab_color="7030A0")
    tb = TableBlock("CampaignReview", _cols((
        ("campaign_id", "text"), ("campaign_name", "text", 22),
        ("channel", "text"), ("start_date", "date"),
        ("window_end", "date"), ("cost", "money"),
        ("reached", "int"), ("participants", "int"),
        ("participation_rate", "percent"), ("leads", "int"),
        ("leads_won", "int"), ("converted", "int"),
        ("conversion_rate", "percent"),
        ("attributed_revenue", "money"),
        ("revenue_before", "money"),
        ("revenue_during", "money"),
        ("incremental_revenue", "money"), ("roi", "percent")), settings.lang),
        review.campaigns.iloc[::-1].reset_index(drop=True))
    body = stack([tb], start_row=_after(head))
    chart = ChartSpec(kind="column", title=t.campaign_chart, table="CampaignReview",
                      category="campaign_name", series=("roi",), anchor=f"A{body[0].last_row + 2}", width_cm=22,
                      height_cm=8)
    return SheetSpec(name=name, blocks=tuple(head) + body, charts=(chart,), tab_color="7030A0")


def activation_sheet(act: Activation, settings: AnalysisSettings) -> SheetSpec:
    """新客户激活: the summary metrics and every new customer, those needing attention first."""
    s = settings
    t = TEXTS.lang(settings.lang)
    formula = t("activation_formula", new_days=s.new_customer_days, days=s.activation_days,
                attention_days=s.activation_attention_days)
    head = _head(t.activation_title, act.conclusions, act.note, formula)
    name = sheet_name("activation", settings.lang)
    if len(act.customers) == 0:
        return SheetSpec(name=name, blocks=tuple(head), tab_color="7030A0")
    vals = dict(zip(act.summary["metric"], act.summary["value"], strict=True))
    kinds: dict[str, Kind] = {"new_customers": "int", "eligible": "int", "activated": "int", "activation_rate": "percent",
             "median_days_to_second": "number", "needs_attention": "int"}
    labels = dict(zip(act.summary["metric"], act.summary["label"], strict=True))
    t_sum = TableBlock("ActivationSummary", tuple(ColumnSpec(k, labels[k], kind) for k, kind in kinds.items()),
                       pd.DataFrame({k: [vals.get(k)] for k in kinds}), title=t.activation_summary)
    t_c = TableBlock("NewCustomers", _cols((
        ("customer_id", "text"), ("customer_name", "text", 24),
        ("owner", "text"), ("first_order_date", "date"),
        ("first_amount", "money"),
        ("second_order_date", "date"),
        ("days_to_second", "int"), ("days_since_first", "int"),
        ("status_label", "text")), settings.lang), act.customers,
        title=t.activation_customers)
    attention = (t.needs_attention, t.not_activated)
    from .spec import ConditionalFormat
    t_c = TableBlock(t_c.name, t_c.columns, t_c.data, title=t_c.title, conditional_formats=tuple(
        ConditionalFormat("status_label", "equals", a, "FFC7CE", font_color="9C0006") for a in attention))
    body = stack([t_sum, t_c], start_row=_after(head))
    return SheetSpec(name=name, blocks=tuple(head) + body, tab_color="7030A0")


def key_account_sheet(profiles: pd.DataFrame, settings: AnalysisSettings) -> SheetSpec:
    """重点客户画像: one row per key account with history, products, interactions, open
    issues, tags, churn risk and recommended actions."""
    m = settings.kpi_window_months or 12
    t = TEXTS.lang(settings.lang)
    formula = t("key_accounts_formula", top_n=settings.key_account_top_n, m=m)
    head = _head(t.key_accounts_title, (), "" if len(profiles) else t.key_accounts_none, formula)
    name = sheet_name("key_accounts", settings.lang)
    if len(profiles) == 0:
        return SheetSpec(name=name, blocks=tuple(head), tab_color="7030A0")
    tb = TableBlock("KeyAccounts", _cols((
        ("rank", "int"), ("customer_id", "text"),
        ("customer_name", "text", 24), ("industry", "text", 16),
        ("region", "text"), ("owner", "text"),
        ("layer_label", "text"), ("first_purchase_date", "date"),
        ("last_purchase_date", "date"), ("orders", "int"),
        ("monetary", "money"), ("revenue_recent", "money"),
        ("revenue_previous", "money"), ("revenue_change", "percent"),
        ("top_products", "text", 30), ("interactions_recent", "int"),
        ("last_interaction_date", "date"),
        ("satisfaction_avg", "ratio"), ("nps_avg", "ratio"),
        ("open_issues", "int"), ("open_issue_text", "text", 24),
        ("tags", "text", 20), ("risk_label", "text"),
        ("reasons", "text", 30), ("actions", "text", 50)), settings.lang),
        profiles)
    body = stack([tb], start_row=_after(head))
    return SheetSpec(name=name, blocks=tuple(head) + body, tab_color="7030A0", freeze=f"D{body[0].first_data_row}")


def scenario_sheets(result, data, settings: AnalysisSettings | None = None, *,
                    first: "list[SheetSpec] | None" = None, prepared=None) -> list[SheetSpec]:
    """The four scenario sheets for ``result`` on cleaned ``data``; ``first``: the three of
    :func:`scenario_sheets_before_churn`, when they were built already; ``prepared``: the
    analysis's :class:`~crm_xl.core.prepared.Prepared` of ``data`` (else prepared again)."""
    s = settings or result.settings
    if first is None:
        first = scenario_sheets_before_churn(data, s, result.as_of, prepared)
    return [*first, key_account_sheet(key_account_profiles(result, data, s, prepared=prepared), s)]


def scenario_sheets_before_churn(data, settings: AnalysisSettings, as_of, prepared=None) -> list[SheetSpec]:
    """The three scenario sheets that need neither the churn warnings nor the CLV model
    (sales targets, campaigns, new-customer activation): the report builds them while the
    CLV models are fitted (:mod:`crm_xl.report.build`). ``prepared``: the analysis's
    :class:`~crm_xl.core.prepared.Prepared` of ``data`` (its order facts; else prepared again)."""
    s = settings
    return [
        target_review_sheet(sales_target_review(data, s, as_of=as_of, prepared=prepared), s),
        campaign_sheet(campaign_evaluation(data, s, as_of=as_of, prepared=prepared), s),
        activation_sheet(new_customer_activation(data, s, as_of=as_of, prepared=prepared), s),
    ]
