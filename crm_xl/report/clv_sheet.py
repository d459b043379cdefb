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


def _customer_columns(s: AnalysisSettings) -> tuple[ColumnSpec, ...]:
    z = s.lang == "zh"
    h = s.clv_horizon_months
    margin = s.clv_margin != 1
    return (
        ColumnSpec("clv_rank", "CLV排名" if z else "CLV Rank", "int", align="center",
                   comment="1 = 预测价值最高" if z else "1 = highest predicted value"),
        ColumnSpec("customer_id", "客户ID" if z else "Customer ID"),
        ColumnSpec("customer_name", "客户名称" if z else "Customer Name"),
        ColumnSpec("owner", "客户经理" if z else "Owner"),
        ColumnSpec("layer_label", "客户层级" if z else "Layer"),
        ColumnSpec("purchases", "历史购买次数" if z else "Purchases so far", "int",
                   comment="同一天的多笔订单算一次购买" if z else "orders on the same day count as one purchase"),
        ColumnSpec("first_purchase", "首次购买日期" if z else "First Purchase", "date"),
        ColumnSpec("last_purchase", "最近购买日期" if z else "Last Purchase", "date"),
        ColumnSpec("monetary_value", "历史平均客单价(元)" if z else "Mean Spend so far (CNY)", "money",
                   comment="重复购买（首次购买之后）的平均金额；模型的输入" if z else
                   "mean amount of the repeat purchases (after the first); the model's input"),
        ColumnSpec("purchases_3m", "未来3个月预计购买次数" if z else "Expected Purchases 3m", "number"),
        ColumnSpec("purchases_6m", "未来6个月预计购买次数" if z else "Expected Purchases 6m", "number"),
        ColumnSpec("purchases_12m", "未来12个月预计购买次数" if z else "Expected Purchases 12m", "number"),
        ColumnSpec("p_alive", "活跃概率" if z else "P(alive)", "percent",
                   comment="客户仍会继续购买的概率（BG/NBD 模型）" if z else
                   "probability that the customer still buys from us (BG/NBD model)"),
        ColumnSpec("expected_spend", "预计客单价(元)" if z else "Expected Spend (CNY)", "money",
                   comment="今后每次购买的预计金额（Gamma-Gamma 模型）" if z else
                   "expected amount per future purchase (Gamma-Gamma model)"),
        ColumnSpec("clv", (f"CLV 未来{h}个月(元)" if z else f"CLV next {h}m (CNY)"), "money",
                   comment=(f"未来{h}个月预计购买 × 预计客单价，按月贴现率 {s.clv_discount_rate:.2%} 折现"
                            + (f"，× 毛利率 {s.clv_margin:.0%}" if margin else "") if z else
                            f"expected purchases in the next {h} months x expected spend, discounted at "
                            f"{s.clv_discount_rate:.2%} a month" + (f", x margin {s.clv_margin:.0%}" if margin else ""))),
    )


def _how_to_read(s: AnalysisSettings) -> tuple[str, ...]:
    """The plain-words lines above the table."""
    h, d = s.clv_horizon_months, s.clv_discount_rate
    margin = s.clv_margin != 1
    if s.lang == "zh":
        return (
            "预计购买次数：未来 3、6、12 个月预计的购买次数（同一天的多笔订单算一次）。经常买、最近也买过的客户预计会继续买；"
            "以前常买但已经很久没买的客户，很可能已经不再购买。",
            "活跃概率：客户仍会向我们购买的概率。只买过一次的客户为 100%（还没有证据表明他已离开）；沉默时间相对于该客户自己的"
            "购买节奏越长，概率越低——每月都买的客户 6 个月没买，比每年买一次的客户 6 个月没买更危险。",
            "预计客单价：今后每次购买的预计金额，只看到少数几次购买时向全体客户的平均水平靠拢。"
            f"CLV：未来 {h} 个月每月的预计购买次数 × 预计客单价，按每月 {d:.2%} 贴现后相加"
            + (f"，再乘以毛利率 {s.clv_margin:.0%}" if margin else "") + "；排名 1 = 预测价值最高。",
            "这些是针对客户群体的统计估计：适合排序、分配资源和估算总量，不是对单个客户的承诺。",
        )
    return (
        "Expected purchases: purchases expected in the next 3, 6 and 12 months (orders on the same day count as one). "
        "Customers who bought often and recently are expected to keep buying; those who used to buy often but have been "
        "silent for a long time have probably stopped.",
        "P(alive): the probability that the customer still buys from us. 100% for customers who bought only once (no "
        "evidence yet that they left); it falls as the silence grows relative to the customer's own rhythm: a monthly "
        "buyer silent for 6 months is a worse sign than a yearly buyer silent for 6 months.",
        "Expected spend: the expected amount of each future purchase, pulled towards the average of all customers when "
        f"we have seen only a few purchases. CLV: expected purchases month by month over the next {h} months x expected "
        f"spend, discounted at {d:.2%} a month" + (f", x gross margin {s.clv_margin:.0%}" if margin else "")
        + "; rank 1 = highest predicted value.",
        "These are statistical estimates for groups of customers: good for ranking, allocating effort and totals, not "
        "promises about one customer.",
    )


def _about(s: AnalysisSettings, holdout: bool) -> tuple[str, ...]:
    """Short lines (one sentence each) about the models, right of the table."""
    k = s.clv_holdout_months
    if s.lang == "zh":
        lines = [
            "购买次数和活跃概率来自 BG/NBD 模型，客单价来自 Gamma-Gamma 模型（Fader、Hardie 和 Lee 2005）。",
            "模型假设客户可以不打招呼就停止购买（非合同制），并且购买习惯大体稳定。",
        ]
        if holdout:
            lines += [f"模型检验：只用最后 {k} 个月之前的数据拟合模型，预测最后 {k} 个月，再与实际比较（见下方检验表和图）。",
                      "按客户此前的重复购买次数分组；两条线越接近，模型越可信。"]
        lines.append("「流失预警」表的活跃概率列来自同一模型；在「设置」中把 churn_p_alive_below 设为大于 0 的值（如 0.3），"
                     "活跃概率低于它也会成为预警信号。")
        return tuple(lines)
    lines = [
        "Purchases and P(alive) come from the BG/NBD model, spend from the Gamma-Gamma model (Fader, Hardie & Lee 2005).",
        "The models assume customers can stop buying without telling us (non-contractual) and stable buying habits.",
    ]
    if holdout:
        lines += [f"Model check: fitted on the data before the last {k} months, the model predicts those months and is "
                  "compared with what happened (table and chart below),",
                  "grouped by the customers' earlier repeat purchases; the closer the two lines, the more trustworthy."]
    lines.append("The P(alive) column of the Churn Warning sheet comes from the same model; set churn_p_alive_below "
                 "above 0 (e.g. 0.3) in Settings to make a low P(alive) a warning signal.")
    return tuple(lines)


def _sentences(notes, lang: str) -> tuple[str, ...]:
    """Notes split into one sentence per line (lines overflow to the right unwrapped)."""
    out = []
    for n in notes:
        parts = re.split(r"(?<=。)" if lang == "zh" else r"(?<=\.) (?=[A-Z])", n)
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
    z = s.lang == "zh"
    cols = _customer_columns(s)
    pred = clv.predictions
    data = pred[[c.key for c in cols]].reset_index(drop=True) if len(pred) else pd.DataFrame(
        {c.key: pd.Series(dtype=float) for c in cols})
    panel = len(cols) + 2
    panel_letter = col_letter(panel)
    if clv.ok:
        lead = (f"按 CLV 从高到低排列（{len(pred):,} 位有购买记录的客户）。模型提示、参数和模型检验见右侧（{panel_letter} 列起）。"
                if z else
                f"Sorted by CLV, highest first ({len(pred):,} customers with purchases). The model's remarks, parameters "
                f"and check are on the right (from column {panel_letter}).")
        top = (lead,) + ((clv.notes[0],) if clv.status == "partial" else ()) + _how_to_read(s)
        shown_top = 1 if clv.status == "partial" else 0
    else:
        top = (clv.notes[0] if clv.notes else ("没有预测" if z else "No predictions"),)
        shown_top = 1
    cfs: tuple[ConditionalFormat, ...] = ()
    if s.churn_p_alive_below > 0:
        cfs = (ConditionalFormat("p_alive", "formula", f"=AND(ISNUMBER({{col}}{{row}}),{{col}}{{row}}<{s.churn_p_alive_below:g})",
                                 "FFC7CE", font_color="9C0006"),)
    main_blocks = stack([
        TextBlock(("客户价值预测（BG/NBD + Gamma-Gamma）" if z else "CLV forecast (BG/NBD + Gamma-Gamma)",), style="title"),
        TextBlock(top, style="note", merge_cols=len(cols) - 2),
        TableBlock(name="ClvForecast", columns=cols, data=data, conditional_formats=cfs,
                   title="客户价值预测（按 CLV 排序）" if z else "Customer value forecast (by CLV)",
                   key_columns=("customer_id",), style="TableStyleMedium2"),
    ])
    main = as_table(main_blocks[-1])

    # the panel right of the table: about the models, remarks, key figures, parameters, check.
    # Text lines are not wrapped (they overflow into the empty cells to their right), so the
    # rows the panel shares with the customer table keep their height.
    side: list = [TextBlock(("关于模型" if z else "About the models",), style="heading"),
                  TextBlock(_about(s, s.clv_holdout_months > 0 and clv.ok), style="body")]
    remarks = _sentences(clv.notes[shown_top:], s.lang)
    if remarks:
        side += [TextBlock(("模型提示" if z else "Model remarks",), style="heading"), TextBlock(remarks, style="body")]
    fit_cols = (
        ColumnSpec("label", "项目" if z else "Item"),
        ColumnSpec("value_text", "数值" if z else "Value", align="right"),
        ColumnSpec("note", "说明" if z else "Note"),
    )
    side.append(TableBlock(name="ClvModelFit", columns=fit_cols, data=clv.fit.reset_index(drop=True),
                           title="模型概况" if z else "Model summary", style="TableStyleLight9"))
    long_texts = list(clv.fit["note"].astype(str))
    if len(clv.parameters):
        par = clv.parameters.copy()
        par["name"] = par["model"] + " " + par["parameter"]
        for c in ("estimate", "std_error", "lower", "upper"):  # 5 significant digits, shown with General
            par[c] = [float(f"{v:.5g}") if pd.notna(v) else v for v in par[c].astype(float)]
        par_cols = (
            ColumnSpec("name", "参数" if z else "Parameter"),
            ColumnSpec("estimate", "估计值" if z else "Estimate", "number", fmt="General"),
            ColumnSpec("meaning", "含义" if z else "Meaning"),
            ColumnSpec("std_error", "标准误" if z else "Std. error", "number", fmt="General",
                       comment="来自观测信息矩阵；参数处于极限值时为空" if z else
                       "from the observed information matrix; blank for a parameter at a limit"),
            ColumnSpec("lower", "95%下限" if z else "95% lower", "number", fmt="General"),
            ColumnSpec("upper", "95%上限" if z else "95% upper", "number", fmt="General"),
        )
        side.append(TableBlock(name="ClvParameters", columns=par_cols, data=par.reset_index(drop=True),
                               title="模型参数（最大似然估计）" if z else "Model parameters (maximum likelihood)",
                               style="TableStyleLight9"))
        long_texts += list(par["meaning"].astype(str))
    side_blocks = list(stack(side, start_row=main.row, col=panel))
    charts: tuple[ChartSpec, ...] = ()
    if len(clv.calibration):
        cal_cols = (
            ColumnSpec("frequency_cal", "此前重复购买次数" if z else "Earlier repeat purchases", align="center"),
            ColumnSpec("customers", "客户数" if z else "Customers", "int"),
            ColumnSpec("actual", "实际平均购买次数" if z else "Actual (mean)", "number"),
            ColumnSpec("predicted", "预测平均购买次数" if z else "Predicted (mean)", "number"),
        )
        start = (clv.calibration_end + pd.Timedelta(days=1)).date() if clv.calibration_end is not None else None
        title = (f"模型检验：{start} 起 {s.clv_holdout_months} 个月内每位客户的购买次数" if z else
                 f"Model check: purchases per customer in the {s.clv_holdout_months} months from {start}")
        cal_row = side_blocks[-1].row + side_blocks[-1].height + 1
        # the table right of the wide text column, the chart under the narrower ones on its left
        cal = TableBlock(name="ClvCalibration", columns=cal_cols, data=clv.calibration.reset_index(drop=True),
                         title=title, style="TableStyleLight9", row=cal_row, col=panel + 3)
        side_blocks.append(cal)
        charts = (ChartSpec("line", "检验期实际与预测购买次数" if z else "Holdout purchases: actual vs predicted",
                            "ClvCalibration", "frequency_cal", ("actual", "predicted"), f"{panel_letter}{cal_row}",
                            width_cm=16, height_cm=8,
                            x_axis_title="此前重复购买次数" if z else "Earlier repeat purchases",
                            y_axis_title="每位客户平均购买次数" if z else "Purchases per customer"),)
    text_width = min(max([display_width(t) for t in long_texts] + [30]) + 2, 90)
    return SheetSpec(name=sheet_name("clv", s.lang), blocks=tuple(main_blocks) + tuple(side_blocks), charts=charts,
                     tab_color="7030A0", freeze=f"D{main.first_data_row}",
                     column_widths=((panel + 2, float(text_width)),),
                     print_title_rows=(main.header_row, main.header_row))
