"""What the diagnosis and the conclusions share (:mod:`crm_xl.core.insights`,
:mod:`crm_xl.core.layer_problems`): the low-P(alive) cut-off and each customer's P(alive),
the layer groups worth a line, and number formats for their sentences."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..settings import AnalysisSettings
from .prepared import Prepared
from .text import as_text

if TYPE_CHECKING:
    from .clv_report import ClvResult


#: layer groups whose customers are worth a diagnosis line when the model thinks they left
VALUABLE_GROUPS = ("high_value", "potential")


def p_alive_cutoff(settings: AnalysisSettings) -> float:
    """P(alive) below which a customer counts as probably lost in the diagnosis and the
    conclusions: ``settings.insight_p_alive_below``."""
    return settings.insight_p_alive_below


def _p_alive_of(clv: "ClvResult | None", prepared: Prepared | None, ids: pd.Series) -> np.ndarray | None:
    """P(alive) for ``ids`` (NaN where the model has no prediction), or None without a model."""
    if clv is None or not clv.ok or len(clv.predictions) == 0:
        return None
    if prepared is not None and clv.codes is not None:
        codes = prepared.codes_of(ids)
        alive = clv.p_alive_by_code(prepared.n)
        return np.where(codes >= 0, alive[np.maximum(codes, 0)], np.nan)
    return pd.to_numeric(clv.p_alive(), errors="coerce").reindex(as_text(pd.Index(ids))).to_numpy(dtype=float)


def _pct(x: float, signed: bool = False) -> str:
    if np.isnan(x):
        return "—"
    return f"{x:+.0%}" if signed else f"{x:.0%}"


def _money(x: float, zh: bool) -> str:
    if zh and abs(x) >= 10_000:
        return f"{x / 10_000:,.1f}万元"
    return f"{x:,.0f}元" if zh else f"CNY {x:,.0f}"
