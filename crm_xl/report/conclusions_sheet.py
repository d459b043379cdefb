"""The 结论与建议 sheet: the analysis brief echoed from 分析目标, then the findings and the
recommendations, every sentence built from the numbers (``crm_xl.core.insights``)."""

from __future__ import annotations

__all__ = ["conclusions_sheet"]

from ..core.analysis import AnalysisResult
from ..sheet_names import sheet_name
from ..texts import Texts
from .inputs import default_goals, goal_labels
from .spec import SheetSpec, TextBlock, stack

# the one text column: 72 characters fits an A4 / Letter portrait page at 100% (LibreOffice
# does not shrink this sheet to the page width, so a wider column was cut at the margin)
_WIDTH = 72

TEXTS = Texts({
    # the brief, echoed from 分析目标
    "brief_item": ("{label}：{value}", "{label}: {value}"),
    "analysis_date": ("分析日期：{date:%Y-%m-%d}", "Analysis date: {date:%Y-%m-%d}"),
    # the sheet
    "title": ("结论与建议", "Conclusions and recommendations"),
    "brief_heading": ("分析目标", "Brief"),
    "findings_heading": ("主要结论", "Findings"),
    "no_findings": ("没有可报告的结论（数据不足）。", "Nothing to report (not enough data)."),
    "recommendations_heading": ("建议", "Recommendations"),
    "no_recommendations": ("暂无建议。", "No recommendations."),
    "footer": ("以上文字由数据自动生成，可复制到汇报材料中；修改「分析目标」后重新运行报告即可更新。",
               "Generated from the data; copy it into your slides. Edit Goals and rerun to update."),
})


def conclusions_sheet(result: AnalysisResult, goals: dict[str, str] | None = None) -> SheetSpec:
    s = result.settings
    t = TEXTS.lang(s.lang)
    g = {**default_goals(s.lang), **(goals or {})}
    labels = goal_labels(s.lang)
    brief = []
    for key in ("goal", "customer_group", "time_window", "dimensions", "audience", "owner"):
        v = (g.get(key) or "").strip()
        if v:
            brief.append(t("brief_item", label=labels[key], value=v))
    brief.append(t("analysis_date", date=result.as_of))
    c = result.conclusions
    findings = [f"{i}. {text}" for i, text in enumerate(c.loc[c["kind"] == "conclusion", "text"], 1)]
    recs = [f"{i}. {text}" for i, text in enumerate(c.loc[c["kind"] == "recommendation", "text"], 1)]
    blocks = [TextBlock((t.title,), style="title"),
              TextBlock((t.brief_heading,), style="heading", merge_cols=1),
              TextBlock(tuple(brief), style="body", wrap=True)]
    blocks.append(TextBlock((t.findings_heading,), style="heading"))
    blocks.append(TextBlock(tuple(findings) or (t.no_findings,), style="body", wrap=True))
    blocks.append(TextBlock((t.recommendations_heading,), style="heading"))
    blocks.append(TextBlock(tuple(recs) or (t.no_recommendations,), style="body", wrap=True))
    blocks.append(TextBlock((t.footer,), style="note"))
    return SheetSpec(name=sheet_name("conclusions", s.lang), blocks=stack(blocks), kind="report",
                     column_widths=((1, _WIDTH),), landscape=False, tab_color="2E75B6")
