"""crm_xl in xlwings Lite (Excel on Windows, Mac and the web): paste this file into the
xlwings Lite add-in's editor (main.py) and requirements.txt next to it.

Each function below is a script: xlwings Lite lists it in its task pane with a Run
button, and ``button=`` binds it to a shape on a sheet (see docs/excel.md). The work
happens in ``crm_xl.excel.macros``: read the workbook's data sheets, build the report,
write the report sheets; errors come back as an alert, never a traceback.
"""

import xlwings as xw
from xlwings import script

from crm_xl.excel import macros


@script
def crm_refresh_all(book: xw.Book):
    """刷新全部报告 / Refresh every report sheet."""
    macros.refresh_all(book)


@script
def crm_refresh_rfm(book: xw.Book):
    """只刷新RFM分层表 / Refresh the RFM layering table."""
    macros.refresh_rfm(book)


@script
def crm_refresh_strategy(book: xw.Book):
    """只刷新客户策略执行表（保留跟踪信息）/ Refresh the strategy table, keeping tracking entries."""
    macros.refresh_strategy(book)


@script
def crm_refresh_kpis_charts(book: xw.Book):
    """刷新指标看板和图表 / Refresh the KPI dashboard and the charts."""
    macros.refresh_kpis_charts(book)


@script
def crm_insert_template(book: xw.Book):
    """插入模板工作表 / Add the data sheets, Settings, Goals and Console where missing."""
    macros.insert_template(book)


@script
def crm_validate_data(book: xw.Book):
    """检查数据 / Check the data sheets and list problems in the Cleaning Log."""
    macros.validate_data(book)


@script
def crm_run(book: xw.Book):
    """运行 / Run what the Console sheet (or the active sheet) asks for, like the ribbon button."""
    macros.main(book)
