"""The standard library's ``xml.sax.saxutils.escape`` and ``quoteattr``, character for character.

The workbook's spliced and packaged parts (:mod:`crm_xl.render`) and the add-in's manifest
were written with them. Importing ``xml.sax.saxutils`` imports ``urllib.request`` and with it
http.client, email and ssl: 30-45 ms of the ``crm-xl`` command's start (issue 20), for two
small functions; so they live here. tests/test_render_xlsx.py checks them against the
standard library's on generated texts.
"""

from __future__ import annotations

__all__ = ["escape", "quoteattr"]


def escape(s: str) -> str:
    """``xml.sax.saxutils.escape(s)``: ``&``, ``>`` and ``<`` as entities."""
    return s.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def quoteattr(s: str) -> str:
    """``xml.sax.saxutils.quoteattr(s)``: escaped, tab / line feed / carriage return as
    character references, in double quotes -- single ones when the value holds ``"`` but no
    ``'`` (with both, ``"`` becomes ``&quot;``)."""
    s = escape(s).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' not in s:
        return f'"{s}"'
    if "'" not in s:
        return f"'{s}'"
    return '"' + s.replace('"', "&quot;") + '"'
