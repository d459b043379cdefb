"""The 结论与建议 sheet: the analysis brief echoed from 分析目标, then the findings and the
recommendations, every sentence built from the numbers (``crm_xl.core.insights``)."""

from __future__ import annotations

__all__ = ["conclusions_sheet"]

from ..core.analysis import AnalysisResult
from ..sheet_names import sheet_name
from .inputs import GOAL_ITEMS, default_goals
from .spec import SheetSpec, TextBlock, stack

# the one text column: 72 characters fits an A4 / Letter portrait page at 100% (LibreOffice
# does not shrink this sheet to the page width, so a wider column was cut at the margin)
_WIDTH = 72


def conclusions_sheet(result: AnalysisResult, goals: dict[str, str] | None = None) -> SheetSpec:
    s = result.settings
    z = s.lang == "zh"
    g = {**default_goals(s.lang), **(goals or {})}
    brief = []
    for key in ("goal", "customer_group", "time_window", "dimensions", "audience", "owner"):
        v = (g.get(key) or "").strip()
        if v:
            label = GOAL_ITEMS[key][0 if z else 1]
            brief.append(f"{label}：{v}" if z else f"{label}: {v}")
    brief.append(f"分析日期：{result.as_of:%Y-%m-%d}" if z else f"Analysis date: {result.as_of:%Y-%m-%d}")
    c = result.conclusions
    findings = [f"{i}. {t}" for i, t in enumerate(c.loc[c["kind"] == "conclusion", "text"], 1)]
    recs = [f"{i}. {t}" for i, t in enumerate(c.loc[c["kind"] == "recommendation", "text"], 1)]
    blocks = [TextBlock(("结论与建议" if z else "Conclusions and recommendations",), style="title"),
              TextBlock(("分析目标" if z else "Brief",), style="heading", merge_cols=1),
              TextBlock(tuple(brief), style="body", wrap=True)]
    blocks.append(TextBlock(("主要结论" if z else "Findings",), style="heading"))
    blocks.append(TextBlock(tuple(findings) or (("没有可报告的结论（数据不足）。" if z else "Nothing to report (not enough data)."),),
                            style="body", wrap=True))
    blocks.append(TextBlock(("建议" if z else "Recommendations",), style="heading"))
    blocks.append(TextBlock(tuple(recs) or (("暂无建议。" if z else "No recommendations."),), style="body", wrap=True))
    blocks.append(TextBlock((("以上文字由数据自动生成，可复制到汇报材料中；修改「分析目标」后重新运行报告即可更新。") if z else
                             "Generated from the data; copy it into your slides. Edit Goals and rerun to update.",),
                            style="note"))
    return SheetSpec(name=sheet_name("conclusions", s.lang), blocks=stack(blocks), kind="report",
                     column_widths=((1, _WIDTH),), landscape=False, tab_color="2E75B6")
