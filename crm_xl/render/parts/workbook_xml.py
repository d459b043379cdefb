"""The package's frame as openpyxl wrote it: [Content_Types].xml, the relationship parts,
docProps/core.xml and app.xml, xl/workbook.xml (sheets, print titles) and its relationships."""

from __future__ import annotations

__all__ = ["APP_XML", "ROOT_RELS", "content_types", "core_xml", "rels", "workbook_xml", "workbook_rels"]

import datetime as dt

from ...report.spec import ReportSpec
from . import xmltext

APP_XML = (b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
           b"<Application>Microsoft Excel Compatible / Openpyxl 3.1.5</Application><AppVersion>3.1</AppVersion>"
           b"</Properties>")
_OD = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
ROOT_RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Type="{_OD}officeDocument" Target="xl/workbook.xml" Id="rId1"/>'
    '<Relationship Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" '
    'Target="docProps/core.xml" Id="rId2"/>'
    f'<Relationship Type="{_OD}extended-properties" Target="docProps/app.xml" Id="rId3"/></Relationships>').encode()

_TYPES = {
    "worksheet": "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml",
    "drawing": "application/vnd.openxmlformats-officedocument.drawing+xml",
    "comments": "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml",
    "table": "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml",
    "chart": "application/vnd.openxmlformats-officedocument.drawingml.chart+xml",
}
_CT_HEAD = (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>')
_CT_VML = '<Default Extension="vml" ContentType="application/vnd.openxmlformats-officedocument.vmlDrawing"/>'
_CT_FIXED = (
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/xl/theme/theme1.xml" ContentType="application/vnd.openxmlformats-officedocument.theme+xml"/>'
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    '<Override PartName="/docProps/app.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>')
_CT_WORKBOOK = ('<Override PartName="/xl/workbook.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>')


def content_types(overrides: list[tuple[str, str]], vml: bool) -> bytes:
    """``overrides``: (part, kind) in the order the parts were made."""
    return (_CT_HEAD + (_CT_VML if vml else "") + _CT_FIXED
            + "".join(f'<Override PartName="/{p}" ContentType="{_TYPES[k]}"/>' for p, k in overrides)
            + _CT_WORKBOOK).encode("utf-8")


def rels(items: list[tuple[str, str, str]]) -> bytes:
    """A relationship part: (type, target, id) in order."""
    return ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(f'<Relationship Type="{_OD}{t}" Target="{xmltext.attr(target)}" Id="{rid}"/>' for t, target, rid in items)
            + "</Relationships>").encode("utf-8")


def workbook_rels(n_sheets: int) -> bytes:
    items = [("worksheet", f"/xl/worksheets/sheet{i}.xml", f"rId{i}") for i in range(1, n_sheets + 1)]
    items += [("styles", "styles.xml", f"rId{n_sheets + 1}"), ("theme", "theme/theme1.xml", f"rId{n_sheets + 2}")]
    return rels(items)


def _stamp(when: dt.datetime) -> str:
    return when.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def core_xml(spec: ReportSpec, now: dt.datetime) -> bytes:
    """docProps/core.xml: the spec's properties; created and modified ``now`` unless the spec fixes the date."""
    props = dict(spec.properties)
    when = dt.datetime.fromisoformat(props["created"]) if "created" in props else now
    creator = props.get("creator", "crm_xl")

    def el(tag: str, ns: str, value: str | None) -> str:
        if value is None:
            return ""
        return f"<{tag}{ns}{xmltext.space(value)}>{xmltext.text(value)}</{tag}>"

    dc = ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
    terms = (' xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
             'xsi:type="dcterms:W3CDTF"')
    return ('<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties">'
            + el("dc:creator", dc, creator) + el("dc:title", dc, props.get("title"))
            + el("dc:description", dc, props.get("description")) + el("dc:subject", dc, props.get("subject"))
            + f"<dcterms:created{terms}>{_stamp(when)}</dcterms:created>"
            + f"<dcterms:modified{terms}>{_stamp(when)}</dcterms:modified>"
            + el("cp:lastModifiedBy", "", creator) + el("cp:category", "", props.get("category"))
            + el("cp:keywords", "", props.get("keywords")) + "</cp:coreProperties>").encode("utf-8")


def workbook_xml(spec: ReportSpec) -> bytes:
    r = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    out = ['<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><workbookPr/>'
           '<workbookProtection/><bookViews><workbookView visibility="visible" minimized="0" showHorizontalScroll="1" '
           'showVerticalScroll="1" showSheetTabs="1" tabRatio="600" firstSheet="0" activeTab="0" '
           'autoFilterDateGrouping="1"/></bookViews><sheets>']
    out += [f'<sheet {r} name="{xmltext.attr(sh.name)}" sheetId="{i}" state="visible" r:id="rId{i}"/>'
            for i, sh in enumerate(spec.sheets, 1)]
    out.append("</sheets>")
    names = []
    for i, sh in enumerate(spec.sheets):
        rows = sh.repeat_rows
        if rows:
            quoted = "'" + sh.name.replace("'", "''") + "'"
            names.append(f'<definedName name="_xlnm.Print_Titles" localSheetId="{i}">'
                         f"{xmltext.text(f'{quoted}!${rows[0]}:${rows[1]}')}</definedName>")
    out.append("<definedNames>" + "".join(names) + "</definedNames>" if names else "<definedNames/>")
    out.append('<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>')
    return "".join(out).encode("utf-8")
