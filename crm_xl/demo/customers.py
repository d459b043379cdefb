"""The demo's customers: company names, owners by region, phone numbers, contracts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import vocab
from .sampling import _str_array


def _company_names(rng: np.random.Generator, city: np.ndarray, ind_idx: np.ndarray, size_idx: np.ndarray) -> np.ndarray:
    """城市 + 字号 + 行业词 + 有限公司 (股份/集团 for the largest), unique."""
    n = len(city)
    chars = np.array(vocab.BRAND_CHARS, dtype=object)
    words_by_ind = [np.array(i[3], dtype=object) for i in vocab.INDUSTRIES]
    suffix = np.where(size_idx == 3, np.where(rng.random(n) < 0.5, "集团有限公司", "股份有限公司"),
                      np.where((size_idx == 2) & (rng.random(n) < 0.3), "股份有限公司", "有限公司")).astype(object)
    names = np.empty(n, dtype=object)
    todo = np.arange(n)
    for _ in range(30):
        k = len(todo)
        a = rng.integers(0, len(chars), k)
        b = (a + rng.integers(1, len(chars), k)) % len(chars)  # two different characters
        word = np.empty(k, dtype=object)
        for j, words in enumerate(words_by_ind):
            m = ind_idx[todo] == j
            word[m] = words[rng.integers(0, len(words), int(m.sum()))]
        names[todo] = city[todo] + chars[a] + chars[b] + word + suffix[todo]
        dup = pd.Series(names).duplicated(keep="first").to_numpy()
        todo = np.flatnonzero(dup)
        if not len(todo):
            break
    for k, i in enumerate(todo):  # practically unreachable: number the few left
        names[i] = names[i].replace("有限公司", f"第{k + 2}分公司")
    return names


def _owners_for(rng: np.random.Generator, region: np.ndarray) -> np.ndarray:
    """An account owner from the salespeople covering each customer's region."""
    owners = np.empty(len(region), dtype=object)
    for reg in np.unique(region):
        staff = np.array([o for o, r in vocab.OWNERS if r == reg], dtype=object)
        m = region == reg
        owners[m] = staff[rng.integers(0, len(staff), int(m.sum()))]
    return owners


_MOBILE_PREFIXES = np.array([130, 131, 132, 133, 135, 136, 137, 138, 139, 150, 151, 152, 153, 155, 156, 157, 158, 159,
                             180, 181, 182, 183, 185, 186, 187, 188, 189])


def _phones(rng: np.random.Generator, n: int) -> np.ndarray:
    """Plausible, distinct 11-digit mainland mobile numbers (13x/15x/18x)."""
    pre = _MOBILE_PREFIXES[rng.integers(0, len(_MOBILE_PREFIXES), n)].astype(np.int64)
    rest = rng.choice(10**8, size=n, replace=False).astype(np.int64)
    return _str_array((pre * 10**8 + rest).astype(str))


def _contracts(first_purchase: np.ndarray, last_order: np.ndarray, term_years: np.ndarray, end: np.datetime64):
    """The contract each customer last bought under: terms of 1-3 years from the first
    purchase. 是否续签: yes when it is a renewal (not the first term), no when it ended
    before ``end`` without a newer purchase, blank while a first term runs."""
    fp = pd.DatetimeIndex(first_purchase.astype("datetime64[ns]"))
    ref = pd.DatetimeIndex(np.minimum(last_order + np.timedelta64(30, "D"), end).astype("datetime64[ns]"))
    y, m, d = fp.year.to_numpy(), fp.month.to_numpy(), np.minimum(fp.day.to_numpy(), 28)

    def at(years):
        return pd.to_datetime(pd.DataFrame({"year": years, "month": m, "day": d})).to_numpy()

    k = np.floor((ref - fp).days.to_numpy() / (365.25 * term_years)).astype(int)
    k = np.maximum(k, 0)
    cs = at(y + k * term_years)
    k = np.where(cs > ref.to_numpy(), np.maximum(k - 1, 0), k)
    cs = at(y + k * term_years)
    ce = at(y + (k + 1) * term_years) - np.timedelta64(1, "D")
    cs, ce = cs.astype("datetime64[D]"), ce.astype("datetime64[D]")
    renewed = np.where(k >= 1, True, np.where(ce < end, False, None)).astype(object)
    renewed = np.where((k >= 1) & (ce < end), False, renewed)  # a renewed term that has lapsed
    return cs, ce, renewed
