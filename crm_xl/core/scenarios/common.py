"""What the scenarios share: the language, the analysis date, day numbers, text cleaning and
percentages for their conclusions (the orders they read are the analysis's order facts,
:mod:`crm_xl.core.order_facts`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...settings import AnalysisSettings
from ..carry import map_distinct
from ..dataset import CrmData
from ..prepared import resolve_analysis_date


def _zh(settings: AnalysisSettings) -> bool:
    return settings.lang == "zh"


def _as_of(data: CrmData, settings: AnalysisSettings, as_of) -> pd.Timestamp | None:
    if as_of is not None:
        return pd.Timestamp(as_of).normalize()
    try:
        return resolve_analysis_date(data, settings).normalize()
    except Exception:  # noqa: BLE001 - no orders: the scenario explains it in its note
        return None


def _day(when: pd.Timestamp) -> int:
    """The day number (days since 1970-01-01) of a date."""
    return int(np.datetime64(pd.Timestamp(when), "D").astype(np.int64))


def _text(v: object) -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return ""
    return str(v).strip()


def _texts(s: pd.Series) -> pd.Series:
    """``s.map(_text)``, computed once per distinct value."""
    return pd.Series(map_distinct(_text, s), index=s.index, dtype=object)


def _pct(x: float) -> str:
    return "—" if x != x else f"{x * 100:.1f}%"
