"""Edge cases of the file writer and the refresh found by checking output as Excel does
(issue 17): the 1904 date system, stylesheets of minimal writers, the schema order of font
properties, docProps/app.xml after a refresh, OS junk inside a user's package.

The user workbooks here are written by hand (a few XML parts in a zip) where the point is
what another program writes, and by xlsxwriter / openpyxl otherwise.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from xml.etree import ElementTree as ET

import openpyxl
import pandas as pd
import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from crm_xl.render.splice import refresh_workbook

FONT_ORDER = ("b", "i", "strike", "condense", "extend", "outline", "shadow", "u", "vertAlign", "sz", "color", "name", "family", "charset", "scheme")
from crm_xl.render.xlsx import render_workbook
from crm_xl.report.spec import ColumnSpec, ReportSpec, SheetSpec, TableBlock
from tests.report_samples import sample_spec

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def minimal_book(path, *, styles: str | None, workbook_pr: str = "", extra: dict[str, bytes] | None = None):
    """A workbook as a minimal writer makes it: one sheet, optional styles part."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rns = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            + ('<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>' if styles else "")
            + "</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook {ns} {rns}>{workbook_pr}'
            '<sheets><sheet name="数据" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            + ('<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>' if styles else "")
            + "</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet {ns}><sheetData>'
            '<row r="1"><c r="A1" t="inlineStr"><is><t>客户ID</t></is></c><c r="B1" s="1"><v>45550</v></c></row>'
            "</sheetData></worksheet>"
        ),
    }
    if styles:
        parts["xl/styles.xml"] = f'<?xml version="1.0" encoding="UTF-8"?><styleSheet {ns}>{styles}</styleSheet>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text.encode("utf-8"))
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return path


def styles_root(path):
    with zipfile.ZipFile(path) as z:
        return ET.fromstring(z.read("xl/styles.xml"))


# --------------------------------------------------------------------------- styles


MINIMAL_STYLES = (  # what minimal writers produce: no cellStyleXfs, no cellStyles
    '<fonts count="1"><font><sz val="11"/><name val="Arial"/></font></fonts>'
    '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
    '<borders count="1"><border/></borders>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" applyNumberFormat="1"/></cellXfs>'
)


def test_styles_without_cell_style_xfs_get_the_named_style_their_formats_point_at(tmp_path):
    """Every merged cell format says xfId="0"; a stylesheet without <cellStyleXfs> gets the
    default named style 0 (and the Normal cell style), placed where the schema wants it."""
    book = minimal_book(tmp_path / "min.xlsx", styles=MINIMAL_STYLES)
    refresh_workbook(sample_spec(), book)
    root = styles_root(book)
    named = root.find(MAIN + "cellStyleXfs")
    assert named is not None and len(named) >= 1 and named.get("count") == str(len(named))
    for xf in root.find(MAIN + "cellXfs"):
        assert int(xf.get("xfId", "0")) < len(named)
    order = [el.tag.removeprefix(MAIN) for el in root]
    assert order.index("borders") < order.index("cellStyleXfs") < order.index("cellXfs") < order.index("cellStyles")
    cell_styles = root.find(MAIN + "cellStyles")
    assert [(c.get("name"), c.get("xfId")) for c in cell_styles] == [("Normal", "0")]
    # the user's own formats are kept as they were, in place
    assert [dict(x.attrib) for x in list(root.find(MAIN + "cellXfs"))[:2]] == [
        {"numFmtId": "0", "fontId": "0", "fillId": "0", "borderId": "0"},
        {"numFmtId": "14", "fontId": "0", "fillId": "0", "borderId": "0", "applyNumberFormat": "1"}]


def _font_orders(root):
    fonts = list(root.find(MAIN + "fonts"))
    dxfs = root.find(MAIN + "dxfs")
    dxf_fonts = [f for d in (dxfs if dxfs is not None else []) for f in d if f.tag == MAIN + "font"]
    return [[c.tag.removeprefix(MAIN) for c in f] for f in fonts + dxf_fonts]


def _in_schema_order(children):
    ranks = [FONT_ORDER.index(c) for c in children]
    return ranks == sorted(ranks)


def test_merged_fonts_keep_the_schema_order_of_the_users_stylesheet(tmp_path):
    """xlsxwriter (like Excel) writes <font> children in the schema's sequence; the fonts
    the refresh adds -- openpyxl's, in its own order (name, b, color, sz) -- must follow
    the same sequence, or the Open XML SDK's validator rejects the stylesheet."""
    book = tmp_path / "xw.xlsx"
    wb = xlsxwriter.Workbook(book)
    ws = wb.add_worksheet("数据")
    ws.write(0, 0, "客户ID", wb.add_format({"bold": True, "font_color": "red", "italic": True}))
    wb.close()
    assert all(_in_schema_order(f) for f in _font_orders(styles_root(book)))
    refresh_workbook(sample_spec(), book)
    orders = _font_orders(styles_root(book))
    assert len(orders) > 2 and any("b" in o and "name" in o for o in orders)
    assert [o for o in orders if not _in_schema_order(o)] == []
    refresh_workbook(sample_spec(), book)  # a second refresh finds its fonts again: nothing added
    assert _font_orders(styles_root(book)) == orders


def test_new_workbooks_write_fonts_in_schema_order(tmp_path):
    out = render_workbook(sample_spec(), tmp_path / "new.xlsx")
    orders = _font_orders(styles_root(out))
    assert len(orders) > 2 and [o for o in orders if not _in_schema_order(o)] == []


# --------------------------------------------------------------------------- docProps/app.xml


def _app_lists(path):
    vt = "{http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes}"
    ep = "{http://schemas.openxmlformats.org/officeDocument/2006/extended-properties}"
    with zipfile.ZipFile(path) as z:
        root = ET.fromstring(z.read("docProps/app.xml"))
    pairs = [v[0].text for v in root.find(f"{ep}HeadingPairs/{vt}vector")]
    vec = root.find(f"{ep}TitlesOfParts/{vt}vector")
    titles = [t.text for t in vec]
    assert vec.get("size") == str(len(titles))
    return list(zip(pairs[::2], map(int, pairs[1::2]), strict=True)), titles


def test_app_xml_lists_the_sheets_after_a_refresh(tmp_path):
    """docProps/app.xml (Excel's File > Info list, read by indexers and DMS tools) names
    every worksheet in workbook order after a refresh; the named-range group is kept."""
    book = tmp_path / "app.xlsx"
    wb = xlsxwriter.Workbook(book)
    ws = wb.add_worksheet("数据")
    wb.add_worksheet("备注")
    wb.define_name("金额", "=数据!$A$1:$A$3")
    ws.print_area("A1:B3")
    wb.close()
    assert _app_lists(book) == ([("Worksheets", 2), ("Named Ranges", 2)], ["数据", "备注", "数据!Print_Area", "金额"])
    refresh_workbook(sample_spec(), book)
    sheets = openpyxl.load_workbook(book, read_only=True).sheetnames
    assert len(sheets) == 6
    groups, titles = _app_lists(book)
    assert groups == [("Worksheets", 6), ("Named Ranges", 2)]
    assert titles == sheets + ["数据!Print_Area", "金额"]
    before = book.read_bytes()
    refresh_workbook(sample_spec(), book)
    assert book.read_bytes() == before


# --------------------------------------------------------------------------- OS junk in the package


def test_os_junk_in_the_package_does_not_block_the_refresh(tmp_path):
    """A workbook zipped again on a Mac carries xl/.DS_Store and __MACOSX/ AppleDouble files
    that nothing references and that have no content type; Excel ignores them. The refresh
    works and keeps them byte for byte."""
    from crm_xl.render.opc import check_package

    junk = {"xl/.DS_Store": b"\x00\x00\x00\x01Bud1\x00" * 8,
            "__MACOSX/xl/worksheets/_rels/._sheet1.xml.rels": b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X",
            "xl/worksheets/._sheet1.xml": b"\x00\x05\x16\x07"}
    book = minimal_book(tmp_path / "mac.xlsx", styles=MINIMAL_STYLES, extra=junk)
    assert check_package(book) == []
    refresh_workbook(sample_spec(), book)
    with zipfile.ZipFile(book) as z:
        assert {n: z.read(n) for n in junk} == junk
    assert check_package(book) == []
    assert "RFM分层表" in openpyxl.load_workbook(book, read_only=True).sheetnames


# --------------------------------------------------------------------------- the 1904 date system


def _book_1904(path):
    """A workbook in the 1904 date system, as Mac Excel 2008/2011 saved them by default:
    an order dated 2024-09-15 with a date format, another as a bare serial (44088)."""
    wb = xlsxwriter.Workbook(path, {"date_1904": True})
    ws = wb.add_worksheet("订单")
    f = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_row(0, 0, ["订单号", "客户ID", "订单日期", "金额"])
    ws.write_row(1, 0, ["O1", "C001"])
    ws.write_datetime(1, 2, dt.datetime(2024, 9, 15), f)
    ws.write(1, 3, 100)
    ws.write_row(2, 0, ["O2", "C002"])
    ws.write_number(2, 2, 44088)  # 2024-09-15 in the 1904 system (2020-09-14 in the 1900 one)
    ws.write(2, 3, 200)
    wb.close()
    with zipfile.ZipFile(path) as z:
        assert re.search(rb'date1904="1"', z.read("xl/workbook.xml"))
    return path


def test_1904_workbook_dates_are_read_as_excel_shows_them(tmp_path):
    """python-calamine returns date-formatted cells of a 1904 workbook as the right dates;
    a bare serial in a date column is read in the workbook's date system too, not 4 years
    and 1 day early."""
    from crm_xl.io import read_workbook

    book = _book_1904(tmp_path / "mac.xlsx")
    (orders,) = read_workbook(book)["orders"]
    frame = orders.frame
    assert [pd.Timestamp(v).date() for v in frame["订单日期"]] == [dt.date(2024, 9, 15), dt.date(2024, 9, 15)]
    assert list(frame["金额"]) == [100, 200]  # numbers elsewhere stay numbers


def _calamine_rows(path, sheet):
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()


def test_1904_workbook_report_dates_are_written_and_read_back_in_its_date_system(tmp_path):
    """The refresh writes date cells as serials of the workbook's own date system (a 1900
    serial in a 1904 workbook shows 2024-09-15 as 2028-09-16), and reads the user's dates
    back from the old sheet in that system, so refreshing again does not move them."""
    book = _book_1904(tmp_path / "mac.xlsx")
    refresh_workbook(sample_spec(), book)
    rows = _calamine_rows(book, "RFM分层表")
    header = next(i for i, r in enumerate(rows) if "最近购买日期" in r)
    col = rows[header].index("最近购买日期")
    assert [r[col] for r in rows[header + 1: header + 4]] == [dt.date(2024, 9, 15), dt.date(2024, 7, 20), dt.date(2024, 3, 10)]
    with zipfile.ZipFile(book) as z:  # the raw serial is the 1904 one
        assert re.search(rb"<v>44088</v>", z.read("xl/worksheets/sheet2.xml"))
    # a user's deadline typed into the editable column survives two refreshes unmoved
    wb = openpyxl.load_workbook(book)
    ws = wb["客户策略执行表"]
    assert wb.epoch == openpyxl.utils.datetime.CALENDAR_MAC_1904
    head = next(r for r in ws.iter_rows() if any(c.value == "截止日期" for c in r))
    dcol = next(c.column for c in head if c.value == "截止日期")
    ws.cell(row=head[0].row + 1, column=dcol).value = dt.datetime(2025, 1, 20)
    wb.save(book)
    for _ in range(2):
        refresh_workbook(sample_spec(), book)
        rows = _calamine_rows(book, "客户策略执行表")
        h = next(i for i, r in enumerate(rows) if "截止日期" in r)
        c = rows[h].index("截止日期")
        assert [r[c] for r in rows[h + 1: h + 4]] == [dt.date(2025, 1, 20), dt.date(2024, 10, 31), dt.date(2024, 10, 7)]


def test_1904_old_report_read_by_the_xml_reader_too(tmp_path, monkeypatch):
    """The XML fallback reader (used where python-calamine is not) reads serials in the
    workbook's date system as well."""
    from crm_xl.render import xlsx_read

    monkeypatch.setattr(xlsx_read, "_calamine_values", lambda *a, **k: None)
    book = _book_1904(tmp_path / "mac.xlsx")
    refresh_workbook(sample_spec(), book)
    refresh_workbook(sample_spec(), book)
    rows = _calamine_rows(book, "客户策略执行表")
    h = next(i for i, r in enumerate(rows) if "截止日期" in r)
    c = rows[h].index("截止日期")
    assert [r[c] for r in rows[h + 1: h + 4]] == [dt.date(2024, 12, 31), dt.date(2024, 10, 31), dt.date(2024, 10, 7)]


def test_1900_workbooks_are_unchanged_by_the_1904_support(tmp_path):
    book = tmp_path / "win.xlsx"
    wb = xlsxwriter.Workbook(book)
    wb.add_worksheet("数据").write(0, 0, "x")
    wb.close()
    refresh_workbook(sample_spec(), book)
    rows = _calamine_rows(book, "RFM分层表")
    assert dt.date(2024, 9, 15) in [v for r in rows for v in r]
    with zipfile.ZipFile(book) as z:
        assert re.search(rb"<v>45550</v>", z.read("xl/worksheets/sheet2.xml"))


# --------------------------------------------------------------------------- Excel's limits in the spec


def test_spec_refuses_what_excel_cannot_hold():
    """Before anything is written: a table past row 1,048,576 or column XFD, a formula past
    8,192 characters, a sheet name of more than 31 UTF-16 units (an emoji counts two)."""
    from crm_xl.report.spec import SpecError

    data = pd.DataFrame({"a": [1.0]})
    col = (ColumnSpec("a", "A", "int"),)

    def spec(table, name="S"):
        return ReportSpec((SheetSpec(name, (table,)),))

    spec(TableBlock("T", col, data, row=1_048_575)).validate()  # header and one row fit exactly
    with pytest.raises(SpecError, match="1,048,576"):
        spec(TableBlock("T", col, data, row=1_048_576)).validate()
    spec(TableBlock("T", col, data, row=1, col=16_384)).validate()
    with pytest.raises(SpecError, match="16,384"):
        spec(TableBlock("T", col + (ColumnSpec("b", "B", formula="=1"),), data, row=1, col=16_384)).validate()
    with pytest.raises(SpecError, match="8,192"):
        spec(TableBlock("T", (ColumnSpec("f", "F", formula="=" + "1+" * 4100 + "1"),), data, row=1)).validate()
    spec(TableBlock("T", col, data), name="表" * 31).validate()
    with pytest.raises(SpecError, match="sheet name"):
        spec(TableBlock("T", col, data), name="😀" * 16).validate()
