"""``crm-xl udfs config | lite | list``: set up the worksheet functions for Excel
(:mod:`crm_xl.excel.udf_setup`)."""

from __future__ import annotations

import argparse
import pathlib
import sys

from ..excel.udf_setup import USER_CONFIG, config_entries, config_file_text, merge_config
from ..texts import Texts
from .common import add_common

TEXTS = Texts({
    "wrote": ("已写入 {path}", "wrote {path}"),
    # config: how to set up the functions in desktop Excel
    "config_step1": ("# 1) 安装 xlwings 加载项：xlwings addin install", "# 1) install the xlwings add-in: xlwings addin install"),
    "config_step2": ("# 2) 把以下内容写入 {config}（或运行 crm-xl udfs config --write）：",
                     "# 2) put these lines into {config} (or run crm-xl udfs config --write):"),
    "config_sheet": ("# 或者在工作簿中新建名为 xlwings.conf 的工作表，A 列填名称、B 列填值：",
                     "# or add a sheet named xlwings.conf to the workbook, names in column A, values in B:"),
    "config_step3": ("# 3) Excel: xlwings 选项卡 > Import Functions", "# 3) Excel: xlwings tab > Import Functions"),
    # lite
    "url_needs_wheel": ("--wheel-url 需要同时使用 --wheel", "--wheel-url needs --wheel"),
    "host_the_wheel": ("下一步：把此文件夹发布到浏览器可访问的 https 地址（允许 CORS，如 GitHub Pages），"
                       "再用 --wheel-url 该地址 重新运行，或把 requirements.txt 最后一行改为 轮子文件的网址。",
                       "next: host this folder at an https address the browser may fetch from (CORS allowed, e.g. GitHub "
                       "Pages), then run again with --wheel-url ADDRESS, or put the wheel's URL on the last line of "
                       "requirements.txt."),
})


def _cmd_config(args: argparse.Namespace) -> int:
    t = TEXTS.lang(args.lang)
    entries = config_entries(args.interpreter, args.lang)
    targets = []
    if args.write:
        targets.append(USER_CONFIG)
    if args.dir:
        targets.append(pathlib.Path(args.dir) / "xlwings.conf")
    for path in targets:
        path.parent.mkdir(parents=True, exist_ok=True)
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        path.write_text(merge_config(old, entries), encoding="utf-8")
        print(t("wrote", path=path))
    if targets:
        return 0
    print(t.config_step1)
    print(t("config_step2", config=USER_CONFIG))
    sys.stdout.write(config_file_text(entries))
    print(t.config_sheet)
    for k, v in entries:
        print(f"#   {k}\t{v}")
    print(t.config_step3)
    return 0


def _cmd_lite(args: argparse.Namespace) -> int:
    from ..excel.lite import build_wheel, lite_files, wheel_name  # main.py with the buttons of the --lang template

    t = TEXTS.lang(args.lang)
    out = pathlib.Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    url = None
    if args.wheel_url and not args.wheel:
        print(t.url_needs_wheel, file=sys.stderr)
        return 2
    if args.wheel:
        path = build_wheel(out)
        print(t("wrote", path=path))
        base = (args.wheel_url or "").rstrip("/")
        url = f"{base}/{wheel_name()}" if base else None
    for name, text in lite_files(args.lang, wheel_url=url).items():
        (out / name).write_text(text, encoding="utf-8")
        print(t("wrote", path=out / name))
    if args.wheel and not url:
        print(t.host_the_wheel)
    return 0


def _cmd_list(args: argparse.Namespace) -> int:
    from ..excel import udfs

    for name in udfs.UDF_NAMES:
        doc = (getattr(udfs, name).__doc__ or "").strip().splitlines()[0]
        zh, _, en = doc.partition(" | ")
        print(f"{name:<30} {zh if args.lang == 'zh' else (en or zh)}")
    return 0


def register(sub) -> None:
    p = sub.add_parser("udfs", help="set up the worksheet functions (UDFs) for Excel / 配置 Excel 工作表函数",
                       description="Set up crm_xl's worksheet functions: xlwings add-in config, xlwings Lite files, "
                                   "list of functions. / 配置 crm_xl 工作表函数。")
    actions = p.add_subparsers(dest="udfs_action", metavar="ACTION")
    c = actions.add_parser("config", help="print or write the xlwings add-in settings / 输出或写入 xlwings 加载项设置")
    c.add_argument("--write", action="store_true", help=f"merge into {USER_CONFIG}")
    c.add_argument("--dir", help="merge into DIR/xlwings.conf (the folder of a workbook)")
    c.add_argument("--interpreter", help="Python interpreter path (default: this Python)")
    add_common(c)
    lite = actions.add_parser("lite", help="write main.py and requirements.txt for xlwings Lite "
                                           "(--lang en: sheet buttons of the English template)")
    lite.add_argument("-o", "--output", default="crm_xl_lite", help="output folder (default: crm_xl_lite)")
    lite.add_argument("--wheel", action="store_true",
                      help="also write crm_xl's wheel into the folder (to host it yourself when crm-xl is not on "
                           "a package index) / 同时写出 crm_xl 的 wheel 文件")
    lite.add_argument("--wheel-url", metavar="URL",
                      help="address where the folder will be hosted (https, CORS allowed): requirements.txt then "
                           "names URL/<wheel> / 文件夹发布后的网址")
    add_common(lite)
    ls = actions.add_parser("list", help="list the worksheet functions / 列出工作表函数")
    add_common(ls)
    add_common(p)

    def dispatch(args: argparse.Namespace) -> int:
        action = getattr(args, "udfs_action", None)
        if action == "config":
            return _cmd_config(args)
        if action == "lite":
            return _cmd_lite(args)
        if action == "list":
            return _cmd_list(args)
        p.print_help()
        return 2

    p.set_defaults(run=dispatch)
