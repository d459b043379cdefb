"""Reading a large invoice-line export, as exported: the whole `crm-xl report` command vs pandas.

Issue 15's target: a 540k-line invoice export (about 26k invoices) reads, cleans and reports
in <= 15 s and <= 1 GB on the 2-core machine, stated as a ratio against reading the same
file with pandas in the same run.

The file is made in the shape of the UCI Online Retail export (tests/exports/online_retail_
invoices): InvoiceNo, StockCode, Description, Quantity, InvoiceDate (``12/1/2010 8:26``),
UnitPrice, CustomerID, Country; invoices of several lines, about 2 % credit notes (``C`` +
number, negative quantities) and a quarter of the lines without a customer, with the stock
codes, descriptions and prices of the real subset.

    python benchmarks/bench_intake.py                 # 541,909 lines
    python benchmarks/bench_intake.py --lines 100000  # smaller
"""

from __future__ import annotations

import argparse
import pathlib
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd

ROOT = pathlib.Path(__file__).resolve().parents[1]
REAL = ROOT / "tests" / "exports" / "online_retail_invoices" / "Online Retail.csv"


def make_export(path: pathlib.Path, lines: int, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    real = pd.read_csv(REAL, dtype=str).dropna(subset=["StockCode"])
    items = real[["StockCode", "Description", "UnitPrice"]].drop_duplicates("StockCode").reset_index(drop=True)
    per_invoice = rng.integers(1, 41, size=lines)  # lines per invoice
    sizes = []
    total = 0
    for k in per_invoice:
        if total >= lines:
            break
        k = int(min(k, lines - total))
        sizes.append(k)
        total += k
    n_inv = len(sizes)
    inv_no = 536365 + np.arange(n_inv)
    credit = rng.random(n_inv) < 0.02
    n_cust = max(n_inv // 6, 1)
    cust = 12346 + rng.integers(0, n_cust, size=n_inv)
    no_cust = rng.random(n_inv) < 0.25
    start = np.datetime64("2010-12-01T08:00")
    minutes = np.sort(rng.integers(0, 373 * 24 * 60, size=n_inv))
    when = pd.to_datetime(start + minutes.astype("timedelta64[m]"))
    date_text = [f"{t.month}/{t.day}/{t.year} {t.hour}:{t.minute:02d}" for t in when]
    rep = np.repeat(np.arange(n_inv), sizes)
    item = rng.integers(0, len(items), size=len(rep))
    qty = rng.integers(1, 25, size=len(rep))
    qty = np.where(credit[rep], -qty, qty)
    frame = pd.DataFrame({
        "InvoiceNo": [("C" if c else "") + str(i) for c, i in zip(credit[rep], inv_no[rep], strict=True)],
        "StockCode": items["StockCode"].to_numpy()[item],
        "Description": items["Description"].to_numpy()[item],
        "Quantity": qty,
        "InvoiceDate": np.asarray(date_text, dtype=object)[rep],
        "UnitPrice": items["UnitPrice"].to_numpy()[item],
        "CustomerID": np.where(no_cust[rep], "", cust[rep].astype(str)),
        "Country": "United Kingdom",
    })
    frame.to_csv(path, index=False)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=541_909)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        d = pathlib.Path(d)
        src = d / "Online Retail.csv"
        make_export(src, args.lines)
        t0 = time.perf_counter()
        read = pd.read_csv(src, dtype=str)
        t_pandas = time.perf_counter() - t0
        out = d / "report.xlsx"
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "crm_xl.cli", "report", str(out), "--input", str(src), "-q"],
                              capture_output=True, text=True)
        t_report = time.perf_counter() - t0
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        if proc.returncode != 0:
            print(proc.stdout, proc.stderr)
            raise SystemExit(proc.returncode)
        print(f"export: {len(read):,} lines, {read['InvoiceNo'].nunique():,} invoices, "
              f"{src.stat().st_size / 1e6:.1f} MB")
        print(f"pandas.read_csv (text columns):           {t_pandas:6.2f} s")
        print(f"crm-xl report --input (whole command):     {t_report:6.2f} s  peak {peak_mb:,.0f} MB")
        print(f"ratio report / pandas read:                {t_report / t_pandas:6.1f}x")
        print(proc.stdout.strip())


if __name__ == "__main__":
    main()
