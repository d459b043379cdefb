"""Campaign evaluation (营销活动评估, seed 004): participation, conversion, attributed and
incremental revenue, ROI per campaign."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ...settings import AnalysisSettings
from ...texts import Texts
from ..dataset import CrmData
from ..prepared import Prepared, prepared_for, stage_matches
from .common import _as_of, _day, _pct, _text, _texts

CAMPAIGN_COLUMNS = ("campaign_id", "campaign_name", "channel", "start_date", "end_date", "window_end", "partial",
                    "cost", "reached", "participants", "participation_rate", "leads", "leads_won", "converted",
                    "conversion_rate", "attributed_revenue", "revenue_before", "revenue_during",
                    "incremental_revenue", "roi")

TEXTS = Texts({
    # why nothing was evaluated
    "no_campaigns": ("没有「活动」数据：在「活动」工作表中填写活动ID、开始日期、活动成本后，即可评估参与度、转化率和投入产出比（ROI）。",
                     "No campaigns: fill the Campaigns sheet (campaign ID, start date, cost) to "
                     "evaluate participation, conversion and ROI."),
    "no_orders": ("没有有效订单，无法评估活动收入。", "No valid orders: campaign revenue cannot be evaluated."),
    "skipped": ("{n} 个活动缺少活动ID或开始日期，未评估。", "{n} campaigns lack an ID or a start date and were not evaluated."),
    "none_started": ("没有已开始的活动。", "No campaign has started yet."),
    # conclusions
    "overall": ("{n} 个活动合计投入 {cost:,.0f} 元，增量收入 {incr:,.0f} 元，整体 ROI {roi}。",
                "{n} campaigns cost {cost:,.0f} for {incr:,.0f} incremental revenue: overall ROI {roi}."),
    "best_worst": ("ROI 最高：{best}（{best_roi}，转化率 {best_conv}）；最低：{worst}（{worst_roi}），建议复盘其目标客户与渠道。",
                   "Best ROI: {best} ({best_roi}, conversion {best_conv}); worst: {worst} ({worst_roi}): review its "
                   "audience and channel."),
})


@dataclass(frozen=True, eq=False)
class CampaignReview:
    """Campaign evaluation (营销活动评估): ``campaigns`` has :data:`CAMPAIGN_COLUMNS`
    (started campaigns, newest first); ``note`` explains an empty table or skipped rows."""

    campaigns: pd.DataFrame
    note: str
    conclusions: tuple[str, ...] = field(default_factory=tuple)


def campaign_evaluation(data: CrmData, settings: AnalysisSettings | None = None, *, as_of=None,
                        prepared: Prepared | None = None) -> CampaignReview:
    """Participation, conversion and ROI per campaign.

    For campaign ``c`` with window ``[start, end + campaign_attribution_days]`` (clipped at
    the analysis date; ``end`` defaults to ``start``):

    * leads / leads_won: leads with 活动ID ``c`` / those at a won stage;
    * buyers: customers with an order tagged ``c`` in the window;
    * participants = |customers of its leads ∪ buyers| + its leads without a customer ID;
      participation_rate = participants / reached (触达客户数);
    * converted = |buyers ∪ customers of won leads| + won leads without a customer ID;
      conversion_rate = converted / participants;
    * attributed_revenue: orders tagged ``c`` in the window;
    * revenue_during / revenue_before: all orders of the participating customers in the
      window / in the same number of days just before ``start``;
      incremental_revenue = revenue_during - revenue_before;
    * roi = (incremental_revenue - cost) / cost (NaN without a positive cost).

    ``prepared``: the analysis's :class:`~crm_xl.core.prepared.Prepared` of ``data`` (its order
    facts give the revenue), else ``data`` is prepared here.
    """
    s = settings or AnalysisSettings()
    t = TEXTS.lang(s.lang)
    as_of = _as_of(data, s, as_of)
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in CAMPAIGN_COLUMNS})
    camp = data.campaigns
    if len(camp) == 0:
        return CampaignReview(empty, t.no_campaigns)
    if as_of is None:
        return CampaignReview(empty, t.no_orders)
    rows, skipped = _Evaluation.of(data, s, as_of, prepared).rows(camp, as_of, int(s.campaign_attribution_days))
    out = pd.DataFrame(rows, columns=list(CAMPAIGN_COLUMNS)) if rows else empty
    if len(out):
        out = out.sort_values("start_date", ascending=False, kind="stable").reset_index(drop=True)
    note = ""
    if skipped:
        note = t("skipped", n=skipped)
    if len(out) == 0 and not note:
        note = t.none_started
    return CampaignReview(out, note, _campaign_conclusions(out, s.lang))


@dataclass
class _Evaluation:
    """What every campaign's figures are read from: the order facts of the analysis (orders
    per customer and campaign over a window), the campaigns' codes there by their texts, and
    the leads (campaign, customer, won)."""

    p: Prepared
    campaign_codes: dict
    leads: pd.DataFrame
    l_camp: pd.Series
    l_cust: pd.Series
    won: np.ndarray

    @classmethod
    def of(cls, data: CrmData, s: AnalysisSettings, as_of, prepared: Prepared | None = None) -> "_Evaluation":
        """The order facts at ``as_of`` (``prepared``'s, else ``data`` prepared here) and the
        leads of ``data``, ready for :meth:`row`."""
        p = prepared_for(data, s, as_of, prepared)
        names = _texts(pd.Series(p.facts.label_names("campaign"), dtype=object)).tolist()
        codes: dict[str, list[int]] = {}
        for code, name in enumerate(names):  # (texts that differ only by spaces: one campaign)
            codes.setdefault(name, []).append(code)
        leads = data.leads
        l_camp = _texts(leads["campaign_id"]) if len(leads) and "campaign_id" in leads else pd.Series(dtype=object)
        won = stage_matches(leads["stage"], s.stage_won) if len(leads) else np.zeros(0, dtype=bool)
        l_cust = _texts(leads["customer_id"]) if len(leads) and "customer_id" in leads else pd.Series("", index=leads.index)
        return cls(p, codes, leads, l_camp, l_cust, won)

    def rows(self, camp: pd.DataFrame, as_of, attribution_days: int) -> tuple[list[dict], int]:
        """One row of :data:`CAMPAIGN_COLUMNS` per started campaign (in the sheet's order), and the
        number of campaigns skipped for lacking an ID or a start date."""
        rows, skipped = [], 0
        for c in camp.itertuples(index=False):
            c = c._asdict()
            cid = _text(c.get("campaign_id"))
            start = pd.to_datetime(c.get("start_date"), errors="coerce")
            if not cid or start is pd.NaT or pd.isna(start):
                skipped += 1
                continue
            start = start.normalize()
            if start > as_of:
                continue
            rows.append(self.row(c, cid, start, as_of, attribution_days))
        return rows, skipped

    def row(self, c: dict, cid: str, start: pd.Timestamp, as_of, attribution_days: int) -> dict:
        """The figures of campaign ``c`` (ID ``cid``, started on ``start``), as its docstring in
        :func:`campaign_evaluation` defines them."""
        facts, ids = self.p.facts, self.p.id_array
        end = pd.to_datetime(c.get("end_date"), errors="coerce")
        end = start if pd.isna(end) or end < start else end.normalize()
        w_end_full = end + pd.Timedelta(days=attribution_days)
        w_end = min(w_end_full, as_of)
        days = (w_end - start).days + 1
        lo, hi = _day(start), _day(w_end) + 1  # the window: lo <= day < hi
        tagged = facts.totals_by("campaign", lo, hi, only=self.campaign_codes.get(cid, [-2]))
        buyers = set(ids[np.unique(tagged.customer)].tolist())
        part_custs, participants, converted, lm, lw = self.people(cid, buyers)
        codes = self.p.ids.get_indexer(pd.Index(sorted(part_custs), dtype="str"))
        codes = codes[codes >= 0]
        during = facts.add(facts.totals_by(None, lo, hi, customers=codes).amount)
        before = facts.add(facts.totals_by(None, lo - days, lo, customers=codes).amount)
        cost = pd.to_numeric(pd.Series([c.get("cost")]), errors="coerce").iloc[0]
        reached = pd.to_numeric(pd.Series([c.get("reached")]), errors="coerce").iloc[0]
        incr = during - before
        return {
            "campaign_id": cid, "campaign_name": _text(c.get("campaign_name")), "channel": _text(c.get("channel")),
            "start_date": start, "end_date": end, "window_end": w_end, "partial": bool(w_end_full > as_of),
            "cost": float(cost) if cost == cost else np.nan, "reached": float(reached) if reached == reached else np.nan,
            "participants": float(participants),
            "participation_rate": participants / reached if reached == reached and reached > 0 else np.nan,
            "leads": float(lm.sum()), "leads_won": float(lw.sum()), "converted": float(converted),
            "conversion_rate": converted / participants if participants else np.nan,
            "attributed_revenue": facts.add(tagged.amount),
            "revenue_before": before, "revenue_during": during, "incremental_revenue": incr,
            "roi": (incr - cost) / cost if cost == cost and cost > 0 else np.nan,
        }

    def people(self, cid: str, buyers: set) -> tuple[set, int, int, np.ndarray, np.ndarray]:
        """Of campaign ``cid`` with these ``buyers``: the participating customers, the number of
        participants and of converted ones (leads without a customer ID counted one each), and
        which leads are the campaign's and which of those were won."""
        has_leads = len(self.leads) > 0
        lm = (self.l_camp == cid).to_numpy() if has_leads else np.zeros(0, dtype=bool)
        lc = self.l_cust[lm].tolist() if has_leads else []
        lw = self.won[lm] if has_leads else np.zeros(0, dtype=bool)
        lead_custs = {x for x in lc if x}
        anon = sum(1 for x in lc if not x)
        won_custs = {x for x, w in zip(lc, lw, strict=True) if x and w}
        won_anon = sum(1 for x, w in zip(lc, lw, strict=True) if not x and w)
        part_custs = lead_custs | buyers
        return part_custs, len(part_custs) + anon, len(buyers | won_custs) + won_anon, lm, lw


def _campaign_conclusions(c: pd.DataFrame, lang: str) -> tuple[str, ...]:
    t = TEXTS.lang(lang)
    f = c[np.isfinite(c["roi"].to_numpy(float))] if len(c) else c
    if len(f) == 0:
        return ()
    best, worst = f.loc[f["roi"].idxmax()], f.loc[f["roi"].idxmin()]
    tot_cost, tot_incr = float(f["cost"].sum()), float(f["incremental_revenue"].sum())
    roi = (tot_incr - tot_cost) / tot_cost if tot_cost > 0 else np.nan
    out = [t("overall", n=len(f), cost=tot_cost, incr=tot_incr, roi=_pct(roi))]
    if len(f) >= 2:
        out.append(t("best_worst", best=best["campaign_name"] or best["campaign_id"], best_roi=_pct(best["roi"]),
                     best_conv=_pct(best["conversion_rate"]), worst=worst["campaign_name"] or worst["campaign_id"],
                     worst_roi=_pct(worst["roi"])))
    return tuple(out)
