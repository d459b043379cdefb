"""File builders for the bad-input corpus: small, deterministic writers of xlsx / csv /
hostile zip packages. Used by :mod:`tests.corpus.make_corpus` and the hostile-content and
fuzz tests."""

from __future__ import annotations

import datetime as dt
import io
import pathlib
import shutil
import struct
import zipfile
import zlib

OH = ["订单编号", "客户ID", "下单日期", "金额(元)"]
CH = ["客户ID", "客户名称", "联系人", "所属行业"]
FIXTURES = pathlib.Path(__file__).with_name("fixtures")


def xlsx(path: pathlib.Path, sheets: dict[str, list[list[object]]], *, merges: dict[str, list[str]] | None = None,
         hidden_rows: dict[str, list[int]] | None = None, chartsheet: str | None = None,
         formulas: bool = False) -> pathlib.Path:
    """An .xlsx written by openpyxl (fixed document dates, so the content is reproducible).
    Text starting with "=" is stored as text unless ``formulas`` (then as a formula)."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
        for row in ws.iter_rows():  # text stays text: openpyxl would store "=..." as a formula
            for c in row:
                if isinstance(c.value, str) and c.value.startswith("=") and not formulas:
                    c.data_type = "s"
        for m in (merges or {}).get(name, []):
            ws.merge_cells(m)
        for h in (hidden_rows or {}).get(name, []):
            ws.row_dimensions[h].hidden = True
    if chartsheet:
        wb.create_chartsheet(chartsheet)
    wb.properties.created = wb.properties.modified = dt.datetime(2024, 1, 1)
    wb.save(path)
    return path


def xlsx_formulas(path: pathlib.Path, rows: list[list[object]], formulas: dict[str, tuple[str, object]]) -> pathlib.Path:
    """An 订单 sheet by xlsxwriter with formula cells carrying cached values
    (``formulas``: cell -> (formula, cached value)), as Excel saves them."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties({"created": dt.datetime(2024, 1, 1)})
    ws = wb.add_worksheet("订单")
    for i, r in enumerate(rows):
        ws.write_row(i, 0, r)
    for cell, (f, v) in formulas.items():
        ws.write_formula(cell, f, None, v)
    wb.close()
    return path


def text(path: pathlib.Path, content: str, encoding: str = "utf-8") -> pathlib.Path:
    path.write_bytes(content.encode(encoding))
    return path


def raw(path: pathlib.Path, data: bytes) -> pathlib.Path:
    path.write_bytes(data)
    return path


def orders_rows(n: int = 2) -> list[list[object]]:
    return [OH] + [[f"O{i + 1}", f"C{i + 1:03d}", "2024-09-01", 100 * (i + 1)] for i in range(n)]


def rewrite_part(src: pathlib.Path, dst: pathlib.Path, part: str, fn) -> pathlib.Path:
    """Copy a zip package, passing one part's bytes through ``fn``."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            zout.writestr(info.filename, fn(data) if info.filename == part else data)
    return dst


def deflate_repeat(prefix: bytes, fill: bytes, times: int, suffix: bytes) -> bytes:
    """A raw deflate stream of ``prefix + fill * times + suffix``, built in O(len(fill)):
    full flushes make each compressed ``fill`` block independent of what precedes it."""
    head = zlib.compressobj(9, zlib.DEFLATED, -15)
    a = head.compress(prefix) + head.flush(zlib.Z_FULL_FLUSH)
    mid = zlib.compressobj(9, zlib.DEFLATED, -15)
    b = mid.compress(fill) + mid.flush(zlib.Z_FULL_FLUSH)
    tail = zlib.compressobj(9, zlib.DEFLATED, -15)
    c = tail.compress(suffix) + tail.flush()
    return a + b * times + c


def write_zip(path: pathlib.Path, entries: list[tuple[str, bytes, int, int, int]]) -> pathlib.Path:
    """A zip file from pre-compressed entries (name, data, method, crc, declared size):
    lets a test declare sizes that differ from the data (what a zip bomb does)."""
    central = []
    with open(path, "wb") as fh:
        for name, data, method, crc, usize in entries:
            off, n = fh.tell(), name.encode()
            fh.write(struct.pack("<4s2B4HL2L2H", b"PK\x03\x04", 20, 0, 0, method, 0, 0x21, crc, len(data),
                                 usize & 0xFFFFFFFF, len(n), 0) + n)
            fh.write(data)
            central.append(struct.pack("<4s4B4HL2L5H2L", b"PK\x01\x02", 20, 0, 20, 0, 0, method, 0, 0x21, crc,
                                       len(data), usize & 0xFFFFFFFF, len(n), 0, 0, 0, 0, 0, off) + n)
        start = fh.tell()
        for c in central:
            fh.write(c)
        fh.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(central), len(central), fh.tell() - start, start, 0))
    return path


def zip_bomb(path: pathlib.Path, *, gigabytes: float = 3.0, honest: bool = True) -> pathlib.Path:
    """A valid-looking orders workbook whose sheet XML inflates to ``gigabytes`` of spaces
    (a few MB on disk). ``honest``: the zip directory declares the real size (else it
    declares the small original size and the data overflows it)."""
    base = xlsx(path.with_suffix(".base.xlsx"), {"订单": orders_rows()})
    entries = []
    with zipfile.ZipFile(base) as zin:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                k = data.index(b"</sheetData>")
                chunks = int(gigabytes * 1024)
                comp = deflate_repeat(data[:k], b" " * (1 << 20), chunks, data[k:])
                size = len(data) + chunks * (1 << 20) if honest else len(data)
                entries.append((info.filename, comp, 8, zlib.crc32(data), min(size, 0xFFFFFFFF)))
            else:
                c = zlib.compressobj(6, zlib.DEFLATED, -15)
                entries.append((info.filename, c.compress(data) + c.flush(), 8, zlib.crc32(data), len(data)))
    base.unlink()
    return write_zip(path, entries)


LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10))
          + b"]>")
XXE = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'


def with_doctype(path: pathlib.Path, doctype: bytes, entity: bytes, part: str = "xl/worksheets/sheet1.xml") -> pathlib.Path:
    """An orders workbook whose ``part`` starts with ``doctype`` and uses ``entity`` in a cell."""
    base = xlsx(path.with_suffix(".base.xlsx"), {"订单": orders_rows()})

    def fn(data: bytes) -> bytes:
        body = data[data.index(b"<worksheet"):] if part.endswith("sheet1.xml") else data[data.index(b"<", 5):]
        return doctype + body.replace(b"O1", entity, 1)

    rewrite_part(base, path, part, fn)
    base.unlink()
    return path


def encrypted(path: pathlib.Path, password: str = "secret") -> pathlib.Path:
    """A password-protected (Agile-encrypted) .xlsx, as Excel writes one."""
    import msoffcrypto.format.ooxml as ooxml

    plain = xlsx(path.with_suffix(".plain.xlsx"), {"订单": orders_rows()})
    with open(plain, "rb") as fin, open(path, "wb") as fout:
        ooxml.OOXMLFile(fin).encrypt(password, fout)
    plain.unlink()
    return path


def xls_fixture(path: pathlib.Path) -> pathlib.Path:
    """The checked-in legacy .xls orders file (BIFF8, made by LibreOffice from
    ``orders_rows()``; see ``make_corpus.py --xls-fixture``)."""
    shutil.copyfile(FIXTURES / "orders.xls", path)
    return path


def xlsm(path: pathlib.Path, sheets: dict[str, list[list[object]]]) -> pathlib.Path:
    """A macro-enabled workbook: the xlsx parts plus a (dummy) vbaProject.bin and the
    macro-enabled content type, as Excel saves an .xlsm."""
    base = xlsx(path.with_suffix(".base.xlsx"), sheets)
    with zipfile.ZipFile(base) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.macroEnabled.main+xml")
                data = data.replace(b"<Default ", b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/><Default ', 1)
            if info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/'
                                    b'office/2006/relationships/vbaProject" Target="vbaProject.bin"/></Relationships>')
            zout.writestr(info.filename, data)
        zout.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    base.unlink()
    return path


def make_xls_fixture() -> pathlib.Path:
    """Rebuild ``fixtures/orders.xls`` with LibreOffice (needs soffice)."""
    import subprocess
    import tempfile

    FIXTURES.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        t = pathlib.Path(tmp)
        src = xlsx(t / "orders.xlsx", {"订单": orders_rows()})
        subprocess.run(["soffice", f"-env:UserInstallation=file://{t}/profile", "--headless", "--norestore",
                        "--convert-to", "xls", "--outdir", str(t), str(src)], check=True, capture_output=True, timeout=180)
        shutil.copyfile(t / "orders.xls", FIXTURES / "orders.xls")
    return FIXTURES / "orders.xls"


def bytes_of(path: pathlib.Path) -> bytes:
    return path.read_bytes() if path.exists() else b""


def buffer_xlsx(sheets: dict[str, list[list[object]]]) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def far_cell(path: pathlib.Path, ref: tuple[str, int] = ("XFD", 1_048_576), positional: int = 0) -> pathlib.Path:
    """An orders workbook (a few kB) with one more cell far away -- at ``ref``, or, with
    ``positional``, a row ``ref[1]`` of that many cells without r attributes. python-calamine
    would build a dense grid up to that cell (17 billion cells for XFD1048576)."""
    base = xlsx(path.with_suffix(".base.xlsx"), {"订单": orders_rows()})
    col, row = ref
    if positional:
        extra = f'<row r="{row}">'.encode() + b'<c t="n"><v>1</v></c>' * positional + b"</row>"
    else:
        extra = f'<row r="{row}"><c r="{col}{row}" t="n"><v>1</v></c></row>'.encode()
    rewrite_part(base, path, "xl/worksheets/sheet1.xml", lambda d: d.replace(b"</sheetData>", extra + b"</sheetData>"))
    base.unlink()
    return path
