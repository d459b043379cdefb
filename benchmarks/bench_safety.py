"""Cost of the reliability guards on reading a large order sheet (issue 10): the zip
directory check (``crm_xl.safety.check_workbook_file``) and the scan for Excel error
cells (``crm_xl.io._excel_error_cells``), as ratios to python-calamine's own read of the
same file in the same run.

    python benchmarks/bench_safety.py [rows]
"""

import pathlib
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # this checkout
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from bench_read import write_orders  # noqa: E402
from python_calamine import CalamineWorkbook  # noqa: E402

from crm_xl.io import read_sheet_rows  # noqa: E402
from crm_xl.safety import check_workbook_file, scan_sheets  # noqa: E402


def best(fn, n=3):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300_000
    with tempfile.TemporaryDirectory() as tmp:
        p = pathlib.Path(tmp) / "orders.xlsx"
        write_orders(p, n)
        base = best(lambda: CalamineWorkbook.from_path(str(p)).get_sheet_by_name("订单").to_python(skip_empty_area=False))
        guard = best(lambda: check_workbook_file(p))
        scan = best(lambda: scan_sheets(p))
        full = best(lambda: read_sheet_rows(p))
    print(f"rows={n:,}")
    print(f"calamine to_python (baseline):      {base:6.2f} s")
    print(f"check_workbook_file (zip directory): {guard:6.4f} s  ratio {guard / base:.3f}")
    print(f"sheet scan (extent + error cells):    {scan:6.2f} s  ratio {scan / base:.3f}")
    print(f"read_sheet_rows (all of it):         {full:6.2f} s  ratio {full / base:.3f}")


if __name__ == "__main__":
    main()
