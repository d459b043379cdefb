"""Effect tracking (效果跟踪, seed 000 step 6; issue 8 item 3).

Computed from the strategy execution table *as the user filled it* (status, owner, start
and deadline dates, possibly hand-added rows) plus the data.

Per row
-------
* status key: the 执行状态 text in either language (blank = 未开始; any other text a user
  typed, e.g. "已联系", counts as 进行中);
* **applicable**: not 不再适用 and not retired by a refresh -- except that a row marked
  已完成 always counts (work done before the customer changed layer is still done);
* **started**: status 进行中 / 已完成 / 已逾期 (or other text) with a valid 开始日期 on or
  before the reference day ``today`` (default: the analysis date);
* **overdue**: :func:`crm_xl.core.strategy.overdue_mask` (status 已逾期, or 截止日期 before
  ``today`` while not 已完成 / 不再适用 / retired).

Before vs after (started rows)
------------------------------
For a row starting on day ``s``: ``L = min(effect_window_days, today - s + 1)`` days;
*before* = days ``[s - L, s)``, *after* = days ``[s, s + L)``, so both windows have the
same length and the after window never passes the analysis date. Per group (sums over
its started rows):

=====================  ===================================================================
metric                 formula
=====================  ===================================================================
repurchase rate 复购率  rows whose customer ordered at least once in the window / started
                       rows (every customer in the table has bought before, so an order
                       in the window is a repeat purchase)
revenue 销售额          sum of the customers' order amounts in the window (元)
NPS                    (promoters - detractors) / responses x 100 over 0-10 scores in the
                       window (bands from the settings)
complaints 投诉数       interactions in the window whose type matches ``keywords_complaint``
=====================  ===================================================================

Completion rate 完成率 = rows 已完成 / applicable rows. Groups: 客户层级, 策略措施 and 负责人
(``dimension`` = ``layer`` / ``strategy`` / ``owner``), plus ``overall``.
"""

from __future__ import annotations

__all__ = ["EffectResult", "effect_tracking", "EFFECT_COLUMNS", "OVERDUE_COLUMNS", "row_status"]

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..settings import AnalysisSettings
from ..texts import Texts
from .carry import map_distinct
from .dataset import CrmData
from .order_facts import prefix_sums, range_sums
from .prepared import Prepared, match_keywords, prepared_for
from .strategy import _dates, is_retired, overdue_mask, status_key

EFFECT_COLUMNS = (
    "dimension", "group", "rows", "applicable", "done", "in_progress", "not_started", "overdue", "completion_rate",
    "started", "window_days", "repurchase_before", "repurchase_after", "revenue_before", "revenue_after",
    "revenue_change", "nps_before", "nps_after", "complaints_before", "complaints_after",
)
OVERDUE_COLUMNS = ("customer_id", "customer_name", "layer_label", "action", "owner", "deadline", "status",
                   "days_overdue")
TEXTS = Texts({
    # the groups results are compared by
    "overall": ("总体", "Overall"),
    "blank_group": ("（未填写）", "(blank)"),
})


@dataclass(frozen=True, eq=False)
class EffectResult:
    """Effect tracking of one strategy table.

    Attributes
    ----------
    table : DataFrame
        The strategy table used, plus ``status_key``, ``applicable``, ``started``,
        ``overdue`` and the per-row window sums (``orders_before`` ...).
    by_group : DataFrame
        :data:`EFFECT_COLUMNS`; ``dimension`` in overall / layer / strategy / owner.
    overdue : DataFrame
        :data:`OVERDUE_COLUMNS`, most overdue first.
    today : Timestamp
        The reference day.
    """

    table: pd.DataFrame
    by_group: pd.DataFrame
    overdue: pd.DataFrame
    today: pd.Timestamp

    def dimension(self, name: str) -> pd.DataFrame:
        """The ``by_group`` rows of one dimension."""
        return self.by_group[self.by_group["dimension"] == name].reset_index(drop=True)


def row_status(table: pd.DataFrame) -> np.ndarray:
    """Status key per row: blank -> not_started, unknown text -> in_progress."""
    keys = np.array(map_distinct(status_key, table["status"]) if "status" in table else [""] * len(table),
                    dtype=object)
    keys[keys == ""] = "not_started"
    keys[keys == "other"] = "in_progress"
    return keys


def _nps(prom: float, det: float, resp: float) -> float:
    return (prom - det) / resp * 100.0 if resp > 0 else np.nan


def _window_sums(p: Prepared, s: AnalysisSettings, ok: np.ndarray, code: np.ndarray, start_day: np.ndarray,
                 L: np.ndarray) -> dict[str, np.ndarray]:
    """Per strategy row (``ok``: evaluated; customer ``code``, window of ``L`` days from
    ``start_day``): orders, revenue, promoters, detractors, responses and complaints in the
    window before and after its start (0 for the rows not evaluated)."""
    base = np.int64(1 << 22)  # day numbers are < 2^22 until the year 13000
    ikey = p.i_code.astype(np.int64) * base + p.i_day.astype(np.int64)
    i_ord = np.argsort(ikey, kind="stable")
    nps_v = p.i_nps[i_ord]
    prom = (nps_v >= s.nps_promoter_min).astype(float)
    det = ((nps_v <= s.nps_detractor_max) & ~np.isnan(nps_v)).astype(float)
    resp = (~np.isnan(nps_v)).astype(float)
    compl = match_keywords(p.i_type, s.keywords_complaint)[i_ord].astype(float) if len(p.i_type) else np.zeros(0)
    ikey = ikey[i_ord]
    ocode = np.where(ok, code, 0)
    cbase = ocode.astype(np.int64) * base
    sd = np.where(ok, start_day, 0).astype(np.int64)
    Lw = np.where(ok, L, 0).astype(np.int64)
    i_sums = [prefix_sums(v) for v in (prom, det, resp, compl)]
    cols = {}
    windows = (("before", sd - Lw, sd), ("after", sd, sd + Lw))
    order_sums = p.facts.window_totals(ocode, [(lo, hi) for _, lo, hi in windows])
    for (when, lo, hi), (cnt, rev) in zip(windows, order_sums, strict=True):
        _, pr, de, rs, cp = range_sums(ikey, i_sums, cbase + lo, cbase + hi)
        for name, v in (("orders", cnt), ("revenue", rev), ("promoters", pr), ("detractors", de),
                        ("responses", rs), ("complaints", cp)):
            cols[f"{name}_{when}"] = np.where(ok, v, 0.0)
    return cols


def effect_tracking(table: pd.DataFrame, data: CrmData, settings: AnalysisSettings | None = None, *,
                    as_of: pd.Timestamp | None = None, today: pd.Timestamp | None = None,
                    prepared: Prepared | None = None) -> EffectResult:
    """Completion, overdue rows, owners' progress and KPIs before vs after each strategy's start.

    Parameters
    ----------
    table : DataFrame
        The strategy execution table as filled (:func:`crm_xl.core.strategy.strategy_table`
        columns; values may be text, numbers or dates as typed).
    data : CrmData
        Cleaned data (orders and interactions are used).
    settings : AnalysisSettings, optional
        ``effect_window_days``, NPS bands, ``keywords_complaint``, ``lang``.
    as_of : Timestamp, optional
        The analysis date (default: resolved from the data as in :func:`crm_xl.core.analysis.analyze`).
    today : Timestamp, optional
        Reference day for started / overdue (default ``as_of``).
    prepared : Prepared, optional
        The analysis's :class:`~crm_xl.core.prepared.Prepared` of ``data`` (the report passes
        it: preparing ten million orders again costs seconds); used when its analysis date
        is ``as_of`` (or ``as_of`` is not given), else ``data`` is prepared here.

    Returns
    -------
    EffectResult
    """
    s = settings or AnalysisSettings()
    lang = s.lang
    p = prepared_for(data, s, as_of, prepared)
    today = pd.Timestamp(today if today is not None else p.as_of).normalize()
    t = table.reset_index(drop=True).copy()
    for c in ("customer_id", "customer_name", "layer_label", "action", "owner", "status", "deadline", "start_date",
              "origin"):
        if c not in t:
            t[c] = None
    n = len(t)
    st = row_status(t)
    retired = is_retired(t["origin"])
    t["status_key"] = st
    t["applicable"] = (st == "done") | ((st != "not_applicable") & ~retired)
    start = _dates(t["start_date"])
    start_day = (start.to_numpy(dtype="datetime64[D]").astype("int64") if n else np.zeros(0, dtype="int64"))
    valid_start = start.notna().to_numpy()
    today_day = int(np.datetime64(today, "D").astype("int64"))
    t["started"] = np.isin(st, ["in_progress", "done", "overdue"]) & valid_start & (start_day <= today_day) \
        & (st != "not_applicable")
    t["overdue"] = overdue_mask(t, today) & t["applicable"].to_numpy(dtype=bool)

    # per-row windows
    W = int(s.effect_window_days)
    L = np.where(t["started"].to_numpy(dtype=bool), np.minimum(W, today_day - start_day + 1), 0)
    code = p.ids.get_indexer(pd.Index(map_distinct(lambda v: "" if v is None else str(v).strip(), t["customer_id"]),
                                      dtype=object)) if n else np.zeros(0, dtype="int64")
    ok = (L > 0) & (code >= 0)
    cols = _window_sums(p, s, ok, code, start_day, L)  # (its keys and sums freed on return: ~110 MB at 10M)
    for k, v in cols.items():
        t[k] = v
    t["window_days"] = np.where(ok, L, np.nan)
    t["evaluated"] = ok

    blank = TEXTS.lang(lang).blank_group
    groups = []
    for dim, col in (("overall", None), ("layer", "layer_label"), ("strategy", "action"), ("owner", "owner")):
        if col is None:
            keys = pd.Series([TEXTS.lang(lang).overall] * n, dtype=object)
        else:
            keys = pd.Series(map_distinct(lambda v: blank if v is None or (isinstance(v, float) and np.isnan(v))
                                          or not str(v).strip() else str(v).strip(), t[col]), dtype=object)
        for g, idx in keys.groupby(keys, sort=False).groups.items():
            groups.append(_group_row(dim, g, t.loc[idx]))
    by_group = pd.DataFrame(groups, columns=list(EFFECT_COLUMNS)) if groups else \
        pd.DataFrame({c: pd.Series(dtype=object) for c in EFFECT_COLUMNS})
    od = t[t["overdue"].to_numpy(dtype=bool)].copy()
    dl = _dates(od["deadline"])
    od["days_overdue"] = (today - dl).dt.days
    od["deadline"] = dl
    od = od.sort_values("days_overdue", ascending=False, kind="stable", na_position="last")
    overdue = od[list(OVERDUE_COLUMNS)].reset_index(drop=True)
    return EffectResult(table=t, by_group=by_group, overdue=overdue, today=today)


def _group_row(dim: str, group: str, g: pd.DataFrame) -> dict:
    st = g["status_key"].to_numpy(dtype=object)
    app = g["applicable"].to_numpy(dtype=bool)
    ev = g["evaluated"].to_numpy(dtype=bool)
    done = int(((st == "done") & app).sum())
    n_app = int(app.sum())
    e = g[ev]
    n_ev = len(e)

    def rate(col: str) -> float:
        return float((e[col] > 0).sum()) / n_ev if n_ev else np.nan

    rb, ra = (float(e["revenue_before"].sum()) if n_ev else np.nan), (float(e["revenue_after"].sum()) if n_ev else np.nan)
    return {
        "dimension": dim,
        "group": group,
        "rows": len(g),
        "applicable": n_app,
        "done": done,
        "in_progress": int(((st == "in_progress") & app).sum()),
        "not_started": int(((st == "not_started") & app).sum()),
        "overdue": int(g["overdue"].to_numpy(dtype=bool).sum()),
        "completion_rate": done / n_app if n_app else np.nan,
        "started": n_ev,
        "window_days": float(e["window_days"].mean()) if n_ev else np.nan,
        "repurchase_before": rate("orders_before"),
        "repurchase_after": rate("orders_after"),
        "revenue_before": rb,
        "revenue_after": ra,
        "revenue_change": (ra - rb) / rb if n_ev and rb > 0 else np.nan,
        "nps_before": _nps(e["promoters_before"].sum(), e["detractors_before"].sum(), e["responses_before"].sum())
        if n_ev else np.nan,
        "nps_after": _nps(e["promoters_after"].sum(), e["detractors_after"].sum(), e["responses_after"].sum())
        if n_ev else np.nan,
        "complaints_before": float(e["complaints_before"].sum()) if n_ev else np.nan,
        "complaints_after": float(e["complaints_after"].sum()) if n_ev else np.nan,
    }
