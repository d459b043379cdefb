"""Predictive customer value in the report (issue 9, item 3): the glue from cleaned data to
per-customer predictions, model summary and calibration check (crm_xl.core.clv_report), and
the 客户价值预测 sheet (crm_xl.report.clv_sheet).

The models themselves are verified against the papers and lifetimes in tests/test_clv.py;
here the numbers are checked by hand (a four-order history) or by identities of the model
that hold exactly: with no discounting the CLV is expected spend x expected purchases over
the horizon; a customer without repeat purchases has P(alive) = 1 and the population mean
spend p*gamma/(q-1).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import openpyxl
import pandas as pd
import pytest

from crm_xl.core import clv_report
from crm_xl.core.analysis import analyze
from crm_xl.core.churn import churn_table
from crm_xl.core.clean import clean_dataset
from crm_xl.core.clv import BetaGeoModel, GammaGammaModel, ModelFitError
from crm_xl.core.clv_report import CLV_COLUMNS, clv_analysis, prepared_clv_summary
from crm_xl.core.clv_summary import calibration_holdout_summary, clv_summary
from crm_xl.core.dataset import CrmData
from crm_xl.core.prepared import prepare
from crm_xl.demo import generate_demo
from crm_xl.errors import SettingsError
from crm_xl.render.xlsx import render_workbook
from crm_xl.report.build import build_report
from crm_xl.report.clv_sheet import CLV_SHEET_COLUMNS, clv_sheet
from crm_xl.report.spec import ReportSpec
from crm_xl.settings import AnalysisSettings, settings_from_rows, settings_to_rows


def _orders(rows):
    o = pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"])
    o["order_date"] = pd.to_datetime(o["order_date"])
    o["order_id"] = [f"O{i}" for i in range(len(o))]
    return o


@pytest.fixture(scope="module")
def demo():
    return clean_dataset(generate_demo(60, seed=7)).data


@pytest.fixture(scope="module")
def result(demo):
    return clv_analysis(demo, AnalysisSettings())


# ----------------------------------------------------------------------------- summary

def test_summary_by_hand():
    # C1: 2024-01-01 (100 + 50 the same day = one purchase of 150), 01-15 (80), 02-12 (120);
    # C2: 2024-01-08 (30) only. Analysis date 2024-02-26, weeks.
    o = _orders([("C1", "2024-01-01", 100.0), ("C1", "2024-01-01", 50.0), ("C1", "2024-01-15", 80.0),
                 ("C1", "2024-02-12", 120.0), ("C2", "2024-01-08", 30.0)])
    s = AnalysisSettings(analysis_date=dt.date(2024, 2, 26))
    p = prepare(CrmData(customers=pd.DataFrame({"customer_id": ["C1", "C2"]}), orders=o), s)
    summary, cal = prepared_clv_summary(p, "weeks", holdout_months=1)
    c1, c2 = summary.loc["C1"], summary.loc["C2"]
    # repeat purchases 2 (01-15, 02-12); last - first = 42 days = 6 weeks; age 56 days = 8 weeks;
    # mean repeat amount (80 + 120) / 2 = 100 (the first purchase is not counted)
    cols = ["frequency", "recency", "T", "monetary_value"]
    assert c1[cols].tolist() == [2, 6, 8, 100]
    assert c2[cols].tolist() == [0, 0, 7, 0]
    # holdout = the last month: calibration ends 2024-01-26 (one calendar month before 02-26)
    assert cal.attrs["calibration_end"] == pd.Timestamp("2024-01-26")
    k1, k2 = cal.loc["C1"], cal.loc["C2"]
    assert (k1.frequency_cal, k1.recency_cal, k1.monetary_value_cal) == (1, 2, 80)
    assert k1.T_cal == pytest.approx(25 / 7) and k2.T_cal == pytest.approx(18 / 7)
    assert (k1.frequency_holdout, k1.monetary_value_holdout, k2.frequency_holdout) == (1, 120, 0)
    assert k1.duration_holdout == pytest.approx(31 / 7)


def test_summary_matches_clv_summary_on_the_demo(demo):
    s = AnalysisSettings()
    p = prepare(demo, s)
    for unit in ("days", "weeks", "months"):
        ours, cal = prepared_clv_summary(p, unit, holdout_months=6)
        ref = clv_summary(demo.orders, unit=unit, observation_end=p.as_of).loc[ours.index]
        cols = ["frequency", "recency", "T", "monetary_value", "first_purchase", "last_purchase"]
        pd.testing.assert_frame_equal(ours[cols], ref[cols], check_exact=False, rtol=1e-12, check_index_type=False,
                                      check_dtype=False)
        ref = calibration_holdout_summary(demo.orders, calibration_end=cal.attrs["calibration_end"],
                                          observation_end=p.as_of, unit=unit).loc[cal.index]
        pd.testing.assert_frame_equal(cal[ref.columns], ref, check_exact=False, rtol=1e-12, check_index_type=False,
                                      check_dtype=False)


def test_unknown_customer_ids_are_left_out():
    o = _orders([("未知", "2024-01-01", 10.0), ("未知", "2024-02-01", 10.0), ("C1", "2024-01-01", 5.0)])
    p = prepare(CrmData(customers=pd.DataFrame({"customer_id": ["C1"]}), orders=o), AnalysisSettings())
    summary, _ = prepared_clv_summary(p, "weeks")
    assert list(summary.index) == ["C1"]


# ----------------------------------------------------------------------------- predictions

def test_predictions_are_the_models_predictions(result, demo):
    r = result
    assert r.status == "ok" and r.ok
    pr = r.predictions
    assert list(pr.columns) == list(CLV_COLUMNS)
    summary, _ = prepared_clv_summary(prepare(demo, AnalysisSettings()), "weeks")
    summ = summary.loc[pr["customer_id"]]
    ppm = 30.4375 / 7
    bg = BetaGeoModel.from_params(r.bgnbd.params_)
    for h in (3, 6, 12):
        np.testing.assert_allclose(pr[f"purchases_{h}m"], bg.conditional_expected_purchases(h * ppm, summ), rtol=1e-12)
    np.testing.assert_allclose(pr["p_alive"], bg.p_alive(summ), rtol=1e-12)
    gg = GammaGammaModel.from_params(r.gamma_gamma.params_)
    np.testing.assert_allclose(pr["expected_spend"], gg.expected_spend(summ), rtol=1e-12)
    assert r.periods_per_month == pytest.approx(ppm)


def test_sorted_by_clv_with_rank(result):
    pr = result.predictions
    assert pr["clv"].is_monotonic_decreasing
    assert pr["clv_rank"].tolist() == list(range(1, len(pr) + 1))  # no ties in continuous values


def test_undiscounted_clv_is_spend_times_purchases(demo):
    # sum over months of the increments of E[Y(t)] telescopes to E[Y(H months)]
    s = AnalysisSettings(clv_discount_rate=0.0, clv_holdout_months=0)
    pr = clv_analysis(demo, s).predictions
    np.testing.assert_allclose(pr["clv"], pr["expected_spend"] * pr["purchases_12m"], rtol=1e-10)
    pr3 = clv_analysis(demo, s.replace(clv_horizon_months=3, clv_margin=0.25)).predictions.set_index("customer_id")
    np.testing.assert_allclose(pr3["clv"], 0.25 * pr3["expected_spend"] * pr3["purchases_3m"], rtol=1e-10)
    # discounting lowers every positive value
    disc = clv_analysis(demo, AnalysisSettings(clv_holdout_months=0)).predictions.set_index("customer_id")
    und = pr.set_index("customer_id").loc[disc.index]
    assert ((disc["clv"] < und["clv"]) | (und["clv"] == 0)).all()


def test_a_one_time_buyer_is_alive_with_the_population_mean_spend(demo):
    # add a customer with one order on the analysis date: frequency 0
    as_of = demo.orders["order_date"].max()
    orders = pd.concat([demo.orders, _orders([("NEW1", as_of, 999.0)])], ignore_index=True)
    data = CrmData(customers=demo.customers, orders=orders)
    r = clv_analysis(data, AnalysisSettings())
    row = r.predictions.set_index("customer_id").loc["NEW1"]
    p, q, g = (r.gamma_gamma.params_[k] for k in ("p", "q", "gamma"))
    assert row.frequency == 0 and row.p_alive == 1.0
    assert row.expected_spend == pytest.approx(p * g / (q - 1), rel=1e-12)


def test_model_summary_and_independence_verdict(result):
    par = result.parameters
    assert par["parameter"].tolist() == ["r", "alpha", "a", "b", "p", "q", "gamma"]
    assert par.set_index("parameter").loc["r", "estimate"] == result.bgnbd.params_["r"]
    assert (par["meaning"].str.len() > 0).all()
    fit = result.fit.set_index("item")
    assert fit.loc["bgnbd_log_likelihood", "value"] == result.bgnbd.log_likelihood_
    assert fit.loc["customers", "value"] == len(result.predictions)
    ind = result.independence
    assert fit.loc["frequency_spend_correlation", "value"] == ind["pearson_r"]
    assert ("可按独立处理" if ind["ok"] else "可能不成立") in fit.loc["frequency_spend_correlation", "note"]
    assert any("相关系数" in n for n in result.notes)


def test_calibration_table_counts_the_holdout(result, demo):
    cal = result.calibration
    assert list(cal.columns) == ["frequency_cal", "customers", "actual", "predicted"]
    assert cal["frequency_cal"].iloc[-1] == "7+"
    # actual purchases per customer in the holdout, counted directly from the orders
    end = result.calibration_end
    assert end == result.as_of - pd.DateOffset(months=6)
    o = demo.orders.assign(day=demo.orders["order_date"].dt.normalize())
    cohort = o.groupby("customer_id")["day"].min() <= end
    cohort = cohort[cohort].index
    hold = o[(o["day"] > end) & o["customer_id"].isin(cohort)].drop_duplicates(["customer_id", "day"])
    assert cal["customers"].sum() == len(cohort)
    assert (cal["customers"] * cal["actual"]).sum() == pytest.approx(len(hold))
    fit = result.fit.set_index("item")
    assert fit.loc["holdout_actual", "value"] == len(hold)
    assert fit.loc["holdout_predicted", "value"] == pytest.approx((cal["customers"] * cal["predicted"]).sum())


def test_no_check_when_holdout_is_zero(demo):
    r = clv_analysis(demo, AnalysisSettings(clv_holdout_months=0))
    assert r.calibration.empty and r.calibration_end is None
    assert any("clv_holdout_months = 0" in n for n in r.notes)


# ----------------------------------------------------------------------------- failure paths

def test_too_few_repeat_customers_says_so(demo):
    r = clv_analysis(demo, AnalysisSettings(clv_min_repeat_customers=1000))
    n_repeat = int(r.fit.set_index("item").loc["repeat_customers", "value"])
    assert r.status == "unavailable" and not r.ok and r.predictions.empty
    assert f"只有 {n_repeat} 位客户有重复购买（少于 1000 位" in r.notes[0]
    assert r.p_alive().empty
    en = clv_analysis(demo, AnalysisSettings(lang="en", clv_min_repeat_customers=1000))
    assert en.notes[0].startswith(f"Only {n_repeat} customers have repeat purchases (fewer than 1000")


def test_a_failed_fit_is_retried_with_a_penalizer(demo, monkeypatch):
    class Stubborn(BetaGeoModel):  # plain maximum likelihood "does not converge"
        def fit(self, *args, **kwargs):
            if self.penalizer == 0:
                raise ModelFitError("不收敛", "did not converge")
            return super().fit(*args, **kwargs)

    monkeypatch.setattr(clv_report, "BetaGeoModel", Stubborn)
    r = clv_analysis(demo, AnalysisSettings())
    assert r.ok and r.penalizer == 0.001 and r.bgnbd.penalizer == 0.001
    assert "已自动改用 0.001" in r.notes[0]
    assert r.fit.set_index("item").loc["penalizer", "value"] == 0.001


def test_a_fit_that_always_fails_leaves_a_message(demo, monkeypatch):
    class Hopeless(BetaGeoModel):
        def fit(self, *args, **kwargs):
            raise ModelFitError("拟合未收敛", "the fit did not converge")

    monkeypatch.setattr(clv_report, "BetaGeoModel", Hopeless)
    r = clv_analysis(demo, AnalysisSettings(lang="en"))
    assert r.status == "unavailable"
    assert r.notes[0] == "The purchase model (BG/NBD) could not be fitted: the fit did not converge"


def test_without_a_spend_model_purchases_remain(demo, monkeypatch):
    class NoSpend(GammaGammaModel):
        def fit(self, *args, **kwargs):
            raise ModelFitError("金额模型失败", "spend model failed")

    monkeypatch.setattr(clv_report, "GammaGammaModel", NoSpend)
    r = clv_analysis(demo, AnalysisSettings())
    assert r.status == "partial" and r.ok
    assert r.notes[0].startswith("消费金额模型（Gamma-Gamma）无法拟合")
    assert r.predictions["clv"].isna().all() and r.predictions["p_alive"].notna().all()
    assert r.predictions["purchases_12m"].is_monotonic_decreasing  # sorted by purchases without a CLV
    sheet = clv_sheet(r)
    assert sheet.blocks[1].lines[1] == r.notes[0]  # said above the table


# ----------------------------------------------------------------------------- settings

def test_clv_settings_round_trip_and_validate():
    s = AnalysisSettings(clv_time_unit="days", clv_horizon_months=24, clv_discount_rate=0.005, clv_margin=0.3,
                         clv_holdout_months=3, clv_penalizer=0.01, clv_min_repeat_customers=50,
                         churn_p_alive_below=0.25, clv_max_abs_correlation=0.5)
    rows = settings_to_rows(s)
    assert settings_from_rows(rows) == s
    named = rows.set_index("name")
    assert named.loc["clv_discount_rate", "value"] == 0.005 and "贴现" in named.loc["clv_discount_rate", "description"]
    for bad in ({"clv_time_unit": "years"}, {"clv_discount_rate": 1.5}, {"clv_margin": 0.0}, {"clv_horizon_months": 0},
                {"churn_p_alive_below": -0.1}, {"clv_holdout_months": -1}):
        with pytest.raises(SettingsError):
            AnalysisSettings(**bad)


# ----------------------------------------------------------------------------- analysis and sheet

def test_analyze_carries_clv_and_feeds_churn(demo):
    res = analyze(demo, AnalysisSettings())
    assert res.clv is not None and res.clv.ok
    churn = res.churn.set_index("customer_id")["p_alive"]
    alive = res.clv.p_alive()
    np.testing.assert_allclose(churn.loc[alive.index], alive, rtol=0)
    assert res.clv.predictions.set_index("customer_id").loc[alive.index, "layer_label"].ne("").all()
    # P(alive) handed over by customer code (what analyze does) or by ID: the same warning list
    s = AnalysisSettings(churn_p_alive_below=0.9)
    p = prepare(demo, s)
    clv = clv_analysis(settings=s, prepared=p)
    by_code = churn_table(settings=s, prepared=p, p_alive=clv.p_alive_by_code(p.n))
    by_id = churn_table(settings=s, prepared=p, p_alive=clv.p_alive())
    pd.testing.assert_frame_equal(by_code, by_id)
    assert by_code["reasons"].str.contains("模型活跃概率仅").any()


def test_clv_sheet_columns_order_and_chart(result):
    sh = clv_sheet(result)
    assert sh.name == "客户价值预测"
    main = sh.table("ClvForecast")
    assert tuple(c.key for c in main.columns) == CLV_SHEET_COLUMNS
    assert [c.header for c in main.columns][:3] == ["CLV排名", "客户ID", "客户名称"]
    assert main.data["clv_rank"].tolist() == sorted(main.data["clv_rank"])
    assert main.data["customer_id"].tolist() == result.predictions["customer_id"].tolist()
    assert {t.name for t in sh.tables} == {"ClvForecast", "ClvModelFit", "ClvParameters", "ClvCalibration"}
    (chart,) = sh.charts
    assert (chart.kind, chart.table, chart.category, chart.series) == ("line", "ClvCalibration", "frequency_cal",
                                                                       ("actual", "predicted"))
    ReportSpec(sheets=(sh,)).validate()
    en = clv_sheet(result, AnalysisSettings(lang="en"))
    assert en.name == "CLV Forecast" and en.table("ClvForecast").columns[0].header == "CLV Rank"
    assert any("P(alive)" in line for b in en.blocks if hasattr(b, "lines") for line in b.lines)


def test_clv_sheet_failure_message_and_render(tmp_path, demo):
    r = clv_analysis(demo, AnalysisSettings(clv_min_repeat_customers=1000))
    sh = clv_sheet(r)
    assert sh.blocks[1].lines == (r.notes[0],)
    assert sh.table("ClvForecast").data.empty and not sh.charts
    assert {t.name for t in sh.tables} == {"ClvForecast", "ClvModelFit"}
    path = render_workbook(ReportSpec(sheets=(sh,)).validate(), tmp_path / "clv.xlsx")
    ws = openpyxl.load_workbook(path)["客户价值预测"]
    assert ws.cell(sh.blocks[1].row, 1).value == r.notes[0]


def test_report_has_the_sheet_before_charts(tmp_path):
    run = build_report(generate_demo(30, seed=7), AnalysisSettings())
    names = run.spec.sheet_names
    assert names.index("客户价值预测") == names.index("图表") - 1
    path = render_workbook(run.spec, tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["客户价值预测"]
    main = run.spec.sheet("客户价值预测").table("ClvForecast")
    assert ws.cell(main.header_row, 1).value == "CLV排名" and ws.cell(main.first_data_row, 1).value == 1
    assert len(ws._charts) == 1 and ws.freeze_panes == f"D{main.first_data_row}"
    churn = wb["流失预警"]
    headers = [c.value for c in churn[run.spec.sheet("流失预警").table("ChurnWarning").header_row]]
    assert "活跃概率(模型)" in headers


def test_clv_rank_from_the_sorted_predictions():
    from crm_xl.core.clv_report import _rank_sorted_desc

    rng = np.random.default_rng(2)
    for v in (np.array([]), np.array([np.nan, np.nan]), np.array([5.0, 5.0, 3.0, 0.0, -0.0, np.nan]),
              -np.sort(-np.round(rng.random(500), 2)), rng.random(50)):  # the last one unsorted
        np.testing.assert_array_equal(_rank_sorted_desc(v), pd.Series(v).rank(ascending=False, method="min"))
