"""Which currency the amounts are in: found in the data, named in texts.

:func:`detect_currency` looks at what an export shows: symbols or codes in the amount
cells (``$1,234.50``, ``£12``, ``1200 EUR``), a currency column (Salesforce's
CurrencyIsoCode, Stripe's Currency), and a unit in the amount header (``Amount (USD)``,
``金额(元)``, ``dollar_value``). The report labels amounts with :func:`currency_label`
(元 / 美元 / 英镑 ... in Chinese, the ISO code in English); amounts are never converted.
"""

from __future__ import annotations

__all__ = ["CURRENCIES", "currency_code", "currency_label", "detect_currency", "currency_of_countries",
           "DEFAULT_CURRENCY"]

import re
from collections import Counter
from collections.abc import Iterable

DEFAULT_CURRENCY = "CNY"

# ISO code -> (Chinese unit, English label)
CURRENCIES: dict[str, tuple[str, str]] = {
    "CNY": ("元", "CNY"), "USD": ("美元", "USD"), "EUR": ("欧元", "EUR"), "GBP": ("英镑", "GBP"),
    "JPY": ("日元", "JPY"), "HKD": ("港元", "HKD"), "TWD": ("新台币", "TWD"), "SGD": ("新加坡元", "SGD"),
    "AUD": ("澳元", "AUD"), "CAD": ("加元", "CAD"), "KRW": ("韩元", "KRW"), "INR": ("卢比", "INR"),
    "CHF": ("瑞士法郎", "CHF"), "MXN": ("墨西哥比索", "MXN"), "THB": ("泰铢", "THB"), "BRL": ("雷亚尔", "BRL"),
}
_SYMBOLS = {"$": "USD", "us$": "USD", "usd": "USD", "美元": "USD", "dollar": "USD", "dollars": "USD",
            "£": "GBP", "gbp": "GBP", "英镑": "GBP", "€": "EUR", "eur": "EUR", "欧元": "EUR",
            "¥": "CNY", "￥": "CNY", "元": "CNY", "rmb": "CNY", "cny": "CNY", "人民币": "CNY", "万元": "CNY",
            "hk$": "HKD", "hkd": "HKD", "港币": "HKD", "港元": "HKD", "nt$": "TWD", "twd": "TWD",
            "jpy": "JPY", "円": "JPY", "日元": "JPY", "a$": "AUD", "aud": "AUD", "c$": "CAD", "cad": "CAD",
            "s$": "SGD", "sgd": "SGD", "₩": "KRW", "krw": "KRW", "₹": "INR", "inr": "INR", "chf": "CHF",
            "mxn": "MXN", "thb": "THB", "brl": "BRL", "r$": "BRL"}
_CELL = re.compile(r"(us\$|hk\$|nt\$|a\$|c\$|s\$|r\$|[$£€¥￥₩₹]|\b(?:usd|gbp|eur|cny|rmb|hkd|twd|jpy|aud|cad|sgd|krw|inr|"
                   r"chf|mxn|thb|brl)\b|元)", re.IGNORECASE)
# every character that can start or be part of a _CELL match: the symbols, ASCII letters
# and the non-ASCII characters IGNORECASE folds onto them (long s, Kelvin sign, dotted and
# dotless i); tests/test_currency_detection.py checks this against the pattern
_CELL_CHARS = frozenset("$£€¥￥₩₹元" + "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" + "\u017f\u212a\u0130\u0131")
# any of them, as one regular-expression scan (~6x faster than a set intersection over the text)
_ANY_CELL_CHAR = re.compile("[" + "".join(re.escape(c) for c in sorted(_CELL_CHARS)) + "]")
_HEADER = re.compile(r"[\(（\[【]\s*([^\)）\]】]+?)\s*[\)）\]】]|(dollar|usd|gbp|eur|rmb|cny)", re.IGNORECASE)


def currency_code(text: str | None) -> str | None:
    """The ISO code a setting or label means ("$" -> USD, "元" -> CNY, "usd" -> USD), or
    None for "auto" / blank / an unknown text."""
    if text is None:
        return None
    t = str(text).strip().lower()
    if not t or t == "auto":
        return None
    if t.upper() in CURRENCIES:
        return t.upper()
    return _SYMBOLS.get(t)


def currency_label(code: str | None, lang: str = "zh", raw: str | None = None) -> str:
    """The unit shown in headers: 元 / 美元 / 英镑 ... (zh) or the ISO code (en). An unknown
    ``code`` shows ``raw`` (what the user typed) as it is."""
    if code in CURRENCIES:
        zh, en = CURRENCIES[code]
        return zh if lang == "zh" else en
    return raw or currency_label(DEFAULT_CURRENCY, lang)  # (the default currency's label)


def detect_currency(cells: Iterable[object] = (), headers: Iterable[str] = (),
                    currency_values: Iterable[object] = ()) -> Counter:
    """ISO code -> weight of evidence: symbols/codes in amount cells (one per distinct
    cell text), a currency column's values (one per row given), a unit in an amount header
    (weighted as many cells)."""
    found: Counter[str] = Counter()
    texts = [v for v in cells if isinstance(v, str)]
    # a match needs a symbol or a letter: amount columns of plain numbers, the usual case,
    # are seen to hold none in one pass over their characters, not one search per text
    if texts and not _ANY_CELL_CHAR.search("".join(texts)):
        texts = []
    for v in texts:
        m = _CELL.search(v)
        if m:
            code = _SYMBOLS.get(m.group(1).lower())
            if code:
                found[code] += 1
    for cv in currency_values:
        code = currency_code(cv) if isinstance(cv, str) else None
        if code:
            found[code] += 1
    for h in headers:
        for m in _HEADER.finditer(str(h)):
            token = (m.group(1) or m.group(2) or "").strip().lower()
            code = currency_code(token)
            if code:
                found[code] += 1000
    return found


# country (as exports write it) -> its currency: weak evidence, used only when the amounts
# themselves name none (UCI Online Retail: Country "United Kingdom", amounts in GBP)
_COUNTRIES = {
    "united kingdom": "GBP", "uk": "GBP", "england": "GBP", "great britain": "GBP", "英国": "GBP",
    "united states": "USD", "usa": "USD", "us": "USD", "united states of america": "USD", "美国": "USD",
    "germany": "EUR", "france": "EUR", "spain": "EUR", "italy": "EUR", "netherlands": "EUR", "belgium": "EUR",
    "portugal": "EUR", "austria": "EUR", "ireland": "EUR", "eire": "EUR", "finland": "EUR", "greece": "EUR",
    "japan": "JPY", "日本": "JPY", "china": "CNY", "中国": "CNY", "hong kong": "HKD", "香港": "HKD",
    "taiwan": "TWD", "台湾": "TWD", "singapore": "SGD", "australia": "AUD", "canada": "CAD", "mexico": "MXN",
    "switzerland": "CHF", "india": "INR", "korea": "KRW", "south korea": "KRW", "brazil": "BRL", "thailand": "THB",
}


def currency_of_countries(values: Iterable[object]) -> str | None:
    """The currency of the country most rows name, when at least 80 % of the named
    countries share it; None otherwise."""
    found: Counter[str] = Counter()
    total = 0
    for v in values:
        if isinstance(v, str) and v.strip():
            total += 1
            code = _COUNTRIES.get(v.strip().lower())
            if code:
                found[code] += 1
    if not found or not total:
        return None
    code, n = found.most_common(1)[0]
    return code if n >= 0.8 * total else None
