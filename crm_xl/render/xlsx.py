"""ReportSpec -> .xlsx file with openpyxl.

Draws what the spec says, nothing more: text blocks, tables as Excel Tables with number
formats by semantic kind, widths, frozen header, validation lists, conditional formats,
native charts, print setup. Text from data is always written as text: a value starting
with ``=``, ``+``, ``-`` or ``@`` never becomes a formula (formula injection), and no
hyperlink is created from data.
"""

from __future__ import annotations

__all__ = ["render_workbook", "write_spec"]

import datetime as dt
import math
import os
import unicodedata

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, PieChart, Reference
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo

from ..atomic import atomic_write
from ..report.spec import ReportSpec, SheetSpec, TableBlock, TextBlock

_TEXT_STYLES = {
    "title": Font(size=16, bold=True, color="1F3864"),
    "heading": Font(size=12, bold=True, color="1F3864"),
    "body": Font(size=11),
    "note": Font(size=9, italic=True, color="595959"),
}
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
_ILLEGAL = {chr(i) for i in range(32)} - {"\t", "\n", "\r"}


def _display_width(v: object) -> int:
    s = v if isinstance(v, str) else ("" if v is None else str(v))
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s[:80])


def _clean_value(v: object) -> object:
    """Python value for a cell: NaN/NA -> None, numpy -> Python, Timestamp -> datetime."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, np.generic):
        v = v.item()
        if isinstance(v, float) and math.isnan(v):
            return None
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if isinstance(v, str) and any(ch in _ILLEGAL for ch in v):
        return "".join(ch for ch in v if ch not in _ILLEGAL)
    return v


def _set(cell, value: object, number_format: str | None = None) -> None:
    value = _clean_value(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text starts with
    if number_format and value is not None:
        cell.number_format = number_format


def _draw_text(ws, b: TextBlock) -> None:
    for i, line in enumerate(b.lines):
        c = ws.cell(row=b.row + i, column=b.col)
        _set(c, line)
        c.font = _TEXT_STYLES[b.style]
        c.alignment = Alignment(vertical="top", wrap_text=False)


def _draw_table(ws, b: TableBlock, widths: dict[int, int]) -> None:
    if b.title:
        c = ws.cell(row=b.row, column=b.col)
        _set(c, b.title)
        c.font = _TEXT_STYLES["heading"]
    hr = b.header_row
    for j, col in enumerate(b.columns):
        c = ws.cell(row=hr, column=b.col + j)
        _set(c, col.header)
        c.font = _HEADER_FONT
        c.fill = _HEADER_FILL
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        widths[b.col + j] = max(widths.get(b.col + j, 0), _display_width(col.header) + 2)
    data = b.data
    for j, col in enumerate(b.columns):
        colno = b.col + j
        values = data[col.key].tolist() if col.key in data.columns else [None] * len(data)
        fmt = col.number_format
        w = widths.get(colno, 0)
        for i, v in enumerate(values):
            cell = ws.cell(row=hr + 1 + i, column=colno)
            if col.formula:
                cell.value = col.formula.format(row=hr + 1 + i)
                cell.number_format = fmt
            else:
                if col.kind == "date" and isinstance(_clean_value(v), (dt.datetime, dt.date)):  # NaT -> None above
                    v = _clean_value(v)
                    v = v.date() if isinstance(v, dt.datetime) else v
                _set(cell, v, fmt)
            if i < 500:
                cv = _clean_value(v)
                shown = cv.strftime("%Y-%m-%d") if isinstance(cv, (dt.date, dt.datetime)) else (
                    f"{cv:,.2f}" if isinstance(cv, float) else cv)
                w = max(w, _display_width(shown) + 2)
        widths[colno] = w if col.width is None else int(col.width)
    last_row = b.last_row
    last_col = b.col + len(b.columns) - 1
    ref = f"{get_column_letter(b.col)}{hr}:{get_column_letter(last_col)}{last_row}"
    if b.as_excel_table and b.columns:
        t = Table(displayName=b.name, ref=ref)
        t.tableStyleInfo = TableStyleInfo(name=b.style, showRowStripes=True)
        ws.add_table(t)
    first, last = b.first_data_row, max(b.first_data_row, last_row)
    for j, col in enumerate(b.columns):
        if col.validation:
            letter = get_column_letter(b.col + j)
            dv = DataValidation(type="list", formula1='"' + ",".join(col.validation) + '"', allow_blank=True)
            dv.error = "请从下拉列表中选择 / choose from the list"
            dv.add(f"{letter}{first}:{letter}{last}")
            ws.add_data_validation(dv)
    for cf in b.conditional_formats:
        j = [c.key for c in b.columns].index(cf.column)
        letter = get_column_letter(b.col + j)
        if cf.kind == "equals":
            formula = f'${letter}{first}="{cf.value}"'
        else:
            formula = cf.value.format(col=letter, row=first)
        rng = (f"{get_column_letter(b.col)}{first}:{get_column_letter(last_col)}{last}" if cf.whole_row
               else f"{letter}{first}:{letter}{last}")
        font = Font(color=cf.font_color) if cf.font_color else None
        ws.conditional_formatting.add(rng, FormulaRule(formula=[formula], fill=PatternFill("solid", bgColor=cf.fill), font=font))


def _draw_chart(ws, sheet: SheetSpec, ch) -> None:
    tb = sheet.table(ch.table)
    first, last = tb.first_data_row, tb.first_data_row + max(len(tb.data), 1) - 1
    cat_col = tb.column_index(ch.category)
    cats = Reference(ws, min_col=cat_col, min_row=first, max_row=last)
    if ch.kind == "pie":
        chart = PieChart()
    elif ch.kind == "line":
        chart = LineChart()
    else:
        chart = BarChart()
        chart.type = "bar" if ch.kind in ("bar", "funnel") else "col"
        if ch.kind == "funnel":
            chart.y_axis.scaling.orientation = "minMax"
            chart.x_axis.scaling.orientation = "maxMin"  # first stage on top
    for key in ch.series:
        col = tb.column_index(key)
        chart.add_data(Reference(ws, min_col=col, min_row=tb.header_row, max_row=last), titles_from_data=True)
    chart.set_categories(cats)
    chart.title = ch.title
    if ch.y_axis_title and hasattr(chart, "y_axis"):
        chart.y_axis.title = ch.y_axis_title
    if ch.x_axis_title and hasattr(chart, "x_axis"):
        chart.x_axis.title = ch.x_axis_title
    chart.width, chart.height = ch.width_cm, ch.height_cm
    ws.add_chart(chart, ch.anchor)


def write_spec(spec: ReportSpec, wb: Workbook) -> Workbook:
    """Draw every sheet of ``spec`` into ``wb`` (existing sheets of the same name are replaced)."""
    for sheet in spec.sheets:
        if sheet.name in wb.sheetnames:
            del wb[sheet.name]
        ws = wb.create_sheet(sheet.name)
        if sheet.tab_color:
            ws.sheet_properties.tabColor = sheet.tab_color
        widths: dict[int, int] = {}
        for b in sheet.blocks:
            if isinstance(b, TextBlock):
                _draw_text(ws, b)
            else:
                _draw_table(ws, b, widths)
        for col, w in widths.items():
            ws.column_dimensions[get_column_letter(col)].width = min(max(w, 8), 60)
        for col, w in sheet.column_widths:
            ws.column_dimensions[get_column_letter(col)].width = w
        for ch in sheet.charts:
            _draw_chart(ws, sheet, ch)
        if sheet.freeze:
            ws.freeze_panes = sheet.freeze
        ws.page_setup.orientation = "landscape" if sheet.landscape else "portrait"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    return wb


def render_workbook(spec: ReportSpec, path: str | os.PathLike) -> None:
    """Write ``spec`` as a new workbook at ``path`` (atomically)."""
    wb = Workbook()
    wb.remove(wb.active)
    write_spec(spec, wb)
    wb.properties.creator = "crm_xl"
    wb.properties.title = "CRM 分析报告" if spec.lang == "zh" else "CRM analysis report"
    fixed = dt.datetime(2000, 1, 1)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    atomic_write(path, lambda tmp: wb.save(tmp))
