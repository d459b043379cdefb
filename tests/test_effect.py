"""Effect tracking (issue 8 item 3) on a small table checked by hand."""

import numpy as np
import pandas as pd
import pytest

from crm_xl.core.dataset import CrmData, empty_table
from crm_xl.core.effect import EFFECT_COLUMNS, effect_tracking
from crm_xl.settings import AnalysisSettings

S = AnalysisSettings(analysis_date=pd.Timestamp("2024-09-30").date(), effect_window_days=60)


def _data() -> CrmData:
    customers = empty_table("customers").reindex(range(3))
    customers["customer_id"] = ["A", "B", "C"]
    orders = pd.DataFrame({
        "order_id": ["o1", "o2", "o3", "o4", "o5"],
        "customer_id": ["A", "A", "A", "B", "C"],
        "order_date": pd.to_datetime(["2024-06-15", "2024-08-10", "2024-09-20", "2024-07-01", "2024-05-01"]),
        "amount": [1000.0, 2000.0, 500.0, 3000.0, 100.0],
    })
    inter = empty_table("interactions").reindex(range(3))
    inter["customer_id"] = ["A", "A", "A"]
    inter["date"] = pd.to_datetime(["2024-07-01", "2024-08-20", "2024-09-01"])
    inter["type"] = ["回访", "回访", "投诉"]
    inter["nps_score"] = [3.0, 10.0, np.nan]
    return CrmData(customers=customers, orders=orders, interactions=inter)


def _table() -> pd.DataFrame:
    return pd.DataFrame({
        "customer_id": ["A", "B", "C", "D", "A"],
        "layer_label": ["流失风险客户", "流失风险客户", "潜力客户", None, "旧层级"],
        "action": ["回访", "回访", "培训", "自定义", "回访"],
        "owner": ["张三", "张三", "李四", None, "王五"],
        "start_date": [pd.Timestamp("2024-08-01"), pd.Timestamp("2024-09-01"), pd.Timestamp("2024-09-30"),
                       "2024-09-10", pd.Timestamp("2024-06-01")],
        "deadline": [pd.Timestamp("2024-08-08"), pd.Timestamp("2024-09-07"), pd.Timestamp("2024-09-15"), None,
                     pd.Timestamp("2024-06-08")],
        "status": ["进行中", "已完成", "未开始", "进行中", None],
        "origin": ["自动生成", "自动生成", "自动生成", "手工添加", "不再适用（2024-09-30）：客户当前为「流失风险客户」"],
    }, dtype=object)


@pytest.fixture(scope="module")
def effect():
    return effect_tracking(_table(), _data(), S)


def test_overall_by_hand(effect):
    o = effect.dimension("overall").iloc[0]
    assert list(effect.by_group.columns) == list(EFFECT_COLUMNS)
    # 5 rows, the retired one not applicable; B done -> 1 / 4
    assert (o.rows, o.applicable, o.done, o.completion_rate) == (5, 4, 1, 0.25)
    # overdue: A (due 08-08, in progress) and C (due 09-15, not started); B done, D no deadline, retired row never
    assert o.overdue == 2
    # evaluated: A (start 08-01, window min(60, 61) = 60 days) and B (start 09-01, window 30 days);
    # D is a customer without data, C has not started
    assert o.started == 2 and o.window_days == 45
    # before: A's 06-15 order (1000) in [06-02, 08-01); B nothing in [08-02, 09-01)
    # after: A's 08-10 and 09-20 orders (2500) in [08-01, 09-30); B nothing
    assert (o.repurchase_before, o.repurchase_after) == (0.5, 0.5)
    assert (o.revenue_before, o.revenue_after, o.revenue_change) == (1000.0, 2500.0, 1.5)
    # NPS: a detractor (3) before, a promoter (10) after; the complaint (投诉) after
    assert (o.nps_before, o.nps_after) == (-100.0, 100.0)
    assert (o.complaints_before, o.complaints_after) == (0.0, 1.0)


def test_by_owner_and_overdue_list(effect):
    owners = effect.dimension("owner").set_index("group")
    assert owners.loc["张三", "completion_rate"] == 0.5 and owners.loc["李四", "completion_rate"] == 0.0
    assert owners.loc["（未填写）", "rows"] == 1  # D, typed by hand without an owner
    assert np.isnan(owners.loc["王五", "completion_rate"])  # only a retired row: nothing to complete
    assert effect.overdue["customer_id"].tolist() == ["A", "C"]
    assert effect.overdue["days_overdue"].tolist() == [53, 15]


def test_reference_day_moves_the_overdue_list():
    e = effect_tracking(_table(), _data(), S, today=pd.Timestamp("2024-09-15"))
    # C is due on 09-15 itself: not overdue yet
    assert e.overdue["customer_id"].tolist() == ["A"]


def test_empty_table_gives_empty_frames():
    e = effect_tracking(_table().iloc[:0], _data(), S)
    assert len(e.by_group) == 0 and len(e.overdue) == 0


def test_english_status_labels_count_the_same():
    t = _table()
    t["status"] = ["In progress", "Done", "Not started", "In progress", None]
    e = effect_tracking(t, _data(), S.replace(lang="en"))
    o = e.dimension("overall").iloc[0]
    assert (o.done, o.completion_rate, o.overdue, o.group) == (1, 0.25, 2, "Overall")


def test_the_analysis_prepared_data_gives_the_same_result(effect):
    from crm_xl.core.prepared import prepare

    data = _data()
    p = prepare(data, S)
    e = effect_tracking(_table(), data, S, as_of=p.as_of, prepared=p)
    pd.testing.assert_frame_equal(e.by_group, effect.by_group)
    pd.testing.assert_frame_equal(e.table, effect.table)
    later = effect_tracking(_table(), data, S, as_of=p.as_of + pd.Timedelta(days=30), prepared=p)  # another date:
    pd.testing.assert_frame_equal(later.by_group, effect_tracking(_table(), data, S, as_of=p.as_of + pd.Timedelta(days=30)).by_group)


def test_orders_and_revenue_in_each_window_match_a_filter_per_row():
    """Many customers and strategies (windows before the first order, after the last, across
    customers' boundaries): each row's counts and revenue are those of a plain filter of its
    customer's orders by day."""
    rng = np.random.default_rng(7)
    n_cust, n_orders = 300, 6000
    ids = [f"K{i:04d}" for i in range(n_cust)]
    customers = empty_table("customers").reindex(range(n_cust))
    customers["customer_id"] = ids
    day0 = pd.Timestamp("2023-01-01")
    orders = pd.DataFrame({
        "order_id": [f"o{i}" for i in range(n_orders)],
        "customer_id": [ids[i] for i in rng.integers(0, n_cust - 20, n_orders)],  # the last 20: no orders
        "order_date": day0 + pd.to_timedelta(rng.integers(0, 600, n_orders), unit="D"),
        "amount": np.round(rng.uniform(1, 900, n_orders), 2),
    })
    data = CrmData(customers=customers, orders=orders, interactions=empty_table("interactions"))
    s = AnalysisSettings(analysis_date=(day0 + pd.Timedelta(days=599)).date(), effect_window_days=90)
    rows = 400
    starts = day0 + pd.to_timedelta(rng.integers(-200, 600, rows), unit="D")
    table = pd.DataFrame({"customer_id": [ids[i] for i in rng.integers(0, n_cust, rows)], "layer_label": "L",
                          "action": "回访", "owner": "张三", "start_date": list(starts), "deadline": None,
                          "status": "进行中", "origin": "自动生成"}, dtype=object)
    got = effect_tracking(table, data, s).table
    today = day0 + pd.Timedelta(days=599)
    for i in range(rows):
        o = orders[orders["customer_id"] == table["customer_id"][i]]
        start = pd.Timestamp(table["start_date"][i])
        length = min(90, (today - start).days + 1)
        if length <= 0:
            assert got["orders_before"][i] == 0 and got["revenue_after"][i] == 0
            continue
        for when, lo, hi in (("before", start - pd.Timedelta(days=length), start),
                             ("after", start, start + pd.Timedelta(days=length))):
            inside = o[(o["order_date"] >= lo) & (o["order_date"] < hi)]
            assert got[f"orders_{when}"][i] == len(inside)
            assert got[f"revenue_{when}"][i] == pytest.approx(inside["amount"].sum(), abs=1e-6)
