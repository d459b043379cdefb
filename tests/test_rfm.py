"""RFM scoring and layering (issue 4 items 2-3): seed 004 Template 1 rows and properties."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm_xl.core.dataset import CrmData
from crm_xl.core.rfm import rfm_table, score_frequency, score_monetary, score_quantile, score_recency
from crm_xl.core.segments import assign_layers, layer_by_rules
from crm_xl.errors import SettingsError
from crm_xl.settings import AnalysisSettings

AS_OF = pd.Timestamp("2024-09-30")  # "analysis date at the end of Sept 2024" (DESIGN.md 2)


def _template1_data() -> CrmData:
    """The three Template 1 customers with order histories matching the printed totals.
    C002's orders are concentrated earlier: one order in the last 120 days, none in the last 60."""
    rows = []
    for i in range(12):  # C001: monthly, last 2024-09-15, 12 x 12,500 = 150,000
        rows.append(("C001", pd.Timestamp("2024-09-15") - pd.DateOffset(months=i), 12_500))
    for i in range(7):  # C002: 7 earlier orders + 2024-07-20; 8 x 10,000 = 80,000
        rows.append(("C002", pd.Timestamp("2024-05-01") - pd.DateOffset(months=2 * i), 10_000))
    rows.append(("C002", pd.Timestamp("2024-07-20"), 10_000))
    for d in ("2023-06-01", "2023-11-20", "2024-03-10"):  # C003: 3 orders, 20,000
        rows.append(("C003", pd.Timestamp(d), 20_000 / 3))
    orders = pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"])
    orders["order_id"] = [f"SO{i}" for i in range(len(orders))]
    customers = pd.DataFrame({
        "customer_id": ["C001", "C002", "C003"],
        "customer_name": ["*科技有限公司", "*制造有限公司", "*商贸有限公司"],
        "contact_name": ["*经理", "*总", "*女士"],
        "industry": ["信息技术", "制造业", "零售"],
    })
    return CrmData(customers=customers, orders=orders)


def test_template1_rows_as_printed():
    data = _template1_data()
    s = AnalysisSettings(analysis_date=AS_OF.date())
    t = assign_layers(rfm_table(data, s), data.orders, AS_OF, s)
    got = t[["customer_id", "last_purchase_date", "frequency", "monetary", "r_score", "f_score", "m_score",
             "rfm_total", "layer_label", "remark"]]
    got = got.assign(last_purchase_date=got["last_purchase_date"].dt.strftime("%Y-%m-%d"),
                     monetary=got["monetary"].round(0))
    assert got.values.tolist() == [
        ["C001", "2024-09-15", 12, 150000, 5, 5, 5, 15, "高价值客户", ""],
        ["C002", "2024-07-20", 8, 80000, 3, 4, 4, 11, "潜力客户", "近2个月购买频次下降"],
        ["C003", "2024-03-10", 3, 20000, 1, 2, 2, 5, "流失风险客户", "超过6个月未购买"],
    ]


def test_template1_in_english():
    data = _template1_data()
    s = AnalysisSettings(analysis_date=AS_OF.date(), lang="en")
    t = assign_layers(rfm_table(data, s), data.orders, AS_OF, s)
    assert t["layer_label"].tolist() == ["High value", "Potential", "Churn risk"]
    assert t["remark"].tolist()[2] == "no purchase for over 6 months"


def test_analysis_date_defaults_to_latest_order():
    data = _template1_data()
    t = rfm_table(data)  # latest order 2024-09-15
    assert t.loc[t.customer_id == "C001", "recency_days"].item() == 0


@pytest.mark.parametrize("days, score", [(0, 5), (30, 5), (31, 4), (60, 4), (61, 3), (90, 3), (91, 2), (180, 2), (181, 1)])
def test_recency_breakpoints_inclusive(days, score):
    assert score_recency([days]).tolist() == [score]


@pytest.mark.parametrize("freq, score", [(1, 1), (2, 2), (3, 2), (4, 3), (5, 3), (6, 4), (9, 4), (10, 5), (12, 5)])
def test_frequency_breakpoints_inclusive(freq, score):
    assert score_frequency([freq]).tolist() == [score]


def test_nan_in_nan_out():
    assert np.isnan(score_recency([np.nan])[0]) and np.isnan(score_monetary([None])[0])


@given(st.lists(st.floats(min_value=0, max_value=5000), min_size=1, max_size=50))
def test_scores_in_range_and_recency_monotone(days):
    s = score_recency(days)
    assert ((s >= 1) & (s <= 5)).all()
    order = np.argsort(days)
    assert (np.diff(s[order]) <= 0).all()  # more recent never scores lower


@given(st.lists(st.floats(min_value=0, max_value=1e8), min_size=1, max_size=50))
def test_frequency_and_monetary_monotone(values):
    for fn in (score_frequency, score_monetary):
        s = fn(values)
        assert ((s >= 1) & (s <= 5)).all()
        assert (np.diff(s[np.argsort(values)]) >= 0).all()


@given(st.lists(st.integers(min_value=0, max_value=3), min_size=1, max_size=40))
def test_quantile_mode_survives_few_distinct_values(values):
    s = score_quantile(values)
    assert ((s >= 1) & (s <= 5)).all()
    assert (np.diff(s[np.argsort(values, kind="stable")]) >= 0).all()


def test_seed000_rules_on_boundaries():
    s = AnalysisSettings()
    # high value: within 3 months (<= 90 days), >= 5 a year, >= 50万 — exactly on the bounds
    # potential: within 3 months, 3-4 a year, 20-50万; at risk: none for 6 months, <= 2, <= 10万
    got = layer_by_rules(
        [90, 91, 90, 90, 181, 180, 181, 30],
        [5, 5, 4, 3, 2, 2, 3, 1],
        [500_000, 500_000, 200_000, 499_999, 100_000, 50_000, 50_000, 1_000],
        s,
    )
    assert got.tolist() == ["high_value", "unclassified", "potential", "potential", "at_risk", "unclassified",
                            "unclassified", "unclassified"]


def test_every_customer_in_exactly_one_layer_in_both_modes():
    from crm_xl.core.clean import clean_dataset
    from crm_xl.demo import generate_demo

    data = clean_dataset(generate_demo(200)).data
    for mode in ("score", "rules"):
        s = AnalysisSettings(layer_mode=mode)
        t = assign_layers(rfm_table(data, s), data.orders, pd.Timestamp("2024-09-30"), s)
        assert t["customer_id"].is_unique
        assert set(t["customer_id"]) == set(data.orders["customer_id"])
        assert t["layer"].notna().all()


def test_settings_reject_non_increasing_breakpoints():
    with pytest.raises(SettingsError) as e:
        AnalysisSettings(recency_breakpoints_days=(30, 20, 90, 180))
    assert "严格递增" in e.value.message("zh")
