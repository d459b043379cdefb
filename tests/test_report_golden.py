"""Golden workbook of the seeded demo report (issue 5 tests): cell values, number formats,
table ranges, validations, conditional-format ranges, frozen panes, chart types and series
references of every report sheet, compared with ``tests/golden/report_demo_{lang}.json``.

The golden file pins the *whole* layout so an unintended change shows up as a readable
diff; the values in it are checked elsewhere by hand (tests/test_report.py, the Template 1
rows in tests/test_rfm.py, KPI formulas in tests/test_kpis.py). After an intended change,
regenerate with ``CRM_XL_UPDATE_GOLDEN=1 python -m pytest tests/test_report_golden.py`` and
review the JSON diff in the commit.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from crm_xl.demo import generate_demo
from crm_xl.render.xlsx import render_workbook
from crm_xl.report.build import build_report
from crm_xl.settings import AnalysisSettings

from . import golden

GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_demo_report_matches_the_golden_workbook(tmp_path, lang):
    run = build_report(generate_demo(30, seed=7, lang=lang), AnalysisSettings(lang=lang))
    path = render_workbook(run.spec, tmp_path / "report.xlsx")
    target = GOLDEN / f"report_demo_{lang}.json"
    if os.environ.get("CRM_XL_UPDATE_GOLDEN"):
        golden.save_golden(path, target)
    golden.assert_golden(path, target)
