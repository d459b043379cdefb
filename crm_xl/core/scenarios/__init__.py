"""The seeds' scenarios (issue 8 item 4): sales target review, campaign evaluation,
new-customer activation and key-account profiles. Formulas are in ``docs/strategy.md``.

Every function takes cleaned :class:`~crm_xl.core.dataset.CrmData` and settings, and
never raises for empty inputs: a result whose table is empty carries a ``note`` (zh or en)
saying why (no 销售目标 sheet, no 活动 rows, ...), for the report to show instead.

* :func:`sales_target_review` (销售目标复盘, seed 004): target vs actual per target row
  (period x owner x region), per period / owner / region; attainment = actual / target;
  growth contributors = customers whose revenue grew most in the latest period vs the one
  before.
* :func:`campaign_evaluation` (营销活动评估, seed 004): per campaign participation,
  conversion, attributed and incremental revenue, ROI = (incremental revenue - cost) / cost.
* :func:`new_customer_activation` (新客户快速融入与激活, seed 000 scenario 3): time to the
  second order, activation rate, who needs attention.
* :func:`key_account_profiles` (重点客户深度维护, seed 000 scenario 2): history, products,
  interactions, open issues, tags, recommended actions for the top customers.

One scenario per module (:mod:`.targets`, :mod:`.campaigns`, :mod:`.activation`,
:mod:`.key_accounts`), with :mod:`.periods` (the target periods) and :mod:`.common` (what they
share); this package re-exports their public names.
"""

from __future__ import annotations

from .activation import ACTIVATION_COLUMNS, Activation, new_customer_activation
from .campaigns import CAMPAIGN_COLUMNS, CampaignReview, campaign_evaluation
from .key_accounts import KEY_ACCOUNT_COLUMNS, key_account_profiles
from .periods import parse_period
from .targets import TARGET_COLUMNS, TargetReview, sales_target_review

__all__ = [
    "parse_period",
    "TargetReview",
    "sales_target_review",
    "CampaignReview",
    "campaign_evaluation",
    "Activation",
    "new_customer_activation",
    "key_account_profiles",
    "TARGET_COLUMNS",
    "CAMPAIGN_COLUMNS",
    "ACTIVATION_COLUMNS",
    "KEY_ACCOUNT_COLUMNS",
]
