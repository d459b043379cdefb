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

# (_FIELDS: the 设置 sheet rows of the scalar and list settings, derived from their declarations)
from .model import _FIELDS as _FIELDS
from .model import DEFAULT_SETTINGS, AnalysisSettings
from .rows import settings_from_rows, settings_to_rows
from .rules import LAYER_KEYS, RFM11_KEYS, TAG_METRICS, LayerRule, StrategyRule, TagRule
