"""The text-level edits a splice makes to the user's parts (:mod:`crm_xl.render.splice`):
``workbook.xml``'s sheets, defined names, calc flags and active tab, ``app.xml``'s sheet titles,
table ids and names kept unique, fresh part names and relationship ids."""

from __future__ import annotations

import posixpath
import re

from defusedxml import ElementTree as SafeET

from ..xmlescape import escape, quoteattr
from .opc import NS, ContentTypes, PackageReader, Rel

_PRINT_NAMES = {"_xlnm.print_titles", "_xlnm.print_area", "_xlnm._filterdatabase"}

def _alloc(taken: set[str], part: str) -> str:
    d, f = posixpath.split(part)
    base, ext = posixpath.splitext(f)
    stem = base.rstrip("0123456789") or base
    n = 1
    while True:
        cand = posixpath.join(d, f"{stem}{n}{ext}")
        if cand.lower() not in taken:
            taken.add(cand.lower())
            return cand
        n += 1


def _prefix(xml: str, uri: str) -> str | None:
    """The prefix bound to ``uri`` on the root element ('' for the default namespace)."""
    head = xml[: xml.find(">", xml.find("<", xml.find("?>") + 2 if xml.startswith("<?") else 0)) + 1]
    for m in re.finditer(r'xmlns(?::([\w.-]+))?\s*=\s*"([^"]*)"', head):
        if m.group(2) == uri:
            return m.group(1) or ""
    return None


_VECTOR = r"(<(?:[\w.-]+:)?{block}\b[^>]*>\s*<({vt})vector\b)([^>]*)(>)(.*?)(</\2vector\s*>)"


def update_app_titles(app_xml: bytes, worksheets: list[str]) -> bytes | None:
    """``docProps/app.xml`` with the worksheet titles of ``TitlesOfParts`` (and their count
    in ``HeadingPairs``) set to ``worksheets``, in workbook order; the other groups Excel
    lists there (charts, named ranges) are kept. ``None`` when the part has no such lists
    (LibreOffice writes none) or they are not laid out as Excel lays them out."""
    try:
        text = app_xml.decode("utf-8")
    except UnicodeDecodeError:
        return None
    tp = re.search(_VECTOR.format(block="TitlesOfParts", vt=r"(?:[\w.-]+:)?"), text, re.S)
    hp = re.search(_VECTOR.format(block="HeadingPairs", vt=r"(?:[\w.-]+:)?"), text, re.S)
    if not tp or not hp:
        return None
    vt = re.escape(tp.group(2))
    titles = re.findall(rf"<{vt}lpstr>(.*?)</{vt}lpstr>|<{vt}lpstr\s*/>", tp.group(5), re.S)
    counts = list(re.finditer(rf"(<{vt}i4>)\s*(\d+)\s*(</{vt}i4>)", hp.group(5)))
    if not counts or sum(int(c.group(2)) for c in counts) != len(titles):
        return None
    first = int(counts[0].group(2))
    p = tp.group(2)
    new_titles = [escape(t) for t in worksheets] + titles[first:]
    body = "".join(f"<{p}lpstr>{t}</{p}lpstr>" for t in new_titles)
    attrs = re.sub(r'\ssize="\d*"', f' size="{len(new_titles)}"', tp.group(3))
    new_tp = tp.group(1) + attrs + tp.group(4) + body + tp.group(6)
    c0 = counts[0]
    hp_body = hp.group(5)[: c0.start()] + f"{c0.group(1)}{len(worksheets)}{c0.group(3)}" + hp.group(5)[c0.end():]
    new_hp = hp.group(1) + hp.group(3) + hp.group(4) + hp_body + hp.group(6)
    spans = sorted([(tp.start(), tp.end(), new_tp), (hp.start(), hp.end(), new_hp)])
    out, pos = [], 0
    for a, b, rep in spans:
        out.append(text[pos:a] + rep)
        pos = b
    out.append(text[pos:])
    return "".join(out).encode("utf-8")


def _new_rid(rels: list[Rel]) -> str:
    used = {r.id for r in rels}
    n = 1
    while f"rId{n}" in used:
        n += 1
    return f"rId{n}"


_TID = re.compile(rb'(<(?:\w+:)?table\b[^>]*?\sid=")(\d+)(")')
_TNAMES = re.compile(rb'(\s(?:name|displayName)=")([^"]*)(")')


def _kept_tables(pkg: PackageReader, ct: ContentTypes, removed: set[str]) -> list[tuple[int, str]]:
    out = []
    for n in pkg.infos:
        if n in removed or ct.type_of(n) != "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml":
            continue
        root = SafeET.fromstring(pkg.read(n))
        out.append((int(root.get("id", "0")), (root.get("displayName") or root.get("name") or "").lower()))
    return out


def _renumber_table(data: bytes, used_ids: set[int], used_names: set[str]) -> bytes:
    """Give a table part the smallest free id, and a free name if its own is taken."""
    tid = 1
    while tid in used_ids:
        tid += 1
    used_ids.add(tid)
    data = _TID.sub(lambda m: m.group(1) + str(tid).encode() + m.group(3), data, count=1)
    open_end = data.index(b">", data.index(b"<table")) if b"<table" in data else len(data)
    head, rest = data[:open_end], data[open_end:]
    name = re.search(rb'\sdisplayName="([^"]*)"', head).group(1).decode()
    new = name
    k = 2
    while new.lower() in used_names:
        new = f"{name}_{k}"
        k += 1
    used_names.add(new.lower())
    if new != name:
        head = _TNAMES.sub(lambda m: m.group(1) + new.encode() + m.group(3), head)
    return head + rest


def _defined_names(wb_xml: str) -> set[str]:
    return {m.group(1).lower() for m in re.finditer(r'<(?:[\w.-]+:)?definedName\b[^>]*?\sname="([^"]*)"', wb_xml)}


def _block(xml: str, prefix: str, name: str) -> re.Match | None:
    p = re.escape(prefix + ":") if prefix else ""
    return re.search(rf"<{p}{name}\b[^>]*?(?:/>|>.*?</{p}{name}\s*>)", xml, re.S)


def _rewrite_sheets(wb_xml: str, prefix: str, order, new_elems: dict[str, str]) -> str:
    m = _block(wb_xml, prefix, "sheets")
    p = re.escape(prefix + ":") if prefix else ""
    elems = re.findall(rf"<{p}sheet\b[^>]*?(?:/>|>.*?</{p}sheet\s*>)", m.group(0), re.S)
    if not new_elems:
        return wb_xml
    body = "".join(elems[i] if i is not None else new_elems[name] for name, i in order)
    open_tag = re.match(rf"<{p}sheets\b[^>]*?>", m.group(0)).group(0)
    pp = f"{prefix}:" if prefix else ""
    return wb_xml[: m.start()] + open_tag + body + f"</{pp}sheets>" + wb_xml[m.end():]


def _sk_defined_names(sk_wb: bytes, sk_sheet_names: list[str], final_index: dict[str, int], prefix: str) -> list[str]:
    root = SafeET.fromstring(sk_wb)
    dn = root.find(f"{{{NS['main']}}}definedNames")
    out = []
    p = f"{prefix}:" if prefix else ""
    for el in dn if dn is not None else []:
        lid = el.get("localSheetId")
        attrs = f" name={quoteattr(el.get('name'))}"
        if lid is not None:
            attrs += f' localSheetId="{final_index[sk_sheet_names[int(lid)].lower()]}"'
        out.append(f"<{p}definedName{attrs}>{escape(el.text or '')}</{p}definedName>")
    return out


def _rewrite_defined_names(wb_xml: str, prefix: str, new_index_of_old: dict[int, int], replaced_idx: set[int],
                           added: list[str]) -> str:
    m = _block(wb_xml, prefix, "definedNames")
    p = re.escape(prefix + ":") if prefix else ""
    pp = f"{prefix}:" if prefix else ""
    kept: list[str] = []
    if m:
        for el in re.findall(rf"<{p}definedName\b[^>]*?(?:/>|>.*?</{p}definedName\s*>)", m.group(0), re.S):
            lid = re.search(r'\slocalSheetId="(\d+)"', el)
            name = re.search(r'\sname="([^"]*)"', el)
            if lid:
                new = new_index_of_old.get(int(lid.group(1)), int(lid.group(1)))
                if new in replaced_idx and name and name.group(1).lower() in _PRINT_NAMES:
                    continue
                el = el[: lid.start()] + f' localSheetId="{new}"' + el[lid.end():]
            kept.append(el)
    items = kept + added
    block = f"<{pp}definedNames>{''.join(items)}</{pp}definedNames>" if items else ""
    if m:
        return wb_xml[: m.start()] + block + wb_xml[m.end():]
    if not block:
        return wb_xml
    # schema order: sheets, functionGroups?, externalReferences?, definedNames
    for nxt in ("externalReferences", "functionGroups", "sheets"):
        b = _block(wb_xml, prefix, nxt)
        if b:
            return wb_xml[: b.end()] + block + wb_xml[b.end():]
    raise ValueError("workbook.xml has no sheets element")


def _full_calc(wb_xml: str, prefix: str) -> str:
    p = re.escape(prefix + ":") if prefix else ""
    m = re.search(rf"<{p}calcPr\b[^>]*?/?>", wb_xml)
    if m:
        tag = m.group(0)
        if "fullCalcOnLoad" in tag:
            tag = re.sub(r'fullCalcOnLoad="[^"]*"', 'fullCalcOnLoad="1"', tag)
        else:
            tag = re.sub(r"\s*(/?>)$", r' fullCalcOnLoad="1"\1', tag)
        return wb_xml[: m.start()] + tag + wb_xml[m.end():]
    pp = f"{prefix}:" if prefix else ""
    for prev in ("definedNames", "externalReferences", "functionGroups", "sheets"):
        b = _block(wb_xml, prefix, prev)
        if b:
            return wb_xml[: b.end()] + f'<{pp}calcPr fullCalcOnLoad="1"/>' + wb_xml[b.end():]
    return wb_xml


def _shift_active_tab(wb_xml: str, new_index_of_old: dict[int, int]) -> str:
    def fix(m):
        old = int(m.group(2))
        return f'{m.group(1)}"{new_index_of_old.get(old, old)}"'
    return re.sub(r'(\s(?:activeTab|firstSheet)=)"(\d+)"', fix, wb_xml)
