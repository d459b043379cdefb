"""xl/tables/tableN.xml: one Excel table (header row, autofilter, style), as openpyxl wrote it."""

from __future__ import annotations

__all__ = ["table_xml"]

from ...report.spec import TableBlock
from ..sheetdata import column_letter
from . import xmltext


def table_xml(t: TableBlock, table_id: int) -> bytes:
    ref = f"{column_letter(t.col)}{t.header_row}:{column_letter(t.col + len(t.columns) - 1)}{t.last_row}"
    name = xmltext.attr(t.name)
    out = [f'<table id="{table_id}" name="{name}" displayName="{name}" ref="{ref}" headerRowCount="1" '
           f'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><autoFilter ref="{ref}"/>'
           f'<tableColumns count="{len(t.columns)}">']
    out += [f'<tableColumn id="{i}" name="{xmltext.attr(c.header)}"/>' for i, c in enumerate(t.columns, 1)]
    out.append(f'</tableColumns><tableStyleInfo name="{xmltext.attr(t.style)}" showFirstColumn="0" '
               'showLastColumn="0" showRowStripes="1" showColumnStripes="0"/></table>')
    return "".join(out).encode("utf-8")
