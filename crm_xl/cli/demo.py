"""``crm-xl demo``: the report workbook on built-in demo data."""

from __future__ import annotations

__all__ = ["register", "build_demo_workbook"]

import argparse
import pathlib

from ..texts import Texts
from .common import CLV_MODULES, add_common, progress

TEXTS = Texts({
    "generating": ("生成演示数据：{n} 个客户", "generating demo data: {n} customers"),
    "writing": ("写入工作簿 {out}", "writing {out}"),
    "wrote": ("已生成 {path}（{customers} 个客户，{orders} 条订单，清洗日志 {log_entries} 条）",
              "wrote {path} ({customers} customers, {orders} orders, {log_entries} cleaning-log entries)"),
})


def build_demo_workbook(out: pathlib.Path, *, customers: int = 300, dirty: bool = False, lang: str = "zh",
                        seed: int = 2024, quiet: bool = True) -> dict:
    """Generate demo data, run the report pipeline and write the workbook. Returns a small summary."""
    from ..demo import generate_demo
    from ..render.xlsx import render_workbook
    from ..report.build import build_report
    from ..settings import AnalysisSettings

    t = TEXTS.lang(lang)
    with progress(quiet, lang) as p:
        p.step(t("generating", n=customers))
        raw = generate_demo(customers, seed=seed, dirty=dirty, lang=lang)
        run = build_report(raw, AnalysisSettings(lang=lang), include_data_sheets=True, progress=p.step)
        p.step(t("writing", out=out))
        render_workbook(run.spec, out)
    return run.summary


def _cmd_demo(args: argparse.Namespace) -> int:
    from .. import beside, startup

    out = pathlib.Path(args.output)
    startup.prefer_python_strings()
    beside.warm_up(*CLV_MODULES)
    try:
        summary = build_demo_workbook(out, customers=args.customers, dirty=args.dirty, lang=args.lang,
                                      seed=args.seed, quiet=args.quiet)
    finally:
        beside.let_go()
    print(TEXTS.lang(args.lang)("wrote", path=out.resolve(), customers=summary["customers"], orders=summary["orders"],
                                log_entries=summary["log_entries"]))
    return 0


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if n < 4:
        raise argparse.ArgumentTypeError("at least 4 customers (the three Template 1 customers are always included)")
    return n


def register(sub) -> None:
    p = sub.add_parser(
        "demo",
        help="build the report workbook on built-in demo data / 用演示数据生成报告工作簿",
        description="Generate seeded demo CRM data (Chinese B2B customers), clean it and write the workbook "
                    "with the data sheets and the cleaning log. / 生成演示数据、清洗并写入工作簿。",
    )
    p.add_argument("-o", "--output", default="crm_xl_demo.xlsx", help="output workbook (default: crm_xl_demo.xlsx)")
    p.add_argument("--customers", type=_positive, default=300, help="number of customers (default: 300; about 10 orders each)")
    p.add_argument("--dirty", action="store_true", help="make the data messy to show cleaning at work / 生成脏数据以演示清洗")
    p.add_argument("--seed", type=int, default=2024, help="random seed (default: 2024)")
    add_common(p)
    p.set_defaults(run=_cmd_demo)
