"""Atomic file replacement: write to a temp file in the same folder, fsync, os.replace.

The user's workbook is either the old file or the complete new one, never half-written.
A file that cannot be replaced because another program (usually Excel) holds it open, or
because it is read-only, gives a :class:`WorkbookLockedError` and the original stays as is.
"""

from __future__ import annotations

__all__ = ["atomic_write"]

import contextlib
import os
import pathlib
import tempfile
from collections.abc import Callable

from .errors import WorkbookLockedError


def _locked(target: pathlib.Path) -> WorkbookLockedError:
    return WorkbookLockedError(
        f"无法写入「{target.name}」：文件可能正在 Excel 中打开或为只读。请关闭后重试。",
        f"cannot write '{target.name}': it may be open in Excel or read-only. Close it and try again.",
    )


def atomic_write(target: str | os.PathLike, write: Callable[[pathlib.Path], None]) -> pathlib.Path:
    """Call ``write(tmp_path)`` then move the result over ``target`` atomically.

    On any exception from ``write`` the temp file is removed and ``target`` is untouched.
    """
    target = pathlib.Path(target)
    folder = target.parent if str(target.parent) else pathlib.Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    # Excel's lock file (~$name.xlsx) beside the workbook means it is open in Excel
    if (folder / f"~${target.name}").exists():
        raise _locked(target)
    if target.exists() and not os.access(target, os.W_OK):
        raise _locked(target)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=target.suffix + ".tmp", dir=folder)
    os.close(fd)
    tmp = pathlib.Path(tmp_name)
    try:
        write(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        # mkstemp creates 0600; give the file the original's mode, or the usual umask default
        if target.exists():
            os.chmod(tmp, target.stat().st_mode & 0o7777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        try:
            os.replace(tmp, target)
        except PermissionError:
            raise _locked(target) from None
        with contextlib.suppress(OSError):  # make the rename durable where supported
            dfd = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return target
