"""Atomic, lock-aware saving of workbooks.

A workbook is never written in place: the new content goes to a temporary file in the
same folder, which is flushed, fsync'ed and then moved over the original with
:func:`os.replace` (atomic on POSIX and Windows). If anything fails before the move --
including the process being killed -- the original file is untouched; a leftover
``.~name.*.tmp`` file is the only trace.

A workbook that is open in Excel / WPS / LibreOffice, locked by another process, or
read-only is refused up front with :class:`~crm_xl.errors.WorkbookLockedError`, whose
message tells the user what to do in plain words.
"""

from __future__ import annotations

__all__ = ["atomic_write", "ensure_writable", "lock_files", "TEMP_PREFIX"]

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from .errors import WorkbookError, WorkbookLockedError

TEMP_PREFIX = ".~"

try:  # POSIX advisory locks; absent on Windows, where open() itself fails on a locked file
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


def lock_files(path: Path) -> list[Path]:
    """Owner/lock files office programs leave next to a workbook they have open.

    Excel and WPS: ``~$`` + the file name (Office shortens long names by dropping the
    first one or two characters); LibreOffice: ``.~lock.<name>#``.
    """
    name = path.name
    candidates = {"~$" + name, "~$" + name[1:], "~$" + name[2:], f".~lock.{name}#"}
    return sorted(p for p in (path.parent / c for c in candidates) if p.exists())


def _locked(path: Path, zh: str, en: str) -> WorkbookLockedError:
    return WorkbookLockedError(
        f"工作簿「{path.name}」{zh}原文件未做任何修改。",
        f"The workbook '{path.name}' {en} The original file was not changed.",
    )


def ensure_writable(path: str | Path) -> None:
    """Raise :class:`WorkbookLockedError` unless ``path`` can be replaced now.

    Checks, in order: the folder is writable; the file is not read-only; no office
    program's lock file sits next to it; no other process holds a lock on it (an
    exclusive open on Windows, an advisory ``flock`` on POSIX).
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise WorkbookError(f"文件夹「{folder}」不存在。", f"The folder '{folder}' does not exist.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise _locked(path, "所在的文件夹不允许写入（权限不足），无法保存。请换一个文件夹或联系管理员。",
                      "is in a folder you cannot write to, so it cannot be saved. Choose another folder or ask your administrator.")
    if not path.exists():
        return
    if path.is_dir():
        raise WorkbookError(f"「{path}」是一个文件夹，不是工作簿。", f"'{path}' is a folder, not a workbook.")
    st = path.stat()
    if not (st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)) or not os.access(path, os.W_OK):
        raise _locked(path, "是只读文件，无法保存。请在文件属性中取消“只读”，或另存为新文件（-o）。",
                      "is read-only, so it cannot be saved. Clear its read-only flag or write a new file (-o).")
    locks = lock_files(path)
    if locks:
        raise _locked(path, f"正在 Excel/WPS/LibreOffice 中打开（发现锁定文件「{locks[0].name}」）。请先关闭它再重试；"
                      "如果它并没有打开，可以删除该锁定文件。",
                      f"is open in Excel/WPS/LibreOffice (lock file '{locks[0].name}' found). Close it and try again; "
                      "if it is not open, delete that lock file.")
    try:
        fd = os.open(path, os.O_RDWR)
    except PermissionError:
        raise _locked(path, "正被其他程序（通常是 Excel 或 WPS）打开，无法保存。请关闭它后重试。",
                      "is open in another program (usually Excel or WPS), so it cannot be saved. Close it and try again.") from None
    try:
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                fcntl.flock(fd, fcntl.LOCK_UN)
            except OSError:
                raise _locked(path, "正被另一个程序锁定，无法保存。请关闭使用它的程序后重试。",
                              "is locked by another program, so it cannot be saved. Close that program and try again.") from None
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write(path: str | Path, write: Callable[[Path], None] | None = None):
    """Replace ``path`` atomically.

    Two forms:

    * ``with atomic_write(path) as fh: fh.write(...)`` -- a binary file object;
    * ``atomic_write(path, write)`` -- ``write(tmp_path)`` writes the temp file by name
      (e.g. ``wb.save``); returns ``path``.

    On an exception (or a failed replace) the temporary file is removed and ``path`` is
    left exactly as it was. The new file keeps the old file's permission bits; a new file
    gets the usual ``0666 & ~umask``. A missing folder is created.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    if write is None:
        return _file_only(path)
    with _atomic(path) as (_fh, tmp):
        write(tmp)  # written by name; the fsync below covers it (same inode)
    return path


@contextlib.contextmanager
def _file_only(path: Path) -> Iterator[BinaryIO]:
    with _atomic(path) as (fh, _tmp):
        yield fh


def _note_written(path: Path) -> None:
    """Test hook: with ``CRM_XL_WRITTEN_LOG`` set, append the path of every file written
    (the test suite's fidelity sweep validates each workbook crm_xl wrote, also from CLI
    subprocesses). Never set in normal use."""
    log = os.environ.get("CRM_XL_WRITTEN_LOG")
    if log:
        with contextlib.suppress(OSError), open(log, "a", encoding="utf-8") as fh:
            st = Path(path).stat()
            fh.write(f"{Path(path).resolve()}\t{st.st_size}\t{st.st_mtime_ns}\n")


@contextlib.contextmanager
def _atomic(path: Path) -> Iterator[tuple[BinaryIO, Path]]:
    path = Path(path)
    ensure_writable(path)
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp_name = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{path.name}.", suffix=".tmp", dir=folder)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w+b") as fh:
            yield fh, tmp
            fh.flush()
            os.fsync(fh.fileno())
        if path.exists():
            os.chmod(tmp, stat.S_IMODE(path.stat().st_mode))
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        try:
            os.replace(tmp, path)
        except PermissionError:
            raise _locked(path, "正被其他程序（通常是 Excel 或 WPS）打开，无法替换。请关闭它后重试。",
                          "is open in another program (usually Excel or WPS) and cannot be replaced. Close it and try again.") from None
        _fsync_dir(folder)
        _note_written(path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
