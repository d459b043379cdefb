"""xl/styles.xml and the report's looks (cell style ids), without openpyxl.

:class:`StyleBook` registers each look the report uses in first-use order and answers its
``cellXfs`` index (the ``s`` attribute of the cells :mod:`crm_xl.render.sheetdata` writes).
:class:`Styles` keeps the workbook's lists as openpyxl kept them -- fonts, fills, borders,
alignments, custom number formats and cell formats, each deduplicated in first-use order, and
the conditional formats' differential styles in the order the sheets use them -- so the ids and
the part are the ones the reports had when openpyxl drew them (tests/test_skeleton_direct.py).
"""

from __future__ import annotations

__all__ = ["Styles", "StyleBook", "color", "font_xml", "fill_xml"]

import re

from ...report.spec import NUMERIC_KINDS, ColumnSpec
from ..xlsx_styles import FONT_NAME, PALETTE
from . import xmltext

# openpyxl.styles.numbers.BUILTIN_FORMATS: a format Excel knows by number gets no <numFmt>
BUILTIN_FORMATS = {
    0: 'General',
    1: '0',
    2: '0.00',
    3: '#,##0',
    4: '#,##0.00',
    5: '"$"#,##0_);("$"#,##0)',
    6: '"$"#,##0_);[Red]("$"#,##0)',
    7: '"$"#,##0.00_);("$"#,##0.00)',
    8: '"$"#,##0.00_);[Red]("$"#,##0.00)',
    9: '0%',
    10: '0.00%',
    11: '0.00E+00',
    12: '# ?/?',
    13: '# ??/??',
    14: 'mm-dd-yy',
    15: 'd-mmm-yy',
    16: 'd-mmm',
    17: 'mmm-yy',
    18: 'h:mm AM/PM',
    19: 'h:mm:ss AM/PM',
    20: 'h:mm',
    21: 'h:mm:ss',
    22: 'm/d/yy h:mm',
    37: '#,##0_);(#,##0)',
    38: '#,##0_);[Red](#,##0)',
    39: '#,##0.00_);(#,##0.00)',
    40: '#,##0.00_);[Red](#,##0.00)',
    41: '_(* #,##0_);_(* \\(#,##0\\);_(* "-"_);_(@_)',
    42: '_("$"* #,##0_);_("$"* \\(#,##0\\);_("$"* "-"_);_(@_)',
    43: '_(* #,##0.00_);_(* \\(#,##0.00\\);_(* "-"??_);_(@_)',
    44: '_("$"* #,##0.00_)_("$"* \\(#,##0.00\\)_("$"* "-"??_)_(@_)',
    45: 'mm:ss',
    46: '[h]:mm:ss',
    47: 'mmss.0',
    48: '##0.0E+0',
    49: '@',}
BUILTIN_IDS = {code: i for i, code in BUILTIN_FORMATS.items()}
_RGB = re.compile(r"^([A-Fa-f0-9]{8}|[A-Fa-f0-9]{6})$")
FIRST_CUSTOM_FORMAT = 164

_DEFAULT_FONT = '<font><name val="Calibri"/><family val="2"/><color theme="1"/><sz val="11"/><scheme val="minor"/></font>'
_DEFAULT_FILLS = ('<fill><patternFill/></fill>', '<fill><patternFill patternType="gray125"/></fill>')
_DEFAULT_BORDER = "<border><left/><right/><top/><bottom/><diagonal/></border>"
_THIN = '<{0} style="thin"><color rgb="00%s"/></{0}>' % PALETTE["border"]
BOX = "<border>" + "".join(_THIN.format(side) for side in ("left", "right", "top", "bottom")) + "</border>"
HEADING_RULE = '<border><bottom style="thin"><color rgb="00%s"/></bottom></border>' % PALETTE["heading_rule"]

_TAIL = ('<tableStyles count="0" defaultTableStyle="TableStyleMedium9" defaultPivotStyle="PivotStyleLight16"/>'
         "<colors><indexedColors>" + "".join(f'<rgbColor rgb="{c}"/>' for c in (
             "00000000 00FFFFFF 00FF0000 0000FF00 000000FF 00FFFF00 00FF00FF 0000FFFF 00000000 00FFFFFF 00FF0000 "
             "0000FF00 000000FF 00FFFF00 00FF00FF 0000FFFF 00800000 00008000 00000080 00808000 00800080 00008080 "
             "00C0C0C0 00808080 009999FF 00993366 00FFFFCC 00CCFFFF 00660066 00FF8080 000066CC 00CCCCFF 00000080 "
             "00FF00FF 00FFFF00 0000FFFF 00800080 00800000 00008080 000000FF 0000CCFF 00CCFFFF 00CCFFCC 00FFFF99 "
             "0099CCFF 00FF99CC 00CC99FF 00FFCC99 003366FF 0033CCCC 0099CC00 00FFCC00 00FF9900 00FF6600 00666699 "
             "00969696 00003366 00339966 00003300 00333300 00993300 00993366 00333399 00333333").split())
         + "</indexedColors></colors></styleSheet>")


def color(rgb: str) -> str:
    """An RGB colour as openpyxl stored it: six hex digits get an ``00`` alpha, case kept;
    anything but six or eight hex digits is refused, as openpyxl refused it."""
    if not _RGB.match(rgb):
        raise ValueError(f"Colors must be aRGB hex values, not {rgb!r}")
    return "00" + rgb if len(rgb) == 6 else rgb


def font_xml(size: int | None = None, *, bold: bool = False, italic: bool = False, rgb: str | None = None,
             name: str | None = FONT_NAME) -> str:
    """A <font> in openpyxl's element order (crm_xl.render.styles_merge puts it in the schema's)."""
    return ("<font>" + (f'<name val="{xmltext.attr(name)}"/>' if name else "") + ('<b val="1"/>' if bold else "")
            + ('<i val="1"/>' if italic else "") + (f'<color rgb="{xmltext.attr(color(rgb))}"/>' if rgb else "")
            + (f'<sz val="{size}"/>' if size is not None else "") + "</font>")


def fill_xml(rgb: str, *, background: bool = False) -> str:
    """A solid <patternFill> of ``rgb`` (``background``: also as bgColor, as conditional formats have it)."""
    c = xmltext.attr(color(rgb))
    return (f'<patternFill patternType="solid"><fgColor rgb="{c}"/>' + (f'<bgColor rgb="{c}"/>' if background else "")
            + "</patternFill>")


class _Indexed:
    """Distinct items in first-use order (openpyxl's IndexedList)."""

    def __init__(self, *items) -> None:
        self.items: list = []
        self._ids: dict = {}
        for it in items:
            self.add(it)

    def add(self, item) -> int:
        i = self._ids.get(item)
        if i is None:
            i = self._ids[item] = len(self.items)
            self.items.append(item)
        return i


def _alignment_xml(alignment: tuple[str | None, str | None, bool | None]) -> str:
    horizontal, vertical, wrap = alignment
    return ("<alignment" + (f' horizontal="{xmltext.attr(horizontal)}"' if horizontal else "")
            + (f' vertical="{vertical}"' if vertical else "") + (' wrapText="1"' if wrap else "") + "/>")


class Styles:
    """The workbook's style lists; :meth:`xml` is xl/styles.xml."""

    def __init__(self) -> None:
        self.fonts = _Indexed(_DEFAULT_FONT)
        self.fills = _Indexed(*_DEFAULT_FILLS)
        self.borders = _Indexed(_DEFAULT_BORDER)
        # (horizontal, vertical, wrap): None and False are different entries, as openpyxl hashed them
        self.alignments = _Indexed((None, None, None))
        self.formats = _Indexed()
        self.xfs = _Indexed((0, 0, 0, 0, 0))
        self.dxfs = _Indexed()

    def xf(self, *, font: str, alignment: tuple, border: str | None = None, fill: str | None = None,
           number_format: str | None = None) -> int:
        """The cellXfs index of a look (a new entry only for a new combination): ``font``, ``border``
        and ``fill`` (a <patternFill>) as XML, ``alignment`` as (horizontal, vertical, wrap)."""
        if number_format is None:
            fmt = 0
        elif number_format in BUILTIN_IDS:
            fmt = BUILTIN_IDS[number_format]
        else:
            fmt = self.formats.add(number_format) + FIRST_CUSTOM_FORMAT
        return self.xfs.add((fmt, self.fonts.add(font), 0 if fill is None else self.fills.add(f"<fill>{fill}</fill>"),
                             0 if border is None else self.borders.add(border), self.alignments.add(alignment)))

    def dxf(self, fill: str, font_color: str | None, bold: bool) -> int:
        """The dxfs index of a conditional format's look."""
        font = ""
        if font_color or bold:
            font = font_xml(bold=bold, rgb=font_color, name=None)
        return self.dxfs.add(f"<dxf>{font}<fill>{fill_xml(fill, background=True)}</fill></dxf>")

    def xml(self) -> bytes:
        out = ['<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">']
        fmts = self.formats.items
        if fmts:
            out.append(f'<numFmts count="{len(fmts)}">')
            out += [f'<numFmt numFmtId="{FIRST_CUSTOM_FORMAT + i}" formatCode="{xmltext.attr(code)}"/>'
                    for i, code in enumerate(fmts)]
            out.append("</numFmts>")
        else:
            out.append('<numFmts count="0"/>')
        out.append(f'<fonts count="{len(self.fonts.items)}">' + "".join(self.fonts.items) + "</fonts>")
        out.append(f'<fills count="{len(self.fills.items)}">' + "".join(self.fills.items) + "</fills>")
        out.append(f'<borders count="{len(self.borders.items)}">' + "".join(self.borders.items) + "</borders>")
        out.append('<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>')
        out.append(f'<cellXfs count="{len(self.xfs.items)}">')
        for fmt, font, fill, border, align in self.xfs.items:
            head = f'<xf numFmtId="{fmt}" fontId="{font}" fillId="{fill}" borderId="{border}"'
            if align:
                out.append(head + ' applyAlignment="1" pivotButton="0" quotePrefix="0" xfId="0">'
                           + _alignment_xml(self.alignments.items[align]) + "</xf>")
            else:
                out.append(head + ' pivotButton="0" quotePrefix="0" xfId="0"/>')
        out.append("</cellXfs>")
        out.append('<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0" hidden="0"/></cellStyles>')
        if self.dxfs.items:
            out.append(f'<dxfs count="{len(self.dxfs.items)}">' + "".join(self.dxfs.items) + "</dxfs>")
        out.append(_TAIL)
        return "".join(out).encode("utf-8")


class StyleBook:
    """Style ids (``cellXfs`` indices) of the report's looks in one workbook's :class:`Styles`.

    Each look is registered once, when first used; the ids are the workbook's, shared by its sheets."""

    def __init__(self, styles: Styles) -> None:
        self.styles = styles
        self._cache: dict[tuple, int] = {}

    def text(self, style: str, wrap: bool = False) -> int:
        """Text block line: title / heading / body / note."""
        key = ("text", style, wrap)
        sid = self._cache.get(key)
        if sid is None:
            if style == "title":
                font = font_xml(16, bold=True, rgb=PALETTE["title"])
            elif style == "heading":
                font = font_xml(12, bold=True, rgb=PALETTE["heading"])
            elif style == "note":
                font = font_xml(9, italic=True, rgb=PALETTE["note"])
            else:
                font = font_xml(10)
            sid = self._cache[key] = self.styles.xf(
                font=font, alignment=(None, "top" if wrap else "center", wrap),
                border=HEADING_RULE if style == "heading" else None)
        return sid

    def caption(self) -> int:
        """A table's title line."""
        sid = self._cache.get(("caption",))
        if sid is None:
            sid = self._cache[("caption",)] = self.styles.xf(
                font=font_xml(11, bold=True, rgb=PALETTE["heading"]), alignment=(None, "center", None))
        return sid

    def header(self, excel_table: bool) -> int:
        """Header cells: white bold on dark blue, centred, wrapped, boxed. The fill is set on
        the cells (not left to the table style) so every spreadsheet program shows it."""
        sid = self._cache.get(("th",))
        if sid is None:
            sid = self._cache[("th",)] = self.styles.xf(
                font=font_xml(10, bold=True, rgb=PALETTE["header_font"]), alignment=("center", "center", True),
                border=BOX, fill=fill_xml(PALETTE["header_fill"]))
        return sid

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
        key = ("td", fmt, horizontal, col.wrap, fill)
        sid = self._cache.get(key)
        if sid is None:
            sid = self._cache[key] = self.styles.xf(
                font=font_xml(10), number_format=fmt, border=BOX, alignment=(horizontal, "center", col.wrap or None),
                fill=fill_xml(fill) if fill else None)
        return sid
