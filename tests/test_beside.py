"""Work handed to a forked child (crm_xl.beside, issue 20): it runs beside the process only
where allowed, and the result never depends on whether it did."""

import functools
import os
import subprocess
import sys
import zipfile

import numpy as np
import pandas as pd
import pytest

from crm_xl import beside, startup

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux") or (os.cpu_count() or 1) < 2,
                                reason="work goes to a forked child only on Linux with two or more cores")


@pytest.fixture
def command_process(monkeypatch):
    """This process taken for the crm-xl console script (only there may it fork)."""
    monkeypatch.setattr(startup, "_command", True)
    monkeypatch.delenv("CRM_XL_WORKERS", raising=False)


def _write_pid(path):
    def work():
        with open(path, "w") as f:
            f.write(str(os.getpid()))
    return work


def test_no_child_outside_the_command_process(tmp_path, monkeypatch):
    monkeypatch.setattr(startup, "_command", False)
    job = beside.start(_write_pid(tmp_path / "pid"))
    assert job.done() is False  # the caller does the work itself
    assert not (tmp_path / "pid").exists()


@linux_only
def test_the_work_runs_in_a_child(tmp_path, command_process):
    job = beside.start(_write_pid(tmp_path / "pid"))
    assert job.done() is True
    assert job.done() is True  # asking again gives the same answer
    assert int((tmp_path / "pid").read_text()) != os.getpid()


@linux_only
def test_workers_0_keeps_the_work_in_the_process(tmp_path, command_process, monkeypatch):
    monkeypatch.setenv("CRM_XL_WORKERS", "0")
    assert beside.forking_allowed() is False
    assert beside.start(_write_pid(tmp_path / "pid")).done() is False


@linux_only
def test_a_failing_child_hands_the_work_back(tmp_path, command_process):
    def work():
        (tmp_path / "half").write_text("started")
        raise ValueError("broken")
    job = beside.start(work)
    assert job.done() is False  # (the caller then does the work and meets the error itself)
    assert (tmp_path / "half").read_text() == "started"


@linux_only
def test_cancel_stops_a_child(tmp_path, command_process):
    import time

    def work():
        time.sleep(60)
        (tmp_path / "late").write_text("x")
    job = beside.start(work)
    job.cancel()
    assert job.done() is False
    assert not (tmp_path / "late").exists()


def test_a_value_comes_back_from_the_child(command_process):
    job = beside.compute(os.getpid)
    pid = job.result()
    assert isinstance(pid, int)
    if sys.platform.startswith("linux") and (os.cpu_count() or 1) > 1:
        assert pid != os.getpid()  # (computed by the child)


def test_a_value_is_computed_here_when_no_child_may_run(monkeypatch):
    monkeypatch.setattr(startup, "_command", False)
    assert beside.compute(os.getpid).result() == os.getpid()
    assert beside.compute(os.getpid, fork=False).result() == os.getpid()
    beside.warm_up("json")
    assert beside._warm is None  # (no warm child either)


@linux_only
def test_an_error_of_the_work_is_raised_here(command_process):
    def broken():
        raise ValueError("bad data")
    job = beside.compute(broken)
    with pytest.raises(ValueError, match="bad data"):  # (the child failed; redone here, it fails here)
        job.result()


def _pid_and_imported():
    """(in the child) its pid and whether the warm-up imported the test's module there"""
    return os.getpid(), "crm_xl_test_warm_module" in sys.modules


@pytest.fixture
def warm_module(tmp_path, monkeypatch):
    """A module only the warm child imports (it is not in this process)."""
    (tmp_path / "crm_xl_test_warm_module.py").write_text("X = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("crm_xl_test_warm_module", None)
    yield "crm_xl_test_warm_module"
    beside.let_go()


@linux_only
def test_the_warm_child_imports_early_and_computes_a_small_value(command_process, warm_module):
    beside.warm_up(warm_module)
    warm_pid = beside._warm._pid
    pid, imported = beside.compute(_pid_and_imported, fork=False).result()
    assert pid == warm_pid != os.getpid()
    assert imported is True  # (imported there, while this process went on)
    assert warm_module not in sys.modules
    assert beside._warm is None  # (it took one call and ended)
    assert beside.compute(os.getpid, fork=False).result() == os.getpid()  # (no warm child left: here)


@linux_only
def test_a_big_value_forks_and_lets_the_warm_child_go(command_process, warm_module):
    beside.warm_up(warm_module)
    warm_pid = beside._warm._pid
    pid, imported = beside.compute(_pid_and_imported, fork=True).result()
    assert pid not in (warm_pid, os.getpid())
    assert imported is False  # (a child of this process, which never imported it)
    with pytest.raises(ChildProcessError):
        os.waitpid(warm_pid, 0)  # (stopped and reaped)


@linux_only
def test_what_cannot_be_pickled_or_fails_in_the_warm_child_is_done_here(command_process, warm_module):
    beside.warm_up(warm_module)
    local = 5
    assert beside.compute(lambda: (os.getpid(), local), fork=False).result() == (os.getpid(), 5)  # (a lambda)
    assert beside._warm is None

    beside.warm_up(warm_module)
    job = beside.compute(functools.partial(_raise, "bad data"), fork=False)
    path = job._path
    assert path is not None and os.path.exists(path + ".call")  # (the call went to the warm child)
    with pytest.raises(ValueError, match="bad data"):  # (failed in the warm child; redone here, fails here)
        job.result()
    assert not os.path.exists(path) and not os.path.exists(path + ".call")


def _raise(text):
    raise ValueError(text)


@linux_only
def test_let_go_stops_a_waiting_warm_child(command_process, warm_module):
    beside.warm_up(warm_module)
    pid = beside._warm._pid
    beside.let_go()
    assert beside._warm is None
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, 0)


@linux_only
def test_the_command_fits_small_clv_models_in_the_warm_child(tmp_path):
    """Below BESIDE_CUSTOMERS the crm-xl command sends the CLV fit to the warm child, which
    imported scipy while the command read the data: the command's own process never imports
    scipy; with CRM_XL_WORKERS=0 it does, and the workbook is the same part for part."""
    csv = tmp_path / "orders.csv"
    _orders_csv(csv, n_orders=3_000, n_customers=400)
    code = ("import sys; from crm_xl.cli import run; sys.argv = ['crm-xl', 'report', sys.argv[1], '--input', "
            "sys.argv[2], '--as-of', '2024-10-01', '-q']; code = run(); "
            "print(code, 'scipy.special' in sys.modules)")
    seen, out = {}, {}
    for workers in ("1", "0"):
        out[workers] = tmp_path / f"report_{workers}.xlsx"
        env = {**os.environ, "CRM_XL_WORKERS": workers}
        seen[workers] = subprocess.run([sys.executable, "-c", code, str(out[workers]), str(csv)], check=True, env=env,
                                       capture_output=True, text=True).stdout.split()[-2:]
    assert seen == {"1": ["0", "False"], "0": ["0", "True"]}
    forked, alone = _parts(out["1"]), _parts(out["0"])
    assert forked.keys() == alone.keys()
    assert [n for n in forked if forked[n] != alone[n]] == []
    assert any(b"ClvForecast" in b for n, b in forked.items() if n.startswith("xl/tables/"))


def test_the_report_modules_do_not_import_scipy():
    """scipy.special (~0.25 s) is imported when a CLV model is first fitted, which the crm-xl
    command does in a forked child: the report's own process never imports it."""
    code = ("import sys, crm_xl.cli, crm_xl.cli.report, crm_xl.report.build, crm_xl.render.xlsx, crm_xl.io, "
            "crm_xl.core.clv, crm_xl.core.clv_report; print(sorted(m for m in sys.modules if m.startswith('scipy')))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.strip() == "[]"


def _orders_csv(path, n_orders=30_000, n_customers=21_000):
    """Enough orders that the 订单 data sheet (4 columns) passes BESIDE_CELLS, and enough
    customers that the CLV models are fitted beside (BESIDE_CUSTOMERS)."""
    rng = np.random.default_rng(7)
    cust = np.concatenate([np.arange(1, n_customers + 1), rng.integers(1, n_customers + 1, n_orders - n_customers)])
    pd.DataFrame({
        "订单编号": [f"SO{i:06d}" for i in range(n_orders)],
        "客户ID": [f"C{c:05d}" for c in cust],
        "下单日期": (pd.Timestamp("2024-09-30") - pd.to_timedelta(rng.integers(0, 700, n_orders), unit="D"))
        .strftime("%Y-%m-%d"),
        "订单金额": np.round(rng.lognormal(7, 0.7, n_orders), 2),
    }).to_csv(path, index=False)


def _parts(path):
    with zipfile.ZipFile(path) as z:
        # (docProps/core.xml holds the time of writing)
        return {i.filename: z.read(i.filename) for i in z.infolist() if i.filename != "docProps/core.xml"}


@pytest.mark.slow
@linux_only
def test_the_report_is_the_same_whether_or_not_children_did_parts_of_it(tmp_path):
    """With children (21,000 customers: the CLV models fitted beside; 120,000 cells: the 订单
    data sheet made beside) and without, the files are the same part for part."""
    from crm_xl.render.xlsx import BESIDE_CELLS
    from crm_xl.report.build import BESIDE_CUSTOMERS

    csv = tmp_path / "orders.csv"
    _orders_csv(csv)
    assert 30_000 * 4 >= BESIDE_CELLS and 21_000 >= BESIDE_CUSTOMERS
    out = {}
    for workers in ("1", "0"):
        out[workers] = tmp_path / f"report_{workers}.xlsx"
        env = {**os.environ, "CRM_XL_WORKERS": workers}
        subprocess.run([sys.executable, "-m", "crm_xl", "report", str(out[workers]), "--input", str(csv),
                        "--as-of", "2024-10-01", "-q"], check=True, env=env, capture_output=True)
    forked, alone = _parts(out["1"]), _parts(out["0"])
    assert forked.keys() == alone.keys()
    assert [n for n in forked if forked[n] != alone[n]] == []
    # the data sheet's text is inline (it depends on no other sheet's strings)
    data_parts = [n for n, b in forked.items() if n.startswith("xl/worksheets/") and b"SO000000" in b]
    assert len(data_parts) == 1 and b'<c r="A2" s="' in forked[data_parts[0]]
    assert b't="inlineStr"><is><t>SO000000</t></is>' in forked[data_parts[0]]
    import openpyxl
    wb = openpyxl.load_workbook(out["1"], read_only=True)
    ws = wb["订单"]
    rows = list(ws.iter_rows(min_row=1, max_row=3, values_only=True))
    assert rows[0] == ("订单编号", "客户ID", "下单日期", "订单金额")
    assert rows[1][0] == "SO000000"
