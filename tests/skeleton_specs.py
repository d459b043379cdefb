"""Hand-made specs that use every feature the package skeleton draws (tests/test_skeleton_direct.py)."""

from __future__ import annotations

import pandas as pd

from crm_xl.report.spec import (
    ChartSpec,
    ColumnSpec,
    ConditionalFormat,
    ReportSpec,
    SheetSpec,
    TableBlock,
    TextBlock,
)

ODD = 'a<b>&"c\' \t d\U0001F600 é 客户'


def _table(name: str, n: int, row: int = 1, col: int = 1, **kw) -> TableBlock:
    cols = (ColumnSpec("cat", "类别 & <cat>"), ColumnSpec("a", "A值", "int", comment="说明 " + ODD),
            ColumnSpec("b", "B 'rate'", "percent", validation=("是", "否", "x&y")),
            ColumnSpec("c", "C money", "money2", fill="FFEEDD", wrap=True), ColumnSpec("d", "D", "date", align="left"),
            ColumnSpec("e", "E", "number", fmt='#,##0.0"元"'), ColumnSpec("f", "F", "ratio", editable=True))
    data = pd.DataFrame({"cat": [f"c{i}" for i in range(n)], "a": range(n), "b": [i / 10 for i in range(n)],
                         "c": [i * 1.5 for i in range(n)], "d": pd.date_range("2024-01-01", periods=n),
                         "e": [i * 2.0 for i in range(n)], "f": [0.5] * n})
    cfs = (ConditionalFormat("cat", "equals", 'c1"<', "C6EFCE"),
           ConditionalFormat("a", "formula", "={col}{row}>2", "FFC7CE", font_color="9C0006", bold=True),
           ConditionalFormat("b", "formula", "={col}{row}<0.5", "FFEB9C", whole_row=True, font_color="9c5700"),
           ConditionalFormat("cat", "equals", "c2", "C6EFCE"),
           ConditionalFormat("a", "equals", "x", "EDEDED", bold=True))
    return TableBlock(name, cols, data, row=row, col=col, key_columns=("cat",), conditional_formats=cfs, **kw)


def _charts(table: str) -> tuple[ChartSpec, ...]:
    return (
        ChartSpec("pie", "饼 " + ODD, table, "cat", ("a",), "J2"),
        ChartSpec("column", "col", table, "cat", ("a",), "J20", width_cm=10.5, height_cm=7.25),
        ChartSpec("column", "col2", table, "cat", ("a", "c"), "J40", y_axis_title="Y " + ODD, x_axis_title="X",
                  data_labels=True),
        ChartSpec("bar", "bar", table, "cat", ("a", "e"), "R2", secondary=("e",)),
        ChartSpec("funnel", "funnel", table, "cat", ("a",), "R20"),
        ChartSpec("line", "line", table, "cat", ("a", "b", "e"), "R40", secondary=("b", "e"), y_axis_title="y"),
        ChartSpec("line", "line1", table, "cat", ("b",), "AA2", data_labels=True, x_axis_title="月"),
        ChartSpec("column", "colsec", table, "cat", ("a", "b"), "AA20", secondary=("b",), data_labels=True),
        ChartSpec("line", "onlysec", table, "cat", ("b",), "AA40", secondary=("b",)),
    )


def feature_spec(n: int = 5, lang: str = "zh", created: str | None = None) -> ReportSpec:
    """Every feature at once: text styles, merges, wrap, tables of every kind, charts of every kind
    (on their own sheet and across sheets), validations, conditional formats, comments, freeze
    panes, tab colours, gridlines, print set-up, odd sheet names and texts."""
    t1 = _table("Main", n, row=4)
    texts = (TextBlock(("标题 " + ODD,), "title", merge_cols=6), TextBlock(("note", "第二行\n换行"), "note", row=2, wrap=True))
    s1 = SheetSpec("数据 'one' & <x>", texts + (t1,), charts=_charts("Main"), tab_color="2E75B6", freeze="C5")
    t2 = _table("Other", 0, row=3, title="小表 " + ODD, style="TableStyleLight9")
    t3 = TableBlock("Plain", (ColumnSpec("k", "K"), ColumnSpec("v", "V", "int")),
                    pd.DataFrame({"k": ["a", "b"], "v": [1, 2]}), row=12, col=3, as_excel_table=False,
                    conditional_formats=(ConditionalFormat("v", "equals", "1", "DDEBF7", whole_row=True),))
    s2 = SheetSpec("Two", (TextBlock(("h1", "h2"), "heading", merge_cols=3), t2, t3), freeze="A3", landscape=False,
                   gridlines=True, fit_width=False, column_widths=((9, 30.0), (2, 12.5)), kind="settings",
                   charts=(ChartSpec("column", "cross", "Main", "cat", ("e",), "H2"),))
    t4 = _table("Single", 1, col=2)
    s3 = SheetSpec("S3", (t4,), freeze="B1", print_title_rows=(1, 2), tab_color="00FF00AA", kind="data",
                   charts=(ChartSpec("line", "one row", "Single", "cat", ("a", "b"), "M3"),))
    s4 = SheetSpec("Empty", (TextBlock(("only text",), "body", wrap=True), TextBlock(("x",), row=3, col=2, merge_cols=2)),
                   freeze="A1", fit_width=True, landscape=True)
    props = [("title", "T " + ODD), ("subject", "S"), ("creator", "me & you"), ("keywords", "k1, k2"),
             ("description", "d"), ("category", "c")]
    if created:
        props.append(("created", created))
    return ReportSpec((s1, s2, s3, s4), lang=lang, properties=tuple(props))
