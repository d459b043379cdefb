"""``crm-xl addin build`` / ``crm-xl addin install``: the classic Windows Excel add-in
(:mod:`crm_xl.excel.addin` builds and installs it)."""

from __future__ import annotations

import argparse

from ..texts import Texts
from .common import add_common

TEXTS = Texts({
    "built": ("已生成 {path}", "wrote {path}"),
    "installed": ("已安装 {path}。{cfg}请重新启动 Excel，然后在「CRM 分析」选项卡点击「运行」。",
                  "installed {path}.{cfg} Restart Excel, then press 'Run' on the 'CRM 分析' tab."),
    "installed_cfg": ("Python 解释器已写入 {cfg}。", " Python interpreter written to {cfg}."),
})


def _cmd_build(args: argparse.Namespace) -> int:
    from ..excel.addin import build_addin  # (here: every other command stays free of it)

    out = build_addin(args.output)
    print(TEXTS.lang(args.lang)("built", path=out.resolve()))
    return 0


def _cmd_install(args: argparse.Namespace) -> int:
    from ..excel.addin import install_addin

    path, cfg = install_addin(target_dir=args.dir, interpreter=args.interpreter)
    t = TEXTS.lang(args.lang)
    print(t("installed", path=path, cfg=t("installed_cfg", cfg=cfg) if cfg else ""))
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "addin",
        help="build / install the Excel ribbon add-in (Windows) / 生成或安装 Excel 加载项",
        description="Build crm_xl.xlam from xlwings' ribbon add-in, or install it into Excel's startup folder. "
                    "/ 由 xlwings 的功能区加载项生成 crm_xl.xlam，或安装到 Excel 启动文件夹。",
    )
    asub = p.add_subparsers(dest="addin_command", metavar="ACTION", required=True)
    b = asub.add_parser("build", help="write crm_xl.xlam / 生成 crm_xl.xlam",
                        description="Write crm_xl.xlam (xlwings' ribbon add-in with the 'CRM 分析' tab).")
    b.add_argument("-o", "--output", default=".", help="folder to write crm_xl.xlam into (default: current folder)")
    add_common(b)
    i = asub.add_parser("install", help="install into Excel's XLSTART folder / 安装到 Excel 启动文件夹",
                        description="Build crm_xl.xlam into Excel's XLSTART folder and point the add-in at this "
                                    "Python (user config ~/.myaddin/myaddin.conf, only if no interpreter is set).")
    i.add_argument("--dir", default=None, help="install into this folder instead of XLSTART")
    i.add_argument("--interpreter", default=None, help="python.exe the add-in runs (default: this Python)")
    add_common(i)

    def dispatch(args: argparse.Namespace) -> int:
        return _cmd_build(args) if args.addin_command == "build" else _cmd_install(args)

    p.set_defaults(run=dispatch)
