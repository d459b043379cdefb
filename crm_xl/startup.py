"""Start-up of the ``crm-xl`` process: the garbage collector while modules load.

Importing pandas, numpy, scipy.special and the report modules creates a few
hundred thousand objects that live until the process ends and almost no garbage, yet the
cyclic collector runs over them about 150 times while they load, and its later full passes
scan them again (issue 20 measured ~0.2 s of a 1k-customer report, a tenth of it).

The console script (:func:`crm_xl.cli.run`) pauses the collector; the report command,
once it has imported what it needs, calls :func:`resume`, which moves everything alive
then into the permanent generation (``gc.freeze``: never scanned, never freed -- those
objects live to the end anyway) and turns the collector back on for the work itself. A
caller of :func:`crm_xl.cli.main` in a long-lived process (tests, Excel) never pauses, so
nothing is frozen there.
"""

from __future__ import annotations

__all__ = ["is_command_process", "pause", "resume"]

import gc

_paused = False
_command = False  # this process is the ``crm-xl`` console script (set by pause)


def pause() -> None:
    """Turn the cyclic collector off until :func:`resume` (only if it was on)."""
    global _paused, _command
    _command = True
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> None:
    """After :func:`pause`: freeze what is alive now and turn the collector back on.
    Does nothing when the collector was not paused by :func:`pause`."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()


def is_command_process() -> bool:
    """Whether this process is the ``crm-xl`` console script (:func:`crm_xl.cli.run`), not
    a library caller such as Excel, a notebook or a test: only then may work be handed to
    a forked child (:mod:`crm_xl.beside`)."""
    return _command
