"""Benchmark: the whole report end to end (issue 5 performance).

Run from the repository root:  python benchmarks/bench_report.py [--customers 10000]

Steps, each timed in this one run (no absolute time is asserted anywhere):

1. ``crm-xl report BOOK`` as a user runs it -- a separate process (interpreter start and
   imports included) on a workbook holding only the data sheets: read them (calamine),
   clean, analyse, build every report sheet and write them in -- the number issue 5
   bounds (10k customers / ~100k orders end to end). The child's own peak RSS is measured
   (os.wait4), apart from this process, which holds the generated demo data.
2. The same command again: refreshing the report in place (data sheets and the previous
   report already there).
3. In this process: where the time of a refresh goes (read / clean+analyse+spec / write).
4. Writing the report's sheets (render_workbook of the spec, no data sheets) vs the floor:
   the same cells with the same number formats written by xlsxwriter in constant_memory
   mode (no tables, charts or styles -- a lower bound no real writer reaches).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def floor_write(spec, out) -> float:
    """The spec's cells written by xlsxwriter, as plainly as possible; seconds."""
    import math

    import pandas as pd
    import xlsxwriter

    from crm_xl.report.spec import TableBlock, TextBlock

    t0 = time.perf_counter()
    wb = xlsxwriter.Workbook(out, {"constant_memory": True})
    fmts = {}
    for sh in spec.sheets:
        ws = wb.add_worksheet(sh.name)
        cells = []  # constant_memory needs row order
        for b in sh.blocks:
            if isinstance(b, TextBlock):
                cells += [(b.row + i, b.col, str(v), None) for i, v in enumerate(b.lines)]
                continue
            assert isinstance(b, TableBlock)
            if b.title:
                cells.append((b.header_row - 1, b.col, b.title, None))
            cells += [(b.header_row, b.col + j, c.header, None) for j, c in enumerate(b.columns)]
            for j, c in enumerate(b.columns):
                fmt = fmts.setdefault(c.number_format, wb.add_format({"num_format": c.number_format}))
                vals = b.data[c.key].tolist() if c.key in b.data.columns else [None] * len(b.data)
                for i, v in enumerate(vals):
                    cells.append((b.first_data_row + i, b.col + j, v, (fmt, c.kind)))
        cells.sort(key=lambda x: (x[0], x[1]))
        for r, c, v, fk in cells:
            if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT:
                continue
            if fk is None:
                ws.write_string(r - 1, c - 1, str(v))
            elif isinstance(v, pd.Timestamp):
                ws.write_datetime(r - 1, c - 1, v.to_pydatetime(), fk[0])
            elif isinstance(v, (int, float)) and not isinstance(v, bool):
                ws.write_number(r - 1, c - 1, v, fk[0])
            else:
                ws.write_string(r - 1, c - 1, str(v), fk[0])
    wb.close()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=10_000)
    ap.add_argument("--tables", default="", metavar="NAMES",
                    help="only these demo tables, comma-separated (e.g. customers,orders: the shape issue 5 names); "
                         "default: all (customers, orders, interactions, leads, campaigns, targets)")
    args = ap.parse_args()

    from crm_xl.demo import generate_demo
    from crm_xl.render.splice import refresh_workbook
    from crm_xl.render.xlsx import render_workbook
    from crm_xl.report.build import build_report
    from crm_xl.report.inputs import read_workbook_inputs

    raw = generate_demo(args.customers)
    if args.tables:
        raw = {k: v for k, v in raw.items() if k in args.tables.split(",")}
    n_orders, names = len(raw["orders"]), ",".join(raw)
    with tempfile.TemporaryDirectory() as tmp:
        book = os.path.join(tmp, "book.xlsx")
        # a workbook holding only the data sheets, as a user would have after pasting
        from crm_xl.report.data_sheets import data_sheet
        from crm_xl.report.spec import ReportSpec

        render_workbook(ReportSpec(sheets=tuple(data_sheet(k, v) for k, v in raw.items())), book)
        del raw
        first, first_rss = cli_report(book)
        again, again_rss = cli_report(book)
        # breakdown of a refresh, in this process
        t0 = time.perf_counter()
        wi = read_workbook_inputs(book)
        t1 = time.perf_counter()
        run = build_report(wi.raw_tables, wi.settings, goals=wi.goals, previous_strategy=wi.previous_strategy)
        t2 = time.perf_counter()
        refresh_workbook(run.spec, book)
        t3 = time.perf_counter()
        report_only = run.spec
        t4 = time.perf_counter()
        render_workbook(report_only, os.path.join(tmp, "report_only.xlsx"))
        write = time.perf_counter() - t4
        floor = floor_write(report_only, os.path.join(tmp, "floor.xlsx"))
    total = t3 - t0
    print(f"customers={args.customers} orders={n_orders} tables={names}")
    print(f"crm-xl report, data-only workbook : {first:6.2f} s  (own process, peak RSS {first_rss:,.0f} MB)")
    print(f"crm-xl report, refresh in place   : {again:6.2f} s  (own process, peak RSS {again_rss:,.0f} MB)")
    print(f"refresh in this process           : {total:6.2f} s")
    print(f"  read {100 * (t1 - t0) / total:4.0f}% | clean+analyse+spec {100 * (t2 - t1) / total:4.0f}% | "
          f"write {100 * (t3 - t2) / total:4.0f}%")
    print(f"writing the report sheets: {write:.2f} s vs floor (xlsxwriter, same cells) {floor:.2f} s "
          f"-> {write / floor:.2f}x the floor")
    print(f"peak RSS of this benchmark process (demo data included) "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


def cli_report(book: str) -> tuple[float, float]:
    """``crm-xl report BOOK -q`` in a child process: (wall seconds, the child's peak RSS in MB)."""
    import subprocess

    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "crm_xl.cli", "report", book, "-q"], env=env,
                            stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"crm-xl report failed (exit {proc.returncode})")
    return seconds, usage.ru_maxrss / 1024


if __name__ == "__main__":
    main()
