"""refresh_workbook: report sheets spliced into a user's workbook, everything else kept (issue 5 item 3)."""

import hashlib
import shutil
import zipfile

import openpyxl
import pytest
from openpyxl.chart import BarChart, Reference
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.table import Table

from crm_xl.errors import WorkbookError
from crm_xl.render import splice
from crm_xl.render.opc import check_package
from crm_xl.render.splice import refresh_workbook
from crm_xl.render.xlsx import render_workbook
from tests import golden, lo
from tests.report_samples import sample_spec

REPORT = ["RFM分层表", "客户策略执行表", "图表", "结论与建议"]


def make_user_book(path, *, table_named=None):
    """A user's workbook: data sheet with formulas, a chart, a wide column, a named range,
    a second sheet with a hand-typed cell and a cross-sheet formula."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户"
    ws.append(["客户ID", "金额", "加倍"])
    for i in range(1, 6):
        ws.append([f"C{i:03d}", i * 100, f"=B{i + 1}*2"])
    ws.column_dimensions["A"].width = 25
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=6), titles_from_data=True)
    ws.add_chart(chart, "E2")
    wb.defined_names["金额区"] = DefinedName("金额区", attr_text="'客户'!$B$2:$B$6")
    notes = wb.create_sheet("我的备注")
    notes["A1"] = "手工输入"
    notes["B2"] = "=SUM(客户!B2:B6)"
    if table_named:
        ws.add_table(Table(displayName=table_named, ref="A1:C6"))
    wb.save(path)
    return path


def md5(p):
    return hashlib.md5(open(p, "rb").read()).hexdigest()


def parts(p):
    with zipfile.ZipFile(p) as z:
        return {n: z.read(n) for n in z.namelist()}


@pytest.fixture()
def user_book(tmp_path):
    return make_user_book(tmp_path / "book.xlsx")


def test_refresh_preserves_everything_the_user_owns(user_book, tmp_path):
    before = parts(user_book)
    refresh_workbook(sample_spec(), user_book)
    assert check_package(user_book) == []
    after = parts(user_book)
    # every user part that is not a workbook-level index is byte-identical
    for name in ("xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "xl/charts/chart1.xml",
                 "xl/drawings/drawing1.xml", "xl/theme/theme1.xml", "docProps/core.xml", "docProps/app.xml"):
        assert after[name] == before[name], name
    wb = openpyxl.load_workbook(user_book)
    assert wb.sheetnames == ["客户", "我的备注", *REPORT]
    ws = wb["客户"]
    assert ws["C3"].value == "=B3*2" and ws.column_dimensions["A"].width == 25
    assert len(ws._charts) == 1
    assert wb["我的备注"]["A1"].value == "手工输入" and wb["我的备注"]["B2"].value == "=SUM(客户!B2:B6)"
    assert wb.defined_names["金额区"].attr_text == "'客户'!$B$2:$B$6"


def test_refreshed_report_sheets_equal_a_fresh_render(user_book, tmp_path):
    refresh_workbook(sample_spec(), user_book)
    fresh = tmp_path / "fresh.xlsx"
    render_workbook(sample_spec(), fresh)
    golden.assert_same(fresh, user_book, sheets=REPORT, ignore=("/sheets", "/defined_names"))


def test_out_leaves_the_original_alone(user_book, tmp_path):
    h = md5(user_book)
    out = tmp_path / "out.xlsx"
    refresh_workbook(sample_spec(), user_book, out=out)
    assert md5(user_book) == h and check_package(out) == []


def test_idempotent_byte_for_byte(user_book, tmp_path):
    refresh_workbook(sample_spec(), user_book)
    first = md5(user_book)
    refresh_workbook(sample_spec(), user_book)
    assert md5(user_book) == first


def test_editable_columns_and_hand_added_rows_survive(user_book, tmp_path):
    refresh_workbook(sample_spec(), user_book)
    # the user edits the strategy table in Excel (simulated with openpyxl, which also
    # converts the inline strings to a shared-string table, as Excel does on save)
    wb = openpyxl.load_workbook(user_book)
    ws = wb["客户策略执行表"]
    ws["E4"] = "已完成"
    ws["F4"] = "客户已签约"
    ws["C5"] = None  # cleared on purpose
    ws.append(["C999", "手工添加", "小王", None, "进行中", "跟进中"])
    ws.tables["Strategy"].ref = "A3:F7"
    wb["客户"]["A2"] = "C001-手改"
    wb.save(user_book)
    refresh_workbook(sample_spec(), user_book)
    wb = openpyxl.load_workbook(user_book)
    ws = wb["客户策略执行表"]
    rows = [list(r) for r in ws.iter_rows(min_row=4, max_row=7, values_only=True)]
    assert rows[0][2:] == ["资深客户经理", rows[0][3], "已完成", "客户已签约"]
    assert rows[1][2] is None  # the user's clearing is respected
    assert rows[2][4] == "已逾期"
    assert rows[3] == ["C999", "手工添加", "小王", None, "进行中", "跟进中"]
    assert ws.tables["Strategy"].ref == "A3:F7"
    assert [d.sqref for d in ws.data_validations.dataValidation][0].__str__() == "E4:E7"
    assert wb["客户"]["A2"].value == "C001-手改"
    assert check_package(user_book) == []
    h = md5(user_book)
    refresh_workbook(sample_spec(), user_book)
    assert md5(user_book) == h


def test_failure_leaves_the_file_byte_identical(user_book, monkeypatch):
    refresh_workbook(sample_spec(), user_book)
    h = md5(user_book)
    listing = sorted(p.name for p in user_book.parent.iterdir())

    def boom(self):
        yield self.head
        raise RuntimeError("disk full (injected)")

    monkeypatch.setattr(splice._SheetWriter, "chunks", boom)
    with pytest.raises(RuntimeError, match="injected"):
        refresh_workbook(sample_spec(), user_book)
    assert md5(user_book) == h
    assert sorted(p.name for p in user_book.parent.iterdir()) == listing  # no temp file left


def test_table_name_clash_with_a_user_table_is_resolved(tmp_path):
    p = make_user_book(tmp_path / "b.xlsx", table_named="Strategy")
    refresh_workbook(sample_spec(), p)
    assert check_package(p) == []
    wb = openpyxl.load_workbook(p)
    assert "Strategy" in wb["客户"].tables
    assert list(wb["客户策略执行表"].tables) == ["Strategy_2"]


def test_xlsm_vba_part_is_kept(user_book, tmp_path):
    xlsm = tmp_path / "book.xlsm"
    vba = b"\xd0\xcf\x11\xe0fake-vba-project" * 10
    with zipfile.ZipFile(user_book) as zin, zipfile.ZipFile(xlsm, "w", zipfile.ZIP_DEFLATED) as zout:
        for n in zin.namelist():
            data = zin.read(n)
            if n == "[Content_Types].xml":
                data = data.replace(b"sheet.main+xml", b"sheet.macroEnabled.main+xml").replace(
                    b"<Default Extension=\"xml\"",
                    b"<Default Extension=\"bin\" ContentType=\"application/vnd.ms-office.vbaProject\"/><Default Extension=\"xml\"")
            if n == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/></Relationships>')
            zout.writestr(n, data)
        zout.writestr("xl/vbaProject.bin", vba)
    refresh_workbook(sample_spec(), xlsm)
    assert check_package(xlsm) == []
    with zipfile.ZipFile(xlsm) as z:
        assert z.read("xl/vbaProject.bin") == vba
        assert b"macroEnabled" in z.read("[Content_Types].xml")


def test_not_a_workbook_is_a_clear_error(tmp_path):
    p = tmp_path / "x.xlsx"
    p.write_bytes(b"this is not a zip")
    with pytest.raises(WorkbookError) as e:
        refresh_workbook(sample_spec(), p)
    assert "x.xlsx" in e.value.message("zh") and "not a valid" in e.value.message("en")
    assert p.read_bytes() == b"this is not a zip"


def test_chart_sheet_with_a_report_name_is_refused(tmp_path):
    wb = openpyxl.Workbook()
    wb.create_chartsheet("图表")
    p = tmp_path / "c.xlsx"
    wb.save(p)
    h = md5(p)
    with pytest.raises(WorkbookError, match="chart sheet"):
        refresh_workbook(sample_spec(), p)
    assert md5(p) == h


def test_refresh_of_a_rendered_report_is_consistent(tmp_path):
    r0, p = tmp_path / "r0.xlsx", tmp_path / "r.xlsx"
    render_workbook(sample_spec(), r0)
    shutil.copy(r0, p)
    refresh_workbook(sample_spec(), p)
    assert check_package(p) == []
    golden.assert_same(r0, p)


@pytest.mark.libreoffice
def test_libreoffice_opens_the_refreshed_workbook(user_book, tmp_path):
    refresh_workbook(sample_spec(), user_book)
    assert lo.roundtrip_ok(user_book, tmp_path / "rt") == []
    shutil.copy(user_book, tmp_path / "copy.xlsx")
    assert lo.to_png(tmp_path / "copy.xlsx", tmp_path / "png", last=1)


def test_old_editable_rows_read_the_same_through_calamine_and_the_xml_reader(tmp_path):
    """The refresh reads the previous strategy table through python-calamine (fast path) and
    falls back to its own XML reader; both must give the same values (types included)."""
    import datetime as dt
    import zipfile

    import openpyxl
    import pandas as pd

    from crm_xl.demo import generate_demo
    from crm_xl.render.opc import PackageReader, workbook_part, workbook_sheets
    from crm_xl.render.xlsx import render_workbook
    from crm_xl.render.xlsx_read import SharedStrings, read_table_rows
    from crm_xl.report.build import build_report

    run = build_report(generate_demo(30))
    path = render_workbook(run.spec, tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(path)  # a user types into the tracking columns, as in Excel
    ws = wb["客户策略执行表"]
    ref = ws.tables["StrategyExecution"].ref if "StrategyExecution" in ws.tables else next(iter(ws.tables.values()))
    header_row = int(str(ref).split(":")[0][1:]) if isinstance(ref, str) else ref.min_row
    headers = {c.value: c.column for c in ws[header_row]}
    ws.cell(header_row + 1, headers["执行状态"], "进行中")
    ws.cell(header_row + 1, headers["执行记录"], "=已电话回访")
    ws.cell(header_row + 2, headers["开始日期"], dt.datetime(2024, 10, 8))
    ws.cell(header_row + 2, headers["执行结果"], 12.5)
    wb.save(path)
    sheet_spec = run.spec.sheet("客户策略执行表")
    table = next(t for t in sheet_spec.tables if any(c.editable for c in t.columns))
    with zipfile.ZipFile(path) as z:
        pkg = PackageReader(z)
        wbp = workbook_part(pkg)
        part = next(p for name, _, _, p in workbook_sheets(pkg, wbp) if name == "客户策略执行表")
        sst = SharedStrings(pkg, "xl/sharedStrings.xml")
        fast = read_table_rows(pkg, part, table, sst, sheet_name="客户策略执行表")
        slow = read_table_rows(pkg, part, table, sst)
    assert list(fast.columns) == list(slow.columns) and len(fast) == len(slow) == len(table.data)

    def norm(v):
        if isinstance(v, (dt.datetime, dt.date)):
            return pd.Timestamp(v)
        return None if v is None or (isinstance(v, float) and v != v) else v

    for col in fast.columns:
        assert [norm(v) for v in fast[col]] == [norm(v) for v in slow[col]], col
    assert fast["status"].iloc[0] == "进行中" and fast["result"].iloc[1] == 12.5
