"""The bad-input corpus (issue 10, item 1): every case in ``tests/corpus/make_corpus.py``
gives its expected outcome -- a cleaned value, a named error with sheet/row/column, or a
cleaning-log entry -- never a crash, never a changed input file, never a leftover
temporary file. ``python tests/corpus/report.py`` writes the same results as the table in
``docs/reliability.md``."""

import pytest

from tests.corpus.make_corpus import CASES
from tests.corpus.runner import run_case, verify


def _param(c):
    marks = [pytest.mark.slow] if c.slow else []
    if c.needs == "libreoffice":
        marks.append(pytest.mark.libreoffice)
    return pytest.param(c, id=f"{c.id}-{c.area}", marks=marks)


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("corpus")


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_corpus_case(case, corpus_dir):
    outcome = run_case(case, corpus_dir)
    problems = verify(outcome)
    assert not problems, f"{case.id} {case.title}:\n" + "\n".join(problems)


def test_corpus_is_large_enough():
    assert len(CASES) >= 60
    assert {c.area for c in CASES} == {"intake", "cleaning", "analysis", "report"}
    assert len({c.id for c in CASES}) == len(CASES)
