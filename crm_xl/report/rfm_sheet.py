"""The RFM分层表 sheet: seed 004 Template 1 (客户价值分层分析表), exactly its columns and order,
as an Excel Table with layer colours, plus the layer shares with a native pie chart."""

from __future__ import annotations

__all__ = ["rfm_layer_sheet", "layer_summary", "TEMPLATE1_COLUMNS", "HEADERS", "template1_headers", "LAYER_FILLS"]

from dataclasses import replace
from typing import TYPE_CHECKING

import pandas as pd

from ..settings import RFM11_KEYS, AnalysisSettings
from ..sheet_names import sheet_name
from ..texts import Texts
from .common import LAYER_FILLS, col_letter, layer_fills

if TYPE_CHECKING:
    from .formulas import SettingRefs
from .spec import ChartSpec, ColumnSpec, ConditionalFormat, Kind, SheetSpec, TableBlock, TextBlock, stack

# (canonical key, kind) of Template 1's columns; their headers are the texts of HEADERS
TEMPLATE1_COLUMNS: tuple[tuple[str, Kind], ...] = (
    ("customer_id", "text"),
    ("customer_name", "text"),
    ("contact_name", "text"),
    ("industry", "text"),
    ("last_purchase_date", "date"),
    ("frequency", "int"),
    ("monetary", "money"),
    ("r_score", "score"),
    ("f_score", "score"),
    ("m_score", "score"),
    ("rfm_total", "score"),
    ("layer_label", "text"),
    ("remark", "text"),
)

# the columns' headers, by column key (zh: as printed in Template 1)
HEADERS = Texts({
    "customer_id": ("客户ID", "Customer ID"),
    "customer_name": ("客户名称", "Customer Name"),
    "contact_name": ("联系人", "Contact"),
    "industry": ("所属行业", "Industry"),
    "last_purchase_date": ("最近购买日期", "Last Purchase Date"),
    "frequency": ("购买频次(次)", "Purchases"),
    "monetary": ("累计购买金额(元)", "Total Amount (CNY)"),
    "r_score": ("R得分(1-5)", "R Score (1-5)"),
    "f_score": ("F得分(1-5)", "F Score (1-5)"),
    "m_score": ("M得分(1-5)", "M Score (1-5)"),
    "rfm_total": ("RFM总分", "RFM Total"),
    "layer_label": ("客户层级", "Customer Layer"),
    "remark": ("备注", "Remarks"),
})


def template1_headers(lang: str = "zh") -> tuple[str, ...]:
    """Template 1's column headers in ``lang``, in its order."""
    h = HEADERS.lang(lang)
    return tuple(h(k) for k, _ in TEMPLATE1_COLUMNS)


TEXTS = Texts({
    "title": ("客户价值分层分析表（基于RFM模型）", "Customer value layers (RFM model)"),
    "as_of_note": ("分析日期 {as_of:%Y-%m-%d}。", "Analysis date {as_of:%Y-%m-%d}. "),
    "as_of": ("分析日期", "Analysis date"),
    # the layer shares beside the table
    "layer_label": ("客户层级", "Layer"),
    "customers": ("客户数", "Customers"),
    "share": ("占比", "Share"),
    "amount": ("累计购买金额(元)", "Amount (CNY)"),
    "shares_title": ("客户层级占比", "Layer shares"),
    "shares_chart": ("客户层级占比", "Customers by layer"),
    # how R, F and M were scored (scoring_note): one part per dimension, then the tail
    "R_breakpoints": ("最近购买日期越近得分越高（≤{r[0]}天=5分，≤{r[1]}天=4分，≤{r[2]}天=3分，≤{r[3]}天=2分，更早=1分）",
                      "days since last purchase <= {r[0]} -> 5, <= {r[1]} -> 4, <= {r[2]} -> 3, <= {r[3]} -> 2, "
                      "older -> 1"),
    "F_breakpoints": ("购买频次 ≥{f[3]:g}次=5分，≥{f[2]:g}=4分，≥{f[1]:g}=3分，≥{f[0]:g}=2分",
                      "purchases >= {f[3]:g} -> 5, >= {f[2]:g} -> 4, >= {f[1]:g} -> 3, >= {f[0]:g} -> 2"),
    "M_breakpoints": ("累计金额 ≥{m[3]:,.0f}元=5分，≥{m[2]:,.0f}=4分，≥{m[1]:,.0f}=3分，≥{m[0]:,.0f}=2分",
                      "amount >= {m[3]:,.0f} -> 5, >= {m[2]:,.0f} -> 4, >= {m[1]:,.0f} -> 3, >= {m[0]:,.0f} -> 2"),
    "R_quintiles": ("最近购买越近得分越高", "the more recent, the higher"),
    "F_quintiles": ("购买次数越多得分越高", "the more purchases, the higher"),
    "M_quintiles": ("累计金额越高得分越高", "the higher the amount, the higher"),
    "by_breakpoints": ("{letter}得分：{rule}", "{letter}: {rule}"),
    "by_quintiles": ("{letter}得分：按五分位评分（{rule}，每档约 20% 的客户）",
                     "{letter}: by quintiles ({rule}; about 20% of the customers per score)"),
    "quintiles_why": ("，因为固定分界点会让 {share:.0%} 的客户都得同一分（数据的金额或频次与默认分界点不在一个量级）",
                      ", because the fixed breakpoints would give {share:.0%} of the customers the same "
                      "score (the data's scale differs from the default breakpoints)"),
    "parts_sep": ("；", "; "),
    "parts_end": ("。", ". "),
    "tail": ("分界点和评分方式（score_mode：auto / absolute / quantile）可在「设置」中修改。",
             "Breakpoints and scoring (score_mode: auto / absolute / quantile) are editable in Settings."),
})


def rfm_layer_sheet(layers: pd.DataFrame, settings: AnalysisSettings, as_of: pd.Timestamp,
                    refs: "SettingRefs | None" = None, modes: tuple[str, str, str] | None = None) -> SheetSpec:
    """Template 1 for every customer in ``layers`` (``assign_layers`` output).

    With ``refs`` (formula mode, :mod:`crm_xl.report.formulas`) the R/F/M scores, total,
    layer and the layer-share counts are Excel formulas over the 设置 sheet's cells (where
    all three dimensions are scored by breakpoints). ``modes``: how R, F, M were scored
    (:attr:`crm_xl.core.analysis.AnalysisResult.score_modes`).
    """
    modes = modes or ((settings.score_mode,) * 3 if settings.score_mode != "auto" else ("absolute",) * 3)
    lang = settings.lang
    t = TEXTS.lang(lang)
    cols = tuple(ColumnSpec(k, header, kind)
                 for (k, kind), header in zip(TEMPLATE1_COLUMNS, template1_headers(lang), strict=True))
    cfs = tuple(
        ConditionalFormat("layer_label", "equals", settings.layer_label(key, lang), fill, font_color=font)
        for key, (fill, font) in layer_fills(settings.layer_mode).items()
    )
    table = TableBlock(name="RFMLayers", columns=cols, data=layers, conditional_formats=cfs,
                       key_columns=("customer_id",))
    title = t.title
    note = t("as_of_note", as_of=as_of) + scoring_note(layers, settings, modes)
    # layer shares beside the table, with a native pie chart
    share = layer_summary(layers, settings)
    share_cols = (
        ColumnSpec("layer_label", t.layer_label, "text"),
        ColumnSpec("customers", t.customers, "int"),
        ColumnSpec("share", t.share, "percent"),
        ColumnSpec("amount", t.amount, "money"),
    )
    blocks = stack([TextBlock((title,), style="title"), TextBlock((note,), style="note")])
    main = stack([table], start_row=blocks[-1].row + 2)
    start_col = len(cols) + 2
    as_of_block = TableBlock(name="RFMAsOf", as_excel_table=False, data=pd.DataFrame({"as_of": [as_of]}),
                             columns=(ColumnSpec("as_of", t.as_of, "date", width=14),))
    side = stack([as_of_block, TableBlock(name="LayerShares", columns=share_cols, data=share,
                                          title=t.shares_title)],
                 start_row=main[0].row, col=start_col)
    if refs is not None:
        main = _with_formulas(main[0], side, settings, refs, modes)
        from .formulas import layer_table_formulas

        side = (side[0], layer_table_formulas(side[1], main[0], amount="amount"))
    anchor_row = side[-1].last_row + 2
    chart = ChartSpec(kind="pie", title=t.shares_chart, table="LayerShares",
                      category="layer_label", series=("customers",),
                      anchor=f"{col_letter(start_col)}{anchor_row}", width_cm=13, height_cm=8, data_labels=True)
    return SheetSpec(name=sheet_name("rfm", lang), blocks=blocks + tuple(main) + tuple(side), charts=(chart,),
                     freeze=f"C{main[0].first_data_row}", tab_color="2E75B6")


def layer_summary(layers: pd.DataFrame, settings: AnalysisSettings) -> pd.DataFrame:
    """Customers and amount per layer (``layer_label``, ``customers``, ``share``, ``amount``,
    ``amount_share``): the score layers in their usual order, the 11 segments in map order
    (champions ... lost), the fallback layer, then any other layer in order of appearance. Shared by RFM分层表
    and 图表."""
    g = layers.groupby("layer", sort=False).agg(customers=("customer_id", "size"), amount=("monetary", "sum"))
    known = [*(k for k in LAYER_FILLS if k != "unclassified"), *RFM11_KEYS, "unclassified"]
    order = [k for k in known if k in g.index] + [k for k in g.index if k not in known]
    g = g.reindex(order)
    return pd.DataFrame({
        "layer_label": [settings.layer_label(k, settings.lang) for k in order],
        "customers": g["customers"].to_numpy(),
        "share": (g["customers"] / g["customers"].sum()).to_numpy() if len(g) else [],
        "amount": g["amount"].to_numpy(),
        "amount_share": (g["amount"] / g["amount"].sum()).to_numpy() if len(g) else [],
    })


def _with_formulas(t: TableBlock, side, settings: AnalysisSettings, refs, modes) -> tuple[TableBlock]:
    """Template 1 with R/F/M, total (and layer in score mode) as formulas (breakpoint
    scoring only: quintiles depend on every customer's value)."""
    from .formulas import layer_formula, recency_formula, total_formula, up_formula

    if any(m != "absolute" for m in modes):
        return (t,)
    L = {c.key: col_letter(t.column_index(c.key)) + "{row}" for c in t.columns}
    a = side[0]
    as_of = f"${col_letter(a.col)}${a.first_data_row}"
    f = {
        "r_score": recency_formula(refs, L["last_purchase_date"], as_of),
        "f_score": up_formula(refs, "frequency_breakpoints", L["frequency"]),
        "m_score": up_formula(refs, "monetary_breakpoints", L["monetary"]),
        "rfm_total": total_formula(refs, L["r_score"], L["f_score"], L["m_score"]),
    }
    if settings.layer_mode == "score":
        keys = tuple(k for k, _ in settings.score_layer_thresholds)
        f["layer_label"] = layer_formula(refs, L["rfm_total"], keys, "unclassified", settings.lang)
    cols = tuple(replace(c, formula=f[c.key]) if c.key in f else c for c in t.columns)
    return (replace(t, columns=cols),)


def scoring_note(layers: pd.DataFrame, settings: AnalysisSettings, modes: tuple[str, str, str]) -> str:
    """How R, F and M were scored, in the report's language: the breakpoints, or quintiles
    (and, where score_mode "auto" chose them, why: the breakpoints gave almost everyone one
    score)."""
    from ..core.rfm import one_score_share

    t = TEXTS.lang(settings.lang)
    r, f, m = settings.recency_breakpoints_days, settings.frequency_breakpoints, settings.monetary_breakpoints
    dims = (("R", "recency", "recency_days", r), ("F", "frequency", "frequency", f), ("M", "monetary", "monetary", m))
    parts = []
    for (letter, kind, col, bps), mode in zip(dims, modes, strict=True):
        if mode == "absolute":
            parts.append(t("by_breakpoints", letter=letter, rule=t(f"{letter}_breakpoints", r=r, f=f, m=m)))
            continue
        text = t("by_quintiles", letter=letter, rule=t(f"{letter}_quintiles"))
        if settings.score_mode == "auto" and col in layers and len(layers):
            share = one_score_share(layers[col].to_numpy(dtype=float), bps, kind)
            text += t("quintiles_why", share=share)
        parts.append(text)
    return t.parts_sep.join(parts) + t.parts_end + t.tail
