"""Big parts deflated by ISA-L where it is installed (crm_xl.render.deflate, issue 20)."""

import io
import platform
import sys
import zipfile
import zlib
from dataclasses import replace

import pandas as pd
import pytest

from crm_xl.render import deflate
from crm_xl.render.xlsx import write_package
from crm_xl.report.data_sheets import data_sheet
from crm_xl.report.spec import ReportSpec


def _orders(n: int) -> pd.DataFrame:
    return pd.DataFrame({"订单编号": [f"SO{i:06d}" for i in range(n)], "客户ID": [f"C{i % 997:04d}" for i in range(n)],
                         "下单日期": [f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}" for i in range(n)],
                         "订单金额": [round(10 + i * 0.37, 2) for i in range(n)]})


def _raw(package: bytes, info: zipfile.ZipInfo) -> bytes:
    """The member's compressed bytes as stored (after its local header)."""
    start = info.header_offset
    name_len, extra_len = int.from_bytes(package[start + 26:start + 28], "little"), \
        int.from_bytes(package[start + 28:start + 30], "little")
    begin = start + 30 + name_len + extra_len
    return package[begin:begin + info.compress_size]


def _package(spec: ReportSpec) -> bytes:
    buf = io.BytesIO()
    write_package(spec, buf)
    return buf.getvalue()


def test_isal_is_installed_where_pyproject_asks_for_it():
    """pyproject installs isal on Linux x86-64 (CI, this machine): there the big parts use it."""
    if sys.platform == "linux" and platform.machine() == "x86_64":
        assert deflate.uses_isal()


def test_a_big_part_inflates_to_the_same_bytes_with_isal_or_zlib(monkeypatch):
    """The workbook's parts, inflated, are the same whichever deflater made them; only the
    big part's compressed bytes differ (ISA-L's stream is its own), and small parts are
    zlib's as before. Any inflater reads them: zipfile checks every CRC."""
    small_sheet = data_sheet("orders", _orders(50), sheet_name="小表")
    small_sheet = replace(small_sheet, blocks=tuple(replace(b, name="Small") if hasattr(b, "columns") else b
                                                    for b in small_sheet.blocks))
    spec = ReportSpec((data_sheet("orders", _orders(30_000)), small_sheet))
    with_isal = _package(spec)
    monkeypatch.setattr(deflate, "_isal_zlib", lambda: None)
    with_zlib = _package(spec)
    with zipfile.ZipFile(io.BytesIO(with_isal)) as a, zipfile.ZipFile(io.BytesIO(with_zlib)) as b:
        assert a.testzip() is None and b.testzip() is None
        names = a.namelist()
        assert names == b.namelist()
        for n in names:
            if n != "docProps/core.xml":  # (the time of writing)
                assert a.read(n) == b.read(n), n
        big, small = "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"
        assert a.getinfo(big).file_size >= deflate.BIG_PART > a.getinfo(small).file_size
        assert _raw(with_zlib, b.getinfo(small)) == _raw(with_isal, a.getinfo(small))  # (zlib's, as before)
        if deflate.uses_isal():
            assert _raw(with_isal, a.getinfo(big)) != _raw(with_zlib, b.getinfo(big))  # (ISA-L's own stream)


@pytest.mark.parametrize("use_isal", [True, False])
def test_the_big_part_compressor_is_a_raw_deflate_stream(monkeypatch, use_isal):
    if not use_isal:
        monkeypatch.setattr(deflate, "_isal_zlib", lambda: None)
    elif not deflate.uses_isal():
        pytest.skip("isal is not installed here")
    data = b"".join(f"<row r=\"{i}\"><c r=\"A{i}\" t=\"s\"><v>{i % 313}</v></c></row>".encode() for i in range(60_000))
    co = deflate.big_part_compressor()
    out = co.compress(data[:1000]) + co.compress(data[1000:]) + co.flush()
    assert zlib.decompressobj(-15).decompress(out) == data
    assert len(out) < len(data) / 5
