"""Currency evidence in amount cells (crm_xl.core.currency.detect_currency)."""

import re
import sys

from hypothesis import given
from hypothesis import strategies as st

from crm_xl.core import currency
from crm_xl.core.currency import detect_currency


def test_the_prescreen_knows_every_character_a_match_can_hold():
    """detect_currency skips a column whose texts hold none of _CELL_CHARS; every character
    the pattern can match (with IGNORECASE's Unicode folding, e.g. the Kelvin sign for k)
    must be among them, or a currency would go unseen."""
    token_chars = set(currency._CELL.pattern.replace(r"\b", "").replace("?:", "")) - set("\\()|[]")
    cls = re.compile("[" + re.escape("".join(sorted(token_chars))) + "]", re.IGNORECASE)
    can_match = {chr(c) for c in range(sys.maxunicode + 1)
                 if not 0xD800 <= c <= 0xDFFF and cls.fullmatch(chr(c))}
    assert can_match <= currency._CELL_CHARS
    assert "\u212a" in can_match  # (the Kelvin sign folds onto k: the check above sees folding)
    # the prescreen itself is one regular-expression scan for exactly those characters
    found = {chr(c) for c in range(sys.maxunicode + 1)
             if not 0xD800 <= c <= 0xDFFF and currency._ANY_CELL_CHAR.fullmatch(chr(c))}
    assert found == currency._CELL_CHARS


def _one_by_one(cells):
    found = {}
    for v in cells:
        if isinstance(v, str):
            m = currency._CELL.search(v)
            code = currency._SYMBOLS.get(m.group(1).lower()) if m else None
            if code:
                found[code] = found.get(code, 0) + 1
    return found


@given(st.lists(st.one_of(
    st.decimals(-10**9, 10**9, places=2).map(str),
    st.sampled_from(["$1,234.50", "£12", "1200 EUR", "¥88", "US$5", "12 usd", "1.5万元", "abc", "(1,200)",
                     "5 \u212aRW", "NT$30", "元", "", "-"]),
    st.text(max_size=6),
), max_size=40))
def test_evidence_counts_one_per_text_that_names_a_currency(cells):
    assert dict(detect_currency(cells)) == _one_by_one(cells)


def test_plain_number_columns_name_no_currency_and_symbols_are_found():
    assert detect_currency([f"{i}.{i % 100:02d}" for i in range(5000)]) == {}
    assert detect_currency(["12.50", "$3", "£4", "$5"]) == {"USD": 2, "GBP": 1}
