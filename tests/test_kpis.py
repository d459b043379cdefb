"""KPIs (issue 4 item 4): array helpers and the KPI table on a small hand-checked data set.

Analysis date 2024-09-30, KPI window the 12 months after 2023-09-30. Every expected value
below is worked out by hand in the comments.
"""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from crm_xl.core.dataset import CrmData
from crm_xl.core.kpis import aov, kpi_base, kpi_table, kpi_wide, ltv, nps, nps_breakdown, repurchase_rate, safe_ratio
from crm_xl.core.prepared import prepare
from crm_xl.core.rfm import rfm_table
from crm_xl.core.segments import assign_layers
from crm_xl.settings import AnalysisSettings

T = pd.Timestamp
S = AnalysisSettings(analysis_date=T("2024-09-30").date())


def small_data() -> CrmData:
    customers = pd.DataFrame({
        "customer_id": ["A", "B", "C", "D"],
        "customer_name": ["甲公司", "乙公司", "丙公司", "丁公司"],
        "industry": ["制造业", "零售", "制造业", "零售"],
        "region": ["华东", "华东", "华南", "华南"],
        "owner": ["王", "李", "王", "李"],
        "acquisition_cost": [1000.0, 2000.0, np.nan, 500.0],
        "contract_end": pd.to_datetime(["2024-06-30", "2024-03-01", "2025-01-01", "2023-05-01"]),
        "contract_renewed": pd.array([True, False, None, True], dtype="boolean"),
    })
    orders = pd.DataFrame({
        "order_id": [f"O{i}" for i in range(7)],
        "customer_id": ["A", "A", "A", "A", "B", "C", "C"],
        "order_date": pd.to_datetime(["2023-01-01", "2024-01-10", "2024-05-10", "2024-09-01", "2024-08-15",
                                      "2024-02-01", "2024-03-01"]),
        "amount": [500.0, 1000, 3000, 2000, 4000, 1000, 1000],
        "profit": [100.0, 300, 900, 600, np.nan, 100, 100],
    })
    interactions = pd.DataFrame({
        "customer_id": ["A", "A", "B", "C", "D", "A", "B", "D"],
        "date": pd.to_datetime(["2024-03-01", "2024-04-01", "2024-05-01", "2024-06-01", "2024-07-01", "2023-01-05",
                                "2024-06-01", "2024-07-01"]),
        "type": ["满意度调研"] * 6 + ["投诉", "投诉"],
        "nps_score": [10, 9, 7, 3, 0, 0, np.nan, np.nan],
        "responded": pd.array([True, True, False, None, True, False, None, None], dtype="boolean"),
    })
    leads = pd.DataFrame({
        "lead_id": ["L1", "L2", "L3", "L4", "L5"],
        "created_date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01", "2023-01-01"]),
        "stage": ["成交", "商机", "丢失", "线索", "成交"],
        "owner": ["王", "王", "李", "李", "王"],
    })
    return CrmData(customers=customers, orders=orders, interactions=interactions, leads=leads)


def _kpis(data, settings=S, by=None):
    p = prepare(data, settings)
    layers = assign_layers(rfm_table(data, settings, prepared=p), data.orders, p.as_of, settings, prepared=p)
    base = kpi_base(p, layers)
    return kpi_table(base, settings, by=by, leads=data.leads, as_of=p.as_of)


def _values(long):
    return dict(zip(long["kpi"], long["value"], strict=True))


def test_overall_kpis_by_hand():
    v = _values(_kpis(small_data()))
    assert v["customers"] == 4 and v["active_customers"] == 3  # D never bought
    assert v["orders"] == 6 and v["revenue"] == 12_000  # A 3 (6000), B 1 (4000), C 2 (2000) in the window
    assert v["aov"] == pytest.approx(2_000)  # 12000 / 6
    assert v["repurchase_rate"] == pytest.approx(2 / 3)  # A and C bought twice or more, of A, B, C
    assert v["new_customer_repurchase_rate"] == pytest.approx(1 / 2)  # first buyers B, C; C bought again
    assert v["lead_conversion_rate"] == pytest.approx(1 / 4)  # L1 won of L1-L4 (L5 is before the window)
    assert v["profit_share"] == pytest.approx(1.0)
    assert v["profit_margin"] == pytest.approx(2_000 / 8_000)  # B's order has no profit: left out of both
    assert v["ltv"] == pytest.approx(36_000 / 3)  # revenue per year x 3 years: 18000, 12000, 6000
    assert v["ltv_cac_ratio_seed"] == pytest.approx((18_000 + 12_000) / (1_000 + 2_000))  # C has no CAC
    assert v["ltv_cac"] == pytest.approx(18_000 * 0.3 / 1_000)  # only A has margin (1800/6000) and CAC
    assert v["nps"] == pytest.approx(0.0)  # 10, 9 | 7 | 3, 0 -> (2 - 2) / 5; A's 2023 zero is outside
    assert (v["promoter_share"], v["passive_share"], v["detractor_share"]) == pytest.approx((0.4, 0.2, 0.4))
    assert v["complaint_rate"] == pytest.approx(2 / 4)  # B and D complained
    assert v["response_rate"] == pytest.approx(3 / 4)  # T, T, F, T answered in the window
    assert v["renewal_rate"] == pytest.approx(1 / 2)  # A renewed, B not; C not due, D ended before the window
    # R/F/M: A 29 days / 4 / 6500 -> 5+3+1; B 46 / 1 / 4000 -> 4+1+1; C 213 / 2 / 2000 -> 1+2+1
    assert v["rfm_score_avg"] == pytest.approx((9 + 6 + 4) / 3)


def test_kpis_by_industry_and_owner():
    ind = _kpis(small_data(), by="industry")
    w = kpi_wide(ind).set_index("group")
    assert w.loc["制造业", "revenue"] == 8_000 and w.loc["零售", "revenue"] == 4_000
    assert w.loc["制造业", "profit_share"] == pytest.approx(1.0) and w.loc["零售", "profit_share"] == 0.0
    assert w.loc["零售", "complaint_rate"] == pytest.approx(1.0)  # B and D
    assert math.isnan(w.loc["零售", "profit_margin"])  # no profit data for B
    reason = ind[(ind.group == "零售") & (ind.kpi == "profit_margin")]["reason"].item()
    assert reason == "没有毛利数据"
    # leads are linked to owners, not industries
    assert ind[ind.kpi == "lead_conversion_rate"]["value"].isna().all()
    own = kpi_wide(_kpis(small_data(), by="owner")).set_index("group")
    assert own.loc["王", "lead_conversion_rate"] == pytest.approx(1 / 2)  # L1 won, L2 open
    assert own.loc["李", "lead_conversion_rate"] == 0.0


def test_kpis_by_layer_include_customers_without_orders():
    lay = kpi_wide(_kpis(small_data(), by="layer")).set_index("group")
    assert list(lay.index) == ["potential", "regular", "at_risk", "no_purchase"]  # A 9, B 6, C 4, D none
    assert lay.loc["no_purchase", "customers"] == 1 and lay.loc["no_purchase", "complaint_rate"] == 1.0
    assert math.isnan(lay.loc["no_purchase", "aov"])


def test_empty_optional_tables_give_nan_with_reason_never_an_error():
    d = small_data()
    data = CrmData(customers=d.customers[["customer_id"]], orders=d.orders[["order_id", "customer_id", "order_date",
                                                                            "amount"]])
    for lang in ("zh", "en"):
        k = _kpis(data, S.replace(lang=lang)).set_index("kpi")
        for key in ("nps", "promoter_share", "lead_conversion_rate", "renewal_rate", "response_rate",
                    "ltv_cac_ratio_seed", "profit_margin"):
            assert math.isnan(k.loc[key, "value"]), key
            assert k.loc[key, "reason"], key
        assert k.loc["aov", "value"] == pytest.approx(2_000)
        assert k.loc["complaint_rate", "value"] == 0.0
    assert _kpis(data).set_index("kpi").loc["nps", "reason"] == "没有推荐意愿(0-10)评分"


def test_array_helpers():
    assert nps([10, 9, 8, 7, 6, 0]) == 0.0
    assert nps([10, 10, 0]) == pytest.approx(100 / 3)
    assert nps(["10", None, "n/a", 11, -1, 9]) == 100.0  # text, blanks and out-of-range ignored
    assert math.isnan(nps([]))
    b = nps_breakdown([10, 8, 8, 3])
    assert (b["promoters"], b["passives"], b["detractors"], b["responses"]) == (1, 2, 1, 4)
    assert b["passive_share"] == 0.5
    assert nps_breakdown([9, 8, 7], promoter_min=8, detractor_max=7)["nps"] == pytest.approx(100 / 3)
    assert float(ltv(10_000, 4, 3)) == 120_000
    assert float(ltv(10_000, 4, 3, cac=20_000)) == 6.0
    assert np.isnan(ltv([1, 1], [1, 1], [1, 1], cac=[0, np.nan])).all()
    assert aov([100, 200, None]) == 150
    assert math.isnan(aov([]))
    assert repurchase_rate([0, 1, 2, 3]) == pytest.approx(2 / 3)
    assert math.isnan(safe_ratio(1, 0))
    assert list(safe_ratio([1, 2], [2, 0])[:1]) == [0.5]


@hsettings(max_examples=10, deadline=None)
@given(st.randoms(use_true_random=False))
def test_kpis_invariant_to_row_order(rnd):
    d = small_data()
    perm = lambda df: df.iloc[rnd.sample(range(len(df)), len(df))].reset_index(drop=True)  # noqa: E731
    shuffled = CrmData(customers=perm(d.customers), orders=perm(d.orders), interactions=perm(d.interactions),
                       leads=perm(d.leads))
    a, b = _kpis(d, by="industry"), _kpis(shuffled, by="industry")
    pd.testing.assert_frame_equal(a, b)


def test_duplicated_input_after_cleaning_gives_the_same_kpis():
    from crm_xl.core.clean import clean_dataset

    d = small_data()
    raw = {"customers": pd.concat([d.customers, d.customers]).astype(object),
           "orders": pd.concat([d.orders, d.orders]).astype(object)}
    once = clean_dataset({"customers": d.customers.astype(object), "orders": d.orders.astype(object)}).data
    twice = clean_dataset(raw).data
    pd.testing.assert_frame_equal(_kpis(once), _kpis(twice))


def test_kpi_tables_are_the_single_tables():
    from crm_xl.core.kpis import kpi_tables

    data = small_data()
    p = prepare(data, S)
    layers = assign_layers(rfm_table(data, S, prepared=p), data.orders, p.as_of, S, prepared=p)
    base = kpi_base(p, layers)
    overall, by_layer, by_dim = kpi_tables(base, S, leads=data.leads, as_of=p.as_of)
    one = (lambda by: kpi_table(base, S, by=by, leads=data.leads, as_of=p.as_of))
    pd.testing.assert_frame_equal(overall, one(None), check_exact=True)
    pd.testing.assert_frame_equal(by_layer, one("layer"), check_exact=True)
    pd.testing.assert_frame_equal(by_dim, pd.concat([one(d) for d in ("industry", "region", "owner")],
                                                    ignore_index=True), check_exact=True)


def test_every_kpi_has_its_base_columns():
    """A KPI is declared once (KpiDef in KPIS); the per-customer columns it sums come from
    kpi_base. A KPI whose column kpi_base does not give would be blank without a reason:
    on the demo data, which has every kind of record, each one is there."""
    from crm_xl.core.kpis import KPIS
    from crm_xl.core.kpis.definitions import _BASE_SUMS, _LEAD_SUMS
    from crm_xl.demo import demo_crm_data

    data = demo_crm_data(120, seed=5)
    p = prepare(data, S)
    layers = assign_layers(rfm_table(data, S, prepared=p), data.orders, p.as_of, S, prepared=p)
    base = kpi_base(p, layers)
    used = {c for k in KPIS for c in (k.numerator, k.denominator) if c is not None}
    assert used - set(_LEAD_SUMS) == set(_BASE_SUMS)
    assert [c for c in _BASE_SUMS if c not in base.columns] == []


def test_every_kpi_is_on_the_dashboard_once():
    """Declaring a KPI is not enough for users to see it: 指标看板 groups every KPI in exactly
    one of its sections (report/kpi_sheet._GROUPS)."""
    from crm_xl.core.kpis import KPIS
    from crm_xl.report.kpi_sheet import _GROUPS

    placed = [key for *_, keys in _GROUPS for key in keys]
    assert sorted(placed) == sorted(k.key for k in KPIS)


def test_an_incomplete_kpi_declaration_fails_at_import():
    """What a KPI needs besides its KpiDef is checked when crm_xl.core.kpis is imported
    (crm_xl.core.kpis.base runs _check_declarations): a base column no function computes, an unknown
    section or unit, a diagnosed KPI without a direction. A KpiDef without its section or
    direction cannot even be built."""
    import pytest

    from crm_xl.core.kpis import KPI_SECTIONS, KPIS, KpiDef
    from crm_xl.core.kpis.base import _BASE_COLUMNS, _check_declarations
    from crm_xl.core.kpis.definitions import _LEAD_SUMS

    _check_declarations(KPIS, KPI_SECTIONS, _BASE_COLUMNS, _LEAD_SUMS)  # today's declarations pass
    ok = dict(section="business", higher_is_better=False)
    bad = {
        "no function computes": KpiDef("x", "x", "x", "ratio", "churned", "customers", "", "", **ok),
        "section 'nowhere'": KpiDef("x", "x", "x", "ratio", "complained", "customers", "", "",
                                    section="nowhere", higher_is_better=False),
        "unit 'percent'": KpiDef("x", "x", "x", "percent", "complained", "customers", "", "", **ok),
        "needs a direction": KpiDef("x", "x", "x", "ratio", "complained", "customers", "", "", section="business",
                                    higher_is_better=None, diagnose=True),
    }
    for message, kpi in bad.items():
        with pytest.raises(ValueError, match=message):
            _check_declarations((*KPIS, kpi), KPI_SECTIONS, _BASE_COLUMNS, _LEAD_SUMS)
    with pytest.raises(ValueError, match="declared twice"):
        _check_declarations((*KPIS, KPIS[0]), KPI_SECTIONS, _BASE_COLUMNS, _LEAD_SUMS)
    with pytest.raises(ValueError, match="no KPI uses"):
        _check_declarations(KPIS, KPI_SECTIONS, {**_BASE_COLUMNS, "spare": lambda c: c}, _LEAD_SUMS)
    with pytest.raises(TypeError):
        KpiDef("x", "x", "x", "ratio", "complained", "customers", "", "")  # no section, no direction


def test_conclusions_and_the_dashboard_derive_from_the_kpi_declarations():
    """The 指标看板 sections and key-figure row, and the KPIs 问题诊断 compares and how its
    sentences name them, come from the KpiDef fields (section, headline, diagnose, word)."""
    from crm_xl.core import insights
    from crm_xl.core.kpis import KPIS
    from crm_xl.report import kpi_sheet

    assert [(sec.label("zh"), sec.table_suffix) for sec, _ in kpi_sheet._GROUPS] == [("经营指标", ""), ("客户体验与服务指标", "Cx")]
    assert kpi_sheet._HEADLINE == ("customers", "active_customers", "revenue", "aov", "repurchase_rate",
                                   "new_customer_repurchase_rate", "lead_conversion_rate", "nps", "complaint_rate")
    assert insights._DIAGNOSED_KPIS == ("nps", "complaint_rate", "response_rate")

    def word(k):  # (zh name, en name, higher is better, is a change, points scale)
        return (insights._kpi_name(k, "zh"), insights._kpi_name(k, "en"), *insights._KPI_WORD[k])

    assert word("nps") == ("NPS", "NPS", True, False, 100.0)
    assert word("complaint_rate") == ("投诉率", "complaint rate", False, False, 1.0)
    assert word("response_rate") == ("互动响应率", "response rate", True, False, 1.0)
    assert word("repurchase_change") == ("复购率", "repurchase rate", True, True, 1.0)
    assert {k.key for k in KPIS if k.diagnose} | {"repurchase_change", "revenue_change"} == set(insights._KPI_WORD)


def test_churn_rate_by_hand():
    """客户流失率 (seed 000 step 1: "降低客户流失率至5%以下"): of the customers who bought in the
    12 months before the KPI window (2022-09-30, 2023-09-30], those who did not buy in the
    window (2023-09-30, 2024-09-30]."""
    customers = pd.DataFrame({"customer_id": ["E", "F", "G", "H", "I"], "industry": ["制造业", "制造业", "零售", "零售", "零售"]})
    orders = pd.DataFrame({
        "order_id": ["O1", "O2", "O3", "O4", "O5", "O6"],
        "customer_id": ["E", "E", "F", "G", "H", "I"],
        # E bought in both periods; F only in the previous one (lapsed); G only in the window
        # (new, not in the denominator); H before the previous period (in neither); I on the
        # last day of the previous period and not since (lapsed)
        "order_date": pd.to_datetime(["2023-03-01", "2024-03-01", "2023-06-01", "2024-05-01", "2022-08-01",
                                      "2023-09-30"]),
        "amount": [100.0, 100, 100, 100, 100, 100],
    })
    data = CrmData(customers=customers, orders=orders)
    long = _kpis(data)
    row = long[long.kpi == "churn_rate"].iloc[0]
    assert (row["numerator"], row["denominator"]) == (2, 3)  # F and I of E, F, I
    assert row["value"] == pytest.approx(2 / 3)
    ind = kpi_wide(_kpis(data, by="industry")).set_index("group")
    assert ind.loc["制造业", "churn_rate"] == pytest.approx(1 / 2)  # F of E, F
    assert ind.loc["零售", "churn_rate"] == 1.0  # I of I (G and H did not buy in the previous period)
    # the small data set: only A bought in the previous period, and A bought again
    assert _values(_kpis(small_data()))["churn_rate"] == 0.0
    # without a KPI window there is no previous period: blank, with the reason
    row = _kpis(data, AnalysisSettings(analysis_date=S.analysis_date, kpi_window_months=None))
    row = row[row.kpi == "churn_rate"].iloc[0]
    assert math.isnan(row["value"]) and row["reason"] == "上一统计期没有购买客户（或统计期为全部历史）"
