"""crm-xl: the command line, one module per sub-command (:data:`COMMANDS`).

Every command has ``--help``; user errors print one line (zh or en by ``--lang``) and exit
non-zero, with the traceback only under ``--debug``. Long steps show rich progress on
stderr, so stdout stays clean for scripting.
"""

from __future__ import annotations

__all__ = ["main", "run", "build_parser", "COMMANDS"]

import argparse
import sys
from collections.abc import Sequence

from .. import __version__
from ..errors import CrmXlError, exit_code, format_error
from ..texts import Texts
from .common import lang_default

TEXTS = Texts({
    "cancelled": ("已取消", "cancelled"),  # Ctrl+C
})

# The sub-commands in the order --help lists them: each is a module of this package with
# ``register(sub)``, which adds its parser to ``sub`` (the sub-parsers of ``crm-xl``), its
# options (``common.add_common`` among them) and ``set_defaults(run=handler)``; ``main``
# calls ``args.run(args)``. A new command is a module here, imported in build_parser and
# named in this list.
COMMANDS = ("demo", "report", "password", "template", "addin", "udfs")


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
    from . import addin, demo, password, report, template, udfs  # (imported here: `import crm_xl.cli` stays cheap)

    modules = {"demo": demo, "report": report, "password": password, "template": template, "addin": addin,
               "udfs": udfs}
    for name in COMMANDS:
        modules[name].register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``crm-xl`` console script. Returns the process exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    lang = lang_default(argv)
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
        return int(args.run(args) or 0)
    except CrmXlError as exc:
        if debug:
            raise
        print(format_error(exc, lang), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(TEXTS.lang(lang).cancelled, file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - last line of defence for a business user
        if debug:
            raise
        print(format_error(exc, lang), file=sys.stderr)
        return exit_code(exc)


def run() -> int:
    """The ``crm-xl`` console script: :func:`main` in a process of its own, with the garbage
    collector paused while the command imports its modules (:mod:`crm_xl.startup`)."""
    from .. import startup

    startup.pause()
    try:
        return main()
    finally:
        startup.resume()
