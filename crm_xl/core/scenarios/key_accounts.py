"""Key-account profiles (重点客户深度维护, seed 000 scenario 2): history, products, interactions,
open issues, tags and recommended actions for the top customers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...settings import AnalysisSettings
from ...texts import Texts
from ..dataset import CrmData
from ..prepared import Prepared, prepared_for
from .common import _day, _text, _texts

KEY_ACCOUNT_COLUMNS = ("rank", "customer_id", "customer_name", "industry", "region", "owner", "layer_label",
                       "first_purchase_date", "last_purchase_date", "orders", "monetary", "revenue_recent",
                       "revenue_previous", "revenue_change", "top_products", "interactions_recent",
                       "last_interaction_date", "satisfaction_avg", "nps_avg", "open_issues", "open_issue_text",
                       "tags", "risk_label", "reasons", "actions")

TEXTS = Texts({
    "product_sep": ("、", ", "),
    # recommended actions
    "open_issues": ("优先关闭{n}个未解决问题", "close the {n} open issue(s) first"),
    "churn_risk": ("流失风险{risk}：1周内由负责人回访（{reasons}）", "{risk} churn risk: owner to call back within 1 week ({reasons})"),
    "revenue_down": ("近{months}个月销售额较之前下降{drop:.0f}%，排查原因（价格、服务、竞品）",
                     "revenue down {drop:.0f}% over the last {months} months: find out why"),
    "action_sep": ("；", "; "),
})


def key_account_profiles(result, data: CrmData, settings: AnalysisSettings | None = None, *,
                         prepared: Prepared | None = None) -> pd.DataFrame:
    """Profiles of the top ``key_account_top_n`` customers by amount (累计购买金额).

    Per customer: layer, purchase history (first / last purchase, orders, amount; revenue
    in the last ``kpi_window_months`` (12) months vs the same span before), top products
    (share of amount), interactions in that span (count, last date, mean satisfaction and
    recommendation score), open issues (interactions not resolved, the latest text), tags,
    churn risk with its reasons, and recommended actions (the layer's strategy, plus
    closing open issues, a call-back for churn risk, a review of a revenue drop).

    ``prepared``: the analysis's :class:`~crm_xl.core.prepared.Prepared` of ``data`` (its
    order facts give the amounts and products), else ``data`` is prepared here.

    Returns
    -------
    DataFrame
        :data:`KEY_ACCOUNT_COLUMNS`, by amount (largest first).
    """
    s = settings or result.settings
    t = TEXTS.lang(s.lang)
    rfm = result.rfm
    if len(rfm) == 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in KEY_ACCOUNT_COLUMNS})
    top = rfm.sort_values("monetary", ascending=False, kind="stable").head(int(s.key_account_top_n)).reset_index(drop=True)
    ids = top["customer_id"].astype(str)
    as_of = pd.Timestamp(result.as_of)
    months = s.kpi_window_months or 12
    recent_start = as_of - pd.DateOffset(months=months)
    prev_start = recent_start - pd.DateOffset(months=months)
    p = prepared_for(data, s, as_of, prepared)
    codes = p.ids.get_indexer(pd.Index(ids, dtype="str"))
    recent_day, prev_day = _day(recent_start), _day(prev_start)
    known = codes >= 0
    rec = pd.Series(p.facts.amount_between(recent_day)[codes[known]], index=ids.to_numpy()[known])
    prv = pd.Series(p.facts.amount_between(prev_day, recent_day)[codes[known]], index=ids.to_numpy()[known])
    prods = _top_products(p, codes, t)
    inter = _interactions(data.interactions, set(ids), as_of, recent_start)
    churn = result.churn.drop_duplicates("customer_id").set_index("customer_id") if len(result.churn) else None
    rows = []
    for i, r in top.iterrows():
        cid = str(r["customer_id"])
        info = inter.get(cid, {})
        rv, pv = float(rec.get(cid, 0.0)), float(prv.get(cid, 0.0))
        change = (rv - pv) / pv if pv > 0 else np.nan
        risk = churn["risk"].get(cid, "") if churn is not None else ""
        risk_label = churn["risk_label"].get(cid, "") if churn is not None else ""
        reasons = churn["reasons"].get(cid, "") if churn is not None else ""
        rule = s.strategy_for(r["layer"]) or s.strategy_for(r.get("layer_group", ""))
        acts = _actions(info, risk, risk_label, reasons, change, rule, months, t)
        rows.append({
            "rank": float(i + 1), "customer_id": cid, "customer_name": _text(r.get("customer_name")),
            "industry": _text(r.get("industry")), "region": _text(r.get("region")), "owner": _text(r.get("owner")),
            "layer_label": _text(r.get("layer_label")), "first_purchase_date": r.get("first_purchase_date"),
            "last_purchase_date": r.get("last_purchase_date"), "orders": float(r.get("frequency", np.nan)),
            "monetary": float(r.get("monetary", np.nan)), "revenue_recent": rv, "revenue_previous": pv,
            "revenue_change": change, "top_products": prods.get(cid, ""),
            "interactions_recent": info.get("interactions_recent", 0.0),
            "last_interaction_date": info.get("last_interaction_date", pd.NaT),
            "satisfaction_avg": info.get("satisfaction_avg", np.nan), "nps_avg": info.get("nps_avg", np.nan),
            "open_issues": info.get("open_issues", 0.0), "open_issue_text": info.get("open_issue_text", ""),
            "tags": _text(r.get("tags")), "risk_label": risk_label, "reasons": reasons,
            "actions": t.action_sep.join(acts),
        })
    return pd.DataFrame(rows, columns=list(KEY_ACCOUNT_COLUMNS))


def _top_products(p: Prepared, codes: np.ndarray, t) -> dict[str, str]:
    """Customer ID (of ``codes``) -> its three largest products with their share of its amount
    ("A 50%、B 30%"), where the orders name products."""
    prods: dict[str, str] = {}
    names = p.facts.label_names("product")
    if len(names):
        g = p.facts.totals_by("product", np.iinfo(np.int64).min, p.today + 1, customers=codes)
        product = np.where(g.label >= 0, names[np.maximum(g.label, 0)], None)
        pa = pd.Series(g.amount, index=pd.MultiIndex.from_arrays(
            [p.id_array[g.customer], _texts(pd.Series(product, dtype=object)).to_numpy()],
            names=["customer_id", "product"]))
        pa = pa.groupby(level=[0, 1]).sum()  # (products whose texts differ only by spaces: one)
        for cid, grp in pa.groupby(level=0):
            g = grp.droplevel(0).sort_values(ascending=False)
            g = g[g.index != ""]
            tot = grp.sum()
            prods[cid] = t.product_sep.join(f"{k} {v / tot * 100:.0f}%" for k, v in g.head(3).items()) if tot > 0 else ""
    return prods


def _interactions(it: pd.DataFrame, ids: set, as_of: pd.Timestamp, recent_start: pd.Timestamp) -> dict[str, dict]:
    """Customer ID (of ``ids``) -> its interaction figures up to ``as_of`` (count, satisfaction and
    NPS since ``recent_start``; last date; open issues and the latest one's text)."""
    inter = {}
    if len(it):
        it = it[it["customer_id"].astype(str).isin(ids)].copy()
        it["date"] = pd.to_datetime(it["date"], errors="coerce")
        it = it[it["date"].notna() & (it["date"] <= as_of)]
        for cid, g in it.groupby(it["customer_id"].astype(str)):
            r = g[g["date"] > recent_start]
            unresolved = g[g["resolved"].astype("boolean").eq(False).fillna(False).to_numpy(dtype=bool)] \
                if "resolved" in g else g.iloc[:0]
            unresolved = unresolved.sort_values("date")
            inter[cid] = {
                "interactions_recent": float(len(r)),
                "last_interaction_date": g["date"].max(),
                "satisfaction_avg": float(pd.to_numeric(r.get("satisfaction"), errors="coerce").mean()) if len(r) else np.nan,
                "nps_avg": float(pd.to_numeric(r.get("nps_score"), errors="coerce").mean()) if len(r) else np.nan,
                "open_issues": float(len(unresolved)),
                "open_issue_text": (f"{unresolved['date'].iloc[-1]:%Y-%m-%d} {_text(unresolved['content'].iloc[-1]) or _text(unresolved['type'].iloc[-1])}"
                                    if len(unresolved) else ""),
            }
    return inter


def _actions(info: dict, risk: str, risk_label: str, reasons: str, change: float, rule, months: int, t) -> list[str]:
    """The recommended actions of one key account: close its open issues, call back for churn
    risk, review a revenue drop of over 10%, then its layer's strategy (``rule``)."""
    zh = t.zh  # (the strategies carry their actions in both languages)
    acts = []
    if info.get("open_issues", 0) > 0:
        n_open = int(info["open_issues"])
        acts.append(t("open_issues", n=n_open))
    if risk in ("high", "medium"):
        acts.append(t("churn_risk", risk=risk_label, reasons=reasons))
    if change == change and change < -0.1:
        acts.append(t("revenue_down", months=months, drop=-change * 100))
    if rule is not None:
        acts.append(rule.action_zh if zh else rule.action_en)
    return acts
