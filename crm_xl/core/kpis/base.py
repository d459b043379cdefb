"""The per-customer base columns the KPIs sum (:func:`kpi_base`), one registered function
each (:func:`base_column`), and the check of the KPI declarations run on import."""

from __future__ import annotations

__all__ = ["base_column", "kpi_base"]

from collections.abc import Callable
from functools import cached_property

import numpy as np
import pandas as pd

from ..cleanlog import text as cleaning_text
from ..prepared import Prepared, take_texts
from ..text import text_array
from .arrays import safe_ratio
from .definitions import _LEAD_SUMS, KPI_SECTIONS, KPI_UNITS, KPIS, KpiDef, KpiSection


def _window_start(p: Prepared) -> int:
    m = p.settings.kpi_window_months
    return np.iinfo(np.int64).min if m is None else p.day_months_before(m)


def _window_years(p: Prepared) -> np.ndarray:
    """Years of the KPI window per customer; without a window, years since the first
    purchase (at least one)."""
    m = p.settings.kpi_window_months
    if m is not None:
        return np.full(p.n, m / 12)
    first = p.facts.first_day.astype(float)
    with np.errstate(invalid="ignore"):
        return np.maximum((p.today - first + 1) / 365.25, 1.0)


# ----------------------------------------------------------------------------------------
# base columns: one per-customer float array each, summed over a group by kpi_table
# ----------------------------------------------------------------------------------------

class _PerCustomer:
    """What the base columns are computed from: the prepared data, the layers and the KPI
    window, with the per-customer arrays several columns share (each computed once, when a
    column first asks for it)."""

    def __init__(self, prepared: Prepared, layers: pd.DataFrame | None) -> None:
        self.p = prepared
        self.s = prepared.settings
        self.layers = layers if layers is not None and len(layers) else None
        self.start = _window_start(prepared)

    @cached_property
    def orders(self) -> np.ndarray:
        """Orders in the KPI window."""
        return self.p.facts.orders_between(self.start).copy()

    @cached_property
    def revenue(self) -> np.ndarray:
        return self.p.facts.amount_between(self.start)

    @cached_property
    def profit(self) -> tuple[np.ndarray, np.ndarray]:
        """Profit in the window and the revenue of the same orders (those with a known profit)."""
        return self.p.facts.profit_between(self.start)

    @cached_property
    def active(self) -> np.ndarray:
        return self.orders >= 1

    @cached_property
    def prev_active(self) -> np.ndarray:
        """Bought in the period of the KPI window's length just before it (nobody without a
        window)."""
        m = self.s.kpi_window_months
        if m is None:
            return np.zeros(self.p.n, dtype=bool)
        return self.p.facts.orders_between(self.p.day_months_before(2 * m), self.start) >= 1

    @cached_property
    def new_buyers(self) -> np.ndarray:
        """First purchase in the window."""
        return (self.p.facts.first_day > self.start) & self.p.facts.has_orders

    @cached_property
    def ltv(self) -> np.ndarray:
        return np.where(self.active, self.revenue / _window_years(self.p) * self.s.default_lifespan_years, 0.0)

    @cached_property
    def cac(self) -> tuple[np.ndarray, np.ndarray]:
        """Acquisition cost and whether it is known (> 0) for an active customer."""
        c = self.p.customers
        cac = c["acquisition_cost"].to_numpy(dtype=float, na_value=np.nan) if "acquisition_cost" in c \
            else np.full(self.p.n, np.nan)
        return cac, self.active & (cac > 0)

    @cached_property
    def margin(self) -> tuple[np.ndarray, np.ndarray]:
        """Gross margin and whether both it and the acquisition cost are known."""
        profit, rev_wp = self.profit
        margin = safe_ratio(profit, rev_wp)
        return margin, self.cac[1] & ~np.isnan(margin)

    @cached_property
    def interactions(self) -> tuple[np.ndarray, np.ndarray]:
        """Interactions in the window: their customer codes and the boolean mask."""
        iw = self.p.i_day > self.start
        return self.p.i_code[iw], iw

    @cached_property
    def nps(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Promoters, detractors and 0-10 responses per customer in the window."""
        ic, iw = self.interactions
        score = self.p.i_nps[iw]
        valid = ~np.isnan(score) & (score >= 0) & (score <= 10)
        prom = self.p.count(ic[valid & (score >= self.s.nps_promoter_min)])
        det = self.p.count(ic[valid & (score <= self.s.nps_detractor_max)])
        return prom, det, self.p.count(ic[valid])

    @cached_property
    def renewals(self) -> tuple[np.ndarray, np.ndarray]:
        """Contracts ending in the window with a known renewal status, and those renewed."""
        p = self.p
        if "contract_end" in p.customers and "contract_renewed" in p.customers:
            end = p.customers["contract_end"].to_numpy(dtype="datetime64[D]").astype(np.int64)
            ended = ~np.isnat(p.customers["contract_end"].to_numpy(dtype="datetime64[D]")) & (end > self.start) \
                & (end <= p.today)
            ren = p.customers["contract_renewed"].astype("boolean")
            due = ended & ren.notna().to_numpy()
            return due, due & ren.fillna(False).to_numpy(dtype=bool)
        none = np.zeros(p.n, dtype=bool)
        return none, none

    @cached_property
    def layer_rows(self) -> np.ndarray:
        """Row of each customer in the layers table (-1 when absent)."""
        assert self.layers is not None
        return self.p.rows_of(self.layers["customer_id"])

    @cached_property
    def rfm_total(self) -> np.ndarray:
        """Weighted RFM total per customer (NaN without one)."""
        if self.layers is None:
            return np.full(self.p.n, np.nan)
        at = self.layer_rows
        total = self.layers["rfm_total"].to_numpy(dtype=float, na_value=np.nan)[np.maximum(at, 0)]
        total[at < 0] = np.nan
        return total


_BaseFn = Callable[[_PerCustomer], np.ndarray]
#: base column -> the function computing it per customer, in kpi_base's column order
_BASE_COLUMNS: dict[str, _BaseFn] = {}


def base_column(name: str) -> Callable[[_BaseFn], _BaseFn]:
    """Register the function computing the per-customer base column ``name`` (a float array
    of one value per customer, which :func:`kpi_table` sums over each group)."""
    def register(fn: _BaseFn) -> _BaseFn:
        if name in _BASE_COLUMNS:
            raise ValueError(f"KPI base column {name!r} is declared twice")
        _BASE_COLUMNS[name] = fn
        return fn
    return register


def _columns(**fns: _BaseFn) -> None:
    for name, fn in fns.items():
        base_column(name)(fn)


_columns(
    customers=lambda c: np.ones(c.p.n),
    active=lambda c: c.active.astype(float),
    orders=lambda c: c.orders,
    revenue=lambda c: c.revenue,
    repeat=lambda c: (c.orders >= 2).astype(float),
    new_buyers=lambda c: c.new_buyers.astype(float),
    new_repeat=lambda c: (c.new_buyers & (c.p.facts.count >= 2)).astype(float),
    prev_active=lambda c: c.prev_active.astype(float),
    lapsed=lambda c: (c.prev_active & ~c.active).astype(float),
    profit=lambda c: c.profit[0],
    revenue_with_profit=lambda c: c.profit[1],
    ltv=lambda c: c.ltv,
    ltv_with_cac=lambda c: np.where(c.cac[1], c.ltv, 0.0),
    cac=lambda c: np.where(c.cac[1], c.cac[0], 0.0),
    ltv_margin_with_cac=lambda c: np.where(c.margin[1], c.ltv * np.nan_to_num(c.margin[0]), 0.0),
    cac_with_margin=lambda c: np.where(c.margin[1], c.cac[0], 0.0),
    nps_prom=lambda c: c.nps[0],
    nps_pass=lambda c: c.nps[2] - c.nps[0] - c.nps[1],
    nps_det=lambda c: c.nps[1],
    nps_n=lambda c: c.nps[2],
    nps_net=lambda c: c.nps[0] - c.nps[1],
    complained=lambda c: (c.p.count(c.interactions[0][c.p.i_complaint[c.interactions[1]]]) > 0).astype(float),
    responded_yes=lambda c: c.p.count(c.interactions[0][c.p.i_responded[c.interactions[1]] == 1]),
    responded_known=lambda c: c.p.count(c.interactions[0][~np.isnan(c.p.i_responded[c.interactions[1]])]),
    renew_yes=lambda c: c.renewals[1].astype(float),
    renew_due=lambda c: c.renewals[0].astype(float),
    rfm_total_sum=lambda c: np.where(np.isnan(c.rfm_total), 0.0, c.rfm_total),
    rfm_n=lambda c: (~np.isnan(c.rfm_total)).astype(float),
)


def _check_declarations(kpis: tuple[KpiDef, ...], sections: tuple[KpiSection, ...],
                        columns: dict[str, _BaseFn], lead_sums: tuple[str, ...]) -> None:
    """Raise ValueError naming what is missing when a KPI's declaration is incomplete:
    run when this module is imported, so a KPI without its base columns or its section
    fails at once instead of showing a blank column."""
    section_keys = {s.key for s in sections}
    keys = [k.key for k in kpis]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise ValueError(f"KPIs declared twice: {twice}")
    for k in kpis:
        if k.unit not in KPI_UNITS:
            raise ValueError(f"KPI {k.key!r}: unit {k.unit!r} is not one of {KPI_UNITS}")
        if k.section not in section_keys:
            raise ValueError(f"KPI {k.key!r}: section {k.section!r} is not one of {sorted(section_keys)} (KPI_SECTIONS)")
        for col in (k.numerator, k.denominator):
            if col is not None and col not in columns and col not in lead_sums:
                raise ValueError(f"KPI {k.key!r}: no function computes its base column {col!r} (use @base_column)")
        if k.total_denominator and k.denominator is None:
            raise ValueError(f"KPI {k.key!r}: total_denominator needs a denominator")
        if k.diagnose and (k.higher_is_better is None or k.unit not in ("ratio", "nps")):
            raise ValueError(f"KPI {k.key!r}: a diagnosed KPI needs a direction and a ratio or NPS unit")
    used = {c for k in kpis for c in (k.numerator, k.denominator) if c is not None}
    unused = [c for c in columns if c not in used]
    if unused:
        raise ValueError(f"base columns no KPI uses: {unused}")
    empty = [s.key for s in sections if not any(k.section == s.key for k in kpis)]
    if empty:
        raise ValueError(f"KPI sections without a KPI: {empty}")


_check_declarations(KPIS, KPI_SECTIONS, _BASE_COLUMNS, _LEAD_SUMS)


def kpi_base(prepared: Prepared, layers: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per customer (index ``customer_id``) with the numerator/denominator
    columns of :data:`KPIS` and the grouping columns ``layer``, ``industry``, ``region``,
    ``owner`` (missing -> "未知"/"Unknown"; customers without orders -> layer ``no_purchase``).

    Parameters
    ----------
    prepared : Prepared
        From :func:`crm_xl.core.prepared.prepare`.
    layers : DataFrame, optional
        :func:`crm_xl.core.segments.assign_layers` output (``customer_id``, ``layer``,
        ``rfm_total``); without it every customer's layer is ``unclassified``.
    """
    p, s = prepared, prepared.settings
    c = _PerCustomer(p, layers)
    base = pd.DataFrame({name: fn(c) for name, fn in _BASE_COLUMNS.items()}, index=p.ids)
    unknown = cleaning_text("unknown", s.lang)  # (what cleaning fills a missing text with)
    if c.layers is not None:
        base["layer"] = take_texts(c.layers["layer"], c.layer_rows).fillna("no_purchase")
    else:
        layer = np.where(p.facts.has_orders, "unclassified", np.array(None, dtype=object)).astype(object)
        base["layer"] = text_array(np.where(pd.isna(layer), "no_purchase", layer))
    for dim in ("industry", "region", "owner"):
        t = p.text_array(dim).copy()  # missing -> "未知"/"Unknown"
        blank = t.to_numpy(dtype=object) == ""
        if blank.any():
            t[blank] = unknown
        base[dim] = t
    return base
