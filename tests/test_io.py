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
    (o,) = tables["orders"]
    assert o.sheet == "订单明细" and o.header_row == 2
    assert o.frame.iloc[0, 0] == "SO1"
    assert pd.Timestamp(o.frame.iloc[0, 2]) == pd.Timestamp("2024-09-15")
    assert tables.unknown_sheets == ["我的笔记"]


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


# ---- merged cells (issue 10's bad inputs) -------------------------------------------------


def _merged_workbook(tmp_path, *, header_merge_with_data=False):
    wb = Workbook()
    ws = wb.active
    ws.title = "订单"
    ws.append(["订单信息", None, None, None, None])  # a group title merged over the header row
    ws.merge_cells("A1:E1")
    ws.append(["订单编号", "客户ID", "下单日期", "金额(元)", None])
    ws.merge_cells("D2:E2")  # the amount header spans two columns
    ws.append(["SO1", "C001", "2024-09-01", 100, "备注" if header_merge_with_data else None])
    ws.append(["SO2", None, "2024-09-02", 200, None])
    ws.append(["SO3", None, "2024-09-03", 300, None])
    ws.merge_cells("B3:B5")  # one customer's orders, the ID merged down
    p = tmp_path / "merged.xlsx"
    wb.save(p)
    return p


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_merged_cells_are_read_with_their_ranges(tmp_path, monkeypatch, engine):
    import crm_xl.io as io_mod

    if engine == "openpyxl":  # the Pyodide path: python-calamine unavailable
        import builtins

        real_import = builtins.__import__

        def no_calamine(name, *a, **k):
            if name == "python_calamine":
                raise ImportError(name)
            return real_import(name, *a, **k)

        monkeypatch.setattr(builtins, "__import__", no_calamine)
    sheets = io_mod.read_sheet_rows(_merged_workbook(tmp_path))
    (name, rows), = sheets
    assert sorted(rows.merged) == [(0, 0, 0, 4), (1, 3, 1, 4), (2, 1, 4, 1)]
    (rt,) = io_mod.tables_from_sheet_rows(sheets)["orders"]
    # the header merged over D:E is one column (E holds no data); the title row is skipped
    assert list(rt.frame.columns) == ["订单编号", "客户ID", "下单日期", "金额(元)"]
    assert rt.header_row == 2
    # the customer ID merged down B3:B5 reaches cleaning as frame rows 0..2 of column 1
    assert rt.merged == [(0, 1, 2, 1)]
    assert rt.frame["客户ID"].tolist() == ["C001", None, None]


def test_header_merged_across_columns_that_hold_data_is_a_clear_error(tmp_path):
    with pytest.raises(InputError) as e:
        read_workbook(_merged_workbook(tmp_path, header_merge_with_data=True))
    msg = e.value.message("zh")
    assert msg.startswith("工作表「订单」第 2 行「金额(元)」列：")
    assert "D2:E2" in msg and "E 列也有数据" in msg and "取消合并" in msg
    assert "D2:E2" in e.value.message("en") and "Unmerge" in e.value.message("en")
    assert e.value.location.sheet == "订单" and e.value.location.row == 2


def test_header_merged_down_over_two_header_rows_names_its_column(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "订单"
    ws.append(["订单编号", "客户ID", "订单明细", None])
    ws.append([None, None, "下单日期", "金额(元)"])
    ws.merge_cells("A1:A2")
    ws.merge_cells("B1:B2")
    ws.merge_cells("C1:D1")
    ws.append(["SO1", "C001", "2024-09-01", 100])
    p = tmp_path / "two_rows.xlsx"
    wb.save(p)
    (rt,) = read_workbook(p)["orders"]
    assert rt.header_row == 2
    assert list(rt.frame.columns) == ["订单编号", "客户ID", "下单日期", "金额(元)"]
    assert rt.frame.iloc[0].tolist() == ["SO1", "C001", "2024-09-01", 100]


@pytest.mark.parametrize("encoding, name", [
    ("gbk", "上海云启科技有限公司"), ("big5", "臺北雲端科技有限公司"), ("shift_jis", "株式会社テスト"),
    ("cp1252", "Café Crème"),
])
def test_csv_encodings_are_detected_not_read_as_gb18030_mojibake(tmp_path, encoding, name):
    p = tmp_path / "customers.csv"
    p.write_bytes(f"Customer ID,Customer Name,Region\nC001,{name},A\nC002,{name}2,B\n".encode(encoding))
    rt = read_csv(p)
    assert rt.table == "customers" and rt.frame.iloc[0, 1] == name


def test_large_csv_reads_the_same_through_the_fast_path(tmp_path, monkeypatch):
    """A large rectangular CSV is parsed by pandas' C reader; its frame equals the csv
    module's, quoted commas, quotes, line breaks in cells, blank and short lines and CJK included."""
    import crm_xl.io as io_mod
    from crm_xl.io import csv_text

    lines = ["订单编号,客户ID,下单日期,金额,备注"]
    for i in range(30_000):
        note = ['"含,逗号"', '"引号""在内"', '"换\n行"', "", "普通 文本", " 前后空格 "][i % 6]
        lines.append(f"SO{i},C{i % 97:03d},2024-0{1 + i % 9}-1{i % 10},{i * 1.5},{note}")
        if i % 5000 == 0:
            lines.append("")  # a blank line inside the data
        if i % 7000 == 3:
            lines.append(f"SO{i}b,C{i % 97:03d}")  # a short line: its missing cells are empty
    p = tmp_path / "订单.csv"
    p.write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    assert p.stat().st_size > csv_text._FAST_CSV_MIN
    (fast,) = io_mod.read_sources([p])["orders"]
    monkeypatch.setattr(csv_text, "_FAST_CSV_MIN", 10**12)
    (slow,) = io_mod.read_sources([p])["orders"]
    pd.testing.assert_frame_equal(fast.frame, slow.frame)
    assert fast.header_row == slow.header_row == 1
