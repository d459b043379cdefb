"""Zip members written by a worker thread while the caller makes the next ones.

A new workbook's sheet XML is made by Python code (the caller's thread) and deflated by
zlib, which releases the GIL. Handing every write to one worker thread, in order, through a
bounded queue lets the deflating and file writing of one part overlap the making of the
next parts, not only of the next chunk of the same part (issue 20: a 100k-row data sheet's
cells are made at once, then its chunks came faster than zlib took them, and the caller
waited). The members, their order and every write are what sequential code would do, so
the file is byte for byte the same. Where threads are not available (Pyodide) each call
writes at once. A part deflated by another process (:func:`deflate_to`, the raw data
sheets made by a forked child, :mod:`crm_xl.render.xlsx`) is written by
:meth:`ZipPipeline.deflated_part` with the same bytes.
"""

from __future__ import annotations

__all__ = ["ZipPipeline", "deflate_to"]

import functools
import queue
import sys
import threading
import zipfile
import zlib
from collections.abc import Iterable

from .deflate import big_part_compressor, small_part_compressor

_END = object()


class ZipPipeline:
    """Write members of ``zout`` (a :class:`zipfile.ZipFile` open for writing) in order.

    :meth:`part` and :meth:`writestr` queue the work; :meth:`close` waits for it and
    raises the first error the worker met. Use as a context manager. ``zout`` belongs to
    the worker until :meth:`close` returns.
    """

    def __init__(self, zout: zipfile.ZipFile, *, threaded: bool | None = None, depth: int = 64) -> None:
        self.zout = zout
        self.threaded = sys.platform != "emscripten" if threaded is None else threaded
        self._error: BaseException | None = None
        self._out = None
        if self.threaded:
            self._queue: queue.Queue = queue.Queue(maxsize=depth)  # ~depth chunks in memory at most
            self._thread = threading.Thread(target=self._work, name="crm_xl-zip", daemon=True)
            self._thread.start()

    # the work, in the worker (or at once)
    def _do(self, item) -> None:
        kind = item[0]
        if kind == "data":
            self._out.write(item[1])
        elif kind == "open":
            self._out = self.zout.open(item[1], "w", force_zip64=item[2])
            if item[3]:  # a big part: deflated by crm_xl.render.deflate's compressor, not zipfile's
                self._out._compressor = big_part_compressor()  # noqa: SLF001 - zipfile has no other way
        elif kind == "close":
            out, self._out = self._out, None
            out.close()
        elif kind == "deflated":
            _, info, path, crc, size, zip64 = item
            out = self.zout.open(info, "w", force_zip64=zip64)
            # zipfile's own writer, with its deflate step taken out: the header, sizes, zip64
            # decision and central directory entry are the ones `part` would give these bytes
            out._compressor = _ALREADY_DEFLATED  # noqa: SLF001
            with open(path, "rb") as f:
                for chunk in iter(functools.partial(f.read, 1 << 20), b""):
                    out.write(chunk)
            out._crc, out._file_size = crc, size  # noqa: SLF001 - the part's own, not its deflated bytes'
            out.close()
        else:  # "str"
            self.zout.writestr(item[1], item[2])

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is _END:
                return
            if self._error is None:
                try:
                    self._do(item)
                except BaseException as exc:  # noqa: BLE001 - handed to the caller by close()
                    self._error = exc
            # after an error the rest is read and dropped, so the caller never blocks

    def _put(self, item) -> None:
        if self._error is not None:
            raise self._error
        if self.threaded:
            self._queue.put(item)
        else:
            self._do(item)

    # the caller's side
    def part(self, info: zipfile.ZipInfo, pieces: Iterable[bytes], *, force_zip64: bool = False,
             big: bool = False) -> None:
        """A member made of ``pieces`` (written as they come, each one write call); ``big``:
        deflated by :func:`~crm_xl.render.deflate.big_part_compressor` (a part of at least
        :data:`~crm_xl.render.deflate.BIG_PART` bytes), else as zipfile does."""
        self._put(("open", info, force_zip64, big))
        for piece in pieces:
            self._put(("data", piece))
        self._put(("close",))

    def deflated_part(self, info: zipfile.ZipInfo, path: str, crc: int, size: int, *,
                      force_zip64: bool = False) -> None:
        """A member whose bytes were deflated elsewhere (:func:`deflate_to`, in a child
        process): the file at ``path`` holds them, ``crc``/``size`` are the part's own.
        The zip gets the same bytes as :meth:`part` would write for that part."""
        self._put(("deflated", info, path, crc, size, force_zip64))

    def writestr(self, info: zipfile.ZipInfo, data: bytes) -> None:
        self._put(("str", info, data))

    def close(self) -> None:
        if self.threaded and self._thread.is_alive():
            self._queue.put(_END)
            self._thread.join()
        if self._error is not None:
            raise self._error

    def __enter__(self) -> ZipPipeline:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        elif self.threaded and self._thread.is_alive():  # the caller failed: stop the worker, keep its error
            self._error = self._error or exc
            self._queue.put(_END)
            self._thread.join()


class _AlreadyDeflated:
    """Stands in for zipfile's compressor when the bytes are deflated already."""

    @staticmethod
    def compress(data: bytes) -> bytes:
        return data

    @staticmethod
    def flush() -> bytes:
        return b""


_ALREADY_DEFLATED = _AlreadyDeflated()


def deflate_to(path: str, pieces: Iterable[bytes], big: bool) -> tuple[int, int]:
    """Deflate ``pieces`` into the file ``path`` as :meth:`ZipPipeline.part` does for a member
    (``big``: a part of at least :data:`~crm_xl.render.deflate.BIG_PART` bytes), piece by
    piece; returns (CRC-32, size) of the input, for :meth:`ZipPipeline.deflated_part`."""
    co = big_part_compressor() if big else small_part_compressor()
    crc = size = 0
    with open(path, "wb") as f:
        for piece in pieces:
            crc = zlib.crc32(piece, crc)
            size += len(piece)
            f.write(co.compress(piece))
        f.write(co.flush())
    return crc, size
