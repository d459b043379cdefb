"""The sheet-extent scan that guards python-calamine against huge grids (crm_xl.safety).

calamine builds a dense grid from the first to the last cell, so the scan must find the
true extent however the sheet XML is written: cells with or without ``r``, ``r`` not first,
prefixed tags, one stray cell far away. Each case is a tiny hand-written worksheet part.
"""

from __future__ import annotations

import zipfile

import pytest

from crm_xl.errors import WorkbookError
from crm_xl.safety import MAX_SHEET_CELLS, _scan_part, check_sheet_extent

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _scan(tmp_path, sheet_data: str, ns: str = NS, root: str = "worksheet", pad: int = 0):
    xml = f'<{root} {ns}>{" " * pad}<sheetData>{sheet_data}</sheetData></{root}>'
    p = tmp_path / "s.zip"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("sheet.xml", xml)
    with zipfile.ZipFile(p) as z:
        return _scan_part(z, "sheet.xml")


def test_plain_sheet(tmp_path):
    s = _scan(tmp_path, '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1"><v>2</v></c></row>'
                        '<row r="7"><c r="B7"><v>1</v></c></row>')
    assert s.rows == 7 and 3 <= s.cols <= 26  # single letters: bounded by Z
    assert s.errors == {}


def test_one_far_cell_is_found(tmp_path):
    s = _scan(tmp_path, '<row r="1"><c r="A1"><v>1</v></c></row>'
                        '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')
    assert (s.rows, s.cols) == (1_048_576, 16_384)
    with pytest.raises(WorkbookError) as e:
        check_sheet_extent("订单", s)
    assert e.value.location.sheet == "订单"
    assert s.cells > MAX_SHEET_CELLS


def test_rows_out_of_order(tmp_path):
    s = _scan(tmp_path, '<row r="900000"><c r="AZ900000"><v>1</v></c></row><row r="2"><c r="A2"><v>1</v></c></row>')
    assert s.rows == 900_000 and s.cols == 52


def test_cells_without_r_are_counted_by_position(tmp_path):
    cells = "".join(f"<c><v>{i}</v></c>" for i in range(40))
    s = _scan(tmp_path, f"<row>{cells}</row><row><c/></row>")
    assert s.rows == 2 and s.cols == 40


def test_r_not_first_attribute(tmp_path):
    cells = "".join(f'<c s="1" r="{c}1"><v>1</v></c>' for c in ("A", "AA", "BC"))
    s = _scan(tmp_path, f'<row spans="1:55" r="3">{cells}</row>')
    assert s.rows == 3 and s.cols == 55


def test_prefixed_tags(tmp_path):
    ns = 'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    xml = '<x:row r="5"><x:c r="AB5"><x:v>1</x:v></x:c></x:row>'
    p = tmp_path / "s.zip"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("sheet.xml", f"<x:worksheet {ns}><x:sheetData>{xml}</x:sheetData></x:worksheet>")
    with zipfile.ZipFile(p) as z:
        s = _scan_part(z, "sheet.xml")
    assert s.rows == 5 and s.cols == 28


def test_error_cells(tmp_path):
    s = _scan(tmp_path, '<row r="3"><c r="B3" t="e"><v>#N/A</v></c><c r="C3" t="e"><f>1/0</f><v>#DIV/0!</v></c></row>')
    assert s.errors == {(2, 1): "#N/A", (2, 2): "#DIV/0!"}


@pytest.mark.parametrize("shift", range(0, 24, 2))
def test_tags_across_the_read_chunks(tmp_path, shift):
    """The scan reads 4 MiB at a time; a far row or cell whose tag straddles the seam is
    still seen (shifts move the seam through ``<row r="70000">`` and ``<c r="ZZ70000">``)."""
    far = '<row r="70000"><c r="ZZ70000"><v>1</v></c></row>'
    before = len(f"<worksheet {NS}>".encode()) + len("<sheetData>")
    pad = (1 << 22) - 4 - shift - before  # the far row starts 4 + shift bytes before the seam
    s = _scan(tmp_path, far, pad=pad)
    assert s.rows == 70_000 and s.cols == 702
