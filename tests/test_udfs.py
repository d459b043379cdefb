"""Worksheet functions (crm_xl.excel.udfs) through xlwings' real Office.js conversion path.

Every call goes through ``xlwings.server.custom_functions_call`` with the payload Excel's
Office.js add-in sends (DESIGN.md section 4): ranges as lists of lists (a one-row range
flattened by xlwings, a single cell as a scalar), blanks as "", dates as serial numbers,
error cells as ``{"type": "Error", ...}``. Classic (COM) values - tuples, None, datetime,
CVErr integers - are checked through the same converter. The function metadata is
golden-tested (tests/golden/udf_meta.json; regenerate with CRM_XL_UPDATE_GOLDEN=1).
"""

import asyncio
import datetime as dt
import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import xlwings
from xlwings.server import custom_functions_call, custom_functions_meta

from crm_xl.core import churn as core_churn
from crm_xl.core import clv as core_clv
from crm_xl.core import kpis as core_kpis
from crm_xl.core.rfm import resolve_analysis_date, rfm_table
from crm_xl.core.segments import assign_layers
from crm_xl.demo import demo_crm_data
from crm_xl.excel import convert, udfs
from crm_xl.settings import AnalysisSettings, settings_to_rows

ROOT = pathlib.Path(__file__).resolve().parents[1]
GOLDEN = pathlib.Path(__file__).parent / "golden" / "udf_meta.json"
VALUE = {"type": "Error", "errorType": "Value"}
NUM = {"type": "Error", "errorType": "Num"}
NA = {"type": "Error", "errorType": "NotAvailable"}
DIV0 = {"type": "Error", "errorType": "Div0"}
ERR_NA_IN = {"type": "Error", "basicValue": "#N/A", "errorType": "NotAvailable"}


def _json_arg(v):
    """An argument as JSON for tests/lite_check.py (datetimes tagged, as it decodes them)."""
    if isinstance(v, dt.datetime):
        return {"$datetime": v.isoformat()}
    if isinstance(v, (list, tuple)):
        return [_json_arg(x) for x in v]
    return v


def call(name, *args, runtime="1.4", module=udfs):
    """Call a UDF the way the Office.js add-in does (one entry per argument given).

    With CRM_XL_UDF_CALL_LOG set, every call is also appended to that file as a JSON line
    (``[name, args, runtime]``): tests/test_lite_pyodide.py replays these calls in Pyodide."""
    log = os.environ.get("CRM_XL_UDF_CALL_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as f:
            f.write(json.dumps([name, _json_arg(list(args)), runtime], ensure_ascii=False) + "\n")
    data = {"func_name": name, "args": list(args), "caller_address": "Sheet1!A1", "session_id": "test",
            "version": xlwings.__version__, "client": "Office.js", "runtime": runtime,
            "culture_info_name": "zh-CN", "date_format": "yyyy/m/d"}
    return asyncio.run(custom_functions_call(data, module))


def serial(y, m, d):
    return float((dt.date(y, m, d) - dt.date(1899, 12, 30)).days)


def col(values):
    """A one-column range as Office.js sends it."""
    return [[v] for v in values]


AS_OF = serial(2024, 9, 30)
T1_DATES = [serial(2024, 9, 15), serial(2024, 7, 20), serial(2024, 3, 10)]
T1_FREQ = [12, 8, 3]
T1_AMOUNT = [150000, 80000, 20000]
T1_EXPECTED = [[5.0, 5.0, 5.0, 15.0], [3.0, 4.0, 4.0, 11.0], [1.0, 2.0, 2.0, 5.0]]


# ----------------------------------------------------------------------------- Template 1


def test_template1_through_rfm_scores_as_printed():
    """Seed 004 Template 1 (analysis date 2024-09-30): 5,5,5=15 / 3,4,4=11 / 1,2,2=5."""
    assert call("RFM_SCORES", col(T1_DATES), col(T1_FREQ), col(T1_AMOUNT), AS_OF) == T1_EXPECTED


def test_template1_dates_as_datetimes_text_and_money_text():
    """The same rows with dates as datetimes (classic add-in), as date text, and amounts as
    the seed writes them (15万, 150,000元)."""
    dates = [dt.datetime(2024, 9, 15), "2024/7/20", "2024年3月10日"]
    amounts = ["15万", "80,000元", 20000]
    assert call("RFM_SCORES", col(dates), col(T1_FREQ), col(amounts), "2024-09-30") == T1_EXPECTED


def test_rfm_scores_default_as_of_is_the_latest_purchase_and_rows_spill_as_rows():
    # no as_of: the latest last-purchase date (2024-09-15) is the analysis date, as in the report
    out = call("RFM_SCORES", col(T1_DATES), col(T1_FREQ), col(T1_AMOUNT))
    # C002's 2024-07-20 is 57 days before 2024-09-15 -> R 4 (31-60 days); C003 189 days -> R 1
    assert [r[0] for r in out] == [5.0, 4.0, 1.0]
    # a one-row range in -> one row per score out (4 x 3)
    row = call("RFM_SCORES", [T1_DATES], [T1_FREQ], [T1_AMOUNT], AS_OF)
    assert row == [list(r) for r in zip(*T1_EXPECTED, strict=True)]


def test_rfm_scores_blanks_errors_and_text_per_cell():
    dates = T1_DATES + ["", "abc", ERR_NA_IN, ""]
    freq = T1_FREQ + ["", 5, 5, 4]
    amount = T1_AMOUNT + ["", 1000, 1000, -5]
    out = call("RFM_SCORES", col(dates), col(freq), col(amount), AS_OF)
    assert out[:3] == T1_EXPECTED  # other rows still compute
    assert out[3] == ["", "", "", ""]  # a blank row stays blank (whole-column references)
    assert out[4] == [VALUE, 3.0, 1.0, VALUE]  # text in a date column
    assert out[5] == [NA, 3.0, 1.0, NA]  # an error cell propagates
    assert out[6] == [NA, 3.0, NUM, NA]  # blank date in a filled row -> #N/A; negative amount -> #NUM!


def test_rfm_scores_settings_range_from_the_settings_sheet():
    rows = settings_to_rows(AnalysisSettings(rfm_weights=(2.0, 1.0, 1.0), frequency_breakpoints=(2, 4, 6, 13)))
    rng = [["name", "value", "description"]] + rows.astype(object).where(rows.notna(), "").values.tolist()
    out = call("RFM_SCORES", col(T1_DATES), col(T1_FREQ), col(T1_AMOUNT), AS_OF, rng)
    # C001: R 5, F 12 < 13 -> 4, M 5; total 2*5 + 4 + 5 = 19
    assert out[0] == [5.0, 4.0, 5.0, 19.0]
    # the 设置 sheet as the report writes it in Chinese: 名称 / 值 / 说明
    zh_rows = settings_to_rows(AnalysisSettings(rfm_weights=(2.0, 1.0, 1.0)))
    zh_rng = [["名称", "值", "说明"]] + zh_rows.astype(object).where(zh_rows.notna(), "").values.tolist()
    assert call("RFM_SCORES", col(T1_DATES), col(T1_FREQ), col(T1_AMOUNT), AS_OF, zh_rng)[1] == [3.0, 4.0, 4.0, 14.0]
    bad = [["name", "value"], ["recency_breakpoints_days", "30, 20"]]
    msg = call("RFM_SCORES", col(T1_DATES), col(T1_FREQ), col(T1_AMOUNT), AS_OF, bad)[0][0]
    assert msg.startswith("#VALUE! ") and "recency_breakpoints_days" in msg


# ----------------------------------------------------------------------------- RFM_SCORE


def test_rfm_score_single_values_columns_rows_and_2d():
    assert call("RFM_SCORE", 150000, "M") == [[5.0]]
    assert call("RFM_SCORE", col([10, 45, 75, 120, 400]), "R") == [[5.0], [4.0], [3.0], [2.0], [1.0]]
    assert call("RFM_SCORE", [1, 2, 4, 6, 10], "f") == [[1.0, 2.0, 3.0, 4.0, 5.0]]
    assert call("RFM_SCORE", [[9999, 10000], [30000, 100000]], "M") == [[1.0, 2.0], [3.0, 5.0]]


def test_rfm_score_recency_from_dates_and_breakpoints():
    # a date (serial or datetime) is turned into days before as_of
    assert call("RFM_SCORE", col(T1_DATES), "R", None, AS_OF) == [[5.0], [3.0], [1.0]]
    assert call("RFM_SCORE", dt.datetime(2024, 9, 15), "R", None, dt.datetime(2024, 9, 30)) == [[5.0]]
    # breakpoints as text or as a range
    assert call("RFM_SCORE", 15, "R", "10,20,30,40") == [[4.0]]
    assert call("RFM_SCORE", 15, "R", [[10, 20, 30, 40]]) == [[4.0]]
    assert call("RFM_SCORE", 15, "R", "40,30")[0][0].startswith("#VALUE! ")


def test_rfm_score_bad_input():
    assert call("RFM_SCORE", col(["abc", "", -3, ERR_NA_IN, True]), "F") == [[VALUE], [""], [NUM], [NA], [VALUE]]
    assert call("RFM_SCORE", 15, "X") == [["#VALUE! 未知的得分类型 'X'：请用 R、F 或 M"]]


# ----------------------------------------------------------------------------- layers


def test_rfm_total_and_segment():
    r, f, m = col([5, 3, 1]), col([5, 4, 2]), col([5, 4, 2])
    assert call("RFM_TOTAL", r, f, m) == [[15.0], [11.0], [5.0]]
    assert call("RFM_SEGMENT", r, f, m) == [["高价值客户"], ["潜力客户"], ["流失风险客户"]]
    assert call("RFM_SEGMENT", r, f, m, None, None, "en") == [["High value"], ["Potential"], ["Churn risk"]]
    # 11-segment map: R5/FM5 champions, R3/FM4 loyal, R1/FM2 lost
    assert call("RFM_SEGMENT", r, f, m, "rfm11") == [["冠军客户"], ["忠诚客户"], ["已流失客户"]]
    assert call("RFM_SEGMENT", col([6, 3]), col([5, 3]), col([5, ""])) == [[NUM], [NA]]
    assert call("RFM_SEGMENT", 5, 5, 5, "rules")[0][0].startswith("#VALUE! ")


def test_rfm_rule_segment_follows_seed_000():
    # 高价值: within 3 months, >= 5 a year, >= 50万; 潜力: within 3 months, 3-4 a year, 20-50万;
    # 流失风险: none for 6 months, <= 2 a year, <= 10万; otherwise the named fallback layer
    out = call("RFM_RULE_SEGMENT", col([30, 60, 200, 100]), col([6, 3, 1, 3]), col([600000, 300000, 50000, 300000]))
    assert out == [["高价值客户"], ["潜力客户"], ["流失风险客户"], ["未匹配规则客户"]]


# ----------------------------------------------------------------------------- NPS


def test_nps_hand_checked():
    # 10, 10, 9 promoters; 8 passive; 3 detractor -> (3 - 1) / 5 x 100 = 40
    assert call("NPS", col([10, 10, 9, 8, 3, ""])) == [[40.0]]
    assert call("NPS", col([10, 9, 8, 7, 6, 0])) == [[0.0]]
    assert call("NPS", col([10, 11])) == [[NUM]]  # out of range
    assert call("NPS", col([10, "很好"])) == [[VALUE]]  # text
    assert call("NPS", col(["", ""])) == [[DIV0]]  # no answers
    assert call("NPS", col([10, ERR_NA_IN])) == [[NA]]


def test_nps_breakdown_and_group():
    scores = col([10, 9, 9, 8, 7, 7, 6, 5, 10, 3])
    out = call("NPS_BREAKDOWN", scores)
    assert out == [[pytest.approx(0.4), pytest.approx(0.3), pytest.approx(0.3)]]
    assert call("NPS_BREAKDOWN", scores, True, None, "en")[0] == ["Promoters", "Passives", "Detractors"]
    assert call("NPS_GROUP", [10, 8, 6, ""]) == [["推荐者", "中立者", "贬损者", ""]]
    assert call("NPS_GROUP", 12) == [[NUM]]


# ----------------------------------------------------------------------------- value


def test_ltv_seed_004():
    assert call("LTV", 10000, 4, 3) == [[120000.0]]  # 10,000 x 4 x 3
    assert call("LTV", 10000, 4, 3, 20000) == [[6.0]]  # ... / 20,000 (seed 004's ratio)
    assert call("LTV_CAC", 10000, 4, 3, 20000) == [[6.0]]
    assert call("LTV", 10000, 4) == [[120000.0]]  # blank lifespan: the default 3 years
    assert call("LTV_CAC", 10000, 4, 3, 0) == [[DIV0]]
    assert call("LTV", col([10000, -1, "x", 1e308]), 4, 3) == [[120000.0], [NUM], [VALUE], [NUM]]


def test_aov():
    assert call("AOV", col([100, 300, "", 200])) == [[200.0]]
    assert call("AOV", col([100, 300, 200]), col(["C1", "C1", "C2"])) == [[300.0]]
    assert call("AOV", col(["", ""])) == [[DIV0]]
    assert call("AOV", col([100, "abc"])) == [[VALUE]]


# ----------------------------------------------------------------------------- rates


def test_repurchase_rates():
    ids = col(["C1", "C1", "C2", "C3", "C3", "C3"])
    assert call("REPURCHASE_RATE", ids) == [[pytest.approx(2 / 3)]]
    dates = col([serial(2023, 1, 5), serial(2024, 8, 1), serial(2024, 9, 1), serial(2024, 5, 1), serial(2024, 6, 1),
                 serial(2024, 7, 1)])
    # last 12 months before 2024-09-30: C1 1 order, C2 1, C3 3 -> 1 / 3
    assert call("REPURCHASE_RATE", ids, dates, AS_OF, 12) == [[pytest.approx(1 / 3)]]
    # first purchases in the last 12 months: C2 (one order) and C3 (three) -> 1 / 2; C1 started in 2023
    assert call("NEW_CUSTOMER_REPURCHASE_RATE", ids, dates, AS_OF) == [[0.5]]
    # an error cell in the data is the result, as with SUM
    assert call("REPURCHASE_RATE", col(["C1", ERR_NA_IN])) == [[NA]]
    assert call("NEW_CUSTOMER_REPURCHASE_RATE", ids, col([1.0, 2.0, "x", 4.0, 5.0, 6.0])) == [[VALUE]]


def test_conversion_complaint_response_renewal():
    assert call("CONVERSION_RATE", 15, 60) == [[0.25]]
    assert call("CONVERSION_RATE", col(["成交", "商机", "丢失", "成交", ""])) == [[0.5]]
    assert call("CONVERSION_RATE", 5, 0) == [[DIV0]]
    assert call("COMPLAINT_RATE", 3, 120) == [[0.025]]
    assert call("COMPLAINT_RATE", col(["C1", "C2", "C1"]), col(["C1", "C2", "C3", "C4"])) == [[0.5]]
    assert call("RESPONSE_RATE", 45, 60) == [[0.75]]
    assert call("RESPONSE_RATE", col(["是", "否", "是", "", "yes"])) == [[0.75]]
    assert call("RENEWAL_RATE", col(["已续签", "未续签"])) == [[0.5]]
    assert call("RENEWAL_RATE", 18, 20) == [[0.9]]
    assert call("COMPLAINT_RATE", col(["C1", ERR_NA_IN]), 10) == [[NA]]
    assert call("AOV", col([1, 2]), col(["C1", ERR_NA_IN])) == [[NA]]


# ----------------------------------------------------------------------------- churn


def test_churn_risk_and_reasons_per_row():
    last = col([serial(2024, 9, 15), serial(2024, 7, 20), serial(2024, 3, 10), ""])
    args = (last, col([3, 1, 0, ""]), col([3, 4, 1, ""]), col([0, 0, 3, ""]), AS_OF)
    # C002: 1 vs 4 orders (-75% >= 50%) -> 1 signal -> 中; C003: 204 days > 180 and 3 negative -> 高
    assert call("CHURN_RISK", *args) == [["低"], ["中"], ["高"], [""]]
    reasons = call("CHURN_REASONS", *args)
    assert reasons[0] == [""]
    assert reasons[1] == ["近3个月购买1次，较前3个月4次下降75%"]
    assert reasons[2] == ["已204天未购买；负面反馈3次"]
    assert call("CHURN_RISK", *args, None, None, None, None, "en")[2] == ["High"]
    # days instead of a date; optional unresolved complaints and timeouts
    assert call("CHURN_RISK", 20, 3, 3, 0, None, 1, 2) == [["高"]]


# ----------------------------------------------------------------------------- the demo data


@pytest.fixture(scope="module")
def demo():
    data = demo_crm_data(400, seed=7)
    settings = AnalysisSettings()
    as_of = resolve_analysis_date(data, settings)
    rfm = rfm_table(data, settings)
    layers = assign_layers(rfm, data.orders, as_of, settings)
    return data, settings, as_of, layers


def test_rfm_scores_equal_the_core_on_demo_data(demo):
    data, settings, as_of, layers = demo
    dates = col(convert.datetime64_to_serial(layers["last_purchase_date"].to_numpy()).tolist())
    out = call("RFM_SCORES", dates, col(layers["frequency"].tolist()), col(layers["monetary"].tolist()),
               float(convert.datetime64_to_serial(np.array([as_of.to_datetime64()]))[0]))
    expected = layers[["r_score", "f_score", "m_score", "rfm_total"]].to_numpy(dtype=float).tolist()
    assert out == expected
    seg = call("RFM_SEGMENT", [[r[0]] for r in out], [[r[1]] for r in out], [[r[2]] for r in out])
    assert [s[0] for s in seg] == layers["layer_label"].tolist()


def test_churn_equals_the_core_on_demo_data(demo):
    data, settings, as_of, layers = demo
    t = core_churn.churn_table(data, settings, layers=layers)
    args = (col(t["days_since_last"].tolist()), col(t["orders_last"].tolist()), col(t["orders_prev"].tolist()),
            col(t["negative_feedback"].tolist()), None, col(t["unresolved_complaints"].tolist()),
            col(t["response_timeouts"].tolist()), col(t["usual_gap_days"].astype(object).where(t["usual_gap_days"].notna(), "").tolist()))
    assert [r[0] for r in call("CHURN_RISK", *args)] == t["risk_label"].tolist()
    assert [r[0] for r in call("CHURN_REASONS", *args)] == t["reasons"].tolist()


def test_nps_and_aov_equal_the_core_on_demo_data(demo):
    data = demo[0]
    s = data.interactions["nps_score"].dropna()
    assert len(s) > 100
    assert call("NPS", col(s.tolist()))[0][0] == pytest.approx(core_kpis.nps(s))
    amounts = data.orders["amount"].dropna()
    assert call("AOV", col(amounts.tolist()))[0][0] == pytest.approx(core_kpis.aov(amounts))
    ids = data.orders["customer_id"].astype(str).tolist()
    assert call("REPURCHASE_RATE", col(ids))[0][0] == pytest.approx(
        core_kpis.repurchase_rate(data.orders.groupby("customer_id").size()))


# ----------------------------------------------------------------------------- CLV (issue 9)


@pytest.fixture(scope="module")
def cdnow():
    import importlib.resources

    path = importlib.resources.files("lifetimes") / "datasets" / "cdnow_customers_summary_with_transactions.csv"
    ref = pd.read_csv(path)
    return pd.DataFrame({"frequency": ref["x"].astype(float), "recency": ref["t_x"], "T": ref["T"],
                         "monetary_value": ref["zbar"]})


def test_clv_fit_spills_the_published_parameters(cdnow):
    """Fader, Hardie & Lee (2005), CDNOW 2,357 customers: r = 0.243, alpha = 4.414, a = 0.793,
    b = 2.426; Gamma-Gamma p = 6.25, q = 3.74, gamma = 15.44 (see tests/test_clv.py)."""
    out = call("CLV_FIT", col(cdnow["frequency"].tolist()), col(cdnow["recency"].tolist()), col(cdnow["T"].tolist()),
               col(cdnow["monetary_value"].tolist()))
    assert out[0] == ["参数", "估计值", "标准误"]
    est = {r[0]: r[1] for r in out[1:]}
    assert [round(est[k], 3) for k in ("r", "alpha", "a", "b")] == [0.243, 4.414, 0.793, 2.426]
    # from the summary's 2-decimal averages: within their rounding (tests/test_clv.py)
    assert [est["p"], est["q"], est["gamma"]] == pytest.approx([6.25, 3.74, 15.44], abs=0.01)
    core = core_clv.GammaGammaModel().fit(cdnow)
    assert [est[k] for k in ("p", "q", "gamma")] == [core.params_[k] for k in ("p", "q", "gamma")]
    assert all(isinstance(r[2], float) and r[2] > 0 for r in out[1:])


def test_p_alive_clv_purchases_and_clv_from_the_fitted_range(cdnow):
    fit = call("CLV_FIT", col(cdnow["frequency"].tolist()), col(cdnow["recency"].tolist()), col(cdnow["T"].tolist()),
               col(cdnow["monetary_value"].tolist()))
    params = {r[0]: r[1] for r in fit[1:]}
    bg = {k: params[k] for k in core_clv.BGNBD_PARAMS}
    gg = {k: params[k] for k in core_clv.GAMMA_GAMMA_PARAMS}
    # the published individual prediction: x = 2, t_x = 30.43, T = 38.86 -> E[Y(39)] = 1.226
    published = [[0.243], [4.414], [0.793], [2.426]]
    assert round(call("CLV_PURCHASES", 2, 30.43, 38.86, 39, published)[0][0], 3) == 1.226
    head = cdnow.head(50)
    x, tx, T, m = (col(head[c].tolist()) for c in ("frequency", "recency", "T", "monetary_value"))
    p_alive = call("P_ALIVE", x, tx, T, fit)
    assert [r[0] for r in p_alive] == pytest.approx(core_clv.bgnbd_p_alive(bg, head["frequency"], head["recency"],
                                                                           head["T"]).tolist(), rel=1e-12)
    purchases = call("CLV_PURCHASES", x, tx, T, 39, fit)
    assert [r[0] for r in purchases] == pytest.approx(core_clv.bgnbd_conditional_expected_purchases(
        bg, 39, head["frequency"], head["recency"], head["T"]).tolist(), rel=1e-12)
    value = call("CLV", x, tx, T, m, fit, fit, 12, 0.01, "weeks")
    assert [r[0] for r in value] == pytest.approx(core_clv.customer_lifetime_value(
        bg, gg, head["frequency"], head["recency"], head["T"], head["monetary_value"], horizon_months=12,
        monthly_discount_rate=0.01, periods_per_month=(365.25 / 12) / 7).tolist(), rel=1e-12)


def test_clv_functions_mark_bad_rows_and_keep_the_others():
    params = [[0.243, 4.414, 0.793, 2.426]]
    out = call("P_ALIVE", col([2, 1, 0, 1.5, "", "x"]), col([30.43, 40, 5, 3, "", 1]), col([38.86, 38, 10, 5, "", 2]),
               params)
    assert out[0][0] == pytest.approx(0.7266, abs=1e-4)
    assert out[1:] == [[NUM], [NUM], [NUM], [""], [VALUE]]  # recency > T; x = 0 with recency; x not whole
    assert call("P_ALIVE", 2, 30, 38, [[1, 2]])[0][0].startswith("#VALUE! ")
    msg = call("CLV_FIT", col([1, 2, 3]), col([1, 2, 3]), col([5, 5, 5]))[0][0]
    assert msg.startswith("#VALUE! ") and "4" in msg  # the model needs at least 4 customers


# ----------------------------------------------------------------------------- conversion


def test_classic_com_values_convert_like_office_js():
    # COM: tuples, None for blanks, datetimes (tz-aware from pywin32), CVErr integers
    cells = convert.read(((dt.datetime(2024, 9, 15, tzinfo=dt.timezone.utc),), (None,), (-2146826246,), ("x",)), "date")
    assert cells.values[0, 0] == T1_DATES[0]
    assert cells.blank[:, 0].tolist() == [False, True, False, False]
    assert [convert.ERRORS[c - 1] if c else "" for c in cells.err[:, 0]] == ["", "", "#N/A", "#VALUE!"]
    fast = convert.read(((1.0,), (None,), (-2146826273,)), "number")  # the numeric fast path
    assert fast.err[:, 0].tolist() == [0, 0, convert.VALUE] and fast.blank[:, 0].tolist() == [False, True, False]


def test_classic_addin_gets_error_text_and_office_js_runtime_below_1_4_too():
    r = convert.Result(np.array([[1.0, np.nan]]), np.array([[0, convert.DIV0]]))
    assert convert.ResultConverter.write_value(r, {}) == [[1.0, "#DIV/0!"]]
    assert convert.ResultConverter.write_value(r, {"runtime": "1.3"}) == [[1.0, "#DIV/0!"]]
    assert convert.ResultConverter.write_value(r, {"runtime": "1.4"}) == [[1.0, DIV0]]
    assert call("NPS", col([10, 11]), runtime="1.3") == [["#NUM!"]]


def test_no_call_ever_raises_or_shows_a_traceback():
    weird = [None, "", "abc", ERR_NA_IN, [[1, "x"], [None, True]], -1, 1e300, [[dt.datetime(2024, 1, 1)]]]
    for name in udfs.UDF_NAMES:
        n = len(udfs.__dict__[name].__xlfunc__["args"])
        for w in weird:
            out = call(name, *([w] * n))
            text = json.dumps(out, ensure_ascii=False, default=str)
            assert "Traceback" not in text and "File \"" not in text, (name, w, text)


# ----------------------------------------------------------------------------- metadata


def _meta():
    return custom_functions_meta(udfs)


def test_text_that_is_neither_number_nor_date_is_a_value_error_not_an_internal_error():
    """Found by the Pyodide comparison: on pandas 3 the parsed numbers came back read-only
    and writing the dates into them raised (an internal error in the cell)."""
    mixed = [[1, "x"], [None, True]]
    out = call("CHURN_RISK", *[mixed] * 10)
    assert "内部错误" not in json.dumps(out, ensure_ascii=False) and out[0][0].startswith("#VALUE! ")
    assert call("RFM_SCORE", col(["x", "2024-09-15"]), "R", None, AS_OF) == [[VALUE], [5.0]]


def test_metadata_is_golden():
    meta = _meta()
    if os.environ.get("CRM_XL_UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    assert meta == json.loads(GOLDEN.read_text(encoding="utf-8"))


def test_metadata_help_texts_fit_the_function_wizard():
    """Every function and argument has zh | en help, within Excel's 255-character limit."""
    meta = _meta()
    names = {f["name"] for f in meta["functions"]}
    assert names == set(udfs.UDF_NAMES)
    for f in meta["functions"]:
        assert " | " in f["description"] and len(f["description"]) <= 255, f["name"]
        for p in f["parameters"]:
            assert " | " in p["description"] and len(p["description"]) <= 255, (f["name"], p["name"])


def test_desktop_import_without_the_server_environment():
    """The classic add-in imports the module with plain xlwings (UDF Modules =
    crm_xl.excel.udfs); off Windows the decorators are no-ops and the functions still run."""
    env = {k: v for k, v in os.environ.items() if k not in ("XLWINGS_ON_SERVER", "XLWINGS_LICENSE_KEY")}
    env["PYTHONPATH"] = str(ROOT)
    code = ("import crm_xl.excel.udfs as u, xlwings; assert not xlwings.on_server; "
            "r = u.RFM_SCORE([[12]], 'F'); print(r.values.tolist(), hasattr(u.RFM_SCORE, '__xlfunc__'))")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[[5.0]] False"


def test_lite_main_registers_every_function():
    import importlib

    main = importlib.import_module("crm_xl.excel.lite.main")
    meta = custom_functions_meta(main)
    assert {f["name"] for f in meta["functions"]} == set(udfs.UDF_NAMES)
    req = (ROOT / "crm_xl" / "excel" / "lite" / "requirements.txt").read_text(encoding="utf-8")
    # the xlwings Lite pin (what Lite installs), whichever xlwings this run has (the CI matrix)
    assert "\nxlwings==0.37.8\n" in req and "crm-xl" in req


# ----------------------------------------------------------------------------- language (issue 16 item 4)


def _language_calls():
    """Every worksheet function, with arguments that give a value and with arguments that
    give an error reason (texts in the answer's language)."""
    fit_rows = [col([2, 1, 0, 3, 5, 0, 1, 2]), col([30, 20, 0, 60, 80, 0, 10, 40]), col([100, 90, 80, 120, 100, 60, 50, 70])]
    params = [[0.243], [4.414], [0.793], [2.426]]
    gg = [[6.25], [3.74], [15.44]]
    last = col([serial(2024, 9, 15), serial(2024, 7, 20), serial(2024, 3, 10), ""])
    churn = (last, col([3, 1, 0, ""]), col([3, 4, 1, ""]), col([0, 0, 3, ""]), AS_OF)
    return [
        ("RFM_SCORE", 150000, "M"), ("RFM_SCORE", 15, "X"), ("RFM_SCORE", 15, "R", "40,30"),
        ("RFM_SCORES", col(T1_DATES), col(T1_FREQ), col(T1_AMOUNT), AS_OF),
        ("RFM_SCORES", col(T1_DATES), col(T1_FREQ), col(T1_AMOUNT), AS_OF, [["name", "value"], ["recency_breakpoints_days", "30, 20"]]),
        ("RFM_TOTAL", 5, 5, 5), ("RFM_TOTAL", "x", 5, 5),
        ("RFM_SEGMENT", col([5, 3, 1]), col([5, 4, 2]), col([5, 4, 2])), ("RFM_SEGMENT", 5, 5, 5, "rfm11"),
        ("RFM_SEGMENT", 5, 5, 5, "rules"),
        ("RFM_RULE_SEGMENT", col([30, 60, 200, 100]), col([6, 3, 1, 3]), col([600000, 300000, 50000, 300000])),
        ("NPS", col([10, 9, 8, 3])), ("NPS", col([10, 11])), ("NPS_BREAKDOWN", col([10, 9, 8, 3]), True),
        ("NPS_GROUP", [10, 8, 6, ""]), ("LTV", 10000, 4, 3), ("LTV", 10000, 4, 3, "x"), ("LTV_CAC", 10000, 4, 3, 20000),
        ("AOV", col([100, 300, 200]), col(["C1", "C1", "C2"])), ("AOV", col([100]), col(["C1", "C2"])),
        ("REPURCHASE_RATE", col(["C1", "C1", "C2"])), ("REPURCHASE_RATE", col(["C1", "C2"]), col([AS_OF])),
        ("NEW_CUSTOMER_REPURCHASE_RATE", col(["C1", "C1", "C2"]), col([AS_OF - 60, AS_OF - 30, AS_OF - 10]), AS_OF),
        ("CONVERSION_RATE", col(["成交", "商机", "丢失"])), ("CONVERSION_RATE", col([1, 2]), col([3])),
        ("COMPLAINT_RATE", 3, 120), ("COMPLAINT_RATE", [[1, 2], [3, 4]], 10), ("RESPONSE_RATE", col(["是", "否"])),
        ("RENEWAL_RATE", col(["已续签", "未续签"])), ("RENEWAL_RATE", "x", "y"),
        ("CHURN_RISK", *churn), ("CHURN_REASONS", *churn), ("CHURN_RISK", 20, 3, 3, 0, None, 1, 2),
        ("CHURN_RISK", 20, 3, 3, 0, None, None, None, None, None, "fr"),
        ("CLV_FIT", *fit_rows), ("CLV_FIT", col([1, 2, 3]), col([1, 2, 3]), col([5, 5, 5])),
        ("P_ALIVE", 2, 30.43, 38.86, params), ("P_ALIVE", 2, 30, 38, [[1, 2]]),
        ("CLV_PURCHASES", 2, 30.43, 38.86, 39, params), ("CLV_PURCHASES", 2, 30.43, 38.86, 39, [[1]]),
        ("CLV", 2, 30.43, 38.86, 35.0, params, gg, 12, 0.01, "weeks"), ("CLV", 2, 30.43, 38.86, 35.0, params, gg, 12, 0.01, "years"),
    ]


def _has_chinese(value) -> bool:
    return any("\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" for ch in json.dumps(value, ensure_ascii=False))


def _english_lite_main(tmp_path):
    import importlib.util

    from crm_xl.excel.lite import lite_files

    path = tmp_path / "main.py"
    path.write_text(lite_files("en")["main.py"], encoding="utf-8")
    spec = importlib.util.spec_from_file_location("crm_lite_main_en_lang", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_english_worksheet_functions_never_answer_in_chinese(tmp_path):
    """The English template's Lite main.py (and crm_xl.excel.udfs_en, what ``crm-xl udfs
    config --lang en`` registers) answers every function, values and error reasons, in
    English; the Chinese module answers the same calls in Chinese."""
    from crm_xl.excel import udfs_en

    calls = _language_calls()
    assert {c[0] for c in calls} == set(udfs.UDF_NAMES)  # every function
    for module in (udfs_en, _english_lite_main(tmp_path)):
        assert {f["name"] for f in custom_functions_meta(module)["functions"]} == set(udfs.UDF_NAMES)
        for name, *args in calls:
            out = call(name, *args, module=module)
            assert not _has_chinese(out), (module.__name__, name, out)
    assert call("CHURN_RISK", 20, 3, 3, 0, None, 1, 2, module=udfs_en) == [["High"]]
    assert call("CHURN_RISK", 20, 3, 3, 0, None, 1, 2) == [["高"]]
    assert call("RFM_SCORE", 15, "X", module=udfs_en) == [["#VALUE! unknown score type 'X': use R, F or M"]]
    zh = [c for c in calls if _has_chinese(call(*c))]
    assert {c[0] for c in zh} >= {"CHURN_RISK", "CHURN_REASONS", "RFM_SEGMENT", "NPS_GROUP", "CLV_FIT", "RFM_SCORE"}


def test_an_explicit_language_still_wins_over_the_workbook_language():
    from crm_xl.excel import udfs_en

    r, f, m = col([5, 3, 1]), col([5, 4, 2]), col([5, 4, 2])
    assert call("RFM_SEGMENT", r, f, m, None, None, "zh", module=udfs_en) == [["高价值客户"], ["潜力客户"], ["流失风险客户"]]
    assert call("RFM_SEGMENT", r, f, m, None, None, "en") == [["High value"], ["Potential"], ["Churn risk"]]
    # the 设置 sheet's lang row is the workbook's language; a range without one keeps the module's
    zh_sheet = [["name", "value"], ["lang", "zh"]]
    assert call("RFM_SEGMENT", r, f, m, None, zh_sheet, module=udfs_en)[0] == ["高价值客户"]
    no_lang = [["name", "value"], ["rfm_weights", "1,1,1"]]
    assert call("RFM_SEGMENT", r, f, m, None, no_lang, module=udfs_en)[0] == ["High value"]
    assert call("RFM_SEGMENT", r, f, m, None, no_lang)[0] == ["高价值客户"]


def test_udfs_config_lang_en_registers_the_english_functions(tmp_path):
    from crm_xl.cli import main
    from crm_xl.excel.udf_setup import merge_config

    assert main(["udfs", "config", "--dir", str(tmp_path), "--interpreter", "python", "--lang", "en"]) == 0
    assert '"UDF MODULES","crm_xl.excel.udfs_en"' in (tmp_path / "xlwings.conf").read_text(encoding="utf-8")
    # switching language replaces crm_xl's module (same function names) and keeps the user's
    merged = merge_config('"UDF MODULES","mymod;crm_xl.excel.udfs"\n', [("UDF MODULES", "crm_xl.excel.udfs_en")])
    assert merged == '"UDF MODULES","mymod;crm_xl.excel.udfs_en"\n'


# ----------------------------------------------------------------------------- demo sheet and CLI


def test_udf_demo_sheet_formulas_give_the_expected_results():
    """Evaluate the demo sheet's per-row formulas with the functions themselves."""
    from crm_xl.report.spec import ReportSpec
    from crm_xl.report.udf_sheet import udf_demo_sheet

    for lang in ("zh", "en"):
        sheet = udf_demo_sheet(lang)
        ReportSpec((sheet,), lang=lang).validate()
        table = sheet.table("UdfCustomers")
        formulas = {c.key: c.formula for c in table.columns if c.formula}
        used = {name for f in formulas.values() for name in udfs.UDF_NAMES if f"={name}(" in f}
        assert used >= {"RFM_SCORE", "RFM_TOTAL", "RFM_SEGMENT", "LTV", "CHURN_RISK", "CHURN_REASONS"}
    sheet = udf_demo_sheet("zh")
    d = sheet.table("UdfCustomers").data
    dates = col(convert.datetime64_to_serial(d["last_purchase_date"].to_numpy()).tolist())
    scores = call("RFM_SCORES", dates, col(d["frequency"].tolist()), col(d["monetary"].tolist()), AS_OF)
    assert scores == T1_EXPECTED
    risk = call("CHURN_RISK", dates, col(d["orders_last"].tolist()), col(d["orders_prev"].tolist()),
                col(d["negative_feedback"].tolist()), AS_OF)
    assert [r[0] for r in risk] == ["低", "中", "高"]
    assert call("NPS", col(sheet.table("UdfSurvey").data["score"].tolist())) == [[10.0]]


def test_cli_udfs_config_prints_and_merges(tmp_path):
    from crm_xl.cli import main
    from crm_xl.excel.udf_setup import merge_config

    assert main(["udfs", "config", "--dir", str(tmp_path), "--interpreter", "C:\\Python\\python.exe"]) == 0
    text = (tmp_path / "xlwings.conf").read_text(encoding="utf-8")
    assert '"UDF MODULES","crm_xl.excel.udfs"' in text and "C:\\Python\\python.exe" in text
    merged = merge_config('"UDF MODULES","mymod"\n"LICENSE_KEY","k"\n', [("UDF MODULES", "crm_xl.excel.udfs")])
    assert merged == '"UDF MODULES","mymod;crm_xl.excel.udfs"\n"LICENSE_KEY","k"\n'
    assert main(["udfs", "lite", "-o", str(tmp_path / "lite")]) == 0
    shipped = (ROOT / "crm_xl" / "excel" / "lite" / "main.py").read_text(encoding="utf-8")
    assert (tmp_path / "lite" / "main.py").read_text(encoding="utf-8") == shipped
