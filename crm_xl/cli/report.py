"""``crm-xl report``: (re)write the report sheets of a workbook from its data sheets.

``crm-xl report BOOK.xlsx`` reads BOOK's data sheets (客户, 订单, ...), its 设置 and
分析目标 sheets, and writes the report sheets back into BOOK, in place and atomically:
everything else in BOOK (other sheets, formulas, names, widths) is kept byte for byte,
values typed into editable report columns are carried over, and on any error BOOK is
left untouched. ``-o OUT.xlsx`` writes a new file instead. ``--input`` takes the data
from CSV/XLSX exports instead of BOOK's data sheets; when BOOK does not exist yet, it is
created with those exports as its data sheets. ``--source URL`` reads them from a database
or Parquet files (:mod:`crm_xl.sources`), and BOOK's 设置 sheet remembers it.
"""

from __future__ import annotations

__all__ = ["register", "run_report"]

import argparse
import datetime as dt
import pathlib
from dataclasses import replace

from ..errors import InputError, WorkbookError
from ..texts import Texts
from .common import CLV_MODULES, add_common, progress

TEXTS = Texts({
    # progress
    "reading_book": ("读取 {name}", "reading {name}"),
    "reading_exports": ("读取导出文件", "reading the exports"),
    "reading_source": ("读取数据源 {url}", "reading the source {url}"),
    "writing": ("写入 {target}", "writing {target}"),
    # the last line
    "created": ("已生成", "wrote"),
    "updated": ("已更新", "updated"),
    "summary": ("{verb} {path}（分析日期 {as_of}，{customers} 个客户，{orders} 条订单，清洗日志 {log_entries} 条，"
                "报告工作表 {sheets} 个）",
                "{verb} {path} (analysis date {as_of}, {customers} customers, {orders} orders, "
                "{log_entries} cleaning-log entries, {sheets} report sheets)"),
})


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in YYYY-MM-DD form: {text!r}") from None


_EXPORT_SUFFIXES = (".csv", ".tsv", ".txt")


def _rows(text: str) -> int:
    n = int(text)
    if n < 0:
        raise ValueError(text)
    return n


def run_report(book: pathlib.Path, *, out: pathlib.Path | None = None, inputs: list[pathlib.Path] | None = None,
               as_of: dt.date | None = None, lang: str | None = None, formulas: bool = False,
               progress=None, maps: "list[str] | None" = None, tables: "list[str] | None" = None,
               date_order: str | None = None, inform=None, source: str | None = None,
               queries: "list[str] | None" = None, sheet_rows: int | None = None) -> dict:
    """The work behind ``crm-xl report``; returns a small summary (see module docstring).

    ``maps`` / ``tables``: ``--map`` / ``--table`` corrections (:mod:`crm_xl.mapping`);
    ``date_order``: ``--date-format`` (ymd, mdy, dmy), over the 设置 sheet's. ``inform``
    is called with (text, loud) for what the user should read: how each source was
    mapped, skipped sources, what counted as a purchase (loud = a warning).

    ``source`` / ``queries``: ``--source URL`` and ``--query TABLE=SQL`` (:mod:`crm_xl.sources`):
    the data is read from the database or Parquet files instead of BOOK's data sheets, and
    the workbook's 设置 sheet remembers the source (URL without password, tables, queries,
    time read), so that a later run without ``--input``/``--source`` reads from it again.
    ``sheet_rows``: ``--sheet-rows N``, the most rows of a source table copied into a new
    workbook's data sheet (a sample of a larger one; row source.sheet_rows of 设置)."""
    from ..atomic import ensure_writable
    from ..io import read_sources
    from ..mapping import MappingOverrides, parse_map_option, parse_table_option
    from ..render.splice import refresh_workbook
    from ..render.xlsx import render_workbook
    from ..report.build import build_report
    from ..report.inputs import default_goals, read_workbook_inputs
    from ..safety import file_kind
    from ..settings import AnalysisSettings
    from ..startup import resume

    resume()  # (the console script paused the garbage collector while these imports ran)
    step = progress or (lambda _t: None)
    tell = inform or (lambda _t, _loud=False: None)
    book = pathlib.Path(book)
    if book.suffix.lower() in _EXPORT_SUFFIXES and not inputs:
        # `crm-xl report export.csv`: the export is the input, the workbook is export.xlsx beside it
        inputs, book = [book], book.with_suffix(".xlsx")
    cli = parse_map_option(maps or []).merged(parse_table_option(tables or [])) if (maps or tables) \
        else MappingOverrides()
    exists = _check_options(book, inputs, source, queries)
    step(TEXTS.lang(lang or "zh")("reading_book", name=book.name))
    previous = None
    if exists:
        # with --source, or a 设置 sheet naming a source, the data sheets (copies) are not read
        wi = read_workbook_inputs(book, overrides=cli if not inputs else None,
                                  source_data=True if source else (None if not inputs else False))
        settings, goals, raw, previous = wi.settings, wi.goals, wi.raw_tables, wi.previous_strategy
    else:
        wi = None
        settings, goals, raw = AnalysisSettings(lang=lang or "zh"), default_goals(lang or "zh"), {}
    if lang and lang != settings.lang:
        settings = replace(settings, lang=lang)
    if as_of is not None:
        settings = replace(settings, analysis_date=as_of)
    if date_order:
        settings = replace(settings, date_order=date_order)
    if inputs:
        step(TEXTS.lang(settings.lang).reading_exports)
        raw = read_sources(inputs, overrides=(wi.overrides.merged(cli) if exists else cli))
        if settings.source:  # the data now comes from files: the workbook no longer names a source
            settings = replace(settings, source=())
    else:
        raw, settings = _from_source(raw, settings, source, queries, tables, sheet_rows,
                                     lambda: wi.overrides.merged(cli) if wi is not None else cli, step)
    _tell_read(raw, settings.lang, tell)
    # a workbook calamine reads but that is no zip package (.xls) cannot be spliced: its
    # data and the report go into a new .xlsx (-o) instead
    legacy = exists and file_kind(book) == "ole"
    target = _target(book, out, legacy)
    ensure_writable(target)  # a locked or read-only target is refused before any work
    try:
        run = build_report(raw, settings, goals=goals, include_data_sheets=not exists or legacy, formulas=formulas,
                           previous_strategy=previous, progress=step)
    finally:
        getattr(raw, "close", lambda: None)()  # (a source whose engine held the orders: its connection)
    _tell_cleaned(run.cleaned, settings.lang, tell)
    spec = run.spec
    step(TEXTS.lang(settings.lang)("writing", target=target))
    if exists and not legacy:
        refresh_workbook(spec, book, out=out)
    else:
        render_workbook(spec, target)
    return {**run.summary, "path": str(pathlib.Path(target).resolve()), "as_of": f"{run.result.as_of:%Y-%m-%d}",
            "sheets": len(spec.sheets), "created": not exists}


def _check_options(book: pathlib.Path, inputs, source: str | None, queries) -> bool:
    """Whether ``book`` exists; raises for options that do not go together, or for a missing
    workbook with no data to create it from."""
    if source and inputs:
        raise InputError("--input 与 --source 只能选一个：数据来自文件，或来自数据源。",
                         "give either --input (files) or --source (a database or Parquet), not both.")
    if queries and inputs:
        raise InputError("--query 需要与 --source 一起使用。", "--query needs --source.")
    exists = book.exists()
    if not exists and not inputs and not source:
        raise InputError(f"找不到工作簿「{book}」。可以先用 crm-xl template 生成模板，或用 --input 指定 CRM 导出文件。",
                         f"workbook '{book}' not found. Create one with `crm-xl template`, or give CRM exports with --input.")
    return exists


def _from_source(raw, settings, source: str | None, queries, tables, sheet_rows: int | None, overrides, step):
    """(raw tables, settings) read from ``--source`` or the source the 设置 sheet names, the
    settings remembering it; ``raw`` and ``settings`` unchanged when there is none.
    ``overrides()`` gives the mapping corrections."""
    from ..sources import SourceSpec, parse_query_option, read_source

    spec = SourceSpec(source) if source else SourceSpec.from_settings(settings.source)
    if spec is None and queries:
        raise InputError("--query 需要与 --source 一起使用。", "--query needs --source.")
    if spec is not None:
        spec = spec.with_options(tables or (), parse_query_option(queries)).stamped()
        if sheet_rows is not None:
            spec = replace(spec, sheet_rows=sheet_rows)
        step(TEXTS.lang(settings.lang)("reading_source", url=spec.url))
        raw = read_source(spec, overrides=overrides(), progress=step, lang=settings.lang, settings=settings)
        settings = replace(settings, source=spec.to_settings())
    return raw, settings


def _tell_read(raw, lang: str, tell) -> None:
    """Tell how each source was mapped, then the reader's warnings (loud)."""
    zl = lang == "zh"
    for m in getattr(raw, "mappings", []):
        if m.table is not None:
            tell(m.describe(lang))
    for w in getattr(raw, "warnings", []):
        tell(w[0] if zl else w[1], True)


def _target(book: pathlib.Path, out: pathlib.Path | None, legacy: bool) -> pathlib.Path:
    """The file the report is written to (``out``, else ``book``); raises for an old .xls
    ``book`` (``legacy``) without ``out`` and for a target that is no .xlsx/.xlsm."""
    if legacy and out is None:
        raise WorkbookError(
            f"「{book.name}」是旧的 .xls 格式，无法在原文件中写入报表。请用 -o 指定新的 .xlsx 文件，"
            "数据会连同报表一起写入新文件，原文件不会改动。",
            f"'{book.name}' is an old .xls workbook; the report cannot be written into it. Give a new .xlsx file with -o: "
            "the data and the report go there and the original is not changed.")
    target = out or book
    if target.suffix.lower() not in (".xlsx", ".xlsm"):
        raise InputError(f"报表只能写入 .xlsx 或 .xlsm 文件：{target.name}",
                         f"the report can only be written to an .xlsx or .xlsm file: {target.name}")
    return target


def _tell_cleaned(cleaned, lang: str, tell) -> None:
    """Tell what reading the orders did (what counted as a purchase), then the cleaning's notes."""
    intake = cleaned.intake
    if intake is not None and intake.rows:
        for line, warning in intake.messages(lang):
            tell(line, warning)
    for note in cleaned.notes:
        tell(note.text(lang), note.warning)


def _cmd_report(args: argparse.Namespace) -> int:
    from .. import beside, startup

    if not args.source and (args.input or pathlib.Path(args.book).suffix.lower() in _EXPORT_SUFFIXES):
        startup.prefer_python_strings()  # data from files (a workbook might name a source: left as it is)
    beside.warm_up(*CLV_MODULES)
    try:
        with progress(args.quiet, args.lang) as p:
            s = run_report(pathlib.Path(args.book), out=pathlib.Path(args.output) if args.output else None,
                           inputs=[pathlib.Path(x) for x in args.input] if args.input else None,
                           as_of=args.as_of, lang=args.lang_explicit, formulas=args.formulas, progress=p.step,
                           maps=args.map, tables=args.table, date_order=args.date_format, inform=p.inform,
                           source=args.source, queries=args.query, sheet_rows=args.sheet_rows)
    finally:
        beside.let_go()
    t = TEXTS.lang(args.lang)
    print(t("summary", verb=t.created if s["created"] else t.updated, path=s["path"], as_of=s["as_of"],
            customers=s["customers"], orders=s["orders"], log_entries=s["log_entries"], sheets=s["sheets"]))
    return 0


class _LangAction(argparse.Action):
    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, values)
        namespace.lang_explicit = values


def register(sub) -> None:
    p = sub.add_parser(
        "report",
        help="(re)write the report sheets of a workbook from its data / 根据数据表生成或刷新报告工作表",
        description="Read the data sheets, 设置 and 分析目标 of BOOK and (re)write the report sheets "
                    "(RFM分层表, 指标看板, 流失预警, 图表, 结论与建议, ...) into it, atomically; everything else in "
                    "BOOK is kept. The data can come from CSV/XLSX exports instead (--input) or from a database or "
                    "Parquet files (--source; docs/sources.md), which BOOK then remembers. / "
                    "读取工作簿的数据表、设置和分析目标，重新生成报告工作表；其他内容保持不变。数据也可以来自导出文件（--input）"
                    "或数据库、Parquet 文件（--source）。",
    )
    p.add_argument("book", help="the workbook (.xlsx/.xlsm); a CSV export writes the report to the .xlsx of the same "
                                "name / 工作簿（给 CSV 导出文件时，生成同名 .xlsx）")
    p.add_argument("-o", "--output", help="write a new workbook instead of updating BOOK / 另存为新文件")
    p.add_argument("--input", nargs="+", metavar="FILE",
                   help="CSV/XLSX exports to analyse instead of BOOK's data sheets / 使用 CRM 导出文件作为数据")
    p.add_argument("--source", metavar="URL",
                   help="read the data where it lives instead: sqlite:///path/crm.db, duckdb:///path/crm.duckdb, a "
                        "Parquet file or folder, or postgresql://user@host:port/db (password from PGPASSWORD or "
                        "~/.pgpass, never in the URL); tables are found by name and columns like files; the "
                        "workbook remembers the source, so `crm-xl report BOOK` reads it again (needs "
                        "pip install \"crm_xl[db]\" for DuckDB, Parquet and PostgreSQL) / 从数据库或 Parquet 读取数据")
    p.add_argument("--query", action="append", metavar="TABLE=SQL",
                   help="with --source: read a table from a query, e.g. --query orders=\"SELECT * FROM sales WHERE "
                        "year >= 2023\" (repeatable) / 用 SQL 查询读取某类数据")
    p.add_argument("--sheet-rows", type=_rows, metavar="N",
                   help="with --source: copy at most N rows of a table into a new workbook's data sheet, a sample "
                        "with a note (default 100000; the analysis uses every row) / 数据源的表最多复制 N 行到数据表（样例）")
    p.add_argument("--as-of", type=_date, metavar="YYYY-MM-DD",
                   help="analysis date (default: the 设置 sheet's, else the latest order date) / 分析日期")
    p.add_argument("--map", action="append", metavar="FILE:HEADER=FIELD",
                   help="say which field a column is, e.g. --map orders.csv:close_value=金额 (repeatable; "
                        "HEADER=- leaves a column out) / 指定列对应的字段")
    p.add_argument("--table", action="append", metavar="TABLE=FILE",
                   help="say what a file (or, with --source, a database table) holds, e.g. --table orders=pipeline.csv "
                        "or --table orders=sales_2024 (skip=NAME leaves it out) / 指定文件或数据库表是哪种数据")
    p.add_argument("--date-format", choices=("ymd", "mdy", "dmy"),
                   help="how dates like 02/03/24 are read: mdy (US), dmy, ymd (default: decided from the data) / "
                        "日期顺序")
    p.add_argument("--formulas", action="store_true",
                   help="write R/F/M scores, totals, layers and KPI cells as live Excel formulas / 以 Excel 公式写入得分与分层")
    add_common(p)
    p.set_defaults(lang_explicit=None)
    for a in p._actions:  # remember whether --lang was given (else the workbook's 设置 decides)
        if a.dest == "lang":
            a.__class__ = _LangAction
    p.set_defaults(run=_cmd_report)
