"""The KPIs, each declared once (:class:`KpiDef` in :data:`KPIS`), and the sections of the
指标看板 sheet they sit in; the base columns they sum are computed in
:mod:`crm_xl.core.kpis.base`, which checks the declarations when it is imported."""

from __future__ import annotations

__all__ = ["KpiSection", "KPI_SECTIONS", "KPI_UNITS", "KpiDef", "KPIS"]

from dataclasses import dataclass, field


@dataclass(frozen=True)
class KpiSection:
    """A section of the 指标看板 sheet: its title and the suffix of its tables' names
    (``KpiOverall`` + suffix, ``KpiByIndustry`` + suffix, ...)."""

    key: str
    zh: str
    en: str
    table_suffix: str

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


#: the sections of 指标看板, in sheet order; every KPI names one (``KpiDef.section``)
KPI_SECTIONS: tuple[KpiSection, ...] = (
    KpiSection("business", "经营指标", "Business KPIs", ""),
    KpiSection("experience", "客户体验与服务指标", "Experience and service KPIs", "Cx"),
)
#: the units a KPI may have (the report maps each to a number format: report/common.UNIT_KIND)
KPI_UNITS = ("count", "money", "ratio", "score", "nps")


@dataclass(frozen=True)
class KpiDef:
    """One KPI: ``value = sum(numerator) / sum(denominator) * scale`` over a group.

    ``denominator=None`` means the KPI is a plain sum (counts, revenue);
    ``total_denominator`` divides by the overall total instead of the group's (shares).

    A KPI is declared here once and everything else is derived from it (checked when the
    module is imported, so a missing piece fails at once instead of leaving a blank column):

    * ``numerator`` / ``denominator`` name per-customer base columns, each computed by a
      function registered with :func:`base_column` in this module (or the lead columns
      ``leads`` / ``leads_won``, which come from the leads table);
    * ``section``: the section of 指标看板 that shows it (a key of :data:`KPI_SECTIONS`);
      its order within the section is its order in :data:`KPIS`;
    * ``higher_is_better``: its direction (True, False, or None for neither, e.g. a count);
    * ``headline``: shown in the dashboard's 核心指标 row;
    * ``diagnose``: compared across industries, regions and owners in 问题诊断
      (:func:`crm_xl.core.insights.cross_analysis`); conclusions call it ``word_zh`` /
      ``word_en`` (default: its label).
    """

    key: str
    zh: str
    en: str
    unit: str  # one of KPI_UNITS
    numerator: str
    denominator: str | None
    formula_zh: str
    formula_en: str
    empty_zh: str = ""
    empty_en: str = ""
    scale: float = 1.0
    total_denominator: bool = False
    section: str = field(kw_only=True)
    higher_is_better: bool | None = field(kw_only=True)
    headline: bool = field(default=False, kw_only=True)
    diagnose: bool = field(default=False, kw_only=True)
    word_zh: str = field(default="", kw_only=True)
    word_en: str = field(default="", kw_only=True)

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    def formula(self, lang: str) -> str:
        return self.formula_zh if lang == "zh" else self.formula_en

    def word(self, lang: str) -> str:
        """How a sentence names the KPI (问题诊断, 结论与建议)."""
        if lang == "zh":
            return self.word_zh or self.zh
        return self.word_en or self.en


_BIZ, _CX = "business", "experience"
_NO_NPS = ("没有推荐意愿(0-10)评分", "no 0-10 recommendation scores")

KPIS: tuple[KpiDef, ...] = (
    KpiDef("customers", "客户数", "Customers", "count", "customers", None, "客户总数", "number of customers",
           section=_BIZ, higher_is_better=True, headline=True),
    KpiDef("active_customers", "活跃客户数", "Active customers", "count", "active", None,
           "统计期内有购买的客户数", "customers with an order in the period",
           section=_BIZ, higher_is_better=True, headline=True),
    KpiDef("orders", "订单数", "Orders", "count", "orders", None, "统计期内订单数", "orders in the period",
           section=_BIZ, higher_is_better=True),
    KpiDef("revenue", "销售额(元)", "Revenue (CNY)", "money", "revenue", None, "统计期内订单金额合计",
           "sum of order amounts in the period", section=_BIZ, higher_is_better=True, headline=True),
    KpiDef("aov", "客单价(元)", "Average order value (CNY)", "money", "revenue", "orders",
           "销售额 / 订单数", "revenue / orders", "统计期内没有订单", "no orders in the period",
           section=_BIZ, higher_is_better=True, headline=True),
    KpiDef("repurchase_rate", "复购率", "Repurchase rate", "ratio", "repeat", "active",
           "购买≥2次的客户数 / 有购买的客户数", "customers with >= 2 orders / customers with >= 1 order",
           "统计期内没有购买客户", "no buying customers in the period",
           section=_BIZ, higher_is_better=True, headline=True),
    KpiDef("new_customer_repurchase_rate", "新客户复购率", "New-customer repurchase rate", "ratio", "new_repeat",
           "new_buyers", "二次购买客户数 / 首购客户总数", "customers buying a second time / first-time buyers",
           "统计期内没有首购客户", "no first-time buyers in the period",
           section=_BIZ, higher_is_better=True, headline=True),
    KpiDef("churn_rate", "客户流失率", "Customer churn rate", "ratio", "lapsed", "prev_active",
           "上一统计期有购买、本期没有购买的客户数 / 上一统计期有购买的客户数",
           "customers who bought in the previous period but not in this one / customers who bought in the previous "
           "period", "上一统计期没有购买客户（或统计期为全部历史）",
           "no buying customers in the previous period (or the period is all history)",
           section=_BIZ, higher_is_better=False),
    KpiDef("lead_conversion_rate", "线索-成交转化率", "Lead-to-deal conversion", "ratio", "leads_won", "leads",
           "成交线索数 / 线索总数", "won leads / all leads", "统计期内没有线索记录", "no leads in the period",
           section=_BIZ, higher_is_better=True, headline=True),
    KpiDef("profit_share", "利润贡献率", "Profit contribution", "ratio", "profit", "profit",
           "该组毛利 / 全部毛利", "group profit / total profit", "没有毛利数据", "no profit data",
           total_denominator=True, section=_BIZ, higher_is_better=None),
    KpiDef("profit_margin", "毛利率", "Gross margin", "ratio", "profit", "revenue_with_profit",
           "毛利 / 销售额（有毛利数据的订单）", "profit / revenue (orders with a known profit)",
           "没有毛利数据", "no profit data", section=_BIZ, higher_is_better=True),
    KpiDef("ltv", "客户生命周期价值LTV(元)", "Customer lifetime value (CNY)", "money", "ltv", "active",
           "平均购买金额 × 年购买频次 × 客户生命周期", "average amount x purchases per year x lifespan",
           "统计期内没有购买客户", "no buying customers in the period", section=_BIZ, higher_is_better=True),
    KpiDef("ltv_cac_ratio_seed", "LTV/获客成本（模板公式）", "LTV / acquisition cost (seed formula)", "score",
           "ltv_with_cac", "cac",
           "(客户平均购买金额 × 购买频次 × 客户生命周期) / 获取客户成本",
           "(average amount x purchase frequency x lifespan) / acquisition cost",
           "没有获客成本数据", "no acquisition-cost data", section=_BIZ, higher_is_better=True),
    KpiDef("ltv_cac", "LTV:CAC（毛利口径）", "LTV:CAC (gross margin)", "score", "ltv_margin_with_cac",
           "cac_with_margin", "毛利口径LTV / 获客成本", "gross-margin LTV / acquisition cost",
           "没有同时具备毛利和获客成本的数据", "no customers with both profit and acquisition-cost data",
           section=_BIZ, higher_is_better=True),
    KpiDef("nps", "净推荐值NPS", "Net Promoter Score", "nps", "nps_net", "nps_n",
           "(推荐者数 − 贬损者数) / 评分数 × 100", "(promoters - detractors) / responses x 100", *_NO_NPS,
           scale=100.0, section=_CX, higher_is_better=True, headline=True, diagnose=True, word_zh="NPS",
           word_en="NPS"),
    KpiDef("promoter_share", "推荐者比例", "Promoters", "ratio", "nps_prom", "nps_n", "推荐者数 / 评分数",
           "promoters / responses", *_NO_NPS, section=_CX, higher_is_better=True),
    KpiDef("passive_share", "中立者比例", "Passives", "ratio", "nps_pass", "nps_n", "中立者数 / 评分数",
           "passives / responses", *_NO_NPS, section=_CX, higher_is_better=None),
    KpiDef("detractor_share", "贬损者比例", "Detractors", "ratio", "nps_det", "nps_n", "贬损者数 / 评分数",
           "detractors / responses", *_NO_NPS, section=_CX, higher_is_better=False),
    KpiDef("complaint_rate", "投诉率", "Complaint rate", "ratio", "complained", "customers",
           "投诉客户数 / 总客户数", "customers who complained / all customers", "没有客户", "no customers",
           section=_CX, higher_is_better=False, headline=True, diagnose=True, word_en="complaint rate"),
    KpiDef("response_rate", "互动响应率", "Interaction response rate", "ratio", "responded_yes", "responded_known",
           "客户有响应的互动数 / 有响应记录的互动数", "interactions answered / interactions with a known answer",
           "没有互动响应记录", "no interactions with a response record",
           section=_CX, higher_is_better=True, diagnose=True, word_en="response rate"),
    KpiDef("renewal_rate", "合同续签率", "Contract renewal rate", "ratio", "renew_yes", "renew_due",
           "续签合同数 / 统计期内到期合同数", "renewed contracts / contracts ending in the period",
           "统计期内没有到期合同（或未填写续签状态）", "no contracts ending in the period (or renewal unknown)",
           section=_CX, higher_is_better=True),
    KpiDef("rfm_score_avg", "RFM加权得分（均值）", "Average RFM score", "score", "rfm_total_sum", "rfm_n",
           "RFM加权总分之和 / 有购买记录的客户数", "sum of weighted RFM totals / customers with orders",
           "没有购买记录的客户", "no customers with orders", section=_CX, higher_is_better=True),
)

# The lead columns come from the leads table (lead_conversion), not from kpi_base.
_LEAD_SUMS = ("leads", "leads_won")
# The per-customer columns the KPIs sum (kpi_base gives them), derived from KPIS.
_BASE_SUMS = tuple(dict.fromkeys(c for k in KPIS for c in (k.numerator, k.denominator)
                                 if c is not None and c not in _LEAD_SUMS))
