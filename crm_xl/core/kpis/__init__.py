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

Modules: :mod:`~crm_xl.core.kpis.definitions` (each KPI declared once, :data:`KPIS`, and the
dashboard's sections), :mod:`~crm_xl.core.kpis.base` (the per-customer base columns, checked
against the declarations on import), :mod:`~crm_xl.core.kpis.tables` (the KPI tables),
:mod:`~crm_xl.core.kpis.arrays` (the array-level functions).

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

from .arrays import (
    aov,
    ltv,
    new_customer_repurchase_rate,
    nps,
    nps_breakdown,
    repurchase_rate,
    repurchase_rate_from_orders,
    safe_ratio,
    share_true,
    stage_conversion_rate,
)
from .base import base_column, kpi_base
from .definitions import KPI_SECTIONS, KPI_UNITS, KPIS, KpiDef, KpiSection
from .tables import DIMENSIONS, KPI_COLUMNS, kpi_table, kpi_tables, kpi_wide, lead_conversion
