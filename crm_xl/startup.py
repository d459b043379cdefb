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

The same process, when its data comes from files (``--input``, the demo), holds pandas'
text columns as Python objects (:func:`prefer_python_strings`): see there why.
"""

from __future__ import annotations

__all__ = ["is_command_process", "pause", "prefer_python_strings", "resume"]

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


def prefer_python_strings() -> None:
    """In the ``crm-xl`` console-script process only: pandas' ``str`` columns held as Python
    objects (``mode.string_storage = "python"``) rather than in pyarrow (pandas 3's default
    where pyarrow is installed). Same dtype, same values, same missing value; only the storage.

    Why: the in-memory report moves texts between Python and pandas all the time (mapping
    dictionaries, regular expressions, cell texts, the writer's shared strings); with pyarrow
    storage every crossing converts (``to_numpy``/``tolist``/``_from_sequence``: ~0.6 s under
    cProfile at 10k customers / 100k orders). Measured on that run (pandas 3.1.1, pyarrow 26):
    CPU -0.3 to -0.7 s, peak memory 280 -> 206 MB, every part of the workbook byte-identical
    (tests/test_startup.py checks the identity on real exports). The engine path
    (``--source``) keeps pyarrow: its 10M-row columns are taken from pyarrow arrays and their
    codes are remembered by the array's identity (:mod:`crm_xl.core.codes`).

    Called before pandas is imported (the console script imports it only for the command),
    it also keeps pandas from importing pyarrow at all (``sys.modules["pyarrow"] = None``: an
    optional dependency pandas then finds missing, as in a plain ``pip install crm_xl``):
    pandas imports pyarrow and ``pyarrow.compute`` at its own import when they are installed
    (~50 ms of a ~0.75 s 1k-customer report), and with Python storage nothing here uses them.
    tests/test_startup.py runs the console process on real exports and compares its workbook
    with the one pandas' defaults give.

    Call it before any frame is made and before :func:`crm_xl.beside.warm_up` forks (the
    child inherits the option, so frames pickled between them keep one storage). A library
    caller (Excel, a notebook, the tests' process) keeps its own pandas options: nothing is
    changed there. Under pandas 2.x, whose ``str`` columns are object arrays, it changes
    nothing either."""
    if not _command:
        return
    import sys

    if "pandas" not in sys.modules and "pyarrow" not in sys.modules:
        sys.modules["pyarrow"] = None  # type: ignore[assignment]  # (import pyarrow: ImportError)
    import pandas as pd

    pd.set_option("mode.string_storage", "python")
