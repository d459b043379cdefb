"""Sampling helpers of the demo generator: weights of the calendar days, quotas, picks."""

from __future__ import annotations

import numpy as np

from . import vocab

# ----------------------------------------------------------------------------------------
# calendar


def _day_weights(start: np.datetime64, ndays: int) -> np.ndarray:
    """Relative order intensity per day: B2B working days, Q4 peak (Dec highest), the
    Chinese New Year holiday dip (Jan/Feb) and the National Day week."""
    days = start + np.arange(ndays).astype("timedelta64[D]")
    month = days.astype("datetime64[M]").astype(int) % 12 + 1
    month_factor = np.array([0, 0.85, 0.8, 1.05, 1.0, 1.0, 1.1, 0.95, 0.95, 1.1, 1.05, 1.25, 1.45])
    w = month_factor[month]
    weekday = (days.astype(int) + 3) % 7  # 0 = Monday
    w = w * np.where(weekday >= 5, 0.2, 1.0)
    years = days.astype("datetime64[Y]").astype(int) + 1970
    for y in np.unique(years):
        cny = vocab.CHINESE_NEW_YEAR.get(int(y))
        if cny is not None:
            off = (days - np.datetime64(cny, "D")).astype(int)
            w = w * np.where((off >= -3) & (off <= 7), 0.12, np.where((off >= -12) & (off <= 16), 0.7, 1.0))
        else:  # outside the table: a broad Jan/Feb dip
            w = w * np.where((years == y) & np.isin(month, [1, 2]), 0.75, 1.0)
        national_day = (years == y) & (month == 10) & ((days - np.datetime64(f"{int(y)}-10-01", "D")).astype(int) < 7)
        w = w * np.where(national_day, 0.15, 1.0)
    return w


class _Sampler:
    """Draw days in [lo, hi] (inclusive, arrays) with probability proportional to the day
    weights, vectorised by inverse CDF."""

    def __init__(self, weights: np.ndarray):
        self.cdf = np.cumsum(weights) / weights.sum()

    def __call__(self, rng: np.random.Generator, lo, hi) -> np.ndarray:
        """Ranges reaching outside the window are clipped to it (short windows)."""
        top_day = len(self.cdf) - 1
        hi = np.clip(np.asarray(hi, dtype=np.int64), 0, top_day)
        lo = np.minimum(np.clip(np.asarray(lo, dtype=np.int64), 0, top_day), hi)
        base = np.where(lo > 0, self.cdf[np.maximum(lo - 1, 0)], 0.0)
        top = self.cdf[hi]
        u = base + rng.random(lo.shape) * (top - base)
        day = np.searchsorted(self.cdf, u, side="right")
        return np.clip(day, lo, hi)


def _quota(rng: np.random.Generator, n: int, shares: list[float]) -> np.ndarray:
    """Category per item with counts as close to ``shares`` as integers allow (largest
    remainder), in random order: every category appears once n is large enough."""
    p = np.asarray(shares, dtype=float) / sum(shares)
    exact = p * n
    counts = np.floor(exact).astype(int)
    rest = n - counts.sum()
    if rest:
        counts[np.argsort(-(exact - counts), kind="stable")[:rest]] += 1
    return rng.permutation(np.repeat(np.arange(len(p)), counts))


def _pick(rng: np.random.Generator, items, n: int, weights=None) -> np.ndarray:
    """``n`` draws (indices) from ``items`` with optional weights."""
    if weights is None:
        return rng.integers(0, len(items), n)
    p = np.asarray(weights, dtype=float)
    return rng.choice(len(items), size=n, p=p / p.sum())


def _str_array(values) -> np.ndarray:
    return np.asarray(values, dtype=object)
