"""Worksheet functions (UDFs): RFM_SCORE, RFM_SCORES, NPS, LTV, CHURN_RISK, CLV and friends.

Thin wrappers over :mod:`crm_xl.core`: each reads its arguments with xlwings' ``raw``
converter, converts them in one vectorised pass (:mod:`crm_xl.excel.convert`), calls the
core function once per range, and returns a :class:`~crm_xl.excel.convert.Result` (errors
per cell, arrays spill in the shape of the input). No analysis logic lives here.

Works with every xlwings flavour from the same module:

* classic Windows add-in: ``UDF Modules`` = ``crm_xl.excel.udfs`` (``crm-xl udfs config``);
* xlwings Lite / Server (Office.js): ``crm_xl/excel/lite/main.py`` imports these functions;
* without Excel (Linux, tests): plain ``import xlwings`` makes the decorators no-ops, the
  functions stay callable from Python.

Texts returned to cells (segment names, risk levels, reasons, error reasons) are in the
workbook's language: Chinese from this module, English from :mod:`crm_xl.excel.udfs_en`
(the same functions; the English template's xlwings Lite ``main.py`` and ``crm-xl udfs
config --lang en`` use it). A ``lang`` argument, or ``lang`` in the settings range,
overrides that default for one call. See docs/udfs.md for every function with examples.

One module per family (:mod:`.rfm`, :mod:`.nps`, :mod:`.value`, :mod:`.rates`, :mod:`.churn`,
:mod:`.clv`) and :mod:`.base` (the call wrapper and argument helpers they share); this package
re-exports the functions, so ``crm_xl.excel.udfs`` stays the module xlwings imports.
"""

from __future__ import annotations

from .base import in_language
from .churn import CHURN_REASONS, CHURN_RISK
from .clv import CLV, CLV_FIT, CLV_PURCHASES, P_ALIVE
from .nps import NPS, NPS_BREAKDOWN, NPS_GROUP
from .rates import (
                    COMPLAINT_RATE,
                    CONVERSION_RATE,
                    NEW_CUSTOMER_REPURCHASE_RATE,
                    RENEWAL_RATE,
                    REPURCHASE_RATE,
                    RESPONSE_RATE,
)
from .rfm import RFM_RULE_SEGMENT, RFM_SCORE, RFM_SCORES, RFM_SEGMENT, RFM_TOTAL
from .value import AOV, LTV, LTV_CAC

__all__ = [
    "RFM_SCORE", "RFM_SCORES", "RFM_TOTAL", "RFM_SEGMENT", "RFM_RULE_SEGMENT",
    "NPS", "NPS_BREAKDOWN", "NPS_GROUP",
    "LTV", "LTV_CAC", "AOV",
    "REPURCHASE_RATE", "NEW_CUSTOMER_REPURCHASE_RATE", "CONVERSION_RATE", "COMPLAINT_RATE", "RESPONSE_RATE",
    "RENEWAL_RATE",
    "CHURN_RISK", "CHURN_REASONS",
    "CLV_FIT", "CLV_PURCHASES", "P_ALIVE", "CLV",
    "UDF_NAMES", "in_language",
]

UDF_NAMES = tuple(n for n in __all__ if n not in ("UDF_NAMES", "in_language"))
