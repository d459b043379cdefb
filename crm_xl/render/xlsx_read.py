"""Read one table's cells back from a worksheet part (for the editable-column merge).

Only the old *report* sheet is parsed (streamed with ``iterparse``); the shared-string
table is loaded only when that sheet uses it. Values come back as Python values: text,
floats, booleans, Excel error text, and -- for date columns of the spec -- timestamps.
"""

from __future__ import annotations

__all__ = ["read_table_rows", "SharedStrings", "unescape_text"]

import re

import pandas as pd
from defusedxml import ElementTree as SafeET

from ..report.spec import TableBlock
from .opc import REL, PackageReader, resolve

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_UNESC = re.compile(r"_x([0-9A-Fa-f]{4})_")
_REF = re.compile(r"([A-Z]+)(\d+)")
_RANGE = re.compile(r"\$?([A-Z]+)\$?(\d+):\$?([A-Z]+)\$?(\d+)")


def unescape_text(s: str) -> str:
    """Undo OOXML's ``_xHHHH_`` escapes."""
    return _UNESC.sub(lambda m: chr(int(m.group(1), 16)), s) if "_x" in s else s


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _rich_text(el) -> str:
    """Text of an ``<si>`` / ``<is>``: its ``<t>`` and runs' ``<t>``, phonetic runs excluded."""
    parts = []
    for child in el:
        tag = child.tag
        if tag == MAIN + "t":
            parts.append(child.text or "")
        elif tag == MAIN + "r":
            for t in child.iter(MAIN + "t"):
                parts.append(t.text or "")
    return unescape_text("".join(parts))


class SharedStrings:
    """The package's shared-string table, loaded on first use."""

    def __init__(self, pkg: PackageReader, part: str | None) -> None:
        self.pkg, self.part = pkg, part
        self._items: list[str] | None = None

    def __getitem__(self, i: int) -> str:
        if self._items is None:
            self._items = []
            if self.part and self.pkg.has(self.part):
                with self.pkg.zf.open(self.pkg.name(self.part)) as fh:
                    for _, el in SafeET.iterparse(fh, events=("end",)):
                        if el.tag == MAIN + "si":
                            self._items.append(_rich_text(el))
                            el.clear()
        return self._items[i] if 0 <= i < len(self._items) else ""


def _table_ref(pkg: PackageReader, sheet_part: str, name: str) -> tuple[int, int, int, int, int] | None:
    for r in pkg.rels(sheet_part):
        if r.type != REL["table"] or r.external:
            continue
        part = resolve(sheet_part, r.target)
        if not pkg.has(part):
            continue
        root = SafeET.fromstring(pkg.read(part))
        if (root.get("displayName") or root.get("name") or "").lower() != name.lower():
            continue
        m = _RANGE.fullmatch(root.get("ref", ""))
        if not m:
            return None
        header = int(root.get("headerRowCount", "1"))
        return _col_number(m.group(1)), int(m.group(2)), _col_number(m.group(3)), int(m.group(4)), header
    return None


def _calamine_values(pkg: PackageReader, sheet_part: str, sheet_name: str, box) -> dict | None:
    """The cells of ``box`` (c0, r0, c1, r1) read by python-calamine from the package's own
    file, or None when calamine is unavailable, the sheet's grid is implausibly large, or
    anything about the file puzzles it (the XML reader then decides)."""
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:  # pragma: no cover - Pyodide
        return None
    fp = getattr(pkg.zf, "fp", None)
    if fp is None or not hasattr(fp, "seek"):
        return None
    from ..safety import _scan_part, check_sheet_extent

    c0, r0, c1, r1 = box
    try:
        check_sheet_extent(sheet_name, _scan_part(pkg.zf, pkg.name(sheet_part)))
        pos = fp.tell()
        try:
            fp.seek(0)
            wb = CalamineWorkbook.from_filelike(fp)
            grid = wb.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
        finally:
            fp.seek(pos)
    except BaseException as exc:  # noqa: BLE001 - calamine raises its own types (and panics)
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        return None
    out: dict[tuple[int, int], object] = {}
    for r in range(r0, min(r1, len(grid)) + 1):
        row = grid[r - 1]
        for c in range(c0, min(c1, len(row)) + 1):
            v = row[c - 1]
            if v is None or v == "":
                continue
            if isinstance(v, int) and not isinstance(v, bool):
                v = float(v)  # as the XML reader gives numbers
            out[(r, c)] = v
    return out


def read_table_rows(pkg: PackageReader, sheet_part: str, table: TableBlock, sst: SharedStrings,
                    sheet_name: str | None = None, *, date1904: bool = False) -> pd.DataFrame | None:
    """The rows of Excel table ``table.name`` on ``sheet_part`` as a frame whose columns are
    the spec's column keys (matched by header text); ``None`` when the sheet has no such
    table or it has no header row. With ``sheet_name`` the cells are read through
    python-calamine (several times faster than parsing the XML here), falling back to the
    XML reader whenever calamine cannot be used. Serials in date columns are read in the
    workbook's date system (``date1904``)."""
    ref = _table_ref(pkg, sheet_part, table.name)
    if ref is None or ref[4] == 0:
        return None
    c0, r0, c1, r1, _ = ref
    values = _calamine_values(pkg, sheet_part, sheet_name, (c0, r0, c1, r1)) if sheet_name else None
    if values is not None:
        return _frame(values, table, (c0, r0, c1, r1), date1904)
    values = {}
    with pkg.zf.open(pkg.name(sheet_part)) as fh:
        for _, el in SafeET.iterparse(fh, events=("end",)):
            tag = el.tag
            if tag == MAIN + "c":
                m = _REF.match(el.get("r", ""))
                if m:
                    row, col = int(m.group(2)), _col_number(m.group(1))
                    if r0 <= row <= r1 and c0 <= col <= c1:
                        values[(row, col)] = _cell_value(el, sst)
                el.clear()
            elif tag == MAIN + "row":
                if int(el.get("r", "0") or 0) > r1:
                    break
                el.clear()
    return _frame(values, table, (c0, r0, c1, r1), date1904)


def _frame(values: dict, table: TableBlock, box, date1904: bool = False) -> pd.DataFrame | None:
    c0, r0, c1, r1 = box
    by_header = {c.header.strip().lower(): c for c in table.columns}
    cols: dict[int, str] = {}
    for col in range(c0, c1 + 1):
        h = values.get((r0, col))
        spec_col = by_header.get(str(h).strip().lower()) if h is not None else None
        if spec_col is not None and spec_col.key not in cols.values():
            cols[col] = spec_col.key
    if not cols:
        return None
    kinds = {c.key: c.kind for c in table.columns}
    data = {}
    for col, key in cols.items():
        vals = [values.get((r, col)) for r in range(r0 + 1, r1 + 1)]
        if kinds[key] == "date":
            vals = [_as_date(v, date1904) for v in vals]
        data[key] = pd.Series(vals, dtype=object)
    return pd.DataFrame(data)


def _as_date(v, date1904: bool = False):
    if isinstance(v, float) and 1 <= v < 2958466:
        epoch = pd.Timestamp("1904-01-01") if date1904 else pd.Timestamp("1899-12-30")
        return epoch + pd.to_timedelta(round(v * 86400), unit="s")
    return v


def _cell_value(el, sst: SharedStrings):
    t = el.get("t", "n")
    v = el.find(MAIN + "v")
    if t == "inlineStr":
        is_ = el.find(MAIN + "is")
        return _rich_text(is_) if is_ is not None else None
    if v is None or v.text is None:
        return None
    text = v.text
    if t == "s":
        return sst[int(text)]
    if t in ("str", "e"):
        return unescape_text(text)
    if t == "b":
        return text.strip() in ("1", "true")
    try:
        return float(text)
    except ValueError:
        return text
