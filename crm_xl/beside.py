"""Work done beside the main process, on a second core, where that is safe and pays.

The ``crm-xl`` command is one Python process; on a machine with two or more cores a piece
of work whose inputs are already in memory (the raw data sheets' cell XML, issue 20) can be
done by a forked child while the parent goes on: the child shares the parent's memory
(copy on write), so handing it the work costs no copying, pickling or imports.

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

__all__ = ["Beside", "forking_allowed", "start"]

import os
import signal
import sys
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
