"""A1-style cell references (no dependencies: used by readers, renderers and sheet builders)."""

from __future__ import annotations

__all__ = ["column_letter", "cell_ref"]


def column_letter(col: int) -> str:
    """1-based column number to letters: 1 -> 'A', 26 -> 'Z', 27 -> 'AA', 16384 -> 'XFD'."""
    s = ""
    while col > 0:
        col, rem = divmod(col - 1, 26)
        s = chr(65 + rem) + s
    return s


def cell_ref(row: int, col: int) -> str:
    """1-based (row, column) to 'B3'."""
    return f"{column_letter(col)}{row}"
