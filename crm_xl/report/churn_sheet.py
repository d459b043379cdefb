"""The 流失预警 sheet (seed 000 step 4, seed 004 churn indicators): customers with at least
one warning signal, sorted by risk then value, with every reason in words; a count per
risk level above."""

from __future__ import annotations

__all__ = ["churn_sheet"]

import pandas as pd

from ..core.analysis import AnalysisResult
from ..sheet_names import sheet_name
from .common import RISK_FILLS, title_blocks
from .spec import ColumnSpec, ConditionalFormat, SheetSpec, TableBlock, as_table, stack


def churn_sheet(result: AnalysisResult) -> SheetSpec:
    s = result.settings
    z = s.lang == "zh"
    c = result.churn
    labels = {"high": "高" if z else "High", "medium": "中" if z else "Medium", "low": "低" if z else "Low"}
    counts = []
    for key in ("high", "medium", "low"):
        part = c[c["risk"] == key]
        counts.append({"risk_label": labels[key], "customers": len(part),
                       "share": len(part) / len(c) if len(c) else float("nan"),
                       "amount": float(part["monetary"].sum())})
    counts = pd.DataFrame(counts)
    shown = c[c["signals"] > 0].reset_index(drop=True)
    m = s.churn_compare_months
    cols = (
        ColumnSpec("risk_label", "风险等级" if z else "Risk", align="center"),
        ColumnSpec("customer_id", "客户ID" if z else "Customer ID"),
        ColumnSpec("customer_name", "客户名称" if z else "Customer Name"),
        ColumnSpec("owner", "客户经理" if z else "Owner"),
        ColumnSpec("layer_label", "客户层级" if z else "Layer"),
        ColumnSpec("monetary", "累计购买金额(元)" if z else "Total Amount (CNY)", "money"),
        ColumnSpec("last_purchase_date", "最近购买日期" if z else "Last Purchase", "date"),
        ColumnSpec("days_since_last", "未购买天数" if z else "Days Since Last", "int"),
        ColumnSpec("usual_gap_days", "通常购买间隔(天)" if z else "Usual Gap (days)", "int"),
        ColumnSpec("orders_last", f"近{m}个月订单" if z else f"Orders last {m}m", "int"),
        ColumnSpec("orders_prev", f"前{m}个月订单" if z else f"Orders prior {m}m", "int"),
        ColumnSpec("frequency_change", "购买频次变化" if z else "Frequency Change", "percent"),
        ColumnSpec("negative_feedback", "负面反馈(次)" if z else "Negative Feedback", "int"),
        ColumnSpec("unresolved_complaints", "未解决投诉" if z else "Unresolved Complaints", "int"),
        ColumnSpec("response_timeouts", "售后响应超时" if z else "Response Timeouts", "int"),
        ColumnSpec("p_alive", "活跃概率(模型)" if z else "P(alive) (model)", "percent",
                   comment=("BG/NBD 模型估计的客户仍会继续购买的概率，见「客户价值预测」表；只买过一次的客户为 100%（模型无从判断）"
                            + ("" if s.churn_p_alive_below > 0 else "；仅供参考，不计入预警信号（设置 churn_p_alive_below）")
                            if z else "probability that the customer still buys, from the BG/NBD model (CLV Forecast "
                            "sheet); 100% for one-time buyers (the model cannot tell)" + ("" if s.churn_p_alive_below > 0 else
                                        "; shown only, not a signal (setting churn_p_alive_below)"))),
        ColumnSpec("signals", "预警信号数" if z else "Signals", "int"),
        ColumnSpec("reasons", "预警原因" if z else "Reasons", width=50),
    )
    cfs = tuple(ConditionalFormat("risk_label", "equals", labels[k], RISK_FILLS[k][0], font_color=RISK_FILLS[k][1],
                                  bold=k == "high") for k in ("high", "medium"))
    hi, med = s.churn_high_min_signals, s.churn_medium_min_signals
    note = (f"风险等级：满足 ≥{hi} 个预警信号为高，≥{med} 个为中，其余为低（低风险客户不列出，见上方汇总）。"
            f"信号：近{m}个月购买频次较前{m}个月下降 ≥{s.churn_freq_drop:.0%}；未购买天数超过通常间隔的 {s.churn_gap_multiple:g} 倍"
            f"或超过 {s.churn_inactive_days} 天；近{s.churn_feedback_days}天负面反馈 ≥{s.churn_negative_feedback_min} 次、"
            f"未解决投诉 ≥{s.churn_unresolved_min} 个、售后响应超时（>{s.churn_timeout_hours:g}小时）≥{s.churn_timeout_min} 次。"
            + (f"模型活跃概率低于 {s.churn_p_alive_below:.0%} 也是一个信号。" if s.churn_p_alive_below > 0 else
               "「活跃概率(模型)」列仅供参考，不计入信号。")
            + "阈值可在「设置」中修改。" if z else
            f"Risk: >= {hi} signals = High, >= {med} = Medium, otherwise Low (Low is not listed; see the summary). "
            f"Signals: purchases in the last {m} months down >= {s.churn_freq_drop:.0%} vs the {m} before; days since "
            f"last purchase > {s.churn_gap_multiple:g} x the usual gap or > {s.churn_inactive_days}; in the last "
            f"{s.churn_feedback_days} days >= {s.churn_negative_feedback_min} negative feedback, >= "
            f"{s.churn_unresolved_min} unresolved complaints, >= {s.churn_timeout_min} responses slower than "
            f"{s.churn_timeout_hours:g} h. "
            + (f"A model P(alive) below {s.churn_p_alive_below:.0%} is also a signal. " if s.churn_p_alive_below > 0 else
               "The P(alive) (model) column is shown for reference, not counted as a signal. ")
            + "Thresholds are editable in Settings.")
    summary_cols = (
        ColumnSpec("risk_label", "风险等级" if z else "Risk", align="center"),
        ColumnSpec("customers", "客户数" if z else "Customers", "int"),
        ColumnSpec("share", "占比" if z else "Share", "percent"),
        ColumnSpec("amount", "累计购买金额(元)" if z else "Total Amount (CNY)", "money"),
    )
    blocks = stack([
        *title_blocks("客户流失预警" if z else "Churn warning", note, merge_cols=12),
        TableBlock(name="ChurnWarning", columns=cols, data=shown, conditional_formats=cfs,
                   title="预警客户（按风险、金额排序）" if z else "Customers at risk (by risk, then value)",
                   key_columns=("customer_id",), style="TableStyleMedium2"),
    ])
    main = as_table(blocks[-1])
    summary = stack([TableBlock(
        name="ChurnSummary", columns=summary_cols, data=counts, title="风险汇总" if z else "Summary",
        style="TableStyleLight9",
        conditional_formats=tuple(ConditionalFormat("risk_label", "equals", labels[k], RISK_FILLS[k][0],
                                                    font_color=RISK_FILLS[k][1]) for k in RISK_FILLS))],
        start_row=main.row, col=len(cols) + 2)
    return SheetSpec(name=sheet_name("churn", s.lang), blocks=blocks + summary, tab_color="C00000",
                     freeze=f"D{main.first_data_row}", print_title_rows=(main.header_row, main.header_row))
