"""Header notes: xl/comments/commentN.xml and the legacy VML drawing that shows them
(xl/drawings/commentsDrawingN.vml), as openpyxl wrote them (its namespace prefixes included)."""

from __future__ import annotations

__all__ = ["comments_xml", "comments_vml"]

from ..sheetdata import column_letter
from . import xmltext

_VML_HEAD = (
    '<xml><ns0:shapelayout xmlns:ns0="urn:schemas-microsoft-com:office:office" '
    'xmlns:ns1="urn:schemas-microsoft-com:vml" ns1:ext="edit"><ns0:idmap ns1:ext="edit" data="1"/></ns0:shapelayout>'
    '<ns2:shapetype xmlns:ns2="urn:schemas-microsoft-com:vml" xmlns:ns3="urn:schemas-microsoft-com:office:office" '
    'id="_x0000_t202" coordsize="21600,21600" ns3:spt="202" path="m,l,21600r21600,l21600,xe">'
    '<ns2:stroke joinstyle="miter"/><ns2:path gradientshapeok="t" ns3:connecttype="rect"/></ns2:shapetype>')
_VML_SHAPE = (
    '<ns0:shape xmlns:ns0="urn:schemas-microsoft-com:vml" xmlns:ns1="urn:schemas-microsoft-com:office:office" '
    'type="#_x0000_t202" style="position:absolute; margin-left:59.25pt;margin-top:1.5pt;width:240px;height:120px;'
    'z-index:1;visibility:hidden" fillcolor="#ffffe1" ns1:insetmode="auto" id="_x0000_s{id:04d}">'
    '<ns0:fill color2="#ffffe1"/><ns0:shadow color="black" obscured="t"/><ns0:path ns1:connecttype="none"/>'
    '<ns0:textbox style="mso-direction-alt:auto"><div style="text-align:left"/></ns0:textbox>'
    '<ns2:ClientData xmlns:ns2="urn:schemas-microsoft-com:office:excel" ObjectType="Note"><ns2:MoveWithCells/>'
    "<ns2:SizeWithCells/><ns2:AutoFill>False</ns2:AutoFill><ns2:Row>{row}</ns2:Row><ns2:Column>{col}</ns2:Column>"
    "</ns2:ClientData></ns0:shape>")


def comments_xml(notes: list[tuple[int, int, str]]) -> bytes:
    """``notes``: (row, column, text), in cell order."""
    out = ['<comments xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><authors><author>crm_xl'
           "</author></authors><commentList>"]
    out += [f'<comment ref="{column_letter(c)}{r}" authorId="0" shapeId="0"><text><t{xmltext.space(s)}>'
            f"{xmltext.text(s)}</t></text></comment>" for r, c, s in notes]
    out.append("</commentList></comments>")
    return "".join(out).encode("utf-8")


def comments_vml(notes: list[tuple[int, int, str]]) -> bytes:
    return (_VML_HEAD + "".join(_VML_SHAPE.format(id=i, row=r - 1, col=c - 1) for i, (r, c, _) in enumerate(notes, 1026))
            + "</xml>").encode("utf-8")
