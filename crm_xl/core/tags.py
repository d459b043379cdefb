"""Behaviour and need tags (seed 000 step 3 标签化补充), each from an editable rule.

A :class:`~crm_xl.settings.TagRule` fires for a customer when one per-customer metric is at
least its threshold. The metrics (over the KPI window, ``settings.kpi_window_months``):

==========================  ==================================================================
metric                      definition
==========================  ==================================================================
discount_order_share        orders bought at a discount (``discount > 0``) or in a campaign /
                            orders; NaN below ``settings.tag_min_orders`` orders
technical_interactions      interactions whose type or notes match ``keywords_technical``
visits                      interactions matching ``keywords_visit`` (visits, meetings, demos)
lead_cycle_days             mean days from lead creation to closing, over the customer's won leads
custom_requests             interactions matching ``keywords_custom`` (定制, 个性化, ...)
after_sales_contacts        interactions matching ``keywords_after_sales`` (售后, 响应, 投诉, ...)
==========================  ==================================================================

Default rules: 价格敏感型 (discount_order_share >= 50%), 技术需求型 (technical_interactions >= 3),
决策链复杂 (lead_cycle_days >= 60 or visits >= 6), 需定制化服务 (custom_requests >= 1),
关注售后响应 (after_sales_contacts >= 2). Every tag row says which rule fired and with what
value, e.g. "折扣/活动订单占比 80% ≥ 50%".
"""

from __future__ import annotations

__all__ = ["tag_metrics", "customer_tags", "tags_per_customer", "TAG_COLUMNS", "METRIC_NAMES"]

import numpy as np
import pandas as pd

from ..settings import TAG_METRICS, AnalysisSettings
from ..texts import Texts, language_index
from .dataset import CrmData
from .prepared import Prepared, factorize_objects, lookup_objects, prepare, stage_matches
from .text import as_text, text_array

TEXTS = Texts({
    "sep": ("、", ", "),  # between a customer's tags
})

TAG_COLUMNS = ("customer_id", "tag", "tag_label", "metric", "value", "threshold", "reason")

# metric -> (zh name, en name, zh unit, en unit, is a share)
METRIC_NAMES = {
    "discount_order_share": ("折扣/活动订单占比", "share of discounted/campaign orders", "", "", True),
    "technical_interactions": ("技术类互动", "technical interactions", "次", " times", False),
    "visits": ("拜访/会议", "visits/meetings", "次", " times", False),
    "lead_cycle_days": ("线索成交周期", "lead-to-deal cycle", "天", " days", False),
    "custom_requests": ("定制化需求", "customisation requests", "次", " times", False),
    "after_sales_contacts": ("售后类互动", "after-sales contacts", "次", " times", False),
}


def _window_start(p: Prepared) -> int:
    m = p.settings.kpi_window_months
    return np.iinfo(np.int64).min if m is None else p.day_months_before(m)


def tag_metrics(data: CrmData | None = None, settings: AnalysisSettings | None = None, *,
                prepared: Prepared | None = None) -> pd.DataFrame:
    """The tag metrics (see module docstring) for every customer, indexed by ``customer_id``."""
    settings = settings or (prepared.settings if prepared is not None else AnalysisSettings())
    if prepared is None:
        if data is None:
            raise TypeError("tag_metrics needs data or prepared")
        prepared = prepare(data, settings)
    p = prepared
    s = settings
    start = _window_start(p)
    n_orders = p.facts.orders_between(start)
    n_promo = p.facts.promo_between(start)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(n_orders >= max(s.tag_min_orders, 1), n_promo / n_orders, np.nan)
    iw = p.i_day > start
    kinds = p.interaction_kinds
    if kinds is not None:  # the window's interactions once; per keyword set a lookup of their kind
        kw_codes, kw_kinds = p.i_code[iw], kinds[0][iw]

        def inter(keywords):
            return p.count(kw_codes[p.kind_hits(keywords)[kw_kinds]])
    else:
        def inter(keywords):
            return p.count(p.i_code[iw & p.interactions_matching(keywords)])

    out = pd.DataFrame({
        "discount_order_share": share,
        "technical_interactions": inter(s.keywords_technical),
        "visits": inter(s.keywords_visit),
        "lead_cycle_days": _lead_cycle_days(p),
        "custom_requests": inter(s.keywords_custom),
        "after_sales_contacts": inter(s.keywords_after_sales),
    }, index=p.ids)
    return out[list(TAG_METRICS)]


def _lead_cycle_days(p: Prepared) -> np.ndarray:
    out = np.full(p.n, np.nan)
    leads = p.leads
    if len(leads) == 0 or "closed_date" not in leads or "customer_id" not in leads:
        return out
    won = stage_matches(leads["stage"], p.settings.stage_won) if "stage" in leads else np.zeros(len(leads), bool)
    days = (pd.to_datetime(leads["closed_date"]) - pd.to_datetime(leads["created_date"])).dt.days.to_numpy(
        dtype=float, na_value=np.nan)
    codes = lookup_objects(p.ids, as_text(leads["customer_id"]))
    ok = won & (codes >= 0) & ~np.isnan(days) & (days >= 0)
    if ok.any():
        total = np.bincount(codes[ok], weights=days[ok], minlength=p.n)
        n = np.bincount(codes[ok], minlength=p.n)
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.where(n > 0, total / n, np.nan)
    return out


def _fmt_value(metric: str, v: float, zh: bool) -> str:
    name_zh, name_en, unit_zh, unit_en, share = METRIC_NAMES[metric]
    if share:
        return f"{v:.0%}"
    return f"{v:g}{unit_zh if zh else unit_en}" if float(v).is_integer() else f"{v:.1f}{unit_zh if zh else unit_en}"


def _fmt_values(metric: str, v: np.ndarray, zh: bool) -> np.ndarray:
    """Vectorised :func:`_fmt_value` (object array of texts)."""
    name_zh, name_en, unit_zh, unit_en, share = METRIC_NAMES[metric]
    if share:
        return pd.Series(np.round(v * 100)).astype(np.int64).astype(str).to_numpy(dtype=object) + "%"
    whole = np.isclose(v, np.round(v))
    txt = np.where(whole, pd.Series(np.round(v)).astype(np.int64).astype(str).to_numpy(dtype=object),
                   pd.Series(np.round(v, 1)).astype(str).to_numpy(dtype=object))
    return txt.astype(object) + (unit_zh if zh else unit_en)


def customer_tags(data: CrmData | None = None, settings: AnalysisSettings | None = None, *,
                  prepared: Prepared | None = None, metrics: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every tag that fires, one row per (customer, rule that fired).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TAG_COLUMNS`: ``tag`` (key), ``tag_label`` (in ``settings.lang``),
        ``metric``, ``value`` (the customer's metric), ``threshold`` (the rule's minimum)
        and ``reason`` ("折扣/活动订单占比 80% ≥ 50%"). Ordered by customer ID, then rule order.
    """
    return _customer_tags(data, settings, prepared=prepared, metrics=metrics)[0]


def _customer_tags(data: CrmData | None = None, settings: AnalysisSettings | None = None, *,
                   prepared: Prepared | None = None, metrics: pd.DataFrame | None = None
                   ) -> tuple[pd.DataFrame, np.ndarray]:
    """:func:`customer_tags` and the position of each row's customer in ``metrics.index``."""
    settings = settings or (prepared.settings if prepared is not None else AnalysisSettings())
    if metrics is None:
        metrics = tag_metrics(data, settings, prepared=prepared)
    zh = settings.lang == "zh"
    pos_parts: list[np.ndarray] = []
    rule_parts: list[np.ndarray] = []
    values: list[np.ndarray] = []
    reasons: list[np.ndarray] = []
    for rule_at, rule in enumerate(settings.tag_rules):
        v = metrics[rule.metric].to_numpy(dtype=float)
        hit = np.flatnonzero(v >= rule.min_value)
        if hit.size == 0:
            continue
        vals = v[hit]
        name = METRIC_NAMES[rule.metric][language_index(settings.lang)]
        thr = _fmt_value(rule.metric, rule.min_value, zh)
        # the reason text once per distinct value
        codes, uniq = pd.factorize(vals)
        texts = f"{name} " + _fmt_values(rule.metric, np.asarray(uniq, dtype=float), zh) + f" ≥ {thr}"
        pos_parts.append(hit)
        rule_parts.append(np.full(hit.size, rule_at))
        values.append(vals)
        reasons.append(np.asarray(texts, dtype=object)[codes])
    if not pos_parts:
        return pd.DataFrame({c: pd.Series(dtype="float64" if c in ("value", "threshold") else "str")
                             for c in TAG_COLUMNS}), np.zeros(0, dtype=np.intp)
    pos, rule_no = np.concatenate(pos_parts), np.concatenate(rule_parts)
    # ordered by customer ID, then rule order
    index = metrics.index
    if prepared is not None and (index is prepared.ids or index.equals(prepared.ids)):
        id_rank = prepared.id_rank
    else:
        id_rank, _ = pd.factorize(index, sort=True)
        id_rank = np.where(id_rank < 0, len(index), id_rank)
    order = np.lexsort((rule_no, id_rank[pos]))
    pos, rule_no = pos[order], rule_no[order]
    rules = settings.tag_rules
    pick = (lambda f: np.array([f(r) for r in rules], dtype=object)[rule_no])
    out = pd.DataFrame({
        "customer_id": text_array(index.to_numpy()[pos]),
        "tag": text_array(pick(lambda r: r.tag)),
        "tag_label": text_array(pick(lambda r: r.label_zh if zh else r.label_en)),
        "metric": text_array(pick(lambda r: r.metric)),
        "value": np.concatenate(values)[order],
        "threshold": np.array([float(r.min_value) for r in rules])[rule_no],
        "reason": text_array(np.concatenate(reasons)[order]),
    })
    return out[list(TAG_COLUMNS)], pos


def _tag_texts_by_position(tags: pd.DataFrame, pos: np.ndarray, n: int, lang: str = "zh",
                           order: tuple[str, ...] | None = None) -> np.ndarray:
    """:func:`tags_per_customer` as an object array of length ``n`` ('' without tags), for
    ``tags`` whose row ``i`` belongs to customer position ``pos[i]`` (no ID lookups)."""
    out = np.full(n, "", dtype=object)
    if len(tags) == 0:
        return out
    sep = TEXTS.lang(lang).sep
    keys = tags["tag"].to_numpy(dtype=object)
    labels = tags["tag_label"].to_numpy(dtype=object)
    kcodes, kuniq_array = factorize_objects(keys)  # rows of a tag from integer codes
    kuniq = list(kuniq_array)
    for t in dict.fromkeys([*(order or ()), *pd.unique(tags["tag"])]):
        if t in kuniq:
            m = np.flatnonzero(kcodes == kuniq.index(t))
        else:
            m = np.flatnonzero(keys == t)
        if m.size == 0:
            continue
        c, first = np.unique(pos[m], return_index=True)  # a tag counts once per customer (its first row)
        lab = labels[m[first]]
        cur = out[c]
        more = cur != ""  # the separator only where a label is already written
        if more.any():
            out[c[more]] = cur[more] + sep + lab[more]
            out[c[~more]] = lab[~more]
        else:
            out[c] = lab
    return out


def tags_per_customer(tags: pd.DataFrame, lang: str = "zh", order: tuple[str, ...] | None = None) -> pd.Series:
    """One text per customer: its distinct tag labels joined with '、' (zh) or ', ' (en), in
    ``order`` of tag keys (default: first appearance); indexed by ``customer_id``
    (customers without tags are absent)."""
    if len(tags) == 0:
        return pd.Series(dtype="str", name="tags")
    sep = TEXTS.lang(lang).sep
    first = tags.drop_duplicates(["customer_id", "tag"])
    codes, ids = pd.factorize(first["customer_id"])
    out = np.full(len(ids), "", dtype=object)
    labels = first["tag_label"].to_numpy(dtype=object)
    tag_codes, tag_keys = pd.factorize(first["tag"])
    keys = list(dict.fromkeys([*(order or ()), *pd.unique(tags["tag"])]))
    rank = {t: i for i, t in enumerate(keys)}
    for t in sorted(range(len(tag_keys)), key=lambda i: rank[tag_keys[i]]):
        m = tag_codes == t
        c, lab = codes[m], labels[m]
        cur = out[c]
        out[c] = np.where(cur == "", lab, cur + sep + lab)
    return pd.Series(out, index=pd.Index(ids, name="customer_id"), dtype="str", name="tags")
