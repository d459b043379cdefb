"""The direct writer of a new report's package (crm_xl.render.parts, issue 20) makes the very
package openpyxl made before it: the same parts in the same order, the same bytes in each
(tests/skeleton_openpyxl.py keeps the openpyxl skeleton as the oracle). The one difference
allowed is the save time in docProps/core.xml when the spec fixes no date.

Covered: hand-made specs that use every feature (tests/skeleton_specs.py), the demo report in
both languages at several sizes (down to one customer and no orders), the golden workbooks'
specs, the template, every real export's report and every corpus case through the command's
own path (new workbooks and the refresh), the refresh of workbooks with VBA code names, and
generated specs (hypothesis).
"""

from __future__ import annotations

import io
import re
import zipfile

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import crm_xl.render.splice as splice_mod
import crm_xl.render.xlsx as xlsx_mod
from crm_xl.demo import generate_demo
from crm_xl.excel.template import template_spec
from crm_xl.render.parts.skeleton import build_skeleton
from crm_xl.render.sheetdata import StringSink
from crm_xl.render.splice import splice_report
from crm_xl.render.xlsx import write_package
from crm_xl.report.build import build_report
from crm_xl.report.spec import (
    ChartSpec,
    ColumnSpec,
    ConditionalFormat,
    ReportSpec,
    SheetSpec,
    SpecError,
    TableBlock,
    TextBlock,
    stack,
)
from crm_xl.settings import AnalysisSettings

from .skeleton_specs import feature_spec

openpyxl_xml = pytest.importorskip("openpyxl.xml")
if not openpyxl_xml.LXML:  # the reports were written by openpyxl on lxml; its other serialiser differs in details
    pytest.skip("the oracle is openpyxl with lxml", allow_module_level=True)

from .skeleton_openpyxl import openpyxl_skeleton  # noqa: E402

_STAMP = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*")
_DIMENSION = re.compile(rb'<dimension ref="[^"]*"\s*/>')
_SHEETDATA = re.compile(rb"<sheetData\s*/>|<sheetData>.*?</sheetData>", re.S)


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {i.filename: z.read(i.filename) for i in z.infolist()}


def _assert_same_parts(old: dict[str, bytes], new: dict[str, bytes], *, stamps: bool) -> None:
    assert list(new) == list(old), "part names or order differ"
    for name, data in old.items():
        got = new[name]
        if name == "docProps/core.xml" and not stamps:
            data, got = _STAMP.sub(rb"\1", data), _STAMP.sub(rb"\1", got)
        if got != data:
            i = next((k for k in range(min(len(got), len(data))) if got[k] != data[k]), min(len(got), len(data)))
            pytest.fail(f"{name} differs at byte {i}:\nopenpyxl: {data[max(0, i - 120):i + 120]!r}\n"
                        f"direct:   {got[max(0, i - 120):i + 120]!r}")


def assert_same_package(spec: ReportSpec, strings: str = "shared") -> None:
    """``spec`` written with either skeleton: the same package, part for part."""
    old, new = io.BytesIO(), io.BytesIO()
    write_package(spec, old, strings=strings, skeleton=openpyxl_skeleton)
    write_package(spec, new, strings=strings)
    fixed = "created" in dict(spec.properties)
    _assert_same_parts(_parts(old.getvalue()), _parts(new.getvalue()), stamps=fixed)
    if fixed:
        assert new.getvalue() == old.getvalue()


def _skeleton_parts(sk) -> dict[str, bytes]:
    """A skeleton's parts as _finish and the refresh use them (the sheets' cell area and extent are replaced there)."""
    return {n: _SHEETDATA.sub(b"<sheetData/>", _DIMENSION.sub(b"", d, count=1), count=1) if n.startswith("xl/worksheets/s")
            else d for n, d in sk.parts.items()}


@pytest.fixture
def checked(monkeypatch):
    """Every skeleton the command's path makes, new workbook or refresh, checked against openpyxl's."""
    calls = []

    def both(spec, sink, code_names=None):
        new = build_skeleton(spec, sink, code_names)
        old = openpyxl_skeleton(spec, StringSink(sink.mode), code_names)
        _assert_same_parts(_skeleton_parts(old), _skeleton_parts(new), stamps=new.modified is not None)
        assert list(new.cells) == list(old.cells) and new.modified == old.modified
        calls.append(spec)
        return new

    monkeypatch.setattr(xlsx_mod, "build_skeleton", both)
    monkeypatch.setattr(splice_mod, "build_skeleton", both)
    return calls


# ---------------------------------------------------------------------------------------------
# hand-made and demo specs


@pytest.mark.parametrize("n", [0, 1, 5])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_feature(n, lang):
    assert_same_package(feature_spec(n, lang).validate())


def test_every_feature_with_a_fixed_date_and_inline_strings():
    spec = feature_spec(3, created="2024-02-29T13:14:15").validate()
    assert_same_package(spec)
    assert_same_package(spec, strings="inline")


def _demo(n: int, lang: str, seed: int = 7):
    return generate_demo(max(n, 4), seed=seed, lang=lang)


def _only(tables: dict[str, pd.DataFrame], customers: int) -> dict[str, pd.DataFrame]:
    """The demo's tables cut to its first ``customers`` customers (the first sheet holds them)."""
    out = {}
    first = next(iter(tables))
    ids = set(tables[first].iloc[:customers, 0].astype(str))
    for name, frame in tables.items():
        col = frame.columns[0] if name == first else next((c for c in frame.columns if "客户" in str(c) or "ustomer" in str(c)), None)
        out[name] = frame[frame[col].astype(str).isin(ids)] if col is not None else frame.iloc[:0]
    return out


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("n", [4, 120])  # (30: the golden workbooks, below)
def test_demo_report(lang, n):
    run = build_report(_demo(n, lang), AnalysisSettings(lang=lang))
    assert_same_package(run.spec)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_demo_report_of_one_customer_of_none_and_of_no_orders(lang):
    tables = _demo(30, lang)
    zero = {"customers": tables["customers"].iloc[:0], "interactions": tables["interactions"]}  # no customer, no order
    assert_same_package(build_report(zero, AnalysisSettings(lang=lang)).spec)
    one = _only(tables, 1)
    assert_same_package(build_report(one, AnalysisSettings(lang=lang)).spec)
    orders = next(k for k in tables if "订单" in k or "rder" in k)
    none = {k: v for k, v in tables.items() if k != orders}  # (an empty order table is refused: InputError)
    assert_same_package(build_report(none, AnalysisSettings(lang=lang)).spec)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_golden_workbook_specs(lang):
    # how tests/test_report_golden.py makes the golden workbooks
    run = build_report(generate_demo(30, seed=7, lang=lang), AnalysisSettings(lang=lang))
    assert_same_package(run.spec)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_template(lang):
    assert_same_package(template_spec(lang))


# ---------------------------------------------------------------------------------------------
# the command's path: real exports and the corpus (new workbooks and refreshes)


def _export_tests():
    from . import test_real_exports as m
    return [pytest.param(getattr(m, n), id=n) for n in dir(m)
            if n.startswith("test_") and "tmp_path" in getattr(m, n).__code__.co_varnames[:getattr(m, n).__code__.co_argcount]]


@pytest.mark.slow
@pytest.mark.parametrize("test", _export_tests())
def test_every_real_export_report(test, checked, tmp_path, capsys):
    args = test.__code__.co_varnames[:test.__code__.co_argcount]
    fixtures = {"tmp_path": tmp_path, "capsys": capsys}
    test(**{k: v for k, v in fixtures.items() if k in args})
    assert checked, "the test made no report"


def _corpus_cases():
    from tests.corpus.make_corpus import CASES
    return [pytest.param(c, id=f"{c.id}-{c.area}") for c in CASES if not c.slow and c.needs is None]


@pytest.mark.slow
@pytest.mark.parametrize("case", _corpus_cases())
def test_every_corpus_case(case, checked, tmp_path):
    from tests.corpus.runner import run_case, verify
    problems = verify(run_case(case, tmp_path))
    assert not problems, "\n".join(problems)


def _book_with_code_names(path, names: list[str]) -> None:
    import openpyxl
    wb = openpyxl.Workbook()
    wb.active.title = "Mine"
    wb.active["A1"] = "keep me"
    for i, n in enumerate(names):
        ws = wb.create_sheet(n)
        ws.sheet_properties.codeName = f"Sheet{i + 7}&'x"
        ws["B2"] = "old"
    wb.save(path)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_refresh(lang, tmp_path):
    """The refresh renders the report sheets standalone and splices them in: the same file either way,
    into a workbook of the user's (whose report sheets carry VBA code names) and into a report."""
    spec = build_report(_demo(30, lang), AnalysisSettings(lang=lang)).spec
    mine = tmp_path / "mine.xlsx"
    _book_with_code_names(mine, [spec.sheets[1].name, spec.sheets[4].name])
    report = tmp_path / "report.xlsx"
    write_package(spec, report.open("wb"))
    for book in (mine, report):
        outs = []
        for skeleton in (openpyxl_skeleton, None):
            out = io.BytesIO()
            with zipfile.ZipFile(book) as zin:
                splice_report(spec, zin, out, skeleton=skeleton)
            outs.append(out.getvalue())
        _assert_same_parts(_parts(outs[0]), _parts(outs[1]), stamps=True)
        assert outs[0] == outs[1]


def test_refresh_through_the_command(checked, tmp_path):
    from crm_xl.cli import main
    book = tmp_path / "book.xlsx"
    assert main(["demo", "-o", str(book), "--customers", "20", "-q"]) == 0
    n = len(checked)
    assert main(["report", str(book), "-q"]) == 0
    assert len(checked) > n


# ---------------------------------------------------------------------------------------------
# generated specs

# XML-special, wide, non-BMP and white-space characters (what XML 1.0 allows)
_CHARS = st.one_of(st.sampled_from(list("<>&\"' \t\n\r;=$!{}_x") + ["客", "户", "é", "\U0001F600", "\u3000", "\x85"]),
                   st.characters(min_codepoint=32, exclude_categories=("Cs",), exclude_characters="\ufffe\uffff"))
_TEXT = st.text(_CHARS, min_size=0, max_size=12)
_LINE = st.text(_CHARS, min_size=1, max_size=12)
_HEADER = st.text(st.characters(min_codepoint=32, exclude_categories=("Cs",), exclude_characters="\ufffe\uffff"),
                  min_size=1, max_size=10).filter(lambda s: s.strip())
_COLOR = st.sampled_from(["C6EFCE", "FFC7CE", "9c5700", "00FF00AA", "1F4E78"])
_KINDS = ["text", "general", "int", "money", "money2", "number", "ratio", "percent", "date", "score"]
_SHEET_NAMES = ["数据 'a' & <b>", "Sheet 1", "报表", "\U0001F600表", "A&B", "x" * 31, "Ünï;cødé", "R&D 'q' x"]


@st.composite
def _column(draw, i: int) -> ColumnSpec:
    kind = draw(st.sampled_from(_KINDS))
    validation = draw(st.none() | st.lists(st.text(st.sampled_from(list("ab是否 x&<")), min_size=1, max_size=4),
                                           min_size=1, max_size=3).map(tuple))
    return ColumnSpec(f"k{i}", f"h{i}", kind, width=draw(st.none() | st.sampled_from([7.0, 12.345, 30.5])),
                      validation=validation, comment=draw(st.none() | _LINE),
                      fmt=draw(st.none() | st.sampled_from(['0.000', '#,##0"元"', "@", "0%", "yyyy/mm/dd", "General"])),
                      align=draw(st.none() | st.sampled_from(["left", "center", "right"])), wrap=draw(st.booleans()),
                      fill=draw(st.none() | _COLOR), editable=draw(st.booleans()))


@st.composite
def _table(draw, name: str) -> TableBlock:
    ncol = draw(st.integers(1, 4))
    cols = list(draw(st.tuples(*[_column(i) for i in range(ncol)])))
    cols[0] = ColumnSpec(cols[0].key, draw(_HEADER), cols[0].kind, comment=cols[0].comment, wrap=cols[0].wrap)
    n = draw(st.integers(0, 3))
    data = pd.DataFrame({c.key: [f"v{j}" if c.kind == "text" else j for j in range(n)] for c in cols})
    cfs = tuple(ConditionalFormat(draw(st.sampled_from([c.key for c in cols])), kind, draw(_LINE if kind == "equals" else
                                  st.sampled_from(["={col}{row}>1", "=LEN({col}{row})<3", "=AND($A{row}<>\"\",TRUE)"])),
                                  draw(_COLOR), draw(st.none() | _COLOR), draw(st.booleans()), draw(st.booleans()))
                for kind in draw(st.lists(st.sampled_from(["equals", "formula"]), max_size=4)))
    return TableBlock(name, tuple(cols), data, title=draw(st.none() | _LINE), conditional_formats=cfs,
                      key_columns=(cols[0].key,), as_excel_table=draw(st.booleans()),
                      style=draw(st.sampled_from(["TableStyleMedium2", "TableStyleLight9"])))


@st.composite
def _sheet(draw, name: str, names) -> tuple[SheetSpec, list[TableBlock]]:
    blocks = []
    for kind in draw(st.lists(st.sampled_from(["text", "table"]), min_size=1, max_size=4)):
        if kind == "text":
            blocks.append(TextBlock(tuple(draw(st.lists(_LINE, min_size=1, max_size=3))),
                                    draw(st.sampled_from(["title", "heading", "body", "note"])),
                                    merge_cols=draw(st.integers(1, 4)), wrap=draw(st.booleans())))
        else:
            blocks.append(draw(_table(f"Tbl_{next(names)}")))
    placed = stack(blocks, start_row=draw(st.integers(1, 3)), col=draw(st.integers(1, 3)))
    tables = [b for b in placed if isinstance(b, TableBlock)]
    sheet = SheetSpec(name, placed, tab_color=draw(st.none() | _COLOR), freeze=draw(st.none() | st.sampled_from(
        ["A1", "A2", "B1", "C4", "AA10"])), landscape=draw(st.booleans()), gridlines=draw(st.booleans()),
        fit_width=draw(st.booleans()), column_widths=tuple(draw(st.lists(st.tuples(st.integers(1, 8),
                                                                            st.sampled_from([5.0, 9.99, 40.25])),
                                                                  max_size=2))),
        print_title_rows=draw(st.none() | st.just((1, 2))), kind=draw(st.sampled_from(["report", "data"])))
    return sheet, tables


@st.composite
def _spec(draw) -> ReportSpec:
    import itertools
    names = itertools.count(1)
    sheet_names = draw(st.lists(st.sampled_from(_SHEET_NAMES), min_size=1, max_size=3, unique_by=str.lower))
    drawn = [draw(_sheet(n, names)) for n in sheet_names]
    tables = [t for _, ts in drawn for t in ts]
    sheets = []
    for sh, _ in drawn:
        charts = []
        for _ in range(draw(st.integers(0, 2)) if tables else 0):
            t = draw(st.sampled_from(tables))
            keys = [c.key for c in t.columns]
            series = tuple(draw(st.lists(st.sampled_from(keys), min_size=1, max_size=3, unique=True)))
            kind = draw(st.sampled_from(["pie", "bar", "column", "line", "funnel"]))
            secondary = () if kind == "pie" else tuple(k for k in series if draw(st.booleans()))
            charts.append(ChartSpec(kind, draw(_TEXT), t.name, draw(st.sampled_from(keys)), series,
                                    draw(st.sampled_from(["H2", "AB30", "C100"])),
                                    width_cm=draw(st.sampled_from([16.0, 10.1, 7.77])),
                                    height_cm=draw(st.sampled_from([8.0, 5.55])),
                                    y_axis_title=draw(st.none() | _TEXT), x_axis_title=draw(st.none() | _TEXT),
                                    secondary=secondary, data_labels=draw(st.booleans())))
        sheets.append(SheetSpec(**{**sh.__dict__, "charts": tuple(charts)}))
    props = tuple((k, draw(_LINE)) for k in draw(st.lists(st.sampled_from(
        ["title", "subject", "creator", "keywords", "description", "category"]), unique=True)))
    return ReportSpec(tuple(sheets), lang=draw(st.sampled_from(["zh", "en"])), properties=props)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(_spec())
def test_generated_specs(spec):
    try:
        spec.validate()
    except SpecError:
        return
    assert_same_package(spec)


@pytest.fixture(scope="module")
def user_book(tmp_path_factory) -> bytes:
    """A workbook of the user's: a sheet of theirs, and one a generated spec may replace (with a code name)."""
    path = tmp_path_factory.mktemp("user") / "mine.xlsx"
    _book_with_code_names(path, ["Sheet 1", "报表"])
    return path.read_bytes()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                                   HealthCheck.function_scoped_fixture])
@given(_spec())
def test_generated_specs_refreshed_into_a_workbook(user_book, spec):
    try:
        spec.validate()
    except SpecError:
        return
    outs = []
    for skeleton in (openpyxl_skeleton, None):
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(user_book)) as zin:
            splice_report(spec, zin, out, skeleton=skeleton)
        outs.append(out.getvalue())
    _assert_same_parts(_parts(outs[0]), _parts(outs[1]), stamps=True)
    assert outs[0] == outs[1]
