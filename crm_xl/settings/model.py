"""AnalysisSettings: the one frozen, typed object holding every threshold the seeds mention.

Each setting is declared once, as a field here: its type (which also says how the 设置 sheet
writes and reads it: a whole number, a date, a list, one of a few choices), its default, its
description on the 设置 sheet (zh/en) and its check, through :func:`~crm_xl.settings.checks.setting`
(or :func:`~crm_xl.settings.checks.structured` for the rules, labels and strategies written
as blocks of rows). ``__post_init__`` runs every field's check, then the few checks that
relate two settings (:func:`_check_together`).
"""

from __future__ import annotations

__all__ = ["AnalysisSettings", "DEFAULT_SETTINGS"]

import datetime as dt
import itertools
import types
import typing
from dataclasses import dataclass, fields, replace
from typing import Any, Literal

from ..errors import SettingsError
from .checks import (
    SETTING,
    Check,
    Setting,
    between,
    choice,
    finite,
    increasing,
    non_negative,
    optional,
    positive,
    positive_number,
    setting,
    structured,
)
from .rules import (
    DEFAULT_LAYER_LABELS_EN,
    DEFAULT_LAYER_LABELS_ZH,
    DEFAULT_LAYER_RULES,
    DEFAULT_STRATEGIES,
    DEFAULT_TAG_RULES,
    TAG_METRICS,
    LayerRule,
    StrategyRule,
    TagRule,
)

_LABEL_T = tuple[tuple[str, str], ...]


# --------------------------------------------------------------------------------------
# the checks of single settings that no general check covers
# --------------------------------------------------------------------------------------

def _lang(name: str, v: Any) -> None:
    if v not in ("zh", "en"):
        raise SettingsError(f"语言必须是 zh 或 en，而不是 {v!r}", f"lang must be zh or en, not {v!r}")


def _date(name: str, v: Any) -> None:
    if v is not None and not isinstance(v, dt.date):
        raise SettingsError(f"分析日期必须是日期，而不是 {v!r}", f"analysis_date must be a date, not {v!r}")


def _currency(name: str, v: Any) -> None:
    if not isinstance(v, str) or not v.strip() or len(v.strip()) > 12:
        raise SettingsError(f"currency 必须是 auto 或货币符号/代码（如 元、$、USD），而不是 {v!r}",
                            f"currency must be auto or a currency symbol/code (元, $, USD, ...), not {v!r}")


def _weights(name: str, v: Any) -> None:
    if len(v) != 3 or any(not finite(w) or w < 0 for w in v) or sum(v) <= 0:
        raise SettingsError(f"rfm_weights 需要 3 个非负权重且不全为 0：{v}",
                            f"rfm_weights needs 3 non-negative weights, not all zero: {v}")


def _share_dropped(name: str, v: Any) -> None:
    if not (0 < v <= 1):
        raise SettingsError("churn_freq_drop 必须在 0 到 1 之间（如 0.5 表示下降一半）",
                            "churn_freq_drop must be in (0, 1] (0.5 = halved)")


def _gap(name: str, v: Any) -> None:
    if not (0 <= v < 10):
        raise SettingsError("insight_gap_min 必须在 0 到 10 之间", "insight_gap_min must be between 0 and 10")


def _satisfaction(name: str, v: Any) -> None:
    if not (1 <= v <= 5):
        raise SettingsError("negative_satisfaction_max 必须在 1 到 5 之间", "negative_satisfaction_max must be in 1..5")


def _thresholds(name: str, v: Any) -> None:
    thresholds = [t for _, t in v]
    if not thresholds or any(b >= a for a, b in itertools.pairwise(thresholds)):
        raise SettingsError(f"score_layer_thresholds 的最低总分必须从高到低严格递减：{v}",
                            f"score_layer_thresholds minimum totals must strictly decrease: {v}")


def _layer_rules(name: str, v: Any) -> None:
    for r in v:
        for lo, hi, what in ((r.recency_days_min, r.recency_days_max, "recency_days"),
                             (r.frequency_min, r.frequency_max, "frequency"),
                             (r.monetary_min, r.monetary_max, "monetary")):
            if lo is not None and hi is not None and lo > hi:
                raise SettingsError(f"分层规则 {r.layer} 的 {what} 下限 {lo} 大于上限 {hi}",
                                    f"layer rule {r.layer}: {what} min {lo} exceeds max {hi}")


def _tag_rules(name: str, v: Any) -> None:
    for t in v:
        if t.metric not in TAG_METRICS:
            raise SettingsError(f"标签规则 {t.tag} 的指标 {t.metric!r} 未知；可用：{', '.join(TAG_METRICS)}",
                                f"tag rule {t.tag}: unknown metric {t.metric!r}; known: {', '.join(TAG_METRICS)}")
        if not finite(t.min_value):
            raise SettingsError(f"标签规则 {t.tag} 的阈值无效：{t.min_value!r}",
                                f"tag rule {t.tag}: invalid threshold {t.min_value!r}")


def _strategies(name: str, v: Any) -> None:
    for s in v:
        if s.deadline_days < 0:
            raise SettingsError(f"策略 {s.layer} 的期限天数不能为负", f"strategy {s.layer}: deadline_days must be >= 0")


def _check_together(s: AnalysisSettings) -> None:
    """The checks that relate two settings."""
    if s.remark_no_order_days >= s.remark_inactive_days:
        raise SettingsError("remark_no_order_days 必须小于 remark_inactive_days",
                            "remark_no_order_days must be less than remark_inactive_days")
    if s.churn_high_min_signals < max(s.churn_medium_min_signals, 1):
        raise SettingsError("churn_high_min_signals 必须不小于 churn_medium_min_signals 且至少为 1",
                            "churn_high_min_signals must be >= churn_medium_min_signals and at least 1")
    if not (0 <= s.nps_detractor_max < s.nps_promoter_min <= 10):
        raise SettingsError(
            "NPS 分段无效：需要 0 ≤ 贬损者上限 < 推荐者下限 ≤ 10",
            "invalid NPS bands: need 0 <= detractor max < promoter min <= 10",
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

    Windows
    -------
    ``rfm_window_months`` (None = all history, Template 1's 累计) counts frequency and
    monetary for the RFM scores; ``rule_window_months`` is the "year" of seed 000's rules
    (年度合作频次); ``kpi_window_months`` is the period of the KPIs (近12个月 by default;
    None = all history); ``trend_months`` the months of the trend series (近6个月).
    """

    lang: Literal["zh", "en"] = setting("zh",
            "报告语言：zh（中文）或 en（英文）",
            "Report language: zh or en", _lang)
    # None: the latest order date in the data
    analysis_date: dt.date | None = setting(None,
            "分析日期（YYYY-MM-DD）；留空 = 最新订单日期",
            "Analysis date (YYYY-MM-DD); blank = latest order date", _date)
    # months of history used for frequency / monetary; None = all history (Template 1's 累计)
    rfm_window_months: int | None = setting(None,
            "RFM 频次/金额统计的月数；留空 = 全部历史（累计）",
            "Months counted for RFM frequency/amount; blank = all history", optional(positive))
    trend_months: int = setting(6,
            "趋势图的月数（近6个月）",
            "Months in the trend series", positive)
    kpi_window_months: int | None = setting(12,
            "KPI 统计期（月），如 12 = 近12个月；留空 = 全部历史",
            "KPI period in months (12 = last 12 months); blank = all history", optional(positive))
    rule_window_months: int = setting(12,
            "规则分层中“年度”频次/金额的月数",
            "Months that make the 'year' of rule-mode layering", positive)

    # auto: the absolute breakpoints where they spread customers; quintiles for a dimension
    # where they would put almost everyone into one score (amounts in another currency or
    # scale than the seed's 元); see crm_xl.core.rfm.score_modes
    score_mode: Literal["auto", "absolute", "quantile"] = setting("auto",
            "评分方式：auto（固定分界点；某一维度几乎所有客户同分时该维度改按五分位）、absolute（固定分界点）或 quantile（按五分位）",
            "Scoring: auto (fixed breakpoints; quintiles for a dimension where they would give almost everyone the same score), absolute (fixed breakpoints) or quantile (quintiles)")
    recency_breakpoints_days: tuple[int, int, int, int] = setting((30, 60, 90, 180),
            "R 分界点（天，含）：≤第1个=5分，≤第2个=4分，≤第3个=3分，≤第4个=2分，更久=1分",
            "R breakpoints (days, inclusive): <= 1st -> 5, <= 2nd -> 4, <= 3rd -> 3, <= 4th -> 2, older -> 1", increasing)
    frequency_breakpoints: tuple[float, float, float, float] = setting((2, 4, 6, 10),
            "F 分界点（次，含）：≥第1个=2分 … ≥第4个=5分",
            "F breakpoints (purchases, inclusive): >= 1st -> 2 ... >= 4th -> 5", increasing)
    monetary_breakpoints: tuple[float, float, float, float] = setting((10_000, 30_000, 60_000, 100_000),
            "M 分界点（元，含）：≥第1个=2分 … ≥第4个=5分",
            "M breakpoints (CNY, inclusive): >= 1st -> 2 ... >= 4th -> 5", increasing)
    rfm_weights: tuple[float, float, float] = setting((1.0, 1.0, 1.0),
            "R、F、M 权重（RFM总分 = 加权和）",
            "Weights of R, F, M (RFM total = weighted sum)", _weights)

    layer_mode: Literal["score", "rules", "rfm11"] = setting("score",
            "分层方式：score（按RFM总分）、rules（业务规则）或 rfm11（11类R×FM矩阵）",
            "Layering: score (RFM total), rules (business rules) or rfm11 (11-segment R x FM map)")
    # score mode: minimum RFM total (inclusive) for each layer, checked top-down; below the
    # last threshold -> the last layer
    score_layer_thresholds: tuple[tuple[str, float], ...] = structured((
        ("high_value", 12),
        ("potential", 9),
        ("regular", 6),
        ("at_risk", 0),
    ), _thresholds)
    layer_rules: tuple[LayerRule, ...] = structured(DEFAULT_LAYER_RULES, _layer_rules)
    layer_labels_zh: _LABEL_T = structured(tuple(DEFAULT_LAYER_LABELS_ZH.items()))
    layer_labels_en: _LABEL_T = structured(tuple(DEFAULT_LAYER_LABELS_EN.items()))

    # remarks (备注), Template 1
    remark_inactive_days: int = setting(180,
            "备注“超过N个月未购买”的天数",
            "Days for the remark 'no purchase for over N months'", positive)
    remark_no_order_days: int = setting(90,
            "备注“近N个月未下单”的天数",
            "Days for the remark 'no order in the last N months'", positive)
    remark_trend_days: int = setting(60,
            "备注“近N个月购买频次下降”：近N天与之前N天比较",
            "Remark 'frequency fell': last N days vs the N days before", positive)
    remark_new_days: int = setting(90,
            "备注“新客户”：首购在N天内",
            "Remark 'new customer': first purchase within N days", positive)

    # tags
    tag_rules: tuple[TagRule, ...] = structured(DEFAULT_TAG_RULES, _tag_rules)
    tag_min_orders: int = setting(3,
            "判断价格敏感型所需的最少订单数",
            "Minimum orders before the price-sensitive tag can fire", non_negative)
    keywords_technical: tuple[str, ...] = setting(("技术", "实施", "接口", "部署", "培训", "technical", "support"),
            "技术类互动的关键词（类型或内容包含即算）",
            "Keywords of technical interactions (type or notes)")
    keywords_visit: tuple[str, ...] = setting(("拜访", "会议", "演示", "visit", "meeting", "demo"),
            "拜访/会议类互动的关键词",
            "Keywords of visits / meetings")
    keywords_custom: tuple[str, ...] = setting(("定制", "个性化", "custom"),
            "定制化需求的关键词",
            "Keywords of customisation requests")
    keywords_after_sales: tuple[str, ...] = setting(("售后", "响应", "维修", "投诉", "after-sales", "complaint"),
            "售后类互动的关键词",
            "Keywords of after-sales contacts")
    keywords_complaint: tuple[str, ...] = setting(("投诉", "complaint"),
            "投诉类互动的关键词（投诉率、负面反馈）",
            "Keywords of complaints (complaint rate, negative feedback)")

    # NPS bands (seed: 9-10 promoters, 0-6 detractors)
    nps_promoter_min: int = setting(9,
            "NPS 推荐者最低分（默认 9）",
            "NPS promoter minimum score (default 9)")
    nps_detractor_max: int = setting(6,
            "NPS 贬损者最高分（默认 6）",
            "NPS detractor maximum score (default 6)")

    # churn warning (seed 000 step 4)
    churn_compare_months: int = setting(3,
            "流失预警：近N个月与之前N个月的购买频次比较",
            "Churn: last N months vs the N before", positive)
    churn_freq_drop: float = setting(0.5,
            "流失预警：购买频次下降比例达到该值即触发（0.5 = 下降一半）",
            "Churn: fires when frequency fell by at least this share (0.5 = halved)", _share_dropped)
    churn_min_prev_orders: int = setting(2,
            "流失预警：前一期至少有这么多订单才比较频次",
            "Churn: minimum orders in the earlier period", non_negative)
    churn_gap_multiple: float = setting(2.0,
            "流失预警：距上次购买天数超过其通常间隔的倍数",
            "Churn: days since last purchase > this x the usual gap", positive_number)
    churn_inactive_days: int = setting(180,
            "流失预警：距上次购买超过该天数即触发",
            "Churn: fires after this many days without purchase", non_negative)
    churn_feedback_days: int = setting(180,
            "流失预警：统计负面反馈、未解决投诉、响应超时的天数",
            "Churn: days counted for feedback, complaints, timeouts", positive)
    churn_negative_feedback_min: int = setting(2,
            "流失预警：负面反馈次数达到该值即触发",
            "Churn: negative feedback count that fires", non_negative)
    negative_satisfaction_max: float = setting(2,
            "满意度（1-5）不高于该值视为负面反馈",
            "Satisfaction (1-5) at or below this is negative", _satisfaction)
    churn_unresolved_min: int = setting(1,
            "流失预警：未解决投诉/工单数达到该值即触发",
            "Churn: unresolved complaints/tickets that fire", non_negative)
    churn_timeout_hours: float = setting(48,
            "响应时长超过该小时数视为响应超时",
            "A response slower than this many hours is a timeout", positive_number)
    churn_timeout_min: int = setting(2,
            "流失预警：响应超时次数达到该值即触发",
            "Churn: response timeouts that fire", non_negative)
    churn_high_min_signals: int = setting(2,
            "触发指标数 ≥ 该值 = 高风险",
            "Indicators firing for High risk")
    churn_medium_min_signals: int = setting(1,
            "触发指标数 ≥ 该值 = 中风险",
            "Indicators firing for Medium risk", non_negative)

    # funnel stages (lead stage text, case-insensitive); the same lists decide which deals of
    # an opportunity export are purchases (won) and which are not (lost, open)
    stage_opportunity: tuple[str, ...] = setting(("商机", "初步接洽", "需求确认", "方案报价", "商务谈判", "谈判", "opportunity",
                                          "qualified", "qualification", "prospecting", "needs analysis",
                                          "value proposition", "id. decision makers", "perception analysis",
                                          "proposal", "proposal/price quote", "negotiation", "negotiation/review",
                                          "engaging", "discovery", "demo", "contract sent", "verbal commitment",
                                          "proposal/quote", "quote"),
            "线索阶段中表示“商机”的名称",
            "Lead stage names meaning opportunity")
    stage_won: tuple[str, ...] = setting(("成交", "已成交", "赢单", "已赢单", "已付款", "已支付", "已完成", "交易成功", "won", "closed won",
                                  "converted", "paid", "completed", "succeeded"),
            "线索阶段中表示“成交”的名称",
            "Lead stage names meaning won")
    stage_lost: tuple[str, ...] = setting(("丢失", "输单", "丢单", "已丢单", "lost", "closed lost"),
            "线索阶段中表示“丢失”的名称",
            "Lead stage names meaning lost")

    # what counts as a purchase (issue 15, docs/data-intake.md): an order whose status is
    # won (stage_won), or any other status not listed below; never a lost or open deal
    # (stage_lost, stage_opportunity, open_statuses) or a cancelled one
    open_statuses: tuple[str, ...] = setting(("待付款", "未付款", "待支付", "待审核", "草稿", "报价", "pending", "pending payment",
                                      "unpaid", "draft", "quote", "quotation", "open"),
            "订单状态中表示“尚未成交”的名称（与商机阶段一样不计为购买）",
            "Order statuses meaning not bought yet (like opportunity stages, not purchases)")
    cancelled_statuses: tuple[str, ...] = setting(("已取消", "取消", "作废", "已作废", "退款", "已退款", "退货", "已退货", "交易关闭",
                                           "cancelled", "canceled", "void", "voided", "refunded", "returned", "rejected"),
            "订单状态中表示取消、作废、退款、退货的名称（不计为购买）",
            "Order statuses meaning cancelled, voided, refunded or returned (not purchases)")
    # invoice numbers of credit notes: the prefix followed by digits, where the other numbers
    # are digits only (C536379 in a retail invoice export)
    credit_note_prefixes: tuple[str, ...] = setting(("C",),
            "红字发票/退货单号的前缀（如 C536379；其余单号为纯数字时生效）",
            "Prefixes of credit-note numbers (C536379; applies where the other numbers are digits only)")
    # returns and credit notes (negative amounts): net = reduce the customer's amount
    # (never a purchase, never the last purchase date); ignore = left out
    returns_mode: Literal["net", "ignore"] = setting("net",
            "退货与红字（负金额）：net（冲减客户金额，不算购买）或 ignore（不计入）",
            "Returns and credit notes (negative amounts): net (reduce the customer's amount, never a purchase) or ignore (left out)")
    # exports without order numbers: customer_day = one order per customer and day; row = one per row
    order_grouping: Literal["customer_day", "row"] = setting("customer_day",
            "没有订单编号时：customer_day（同一客户同一天算一笔订单）或 row（每行一笔）",
            "Without order numbers: customer_day (one order per customer and day) or row (one per row)")
    # dates like 02/03/24: auto = decided per column from the data (a first field above 12
    # means day-first), ymd / mdy / dmy force an order
    date_order: Literal["auto", "ymd", "mdy", "dmy"] = setting("auto",
            "日期顺序：auto（按数据判断）、ymd（年月日）、mdy（月/日/年，美式）或 dmy（日/月/年）",
            "Date order: auto (decided from the data), ymd, mdy (US month-first) or dmy (day-first)")
    # currency of the amounts: auto = found in the data ($, £, €, a currency column), else 元
    # (zh) / CNY (en); or a symbol or code such as $, USD, €, £
    currency: str = setting("auto",
            "金额的货币：auto（按数据识别 $、£、€ 或币种列，否则为元）或货币符号/代码，如 元、$、USD",
            "Currency of the amounts: auto (found in the data: $, £, €, a currency column; else CNY) or a symbol or code such as $, USD, €", _currency)

    # diagnosis
    insight_period_months: int = setting(3,
            "问题诊断：近N个月与之前N个月比较",
            "Diagnosis: last N months vs the N before", positive)
    insight_min_customers: int = setting(5,
            "问题诊断：少于该客户数的分组不参与比较",
            "Diagnosis: smaller groups are not compared", non_negative)
    insight_gap_min: float = setting(0.10,
            "问题诊断：与其他分组中位数相差达到该值即标记",
            "Diagnosis: flag a deviation from the others' median this large", _gap)
    # P(alive) below this counts as "probably lost" in 问题诊断 and 结论与建议 (0.5: the model
    # rates the customer more likely gone than active); independent of churn_p_alive_below
    insight_p_alive_below: float = setting(0.5,
            "问题诊断与结论：模型活跃概率 P(alive) 低于该值的客户视为可能已流失",
            "Diagnosis and conclusions: customers with model P(alive) below this are probably lost", between(0.0, 1.0, lo_open=True))
    new_product_days: int = setting(90,
            "近N天首次销售的产品视为新品",
            "Products first sold within N days count as new", positive)

    strategies: tuple[StrategyRule, ...] = structured(DEFAULT_STRATEGIES, _strategies)
    # customer lifespan (years) used by the seed's LTV formula when no contract data gives it
    default_lifespan_years: float = setting(3.0,
            "LTV 公式中的客户生命周期（年）",
            "Customer lifespan (years) in the LTV formula", positive_number)

    # strategy execution and effect tracking, scenarios (issue 8; docs/strategy.md)
    effect_window_days: int = setting(90,
            "效果跟踪：比较策略开始前后各N天的指标",
            "Effect tracking: KPIs N days before vs after a strategy starts", positive)
    campaign_attribution_days: int = setting(30,
            "活动评估：活动结束后N天内的订单仍计入该活动",
            "Campaigns: orders up to N days after the end count", non_negative)
    new_customer_days: int = setting(180,
            "新客户激活：近N天首次购买的客户为新客户",
            "Activation: first purchase within N days = new customer", positive)
    activation_days: int = setting(60,
            "新客户激活：首购后N天内再次购买即为已激活",
            "Activation: a second order within N days of the first", positive)
    activation_attention_days: int = setting(30,
            "新客户激活：首购超过N天仍未再次购买需关注",
            "Activation: no second order after N days needs attention", non_negative)
    key_account_top_n: int = setting(20,
            "重点客户画像：累计金额前N名客户",
            "Key accounts: the top N customers by amount", positive)
    # P(alive) from the BG/NBD model as an extra churn signal: fires when P(alive) < this;
    # 0 = off (the churn table still shows P(alive)); see docs/clv.md
    churn_p_alive_below: float = setting(0.0,
            "流失预警：模型活跃概率 P(alive) 低于该值时作为额外信号；0 = 不作为信号（仅显示）",
            "Churn: model P(alive) below this is an extra signal; 0 = off (shown only)", between(0.0, 1.0))
    # predictive customer value (BG/NBD + Gamma-Gamma, crm_xl.core.clv_report)
    clv_time_unit: Literal["days", "weeks", "months"] = setting("weeks",
            "客户价值预测模型的时间单位：days（天）、weeks（周）或 months（月）",
            "CLV models' time unit: days, weeks or months")
    clv_horizon_months: int = setting(12,
            "客户价值预测：CLV 计算未来N个月",
            "CLV: value of the next N months", positive)
    clv_discount_rate: float = setting(0.01,
            "客户价值预测：月贴现率（0.01 = 每月1%）",
            "CLV: monthly discount rate (0.01 = 1% a month)", between(0.0, 1.0))
    clv_margin: float = setting(1.0,
            "客户价值预测：毛利率（CLV × 毛利率；1 = 按销售额）",
            "CLV: gross margin share (1 = revenue)", between(0.0, 1.0, lo_open=True))
    clv_holdout_months: int = setting(6,
            "客户价值预测：用最后N个月检验模型（0 = 不检验）",
            "CLV: hold out the last N months to check the model (0 = no check)", non_negative)
    clv_penalizer: float = setting(0.0,
            "客户价值预测：惩罚系数（0 = 标准最大似然；拟合失败时自动用 0.001 重试）",
            "CLV: penalizer (0 = plain maximum likelihood; a failed fit is retried with 0.001)", between(0.0, 10.0))
    clv_min_repeat_customers: int = setting(20,
            "客户价值预测：有重复购买的客户少于该数时不建模",
            "CLV: no model with fewer customers with repeat purchases", non_negative)
    clv_max_abs_correlation: float = setting(0.3,
            "客户价值预测：购买频次与平均金额的相关系数绝对值超过该值（且显著）时提示金额模型假设可能不成立",
            "CLV: warn when |correlation of frequency and mean spend| exceeds this (and is significant)", between(0.0, 1.0))
    # the KPI dashboard marks a churn rate above it (seed 000's goal: 降低客户流失率至5%以下)
    churn_rate_target: float = setting(0.05,
            "客户流失率目标：指标看板中高于该值的客户流失率标红（0.05 = 5%）",
            "Churn-rate target: churn rates above it are marked red on the KPI dashboard (0.05 = 5%)",
            between(0.0, 1.0))

    # where the data lives (crm_xl.sources.SourceSpec): ("url", ...), ("table", ...),
    # ("query.<table>", SQL), ("snapshot", time read); rows source.* of the 设置 sheet, written
    # only when a source is set; `crm-xl report BOOK` reads the data from it again
    source: tuple[tuple[str, str], ...] = structured(())

    # rows of the 设置 sheet no setting recognises, kept as typed
    extra: tuple[tuple[str, str], ...] = structured(())

    def __post_init__(self) -> None:
        for name, check in _CHECKS:
            check(name, getattr(self, name))
        _check_together(self)

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


def _kind_of(name: str, hint: Any) -> str:
    """How the 设置 sheet writes and reads a setting of type ``hint``: int, int?, float,
    date?, str, choice (a Literal), ints, floats or strs (lists)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is Literal:
        return "choice"
    if origin in (typing.Union, types.UnionType) and len(args) == 2 and type(None) in args:
        return _kind_of(name, next(a for a in args if a is not type(None))) + "?"
    if origin is tuple:
        items = {a for a in args if a is not Ellipsis}
        for item, kind in ((int, "ints"), (float, "floats"), (str, "strs")):
            if items == {item}:
                return kind
    for simple, kind in ((int, "int"), (float, "float"), (str, "str"), (dt.date, "date")):
        if hint is simple:
            return kind
    raise TypeError(f"setting {name!r}: the 设置 sheet cannot hold a {hint!r}; declare it with structured()")


def _declarations(cls: type = AnalysisSettings) -> tuple[tuple[tuple[str, Check], ...], dict[str, tuple[str, str, str]]]:
    """Every field's check (its own, or its Literal's choices) and the 设置 sheet rows of the
    scalar and list settings of ``cls``; a field declared without setting() or structured(),
    or whose type the 设置 sheet cannot hold, fails here, at import."""
    hints = typing.get_type_hints(cls)
    checks: list[tuple[str, Check]] = []
    rows: dict[str, tuple[str, str, str]] = {}
    for f in fields(cls):
        decl: Setting | None = f.metadata.get(SETTING)
        if decl is None:
            raise TypeError(f"{cls.__name__}.{f.name} is declared without setting() or structured()")
        hint = hints[f.name]
        check = decl.check
        if check is None and typing.get_origin(hint) is Literal:
            check = choice(typing.get_args(hint))
        if check is not None:
            checks.append((f.name, check))
        if not decl.structured:
            rows[f.name] = (_kind_of(f.name, hint), decl.zh, decl.en)
    return tuple(checks), rows


_CHECKS, _FIELDS = _declarations()

DEFAULT_SETTINGS = AnalysisSettings()
