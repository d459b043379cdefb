"""The 指标看板 sheet: the seed KPIs overall and per layer, industry, region and owner, one
column per KPI (so each column carries its own number format), with a legend giving every
KPI's formula (seed 004 section 3.3) and why a value is blank when it is."""

from __future__ import annotations

__all__ = ["kpi_sheet", "KPI_COLUMNS_SHOWN"]

import pandas as pd

from ..core.analysis import AnalysisResult
from ..core.kpis import KPI_SECTIONS, KPIS, kpi_wide
from ..settings import AnalysisSettings
from ..sheet_names import sheet_name
from ..texts import Texts
from .common import UNIT_KIND, title_blocks
from .spec import ColumnSpec, ConditionalFormat, SheetSpec, TableBlock, TextBlock, stack

TEXTS = Texts({
    "title": ("客户指标看板", "KPI dashboard"),
    "window_months": ("近{months}个月", "last {months} months"),
    "window_all": ("全部历史", "all history"),
    "note": ("统计期：{window}（截至 {as_of:%Y-%m-%d}）。每列一个指标，表头批注和下方「指标说明」给出计算公式；"
             "空白表示该组没有可计算的数据（原因见指标说明）。",
             "Period: {window} up to {as_of:%Y-%m-%d}. One column per KPI; header notes and the legend below "
             "give each formula. Blank = nothing to compute for that group (see the legend)."),
    # the tables of each section
    "all_customers": ("全部客户", "All customers"),
    "scope": ("范围", "Scope"),
    "overall_title": ("总体与各层级", "Overall and by layer"),
    # the key figures
    "high_risk": ("高流失风险客户", "High churn risk"),
    "headline_title": ("核心指标", "Key figures"),
    # the legend
    "legend_title": ("指标说明", "KPI legend"),
    "legend_label": ("指标", "KPI"),
    "legend_formula": ("计算公式", "Formula"),
    "legend_note": ("总体为空的原因", "Why overall is blank"),
    # the tables by dimension: their titles and first columns' headers
    "by_industry": ("按行业", "By industry"),
    "dim_industry": ("行业", "Industry"),
    "by_region": ("按区域", "By region"),
    "dim_region": ("区域", "Region"),
    "by_owner": ("按客户经理", "By account owner"),
    "dim_owner": ("客户经理", "Account owner"),
})

# every KPI of crm_xl.core.kpis, in the order of KPIS
KPI_COLUMNS_SHOWN = tuple(k.key for k in KPIS)

# the tables by dimension after the one by layer: (dimension, table name); title TEXTS' by_<dimension>,
# first column's header dim_<dimension>
_DIMS = (("industry", "KpiByIndustry"),
         ("region", "KpiByRegion"),
         ("owner", "KpiByOwner"))


# the dashboard's sections: (section, KPI keys), from each KPI's section
_GROUPS = tuple((sec, tuple(k.key for k in KPIS if k.section == sec.key)) for sec in KPI_SECTIONS)


def _columns(first_header: str, lang: str, keys: tuple[str, ...] = KPI_COLUMNS_SHOWN) -> tuple[ColumnSpec, ...]:
    cols = [ColumnSpec("group_label", first_header, "text", width=18)]
    defs = {k.key: k for k in KPIS}
    for key in keys:
        k = defs[key]
        fmt = "0.0" if k.unit == "nps" else None
        cols.append(ColumnSpec(k.key, k.label(lang), UNIT_KIND[k.unit], fmt=fmt,
                               comment=k.formula(lang)))
    return tuple(cols)


def _targets(keys: tuple[str, ...], settings: AnalysisSettings) -> tuple[ConditionalFormat, ...]:
    """A churn rate above ``settings.churn_rate_target`` in red, in the tables showing it."""
    if "churn_rate" not in keys:
        return ()
    above = f"=AND(ISNUMBER({{col}}{{row}}),{{col}}{{row}}>{settings.churn_rate_target:g})"
    return (ConditionalFormat("churn_rate", "formula", above, "FFC7CE", font_color="9C0006"),)


def _wide(long: pd.DataFrame) -> pd.DataFrame:
    if long.empty:
        return pd.DataFrame(columns=["group_label", *KPI_COLUMNS_SHOWN])
    w = kpi_wide(long)
    labels = long.drop_duplicates(["dimension", "group"]).set_index(["dimension", "group"])["group_label"]
    w["group_label"] = labels.reindex(pd.MultiIndex.from_frame(w[["dimension", "group"]])).to_numpy()
    for k in KPI_COLUMNS_SHOWN:
        if k not in w.columns:
            w[k] = float("nan")
    return w


def kpi_sheet(result: AnalysisResult) -> SheetSpec:
    s = result.settings
    lang = s.lang
    t = TEXTS.lang(lang)
    window = t("window_months", months=s.kpi_window_months) if s.kpi_window_months else t.window_all
    note = t("note", window=window, as_of=result.as_of)
    overall = _wide(result.kpis)
    overall["group_label"] = t.all_customers
    by_layer = _wide(result.kpis_by_layer)
    blocks: list = [*title_blocks(t.title, note), _headline(result, overall)]
    top = pd.concat([overall, by_layer], ignore_index=True)
    dims = result.kpis_by_dimension
    wide_dims = {dim: _wide(dims[dims["dimension"] == dim]) for dim, _ in _DIMS
                 if not dims.empty and (dims["dimension"] == dim).any()}  # (each shown in every section)
    for sec, keys in _GROUPS:
        suffix = sec.table_suffix
        blocks.append(TextBlock((sec.label(lang),), style="heading"))
        blocks.append(TableBlock(name="KpiOverall" + suffix, columns=_columns(t.scope, lang, keys),
                                 data=top, title=t.overall_title,
                                 style="TableStyleMedium2", conditional_formats=_targets(keys, s)))
        for dim, name in _DIMS:
            if dim not in wide_dims:
                continue
            blocks.append(TableBlock(name=name + suffix, columns=_columns(t("dim_" + dim), lang, keys),
                                     data=wide_dims[dim], title=t("by_" + dim), style="TableStyleLight9",
                                     conditional_formats=_targets(keys, s)))
    reasons = result.kpis.set_index("kpi")["reason"] if not result.kpis.empty else pd.Series(dtype=object)
    legend = pd.DataFrame({
        "label": [k.label(lang) for k in KPIS],
        "formula": [k.formula(lang) for k in KPIS],
        "note": [str(reasons.get(k.key, "") or "") for k in KPIS],
    })
    legend_block = (TableBlock(
        name="KpiLegend", data=legend, title=t.legend_title, style="TableStyleLight1",
        columns=(ColumnSpec("label", t.legend_label, width=24),
                 ColumnSpec("formula", t.legend_formula, width=60),
                 ColumnSpec("note", t.legend_note, width=40)),
    ))
    placed = stack(blocks)
    # the legend sits right of the widest table, so its wide text columns do not widen the KPI columns
    right = max(b.col + len(b.columns) for b in placed if isinstance(b, TableBlock)) + 1
    placed += stack([legend_block], start_row=placed[2].row, col=right)
    return SheetSpec(name=sheet_name("kpis", lang), blocks=placed, tab_color="00B050",
                     freeze="B1")


_HEADLINE = tuple(k.key for k in KPIS if k.headline)


def _headline(result: AnalysisResult, overall: pd.DataFrame) -> TableBlock:
    """The key figures in one row, for the manager who reads nothing else."""
    lang = result.settings.lang
    t = TEXTS.lang(lang)
    defs = {k.key: k for k in KPIS}
    row = {k: overall[k].iloc[0] if len(overall) else float("nan") for k in _HEADLINE}
    row["high_risk"] = int((result.churn["risk"] == "high").sum()) if len(result.churn) else 0
    cols = [ColumnSpec(k, defs[k].label(lang), UNIT_KIND[defs[k].unit], fmt="0.0" if defs[k].unit == "nps" else None,
                       comment=defs[k].formula(lang), width=14) for k in _HEADLINE]
    cols.append(ColumnSpec("high_risk", t.high_risk, "int", width=14))
    return TableBlock(name="KpiHeadline", columns=tuple(cols), data=pd.DataFrame([row]),
                      title=t.headline_title, style="TableStyleMedium9")
