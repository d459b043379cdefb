"""Value parsers (issue 3 item 4): each rule on small inputs with hand-checked results."""

import datetime as dt

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from crm_xl.core.parse import normalize_ids, parse_bools, parse_dates, parse_money, parse_numbers


def test_dates_in_every_spelling_the_seed_mentions():
    raw = pd.Series(["2024/9/15", "2024年9月15日", "2024-09-15 10:00", "2024.9.15", "20240915", 45550,
                     dt.datetime(2024, 9, 15, 13, 30), dt.date(2024, 9, 15), "45550", "２０２４-０９-１５"], dtype=object)
    val, bad = parse_dates(raw)
    assert not bad.any()
    # Excel serial 45550 is 2024-09-15 (1900 date system: serial 1 = 1900-01-01, epoch 1899-12-30)
    assert (val == pd.Timestamp("2024-09-15")).all()


def test_impossible_dates_and_serial_zero_are_rejected():
    raw = pd.Series(["2024-02-30", 0, "明天", "2023-13-01", None, ""], dtype=object)
    val, bad = parse_dates(raw)
    assert bad.tolist() == [True, True, True, True, False, False]
    assert val.isna().all()


def test_money_spellings_to_yuan():
    raw = pd.Series(["15万", "150,000元", "1.5w", "1.5万元", "¥1,200.50", "￥３００", "(1,200)", "-1200", 80000, "1.2亿"],
                    dtype=object)
    val, bad = parse_money(raw)
    assert not bad.any()
    assert val.tolist() == [150000.0, 150000.0, 15000.0, 15000.0, 1200.5, 300.0, -1200.0, -1200.0, 80000.0, 120000000.0]


def test_text_in_money_column_is_bad_not_zero():
    val, bad = parse_money(pd.Series(["面议", "abc", "12..5"], dtype=object))
    assert bad.all() and val.isna().all()


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False).map(lambda x: round(x, 2)))
def test_money_formatted_with_separators_and_yuan_parses_back(x):
    for text in (f"{x:,.2f}元", f"¥{x:,.2f}", f"{x:.2f}"):
        val, bad = parse_money(pd.Series([text], dtype=object))
        assert not bad.any()
        assert val.iloc[0] == x


@given(st.integers(min_value=0, max_value=10**12))
def test_full_width_digits_equal_half_width(n):
    full = "".join(chr(ord(c) + 0xFEE0) for c in str(n))
    a, _ = parse_money(pd.Series([full], dtype=object))
    b, _ = parse_money(pd.Series([str(n)], dtype=object))
    assert a.iloc[0] == b.iloc[0] == n


def test_numbers_and_percentages():
    val, bad = parse_numbers(pd.Series(["15%", "1,234.5", "７", "x"], dtype=object))
    assert val.tolist()[:3] == [0.15, 1234.5, 7.0]
    assert bad.tolist() == [False, False, False, True]


def test_yes_no():
    val, bad = parse_bools(pd.Series(["是", "否", "Y", "n", "TRUE", 0, 1, "已续签", "未续签", "也许"], dtype=object))
    assert val.tolist()[:9] == [True, False, True, False, True, False, True, True, False]
    assert bad.tolist() == [False] * 9 + [True]


def test_ids_normalised():
    val = normalize_ids(pd.Series([" c001 ", "Ｃ００２", "C 003", 1001.0, None], dtype=object))
    assert val.tolist()[:4] == ["C001", "C002", "C003", "1001"]
    assert pd.isna(val.iloc[4])


def test_dates_beyond_what_a_date_column_holds_are_bad_not_a_crash():
    # datetime64[ns] spans 1677-09-22 .. 2262-04-11; a typo such as 2500 or 1024 is a bad date
    # (dates before 1901 are placeholder dates anyway, issue 10: 1677-09-22 is bad too)
    raw = pd.Series(["2500-01-01", dt.datetime(2500, 1, 1, 10, 0), dt.date(1024, 5, 1), "2262-04-11", "1677-09-22"],
                    dtype=object)
    val, bad = parse_dates(raw)
    assert bad.tolist() == [True, True, True, False, True]
    assert val.dt.strftime("%Y-%m-%d").tolist()[3] == "2262-04-11"


def test_year_1900_placeholder_dates_are_bad_in_every_form():
    """Excel shows an empty date as 1900-01-00 and exports write 1900-01-01 for "no date"
    (issue 10): text, datetime cells (also a column of datetimes only) and serials 1-366."""
    for raw in (pd.Series(["1900-01-01", "2024-09-15"], dtype=object),
                pd.Series([dt.datetime(1900, 1, 1), dt.datetime(2024, 9, 15)], dtype=object),
                pd.Series([dt.datetime(1900, 1, 1), dt.datetime(2024, 9, 15)]),
                pd.Series([1, 45550], dtype=object)):
        val, bad = parse_dates(raw)
        assert bad.tolist() == [True, False], raw
        assert val.dt.strftime("%Y-%m-%d").tolist()[1] == "2024-09-15"


@given(st.lists(st.one_of(
    st.decimals(min_value=-10**15 + 1, max_value=10**15 - 1, places=6,
                allow_nan=False, allow_infinity=False).map(str),
    st.floats(-1e12, 1e12, allow_nan=False).map(lambda x: f"{x:.{abs(hash(x)) % 9}f}"),
    st.sampled_from(["¥1,200.50", "15万", "(1,200)", "abc", "", "-", "007", "-0", "+5", "1e5", "１２", "1.2.3"]),
), min_size=1, max_size=60))
def test_many_plain_decimal_texts_parse_exactly_as_one_by_one(texts):
    """A CSV column of thousands of distinct plain decimals takes a vectorised path
    (issue 20); each value, and which cells are bad, must be what the per-value rule
    gives: the same column parsed in pieces too small for the fast path."""
    filler = [f"{i}.{i % 97:02d}" for i in range(2100)]  # enough distinct values for the fast path
    s = pd.Series(texts + filler, dtype=object)
    fast, fast_bad = parse_money(s)
    one_by_one = [parse_money(pd.Series([t], dtype=object)) for t in texts]
    for i, (val, bad) in enumerate(one_by_one):
        assert bool(fast_bad.iloc[i]) == bool(bad.iloc[0]), texts[i]
        a, b = fast.iloc[i], val.iloc[0]
        assert (pd.isna(a) and pd.isna(b)) or (a == b and str(a) == str(b)), (texts[i], a, b)
    assert fast.iloc[len(texts):].tolist() == [float(f) for f in filler]


@given(st.lists(st.one_of(st.text(alphabet="0123456789.-\n\r １e ", max_size=8), st.none(), st.integers(), st.floats()),
                max_size=40))
def test_texts_matched_whole_in_one_scan_as_one_by_one(values):
    """texts_fullmatching scans all texts joined by line breaks at once (issue 20); it must
    say what re.fullmatch says of each text, line breaks inside a text included."""
    import re

    import numpy as np

    from crm_xl.core.textscan import texts_fullmatching

    for pattern in (r"-?[0-9]{1,15}(?:\.[0-9]{1,6})?", r"-?[0-9]+(?:\.[0-9]+)?", r"[0-9]*"):  # (the last matches "")
        got = texts_fullmatching(np.array(values, dtype=object), pattern)
        assert got.tolist() == [isinstance(v, str) and re.fullmatch(pattern, v) is not None for v in values]


@given(st.lists(st.one_of(st.text(alphabet="0123456789.-\n １e ", max_size=8), st.none(), st.integers(), st.floats(),
                          st.decimals(places=7, allow_nan=False, allow_infinity=False).map(str)), max_size=40))
def test_amounts_known_plain_are_not_scanned_again_with_the_same_answer(values):
    """The cleaning log asks of an amount column's values whether each is already a plain
    number; the values the parse found to be plain decimals are taken from it, not scanned a
    second time (issue 20). The answer must be the full scan's, value for value."""
    import re

    from crm_xl.core.clean_values import _PLAIN_NUMBER, _plain_or_not_text
    from crm_xl.core.parse import Distinct, plain_decimals

    filler = [f"{i}.{i % 97:02d}" for i in range(2100)]  # enough distinct values for the scan
    d = Distinct(pd.Series(values + filler, dtype=object))
    known = plain_decimals(d.values, d.blank)
    got = _plain_or_not_text(d.values, known)
    want = [not isinstance(v, str) or re.fullmatch(_PLAIN_NUMBER, v) is not None for v in d.values]
    assert got.tolist() == want
    assert known[: len(d) - 1].sum() >= len(filler)  # (the known ones were used)


_ISO_YEARS = st.sampled_from(["0001", "1677", "1899", "1900", "1901", "1999", "2024", "2261", "2262", "2263", "9999"])


@given(st.lists(st.one_of(
    st.builds(lambda y, m, d, t: f"{y}-{m:02d}-{d:02d}{t}", _ISO_YEARS | st.integers(1000, 2999).map(str),
              st.integers(0, 19), st.integers(0, 39),
              st.sampled_from(["", " 10:00", "T23:59:59", " 99:99", " 08:26:00", "T00:00"])),
    st.sampled_from(["2024/9/15", "2024-9-15", "１２/1/2010", "12/1/2010 8:26", "", "2024-02-30", "2024-09-15 10:00 UTC",
                     "20240915", "Jan 5, 2024", "2024-09-15 星期五"]),
    st.none()), max_size=60))
def test_iso_texts_read_at_once_as_one_by_one(values):
    """dates_distinct reads texts in ISO form (2024-09-15, with a time or not) in one
    vectorised pass (issue 20); each must be the day the per-value rules read, or bad where
    they find none (impossible days, years before 1901 or past datetime64[ns])."""
    import numpy as np

    from crm_xl.core.parse import _parse_date_in_range

    got, bad = parse_dates(pd.Series(values, dtype=object))
    for v, g, b in zip(values, got, bad, strict=True):
        want = _parse_date_in_range(v) if isinstance(v, str) and v.strip() else None
        assert (pd.isna(g) and want is None) or g == want, (v, g, want)
        assert bool(b) == (want is None and isinstance(v, str) and v.strip() != ""), (v, b)
    assert np.asarray(got).dtype == np.dtype("datetime64[ns]")
