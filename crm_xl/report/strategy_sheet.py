"""The 客户策略执行表 sheet (issue 8 items 1-2): the table staff live in for weeks.

One row per customer x strategy (:mod:`crm_xl.core.strategy`); 负责人, 开始日期, 截止日期,
执行状态 (drop-down), 执行记录, 执行结果, 备注 are the user's (editable: carried over on every
refresh, byte for byte); rows are keyed by 客户ID + 客户层级; the table has a
:class:`~crm_xl.core.carry.RowLifecycle`, so a refresh keeps the user's row order, appends new
rows, marks rows no longer produced "不再适用（date）：reason" in 系统标记 and keeps rows added
by hand. Overdue rows are highlighted (status 已逾期, or 截止日期 before the *analysis date*
while the status is neither 已完成 nor 不再适用); retired rows are greyed. The merge rule and
the overdue rule are explained in the sheet's note.

Why the analysis date and not Excel's ``TODAY()``: the deadlines are generated from the
analysis date, and the rest of the workbook (churn, KPIs, the overdue list on 效果跟踪) is a
snapshot as of that date. With ``TODAY()`` a workbook built from older data -- the demo,
which ends on 2024-09-30, or any ``--as-of`` review -- opens with every open row red, and
the red rows disagree with 效果跟踪's overdue count. With the analysis date the highlight is
:func:`crm_xl.core.strategy.overdue_mask` on the same day as effect tracking, the file looks
the same whenever it is opened, and a refresh with new data (the analysis date defaults to
the latest order date) moves it forward.

:func:`previous_strategy_rows` finds the table in a workbook's (name, rows) pairs, so the
pipeline can pass what the user typed to :func:`crm_xl.core.strategy.strategy_table`
before effect tracking is computed.
"""

from __future__ import annotations

__all__ = ["strategy_sheet", "strategy_columns", "previous_strategy_rows", "STRATEGY_TABLE", "STRATEGY_COLUMNS",
           "HEADERS"]

from typing import Iterable

import pandas as pd

from ..core.strategy import ORIGIN_LABELS, STRATEGY_KEYS, status_labels, strategy_lifecycle, strategy_table
from ..sheet_names import sheet_name
from ..texts import LANGUAGES, Texts
from .common import col_letter
from .spec import ColumnSpec, ConditionalFormat, Kind, SheetSpec, TableBlock, TextBlock, stack

STRATEGY_TABLE = "StrategyExecution"

# key, kind, editable, width, wrap; the headers are the texts of HEADERS
STRATEGY_COLUMNS: tuple[tuple[str, Kind, bool, int, bool], ...] = (
    ("customer_id", "text", False, 10, False),
    ("customer_name", "text", False, 24, False),
    ("layer_label", "text", False, 13, False),
    ("risk_label", "text", False, 9, False),
    ("problem", "text", False, 40, True),
    ("action", "text", False, 44, True),
    ("owner", "general", True, 13, False),
    ("start_date", "date", True, 11, False),
    ("deadline", "date", True, 11, False),
    ("status", "general", True, 11, False),
    ("log", "general", True, 30, True),
    ("result", "general", True, 24, True),
    ("note", "general", True, 18, True),
    ("origin", "text", False, 30, True),
)

# the columns' headers, by column key (read back in any language)
HEADERS = Texts({
    "customer_id": ("客户ID", "Customer ID"),
    "customer_name": ("客户名称", "Customer Name"),
    "layer_label": ("客户层级", "Customer Layer"),
    "risk_label": ("流失风险", "Churn Risk"),
    "problem": ("问题/原因", "Problem / Cause"),
    "action": ("策略措施", "Action"),
    "owner": ("负责人", "Owner"),
    "start_date": ("开始日期", "Start Date"),
    "deadline": ("截止日期", "Deadline"),
    "status": ("执行状态", "Status"),
    "log": ("执行记录", "Activity Log"),
    "result": ("执行结果", "Result"),
    "note": ("备注", "Notes"),
    "origin": ("系统标记", "System Note"),
})


TEXTS = Texts({
    "title": ("客户策略执行表", "Strategy execution table"),
    "editable_note": ("由您填写：刷新时原样保留", "Yours to fill: kept as typed on every refresh"),
    # the note under the title, one line each
    "note_dates": (
        "分析日期 {as_of:%Y-%m-%d}。每位客户按其层级生成一条策略：负责人角色、策略措施和完成期限来自「设置」中的 strategy.* 项；"
        "开始日期为分析日期，截止日期 = 开始日期 + 期限天数（如流失风险客户 1 周内回访）。",
        "Analysis date {as_of:%Y-%m-%d}. One strategy per customer by layer: owner role, action and deadline come from "
        "the strategy.* settings; the start date is the analysis date, the deadline start + the deadline days "
        "(e.g. call back churn-risk customers within 1 week)."),
    "note_fill": (
        "请在「负责人」「开始日期」「截止日期」「执行状态」「执行记录」「执行结果」「备注」列中填写跟进情况（可填写具体人名）。",
        "Fill Owner, Start Date, Deadline, Status, Activity Log, Result and Notes as you follow up (a person's name is fine)."),
    "note_refresh": (
        "刷新规则（以「客户ID + 客户层级」识别一行）：① 您填写的列在每次刷新后原样保留（包括清空的单元格）；",
        "Refresh rule (a row is identified by Customer ID + Customer Layer): (1) what you typed in your columns is "
        "kept as is on every refresh (cleared cells too);"),
    "note_new": ("② 新出现的客户追加到表格末尾，已有行的顺序不变；",
                 "(2) new customers are appended at the end, existing rows keep their order;"),
    "note_stale": (
        "③ 不再生成的行不会删除：「系统标记」注明「{stale}（日期）：原因」（如客户已转为其他层级），整行灰色显示；",
        "(3) rows no longer produced are not deleted: the System Note says '{stale} (date): reason' (e.g. the "
        "customer moved to another layer) and the row is greyed;"),
    "note_hand": (
        "④ 您手工添加的行保留，系统标记为「{hand}」；⑤ 其余列（问题/原因、策略措施等）随数据更新。重复刷新结果不变。",
        "(4) rows you added by hand are kept and noted '{hand}'; (5) the other columns (problem, action, ...) "
        "follow the data. Refreshing twice changes nothing."),
    "note_status": (
        "执行状态：{statuses}。逾期（整行红色）：状态为「{overdue}」，或截止日期早于分析日期 {as_of:%Y-%m-%d} "
        "且状态不是「{done}」「{dropped}」——与「效果跟踪」的逾期清单一致。逾期按分析日期而不是今天判断："
        "用新数据刷新报告后，分析日期（默认为最新订单日期）随之更新。",
        "Status: {statuses}. Overdue (whole row red): status '{overdue}', or a deadline before the analysis "
        "date {as_of:%Y-%m-%d} while the status is neither '{done}' nor '{dropped}' -- the same rows as the overdue "
        "list on Effect Tracking. Overdue is judged on the analysis date, not today: refreshing the report with new "
        "data moves the analysis date (by default the latest order date)."),
})


def strategy_columns(lang: str = "zh") -> tuple[ColumnSpec, ...]:
    """The table's columns (editable ones marked; the status column has the drop-down)."""
    t, h = TEXTS.lang(lang), HEADERS.lang(lang)
    out = []
    for key, kind, editable, width, wrap in STRATEGY_COLUMNS:
        comment = None
        if editable:
            comment = t.editable_note
        out.append(ColumnSpec(key, h(key), kind, width=width, editable=editable, wrap=wrap,
                              validation=status_labels(lang) if key == "status" else None, comment=comment))
    return tuple(out)


def _note(lang: str, as_of: pd.Timestamp) -> tuple[str, ...]:
    t = TEXTS.lang(lang)
    st = status_labels(lang)
    o = ORIGIN_LABELS[lang]
    return (t("note_dates", as_of=as_of), t.note_fill, t.note_refresh, t.note_new,
            t("note_stale", stale=o["stale"]), t("note_hand", hand=o["hand"]),
            t("note_status", as_of=as_of, statuses=" / ".join(st), overdue=st[3], done=st[2], dropped=st[4]))


def strategy_sheet(result, previous: pd.DataFrame | None = None, *, table: pd.DataFrame | None = None,
                   carried_over: bool | None = None) -> SheetSpec:
    """The 客户策略执行表 sheet.

    Parameters
    ----------
    result : AnalysisResult
    previous : DataFrame, optional
        The table as the user left it (see :func:`previous_strategy_rows`); merged in with
        :func:`crm_xl.core.strategy.strategy_table`.
    table : DataFrame, optional
        An already merged table (what effect tracking used); wins over ``previous``.
    carried_over : bool, optional
        Whether the rows already carry the user's entries from the workbook the sheet is
        drawn into (default: whether ``previous`` was given); then the renderers skip their
        own read-back and merge (:attr:`crm_xl.report.spec.TableBlock.carried_over`).
    """
    s = result.settings
    lang = s.lang
    t = TEXTS.lang(lang)
    data = table if table is not None else strategy_table(result, previous)
    cols = strategy_columns(lang)
    keys = [c.key for c in cols]
    letter = {k: col_letter(i + 1) for i, k in enumerate(keys)}
    st = status_labels(lang)
    stale = ORIGIN_LABELS[lang]["stale"]
    D, S_, O = letter["deadline"], letter["status"], letter["origin"]
    retired = f'LEFT(${O}{{row}},{len(stale)})="{stale}"'
    # overdue on the analysis date (see the module docstring), as core.strategy.overdue_mask
    day = pd.Timestamp(result.as_of)
    overdue = (f'OR(${S_}{{row}}="{st[3]}",AND(ISNUMBER(${D}{{row}}),${D}{{row}}<DATE({day.year},{day.month},{day.day}),'
               f'${S_}{{row}}<>"{st[2]}",${S_}{{row}}<>"{st[4]}",NOT({retired})))')
    cfs = (
        ConditionalFormat("origin", "formula", retired, "EDEDED", font_color="7F7F7F", whole_row=True),
        ConditionalFormat("deadline", "formula", overdue, "FFC7CE", font_color="9C0006", whole_row=True),
        ConditionalFormat("status", "equals", st[2], "C6EFCE", font_color="006100"),
        ConditionalFormat("status", "equals", st[1], "FFEB9C", font_color="9C5700"),
    )
    tb = TableBlock(name=STRATEGY_TABLE, columns=cols, data=data, conditional_formats=cfs, key_columns=STRATEGY_KEYS,
                    lifecycle=strategy_lifecycle(result), style="TableStyleMedium2",
                    carried_over=(previous is not None) if carried_over is None else carried_over)
    head = stack([TextBlock((t.title,), style="title"),
                  TextBlock(_note(lang, pd.Timestamp(result.as_of)), style="note")], gap=0)
    body = stack([tb], start_row=head[-1].row + head[-1].height + 1)
    return SheetSpec(name=sheet_name("strategy", lang), blocks=head + body, freeze=f"C{body[0].first_data_row}",
                     tab_color="C00000")


def previous_strategy_rows(sheets: Iterable[tuple[str, list[list[object]]]], lang: str = "zh") -> pd.DataFrame | None:
    """The strategy table as the user left it, from a workbook's (sheet name, rows) pairs
    (what :func:`crm_xl.io.read_sheet_rows` or a live Book gives), or None.

    The sheet is found by name (客户策略执行表 / Strategy Execution, either language); the
    header row is the first row holding both 客户ID and 执行状态 headers (in any language); rows
    below it are read until the first completely empty row. Columns are named by the
    table's keys; unknown headers are ignored.
    """
    names = {sheet_name("strategy", lg).lower() for lg in LANGUAGES}
    by_header = {}
    for key in HEADERS.keys():
        for lg in LANGUAGES:
            by_header[HEADERS.lang(lg)(key).lower()] = key
    for name, rows in sheets:
        if str(name).strip().lower() not in names:
            continue
        for i, row in enumerate(rows[:60]):
            cells = [str(v).strip().lower() if v is not None else "" for v in row]
            found = {j: by_header[c] for j, c in enumerate(cells) if c in by_header}
            if "customer_id" in found.values() and "status" in found.values():
                body = []
                for r in rows[i + 1:]:
                    if all(v is None or (isinstance(v, str) and not v.strip()) for v in r):
                        break
                    body.append({k: (r[j] if j < len(r) else None) for j, k in found.items()})
                return pd.DataFrame(body, columns=list(dict.fromkeys(found.values())), dtype=object)
    return None
