"""What counts as a purchase: order lines as exported -> one row per real purchase.

Only real purchases feed R, F, M and the last purchase date (DESIGN.md section 5). The
rules, in the order they apply to the cleaned order lines of every order file (stacked):

1. **Status** (``status`` column, and ``is_won`` where an export has it, e.g. Salesforce's
   IsWon): a won deal (``settings.stage_won``) is a purchase; a lost deal
   (``stage_lost``) or an open one (``stage_opportunity``, ``open_statuses``) is not (it
   feeds the funnel); a cancelled, voided, refunded or returned order
   (``cancelled_statuses``) is not. Any other status counts as a purchase -- except in a
   sales pipeline (a status column holding won *and* lost deals, or an ``is_won``
   column), where only won deals are purchases. Statuses matched nowhere are named in the
   summary so the user can add them to 设置.
2. **Missing keys**: a purchase line without customer, date or amount is rejected (logged
   with its header). Lost and open deals may lack a date or an amount.
3. **Credit notes**: an order number made of a prefix (``credit_note_prefixes``, "C")
   and digits, where the other order numbers are digits only, is a credit note; its
   amount is negative.
4. **Lines of one order**: rows sharing an order number (and customer) are summed into
   one order; without order numbers, one order per customer and day
   (``order_grouping``). The order's date is its earliest line's; its other fields are
   its first line's.
5. **Returns**: an order whose total is negative (returned goods, a credit note) is never
   a purchase and never sets the last purchase date. With ``returns_mode="net"`` it
   reduces the customer's latest purchase on or before it (else the earliest after);
   with "ignore", or for a customer without purchases, it is left out. An order whose
   total is 0 stays a purchase (a free delivery is still a visit).

Every excluded or merged row is in the cleaning log with its reason, and
:class:`IntakeSummary` counts them for the console.
"""

from __future__ import annotations

__all__ = ["IntakeSummary", "PurchaseResult", "consolidate_orders", "normalize_status", "status_classes",
           "REASONS"]

import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pandas.api.types import infer_dtype

from ..schema import ORDERS
from ..settings import AnalysisSettings
from ..texts import Texts
from .cleanlog import empty_log, log_frame, text


def missing_key_text(head: str, lang: str) -> str:
    """"key field missing (HEADER)" in the user's language (the cleaning log's words)."""
    return text("missing_key", lang) + TEXTS.lang(lang)("missing_key_head", head=head)

# reason key -> (zh, en); the cleaning log's reason texts
REASONS = Texts({
    "cancelled": ("订单已取消/作废/退款，不计为购买", "order cancelled, voided or refunded; not a purchase"),
    "lost": ("输单（未成交），不计为购买", "lost deal; not a purchase"),
    "open": ("尚未成交（进行中的商机或待付款），不计为购买", "not won yet (open deal or unpaid); not a purchase"),
    "not_won": ("未赢单（是否赢单 = 否），不计为购买", "not won (won flag false); not a purchase"),
    "unknown_stage": ("销售阶段未识别，按未成交处理（可在设置 stage_won 中加入）",
                      "sales stage not recognised; treated as not won (add it to stage_won in Settings)"),
    "return_netted": ("退货/红字冲减该客户的购买金额（订单 {order}），不计为购买",
                      "return / credit note reduces the customer's purchases (order {order}); not a purchase"),
    "return_ignored": ("退货/红字（负金额），按设置不计入", "return / credit note (negative amount); left out by the setting"),
    "bad_total": ("订单金额合计超出可计算的范围，不计入", "the order's total is beyond what can be computed; left out"),
    "return_no_purchase": ("退货/红字，但该客户没有可冲减的购买，不计入",
                           "return / credit note of a customer without purchases to reduce; left out"),
    "merged_lines": ("{lines} 行明细合并为 {orders} 笔订单（同一订单编号的行是同一订单）",
                     "{lines} lines merged into {orders} orders (rows sharing an order number are one order)"),
    "grouped_days": ("没有订单编号：{lines} 行按“同一客户同一天”合并为 {orders} 笔订单",
                     "no order numbers: {lines} rows grouped into {orders} orders (one per customer and day)"),
})

TEXTS = Texts({
    # the cleaning log
    "rule": ("购买判定", "purchase rules"),
    "missing_key_head": ("（{head}）", " ({head})"),
    # the summary: rows -> purchases, what was not counted
    "head": ("订单：读入 {rows:,} 行 → {orders:,} 笔购买", "orders: {rows:,} rows read -> {orders:,} purchases"),
    "merged": ("合并明细行 {n:,}", "{n:,} lines merged into orders"),
    "returns": ("退货冲减 {n:,} 笔", "{n:,} returns netted"),
    "not_counted": ("未计入：{parts}", "not counted: {parts}"),
    "part_sep": ("，", ", "),
    "extra": ("（{extra}）", " ({extra})"),
    "sep": ("；", "; "),
    "unknown_statuses": ("注意：这些订单状态未在设置中列出，已按购买计算：{names}；如果不是购买，请加入设置 cancelled_statuses 或 "
                         "open_statuses。",
                         "note: these order statuses are not listed in Settings and were counted as purchases: "
                         "{names}; if they are not purchases, add them to cancelled_statuses or open_statuses."),
    "why": ("{what} {n:,} 行（例：{example}）", "{what} {n:,} rows (e.g. {example})"),
    "dropped": ("注意：{share:.0%} 的订单行没有计入购买。主要原因：{why}。详见「清洗日志」。",
                "WARNING: {share:.0%} of the order rows were not counted as purchases. Top reasons: {why}. "
                "See the cleaning log."),
    "where": ("{sheet} 第 {row} 行", "{sheet} row {row}"),
    # the summary's short names of the reasons
    "short_cancelled": ("已取消/退款", "cancelled/refunded"),
    "short_lost": ("输单", "lost deals"),
    "short_open": ("未成交", "open deals"),
    "short_not_won": ("未赢单", "not won"),
    "short_unknown_stage": ("阶段未识别", "unknown stage"),
    "short_missing_customer": ("缺客户", "no customer"),
    "short_missing_date": ("缺日期", "no date"),
    "short_missing_amount": ("缺金额", "no amount"),
    "short_bad_total": ("金额合计溢出", "total overflow"),
    "short_return_ignored": ("退货（不计入）", "returns left out"),
    "short_return_no_purchase": ("无可冲减购买的退货", "returns without purchases"),
})
# reasons a row is dropped for (the summary's "not counted" part)
_DROPPED = ("cancelled", "lost", "open", "not_won", "unknown_stage", "missing_customer", "missing_date",
            "missing_amount", "bad_total", "return_ignored", "return_no_purchase")


def _reason(key: str, lang: str, **kw) -> str:
    return REASONS.lang(lang)(key, **kw)


_SPACES = re.compile(r"[\s_\-]+")


def merge_log(sheet: str, key: str, lines: int, orders: int, lang: str) -> pd.DataFrame:
    """The cleaning log's line for ``lines`` lines of ``sheet`` merged into ``orders`` orders
    (``key``: ``merged_lines``, by order number; ``grouped_days``, per customer and day)."""
    return log_frame(np.array([sheet]), np.array([0]), "", "", "", TEXTS.lang(lang).rule,
                     _reason(key, lang, lines=f"{lines:,}", orders=f"{orders:,}"))


def normalize_status(text) -> str:
    """A status or stage as compared with the 设置 lists: NFKC, lower case, runs of spaces,
    underscores and hyphens as one space ("Closed_Won" == "closed won")."""
    if text is None or (isinstance(text, float) and np.isnan(text)) or text is pd.NA:
        return ""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", str(text)).strip().lower()).strip()


@dataclass
class IntakeSummary:
    """What reading the order lines did, for the console and 说明."""

    rows: int = 0  # order rows read (after cleaning removed blank and duplicate rows)
    orders: int = 0  # purchases (orders) that feed the analysis
    purchase_lines: int = 0  # rows that are lines of those purchases
    netted_lines: int = 0  # rows of returns / credit notes that reduced a purchase
    merged_lines: int = 0  # rows folded into an order with other rows
    returns_netted: int = 0
    returns_amount: float = 0.0
    dropped: dict[str, int] = field(default_factory=dict)  # reason key -> rows
    examples: dict[str, tuple[str, int, str]] = field(default_factory=dict)  # reason key -> (sheet, row, value)
    unknown_statuses: dict[str, int] = field(default_factory=dict)  # status text -> rows (counted as purchases)
    pipeline: bool = False  # the status column is a sales pipeline (won / lost / open)

    @property
    def dropped_rows(self) -> int:
        return int(sum(self.dropped.values()))

    def _example(self, key: str, lang: str) -> str:
        if key not in self.examples:
            return ""
        sheet, row, value = self.examples[key]
        where = TEXTS.lang(lang)("where", sheet=sheet, row=row)
        return where + (f" {value}" if value else "")

    @property
    def accounted(self) -> bool:
        """Every row read is a purchase line, a netted return line or dropped with a reason."""
        return self.rows == self.purchase_lines + self.netted_lines + self.dropped_rows

    def lines(self, lang: str) -> list[str]:
        """One or two sentences: rows -> purchases, what was not counted and why."""
        return [text for text, _ in self.messages(lang)]

    def messages(self, lang: str) -> list[tuple[str, bool]]:
        """:meth:`lines` with whether each is a warning (statuses counted as purchases that
        no setting names; many rows left out), which the console shows loudly."""
        t = TEXTS.lang(lang)
        top = sorted(self.dropped.items(), key=lambda kv: -kv[1])
        parts = [f"{_short(k, lang)} {v:,}" for k, v in top if v]
        head = t("head", rows=self.rows, orders=self.orders)
        extra = []
        if self.merged_lines:
            extra.append(t("merged", n=self.merged_lines))
        if self.returns_netted:
            extra.append(t("returns", n=self.returns_netted))
        if parts:
            extra.append(t("not_counted", parts=t.part_sep.join(parts)))
        out = [(head + (t("extra", extra=t.sep.join(extra)) if extra else ""), False)]
        if self.unknown_statuses:
            names = ", ".join(f"{k} ({v:,})" for k, v in sorted(self.unknown_statuses.items(), key=lambda kv: -kv[1])[:5])
            out.append((t("unknown_statuses", names=names), True))
        if self.rows and self.dropped_rows / self.rows >= 0.1:
            share = self.dropped_rows / self.rows
            why = t.sep.join(t("why", what=_short(k, lang), n=v, example=self._example(k, lang)) for k, v in top[:3] if v)
            out.append((t("dropped", share=share, why=why), True))
        return out


def _short(key: str, lang: str) -> str:
    return TEXTS.lang(lang)("short_" + key) if "short_" + key in TEXTS else key


@dataclass
class PurchaseResult:
    """``orders``: one row per purchase, canonical order columns (plus unknown columns);
    ``deals``: every row of a sales pipeline (won, lost, open) as leads for the funnel
    (empty when the status column is no pipeline); ``log``: cleaning-log rows;
    ``summary``: the counts."""

    orders: pd.DataFrame
    deals: pd.DataFrame
    log: pd.DataFrame
    summary: IntakeSummary
    origin: tuple[np.ndarray, np.ndarray] | None = None  # (sheet, Excel row) of each order's first line


def status_classes(status: pd.Series, is_won: pd.Series | None, s: AnalysisSettings) -> tuple[np.ndarray, bool, dict]:
    """Per row: 'won', 'lost', 'open', 'cancelled', 'not_won', 'unknown_stage' or '' (a
    purchase by default); whether the column is a pipeline; unrecognised statuses -> rows."""
    codes, uniq = pd.factorize(status.astype(object).to_numpy(), use_na_sentinel=True)
    won = {normalize_status(x) for x in s.stage_won}
    lost = {normalize_status(x) for x in s.stage_lost}
    opened = {normalize_status(x) for x in (*s.stage_opportunity, *s.open_statuses)}
    cancelled = {normalize_status(x) for x in s.cancelled_statuses}
    norm = [normalize_status(u) for u in uniq]
    kinds = np.array(["won" if u in won else "lost" if u in lost else "cancelled" if u in cancelled
                      else "open" if u in opened else ("other" if u else "") for u in norm] + [""], dtype=object)
    per_row = kinds[np.where(codes < 0, len(uniq), codes)]
    pipeline = bool(("won" in kinds and "lost" in kinds) or is_won is not None)
    codes = np.asarray(codes, dtype=np.intp)  # index arrays are np.intp (int32 in Pyodide's wasm32)
    counts = np.bincount(codes[codes >= 0], minlength=len(uniq)) if len(uniq) else np.zeros(0, dtype=np.intp)
    unknown = {str(uniq[i]): int(counts[i]) for i in range(len(uniq)) if kinds[i] == "other"}
    out = per_row.copy()
    if pipeline:
        out[per_row == "other"] = "unknown_stage"
        out[per_row == ""] = "unknown_stage" if is_won is None else ""
        unknown = {}
    else:
        out[per_row == "other"] = ""
    if is_won is not None:
        w = is_won.astype("boolean").to_numpy(dtype=object, na_value=None)
        flag_true = np.array([v is True for v in w], dtype=bool)
        flag_false = np.array([v is False for v in w], dtype=bool)
        # the flag decides won or not; the stage names why a deal was not won
        out[flag_true & (out != "cancelled")] = "won"
        undecided = flag_false & ~np.isin(out, ["lost", "open", "cancelled"])
        out[undecided] = "not_won"
        out[~flag_true & ~flag_false & (out == "")] = "unknown_stage"
    return out, pipeline, unknown


def _credit_note_mask(order_id: pd.Series, prefixes: tuple[str, ...]) -> np.ndarray:
    """Order numbers that are a credit-note prefix followed by digits, where most order
    numbers are digits only (C536379 among 536365, 536366, ...)."""
    ids = order_id.astype(object).to_numpy()
    n = len(ids)
    if not prefixes or n == 0:
        return np.zeros(n, dtype=bool)
    codes, uniq = pd.factorize(ids, use_na_sentinel=True)
    if len(uniq) == 0:
        return np.zeros(n, dtype=bool)
    texts = uniq.tolist() if infer_dtype(uniq, skipna=False) == "string" else [str(u) for u in uniq]
    digits = np.fromiter(map(str.isdigit, texts), dtype=bool, count=len(texts))
    if digits.mean() < 0.5:
        return np.zeros(n, dtype=bool)
    pat = re.compile("^(?:" + "|".join(re.escape(p.upper()) for p in prefixes if p) + r")\d+$")
    hit = np.array([bool(pat.match(t.upper())) for t in texts] + [False], dtype=bool)
    return hit[np.where(codes < 0, len(uniq), codes)]


@dataclass
class _Grouped:
    """Purchase lines grouped into orders (step 4 of :func:`consolidate_orders`): per line its
    signed ``amount``, customer, day, whether it has an order number and its order's
    ``codes``; per order its number of lines, total, first line and earliest day."""

    amount: np.ndarray
    cust: np.ndarray
    day: np.ndarray
    has_id: np.ndarray
    codes: np.ndarray
    n_orders: int
    sizes: np.ndarray
    totals: np.ndarray
    first: np.ndarray
    earliest: np.ndarray


def _group_lines(work: pd.DataFrame, order_id: pd.Series, s: AnalysisSettings) -> _Grouped:
    """Steps 3 and 4: credit notes made negative, then the lines grouped into orders (by
    order number and customer; without one, by ``order_grouping``)."""
    amount = work["amount"].to_numpy(dtype="float64").copy()
    credit = _credit_note_mask(order_id, tuple(s.credit_note_prefixes))
    amount[credit] = -np.abs(amount[credit])
    cust = work["customer_id"].astype(object).to_numpy()
    day = work["order_date"].to_numpy()
    has_id = order_id.notna().to_numpy()
    key_id = np.where(has_id, order_id.astype(object).to_numpy(), np.array(None, dtype=object))
    if s.order_grouping == "row":
        key_id = np.where(has_id, key_id, np.arange(len(work)).astype(str))
    if len(work) and has_id.all() and pd.Index(key_id).is_unique:
        # every line has its own order number (an order-level export): each line is an order
        return _one_order_a_line(amount, cust, day, has_id)
    codes, n_orders, sizes, totals, first, earliest = _grouped_lines(key_id, cust, day, has_id, amount)
    return _Grouped(amount=amount, cust=cust, day=day, has_id=has_id, codes=codes, n_orders=n_orders, sizes=sizes,
                    totals=totals, first=first, earliest=earliest)


def _grouped_lines(key_id: np.ndarray, cust: np.ndarray, day: np.ndarray, has_id: np.ndarray, amount: np.ndarray):
    """(codes, number of orders, lines, total, first line and earliest day per order): the
    lines grouped by order number, customer and (without a number) day, numbered in order of
    first appearance."""
    grp = pd.DataFrame({"k": key_id, "c": cust, "d": np.where(has_id, np.datetime64("NaT", "ns"), day)})
    # group numbers as np.intp: bincount and fancy indexing need the platform's index type (wasm32: int32)
    codes = grp.groupby(["k", "c", "d"], sort=False, dropna=False).ngroup().to_numpy().astype(np.intp)
    n_orders = int(codes.max()) + 1 if len(codes) else 0
    sizes = np.bincount(codes, minlength=n_orders)
    totals = np.bincount(codes, weights=amount, minlength=n_orders)
    first = np.full(n_orders, len(codes), dtype=np.intp)
    np.minimum.at(first, codes, np.arange(len(codes), dtype=np.intp))
    earliest = pd.Series(day).groupby(codes).min().to_numpy() if len(codes) else day
    return codes, n_orders, sizes, totals, first, earliest


def _one_order_a_line(amount: np.ndarray, cust: np.ndarray, day: np.ndarray, has_id: np.ndarray) -> _Grouped:
    """:func:`_grouped_lines` where every line has an order number of its own (no grouping to
    do: ~30 ms of 100k lines); the same arrays (a test holds it to it)."""
    codes = np.arange(len(amount), dtype=np.intp)
    return _Grouped(amount=amount, cust=cust, day=day, has_id=has_id, codes=codes, n_orders=len(amount),
                    sizes=np.ones(len(amount), dtype=np.intp), totals=amount + 0.0,  # (as bincount sums: -0.0 -> 0.0)
                    first=codes.copy(), earliest=day.copy())


def _orders_frame(work: pd.DataFrame, g: _Grouped, s: AnalysisSettings, line_sheet: np.ndarray,
                  line_row: np.ndarray) -> pd.DataFrame:
    """One row per order: its first line's fields, its earliest day, the summed amount (and
    profit), both rounded to 6 decimals (the order facts add money in whole units of its
    decimals: crm_xl.core.order_facts), an order number made up where it had none."""
    orders = work.iloc[g.first].reset_index(drop=True)
    orders["order_date"] = g.earliest
    orders["amount"] = np.round(g.totals, 6)
    if "profit" in work and work["profit"].notna().any():
        prof = work["profit"].to_numpy(dtype="float64")
        orders["profit"] = np.round(np.bincount(g.codes, weights=np.nan_to_num(prof), minlength=g.n_orders), 6)
        none = np.bincount(g.codes, weights=np.isnan(prof).astype(float), minlength=g.n_orders) == g.sizes
        orders.loc[none, "profit"] = np.nan
    no_id = ~g.has_id[g.first]
    if no_id.any():
        stamp = pd.Series(g.earliest[no_id]).dt.strftime("%Y-%m-%d").to_numpy(dtype=object)
        orders.loc[no_id, "order_id"] = [f"{c}@{d}" for c, d in zip(g.cust[g.first][no_id], stamp, strict=True)] \
            if s.order_grouping == "customer_day" else [f"{line_sheet[i]}#{line_row[i]}" for i in g.first[no_id]]
    return orders


class _Intake:
    """What :func:`consolidate_orders` keeps while it goes: the summary, the log frames and
    each line's reason for being left out ("" while it is counted)."""

    def __init__(self, n: int, sheets: np.ndarray, rows: np.ndarray, headers: dict[str, dict[str, str]],
                 lang: str) -> None:
        self.sheets, self.rows, self.headers, self.lang = sheets, rows, headers, lang
        self.summary = IntakeSummary(rows=n)
        self.logs: list[pd.DataFrame] = []
        self.reason = np.full(n, "", dtype=object)

    def head(self, key: str, where: np.ndarray) -> np.ndarray:
        """The user's header of column ``key`` for each line in ``where``."""
        default = ORDERS.column(key).label(self.lang)
        return np.array([self.headers.get(sh, {}).get(key, default) for sh in self.sheets[where]], dtype=object)

    def example(self, key: str, sheet: str, row: int, value: str = "") -> None:
        """The first row a reason applied to, for the console ("Online Retail.csv 第 66 行")."""
        self.summary.examples.setdefault(key, (str(sheet), int(row), str(value)))

    def drop(self, mask: np.ndarray, key: str, column_key: str, old: np.ndarray | None = None) -> None:
        """Leave out the lines of ``mask`` not left out yet, for ``key``: logged and counted."""
        lang, sheets, rows = self.lang, self.sheets, self.rows
        mask = mask & (self.reason == "")
        if not mask.any():
            return
        self.reason[mask] = key
        idx = np.flatnonzero(mask)
        old_text = old[idx] if old is not None else ""
        heads = self.head(column_key, idx)
        if key.startswith("missing_"):  # the cleaning's own words for a row without a key field
            why = [text("row_rejected", lang, why=missing_key_text(h, lang)) for h in heads]
            self.logs.append(log_frame(sheets[idx], rows[idx], heads, old_text, "", text("rule_missing", lang), why))
        else:
            self.logs.append(log_frame(sheets[idx], rows[idx], heads, old_text, "", TEXTS.lang(lang).rule,
                                       _reason(key, lang)))
        self.summary.dropped[key] = self.summary.dropped.get(key, 0) + len(idx)
        self.example(key, sheets[idx[0]], rows[idx[0]], old_text[0] if old is not None else "")

    def drop_statuses(self, lines: pd.DataFrame, s: AnalysisSettings) -> tuple[pd.DataFrame, dict[str, int]]:
        """Step 1: the lines no purchase by their status or won flag left out; returns the
        pipeline's deals and the statuses matched nowhere."""
        n = len(lines)
        status = lines["status"] if "status" in lines else pd.Series([None] * n, dtype=object)
        is_won = lines["is_won"] if "is_won" in lines else None
        classes, pipeline, unknown = status_classes(status, is_won, s)
        self.summary.pipeline = pipeline
        status_text = status.astype(object).where(status.notna(), "").astype(str).to_numpy(dtype=object)
        for key in ("cancelled", "lost", "open", "not_won", "unknown_stage"):
            self.drop(classes == key, key, "status" if key != "not_won" else "is_won", status_text)
        return _deals(lines, classes, pipeline), unknown

    def log_merges(self, g: _Grouped, idx: np.ndarray) -> None:
        """Order-number groups summed / no-number groups per customer and day: one log line
        per sheet; counts the merged lines."""
        multi = g.sizes[g.codes] > 1
        for has, key in ((True, "merged_lines"), (False, "grouped_days")):
            sel = multi & (g.has_id == has)
            if sel.any():
                for sh in pd.unique(self.sheets[idx][sel]):
                    on = sel & (self.sheets[idx] == sh)
                    self.logs.append(merge_log(sh, key, int(on.sum()), int(len(np.unique(g.codes[on]))), self.lang))
        self.summary.merged_lines = int(multi.sum())

    def drop_bad_totals(self, total: np.ndarray, idx: np.ndarray, codes: np.ndarray) -> np.ndarray:
        """Orders whose total overflows (lines of 1e308) left out: their mask."""
        bad = ~np.isfinite(total)
        if bad.any():
            where = idx[bad[codes]]
            self.reason[where] = "bad_total"
            self.logs.append(log_frame(self.sheets[where], self.rows[where], self.head("amount", where), "", "",
                                       TEXTS.lang(self.lang).rule, _reason("bad_total", self.lang)))
            self.summary.dropped["bad_total"] = self.summary.dropped.get("bad_total", 0) + len(where)
            self.example("bad_total", self.sheets[where[0]], self.rows[where[0]])
        return bad

    def net_returns(self, purchases: pd.DataFrame, credits: pd.DataFrame, neg: np.ndarray, g: _Grouped,
                    idx: np.ndarray, returns_mode: str) -> None:
        """Step 5 for orders with a negative total: with ``returns_mode="net"`` they reduce a
        purchase's amount (in ``purchases``); one log row per credit line, the ones not netted
        left out."""
        lang = self.lang
        target = _net_targets(purchases, credits) if returns_mode == "net" else np.full(len(credits), -1)
        ok = target >= 0
        if ok.any():
            adj = np.bincount(target[ok], weights=credits["amount"].to_numpy()[ok], minlength=len(purchases))
            netted = purchases["amount"].to_numpy() + adj
            overflow = ~np.isfinite(netted)
            if overflow.any():  # returns of 1e308: such a purchase keeps its amount, the returns are left out
                ok &= ~overflow[np.maximum(target, 0)]
                adj = np.bincount(target[ok], weights=credits["amount"].to_numpy()[ok], minlength=len(purchases))
                netted = purchases["amount"].to_numpy() + adj
            purchases["amount"] = np.round(netted, 6)
            self.summary.returns_netted = int(ok.sum())
            self.summary.returns_amount = float(credits["amount"].to_numpy()[ok].sum())
        # one log row per credit line
        line_sheet, line_row = self.sheets[idx], self.rows[idx]
        neg_codes = np.flatnonzero(neg)
        pos_in_credits = np.full(g.n_orders, -1)
        pos_in_credits[neg_codes] = np.arange(len(neg_codes))
        line_credit = pos_in_credits[g.codes]
        on = line_credit >= 0
        tgt = np.where(on, target[np.maximum(line_credit, 0)], -1)
        tgt = np.where(on, np.where(ok[np.maximum(line_credit, 0)], tgt, -1), -1)
        ids = purchases["order_id"].astype(object).to_numpy()
        for mask, key in ((on & (tgt >= 0), "return_netted"),
                          (on & (tgt < 0), "return_ignored" if returns_mode == "ignore" else "return_no_purchase")):
            if not mask.any():
                continue
            w = np.flatnonzero(mask)
            texts = ([_reason(key, lang, order=ids[t]) for t in tgt[w]] if key == "return_netted"
                     else _reason(key, lang))
            self.logs.append(log_frame(line_sheet[w], line_row[w], self.head("amount", idx[w]),
                                       [_num(a) for a in g.amount[w]], "", TEXTS.lang(lang).rule, texts))
            if key != "return_netted":
                self.reason[idx[w]] = key
                self.summary.dropped[key] = self.summary.dropped.get(key, 0) + len(w)
                self.example(key, line_sheet[w[0]], line_row[w[0]])


def consolidate_orders(lines: pd.DataFrame, sheets: np.ndarray, rows: np.ndarray, pending: dict[str, np.ndarray],
                       headers: dict[str, dict[str, str]], settings: AnalysisSettings) -> PurchaseResult:
    """Order lines (cleaned, stacked) -> purchases, pipeline deals, log, summary.

    Parameters
    ----------
    lines : DataFrame
        Cleaned order rows: canonical order columns, intake columns where the export had
        them (quantity, unit_price, customer_name, is_won, ...), unknown columns.
    sheets, rows : arrays
        Sheet (or file) name and Excel row of each line, for the log.
    pending : dict of key -> bool array
        Lines lacking a required value (``customer_id``, ``order_date``, ``amount``).
    headers : dict of sheet -> {canonical key: the user's header}
        For the log's column names.
    settings : AnalysisSettings
        The status lists, ``credit_note_prefixes``, ``returns_mode``, ``order_grouping``.
    """
    s = settings
    intake = _Intake(len(lines), sheets, rows, headers, s.lang)
    summary = intake.summary

    # 1. status / won flag
    deals, unknown = intake.drop_statuses(lines, s)
    # 2. missing keys of what would be purchases
    for key, why in (("customer_id", "missing_customer"), ("order_date", "missing_date"), ("amount", "missing_amount")):
        if key in pending:
            intake.drop(np.asarray(pending[key], dtype=bool), why, key)
    summary.unknown_statuses = unknown

    keep = intake.reason == ""
    idx = np.flatnonzero(keep)
    work = lines.iloc[idx].reset_index(drop=True)
    # 3. credit notes, 4. lines -> orders
    order_id = work["order_id"] if "order_id" in work else pd.Series([pd.NA] * len(work), dtype="str")
    g = _group_lines(work, order_id, s)
    codes = g.codes
    intake.log_merges(g, idx)
    line_sheet, line_row = sheets[idx], rows[idx]
    orders = _orders_frame(work, g, s, line_sheet, line_row)

    # 5. returns (an order of 0 is still a purchase: a free delivery is a visit); a total
    # that overflows (lines of 1e308) is left out
    bad = intake.drop_bad_totals(orders["amount"].to_numpy(), idx, codes)
    neg = (orders["amount"].to_numpy() < 0) & ~bad
    purchases = orders[~neg & ~bad].reset_index(drop=True)
    credits = orders[neg].reset_index(drop=True)
    if len(credits):
        intake.net_returns(purchases, credits, neg, g, idx, s.returns_mode)
    summary.orders = len(purchases)
    summary.purchase_lines = int((~neg[codes] & ~bad[codes]).sum()) if len(codes) else 0
    summary.netted_lines = int(neg[codes].sum()) - sum(summary.dropped.get(k, 0) for k in
                                                        ("return_ignored", "return_no_purchase")) if len(codes) else 0
    canon = [c.key for c in ORDERS.columns]
    extra = [c for c in purchases.columns if c not in canon and c not in {c.key for c in ORDERS.intake_columns}]
    out = purchases[canon + extra].reset_index(drop=True)
    logs = intake.logs
    log = pd.concat([x for x in logs if len(x)], ignore_index=True) if any(len(x) for x in logs) else empty_log()
    origin = (line_sheet[g.first][~neg & ~bad], line_row[g.first][~neg & ~bad])
    return PurchaseResult(orders=out, deals=deals, log=log, summary=summary, origin=origin)


def _num(a: float) -> str:
    return str(int(a)) if float(a).is_integer() else repr(round(float(a), 6))


def _net_targets(purchases: pd.DataFrame, credits: pd.DataFrame) -> np.ndarray:
    """Per credit: the position in ``purchases`` of the customer's latest purchase on or
    before it, else the earliest after it; -1 for a customer without purchases."""
    p = pd.DataFrame({"c": pd.Series(purchases["customer_id"].astype(object).to_numpy(), dtype=object),
                      "d": purchases["order_date"].to_numpy(), "i": np.arange(len(purchases))})
    c = pd.DataFrame({"c": pd.Series(credits["customer_id"].astype(object).to_numpy(), dtype=object),
                      "d": credits["order_date"].to_numpy(), "j": np.arange(len(credits))})
    if len(p) == 0:
        return np.full(len(credits), -1, dtype=np.intp)
    p = p.sort_values(["d", "i"], kind="stable")
    c = c.sort_values(["d", "j"], kind="stable")
    back = pd.merge_asof(c, p, on="d", by="c", direction="backward")
    fwd = pd.merge_asof(c, p, on="d", by="c", direction="forward")
    target = back["i"].fillna(fwd["i"]).fillna(-1).to_numpy(dtype=np.int64).astype(np.intp)
    out = np.full(len(credits), -1, dtype=np.intp)
    out[c["j"].to_numpy()] = target
    return out


def _deals(lines: pd.DataFrame, classes: np.ndarray, pipeline: bool) -> pd.DataFrame:
    """Every row of a sales pipeline as a lead for the funnel (lead = opportunity row,
    stage = its status, won ones with the customer)."""
    from .dataset import empty_table

    if not pipeline or len(lines) == 0:
        return empty_table("leads")
    won = classes == "won"
    stage = lines["status"].astype(object).to_numpy() if "status" in lines else np.full(len(lines), None)
    stage = np.where(pd.isna(stage), np.where(won, "won", np.array(None, dtype=object)), stage)
    ids = lines["order_id"] if "order_id" in lines else pd.Series([pd.NA] * len(lines), dtype="str")
    ids = ids.astype(object).to_numpy()
    ids = np.where(pd.isna(ids), [f"#{i + 1}" for i in range(len(lines))], ids)
    out = empty_table("leads").reindex(range(len(lines)))
    out["lead_id"] = pd.Series(ids, dtype="str")
    out["created_date"] = pd.Series(lines["order_date"].to_numpy(), dtype="datetime64[ns]")
    out["stage"] = pd.Series(stage, dtype="str")
    out["customer_id"] = pd.Series(lines["customer_id"].astype(object).to_numpy(), dtype="str")
    if "owner" in lines:
        out["owner"] = pd.Series(lines["owner"].astype(object).to_numpy(), dtype="str")
    if "campaign_id" in lines:
        out["campaign_id"] = pd.Series(lines["campaign_id"].astype(object).to_numpy(), dtype="str")
    out["closed_date"] = pd.Series(np.where(won, lines["order_date"].to_numpy(), np.datetime64("NaT", "ns")),
                                   dtype="datetime64[ns]")
    return out.reset_index(drop=True)
