"""``crm-xl template``: the empty template workbook (:mod:`crm_xl.excel.template`)."""

from __future__ import annotations

import argparse
import pathlib

from ..texts import Texts
from .common import add_common

TEXTS = Texts({
    "wrote": ("已生成模板 {path}", "wrote the template {path}"),
})


def _cmd_template(args: argparse.Namespace) -> int:
    from ..excel.template import write_template

    out = pathlib.Path(args.output or ("crm_xl_template.xlsx" if args.lang == "zh" else "crm_xl_template_en.xlsx"))
    from ..atomic import ensure_writable

    ensure_writable(out)
    write_template(out, args.lang)
    print(TEXTS.lang(args.lang)("wrote", path=out.resolve()))
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "template",
        help="write the empty template workbook / 生成空白模板工作簿",
        description="Write the empty template workbook: guide, 分析目标, 设置 and the data sheets with headers, "
                    "notes and drop-down lists; paste a CRM export into it and run `crm-xl report`. / "
                    "生成空白模板：粘贴 CRM 导出数据后运行 crm-xl report。",
    )
    p.add_argument("-o", "--output", help="output file (default: crm_xl_template.xlsx)")
    add_common(p)
    p.set_defaults(run=_cmd_template)
