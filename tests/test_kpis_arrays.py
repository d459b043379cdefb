"""Array-level KPI helpers added for the worksheet functions (crm_xl.core.kpis) and
crm_xl.core.clv.valid_history; every expected value worked out by hand in the comment."""

import numpy as np
import pandas as pd
import pytest

from crm_xl.core.clv import valid_history
from crm_xl.core.kpis import (
    aov,
    new_customer_repurchase_rate,
    repurchase_rate_from_orders,
    share_true,
    stage_conversion_rate,
)


def test_aov_per_order_and_per_customer():
    assert aov([100, 300, np.nan]) == 200.0  # (100 + 300) / 2 orders
    # 600 / 2 customers; the row without a customer is ignored
    assert aov([100, 300, 200, 50], customers=["C1", "C1", "C2", None]) == 300.0
    assert np.isnan(aov([]))
    with pytest.raises(ValueError):
        aov([1, 2], customers=["C1"])


def test_repurchase_rate_from_orders_with_window():
    ids = ["C1", "C1", "C2", "C3", "C3", "C3", "", None]
    assert repurchase_rate_from_orders(ids) == pytest.approx(2 / 3)  # C1, C3 of C1, C2, C3
    dates = pd.to_datetime(["2023-01-05", "2024-08-01", "2024-09-01", "2024-05-01", "2024-06-01", "2024-10-05",
                            "2024-01-01", "2024-01-01"])
    # as_of 2024-09-30, 12 months: C1 1 order (2023 too old), C2 1, C3 2 (Oct order after as_of) -> 1/3
    assert repurchase_rate_from_orders(ids, dates, "2024-09-30", 12) == pytest.approx(1 / 3)
    # all history up to 2024-09-30: C1 2, C2 1, C3 2 -> 2/3
    assert repurchase_rate_from_orders(ids, dates, "2024-09-30") == pytest.approx(2 / 3)
    assert np.isnan(repurchase_rate_from_orders([]))


def test_new_customer_repurchase_rate():
    ids = ["C1", "C1", "C2", "C3", "C3", "C4"]
    dates = ["2023-01-05", "2024-08-01", "2024-09-01", "2024-05-01", "2024-06-01", "2024-10-01"]
    # first purchases within 12 months of 2024-09-30: C2 (1 order), C3 (2 orders); C1 began in 2023,
    # C4 after the analysis date -> 1 / 2
    assert new_customer_repurchase_rate(ids, dates, "2024-09-30", 12) == 0.5
    # 3 months: only C2 (2024-09-01) is new and did not buy again -> 0
    assert new_customer_repurchase_rate(ids, dates, "2024-09-30", 3) == 0.0
    assert np.isnan(new_customer_repurchase_rate(["C1"], ["2020-01-01"], "2024-09-30", 12))


def test_share_true_and_stage_conversion():
    assert share_true(["是", "否", "已续签", "未续签", "Y", None, "?"]) == 0.6  # 3 yes of 5 answered
    assert np.isnan(share_true([None, ""]))
    assert stage_conversion_rate(["成交", " Won ", "商机", "丢失", None, ""]) == 0.5  # 2 of 4 leads
    assert stage_conversion_rate(["签约", "商机"], won_names=("签约",)) == 0.5


def test_valid_history_rowwise():
    ok = valid_history([0, 2, 2, 1.5, -1, 0, np.nan], [0, 30.43, 40, 3, 0, 2, 1], [10, 38.86, 38, 5, 5, 5, 2])
    # fine; fine; recency > T; fractional x; negative x; x = 0 with recency; missing
    assert ok.tolist() == [True, True, False, False, False, False, False]
