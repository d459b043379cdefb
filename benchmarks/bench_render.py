"""Benchmark: report rendering vs a raw streaming writer, and refresh-in-place vs data size.

Run from the repository root:  python benchmarks/bench_render.py [--rows 100000] [--data-rows 1000000]

Prints ratios measured in this one run (no absolute time is asserted anywhere):

1. render_workbook of a Template-1 table with ROWS rows (13 columns, money/date/int
   formats, Excel table, conditional formats) vs the floor: the same cells with the same
   number formats written by xlsxwriter in constant_memory mode.
2. refresh_workbook of that report into a workbook whose data sheet has DATA_ROWS rows
   (written once with xlsxwriter), next to rendering the report alone, and into a
   workbook with DATA_ROWS/10 data rows -- refresh time must not grow with the data sheet.
3. Peak resident memory of each step (each step runs in its own process).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

COLUMNS = [
    ("customer_id", "客户ID", "text"), ("customer_name", "客户名称", "text"), ("contact", "联系人", "text"),
    ("industry", "所属行业", "text"), ("last_purchase", "最近购买日期", "date"), ("frequency", "购买频次(次)", "int"),
    ("monetary", "累计购买金额(元)", "money"), ("r", "R得分(1-5)", "score"), ("f", "F得分(1-5)", "score"),
    ("m", "M得分(1-5)", "score"), ("total", "RFM总分", "score"), ("layer", "客户层级", "text"), ("note", "备注", "text"),
]


def frame(n):
    import numpy as np
    import pandas as pd
    rng = np.random.default_rng(7)
    r, f, m = rng.integers(1, 6, n), rng.integers(1, 6, n), rng.integers(1, 6, n)
    layers = np.array(["高价值客户", "潜力客户", "一般客户", "流失风险客户"])
    return pd.DataFrame({
        "customer_id": [f"C{i:07d}" for i in range(n)],
        "customer_name": [f"上海某某科技有限公司{i % 997}" for i in range(n)],
        "contact": np.array(["张伟", "王芳", "李娜", "刘洋"])[rng.integers(0, 4, n)],
        "industry": np.array(["制造业", "批发和零售业", "信息传输、软件和信息技术服务业"])[rng.integers(0, 3, n)],
        "last_purchase": pd.Timestamp("2024-09-30") - pd.to_timedelta(rng.integers(0, 720, n), unit="D"),
        "frequency": rng.integers(1, 40, n).astype(float),
        "monetary": rng.integers(1000, 2_000_000, n).astype(float),
        "r": r.astype(float), "f": f.astype(float), "m": m.astype(float), "total": (r + f + m).astype(float),
        "layer": layers[rng.integers(0, 4, n)],
        "note": np.where(rng.random(n) < 0.2, "近3个月未下单", None),
    })


def spec_for(n):
    from crm_xl.report.spec import ColumnSpec, ConditionalFormat, ReportSpec, SheetSpec, TableBlock, TextBlock, stack
    cols = tuple(ColumnSpec(k, h, kind) for k, h, kind in COLUMNS)
    t = TableBlock("RFM_Layers", cols, frame(n), conditional_formats=(
        ConditionalFormat("layer", "equals", "高价值客户", "C6EFCE"), ConditionalFormat("layer", "equals", "流失风险客户", "FFC7CE")))
    return ReportSpec((SheetSpec("RFM分层表", stack([TextBlock(("客户价值分层分析表",), "title"), t]), freeze="A4"),))


def step_render(n, out):
    spec = spec_for(n)
    from crm_xl.render.xlsx import render_workbook
    t = time.perf_counter()
    render_workbook(spec, out)
    return time.perf_counter() - t


def step_floor(n, out):
    import xlsxwriter
    df = frame(n)
    t = time.perf_counter()
    wb = xlsxwriter.Workbook(out, {"constant_memory": True})
    ws = wb.add_worksheet("RFM分层表")
    fmts = {"text": wb.add_format({"num_format": "@"}), "date": wb.add_format({"num_format": "yyyy-mm-dd"}),
            "int": wb.add_format({"num_format": "#,##0"}), "money": wb.add_format({"num_format": "#,##0"}),
            "score": wb.add_format({"num_format": "0"})}
    ws.write_string(0, 0, "客户价值分层分析表")
    for j, (_, h, _) in enumerate(COLUMNS):
        ws.write_string(2, j, h)
    cols = [(df[k].tolist(), fmts[kind], kind) for k, _, kind in COLUMNS]
    for i in range(n):
        for j, (vals, fmt, kind) in enumerate(cols):
            v = vals[i]
            if v is None or v != v:  # missing (None / NaN)
                continue
            if kind == "text":
                ws.write_string(3 + i, j, v, fmt)
            elif kind == "date":
                ws.write_datetime(3 + i, j, v.to_pydatetime(), fmt)
            else:
                ws.write_number(3 + i, j, v, fmt)
    wb.close()
    return time.perf_counter() - t


def step_data_book(n, out):
    import xlsxwriter
    t = time.perf_counter()
    wb = xlsxwriter.Workbook(out, {"constant_memory": True})
    ws = wb.add_worksheet("订单")
    ws.write_row(0, 0, ["订单编号", "客户ID", "下单日期", "金额(元)"])
    d = wb.add_format({"num_format": "yyyy-mm-dd"})
    for i in range(n):
        ws.write_string(i + 1, 0, f"O{i:08d}")
        ws.write_string(i + 1, 1, f"C{i % 100000:07d}")
        ws.write_number(i + 1, 2, 45000 + i % 700, d)
        ws.write_number(i + 1, 3, 100.0 + (i % 9973))
    wb.close()
    return time.perf_counter() - t


def step_refresh(n, book):
    spec = spec_for(n)
    from crm_xl.render.splice import refresh_workbook
    t = time.perf_counter()
    refresh_workbook(spec, book)
    return time.perf_counter() - t


def child(step, *args):
    """Run one step in a fresh process; (seconds, peak RSS in MB)."""
    code = (f"import sys, json, resource; sys.path.insert(0, {ROOT!r}); sys.path.insert(0, {os.path.dirname(__file__)!r});"
            f"import bench_render as b; s = b.{step}(*{args!r});"
            "print(json.dumps([s, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--data-rows", type=int, default=1_000_000)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="bench-render-")
    try:
        rep, flo = os.path.join(tmp, "report.xlsx"), os.path.join(tmp, "floor.xlsx")
        t_render, m_render = child("step_render", a.rows, rep)
        t_floor, m_floor = child("step_floor", a.rows, flo)
        print(f"report table: {a.rows:,} rows x {len(COLUMNS)} columns")
        print(f"  render_workbook         {t_render:8.2f} s   peak {m_render:7.0f} MB   {os.path.getsize(rep) / 1e6:6.1f} MB file")
        print(f"  xlsxwriter floor        {t_floor:8.2f} s   peak {m_floor:7.0f} MB   {os.path.getsize(flo) / 1e6:6.1f} MB file")
        print(f"  ratio render / floor    {t_render / t_floor:8.2f}   (target <= 1.5)")
        small, big = a.data_rows // 10, a.data_rows
        res = {}
        for n in (small, big):
            book = os.path.join(tmp, f"data{n}.xlsx")
            t_data, _ = child("step_data_book", n, book)
            size = os.path.getsize(book) / 1e6
            t_ref, m_ref = child("step_refresh", a.rows, book)
            res[n] = t_ref
            print(f"refresh into a workbook with a {n:,}-row data sheet ({size:.1f} MB; written by xlsxwriter in {t_data:.1f} s)")
            print(f"  refresh_workbook        {t_ref:8.2f} s   peak {m_ref:7.0f} MB   ratio to render alone {t_ref / t_render:5.2f}")
        print(f"refresh time, {big:,} vs {small:,} data rows: ratio {res[big] / res[small]:.2f} (1.0 = independent of data size)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
