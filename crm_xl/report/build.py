"""From raw data tables to the whole report: clean -> analyse -> ReportSpec.

This is the one pipeline behind ``crm-xl demo``, ``crm-xl report`` and the Excel macros:
callers only differ in where the raw tables come from (demo generator, files, a workbook
package, a live xlwings Book) and which renderer draws the spec.

>>> run = build_report(raw_tables, AnalysisSettings())      # doctest: +SKIP
>>> run.spec.sheet_names                                     # doctest: +SKIP
('说明', '分析目标', '设置', 'RFM分层表', ...)
"""

from __future__ import annotations

__all__ = ["ReportRun", "build_report", "report_sheets"]

import functools
from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np
import pandas as pd

from .. import beside
from ..core.analysis import AnalysisResult, analysis_after_clv, analysis_before_clv, analysis_layers
from ..core.churn import RISK_LABELS
from ..core.clean import CleanedData, clean_dataset
from ..core.cleanlog import text as log_text
from ..core.clv_inputs import prepared_clv_summary
from ..core.clv_report import clv_analysis
from ..core.currency import currency_label
from ..core.effect import effect_tracking
from ..core.prepared import Prepared
from ..core.strategy import strategy_table
from ..settings import AnalysisSettings
from ..texts import Texts
from .charts_sheet import charts_sheet
from .churn_sheet import churn_sheet
from .clv_sheet import clv_sheet
from .conclusions_sheet import conclusions_sheet
from .currency_labels import resolve_currency, with_currency
from .data_sheets import cleaning_log_sheet, data_sheet, guide_sheet
from .diagnosis_sheet import diagnosis_sheet
from .effect_sheet import effect_sheet
from .formulas import chart_layer_formulas, kpi_formulas, settings_refs
from .goals_sheet import goals_sheet
from .kpi_sheet import kpi_sheet
from .mapping_sheet import mapping_sheet
from .rfm_sheet import rfm_layer_sheet
from .scenario_sheets import scenario_sheets, scenario_sheets_before_churn
from .settings_sheet import settings_sheet
from .spec import ReportSpec, SheetSpec
from .strategy_sheet import strategy_sheet
from .tags_sheet import tags_sheet

# From this many customers the CLV models are fitted by a child forked when they are needed
# (crm_xl.beside; it shares this process's memory); below, by the warm child the crm-xl command
# forked at its start, the inputs pickled to it. Measured (benchmarks/README.md, issue 20): the
# forked child is ~1 s faster at 100k customers (20.2-21.4 s vs 21.5-22.4 s); below 20,000 the
# pickling (25 ms at 10k) costs less than the child's own scipy import would.
BESIDE_CUSTOMERS = 20_000

TEXTS = Texts({
    # the progress steps
    "step_cleaning": ("清洗数据", "cleaning"),
    "step_analysing": ("分析：RFM、分层、标签、指标、流失预警", "analysing: RFM, layers, tags, KPIs, churn"),
    "step_sheets": ("生成报告工作表", "building the report sheets"),
    # lines for 说明 (and 设置)
    "summary": ("分析日期 {as_of:%Y-%m-%d}：{customers} 个客户，{orders} 条有效订单，清洗日志 {log_entries} 条。",
                "Analysis date {as_of:%Y-%m-%d}: {customers} customers, {orders} valid orders, "
                "{log_entries} cleaning-log entries."),
    "scoring": ("评分：{dims} 按五分位评分（设置 score_mode = auto：固定分界点会让几乎所有客户同分），详见「RFM分层表」。",
                "Scoring: {dims} by quintiles (Settings score_mode = auto: the fixed breakpoints would "
                "give almost every customer the same score); see the RFM Layers sheet."),
    "dims_sep": ("、", ", "),
    # the cleaning log's entry for an order after the analysis date
    "future_order": ("订单日期晚于分析日期（{day}），未计入 RFM 分层",
                     "order dated after the analysis date ({day}); not used in the RFM layering"),
})


@dataclass(frozen=True, eq=False)
class ReportRun:
    """Everything one report run produced."""

    cleaned: CleanedData
    result: AnalysisResult
    spec: ReportSpec

    @property
    def summary(self) -> dict[str, int]:
        d = self.cleaned.data
        return {"customers": len(d.customers), "orders": d.order_count, "log_entries": len(self.cleaned.log)}


def _summary_lines(run_summary: dict[str, int], as_of: pd.Timestamp, lang: str) -> list[str]:
    s = run_summary
    return [TEXTS.lang(lang)("summary", as_of=as_of, customers=s["customers"], orders=s["orders"],
                             log_entries=s["log_entries"])]


def _intake_lines(cleaned: CleanedData, result: AnalysisResult) -> list[str]:
    """For 说明: what reading the orders left out or merged, the notes worth keeping (dates
    read month-first, amounts' currency, ...), and a dimension scored by quintiles because
    score_mode auto found the breakpoints collapse it. Nothing for data that needed none."""
    lang = result.settings.lang
    out = []
    intake = cleaned.intake
    if intake is not None and (intake.dropped_rows or intake.merged_lines or intake.returns_netted):
        out += intake.lines(lang)
    out += [n.text(lang) for n in cleaned.notes]
    return out + _scoring_lines(result)


def _scoring_lines(result: AnalysisResult) -> list[str]:
    """The dimensions score_mode auto scored by quintiles, as one line (for 说明 and 设置)."""
    t = TEXTS.lang(result.settings.lang)
    auto = [d for d, m in zip("RFM", result.score_modes, strict=True) if m == "quantile"] \
        if result.settings.score_mode == "auto" else []
    if not auto:
        return []
    return [t("scoring", dims=t.dims_sep.join(auto))]


def report_sheets(cleaned: CleanedData, result: AnalysisResult, goals: Mapping[str, str] | None = None, *,
                  formulas: bool = False,
                  previous_strategy: pd.DataFrame | None = None, mappings: "list | tuple" = (),
                  scenarios: "list[SheetSpec] | None" = None, prepared: "Prepared | None" = None) -> list[SheetSpec]:
    """The report sheets (no data sheets), in workbook order (:data:`~crm_xl.sheet_names.REPORT_SHEETS`).

    ``formulas``: R/F/M scores, totals, layers and layer counts (RFM分层表 and 图表), 客单价 and
    the high-risk count as Excel formulas (:mod:`crm_xl.report.formulas`).

    ``previous_strategy``: the 客户策略执行表 as the user left it
    (:func:`crm_xl.report.strategy_sheet.previous_strategy_rows`), so effect tracking sees
    the typed statuses and start dates before the refresh merges them into the sheet.

    ``scenarios``: the first three scenario sheets when they were built already
    (:func:`~crm_xl.report.scenario_sheets.scenario_sheets_before_churn`).

    ``prepared``: the analysis's :class:`~crm_xl.core.prepared.Prepared` of ``cleaned.data``,
    for effect tracking (without it the data is prepared again)."""
    s = result.settings
    lang = s.lang
    summary = {"customers": len(cleaned.data.customers), "orders": cleaned.data.order_count,
               "log_entries": len(cleaned.log)}
    settings_spec = settings_sheet(s, _scoring_lines(result))
    refs = settings_refs(settings_spec) if formulas else None
    table = strategy_table(result, previous_strategy)
    effect = effect_tracking(table, cleaned.data, s, as_of=result.as_of, prepared=prepared)
    rfm = rfm_layer_sheet(result.rfm, s, result.as_of, refs, modes=result.score_modes)
    kpis, churn, charts = kpi_sheet(result), churn_sheet(result), charts_sheet(result)
    if formulas:
        kpis = kpi_formulas(kpis, churn, RISK_LABELS[lang]["high"])
        charts = chart_layer_formulas(charts, rfm)
    return [
        guide_sheet(lang=lang, summary=_summary_lines(summary, result.as_of, lang) + _intake_lines(cleaned, result)),
        goals_sheet(dict(goals or {}), lang),
        settings_spec,
        mapping_sheet(mappings, lang),
        rfm,
        tags_sheet(result),
        kpis,
        churn,
        diagnosis_sheet(result),
        strategy_sheet(result, table=table, carried_over=previous_strategy is not None),
        effect_sheet(effect, s),
        *scenario_sheets(result, cleaned.data, s, first=scenarios, prepared=prepared),
        *([clv_sheet(result)] if result.clv is not None else []),
        charts,
        conclusions_sheet(result, dict(goals or {})),
        cleaning_log_sheet(cleaned.log, lang=lang),
    ]


def _log_future_orders(cleaned: CleanedData, as_of: pd.Timestamp, lang: str) -> CleanedData:
    """One cleaning-log entry per order dated after the analysis date (kept in the data,
    left out of the RFM layering), on the order's Excel row where it can be found."""
    from dataclasses import replace as _replace

    from ..schema import ORDERS

    held = cleaned.data.orders_in_engine
    if held is not None:  # (the orders an engine holds: those after the analysis date, one row each)
        places, days = held.after(int(np.datetime64(as_of, "D").astype(np.int64)))
        if not len(places):
            return cleaned
        late_dates = pd.Series(days.astype("datetime64[D]").astype("datetime64[ns]"))
        sheets, rows = np.full(len(places), held.sheet, dtype=object), places + 2
    else:
        orders = cleaned.data.orders
        late = orders[orders["order_date"] > as_of]
        if late.empty:
            return cleaned
        late_dates = late["order_date"]
        where = np.flatnonzero((orders["order_date"] > as_of).to_numpy())
        if cleaned.order_origin is not None:
            sheets, rows = (np.asarray(a)[where] for a in cleaned.order_origin)
            rows = rows.astype(np.int64, copy=False)  # (the engine path's rows are 32-bit)
        else:
            sheets, rows = np.full(len(where), ORDERS.sheet_name(lang), dtype=object), np.zeros(len(where), dtype=np.int64)
    default_head = ORDERS.column("order_date").label(lang)
    heads = [cleaned.headers.get(sh, {}).get("order_date", default_head) for sh in sheets]
    day = f"{as_of:%Y-%m-%d}"
    reason = TEXTS.lang(lang)("future_order", day=day)
    entries = pd.DataFrame({
        "sheet": sheets,
        "row": rows,
        "column": heads,
        "old_value": late_dates.dt.strftime("%Y-%m-%d").to_numpy(),
        "new_value": "",
        "rule": log_text("rule_reference", lang),
        "reason": reason,
    })
    log = pd.concat([cleaned.log, entries], ignore_index=True) if len(cleaned.log) else entries
    return _replace(cleaned, log=log)


def source_mappings(raw_tables: Mapping[str, object], lang: str) -> list:
    """How every source was read: the :class:`~crm_xl.mapping.SourceMapping` that
    :mod:`crm_xl.io` recorded (skipped sources included), or one detected from the headers
    for a table given as a plain DataFrame (the demo, a notebook)."""
    from ..mapping import SourceMapping
    from ..schema import TABLES, map_headers

    recorded = getattr(raw_tables, "mappings", None)
    if recorded is not None:
        return list(recorded)
    out = []
    for key, value in raw_tables.items():
        if key not in TABLES:
            continue
        for raw in (value if isinstance(value, (list, tuple)) else [value]):
            src = getattr(raw, "source", None)
            if src is not None:
                out.append(src)
                continue
            frame: pd.DataFrame = getattr(raw, "frame", raw)
            m = map_headers([str(c) for c in frame.columns], TABLES[key], strict=False)
            name = getattr(raw, "sheet", None) or TABLES[key].sheet_name(lang)
            out.append(SourceMapping.of_frame(name, "", key, frame, m.columns, header_row=getattr(raw, "header_row", 1)))
    return out


def _data_sheet_name(raw: object) -> str | None:
    """The sheet a raw table came from; None (the table's default sheet name) for a CSV file
    or a database table."""
    name = getattr(raw, "sheet", None)
    return None if not name or getattr(raw, "external", False) or str(name).lower().endswith((".csv", ".txt", ".tsv")) else name


def _data_sheet_names(raw_tables: Mapping[str, object], lang: str) -> list[tuple[str, object, str]]:
    """(table key, raw table, sheet name) of each source copied into a new workbook: named
    like its sheet, else like its table (订单, 订单2, ... for several files of one kind)."""
    from ..schema import TABLES

    out, used = [], set()
    for key, value in raw_tables.items():
        if key not in TABLES:
            continue
        for raw in (value if isinstance(value, (list, tuple)) else [value]):
            name = _data_sheet_name(raw) or TABLES[key].sheet_name(lang)
            base, k = name, 1
            while name.lower() in used:
                k += 1
                name = f"{base[:28]}{k}"
            used.add(name.lower())
            out.append((key, raw, name))
    return out


def _data_sheets(raw_tables: Mapping[str, object], lang: str, source_rows: int | None = None) -> list[SheetSpec]:
    """The raw tables as data sheets of a new workbook: each source as exported; a database
    or Parquet table longer than ``source_rows`` as a sample of its first rows."""
    out = []
    for key, raw, name in _data_sheet_names(raw_tables, lang):
        frame: pd.DataFrame = getattr(raw, "frame", raw)
        total = getattr(raw, "total_rows", None) or len(frame)  # (a table the engine read: its first rows)
        if source_rows is not None and getattr(raw, "external", False) and total > source_rows:
            out.append(data_sheet(key, frame.iloc[:source_rows], lang=lang, sheet_name=name, sample_of=total))
        else:
            out.append(data_sheet(key, frame, lang=lang, sheet_name=name))
    return out


def _mappings_in_book(mappings: list, raw_tables: Mapping[str, object], lang: str) -> list:
    """The mappings of a new workbook's sources under the data sheets' names (where the data
    lives from now on, so the 字段映射 rows a refresh reads back name those sheets); the file
    each came from stays in 原文件. A database table keeps its own name: a refresh reads it
    from the database again."""
    from dataclasses import replace as _replace

    renamed = {id(getattr(raw, "source", None)): name for _, raw, name in _data_sheet_names(raw_tables, lang)
               if not getattr(raw, "external", False)}  # a database's data lives on in the database
    return [_replace(m, source=renamed[id(m)], file=m.file or m.source) if id(m) in renamed else m
            for m in mappings]


def build_report(raw_tables: Mapping[str, object], settings: AnalysisSettings | None = None, *,
                 goals: Mapping[str, str] | None = None, include_data_sheets: bool = False, formulas: bool = False,
                 progress: Callable[[str], None] | None = None,
                 previous_strategy: pd.DataFrame | None = None) -> ReportRun:
    """Clean ``raw_tables``, analyse them and describe the report.

    Parameters
    ----------
    raw_tables : mapping
        Table key (``customers``, ``orders``, ...) -> DataFrame with the user's headers, or
        an object with ``frame``/``sheet``/``header_row`` (as :mod:`crm_xl.io` returns), so
        cleaning-log rows name the user's sheet and row.
    settings : AnalysisSettings, optional
    goals : mapping, optional
        The 分析目标 items (:data:`crm_xl.report.inputs.GOAL_ITEMS` keys); defaults pre-filled.
    include_data_sheets : bool
        Also describe the data sheets (for a new workbook; a refresh leaves the user's
        data sheets alone).
    formulas : bool
        Formula mode (:mod:`crm_xl.report.formulas`).
    progress : callable, optional
        Called with a short, translated text before each step.
    previous_strategy : DataFrame, optional
        The strategy table as the user left it (a refresh reads it from the workbook with
        :func:`crm_xl.report.strategy_sheet.previous_strategy_rows`).
    """
    s = settings or AnalysisSettings()
    t = TEXTS.lang(s.lang)
    step = progress or (lambda _text: None)
    step(t.step_cleaning)
    cleaned = clean_dataset(raw_tables, settings=s)
    code, currency_notes = resolve_currency(s, cleaned.currencies, cleaned.unknown_columns.get("orders", ()),
                                                  next(iter(cleaned.headers), ""))
    if currency_notes:
        from dataclasses import replace as _replace

        cleaned = _replace(cleaned, notes=[*cleaned.notes, *currency_notes])
    step(t.step_analysing)
    layered = analysis_layers(cleaned.data, s)
    if cleaned.data.orders_in_engine is not None:
        # the engine's answers the CLV models read, asked here: a child process cannot use the
        # connection (the facts go to it with their answers; crm_xl.sources.engine_facts)
        prepared_clv_summary(layered.prepared, s.clv_time_unit, holdout_months=s.clv_holdout_months)
    # the CLV models are fitted beside (crm_xl.beside) as soon as the customers are layered,
    # while the rest of the analysis and the sheets that do not depend on them are made here:
    # from BESIDE_CUSTOMERS on by a child forked now (sharing this process's memory), below by
    # the warm child the crm-xl command forked at its start (it has imported scipy meanwhile;
    # the inputs are pickled to it); the same result, bytes and errors without a child
    clv = beside.compute(functools.partial(clv_analysis, settings=s, prepared=layered.prepared,
                                           layers=layered.layers), fork=len(layered.layers) >= BESIDE_CUSTOMERS)
    try:
        first = analysis_before_clv(cleaned.data, s, layered=layered)
        scenarios = scenario_sheets_before_churn(cleaned.data, s, first.as_of, first.prepared)
        # the churn table's usual gaps between purchases (cached) while a child fits the CLV
        # models, rather than after waiting for it (~1 s at ten million orders)
        first.prepared.facts.median_gap_days  # noqa: B018 - computed for its cache
        # what needs no CLV result is made while the child still fits: the sources' mappings
        # and the raw data sheets
        mappings = source_mappings(raw_tables, s.lang)
        data: list[SheetSpec] = []
        if include_data_sheets:
            from ..sources import sheet_rows_limit

            mappings = _mappings_in_book(mappings, raw_tables, s.lang)
            data = _data_sheets(raw_tables, s.lang, sheet_rows_limit(s.source) if s.source else None)
        result = analysis_after_clv(first, clv.result())
    finally:
        clv.cancel()
    first.prepared.facts.forget()  # (the purchase days: the report sheets do not read them)
    cleaned = _log_future_orders(cleaned, result.as_of, s.lang)
    step(t.step_sheets)
    sheets = report_sheets(cleaned, result, goals, formulas=formulas, previous_strategy=previous_strategy,
                           mappings=mappings, scenarios=scenarios, prepared=first.prepared)
    if include_data_sheets:
        sheets = sheets[:-1] + data + sheets[-1:]  # the cleaning log follows the data it describes
    spec = with_currency(ReportSpec(sheets=tuple(sheets), lang=s.lang),
                         *(currency_label(code, lang, raw=code) for lang in ("zh", "en")))
    return ReportRun(cleaned=cleaned, result=result, spec=spec.validate())
