"""Predictive customer value for the report: cleaned data + settings -> predictions, model
summary and calibration check (issue 9, the report part).

Glue around :mod:`crm_xl.core.clv` (BG/NBD, Gamma-Gamma) and the lifetimes-style summary of
:mod:`crm_xl.core.clv_summary`, which :mod:`crm_xl.core.clv_inputs` builds from the shared
:class:`~crm_xl.core.prepared.Prepared` arrays (``prepared_clv_summary``, re-exported here).

What :func:`clv_analysis` does, with the settings that steer it:

1. Summary per customer with orders up to the analysis date, in ``clv_time_unit``
   (weeks by default). Customers whose ID is unknown ("未知") are left out.
2. Fewer than ``clv_min_repeat_customers`` customers with a repeat purchase: no model;
   the result says so in words (``status='unavailable'``) and the report still builds.
3. BG/NBD and Gamma-Gamma by maximum likelihood with ``clv_penalizer`` (0 = none). A fit
   that fails (no convergence) or gives non-finite predictions is retried with penalizer
   0.001, then 0.01; the penalizer used is reported. A fit at a limit of the model (e.g.
   BG/NBD ``a`` -> 0) is kept and explained (:meth:`~crm_xl.core.clv.BetaGeoModel.fit_note`).
4. Predictions: purchases in the next 3/6/12 months, P(alive), expected spend per
   purchase, CLV over ``clv_horizon_months`` discounted at ``clv_discount_rate`` a month,
   times ``clv_margin``, and the CLV rank.
5. Calibration check: the last ``clv_holdout_months`` months are held out, BG/NBD is
   refitted on the history before them, and predicted vs actual repeat purchases in the
   holdout are compared by calibration-period frequency (0, 1, ..., 7+), as in Fader,
   Hardie & Lee (2005), Figure 5.
"""

from __future__ import annotations

__all__ = [
    "CLV_COLUMNS",
    "PARAMETER_COLUMNS",
    "FIT_COLUMNS",
    "CALIBRATION_COLUMNS",
    "PURCHASE_HORIZONS",
    "ClvResult",
    "clv_analysis",
    "prepared_clv_summary",
]

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..settings import AnalysisSettings
from ..texts import Texts
from .clv import BetaGeoModel, GammaGammaModel, ModelFitError, holdout_comparison
from .clv.value import _bg_horizon_core, _clv_from_core
from .clv_inputs import prepared_clv_summary
from .clv_summary import TIME_UNITS
from .dataset import CrmData
from .prepared import Prepared, prepare, take_texts
from .text import as_text, text_array

#: Months of the ``purchases_{h}m`` prediction columns.
PURCHASE_HORIZONS = (3, 6, 12)
CLV_COLUMNS = (
    "customer_id", "customer_name", "owner", "layer", "layer_label", "purchases", "frequency", "recency", "T",
    "first_purchase", "last_purchase", "monetary_value", *(f"purchases_{h}m" for h in PURCHASE_HORIZONS),
    "p_alive", "expected_spend", "clv", "clv_rank",
)
PARAMETER_COLUMNS = ("model", "parameter", "estimate", "std_error", "lower", "upper", "meaning")
FIT_COLUMNS = ("item", "label", "value", "value_text", "note")
CALIBRATION_COLUMNS = ("frequency_cal", "customers", "actual", "predicted")

_FALLBACK_PENALIZERS = (0.001, 0.01)

TEXTS = Texts({
    # the time unit: in a parameter's meaning, and in the model summary ("a month = 4.35 weeks")
    "unit_days": ("天", "day"),
    "unit_weeks": ("周", "week"),
    "unit_months": ("月", "month"),
    "units_days": ("天", "days"),
    "units_weeks": ("周", "weeks"),
    "units_months": ("月", "months"),
    # what each parameter means
    "meaning_r": ("购买频率分布（Gamma）的形状参数：越小，客户之间购买频率差异越大",
                  "shape of the purchase-rate distribution (Gamma): smaller = customers differ more"),
    "meaning_alpha": ("购买频率分布的尺度参数（单位：{u}）；r/alpha = 活跃客户平均每{u}购买次数",
                      "scale of the purchase-rate distribution (per {u}); r/alpha = mean purchases per {u} while active"),
    "meaning_a": ("流失概率分布 Beta(a, b) 的参数；a/(a+b) = 每次购买后流失的平均概率",
                  "drop-out probability ~ Beta(a, b); a/(a+b) = mean chance of leaving after a purchase"),
    "meaning_b": ("流失概率分布 Beta(a, b) 的参数", "drop-out probability ~ Beta(a, b)"),
    "meaning_p": ("单次消费金额分布（Gamma）的形状参数", "shape of the spend-per-purchase distribution (Gamma)"),
    "meaning_q": ("客户平均消费水平分布的形状参数；越大，客户之间越相似",
                  "shape of the distribution of customers' spend levels; larger = customers more alike"),
    "meaning_gamma": ("客户平均消费水平分布的尺度参数；p·gamma/(q−1) = 总体平均客单价",
                      "scale of the distribution of spend levels; p·gamma/(q−1) = population mean spend"),
    # the model summary's rows: label, note
    "customers": ("有购买记录的客户数", "Customers with purchases"),
    "repeat_customers": ("有重复购买的客户数", "Customers with repeat purchases"),
    "repeat_customers_note": ("重复购买 = 首次购买之后的其他购买日", "repeat purchase = any purchase day after the first"),
    "penalizer": ("惩罚系数", "Penalizer"),
    "penalizer_plain": ("0 = 标准最大似然估计", "0 = plain maximum likelihood"),
    "penalizer_shrinks": ("参数向 1 收缩，避免极限值", "shrinks the parameters towards 1, away from limits"),
    "unit": ("时间单位", "Time unit"),
    "unit_note": ("每月 = {ppm:.4g} {units}", "a month = {ppm:.4g} {units}"),
    "bgnbd_log_likelihood": ("购买模型（BG/NBD）对数似然", "Purchase model (BG/NBD) log-likelihood"),
    "bgnbd_log_likelihood_note": ("{n:,} 位客户", "{n:,} customers"),
    "mean_monthly_purchases": ("活跃客户平均每月购买次数", "Mean purchases a month while active"),
    "mean_monthly_purchases_note": ("r / alpha，换算为每月", "r / alpha, per month"),
    "mean_dropout": ("每次购买后流失的平均概率", "Mean chance of leaving after a purchase"),
    "gamma_gamma_log_likelihood": ("消费金额模型（Gamma-Gamma）对数似然", "Spend model (Gamma-Gamma) log-likelihood"),
    "gamma_gamma_log_likelihood_note": ("{n:,} 位有重复购买且金额为正的客户", "{n:,} repeat customers with positive spend"),
    "population_mean_spend": ("总体平均客单价(元)", "Population mean spend (CNY)"),
    "frequency_spend_correlation": ("购买频次与平均金额的相关系数", "Correlation of frequency and mean spend"),
    "correlation_note": ("p 值 {p:.3g}；{verdict}", "p-value {p:.3g}; {verdict}"),
    "independent": ("|r| ≤ {c:g} 或不显著：可按独立处理", "|r| <= {c:g} or not significant: treated as independent"),
    "dependent": ("|r| > {c:g} 且显著：独立性假设可能不成立",
                  "|r| > {c:g} and significant: the independence assumption may not hold"),
    "total_clv": ("未来{h}个月 CLV 合计(元)", "Total CLV, next {h} months (CNY)"),
    "total_clv_note": ("月贴现率 {rate:.2%}，毛利率 {margin:.0%}", "monthly discount rate {rate:.2%}, margin {margin:.0%}"),
    "total_purchases_12m": ("未来12个月预计购买次数合计", "Expected purchases, next 12 months"),
    "holdout_actual": ("检验期（最后{h}个月）实际购买次数", "Holdout (last {h} months): actual purchases"),
    "holdout_actual_note": ("截至 {end} 已购买的 {n:,} 位客户", "{n:,} customers who bought by {end}"),
    "holdout_predicted": ("检验期模型预测购买次数", "Holdout: predicted purchases"),
    "holdout_predicted_note": ("相差 {err:+.1%}", "difference {err:+.1%}"),
    # the notes: why there are no predictions, what was fitted how
    "too_few": ("只有 {n} 位客户有重复购买（少于 {min_rep} 位，见设置 clv_min_repeat_customers），"
                "数据不足以可靠地估计购买和流失规律，因此本表不做预测。积累更多订单历史后再刷新报告。",
                "Only {n} customers have repeat purchases (fewer than {min_rep}, setting "
                "clv_min_repeat_customers): too little data to estimate buying and drop-out patterns, so no "
                "predictions are made. Refresh the report when more order history has accumulated."),
    "bg_failed": ("购买模型（BG/NBD）无法拟合：{why}", "The purchase model (BG/NBD) could not be fitted: {why}"),
    "bg_retry": ("按设置的惩罚系数 {pen:g} 拟合失败（{why}），已自动改用 {used:g}；参数会略向 1 收缩，预测仍可使用。",
                 "The fit with penalizer {pen:g} failed ({why}); penalizer {used:g} was used instead, which shrinks "
                 "the parameters slightly towards 1. Predictions remain usable."),
    "gg_failed": ("消费金额模型（Gamma-Gamma）无法拟合，因此没有预计客单价和 CLV：{why}",
                  "The spend model (Gamma-Gamma) could not be fitted, so there is no expected spend or CLV: {why}"),
    "gg_retry": ("消费金额模型按惩罚系数 {pen:g} 拟合失败，已改用 {used:g}。",
                 "The spend model failed with penalizer {pen:g}; {used:g} was used instead."),
    # the model check
    "no_check": ("未做模型检验（设置 clv_holdout_months = 0）。", "No model check (setting clv_holdout_months = 0)."),
    "no_check_few": ("未做模型检验：最后 {h} 个月之前只有 {k} 位客户有重复购买（少于 {min_rep} 位）。可减小 clv_holdout_months。",
                     "No model check: before the last {h} months only {k} customers have repeat purchases "
                     "(fewer than {min_rep}). Consider a smaller clv_holdout_months."),
    "check_failed": ("模型检验未完成：校准期的购买模型无法拟合。{why}",
                     "No model check: the purchase model could not be fitted on the calibration period. {why}"),
    "check": ("模型检验：只用截至 {end} 的订单拟合，预测 {start} 至 {as_of} 这 {h} 个月内，"
              "{n:,} 位老客户共购买 {predicted:,.0f} 次，实际 {actual:,.0f} 次{diff}。按此前重复购买次数分组的对比见检验表和图。",
              "Model check: fitted on orders up to {end} only, the model predicts {predicted:,.0f} "
              "purchases by these {n:,} customers from {start} to {as_of} ({h} months); "
              "they actually made {actual:,.0f}{diff}. The table and chart compare them by number of earlier repeat "
              "purchases."),
    "check_diff": ("（相差 {err:+.1%}）", " ({err:+.1%})"),
})


# ----------------------------------------------------------------------------- result

@dataclass(frozen=True, eq=False)
class ClvResult:
    """Predictive customer value of one analysis (see the module docstring).

    Attributes
    ----------
    status : {'ok', 'partial', 'unavailable'}
        'partial': purchases and P(alive) but no spend model (no expected spend, no CLV);
        'unavailable': no model at all (``notes`` says why; ``predictions`` is empty).
    predictions : DataFrame
        :data:`CLV_COLUMNS`, one row per customer with orders, sorted by CLV (highest
        first; then expected purchases in 12 months, then customer ID).
    parameters : DataFrame
        :data:`PARAMETER_COLUMNS`: one row per fitted parameter, with its standard error,
        95 % interval (Wald, log scale) and meaning in words.
    fit : DataFrame
        :data:`FIT_COLUMNS`: key figures (customers, log-likelihoods, penalizer, mean
        purchase rate, drop-out probability, mean spend, frequency/spend correlation and
        its verdict, calibration totals), ``label``/``value_text``/``note`` in words.
    calibration : DataFrame
        :data:`CALIBRATION_COLUMNS`: mean holdout purchases, actual vs predicted, by
        calibration-period frequency ("0" ... "7+"); empty without a check.
    notes : tuple of str
        Plain-words remarks: why there is no model, retries with a penalizer, parameters at
        a limit, the independence verdict, the calibration result.
    """

    status: str
    settings: AnalysisSettings
    as_of: pd.Timestamp
    predictions: pd.DataFrame
    parameters: pd.DataFrame
    fit: pd.DataFrame
    calibration: pd.DataFrame
    notes: tuple[str, ...] = ()
    unit: str = "weeks"
    periods_per_month: float = float("nan")
    penalizer: float | None = None
    calibration_end: pd.Timestamp | None = None
    independence: dict | None = None
    bgnbd: BetaGeoModel | None = field(default=None, repr=False)
    gamma_gamma: GammaGammaModel | None = field(default=None, repr=False)
    codes: np.ndarray | None = field(default=None, repr=False)  # customer code (Prepared.ids) of each prediction

    @property
    def ok(self) -> bool:
        """True when per-customer predictions exist."""
        return self.status != "unavailable"

    def p_alive(self) -> pd.Series:
        """P(alive) by customer ID (empty when there is no model)."""
        return self.predictions.set_index("customer_id")["p_alive"]

    def p_alive_by_code(self, n: int) -> np.ndarray:
        """P(alive) as an array aligned to the customer codes of the
        :class:`~crm_xl.core.prepared.Prepared` the analysis used (``n`` = its number of
        customers; NaN for customers without a prediction)."""
        out = np.full(n, np.nan)
        if self.codes is not None and len(self.predictions):
            out[self.codes] = self.predictions["p_alive"].to_numpy(dtype=float)
        return out


def _empty_predictions() -> pd.DataFrame:
    out = pd.DataFrame({c: pd.Series(dtype=float) for c in CLV_COLUMNS})
    for c in ("customer_id", "customer_name", "owner", "layer", "layer_label"):
        out[c] = as_text(out[c])
    for c in ("first_purchase", "last_purchase"):
        out[c] = out[c].astype("datetime64[ns]")
    return out


def _frame(columns: tuple[str, ...], rows: list[dict] | None = None) -> pd.DataFrame:
    return pd.DataFrame(rows or [], columns=list(columns))


def _fit_with_retries(make, fit_args, check, penalizer: float, initial=None):
    """Fit ``make(penalizer)`` on ``fit_args`` (from ``initial`` if given, then from the
    model's own starting grid); on :class:`ModelFitError` or a failed ``check(model)``
    retry with the fallback penalizers. Returns (model, penalizer used,
    first error or None); raises the last error when every attempt failed."""
    tries = ([(penalizer, initial)] if initial is not None else []) + [(penalizer, None)] \
        + [(q, None) for q in _FALLBACK_PENALIZERS if q > penalizer]
    first_err: Exception | None = None
    for pen, start in tries:
        try:
            model = make(pen).fit(*fit_args, initial=start)
        except ModelFitError as e:
            first_err = first_err or e
            continue
        if check(model):
            return model, pen, first_err
        first_err = first_err or ModelFitError("模型预测值无效（数值溢出）", "the model's predictions are not finite")
    raise first_err  # type: ignore[misc]


def _rank_sorted_desc(v: np.ndarray) -> np.ndarray:
    """``Series(v).rank(ascending=False, method="min")``; for ``v`` already in descending
    order with NaN last (the predictions' order) without sorting again."""
    k = int((~np.isnan(v)).sum())
    head = v[:k]
    if np.isnan(head).any() or not bool((head[1:] <= head[:-1]).all()):
        return pd.Series(v).rank(ascending=False, method="min").to_numpy()
    run = np.r_[True, head[1:] != head[:-1]]  # a new value starts a rank
    out = np.full(v.size, np.nan)
    out[:k] = np.maximum.accumulate(np.where(run, np.arange(k), 0)) + 1.0
    return out


def _fmt_num(v: float, digits: int = 4) -> str:
    if v is None or not np.isfinite(v):
        return "—"
    a = abs(v)
    if a != 0 and (a < 1e-3 or a >= 1e6):
        return f"{v:.{digits - 1}e}"
    return f"{v:,.{digits}g}" if a < 1000 else f"{v:,.1f}"


def _parameter_rows(model, name: str, lang: str, unit_word: str) -> list[dict]:
    t = TEXTS.lang(lang)
    summ = model.summary()
    rows = []
    for k, row in summ.iterrows():
        text = t("meaning_" + k, u=unit_word)
        rows.append({"model": name, "parameter": k, "estimate": row["estimate"], "std_error": row["std_error"],
                     "lower": row["lower"], "upper": row["upper"], "meaning": text})
    return rows


# ----------------------------------------------------------------------------- main

class _FitRows:
    """The rows of the model-summary table (:data:`FIT_COLUMNS`), added one by one."""

    def __init__(self) -> None:
        self.rows: list[dict] = []

    def add(self, item, label, value, text=None, note=""):
        """Append one row; ``value_text`` is ``text`` or, when omitted, ``value`` formatted."""
        self.rows.append({"item": item, "label": label, "value": value,
                          "value_text": text if text is not None else _fmt_num(value), "note": note})


class _PurchaseFit:
    """The BG/NBD fit on the summary's arrays, with the matrix of monthly expected purchases
    each candidate model gave when its fit was checked (kept for the predictions)."""

    def __init__(self, summary: pd.DataFrame, s: AnalysisSettings, ppm: float) -> None:
        self.freq, self.rec, self.T = (summary[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
        self.months = np.arange(1, max(s.clv_horizon_months, *PURCHASE_HORIZONS) + 1, dtype=float)
        self.ppm = ppm
        self.horizons: dict[int, tuple] = {}

    def check(self, m) -> bool:
        """True when the model's expected purchases at the longest horizon are finite; the
        model's expected purchases for every month up to the longest horizon are kept for the
        predictions (rows of the same matrix)."""
        with np.errstate(all="ignore"):
            r, alpha, a, b = m.params_array_
            core, inv = _bg_horizon_core(r, alpha, a, b, self.months * self.ppm, self.freq, self.T)
            alive = m.p_alive(self.freq, self.rec, self.T)
            probe = core[max(PURCHASE_HORIZONS) - 1][inv] * alive
        self.horizons[id(m)] = (m, core, inv, alive)
        return bool(np.all(np.isfinite(probe)))

    def fit(self, s: AnalysisSettings, notes: list[str]) -> tuple[BetaGeoModel | None, float, str | None]:
        """Fit BG/NBD with retries: (model or None, penalizer used, why it is unavailable or
        None); remarks on retries and limits appended to ``notes``."""
        t = TEXTS.lang(s.lang)
        zh = t.zh  # (the errors carry their message in both languages)
        try:
            bg, pen_used, err = _fit_with_retries(BetaGeoModel, (self.freq, self.rec, self.T), self.check,
                                                  s.clv_penalizer)
        except ModelFitError as e:
            return None, s.clv_penalizer, t("bg_failed", why=e.zh if zh else e.en)
        if pen_used != s.clv_penalizer:
            why = (err.zh if zh else err.en) if err else ""
            notes.append(t("bg_retry", pen=s.clv_penalizer, why=why, used=pen_used))
        if bg.fit_note(s.lang):
            notes.append(bg.fit_note(s.lang))
        return bg, pen_used, None

    def matrix(self, bg: BetaGeoModel) -> tuple:
        """(core, inv, alive) of ``bg``: kept from its check, or computed again."""
        if self.horizons.get(id(bg), (None,))[0] is not bg:
            self.check(bg)
        return self.horizons[id(bg)][1:]


def _fit_spend_model(freq: np.ndarray, money: np.ndarray, s: AnalysisSettings, pen_used: float,
                     notes: list[str]) -> GammaGammaModel | None:
    """The Gamma-Gamma fit with retries (None when it failed; its remarks in ``notes``, a
    failure first)."""
    t = TEXTS.lang(s.lang)
    zh = t.zh  # (the errors carry their message in both languages)
    try:
        def gg_ok(m):
            with np.errstate(all="ignore"):
                return bool(np.all(np.isfinite(m.expected_spend(freq, money))))

        gg, gg_pen, gg_err = _fit_with_retries(lambda pen: GammaGammaModel(pen, s.clv_max_abs_correlation),
                                               (freq, money), gg_ok, pen_used)
    except ModelFitError as e:
        notes.insert(0, t("gg_failed", why=e.zh if zh else e.en))
        return None
    if gg_pen != pen_used:
        notes.append(t("gg_retry", pen=pen_used, used=gg_pen))
    if gg.fit_note(s.lang):
        notes.append(gg.fit_note(s.lang))
    notes.append(gg.independence_note(s.lang))
    return gg


def _predictions(fit: _PurchaseFit, bg: BetaGeoModel, gg: GammaGammaModel | None, money: np.ndarray,
                 s: AnalysisSettings, n: int) -> dict[str, np.ndarray]:
    """The prediction columns in order (purchases per horizon, p_alive, expected_spend, clv):
    bg.conditional_expected_purchases, p_alive and gg.customer_lifetime_value, from the matrix
    of monthly expected purchases computed once when the fit was checked."""
    pred: dict[str, np.ndarray] = {}
    with np.errstate(all="ignore"):
        core, inv, alive = fit.matrix(bg)
        for h in PURCHASE_HORIZONS:
            pred[f"purchases_{h}m"] = core[h - 1][inv] * alive
        pred["p_alive"] = alive
        if gg is not None:
            spend = gg.expected_spend(fit.freq, money)
            pred["expected_spend"] = spend
            pred["clv"] = _clv_from_core(core[:s.clv_horizon_months], inv, alive, spend, s.clv_discount_rate,
                                         s.clv_margin)
        else:
            pred["expected_spend"] = np.full(n, np.nan)
            pred["clv"] = np.full(n, np.nan)
    return pred


def _prediction_table(p: Prepared, summary: pd.DataFrame, pred: dict[str, np.ndarray],
                      layers: pd.DataFrame | None) -> tuple[pd.DataFrame, np.ndarray]:
    """The predictions frame (:data:`CLV_COLUMNS`, sorted by CLV, highest first, then expected
    purchases in 12 months, then customer ID) and the customer code of each of its rows."""
    codes = np.asarray(summary.attrs["codes"])
    # every column is put in that order before the frame is built
    clv = np.asarray(pred["clv"], dtype=float)
    order = np.lexsort((p.id_rank[codes], -np.nan_to_num(np.asarray(pred["purchases_12m"], dtype=float), nan=-np.inf),
                        -np.nan_to_num(clv, nan=-np.inf)))
    codes = codes[order]
    if layers is not None and len(layers):
        at = p.rows_of(layers["customer_id"])[codes]  # row of each customer in layers
        layer = take_texts(layers["layer"], at).fillna("")
        layer_label = take_texts(layers["layer_label"], at).fillna("")
    else:
        layer = layer_label = ""
    text = (lambda v: text_array(v))
    cols = {
        "customer_id": p.id_strings.take(codes),
        "customer_name": p.text_array("customer_name").take(codes),
        "owner": p.text_array("owner").take(codes),
        "purchases": summary["frequency"].to_numpy()[order] + 1.0,
        **{c: summary[c].to_numpy()[order] for c in ("frequency", "recency", "T", "first_purchase", "last_purchase",
                                                      "monetary_value")},
        **{c: np.asarray(v)[order] for c, v in pred.items()},
        "layer": layer if np.ndim(layer) else text(np.full(codes.size, layer, dtype=object)),
        "layer_label": layer_label if np.ndim(layer_label) else text(np.full(codes.size, layer_label, dtype=object)),
    }
    cols["clv_rank"] = _rank_sorted_desc(cols["clv"])
    return pd.DataFrame({c: cols[c] for c in CLV_COLUMNS}), codes


def _model_summary(bg: BetaGeoModel, gg: GammaGammaModel | None, pen_used: float, s: AnalysisSettings,
                   ppm: float, clv: np.ndarray, out: pd.DataFrame, fit: _FitRows) -> list[dict]:
    """The parameter rows of both models (:data:`PARAMETER_COLUMNS`); the key figures are
    added to ``fit``."""
    t = TEXTS.lang(s.lang)
    unit = s.clv_time_unit
    unit_word = t("unit_" + unit)
    add = fit.add
    params = _parameter_rows(bg, "BG/NBD", s.lang, unit_word)
    if gg is not None:
        params += _parameter_rows(gg, "Gamma-Gamma", s.lang, unit_word)
    bp = bg.params_
    assert bp is not None  # (fitted)
    add("penalizer", t.penalizer, pen_used, f"{pen_used:g}", t.penalizer_plain if pen_used == 0 else t.penalizer_shrinks)
    add("unit", t.unit, unit, unit_word, t("unit_note", ppm=ppm, units=t("units_" + unit)))
    add("bgnbd_log_likelihood", t.bgnbd_log_likelihood, bg.log_likelihood_, f"{bg.log_likelihood_:,.2f}",
        t("bgnbd_log_likelihood_note", n=bg.n_customers_))
    rate = bp["r"] / bp["alpha"] * ppm
    add("mean_monthly_purchases", t.mean_monthly_purchases, rate, f"{rate:.3g}", t.mean_monthly_purchases_note)
    drop = bp["a"] / (bp["a"] + bp["b"])
    add("mean_dropout", t.mean_dropout, drop, f"{drop:.1%}", "a / (a + b)")
    if gg is not None:
        add("gamma_gamma_log_likelihood", t.gamma_gamma_log_likelihood, gg.log_likelihood_,
            f"{gg.log_likelihood_:,.2f}", t("gamma_gamma_log_likelihood_note", n=gg.n_customers_))
        pm = gg.population_mean()
        add("population_mean_spend", t.population_mean_spend, pm, f"{pm:,.0f}", "p·gamma/(q−1)")
        ind = gg.independence_
        assert ind is not None  # (fitted)
        verdict = t("independent" if ind["ok"] else "dependent", c=s.clv_max_abs_correlation)
        add("frequency_spend_correlation", t.frequency_spend_correlation, ind["pearson_r"], f"{ind['pearson_r']:.2f}",
            t("correlation_note", p=ind["pearson_p"], verdict=verdict))
        total = float(np.nansum(clv))
        add("total_clv", t("total_clv", h=s.clv_horizon_months), total, f"{total:,.0f}",
            t("total_clv_note", rate=s.clv_discount_rate, margin=s.clv_margin))
    tot12 = float(np.nansum(out["purchases_12m"].to_numpy(dtype=float)))
    add("total_purchases_12m", t.total_purchases_12m, tot12, f"{tot12:,.0f}")
    return params


def clv_analysis(data: CrmData | None = None, settings: AnalysisSettings | None = None, *,
                 prepared: Prepared | None = None, layers: pd.DataFrame | None = None) -> ClvResult:
    """Per-customer predictions, model summary and calibration check (module docstring).

    Parameters
    ----------
    data, settings, prepared
        As elsewhere in core; ``prepared`` is built from ``data`` when omitted.
    layers : DataFrame, optional
        :func:`crm_xl.core.segments.assign_layers` output, for ``layer``/``layer_label``.

    Returns
    -------
    ClvResult
        Never raises for lack of data or a failed fit: ``status`` and ``notes`` say what
        happened, in ``settings.lang``.
    """
    s = settings or (prepared.settings if prepared is not None else AnalysisSettings())
    if prepared is None:
        if data is None:
            raise TypeError("clv_analysis needs data or prepared")
        prepared = prepare(data, s)
    p = prepared
    t = TEXTS.lang(s.lang)
    unit = s.clv_time_unit
    ppm = TIME_UNITS["months"] / TIME_UNITS[unit]
    summary, cal = prepared_clv_summary(p, unit, holdout_months=s.clv_holdout_months)
    n = len(summary)
    n_repeat = int((summary["frequency"] > 0).sum()) if n else 0
    notes: list[str] = []
    fit_rows = _FitRows()
    base = dict(settings=s, as_of=p.as_of, unit=unit, periods_per_month=ppm)
    fit_rows.add("customers", t.customers, float(n), f"{n:,}")
    fit_rows.add("repeat_customers", t.repeat_customers, float(n_repeat), f"{n_repeat:,}", t.repeat_customers_note)
    unavailable = None
    min_rep = max(s.clv_min_repeat_customers, 1)
    if n_repeat < min_rep:
        unavailable = t("too_few", n=n_repeat, min_rep=min_rep)
    bg = None
    pen_used = s.clv_penalizer
    if unavailable is None:
        purchase_fit = _PurchaseFit(summary, s, ppm)
        bg, pen_used, unavailable = purchase_fit.fit(s, notes)
    if unavailable is not None:
        notes.insert(0, unavailable)
        return ClvResult(status="unavailable", predictions=_empty_predictions(),
                         parameters=_frame(PARAMETER_COLUMNS), fit=_frame(FIT_COLUMNS, fit_rows.rows),
                         calibration=_frame(CALIBRATION_COLUMNS), notes=tuple(notes), penalizer=None, **base)
    assert bg is not None  # (fitted: nothing made the model unavailable)

    money = summary["monetary_value"].to_numpy(dtype=float)
    gg = _fit_spend_model(purchase_fit.freq, money, s, pen_used, notes)
    pred = _predictions(purchase_fit, bg, gg, money, s, n)
    out, codes = _prediction_table(p, summary, pred, layers)
    params = _model_summary(bg, gg, pen_used, s, ppm, np.asarray(pred["clv"], dtype=float), out, fit_rows)
    calibration, cal_end = _calibration_check(cal, bg, pen_used, s, p, min_rep, notes, fit_rows.add)
    return ClvResult(status="ok" if gg is not None else "partial", predictions=out,
                     parameters=_frame(PARAMETER_COLUMNS, params), fit=_frame(FIT_COLUMNS, fit_rows.rows),
                     calibration=calibration, notes=tuple(n for n in notes if n), penalizer=pen_used,
                     calibration_end=cal_end, independence=gg.independence_ if gg is not None else None,
                     bgnbd=bg, gamma_gamma=gg, codes=codes, **base)


def _calibration_check(cal: pd.DataFrame | None, bg: BetaGeoModel, pen_used: float, s: AnalysisSettings,
                       p: Prepared, min_rep: int, notes: list[str], add) -> tuple[pd.DataFrame, pd.Timestamp | None]:
    """The holdout check of :func:`clv_analysis`: the purchase model fitted on the calibration
    period only, its predicted holdout purchases against the actual ones (the comparison table
    and the calibration end; its notes appended to ``notes``, its fit rows given to ``add``)."""
    t = TEXTS.lang(s.lang)
    calibration = _frame(CALIBRATION_COLUMNS)
    cal_end = None
    h = s.clv_holdout_months
    if h <= 0:
        notes.append(t.no_check)
    elif cal is None or int((cal["frequency_cal"] > 0).sum()) < min_rep:
        k = 0 if cal is None else int((cal["frequency_cal"] > 0).sum())
        notes.append(t("no_check_few", h=h, k=k, min_rep=min_rep))
    else:
        cal_end = cal.attrs["calibration_end"]
        cx, crec, cT = (cal[c].to_numpy(dtype=float) for c in ("frequency_cal", "recency_cal", "T_cal"))
        dur = float(cal["duration_holdout"].iloc[0])

        cal_pred: dict[int, tuple] = {}

        def cal_ok(m):
            with np.errstate(all="ignore"):
                pred_h = m.conditional_expected_purchases(dur, cx, crec, cT)
            cal_pred[id(m)] = (m, pred_h)
            return bool(np.all(np.isfinite(pred_h)))

        try:
            # start from the full-history fit: the calibration fit is usually close to it
            bg_cal, _, _ = _fit_with_retries(BetaGeoModel, (cx, crec, cT), cal_ok, pen_used, initial=bg.params_)
        except ModelFitError as e:
            notes.append(t("check_failed", why=e.zh if t.zh else e.en))
            cal_end = None
        else:
            kept = cal_pred.get(id(bg_cal), (None, None))
            pred_h = kept[1] if kept[0] is bg_cal else bg_cal.conditional_expected_purchases(dur, cx, crec, cT)
            comp = holdout_comparison(cal, bg_cal, predicted=pred_h)
            calibration = comp.reset_index()[list(CALIBRATION_COLUMNS)]
            actual, predicted = float(cal["frequency_holdout"].sum()), float(np.sum(pred_h))
            err = (predicted - actual) / actual if actual > 0 else np.nan
            start = (cal_end + pd.Timedelta(days=1)).date()
            add("holdout_actual", t("holdout_actual", h=h), actual, f"{actual:,.0f}",
                t("holdout_actual_note", end=cal_end.date(), n=len(cal)))
            add("holdout_predicted", t.holdout_predicted, predicted, f"{predicted:,.0f}",
                t("holdout_predicted_note", err=err) if np.isfinite(err) else "")
            notes.append(t("check", end=cal_end.date(), start=start, as_of=p.as_of.date(), h=h, n=len(cal),
                           predicted=predicted, actual=actual,
                           diff=t("check_diff", err=err) if np.isfinite(err) else ""))
    return calibration, cal_end
