"""Hypothesis-driven mutation fuzzing of the file readers (issue 10, item 2).

Seeds are real files (an openpyxl .xlsx, a crm-xl report workbook with shared strings,
styles and tables, the legacy .xls fixture, CSVs in UTF-8 / GBK / UTF-16). A mutation is
a short list of byte edits (flip, overwrite, insert, delete, truncate, duplicate a
slice), applied either to the raw file or -- for zip packages -- to one uncompressed XML
part that is then zipped again (so the XML parsers, not only the zip CRC check, see the
damage). Each mutated file goes through ``read_sources`` and, when readable,
``build_report``: the only acceptable exception is a ``CrmXlError``.
"""

from __future__ import annotations

import datetime as dt
import io
import pathlib
import time
import zipfile
from dataclasses import dataclass, field

from hypothesis import strategies as st

from tests.corpus import build as B
from tests.corpus.build import CH, OH

AS_OF = dt.date(2024, 9, 30)


def seeds(folder: pathlib.Path) -> dict[str, bytes]:
    """name (with the suffix the reader dispatches on) -> bytes."""
    from crm_xl.cli.demo import build_demo_workbook

    folder.mkdir(parents=True, exist_ok=True)
    out = {
        "orders.xlsx": B.buffer_xlsx({"客户": [CH, ["C001", "甲", "张", "软件"], ["C002", "乙", "李", "制造"]],
                                      "订单": [OH, ["O1", "C001", "2024-09-15", 150_000], ["O2", "C002", "2024-07-20", "8万"],
                                               ["O3", "C002", "2024/7/1", 1200.5]]}),
        "orders.xls": (B.FIXTURES / "orders.xls").read_bytes(),
        "订单.csv": ("订单编号,客户ID,下单日期,金额(元)\nO1,C001,2024-09-15,1.5万\nO2,\"C002\",2024/7/20,\"80,000元\"\n").encode("utf-8"),
        "gbk.csv": "单据编号,客户编码,单据日期,价税合计\nXS1,C001,2024-09-15,1000\n".encode("gbk"),
        "utf16.csv": "订单编号\t客户ID\t下单日期\t金额(元)\nO1\tC001\t2024-09-15\t100\n".encode("utf-16"),
    }
    demo = folder / "demo.xlsx"
    build_demo_workbook(demo, customers=8)
    out["demo.xlsx"] = demo.read_bytes()
    return out


EDIT = st.tuples(st.sampled_from(["flip", "set", "insert", "delete", "truncate", "dup"]),
                 st.floats(0, 1, exclude_max=True), st.binary(min_size=1, max_size=8), st.integers(1, 64))


def mutate(data: bytes, edits) -> bytes:
    b = bytearray(data)
    for op, where, payload, n in edits:
        if not b:
            break
        i = int(where * len(b))
        if op == "flip":
            b[i] ^= payload[0] or 1
        elif op == "set":
            b[i:i + len(payload)] = payload
        elif op == "insert":
            b[i:i] = payload
        elif op == "delete":
            del b[i:i + n]
        elif op == "truncate":
            del b[max(i, 1):]
        elif op == "dup":
            b[i:i] = b[i:i + n]
    return bytes(b)


def mutate_part(data: bytes, part_choice: float, edits) -> bytes:
    """Mutate one uncompressed part of a zip package and zip it again."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    names = sorted(parts)
    name = names[int(part_choice * len(names))]
    parts[name] = mutate(parts[name], edits)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in parts.items():
            z.writestr(n, d)
    return buf.getvalue()


@st.composite
def mutations(draw, names: list[str]):
    name = draw(st.sampled_from(names))
    edits = draw(st.lists(EDIT, min_size=1, max_size=4))
    structural = name.endswith(".xlsx") and draw(st.booleans())
    return name, structural, draw(st.floats(0, 1, exclude_max=True)), edits


@dataclass
class FuzzStats:
    examples: int = 0
    read_ok: int = 0
    refused: dict[str, int] = field(default_factory=dict)  # CrmXlError class -> count
    crashes: list[str] = field(default_factory=list)
    slowest: float = 0.0
    seconds: float = 0.0


def run_one(seed_bytes: dict[str, bytes], folder: pathlib.Path, m, stats: FuzzStats | None = None) -> None:
    """Apply mutation ``m`` and read the result; raises anything but a CrmXlError."""
    from crm_xl.errors import CrmXlError
    from crm_xl.io import read_sources
    from crm_xl.report.build import build_report
    from crm_xl.settings import AnalysisSettings

    name, structural, part, edits = m
    data = seed_bytes[name]
    data = mutate_part(data, part, edits) if structural else mutate(data, edits)
    p = folder / name
    p.write_bytes(data)
    t = time.perf_counter()
    try:
        raw = read_sources([p])
        if stats is not None:
            stats.read_ok += 1
        build_report(raw, AnalysisSettings(analysis_date=AS_OF))
    except CrmXlError as exc:
        if stats is not None:
            stats.refused[type(exc).__name__] = stats.refused.get(type(exc).__name__, 0) + 1
    finally:
        if stats is not None:
            stats.examples += 1
            stats.slowest = max(stats.slowest, time.perf_counter() - t)


def _problems(p: pathlib.Path) -> set[str]:
    """check_package's problems of ``p`` (an unreadable part counts as one problem)."""
    from crm_xl.render.opc import check_package

    try:
        return set(check_package(p))
    except Exception as exc:  # noqa: BLE001 - damage the mutation put into a part
        return {f"unreadable: {type(exc).__name__}: {exc}"}


def refresh_one(seed_bytes: dict[str, bytes], folder: pathlib.Path, m, stats: FuzzStats | None = None) -> None:
    """Apply mutation ``m`` to a report workbook and refresh it in place (``crm-xl report``):
    a ``CrmXlError`` must leave the file byte-identical; a success must leave a consistent
    package. Raises AssertionError otherwise (and anything that is not a CrmXlError)."""
    from crm_xl.cli.report import run_report
    from crm_xl.errors import CrmXlError

    name, structural, part, edits = m
    data = seed_bytes[name]
    data = mutate_part(data, part, edits) if structural else mutate(data, edits)
    p = folder / ("book" + pathlib.Path(name).suffix)
    p.write_bytes(data)
    before = _problems(p)
    t = time.perf_counter()
    try:
        run_report(p, as_of=AS_OF)
    except CrmXlError as exc:
        assert p.read_bytes() == data, "a failed refresh changed the workbook"
        if stats is not None:
            stats.refused[type(exc).__name__] = stats.refused.get(type(exc).__name__, 0) + 1
    else:
        # parts the refresh copies are kept byte for byte, damage included; it must add none
        added = _problems(p) - before
        assert not added, f"a refresh added package problems: {sorted(added)[:3]}"
        if stats is not None:
            stats.read_ok += 1
    finally:
        for leftover in folder.glob(".~book*.tmp"):
            raise AssertionError(f"temporary file left: {leftover.name}")
        if stats is not None:
            stats.examples += 1
            stats.slowest = max(stats.slowest, time.perf_counter() - t)
