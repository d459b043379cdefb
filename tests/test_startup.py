"""The console script pauses the garbage collector while modules load (crm_xl.startup)."""

import gc

from crm_xl import startup
from crm_xl.cli import main


def test_pause_then_resume_freezes_what_is_alive_and_turns_collection_back_on():
    assert gc.isenabled()
    before = gc.get_freeze_count()
    try:
        startup.pause()
        assert not gc.isenabled()
        startup.resume()
        assert gc.isenabled()
        assert gc.get_freeze_count() > before
        startup.resume()  # a second resume changes nothing
        assert gc.isenabled()
    finally:
        gc.unfreeze()
        gc.enable()


def test_a_collector_the_caller_turned_off_stays_off():
    gc.disable()
    try:
        startup.pause()
        startup.resume()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_main_in_a_long_lived_process_freezes_nothing(tmp_path):
    """Tests and Excel call main() in-process: the collector is never paused there and
    nothing is moved out of its reach."""
    csv = tmp_path / "orders.csv"
    csv.write_text("订单编号,客户ID,下单日期,订单金额\nA1,C1,2024-09-01,1200\nA2,C2,2024-09-15,300\n"
                   "A3,C1,2024-09-20,450\n", encoding="utf-8")
    before = gc.get_freeze_count()
    assert main(["report", str(tmp_path / "r.xlsx"), "--input", str(csv), "-q"]) == 0
    assert (tmp_path / "r.xlsx").exists()
    assert gc.isenabled()
    assert gc.get_freeze_count() == before


# --- text storage (issue 20): the console process holds pandas' text columns as Python objects

import pathlib  # noqa: E402
import zipfile  # noqa: E402

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

EXPORTS = pathlib.Path(__file__).parent / "exports"


def _parts(book: pathlib.Path) -> dict[str, bytes]:
    with zipfile.ZipFile(book) as z:  # (docProps/core.xml holds the time of writing)
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


@pytest.mark.parametrize("files", [
    ["online_retail_invoices/Online Retail.csv"],
    ["transaction_log/CDNOW_master.txt"],
    ["salesforce_dataloader/Opportunity.csv", "salesforce_dataloader/Account.csv"],
    ["odoo_sale_order_export/o2m-quotations-order-lines.csv"],
])
def test_python_text_storage_writes_the_same_workbook_as_pandas_default(tmp_path, files):
    """prefer_python_strings changes where pandas keeps texts, never the report: every part of
    the workbook of a real export is the same byte for byte under both storages (under pandas
    2.x both runs use object columns, and the test holds trivially)."""
    inputs = [str(EXPORTS / f) for f in files]
    default, python = tmp_path / "default.xlsx", tmp_path / "python.xlsx"
    assert main(["report", str(default), "--input", *inputs, "--as-of", "2024-12-31", "-q"]) == 0
    with pd.option_context("mode.string_storage", "python"):
        assert main(["report", str(python), "--input", *inputs, "--as-of", "2024-12-31", "-q"]) == 0
    a, b = _parts(default), _parts(python)
    assert sorted(a) == sorted(b)
    assert [n for n in a if a[n] != b[n]] == []


@pytest.mark.parametrize("files", [
    ["online_retail_invoices/Online Retail.csv"],
    ["salesforce_dataloader/Opportunity.csv", "salesforce_dataloader/Account.csv"],
])
def test_the_console_process_without_pyarrow_writes_the_same_workbook(tmp_path, files):
    """The console process reading files keeps pandas from importing pyarrow (startup); its
    workbook is the one pandas' defaults give in this process (pyarrow's text storage where
    pyarrow is installed), byte for byte."""
    import os
    import subprocess
    import sys

    import crm_xl

    inputs = [str(EXPORTS / f) for f in files]
    default, console = tmp_path / "default.xlsx", tmp_path / "console.xlsx"
    assert main(["report", str(default), "--input", *inputs, "--as-of", "2024-12-31", "-q"]) == 0
    code = ("import sys; from crm_xl.cli import run; sys.argv = ['crm-xl', *sys.argv[1:]]; code = run(); "
            "print(code, sys.modules.get('pyarrow', 'absent'), 'pyarrow.compute' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, "report", str(console), "--input", *inputs,
                          "--as-of", "2024-12-31", "-q"], check=True, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(pathlib.Path(crm_xl.__file__).parents[1])}).stdout
    assert out.strip().splitlines()[-1] in ("0 None False", "0 absent False")  # (blocked, or not installed)
    a, b = _parts(default), _parts(console)
    assert sorted(a) == sorted(b)
    assert [n for n in a if a[n] != b[n]] == []


def test_python_text_storage_only_in_the_console_process(monkeypatch):
    """A library caller's pandas options are its own; the console process with file input
    switches to Python storage (the engine path keeps pandas' default: see startup)."""
    before = pd.get_option("mode.string_storage")
    startup.prefer_python_strings()
    assert pd.get_option("mode.string_storage") == before
    monkeypatch.setattr(startup, "_command", True)
    with pd.option_context("mode.string_storage", before):
        startup.prefer_python_strings()
        assert pd.get_option("mode.string_storage") == "python"
        assert pd.Series(["a", None]).isna().tolist() == [False, True]
    assert pd.get_option("mode.string_storage") == before


@pytest.mark.parametrize("argv, switched", [
    (["report", "OUT.xlsx", "--input", "orders.csv"], True),
    (["report", "orders.csv"], True),
    (["report", "OUT.xlsx", "--source", "duckdb:///x.duckdb"], False),
    (["report", "BOOK.xlsx"], False),  # the workbook may name a source: pandas' default kept
])
def test_the_report_command_switches_storage_for_file_input_only(monkeypatch, argv, switched):
    from crm_xl import beside
    from crm_xl.cli import report

    calls = []
    monkeypatch.setattr(startup, "prefer_python_strings", lambda: calls.append(True))
    monkeypatch.setattr(beside, "warm_up", lambda *m: None)
    monkeypatch.setattr(report, "run_report", lambda *a, **k: (_ for _ in ()).throw(SystemExit(0)))
    with pytest.raises(SystemExit):
        main(argv)
    assert calls == ([True] if switched else [])


def test_python_text_storage_writes_the_same_workbook_from_a_dirty_workbook_input(tmp_path):
    """The same identity for an .xlsx export read by calamine: typed cells (dates, numbers)
    mixed with texts, a number written as text, a date as text in two ways, a blank row,
    a duplicate and a full-width ID."""
    import datetime as dt

    from tests.corpus import build as B

    rows = [B.OH] + [[f"SO{i:04d}", f"C{i % 37:03d}", dt.datetime(2024, 1 + i % 12, 1 + i % 28, i % 24, 5),
                      round(100 + i * 7.25, 2)] for i in range(300)]
    rows += [["SO9001", "C001", "2024-03-05", "1,200.50"], ["SO9002", "Ｃ002", "2024/3/6", "¥88"],
             [None, None, None, None], ["SO9003", "c003", "3/7/2024 10:00", 42], ["SO0001", "C001",
             dt.datetime(2024, 2, 2), 107.25]]
    book = B.xlsx(tmp_path / "export.xlsx", {"订单": rows})
    default, python = tmp_path / "default.xlsx", tmp_path / "python.xlsx"
    assert main(["report", str(default), "--input", str(book), "--as-of", "2024-12-31", "-q"]) == 0
    with pd.option_context("mode.string_storage", "python"):
        assert main(["report", str(python), "--input", str(book), "--as-of", "2024-12-31", "-q"]) == 0
    a, b = _parts(default), _parts(python)
    assert sorted(a) == sorted(b)
    assert [n for n in a if a[n] != b[n]] == []


# --- progress on stderr: rich on a terminal, plain lines elsewhere (issue 20)

def test_progress_is_plain_lines_when_stderr_is_not_a_terminal(monkeypatch, capsys):
    """A pipe or log file gets the lines rich prints there, without rich's live display."""
    import io
    import sys

    from crm_xl.cli.common import _is_terminal, progress

    for var in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(var, raising=False)
    assert not _is_terminal(io.StringIO())
    with progress(False, "zh") as p:
        p.step("读取导出文件")
        p.inform("orders.csv → 订单: 订单编号→订单编号")
        p.inform("注意：76% 的订单行没有计入购买", loud=True)
    assert capsys.readouterr().err.splitlines() == ["· 读取导出文件", "  orders.csv → 订单: 订单编号→订单编号",
                                                   "! 注意：76% 的订单行没有计入购买"]
    with progress(True, "zh") as p:  # --quiet: warnings only
        p.step("读取导出文件")
        p.inform("a note")
        p.inform("a warning", loud=True)
    assert capsys.readouterr().err.splitlines() == ["a warning"]

    class _Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert _is_terminal(_Tty())
    monkeypatch.setattr(sys, "stderr", _Tty())
    with progress(False, "zh") as p:  # a terminal: rich's console, whose text is the same
        p.step("读取导出文件")
    assert "读取导出文件" in sys.stderr.getvalue()
