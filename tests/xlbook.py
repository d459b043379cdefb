"""xlwings' remote engine as a test double for Excel (DESIGN.md section 4).

* :func:`payload_from_xlsx` -- the JSON an Office.js client sends for a workbook, built
  from an .xlsx file read with python-calamine (values) and openpyxl (Excel tables):
  dates travel as ISO strings the way the client sends them, empty cells as "".
* :func:`book_from_xlsx` -- ``xw.Book(json=payload)``: real ``Book``/``Sheet``/``Range``
  code runs against it headless; every write is recorded in ``book.json()["actions"]``.
* :class:`Replay` -- applies the recorded actions to the payload's sheets like Excel
  would (sheets added, deleted, renamed; values written; a leading apostrophe is Excel's
  text prefix and not part of the value) and remembers which sheet each action touched,
  so tests can assert "this sheet received no write" and compare values cell by cell.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import re

os.environ.setdefault("XLWINGS_ON_SERVER", "true")
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import xlwings as xw  # noqa: E402


def _iso(v):
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if isinstance(v, dt.date):
        return f"{v.isoformat()}T00:00:00.000Z"
    if v is None:
        return ""
    if isinstance(v, dt.time):
        return v.isoformat()
    return v


def _col_letter(n: int) -> str:
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def _table_entry(name: str, ref: str, style: str | None) -> dict:
    a, b = ref.replace("$", "").split(":")
    ca, ra = re.match(r"([A-Z]+)(\d+)", a).groups()
    cb, rb = re.match(r"([A-Z]+)(\d+)", b).groups()
    return {
        "name": name,
        "range_address": f"${ca}${ra}:${cb}${rb}",
        "header_row_range_address": f"${ca}${ra}:${cb}${ra}",
        "data_body_range_address": f"${ca}${int(ra) + 1}:${cb}${rb}" if int(rb) > int(ra) else None,
        "total_row_range_address": None,
        "show_headers": True,
        "show_totals": False,
        "table_style": style or "TableStyleMedium2",
        "show_autofilter": True,
        "show_table_style_first_column": False,
        "show_table_style_last_column": False,
        "show_table_style_row_stripes": True,
        "show_table_style_column_stripes": False,
    }


def sheet_payload(name: str, rows: list[list], tables: list[dict] | None = None) -> dict:
    width = max((len(r) for r in rows), default=0)
    values = [[_iso(v) for v in list(r) + [None] * (width - len(r))] for r in rows] or [[]]
    return {"name": name, "values": values, "pictures": [], "shapes": [], "charts": [], "notes": [],
            "tables": tables or [], "pivot_tables": [], "show_gridlines": True, "visibility": "Visible",
            "print_area": None}


def payload_from_xlsx(path, *, active: int = 0) -> dict:
    """The Office.js client's JSON for the workbook at ``path``."""
    import openpyxl
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    xl = openpyxl.load_workbook(path)
    sheets = []
    for name in wb.sheet_names:
        rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
        ws = xl[name]
        tables = [_table_entry(t.name, t.ref, t.tableStyleInfo.name if t.tableStyleInfo else None)
                  for t in ws.tables.values()]
        sheets.append(sheet_payload(name, rows, tables))
    return payload(sheets, name=os.path.basename(str(path)), active=active)


def payload(sheets: list[dict], *, name: str = "Book1.xlsx", active: int = 0) -> dict:
    return {"client": "Office.js", "version": xw.__version__,
            "book": {"name": name, "active_sheet_index": active, "selection": "A1"},
            "names": [], "sheets": sheets}


def book_from_xlsx(path, *, active: int = 0):
    return xw.Book(json=payload_from_xlsx(path, active=active))


def book_from_payload(p: dict):
    """``xw.Book(json=...)`` on a copy (the remote engine updates the dict it is given)."""
    return xw.Book(json=copy.deepcopy(p))


_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(T| )?(\d{2}:\d{2}:\d{2})?")


def excel_value(v):
    """What Excel stores for a written Python/JSON value (the text prefix ' dropped, ISO
    dates as dates, "" as empty)."""
    if v is None or v == "":
        return None
    if isinstance(v, str):
        if v.startswith("'"):
            return v[1:]
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
            return dt.datetime.fromisoformat(v)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?Z?", v):
            return dt.datetime.fromisoformat(v.rstrip("Z")[:19])
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return float(v)
    return v


class Replay:
    """Apply a Book's recorded actions to its payload's sheets."""

    def __init__(self, payload: dict, actions: list[dict]):
        self.order: list[str] = [s["name"] for s in payload["sheets"]]
        self.cells: dict[str, dict[tuple[int, int], object]] = {}
        for s in payload["sheets"]:
            grid = {}
            for r, row in enumerate(s["values"]):
                for c, v in enumerate(row):
                    if v not in ("", None):
                        grid[(r + 1, c + 1)] = v
            self.cells[s["name"]] = grid
        self.touched: dict[str, list[str]] = {}  # sheet name -> funcs of the actions on it
        self.book_actions: list[dict] = []
        self.actions = actions
        self.formats: dict[str, list[tuple[str, str]]] = {}  # sheet -> (address, number format)
        self.tables: dict[str, list[tuple[str, str, str]]] = {}  # sheet -> (name, address, style)
        for a in actions:
            self._apply(a)

    def _apply(self, a: dict) -> None:
        f = a["func"]
        pos = a.get("sheet_position")
        if f == "addSheet":
            ix, name = a["args"]
            self.order.insert(int(ix), name)
            self.cells[name] = {}
            self.touched.setdefault(name, []).append(f)
            return
        if pos is None:
            self.book_actions.append(a)
            return
        name = self.order[pos]
        self.touched.setdefault(name, []).append(f)
        if f == "sheetDelete":
            del self.order[pos]
            del self.cells[name]
        elif f == "setSheetName":
            new = a["args"][0]
            self.order[pos] = new
            self.cells[new] = self.cells.pop(name)
            self.touched[new] = self.touched.pop(name)
            for d in (self.formats, self.tables):
                if name in d:
                    d[new] = d.pop(name)
        elif f == "setValues":
            r0, c0 = a["start_row"], a["start_column"]
            grid = self.cells[name]
            for i, row in enumerate(a["values"]):
                for j, v in enumerate(row):
                    key = (r0 + i + 1, c0 + j + 1)
                    if v in ("", None):
                        grid.pop(key, None)
                    else:
                        grid[key] = v
        elif f == "setNumberFormat":
            addr = f"{_col_letter(a['start_column'] + 1)}{a['start_row'] + 1}:" \
                   f"{_col_letter(a['start_column'] + a['column_count'])}{a['start_row'] + a['row_count']}"
            self.formats.setdefault(name, []).append((addr, a["args"][0]))
        elif f == "addTable":
            self.tables.setdefault(name, []).append((a["args"][3], a["args"][0].replace("$", ""), a["args"][2]))

    def value(self, sheet: str, row: int, col: int):
        return excel_value(self.cells[sheet].get((row, col)))

    def grid(self, sheet: str) -> dict[tuple[int, int], object]:
        """The sheet's cells as Excel stores them: text written into a cell formatted as
        text ("@") stays text; elsewhere ISO dates become dates (:func:`excel_value`)."""
        out = {}
        for k, v in self.cells[sheet].items():
            x = excel_value(v)
            if isinstance(v, str) and not v.startswith("'") and not isinstance(x, str) and x is not None \
                    and self.number_format(sheet, *k) == "@":
                x = v
            if x is not None:
                out[k] = x
        return out

    def number_format(self, sheet: str, row: int, col: int) -> str | None:
        fmt = None
        for addr, f in self.formats.get(sheet, []):
            a, b = addr.split(":")
            ca, ra = re.match(r"([A-Z]+)(\d+)", a).groups()
            cb, rb = re.match(r"([A-Z]+)(\d+)", b).groups()
            if int(ra) <= row <= int(rb) and _num(ca) <= col <= _num(cb):
                fmt = f
        return fmt


def _num(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n
