"""A zip writer that copies entries of another zip *without recompressing them*.

Refreshing a workbook rewrites only the report parts; every other part (a 1M-row data
sheet, images, VBA) is copied as its stored, compressed bytes -- no inflate, no deflate,
no XML parsing -- so the refresh costs what reading those bytes once costs.
"""

from __future__ import annotations

__all__ = ["ZipRewriter"]

import struct
import zipfile
import zlib

from ..errors import WorkbookError

# Parts of at least BIG_PART bytes (report sheets with thousands of rows) are deflated faster
# than zlib's default (ISA-L, or zlib at level 4: crm_xl.render.deflate); smaller parts keep
# zlib's default, so small files (the template workbooks) are byte-identical to what they were.
from .deflate import BIG_PART, big_part_compressor, small_part_compressor

_LOCAL = struct.Struct("<4s2B4HL2L2H")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_END = struct.Struct("<4s4H2LH")
_LIMIT = 0xFFFFFFFF - 1


def _dos_time(dt: tuple) -> tuple[int, int]:
    y, mo, d, h, mi, s = dt
    return (h << 11) | (mi << 5) | (s // 2), ((max(y, 1980) - 1980) << 9) | (mo << 5) | d


def _too_big() -> WorkbookError:
    return WorkbookError("工作簿超过 4 GB，无法处理。", "The workbook is larger than 4 GB and cannot be processed.")


class ZipRewriter:
    """Write a zip file entry by entry: :meth:`copy` (raw) or :meth:`write` (deflated)."""

    def __init__(self, fh) -> None:
        self.fh = fh
        self.base = fh.tell()
        self._central: list[bytes] = []
        self.names: list[str] = []

    def _offset(self) -> int:
        off = self.fh.tell() - self.base
        if off > _LIMIT:
            raise _too_big()
        return off

    def _header(self, name: str, method: int, dt: tuple, crc: int, csize: int, usize: int) -> None:
        try:
            raw = name.encode("ascii")
            flags = 0
        except UnicodeEncodeError:
            raw = name.encode("utf-8")
            flags = 0x800
        if csize > _LIMIT or usize > _LIMIT:
            raise _too_big()
        t, d = _dos_time(dt)
        offset = self._offset()
        version = 20
        self.fh.write(_LOCAL.pack(b"PK\x03\x04", version, 0, flags, method, t, d, crc, csize, usize, len(raw), 0))
        self.fh.write(raw)
        self._central.append(
            _CENTRAL.pack(b"PK\x01\x02", version, 0, version, 0, flags, method, t, d, crc, csize, usize,
                          len(raw), 0, 0, 0, 0, 0, offset) + raw
        )
        self.names.append(name)

    def copy(self, src: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        """Copy ``info`` of ``src`` with its compressed bytes untouched."""
        if info.flag_bits & 0x1:
            raise WorkbookError("工作簿内的部件已加密，无法处理。", "A part of the workbook is encrypted and cannot be processed.")
        fp = src.fp
        fp.seek(info.header_offset)
        head = fp.read(_LOCAL.size)
        if len(head) != _LOCAL.size or head[:4] != b"PK\x03\x04":
            raise WorkbookError("工作簿文件已损坏（zip 结构错误）。", "The workbook file is damaged (bad zip structure).")
        fields = _LOCAL.unpack(head)
        fp.seek(fields[-2] + fields[-1], 1)
        self._header(info.filename, info.compress_type, info.date_time, info.CRC, info.compress_size, info.file_size)
        left = info.compress_size
        while left:
            chunk = fp.read(min(left, 1 << 20))
            if not chunk:
                raise WorkbookError("工作簿文件已损坏（数据不完整）。", "The workbook file is damaged (truncated data).")
            self.fh.write(chunk)
            left -= len(chunk)

    def write(self, name: str, data: bytes, date_time: tuple = (1980, 1, 1, 0, 0, 0)) -> None:
        """Add ``name`` with ``data`` deflated."""
        self.write_chunks(name, [data], date_time)

    def write_chunks(self, name: str, chunks, date_time: tuple = (1980, 1, 1, 0, 0, 0)) -> None:
        """Add ``name`` from an iterable of byte chunks, deflated as they come."""
        start = self.fh.tell()
        self._header(name, zipfile.ZIP_DEFLATED, date_time, 0, 0, 0)
        crc = 0
        usize = csize = 0
        comp = None
        held: list[bytes] = []  # the first chunks, until the part's size decides the level
        for chunk in chunks:
            if not chunk:
                continue
            crc = zlib.crc32(chunk, crc)
            usize += len(chunk)
            if comp is None:
                held.append(chunk)
                if usize < BIG_PART:
                    continue
                comp = big_part_compressor()
                chunk, held = b"".join(held), []
            out = comp.compress(chunk)
            csize += len(out)
            self.fh.write(out)
        if comp is None:
            comp = small_part_compressor()
            out = comp.compress(b"".join(held))
            csize += len(out)
            self.fh.write(out)
        out = comp.flush()
        csize += len(out)
        self.fh.write(out)
        end = self.fh.tell()
        if csize > _LIMIT or usize > _LIMIT:
            raise _too_big()
        # patch sizes and CRC into the local header and the central record
        self.fh.seek(start + 14)
        self.fh.write(struct.pack("<3L", crc, csize, usize))
        self.fh.seek(end)
        rec = bytearray(self._central[-1])
        rec[16:28] = struct.pack("<3L", crc, csize, usize)
        self._central[-1] = bytes(rec)

    def close(self) -> None:
        if len(self._central) > 0xFFFF:
            raise _too_big()
        start = self._offset()
        for rec in self._central:
            self.fh.write(rec)
        size = self._offset() - start
        self.fh.write(_END.pack(b"PK\x05\x06", 0, 0, len(self._central), len(self._central), size, start, 0))
        self.fh.flush()
