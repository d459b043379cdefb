"""Shared test configuration.

* xlwings is imported in "server" mode with the noncommercial licence key so that the
  UDF conversion path and the remote-engine Book can run without Excel (DESIGN.md 4).
* ``libreoffice`` marked tests skip when soffice is absent, except in CI
  (CRM_XL_REQUIRE_LIBREOFFICE=1), where they must run.
* ``pyodide`` marked tests skip when node or the offline Pyodide environment
  (CRM_XL_PYODIDE_ROOT) is absent, except in CI (CRM_XL_REQUIRE_PYODIDE=1).
* hypothesis runs without its per-example deadline (a timing assertion).
* ``libreoffice``, ``pyodide`` and ``postgres`` tests are ``slow`` too: ``pytest -m "not slow" -n auto``
  is the quick inner loop (README); the README's and CI's commands run everything.
* The fidelity sweep (tests/test_fidelity.py) runs last and validates every workbook the
  session wrote (``CRM_XL_WRITTEN_LOG``). Under pytest-xdist (``-n``) every worker appends
  to the controller's log, the workers hold the sweep back, and the controller runs it once
  every worker has finished, reporting it as the test it is (see the end of this file).
"""

import contextlib
import io
import os
import shutil
import tempfile
import time

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


def pytest_itemcollected(item):
    # LibreOffice round trips, the Pyodide run and a PostgreSQL server take seconds each: out
    # of the quick loop
    if any(item.get_closest_marker(m) for m in ("libreoffice", "pyodide", "postgres")):
        item.add_marker(pytest.mark.slow)


@pytest.hookimpl(trylast=True)  # after -m / -k / --deselect have chosen the items
def pytest_collection_modifyitems(config, items):
    if not pyodide_root():
        if os.environ.get("CRM_XL_REQUIRE_PYODIDE") == "1":
            raise pytest.UsageError("CRM_XL_REQUIRE_PYODIDE=1 but node or the Pyodide environment "
                                    "(CRM_XL_PYODIDE_ROOT, built by ../shared/tools/pyodide/setup) was not found")
        skip_pyo = pytest.mark.skip(reason="node or the Pyodide environment (CRM_XL_PYODIDE_ROOT) not available")
        for item in items:
            if "pyodide" in item.keywords:
                item.add_marker(skip_pyo)
    # the fidelity sweep checks what the other tests wrote: it runs last -- in an xdist
    # worker not at all: the worker tells the controller, which runs it after every worker
    sweep = [i for i in items if i.name == SWEEP]
    for i in sweep:
        items.remove(i)
    if hasattr(config, "workerinput"):
        if sweep:
            config.workeroutput[_HELD_SWEEP] = [sweep[0].nodeid, list(sweep[0].location)]
    else:
        items.extend(sweep)
    if soffice_path():
        return
    if os.environ.get("CRM_XL_REQUIRE_LIBREOFFICE") == "1":
        raise pytest.UsageError("CRM_XL_REQUIRE_LIBREOFFICE=1 but soffice was not found on PATH")
    skip = pytest.mark.skip(reason="LibreOffice (soffice) not installed")
    for item in items:
        if "libreoffice" in item.keywords:
            item.add_marker(skip)


# --------------------------------------------------------------------------- pytest-xdist
# Each worker runs its share of the tests; the sweep must see what all of them wrote, so
# the workers write to the controller's log and hold the sweep back (above), and the
# controller runs it after the workers are done: a test report like any other (".", "F",
# or "s" in the summary, and the exit status), over as many processes as there were workers.

_LOG_INPUT = "crm_xl_written_log"  # controller -> worker: the log every worker appends to
_HELD_SWEEP = "crm_xl_held_sweep"  # worker -> controller: the sweep's nodeid and location
_held = pytest.StashKey[dict]()


def pytest_configure(config):
    log = getattr(config, "workerinput", {}).get(_LOG_INPUT)
    if log:  # a worker: the controller's log (its environment has it already; this makes sure)
        os.environ["CRM_XL_WRITTEN_LOG"] = log


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    node.workerinput[_LOG_INPUT] = os.environ["CRM_XL_WRITTEN_LOG"]


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    held = node.config.stash.setdefault(_held, {})
    held["workers"] = held.get("workers", 0) + 1
    sweep = (getattr(node, "workeroutput", None) or {}).get(_HELD_SWEEP)
    if sweep:
        held["sweep"] = sweep


@pytest.hookimpl(wrapper=True)
def pytest_runtestloop(session):
    result = yield  # (an interrupted run, -x included, raises here: no sweep then)
    held = session.config.stash.get(_held, {})
    if held.get("sweep") and not (session.shouldfail or session.shouldstop):
        _run_sweep_in_controller(session, held["sweep"][0], tuple(held["sweep"][1]), held["workers"])
    return result


def _run_sweep_in_controller(session, nodeid, location, processes):
    from tests.test_fidelity import sweep_written_workbooks

    hook = session.config.hook
    session.testscollected += 1  # (the workers collected it, then held it back)
    hook.pytest_runtest_logstart(nodeid=nodeid, location=location)
    out, start = io.StringIO(), time.time()
    try:
        with contextlib.redirect_stdout(out):
            sweep_written_workbooks(processes)
        outcome, longrepr = "passed", None
    except pytest.skip.Exception as exc:
        outcome, longrepr = "skipped", (location[0], location[1] + 1, f"Skipped: {exc.msg}")
    except Exception:  # the sweep's assertion (or an error in it): a failed test
        outcome, longrepr = "failed", pytest.ExceptionInfo.from_current().getrepr(style="short")
    stop = time.time()
    keywords = {SWEEP: 1, "test_fidelity.py": 1, "tests": 1}
    for when, rep_outcome, rep_longrepr, sections in (
            ("setup", "passed", None, ()),
            ("call", outcome, longrepr, [("Captured stdout call", out.getvalue())] if out.getvalue() else []),
            ("teardown", "passed", None, ())):
        report = pytest.TestReport(nodeid, location, keywords, rep_outcome, rep_longrepr, when, sections,
                                   duration=stop - start if when == "call" else 0.0)
        hook.pytest_runtest_logreport(report=report)
    hook.pytest_runtest_logfinish(nodeid=nodeid, location=location)
