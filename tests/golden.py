"""Golden workbook comparison: describe a workbook's report-relevant content, compare two.

:func:`snapshot` reads a workbook with openpyxl into plain Python data (JSON-able):
per sheet the cell values and number formats, Excel table ranges, data validations,
conditional-format ranges and formulas, frozen panes, and each chart's type and series
references. :func:`diff` lists readable differences; :func:`assert_same` fails with them.
Snapshots can be stored as JSON golden files (:func:`save_golden` / :func:`assert_golden`).
"""

from __future__ import annotations

__all__ = ["snapshot", "diff", "assert_same", "save_golden", "assert_golden"]

import datetime as dt
import json
import math
from pathlib import Path

import openpyxl


def _value(v):
    if isinstance(v, (dt.datetime, dt.date)):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def _ref(obj) -> str | None:
    if obj is None:
        return None
    for attr in ("numRef", "strRef"):
        r = getattr(obj, attr, None)
        if r is not None:
            return r.f
    return None


def _charts(ws) -> list[dict]:
    out = []
    for ch in ws._charts:
        plots = [ch] + list(getattr(ch, "_charts", [])[1:]) if getattr(ch, "_charts", None) else [ch]
        series = []
        for p in plots:
            for s in p.series:
                title = s.tx.strRef.f if s.tx is not None and s.tx.strRef is not None else None
                series.append({"title": title, "cat": _ref(s.cat), "val": _ref(s.val)})
        anchor = ch.anchor._from
        out.append({
            "type": ch.tagname, "bar_dir": getattr(ch, "barDir", None),
            "anchor": f"{openpyxl.utils.get_column_letter(anchor.col + 1)}{anchor.row + 1}",
            "series": series,
        })
    return out


def snapshot(path, sheets: list[str] | None = None) -> dict:
    """The comparable content of the workbook at ``path`` (only ``sheets`` if given)."""
    wb = openpyxl.load_workbook(path)
    try:
        out = {"sheets": wb.sheetnames, "defined_names": sorted(wb.defined_names.keys()), "sheet": {}}
        for ws in wb.worksheets:
            if sheets is not None and ws.title not in sheets:
                continue
            cells = {}
            for row in ws.iter_rows():
                for c in row:
                    if c.value is None:
                        continue
                    cells[c.coordinate] = [_value(c.value), c.number_format, c.data_type]
            out["sheet"][ws.title] = {
                "cells": cells,
                "tables": {n: ref for n, ref in ws.tables.items()},
                "validations": sorted(
                    [str(dv.sqref), dv.type, dv.formula1] for dv in ws.data_validations.dataValidation
                ),
                "conditional_formats": sorted(
                    [str(rng.sqref), r.type, list(r.formula or [])] for rng in ws.conditional_formatting for r in rng.rules
                ),
                "freeze": ws.freeze_panes,
                "print_title_rows": ws.print_title_rows,
                "merged": sorted(str(m) for m in ws.merged_cells.ranges),
                "charts": _charts(ws),
                "widths": {k: round(d.width, 2) for k, d in sorted(ws.column_dimensions.items()) if d.width},
            }
        return out
    finally:
        wb.close()


def diff(a: dict, b: dict, path: str = "") -> list[str]:
    """Readable differences between two snapshots (or any JSON-like values)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b), key=str):
            p = f"{path}/{k}"
            if k not in a:
                out.append(f"{p}: only in second: {b[k]!r}")
            elif k not in b:
                out.append(f"{p}: only in first: {a[k]!r}")
            else:
                out.extend(diff(a[k], b[k], p))
        return out
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if len(a) != len(b):
            return [f"{path}: {len(a)} items != {len(b)} items: {a!r} != {b!r}"]
        out = []
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            out.extend(diff(x, y, f"{path}[{i}]"))
        return out
    if isinstance(a, float) and isinstance(b, float) and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12):
        return []  # fitted model values (客户价值预测) may differ in the last bits across CPUs / BLAS builds
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def assert_same(a, b, *, sheets: list[str] | None = None, ignore: tuple[str, ...] = ()) -> None:
    """Assert workbooks (paths) or snapshots ``a`` and ``b`` have the same content."""
    sa = a if isinstance(a, dict) else snapshot(a, sheets)
    sb = b if isinstance(b, dict) else snapshot(b, sheets)
    problems = [d for d in diff(sa, sb) if not any(d.startswith(i) for i in ignore)]
    assert not problems, "workbooks differ:\n  " + "\n  ".join(problems[:40])


def save_golden(path, golden: str | Path, sheets: list[str] | None = None) -> None:
    Path(golden).write_text(json.dumps(snapshot(path, sheets), ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")


def assert_golden(path, golden: str | Path, sheets: list[str] | None = None) -> None:
    expected = json.loads(Path(golden).read_text(encoding="utf-8"))
    actual = json.loads(json.dumps(snapshot(path, sheets), ensure_ascii=False))
    assert_same(expected, actual)
