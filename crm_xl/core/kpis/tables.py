"""KPI tables: :func:`kpi_table` (overall or per group, long form), :func:`kpi_tables`
(overall, per layer and per dimension at once), :func:`kpi_wide` and the leads' conversion."""

from __future__ import annotations

__all__ = ["KPI_COLUMNS", "DIMENSIONS", "lead_conversion", "kpi_table", "kpi_tables", "kpi_wide"]

import numpy as np
import pandas as pd

from ...settings import AnalysisSettings
from ...texts import Texts, language_index
from ..cleanlog import text as cleaning_text
from ..prepared import factorize_sorted, stage_matches
from ..text import as_text, text_array
from .arrays import safe_ratio
from .definitions import _BASE_SUMS, KPIS

TEXTS = Texts({
    "all": ("全部", "All"),  # the overall row's group
})

KPI_COLUMNS = ("dimension", "group", "group_label", "kpi", "label", "unit", "value", "numerator", "denominator", "n_customers",
               "reason")
DIMENSIONS = ("layer", "industry", "region", "owner")
_DIM_LABELS = {"overall": ("总体", "Overall"), "layer": ("客户层级", "Layer"), "industry": ("行业", "Industry"),
               "region": ("区域", "Region"), "owner": ("客户经理", "Owner")}


def lead_conversion(leads: pd.DataFrame, settings: AnalysisSettings, as_of: pd.Timestamp,
                    by: str | None = None) -> pd.DataFrame:
    """Leads and won leads created in the KPI window, overall or per ``by`` column of the
    leads table (e.g. ``owner``): columns ``leads``, ``leads_won``; index the group
    (``"__all__"`` overall). Empty when the leads table is empty."""
    if len(leads) == 0:
        return pd.DataFrame({"leads": pd.Series(dtype=float), "leads_won": pd.Series(dtype=float)})
    return _lead_conversion(_leads_in_window(leads, settings, as_of), settings, by)


def _leads_in_window(leads: pd.DataFrame, settings: AnalysisSettings, as_of: pd.Timestamp):
    """The leads of :func:`lead_conversion` (created in the KPI window) and whether won."""
    created = pd.to_datetime(leads["created_date"])
    ok = (created <= as_of) | created.isna()
    if settings.kpi_window_months is not None:
        ok &= (created > as_of - pd.DateOffset(months=settings.kpi_window_months)) | created.isna()
    lw = leads.loc[ok.to_numpy()]
    return lw, stage_matches(lw["stage"], settings.stage_won).astype(float)


def _lead_conversion(window, settings: AnalysisSettings, by: str | None) -> pd.DataFrame:
    lw, won = window
    frame = pd.DataFrame({"leads": 1.0, "leads_won": won}, index=lw.index)
    if by is None:
        return frame.sum().to_frame("__all__").T
    unknown = cleaning_text("unknown", settings.lang)  # (what cleaning fills a missing text with)
    key = lw[by].astype(object).where(lw[by].notna(), unknown) if by in lw else pd.Series(unknown, index=lw.index)
    return frame.groupby(pd.Index(key.to_numpy()), sort=True).sum()


def _evaluate(sums: pd.DataFrame, totals: pd.Series, lang: str, dimension: str,
              no_dim_reason: tuple[str, str] | None = None) -> pd.DataFrame:
    """Long KPI rows for each row (group) of ``sums``."""
    zh = lang == "zh"
    groups = sums.index.to_numpy()
    g = len(sums)
    sums = {c: sums[c].to_numpy(dtype=float) for c in sums.columns}  # (column access once)
    ncust = sums["customers"] if "customers" in sums else np.full(g, np.nan)
    nums, dens, values, reasons = [], [], [], []
    for k in KPIS:
        num = sums[k.numerator] if k.numerator in sums else np.full(g, np.nan)
        if k.denominator is None:
            den = np.full(g, np.nan)
            value = num
            reason = np.full(g, "", dtype=object)
        else:
            if k.total_denominator:
                den = np.full(g, float(totals.get(k.denominator, np.nan)))
            else:
                den = sums[k.denominator] if k.denominator in sums else np.full(g, np.nan)
            value = safe_ratio(num, den) * k.scale
            value = np.atleast_1d(value)
            if k.denominator not in sums and no_dim_reason is not None:
                why = no_dim_reason[language_index(lang)]
            else:
                why = k.empty_zh if zh else k.empty_en
            reason = np.where(np.isnan(value), why, "").astype(object)
        nums.append(num)
        dens.append(den)
        values.append(value)
        reasons.append(reason)
    # one frame, KPI by KPI (rows: KPI-major, then group)
    per_kpi = (lambda f: text_array(np.repeat(np.array([f(k) for k in KPIS], dtype=object), g)))
    return pd.DataFrame({
        "dimension": text_array(np.full(g * len(KPIS), dimension, dtype=object)),
        "group": text_array(np.tile(np.asarray(groups, dtype=object), len(KPIS))),
        "kpi": per_kpi(lambda k: k.key),
        "label": per_kpi(lambda k: k.label(lang)),
        "unit": per_kpi(lambda k: k.unit),
        "value": np.concatenate(values).astype(float),
        "numerator": np.concatenate(nums),
        "denominator": np.concatenate(dens),
        "n_customers": np.tile(ncust, len(KPIS)),
        "reason": text_array(np.concatenate(reasons)),
    })


def kpi_table(base: pd.DataFrame, settings: AnalysisSettings, *, by: str | None = None,
              leads: pd.DataFrame | None = None, as_of: pd.Timestamp | None = None) -> pd.DataFrame:
    """KPIs in long form: one row per (group, KPI), columns :data:`KPI_COLUMNS`.

    Parameters
    ----------
    base : DataFrame
        :func:`kpi_base` output.
    settings : AnalysisSettings
        Language of labels and reasons; the KPI window for leads.
    by : {None, 'layer', 'industry', 'region', 'owner'}
        None -> one overall group (``group`` = "全部"/"All"); otherwise one group per value.
    leads, as_of : optional
        The leads table and analysis date for 线索-成交转化率; overall it uses every lead,
        per owner the lead's owner; per layer, industry or region it is NaN with a reason
        (leads that did not convert belong to no customer).

    Returns
    -------
    DataFrame
        ``value`` = numerator / denominator x scale (sums for counts); NaN with ``reason``
        when nothing to divide by. Groups are ordered by name (layers in settings order).
    """
    return _kpi_table(base, settings, by=by, leads=leads, as_of=as_of)


def kpi_tables(base: pd.DataFrame, settings: AnalysisSettings, *, leads: pd.DataFrame | None = None,
               as_of: pd.Timestamp | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """:func:`kpi_table` overall, per layer and per dimension (industry, region and owner,
    concatenated), with the totals over all customers computed once.

    Returns
    -------
    overall, by_layer, by_dimension : DataFrame
    """
    totals = base[[c for c in _BASE_SUMS if c in base.columns]].sum()
    window = _leads_in_window(leads, settings, as_of) if leads is not None and len(leads) and as_of is not None \
        else None
    one = (lambda by: _kpi_table(base, settings, by=by, leads=leads, as_of=as_of, totals=totals, lead_window=window))
    return one(None), one("layer"), pd.concat([one(d) for d in DIMENSIONS if d != "layer"], ignore_index=True)


def _kpi_table(base: pd.DataFrame, settings: AnalysisSettings, *, by: str | None, leads: pd.DataFrame | None,
               as_of: pd.Timestamp | None, totals: pd.Series | None = None, lead_window=None) -> pd.DataFrame:
    t = TEXTS.lang(settings.lang)
    cols = [c for c in _BASE_SUMS if c in base.columns]
    if totals is None:
        totals = base[cols].sum()
    if by is None:
        sums = totals.to_frame(t.all).T
        dim = "overall"
    else:
        # = groupby(by, sort=True); a DataFrame grouped by a bare array makes pandas format
        # the whole array into an error message it then discards (~10 ms each): an Index key
        codes, groups = factorize_sorted(base[by].to_numpy(dtype=object))
        known = codes >= 0
        sums = (base[cols] if known.all() else base.loc[known, cols]).groupby(pd.Index(codes[known])).sum()
        sums.index = pd.Index(groups[sums.index.to_numpy()], name=by)
        if by == "layer":
            order = [k for k, _ in settings.layer_labels_zh]
            sums = sums.reindex(sorted(sums.index, key=lambda k: order.index(k) if k in order else len(order)))
        dim = by
    has_leads = leads is not None and len(leads) > 0 and as_of is not None
    no_dim = None
    if has_leads and by is None:
        lc = lead_conversion(leads, settings, as_of) if lead_window is None else \
            _lead_conversion(lead_window, settings, None)
        sums = sums.assign(leads=float(lc["leads"].iloc[0]), leads_won=float(lc["leads_won"].iloc[0]))
    elif leads is not None and has_leads and by == "owner" and "owner" in leads:
        lc = lead_conversion(leads, settings, as_of, by="owner") if lead_window is None else \
            _lead_conversion(lead_window, settings, "owner")
        sums = sums.reindex(sums.index.union(lc.index)).fillna(0.0)
        sums["leads"] = lc["leads"].reindex(sums.index).fillna(0.0)
        sums["leads_won"] = lc["leads_won"].reindex(sums.index).fillna(0.0)
    elif has_leads:
        no_dim = ("线索未关联到该维度（未成交线索没有客户）", "leads are not linked to this dimension "
                  "(unconverted leads have no customer)")
    else:
        no_dim = ("没有线索记录", "no leads")
    out = _evaluate(sums, totals, settings.lang, dim, no_dim)
    if by == "layer":
        out.insert(2, "group_label", text_array([settings.layer_label(g) for g in out["group"]]))
    else:
        out.insert(2, "group_label", out["group"])
    for c in ("dimension", "group", "group_label", "kpi", "label", "unit", "reason"):
        if out[c].dtype != "str":
            out[c] = as_text(out[c])
    return out


def kpi_wide(long: pd.DataFrame, value: str = "value") -> pd.DataFrame:
    """Pivot :func:`kpi_table` output to one row per (dimension, group) present, in order
    of first appearance, and one column per KPI key (in :data:`KPIS` order). (Given
    several dimensions at once, the pivot fallback would also list every group under every
    dimension, as empty rows; kpi_table's output never takes that path.)"""
    fast = _wide_by_take(long, value)
    if fast is not None:
        return fast
    wide = long.pivot_table(index=["dimension", "group"], columns="kpi", values=value, aggfunc="first", sort=False,
                            dropna=False)
    keys = [k.key for k in KPIS if k.key in wide.columns]
    return wide[keys].reset_index()


def _wide_by_take(long: pd.DataFrame, value: str) -> pd.DataFrame | None:
    """:func:`kpi_wide` by taking each cell's row, when every (dimension, group) has every
    KPI exactly once (what kpi_table gives): the same frame as the pivot, whose generic
    "first" aggregation took ~10 ms a call. None for anything else."""
    if long.empty:
        return None
    rcodes, _ = pd.MultiIndex.from_arrays([long["dimension"], long["group"]]).factorize()
    kcodes, kpis = pd.factorize(long["kpi"].to_numpy(dtype=object))
    nr, nk = int(rcodes.max()) + 1, len(kpis)
    if len(long) != nr * nk or (np.bincount(rcodes * nk + kcodes, minlength=nr * nk) != 1).any():
        return None
    pos = np.empty((nr, nk), dtype=np.intp)
    pos[rcodes, kcodes] = np.arange(len(long))
    first = pos.min(axis=1)  # each group's first row: its dimension and group
    col = {k: i for i, k in enumerate(kpis)}
    data = {"dimension": long["dimension"].array.take(first), "group": long["group"].array.take(first)}
    vals = long[value].array
    for key in (k.key for k in KPIS if k.key in col):
        data[key] = vals.take(pos[:, col[key]])
    out = pd.DataFrame(data)
    out.columns.name = "kpi"
    return out
