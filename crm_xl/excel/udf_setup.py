"""Setting up the worksheet functions for Excel (``crm-xl udfs``, :mod:`crm_xl.cli.udfs`).

* ``crm-xl udfs config`` prints the xlwings settings that make the classic Windows add-in
  load :mod:`crm_xl.excel.udfs` (``UDF Modules`` and the Python interpreter; with ``--lang
  en`` :mod:`crm_xl.excel.udfs_en`, the same functions answering in English), as lines of
  the xlwings config file and as the rows of an ``xlwings.conf`` sheet; ``--write`` merges
  them into the user config file ``~/.xlwings/xlwings.conf`` (other keys are kept),
  ``--dir DIR`` into ``DIR/xlwings.conf`` (the folder of a workbook).
* ``crm-xl udfs lite -o DIR [--lang en]`` writes ``main.py`` and ``requirements.txt`` for
  xlwings Lite (``--lang`` picks the template whose console sheet the buttons refer to, and
  the language the worksheet functions answer in); ``--wheel [--wheel-url URL]`` also
  writes crm_xl's wheel into DIR and names ``URL/<wheel>`` in ``requirements.txt``, for
  hosting the package yourself instead of a package index.
* ``crm-xl udfs list`` lists the functions with their one-line help.

This module imports no Excel library at import time (the CLI must start anywhere).
"""

from __future__ import annotations

__all__ = ["config_entries", "config_file_text", "merge_config", "USER_CONFIG"]

import pathlib
import re
import sys

UDF_MODULE = "crm_xl.excel.udfs"
UDF_MODULES = {"zh": UDF_MODULE, "en": "crm_xl.excel.udfs_en"}  # the functions answering in that language
USER_CONFIG = pathlib.Path.home() / ".xlwings" / "xlwings.conf"


def config_entries(interpreter: str | None = None, lang: str = "zh") -> list[tuple[str, str]]:
    """The xlwings settings for the classic add-in: UDF Modules (the functions answering in
    ``lang``) and the interpreter."""
    exe = interpreter or sys.executable
    key = "INTERPRETER_MAC" if sys.platform == "darwin" else "INTERPRETER_WIN"
    return [("UDF MODULES", UDF_MODULES[lang]), (key, exe)]


def config_file_text(entries: list[tuple[str, str]]) -> str:
    """Lines of an xlwings config file: ``"KEY","value"``."""
    return "".join(f'"{k}","{v}"\n' for k, v in entries)


def merge_config(existing: str, entries: list[tuple[str, str]]) -> str:
    """``existing`` config-file text with ``entries`` set (case-insensitive keys; other
    lines kept in order; UDF MODULES gains crm_xl's module rather than losing others, and
    loses crm_xl's module of the other language)."""
    out: list[str] = []
    todo = {k.upper(): (k, v) for k, v in entries}
    for line in existing.splitlines():
        vals = re.findall(r'"([^"]*)"', line)
        key = vals[0].upper() if vals else None
        if key in todo:
            k, v = todo.pop(key)
            if key == "UDF MODULES" and len(vals) > 1 and vals[1].strip():
                # other modules kept; crm_xl's functions in one language only (same names)
                mods = [m for m in vals[1].split(";") if m.strip() and (m == v or m not in UDF_MODULES.values())]
                if v not in mods:
                    mods.append(v)
                v = ";".join(mods)
            out.append(f'"{k}","{v}"')
        else:
            out.append(line)
    out.extend(f'"{k}","{v}"' for k, v in todo.values())
    return "\n".join(out) + "\n"
