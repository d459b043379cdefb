"""Fast ``<sheetData>`` writer: table columns -> worksheet XML cell fragments.

:mod:`crm_xl.render.parts` writes everything around the cells (styles, tables, validations,
charts, print setup); the cells themselves are streamed from here, one column at a time with pandas /
numpy, which is what keeps a 100k-row report as fast as a raw streaming writer.

Rules enforced here (the spec's data contract):

* every value of a text column, and every non-numeric value elsewhere, is written as a
  *string* cell (shared or inline) -- never as a formula, whatever it starts with;
* formulas are written only through :func:`formula_fragments`;
* characters XML cannot carry (control characters, lone surrogates) and CR are written
  with OOXML's ``_xHHHH_`` escape, so the text round-trips exactly;
* dates become real date serials -- of the 1900 date system, or of the 1904 system when the
  cells go into a workbook that uses it (``<workbookPr date1904="1"/>``, Mac Excel's old
  default; :meth:`SheetCells.iter_xml`); NaN / NaT / None / inf stay empty.
"""

from __future__ import annotations

__all__ = [
    "StringSink",
    "SheetCells",
    "column_letter",
    "column_fragments",
    "cell_tails",
    "column_cells",
    "number_texts",
    "text_fragment",
    "formula_fragment",
    "escape_text",
    "MAX_CELL_CHARS",
    "cut_cell_text",
    "StyleMap",
    "FormattedRows",
]

import bisect
import itertools
import operator
import re
from collections.abc import Callable, Iterator

import pandas as pd

from ..a1 import column_letter
from .column_xml import DATE1904, cell_tails, column_cells, number_texts

MAX_CELL_CHARS = 32767  # Excel's limit on the text of a cell, in UTF-16 code units

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0d\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_XESC = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


def _esc_char(m: re.Match) -> str:
    return f"_x{ord(m.group(0)):04X}_"


def cut_cell_text(s: str) -> str:
    """``s`` cut to Excel's cell limit: :data:`MAX_CELL_CHARS` UTF-16 code units, which is
    how Excel counts (a character outside the Basic Multilingual Plane -- an emoji, a rare
    CJK ideograph -- takes two). A surrogate pair is never split."""
    if len(s) <= MAX_CELL_CHARS // 2:  # at most two units per code point: short enough
        return s
    b = s.encode("utf-16-le", "surrogatepass")
    if len(b) <= 2 * MAX_CELL_CHARS:
        return s
    b = b[: 2 * MAX_CELL_CHARS]
    if 0xD800 <= int.from_bytes(b[-2:], "little") <= 0xDBFF:  # a pair's first half: drop it
        b = b[:-2]
    return b.decode("utf-16-le", "surrogatepass")


def escape_text(s: str) -> str:
    """Escape ``s`` for an OOXML text element (``<t>``): ``&<>``, plus ``_xHHHH_`` for
    characters XML 1.0 cannot hold (and CR, which XML parsers would turn into LF); cut to
    Excel's :data:`MAX_CELL_CHARS` UTF-16 units (:func:`cut_cell_text`)."""
    return _escape(cut_cell_text(s))


def _escape(s: str) -> str:
    if "_x" in s:
        s = _XESC.sub(r"_x005F_\1", s)
    s = _ILLEGAL.sub(_esc_char, s)
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _t_wrap(s: str, escaped: str) -> str:
    """The ``<t>`` element of ``s``, ``xml:space="preserve"`` where spaces would be lost."""
    if s != s.strip() or "\n" in s or "\t" in s or "\r" in s:
        return f'<t xml:space="preserve">{escaped}</t>'
    return f"<t>{escaped}</t>"


def _t_element(s: str) -> str:
    return _t_wrap(s, escape_text(s))


_SEP = "\ue000"  # a private-use character: legal in XML, untouched by escaping


def _t_elements(strings: list[str]) -> list[str]:
    """:func:`_t_element` of each string, escaped all at once (one pass of each regex and
    replace over the joined strings instead of one per string)."""
    if len(strings) < 32:
        return [_t_element(u) for u in strings]
    joined = _SEP.join(strings)
    if joined.count(_SEP) != len(strings) - 1 or max(map(len, strings)) > MAX_CELL_CHARS // 2:
        return [_t_element(u) for u in strings]  # (a string holds the separator, or is cut)
    escaped = _escape(joined).split(_SEP)
    if "\n" in joined or "\t" in joined or "\r" in joined or list(map(str.strip, strings)) != strings:
        return [_t_wrap(u, e) for u, e in zip(strings, escaped, strict=True)]
    return _wrap_all("<t>", escaped, "</t>")  # (no string needs its spaces kept)


_SPLIT = "\x00"  # never in escaped text (written _x0000_), digits or markup


def _wrap_all(head: str, items: list[str], tail: str) -> list[str]:
    """``head + item + tail`` of each item, in C-level loops (no item holds :data:`_SPLIT`)."""
    if not items:
        return []
    return (head + (tail + _SPLIT + head).join(items) + tail).split(_SPLIT)


class StringSink:
    """Where string cells go: the shared-string table (``mode='shared'``, for new files)
    or inline in the cell (``mode='inline'``, for parts spliced into a user's package,
    whose own shared-string table is never touched)."""

    def __init__(self, mode: str = "shared") -> None:
        if mode not in ("shared", "inline"):
            raise ValueError(mode)
        self.mode = mode
        self._index: dict[str, int] = {}
        self._items: list[str] = []
        self.count = 0  # references, for the sst's count attribute

    def cell_suffixes(self, uniques: list[str], refs: int) -> list[str]:
        """For each distinct string: ``' t="..."'`` + closing content of its ``<c>`` element."""
        if self.mode == "inline":
            return _wrap_all(' t="inlineStr"><is>', _t_elements(uniques), "</is></c>")
        return list(map(' t="s"><v>{}</v></c>'.format, self.indexes(uniques, refs)))

    def indexes(self, uniques: list[str], refs: int) -> list[int]:
        """(``mode='shared'``) The shared-string index of each distinct string of ``uniques``,
        strings not seen before numbered next, in order of first appearance; ``refs``: how
        many cells refer to them."""
        self.count += refs
        index = self._index
        if len(uniques) < 64:
            out = []
            for u in uniques:
                i = index.get(u)
                if i is None:
                    i = index[u] = len(self._items)
                    self._items.append(u)
                out.append(i)
            return out
        # the same numbering in C-level loops
        got = list(map(index.get, uniques))
        if None not in got:
            return got
        new = list(dict.fromkeys(itertools.compress(uniques, map(operator.is_, got, itertools.repeat(None)))))
        index.update(zip(new, range(len(self._items), len(self._items) + len(new)), strict=True))
        self._items.extend(new)
        return list(map(index.__getitem__, uniques))

    def xml(self) -> bytes:
        """The ``xl/sharedStrings.xml`` part."""
        head = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            f'count="{self.count}" uniqueCount="{len(self._items)}">'
        )
        body = "".join(_wrap_all("<si>", _t_elements(self._items), "</si>"))
        return (head + body + "</sst>").encode("utf-8")


def column_fragments(
    values: pd.Series,
    kind: str,
    letter: str,
    first_row: int,
    style: int,
    strings: StringSink,
) -> list[str]:
    """One ``<c>`` element per value of ``values`` (rows ``first_row``...), by ``kind``:
    ``<c r="{letter}{row}" s="{style}"`` followed by :func:`cell_tails`."""
    return [f'<c r="{letter}{r}" s="{style}"{t}'
            for r, t in zip(range(first_row, first_row + len(values)), cell_tails(values, kind, strings), strict=True)]


def text_fragment(row: int, col: int, text: str, style: int, strings: StringSink) -> str:
    """One string cell."""
    return f'<c r="{column_letter(col)}{row}" s="{style}"' + strings.cell_suffixes([text], 1)[0]


def formula_fragment(row: int, col: int, formula: str, style: int) -> str:
    """One formula cell (no cached value: the workbook is marked for full recalculation)."""
    f = formula[1:] if formula.startswith("=") else formula
    f = f.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f'<c r="{column_letter(col)}{row}" s="{style}"><f>{f}</f></c>'


StyleMap = Callable[[int], int]


class FormattedRows:
    """Rows made when they are read: row ``i`` is ``fmt % (args[0][i], args[1][i], ...)``.

    A producer of :class:`SheetCells` may return this instead of a list: the rows are then
    made chunk by chunk as :meth:`SheetCells.iter_xml` reads them (slices), so a big table's
    XML is made while the previous chunks are being deflated and is never in memory whole.
    Reading a slice gives a list; :meth:`view` a part of the rows, still unmade."""

    def __init__(self, fmt: str, args: list[list], n: int) -> None:
        if any(len(a) != n for a in args):
            raise AssertionError("the rows' arguments differ in length")
        self.fmt, self.args, self.n = fmt, args, n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index: slice) -> list[str]:
        if not isinstance(index, slice):
            raise TypeError("rows are read in slices")
        return list(map(self.fmt.__mod__, zip(*[a[index] for a in self.args], strict=True)))

    def view(self, start: int, stop: int) -> FormattedRows:
        return FormattedRows(self.fmt, [a[start:stop] for a in self.args], len(range(self.n)[start:stop]))


def _identity(i: int) -> int:
    return i


class SheetCells:
    """All cells of one worksheet, collected block by block, written in row order.

    Cells are registered as *producers* -- callables taking a style map (the renderer's
    style id -> the ``cellXfs`` index in the final package) and returning XML -- so the
    same drawing can be written into a new package (identity map) or spliced into a user's
    package whose styles were merged first, without rewriting any cell afterwards.
    """

    def __init__(self) -> None:
        self._blocks: list[tuple[int, int, int, Callable[[StyleMap], list[str] | FormattedRows], bool]] = []
        self.row_attrs: dict[int, str] = {}
        self._min_row = self._min_col = 1 << 30
        self._max_row = self._max_col = 0
        self._ncells = 0

    def add_rows(self, first_row: int, first_col: int, last_col: int, n: int,
                 producer: Callable[[StyleMap], list[str] | FormattedRows], *, whole: bool = False) -> None:
        """``n`` row fragments (the block's cells in that row), top to bottom; with ``whole``
        each is the row's whole element, ``<row r="N">...</row>`` without attributes (written as
        it is unless the row has attributes or shares its row with another block)."""
        if n <= 0:
            return
        self._blocks.append((first_row, first_col, n, producer, whole))
        self._extent(first_row, first_col, first_row + n - 1, last_col)
        self._ncells += n * (last_col - first_col + 1)

    def add_cell(self, row: int, col: int, producer: Callable[[StyleMap], str]) -> None:
        self.add_rows(row, col, col, 1, lambda m: [producer(m)])

    def _extent(self, r0: int, c0: int, r1: int, c1: int) -> None:
        self._min_row, self._min_col = min(self._min_row, r0), min(self._min_col, c0)
        self._max_row, self._max_col = max(self._max_row, r1), max(self._max_col, c1)

    @property
    def cell_count(self) -> int:
        """How many cells the blocks cover (rows x columns of each)."""
        return self._ncells

    @property
    def size_hint(self) -> int:
        """A generous estimate of the XML size in bytes."""
        return 120 * self._ncells + 64 * (self._max_row + 1)

    @property
    def dimension(self) -> str:
        if not self._max_row:
            return "A1"
        a = f"{column_letter(self._min_col)}{self._min_row}"
        b = f"{column_letter(self._max_col)}{self._max_row}"
        return a if a == b else f"{a}:{b}"

    def iter_xml(self, style_map: StyleMap | None = None, chunk_rows: int = 2000, *,
                 date1904: bool = False) -> Iterator[str]:
        """``<sheetData>...</sheetData>`` in chunks, cells' styles mapped by ``style_map``;
        dates as serials of the 1904 date system with ``date1904``."""
        m = style_map or _identity
        blocks: list[_Block] = []
        token = DATE1904.set(date1904)
        try:
            for first_row, first_col, n, producer, whole in self._blocks:
                rows = producer(m)
                if len(rows) != n:
                    raise AssertionError("producer returned a wrong number of rows")
                blocks.append((first_row, first_col, rows, whole))
        finally:
            DATE1904.reset(token)
        yield "<sheetData>"
        buf: list[str] = []  # chunks of chunk_rows rows, as before runs were written whole
        for run in _row_runs(blocks, self.row_attrs):
            i = 0
            if buf:
                i = chunk_rows - len(buf)
                buf.extend(run[:i])
                if len(buf) < chunk_rows:
                    continue
                yield "".join(buf)
                buf = []
            while len(run) - i >= chunk_rows:
                yield "".join(run[i:i + chunk_rows])
                i += chunk_rows
            buf = run[i:]
        if buf:
            yield "".join(buf)
        yield "</sheetData>"


_Block = tuple[int, int, "list[str] | FormattedRows", bool]  # first row, first column, row fragments, whole rows


def _unwrap(rows: list[str]) -> list[str]:
    """The cells of whole ``<row r="N">...</row>`` elements."""
    return [x[x.index(">") + 1:-6] for x in rows]


def _row_runs(blocks: list[_Block], attrs: dict[int, str]) -> Iterator[list[str]]:
    """``<row>`` elements in row order, as lists (one per run of rows). The rows are swept in
    stretches covered by the same blocks: a stretch of one block (a table's rows below a side
    panel, a data sheet's one table) is written as a whole; where blocks share rows, their
    fragments are merged row by row, left to right (by first column, then in drawing order).
    A row with attributes but no cells is an empty ``<row>``."""
    order = sorted(range(len(blocks)), key=lambda i: (blocks[i][0], blocks[i][1], i))
    bounds = sorted({b[0] for b in blocks} | {b[0] + len(b[2]) for b in blocks})
    starts = sorted(b[0] for b in blocks)
    ends = sorted(b[0] + len(b[2]) for b in blocks)
    lone = sorted(r for r in attrs if bisect.bisect_right(starts, r) - bisect.bisect_right(ends, r) == 0)
    k = j = 0
    active: list[int] = []
    for a, z in itertools.pairwise(bounds):
        while j < len(order) and blocks[order[j]][0] == a:
            active.append(order[j])
            j += 1
        active = [i for i in active if blocks[i][0] + len(blocks[i][2]) > a]
        while k < len(lone) and lone[k] < a:
            yield [_row(lone[k], attrs[lone[k]], "")]
            k += 1
        if len(active) == 1:
            yield _stretch(blocks[active[0]], a, z, attrs)
        elif active:
            cols = [_stretch_cells(blocks[i], a, z) for i in sorted(active, key=lambda i: (blocks[i][1], i))]
            yield [_row(r, attrs.get(r), "".join(x)) for r, x in zip(range(a, z), zip(*cols, strict=True), strict=True)]
    while k < len(lone):
        yield [_row(lone[k], attrs[lone[k]], "")]
        k += 1


def _stretch_cells(block: _Block, a: int, z: int) -> list[str]:
    """The cells of rows ``a``..``z - 1`` of ``block``."""
    rows = block[2][a - block[0]:z - block[0]]
    return _unwrap(rows) if block[3] else rows


def _stretch(block: _Block, a: int, z: int, attrs: dict[int, str]) -> list[str]:
    """Rows ``a``..``z - 1`` of ``block``, the only block in them."""
    rng = range(a, z)
    if attrs and (any(r in attrs for r in rng) if z - a < len(attrs) else any(r in rng for r in attrs)):
        return [_row(r, attrs.get(r), x) for r, x in zip(rng, _stretch_cells(block, a, z), strict=True)]
    if block[3]:
        rows = block[2]
        if (a, z) == (block[0], block[0] + len(rows)):
            return rows
        return rows.view(a - block[0], z - block[0]) if isinstance(rows, FormattedRows) else rows[a - block[0]:z - block[0]]
    return [f'<row r="{r}">{x}</row>' for r, x in zip(rng, block[2][a - block[0]:z - block[0]], strict=True)]


def _row(r: int, a: str | None, cells: str) -> str:
    return f'<row r="{r}" {a}>{cells}</row>' if a else f'<row r="{r}">{cells}</row>'
