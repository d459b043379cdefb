"""Sales funnel 线索 → 商机 → 成交 (seed 004 section 2.4: 各阶段转化率及流失量).

A lead counts at every stage it has reached: all leads are 线索; leads whose stage is an
opportunity stage (``settings.stage_opportunity``) or a won stage (``settings.stage_won``)
are 商机; won leads are 成交. Leads at a lost stage (``settings.stage_lost``) or still open
count only as 线索. Leads are those created in the KPI window (``kpi_window_months``) up
to the analysis date; leads without a creation date are kept.
"""

from __future__ import annotations

__all__ = ["funnel_counts", "funnel_table", "FUNNEL_COLUMNS", "STAGE_LABELS"]

import numpy as np
import pandas as pd

from ..settings import AnalysisSettings
from ..texts import Texts
from .kpis import safe_ratio
from .prepared import stage_matches
from .text import text_array

TEXTS = Texts({
    # why a stage has no conversion rate
    "empty_stage": ("上一阶段没有线索", "the previous stage is empty"),
    "no_leads": ("统计期内没有线索记录", "no leads in the period"),
})

FUNNEL_COLUMNS = ("stage", "stage_label", "count", "conversion_from_previous", "conversion_from_first",
                  "lost_from_previous", "loss_rate", "reason")
STAGE_LABELS = {"zh": ("线索", "商机", "成交"), "en": ("Leads", "Opportunities", "Deals")}


def funnel_counts(stages, settings: AnalysisSettings | None = None) -> tuple[int, int, int]:
    """(leads, opportunities, deals) reached by a column of lead stages (array level).

    Blank stages count as leads only.

    Examples
    --------
    >>> funnel_counts(["线索", "商机", "成交", "丢失", "成交"])
    (5, 3, 2)
    """
    s = settings or AnalysisSettings()
    st = pd.Series(np.ravel(np.asarray(stages, dtype=object)), dtype="str")
    won = stage_matches(st, s.stage_won)
    opp = won | stage_matches(st, s.stage_opportunity)
    return int(len(st)), int(opp.sum()), int(won.sum())


def funnel_table(leads: pd.DataFrame, settings: AnalysisSettings | None = None,
                 as_of: pd.Timestamp | None = None) -> pd.DataFrame:
    """The funnel as three rows (lead, opportunity, deal).

    Columns :data:`FUNNEL_COLUMNS`: ``count``; ``conversion_from_previous`` = count /
    previous stage's count; ``conversion_from_first`` = count / leads;
    ``lost_from_previous`` = previous count - count (流失量); ``loss_rate`` = lost /
    previous count. Rates are NaN with a ``reason`` when the previous stage is empty.
    """
    s = settings or AnalysisSettings()
    zh = s.lang == "zh"
    if len(leads) and as_of is not None and "created_date" in leads:
        created = pd.to_datetime(leads["created_date"])
        ok = (created <= as_of) | created.isna()
        if s.kpi_window_months is not None:
            ok &= (created > as_of - pd.DateOffset(months=s.kpi_window_months)) | created.isna()
        leads = leads.loc[ok.to_numpy()]
    if len(leads) and "stage" in leads:
        counts = np.array(funnel_counts(leads["stage"], s), dtype=float)
    else:
        counts = np.zeros(3)
    prev = np.r_[np.nan, counts[:-1]]
    conv = np.atleast_1d(safe_ratio(counts, prev))
    first = np.atleast_1d(safe_ratio(counts, np.full(3, counts[0])))
    lost = prev - counts
    loss = np.atleast_1d(safe_ratio(lost, prev))
    t = TEXTS.lang(s.lang)
    reason = np.where(np.isnan(conv[1:]), t.empty_stage, "")
    if counts[0] == 0:
        first_reason = t.no_leads
    else:
        first_reason = ""
    return pd.DataFrame({
        "stage": text_array(["lead", "opportunity", "deal"]),
        "stage_label": text_array(list(STAGE_LABELS["zh" if zh else "en"])),
        "count": counts,
        "conversion_from_previous": conv,
        "conversion_from_first": first,
        "lost_from_previous": lost,
        "loss_rate": loss,
        "reason": text_array([first_reason, *reason]),
    })
