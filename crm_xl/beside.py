"""Work done beside the main process, on a second core, where that is safe and pays.

The ``crm-xl`` command is one Python process; on a machine with two or more cores a piece
of work whose inputs are already in memory can be done by a forked child while the parent
goes on (issue 20): the child shares the parent's memory (copy on write), so handing it the
work costs no copying, pickling or imports. Two pieces go there today: the raw data
sheets' cell XML, deflated (:mod:`crm_xl.render.xlsx`), while the parent makes the report
sheets', and, from 20,000 customers, fitting the CLV models (:mod:`crm_xl.report.build`;
the child also imports scipy) while the parent builds the sheets that do not need them.
:func:`start` hands back files, :func:`compute` a value (pickled through a file).

Forking is used only

* on Linux (``os.fork`` is missing on Windows and in Pyodide, and unsafe on macOS once
  system frameworks such as Accelerate are loaded),
* in the ``crm-xl`` console-script process (:func:`crm_xl.startup.pause` marks it): a
  library caller (Excel, a notebook, the tests' own process) may hold threads and locks
  a child would inherit,
* with more than one core, and unless ``CRM_XL_WORKERS=0`` is set.

Elsewhere the same work runs in the process itself, so the result never depends on where
it ran: the caller of :func:`start` always gets the same files. The child reports success
only by its exit status; on any failure (an exception, a signal) the caller does the work
itself, so errors surface in the parent as they would without a child.
"""

from __future__ import annotations

__all__ = ["Beside", "Computed", "compute", "forking_allowed", "start"]

import os
import pickle
import signal
import sys
import tempfile
import warnings
from collections.abc import Callable

from . import startup


def forking_allowed() -> bool:
    """Whether work may go to a forked child in this process (see the module docstring)."""
    return (sys.platform.startswith("linux") and hasattr(os, "fork") and startup.is_command_process()
            and os.environ.get("CRM_XL_WORKERS", "").strip() != "0" and (os.cpu_count() or 1) > 1)


class Beside:
    """A piece of work started by :func:`start`: :meth:`done` waits for it."""

    def __init__(self, work: Callable[[], None]) -> None:
        self._work = work
        self._pid: int | None = None
        self._ok = False

    def _fork(self) -> None:
        with warnings.catch_warnings():  # (Python 3.12 warns of forking with threads; the child touches no lock)
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # the child: do the work, report by the exit status, never return
            code = 1
            try:
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                self._work()
                code = 0
            except BaseException:  # noqa: BLE001 - the parent redoes the work and sees the error
                pass
            finally:
                os._exit(code)  # (no atexit handlers, no flushing of the parent's buffers)
        self._pid = pid

    def done(self) -> bool:
        """Wait for the child; True when it finished the work. False when no child ran it
        or it failed: the caller does the work itself then. (Asking again gives the same.)"""
        pid, self._pid = self._pid, None
        if pid is not None:
            _, status = os.waitpid(pid, 0)
            self._ok = os.waitstatus_to_exitcode(status) == 0
        return self._ok

    def cancel(self) -> None:
        """Stop the child, if one runs (the caller gave up, e.g. on an error)."""
        pid, self._pid = self._pid, None
        if pid is not None:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)


def start(work: Callable[[], None], *, worth_it: bool = True) -> Beside:
    """Start ``work`` (a function writing its result to files) in a forked child when
    :func:`forking_allowed` and ``worth_it``; else nothing runs until the caller, seeing
    :meth:`Beside.done` return False, does the work itself."""
    job = Beside(work)
    if worth_it and forking_allowed():
        try:
            job._fork()
        except OSError:  # (no memory or process slot for a child: do it in the process)
            job._pid = None
    return job


class Computed:
    """A value computed by :func:`compute`: :meth:`result` gives it."""

    def __init__(self, fn: Callable[[], object], worth_it: bool) -> None:
        self._fn = fn
        self._path: str | None = None
        self._job: Beside | None = None
        if worth_it and forking_allowed():
            fd, self._path = tempfile.mkstemp(prefix="crm_xl-", suffix=".pickle")
            os.close(fd)
            self._job = start(self._dump)

    def _dump(self) -> None:  # (in the child)
        value = self._fn()
        with open(self._path, "wb") as f:
            pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)

    def result(self):
        """The value: the child's when it computed it, else computed here and now (where an
        error of the work is raised as it would be without a child)."""
        try:
            if self._job is not None and self._job.done():
                try:
                    with open(self._path, "rb") as f:
                        return pickle.load(f)
                except Exception:  # noqa: BLE001 - (a value that does not come back: computed here)
                    pass
        finally:
            self.cancel()  # (the child is done: this removes its file)
        return self._fn()

    def cancel(self) -> None:
        """Give up the value (the caller met an error): stop the child, remove its file."""
        job, path, self._job, self._path = self._job, self._path, None, None
        if job is not None:
            job.cancel()
        if path is not None:
            os.unlink(path)


def compute(fn: Callable[[], object], *, worth_it: bool = True) -> Computed:
    """``fn()`` (a picklable value) computed by a forked child when :func:`forking_allowed`
    and ``worth_it``, while the caller goes on; :meth:`Computed.result` waits for it. The
    child hands the value back pickled through a temporary file (the caller is busy, a
    pipe would fill); without a child, ``result()`` calls ``fn()`` itself."""
    return Computed(fn, worth_it)
