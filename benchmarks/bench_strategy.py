"""Strategy table, merge on refresh, effect tracking and the four scenarios on the demo data,
each as a ratio to ``analyze()`` on the same data, measured in one run.

    python benchmarks/bench_strategy.py [customers]   (default 5000, about 48k orders)
"""

from __future__ import annotations

import sys
import time

sys.path.insert(0, ".")

from crm_xl.core import scenarios as sc  # noqa: E402
from crm_xl.core.analysis import analyze  # noqa: E402
from crm_xl.core.effect import effect_tracking  # noqa: E402
from crm_xl.core.strategy import strategy_table  # noqa: E402
from crm_xl.demo.api import demo_crm_data  # noqa: E402


def timed(f):
    t = time.perf_counter()
    out = f()
    return out, time.perf_counter() - t


def main(n: int) -> None:
    d = demo_crm_data(n)
    r, base = timed(lambda: analyze(d))
    table, t_table = timed(lambda: strategy_table(r))
    filled = table.assign(status="进行中")
    _, t_merge = timed(lambda: strategy_table(r, filled))
    steps = {
        "strategy_table": t_table,
        "merge with a filled table": t_merge,
        "effect_tracking": timed(lambda: effect_tracking(filled, d, r.settings))[1],
        "sales_target_review": timed(lambda: sc.sales_target_review(d, r.settings))[1],
        "campaign_evaluation": timed(lambda: sc.campaign_evaluation(d, r.settings))[1],
        "new_customer_activation": timed(lambda: sc.new_customer_activation(d, r.settings))[1],
        "key_account_profiles": timed(lambda: sc.key_account_profiles(r, d))[1],
    }
    print(f"{n} customers, {len(d.orders)} orders, {len(table)} strategy rows; analyze() = 1.00 ({base:.2f} s)")
    for k, v in steps.items():
        print(f"  {k:28s} {v / base:5.2f} x analyze")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
