"""The 客户价值预测 (CLV Forecast) sheet (issue 9): per-customer predictions from the BG/NBD
and Gamma-Gamma models sorted by CLV, and to their right what the numbers mean in plain
words, the model's remarks, key figures, parameters, and the calibration check (predicted
vs actual purchases in the held-out last months, table and native line chart).

When there is no model (too little data, a failed fit) the sheet still builds and says why
in its first lines."""

from __future__ import annotations

__all__ = ["clv_sheet", "CLV_SHEET_COLUMNS"]

import re

import pandas as pd

from ..core.clv_report import ClvResult
from ..settings import AnalysisSettings
from ..sheet_names import sheet_name
from ..texts import Texts
from .common import col_letter
from .spec import (
    ChartSpec,
    ColumnSpec,
    ConditionalFormat,
    SheetSpec,
    TableBlock,
    TextBlock,
    as_table,
    display_width,
    stack,
)

#: Keys of the per-customer table's columns, in sheet order.
CLV_SHEET_COLUMNS = ("clv_rank", "customer_id", "customer_name", "owner", "layer_label", "purchases", "first_purchase",
                     "last_purchase", "monetary_value", "purchases_3m", "purchases_6m", "purchases_12m", "p_alive",
                     "expected_spend", "clv")


TEXTS = Texts({
    # the per-customer table
    "clv_rank": ("CLV排名", "CLV Rank"),
    "clv_rank_note": ("1 = 预测价值最高", "1 = highest predicted value"),
    "customer_id": ("客户ID", "Customer ID"),
    "customer_name": ("客户名称", "Customer Name"),
    "owner": ("客户经理", "Owner"),
    "layer_label": ("客户层级", "Layer"),
    "purchases": ("历史购买次数", "Purchases so far"),
    "purchases_note": ("同一天的多笔订单算一次购买", "orders on the same day count as one purchase"),
    "first_purchase": ("首次购买日期", "First Purchase"),
    "last_purchase": ("最近购买日期", "Last Purchase"),
    "monetary_value": ("历史平均客单价(元)", "Mean Spend so far (CNY)"),
    "monetary_value_note": ("重复购买（首次购买之后）的平均金额；模型的输入",
                            "mean amount of the repeat purchases (after the first); the model's input"),
    "purchases_3m": ("未来3个月预计购买次数", "Expected Purchases 3m"),
    "purchases_6m": ("未来6个月预计购买次数", "Expected Purchases 6m"),
    "purchases_12m": ("未来12个月预计购买次数", "Expected Purchases 12m"),
    "p_alive": ("活跃概率", "P(alive)"),
    "p_alive_note": ("客户仍会继续购买的概率（BG/NBD 模型）",
                     "probability that the customer still buys from us (BG/NBD model)"),
    "expected_spend": ("预计客单价(元)", "Expected Spend (CNY)"),
    "expected_spend_note": ("今后每次购买的预计金额（Gamma-Gamma 模型）",
                            "expected amount per future purchase (Gamma-Gamma model)"),
    "clv": ("CLV 未来{h}个月(元)", "CLV next {h}m (CNY)"),
    "clv_note": ("未来{h}个月预计购买 × 预计客单价，按月贴现率 {rate:.2%} 折现",
                 "expected purchases in the next {h} months x expected spend, discounted at {rate:.2%} a month"),
    "clv_note_margin": ("，× 毛利率 {margin:.0%}", ", x margin {margin:.0%}"),
    # the lines above the table
    "read_purchases": (
        "预计购买次数：未来 3、6、12 个月预计的购买次数（同一天的多笔订单算一次）。经常买、最近也买过的客户预计会继续买；"
        "以前常买但已经很久没买的客户，很可能已经不再购买。",
        "Expected purchases: purchases expected in the next 3, 6 and 12 months (orders on the same day count as one). "
        "Customers who bought often and recently are expected to keep buying; those who used to buy often but have been "
        "silent for a long time have probably stopped."),
    "read_p_alive": (
        "活跃概率：客户仍会向我们购买的概率。只买过一次的客户为 100%（还没有证据表明他已离开）；沉默时间相对于该客户自己的"
        "购买节奏越长，概率越低——每月都买的客户 6 个月没买，比每年买一次的客户 6 个月没买更危险。",
        "P(alive): the probability that the customer still buys from us. 100% for customers who bought only once (no "
        "evidence yet that they left); it falls as the silence grows relative to the customer's own rhythm: a monthly "
        "buyer silent for 6 months is a worse sign than a yearly buyer silent for 6 months."),
    "read_spend": (
        "预计客单价：今后每次购买的预计金额，只看到少数几次购买时向全体客户的平均水平靠拢。"
        "CLV：未来 {h} 个月每月的预计购买次数 × 预计客单价，按每月 {rate:.2%} 贴现后相加{margin}；排名 1 = 预测价值最高。",
        "Expected spend: the expected amount of each future purchase, pulled towards the average of all customers when "
        "we have seen only a few purchases. CLV: expected purchases month by month over the next {h} months x expected "
        "spend, discounted at {rate:.2%} a month{margin}; rank 1 = highest predicted value."),
    "read_spend_margin": ("，再乘以毛利率 {margin:.0%}", ", x gross margin {margin:.0%}"),
    "read_estimates": (
        "这些是针对客户群体的统计估计：适合排序、分配资源和估算总量，不是对单个客户的承诺。",
        "These are statistical estimates for groups of customers: good for ranking, allocating effort and totals, not "
        "promises about one customer."),
    # about the models, right of the table
    "about_models": (
        "购买次数和活跃概率来自 BG/NBD 模型，客单价来自 Gamma-Gamma 模型（Fader、Hardie 和 Lee 2005）。",
        "Purchases and P(alive) come from the BG/NBD model, spend from the Gamma-Gamma model (Fader, Hardie & Lee 2005)."),
    "about_assumptions": (
        "模型假设客户可以不打招呼就停止购买（非合同制），并且购买习惯大体稳定。",
        "The models assume customers can stop buying without telling us (non-contractual) and stable buying habits."),
    "about_check": (
        "模型检验：只用最后 {k} 个月之前的数据拟合模型，预测最后 {k} 个月，再与实际比较（见下方检验表和图）。",
        "Model check: fitted on the data before the last {k} months, the model predicts those months and is "
        "compared with what happened (table and chart below),"),
    "about_check_groups": (
        "按客户此前的重复购买次数分组；两条线越接近，模型越可信。",
        "grouped by the customers' earlier repeat purchases; the closer the two lines, the more trustworthy."),
    "about_churn": (
        "「流失预警」表的活跃概率列来自同一模型；在「设置」中把 churn_p_alive_below 设为大于 0 的值（如 0.3），"
        "活跃概率低于它也会成为预警信号。",
        "The P(alive) column of the Churn Warning sheet comes from the same model; set churn_p_alive_below "
        "above 0 (e.g. 0.3) in Settings to make a low P(alive) a warning signal."),
    # the sheet
    "lead": ("按 CLV 从高到低排列（{n:,} 位有购买记录的客户）。模型提示、参数和模型检验见右侧（{col} 列起）。",
             "Sorted by CLV, highest first ({n:,} customers with purchases). The model's remarks, parameters "
             "and check are on the right (from column {col})."),
    "no_predictions": ("没有预测", "No predictions"),
    "title": ("客户价值预测（BG/NBD + Gamma-Gamma）", "CLV forecast (BG/NBD + Gamma-Gamma)"),
    "table_title": ("客户价值预测（按 CLV 排序）", "Customer value forecast (by CLV)"),
    "about_heading": ("关于模型", "About the models"),
    "remarks_heading": ("模型提示", "Model remarks"),
    "fit_label": ("项目", "Item"),
    "fit_value": ("数值", "Value"),
    "fit_note": ("说明", "Note"),
    "fit_title": ("模型概况", "Model summary"),
    "par_name": ("参数", "Parameter"),
    "par_estimate": ("估计值", "Estimate"),
    "par_meaning": ("含义", "Meaning"),
    "par_std_error": ("标准误", "Std. error"),
    "par_std_error_note": ("来自观测信息矩阵；参数处于极限值时为空",
                           "from the observed information matrix; blank for a parameter at a limit"),
    "par_lower": ("95%下限", "95% lower"),
    "par_upper": ("95%上限", "95% upper"),
    "par_title": ("模型参数（最大似然估计）", "Model parameters (maximum likelihood)"),
    "cal_frequency": ("此前重复购买次数", "Earlier repeat purchases"),
    "cal_customers": ("客户数", "Customers"),
    "cal_actual": ("实际平均购买次数", "Actual (mean)"),
    "cal_predicted": ("预测平均购买次数", "Predicted (mean)"),
    "cal_title": ("模型检验：{start} 起 {k} 个月内每位客户的购买次数",
                  "Model check: purchases per customer in the {k} months from {start}"),
    "cal_chart": ("检验期实际与预测购买次数", "Holdout purchases: actual vs predicted"),
    "cal_x_axis": ("此前重复购买次数", "Earlier repeat purchases"),
    "cal_y_axis": ("每位客户平均购买次数", "Purchases per customer"),
})


def _customer_columns(s: AnalysisSettings) -> tuple[ColumnSpec, ...]:
    t = TEXTS.lang(s.lang)
    h = s.clv_horizon_months
    margin = t("clv_note_margin", margin=s.clv_margin) if s.clv_margin != 1 else ""
    return (
        ColumnSpec("clv_rank", t.clv_rank, "int", align="center", comment=t.clv_rank_note),
        ColumnSpec("customer_id", t.customer_id),
        ColumnSpec("customer_name", t.customer_name),
        ColumnSpec("owner", t.owner),
        ColumnSpec("layer_label", t.layer_label),
        ColumnSpec("purchases", t.purchases, "int", comment=t.purchases_note),
        ColumnSpec("first_purchase", t.first_purchase, "date"),
        ColumnSpec("last_purchase", t.last_purchase, "date"),
        ColumnSpec("monetary_value", t.monetary_value, "money", comment=t.monetary_value_note),
        ColumnSpec("purchases_3m", t.purchases_3m, "number"),
        ColumnSpec("purchases_6m", t.purchases_6m, "number"),
        ColumnSpec("purchases_12m", t.purchases_12m, "number"),
        ColumnSpec("p_alive", t.p_alive, "percent", comment=t.p_alive_note),
        ColumnSpec("expected_spend", t.expected_spend, "money", comment=t.expected_spend_note),
        ColumnSpec("clv", t("clv", h=h), "money", comment=t("clv_note", h=h, rate=s.clv_discount_rate) + margin),
    )


def _how_to_read(s: AnalysisSettings) -> tuple[str, ...]:
    """The plain-words lines above the table."""
    t = TEXTS.lang(s.lang)
    margin = t("read_spend_margin", margin=s.clv_margin) if s.clv_margin != 1 else ""
    return (t.read_purchases, t.read_p_alive,
            t("read_spend", h=s.clv_horizon_months, rate=s.clv_discount_rate, margin=margin), t.read_estimates)


def _about(s: AnalysisSettings, holdout: bool) -> tuple[str, ...]:
    """Short lines (one sentence each) about the models, right of the table."""
    t = TEXTS.lang(s.lang)
    lines = [t.about_models, t.about_assumptions]
    if holdout:
        lines += [t("about_check", k=s.clv_holdout_months), t.about_check_groups]
    lines.append(t.about_churn)
    return tuple(lines)


# where a sentence ends, per language (a rule, not a text)
_SENTENCE_END = {"zh": r"(?<=。)", "en": r"(?<=\.) (?=[A-Z])"}


def _sentences(notes, lang: str) -> tuple[str, ...]:
    """Notes split into one sentence per line (lines overflow to the right unwrapped)."""
    out = []
    for n in notes:
        parts = re.split(_SENTENCE_END.get(lang, _SENTENCE_END["en"]), n)
        out += [p.strip() for p in parts if p.strip()]
    return tuple(out)


def clv_sheet(result, settings: AnalysisSettings | None = None) -> SheetSpec:
    """The 客户价值预测 sheet.

    Parameters
    ----------
    result : AnalysisResult or ClvResult
        An analysis (its ``clv``) or a :class:`~crm_xl.core.clv_report.ClvResult`.
    settings : AnalysisSettings, optional
        Labels and thresholds; default the result's settings.
    """
    clv: ClvResult | None = result if isinstance(result, ClvResult) else getattr(result, "clv", None)
    if clv is None:
        raise TypeError("clv_sheet needs an AnalysisResult with .clv or a ClvResult")
    s = settings or clv.settings
    t = TEXTS.lang(s.lang)
    cols = _customer_columns(s)
    panel = len(cols) + 2
    panel_letter = col_letter(panel)
    main_blocks, shown_top = _main_blocks(clv, s, cols, panel_letter)
    main = as_table(main_blocks[-1])

    # the panel right of the table: about the models, remarks, key figures, parameters, check.
    # Text lines are not wrapped (they overflow into the empty cells to their right), so the
    # rows the panel shares with the customer table keep their height.
    side: list = [TextBlock((t.about_heading,), style="heading"),
                  TextBlock(_about(s, s.clv_holdout_months > 0 and clv.ok), style="body")]
    remarks = _sentences(clv.notes[shown_top:], s.lang)
    if remarks:
        side += [TextBlock((t.remarks_heading,), style="heading"), TextBlock(remarks, style="body")]
    fit_cols = (
        ColumnSpec("label", t.fit_label),
        ColumnSpec("value_text", t.fit_value, align="right"),
        ColumnSpec("note", t.fit_note),
    )
    side.append(TableBlock(name="ClvModelFit", columns=fit_cols, data=clv.fit.reset_index(drop=True),
                           title=t.fit_title, style="TableStyleLight9"))
    long_texts = list(clv.fit["note"].astype(str))
    if len(clv.parameters):
        block, meanings = _parameters_block(clv, s)
        side.append(block)
        long_texts += meanings
    side_blocks = list(stack(side, start_row=main.row, col=panel))
    charts: tuple[ChartSpec, ...] = ()
    if len(clv.calibration):
        cal_row = side_blocks[-1].row + side_blocks[-1].height + 1
        cal, chart = _calibration(clv, s, cal_row, panel)
        side_blocks.append(cal)
        charts = (chart,)
    text_width = min(max([display_width(x) for x in long_texts] + [30]) + 2, 90)
    return SheetSpec(name=sheet_name("clv", s.lang), blocks=tuple(main_blocks) + tuple(side_blocks), charts=charts,
                     tab_color="7030A0", freeze=f"D{main.first_data_row}",
                     column_widths=((panel + 2, float(text_width)),),
                     print_title_rows=(main.header_row, main.header_row))


def _main_blocks(clv: ClvResult, s: AnalysisSettings, cols, panel_letter: str) -> tuple[list, int]:
    """The title, the lines above the table and the per-customer table; and how many of the
    model's notes the lines above show (the others go to the panel's remarks)."""
    t = TEXTS.lang(s.lang)
    pred = clv.predictions
    data = pred[[c.key for c in cols]].reset_index(drop=True) if len(pred) else pd.DataFrame(
        {c.key: pd.Series(dtype=float) for c in cols})
    if clv.ok:
        top = (t("lead", n=len(pred), col=panel_letter),) + ((clv.notes[0],) if clv.status == "partial" else ()) \
            + _how_to_read(s)
        shown_top = 1 if clv.status == "partial" else 0
    else:
        top = (clv.notes[0] if clv.notes else t.no_predictions,)
        shown_top = 1
    cfs: tuple[ConditionalFormat, ...] = ()
    if s.churn_p_alive_below > 0:
        cfs = (ConditionalFormat("p_alive", "formula", f"=AND(ISNUMBER({{col}}{{row}}),{{col}}{{row}}<{s.churn_p_alive_below:g})",
                                 "FFC7CE", font_color="9C0006"),)
    blocks = stack([
        TextBlock((t.title,), style="title"),
        TextBlock(top, style="note", merge_cols=len(cols) - 2),
        TableBlock(name="ClvForecast", columns=cols, data=data, conditional_formats=cfs,
                   title=t.table_title,
                   key_columns=("customer_id",), style="TableStyleMedium2"),
    ])
    return list(blocks), shown_top


def _parameters_block(clv: ClvResult, s: AnalysisSettings) -> tuple[TableBlock, list[str]]:
    """The models' parameters (5 significant digits) and the texts of their meanings."""
    t = TEXTS.lang(s.lang)
    par = clv.parameters.copy()
    par["name"] = par["model"] + " " + par["parameter"]
    for c in ("estimate", "std_error", "lower", "upper"):  # 5 significant digits, shown with General
        par[c] = [float(f"{v:.5g}") if pd.notna(v) else v for v in par[c].astype(float)]
    par_cols = (
        ColumnSpec("name", t.par_name),
        ColumnSpec("estimate", t.par_estimate, "number", fmt="General"),
        ColumnSpec("meaning", t.par_meaning),
        ColumnSpec("std_error", t.par_std_error, "number", fmt="General",
                   comment=t.par_std_error_note),
        ColumnSpec("lower", t.par_lower, "number", fmt="General"),
        ColumnSpec("upper", t.par_upper, "number", fmt="General"),
    )
    block = TableBlock(name="ClvParameters", columns=par_cols, data=par.reset_index(drop=True),
                       title=t.par_title, style="TableStyleLight9")
    return block, list(par["meaning"].astype(str))


def _calibration(clv: ClvResult, s: AnalysisSettings, cal_row: int, panel: int) -> tuple[TableBlock, ChartSpec]:
    """The model check: its table right of the panel's wide text column, its chart under the
    narrower ones on its left."""
    t = TEXTS.lang(s.lang)
    cal_cols = (
        ColumnSpec("frequency_cal", t.cal_frequency, align="center"),
        ColumnSpec("customers", t.cal_customers, "int"),
        ColumnSpec("actual", t.cal_actual, "number"),
        ColumnSpec("predicted", t.cal_predicted, "number"),
    )
    start = (clv.calibration_end + pd.Timedelta(days=1)).date() if clv.calibration_end is not None else None
    cal = TableBlock(name="ClvCalibration", columns=cal_cols, data=clv.calibration.reset_index(drop=True),
                     title=t("cal_title", start=start, k=s.clv_holdout_months), style="TableStyleLight9",
                     row=cal_row, col=panel + 3)
    chart = ChartSpec("line", t.cal_chart, "ClvCalibration", "frequency_cal", ("actual", "predicted"),
                      f"{col_letter(panel)}{cal_row}", width_cm=16, height_cm=8,
                      x_axis_title=t.cal_x_axis, y_axis_title=t.cal_y_axis)
    return cal, chart
