"""Both xlwings Lite ``main.py`` files, run for real in Pyodide (issue 16 item 2).

Pyodide 0.27.7 (32-bit WebAssembly, numpy 2.0.2, pandas 2.2.3, scipy 1.14.1) runs under
node, offline, with the environment ``../shared/tools/pyodide/setup`` builds
(``CRM_XL_PYODIDE_ROOT``; ``.ci/run`` builds it and sets ``CRM_XL_REQUIRE_PYODIDE=1``, so
in CI this test runs, never skips). For each language the test

* installs the Lite ``requirements.txt`` with micropip (zh: the checked-in file, crm-xl
  from the local package index; en: the file ``crm-xl udfs lite --wheel --wheel-url``
  writes, crm_xl's wheel fetched from its URL, as a user hosting the wheel does),
* checks that every ``@func`` and every ``@script`` registers, with its sheet button,
* calls every worksheet function with the arguments tests/test_udfs.py uses (recorded by
  running that file with CRM_XL_UDF_CALL_LOG),
* runs every script on the JSON of a demo workbook (``xw.Book(json=...)``: the zh workbook
  clean, the en one with ``--dirty`` data),

and compares every result and every written value with the same run under CPython
(tests/lite_check.py runs in both): numbers equal within 1e-9, texts equal.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from crm_xl.cli.demo import build_demo_workbook
from crm_xl.excel import macros, udfs
from crm_xl.excel.lite import CONSOLE_NAMES, lite_files, wheel_name

from .conftest import pyodide_root
from .xlbook import payload_from_xlsx

pytestmark = [pytest.mark.pyodide, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
TOOL = ROOT.parent / "shared" / "tools" / "pyodide"
CHECK = Path(__file__).with_name("lite_check.py")
SCRIPTS = {"crm_refresh_all", "crm_refresh_rfm", "crm_refresh_strategy", "crm_refresh_kpis_charts",
           "crm_insert_template", "crm_validate_data", "crm_run"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def udf_calls(tmp_path_factory) -> list:
    """Every worksheet function call tests/test_udfs.py makes, as [name, args, runtime]."""
    log = tmp_path_factory.mktemp("calls") / "calls.jsonl"
    env = dict(os.environ, CRM_XL_UDF_CALL_LOG=str(log))
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_udfs.py"],
                   cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    calls = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert {c[0] for c in calls} == set(udfs.UDF_NAMES)  # every function is called
    return calls


def _case(tmp: Path, lang: str, calls: list) -> Path:
    book = tmp / f"demo_{lang}.xlsx"
    # 15 customers: fewer than clv_min_repeat_customers repeat buyers, so no CLV model is
    # fitted in the report (see _fit_numbers_blanked); every other sheet is filled
    build_demo_workbook(book, customers=15, lang=lang, dirty=(lang == "en"))
    case = tmp / "case.json"
    case.write_text(json.dumps({"payload": payload_from_xlsx(book), "calls": calls}, ensure_ascii=False),
                    encoding="utf-8")
    return case


def _run_cpython(tmp: Path, main: Path, case: Path) -> dict:
    work = tmp / "cpython"
    work.mkdir()
    shutil.copy(main, work / "main.py")
    shutil.copy(case, work / "demo_payload.json")
    shutil.copy(CHECK, work / "lite_check.py")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "lite_check.py"], cwd=work, env=env, capture_output=True, text=True,
                         timeout=900)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    return json.loads((work / "actions_result.json").read_text(encoding="utf-8"))


def _run_pyodide(tmp: Path, main: Path, reqs: Path, case: Path, port: int) -> tuple[dict, str]:
    out_dir = tmp / "pyodide_out"
    env = dict(os.environ, PYO_PORT=str(port), PYO_PAYLOAD=str(case))
    run = subprocess.run(["bash", str(TOOL / "run-lite"), pyodide_root(), str(main), str(reqs), str(CHECK),
                          str(out_dir)], env=env, capture_output=True, text=True, timeout=1500)
    log = run.stdout[-6000:] + run.stderr[-6000:]
    assert run.returncode == 0, log
    result = out_dir / "actions_result.json"
    assert result.exists(), log
    return json.loads(result.read_text(encoding="utf-8")), run.stdout


def _differences(a, b, path="", out=None) -> list:
    """Where ``a`` (CPython) and ``b`` (Pyodide) differ: numbers beyond 1e-9, anything else
    not equal. Timings are not compared."""
    out = [] if out is None else out
    num = (int, float)
    if isinstance(a, num) and isinstance(b, num) and not isinstance(a, bool) and not isinstance(b, bool):
        if not (math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9) or (a != a and b != b)):
            out.append((path, a, b))
    elif type(a) is not type(b):
        out.append((path, a, b))
    elif isinstance(a, dict):
        if set(a) != set(b):
            out.append((path, sorted(a), sorted(b)))
        for k in set(a) & set(b):
            if k not in ("seconds", "import_seconds", "calls_seconds", "python", "platform", "traceback"):
                _differences(a[k], b[k], f"{path}/{k}", out)
    elif isinstance(a, list):
        if len(a) != len(b):
            out.append((path, f"{len(a)} items", f"{len(b)} items"))
        # (a length difference is recorded above; the common items are compared too)
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            _differences(x, y, f"{path}[{i}]", out)
    elif a != b:
        out.append((path, a, b))
    return out


def _fit_numbers_blanked(result: dict, calls: list) -> dict:
    """``result`` with the numbers of CLV_FIT's answers replaced by "<number>".

    CLV_FIT is an iterative maximum-likelihood fit: where it stops depends on the last bits
    of every exp/log (wasm's libm is not glibc's), so on an ill-conditioned sample (the
    8-customer call of tests/test_udfs.py) the estimates differ far beyond 1e-9 between two
    correct runs, and a standard error may be computable in one and blank in the other. Its
    shape, header and parameter names are still compared; everything computed from given
    numbers (P_ALIVE, CLV, ... with the parameters as arguments) is compared at 1e-9."""
    out = dict(result, calls=list(result["calls"]))
    for i, (name, _args, _rt) in enumerate(calls):
        if name == "CLV_FIT" and isinstance(out["calls"][i], list):
            rows = out["calls"][i]  # header row and parameter names kept; estimates and standard errors
            out["calls"][i] = rows[:1] + [row[:1] + ["<number>" if isinstance(v, float) or v == "" else v
                                                     for v in row[1:]] for row in rows[1:]]
    return out


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_lite_main_runs_in_pyodide_like_cpython(lang, udf_calls, tmp_path):
    folder = ROOT / "workbook_templates" / "lite" / lang
    main, reqs = folder / "main.py", folder / "requirements.txt"
    assert main.read_text(encoding="utf-8") == lite_files(lang)["main.py"]  # the checked-in file is current
    port = _free_port()
    if lang == "en":  # the route without a package index: the wheel next to main.py, fetched from its URL
        site = Path(pyodide_root()) / "index" / "lite-wheel" / f"{os.getpid()}-{port}"
        out = subprocess.run([sys.executable, "-m", "crm_xl.cli", "udfs", "lite", "--lang", "en", "-q",
                              "-o", str(site), "--wheel", "--wheel-url", f"http://127.0.0.1:{port}/lite-wheel/"
                              f"{site.name}"], cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr
        reqs = site / "requirements.txt"
        assert (site / wheel_name()).exists() and (site / "main.py").read_text(encoding="utf-8") == main.read_text(
            encoding="utf-8")
    case = _case(tmp_path, lang, udf_calls)
    try:
        pyo, log = _run_pyodide(tmp_path, main, reqs, case, port)
    finally:
        if lang == "en":
            shutil.rmtree(site, ignore_errors=True)
    cpy = _run_cpython(tmp_path, main, case)

    # it really ran in Pyodide: 32-bit WebAssembly, Pyodide's pandas 2.2 / numpy 2.0
    assert pyo["platform"] == "emscripten" and cpy["platform"] != "emscripten"
    assert "pandas==2.2.3 (pyodide)" in log and "numpy==2.0.2 (pyodide)" in log
    if lang == "en":  # crm_xl came from the hosted wheel's URL
        assert f"/lite-wheel/{site.name}/{wheel_name()}" in log, log[-3000:]

    # every @func and every @script registers, the scripts with their sheet buttons
    assert pyo["functions"] == sorted(udfs.UDF_NAMES)
    console = CONSOLE_NAMES[lang]
    buttons = {macros.lite_script_name(k) for k in macros.LITE_BUTTONS}
    assert {s for s, _ in pyo["scripts"]} == SCRIPTS
    for name, button in pyo["scripts"]:
        if name in buttons:
            assert button and button.startswith(f"[{name}]{console}!"), (name, button)
        else:
            assert button is None, (name, button)

    # nothing raised inside Pyodide, every call answered, every script wrote or alerted
    raised = [(i, c) for i, c in enumerate(pyo["calls"]) if isinstance(c, dict) and "raised" in c]
    assert not raised, raised[:3]
    assert len(pyo["calls"]) == len(udf_calls)
    for name, run in pyo["scripts_run"].items():
        assert "raised" not in run, (name, run.get("raised"), run.get("traceback"))
        assert run["actions"], name
    writes = [a for a in pyo["scripts_run"]["crm_refresh_all"]["actions"] if a["func"] == "setValues"]
    alerts = [a for a in pyo["scripts_run"]["crm_refresh_all"]["actions"] if a["func"] == "alert"]
    assert len(writes) > 20 and not alerts, alerts

    # a well-conditioned fit (CDNOW's 2,357 customers, the published parameters): the same
    # estimates within 1e-6 and standard errors within 1e-4 (relative) in both
    big = [i for i, (name, args, _rt) in enumerate(udf_calls)
           if name == "CLV_FIT" and isinstance(args[0], list) and len(args[0]) >= 1000]
    assert big  # tests/test_udfs.py fits CDNOW
    for i in big:
        a, b = cpy["calls"][i], pyo["calls"][i]
        assert [r[0] for r in a] == [r[0] for r in b]
        for ra, rb in zip(a[1:], b[1:], strict=True):
            assert math.isclose(ra[1], rb[1], rel_tol=1e-6), (ra, rb)
            assert math.isclose(ra[2], rb[2], rel_tol=1e-4), (ra, rb)

    # the same values as CPython: numbers within 1e-9, texts equal
    diffs = _differences(_fit_numbers_blanked(cpy, udf_calls), _fit_numbers_blanked(pyo, udf_calls))
    assert not diffs, diffs[:20]
