"""Churn warning (issue 4 item 5): indicators on their thresholds, risk levels, reasons."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm_xl.core.churn import churn_reasons, churn_risk, churn_signals, churn_table
from crm_xl.core.dataset import CrmData
from crm_xl.settings import AnalysisSettings

S = AnalysisSettings(analysis_date=pd.Timestamp("2024-09-30").date())


def test_each_indicator_on_its_threshold():
    # frequency: 4 -> 2 is a 50% drop (fires), 4 -> 3 is 25% (not); 1 earlier order is too few
    sig = churn_signals([10, 10, 10], [30, 30, 30], [2, 3, 0], [4, 4, 1])
    assert sig["frequency_drop"].tolist() == [True, False, False]
    # inactive: > 2 x usual gap, or > 180 days whatever the gap
    sig = churn_signals([60, 61, 181, 180], [30, 30, np.nan, np.nan])
    assert sig["inactive"].tolist() == [False, True, True, False]
    sig = churn_signals([1, 1, 1], negative_feedback=[1, 2, 0], unresolved=[0, 1, 0], timeouts=[3, 1, 2])
    assert sig["negative_feedback"].tolist() == [False, True, False]
    assert sig["unresolved"].tolist() == [False, True, False]
    assert sig["timeouts"].tolist() == [True, False, True]


def test_risk_levels_and_reason_text():
    risk = churn_risk([10, 200, 200, np.nan], [30, 30, 30, 30], [3, 3, 0, 0], [3, 3, 4, 0], 0, 0, [0, 0, 3, 0])
    assert risk.tolist() == ["低", "中", "高", ""]
    assert churn_risk([200], lang="en").tolist() == ["Medium"]
    reasons = churn_reasons([200], [30], [0], [4], 0, 0, [3])
    assert reasons.tolist() == ["近3个月购买0次，较前3个月4次下降100%；已200天未购买（通常间隔30天）；售后响应超时3次"]
    assert churn_reasons([10]).tolist() == [""]
    en = churn_reasons([10], timeouts=[3], settings=S.replace(lang="en"))
    assert en.tolist() == ["3 response timeouts"]


def test_thresholds_come_from_settings():
    s = S.replace(churn_timeout_min=4, churn_high_min_signals=3)
    assert churn_signals([1], timeouts=[3], settings=s)["timeouts"].tolist() == [False]
    assert churn_risk([200], [30], [0], [4], 0, 0, [3], settings=s).tolist() == ["中"]  # 2 signals < 3


def _data():
    # X: monthly buyer who stopped (4 orders Jan-Apr... then 1 in the last 3 months), 3 slow responses
    orders = [("X", d, 1000.0) for d in ["2024-04-05", "2024-05-05", "2024-06-05", "2024-06-25", "2024-07-05"]]
    orders += [("Y", d, 500.0) for d in ["2024-07-01", "2024-08-01", "2024-09-01", "2024-09-29"]]
    orders += [("Z", "2024-01-15", 50_000.0)]
    o = pd.DataFrame(orders, columns=["customer_id", "order_date", "amount"])
    o["order_date"] = pd.to_datetime(o["order_date"])
    o["order_id"] = [f"O{i}" for i in range(len(o))]
    inter = pd.DataFrame({
        "customer_id": ["X", "X", "X", "Y", "X"],
        "date": pd.to_datetime(["2024-08-01", "2024-08-20", "2024-09-10", "2024-09-01", "2023-01-01"]),
        "type": ["技术支持", "投诉", "投诉", "电话", "投诉"],
        "response_hours": [72.0, 60.0, 50.0, 1.0, 100.0],
        "resolved": pd.array([True, False, True, None, False], dtype="boolean"),
        "satisfaction": [np.nan, 1.0, 2.0, 5.0, 1.0],
    })
    cust = pd.DataFrame({"customer_id": ["X", "Y", "Z"], "customer_name": ["某科技", "某商贸", "某制造"]})
    return CrmData(customers=cust, orders=o, interactions=inter)


def test_churn_table_on_a_small_history():
    t = churn_table(_data(), S).set_index("customer_id")
    # X: last 3 months (after 2024-06-30) 1 order vs 4 before; last bought 2024-07-05 = 87 days ago,
    # usual gap median(30, 31, 20, 10) = 25 days; 2 complaints in the last 180 days; 1 unresolved;
    # 3 responses slower than 48 h (the 2023 one is outside the 180 days)
    x = t.loc["X"]
    assert (x.orders_last, x.orders_prev, x.days_since_last, x.usual_gap_days) == (1, 4, 87, 25)
    assert x.frequency_change == pytest.approx(-0.75)
    assert (x.negative_feedback, x.unresolved_complaints, x.response_timeouts) == (2, 1, 3)
    assert x.signals == 5 and x.risk == "high" and x.risk_label == "高"
    assert "售后响应超时3次" in x.reasons and "未解决投诉1个" in x.reasons
    assert t.loc["Y", "risk"] == "low" and t.loc["Y", "reasons"] == ""
    # Z: one order 259 days ago -> inactive only
    assert t.loc["Z", "risk"] == "medium" and t.loc["Z", "reasons"] == "已259天未购买"
    # sorted by risk, then value
    assert list(t.index) == ["X", "Z", "Y"]


def test_empty_interactions_still_work():
    d = _data()
    t = churn_table(CrmData(customers=d.customers, orders=d.orders), S)
    assert (t["negative_feedback"] == 0).all() and len(t) == 3


@given(st.lists(st.tuples(st.floats(0, 1000), st.floats(0, 100), st.integers(0, 10), st.integers(0, 10),
                          st.integers(0, 5), st.integers(0, 5), st.integers(0, 5)), min_size=1, max_size=30))
def test_risk_never_falls_when_an_indicator_count_grows(rows):
    a = np.array(rows, dtype=float)
    base = churn_signals(*a.T)
    worse = a.copy()
    worse[:, 0] += 100  # longer since the last purchase
    worse[:, 4:] += 1  # more feedback, unresolved, timeouts
    more = churn_signals(*worse.T)
    for k in ("inactive", "negative_feedback", "unresolved", "timeouts"):
        assert (more[k] >= base[k]).all()


def test_p_alive_is_an_extra_signal_only_when_switched_on():
    days, alive = [10, 10, 10, 10], [0.2, 0.5, 0.49, np.nan]
    assert churn_signals(days, p_alive=alive)["p_alive"].tolist() == [False] * 4  # off by default
    on = S.replace(churn_p_alive_below=0.5)
    assert churn_signals(days, p_alive=alive, settings=on)["p_alive"].tolist() == [True, False, True, False]
    assert churn_risk(days, p_alive=alive, settings=on).tolist() == ["中", "低", "中", "低"]
    assert churn_reasons([10], p_alive=[0.2], settings=on).tolist() == ["模型活跃概率仅20%"]
    assert churn_reasons([10], p_alive=[0.2], settings=on.replace(lang="en")).tolist() == ["model P(alive) only 20%"]


def test_churn_table_shows_p_alive_and_counts_it_when_switched_on():
    d = _data()
    alive = pd.Series({"X": 0.9, "Y": 0.1})  # Z unknown to the model -> blank, never a signal
    t = churn_table(d, S, p_alive=alive).set_index("customer_id")
    assert t.loc["X", "p_alive"] == 0.9 and t.loc["Y", "p_alive"] == 0.1 and np.isnan(t.loc["Z", "p_alive"])
    assert t.loc["Y", "risk"] == "low"  # shown only: the default threshold 0 switches the signal off
    t = churn_table(d, S.replace(churn_p_alive_below=0.3), p_alive=alive).set_index("customer_id")
    assert t.loc["Y", "signals"] == 1 and t.loc["Y", "risk"] == "medium" and t.loc["Y", "reasons"] == "模型活跃概率仅10%"
    assert t.loc["X", "signals"] == 5  # 0.9 is not below 0.3
    assert np.isnan(churn_table(d, S)["p_alive"]).all()  # no model given
