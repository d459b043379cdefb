"""Benchmark: orders in Parquet, aggregated in the engine (issue 19).

Run from the repository root (needs duckdb):

    python benchmarks/bench_sources.py [--orders 10000000] [--customers 200000] [--dir /tmp/crm_xl_bench]
                                       [--report-max 1000000] [--keep]

1. Generates the orders (order number, customer, date, amount as DECIMAL(12,2), status with
   1 in 40 cancelled, product) and the customers as Parquet files in ``--dir`` with DuckDB's
   SQL (nothing is committed; ``--keep`` leaves them for another run).
2. Each measurement runs in a child process (interpreter start and imports included) whose
   own peak RSS is read with ``os.wait4``:

   * ``duckdb group-by``: DuckDB's own group-by of the RFM aggregates (purchases, total,
     first and last order date per customer, cancelled orders left out), the 200k rows
     fetched into Python -- the baseline;
   * ``engine_aggregates``: :func:`crm_xl.sources.pushdown.engine_aggregates` on the same
     folder (mapping by the column names, status classification, the checks for rules
     the engine cannot apply, per-customer RFM and BG/NBD inputs, per-month series);
   * ``crm-xl report OUT --source FOLDER``: the whole command, as a user runs it (the
     interpreter, the imports, the report written); above
     :data:`crm_xl.sources.engine_orders.PUSHDOWN_ROWS` (1M) orders the orders table's
     purchase rules run in the engine and only the purchases come to Python as arrays
     (:mod:`crm_xl.sources.engine_orders`); up to ``--report-max`` orders (default 10M).
     ``--in-memory`` runs it once more with the engine path switched off (every order row
     read into pandas and cleaned there: many GB at 10M).

Times are wall-clock on a shared 2-core machine: compare the ratios of one run only.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]


def generate(d: pathlib.Path, orders: int, customers: int) -> float:
    import duckdb

    d.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    con = duckdb.connect()
    con.execute(f"""COPY (SELECT 'SO' || CAST(i AS VARCHAR) AS order_id,
        'C' || lpad(CAST(hash(i) % {customers} AS VARCHAR), 7, '0') AS customer_id,
        DATE '2021-01-01' + CAST(hash(i + 1000000007) % 1400 AS INTEGER) AS order_date,
        CAST((hash(i + 2000000011) % 500000) / 100.0 + 5 AS DECIMAL(12, 2)) AS amount,
        CASE WHEN hash(i + 3000000019) % 40 = 0 THEN 'cancelled' ELSE 'completed' END AS status,
        'P' || CAST(hash(i + 4000000007) % 50 AS VARCHAR) AS product
        FROM range({orders}) t(i)) TO '{d / "orders.parquet"}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)""")
    con.execute(f"""COPY (SELECT 'C' || lpad(CAST(i AS VARCHAR), 7, '0') AS customer_id,
        'Customer ' || CAST(i AS VARCHAR) AS customer_name,
        ['North', 'South', 'East', 'West'][1 + CAST(i % 4 AS INTEGER)] AS region
        FROM range({customers}) t(i)) TO '{d / "customers.parquet"}' (FORMAT parquet)""")
    con.close()
    return time.perf_counter() - t


def child(code: str | None = None, argv: list[str] | None = None) -> tuple[float, float, str]:
    """(seconds, peak RSS in MB, stdout) of a child Python process."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    cmd = [sys.executable, "-c", code] if code is not None else [sys.executable, *argv]
    t = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        p = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - t
        out.seek(0)
        err.seek(0)
        text, error = out.read().decode(), err.read().decode()
    if p.returncode:
        raise RuntimeError(f"{cmd} failed:\n{text}\n{error}")
    return seconds, usage.ru_maxrss / 1024, text.strip()


GROUP_BY = """
import duckdb
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
{limit}
rows = con.execute(\"\"\"SELECT customer_id, count(*), sum(amount), min(order_date), max(order_date)
    FROM read_parquet('{path}') WHERE status NOT IN ('cancelled') GROUP BY customer_id\"\"\").fetchall()
print(len(rows), sum(r[1] for r in rows))
"""

ENGINE = """
from crm_xl.sources import open_source
from crm_xl.sources.pushdown import engine_aggregates
con = open_source({url!r})
{limit}
a = engine_aggregates({url!r}, con=con)
print(len(a.customers), a.purchases, a.rows)
"""


IN_MEMORY = """
import sys
import crm_xl.sources.engine_orders as eo
from crm_xl.cli import main
eo.PUSHDOWN_ROWS = 10 ** 15
sys.exit(main(["report", {out!r}, "--source", {url!r}, "-q"]))
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders", type=int, default=10_000_000)
    ap.add_argument("--customers", type=int, default=200_000)
    ap.add_argument("--dir", default=os.path.join(tempfile.gettempdir(), "crm_xl_bench_sources"))
    ap.add_argument("--report-max", type=int, default=10_000_000)
    ap.add_argument("--in-memory", action="store_true", help="also the report with the engine path switched off")
    ap.add_argument("--no-engine", action="store_true", help="skip engine_aggregates")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--memory-limit", help="DuckDB's memory_limit for both measurements, e.g. 6GB (default: "
                                           "DuckDB's, 80%% of the machine's memory)")
    args = ap.parse_args()
    d = pathlib.Path(args.dir) / f"{args.orders}_{args.customers}"
    try:
        if not (d / "orders.parquet").exists():
            g = generate(d, args.orders, args.customers)
            print(f"generated {args.orders:,} orders / {args.customers:,} customers in {g:.1f} s "
                  f"({(d / 'orders.parquet').stat().st_size / 2**20:,.0f} MB of Parquet)")
        print(f"load average {os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f}")
        limit = f"con.execute(\"SET memory_limit = '{args.memory_limit}'\")" if args.memory_limit else ""
        base_s, base_mb, base_out = child(GROUP_BY.format(path=d / "orders.parquet", limit=limit))
        print(f"duckdb group-by          {base_s:7.2f} s  {base_mb:7,.0f} MB   ({base_out})")
        if not args.no_engine:
            eng_s, eng_mb, eng_out = child(ENGINE.format(url=str(d),
                                                         limit=limit.replace("con.execute", "con.con.execute")))
            print(f"engine_aggregates        {eng_s:7.2f} s  {eng_mb:7,.0f} MB   ({eng_out})  "
                  f"ratio {eng_s / base_s:.1f}x")
        if args.orders <= args.report_max:
            out = d / "report.xlsx"
            out.unlink(missing_ok=True)
            rep_s, rep_mb, _ = child(argv=["-m", "crm_xl", "report", str(out), "--source", f"parquet://{d}", "-q"])
            print(f"crm-xl report --source   {rep_s:7.2f} s  {rep_mb:7,.0f} MB   ratio {rep_s / base_s:.1f}x "
                  f"(the whole command; the orders through the engine above 1M rows)")
            if args.in_memory:
                out.unlink(missing_ok=True)
                mem_s, mem_mb, _ = child(IN_MEMORY.format(out=str(out), url=f"parquet://{d}"))
                print(f"  in-memory path         {mem_s:7.2f} s  {mem_mb:7,.0f} MB   ratio {mem_s / base_s:.1f}x")
        else:
            print(f"crm-xl report --source   not run above --report-max {args.report_max:,} orders")
        print(f"free disk {shutil.disk_usage(d).free / 2**30:,.0f} GB")
        print(f"load average {os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f}")
    finally:
        if not args.keep:
            shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
