"""xlwings Lite: crm_xl's worksheet functions in Excel without a local Python.

Paste this file into the ``main.py`` tab of the xlwings Lite task pane and the lines of
``requirements.txt`` (next to this file) into its ``requirements.txt`` tab. xlwings Lite
registers every function decorated with ``@func`` that ``main.py`` defines *or imports*,
so the import below makes =RFM_SCORE(...), =RFM_SCORES(...), =NPS(...), =LTV(...),
=CHURN_RISK(...), =CLV(...) and the others available in every cell of the workbook,
with the same help texts as in the classic add-in. See docs/udfs.md.
"""

from crm_xl.excel.udfs import (  # noqa: F401 - imported to register them as custom functions
    AOV,
    CHURN_REASONS,
    CHURN_RISK,
    CLV,
    CLV_FIT,
    CLV_PURCHASES,
    COMPLAINT_RATE,
    CONVERSION_RATE,
    LTV,
    LTV_CAC,
    NEW_CUSTOMER_REPURCHASE_RATE,
    NPS,
    NPS_BREAKDOWN,
    NPS_GROUP,
    P_ALIVE,
    RENEWAL_RATE,
    REPURCHASE_RATE,
    RESPONSE_RATE,
    RFM_RULE_SEGMENT,
    RFM_SCORE,
    RFM_SCORES,
    RFM_SEGMENT,
    RFM_TOTAL,
)
