"""Reading .xlsx/.xlsm/.xls workbooks: python-calamine after the safety checks (openpyxl where
calamine is absent, as in xlwings Lite), merged ranges, and bare serials of 1904-system
workbooks turned into dates."""

from __future__ import annotations

import datetime as dt
import pathlib
from collections.abc import Iterable

import pandas as pd

from ..errors import InputError, WorkbookError
from ..schema import ColumnKind, Table
from .tables import SheetRows


def read_sheet_rows(path: str | pathlib.Path, *, skip: "Iterable[str]" = ()) -> list[tuple[str, SheetRows]]:
    """Every sheet of a workbook as (name, rows of cell values), through python-calamine
    (openpyxl read-only where calamine is unavailable, e.g. in Pyodide). The rows are a
    :class:`SheetRows`: a list that also carries the sheet's merged ranges. Sheets named in
    ``skip`` (compared ignoring case) are not read."""
    p = pathlib.Path(path)
    if not p.exists():
        raise InputError(f"找不到文件：{p}", f"file not found: {p}")
    skipped = {str(n).strip().lower() for n in skip}
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:  # pragma: no cover - Pyodide: read through openpyxl instead
        return _sheet_rows_openpyxl(p, skipped)
    from ..safety import check_sheet_extent, check_workbook_file, scan_sheets

    kind = check_workbook_file(p)  # encrypted / not a workbook / zip bomb: refused before parsing
    try:
        wb = CalamineWorkbook.from_path(str(p))
        # xlsx/xlsm: each sheet's extent is checked before calamine builds its (dense) grid,
        # and Excel error cells, which calamine returns empty, are found (crm_xl.safety)
        scans = scan_sheets(p, skipped) if kind == "zip" else {}
        date1904 = kind == "zip" and _uses_1904_dates(p)
        out = []
        for name in wb.sheet_names:
            if name.strip().lower() in skipped:
                continue
            if name in scans:
                check_sheet_extent(name, scans[name])
            sheet = wb.get_sheet_by_name(name)
            merged = [(a[0], a[1], b[0], b[1]) for a, b in (sheet.merged_cell_ranges or ())]
            rows = sheet.to_python(skip_empty_area=False)
            for (r, c), v in (scans[name].errors if name in scans else {}).items():
                if r < len(rows) and c < len(rows[r]) and rows[r][c] in (None, ""):
                    rows[r][c] = v
            out.append((name, SheetRows(rows, merged, date1904)))
        return out
    except (KeyboardInterrupt, SystemExit, MemoryError, WorkbookError):
        raise
    except BaseException as exc:  # noqa: BLE001 - calamine's own errors, and Rust panics (pyo3 PanicException
        # derives from BaseException) on damaged files, found by tests/test_fuzz_readers.py
        raise WorkbookError(
            f"无法打开工作簿（文件损坏、加密或不是 Excel 文件）：{p.name}（{exc}）",
            f"cannot open the workbook (corrupt, password-protected or not an Excel file): {p.name} ({exc})",
        ) from None


def _uses_1904_dates(p: pathlib.Path) -> bool:
    """Whether the .xlsx/.xlsm at ``p`` is in the 1904 date system (False when unsure)."""
    import zipfile

    from ..render.opc import PackageReader, uses_1904_dates, workbook_part

    try:
        with zipfile.ZipFile(p) as zf:
            pkg = PackageReader(zf)
            return uses_1904_dates(pkg.read(workbook_part(pkg)))
    except (KeyError, ValueError, OSError, zipfile.BadZipFile):
        return False


_SERIAL_1904_END = 2957004  # 9999-12-31 + 1 in the 1904 date system
_EPOCH_1904 = dt.datetime(1904, 1, 1)


def _date_from_1904_serial(v):
    if isinstance(v, (int, float)) and not isinstance(v, bool) and 1 <= v < _SERIAL_1904_END:
        return _EPOCH_1904 + dt.timedelta(days=float(v))
    return v


def _dates_1904(frame: pd.DataFrame, table: Table, columns: "dict[int, str]") -> pd.DataFrame:
    """``frame`` with the numbers in its date columns (``columns``: position -> key) read
    as 1904-system serials."""
    kinds = {c.key: c.kind for c in table.recognised}
    for i, key in columns.items():
        if kinds.get(key) == ColumnKind.DATE:
            col = frame.columns[i]
            frame[col] = frame[col].map(_date_from_1904_serial).astype(object)
    return frame


def _sheet_rows_openpyxl(p: pathlib.Path, skipped: "set[str]" = frozenset()) -> list[tuple[str, SheetRows]]:
    import openpyxl

    wb = openpyxl.load_workbook(p, read_only=True, data_only=True)
    try:
        return [(ws.title, SheetRows([list(r) for r in ws.iter_rows(min_row=1, min_col=1, values_only=True)],
                                     _merged_openpyxl(ws)))
                for ws in wb.worksheets if ws.title.strip().lower() not in skipped]
    finally:
        wb.close()


def _merged_openpyxl(ws) -> list[tuple[int, int, int, int]]:
    """Merged ranges of a read-only openpyxl sheet (read-only sheets do not expose them:
    the sheet XML's ``mergeCell`` elements are scanned)."""
    from defusedxml.ElementTree import iterparse
    from openpyxl.utils import range_boundaries

    out = []
    try:
        with ws._get_source() as src:  # noqa: SLF001 - the read-only sheet's XML part
            for _, el in iterparse(src):
                if el.tag.endswith("}mergeCell") and el.get("ref"):
                    c0, r0, c1, r1 = range_boundaries(el.get("ref"))
                    out.append((r0 - 1, c0 - 1, r1 - 1, c1 - 1))
                el.clear()
    except Exception:  # noqa: BLE001 - merges are a refinement; reading the values must not fail on them
        return []
    return out
