"""Shared test configuration.

* xlwings is imported in "server" mode with the noncommercial licence key so that the
  UDF conversion path and the remote-engine Book can run without Excel (DESIGN.md 4).
* ``libreoffice`` marked tests skip when soffice is absent, except in CI
  (CRM_XL_REQUIRE_LIBREOFFICE=1), where they must run.
* ``pyodide`` marked tests skip when node or the offline Pyodide environment
  (CRM_XL_PYODIDE_ROOT) is absent, except in CI (CRM_XL_REQUIRE_PYODIDE=1).
* hypothesis runs without its per-example deadline (a timing assertion).
"""

import os
import shutil
import tempfile

import pytest
from hypothesis import settings as hypothesis_settings

# No test asserts a wall-clock time (README, "Tests are honest"): hypothesis' per-example
# deadline is one, and it failed CI on a busy 2-core runner (a 331 ms example of the
# segment property). Property tests check values only.
hypothesis_settings.register_profile("crm_xl", deadline=None)
hypothesis_settings.load_profile("crm_xl")

os.environ.setdefault("XLWINGS_ON_SERVER", "true")
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
# every file crm_xl writes in this session (also from CLI subprocesses, which inherit the
# variable) is listed here; tests/test_fidelity.py's sweep, run last, validates each workbook
if "CRM_XL_WRITTEN_LOG" not in os.environ:
    fd, _log = tempfile.mkstemp(prefix="crm_xl_written_", suffix=".txt")
    os.close(fd)
    os.environ["CRM_XL_WRITTEN_LOG"] = _log

SWEEP = "test_every_workbook_the_suite_wrote_is_valid"


def soffice_path():
    return shutil.which("soffice") or shutil.which("libreoffice")


def pyodide_root() -> str | None:
    """The offline Pyodide environment built by ../shared/tools/pyodide/setup
    (CRM_XL_PYODIDE_ROOT), when it and node are there."""
    root = os.environ.get("CRM_XL_PYODIDE_ROOT")
    if root and shutil.which("node") and os.path.isfile(os.path.join(root, "dist", "pyodide.mjs")):
        return root
    return None


def pytest_collection_modifyitems(config, items):
    if not pyodide_root():
        if os.environ.get("CRM_XL_REQUIRE_PYODIDE") == "1":
            raise pytest.UsageError("CRM_XL_REQUIRE_PYODIDE=1 but node or the Pyodide environment "
                                    "(CRM_XL_PYODIDE_ROOT, built by ../shared/tools/pyodide/setup) was not found")
        skip_pyo = pytest.mark.skip(reason="node or the Pyodide environment (CRM_XL_PYODIDE_ROOT) not available")
        for item in items:
            if "pyodide" in item.keywords:
                item.add_marker(skip_pyo)
    # the fidelity sweep checks what the other tests wrote: it runs last
    sweep = [i for i in items if i.name == SWEEP]
    for i in sweep:
        items.remove(i)
        items.append(i)
    if soffice_path():
        return
    if os.environ.get("CRM_XL_REQUIRE_LIBREOFFICE") == "1":
        raise pytest.UsageError("CRM_XL_REQUIRE_LIBREOFFICE=1 but soffice was not found on PATH")
    skip = pytest.mark.skip(reason="LibreOffice (soffice) not installed")
    for item in items:
        if "libreoffice" in item.keywords:
            item.add_marker(skip)
