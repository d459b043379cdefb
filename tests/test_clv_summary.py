"""Per-customer CLV summary from orders (crm_xl.core.clv_summary)."""

import importlib.resources

import numpy as np
import pandas as pd
import pytest

from crm_xl.core.clv_summary import calibration_holdout_summary, clv_summary, unit_days
from crm_xl.errors import CrmXlError, InputError, MissingColumnsError

DATASETS = importlib.resources.files("lifetimes") / "datasets"


def _orders(rows):
    return pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"]).assign(
        order_date=lambda d: pd.to_datetime(d["order_date"]))


def test_hand_checked_weeks():
    # C1: 2024-01-01 (100 + 50 same day -> one purchase), 2024-01-15 (80), 2024-01-29 (40)
    # end 2024-02-12: T = 42 days = 6 weeks, recency = 28 days = 4 weeks,
    # frequency = 2 repeat days, monetary = mean(80, 40) = 60 (first purchase excluded).
    orders = _orders([
        ("C1", "2024-01-01", 100.0), ("C1", "2024-01-01", 50.0), ("C1", "2024-01-15", 80.0),
        ("C1", "2024-01-29", 40.0), ("C2", "2024-02-05", 30.0),
    ])
    s = clv_summary(orders, observation_end="2024-02-12", unit="weeks")
    assert list(s.index) == ["C1", "C2"]
    assert s.loc["C1", ["frequency", "recency", "T", "monetary_value"]].tolist() == [2.0, 4.0, 6.0, 60.0]
    assert s.loc["C2", ["frequency", "recency", "T", "monetary_value"]].tolist() == [0.0, 0.0, 1.0, 0.0]
    d = clv_summary(orders, observation_end="2024-02-12", unit="days")
    assert d.loc["C1", ["recency", "T"]].tolist() == [28.0, 42.0]
    m = clv_summary(orders, observation_end="2024-02-12", unit="月")
    assert m.loc["C1", "T"] == pytest.approx(42 / 30.4375)


def test_default_end_is_last_order_and_later_orders_are_ignored():
    orders = _orders([("A", "2024-03-01", 10.0), ("A", "2024-03-08", 20.0), ("B", "2024-03-15", 5.0)])
    s = clv_summary(orders, unit="days")
    assert s.attrs["observation_end"] == pd.Timestamp("2024-03-15")
    assert s.loc["A", "T"] == 14.0
    cut = clv_summary(orders, unit="days", observation_end="2024-03-05")
    assert list(cut.index) == ["A"] and cut.loc["A", "frequency"] == 0.0


def test_unknown_customers_and_missing_dates_are_ignored_missing_amount_counts_as_purchase():
    orders = pd.DataFrame({
        "customer_id": ["A", "A", "A", "未知", None, "B"],
        "order_date": pd.to_datetime(["2024-01-01", "2024-01-05", None, "2024-01-02", "2024-01-03", "2024-01-04"]),
        "amount": [10.0, np.nan, 99.0, 5.0, 5.0, 7.0],
    })
    s = clv_summary(orders, unit="days", observation_end="2024-01-10")
    assert list(s.index) == ["A", "B"]
    assert s.loc["A", "frequency"] == 1.0            # 2024-01-05 counts although its amount is unknown
    assert np.isnan(s.loc["A", "monetary_value"])    # ... but there is no known repeat amount


def test_calibration_holdout_hand_checked():
    orders = _orders([
        ("A", "2024-01-01", 10.0), ("A", "2024-01-08", 20.0), ("A", "2024-01-20", 30.0), ("A", "2024-01-22", 50.0),
        ("B", "2024-01-10", 5.0), ("C", "2024-01-20", 8.0),  # C first buys in the holdout: not in the cohort
    ])
    s = calibration_holdout_summary(orders, calibration_end="2024-01-14", observation_end="2024-01-28", unit="days")
    assert list(s.index) == ["A", "B"]
    assert s.loc["A", ["frequency_cal", "recency_cal", "T_cal", "monetary_value_cal"]].tolist() == [1, 7, 13, 20]
    assert s.loc["A", ["frequency_holdout", "monetary_value_holdout", "duration_holdout"]].tolist() == [2, 40, 14]
    assert s.loc["B", ["frequency_holdout", "monetary_value_holdout"]].tolist() == [0, 0]


def test_errors_are_bilingual():
    with pytest.raises(MissingColumnsError) as e:
        clv_summary(pd.DataFrame({"customer_id": ["A"], "amount": [1.0]}))
    assert "order_date" in e.value.message("zh") and "order_date" in e.value.message("en")
    with pytest.raises(InputError):
        unit_days("fortnights")
    with pytest.raises(InputError):
        unit_days(0)
    orders = _orders([("A", "2024-01-01", 1.0)])
    with pytest.raises(CrmXlError):
        calibration_holdout_summary(orders, calibration_end="2024-01-05", observation_end="2024-01-02")
    with pytest.raises(CrmXlError):
        clv_summary(orders, observation_end="2023-01-01")


def cdnow_orders() -> pd.DataFrame:
    """The 1/10th CDNOW sample (2,357 customers of the Q1 1997 cohort) as canonical orders."""
    raw = pd.read_csv(DATASETS / "CDNOW_sample.txt", sep=r"\s+", header=None,
                      names=["master_id", "customer_id", "date", "cds", "amount"], dtype={"customer_id": str})
    return pd.DataFrame({"customer_id": raw["customer_id"],
                         "order_date": pd.to_datetime(raw["date"].astype(str), format="%Y%m%d"),
                         "amount": raw["amount"].astype(float)})


def test_cdnow_summary_matches_the_papers_data():
    # Fader, Hardie & Lee (2005): 39-week calibration period ending 1997-09-30, times in
    # weeks = days / 7; lifetimes ships the published per-customer statistics (rounded to 2 dp).
    s = calibration_holdout_summary(cdnow_orders(), calibration_end="1997-09-30", observation_end="1998-06-30")
    assert len(s) == 2357
    ref = pd.read_csv(DATASETS / "cdnow_customers_summary_with_transactions.csv")
    s = s.loc[ref["ID"].map("{:04d}".format)]
    np.testing.assert_array_equal(s["frequency_cal"].to_numpy(), ref["x"].to_numpy())
    np.testing.assert_allclose(s["recency_cal"].to_numpy(), ref["t_x"].to_numpy(), atol=0.005 + 1e-9)
    np.testing.assert_allclose(s["T_cal"].to_numpy(), ref["T"].to_numpy(), atol=0.005 + 1e-9)
    np.testing.assert_allclose(s["monetary_value_cal"].to_numpy(), ref["zbar"].to_numpy(), atol=0.005 + 1e-9)
    assert s["duration_holdout"].iloc[0] == 39.0
    # FHL 2005 (BG/NBD paper) holdout check: 1,411 customers made no repeat purchase in the
    # calibration period and made 334 purchases in the holdout period (0.24 per customer).
    zero = s["frequency_cal"] == 0
    assert zero.sum() == 1411
    assert s.loc[zero, "frequency_holdout"].sum() == 334
    # FHL 2005 iso-value (JMR) section 2.2: 946 customers with repeat purchases; the
    # correlation of their number of transactions and average spend is 0.11.
    rep = s[s["frequency_cal"] > 0]
    assert len(rep) == 946
    assert np.corrcoef(rep["frequency_cal"], rep["monetary_value_cal"])[0, 1] == pytest.approx(0.11, abs=0.005)


def test_docstring_example_runs():
    import doctest

    import crm_xl.core.clv_summary as mod

    result = doctest.testmod(mod, extraglobs={"pd": pd})
    assert result.attempted >= 2 and result.failed == 0
