"""The 字段映射 sheet: how every input source was read, editable.

One row per header of every source (file or data sheet): its table (数据表), the field it
was mapped to (对应字段; "（不使用）" = left out), whether that was detected or set by the
user, and an example value. A source no table matches has one row with 数据表 = 忽略.
Changing 数据表 or 对应字段 and refreshing applies the change
(:func:`crm_xl.mapping.overrides_from_rows`, read back by :mod:`crm_xl.report.inputs`),
like the 设置 sheet. A second table, on the right, lists the fields each table knows.
"""

from __future__ import annotations

__all__ = ["mapping_sheet", "MAPPING_TABLE"]

from collections.abc import Sequence

import pandas as pd

from ..mapping import MAPPING_HEADERS, SourceMapping
from ..schema import TABLES
from ..sheet_names import sheet_name
from .common import title_blocks
from .spec import INPUT_FILL, ColumnSpec, SheetSpec, TableBlock, as_table, stack

MAPPING_TABLE = "FieldMapping"
_FIELDS_TABLE = "KnownFields"


def _label(key: str, lang: str) -> str:
    zh, en = MAPPING_HEADERS[key]
    return zh if lang == "zh" else en


def mapping_sheet(mappings: Sequence[SourceMapping], lang: str = "zh") -> SheetSpec:
    z = lang == "zh"
    rows = [r for m in mappings for r in m.rows(lang)]
    keys = ("source", "file", "table", "header", "field", "origin", "sample")
    data = pd.DataFrame({k: [r[k] for r in rows] for k in keys}, dtype=object)
    widths = {"source": 22, "file": 22, "table": 12, "header": 26, "field": 18, "origin": 14, "sample": 30}
    cols = tuple(ColumnSpec(k, _label(k, lang), "text", width=widths[k],
                            fill=INPUT_FILL if k in ("table", "field") else None) for k in keys)
    note = ("每个输入文件（或数据工作表）的每一列对应到哪个字段。若识别有误，修改「数据表」或「对应字段」（可用字段见右侧，"
            "「忽略」或「（不使用）」表示不用），再运行报告即可生效；命令行也可用 --map 文件:原表头=字段 和 --table 订单=文件。"
            if z else
            "Which field every column of every input (file or data sheet) was read as. If one is wrong, change 'Table' or "
            "'Field' (known fields on the right; 'skip' / '(not used)' leaves it out) and run the report again; on the "
            "command line: --map FILE:HEADER=FIELD and --table orders=FILE.")
    table = TableBlock(name=MAPPING_TABLE, columns=cols, data=data, style="TableStyleLight9")
    known = pd.DataFrame({
        "table": [t.sheet_name(lang) for t in TABLES.values()],
        "fields": [("、" if z else ", ").join(c.label(lang) for c in t.recognised) for t in TABLES.values()],
        "required": [("、" if z else ", ").join(
            t.column(k).label(lang) + (("（或" + "＋".join(t.column(a).label(lang) for a in dict(t.alternatives)[k]) + "）")
                                       if z and k in dict(t.alternatives) else
                                       (" (or " + " + ".join(t.column(a).label(lang) for a in dict(t.alternatives)[k]) + ")")
                                       if k in dict(t.alternatives) else "")
            for k in t.required) for t in TABLES.values()],
    }, dtype=object)
    fields = TableBlock(name=_FIELDS_TABLE, columns=(
        ColumnSpec("table", "数据表" if z else "Table", "text", width=12),
        ColumnSpec("required", "必需字段" if z else "Required", "text", width=40),
        ColumnSpec("fields", "可用字段" if z else "Fields", "text", width=100, wrap=False),
    ), data=known, style="TableStyleLight1")
    blocks = stack([*title_blocks("字段映射" if z else "Field mapping", note), table])
    # the known fields to the right of the mapping (their long texts would widen its columns)
    side = stack([fields], start_row=blocks[-1].row, col=len(cols) + 2)
    return SheetSpec(name=sheet_name("mapping", lang), blocks=blocks + side, kind="settings",
                     freeze=f"A{as_table(blocks[-1]).first_data_row}", tab_color="7F7F7F", landscape=True)
