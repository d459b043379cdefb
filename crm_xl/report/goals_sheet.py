"""The 分析目标 sheet (seed 000 step 1, 分析目标说明书): goal, customer group, time window,
dimensions, analyst, audience, notes. The user edits the 内容 column; the report reads it
back (:mod:`crm_xl.report.inputs`) and echoes it in 结论与建议."""

from __future__ import annotations

__all__ = ["goals_sheet", "GOALS_TABLE"]

import pandas as pd

from ..sheet_names import sheet_name
from ..texts import Texts
from .common import title_blocks
from .inputs import default_goals, goal_labels
from .spec import INPUT_FILL, ColumnSpec, SheetSpec, TableBlock, stack

GOALS_TABLE = "Goals"

TEXTS = Texts({
    "title": ("分析目标说明书", "Analysis brief"),
    "note": ("分析目标说明书：请在「内容」列填写本次分析的目标、客户群体、时间范围和分析维度；"
             "报告会读取这些内容并写入「结论与建议」。「项目」列请勿修改。",
             "Analysis brief: fill in the 'Content' column (goal, customer group, time window, dimensions); "
             "the report reads it and repeats it in Conclusions. Do not edit the 'Item' column."),
    # the table's columns
    "item": ("项目", "Item"),
    "content": ("内容", "Content"),
})


def goals_sheet(goals: dict[str, str] | None, lang: str = "zh") -> SheetSpec:
    t = TEXTS.lang(lang)
    g = {**default_goals(lang), **(goals or {})}
    labels = goal_labels(lang)
    data = pd.DataFrame({
        "item": list(labels.values()),
        "content": [g.get(k, "") for k in labels],
    })
    cols = (
        ColumnSpec("item", t.item, "text", width=16),
        ColumnSpec("content", t.content, "text", width=90, wrap=True, fill=INPUT_FILL),
    )
    table = TableBlock(name=GOALS_TABLE, columns=cols, data=data, style="TableStyleLight9")
    blocks = stack([*title_blocks(t.title, t.note), table])
    return SheetSpec(name=sheet_name("goals", lang), blocks=blocks, kind="settings", tab_color="7F7F7F",
                     landscape=False)
