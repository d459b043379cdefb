"""Reading a 1M-row order sheet (issue 3 performance): python-calamine (what crm_xl uses)
vs openpyxl read-only, in the same run. The sheet is written once with xlsxwriter.

    python benchmarks/bench_read.py [rows]
"""

import pathlib
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # this checkout

import numpy as np
import xlsxwriter
from openpyxl import load_workbook

from crm_xl.io import read_workbook


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


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory() as d:
        path = pathlib.Path(d) / "orders.xlsx"
        write_orders(path, n)
        t0 = time.perf_counter()
        tables = read_workbook(path)
        ours = time.perf_counter() - t0
        t0 = time.perf_counter()
        wb = load_workbook(path, read_only=True)
        rows = sum(1 for _ in wb["订单"].iter_rows(values_only=True))
        wb.close()
        base = time.perf_counter() - t0
    print(f"rows={n:,} (crm_xl read {len(tables['orders'].frame):,}; openpyxl iterated {rows - 1:,})")
    print(f"openpyxl read_only iter_rows: {base:.2f} s")
    print(f"crm_xl read_workbook (calamine + header detection + frame): {ours:.2f} s  ratio openpyxl/crm_xl {base / ours:.1f}x")


if __name__ == "__main__":
    main()
