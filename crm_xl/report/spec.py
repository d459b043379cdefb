"""ReportSpec: a frozen description of report sheets that both renderers draw.

The spec says *what* goes *where*: every block has an absolute 1-based anchor (row, col),
every table its columns with semantic kinds (money, percent, date, ...), validations,
conditional formats, and every chart its type and the table columns it plots. Renderers
(``crm_xl.render.xlsx`` for files, ``crm_xl.render.book`` for a live xlwings Book) only
translate this into cells; no layout decision is taken there.

Build sheets with :func:`stack`, which places blocks top to bottom with a blank row
between them, so builders never compute row numbers by hand.
"""

from __future__ import annotations

__all__ = [
    "NUMBER_FORMATS",
    "ColumnSpec",
    "ConditionalFormat",
    "TextBlock",
    "TableBlock",
    "ChartSpec",
    "SheetSpec",
    "ReportSpec",
    "stack",
]

from dataclasses import dataclass, field, replace
from typing import Literal, Union

import pandas as pd

# Semantic column kind -> Excel number format. One place, both renderers.
NUMBER_FORMATS: dict[str, str] = {
    "text": "@",
    "general": "General",
    "int": "#,##0",
    "money": "#,##0",  # 元, thousands separators (Template 1 prints 150,000)
    "money2": "#,##0.00",
    "number": "#,##0.00",
    "ratio": "0.00",
    "percent": "0.0%",
    "date": "yyyy-mm-dd",
    "score": "0",
}

Kind = Literal["text", "general", "int", "money", "money2", "number", "ratio", "percent", "date", "score"]


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a table block.

    ``editable`` marks user-owned columns (e.g. the strategy table's 负责人/执行状态/执行结果):
    renderers keep what the user typed there across refreshes, keyed by the table's
    ``key_columns``. ``formula`` is an optional Excel formula template for formula mode,
    with ``{row}`` standing for the sheet row of the record.
    """

    key: str
    header: str
    kind: Kind = "text"
    width: float | None = None
    validation: tuple[str, ...] | None = None
    editable: bool = False
    formula: str | None = None
    comment: str | None = None

    @property
    def number_format(self) -> str:
        return NUMBER_FORMATS[self.kind]


@dataclass(frozen=True)
class ConditionalFormat:
    """Highlight cells of ``column`` (or the whole row when ``whole_row``).

    ``kind='equals'`` compares to ``value`` (text); ``kind='formula'`` uses ``value`` as an
    Excel formula written for the table's first data row, with ``{col}`` standing for the
    column letter of ``column`` and ``{row}`` for the first data row number.
    """

    column: str
    kind: Literal["equals", "formula"]
    value: str
    fill: str  # "RRGGBB"
    font_color: str | None = None
    whole_row: bool = False


@dataclass(frozen=True)
class TextBlock:
    """Lines of text; ``style`` title / heading / body / note."""

    lines: tuple[str, ...]
    style: Literal["title", "heading", "body", "note"] = "body"
    row: int = 1
    col: int = 1
    merge_cols: int = 1  # how many columns the text may span visually

    @property
    def height(self) -> int:
        return len(self.lines)


@dataclass(frozen=True, eq=False)
class TableBlock:
    """A rectangular table rendered as an Excel Table (header + rows).

    ``data`` has one column per :class:`ColumnSpec` key, in any order; renderers use the
    columns' order. ``name`` is the Excel table name (ASCII, unique in the workbook).
    """

    name: str
    columns: tuple[ColumnSpec, ...]
    data: pd.DataFrame
    title: str | None = None
    style: str = "TableStyleMedium2"
    conditional_formats: tuple[ConditionalFormat, ...] = ()
    key_columns: tuple[str, ...] = ()
    row: int = 1
    col: int = 1
    as_excel_table: bool = True

    @property
    def header_row(self) -> int:
        return self.row + (1 if self.title else 0)

    @property
    def first_data_row(self) -> int:
        return self.header_row + 1

    @property
    def last_row(self) -> int:
        return self.header_row + max(len(self.data), 1) if self.as_excel_table else self.header_row + len(self.data)

    @property
    def height(self) -> int:
        return self.last_row - self.row + 1

    def column_index(self, key: str) -> int:
        """1-based sheet column of ``key``."""
        for i, c in enumerate(self.columns):
            if c.key == key:
                return self.col + i
        raise KeyError(key)


@dataclass(frozen=True)
class ChartSpec:
    """A native Excel chart over a table block's columns.

    ``kind='funnel'`` is drawn as a bar chart of stages (largest on top). ``anchor`` is the
    top-left cell, e.g. "H2"; size in centimetres.
    """

    kind: Literal["pie", "bar", "column", "line", "funnel"]
    title: str
    table: str
    category: str
    series: tuple[str, ...]
    anchor: str
    width_cm: float = 16.0
    height_cm: float = 8.0
    y_axis_title: str | None = None
    x_axis_title: str | None = None


Block = Union[TextBlock, TableBlock]


@dataclass(frozen=True)
class SheetSpec:
    """One report sheet."""

    name: str
    blocks: tuple[Block, ...]
    charts: tuple[ChartSpec, ...] = ()
    tab_color: str | None = None
    freeze: str | None = None  # e.g. "A2"
    landscape: bool = True
    column_widths: tuple[tuple[int, float], ...] = ()  # extra (col, width) for text columns
    kind: Literal["report", "data", "settings", "log", "guide"] = "report"

    def table(self, name: str) -> TableBlock:
        for b in self.blocks:
            if isinstance(b, TableBlock) and b.name == name:
                return b
        raise KeyError(name)


@dataclass(frozen=True)
class ReportSpec:
    """All sheets of a report, in workbook order."""

    sheets: tuple[SheetSpec, ...]
    lang: Literal["zh", "en"] = "zh"
    properties: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def sheet(self, name: str) -> SheetSpec:
        for s in self.sheets:
            if s.name == name:
                return s
        raise KeyError(name)

    @property
    def sheet_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.sheets)


def stack(blocks: list[Block], *, start_row: int = 1, col: int = 1, gap: int = 1) -> tuple[Block, ...]:
    """Place ``blocks`` top to bottom from ``start_row``, ``gap`` blank rows apart."""
    placed: list[Block] = []
    row = start_row
    for b in blocks:
        b = replace(b, row=row, col=col)
        placed.append(b)
        row = row + b.height + gap
    return tuple(placed)
