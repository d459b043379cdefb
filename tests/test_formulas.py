"""Formula mode (`crm-xl report --formulas`, issue 5 item 4): R/F/M scores, RFM总分, 客户层级
and the layer counts are Excel formulas over 设置; LibreOffice recalculates them to exactly
the values Python computed, and editing a breakpoint on 设置 moves the layers with no Python."""

from __future__ import annotations

import openpyxl
import pytest

from crm_xl.cli import main
from crm_xl.demo import generate_demo
from crm_xl.render.xlsx import render_workbook
from crm_xl.report.build import build_report
from crm_xl.settings import AnalysisSettings

from .test_report import small_book, table_rows

FORMULA_HEADERS = ("R得分(1-5)", "F得分(1-5)", "M得分(1-5)", "RFM总分", "客户层级")


def _formula_book(tmp_path, customers: int = 40):
    run = build_report(generate_demo(customers), AnalysisSettings(), include_data_sheets=True, formulas=True)
    path = render_workbook(run.spec, tmp_path / "formulas.xlsx")
    return run, path


def test_derived_columns_are_formulas_reading_the_settings_sheet(tmp_path):
    _, path = _formula_book(tmp_path)
    ws = openpyxl.load_workbook(path)["RFM分层表"]
    header_row = int(ws.tables["RFMLayers"].ref.split(":")[0][1:])
    headers = {c.value: c.column_letter for c in ws[header_row]}
    first = ws[f"{headers['R得分(1-5)']}{header_row + 1}"].value
    assert first.startswith("=IF(") and "'设置'!$B$" in first
    for h in FORMULA_HEADERS:
        assert ws[f"{headers[h]}{header_row + 1}"].data_type == "f", h
    # the values from the cleaned orders stay values
    assert ws[f"{headers['累计购买金额(元)']}{header_row + 1}"].data_type == "n"


@pytest.mark.libreoffice
def test_libreoffice_recalculates_every_formula_to_the_python_value(tmp_path):
    from tests import lo

    run, path = _formula_book(tmp_path)
    out = lo.recalculate(path, tmp_path / "lo")
    ws = openpyxl.load_workbook(out, data_only=True)["RFM分层表"]
    rows = table_rows(ws, "RFMLayers")
    py = run.result.rfm.set_index("customer_id")
    assert len(rows) == len(py)
    keys = {"R得分(1-5)": "r_score", "F得分(1-5)": "f_score", "M得分(1-5)": "m_score", "RFM总分": "rfm_total",
            "客户层级": "layer_label"}
    for r in rows:
        for h, k in keys.items():
            assert r[h] == py.loc[r["客户ID"], k], (r["客户ID"], h)
    # Template 1's seed rows, through formulas
    seed = {r["客户ID"]: (r["R得分(1-5)"], r["F得分(1-5)"], r["M得分(1-5)"], r["RFM总分"], r["客户层级"]) for r in rows}
    assert seed["C001"] == (5, 5, 5, 15, "高价值客户")
    assert seed["C002"] == (3, 4, 4, 11, "潜力客户")
    assert seed["C003"] == (1, 2, 2, 5, "流失风险客户")
    shares = {r["客户层级"]: r for r in table_rows(ws, "LayerShares")}
    counts = py["layer_label"].value_counts()
    for label, r in shares.items():
        assert r["客户数"] == counts[label]
        assert r["累计购买金额(元)"] == pytest.approx(py.loc[py["layer_label"] == label, "monetary"].sum())
    assert sum(r["占比"] for r in shares.values()) == pytest.approx(1.0)
    wb = openpyxl.load_workbook(out, data_only=True)
    # 图表: the layer table behind the pie / column charts, counted from the RFM table
    chart_layers = {r["客户层级"]: r for r in table_rows(wb["图表"], "ChartLayers")}
    for label, r in chart_layers.items():
        assert r["客户数"] == counts[label] and r["累计购买金额(元)"] == pytest.approx(shares[label]["累计购买金额(元)"])
    # 指标看板: 客单价 = 销售额 / 订单数 per row; high-risk count = COUNTIF over 流失预警
    (head,) = table_rows(wb["指标看板"], "KpiHeadline")
    kpis = run.result.kpis.set_index("kpi")["value"]
    assert head["客单价(元)"] == pytest.approx(kpis["aov"])
    assert head["高流失风险客户"] == (run.result.churn["risk"] == "high").sum()
    by_layer = run.result.kpis_by_layer
    aov = by_layer[by_layer["kpi"] == "aov"].set_index("group_label")["value"]
    for r in table_rows(wb["指标看板"], "KpiOverall")[1:]:
        assert r["客单价(元)"] == pytest.approx(aov[r["范围"]])


@pytest.mark.libreoffice
def test_editing_a_breakpoint_on_settings_moves_the_layers_without_python(tmp_path):
    from tests import lo

    book = small_book(tmp_path / "book.xlsx")
    assert main(["report", str(book), "--formulas", "-q"]) == 0
    wb = openpyxl.load_workbook(book)
    ws = wb["设置"]
    next(r for r in ws.iter_rows() if r[0].value == "monetary_breakpoints")[1].value = "1000, 2000, 3000, 4000"
    wb.save(book)  # as a colleague without Python would, in Excel
    out = lo.recalculate(book, tmp_path / "lo")
    rows = {r["客户ID"]: r for r in table_rows(openpyxl.load_workbook(out, data_only=True)["RFM分层表"], "RFMLayers")}
    # C1: 4,000 -> M 5 now; R 5 + F 2 + M 5 = 12 -> 高价值客户 (>= 12)
    assert (rows["C1"]["M得分(1-5)"], rows["C1"]["RFM总分"], rows["C1"]["客户层级"]) == (5, 12, "高价值客户")
