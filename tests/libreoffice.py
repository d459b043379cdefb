"""LibreOffice helpers for tests: recalculate / convert workbooks headless (DESIGN.md 6)."""

from __future__ import annotations

import pathlib
import shutil
import subprocess
import tempfile


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(path: pathlib.Path, fmt: str, outdir: pathlib.Path, timeout: int = 180) -> pathlib.Path:
    """Open ``path`` in headless LibreOffice and save it as ``fmt`` (xlsx, pdf, ...) in ``outdir``."""
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        proc = subprocess.run(
            [soffice(), f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
             "--convert-to", fmt, "--outdir", str(outdir), str(path)],
            capture_output=True, text=True, timeout=timeout,
        )
    out = outdir / (path.stem + "." + fmt.split(":")[0])
    if proc.returncode != 0 or not out.exists():
        raise RuntimeError(f"LibreOffice could not convert {path.name}: {proc.stdout}\n{proc.stderr}")
    return out
