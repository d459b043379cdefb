"""Refresh the report sheets of a user's workbook without touching anything else.

The report sheets are rendered standalone (:mod:`crm_xl.render.parts`, cells as inline strings), then
their parts -- worksheet XML, tables, drawings, charts, comments and their rels -- are
spliced into the user's package at the zip level:

* every other part is copied byte for byte (compressed bytes, not even re-deflated), so
  user sheets, their formulas, styles, widths, charts, images, pivot tables, defined
  names and VBA survive exactly and a huge data sheet costs only a raw copy;
* the report's styles are merged into the user's ``styles.xml`` (text-level insertion,
  reusing identical entries) and the cells are written with the merged indices;
* ``[Content_Types].xml``, ``workbook.xml`` (sheets, print-title names) and the workbook
  rels are edited in place; table ids/names stay unique across the package;
* dates are written as serials of the workbook's date system (1900, or 1904 when its
  ``workbookPr`` says ``date1904``), and read back the same way;
* ``calcChain.xml`` is dropped (Excel rebuilds it; a stale one makes Excel repair);
* values users typed in editable columns are read from the old sheet and merged in
  (:mod:`crm_xl.render.editable`);
* the result is checked (:func:`crm_xl.render.opc.check_package`) before it atomically
  replaces the original -- on any error the original file is byte-identical.
"""

from __future__ import annotations

__all__ = ["refresh_workbook", "splice_report"]

import posixpath
import re
import zipfile
import zlib
from dataclasses import replace
from pathlib import Path

from defusedxml import ElementTree as SafeET

from ..atomic import atomic_write, ensure_writable
from ..errors import CrmXlError, WorkbookError
from ..report.spec import ReportSpec
from ..safety import check_workbook_file, check_zip_limits
from ..xmlescape import quoteattr
from .editable import apply_editable
from .opc import (
    NS,
    REL,
    ContentTypes,
    PackageReader,
    Rel,
    check_package,
    is_os_junk,
    parse_rels,
    relative,
    rels_part,
    rels_xml,
    resolve,
    uses_1904_dates,
    workbook_part,
    workbook_sheets,
)
from .parts.skeleton import build_skeleton
from .sheetdata import StringSink
from .splice_edits import (
    _alloc,
    _defined_names,
    _full_calc,
    _kept_tables,
    _new_rid,
    _prefix,
    _renumber_table,
    _rewrite_defined_names,
    _rewrite_sheets,
    _shift_active_tab,
    _sk_defined_names,
    update_app_titles,
)
from .styles_merge import merge_styles
from .xlsx import FIXED_ZIP_TIME
from .xlsx_read import SharedStrings, read_table_rows
from .zipraw import ZipRewriter

WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_OWNED_RELS = {REL["table"], REL["drawing"], REL["chart"], REL["comments"], REL["vmlDrawing"]}
_SHEETDATA = re.compile(rb"<sheetData\s*/>|<sheetData>.*?</sheetData>", re.S)
_DIMENSION = re.compile(rb'<dimension ref="[^"]*"\s*/>')


def refresh_workbook(spec: ReportSpec, path: str | Path, *, out: str | Path | None = None) -> Path:
    """Write ``spec``'s sheets into the existing workbook ``path``.

    In place (atomically) by default, or into ``out``. Sheets of the spec that exist in
    the workbook (names compared ignoring case) are replaced, the others are added next to
    their spec neighbours; everything else is preserved byte for byte. Values typed in
    editable columns are carried over (see :mod:`crm_xl.render.editable`). Raises
    :class:`~crm_xl.errors.WorkbookLockedError` if the target is open/locked/read-only and
    :class:`~crm_xl.errors.WorkbookError` if ``path`` is not a usable workbook; in every
    failure the original file is unchanged.
    """
    spec.validate()
    path = Path(path)
    target = Path(out) if out is not None else path
    if not path.is_file():
        raise WorkbookError(f"找不到工作簿「{path}」。", f"Workbook '{path}' not found.")
    ensure_writable(target)
    if check_workbook_file(path) != "zip":  # encrypted, .xls, not a workbook, zip bomb: refused here
        raise WorkbookError(
            f"「{path.name}」是旧的 .xls 格式，无法在原文件中写入报表。请用 -o 另存为新的 .xlsx 工作簿。",
            f"'{path.name}' is an old .xls workbook; the report cannot be written into it. Write a new .xlsx with -o.",
        )
    with open(path, "rb") as src:
        try:
            zin = zipfile.ZipFile(src)
            check_zip_limits(zin, path.name)
        except zipfile.BadZipFile:
            raise WorkbookError(
                f"「{path.name}」不是有效的 .xlsx/.xlsm 工作簿（可能已损坏、已加密或是旧的 .xls 格式）。",
                f"'{path.name}' is not a valid .xlsx/.xlsm workbook (damaged, encrypted or an old .xls file).",
            ) from None
        with zin, atomic_write(target) as fh:
            written = splice_report(spec, zin, fh)
            fh.seek(0)
            problems = check_package(fh, parse_only=written)
            if problems:
                raise WorkbookError(
                    "内部错误：生成的工作簿结构不一致，已放弃保存，原文件未修改。" + "; ".join(problems[:5]),
                    "Internal error: the refreshed workbook would be inconsistent; nothing was saved. " + "; ".join(problems[:5]),
                )
    return target


def splice_report(spec: ReportSpec, zin: zipfile.ZipFile, fh, *, skeleton=None) -> set[str]:
    """Write ``zin`` with ``spec``'s sheets spliced in to the binary file ``fh``.

    Returns the names of the parts written anew (the others were copied raw). ``skeleton``
    draws the report sheets' parts (the tests compare the openpyxl one it replaced).
    """
    try:
        return _splice(spec, zin, fh, skeleton)
    except CrmXlError:
        raise
    except (KeyError, ValueError, SafeET.ParseError, zipfile.BadZipFile, UnicodeDecodeError, NotImplementedError,
            zlib.error, EOFError, AttributeError, TypeError) as exc:  # (a part missing required attributes)
        raise WorkbookError(
            f"工作簿结构无法识别，无法写入报表（{type(exc).__name__}: {exc}）。原文件未修改。",
            f"The workbook's structure is not recognised, so the report cannot be written ({type(exc).__name__}: {exc}). "
            "The original file was not changed.",
        ) from exc


def _splice(spec: ReportSpec, zin: zipfile.ZipFile, fh, skeleton=None) -> set[str]:
    """The steps of :func:`splice_report`, in order (each a method of :class:`_Splice`)."""
    s = _Splice(spec, zin, skeleton)
    s.carry_over()  # 1
    s.sheet_order()  # 2
    s.drop_old_parts()  # 3
    s.render_standalone()  # 4
    s.merge_styles()  # 5
    s.copy_report_parts()  # 6
    s.rewrite_workbook()  # 7
    return s.write(fh)  # 8


class _Splice:
    """The state one splice builds up step by step: the user's package (``pkg``, its content
    types ``ct``, workbook part, rels and sheets), the report sheets rendered standalone
    (``sk``), the parts that go (``removed``) and the parts written anew (``new_parts``)."""

    def __init__(self, spec: ReportSpec, zin: zipfile.ZipFile, skeleton=None) -> None:
        self.spec, self.zin, self.skeleton = spec, zin, skeleton or build_skeleton
        self.pkg = pkg = PackageReader(zin)
        self.ct = ContentTypes(pkg.read("[Content_Types].xml"))
        self.wb_part = workbook_part(pkg)
        wb_raw = pkg.read(self.wb_part)
        self.wb_bom = wb_raw.startswith(b"\xef\xbb\xbf")  # a UTF-8 byte order mark (some writers, e.g. .NET): kept
        self.wb_xml = wb_raw.decode("utf-8-sig")
        self.wb_rels = pkg.rels(self.wb_part)
        self.sheets = workbook_sheets(pkg, self.wb_part)
        self.date1904 = uses_1904_dates(self.wb_xml)
        self.replaced = self._replaced_sheets()  # spec sheet name -> index in workbook
        self.new_parts: dict[str, bytes | object] = {}

    def _replaced_sheets(self) -> dict[str, int]:
        sheets = self.sheets
        by_name = {name.lower(): i for i, (name, _, _, _) in enumerate(sheets)}
        replaced: dict[str, int] = {}
        for sh in self.spec.sheets:
            i = by_name.get(sh.name.lower())
            if i is not None:
                part = sheets[i][3]
                if self.ct.type_of(part) != WORKSHEET_TYPE:
                    raise WorkbookError(
                        f"工作簿中已有名为「{sheets[i][0]}」的图表工作表或其他非普通工作表，无法用报表替换。请重命名它后重试。",
                        f"The workbook has a chart sheet or other non-worksheet named '{sheets[i][0]}'; rename it and try again.",
                        sheet=sheets[i][0],
                    )
                replaced[sh.name] = i
        return replaced

    def carry_over(self) -> None:
        """1. values users typed in editable columns of the old report sheets"""
        pkg, sheets, replaced = self.pkg, self.sheets, self.replaced
        sst_part = next((resolve(self.wb_part, r.target) for r in self.wb_rels if r.type == REL["sharedStrings"]), None)
        sst = SharedStrings(pkg, sst_part)
        new_sheets = []
        for sh in self.spec.sheets:
            if sh.name in replaced and any(t.needs_carry_over for t in sh.tables):
                part = sheets[replaced[sh.name]][3]
                old = {}
                for t in sh.tables:
                    if t.needs_carry_over:
                        rows = read_table_rows(pkg, part, t, sst, sheet_name=sheets[replaced[sh.name]][0],
                                               date1904=self.date1904)
                        if rows is not None:
                            old[t.name] = rows
                sh = apply_editable(sh, old)
            new_sheets.append(sh)
        self.spec = replace(self.spec, sheets=tuple(new_sheets)).validate()

    def sheet_order(self) -> None:
        """2. final sheet order: existing sheets stay, new ones go next to their spec neighbours"""
        replaced = self.replaced
        order: list[tuple[str, int | None]] = [(name, i) for i, (name, _, _, _) in enumerate(self.sheets)]
        pos_of = lambda n: next(k for k, (nm, _) in enumerate(order) if nm.lower() == n.lower())  # noqa: E731
        spec_names = [s.name for s in self.spec.sheets]
        for k, name in enumerate(spec_names):
            if name in replaced:
                continue
            prev = [n for n in spec_names[:k] if any(o[0].lower() == n.lower() for o in order)]
            nxt = [n for n in spec_names[k + 1:] if n in replaced]
            if prev:
                at = pos_of(prev[-1]) + 1
            elif nxt:
                at = pos_of(nxt[0])
            else:
                at = len(order)
            order.insert(at, (name, None))
        self.order = order
        self.new_index_of_old = {i: k for k, (_, i) in enumerate(order) if i is not None}
        self.final_index = {nm.lower(): k for k, (nm, _) in enumerate(order)}

    def drop_old_parts(self) -> None:
        """3. which parts go: the old report sheets' tables, drawings, charts, comments (unless shared)"""
        pkg, ct = self.pkg, self.ct
        all_rels: dict[str, list[Rel]] = {}
        for n in pkg.infos:
            if n.endswith(".rels") and not is_os_junk(n):
                d = posixpath.dirname(posixpath.dirname(n))
                src = posixpath.join(d, posixpath.basename(n)[:-5]) if posixpath.basename(n) != ".rels" else ""
                all_rels[src] = parse_rels(self.zin.read(n))
        replaced_parts = {self.sheets[i][3] for i in self.replaced.values()}
        candidates = _owned_parts(pkg, all_rels, replaced_parts)
        removed = {pkg.name(p) for p in candidates} | {pkg.name(rels_part(p)) for p in candidates if pkg.has(rels_part(p))}
        removed |= {pkg.name(rels_part(p)) for p in replaced_parts if pkg.has(rels_part(p))}
        calc = [r for r in self.wb_rels if r.type == REL["calcChain"]]
        for r in calc:
            p = resolve(self.wb_part, r.target)
            if pkg.has(p):
                removed.add(pkg.name(p))
        self.wb_rels = [r for r in self.wb_rels if r.type != REL["calcChain"]]
        removed.discard(None)
        for p in list(ct.overrides):
            if p in removed or (pkg.name(p) in removed):
                del ct.overrides[p]
        self.removed = removed

    def render_standalone(self) -> None:
        """4. render the report sheets standalone"""
        sink = StringSink("inline")
        code_names = {}
        for sh in self.spec.sheets:  # keep the VBA code name of a replaced sheet (.xlsm document modules)
            if sh.name in self.replaced:
                head = self.zin.read(self.pkg.name(self.sheets[self.replaced[sh.name]][3]))[:4096]
                m = re.search(rb'<(?:\w+:)?sheetPr\b[^>]*\scodeName="([^"]+)"', head)
                if m:
                    code_names[sh.name] = m.group(1).decode()
        skz = self.skeleton(self.spec, sink, code_names)
        self.cells = skz.cells
        self.sk = sk = PackageReader(skz)
        self.sk_ct = ContentTypes(sk.read("[Content_Types].xml"))
        self.sk_wb = workbook_part(sk)
        self.sk_sheets = workbook_sheets(sk, self.sk_wb)

    def merge_styles(self) -> None:
        """5. styles"""
        sk, new_parts = self.sk, self.new_parts
        styles_rel = next((r for r in self.wb_rels if r.type == REL["styles"]), None)
        if styles_rel is None:
            styles_part = "xl/styles.xml"
            new_parts[styles_part] = sk.read("xl/styles.xml")
            self.ct.overrides[styles_part] = self.sk_ct.type_of("xl/styles.xml")
            self.wb_rels.append(Rel(_new_rid(self.wb_rels), REL["styles"], relative(self.wb_part, styles_part)))
            self.xf_map = lambda i: i
            self.dxf_map: dict[int, int] = {}
        else:
            styles_part = resolve(self.wb_part, styles_rel.target)
            merged = merge_styles(self.pkg.read(styles_part), sk.read("xl/styles.xml"))
            new_parts[self.pkg.name(styles_part)] = merged.xml
            self.xf_map, self.dxf_map = merged.xf_of, merged.dxf

    def copy_report_parts(self) -> None:
        """6. copy the report parts in under fresh names"""
        pkg, ct, sk, sk_ct, new_parts = self.pkg, self.ct, self.sk, self.sk_ct, self.new_parts
        taken = {n.lower() for n in pkg.infos if n not in self.removed}
        kept_tables = _kept_tables(pkg, ct, self.removed)
        used_ids = {i for i, _ in kept_tables}
        used_names = {n for _, n in kept_tables} | _defined_names(self.wb_xml)
        sheet_part_of: dict[str, str] = {}
        for name, _, _, _ in self.sk_sheets:
            if name in self.replaced:
                sheet_part_of[name] = self.sheets[self.replaced[name]][3]
            else:
                sheet_part_of[name] = _alloc(taken, "xl/worksheets/sheet1.xml")
                ct.overrides[sheet_part_of[name]] = WORKSHEET_TYPE

        def copy_related(sk_src: str, new_src: str) -> None:
            rels = sk.rels(sk_src)
            if not rels:
                return
            out = []
            for r in rels:
                if r.external:  # the skeleton writes none for report parts; never carry one over
                    continue
                sk_tgt = resolve(sk_src, r.target)
                new_tgt = _alloc(taken, sk_tgt)
                data = sk.read(sk_tgt)
                if r.type == REL["table"]:
                    data = _renumber_table(data, used_ids, used_names)
                new_parts[new_tgt] = data
                t = sk_ct.type_of(sk_tgt)
                if ct.type_of(new_tgt) != t:
                    ct.overrides[new_tgt] = t
                copy_related(sk_tgt, new_tgt)
                out.append(Rel(r.id, r.type, relative(new_src, new_tgt)))
            new_parts[rels_part(new_src)] = rels_xml(out)

        for name, _, _, sk_part in self.sk_sheets:
            new_part = sheet_part_of[name]
            copy_related(sk_part, new_part)
            new_parts[new_part] = _SheetWriter(sk.read(sk_part), self.cells[name], self.xf_map, self.dxf_map,
                                               self.date1904)
        self.sheet_part_of = sheet_part_of

    def rewrite_workbook(self) -> None:
        """7. workbook.xml: sheets, defined names, calc flags, active tab"""
        pkg, ct, wb_part, wb_rels, sheets, order = self.pkg, self.ct, self.wb_part, self.wb_rels, self.sheets, self.order
        wb_xml = self.wb_xml
        r_prefix = _prefix(wb_xml, NS["r"])
        main_prefix = _prefix(wb_xml, NS["main"])
        if main_prefix is None:
            raise WorkbookError("workbook.xml 的命名空间无法识别。", "workbook.xml uses an unknown namespace.")
        if r_prefix is None:
            r_prefix = "r"
            wb_xml = re.sub(r"(<(?:[\w.-]+:)?workbook\b)", rf'\1 xmlns:r="{NS["r"]}"', wb_xml, count=1)
        max_id = max([int(s[1]) for s in sheets if s[1] and s[1].isdigit()] + [0])
        new_elems = {}
        for name, _ in [o for o in order if o[1] is None]:
            rid = _new_rid(wb_rels)
            wb_rels.append(Rel(rid, REL["worksheet"], relative(wb_part, self.sheet_part_of[name])))
            max_id += 1
            p = f"{main_prefix}:" if main_prefix else ""
            new_elems[name] = f"<{p}sheet name={quoteattr(name)} sheetId=\"{max_id}\" {r_prefix}:id=\"{rid}\"/>"
        wb_xml = _rewrite_sheets(wb_xml, main_prefix, order, new_elems)
        sk_names = _sk_defined_names(self.sk.read(self.sk_wb), [s[0] for s in self.sk_sheets], self.final_index,
                                     main_prefix)
        replaced_new_idx = {self.new_index_of_old[i] for i in self.replaced.values()}
        wb_xml = _rewrite_defined_names(wb_xml, main_prefix, self.new_index_of_old, replaced_new_idx, sk_names)
        if any(c.formula for s in self.spec.sheets for t in s.tables for c in t.columns):
            wb_xml = _full_calc(wb_xml, main_prefix)
        wb_xml = _shift_active_tab(wb_xml, self.new_index_of_old)
        new_parts = self.new_parts
        new_parts[pkg.name(wb_part)] = (b"\xef\xbb\xbf" if self.wb_bom else b"") + wb_xml.encode("utf-8")
        app_part = next((resolve("", r.target) for r in pkg.rels("") if r.type == REL["extended"] and not r.external),
                        None)
        if app_part and pkg.has(app_part):
            titles = [nm for nm, i in order if i is None or ct.type_of(sheets[i][3]) == WORKSHEET_TYPE]
            app = update_app_titles(pkg.read(app_part), titles)
            if app is not None:
                new_parts[pkg.name(app_part)] = app
        new_parts[pkg.name(rels_part(wb_part)) or rels_part(wb_part)] = rels_xml(wb_rels)
        final = {n.lower() for n in pkg.infos if n not in self.removed} | {n.lower() for n in new_parts}
        for p in [p for p in ct.overrides if p.lower() not in final]:
            del ct.overrides[p]  # an Override naming a part the package lacks (some writers leave them): dropped
        new_parts["[Content_Types].xml"] = ct.xml()

    def write(self, fh) -> set[str]:
        """8. write: the user's parts in their order (raw copies unless replaced), then new parts"""
        new_parts, removed = self.new_parts, self.removed
        zw = ZipRewriter(fh)
        written: set[str] = set()
        for info in self.zin.infolist():
            n = info.filename
            if info.is_dir():
                continue
            if n in new_parts:  # replaced in place (also a removed part whose name was reused)
                _emit(zw, n, new_parts.pop(n), info.date_time)
                written.add(n)
            elif n in removed:
                continue
            else:
                zw.copy(self.zin, info)
        for n, data in new_parts.items():
            _emit(zw, n, data, FIXED_ZIP_TIME)
            written.add(n)
        zw.close()
        return written


def _owned_parts(pkg: PackageReader, all_rels: dict[str, list[Rel]], replaced_parts: set[str]) -> set[str]:
    """The parts only the replaced sheets lead to (their tables, drawings, charts, comments and
    what those refer to), less any a surviving part still refers to."""
    candidates: set[str] = set()
    stack = list(replaced_parts)
    while stack:
        src = stack.pop()
        for r in all_rels.get(src, []):
            if r.external:
                continue
            if src in replaced_parts and r.type not in _OWNED_RELS and not r.type.endswith("/printerSettings"):
                continue
            tgt = resolve(src, r.target)
            if tgt not in candidates and pkg.has(tgt) and tgt not in replaced_parts:
                candidates.add(tgt)
                stack.append(tgt)
    changed = True
    while changed:  # keep a part any surviving part still refers to
        changed = False
        for src, rels in all_rels.items():
            if src in replaced_parts or src in candidates or (src and not pkg.has(src)):
                continue
            for r in rels:
                if not r.external and resolve(src, r.target) in candidates:
                    keep = resolve(src, r.target)
                    candidates.discard(keep)
                    changed = True
    return candidates


def _emit(zw: ZipRewriter, name: str, data, date_time) -> None:
    if isinstance(data, _SheetWriter):
        zw.write_chunks(name, data.chunks(), date_time)
    else:
        zw.write(name, data, date_time)


class _SheetWriter:
    """A worksheet part: the skeleton's XML with the cells streamed in."""

    def __init__(self, skeleton: bytes, cells, xf_map, dxf_map: dict[int, int], date1904: bool = False) -> None:
        m = _SHEETDATA.search(skeleton)
        head, tail = skeleton[: m.start()], skeleton[m.end():]
        head = _DIMENSION.sub(f'<dimension ref="{cells.dimension}"/>'.encode(), head, count=1)
        head = re.sub(rb'(<col\b[^>]*\sstyle=")(\d+)"', lambda x: x.group(1) + str(xf_map(int(x.group(2)))).encode() + b'"', head)
        tail = re.sub(rb'(<cfRule\b[^>]*\sdxfId=")(\d+)"', lambda x: x.group(1) + str(dxf_map.get(int(x.group(2)), int(x.group(2)))).encode() + b'"', tail)
        self.head, self.tail, self.cells, self.xf_map = head, tail, cells, xf_map
        self.date1904 = date1904

    def chunks(self):
        yield self.head
        for chunk in self.cells.iter_xml(self.xf_map, date1904=self.date1904):
            yield chunk.encode("utf-8")
        yield self.tail

