"""The openpyxl file renderer draws a ReportSpec faithfully and safely."""

import datetime as dt
import os

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from crm_xl.atomic import atomic_write
from crm_xl.errors import WorkbookLockedError
from crm_xl.render.xlsx import render_workbook
from crm_xl.report.spec import ChartSpec, ColumnSpec, ConditionalFormat, ReportSpec, SheetSpec, TableBlock, TextBlock, stack


def _spec():
    data = pd.DataFrame({
        "name": ["=HYPERLINK(\"http://x\",\"y\")", "+86 甲", "-乙", "@丙"],
        "amount": [150000.0, 80000.5, np.nan, 1.0],
        "share": [0.5, 0.25, 0.25, 0.0],
        "date": [pd.Timestamp("2024-09-15"), pd.NaT, pd.Timestamp("2024-03-10"), None],
        "status": ["未开始", "进行中", "已完成", "已逾期"],
    })
    cols = (ColumnSpec("name", "客户名称"), ColumnSpec("amount", "金额(元)", "money"),
            ColumnSpec("share", "占比", "percent"), ColumnSpec("date", "日期", "date"),
            ColumnSpec("status", "执行状态", validation=("未开始", "进行中", "已完成", "已逾期"), editable=True))
    blocks = stack([TextBlock(("标题",), style="title"),
                    TableBlock(name="T1", columns=cols, data=data,
                               conditional_formats=(ConditionalFormat("status", "equals", "已逾期", "FFC7CE", whole_row=True),))])
    chart = ChartSpec(kind="pie", title="占比", table="T1", category="name", series=("share",), anchor="H2")
    return ReportSpec(sheets=(SheetSpec(name="报告", blocks=blocks, charts=(chart,), freeze="A4"),))


def test_table_formats_validation_cf_chart(tmp_path):
    out = tmp_path / "r.xlsx"
    render_workbook(_spec(), out)
    ws = load_workbook(out)["报告"]
    assert ws["A1"].value == "标题"
    assert [c.value for c in ws[3]] == ["客户名称", "金额(元)", "占比", "日期", "执行状态"]
    assert ws.tables["T1"].ref == "A3:E7"
    assert ws["B4"].number_format == "#,##0" and ws["C4"].number_format == "0.0%"
    assert ws["D4"].value == dt.datetime(2024, 9, 15) and ws["D4"].number_format == "yyyy-mm-dd"
    assert ws["D5"].value is None and ws["B6"].value is None  # NaT / NaN -> empty cells
    assert [str(r.sqref) for r in ws.data_validations.dataValidation] == ["E4:E7"]
    assert [str(r.sqref) for r in ws.conditional_formatting] == ["A4:E7"]
    assert ws.freeze_panes == "A4"
    assert [type(c).__name__ for c in ws._charts] == ["PieChart"]


def test_formula_looking_text_from_data_stays_text(tmp_path):
    out = tmp_path / "r.xlsx"
    render_workbook(_spec(), out)
    ws = load_workbook(out)["报告"]
    for cell in ws["A"][3:7]:
        assert cell.data_type == "s", cell.value
    assert ws["A4"].value.startswith("=HYPERLINK")
    assert not ws._hyperlinks


def test_failed_write_leaves_the_original_untouched(tmp_path):
    target = tmp_path / "book.xlsx"
    target.write_bytes(b"original")

    def boom(tmp):
        tmp.write_bytes(b"half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(target, boom)
    assert target.read_bytes() == b"original"
    assert [p.name for p in tmp_path.iterdir()] == ["book.xlsx"]  # no temp file left behind


def test_workbook_open_in_excel_is_a_clear_error(tmp_path):
    target = tmp_path / "book.xlsx"
    target.write_bytes(b"original")
    (tmp_path / "~$book.xlsx").write_bytes(b"lock")
    with pytest.raises(WorkbookLockedError) as e:
        atomic_write(target, lambda tmp: tmp.write_bytes(b"new"))
    assert "Excel" in e.value.message("zh")
    assert target.read_bytes() == b"original"


def test_new_file_gets_normal_permissions(tmp_path):
    out = tmp_path / "r.xlsx"
    render_workbook(_spec(), out)
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask
