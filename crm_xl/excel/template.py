"""The empty template workbook (``crm-xl template``; checked in under ``workbook_templates/``):
a guide, the 控制台 console (xlwings Lite sheet buttons and the ribbon's drop-down), the
分析目标 and 设置 sheets, and one data sheet per canonical table with the
template headers, a note on each header saying what to put there, and drop-down lists
where the values are a fixed set. Users paste their CRM export (template headers or the
export's own, see docs/data-intake.md) and run the report."""

from __future__ import annotations

__all__ = ["template_spec", "template_data_sheet", "write_template"]

import io
from pathlib import Path

import pandas as pd

from ..report.data_sheets import KIND_TO_SPEC, TABLE_NAMES
from ..report.goals_sheet import goals_sheet
from ..report.settings_sheet import settings_sheet
from ..report.spec import ColumnSpec, ReportSpec, SheetSpec, TableBlock, TextBlock, stack
from ..schema import TABLES, ColumnKind
from ..settings import AnalysisSettings
from ..sheet_names import sheet_name
from ..texts import Texts, language_index

TEXTS = Texts({
    # a data column's note: what to put there, by kind of column (hint_<ColumnKind name>)
    "hint_ID": ("编号，用于关联各表（如 C001）", "identifier linking the tables (e.g. C001)"),
    "hint_TEXT": ("文字", "text"),
    "hint_CATEGORY": ("类别文字", "category text"),
    "hint_INDUSTRY": ("行业，会归入国民经济行业分类（GB/T 4754）门类", "industry; mapped to the GB/T 4754 sections"),
    "hint_DATE": ("日期，如 2024-09-30（也可 2024/9/30、2024年9月30日）", "date, e.g. 2024-09-30"),
    "hint_MONEY": ("金额（元），可写 150000、150,000元、15万、1.5w", "amount in CNY: 150000, 150,000元, 15万, 1.5w"),
    "hint_INT": ("整数", "whole number"),
    "hint_NUMBER": ("数字", "number"),
    "hint_SCORE": ("评分：满意度 1-5，推荐意愿 0-10", "score: satisfaction 1-5, recommendation 0-10"),
    "hint_BOOL": ("是 / 否", "yes / no"),
    "required": ("必填。", "Required. "),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    # the 说明 sheet
    "guide_title": ("客户关系管理（CRM）分析模板", "CRM analysis template"),
    "guide_step1": ("第 1 步：在「分析目标」中写下本次分析的目标、客户群体、时间范围和分析维度。",
                    "Step 1: write the goal, customer group, time window and dimensions on the Goals sheet."),
    "guide_step2": ("第 2 步：把 CRM 导出的数据粘贴到数据表：客户、订单（必需）、互动、线索、活动、销售目标。从 A1 单元格（表头）开始粘贴；"
                    "表头可以是模板名称，也可以是 Salesforce、钉钉、用友等导出的原始表头。把鼠标停在表头上可以看到每列的填写说明。",
                    "Step 2: paste your CRM export into the data sheets: Customers, Orders (required), Interactions, Leads, "
                    "Campaigns, Sales Targets, starting at cell A1 (headers). Template headers or the export's own (Salesforce, "
                    "DingTalk, Yonyou, ...) both work; hover over a header for what to put there."),
    "guide_step3": ("第 3 步：需要时在「设置」中修改评分分界点、分层阈值、流失预警规则、负责人与截止天数。",
                    "Step 3: if needed, change score breakpoints, layer thresholds, churn rules, owners and deadlines on "
                    "Settings."),
    "guide_step4": ("第 4 步：生成报告：在「控制台」中点击「刷新全部报告」按钮（xlwings Lite：Excel 网页版、Mac、Windows），"
                    "或在 Windows 的「CRM 分析」选项卡上点击「运行」，或在命令行运行 crm-xl report 本文件.xlsx。",
                    "Step 4: build the report: click 'Refresh all reports' on the Console sheet (xlwings Lite: Excel on the web, "
                    "Mac, Windows), or press 'Run' on the 'CRM 分析' tab in Windows, or run `crm-xl report this_file.xlsx`."),
    "guide_sheets": ("报告会新增或更新这些工作表：RFM分层表、客户标签、指标看板、流失预警、问题诊断、图表、结论与建议、清洗日志。"
                     "你粘贴的数据不会被修改；每处清洗（去重、日期与金额格式、缺失值）都记录在「清洗日志」中。",
                     "The report adds or updates: RFM Layers, Customer Tags, KPI Dashboard, Churn Warning, Diagnosis, Charts, "
                     "Conclusions, Cleaning Log. Your pasted data is never modified; every cleaning step is in the Cleaning Log."),
    "guide_rerun": ("重复运行是安全的：报告工作表会整体重建，你自己的工作表、公式和在报告中填写的跟踪信息会保留。",
                    "Running it again is safe: report sheets are rebuilt, your own sheets, formulas and tracking entries are "
                    "kept."),
    # the workbook's title (its properties)
    "book_title": ("客户关系管理分析模板", "CRM analysis template"),
})
_GUIDE_LINES = ("guide_step1", "guide_step2", "guide_step3", "guide_step4", "guide_sheets", "guide_rerun")

_LISTS = {
    ("leads", "stage"): (("线索", "商机", "成交", "丢失"), ("lead", "opportunity", "won", "lost")),
    ("interactions", "type"): (("拜访", "电话", "投诉", "建议", "满意度调查", "技术支持", "售后"),
                               ("visit", "call", "complaint", "suggestion", "survey", "technical", "after-sales")),
}


def template_data_sheet(table_key: str, lang: str = "zh") -> SheetSpec:
    """An empty data sheet with the template headers, notes and drop-down lists."""
    tx = TEXTS.lang(lang)
    z = tx.zh  # (the columns carry their headers and descriptions in both languages)
    t = TABLES[table_key]
    cols = []
    for c in t.columns:
        hint = tx("hint_" + c.kind.name) if "hint_" + c.kind.name in TEXTS else ""
        req = tx.required if c.required else ""
        desc = (c.description_zh if z else c.description_en) or ""
        comment = f"{req}{hint}" + (f"\n{desc}" if desc else "")
        validation = None
        if c.kind is ColumnKind.BOOL:
            validation = (tx.yes, tx.no)
        elif (table_key, c.key) in _LISTS:
            validation = _LISTS[(table_key, c.key)][language_index(lang)]
        cols.append(ColumnSpec(key=c.key, header=c.zh if z else c.en, kind=KIND_TO_SPEC.get(c.kind, "general")
                               if c.kind is not ColumnKind.ID else "text", comment=comment, validation=validation,
                               width=max(12.0, len(c.zh) * 2.2 + 4 if z else len(c.en) + 4)))
    data = pd.DataFrame({c.key: pd.Series([], dtype=object) for c in cols})
    block = TableBlock(name=TABLE_NAMES[table_key], columns=tuple(cols), data=data, style="TableStyleLight9")
    return SheetSpec(name=t.sheet_name(lang), blocks=(block,), freeze="A2", kind="data", tab_color="A6A6A6")


def _guide(lang: str) -> SheetSpec:
    t = TEXTS.lang(lang)
    title = t.guide_title
    steps = tuple(getattr(t, k) for k in _GUIDE_LINES)
    blocks = stack([TextBlock((title,), style="title"), TextBlock(steps, wrap=True)])
    return SheetSpec(name=sheet_name("guide", lang), blocks=blocks, kind="guide", column_widths=((1, 110),),
                     landscape=False)


def template_spec(lang: str = "zh", extra_sheets: tuple[SheetSpec, ...] = ()) -> ReportSpec:
    """The template workbook's spec: 说明, 控制台 (the console with the button panel),
    分析目标, 设置, the data sheets, 函数示例."""
    from ..report.console_sheet import console_sheet

    s = AnalysisSettings(lang=lang)
    sheets = [_guide(lang), console_sheet(lang, buttons=True), goals_sheet(None, lang), settings_sheet(s)]
    sheets += [template_data_sheet(k, lang) for k in TABLES]
    from ..report.udf_sheet import udf_demo_sheet

    sheets.append(udf_demo_sheet(lang))  # the worksheet functions on a small example (docs/udfs.md)
    sheets += list(extra_sheets)
    title = TEXTS.lang(lang).book_title
    # a fixed date: the checked-in template is reproducible byte for byte
    return ReportSpec(sheets=tuple(sheets), lang=lang,
                      properties=(("title", title), ("created", "2024-01-01T00:00:00"))).validate()


def write_template(path, lang: str = "zh") -> Path:
    """Write the template workbook to ``path`` (atomically): :func:`template_spec` drawn
    by the file renderer, then the xlwings Lite sheet buttons on the console
    (:func:`crm_xl.excel.macros.console_buttons`, :mod:`crm_xl.render.shapes`).
    Reproducible byte for byte."""
    from ..atomic import atomic_write
    from ..render.shapes import add_buttons
    from ..render.xlsx import write_package
    from .macros import CONSOLE_SHEET, console_buttons

    path = Path(path)
    buf = io.BytesIO()
    write_package(template_spec(lang), buf)
    buf.seek(0)
    with atomic_write(path) as fh:
        add_buttons(buf, fh, CONSOLE_SHEET[lang], console_buttons(lang), lang=lang)
    return path
