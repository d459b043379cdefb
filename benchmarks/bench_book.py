"""Benchmark: the live-Book renderer (through xlwings' remote engine) vs the file renderer.

Run from the repository root:  python benchmarks/bench_book.py [--rows 20000]

Prints ratios measured in this one run (no absolute time is asserted anywhere):

1. render_book of a Template-1 table with ROWS rows (13 columns) into ``xw.Book(json=...)``
   -- the Python side of a macro: editable merge, per-kind value conversion, text guard,
   the recorded actions -- next to render_workbook of the same spec to an .xlsx file.
   What Excel then does with the actions (COM / Office.js) cannot be measured here.
2. How many actions and value writes the Book receives: one value write per block,
   independent of ROWS.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
os.environ.setdefault("XLWINGS_ON_SERVER", "true")
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

from bench_render import COLUMNS, frame  # noqa: E402


def spec(n):
    from crm_xl.report.spec import ColumnSpec, ReportSpec, SheetSpec, TableBlock, TextBlock, stack

    cols = tuple(ColumnSpec(k, h, kind) for k, h, kind in COLUMNS)
    t = TableBlock("RFMLayers", cols, frame(n), key_columns=("customer_id",))
    return ReportSpec((SheetSpec("RFM分层表", stack([TextBlock(("客户价值分层分析表",), "title"), t]), freeze="A4"),))


def best(fn, k=3):
    out = []
    for _ in range(k):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return min(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=20000)
    args = ap.parse_args()
    import xlwings as xw

    from crm_xl.render.book import render_book
    from crm_xl.render.xlsx import render_workbook

    s = spec(args.rows)
    payload = {"client": "Office.js", "version": xw.__version__,
               "book": {"name": "b.xlsx", "active_sheet_index": 0, "selection": "A1"}, "names": [],
               "sheets": [{"name": "Sheet1", "values": [[]], "pictures": [], "shapes": [], "charts": [],
                           "notes": [], "tables": [], "pivot_tables": [], "show_gridlines": True,
                           "visibility": "Visible"}]}
    import copy

    books = []

    def live():
        b = xw.Book(json=copy.deepcopy(payload))
        render_book(s, b)
        books.append(b)

    with tempfile.TemporaryDirectory() as d:
        t_file = best(lambda: render_workbook(s, os.path.join(d, "r.xlsx")))
    t_live = best(live)
    actions = books[-1].json()["actions"]
    writes = [a for a in actions if a["func"] == "setValues"]
    print(f"rows={args.rows:,} columns={len(COLUMNS)}")
    print(f"render_workbook (file):            {t_file:6.2f} s")
    print(f"render_book (remote engine, Python side): {t_live:6.2f} s  ratio {t_live / t_file:.2f}x the file renderer")
    print(f"actions recorded: {len(actions)}, value writes: {len(writes)} "
          f"(largest {max(a['row_count'] for a in writes):,} rows x {max(a['column_count'] for a in writes)} columns)")


if __name__ == "__main__":
    main()
