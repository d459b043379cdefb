"""Atomic, lock-aware saving (issue 5 item 3, issue 10 item 3)."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from crm_xl.atomic import atomic_write, ensure_writable
from crm_xl.errors import WorkbookLockedError


def test_replaces_on_success_and_keeps_mode(tmp_path):
    p = tmp_path / "a.xlsx"
    p.write_bytes(b"old")
    os.chmod(p, 0o640)
    with atomic_write(p) as fh:
        fh.write(b"new")
    assert p.read_bytes() == b"new"
    assert (p.stat().st_mode & 0o777) == 0o640
    assert [x.name for x in tmp_path.iterdir()] == ["a.xlsx"]


def test_exception_leaves_original_and_no_temp(tmp_path):
    p = tmp_path / "a.xlsx"
    p.write_bytes(b"old")
    with pytest.raises(ValueError):
        with atomic_write(p) as fh:
            fh.write(b"half")
            raise ValueError("boom")
    assert p.read_bytes() == b"old"
    assert [x.name for x in tmp_path.iterdir()] == ["a.xlsx"]


def test_read_only_file_is_refused(tmp_path):
    p = tmp_path / "ro.xlsx"
    p.write_bytes(b"old")
    os.chmod(p, 0o444)
    with pytest.raises(WorkbookLockedError) as e:
        with atomic_write(p) as fh:
            fh.write(b"new")
    assert "只读" in e.value.message("zh") and "read-only" in e.value.message("en")
    assert "ro.xlsx" in e.value.message("en")
    assert p.read_bytes() == b"old"


@pytest.mark.parametrize("lock", ["~$book.xlsx", ".~lock.book.xlsx#"])
def test_office_lock_file_means_open_elsewhere(tmp_path, lock):
    p = tmp_path / "book.xlsx"
    p.write_bytes(b"old")
    (tmp_path / lock).write_bytes(b"owner")
    with pytest.raises(WorkbookLockedError) as e:
        ensure_writable(p)
    assert "Excel" in e.value.message("zh") and lock in e.value.message("en")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX advisory locks")
def test_file_locked_by_another_process(tmp_path):
    p = tmp_path / "book.xlsx"
    p.write_bytes(b"old")
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import fcntl, sys, time
        f = open({str(p)!r}, "rb+")
        fcntl.flock(f, fcntl.LOCK_EX)
        print("locked", flush=True)
        time.sleep(30)
    """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(WorkbookLockedError, match="locked by another program"):
            with atomic_write(p) as fh:
                fh.write(b"new")
        assert p.read_bytes() == b"old"
    finally:
        holder.kill()
        holder.wait()


WRITER = textwrap.dedent("""
    import sys
    sys.path.insert(0, {root!r})
    sys.path.insert(0, {tests!r})
    from tests.report_samples import sample_spec
    from crm_xl.render.splice import refresh_workbook
    print("start", flush=True)
    refresh_workbook(sample_spec(extra_rows=30000), {path!r})
""")


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_killing_the_writer_never_damages_the_workbook(tmp_path):
    """Kill a refresh at several points; the workbook is always the original or the new one."""
    import openpyxl

    from crm_xl.render.opc import check_package
    from crm_xl.render.xlsx import render_workbook
    from tests.report_samples import sample_spec

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    p = tmp_path / "book.xlsx"
    render_workbook(sample_spec(), p)
    original = p.read_bytes()
    outcomes = set()
    for delay in (0.05, 0.3, 0.8, 1.5, 3.0):  # bounded number of runs
        p.write_bytes(original)
        proc = subprocess.Popen([sys.executable, "-c", WRITER.format(root=root, tests=os.path.join(root, "tests"), path=str(p))],
                                stdout=subprocess.PIPE, text=True)
        proc.stdout.readline()
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        data = p.read_bytes()
        if data == original:
            outcomes.add("original")
        else:
            assert check_package(p) == []
            assert openpyxl.load_workbook(p, read_only=True)["RFM分层表"].max_row > 30000
            outcomes.add("new")
        for leftover in tmp_path.glob(".~book.xlsx.*.tmp"):
            leftover.unlink()  # a killed writer may leave its temp file; never the workbook
    assert "original" in outcomes
