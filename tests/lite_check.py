"""What tests/test_lite_pyodide.py runs next to an xlwings Lite ``main.py``, once inside
Pyodide (../shared/tools/pyodide/run-lite) and once under CPython, to compare the two.

It reads ``demo_payload.json`` from the current folder (``{"payload": workbook JSON as
Office.js sends it, "calls": [[func_name, args, runtime], ...]}``), imports ``main``, and
writes ``actions_result.json``: the registered ``@func`` names, the ``@script`` names with
their buttons, the result of every worksheet function call (through
``xlwings.server.custom_functions_call``, as Office.js calls them) and the actions every
script records on ``xw.Book(json=payload)`` (a fresh copy of the workbook per script).
A call or script that raises is recorded as ``{"raised": "..."}``, never hidden.

No pytest and nothing of the test suite is imported here: Pyodide has neither.
"""

import asyncio
import copy
import datetime as dt
import json
import os
import sys
import time
import traceback

# as tests/conftest.py does: real @func/@script decorators and xlwings' remote engine
os.environ.setdefault("XLWINGS_ON_SERVER", "true")
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")


def _decode(v):
    """JSON args back to Python: ``{"$datetime": iso}`` -> datetime (classic COM values)."""
    if isinstance(v, dict) and set(v) == {"$datetime"}:
        return dt.datetime.fromisoformat(v["$datetime"])
    if isinstance(v, list):
        return [_decode(x) for x in v]
    return v


def _raised(exc: BaseException) -> dict:
    return {"raised": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()[-3000:]}


async def main_check():
    t0 = time.time()
    import main  # the xlwings Lite main.py under test
    import xlwings as xw
    from xlwings.server import custom_functions_call, custom_functions_meta, custom_scripts_call, custom_scripts_meta

    case = json.load(open("demo_payload.json", encoding="utf-8"))
    out = {"python": sys.version.split()[0], "platform": sys.platform}
    out["functions"] = sorted(f["name"] for f in custom_functions_meta(main)["functions"])
    scripts = custom_scripts_meta(main)
    out["scripts"] = sorted([s["function_name"], s.get("button")] for s in scripts)
    out["import_seconds"] = round(time.time() - t0, 1)

    t = time.time()
    calls = []
    for name, args, runtime in case["calls"]:
        data = {"func_name": name, "args": _decode(args), "caller_address": "Sheet1!A1", "session_id": "lite",
                "version": xw.__version__, "client": "Office.js", "runtime": runtime,
                "culture_info_name": "zh-CN", "date_format": "yyyy/m/d"}
        try:
            calls.append(await custom_functions_call(data, main))
        except Exception as exc:  # noqa: BLE001 - recorded and compared, never hidden
            calls.append(_raised(exc))
    out["calls"] = calls
    out["calls_seconds"] = round(time.time() - t, 1)

    runs = {}
    for s in scripts:
        name = s["function_name"]
        book = xw.Book(json=copy.deepcopy(case["payload"]))
        t = time.time()
        try:
            await custom_scripts_call(main, name, typehint_to_value={xw.Book: book})
            runs[name] = {"actions": book.json()["actions"]}
        except Exception as exc:  # noqa: BLE001
            runs[name] = _raised(exc)
        runs[name]["seconds"] = round(time.time() - t, 1)
        print(f"script {name}: {runs[name]['seconds']}s", flush=True)
    out["scripts_run"] = runs
    with open("actions_result.json", "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, default=str)
    print(f"lite check done in {time.time() - t0:.1f}s", flush=True)


if __name__ == "__main__":  # CPython: python lite_check.py in the folder holding main.py
    sys.path.insert(0, os.getcwd())
    asyncio.run(main_check())
