"""Excel's sheet size limits (issue 10): a cleaning log longer than a sheet is cut with a
note saying how many entries are not listed; a data table longer than a sheet cannot be
copied into a new workbook and says so (the report is never an invalid .xlsx)."""

import numpy as np
import pandas as pd
import pytest

from crm_xl.errors import InputError
from crm_xl.report.data_sheets import EXCEL_MAX_ROWS, MAX_LOG_ROWS, cleaning_log_sheet, data_sheet


def test_cleaning_log_is_cut_at_the_sheet_limit_with_a_note():
    n = MAX_LOG_ROWS + 7
    log = pd.DataFrame({"sheet": "订单", "row": np.arange(n) + 2, "column": "金额(元)", "old_value": "x", "new_value": "",
                        "rule": "格式统一", "reason": "无法识别的金额"})
    sh = cleaning_log_sheet(log, lang="zh")
    table = sh.blocks[1]
    assert len(table.data) == MAX_LOG_ROWS
    assert table.first_data_row + len(table.data) - 1 <= EXCEL_MAX_ROWS
    assert any("其余 7 条未列出" in line for line in sh.blocks[0].lines)
    en = cleaning_log_sheet(log, lang="en")
    assert any("7 are not" in line for line in en.blocks[0].lines)


def test_a_data_table_longer_than_a_sheet_is_a_clear_error():
    frame = pd.DataFrame({"订单编号": np.zeros(EXCEL_MAX_ROWS, dtype=np.int8)})
    with pytest.raises(InputError, match="more than an Excel sheet holds"):
        data_sheet("orders", frame, lang="en")
    assert len(data_sheet("orders", frame.iloc[:EXCEL_MAX_ROWS - 1]).blocks[0].data) == EXCEL_MAX_ROWS - 1


def test_plain_numbers_as_text_are_not_logged_as_changes():
    """Every CSV cell is text: '12345' in an amount column is the number 12345, not a
    format change (a million-row CSV used to produce a million log entries)."""
    from crm_xl.core.clean import clean_table

    raw = pd.DataFrame({"订单编号": ["O1", "O2", "O3"], "客户ID": ["C1", "C2", "C3"], "下单日期": ["2024-09-01"] * 3,
                        "金额(元)": ["12345", "-3.5", "１２３"]}, dtype=object)
    r = clean_table(raw, "orders")
    assert r.frame["amount"].tolist() == [12345.0, -3.5, 123.0]
    # full-width digits are a change (logged); plain ASCII numbers are not
    assert r.log["row"].tolist() == [4] and r.log["reason"].iloc[0] == "金额统一为元"
