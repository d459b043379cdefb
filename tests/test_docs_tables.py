"""The tables of docs/analytics.md that list declarations are made from them (issue 18: one
home for each rule): the settings table from ``settings/model.py``'s declarations, the KPI
table from ``core/kpis/definitions.KPIS``. A setting or KPI added, removed or reworded there
fails this test until the doc is regenerated:

    CRM_XL_UPDATE_DOCS=1 python -m pytest tests/test_docs_tables.py

Each table sits between ``<!-- generated: NAME -->`` and ``<!-- end generated -->``.
"""

import os
import pathlib
import re

import pytest

from crm_xl.core.kpis.definitions import KPIS
from crm_xl.settings.model import _FIELDS

DOC = pathlib.Path(__file__).parents[1] / "docs" / "analytics.md"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def settings_table() -> str:
    rows = [f"| `{name}` | {_cell(en)} / {_cell(zh)} |" for name, (_kind, zh, en) in _FIELDS.items()]
    return "\n".join(["| name | meaning |", "|---|---|", *rows])


def kpi_table() -> str:
    rows = [f"| `{k.key}` | {_cell(k.zh)} / {_cell(k.en)} | {_cell(k.formula_zh)}; {_cell(k.formula_en)} |"
            for k in KPIS]
    return "\n".join(["| key | label | formula |", "|---|---|---|", *rows])


TABLES = {"settings": settings_table, "kpis": kpi_table}
_BLOCK = re.compile(r"(<!-- generated: (\w+) -->\n)(.*?)(\n<!-- end generated -->)", re.S)


@pytest.mark.parametrize("name", sorted(TABLES))
def test_the_doc_table_is_made_from_the_declarations(name):
    doc = DOC.read_text(encoding="utf-8")
    blocks = {m.group(2): m for m in _BLOCK.finditer(doc)}
    assert name in blocks, f"docs/analytics.md has no '<!-- generated: {name} -->' block"
    want = TABLES[name]()
    if os.environ.get("CRM_XL_UPDATE_DOCS"):
        m = blocks[name]
        DOC.write_text(doc[:m.start(3)] + want + doc[m.end(3):], encoding="utf-8")
        return
    assert blocks[name].group(3) == want, "regenerate: CRM_XL_UPDATE_DOCS=1 python -m pytest tests/test_docs_tables.py"


def test_the_tables_name_every_declaration():
    """(the generator itself: one row per setting of the 设置 sheet and per KPI)"""
    assert settings_table().count("\n| `") == len(_FIELDS) and "`churn_rate_target`" in settings_table()
    assert kpi_table().count("\n| `") == len(KPIS) and "`nps`" in kpi_table()
