"""The live-Book renderer through xlwings' remote engine (no Excel needed).

Every test builds ``xw.Book(json=payload)``, renders a ReportSpec into it and checks the
recorded actions, replayed onto the payload's sheets like Excel would apply them. The
reference for values, number formats, tables and validations is the file renderer's
output for the same spec (read back with openpyxl).
"""

import datetime as dt

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_xl.render.book import cell_values, guard_text, render_book
from crm_xl.render.xlsx import render_workbook
from crm_xl.report.spec import ColumnSpec, ReportSpec, SheetSpec, SpecError, TableBlock

from .report_samples import STATUS, sample_spec
from .xlbook import Replay, book_from_payload, payload, sheet_payload


def _norm(v):
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
        return dt.datetime(v.year, v.month, v.day)
    return v


def file_grid(path, sheet):
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    return {(c.row, c.column): _norm(c.value) for row in ws.iter_rows() for c in row if c.value is not None}


def render(spec, p):
    book = book_from_payload(p)
    result = render_book(spec, book)
    return result, Replay(p, book.json()["actions"])


USER_ROWS = [["我的备注", "数值"], ["=不是公式", 1.0], ["第二行", 2.0]]


def test_values_agree_with_file_renderer(tmp_path):
    spec = sample_spec(extra_rows=5)
    path = render_workbook(spec, tmp_path / "r.xlsx")
    _, rp = render(spec, payload([sheet_payload("我的表", USER_ROWS)]))
    for name in spec.sheet_names:
        live = {k: _norm(v) for k, v in rp.grid(name).items()}
        assert live == file_grid(path, name), name


def test_seed_rows_and_formats_where_the_spec_says(tmp_path):
    spec = sample_spec()
    _, rp = render(spec, payload([sheet_payload("我的表", USER_ROWS)]))
    t = spec.sheet("RFM分层表").table("RFM_Layers")
    h = t.header_row
    assert [rp.value("RFM分层表", h, c) for c in range(1, 9)] == [
        "客户ID", "客户名称", "最近购买日期", "购买频次(次)", "累计购买金额(元)", "金额占比", "客户层级", "备注"]
    r = t.first_data_row
    assert [rp.value("RFM分层表", r, c) for c in range(1, 8)] == [
        "C001", "*科技有限公司", dt.datetime(2024, 9, 15), 12.0, 150000.0, 0.6, "高价值客户"]
    assert rp.value("RFM分层表", r + 1, 8) == "近2个月购买频次下降"
    # number formats per column (Template 1 prints 150,000; shares as %)
    assert rp.number_format("RFM分层表", r, 1) == "@"
    assert rp.number_format("RFM分层表", r, 3) == "yyyy-mm-dd"
    assert rp.number_format("RFM分层表", r + 2, 5) == "#,##0"
    assert rp.number_format("RFM分层表", r, 6) == "0.0%"
    # the Excel table: same name and range as in the file
    wb = openpyxl.load_workbook(render_workbook(spec, tmp_path / "r.xlsx"))
    for sheet in spec.sheet_names:
        live = {(n, ref) for n, ref, _ in rp.tables.get(sheet, [])}
        assert live == set(wb[sheet].tables.items()), sheet


def test_formula_looking_text_stays_text():
    spec = sample_spec()
    book = book_from_payload(payload([sheet_payload("我的表", USER_ROWS)]))
    render_book(spec, book)
    actions = book.json()["actions"]
    writes = [a for a in actions if a["func"] == "setValues"]
    cells = [v for a in writes for row in a["values"] for v in row]
    assert "'=HYPERLINK(\"http://x\",\"y\")" in cells
    assert not any(isinstance(v, str) and v.startswith("=") for v in cells)  # no formula column in the sample
    # the text column's format is set before its values arrive
    pos = 1  # RFM分层表 is inserted after the user's sheet
    fmt_i = next(i for i, a in enumerate(actions) if a["func"] == "setNumberFormat" and a["args"] == ["@"]
                 and a["sheet_position"] == pos)
    val_i = next(i for i, a in enumerate(actions) if a["func"] == "setValues" and a["sheet_position"] == pos
                 and a["row_count"] > 3)
    assert fmt_i < val_i


def test_guard_text_rules():
    assert guard_text("=1+1", text_format=True) == "'=1+1"
    assert guard_text("-5% 复购率", text_format=True) == "'-5% 复购率"
    assert guard_text("@home", text_format=True) == "'@home"
    assert guard_text("'quoted", text_format=True) == "''quoted"
    assert guard_text("00123", text_format=True) == "00123"  # a text-formatted cell keeps it
    assert guard_text("00123", text_format=False) == "'00123"  # General would make it 123
    assert guard_text("2024-01-05", text_format=False) == "'2024-01-05"
    assert guard_text("2024年1月5日", text_format=False) == "'2024年1月5日"
    assert guard_text("TRUE", text_format=False) == "'TRUE"
    assert guard_text("未知", text_format=False) == "未知"
    assert guard_text("C001", text_format=False) == "C001"


def test_cell_values_follow_the_kinds():
    s = pd.Series([12.0, "未知", None, float("nan"), "15"], dtype=object)
    assert cell_values(s, "money") == [12.0, "未知", None, None, 15.0]
    assert cell_values(pd.Series([12.0, 3.5]), "text") == ["12", "3.5"]
    d = cell_values(pd.Series(pd.to_datetime(["2024-09-15", None, "1899-01-01"])), "date")
    assert d[0] == dt.datetime(2024, 9, 15) and d[1] is None and d[2] == "'1899-01-01"
    assert cell_values(pd.Series([True, 2, "x", "3"], dtype=object), "general") == [True, 2.0, "x", "'3"]


def test_user_sheets_get_no_write_and_positions_are_kept():
    other = sheet_payload("客户", [["客户ID", "客户名称"], ["C001", "甲"]])
    old_rfm = sheet_payload("RFM分层表", [["旧内容"]])
    p = payload([sheet_payload("我的表", USER_ROWS), old_rfm, other], active=0)
    spec = sample_spec()
    result, rp = render(spec, p)
    assert result.replaced == ["RFM分层表"]
    assert result.added == ["客户策略执行表", "图表", "结论与建议"]
    # replaced in place; new sheets follow their spec neighbour
    assert rp.order == ["我的表", "RFM分层表", "客户策略执行表", "图表", "结论与建议", "客户"]
    for user in ("我的表", "客户"):
        assert set(rp.touched.get(user, [])) <= {"activateSheet"}, user
    assert rp.grid("我的表") == {(1, 1): "我的备注", (1, 2): "数值", (2, 1): "=不是公式", (2, 2): 1.0,
                                 (3, 1): "第二行", (3, 2): 2.0}
    assert rp.value("RFM分层表", 1, 1) == "客户价值分层分析表（RFM）"  # the old content is gone
    # the user is left on the sheet they were on
    last_activate = [a for a in rp.actions if a["func"] == "activateSheet"][-1]
    assert last_activate["args"] == [0]


def test_tracking_entries_survive_a_refresh():
    """Owner / status / result typed by the user in the strategy table stay, keyed by
    customer + strategy; a row the user added by hand is kept after the new rows."""
    spec = sample_spec()
    sh = spec.sheet("客户策略执行表")
    t = sh.table("Strategy")
    h, first = t.header_row, t.first_data_row
    rows = [[None] * 6 for _ in range(first + 3)]
    rows[0][0] = "客户策略执行表"
    rows[h - 1] = [c.header for c in t.columns]
    rows[first - 1] = ["C002", "培训试用", "李雷", "2024-11-15T00:00:00.000Z", "已完成", "已签约续费"]
    rows[first] = ["C009", "手工添加", "韩梅梅", "", "进行中", "电话已约"]
    table = {"name": "Strategy", "range_address": f"$A${h}:$F${first + 1}",
             "header_row_range_address": f"$A${h}:$F${h}", "data_body_range_address": f"$A${first}:$F${first + 1}",
             "total_row_range_address": None, "show_headers": True, "show_totals": False,
             "table_style": "TableStyleMedium2", "show_autofilter": True}
    p = payload([sheet_payload("客户策略执行表", rows, [table])])
    _, rp = render(spec, p)
    got = [[rp.value("客户策略执行表", r, c) for c in range(1, 7)] for r in range(first, first + 4)]
    assert got[0] == ["C001", "专属服务", "资深客户经理", dt.datetime(2024, 12, 31), "未开始", None]
    assert got[1] == ["C002", "培训试用", "李雷", dt.datetime(2024, 11, 15), "已完成", "已签约续费"]
    assert got[2] == ["C003", "挽回优惠", "销售主管", dt.datetime(2024, 10, 7), "已逾期", None]
    assert got[3] == ["C009", "手工添加", "韩梅梅", None, "进行中", "电话已约"]
    # the table and its drop-down list cover the hand-added row too
    assert ("Strategy", f"A{h}:F{first + 3}") in [(n, ref) for n, ref, _ in rp.tables["客户策略执行表"]]
    dv = [a for a in rp.actions if a["func"] == "setDataValidationList"]
    assert dv and dv[0]["args"][0] == {"type": "literal", "values": list(STATUS)}
    assert dv[0]["row_count"] == 4


def test_rendering_twice_gives_the_same_actions():
    p = payload([sheet_payload("我的表", USER_ROWS)])
    b1, b2 = book_from_payload(p), book_from_payload(p)
    render_book(sample_spec(), b1)
    render_book(sample_spec(), b2)
    assert b1.json() == b2.json()


def test_charts_tables_and_formats_are_drawn():
    result, rp = render(sample_spec(), payload([sheet_payload("我的表", USER_ROWS)]))
    charts = [a for a in rp.actions if a["func"] == "addChart"]
    assert [c["args"][1] for c in charts] == ["Pie", "BarClustered", "LineMarkers", "ColumnClustered"]
    # source: the series column(s) with their header; categories set separately
    # (图表: title row 1; Layer_Share header row 3, Funnel 8, Trend 13 -- blocks one blank row apart)
    assert [c["args"][3] for c in charts] == ["$B$3:$B$6", "$B$8:$B$11", "$B$13:$C$19", "$C$3:$C$6"]
    cats = [a["args"] for a in rp.actions if a["func"] == "setChartXAxisValues"]
    assert len(cats) == 4
    cf = [a for a in rp.actions if a["func"] == "addConditionalFormat"]
    assert {c["args"][0]["formula"] for c in cf} == {'=$G7="高价值客户"', '=$G7="流失风险客户"', '=$E4="已逾期"'}
    assert [a["args"] for a in rp.actions if a["func"] == "freezePaneAtRange"] == [["A7"], ["A4"]]
    # what Office.js cannot do is recorded, not raised
    assert any("data labels" in f for f in result.fallbacks)


def test_empty_table_keeps_one_formatted_row():
    t = TableBlock("Empty", (ColumnSpec("a", "客户ID"), ColumnSpec("b", "金额", "money")),
                   pd.DataFrame({"a": [], "b": []}))
    spec = ReportSpec((SheetSpec("空表", (t,)),))
    _, rp = render(spec, payload([sheet_payload("Sheet1", [])]))
    assert rp.tables["空表"] == [("Empty", "A1:B2", "TableStyleMedium2")]
    assert rp.number_format("空表", 2, 2) == "#,##0"


def test_invalid_spec_writes_nothing():
    t = TableBlock("T1", (ColumnSpec("a", "x"),), pd.DataFrame({"a": [1]}))  # 'T1' looks like a cell
    book = book_from_payload(payload([sheet_payload("Sheet1", [])]))
    with pytest.raises(SpecError, match="invalid table name 'T1'"):
        render_book(ReportSpec((SheetSpec("S", (t,)),)), book)
    assert book.json()["actions"] == []


_ODD_VALUES = [float("inf"), float("-inf"), float("nan"), -0.0, 0.0, 1e16, 123456789012345678, -3.5, 2 ** 53 + 1,
               "", " ", "=SUM(A1)", "+1", "-5%", "00123", "TRUE", "2024-01-05", "未知", "@x", "'q", "12",
               True, False, None, pd.NaT, dt.date(2024, 9, 15), dt.datetime(2024, 9, 15, 10, 30),
               dt.datetime(1899, 12, 1), pd.Timestamp("2024-02-29")]


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["text", "general", "int", "money", "money2", "number", "percent",
                                            "ratio", "date"]),
                          st.lists(st.sampled_from(_ODD_VALUES), min_size=1, max_size=6)),
                min_size=1, max_size=4))
def test_both_renderers_write_the_same_cells_for_any_values(tmp_path_factory, columns):
    """Renderer parity (issue 18): one spec through the file renderer and the live-Book
    renderer gives the same value in every cell, whatever a column holds (inf in a text
    column, -0.0, huge integers, formula-looking text, dates before 1900, NaT ...)."""
    n = max(len(v) for _, v in columns)
    data = pd.DataFrame({f"c{i}": pd.Series(v + [None] * (n - len(v)), dtype=object)
                         for i, (_, v) in enumerate(columns)})
    cols = tuple(ColumnSpec(f"c{i}", f"列{i}", kind) for i, (kind, _) in enumerate(columns))
    spec = ReportSpec(sheets=(SheetSpec(name="表", blocks=(TableBlock(name="T", columns=cols, data=data),)),))
    path = render_workbook(spec, tmp_path_factory.mktemp("parity") / "r.xlsx")
    _, rp = render(spec, payload([sheet_payload("我的表", USER_ROWS)]))
    live = {k: _stored(v) for k, v in rp.grid("表").items()}
    assert live == _stored_grid(path)


def _stored_grid(path):
    """The first sheet's cells as stored in the file (numbers as numbers, whatever their
    format: openpyxl would turn a number in a date-formatted cell into a date or an error)."""
    import re
    import zipfile
    from xml.etree import ElementTree as ET

    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(path) as z:
        sst = []
        if "xl/sharedStrings.xml" in z.namelist():
            sst = ["".join(t.text or "" for t in si.iter(f"{{{ns['m']}}}t"))
                   for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", ns)]
        root = ET.fromstring(z.read("xl/worksheets/sheet1.xml"))
    out = {}
    for c in root.iter(f"{{{ns['m']}}}c"):
        col, row = re.match(r"([A-Z]+)(\d+)", c.get("r")).groups()
        key = (int(row), sum((ord(ch) - 64) * 26 ** i for i, ch in enumerate(reversed(col))))
        t, v = c.get("t"), c.find("m:v", ns)
        if t == "s":
            out[key] = sst[int(v.text)]
        elif t == "inlineStr":
            out[key] = "".join(x.text or "" for x in c.iter(f"{{{ns['m']}}}t"))
        elif t == "b":
            out[key] = v.text == "1"
        elif v is not None:
            out[key] = float(v.text)
    return {k: v for k, v in out.items() if v != ""}


def _stored(v):
    """A cell's value as Excel stores it: numbers (dates and times as serials), text, bools;
    openpyxl reads a number in a date-formatted cell back as a date or a time."""
    if isinstance(v, bool) or isinstance(v, str):
        return v
    if isinstance(v, dt.datetime):
        return (v - dt.datetime(1899, 12, 30)) / dt.timedelta(days=1)
    if isinstance(v, dt.date):
        return float((v - dt.date(1899, 12, 30)).days)
    if isinstance(v, dt.time):
        return (v.hour * 3600 + v.minute * 60 + v.second) / 86400
    return float(v)
