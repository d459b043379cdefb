"""Merge the report's ``styles.xml`` into a user's ``styles.xml``.

The user's stylesheet is edited as *text*: new ``numFmt`` / ``font`` / ``fill`` /
``border`` / ``xf`` / ``dxf`` elements are inserted before the closing tag of their list
and the list's ``count`` is updated; nothing else in the file changes (its namespaces,
``mc:Ignorable`` declarations, extension lists and named styles stay byte for byte).
Elements the user's stylesheet already has (same content) are reused, so refreshing
twice adds nothing the second time.

Two repairs make the result what Excel and the Open XML SDK expect:

* ``<font>`` children are written in the schema's sequence (``b, i, strike, ..., sz,
  color, name, family, charset, scheme``), not openpyxl's order (ECMA-376's own XSD
  allows any order, the SDK's validator -- and so SDK-based readers -- do not);
  :func:`schema_order_fonts` does the same for a whole stylesheet in openpyxl's order (the
  skeleton's, :mod:`crm_xl.render.parts.styles_xml`);
* a stylesheet without named-style formats (``<cellStyleXfs>``, files of minimal
  writers) gets the default one, so the ``xfId="0"`` of every cell format points at a
  named style that exists.
"""

from __future__ import annotations

__all__ = ["StyleMerge", "merge_styles", "schema_order_fonts", "FONT_ORDER"]

import re
from dataclasses import dataclass, field

from defusedxml import ElementTree as SafeET

from ..xmlescape import escape, quoteattr

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_ORDER = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs",
          "tableStyles", "colors", "extLst")
_BOOL = {"true": "1", "false": "0"}
# CT_Font's children in the order of the Open XML SDK's schema (ECMA-376 Part 1, 18.8.22)
FONT_ORDER = ("b", "i", "strike", "condense", "extend", "outline", "shadow", "u", "vertAlign", "sz", "color",
              "name", "family", "charset", "scheme")
_FONT_RANK = {n: i for i, n in enumerate(FONT_ORDER)}
_DEFAULT_STYLE_XF = '<{p}xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
_DEFAULT_CELL_STYLE = '<{p}cellStyle name="Normal" xfId="0" builtinId="0"/>'


def _ordered(el) -> list:
    """``el``'s children, a font's in :data:`FONT_ORDER` (unknown ones last, stable)."""
    kids = list(el)
    if _local(el.tag) == "font":
        kids.sort(key=lambda c: _FONT_RANK.get(_local(c.tag), len(FONT_ORDER)))
    return kids


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _canon(el) -> tuple:
    """A comparable form of an element: local names, attributes (booleans normalised)."""
    attrs = tuple(sorted((_local(k), _BOOL.get(v, v)) for k, v in el.attrib.items()))
    text = (el.text or "").strip()
    return (_local(el.tag), attrs, text, tuple(_canon(c) for c in _ordered(el)))


def _serialize(el, prefix: str) -> str:
    p = f"{prefix}:" if prefix else ""
    tag = p + _local(el.tag)
    attrs = "".join(f" {_local(k)}={quoteattr(v)}" for k, v in el.attrib.items() if not k.startswith("{"))
    inner = escape(el.text or "") + "".join(_serialize(c, prefix) for c in _ordered(el))
    return f"<{tag}{attrs}>{inner}</{tag}>" if inner else f"<{tag}{attrs}/>"


_FONT_BLOCK = re.compile(r"(<(?:[A-Za-z_][\w.-]*:)?font\b[^>/]*>)(.*?)(</(?:[A-Za-z_][\w.-]*:)?font\s*>)", re.S)
_EMPTY_CHILD = re.compile(r"\s*<(?:[A-Za-z_][\w.-]*:)?([A-Za-z]+)\b[^<>]*/>")


def schema_order_fonts(xml: bytes) -> bytes:
    """A stylesheet with the children of every ``<font>`` in :data:`FONT_ORDER`, changed
    as text (a font whose children are not all empty elements is left as it is)."""
    text = xml.decode("utf-8")

    def fix(m: re.Match) -> str:
        body = m.group(2)
        kids = list(_EMPTY_CHILD.finditer(body))
        if not kids or "".join(k.group(0) for k in kids) != body:
            return m.group(0)
        kids.sort(key=lambda k: _FONT_RANK.get(k.group(1), len(FONT_ORDER)))
        return m.group(1) + "".join(k.group(0) for k in kids) + m.group(3)

    return _FONT_BLOCK.sub(fix, text).encode("utf-8")


def _children(root, name: str) -> list:
    sec = root.find(f"{{{MAIN}}}{name}")
    return list(sec) if sec is not None else []


@dataclass
class StyleMerge:
    """Result of a merge: the new ``styles.xml`` and the index maps."""

    xml: bytes
    xf: dict[int, int] = field(default_factory=dict)  # report cellXfs index -> user index
    dxf: dict[int, int] = field(default_factory=dict)  # report dxfs index -> user index

    def xf_of(self, i: int) -> int:
        return self.xf[i]


class _Text:
    """Text-level editor of one stylesheet."""

    def __init__(self, text: str, prefix: str) -> None:
        self.text = text
        self.p = prefix
        self.pp = re.escape(prefix + ":") if prefix else ""

    def _open(self, name: str):
        return re.search(rf"<{self.pp}{name}\b[^>]*?(/?)>", self.text)

    def append(self, name: str, items: list[str], existing: int) -> None:
        if not items:
            return
        p = f"{self.p}:" if self.p else ""
        count = existing + len(items)
        m = self._open(name)
        if m is None:
            block = f'<{p}{name} count="{count}">{"".join(items)}</{p}{name}>'
            pos = self._insert_pos(name)
            self.text = self.text[:pos] + block + self.text[pos:]
            return
        opening = m.group(0)
        if re.search(r'\scount="\d*"', opening):
            new_open = re.sub(r'\scount="\d*"', f' count="{count}"', opening, count=1)
        else:
            new_open = opening[: -2 if m.group(1) else -1].rstrip() + f' count="{count}"' + ("/>" if m.group(1) else ">")
        if m.group(1):  # self-closing: <dxfs count="0"/>
            new_open = new_open[:-2] + ">"
            self.text = self.text[: m.start()] + new_open + "".join(items) + f"</{p}{name}>" + self.text[m.end():]
            return
        close = re.compile(rf"</{self.pp}{name}\s*>").search(self.text, m.end())
        self.text = self.text[: m.start()] + new_open + self.text[m.end(): close.start()] + "".join(items) + self.text[close.start():]

    def _insert_pos(self, name: str) -> int:
        after = _ORDER[_ORDER.index(name) + 1:]
        for nxt in after:
            m = self._open(nxt)
            if m:
                return m.start()
        m = re.search(rf"</{self.pp}styleSheet\s*>", self.text)
        if m:
            return m.start()
        raise ValueError("styleSheet element not found")


def merge_styles(user_xml: bytes, report_xml: bytes) -> StyleMerge:
    """Merge ``report_xml`` (the stylesheet of the report sheets, crm_xl.render.parts) into ``user_xml``."""
    user = SafeET.fromstring(user_xml)
    rep = SafeET.fromstring(report_xml)
    m = re.search(rb"<(?:([A-Za-z_][\w.-]*):)?styleSheet\b", user_xml)
    prefix = m.group(1).decode() if m and m.group(1) else ""
    ed = _Text(user_xml.decode("utf-8"), prefix)
    p = f"{prefix}:" if prefix else ""
    if not _children(user, "cellStyleXfs"):
        # every cell format names a named style (xfId="0"): make sure style 0 exists
        ed.append("cellStyleXfs", [_DEFAULT_STYLE_XF.format(p=p)], 0)
        if not _children(user, "cellStyles"):
            ed.append("cellStyles", [_DEFAULT_CELL_STYLE.format(p=p)], 0)
    fmt_map = _merge_number_formats(user, rep, ed, prefix)
    font_map = _merge_list(user, rep, ed, prefix, "fonts")
    fill_map = _merge_list(user, rep, ed, prefix, "fills")
    border_map = _merge_list(user, rep, ed, prefix, "borders")
    # cell formats: rewrite their references, then reuse or append
    for el in _children(rep, "cellXfs"):
        for attr, mp in (("numFmtId", fmt_map), ("fontId", font_map), ("fillId", fill_map), ("borderId", border_map)):
            v = el.get(attr)
            if v is not None:
                el.set(attr, str(mp.get(int(v), int(v))))
        el.set("xfId", "0")
    xf_map = _merge_list(user, rep, ed, prefix, "cellXfs")
    # differential formats (conditional formatting): self-contained, reuse or append
    dxf_map = _merge_list(user, rep, ed, prefix, "dxfs")
    return StyleMerge(ed.text.encode("utf-8"), xf_map, dxf_map)


def _merge_number_formats(user, rep, ed: "_Text", prefix: str) -> dict[int, int]:
    """The report's number formats in the user's: the same code reuses the user's id, a new
    one gets the next free id from 164. Report id -> id in the merged stylesheet."""
    user_fmts = {n.get("numFmtId"): n.get("formatCode") for n in _children(user, "numFmts")}
    by_code = {code: int(i) for i, code in user_fmts.items()}
    next_id = max([163] + [int(i) for i in user_fmts]) + 1
    fmt_map: dict[int, int] = {}
    new_fmts: list[str] = []
    for n in _children(rep, "numFmts"):
        rid, code = int(n.get("numFmtId")), n.get("formatCode")
        if code in by_code:
            fmt_map[rid] = by_code[code]
        else:
            fmt_map[rid] = by_code[code] = next_id
            new_fmts.append(f"<{prefix + ':' if prefix else ''}numFmt numFmtId=\"{next_id}\" formatCode={quoteattr(code)}/>")
            next_id += 1
    ed.append("numFmts", new_fmts, len(user_fmts))
    return fmt_map


def _merge_list(user, rep, ed: "_Text", prefix: str, name: str) -> dict[int, int]:
    """The report's ``name`` entries (fonts, fills, ...) in the user's list: an equal entry
    is reused (the first of equals), a new one appended. Report index -> merged index."""
    have = _children(user, name)
    index: dict = {}
    for i, el in enumerate(have):
        index.setdefault(_canon(el), i)
    out, new = {}, []
    for i, el in enumerate(_children(rep, name)):
        c = _canon(el)
        if c not in index:
            index[c] = len(have) + len(new)
            new.append(_serialize(el, prefix))
        out[i] = index[c]
    ed.append(name, new, len(have))
    return out
