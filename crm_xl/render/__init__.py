"""Renderers: ReportSpec -> .xlsx file (openpyxl) | ReportSpec -> live xlwings Book."""
