"""The parts of a new report's package, written directly (no openpyxl): everything but the cells.

:func:`~crm_xl.render.parts.skeleton.build_skeleton` draws a :class:`~crm_xl.report.spec.ReportSpec`
into a :class:`Skeleton`: each part's bytes in package order, each worksheet around an empty
``<sheetData/>`` that :mod:`crm_xl.render.xlsx` (a new workbook) or :mod:`crm_xl.render.splice`
(the refresh) fills with the cells of :mod:`crm_xl.render.sheetdata`. The bytes are openpyxl
3.1's (with lxml) for the same workbook, which the report was written with before issue 20:
``tests/test_skeleton_direct.py`` keeps the two equal, part for part. One module per kind of part:
``workbook_xml`` (package, properties, workbook), ``styles_xml``, ``sheet_xml``, ``tables_xml``,
``comments_xml``, ``chart_xml`` (charts and their drawings), ``theme`` and ``xmltext`` (escaping).
"""

from __future__ import annotations

__all__ = ["Skeleton"]

import datetime as dt
import zipfile
from dataclasses import dataclass

from ..sheetdata import SheetCells


@dataclass
class Skeleton:
    """A package without its cells: ``parts`` (name -> bytes, in writing order), the cells of
    each sheet by sheet name, and the fixed save time of a spec with a ``created`` date."""

    parts: dict[str, bytes]
    cells: dict[str, SheetCells]
    modified: dt.datetime | None = None

    def infolist(self) -> list[zipfile.ZipInfo]:
        """The parts as zip entries (a :class:`~crm_xl.render.opc.PackageReader` reads a Skeleton like a zip)."""
        return [zipfile.ZipInfo(name) for name in self.parts]

    def read(self, name: str) -> bytes:
        return self.parts[name]
