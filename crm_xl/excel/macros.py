"""The macro buttons: thin entry points that take the open workbook (an xlwings ``Book``).

Each macro reads the Book's sheets, runs the report pipeline
(:func:`crm_xl.report.inputs.inputs_from_sheet_rows` -> :func:`crm_xl.report.build.build_report`)
and draws the result with the live renderer (:func:`crm_xl.render.book.render_book`).
No analysis and no cell address lives here.

* :func:`refresh_all` -- every report sheet;
* :func:`refresh_rfm` -- only the RFM layering table (RFM分层表);
* :func:`refresh_strategy` -- only the strategy execution table (客户策略执行表), keeping
  what users typed in its tracking columns;
* :func:`refresh_kpis_charts` -- the KPI dashboard and the charts;
* :func:`insert_template` -- the data sheets with their headers, 设置, 分析目标 and the
  控制台 (console) sheet, added where missing (nothing existing is overwritten);
* :func:`validate_data` -- checks the data sheets, writes the 清洗日志 and shows a summary;
* :func:`main` -- the one entry point the ribbon add-in can call (``crm_xl.main()``):
  runs the action chosen on the 控制台 sheet, or the one that fits the active sheet
  (see ``docs/excel.md``).

Every macro: progress in Excel's status bar (desktop Excel; Office.js has none), errors
as an Excel alert in plain words (zh/en), never a traceback; on error the workbook is
left as it was -- everything is computed before the first write, and on the remote
engine (xlwings Lite / Server) the writes queued by the failed run are dropped.
Each returns a :class:`MacroOutcome` (for tests and for callers from Python).
"""

from __future__ import annotations

__all__ = [
    "ACTIONS",
    "MacroOutcome",
    "refresh_all",
    "refresh_rfm",
    "refresh_strategy",
    "refresh_kpis_charts",
    "insert_template",
    "validate_data",
    "run_action",
    "choose_action",
    "main",
    "console_sheet",
    "console_buttons",
    "lite_script_name",
    "LITE_BUTTONS",
    "CONSOLE_SHEET",
]

import logging
import traceback
from dataclasses import dataclass, field
from typing import Callable

from ..errors import InputError, as_user_error, format_error
from ..report.console_sheet import (
    _ACTION_LABEL,
    ACTIONS,
    CONSOLE_SHEET,
    LITE_BUTTONS,
    action_help,
    action_labels,
    console_layout,
    console_sheet,
    lite_script_name,
)
from ..texts import Texts

log = logging.getLogger("crm_xl.excel")

_INPUT_KEYS = ("settings", "goals")

TEXTS = Texts({
    # the status bar and the alerts
    "status": ("CRM 分析：{text}", "CRM analysis: {text}"),
    "title": ("CRM 分析", "CRM analysis"),
    "reading": ("读取工作簿", "reading the workbook"),
    "updated": ("已更新 {n} 个工作表（{customers} 个客户，{orders} 条订单）。",
                "Updated {n} sheets ({customers} customers, {orders} orders)."),
    # the fallback 设置 and 分析目标 sheets
    "settings_name": ("名称", "name"),
    "settings_value": ("值", "value"),
    "settings_description": ("说明", "description"),
    "settings_note": ("修改「值」一列后重新运行即可生效；留空表示不限。", "Edit the 'value' column and run again; blank means unbounded."),
    "goals_key": ("键", "key"),
    "goals_item": ("项目", "item"),
    "goals_content": ("内容", "content"),
    "goals_title": ("分析目标说明书", "Analysis goals"),
    # inserting the template's sheets
    "nothing_inserted": ("模板工作表都已存在，没有改动。", "All template sheets already exist; nothing changed."),
    "sheet_sep": ("、", ", "),
    "inserted": ("已插入：{added}。把 CRM 导出的数据粘贴到数据表后点击「运行」。",
                 "Added: {added}. Paste your CRM export into the data sheets, then press 'Run'."),
    # checking the data
    "checking": ("检查数据", "checking the data"),
    "checked": ("{customers} 个客户，{orders} 条有效订单。", "{customers} customers, {orders} valid orders."),
    "all_clean": ("数据检查通过：没有需要修改或剔除的单元格。", " No cell needed a change."),
    "cells_by_sheet": ("「{sheet}」{n} 处", "'{sheet}': {n}"),
    "part_sep": ("，", ", "),
    "cell_line": ("· 「{sheet}」第 {row} 行「{column}」：{old!r} → {new}（{reason}）",
                  "· '{sheet}' row {row} '{column}': {old!r} -> {new} ({reason})"),
    "changed": ("{head}有 {n} 个单元格被修改或剔除：{parts}。\n{lines}{more}完整清单见「{log}」工作表。原始数据没有被修改。",
                "{head} {n} cells were changed or rejected: {parts}.\n{lines}{more}The full list is on the '{log}' "
                "sheet. The data itself was not modified."),
    "more": ("\n……另有 {n} 处，", "\n... and {n} more. "),
})


@dataclass
class MacroOutcome:
    """What a macro did: ``ok``, the message shown (or that would be shown), the sheets
    written, and for a failure the error's type and traceback (logged, never shown)."""

    action: str
    ok: bool
    message: str = ""
    sheets: list[str] = field(default_factory=list)
    error: str | None = None
    detail: str | None = None


# ---------------------------------------------------------------------------------------
# Excel surface: status bar, alert, language


class _Ui:
    def __init__(self, book, lang: str):
        self.book = book
        self.lang = lang
        self._status_ok = True

    @property
    def zh(self) -> bool:
        return self.lang == "zh"

    @property
    def t(self):
        """The texts in the workbook's language (which reading the 设置 sheet may change)."""
        return TEXTS.lang(self.lang)

    def status(self, text: str | bool) -> None:
        if not self._status_ok:
            return
        try:
            self.book.app.status_bar = self.t("status", text=text) if text else False
        except Exception:  # noqa: BLE001 - Office.js has no status bar
            self._status_ok = False

    def alert(self, text: str, title: str | None = None, mode: str | None = None) -> None:
        title = title or self.t.title
        try:
            self.book.app.alert(text, title=title, mode=mode)
        except Exception:  # noqa: BLE001 - last resort: the status bar, then the log
            log.warning("alert failed; message was: %s", text)
            self.status(text)


def _guess_lang(book) -> str:
    """'en' when the workbook's sheets carry the English template names, else 'zh'."""
    from ..schema import TABLES
    from ..sheet_names import REPORT_SHEETS

    en = {n.lower() for _, n in REPORT_SHEETS.values()} | {t.en.lower() for t in TABLES.values()} | {"console"}
    zh = {n for n, _ in REPORT_SHEETS.values()} | {t.zh for t in TABLES.values()} | {"控制台"}
    try:
        names = [s.name for s in book.sheets]
    except Exception:  # noqa: BLE001
        return "zh"
    n_en = sum(n.strip().lower() in en for n in names)
    n_zh = sum(n.strip() in zh for n in names)
    return "en" if n_en > n_zh else "zh"


def _caller(book):
    if book is not None:
        return book
    import xlwings as xw

    return xw.Book.caller()


def _run(action: str, book, body: Callable[[object, _Ui], MacroOutcome], lang: str | None = None) -> MacroOutcome:
    book = _caller(book)
    ui = _Ui(book, lang or _guess_lang(book))
    actions = _pending(book)
    mark = len(actions) if actions is not None else 0
    try:
        out = body(book, ui)
        ui.status(False)
        return out
    except Exception as exc:  # noqa: BLE001 - a business user sees words, not a traceback
        if actions is not None:
            del actions[mark:]  # remote engine: the failed run's queued writes never reach Excel
        message = format_error(exc, ui.lang)
        if as_user_error(exc) is None:  # a bug, not a user error: keep the traceback in the log
            log.error("crm_xl macro %s failed:\n%s", action, traceback.format_exc())
        ui.status(False)
        ui.alert(message, mode="critical")
        return MacroOutcome(action, False, message, error=type(exc).__name__, detail=traceback.format_exc())


def _pending(book):
    """The remote engine's queue of actions (writes not yet sent to Excel), else None."""
    try:
        if book.app.engine.name != "remote":
            return None
        return book.json()["actions"]
    except Exception:  # noqa: BLE001
        return None


# ---------------------------------------------------------------------------------------
# reading the workbook and building the report


def _output_sheet_names() -> set[str]:
    from ..sheet_names import REPORT_SHEETS

    # the strategy table is read back too: its typed statuses and dates feed effect tracking
    return {n.lower() for key, pair in REPORT_SHEETS.items() if key not in (*_INPUT_KEYS, "strategy") for n in pair} | \
        {n.lower() for n in CONSOLE_SHEET.values()}


def _read_inputs(book, ui: _Ui):
    from ..render.book import read_sheet_rows_from_book
    from ..report.inputs import inputs_from_sheet_rows

    ui.status(ui.t.reading)
    rows = read_sheet_rows_from_book(book, skip=_output_sheet_names())
    from ..settings import AnalysisSettings

    # the workbook's language (from its sheet names) unless its 设置 sheet says otherwise
    inputs = inputs_from_sheet_rows(rows, source=book.name, settings=AnalysisSettings(lang=ui.lang))
    ui.lang = inputs.settings.lang
    if not inputs.raw_tables or all(len(t.frame) == 0 for ts in inputs.raw_tables.values() for t in ts):
        raise InputError(
            "工作簿中没有找到数据表（客户、订单……）或数据表是空的。请先用「插入模板工作表」添加数据表，"
            "把 CRM 导出的数据粘贴进去，再点击运行。",
            "No data sheets (Customers, Orders, ...) found, or they are empty. Use 'Insert template sheets', "
            "paste your CRM export into them and run again.")
    return inputs


def _key_of(name: str) -> str | None:
    from ..sheet_names import REPORT_SHEETS

    n = name.strip().lower()
    for key, pair in REPORT_SHEETS.items():
        if n in (p.lower() for p in pair):
            return key
    return None


def _with_chart_sources(spec, names: list[str]) -> list[str]:
    """``names`` plus the sheets holding the tables their charts plot."""
    out = list(names)
    for n in names:
        for ch in spec.sheet(n).charts:
            src, _ = spec.find_table(ch.table)
            if src.name not in out:
                out.append(src.name)
    return out


def _refresh(action: str, keys: tuple[str, ...] | None, book, lang: str | None = None) -> MacroOutcome:
    def body(book, ui: _Ui) -> MacroOutcome:
        from ..render.book import render_book
        from ..report.build import build_report
        from ..sheet_names import sheet_name

        inputs = _read_inputs(book, ui)
        run = build_report(inputs.raw_tables, inputs.settings, goals=inputs.goals,
                           previous_strategy=inputs.previous_strategy, progress=ui.status)
        spec = run.spec
        existing = {s.name.strip().lower() for s in book.sheets}
        if keys is None:
            names = [s.name for s in spec.sheets
                     if not (_key_of(s.name) in _INPUT_KEYS and s.name.strip().lower() in existing)]
        else:
            names = [s.name for s in spec.sheets if _key_of(s.name) in keys]
            if not names:
                wanted = "、".join(f"「{sheet_name(k, 'zh')}」" for k in keys)
                wanted_en = ", ".join(f"'{sheet_name(k, 'en')}'" for k in keys)
                raise InputError(f"这一版本的报告还不包含{wanted}，可以先使用「刷新全部报告」。",
                                 f"This version of the report has no {wanted_en} yet; use 'Refresh all reports'.")
        names = _with_chart_sources(spec, names)
        result = render_book(spec.subset(names), book, progress=ui.status)
        for f in result.fallbacks:
            log.info("not drawn on this engine: %s", f)
        s = run.summary
        msg = ui.t("updated", n=len(result.sheets), customers=s["customers"], orders=s["orders"])
        ui.status(msg)
        return MacroOutcome(action, True, msg, sheets=result.sheets)

    return _run(action, book, body, lang)


def refresh_all(book=None) -> MacroOutcome:
    """Regenerate every report sheet of ``book`` (default: the calling workbook).

    The 设置 and 分析目标 sheets are inputs: they are added when missing, never overwritten.
    """
    return _refresh("refresh_all", None, book)


def refresh_rfm(book=None) -> MacroOutcome:
    """Regenerate only the RFM layering table (RFM分层表)."""
    return _refresh("refresh_rfm", ("rfm",), book)


def refresh_strategy(book=None) -> MacroOutcome:
    """Regenerate only the strategy execution table, keeping the tracking entries."""
    return _refresh("refresh_strategy", ("strategy",), book)


def refresh_kpis_charts(book=None) -> MacroOutcome:
    """Regenerate the KPI dashboard and the charts sheet."""
    return _refresh("refresh_kpis_charts", ("kpis", "charts"), book)


# ---------------------------------------------------------------------------------------
# template and console


def console_buttons(lang: str = "zh"):
    """The xlwings Lite sheet buttons over ``console_sheet(lang, buttons=True)``: one
    :class:`~crm_xl.render.shapes.SheetButton` per action of :data:`LITE_BUTTONS`, named
    like its script, linked to the label cell under it."""
    from ..render.shapes import SheetButton
    from ..report.common import col_letter

    cells = console_layout(lang, "refresh_all", True)[1]
    labels, helps = action_labels(lang), action_help(lang)
    return tuple(
        SheetButton(name=lite_script_name(key), text=labels[key], cell=f"{col_letter(c)}{r}", tooltip=helps[key])
        for key, (r, c) in cells.items()
    )


def _settings_sheet(settings):
    try:
        from ..report.settings_sheet import settings_sheet
    except ImportError:
        return _fallback_settings_sheet(settings)
    return settings_sheet(settings)


def _goals_sheet(goals: dict[str, str], lang: str):
    try:
        from ..report.goals_sheet import goals_sheet
    except ImportError:
        return _fallback_goals_sheet(goals, lang)
    return goals_sheet(goals, lang)


def _fallback_settings_sheet(settings):
    """设置 as a 名称 / 值 / 说明 table (what :mod:`crm_xl.report.inputs` reads back)."""
    from ..report.spec import ColumnSpec, SheetSpec, TableBlock, TextBlock, stack
    from ..settings import settings_to_rows
    from ..sheet_names import sheet_name

    tx = TEXTS.lang(settings.lang)
    rows = settings_to_rows(settings)
    t = TableBlock("CrmXlSettings", (ColumnSpec("name", tx.settings_name),
                                     ColumnSpec("value", tx.settings_value, "general", editable=True),
                                     ColumnSpec("description", tx.settings_description, width=70, wrap=True)),
                   rows, key_columns=("name",), style="TableStyleLight9")
    note = TextBlock((tx.settings_note,), style="note")
    return SheetSpec(sheet_name("settings", settings.lang), stack([note, t]), kind="settings", freeze="A4")


def _fallback_goals_sheet(goals: dict[str, str], lang: str):
    """分析目标 as a 键 / 项目 / 内容 table (what :mod:`crm_xl.report.inputs` reads back)."""
    import pandas as pd

    from ..report.inputs import goal_labels
    from ..report.spec import ColumnSpec, SheetSpec, TableBlock, TextBlock, stack
    from ..sheet_names import sheet_name

    tx = TEXTS.lang(lang)
    labels = goal_labels(lang)
    keys = list(labels)
    data = pd.DataFrame({"key": keys, "item": [labels[k] for k in keys],
                         "content": [goals.get(k, "") for k in keys]})
    t = TableBlock("CrmXlGoals", (ColumnSpec("key", tx.goals_key, width=14),
                                  ColumnSpec("item", tx.goals_item, width=14),
                                  ColumnSpec("content", tx.goals_content, width=70, wrap=True, editable=True)),
                   data, key_columns=("key",), style="TableStyleLight9")
    title = TextBlock((tx.goals_title,), style="title")
    return SheetSpec(sheet_name("goals", lang), stack([title, t]), kind="settings")


def insert_template(book=None, *, lang: str | None = None) -> MacroOutcome:
    """Add the template's sheets that ``book`` lacks: 控制台, 分析目标, 设置 and the data
    sheets (客户, 订单, 互动, 线索, 活动, 销售目标) with their headers. Nothing that exists
    is changed."""

    def body(book, ui: _Ui) -> MacroOutcome:
        import pandas as pd

        from ..render.book import render_book
        from ..report.data_sheets import data_sheet
        from ..report.inputs import default_goals
        from ..report.spec import ReportSpec
        from ..schema import TABLES, table_for_sheet
        from ..settings import AnalysisSettings
        from ..sheet_names import sheet_name

        lg = ui.lang
        names = {s.name.strip().lower() for s in book.sheets}
        present_tables = {t.key for t in (table_for_sheet(s.name) for s in book.sheets) if t is not None}
        sheets = []
        if CONSOLE_SHEET[lg].lower() not in names:
            sheets.append(console_sheet(lg))
        if not ({sheet_name("goals", "zh"), sheet_name("goals", "en").lower()} & names):
            sheets.append(_goals_sheet(default_goals(lg), lg))
        if not ({sheet_name("settings", "zh"), sheet_name("settings", "en").lower()} & names):
            sheets.append(_settings_sheet(AnalysisSettings(lang=lg)))
        for key, t in TABLES.items():
            if key not in present_tables:
                frame = pd.DataFrame({c.label(lg): pd.Series([], dtype=object) for c in t.columns})
                sheets.append(data_sheet(key, frame, lang=lg))
        if not sheets:
            msg = ui.t.nothing_inserted
            ui.alert(msg)
            return MacroOutcome("insert_template", True, msg)
        result = render_book(ReportSpec(tuple(sheets), lang=lg), book, progress=ui.status)
        msg = ui.t("inserted", added=ui.t.sheet_sep.join(result.sheets))
        ui.alert(msg)
        return MacroOutcome("insert_template", True, msg, sheets=result.sheets)

    return _run("insert_template", book, body, lang)


# ---------------------------------------------------------------------------------------
# validation


def validate_data(book=None) -> MacroOutcome:
    """Check the data sheets: clean them in memory (the data is never modified), write
    every changed or rejected cell to the 清洗日志 sheet and show a summary alert."""

    def body(book, ui: _Ui) -> MacroOutcome:
        from ..core.clean import clean_dataset
        from ..render.book import render_book
        from ..report.data_sheets import cleaning_log_sheet
        from ..report.spec import ReportSpec

        inputs = _read_inputs(book, ui)
        ui.status(ui.t.checking)
        cleaned = clean_dataset(inputs.raw_tables, settings=inputs.settings, lang=ui.lang)
        logdf = cleaned.log
        d = cleaned.data
        t = ui.t
        head = t("checked", customers=len(d.customers), orders=len(d.orders))
        if len(logdf) == 0:
            msg = head + t.all_clean
            ui.alert(msg)
            return MacroOutcome("validate_data", True, msg)
        sheet_log = cleaning_log_sheet(logdf, lang=ui.lang)
        result = render_book(ReportSpec((sheet_log,), lang=ui.lang), book, progress=ui.status)
        counts = logdf.groupby("sheet", sort=False).size()
        parts = [t("cells_by_sheet", sheet=s, n=n) for s, n in counts.items()]
        lines = []
        for r in logdf.head(8).itertuples(index=False):
            old = "" if r.old_value is None else str(r.old_value)
            lines.append(t("cell_line", sheet=r.sheet, row=r.row, column=r.column, old=old, new=r.new_value,
                           reason=r.reason))
        more = len(logdf) - len(lines)
        msg = t("changed", head=head, n=len(logdf), parts=t.part_sep.join(parts), lines="\n".join(lines),
                more=t("more", n=more) if more > 0 else "\n", log=sheet_log.name)
        ui.alert(msg, mode="info")
        return MacroOutcome("validate_data", True, msg, sheets=result.sheets)

    return _run("validate_data", book, body)


# ---------------------------------------------------------------------------------------
# dispatch: the one callback of the ribbon add-in


_MACROS: dict[str, Callable] = {}


def _macros() -> dict[str, Callable]:
    if not _MACROS:
        _MACROS.update(refresh_all=refresh_all, refresh_rfm=refresh_rfm, refresh_strategy=refresh_strategy,
                       refresh_kpis_charts=refresh_kpis_charts, insert_template=insert_template,
                       validate_data=validate_data)
    return _MACROS


def run_action(key: str, book=None) -> MacroOutcome:
    """Run the macro ``key`` of :data:`ACTIONS`."""
    return _macros()[key](book)


_SHEET_ACTION = {"rfm": "refresh_rfm", "strategy": "refresh_strategy", "effect": "refresh_strategy",
                 "kpis": "refresh_kpis_charts", "charts": "refresh_kpis_charts"}


def _console_choice(sheet) -> str | None:
    """The action chosen on the console sheet: the cell right of 要执行的操作 / Action to run."""
    rows = sheet.range((1, 1), (40, 6)).options(ndim=2).value or []
    labels = {v.lower(): k for k, (zh, en, _, _) in ACTIONS.items() for v in (zh, en, k)}
    for row in rows:
        for j, v in enumerate(row[:-1]):
            if isinstance(v, str) and v.strip().lower() in {x.lower() for x in _ACTION_LABEL.values()}:
                choice = row[j + 1]
                return labels.get(str(choice).strip().lower()) if choice is not None else None
    return None


def choose_action(book) -> tuple[str | None, str]:
    """(action key, why) for :func:`main`: the console's choice when the console is the
    active sheet; else by the active sheet (RFM -> refresh_rfm, strategy / effect ->
    refresh_strategy, KPIs / charts -> refresh_kpis_charts); ``insert_template`` when the
    workbook has no data sheet at all; else ``refresh_all``. ``None`` when the console's
    choice is empty or unknown."""
    from ..schema import table_for_sheet

    active = book.sheets.active
    name = active.name.strip()
    if name.lower() in {n.lower() for n in CONSOLE_SHEET.values()}:
        key = _console_choice(active)
        return key, "console"
    key = _key_of(name)
    if key in _SHEET_ACTION:
        return _SHEET_ACTION[key], "active sheet"
    if not any(table_for_sheet(s.name) is not None for s in book.sheets):
        return "insert_template", "no data sheet"
    return "refresh_all", "default"


def main(book=None) -> MacroOutcome:
    """What the ribbon's 运行 / Run button does (``import crm_xl; crm_xl.main()``)."""
    book = _caller(book)
    try:
        key, why = choose_action(book)
    except Exception as exc:  # noqa: BLE001 - shown like any macro's error (bound as a default: linters see it)
        return _run("main", book, lambda b, ui, err=exc: (_ for _ in ()).throw(err))
    if key is None:
        def body(b, ui: _Ui) -> MacroOutcome:
            raise InputError(f"请先在「{CONSOLE_SHEET['zh']}」工作表的「{_ACTION_LABEL['zh']}」右侧选择一个操作。",
                             f"Choose an action next to '{_ACTION_LABEL['en']}' on the '{CONSOLE_SHEET['en']}' sheet first.")
        return _run("main", book, body)
    log.info("crm_xl.main: %s (%s)", key, why)
    return run_action(key, book)
