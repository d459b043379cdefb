"""Small pieces the sheet builders share: unit -> column kind, risk colours, the title block."""

from __future__ import annotations

__all__ = ["UNIT_KIND", "RISK_FILLS", "title_blocks", "col_letter", "zh"]

from .spec import TextBlock

# KPI unit (crm_xl.core.kpis.KpiDef.unit) -> ColumnSpec kind
UNIT_KIND = {"count": "int", "money": "money", "ratio": "percent", "score": "ratio", "nps": "number"}

RISK_FILLS = {"high": ("FFC7CE", "9C0006"), "medium": ("FFEB9C", "9C5700"), "low": ("C6EFCE", "006100")}


def zh(lang: str) -> bool:
    return lang == "zh"


def col_letter(col: int) -> str:
    """1 -> A, 27 -> AA."""
    s = ""
    while col:
        col, rem = divmod(col - 1, 26)
        s = chr(65 + rem) + s
    return s


def title_blocks(title: str, *notes: str, merge_cols: int = 1) -> list[TextBlock]:
    """A title line and (optionally) note lines under it."""
    blocks = [TextBlock((title,), style="title")]
    lines = tuple(n for n in notes if n)
    if lines:
        blocks.append(TextBlock(lines, style="note", merge_cols=merge_cols))
    return blocks
