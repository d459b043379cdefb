"""One place for error messages (issue 10, item 5): :func:`crm_xl.errors.format_error`
turns every error into a zh or en message with sheet/row/column; the CLI prints it as
one line with an exit code (traceback only with --debug) and the macros show it in an
alert."""

import errno
import zipfile

import pytest

from crm_xl.cli import main
from crm_xl.errors import (
    InputError,
    SettingsError,
    WorkbookError,
    WorkbookLockedError,
    as_user_error,
    exit_code,
    format_error,
)
from tests.corpus import build as B
from tests.corpus.make_corpus import CH, OH


def test_location_is_part_of_both_languages():
    e = InputError("无法识别的日期", "unrecognised date", sheet="订单", row=7, column="下单日期")
    assert format_error(e, "zh") == "工作表「订单」第 7 行「下单日期」列：无法识别的日期"
    assert format_error(e, "en") == "sheet '订单', row 7, column '下单日期': unrecognised date"
    assert format_error(e, "both") == format_error(e, "zh") + "\n" + format_error(e, "en")


@pytest.mark.parametrize("exc, kind, en", [
    (MemoryError(), WorkbookError, "Out of memory"),
    (OSError(errno.ENOSPC, "No space left on device"), WorkbookError, "disk is full"),
    (PermissionError(errno.EACCES, "denied", "book.xlsx"), WorkbookLockedError, "'book.xlsx'"),
    (FileNotFoundError(errno.ENOENT, "nope", "x.csv"), InputError, "File not found 'x.csv'"),
    (zipfile.BadZipFile("bad"), WorkbookError, "damaged"),
    (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "bad"), InputError, "encoding"),
])
def test_errors_from_outside_crm_xl_become_user_errors(exc, kind, en):
    user = as_user_error(exc)
    assert isinstance(user, kind)
    assert en in format_error(exc, "en")
    assert "内部错误" not in format_error(exc, "zh")
    assert exit_code(exc) == 2


def test_defusedxml_refusals_are_user_errors():
    from defusedxml import ElementTree as SafeET

    with pytest.raises(Exception) as info:
        SafeET.fromstring(B.LAUGHS + b"<a>&lol9;</a>")
    assert isinstance(as_user_error(info.value), WorkbookError)


def test_a_bug_is_reported_as_internal_and_exit_code_1():
    exc = KeyError("oops")
    assert as_user_error(exc) is None
    assert format_error(exc, "en").startswith("Internal crm_xl error (KeyError")
    assert "--debug" in format_error(exc, "zh")
    assert exit_code(exc) == 1


def test_cli_prints_one_located_line_and_exit_code_2(tmp_path, capsys):
    book = B.xlsx(tmp_path / "book.xlsx", {"订单": [OH, ["O1", "C001", "2024-09-01", 1]],
                                          "设置": [["名称", "值"], ["recency_breakpoints_days", "90, 60, 30, 10"]]})
    before = book.read_bytes()
    assert main(["report", str(book), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("工作表「设置」第 2 行") and "\n" not in err and "Traceback" not in err
    assert main(["report", str(book), "--quiet", "--lang", "en"]) == 2
    assert capsys.readouterr().err.startswith("sheet '设置', row 2")
    with pytest.raises(SettingsError):
        main(["report", str(book), "--quiet", "--debug"])
    assert book.read_bytes() == before


def test_cli_on_a_corrupt_file(tmp_path, capsys):
    p = B.raw(tmp_path / "cut.xlsx", B.buffer_xlsx({"订单": B.orders_rows()})[:1500])
    assert main(["report", str(p), "--quiet", "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert "damaged" in err and "Traceback" not in err


def test_cli_turns_a_bug_into_exit_code_1_without_traceback(tmp_path, capsys, monkeypatch):
    import crm_xl.report.build as build

    def boom(*a, **k):
        raise KeyError("boom")

    monkeypatch.setattr(build, "analysis_before_clv", boom)
    book = B.xlsx(tmp_path / "book.xlsx", {"订单": B.orders_rows()})
    before = book.read_bytes()
    assert main(["report", str(book), "--quiet", "--lang", "en"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Internal crm_xl error (KeyError") and "Traceback" not in err
    assert book.read_bytes() == before


def test_macro_alert_names_sheet_row_and_column(tmp_path):
    from crm_xl.excel.macros import refresh_all
    from tests.xlbook import book_from_payload, payload_from_xlsx

    src = B.xlsx(tmp_path / "book.xlsx", {"客户": [CH, ["C001", "甲", "张", "软件"]], "订单": [OH, ["O1", "C001", "2024-09-01", 1]],
                                         "设置": [["名称", "值"], ["recency_breakpoints_days", "90, 60, 30, 10"]]})
    book = book_from_payload(payload_from_xlsx(src))
    out = refresh_all(book)
    assert not out.ok and out.error == "SettingsError"
    assert out.message.startswith("工作表「设置」第 2 行")
    assert not [a for a in book.json()["actions"] if a["func"] == "setValues"]  # nothing written
