"""Strategy execution table (issue 8 items 1-2): rows from the seed's layers and strategies,
the carry-over rule with retired / hand-added rows, overdue on boundary dates."""

import datetime as dt

import pandas as pd
import pytest

from crm_xl.core.analysis import analyze
from crm_xl.core.carry import RowLifecycle, carry_over
from crm_xl.core.strategy import (
    STRATEGY_COLUMNS,
    is_retired,
    overdue_mask,
    status_key,
    status_labels,
    strategy_rows,
    strategy_table,
)
from crm_xl.settings import AnalysisSettings

from .test_rfm import AS_OF, _template1_data

S = AnalysisSettings(analysis_date=AS_OF.date())


@pytest.fixture(scope="module")
def result():
    return analyze(_template1_data(), S)


def test_template1_rows_follow_seed_000_step_5(result):
    t = strategy_rows(result)
    assert list(t.columns) == [*STRATEGY_COLUMNS, "layer"]
    # most urgent first: 流失风险 (7 days), 潜力 (30), 高价值 (90)
    assert t["customer_id"].tolist() == ["C003", "C002", "C001"]
    assert t["layer_label"].tolist() == ["流失风险客户", "潜力客户", "高价值客户"]
    assert t["owner"].tolist() == ["销售主管", "销售专员", "资深客户经理"]
    assert t["start_date"].tolist() == [pd.Timestamp("2024-09-30")] * 3
    # 1周内完成客户回访: 2024-09-30 + 7 days; 30 and 90 days for the others
    assert t["deadline"].tolist() == [pd.Timestamp("2024-10-07"), pd.Timestamp("2024-10-30"), pd.Timestamp("2024-12-29")]
    assert t["action"].iloc[0].startswith("1周内完成客户回访")
    assert t["status"].unique().tolist() == ["未开始"]
    assert t["origin"].unique().tolist() == ["自动生成"]
    # 问题/原因: the churn warning (204 days without purchase) and Template 1's remark
    assert "已204天未购买" in t["problem"].iloc[0] and "超过6个月未购买" in t["problem"].iloc[0]
    assert "近2个月购买频次下降" in t["problem"].iloc[1]


def test_english_rows(result):
    en = analyze(_template1_data(), S.replace(lang="en"))
    t = strategy_rows(en)
    assert t["owner"].tolist() == ["Sales manager", "Sales specialist", "Senior account manager"]
    assert t["status"].iloc[0] == "Not started" and t["origin"].iloc[0] == "Generated"


def test_strategy_settings_drive_owner_action_deadline(result):
    from crm_xl.settings import StrategyRule
    rules = tuple(r if r.layer != "at_risk" else StrategyRule("at_risk", "大客户总监", "Director", "三天内上门", "Visit in 3 days", 3)
                  for r in S.strategies)
    r2 = analyze(_template1_data(), S.replace(strategies=rules))
    row = strategy_rows(r2).iloc[0]
    assert (row.owner, row.action, row.deadline) == ("大客户总监", "三天内上门", pd.Timestamp("2024-10-03"))


def test_status_keys_both_languages():
    assert [status_key(v) for v in status_labels("zh")] == ["not_started", "in_progress", "done", "overdue", "not_applicable"]
    assert [status_key(v) for v in status_labels("en")] == ["not_started", "in_progress", "done", "overdue", "not_applicable"]
    assert status_key(" 已完成 ") == "done" and status_key(None) == "" and status_key("已联系客户") == "other"


# ---------------------------------------------------------------------------------- carry-over

LC = RowLifecycle(mark_column="origin", generated="自动生成", hand_added="手工添加", stale_prefix="不再适用",
                  stale_template="不再适用（2024-10-31）：{reason}", reason_column="customer_id",
                  reasons={"C2": "客户当前为「潜力客户」"}, default_reason="客户不在本次分析中")
KEYS, ED = ("customer_id", "layer"), ("owner", "status", "result")


def _frame(rows):
    return pd.DataFrame(rows, columns=["customer_id", "layer", "problem", "owner", "status", "result", "origin"])


def test_carry_over_rule_by_hand():
    old = _frame([
        ["C1", "流失风险", "旧原因", "张三", "进行中", "已回访", "自动生成"],
        ["C2", "流失风险", "旧原因", "李四", "已完成", 3.0, "自动生成"],       # C2 left the layer
        ["C9", "", "", "小王", "进行中", "手工跟进", None],                     # added by hand
        ["C1", "流失风险", "", "", "", "", ""] + [],                             # blank cells but a key
    ][:3])
    new = _frame([
        ["C5", "流失风险", "新原因", "销售主管", "未开始", None, "自动生成"],   # new at-risk customer
        ["C1", "流失风险", "新原因", "销售主管", "未开始", None, "自动生成"],
    ])
    out = carry_over(new, old, keys=KEYS, editable=ED, lifecycle=LC)
    assert out.values.tolist() == [
        ["C1", "流失风险", "新原因", "张三", "进行中", "已回访", "自动生成"],  # typed kept, generated refreshed
        ["C2", "流失风险", "旧原因", "李四", "已完成", 3.0, "不再适用（2024-10-31）：客户当前为「潜力客户」"],
        ["C9", "", "", "小王", "进行中", "手工跟进", "手工添加"],
        ["C5", "流失风险", "新原因", "销售主管", "未开始", None, "自动生成"],  # appended
    ]
    # idempotent: the merged table merged again with itself (and again on a later date)
    again = carry_over(new, out, keys=KEYS, editable=ED, lifecycle=LC)
    assert again.values.tolist() == out.values.tolist()
    later = RowLifecycle(**{**LC.__dict__, "stale_template": "不再适用（2024-12-31）：{reason}"})
    assert carry_over(new, out, keys=KEYS, editable=ED, lifecycle=later).values.tolist() == out.values.tolist()
    assert carry_over(out, out, keys=KEYS, editable=ED, lifecycle=LC).values.tolist() == out.values.tolist()


def test_cleared_cell_stays_cleared_and_customer_coming_back_is_matched():
    old = _frame([["C1", "流失风险", "x", None, "进行中", None, "不再适用（2024-09-30）：客户当前为「潜力客户」"]])
    new = _frame([["C1", "流失风险", "新原因", "销售主管", "未开始", None, "自动生成"]])
    out = carry_over(new, old, keys=KEYS, editable=ED, lifecycle=LC)
    # the user had cleared the owner: it stays empty; the row is current again
    assert out.values.tolist() == [["C1", "流失风险", "新原因", None, "进行中", None, "自动生成"]]


def test_duplicate_keys_never_multiply():
    old = _frame([["C9", "", "", "a", "", "", None], ["C9", "", "", "b", "", "", None]])
    new = _frame([])
    once = carry_over(new, old, keys=KEYS, editable=ED, lifecycle=LC)
    assert once["owner"].tolist() == ["a", "b"] and once["origin"].tolist() == ["手工添加", "手工添加"]
    twice = carry_over(once, once, keys=KEYS, editable=ED, lifecycle=LC)
    assert twice.values.tolist() == once.values.tolist()


def test_plain_tables_keep_the_old_rule():
    old = _frame([["C9", "", "", "小王", "", "", None], ["C1", "L", "", "张三", "", "", None]])
    new = _frame([["C1", "L", "p", "默认", "未开始", None, "g"]])
    out = carry_over(new, old, keys=KEYS, editable=ED)
    assert out.values.tolist()[0] == ["C1", "L", "p", "张三", None, None, "g"]
    assert out.values.tolist()[1][:4] == ["C9", "", "", "小王"]


def test_strategy_table_marks_a_customer_who_left(result):
    prev = strategy_rows(result)[list(STRATEGY_COLUMNS)].astype(object)
    prev.loc[0, ["status", "result"]] = ["进行中", "已电话回访，客户考虑续约"]
    prev.loc[0, "layer_label"] = "旧层级"  # as if C003 had been in another layer before
    merged = strategy_table(result, prev)
    first = merged.iloc[0]
    assert first["customer_id"] == "C003" and first["status"] == "进行中"
    assert first["origin"] == "不再适用（2024-09-30）：客户当前为「流失风险客户」，本策略不再生成"
    assert merged.iloc[-1]["customer_id"] == "C003" and merged.iloc[-1]["origin"] == "自动生成"
    assert len(merged) == 4
    assert is_retired(merged["origin"]).tolist() == [True, False, False, False]


# ---------------------------------------------------------------------------------- overdue

def test_overdue_boundaries():
    today = pd.Timestamp("2024-10-07")
    t = pd.DataFrame({
        "deadline": [pd.Timestamp("2024-10-07"), pd.Timestamp("2024-10-06"), pd.Timestamp("2024-10-06"),
                     pd.Timestamp("2024-10-06"), pd.Timestamp("2024-10-06"), pd.Timestamp("2024-12-31"),
                     "2024-10-01", None, 45569.0, "下周"],
        "status": ["进行中", "进行中", "已完成", "不再适用", "未开始", "已逾期", "", "未开始", "In progress", "进行中"],
        "origin": ["自动生成"] * 4 + ["不再适用（2024-10-01）：x"] + ["自动生成"] * 5,
    }, dtype=object)
    # due today: not yet; yesterday: overdue; done / not applicable / retired: never;
    # 已逾期 typed by the user: overdue; text date parsed; blank: no; serial 45569 = 2024-10-04; text: no
    assert overdue_mask(t, today).tolist() == [False, True, False, False, False, True, True, False, True, False]
    assert dt.date(1899, 12, 30) + dt.timedelta(days=45569) == dt.date(2024, 10, 4)
