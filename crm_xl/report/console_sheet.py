"""The 控制台 / Console sheet of a workbook (:mod:`crm_xl.excel.macros`' actions): the action
drop-down the ribbon's 运行 button reads and what each action does; in the template, a panel
with room for one xlwings Lite sheet button per action (the buttons themselves:
:func:`crm_xl.excel.macros.console_buttons`)."""

from __future__ import annotations

__all__ = ["ACTIONS", "ACTION_LABELS", "ACTION_HELP", "action_labels", "action_help", "CONSOLE_SHEET", "LITE_BUTTONS",
           "console_sheet", "console_layout", "lite_script_name"]

from ..sheet_names import sheet_name
from ..texts import LANGUAGES, Texts

# The actions with a sheet button on the template's console (xlwings Lite, docs/excel.md).
# insert_template has none: the template already holds those sheets (it stays in the
# drop-down and in the Lite task pane for other workbooks).
LITE_BUTTONS = ("refresh_all", "refresh_rfm", "refresh_strategy", "refresh_kpis_charts", "validate_data")


def lite_script_name(key: str) -> str:
    """The xlwings Lite script (``crm_xl/excel/lite/main.py``) that runs action ``key``;
    also the name of its button shape on the console."""
    return f"crm_{key}"


TEXTS = Texts({
    "title": ("CRM 分析控制台", "CRM analysis console"),
    "action_label": ("要执行的操作", "Action to run"),  # the drop-down's item (the macros find it by this text)
    # the lines under the title
    "intro_choose": ("在下面「选择」一格中选一个操作，然后点击 Excel「CRM 分析」选项卡上的「运行」按钮。",
                     "Pick an action in the 'Choice' cell below, then press 'Run' on Excel's 'CRM 分析' tab."),
    "intro_other_sheets": (
        "不在本表时，「运行」按当前工作表决定：在 RFM分层表 上只刷新它，在客户策略执行表上只刷新策略表，"
        "在指标看板或图表上刷新这两张表，其他工作表上刷新全部报告。",
        "On any other sheet 'Run' follows the active sheet: the RFM sheet refreshes itself, the strategy sheet "
        "itself, the KPI / chart sheets both of them, every other sheet all reports."),
    "intro_lite": (
        "xlwings Lite（Excel 网页版、Mac、Windows）：点击下面的按钮。按钮需要 xlwings Lite 已打开并载入 crm_xl 的 "
        "main.py（第一次使用：在任务窗格中粘贴 main.py 和 requirements.txt，保存工作簿；见 docs/excel.md）。",
        "xlwings Lite (Excel on the web, Mac, Windows): click a button below. The buttons work once xlwings Lite is "
        "open with crm_xl's main.py (first use: paste main.py and requirements.txt into its task pane and save the "
        "workbook; see docs/excel.md)."),
    "intro_ribbon": ("Windows 功能区加载项：", "Windows ribbon add-in: "),
    # the action drop-down
    "item": ("项目", "Item"),
    "choice": ("选择", "Choice"),
    # the list of actions (without buttons) and the button panel's heading
    "action": ("操作", "Action"),
    "what_it_does": ("说明", "What it does"),
    "actions_title": ("可选操作", "Actions"),
    "actions_heading": ("操作", "Actions"),
})

# the actions, in the order of the console's list: key -> its label (the drop-down's choice)
ACTION_LABELS = Texts({
    "refresh_all": ("刷新全部报告", "Refresh all reports"),
    "refresh_rfm": ("只刷新RFM分层表", "Refresh RFM layers only"),
    "refresh_strategy": ("只刷新客户策略执行表", "Refresh strategy table only"),
    "refresh_kpis_charts": ("刷新指标看板和图表", "Refresh KPIs and charts"),
    "insert_template": ("插入模板工作表", "Insert template sheets"),
    "validate_data": ("检查数据", "Check the data"),
})

# key -> what the action does
ACTION_HELP = Texts({
    "refresh_all": ("读取数据表与设置，重新生成全部报告工作表（策略表中填写的跟踪信息会保留）。",
                    "Read the data sheets and settings; regenerate every report sheet (tracking entries are kept)."),
    "refresh_rfm": ("只重新生成「RFM分层表」（模板1 客户价值分层分析表）。",
                    "Regenerate only the RFM layering table (Template 1)."),
    "refresh_strategy": ("只重新生成「客户策略执行表」；负责人、截止日期、执行状态、执行结果等已填写内容保留。",
                         "Regenerate only the strategy execution table; owner, deadline, status and result entries are kept."),
    "refresh_kpis_charts": ("重新生成「指标看板」和「图表」。",
                            "Regenerate the KPI dashboard and the charts."),
    "insert_template": ("插入缺少的数据表（带表头）、设置、分析目标和控制台；已有的工作表不会被改动。",
                        "Add the missing data sheets (with headers), Settings, Goals and this Console; existing sheets are not changed."),
    "validate_data": ("检查数据表，把需要修改或被剔除的单元格写入「清洗日志」，并弹窗显示摘要。",
                      "Check the data sheets, list every changed or rejected cell in the Cleaning Log and show a summary."),
})


def action_labels(lang: str) -> dict[str, str]:
    """The actions' labels in ``lang``, by key, in the console's order."""
    t = ACTION_LABELS.lang(lang)
    return {key: t(key) for key in ACTION_LABELS.keys()}


def action_help(lang: str) -> dict[str, str]:
    """What each action does, in ``lang``, by key."""
    t = ACTION_HELP.lang(lang)
    return {key: t(key) for key in ACTION_HELP.keys()}


# Compatible views for crm_xl.excel.macros (which reads them): the console sheet's name and the
# drop-down's label by language, and key -> (zh label, en label, zh help, en help).
CONSOLE_SHEET = {lang: sheet_name("console", lang) for lang in LANGUAGES}
_ACTION_LABEL = {lang: TEXTS.lang(lang).action_label for lang in LANGUAGES}
_LABELS = {lang: action_labels(lang) for lang in LANGUAGES}
_HELP = {lang: action_help(lang) for lang in LANGUAGES}
ACTIONS: dict[str, tuple[str, str, str, str]] = {
    key: (_LABELS["zh"][key], _LABELS["en"][key], _HELP["zh"][key], _HELP["en"][key]) for key in ACTION_LABELS.keys()}


def _intro(lang: str, buttons: bool) -> tuple[str, ...]:
    t = TEXTS.lang(lang)
    ribbon = (t.intro_choose, t.intro_other_sheets)
    if not buttons:
        return ribbon
    return (t.intro_lite, t.intro_ribbon + ribbon[0], ribbon[1])


def console_layout(lang: str, default: str, buttons: bool):
    """(SheetSpec, {action key: (row, col) of the cell behind its button})."""
    from dataclasses import replace

    import pandas as pd

    from .spec import ColumnSpec, SheetSpec, TableBlock, TextBlock, stack

    t = TEXTS.lang(lang)
    label_of, help_of = action_labels(lang), action_help(lang)
    labels = tuple(label_of.values())
    choose = TableBlock(
        name="CrmXlConsole",
        columns=(ColumnSpec("item", t.item, width=18),
                 ColumnSpec("value", t.choice, validation=labels, editable=True, width=30)),
        data=pd.DataFrame({"item": [t.action_label], "value": [label_of[default]]}),
        key_columns=("item",), style="TableStyleLight9",
    )
    title = TextBlock((t.title,), style="title")
    intro = TextBlock(_intro(lang, buttons), style="note")
    if not buttons:
        listing = TableBlock(
            name="CrmXlActions",
            columns=(ColumnSpec("label", t.action, width=22),
                     ColumnSpec("help", t.what_it_does, width=80, wrap=True)),
            data=pd.DataFrame({"label": list(labels), "help": list(help_of.values())}),
            title=t.actions_title, style="TableStyleLight9",
        )
        blocks = stack([title, intro, choose, listing])
        return SheetSpec(name=sheet_name("console", lang), blocks=blocks, kind="guide", tab_color="C00000",
                         landscape=False), {}
    # the button panel: per action a button in column A (drawn by crm_xl.render.shapes,
    # linked to the empty cell under its top row) or, without a button, the action's name;
    # its help text to the right. A button covers 2 rows, then a gap row, so the cell
    # xlwings Lite selects after a run (the one below the linked cell) is no button's cell.
    intro = replace(intro, merge_cols=2)
    head = stack([title, intro, TextBlock((t.actions_heading,), style="heading")])
    row = head[-1].row + 2
    panel, cells = [], {}
    for key, label in label_of.items():
        if key in LITE_BUTTONS:
            cells[key] = (row, 1)
        else:
            panel.append(TextBlock((label,), style="body", row=row, col=1))
        panel.append(TextBlock((help_of[key],), style="body", row=row, col=2))
        row += 3
    blocks = (*head, *panel, *stack([choose], start_row=row))
    return SheetSpec(name=sheet_name("console", lang), blocks=blocks, kind="guide", tab_color="C00000", landscape=False,
                     column_widths=((1, 24), (2, 92))), cells


def console_sheet(lang: str = "zh", *, default: str = "refresh_all", buttons: bool = False):
    """The 控制台 / Console sheet: the action drop-down the ribbon's 运行 button reads and
    what each action does. With ``buttons`` (the template workbook), the actions are a
    panel with room for one xlwings Lite sheet button each (:func:`console_buttons`)."""
    return console_layout(lang, default, buttons)[0]
