"""Benchmark: writing a new report's package, and the whole command, old code against new (issue 20).

Which code runs is chosen by PYTHONPATH (no path is inserted here), so one script measures
two trees, e.g. the branch and ``git worktree add --detach /tmp/base main``:

    PYTHONPATH=. python benchmarks/bench_skeleton.py write --csv /tmp/p20/o1000.csv /tmp/p20/o10000.csv
    PYTHONPATH=/tmp/base python benchmarks/bench_skeleton.py write --csv ...
    python benchmarks/bench_skeleton.py command --trees /tmp/base . --csv /tmp/p20/o10000.csv --repeat 5

``write``: in one process, the report spec of each CSV (read, cleaned, analysed once), then
``write_package`` into memory, best and median of ``--repeat`` runs (wall clock and the CPU time
of the process: the raw data sheets' child is not in it), the first run (which includes the
writer's first-use imports: openpyxl in the old code) reported apart. ``--data-sheets`` adds the
raw data sheets as the command does for a new workbook (made by a forked child at 10k);
``--as-of`` fixes the analysis date; ``--spec-cache DIR`` keeps each built spec as a pickle
there and reuses it (a 200k-customer spec takes a minute to build: build it once, then time
both trees on it, e.g. ``--csv orders_200k.csv`` made by ``bench_vs_formulas.make_orders``).
``command``: ``crm-xl report OUT --input CSV`` (a new process each time, a fresh OUT), the
trees interleaved run by run; best and median per tree, of the wall-clock time and of the CPU
time (user + system: less bent by a loaded machine). No time is asserted anywhere.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time


def _spec(csv: str, data_sheets: bool, as_of: str | None, cache: str | None):
    import datetime as dt
    import pickle
    from dataclasses import replace

    path = None
    if cache:
        os.makedirs(cache, exist_ok=True)
        path = os.path.join(cache, f"{os.path.basename(csv)}.{int(data_sheets)}.{as_of or 'today'}.pickle")
        if os.path.exists(path):
            with open(path, "rb") as f:
                return pickle.load(f)
    from crm_xl.io import read_sources
    from crm_xl.report.build import build_report
    from crm_xl.settings import AnalysisSettings

    settings = AnalysisSettings()
    if as_of:
        settings = replace(settings, analysis_date=dt.date.fromisoformat(as_of))
    spec = build_report(read_sources([csv]), settings, include_data_sheets=data_sheets).spec
    if path:
        with open(path, "wb") as f:
            pickle.dump(spec, f, protocol=pickle.HIGHEST_PROTOCOL)
    return spec


def _write(csvs: list[str], repeat: int, data_sheets: bool = False, as_of: str | None = None,
           cache: str | None = None) -> None:
    for csv in csvs:
        spec = _spec(csv, data_sheets, as_of, cache)
        t0 = time.perf_counter()
        from crm_xl.render.xlsx import write_package  # first use: the writer's own imports count here
        write_package(spec, io.BytesIO())
        first = time.perf_counter() - t0
        times, cpu = [], []
        for _ in range(repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            write_package(spec, io.BytesIO())
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        print(f"{os.path.basename(csv)}: write_package first {first:.3f} s, then best {min(times):.3f} s, "
              f"median {statistics.median(times):.3f} s ({repeat} runs); CPU best {min(cpu):.3f} s, "
              f"median {statistics.median(cpu):.3f} s")
        try:
            from crm_xl.render.parts.skeleton import build_skeleton
            from crm_xl.render.sheetdata import StringSink
        except ImportError:
            continue
        sk = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            build_skeleton(spec, StringSink("shared"))
            sk.append(time.perf_counter() - t0)
        print(f"  of which the skeleton (build_skeleton): best {min(sk):.3f} s, median {statistics.median(sk):.3f} s")


def _command(trees: list[str], csvs: list[str], repeat: int) -> None:
    for csv in csvs:
        times: dict[str, list[float]] = {t: [] for t in trees}
        cpu: dict[str, list[float]] = {t: [] for t in trees}
        with tempfile.TemporaryDirectory() as d:
            for i in range(repeat):
                for t in trees:
                    out = os.path.join(d, f"r{i}_{len(times[t])}_{os.path.basename(t.rstrip('/')) or 'tree'}.xlsx")
                    env = {**os.environ, "PYTHONPATH": os.path.abspath(t)}
                    csv = os.path.abspath(csv)
                    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
                    t0 = time.perf_counter()
                    subprocess.run([sys.executable, "-m", "crm_xl", "report", out, "--input", csv, "-q"], check=True,
                                   env=env, stdout=subprocess.DEVNULL, cwd=d)  # (python -m puts the cwd first)
                    times[t].append(time.perf_counter() - t0)
                    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
                    cpu[t].append(r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime)
        for t, ts in times.items():
            print(f"{os.path.basename(csv)} [{t}]: best {min(ts):.2f} s, median {statistics.median(ts):.2f} s, "
                  f"all {' '.join(f'{x:.2f}' for x in ts)}; CPU of the process (its waited-for children too) "
                  f"best {min(cpu[t]):.2f} s, median {statistics.median(cpu[t]):.2f} s", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", choices=["write", "command"])
    ap.add_argument("--csv", nargs="+", required=True)
    ap.add_argument("--trees", nargs="+", default=["."])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--data-sheets", action="store_true", help="write: the raw data sheets too, as the command does")
    ap.add_argument("--as-of", help="write: the analysis date (YYYY-MM-DD)")
    ap.add_argument("--spec-cache", help="write: a folder keeping each built spec (pickle) for the next run")
    a = ap.parse_args()
    if a.mode == "write":
        _write(a.csv, a.repeat, a.data_sheets, a.as_of, a.spec_cache)
    else:
        _command(a.trees, a.csv, a.repeat)


if __name__ == "__main__":
    main()
