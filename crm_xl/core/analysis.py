"""``analyze(data, settings) -> AnalysisResult``: the whole analysis in one call.

Every frame uses canonical English column keys (labels are the report's job); texts meant
for the user (layer labels, remarks, tags, churn reasons and levels, diagnosis,
conclusions) are in ``settings.lang``. Column lists are the ``*_COLUMNS`` constants of the
modules named below; ``docs/analytics.md`` describes every column.

==================  ======================================================================
attribute           content
==================  ======================================================================
as_of               the analysis date (``settings.analysis_date`` or the latest order date)
rfm                 Template 1 per customer with orders (:data:`crm_xl.core.rfm.RFM_COLUMNS`)
                    plus ``layer``, ``layer_label``, ``layer_group``, ``remark``, ``tags``
                    (and ``rule_frequency``/``rule_monetary`` in rules mode)
tags                one row per (customer, tag rule fired) (:data:`~crm_xl.core.tags.TAG_COLUMNS`)
kpis                overall KPIs, long (:data:`~crm_xl.core.kpis.KPI_COLUMNS`)
kpis_by_layer       the same per layer (``group`` = layer key, ``group_label`` its label)
kpis_by_dimension   the same per industry, region and owner (``dimension`` column)
churn               warning list sorted by risk and value (:data:`~crm_xl.core.churn.CHURN_COLUMNS`)
funnel              lead -> opportunity -> deal (:data:`~crm_xl.core.funnel.FUNNEL_COLUMNS`)
trends              monthly series (:data:`~crm_xl.core.trends.TREND_COLUMNS`)
diagnosis           cross analysis (:data:`~crm_xl.core.insights.DIAGNOSIS_COLUMNS`)
problems            problems per layer (:data:`~crm_xl.core.insights.PROBLEM_COLUMNS`)
conclusions         findings and recommendations (:data:`~crm_xl.core.insights.CONCLUSION_COLUMNS`)
clv                 predictive customer value (:class:`~crm_xl.core.clv_report.ClvResult`:
                    BG/NBD + Gamma-Gamma predictions, model summary, calibration check)
score_modes         how R, F and M were scored ("absolute" / "quantile"; :func:`~crm_xl.core.rfm.score_modes`)
==================  ======================================================================
"""

from __future__ import annotations

__all__ = ["AnalysisBeforeClv", "AnalysisResult", "Layered", "analysis_after_clv", "analysis_before_clv",
           "analysis_layers", "analyze"]

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from ..settings import AnalysisSettings
from .churn import churn_table
from .clv_report import ClvResult, clv_analysis
from .dataset import CrmData
from .funnel import funnel_table
from .insights import conclusions, cross_analysis, layer_problems
from .kpis import kpi_base, kpi_tables
from .prepared import Prepared, prepare
from .rfm import rfm_table
from .segments import assign_layers
from .tags import _customer_tags, _tag_texts_by_position, tag_metrics
from .text import text_array
from .trends import monthly_trends


@dataclass(frozen=True, eq=False)
class AnalysisResult:
    """All tables of one analysis (see the module docstring for their columns)."""

    as_of: pd.Timestamp
    settings: AnalysisSettings
    rfm: pd.DataFrame
    tags: pd.DataFrame
    kpis: pd.DataFrame
    kpis_by_layer: pd.DataFrame
    kpis_by_dimension: pd.DataFrame
    churn: pd.DataFrame
    funnel: pd.DataFrame
    trends: pd.DataFrame
    diagnosis: pd.DataFrame
    problems: pd.DataFrame
    conclusions: pd.DataFrame
    clv: ClvResult | None = None
    # how R, F and M were scored: "absolute" (breakpoints) or "quantile" each (score_mode "auto"
    # decides per dimension, crm_xl.core.rfm.score_modes)
    score_modes: tuple[str, str, str] = ("absolute", "absolute", "absolute")

    def tables(self) -> dict[str, pd.DataFrame]:
        """The frames by attribute name."""
        return {f.name: getattr(self, f.name) for f in fields(self) if isinstance(getattr(self, f.name), pd.DataFrame)}


def analyze(data: CrmData, settings: AnalysisSettings | None = None) -> AnalysisResult:
    """Run the whole analysis on cleaned data.

    Parameters
    ----------
    data : CrmData
        Cleaned canonical tables; only ``customers`` and ``orders`` need rows (empty other
        tables give NaN KPIs with a reason, never an exception).
    settings : AnalysisSettings, optional
        Thresholds and language (defaults: the seeds').

    Returns
    -------
    AnalysisResult

    Raises
    ------
    crm_xl.errors.InputError
        No analysis date is set and no order has a valid date.
    """
    first = analysis_before_clv(data, settings)
    return analysis_after_clv(first, clv_analysis(settings=first.settings, prepared=first.prepared,
                                                  layers=first.layers))


@dataclass(frozen=True, eq=False)
class AnalysisBeforeClv:
    """What :func:`analysis_before_clv` computed: everything of the analysis that does not
    depend on the CLV model (the report fits the model beside it, :mod:`crm_xl.report.build`)."""

    settings: AnalysisSettings
    prepared: Prepared
    layers: pd.DataFrame
    tags: pd.DataFrame
    base: pd.DataFrame
    kpis: pd.DataFrame
    kpis_by_layer: pd.DataFrame
    kpis_by_dimension: pd.DataFrame
    funnel: pd.DataFrame
    trends: pd.DataFrame
    diagnosis: pd.DataFrame
    score_modes: tuple[str, str, str]

    @property
    def as_of(self) -> pd.Timestamp:
        return self.prepared.as_of


@dataclass(frozen=True, eq=False)
class Layered:
    """What :func:`analysis_layers` computed: all the CLV model needs (``clv_analysis(settings=,
    prepared=, layers=)`` reads the layers' ``customer_id``, ``layer`` and ``layer_label``)."""

    settings: AnalysisSettings
    prepared: Prepared
    scored: pd.DataFrame
    layers: pd.DataFrame


def analysis_layers(data: CrmData, settings: AnalysisSettings | None = None) -> Layered:
    """The very first part of :func:`analyze`: the data prepared, RFM scored and layered. The
    report starts fitting the CLV model beside as soon as this is done (issue 20), then calls
    :func:`analysis_before_clv` with it."""
    s = settings or AnalysisSettings()
    p = prepare(data, s)
    scored = rfm_table(data, s, prepared=p)
    return Layered(settings=s, prepared=p, scored=scored, layers=assign_layers(scored, data.orders, p.as_of, s,
                                                                              prepared=p))


def analysis_before_clv(data: CrmData, settings: AnalysisSettings | None = None, *,
                        layered: Layered | None = None) -> AnalysisBeforeClv:
    """The first part of :func:`analyze`: RFM, layers (``layered``, :func:`analysis_layers`,
    when done already), tags, KPIs, funnel, trends and the cross analysis. Then
    ``clv_analysis(settings=, prepared=, layers=)`` of its fields, and :func:`analysis_after_clv`.
    (It adds the ``tags`` column to ``layered.layers``.)"""
    s = settings or AnalysisSettings()
    lay = layered if layered is not None else analysis_layers(data, s)
    p, scored, layers = lay.prepared, lay.scored, lay.layers
    tags, tag_pos = _customer_tags(settings=s, prepared=p, metrics=tag_metrics(settings=s, prepared=p))
    # tags_per_customer(tags) by customer code (the metrics are indexed by p.ids)
    texts = _tag_texts_by_position(tags, tag_pos, p.n, s.lang, tuple(r.tag for r in s.tag_rules))
    codes = p.codes_of(layers["customer_id"])
    layers["tags"] = text_array(np.where(codes >= 0, texts[codes], "").astype(object))
    base = kpi_base(p, layers)
    kpis, by_layer, by_dim = kpi_tables(base, s, leads=data.leads, as_of=p.as_of)
    funnel = funnel_table(data.leads, s, p.as_of)
    trends = monthly_trends(settings=s, prepared=p)
    diagnosis = cross_analysis(p, base, s, by_dim)
    return AnalysisBeforeClv(settings=s, prepared=p, layers=layers, tags=tags, base=base, kpis=kpis,
                             kpis_by_layer=by_layer, kpis_by_dimension=by_dim, funnel=funnel, trends=trends,
                             diagnosis=diagnosis,
                             score_modes=scored.attrs.get("score_modes", (s.score_mode,) * 3))


def analysis_after_clv(first: AnalysisBeforeClv, clv: ClvResult) -> AnalysisResult:
    """The rest of :func:`analyze` once the CLV model is known: churn warnings (P(alive)),
    problems per layer and the conclusions."""
    s, p, layers = first.settings, first.prepared, first.layers
    churn = churn_table(settings=s, prepared=p, layers=layers, p_alive=clv.p_alive_by_code(p.n) if clv.ok else None)
    problems = layer_problems(p, layers, s, churn, first.kpis_by_layer, clv=clv)
    concl = conclusions(settings=s, layers=layers, kpis=first.kpis, churn=churn, funnel=first.funnel,
                        trends=first.trends, diagnosis=first.diagnosis, problems=problems, clv=clv)
    return AnalysisResult(as_of=p.as_of, settings=s, rfm=layers, tags=first.tags, kpis=first.kpis,
                          kpis_by_layer=first.kpis_by_layer, kpis_by_dimension=first.kpis_by_dimension, churn=churn,
                          funnel=first.funnel, trends=first.trends, diagnosis=first.diagnosis, problems=problems,
                          conclusions=concl, clv=clv, score_modes=first.score_modes)
