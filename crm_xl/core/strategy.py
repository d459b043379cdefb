"""The strategy execution table (客户策略执行表, seed 000 steps 5-6; issue 8).

One row per customer x strategy: every customer whose layer has a strategy in
``settings.strategies`` (in rfm11 mode the layer's group). The strategy of a layer gives the
action (策略措施), the owner role (负责人: 资深客户经理 / 销售专员 / 销售主管) and the deadline in
days; the start date is the analysis date and the deadline the start plus those days
(流失风险: call back within 1 week = 7 days). 问题/原因 comes from the churn warning (risk and
the indicators that fired, e.g. "售后响应超时2次") and Template 1's remark.

Rows are keyed by customer ID + 客户层级 (each layer has one strategy). Users type the owner,
dates, status, log, result and notes; :func:`strategy_table` carries them over from the
previous version (:func:`crm_xl.core.carry.carry_over` with :func:`strategy_lifecycle`):
typed cells are kept as they were, new rows are appended, rows no longer produced are
marked "不再适用（date）：reason" in the 系统标记 column, hand-added rows are kept and marked.

Columns (:data:`STRATEGY_COLUMNS`): ``customer_id``, ``customer_name``, ``layer_label``,
``risk_label``, ``problem``, ``action``, ``owner``, ``start_date``, ``deadline``, ``status``,
``log``, ``result``, ``note``, ``origin``. Editable: :data:`STRATEGY_EDITABLE`.
"""

from __future__ import annotations

__all__ = [
    "STATUS_KEYS",
    "STATUS_LABELS",
    "STRATEGY_COLUMNS",
    "STRATEGY_EDITABLE",
    "STRATEGY_KEYS",
    "ORIGIN_LABELS",
    "status_labels",
    "status_key",
    "strategy_rows",
    "strategy_lifecycle",
    "strategy_table",
    "is_retired",
    "overdue_mask",
]

import numpy as np
import pandas as pd

from ..settings import AnalysisSettings, StrategyRule
from ..texts import Texts
from .carry import RowLifecycle, carry_over, key_text, map_distinct

STATUS_KEYS = ("not_started", "in_progress", "done", "overdue", "not_applicable")
STATUS_LABELS = {
    "zh": ("未开始", "进行中", "已完成", "已逾期", "不再适用"),
    "en": ("Not started", "In progress", "Done", "Overdue", "Not applicable"),
}
STRATEGY_COLUMNS = ("customer_id", "customer_name", "layer_label", "risk_label", "problem", "action", "owner",
                    "start_date", "deadline", "status", "log", "result", "note", "origin")
STRATEGY_EDITABLE = ("owner", "start_date", "deadline", "status", "log", "result", "note")
STRATEGY_KEYS = ("customer_id", "layer_label")
ORIGIN_LABELS = {
    "zh": {"generated": "自动生成", "hand": "手工添加", "stale": "不再适用"},
    "en": {"generated": "Generated", "hand": "Added by hand", "stale": "Not applicable"},
}

TEXTS = Texts({
    # the problem a strategy row addresses
    "churn_risk": ("流失风险{risk}：{reasons}", "{risk} churn risk: {reasons}"),
    "rfm_total": ("{layer}（RFM总分{total:g}）", "{layer} (RFM total {total:g})"),
    "problem_sep": ("；", "; "),
    # a row no longer produced: "不再适用（分析日期）：reason"
    "now_layer": ("客户当前为「{layer}」，本策略不再生成", "the customer is now '{layer}'; this strategy is no longer generated"),
    "not_analysed": ("客户不在本次分析中（无有效订单或已删除）",
                     "the customer is not in this analysis (no valid orders or removed)"),
    "stale_template": ("{stale}（{day}）：{{reason}}", "{stale} ({day}): {{reason}}"),
})

# any language's label (and a few spellings users type) -> key
_STATUS_LOOKUP = {lab.lower(): key for labs in STATUS_LABELS.values() for key, lab in zip(STATUS_KEYS, labs, strict=True)}
_STATUS_LOOKUP.update({"完成": "done", "已完成 ": "done", "逾期": "overdue", "进行": "in_progress", "跟进中": "in_progress",
                       "completed": "done", "complete": "done", "n/a": "not_applicable", "not started": "not_started"})


def status_labels(lang: str = "zh") -> tuple[str, ...]:
    """The status drop-down values (未开始 / 进行中 / 已完成 / 已逾期 / 不再适用)."""
    return STATUS_LABELS["zh" if lang == "zh" else "en"]


def status_key(value: object) -> str:
    """The status key of a cell value in either language; ``""`` for blank, ``"other"`` for
    text that is no known status."""
    t = key_text(value).lower()
    if not t:
        return ""
    return _STATUS_LOOKUP.get(t, "other")


def _risk_order(risk: pd.Series) -> np.ndarray:
    return risk.map({"high": 0, "medium": 1, "low": 2}).fillna(3).to_numpy()


def strategy_rows(result, settings: AnalysisSettings | None = None) -> pd.DataFrame:
    """The generated rows of the strategy execution table (no user input merged).

    Parameters
    ----------
    result : AnalysisResult
        ``rfm`` (layers) and ``churn`` are used.
    settings : AnalysisSettings, optional
        Default ``result.settings``.

    Returns
    -------
    DataFrame
        Columns :data:`STRATEGY_COLUMNS` (plus ``layer``, the layer key), most urgent first:
        by deadline days, then churn risk (high first), then amount (largest first).
    """
    s = settings or result.settings
    lang = s.lang
    t = TEXTS.lang(lang)
    zh = t.zh  # (the strategies carry their actions and owners in both languages)
    layers = result.rfm
    cols = list(STRATEGY_COLUMNS) + ["layer"]
    if len(layers) == 0:
        out = pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
        out["start_date"] = pd.Series(dtype="datetime64[ns]")
        out["deadline"] = pd.Series(dtype="datetime64[ns]")
        return out
    rules: list[StrategyRule | None] = []
    group = layers["layer_group"] if "layer_group" in layers else layers["layer"]
    rule_of: dict = {}  # (layer, group) -> its rule: a few pairs among many customers
    for pair in zip(layers["layer"].tolist(), group.tolist(), strict=True):
        if pair not in rule_of:
            rule_of[pair] = s.strategy_for(pair[0]) or s.strategy_for(pair[1])
        rules.append(rule_of[pair])
    has = np.array([r is not None for r in rules], dtype=bool)
    lay = layers.loc[has].reset_index(drop=True)
    found = [r for r in rules if r is not None]
    churn = result.churn.drop_duplicates("customer_id").set_index("customer_id") if len(result.churn) else None
    ids = lay["customer_id"].astype(str)
    if churn is not None:
        ours = churn[["risk", "risk_label", "reasons"]].reindex(ids)  # (the IDs looked up once for the three)
        risk = ours["risk"].fillna("").astype(str).reset_index(drop=True)
        risk_label = ours["risk_label"].fillna("").astype(str).reset_index(drop=True)
        reasons = ours["reasons"].fillna("").astype(str).reset_index(drop=True)
    else:
        risk = risk_label = reasons = pd.Series([""] * len(lay))
    remark = lay["remark"].fillna("").astype(str) if "remark" in lay else pd.Series([""] * len(lay))
    problems = []
    done: dict = {}  # the problem text of each distinct row (most rows repeat a few)
    for row in zip(risk.tolist(), risk_label.tolist(), reasons.tolist(), remark.tolist(),
                   lay["layer_label"].astype(str).tolist(),
                   lay.get("rfm_total", pd.Series([np.nan] * len(lay))).tolist(), strict=True):
        if row in done:
            problems.append(done[row])
            continue
        rk, rl, rs, rm, ll, tot = row
        parts = []
        if rk in ("high", "medium") and rs:
            parts.append(t("churn_risk", risk=rl, reasons=rs))
        if rm and rm not in rs:
            parts.append(rm)
        if not parts:
            if tot == tot:  # not NaN
                parts.append(t("rfm_total", layer=ll, total=tot))
            else:
                parts.append(ll)
        problems.append(done.setdefault(row, t.problem_sep.join(parts)))
    start = pd.Timestamp(result.as_of).normalize()
    days = np.array([r.deadline_days for r in found], dtype="int64")
    out = pd.DataFrame({
        "customer_id": ids.to_numpy(dtype=object),
        "customer_name": lay["customer_name"].astype(object).where(lay["customer_name"].notna(), "").to_numpy()
        if "customer_name" in lay else "",
        "layer_label": lay["layer_label"].astype(str).to_numpy(dtype=object),
        "risk_label": risk_label.to_numpy(dtype=object),
        "problem": np.array(problems, dtype=object),
        "action": np.array([r.action_zh if zh else r.action_en for r in found], dtype=np.object_),
        "owner": np.array([r.owner_role_zh if zh else r.owner_role_en for r in found], dtype=np.object_),
        "start_date": pd.Series([start] * len(lay), dtype="datetime64[ns]"),
        "deadline": pd.Series(start + pd.to_timedelta(days, unit="D"), dtype="datetime64[ns]"),
        "status": status_labels(lang)[0],
        "log": None,
        "result": None,
        "note": None,
        "origin": ORIGIN_LABELS[lang]["generated"],
        "layer": lay["layer"].astype(str).to_numpy(dtype=object),
    })
    money = pd.to_numeric(lay["monetary"], errors="coerce").fillna(0).to_numpy() if "monetary" in lay else np.zeros(len(lay))
    order = np.lexsort((-money, _risk_order(risk), days))
    return out.iloc[order].reset_index(drop=True)[cols]


def strategy_lifecycle(result, settings: AnalysisSettings | None = None) -> RowLifecycle:
    """How a refresh marks rows no longer produced: "不再适用（分析日期）：reason", the reason
    naming the customer's current layer (or that the customer is no longer analysed)."""
    s = settings or result.settings
    t = TEXTS.lang(s.lang)
    labels = ORIGIN_LABELS[s.lang]
    day = f"{pd.Timestamp(result.as_of):%Y-%m-%d}"
    reasons: dict[str, str] = {}
    if len(result.rfm):
        texts: dict = {}  # (one text per layer label)
        for cid, lab in zip(result.rfm["customer_id"].tolist(), result.rfm["layer_label"].tolist(), strict=True):
            if lab not in texts:
                texts[lab] = t("now_layer", layer=lab)
            reasons[key_text(cid)] = texts[lab]
    default = t.not_analysed
    stale = labels["stale"]
    return RowLifecycle(
        mark_column="origin",
        generated=labels["generated"],
        hand_added=labels["hand"],
        stale_prefix=stale,
        stale_template=t("stale_template", stale=stale, day=day),
        reason_column="customer_id",
        reasons=reasons,
        default_reason=default,
    )


def strategy_table(result, previous: pd.DataFrame | None = None,
                   settings: AnalysisSettings | None = None) -> pd.DataFrame:
    """The strategy execution table with the user's previous version merged in.

    Parameters
    ----------
    result : AnalysisResult
    previous : DataFrame, optional
        The table as the user left it (columns named by :data:`STRATEGY_COLUMNS` keys;
        missing columns are fine), e.g. read from the workbook before a refresh.
    settings : AnalysisSettings, optional

    Returns
    -------
    DataFrame
        Columns :data:`STRATEGY_COLUMNS`. Without ``previous``: :func:`strategy_rows`.
        With it: the user's rows in their order (typed cells unchanged, retired rows marked,
        hand-added rows kept), then the new rows.
    """
    new = strategy_rows(result, settings)[list(STRATEGY_COLUMNS)]
    if previous is None or len(previous) == 0:
        return new
    return carry_over(new, previous, keys=STRATEGY_KEYS, editable=STRATEGY_EDITABLE, columns=STRATEGY_COLUMNS,
                      lifecycle=strategy_lifecycle(result, settings))


def is_retired(origin: pd.Series) -> np.ndarray:
    """Rows marked retired by a refresh (系统标记 starting with 不再适用 / Not applicable)."""
    prefixes = tuple(v["stale"] for v in ORIGIN_LABELS.values())
    return np.array(map_distinct(lambda v: key_text(v).startswith(prefixes), origin), dtype=bool)


def _date_of(v: object) -> pd.Timestamp:
    if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
        f = float(v)
        return pd.Timestamp("1899-12-30") + pd.Timedelta(days=int(f)) if np.isfinite(f) and 1 <= f < 2958466 else pd.NaT
    try:
        ts = pd.Timestamp(v) if not (v is None or key_text(v) == "") else pd.NaT
    except (ValueError, TypeError):
        ts = pd.NaT
    return ts.normalize() if ts is not pd.NaT and ts.tzinfo is None else pd.NaT


def _dates(values: pd.Series) -> pd.Series:
    """Dates typed in a column: real dates, Excel serials, or text like 2024-10-07."""
    if values.dtype == "datetime64[ns]":  # (dates already: each its day, as _date_of gives it)
        return values.dt.normalize()
    return pd.Series(map_distinct(_date_of, values.tolist()), index=values.index, dtype="datetime64[ns]")


def overdue_mask(table: pd.DataFrame, today: pd.Timestamp) -> np.ndarray:
    """Rows overdue on ``today``: status 已逾期, or a deadline strictly before ``today`` while
    the status is neither 已完成 nor 不再适用 and the row is not retired. A row due today is
    not overdue yet. (The sheet's highlight uses the same rule on the analysis date.)"""
    if len(table) == 0:
        return np.zeros(0, dtype=bool)
    st = np.array(map_distinct(status_key, table["status"]), dtype=object)
    deadline = _dates(table["deadline"]) if "deadline" in table else pd.Series(pd.NaT, index=table.index)
    late = (deadline < pd.Timestamp(today).normalize()).fillna(False).to_numpy(dtype=bool)
    retired = is_retired(table["origin"]) if "origin" in table else np.zeros(len(table), dtype=bool)
    open_ = ~np.isin(st, ["done", "not_applicable"]) & ~retired
    return (st == "overdue") | (late & open_)
