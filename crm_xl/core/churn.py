"""Churn warning (客户流失预警, seed 000 step 4 and seed 004 section 1).

Five indicators per customer (and an optional sixth, P(alive)), each fires on a threshold from
the settings (defaults):

==================  ===========================================================================
indicator           fires when
==================  ===========================================================================
frequency_drop      orders in the last ``churn_compare_months`` (3) months fell by at least
                    ``churn_freq_drop`` (50%) against the 3 months before, which had at least
                    ``churn_min_prev_orders`` (2) orders (近3个月合作频次变化)
inactive            days since the last purchase > ``churn_gap_multiple`` (2) x the customer's
                    usual gap (median days between purchase days), or > ``churn_inactive_days``
                    (180) whatever the gap (最近一次合作间隔时间)
negative_feedback   >= ``churn_negative_feedback_min`` (2) interactions in the last
                    ``churn_feedback_days`` (180) days that are complaints, satisfaction <=
                    ``negative_satisfaction_max`` (2 of 5) or recommendation <= the NPS
                    detractor maximum (6) (客户负面反馈数量)
unresolved          >= ``churn_unresolved_min`` (1) interactions in that period marked not
                    resolved (投诉未解决)
timeouts            >= ``churn_timeout_min`` (2) responses slower than ``churn_timeout_hours``
                    (48 h) in that period (售后响应超时)
p_alive             optional, off by default: the BG/NBD model's probability that the customer
                    is still active (:mod:`crm_xl.core.clv_report`) is below
                    ``churn_p_alive_below`` (0 = off; the table shows P(alive) either way)
==================  ===========================================================================

Risk: 高 (high) when at least ``churn_high_min_signals`` (2) indicators fire, 中 (medium) at
least ``churn_medium_min_signals`` (1), else 低 (low). ``reasons`` lists what fired in
words with the numbers, e.g. "售后响应超时3次".
"""

from __future__ import annotations

__all__ = ["churn_signals", "churn_risk", "churn_reasons", "churn_table", "RISK_LABELS", "CHURN_COLUMNS",
           "SIGNALS"]

import functools

import numpy as np
import pandas as pd

from ..settings import AnalysisSettings
from ..texts import Texts
from .dataset import CrmData
from .prepared import Prepared, prepare, take_texts
from .text import as_text, text_array

SIGNALS = ("frequency_drop", "inactive", "negative_feedback", "unresolved", "timeouts", "p_alive")
RISK_LABELS = {"zh": {"high": "高", "medium": "中", "low": "低"},
               "en": {"high": "High", "medium": "Medium", "low": "Low"}}

TEXTS = Texts({
    # the reasons: the indicators that fired, with their numbers
    "frequency_drop": ("近{m}个月购买{last:.0f}次，较前{m}个月{prev:.0f}次下降{drop:.0%}",
                       "{last:.0f} orders in the last {m} months vs {prev:.0f} before (-{drop:.0%})"),
    "inactive": ("已{days:.0f}天未购买", "no purchase for {days:.0f} days"),
    "usual_gap": ("（通常间隔{gap:.0f}天）", " (usual gap {gap:.0f} days)"),
    "negative_feedback": ("负面反馈{n:.0f}次", "{n:.0f} negative feedback"),
    "unresolved": ("未解决投诉{n:.0f}个", "{n:.0f} unresolved complaints"),
    "timeouts": ("售后响应超时{n:.0f}次", "{n:.0f} response timeouts"),
    "p_alive": ("模型活跃概率仅{p:.0%}", "model P(alive) only {p:.0%}"),
    "sep": ("；", "; "),
})
CHURN_COLUMNS = (
    "customer_id", "customer_name", "owner", "layer", "layer_label", "monetary", "last_purchase_date",
    "days_since_last", "usual_gap_days", "orders_last", "orders_prev", "frequency_change", "negative_feedback",
    "unresolved_complaints", "response_timeouts", "p_alive", "signals", "risk", "risk_label", "reasons",
)


def _arr(x, n: int | None = None) -> np.ndarray:
    a = np.asarray(pd.to_numeric(pd.Series(np.ravel(np.asarray(x, dtype=object))), errors="coerce"), dtype=float) \
        if not (isinstance(x, np.ndarray) and x.dtype.kind in "fiub") else np.ravel(x).astype(float)
    if n is not None and a.size == 1 and n != 1:
        a = np.full(n, a[0])
    return a


def churn_signals(days_since_last, usual_gap=np.nan, orders_last=np.nan, orders_prev=np.nan, negative_feedback=0,
                  unresolved=0, timeouts=0, settings: AnalysisSettings | None = None, *,
                  p_alive=np.nan) -> dict[str, np.ndarray]:
    """Which of the indicators fire, elementwise (see module docstring).

    All arguments are array-likes of the same length (scalars broadcast); NaN never fires.
    ``p_alive`` (the BG/NBD model's P(alive)) fires only when ``settings.churn_p_alive_below``
    is above 0.

    Returns
    -------
    dict
        Boolean arrays keyed by :data:`SIGNALS`.
    """
    s = settings or AnalysisSettings()
    d = _arr(days_since_last)
    n = d.size
    gap, last, prev = _arr(usual_gap, n), _arr(orders_last, n), _arr(orders_prev, n)
    neg, unres, tmo = _arr(negative_feedback, n), _arr(unresolved, n), _arr(timeouts, n)
    alive = _arr(p_alive, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        drop = (prev >= max(s.churn_min_prev_orders, 1)) & ((prev - last) / prev >= s.churn_freq_drop - 1e-12)
        inactive = (d > s.churn_inactive_days) | (~np.isnan(gap) & (gap > 0) & (d > s.churn_gap_multiple * gap))
        low_alive = (alive < s.churn_p_alive_below) if s.churn_p_alive_below > 0 else np.zeros(n, dtype=bool)
    return {
        "frequency_drop": drop,
        "inactive": inactive,
        "negative_feedback": neg >= max(s.churn_negative_feedback_min, 1),
        "unresolved": unres >= max(s.churn_unresolved_min, 1),
        "timeouts": tmo >= max(s.churn_timeout_min, 1),
        "p_alive": low_alive,
    }


def _level(count: np.ndarray, s: AnalysisSettings) -> np.ndarray:
    return np.where(count >= s.churn_high_min_signals, "high",
                    np.where((count >= max(s.churn_medium_min_signals, 1)), "medium", "low")).astype(object)


def churn_risk(days_since_last, usual_gap=np.nan, orders_last=np.nan, orders_prev=np.nan, negative_feedback=0,
               unresolved=0, timeouts=0, settings: AnalysisSettings | None = None, lang: str | None = None, *,
               p_alive=np.nan) -> np.ndarray:
    """Risk level per customer: 高/中/低 (High/Medium/Low in English), elementwise.

    Parameters are as in :func:`churn_signals`; ``lang`` defaults to ``settings.lang``.
    A row whose ``days_since_last`` is NaN (never bought) is "" (no level).
    """
    s = settings or AnalysisSettings()
    sig = churn_signals(days_since_last, usual_gap, orders_last, orders_prev, negative_feedback, unresolved,
                        timeouts, s, p_alive=p_alive)
    count: np.ndarray = functools.reduce(np.add, (v.astype(int) for v in sig.values()))  # (= sum(), broadcasting)
    labels = RISK_LABELS[lang or s.lang]
    out = np.array([labels[k] for k in _level(count, s)], dtype=np.object_)
    out[np.isnan(_arr(days_since_last))] = ""
    return out


def churn_reasons(days_since_last, usual_gap=np.nan, orders_last=np.nan, orders_prev=np.nan, negative_feedback=0,
                  unresolved=0, timeouts=0, settings: AnalysisSettings | None = None,
                  lang: str | None = None, *, p_alive=np.nan) -> np.ndarray:
    """The indicators that fired, in words with their numbers, per customer ('' if none).

    Examples (zh): "近3个月购买1次，较前3个月4次下降75%；售后响应超时3次".
    """
    s = settings or AnalysisSettings()
    t = TEXTS.lang(lang or s.lang)
    d = _arr(days_since_last)
    n = d.size
    gap, last, prev = _arr(usual_gap, n), _arr(orders_last, n), _arr(orders_prev, n)
    neg, unres, tmo = _arr(negative_feedback, n), _arr(unresolved, n), _arr(timeouts, n)
    alive = _arr(p_alive, n)
    sig = churn_signals(d, gap, last, prev, neg, unres, tmo, s, p_alive=alive)
    m = s.churn_compare_months
    sep = t.sep
    parts = []  # (rows where the indicator fired, their texts), in the order of the text

    def part(key, fmt, *values):
        rows = np.flatnonzero(sig[key])
        parts.append((rows, _format_distinct(fmt, *(v[rows] for v in values))))

    part("frequency_drop", lambda lt, pv: t("frequency_drop", m=m, last=lt, prev=pv, drop=(pv - lt) / pv), last, prev)
    # inactive: "已{days}天未购买" + "（通常间隔{gap}天）" when the usual gap is known, each
    # piece formatted once per distinct number
    rows = np.flatnonzero(sig["inactive"])
    with np.errstate(invalid="ignore"):
        known = ~np.isnan(gap[rows]) & (gap[rows] > 0)
    texts = _format_distinct(lambda v: t("inactive", days=v), d[rows])
    if known.any():
        texts[known] = texts[known] + _format_distinct(lambda v: t("usual_gap", gap=v), gap[rows[known]])
    parts.append((rows, texts))
    for key, arr in (("negative_feedback", neg), ("unresolved", unres), ("timeouts", tmo)):
        part(key, lambda v, key=key: t(key, n=v), arr)
    part("p_alive", lambda v: t("p_alive", p=v), alive)
    # joined with vectorised concatenation of the texts (no Python work per customer); a
    # text is appended with the separator only where an earlier indicator already wrote one
    # (every text is non-empty)
    out = np.full(n, "", dtype=object)
    has = np.zeros(n, dtype=bool)
    for rows, texts in parts:
        if rows.size == 0:
            continue
        more = has[rows]
        if more.any():
            r = rows[more]
            out[r] = out[r] + (sep + texts[more])
            out[rows[~more]] = texts[~more]
        else:
            out[rows] = texts
        has[rows] = True
    return out


def _format_distinct(fmt, *values: np.ndarray) -> np.ndarray:
    """``fmt(*row)`` for every row of the equally long float arrays ``values``, called
    once per distinct row (object array of texts; NaN is passed as NaN)."""
    if values[0].size == 0:
        return np.empty(0, dtype=object)
    if len(values) == 1:  # (the codes are already in order of first appearance)
        key = pd.factorize(values[0], use_na_sentinel=False)[0]
    else:
        key = np.zeros(values[0].size, dtype=np.int64)
        for v in values:
            codes, uniques = pd.factorize(v, use_na_sentinel=False)
            key, _ = pd.factorize(key * max(len(uniques), 1) + codes)
    first = np.empty(int(key.max()) + 1, dtype=np.intp)
    first[key[::-1]] = np.arange(key.size - 1, -1, -1)
    texts = np.array([fmt(*(float(v[i]) for v in values)) for i in first], dtype=object)
    return texts[key]


def churn_table(data: CrmData | None = None, settings: AnalysisSettings | None = None, *,
                prepared: Prepared | None = None, layers: pd.DataFrame | None = None,
                p_alive: pd.Series | None = None) -> pd.DataFrame:
    """The churn warning list: every customer with orders, sorted by risk (高 first), then by
    monetary value (largest first), then customer ID.

    Parameters
    ----------
    data, settings, prepared
        As elsewhere; ``prepared`` is built when omitted.
    layers : DataFrame, optional
        :func:`crm_xl.core.segments.assign_layers` output, for ``layer``/``layer_label``
        and ``monetary`` (else monetary is all history up to the analysis date).
    p_alive : Series or ndarray, optional
        The BG/NBD P(alive) by customer ID (:meth:`crm_xl.core.clv_report.ClvResult.p_alive`),
        or as an array aligned to ``prepared.ids``
        (:meth:`~crm_xl.core.clv_report.ClvResult.p_alive_by_code`): shown in column
        ``p_alive`` (NaN when absent) and a signal when ``settings.churn_p_alive_below`` > 0.

    Returns
    -------
    DataFrame
        Columns :data:`CHURN_COLUMNS`. ``frequency_change`` = (orders_last - orders_prev) /
        orders_prev (NaN when orders_prev = 0); ``signals`` = number of indicators fired;
        ``risk`` in high/medium/low with ``risk_label`` in ``settings.lang``.
    """
    settings = settings or (prepared.settings if prepared is not None else AnalysisSettings())
    if prepared is None:
        if data is None:
            raise TypeError("churn_table needs data or prepared")
        prepared = prepare(data, settings)
    p = prepared
    s = settings
    rows = np.flatnonzero(p.facts.has_orders)
    m = s.churn_compare_months
    mid, start = p.day_months_before(m), p.day_months_before(2 * m)
    last = p.facts.orders_between(mid)[rows]
    prev = p.facts.orders_between(start, mid)[rows]
    days = (p.today - p.facts.last_day[rows]).astype(float)
    gap = p.facts.median_gap_days[rows]
    fw, unres_all, tmo_all = p.feedback_counts(s.churn_feedback_days, s.churn_timeout_hours)
    negative = fw & (p.i_complaint | (p.i_sat <= s.negative_satisfaction_max) | (p.i_nps <= s.nps_detractor_max))
    neg = p.count(p.i_code[negative])[rows]
    unres, tmo = unres_all[rows], tmo_all[rows]
    if isinstance(p_alive, np.ndarray) and p_alive.ndim == 1 and p_alive.size == p.n:
        alive = p_alive.astype(float)[rows]  # aligned to the customer codes
    elif p_alive is not None and len(p_alive):
        ids = p.id_array[rows]
        alive = pd.to_numeric(p_alive, errors="coerce").reindex(as_text(pd.Index(ids))).to_numpy(dtype=float)
    else:
        alive = np.full(rows.size, np.nan)
    sig = churn_signals(days, gap, last, prev, neg, unres, tmo, s, p_alive=alive)
    count: np.ndarray = functools.reduce(np.add, (v.astype(int) for v in sig.values()))  # (= sum(), broadcasting)
    rank = np.where(count >= s.churn_high_min_signals, 0, np.where(count >= max(s.churn_medium_min_signals, 1), 1, 2))
    if layers is not None and len(layers):
        at = p.rows_of(layers["customer_id"])[rows]  # row of each customer in layers
        layer, layer_label = take_texts(layers["layer"], at), take_texts(layers["layer_label"], at)
        monetary = layers["monetary"].to_numpy(dtype=float, na_value=np.nan)[np.maximum(at, 0)]
        monetary[at < 0] = np.nan
    else:
        layer = layer_label = text_array(np.full(rows.size, "", dtype=object))
        monetary = p.facts.total[rows]
    # sorted by risk, then value (largest first), then customer ID; every column in that order
    order = np.lexsort((p.id_rank[rows], -monetary, rank))
    rows, rank, count = rows[order], rank[order], count[order]
    days, gap, last, prev, neg, unres, tmo, alive, layer, layer_label, monetary = (
        v[order] for v in (days, gap, last, prev, neg, unres, tmo, alive, layer, layer_label, monetary))
    text = (lambda v: text_array(v))
    cols = {
        "customer_id": p.id_strings.take(rows),
        "customer_name": p.text_array("customer_name").take(rows),
        "owner": p.text_array("owner").take(rows),
        "days_since_last": days,
        "usual_gap_days": gap,
        "orders_last": last,
        "orders_prev": prev,
        "frequency_change": np.where(prev > 0, (last - prev) / np.where(prev > 0, prev, 1), np.nan),
        "negative_feedback": neg,
        "unresolved_complaints": unres,
        "response_timeouts": tmo,
        "p_alive": alive,
        "signals": count.astype(float),
        "risk": text(np.array(["high", "medium", "low"], dtype=object)[rank]),
        "risk_label": text(np.array([RISK_LABELS[s.lang][k] for k in ("high", "medium", "low")], dtype=object)[rank]),
        "reasons": text(churn_reasons(days, gap, last, prev, neg, unres, tmo, s, p_alive=alive)),
        "last_purchase_date": p.facts.last_day[rows].astype("datetime64[D]").astype("datetime64[ns]"),
        "layer": layer,
        "layer_label": layer_label,
        "monetary": monetary,
    }
    return pd.DataFrame({c: cols[c] for c in CHURN_COLUMNS})
