"""The fidelity harness (issue 17), run in CI: workbooks crm_xl writes -- the demo in zh
and en, formula mode, the checked-in templates, and user workbooks of several origins
refreshed twice -- pass the schema layer and the semantic checks of :mod:`tests.fidelity`;
the harness catches the defects it is there to catch; and, run last, a sweep validates
every workbook any test of the session wrote (``CRM_XL_WRITTEN_LOG``, see conftest.py;
under pytest-xdist the controller runs it once every worker has finished).
The Excel-made corpus is in tests/test_excel_corpus.py.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import shutil
import subprocess
import zipfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
import xlsxwriter

from crm_xl.cli import main
from crm_xl.demo import generate_demo
from crm_xl.render.splice import refresh_workbook
from crm_xl.render.xlsx import render_workbook
from crm_xl.report.build import build_report
from crm_xl.settings import AnalysisSettings
from tests import fidelity
from tests.report_samples import sample_spec
from tests.test_refresh import make_user_book
from tests.test_refresh_fidelity import MINIMAL_STYLES, _book_1904, minimal_book

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def demo_books(tmp_path_factory):
    d = tmp_path_factory.mktemp("fidelity_demo")
    out = {}
    for lang in ("zh", "en"):
        p = d / f"demo_{lang}.xlsx"
        assert main(["demo", "-o", str(p), "--customers", "120", "--lang", lang, "-q"]) == 0
        out[lang] = p
    return out


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_demo_workbook_is_valid(demo_books, lang):
    assert fidelity.problems(demo_books[lang]) == []


@pytest.mark.slow
def test_formula_mode_workbook_is_valid(tmp_path):
    run = build_report(generate_demo(60), AnalysisSettings(), include_data_sheets=True, formulas=True)
    path = render_workbook(run.spec, tmp_path / "formulas.xlsx")
    assert fidelity.problems(path) == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_checked_in_template_is_valid(lang):
    assert fidelity.problems(ROOT / "workbook_templates" / f"crm_xl_template_{lang}.xlsx") == []


# --------------------------------------------------------------------------- refreshed user workbooks


def _xlsxwriter_book(path, **options):
    """A user's workbook as XlsxWriter (Excel's own part layout) writes it: a table, a chart,
    a drop-down, a comment, a defined name, a print area, a merged title."""
    wb = xlsxwriter.Workbook(path, options)
    ws = wb.add_worksheet("客户")
    ws.merge_range("A1:C1", "客户清单", wb.add_format({"bold": True}))
    ws.add_table("A2:C6", {"name": "MyCustomers", "columns": [{"header": "客户ID"}, {"header": "金额"}, {"header": "备注"}],
                           "data": [[f"C{i:03d}", i * 100, None] for i in range(1, 5)]})
    ws.data_validation("C3:C6", {"validate": "list", "source": ["是", "否"]})
    ws.write_comment("A2", "客户编号")
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"categories": "=客户!$A$3:$A$6", "values": "=客户!$B$3:$B$6"})
    ws.insert_chart("E2", chart)
    wb.define_name("金额区", "=客户!$B$3:$B$6")
    ws.print_area("A1:C6")
    wb.add_worksheet("备注").write_formula("A1", "=SUM(客户!B3:B6)")
    wb.close()
    return path


ORIGINS = {
    "openpyxl": lambda p: make_user_book(p, table_named="UserTable"),
    "xlsxwriter": _xlsxwriter_book,
    "minimal-writer": lambda p: minimal_book(p, styles=MINIMAL_STYLES),
    "mac-1904": _book_1904,
}


def _refreshed_twice(src: Path, out: Path) -> tuple[list[str], list[str]]:
    before = fidelity.problems(src)
    shutil.copy(src, out)
    refresh_workbook(sample_spec(), out)
    first = out.read_bytes()
    refresh_workbook(sample_spec(), out)
    assert out.read_bytes() == first  # the second refresh changes nothing
    return before, fidelity.problems(out)


@pytest.mark.parametrize("origin", sorted(ORIGINS))
def test_refreshed_user_workbook_is_valid(tmp_path, origin):
    src = ORIGINS[origin](tmp_path / f"{origin}.xlsx")
    before, after = _refreshed_twice(src, tmp_path / "out.xlsx")
    assert fidelity.new_problems(before, after) == []
    assert fidelity.semantic_problems(tmp_path / "out.xlsx") == []


@pytest.mark.slow
def test_refreshed_demo_workbook_is_valid(demo_books, tmp_path):
    """The everyday path: `crm-xl report` on a workbook that already holds the report."""
    book = tmp_path / "again.xlsx"
    shutil.copy(demo_books["zh"], book)
    assert main(["report", str(book), "-q"]) == 0
    assert fidelity.problems(book) == []


@pytest.mark.libreoffice
def test_refreshed_libreoffice_workbook_is_valid(tmp_path):
    """A workbook saved by LibreOffice (its own part names, no theme, no app.xml lists)."""
    src = _xlsxwriter_book(tmp_path / "src.xlsx")
    out_dir = tmp_path / "lo"
    profile = tmp_path / "profile"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                    "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out_dir), str(src)],
                   check=True, capture_output=True, timeout=180)
    lo_book = out_dir / "src.xlsx"
    with zipfile.ZipFile(lo_book) as z:
        assert "LibreOffice" in z.read("docProps/app.xml").decode()
    before, after = _refreshed_twice(lo_book, tmp_path / "out.xlsx")
    assert fidelity.new_problems(before, after) == []


# --------------------------------------------------------------------------- the harness catches defects


def _mutated(src: Path, dst: Path, part: str, fn) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            zout.writestr(info, fn(data) if info.filename == part else data)
    return dst


def _sheet_of(path, name):
    from crm_xl.render.opc import PackageReader, workbook_part, workbook_sheets

    with zipfile.ZipFile(path) as z:
        pkg = PackageReader(z)
        return next(p for n, _, _, p in workbook_sheets(pkg, workbook_part(pkg)) if n == name)


@pytest.fixture(scope="module")
def clean_report(tmp_path_factory):
    p = render_workbook(sample_spec(), tmp_path_factory.mktemp("harness") / "clean.xlsx")
    assert fidelity.problems(p) == []
    return p


def _swap_rows(data: bytes) -> bytes:
    rows = re.findall(rb"<row\b.*?</row>", data, re.S)
    return data.replace(rows[0] + rows[1], rows[1] + rows[0], 1)


PLANTED = {
    "style index": ("sheet", lambda d: re.sub(rb' s="\d+"', b' s="999"', d, count=1), "style 999 out of range"),
    "row order": ("sheet", _swap_rows, "after row"),
    "cell order": ("sheet", lambda d: re.sub(rb'(<c r="A(\d+)"[^>]*?(?:/>|>.*?</c>))(<c r="B\2"[^>]*?(?:/>|>.*?</c>))',
                                             rb"\3\1", d, count=1, flags=re.S), "out of order"),
    "table header": ("xl/sharedStrings.xml", lambda d: d.replace("客户ID".encode(), "客户编号".encode(), 1),
                     "differs from column name"),
    "shared strings": ("xl/sharedStrings.xml", lambda d: re.sub(rb'uniqueCount="\d+"', b'uniqueCount="1"', d), "uniqueCount"),
    "dxf index": ("sheet", lambda d: re.sub(rb'dxfId="\d+"', b'dxfId="50"', d, count=1), "dxfId 50 out of range"),
    "font order (schema)": ("xl/styles.xml", lambda d: re.sub(rb"<font>(<b[^>]*/>)(.*?)</font>", rb"<font>\2\1</font>", d,
                                                              count=1, flags=re.S), "[schema]"),
    "unknown element (schema)": ("sheet", lambda d: d.replace(b"<sheetData>", b"<foo/><sheetData>", 1), "[schema]"),
    "app.xml": ("docProps/app.xml", lambda d: d, "app.xml"),
}


@pytest.mark.parametrize("defect", sorted(PLANTED))
def test_harness_catches_planted_defects(clean_report, tmp_path, defect):
    part, fn, needle = PLANTED[defect]
    src = clean_report
    if defect == "app.xml":  # a refreshed workbook given back its pre-refresh app.xml (issue 17 item 5)
        src = _xlsxwriter_book(tmp_path / "x.xlsx")
        with zipfile.ZipFile(src) as z:
            old_app = z.read("docProps/app.xml")
        refresh_workbook(sample_spec(), src)
        fn = lambda d: old_app  # noqa: E731
    target = _sheet_of(src, "RFM分层表") if part == "sheet" else part
    bad = _mutated(src, tmp_path / "bad.xlsx", target, fn)
    found = fidelity.problems(bad)
    assert any(needle in p for p in found), found


# --------------------------------------------------------------------------- the sweep


def sweep_written_workbooks(processes: int = 1) -> None:
    """The sweep's body: every .xlsx/.xlsm crm_xl wrote during this session -- through
    render_workbook, the refresh, the CLI (also in subprocesses), the template command --
    passes the semantic layer, and the schema layer on every part crm_xl generated (a
    refresh keeps the user's other parts as they were, problems included: the user's own
    parts are judged before/after by the refresh tests and the corpus). Run by the test
    below, last; under pytest-xdist by the controller once every worker has finished
    (conftest.py), over ``processes`` processes."""
    log = os.environ.get("CRM_XL_WRITTEN_LOG")
    last: dict[str, tuple[int, int]] = {}  # path -> (size, mtime) when crm_xl last wrote it
    if log and os.path.exists(log):
        for line in open(log, encoding="utf-8").read().splitlines():
            path, _, stamp = line.partition("\t")
            size, _, mtime = stamp.partition("\t")
            if path.lower().endswith((".xlsx", ".xlsm")) and size and mtime:
                last[path] = (int(size), int(mtime))
    paths = []
    for path, stamp in last.items():
        # a file a test changed after crm_xl wrote it (the fuzzers mutate written books) is not crm_xl's
        if os.path.isfile(path) and (os.stat(path).st_size, os.stat(path).st_mtime_ns) == stamp \
                and zipfile.is_zipfile(path):  # (tests of atomic_write itself write plain bytes)
            paths.append(path)
    if not paths:
        pytest.skip("no workbook was written in this session")
    if processes > 1:
        # (spawned, not forked: the process running this may have threads, e.g. pytest-xdist's)
        with ProcessPoolExecutor(min(processes, len(paths)), mp_context=multiprocessing.get_context("spawn")) as pool:
            found = list(pool.map(fidelity.sweep_problems, paths, chunksize=4))
    else:
        found = [fidelity.sweep_problems(p) for p in paths]
    failures = {p: f[:5] for p, f in zip(paths, found, strict=True) if f}
    print(f"fidelity sweep: {len(paths)} workbooks checked, {len(failures)} with problems")
    assert failures == {}


@pytest.mark.slow
def test_every_workbook_the_suite_wrote_is_valid():
    """Run last (conftest.py; under pytest-xdist by the controller, after every worker):
    the sweep above. Slow (checking the full suite's workbooks takes 1-2 minutes), so not
    in the quick loop ``-m "not slow"``; the README's and CI's commands run it."""
    sweep_written_workbooks()
