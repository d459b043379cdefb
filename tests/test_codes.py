"""Text codes of a column (:func:`crm_xl.core.codes.text_codes`): each row's text is its code's."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_xl.core.text import text_array


def test_text_codes_are_the_texts_of_the_column():
    """A text column (a repeated text, a missing one), as pyarrow text, as a categorical, an
    object column mixing 1 and "1": each row's text (None where missing) is ``texts[code]``;
    ``texts`` distinct."""
    from crm_xl.core.codes import text_codes, used_codes

    rng = np.random.default_rng(1)
    slots = np.array([f"C{i:05d}" for i in range(500)] + ["C00007", np.nan], dtype=object)  # a repeat, a missing
    column = pd.Series(text_array(slots).take(rng.integers(0, len(slots), 30_000)))
    plain = pd.Series(column.to_numpy(dtype=object), dtype="str")
    categorical = pd.Series(pd.Categorical(column.to_numpy(dtype=object)))
    mixed = pd.Series(np.array([1, "1", None, "x", 2.5] * 3000, dtype=object))
    for c in (column, plain, categorical, mixed):
        codes, texts = text_codes(c)
        assert codes.dtype == np.int32 and len(set(texts)) == len(texts)
        want = [None if pd.isna(v) else str(v) for v in c.astype(object)]
        assert [texts[k] if k >= 0 else None for k in codes] == want
        some = codes[: len(codes) // 3][::7]
        fewer, kept = used_codes(some, texts)
        assert [kept[k] if k >= 0 else None for k in fewer] == [texts[k] if k >= 0 else None for k in some]
        assert set(kept) == {texts[k] for k in some if k >= 0}
