"""Cleaning 1M order rows (issue 3 performance): crm_xl's clean_table vs a trivial pandas
baseline (to_datetime + to_numeric on already-clean columns) in the same run.

    python benchmarks/bench_clean.py [rows]
"""

import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # this checkout, not an installed copy

import numpy as np
import pandas as pd

from crm_xl.core.clean import clean_table


def make_orders(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    days = pd.Timestamp("2022-10-01") + pd.to_timedelta(rng.integers(0, 730, n), unit="D")
    amount = np.round(rng.lognormal(9, 0.8, n), -1)
    date_txt = days.strftime("%Y-%m-%d").to_numpy(dtype=object).copy()
    messy = rng.random(n) < 0.15
    alt = days.strftime("%Y/%-m/%-d").to_numpy(dtype=object)
    date_txt[messy] = alt[messy]
    amt = amount.astype(object)
    am = rng.random(n) < 0.15
    amt[am] = pd.Series(amount[am] / 10_000).map(lambda v: f"{v:g}万").to_numpy()
    return pd.DataFrame({
        "订单编号": np.char.add("SO", np.arange(n).astype(str)).astype(object),
        "客户ID": np.char.add("C", rng.integers(1, 100_000, n).astype(str)).astype(object),
        "下单日期": date_txt,
        "金额(元)": amt,
        "产品": rng.choice(["CRM标准版", "CRM专业版", "实施服务"], n).astype(object),
    }), days, amount


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    raw, days, amount = make_orders(n)
    t0 = time.perf_counter()
    pd.to_datetime(pd.Series(days.strftime("%Y-%m-%d")), format="%Y-%m-%d")
    pd.to_numeric(pd.Series(amount))
    base = time.perf_counter() - t0
    t0 = time.perf_counter()
    res = clean_table(raw, "orders", sheet="订单")
    ours = time.perf_counter() - t0
    print(f"rows={n:,} cleaned={len(res.frame):,} log_entries={len(res.log):,}")
    print(f"baseline (to_datetime+to_numeric on clean columns): {base:.2f} s")
    print(f"crm_xl clean_table (all rules, log):                {ours:.2f} s  ratio {ours / base:.1f}x")


if __name__ == "__main__":
    main()
