"""crm_xl's worksheet functions answering in English.

The functions of :mod:`crm_xl.excel.udfs` (same names, arguments, help texts and xlwings
registration), each wrapped by :func:`crm_xl.excel.udfs.in_language` so that segment
names, risk levels, reasons, headers and error reasons come back in English unless a
call's ``lang`` argument or settings range asks for Chinese. The English template's
xlwings Lite ``main.py`` imports them from here; for the classic add-in ``crm-xl udfs
config --lang en`` sets ``UDF Modules`` to this module.
"""

from __future__ import annotations

from . import udfs as _udfs

__all__ = list(_udfs.UDF_NAMES)

RFM_SCORE = _udfs.in_language(_udfs.RFM_SCORE, "en")
RFM_SCORES = _udfs.in_language(_udfs.RFM_SCORES, "en")
RFM_TOTAL = _udfs.in_language(_udfs.RFM_TOTAL, "en")
RFM_SEGMENT = _udfs.in_language(_udfs.RFM_SEGMENT, "en")
RFM_RULE_SEGMENT = _udfs.in_language(_udfs.RFM_RULE_SEGMENT, "en")
NPS = _udfs.in_language(_udfs.NPS, "en")
NPS_BREAKDOWN = _udfs.in_language(_udfs.NPS_BREAKDOWN, "en")
NPS_GROUP = _udfs.in_language(_udfs.NPS_GROUP, "en")
LTV = _udfs.in_language(_udfs.LTV, "en")
LTV_CAC = _udfs.in_language(_udfs.LTV_CAC, "en")
AOV = _udfs.in_language(_udfs.AOV, "en")
REPURCHASE_RATE = _udfs.in_language(_udfs.REPURCHASE_RATE, "en")
NEW_CUSTOMER_REPURCHASE_RATE = _udfs.in_language(_udfs.NEW_CUSTOMER_REPURCHASE_RATE, "en")
CONVERSION_RATE = _udfs.in_language(_udfs.CONVERSION_RATE, "en")
COMPLAINT_RATE = _udfs.in_language(_udfs.COMPLAINT_RATE, "en")
RESPONSE_RATE = _udfs.in_language(_udfs.RESPONSE_RATE, "en")
RENEWAL_RATE = _udfs.in_language(_udfs.RENEWAL_RATE, "en")
CHURN_RISK = _udfs.in_language(_udfs.CHURN_RISK, "en")
CHURN_REASONS = _udfs.in_language(_udfs.CHURN_REASONS, "en")
CLV_FIT = _udfs.in_language(_udfs.CLV_FIT, "en")
CLV_PURCHASES = _udfs.in_language(_udfs.CLV_PURCHASES, "en")
P_ALIVE = _udfs.in_language(_udfs.P_ALIVE, "en")
CLV = _udfs.in_language(_udfs.CLV, "en")

if set(__all__) != {n for n in globals() if n.isupper() and not n.startswith("_")}:  # a guard for whoever adds one
    raise RuntimeError("crm_xl.excel.udfs_en must wrap every function of crm_xl.excel.udfs.UDF_NAMES")
