"""Dirty demo sheets: the clean demo with a reproducible share of cells made messy the way
real CRM exports are, plus the ground truth of what cleaning should turn each one into.

Kinds of mess (``cells["mess"]`` / ``rows["mess"]``):

=====================  ======================================================  ===========
mess                   example                                                 recoverable
=====================  ======================================================  ===========
date_slash             ``2024/9/15``                                           yes
date_chinese           ``2024年9月15日``                                        yes
date_with_time         ``2024-09-15 10:00`` (text) or a datetime with a time   yes
date_dotted            ``2024.09.15``                                          yes
date_serial            ``45550`` (Excel serial day number)                     yes
money_wan / money_w    ``15万`` / ``1.5w``                                      yes
money_yuan             ``150,000元``                                           yes
money_yen              ``¥1,200.50`` / ``￥1,200.50``                          yes
fullwidth_digits       ``１５００００``                                          yes
percent                ``15%`` (a discount of 0.15)                            yes
yes_no_variant         ``Y`` / ``N`` / ``√`` / ``已续签`` / ``1`` ...            yes
id_spaces              `` C0123``, ``SO202409150001 ``                         yes
id_lower_case          ``c0123``                                               yes
id_fullwidth           ``Ｃ０１２３``                                            yes
text_spaces            `` 上海云启科技有限公司 ``                                  yes
industry_synonym       ``IT`` / ``软件`` / ``互联网`` / ``制造`` / ``商贸`` ...       yes (same GB/T 4754 section)
missing_contact        empty / ``-`` / ``无``                                  no: 未知
missing_industry       empty / ``-`` / ``无``                                  no: 未知, no code
formula_like_name      ``=HYPERLINK(...)``, ``+86 ...``, ``@...``, ``-...``    no: kept verbatim as text
text_in_number         ``待核算`` in 毛利, ``见合同`` in 折扣率, ...                no: empty (logged)
exact_duplicate        a row repeated right below itself                       row dropped
repeated_id            the same order/customer ID again with other details     row dropped (first kept)
=====================  ======================================================  ===========

The Template 1 customers (C001-C003) only get recoverable mess, so their totals survive
cleaning.
"""

from __future__ import annotations

__all__ = ["DirtyDemo", "generate_dirty_demo", "MESS_KINDS"]

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.dataset import CrmData
from ..schema import TABLES, ColumnKind
from . import vocab
from .generate import DEFAULT_AS_OF, TEMPLATE1_CUSTOMERS, Demo

MESS_KINDS = (
    "date_slash", "date_chinese", "date_with_time", "date_dotted", "date_serial",
    "money_wan", "money_w", "money_yuan", "money_yen", "fullwidth_digits", "percent", "yes_no_variant",
    "id_spaces", "id_lower_case", "id_fullwidth", "text_spaces", "industry_synonym",
    "missing_contact", "missing_industry", "formula_like_name", "text_in_number",
    "exact_duplicate", "repeated_id",
)

_FULLWIDTH = str.maketrans("0123456789.,-ABCDEFGHIJKLMNOPQRSTUVWXYZ", "０１２３４５６７８９．，－ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ")
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_BLANK_SPELLINGS = (None, "", " ", "-", "无")
_TEXT_IN_NUMBER = {
    ("orders", "profit"): ("待核算", "见财务"),
    ("orders", "discount"): ("见合同", "面议"),
    ("interactions", "response_hours"): ("当天", "未记录"),
    ("customers", "acquisition_cost"): ("不详", "待补充"),
}


@dataclass(frozen=True)
class DirtyDemo:
    """Dirty sheets and their ground truth.

    Attributes
    ----------
    sheets : dict[str, DataFrame]
        The dirty raw sheets (template headers in the chosen language).
    expected : CrmData
        What cleaning ``sheets`` should give: the clean demo's canonical data with every
        unrecoverable cell replaced by its expected value (未知 / Unknown, NaN, the
        formula-like text verbatim); duplicate rows are gone.
    cells : DataFrame
        One row per dirtied cell: ``table``, ``row`` (0-based position in the dirty
        sheet), ``excel_row`` (row + 2: the header is row 1), ``column`` (canonical key),
        ``header``, ``mess``, ``dirty_value``, ``clean_value`` (the clean demo's
        canonical value), ``expected_value`` (what cleaning should give),
        ``recoverable`` (expected == clean).
    rows : DataFrame
        One row per inserted row: ``table``, ``row``, ``excel_row``, ``source_row``
        (position of the row it repeats, in the dirty sheet), ``mess``
        (``exact_duplicate`` / ``repeated_id``). Cleaning should drop exactly these.
    demo : Demo
        The clean demo underneath.
    """

    sheets: dict[str, pd.DataFrame]
    expected: CrmData
    cells: pd.DataFrame
    rows: pd.DataFrame
    demo: Demo


def generate_dirty_demo(
    n_customers: int = 300,
    *,
    seed: int = 2024,
    as_of: dt.date = DEFAULT_AS_OF,
    months: int = 24,
    lang: str = "zh",
    rate: float = 0.08,
) -> DirtyDemo:
    """The demo of :func:`~crm_xl.demo.generate_demo` made messy, with its ground truth.

    Parameters
    ----------
    n_customers, seed, as_of, months, lang
        As for :func:`~crm_xl.demo.generate_demo`; the clean data underneath is identical.
    rate : float
        Share of the non-empty cells of each date, money, number, ID and yes/no column
        that get a format mess (0-1). Missing fields, formula-like names, text in number
        columns and duplicate rows come in fixed small shares on top.
    """
    from .api import _demo

    if not 0.0 <= rate <= 1.0:
        from .generate import DemoParameterError

        raise DemoParameterError(f"脏数据比例必须在 0 到 1 之间，而不是 {rate}", f"rate must be between 0 and 1, not {rate}")
    demo = _demo(n_customers, seed, as_of, months)
    rng = np.random.default_rng([int(seed), 101])
    unknown = "未知" if lang == "zh" else "Unknown"
    t1_ids = {c[0] for c in TEMPLATE1_CUSTOMERS}

    sheets: dict[str, pd.DataFrame] = {}
    expected: dict[str, pd.DataFrame] = {}
    cell_parts: list[pd.DataFrame] = []
    row_parts: list[pd.DataFrame] = []
    clean_sheets = demo.sheets(lang)
    for key, canon in demo.data.tables().items():
        table = TABLES[key]
        raw = clean_sheets[key]
        exp = canon.copy()
        n = len(raw)
        protected = canon["customer_id"].isin(t1_ids).to_numpy() if "customer_id" in canon else np.zeros(n, bool)
        columns: dict[str, pd.Series | np.ndarray] = {}
        cells = _Cells(key)
        for col in table.columns:
            values = raw[col.label(lang)]
            out = _mess_column(rng, key, col, values, canon, exp, protected, rate, cells, unknown, demo)
            columns[col.label(lang)] = out if out is not None else values
        frame = pd.DataFrame(columns)
        frame, moved, inserted = _insert_duplicates(rng, key, frame, protected, lang)
        sheets[key] = frame
        expected[key] = exp
        cf = cells.frame()
        if len(cf):
            cf["row"] = moved[cf["row"].to_numpy()]
            cf["excel_row"] = cf["row"] + 2
        cell_parts.append(cf)
        row_parts.append(inserted)
    cells = pd.concat(cell_parts, ignore_index=True)
    rows = pd.concat(row_parts, ignore_index=True)
    return DirtyDemo(sheets=sheets, expected=CrmData(**expected), cells=cells, rows=rows, demo=demo)


class _Cells:
    """Collects the ground truth of one table's dirtied cells."""

    def __init__(self, table: str):
        self.table, self.parts = table, []

    def add(self, column: str, header: str, pos: np.ndarray, mess, dirty, clean, expected=None) -> None:
        """``expected`` None: the cell cleans back to ``clean`` (recoverable)."""
        if not len(pos):
            return
        k = len(pos)
        clean = np.asarray(clean, dtype=object)
        if expected is None:
            expected, recoverable = clean, np.ones(k, dtype=bool)
        else:
            expected = np.asarray(expected, dtype=object) if not np.isscalar(expected) else np.full(k, expected, dtype=object)
            recoverable = np.zeros(k, dtype=bool)
        self.parts.append(pd.DataFrame({
            "table": self.table, "row": np.asarray(pos, dtype=np.int64), "column": column, "header": header,
            "mess": mess if isinstance(mess, str) else np.asarray(mess, dtype=object),
            "dirty_value": pd.Series(list(dirty), dtype=object),
            "clean_value": pd.Series(list(clean), dtype=object),
            "expected_value": pd.Series(list(expected), dtype=object),
            "recoverable": recoverable,
        }))

    def frame(self) -> pd.DataFrame:
        cols = ["table", "row", "excel_row", "column", "header", "mess", "dirty_value", "clean_value",
                "expected_value", "recoverable"]
        if not self.parts:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
        f = pd.concat(self.parts, ignore_index=True)
        f["excel_row"] = f["row"] + 2
        return f[cols]


def _choose(rng, eligible: np.ndarray, share: float, minimum: int = 0) -> np.ndarray:
    """Positions among ``eligible`` (a boolean mask), about ``share`` of them."""
    idx = np.flatnonzero(eligible)
    if not len(idx):
        return idx
    k = int(rng.binomial(len(idx), share)) if share > 0 else 0
    k = min(max(k, minimum), len(idx))
    return np.sort(rng.choice(idx, size=k, replace=False))


def _mess_column(rng, key, col, values: pd.Series, canon: pd.DataFrame, exp: pd.DataFrame, protected, rate, cells,
                 unknown, demo) -> np.ndarray | None:
    """Mess up one column; returns the new object array or None when untouched."""
    if col.kind is ColumnKind.DATE:  # datetime.date objects, converted in C (Timestamps are slow)
        arr = values.to_numpy().astype("datetime64[D]").astype(object)
        arr[pd.isna(values).to_numpy()] = None
    else:
        arr = values.to_numpy(dtype=object, copy=True)
    n = len(arr)
    if not n:
        return None
    nonblank = ~pd.isna(values).to_numpy()
    header = str(values.name)
    touched = np.zeros(n, dtype=bool)

    def take(share, minimum=0, unrecoverable=False, mask=None):
        ok = nonblank & ~touched
        if unrecoverable:
            ok &= ~protected
        if mask is not None:
            ok &= mask
        pos = _choose(rng, ok, share, minimum)
        touched[pos] = True
        return pos

    canon_col = canon[col.key]

    class _CleanValues:  # canonical values of selected rows, converted only there
        def __getitem__(self, pos):
            return canon_col.iloc[pos].to_numpy(dtype=object)

    clean_vals = _CleanValues()

    # unrecoverable first (fixed small shares), then the format mess on other cells
    tin = _TEXT_IN_NUMBER.get((key, col.key))
    if tin is not None:
        pos = take(0.003, minimum=1 if n >= 50 else 0, unrecoverable=True)
        dirty = np.array(tin, dtype=object)[rng.integers(0, len(tin), len(pos))]
        arr[pos] = dirty
        _set_expected(exp, col.key, pos, np.nan)
        cells.add(col.key, header, pos, "text_in_number", dirty, clean_vals[pos], np.nan)
    if key == "customers" and col.key in ("contact_name", "industry"):
        pos = take(0.03, minimum=1 if n >= 30 else 0, unrecoverable=True)
        blanks = np.array(_BLANK_SPELLINGS, dtype=object)[rng.integers(0, len(_BLANK_SPELLINGS), len(pos))]
        arr[pos] = blanks
        _set_expected(exp, col.key, pos, unknown)
        if col.key == "industry":
            _set_expected(exp, "industry_code", pos, np.nan)
        mess = "missing_contact" if col.key == "contact_name" else "missing_industry"
        cells.add(col.key, header, pos, mess, blanks, clean_vals[pos], unknown)
    if key == "customers" and col.key == "customer_name" and n >= 20:
        pos = take(0.0, minimum=4, unrecoverable=True)
        ids = canon["customer_id"].to_numpy(dtype=object)[pos]
        forms = [
            lambda i, v: f'=HYPERLINK("https://crm.example.com/account/{i}","{v}")',
            lambda i, v: "+86 021-6888 1234",
            lambda i, v: f"@{v}",
            lambda i, v: f"-{v}-",
        ]
        dirty = np.array([forms[j % 4](i, v) for j, (i, v) in enumerate(zip(ids, arr[pos], strict=True))], dtype=object)
        arr[pos] = dirty
        _set_expected(exp, col.key, pos, dirty)
        cells.add(col.key, header, pos, "formula_like_name", dirty, clean_vals[pos], dirty)

    mess_made = _format_mess(rng, col, arr, take, rate)
    if mess_made is not None:
        pos, dirty, mess = mess_made
        arr[pos] = dirty
        cells.add(col.key, header, pos, mess, dirty, clean_vals[pos])
    if not touched.any():
        return None
    return arr


def _format_mess(rng, col, arr: np.ndarray, take, rate: float):
    """The format mess of a column of ``col.kind`` (dates in other forms, money with symbols,
    full-width digits, yes/no variants, ...) on cells ``take`` picks: (positions, the messy
    values, the kind of mess) or None for a column that gets none."""
    kind = col.kind
    if kind is ColumnKind.DATE:
        pos = take(rate)
        dirty, mess = _dates(rng, arr[pos])
        return pos, dirty, mess
    elif kind is ColumnKind.MONEY:
        pos = take(rate)
        dirty, mess = _money(rng, arr[pos])
        return pos, dirty, mess
    elif kind in (ColumnKind.NUMBER, ColumnKind.SCORE, ColumnKind.INT):
        pos = take(rate / 2)
        v = arr[pos]
        if col.key == "discount":
            pct = rng.random(len(pos)) < 0.7
            dirty = np.array([f"{_num_text(x * 100)}%" if p else _num_text(x).translate(_FULLWIDTH)
                              for x, p in zip(v, pct, strict=True)], dtype=object)
            mess = np.where(pct, "percent", "fullwidth_digits")
        else:
            dirty = np.array([_num_text(x).translate(_FULLWIDTH) for x in v], dtype=object)
            mess = "fullwidth_digits"
        return pos, dirty, mess
    elif kind is ColumnKind.BOOL:
        pos = take(rate)
        v = arr[pos]
        yes = ("Y", "yes", "1", "√", "TRUE") + (("已续签",) if col.key == "contract_renewed" else ())
        no = ("N", "no", "0", "×", "FALSE") + (("未续签",) if col.key == "contract_renewed" else ())
        dirty = np.array([yes[rng.integers(len(yes))] if x == "是" else no[rng.integers(len(no))] for x in v], dtype=object)
        return pos, dirty, "yes_no_variant"
    elif kind is ColumnKind.ID:
        pos = take(rate)
        dirty, mess = _ids(rng, arr[pos])
        return pos, dirty, mess
    elif kind is ColumnKind.INDUSTRY:
        pos = take(0.3)
        dirty = np.array([_synonym(rng, x) for x in arr[pos]], dtype=object)
        return pos, dirty, "industry_synonym"
    elif kind is ColumnKind.TEXT and col.key in ("customer_name", "owner"):
        pos = take(rate / 2)
        pads = np.array([" ", "  ", "\u3000"], dtype=object)  # ideographic space: trimmed too
        dirty = pads[rng.integers(0, 3, len(pos))] + arr[pos].astype(object) + pads[rng.integers(0, 2, len(pos))]
        return pos, dirty, "text_spaces"
    return None


def _set_expected(exp: pd.DataFrame, column: str, pos: np.ndarray, value) -> None:
    if not len(pos):
        return
    s = exp[column]
    s = s.copy()
    s.iloc[pos] = value
    exp[column] = s


def _num_text(x: float) -> str:
    """Shortest exact text of a number (no float noise): 15.0 -> "15", 0.15 -> "0.15"."""
    r = repr(float(x))
    if r.endswith(".0"):
        r = r[:-2]
    if "e" in r:
        r = f"{float(x):.10f}".rstrip("0").rstrip(".")
    return r


_NUM_TEXT = np.array([str(i) for i in range(10_000)], dtype=object)
_TWO_DIGITS = np.array([f"{i:02d}" for i in range(100)], dtype=object)


def _dates(rng, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each date (``datetime.date``) in one of the messy spellings (Python ints for Excel
    serials), built from lookup tables of digit strings."""
    k = len(values)
    styles = np.array(["date_slash", "date_chinese", "date_with_time", "date_with_time", "date_dotted", "date_serial"],
                      dtype=object)
    s = rng.integers(0, len(styles), k)
    d64 = np.array(values, dtype="datetime64[D]")
    y = d64.astype("datetime64[Y]").astype(int) + 1970
    m = d64.astype("datetime64[M]").astype(int) % 12 + 1
    d = (d64 - d64.astype("datetime64[M]")).astype(int) + 1
    h = rng.integers(8, 19, k)
    mi = rng.integers(0, 60, k)
    Y, M, D = _NUM_TEXT[y], _NUM_TEXT[m], _NUM_TEXT[d]
    M2, D2 = _TWO_DIGITS[m], _TWO_DIGITS[d]
    out = np.empty(k, dtype=object)
    pick = [s == i for i in range(6)]
    out[pick[0]] = (Y + "/" + M + "/" + D)[pick[0]]
    out[pick[1]] = (Y + "年" + M + "月" + D + "日")[pick[1]]
    out[pick[2]] = (Y + "-" + M2 + "-" + D2 + " " + _TWO_DIGITS[h] + ":" + _TWO_DIGITS[mi])[pick[2]]
    stamps = d64[pick[3]].astype("datetime64[m]") + (h[pick[3]] * 60 + mi[pick[3]]).astype("timedelta64[m]")
    out[np.flatnonzero(pick[3])] = list(pd.DatetimeIndex(stamps.astype("datetime64[ns]")))  # datetime cells with a time
    out[pick[4]] = (Y + "." + M2 + "." + D2)[pick[4]]
    serial = (d64 - np.datetime64("1899-12-30", "D")).astype(np.int64)
    out[np.flatnonzero(pick[5])] = serial[pick[5]].tolist()  # Python ints, as a pasted serial reads
    return out, styles[s]


def _money(rng, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each amount in one of the messy spellings; 万/w only for whole 元 (at most four
    decimals in 万), so the text means exactly the same amount."""
    k = len(values)
    s = rng.integers(0, 6, k)
    out = np.empty(k, dtype=object)
    mess = np.empty(k, dtype=object)
    for i, (v, st) in enumerate(zip(values, s, strict=True)):
        v = float(v)
        if st in (0, 1) and v == round(v):  # whole 元: 万 with up to four decimals is exact
            yuan = int(round(v))
            sign = "-" if yuan < 0 else ""
            a = abs(yuan)
            wan = f"{a // 10_000}" + (f".{a % 10_000:04d}".rstrip("0") if a % 10_000 else "")
            out[i], mess[i] = (f"{sign}{wan}万", "money_wan") if st == 0 else (f"{sign}{wan}w", "money_w")
        elif st in (0, 1, 2):
            out[i], mess[i] = (f"{v:,.0f}元" if v == round(v) else f"{v:,.2f}元"), "money_yuan"
        elif st == 3:
            out[i], mess[i] = f"¥{v:,.2f}", "money_yen"
        elif st == 4:
            out[i], mess[i] = f"￥{v:,.2f}", "money_yen"
        else:
            out[i], mess[i] = _num_text(v).translate(_FULLWIDTH), "fullwidth_digits"
    return out, mess


def _ids(rng, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    k = len(values)
    s = rng.integers(0, 5, k)
    v = pd.Series(values, dtype=object).astype(str)
    options = np.stack([(" " + v).to_numpy(dtype=object), (v + " ").to_numpy(dtype=object),
                        (" " + v + "  ").to_numpy(dtype=object), v.str.lower().to_numpy(dtype=object),
                        v.str.translate(_FULLWIDTH).to_numpy(dtype=object)]) if k else np.empty((5, 0), dtype=object)
    names = np.array(["id_spaces", "id_spaces", "id_spaces", "id_lower_case", "id_fullwidth"], dtype=object)
    return options[s, np.arange(k)], names[s]


_SYNONYMS = {label: syns for label, syns in vocab.INDUSTRY_SYNONYMS.items()}


def _synonym(rng, label: str) -> str:
    syns = _SYNONYMS.get(label)
    return label if not syns else syns[rng.integers(len(syns))]


def _insert_duplicates(rng, key: str, frame: pd.DataFrame, protected: np.ndarray, lang: str):
    """Insert exact duplicate rows and rows repeating an ID with other details, each right
    below its source. Returns the new frame, the new position of each original row and
    the inserted rows' truth."""
    n = len(frame)
    shares = {"orders": (0.006, 0.003), "customers": (0.005, 0.003), "interactions": (0.004, 0.0)}.get(key, (0.0, 0.0))
    src, mess, copies = [], [], []
    if n >= 20 and shares[0] > 0:
        pos = _choose(rng, np.ones(n, bool), shares[0], minimum=1)
        src.append(pos), mess.append(np.full(len(pos), "exact_duplicate", dtype=object))
        copies.append(frame.iloc[pos])
    if n >= 20 and shares[1] > 0:
        pos = _choose(rng, ~protected, shares[1], minimum=1)
        rep = frame.iloc[pos].copy()
        if key == "orders":
            status = TABLES["orders"].column("status").label(lang)
            amount = TABLES["orders"].column("amount").label(lang)
            rep[status] = "已取消"
            rep[amount] = [_bump(v) for v in rep[amount]]
        else:  # customers: the same ID with another phone number (a conflicting record)
            phone = TABLES["customers"].column("phone").label(lang)
            rep[phone] = [str(13_900_000_000 + int(rng.integers(0, 10**8))) for _ in range(len(rep))]
        src.append(pos), mess.append(np.full(len(pos), "repeated_id", dtype=object))
        copies.append(rep)
    if not src:
        truth = pd.DataFrame({"table": pd.Series(dtype=object), "row": pd.Series(dtype=np.int64),
                              "excel_row": pd.Series(dtype=np.int64), "source_row": pd.Series(dtype=np.int64),
                              "mess": pd.Series(dtype=object)})
        return frame, np.arange(n), truth
    src_all = np.concatenate(src)
    mess_all = np.concatenate(mess)
    extra = pd.concat(copies, ignore_index=True)
    # order: every original row, then its inserted copies (stable)
    keys = np.concatenate([np.arange(n) * 2, src_all * 2 + 1])
    order = np.argsort(keys, kind="stable")
    combined = pd.concat([frame.reset_index(drop=True), extra], ignore_index=True).iloc[order].reset_index(drop=True)
    new_pos = np.empty(len(order), dtype=np.int64)
    new_pos[order] = np.arange(len(order))
    moved = new_pos[:n]
    inserted_rows = new_pos[n:]
    truth = pd.DataFrame({"table": key, "row": inserted_rows, "excel_row": inserted_rows + 2,
                          "source_row": moved[src_all], "mess": mess_all}).sort_values("row", ignore_index=True)
    return combined, moved, truth


def _bump(v):
    """A repeated order's amount: a different figure in the same spelling style."""
    if isinstance(v, (int, float, np.integer, np.floating)) and not pd.isna(v):
        return float(v) + 100.0
    return v
