"""What reading produces: :class:`RawTable` (a sheet as read), :class:`Sources` (the raw tables
found, per canonical table) and :class:`SheetRows` (a sheet's rows with its merged ranges)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..mapping import SourceMapping


@dataclass
class RawTable:
    """A sheet as read: ``frame`` has the user's headers; ``header_row`` is the Excel row
    number of the header (so data row i is Excel row header_row + 1 + i)."""

    table: str
    sheet: str
    frame: pd.DataFrame
    header_row: int = 1
    path: str = ""
    unknown_sheets: list[str] = field(default_factory=list)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    """Merged ranges below the header as (first row, first column, last row, last column),
    0-based positions in ``frame`` (row i of the frame is Excel row header_row + 1 + i)."""
    mapping: dict[int, str] | None = None
    """Column position in ``frame`` -> canonical key, as detected and corrected (None:
    cleaning detects it from the headers)."""
    source: SourceMapping | None = None
    external: bool = False
    """The data lives outside the workbook (a database table or query, :func:`add_frame_source`):
    a new workbook's copy is named by its table (订单), and the 字段映射 keeps the source's own name."""
    total_rows: int | None = None
    """Rows of the source table when ``frame`` holds only its first rows (a table whose rules
    the engine applied: :mod:`crm_xl.sources.engine_orders`)."""
    pushed: object = None
    """:class:`crm_xl.core.pushed_orders.PushedOrders` of such a table (cleaning uses it instead of ``frame``)."""


class Sources(dict):
    """The tables read from the inputs: table key -> list of :class:`RawTable` (several
    files or sheets of one kind are stacked by cleaning), plus ``mappings`` (how every
    source was read, skipped ones included, in reading order) and ``warnings`` (zh/en)."""

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.mappings: list[SourceMapping] = []
        self.warnings: list[tuple[str, str]] = []
        self._open: list = []  # connections the tables still read from (an orders table an engine holds)

    def keep_open(self, connection) -> None:
        """Close ``connection`` with :meth:`close`, not before: an engine holds orders read through it."""
        self._open.append(connection)

    def close(self) -> None:
        """Close the connections the tables still read from (once the report is built)."""
        while self._open:
            self._open.pop().close()

    @property
    def unknown_sheets(self) -> list[str]:
        return [m.source for m in self.mappings if m.table is None]

    def add(self, rt: RawTable) -> None:
        self.setdefault(rt.table, []).append(rt)

    def absorb(self, other: "Sources") -> None:
        for k, v in other.items():
            self.setdefault(k, []).extend(v)
        self.mappings.extend(other.mappings)
        self.warnings.extend(other.warnings)


class SheetRows(list):
    """A sheet's rows of cell values (a plain list) that also carries the sheet's merged
    ranges: ``merged`` holds (first row, first column, last row, last column), 0-based
    indices into the rows and cells, inclusive."""

    merged: tuple[tuple[int, int, int, int], ...] = ()
    date1904: bool = False
    """The workbook uses the 1904 date system (numbers in date columns are its serials)."""

    def __init__(self, rows=(), merged=(), date1904: bool = False):
        super().__init__(rows)
        self.merged = tuple(tuple(int(x) for x in m) for m in merged)
        self.date1904 = bool(date1904)
