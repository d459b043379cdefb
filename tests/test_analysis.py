"""analyze() end to end (issue 4 item 8): Template 1, empty and single-customer inputs, and
sentences that follow the data."""

import math

import numpy as np
import pandas as pd
import pytest

import crm_xl
from crm_xl.core.analysis import AnalysisResult, analyze
from crm_xl.core.dataset import CrmData
from crm_xl.errors import InputError
from crm_xl.settings import AnalysisSettings

from .test_rfm import AS_OF, _template1_data

S = AnalysisSettings(analysis_date=AS_OF.date())


def test_lazy_top_level_export():
    assert crm_xl.analyze is analyze and crm_xl.AnalysisResult is AnalysisResult


def test_template1_through_analyze():
    r = analyze(_template1_data(), S)
    assert r.as_of == AS_OF
    got = r.rfm[["customer_id", "r_score", "f_score", "m_score", "rfm_total", "layer_label", "remark"]].values.tolist()
    assert got == [
        ["C001", 5, 5, 5, 15, "高价值客户", ""],
        ["C002", 3, 4, 4, 11, "潜力客户", "近2个月购买频次下降"],
        ["C003", 1, 2, 2, 5, "流失风险客户", "超过6个月未购买"],
    ]
    assert set(r.tables()) == {"rfm", "tags", "kpis", "kpis_by_layer", "kpis_by_dimension", "churn", "funnel",
                               "trends", "diagnosis", "problems", "conclusions"}
    # C003: 204 days without purchase -> the churn list names it
    c3 = r.churn.set_index("customer_id").loc["C003"]
    assert "已204天未购买" in c3.reasons and c3.risk in ("medium", "high")


def test_only_customers_and_orders_never_raise():
    d = _template1_data()
    r = analyze(CrmData(customers=d.customers, orders=d.orders), S)
    k = r.kpis.set_index("kpi")
    assert math.isnan(k.loc["nps", "value"]) and k.loc["nps", "reason"]
    assert math.isnan(k.loc["lead_conversion_rate", "value"]) and k.loc["lead_conversion_rate", "reason"]
    assert r.funnel["count"].tolist() == [0, 0, 0] and r.funnel["reason"].iloc[0] == "统计期内没有线索记录"
    assert r.trends["nps"].isna().all() and (r.trends["reason"] != "").any()
    assert len(r.tags) == 0 and (r.rfm["tags"] == "").all()
    assert len(r.conclusions) > 0


def test_single_customer():
    o = pd.DataFrame({"order_id": ["O1"], "customer_id": ["A"], "order_date": [pd.Timestamp("2024-09-01")],
                      "amount": [5000.0]})
    r = analyze(CrmData(customers=pd.DataFrame({"customer_id": ["A"]}), orders=o))
    assert r.as_of == pd.Timestamp("2024-09-01")  # latest order date
    assert r.rfm["customer_id"].tolist() == ["A"] and r.rfm["recency_days"].item() == 0
    assert r.kpis.set_index("kpi").loc["aov", "value"] == 5000
    assert len(r.diagnosis) == 0  # nothing to compare with
    r2 = analyze(CrmData(customers=pd.DataFrame({"customer_id": ["A"]}), orders=o),
                 AnalysisSettings(score_mode="quantile", layer_mode="rfm11"))
    assert r2.rfm["layer"].item() in ("champions", "new_customers", "potential_loyalist", "loyal", "promising")


def test_no_orders_at_all():
    empty = CrmData(customers=pd.DataFrame({"customer_id": ["A", "B"]}))
    with pytest.raises(InputError) as e:
        analyze(empty)
    assert "分析日期" in e.value.message("zh")
    r = analyze(empty, S)  # with an analysis date it runs: nothing bought, nothing divided
    assert len(r.rfm) == 0 and r.kpis.set_index("kpi").loc["customers", "value"] == 2
    assert math.isnan(r.kpis.set_index("kpi").loc["repurchase_rate", "value"])


def _regional(drop_in: str) -> CrmData:
    """Six customers in each of three regions buying monthly for six months; customers of
    ``drop_in`` stop buying a second time in the last three months."""
    rows, cust = [], []
    for region in ("华东", "华南", "华北"):
        for i in range(6):
            cid = f"{region}{i}"
            cust.append((cid, region))
            for m in range(6):
                day = AS_OF - pd.DateOffset(months=m) - pd.Timedelta(days=3)
                if region == drop_in and m < 3 and i < 4:
                    if m > 0:
                        continue
                rows.append((cid, day, 1000.0))
    o = pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"])
    o["order_id"] = [f"O{i}" for i in range(len(o))]
    c = pd.DataFrame(cust, columns=["customer_id", "region"])
    return CrmData(customers=c, orders=o)


def test_diagnosis_sentence_follows_the_data():
    s = S.replace(insight_min_customers=3)
    a = analyze(_regional("华南"), s)
    b = analyze(_regional("华北"), s)
    flag_a = a.diagnosis[(a.diagnosis.kpi == "repurchase_change") & (a.diagnosis.dimension == "region")].iloc[0]
    flag_b = b.diagnosis[(b.diagnosis.kpi == "repurchase_change") & (b.diagnosis.dimension == "region")].iloc[0]
    # 华南: 2 of 6 customers still buy twice in the last 3 months (was 6 of 6) -> -67%
    assert flag_a.group == "华南" and flag_a.value == pytest.approx(2 / 6 - 1) and flag_a.flagged
    assert flag_a.text == "华南客户复购率下降幅度达67%，远差于其他区域（中位数增长0%）"
    assert flag_b.group == "华北" and flag_b.text.startswith("华北客户复购率下降幅度达67%")
    assert any("华南" in t for t in a.conclusions.text) and not any("华南客户复购率" in t for t in b.conclusions.text)
    en = analyze(_regional("华南"), s.replace(lang="en"))
    row = en.diagnosis[(en.diagnosis.kpi == "repurchase_change") & (en.diagnosis.dimension == "region")].iloc[0]
    assert row.text == "华南 customers: repurchase rate fell by 67%, far worse than other regions (median +0%)"


def test_conclusion_numbers_change_with_the_data():
    d = _template1_data()
    a = analyze(d, S)
    more = d.orders.copy()
    more.loc[more.customer_id == "C001", "amount"] *= 2  # C001 now 300,000
    b = analyze(CrmData(customers=d.customers, orders=more), S)
    la, lb = a.conclusions.set_index("topic").loc["layers", "text"], b.conclusions.set_index("topic").loc["layers", "text"]
    assert la != lb
    total_a = 150_000 + 80_000 + 20_000
    assert f"贡献{150_000 / total_a:.0%}的购买金额" in la
    assert f"贡献{300_000 / (total_a + 150_000):.0%}的购买金额" in lb


def test_result_frames_use_documented_columns():
    from crm_xl.core.churn import CHURN_COLUMNS
    from crm_xl.core.clean import clean_dataset
    from crm_xl.core.funnel import FUNNEL_COLUMNS
    from crm_xl.core.insights import CONCLUSION_COLUMNS, DIAGNOSIS_COLUMNS, PROBLEM_COLUMNS
    from crm_xl.core.kpis import KPI_COLUMNS
    from crm_xl.core.rfm import RFM_COLUMNS
    from crm_xl.core.tags import TAG_COLUMNS
    from crm_xl.core.trends import TREND_COLUMNS
    from crm_xl.demo import generate_demo

    r = analyze(clean_dataset(generate_demo(120)).data)
    assert tuple(r.rfm.columns[:len(RFM_COLUMNS)]) == RFM_COLUMNS
    assert {"layer", "layer_label", "layer_group", "remark", "tags"} <= set(r.rfm.columns)
    for frame, cols in ((r.tags, TAG_COLUMNS), (r.kpis, KPI_COLUMNS), (r.kpis_by_layer, KPI_COLUMNS),
                        (r.kpis_by_dimension, KPI_COLUMNS), (r.churn, CHURN_COLUMNS), (r.funnel, FUNNEL_COLUMNS),
                        (r.trends, TREND_COLUMNS), (r.diagnosis, DIAGNOSIS_COLUMNS), (r.problems, PROBLEM_COLUMNS),
                        (r.conclusions, CONCLUSION_COLUMNS)):
        assert tuple(frame.columns) == cols
    assert len(r.trends) == 6 and set(r.kpis_by_dimension["dimension"]) == {"industry", "region", "owner"}
    risk_rank = r.churn["risk"].map({"high": 0, "medium": 1, "low": 2}).to_numpy()
    assert (np.diff(risk_rank) >= 0).all()
    # the tag text per customer (built by customer code inside analyze) is tags_per_customer's
    from crm_xl.core.tags import tags_per_customer
    per = tags_per_customer(r.tags, "zh", tuple(t.tag for t in r.settings.tag_rules))
    assert (r.rfm["tags"] != "").any()
    assert r.rfm["tags"].tolist() == per.reindex(r.rfm["customer_id"]).fillna("").tolist()


@pytest.mark.parametrize("seed", range(3))
def test_median_of_the_other_groups_is_numpys(seed):
    # the cross analysis compares each group with the median of the others, from one sort
    from crm_xl.core.insights import _median_of_others

    rng = np.random.default_rng(seed)
    for n in range(2, 15):
        for v in (rng.normal(size=n), rng.integers(0, 3, n).astype(float), np.round(rng.normal(size=n), 1)):
            expected = np.array([np.median(np.delete(v, j)) for j in range(n)])
            np.testing.assert_array_equal(_median_of_others(v), expected)


def test_first_sale_per_product_by_counting_is_the_minimum():
    from crm_xl.core.order_facts import _first_day_by_code

    rng = np.random.default_rng(9)
    for span, n in ((700, 5), (3, 40), (1 << 20, 30)):  # the last one through np.minimum.at
        codes = rng.integers(-1, n, 20_000)
        days = 19_000 + rng.integers(0, span, 20_000)
        ref = np.full(n, np.iinfo(np.int64).max)
        np.minimum.at(ref, codes[codes >= 0], days[codes >= 0])
        np.testing.assert_array_equal(_first_day_by_code(codes, days, n), ref)
