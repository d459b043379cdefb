"""One report sheet: its cells (for :mod:`crm_xl.render.sheetdata`) and its worksheet part
around an empty ``<sheetData/>``, as openpyxl wrote it before issue 20.

:func:`draw_sheet` lays the sheet's blocks out -- the cells with their style ids, row heights,
merged lines, header notes, Excel tables, drop-down lists, conditional formats -- into a
:class:`SheetDraft`; :func:`worksheet_xml` writes the part (ASCII, as openpyxl's incremental
writer did). Which parts a sheet refers to (drawing, comments, tables) is decided by
:mod:`crm_xl.render.parts.skeleton`, which numbers them.
"""

from __future__ import annotations

__all__ = ["LABELS", "SheetDraft", "draw_sheet", "worksheet_xml", "cell_range"]

from collections.abc import Sequence
from dataclasses import dataclass, field

from ...report.spec import ConditionalFormat, SheetSpec, TableBlock, TextBlock
from ..sheetdata import (
    FormattedRows,
    SheetCells,
    StringSink,
    column_cells,
    column_fragments,
    column_letter,
    formula_fragment,
    text_fragment,
)
from ..xlsx_styles import estimate_lines, sheet_widths
from . import xmltext
from .styles_xml import StyleBook, Styles, color

LABELS = {
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
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


def cell_range(c0: int, r0: int, c1: int, r1: int) -> str:
    """``A1:B2``, or ``A1`` for one cell (how openpyxl wrote a range it had parsed)."""
    first = f"{column_letter(c0)}{r0}"
    return first if (c0, r0) == (c1, r1) else f"{first}:{column_letter(c1)}{r1}"


@dataclass
class SheetDraft:
    """A sheet laid out: its cells and what its worksheet part says about them."""

    sheet: SheetSpec
    cells: SheetCells
    widths: dict[int, float]
    merges: set[tuple[int, int, int, int]] = field(default_factory=set)  # a set, iterated as openpyxl's was
    comments: list[tuple[int, int, str]] = field(default_factory=list)
    tables: list[TableBlock] = field(default_factory=list)
    validations: list[tuple[str, str]] = field(default_factory=list)
    # range -> its rules (priority, formula, format), ranges in first-use order
    formats: dict[str, list[tuple[int, str, ConditionalFormat]]] = field(default_factory=dict)
    priority: int = 0

    def merge(self, r: int, c0: int, c1: int) -> None:
        if not any(m[0] <= r <= m[2] and m[1] <= c0 and c1 <= m[3] for m in self.merges):
            self.merges.add((r, c0, r, c1))

    def add_format(self, sqref: str, formula: str, cf: ConditionalFormat) -> None:
        self.priority += 1
        self.formats.setdefault(sqref, []).append((self.priority, formula, cf))


def draw_sheet(sh: SheetSpec, sink: StringSink, sb: StyleBook) -> SheetDraft:
    """Lay ``sh`` out (its text into ``sink``, its looks into ``sb``)."""
    draft = SheetDraft(sh, SheetCells(), sheet_widths(sh))
    for b in sh.blocks:
        if isinstance(b, TextBlock):
            _draw_text(draft, b, sb, sink)
        else:
            _draw_table(draft, b, sb, sink)
    return draft


def _draw_text(draft: SheetDraft, b: TextBlock, sb: StyleBook, sink: StringSink) -> None:
    cells, widths = draft.cells, draft.widths
    merge = b.merge_cols > 1
    wrap = merge or b.wrap
    style = sb.text(b.style, wrap=wrap)
    span = sum(widths.get(b.col + i, 8.43) for i in range(max(b.merge_cols, 1)))
    for i, line in enumerate(b.lines):
        r = b.row + i
        cells.add_cell(r, b.col, lambda m, r=r, line=str(line): text_fragment(r, b.col, line, m(style), sink))
        height = _ROW_HEIGHT[b.style]
        if merge:
            draft.merge(r, b.col, b.col + b.merge_cols - 1)
        if wrap:
            n = estimate_lines(str(line), span * (0.9 if b.style in ("title", "heading") else 1.0))
            height = max(height, n * (_LINE_HEIGHT if b.style != "title" else 24.0) + 3)
        if height != 15.0:
            cells.row_attrs[r] = f'ht="{height:g}" customHeight="1"'


def _table_cells(draft: SheetDraft, t: TableBlock, sb: StyleBook, sink: StringSink) -> None:
    cells, widths = draft.cells, draft.widths
    ncol = len(t.columns)
    c0, c1 = t.col, t.col + ncol - 1
    if t.title:
        cap = sb.caption()
        cells.add_cell(t.row, c0, lambda m: text_fragment(t.row, c0, t.title, m(cap), sink))
        cells.row_attrs[t.row] = 'ht="21" customHeight="1"'
    h = t.header_row
    hs = sb.header(t.as_excel_table)
    cells.add_rows(h, c0, c1, 1, lambda m: ["".join(text_fragment(h, c0 + i, c.header, m(hs), sink)
                                                    for i, c in enumerate(t.columns))])
    lines = max(estimate_lines(c.header, widths.get(c0 + i, 8.43) - 2) for i, c in enumerate(t.columns))
    cells.row_attrs[h] = f'ht="{max(lines * _LINE_HEIGHT + 6, 21):g}" customHeight="1"'
    first = t.first_data_row
    n = len(t.data)
    styles = [sb.data(c, t.as_excel_table) for c in t.columns]
    if n:
        def rows(m):
            if all(c.formula is None for c in t.columns):
                # one %-format per row: '<row r="%s"><c r="A%s" s="5"><v>%s</v></c><c r="B%s"...'
                # with each column's template and pieces (column_xml.column_cells), the row
                # number given as text for each cell; the rows are made as they are written
                fmt, pieces = _row_format(t, [m(s) for s in styles], sink)
                rs = list(map(str, range(first, first + n)))
                return FormattedRows(fmt, [rs, *[rs if p is None else p for p in pieces]], n)
            cols = []
            for i, c in enumerate(t.columns):
                s = m(styles[i])
                if c.formula is not None:
                    cols.append([formula_fragment(r, c0 + i, c.formula.replace("{row}", str(r)), s)
                                 for r in range(first, first + n)])
                else:
                    cols.append(column_fragments(t.data[c.key], c.kind, column_letter(c0 + i), first, s, sink))
            return list(map("".join, zip(*cols, strict=True)))
        cells.add_rows(first, c0, c1, n, rows, whole=all(c.formula is None for c in t.columns))
    elif t.as_excel_table:  # the table's one blank row keeps the columns' formats
        cells.add_rows(first, c0, c1, 1, lambda m: ["".join(f'<c r="{column_letter(c0 + i)}{first}" s="{m(styles[i])}"/>'
                                                            for i in range(ncol))])


def _row_format(t: TableBlock, styles: list[int], sink: StringSink) -> tuple[str, list[list | None]]:
    """The %-format of a table's whole data rows and its arguments but the row numbers:
    per column, in the order of the format's fields, None (the row number of the cell's
    reference) and, where the column's cells differ, their pieces
    (:func:`crm_xl.render.column_xml.column_cells`)."""
    fmt, pieces = ['<row r="%s">'], []
    for i, c in enumerate(t.columns):
        template, p = column_cells(t.data[c.key], c.kind, sink)
        pieces.append(None)
        if p is not None:
            pieces.append(p)
        fmt.append(f'<c r="{column_letter(t.col + i)}%s" s="{styles[i]}"' + template.replace("%", "%%").replace("{}", "%s"))
    fmt.append("</row>")
    return "".join(fmt), pieces


def _draw_table(draft: SheetDraft, t: TableBlock, sb: StyleBook, sink: StringSink) -> None:
    _table_cells(draft, t, sb, sink)
    c0, c1 = t.col, t.col + len(t.columns) - 1
    for i, c in enumerate(t.columns):
        if c.comment:
            draft.comments.append((t.header_row, c0 + i, c.comment))
    if t.as_excel_table:
        draft.tables.append(t)
    first, last = t.first_data_row, t.last_row
    if last < first:
        return
    for i, c in enumerate(t.columns):
        if c.validation:
            draft.validations.append((cell_range(c0 + i, first, c0 + i, last), '"' + ",".join(c.validation) + '"'))
    for cf in t.conditional_formats:
        col = t.column_index(cf.column)
        L = column_letter(col)
        sqref = cell_range(c0, first, c1, last) if cf.whole_row else cell_range(col, first, col, last)
        if cf.kind == "equals":
            formula = f'${L}{first}="' + cf.value.replace('"', '""') + '"'
        else:
            formula = cf.value.replace("{col}", L).replace("{row}", str(first)).lstrip("=")
        draft.add_format(sqref, formula, cf)


def _sheet_view(sh: SheetSpec) -> str:
    view = f'<sheetViews><sheetView showGridLines="{int(bool(sh.gridlines))}" workbookViewId="0">'
    freeze = sh.freeze if sh.freeze != "A1" else None
    if not freeze:
        return view + '<selection activeCell="A1" sqref="A1"/></sheetView></sheetViews>'
    letters = freeze.rstrip("0123456789")
    row = int(freeze[len(letters):])
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    split = (f' xSplit="{col - 1}"' if col > 1 else "") + (f' ySplit="{row - 1}"' if row > 1 else "")
    pane = "bottomRight" if row > 1 and col > 1 else "bottomLeft" if row > 1 else "topRight"
    view += f'<pane{split} topLeftCell="{freeze}" activePane="{pane}" state="frozen"/>'
    if row > 1 and col > 1:
        view += '<selection pane="topRight"/><selection pane="bottomLeft"/>'
    return view + f'<selection pane="{pane}" activeCell="A1" sqref="A1"/></sheetView></sheetViews>'


def _tail(draft: SheetDraft, styles: Styles, labels: dict[str, str]) -> list[str]:
    """mergeCells, conditionalFormatting and dataValidations."""
    out = []
    if draft.merges:
        out.append(f'<mergeCells count="{len(draft.merges)}">'
                   + "".join(f'<mergeCell ref="{cell_range(m[1], m[0], m[3], m[2])}"/>' for m in draft.merges)
                   + "</mergeCells>")
    for sqref, rules in draft.formats.items():
        out.append(f'<conditionalFormatting sqref="{sqref}">')
        for priority, formula, cf in rules:
            dxf = styles.dxf(cf.fill, cf.font_color, cf.bold)
            out.append(f'<cfRule type="expression" priority="{priority}" dxfId="{dxf}">'
                       f"<formula>{xmltext.ascii_text(formula)}</formula></cfRule>")
        out.append("</conditionalFormatting>")
    if draft.validations:
        title, error = xmltext.ascii_attr(labels["dv_title"]), xmltext.ascii_attr(labels["dv_error"])
        out.append(f'<dataValidations count="{len(draft.validations)}">')
        out += [f'<dataValidation sqref="{sqref}" showDropDown="0" showInputMessage="0" showErrorMessage="1" '
                f'allowBlank="1" errorTitle="{title}" error="{error}" type="list">'
                f"<formula1{xmltext.space(formula)}>{xmltext.ascii_text(formula)}</formula1></dataValidation>"
                for sqref, formula in draft.validations]
        out.append("</dataValidations>")
    return out


def worksheet_xml(draft: SheetDraft, styles: Styles, labels: dict[str, str], *, code_name: str | None = None,
                  drawing: bool = False, comments: bool = False, table_rids: Sequence[str] = ()) -> bytes:
    """The worksheet part, its ``<sheetData/>`` empty (the cells are streamed in later)."""
    sh = draft.sheet
    out = [f'<worksheet xmlns="{_MAIN}"><sheetPr'
           + (f' codeName="{xmltext.ascii_attr(code_name)}"' if code_name is not None else "") + ">"]
    if sh.tab_color:
        out.append(f'<tabColor rgb="{color(sh.tab_color)}"/>')
    out.append('<outlinePr summaryBelow="1" summaryRight="1"/>'
               + ('<pageSetUpPr fitToPage="1"/>' if sh.fit_width else "<pageSetUpPr/>") + "</sheetPr>")
    out.append('<dimension ref="A1:A1"/>' + _sheet_view(sh) + '<sheetFormatPr baseColWidth="8" defaultRowHeight="15"/>')
    if draft.widths:
        out.append("<cols>" + "".join(f'<col width="{round(w, 2):.16g}" customWidth="1" min="{c}" max="{c}"/>'
                                      for c, w in sorted(draft.widths.items())) + "</cols>")
    out.append("<sheetData/>")
    out += _tail(draft, styles, labels)
    out.append('<pageMargins left="0.5" right="0.5" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
               f'<pageSetup orientation="{"landscape" if sh.landscape else "portrait"}" paperSize="9"'
               + (' fitToHeight="0" fitToWidth="1"/>' if sh.fit_width else "/>")
               + "<headerFooter><oddHeader>&amp;R&amp;A</oddHeader>"
               f'<oddFooter>&amp;C{xmltext.ascii_text(labels["footer"])}</oddFooter><evenHeader></evenHeader>'
               "<evenFooter></evenFooter><firstHeader></firstHeader><firstFooter></firstFooter></headerFooter>")
    if drawing:
        out.append(f'<drawing {_R} r:id="rId1"/>')
    if comments:
        out.append(f'<legacyDrawing {_R} r:id="anysvml"/>')
    if table_rids:
        out.append(f'<tableParts count="{len(table_rids)}">'
                   + "".join(f'<tablePart {_R} r:id="{rid}"/>' for rid in table_rids) + "</tableParts>")
    out.append("</worksheet>")
    return "".join(out).encode("ascii")

