"""The 设置 sheet: every analysis setting as name / value / description rows, editable.

The report reads this sheet back before each run (:mod:`crm_xl.report.inputs`), so a user
changes a breakpoint here and refreshes. In formula mode the RFM formulas refer to the
breakpoint cells of this sheet by defined name (:data:`SETTING_NAMES`).
"""

from __future__ import annotations

__all__ = ["settings_sheet", "SETTINGS_TABLE"]

from ..settings import AnalysisSettings, settings_to_rows
from ..sheet_names import sheet_name
from ..texts import Texts
from .common import title_blocks
from .spec import INPUT_FILL, ColumnSpec, SheetSpec, TableBlock, as_table, stack

SETTINGS_TABLE = "Settings"

TEXTS = Texts({
    "title": ("分析设置", "Analysis settings"),
    "note": ("修改「值」列后重新运行报告（crm-xl report 或 Excel 中的「CRM 分析」按钮）即可生效；"
             "「名称」列请勿修改。列表用逗号分隔（如 30, 60, 90, 180），留空表示“不限/默认”。",
             "Edit the 'value' column, then run the report again (crm-xl report or the 'CRM 分析' buttons). "
             "Do not change the 'name' column. Lists are comma separated (30, 60, 90, 180); blank means none/default."),
    # the table's columns
    "name": ("名称", "name"),
    "value": ("值", "value"),
    "description": ("说明", "description"),
})


def settings_sheet(settings: AnalysisSettings, notes: "tuple[str, ...] | list[str]" = ()) -> SheetSpec:
    """The 设置 sheet; ``notes`` are extra lines under the title (e.g. what score_mode auto
    decided for this data)."""
    lang = settings.lang
    t = TEXTS.lang(lang)
    rows = settings_to_rows(settings)
    cols = (
        ColumnSpec("name", t.name, "text", width=34),
        ColumnSpec("value", t.value, "general", width=40, align="left", fill=INPUT_FILL),
        ColumnSpec("description", t.description, "text", width=90, wrap=False),
    )
    table = TableBlock(name=SETTINGS_TABLE, columns=cols, data=rows, style="TableStyleLight9")
    blocks = stack([*title_blocks(t.title, t.note, *notes), table])
    return SheetSpec(name=sheet_name("settings", lang), blocks=blocks, kind="settings",
                     freeze=f"B{as_table(blocks[-1]).first_data_row}", tab_color="7F7F7F", landscape=False)
