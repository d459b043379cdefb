"""Reading CRM data: workbook data sheets and CSV/XLSX exports.

* .xlsx/.xlsm (and legacy .xls, which python-calamine also reads) are read with
  python-calamine (fast; imported lazily so the package still imports in xlwings Lite
  where it is absent), after :func:`crm_xl.safety.check_workbook_file` has refused
  encrypted files, non-workbooks and zip bombs, and :func:`crm_xl.safety.scan_sheets` has
  checked each sheet's extent (a lone cell at XFD1048576 would make calamine allocate a
  17-billion-cell grid) and found Excel error cells, which calamine returns empty.
* CSV encodings are sniffed: UTF-8, UTF-8 with BOM, UTF-16 with BOM; otherwise
  charset-normalizer chooses among GB18030 (a superset of GBK, preferred when it fits about
  as well), Big5, Shift-JIS and Windows-1252.
* Title rows above the header (用友/钉钉 exports put a report title and an export date
  there) are skipped: the header is the row among the first 15 that matches most of a
  table's columns.
* Sheets are matched to tables by name (``schema.table_for_sheet``) or, failing that,
  by their headers.

Workbooks in the 1904 date system (``<workbookPr date1904="1"/>``, Mac Excel's old
default): python-calamine already returns date-formatted cells as the right dates; a bare
number in a date column (a serial without a date format) is the one value whose meaning
depends on the workbook, so it is turned into its date here, where the workbook is known.

Values arrive as read (no parsing here): cleaning (``crm_xl.core.clean``) does that and
names the sheet, row and column of every problem.

Merged cells (see ``docs/data-intake.md``): workbook readers return each sheet's merged
ranges with its rows (:class:`SheetRows`). A header merged down over title rows gives
its text to the header row; a header merged across several columns is one column when
the columns it covers hold no data, and a clear error naming the cells when they do.
Merges below the header travel with the table (``RawTable.merged``) to cleaning, which
fills or reports the covered cells and logs each one.

Modules: :mod:`.tables` (what reading produces), :mod:`.workbook` (workbooks),
:mod:`.csv_text` (CSV text), :mod:`.sheets` (from rows to a frame: header location, merged
headers), :mod:`.collect` (files to sources: table matching, column mapping); this package
re-exports their public names.
"""

from __future__ import annotations

from .collect import add_frame_source, read_csv, read_sources, read_workbook, tables_from_sheet_rows
from .tables import RawTable, SheetRows, Sources
from .workbook import read_sheet_rows

__all__ = ["RawTable", "SheetRows", "Sources", "read_sources", "read_workbook", "read_csv", "read_sheet_rows",
           "tables_from_sheet_rows", "add_frame_source"]
