"""Fidelity harness: check a workbook the way Excel's stricter readers do (issue 17).

Two layers, both returning a list of human-readable problems (``[]`` = valid):

* :func:`schema_problems` -- the parts validated against the Office Open XML schemas with
  ``openxml-audit`` (PyPI, MIT): the ECMA-376 transitional schemas plus Office's extension
  namespaces as the Open XML SDK compiles them, and the SDK's semantic constraints, in pure
  Python over lxml. No package on PyPI, npm or Debian ships the ECMA-376 XSD files
  themselves (checked for issue 17), so this is the schema layer CI can install. Because
  that validator walks every element in Python, each worksheet's ``<sheetData>`` is cut to
  its first :data:`SCHEMA_ROWS` rows before validation (report rows repeat one shape; the
  semantic layer below still reads every cell).
* :func:`semantic_problems` -- what makes Excel "repair" a file that a schema accepts:
  content types vs parts and relationships (:func:`crm_xl.render.opc.check_package`),
  shared-string counts and indexes, style / number-format / font / fill / border / dxf
  indexes, named styles, defined names, sheet-name rules, data-validation lengths, row and
  cell order and Excel's grid, cell text and formula lengths, table names / ranges / header
  cells, chart references, merged cells and ``docProps/app.xml``.

:func:`new_problems` compares a refreshed workbook with its original: a user's workbook
may arrive with problems of its own (a missing theme, a stale app.xml); a refresh must not
add any.
"""

from __future__ import annotations

import io
import itertools
import re
import zipfile
from functools import lru_cache
from pathlib import Path
from xml.etree import ElementTree as ET

from crm_xl.render.opc import (
    NS,
    REL,
    ContentTypes,
    PackageReader,
    check_package,
    is_os_junk,
    resolve,
    workbook_part,
    workbook_sheets,
)

SCHEMA_ROWS = 150
MAIN = "{%s}" % NS["main"]
R_ID = "{%s}id" % NS["r"]
WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
TABLE = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"
CHART = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
MAX_ROWS, MAX_COLS, MAX_TEXT, MAX_FORMULA, MAX_LIST = 1_048_576, 16_384, 32_767, 8_192, 255
_REF = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")
_CELLISH = re.compile(r"^(?:[A-Za-z]{1,3}\d+|[Rr]\d*[Cc]\d*|[Rr]|[Cc])$")
_BAD_SHEET_CHARS = set('[]:*?/\\')


def _col(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _ref(ref: str) -> tuple[int, int] | None:
    m = _REF.match(ref or "")
    return (int(m.group(2)), _col(m.group(1))) if m else None


def _range(ref: str) -> tuple[int, int, int, int] | None:
    a, _, b = (ref or "").partition(":")
    p, q = _ref(a), _ref(b or a)
    return (p[0], p[1], q[0], q[1]) if p and q else None


def units(s: str) -> int:
    """Length in UTF-16 code units, as Excel counts text."""
    return len(s.encode("utf-16-le", "surrogatepass")) // 2


def _text(el) -> str:
    """Text of an <si> / <is>: its <t> and the runs' <t> (phonetic runs excluded)."""
    out = []
    for child in el:
        if child.tag == MAIN + "t":
            out.append(child.text or "")
        elif child.tag == MAIN + "r":
            out.extend(t.text or "" for t in child.iter(MAIN + "t"))
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), "".join(out))


# ----------------------------------------------------------------------------- semantic


def semantic_problems(path) -> list[str]:
    """Problems Excel would repair or refuse; ``[]`` when none."""
    problems = list(check_package(path))
    with zipfile.ZipFile(path) as zf:
        pkg = PackageReader(zf)
        ct = ContentTypes(pkg.read("[Content_Types].xml"))
        wb = workbook_part(pkg)
        wb_root = ET.fromstring(pkg.read(wb))
        sheets = workbook_sheets(pkg, wb)
        wb_rels = pkg.rels(wb)

        # sheet names (Excel: 1-31 characters, none of []:*?/\, no leading/trailing apostrophe)
        for name, *_ in sheets:
            name = name or ""
            if not 1 <= units(name) <= 31 or set(name) & _BAD_SHEET_CHARS or name[:1] == "'" or name[-1:] == "'":
                problems.append(f"sheet name {name!r} breaks Excel's rules")
            if name.lower() == "history":
                problems.append("sheet name 'History' is reserved by Excel")

        # shared strings
        sst_rel = next((r for r in wb_rels if r.type == REL["sharedStrings"]), None)
        sst_texts: list[str] = []
        sst_count = None
        if sst_rel and pkg.has(resolve(wb, sst_rel.target)):
            root = ET.fromstring(pkg.read(resolve(wb, sst_rel.target)))
            sst_texts = [_text(si) for si in root.findall(MAIN + "si")]
            if root.get("uniqueCount") is not None and int(root.get("uniqueCount")) != len(sst_texts):
                problems.append(f"sharedStrings uniqueCount {root.get('uniqueCount')} != {len(sst_texts)} items")
            sst_count = int(root.get("count")) if root.get("count") is not None else None
            problems += [f"shared string {i} longer than {MAX_TEXT} UTF-16 units"
                         for i, t in enumerate(sst_texts) if units(t) > MAX_TEXT]

        # styles
        styles_rel = next((r for r in wb_rels if r.type == REL["styles"]), None)
        n_xf = n_dxf = 0
        if styles_rel and pkg.has(resolve(wb, styles_rel.target)):
            st = ET.fromstring(pkg.read(resolve(wb, styles_rel.target)))
            problems += _style_problems(st)
            n_xf = len(st.findall(f"{MAIN}cellXfs/{MAIN}xf"))
            n_dxf = len(st.findall(f"{MAIN}dxfs/{MAIN}dxf"))

        # defined names
        names_seen = set()
        for dn in wb_root.findall(f"{MAIN}definedNames/{MAIN}definedName"):
            name = dn.get("name") or ""
            if not name or (not name.startswith("_xlnm.") and (_CELLISH.match(name) or not re.match(r"^[\w\\.?]+$", name))
                            and not name.startswith("_xlfn.")):
                problems.append(f"defined name {name!r} is not a valid Excel name")
            if not (dn.text or "").strip():
                problems.append(f"defined name {name!r} is empty")
            if units(dn.text or "") > MAX_FORMULA:
                problems.append(f"defined name {name!r} longer than {MAX_FORMULA}")
            names_seen.add(name.lower())

        # worksheets: cells, validations, tables, merges
        refs_to_sst = 0
        table_names: dict[str, str] = {}
        for name, _, _, part in sheets:
            if not part or not pkg.has(part) or ct.type_of(part) != WORKSHEET:
                continue
            cells, n_refs, sheet_problems = _sheet_problems(zf, pkg.name(part), name, len(sst_texts), n_xf, n_dxf)
            refs_to_sst += n_refs
            problems += sheet_problems
            for r in pkg.rels(part):
                if r.type == REL["table"] and not r.external and pkg.has(resolve(part, r.target)):
                    problems += _table_problems(pkg.read(resolve(part, r.target)), name, cells, sst_texts,
                                                table_names, names_seen)
        if sst_count is not None and sst_count < refs_to_sst:
            problems.append(f"sharedStrings count {sst_count} < {refs_to_sst} references")

        # charts: every reference names an existing sheet and a range inside Excel's grid
        sheet_names = {(n or "").lower() for n, *_ in sheets}
        for n in pkg.infos:
            if ct.type_of(n) == CHART:
                for f in re.findall(rb"<c:f>([^<]*)</c:f>", zf.read(n)):
                    problems += _chart_ref_problems(f.decode("utf-8"), sheet_names, n)

        problems += _app_problems(pkg, sheets, ct)
    return problems


def _style_problems(st) -> list[str]:
    out = []
    count = {k: len(st.findall(f"{MAIN}{k}/{MAIN}{c}")) for k, c in
             (("fonts", "font"), ("fills", "fill"), ("borders", "border"), ("cellStyleXfs", "xf"), ("cellXfs", "xf"),
              ("dxfs", "dxf"), ("numFmts", "numFmt"), ("cellStyles", "cellStyle"))}
    for k in count:
        el = st.find(MAIN + k)
        if el is not None and el.get("count") is not None and int(el.get("count")) != count[k]:
            out.append(f"styles: {k} count={el.get('count')} but {count[k]} children")
    fmts = {int(n.get("numFmtId")) for n in st.findall(f"{MAIN}numFmts/{MAIN}numFmt")}
    for where in ("cellXfs", "cellStyleXfs"):
        for i, xf in enumerate(st.findall(f"{MAIN}{where}/{MAIN}xf")):
            for attr, key in (("fontId", "fonts"), ("fillId", "fills"), ("borderId", "borders")):
                if int(xf.get(attr, "0")) >= max(count[key], 1 if attr != "fontId" else count[key]) and not (
                        xf.get(attr) is None and count[key] == 0 and attr != "fontId"):
                    out.append(f"styles: {where}[{i}] {attr}={xf.get(attr, '0')} out of range ({count[key]})")
            nf = int(xf.get("numFmtId", "0"))
            if nf >= 164 and nf not in fmts:
                out.append(f"styles: {where}[{i}] numFmtId={nf} is not defined")
            if where == "cellXfs" and int(xf.get("xfId", "0")) >= count["cellStyleXfs"]:
                out.append(f"styles: cellXfs[{i}] xfId={xf.get('xfId', '0')} names no cellStyleXfs entry ({count['cellStyleXfs']})")
    for cs in st.findall(f"{MAIN}cellStyles/{MAIN}cellStyle"):
        if int(cs.get("xfId", "0")) >= count["cellStyleXfs"]:
            out.append(f"styles: cell style {cs.get('name')!r} xfId out of range")
    return out


def _sheet_problems(zf, part, sheet, n_sst, n_xf, n_dxf):
    """(cells' text by (row, col), shared-string references, problems) of one worksheet."""
    out: list[str] = []
    cells: dict[tuple[int, int], object] = {}
    n_refs = 0
    row = last_col = 0
    merges: list[tuple[int, int, int, int]] = []
    with zf.open(part) as fh:
        for event, el in ET.iterparse(fh, events=("start", "end")):
            tag = el.tag
            if event == "start":
                if tag == MAIN + "row":
                    r = int(el.get("r")) if el.get("r") is not None else row + 1
                    if r <= row:
                        out.append(f"{sheet}: row {r} after row {row}")
                    if not 1 <= r <= MAX_ROWS:
                        out.append(f"{sheet}: row {r} outside Excel's grid")
                    if el.get("s") is not None and int(el.get("s")) >= n_xf:
                        out.append(f"{sheet}: row {r} style {el.get('s')} out of range")
                    row, last_col = r, 0
                continue
            if tag == MAIN + "c":
                rc = _ref(el.get("r", "")) if el.get("r") is not None else (row, last_col + 1)
                if rc is None:
                    out.append(f"{sheet}: cell reference {el.get('r')!r} is not valid")
                    rc = (row, last_col + 1)
                r, col = rc
                where = f"{sheet}!{el.get('r') or (r, col)}"
                if r != row:
                    out.append(f"{where}: cell outside its row {row}")
                if col <= last_col:
                    out.append(f"{where}: cells out of order in row {row}")
                if col > MAX_COLS:
                    out.append(f"{where}: beyond column XFD")
                last_col = col
                s = int(el.get("s", "0"))
                if s and s >= n_xf:
                    out.append(f"{where}: style {s} out of range ({n_xf} cell formats)")
                t = el.get("t", "n")
                v = el.find(MAIN + "v")
                f = el.find(MAIN + "f")
                if f is not None and f.text and units(f.text) > MAX_FORMULA:
                    out.append(f"{where}: formula longer than {MAX_FORMULA} characters")
                text = None
                if t == "s" and v is not None:
                    n_refs += 1
                    i = int(v.text)
                    if not 0 <= i < n_sst:
                        out.append(f"{where}: shared string {i} out of range ({n_sst})")
                    text = ("s", i)
                elif t == "inlineStr":
                    is_ = el.find(MAIN + "is")
                    text = _text(is_) if is_ is not None else ""
                    if units(text) > MAX_TEXT:
                        out.append(f"{where}: text longer than {MAX_TEXT} UTF-16 units")
                elif t == "str" and v is not None:
                    text = v.text or ""
                elif t == "n" and v is not None and v.text:
                    try:
                        float(v.text)
                    except (TypeError, ValueError):
                        out.append(f"{where}: number cell holds {v.text!r}")
                if text is not None and len(cells) < 200_000:
                    cells[(r, col)] = text
                el.clear()
            elif tag == MAIN + "row":
                el.clear()
            elif tag == MAIN + "mergeCell":
                rg = _range(el.get("ref", ""))
                if rg is None:
                    out.append(f"{sheet}: merge {el.get('ref')!r} is not a range")
                else:
                    merges.append(rg)
            elif tag == MAIN + "dataValidation":
                for f in el:
                    if f.tag == MAIN + "formula1" and (f.text or "").startswith('"') and units(f.text) - 2 > MAX_LIST:
                        out.append(f"{sheet}: validation list longer than {MAX_LIST} characters")
                if not el.get("sqref"):
                    out.append(f"{sheet}: data validation without sqref")
            elif tag == MAIN + "dataValidations":
                if el.get("count") is not None and int(el.get("count")) != len(el.findall(MAIN + "dataValidation")):
                    out.append(f"{sheet}: dataValidations count does not match")
            elif tag == MAIN + "cfRule":
                if el.get("dxfId") is not None and int(el.get("dxfId")) >= n_dxf:
                    out.append(f"{sheet}: conditional format dxfId {el.get('dxfId')} out of range ({n_dxf})")
            elif tag == MAIN + "col":
                if int(el.get("style", "0")) and int(el.get("style")) >= n_xf:
                    out.append(f"{sheet}: column style {el.get('style')} out of range")
                if int(el.get("max", "1")) > MAX_COLS or int(el.get("min", "1")) > int(el.get("max", "1")):
                    out.append(f"{sheet}: column range {el.get('min')}-{el.get('max')} invalid")
    for i, a in enumerate(merges):
        for b in merges[i + 1:]:
            if a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]:
                out.append(f"{sheet}: merged ranges overlap")
    return cells, n_refs, out


def _table_problems(xml: bytes, sheet: str, cells, sst_texts, table_names: dict, defined: set) -> list[str]:
    out = []
    root = ET.fromstring(xml)
    name = root.get("displayName") or root.get("name") or ""
    if not re.match(r"^[A-Za-z_\\][\w.\\]*$", name) or _CELLISH.match(name) or len(name) > 255:
        out.append(f"table name {name!r} is not valid")
    if name.lower() in table_names or name.lower() in defined:
        out.append(f"table name {name!r} used twice")
    table_names[name.lower()] = sheet
    rg = _range(root.get("ref", ""))
    if rg is None:
        return out + [f"table {name}: ref {root.get('ref')!r} invalid"]
    cols = root.findall(f"{MAIN}tableColumns/{MAIN}tableColumn")
    if len(cols) != rg[3] - rg[1] + 1:
        out.append(f"table {name}: {len(cols)} columns for a {rg[3] - rg[1] + 1}-column range")
    names = [c.get("name") or "" for c in cols]
    if len({n.lower() for n in names}) != len(names):
        out.append(f"table {name}: duplicate column names")
    af = root.find(MAIN + "autoFilter")
    if af is not None and _range(af.get("ref", "")) and _range(af.get("ref"))[1::2] != rg[1::2]:
        out.append(f"table {name}: autoFilter columns differ from the table's")
    if root.get("headerRowCount", "1") != "0":
        for i, cname in enumerate(names):
            v = cells.get((rg[0], rg[1] + i))
            if isinstance(v, tuple):
                v = sst_texts[v[1]] if v[1] < len(sst_texts) else None
            if v is not None and v != cname:
                out.append(f"table {name}: header cell {v!r} differs from column name {cname!r} (Excel repairs the table)")
    return out


def _chart_ref_problems(f: str, sheet_names: set, part: str) -> list[str]:
    out = []
    for piece in re.split(r",(?=(?:[^']*'[^']*')*[^']*$)", f.strip("()")):
        sheet, bang, rng = piece.rpartition("!")
        if not bang:
            continue
        name = sheet[1:-1].replace("''", "'") if sheet.startswith("'") else sheet
        if name.lower() not in sheet_names:
            out.append(f"{part}: reference {piece!r} names a missing sheet")
        if _range(rng.replace("$", "")) is None:
            out.append(f"{part}: reference {piece!r} is not a range")
    return out


def _app_problems(pkg: PackageReader, sheets, ct) -> list[str]:
    app_rel = next((r for r in pkg.rels("") if r.type == REL["extended"]), None)
    if app_rel is None or not pkg.has(resolve("", app_rel.target)):
        return []
    ep = "{http://schemas.openxmlformats.org/officeDocument/2006/extended-properties}"
    vt = "{http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes}"
    root = ET.fromstring(pkg.read(resolve("", app_rel.target)))
    hp, tp = root.find(f"{ep}HeadingPairs/{vt}vector"), root.find(f"{ep}TitlesOfParts/{vt}vector")
    if hp is None or tp is None:
        return []
    out = []
    for vec in (hp, tp):
        if vec.get("size") is not None and int(vec.get("size")) != len(vec):
            out.append("app.xml: vector size does not match its items")
    counts = [int(v[0].text) for v in hp if len(v) and v[0].tag == vt + "i4"]
    titles = [t.text or "" for t in tp]
    if sum(counts) != len(titles):
        out.append(f"app.xml: HeadingPairs count {sum(counts)} != {len(titles)} titles")
    elif counts:
        worksheets = [n for n, _, _, p in sheets if ct.type_of(p) == WORKSHEET]
        if titles[: counts[0]] != worksheets:
            out.append(f"app.xml lists {counts[0]} worksheets {titles[:counts[0]][:5]}..., the workbook has {len(worksheets)}")
    return out


# ----------------------------------------------------------------------------- schema


_POSITIONS: dict[int, tuple] = {}


def _sibling_position(element) -> int:
    """openxml-audit's ``_sibling_position`` (the ``[N]`` of an error's path) without its
    quadratic walk: the positions of a parent's children are computed once per validation.
    The parent and its children are kept alive in the cache, so lxml hands out the same
    proxy objects and their ids stay valid until :func:`_validate` clears it."""
    parent = element.getparent()
    if parent is None:
        return 1
    entry = _POSITIONS.get(id(parent))
    if entry is None or entry[0] is not parent:
        kids = list(parent)
        seen: dict[object, int] = {}
        pos = {}
        for k in kids:
            seen[k.tag] = seen.get(k.tag, 0) + 1
            pos[id(k)] = seen[k.tag]
        entry = _POSITIONS[id(parent)] = (parent, kids, pos)
    return entry[2].get(id(element), 1)


@lru_cache(maxsize=1)
def _validator():
    import openxml_audit.context as ctx
    from openxml_audit import OpenXmlValidator

    if hasattr(ctx, "_sibling_position"):  # openxml-audit 0.8: same result, linear time
        ctx._sibling_position = _sibling_position
    return OpenXmlValidator(max_errors=100)


_ROW_START = re.compile(rb"<(?:\w+:)?row\b")
_SHEETDATA_END = re.compile(rb"</(?:\w+:)?sheetData\s*>")


def _trimmed(path, rows: int) -> io.BytesIO:
    """A copy of the package with each worksheet's sheetData cut to its first ``rows`` rows
    (and OS junk left out: it is no part of the package the schemas describe)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        ct = ContentTypes(zin.read("[Content_Types].xml"))
        for info in zin.infolist():
            if info.is_dir() or is_os_junk(info.filename):
                continue
            data = zin.read(info.filename)
            if ct.type_of(info.filename) == WORKSHEET:
                starts = [m.start() for m in itertools.islice(_ROW_START.finditer(data), rows + 1)]
                if len(starts) > rows:
                    end = _SHEETDATA_END.search(data, starts[-1])
                    if end:
                        data = data[: starts[-1]] + data[end.start():]
            zout.writestr(info.filename, data)
    buf.seek(0)
    return buf


GENERATED_TIME = (1980, 1, 1, 0, 0, 0)  # crm_xl.render.xlsx.FIXED_ZIP_TIME: the parts crm_xl generates


def generated_parts(path) -> set[str]:
    """Part names (``/xl/...``) crm_xl generated: new workbooks' parts and the report parts
    a refresh adds carry the fixed zip time; the user's parts keep their own."""
    with zipfile.ZipFile(path) as z:
        return {"/" + i.filename for i in z.infolist() if i.date_time == GENERATED_TIME}


def schema_problems(path, *, rows: int = SCHEMA_ROWS, parts: set[str] | None = None) -> list[str]:
    """Schema (and SDK semantic) errors of the package's parts (of ``parts`` only, when
    given); ``[]`` when valid."""
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=Path(path).suffix or ".xlsx") as tmp:
        tmp.write(_trimmed(path, rows).getvalue())
        tmp.flush()
        try:
            result = _validator().validate(tmp.name)
        finally:
            _POSITIONS.clear()
    from openxml_audit import ValidationSeverity

    return [f"[schema] {e.part_uri}:{e.path}: {e.description}" for e in result.errors
            if e.severity == ValidationSeverity.ERROR and (parts is None or e.part_uri in parts)]


# ----------------------------------------------------------------------------- both


def problems(path, *, schema: bool | str = True) -> list[str]:
    """Every problem of the workbook at ``path`` (semantic, then schema; with
    ``schema="generated"`` the schema errors of the parts crm_xl generated only)."""
    out = semantic_problems(path)
    if schema == "generated":
        out += schema_problems(path, parts=generated_parts(path))
    elif schema:
        out += schema_problems(path)
    return out


def sweep_problems(path) -> list[str]:
    """``problems(path, schema="generated")`` for the sweep of tests/test_fidelity.py, a
    workbook the checker cannot even read being a problem (a top-level function: the sweep
    may run it in worker processes)."""
    try:
        return problems(path, schema="generated")
    except Exception as exc:  # noqa: BLE001 - a workbook the checker cannot even read is a failure
        return [f"unreadable: {type(exc).__name__}: {exc}"]


def _key(p: str) -> str:
    """A problem with the numbers that shift when sheets are added (sheet part numbers,
    indexes, counts) blurred, so the same problem before and after a refresh compares equal."""
    return re.sub(r"\d+", "#", p)


def new_problems(before: list[str], after: list[str]) -> list[str]:
    """Problems of ``after`` that ``before`` did not have."""
    seen = {_key(p) for p in before}
    return [p for p in after if _key(p) not in seen]

