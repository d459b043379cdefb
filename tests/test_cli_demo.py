"""`crm-xl demo`: the README's first command (issue 3 items 6-7)."""

import datetime as dt
import os
import pathlib
import subprocess
import sys

import pandas as pd
import pytest
from openpyxl import load_workbook

from crm_xl.cli import main
from crm_xl.demo import generate_demo

from .libreoffice import convert

pytestmark = []


def test_demo_writes_data_sheets_and_cleaning_log(tmp_path, capsys):
    out = tmp_path / "demo.xlsx"
    assert main(["demo", "-o", str(out), "--customers", "50", "--dirty", "-q"]) == 0
    assert "demo.xlsx" in capsys.readouterr().out
    wb = load_workbook(out)
    assert wb.sheetnames == ["说明", "分析目标", "设置", "字段映射", "RFM分层表", "客户标签", "指标看板", "流失预警", "问题诊断",
                             "客户策略执行表", "效果跟踪", "销售目标复盘", "活动评估", "新客户激活", "重点客户画像", "客户价值预测",
                             "图表",
                             "结论与建议", "客户", "订单", "互动", "线索", "活动", "销售目标", "清洗日志"]
    ws = wb["订单"]
    assert [c.value for c in ws[1]][:4] == ["订单编号", "客户ID", "下单日期", "金额(元)"]
    assert ws.tables and ws.freeze_panes == "A2"
    # the data sheet holds the raw data exactly as generated (the raw data is never modified)
    raw = generate_demo(50, dirty=True)["orders"]
    got = [[c.value for c in row] for row in ws.iter_rows(min_row=2, max_row=len(raw) + 1)]
    assert len(got) == len(raw)
    def norm(v):
        if isinstance(v, dt.datetime):
            return v.date()
        if isinstance(v, float) and v.is_integer():
            return int(v)
        return None if v is None or (isinstance(v, float) and pd.isna(v)) else v
    for r_raw, r_got in zip(raw.itertuples(index=False), got, strict=True):
        r_raw = list(r_raw)
        # an Excel serial pasted into the date column reads back as that date (same cell value)
        if isinstance(r_raw[2], int) and isinstance(r_got[2], dt.datetime):
            r_raw[2] = (dt.datetime(1899, 12, 30) + dt.timedelta(days=r_raw[2])).date()
        assert [norm(v) for v in r_raw] == [norm(v) for v in r_got]
    # the formula-looking customer name stays text, not a formula
    names = [c.value for c in wb["客户"]["B"]]
    assert any(isinstance(n, str) and n.startswith("=HYPERLINK") for n in names)
    assert all(c.data_type != "f" for c in wb["客户"]["B"])
    log = wb["清洗日志"]
    assert log.freeze_panes == "A5"
    assert [c.value for c in log[4]] == ["工作表", "行号", "列", "原值", "新值", "规则", "原因"]
    assert log.max_row > 50


def test_demo_in_english(tmp_path):
    out = tmp_path / "demo_en.xlsx"
    assert main(["demo", "-o", str(out), "--customers", "20", "--lang", "en", "-q"]) == 0
    assert load_workbook(out).sheetnames == [
        "Guide", "Goals", "Settings", "Field Mapping", "RFM Layers", "Customer Tags", "KPI Dashboard", "Churn Warning", "Diagnosis",
        "Strategy Execution", "Effect Tracking", "Target Review", "Campaign Review", "Activation", "Key Accounts",
        "CLV Forecast", "Charts", "Conclusions", "Customers", "Orders", "Interactions", "Leads", "Campaigns", "Sales Targets",
        "Cleaning Log"]


def test_user_errors_are_one_line_and_non_zero(tmp_path, capsys):
    assert main(["demo", "--customers", "3"]) == 2  # argparse: at least 4
    assert "at least 4" in capsys.readouterr().err


def test_console_script_help_runs():
    proc = subprocess.run([sys.executable, "-m", "crm_xl.cli", "demo", "--help"], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(pathlib.Path(__file__).parents[1])})
    assert proc.returncode == 0 and "--customers" in proc.stdout


@pytest.mark.libreoffice
def test_demo_workbook_opens_in_libreoffice_and_reads_back_equal(tmp_path):
    out = tmp_path / "demo.xlsx"
    assert main(["demo", "-o", str(out), "--customers", "30", "-q"]) == 0
    again = convert(out, "xlsx", tmp_path / "lo")
    a, b = load_workbook(out), load_workbook(again)
    assert a.sheetnames == b.sheetnames
    for name in ("客户", "订单"):
        va = [[c.value for c in r] for r in a[name].iter_rows()]
        vb = [[c.value for c in r] for r in b[name].iter_rows()]
        assert va == vb
    pdf = convert(out, "pdf", tmp_path / "pdf")
    assert pdf.stat().st_size > 10_000
