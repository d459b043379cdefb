"""The structured parts of the settings: layer keys and labels, the rules of rule-mode
layering, tag rules and the strategy per layer, with the seeds' defaults."""

from __future__ import annotations

__all__ = ["LAYER_KEYS", "RFM11_KEYS", "TAG_METRICS", "LayerRule", "StrategyRule", "TagRule", "DEFAULT_LAYER_LABELS_ZH",
           "DEFAULT_LAYER_LABELS_EN", "DEFAULT_LAYER_RULES", "DEFAULT_STRATEGIES", "DEFAULT_TAG_RULES"]

from dataclasses import dataclass

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
