"""Formula mode (``crm-xl report --formulas``): the RFM scores, RFM总分, 客户层级 and the
layer counts written as native Excel formulas that read the breakpoints, weights,
thresholds and layer names from the 设置 sheet, so a colleague without Python changes a
threshold on 设置 and the layers (and the pie charts on RFM分层表 and 图表) follow. On
指标看板, 客单价 is 销售额 / 订单数 of its row and the headline's high-risk count a COUNTIF
over 流失预警.

What stays a value, and why: 最近购买日期, 购买频次 and 累计购买金额 come from the
*cleaned* orders (duplicates removed, amounts like "1.5万" parsed), which a formula over the
raw data sheet could not reproduce; the analysis date is a value cell next to the table
(``settings.analysis_date`` or the latest order). Layers are formulas in score mode only
(rules and 11-segment modes keep values). The other KPI cells (window sums, rates from
interactions and leads) are recomputed by the next report run.

List settings are one cell of text ("30, 60, 90, 180"); the formulas take item *k* with the
classic ``TRIM(MID(SUBSTITUTE(text, ",", REPT(" ", 99)), (k-1)*99+1, 99))``, which Excel
and LibreOffice both evaluate (full-width commas are accepted too).
"""

from __future__ import annotations

__all__ = ["SettingRefs", "settings_refs", "recency_formula", "up_formula", "total_formula", "layer_formula"]

from dataclasses import dataclass, replace

from .common import col_letter
from .spec import SheetSpec, TableBlock


def _quote(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


@dataclass(frozen=True)
class SettingRefs:
    """Absolute addresses of the value cells of the 设置 sheet, by setting name."""

    sheet: str
    cells: dict[str, str]  # name -> "$B$12"

    def ref(self, name: str) -> str:
        return f"{_quote(self.sheet)}!{self.cells[name]}"

    def item(self, name: str, k: int) -> str:
        """Item ``k`` (1-based) of a comma-separated list setting, as a number."""
        text = f'SUBSTITUTE({self.ref(name)},"，",",")'
        return f'VALUE(TRIM(MID(SUBSTITUTE({text},",",REPT(" ",99)),{(k - 1) * 99 + 1},99)))'


def settings_refs(settings_sheet: SheetSpec) -> SettingRefs:
    """The value-cell address of every setting row of a :func:`settings_sheet` spec."""
    from .settings_sheet import SETTINGS_TABLE

    t = settings_sheet.table(SETTINGS_TABLE)
    col = t.column_index("value")
    letter = col_letter(col)
    cells = {str(n): f"${letter}${t.first_data_row + i}" for i, n in enumerate(t.data["name"].tolist())}
    return SettingRefs(settings_sheet.name, cells)



def recency_formula(refs: SettingRefs, last_date: str, as_of: str) -> str:
    """R score: days since ``last_date`` <= breakpoint 1 -> 5 ... > breakpoint 4 -> 1; blank date -> 1."""
    days = f"({as_of}-{last_date})"
    name = "recency_breakpoints_days"
    inner = "1"
    for k, score in ((4, 2), (3, 3), (2, 4), (1, 5)):
        inner = f"IF({days}<={refs.item(name, k)},{score},{inner})"
    return f'=IF({last_date}="",1,{inner})'


def up_formula(refs: SettingRefs, name: str, value: str) -> str:
    """F or M score: value >= breakpoint 4 -> 5 ... >= breakpoint 1 -> 2, else 1."""
    inner = "1"
    for k, score in ((1, 2), (2, 3), (3, 4), (4, 5)):
        inner = f"IF({value}>={refs.item(name, k)},{score},{inner})"
    return "=" + inner


def total_formula(refs: SettingRefs, r: str, f: str, m: str) -> str:
    w = [refs.item("rfm_weights", k) for k in (1, 2, 3)]
    return f"={r}*{w[0]}+{f}*{w[1]}+{m}*{w[2]}"


def layer_formula(refs: SettingRefs, total: str, layer_keys: tuple[str, ...], fallback: str, lang: str) -> str:
    """客户层级 by RFM total: the first ``score_layer.<key>`` threshold reached, top-down."""
    label = "layer_label_zh" if lang == "zh" else "layer_label_en"
    inner = refs.ref(f"{label}.{fallback}")
    for key in reversed(layer_keys):
        inner = f"IF({total}>={refs.ref(f'score_layer.{key}')},{refs.ref(f'{label}.{key}')},{inner})"
    return "=" + inner


# ---------------------------------------------------------------------------------------
# overlays: formula columns put onto sheets the builders laid out


def _with_column_formulas(t, formulas: dict[str, str]):
    return replace(t, columns=tuple(replace(c, formula=formulas[c.key]) if c.key in formulas else c for c in t.columns))


def _replace_table(sheet: SheetSpec, new) -> SheetSpec:
    return replace(sheet, blocks=tuple(new if getattr(b, "name", None) == new.name and hasattr(b, "columns") else b
                                       for b in sheet.blocks))


def _col_range(sheet_name: str | None, t, key: str) -> str:
    """Absolute range of column ``key``'s data rows in table ``t`` (sheet-qualified if named)."""
    L = col_letter(t.column_index(key))
    prefix = f"{_quote(sheet_name)}!" if sheet_name else ""
    return f"{prefix}${L}${t.first_data_row}:${L}${t.last_row}"


def _share_of_total(t, key: str) -> str:
    """``key`` of this row over the column's total (0 when the total is 0)."""
    L = col_letter(t.column_index(key))
    total = f"SUM(${L}${t.first_data_row}:${L}${t.last_row})"
    return f"=IF({total}=0,0,{L}{{row}}/{total})"


def layer_table_formulas(t, main, *, amount: str, amount_share: str | None = None,
                         main_sheet: str | None = None):
    """A layer summary table (``layer_label``, ``customers``, ``share``, ``amount``[,
    ``amount_share``]) counted with COUNTIF/SUMIF from the RFM table ``main`` (on
    ``main_sheet``, or the same sheet), so it follows when the layers change."""
    lay, amt = _col_range(main_sheet, main, "layer_label"), _col_range(main_sheet, main, "monetary")
    lab = col_letter(t.column_index("layer_label")) + "{row}"
    f = {
        "customers": f"=COUNTIF({lay},{lab})",
        "share": _share_of_total(t, "customers"),
        amount: f"=SUMIF({lay},{lab},{amt})",
    }
    if amount_share:
        f[amount_share] = _share_of_total(t, amount)
    return _with_column_formulas(t, f)


def kpi_formulas(kpi: SheetSpec, churn: SheetSpec, high_label: str) -> SheetSpec:
    """客单价 = 销售额 / 订单数 in every KPI table (a blank when there are no orders), and the
    headline's high-risk count as a COUNTIF over the 流失预警 table."""
    for b in list(kpi.blocks):
        if not isinstance(b, TableBlock):
            continue
        keys = {c.key for c in b.columns}
        f = {}
        if {"aov", "revenue", "orders"} <= keys:
            rev, n = col_letter(b.column_index("revenue")) + "{row}", col_letter(b.column_index("orders")) + "{row}"
            f["aov"] = f'=IF(N({n})=0,"",{rev}/{n})'
        if "high_risk" in keys:
            t = churn.table("ChurnWarning")
            f["high_risk"] = f'=COUNTIF({_col_range(churn.name, t, "risk_label")},"{high_label}")'
        if f:
            kpi = _replace_table(kpi, _with_column_formulas(b, f))
    return kpi


def chart_layer_formulas(charts: SheetSpec, rfm: SheetSpec) -> SheetSpec:
    """The 图表 sheet's layer table (pie and column charts) counted from the RFM table, so
    the charts follow when the layers change."""
    t = layer_table_formulas(charts.table("ChartLayers"), rfm.table("RFMLayers"), amount="revenue",
                             amount_share="revenue_share", main_sheet=rfm.name)
    return _replace_table(charts, t)
