"""``crm-xl udfs``: set up the worksheet functions for Excel.

* ``crm-xl udfs config`` prints the xlwings settings that make the classic Windows add-in
  load :mod:`crm_xl.excel.udfs` (``UDF Modules`` and the Python interpreter; with ``--lang
  en`` :mod:`crm_xl.excel.udfs_en`, the same functions answering in English), as lines of
  the xlwings config file and as the rows of an ``xlwings.conf`` sheet; ``--write`` merges
  them into the user config file ``~/.xlwings/xlwings.conf`` (other keys are kept),
  ``--dir DIR`` into ``DIR/xlwings.conf`` (the folder of a workbook).
* ``crm-xl udfs lite -o DIR [--lang en]`` writes ``main.py`` and ``requirements.txt`` for
  xlwings Lite (``--lang`` picks the template whose console sheet the buttons refer to, and
  the language the worksheet functions answer in); ``--wheel [--wheel-url URL]`` also
  writes crm_xl's wheel into DIR and names ``URL/<wheel>`` in ``requirements.txt``, for
  hosting the package yourself instead of a package index.
* ``crm-xl udfs list`` lists the functions with their one-line help.

This module imports no Excel library at import time (the CLI must start anywhere).
"""

from __future__ import annotations

__all__ = ["register", "config_entries", "config_file_text", "merge_config", "USER_CONFIG"]

import argparse
import pathlib
import re
import sys

UDF_MODULE = "crm_xl.excel.udfs"
UDF_MODULES = {"zh": UDF_MODULE, "en": "crm_xl.excel.udfs_en"}  # the functions answering in that language
USER_CONFIG = pathlib.Path.home() / ".xlwings" / "xlwings.conf"


def config_entries(interpreter: str | None = None, lang: str = "zh") -> list[tuple[str, str]]:
    """The xlwings settings for the classic add-in: UDF Modules (the functions answering in
    ``lang``) and the interpreter."""
    exe = interpreter or sys.executable
    key = "INTERPRETER_MAC" if sys.platform == "darwin" else "INTERPRETER_WIN"
    return [("UDF MODULES", UDF_MODULES[lang]), (key, exe)]


def config_file_text(entries: list[tuple[str, str]]) -> str:
    """Lines of an xlwings config file: ``"KEY","value"``."""
    return "".join(f'"{k}","{v}"\n' for k, v in entries)


def merge_config(existing: str, entries: list[tuple[str, str]]) -> str:
    """``existing`` config-file text with ``entries`` set (case-insensitive keys; other
    lines kept in order; UDF MODULES gains crm_xl's module rather than losing others, and
    loses crm_xl's module of the other language)."""
    out: list[str] = []
    todo = {k.upper(): (k, v) for k, v in entries}
    for line in existing.splitlines():
        vals = re.findall(r'"([^"]*)"', line)
        key = vals[0].upper() if vals else None
        if key in todo:
            k, v = todo.pop(key)
            if key == "UDF MODULES" and len(vals) > 1 and vals[1].strip():
                # other modules kept; crm_xl's functions in one language only (same names)
                mods = [m for m in vals[1].split(";") if m.strip() and (m == v or m not in UDF_MODULES.values())]
                if v not in mods:
                    mods.append(v)
                v = ";".join(mods)
            out.append(f'"{k}","{v}"')
        else:
            out.append(line)
    out.extend(f'"{k}","{v}"' for k, v in todo.values())
    return "\n".join(out) + "\n"


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
    from .lite import build_wheel, lite_files, wheel_name  # main.py with the buttons of the --lang template

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
    from . import udfs

    for name in udfs.UDF_NAMES:
        doc = (getattr(udfs, name).__doc__ or "").strip().splitlines()[0]
        zh, _, en = doc.partition(" | ")
        print(f"{name:<30} {zh if args.lang == 'zh' else (en or zh)}")
    return 0


def register(sub, add_common, commands: dict) -> None:
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

    commands["udfs"] = dispatch
