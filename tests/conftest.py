"""Shared test configuration.

* xlwings is imported in "server" mode with the noncommercial licence key so that the
  UDF conversion path and the remote-engine Book can run without Excel (DESIGN.md 4).
* ``libreoffice`` marked tests skip when soffice is absent, except in CI
  (CRM_XL_REQUIRE_LIBREOFFICE=1), where they must run.
"""

import os
import shutil

import pytest

os.environ.setdefault("XLWINGS_ON_SERVER", "true")
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")


def soffice_path():
    return shutil.which("soffice") or shutil.which("libreoffice")


def pytest_collection_modifyitems(config, items):
    if soffice_path():
        return
    if os.environ.get("CRM_XL_REQUIRE_LIBREOFFICE") == "1":
        raise pytest.UsageError("CRM_XL_REQUIRE_LIBREOFFICE=1 but soffice was not found on PATH")
    skip = pytest.mark.skip(reason="LibreOffice (soffice) not installed")
    for item in items:
        if "libreoffice" in item.keywords:
            item.add_marker(skip)
