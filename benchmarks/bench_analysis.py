"""Full analysis (RFM, layers, remarks, tags, KPIs overall/per layer/per dimension, churn,
funnel, trends, diagnosis, conclusions, predictive customer value) for 100k customers / 1M
orders, against a minimal pandas groupby of the same orders (the floor: last date, count
and sum per customer). The CLV part (``crm_xl.core.clv_report.clv_analysis``: summary,
BG/NBD + Gamma-Gamma fits, predictions, calibration refit) is also timed on its own, on
the same prepared arrays ``analyze`` builds.

Data are synthesised here with numpy directly in canonical cleaned form (what
``crm_xl.core.clean`` produces), so only the analysis is timed. Run from the repository root:

    python benchmarks/bench_analysis.py [customers] [orders] [--steps]

``--steps`` also prints where the time goes: every function ``analyze`` calls is wrapped
with a timer (best of 3 runs per function). Shared arrays computed on first use
(``Prepared``'s cached properties: the sorted purchase days, the median purchase gap, ID
ranks, ...) count in the step that first needs them.
"""

from __future__ import annotations

import resource
import sys
import time
import tracemalloc

import numpy as np
import pandas as pd

sys.path.insert(0, ".")

from crm_xl import analyze  # noqa: E402
from crm_xl.core.clv_report import clv_analysis  # noqa: E402
from crm_xl.core.dataset import CrmData  # noqa: E402
from crm_xl.core.prepared import prepare  # noqa: E402
from crm_xl.settings import AnalysisSettings  # noqa: E402


def synth(n_cust: int, n_orders: int, seed: int = 7) -> CrmData:
    rng = np.random.default_rng(seed)
    ids = np.array([f"C{i:06d}" for i in range(n_cust)], dtype=object)
    industries = np.array(["信息传输、软件和信息技术服务业", "制造业", "批发和零售业", "金融业", "教育", "建筑业"], dtype=object)
    regions = np.array(["华东", "华南", "华北", "华中", "西南", "西北", "东北"], dtype=object)
    owners = np.array([f"销售{i:02d}" for i in range(40)], dtype=object)
    end = np.datetime64("2024-09-30")
    start = end - 730
    customers = pd.DataFrame({
        "customer_id": pd.array(ids, dtype="str"),
        "customer_name": pd.array(np.char.add("客户", ids.astype(str)).astype(object), dtype="str"),
        "contact_name": pd.array(rng.choice(np.array(["王经理", "李总", "陈女士"], dtype=object), n_cust), dtype="str"),
        "industry": pd.array(rng.choice(industries, n_cust), dtype="str"),
        "region": pd.array(rng.choice(regions, n_cust), dtype="str"),
        "owner": pd.array(rng.choice(owners, n_cust), dtype="str"),
        "acquisition_cost": np.round(rng.uniform(2_000, 30_000, n_cust), -2),
        "contract_end": (start + rng.integers(0, 900, n_cust).astype("timedelta64[D]")).astype("datetime64[ns]"),
        "contract_renewed": pd.array(rng.random(n_cust) < 0.7, dtype="boolean"),
    })
    weights = rng.lognormal(0, 1, n_cust)
    cust = rng.choice(n_cust, n_orders, p=weights / weights.sum())
    day = rng.integers(0, 731, n_orders)
    day[0] = 730
    orders = pd.DataFrame({
        "order_id": pd.array(np.char.add("SO", np.arange(n_orders).astype(str)).astype(object), dtype="str"),
        "customer_id": pd.array(ids[cust], dtype="str"),
        "order_date": (start + day.astype("timedelta64[D]")).astype("datetime64[ns]"),
        "amount": np.round(rng.lognormal(9, 0.8, n_orders), 2),
        "product": pd.array(rng.choice(np.array(["标准版", "专业版", "服务", "新品A"], dtype=object), n_orders), dtype="str"),
        "profit": np.round(rng.lognormal(8, 0.8, n_orders), 2),
        "discount": np.where(rng.random(n_orders) < 0.25, 0.1, 0.0),
        "campaign_id": pd.array(np.where(rng.random(n_orders) < 0.1, "MKT001", None), dtype="str"),
        "owner": pd.array(rng.choice(owners, n_orders), dtype="str"),
    })
    k = n_cust * 3
    ic = rng.integers(0, n_cust, k)
    types = np.array(["拜访", "电话", "技术支持", "投诉", "建议", "满意度调研"], dtype=object)
    it = rng.choice(types, k)
    interactions = pd.DataFrame({
        "interaction_id": pd.array(np.char.add("IR", np.arange(k).astype(str)).astype(object), dtype="str"),
        "customer_id": pd.array(ids[ic], dtype="str"),
        "date": (start + rng.integers(0, 731, k).astype("timedelta64[D]")).astype("datetime64[ns]"),
        "type": pd.array(it, dtype="str"),
        "satisfaction": np.where(rng.random(k) < 0.3, rng.integers(1, 6, k), np.nan),
        "nps_score": np.where(it == "满意度调研", rng.integers(0, 11, k), np.nan),
        "response_hours": np.where(np.isin(it, ["投诉", "技术支持"]), rng.gamma(2, 15, k), np.nan),
        "responded": pd.array(rng.random(k) < 0.8, dtype="boolean"),
        "resolved": pd.array(np.where(it == "投诉", rng.random(k) < 0.8, None), dtype="boolean"),
        "owner": pd.array(rng.choice(owners, k), dtype="str"),
        "content": pd.array(rng.choice(np.array(["售后响应慢", "希望定制报表", "例行沟通", "技术对接"], dtype=object), k),
                            dtype="str"),
    })
    nl = n_cust // 2
    stage = rng.choice(np.array(["线索", "商机", "成交", "丢失"], dtype=object), nl, p=[0.4, 0.2, 0.15, 0.25])
    created = start + rng.integers(0, 700, nl).astype("timedelta64[D]")
    leads = pd.DataFrame({
        "lead_id": pd.array(np.char.add("L", np.arange(nl).astype(str)).astype(object), dtype="str"),
        "created_date": created.astype("datetime64[ns]"),
        "stage": pd.array(stage, dtype="str"),
        "customer_id": pd.array(np.where(stage == "成交", ids[rng.integers(0, n_cust, nl)], None), dtype="str"),
        "owner": pd.array(rng.choice(owners, nl), dtype="str"),
        "closed_date": pd.Series(np.where(stage == "成交", created + 30, np.datetime64("NaT", "D"))).astype("datetime64[ns]"),
    })
    return CrmData(customers=customers, orders=orders, interactions=interactions, leads=leads)


def floor(data: CrmData) -> pd.DataFrame:
    return data.orders.groupby("customer_id").agg(last=("order_date", "max"), n=("order_id", "size"),
                                                  m=("amount", "sum"))


def best_of(fn, repeat: int = 3, clock=time.perf_counter) -> float:
    times = []
    for _ in range(repeat):
        t = clock()
        fn()
        times.append(clock() - t)
    return min(times)


def steps(data: CrmData, settings: AnalysisSettings, repeat: int = 3) -> list[tuple[str, float]]:
    """Seconds per function called by ``crm_xl.core.analysis.analyze`` (best of ``repeat``)."""
    from crm_xl.core import analysis

    names = [n for n, f in vars(analysis).items() if callable(f) and getattr(f, "__module__", "").startswith(
        "crm_xl.core.") and f.__module__ != analysis.__name__ and not isinstance(f, type)]
    best: dict[str, float] = {}
    originals = {n: getattr(analysis, n) for n in names}

    def timed(name, fn):
        def run(*args, **kwargs):
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - t
        return run

    try:
        for n in names:
            setattr(analysis, n, timed(n, originals[n]))
        for _ in range(repeat):
            spent: dict[str, float] = {}
            t = time.perf_counter()
            analysis.analyze(data, settings)
            spent["(analyze in all)"] = time.perf_counter() - t
            for k, v in spent.items():
                best[k] = min(best.get(k, v), v)
    finally:
        for n, f in originals.items():
            setattr(analysis, n, f)
    return sorted(best.items(), key=lambda kv: -kv[1])


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n_cust = int(args[0]) if len(args) > 0 else 100_000
    n_orders = int(args[1]) if len(args) > 1 else 1_000_000
    data = synth(n_cust, n_orders)
    settings = AnalysisSettings()
    t_floor = best_of(lambda: floor(data))
    t_full = best_of(lambda: analyze(data, settings))
    prepared = prepare(data, settings)
    t_clv = best_of(lambda: clv_analysis(settings=settings, prepared=prepared))
    clv = clv_analysis(settings=settings, prepared=prepared)
    # CPU time is steadier than wall time on the shared machine: the CLV share by both
    cpu_full = best_of(lambda: analyze(data, settings), clock=time.process_time)
    cpu_clv = best_of(lambda: clv_analysis(settings=settings, prepared=prepared), clock=time.process_time)
    tracemalloc.start()
    analyze(data, settings)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"customers={n_cust:,} orders={n_orders:,} interactions={len(data.interactions):,} leads={len(data.leads):,}")
    print(f"floor (orders.groupby(customer_id).agg max/size/sum): {t_floor:.2f} s")
    print(f"crm_xl analyze (full analysis):                       {t_full:.2f} s  ratio {t_full / t_floor:.1f}x")
    print(f"  of which clv_analysis (CLV models, {len(clv.predictions):,} customers): {t_clv:.2f} s  "
          f"({t_clv / t_full:.0%} of analyze; ratio to floor {t_clv / t_floor:.1f}x; status {clv.status}, "
          f"BG/NBD boundary {clv.bgnbd.at_boundary_ if clv.bgnbd else '-'})")
    print(f"  CPU time: analyze {cpu_full:.2f} s, clv_analysis {cpu_clv:.2f} s ({cpu_clv / cpu_full:.0%})")
    print(f"peak memory: analyze() allocations (tracemalloc) {peak / 2**20:,.0f} MB; "
          f"process max RSS incl. data {maxrss_mb:,.0f} MB")
    if "--steps" in sys.argv:
        print("where the time goes (best of 3 per step; ratio to the floor):")
        for name, sec in steps(data, settings):
            print(f"  {name:28s} {sec:6.3f} s  {sec / t_floor:5.2f}x")


if __name__ == "__main__":
    main()
