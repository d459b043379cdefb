"""Hostile content (issue 10, item 4): formula injection stays text in every sheet, no
hyperlink or external link is ever built from data, and zip bombs / XML entity expansion
are refused with a clear message within bounded time and memory.

The corpus (``tests/corpus``) covers the refresh path (cases r06, r07, r10, i37-i41);
these tests add the new-workbook path, the live Book renderer behind the macros, the
writer's own escaping, and the memory bound measured in a child process."""

import os
import pathlib
import subprocess
import sys
import textwrap
import time
import zipfile

import pytest

from crm_xl.cli.report import run_report
from crm_xl.errors import WorkbookError
from crm_xl.render.splice import refresh_workbook
from tests.corpus import build as B
from tests.corpus.make_corpus import AS_OF, CH, INJECT, OH
from tests.corpus.runner import package_cells

ROOT = pathlib.Path(__file__).resolve().parents[1]
HOSTILE = [s for s in INJECT] + ["https://evil.example/a", "\\\\server\\share\\x.xlsx", "#REF!", "TRUE", "00123", "1e5"]


def _csvs(tmp_path):
    import csv

    c = tmp_path / "客户.csv"
    with open(c, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(CH + ["区域", "客户经理"])
        for i, s in enumerate(HOSTILE):
            w.writerow([f"C{i:03d}", s, s, s, s, s])
    o = tmp_path / "订单.csv"
    with open(o, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(OH + ["产品", "销售负责人", "订单状态"])
        for i, s in enumerate(HOSTILE):
            w.writerow([f"O{i}", f"C{i:03d}", "2024-09-01", 100 + i, s, s, s])
    return [c, o]


def test_new_workbook_from_exports_keeps_hostile_text_as_text(tmp_path):
    """crm-xl report NEW.xlsx --input ...: the data sheets, the report sheets and the
    cleaning log hold every hostile string as a text cell; no formula and no link part."""
    out = tmp_path / "new.xlsx"
    run_report(out, inputs=_csvs(tmp_path), as_of=AS_OF)
    cells, rel_types, formulas = package_cells(out)
    seen = {s: 0 for s in HOSTILE}
    for part, ref, kind, value in cells:
        for s in HOSTILE:
            if value == s:
                seen[s] += 1
                assert kind in ("s", "inlineStr", "str"), f"{part}!{ref} holds {s!r} as {kind}"
    assert all(n >= 2 for s, n in seen.items() if s.strip()), seen  # data sheet + report sheets
    assert not [f for f in formulas if any(x in f[2] for x in ("cmd", "evil", "SUM(A1", "HYPERLINK"))]
    assert not [t for t in rel_types if t.endswith(("/hyperlink", "/externalLink"))]
    with zipfile.ZipFile(out) as z:
        assert not [n for n in z.namelist() if "externalLink" in n]
        assert all(b"<hyperlink" not in z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))


@pytest.mark.libreoffice
def test_libreoffice_reads_hostile_cells_as_text(tmp_path):
    from tests.lo import recalculate

    out = tmp_path / "new.xlsx"
    run_report(out, inputs=_csvs(tmp_path), as_of=AS_OF)
    recalc = recalculate(out, tmp_path / "lo")
    _, _, formulas = package_cells(recalc)
    assert not [f for f in formulas if any(x in f[2] for x in ("cmd", "evil", "HYPERLINK"))]
    import openpyxl

    ws = openpyxl.load_workbook(recalc, data_only=True)["客户"]
    names = [r[1] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert "=cmd|' /C calc'!A0" in names and "@SUM(A1:A2)" in names


def test_live_book_renderer_prefixes_hostile_text():
    """The macros' renderer writes every hostile string with Excel's text prefix, so
    Excel stores it as text (tab and CR included: OWASP's CSV-injection prefixes)."""
    from crm_xl.render.book import guard_text

    for s in INJECT:
        assert guard_text(s, text_format=True) == "'" + s, s
    assert guard_text("普通文本", text_format=True) == "普通文本"


def test_macro_refresh_writes_hostile_text_as_text(tmp_path):
    from crm_xl.excel.macros import refresh_all
    from tests.xlbook import Replay, book_from_payload, payload_from_xlsx

    src = B.xlsx(tmp_path / "book.xlsx", {"客户": [CH] + [[f"C{i:03d}", s, s, "软件"] for i, s in enumerate(INJECT)],
                                         "订单": [OH] + [[f"O{i}", f"C{i:03d}", "2024-09-01", 100] for i in range(len(INJECT))],
                                         "设置": [["名称", "值"], ["analysis_date", "2024-09-30"]]})
    p = payload_from_xlsx(src)
    book = book_from_payload(p)
    outcome = refresh_all(book)
    assert outcome.ok, outcome.message
    actions = book.json()["actions"]
    written = [v for a in actions if a["func"] == "setValues" for row in a["values"] for v in row if isinstance(v, str)]
    for s in INJECT:
        s = s.strip()  # cleaning trims surrounding tabs/CRs; what remains starts with '='
        hits = [v for v in written if v.lstrip("'") == s]
        assert hits, s
        assert all(v == "'" + s for v in hits), (s, hits[:3])
    assert not [a for a in actions if "hyperlink" in a["func"].lower()]
    Replay(p, actions)  # the action list is well-formed


def test_writer_escapes_what_xml_cannot_hold():
    from crm_xl.render.sheetdata import escape_text

    assert escape_text("a<b>&c") == "a&lt;b&gt;&amp;c"
    assert escape_text("x\x07y") == "x_x0007_y"
    assert escape_text("_x0041_") == "_x005F_x0041_"  # a literal _xHHHH_ is not decoded by Excel
    assert len(escape_text("长" * 40_000)) == 32_767


# --------------------------------------------------------------------------- packages


def test_entity_expansion_in_workbook_xml_is_refused_by_the_refresh(tmp_path):
    """refresh_workbook parses workbook.xml itself (defusedxml): a DTD there is refused,
    the file left byte-identical."""
    base = B.xlsx(tmp_path / "base.xlsx", {"订单": B.orders_rows()})
    p = B.rewrite_part(base, tmp_path / "book.xlsx", "xl/workbook.xml",
                       lambda d: B.LAUGHS + d[d.index(b"<workbook"):].replace('name="订单"'.encode(), b'name="&lol9;"', 1))
    before = p.read_bytes()
    from tests.report_samples import sample_spec

    t = time.perf_counter()
    with pytest.raises(WorkbookError):
        refresh_workbook(sample_spec(), p)
    assert time.perf_counter() - t < 10
    assert p.read_bytes() == before
    assert not list(tmp_path.glob(".~*"))


def test_entity_expansion_in_shared_strings_is_refused(tmp_path):
    from crm_xl.io import read_sheet_rows

    base = B.xlsx(tmp_path / "base.xlsx", {"订单": B.orders_rows()})
    # move the text into a shared-strings part carrying the entity bomb
    import openpyxl  # noqa: F401

    with zipfile.ZipFile(base) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sst = B.LAUGHS + b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>'
    parts["xl/sharedStrings.xml"] = sst
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                     b'spreadsheetml.sharedStrings+xml"/></Types>')
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rIdSst" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                             b'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(
        b'<c r="A2" t="inlineStr"><is><t>O1</t></is></c>', b'<c r="A2" t="s"><v>0</v></c>')
    p = tmp_path / "sst.xlsx"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in parts.items():
            z.writestr(n, d)
    t = time.perf_counter()
    with pytest.raises(WorkbookError, match="entity"):
        read_sheet_rows(p)
    assert time.perf_counter() - t < 10


MEMORY_PROBE = textwrap.dedent("""
    import resource, sys
    sys.path.insert(0, {root!r})
    limit = {limit}
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from crm_xl.errors import CrmXlError
    from crm_xl.io import read_sources
    try:
        read_sources([{path!r}])
    except CrmXlError as exc:
        print("REFUSED", exc.message("en"))
    except MemoryError:
        print("MEMORY")
    else:
        print("READ")
""")


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS")
def test_far_cell_is_refused_within_bounded_memory(tmp_path):
    """One cell at XFD1048576 in a 5 kB file: python-calamine would allocate a dense grid of
    17 billion cells and abort the process; it is refused first, under a 1.5 GB cap."""
    p = B.far_cell(tmp_path / "far.xlsx")
    assert p.stat().st_size < 20_000
    r = subprocess.run([sys.executable, "-c", MEMORY_PROBE.format(root=str(ROOT), limit=1_500_000_000, path=str(p))],
                       capture_output=True, text=True, timeout=120, env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
    assert r.stdout.startswith("REFUSED") and "16,384 columns" in r.stdout, r.stdout + r.stderr[-2000:]


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS")
@pytest.mark.parametrize("honest", [True, False], ids=["declared-3GB", "understated"])
def test_zip_bomb_is_refused_within_bounded_memory(tmp_path, honest):
    """A 3 GB sheet in a 3 MB file, read with the address space capped at 1.5 GB: the
    reader refuses it with a clear message (it would need > 3 GB if it inflated it)."""
    p = B.zip_bomb(tmp_path / "bomb.xlsx", gigabytes=3.0 if honest else 2.0, honest=honest)
    assert p.stat().st_size < 5_000_000
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-c", MEMORY_PROBE.format(root=str(ROOT), limit=1_500_000_000, path=str(p))],
                       capture_output=True, text=True, timeout=120, env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
    assert time.perf_counter() - t < 60
    assert r.stdout.startswith("REFUSED"), r.stdout + r.stderr
    assert ("zip bomb" in r.stdout) if honest else ("declared" in r.stdout or "damaged" in r.stdout or "cannot open" in r.stdout)


def test_cell_limit_counts_utf16_units_as_excel_does():
    """Excel's 32,767-character limit counts UTF-16 code units: an emoji (outside the BMP)
    takes two. 20,000 emoji are 40,000 units -- written whole, Excel offers to repair the
    file -- so the cell keeps 16,383 of them (32,766 units; the next one would need 32,768),
    and a surrogate pair is never split."""
    from crm_xl.render.book import guard_text
    from crm_xl.render.sheetdata import escape_text

    def units(s):
        return len(s.encode("utf-16-le", "surrogatepass")) // 2

    emoji = "😀" * 20_000
    assert units(escape_text(emoji)) == 32_766 and escape_text(emoji) == "😀" * 16_383
    mixed = "a" + "😀" * 20_000  # the 32,767th unit is the first half of a pair: dropped
    assert escape_text(mixed) == "a" + "😀" * 16_383
    assert units(escape_text("a" * 32_765 + "😀")) == 32_767  # fits exactly
    assert escape_text("长" * 40_000) == "长" * 32_767  # BMP characters: one unit each
    assert units(guard_text(emoji, text_format=True)) <= 32_767


def test_refresh_cuts_cells_at_32767_utf16_units(tmp_path):
    """Through the whole writer: a cell of 20,000 emoji is cut to Excel's limit in the file."""
    import pandas as pd
    from python_calamine import CalamineWorkbook

    from crm_xl.render import render_workbook
    from crm_xl.report.spec import ColumnSpec, ReportSpec, SheetSpec, TableBlock

    data = pd.DataFrame({"name": ["😀" * 20_000, "ok"]})
    spec = ReportSpec((SheetSpec("S", (TableBlock("T", (ColumnSpec("name", "名称", "text"),), data, row=1),)),))
    out = render_workbook(spec, tmp_path / "e.xlsx")
    cell = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("S").to_python()[1][0]
    assert len(cell.encode("utf-16-le")) // 2 <= 32_767 and cell == "😀" * 16_383
