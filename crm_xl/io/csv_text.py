"""Reading CSV text: the encoding sniffed (UTF-8/16 with or without BOM, else charset-normalizer
among GB18030, Big5, Shift-JIS and Windows-1252), rows through the csv module or, for large
rectangular files, pandas' C reader."""

from __future__ import annotations

import csv
import io as _io

import numpy as np
import pandas as pd
from pandas.api.types import infer_dtype

from ..errors import InputError

# files at least this large (characters) are parsed by pandas' C reader when they are
# rectangular (every line as many fields as the first); anything else goes through the
# csv module, whose errors name the row
_FAST_CSV_MIN = 1_000_000


def _fast_csv_rows(text: str, delim: str) -> np.ndarray | None:
    """The rows of a large, rectangular CSV text as a 2-D object array of strings (the same
    cells the csv module gives), or None when it is small or not rectangular."""
    if len(text) < _FAST_CSV_MIN:
        return None
    try:
        # dtype=object: the cells as Python strings, as the csv module gives them (dtype=str
        # makes pandas 3 convert every column to its string dtype first: ~40 % of the read)
        frame = pd.read_csv(_io.StringIO(text), sep=delim, header=None, dtype=object, keep_default_na=False,
                            na_filter=False, skip_blank_lines=False, engine="c", doublequote=True, quotechar='"')
    except (ValueError, pd.errors.ParserError, csv.Error, UnicodeError, MemoryError):
        return None
    if frame.ndim != 2 or frame.shape[1] < 2:
        return None
    texts_only = all(infer_dtype(frame[c].to_numpy(), skipna=False) == "string" for c in frame.columns)
    arr = frame.to_numpy(dtype=object)
    if not texts_only:
        missing = pd.isna(arr)
        if missing.any():  # fields a short line lacks: the csv module gives no cell; "" is the same here
            arr[missing] = ""
    return arr


def _decode(data: bytes, name: str) -> str:
    if data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:  # odd length / broken surrogates: not a readable UTF-16 file
            raise InputError(f"文件看起来是 UTF-16 编码，但内容已损坏：{name}",
                             f"the file looks like UTF-16 but its content is damaged: {name}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    enc = _detected_encoding(data)
    if enc is not None:
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        pass
    raise InputError(f"无法识别文件编码（支持 UTF-8、GBK/GB18030、UTF-16、Big5、Shift-JIS、Windows-1252）：{name}",
                     f"cannot detect the file's encoding (UTF-8, GBK/GB18030, UTF-16, Big5, Shift-JIS and Windows-1252 "
                     f"are supported): {name}")


# encodings a non-UTF-8 export is tried in; GB18030 (a superset of GBK) wins unless the
# detector finds the text clearly more coherent in another (Big5 and Shift-JIS bytes often
# also decode as GB18030, as mojibake)
_CANDIDATES = ("gb18030", "big5", "shift_jis", "cp1252")
_GB_MARGIN = 0.05


def _detected_encoding(data: bytes) -> str | None:
    """The encoding charset-normalizer finds for a non-UTF-8 file among :data:`_CANDIDATES`
    (None where it is not installed, e.g. in the browser, or finds none)."""
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - Pyodide: files are not read there
        return None
    matches = list(from_bytes(data[:200_000], cp_isolation=list(_CANDIDATES)))
    if not matches:
        return None
    best = min(m.chaos for m in matches)
    gb = [m for m in matches if m.encoding == "gb18030"]
    if gb and gb[0].chaos <= best + _GB_MARGIN:
        return "gb18030"
    return min(matches, key=lambda m: m.chaos).encoding


def _csv_rows(text: str, delim: str, name: str) -> list[list[str]]:
    """Rows of a CSV text. Line breaks are CR, LF or CRLF (``newline=""``, as the csv
    module wants; a lone CR used to be an error). A quote opened and never closed (which
    would swallow every following line into one cell) and any other unreadable row are
    errors naming the row."""
    rows: list[list[str]] = []
    reader = csv.reader(_io.StringIO(text, newline=""), delimiter=delim, strict=True)
    try:
        for r in reader:
            rows.append(list(r))
        return rows
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            row = len(rows) + 1
            raise InputError(f"第 {row} 行有一个引号（\"）没有闭合，之后的所有行都会被当成同一个单元格。请检查该行的引号。",
                             f"a quote (\") opened on row {row} is never closed, so every later line would become one cell. "
                             "Check the quotes on that row.", sheet=name, row=row) from None
    # other irregular quoting (a stray quote inside a cell): read leniently, as Excel does
    rows = []
    try:
        for r in csv.reader(_io.StringIO(text, newline=""), delimiter=delim):
            rows.append(list(r))
    except csv.Error as exc:  # e.g. a cell longer than the csv module's field limit (131,072 characters)
        row = len(rows) + 1
        raise InputError(f"第 {row} 行无法读取（{exc}）。", f"row {row} cannot be read ({exc}).", sheet=name, row=row) from None
    return rows


def _space_separated(rows: list[list[str]]) -> bool:
    """True for a text table whose columns are separated by runs of spaces (fixed-width
    exports such as CDNOW_master.txt): every non-empty line is one field that splits into
    the same number (at least 2) of space-separated fields."""
    if isinstance(rows, np.ndarray):
        return False  # the C reader found at least two fields on every line
    lines = [r for r in rows[:200] if r and any(c.strip() for c in r)]
    if not lines or any(len(r) != 1 for r in lines):
        return False
    widths = {len(r[0].split()) for r in lines}
    return len(widths) == 1 and widths.pop() >= 2
