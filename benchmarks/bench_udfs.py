"""Worksheet functions (issue 6 performance): RFM_SCORES on 100k rows through xlwings'
Office.js conversion path vs calling the core directly, in the same run.

* udf: ``xlwings.server.custom_functions_call`` with the payload Excel sends (three
  one-column ranges of 100k cells as lists of lists, dates as serial numbers), i.e. the
  argument conversion, the core call and the result conversion (100k x 4 cells back).
* core (arrays): :func:`crm_xl.core.rfm.rfm_scores` on numpy arrays already in memory.
* core (from lists): the same, including turning the Python lists Excel hands over into
  numpy arrays - the least any Excel bridge has to do.
* xlwings default conversion: the same function with xlwings' default argument and return
  converters instead of crm_xl's (measured on 10k rows and scaled; it visits every cell in
  Python, see benchmarks/README.md).

Targets: udf <= 0.3 s and <= 3x core. Each time is the best of several repeats.

    python benchmarks/bench_udfs.py
"""

import asyncio
import os
import pathlib
import sys
import time

os.environ.setdefault("XLWINGS_ON_SERVER", "true")
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # this checkout

import numpy as np
import pandas as pd
import xlwings
import xlwings as xw
from xlwings.server import custom_functions_call

from crm_xl.core.rfm import rfm_scores
from crm_xl.excel import udfs
from crm_xl.settings import AnalysisSettings

N = 100_000
REPEATS = 5


def best_of(fn, repeats=REPEATS):
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def payload(name, args):
    return {"func_name": name, "args": args, "caller_address": "Sheet1!A1", "session_id": "bench",
            "version": xlwings.__version__, "client": "Office.js", "runtime": "1.4",
            "culture_info_name": "zh-CN", "date_format": "yyyy/m/d"}


class _Module:
    """Holds the comparison UDF with xlwings' default converters."""


@xw.func
@xw.arg("d", ndim=2)
@xw.arg("f", ndim=2)
@xw.arg("m", ndim=2)
def RFM_SCORES_DEFAULT(d, f, m, as_of):
    frame = pd.DataFrame({"recency_days": as_of - np.array(d, dtype=float).ravel(),
                          "frequency": np.array(f, dtype=float).ravel(), "monetary": np.array(m, dtype=float).ravel()})
    return rfm_scores(frame, AnalysisSettings()).to_numpy()


_Module.RFM_SCORES_DEFAULT = RFM_SCORES_DEFAULT


def main():
    rng = np.random.default_rng(0)
    as_of = 45565.0  # 2024-09-30
    dates = (as_of - rng.integers(0, 400, N)).astype(float)
    freq = rng.integers(1, 20, N).astype(float)
    amount = np.round(rng.lognormal(10, 1, N), 2)
    lists = [[[v] for v in a.tolist()] for a in (dates, freq, amount)]
    settings = AnalysisSettings()

    t_udf, out = best_of(lambda: asyncio.run(custom_functions_call(payload("RFM_SCORES", lists + [as_of]), udfs)))
    assert len(out) == N and len(out[0]) == 4

    def core_arrays():
        return rfm_scores(pd.DataFrame({"recency_days": as_of - dates, "frequency": freq, "monetary": amount}),
                          settings)

    def core_lists():
        d, f, m = (np.array(x, dtype=float).ravel() for x in lists)
        return rfm_scores(pd.DataFrame({"recency_days": as_of - d, "frequency": f, "monetary": m}), settings)

    t_core, ref = best_of(core_arrays)
    t_core_lists, _ = best_of(core_lists)
    assert np.array_equal(np.array(out), ref.to_numpy())

    small = [x[: N // 10] for x in lists]
    t_default, _ = best_of(lambda: asyncio.run(custom_functions_call(payload("RFM_SCORES_DEFAULT", small + [as_of]),
                                                                     _Module)), repeats=1)
    t_default *= 10

    print(f"RFM_SCORES, {N:,} rows x 3 columns in, {N:,} x 4 out (best of {REPEATS})")
    print(f"  udf through xlwings (crm_xl converters)   {t_udf:7.3f} s   (target <= 0.3 s)")
    print(f"  core on numpy arrays                      {t_core:7.3f} s   ratio udf/core {t_udf / t_core:5.1f}x")
    print(f"  core incl. lists -> arrays                {t_core_lists:7.3f} s   ratio udf/core {t_udf / t_core_lists:5.1f}x"
          "   (target <= 3x)")
    print(f"  xlwings default converters (10k x 10)     {t_default:7.3f} s   ratio to crm_xl udf {t_default / t_udf:5.0f}x")


if __name__ == "__main__":
    main()
