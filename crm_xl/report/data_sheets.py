"""Specs for the data sheets (客户, 订单, ...), the 清洗日志 and the 说明 sheet.

Data sheets hold the data exactly as the user pasted it (the raw input is never
modified; cleaning happens in memory and every change is listed in 清洗日志).
"""

from __future__ import annotations

__all__ = ["data_sheet", "cleaning_log_sheet", "guide_sheet", "LOG_SHEET_NAME", "GUIDE_SHEET_NAME", "KIND_TO_SPEC",
           "TABLE_NAMES"]

import pandas as pd

from ..schema import TABLES, ColumnKind, map_headers
from .spec import ColumnSpec, Kind, SheetSpec, TableBlock, TextBlock, as_table, stack

LOG_SHEET_NAME = {"zh": "清洗日志", "en": "Cleaning Log"}
GUIDE_SHEET_NAME = {"zh": "说明", "en": "Guide"}

KIND_TO_SPEC: dict[ColumnKind, Kind] = {
    ColumnKind.DATE: "date",
    ColumnKind.MONEY: "money2",
    ColumnKind.INT: "int",
    ColumnKind.NUMBER: "number",
    ColumnKind.SCORE: "general",
}
TABLE_NAMES = {"customers": "Customers", "orders": "Orders", "interactions": "Interactions",
                "leads": "Leads", "campaigns": "Campaigns", "targets": "Targets"}


EXCEL_MAX_ROWS = 1_048_576
MAX_LOG_ROWS = EXCEL_MAX_ROWS - 10  # the log's intro and header rows sit above the table


def data_sheet(table_key: str, frame: pd.DataFrame, *, lang: str = "zh", sheet_name: str | None = None,
               sample_of: int | None = None) -> SheetSpec:
    """A data sheet: ``frame`` as given (the user's headers), as an Excel Table with number
    formats taken from the canonical column each header maps to. A table longer than an
    Excel sheet (1,048,576 rows with the header) is an :class:`~crm_xl.errors.InputError`.

    ``sample_of``: ``frame`` is the first rows of a source table of that many rows (a large
    database or Parquet table, :func:`crm_xl.sources.sheet_rows_limit`): a note above the
    table says so."""
    t = TABLES[table_key]
    if len(frame) >= EXCEL_MAX_ROWS:
        from ..errors import InputError

        raise InputError(f"「{t.sheet_name(lang)}」有 {len(frame):,} 行数据，超过 Excel 工作表的上限（1,048,575 行数据），"
                         "无法写入新工作簿。请按时间拆分导出文件，或把报表写入已有工作簿（不复制数据）。",
                         f"'{t.sheet_name(lang)}' has {len(frame):,} data rows, more than an Excel sheet holds (1,048,575); "
                         "it cannot be copied into a new workbook. Split the export (e.g. by period), or refresh an existing "
                         "workbook instead.", sheet=sheet_name or t.sheet_name(lang))
    mapping = map_headers(list(frame.columns), t, strict=False)
    kinds = {mapping.source_headers[i]: t.column(k).kind for i, k in mapping.columns.items()}
    cols = []
    data = {}
    for j, h in enumerate(frame.columns):
        key = f"c{j}"
        known = kinds.get(str(h))
        kind: Kind = KIND_TO_SPEC.get(known, "general") if known is not None else "general"
        cols.append(ColumnSpec(key=key, header=str(h), kind=kind))
        data[key] = frame.iloc[:, j].to_numpy()
    block = TableBlock(name=TABLE_NAMES[table_key], columns=tuple(cols), data=pd.DataFrame(data),
                       style="TableStyleLight9")
    if sample_of is not None:
        blocks = stack([TextBlock((_sample_note(len(frame), sample_of, lang),), style="note"), block])
        return SheetSpec(name=sheet_name or t.sheet_name(lang), blocks=blocks,
                         freeze=f"A{as_table(blocks[1]).first_data_row}",
                         kind="data", tab_color="A6A6A6")
    return SheetSpec(name=sheet_name or t.sheet_name(lang), blocks=(block,), freeze="A2", kind="data",
                     tab_color="A6A6A6")


def _sample_note(shown: int, total: int, lang: str) -> str:
    if lang == "zh":
        return (f"样例：数据源中这张表共有 {total:,} 行，这里只复制了前 {shown:,} 行；分析使用了全部 {total:,} 行，"
                "数据仍留在数据源中（上限见「设置」的 source.sheet_rows）。清空 source.url 后刷新会只读取这些样例行。")
    return (f"Sample: this table has {total:,} rows in the source; only the first {shown:,} are copied here. The "
            f"analysis used all {total:,}; the data stays in the source (the limit is source.sheet_rows on Settings). "
            "Clearing source.url makes a refresh read only these sample rows.")


_LOG_HEADERS = {
    "zh": {"sheet": "工作表", "row": "行号", "column": "列", "old_value": "原值", "new_value": "新值",
           "rule": "规则", "reason": "原因"},
    "en": {"sheet": "Sheet", "row": "Row", "column": "Column", "old_value": "Old value", "new_value": "New value",
           "rule": "Rule", "reason": "Reason"},
}


def cleaning_log_sheet(log: pd.DataFrame, *, lang: str = "zh") -> SheetSpec:
    """The 清洗日志: one row per changed or rejected cell."""
    h = _LOG_HEADERS[lang]
    cols = tuple(ColumnSpec(k, h[k], "int" if k == "row" else "text") for k in h)
    shown = log.iloc[:MAX_LOG_ROWS]
    count = (f"共 {len(log)} 条记录。" if lang == "zh" else f"{len(log)} entries.")
    if len(shown) < len(log):  # an Excel sheet holds 1,048,576 rows
        count += (f"只列出前 {len(shown)} 条（Excel 工作表的行数上限），其余 {len(log) - len(shown)} 条未列出。" if lang == "zh"
                  else f" Only the first {len(shown)} are listed (an Excel sheet's row limit); {len(log) - len(shown)} are not.")
    intro = TextBlock((
        "清洗日志：每一行是一处被修改或剔除的单元格。原始数据表保持不变。" if lang == "zh"
        else "Cleaning log: one row per changed or rejected cell. The data sheets themselves are never modified.",
        count,
    ), style="note")
    table = TableBlock(name="CleaningLog", columns=cols, data=shown.reset_index(drop=True), style="TableStyleLight1")
    blocks = stack([intro, table])
    return SheetSpec(name=LOG_SHEET_NAME[lang], blocks=blocks, kind="log", freeze=f"A{as_table(blocks[1]).first_data_row}")


def guide_sheet(*, lang: str = "zh", summary: list[str] | None = None) -> SheetSpec:
    """The 说明 sheet: what the workbook is and how to use it, in plain words."""
    if lang == "zh":
        title = "客户关系管理（CRM）分析报告"
        body = [
            "本工作簿由 crm_xl 生成。数据表（客户、订单、互动、线索、活动、销售目标）存放原始数据，不会被修改。",
            "使用方法：把 CRM 导出的数据粘贴到对应的数据表（表头可用模板名称，也可用 Salesforce、钉钉、用友等导出的原始表头），",
            "然后在命令行运行 crm-xl report 本文件.xlsx，或在 Excel 中点击「CRM 分析」选项卡的按钮，报告工作表会重新生成。",
            "清洗日志：列出清洗时修改或剔除的每个单元格（工作表、行号、列、原值、新值、规则、原因）。",
        ]
    else:
        title = "CRM analysis report"
        body = [
            "Generated by crm_xl. The data sheets (Customers, Orders, Interactions, Leads, Campaigns, Sales Targets) hold the raw data and are never modified.",
            "How to use: paste your CRM export into the matching data sheet (template headers or the export's own: Salesforce, DingTalk, Yonyou, ...),",
            "then run `crm-xl report this_file.xlsx` or press the buttons on Excel's 'CRM 分析' tab; the report sheets are regenerated.",
            "Cleaning Log: every cell changed or rejected while cleaning (sheet, row, column, old value, new value, rule, reason).",
        ]
    blocks = [TextBlock((title,), style="title"), TextBlock(tuple(body))]
    if summary:
        blocks.append(TextBlock(tuple(summary), style="body"))
    return SheetSpec(name=GUIDE_SHEET_NAME[lang], blocks=stack(blocks), kind="guide", column_widths=((1, 120),),
                     landscape=False)
