"""Files for xlwings Lite: ``main.py`` and ``requirements.txt`` (``crm-xl udfs lite`` copies them).

``main.py`` is one source for both template languages: its sheet buttons refer to the
console sheet through the constant ``CONSOLE`` (控制台) and it imports the worksheet
functions from :mod:`crm_xl.excel.udfs` (answers in Chinese); :func:`lite_files` with
``lang="en"`` gives the same file with the English template's sheet name (Console) and the
functions from :mod:`crm_xl.excel.udfs_en` (answers in English).
"""

from __future__ import annotations

__all__ = ["lite_files", "CONSOLE_NAMES", "UDF_MODULES"]

import importlib.resources
import re

# the console sheet's name per template language (= crm_xl.excel.macros.CONSOLE_SHEET;
# not imported from there so that reading these files needs no xlwings)
CONSOLE_NAMES = {"zh": "控制台", "en": "Console"}
_CONSOLE_LINE = re.compile(r'^CONSOLE = "[^"]*"', re.M)
UDF_MODULES = {"zh": "crm_xl.excel.udfs", "en": "crm_xl.excel.udfs_en"}  # worksheet functions per language
_UDF_IMPORT = re.compile(r"^from crm_xl\.excel\.udfs import \(", re.M)


def lite_files(lang: str = "zh") -> dict[str, str]:
    """``{"main.py": text, "requirements.txt": text}`` for the ``lang`` template."""
    base = importlib.resources.files(__name__)
    files = {name: (base / name).read_text(encoding="utf-8") for name in ("main.py", "requirements.txt")}
    main, n = _CONSOLE_LINE.subn(f'CONSOLE = "{CONSOLE_NAMES[lang]}"', files["main.py"], count=1)
    if n != 1:  # a guard for whoever edits main.py
        raise RuntimeError("crm_xl/excel/lite/main.py has no 'CONSOLE = \"...\"' line")
    main, n = _UDF_IMPORT.subn(f"from {UDF_MODULES[lang]} import (", main, count=1)
    if n != 1:
        raise RuntimeError("crm_xl/excel/lite/main.py has no 'from crm_xl.excel.udfs import (' line")
    files["main.py"] = main
    return files
