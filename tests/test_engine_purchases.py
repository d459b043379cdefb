"""crm_xl.sources.engine_purchases: the purchase lines of an orders table merged into orders in
the engine give the order facts the in-memory cleaning and analysis give, bit for bit (issue 19
item 2), in DuckDB, Parquet, SQLite and PostgreSQL, on the demo and on data with cancelled,
refunded and open orders, orders split over lines, lines without order numbers and missing keys.

The expected facts come from the in-memory path (every row read into pandas, cleaned and
consolidated by crm_xl.core.purchases, prepared by crm_xl.core.prepared); the engine's from
the table left in the engine, planned by crm_xl.sources.engine_orders.plan_orders.
"""

from __future__ import annotations

import numpy as np
import pytest

import crm_xl.sources.engine_orders as engine_orders
from crm_xl.core.clean import clean_dataset
from crm_xl.core.prepared import prepare
from crm_xl.settings import AnalysisSettings
from crm_xl.sources import SourceSpec, open_source, read_source, read_tables
from crm_xl.sources.engine_purchases import EngineOrders
from tests import test_sources_pushdown as pushdown_tests
from tests.test_engine_facts import assert_same_facts
from tests.test_sources_engine_report import datasets  # noqa: F401 - the fixture
from tests.test_sources_pushdown import ENGINES

make_source, pg_server = pushdown_tests.make_source, pushdown_tests.pg_server  # (the fixtures, shared)

pytest.importorskip("duckdb")


def _planned(url: str, s: AnalysisSettings, monkeypatch):
    """(the open connection, the orders table's plan, its sheet name): the table read with the
    push-down's threshold low, the arguments of its engine_orders call kept."""
    seen = {}
    real = engine_orders.engine_orders

    def keep(con, rel, names, mapping, sheet, settings, rows):
        seen.update(con=con, rel=rel, names=names, mapping=mapping, sheet=sheet)
        return real(con, rel, names, mapping, sheet, settings, rows)

    monkeypatch.setattr(engine_orders, "PUSHDOWN_ROWS", 10)
    monkeypatch.setattr(engine_orders, "engine_orders", keep)
    con = open_source(url)
    read_tables(con, SourceSpec(url), settings=s)
    assert seen, "the orders table did not take the engine path"
    plan = engine_orders.plan_orders(seen["con"], seen["rel"], seen["names"], seen["mapping"], seen["sheet"], s)
    return con, plan, seen["sheet"]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("data", ["demo", "mess"])
@pytest.mark.parametrize("temporary", [True, False], ids=["table", "relation"])
def test_orders_merged_in_the_engine_give_the_in_memory_facts(engine, data, temporary, datasets,  # noqa: F811
                                                             make_source, monkeypatch):
    s = AnalysisSettings()
    url = make_source(engine, datasets[data])
    cleaned = clean_dataset(read_source(SourceSpec(url)), settings=s)  # the in-memory path: every row
    p = prepare(cleaned.data, s)
    con, plan, sheet = _planned(url, s, monkeypatch)
    try:
        eo = EngineOrders(con.session(), plan, sheet)
        if temporary and con.temp_tables:  # (a read-only PostgreSQL session makes none)
            eo.materialise()
        orders = cleaned.data.orders
        assert eo.orders == len(orders) and eo.purchase_lines == cleaned.intake.purchase_lines
        assert sum(eo.merged) + sum(eo.grouped_days) > 0 or data == "demo"
        assert eo.merged[0] + eo.grouped_days[0] == cleaned.intake.merged_lines
        assert eo.max_day == int(np.datetime64(orders["order_date"].max(), "D").astype(np.int64))
        # the customers in the order they first appear (the orders frame is in the order of first lines)
        assert eo.customers() == list(orders["customer_id"].drop_duplicates())
        late_rows, late_days = eo.after(p.today - 40)
        late = orders["order_date"] > p.as_of - np.timedelta64(40, "D")
        assert late_rows.tolist() == (np.asarray(cleaned.order_origin[1])[late.to_numpy()] - 2).tolist()
        assert late_days.tolist() == orders.loc[late, "order_date"].to_numpy().astype("datetime64[D]").astype(
            np.int64).tolist()
        assert_same_facts(p.facts, eo.facts(p.ids, p.today))
    finally:
        con.close()
