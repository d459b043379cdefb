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

The values of one column are cleaned in :mod:`crm_xl.core.clean_values`; merged cells,
continuation lines and duplicates are handled in :mod:`crm_xl.core.clean_rows`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ..errors import InputError
from ..schema import CUSTOMERS, TABLES, Table, map_headers, missing_columns_error
from ..texts import Texts
from .clean_rows import _apply_merges, _continuation_lines, _duplicate_rows, _repeated_keys
from .clean_values import _Columns
from .cleanlog import LOG_COLUMNS, Note, log_frame
from .cleanlog import RowLog as _Log
from .cleanlog import cell_texts as _texts
from .cleanlog import text as _t
from .codes import isin_texts, repeat_object
from .currency import currency_of_countries, detect_currency
from .dataset import CrmData, empty_table
from .parse import Distinct
from .purchases import IntakeSummary, consolidate_orders, missing_key_text

if TYPE_CHECKING:
    from ..settings import AnalysisSettings

__all__ = ["CleanResult", "CleanedData", "clean_table", "clean_dataset", "LOG_COLUMNS"]

TEXTS = Texts({
    # an example cell in the "no usable order rows" error
    "cell": ("{sheet} 第 {row} 行「{column}」= {value!s}", "{sheet} row {row} '{column}' = {value!s}"),
})


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
        return repeat_object(self.sheet, len(self.frame))

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
    intake: IntakeSummary | None = None
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
    alt = _Alternatives.of(t, col_of)

    columns_raw = [raw.iloc[:, i] for i in range(raw.shape[1])]
    merge_events = _apply_merges(columns_raw, merged, t, mapped, headers, lang) if len(merged) else {}
    if line_items and "order_id" in col_of:
        _continuation_lines(columns_raw, col_of, log, headers, lang)
    # one factorisation per column; fully empty rows (trailing blank rows in Excel) are not data
    dists = [Distinct(c) for c in columns_raw]
    not_blank = _not_blank(dists, n)

    cols = _Columns(raw.index, n, lang, log, notes, dists)
    for col in t.recognised:
        if col.key not in col_of:
            cols.absent(col, t)
            continue
        i = col_of[col.key]
        for event in merge_events.get(i, ()):
            log.add(*event)
        cols.clean(col, dists[i], header_of[col.key], date_order, required=col.key in alt.required,
                   primary=col.key in t.primary_key, not_blank=not_blank)
    out, final_codes, currencies = cols.out, cols.final_codes, cols.currencies
    alt.apply(out, header_of, notes, sheet, raw.index)
    frame = _assemble(out, t, unknown, raw)

    keep = not_blank
    pending: dict[str, np.ndarray] = {}
    # rejected rows (missing required key)
    if (cols.reject & keep).any():
        if defer_missing:
            pending = {alt.pending_key(k): m & keep for k, m in cols.reject_why.items()}
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


@dataclass
class _Alternatives:
    """The alternatives a sheet uses (``Table.alternatives``): a customer keyed by name
    (``name_key``), an amount from quantity x unit price (``amount_from_lines``), and the
    columns that must have values (``required``: a required column present in the sheet;
    one replaced by its alternative needs the alternative's values instead)."""

    name_key: bool
    amount_from_lines: bool
    required: set[str]

    @classmethod
    def of(cls, t: Table, col_of: dict[str, int]) -> "_Alternatives":
        """The alternatives of table ``t`` given the sheet's columns ``col_of``."""
        name_key = "customer_id" not in col_of and "customer_name" in col_of and "customer_id" in t.required
        amount_from_lines = ("amount" not in col_of and "amount" in t.required
                             and "quantity" in col_of and "unit_price" in col_of)
        required = {k for k in t.required if k in col_of}
        if name_key:
            required.add("customer_name")
        if amount_from_lines:
            required |= {"quantity", "unit_price"}
        return cls(name_key, amount_from_lines, required)

    def apply(self, out: dict[str, pd.Series], header_of: dict[str, str], notes: list[Note], sheet: str,
              index: pd.Index) -> None:
        """Add the columns the alternatives stand for to ``out`` and ``header_of``, each with its note."""
        if self.name_key:
            out["customer_id"] = out["customer_name"]
            header_of["customer_id"] = header_of["customer_name"]
            notes.append(Note(f"「{sheet}」按客户名称「{header_of['customer_name']}」识别客户（没有客户ID列），名称原样保留。",
                          f"'{sheet}': customers are identified by their name in '{header_of['customer_name']}' "
                          "(no customer ID column); names kept as written."))
        if self.amount_from_lines:
            out["amount"] = pd.Series(np.round(out["quantity"].to_numpy(dtype="float64")
                                               * out["unit_price"].to_numpy(dtype="float64"), 6), index=index)
            header_of["amount"] = f"{header_of['quantity']} × {header_of['unit_price']}"
            notes.append(Note(f"「{sheet}」的金额 = {header_of['quantity']} × {header_of['unit_price']}（没有金额列）。",
                          f"'{sheet}': amount = {header_of['quantity']} x {header_of['unit_price']} (no amount column)."))

    def pending_key(self, key: str) -> str:
        """The canonical key a missing value of column ``key`` leaves pending (its alternative's)."""
        return ("customer_id" if key == "customer_name" and self.name_key else
                "amount" if key in ("quantity", "unit_price") and self.amount_from_lines else key)


def _not_blank(dists: list[Distinct], n: int) -> np.ndarray:
    """Per row: True where some column has a value (fully empty rows are not data)."""
    all_blank = np.ones(n, dtype=bool) if dists else np.zeros(n, dtype=bool)
    for d in dists:
        all_blank &= d.blank[d.codes]
    return ~all_blank


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
            currencies[country] += 0.5  # type: ignore[assignment]  # (a Counter of weights: half a cell's evidence)


def _items(item) -> list:
    return list(item) if isinstance(item, (list, tuple)) else [item]


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


def clean_dataset(raw_tables: Mapping[str, object], *, lang: Literal["zh", "en"] | None = None,
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
    s = _settings(lang, settings)
    lang = s.lang
    results, pushed = _clean_sources(raw_tables, s)
    no_orders = _stand_in_orders(results, lang)
    if "orders" not in results:
        raise _no_orders_error(raw_tables)
    notes = [n for r in results.values() for n in r.notes]
    logs = [r.log for r in results.values()]
    lines = results["orders"]
    n_lines = len(lines.frame)
    sheets = lines.sheets()
    headers = lines.all_headers()
    bought = consolidate_orders(lines.frame, sheets, lines.rows if lines.rows is not None else np.arange(n_lines) + 2,
                                lines.pending, headers, s)
    if pushed is not None:
        bought = pushed.merged(bought, lang)
    logs.append(bought.log)
    orders = bought.orders
    held = pushed.engine if pushed is not None else None  # the purchases an engine holds
    if no_orders:
        notes.append(Note("没有订单数据：报告只包含不需要订单的部分（互动与服务指标、投诉、NPS、响应）；RFM 分层、购买类指标和流失预警为空。",
                      "no order data: the report holds what needs no orders (interaction and service KPIs, complaints, "
                      "NPS, response); RFM layers, purchase KPIs and churn warnings are empty."))
    elif len(orders) == 0 and not (held is not None and held.orders):
        log_so_far = pd.concat([x for x in logs if len(x)], ignore_index=True) if any(len(x) for x in logs) else None
        raise _no_rows_error(log_so_far, set(pd.unique(sheets)) if n_lines else
                             {getattr(x, "sheet", "") for x in _items(raw_tables["orders"])}, bought.summary, lang)
    referenced = orders["customer_id"] if held is None else pd.Series(held.customers(), dtype="str")
    customers = _customers(results, referenced, no_orders, raw_tables, logs, lang)
    tables = {k: r.frame[[c for c in r.frame.columns if c not in {x.key for x in TABLES[k].intake_columns}]]
              for k, r in results.items()}
    tables["orders"] = orders
    tables["customers"] = customers
    if "leads" not in tables and len(bought.deals):
        tables["leads"] = bought.deals
        notes.append(Note("没有线索表：销售漏斗按订单表中的商机阶段（赢单、输单、进行中）统计。",
                      "no leads table: the funnel counts the deals of the order export by stage (won, lost, open)."))
    data = CrmData(**{k: tables.get(k, empty_table(k)) for k in TABLES}, orders_in_engine=held)
    log = pd.concat([l for l in logs if len(l)], ignore_index=True) if any(len(l) for l in logs) else _Log("", lang).frame()
    return CleanedData(data=data, log=log, unknown_columns={k: r.unknown_columns for k, r in results.items() if r.unknown_columns},
                       intake=bought.summary, notes=notes, order_origin=bought.origin, headers=headers,
                       currencies=lines.currencies)


def _settings(lang: Literal["zh", "en"] | None, settings: "AnalysisSettings | None") -> "AnalysisSettings":
    """The settings to clean with: ``settings`` (default: the defaults), in ``lang`` when given."""
    from ..settings import AnalysisSettings

    s = settings or AnalysisSettings(lang=lang or "zh")
    if lang is not None and lang != s.lang:
        from dataclasses import replace as _replace

        s = _replace(s, lang=lang)
    return s


def _clean_sources(raw_tables: Mapping[str, object], s: "AnalysisSettings") -> tuple[dict[str, CleanResult], Any]:
    """Every raw table of a known kind cleaned (several sources of one kind stacked): table key
    -> CleanResult, and the order lines the engine aggregated (``pushed``; None when none)."""
    lang = s.lang
    results: dict[str, CleanResult] = {}
    pushed = None
    for key, item in raw_tables.items():
        if key not in TABLES:
            continue
        parts = []
        for one in _items(item):
            if getattr(one, "pushed", None) is not None:  # the engine applied the rules (crm_xl.sources.engine_orders)
                pushed = one.pushed
                parts.append(pushed.lines)
                continue
            frame = getattr(one, "frame", one)
            sheet = getattr(one, "sheet", None) or TABLES[key].sheet_name(lang)
            res = clean_table(frame, key, sheet=sheet, header_row=getattr(one, "header_row", 1), lang=lang,
                              merged=getattr(one, "merged", ()) or (), columns=getattr(one, "mapping", None) if not isinstance(one, pd.DataFrame) else None,
                              date_order=s.date_order, line_items=key == "orders", defer_missing=key == "orders")
            parts.append(res)
        if parts:
            results[key] = _stack(parts, TABLES[key], lang)
    return results, pushed


def _stand_in_orders(results: dict[str, CleanResult], lang: str) -> bool:
    """Tickets / interactions without orders: an empty order table put in ``results`` (the report
    still gives what needs no orders: experience KPIs, complaints, NPS, response; the
    order-based sheets stay empty). Returns whether it was put there."""
    if "orders" not in results and _has_rows(results.get("interactions")):
        results["orders"] = CleanResult(frame=empty_table("orders"), log=_Log("", lang).frame(),
                                        rows=np.zeros(0, dtype=np.int64), sheet=TABLES["orders"].sheet_name(lang))
        return True
    return False


def _no_orders_error(raw_tables: Mapping[str, object]) -> InputError:
    """"No order data found", with what was read and the reader's warnings."""
    warns = list(getattr(raw_tables, "warnings", []) or [])
    read = [m for m in getattr(raw_tables, "mappings", []) or [] if m.table is not None]
    read_zh = ("读取到的数据：" + "；".join(m.describe("zh") for m in read) + "。") if read else ""
    read_en = ("Read: " + "; ".join(m.describe("en") for m in read) + ". ") if read else ""
    return InputError(
        "没有找到订单数据（工作表「订单」或含订单编号/客户ID/下单日期/金额列的表），无法分析。" + read_zh
        + "".join(w[0] for w in warns) + ("如果某个文件其实是订单，请用 --table 订单=文件 指定。" if read else ""),
        "no order data found (a sheet 'Orders' or one with Order ID / Customer ID / Order Date / Amount columns); "
        "nothing to analyse. " + read_en + " ".join(w[1] for w in warns)
        + ("If one of the files holds orders, say so with --table orders=FILE." if read else ""),
    )


def _customers(results: dict[str, CleanResult], referenced: pd.Series, no_orders: bool,
               raw_tables: Mapping[str, object], logs: list[pd.DataFrame], lang: str) -> pd.DataFrame:
    """The customer table: the cleaned one (without intake columns; none: derived, logged), plus
    the customers the orders name (``referenced``: their customer IDs, in the orders' order; or,
    with no orders, those the interactions name) that it lacks, their fields 未知 or from their
    order lines; what was derived or added is appended to ``logs``."""
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
    if no_orders and "customers" not in results:  # the customers are those the interactions name
        referenced = results["interactions"].frame["customer_id"]
    missing_ids = pd.unique(referenced[~isin_texts(referenced, known)].dropna())
    if len(missing_ids):
        add = empty_table("customers").reindex(range(len(missing_ids)))
        add["customer_id"] = pd.Series(missing_ids, dtype="str")
        for k in ("customer_name", "contact_name", "industry", "region", "owner"):
            add[k] = unknown_text
        _from_order_lines(add, results["orders"].frame if not no_orders else results["interactions"].frame,
                          unknown_text)
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
    return customers


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
            cell = TEXTS.lang(lang)("cell", sheet=ex["sheet"], row=ex["row"], column=ex["column"], value=ex["old_value"])
            parts_zh.append(f"{reason}（{len(grp):,} 处，例：{cell}）")
            parts_en.append(f"{reason} ({len(grp):,}, e.g. {cell})")
    where = "、".join(sorted(str(x) for x in sheets if x))
    one = next(iter(sheets)) if len(sheets) == 1 else None
    if not parts_zh:
        return InputError(f"订单表（{where}）没有可用的数据行。", f"the order table ({where}) has no usable rows.", sheet=one)
    return InputError(f"订单表（{where}）没有可用的数据行。主要原因：" + "；".join(parts_zh) + "。",
                      f"the order table ({where}) has no usable rows. Top reasons: " + "; ".join(parts_en) + ".",
                      sheet=one)
