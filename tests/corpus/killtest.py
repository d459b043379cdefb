"""Kill ``crm-xl report BOOK`` (an in-place refresh) at random points and check that BOOK
is always either byte-identical to the original or byte-identical to a completed refresh
(refreshes are deterministic), and that nothing else in the folder changed.

Used by ``tests/test_crash_safe.py`` (bounded number of runs) and by
``tests/corpus/report.py`` (the counts in docs/reliability.md).
"""

from __future__ import annotations

import os
import pathlib
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass, field

ROOT = pathlib.Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent("""
    import pathlib, sys, datetime as dt
    sys.path.insert(0, {root!r})
    from crm_xl.cli.report import run_report
    print("START", flush=True)
    run_report(pathlib.Path({path!r}), as_of=dt.date(2024, 9, 30), progress=lambda s: print("STEP", s, flush=True))
    print("DONE", flush=True)
""")


@dataclass
class KillReport:
    runs: int = 0
    original: int = 0  # killed before the replace: BOOK untouched
    refreshed: int = 0  # killed after the replace: BOOK is the complete new workbook
    damaged: list[str] = field(default_factory=list)
    killed_while_writing: int = 0
    leftover_temp_files: int = 0
    write_seconds: float = 0.0


def _start(book: pathlib.Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", CHILD.format(root=str(ROOT), path=str(book))],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def _wait_for(proc: subprocess.Popen, marker: str) -> bool:
    for line in proc.stdout:
        if marker in line:
            return True
    return False


def make_book(folder: pathlib.Path, customers: int = 1000) -> pathlib.Path:
    from crm_xl.cli.demo import build_demo_workbook

    book = folder / "book.xlsx"
    build_demo_workbook(book, customers=customers)
    return book


def kill_runs(folder: pathlib.Path, runs: int = 12, *, seed: int = 10, customers: int = 1000) -> KillReport:
    """``runs`` killed refreshes of a demo workbook with ``customers`` customers; half are
    killed at a random moment of the whole run, half at a random moment of the write."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    book = make_book(folder, customers)
    original = book.read_bytes()
    # calibration: one complete run gives the refreshed bytes and the phase durations
    proc = _start(book)
    t0 = time.perf_counter()
    _wait_for(proc, "START")
    t_start = time.perf_counter()
    _wait_for(proc, "写入")
    t_write = time.perf_counter()
    _wait_for(proc, "DONE")
    t_done = time.perf_counter()
    proc.wait()
    refreshed = book.read_bytes()
    assert refreshed != original, "calibration run did not refresh the workbook"
    whole, write = t_done - t_start, t_done - t_write
    rep = KillReport(write_seconds=write)
    others = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file() and p != book}
    for i in range(runs):
        book.write_bytes(original)
        proc = _start(book)
        in_write = i % 2 == 1
        _wait_for(proc, "写入" if in_write else "START")
        time.sleep(rng.uniform(0, (write if in_write else whole) * 1.1))
        finished = proc.poll() is not None
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        rep.runs += 1
        rep.killed_while_writing += in_write and not finished
        data = book.read_bytes()
        if data == original:
            rep.original += 1
        elif data == refreshed:
            rep.refreshed += 1
        else:
            rep.damaged.append(f"run {i}: workbook is neither the original nor the refreshed one")
        for p in folder.iterdir():
            if p.name.startswith(".~book.xlsx.") and p.name.endswith(".tmp"):
                rep.leftover_temp_files += 1  # a killed writer's temp file: harmless, removed here
                p.unlink()
            elif p.is_file() and p != book and others.get(p.name) != p.read_bytes():
                rep.damaged.append(f"run {i}: {p.name} changed")
    _ = t0
    shutil.rmtree(folder, ignore_errors=True) if os.environ.get("CRM_XL_KEEP_KILL") is None else None
    return rep
