"""xlwings Lite sheet buttons in the template workbook (issue 7 item 4).

Lite binds a script to a sheet button through ``@script(button="[shape]Sheet!Cell")``:
the shape named ``shape`` on ``Sheet`` must exist and link to ``Cell`` (the cell behind
it), and clicking it selects that cell, which runs the script; afterwards Lite selects the
cell below (xlwings-server's sheet-buttons.js). These tests hold the checked-in templates
and the shipped main.py (both language variants) to that contract.
"""

from __future__ import annotations

import importlib.util
import io
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from crm_xl.excel import macros
from crm_xl.excel.lite import lite_files
from crm_xl.render.opc import check_package
from crm_xl.render.shapes import SheetButton, add_buttons, parse_location, read_buttons

ROOT = Path(__file__).resolve().parents[1]
LANGS = ("zh", "en")


def template(lang: str) -> Path:
    return ROOT / "workbook_templates" / f"crm_xl_template_{lang}.xlsx"


def _cell(ref: str) -> tuple[int, int]:
    """'A9' -> (col 0-based, row 0-based), the anchor's coordinates."""
    m = re.fullmatch(r"([A-Z]+)([0-9]+)", ref)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return col - 1, int(m.group(2)) - 1


def _covers(shape: dict, ref: str) -> bool:
    c, r = _cell(ref)
    return shape["from"][0] <= c <= shape["to"][0] and shape["from"][1] <= r <= shape["to"][1]


def _lite_module(tmp_path: Path, lang: str):
    path = tmp_path / f"main_{lang}.py"
    path.write_text(lite_files(lang)["main.py"], encoding="utf-8")
    spec = importlib.util.spec_from_file_location(f"crm_lite_main_{lang}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("lang", LANGS)
def test_template_console_has_one_button_per_lite_script(lang):
    sheet = macros.CONSOLE_SHEET[lang]
    shapes = read_buttons(template(lang), sheet)
    assert [s["name"] for s in shapes] == [macros.lite_script_name(k) for k in macros.LITE_BUTTONS]
    links = []
    for s, key in zip(shapes, macros.LITE_BUTTONS, strict=True):
        assert s["geometry"] == "roundRect"
        assert s["text"] == macros.ACTIONS[key][0 if lang == "zh" else 1]
        target_sheet, cell = parse_location(s["link"])
        assert target_sheet == sheet, "the link must point into the console itself"
        assert _covers(s, cell), f"{s['name']}: linked cell {cell} is not behind the shape"
        below = f"{re.match('[A-Z]+', cell).group(0)}{int(re.search('[0-9]+', cell).group(0)) + 1}"
        assert _covers(s, below), "Lite selects the cell below after a run: keep it under the same button"
        links.append((cell, below))
    cells = [c for c, _ in links]
    assert len(set(cells)) == len(cells)
    assert not {b for _, b in links} & set(cells), "a run must not select another button's cell"
    # the cells behind the buttons are empty: nothing shows through, and the drop-down the
    # ribbon reads stays where macros.main looks for it
    ws = openpyxl.load_workbook(template(lang))[sheet]
    assert all(ws[c].value is None for c in cells)
    assert macros._console_choice(_SheetStub(ws)) == "refresh_all"


class _SheetStub:
    """The bit of an xlwings Sheet that macros._console_choice uses, over openpyxl."""

    def __init__(self, ws):
        self.ws = ws

    def range(self, a, b):
        ws = self.ws

        class R:
            def options(self, **_):
                return self

            @property
            def value(self):
                return [[ws.cell(r, c).value for c in range(a[1], b[1] + 1)] for r in range(a[0], b[0] + 1)]

        return R()


@pytest.mark.parametrize("lang", LANGS)
def test_every_script_button_names_a_shape_linked_to_its_cell_and_back(tmp_path, lang):
    from xlwings.server import custom_scripts_meta

    mod = _lite_module(tmp_path, lang)
    metas = {m["function_name"]: m for m in custom_scripts_meta(mod)}
    buttons = {name: m["button"] for name, m in metas.items() if m.get("button")}
    assert set(buttons) == {macros.lite_script_name(k) for k in macros.LITE_BUTTONS}
    assert all(metas[name]["show_taskpane"] is True for name in buttons)
    sheet = macros.CONSOLE_SHEET[lang]
    shapes = {s["name"]: s for s in read_buttons(template(lang), sheet)}
    for name, ref in buttons.items():
        m = re.fullmatch(r"\[(.+?)\](.+)!([A-Z]+[0-9]+)", ref)
        assert m, ref
        shape, ref_sheet, cell = m.groups()
        assert ref_sheet == sheet and shape == name, ref
        assert shape in shapes, f"{ref}: no shape {shape!r} on {sheet!r}"
        assert parse_location(shapes[shape]["link"]) == (sheet, cell), f"{ref}: the shape links elsewhere"
    # and back: every shape on the console is some script's button
    assert {f"[{n}]{sheet}!{parse_location(s['link'])[1]}" for n, s in shapes.items()} == set(buttons.values())
    # a button runs the macro of its action: the script calls the macro of the same key
    for key in macros.LITE_BUTTONS:
        assert f"macros.{key}(book)" in lite_files(lang)["main.py"]


def test_cli_writes_the_english_main_py(tmp_path):
    from crm_xl.cli import main

    assert main(["udfs", "lite", "-o", str(tmp_path / "en"), "--lang", "en", "-q"]) == 0
    text = (tmp_path / "en" / "main.py").read_text(encoding="utf-8")
    assert text == lite_files("en")["main.py"]
    assert 'CONSOLE = "Console"' in text and "控制台!" not in text
    shipped = (ROOT / "crm_xl" / "excel" / "lite" / "main.py").read_text(encoding="utf-8")
    assert "from crm_xl.excel.udfs_en import (" in text  # the worksheet functions answering in English
    assert text.replace('CONSOLE = "Console"', 'CONSOLE = "控制台"').replace(
        "from crm_xl.excel.udfs_en import (", "from crm_xl.excel.udfs import (") == shipped  # one source


def _drawing_parts(path: Path, sheet: str) -> dict[str, bytes]:
    """The console's drawing part and its rels, by name, as bytes."""
    from crm_xl.render.opc import REL, PackageReader, rels_part, resolve, workbook_part, workbook_sheets

    with zipfile.ZipFile(path) as z:
        pkg = PackageReader(z)
        part = next(p for n, _, _, p in workbook_sheets(pkg, workbook_part(pkg)) if n == sheet)
        d = next(resolve(part, r.target) for r in pkg.rels(part) if r.type == REL["drawing"])
        return {d: pkg.read(d), rels_part(d): pkg.read(rels_part(d))}


def test_report_refresh_keeps_the_console_buttons(tmp_path):
    """`crm-xl report` on a copy of the template with data pasted in: the console sheet's
    drawing comes through byte for byte, and the data and report sheets read back."""
    from crm_xl.cli import main
    from crm_xl.demo import generate_demo
    from crm_xl.render.splice import refresh_workbook
    from crm_xl.report.data_sheets import data_sheet
    from crm_xl.report.spec import ReportSpec

    book = tmp_path / "mine.xlsx"
    shutil.copy(template("zh"), book)
    # "paste" the demo export into the data sheets without touching anything else (openpyxl
    # would drop every shape on save; Excel does not)
    raw = generate_demo(60)
    refresh_workbook(ReportSpec(tuple(data_sheet(k, f) for k, f in raw.items())), book)
    before = _drawing_parts(template("zh"), "控制台")
    assert _drawing_parts(book, "控制台") == before
    assert main(["report", str(book), "--as-of", "2024-09-30", "-q"]) == 0
    assert _drawing_parts(book, "控制台") == before
    assert check_package(book) == []
    assert read_buttons(book, "控制台") == read_buttons(template("zh"), "控制台")
    wb = openpyxl.load_workbook(book, read_only=True)
    assert wb.sheetnames[:2] == ["说明", "控制台"] and "RFM分层表" in wb.sheetnames
    ids = [r[0] for r in wb["客户"].iter_rows(min_row=2, values_only=True)]
    assert ids == list(raw["customers"]["客户ID"])
    from python_calamine import CalamineWorkbook

    cw = CalamineWorkbook.from_path(str(book))
    rows = cw.get_sheet_by_name("订单").to_python()
    assert rows[0][:2] == ["订单编号", "客户ID"] and len(rows) == len(raw["orders"]) + 1
    rfm = cw.get_sheet_by_name("RFM分层表").to_python()
    assert any(r and r[0] == ids[0] for r in rfm)


def test_add_buttons_is_reproducible_and_places_the_drawing_in_schema_order():
    wb = openpyxl.Workbook()
    wb.active.title = "S'1"
    wb.active["A1"] = "x"
    buf = io.BytesIO()
    wb.save(buf)
    outs = []
    for _ in range(2):
        out = io.BytesIO()
        buf.seek(0)
        add_buttons(buf, out, "S'1", [SheetButton("go", "Go & run", "B3", rows=2, cols=2, tooltip="<run>")], lang="en")
        outs.append(out.getvalue())
    assert outs[0] == outs[1]
    assert check_package(io.BytesIO(outs[0])) == []
    (s,) = read_buttons(io.BytesIO(outs[0]), "S'1")
    assert s == {"name": "go", "text": "Go & run", "geometry": "roundRect", "link": "#'S''1'!B3",
                 "from": (1, 2), "to": (2, 3)}
    assert parse_location(s["link"]) == ("S'1", "B3")
    with zipfile.ZipFile(io.BytesIO(outs[0])) as z:
        xml = z.read("xl/worksheets/sheet1.xml")
    assert xml.index(b"<drawing") > xml.index(b"<pageMargins")
    with pytest.raises(ValueError):  # one drawing per sheet: refuse rather than guess
        add_buttons(io.BytesIO(outs[0]), io.BytesIO(), "S'1", [SheetButton("b", "B", "A1")])


def test_live_insert_template_console_is_unchanged_by_the_button_panel():
    """The macro inserts the console through xlwings' Book API, which cannot draw shapes:
    it keeps the table listing of the actions (no empty panel waiting for buttons)."""
    live = macros.console_sheet("zh")
    assert {t.name for t in live.tables} == {"CrmXlConsole", "CrmXlActions"}
    panel = macros.console_sheet("zh", buttons=True)
    assert {t.name for t in panel.tables} == {"CrmXlConsole"}
    # every action is explained on the panel, buttons or not
    text = " ".join(line for b in panel.blocks if hasattr(b, "lines") for line in b.lines)
    assert all(v[2] in text for v in macros.ACTIONS.values())


@pytest.mark.libreoffice
def test_libreoffice_reads_the_buttons(tmp_path):
    """LibreOffice opens the template, keeps the shapes with their names and links when it
    saves it again (it understood them), and draws them (docs/images/console_buttons.png)."""
    from tests import lo

    if not lo.soffice():
        pytest.skip("LibreOffice not installed")
    out = lo.recalculate(template("zh"), tmp_path)
    got = [(s["name"], s["text"], parse_location(s["link"])) for s in read_buttons(out, "控制台")]
    want = [(s["name"], s["text"], parse_location(s["link"])) for s in read_buttons(template("zh"), "控制台")]
    assert got == want


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_checked_in_lite_files_are_current(lang):
    """workbook_templates/lite/<lang>/ holds the ready-to-paste main.py and requirements.txt
    for the template of that language (regenerate: crm-xl udfs lite [--lang en] -o
    workbook_templates/lite/<lang>)."""
    folder = Path(__file__).resolve().parent.parent / "workbook_templates" / "lite" / lang
    for name, text in lite_files(lang).items():
        assert (folder / name).read_text(encoding="utf-8") == text, f"{folder / name} is out of date"


def _pyproject_dependencies() -> list[str]:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    block = text[text.index("dependencies = [") : text.index("]", text.index("dependencies = ["))]
    return re.findall(r'^\s*"([^"]+)"', block, re.M)


def test_lower_bounds_are_the_tested_ones_and_the_wheel_declares_them(tmp_path):
    """pyproject's lower bounds are exactly the versions CI's lowest job installs
    (ci/constraints-lowest.txt), and the wheel of ``crm-xl udfs lite --wheel`` declares
    pyproject's requirements, so micropip installs what pip would."""
    import zipfile

    from crm_xl.excel.lite import REQUIRES_DIST, build_wheel

    deps = _pyproject_dependencies()
    assert tuple(deps) == REQUIRES_DIST
    pins = dict(re.findall(r"^([\w-]+)==(\S+)$", (ROOT / "ci" / "constraints-lowest.txt").read_text(), re.M))
    for dep in deps:
        name, low = re.match(r"([\w-]+)>=([\w.]+)", dep).groups()
        assert pins[name] == low, (name, low, pins.get(name))
    wheel = build_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as z:
        meta = z.read("crm_xl-0.1.0.dist-info/METADATA").decode()
        assert "crm_xl/excel/udfs_en.py" in z.namelist() and "crm_xl/excel/lite/requirements.txt" in z.namelist()
    assert [l.split(": ", 1)[1] for l in meta.splitlines() if l.startswith("Requires-Dist")] == deps
