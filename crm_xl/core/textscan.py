"""Many texts matched against one regular expression at once (issue 20).

Cleaning asks of every distinct value of a column whether it is already in a plain form
(a plain decimal amount, an ISO date): one ``re.fullmatch`` call per value costs more than
the answer, so the texts are joined by line breaks and scanned once.
"""

from __future__ import annotations

__all__ = ["texts_fullmatching"]

import re

import numpy as np


def texts_fullmatching(values, pattern: str) -> np.ndarray:
    """Per value: text that ``pattern`` matches whole (``re.fullmatch``); False for anything
    else. ``pattern`` must not match a line break. The texts, joined by line breaks, are
    scanned once for the lines it does *not* match whole (usually few); texts that hold a
    line break themselves are matched one by one."""
    vals = list(values)
    is_text = [isinstance(v, str) for v in vals]
    texts = [v if t else "" for v, t in zip(vals, is_text, strict=True)]
    if not texts:
        return np.zeros(0, dtype=bool)
    joined = "\n".join(texts)
    if joined.count("\n") != len(texts) - 1:  # a text holds a line break: one by one
        rx = re.compile(pattern)
        return np.fromiter((t and rx.fullmatch(v) is not None for v, t in zip(vals, is_text, strict=True)),
                           dtype=bool, count=len(vals))
    lens = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    starts = np.concatenate(([0], np.cumsum(lens + 1)[:-1]))  # (strictly increasing: one per line)
    misses = [m.start() for m in re.finditer(f"^(?!(?:{pattern})$).*$", joined, re.MULTILINE)]
    out = np.array(is_text, dtype=bool)  # (a non-text value is an empty line: False either way)
    out[np.searchsorted(starts, misses)] = False
    return out
