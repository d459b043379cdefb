"""Zip members written by a worker thread while the caller makes the next ones.

A new workbook's sheet XML is made by Python code (the caller's thread) and deflated by
zlib, which releases the GIL. Handing every write to one worker thread, in order, through a
bounded queue lets the deflating and file writing of one part overlap the making of the
next parts, not only of the next chunk of the same part (issue 20: a 100k-row data sheet's
cells are made at once, then its chunks came faster than zlib took them, and the caller
waited). The members, their order and every write are what sequential code would do, so
the file is byte for byte the same. Where threads are not available (Pyodide) each call
writes at once.
"""

from __future__ import annotations

__all__ = ["ZipPipeline"]

import queue
import sys
import threading
import zipfile
from collections.abc import Iterable

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
        elif kind == "close":
            out, self._out = self._out, None
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
    def part(self, info: zipfile.ZipInfo, pieces: Iterable[bytes], *, force_zip64: bool = False) -> None:
        """A member made of ``pieces`` (written as they come, each one write call)."""
        self._put(("open", info, force_zip64))
        for piece in pieces:
            self._put(("data", piece))
        self._put(("close",))

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
