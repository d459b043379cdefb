"""Reading a 1M-row order sheet (issue 3 performance): python-calamine (what crm_xl uses)
vs openpyxl read-only, in the same run. The sheet is written once with xlsxwriter.

crm_xl's time is split into calamine (parse + Python cell values) and the frame build
(header detection + DataFrame), and the frame build is compared with the row-wise
construction crm_xl used before (``pd.DataFrame(list of rows)`` + ``replace``).

    python benchmarks/bench_read.py [rows] [--no-openpyxl]
"""

import pathlib
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # this checkout

import numpy as np
import pandas as pd
import xlsxwriter
from openpyxl import load_workbook

from crm_xl.io import read_sheet_rows, tables_from_sheet_rows


def write_orders(path: pathlib.Path, n: int) -> None:
    rng = np.random.default_rng(1)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("订单")
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_row(0, 0, ["订单编号", "客户ID", "下单日期", "金额(元)", "产品"])
    cust = rng.integers(1, 100_000, n)
    day = rng.integers(44835, 45565, n)
    amt = np.round(rng.lognormal(9, 0.8, n), -1)
    for i in range(n):
        ws.write_string(i + 1, 0, f"SO{i}")
        ws.write_string(i + 1, 1, f"C{cust[i]}")
        ws.write_number(i + 1, 2, int(day[i]), date_fmt)
        ws.write_number(i + 1, 3, float(amt[i]))
        ws.write_string(i + 1, 4, "CRM标准版")
    wb.close()


def _rowwise_frame(rows: list[list[object]]) -> pd.DataFrame:
    """The previous construction, for the ratio: padded row lists -> DataFrame -> replace."""
    width = max(len(r) for r in rows)
    body = [list(r) + [None] * (width - len(r)) for r in rows[1:]]
    return pd.DataFrame(body, columns=[str(h) for h in rows[0]], dtype=object).replace({"": None})


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 1_000_000
    with tempfile.TemporaryDirectory() as d:
        path = pathlib.Path(d) / "orders.xlsx"
        t0 = time.perf_counter()
        write_orders(path, n)
        written = time.perf_counter() - t0
        t0 = time.perf_counter()
        sheets = read_sheet_rows(path)
        t1 = time.perf_counter()
        tables = tables_from_sheet_rows(sheets, source=str(path))
        t2 = time.perf_counter()
        calamine, frame = t1 - t0, t2 - t1
        t0 = time.perf_counter()
        old = _rowwise_frame(sheets[0][1])
        rowwise = time.perf_counter() - t0
        assert old.shape == tables["orders"].frame.shape
        base = rows = None
        if "--no-openpyxl" not in sys.argv:
            t0 = time.perf_counter()
            wb = load_workbook(path, read_only=True)
            rows = sum(1 for _ in wb["订单"].iter_rows(values_only=True))
            wb.close()
            base = time.perf_counter() - t0
    ours = calamine + frame
    print(f"rows={n:,} (crm_xl read {len(tables['orders'].frame):,}; file written by xlsxwriter in {written:.1f} s)")
    if base is not None:
        print(f"openpyxl read_only iter_rows: {base:.2f} s ({rows - 1:,} rows)")
    print(f"crm_xl read_workbook: {ours:.2f} s"
          + (f"  ratio openpyxl/crm_xl {base / ours:.1f}x" if base is not None else ""))
    print(f"  calamine (parse + cell values):      {calamine:.2f} s")
    print(f"  frame build (header + DataFrame):    {frame:.2f} s")
    print(f"  previous row-wise frame build:       {rowwise:.2f} s  ratio row-wise/column-wise {rowwise / frame:.1f}x")


if __name__ == "__main__":
    main()
