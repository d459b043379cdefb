"""The orders an engine gave (:mod:`crm_xl.sources.engine_orders`) put together with the lines
Python consolidated: :class:`PushedOrders`."""

from __future__ import annotations

__all__ = ["PushedOrders"]

import numpy as np
import pandas as pd

from .clean_rows import stacked_rows
from .codes import carry_codes, same_object
from .purchases import IntakeSummary, PurchaseResult
from .text import missing_texts


class PushedOrders:
    """Order lines whose purchase rules an engine applied (:mod:`crm_xl.sources.engine_orders`):
    ``lines`` (a :class:`crm_xl.core.clean.CleanResult`) holds only the lines Python still has
    to consolidate -- the rows that are no purchase or lack a key, and the lines of orders
    with several lines -- while :attr:`single` holds the orders that are one purchase line each,
    as :func:`consolidate_orders` would make them (canonical columns, cleaned, order numbers
    not brought over), with ``single_rows`` their Excel rows. ``rows``: the orders table's
    rows; ``unknown_statuses``: as :attr:`IntakeSummary.unknown_statuses`, over every row.

    Once :meth:`merged` has put the single-line orders into the orders frame, they are held
    there only (ten million orders: about a gigabyte not held twice); :attr:`single` takes
    them out of it again when asked for."""

    def __init__(self, lines, single: pd.DataFrame, single_rows: np.ndarray, sheet: str, rows: int,
                 unknown_statuses: dict[str, int]):
        self.lines, self.sheet, self.rows = lines, sheet, rows
        self.unknown_statuses = unknown_statuses
        self._single: tuple[pd.DataFrame, np.ndarray] | None = (single, single_rows)
        # once merged: (the merged orders, their rows, which are single-line orders, the columns)
        self._within: tuple[pd.DataFrame, np.ndarray, np.ndarray, list] | None = None

    @property
    def single(self) -> pd.DataFrame:
        if self._single is not None:
            return self._single[0]
        assert self._within is not None
        orders, _, is_single, columns = self._within
        return orders.loc[is_single, columns].reset_index(drop=True)

    @property
    def single_rows(self) -> np.ndarray:
        if self._single is not None:
            return self._single[1]
        assert self._within is not None
        _, rows, is_single, _ = self._within
        return rows[is_single]

    def merged(self, bought: PurchaseResult) -> PurchaseResult:
        """``bought`` (:func:`consolidate_orders` of :attr:`lines`) with the single-line orders
        put in, every order where its first line stands, and the counts over the whole table."""
        single, single_rows = self.single, self.single_rows
        n_single, n_bought = len(single), len(bought.orders)
        if n_single == 0:
            orders, rows = bought.orders, bought.origin[1] if bought.origin is not None else np.zeros(0, dtype=np.int64)
        elif n_bought == 0:
            orders, rows = single, single_rows
        else:  # (stacked below in the order of the rows, a column at a time)
            orders, rows = None, np.concatenate([np.asarray(bought.origin[1] if bought.origin else []), single_rows])
        order = np.argsort(np.asarray(rows, dtype=np.int64), kind="stable")
        if orders is None:  # (the customers' codes the engine gave carried over)
            orders = stacked_rows([bought.orders, single], order)
            carry_codes([bought.orders["customer_id"], single["customer_id"]], order, orders["customer_id"])
        rows = np.asarray(rows)[order]
        if rows.size and rows[-1] < 2**31:  # (Excel rows, sorted: 32 bits, 40 MB less at ten million orders)
            rows = rows.astype(np.int32)
        orders = orders.assign(order_id=missing_texts(len(orders), index=orders.index))  # (as the cleaning makes them)
        if n_single:  # the single-line orders are held in the merged frame from now on
            is_single = (order >= n_bought) if n_bought else np.ones(n_single, dtype=bool)
            self._within, self._single = (orders, rows, is_single, list(single.columns)), None
        del single, single_rows
        summary = IntakeSummary(**{**bought.summary.__dict__, "rows": self.rows, "orders": len(orders),
                                   "purchase_lines": bought.summary.purchase_lines + n_single,
                                   "unknown_statuses": dict(self.unknown_statuses)})
        origin = (same_object(self.sheet, len(orders)), rows)
        return PurchaseResult(orders=orders, deals=bought.deals, log=bought.log, summary=summary, origin=origin)
