"""``crm-xl udfs config | lite | list``: set up the worksheet functions for Excel
(:mod:`crm_xl.excel.udf_setup`)."""

from __future__ import annotations

import argparse
import pathlib
import sys

from ..excel.udf_setup import USER_CONFIG, config_entries, config_file_text, merge_config
from .common import add_common


def _cmd_config(args: argparse.Namespace) -> int:
    zh = args.lang == "zh"
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
        print(f"已写入 {path}" if zh else f"wrote {path}")
    if targets:
        return 0
    if zh:
        print("# 1) 安装 xlwings 加载项：xlwings addin install")
        print(f"# 2) 把以下内容写入 {USER_CONFIG}（或运行 crm-xl udfs config --write）：")
    else:
        print("# 1) install the xlwings add-in: xlwings addin install")
        print(f"# 2) put these lines into {USER_CONFIG} (or run crm-xl udfs config --write):")
    sys.stdout.write(config_file_text(entries))
    if zh:
        print("# 或者在工作簿中新建名为 xlwings.conf 的工作表，A 列填名称、B 列填值：")
    else:
        print("# or add a sheet named xlwings.conf to the workbook, names in column A, values in B:")
    for k, v in entries:
        print(f"#   {k}\t{v}")
    print("# 3) Excel: xlwings 选项卡 > Import Functions" if zh else "# 3) Excel: xlwings tab > Import Functions")
    return 0


def _cmd_lite(args: argparse.Namespace) -> int:
    from ..excel.lite import build_wheel, lite_files, wheel_name  # main.py with the buttons of the --lang template

    zh = args.lang == "zh"
    out = pathlib.Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    url = None
    if args.wheel_url and not args.wheel:
        print("--wheel-url 需要同时使用 --wheel" if zh else "--wheel-url needs --wheel", file=sys.stderr)
        return 2
    if args.wheel:
        path = build_wheel(out)
        print(f"已写入 {path}" if zh else f"wrote {path}")
        base = (args.wheel_url or "").rstrip("/")
        url = f"{base}/{wheel_name()}" if base else None
    for name, text in lite_files(args.lang, wheel_url=url).items():
        (out / name).write_text(text, encoding="utf-8")
        print(f"已写入 {out / name}" if zh else f"wrote {out / name}")
    if args.wheel and not url:
        print(("下一步：把此文件夹发布到浏览器可访问的 https 地址（允许 CORS，如 GitHub Pages），"
               "再用 --wheel-url 该地址 重新运行，或把 requirements.txt 最后一行改为 轮子文件的网址。") if zh else
              ("next: host this folder at an https address the browser may fetch from (CORS allowed, e.g. GitHub "
               "Pages), then run again with --wheel-url ADDRESS, or put the wheel's URL on the last line of "
               "requirements.txt."))
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
