"""Reading workbooks and CSV exports (issue 3 item 3)."""

import pandas as pd
import pytest
from openpyxl import Workbook

from crm_xl.errors import InputError, WorkbookError
from crm_xl.io import read_csv, read_sources, read_workbook

ORDERS_CSV = "订单编号,客户ID,下单日期,金额(元)\nSO1,C001,2024/9/15,1.5万\nSO2,C002,2024-09-01,\"150,000元\"\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_csv_encodings_are_sniffed(tmp_path, encoding):
    p = tmp_path / "订单.csv"
    p.write_bytes(ORDERS_CSV.encode(encoding))
    rt = read_csv(p)
    assert rt.table == "orders"
    assert list(rt.frame.columns) == ["订单编号", "客户ID", "下单日期", "金额(元)"]
    assert rt.frame.iloc[1].tolist() == ["SO2", "C002", "2024-09-01", "150,000元"]


def test_title_rows_above_the_header_are_skipped(tmp_path):
    p = tmp_path / "export.csv"
    p.write_text("销售出库单明细表\n导出日期：2024-10-01\n\n单据编号,客户编码,单据日期,价税合计,存货名称\n"
                 "XS001,C001,2024-09-15,1000,CRM标准版\n", encoding="gbk")
    rt = read_csv(p)
    assert rt.table == "orders"
    assert rt.header_row == 4  # Excel/CSV row of the header, so data row 1 is row 5
    assert rt.frame.iloc[0].tolist() == ["XS001", "C001", "2024-09-15", "1000", "CRM标准版"]


def test_undecodable_csv_is_a_clear_error(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_bytes(b"\x81\xff\xfe\x00\x81" * 50)
    with pytest.raises(InputError):
        read_csv(p, table="orders")


def _workbook(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "订单明细"
    ws.append(["某公司销售订单"])  # a title row
    ws.append(["订单编号", "客户ID", "下单日期", "金额(元)"])
    ws.append(["SO1", "C001", pd.Timestamp("2024-09-15").to_pydatetime(), 15000])
    ws.append(["SO2", "C002", "2024/9/1", "=1/0"])
    ws2 = wb.create_sheet("客户")
    ws2.append(["客户ID", "客户名称"])
    ws2.append(["C001", "甲公司"])
    wb.create_sheet("我的笔记").append(["随便写点什么"])
    p = tmp_path / "book.xlsx"
    wb.save(p)
    return p


def test_workbook_sheets_matched_by_name_and_header(tmp_path):
    tables = read_workbook(_workbook(tmp_path))
    assert set(tables) == {"orders", "customers"}
    o = tables["orders"]
    assert o.sheet == "订单明细" and o.header_row == 2
    assert o.frame.iloc[0, 0] == "SO1"
    assert pd.Timestamp(o.frame.iloc[0, 2]) == pd.Timestamp("2024-09-15")
    assert o.unknown_sheets == ["我的笔记"]


def test_missing_and_corrupt_files_are_clear_errors(tmp_path):
    with pytest.raises(InputError):
        read_workbook(tmp_path / "nope.xlsx")
    bad = tmp_path / "corrupt.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(WorkbookError) as e:
        read_workbook(bad)
    assert "corrupt.xlsx" in e.value.message("zh")
    with pytest.raises(InputError):
        read_sources([tmp_path / "data.txt"])
