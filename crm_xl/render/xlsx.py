"""ReportSpec -> .xlsx file.

:mod:`crm_xl.render.parts` writes the workbook's structure -- styles, Excel Tables, data
validation, conditional formats, native charts, notes, frozen panes, print setup,
properties -- as text, without openpyxl (issue 20; the bytes are the ones openpyxl wrote
before, which ``tests/test_skeleton_direct.py`` checks), and the cells are streamed into each
worksheet part by :mod:`crm_xl.render.sheetdata` (column-wise, vectorised), which keeps a
100k-row report close to a raw streaming writer's speed.

Public entry points:

* :func:`render_workbook` -- write a new workbook (atomically).
* :func:`write_package` -- the same into any binary file object (used by the refresh,
  which renders the report sheets standalone and splices them into the user's package).
"""

from __future__ import annotations

__all__ = ["render_workbook", "write_package", "FIXED_ZIP_TIME"]

import contextlib
import functools
import itertools
import json
import os
import re
import tempfile
import zipfile
from collections.abc import Iterator, Set
from pathlib import Path

from .. import beside
from ..atomic import atomic_write
from ..report.spec import ReportSpec
from .deflate import BIG_PART
from .opc import REL, ContentTypes, PackageReader, Rel, relative, rels_part, rels_xml, workbook_part, workbook_sheets
from .parts import Skeleton
from .parts.skeleton import build_skeleton
from .sheetdata import SheetCells, StringSink
from .styles_merge import schema_order_fonts
from .zippipe import ZipPipeline, deflate_to

FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # zip entry time of generated parts: reproducible output

SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"

def render_workbook(spec: ReportSpec, path: str | Path) -> Path:
    """Write ``spec`` as a new workbook at ``path`` (atomically: temp file, then replace).

    Every sheet of the spec is drawn in order. Raises
    :class:`~crm_xl.errors.WorkbookLockedError` if ``path`` exists and is open elsewhere
    or read-only (the existing file is left untouched).
    """
    spec.validate()
    path = Path(path)
    with atomic_write(path) as fh:
        write_package(spec, fh)
    return path


def write_package(spec: ReportSpec, fh, *, strings: str = "shared", skeleton=None) -> None:
    """Write ``spec`` as an .xlsx package into the binary file object ``fh``.

    ``strings='inline'`` writes text as inline strings (no shared-string table entries),
    which is how parts destined for a user's package are made. ``skeleton`` makes the parts
    but the cells (:func:`crm_xl.render.parts.skeleton.build_skeleton`; the tests pass the
    openpyxl one it replaced, to compare the two packages).
    """
    spec.validate()
    sink = StringSink(strings)
    sk = (skeleton or build_skeleton)(spec, sink)
    _finish(sk, fh, sink, data_sheets={sh.name for sh in spec.sheets if sh.kind == "data"})


# ---------------------------------------------------------------------------------------
# finish: stream the cells into the skeleton's worksheet parts

_SHEETDATA = re.compile(rb"<sheetData\s*/>|<sheetData>.*?</sheetData>", re.S)


_DIMENSION = re.compile(rb'<dimension ref="[^"]*"\s*/>')


# Data sheets with at least this many cells have their XML made by a forked child while the
# report sheets' is made here (crm_xl.beside): ~0.4 s of a 10k-customer run, ~4 s at 100k.
# Below it the fork (a few ms, more for a big process) is not worth it.
BESIDE_CELLS = 50_000


def _sheet_pieces(zin: Skeleton, name: str, sc: SheetCells) -> Iterator[bytes]:
    """The bytes of one worksheet part: the skeleton's XML with its ``<sheetData>`` replaced
    by ``sc``'s cells and its dimension by ``sc``'s extent."""
    xml = zin.read(name)
    xml = _DIMENSION.sub(f'<dimension ref="{sc.dimension}"/>'.encode(), xml, count=1)
    m = _SHEETDATA.search(xml)
    return itertools.chain((xml[: m.start()],), (c.encode("utf-8") for c in sc.iter_xml()), (xml[m.end():],))


def _is_big(sc: SheetCells) -> bool:
    """Whether a worksheet part is deflated as a big part (crm_xl.render.deflate)."""
    return sc.size_hint >= BIG_PART


def _write_parts(zin: Skeleton, parts: dict[str, SheetCells], folder: str) -> None:
    """(In the child of :func:`crm_xl.beside.start`) each part deflated into ``folder``
    (``i.deflate``) with its CRC-32 and size (``i.json``)."""
    for i, (name, sc) in enumerate(parts.items()):
        crc, size = deflate_to(os.path.join(folder, f"{i}.deflate"), _sheet_pieces(zin, name, sc), _is_big(sc))
        with open(os.path.join(folder, f"{i}.json"), "w", encoding="ascii") as f:
            json.dump({"crc": crc, "size": size}, f)


def _finish(zin: Skeleton, fh, sink: StringSink, *, data_sheets: Set[str] = frozenset()) -> None:
    cells, modified = zin.cells, zin.modified
    with contextlib.ExitStack() as stack:
        zout = stack.enter_context(zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED))
        pkg = PackageReader(zin)
        wb = workbook_part(pkg)
        sheet_parts = workbook_sheets(pkg, wb)
        by_part = {part: cells[name] for name, _, _, part in sheet_parts}
        # the big raw data sheets (their strings inline, see _skeleton) are made beside
        beside_parts = {part: cells[name] for name, _, _, part in sheet_parts
                        if name in data_sheets and cells[name].cell_count >= BESIDE_CELLS}
        made: dict[str, str] = {}
        if beside_parts:
            folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="crm_xl-"))
            job = beside.start(functools.partial(_write_parts, zin, beside_parts, folder))
            stack.callback(job.cancel)
            made = {part: os.path.join(folder, str(i)) for i, part in enumerate(beside_parts)}
        names = [i.filename for i in zin.infolist()]
        extra: dict[str, bytes] = {}
        if sink.mode == "shared" and "xl/sharedStrings.xml" not in names:
            # the skeleton has no shared-string part (as openpyxl wrote none for cells without text)
            ct = ContentTypes(zin.read("[Content_Types].xml"))
            ct.overrides["xl/sharedStrings.xml"] = SST_TYPE
            rels = pkg.rels(wb)
            used = {r.id for r in rels}
            rid = next(f"rId{i}" for i in range(len(rels) + 1, len(rels) + 1000) if f"rId{i}" not in used)
            rels.append(Rel(rid, REL["sharedStrings"], relative(wb, "xl/sharedStrings.xml")))
            extra = {"[Content_Types].xml": ct.xml(), rels_part(wb): rels_xml(rels), "xl/sharedStrings.xml": b""}
            names.append("xl/sharedStrings.xml")
        if modified is not None and "docProps/core.xml" in names:
            # the save time is stamped; a spec with a fixed date is reproducible byte for byte
            stamp = modified.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"
            extra["docProps/core.xml"] = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(),
                                                zin.read("docProps/core.xml"))
        # deflating and writing in a worker thread, overlapping the making of the next parts
        with ZipPipeline(zout) as pipe:
            for name in names:
                info = zipfile.ZipInfo(name, FIXED_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                if name in by_part:
                    sc = by_part[name]
                    big = _is_big(sc)  # (big parts: deflated as the refresh path does, crm_xl.render.deflate)
                    if name in made and not job.done():
                        made = {}  # (no child made them, or it failed: made here, the same bytes)
                    # zip64 only when the part may pass 2 GiB: some Excel builds dislike it
                    zip64 = sc.size_hint > 1_500_000_000
                    if name in made:
                        with open(made[name] + ".json", encoding="ascii") as f:
                            meta = json.load(f)
                        pipe.deflated_part(info, made[name] + ".deflate", meta["crc"], meta["size"], force_zip64=zip64)
                    else:
                        pipe.part(info, _sheet_pieces(zin, name, sc), force_zip64=zip64, big=big)
                elif name == "xl/sharedStrings.xml" and sink.mode == "shared":
                    continue  # written last, once every sheet has registered its strings
                elif name == "xl/styles.xml":
                    pipe.writestr(info, schema_order_fonts(zin.read(name)))  # (fonts in openpyxl's element order, not the schema's)
                else:
                    pipe.writestr(info, extra.get(name) or zin.read(name))
            if sink.mode == "shared":
                info = zipfile.ZipInfo("xl/sharedStrings.xml", FIXED_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                pipe.writestr(info, sink.xml())
