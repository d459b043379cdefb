"""Big sources (issue 19): a database or Parquet table longer than ``--sheet-rows`` (row
source.sheet_rows of 设置, default 100,000) is not copied into the new workbook: its data sheet
holds the first rows and a note with the table's row count; the analysis uses every row."""

from __future__ import annotations

import pandas as pd
import pytest

from crm_xl.errors import InputError
from crm_xl.report.build import build_report
from crm_xl.settings import AnalysisSettings
from crm_xl.sources import DEFAULT_SHEET_ROWS, SourceSpec, read_source, sheet_rows_limit
from tests.test_sources import (  # noqa: F401
    DATA_SHEETS,
    _source_rows,
    assert_same_report,
    demo,
    files,
    from_csv,
    report,
    sheets,
    sqlite_db,
)


def test_large_tables_become_a_sample_with_a_note(sqlite_db, demo, from_csv, tmp_path):  # noqa: F811
    out = report(tmp_path / "r.xlsx", "--source", f"sqlite://{sqlite_db}", "--sheet-rows", "100")
    book = sheets(out)
    assert _source_rows(out)["sheet_rows"] == "100"
    for name, table in (("订单", "orders"), ("客户", "customers"), ("互动", "interactions"), ("线索", "leads")):
        rows = [r for r in book[name] if any(v not in ("", None) for v in r)]
        total = len(demo[table])
        assert total > 100
        note = rows[0][0]
        assert f"共有 {total:,} 行" in note and "前 100 行" in note, note
        assert rows[1] == list(demo[table].columns)  # the header, then the first 100 rows
        assert len(rows) == 2 + 100
    for name, table in (("活动", "campaigns"),):  # short tables: copied whole, no note
        rows = [r for r in book[name] if any(v not in ("", None) for v in r)]
        assert rows[0] == list(demo[table].columns) and len(rows) == 1 + len(demo[table])
    # every report sheet is the one the whole data gives
    assert_same_report(out, from_csv, skip=DATA_SHEETS)


def test_sample_sheet_in_english_and_the_analysis_unchanged(sqlite_db, demo):  # noqa: F811
    url = f"sqlite://{sqlite_db}"
    raw = read_source(SourceSpec(url))
    s = AnalysisSettings(lang="en", source=SourceSpec(url, sheet_rows=10).to_settings())
    run = build_report(raw, s, include_data_sheets=True)
    orders = next(sh for sh in run.spec.sheets if sh.name == "Orders")
    note, table = orders.blocks
    assert note.lines[0].startswith(f"Sample: this table has {len(demo['orders']):,} rows in the source; only the "
                                    "first 10 are copied here.")
    assert len(table.data) == 10
    assert orders.freeze == f"A{table.first_data_row}"
    full = build_report(read_source(SourceSpec(url)), AnalysisSettings(lang="en", source=SourceSpec(url).to_settings()),
                        include_data_sheets=True)
    assert run.summary == full.summary
    pd.testing.assert_frame_equal(run.result.rfm, full.result.rfm)


def test_sheet_rows_setting():
    assert sheet_rows_limit(()) == DEFAULT_SHEET_ROWS == 100_000
    assert sheet_rows_limit((("sheet_rows", "2,000"),)) == 2000
    assert sheet_rows_limit((("sheet_rows", "500.0"),)) == 500  # an Excel number cell read back
    spec = SourceSpec.from_settings((("url", "sqlite://x.db"), ("sheet_rows", "50")))
    assert spec.sheet_rows == 50 and ("sheet_rows", "50") in spec.to_settings()
    assert "sheet_rows" not in dict(SourceSpec("sqlite://x.db").to_settings())
    for bad in ("-1", "1.5", "many"):
        with pytest.raises(InputError, match="source.sheet_rows"):
            sheet_rows_limit((("sheet_rows", bad),))
