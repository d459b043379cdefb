"""The 流失预警 sheet (seed 000 step 4, seed 004 churn indicators): customers with at least
one warning signal, sorted by risk then value, with every reason in words; a count per
risk level above."""

from __future__ import annotations

__all__ = ["churn_sheet"]

import pandas as pd

from ..core.analysis import AnalysisResult
from ..sheet_names import sheet_name
from ..texts import Texts
from .common import RISK_FILLS, title_blocks
from .spec import ColumnSpec, ConditionalFormat, SheetSpec, TableBlock, as_table, stack

TEXTS = Texts({
    # the risk levels
    "risk_high": ("高", "High"),
    "risk_medium": ("中", "Medium"),
    "risk_low": ("低", "Low"),
    # the customers at risk
    "risk_label": ("风险等级", "Risk"),
    "customer_id": ("客户ID", "Customer ID"),
    "customer_name": ("客户名称", "Customer Name"),
    "owner": ("客户经理", "Owner"),
    "layer_label": ("客户层级", "Layer"),
    "monetary": ("累计购买金额(元)", "Total Amount (CNY)"),
    "last_purchase_date": ("最近购买日期", "Last Purchase"),
    "days_since_last": ("未购买天数", "Days Since Last"),
    "usual_gap_days": ("通常购买间隔(天)", "Usual Gap (days)"),
    "orders_last": ("近{m}个月订单", "Orders last {m}m"),
    "orders_prev": ("前{m}个月订单", "Orders prior {m}m"),
    "frequency_change": ("购买频次变化", "Frequency Change"),
    "negative_feedback": ("负面反馈(次)", "Negative Feedback"),
    "unresolved_complaints": ("未解决投诉", "Unresolved Complaints"),
    "response_timeouts": ("售后响应超时", "Response Timeouts"),
    "p_alive": ("活跃概率(模型)", "P(alive) (model)"),
    "p_alive_note": ("BG/NBD 模型估计的客户仍会继续购买的概率，见「客户价值预测」表；只买过一次的客户为 100%（模型无从判断）",
                     "probability that the customer still buys, from the BG/NBD model (CLV Forecast "
                     "sheet); 100% for one-time buyers (the model cannot tell)"),
    "p_alive_note_shown_only": ("；仅供参考，不计入预警信号（设置 churn_p_alive_below）",
                                "; shown only, not a signal (setting churn_p_alive_below)"),
    "signals": ("预警信号数", "Signals"),
    "reasons": ("预警原因", "Reasons"),
    "table_title": ("预警客户（按风险、金额排序）", "Customers at risk (by risk, then value)"),
    # the count per risk level
    "summary_customers": ("客户数", "Customers"),
    "summary_share": ("占比", "Share"),
    "summary_amount": ("累计购买金额(元)", "Total Amount (CNY)"),
    "summary_title": ("风险汇总", "Summary"),
    # the sheet
    "title": ("客户流失预警", "Churn warning"),
    "note": ("风险等级：满足 ≥{hi} 个预警信号为高，≥{med} 个为中，其余为低（低风险客户不列出，见上方汇总）。"
             "信号：近{m}个月购买频次较前{m}个月下降 ≥{freq_drop:.0%}；未购买天数超过通常间隔的 {gap_multiple:g} 倍"
             "或超过 {inactive_days} 天；近{feedback_days}天负面反馈 ≥{negative_min} 次、"
             "未解决投诉 ≥{unresolved_min} 个、售后响应超时（>{timeout_hours:g}小时）≥{timeout_min} 次。",
             "Risk: >= {hi} signals = High, >= {med} = Medium, otherwise Low (Low is not listed; see the summary). "
             "Signals: purchases in the last {m} months down >= {freq_drop:.0%} vs the {m} before; days since "
             "last purchase > {gap_multiple:g} x the usual gap or > {inactive_days}; in the last "
             "{feedback_days} days >= {negative_min} negative feedback, >= "
             "{unresolved_min} unresolved complaints, >= {timeout_min} responses slower than "
             "{timeout_hours:g} h. "),
    "note_p_alive_signal": ("模型活跃概率低于 {p_alive:.0%} 也是一个信号。",
                            "A model P(alive) below {p_alive:.0%} is also a signal. "),
    "note_p_alive_shown_only": ("「活跃概率(模型)」列仅供参考，不计入信号。",
                                "The P(alive) (model) column is shown for reference, not counted as a signal. "),
    "note_thresholds": ("阈值可在「设置」中修改。", "Thresholds are editable in Settings."),
})


def churn_sheet(result: AnalysisResult) -> SheetSpec:
    s = result.settings
    t = TEXTS.lang(s.lang)
    c = result.churn
    labels = {"high": t.risk_high, "medium": t.risk_medium, "low": t.risk_low}
    counts = []
    for key in ("high", "medium", "low"):
        part = c[c["risk"] == key]
        counts.append({"risk_label": labels[key], "customers": len(part),
                       "share": len(part) / len(c) if len(c) else float("nan"),
                       "amount": float(part["monetary"].sum())})
    counts = pd.DataFrame(counts)
    shown = c[c["signals"] > 0].reset_index(drop=True)
    m = s.churn_compare_months
    alive_signal = s.churn_p_alive_below > 0
    cols = (
        ColumnSpec("risk_label", t.risk_label, align="center"),
        ColumnSpec("customer_id", t.customer_id),
        ColumnSpec("customer_name", t.customer_name),
        ColumnSpec("owner", t.owner),
        ColumnSpec("layer_label", t.layer_label),
        ColumnSpec("monetary", t.monetary, "money"),
        ColumnSpec("last_purchase_date", t.last_purchase_date, "date"),
        ColumnSpec("days_since_last", t.days_since_last, "int"),
        ColumnSpec("usual_gap_days", t.usual_gap_days, "int"),
        ColumnSpec("orders_last", t("orders_last", m=m), "int"),
        ColumnSpec("orders_prev", t("orders_prev", m=m), "int"),
        ColumnSpec("frequency_change", t.frequency_change, "percent"),
        ColumnSpec("negative_feedback", t.negative_feedback, "int"),
        ColumnSpec("unresolved_complaints", t.unresolved_complaints, "int"),
        ColumnSpec("response_timeouts", t.response_timeouts, "int"),
        ColumnSpec("p_alive", t.p_alive, "percent",
                   comment=t.p_alive_note + ("" if alive_signal else t.p_alive_note_shown_only)),
        ColumnSpec("signals", t.signals, "int"),
        ColumnSpec("reasons", t.reasons, width=50),
    )
    cfs = tuple(ConditionalFormat("risk_label", "equals", labels[k], RISK_FILLS[k][0], font_color=RISK_FILLS[k][1],
                                  bold=k == "high") for k in ("high", "medium"))
    note = (t("note", hi=s.churn_high_min_signals, med=s.churn_medium_min_signals, m=m, freq_drop=s.churn_freq_drop,
              gap_multiple=s.churn_gap_multiple, inactive_days=s.churn_inactive_days,
              feedback_days=s.churn_feedback_days, negative_min=s.churn_negative_feedback_min,
              unresolved_min=s.churn_unresolved_min, timeout_hours=s.churn_timeout_hours,
              timeout_min=s.churn_timeout_min)
            + (t("note_p_alive_signal", p_alive=s.churn_p_alive_below) if alive_signal else t.note_p_alive_shown_only)
            + t.note_thresholds)
    summary_cols = (
        ColumnSpec("risk_label", t.risk_label, align="center"),
        ColumnSpec("customers", t.summary_customers, "int"),
        ColumnSpec("share", t.summary_share, "percent"),
        ColumnSpec("amount", t.summary_amount, "money"),
    )
    blocks = stack([
        *title_blocks(t.title, note, merge_cols=12),
        TableBlock(name="ChurnWarning", columns=cols, data=shown, conditional_formats=cfs,
                   title=t.table_title,
                   key_columns=("customer_id",), style="TableStyleMedium2"),
    ])
    main = as_table(blocks[-1])
    summary = stack([TableBlock(
        name="ChurnSummary", columns=summary_cols, data=counts, title=t.summary_title,
        style="TableStyleLight9",
        conditional_formats=tuple(ConditionalFormat("risk_label", "equals", labels[k], RISK_FILLS[k][0],
                                                    font_color=RISK_FILLS[k][1]) for k in RISK_FILLS))],
        start_row=main.row, col=len(cols) + 2)
    return SheetSpec(name=sheet_name("churn", s.lang), blocks=blocks + summary, tab_color="C00000",
                     freeze=f"D{main.first_data_row}", print_title_rows=(main.header_row, main.header_row))
