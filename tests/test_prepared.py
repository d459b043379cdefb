"""The shared integer-coded arrays of crm_xl.core.prepared: the fast paths give exactly the
results of the plain pandas/numpy operations they replace."""

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_xl.core.prepared import factorize_objects, prepare, stable_argsort
from crm_xl.core.text import STR_IS_TEXT_DTYPE, text_array
from crm_xl.settings import AnalysisSettings

TEXT_DTYPE = "str" if STR_IS_TEXT_DTYPE else "object" # pandas 3: the text dtype; pandas 2: object


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
    cust = pd.DataFrame({"customer_id": text_array(ids),
                         "customer_name": text_array(np.char.add("客户", ids.astype(str)).astype(object))})
    oid = ids[rng.integers(0, 3000, 30_000)].copy()
    oid[::97] = None
    oid[::89] = "NEW1"  # a customer only in the orders
    orders = pd.DataFrame({
        "order_id": text_array([f"O{i}" for i in range(len(oid))]),
        "customer_id": text_array(oid),
        "order_date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 270, len(oid)), unit="D"),
        "amount": rng.uniform(10, 1000, len(oid)),
    })
    from crm_xl.core.dataset import CrmData, empty_table

    data = CrmData(customers=cust, orders=orders, interactions=empty_table("interactions"),
                   leads=empty_table("leads"))
    p = prepare(data, AnalysisSettings())
    assert list(p.ids[:3000]) == list(ids) and p.ids[-1] == "NEW1"
    known = pd.notna(oid)
    np.testing.assert_array_equal(p.facts.code, p.ids.get_indexer(pd.Index(oid[known], dtype="str")))
    # customer-ID order by integer rank
    order = np.argsort(p.ids.to_numpy(dtype=object))
    np.testing.assert_array_equal(np.argsort(p.id_rank), order)
    # one row per (customer, day): the order totals of that day, sorted by customer then day
    c, d, total = p.facts._purchase_days
    g = pd.DataFrame({"c": p.facts.code, "d": p.facts.day, "a": p.facts.amount}).groupby(["c", "d"], sort=True)["a"]
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


def test_lookup_objects_is_get_indexer():
    from crm_xl.core.prepared import lookup_objects

    rng = np.random.default_rng(4)
    ids = pd.Index([f"C{i:05d}" for i in range(2000)], dtype="str")
    shared = ids.to_numpy(dtype=object)
    pool = np.concatenate([shared, np.array(["nobody", None, np.nan], dtype=object)])
    values = pool[rng.integers(0, len(pool), 60_000)]  # repeated objects, unknown IDs, missing
    copies = np.array(["".join(["C", "00", "007"]) for _ in range(50)], dtype=object)  # equal texts, other objects
    mixed = np.concatenate([values, copies, values[::-7]])
    for v in (values, mixed, mixed[::3], values[:500],
              np.array([f"C{i % 2500:05d}" for i in range(30_000)], dtype=object)):  # mostly distinct objects
        expected = ids.get_indexer(pd.Index(v, dtype="str"))
        np.testing.assert_array_equal(lookup_objects(ids, v), expected)
        np.testing.assert_array_equal(lookup_objects(ids, pd.Series(v, dtype="str")), expected)


def _small_data(seed: int = 5):
    from crm_xl.core.dataset import CrmData, empty_table

    rng = np.random.default_rng(seed)
    n_c, n_o, n_i = 400, 6000, 3000
    ids = np.array([f"C{i:04d}" for i in rng.permutation(n_c)], dtype=object)
    cust = pd.DataFrame({"customer_id": text_array(ids),
                         "customer_name": text_array(np.where(rng.random(n_c) < 0.1, None, ids))})
    day0 = pd.Timestamp("2023-01-01")
    orders = pd.DataFrame({
        "order_id": text_array([f"O{i}" for i in range(n_o)]),
        "customer_id": text_array(ids[rng.integers(0, n_c, n_o)]),
        "order_date": day0 + pd.to_timedelta(rng.integers(0, 640, n_o), unit="D"),
        "amount": np.round(rng.uniform(10, 1000, n_o), 2),
    })
    types = np.array(["拜访", "电话", "技术支持", "投诉", None], dtype=object)
    notes = np.array(["售后响应慢", "希望定制报表", "例行沟通", None], dtype=object)
    inter = empty_table("interactions").reindex(range(n_i))
    inter["customer_id"] = text_array(ids[rng.integers(0, n_c, n_i)])
    inter["date"] = day0 + pd.to_timedelta(rng.integers(0, 640, n_i), unit="D")
    inter["type"] = text_array(types[rng.integers(0, len(types), n_i)])
    inter["content"] = text_array(notes[rng.integers(0, len(notes), n_i)])
    inter["resolved"] = pd.array(np.where(rng.random(n_i) < 0.3, rng.random(n_i) < 0.5, None), dtype="boolean")
    inter["response_hours"] = np.where(rng.random(n_i) < 0.5, rng.gamma(2, 20, n_i), np.nan)
    return CrmData(customers=cust, orders=orders, interactions=inter, leads=empty_table("leads"))


def test_periods_feedback_and_keyword_counts_match_the_masks():
    s = AnalysisSettings()
    p = prepare(_small_data(), s)
    for start, end in ((p.day_months_before(3), None), (p.day_months_before(6), p.day_months_before(3)),
                       (np.iinfo(np.int64).min, None)):
        stop = p.today if end is None else end
        m = (p.facts.day > start) & (p.facts.day <= stop)
        f = p.facts
        counts = f.orders_between(start, end)
        np.testing.assert_array_equal(counts, np.bincount(f.code[m], minlength=p.n))
        np.testing.assert_allclose(f.amount_between(start, end),
                                   np.bincount(f.code[m], weights=f.amount[m], minlength=p.n), rtol=1e-12)
        assert f.orders_between(start, end) is counts and not counts.flags.writeable  # computed once, read-only
    fw, unres, tmo = p.feedback_counts(180, 48)
    ref_fw = p.i_day > p.today - 180
    np.testing.assert_array_equal(fw, ref_fw)
    np.testing.assert_array_equal(unres, np.bincount(p.i_code[ref_fw & (p.i_resolved == 0)], minlength=p.n))
    np.testing.assert_array_equal(tmo, np.bincount(p.i_code[ref_fw & (p.i_resp_hours > 48)], minlength=p.n))
    kinds, _ = p.interaction_kinds
    for words in (s.keywords_technical, s.keywords_after_sales, ("定制",), ("nothing-matches",), ()):
        np.testing.assert_array_equal(p.kind_hits(words)[kinds], p.interactions_matching(words))


def test_median_gap_and_sorted_id_ranks_match_plain_pandas():
    data = _small_data(6)
    p = prepare(data, AnalysisSettings())
    days = pd.DataFrame({"c": p.facts.code, "d": p.facts.day}).drop_duplicates().sort_values(["c", "d"])
    gaps = days.assign(g=days.groupby("c")["d"].diff()).dropna()
    ref = gaps.groupby("c")["g"].median().reindex(range(p.n))
    np.testing.assert_array_equal(p.facts.median_gap_days, ref.to_numpy(dtype=float))
    # customer IDs already in order: ranks are positions, as the sort would give
    data.customers = data.customers.sort_values("customer_id", ignore_index=True)
    q = prepare(data, AnalysisSettings())
    np.testing.assert_array_equal(q.id_rank, np.argsort(np.argsort(q.ids.to_numpy(dtype=object), kind="stable")))


def test_rows_and_texts_taken_by_position():
    from crm_xl.core.prepared import take_texts

    p = prepare(_small_data(7), AnalysisSettings())
    frame = pd.DataFrame({"customer_id": text_array(p.ids.to_numpy(dtype=object)[[5, 3, 9, 3]]),
                          "layer": text_array(["a", None, "c", "d"])})
    at = p.rows_of(frame["customer_id"])
    assert at[5] == 0 and at[3] == 3 and at[9] == 2 and (np.delete(at, [3, 5, 9]) == -1).all()  # last row wins
    taken = take_texts(frame["layer"], np.array([0, 1, -1, 3]))
    assert taken.dtype == TEXT_DTYPE and list(taken.fillna("?")) == ["a", "?", "?", "d"]
    assert list(take_texts(frame["layer"].astype(object), np.array([2, -1])).fillna("?")) == ["c", "?"]
    names = p.text_array("customer_name")
    assert names.dtype == TEXT_DTYPE and list(names) == list(p.text("customer_name"))  # '' for a missing name


def _product_data(products: np.ndarray, days: np.ndarray):
    from crm_xl.core.dataset import CrmData, empty_table

    n = len(products)
    orders = pd.DataFrame({
        "order_id": text_array([f"O{i}" for i in range(n)]),
        "customer_id": text_array([f"C{i % 700}" for i in range(n)]),
        "order_date": pd.Timestamp("2024-01-01") + pd.to_timedelta(days, unit="D"),
        "amount": np.arange(n, dtype=float) % 97 + 1,
        "product": pd.Series(products, dtype=TEXT_DTYPE) if TEXT_DTYPE == "str" else pd.Series(products, dtype=object),
    })
    return CrmData(customers=empty_table("customers"), orders=orders, interactions=empty_table("interactions"),
                   leads=empty_table("leads"))


def test_codes_and_days_are_32_bit_and_products_are_codes_into_the_sold_products():
    rng = np.random.default_rng(4)
    names = np.array(["标准版", "专业版", "服务", None, "7", "Z"], dtype=object)
    products = names[rng.integers(0, len(names), 20_000)]
    days = rng.integers(0, 300, 20_000)
    products[days > 250] = "FUTURE"  # only in orders after the analysis date: never sold by then
    p = prepare(_product_data(products, days), AnalysisSettings(analysis_date=pd.Timestamp("2024-09-07").date()))
    kept = days <= 250
    assert p.facts.code.dtype == np.int32 and p.facts.day.dtype == np.int32
    assert p.facts._purchase_days[0].dtype == np.int32 and p.facts._purchase_days[1].dtype == np.int32
    np.testing.assert_array_equal(p.facts.day, (np.datetime64("2024-01-01") + days[kept]).astype(np.int64))
    codes, texts = p.facts.labels["product"]
    assert codes.dtype == np.int32 and len(codes) == kept.sum()
    want = products[kept]
    got = np.where(codes >= 0, np.asarray(texts, dtype=object)[np.maximum(codes, 0)], None)
    assert list(got) == list(want)  # each order's product, None where missing
    assert sorted(texts) == sorted({v for v in want if v is not None})  # distinct, sold by the analysis date
    # the sort by customer and day is numpy's stable sort of the (customer, day) pairs
    np.testing.assert_array_equal(p.facts.orders_by_customer_day(), np.lexsort((p.facts.day, p.facts.code)))


def test_purchase_days_forgotten_are_made_again_the_same():
    rng = np.random.default_rng(5)
    days = rng.integers(0, 300, 5000)
    p = prepare(_product_data(np.array(["A"] * 5000, dtype=object), days), AnalysisSettings())
    first = [a.copy() for a in p.facts._purchase_days]
    p.facts.forget()
    assert "_purchase_days" not in p.facts.__dict__
    for a, b in zip(first, p.facts._purchase_days, strict=True):
        np.testing.assert_array_equal(a, b)
