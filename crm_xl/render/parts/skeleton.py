"""A new report's package without its cells, written directly: :func:`build_skeleton`."""

from __future__ import annotations

__all__ = ["build_skeleton"]

import datetime as dt

from ...report.spec import ReportSpec
from ..sheetdata import StringSink
from . import Skeleton
from .chart_xml import chart_xml, drawing_xml
from .comments_xml import comments_vml, comments_xml
from .sheet_xml import LABELS, SheetDraft, draw_sheet, worksheet_xml
from .styles_xml import StyleBook, Styles
from .tables_xml import table_xml
from .theme import THEME_XML
from .workbook_xml import APP_XML, ROOT_RELS, content_types, core_xml, rels, workbook_rels, workbook_xml


class _Package:
    """The parts in the order openpyxl wrote them, with their content types and counters."""

    def __init__(self, spec: ReportSpec) -> None:
        self.spec = spec
        self.labels = LABELS.get(spec.lang, LABELS["en"])
        self.styles = Styles()
        self.parts: dict[str, bytes] = {}
        self.overrides: list[tuple[str, str]] = []
        self.charts: list = []
        self.drawings = self.comments = self.tables = 0

    def add(self, name: str, data: bytes, kind: str | None = None) -> None:
        self.parts[name] = data
        if kind:
            self.overrides.append((name, kind))

    def sheet(self, i: int, d: SheetDraft, code_name: str | None) -> None:
        """The worksheet part of sheet ``i`` (from 1), then the parts it refers to, and its rels."""
        items: list[tuple[str, str, str]] = []  # (type, target, id): drawing, tables, comments, VML
        drawing = None
        if d.sheet.charts:
            self.drawings += 1
            drawing = f"xl/drawings/drawing{self.drawings}.xml"
            items.append(("drawing", "/" + drawing, "rId1"))
        tables = []
        for t in d.tables:
            self.tables += 1
            tables.append((t, self.tables))
            items.append(("table", f"/xl/tables/table{self.tables}.xml", f"rId{len(items) + 1}"))
        self.add(f"xl/worksheets/sheet{i}.xml", worksheet_xml(
            d, self.styles, self.labels, code_name=code_name, drawing=drawing is not None, comments=bool(d.comments),
            table_rids=[rid for kind, _, rid in items if kind == "table"]), "worksheet")
        if drawing is not None:
            chart_rels = []
            for k, ch in enumerate(d.sheet.charts, 1):
                self.charts.append(ch)
                chart_rels.append(("chart", f"/xl/charts/chart{len(self.charts)}.xml", f"rId{k}"))
            self.add(drawing, drawing_xml(list(d.sheet.charts)), "drawing")
            self.add(f"xl/drawings/_rels/drawing{self.drawings}.xml.rels", rels(chart_rels))
        if d.comments:
            self.comments += 1
            notes = sorted(d.comments, key=lambda n: (n[0], n[1]))  # in cell order
            part, vml = f"xl/comments/comment{self.comments}.xml", f"xl/drawings/commentsDrawing{self.comments}.vml"
            self.add(part, comments_xml(notes), "comments")
            self.add(vml, comments_vml(notes))
            items += [("comments", "/" + part, "comments"), ("vmlDrawing", "/" + vml, "anysvml")]
        for t, n in tables:
            self.add(f"xl/tables/table{n}.xml", table_xml(t, n), "table")
        if items:
            self.add(f"xl/worksheets/_rels/sheet{i}.xml.rels", rels(items))


def build_skeleton(spec: ReportSpec, sink: StringSink, code_names: dict[str, str] | None = None) -> Skeleton:
    """Every part of ``spec``'s package, its worksheets' cells apart (which go to ``sink``'s strings,
    but the raw data sheets' text, which goes inline). ``code_names``: VBA code names by sheet name."""
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    pkg = _Package(spec)
    sb = StyleBook(pkg.styles)
    # the raw data sheets' text goes inline (value for value the same cells): their cell XML
    # then depends on no other sheet's strings and can be made beside the report's (crm_xl.render.xlsx)
    own = StringSink("inline") if sink.mode == "shared" else sink
    drafts = [draw_sheet(sh, own if sh.kind == "data" else sink, sb) for sh in spec.sheets]
    pkg.add("docProps/app.xml", APP_XML)
    pkg.add("docProps/core.xml", core_xml(spec, now))
    pkg.add("xl/theme/theme1.xml", THEME_XML)
    for i, d in enumerate(drafts, 1):
        pkg.sheet(i, d, (code_names or {}).get(d.sheet.name))
    for i, ch in enumerate(pkg.charts, 1):
        pkg.add(f"xl/charts/chart{i}.xml", chart_xml(spec, ch), "chart")
    pkg.add("xl/styles.xml", pkg.styles.xml())
    pkg.add("_rels/.rels", ROOT_RELS)
    pkg.add("xl/workbook.xml", workbook_xml(spec))
    pkg.add("xl/_rels/workbook.xml.rels", workbook_rels(len(spec.sheets)))
    pkg.add("[Content_Types].xml", content_types(pkg.overrides, vml=pkg.comments > 0))
    created = dict(spec.properties).get("created")
    return Skeleton(pkg.parts, {d.sheet.name: d.cells for d in drafts},
                    dt.datetime.fromisoformat(created) if created else None)
