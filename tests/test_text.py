"""Missing values stay missing in text columns on every supported pandas (issue 16).

On pandas 2.x ``astype("str")`` and ``pd.array(..., dtype="str")`` turn None into the text
'None': a blank 活动ID became the campaign 'None' and every order counted as a campaign
order. CI runs these tests on the lowest pandas pyproject allows (2.2.x) and the newest.
"""

import numpy as np
import pandas as pd

from crm_xl.core.clean import clean_dataset, clean_table
from crm_xl.core.text import all_missing, as_dtype, as_text, missing_texts, text_array
from crm_xl.demo import generate_demo

BAD_TEXTS = {"None", "nan", "NaN", "<NA>", "NaT"}


def test_helpers_keep_missing_values_missing():
    values = [None, "a", 1, np.nan, pd.NA, 2.5]
    for out in (list(text_array(np.array(values, dtype=object))), as_text(pd.Series(values, dtype=object)).tolist(),
                list(as_text(pd.Index(values, dtype=object))), as_dtype(pd.Series(values, dtype=object), "str").tolist()):
        assert [None if pd.isna(v) else v for v in out] == [None, "a", "1", None, None, "2.5"]
    assert as_dtype(pd.Series(["1.5", None], dtype=object), "float64").isna().tolist() == [False, True]


def test_a_column_of_missing_texts_is_the_one_as_text_makes(monkeypatch):
    """missing_texts (repeated shared chunks where pandas' text is pyarrow's) equals as_text of
    None values, also filtered."""
    import crm_xl.core.text as text_module

    monkeypatch.setattr(text_module, "_SHARED_CHUNK", 4)  # several chunks and a rest on a short column
    for n in (0, 3, 4, 11):
        got, want = missing_texts(n), as_text(pd.Series([None] * n, dtype=object))
        pd.testing.assert_series_equal(got, want)
        assert all_missing(got) and (n == 0 or not all_missing(as_text(pd.Series(["a"] + [None] * (n - 1)))))
        keep = np.arange(n) % 2 == 0
        pd.testing.assert_series_equal(got[keep].reset_index(drop=True), want[keep].reset_index(drop=True))


def test_blank_campaign_ids_stay_missing_after_cleaning():
    raw = pd.DataFrame({"订单编号": ["D1", "D2", "D3", "D4"], "客户ID": ["C1", "C2", "C3", "C4"],
                        "活动ID": [None, "HD1", "", np.nan], "下单日期": ["2024-01-01"] * 4, "订单金额(元)": [1, 2, 3, 4]})
    orders = clean_table(raw, "orders").frame
    assert orders["campaign_id"].isna().tolist() == [True, False, True, True]
    assert orders["product"].isna().all()  # a column the sheet does not have: all missing, not 'None'


def test_demo_campaign_orders_are_the_ones_with_a_campaign():
    """The demo's orders: only those the generator attached to a campaign have a 活动ID
    (11 of the 186 orders here; on pandas 2.2 every order had one before the fix)."""
    raw = generate_demo(20)
    cell = raw["orders"]["活动ID"]
    assert not cell.isin(BAD_TEXTS).any()
    cleaned = clean_dataset(raw)
    data = getattr(cleaned, "data", cleaned)
    camp = data.orders["campaign_id"]
    assert 0 < camp.notna().sum() < len(camp)
    assert camp.notna().sum() == cell.notna().sum()
    for name, frame in data.tables().items():
        for c in frame.columns:
            if frame[c].dtype == object or str(frame[c].dtype) == "str":
                assert not frame[c].isin(BAD_TEXTS).any(), (name, c)
