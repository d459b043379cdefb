"""Work done beside the main process, on a second core, where that is safe and pays.

The ``crm-xl`` command is one Python process; on a machine with two or more cores a piece
of work whose inputs are already in memory can be done by a forked child while the parent
goes on (issue 20): the child shares the parent's memory (copy on write), so handing it the
work costs no copying, pickling or imports. Two pieces go there today: the raw data
sheets' cell XML, deflated (:mod:`crm_xl.render.xlsx`), while the parent makes the report
sheets', and fitting the CLV models (:mod:`crm_xl.report.build`) while the parent builds the
sheets that do not need them. :func:`start` hands back files, :func:`compute` a value
(pickled through a file).

A child forked when the work is ready pays for the imports the work needs (scipy for the
CLV models: ~0.25 s) after that moment. :func:`warm_up`, called at the start of the command,
forks a *warm* child that imports them at once, while the parent reads and cleans the
data, and then waits; the next :func:`compute` that is not big enough to fork for (its
inputs are pickled to the warm child through a temporary file: ~30 ms for a 10k-customer
analysis) is sent to it. A big one (``fork=True``) forks as before, sharing the parent's
memory, and the warm child is let go.

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

__all__ = ["Beside", "Computed", "compute", "forking_allowed", "start", "warm_up", "let_go"]

import gc
import importlib
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


def _fork_child(body: Callable[[], None]) -> int:
    """Fork a child that runs ``body`` and exits with status 0 when it returned, 1 when it
    raised (the parent then does the work itself and sees the error); never returns in the
    child. The child's Ctrl+C is the default one (it dies with the parent's process group)."""
    with warnings.catch_warnings():  # (Python 3.12 warns of forking with threads; the child touches no lock)
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:
        code = 1
        try:
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            body()
            code = 0
        except BaseException:  # noqa: BLE001 - reported by the exit status
            pass
        finally:
            os._exit(code)  # (no atexit handlers, no flushing of the parent's buffers)
    return pid


class Beside:
    """A piece of work started by :func:`start`: :meth:`done` waits for it."""

    def __init__(self, work: Callable[[], None]) -> None:
        self._work = work
        self._pid: int | None = None
        self._ok = False

    def _fork(self) -> None:
        self._pid = _fork_child(self._work)

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

    def __init__(self, fn: Callable[[], object], fork: bool) -> None:
        self._fn = fn
        self._path: str | None = None
        self._job: Beside | _Warm | None = None
        if not forking_allowed():
            return
        warm = _take_warm()
        if fork or warm is None:
            if warm is not None:
                warm.let_go()
            if fork:
                self._path = _temp_path()
                self._job = start(self._dump)
            return
        self._path = _temp_path()
        if warm.send(fn, self._path):
            self._job = warm
        else:
            os.unlink(self._path)
            self._path = None

    def _dump(self) -> None:  # (in the child)
        value = self._fn()
        assert self._path is not None
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
        if path is not None and os.path.exists(path):
            os.unlink(path)


def compute(fn: Callable[[], object], *, fork: bool = True) -> Computed:
    """``fn()`` (a picklable value) computed beside the caller, who goes on;
    :meth:`Computed.result` waits for it. Where :func:`forking_allowed`: with ``fork`` a
    child is forked now and shares the caller's memory (for big inputs); else the warm child
    of :func:`warm_up`, if one waits, gets ``fn`` pickled (for small inputs, when the
    imports ``fn`` needs cost more than pickling them). The value comes back pickled through a
    temporary file (the caller is busy, a pipe would fill). Without a child, ``result()``
    calls ``fn()`` itself."""
    return Computed(fn, fork)


def _temp_path() -> str:
    fd, path = tempfile.mkstemp(prefix="crm_xl-", suffix=".pickle")
    os.close(fd)
    return path


class _Warm:
    """The warm child of :func:`warm_up`: forked with a pipe; it imports, then reads the
    name of a file holding a pickled call, writes the call's pickled value beside it and
    exits (exit status 0 = done). End of the pipe without a name: it exits at once."""

    def __init__(self, modules: tuple[str, ...]) -> None:
        read_end, write_end = os.pipe()
        self._write_end: int | None = write_end

        def serve() -> None:  # (in the child)
            os.close(write_end)
            for name in modules:
                importlib.import_module(name)
            gc.enable()
            with os.fdopen(read_end, "rb") as pipe:
                path = pipe.read().decode()
            if path:
                with open(path + ".call", "rb") as f:
                    fn = pickle.load(f)
                value = fn()
                with open(path, "wb") as f:
                    pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)

        pid = _fork_child(serve)
        os.close(read_end)
        self._pid: int | None = pid
        self._sent = False
        self._call: str | None = None

    def send(self, fn: Callable[[], object], path: str) -> bool:
        """Hand ``fn`` to the child (its value to be written to ``path``); False when it
        cannot be pickled (the caller computes it itself then)."""
        try:
            with open(path + ".call", "wb") as f:
                pickle.dump(fn, f, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001 - (not picklable: computed in the process)
            os.unlink(path + ".call")
            self.let_go()
            return False
        self._sent = True
        try:
            assert self._write_end is not None
            os.write(self._write_end, path.encode())
        except OSError:  # (the child is gone)
            pass
        self._call = path + ".call"
        self._close_pipe()
        return True

    def _close_pipe(self) -> None:
        if self._write_end is not None:
            os.close(self._write_end)
            self._write_end = None

    def _reap(self, kill: bool) -> int | None:
        pid, self._pid = self._pid, None
        if pid is None:
            return None
        if kill:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        _, status = os.waitpid(pid, 0)
        if self._call is not None and os.path.exists(self._call):
            os.unlink(self._call)
        return os.waitstatus_to_exitcode(status)

    def done(self) -> bool:
        """Wait for the child to finish the call sent; True when it wrote the value."""
        return self._reap(kill=False) == 0 and self._sent

    def cancel(self) -> None:
        self._close_pipe()
        self._reap(kill=True)

    def let_go(self) -> None:
        """No call will come: the child is stopped (it may still be importing) and reaped."""
        self.cancel()


_warm: _Warm | None = None


def warm_up(*modules: str) -> None:
    """Fork the warm child now, importing ``modules`` (see the module docstring); nothing
    where :func:`forking_allowed` is false or a warm child already waits. :func:`let_go`
    ends it if no :func:`compute` took it."""
    global _warm
    if _warm is not None or not forking_allowed():
        return
    try:
        _warm = _Warm(tuple(modules))
    except OSError:  # (no process slot or pipe: the work runs in the process)
        _warm = None


def _take_warm() -> _Warm | None:
    global _warm
    warm, _warm = _warm, None
    return warm


def let_go() -> None:
    """End the warm child of :func:`warm_up` if no work took it (the command's end, or an
    error before the work)."""
    warm = _take_warm()
    if warm is not None:
        warm.let_go()
