"""AnalysisSettings: the one frozen, typed object holding every threshold the seeds mention.

Defaults come from the two seed templates (see ``../shared/seeds``):

* Template 1 (seed 004) R/F/M scores 1-5 with absolute breakpoints chosen so that the
  template's own rows come out as printed with the analysis date at the end of Sept 2024:
  C001 2024-09-15 / 12 / 150,000 -> 5,5,5; C002 2024-07-20 / 8 / 80,000 -> 3,4,4;
  C003 2024-03-10 / 3 / 20,000 -> 1,2,2. "近1个月=5分": recency <= 30 days scores 5.
* Layering by RFM total (default, Template 1) or by seed 000's business rules
  (高价值: purchase within 3 months, >= 5 purchases a year, >= 50万; 潜力: within 3 months,
  3-4 a year, 20-50万; 流失风险: none for 6 months, <= 2 a year, <= 10万), with a named
  fallback layer for customers no rule matches.
* Strategy per layer (seed 000 step 5): owner role, action, deadline.

Every field is editable from the workbook's 设置 sheet (name / value / description rows).
"""

from __future__ import annotations

__all__ = [
    "LAYER_KEYS",
    "LayerRule",
    "StrategyRule",
    "AnalysisSettings",
    "DEFAULT_SETTINGS",
]

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Literal

from .errors import SettingsError

# Layer keys are stable identifiers; what the user sees comes from ``layer_labels``.
LAYER_KEYS = ("high_value", "potential", "regular", "at_risk", "unclassified")

DEFAULT_LAYER_LABELS_ZH = {
    "high_value": "高价值客户",
    "potential": "潜力客户",
    "regular": "一般客户",
    "at_risk": "流失风险客户",
    "unclassified": "未匹配规则客户",
}
DEFAULT_LAYER_LABELS_EN = {
    "high_value": "High value",
    "potential": "Potential",
    "regular": "Regular",
    "at_risk": "Churn risk",
    "unclassified": "No rule matched",
}


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
    """

    lang: Literal["zh", "en"] = "zh"
    # None: the latest order date in the data
    analysis_date: dt.date | None = None
    # months of history used for frequency / monetary; None = all history (Template 1's 累计)
    rfm_window_months: int | None = None
    trend_months: int = 6

    score_mode: Literal["absolute", "quantile"] = "absolute"
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
    layer_labels_zh: tuple[tuple[str, str], ...] = tuple(DEFAULT_LAYER_LABELS_ZH.items())
    layer_labels_en: tuple[tuple[str, str], ...] = tuple(DEFAULT_LAYER_LABELS_EN.items())

    # NPS bands (seed: 9-10 promoters, 0-6 detractors)
    nps_promoter_min: int = 9
    nps_detractor_max: int = 6

    strategies: tuple[StrategyRule, ...] = DEFAULT_STRATEGIES
    # customer lifespan (years) used by the seed's LTV formula when no contract data gives it
    default_lifespan_years: float = 3.0

    extra: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        _check_increasing("recency_breakpoints_days", self.recency_breakpoints_days)
        _check_increasing("frequency_breakpoints", self.frequency_breakpoints)
        _check_increasing("monetary_breakpoints", self.monetary_breakpoints)
        if self.lang not in ("zh", "en"):
            raise SettingsError(f"语言必须是 zh 或 en，而不是 {self.lang!r}", f"lang must be zh or en, not {self.lang!r}")
        if self.trend_months < 1:
            raise SettingsError("趋势月数必须至少为 1", "trend_months must be at least 1")
        if not (0 <= self.nps_detractor_max < self.nps_promoter_min <= 10):
            raise SettingsError(
                "NPS 分段无效：需要 0 ≤ 贬损者上限 < 推荐者下限 ≤ 10",
                "invalid NPS bands: need 0 <= detractor max < promoter min <= 10",
            )

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


def _check_increasing(name: str, values: tuple) -> None:
    if len(values) != 4:
        raise SettingsError(f"{name} 需要 4 个分界点（对应 2-5 分），实际为 {len(values)} 个",
                            f"{name} needs 4 breakpoints (for scores 2-5), got {len(values)}")
    if any(b <= a for a, b in zip(values, values[1:])):
        raise SettingsError(f"{name} 的分界点必须严格递增：{values}",
                            f"{name} breakpoints must be strictly increasing: {values}")


DEFAULT_SETTINGS = AnalysisSettings()
