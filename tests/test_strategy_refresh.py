"""Merge on refresh (issue 8 item 2) through the file renderer: a user types owners, statuses,
dates and results into 客户策略执行表 and adds a row by hand; new orders move C003 out of the
at-risk layer and bring a new at-risk customer; after refresh_workbook every typed cell is
as it was, the left customer's row is marked, the new one appended, a second run changes
nothing. Also the sheet itself: drop-down, overdue highlight, note, English variant."""

import datetime as dt
import hashlib

import openpyxl
import pandas as pd
import pytest

from crm_xl.core.analysis import analyze
from crm_xl.core.dataset import CrmData
from crm_xl.core.effect import effect_tracking
from crm_xl.core.strategy import strategy_table
from crm_xl.io import read_sheet_rows
from crm_xl.render.opc import check_package
from crm_xl.render.splice import refresh_workbook
from crm_xl.render.xlsx import render_workbook
from crm_xl.report.effect_sheet import effect_sheet
from crm_xl.report.spec import ReportSpec
from crm_xl.report.strategy_sheet import STRATEGY_TABLE, previous_strategy_rows, strategy_sheet
from crm_xl.settings import AnalysisSettings

from .test_rfm import AS_OF, _template1_data

S = AnalysisSettings(analysis_date=AS_OF.date())
SHEET = "客户策略执行表"


def _v1() -> CrmData:
    return _template1_data()


def _v2() -> CrmData:
    """New orders: C003 buys 5 times in September (-> 高价值客户); C005, a customer whose only
    order is from 2023, appears (-> 流失风险客户)."""
    d = _template1_data()
    extra = pd.DataFrame({
        "customer_id": ["C003"] * 5 + ["C005"],
        "order_date": pd.to_datetime(["2024-09-02", "2024-09-09", "2024-09-16", "2024-09-23", "2024-09-29", "2023-01-05"]),
        "amount": [20_000.0] * 5 + [5_000.0],
    })
    extra["order_id"] = [f"N{i}" for i in range(len(extra))]
    customers = pd.concat([d.customers, pd.DataFrame({"customer_id": ["C005"], "customer_name": ["*新材料有限公司"]})],
                          ignore_index=True)
    return CrmData(customers=customers, orders=pd.concat([d.orders, extra], ignore_index=True))


def _spec(data: CrmData, settings=S, previous=None) -> ReportSpec:
    r = analyze(data, settings)
    return ReportSpec((strategy_sheet(r, previous),), lang=settings.lang)


def _table_rows(path, sheet=SHEET, name=STRATEGY_TABLE):
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    ref = ws.tables[name].ref
    rows = [[c.value for c in r] for r in ws[ref]]
    return wb, ws, ref, rows[0], rows[1:]


def md5(p):
    return hashlib.md5(open(p, "rb").read()).hexdigest()


def _user_edits(path):
    """Type into the sheet the way a user does (openpyxl writes shared strings, as Excel does)."""
    wb, ws, ref, header, rows = _table_rows(path)
    col = {h: i for i, h in enumerate(header)}
    first_row = ws[ref.split(":")[0]].row + 1
    typed = {}

    def put(r, header_text, value):
        cell = ws.cell(first_row + r, ws[ref.split(":")[0]].column + col[header_text])
        cell.value = value
        key = (rows[r][col["客户ID"]], rows[r][col["客户层级"]])
        typed[(key, header_text)] = value

    ids = [r[col["客户ID"]] for r in rows]
    c3, c1, c2 = ids.index("C003"), ids.index("C001"), ids.index("C002")
    put(c3, "负责人", "王经理")                       # a named person instead of the role
    put(c3, "执行状态", "进行中")
    put(c3, "开始日期", dt.datetime(2024, 10, 2))
    put(c3, "执行记录", "10-02 电话回访，客户反馈价格偏高")
    put(c3, "执行结果", "-10%折扣，客户接受")          # text starting with - stays text
    put(c1, "执行状态", "已完成")
    put(c1, "执行结果", 3)                           # a number stays a number
    put(c1, "截止日期", "年底前")                     # text in a date column stays text
    put(c2, "负责人", None)                          # cleared on purpose
    put(c2, "备注", "客户要求下月再联系")
    # a row added by hand below the table, the table extended to hold it
    last = ws[ref.split(":")[1]].row
    hand = ["C999", "*展会新客户", None, None, "展会跟进", "展会后联系", "小李", dt.datetime(2024, 10, 8),
            dt.datetime(2024, 10, 15), "进行中", "已发资料", None, None, None]
    for j, v in enumerate(hand):
        ws.cell(last + 1, 1 + j, v)
    ws.tables[STRATEGY_TABLE].ref = ref.split(":")[0] + ":" + ref.split(":")[1].rstrip("0123456789") + str(last + 1)
    wb.save(path)
    return typed, hand


@pytest.fixture()
def edited(tmp_path):
    p = tmp_path / "report.xlsx"
    render_workbook(_spec(_v1()), p)
    typed, hand = _user_edits(p)
    return p, typed, hand


def _check_after_refresh(p, typed, hand):
    _, _, _, header, rows = _table_rows(p)
    col = {h: i for i, h in enumerate(header)}
    by_key = {}
    for r in rows:
        by_key.setdefault((r[col["客户ID"]], r[col["客户层级"]]), r)
    for (key, h), v in typed.items():
        got = by_key[key][col[h]]
        assert got == v and type(got) is type(v), (key, h, got, v)
    ids = [(r[col["客户ID"]], r[col["客户层级"]]) for r in rows]
    # the user's order first (C003 at risk, C002, C001 as generated in v1, then the hand row), new rows appended
    assert ids == [("C003", "流失风险客户"), ("C002", "潜力客户"), ("C001", "高价值客户"), ("C999", None),
                   ("C005", "流失风险客户"), ("C003", "高价值客户")]
    old_c3 = rows[0]
    assert old_c3[col["系统标记"]] == "不再适用（2024-09-30）：客户当前为「高价值客户」，本策略不再生成"
    assert old_c3[col["执行状态"]] == "进行中"  # the typed status is not overwritten
    assert rows[3][:-1] == hand[:-1] and rows[3][col["系统标记"]] == "手工添加"
    assert rows[4][col["负责人"]] == "销售主管" and rows[4][col["截止日期"]] == dt.datetime(2024, 10, 7)
    assert rows[5][col["系统标记"]] == "自动生成" and rows[5][col["执行状态"]] == "未开始"


def test_refresh_keeps_every_typed_cell_and_marks_the_left_customer(edited):
    p, typed, hand = edited
    refresh_workbook(_spec(_v2()), p)
    assert check_package(p) == []
    _check_after_refresh(p, typed, hand)
    h = md5(p)
    refresh_workbook(_spec(_v2()), p)  # running twice changes nothing
    assert md5(p) == h
    _check_after_refresh(p, typed, hand)


def test_pipeline_reads_the_typed_table_first_and_gets_the_same_sheet(edited, tmp_path):
    p, typed, hand = edited
    previous = previous_strategy_rows(read_sheet_rows(p))
    assert previous is not None and len(previous) == 4
    r2 = analyze(_v2(), S)
    table = strategy_table(r2, previous)
    # effect tracking sees what the user typed: C001 done; C003's old row is retired, not applicable
    eff = effect_tracking(table, _v2(), S).dimension("overall").iloc[0]
    assert eff["done"] == 1 and eff["applicable"] == 5 and eff["rows"] == 6
    refresh_workbook(ReportSpec((strategy_sheet(r2, table=table),)), p)
    _check_after_refresh(p, typed, hand)


def test_sheet_has_dropdown_overdue_highlight_and_note(tmp_path):
    p = tmp_path / "s.xlsx"
    render_workbook(_spec(_v1()), p)
    wb, ws, ref, header, rows = _table_rows(p)
    assert header == ["客户ID", "客户名称", "客户层级", "流失风险", "问题/原因", "策略措施", "负责人", "开始日期", "截止日期",
                      "执行状态", "执行记录", "执行结果", "备注", "系统标记"]
    dv = [d for d in ws.data_validations.dataValidation if "J" in str(d.sqref)]
    assert dv and dv[0].formula1 == '"未开始,进行中,已完成,已逾期,不再适用"'
    rules = [r for cf in ws.conditional_formatting for r in cf.rules]
    formulas = [f for r in rules for f in (r.formula or [])]
    first = int(ref.split(":")[0][1:]) + 1
    # overdue on the analysis date (2024-09-30), not on TODAY(): the demo and any --as-of review
    # would otherwise open with every open row red
    assert f'OR($J{first}="已逾期",AND(ISNUMBER($I{first}),$I{first}<DATE(2024,9,30),$J{first}<>"已完成",' \
           f'$J{first}<>"不再适用",NOT(LEFT($N{first},4)="不再适用")))' in formulas
    assert not any("TODAY" in f for f in formulas)
    text = " ".join(str(c.value) for row in ws.iter_rows(max_row=first - 2) for c in row if c.value)
    assert "刷新规则" in text and "手工添加" in text and "不再适用（日期）：原因" in text
    assert "截止日期早于分析日期 2024-09-30" in text and "与「效果跟踪」的逾期清单一致" in text


def _hand_table() -> pd.DataFrame:
    """Eight rows around the analysis date 2024-09-30, overdue by hand: a deadline the day
    before (yes), on the day (no: due today), next week but typed 已逾期 (yes), past but done /
    not applicable / retired (no), a text deadline (no), next week and not started (no -- red
    under TODAY() on any day after 2024-10-07)."""
    from crm_xl.core.strategy import STRATEGY_COLUMNS

    d = lambda s: pd.Timestamp(s)  # noqa: E731
    rows = [
        ("A1", d("2024-09-29"), "未开始", "自动生成"),
        ("A2", d("2024-09-30"), "未开始", "自动生成"),
        ("A3", d("2024-10-07"), "已逾期", "自动生成"),
        ("A4", d("2024-09-01"), "已完成", "自动生成"),
        ("A5", d("2024-09-01"), "不再适用", "自动生成"),
        ("A6", d("2024-09-01"), "进行中", "不再适用（2024-09-30）：客户当前为「高价值客户」，本策略不再生成"),
        ("A7", "年底前", "进行中", "自动生成"),
        ("A8", d("2024-10-07"), "未开始", "自动生成"),
    ]
    t = pd.DataFrame({c: [None] * len(rows) for c in STRATEGY_COLUMNS}, dtype=object)
    t["customer_id"] = [r[0] for r in rows]
    t["layer_label"] = "流失风险客户"
    t["start_date"] = d("2024-09-23")
    t["deadline"] = [r[1] for r in rows]
    t["status"] = [r[2] for r in rows]
    t["origin"] = [r[3] for r in rows]
    return t


@pytest.mark.libreoffice
def test_overdue_highlight_is_effect_trackings_overdue_rule_on_the_analysis_date(tmp_path):
    # the conditional format's formula, copied into a cell of every row and recalculated by
    # LibreOffice, marks exactly the rows core.strategy.overdue_mask marks on the analysis date
    import re

    from crm_xl.core.strategy import overdue_mask
    from tests import lo

    table = _hand_table()
    expected = [True, False, True, False, False, False, False, False]
    assert overdue_mask(table, AS_OF).tolist() == expected
    r = analyze(_v1(), S)
    p = tmp_path / "s.xlsx"
    render_workbook(ReportSpec((strategy_sheet(r, table=table),)), p)
    wb, ws, ref, header, rows = _table_rows(p)
    first = int(ref.split(":")[0][1:]) + 1
    (rule,) = [f for cf in ws.conditional_formatting for r_ in cf.rules for f in (r_.formula or []) if "已逾期" in f]
    for i in range(len(table)):
        ws.cell(first + i, 20).value = "=IF(" + re.sub(rf"(\$[A-Z]+){first}\b", rf"\g<1>{first + i}", rule) + ",1,0)"
    wb.save(p)
    got = lo.recalculated_values(p, tmp_path / "lo")[SHEET]
    assert [bool(got[first - 1 + i][19]) for i in range(len(table))] == expected


def test_english_sheet(tmp_path):
    en = S.replace(lang="en")
    spec = _spec(_v1(), en)
    assert spec.sheet_names == ("Strategy Execution",)
    p = tmp_path / "en.xlsx"
    render_workbook(spec, p)
    _, ws, _, header, rows = _table_rows(p, "Strategy Execution")
    assert header[9] == "Status" and rows[0][9] == "Not started" and rows[0][13] == "Generated"
    dv = [d for d in ws.data_validations.dataValidation if "J" in str(d.sqref)]
    assert dv[0].formula1 == '"Not started,In progress,Done,Overdue,Not applicable"'


def test_effect_sheet_has_owner_chart(tmp_path):
    r = analyze(_v1(), S)
    eff = effect_tracking(strategy_table(r), _v1(), S)
    sheet = effect_sheet(eff, S)
    spec = ReportSpec((sheet,)).validate()
    assert sheet.name == "效果跟踪" and [c.table for c in sheet.charts] == ["EffectByOwner"]
    p = tmp_path / "e.xlsx"
    render_workbook(spec, p)
    ws = openpyxl.load_workbook(p)["效果跟踪"]
    assert len(ws._charts) == 1
    assert {"EffectOverall", "EffectByOwner", "EffectByLayer", "EffectByStrategy", "OverdueList"} <= set(ws.tables)
