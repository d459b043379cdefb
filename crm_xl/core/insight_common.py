"""What the diagnosis and the conclusions share (:mod:`crm_xl.core.insights`,
:mod:`crm_xl.core.layer_problems`): the low-P(alive) cut-off and each customer's P(alive),
the layer groups worth a line, and number formats for their sentences."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..settings import AnalysisSettings
from ..texts import Texts
from .prepared import Prepared
from .text import as_text

if TYPE_CHECKING:
    from .clv_report import ClvResult


TEXTS = Texts({
    # an amount of money in a sentence
    "money": ("{x:,.0f}元", "CNY {x:,.0f}"),
    "money_wan": ("{wan:,.1f}万元", "CNY {wan:,.1f} x 10,000"),  # (English does not count in 万: _IN_WAN)
})

# amounts from 10,000 on are written in 万 (a rule, not a text)
_IN_WAN = {"zh": True, "en": False}

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
    t = TEXTS.lang("zh" if zh else "en")
    if _IN_WAN[t.lang] and abs(x) >= 10_000:
        return t("money_wan", wan=x / 10_000)
    return t("money", x=x)
