"""ReportSpec -> .xlsx file.

openpyxl draws the workbook's structure -- styles, Excel Tables, data validation,
conditional formats, native charts, frozen panes, print setup, properties -- and the cells
are streamed into each worksheet part by :mod:`crm_xl.render.sheetdata` (column-wise,
vectorised), which keeps a 100k-row report close to a raw streaming writer's speed.

Public entry points:

* :func:`render_workbook` -- write a new workbook (atomically).
* :func:`write_package` -- the same into any binary file object (used by the refresh,
  which renders the report sheets standalone and splices them into the user's package).
"""

from __future__ import annotations

__all__ = ["render_workbook", "write_package", "FIXED_ZIP_TIME"]

import contextlib
import datetime as dt
import functools
import io
import itertools
import json
import os
import re
import tempfile
import zipfile
from collections.abc import Iterator, Set
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, PieChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

from .. import beside
from ..atomic import atomic_write
from ..report.spec import ChartSpec, ReportSpec, SheetSpec, TableBlock, TextBlock
from .opc import REL, ContentTypes, PackageReader, Rel, relative, rels_part, rels_xml, workbook_part, workbook_sheets
from .sheetdata import (
    SheetCells,
    StringSink,
    cell_tails,
    column_fragments,
    column_letter,
    formula_fragment,
    text_fragment,
)
from .styles_merge import schema_order_fonts
from .xlsx_styles import StyleBook, estimate_lines, sheet_widths
from .zippipe import ZipPipeline, deflate_to
from .zipraw import BIG_PART, BIG_PART_LEVEL

FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # zip entry time of generated parts: reproducible output

SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"

_LABELS = {
    "zh": {
        "dv_title": "请从列表中选择",
        "dv_error": "此列只接受下拉列表中的值。",
        "footer": "第 &P 页，共 &N 页",
    },
    "en": {
        "dv_title": "Choose from the list",
        "dv_error": "This column only accepts the values of its drop-down list.",
        "footer": "Page &P of &N",
    },
}

_ROW_HEIGHT = {"title": 30.0, "heading": 21.0, "body": 16.5, "note": 14.0}
_LINE_HEIGHT = 15.0


def render_workbook(spec: ReportSpec, path: str | Path) -> Path:
    """Write ``spec`` as a new workbook at ``path`` (atomically: temp file, then replace).

    Every sheet of the spec is drawn in order. Raises
    :class:`~crm_xl.errors.WorkbookLockedError` if ``path`` exists and is open elsewhere
    or read-only (the existing file is left untouched).
    """
    spec.validate()
    path = Path(path)
    with atomic_write(path) as fh:
        write_package(spec, fh)
    return path


def write_package(spec: ReportSpec, fh, *, strings: str = "shared") -> None:
    """Write ``spec`` as an .xlsx package into the binary file object ``fh``.

    ``strings='inline'`` writes text as inline strings (no shared-string table entries),
    which is how parts destined for a user's package are made.
    """
    spec.validate()
    sink = StringSink(strings)
    wb, cells = _skeleton(spec, sink)
    buf = io.BytesIO()
    wb.save(buf)
    created = dict(spec.properties).get("created")
    _finish(buf, fh, cells, sink, modified=wb.properties.created if created else None,
            data_sheets={sh.name for sh in spec.sheets if sh.kind == "data"})


# ---------------------------------------------------------------------------------------
# skeleton: openpyxl draws everything but the cells


def _skeleton(spec: ReportSpec, sink: StringSink) -> tuple[Workbook, dict[str, SheetCells]]:
    wb = Workbook()
    wb.remove(wb.active)
    labels = _LABELS.get(spec.lang, _LABELS["en"])
    props = dict(spec.properties)
    for key in ("title", "subject", "creator", "keywords", "description", "category"):
        if key in props:
            setattr(wb.properties, key, props[key])
    wb.properties.creator = props.get("creator", "crm_xl")
    wb.properties.lastModifiedBy = props.get("creator", "crm_xl")
    if "created" in props:  # a fixed date makes the file reproducible byte for byte (checked-in templates)
        wb.properties.created = wb.properties.modified = dt.datetime.fromisoformat(props["created"])
    cells: dict[str, SheetCells] = {}
    sheets = {}
    looks: dict[tuple, int] = {}  # the workbook's cell styles, shared by its sheets
    # the raw data sheets' text goes inline (value for value the same cells): their cell XML
    # then depends on no other sheet's strings and can be made beside the report's (_finish)
    own = StringSink("inline") if sink.mode == "shared" else sink
    for sh in spec.sheets:
        ws = wb.create_sheet(sh.name)
        sheets[sh.name] = ws
        cells[sh.name] = _draw_sheet(ws, sh, own if sh.kind == "data" else sink, labels, looks)
    for sh in spec.sheets:
        for ch in sh.charts:
            sheets[sh.name].add_chart(_chart(spec, sheets, ch), ch.anchor)
    return wb, cells


def _draw_sheet(ws, sh: SheetSpec, sink: StringSink, labels: dict[str, str],
                looks: dict[tuple, int] | None = None) -> SheetCells:
    sb = StyleBook(ws, looks)
    cells = SheetCells()
    widths = sheet_widths(sh)
    for col, w in sorted(widths.items()):
        ws.column_dimensions[column_letter(col)].width = round(w, 2)
    for b in sh.blocks:
        if isinstance(b, TextBlock):
            _draw_text(ws, b, cells, sb, sink, widths)
        else:
            _draw_table(ws, b, cells, sb, sink, widths, labels)
    if sh.tab_color:
        ws.sheet_properties.tabColor = sh.tab_color
    ws.sheet_view.showGridLines = sh.gridlines
    if sh.freeze:
        ws.freeze_panes = sh.freeze
    ws.page_setup.orientation = "landscape" if sh.landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    if sh.fit_width:
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
    rows = sh.repeat_rows
    if rows:
        ws.print_title_rows = f"{rows[0]}:{rows[1]}"
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.75
    ws.page_margins.header = ws.page_margins.footer = 0.3
    ws.oddFooter.center.text = labels["footer"]
    ws.oddHeader.right.text = "&A"
    return cells


def _draw_text(ws, b: TextBlock, cells: SheetCells, sb: StyleBook, sink: StringSink, widths) -> None:
    merge = b.merge_cols > 1
    wrap = merge or b.wrap
    style = sb.text(b.style, wrap=wrap)
    span = sum(widths.get(b.col + i, 8.43) for i in range(max(b.merge_cols, 1)))
    for i, line in enumerate(b.lines):
        r = b.row + i
        cells.add_cell(r, b.col, lambda m, r=r, line=str(line): text_fragment(r, b.col, line, m(style), sink))
        height = _ROW_HEIGHT[b.style]
        if merge:
            ws.merge_cells(start_row=r, start_column=b.col, end_row=r, end_column=b.col + b.merge_cols - 1)
        if wrap:
            n = estimate_lines(str(line), span * (0.9 if b.style in ("title", "heading") else 1.0))
            height = max(height, n * (_LINE_HEIGHT if b.style != "title" else 24.0) + 3)
        if height != 15.0:
            cells.row_attrs[r] = f'ht="{height:g}" customHeight="1"'


def _draw_table(ws, t: TableBlock, cells: SheetCells, sb: StyleBook, sink: StringSink, widths, labels) -> None:
    ncol = len(t.columns)
    c0, c1 = t.col, t.col + ncol - 1
    L0, L1 = column_letter(c0), column_letter(c1)
    if t.title:
        cap = sb.caption()
        cells.add_cell(t.row, c0, lambda m: text_fragment(t.row, c0, t.title, m(cap), sink))
        cells.row_attrs[t.row] = 'ht="21" customHeight="1"'
    h = t.header_row
    hs = sb.header(t.as_excel_table)
    cells.add_rows(h, c0, c1, 1, lambda m: ["".join(text_fragment(h, c0 + i, c.header, m(hs), sink) for i, c in enumerate(t.columns))])
    lines = max(estimate_lines(c.header, widths.get(c0 + i, 8.43) - 2) for i, c in enumerate(t.columns))
    cells.row_attrs[h] = f'ht="{max(lines * _LINE_HEIGHT + 6, 21):g}" customHeight="1"'
    for i, c in enumerate(t.columns):
        if c.comment:
            ws.cell(row=h, column=c0 + i).comment = Comment(c.comment, "crm_xl", height=120, width=240)
    first, last = t.first_data_row, t.last_row
    n = len(t.data)
    styles = [sb.data(c, t.as_excel_table) for c in t.columns]
    if n:
        def rows(m):
            if all(c.formula is None for c in t.columns):
                # one format call per row: '<c r="A{0}" s="5"{1}<c r="B{0}" s="5"{2}...' with each
                # cell's tail (the same bytes as joining column_fragments, a few times faster)
                tails = [cell_tails(t.data[c.key], c.kind, sink) for c in t.columns]
                fmt = "".join(f'<c r="{column_letter(c0 + i)}{{0}}" s="{m(styles[i])}"{{{i + 1}}}'
                              for i in range(len(t.columns))).format
                return [fmt(r, *cells) for r, cells in zip(range(first, first + n), zip(*tails, strict=True), strict=True)]
            cols = []
            for i, c in enumerate(t.columns):
                s = m(styles[i])
                if c.formula is not None:
                    cols.append([formula_fragment(r, c0 + i, c.formula.replace("{row}", str(r)), s) for r in range(first, first + n)])
                else:
                    cols.append(column_fragments(t.data[c.key], c.kind, column_letter(c0 + i), first, s, sink))
            return list(map("".join, zip(*cols, strict=True)))
        cells.add_rows(first, c0, c1, n, rows)
    elif t.as_excel_table:  # the table's one blank row keeps the columns' formats
        cells.add_rows(first, c0, c1, 1, lambda m: ["".join(f'<c r="{column_letter(c0 + i)}{first}" s="{m(styles[i])}"/>' for i in range(ncol))])
    if t.as_excel_table:
        ref = f"{L0}{h}:{L1}{last}"
        ws.add_table(Table(
            displayName=t.name, name=t.name, ref=ref, autoFilter=AutoFilter(ref=ref),
            tableColumns=[TableColumn(id=i + 1, name=c.header) for i, c in enumerate(t.columns)],
            tableStyleInfo=TableStyleInfo(name=t.style, showRowStripes=True, showColumnStripes=False,
                                          showFirstColumn=False, showLastColumn=False),
        ))
    if last < first:
        return
    for i, c in enumerate(t.columns):
        if c.validation:
            L = column_letter(c0 + i)
            dv = DataValidation(type="list", formula1='"' + ",".join(c.validation) + '"', allow_blank=True,
                                showErrorMessage=True, errorTitle=labels["dv_title"], error=labels["dv_error"])
            dv.add(f"{L}{first}:{L}{last}")
            ws.add_data_validation(dv)
    for cf in t.conditional_formats:
        L = column_letter(t.column_index(cf.column))
        rng = f"{L0}{first}:{L1}{last}" if cf.whole_row else f"{L}{first}:{L}{last}"
        if cf.kind == "equals":
            formula = f'${L}{first}="' + cf.value.replace('"', '""') + '"'
        else:
            formula = cf.value.replace("{col}", L).replace("{row}", str(first)).lstrip("=")
        font = Font(color=cf.font_color, bold=cf.bold or None) if (cf.font_color or cf.bold) else None
        ws.conditional_formatting.add(rng, FormulaRule(
            formula=[formula], fill=PatternFill(start_color=cf.fill, end_color=cf.fill, fill_type="solid"), font=font))


def _chart(spec: ReportSpec, sheets: dict, ch: ChartSpec):
    src, t = spec.find_table(ch.table)
    ws = sheets[src.name]
    first = t.first_data_row
    last = max(t.last_row, first)
    cats = Reference(ws, min_col=t.column_index(ch.category), min_row=first, max_row=last)

    def data(key):
        c = t.column_index(key)
        return Reference(ws, min_col=c, min_row=t.header_row, max_row=last)

    col_of = {c.key: c for c in t.columns}
    primary = [k for k in ch.series if k not in ch.secondary]
    if ch.kind == "pie":
        chart = PieChart()
        chart.add_data(data(ch.series[0]), titles_from_data=True)
        chart.set_categories(cats)
        chart.dataLabels = DataLabelList()
        chart.dataLabels.showPercent = True
        chart.dataLabels.showVal = False
        chart.dataLabels.showCatName = False
        chart.dataLabels.showSerName = False
        chart.dataLabels.showLegendKey = False
        chart.dataLabels.showLeaderLines = True
        chart.legend.position = "r"
    else:
        if ch.kind == "line":
            chart = LineChart()
        else:
            chart = BarChart()
            chart.type = "col" if ch.kind == "column" else "bar"
            chart.grouping = "clustered"
            chart.gapWidth = 40 if ch.kind == "funnel" else 80
        for k in primary:
            chart.add_data(data(k), titles_from_data=True)
        chart.set_categories(cats)
        if ch.kind == "line":
            for s in chart.series:
                s.marker.symbol = "circle"
                s.smooth = False
        if ch.kind in ("bar", "funnel"):
            chart.x_axis.scaling.orientation = "maxMin"  # first row on top, like the table
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        chart.y_axis.number_format = col_of[primary[0]].number_format if primary else "General"
        chart.y_axis.majorGridlines = chart.y_axis.majorGridlines  # keep default gridlines
        if ch.y_axis_title:
            chart.y_axis.title = ch.y_axis_title
        if ch.x_axis_title:
            chart.x_axis.title = ch.x_axis_title
        if ch.kind == "funnel" or len(ch.series) == 1:
            chart.legend = None
        else:
            chart.legend.position = "b"
        if ch.data_labels or ch.kind == "funnel":
            chart.dataLabels = DataLabelList()
            chart.dataLabels.showVal = True
            chart.dataLabels.showCatName = False
            chart.dataLabels.showSerName = False
            chart.dataLabels.showLegendKey = False
            chart.dataLabels.showPercent = False
        if ch.secondary:
            extra = LineChart()
            for k in ch.secondary:
                extra.add_data(data(k), titles_from_data=True)
            extra.set_categories(cats)
            for s in extra.series:
                s.marker.symbol = "triangle"
            extra.y_axis.axId = 200
            extra.y_axis.crosses = "max"
            extra.y_axis.delete = False
            extra.y_axis.majorGridlines = None
            extra.y_axis.number_format = col_of[ch.secondary[0]].number_format
            chart += extra
    chart.title = ch.title
    chart.width = ch.width_cm
    chart.height = ch.height_cm
    return chart


# ---------------------------------------------------------------------------------------
# finish: stream the cells into the skeleton's worksheet parts

_SHEETDATA = re.compile(rb"<sheetData\s*/>|<sheetData>.*?</sheetData>", re.S)


def _set_level(info: zipfile.ZipInfo, level: int) -> None:
    """The deflate level of one part (``compress_level`` from Python 3.13, ``_compresslevel`` before)."""
    if hasattr(type(info), "compress_level") or hasattr(info, "compress_level"):
        info.compress_level = level
    else:
        info._compresslevel = level  # noqa: SLF001 - the only way before 3.13


_DIMENSION = re.compile(rb'<dimension ref="[^"]*"\s*/>')


# Data sheets with at least this many cells have their XML made by a forked child while the
# report sheets' is made here (crm_xl.beside): ~0.4 s of a 10k-customer run, ~4 s at 100k.
# Below it the fork (a few ms, more for a big process) is not worth it.
BESIDE_CELLS = 50_000


def _sheet_pieces(zin: zipfile.ZipFile, name: str, sc: SheetCells) -> Iterator[bytes]:
    """The bytes of one worksheet part: openpyxl's XML with its ``<sheetData>`` replaced
    by ``sc``'s cells and its dimension by ``sc``'s extent."""
    xml = zin.read(name)
    xml = _DIMENSION.sub(f'<dimension ref="{sc.dimension}"/>'.encode(), xml, count=1)
    m = _SHEETDATA.search(xml)
    return itertools.chain((xml[: m.start()],), (c.encode("utf-8") for c in sc.iter_xml()), (xml[m.end():],))


def _part_level(sc: SheetCells) -> int | None:
    """The deflate level of a worksheet part (None: zlib's default)."""
    return BIG_PART_LEVEL if sc.size_hint >= BIG_PART else None


def _write_parts(zin: zipfile.ZipFile, parts: dict[str, SheetCells], folder: str) -> None:
    """(In the child of :func:`crm_xl.beside.start`) each part deflated into ``folder``
    (``i.deflate``) with its CRC-32 and size (``i.json``)."""
    for i, (name, sc) in enumerate(parts.items()):
        crc, size = deflate_to(os.path.join(folder, f"{i}.deflate"), _sheet_pieces(zin, name, sc), _part_level(sc))
        with open(os.path.join(folder, f"{i}.json"), "w", encoding="ascii") as f:
            json.dump({"crc": crc, "size": size}, f)


def _finish(skeleton: io.BytesIO, fh, cells: dict[str, SheetCells], sink: StringSink, *,
            modified: dt.datetime | None = None, data_sheets: Set[str] = frozenset()) -> None:
    skeleton.seek(0)
    with contextlib.ExitStack() as stack:
        zin = stack.enter_context(zipfile.ZipFile(skeleton))
        zout = stack.enter_context(zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED))
        pkg = PackageReader(zin)
        wb = workbook_part(pkg)
        sheet_parts = workbook_sheets(pkg, wb)
        by_part = {part: cells[name] for name, _, _, part in sheet_parts}
        # the big raw data sheets (their strings inline, see _skeleton) are made beside
        beside_parts = {part: cells[name] for name, _, _, part in sheet_parts
                        if name in data_sheets and cells[name].cell_count >= BESIDE_CELLS}
        made: dict[str, str] = {}
        if beside_parts:
            folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="crm_xl-"))
            job = beside.start(functools.partial(_write_parts, zin, beside_parts, folder))
            stack.callback(job.cancel)
            made = {part: os.path.join(folder, str(i)) for i, part in enumerate(beside_parts)}
        names = [i.filename for i in zin.infolist()]
        extra: dict[str, bytes] = {}
        if sink.mode == "shared" and "xl/sharedStrings.xml" not in names:
            # openpyxl writes no shared-string part when its own cells have no text
            ct = ContentTypes(zin.read("[Content_Types].xml"))
            ct.overrides["xl/sharedStrings.xml"] = SST_TYPE
            rels = pkg.rels(wb)
            used = {r.id for r in rels}
            rid = next(f"rId{i}" for i in range(len(rels) + 1, len(rels) + 1000) if f"rId{i}" not in used)
            rels.append(Rel(rid, REL["sharedStrings"], relative(wb, "xl/sharedStrings.xml")))
            extra = {"[Content_Types].xml": ct.xml(), rels_part(wb): rels_xml(rels), "xl/sharedStrings.xml": b""}
            names.append("xl/sharedStrings.xml")
        if modified is not None and "docProps/core.xml" in names:
            # openpyxl stamps the save time; a spec with a fixed date is reproducible byte for byte
            stamp = modified.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"
            extra["docProps/core.xml"] = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(),
                                                zin.read("docProps/core.xml"))
        # deflating and writing in a worker thread, overlapping the making of the next parts
        with ZipPipeline(zout) as pipe:
            for name in names:
                info = zipfile.ZipInfo(name, FIXED_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                if name in by_part:
                    sc = by_part[name]
                    level = _part_level(sc)  # (big parts: the level the refresh path uses, crm_xl.render.zipraw)
                    if level is not None:
                        _set_level(info, level)
                    if name in made and not job.done():
                        made = {}  # (no child made them, or it failed: made here, the same bytes)
                    # zip64 only when the part may pass 2 GiB: some Excel builds dislike it
                    zip64 = sc.size_hint > 1_500_000_000
                    if name in made:
                        with open(made[name] + ".json", encoding="ascii") as f:
                            meta = json.load(f)
                        pipe.deflated_part(info, made[name] + ".deflate", meta["crc"], meta["size"], force_zip64=zip64)
                    else:
                        pipe.part(info, _sheet_pieces(zin, name, sc), force_zip64=zip64)
                elif name == "xl/sharedStrings.xml" and sink.mode == "shared":
                    continue  # written last, once every sheet has registered its strings
                elif name == "xl/styles.xml":
                    pipe.writestr(info, schema_order_fonts(zin.read(name)))  # openpyxl's font order is not the schema's
                else:
                    pipe.writestr(info, extra.get(name) or zin.read(name))
            if sink.mode == "shared":
                info = zipfile.ZipInfo("xl/sharedStrings.xml", FIXED_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                pipe.writestr(info, sink.xml())
