"""XML escaping as the package's parts were written before issue 20 (openpyxl 3.1 on lxml).

Parts made whole (tables, comments, charts, styles, the workbook, properties) are UTF-8:
``&``, ``<``, ``>`` escaped in text, carriage returns as ``&#13;``; attributes also escape
``"`` and tab / line feed / carriage return. Worksheets were written incrementally in
ASCII: every other character as a decimal character reference (``&#23458;``).
"""

from __future__ import annotations

__all__ = ["text", "attr", "ascii_text", "ascii_attr", "space"]

import re

_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTR = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\r": "&#13;", "\n": "&#10;",
                       "\t": "&#9;"})
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _refs(s: str) -> str:
    return s if s.isascii() else _NON_ASCII.sub(lambda m: f"&#{ord(m.group())};", s)


def text(s: str) -> str:
    """Element text in a UTF-8 part."""
    return s.translate(_TEXT)


def attr(s: str) -> str:
    """An attribute value in a UTF-8 part."""
    return s.translate(_ATTR)


def ascii_text(s: str) -> str:
    """Element text in a worksheet part."""
    return _refs(s.translate(_TEXT))


def ascii_attr(s: str) -> str:
    """An attribute value in a worksheet part."""
    return _refs(s.translate(_ATTR))


def space(s: str) -> str:
    """`` xml:space="preserve"`` for text openpyxl marked so (leading or trailing white space)."""
    stripped = s.strip()
    return ' xml:space="preserve"' if stripped and s != stripped else ""
