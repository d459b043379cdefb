"""AnalysisSettings: the one frozen, typed object holding every threshold the seeds mention.

Defaults come from the two seed templates (see ``../shared/seeds``):

* Template 1 (seed 004) R/F/M scores 1-5 with absolute breakpoints chosen so that the
  template's own rows come out as printed with the analysis date at the end of Sept 2024:
  C001 2024-09-15 / 12 / 150,000 -> 5,5,5; C002 2024-07-20 / 8 / 80,000 -> 3,4,4;
  C003 2024-03-10 / 3 / 20,000 -> 1,2,2. "近1个月=5分": recency <= 30 days scores 5.
* Layering by RFM total (default, Template 1) or by seed 000's business rules
  (高价值: purchase within 3 months, >= 5 purchases a year, >= 50万; 潜力: within 3 months,
  3-4 a year, 20-50万; 流失风险: none for 6 months, <= 2 a year, <= 10万), with a named
  fallback layer for customers no rule matches; or the 11-segment R x FM map.
* Remarks (备注), tags (价格敏感型, 技术需求型, 决策链复杂, 需定制化服务, 关注售后响应), churn
  indicators (seed 000 step 4: frequency change over the last 3 months, days since the last
  purchase, negative feedback; plus unresolved complaints and response timeouts, "售后响应超时3次").
* KPI windows (seed 004 "近12个月有购买记录的活跃客户"), NPS bands (9-10 / 0-6), trend months (近6个月).
* Strategy per layer (seed 000 step 5): owner role, action, deadline.

Every field is editable from the workbook's 设置 sheet: :func:`settings_to_rows` writes one
row per value (name / value / description, lists as ``"30, 60, 90, 180"``, rules and
strategies as one row per field with a dotted readable name such as
``layer_rule.high_value.monetary_min``) and :func:`settings_from_rows` reads them back,
raising :class:`~crm_xl.errors.SettingsError` that names the setting (and its row) for a
bad value.
"""

from __future__ import annotations

__all__ = [
    "LAYER_KEYS",
    "RFM11_KEYS",
    "TAG_METRICS",
    "LayerRule",
    "StrategyRule",
    "TagRule",
    "AnalysisSettings",
    "DEFAULT_SETTINGS",
    "settings_to_rows",
    "settings_from_rows",
]

import datetime as dt
import itertools
import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

from .errors import SettingsError

if TYPE_CHECKING:
    import pandas as pd

# Layer keys are stable identifiers; what the user sees comes from ``layer_labels``.
LAYER_KEYS = ("high_value", "potential", "regular", "at_risk", "unclassified")
# the 11 segments of the R x FM map (layer_mode="rfm11"), see crm_xl.core.segments
RFM11_KEYS = ("champions", "loyal", "potential_loyalist", "new_customers", "promising", "need_attention",
              "about_to_sleep", "at_risk_rfm", "cant_lose", "hibernating", "lost")

DEFAULT_LAYER_LABELS_ZH = {
    "high_value": "高价值客户",
    "potential": "潜力客户",
    "regular": "一般客户",
    "at_risk": "流失风险客户",
    "unclassified": "未匹配规则客户",
    "no_purchase": "无购买记录客户",
    "champions": "冠军客户",
    "loyal": "忠诚客户",
    "potential_loyalist": "潜在忠诚客户",
    "new_customers": "新客户",
    "promising": "有潜力客户",
    "need_attention": "需关注客户",
    "about_to_sleep": "即将沉睡客户",
    "at_risk_rfm": "有流失风险客户",
    "cant_lose": "不能失去的客户",
    "hibernating": "休眠客户",
    "lost": "已流失客户",
}
DEFAULT_LAYER_LABELS_EN = {
    "high_value": "High value",
    "potential": "Potential",
    "regular": "Regular",
    "at_risk": "Churn risk",
    "unclassified": "No rule matched",
    "no_purchase": "No purchases",
    "champions": "Champions",
    "loyal": "Loyal",
    "potential_loyalist": "Potential loyalist",
    "new_customers": "New customers",
    "promising": "Promising",
    "need_attention": "Need attention",
    "about_to_sleep": "About to sleep",
    "at_risk_rfm": "At risk",
    "cant_lose": "Can't lose them",
    "hibernating": "Hibernating",
    "lost": "Lost",
}

# per-customer metrics a tag rule can test (computed in crm_xl.core.tags)
TAG_METRICS = (
    "discount_order_share",  # share of orders bought at a discount or in a campaign (0-1)
    "technical_interactions",  # interactions matching keywords_technical
    "visits",  # interactions matching keywords_visit (meetings, visits, demos)
    "lead_cycle_days",  # mean days from lead creation to deal, over the customer's won leads
    "custom_requests",  # interactions matching keywords_custom
    "after_sales_contacts",  # interactions matching keywords_after_sales
)


@dataclass(frozen=True)
class LayerRule:
    """A business rule for rule-mode layering (seed 000 step 3). All bounds inclusive;
    ``None`` means unbounded. A customer matches when every bound holds."""

    layer: str
    recency_days_min: int | None = None
    recency_days_max: int | None = None
    frequency_min: float | None = None  # purchases per year (in the analysis window)
    frequency_max: float | None = None
    monetary_min: float | None = None  # 元 in the analysis window
    monetary_max: float | None = None


@dataclass(frozen=True)
class StrategyRule:
    """What to do for a layer (seed 000 step 5)."""

    layer: str
    owner_role_zh: str
    owner_role_en: str
    action_zh: str
    action_en: str
    deadline_days: int


@dataclass(frozen=True)
class TagRule:
    """A tag fires for a customer when ``metric >= min_value`` (seed 000 step 3 标签化).

    Several rules may share a ``tag``: the tag fires when any of them does, and the
    explanation names every rule that fired with the customer's value.
    """

    tag: str
    label_zh: str
    label_en: str
    metric: str
    min_value: float


DEFAULT_LAYER_RULES = (
    LayerRule("high_value", recency_days_max=90, frequency_min=5, monetary_min=500_000),
    LayerRule("potential", recency_days_max=90, frequency_min=3, frequency_max=4,
              monetary_min=200_000, monetary_max=500_000),
    LayerRule("at_risk", recency_days_min=181, frequency_max=2, monetary_max=100_000),
)

DEFAULT_STRATEGIES = (
    StrategyRule("high_value", "资深客户经理", "Senior account manager",
                 "季度上门回访；提供专属服务（定制化方案、优先售后响应）；收集深度需求并协同产品部门优化",
                 "Quarterly on-site visit; dedicated service (custom solutions, priority support); "
                 "collect in-depth needs and feed them to product",
                 90),
    StrategyRule("potential", "销售专员", "Sales specialist",
                 "产品培训与试用体验，引导扩大合作；重点解决成本顾虑、功能适配性问题",
                 "Product training and trials to grow the account; address cost concerns and fit",
                 30),
    StrategyRule("regular", "销售专员", "Sales specialist",
                 "常规维护：定期电话沟通，推送新品与活动信息",
                 "Routine care: regular calls, share new products and campaigns",
                 60),
    StrategyRule("at_risk", "销售主管", "Sales manager",
                 "1周内完成客户回访，明确流失原因（价格、服务、竞品），提出挽留方案（折扣优惠、服务升级）",
                 "Call back within 1 week, find the reason (price, service, competitor), "
                 "offer retention (discount, service upgrade)",
                 7),
)

DEFAULT_TAG_RULES = (
    TagRule("price_sensitive", "价格敏感型", "Price-sensitive", "discount_order_share", 0.5),
    TagRule("technical", "技术需求型", "Technical needs", "technical_interactions", 3),
    TagRule("complex_decision", "决策链复杂", "Complex decision chain", "lead_cycle_days", 60),
    TagRule("complex_decision", "决策链复杂", "Complex decision chain", "visits", 6),
    TagRule("custom_service", "需定制化服务", "Needs customisation", "custom_requests", 1),
    TagRule("after_sales", "关注售后响应", "Cares about after-sales response", "after_sales_contacts", 2),
)

_LABEL_T = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class AnalysisSettings:
    """Every threshold of the analysis, with the seeds' defaults.

    Breakpoint conventions
    ----------------------
    ``recency_breakpoints_days`` are *upper* bounds (inclusive) in days for scores
    5, 4, 3, 2: with (30, 60, 90, 180) a purchase 30 days ago scores 5, 31..60 days 4,
    61..90 days 3, 91..180 days 2, older 1.
    ``frequency_breakpoints`` and ``monetary_breakpoints`` are *lower* bounds (inclusive)
    for scores 2, 3, 4, 5: with frequency (2, 4, 6, 10), 1 purchase scores 1, 2-3 score 2,
    4-5 score 3, 6-9 score 4, 10 or more score 5.

    Windows
    -------
    ``rfm_window_months`` (None = all history, Template 1's 累计) counts frequency and
    monetary for the RFM scores; ``rule_window_months`` is the "year" of seed 000's rules
    (年度合作频次); ``kpi_window_months`` is the period of the KPIs (近12个月 by default;
    None = all history); ``trend_months`` the months of the trend series (近6个月).
    """

    lang: Literal["zh", "en"] = "zh"
    # None: the latest order date in the data
    analysis_date: dt.date | None = None
    # months of history used for frequency / monetary; None = all history (Template 1's 累计)
    rfm_window_months: int | None = None
    trend_months: int = 6
    kpi_window_months: int | None = 12
    rule_window_months: int = 12

    # auto: the absolute breakpoints where they spread customers; quintiles for a dimension
    # where they would put almost everyone into one score (amounts in another currency or
    # scale than the seed's 元); see crm_xl.core.rfm.score_modes
    score_mode: Literal["auto", "absolute", "quantile"] = "auto"
    recency_breakpoints_days: tuple[int, int, int, int] = (30, 60, 90, 180)
    frequency_breakpoints: tuple[float, float, float, float] = (2, 4, 6, 10)
    monetary_breakpoints: tuple[float, float, float, float] = (10_000, 30_000, 60_000, 100_000)
    rfm_weights: tuple[float, float, float] = (1.0, 1.0, 1.0)

    layer_mode: Literal["score", "rules", "rfm11"] = "score"
    # score mode: minimum RFM total (inclusive) for each layer, checked top-down; below the
    # last threshold -> the last layer
    score_layer_thresholds: tuple[tuple[str, float], ...] = (
        ("high_value", 12),
        ("potential", 9),
        ("regular", 6),
        ("at_risk", 0),
    )
    layer_rules: tuple[LayerRule, ...] = DEFAULT_LAYER_RULES
    layer_labels_zh: _LABEL_T = tuple(DEFAULT_LAYER_LABELS_ZH.items())
    layer_labels_en: _LABEL_T = tuple(DEFAULT_LAYER_LABELS_EN.items())

    # remarks (备注), Template 1
    remark_inactive_days: int = 180  # 超过6个月未购买
    remark_no_order_days: int = 90  # 近3个月未下单
    remark_trend_days: int = 60  # 近2个月购买频次下降: last N days vs the N days before
    remark_new_days: int = 90  # 新客户: first purchase within N days

    # tags
    tag_rules: tuple[TagRule, ...] = DEFAULT_TAG_RULES
    tag_min_orders: int = 3  # discount_order_share needs at least this many orders
    keywords_technical: tuple[str, ...] = ("技术", "实施", "接口", "部署", "培训", "technical", "support")
    keywords_visit: tuple[str, ...] = ("拜访", "会议", "演示", "visit", "meeting", "demo")
    keywords_custom: tuple[str, ...] = ("定制", "个性化", "custom")
    keywords_after_sales: tuple[str, ...] = ("售后", "响应", "维修", "投诉", "after-sales", "complaint")
    keywords_complaint: tuple[str, ...] = ("投诉", "complaint")

    # NPS bands (seed: 9-10 promoters, 0-6 detractors)
    nps_promoter_min: int = 9
    nps_detractor_max: int = 6

    # churn warning (seed 000 step 4)
    churn_compare_months: int = 3  # last N months vs the N months before
    churn_freq_drop: float = 0.5  # frequency fell by at least this share ...
    churn_min_prev_orders: int = 2  # ... given at least this many orders in the earlier period
    churn_gap_multiple: float = 2.0  # days since last purchase > multiple x the usual gap
    churn_inactive_days: int = 180  # or > this many days, whatever the usual gap
    churn_feedback_days: int = 180  # negative feedback, complaints, timeouts: last N days
    churn_negative_feedback_min: int = 2
    negative_satisfaction_max: float = 2  # satisfaction (1-5) at or below this is negative
    churn_unresolved_min: int = 1
    churn_timeout_hours: float = 48  # a response slower than this is a timeout (售后响应超时)
    churn_timeout_min: int = 2
    churn_high_min_signals: int = 2  # indicators firing for 高 risk
    churn_medium_min_signals: int = 1  # ... for 中 risk
    # P(alive) from the BG/NBD model as an extra churn signal: fires when P(alive) < this;
    # 0 = off (the churn table still shows P(alive)); see docs/clv.md
    churn_p_alive_below: float = 0.0

    # funnel stages (lead stage text, case-insensitive); the same lists decide which deals of
    # an opportunity export are purchases (won) and which are not (lost, open)
    stage_opportunity: tuple[str, ...] = ("商机", "初步接洽", "需求确认", "方案报价", "商务谈判", "谈判", "opportunity",
                                          "qualified", "qualification", "prospecting", "needs analysis",
                                          "value proposition", "id. decision makers", "perception analysis",
                                          "proposal", "proposal/price quote", "negotiation", "negotiation/review",
                                          "engaging", "discovery", "demo", "contract sent", "verbal commitment",
                                          "proposal/quote", "quote")
    stage_won: tuple[str, ...] = ("成交", "已成交", "赢单", "已赢单", "已付款", "已支付", "已完成", "交易成功", "won", "closed won",
                                  "converted", "paid", "completed", "succeeded")
    stage_lost: tuple[str, ...] = ("丢失", "输单", "丢单", "已丢单", "lost", "closed lost")

    # what counts as a purchase (issue 15, docs/data-intake.md): an order whose status is
    # won (stage_won), or any other status not listed below; never a lost or open deal
    # (stage_lost, stage_opportunity, open_statuses) or a cancelled one
    open_statuses: tuple[str, ...] = ("待付款", "未付款", "待支付", "待审核", "草稿", "报价", "pending", "pending payment",
                                      "unpaid", "draft", "quote", "quotation", "open")
    cancelled_statuses: tuple[str, ...] = ("已取消", "取消", "作废", "已作废", "退款", "已退款", "退货", "已退货", "交易关闭",
                                           "cancelled", "canceled", "void", "voided", "refunded", "returned", "rejected")
    # invoice numbers of credit notes: the prefix followed by digits, where the other numbers
    # are digits only (C536379 in a retail invoice export)
    credit_note_prefixes: tuple[str, ...] = ("C",)
    # returns and credit notes (negative amounts): net = reduce the customer's amount
    # (never a purchase, never the last purchase date); ignore = left out
    returns_mode: Literal["net", "ignore"] = "net"
    # exports without order numbers: customer_day = one order per customer and day; row = one per row
    order_grouping: Literal["customer_day", "row"] = "customer_day"
    # dates like 02/03/24: auto = decided per column from the data (a first field above 12
    # means day-first), ymd / mdy / dmy force an order
    date_order: Literal["auto", "ymd", "mdy", "dmy"] = "auto"
    # currency of the amounts: auto = found in the data ($, £, €, a currency column), else 元
    # (zh) / CNY (en); or a symbol or code such as $, USD, €, £
    currency: str = "auto"

    # diagnosis
    insight_period_months: int = 3  # change = last N months vs the N months before
    insight_min_customers: int = 5  # smaller groups are not compared
    insight_gap_min: float = 0.10  # flag a group deviating from the others' median by this much
    # P(alive) below this counts as "probably lost" in 问题诊断 and 结论与建议 (0.5: the model
    # rates the customer more likely gone than active); independent of churn_p_alive_below
    insight_p_alive_below: float = 0.5
    new_product_days: int = 90  # products first sold within N days are 新品

    strategies: tuple[StrategyRule, ...] = DEFAULT_STRATEGIES
    # customer lifespan (years) used by the seed's LTV formula when no contract data gives it
    default_lifespan_years: float = 3.0

    # strategy execution and effect tracking, scenarios (issue 8; docs/strategy.md)
    effect_window_days: int = 90  # KPIs in the N days before vs after a strategy's start
    campaign_attribution_days: int = 30  # orders up to N days after a campaign's end count for it
    new_customer_days: int = 180  # first purchase within N days of the analysis date = new customer
    activation_days: int = 60  # a second order within N days of the first = activated
    activation_attention_days: int = 30  # no second order after N days = needs attention
    key_account_top_n: int = 20  # key accounts: the top N customers by amount (Top20客户)
    # predictive customer value (BG/NBD + Gamma-Gamma, crm_xl.core.clv_report)
    clv_time_unit: Literal["days", "weeks", "months"] = "weeks"  # time unit the models are fitted in
    clv_horizon_months: int = 12  # CLV = discounted value of the next N months
    clv_discount_rate: float = 0.01  # monthly discount rate of the CLV
    clv_margin: float = 1.0  # gross margin share: CLV x margin (1 = revenue)
    clv_holdout_months: int = 6  # calibration check: last N months held out (0 = no check)
    clv_penalizer: float = 0.0  # 0 = plain maximum likelihood; a failed fit is retried with 0.001
    clv_min_repeat_customers: int = 20  # fewer customers with repeat purchases: no model
    clv_max_abs_correlation: float = 0.3  # Gamma-Gamma check: |corr(frequency, spend)| above this (and significant) warns

    # where the data lives (crm_xl.sources.SourceSpec): ("url", ...), ("table", ...),
    # ("query.<table>", SQL), ("snapshot", time read); rows source.* of the 设置 sheet, written
    # only when a source is set; `crm-xl report BOOK` reads the data from it again
    source: tuple[tuple[str, str], ...] = ()

    extra: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:  # noqa: C901 - being redeclared (issue 18 item 2)
        if self.lang not in ("zh", "en"):
            raise SettingsError(f"语言必须是 zh 或 en，而不是 {self.lang!r}", f"lang must be zh or en, not {self.lang!r}")
        _check_increasing("recency_breakpoints_days", self.recency_breakpoints_days)
        _check_increasing("frequency_breakpoints", self.frequency_breakpoints)
        _check_increasing("monetary_breakpoints", self.monetary_breakpoints)
        if self.analysis_date is not None and not isinstance(self.analysis_date, dt.date):
            raise SettingsError(f"分析日期必须是日期，而不是 {self.analysis_date!r}",
                                f"analysis_date must be a date, not {self.analysis_date!r}")
        _choice("score_mode", self.score_mode, ("auto", "absolute", "quantile"))
        _choice("returns_mode", self.returns_mode, ("net", "ignore"))
        _choice("order_grouping", self.order_grouping, ("customer_day", "row"))
        _choice("date_order", self.date_order, ("auto", "ymd", "mdy", "dmy"))
        if not isinstance(self.currency, str) or not self.currency.strip() or len(self.currency.strip()) > 12:
            raise SettingsError(f"currency 必须是 auto 或货币符号/代码（如 元、$、USD），而不是 {self.currency!r}",
                                f"currency must be auto or a currency symbol/code (元, $, USD, ...), not {self.currency!r}")
        _choice("layer_mode", self.layer_mode, ("score", "rules", "rfm11"))
        _choice("clv_time_unit", self.clv_time_unit, ("days", "weeks", "months"))
        for name in ("trend_months", "rule_window_months", "remark_inactive_days", "remark_no_order_days",
                     "remark_trend_days", "remark_new_days", "churn_compare_months", "churn_feedback_days",
                     "insight_period_months", "new_product_days", "effect_window_days", "activation_days",
                     "new_customer_days", "key_account_top_n", "clv_horizon_months"):
            _positive(name, getattr(self, name))
        for name in ("rfm_window_months", "kpi_window_months"):
            if getattr(self, name) is not None:
                _positive(name, getattr(self, name))
        for name in ("tag_min_orders", "churn_min_prev_orders", "churn_inactive_days", "churn_negative_feedback_min",
                     "churn_unresolved_min", "churn_timeout_min", "churn_medium_min_signals", "insight_min_customers",
                     "campaign_attribution_days", "activation_attention_days", "clv_holdout_months", "clv_min_repeat_customers"):
            _non_negative(name, getattr(self, name))
        if len(self.rfm_weights) != 3 or any(not _finite(w) or w < 0 for w in self.rfm_weights) or sum(self.rfm_weights) <= 0:
            raise SettingsError(f"rfm_weights 需要 3 个非负权重且不全为 0：{self.rfm_weights}",
                                f"rfm_weights needs 3 non-negative weights, not all zero: {self.rfm_weights}")
        if self.remark_no_order_days >= self.remark_inactive_days:
            raise SettingsError("remark_no_order_days 必须小于 remark_inactive_days",
                                "remark_no_order_days must be less than remark_inactive_days")
        if not (0 < self.churn_freq_drop <= 1):
            raise SettingsError("churn_freq_drop 必须在 0 到 1 之间（如 0.5 表示下降一半）",
                                "churn_freq_drop must be in (0, 1] (0.5 = halved)")
        for name in ("churn_gap_multiple", "churn_timeout_hours", "default_lifespan_years"):
            v = getattr(self, name)
            if not _finite(v) or v <= 0:
                raise SettingsError(f"{name} 必须为正数，而不是 {v!r}", f"{name} must be positive, not {v!r}")
        for name, lo, hi, lo_open in (("churn_p_alive_below", 0.0, 1.0, False), ("insight_p_alive_below", 0.0, 1.0, True),
                                      ("clv_discount_rate", 0.0, 1.0, False),
                                      ("clv_margin", 0.0, 1.0, True), ("clv_penalizer", 0.0, 10.0, False),
                                      ("clv_max_abs_correlation", 0.0, 1.0, False)):
            v = getattr(self, name)
            if not _finite(v) or v < lo or v > hi or (lo_open and v <= lo):
                raise SettingsError(f"{name} 必须在 {lo:g} 到 {hi:g} 之间{'（不含 0）' if lo_open else ''}，而不是 {v!r}",
                                    f"{name} must be between {lo:g} and {hi:g}{' (not 0)' if lo_open else ''}, not {v!r}")
        if not (0 <= self.insight_gap_min < 10):
            raise SettingsError("insight_gap_min 必须在 0 到 10 之间", "insight_gap_min must be between 0 and 10")
        if self.churn_high_min_signals < max(self.churn_medium_min_signals, 1):
            raise SettingsError("churn_high_min_signals 必须不小于 churn_medium_min_signals 且至少为 1",
                                "churn_high_min_signals must be >= churn_medium_min_signals and at least 1")
        if not (0 <= self.nps_detractor_max < self.nps_promoter_min <= 10):
            raise SettingsError(
                "NPS 分段无效：需要 0 ≤ 贬损者上限 < 推荐者下限 ≤ 10",
                "invalid NPS bands: need 0 <= detractor max < promoter min <= 10",
            )
        if not (1 <= self.negative_satisfaction_max <= 5):
            raise SettingsError("negative_satisfaction_max 必须在 1 到 5 之间", "negative_satisfaction_max must be in 1..5")
        thresholds = [t for _, t in self.score_layer_thresholds]
        if not thresholds or any(b >= a for a, b in itertools.pairwise(thresholds)):
            raise SettingsError(f"score_layer_thresholds 的最低总分必须从高到低严格递减：{self.score_layer_thresholds}",
                                f"score_layer_thresholds minimum totals must strictly decrease: {self.score_layer_thresholds}")
        for r in self.layer_rules:
            for lo, hi, what in ((r.recency_days_min, r.recency_days_max, "recency_days"),
                                 (r.frequency_min, r.frequency_max, "frequency"),
                                 (r.monetary_min, r.monetary_max, "monetary")):
                if lo is not None and hi is not None and lo > hi:
                    raise SettingsError(f"分层规则 {r.layer} 的 {what} 下限 {lo} 大于上限 {hi}",
                                        f"layer rule {r.layer}: {what} min {lo} exceeds max {hi}")
        for t in self.tag_rules:
            if t.metric not in TAG_METRICS:
                raise SettingsError(f"标签规则 {t.tag} 的指标 {t.metric!r} 未知；可用：{', '.join(TAG_METRICS)}",
                                    f"tag rule {t.tag}: unknown metric {t.metric!r}; known: {', '.join(TAG_METRICS)}")
            if not _finite(t.min_value):
                raise SettingsError(f"标签规则 {t.tag} 的阈值无效：{t.min_value!r}",
                                    f"tag rule {t.tag}: invalid threshold {t.min_value!r}")
        for s in self.strategies:
            if s.deadline_days < 0:
                raise SettingsError(f"策略 {s.layer} 的期限天数不能为负", f"strategy {s.layer}: deadline_days must be >= 0")

    def layer_label(self, key: str, lang: str | None = None) -> str:
        labels = dict(self.layer_labels_zh if (lang or self.lang) == "zh" else self.layer_labels_en)
        return labels.get(key, key)

    def strategy_for(self, layer: str) -> StrategyRule | None:
        for s in self.strategies:
            if s.layer == layer:
                return s
        return None

    def replace(self, **changes) -> "AnalysisSettings":
        """A copy with ``changes`` applied (validated again)."""
        return replace(self, **changes)


def _finite(v) -> bool:
    try:
        return math.isfinite(float(v))
    except (TypeError, ValueError):
        return False


def _choice(name: str, value, allowed: tuple) -> None:
    if value not in allowed:
        raise SettingsError(f"{name} 必须是 {' / '.join(allowed)} 之一，而不是 {value!r}",
                            f"{name} must be one of {', '.join(allowed)}, not {value!r}")


def _positive(name: str, value) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise SettingsError(f"{name} 必须是正整数，而不是 {value!r}", f"{name} must be a positive whole number, not {value!r}")


def _non_negative(name: str, value) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise SettingsError(f"{name} 必须是非负整数，而不是 {value!r}",
                            f"{name} must be a non-negative whole number, not {value!r}")


def _check_increasing(name: str, values: tuple) -> None:
    if len(values) != 4:
        raise SettingsError(f"{name} 需要 4 个分界点（对应 2-5 分），实际为 {len(values)} 个",
                            f"{name} needs 4 breakpoints (for scores 2-5), got {len(values)}")
    if any(not _finite(v) for v in values):
        raise SettingsError(f"{name} 的分界点必须是数字：{values}", f"{name} breakpoints must be numbers: {values}")
    if any(b <= a for a, b in itertools.pairwise(values)):
        raise SettingsError(f"{name} 的分界点必须严格递增：{values}",
                            f"{name} breakpoints must be strictly increasing: {values}")


DEFAULT_SETTINGS = AnalysisSettings()

# --------------------------------------------------------------------------------------
# the 设置 sheet: rows of name / value / description
# --------------------------------------------------------------------------------------

# scalar and list fields: name -> (kind, zh description, en description)
# kinds: int, int?, float, date?, choice, ints, floats, strs
_FIELDS: dict[str, tuple[str, str, str]] = {
    "lang": ("choice", "报告语言：zh（中文）或 en（英文）", "Report language: zh or en"),
    "analysis_date": ("date?", "分析日期（YYYY-MM-DD）；留空 = 最新订单日期", "Analysis date (YYYY-MM-DD); blank = latest order date"),
    "rfm_window_months": ("int?", "RFM 频次/金额统计的月数；留空 = 全部历史（累计）",
                          "Months counted for RFM frequency/amount; blank = all history"),
    "trend_months": ("int", "趋势图的月数（近6个月）", "Months in the trend series"),
    "kpi_window_months": ("int?", "KPI 统计期（月），如 12 = 近12个月；留空 = 全部历史",
                          "KPI period in months (12 = last 12 months); blank = all history"),
    "rule_window_months": ("int", "规则分层中“年度”频次/金额的月数", "Months that make the 'year' of rule-mode layering"),
    "score_mode": ("choice", "评分方式：auto（固定分界点；某一维度几乎所有客户同分时该维度改按五分位）、"
                                 "absolute（固定分界点）或 quantile（按五分位）",
                   "Scoring: auto (fixed breakpoints; quintiles for a dimension where they would give almost everyone "
                   "the same score), absolute (fixed breakpoints) or quantile (quintiles)"),
    "recency_breakpoints_days": ("ints", "R 分界点（天，含）：≤第1个=5分，≤第2个=4分，≤第3个=3分，≤第4个=2分，更久=1分",
                                 "R breakpoints (days, inclusive): <= 1st -> 5, <= 2nd -> 4, <= 3rd -> 3, <= 4th -> 2, older -> 1"),
    "frequency_breakpoints": ("floats", "F 分界点（次，含）：≥第1个=2分 … ≥第4个=5分",
                              "F breakpoints (purchases, inclusive): >= 1st -> 2 ... >= 4th -> 5"),
    "monetary_breakpoints": ("floats", "M 分界点（元，含）：≥第1个=2分 … ≥第4个=5分",
                             "M breakpoints (CNY, inclusive): >= 1st -> 2 ... >= 4th -> 5"),
    "rfm_weights": ("floats", "R、F、M 权重（RFM总分 = 加权和）", "Weights of R, F, M (RFM total = weighted sum)"),
    "layer_mode": ("choice", "分层方式：score（按RFM总分）、rules（业务规则）或 rfm11（11类R×FM矩阵）",
                   "Layering: score (RFM total), rules (business rules) or rfm11 (11-segment R x FM map)"),
    "remark_inactive_days": ("int", "备注“超过N个月未购买”的天数", "Days for the remark 'no purchase for over N months'"),
    "remark_no_order_days": ("int", "备注“近N个月未下单”的天数", "Days for the remark 'no order in the last N months'"),
    "remark_trend_days": ("int", "备注“近N个月购买频次下降”：近N天与之前N天比较",
                          "Remark 'frequency fell': last N days vs the N days before"),
    "remark_new_days": ("int", "备注“新客户”：首购在N天内", "Remark 'new customer': first purchase within N days"),
    "tag_min_orders": ("int", "判断价格敏感型所需的最少订单数", "Minimum orders before the price-sensitive tag can fire"),
    "keywords_technical": ("strs", "技术类互动的关键词（类型或内容包含即算）", "Keywords of technical interactions (type or notes)"),
    "keywords_visit": ("strs", "拜访/会议类互动的关键词", "Keywords of visits / meetings"),
    "keywords_custom": ("strs", "定制化需求的关键词", "Keywords of customisation requests"),
    "keywords_after_sales": ("strs", "售后类互动的关键词", "Keywords of after-sales contacts"),
    "keywords_complaint": ("strs", "投诉类互动的关键词（投诉率、负面反馈）", "Keywords of complaints (complaint rate, negative feedback)"),
    "nps_promoter_min": ("int", "NPS 推荐者最低分（默认 9）", "NPS promoter minimum score (default 9)"),
    "nps_detractor_max": ("int", "NPS 贬损者最高分（默认 6）", "NPS detractor maximum score (default 6)"),
    "churn_compare_months": ("int", "流失预警：近N个月与之前N个月的购买频次比较", "Churn: last N months vs the N before"),
    "churn_freq_drop": ("float", "流失预警：购买频次下降比例达到该值即触发（0.5 = 下降一半）",
                        "Churn: fires when frequency fell by at least this share (0.5 = halved)"),
    "churn_min_prev_orders": ("int", "流失预警：前一期至少有这么多订单才比较频次", "Churn: minimum orders in the earlier period"),
    "churn_gap_multiple": ("float", "流失预警：距上次购买天数超过其通常间隔的倍数", "Churn: days since last purchase > this x the usual gap"),
    "churn_inactive_days": ("int", "流失预警：距上次购买超过该天数即触发", "Churn: fires after this many days without purchase"),
    "churn_feedback_days": ("int", "流失预警：统计负面反馈、未解决投诉、响应超时的天数", "Churn: days counted for feedback, complaints, timeouts"),
    "churn_negative_feedback_min": ("int", "流失预警：负面反馈次数达到该值即触发", "Churn: negative feedback count that fires"),
    "negative_satisfaction_max": ("float", "满意度（1-5）不高于该值视为负面反馈", "Satisfaction (1-5) at or below this is negative"),
    "churn_unresolved_min": ("int", "流失预警：未解决投诉/工单数达到该值即触发", "Churn: unresolved complaints/tickets that fire"),
    "churn_timeout_hours": ("float", "响应时长超过该小时数视为响应超时", "A response slower than this many hours is a timeout"),
    "churn_timeout_min": ("int", "流失预警：响应超时次数达到该值即触发", "Churn: response timeouts that fire"),
    "churn_high_min_signals": ("int", "触发指标数 ≥ 该值 = 高风险", "Indicators firing for High risk"),
    "churn_medium_min_signals": ("int", "触发指标数 ≥ 该值 = 中风险", "Indicators firing for Medium risk"),
    "stage_opportunity": ("strs", "线索阶段中表示“商机”的名称", "Lead stage names meaning opportunity"),
    "stage_won": ("strs", "线索阶段中表示“成交”的名称", "Lead stage names meaning won"),
    "stage_lost": ("strs", "线索阶段中表示“丢失”的名称", "Lead stage names meaning lost"),
    "open_statuses": ("strs", "订单状态中表示“尚未成交”的名称（与商机阶段一样不计为购买）",
                      "Order statuses meaning not bought yet (like opportunity stages, not purchases)"),
    "cancelled_statuses": ("strs", "订单状态中表示取消、作废、退款、退货的名称（不计为购买）",
                           "Order statuses meaning cancelled, voided, refunded or returned (not purchases)"),
    "credit_note_prefixes": ("strs", "红字发票/退货单号的前缀（如 C536379；其余单号为纯数字时生效）",
                             "Prefixes of credit-note numbers (C536379; applies where the other numbers are digits only)"),
    "returns_mode": ("choice", "退货与红字（负金额）：net（冲减客户金额，不算购买）或 ignore（不计入）",
                     "Returns and credit notes (negative amounts): net (reduce the customer's amount, never a purchase) "
                     "or ignore (left out)"),
    "order_grouping": ("choice", "没有订单编号时：customer_day（同一客户同一天算一笔订单）或 row（每行一笔）",
                       "Without order numbers: customer_day (one order per customer and day) or row (one per row)"),
    "date_order": ("choice", "日期顺序：auto（按数据判断）、ymd（年月日）、mdy（月/日/年，美式）或 dmy（日/月/年）",
                   "Date order: auto (decided from the data), ymd, mdy (US month-first) or dmy (day-first)"),
    "currency": ("str", "金额的货币：auto（按数据识别 $、£、€ 或币种列，否则为元）或货币符号/代码，如 元、$、USD",
                 "Currency of the amounts: auto (found in the data: $, £, €, a currency column; else CNY) or a symbol "
                 "or code such as $, USD, €"),
    "insight_period_months": ("int", "问题诊断：近N个月与之前N个月比较", "Diagnosis: last N months vs the N before"),
    "insight_min_customers": ("int", "问题诊断：少于该客户数的分组不参与比较", "Diagnosis: smaller groups are not compared"),
    "insight_gap_min": ("float", "问题诊断：与其他分组中位数相差达到该值即标记", "Diagnosis: flag a deviation from the others' median this large"),
    "insight_p_alive_below": ("float", "问题诊断与结论：模型活跃概率 P(alive) 低于该值的客户视为可能已流失",
                              "Diagnosis and conclusions: customers with model P(alive) below this are probably lost"),
    "new_product_days": ("int", "近N天首次销售的产品视为新品", "Products first sold within N days count as new"),
    "default_lifespan_years": ("float", "LTV 公式中的客户生命周期（年）", "Customer lifespan (years) in the LTV formula"),
    "effect_window_days": ("int", "效果跟踪：比较策略开始前后各N天的指标", "Effect tracking: KPIs N days before vs after a strategy starts"),
    "campaign_attribution_days": ("int", "活动评估：活动结束后N天内的订单仍计入该活动", "Campaigns: orders up to N days after the end count"),
    "new_customer_days": ("int", "新客户激活：近N天首次购买的客户为新客户", "Activation: first purchase within N days = new customer"),
    "activation_days": ("int", "新客户激活：首购后N天内再次购买即为已激活", "Activation: a second order within N days of the first"),
    "activation_attention_days": ("int", "新客户激活：首购超过N天仍未再次购买需关注", "Activation: no second order after N days needs attention"),
    "key_account_top_n": ("int", "重点客户画像：累计金额前N名客户", "Key accounts: the top N customers by amount"),
    "churn_p_alive_below": ("float", "流失预警：模型活跃概率 P(alive) 低于该值时作为额外信号；0 = 不作为信号（仅显示）",
                            "Churn: model P(alive) below this is an extra signal; 0 = off (shown only)"),
    "clv_time_unit": ("choice", "客户价值预测模型的时间单位：days（天）、weeks（周）或 months（月）",
                      "CLV models' time unit: days, weeks or months"),
    "clv_horizon_months": ("int", "客户价值预测：CLV 计算未来N个月", "CLV: value of the next N months"),
    "clv_discount_rate": ("float", "客户价值预测：月贴现率（0.01 = 每月1%）", "CLV: monthly discount rate (0.01 = 1% a month)"),
    "clv_margin": ("float", "客户价值预测：毛利率（CLV × 毛利率；1 = 按销售额）", "CLV: gross margin share (1 = revenue)"),
    "clv_holdout_months": ("int", "客户价值预测：用最后N个月检验模型（0 = 不检验）",
                           "CLV: hold out the last N months to check the model (0 = no check)"),
    "clv_penalizer": ("float", "客户价值预测：惩罚系数（0 = 标准最大似然；拟合失败时自动用 0.001 重试）",
                      "CLV: penalizer (0 = plain maximum likelihood; a failed fit is retried with 0.001)"),
    "clv_min_repeat_customers": ("int", "客户价值预测：有重复购买的客户少于该数时不建模",
                                 "CLV: no model with fewer customers with repeat purchases"),
    "clv_max_abs_correlation": ("float", "客户价值预测：购买频次与平均金额的相关系数绝对值超过该值（且显著）时提示金额模型假设可能不成立",
                                "CLV: warn when |correlation of frequency and mean spend| exceeds this (and is significant)"),
}

_RULE_FIELDS = {
    "recency_days_min": ("int?", "最近购买天数下限（含）", "recency days, minimum (inclusive)"),
    "recency_days_max": ("int?", "最近购买天数上限（含）", "recency days, maximum (inclusive)"),
    "frequency_min": ("float?", "年度购买频次下限（含）", "purchases per year, minimum (inclusive)"),
    "frequency_max": ("float?", "年度购买频次上限（含）", "purchases per year, maximum (inclusive)"),
    "monetary_min": ("float?", "年度金额下限（元，含）", "amount per year (CNY), minimum (inclusive)"),
    "monetary_max": ("float?", "年度金额上限（元，含）", "amount per year (CNY), maximum (inclusive)"),
}
_STRATEGY_FIELDS = {
    "owner_role_zh": ("str", "负责人角色（中文）", "owner role (Chinese)"),
    "owner_role_en": ("str", "负责人角色（英文）", "owner role (English)"),
    "action_zh": ("str", "策略动作（中文）", "action (Chinese)"),
    "action_en": ("str", "策略动作（英文）", "action (English)"),
    "deadline_days": ("int", "完成期限（天）", "deadline (days)"),
}
_TAG_FIELDS = {
    "label_zh": ("str", "标签名称（中文）", "tag label (Chinese)"),
    "label_en": ("str", "标签名称（英文）", "tag label (English)"),
    "metric": ("str", f"判断指标（{', '.join(TAG_METRICS)}）", f"metric ({', '.join(TAG_METRICS)})"),
    "min_value": ("float", "指标 ≥ 该值时打标签", "tag fires when the metric >= this"),
}


def _fmt(kind: str, value):
    if value is None:
        return ""
    if kind in ("ints", "floats", "strs"):
        return ", ".join(_num_text(v) if kind != "strs" else str(v) for v in value)
    if kind == "date?":
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _num_text(v) -> str:
    f = float(v)
    return str(int(f)) if f.is_integer() else repr(f)


def settings_to_rows(settings: AnalysisSettings | None = None, lang: str | None = None) -> "pd.DataFrame":
    """The settings as the 设置 sheet's rows: columns ``name``, ``value``, ``description``.

    Parameters
    ----------
    settings : AnalysisSettings, optional
        Defaults to :data:`DEFAULT_SETTINGS`.
    lang : {'zh', 'en'}, optional
        Language of the descriptions (default ``settings.lang``).

    Returns
    -------
    pandas.DataFrame
        One row per value. Lists are written as ``"30, 60, 90, 180"``; layer thresholds,
        labels, rules, tag rules and strategies as one row per field with a dotted name
        (``score_layer.high_value``, ``layer_label_zh.high_value``,
        ``layer_rule.high_value.monetary_min``, ``tag_rule.1.metric``,
        ``strategy.at_risk.deadline_days``). A blank value means "none / unbounded".
    """
    import pandas as pd

    s = settings or DEFAULT_SETTINGS
    zh = (lang or s.lang) == "zh"
    rows: list[tuple[str, object, str]] = []
    for name, (kind, dzh, den) in _FIELDS.items():
        rows.append((name, _fmt(kind, getattr(s, name)), dzh if zh else den))
    for key, minimum in s.score_layer_thresholds:
        lab = s.layer_label(key, "zh" if zh else "en")
        rows.append((f"score_layer.{key}", _fmt("float", float(minimum)),
                     f"按总分分层：{lab} 的最低 RFM 总分（自上而下判断）" if zh else
                     f"score mode: minimum RFM total for '{lab}' (checked top-down)"))
    for key, text in s.layer_labels_zh:
        rows.append((f"layer_label_zh.{key}", text, "客户层级名称（中文）" if zh else "layer name (Chinese)"))
    for key, text in s.layer_labels_en:
        rows.append((f"layer_label_en.{key}", text, "客户层级名称（英文）" if zh else "layer name (English)"))
    for r in s.layer_rules:
        lab = s.layer_label(r.layer, "zh" if zh else "en")
        for f, (kind, dzh, den) in _RULE_FIELDS.items():
            rows.append((f"layer_rule.{r.layer}.{f}", _fmt(kind, getattr(r, f)),
                         f"规则分层「{lab}」：{dzh}；留空 = 不限" if zh else f"rule '{lab}': {den}; blank = unbounded"))
    for i, t in enumerate(s.tag_rules, 1):
        rows.append((f"tag_rule.{i}.tag", t.tag, "标签规则：标签编号（同编号的规则任一满足即打标签）" if zh
                     else "tag rule: tag key (rules sharing a key fire the tag when any fires)"))
        for f, (kind, dzh, den) in _TAG_FIELDS.items():
            rows.append((f"tag_rule.{i}.{f}", _fmt(kind, getattr(t, f)),
                         f"标签规则「{t.label_zh}」：{dzh}" if zh else f"tag rule '{t.label_en}': {den}"))
    for st in s.strategies:
        lab = s.layer_label(st.layer, "zh" if zh else "en")
        for f, (kind, dzh, den) in _STRATEGY_FIELDS.items():
            rows.append((f"strategy.{st.layer}.{f}", _fmt(kind, getattr(st, f)),
                         f"「{lab}」策略：{dzh}" if zh else f"strategy for '{lab}': {den}"))
    for k, v in s.source:
        rows.append((f"source.{k}", v, _source_description(k, zh)))
    for k, v in s.extra:
        rows.append((k, v, "（未识别的设置，原样保留）" if zh else "(unrecognised setting, kept as is)"))
    return pd.DataFrame(rows, columns=["name", "value", "description"]).astype({"value": object})


def _source_description(key: str, zh: bool) -> str:
    if key == "url":
        return ("数据源：运行 crm-xl report 本工作簿 时从这里重新读取数据（不含密码：密码来自环境变量 PGPASSWORD 或 "
                "~/.pgpass）；清空则改用工作簿中的数据表" if zh else
                "Data source: `crm-xl report BOOK` reads the data from here again (no password: it comes from "
                "PGPASSWORD or ~/.pgpass); clear it to use the workbook's data sheets")
    if key == "table":
        return ("数据源中各类数据所在的表（数据表=表名，逗号分隔）" if zh else
                "Tables of the source holding each kind of data (TABLE=NAME, comma separated)")
    if key.startswith("query."):
        t = key.split(".", 1)[1]
        return f"从数据源读取「{t}」的查询（SQL）" if zh else f"Query (SQL) that reads '{t}' from the source"
    if key == "snapshot":
        return "上次从数据源读取数据的时间" if zh else "When the data was last read from the source"
    if key == "sheet_rows":
        return ("新工作簿的数据表最多复制数据源的多少行；更大的表只复制这么多行作为样例（分析仍用全部数据）" if zh else
                "Most rows of a source table copied into a new workbook's data sheet; a larger table gets that many "
                "as a sample (the analysis still uses every row)")
    return ""


_NAME_COLS = ("name", "名称", "设置项", "参数", "setting")
_VALUE_COLS = ("value", "值", "取值", "设置值")


def _blank(v) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    try:
        import pandas as pd

        if v is pd.NaT or v is pd.NA:
            return True
    except ImportError:  # pragma: no cover
        pass
    return isinstance(v, str) and not v.strip()


def _parse(kind: str, v, name: str, row: int | None, sheet: str | None):
    def bad(zh_what: str, en_what: str):
        return SettingsError(f"设置「{name}」的值 {v!r} 无效：{zh_what}", f"setting '{name}': invalid value {v!r}: {en_what}",
                             sheet=sheet, row=row, column=name)

    optional = kind.endswith("?")
    base = kind.rstrip("?")
    if _blank(v):
        if optional:
            return None
        if base == "strs":
            return ()
        raise bad("不能为空", "must not be blank")
    if base in ("int", "float"):
        if isinstance(v, bool):
            raise bad("需要数字", "a number is needed")
        try:
            f = float(str(v).replace(",", "").replace("，", "").strip()) if isinstance(v, str) else float(v)
        except (TypeError, ValueError):
            raise bad("需要数字", "a number is needed") from None
        if not math.isfinite(f):
            raise bad("需要有限的数字", "a finite number is needed")
        if base == "int":
            if not f.is_integer():
                raise bad("需要整数", "a whole number is needed")
            return int(f)
        return f
    if base == "date":
        import pandas as pd

        if isinstance(v, dt.datetime):
            return v.date()
        if isinstance(v, dt.date):
            return v
        try:
            ts = pd.Timestamp(str(v).strip())
        except (ValueError, TypeError):
            raise bad("需要 YYYY-MM-DD 格式的日期", "a date like YYYY-MM-DD is needed") from None
        if ts is pd.NaT:
            raise bad("需要 YYYY-MM-DD 格式的日期", "a date like YYYY-MM-DD is needed")
        return ts.date()
    if base in ("ints", "floats", "strs"):
        parts = [p.strip() for p in str(v).replace("，", ",").replace("、", ",").replace(";", ",").split(",")]
        parts = [p for p in parts if p]
        if base == "strs":
            return tuple(parts)
        out = []
        for p in parts:
            try:
                f = float(p)
            except ValueError:
                raise bad("需要用逗号分隔的数字，如 30, 60, 90, 180", "comma-separated numbers are needed, e.g. 30, 60, 90, 180") from None
            if base == "ints":
                if not f.is_integer():
                    raise bad("需要整数", "whole numbers are needed")
                f = int(f)
            out.append(f)
        return tuple(out)
    # str / choice
    return str(v).strip()


def settings_from_rows(rows: "pd.DataFrame", *, base: AnalysisSettings | None = None,  # noqa: C901 - being redeclared (issue 18 item 2)
                       sheet: str | None = None, header_row: int = 1) -> AnalysisSettings:
    """Read the 设置 sheet's rows back into :class:`AnalysisSettings`.

    Parameters
    ----------
    rows : pandas.DataFrame
        Columns ``name`` and ``value`` (or 名称/设置项 and 值/取值); other columns such as the
        description are ignored. Row ``i`` of the frame is Excel row ``i + 2`` (below the header).
    base : AnalysisSettings, optional
        Values not present in ``rows`` are taken from here (default: the seed defaults).
        Groups (layer rules, tag rules, strategies, score layers, labels) present in
        ``rows`` replace the base's group entirely, in the order of the rows.
    sheet : str, optional
        Sheet name for error messages.
    header_row : int
        Excel row of the header above ``rows`` (row ``i`` of the frame is Excel row
        ``header_row + 1 + i``), for error messages.

    Raises
    ------
    SettingsError
        A value cannot be parsed or the resulting settings are invalid; the message names
        the setting (and row).
    """

    base = base or DEFAULT_SETTINGS
    cols = {str(c).strip().lower(): c for c in rows.columns}
    name_col = next((cols[c] for c in _NAME_COLS if c in cols), None)
    value_col = next((cols[c] for c in _VALUE_COLS if c in cols), None)
    if name_col is None or value_col is None:
        raise SettingsError("设置表需要「名称」和「值」两列", "the settings sheet needs 'name' and 'value' columns", sheet=sheet)
    changes: dict[str, object] = {}
    score_layers: list[tuple[str, float]] = []
    labels = {"zh": {}, "en": {}}
    rules: dict[str, dict] = {}
    tags: dict[str, dict] = {}
    strategies: dict[str, dict] = {}
    extra: list[tuple[str, str]] = []
    source: list[tuple[str, str]] = []
    field_rows: dict[str, int] = {}
    for pos, (name, value) in enumerate(zip(rows[name_col].tolist(), rows[value_col].tolist(), strict=True)):
        if _blank(name):
            continue
        name = str(name).strip()
        row = pos + header_row + 1
        parts = name.split(".")
        if name in _FIELDS:
            changes[name] = _parse(_FIELDS[name][0], value, name, row, sheet)
            field_rows[name] = row
        elif parts[0] == "score_layer" and len(parts) == 2:
            score_layers.append((parts[1], _parse("float", value, name, row, sheet)))
        elif parts[0] in ("layer_label_zh", "layer_label_en") and len(parts) == 2:
            labels[parts[0][-2:]][parts[1]] = _parse("str", value, name, row, sheet)
        elif parts[0] == "layer_rule" and len(parts) == 3 and parts[2] in _RULE_FIELDS:
            rules.setdefault(parts[1], {})[parts[2]] = _parse(_RULE_FIELDS[parts[2]][0], value, name, row, sheet)
        elif parts[0] == "tag_rule" and len(parts) == 3 and (parts[2] in _TAG_FIELDS or parts[2] == "tag"):
            kind = "str" if parts[2] == "tag" else _TAG_FIELDS[parts[2]][0]
            tags.setdefault(parts[1], {})[parts[2]] = _parse(kind, value, name, row, sheet)
        elif parts[0] == "source" and len(parts) >= 2:
            source.append((name.split(".", 1)[1], "" if _blank(value) else str(value).strip()))
        elif parts[0] == "strategy" and len(parts) == 3 and parts[2] in _STRATEGY_FIELDS:
            strategies.setdefault(parts[1], {})[parts[2]] = _parse(_STRATEGY_FIELDS[parts[2]][0], value, name, row, sheet)
        else:
            extra.append((name, "" if _blank(value) else str(value)))
    if score_layers:
        changes["score_layer_thresholds"] = tuple(score_layers)
    for lang in ("zh", "en"):
        if labels[lang]:
            merged = dict(getattr(base, f"layer_labels_{lang}"))
            merged.update(labels[lang])
            changes[f"layer_labels_{lang}"] = tuple(merged.items())
    if rules:
        changes["layer_rules"] = tuple(LayerRule(layer, **{k: v for k, v in f.items()}) for layer, f in rules.items())
    if tags:
        out = []
        for key, f in tags.items():
            missing = [k for k in ("tag", *_TAG_FIELDS) if k not in f]
            if missing:
                raise SettingsError(f"标签规则 tag_rule.{key} 缺少：{', '.join(missing)}",
                                    f"tag rule tag_rule.{key} lacks: {', '.join(missing)}", sheet=sheet)
            out.append(TagRule(**f))
        changes["tag_rules"] = tuple(out)
    if strategies:
        out = []
        for layer, f in strategies.items():
            old = base.strategy_for(layer)
            merged = {k: getattr(old, k) for k in _STRATEGY_FIELDS} if old else {}
            merged.update(f)
            missing = [k for k in _STRATEGY_FIELDS if k not in merged]
            if missing:
                raise SettingsError(f"策略 strategy.{layer} 缺少：{', '.join(missing)}",
                                    f"strategy strategy.{layer} lacks: {', '.join(missing)}", sheet=sheet)
            out.append(StrategyRule(layer, **merged))
        changes["strategies"] = tuple(out)
    if extra:
        changes["extra"] = tuple(extra)
    if source:
        changes["source"] = tuple(source)
    try:
        return replace(base, **changes)
    except SettingsError as e:
        # name the row of the first single value that is invalid on its own
        for name, row in field_rows.items():
            try:
                replace(base, **{name: changes[name]})
            except SettingsError as one:
                raise SettingsError(one.zh, one.en, sheet=sheet, row=row, column=name) from None
        raise SettingsError(e.zh, e.en, sheet=sheet) from None
    except (TypeError, ValueError) as e:  # e.g. a tuple of the wrong length
        raise SettingsError(f"设置无效：{e}", f"invalid settings: {e}", sheet=sheet) from None
