"""`crm-xl report`: the report sheets written into a user's workbook (issue 5).

The small book below is checked by hand (analysis date = the latest order, 2024-09-10;
KPI window = the 12 months before it, i.e. orders from 2023-09-10):

* orders in the window: C1 1,000 + 3,000; C2 2,000; C3 5,000 + 1,000 + 2,000; C4's only
  order (2023-05-01) is older -> revenue 14,000, 6 orders, 客单价 2,333.33, 3 active
  customers, 2 of them with >= 2 orders -> 复购率 2/3;
* 0-10 scores 10, 9, 7, 5 -> 2 promoters, 1 detractor of 4 -> NPS (2 - 1) / 4 x 100 = 25;
* one complaint (C3) among 4 customers -> 投诉率 25%;
* 4 leads created in the window, 2 at stage 成交 -> 线索-成交转化率 50%.
"""

from __future__ import annotations

import datetime as dt
import zipfile

import openpyxl
import pytest

from crm_xl.cli import main

REPORT_ZH = ["说明", "分析目标", "设置", "RFM分层表", "客户标签", "指标看板", "流失预警", "问题诊断", "客户价值预测", "图表", "结论与建议",
             "清洗日志"]

D = dt.datetime


def small_book(path, *, extra_user_sheet: bool = True):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户"
    ws.append(["客户ID", "客户名称", "联系人", "所属行业", "区域"])
    for row in (["C1", "甲科技", "王经理", "软件", "华东"], ["C2", "乙机械", "李总", "制造业", "华北"],
                ["C3", "丙商贸", "陈女士", "批发零售", "华东"], ["C4", "丁物流", "赵先生", "物流", "华南"]):
        ws.append(row)
    ws = wb.create_sheet("订单")
    ws.append(["订单编号", "客户ID", "下单日期", "金额(元)"])
    for row in (["O1", "C1", D(2024, 9, 10), 1000], ["O2", "C1", D(2024, 8, 1), 3000], ["O3", "C2", D(2024, 6, 15), 2000],
                ["O4", "C3", D(2024, 1, 5), 5000], ["O5", "C3", D(2024, 2, 5), 1000], ["O6", "C3", D(2024, 3, 5), 2000],
                ["O7", "C4", D(2023, 5, 1), 4000]):
        ws.append(row)
    ws = wb.create_sheet("互动")
    ws.append(["客户ID", "日期", "类型", "推荐意愿(0-10)"])
    for row in (["C1", D(2024, 9, 1), "满意度调查", 10], ["C2", D(2024, 7, 1), "满意度调查", 9],
                ["C1", D(2024, 5, 1), "满意度调查", 7], ["C3", D(2024, 4, 1), "满意度调查", 5],
                ["C3", D(2024, 4, 2), "投诉", None]):
        ws.append(row)
    ws = wb.create_sheet("线索")
    ws.append(["线索编号", "创建日期", "阶段", "成交客户ID"])
    for row in (["L1", D(2024, 2, 1), "成交", "C1"], ["L2", D(2024, 3, 1), "成交", "C2"],
                ["L3", D(2024, 4, 1), "商机", None], ["L4", D(2024, 5, 1), "线索", None]):
        ws.append(row)
    if extra_user_sheet:
        ws = wb.create_sheet("我的汇总")
        ws["A1"] = "手工备注：季度会议用"
        ws["B2"] = "=SUM(订单!D2:D8)"
        ws.column_dimensions["A"].width = 33
    wb.save(path)
    return path


def note_text(ws) -> str:
    return next(c.value for c in ws["A"] if isinstance(c.value, str) and c.value.startswith(("分析日期", "Analysis date")))


def table_rows(ws, name: str) -> list[dict]:
    ref = ws.tables[name].ref
    rows = [[c.value for c in r] for r in ws[ref]]
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


@pytest.fixture()
def report(tmp_path):
    book = small_book(tmp_path / "book.xlsx")
    assert main(["report", str(book), "-q"]) == 0
    return book


def test_report_sheets_are_added_and_user_sheets_kept(report):
    wb = openpyxl.load_workbook(report)
    assert [n for n in wb.sheetnames if n in REPORT_ZH] == REPORT_ZH
    assert {"客户", "订单", "互动", "线索", "我的汇总"} <= set(wb.sheetnames)
    user = wb["我的汇总"]
    assert user["A1"].value == "手工备注：季度会议用" and user["B2"].value == "=SUM(订单!D2:D8)"
    assert user.column_dimensions["A"].width == 33


def test_kpi_headline_matches_the_hand_computed_values(report):
    ws = openpyxl.load_workbook(report)["指标看板"]
    (row,) = table_rows(ws, "KpiHeadline")
    assert row["客户数"] == 4
    assert row["活跃客户数"] == 3
    assert row["销售额(元)"] == 14000
    assert row["客单价(元)"] == pytest.approx(14000 / 6)
    assert row["复购率"] == pytest.approx(2 / 3)
    assert row["净推荐值NPS"] == pytest.approx(25)
    assert row["投诉率"] == pytest.approx(0.25)
    assert row["线索-成交转化率"] == pytest.approx(0.5)
    # every KPI column has its formula as a header note, and the legend lists them
    header = {c.value: c for c in ws[ws.tables["KpiHeadline"].ref.split(":")[0][1:]]}
    assert "销售额 / 订单数" in header["客单价(元)"].comment.text
    legend = {r["指标"]: r["计算公式"] for r in table_rows(ws, "KpiLegend")}
    assert legend["净推荐值NPS"] == "(推荐者数 − 贬损者数) / 评分数 × 100"
    # number formats: money with thousands separators, rates as percent
    cells = {c.column_letter: c for c in ws[int(ws.tables["KpiHeadline"].ref.split(":")[1][1:])]}
    fmts = {h: cells[c.column_letter].number_format for h, c in header.items()}
    assert fmts["销售额(元)"] == "#,##0" and fmts["复购率"] == "0.0%"


def test_kpi_by_layer_rows_reconcile_with_overall(report):
    ws = openpyxl.load_workbook(report)["指标看板"]
    rows = table_rows(ws, "KpiOverall")
    assert rows[0]["范围"] == "全部客户"
    assert sum(r["客户数"] for r in rows[1:]) == rows[0]["客户数"] == 4
    assert sum(r["销售额(元)"] or 0 for r in rows[1:]) == pytest.approx(rows[0]["销售额(元)"])


def test_rfm_sheet_has_every_customer_and_the_charts_sheet_native_charts(report):
    wb = openpyxl.load_workbook(report)
    rows = table_rows(wb["RFM分层表"], "RFMLayers")
    assert sorted(r["客户ID"] for r in rows) == ["C1", "C2", "C3", "C4"]
    c1 = next(r for r in rows if r["客户ID"] == "C1")
    # C1: last order on the analysis date -> R 5; 2 orders -> F 2; 4,000 -> M 1
    assert (c1["R得分(1-5)"], c1["F得分(1-5)"], c1["M得分(1-5)"], c1["RFM总分"]) == (5, 2, 1, 8)
    with zipfile.ZipFile(report) as z:
        charts = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")]
    kinds = sorted(k for xml in charts for k in ("pieChart", "barChart", "lineChart") if f"<c:{k}>" in xml
                   or f"<{k}>" in xml or f":{k}>" in xml)
    assert kinds.count("pieChart") >= 2 and kinds.count("lineChart") == 1 and kinds.count("barChart") >= 3


def test_funnel_and_trend_tables_on_the_charts_sheet(report):
    ws = openpyxl.load_workbook(report)["图表"]
    funnel = table_rows(ws, "ChartFunnel")
    assert [r["阶段"] for r in funnel] == ["线索", "商机", "成交"]
    assert funnel[0]["数量"] == 4
    trends = table_rows(ws, "ChartTrends")
    assert [r["月份"] for r in trends] == ["2024-04", "2024-05", "2024-06", "2024-07", "2024-08", "2024-09"]


def test_refresh_twice_gives_the_same_file(report, tmp_path):
    first = report.read_bytes()
    assert main(["report", str(report), "-q"]) == 0
    assert report.read_bytes() == first


def test_settings_sheet_drives_the_layers(report):
    """Raising the top M breakpoint on 设置 changes the layers after a refresh (value mode)."""
    wb = openpyxl.load_workbook(report)
    ws = wb["设置"]
    rows = {r[0].value: r[1] for r in ws.iter_rows(min_row=1) if r[0].value}
    assert rows["monetary_breakpoints"].value == "10000, 30000, 60000, 100000"
    rows["monetary_breakpoints"].value = "1000, 2000, 3000, 4000"
    wb.save(report)
    assert main(["report", str(report), "-q"]) == 0
    rfm = {r["客户ID"]: r for r in table_rows(openpyxl.load_workbook(report)["RFM分层表"], "RFMLayers")}
    assert rfm["C1"]["M得分(1-5)"] == 5  # 4,000 >= 4,000 now
    note = note_text(openpyxl.load_workbook(report)["RFM分层表"])
    assert "≥4,000元=5分" in note


def test_goals_are_read_back_and_echoed_in_conclusions(report):
    wb = openpyxl.load_workbook(report)
    ws = wb["分析目标"]
    row = next(r for r in ws.iter_rows() if r[0].value == "分析目标")
    row[1].value = "提升华东区复购率"
    wb.save(report)
    assert main(["report", str(report), "-q"]) == 0
    text = [c.value for c in openpyxl.load_workbook(report)["结论与建议"]["A"] if c.value]
    assert "分析目标：提升华东区复购率" in text
    # and the goal the user typed survives on 分析目标 itself
    ws = openpyxl.load_workbook(report)["分析目标"]
    assert next(r for r in ws.iter_rows() if r[0].value == "分析目标")[1].value == "提升华东区复购率"


def test_bad_setting_fails_cleanly_and_leaves_the_file_unchanged(report, capsys):
    wb = openpyxl.load_workbook(report)
    ws = wb["设置"]
    cell = next(r for r in ws.iter_rows() if r[0].value == "recency_breakpoints_days")[1]
    cell.value = "30, 60, abc"
    wb.save(report)
    before = report.read_bytes()
    assert main(["report", str(report), "-q"]) != 0
    err = capsys.readouterr().err
    assert "设置" in err and "recency_breakpoints_days" in err and f"第{cell.row}行" in err.replace(" ", "")
    assert report.read_bytes() == before


def test_locked_workbook_gives_a_clear_message(report, capsys):
    lock = report.parent / ("~$" + report.name)
    lock.write_text("x")
    before = report.read_bytes()
    assert main(["report", str(report), "-q"]) != 0
    assert "关闭" in capsys.readouterr().err
    assert report.read_bytes() == before


def test_output_to_a_new_file_leaves_the_book_alone(report, tmp_path):
    before = report.read_bytes()
    out = tmp_path / "copy.xlsx"
    assert main(["report", str(report), "-o", str(out), "--as-of", "2024-10-31", "-q"]) == 0
    assert report.read_bytes() == before
    wb = openpyxl.load_workbook(out)
    assert "分析日期 2024-10-31" in note_text(wb["RFM分层表"])


def test_input_exports_create_a_new_workbook(tmp_path):
    orders = tmp_path / "orders.csv"
    orders.write_text("Order ID,Account ID,Close Date,Amount\nO1,A1,2024-09-01,100\nO2,A1,2024-09-20,50\n"
                      "O3,A2,2024-01-01,70\n", encoding="utf-8-sig")
    book = tmp_path / "new.xlsx"
    assert main(["report", str(book), "--input", str(orders), "--lang", "en", "-q"]) == 0
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames == ["Guide", "Goals", "Settings", "Field Mapping", "RFM Layers", "Customer Tags", "KPI Dashboard",
                             "Churn Warning", "Diagnosis", "Strategy Execution", "Effect Tracking", "Target Review",
                             "Campaign Review", "Activation", "Key Accounts", "CLV Forecast", "Charts", "Conclusions", "Orders", "Cleaning Log"]
    rows = table_rows(wb["RFM Layers"], "RFMLayers")
    assert {r["Customer ID"]: r["Purchases"] for r in rows} == {"A1": 2, "A2": 1}


def test_missing_book_without_inputs_explains_what_to_do(tmp_path, capsys):
    assert main(["report", str(tmp_path / "nope.xlsx")]) != 0
    assert "crm-xl template" in capsys.readouterr().err


@pytest.mark.libreoffice
def test_libreoffice_opens_the_refreshed_report(report, tmp_path):
    from tests import lo

    assert lo.roundtrip_ok(report, tmp_path / "lo") == []


def test_typed_strategy_status_reaches_effect_tracking(report):
    """What the user types into 客户策略执行表 (status) is read back by the next run and counted
    in 效果跟踪's completion rate."""
    wb = openpyxl.load_workbook(report)
    ws = wb["客户策略执行表"]
    header_row = int(ws.tables[next(iter(ws.tables))].ref.split(":")[0][1:])
    headers = {c.value: c.column_letter for c in ws[header_row]}
    status_cells = [ws[f"{headers['执行状态']}{r}"] for r in range(header_row + 1, ws.max_row + 1)
                    if ws[f"{headers['客户ID']}{r}"].value]
    assert status_cells
    for c in status_cells:
        c.value = "已完成"
    wb.save(report)
    assert main(["report", str(report), "-q"]) == 0
    wb = openpyxl.load_workbook(report)
    ws = wb["客户策略执行表"]
    assert all(ws[c.coordinate].value == "已完成" for c in status_cells)
    (overall,) = table_rows(wb["效果跟踪"], "EffectOverall")
    assert overall["已完成"] == len(status_cells) and overall["完成率"] == 1


def test_layer_shares_list_every_layer_in_the_11_segment_mode():
    """Regression: with layer_mode='rfm11' the RFM sheet's layer-share table (and its pie)
    was empty, because it only knew the score layers; it now lists the same layers as 图表."""
    from crm_xl.demo import generate_demo
    from crm_xl.report.build import build_report
    from crm_xl.settings import AnalysisSettings

    run = build_report(generate_demo(60), AnalysisSettings(layer_mode="rfm11"))
    shares = run.spec.sheet("RFM分层表").table("LayerShares").data
    charts = run.spec.sheet("图表").table("ChartLayers").data
    counts = run.result.rfm["layer_label"].value_counts()
    assert len(shares) == counts.size > 4
    assert dict(zip(shares["layer_label"], shares["customers"], strict=True)) == counts.to_dict()
    assert list(shares["layer_label"]) == list(charts["layer_label"])
    assert shares["share"].sum() == pytest.approx(1.0)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_segment_has_its_colour_in_the_11_segment_mode(tmp_path, lang):
    """Regression: with layer_mode='rfm11' the RFM sheet coloured only the score layers, so
    none of the 11 segments had a colour. Now: value segments green, development blue,
    retention amber, lost grey (the fills written in the file, by layer label)."""
    from crm_xl.demo import generate_demo
    from crm_xl.render.xlsx import render_workbook
    from crm_xl.report.build import build_report
    from crm_xl.settings import RFM11_KEYS, AnalysisSettings

    s = AnalysisSettings(layer_mode="rfm11", lang=lang)
    run = build_report(generate_demo(60, lang=lang), s)
    name = "RFM分层表" if lang == "zh" else "RFM Layers"
    p = render_workbook(run.spec.subset([name]), tmp_path / "rfm11.xlsx")
    ws = openpyxl.load_workbook(p)[name]
    first = ws.tables["RFMLayers"].ref.split(":")[0]
    col = "L"  # 客户层级, the 12th column of Template 1
    fill = {}
    for cf in ws.conditional_formatting:
        for rule in cf.rules:
            f = rule.formula[0]
            prefix = f'${col}{int(first[1:]) + 1}="'
            assert f.startswith(prefix) and str(cf.sqref).startswith(col)
            fill[f[len(prefix):-1].replace('""', '"')] = rule.dxf.fill.fgColor.rgb[-6:]
    family = {"A9D08E": "green", "C6EFCE": "green", "9BC2E6": "blue", "BDD7EE": "blue", "DDEBF7": "blue",
              "FFF2CC": "amber", "FFE699": "amber", "FFD966": "amber", "F4B084": "amber", "D9D9D9": "grey",
              "BFBFBF": "grey", "EDEDED": "grey"}
    expected = {"champions": "green", "loyal": "green", "potential_loyalist": "blue", "new_customers": "blue",
                "promising": "blue", "need_attention": "amber", "about_to_sleep": "amber", "at_risk_rfm": "amber",
                "cant_lose": "amber", "hibernating": "grey", "lost": "grey", "unclassified": "grey"}
    assert {k: family[fill[s.layer_label(k)]] for k in (*RFM11_KEYS, "unclassified")} == expected
    assert len(set(fill.values())) == len(fill) == 12  # every segment its own shade
    assert set(run.result.rfm["layer_label"]) <= set(fill)  # every layer in the table is coloured
    # the shares beside the table (and the pie) list the segments in map order
    shares = run.spec.sheet(name).table("LayerShares").data["layer_label"].tolist()
    order = [s.layer_label(k) for k in RFM11_KEYS]
    assert shares == [x for x in order if x in shares]


def test_score_mode_keeps_its_four_layer_colours():
    import pandas as pd

    from crm_xl.report.rfm_sheet import rfm_layer_sheet
    from crm_xl.settings import AnalysisSettings

    s = AnalysisSettings()
    cfs = rfm_layer_sheet(pd.DataFrame(columns=["customer_id", "layer", "monetary"]), s,
                          pd.Timestamp("2024-09-30")).table("RFMLayers").conditional_formats
    assert [(c.value, c.fill) for c in cfs] == [("高价值客户", "C6EFCE"), ("潜力客户", "FFEB9C"), ("一般客户", "DDEBF7"),
                                               ("流失风险客户", "FFC7CE"), ("未匹配规则客户", "EDEDED")]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_goals_and_strategy_tables_are_read_back_by_their_texts_in_every_language(lang):
    """A workbook written in one language and run in another (or edited by hand) keeps its
    分析目标 entries and its strategy rows: items and headers are recognised in any language."""
    from crm_xl.report.goals_sheet import goals_sheet
    from crm_xl.report.inputs import _goals_from_sheet, goal_labels
    from crm_xl.report.strategy_sheet import previous_strategy_rows, strategy_columns
    from crm_xl.sheet_names import sheet_name
    from crm_xl.texts import LANGUAGES

    written = goals_sheet({"goal": "G", "audience": "A"}, lang).blocks[-1]
    rows = [[c.header for c in written.columns], *written.data.astype(object).values.tolist(), ["notes", "N"]]
    for run_lang in LANGUAGES:
        goals = _goals_from_sheet(rows, run_lang)
        assert goals is not None
        assert (goals["goal"], goals["audience"], goals["notes"]) == ("G", "A", "N")
        assert set(goals) == set(goal_labels(run_lang))
    headers = [c.header for c in strategy_columns(lang)]
    row = ["C1" if c.key == "customer_id" else "x" for c in strategy_columns(lang)]
    for name_lang in LANGUAGES:
        table = previous_strategy_rows([(sheet_name("strategy", name_lang), [headers, row])], "zh")
        assert table is not None and list(table.columns) == [c.key for c in strategy_columns(lang)]
        assert table["customer_id"].tolist() == ["C1"]
