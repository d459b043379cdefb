"""BG/NBD and Gamma-Gamma (crm_xl.core.clv): published CDNOW results, agreement with
lifetimes, analytic derivatives, numerical stability, errors.

Published figures (CDNOW 1/10th cohort: 2,357 customers, first purchase in Q1 1997,
39-week calibration period ending 1997-09-30, weeks = days / 7):

* BG/NBD: Fader, Hardie & Lee (2005), "'Counting Your Customers' the Easy Way: An
  Alternative to the Pareto/NBD Model", Marketing Science 24(2) 275-284, empirical
  analysis of the CDNOW data: r = 0.243, alpha = 4.414, a = 0.793, b = 2.426,
  LL = -9582.4; the worked conditional expectation for a customer with x = 2,
  t_x = 30.43, T = 38.86: E[Y(39) | x, t_x, T] = 1.226 (also in Fader, Hardie & Lee,
  "Implementing the BG/NBD Model for Customer Base Analysis in Excel", brucehardie.com
  note 004); holdout check for the 1,411 customers without calibration-period repeat
  purchases: actual 334 / 1411 = 0.24 purchases each, BG/NBD prediction 0.23.
* Gamma-Gamma: Fader, Hardie & Lee (2005), "RFM and CLV: Using Iso-Value Curves for
  Customer Base Analysis", JMR 42(4) 415-430, section 3 (spend model), and Fader &
  Hardie (2013), "The Gamma-Gamma Model of Monetary Value" (note 025): p = 6.25,
  q = 3.74, gamma = 15.44 on the 946 customers with repeat purchases; the 39-week
  log-likelihood -4659 (JMR section 4, stated for the spend model; it is the likelihood
  of total rather than mean spend, i.e. ours minus sum(ln x), a constant).
"""

import importlib.resources
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import hyp2f1

from crm_xl.core import clv
from crm_xl.core.clv import (
    BetaGeoModel,
    GammaGammaModel,
    ModelFitError,
    bgnbd_conditional_expected_purchases,
    bgnbd_expected_purchases,
    bgnbd_log_likelihood,
    bgnbd_p_alive,
    customer_lifetime_value,
    gamma_gamma_expected_spend,
)
from crm_xl.core.clv import bgnbd as clv_bgnbd
from crm_xl.core.clv import common as clv_common
from crm_xl.core.clv import fitting as clv_fitting
from crm_xl.core.clv import gamma_gamma as clv_gamma_gamma
from crm_xl.core.clv_summary import calibration_holdout_summary
from crm_xl.errors import CrmXlError, InputError, MissingColumnsError

from .test_clv_summary import cdnow_orders

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import lifetimes

DATASETS = importlib.resources.files("lifetimes") / "datasets"
PUBLISHED_BG = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_GG = {"p": 6.25, "q": 3.74, "gamma": 15.44}
WEEKS_PER_MONTH = 4.345  # lifetimes' factor for weekly data


@pytest.fixture(scope="module")
def published_summary():
    """The papers' per-customer statistics as shipped by lifetimes (2 decimals)."""
    ref = pd.read_csv(DATASETS / "cdnow_customers_summary_with_transactions.csv")
    return pd.DataFrame({"frequency": ref["x"].astype(float), "recency": ref["t_x"], "T": ref["T"],
                         "monetary_value": ref["zbar"]})


@pytest.fixture(scope="module")
def cal_holdout():
    return calibration_holdout_summary(cdnow_orders(), calibration_end="1997-09-30", observation_end="1998-06-30")


@pytest.fixture(scope="module")
def bg_fit(published_summary):
    return BetaGeoModel().fit(published_summary)


@pytest.fixture(scope="module")
def gg_fit(published_summary):
    return GammaGammaModel().fit(published_summary)


# ----------------------------------------------------------------------------- published results

def test_bgnbd_reproduces_fader_hardie_lee_2005(bg_fit):
    for k, v in PUBLISHED_BG.items():
        assert round(bg_fit.params_[k], 3) == v, k
    assert round(bg_fit.log_likelihood_, 1) == -9582.4
    assert bg_fit.n_customers_ == 2357 and bg_fit.at_boundary_ == ()


def test_bgnbd_from_raw_transactions_reproduces_the_paper(cal_holdout):
    cal = cal_holdout
    m = BetaGeoModel().fit(cal["frequency_cal"], cal["recency_cal"], cal["T_cal"])
    for k, v in PUBLISHED_BG.items():
        assert round(m.params_[k], 3) == v, k
    assert round(m.log_likelihood_, 1) == -9582.4
    # holdout check of the paper (zero class: actual 0.24, BG/NBD 0.23)
    table = clv.holdout_comparison(cal, m)
    assert table.loc["0", "customers"] == 1411
    assert round(table.loc["0", "actual"], 2) == 0.24
    assert round(table.loc["0", "predicted"], 2) == 0.23
    assert table["customers"].sum() == 2357


def test_bgnbd_published_individual_prediction():
    e = bgnbd_conditional_expected_purchases(PUBLISHED_BG, 39, 2, 30.43, 38.86)
    assert round(float(e), 3) == 1.226


def test_gamma_gamma_reproduces_the_published_fit(gg_fit, published_summary, cal_holdout):
    # from the raw transactions: exactly the published figures
    raw_fit = GammaGammaModel().fit(cal_holdout["frequency_cal"], cal_holdout["monetary_value_cal"])
    assert {k: round(v, 2) for k, v in raw_fit.params_.items()} == PUBLISHED_GG
    assert raw_fit.n_customers_ == 946 and raw_fit.n_excluded_ == 0
    # from the published 2-decimal averages: the same to within their rounding
    for k, v in PUBLISHED_GG.items():
        assert gg_fit.params_[k] == pytest.approx(v, abs=0.01), k
    rep = published_summary[published_summary["frequency"] > 0]
    ll_total_spend = raw_fit.log_likelihood_ - np.log(rep["frequency"]).sum()
    assert round(ll_total_spend) == -4659
    # population mean p gamma / (q - 1) vs the observed mean of the customers' averages ($35.08)
    assert raw_fit.population_mean() == pytest.approx(35.2, abs=0.05)
    assert rep["monetary_value"].mean() == pytest.approx(35.08, abs=0.005)
    # independence check: correlation 0.11 (JMR section 2.2), weak -> ok
    assert round(raw_fit.independence_["pearson_r"], 2) == 0.11
    assert raw_fit.independence_["ok"]
    assert "0.11" in raw_fit.independence_note("zh") and "0.11" in raw_fit.independence_note("en")


def test_gamma_gamma_published_params_are_at_the_optimum(published_summary):
    # the published (rounded) parameters are within rounding of our optimum: their
    # log-likelihood is below ours by far less than one unit
    ll_pub = np.nansum(clv.gamma_gamma_log_likelihood(PUBLISHED_GG, published_summary["frequency"],
                                                      published_summary["monetary_value"]))
    best = GammaGammaModel().fit(published_summary).log_likelihood_
    assert best - 0.01 < ll_pub <= best


# ----------------------------------------------------------------------------- lifetimes agreement

@pytest.fixture(scope="module")
def lifetimes_models(bg_fit, gg_fit):
    bgf = lifetimes.BetaGeoFitter()
    bgf.params_ = pd.Series(bg_fit.params_)
    bgf.predict = bgf.conditional_expected_number_of_purchases_up_to_time
    ggf = lifetimes.GammaGammaFitter()
    ggf.params_ = pd.Series({"p": gg_fit.params_["p"], "q": gg_fit.params_["q"], "v": gg_fit.params_["gamma"]})
    return bgf, ggf


def test_predictions_agree_with_lifetimes(bg_fit, gg_fit, lifetimes_models, published_summary):
    bgf, ggf = lifetimes_models
    s = published_summary
    x, tx, T, m = s["frequency"], s["recency"], s["T"], s["monetary_value"]
    for t in (1.0, 13.0, 39.0, 104.0):
        np.testing.assert_allclose(bg_fit.conditional_expected_purchases(t, x, tx, T),
                                   bgf.conditional_expected_number_of_purchases_up_to_time(t, x, tx, T), rtol=1e-6)
    np.testing.assert_allclose(bg_fit.p_alive(x, tx, T), bgf.conditional_probability_alive(x, tx, T), rtol=1e-6)
    ts = np.array([0.5, 10.0, 39.0, 78.0, 520.0])
    np.testing.assert_allclose(bg_fit.expected_purchases(ts), bgf.expected_number_of_purchases_up_to_time(ts), rtol=1e-6)
    np.testing.assert_allclose(gg_fit.expected_spend(x, m), ggf.conditional_expected_average_profit(x, m), rtol=1e-6)
    ours = gg_fit.customer_lifetime_value(bg_fit, s, horizon_months=12, monthly_discount_rate=0.01,
                                          periods_per_month=WEEKS_PER_MONTH)
    theirs = ggf.customer_lifetime_value(bgf, x, tx, T, m, time=12, discount_rate=0.01, freq="W")
    np.testing.assert_allclose(ours, theirs.to_numpy(), rtol=1e-6)
    # log-likelihood: lifetimes' per-customer negative mean LL at the same parameters
    nll = bgf._negative_log_likelihood(np.log(bg_fit.params_array_), x.to_numpy(), tx.to_numpy(), T.to_numpy(),
                                       np.ones(len(s)), 0.0)
    assert bg_fit.log_likelihood_ == pytest.approx(-nll * len(s), rel=1e-9)


def test_fit_is_at_least_as_good_as_lifetimes_and_standard_errors_agree(bg_fit, gg_fit, published_summary):
    s = published_summary
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bgf = lifetimes.BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
        rep = s[s["frequency"] > 0]
        ggf = lifetimes.GammaGammaFitter().fit(rep["frequency"], rep["monetary_value"])
    ll_lt = bgnbd_log_likelihood(bgf.params_.to_dict(), s["frequency"], s["recency"], s["T"]).sum()
    assert bg_fit.log_likelihood_ >= ll_lt - 1e-8
    gg_lt = dict(p=ggf.params_["p"], q=ggf.params_["q"], gamma=ggf.params_["v"])
    assert gg_fit.log_likelihood_ >= np.nansum(clv.gamma_gamma_log_likelihood(gg_lt, rep["frequency"],
                                                                               rep["monetary_value"])) - 1e-8
    # lifetimes' standard errors: delta method on its log-parameter Hessian; same quantity
    for k in ("r", "alpha", "a", "b"):
        assert bg_fit.standard_errors_[k] == pytest.approx(bgf.standard_errors_[k], rel=1e-3)
    for k, kl in (("p", "p"), ("q", "q"), ("gamma", "v")):
        assert gg_fit.standard_errors_[k] == pytest.approx(ggf.standard_errors_[kl], rel=1e-3)


# ----------------------------------------------------------------------------- derivatives, numerics

def _numeric_jacobian(f, theta, rel=1e-6):
    cols = []
    for i in range(theta.size):
        h = rel * theta[i]
        e = np.zeros_like(theta)
        e[i] = h
        cols.append((np.asarray(f(theta + e)) - np.asarray(f(theta - e))) / (2 * h))
    return np.stack(cols, axis=-1)


@settings(max_examples=15, deadline=None)
@given(st.tuples(st.floats(0.1, 3), st.floats(0.5, 20), st.floats(0.2, 3), st.floats(0.3, 10)))
def test_bgnbd_analytic_gradient_and_hessian(theta):
    theta = np.array(theta)
    x = np.array([0, 0, 1, 2, 5, 13, 40.0])
    tx = np.array([0, 0, 3.1, 10, 20.5, 30, 38.0])
    T = np.array([5, 39, 12, 39, 38.8, 31, 39.0])
    data = clv_fitting._FitData.build(x, tx, T)
    ll, g, H = clv_bgnbd._bg_derivs(theta, data, True)
    assert ll == pytest.approx(bgnbd_log_likelihood(theta, x, tx, T).sum(), rel=1e-12)
    np.testing.assert_allclose(g, _numeric_jacobian(lambda t: clv_bgnbd._bg_derivs(t, data, False)[0], theta),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(H, _numeric_jacobian(lambda t: clv_bgnbd._bg_derivs(t, data, False)[1], theta),
                               rtol=1e-5, atol=1e-5)


@settings(max_examples=15, deadline=None)
@given(st.tuples(st.floats(0.5, 20), st.floats(1.5, 10), st.floats(1, 100)))
def test_gamma_gamma_analytic_gradient_and_hessian(theta):
    theta = np.array(theta)
    x = np.array([1, 1, 2, 3, 8, 21.0])
    m = np.array([12.5, 40, 22.1, 35, 19.9, 300.0])
    data = clv_fitting._FitData.build(x, m)
    ll, g, H = clv_gamma_gamma._gg_derivs(theta, data, True)
    assert ll == pytest.approx(np.sum(clv.gamma_gamma_log_likelihood(theta, x, m)), rel=1e-12)
    np.testing.assert_allclose(g, _numeric_jacobian(lambda t: clv_gamma_gamma._gg_derivs(t, data, False)[0], theta),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(H, _numeric_jacobian(lambda t: clv_gamma_gamma._gg_derivs(t, data, False)[1], theta),
                               rtol=1e-5, atol=1e-5)


@settings(max_examples=30, deadline=None)
@given(x=st.integers(0, 60), frac=st.floats(0, 1), T=st.floats(0.1, 200), t=st.floats(0.1, 100))
def test_euler_form_equals_the_papers_form_and_predictions_are_sane(x, frac, T, t):
    r, alpha, a, b = 0.243, 4.414, 0.793, 2.426
    tx = frac * T if x > 0 else 0.0
    z = t / (alpha + T + t)
    direct = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z)
    assert clv_bgnbd._euler_bracket(r, alpha, a, b, t, x, T) == pytest.approx(direct, rel=1e-8, abs=1e-12)
    e1 = float(bgnbd_conditional_expected_purchases(PUBLISHED_BG, t, x, tx, T))
    e2 = float(bgnbd_conditional_expected_purchases(PUBLISHED_BG, 2 * t, x, tx, T))
    assert 0 <= e1 <= e2
    p = float(bgnbd_p_alive(PUBLISHED_BG, x, tx, T))
    assert 0 <= p <= 1
    if x == 0:
        assert p == 1.0


def test_stable_for_no_repeat_purchases_and_very_long_histories():
    x = np.array([0, 0, 5000, 20000, 3])
    tx = np.array([0, 0, 99_995, 1e6, 1e-9])
    T = np.array([0, 1e6, 1e5, 1e6, 1e6])
    ll = bgnbd_log_likelihood(PUBLISHED_BG, x, tx, T)
    e = bgnbd_conditional_expected_purchases(PUBLISHED_BG, 52, x, tx, T)
    p = bgnbd_p_alive(PUBLISHED_BG, x, tx, T)
    assert np.all(np.isfinite(ll)) and np.all(np.isfinite(e)) and np.all(np.isfinite(p))
    assert np.all(e >= 0) and np.all((p >= 0) & (p <= 1))
    # a customer last seen at the start of a very long history is almost surely gone
    assert p[4] < 1e-6
    # a steady buyer (5000 purchases in 1e5 weeks, the last 5 weeks ago) buys ~ 52 * 0.05
    assert p[2] > 0.99
    assert e[2] == pytest.approx(52 * 5000 / 1e5, rel=0.02)


def _steady_buyers(n: int, seed: int):
    """BG/NBD inputs of customers who never drop out: ~10 orders each (Poisson) on days drawn
    uniformly from the two years before the analysis date (the shape of issue 20's benchmark
    orders). Their maximum-likelihood fit heads to the model's Poisson limit (r, alpha ->
    infinity), where the objective is flat to rounding."""
    rng = np.random.default_rng(seed)
    freq, rec, T = [], [], []
    for k in np.maximum(rng.poisson(10, n), 1):
        days = np.unique(rng.integers(0, 730, k))  # days before the analysis date
        freq.append(len(days) - 1)
        rec.append(float(days.max() - days.min()))
        T.append(float(days.max()))
    return np.array(freq, dtype=float), np.array(rec), np.array(T)


def test_a_fit_stalled_in_rounding_noise_ends_where_running_on_would(monkeypatch):
    """Issue 20: near the Poisson limit the gradient cannot get below ~1e-7 and the damped
    Newton steps moved one parameter by an ulp per iteration until the 200th (0.2 s of a
    10k-customer report). The fit now stops after ten such steps, at the same parameters
    and log-likelihood as letting it run to the end."""
    f, r, T = _steady_buyers(5000, 3)
    stopped = BetaGeoModel().fit(f, r, T)
    monkeypatch.setattr(clv_fitting, "_STALL_ITERATIONS", 10**9)
    ran_on = BetaGeoModel().fit(f, r, T)
    assert ran_on.n_iterations_ == 200  # (this data does stall: it used every iteration)
    assert stopped.n_iterations_ < 50
    for k in ("r", "alpha", "a", "b"):
        assert stopped.params_[k] == pytest.approx(ran_on.params_[k], rel=1e-12)
    assert stopped.log_likelihood_ == pytest.approx(ran_on.log_likelihood_, rel=1e-14)
    assert stopped.at_boundary_ == ran_on.at_boundary_ == ("alpha",)  # (alpha beyond e^15)


def test_a_equal_one_is_continuous():
    near = [{**PUBLISHED_BG, "a": a} for a in (1 - 1e-3, 1.0, 1 + 1e-3)]
    vals = [float(bgnbd_conditional_expected_purchases(p, 39, 3, 20, 39)) for p in near]
    assert vals[1] == pytest.approx(0.5 * (vals[0] + vals[2]), rel=1e-5)
    assert all(np.isfinite(bgnbd_expected_purchases(near[1], [1.0, 52.0])))


def test_predictions_are_elementwise_for_large_inputs(bg_fit, published_summary):
    s = pd.concat([published_summary] * 3, ignore_index=True)
    big = bg_fit.conditional_expected_purchases(26, s)
    small = bg_fit.conditional_expected_purchases(26, published_summary)
    np.testing.assert_allclose(big, np.tile(small, 3), rtol=1e-13)


def test_gamma_gamma_shrinks_toward_the_population_mean():
    # Fader & Hardie (2013) eq. 5: weighted average of population mean and own mean
    pm = clv.gamma_gamma_population_mean(PUBLISHED_GG)
    assert pm == pytest.approx(6.25 * 15.44 / 2.74)
    e = gamma_gamma_expected_spend(PUBLISHED_GG, [0, 1, 10], [0, 100, 100])
    w1 = 2.74 / (6.25 + 2.74)
    assert e[0] == pytest.approx(pm)
    assert e[1] == pytest.approx(w1 * pm + (1 - w1) * 100)
    assert pm < e[1] < e[2] < 100


def test_clv_hand_computed_for_one_customer():
    # one month horizon, no discounting effect check: CLV = spend * E[Y(P)] / (1 + d)
    x, tx, T, m = 2, 30.43, 38.86, 22.35
    P = 4.345
    expected = (float(gamma_gamma_expected_spend(PUBLISHED_GG, x, m))
                * float(bgnbd_conditional_expected_purchases(PUBLISHED_BG, P, x, tx, T)) / 1.01)
    got = customer_lifetime_value(PUBLISHED_BG, PUBLISHED_GG, x, tx, T, m, horizon_months=1,
                                  monthly_discount_rate=0.01, periods_per_month=P)
    assert float(got) == pytest.approx(expected, rel=1e-12)


# ----------------------------------------------------------------------------- intervals, tables

def test_confidence_and_bootstrap_intervals(bg_fit, gg_fit):
    ci = bg_fit.summary()
    assert list(ci.index) == ["r", "alpha", "a", "b"]
    assert (ci["lower"] < ci["estimate"]).all() and (ci["estimate"] < ci["upper"]).all()
    assert ci.attrs["log_likelihood"] == bg_fit.log_likelihood_
    boot = gg_fit.bootstrap(n_resamples=30, seed=1)
    est = gg_fit.params_array_
    assert (boot["lower"].to_numpy() <= est).all() and (est <= boot["upper"].to_numpy()).all()
    assert boot.attrs["failed"] == 0
    # bootstrap and Hessian standard errors are of the same size
    ratio = boot["std_error"].to_numpy() / np.array(list(gg_fit.standard_errors_.values()))
    assert np.all((ratio > 0.4) & (ratio < 2.5))


def test_prediction_table(bg_fit, gg_fit, published_summary):
    t = clv.clv_predictions(published_summary.iloc[:50], bg_fit, gg_fit, periods_per_month=WEEKS_PER_MONTH)
    assert list(t.columns) == ["purchases_3m", "purchases_6m", "purchases_12m", "p_alive", "expected_spend",
                               "clv", "clv_rank"]
    assert (t["purchases_3m"] <= t["purchases_6m"]).all() and (t["purchases_6m"] <= t["purchases_12m"]).all()
    assert t["clv_rank"].min() == 1 and t.loc[t["clv"].idxmax(), "clv_rank"] == 1


def test_from_params_and_sequences(published_summary):
    m = BetaGeoModel.from_params([0.243, 4.414, 0.793, 2.426])
    assert m.params_ == PUBLISHED_BG
    assert float(m.conditional_expected_purchases(39, 2, 30.43, 38.86)) == pytest.approx(1.226, abs=5e-4)
    with pytest.raises(InputError):
        BetaGeoModel.from_params([1, 2, 3])
    with pytest.raises(InputError):
        bgnbd_p_alive({"r": 1, "alpha": 1, "a": 1}, 1, 1, 2)


# ----------------------------------------------------------------------------- errors

def test_input_errors_are_bilingual():
    with pytest.raises(InputError) as e:
        bgnbd_p_alive(PUBLISHED_BG, 2, 40, 39)  # recency > T
    assert "recency" in e.value.message("zh") and "recency" in e.value.message("en")
    with pytest.raises(InputError):
        bgnbd_p_alive(PUBLISHED_BG, 1.5, 1, 2)
    with pytest.raises(InputError):
        bgnbd_p_alive(PUBLISHED_BG, 0, 1, 2)
    with pytest.raises(MissingColumnsError):
        BetaGeoModel().fit(pd.DataFrame({"frequency": [1, 2], "T": [3, 4]}))
    with pytest.raises(CrmXlError):
        BetaGeoModel().p_alive(1, 1, 2)  # not fitted


def test_fit_failures_raise_model_fit_error():
    with pytest.raises(ModelFitError) as e:
        BetaGeoModel().fit([0, 0, 0, 0, 0], [0, 0, 0, 0, 0], [5, 6, 7, 8, 9])
    assert e.value.message("zh") and "repeat" in e.value.message("en")
    # everyone buys like clockwork and never stops: the fit goes to the limit a -> 0 (no
    # drop-out), which is kept, named and explained rather than refused
    x = np.full(50, 10.0)
    m = BetaGeoModel().fit(x, np.full(50, 39.0), np.full(50, 39.0))
    assert "a" in m.at_boundary_ and np.isnan(m.standard_errors_["a"])
    assert "penalizer" in m.fit_note("en") and "惩罚系数" in m.fit_note("zh")
    assert float(m.p_alive(10, 39, 39)) > 0.999
    # a small penalizer keeps every parameter finite and away from the limits
    m = BetaGeoModel(penalizer=0.01).fit(x, np.full(50, 39.0), np.full(50, 39.0))
    assert m.at_boundary_ == () and m.fit_note("zh") == ""
    assert np.all(np.abs(np.log(m.params_array_)) < 5)
    assert float(m.conditional_expected_purchases(39, 10, 39, 39)) == pytest.approx(10, rel=0.1)
    with pytest.raises(ModelFitError):
        GammaGammaModel().fit([0, 1, 0], [0, 10, 0])
    with pytest.raises(ModelFitError):
        gamma_gamma_expected_spend({"p": 1, "q": 0.9, "gamma": 1}, 1, 10)


def test_a_fit_at_the_limit_jumps_there_and_loses_nothing(monkeypatch):
    # customers buy as Poisson processes with gamma-distributed rates and never drop out:
    # the maximum is at the limit a -> 0 (the NBD model). The optimiser moves a parameter
    # that is heading to a limit there in one step instead of one e-fold per iteration;
    # the log-likelihood is the same (the gradient is below 1e-10 either way)
    rng = np.random.default_rng(1)
    n = 3000
    T = rng.uniform(20, 100, n)
    x = rng.poisson(rng.gamma(1.0, 1 / 10.0, n) * T).astype(float)
    tx = np.array([rng.uniform(0, t, int(k)).max() if k else 0.0 for k, t in zip(x, T, strict=True)])
    m = BetaGeoModel().fit(x, tx, T)
    assert m.at_boundary_ == ("a",) and m.params_["a"] < 1e-9
    assert m.params_["r"] == pytest.approx(1.0, rel=0.1) and m.params_["alpha"] == pytest.approx(10, rel=0.1)
    monkeypatch.setattr(clv_fitting._Model, "_boundary_jump", staticmethod(lambda u, g, last_step: None))
    plain = BetaGeoModel().fit(x, tx, T)
    assert plain.at_boundary_ == ("a",)
    assert m.log_likelihood_ >= plain.log_likelihood_ - 1e-9 * abs(plain.log_likelihood_)
    assert m.n_iterations_ < plain.n_iterations_ - 5
    assert m.p_alive(x, tx, T) == pytest.approx(plain.p_alive(x, tx, T), rel=1e-6)


def test_independence_violation_is_reported():
    rng = np.random.default_rng(3)
    x = rng.integers(1, 30, 400).astype(float)
    m = 5 * x * rng.gamma(2, 1 / 2, 400)  # spend grows with frequency
    g = GammaGammaModel().fit(x, m)
    assert g.independence_["pearson_r"] > 0.5 and not g.independence_["ok"]
    assert "谨慎" in g.independence_note("zh") and "may not hold" in g.independence_note("en")
    # non-positive spends are excluded and counted, not silently used
    g2 = GammaGammaModel().fit(np.append(x, [2.0, 3.0]), np.append(m, [0.0, -5.0]))
    assert g2.n_excluded_ == 2 and g2.n_customers_ == 400
    # an unknown mean spend is excluded from the fit and predicts NaN, not an error
    g3 = GammaGammaModel().fit(np.append(x, 4.0), np.append(m, np.nan))
    assert g3.n_excluded_ == 1
    assert np.isnan(g3.expected_spend([4.0], [np.nan])[0])


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.sampled_from([0.0, 1 / 7, 2.5, 39.0])), min_size=1, max_size=60))
def test_unique_rows_partitions_the_rows(rows):
    a = np.array([r[0] for r in rows], dtype=float)
    b = np.array([r[1] for r in rows])
    (ua, ub), inv, counts = clv_common._unique_rows(a, b)
    np.testing.assert_array_equal(ua[inv], a)
    np.testing.assert_array_equal(ub[inv], b)
    assert counts.sum() == len(rows) and len(set(zip(ua, ub, strict=True))) == len(ua) == len(set(rows))


def test_unique_rows_without_small_keys_and_average_ranks():
    from scipy.stats import rankdata

    rng = np.random.default_rng(8)
    for cols in (rng.integers(0, 3000, (3, 5000)), rng.integers(0, 10**6, (6, 5000))):  # one key; step by step
        cols = cols.astype(float)
        uniq, inv, counts = clv_common._unique_rows(*cols)
        np.testing.assert_array_equal(np.array(uniq)[:, inv], cols)
        assert counts.sum() == 5000 and len(uniq[0]) == len({tuple(r) for r in cols.T})
    for v in (rng.integers(1, 40, 9000).astype(float), rng.lognormal(5, 1, 9000), np.round(rng.random(9000), 2)):
        np.testing.assert_array_equal(clv_gamma_gamma._average_ranks(v), rankdata(v))


def test_holdout_comparison_reads_series_and_arrays_alike(bg_fit, cal_holdout):
    frame = clv.holdout_comparison(cal_holdout, bg_fit)
    plain = cal_holdout.reset_index(drop=True)  # no customer-ID index
    pd.testing.assert_frame_equal(frame, clv.holdout_comparison(plain, bg_fit), check_exact=True)
