"""What every sub-command of ``crm-xl`` shares: the common options and progress on stderr."""

from __future__ import annotations

__all__ = ["CLV_MODULES", "add_common", "lang_default", "progress"]

import argparse
import sys
from collections.abc import Sequence
from contextlib import contextmanager

# what fitting the CLV models imports (scipy.special: ~0.25 s): the report and demo commands
# have a warm child import it while they read and clean the data (crm_xl.beside.warm_up), and
# crm_xl.report.build sends it the fit
CLV_MODULES = ("crm_xl.core.clv_report", "scipy.special")


def lang_default(argv: Sequence[str]) -> str:
    """The ``--lang`` of a command line before it is parsed (for messages about parsing it)."""
    for i, a in enumerate(argv):
        if a == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--lang="):
            return a.split("=", 1)[1]
    return "zh"


def add_common(p: argparse.ArgumentParser) -> None:
    """``--lang``, ``--debug`` and ``--quiet``, on every command and action."""
    p.add_argument("--lang", choices=("zh", "en"), default="zh",
                   help="language of the workbook and messages (default: zh) / 工作簿与提示语言")
    p.add_argument("--debug", action="store_true", help="show the Python traceback on errors")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress output")


class _Plain:
    """Progress as plain lines, for stderr that is not a terminal (a pipe, a log file, a
    scheduled job): the text rich prints there, without loading rich and its live display
    (~30 ms of a 1k-customer report)."""

    def step(self, text: str) -> None:
        print(f"· {text}", file=sys.stderr, flush=True)

    def inform(self, text: str, loud: bool = False) -> None:
        print(f"! {text}" if loud else f"  {text}", file=sys.stderr, flush=True)


@contextmanager
def progress(quiet: bool, lang: str):
    """Progress on stderr (stdout stays clean for scripting): rich's, with a live status
    line, on a terminal; plain lines elsewhere."""
    if quiet:
        class _Null:
            def step(self, text: str) -> None:
                pass

            def inform(self, text: str, loud: bool = False) -> None:
                if loud:  # warnings are shown even with --quiet
                    print(text, file=sys.stderr)
        yield _Null()
        return
    if not _is_terminal(sys.stderr):
        yield _Plain()
        return
    from rich.console import Console
    from rich.markup import escape

    console = Console(stderr=True)

    class _Steps:
        def __init__(self):
            self.status = console.status("")

        def step(self, text: str) -> None:
            console.print(f"[dim]·[/dim] {text}")
            self.status.update(text)

        def inform(self, text: str, loud: bool = False) -> None:
            """A line to read: how a source was mapped, what counted (loud: a warning)."""
            console.print(f"[bold yellow]![/bold yellow] {escape(text)}" if loud else f"  {escape(text)}",
                          highlight=False, soft_wrap=True)

    steps = _Steps()
    with steps.status:
        yield steps


def _is_terminal(stream) -> bool:
    """Whether ``stream`` is an interactive terminal (as rich decides it, FORCE_COLOR / TTY_COMPATIBLE
    aside: then rich is used)."""
    import os

    if os.environ.get("FORCE_COLOR") or os.environ.get("TTY_COMPATIBLE") or os.environ.get("TTY_INTERACTIVE"):
        return True
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # (a closed or unusual stream)
        return False
