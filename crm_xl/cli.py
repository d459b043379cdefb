"""crm-xl: the command line.

Every command has ``--help``; user errors print one line (zh or en by ``--lang``) and exit
non-zero, with the traceback only under ``--debug``. Long steps show rich progress on
stderr, so stdout stays clean for scripting.
"""

from __future__ import annotations

__all__ = ["main", "run", "build_parser"]

import argparse
import sys
from collections.abc import Callable, Sequence

from . import __version__
from .errors import CrmXlError, exit_code, format_error

_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


def _lang_default(argv: Sequence[str]) -> str:
    for i, a in enumerate(argv):
        if a == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--lang="):
            return a.split("=", 1)[1]
    return "zh"


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lang", choices=("zh", "en"), default="zh",
                   help="language of the workbook and messages (default: zh) / 工作簿与提示语言")
    p.add_argument("--debug", action="store_true", help="show the Python traceback on errors")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress output")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crm-xl",
        description=(
            "Customer-relationship analytics in Excel: RFM layering, KPIs, churn warning, "
            "strategy tracking, charts and conclusions. / 客户关系管理分析：RFM 分层、指标看板、"
            "流失预警、策略执行跟踪、图表与结论。"
        ),
    )
    parser.add_argument("--version", action="version", version=f"crm-xl {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    from . import commands  # registers the sub-commands
    from .excel import udf_setup

    commands.register(sub, _add_common, _COMMANDS)
    from . import addin_cli  # crm-xl addin build / install

    addin_cli.register(sub, _add_common, _COMMANDS)
    udf_setup.register(sub, _add_common, _COMMANDS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``crm-xl`` console script. Returns the process exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    lang = _lang_default(argv)
    debug = "--debug" in argv
    try:
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # --help / usage errors: argparse has printed its message
            return int(exc.code or 0)
        if not args.command:
            parser.print_help()
            return 2
        return int(_COMMANDS[args.command](args) or 0)
    except CrmXlError as exc:
        if debug:
            raise
        print(format_error(exc, lang), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("已取消" if lang == "zh" else "cancelled", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - last line of defence for a business user
        if debug:
            raise
        print(format_error(exc, lang), file=sys.stderr)
        return exit_code(exc)


def run() -> int:
    """The ``crm-xl`` console script: :func:`main` in a process of its own, with the garbage
    collector paused while the command imports its modules (:mod:`crm_xl.startup`)."""
    from . import startup

    startup.pause()
    try:
        return main()
    finally:
        startup.resume()


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(run())
