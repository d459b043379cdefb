"""Codes remembered with a text column (:func:`crm_xl.core.codes.remember_codes`): looking the
column up gives what looking every text up gives, and a filtered column is looked up as usual."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_xl.core.codes import carry_codes, known_codes, lookup_objects, remember_codes
from crm_xl.core.text import STR_IS_TEXT_DTYPE, text_array

pytestmark = pytest.mark.skipif(not STR_IS_TEXT_DTYPE, reason="codes are tied to pandas 3's pyarrow text arrays")


def coded(n: int = 30_000, seed: int = 1) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    slots = np.array([f"C{i:05d}" for i in range(500)] + ["C00007", np.nan], dtype=object)  # a repeat, a missing
    codes = rng.integers(0, len(slots), n)
    column = pd.Series(text_array(slots).take(codes))
    remember_codes(column, codes, slots)
    return column, codes, slots


def test_a_remembered_column_is_looked_up_as_its_texts():
    column, codes, slots = coded()
    index = pd.Index([f"C{i:05d}" for i in range(0, 600, 3)], dtype="str")
    assert known_codes(column) is not None
    assert known_codes(column.copy()) is not None  # (a copy shares the pyarrow array)
    want = index.get_indexer(pd.Index(column.to_numpy(dtype=object), dtype="str"))
    np.testing.assert_array_equal(lookup_objects(index, column), want)
    with_missing = index.append(pd.Index([np.nan], dtype="str"))
    np.testing.assert_array_equal(lookup_objects(with_missing, column),
                                  with_missing.get_indexer(pd.Index(column.to_numpy(dtype=object), dtype="str")))


def test_a_filtered_column_has_no_codes_and_a_stacked_one_carries_them():
    column, codes, slots = coded()
    assert known_codes(column[column.index % 2 == 0]) is None
    few = pd.Series(["C00003", None, "X9"], dtype="str")
    stacked = pd.concat([few, column], ignore_index=True)
    order = np.random.default_rng(2).permutation(len(stacked))
    out = stacked.iloc[order].reset_index(drop=True)
    carry_codes([few, column], order, out)
    got = known_codes(out)
    assert got is not None
    texts = out.to_numpy(dtype=object)
    back = got[1][got[0]]
    assert all((a == b) or (pd.isna(a) and pd.isna(b)) for a, b in zip(texts, back, strict=True))


def test_factorising_and_membership_from_the_codes():
    from crm_xl.core.codes import factorize_known, isin_texts

    column, _, _ = coded()
    codes, uniques = factorize_known(column)
    want_codes, want_uniques = pd.factorize(column.to_numpy(dtype=object), sort=True)
    np.testing.assert_array_equal(codes, want_codes)
    assert list(uniques) == list(want_uniques)
    wanted = {"C00007", "C00100", "nope"}
    np.testing.assert_array_equal(isin_texts(column, wanted), column.isin(wanted).to_numpy())


def test_text_codes_are_the_texts_of_the_column():
    """Engine codes (a repeated text, a missing slot), a pyarrow column, an object column mixing
    1 and "1": each row's text (None where missing) is ``texts[code]``; ``texts`` distinct."""
    from crm_xl.core.codes import text_codes, used_codes

    column, _, _ = coded()
    plain = pd.Series(column.to_numpy(dtype=object), dtype="str")  # (the same texts, no codes)
    mixed = pd.Series(np.array([1, "1", None, "x", 2.5] * 3000, dtype=object))
    for c in (column, plain, mixed):
        codes, texts = text_codes(c)
        assert codes.dtype == np.int32 and len(set(texts)) == len(texts)
        want = [None if pd.isna(v) else str(v) for v in c.astype(object)]
        assert [texts[k] if k >= 0 else None for k in codes] == want
        some = codes[: len(codes) // 3][::7]
        fewer, kept = used_codes(some, texts)
        assert [kept[k] if k >= 0 else None for k in fewer] == [texts[k] if k >= 0 else None for k in some]
        assert set(kept) == {texts[k] for k in some if k >= 0}
