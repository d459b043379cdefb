"""LibreOffice helpers for tests: recalculate, round-trip, render to PDF / PNG.

Every call runs ``soffice --headless`` with a throwaway user profile
(``-env:UserInstallation=file://...``), so tests never share or corrupt a profile and can
run while another LibreOffice is open. LibreOffice shows no dialogs headless: a file it
cannot open simply produces no output, which :func:`convert` turns into an assertion
error with LibreOffice's own output.
"""

from __future__ import annotations

__all__ = ["soffice", "convert", "recalculate", "recalculated_values", "to_pdf", "to_png", "roundtrip_ok"]

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import openpyxl

TIMEOUT = 180


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(src: str | Path, fmt: str, outdir: str | Path) -> Path:
    """``soffice --convert-to fmt`` of ``src`` into ``outdir``; the converted file's path."""
    src, outdir = Path(src), Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    exe = soffice()
    assert exe, "LibreOffice (soffice) not found"
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        cmd = [
            exe, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore", "--nologo",
            "--convert-to", fmt, "--outdir", str(outdir), str(src),
        ]
        env = dict(os.environ, HOME=profile)
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, env=env)
    ext = fmt.split(":")[0]
    out = outdir / (src.stem + "." + ext)
    assert out.exists() and out.stat().st_size > 0, (
        f"LibreOffice could not convert {src.name} to {fmt}:\nstdout={proc.stdout}\nstderr={proc.stderr}"
    )
    return out


def recalculate(src: str | Path, outdir: str | Path) -> Path:
    """Open ``src`` in LibreOffice, recalculate, save as xlsx into ``outdir``."""
    return convert(src, "xlsx:Calc MS Excel 2007 XML", outdir)


def recalculated_values(src: str | Path, outdir: str | Path) -> dict[str, list[tuple]]:
    """Sheet name -> rows of values after LibreOffice recalculated ``src``."""
    out = recalculate(src, outdir)
    wb = openpyxl.load_workbook(out, data_only=True)
    try:
        return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    finally:
        wb.close()


def to_pdf(src: str | Path, outdir: str | Path) -> Path:
    return convert(src, "pdf", outdir)


def to_png(src: str | Path, outdir: str | Path, *, dpi: int = 60, first: int = 1, last: int | None = None) -> list[Path]:
    """Render ``src`` to PDF, then pages ``first``..``last`` to PNG with ``pdftoppm -png -r dpi``."""
    pdf = to_pdf(src, outdir)
    exe = shutil.which("pdftoppm")
    assert exe, "pdftoppm (poppler-utils) not found"
    prefix = Path(outdir) / pdf.stem
    cmd = [exe, "-png", "-r", str(dpi), "-f", str(first)]
    if last is not None:
        cmd += ["-l", str(last)]
    subprocess.run(cmd + [str(pdf), str(prefix)], check=True, capture_output=True, timeout=TIMEOUT)
    return sorted(Path(outdir).glob(pdf.stem + "*.png"))


def roundtrip_ok(src: str | Path, outdir: str | Path) -> list[str]:
    """Open ``src`` in LibreOffice and save it again; problems found (``[]`` when it opened
    with the same sheets and every cell value openpyxl reads from ``src`` is unchanged --
    formula cells without a cached value in ``src`` are skipped, LibreOffice computes them)."""
    out = recalculate(src, outdir)
    a = openpyxl.load_workbook(src, read_only=True, data_only=True)
    b = openpyxl.load_workbook(out, read_only=True, data_only=True)
    problems = []
    try:
        if a.sheetnames != b.sheetnames:
            return [f"sheets differ: {a.sheetnames} vs {b.sheetnames}"]
        for name in a.sheetnames:
            rb = [list(r) for r in b[name].iter_rows(values_only=True)]
            for i, row in enumerate(a[name].iter_rows(values_only=True)):
                for j, v in enumerate(row):
                    if v is None or v == "":
                        continue
                    w = rb[i][j] if i < len(rb) and j < len(rb[i]) else None
                    if v != w and not (isinstance(v, float) and isinstance(w, (int, float)) and abs(v - w) <= 1e-9 * max(1, abs(v))):
                        problems.append(f"{name}!R{i + 1}C{j + 1}: {v!r} became {w!r}")
                        break
                if len(problems) > 5:
                    break
    finally:
        a.close()
        b.close()
    return problems
