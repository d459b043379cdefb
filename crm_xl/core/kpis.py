"""KPIs of seed 004 section 3 and seed 000 step 4, overall and per group.

Two levels:

* **Array-level functions** the worksheet functions call on whole columns:
  :func:`nps`, :func:`nps_breakdown`, :func:`ltv`, :func:`aov`, :func:`repurchase_rate`,
  :func:`safe_ratio`. NaN in -> ignored; nothing to divide by -> NaN, never an exception.
* **Table level**: :func:`kpi_base` builds one row per customer with named numerator /
  denominator columns over the KPI window (``settings.kpi_window_months``, 近12个月 by
  default); every KPI in :data:`KPIS` is sum(numerator) / sum(denominator) x scale over a
  group, so :func:`kpi_table` gives overall and per-group values (layer, industry, region,
  owner) from one ``groupby().sum()``. A KPI with nothing to divide by is NaN with a reason
  (zh/en) in the ``reason`` column.

Formulas (W = the KPI window, customers = customers table plus any customer with orders):

=============================  =================================================================
KPI                            formula
=============================  =================================================================
customers                      number of customers
active_customers               customers with >= 1 order in W
revenue / orders               sum of order amounts / number of orders in W
aov 客单价                     revenue / orders in W
repurchase_rate 复购率         customers with >= 2 orders in W / customers with >= 1 order in W
new_customer_repurchase_rate   (二次购买客户数 / 首购客户总数): customers whose first purchase is
新客户复购率                   in W and who bought again by the analysis date / customers whose
                               first purchase is in W
churn_rate 客户流失率          customers who bought in the period of the same length before W and
                               not in W / customers who bought in that period (seed 000's goal
                               "降低客户流失率至5%以下"); NaN without a window
lead_conversion_rate           (成交客户数 / 线索总数): leads created in W at a won stage / leads
线索-成交转化率                created in W (overall and per lead owner only)
profit_share 利润贡献率        group profit in W / total profit in W
profit_margin 毛利率           profit / revenue, over orders with a known profit in W
ltv 客户生命周期价值           mean over active customers of average order amount x purchases per
                               year x lifespan = revenue_W / years(W) x default_lifespan_years
ltv_cac_ratio_seed             seed 004's LTV: (平均购买金额 x 购买频次 x 客户生命周期) / 获客成本,
                               i.e. sum(LTV) / sum(acquisition cost), customers with both known
ltv_cac LTV:CAC                gross-margin LTV (LTV x profit / revenue) / acquisition cost
nps 净推荐值                   (promoters - detractors) / responses x 100, 0-10 scores in W;
                               promoters >= nps_promoter_min (9), detractors <= nps_detractor_max (6)
promoter/passive/detractor     share of responses in each band
complaint_rate 投诉率          customers with >= 1 complaint in W / customers
response_rate 互动响应率       interactions in W the customer responded to / those with a known answer
renewal_rate 合同续签率        contracts ending in W that were renewed / contracts ending in W with
                               a known renewal status
rfm_score_avg RFM加权得分      mean weighted RFM total of customers with orders
=============================  =================================================================
"""

from __future__ import annotations

__all__ = [
    "KpiDef",
    "KpiSection",
    "KPIS",
    "KPI_SECTIONS",
    "KPI_UNITS",
    "base_column",
    "KPI_COLUMNS",
    "DIMENSIONS",
    "safe_ratio",
    "nps",
    "nps_breakdown",
    "ltv",
    "aov",
    "repurchase_rate",
    "repurchase_rate_from_orders",
    "new_customer_repurchase_rate",
    "share_true",
    "stage_conversion_rate",
    "kpi_base",
    "kpi_table",
    "kpi_tables",
    "kpi_wide",
    "lead_conversion",
]

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from ..settings import AnalysisSettings
from .prepared import Prepared, factorize_sorted, stage_matches, take_texts
from .text import as_text, text_array

KPI_COLUMNS = ("dimension", "group", "group_label", "kpi", "label", "unit", "value", "numerator", "denominator", "n_customers",
               "reason")
DIMENSIONS = ("layer", "industry", "region", "owner")
_DIM_LABELS = {"overall": ("总体", "Overall"), "layer": ("客户层级", "Layer"), "industry": ("行业", "Industry"),
               "region": ("区域", "Region"), "owner": ("客户经理", "Owner")}


# ----------------------------------------------------------------------------------------
# array level
# ----------------------------------------------------------------------------------------

def _flat(x) -> np.ndarray:
    a = np.asarray(x, dtype=object).ravel() if not isinstance(x, np.ndarray) or x.dtype.kind not in "fiub" else x.ravel()
    return np.asarray(pd.to_numeric(pd.Series(a), errors="coerce"), dtype=float)


def safe_ratio(numerator, denominator):
    """``numerator / denominator`` elementwise; NaN where the denominator is 0 or NaN.

    Scalars in -> float out; arrays in -> float array out. Never raises ZeroDivisionError.
    """
    n = np.asarray(numerator, dtype=float)
    d = np.asarray(denominator, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where((d == 0) | np.isnan(d), np.nan, n / np.where(d == 0, 1.0, d))
    return float(out) if out.ndim == 0 else out


def nps_breakdown(scores, promoter_min: int = 9, detractor_max: int = 6) -> dict[str, float]:
    """NPS with its promoter / passive / detractor counts and shares.

    Parameters
    ----------
    scores : array-like
        0-10 "how likely are you to recommend us" answers; blanks, text and values outside
        0-10 are ignored.
    promoter_min, detractor_max : int
        Bands (seed: 9-10 promoters, 0-6 detractors, 7-8 passives).

    Returns
    -------
    dict
        ``nps`` = (promoters - detractors) / responses x 100 (NaN without responses),
        ``responses``, ``promoters``, ``passives``, ``detractors`` and the shares
        ``promoter_share``, ``passive_share``, ``detractor_share`` (fractions).

    Examples
    --------
    >>> nps_breakdown([10, 9, 8, 7, 6, 0])["nps"]
    0.0
    """
    s = _flat(scores)
    s = s[~np.isnan(s) & (s >= 0) & (s <= 10)]
    n = float(s.size)
    p = float((s >= promoter_min).sum())
    d = float((s <= detractor_max).sum())
    pa = n - p - d
    return {
        "nps": safe_ratio(p - d, n) * 100 if n else float("nan"),
        "responses": n,
        "promoters": p,
        "passives": pa,
        "detractors": d,
        "promoter_share": safe_ratio(p, n),
        "passive_share": safe_ratio(pa, n),
        "detractor_share": safe_ratio(d, n),
    }


def nps(scores, promoter_min: int = 9, detractor_max: int = 6) -> float:
    """Net Promoter Score = (推荐者比例 - 贬损者比例) x 100, in -100..100 (NaN without responses).

    See :func:`nps_breakdown` for the bands and what is ignored.
    """
    return nps_breakdown(scores, promoter_min, detractor_max)["nps"]


def ltv(avg_amount, frequency, lifespan, cac=None):
    """Customer lifetime value, elementwise.

    Parameters
    ----------
    avg_amount : array-like
        Average purchase amount (客户平均购买金额, 元).
    frequency : array-like
        Purchases per year (购买频次).
    lifespan : array-like
        Customer lifespan in years (客户生命周期).
    cac : array-like, optional
        Customer acquisition cost (获取客户成本). When given, the result is seed 004's
        formula, the ratio (avg_amount x frequency x lifespan) / cac (NaN where cac <= 0);
        otherwise the plain LTV avg_amount x frequency x lifespan in 元.

    Examples
    --------
    >>> float(ltv(10_000, 4, 3))
    120000.0
    >>> float(ltv(10_000, 4, 3, cac=20_000))
    6.0
    """
    value = np.asarray(avg_amount, dtype=float) * np.asarray(frequency, dtype=float) * np.asarray(lifespan, dtype=float)
    if cac is None:
        return value
    c = np.asarray(cac, dtype=float)
    return safe_ratio(value, np.where(c > 0, c, np.nan))


def aov(amounts, customers=None) -> float:
    """客单价 (average order value) = total amount / number of orders; blanks ignored,
    NaN without orders.

    With ``customers`` (the customer ID of each amount, same length) the denominator is the
    number of distinct customers instead: revenue per buying customer (销售额 / 成交客户数).
    Rows with a blank amount or a blank customer are ignored.

    Examples
    --------
    >>> aov([100, 300])
    200.0
    >>> aov([100, 300, 200], customers=["C1", "C1", "C2"])
    300.0
    """
    a = _flat(amounts)
    if customers is None:
        a = a[~np.isnan(a)]
        return safe_ratio(a.sum(), a.size)
    c = pd.Series(np.asarray(customers, dtype=object).ravel())
    if len(c) != a.size:
        raise ValueError("amounts and customers must have the same length")
    ok = ~np.isnan(a) & c.notna().to_numpy() & (c.astype(str).str.strip() != "").to_numpy()
    return safe_ratio(a[ok].sum(), c[ok].nunique())


def repurchase_rate(order_counts) -> float:
    """复购率 = customers with >= 2 orders / customers with >= 1 order (NaN when no buyer)."""
    c = _flat(order_counts)
    c = c[~np.isnan(c)]
    return safe_ratio((c >= 2).sum(), (c >= 1).sum())


def _order_window(customer_ids, order_dates, as_of, window_months):
    """(customer codes, datetime64 dates or None, window start or None, as_of) with rows
    lacking a customer dropped."""
    ids = pd.Series(np.asarray(customer_ids, dtype=object).ravel())
    keep = ids.notna().to_numpy() & (ids.astype(str).str.strip() != "").to_numpy()
    dates = None
    if order_dates is not None:
        dates = pd.to_datetime(pd.Series(np.asarray(order_dates).ravel()), errors="coerce").to_numpy(
            dtype="datetime64[ns]")
        if dates.size != len(ids):
            raise ValueError("customer_ids and order_dates must have the same length")
        keep &= ~np.isnat(dates)
        dates = dates[keep]
    codes = pd.factorize(ids[keep].astype(str).str.strip())[0]
    start = None
    if dates is not None:
        as_of = pd.Timestamp(as_of) if as_of is not None else (pd.Timestamp(dates.max()) if dates.size else None)
        if as_of is not None and window_months is not None:
            start = (as_of - pd.DateOffset(months=int(window_months))).to_datetime64()
    return codes, dates, start, as_of


def repurchase_rate_from_orders(customer_ids, order_dates=None, as_of=None, window_months=None) -> float:
    """复购率 from an order list: customers with >= 2 orders / customers with >= 1 order.

    Parameters
    ----------
    customer_ids : array-like
        The customer ID of each order (blank IDs are ignored).
    order_dates : array-like, optional
        The order dates (datetime-like; unparseable or missing dates are ignored). Without
        them every order counts.
    as_of : date-like, optional
        Analysis date: orders after it are ignored. Default: the latest order date.
    window_months : int, optional
        Count only orders in the ``window_months`` months up to ``as_of`` (date > as_of -
        months, like the KPI window); None = all orders up to ``as_of``.

    Returns
    -------
    float
        NaN when nobody bought.

    Examples
    --------
    >>> repurchase_rate_from_orders(["C1", "C1", "C2", "C3", "C3", "C3"])
    0.6666666666666666
    """
    codes, dates, start, as_of = _order_window(customer_ids, order_dates, as_of, window_months)
    if dates is not None:
        w = np.ones(codes.size, dtype=bool)
        if as_of is not None:
            w &= dates <= np.datetime64(pd.Timestamp(as_of))
        if start is not None:
            w &= dates > start
        codes = codes[w]
    counts = np.bincount(codes) if codes.size else np.zeros(0)
    return repurchase_rate(counts[counts > 0])


def new_customer_repurchase_rate(customer_ids, order_dates, as_of=None, window_months=12) -> float:
    """新客户复购率 = 二次购买客户数 / 首购客户总数, from an order list.

    First-time buyers are customers whose first order (over all orders up to ``as_of``)
    falls in the ``window_months`` months up to ``as_of``; of those, the ones with at least
    two orders up to ``as_of`` bought again (the KPI table's definition). NaN when there
    were no first-time buyers.

    Examples
    --------
    >>> new_customer_repurchase_rate(["C1", "C1", "C2"], ["2024-05-01", "2024-06-01", "2024-07-01"],
    ...                              as_of="2024-09-30")
    0.5
    """
    codes, dates, start, as_of = _order_window(customer_ids, order_dates, as_of, window_months)
    if as_of is None or codes.size == 0:
        return float("nan")
    w = dates <= np.datetime64(pd.Timestamp(as_of))
    codes, dates = codes[w], dates[w]
    if codes.size == 0:
        return float("nan")
    n = int(codes.max()) + 1
    first = np.full(n, np.datetime64("NaT", "ns"), dtype="datetime64[ns]")
    order = np.lexsort((dates, codes))
    c_sorted = codes[order]
    head = np.r_[True, c_sorted[1:] != c_sorted[:-1]]
    first[c_sorted[head]] = dates[order][head]
    counts = np.bincount(codes, minlength=n)
    new = ~np.isnat(first) & ((first > start) if start is not None else True)
    return safe_ratio(float((new & (counts >= 2)).sum()), float(new.sum()))


def share_true(flags) -> float:
    """Share of yes among the answered: flags such as 是/否, Y/N, TRUE/FALSE, 1/0, 已续签/未续签
    (blanks and unreadable values ignored); NaN when nothing is answered. Used for 互动响应率
    and 合同续签率 from a yes/no column.

    Examples
    --------
    >>> share_true(["是", "否", "是", None, "是"])
    0.75
    """
    from .parse import parse_bools

    b, _ = parse_bools(pd.Series(np.asarray(flags, dtype=object).ravel()))
    known = b.notna()
    return safe_ratio(float(b[known].sum()), float(known.sum()))


def stage_conversion_rate(stages, won_names=("成交", "赢单", "won", "closed won", "converted")) -> float:
    """线索-成交转化率 from a lead stage column: leads at a won stage / leads (non-blank
    stages). ``won_names`` come from ``settings.stage_won``.

    Examples
    --------
    >>> stage_conversion_rate(["成交", "商机", "丢失", "成交"])
    0.5
    """
    s = pd.Series(np.asarray(stages, dtype=object).ravel())
    s = s[s.notna() & (s.astype(str).str.strip() != "")]
    return safe_ratio(float(stage_matches(s, tuple(won_names)).sum()), float(len(s)))


# ----------------------------------------------------------------------------------------
# table level
# ----------------------------------------------------------------------------------------

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


def _window_start(p: Prepared) -> int:
    m = p.settings.kpi_window_months
    return np.iinfo(np.int64).min if m is None else p.day_months_before(m)


def _window_years(p: Prepared) -> np.ndarray:
    """Years of the KPI window per customer; without a window, years since the first
    purchase (at least one)."""
    m = p.settings.kpi_window_months
    if m is not None:
        return np.full(p.n, m / 12)
    first = p.first_day.astype(float)
    with np.errstate(invalid="ignore"):
        return np.maximum((p.today - first + 1) / 365.25, 1.0)


# ----------------------------------------------------------------------------------------
# base columns: one per-customer float array each, summed over a group by kpi_table
# ----------------------------------------------------------------------------------------

class _PerCustomer:
    """What the base columns are computed from: the prepared data, the layers and the KPI
    window, with the per-customer arrays several columns share (each computed once, when a
    column first asks for it)."""

    def __init__(self, prepared: Prepared, layers: pd.DataFrame | None) -> None:
        self.p = prepared
        self.s = prepared.settings
        self.layers = layers if layers is not None and len(layers) else None
        self.start = _window_start(prepared)

    @cached_property
    def orders(self) -> np.ndarray:
        """Orders in the KPI window."""
        return self.p.orders_between(self.start).copy()

    @cached_property
    def revenue(self) -> np.ndarray:
        ow, oc = self.p.window(self.start)
        return self.p.count(oc, self.p.o_amount[ow])

    @cached_property
    def profit(self) -> tuple[np.ndarray, np.ndarray]:
        """Profit in the window and the revenue of the same orders (those with a known profit)."""
        p = self.p
        ow, oc = p.window(self.start)
        if np.isnan(p.o_profit[ow]).any():
            prof_known = ow & ~np.isnan(p.o_profit)
            pc = p.o_code[prof_known]
            return p.count(pc, p.o_profit[prof_known]), p.count(pc, p.o_amount[prof_known])
        # every profit known: the same orders as revenue
        return p.count(oc, p.o_profit[ow]), self.revenue.copy()

    @cached_property
    def active(self) -> np.ndarray:
        return self.orders >= 1

    @cached_property
    def prev_active(self) -> np.ndarray:
        """Bought in the period of the KPI window's length just before it (nobody without a
        window)."""
        m = self.s.kpi_window_months
        if m is None:
            return np.zeros(self.p.n, dtype=bool)
        return self.p.orders_between(self.p.day_months_before(2 * m), self.start) >= 1

    @cached_property
    def new_buyers(self) -> np.ndarray:
        """First purchase in the window."""
        return (self.p.first_day > self.start) & self.p.has_orders

    @cached_property
    def ltv(self) -> np.ndarray:
        return np.where(self.active, self.revenue / _window_years(self.p) * self.s.default_lifespan_years, 0.0)

    @cached_property
    def cac(self) -> tuple[np.ndarray, np.ndarray]:
        """Acquisition cost and whether it is known (> 0) for an active customer."""
        c = self.p.customers
        cac = c["acquisition_cost"].to_numpy(dtype=float, na_value=np.nan) if "acquisition_cost" in c \
            else np.full(self.p.n, np.nan)
        return cac, self.active & (cac > 0)

    @cached_property
    def margin(self) -> tuple[np.ndarray, np.ndarray]:
        """Gross margin and whether both it and the acquisition cost are known."""
        profit, rev_wp = self.profit
        margin = safe_ratio(profit, rev_wp)
        return margin, self.cac[1] & ~np.isnan(margin)

    @cached_property
    def interactions(self) -> tuple[np.ndarray, np.ndarray]:
        """Interactions in the window: their customer codes and the boolean mask."""
        iw = self.p.i_day > self.start
        return self.p.i_code[iw], iw

    @cached_property
    def nps(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Promoters, detractors and 0-10 responses per customer in the window."""
        ic, iw = self.interactions
        score = self.p.i_nps[iw]
        valid = ~np.isnan(score) & (score >= 0) & (score <= 10)
        prom = self.p.count(ic[valid & (score >= self.s.nps_promoter_min)])
        det = self.p.count(ic[valid & (score <= self.s.nps_detractor_max)])
        return prom, det, self.p.count(ic[valid])

    @cached_property
    def renewals(self) -> tuple[np.ndarray, np.ndarray]:
        """Contracts ending in the window with a known renewal status, and those renewed."""
        p = self.p
        if "contract_end" in p.customers and "contract_renewed" in p.customers:
            end = p.customers["contract_end"].to_numpy(dtype="datetime64[D]").astype(np.int64)
            ended = ~np.isnat(p.customers["contract_end"].to_numpy(dtype="datetime64[D]")) & (end > self.start) \
                & (end <= p.today)
            ren = p.customers["contract_renewed"].astype("boolean")
            due = ended & ren.notna().to_numpy()
            return due, due & ren.fillna(False).to_numpy(dtype=bool)
        none = np.zeros(p.n, dtype=bool)
        return none, none

    @cached_property
    def layer_rows(self) -> np.ndarray:
        """Row of each customer in the layers table (-1 when absent)."""
        assert self.layers is not None
        return self.p.rows_of(self.layers["customer_id"])

    @cached_property
    def rfm_total(self) -> np.ndarray:
        """Weighted RFM total per customer (NaN without one)."""
        if self.layers is None:
            return np.full(self.p.n, np.nan)
        at = self.layer_rows
        total = self.layers["rfm_total"].to_numpy(dtype=float, na_value=np.nan)[np.maximum(at, 0)]
        total[at < 0] = np.nan
        return total


_BaseFn = Callable[[_PerCustomer], np.ndarray]
#: base column -> the function computing it per customer, in kpi_base's column order
_BASE_COLUMNS: dict[str, _BaseFn] = {}


def base_column(name: str) -> Callable[[_BaseFn], _BaseFn]:
    """Register the function computing the per-customer base column ``name`` (a float array
    of one value per customer, which :func:`kpi_table` sums over each group)."""
    def register(fn: _BaseFn) -> _BaseFn:
        if name in _BASE_COLUMNS:
            raise ValueError(f"KPI base column {name!r} is declared twice")
        _BASE_COLUMNS[name] = fn
        return fn
    return register


def _columns(**fns: _BaseFn) -> None:
    for name, fn in fns.items():
        base_column(name)(fn)


_columns(
    customers=lambda c: np.ones(c.p.n),
    active=lambda c: c.active.astype(float),
    orders=lambda c: c.orders,
    revenue=lambda c: c.revenue,
    repeat=lambda c: (c.orders >= 2).astype(float),
    new_buyers=lambda c: c.new_buyers.astype(float),
    new_repeat=lambda c: (c.new_buyers & (c.p.o_count >= 2)).astype(float),
    prev_active=lambda c: c.prev_active.astype(float),
    lapsed=lambda c: (c.prev_active & ~c.active).astype(float),
    profit=lambda c: c.profit[0],
    revenue_with_profit=lambda c: c.profit[1],
    ltv=lambda c: c.ltv,
    ltv_with_cac=lambda c: np.where(c.cac[1], c.ltv, 0.0),
    cac=lambda c: np.where(c.cac[1], c.cac[0], 0.0),
    ltv_margin_with_cac=lambda c: np.where(c.margin[1], c.ltv * np.nan_to_num(c.margin[0]), 0.0),
    cac_with_margin=lambda c: np.where(c.margin[1], c.cac[0], 0.0),
    nps_prom=lambda c: c.nps[0],
    nps_pass=lambda c: c.nps[2] - c.nps[0] - c.nps[1],
    nps_det=lambda c: c.nps[1],
    nps_n=lambda c: c.nps[2],
    nps_net=lambda c: c.nps[0] - c.nps[1],
    complained=lambda c: (c.p.count(c.interactions[0][c.p.i_complaint[c.interactions[1]]]) > 0).astype(float),
    responded_yes=lambda c: c.p.count(c.interactions[0][c.p.i_responded[c.interactions[1]] == 1]),
    responded_known=lambda c: c.p.count(c.interactions[0][~np.isnan(c.p.i_responded[c.interactions[1]])]),
    renew_yes=lambda c: c.renewals[1].astype(float),
    renew_due=lambda c: c.renewals[0].astype(float),
    rfm_total_sum=lambda c: np.where(np.isnan(c.rfm_total), 0.0, c.rfm_total),
    rfm_n=lambda c: (~np.isnan(c.rfm_total)).astype(float),
)


def _check_declarations(kpis: tuple[KpiDef, ...], sections: tuple[KpiSection, ...],
                        columns: dict[str, _BaseFn], lead_sums: tuple[str, ...]) -> None:
    """Raise ValueError naming what is missing when a KPI's declaration is incomplete:
    run when this module is imported, so a KPI without its base columns or its section
    fails at once instead of showing a blank column."""
    section_keys = {s.key for s in sections}
    keys = [k.key for k in kpis]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise ValueError(f"KPIs declared twice: {twice}")
    for k in kpis:
        if k.unit not in KPI_UNITS:
            raise ValueError(f"KPI {k.key!r}: unit {k.unit!r} is not one of {KPI_UNITS}")
        if k.section not in section_keys:
            raise ValueError(f"KPI {k.key!r}: section {k.section!r} is not one of {sorted(section_keys)} (KPI_SECTIONS)")
        for col in (k.numerator, k.denominator):
            if col is not None and col not in columns and col not in lead_sums:
                raise ValueError(f"KPI {k.key!r}: no function computes its base column {col!r} (use @base_column)")
        if k.total_denominator and k.denominator is None:
            raise ValueError(f"KPI {k.key!r}: total_denominator needs a denominator")
        if k.diagnose and (k.higher_is_better is None or k.unit not in ("ratio", "nps")):
            raise ValueError(f"KPI {k.key!r}: a diagnosed KPI needs a direction and a ratio or NPS unit")
    used = {c for k in kpis for c in (k.numerator, k.denominator) if c is not None}
    unused = [c for c in columns if c not in used]
    if unused:
        raise ValueError(f"base columns no KPI uses: {unused}")
    empty = [s.key for s in sections if not any(k.section == s.key for k in kpis)]
    if empty:
        raise ValueError(f"KPI sections without a KPI: {empty}")


_check_declarations(KPIS, KPI_SECTIONS, _BASE_COLUMNS, _LEAD_SUMS)


def kpi_base(prepared: Prepared, layers: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per customer (index ``customer_id``) with the numerator/denominator
    columns of :data:`KPIS` and the grouping columns ``layer``, ``industry``, ``region``,
    ``owner`` (missing -> "未知"/"Unknown"; customers without orders -> layer ``no_purchase``).

    Parameters
    ----------
    prepared : Prepared
        From :func:`crm_xl.core.prepared.prepare`.
    layers : DataFrame, optional
        :func:`crm_xl.core.segments.assign_layers` output (``customer_id``, ``layer``,
        ``rfm_total``); without it every customer's layer is ``unclassified``.
    """
    p, s = prepared, prepared.settings
    c = _PerCustomer(p, layers)
    base = pd.DataFrame({name: fn(c) for name, fn in _BASE_COLUMNS.items()}, index=p.ids)
    unknown = "未知" if s.lang == "zh" else "Unknown"
    if c.layers is not None:
        base["layer"] = take_texts(c.layers["layer"], c.layer_rows).fillna("no_purchase")
    else:
        layer = np.where(p.has_orders, "unclassified", np.array(None, dtype=object)).astype(object)
        base["layer"] = text_array(np.where(pd.isna(layer), "no_purchase", layer))
    for dim in ("industry", "region", "owner"):
        t = p.text_array(dim).copy()  # missing -> "未知"/"Unknown"
        blank = t.to_numpy(dtype=object) == ""
        if blank.any():
            t[blank] = unknown
        base[dim] = t
    return base


def lead_conversion(leads: pd.DataFrame, settings: AnalysisSettings, as_of: pd.Timestamp,
                    by: str | None = None) -> pd.DataFrame:
    """Leads and won leads created in the KPI window, overall or per ``by`` column of the
    leads table (e.g. ``owner``): columns ``leads``, ``leads_won``; index the group
    (``"__all__"`` overall). Empty when the leads table is empty."""
    if len(leads) == 0:
        return pd.DataFrame({"leads": pd.Series(dtype=float), "leads_won": pd.Series(dtype=float)})
    return _lead_conversion(_leads_in_window(leads, settings, as_of), settings, by)


def _leads_in_window(leads: pd.DataFrame, settings: AnalysisSettings, as_of: pd.Timestamp):
    """The leads of :func:`lead_conversion` (created in the KPI window) and whether won."""
    created = pd.to_datetime(leads["created_date"])
    ok = (created <= as_of) | created.isna()
    if settings.kpi_window_months is not None:
        ok &= (created > as_of - pd.DateOffset(months=settings.kpi_window_months)) | created.isna()
    lw = leads.loc[ok.to_numpy()]
    return lw, stage_matches(lw["stage"], settings.stage_won).astype(float)


def _lead_conversion(window, settings: AnalysisSettings, by: str | None) -> pd.DataFrame:
    lw, won = window
    frame = pd.DataFrame({"leads": 1.0, "leads_won": won}, index=lw.index)
    if by is None:
        return frame.sum().to_frame("__all__").T
    unknown = "未知" if settings.lang == "zh" else "Unknown"
    key = lw[by].astype(object).where(lw[by].notna(), unknown) if by in lw else pd.Series(unknown, index=lw.index)
    return frame.groupby(pd.Index(key.to_numpy()), sort=True).sum()


def _evaluate(sums: pd.DataFrame, totals: pd.Series, lang: str, dimension: str,
              no_dim_reason: tuple[str, str] | None = None) -> pd.DataFrame:
    """Long KPI rows for each row (group) of ``sums``."""
    zh = lang == "zh"
    groups = sums.index.to_numpy()
    g = len(sums)
    sums = {c: sums[c].to_numpy(dtype=float) for c in sums.columns}  # (column access once)
    ncust = sums["customers"] if "customers" in sums else np.full(g, np.nan)
    nums, dens, values, reasons = [], [], [], []
    for k in KPIS:
        num = sums[k.numerator] if k.numerator in sums else np.full(g, np.nan)
        if k.denominator is None:
            den = np.full(g, np.nan)
            value = num
            reason = np.full(g, "", dtype=object)
        else:
            if k.total_denominator:
                den = np.full(g, float(totals.get(k.denominator, np.nan)))
            else:
                den = sums[k.denominator] if k.denominator in sums else np.full(g, np.nan)
            value = safe_ratio(num, den) * k.scale
            value = np.atleast_1d(value)
            if k.denominator not in sums and no_dim_reason is not None:
                why = no_dim_reason[0 if zh else 1]
            else:
                why = k.empty_zh if zh else k.empty_en
            reason = np.where(np.isnan(value), why, "").astype(object)
        nums.append(num)
        dens.append(den)
        values.append(value)
        reasons.append(reason)
    # one frame, KPI by KPI (rows: KPI-major, then group)
    per_kpi = (lambda f: text_array(np.repeat(np.array([f(k) for k in KPIS], dtype=object), g)))
    return pd.DataFrame({
        "dimension": text_array(np.full(g * len(KPIS), dimension, dtype=object)),
        "group": text_array(np.tile(np.asarray(groups, dtype=object), len(KPIS))),
        "kpi": per_kpi(lambda k: k.key),
        "label": per_kpi(lambda k: k.label(lang)),
        "unit": per_kpi(lambda k: k.unit),
        "value": np.concatenate(values).astype(float),
        "numerator": np.concatenate(nums),
        "denominator": np.concatenate(dens),
        "n_customers": np.tile(ncust, len(KPIS)),
        "reason": text_array(np.concatenate(reasons)),
    })


def kpi_table(base: pd.DataFrame, settings: AnalysisSettings, *, by: str | None = None,
              leads: pd.DataFrame | None = None, as_of: pd.Timestamp | None = None) -> pd.DataFrame:
    """KPIs in long form: one row per (group, KPI), columns :data:`KPI_COLUMNS`.

    Parameters
    ----------
    base : DataFrame
        :func:`kpi_base` output.
    settings : AnalysisSettings
        Language of labels and reasons; the KPI window for leads.
    by : {None, 'layer', 'industry', 'region', 'owner'}
        None -> one overall group (``group`` = "全部"/"All"); otherwise one group per value.
    leads, as_of : optional
        The leads table and analysis date for 线索-成交转化率; overall it uses every lead,
        per owner the lead's owner; per layer, industry or region it is NaN with a reason
        (leads that did not convert belong to no customer).

    Returns
    -------
    DataFrame
        ``value`` = numerator / denominator x scale (sums for counts); NaN with ``reason``
        when nothing to divide by. Groups are ordered by name (layers in settings order).
    """
    return _kpi_table(base, settings, by=by, leads=leads, as_of=as_of)


def kpi_tables(base: pd.DataFrame, settings: AnalysisSettings, *, leads: pd.DataFrame | None = None,
               as_of: pd.Timestamp | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """:func:`kpi_table` overall, per layer and per dimension (industry, region and owner,
    concatenated), with the totals over all customers computed once.

    Returns
    -------
    overall, by_layer, by_dimension : DataFrame
    """
    totals = base[[c for c in _BASE_SUMS if c in base.columns]].sum()
    window = _leads_in_window(leads, settings, as_of) if leads is not None and len(leads) and as_of is not None \
        else None
    one = (lambda by: _kpi_table(base, settings, by=by, leads=leads, as_of=as_of, totals=totals, lead_window=window))
    return one(None), one("layer"), pd.concat([one(d) for d in DIMENSIONS if d != "layer"], ignore_index=True)


def _kpi_table(base: pd.DataFrame, settings: AnalysisSettings, *, by: str | None, leads: pd.DataFrame | None,
               as_of: pd.Timestamp | None, totals: pd.Series | None = None, lead_window=None) -> pd.DataFrame:
    zh = settings.lang == "zh"
    cols = [c for c in _BASE_SUMS if c in base.columns]
    if totals is None:
        totals = base[cols].sum()
    if by is None:
        sums = totals.to_frame("全部" if zh else "All").T
        dim = "overall"
    else:
        # = groupby(by, sort=True); a DataFrame grouped by a bare array makes pandas format
        # the whole array into an error message it then discards (~10 ms each): an Index key
        codes, groups = factorize_sorted(base[by].to_numpy(dtype=object))
        known = codes >= 0
        sums = (base[cols] if known.all() else base.loc[known, cols]).groupby(pd.Index(codes[known])).sum()
        sums.index = pd.Index(groups[sums.index.to_numpy()], name=by)
        if by == "layer":
            order = [k for k, _ in settings.layer_labels_zh]
            sums = sums.reindex(sorted(sums.index, key=lambda k: order.index(k) if k in order else len(order)))
        dim = by
    has_leads = leads is not None and len(leads) > 0 and as_of is not None
    no_dim = None
    if has_leads and by is None:
        lc = lead_conversion(leads, settings, as_of) if lead_window is None else \
            _lead_conversion(lead_window, settings, None)
        sums = sums.assign(leads=float(lc["leads"].iloc[0]), leads_won=float(lc["leads_won"].iloc[0]))
    elif leads is not None and has_leads and by == "owner" and "owner" in leads:
        lc = lead_conversion(leads, settings, as_of, by="owner") if lead_window is None else \
            _lead_conversion(lead_window, settings, "owner")
        sums = sums.reindex(sums.index.union(lc.index)).fillna(0.0)
        sums["leads"] = lc["leads"].reindex(sums.index).fillna(0.0)
        sums["leads_won"] = lc["leads_won"].reindex(sums.index).fillna(0.0)
    elif has_leads:
        no_dim = ("线索未关联到该维度（未成交线索没有客户）", "leads are not linked to this dimension "
                  "(unconverted leads have no customer)")
    else:
        no_dim = ("没有线索记录", "no leads")
    out = _evaluate(sums, totals, settings.lang, dim, no_dim)
    if by == "layer":
        out.insert(2, "group_label", text_array([settings.layer_label(g) for g in out["group"]]))
    else:
        out.insert(2, "group_label", out["group"])
    for c in ("dimension", "group", "group_label", "kpi", "label", "unit", "reason"):
        if out[c].dtype != "str":
            out[c] = as_text(out[c])
    return out


def kpi_wide(long: pd.DataFrame, value: str = "value") -> pd.DataFrame:
    """Pivot :func:`kpi_table` output to one row per (dimension, group) present, in order
    of first appearance, and one column per KPI key (in :data:`KPIS` order). (Given
    several dimensions at once, the pivot fallback would also list every group under every
    dimension, as empty rows; kpi_table's output never takes that path.)"""
    fast = _wide_by_take(long, value)
    if fast is not None:
        return fast
    wide = long.pivot_table(index=["dimension", "group"], columns="kpi", values=value, aggfunc="first", sort=False,
                            dropna=False)
    keys = [k.key for k in KPIS if k.key in wide.columns]
    return wide[keys].reset_index()


def _wide_by_take(long: pd.DataFrame, value: str) -> pd.DataFrame | None:
    """:func:`kpi_wide` by taking each cell's row, when every (dimension, group) has every
    KPI exactly once (what kpi_table gives): the same frame as the pivot, whose generic
    "first" aggregation took ~10 ms a call. None for anything else."""
    if long.empty:
        return None
    rcodes, _ = pd.MultiIndex.from_arrays([long["dimension"], long["group"]]).factorize()
    kcodes, kpis = pd.factorize(long["kpi"].to_numpy(dtype=object))
    nr, nk = int(rcodes.max()) + 1, len(kpis)
    if len(long) != nr * nk or (np.bincount(rcodes * nk + kcodes, minlength=nr * nk) != 1).any():
        return None
    pos = np.empty((nr, nk), dtype=np.intp)
    pos[rcodes, kcodes] = np.arange(len(long))
    first = pos.min(axis=1)  # each group's first row: its dimension and group
    col = {k: i for i, k in enumerate(kpis)}
    data = {"dimension": long["dimension"].array.take(first), "group": long["group"].array.take(first)}
    vals = long[value].array
    for key in (k.key for k in KPIS if k.key in col):
        data[key] = vals.take(pos[:, col[key]])
    out = pd.DataFrame(data)
    out.columns.name = "kpi"
    return out
