"""Sales target review (销售目标复盘, seed 004): target vs actual per target row (period x owner
x region), per period / owner / region; growth contributors."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ...settings import AnalysisSettings
from ...texts import Texts
from ..dataset import CrmData
from ..kpis import safe_ratio
from ..prepared import Prepared, prepared_for
from .common import _as_of, _day, _pct, _text, _texts
from .periods import parse_period

TARGET_COLUMNS = ("period", "owner", "region", "period_start", "period_end", "partial", "target", "actual",
                  "attainment", "gap")

TEXTS = Texts({
    # why there is nothing to review
    "no_targets": ("没有「销售目标」数据：在「销售目标」工作表中按 期间 / 负责人 / 区域 / 目标金额(元) 填写目标后，"
                   "即可得到目标达成复盘。",
                   "No sales targets: fill the Sales Targets sheet (period / owner / region / target amount) "
                   "to get the target review."),
    "no_orders": ("没有有效订单，无法计算实际销售额。", "No valid orders: actual sales cannot be computed."),
    "no_review": ("没有可复盘的目标。", "No target to review."),
    # the target rows
    "blank": ("（空）", "(blank)"),
    "all": ("全部", "All"),
    "list_sep": ("、", ", "),
    "bad_periods": ("{n} 行目标的期间无法识别（{shown}），已跳过；期间可写 2024-09、2024-Q3、2024年上半年、2024。",
                    "{n} target rows have a period that cannot be read ({shown}) and were skipped; "
                    "write periods like 2024-09, 2024-Q3, 2024-H1, 2024."),
    "future": ("{n} 行目标的期间在分析日期之后，尚未复盘。",
               "{n} target rows are for periods after the analysis date and are not reviewed yet."),
    # conclusions
    "overall": ("复盘期内目标 {target:,.0f} 元，实际 {actual:,.0f} 元，总体达成率 {att}。",
                "Over the reviewed periods: target {target:,.0f}, actual {actual:,.0f}, attainment {att}."),
    "latest": ("最近期间 {latest}：达成率 {att}（目标 {target:,.0f} 元，实际 {actual:,.0f} 元）。",
               "Latest period {latest}: attainment {att} (target {target:,.0f}, actual {actual:,.0f})."),
    "by_owner": ("负责人", "owner"),
    "by_region": ("区域", "region"),
    "by": ("按{what}：{hi} 达成率最高（{hi_att}），{lo} 最低（{lo_att}，缺口 {gap:,.0f} 元）。",
           "By {what}: {hi} highest ({hi_att}), {lo} lowest ({lo_att}, gap {gap:,.0f})."),
    "contributor": ("增长贡献最大的客户：{name}（{latest} 较上期增加 {change:,.0f} 元{share}）。",
                    "Largest growth contributor: {name} (+{change:,.0f} in {latest} vs the period before{share})."),
    "contributor_share": ("，占增长的 {share}", ", {share} of the growth"),
})


@dataclass(frozen=True, eq=False)
class TargetReview:
    """Sales target review (销售目标复盘).

    ``detail``: :data:`TARGET_COLUMNS` per target row reviewed (periods starting on or
    before the analysis date; ``partial`` when the period runs past it). ``by_period``,
    ``by_owner``, ``by_region``: ``group``, ``target``, ``actual``, ``attainment``, ``gap``.
    ``contributors``: customers with the largest revenue growth in ``latest_period`` vs
    the period before, ``share_of_growth`` = their increase / the summed increase of all
    customers who grew (``customer_id``, ``customer_name``, ``owner``, ``region``,
    ``revenue_previous``, ``revenue_latest``, ``change``, ``share_of_growth``).
    ``note``: why a table is empty, or what was skipped; ``conclusions``: sentences.
    """

    detail: pd.DataFrame
    by_period: pd.DataFrame
    by_owner: pd.DataFrame
    by_region: pd.DataFrame
    contributors: pd.DataFrame
    latest_period: str
    note: str
    conclusions: tuple[str, ...] = field(default_factory=tuple)


def _rollup(detail: pd.DataFrame, by: str) -> pd.DataFrame:
    cols = ["group", "target", "actual", "attainment", "gap"]
    if len(detail) == 0:
        return pd.DataFrame({c: pd.Series(dtype=object if c == "group" else float) for c in cols})
    g = detail.groupby(by, sort=False)[["target", "actual"]].sum().reset_index().rename(columns={by: "group"})
    g["attainment"] = safe_ratio(g["actual"].to_numpy(), g["target"].to_numpy())
    g["gap"] = g["actual"] - g["target"]
    return g[cols]


def sales_target_review(data: CrmData, settings: AnalysisSettings | None = None, *, as_of=None,
                        top_n: int = 10, prepared: Prepared | None = None) -> TargetReview:
    """Target vs actual per target row, period, owner and region; growth contributors.

    Actual of a target row = order amounts dated in its period (up to the analysis date)
    of its owner (the order's 销售负责人, else the customer's 客户经理) in its region (the
    customer's 区域); a blank owner or region means "all". Attainment = actual / target
    (NaN for a zero target). Rows whose period cannot be read are skipped and named in
    ``note``; periods starting after the analysis date are not reviewed yet.

    Parameters
    ----------
    data : CrmData
    settings : AnalysisSettings, optional
    as_of : date-like, optional
        Default: the analysis date of the settings / data.
    top_n : int
        Number of growth contributors listed.
    prepared : Prepared, optional
        The analysis's :class:`~crm_xl.core.prepared.Prepared` of ``data`` (its order facts give
        the sales), else ``data`` is prepared here.
    """
    s = settings or AnalysisSettings()
    t = TEXTS.lang(s.lang)
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in TARGET_COLUMNS})
    no_contrib = pd.DataFrame(columns=["customer_id", "customer_name", "owner", "region", "revenue_previous",
                                       "revenue_latest", "change", "share_of_growth"])
    as_of = _as_of(data, s, as_of)
    targets = data.targets

    def nothing(note: str) -> TargetReview:
        return TargetReview(empty, _rollup(empty, "period"), _rollup(empty, "owner"), _rollup(empty, "region"),
                            no_contrib, "", note)

    if len(targets) == 0:
        return nothing(t.no_targets)
    if as_of is None:
        return nothing(t.no_orders)
    p = prepared_for(data, s, as_of, prepared)
    cust = data.customers.drop_duplicates("customer_id").set_index(data.customers["customer_id"].drop_duplicates().astype(str))
    sales = _Sales(p)
    rows, bad, future = sales.target_rows(targets, as_of, t)
    detail = pd.DataFrame(rows, columns=[c for c in TARGET_COLUMNS if c not in ("attainment", "gap")])
    if len(detail):
        detail = detail.sort_values(["period_start", "owner", "region"], kind="stable").reset_index(drop=True)
        detail["attainment"] = safe_ratio(detail["actual"].to_numpy(float), detail["target"].to_numpy(float))
        detail["gap"] = detail["actual"] - detail["target"]
    else:
        detail = empty
    notes = []
    if bad:
        notes.append(t("bad_periods", n=len(bad), shown=t.list_sep.join(bad[:5])))
    if future:
        notes.append(t("future", n=future))
    if len(detail) == 0 and not notes:
        notes.append(t.no_review)
    latest, contrib = ("", no_contrib) if len(detail) == 0 else sales.contributors(detail, cust, top_n)
    by_period, by_owner, by_region = _rollup(detail, "period"), _rollup(detail, "owner"), _rollup(detail, "region")
    concl = _target_conclusions(detail, by_period, by_owner, by_region, contrib, latest, s.lang)
    return TargetReview(detail, by_period, by_owner, by_region, contrib, latest, " ".join(notes), concl)


class _Sales:
    """The sales as the review reads them: from the order facts, per customer and owner over a
    period (the owner of an order: its own, else its customer's), with each customer's region."""

    def __init__(self, p: Prepared) -> None:
        self.p = p
        self.order_owner = _texts(pd.Series(p.facts.label_names("owner"), dtype=object)).to_numpy()
        self.customer_owner, self.region = (np.asarray(_texts(pd.Series(p.text(k), dtype=object)).to_numpy(), dtype=object)
                                            for k in ("owner", "region"))
        self._periods: dict[tuple[int, int], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def _period(self, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(owner, region, amount) per customer and order owner with orders ``lo <= day < hi``."""
        if (lo, hi) not in self._periods:
            g = self.p.facts.totals_by("owner", lo, hi)
            own = np.full(g.label.size, "", dtype=object)
            has = g.label >= 0
            own[has] = self.order_owner[g.label[has]]
            blank = own == ""
            own[blank] = self.customer_owner[g.customer[blank]]
            self._periods[(lo, hi)] = (own, self.region[g.customer], g.amount)
        return self._periods[(lo, hi)]

    def target_rows(self, targets: pd.DataFrame, as_of, t) -> tuple[list[dict], list[str], int]:
        """Per target row reviewed, its detail row without attainment and gap; the periods that
        could not be read (as written); the number of rows for periods after ``as_of``."""
        rows, bad, future = [], [], 0
        for tr in targets.itertuples(index=False):
            tr = tr._asdict()
            p = parse_period(tr.get("period"))
            if p is None:
                bad.append(_text(tr.get("period")) or t.blank)
                continue
            start, months, label = p
            end = start + pd.DateOffset(months=months)
            if start > as_of:
                future += 1
                continue
            own, reg = _text(tr.get("owner")), _text(tr.get("region"))
            target = pd.to_numeric(pd.Series([tr.get("target_amount")]), errors="coerce").iloc[0]
            rows.append({"period": label, "owner": own or t.all, "region": reg or t.all,
                         "period_start": start, "period_end": end - pd.Timedelta(days=1), "partial": bool(end - pd.Timedelta(days=1) > as_of),
                         "target": float(target) if target == target else np.nan,
                         "actual": self.actual(start, end, own, reg)})
        return rows, bad, future

    def actual(self, start, end, own: str, reg: str) -> float:
        """The order amounts dated in [start, end) of owner ``own`` in region ``reg`` (blank: all)."""
        owners, regions, amount = self._period(_day(start), _day(end))
        m = np.ones(amount.size, dtype=bool)
        if own:
            m &= owners == own
        if reg:
            m &= regions == reg
        return self.p.facts.add(amount[m])

    def contributors(self, detail: pd.DataFrame, cust: pd.DataFrame, top_n: int) -> tuple[str, pd.DataFrame]:
        """The latest reviewed period (the last complete one, else the last) and the ``top_n``
        customers with the largest revenue growth in it vs the period before."""
        complete = detail[~detail["partial"]]
        last = (complete if len(complete) else detail).iloc[-1]
        start = last["period_start"]
        parsed = parse_period(last["period"])
        assert parsed is not None  # (a reviewed period was parsed to be one)
        months = parsed[1]
        end = start + pd.DateOffset(months=months)
        prev = start - pd.DateOffset(months=months)
        latest = last["period"]
        now_rev, prev_rev = self._revenue(start, end), self._revenue(prev, start)
        both = pd.concat([prev_rev.rename("revenue_previous"), now_rev.rename("revenue_latest")], axis=1).fillna(0.0)
        both["change"] = both["revenue_latest"] - both["revenue_previous"]
        gross = float(both["change"].clip(lower=0).sum())  # the increase of all growing customers
        grow = both[both["change"] > 0].sort_values("change", ascending=False, kind="stable").head(top_n)
        grow["share_of_growth"] = grow["change"] / gross if gross > 0 else np.nan
        ids = grow.index.astype(str)
        contrib = pd.DataFrame({
            "customer_id": ids,
            "customer_name": _texts(cust["customer_name"].reindex(ids)).to_numpy() if "customer_name" in cust else "",
            "owner": _texts(cust["owner"].reindex(ids)).to_numpy() if "owner" in cust else "",
            "region": _texts(cust["region"].reindex(ids)).to_numpy() if "region" in cust else "",
            "revenue_previous": grow["revenue_previous"].to_numpy(), "revenue_latest": grow["revenue_latest"].to_numpy(),
            "change": grow["change"].to_numpy(), "share_of_growth": grow["share_of_growth"].to_numpy(),
        })
        return latest, contrib


    def _revenue(self, start, end) -> pd.Series:
        """Per customer with orders dated in [start, end), by customer ID: their amount."""
        f, lo, hi = self.p.facts, _day(start) - 1, _day(end) - 1  # (the facts' periods: lo < day <= hi)
        buyers = np.flatnonzero(f.orders_between(lo, hi) > 0)
        out = pd.Series(f.amount_between(lo, hi)[buyers], index=pd.Index(self.p.id_array[buyers], name="customer_id"),
                        name="amount")
        return out.sort_index()


def _target_conclusions(detail, by_period, by_owner, by_region, contrib, latest, lang) -> tuple[str, ...]:
    if len(detail) == 0:
        return ()
    t = TEXTS.lang(lang)
    out = []
    tot_t, tot_a = float(detail["target"].sum()), float(detail["actual"].sum())
    att = tot_a / tot_t if tot_t > 0 else np.nan
    out.append(t("overall", target=tot_t, actual=tot_a, att=_pct(att)))
    lp = by_period[by_period["group"] == latest]
    if len(lp):
        r = lp.iloc[0]
        out.append(t("latest", latest=latest, att=_pct(r["attainment"]), target=r["target"], actual=r["actual"]))
    for frame, what in ((by_owner, t.by_owner), (by_region, t.by_region)):
        f = frame[np.isfinite(frame["attainment"].to_numpy(float))]
        if len(f) >= 2:
            lo, hi = f.loc[f["attainment"].idxmin()], f.loc[f["attainment"].idxmax()]
            out.append(t("by", what=what, hi=hi["group"], hi_att=_pct(hi["attainment"]), lo=lo["group"],
                         lo_att=_pct(lo["attainment"]), gap=-lo["gap"]))
    if len(contrib):
        top = contrib.iloc[0]
        share = t("contributor_share", share=_pct(top["share_of_growth"])) \
            if top["share_of_growth"] == top["share_of_growth"] else ""
        out.append(t("contributor", name=top["customer_name"] or top["customer_id"], latest=latest, change=top["change"],
                     share=share))
    return tuple(out)
