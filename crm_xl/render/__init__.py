"""Renderers: ReportSpec -> .xlsx file (written directly, crm_xl.render.parts) | ReportSpec -> live xlwings Book.

File renderer entry points (see ``docs/rendering.md``):

* :func:`render_workbook` (``crm_xl.render.xlsx``) -- a new workbook, atomically;
* :func:`refresh_workbook` (``crm_xl.render.splice``) -- the report sheets written into an
  existing workbook, everything else preserved byte for byte;
* :func:`check_package` (``crm_xl.render.opc``) -- zip-level consistency check.
"""

__all__ = ["render_workbook", "refresh_workbook", "check_package"]

from .opc import check_package
from .splice import refresh_workbook
from .xlsx import render_workbook
