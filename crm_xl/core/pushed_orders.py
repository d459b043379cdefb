"""An orders table whose purchases an engine holds (:mod:`crm_xl.sources.engine_orders`), put
together with the lines Python consolidated: :class:`PushedOrders`."""

from __future__ import annotations

__all__ = ["PushedOrders"]

import numpy as np
import pandas as pd

from .purchases import IntakeSummary, PurchaseResult, merge_log


class PushedOrders:
    """Order lines whose purchase rules an engine applied (:mod:`crm_xl.sources.engine_orders`).

    ``lines`` (a :class:`crm_xl.core.clean.CleanResult`) holds only the rows that are no
    purchase line -- another status, a customer, date or amount missing -- which Python
    consolidates as always, so that the cleaning log names each of them (sheet, row, reason).
    ``engine`` holds the purchases, merged into orders in the engine
    (:class:`crm_xl.sources.engine_purchases.EngineOrders`: how many, their lines and merges,
    their customers, and the order facts the analysis asks: :mod:`crm_xl.core.order_facts`);
    no order comes to Python. ``rows``: the orders table's rows; ``unknown_statuses``: as
    :attr:`IntakeSummary.unknown_statuses`, over every row."""

    def __init__(self, lines, engine, sheet: str, rows: int, unknown_statuses: dict[str, int]):
        self.lines, self.engine, self.sheet, self.rows = lines, engine, sheet, rows
        self.unknown_statuses = unknown_statuses

    def merged(self, bought: PurchaseResult, lang: str) -> PurchaseResult:
        """``bought`` (:func:`consolidate_orders` of :attr:`lines`: no purchase among them) with
        the counts of the purchases the engine holds and their merges logged, as
        :func:`consolidate_orders` of the whole table would log them."""
        if len(bought.orders):  # (the engine and Python disagree on what a purchase line is)
            raise AssertionError(f"{len(bought.orders)} purchases among the rows the engine left out")
        e = self.engine
        logs = [bought.log] if len(bought.log) else []
        for key, (lines, orders) in (("merged_lines", e.merged), ("grouped_days", e.grouped_days)):
            if lines:
                logs.append(merge_log(self.sheet, key, lines, orders, lang))
        log = pd.concat(logs, ignore_index=True) if len(logs) > 1 else (logs[0] if logs else bought.log)
        summary = IntakeSummary(**{**bought.summary.__dict__, "rows": self.rows, "orders": e.orders,
                                   "purchase_lines": e.purchase_lines, "merged_lines": e.merged[0] + e.grouped_days[0],
                                   "unknown_statuses": dict(self.unknown_statuses)})
        origin = (np.zeros(0, dtype=object), np.zeros(0, dtype=np.int64))
        return PurchaseResult(orders=bought.orders, deals=bought.deals, log=log, summary=summary, origin=origin)
