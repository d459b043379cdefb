"""Guards run before a workbook file is parsed: what kind of file it is, and whether its
zip package is small enough to open safely.

An .xlsx/.xlsm file is a zip package of XML parts. A hostile or broken one can claim
gigabytes of XML in a few hundred kilobytes (a "zip bomb"); python-calamine reads a whole
part into memory, so such a file would exhaust the machine's memory before any cell is
seen. :func:`check_zip_limits` reads only the zip directory (no decompression) and refuses
a package whose declared sizes exceed the limits below. Lying about the sizes does not
help an attacker: both python-calamine (Rust ``zip``) and Python's ``zipfile`` stop with
an error when a part inflates beyond its declared size.

XML entity expansion ("billion laughs") and external entities are refused by the parsers
themselves: python-calamine rejects any DTD entity, and every XML part crm_xl parses is
read through ``defusedxml`` or expat with DTDs forbidden (:mod:`crm_xl.render.opc`).

The limits are module constants, not analysis settings: they protect the process, and a
real CRM workbook (a million order rows is about 150 MB of XML) is far below them.
"""

from __future__ import annotations

__all__ = [
    "MAX_PART_BYTES",
    "MAX_TOTAL_BYTES",
    "MAX_RATIO",
    "RATIO_MIN_BYTES",
    "MAX_PARTS",
    "file_kind",
    "check_zip_limits",
    "check_workbook_file",
    "MAX_SHEET_CELLS",
    "SheetScan",
    "scan_sheets",
    "check_sheet_extent",
]

import pathlib
import re
import zipfile
from dataclasses import dataclass, field

from .errors import WorkbookError

MAX_PART_BYTES = 1_500_000_000  # one uncompressed part (a worksheet's XML)
MAX_TOTAL_BYTES = 4_000_000_000  # all parts together
MAX_RATIO = 200  # uncompressed / compressed size of one part ...
RATIO_MIN_BYTES = 50_000_000  # ... checked for parts above this size (real sheet XML compresses 5-30x)
MAX_PARTS = 20_000

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


def file_kind(path: str | pathlib.Path) -> str:
    """'zip' (xlsx/xlsm/xlsb/ods), 'ole' (xls, or an encrypted xlsx), 'empty' or 'other',
    from the first bytes of the file."""
    with open(path, "rb") as fh:
        head = fh.read(8)
    if not head:
        return "empty"
    if head.startswith(_ZIP_MAGIC):
        return "zip"
    if head == _OLE_MAGIC:
        return "ole"
    return "other"


def _too_large(name: str, why_zh: str, why_en: str) -> WorkbookError:
    return WorkbookError(
        f"工作簿「{name}」{why_zh}，可能已损坏或是恶意构造的文件（压缩炸弹），已拒绝打开。",
        f"The workbook '{name}' {why_en}; it may be damaged or maliciously crafted (a zip bomb), so it was not opened.",
    )


def check_zip_limits(zf: zipfile.ZipFile, name: str = "") -> None:
    """Raise :class:`~crm_xl.errors.WorkbookError` if the package's zip directory declares
    more than the limits allow (no part is decompressed)."""
    infos = zf.infolist()
    if len(infos) > MAX_PARTS:
        raise _too_large(name, f"包含 {len(infos)} 个部件", f"has {len(infos)} parts")
    total = 0
    for info in infos:
        size = info.file_size
        total += size
        if size > MAX_PART_BYTES:
            raise _too_large(name, f"中的部件 {info.filename} 解压后有 {size / 1e9:.1f} GB",
                             f"has a part ({info.filename}) of {size / 1e9:.1f} GB uncompressed")
        if size > RATIO_MIN_BYTES and size > MAX_RATIO * max(info.compress_size, 1):
            raise _too_large(name, f"中的部件 {info.filename} 压缩比异常（{size // max(info.compress_size, 1)} 倍）",
                             f"has a part ({info.filename}) compressed {size // max(info.compress_size, 1)} times")
    if total > MAX_TOTAL_BYTES:
        raise _too_large(name, f"解压后共有 {total / 1e9:.1f} GB", f"holds {total / 1e9:.1f} GB uncompressed")


def check_workbook_file(path: str | pathlib.Path) -> str:
    """Check a workbook file before it is parsed; returns its :func:`file_kind`.

    Raises :class:`~crm_xl.errors.WorkbookError` for an empty file, a password-protected
    (encrypted) .xlsx/.xlsm, a file that is not a workbook at all, or a zip package over the
    limits (:func:`check_zip_limits`).
    """
    p = pathlib.Path(path)
    kind = file_kind(p)
    suffix = p.suffix.lower()
    if kind == "empty":
        raise WorkbookError(f"「{p.name}」是空文件（0 字节），不是工作簿。", f"'{p.name}' is an empty file (0 bytes), not a workbook.")
    if kind == "ole" and suffix in (".xlsx", ".xlsm", ".xlsb"):
        raise WorkbookError(
            f"工作簿「{p.name}」设置了打开密码（已加密），无法读取。请在 Excel 中打开它，"
            "在「文件 > 信息 > 保护工作簿 > 用密码进行加密」中删除密码并保存，然后重试。",
            f"The workbook '{p.name}' is password-protected (encrypted) and cannot be read. Open it in Excel, remove the "
            "password (File > Info > Protect Workbook > Encrypt with Password), save, and try again.",
        )
    if kind == "other":
        raise WorkbookError(
            f"「{p.name}」不是有效的 Excel 工作簿（文件内容既不是 .xlsx/.xlsm 也不是 .xls 格式；可能已损坏或只是改了扩展名）。",
            f"'{p.name}' is not a valid Excel workbook (its content is neither .xlsx/.xlsm nor .xls; damaged, or just renamed).",
        )
    if kind == "zip":
        try:
            with zipfile.ZipFile(p) as zf:
                check_zip_limits(zf, p.name)
        except WorkbookError:
            raise
        except (zipfile.BadZipFile, NotImplementedError, ValueError, EOFError, OSError):
            # (a damaged zip directory can also claim an unsupported zip version or bad offsets)
            raise WorkbookError(
                f"工作簿「{p.name}」已损坏（zip 结构不完整），无法打开。可以尝试在 Excel 中打开并“打开并修复”。",
                f"The workbook '{p.name}' is damaged (incomplete zip structure) and cannot be opened. "
                "Excel's 'Open and Repair' may recover it.",
            ) from None
    return kind


# ---------------------------------------------------------------------------------------
# worksheet extents and error cells, from the sheet XML (before calamine builds a sheet)

MAX_SHEET_CELLS = 60_000_000  # rows x columns of one sheet's grid (1M rows x 57 columns)

_ROW_R = re.compile(rb'<(?:\w+:)?row\s(?:[^>]*?\s)?r="(\d{1,10})"')
_ROW_FAST = re.compile(rb'<row r="(\d{1,10})"')
_WIDE_REF = re.compile(rb' r="([A-Z]{2,4})\d')  # only cells have letter refs
_ERROR_CELL = re.compile(rb'<(?:\w+:)?c\b(?=[^>]*?\st="e")[^>]*?\sr="([A-Z]{1,3})(\d{1,7})"[^>]*>'
                         rb'(?:(?!</(?:\w+:)?c>).){0,2000}?<(?:\w+:)?v>([^<]{1,40})</(?:\w+:)?v>', re.S)
_ROW_SPLIT = re.compile(rb"<(?:\w+:)?row\b")
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s/>]")
# a cell whose first attribute is not r: <c>, <c/>, <c s=...> (the character after the
# space must be present: a chunk ending in "<c " is not a match, the next chunk's overlap
# sees the whole tag; "<c>" / "<c/>" are followed by a character other than r in any sheet)
_CELL_WITHOUT_R = re.compile(rb'<c[\s>/][^r]')


@dataclass
class SheetScan:
    """What :func:`scan_sheets` found in one worksheet part: the grid python-calamine would
    build (``rows`` x ``cols``) and the error cells ((row, col) 0-based -> "#N/A")."""

    rows: int = 0
    cols: int = 0
    errors: dict = field(default_factory=dict)

    @property
    def cells(self) -> int:
        return self.rows * self.cols


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _scan_part(z: zipfile.ZipFile, part: str) -> SheetScan:
    """One worksheet part's grid extent and error cells, in a few C-speed passes per chunk.

    Rows: the ``r`` of every ``<row r="...">`` (the fast pattern; the general one when a
    row has ``r`` elsewhere or tags are prefixed) and, for rows without ``r``, their count.
    Columns: the widest multi-letter cell reference, else Z when there are cells at all.
    Cells without an ``r`` attribute (``<c>``, ``<c/>``, ``<c s="1" r=...>``) or prefixed
    tags are placed by position, so then the widest row is counted instead.
    """
    scan = SheetScan()
    tail = b""
    rows = 0
    any_cell = positional = False
    with z.open(part) as fh:
        while chunk := fh.read(1 << 22):
            buf = tail + chunk  # the tail repeats the previous chunk's end: no tag is missed at the seam
            n_rows = chunk.count(b"<row")  # (<rowBreaks, outside sheetData, may add one: harmless)
            rows += n_rows
            prefixed = not n_rows and b":row" in chunk  # <x:row ...>: no "<row" at all
            found = _ROW_FAST.findall(buf)
            if len(found) < n_rows or prefixed:  # r not first, or prefixed tags: the general pattern
                found = _ROW_R.findall(buf)
            if found:
                scan.rows = max(scan.rows, max(map(int, found)))
            wide = set(_WIDE_REF.findall(buf))  # distinct column letters (AA, AB, ...): a few dozen
            if wide:
                scan.cols = max(scan.cols, max(map(_col_number, wide)))
            any_cell = any_cell or b"<c" in chunk or prefixed
            positional = positional or prefixed or _CELL_WITHOUT_R.search(buf) is not None
            if b't="e"' in buf:
                for m in _ERROR_CELL.finditer(buf):
                    scan.errors[(int(m.group(2)) - 1, _col_number(m.group(1)) - 1)] = m.group(3).decode("ascii", "replace")
            tail = buf[-4096:]
    scan.rows = max(scan.rows, rows)  # rows without r are numbered by position
    scan.cols = max(scan.cols, 26 if any_cell else 0)  # single-letter columns: at most Z
    if positional:  # columns by position: count the widest row
        widest = 0
        with z.open(part) as fh:
            data = fh.read()
        for seg in _ROW_SPLIT.split(data):
            widest = max(widest, len(_CELL_TAG.findall(seg)))
        scan.cols = max(scan.cols, widest)
    return scan


def scan_sheets(path: str | pathlib.Path, skipped: "set[str] | frozenset[str]" = frozenset()) -> dict[str, SheetScan]:
    """Each worksheet of an .xlsx/.xlsm (but those named in ``skipped``, lower case) by
    name: the extent of its cell grid and its error cells, streamed from the sheet XML
    through zlib with a few byte searches (about 10% of what reading the sheet costs).

    python-calamine builds a dense grid from the first to the last cell, so one cell at
    XFD1048576 in an otherwise small file asks it for 17 billion cells and the process is
    killed; :func:`check_sheet_extent` refuses such a sheet first.
    """
    from defusedxml import ElementTree as SafeET

    out: dict[str, SheetScan] = {}
    try:
        with zipfile.ZipFile(path) as z:
            names = {n.lower(): n for n in z.namelist()}
            wb = names.get("xl/workbook.xml")
            rels = names.get("xl/_rels/workbook.xml.rels")
            if wb is None or rels is None:
                return out
            targets = {el.get("Id"): el.get("Target", "") for el in SafeET.fromstring(z.read(rels))}
            ns_r = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
            sheets = [el for el in SafeET.fromstring(z.read(wb)).iter() if el.tag.endswith("}sheet")]
            for el in sheets:
                name = str(el.get("name", ""))
                if name.strip().lower() in skipped:
                    continue
                target = targets.get(el.get(ns_r), "")
                part = names.get((target.lstrip("/") if target.startswith("/") else "xl/" + target).lower())
                if part is not None:
                    out[name] = _scan_part(z, part)
    except WorkbookError:
        raise
    except Exception:  # noqa: BLE001 - damaged XML/zip: python-calamine reports it as a damaged workbook
        return {}
    return out


def check_sheet_extent(name: str, scan: SheetScan) -> None:
    """Raise :class:`~crm_xl.errors.WorkbookError` if the sheet's grid exceeds
    :data:`MAX_SHEET_CELLS` (or Excel's own 1,048,576 x 16,384)."""
    if scan.cells > MAX_SHEET_CELLS or scan.rows > 1_048_576 or scan.cols > 16_384:
        raise WorkbookError(
            f"工作表「{name}」的单元格范围达到 {scan.rows:,} 行 × {scan.cols:,} 列，超出可处理的大小"
            f"（{MAX_SHEET_CELLS:,} 个单元格）。请删除远处无用的单元格（例如按 Ctrl+End 查看最后一个单元格），或只保留数据区域后重试。",
            f"Sheet '{name}' spans {scan.rows:,} rows x {scan.cols:,} columns, more than can be processed "
            f"({MAX_SHEET_CELLS:,} cells). Delete stray cells far from the data (Ctrl+End shows the last one) and try again.",
            sheet=name,
        )
