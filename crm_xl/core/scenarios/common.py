"""What the scenarios share: the language, the analysis date, the valid orders up to it, text
cleaning and percentages for their conclusions."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...settings import AnalysisSettings
from ..carry import map_distinct
from ..codes import carry_codes
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


def _valid_orders(data: CrmData, as_of: pd.Timestamp) -> pd.DataFrame:
    o = data.orders
    if len(o) == 0:
        return o.assign(order_date=pd.Series(dtype="datetime64[ns]"))
    d = pd.to_datetime(o["order_date"], errors="coerce")
    amt = pd.to_numeric(o["amount"], errors="coerce")
    keep = (d.notna() & (d <= as_of) & amt.notna() & o["customer_id"].notna()).to_numpy()
    # usual: every order valid, no filtering copy (the columns set below are replaced, not
    # written into), and the customer IDs keep the codes remembered with them
    every = bool(keep.all())
    out = o.copy(deep=False) if every else o.loc[keep].copy()
    out["order_date"] = (d if every else d[keep]).dt.normalize()
    out["amount"] = (amt if every else amt[keep]).astype(float)
    out["customer_id"] = out["customer_id"].astype(str)
    carry_codes([o["customer_id"]], None if every else np.flatnonzero(keep), out["customer_id"])
    return out


def _text(v: object) -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return ""
    return str(v).strip()


def _texts(s: pd.Series) -> pd.Series:
    """``s.map(_text)``, computed once per distinct value."""
    return pd.Series(map_distinct(_text, s), index=s.index, dtype=object)


def _pct(x: float) -> str:
    return "—" if x != x else f"{x * 100:.1f}%"
