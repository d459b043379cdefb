"""The cell rules both renderers share: what is an empty cell, the digits a number is
written with, the text a value shows in a text column (docs/rendering.md, section 1).

The file renderer (:mod:`crm_xl.render.sheetdata`) and the live-Book renderer
(:mod:`crm_xl.render.book`) both take these from here, so they cannot drift apart again
(issue 18; tests/test_render_book.py compares the two cell for cell).
"""

from __future__ import annotations

__all__ = ["is_missing", "num_text", "text_of"]

import datetime as dt
import math

import numpy as np
import pandas as pd


def is_missing(v: object) -> bool:
    """An empty cell: None, pd.NA, NaT, NaN, +-inf or the empty string."""
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, (float, np.floating)):
        return not math.isfinite(float(v))
    return isinstance(v, str) and v == ""


def num_text(x: float) -> str:
    """The shortest digits that read back as ``x`` (Python's repr), "12" for 12.0."""
    r = repr(x)
    return r[:-2] if r.endswith(".0") else r


def text_of(v: object) -> str | None:
    """The text a value shows in a text column; None for an empty cell."""
    if is_missing(v):
        return None
    if isinstance(v, (float, np.floating)):
        return num_text(float(v))
    if isinstance(v, (pd.Timestamp, dt.datetime)):
        return v.strftime("%Y-%m-%d") if (v.hour, v.minute, v.second) == (0, 0, 0) else v.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(v, dt.date):
        return v.isoformat()
    s = str(v)
    return s if s else None  # (an object whose text is empty is an empty cell too)
