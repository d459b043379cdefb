"""ReportSpec: a frozen description of report sheets that both renderers draw.

The spec says *what* goes *where*: every block has an absolute 1-based anchor (row, col),
every table its columns with semantic kinds (money, percent, date, ...), validations,
conditional formats, and every chart its type and the table columns it plots. Renderers
(``crm_xl.render.xlsx`` for files, ``crm_xl.render.book`` for a live xlwings Book) only
translate this into cells; no layout decision is taken there.

Build sheets with :func:`stack`, which places blocks top to bottom with a blank row
between them, so builders never compute row numbers by hand.

Contract (what renderers guarantee; see ``docs/rendering.md``):

* Values in ``TableBlock.data`` and ``TextBlock.lines`` are *data*: text is always written
  as text, even when it starts with ``=``, ``+``, ``-``, ``@``, tab or CR. Only
  ``ColumnSpec.formula`` produces formulas. No hyperlink or external link is created.
* A column's ``kind`` fixes its number format (:data:`NUMBER_FORMATS`, or ``fmt``) and how
  values are converted: numeric kinds write numbers (non-numeric text stays text), ``date``
  writes real date cells, ``text`` writes everything as text.
* Sheets are owned by crm_xl: a refresh replaces them whole, except the values users typed
  in ``editable`` columns, which are carried over by the table's ``key_columns``.
* The spec is plain Python + pandas: no Excel library types, so it can be pickled, compared
  and drawn by either renderer. :meth:`ReportSpec.validate` checks it before drawing.
"""

from __future__ import annotations

__all__ = [
    "NUMBER_FORMATS",
    "INPUT_FILL",
    "ColumnSpec",
    "ConditionalFormat",
    "TextBlock",
    "TableBlock",
    "as_table",
    "ChartSpec",
    "SheetSpec",
    "ReportSpec",
    "stack",
    "SpecError",
    "display_width",
]

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, Union, overload

import pandas as pd

from ..core.carry import RowLifecycle

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

INPUT_FILL = "FFF2CC"  # cells the user is expected to type into

Kind = Literal["text", "general", "int", "money", "money2", "number", "ratio", "percent", "date", "score"]

NUMERIC_KINDS = frozenset({"int", "money", "money2", "number", "ratio", "percent", "score"})

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_TABLE_NAME = re.compile(r"^[A-Za-z_\\][A-Za-z0-9_.]*$")
_CELL_LIKE = re.compile(r"^([A-Za-z]{1,3}[0-9]+|[Rr][0-9]*[Cc][0-9]*|[RrCc])$")
_ANCHOR = re.compile(r"^([A-Z]{1,3})([1-9][0-9]*)$")


MAX_ROWS = 1_048_576  # Excel's grid
MAX_COLUMNS = 16_384  # column XFD
MAX_FORMULA_CHARS = 8_192  # Excel's limit on the text of a formula


class SpecError(ValueError):
    """A ReportSpec breaks a rule of the contract (a bug in a spec builder, not user input)."""


def display_width(text: str) -> int:
    """Width of ``text`` in Excel character units: East Asian wide/full-width characters
    count 2, everything else 1 (the widest line counts for multi-line text)."""
    best = 0
    for line in str(text).split("\n"):
        w = 0
        for ch in line:
            w += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
        best = max(best, w)
    return best


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a table block.

    ``editable`` marks user-owned columns (e.g. the strategy table's 负责人/执行状态/执行结果):
    renderers keep what the user typed there across refreshes, keyed by the table's
    ``key_columns``. ``formula`` is an optional Excel formula template for formula mode,
    with ``{row}`` standing for the sheet row of the record (e.g. ``"=H{row}+I{row}"``);
    such a column needs no data. ``validation`` is a drop-down list of allowed values
    (at most 255 characters joined, no commas in items). ``width`` fixes the column width
    (otherwise it is computed from the content, CJK characters counting 2). ``fmt``
    overrides the kind's number format; ``align`` the horizontal alignment; ``wrap``
    wraps long text. ``comment`` becomes a note on the header cell.
    """

    key: str
    header: str
    kind: Kind = "text"
    width: float | None = None
    validation: tuple[str, ...] | None = None
    editable: bool = False
    formula: str | None = None
    comment: str | None = None
    fmt: str | None = None
    align: Literal["left", "center", "right"] | None = None
    wrap: bool = False
    fill: str | None = None

    @property
    def number_format(self) -> str:
        return self.fmt or NUMBER_FORMATS[self.kind]

    @property
    def background(self) -> str | None:
        """The data cells' fill colour, if any."""
        return self.fill or (INPUT_FILL if self.editable else None)


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
    bold: bool = False


@dataclass(frozen=True)
class TextBlock:
    """Lines of text; ``style`` title / heading / body / note.

    With ``merge_cols > 1`` each line is merged across that many columns and wrapped (row
    height grows with the text); with ``wrap`` a line wraps inside its own cell; otherwise
    a line simply overflows into empty cells.
    """

    lines: tuple[str, ...]
    style: Literal["title", "heading", "body", "note"] = "body"
    row: int = 1
    col: int = 1
    merge_cols: int = 1  # how many columns the text may span visually
    wrap: bool = False

    @property
    def height(self) -> int:
        return len(self.lines)


@dataclass(frozen=True, eq=False)
class TableBlock:
    """A rectangular table rendered as an Excel Table (header + rows).

    ``data`` has one column per :class:`ColumnSpec` key, in any order; renderers use the
    columns' order. ``name`` is the Excel table name (ASCII, unique in the workbook).
    ``key_columns`` identify a record across refreshes (needed when a column is editable).
    ``lifecycle`` (optional) keeps the user's row order on refresh, appends new rows and
    marks rows no longer produced (:class:`crm_xl.core.carry.RowLifecycle`).
    ``carried_over`` says the editable values were already merged from the previous version
    of this table in the workbook the spec is drawn into (the caller read it, e.g. the
    strategy table that effect tracking needed): renderers then neither read the old rows
    again nor merge a second time (the merge is idempotent, so this only saves the work).
    With ``as_excel_table=False`` the block is drawn as a plain formatted range.
    A table with no rows still occupies one (blank) data row.
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
    # what a refresh does with rows no longer produced (crm_xl.core.carry; the strategy table)
    lifecycle: RowLifecycle | None = None
    carried_over: bool = False

    @property
    def needs_carry_over(self) -> bool:
        """Whether a refresh must read this table's old rows and merge the user's entries."""
        return not self.carried_over and any(c.editable for c in self.columns)

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

    ``kind='funnel'`` is drawn as a horizontal bar chart of the stages in table order, the
    first stage on top (builders put stages in funnel order). ``anchor`` is the top-left
    cell, e.g. "H2"; size in centimetres. ``table`` may live on any sheet of the spec.
    ``secondary`` names series (also listed in ``series``) drawn on a secondary value axis
    (e.g. NPS next to a repurchase rate); ``data_labels`` shows values (percent for pie).
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
    secondary: tuple[str, ...] = ()
    data_labels: bool = False


Block = Union[TextBlock, TableBlock]


def as_table(block: Block) -> TableBlock:
    """``block``, which a builder knows to be a table (e.g. the last one it stacked)."""
    if not isinstance(block, TableBlock):
        raise TypeError(f"expected a table block, got {type(block).__name__}")
    return block


@dataclass(frozen=True)
class SheetSpec:
    """One report sheet.

    ``freeze`` is the top-left cell of the scrolling pane (``"A5"`` freezes rows 1-4).
    ``print_title_rows`` (e.g. ``(4, 4)``) repeats rows on every printed page; by default
    the header row of the sheet's first table. ``column_widths`` fixes widths by column
    number and wins over computed widths.
    """

    name: str
    blocks: tuple[Block, ...]
    charts: tuple[ChartSpec, ...] = ()
    tab_color: str | None = None
    freeze: str | None = None  # e.g. "A2"
    landscape: bool = True
    column_widths: tuple[tuple[int, float], ...] = ()  # extra (col, width) for text columns
    kind: Literal["report", "data", "settings", "log", "guide"] = "report"
    gridlines: bool = False
    print_title_rows: tuple[int, int] | None = None
    fit_width: bool = True

    @property
    def tables(self) -> tuple[TableBlock, ...]:
        return tuple(b for b in self.blocks if isinstance(b, TableBlock))

    @property
    def repeat_rows(self) -> tuple[int, int] | None:
        """Rows repeated on printed pages: ``print_title_rows`` or the first table's header."""
        if self.print_title_rows:
            return self.print_title_rows
        for t in self.tables:
            return (t.header_row, t.header_row)
        return None

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

    def find_table(self, name: str) -> tuple[SheetSpec, TableBlock]:
        """The sheet holding table ``name`` and the table."""
        for s in self.sheets:
            for t in s.tables:
                if t.name == name:
                    return s, t
        raise KeyError(name)

    def subset(self, names: tuple[str, ...] | list[str]) -> "ReportSpec":
        """The same spec with only the sheets ``names`` (in spec order)."""
        keep = set(names)
        return replace(self, sheets=tuple(s for s in self.sheets if s.name in keep))

    def validate(self) -> "ReportSpec":
        """Check the contract; raise :class:`SpecError` naming the first problem found.

        Excel's grid and limits: every block within 1,048,576 rows and 16,384 columns (XFD),
        formula templates within 8,192 characters, sheet names 1-31 characters counted in
        UTF-16 units as Excel counts them.
        Sheet names: 1-31 characters, none of ``[]:*?/\\``, unique ignoring case. Table
        names: ASCII identifiers that do not look like cell references, unique ignoring
        case across the workbook. Headers: non-empty, unique per table ignoring case.
        Data frames hold every non-formula column. Editable columns need key columns.
        Validation lists fit Excel's 255-character limit. Charts refer to existing tables
        and columns. Blocks on a sheet do not overlap. Returns ``self``.
        """
        seen_sheets: set[str] = set()
        seen_tables: set[str] = set()
        for sh in self.sheets:
            n = sh.name
            if not (1 <= len(n.encode("utf-16-le", "surrogatepass")) // 2 <= 31) or _SHEET_FORBIDDEN.search(n) or n.startswith("'") or n.endswith("'"):
                raise SpecError(f"invalid sheet name {n!r}")
            if n.lower() in seen_sheets or n.lower() == "history":
                raise SpecError(f"duplicate or reserved sheet name {n!r}")
            seen_sheets.add(n.lower())
            if sh.freeze and not _ANCHOR.match(sh.freeze):
                raise SpecError(f"sheet {n!r}: freeze {sh.freeze!r} is not a cell like 'A2'")
            boxes: list[tuple[int, int, int, int, str]] = []
            for b in sh.blocks:
                if isinstance(b, TableBlock):
                    _validate_table(n, b, seen_tables)
                    box = (b.row, b.col, b.last_row, b.col + len(b.columns) - 1, b.name)
                else:
                    if not b.lines:
                        raise SpecError(f"sheet {n!r}: empty text block at row {b.row}")
                    box = (b.row, b.col, b.row + b.height - 1, b.col + max(b.merge_cols, 1) - 1, "text")
                if box[0] < 1 or box[1] < 1:
                    raise SpecError(f"sheet {n!r}: block {box[4]!r} anchored outside the sheet")
                if box[2] > MAX_ROWS or box[3] > MAX_COLUMNS:
                    raise SpecError(f"sheet {n!r}: block {box[4]!r} ends at row {box[2]}, column {box[3]}: beyond "
                                    f"Excel's {MAX_ROWS:,} rows x {MAX_COLUMNS:,} columns")
                for o in boxes:
                    if box[0] <= o[2] and o[0] <= box[2] and box[1] <= o[3] and o[1] <= box[3]:
                        raise SpecError(f"sheet {n!r}: blocks {o[4]!r} and {box[4]!r} overlap")
                boxes.append(box)
        for sh in self.sheets:
            for ch in sh.charts:
                try:
                    _, t = self.find_table(ch.table)
                except KeyError:
                    raise SpecError(f"chart {ch.title!r}: no table {ch.table!r}") from None
                keys = {c.key for c in t.columns}
                for k in (ch.category, *ch.series, *ch.secondary):
                    if k not in keys:
                        raise SpecError(f"chart {ch.title!r}: table {ch.table!r} has no column {k!r}")
                if not ch.series or not set(ch.secondary) <= set(ch.series):
                    raise SpecError(f"chart {ch.title!r}: series missing or secondary not among series")
                if not _ANCHOR.match(ch.anchor):
                    raise SpecError(f"chart {ch.title!r}: anchor {ch.anchor!r} is not a cell like 'H2'")
        return self


def _validate_table(sheet: str, t: TableBlock, seen: set[str]) -> None:
    if not _TABLE_NAME.match(t.name) or _CELL_LIKE.match(t.name) or len(t.name) > 255:
        raise SpecError(f"sheet {sheet!r}: invalid table name {t.name!r} (ASCII identifier, not a cell reference)")
    if t.name.lower() in seen:
        raise SpecError(f"duplicate table name {t.name!r}")
    seen.add(t.name.lower())
    if not t.columns:
        raise SpecError(f"table {t.name!r} has no columns")
    headers: set[str] = set()
    for c in t.columns:
        h = c.header.strip().lower()
        if not h or h in headers or "\n" in c.header or "\r" in c.header:
            raise SpecError(f"table {t.name!r}: empty, multi-line or duplicate header {c.header!r}")
        headers.add(h)
        if c.formula is None and c.key not in t.data.columns:
            raise SpecError(f"table {t.name!r}: data has no column {c.key!r}")
        if c.formula is not None and len(c.formula) + 8 > MAX_FORMULA_CHARS:  # + room for {row} numbers
            raise SpecError(f"table {t.name!r}: formula of {c.key!r} is longer than Excel's {MAX_FORMULA_CHARS:,} characters")
        if c.validation is not None:
            if any("," in v or '"' in v for v in c.validation) or len(",".join(c.validation)) > 255 or not c.validation:
                raise SpecError(f"table {t.name!r}: validation list of {c.key!r} too long or has ',' / '\"'")
        if c.kind not in NUMBER_FORMATS:
            raise SpecError(f"table {t.name!r}: unknown kind {c.kind!r}")
    keys = {c.key for c in t.columns}
    if any(c.editable for c in t.columns) and not t.key_columns:
        raise SpecError(f"table {t.name!r}: editable columns need key_columns")
    for k in t.key_columns:
        if k not in keys:
            raise SpecError(f"table {t.name!r}: key column {k!r} is not a column")
    if t.lifecycle is not None and (t.lifecycle.mark_column not in keys or not t.key_columns):
        raise SpecError(f"table {t.name!r}: lifecycle needs key_columns and its mark column among the columns")
    for cf in t.conditional_formats:
        if cf.column not in keys:
            raise SpecError(f"table {t.name!r}: conditional format on unknown column {cf.column!r}")


@overload
def stack(blocks: Sequence[TableBlock], *, start_row: int = 1, col: int = 1, gap: int = 1) -> tuple[TableBlock, ...]: ...


@overload
def stack(blocks: Sequence[Block], *, start_row: int = 1, col: int = 1, gap: int = 1) -> tuple[Block, ...]: ...


def stack(blocks: Sequence[Block], *, start_row: int = 1, col: int = 1, gap: int = 1) -> tuple[Block, ...]:
    """Place ``blocks`` top to bottom from ``start_row``, ``gap`` blank rows apart (tables
    stay tables)."""
    placed: list[Block] = []
    row = start_row
    for b in blocks:
        b = replace(b, row=row, col=col)
        placed.append(b)
        row = row + b.height + gap
    return tuple(placed)
