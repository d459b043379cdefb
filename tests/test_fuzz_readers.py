"""Fuzzing the xlsx/xls/csv readers (issue 10, item 2): hypothesis mutates real files
(raw bytes, or one XML part of a zip package re-zipped) and feeds them to
``read_sources`` and the pipeline; only ``CrmXlError`` may come out, each file within a
bounded time. ``CRM_XL_FUZZ_EXAMPLES`` raises the number of examples (default 150, a
CI-friendly ~30 s); ``python tests/corpus/report.py`` runs a longer session and records it
in docs/reliability.md."""

import os
import pathlib
import time

import pytest
from hypothesis import HealthCheck, given, settings

from tests.corpus.fuzz import mutations, run_one, seeds

EXAMPLES = int(os.environ.get("CRM_XL_FUZZ_EXAMPLES", "150"))


_SEEDS: dict = {}


@pytest.fixture(scope="module")
def seed_bytes(tmp_path_factory):
    if not _SEEDS:
        _SEEDS.update(seeds(tmp_path_factory.mktemp("fuzz_seeds")))
    return _SEEDS


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


def test_seeds_are_readable(seed_bytes, work):
    from crm_xl.io import read_sources

    for name, data in seed_bytes.items():
        p = work / name
        p.write_bytes(data)
        assert read_sources([p]), name


NAMES = ["orders.xlsx", "orders.xls", "订单.csv", "gbk.csv", "utf16.csv", "demo.xlsx"]


@pytest.mark.slow
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(m=mutations(NAMES))
def test_mutated_files_give_only_documented_errors(seed_bytes, work, m):
    # (the seeds reach run_one through _SEEDS, so a failure report prints the mutation only)
    t = time.perf_counter()
    run_one(_SEEDS, pathlib.Path(work), m)
    assert time.perf_counter() - t < 20  # bounded time per file (generous for slow CI)


REFRESH_EXAMPLES = int(os.environ.get("CRM_XL_FUZZ_REFRESH_EXAMPLES", "40"))


@pytest.mark.slow
@settings(max_examples=REFRESH_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(m=mutations(["demo.xlsx"]))
def test_mutated_report_books_refresh_or_stay_unchanged(seed_bytes, work, m):
    """``crm-xl report BOOK`` on a damaged report workbook: refused with a CrmXlError and
    the file byte-identical, or refreshed into a consistent package."""
    from tests.corpus.fuzz import refresh_one

    folder = pathlib.Path(work) / "refresh"
    folder.mkdir(exist_ok=True)
    refresh_one(_SEEDS, folder, m)
