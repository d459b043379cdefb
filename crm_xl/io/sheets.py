"""From a sheet's rows to a frame: the header row located among the first rows (title rows of
exports skipped), header names made unique, headers merged down or across resolved."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..a1 import column_letter
from ..errors import InputError
from ..schema import TABLES, Table, map_headers

_HEADER_SCAN_ROWS = 15


def _col_letter(j: int) -> str:
    """0-based column index to letters."""
    return column_letter(j + 1)


def _a1(r0: int, c0: int, r1: int, c1: int) -> str:
    return f"{_col_letter(c0)}{r0 + 1}:{_col_letter(c1)}{r1 + 1}"


def _match_score(headers: list[object], table: Table) -> int:
    m = map_headers(headers, table, strict=False)
    if m.missing_required:
        return len(m.columns) - 100
    return len(m.columns)


def _locate_header(rows: list[list[object]], table: Table | None) -> tuple[Table | None, int]:
    """(table, 0-based header row index) that matches best among the first rows."""
    best: tuple[int, Table | None, int] = (-10**6, None, 0)
    candidates = [table] if table is not None else list(TABLES.values())
    for i, row in enumerate(rows[:_HEADER_SCAN_ROWS]):
        if not any(v not in (None, "") for v in row):
            continue
        for t in candidates:
            score = _match_score(list(row), t)
            if score > best[0]:
                best = (score, t, i)
    if best[1] is None or best[0] <= 0:
        return table, 0
    return best[1], best[2]


def _cell_blank(v) -> bool:
    return v is None or (isinstance(v, str) and v == "")


def _header_names(header: list[object], width: int) -> list[str]:
    names: list[str] = []
    seen: dict[str, int] = {}
    for j in range(width):
        h = header[j] if j < len(header) else None
        name = "" if h is None else str(h).strip()
        if not name:
            name = f"列{j + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        names.append(name)
    return names


def _rows_to_frame(rows: list[list[object]], header_idx: int, header: list[object] | None = None,
                   drop_columns: "set[int] | frozenset[int]" = frozenset()) -> pd.DataFrame:
    """The rows below ``header_idx`` as an object DataFrame named by the header row.

    Built column-wise: one 2-D object array from the rows (C loop), empty strings turned
    into None with one vectorised comparison; no per-cell Python work.
    """
    if isinstance(rows, np.ndarray):  # a rectangular CSV parsed in C (:func:`_fast_csv_rows`)
        return _array_to_frame(rows, header_idx, list(rows[header_idx]) if header is None else header)
    if header is None:
        header = rows[header_idx] if rows else []
    width = max(map(len, rows), default=0)
    names = _header_names(list(header), width)
    body = rows[header_idx + 1:]
    # trailing all-empty rows are not data
    end = len(body)
    while end and all(_cell_blank(v) for v in body[end - 1]):
        end -= 1
    body = body[:end]
    if all(len(r) == width for r in body):
        arr = np.empty((len(body), width), dtype=object)
        if body:
            arr[:] = body if isinstance(body[0], list) else [list(r) for r in body]
    else:  # ragged rows (CSV): pad with None
        arr = np.empty((len(body), width), dtype=object)
        arr[:] = None
        for i, r in enumerate(body):
            arr[i, :len(r)] = r
    if arr.size:
        arr[arr == ""] = None
    keep = [j for j in range(width) if j not in drop_columns]
    if len(keep) < width:
        arr, names = arr[:, keep], [names[j] for j in keep]
    return pd.DataFrame(arr, columns=names, dtype=object, copy=False)


def _array_to_frame(rows: np.ndarray, header_idx: int, header: list[object]) -> pd.DataFrame:
    """:func:`_rows_to_frame` for rows given as one 2-D object array of strings."""
    names = _header_names(header, rows.shape[1])
    body = rows[header_idx + 1:]
    filled = body != ""
    nonblank = np.flatnonzero(filled.any(axis=1))
    end = int(nonblank[-1]) + 1 if len(nonblank) else 0  # trailing all-empty rows are not data
    arr = body[:end].copy()
    if arr.size:
        arr[~filled[:end]] = None
    return pd.DataFrame(arr, columns=names, dtype=object, copy=False)


def _fill_header_merges(rows: list[list[object]], merged) -> list[list[object]]:
    """The first rows with each vertically merged cell's value copied down its merge, so
    a header merged over two header rows names its column in either of them."""
    top = [list(r) for r in rows[:_HEADER_SCAN_ROWS]]
    for r0, c0, r1, c1 in merged:
        if r0 >= len(top) or r1 == r0 or c0 >= len(top[r0]):
            continue
        v = top[r0][c0]
        for r in range(r0 + 1, min(r1, len(top) - 1) + 1):
            for c in range(c0, min(c1, len(top[r]) - 1) + 1):
                if _cell_blank(top[r][c]):
                    top[r][c] = v
    return top


def _merged_header_columns(rows: list[list[object]], merged, idx: int, header: list[object], sheet: str) -> set[int]:
    """Columns covered by a header cell merged across columns (beyond its first column).
    They are dropped when empty below the header; holding data, they are an error: which
    column would be the header's is a guess crm_xl does not make."""
    drop: set[int] = set()
    for r0, c0, r1, c1 in merged:
        if not (r0 <= idx <= r1) or c1 == c0:
            continue
        covered = range(c0 + 1, c1 + 1)
        filled = [j for j in covered
                  if any(j < len(r) and not _cell_blank(r[j]) for r in rows[max(idx, r1) + 1:])]
        text = "" if c0 >= len(header) or header[c0] is None else str(header[c0]).strip()
        if filled:
            where = _a1(r0, c0, r1, c1)
            cols = "、".join(_col_letter(j) for j in filled)
            cols_en = ", ".join(_col_letter(j) for j in filled)
            raise InputError(
                f"表头「{text}」是跨列的合并单元格（{where}），而它下面的 {cols} 列也有数据，无法判断哪一列是「{text}」。"
                "请取消合并，给每一列写上自己的表头。",
                f"the header '{text}' is a cell merged across columns ({where}) and column(s) {cols_en} under it "
                f"hold data too, so which column is '{text}' is ambiguous. Unmerge it and give every column its own header.",
                sheet=sheet, row=idx + 1, column=text or _col_letter(c0),
            )
        drop.update(covered)
    return drop
