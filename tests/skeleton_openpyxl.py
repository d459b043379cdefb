"""The openpyxl skeleton: the test oracle of the direct writer (crm_xl.render.parts).

This is how crm_xl drew a new report's structure before issue 20 (openpyxl builds a
Workbook of everything but the cells, saves it, and the cells are streamed in by
crm_xl.render.xlsx._finish). tests/test_skeleton_direct.py renders specs through both and
requires the same package, part for part and byte for byte. Kept here, unchanged but for
``code_names`` (the refresh's VBA code names, set by crm_xl.render.splice on the saved
workbook before), so that nothing on the command's path imports openpyxl.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from types import SimpleNamespace

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.chart import BarChart, LineChart, PieChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

from crm_xl.render.parts import Skeleton
from crm_xl.render.parts.sheet_xml import _table_cells
from crm_xl.render.sheetdata import (
    SheetCells,
    StringSink,
    column_letter,
    text_fragment,
)
from crm_xl.render.xlsx_styles import FONT_NAME, PALETTE, estimate_lines, sheet_widths
from crm_xl.report.spec import NUMERIC_KINDS, ChartSpec, ColumnSpec, ReportSpec, SheetSpec, TableBlock, TextBlock

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


def openpyxl_skeleton(spec: ReportSpec, sink: StringSink, code_names: dict[str, str] | None = None) -> Skeleton:
    """The skeleton's parts as openpyxl saves them (in its zip order), with the cells."""
    wb, cells = _skeleton(spec, sink)
    for name, code in (code_names or {}).items():
        wb[name].sheet_properties.codeName = code
    buf = io.BytesIO()
    wb.save(buf)
    with zipfile.ZipFile(buf) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    created = dict(spec.properties).get("created")
    return Skeleton(parts, cells, wb.properties.created if created else None)


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
    # the cells are the package's own (render.parts.sheet_xml); this oracle draws what is around them
    _table_cells(SimpleNamespace(cells=cells, widths=widths), t, sb, sink)
    c0, c1 = t.col, t.col + len(t.columns) - 1
    L0, L1 = column_letter(c0), column_letter(c1)
    h, first, last = t.header_row, t.first_data_row, t.last_row
    for i, c in enumerate(t.columns):
        if c.comment:
            ws.cell(row=h, column=c0 + i).comment = Comment(c.comment, "crm_xl", height=120, width=240)
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



_THIN = Side(style="thin", color=PALETTE["border"])
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


class StyleBook:
    """Style ids (``cellXfs`` indices) of the report's looks in one openpyxl workbook.

    ``cache`` (look -> id) may be shared by the StyleBooks of every sheet of one workbook,
    whose ids are the workbook's: each look's openpyxl objects are then built once."""

    def __init__(self, ws, cache: dict[tuple, int] | None = None) -> None:
        self._ws = ws
        self._cache: dict[tuple, int] = {} if cache is None else cache

    def _register(self, key: tuple, attrs) -> int:
        """The id of look ``key``; ``attrs()`` gives its cell attributes when it is new."""
        sid = self._cache.get(key)
        if sid is None:
            c = Cell(self._ws)
            for k, v in attrs().items():
                setattr(c, k, v)
            sid = self._cache[key] = c.style_id
        return sid

    def text(self, style: str, wrap: bool = False) -> int:
        """Text block line: title / heading / body / note."""
        def attrs():
            if style == "title":
                font = Font(name=FONT_NAME, size=16, bold=True, color=PALETTE["title"])
            elif style == "heading":
                font = Font(name=FONT_NAME, size=12, bold=True, color=PALETTE["heading"])
            elif style == "note":
                font = Font(name=FONT_NAME, size=9, italic=True, color=PALETTE["note"])
            else:
                font = Font(name=FONT_NAME, size=10)
            out = {"font": font, "alignment": Alignment(vertical="top" if wrap else "center", wrap_text=wrap)}
            if style == "heading":
                out["border"] = Border(bottom=Side(style="thin", color=PALETTE["heading_rule"]))
            return out
        return self._register(("text", style, wrap), attrs)

    def caption(self) -> int:
        """A table's title line."""
        return self._register(("caption",), lambda: {
            "font": Font(name=FONT_NAME, size=11, bold=True, color=PALETTE["heading"]),
            "alignment": Alignment(vertical="center")})

    def header(self, excel_table: bool) -> int:
        """Header cells: white bold on dark blue, centred, wrapped, boxed. The fill is set on
        the cells (not left to the table style) so every spreadsheet program shows it."""
        return self._register(("th",), lambda: {
            "font": Font(name=FONT_NAME, size=10, bold=True, color=PALETTE["header_font"]),
            "fill": PatternFill("solid", fgColor=PALETTE["header_fill"]), "border": _BOX,
            "alignment": Alignment(horizontal="center", vertical="center", wrap_text=True)})

    def data(self, col: ColumnSpec, excel_table: bool) -> int:
        """Data cells of ``col``: its number format and alignment."""
        fmt = col.number_format
        if col.align:
            horizontal = col.align
        elif col.kind in NUMERIC_KINDS:
            horizontal = "right"
        elif col.kind == "date":
            horizontal = "center"
        else:
            horizontal = None
        fill = col.background

        def attrs():
            out = {"font": Font(name=FONT_NAME, size=10), "number_format": fmt, "border": _BOX,
                   "alignment": Alignment(horizontal=horizontal, vertical="center", wrap_text=col.wrap or None)}
            if fill:
                out["fill"] = PatternFill("solid", fgColor=fill)
            return out
        return self._register(("td", fmt, horizontal, col.wrap, fill), attrs)


