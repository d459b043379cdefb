"""Sheet buttons for xlwings Lite: rounded-rectangle shapes with a link to the cell behind them.

Office.js cannot bind a shape to a script, so xlwings Lite uses a *named* shape with a
hyperlink to a cell of the same workbook hidden behind it: clicking the shape selects that
cell, and Lite's selection handler runs the script whose decorator says
``@script(button="[shape name]Sheet!Cell")`` (docs/excel.md). The package writer draws no shapes,
so this module adds them to a finished package at the zip level:

* ``xl/drawings/drawingN.xml`` with one ``xdr:twoCellAnchor`` / ``xdr:sp`` per button
  (``prstGeom roundRect``, solid fill, centred text, ``cNvPr name`` = the shape name and an
  ``a:hlinkClick`` to the linked cell);
* its rels: one ``hyperlink`` relationship per button with a fragment-only target
  ``#'Sheet'!A7`` (a location in this document, not a part -- what Excel and XlsxWriter
  write for "Place in This Document" links);
* the worksheet's ``<drawing r:id>`` and rels entry, and the drawing's content type.

Every other part is copied unchanged and in order, with the fixed zip time of
:mod:`crm_xl.render.xlsx`, so the output is reproducible byte for byte.
:func:`read_buttons` reads the buttons of a sheet back (for tests and checks).
"""

from __future__ import annotations

__all__ = ["SheetButton", "add_buttons", "read_buttons", "button_ref", "parse_location", "DRAWING_TYPE"]

import posixpath
import re
import zipfile
from dataclasses import dataclass

from defusedxml import ElementTree as SafeET

from ..xmlescape import escape, quoteattr
from .opc import (
    NS,
    REL,
    ContentTypes,
    PackageReader,
    Rel,
    relative,
    rels_part,
    rels_xml,
    workbook_part,
    workbook_sheets,
)

DRAWING_TYPE = "application/vnd.openxmlformats-officedocument.drawing+xml"
HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"

_EMU_PX = 9525  # EMU per pixel at 96 dpi
_EMU_PT = 12700  # EMU per point
_MARGIN_X, _MARGIN_Y = 3, 2  # px between a button and the edges of the cells it covers
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # = crm_xl.render.xlsx.FIXED_ZIP_TIME
_CELL = re.compile(r"^([A-Z]{1,3})([1-9][0-9]*)$")


@dataclass(frozen=True)
class SheetButton:
    """One button: a named rounded rectangle over ``rows`` x ``cols`` cells whose top-left
    cell is ``cell``, linked to ``cell`` (the cell xlwings Lite watches).

    ``name`` is the shape name (Excel's name box; the ``[name]`` of ``button=``), ``text``
    the label, ``tooltip`` the hyperlink's screen tip and the shape's alt text.
    """

    name: str
    text: str
    cell: str
    rows: int = 2
    cols: int = 1
    fill: str = "2F5597"
    line: str = "1F3864"
    font_color: str = "FFFFFF"
    font_size: float = 10.5
    font: str = "Microsoft YaHei"
    tooltip: str | None = None

    @property
    def row(self) -> int:
        return int(_CELL.match(self.cell).group(2))

    @property
    def col(self) -> int:
        return _col_index(_CELL.match(self.cell).group(1))


def button_ref(sheet: str, b: SheetButton) -> str:
    """The ``button=`` string of xlwings' ``@script`` for ``b`` on ``sheet``:
    ``"[name]Sheet!A7"`` (sheet names are not quoted: Lite strips quotes anyway)."""
    return f"[{b.name}]{sheet}!{b.cell}"


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _col_px(width_chars: float) -> int:
    """Excel's pixel width of a column ``width_chars`` wide (maximum digit width 7 px,
    the Calibri 11 default the workbook's Normal style uses)."""
    return int(((256 * width_chars + int(128 / 7)) / 256) * 7)


class _Geometry:
    """Column widths and row heights of a worksheet part, read from its XML."""

    def __init__(self, sheet_xml: bytes) -> None:
        fmt = re.search(rb"<(?:\w+:)?sheetFormatPr\b([^>]*)>", sheet_xml)
        attrs = dict(re.findall(rb'(\w+)="([^"]*)"', fmt.group(1))) if fmt else {}
        self.default_height_pt = float(attrs.get(b"defaultRowHeight", b"15"))
        if b"defaultColWidth" in attrs:
            self.default_width_px = _col_px(float(attrs[b"defaultColWidth"]))
        else:  # baseColWidth characters + 5 px padding (8 -> 64 px)
            self.default_width_px = int(float(attrs.get(b"baseColWidth", b"8")) * 7 + 5)
        self.widths: dict[int, int] = {}
        for m in re.finditer(rb"<(?:\w+:)?col\b([^>]*)/?>", sheet_xml):
            a = dict(re.findall(rb'(\w+)="([^"]*)"', m.group(1)))
            if b"width" in a and b"min" in a:
                for c in range(int(a[b"min"]), min(int(a.get(b"max", a[b"min"])), 200) + 1):
                    self.widths[c] = _col_px(float(a[b"width"]))
        self.heights: dict[int, float] = {}
        for m in re.finditer(rb"<(?:\w+:)?row\b([^>]*)>", sheet_xml):
            a = dict(re.findall(rb'(\w+)="([^"]*)"', m.group(1)))
            if b"ht" in a and b"r" in a:
                self.heights[int(a[b"r"])] = float(a[b"ht"])

    def col_emu(self, c: int) -> int:
        return self.widths.get(c, self.default_width_px) * _EMU_PX

    def row_emu(self, r: int) -> int:
        return round(self.heights.get(r, self.default_height_pt) * _EMU_PT)


def _shape_xml(i: int, b: SheetButton, rid: str, g: _Geometry, lang: str) -> str:
    c0, r0 = b.col, b.row
    c1, r1 = c0 + b.cols - 1, r0 + b.rows - 1
    mx, my = _MARGIN_X * _EMU_PX, _MARGIN_Y * _EMU_PX
    x = sum(g.col_emu(c) for c in range(1, c0)) + mx
    y = sum(g.row_emu(r) for r in range(1, r0)) + my
    cx = sum(g.col_emu(c) for c in range(c0, c1 + 1)) - 2 * mx
    cy = sum(g.row_emu(r) for r in range(r0, r1 + 1)) - 2 * my
    tip = f" tooltip={quoteattr(b.tooltip)}" if b.tooltip else ""
    descr = f" descr={quoteattr(b.tooltip)}" if b.tooltip else ""
    lang_attr = 'lang="zh-CN" altLang="en-US"' if lang == "zh" else 'lang="en-US" altLang="zh-CN"'
    font = quoteattr(b.font)
    return (
        '<xdr:twoCellAnchor editAs="oneCell">'
        f"<xdr:from><xdr:col>{c0 - 1}</xdr:col><xdr:colOff>{mx}</xdr:colOff>"
        f"<xdr:row>{r0 - 1}</xdr:row><xdr:rowOff>{my}</xdr:rowOff></xdr:from>"
        f"<xdr:to><xdr:col>{c1 - 1}</xdr:col><xdr:colOff>{g.col_emu(c1) - mx}</xdr:colOff>"
        f"<xdr:row>{r1 - 1}</xdr:row><xdr:rowOff>{g.row_emu(r1) - my}</xdr:rowOff></xdr:to>"
        '<xdr:sp macro="" textlink="">'
        f"<xdr:nvSpPr><xdr:cNvPr id=\"{i + 2}\" name={quoteattr(b.name)}{descr}>"
        f'<a:hlinkClick r:id="{rid}"{tip}/></xdr:cNvPr><xdr:cNvSpPr/></xdr:nvSpPr>'
        f'<xdr:spPr><a:xfrm><a:off x="{x}" y="{y}"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm>'
        '<a:prstGeom prst="roundRect"><a:avLst/></a:prstGeom>'
        f'<a:solidFill><a:srgbClr val="{b.fill}"/></a:solidFill>'
        f'<a:ln w="12700"><a:solidFill><a:srgbClr val="{b.line}"/></a:solidFill></a:ln></xdr:spPr>'
        '<xdr:txBody><a:bodyPr vertOverflow="clip" horzOverflow="clip" wrap="square" lIns="45720" tIns="0" '
        'rIns="45720" bIns="0" rtlCol="0" anchor="ctr"/><a:lstStyle/>'
        f'<a:p><a:pPr algn="ctr"/><a:r><a:rPr {lang_attr} sz="{round(b.font_size * 100)}" b="1">'
        f'<a:solidFill><a:srgbClr val="{b.font_color}"/></a:solidFill>'
        f"<a:latin typeface={font}/><a:ea typeface={font}/></a:rPr>"
        f"<a:t>{escape(b.text)}</a:t></a:r></a:p></xdr:txBody></xdr:sp><xdr:clientData/></xdr:twoCellAnchor>"
    )


def _sheet_location(sheet: str, cell: str) -> str:
    return "#'" + sheet.replace("'", "''") + "'!" + cell


_DRAWING_BEFORE = ("legacyDrawing", "legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls",
                   "webPublishItems", "tableParts", "extLst")


def _insert_drawing(sheet_xml: bytes, rid: str) -> bytes:
    """``sheet_xml`` with ``<drawing r:id>`` at its place in CT_Worksheet's sequence."""
    if re.search(rb"<(?:\w+:)?drawing\b", sheet_xml):
        raise ValueError("the sheet already has a drawing")
    tag = f'<drawing xmlns:r="{NS["r"]}" r:id="{rid}"/>'.encode()
    m = re.match(rb"(?:<\?xml[^>]*\?>\s*)?<(\w+:)?worksheet\b", sheet_xml)
    if m and m.group(1):
        tag = tag.replace(b"<drawing", b"<" + m.group(1) + b"drawing")
    for name in _DRAWING_BEFORE:
        m = re.search(rb"<(?:\w+:)?" + name.encode() + rb"\b", sheet_xml)
        if m:
            return sheet_xml[: m.start()] + tag + sheet_xml[m.start():]
    end = sheet_xml.rindex(b"</")
    return sheet_xml[:end] + tag + sheet_xml[end:]


def _sheet_part(pkg: PackageReader, sheet: str) -> str:
    """The worksheet part of the sheet named ``sheet`` (KeyError when there is none)."""
    part = next((p for n, _, _, p in workbook_sheets(pkg, workbook_part(pkg)) if n == sheet), None)
    if part is None:
        raise KeyError(f"no sheet {sheet!r}")
    return part


def add_buttons(src, dst, sheet: str, buttons: tuple[SheetButton, ...] | list[SheetButton], *, lang: str = "zh") -> None:
    """Copy the .xlsx package ``src`` (path or binary file) to the binary file ``dst`` with
    ``buttons`` drawn on the worksheet ``sheet`` (which must not have a drawing yet)."""
    if not buttons:
        raise ValueError("no buttons")
    names = [b.name for b in buttons]
    if len(set(n.lower() for n in names)) != len(names):
        raise ValueError(f"duplicate button names: {names}")
    with zipfile.ZipFile(src) as zin:
        pkg = PackageReader(zin)
        part = _sheet_part(pkg, sheet)
        sheet_xml = pkg.read(part)
        g = _Geometry(sheet_xml)
        taken = {n.lower() for n in pkg.infos}
        k = 1
        while f"xl/drawings/drawing{k}.xml" in taken:
            k += 1
        drawing = f"xl/drawings/drawing{k}.xml"
        sheet_rels = pkg.rels(part)
        used = {r.id for r in sheet_rels}
        n = 1
        while f"rId{n}" in used:
            n += 1
        rid = f"rId{n}"
        sheet_rels.append(Rel(rid, REL["drawing"], relative(part, drawing)))
        links = [Rel(f"rId{i + 1}", HYPERLINK, _sheet_location(sheet, b.cell)) for i, b in enumerate(buttons)]
        shapes = "".join(_shape_xml(i, b, links[i].id, g, lang) for i, b in enumerate(buttons))
        drawing_xml = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<xdr:wsDr xmlns:xdr="{XDR}" xmlns:a="{A}" xmlns:r="{NS["r"]}">{shapes}</xdr:wsDr>'
        ).encode("utf-8")
        ct = ContentTypes(pkg.read("[Content_Types].xml"))
        ct.overrides[drawing] = DRAWING_TYPE
        new = {
            pkg.name(part): _insert_drawing(sheet_xml, rid),
            pkg.name(rels_part(part)) or rels_part(part): rels_xml(sheet_rels),
            pkg.name("[Content_Types].xml"): ct.xml(),
        }
        added = {drawing: drawing_xml, rels_part(drawing): rels_xml(links)}
        with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in zin.infolist():
                data = new.pop(info.filename, None)
                _write(zout, info.filename, zin.read(info) if data is None else data)
            for name, data in {**new, **added}.items():
                _write(zout, name, data)


def _write(zout: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, _ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    zout.writestr(info, data)


def _corner(anchor, tag: str) -> tuple[int, int] | None:
    """The 0-based (col, row) of a drawing anchor's ``from`` / ``to`` corner."""
    el = anchor.find(f"{{{XDR}}}{tag}")
    if el is None:
        return None
    return (int(el.find(f"{{{XDR}}}col").text), int(el.find(f"{{{XDR}}}row").text))


def read_buttons(src, sheet: str) -> list[dict]:
    """The shapes on worksheet ``sheet`` of the package ``src`` (path or binary file):
    one dict per shape with ``name``, ``text``, ``geometry`` (preset), ``link`` (the
    hyperlink target, e.g. ``"#'控制台'!A7"``, or ``None``), ``from`` and ``to`` (0-based
    (col, row) of the anchor's corner cells). Sheets without a drawing give ``[]``."""
    with zipfile.ZipFile(src) as zin:
        pkg = PackageReader(zin)
        part = _sheet_part(pkg, sheet)
        out = []
        for rel in pkg.rels(part):
            if rel.type != REL["drawing"]:
                continue
            dpart = posixpath.normpath(posixpath.join(posixpath.dirname(part), rel.target))
            links = {r.id: r.target for r in pkg.rels(dpart) if r.type == HYPERLINK}
            root = SafeET.fromstring(pkg.read(dpart))
            for anchor in root:
                sp = anchor.find(f"{{{XDR}}}sp")
                if sp is None:
                    continue
                c = sp.find(f"{{{XDR}}}nvSpPr/{{{XDR}}}cNvPr")
                h = c.find(f"{{{A}}}hlinkClick")
                geom = sp.find(f"{{{XDR}}}spPr/{{{A}}}prstGeom")
                text = "".join(t.text or "" for t in sp.iter(f"{{{A}}}t"))
                out.append({
                    "name": c.get("name"), "text": text, "geometry": geom.get("prst") if geom is not None else None,
                    "link": links.get(h.get(f"{{{NS['r']}}}id")) if h is not None else None,
                    "from": _corner(anchor, "from"), "to": _corner(anchor, "to"),
                })
        return out


def parse_location(link: str) -> tuple[str, str]:
    """``"#'控制台'!A7"`` -> ``("控制台", "A7")``."""
    loc = link[1:] if link.startswith("#") else link
    sheet, _, cell = loc.rpartition("!")
    if sheet.startswith("'") and sheet.endswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    return sheet, cell.replace("$", "")
