"""The CLV models in the written conclusions and in the diagnosis (issue 4 item 7, issue 9):
hand-made predictions for ten customers, every number in the sentences checked by hand.

Customers (layer group, purchases so far in 元, predicted 12-month CLV in 元, P(alive)):

    H1 high_value 100,000  500,000  0.90      P1 potential 30,000  30,000  0.80
    H2 high_value  80,000  300,000  0.20      P2 potential 20,000  10,000  0.60
    H3 high_value  60,000  100,000  0.40      P3 potential 10,000   4,000  0.30
    H4 high_value  40,000   50,000  0.95      R1 at_risk    5,000   4,000  0.10
                                              R2 at_risk    5,000   1,000  0.20
                                              R3 at_risk    5,000   1,000  0.05

Total CLV 1,000,000 = 100.0万元: high value 950,000 (95%), potential 44,000 (4%), at risk
6,000 (1%). The top 20% of 10 customers = ceil(2.0) = 2 (H1, H2): 800,000 = 80%.
P(alive) below 50%: H2, H3 of the 4 high-value customers (50%), purchases 80,000 + 60,000
= 14.0万元; the churn rules rate H2 medium and H3 low risk (no signal), so 1 of them is
not flagged. (Nobody is at high risk here, so the churn finding has no "most common reason".)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_xl.core.analysis import analyze
from crm_xl.core.clv_report import CALIBRATION_COLUMNS, CLV_COLUMNS, FIT_COLUMNS, PARAMETER_COLUMNS, ClvResult
from crm_xl.core.dataset import CrmData
from crm_xl.core.insights import conclusions, layer_problems, p_alive_cutoff
from crm_xl.core.prepared import prepare
from crm_xl.settings import AnalysisSettings

AS_OF = pd.Timestamp("2024-09-30")
S = AnalysisSettings(analysis_date=AS_OF.date())

ROWS = [  # id, layer, monetary, clv, p_alive, churn risk
    ("H1", "high_value", 100_000, 500_000, 0.90, "low"),
    ("H2", "high_value", 80_000, 300_000, 0.20, "medium"),
    ("H3", "high_value", 60_000, 100_000, 0.40, "low"),
    ("H4", "high_value", 40_000, 50_000, 0.95, "low"),
    ("P1", "potential", 30_000, 30_000, 0.80, "low"),
    ("P2", "potential", 20_000, 10_000, 0.60, "medium"),
    ("P3", "potential", 10_000, 4_000, 0.30, "low"),
    ("R1", "at_risk", 5_000, 4_000, 0.10, "medium"),
    ("R2", "at_risk", 5_000, 1_000, 0.20, "medium"),
    ("R3", "at_risk", 5_000, 1_000, 0.05, "medium"),
]


def _layers(settings=S) -> pd.DataFrame:
    return pd.DataFrame({
        "customer_id": [r[0] for r in ROWS],
        "layer": [r[1] for r in ROWS],
        "layer_label": [settings.layer_label(r[1]) for r in ROWS],
        "layer_group": [r[1] for r in ROWS],
        "monetary": [float(r[2]) for r in ROWS],
    })


def _churn(settings=S) -> pd.DataFrame:
    return pd.DataFrame({"customer_id": [r[0] for r in ROWS], "risk": [r[5] for r in ROWS],
                         "layer": [r[1] for r in ROWS], "monetary": [float(r[2]) for r in ROWS]})


def _clv(settings=S, status="ok", fit=None) -> ClvResult:
    pred = pd.DataFrame({c: np.nan for c in CLV_COLUMNS}, index=range(len(ROWS)))
    pred["customer_id"] = [r[0] for r in ROWS]
    pred["layer"] = [r[1] for r in ROWS]
    pred["clv"] = [float(r[3]) if status == "ok" else np.nan for r in ROWS]
    pred["p_alive"] = [r[4] for r in ROWS]
    pred["purchases_12m"] = [1.5] * len(ROWS)
    if status == "unavailable":
        pred = pred.iloc[:0]
    return ClvResult(status=status, settings=settings, as_of=AS_OF, predictions=pred,
                     parameters=pd.DataFrame(columns=list(PARAMETER_COLUMNS)),
                     fit=pd.DataFrame(fit or [], columns=list(FIT_COLUMNS)),
                     calibration=pd.DataFrame(columns=list(CALIBRATION_COLUMNS)))


def _conclusions(clv, settings=S) -> pd.DataFrame:
    empty = pd.DataFrame()
    return conclusions(settings=settings, layers=_layers(settings), kpis=pd.DataFrame(columns=["kpi", "value"]),
                       churn=_churn(settings), funnel=pd.DataFrame(columns=["count"]), trends=empty,
                       diagnosis=pd.DataFrame(columns=["flagged"]), problems=pd.DataFrame(columns=["problem"]), clv=clv)


def test_value_by_layer_and_top_20_percent():
    c = _conclusions(_clv()).set_index("topic")
    assert c.loc["clv", "text"] == ("客户价值预测：未来12个月预计客户价值（CLV）合计100.0万元（高价值客户占95%、潜力客户占4%、流失风险客户占1%），"
                                    "CLV最高的20%客户（2位）占80%。")
    assert c.loc["clv", "value"] == pytest.approx(0.8)


def test_high_value_customers_with_low_p_alive():
    c = _conclusions(_clv()).set_index("topic")
    assert c.loc["clv_risk", "text"] == ("活跃概率：高价值客户中2位（占50%）的模型活跃概率低于50%，可能已悄然流失，"
                                         "累计购买金额14.0万元，其中1位未被流失预警规则标记，建议优先回访确认。")
    assert c.loc["clv_risk", "value"] == 2
    # the cut-off is its own setting: at 0.3 only H2 (0.20 < 0.3); the churn signal's doesn't move it
    s = S.replace(insight_p_alive_below=0.3)
    assert p_alive_cutoff(s) == 0.3 and p_alive_cutoff(S) == 0.5
    assert p_alive_cutoff(S.replace(churn_p_alive_below=0.3)) == 0.5
    c = _conclusions(_clv(s), s).set_index("topic")
    assert c.loc["clv_risk", "text"] == ("活跃概率：高价值客户中1位（占25%）的模型活跃概率低于30%，可能已悄然流失，"
                                         "累计购买金额8.0万元，建议优先回访确认。")


def test_no_high_value_customer_at_risk_is_said_with_the_lowest_p_alive():
    s = S.replace(insight_p_alive_below=0.1)  # lowest high-value P(alive) is H2's 0.20
    c = _conclusions(_clv(s), s).set_index("topic")
    assert c.loc["clv_risk", "text"] == "活跃概率：4位高价值客户的模型活跃概率均不低于10%（最低20%）。"
    assert c.loc["clv_risk", "value"] == 0


def test_english():
    en = S.replace(lang="en")
    c = _conclusions(_clv(en), en).set_index("topic")
    assert c.loc["clv", "text"] == ("Customer value forecast: predicted CLV over the next 12 months CNY 1,000,000 "
                                    "(High value 95%, Potential 4%, Churn risk 1%); the top 20% of customers by CLV (2) "
                                    "hold 80%.")
    assert c.loc["clv_risk", "text"] == ("P(alive): 2 of the 4 High value customers (50%) have a model P(alive) below "
                                         "50% and may have quietly left, with CNY 140,000 of purchases; 1 of them is "
                                         "not flagged by the churn rules; call them back first.")


def test_sentences_sit_after_the_churn_finding_and_the_order_is_otherwise_kept():
    topics = _conclusions(_clv())["topic"].tolist()
    assert topics[:4] == ["layers", "churn", "clv", "clv_risk"]
    assert "clv" not in _conclusions(None)["topic"].tolist()
    assert _conclusions(None)["topic"].tolist() == [t for t in topics if not t.startswith("clv")]


def test_no_model_says_why_in_one_sentence():
    fit = [{"item": "repeat_customers", "label": "", "value": 12.0, "value_text": "12", "note": ""}]
    c = _conclusions(_clv(status="unavailable", fit=fit))
    rows = c[c["topic"].str.startswith("clv")]
    assert rows["text"].tolist() == ["客户价值预测：只有12位客户有重复购买（少于设置 clv_min_repeat_customers 的20位），数据不足，未做预测。"]
    fit[0]["value"] = 25.0  # enough customers: the fit itself failed
    c = _conclusions(_clv(status="unavailable", fit=fit))
    assert c[c["topic"] == "clv"]["text"].tolist() == ["客户价值预测：购买模型无法拟合，未做预测（原因见「客户价值预测」表）。"]


def test_purchase_model_only_gives_purchases_and_p_alive():
    c = _conclusions(_clv(status="partial")).set_index("topic")
    # 10 customers x 1.5 expected purchases
    assert c.loc["clv", "text"] == "客户价值预测：未来12个月预计购买15次；消费金额模型未能拟合，没有CLV（见「客户价值预测」表）。"
    assert c.loc["clv_risk", "value"] == 2


# ----------------------------------------------------------------------------- diagnosis

def _prepared(settings=S):
    orders = pd.DataFrame({"order_id": [f"O{i}" for i in range(len(ROWS))], "customer_id": [r[0] for r in ROWS],
                           "order_date": AS_OF - pd.Timedelta(days=10), "amount": [float(r[2]) for r in ROWS]})
    return prepare(CrmData(customers=pd.DataFrame({"customer_id": [r[0] for r in ROWS]}), orders=orders), settings)


def _low_alive(settings, clv=True) -> pd.DataFrame:
    p = _prepared(settings)
    c = _clv(settings)
    if clv:
        c = ClvResult(**{**c.__dict__, "codes": p.codes_of(c.predictions["customer_id"])})
    out = layer_problems(p, _layers(settings), settings, _churn(settings), clv=c if clv else None)
    return out[out["problem"] == "low_p_alive"]


def test_diagnosis_names_valuable_layers_with_many_low_p_alive_customers():
    s = S.replace(insight_min_customers=2)
    rows = _low_alive(s)
    # high value: H2, H3 (2 >= 2); potential: only P3 (1 < 2); at risk is not a valuable layer
    assert rows["layer"].tolist() == ["high_value"]
    r = rows.iloc[0]
    assert (r.customers_affected, r.customers, r.share, r["count"]) == (2, 4, 0.5, 140_000)
    assert r.text == ("高价值客户：2位客户（占50%）的模型活跃概率低于50%，累计购买金额14.0万元，其中1位未被流失预警规则标记，"
                      "问题定位：有价值客户可能已悄然流失，跟进不及时")
    s1 = S.replace(insight_min_customers=1)
    rows = _low_alive(s1)
    assert rows["layer"].tolist() == ["high_value", "potential"]
    # P3 (0.30), low churn risk
    assert rows.iloc[1].text == ("潜力客户：1位客户（占33%）的模型活跃概率低于50%，累计购买金额1.0万元，其中1位未被流失预警规则标记，"
                                 "问题定位：有价值客户可能已悄然流失，跟进不及时")
    assert len(_low_alive(S)) == 0  # default insight_min_customers = 5: not "many" here
    assert len(_low_alive(s1, clv=False)) == 0  # no model, no statement


def test_diagnosis_english_and_the_threshold_setting():
    en = S.replace(lang="en", insight_min_customers=1, insight_p_alive_below=0.25)
    rows = _low_alive(en)
    # below 25%: H2 (0.20) only; no potential customer
    assert rows["text"].tolist() == ["High value: 1 customer (25%) has a model P(alive) below 25%, with CNY 80,000 of "
                                     "purchases: valuable customers may have quietly left, follow-up too late"]


def test_demo_report_mentions_the_model():
    from crm_xl.core.clean import clean_dataset
    from crm_xl.demo import generate_demo

    r = analyze(clean_dataset(generate_demo(120)).data)
    assert r.clv.status == "ok"
    c = r.conclusions.set_index("topic")
    pred = r.clv.predictions
    total = pred["clv"].sum()
    assert f"（CLV）合计{total / 10_000:,.1f}万元" in c.loc["clv", "text"]
    # the total is the CLV sheet's key figure
    assert total == pytest.approx(r.clv.fit.set_index("item").loc["total_clv", "value"])


def test_diagnosis_sheet_labels_and_the_p_alive_note():
    import dataclasses

    from crm_xl.core.clean import clean_dataset
    from crm_xl.demo import generate_demo
    from crm_xl.report.diagnosis_sheet import diagnosis_sheet

    r = analyze(clean_dataset(generate_demo(120)).data)
    probs = pd.DataFrame([
        ("potential", "潜力客户", "low_p_alive", 18.0, 71.0, 18 / 71, 1.0, "t1"),
        ("potential", "潜力客户", "no_new_product", 3.0, 10.0, 0.3, 3.0, "t2"),
    ], columns=r.problems.columns)
    sheet = diagnosis_sheet(dataclasses.replace(r, problems=probs))
    assert sheet.table("LayerProblems").data["problem_label"].tolist() == ["活跃概率偏低", "未采购新品"]
    notes = " ".join(line for b in sheet.blocks if not hasattr(b, "columns") for line in b.lines)
    assert ("活跃概率偏低：高价值、潜力层级中至少 5 位客户的模型活跃概率（见「客户价值预测」）低于 50%"
            "（设置 insight_p_alive_below；50% 即模型判断其流失的可能大于活跃）。") in notes
    on = dataclasses.replace(r, settings=r.settings.replace(insight_p_alive_below=0.3), problems=probs)
    notes = " ".join(line for b in diagnosis_sheet(on).blocks if not hasattr(b, "columns") for line in b.lines)
    assert "模型活跃概率（见「客户价值预测」）低于 30%（设置 insight_p_alive_below" in notes
    no_model = dataclasses.replace(r, clv=dataclasses.replace(r.clv, status="unavailable"))
    notes = " ".join(line for b in diagnosis_sheet(no_model).blocks if not hasattr(b, "columns") for line in b.lines)
    assert "活跃概率偏低" not in notes
