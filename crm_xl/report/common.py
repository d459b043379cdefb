"""Small pieces the sheet builders share: unit -> column kind, risk and layer colours, the
title block."""

from __future__ import annotations

from ..a1 import column_letter

__all__ = ["UNIT_KIND", "RISK_FILLS", "LAYER_FILLS", "RFM11_FILLS", "layer_fills", "title_blocks", "col_letter", "zh"]

from .spec import Kind, TextBlock

# KPI unit (crm_xl.core.kpis.KpiDef.unit) -> ColumnSpec kind
UNIT_KIND: dict[str, Kind] = {"count": "int", "money": "money", "ratio": "percent", "score": "ratio", "nps": "number"}

RISK_FILLS = {"high": ("FFC7CE", "9C0006"), "medium": ("FFEB9C", "9C5700"), "low": ("C6EFCE", "006100")}

# layer key -> (fill, font colour or None): the score / rules layers ...
LAYER_FILLS = {"high_value": ("C6EFCE", None), "potential": ("FFEB9C", None), "regular": ("DDEBF7", None),
               "at_risk": ("FFC7CE", None), "unclassified": ("EDEDED", None)}
# ... and the 11 segments of the R x FM map (layer_mode="rfm11"), in crm_xl.settings.RFM11_KEYS
# order: value segments green, development blue, retention amber (darker = more value at
# stake), lost grey; within a family the stronger shade marks the more valuable segment
RFM11_FILLS = {
    "champions": ("A9D08E", "375623"), "loyal": ("C6EFCE", "006100"),  # value
    "potential_loyalist": ("9BC2E6", "1F4E78"), "new_customers": ("BDD7EE", "1F4E78"),
    "promising": ("DDEBF7", "1F4E78"),  # development
    "need_attention": ("FFF2CC", "7F6000"), "about_to_sleep": ("FFE699", "7F6000"),
    "at_risk_rfm": ("FFD966", "7F6000"), "cant_lose": ("F4B084", "843C0C"),  # retention
    "hibernating": ("D9D9D9", "404040"), "lost": ("BFBFBF", "262626"),  # lost
}


def layer_fills(layer_mode: str) -> dict[str, tuple[str, str | None]]:
    """The layer colours of ``layer_mode``: the 11 segments (plus the fallback layer) in
    rfm11 mode, the seed layers otherwise."""
    if layer_mode == "rfm11":
        return {**RFM11_FILLS, "unclassified": LAYER_FILLS["unclassified"]}
    return dict(LAYER_FILLS)


def zh(lang: str) -> bool:
    return lang == "zh"


col_letter = column_letter  # 1 -> A, 27 -> AA (crm_xl.a1)


def title_blocks(title: str, *notes: str, merge_cols: int = 1) -> list[TextBlock]:
    """A title line and (optionally) note lines under it."""
    blocks = [TextBlock((title,), style="title")]
    lines = tuple(n for n in notes if n)
    if lines:
        blocks.append(TextBlock(lines, style="note", merge_cols=merge_cols))
    return blocks
