"""Crash-safe writes (issue 10, item 3): ``crm-xl report BOOK`` killed at random points
(a bounded number of runs) never leaves BOOK damaged -- it is the original or the
complete refresh, byte for byte -- and a workbook locked by another process gives a clear
message and is not changed. (``tests/test_atomic.py`` covers ``atomic_write`` itself.)"""

import subprocess
import sys
import textwrap

import pytest

from crm_xl.cli.report import run_report
from crm_xl.errors import WorkbookLockedError
from tests.corpus import build as B
from tests.corpus.killtest import kill_runs
from tests.corpus.make_corpus import AS_OF


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_killed_refresh_leaves_original_or_complete_workbook(tmp_path):
    rep = kill_runs(tmp_path / "kill", runs=12, seed=10, customers=1000)
    assert rep.damaged == []
    assert rep.runs == 12 and rep.original + rep.refreshed == 12
    assert rep.original >= 1  # some kills landed before the replace
    assert rep.killed_while_writing >= 3  # and some in the middle of writing the new package


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX advisory locks")
def test_workbook_locked_by_another_process_is_refused_unchanged(tmp_path):
    book = B.xlsx(tmp_path / "book.xlsx", {"订单": B.orders_rows()})
    before = book.read_bytes()
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import fcntl, time
        f = open({str(book)!r}, "rb+")
        fcntl.flock(f, fcntl.LOCK_EX)
        print("locked", flush=True)
        time.sleep(60)
    """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(WorkbookLockedError) as info:
            run_report(book, as_of=AS_OF)
        assert "locked by another program" in info.value.message("en")
        assert "锁定" in info.value.message("zh")
        assert book.read_bytes() == before
        assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]
    finally:
        holder.kill()
        holder.wait()


def test_output_locked_by_excel_is_refused_before_any_work(tmp_path, monkeypatch):
    """-o OUT where OUT is open in Excel (~$ lock file): refused before reading or
    analysing anything, OUT unchanged."""
    import crm_xl.report.build as build

    book = B.xlsx(tmp_path / "book.xlsx", {"订单": B.orders_rows()})
    out = B.raw(tmp_path / "out.xlsx", b"previous report")
    (tmp_path / "~$out.xlsx").write_bytes(b"owner")
    monkeypatch.setattr(build, "analysis_before_clv", lambda *a, **k: pytest.fail("analysis ran"))
    with pytest.raises(WorkbookLockedError, match="Close it"):
        run_report(book, out=out, as_of=AS_OF)
    assert out.read_bytes() == b"previous report"
