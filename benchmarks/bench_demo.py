"""Demo data generation (issue 3 item 5): crm_xl.demo at 10k and 100k customers, against
a floor measured in the same run: drawing the same number of order rows as plain random
numbers into a DataFrame (one column per order field, no strings, no structure).

    python benchmarks/bench_demo.py [customers ...]     (default: 10000 100000)
"""

import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # this checkout, not an installed copy

import numpy as np
import pandas as pd

from crm_xl.demo import build_demo, generate_dirty_demo


def floor(m: int, seed: int = 1) -> float:
    """Seconds to draw ``m`` rows of 10 random numeric columns into a DataFrame."""
    t = time.perf_counter()
    rng = np.random.default_rng(seed)
    pd.DataFrame({f"c{i}": rng.random(m) for i in range(10)})
    return time.perf_counter() - t


def main(sizes: list[int]) -> None:
    for n in sizes:
        t = time.perf_counter()
        demo = build_demo(n)
        gen = time.perf_counter() - t
        m = len(demo.data.orders)
        base = floor(m)
        t = time.perf_counter()
        sheets = demo.sheets("zh")
        raw = time.perf_counter() - t
        t = time.perf_counter()
        dirty = generate_dirty_demo(n)  # builds the clean demo again, then dirties it
        dirty_s = time.perf_counter() - t
        rows = {k: len(v) for k, v in demo.data.tables().items()}
        print(f"customers={n:,} orders={m:,} ({m / n:.1f} per customer) interactions={rows['interactions']:,} "
              f"leads={rows['leads']:,}")
        print(f"  floor (10 random numeric columns, {m:,} rows):   {base:6.2f} s")
        print(f"  build_demo (canonical CrmData):                 {gen:6.2f} s  {m / gen:>10,.0f} orders/s  "
              f"ratio {gen / base:5.1f}x")
        print(f"  Demo.sheets (raw sheets, zh headers):           {raw:6.2f} s")
        print(f"  generate_dirty_demo (incl. build, ground truth): {dirty_s:6.2f} s  {len(dirty.cells):,} dirty cells, "
              f"{len(dirty.rows):,} inserted rows")
        del demo, sheets, dirty


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10_000, 100_000])
