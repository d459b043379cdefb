"""CrmData: the cleaned, canonical tables every analysis works on.

Column names are the canonical keys of :mod:`crm_xl.schema`; dtypes after cleaning:

=============  =====================================================
kind           dtype
=============  =====================================================
id, text,      ``str`` (pandas string); missing key text is "未知"/"Unknown"
category       (with the reason in the cleaning log)
industry       ``str`` section name; plus ``industry_code`` (GB/T 4754 letter)
date           ``datetime64[ns]`` normalised to midnight; NaT when missing
money, number, ``float64`` (money in 元)
score
int            ``float64`` (NaN-able counts)
bool           pandas ``boolean`` (nullable)
=============  =====================================================

Tables other than customers and orders may be empty (zero rows, all columns present).
"""

from __future__ import annotations

__all__ = ["CrmData", "empty_table", "DTYPE_BY_KIND"]

from dataclasses import dataclass, field, fields
from typing import Any

import pandas as pd

from ..schema import TABLES, ColumnKind, Table

DTYPE_BY_KIND = {
    ColumnKind.ID: "str",
    ColumnKind.TEXT: "str",
    ColumnKind.CATEGORY: "str",
    ColumnKind.INDUSTRY: "str",
    ColumnKind.DATE: "datetime64[ns]",
    ColumnKind.MONEY: "float64",
    ColumnKind.INT: "float64",
    ColumnKind.NUMBER: "float64",
    ColumnKind.SCORE: "float64",
    ColumnKind.BOOL: "boolean",
}


_EMPTY: dict[tuple[int, str], tuple[Table, pd.DataFrame]] = {}  # (id of the table, string storage) -> made


def empty_table(table: Table | str) -> pd.DataFrame:
    """A zero-row frame with ``table``'s canonical columns and dtypes (a copy of one made
    once per table and pandas string storage: making it takes ~1.7 ms, a run asks ~9 times)."""
    t = TABLES[table] if isinstance(table, str) else table
    key = (id(t), str(pd.get_option("mode.string_storage")))
    made = _EMPTY.get(key)
    if made is None or made[0] is not t:
        cols = {c.key: pd.Series(dtype=DTYPE_BY_KIND[c.kind]) for c in t.columns}
        if any(c.kind is ColumnKind.INDUSTRY for c in t.columns):
            cols["industry_code"] = pd.Series(dtype="str")
        made = _EMPTY[key] = (t, pd.DataFrame(cols))
    return made[1].copy()


def _empty(key: str):
    return field(default_factory=lambda: empty_table(key))


@dataclass
class CrmData:
    """The six canonical tables. Only ``customers`` and ``orders`` are required to have rows.

    Build it from cleaned frames (``crm_xl.core.clean``) or directly in a notebook::

        CrmData(customers=df_customers, orders=df_orders)
    """

    customers: pd.DataFrame = _empty("customers")
    orders: pd.DataFrame = _empty("orders")
    interactions: pd.DataFrame = _empty("interactions")
    leads: pd.DataFrame = _empty("leads")
    campaigns: pd.DataFrame = _empty("campaigns")
    targets: pd.DataFrame = _empty("targets")
    # the purchases of an orders table an engine holds (crm_xl.sources.engine_purchases.EngineOrders:
    # a long table of a database source; None: every order is in ``orders``). The analysis asks it
    # for the order facts (crm_xl.core.order_facts); ``orders`` then holds no purchase.
    orders_in_engine: Any = None

    def tables(self) -> dict[str, pd.DataFrame]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "orders_in_engine"}

    @property
    def order_count(self) -> int:
        """The orders (purchases), wherever they are held."""
        return len(self.orders) + (self.orders_in_engine.orders if self.orders_in_engine is not None else 0)
