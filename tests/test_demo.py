"""Demo data (issue 3 item 5): crm_xl.demo."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm_xl.core.clean import clean_dataset
from crm_xl.core.dataset import DTYPE_BY_KIND
from crm_xl.demo import (
    MESS_KINDS,
    DemoParameterError,
    build_demo,
    demo_crm_data,
    generate_demo,
    generate_dirty_demo,
    vocab,
)
from crm_xl.errors import CrmXlError
from crm_xl.schema import TABLES

AS_OF = pd.Timestamp("2024-09-30")


@pytest.fixture(scope="module")
def big():
    """1,000 customers: enough for every layer the seeds name."""
    return build_demo(1000)


@pytest.fixture(scope="module")
def dirty():
    return generate_dirty_demo(300)


def _per_customer(o: pd.DataFrame, as_of=AS_OF) -> pd.DataFrame:
    """Plain pandas facts per customer: orders/amount in the last year and in total, last
    and first order, orders in the last 3 months and the 3 months before."""
    days = (as_of - o["order_date"]).dt.days
    g = o.assign(
        year=days < 365, r3=days < 90, p3=(days >= 90) & (days < 180),
        year_amount=o["amount"].where(days < 365, 0.0),
    ).groupby("customer_id")
    return pd.DataFrame({
        "n": g.size(), "total": g["amount"].sum(), "n_year": g["year"].sum(), "m_year": g["year_amount"].sum(),
        "last": g["order_date"].max(), "first": g["order_date"].min(), "r3": g["r3"].sum(), "p3": g["p3"].sum(),
        "days": (as_of - g["order_date"].max()).dt.days,
    })


# ---- reproducibility, shape, headers -------------------------------------------------------


def test_reproducible_and_seed_dependent():
    a, b, c = generate_demo(120, seed=7), generate_demo(120, seed=7), generate_demo(120, seed=8)
    for k in a:
        pd.testing.assert_frame_equal(a[k], b[k])
    assert not a["orders"].equals(c["orders"])
    assert not a["customers"].equals(c["customers"])
    # a fresh generation (not the cache) gives the same data too
    fresh = build_demo(120, seed=7).data
    for k, v in demo_crm_data(120, seed=7).tables().items():
        pd.testing.assert_frame_equal(v, getattr(fresh, k))


def test_headers_are_the_template_labels_in_both_languages():
    for lang in ("zh", "en"):
        for dirty_flag in (False, True):
            d = generate_demo(30, lang=lang, dirty=dirty_flag)
            assert list(d) == ["customers", "orders", "interactions", "leads", "campaigns", "targets"]
            for key, frame in d.items():
                assert list(frame.columns) == [c.label(lang) for c in TABLES[key].columns]
    assert generate_demo(30)["orders"].columns[3] == "金额(元)"
    assert generate_demo(30, lang="en")["orders"].columns[3] == "Amount"


def test_canonical_data_has_the_cleaned_dtypes():
    data = demo_crm_data(50)
    for key, frame in data.tables().items():
        t = TABLES[key]
        expected = [c.key for c in t.columns]
        if key == "customers":
            expected.insert(expected.index("industry") + 1, "industry_code")
        assert list(frame.columns) == expected
        for c in t.columns:
            assert frame[c.key].dtype == pd.Series(dtype=DTYPE_BY_KIND[c.kind]).dtype, (key, c.key)
        assert len(frame) > 0


def test_canonical_data_equals_cleaning_the_raw_sheets_in_both_languages():
    data = demo_crm_data(200)
    for lang in ("zh", "en"):
        cleaned = clean_dataset(generate_demo(200, lang=lang), lang=lang)
        for key, frame in data.tables().items():
            if lang == "en" and "industry" in frame:  # an English workbook names the sections in English
                from crm_xl.core.industry import SECTIONS_EN

                frame = frame.assign(industry=frame["industry_code"].map(SECTIONS_EN).astype(frame["industry"].dtype))
            pd.testing.assert_frame_equal(getattr(cleaned.data, key), frame)
        # the clean demo only needs its industries mapped to GB/T 4754 sections
        assert set(cleaned.log["rule"]) == {"行业分类" if lang == "zh" else "industry classification"}


def test_parameter_errors_are_bilingual_crm_errors():
    for kwargs in ({"n_customers": 3}, {"n_customers": 100, "months": 6}, {"n_customers": 100, "months": 121}):
        with pytest.raises(DemoParameterError) as e:
            build_demo(**kwargs)
        assert isinstance(e.value, CrmXlError) and isinstance(e.value, ValueError)
        assert e.value.zh and e.value.en and e.value.zh != e.value.en
    with pytest.raises(DemoParameterError):
        generate_dirty_demo(50, rate=1.5)


# ---- Template 1 (seed 004) ---------------------------------------------------------------------


def test_template1_customers_as_printed_in_seed_004():
    data = demo_crm_data(200)
    g = _per_customer(data.orders)
    assert g.loc["C001", ["n", "total", "last"]].tolist() == [12, 150000.0, pd.Timestamp("2024-09-15")]
    assert g.loc["C002", ["n", "total", "last"]].tolist() == [8, 80000.0, pd.Timestamp("2024-07-20")]
    assert g.loc["C003", ["n", "total", "last"]].tolist() == [3, 20000.0, pd.Timestamp("2024-03-10")]
    # C002: bought in each of the 2 months before its last order's month, none in the last 2 months
    c2 = data.orders.loc[data.orders["customer_id"] == "C002", "order_date"]
    assert (c2 > AS_OF - pd.DateOffset(months=2)).sum() == 0
    assert ((c2 > AS_OF - pd.DateOffset(months=4)) & (c2 <= AS_OF - pd.DateOffset(months=2))).sum() >= 2
    assert g.loc["C002", "r3"] < g.loc["C002", "p3"]
    assert data.orders["order_date"].max() == AS_OF  # the analysis date defaults to it
    c = data.customers.set_index("customer_id")
    assert c.loc["C001", "industry_code"] == "I" and c.loc["C002", "industry_code"] == "C"
    assert c.loc["C003", "industry_code"] == "F"
    assert c.loc["C001", "contact_name"].endswith("经理") and c.loc["C002", "contact_name"].endswith("总")
    assert c.loc["C003", "contact_name"].endswith("女士")
    assert c.loc["C001", "customer_name"].endswith("科技有限公司")
    raw = generate_demo(200)["customers"].set_index("客户ID")
    assert raw.loc[["C001", "C002", "C003"], "所属行业"].tolist() == ["信息技术", "制造业", "零售"]


def test_template1_ids_at_any_size():
    c = generate_demo(1200)["customers"]["客户ID"]
    assert c.iloc[:4].tolist() == ["C001", "C002", "C003", "C0004"]
    assert c.iloc[-1] == "C1200"
    assert c.is_unique
    assert generate_demo(50)["customers"]["客户ID"].iloc[3] == "C004"


def test_template1_dates_move_with_as_of():
    as_of = dt.date(2025, 6, 30)
    data = demo_crm_data(40, as_of=as_of, months=18)
    g = _per_customer(data.orders, pd.Timestamp(as_of))
    assert data.orders["order_date"].max() == pd.Timestamp(as_of)
    assert data.orders["order_date"].min() >= pd.Timestamp("2024-01-01")
    assert g.loc["C001", ["n", "total", "days"]].tolist() == [12, 150000.0, 15]
    assert g.loc["C002", ["n", "total", "days"]].tolist() == [8, 80000.0, 72]
    assert g.loc["C003", ["n", "total", "days"]].tolist() == [3, 20000.0, 204]


# ---- integrity and realism ----------------------------------------------------------------------


def test_referential_integrity(big):
    d = big.data
    ids = set(d.customers["customer_id"])
    assert d.customers["customer_id"].is_unique and d.orders["order_id"].is_unique
    assert d.interactions["interaction_id"].is_unique and d.leads["lead_id"].is_unique
    assert set(d.orders["customer_id"]) == ids  # and every customer has orders
    assert set(d.interactions["customer_id"]) <= ids
    assert set(d.leads["customer_id"].dropna()) <= ids
    camps = set(d.campaigns["campaign_id"])
    assert set(d.orders["campaign_id"].dropna()) <= camps and set(d.leads["campaign_id"].dropna()) <= camps
    assert set(d.orders["owner"]) <= {o for o, _r in vocab.OWNERS}
    # an order's campaign ran on the order day
    o = d.orders.dropna(subset=["campaign_id"]).merge(d.campaigns, on="campaign_id")
    assert ((o["order_date"] >= o["start_date"]) & (o["order_date"] <= o["end_date"])).all()
    # won leads close on their customer's first order day; other stages have no customer
    won = d.leads[d.leads["stage"] == "成交"]
    first = d.orders.groupby("customer_id")["order_date"].min()
    assert (won["closed_date"].to_numpy() == first.reindex(won["customer_id"]).to_numpy()).all()
    assert d.leads.loc[d.leads["stage"] != "成交", "customer_id"].isna().all()
    assert (won["created_date"] < won["closed_date"]).all()
    # the orders' owner is the customer's account owner
    owner = d.customers.set_index("customer_id")["owner"]
    assert (d.orders["owner"].to_numpy() == owner.reindex(d.orders["customer_id"]).to_numpy()).all()


def test_every_layer_the_seeds_name_is_represented(big):
    g = _per_customer(big.data.orders)
    n = len(g)
    # seed 000 rules: 高价值 = within 3 months, >= 5 a year, >= 50万
    high = g[(g.days <= 90) & (g.n_year >= 5) & (g.m_year >= 500_000)]
    # 潜力 = within 3 months, 3-4 a year, 20-50万
    potential = g[(g.days <= 90) & g.n_year.between(3, 4) & g.m_year.between(200_000, 500_000)]
    # 流失风险 = none for 6 months, <= 2 a year, <= 10万
    at_risk = g[(g.days > 180) & (g.n_year <= 2) & (g.m_year <= 100_000)]
    lapsed = g[g.days > 365]
    new = g[g["first"] > AS_OF - pd.DateOffset(months=3)]
    declining = g[(g.p3 >= 3) & (g.r3 < g.p3)]  # frequency fell in the last 3 months
    regular = g.index.difference(high.index.union(potential.index).union(at_risk.index).union(new.index))
    for name, layer, minimum in [("high", high, 40), ("potential", potential, 80), ("at_risk", at_risk, 100),
                                 ("lapsed", lapsed, 60), ("new", new, 80), ("declining", declining, 60),
                                 ("rest", regular, 200)]:
        assert len(layer) >= minimum, (name, len(layer), n)
    # archetypes line up with the rules (the truth the generator kept)
    arch = big.profiles.set_index("customer_id")["archetype"]
    assert (arch[new.index] == "new").all()
    assert (arch[arch == "potential"].index.isin(potential.index)).all()
    assert (arch[arch == "at_risk"].index.isin(at_risk.index)).all()
    assert (arch[arch == "declining"].index.isin(declining.index)).all()


def test_orders_have_seasonality_and_a_new_product(big):
    o = big.data.orders
    by_month = o.groupby(o["order_date"].dt.month)["order_id"].size()
    assert by_month[12] > 1.3 * by_month[[2, 7, 8]].mean()  # Q4 peak
    assert by_month[[1, 2]].mean() < by_month[[3, 4, 5, 6]].mean()  # Chinese New Year dip
    weekday = o["order_date"].dt.day_of_week
    assert (weekday >= 5).mean() < 0.1  # B2B: few weekend orders
    cny = pd.Timestamp("2024-02-10")
    holiday = o["order_date"].between(cny - pd.Timedelta(days=3), cny + pd.Timedelta(days=7)).sum() / 11
    assert holiday < 0.3 * len(o) / ((o["order_date"].max() - o["order_date"].min()).days + 1)
    new_a = o[o["product"] == "新品A"]
    assert len(new_a) > 0 and new_a["order_date"].min() >= AS_OF - pd.Timedelta(days=120)
    assert o["product"].nunique() == len(vocab.PRODUCTS)
    assert (o["profit"] < o["amount"]).all() and (o["discount"].between(0, 0.3)).all()


def test_price_sensitive_customers_buy_at_discount_and_in_campaigns(big):
    o = big.data.orders
    ps = set(big.profiles.loc[big.profiles["price_sensitive"], "customer_id"])
    is_ps = o["customer_id"].isin(ps)
    assert len(ps) >= 80
    assert (o.loc[is_ps, "discount"] > 0).mean() > 0.75 > 0.35 > (o.loc[~is_ps, "discount"] > 0).mean()
    assert o.loc[is_ps, "campaign_id"].notna().mean() > 2 * o.loc[~is_ps, "campaign_id"].notna().mean()


def test_negative_feedback_concentrates_on_at_risk_customers(big):
    i = big.data.interactions.merge(big.profiles[["customer_id", "archetype"]], on="customer_id")
    risky = i["archetype"].isin(["at_risk", "declining", "lapsed"])
    complaint = i["type"] == "投诉"
    assert complaint[risky].mean() > 2 * complaint[~risky].mean()
    nps = i.dropna(subset=["nps_score"])
    assert nps.loc[risky[nps.index], "nps_score"].mean() < nps.loc[~risky[nps.index], "nps_score"].mean() - 2
    assert set(i["type"]) == set(vocab.INTERACTION_TYPES)
    assert i["nps_score"].dropna().between(0, 10).all() and i["satisfaction"].dropna().between(1, 5).all()
    tickets = i[i["type"].isin(["投诉", "技术支持"])]
    assert (tickets["response_hours"] > 24).sum() >= 50 and (~tickets["resolved"].astype(bool)).sum() >= 20
    assert i.loc[~i["type"].isin(["投诉", "技术支持"]), "response_hours"].isna().all()
    # seed 000: a high-value customer with three slow-response complaints ("售后响应超时3次")
    hv = i[(i["archetype"] == "high_value") & complaint & (i["response_hours"] > 24)]
    assert (hv.groupby("customer_id").size() >= 3).any()


def test_customers_look_like_chinese_b2b_accounts(big):
    c = big.data.customers
    raw = build_demo(1000).sheets()["customers"]
    cities = "|".join(x[0] for x in vocab.CITIES)
    assert c["customer_name"].str.fullmatch(rf"({cities})\w{{2}}\w+(有限公司|分公司)").all()
    assert c["customer_name"].is_unique
    assert c["phone"].str.fullmatch(r"1[358]\d{9}").all() and c["phone"].is_unique
    assert c["contact_name"].str.fullmatch(r"\w(经理|总|女士|先生)").all()
    assert set(c["region"]) == {"华东", "华南", "华北", "华中", "西南", "西北", "东北"}
    assert c["owner"].nunique() == 12
    assert set(raw["所属行业"]) == {x[0] for x in vocab.INDUSTRIES}
    assert c["industry_code"].nunique() >= 9
    assert c["acquisition_cost"].between(500, 200_000).all()
    assert (c["contract_end"] > c["contract_start"]).all()
    renewed = c["contract_renewed"]
    assert renewed.notna().sum() > 300 and 0.3 < renewed.mean() < 0.95
    # older customers: first purchase before the window; others: first order in the data
    first = big.data.orders.groupby("customer_id")["order_date"].min().reindex(c["customer_id"]).to_numpy()
    assert (c["first_purchase_date"].to_numpy() <= first).all()
    assert (c["first_purchase_date"] < pd.Timestamp("2022-10-01")).mean() > 0.3


def test_funnel_campaigns_and_targets(big):
    d = big.data
    stages = d.leads["stage"].value_counts()
    assert set(stages.index) == {"线索", "商机", "成交", "丢失"}
    assert 0.12 < stages["成交"] / stages.sum() < 0.35
    assert d.leads["campaign_id"].notna().sum() > 20
    cam = d.campaigns
    assert cam["campaign_name"].str.contains("新品A").any() and (cam["cost"] > 0).all()
    assert (cam["end_date"] >= cam["start_date"]).all() and cam["channel"].notna().all()
    t = d.targets
    assert len(t) == 24 * 12 and t["period"].nunique() == 24 and t["owner"].nunique() == 12
    assert t["period"].min() == "2022-10" and t["period"].max() == "2024-09"
    actual = d.orders.groupby([d.orders["order_date"].dt.strftime("%Y-%m"), "owner"])["amount"].sum()
    attainment = actual.reindex(pd.MultiIndex.from_frame(t[["period", "owner"]])).to_numpy() / t["target_amount"].to_numpy()
    assert 0.7 < np.nanmedian(attainment) < 1.3 and (attainment > 1).any() and (attainment < 1).any()


def test_size_scales_with_about_ten_orders_per_customer():
    for n in (100, 2000):
        data = demo_crm_data(n)
        assert len(data.customers) == n
        assert 8 <= len(data.orders) / n <= 12


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(4, 60),
    seed=st.integers(0, 2**31),
    as_of=st.dates(dt.date(2016, 1, 1), dt.date(2030, 12, 31)),
    months=st.integers(12, 36),
)
def test_invariants_hold_for_any_arguments(n, seed, as_of, months):
    d = build_demo(n, seed=seed, as_of=as_of, months=months).data
    o = d.orders
    window_start = pd.Timestamp(as_of).to_period("M").start_time - pd.DateOffset(months=months - 1)
    assert o["order_date"].max() == pd.Timestamp(as_of)
    assert o["order_date"].min() >= window_start
    assert set(o["customer_id"]) == set(d.customers["customer_id"])
    assert o["order_id"].is_unique and d.customers["customer_name"].is_unique
    g = o.groupby("customer_id")["amount"].agg(["size", "sum"])
    assert g.loc[["C001", "C002", "C003"]].to_numpy().tolist() == [[12, 150000], [8, 80000], [3, 20000]]
    assert (o["amount"] > 0).all()
    assert d.targets["period"].nunique() == months


# ---- dirty mode ------------------------------------------------------------------------------------


def test_dirty_sheets_contain_each_kind_of_mess(dirty):
    kinds = set(dirty.cells["mess"]) | set(dirty.rows["mess"])
    assert kinds == set(MESS_KINDS)
    o = dirty.sheets["orders"]
    dates = o["下单日期"]
    text = dates[dates.map(lambda v: isinstance(v, str))]
    assert text.str.fullmatch(r"\d{4}/\d{1,2}/\d{1,2}").any()
    assert text.str.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日").any()
    assert text.str.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}").any()
    assert dates.map(lambda v: type(v) is int).any()  # Excel serial numbers
    amounts = o["金额(元)"][o["金额(元)"].map(lambda v: isinstance(v, str))]
    for pattern in (r"[\d.]+万", r"[\d.]+w", r"[\d,]+(\.\d\d)?元", r"[¥￥][\d,]+\.\d\d", r"[０-９．]+"):
        assert amounts.str.fullmatch(pattern).any(), pattern
    ids = o["客户ID"].astype(str)
    assert ids.str.startswith(" ").any() and ids.str.match(r"c\d").any() and ids.str.contains("Ｃ").any()
    assert o.duplicated().any() and o["订单编号"].str.strip().str.upper().duplicated().sum() > o.duplicated().sum()
    c = dirty.sheets["customers"]
    names = c["客户名称"].astype(str)
    assert names.str.startswith("=HYPERLINK(").any() and names.str.startswith("+86").any()
    assert names.str.startswith("@").any()
    assert set(c["所属行业"].dropna()) & {"IT", "软件", "互联网", "制造", "商贸"}
    blank = lambda col: c[col].isna() | c[col].astype(str).str.strip().isin(["", "-", "无"])  # noqa: E731
    assert blank("联系人").any() and blank("所属行业").any()
    assert o["毛利(元)"].isin(["待核算", "见财务"]).any()


def test_dirty_ground_truth_points_at_the_dirty_cells(dirty):
    for key, frame in dirty.sheets.items():
        cells = dirty.cells[dirty.cells["table"] == key]
        pos = {h: i for i, h in enumerate(frame.columns)}
        for r in cells.itertuples():
            v = frame.iat[r.row, pos[r.header]]
            assert (v is None and r.dirty_value is None) or v == r.dirty_value or (pd.isna(v) and pd.isna(r.dirty_value))
        rows = dirty.rows[dirty.rows["table"] == key]
        clean_rows = len(dirty.demo.data.tables()[key])
        assert len(frame) == clean_rows + len(rows)
        for r in rows.itertuples():
            a, b = frame.iloc[r.row], frame.iloc[r.source_row]
            assert r.source_row < r.row
            if r.mess == "exact_duplicate":
                assert a.equals(b)
            else:
                assert str(a.iloc[0]).strip().upper() == str(b.iloc[0]).strip().upper() and not a.equals(b)
    assert dirty.cells["excel_row"].eq(dirty.cells["row"] + 2).all()
    unrec = dirty.cells[~dirty.cells["recoverable"]]
    assert set(unrec["mess"]) == {"missing_contact", "missing_industry", "formula_like_name", "text_in_number"}
    # Template 1 customers only get recoverable mess
    cust = dirty.sheets["customers"]
    t1_rows = set(np.flatnonzero(cust["客户ID"].astype(str).str.strip().str.upper().isin(["C001", "C002", "C003"])))
    assert not (set(unrec.loc[unrec["table"] == "customers", "row"]) & t1_rows)


def test_dirty_is_reproducible_and_the_clean_data_underneath_is_identical():
    a, b = generate_dirty_demo(80, seed=5), generate_dirty_demo(80, seed=5)
    for k in a.sheets:
        pd.testing.assert_frame_equal(a.sheets[k], b.sheets[k])
    pd.testing.assert_frame_equal(a.cells, b.cells)
    assert a.demo.data.orders.equals(demo_crm_data(80, seed=5).orders)
    for k, v in generate_demo(80, seed=5, dirty=True).items():
        pd.testing.assert_frame_equal(v, a.sheets[k])


def _sections_in(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The demo's truth with the GB/T 4754 section names in ``lang`` (an English workbook
    names them in English; text no section matches stays as written)."""
    if lang == "zh" or "industry_code" not in frame:
        return frame
    from crm_xl.core.industry import SECTIONS_EN

    en = frame["industry_code"].map(SECTIONS_EN)
    return frame.assign(industry=en.where(frame["industry_code"].notna(), frame["industry"]).astype(frame["industry"].dtype))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_dirty_demo_round_trips_through_cleaning(lang):
    """dirty -> clean equals the clean demo on every recoverable cell, and the ground
    truth's expected value on the others; duplicates are dropped; every dirtied cell that
    cleaning changed is in the cleaning log."""
    dd = generate_dirty_demo(300, lang=lang, seed=11)
    cleaned = clean_dataset(dd.sheets, lang=lang)
    for key, frame in dd.expected.tables().items():
        pd.testing.assert_frame_equal(getattr(cleaned.data, key), _sections_in(frame, lang))
    # expected differs from the clean demo exactly on the unrecoverable cells
    unrec = dd.cells[~dd.cells["recoverable"]]
    for key, frame in dd.expected.tables().items():
        base = dd.demo.data.tables()[key]
        cols = [c.key for c in TABLES[key].columns]
        diff = ~((frame[cols] == base[cols]) | (frame[cols].isna() & base[cols].isna())).fillna(False)
        assert int(diff.to_numpy().sum()) == int((unrec["table"] == key).sum()), key
    g = _per_customer(cleaned.data.orders)
    assert g.loc[["C001", "C002", "C003"], ["n", "total"]].to_numpy().tolist() == [[12, 150000], [8, 80000], [3, 20000]]
    log = cleaned.log
    sheet_of = {k: TABLES[k].sheet_name(lang) for k in TABLES}
    logged = set(zip(log["sheet"], log["row"], log["column"], strict=True))
    # cells that cleaning must change (a formula-like name is kept verbatim; a synonym that
    # is already the section's name, e.g. 房地产业, needs no change) are all in the log
    same = [isinstance(a, str) and a == b for a, b in zip(dd.cells["dirty_value"], dd.cells["expected_value"], strict=True)]
    changed = dd.cells[~np.array(same, dtype=bool)]
    missing = [(r.table, r.excel_row, r.header, r.mess) for r in changed.itertuples()
               if (sheet_of[r.table], r.excel_row, r.header) not in logged]
    assert missing == []
    # exact duplicates are removed; a repeated order number with status 已取消 is a cancelled order,
    # excluded by the purchase rules (crm_xl.core.purchases)
    gone = log["column"].eq("") | log["reason"].str.contains("重复|duplicate|不计为购买|not a purchase")
    dropped = set(zip(log.loc[gone, "sheet"], log.loc[gone, "row"], strict=True))
    assert {(sheet_of[r.table], r.excel_row) for r in dd.rows.itertuples()} <= dropped
