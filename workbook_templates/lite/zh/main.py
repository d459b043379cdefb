"""xlwings Lite: crm_xl's worksheet functions and report scripts in Excel without a local Python.

Paste this file into the ``main.py`` tab of the xlwings Lite task pane and the lines of
``requirements.txt`` (next to this file) into its ``requirements.txt`` tab. xlwings Lite
registers every function decorated with ``@func`` that ``main.py`` defines *or imports*,
so the import below makes =RFM_SCORE(...), =RFM_SCORES(...), =NPS(...), =LTV(...),
=CHURN_RISK(...), =CLV(...) and the others available in every cell of the workbook,
with the same help texts as in the classic add-in (docs/udfs.md). They answer in the
workbook's language: this file imports them from ``crm_xl.excel.udfs`` (Chinese); ``crm-xl
udfs lite --lang en`` writes it with ``crm_xl.excel.udfs_en`` (English).

The ``@script`` functions below appear in the task pane with a Run button: they read the
workbook's data sheets, build the report and write the report sheets, as the ribbon does
on Windows (docs/excel.md). Errors come back as an alert, never a traceback.

Sheet buttons: the template workbook (workbook_templates/crm_xl_template_zh.xlsx) has one
button per script on its console sheet: a shape named like the script with a link to the
cell behind it, which is what ``button="[shape]Sheet!Cell"`` below refers to. CONSOLE is
the console sheet's name: 控制台 in the Chinese template; ``crm-xl udfs lite --lang en``
writes this file with "Console", the English template's name. Clicking a button needs
xlwings Lite to be running in the workbook (docs/excel.md).
"""

import xlwings as xw
from xlwings import script

from crm_xl.excel import macros

CONSOLE = "控制台"  # the console sheet holding the buttons ("Console" in the English template)

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


@script(button=f"[crm_refresh_all]{CONSOLE}!A9", show_taskpane=True)
def crm_refresh_all(book: xw.Book):
    """刷新全部报告 / Refresh every report sheet."""
    macros.refresh_all(book)


@script(button=f"[crm_refresh_rfm]{CONSOLE}!A12", show_taskpane=True)
def crm_refresh_rfm(book: xw.Book):
    """只刷新RFM分层表 / Refresh the RFM layering table."""
    macros.refresh_rfm(book)


@script(button=f"[crm_refresh_strategy]{CONSOLE}!A15", show_taskpane=True)
def crm_refresh_strategy(book: xw.Book):
    """只刷新客户策略执行表（保留跟踪信息）/ Refresh the strategy table, keeping tracking entries."""
    macros.refresh_strategy(book)


@script(button=f"[crm_refresh_kpis_charts]{CONSOLE}!A18", show_taskpane=True)
def crm_refresh_kpis_charts(book: xw.Book):
    """刷新指标看板和图表 / Refresh the KPI dashboard and the charts."""
    macros.refresh_kpis_charts(book)


@script
def crm_insert_template(book: xw.Book):
    """插入模板工作表 / Add the data sheets, Settings, Goals and Console where missing."""
    macros.insert_template(book)


@script(button=f"[crm_validate_data]{CONSOLE}!A24", show_taskpane=True)
def crm_validate_data(book: xw.Book):
    """检查数据 / Check the data sheets and list problems in the Cleaning Log."""
    macros.validate_data(book)


@script
def crm_run(book: xw.Book):
    """运行 / Run what the Console sheet (or the active sheet) asks for, like the ribbon button."""
    macros.main(book)
