"""What a report run reads from a workbook: the data tables, the 设置 sheet and the 分析目标
sheet. Works on (sheet name, rows of values) pairs, so a file (calamine) and a live
xlwings Book feed it the same way.

Layout read back (the file renderer writes it; see :mod:`crm_xl.report.goals_sheet` and
:mod:`crm_xl.report.settings_sheet`):

* 设置 / Settings: a header row with 名称/值 (or name/value) anywhere in the first 20
  rows; below it one setting per row (:func:`crm_xl.settings.settings_from_rows`).
* 分析目标 / Goals: a header row with 项目/内容 (or Item/Content); below it one item per
  row, recognised by its label in any language (:data:`GOAL_LABELS`) or its key.
"""

from __future__ import annotations

__all__ = ["WorkbookInputs", "inputs_from_sheet_rows", "read_workbook_inputs", "GOAL_ITEMS", "GOAL_LABELS", "GOAL_DEFAULTS",
           "goal_labels", "default_goals"]

import pathlib
from dataclasses import dataclass, field, replace
from typing import Iterable

import pandas as pd

from ..errors import InputError
from ..io import Sources, read_sheet_rows, tables_from_sheet_rows
from ..mapping import MappingOverrides, overrides_from_rows
from ..settings import AnalysisSettings, settings_from_rows
from ..sheet_names import REPORT_SHEETS
from ..texts import LANGUAGES, Texts

# the 分析目标 items, in the sheet's order: key -> its label (the 项目 column; read back in any language)
GOAL_LABELS = Texts({
    "goal": ("分析目标", "Goal"),
    "customer_group": ("客户群体", "Customer group"),
    "time_window": ("时间范围", "Time window"),
    "dimensions": ("分析维度", "Dimensions"),
    "owner": ("分析负责人", "Analyst"),
    "audience": ("汇报对象", "Audience"),
    "notes": ("备注", "Notes"),
})

# key -> the item's content pre-filled in a new workbook
GOAL_DEFAULTS = Texts({
    "goal": ("识别高价值客户与流失风险客户，制定分层维护策略，提升复购率与客户满意度",
             "Find high-value and at-risk customers, set a strategy per layer, raise repurchase and satisfaction"),
    "customer_group": ("全部客户", "All customers"),
    "time_window": ("近12个月", "Last 12 months"),
    "dimensions": ("客户层级、行业、地区、负责人", "Layer, industry, region, owner"),
    "owner": ("", ""),
    "audience": ("销售主管、客户运营负责人", "Sales lead, customer-operations lead"),
    "notes": ("", ""),
})
assert list(GOAL_DEFAULTS.keys()) == list(GOAL_LABELS.keys())


def goal_labels(lang: str = "zh") -> dict[str, str]:
    """The 分析目标 items' labels in ``lang``, by key, in the sheet's order."""
    t = GOAL_LABELS.lang(lang)
    return {k: t(k) for k in GOAL_LABELS.keys()}


def default_goals(lang: str = "zh") -> dict[str, str]:
    """The 分析目标 items pre-filled for a new workbook."""
    t = GOAL_DEFAULTS.lang(lang)
    return {k: t(k) for k in GOAL_DEFAULTS.keys()}


# A compatible view for crm_xl.excel.macros (which reads it): key -> (zh label, en label, zh default, en default)
GOAL_ITEMS: dict[str, tuple[str, str, str, str]] = {
    k: (goal_labels("zh")[k], goal_labels("en")[k], default_goals("zh")[k], default_goals("en")[k])
    for k in GOAL_LABELS.keys()}

_GOAL_KEY_HEADERS = ("项目", "item")
_GOAL_VALUE_HEADERS = ("内容", "content", "value", "值")
_SETTING_NAME_HEADERS = ("name", "名称", "设置项", "参数", "setting")
_SETTING_VALUE_HEADERS = ("value", "值", "取值", "设置值")
_SCAN_ROWS = 20


@dataclass(frozen=True, eq=False)
class WorkbookInputs:
    """The inputs of one report run as found in a workbook."""

    raw_tables: Sources
    settings: AnalysisSettings
    goals: dict[str, str]
    settings_found: bool = False
    goals_found: bool = False
    unknown_sheets: list[str] = field(default_factory=list)
    previous_strategy: pd.DataFrame | None = None  # the 客户策略执行表 as the user left it
    overrides: MappingOverrides = field(default_factory=MappingOverrides)  # the 字段映射 sheet's corrections


def _norm(v: object) -> str:
    return "" if v is None else str(v).strip().lower()


def _header_table(rows: list[list[object]], first: tuple[str, ...], second: tuple[str, ...]):
    """(header row index, first col, second col) of a two-column header among the first rows."""
    for i, row in enumerate(rows[:_SCAN_ROWS]):
        cells = [_norm(v) for v in row]
        a = next((j for j, c in enumerate(cells) if c in first), None)
        b = next((j for j, c in enumerate(cells) if c in second), None)
        if a is not None and b is not None:
            return i, a, b
    return None


def _settings_from_sheet(name: str, rows: list[list[object]], base: AnalysisSettings) -> AnalysisSettings:
    found = _header_table(rows, _SETTING_NAME_HEADERS, _SETTING_VALUE_HEADERS)
    if found is None:
        raise InputError(f"「{name}」工作表中找不到「名称」「值」表头，无法读取设置。",
                         f"sheet '{name}': no 'name' / 'value' header row; cannot read the settings.", sheet=name)
    i, a, b = found
    body = rows[i + 1:]
    frame = pd.DataFrame({"name": [r[a] if a < len(r) else None for r in body],
                          "value": [r[b] if b < len(r) else None for r in body]}, dtype=object)
    return settings_from_rows(frame, base=base, sheet=name, header_row=i + 1)


def _goals_from_sheet(rows: list[list[object]], lang: str) -> dict[str, str] | None:
    found = _header_table(rows, _GOAL_KEY_HEADERS, _GOAL_VALUE_HEADERS)
    if found is None:
        return None
    i, a, b = found
    goals = default_goals(lang)
    by_label = {_norm(lab): k for labels in (goal_labels(lg) for lg in LANGUAGES) for k, lab in labels.items()}
    by_label.update((k, k) for k in GOAL_LABELS.keys())
    for r in rows[i + 1:]:
        key = by_label.get(_norm(r[a] if a < len(r) else None))
        if key is not None:
            v = r[b] if b < len(r) else None
            goals[key] = "" if v is None else str(v).strip()
    return goals


def inputs_from_sheet_rows(sheets: Iterable[tuple[str, list[list[object]]]], *, source: str = "",
                           settings: AnalysisSettings | None = None,
                           overrides: MappingOverrides | None = None,
                           source_data: bool | None = False) -> WorkbookInputs:
    """Read data tables, settings and goals from (sheet name, rows) pairs.

    The report's own sheets are never taken for data; the 客户策略执行表 is read back as
    ``previous_strategy`` (what the user typed feeds effect tracking). ``settings`` is the base the 设置
    sheet's values override (default: the seed defaults, with ``lang`` guessed from the
    sheet names when the workbook has no 设置 sheet).

    ``source_data``: the data comes from a database (``crm-xl report --source``), so the data
    sheets are not read (``raw_tables`` is empty): True always, None when the 设置 sheet names
    a source (``source.url``), False never.
    """
    sheets = list(sheets)
    report_names = {n.lower(): key for key, pair in REPORT_SHEETS.items() for n in pair}
    by_key: dict[str, tuple[str, list[list[object]]]] = {}
    for name, rows in sheets:
        key = report_names.get(str(name).strip().lower())
        if key in ("settings", "goals", "mapping") and key not in by_key:
            by_key[key] = (name, rows)
    base = settings or AnalysisSettings()
    if settings is None and "settings" in by_key and by_key["settings"][0].strip().lower() == "settings":
        base = replace(base, lang="en")
    s = base
    if "settings" in by_key:
        s = _settings_from_sheet(*by_key["settings"], base=base)
    goals = None
    if "goals" in by_key:
        goals = _goals_from_sheet(by_key["goals"][1], s.lang)
    sheet_overrides = MappingOverrides()
    if "mapping" in by_key:
        sheet_overrides = overrides_from_rows(by_key["mapping"][1], sheet=by_key["mapping"][0])
    # the command line's corrections win over the sheet's
    effective = sheet_overrides.merged(overrides) if overrides else sheet_overrides
    if source_data or (source_data is None and any(k == "url" and v for k, v in s.source)):
        tables = Sources()  # the copies of a database's tables are not read: the data comes from the database
    else:
        tables = tables_from_sheet_rows(sheets, source=source, skip=report_names, overrides=effective)
    unknown = tables.unknown_sheets
    from .strategy_sheet import previous_strategy_rows

    return WorkbookInputs(raw_tables=tables, settings=s, goals=goals or default_goals(s.lang),
                          settings_found="settings" in by_key, goals_found=goals is not None,
                          unknown_sheets=list(unknown), previous_strategy=previous_strategy_rows(sheets, s.lang),
                          overrides=effective)


def read_workbook_inputs(path: str | pathlib.Path, *, settings: AnalysisSettings | None = None,
                         overrides: MappingOverrides | None = None,
                         source_data: bool | None = False) -> WorkbookInputs:
    """:func:`inputs_from_sheet_rows` for a workbook file (read once, through calamine)."""
    # the report's own sheets (but 设置, 字段映射 and 分析目标) are never data: do not even read them
    skip = [n for key, pair in REPORT_SHEETS.items() if key not in ("settings", "goals", "strategy", "mapping")
            for n in pair]
    return inputs_from_sheet_rows(read_sheet_rows(path, skip=skip), source=str(path), settings=settings,
                                  overrides=overrides, source_data=source_data)
