"""The public entry points: raw sheets, canonical data, dirty sheets with their truth."""

from __future__ import annotations

__all__ = ["generate_demo", "demo_crm_data"]

import datetime as dt
from functools import lru_cache

import pandas as pd

from ..core.dataset import CrmData
from .generate import DEFAULT_AS_OF, Demo, build_demo


@lru_cache(maxsize=2)
def _cached(n_customers: int, seed: int, as_of: dt.date, months: int) -> Demo:
    return build_demo(n_customers, seed=seed, as_of=as_of, months=months)


def _demo(n_customers, seed, as_of, months) -> Demo:
    if isinstance(as_of, dt.datetime):
        as_of = as_of.date()
    return _cached(int(n_customers), int(seed), pd.Timestamp(as_of).date(), int(months))


def generate_demo(
    n_customers: int = 300,
    *,
    seed: int = 2024,
    as_of: dt.date = DEFAULT_AS_OF,
    months: int = 24,
    dirty: bool = False,
    lang: str = "zh",
) -> dict[str, pd.DataFrame]:
    """Raw demo sheets, as a user would paste them into the template workbook.

    Parameters
    ----------
    n_customers : int
        Number of customers (at least 4); about 10 orders each over 24 months. The first
        three are Template 1's C001-C003 with their printed totals.
    seed : int
        Random seed; the same arguments always give identical frames.
    as_of : date
        Last day of the data; the latest order falls on it (default 2024-09-30, the
        analysis date of Template 1's example).
    months : int
        Calendar months of history (12-120).
    dirty : bool
        Mess up a reproducible share of cells the way real exports are (see
        :func:`generate_dirty_demo`, which also returns what each cell should clean to).
    lang : {"zh", "en"}
        Language of the headers (``Column.zh`` / ``Column.en``); values stay Chinese.

    Returns
    -------
    dict[str, DataFrame]
        ``customers``, ``orders``, ``interactions``, ``leads``, ``campaigns``,
        ``targets``: template header labels as columns, in schema order.
    """
    if dirty:
        from .dirty import generate_dirty_demo

        return generate_dirty_demo(n_customers, seed=seed, as_of=as_of, months=months, lang=lang).sheets
    return _demo(n_customers, seed, as_of, months).sheets(lang)


def demo_crm_data(
    n_customers: int = 300,
    *,
    seed: int = 2024,
    as_of: dt.date = DEFAULT_AS_OF,
    months: int = 24,
) -> CrmData:
    """The same demo data already canonical: schema keys and the cleaned dtypes of
    :mod:`crm_xl.core.dataset` (industry as its GB/T 4754 section name plus
    ``industry_code``). Equal to cleaning ``generate_demo(...)`` with the same arguments,
    without depending on cleaning. The frames are fresh copies; modify them freely."""
    data = _demo(n_customers, seed, as_of, months).data
    return CrmData(**{k: v.copy() for k, v in data.tables().items()})
