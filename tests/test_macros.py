"""The Excel macros and the ribbon's dispatch, run through xlwings' remote engine.

The workbook is the demo workbook (``crm-xl demo`` output) turned into the JSON an
Office.js client sends; each macro runs on ``xw.Book(json=payload)`` and the recorded
actions are replayed onto the payload's sheets.
"""

import datetime as dt
import importlib.util
import pathlib
from dataclasses import replace

import openpyxl
import pytest
import xlwings as xw

import crm_xl
from crm_xl.cli.demo import build_demo_workbook
from crm_xl.errors import InputError
from crm_xl.excel import macros
from crm_xl.render.xlsx import render_workbook
from crm_xl.report import build as build_mod
from crm_xl.report.inputs import inputs_from_sheet_rows
from crm_xl.report.rfm_sheet import template1_headers
from crm_xl.report.spec import ReportSpec
from crm_xl.schema import TABLES

from .report_samples import sample_spec
from .xlbook import Replay, book_from_payload, payload, payload_from_xlsx, sheet_payload

DATA_SHEETS = [t.zh for t in TABLES.values()]
ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.xlsx"
    build_demo_workbook(path, customers=20)
    return path


@pytest.fixture
def demo_payload(demo):
    return payload_from_xlsx(demo, active=0)


def run(fn, p, **kw):
    book = book_from_payload(p)
    out = fn(book, **kw)
    return out, Replay(p, book.json()["actions"])


def _norm(v):
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return float(v)
    return v


def writes(rp: Replay, sheet: str) -> set[str]:
    return set(rp.touched.get(sheet, [])) - {"activateSheet"}


def test_refresh_all_fills_the_report_sheets_like_the_file_renderer(demo, demo_payload, tmp_path):
    out, rp = run(macros.refresh_all, demo_payload)
    assert out.ok, out.message
    assert "RFM分层表" in out.sheets and "清洗日志" in out.sheets
    for name in DATA_SHEETS:  # the user's data is never written
        assert not writes(rp, name), name
    # the same spec drawn by the file renderer gives the same cells
    rows = [(s["name"], [[None if v == "" else v for v in r] for r in s["values"]]) for s in demo_payload["sheets"]]
    inputs = inputs_from_sheet_rows(payload_rows(demo), source="demo")
    run_ = build_mod.build_report(inputs.raw_tables, inputs.settings)
    path = render_workbook(run_.spec, tmp_path / "file.xlsx")
    wb = openpyxl.load_workbook(path)
    for name in out.sheets:
        file_cells = {(c.row, c.column): _norm(c.value.replace(tzinfo=None) if isinstance(c.value, dt.datetime) else c.value)
                      for row in wb[name].iter_rows() for c in row if c.value is not None}
        live = {k: _norm(v) for k, v in rp.grid(name).items()}
        assert live == file_cells, name
    assert rows  # the payload really held the demo's sheets


def payload_rows(path):
    from crm_xl.io import read_sheet_rows

    return read_sheet_rows(path)


def test_template1_header_and_seed_rows(demo_payload):
    out, rp = run(macros.refresh_rfm, demo_payload)
    assert out.ok and out.sheets == ["RFM分层表"]
    g = rp.grid("RFM分层表")
    header_row = next(r for (r, c), v in g.items() if c == 1 and v == "客户ID")
    assert [rp.value("RFM分层表", header_row, c) for c in range(1, 14)] == list(template1_headers("zh"))
    rows = {rp.value("RFM分层表", r, 1): r for r in range(header_row + 1, header_row + 40)}
    c001, c002, c003 = rows["C001"], rows["C002"], rows["C003"]
    # seed 004 Template 1: C001 5,5,5 = 15 高价值客户; C002 3,4,4 = 11 潜力客户; C003 1,2,2 = 5 流失风险客户
    assert [rp.value("RFM分层表", c001, c) for c in range(8, 13)] == [5.0, 5.0, 5.0, 15.0, "高价值客户"]
    assert [rp.value("RFM分层表", c002, c) for c in range(8, 14)] == [3.0, 4.0, 4.0, 11.0, "潜力客户", "近2个月购买频次下降"]
    assert [rp.value("RFM分层表", c003, c) for c in range(8, 14)] == [1.0, 2.0, 2.0, 5.0, "流失风险客户", "超过6个月未购买"]
    assert rp.value("RFM分层表", c001, 7) == 150000.0
    assert rp.number_format("RFM分层表", c001, 7) == "#,##0"
    assert rp.number_format("RFM分层表", c001, 5) == "yyyy-mm-dd"
    assert ("RFMLayers" in [t[0] for t in rp.tables["RFM分层表"]])
    # only that sheet was written
    assert {s for s in rp.touched if writes(rp, s)} == {"RFM分层表"}


def _with_sample_strategy(monkeypatch):
    """build_report with the sample strategy sheet (tests/report_samples.py) as 客户策略执行表,
    whatever the pipeline builds there (hand-checked values, independent of its defaults)."""
    real = build_mod.build_report
    strategy = sample_spec().sheet("客户策略执行表")

    def fake(raw, settings=None, **kw):
        r = real(raw, settings, **kw)
        sheets = tuple(sh for sh in r.spec.sheets if sh.name != strategy.name) + (strategy,)
        return replace(r, spec=ReportSpec(sheets, lang=r.spec.lang).validate())

    monkeypatch.setattr(build_mod, "build_report", fake)


def test_refresh_strategy_keeps_tracking_entries(demo, monkeypatch):
    _with_sample_strategy(monkeypatch)
    t = sample_spec().sheet("客户策略执行表").table("Strategy")
    h, first = t.header_row, t.first_data_row
    rows = [[None] * 6 for _ in range(first + 1)]
    rows[0][0] = "客户策略执行表"
    rows[h - 1] = [c.header for c in t.columns]
    rows[first - 1] = ["C003", "挽回优惠", "王主管", "2024-10-05T00:00:00.000Z", "已完成", "已挽回，续签一年"]
    table = {"name": "Strategy", "range_address": f"$A${h}:$F${first}", "show_headers": True}
    p = payload_from_xlsx(demo)
    p["sheets"].append(sheet_payload("客户策略执行表", rows, [table]))
    out, rp = run(macros.refresh_strategy, p)
    assert out.ok, out.message
    assert out.sheets == ["客户策略执行表"]
    assert {s for s in rp.touched if writes(rp, s)} == {"客户策略执行表"}
    got = {rp.value("客户策略执行表", r, 1): [rp.value("客户策略执行表", r, c) for c in range(2, 7)]
           for r in range(first, first + 3)}
    assert got["C003"] == ["挽回优惠", "王主管", dt.datetime(2024, 10, 5), "已完成", "已挽回，续签一年"]
    assert got["C001"] == ["专属服务", "资深客户经理", dt.datetime(2024, 12, 31), "未开始", None]


def test_refresh_kpis_and_charts_draws_both_with_native_charts(demo, demo_payload):
    out, rp = run(macros.refresh_kpis_charts, demo_payload)
    assert out.ok, out.message
    inputs = inputs_from_sheet_rows(payload_rows(demo), source="demo")
    spec = build_mod.build_report(inputs.raw_tables, inputs.settings).spec
    # the two sheets, plus any sheet holding a table their charts plot
    sources = {spec.find_table(ch.table)[0].name for n in ("指标看板", "图表") for ch in spec.sheet(n).charts}
    assert set(out.sheets) == {"指标看板", "图表"} | sources
    assert {s for s in rp.touched if writes(rp, s)} == set(out.sheets)
    n_charts = sum(len(spec.sheet(n).charts) for n in out.sheets)
    assert n_charts >= 1
    assert len([a for a in rp.actions if a["func"] == "addChart"]) == n_charts  # native charts, not pictures
    for name in DATA_SHEETS:
        assert not writes(rp, name)


def test_missing_report_sheet_is_an_alert_not_a_write(demo_payload, monkeypatch):
    real = build_mod.build_report

    def without(raw, settings=None, **kw):
        r = real(raw, settings, **kw)
        return replace(r, spec=r.spec.subset([n for n in r.spec.sheet_names if n != "客户策略执行表"]))

    monkeypatch.setattr(build_mod, "build_report", without)
    out, rp = run(macros.refresh_strategy, demo_payload)
    assert not out.ok
    assert [a["func"] for a in rp.actions] == ["alert"]
    assert "客户策略执行表" in rp.actions[0]["args"][0]


def test_bad_data_sheet_gives_an_alert_and_no_write():
    orders = sheet_payload("订单", [["订单编号", "客户ID", "产品"], ["SO1", "C001", "软件"]])  # no date, no amount
    p = payload([orders, sheet_payload("客户", [["客户ID", "客户名称"], ["C001", "甲公司"]])])
    for fn in (macros.refresh_all, macros.validate_data, macros.refresh_rfm):
        out, rp = run(fn, p)
        assert not out.ok and out.error == "MissingColumnsError"
        assert [a["func"] for a in rp.actions] == ["alert"]
        text, title, buttons, mode, _ = rp.actions[0]["args"]
        assert "订单" in text and "下单日期" in text and "Traceback" not in text
        assert mode == "critical" and title == "CRM 分析"


def test_english_workbook_gets_english_messages():
    p = payload([sheet_payload("Orders", [["Order ID", "Customer ID"], ["SO1", "C001"]])])
    out, rp = run(macros.refresh_all, p)
    assert not out.ok
    assert "Orders" in out.message and "Order Date" in out.message and "缺少" not in out.message


def test_a_failure_while_drawing_leaves_the_workbook_as_it_was(demo_payload, monkeypatch):
    from crm_xl.render import book as book_mod

    def broken(*a, **k):
        raise RuntimeError("boom")

    monkeypatch.setattr(book_mod, "_draw_chart", broken)  # fails after the sheets were queued
    out, rp = run(macros.refresh_all, demo_payload)
    assert not out.ok and out.error == "RuntimeError"
    assert [a["func"] for a in rp.actions] == ["alert"]
    assert "内部错误" in rp.actions[0]["args"][0] and "Traceback" not in rp.actions[0]["args"][0]
    assert "Traceback" in out.detail  # kept for the log


def test_validate_data_lists_problems_in_the_cleaning_log(tmp_path):
    path = tmp_path / "dirty.xlsx"
    build_demo_workbook(path, customers=20, dirty=True)
    p = payload_from_xlsx(path)
    out, rp = run(macros.validate_data, p)
    assert out.ok
    assert out.sheets == ["清洗日志"]
    alert = [a for a in rp.actions if a["func"] == "alert"][-1]["args"]
    assert "清洗日志" in alert[0] and "原始数据没有被修改" in alert[0] and alert[3] == "info"
    for name in DATA_SHEETS:
        assert not writes(rp, name)
    header = next(r for (r, c), v in rp.grid("清洗日志").items() if c == 1 and v == "工作表")
    assert [rp.value("清洗日志", header, c) for c in range(1, 8)] == ["工作表", "行号", "列", "原值", "新值", "规则", "原因"]


def test_insert_template_into_an_empty_workbook_round_trips():
    p = payload([sheet_payload("Sheet1", [["我的笔记"]])])
    out, rp = run(macros.insert_template, p)
    assert out.ok, out.message
    assert out.sheets[:3] == ["控制台", "分析目标", "设置"]
    assert out.sheets[3:] == DATA_SHEETS
    assert not writes(rp, "Sheet1") and rp.grid("Sheet1") == {(1, 1): "我的笔记"}
    # data sheets carry the template headers, as an Excel table with one blank row
    assert [rp.value("客户", 1, c + 1) for c in range(len(TABLES["customers"].columns))] == \
        [c.zh for c in TABLES["customers"].columns]
    assert rp.tables["订单"][0][0] == "Orders"
    # what was written reads back: settings = the defaults, goals found
    sheets = []
    for name in rp.order:
        g = rp.grid(name)
        nrow = max((r for r, _ in g), default=0)
        ncol = max((c for _, c in g), default=0)
        sheets.append((name, [[g.get((r, c)) for c in range(1, ncol + 1)] for r in range(1, nrow + 1)]))
    inputs = inputs_from_sheet_rows(sheets)
    assert inputs.settings_found and inputs.goals_found
    from crm_xl.settings import AnalysisSettings

    assert inputs.settings == AnalysisSettings(lang="zh")
    # a second run adds nothing
    p2 = payload([sheet_payload(n, rows) for n, rows in sheets])
    out2, rp2 = run(macros.insert_template, p2)
    assert out2.ok and out2.sheets == []
    assert [a["func"] for a in rp2.actions] == ["alert"]


def _console_payload(choice):
    spec = macros.console_sheet("zh")
    rows = [[None, None] for _ in range(12)]
    for b in spec.blocks:
        if hasattr(b, "lines"):
            for i, line in enumerate(b.lines):
                rows[b.row - 1 + i][0] = line
    t = spec.table("CrmXlConsole")
    rows[t.header_row - 1] = ["项目", "选择"]
    rows[t.first_data_row - 1] = ["要执行的操作", choice]
    return sheet_payload("控制台", rows)


def test_main_runs_the_console_choice(demo_payload):
    p = dict(demo_payload)
    p["sheets"] = [_console_payload("只刷新RFM分层表")] + demo_payload["sheets"]
    p["book"] = dict(p["book"], active_sheet_index=0)
    book = book_from_payload(p)
    assert macros.choose_action(book) == ("refresh_rfm", "console")
    out = macros.main(book)
    assert out.ok and out.sheets == ["RFM分层表"]


def test_main_follows_the_active_sheet(demo_payload):
    names = [s["name"] for s in demo_payload["sheets"]]
    for sheet, expected in (("RFM分层表", "refresh_rfm"), ("客户", "refresh_all"), ("说明", "refresh_all")):
        p = dict(demo_payload, book=dict(demo_payload["book"], active_sheet_index=names.index(sheet)))
        assert macros.choose_action(book_from_payload(p))[0] == expected, sheet
    empty = payload([sheet_payload("Sheet1", [])])
    assert macros.choose_action(book_from_payload(empty)) == ("insert_template", "no data sheet")


def test_main_with_no_choice_asks_for_one():
    p = payload([_console_payload(None)])
    out, rp = run(macros.main, p)
    assert not out.ok and [a["func"] for a in rp.actions] == ["alert"]
    assert "要执行的操作" in rp.actions[0]["args"][0]


def test_main_shows_an_error_while_choosing_the_action(monkeypatch):
    # the error raised while reading the choice reaches the user as a macro error
    def broken(book):
        raise InputError("控制台读不出来", "the console cannot be read")

    monkeypatch.setattr(macros, "choose_action", broken)
    out, rp = run(macros.main, payload([_console_payload(None)]))
    assert not out.ok and out.error == "InputError"
    assert "控制台读不出来" in rp.actions[0]["args"][0]


def test_crm_xl_main_uses_the_calling_book(demo_payload):
    """What the ribbon's RunMain does: ``import crm_xl; crm_xl.main()`` with Book.caller()."""
    names = [s["name"] for s in demo_payload["sheets"]]
    p = dict(demo_payload, book=dict(demo_payload["book"], active_sheet_index=names.index("RFM分层表")))
    book = book_from_payload(p)
    book.set_mock_caller()
    out = crm_xl.main()
    assert out.ok and out.sheets == ["RFM分层表"]
    assert any(a["func"] == "setValues" for a in book.json()["actions"])


def _lite_module():
    spec = importlib.util.spec_from_file_location("crm_lite_main", ROOT / "crm_xl/excel/lite/main.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_xlwings_lite_scripts(demo_payload):
    import asyncio

    from xlwings.server import custom_scripts_call, custom_scripts_meta

    mod = _lite_module()
    meta = {m["function_name"] for m in custom_scripts_meta(mod)}
    assert meta == {"crm_refresh_all", "crm_refresh_rfm", "crm_refresh_strategy", "crm_refresh_kpis_charts",
                    "crm_insert_template", "crm_validate_data", "crm_run"}
    book = book_from_payload(demo_payload)
    asyncio.run(custom_scripts_call(mod, "crm_refresh_rfm", typehint_to_value={xw.Book: book}))
    rp = Replay(demo_payload, book.json()["actions"])
    assert {s for s in rp.touched if writes(rp, s)} == {"RFM分层表"}
    assert (ROOT / "crm_xl/excel/lite/requirements.txt").read_text().count("crm-xl") >= 1
