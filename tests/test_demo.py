"""Demo data (issue 3 item 5)."""

import pandas as pd

from crm_xl.core.clean import clean_dataset
from crm_xl.demo import generate_demo
from crm_xl.schema import TABLES


def test_reproducible_and_seed_dependent():
    a, b, c = generate_demo(120, seed=7), generate_demo(120, seed=7), generate_demo(120, seed=8)
    for k in a:
        pd.testing.assert_frame_equal(a[k], b[k])
    assert not a["orders"].equals(c["orders"])


def test_headers_are_the_template_labels_in_both_languages():
    for lang in ("zh", "en"):
        d = generate_demo(30, lang=lang)
        for key, frame in d.items():
            assert list(frame.columns) == [c.label(lang) for c in TABLES[key].columns]


def test_template1_customers_as_printed_in_seed_004():
    o = clean_dataset(generate_demo(200)).data.orders
    g = o.groupby("customer_id").agg(n=("order_id", "size"), total=("amount", "sum"), last=("order_date", "max"))
    assert g.loc["C001"].tolist() == [12, 150000.0, pd.Timestamp("2024-09-15")]
    assert g.loc["C002"].tolist() == [8, 80000.0, pd.Timestamp("2024-07-20")]
    assert g.loc["C003"].tolist() == [3, 20000.0, pd.Timestamp("2024-03-10")]
    assert o["order_date"].max() == pd.Timestamp("2024-09-30")  # the analysis date defaults to it


def test_template1_ids_at_any_size():
    c = generate_demo(1200)["customers"]["客户ID"]
    assert c.iloc[:4].tolist() == ["C001", "C002", "C003", "C0004"]
    assert c.is_unique


def test_referential_integrity_and_size():
    data = clean_dataset(generate_demo(500)).data
    ids = set(data.customers["customer_id"])
    assert set(data.orders["customer_id"]) <= ids
    assert set(data.leads["customer_id"].dropna()) <= ids
    assert set(data.orders["campaign_id"].dropna()) <= set(data.campaigns["campaign_id"])
    assert 5 <= len(data.orders) / len(ids) <= 15


def test_every_seed_layer_is_represented():
    data = clean_dataset(generate_demo(1000)).data
    o = data.orders
    as_of = pd.Timestamp("2024-09-30")
    last_year = o[o["order_date"] > as_of - pd.DateOffset(years=1)]
    per = last_year.groupby("customer_id").agg(n=("order_id", "size"), m=("amount", "sum"))
    last = o.groupby("customer_id")["order_date"].max()
    days = (as_of - last).dt.days
    # seed 000: 高价值 within 3 months, >= 5 a year, >= 50万
    high = per[(per.n >= 5) & (per.m >= 500_000)].index.intersection(days[days <= 90].index)
    # 潜力: within 3 months, 3-4 a year, 20-50万 (relaxed on money: the demo's ranges are wider)
    potential = per[(per.n >= 3) & (per.n <= 6)].index.intersection(days[days <= 90].index)
    # 流失风险: none for 6 months, <= 2 a year
    n_year = per.n.reindex(last.index, fill_value=0)
    at_risk = days[(days > 180) & (n_year <= 2)].index
    first = o.groupby("customer_id")["order_date"].min()
    new = first[first > as_of - pd.DateOffset(months=3)].index
    assert min(len(high), len(potential), len(at_risk), len(new)) >= 10, (len(high), len(potential), len(at_risk), len(new))


def test_dirty_variant_has_each_kind_of_mess_and_cleans_back():
    clean = clean_dataset(generate_demo(300)).data
    dirty_raw = generate_demo(300, dirty=True)
    o = dirty_raw["orders"]
    dates = o["下单日期"].astype(str)
    amounts = o["金额(元)"].astype(str)
    assert dates.str.contains("年").any() and dates.str.contains("/").any() and dates.str.contains(":").any()
    assert amounts.str.contains("万").any() and amounts.str.contains("w").any() and amounts.str.contains("¥").any()
    assert o.duplicated().any()
    names = dirty_raw["customers"]["客户名称"].astype(str)
    assert names.str.startswith("=").any() and names.str.startswith("@").any()
    cleaned = clean_dataset(dirty_raw)
    d = cleaned.data
    # every order comes back with the same customer, date and amount as the clean demo
    cols = ["order_id", "customer_id", "order_date", "amount"]
    pd.testing.assert_frame_equal(d.orders[cols].sort_values("order_id").reset_index(drop=True),
                                  clean.orders[cols].sort_values("order_id").reset_index(drop=True))
    assert set(d.customers["customer_id"]) == set(clean.customers["customer_id"])
    assert len(cleaned.log) > 100
