"""Open Packaging Conventions helpers: content types, relationships, part names, and a
consistency check of a whole .xlsx/.xlsm package.

Everything here works on part *names* and small XML parts (content types, rels,
workbook, tables); worksheet parts are never parsed, so checking or splicing a workbook
with a huge data sheet costs no more than listing its zip directory.
"""

from __future__ import annotations

__all__ = [
    "NS",
    "REL",
    "Rel",
    "ContentTypes",
    "rels_part",
    "resolve",
    "relative",
    "parse_rels",
    "rels_xml",
    "workbook_part",
    "workbook_sheets",
    "check_package",
    "PackageReader",
    "is_os_junk",
    "uses_1904_dates",
]

import posixpath
import re
import zipfile
from dataclasses import dataclass
from xml.parsers import expat

from defusedxml import ElementTree as SafeET

from ..xmlescape import quoteattr

NS = {
    "main": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "pr": "http://schemas.openxmlformats.org/package/2006/relationships",
    "ct": "http://schemas.openxmlformats.org/package/2006/content-types",
}
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
REL = {
    "officeDocument": _R + "officeDocument",
    "worksheet": _R + "worksheet",
    "table": _R + "table",
    "drawing": _R + "drawing",
    "chart": _R + "chart",
    "comments": _R + "comments",
    "vmlDrawing": _R + "vmlDrawing",
    "sharedStrings": _R + "sharedStrings",
    "styles": _R + "styles",
    "calcChain": _R + "calcChain",
    "extended": _R + "extended-properties",
}


@dataclass(frozen=True)
class Rel:
    id: str
    type: str
    target: str
    external: bool = False


def rels_part(part: str) -> str:
    """'xl/worksheets/sheet1.xml' -> 'xl/worksheets/_rels/sheet1.xml.rels'."""
    d, f = posixpath.split(part)
    return posixpath.join(d, "_rels", f + ".rels")


def resolve(source_part: str, target: str) -> str:
    """Part name a relationship target of ``source_part`` points at (no leading '/')."""
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(posixpath.dirname(source_part), target))


def relative(source_part: str, part: str) -> str:
    """Relative target from ``source_part`` to ``part``."""
    return posixpath.relpath(part, posixpath.dirname(source_part) or ".")


def parse_rels(xml: bytes) -> list[Rel]:
    root = SafeET.fromstring(xml)
    out = []
    for el in root:
        if el.tag.endswith("Relationship"):
            out.append(Rel(el.get("Id"), el.get("Type"), el.get("Target"), el.get("TargetMode") == "External"))
    return out


def rels_xml(rels: list[Rel]) -> bytes:
    body = "".join(
        f"<Relationship Id={quoteattr(r.id)} Type={quoteattr(r.type)} Target={quoteattr(r.target)}"
        + (' TargetMode="External"' if r.external else "")
        + "/>"
        for r in rels
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="{NS["pr"]}">{body}</Relationships>'
    ).encode("utf-8")


class ContentTypes:
    """``[Content_Types].xml``: Default (by extension) and Override (by part) entries."""

    def __init__(self, xml: bytes) -> None:
        root = SafeET.fromstring(xml)
        self.defaults: dict[str, str] = {}
        self.overrides: dict[str, str] = {}
        for el in root:
            if el.tag.endswith("Default"):
                self.defaults[el.get("Extension").lower()] = el.get("ContentType")
            elif el.tag.endswith("Override"):
                self.overrides[el.get("PartName").lstrip("/")] = el.get("ContentType")

    def type_of(self, part: str) -> str | None:
        t = self.overrides.get(part)
        if t is None:
            for k, v in self.overrides.items():
                if k.lower() == part.lower():
                    return v
            ext = posixpath.splitext(part)[1].lstrip(".").lower()
            t = self.defaults.get(ext)
        return t

    def xml(self) -> bytes:
        d = "".join(f"<Default Extension={quoteattr(k)} ContentType={quoteattr(v)}/>" for k, v in self.defaults.items())
        o = "".join(f"<Override PartName={quoteattr('/' + k)} ContentType={quoteattr(v)}/>" for k, v in self.overrides.items())
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Types xmlns="{NS["ct"]}">{d}{o}</Types>'
        ).encode("utf-8")


class PackageReader:
    """Read access to a zip package by part name (case-insensitive lookup, like OPC)."""

    def __init__(self, zf: zipfile.ZipFile) -> None:
        self.zf = zf
        self.infos = {i.filename: i for i in zf.infolist() if not i.is_dir()}
        self._lower = {k.lower(): k for k in self.infos}

    def name(self, part: str) -> str | None:
        return part if part in self.infos else self._lower.get(part.lower())

    def has(self, part: str) -> bool:
        return self.name(part) is not None

    def read(self, part: str) -> bytes:
        n = self.name(part)
        if n is None:
            raise KeyError(part)
        return self.zf.read(n)

    def rels(self, part: str) -> list[Rel]:
        rp = self.name(rels_part(part))
        return parse_rels(self.zf.read(rp)) if rp else []


def workbook_part(pkg: PackageReader) -> str:
    for r in pkg.rels(""):
        if r.type == REL["officeDocument"] or r.type.endswith("/officeDocument"):
            return resolve("", r.target)
    raise KeyError("no officeDocument relationship")


def workbook_sheets(pkg: PackageReader, wb_part: str) -> list[tuple[str, str, str, str]]:
    """(name, sheetId, r:id, part) of every sheet in workbook order."""
    root = SafeET.fromstring(pkg.read(wb_part))
    rels = {r.id: r for r in pkg.rels(wb_part)}
    out = []
    sheets = root.find(f"{{{NS['main']}}}sheets")
    for el in sheets if sheets is not None else []:
        rid = el.get(f"{{{NS['r']}}}id")
        rel = rels.get(rid)
        out.append((el.get("name"), el.get("sheetId"), rid, resolve(wb_part, rel.target) if rel else ""))
    return out


_TABLE_ID = re.compile(rb'<(?:\w+:)?table\b[^>]*?\sid="(\d+)"')
_TABLE_NAME = re.compile(rb'<(?:\w+:)?table\b[^>]*?\sdisplayName="([^"]*)"')


_DATE1904 = re.compile(r'<(?:[\w.-]+:)?workbookPr\b[^>]*?\sdate1904\s*=\s*["\'](?:1|true)["\']')


def uses_1904_dates(workbook_xml: str | bytes) -> bool:
    """Whether ``xl/workbook.xml`` puts the workbook in the 1904 date system
    (``<workbookPr date1904="1"/>``): serial 0 is 1904-01-01 there, 1,462 days after the
    1900 system's (a 1900-system serial shown in such a workbook is 4 years and 1 day late)."""
    if isinstance(workbook_xml, bytes):
        workbook_xml = workbook_xml.decode("utf-8", "replace")
    return _DATE1904.search(workbook_xml) is not None


_JUNK_NAMES = {".ds_store", "thumbs.db", "desktop.ini"}


def is_os_junk(name: str) -> bool:
    """A zip entry that a file manager or archiver left in the package, not an OPC part:
    macOS Finder's ``.DS_Store``, ``__MACOSX/`` and ``._*`` AppleDouble files, Windows'
    ``Thumbs.db`` / ``desktop.ini``. Excel ignores them; the refresh keeps them byte for
    byte and the checks do not ask them for a content type or parse them."""
    base = posixpath.basename(name).lower()
    return base in _JUNK_NAMES or base.startswith("._") or name.split("/", 1)[0] == "__MACOSX"


def _no_dtd(*_args) -> None:
    raise ValueError("DTDs are not allowed in OOXML parts")


def _not_well_formed(zf: zipfile.ZipFile, name: str) -> str | None:
    """Stream ``name`` through expat (no tree, no DTD allowed); the error or ``None``."""
    p = expat.ParserCreate(namespace_separator=" ")
    p.StartDoctypeDeclHandler = _no_dtd
    try:
        with zf.open(name) as fh:
            while True:
                chunk = fh.read(1 << 20)
                p.Parse(chunk, not chunk)
                if not chunk:
                    return None
    except (expat.ExpatError, ValueError) as exc:
        return str(exc)


def check_package(path_or_file, *, parse_limit: int = 20_000_000, parse_only: set[str] | None = None) -> list[str]:
    """Problems that would make Excel repair or refuse a package; ``[]`` when consistent.

    Checks: ``[Content_Types].xml`` and the root rels exist; every internal relationship
    target exists; every part has a content type and every Override names an existing
    part; workbook sheet names, sheetIds and r:ids are unique and resolve to worksheet
    parts; table ids and names are unique across the package and every table is
    referenced by exactly one sheet; definedNames' ``localSheetId`` are in range; every XML
    part below ``parse_limit`` bytes (uncompressed) is well-formed -- or, with
    ``parse_only``, every part named there (the parts a refresh wrote).
    """
    problems: list[str] = []
    with zipfile.ZipFile(path_or_file) as zf:
        pkg = PackageReader(zf)
        names = [n for n in pkg.infos if not is_os_junk(n)]
        if len(set(n.lower() for n in pkg.infos)) != len(pkg.infos):
            problems.append("duplicate part names (ignoring case)")
        if not pkg.has("[Content_Types].xml"):
            return ["missing [Content_Types].xml"]
        ct = ContentTypes(pkg.read("[Content_Types].xml"))
        problems += _check_content_types(pkg, ct, names)
        table_refs = _check_rels(pkg, zf, names, problems)
        try:
            wb = workbook_part(pkg)
        except KeyError:
            return problems + ["no workbook part"]
        problems += _check_sheets(pkg, wb)
        problems += _check_tables(zf, ct, names, table_refs)
        for n in names:
            if parse_only is not None:
                if n not in parse_only or n.endswith(".vml"):
                    continue
            elif not n.endswith((".xml", ".rels")) or pkg.infos[n].file_size > parse_limit:
                continue
            err = _not_well_formed(zf, n)
            if err:
                problems.append(f"{n} is not well-formed XML: {err}")
    return problems


def _check_content_types(pkg: PackageReader, ct: ContentTypes, names: list[str]) -> list[str]:
    """Every part has a content type; every Override names an existing part."""
    problems = []
    for n in names:
        if n == "[Content_Types].xml" or n.endswith(".rels"):
            continue
        if ct.type_of(n) is None:
            problems.append(f"part {n} has no content type")
    for p in ct.overrides:
        if not pkg.has(p):
            problems.append(f"content type override for missing part {p}")
    return problems


def _check_rels(pkg: PackageReader, zf: zipfile.ZipFile, names: list[str], problems: list[str]) -> dict[str, int]:
    """Every rels part belongs to a part, its ids are unique and its internal targets exist
    (problems appended to ``problems``); returns how many relationships lead to each table."""
    table_refs: dict[str, int] = {}
    for n in names:
        if not n.endswith(".rels"):
            continue
        d = posixpath.dirname(posixpath.dirname(n))
        src = posixpath.join(d, posixpath.basename(n)[: -len(".rels")]) if posixpath.basename(n) != ".rels" else ""
        if src and not pkg.has(src):
            problems.append(f"rels {n} belongs to missing part {src}")
        ids = set()
        for r in parse_rels(zf.read(n)):
            if r.id in ids:
                problems.append(f"duplicate relationship id {r.id} in {n}")
            ids.add(r.id)
            if r.external or r.target.startswith("#"):  # '#Sheet!A1': a place in this document, not a part
                continue
            tgt = resolve(src, r.target)
            if not pkg.has(tgt):
                problems.append(f"{n}: target {r.target} ({tgt}) does not exist")
            elif is_os_junk(tgt):
                problems.append(f"{n}: target {r.target} is not a part ({tgt})")
            if r.type == REL["table"]:
                table_refs[tgt] = table_refs.get(tgt, 0) + 1
    return table_refs


def _check_sheets(pkg: PackageReader, wb: str) -> list[str]:
    """Sheet names, sheetIds and r:ids unique and resolving to parts; defined names unique
    and their ``localSheetId`` in range."""
    problems = []
    sheets = workbook_sheets(pkg, wb)
    if not sheets:
        problems.append("workbook has no sheets")
    seen_names, seen_ids, seen_rids = set(), set(), set()
    for name, sid, rid, part in sheets:
        for seen, v, what in ((seen_names, (name or "").lower(), "name"), (seen_ids, sid, "sheetId"), (seen_rids, rid, "r:id")):
            if v in seen:
                problems.append(f"duplicate sheet {what} {v}")
            seen.add(v)
        if not part or not pkg.has(part):
            problems.append(f"sheet {name}: part missing")
    root = SafeET.fromstring(pkg.read(wb))
    dn = root.find(f"{{{NS['main']}}}definedNames")
    seen_dn = set()
    for el in dn if dn is not None else []:
        lid = el.get("localSheetId")
        key = (el.get("name", "").lower(), lid)
        if key in seen_dn:
            problems.append(f"duplicate defined name {key}")
        seen_dn.add(key)
        if lid is not None and not (0 <= int(lid) < len(sheets)):
            problems.append(f"defined name {el.get('name')} has localSheetId {lid} out of range")
    return problems


def _check_tables(zf: zipfile.ZipFile, ct: ContentTypes, names: list[str], table_refs: dict[str, int]) -> list[str]:
    """Table ids and names unique across the package, each table referenced by one sheet."""
    problems = []
    t_ids, t_names = {}, {}
    for n in names:
        if ct.type_of(n) == "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml":
            head = zf.read(n)[:4000]
            m1, m2 = _TABLE_ID.search(head), _TABLE_NAME.search(head)
            if not m1 or not m2:
                problems.append(f"table part {n} lacks id/displayName")
                continue
            for d, v in ((t_ids, m1.group(1)), (t_names, m2.group(1).lower())):
                if v in d:
                    problems.append(f"table {n}: id/name {v.decode()} also used by {d[v]}")
                d[v] = n
            if table_refs.get(n, 0) != 1:
                problems.append(f"table part {n} is referenced by {table_refs.get(n, 0)} sheets")
    return problems

