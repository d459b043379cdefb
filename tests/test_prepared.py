"""The shared integer-coded arrays of crm_xl.core.prepared: the fast paths give exactly the
results of the plain pandas/numpy operations they replace."""

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_xl.core.prepared import factorize_objects, prepare, stable_argsort
from crm_xl.settings import AnalysisSettings


def _same_as_pandas(values: np.ndarray) -> None:
    codes, uniques = factorize_objects(values)
    ref_codes, ref_uniques = pd.factorize(values)
    np.testing.assert_array_equal(codes, ref_codes)
    assert list(uniques) == list(ref_uniques)


def test_factorize_objects_groups_equal_values_whatever_the_objects():
    rng = np.random.default_rng(0)
    shared = np.array(["标准版", "专业版", "服务", None, np.nan, "A"], dtype=object)
    values = shared[rng.integers(0, len(shared), 50_000)]
    _same_as_pandas(values)  # every value repeats as the same object
    # equal texts that are distinct objects (as read from a file) fall into the same group
    copies = np.array(["".join(["专业", "版"]) for _ in range(3)] + [str(7), "7"], dtype=object)
    assert copies[0] is not copies[1]
    mixed = np.concatenate([values, copies[rng.integers(0, len(copies), 20_000)], values[::-3]])
    _same_as_pandas(mixed)
    # mostly distinct objects: the plain path
    _same_as_pandas(np.array([f"C{i % 30_000}" for i in range(40_000)], dtype=object))
    # not contiguous, and short inputs
    _same_as_pandas(mixed[::2])
    _same_as_pandas(values[:100])


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 2**20 - 1), min_size=0, max_size=3000))
def test_stable_argsort_is_numpys_stable_argsort(keys):
    key = np.array(keys, dtype=np.int64)
    for k in (key, np.repeat(key, 4)):  # with many ties, and above the size of the radix path
        np.testing.assert_array_equal(stable_argsort(k, 20), np.argsort(k, kind="stable"))


def test_lookups_and_shared_arrays_match_the_string_operations():
    rng = np.random.default_rng(1)
    ids = np.array([f"K{i:05x}" for i in rng.permutation(3000)], dtype=object)
    cust = pd.DataFrame({"customer_id": pd.array(ids, dtype="str"),
                         "customer_name": pd.array(np.char.add("客户", ids.astype(str)).astype(object), dtype="str")})
    oid = ids[rng.integers(0, 3000, 30_000)].copy()
    oid[::97] = None
    oid[::89] = "NEW1"  # a customer only in the orders
    orders = pd.DataFrame({
        "order_id": pd.array([f"O{i}" for i in range(len(oid))], dtype="str"),
        "customer_id": pd.array(oid, dtype="str"),
        "order_date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 270, len(oid)), unit="D"),
        "amount": rng.uniform(10, 1000, len(oid)),
    })
    from crm_xl.core.dataset import CrmData, empty_table

    data = CrmData(customers=cust, orders=orders, interactions=empty_table("interactions"),
                   leads=empty_table("leads"))
    p = prepare(data, AnalysisSettings())
    assert list(p.ids[:3000]) == list(ids) and p.ids[-1] == "NEW1"
    known = pd.notna(oid)
    np.testing.assert_array_equal(p.o_code, p.ids.get_indexer(pd.Index(oid[known], dtype="str")))
    # customer-ID order by integer rank
    order = np.argsort(p.ids.to_numpy(dtype=object))
    np.testing.assert_array_equal(np.argsort(p.id_rank), order)
    # one row per (customer, day): the order totals of that day, sorted by customer then day
    c, d, total = p.purchase_days
    g = pd.DataFrame({"c": p.o_code, "d": p.o_day, "a": p.o_amount}).groupby(["c", "d"], sort=True)["a"]
    ref = g.sum()
    np.testing.assert_array_equal(c, ref.index.get_level_values(0))
    np.testing.assert_array_equal(d, ref.index.get_level_values(1))
    np.testing.assert_allclose(total, ref.to_numpy(), rtol=1e-12)
    # the RFM rows are recognised by comparison, anything else by lookup
    rows = p.rfm_rows
    np.testing.assert_array_equal(p.codes_of(p.ids.to_numpy()[rows]), rows)
    np.testing.assert_array_equal(p.codes_of(["NEW1", "nobody", ids[5]]), [p.n - 1, -1, 0 + 5])


def test_factorize_sorted_is_pandas_sorted_factorize():
    from crm_xl.core.prepared import factorize_sorted

    rng = np.random.default_rng(3)
    names = np.array(["制造业", "金融业", "未知", "Zeta", "alpha", "教育", None], dtype=object)
    for values in (names[rng.integers(0, len(names), 20_000)], names[rng.integers(0, 3, 50)],
                   np.array([3, "b", "a", 3, None] * 3000, dtype=object)):
        codes, uniques = factorize_sorted(values)
        ref_codes, ref_uniques = pd.factorize(values, sort=True)
        np.testing.assert_array_equal(codes, ref_codes)
        assert list(uniques) == list(ref_uniques)
