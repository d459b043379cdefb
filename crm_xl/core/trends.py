"""Monthly trend series (seed 004 section 2.4: 近6个月客户复购率、NPS值变化趋势).

The last ``settings.trend_months`` calendar months ending with the analysis date's month
(that month counts up to the analysis date). Per month:

* ``active_customers``: customers with at least one order in the month;
* ``new_customers``: customers whose first order ever is in the month;
* ``orders``, ``revenue``: orders and their amounts in the month;
* ``repurchase_rate`` (复购率): active customers who had bought before the month / active
  customers (NaN without buyers);
* ``nps``: (promoters - detractors) / responses x 100 over the month's 0-10 scores, with
  ``nps_responses`` (NaN without responses);
* ``reason``: why a rate is NaN.
"""

from __future__ import annotations

__all__ = ["monthly_trends", "TREND_COLUMNS"]

import numpy as np
import pandas as pd

from ..settings import AnalysisSettings
from ..texts import Texts
from .dataset import CrmData
from .kpis import safe_ratio
from .order_facts import month_index
from .prepared import Prepared, prepare
from .text import text_array

TEXTS = Texts({
    # why a month has no rate or no NPS
    "no_buyers": ("当月没有购买客户", "no buying customers this month"),
    "no_scores": ("当月没有推荐意愿评分", "no recommendation scores this month"),
    "sep": ("；", "; "),
})

TREND_COLUMNS = ("month", "month_start", "active_customers", "new_customers", "orders", "revenue",
                 "repurchase_rate", "nps", "nps_responses", "reason")


def monthly_trends(data: CrmData | None = None, settings: AnalysisSettings | None = None, *,
                   prepared: Prepared | None = None) -> pd.DataFrame:
    """Monthly series, oldest month first; columns :data:`TREND_COLUMNS` (``month`` as "YYYY-MM")."""
    settings = settings or (prepared.settings if prepared is not None else AnalysisSettings())
    if prepared is None:
        if data is None:
            raise TypeError("monthly_trends needs data or prepared")
        prepared = prepare(data, settings)
    p = prepared
    s = settings
    t = s.trend_months
    last_m = int(np.datetime64(p.as_of, "M").astype(np.int64))
    first_m = last_m - t + 1
    orders, revenue, active, returning = p.facts.monthly(first_m, t)
    fm = month_index(p.facts.first_day[p.facts.has_orders])
    fm = (fm[fm >= first_m] - first_m).astype(np.intp)
    new = np.bincount(fm, minlength=t).astype(float)
    im = month_index(p.i_day)
    score = p.i_nps
    valid = (im >= first_m) & ~np.isnan(score) & (score >= 0) & (score <= 10)
    vm = (im[valid] - first_m).astype(np.intp)
    sc = score[valid]
    n_resp = np.bincount(vm, minlength=t).astype(float)
    net = np.bincount(vm, weights=(sc >= s.nps_promoter_min).astype(float) - (sc <= s.nps_detractor_max), minlength=t)
    rate = np.atleast_1d(safe_ratio(returning, active))
    nps = np.atleast_1d(safe_ratio(net, n_resp)) * 100
    tx = TEXTS.lang(s.lang)
    reasons = []
    for a, r in zip(active, n_resp, strict=True):
        why = []
        if a == 0:
            why.append(tx.no_buyers)
        if r == 0:
            why.append(tx.no_scores)
        reasons.append(tx.sep.join(why))
    months = np.arange(first_m, last_m + 1).astype("datetime64[M]")
    return pd.DataFrame({
        "month": text_array([str(m) for m in months]),
        "month_start": months.astype("datetime64[ns]"),
        "active_customers": active,
        "new_customers": new,
        "orders": orders,
        "revenue": revenue,
        "repurchase_rate": rate,
        "nps": nps,
        "nps_responses": n_resp,
        "reason": text_array(reasons),
    })
