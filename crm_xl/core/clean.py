"""Cleaning: raw sheets in any header dialect -> canonical ``CrmData`` + a cleaning log.

Rules (seed 004 section 2, seed 000 step 2):

* headers mapped to canonical columns (``crm_xl.schema.map_headers``); unknown columns are
  kept after the canonical ones and reported;
* values parsed by column kind (dates, 元 amounts, numbers, scores in bounds, yes/no, IDs
  normalised, industries mapped to GB/T 4754 sections);
* exact duplicate rows removed; repeated primary keys (order IDs, ...) keep the first row;
  repeated customer IDs with conflicting details are reported;
* missing key text fields -> "未知"/"Unknown" with the reason logged; rows without a usable
  ID, date or amount where the table requires one are rejected and logged;
* orders of customers missing from the customer table add that customer (fields 未知);
* the raw frames are never modified.

Every changed or rejected cell is one row of the log: sheet, row (the Excel row the user
sees), column (the user's header), old value, new value, rule, reason.
"""

from __future__ import annotations

__all__ = ["CleanResult", "CleanedData", "clean_table", "clean_dataset", "LOG_COLUMNS"]

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import InputError
from ..schema import CUSTOMERS, TABLES, ColumnKind, Table, map_headers, missing_columns_error
from .currency import currency_of_countries, detect_currency
from .dates import column_date_order, has_ambiguous
from .purchases import consolidate_orders, missing_key_text
from .cleanlog import LOG_COLUMNS, Note, RowLog as _Log, log_frame, cell_text as _fmt, cell_texts as _texts, text as _t
from .dataset import DTYPE_BY_KIND, CrmData, empty_table

if TYPE_CHECKING:
    from ..settings import AnalysisSettings
from .industry import map_industry, section_name
from .parse import (
    Distinct,
    bools_distinct,
    dates_distinct,
    ids_distinct,
    midnight,
    money_distinct,
    numbers_distinct,
    text_distinct,
    texts_fullmatching,
)
from .text import as_dtype, as_text

_PLAIN_NUMBER = r"-?[0-9]+(?:\.[0-9]+)?"  # (matched whole) ASCII digits only: full-width ones are a change

@dataclass
class CleanResult:
    """One cleaned table: canonical ``frame`` (plus intake and unknown columns) and its ``log``.

    ``rows`` holds the Excel row number of each frame row (where it stands in the user's
    sheet); ``pending`` (only with ``defer_missing``) marks, per required column, the kept
    rows that lack it, for the caller to decide (an open deal needs no amount; a purchase
    does); ``headers`` maps canonical keys to the user's headers; ``notes`` are zh/en
    sentences worth showing on the console (e.g. how an ambiguous date column was read).
    """

    frame: pd.DataFrame
    log: pd.DataFrame
    unknown_columns: list[str] = field(default_factory=list)
    rows: np.ndarray | None = None
    pending: dict[str, np.ndarray] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)
    currencies: Counter = field(default_factory=Counter)  # ISO code -> evidence (crm_xl.core.currency)
    sheet: str = ""  # the sheet or file the rows came from
    # several sources stacked (:func:`_stack`): the sheet of each row, and each sheet's headers
    row_sheets: np.ndarray | None = None
    headers_by_sheet: dict[str, dict[str, str]] = field(default_factory=dict)

    def sheets(self) -> np.ndarray:
        """The sheet (or file) of each frame row."""
        if self.row_sheets is not None:
            return self.row_sheets
        return np.full(len(self.frame), self.sheet, dtype=object)

    def all_headers(self) -> dict[str, dict[str, str]]:
        """Sheet -> {canonical key: the user's header}."""
        return self.headers_by_sheet or {self.sheet: self.headers}


@dataclass
class CleanedData:
    """All cleaned tables as ``CrmData`` and the combined cleaning log.

    ``intake`` summarises what reading the orders did (rows in, purchases out, what was
    excluded and why; :class:`crm_xl.core.purchases.IntakeSummary`); ``notes`` are the
    zh/en sentences the console shows."""

    data: CrmData
    log: pd.DataFrame
    unknown_columns: dict[str, list[str]] = field(default_factory=dict)
    intake: object = None
    notes: list[Note] = field(default_factory=list)
    # (sheet, Excel row) of each order's first line and the user's header per sheet and key
    order_origin: tuple | None = None
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    # currencies found in the order amounts (ISO code -> evidence; crm_xl.core.currency)
    currencies: Counter = field(default_factory=Counter)


def clean_table(raw: pd.DataFrame, table: Table | str, *, sheet: str | None = None, header_row: int = 1,
                lang: str = "zh", merged: "Sequence[tuple[int, int, int, int]]" = (),
                columns: "Mapping[int, str] | None" = None, date_order: str = "auto", line_items: bool = False,
                defer_missing: bool = False) -> CleanResult:
    """Clean one raw sheet into ``table``'s canonical form.

    Parameters
    ----------
    raw : DataFrame
        The sheet as read: the user's headers as column names, values as in the file.
        Not modified.
    table : Table or str
        The canonical table (``crm_xl.schema.TABLES`` key).
    sheet : str, optional
        Sheet or file name, for messages and the log.
    header_row : int
        Excel row number of the header; data row ``i`` (0-based) is Excel row
        ``header_row + 1 + i``.
    lang : {"zh", "en"}
        Language of the log's rule/reason texts and of the "未知" filler.
    merged : sequence of (first row, first column, last row, last column)
        Cells merged down rows in the data area, 0-based positions in ``raw`` (as
        ``crm_xl.io`` reads them: the value sits in the first row, the rest are empty).
        In columns of text, IDs, dates and yes/no the value is filled into every row of
        the merge (it describes each of them); in number and amount columns it counts for
        the first row only, so totals are not multiplied. Each covered cell is logged.
    columns : mapping of column position -> canonical key, optional
        The column mapping decided before (detected and corrected, :mod:`crm_xl.mapping`);
        default: :func:`crm_xl.schema.map_headers` on the headers.
    date_order : {"auto", "ymd", "mdy", "dmy"}
        How texts like ``02/03/24`` are read; "auto" decides per column from the data
        (:func:`crm_xl.core.dates.column_date_order`) and notes a column it cannot decide.
    line_items : bool
        Rows sharing a primary key are lines of one record (order lines), not duplicates:
        only rows equal in every column are removed.
    defer_missing : bool
        Keep rows lacking a required value and mark them in ``CleanResult.pending``
        instead of rejecting them here.

    Notes
    -----
    Each column is factorised once (:class:`crm_xl.core.parse.Distinct`); every rule runs
    on the distinct values and is mapped back to the cells through the codes, so the cost
    is one hash pass per column plus work proportional to the number of distinct values.

    A table whose customer is named instead of numbered (a ``customer_name`` column and no
    ID) is keyed by the name as written, trimmed only; a table with quantity and unit price
    but no amount gets amount = quantity x unit price (``Table.alternatives``).
    """
    t = TABLES[table] if isinstance(table, str) else table
    sheet = sheet or t.sheet_name(lang)
    log = _Log(sheet, lang, header_row)
    headers = [str(c) for c in raw.columns]
    mapped, unknown = _mapped_columns(headers, t, columns, sheet)
    n = len(raw)
    col_of = {key: i for i, key in mapped.items()}  # canonical key -> raw column position
    header_of = {key: headers[i] for key, i in col_of.items()}
    notes: list[Note] = []
    # alternatives: a customer keyed by name, an amount from quantity x unit price
    name_key = "customer_id" not in col_of and "customer_name" in col_of and "customer_id" in t.required
    amount_from_lines = ("amount" not in col_of and "amount" in t.required
                         and "quantity" in col_of and "unit_price" in col_of)
    # a required column present in the sheet must have values; one replaced by its alternative
    # needs the alternative's values instead
    required = {k for k in t.required if k in col_of}
    if name_key:
        required.add("customer_name")
    if amount_from_lines:
        required |= {"quantity", "unit_price"}

    columns_raw = [raw.iloc[:, i] for i in range(raw.shape[1])]
    merge_events = _apply_merges(columns_raw, merged, t, mapped, headers, lang) if len(merged) else {}
    if line_items and "order_id" in col_of:
        _continuation_lines(columns_raw, col_of, log, headers, lang)
    # one factorisation per column; fully empty rows (trailing blank rows in Excel) are not data
    dists = [Distinct(c) for c in columns_raw]
    all_blank = np.ones(n, dtype=bool) if dists else np.zeros(n, dtype=bool)
    for d in dists:
        all_blank &= d.blank[d.codes]
    not_blank = ~all_blank

    cols = _Columns(raw.index, n, lang, log, notes, dists)
    for col in t.recognised:
        if col.key not in col_of:
            cols.absent(col, t)
            continue
        i = col_of[col.key]
        for event in merge_events.get(i, ()):
            log.add(*event)
        cols.clean(col, dists[i], header_of[col.key], date_order, required=col.key in required,
                   primary=col.key in t.primary_key, not_blank=not_blank)
    out, final_codes, currencies = cols.out, cols.final_codes, cols.currencies
    if name_key:
        out["customer_id"] = out["customer_name"]
        header_of["customer_id"] = header_of["customer_name"]
        notes.append(Note(f"「{sheet}」按客户名称「{header_of['customer_name']}」识别客户（没有客户ID列），名称原样保留。",
                      f"'{sheet}': customers are identified by their name in '{header_of['customer_name']}' "
                      "(no customer ID column); names kept as written."))
    if amount_from_lines:
        out["amount"] = pd.Series(np.round(out["quantity"].to_numpy(dtype="float64")
                                           * out["unit_price"].to_numpy(dtype="float64"), 6), index=raw.index)
        header_of["amount"] = f"{header_of['quantity']} × {header_of['unit_price']}"
        notes.append(Note(f"「{sheet}」的金额 = {header_of['quantity']} × {header_of['unit_price']}（没有金额列）。",
                      f"'{sheet}': amount = {header_of['quantity']} x {header_of['unit_price']} (no amount column)."))
    frame = _assemble(out, t, unknown, raw)

    keep = not_blank
    pending: dict[str, np.ndarray] = {}
    # rejected rows (missing required key)
    if (cols.reject & keep).any():
        if defer_missing:
            pending = {("customer_id" if k == "customer_name" and name_key else
                        "amount" if k in ("quantity", "unit_price") and amount_from_lines else k): m & keep
                       for k, m in cols.reject_why.items()}
        else:
            _log_rejected(log, cols.reject_why, keep, header_of, t, lang)
            keep = keep & ~cols.reject
    pos = np.flatnonzero(keep)
    if len(pos) < n:
        frame = frame.iloc[pos]
        final_codes = {k: v[pos] for k, v in final_codes.items()}
    pending = {k: v[pos] for k, v in pending.items()}

    frame, pos, pending = _dedupe(frame, pos, pending, t, col_of, final_codes, header_of, log, lang, line_items)
    frame = frame.reset_index(drop=True)
    _order_currencies(frame, t, currencies)
    return CleanResult(frame=frame, log=log.frame(), unknown_columns=list(unknown), rows=pos + (header_row + 1),
                       pending=pending, headers=header_of, notes=notes, currencies=currencies, sheet=sheet)


def _mapped_columns(headers: list[str], t: Table, columns: "Mapping[int, str] | None",
                    sheet: str) -> tuple[dict[int, str], list[str]]:
    """Column position -> canonical key (detected, or the mapping given) and the headers
    left unmapped; a mapping given without a required column raises."""
    if columns is None:
        mapping = map_headers(headers, t, sheet=sheet)
        return dict(mapping.columns), list(mapping.unknown)
    mapped = {int(i): k for i, k in columns.items()}
    missing_cols = t.missing_required(set(mapped.values()))
    if missing_cols:
        raise missing_columns_error(t, missing_cols, headers, sheet=sheet)
    return mapped, [h for i, h in enumerate(headers) if i not in mapped]


class _Columns:
    """The cleaned columns of one sheet as :func:`clean_table` builds them: ``out`` (canonical
    key -> values), ``final_codes`` (per cell, the code of the cleaned value of a primary-key
    ID column; -1 = NA), the rows a missing required value rejects (``reject``, and per key
    ``reject_why``) and the currencies the amounts show."""

    def __init__(self, index: pd.Index, n: int, lang: str, log: _Log, notes: list, dists: list[Distinct]) -> None:
        self.index, self.lang, self.log, self.notes, self.dists = index, lang, log, notes, dists
        self.out: dict[str, pd.Series] = {}
        self.final_codes: dict[str, np.ndarray] = {}
        self.reject = np.zeros(n, dtype=bool)
        self.reject_why: dict[str, np.ndarray] = {}
        self.currencies: Counter = Counter()
        self.unknown_text = _t("unknown", lang)
        self._sheet_memo: list = []

    def sheet_order(self):  # computed once, only for a sheet with an undecidable date column
        if not self._sheet_memo:
            self._sheet_memo.append(_sheet_order(self.dists))
        return self._sheet_memo[0]

    def absent(self, col, t: Table) -> None:
        """A canonical column the sheet lacks: empty (a recognised intake-only column: left out)."""
        if col in t.columns:
            self.out[col.key] = as_dtype(pd.Series(None, index=self.index, dtype=object), DTYPE_BY_KIND[col.kind])
            if col.kind is ColumnKind.INDUSTRY:
                self.out["industry_code"] = as_text(pd.Series(None, index=self.index, dtype=object))

    def clean(self, col, d: Distinct, head: str, date_order: str, *, required: bool, primary: bool,
              not_blank: np.ndarray) -> None:
        key, kind, lang, log = col.key, col.kind, self.lang, self.log
        order = date_order
        if kind is ColumnKind.DATE and date_order == "auto":
            order = _column_order(d, head, self.notes, self.sheet_order)
        if kind is ColumnKind.MONEY and key in ("amount", "unit_price"):
            self.currencies.update(detect_currency(d.values[:-1] if d.has_text else (), [head]))
        val_u, industry_codes_u, ids_changed = _clean_distinct(d, col, head, log, lang, order)
        if industry_codes_u is not None:
            self.out["industry_code"] = d.expand(industry_codes_u, self.index)
        # missing values
        missing_u = val_u.isna().to_numpy()
        missing = missing_u[d.codes] & not_blank
        if required and missing.any():
            self.reject |= missing
            self.reject_why[key] = missing
        elif (missing.any() and kind in (ColumnKind.TEXT, ColumnKind.CATEGORY, ColumnKind.INDUSTRY)
              and key in _FILL_UNKNOWN):
            log.add(np.flatnonzero(missing), head, "", self.unknown_text, _t("rule_missing", lang),
                    _t("fill_unknown", lang))
            val_u = val_u.mask(missing_u, self.unknown_text)
        if kind is ColumnKind.ID and primary:
            self.final_codes[key] = _value_codes(val_u, ids_changed)[d.codes]
        self.out[key] = d.expand(as_dtype(val_u, DTYPE_BY_KIND[kind]), self.index)


def _assemble(out: dict[str, pd.Series], t: Table, unknown: list[str], raw: pd.DataFrame) -> pd.DataFrame:
    """The canonical columns in the table's order (``industry_code`` after ``industry``, then
    the intake columns present), then the unmapped columns as read."""
    order_keys = [c.key for c in t.columns]
    if "industry_code" in out:
        i = order_keys.index("industry") + 1
        order_keys = order_keys[:i] + ["industry_code"] + order_keys[i:]
    order_keys += [c.key for c in t.intake_columns if c.key in out]
    frame = pd.DataFrame({k: out[k] for k in order_keys}, index=raw.index)
    for name in unknown:
        frame[name] = raw[name] if name in raw.columns else None
    return frame


def _log_rejected(log: _Log, reject_why: dict[str, np.ndarray], keep: np.ndarray, header_of: dict[str, str],
                  t: Table, lang: str) -> None:
    for key, miss in reject_why.items():
        m = miss & keep
        if m.any():
            head = header_of.get(key, t.column(key).label(lang))
            log.add(np.flatnonzero(m), head, "", "", _t("rule_missing", lang),
                    _t("row_rejected", lang, why=missing_key_text(head, lang)))


def _dedupe(frame: pd.DataFrame, pos: np.ndarray, pending: dict[str, np.ndarray], t: Table, col_of: dict[str, int],
            final_codes: dict[str, np.ndarray], header_of: dict[str, str], log: _Log, lang: str, line_items: bool):
    """Exact duplicate rows (every column equal), then repeated primary keys (not for line
    items) removed and logged: (frame, positions, pending) of the rows kept."""
    compared = [c for c in frame.columns if c != "industry_code"]
    pk = [k for k in t.primary_key if k in col_of]
    pk_codes = final_codes.get(pk[0]) if len(pk) == 1 == len(t.primary_key) else None
    dup_row = _duplicate_rows(frame, compared, pk_codes)
    if dup_row.any():
        log.add(pos[dup_row], "", "", "", _t("rule_dedupe", lang), _t("dup_row", lang))
        frame, pos = frame[~dup_row], pos[~dup_row]
        pending = {k: v[~dup_row] for k, v in pending.items()}
        if pk_codes is not None:
            pk_codes = pk_codes[~dup_row]
    if pk and len(pk) == len(t.primary_key) and not line_items:
        dup_key = _repeated_keys(frame, pk, pk_codes)
        if dup_key.any():
            reason = "dup_conflict" if t is CUSTOMERS else "dup_key"
            head = header_of[pk[0]]
            log.add(pos[dup_key], head, _texts(frame[pk[0]], dup_key)[dup_key], "", _t("rule_dedupe", lang),
                    _t(reason, lang))
            frame, pos = frame[~dup_key], pos[~dup_key]
            pending = {k: v[~dup_key] for k, v in pending.items()}
    return frame, pos, pending


def _order_currencies(frame: pd.DataFrame, t: Table, currencies: Counter) -> None:
    """Add the evidence of a currency column, else of the orders' one country, to ``currencies``."""
    if "currency" in frame:
        currencies.update(detect_currency(currency_values=frame["currency"].dropna().astype(str)))
    if not currencies and "region" in frame and t.key == "orders" and len(frame):
        # amounts that name no currency, in an export with one country (UCI Online Retail: United
        # Kingdom): that country's currency, as the weakest evidence
        codes, uniq = pd.factorize(frame["region"].astype(object), use_na_sentinel=True)
        counts = np.bincount(codes[codes >= 0].astype(np.intp), minlength=len(uniq))
        country = currency_of_countries(v for u, n in zip(uniq, counts, strict=True) for v in [u] * int(min(n, 1000)))
        if country:
            currencies[country] += 0.5


def _sheet_order(dists: list[Distinct]) -> str | None:
    """The day/month order the other date-like columns of the same sheet show (an export
    writes all its dates one way): month-first or day-first by majority of evidence, None
    when no column decides."""
    mdy = dmy = 0
    for d in dists:
        if d.has_text:
            _, m, dd = column_date_order(v for v in d.values[:5000] if isinstance(v, str))
            mdy, dmy = mdy + m, dmy + dd
    return "mdy" if mdy > dmy else "dmy" if dmy > mdy else None


def _column_order(d: Distinct, head: str, notes: list, sheet_order=None) -> str:
    """The day/month order of a date column's ``02/03/24``-like texts, decided from the data
    (the column's own texts, else the sheet's other date columns: ``sheet_order`` is a
    callable giving :func:`_sheet_order`); month-first (noted) when nothing decides and some
    text is ambiguous."""
    if not d.has_text:
        return "mdy"
    texts = [v for v in d.values[:-1] if isinstance(v, str)]
    order, mdy, dmy = column_date_order(texts)
    if order is None and sheet_order is not None and has_ambiguous(texts):
        order = sheet_order()
        if order is not None:
            return order
    if order is None:
        if has_ambiguous(texts):
            notes.append(Note(f"日期列「{head}」中的日期（如 {next(v for v in texts if has_ambiguous([v]))}）"
                          "无法从数据判断是月/日还是日/月，已按月/日/年（美式）读取；如为日/月/年，请把设置 date_order "
                          "改为 dmy（或使用 --date-format dmy）。",
                          f"date column '{head}': the data cannot tell month-first from day-first "
                          f"(e.g. {next(v for v in texts if has_ambiguous([v]))}); read as month/day/year (US). "
                          "If it is day/month/year, set date_order to dmy (or use --date-format dmy)."))
        return "mdy"
    if mdy and dmy:
        notes.append(Note(f"日期列「{head}」混用了月/日和日/月两种写法；按多数（{'月/日/年' if order == 'mdy' else '日/月/年'}）"
                      "读取，其余无法识别的日期记录在清洗日志中。",
                      f"date column '{head}' mixes month-first and day-first dates; read as the majority "
                      f"({'month/day/year' if order == 'mdy' else 'day/month/year'}), the rest are in the cleaning log."))
    return order


def _empty_cell(v) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) or (isinstance(v, str) and v == "")


_FILLED_BY_MERGE = (ColumnKind.ID, ColumnKind.TEXT, ColumnKind.CATEGORY, ColumnKind.INDUSTRY, ColumnKind.DATE,
                    ColumnKind.BOOL)


def _apply_merges(columns: list[pd.Series], merged, t: Table, mapped: Mapping[int, str], headers: list[str],
                  lang: str) -> dict[int, list[tuple]]:
    """Fill vertically merged cells of canonical columns (``columns`` entries are replaced
    by filled copies; the raw frame is untouched). Returns log events per column."""
    events: dict[int, list[tuple]] = {}
    filled: dict[int, np.ndarray] = {}
    n = len(columns[0]) if columns else 0
    for r0, c0, r1, _c1 in merged:
        r0, c0, r1 = int(r0), int(c0), min(int(r1), n - 1)
        if c0 not in mapped or not (0 <= r0 < r1):
            continue
        kind = t.column(mapped[c0]).kind
        if c0 not in filled:
            filled[c0] = columns[c0].to_numpy(dtype=object, copy=True)
        arr = filled[c0]
        value = arr[r0]
        cover = np.arange(r0 + 1, r1 + 1)
        cover = cover[np.array([_empty_cell(v) for v in arr[cover]], dtype=bool)]
        if _empty_cell(value) or len(cover) == 0:
            continue
        if kind in _FILLED_BY_MERGE:
            arr[cover] = value
            events.setdefault(c0, []).append((cover, headers[c0], "", _fmt(value), _t("rule_merged", lang),
                                              _t("merged_fill", lang)))
        else:
            events.setdefault(c0, []).append((cover, headers[c0], "", "", _t("rule_merged", lang),
                                              _t("merged_once", lang)))
    for c0, arr in filled.items():
        columns[c0] = pd.Series(arr, index=columns[c0].index, dtype=object)
    return events


_ORDER_LEVEL = ("order_id", "customer_id", "customer_name", "order_date", "status", "owner", "campaign_id", "currency",
                "is_won", "region")


def _continuation_lines(columns: list[pd.Series], col_of: Mapping[str, int], log: _Log, headers: list[str],
                        lang: str) -> None:
    """Lines that continue the order above (Odoo-style exports write the order number,
    customer and date on an order's first line only): rows with those blank but other
    values present take the order-level values of the row above (``columns`` entries are
    replaced by filled copies; the raw frame is untouched). Each filled row is logged."""
    keys = [k for k in ("order_id", "customer_id", "customer_name", "order_date") if k in col_of]
    n = len(columns[0]) if columns else 0
    if n < 2 or not columns[col_of["order_id"]].isna().any():
        return  # every row has its order number: no continuation line
    blank = np.ones(n, dtype=bool)
    for k in keys:
        blank &= columns[col_of[k]].isna().to_numpy()
    others = [j for j in range(len(columns)) if j not in {col_of[k] for k in keys}]
    has_other = np.zeros(n, dtype=bool)
    for j in others:
        has_other |= columns[j].notna().to_numpy()
    cont = blank & has_other
    cont[0] = False
    if not cont.any():
        return
    # the row each continuation takes its values from: the last non-continuation row above
    src = np.where(cont, 0, np.arange(n))
    src = np.maximum.accumulate(src)
    for k in _ORDER_LEVEL:
        if k not in col_of:
            continue
        j = col_of[k]
        arr = columns[j].to_numpy(dtype=object, copy=True)
        fill = cont & pd.isna(arr)
        arr[fill] = arr[src[fill]]
        columns[j] = pd.Series(arr, index=columns[j].index, dtype=object)
    log.add(np.flatnonzero(cont), headers[col_of["order_id"]], "", "", _t("rule_continuation", lang),
            _t("continuation", lang))


def _value_codes(val_u: pd.Series, changed: np.ndarray | None) -> np.ndarray:
    """Per distinct value: a code shared by equal cleaned values, -1 for NA."""
    na = val_u.isna().to_numpy()
    if changed is not None and not changed.any():
        # no value was rewritten: the non-NA cleaned values are the distinct raw texts themselves
        codes = np.arange(len(val_u), dtype=np.intp)
    else:
        codes, _ = pd.factorize(val_u.to_numpy(dtype=object), use_na_sentinel=True)
        codes = np.asarray(codes, dtype=np.intp)
    codes[na] = -1
    return codes


def _repeated(codes: np.ndarray) -> np.ndarray:
    """True for each occurrence of a code after its first (``duplicated(keep="first")``)."""
    rep = np.zeros(len(codes), dtype=bool)
    if len(codes) == 0:
        return rep
    counts = np.bincount(codes + 1)
    cand = np.flatnonzero(counts[codes + 1] > 1)  # only codes seen twice can repeat
    if len(cand):
        _, first = np.unique(codes[cand], return_index=True)
        rep[cand] = True
        rep[cand[first]] = False
    return rep


def _duplicate_rows(frame: pd.DataFrame, canon: list[str], pk_codes: np.ndarray | None) -> np.ndarray:
    """``frame.duplicated(subset=canon)``; with one primary-key column only rows whose key
    occurs more than once can repeat, so only those are compared."""
    if pk_codes is None:
        return frame.duplicated(subset=canon, keep="first").to_numpy()
    dup = np.zeros(len(frame), dtype=bool)
    if len(pk_codes) == 0:
        return dup
    counts = np.bincount(pk_codes + 1)
    cand = np.flatnonzero(counts[pk_codes + 1] > 1)
    if len(cand):
        dup[cand] = frame.iloc[cand].duplicated(subset=canon, keep="first").to_numpy()
    return dup


def _clean_distinct(d: Distinct, col, head: str, log: _Log, lang: str, date_order: str = "mdy"):
    """Parse/normalise the distinct values of one column; events go to ``log`` for every
    cell holding an affected value. Returns (cleaned value per distinct value as a Series,
    industry code per distinct value or None, ID rewritten per distinct value or None)."""
    values = d.values
    industry_codes = ids_changed = None
    # Excel error values: rejected cells, logged
    err = d.error
    if err.any():
        log.add_distinct(d, err, head, _texts(values, err), "", _t("rule_parse", lang), _t("excel_error", lang))
        values = values.copy()
        values[err] = None
    blank = d.blank | err
    kind = col.kind
    if kind is ColumnKind.DATE:
        stamps = d.datetimes if not err.any() else None
        val, bad = dates_distinct(values, blank, stamps, order="dmy" if date_order == "dmy" else "mdy")
        _log_changes(log, d, head, values, val, bad, lang, "bad_date", "date_format", stamps)
    elif kind is ColumnKind.MONEY:
        val, bad = money_distinct(values, blank)
        _log_changes(log, d, head, values, val, bad, lang, "bad_money", "money_format")
    elif kind in (ColumnKind.NUMBER, ColumnKind.INT, ColumnKind.SCORE):
        val, bad = numbers_distinct(values, blank)
        _log_changes(log, d, head, values, val, bad, lang, "bad_number", "number_format")
        if col.bounds is not None:
            lo, hi = col.bounds
            v = val.to_numpy()
            oob = ~np.isnan(v) & ((v < lo) | (v > hi))
            if oob.any():
                log.add_distinct(d, oob, head, _texts(values, oob), "", _t("rule_parse", lang),
                                 _t("out_of_bounds", lang, lo=_num(lo), hi=_num(hi)))
                val = val.mask(oob)
    elif kind is ColumnKind.BOOL:
        val, bad = bools_distinct(values, blank)
        _log_changes(log, d, head, values, val, bad, lang, "bad_bool", "bool_format")
    elif kind is ColumnKind.ID:
        ids, ids_changed = ids_distinct(d, blank)
        if ids_changed.any():
            log.add_distinct(d, ids_changed, head, _texts(values, ids_changed), ids, _t("rule_parse", lang),
                             _t("id_format", lang))
        val = pd.Series(ids, dtype="str")
    else:
        text, trimmed = text_distinct(d, blank)
        if trimmed.any():
            log.add_distinct(d, trimmed, head, _texts(values, trimmed), text, _t("rule_parse", lang),
                             _t("text_trim", lang))
        if kind is ColumnKind.INDUSTRY:
            text, industry_codes = _map_industry_distinct(d, text, head, log, lang)
        val = pd.Series(text, dtype="str")
    return val, industry_codes, ids_changed


def _map_industry_distinct(d: Distinct, text: np.ndarray, head: str, log: _Log, lang: str):
    """Section names (or the text itself where unmapped) and codes per distinct value."""
    n = len(text)
    names = np.empty(n, dtype=object)
    codes = np.empty(n, dtype=object)
    seen: dict[str, tuple[str, str] | None] = {}
    for i, v in enumerate(text):
        if v is None:
            continue
        if v not in seen:
            seen[v] = map_industry(v)
        hit = seen[v]
        if hit is not None:
            codes[i], names[i] = hit[0], section_name(hit[0], lang)  # the report's language
    present = np.array([v is not None for v in text], dtype=bool)
    has_name = np.array([v is not None for v in names], dtype=bool)
    mapped = has_name & (names != text)
    if mapped.any():
        new = np.empty(n, dtype=object)
        new[mapped] = codes[mapped] + " " + names[mapped]
        log.add_distinct(d, mapped, head, _texts(text, mapped), new, _t("rule_industry", lang), _t("industry_map", lang))
    unmapped = present & ~has_name
    if unmapped.any():
        t = _texts(text, unmapped)
        log.add_distinct(d, unmapped, head, t, t, _t("rule_industry", lang), _t("industry_unmapped", lang))
    names[~has_name] = text[~has_name]
    return names, pd.Series(codes, dtype="str")


# text columns where a missing value is filled with 未知 (seed: 客户行业、联系人信息 ...)
_FILL_UNKNOWN = {"customer_name", "contact_name", "industry", "region", "owner", "product", "type", "stage", "source"}


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _log_changes(log: _Log, d: Distinct, head: str, raw: np.ndarray, val: pd.Series, bad: np.ndarray,
                 lang: str, bad_key: str, fmt_key: str, stamps: pd.DatetimeIndex | None = None) -> None:
    if bad.any():
        log.add_distinct(d, bad, head, _texts(raw, bad), "", _t("rule_parse", lang), _t(bad_key, lang))
    # changed representation: text or numbers that were not already the clean type
    parsed = val.notna().to_numpy()
    if fmt_key == "date_format":
        same = midnight(raw, stamps)
    elif fmt_key in ("money_format", "number_format"):
        # text that is already a plain number ("12345", "-3.5": every CSV cell) is not a change
        same = (np.ones(len(raw), dtype=bool) if not d.has_text
                else ~np.fromiter((isinstance(v, str) for v in raw), dtype=bool, count=len(raw))
                | texts_fullmatching(raw, _PLAIN_NUMBER))
    else:  # yes/no: the canonical spellings 是/否 and real booleans are not changes
        same = np.fromiter((isinstance(v, (bool, np.bool_)) or v in ("是", "否") for v in raw), dtype=bool,
                           count=len(raw))
    changed = parsed & ~same
    if not changed.any():
        return
    cells = np.bincount(d.codes, minlength=len(d))[changed].sum()
    if cells >= WHOLE_COLUMN_MIN_CELLS and (changed == parsed).all():
        # the whole column written one other way (an export's 12/1/2010 8:26 on every row): one
        # entry for the column, on its header row, instead of one per cell
        i = int(np.flatnonzero(changed)[0])
        old = _stamp_texts(stamps, changed) if stamps is not None else None
        example = old[i] if old is not None else _texts(raw, changed)[i]
        log.add(np.array([-1]), head, example, _texts(val, changed)[i], _t("rule_parse", lang),
                _t(fmt_key, lang) + _t("whole_column", lang, n=f"{int(cells):,}"))
        return
    old = _stamp_texts(stamps, changed) if stamps is not None else None
    log.add_distinct(d, changed, head, old if old is not None else _texts(raw, changed), _texts(val, changed),
                     _t("rule_parse", lang), _t(fmt_key, lang))


# a format change shared by every value of a column with at least this many cells is logged
# once for the column (on its header row), not once per cell
WHOLE_COLUMN_MIN_CELLS = 1000


def _stamp_texts(stamps: pd.DatetimeIndex, mask: np.ndarray) -> np.ndarray | None:
    """``str(x)`` of the datetimes at ``mask`` (not at midnight), vectorised: the text
    ``str`` gives a datetime or Timestamp without fractions of a second. None if some have
    fractions (``str`` spells those differently; the caller formats them one by one)."""
    idx = np.flatnonzero(mask[:-1])
    sel = stamps[idx]
    if (sel.microsecond != 0).any() or (sel.nanosecond != 0).any():
        return None
    text = np.datetime_as_string(sel.to_numpy().astype("datetime64[s]"), unit="s")
    out = np.empty(len(mask), dtype=object)
    out[idx] = np.char.replace(text, "T", " ").astype(object)
    return out


def _items(item) -> list:
    return list(item) if isinstance(item, (list, tuple)) else [item]


def _repeated_keys(frame: pd.DataFrame, pk: list[str], pk_codes: np.ndarray | None = None) -> np.ndarray:
    """True for each row whose primary key (every column of it present) appeared on an
    earlier row: the one rule for "duplicate ID", within a source and across stacked
    sources. ``pk_codes``: the key's factorised codes when it is one column (faster)."""
    if pk_codes is not None:
        return _repeated(pk_codes) & (pk_codes >= 0)
    return (frame.duplicated(subset=pk, keep="first") & frame[pk].notna().all(axis=1)).to_numpy()


def _stack(results: list[CleanResult], t: Table, lang: str) -> CleanResult:
    """Several cleaned sources of one table as one: rows equal in every column across
    sources are removed, and (except for order lines) a repeated primary key keeps its
    first row; both logged on the later source's row."""
    if len(results) == 1:
        return results[0]
    frames = [r.frame.assign(_src=i, _row=r.rows if r.rows is not None else np.arange(len(r.frame)) + 2)
              for i, r in enumerate(results)]
    frame = pd.concat(frames, ignore_index=True)
    sheets = np.concatenate([r.sheets() for r in results])
    compared = [c for c in frame.columns if c not in ("industry_code", "_src", "_row")]
    logs = [r.log for r in results]
    dup = frame.duplicated(subset=compared, keep="first").to_numpy()
    pk = [k for k in t.primary_key if k in frame.columns]
    if t is not TABLES["orders"] and pk and len(pk) == len(t.primary_key):
        dup_key = _repeated_keys(frame, pk) & ~dup
    else:
        dup_key = np.zeros(len(frame), dtype=bool)
    for mask, key in ((dup, "dup_row"), (dup_key, "dup_key")):
        if mask.any():
            w = np.flatnonzero(mask)
            col = "" if key == "dup_row" else [results[i].headers.get(pk[0], pk[0]) for i in frame["_src"].to_numpy()[w]]
            old = "" if key == "dup_row" else frame[pk[0]].astype(object).to_numpy()[w]
            logs.append(log_frame(sheets[w], frame["_row"].to_numpy()[w], col, old, "", _t("rule_dedupe", lang),
                                  _t("dup_row_across" if key == "dup_row" else key, lang)))
    keep = ~(dup | dup_key)
    pending = {}
    for k in {k for r in results for k in r.pending}:
        pending[k] = np.concatenate([r.pending.get(k, np.zeros(len(r.frame), dtype=bool)) for r in results])[keep]
    out = CleanResult(frame=frame[keep].drop(columns=["_src", "_row"]).reset_index(drop=True),
                      log=pd.concat([x for x in logs if len(x)], ignore_index=True) if any(len(x) for x in logs) else logs[0],
                      unknown_columns=list(dict.fromkeys(c for r in results for c in r.unknown_columns)),
                      rows=frame["_row"].to_numpy()[keep], pending=pending,
                      notes=[n for r in results for n in r.notes],
                      currencies=sum((r.currencies for r in results), Counter()),
                      sheet=results[0].sheet, row_sheets=sheets[keep],
                      headers_by_sheet={k: v for r in results for k, v in r.all_headers().items()})
    return out


def clean_dataset(raw_tables: Mapping[str, object], *, lang: str | None = None,
                  settings: "AnalysisSettings | None" = None) -> CleanedData:
    """Clean every raw table, decide what counts as a purchase and check references.

    ``raw_tables`` maps table keys (``customers``, ``orders``, ...) to a DataFrame, an
    object with ``frame``, ``sheet``, ``header_row`` (and optionally ``mapping``, the
    column mapping, and ``merged``) attributes as :mod:`crm_xl.io` returns, or a list of
    them (several files of one kind are stacked). Orders are required; customers may be
    derived from orders. Order lines become purchases by the rules of
    :mod:`crm_xl.core.purchases` (status, credit notes, lines of one order, returns).
    ``settings`` gives those rules and ``date_order``; ``lang`` overrides its language.
    """
    from ..settings import AnalysisSettings

    s = settings or AnalysisSettings(lang=lang or "zh")
    if lang is not None and lang != s.lang:
        from dataclasses import replace as _replace

        s = _replace(s, lang=lang)
    lang = s.lang
    results: dict[str, CleanResult] = {}
    for key, item in raw_tables.items():
        if key not in TABLES:
            continue
        parts = []
        for one in _items(item):
            frame = getattr(one, "frame", one)
            sheet = getattr(one, "sheet", None) or TABLES[key].sheet_name(lang)
            res = clean_table(frame, key, sheet=sheet, header_row=getattr(one, "header_row", 1), lang=lang,
                              merged=getattr(one, "merged", ()) or (), columns=getattr(one, "mapping", None) if not isinstance(one, pd.DataFrame) else None,
                              date_order=s.date_order, line_items=key == "orders", defer_missing=key == "orders")
            parts.append(res)
        if parts:
            results[key] = _stack(parts, TABLES[key], lang)
    if "orders" not in results and _has_rows(results.get("interactions")):
        # tickets / interactions without orders: the report still gives what needs no orders
        # (experience KPIs, complaints, NPS, response); the order-based sheets stay empty
        results["orders"] = CleanResult(frame=empty_table("orders"), log=_Log("", lang).frame(),
                                        rows=np.zeros(0, dtype=np.int64), sheet=TABLES["orders"].sheet_name(lang))
        no_orders = True
    else:
        no_orders = False
    if "orders" not in results:
        warns = list(getattr(raw_tables, "warnings", []) or [])
        read = [m for m in getattr(raw_tables, "mappings", []) or [] if m.table is not None]
        read_zh = ("读取到的数据：" + "；".join(m.describe("zh") for m in read) + "。") if read else ""
        read_en = ("Read: " + "; ".join(m.describe("en") for m in read) + ". ") if read else ""
        raise InputError(
            "没有找到订单数据（工作表「订单」或含订单编号/客户ID/下单日期/金额列的表），无法分析。" + read_zh
            + "".join(w[0] for w in warns) + ("如果某个文件其实是订单，请用 --table 订单=文件 指定。" if read else ""),
            "no order data found (a sheet 'Orders' or one with Order ID / Customer ID / Order Date / Amount columns); "
            "nothing to analyse. " + read_en + " ".join(w[1] for w in warns)
            + ("If one of the files holds orders, say so with --table orders=FILE." if read else ""),
        )
    notes = [n for r in results.values() for n in r.notes]
    logs = [r.log for r in results.values()]
    lines = results["orders"]
    n_lines = len(lines.frame)
    sheets = lines.sheets()
    headers = lines.all_headers()
    bought = consolidate_orders(lines.frame, sheets, lines.rows if lines.rows is not None else np.arange(n_lines) + 2,
                                lines.pending, headers, s)
    logs.append(bought.log)
    orders = bought.orders
    if no_orders:
        notes.append(Note("没有订单数据：报告只包含不需要订单的部分（互动与服务指标、投诉、NPS、响应）；RFM 分层、购买类指标和流失预警为空。",
                      "no order data: the report holds what needs no orders (interaction and service KPIs, complaints, "
                      "NPS, response); RFM layers, purchase KPIs and churn warnings are empty."))
    elif len(orders) == 0:
        log_so_far = pd.concat([x for x in logs if len(x)], ignore_index=True) if any(len(x) for x in logs) else None
        raise _no_rows_error(log_so_far, set(pd.unique(sheets)) if n_lines else
                             {getattr(x, "sheet", "") for x in _items(raw_tables["orders"])}, bought.summary, lang)
    unknown_text = _t("unknown", lang)
    if "customers" in results:
        customers = results["customers"].frame
        customers = customers[[c for c in customers.columns if c not in {x.key for x in CUSTOMERS.intake_columns}]]
    else:
        customers = empty_table("customers")
        logs.append(pd.DataFrame([{"sheet": TABLES["customers"].sheet_name(lang), "row": 0, "column": "",
                                   "old_value": "", "new_value": "", "rule": _t("rule_reference", lang),
                                   "reason": _t("customers_derived", lang)}]))
    known = set(customers["customer_id"].dropna())
    referenced = orders["customer_id"]
    if no_orders and "customers" not in results:  # the customers are those the interactions name
        referenced = results["interactions"].frame["customer_id"]
    missing_ids = pd.unique(referenced[~referenced.isin(known)].dropna())
    if len(missing_ids):
        add = empty_table("customers").reindex(range(len(missing_ids)))
        add["customer_id"] = pd.Series(missing_ids, dtype="str")
        for k in ("customer_name", "contact_name", "industry", "region", "owner"):
            add[k] = unknown_text
        _from_order_lines(add, lines.frame if not no_orders else results["interactions"].frame, unknown_text)
        add["industry_code"] = pd.Series(pd.NA, index=add.index, dtype="str")
        # (the customer sheet's unknown extra columns stay empty for the added customers)
        dtypes = {k: v for k, v in customers.dtypes.to_dict().items() if k in add.columns}
        customers = pd.concat([customers, add.astype(dtypes)[list(customers.columns.intersection(add.columns))]],
                              ignore_index=True)
        if "customers" in results:
            sheet = getattr(_items(raw_tables["orders"])[0], "sheet", None) or TABLES["orders"].sheet_name(lang)
            logs.append(pd.DataFrame({"sheet": sheet, "row": 0, "column": TABLES["orders"].column("customer_id").label(lang),
                                      "old_value": missing_ids, "new_value": missing_ids,
                                      "rule": _t("rule_reference", lang), "reason": _t("customer_added", lang)}))
    tables = {k: r.frame[[c for c in r.frame.columns if c not in {x.key for x in TABLES[k].intake_columns}]]
              for k, r in results.items()}
    tables["orders"] = orders
    tables["customers"] = customers
    if "leads" not in tables and len(bought.deals):
        tables["leads"] = bought.deals
        notes.append(Note("没有线索表：销售漏斗按订单表中的商机阶段（赢单、输单、进行中）统计。",
                      "no leads table: the funnel counts the deals of the order export by stage (won, lost, open)."))
    data = CrmData(**{k: tables.get(k, empty_table(k)) for k in TABLES})
    log = pd.concat([l for l in logs if len(l)], ignore_index=True) if any(len(l) for l in logs) else _Log("", lang).frame()
    return CleanedData(data=data, log=log, unknown_columns={k: r.unknown_columns for k, r in results.items() if r.unknown_columns},
                       intake=bought.summary, notes=notes, order_origin=bought.origin, headers=headers,
                       currencies=lines.currencies)


def _has_rows(result: CleanResult | None) -> bool:
    return result is not None and len(result.frame) > 0


def _from_order_lines(add: pd.DataFrame, lines: pd.DataFrame, unknown_text: str) -> None:
    """Customers derived from orders take the name and region their order lines give
    (the most frequent one), where the export has such columns."""
    ids = add["customer_id"].astype(object)
    for src, dst in (("customer_name", "customer_name"), ("region", "region")):
        if src not in lines or not lines[src].notna().any():
            continue
        pairs = lines[["customer_id", src]].dropna()
        pairs = pairs[pairs[src].astype(str) != unknown_text]
        if pairs.empty:
            continue
        # each customer's most frequent value (ties: the first seen), without a Python call per customer
        counts = pairs.groupby(["customer_id", src], sort=False).size().reset_index(name="_n")
        top = counts.sort_values("_n", ascending=False, kind="stable").drop_duplicates("customer_id")
        top = pd.Series(top[src].to_numpy(dtype=object), index=top["customer_id"].to_numpy(dtype=object))
        got = ids.map(top)
        add[dst] = np.where(got.notna(), got.astype(object), add[dst].astype(object))


def _no_rows_error(log: pd.DataFrame | None, sheets: set, summary, lang: str) -> InputError:
    """"No usable order rows", with the top reasons and an example cell of each."""
    parts_zh, parts_en = [], []
    if log is not None and len(log):
        mine = log[log["sheet"].isin(sheets) & (log["row"] > 0)]
        bad = mine[mine["reason"].str.contains("无法识别|剔除|不计|缺少|Excel|unrecognised|rejected|not a purchase|cannot|left out",
                                               regex=True)]
        for reason, grp in sorted(bad.groupby("reason", sort=False), key=lambda kv: -len(kv[1]))[:3]:
            ex = grp.iloc[0]
            cell = f"{ex['sheet']} 第 {ex['row']} 行「{ex['column']}」= {ex['old_value']!s}" if lang == "zh" else                 f"{ex['sheet']} row {ex['row']} '{ex['column']}' = {ex['old_value']!s}"
            parts_zh.append(f"{reason}（{len(grp):,} 处，例：{cell}）")
            parts_en.append(f"{reason} ({len(grp):,}, e.g. {cell})")
    where = "、".join(sorted(str(x) for x in sheets if x))
    one = next(iter(sheets)) if len(sheets) == 1 else None
    if not parts_zh:
        return InputError(f"订单表（{where}）没有可用的数据行。", f"the order table ({where}) has no usable rows.", sheet=one)
    return InputError(f"订单表（{where}）没有可用的数据行。主要原因：" + "；".join(parts_zh) + "。",
                      f"the order table ({where}) has no usable rows. Top reasons: " + "; ".join(parts_en) + ".",
                      sheet=one)
