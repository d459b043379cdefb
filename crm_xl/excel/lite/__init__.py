"""Files for xlwings Lite: ``main.py`` and ``requirements.txt`` (``crm-xl udfs lite`` copies them).

``main.py`` is one source for both template languages: its sheet buttons refer to the
console sheet through the constant ``CONSOLE`` (控制台) and it imports the worksheet
functions from :mod:`crm_xl.excel.udfs` (answers in Chinese); :func:`lite_files` with
``lang="en"`` gives the same file with the English template's sheet name (Console) and the
functions from :mod:`crm_xl.excel.udfs_en` (answers in English).
"""

from __future__ import annotations

__all__ = ["lite_files", "CONSOLE_NAMES", "UDF_MODULES", "build_wheel", "wheel_name", "REQUIRES_DIST"]

import base64
import hashlib
import importlib.resources
import pathlib
import re
import zipfile

# the console sheet's name per template language (= crm_xl.report.console_sheet.CONSOLE_SHEET;
# not imported from there so that reading these files needs no xlwings)
CONSOLE_NAMES = {"zh": "控制台", "en": "Console"}
_CONSOLE_LINE = re.compile(r'^CONSOLE = "[^"]*"', re.M)
UDF_MODULES = {"zh": "crm_xl.excel.udfs", "en": "crm_xl.excel.udfs_en"}  # worksheet functions per language
_UDF_IMPORT = re.compile(r"^from crm_xl\.excel\.udfs import \(", re.M)


def lite_files(lang: str = "zh", wheel_url: str | None = None) -> dict[str, str]:
    """``{"main.py": text, "requirements.txt": text}`` for the ``lang`` template.

    ``wheel_url``: where the browser fetches crm_xl's wheel (:func:`build_wheel`); the
    requirements then name that URL instead of ``crm-xl==VERSION`` from a package index."""
    base = importlib.resources.files(__name__)
    files = {name: (base / name).read_text(encoding="utf-8") for name in ("main.py", "requirements.txt")}
    main, n = _CONSOLE_LINE.subn(f'CONSOLE = "{CONSOLE_NAMES[lang]}"', files["main.py"], count=1)
    if n != 1:  # a guard for whoever edits main.py
        raise RuntimeError("crm_xl/excel/lite/main.py has no 'CONSOLE = \"...\"' line")
    main, n = _UDF_IMPORT.subn(f"from {UDF_MODULES[lang]} import (", main, count=1)
    if n != 1:
        raise RuntimeError("crm_xl/excel/lite/main.py has no 'from crm_xl.excel.udfs import (' line")
    files["main.py"] = main
    if wheel_url:
        req, n = re.subn(r"^crm-xl==.*$", wheel_url, files["requirements.txt"], count=1, flags=re.M)
        if n != 1:
            raise RuntimeError("crm_xl/excel/lite/requirements.txt has no 'crm-xl==' line")
        files["requirements.txt"] = req
    return files


# What crm_xl needs, as pyproject.toml declares it (a test keeps the two equal); the wheel
# built by build_wheel carries these lines, so micropip installs them in xlwings Lite.
REQUIRES_DIST = (
    "pandas>=2.2.3",
    "numpy>=2.0.2",
    "scipy>=1.14.1",
    "openpyxl>=3.1.5",
    "xlwings>=0.37.8",
    "rich>=13.0.0",
    "defusedxml>=0.7.0",
    "python-calamine>=0.9.1; sys_platform != 'emscripten'",
    "charset-normalizer>=3.4.2; sys_platform != 'emscripten'",
    "isal>=1.9.1; (sys_platform == 'linux' and (platform_machine == 'x86_64' or platform_machine == 'aarch64')) "
    "or (sys_platform == 'win32' and platform_machine == 'AMD64') or (sys_platform == 'darwin' and platform_machine == 'arm64')",
)


def wheel_name(version: str | None = None) -> str:
    """File name of crm_xl's wheel (pure Python: ``py3-none-any``)."""
    from ... import __version__

    return f"crm_xl-{version or __version__}-py3-none-any.whl"


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def build_wheel(out_dir) -> pathlib.Path:
    """Write crm_xl's wheel, built from the package as installed (or checked out), into
    ``out_dir``; returns its path. No build tool and no source tree are needed: crm_xl is
    pure Python, so the wheel is its files plus the metadata (PEP 427, RECORD with hashes).
    This is the file to host for xlwings Lite when crm-xl is not on a package index."""
    from ... import __version__

    pkg = pathlib.Path(__file__).resolve().parents[2]  # .../crm_xl
    out = pathlib.Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / wheel_name(__version__)
    info = f"crm_xl-{__version__}.dist-info"
    files: list[tuple[str, bytes]] = []
    for f in sorted(pkg.rglob("*")):
        rel = f.relative_to(pkg.parent).as_posix()
        if f.is_file() and "__pycache__" not in f.parts and f.suffix not in (".pyc", ".pyo"):
            files.append((rel, f.read_bytes()))
    meta = "\n".join(["Metadata-Version: 2.1", "Name: crm-xl", f"Version: {__version__}",
                      "Summary: Customer-relationship analytics in Excel", "License: BSD-3-Clause",
                      "Requires-Python: >=3.11", *(f"Requires-Dist: {r}" for r in REQUIRES_DIST)]) + "\n"
    files.append((f"{info}/METADATA", meta.encode()))
    files.append((f"{info}/WHEEL", b"Wheel-Version: 1.0\nGenerator: crm-xl udfs lite\nRoot-Is-Purelib: true\n"
                                   b"Tag: py3-none-any\n"))
    files.append((f"{info}/entry_points.txt", b"[console_scripts]\ncrm-xl = crm_xl.cli:run\n"))
    files.append((f"{info}/top_level.txt", b"crm_xl\n"))
    record = [_record_line(n, d) for n, d in files] + [f"{info}/RECORD,,"]
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in files:
            z.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
        z.writestr(zipfile.ZipInfo(f"{info}/RECORD", date_time=(1980, 1, 1, 0, 0, 0)), "\n".join(record) + "\n",
                   zipfile.ZIP_DEFLATED)
    tmp.replace(path)
    return path
