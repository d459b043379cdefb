"""Scenarios (issue 8 item 4) on small inline tables checked by hand: target attainment,
campaign ROI, new-customer activation, key-account profiles; empty inputs give a note."""

import math

import pandas as pd
import pytest

from crm_xl.core.analysis import analyze
from crm_xl.core.dataset import CrmData, empty_table
from crm_xl.core.scenarios import (
    campaign_evaluation,
    key_account_profiles,
    new_customer_activation,
    parse_period,
    sales_target_review,
)
from crm_xl.settings import AnalysisSettings

from .test_rfm import AS_OF, _template1_data

S = AnalysisSettings(analysis_date=AS_OF.date())


def _table(key: str, **cols) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    t = empty_table(key).reindex(range(n))
    for k, v in cols.items():
        t[k] = pd.Series(v, dtype=t[k].dtype if k in t and not str(t[k].dtype).startswith("datetime") else None)
    return t


@pytest.mark.parametrize("text, expected", [
    ("2024-09", ("2024-09-01", 1, "2024-09")), ("2024/9", ("2024-09-01", 1, "2024-09")),
    ("202409", ("2024-09-01", 1, "2024-09")), ("2024年9月", ("2024-09-01", 1, "2024-09")),
    ("2024-3", ("2024-03-01", 1, "2024-03")),
    ("2024-Q3", ("2024-07-01", 3, "2024-Q3")), ("Q3 2024", ("2024-07-01", 3, "2024-Q3")),
    ("2024年第3季度", ("2024-07-01", 3, "2024-Q3")), ("2024年上半年", ("2024-01-01", 6, "2024-H1")),
    ("2024-H2", ("2024-07-01", 6, "2024-H2")), ("2024", ("2024-01-01", 12, "2024")), ("2024年", ("2024-01-01", 12, "2024")),
])
def test_parse_period(text, expected):
    start, months, label = parse_period(text)
    assert (start, months, label) == (pd.Timestamp(expected[0]), expected[1], expected[2])


def test_unreadable_periods():
    assert parse_period("下个月") is None and parse_period("2024-13") is None and parse_period(None) is None


# ---------------------------------------------------------------------------------- targets

def _target_data() -> CrmData:
    customers = _table("customers", customer_id=["X", "Y"], customer_name=["甲公司", "乙公司"],
                       region=["华东", "华北"], owner=["王", "李"])
    orders = pd.DataFrame({
        "order_id": ["o1", "o2", "o3", "o4", "o5"],
        "customer_id": ["X", "X", "Y", "Y", "X"],
        "order_date": pd.to_datetime(["2024-07-05", "2024-08-10", "2024-08-15", "2024-09-02", "2024-10-01"]),
        "amount": [100.0, 300.0, 200.0, 50.0, 999.0],
        "owner": ["王", "王", None, "李", "王"],  # o3 has no owner: the customer's 客户经理 (李)
    })
    targets = _table("targets", period=["2024-07", "2024-08", "2024-08", "2024-Q3", "下个月", "2024-10"],
                     owner=["王", "王", "李", None, "王", "王"], region=["华东", "华东", "华北", None, "华东", "华东"],
                     target_amount=[200.0, 250.0, 400.0, 1000.0, 10.0, 100.0])
    return CrmData(customers=customers, orders=orders, targets=targets)


def test_target_attainment_by_hand():
    r = sales_target_review(_target_data(), S)
    d = r.detail.set_index(["period", "owner"])
    assert d.loc[("2024-07", "王"), ["target", "actual", "attainment"]].tolist() == [200.0, 100.0, 0.5]
    assert d.loc[("2024-08", "王"), ["actual", "attainment", "gap"]].tolist() == [300.0, 1.2, 50.0]
    assert d.loc[("2024-08", "李"), ["actual", "attainment"]].tolist() == [200.0, 0.5]
    # a blank owner / region means everyone: 100 + 300 + 200 + 50 (the October order is after the analysis date)
    assert d.loc[("2024-Q3", "全部"), ["actual", "attainment"]].tolist() == [650.0, 0.65]
    owners = r.by_owner.set_index("group")
    assert owners.loc["王", ["target", "actual"]].tolist() == [450.0, 400.0]
    assert owners.loc["王", "attainment"] == pytest.approx(400 / 450)
    assert r.by_period.set_index("group").loc["2024-08", "attainment"] == pytest.approx(500 / 650)
    # 下个月 cannot be read; 2024-10 is after the analysis date
    assert "下个月" in r.note and "1 行目标的期间在分析日期之后" in r.note
    # growth contributors: 2024-08 vs 2024-07: X +200, Y +200 -> half of the growth each
    assert r.latest_period == "2024-08"
    assert r.contributors[["customer_id", "change", "share_of_growth"]].values.tolist() == [["X", 200.0, 0.5],
                                                                                           ["Y", 200.0, 0.5]]
    assert any("总体达成率" in c for c in r.conclusions)


def test_empty_targets_give_a_note_not_an_error():
    data = _target_data()
    r = sales_target_review(CrmData(customers=data.customers, orders=data.orders), S)
    assert len(r.detail) == 0 and "没有「销售目标」数据" in r.note
    en = sales_target_review(CrmData(customers=data.customers, orders=data.orders), S.replace(lang="en"))
    assert en.note.startswith("No sales targets")


# ---------------------------------------------------------------------------------- campaigns

def _campaign_data() -> CrmData:
    customers = _table("customers", customer_id=["X", "Y", "Z"])
    orders = pd.DataFrame({
        "order_id": [f"o{i}" for i in range(5)],
        "customer_id": ["X", "X", "Y", "Y", "X"],
        "order_date": pd.to_datetime(["2024-05-20", "2024-06-05", "2024-06-20", "2024-03-01", "2024-07-20"]),
        "amount": [50.0, 400.0, 100.0, 1000.0, 70.0],
        "campaign_id": [None, "K1", "K1", None, None],
    })
    campaigns = _table("campaigns", campaign_id=["K1", "K2", "K3", "K4"], campaign_name=["夏促", "秋会", "明年", "无日期"],
                       start_date=pd.to_datetime(["2024-06-01", "2024-09-20", "2025-01-01", None]),
                       end_date=pd.to_datetime(["2024-06-10", None, None, None]),
                       cost=[100.0, 0.0, 10.0, 10.0], reached=[10.0, 5.0, 1.0, 1.0])
    leads = _table("leads", lead_id=["L1", "L2", "L3"], created_date=pd.to_datetime(["2024-06-02"] * 3),
                   stage=["成交", "丢失", "线索"], customer_id=["X", None, "Z"], campaign_id=["K1", "K1", "K1"])
    return CrmData(customers=customers, orders=orders, campaigns=campaigns, leads=leads)


def test_campaign_roi_by_hand():
    r = campaign_evaluation(_campaign_data(), S)
    assert r.campaigns["campaign_id"].tolist() == ["K2", "K1"]  # newest first; K3 not started; K4 skipped
    k1 = r.campaigns.set_index("campaign_id").loc["K1"]
    # window 06-01 .. 06-10 + 30 days = 07-10 (40 days)
    assert k1.window_end == pd.Timestamp("2024-07-10") and not k1.partial
    # participants: customers of its leads {X, Z} + buyers {X, Y} + 1 lead without a customer = 4 of 10 reached
    assert (k1.participants, k1.participation_rate) == (4.0, 0.4)
    # converted: buyers {X, Y} and the won lead's customer X -> 2 of 4
    assert (k1.leads, k1.leads_won, k1.converted, k1.conversion_rate) == (3.0, 1.0, 2.0, 0.5)
    # attributed: orders tagged K1 in the window (400 + 100); during: all orders of X, Y, Z in the
    # window (500); before: the 40 days before 06-01 (X's 05-20 order, 50; Y's March order is older)
    assert (k1.attributed_revenue, k1.revenue_during, k1.revenue_before, k1.incremental_revenue) == (500.0, 500.0, 50.0, 450.0)
    assert k1.roi == (450 - 100) / 100  # 3.5
    k2 = r.campaigns.set_index("campaign_id").loc["K2"]
    assert k2.partial and k2.window_end == pd.Timestamp("2024-09-30") and math.isnan(k2.roi)  # no cost: no ROI
    assert "1 个活动缺少活动ID或开始日期" in r.note


def test_empty_campaigns_give_a_note():
    d = _campaign_data()
    r = campaign_evaluation(CrmData(customers=d.customers, orders=d.orders), S)
    assert len(r.campaigns) == 0 and "没有「活动」数据" in r.note


# ---------------------------------------------------------------------------------- activation

def test_activation_by_hand():
    days = {"N1": ["2024-06-01", "2024-06-20"], "N2": ["2024-06-01", "2024-09-01"], "N3": ["2024-07-01"],
            "N4": ["2024-08-15"], "N5": ["2024-09-20"], "N6": ["2024-09-10", "2024-09-10"],
            "O1": ["2023-01-01", "2024-09-01"]}
    rows = [(c, pd.Timestamp(d), 100.0) for c, ds in days.items() for d in ds]
    orders = pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"]).assign(order_id=lambda f: f.index.astype(str))
    a = new_customer_activation(CrmData(customers=_table("customers", customer_id=list(days)), orders=orders), S)
    got = dict(zip(a.customers["customer_id"], a.customers["status_label"], strict=True))
    # N1 bought again after 19 days; N2 after 92 (> 60); N3 none for 91 days; N4 none for 46;
    # N5 none for 10; N6's two orders are on the same day (no second purchase yet); O1 is not new
    assert got == {"N1": "已激活", "N2": "延迟激活", "N3": "未激活", "N4": "需关注", "N5": "观察期", "N6": "观察期"}
    assert a.customers["customer_id"].tolist() == ["N4", "N3", "N6", "N5", "N2", "N1"]
    m = dict(zip(a.summary["metric"], a.summary["value"], strict=True))
    # eligible (first order >= 60 days ago): N1, N2, N3 -> 1 activated of 3
    assert m["new_customers"] == 6 and m["eligible"] == 3 and m["activation_rate"] == pytest.approx(1 / 3)
    assert m["median_days_to_second"] == (19 + 92) / 2 and m["needs_attention"] == 2


def test_no_new_customers_note():
    orders = pd.DataFrame({"order_id": ["1"], "customer_id": ["O1"], "order_date": [pd.Timestamp("2023-01-01")],
                           "amount": [1.0]})
    a = new_customer_activation(CrmData(customers=_table("customers", customer_id=["O1"]), orders=orders), S)
    assert len(a.customers) == 0 and "近180天没有新客户" in a.note


# ---------------------------------------------------------------------------------- key accounts

def test_key_account_profile():
    data = _template1_data()
    data.interactions = _table("interactions", interaction_id=["I1"], customer_id=["C002"],
                               date=pd.to_datetime(["2024-08-01"]), type=["投诉"], content=["交付延期"],
                               resolved=pd.array([False], dtype="boolean"))
    s = S.replace(key_account_top_n=2)
    r = analyze(data, s)
    k = key_account_profiles(r, data, s)
    assert k["customer_id"].tolist() == ["C001", "C002"]  # by amount: 150,000 and 80,000
    c2 = k.set_index("customer_id").loc["C002"]
    # last 12 months: 2023-11-01, 2024-01-01, 03-01, 05-01, 07-20 = 50,000; the 12 before: 30,000
    assert (c2.revenue_recent, c2.revenue_previous) == (50_000.0, 30_000.0)
    assert c2.revenue_change == pytest.approx(2 / 3)
    assert c2.open_issues == 1 and c2.open_issue_text == "2024-08-01 交付延期"
    assert c2.actions.startswith("优先关闭1个未解决问题")
    assert c2.actions.endswith(s.strategy_for("potential").action_zh)
    assert k.set_index("customer_id").loc["C001", "layer_label"] == "高价值客户"


@pytest.mark.parametrize("n", [300, 2000])
def test_activation_from_the_prepared_orders_equals_its_own_pass(n):
    """The report hands activation the analysis's Prepared: the same table as from the orders."""
    from crm_xl.core.clean import clean_dataset
    from crm_xl.core.prepared import prepare
    from crm_xl.demo import generate_demo

    s = AnalysisSettings()
    data = clean_dataset(generate_demo(n), settings=s).data
    p = prepare(data, s)
    for as_of in (p.as_of, p.as_of - pd.Timedelta(days=400)):
        own = new_customer_activation(data, s, as_of=as_of)
        got = new_customer_activation(data, s, as_of=as_of, prepared=prepare(data, s, as_of))
        assert len(own.customers) > 0
        pd.testing.assert_frame_equal(got.customers, own.customers)
        pd.testing.assert_frame_equal(got.summary, own.summary)
        assert got.conclusions == own.conclusions
