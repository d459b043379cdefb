"""Run a corpus case through the pipeline and check its expectation.

``pipeline`` cases: ``read_sources(files)`` -> ``build_report`` -> ``render_workbook`` to
``out.xlsx`` (so every stage, including drawing the sheets, sees the bad input).
``report`` cases: ``run_report(BOOK)`` in place (or ``-o``), as ``crm-xl report`` does.

Whatever happens, the input files must be byte-identical afterwards unless a report run
succeeded in place, and no temporary file may be left next to them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import pathlib
import re
import time
import traceback
import zipfile
from dataclasses import dataclass, field

import pandas as pd

from tests.corpus.make_corpus import AS_OF, Case


@dataclass
class Outcome:
    case: Case
    status: str = "ok"  # ok | error | crash
    error: BaseException | None = None
    traceback: str = ""
    run: object = None  # ReportRun (pipeline mode)
    target: pathlib.Path | None = None  # the written workbook
    seconds: float = 0.0
    files: list[pathlib.Path] = field(default_factory=list)
    changed_inputs: list[str] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)

    def describe(self) -> str:
        if self.status == "crash":
            return f"CRASH {type(self.error).__name__}: {self.error}"
        if self.status == "error":
            return f"{type(self.error).__name__}: {self.error.message('en')}"
        if self.run is not None:
            s = self.run.summary
            return f"ok: {s['customers']} customers, {s['orders']} orders, {s['log_entries']} log entries"
        return "ok"


def _digest(p: pathlib.Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest() if p.exists() else "-"


def run_case(case: Case, root: pathlib.Path) -> Outcome:
    from crm_xl.cli.report import run_report
    from crm_xl.errors import CrmXlError
    from crm_xl.io import read_sources
    from crm_xl.render.xlsx import render_workbook
    from crm_xl.report.build import build_report
    from crm_xl.settings import AnalysisSettings
    from tests.corpus.make_corpus import build_case

    files = build_case(case, root)
    d = root / case.id
    if case.prepare:
        case.prepare(d, files)
    before = {f: _digest(f) for f in files}
    listing = {p.name for p in d.iterdir()}
    o = Outcome(case, files=files)
    t0 = time.perf_counter()
    try:
        if case.mode == "report":
            out = d / case.out if case.out else None
            run_report(files[0], out=out, as_of=AS_OF)
            o.target = out or files[0]
        else:
            settings = AnalysisSettings(analysis_date=AS_OF, **case.settings)
            o.run = build_report(read_sources(files), settings)
            o.target = d / "out.xlsx"
            render_workbook(o.run.spec, o.target)
    except CrmXlError as exc:
        o.status, o.error = "error", exc
    except Exception as exc:  # noqa: BLE001 - a crash is what the corpus looks for
        o.status, o.error, o.traceback = "crash", exc, traceback.format_exc()
    o.seconds = time.perf_counter() - t0
    in_place_ok = case.mode == "report" and o.status == "ok" and not case.out
    for f, h in before.items():
        if _digest(f) != h and not in_place_ok:
            o.changed_inputs.append(f.name)
    o.leftovers = sorted(n for n in (p.name for p in d.iterdir()) if n not in listing and n.startswith(".~"))
    for f in files:  # let tmp_path clean up read-only files
        if f.exists():
            f.chmod(0o644)
    return o


def _norm(v):
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d")
    if hasattr(v, "item") and not isinstance(v, str):
        v = v.item()
    return v


def verify(o: Outcome) -> list[str]:
    """Everything about ``o`` that differs from its case's expectation ([] = as expected)."""
    e = o.case.expect
    bad: list[str] = []
    if o.status == "crash":
        return [f"crash: {type(o.error).__name__}: {o.error}\n{o.traceback}"]
    if o.changed_inputs:
        bad.append(f"input files changed: {o.changed_inputs}")
    if o.leftovers:
        bad.append(f"temporary files left: {o.leftovers}")
    if e.seconds is not None and o.seconds > e.seconds:
        bad.append(f"took {o.seconds:.1f} s (bound {e.seconds} s)")
    if e.error:
        if o.status != "error":
            return bad + [f"expected {e.error}, got {o.describe()}"]
        names = [c.__name__ for c in type(o.error).__mro__]
        if e.error not in names:
            bad.append(f"expected {e.error}, got {type(o.error).__name__}: {o.error}")
        loc = o.error.location
        for want, got, what in zip(e.where, (loc.sheet, loc.row, loc.column), ("sheet", "row", "column"), strict=True):
            if want is not None and want != got:
                bad.append(f"{what}: expected {want!r}, got {got!r}")
        text = o.error.message("en") + " " + o.error.message("zh")
        for m in e.message:
            if m not in text:
                bad.append(f"message lacks {m!r}: {text}")
        for lang in ("zh", "en"):
            if not o.error.message(lang).strip():
                bad.append(f"empty {lang} message")
        return bad
    if o.status != "ok":
        return bad + [f"expected success, got {o.describe()}"]
    if o.case.check:
        bad += o.case.check(o)
    if o.run is None:
        return bad
    data, log, rfm = o.run.cleaned.data, o.run.cleaned.log, o.run.result.rfm
    if e.orders is not None and len(data.orders) != e.orders:
        bad.append(f"orders: expected {e.orders}, got {len(data.orders)}")
    if e.customers is not None and len(data.customers) != e.customers:
        bad.append(f"customers: expected {e.customers}, got {len(data.customers)}")
    for sheet, row, col, reason in e.log:
        hit = log[(log["sheet"] == sheet) & (log["row"] == row) & (log["column"] == col) & log["reason"].str.contains(reason, regex=False)]
        if hit.empty:
            bad.append(f"no log entry ({sheet}, {row}, {col!r}, ~{reason!r}); log:\n{log.to_string()}")
    for row in e.no_log_rows:
        if (log["row"] == row).any():
            bad.append(f"unexpected log entry on row {row}")
    for table, key_col, key, col, want in e.values:
        frame = getattr(data, table)
        hit = frame[frame[key_col].astype(str) == str(key)]
        if len(hit) != 1:
            bad.append(f"{table} {key}: {len(hit)} rows")
            continue
        got = _norm(hit.iloc[0][col])
        if isinstance(want, float) and isinstance(got, (int, float)):
            ok = abs(got - want) <= 1e-9 * max(1.0, abs(want))
        else:
            ok = got == want
        if not ok:
            bad.append(f"{table} {key} {col}: expected {want!r}, got {got!r}")
    by_id = rfm.set_index("customer_id") if len(rfm) else pd.DataFrame()
    for cid, layer in e.layers.items():
        got = by_id["layer"].get(cid) if len(by_id) else None
        if got != layer:
            bad.append(f"layer of {cid}: expected {layer}, got {got}")
    for cid, (r, f, m, total) in e.scores.items():
        if cid not in by_id.index:
            bad.append(f"{cid} not scored")
            continue
        row = by_id.loc[cid]
        got = tuple(int(row[k]) for k in ("r_score", "f_score", "m_score", "rfm_total"))
        if got != (r, f, m, total):
            bad.append(f"scores of {cid}: expected {(r, f, m, total)}, got {got}")
    return bad


_CELL = re.compile(rb'<c r="([A-Z]+\d+)"([^>]*?)(?:/>|>(.*?)</c>)', re.S)
_T = re.compile(rb"<t[^>]*>(.*?)</t>", re.S)


def _unescape(b: bytes) -> str:
    from crm_xl.render.xlsx_read import unescape_text

    s = b.decode("utf-8").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'").replace("&amp;", "&")
    return unescape_text(s)


def package_cells(path: pathlib.Path):
    """(cells, relationship types, formulas) of a written workbook, read from its XML:
    cells as (sheet part, ref, type, text or None); formulas as (sheet part, ref, text)."""
    cells, formulas, rel_types = [], [], []
    with zipfile.ZipFile(path) as z:
        sst = []
        if "xl/sharedStrings.xml" in z.namelist():
            for si in re.findall(rb"<si>(.*?)</si>", z.read("xl/sharedStrings.xml"), re.S):
                sst.append("".join(_unescape(t) for t in _T.findall(si)))
        for n in z.namelist():
            if n.endswith(".rels"):
                rel_types += [t.decode() for t in re.findall(rb'Type="([^"]+)"', z.read(n))]
            if not (n.startswith("xl/worksheets/") and n.endswith(".xml")):
                continue
            for ref, attrs, body in _CELL.findall(z.read(n)):
                kind = (re.search(rb'\st="([^"]+)"', attrs) or [None, b"n"])[1].decode()
                body = body or b""
                f = re.search(rb"<f[^>]*>(.*?)</f>", body, re.S)
                if f:
                    formulas.append((n, ref.decode(), _unescape(f.group(1))))
                if kind == "s":
                    v = re.search(rb"<v>(\d+)</v>", body)
                    value = sst[int(v.group(1))] if v else None
                elif kind == "inlineStr":
                    value = "".join(_unescape(t) for t in _T.findall(body))
                else:
                    v = re.search(rb"<v>(.*?)</v>", body, re.S)
                    value = _unescape(v.group(1)) if v else None
                cells.append((n, ref.decode(), kind, value))
    return cells, rel_types, formulas


def as_row(o: Outcome) -> dict:
    """One line of the docs table."""
    problems = verify(o)
    return {"id": o.case.id, "area": o.case.area, "case": o.case.title, "expected": o.case.outcome,
            "observed": o.describe(), "seconds": o.seconds, "pass": not problems, "problems": problems}


__all__ = ["Outcome", "run_case", "verify", "package_cells", "as_row", "dataclasses"]
