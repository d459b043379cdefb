"""Native charts: xl/charts/chartN.xml and the drawing that places them on a sheet
(xl/drawings/drawingN.xml), as openpyxl's chart objects wrote them before issue 20.

Pie (percent labels, legend on the right), clustered column / bar (a funnel is a bar chart
of its stages, first on top), line with circle markers; series in ``secondary`` are a second
line chart with triangle markers on a value axis of their own, crossing at the maximum.
"""

from __future__ import annotations

__all__ = ["chart_xml", "drawing_xml"]

from ...report.spec import ChartSpec, ReportSpec, TableBlock
from ..sheetdata import column_letter
from . import xmltext

_A = 'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'
_LINE = f'<spPr><a:ln {_A}><a:prstDash val="solid"/></a:ln></spPr>'
_LABELS = ('<dLbls><showLegendKey val="0"/><showVal val="1"/><showCatName val="0"/><showSerName val="0"/>'
           '<showPercent val="0"/></dLbls>')
_PIE_LABELS = ('<dLbls><showLegendKey val="0"/><showVal val="0"/><showCatName val="0"/><showSerName val="0"/>'
               '<showPercent val="1"/><showLeaderLines val="1"/></dLbls>')
_TICKS = '<majorTickMark val="none"/><minorTickMark val="none"/>'


def _rich(text: str) -> str:
    """A title: one paragraph per line."""
    paras = "".join(f'<a:p {_A}><a:pPr><a:defRPr/></a:pPr><a:r><a:t{xmltext.space(s)}>{xmltext.text(s)}</a:t></a:r></a:p>'
                    for s in text.split("\n"))
    return f"<title><tx><rich><a:bodyPr {_A}/>{paras}</rich></tx></title>"


def _quoted(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def _f(ref: str) -> str:
    return f"<f{xmltext.space(ref)}>{xmltext.text(ref)}</f>"


class _Series:
    """The references of one chart's series (all on the table's sheet)."""

    def __init__(self, sheet: str, t: TableBlock, category: str) -> None:
        self.sheet, self.t = _quoted(sheet), t
        self.first = t.first_data_row
        self.last = max(t.last_row, self.first)
        self.cats = self._range(t.column_index(category))

    def _range(self, col: int) -> str:
        L = column_letter(col)
        if self.first == self.last:
            return f"{self.sheet}!${L}${self.first}"
        return f"{self.sheet}!${L}${self.first}:${L}${self.last}"

    def xml(self, idx: int, key: str, marker: str | None = None, smooth: bool = False) -> str:
        col = self.t.column_index(key)
        title = f"{self.sheet}!{column_letter(col)}{self.t.header_row}"
        return (f'<ser><idx val="{idx}"/><order val="{idx}"/><tx><strRef>{_f(title)}</strRef></tx>{_LINE}'
                + (f'<marker><symbol val="{marker}"/>{_LINE}</marker>' if marker else "")
                + f"<cat><numRef>{_f(self.cats)}</numRef></cat><val><numRef>{_f(self._range(col))}</numRef></val>"
                + ('<smooth val="0"/>' if smooth else "") + "</ser>")


def _val_axis(ax: int, fmt: str, title: str | None, secondary: bool) -> str:
    return (f'<valAx><axId val="{ax}"/><scaling><orientation val="minMax"/></scaling><delete val="0"/><axPos val="l"/>'
            + ("" if secondary else "<majorGridlines/>") + (_rich(title) if title else "")
            + f'<numFmt formatCode="{xmltext.attr(fmt)}" sourceLinked="0"/>{_TICKS}<crossAx val="10"/>'
            + ('<crosses val="max"/>' if secondary else "") + "</valAx>")


def _plot(ch: ChartSpec, t: TableBlock, ser: _Series) -> str:
    """The plot area of a bar, column, funnel or line chart."""
    col_of = {c.key: c for c in t.columns}
    primary = [k for k in ch.series if k not in ch.secondary]
    line = ch.kind == "line"
    sers = "".join(ser.xml(i, k, "circle" if line else None, smooth=line) for i, k in enumerate(primary))
    labels = _LABELS if ch.data_labels or ch.kind == "funnel" else ""
    axes = '<axId val="10"/><axId val="100"/>'
    if line:
        out = f'<lineChart><grouping val="standard"/>{sers}{labels}{axes}</lineChart>'
    else:
        bar_dir = "col" if ch.kind == "column" else "bar"
        gap = 40 if ch.kind == "funnel" else 80
        out = (f'<barChart><barDir val="{bar_dir}"/><grouping val="clustered"/>{sers}{labels}'
               f'<gapWidth val="{gap}"/>{axes}</barChart>')
    if ch.secondary:
        extra = "".join(ser.xml(len(primary) + i, k, "triangle") for i, k in enumerate(ch.secondary))
        out += f'<lineChart><grouping val="standard"/>{extra}<axId val="10"/><axId val="200"/></lineChart>'
    orientation = "maxMin" if ch.kind in ("bar", "funnel") else "minMax"
    out += (f'<catAx><axId val="10"/><scaling><orientation val="{orientation}"/></scaling><delete val="0"/>'
            f'<axPos val="l"/>{_rich(ch.x_axis_title) if ch.x_axis_title else ""}{_TICKS}<crossAx val="100"/>'
            '<lblOffset val="100"/></catAx>')
    out += _val_axis(100, col_of[primary[0]].number_format if primary else "General", ch.y_axis_title, False)
    if ch.secondary:
        out += _val_axis(200, col_of[ch.secondary[0]].number_format, None, True)
    return out


def chart_xml(spec: ReportSpec, ch: ChartSpec) -> bytes:
    src, t = spec.find_table(ch.table)
    ser = _Series(src.name, t, ch.category)
    if ch.kind == "pie":
        plot = f'<pieChart><varyColors val="1"/>{ser.xml(0, ch.series[0])}{_PIE_LABELS}<firstSliceAng val="0"/></pieChart>'
        legend = "r"
    else:
        plot = _plot(ch, t, ser)
        legend = None if ch.kind == "funnel" or len(ch.series) == 1 else "b"
    return ('<chartSpace xmlns="http://schemas.openxmlformats.org/drawingml/2006/chart"><chart>'
            f"{_rich(ch.title)}<plotArea>{plot}</plotArea>"
            + (f'<legend><legendPos val="{legend}"/></legend>' if legend else "")
            + '<plotVisOnly val="1"/><dispBlanksAs val="gap"/></chart></chartSpace>').encode("utf-8")


def _anchor(cell: str) -> tuple[int, int]:
    """(column, row), both from 0, of a cell like ``H2``."""
    letters = cell.rstrip("0123456789")
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return col - 1, int(cell[len(letters):]) - 1


def drawing_xml(charts: list[ChartSpec]) -> bytes:
    """A sheet's drawing: each chart in a one-cell anchor (relationship ``rId<n>`` for the n-th)."""
    out = ['<wsDr xmlns="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing">']
    for i, ch in enumerate(charts, 1):
        col, row = _anchor(ch.anchor)
        out.append(
            f"<oneCellAnchor><from><col>{col}</col><colOff>0</colOff><row>{row}</row><rowOff>0</rowOff></from>"
            f'<ext cx="{int(ch.width_cm * 360000)}" cy="{int(ch.height_cm * 360000)}"/><graphicFrame><nvGraphicFramePr>'
            f'<cNvPr id="{i}" name="Chart {i}"/><cNvGraphicFramePr/></nvGraphicFramePr><xfrm/><a:graphic {_A}>'
            '<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/chart">'
            '<c:chart xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" '
            f'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" r:id="rId{i}"/>'
            "</a:graphicData></a:graphic></graphicFrame><clientData/></oneCellAnchor>")
    out.append("</wsDr>")
    return "".join(out).encode("utf-8")
