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
from ..texts import Texts, language_index
from .common import title_blocks
from .spec import INPUT_FILL, ColumnSpec, SheetSpec, TableBlock, as_table, stack

MAPPING_TABLE = "FieldMapping"
_FIELDS_TABLE = "KnownFields"

TEXTS = Texts({
    "title": ("字段映射", "Field mapping"),
    "note": ("每个输入文件（或数据工作表）的每一列对应到哪个字段。若识别有误，修改「数据表」或「对应字段」（可用字段见右侧，"
             "「忽略」或「（不使用）」表示不用），再运行报告即可生效；命令行也可用 --map 文件:原表头=字段 和 --table 订单=文件。",
             "Which field every column of every input (file or data sheet) was read as. If one is wrong, change 'Table' or "
             "'Field' (known fields on the right; 'skip' / '(not used)' leaves it out) and run the report again; on the "
             "command line: --map FILE:HEADER=FIELD and --table orders=FILE."),
    # the known fields, right of the mapping
    "table": ("数据表", "Table"),
    "required": ("必需字段", "Required"),
    "fields": ("可用字段", "Fields"),
    "list_sep": ("、", ", "),
    "alternatives": ("（或{fields}）", " (or {fields})"),
    "alternative_sep": ("＋", " + "),
})


def _label(key: str, lang: str) -> str:
    """A column header of MAPPING_HEADERS (one text per language of texts.LANGUAGES, in that order)."""
    return MAPPING_HEADERS[key][language_index(lang)]


def mapping_sheet(mappings: Sequence[SourceMapping], lang: str = "zh") -> SheetSpec:
    t = TEXTS.lang(lang)
    rows = [r for m in mappings for r in m.rows(lang)]
    keys = ("source", "file", "table", "header", "field", "origin", "sample")
    data = pd.DataFrame({k: [r[k] for r in rows] for k in keys}, dtype=object)
    widths = {"source": 22, "file": 22, "table": 12, "header": 26, "field": 18, "origin": 14, "sample": 30}
    cols = tuple(ColumnSpec(k, _label(k, lang), "text", width=widths[k],
                            fill=INPUT_FILL if k in ("table", "field") else None) for k in keys)
    table = TableBlock(name=MAPPING_TABLE, columns=cols, data=data, style="TableStyleLight9")
    known = pd.DataFrame({
        "table": [tb.sheet_name(lang) for tb in TABLES.values()],
        "fields": [t.list_sep.join(c.label(lang) for c in tb.recognised) for tb in TABLES.values()],
        "required": [t.list_sep.join(
            tb.column(k).label(lang) + (t("alternatives", fields=t.alternative_sep.join(
                tb.column(a).label(lang) for a in dict(tb.alternatives)[k])) if k in dict(tb.alternatives) else "")
            for k in tb.required) for tb in TABLES.values()],
    }, dtype=object)
    fields = TableBlock(name=_FIELDS_TABLE, columns=(
        ColumnSpec("table", t.table, "text", width=12),
        ColumnSpec("required", t.required, "text", width=40),
        ColumnSpec("fields", t.fields, "text", width=100, wrap=False),
    ), data=known, style="TableStyleLight1")
    blocks = stack([*title_blocks(t.title, t.note), table])
    # the known fields to the right of the mapping (their long texts would widen its columns)
    side = stack([fields], start_row=blocks[-1].row, col=len(cols) + 2)
    return SheetSpec(name=sheet_name("mapping", lang), blocks=blocks + side, kind="settings",
                     freeze=f"A{as_table(blocks[-1]).first_data_row}", tab_color="7F7F7F", landscape=True)
