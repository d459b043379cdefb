"""问题定位 per layer (seed 004 section 2.5): response timeouts, unresolved complaints, no
purchase of new products, negative NPS, high churn risk and valuable customers the BG/NBD model
thinks have probably left, each with the customers affected and a cause
(:func:`layer_problems`; see :mod:`crm_xl.core.insights`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..settings import AnalysisSettings
from ..texts import Texts
from .insight_common import VALUABLE_GROUPS, _money, _p_alive_of, _pct, p_alive_cutoff
from .prepared import Prepared, factorize_objects
from .text import as_text

if TYPE_CHECKING:
    from .clv_report import ClvResult

PROBLEM_COLUMNS = ("layer", "layer_label", "problem", "customers_affected", "customers", "share", "count", "text")

TEXTS = Texts({
    # one sentence per (layer, problem)
    "response_timeouts": ("{label}：{aff:.0f}位客户（占{share}）近{days}天发生售后响应超时共{total:.0f}次"
                          "（单个客户最多{most:.0f}次，超时标准{hours:g}小时），问题定位：客服流程效率不足",
                          "{label}: {aff:.0f} customers ({share}) had {total:.0f} response timeouts in the last "
                          "{days} days (up to {most:.0f} for one customer; limit {hours:g} h): service process too slow"),
    "unresolved": ("{label}：{total:.0f}个投诉/工单未解决（涉及{aff:.0f}位客户），问题定位：问题闭环跟进不足",
                   "{label}: {total:.0f} complaints/tickets unresolved ({aff:.0f} customers): issues not followed "
                   "through"),
    "no_new_product": ("{label}：{share}的活跃客户（{miss:.0f}/{act:.0f}）未采购新品{names}，问题定位：新产品推广触达不足",
                       "{label}: {share} of active customers ({miss:.0f}/{act:.0f}) have not bought the new "
                       "product(s) {names}: new-product promotion not reaching them"),
    "product": ("「{x}」", "{x}"),
    "list_sep": ("、", ", "),
    "low_nps": ("{label}：NPS为{v:.0f}（{resp:.0f}份评分），贬损者多于推荐者，问题定位：客户满意度偏低",
                "{label}: NPS {v:.0f} ({resp:.0f} responses), more detractors than promoters: low satisfaction"),
    "high_churn_risk": ("{label}：{cnt}位客户为高流失风险，累计购买金额{amount}，需优先挽回",
                        "{label}: {cnt} customers at high churn risk with {amount} of purchases: win back first"),
    "low_p_alive": ("{label}：{cnt}位客户（占{share}）的模型活跃概率低于{cut:.0%}，累计购买金额{amount}{quiet}"
                    "，问题定位：有价值客户可能已悄然流失，跟进不及时",
                    "{label}: {cnt} customers ({share}) have a model P(alive) below {cut:.0%}, with {amount} of "
                    "purchases{quiet}: valuable customers may have quietly left, follow-up too late"),
    "low_p_alive_one": ("{label}：{cnt}位客户（占{share}）的模型活跃概率低于{cut:.0%}，累计购买金额{amount}{quiet}"
                        "，问题定位：有价值客户可能已悄然流失，跟进不及时",
                        "{label}: {cnt} customer ({share}) has a model P(alive) below {cut:.0%}, with {amount} of "
                        "purchases{quiet}: valuable customers may have quietly left, follow-up too late"),
    "low_p_alive_quiet": ("，其中{quiet}位未被流失预警规则标记", "; {quiet} of them not flagged by the churn rules"),
})


def _empty_problems() -> pd.DataFrame:
    """The problems table with no rows (its columns typed)."""
    return pd.DataFrame({c: pd.Series(dtype="float64" if c in ("customers_affected", "customers", "share", "count")
                                      else "str") for c in PROBLEM_COLUMNS})


def _new_product_facts(p: Prepared, codes: np.ndarray, s: AnalysisSettings) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The products first sold in the last ``new_product_days`` (names, sorted); per customer
    whether they bought one, and whether they ordered at all in that period."""
    since = p.today - s.new_product_days
    active_recent = p.facts.orders_between(since - 1)[codes] > 0
    new_products, orders_new = p.facts.new_products(since)
    return new_products, orders_new[codes] > 0, active_recent


def _nps_by_layer(kpis_by_layer: pd.DataFrame | None) -> dict:
    """Layer -> (NPS, responses), from the KPI table by layer ({} without one)."""
    if kpis_by_layer is None or not len(kpis_by_layer):
        return {}
    k = kpis_by_layer[kpis_by_layer["kpi"] == "nps"]
    return dict(zip(k["group"], zip(k["value"], k["denominator"], strict=True), strict=True))


def _churn_facts(churn: pd.DataFrame | None) -> tuple[dict, pd.Series | None]:
    """Layer -> (customers at high churn risk, their purchase amount); the churn risk by
    customer ID (None without a churn table)."""
    if churn is None or not len(churn):
        return {}, None
    hc = churn.loc[churn["risk"].to_numpy(dtype=object) == "high", ["layer", "monetary"]]
    high = {k: (len(v), float(v["monetary"].sum())) for k, v in hc.groupby("layer")}
    return high, pd.Series(churn["risk"].to_numpy(dtype=object), index=as_text(churn["customer_id"]))


def _group_of(layers: pd.DataFrame, lay: np.ndarray, lay_codes: np.ndarray | None,
              lay_keys: np.ndarray | None) -> dict:
    """Layer -> its group (= dict(zip(layer, layer_group)): the group of each layer's last row)."""
    if "layer_group" not in layers:
        return {}
    if lay_keys is not None and lay_codes is not None:
        last = np.empty(len(lay_keys), dtype=np.intp)
        last[lay_codes] = np.arange(lay_codes.size)
        return dict(zip(list(lay_keys), layers["layer_group"].to_numpy(dtype=object)[last].tolist(), strict=True))
    return dict(zip(lay, layers["layer_group"].to_numpy(dtype=object), strict=True))


class _Problems:
    """The facts :func:`layer_problems` states per layer, and the rows found so far; one
    method per kind of problem, each adding its row for one layer when the problem occurs."""

    def __init__(self, prepared: Prepared, layers: pd.DataFrame, s: AnalysisSettings, churn: pd.DataFrame | None,
                 kpis_by_layer: pd.DataFrame | None, clv: "ClvResult | None", codes: np.ndarray) -> None:
        p = prepared
        self.s, self.tx = s, TEXTS.lang(s.lang)
        self.zh = self.tx.zh  # (amounts in 万: _money)
        _, unres_all, tmo_all = p.feedback_counts(s.churn_feedback_days, s.churn_timeout_hours)
        self.tmo, self.unres = tmo_all[codes], unres_all[codes]
        self.new_products, self.bought_new, self.active_recent = _new_product_facts(p, codes, s)
        self.nps_by_layer = _nps_by_layer(kpis_by_layer)
        self.high, self.risk_by_id = _churn_facts(churn)
        self.alive = _p_alive_of(clv, p, layers["customer_id"])
        self.cut = p_alive_cutoff(s)
        self.monetary = layers["monetary"].to_numpy(dtype=float, na_value=np.nan)
        self.ids = layers["customer_id"].to_numpy(dtype=object)
        self.rows: list[tuple] = []

    def feedback(self, key: str, label: str, m: np.ndarray, n: float) -> None:
        """Response timeouts, then unresolved complaints, of the layer's customers ``m``."""
        s, tx = self.s, self.tx
        t = self.tmo[m]
        if t.sum() > 0:
            aff = float((t > 0).sum())
            text = tx("response_timeouts", label=label, aff=aff, share=_pct(aff / n), days=s.churn_feedback_days,
                      total=t.sum(), most=t.max(), hours=s.churn_timeout_hours)
            self.rows.append((key, label, "response_timeouts", aff, n, aff / n, float(t.sum()), text))
        u = self.unres[m]
        if u.sum() > 0:
            aff = float((u > 0).sum())
            text = tx("unresolved", label=label, total=u.sum(), aff=aff)
            self.rows.append((key, label, "unresolved", aff, n, aff / n, float(u.sum()), text))

    def new_product(self, key: str, label: str, m: np.ndarray) -> None:
        """Active customers of the layer who bought none of the new products."""
        tx = self.tx
        if self.new_products:
            act = self.active_recent[m]
            miss = act & ~self.bought_new[m]
            if act.sum() > 0 and miss.sum() > 0:
                names = tx.list_sep.join(tx("product", x=x) for x in self.new_products[:3])
                text = tx("no_new_product", label=label, share=_pct(miss.sum() / act.sum()), miss=miss.sum(),
                          act=act.sum(), names=names)
                self.rows.append((key, label, "no_new_product", float(miss.sum()), float(act.sum()),
                                  float(miss.sum() / act.sum()), float(miss.sum()), text))

    def nps_and_churn(self, key: str, label: str, n: float) -> None:
        """A negative NPS, then the customers at high churn risk, of the layer."""
        tx = self.tx
        if key in self.nps_by_layer:
            v, resp = self.nps_by_layer[key]
            if not np.isnan(v) and v < 0:
                text = tx("low_nps", label=label, v=v, resp=resp)
                self.rows.append((key, label, "low_nps", np.nan, n, np.nan, float(v), text))
        if key in self.high:
            cnt, amount = self.high[key]
            text = tx("high_churn_risk", label=label, cnt=cnt, amount=_money(amount, self.zh))
            self.rows.append((key, label, "high_churn_risk", float(cnt), n, cnt / n, amount, text))

    def low_p_alive(self, key: str, label: str, m: np.ndarray, n: float, group: object) -> None:
        """Valuable customers of the layer the model thinks have probably left."""
        s, tx, alive = self.s, self.tx, self.alive
        if alive is not None and group in VALUABLE_GROUPS:
            low = m & (alive < self.cut)  # NaN (no prediction) is not low
            cnt = int(low.sum())
            if cnt >= max(s.insight_min_customers, 1):
                amount = float(np.nansum(self.monetary[low]))
                risk_by_id = self.risk_by_id
                quiet = 0 if risk_by_id is None else int(
                    (risk_by_id.reindex(as_text(pd.Index(self.ids[low]))) == "low").sum())
                text = tx("low_p_alive_one" if cnt == 1 else "low_p_alive", label=label, cnt=cnt, share=_pct(cnt / n),
                          cut=self.cut, amount=_money(amount, self.zh),
                          quiet=tx("low_p_alive_quiet", quiet=quiet) if quiet else "")
                self.rows.append((key, label, "low_p_alive", float(cnt), n, cnt / n, amount, text))


def layer_problems(prepared: Prepared, layers: pd.DataFrame, settings: AnalysisSettings,
                   churn: pd.DataFrame | None = None, kpis_by_layer: pd.DataFrame | None = None,
                   clv: "ClvResult | None" = None) -> pd.DataFrame:
    """Problem statements per layer (seed 000 step 4 问题定位), each with its numbers.

    Problems (only those that occur are listed):

    * ``response_timeouts``: customers with responses slower than ``churn_timeout_hours``
      in the last ``churn_feedback_days`` days, total and worst count -> 客服流程效率不足;
    * ``unresolved``: interactions marked not resolved in that period -> 问题闭环跟进不足;
    * ``no_new_product``: active customers (orders in the last ``new_product_days``) who
      bought none of the products first sold in that period -> 新产品推广触达不足;
    * ``low_nps``: layer NPS below 0 -> 满意度偏低、贬损者多于推荐者;
    * ``high_churn_risk``: customers at high churn risk and their purchase amount;
    * ``low_p_alive``: in a layer whose group is in :data:`VALUABLE_GROUPS` (高价值 /
      潜力, or their rfm11 segments), at least ``insight_min_customers`` customers whose
      BG/NBD P(alive) is below :func:`p_alive_cutoff`, with their purchase amount and how
      many of them the churn rules rate low risk -> 有价值客户可能已悄然流失. Needs ``clv``
      (a fitted model); ``count`` is their purchase amount, as for ``high_churn_risk``.

    Parameters
    ----------
    prepared, layers, settings
        As elsewhere in core (``layers``: :func:`crm_xl.core.segments.assign_layers`).
    churn : DataFrame, optional
        :func:`crm_xl.core.churn.churn_table` output (high risk; risk of low-P(alive) customers).
    kpis_by_layer : DataFrame, optional
        :func:`crm_xl.core.kpis.kpi_table` by layer (NPS).
    clv : ClvResult, optional
        :func:`crm_xl.core.clv_report.clv_analysis` output (P(alive)).

    Returns
    -------
    DataFrame
        Columns :data:`PROBLEM_COLUMNS`, layers in settings order.
    """
    s = settings
    p = prepared
    if len(layers) == 0:
        return _empty_problems()
    codes = p.codes_of(layers["customer_id"])
    lay = layers["layer"].to_numpy(dtype=object)
    lay_codes: np.ndarray | None
    lay_keys: np.ndarray | None
    lay_codes, lay_keys = factorize_objects(lay)  # masks per layer from integer codes
    if (lay_codes < 0).any():
        lay_codes, lay_keys = None, None
    problems = _Problems(p, layers, s, churn, kpis_by_layer, clv, codes)
    group_of = _group_of(layers, lay, lay_codes, lay_keys)
    order = [k for k, _ in s.layer_labels_zh]
    keys = set(lay) if lay_keys is None else list(lay_keys)
    for key in sorted(keys, key=lambda k: order.index(k) if k in order else len(order)):
        m = lay == key if lay_keys is None or lay_codes is None else lay_codes == list(lay_keys).index(key)
        n = float(m.sum())
        label = s.layer_label(key)
        problems.feedback(key, label, m, n)
        problems.new_product(key, label, m)
        problems.nps_and_churn(key, label, n)
        problems.low_p_alive(key, label, m, n, group_of.get(key))
    out = pd.DataFrame(problems.rows, columns=list(PROBLEM_COLUMNS))
    for c in ("layer", "layer_label", "problem", "text"):
        out[c] = as_text(out[c])
    return out
