"""Texts in tables (issue 18, item 3; :mod:`crm_xl.texts`).

* The table mechanism: one text per language, the same placeholders in every language, loud
  errors for a wrong key or a text used without its values.
* Every module imports (so every table in it was checked), and its tables are found.
* The builders hold layout and logic only: a choice between a Chinese and an English text in
  the code (``"客户" if zh else "Customer"``, or an ``if lang == "zh":`` block of Chinese
  texts), or between the halves of zh/en data paired in code (``r[1] if zh else r[2]``,
  ``pair[0 if zh else 1]``) is counted per module and may not come back where it is gone. KNOWN lists the
  modules still being moved to tables, with their counts; a module that drops below its count
  fails until the count is lowered (the ratchet only turns one way).
"""

import ast
import importlib
import pathlib
import pkgutil
import re

import pytest

import crm_xl
from crm_xl.texts import LANGUAGES, Texts

ROOT = pathlib.Path(crm_xl.__file__).parent
_CJK = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]")

# module (relative to crm_xl/) -> text choices still in its code
KNOWN: dict[str, int] = {}


# ---------------------------------------------------------------------------------- mechanism

def test_a_table_gives_each_language_its_text_with_values_filled():
    t = Texts({"title": ("客户价值", "Customer value"), "lead": ("共 {n:,} 位客户", "{n:,} customers"),
               "brace": ("公式 {{x}}", "formula {{x}}")})
    zh, en = t.lang("zh"), t.lang("en")
    assert (zh.title, en.title) == ("客户价值", "Customer value")
    assert (zh("lead", n=12345), en("lead", n=12345)) == ("共 12,345 位客户", "12,345 customers")
    assert (zh.brace, en("brace")) == ("公式 {x}", "formula {x}")
    assert zh.zh and not en.zh and en.lang == "en"


def test_a_text_with_placeholders_or_an_unknown_key_is_a_loud_error():
    t = Texts({"lead": ("共 {n} 位", "{n} customers")}).lang("en")
    with pytest.raises(AttributeError, match="placeholders"):
        _ = t.lead
    with pytest.raises(AttributeError, match="no text 'missing'"):
        _ = t.missing
    with pytest.raises(KeyError):
        t("lead", m=1)


@pytest.mark.parametrize("entries, message", [
    ({"a": ("只有中文",)}, "one text per language"),
    ({"a": ("中文 {n}", "English {m}")}, "different placeholders"),
    ({"a": ("中文 {", "English {")}, "'a'"),
    ({"a": ("中文", 3)}, "one text per language"),
])
def test_a_bad_table_fails_when_it_is_made(entries, message):
    with pytest.raises(ValueError, match=message):
        Texts(entries)


def test_an_unknown_language_reads_english():
    assert Texts({"a": ("甲", "A")}).lang("fr").a == "A"
    assert LANGUAGES[0] == "zh"


# ---------------------------------------------------------------------------------- the package

def _all_modules():
    names = ["crm_xl"]
    for info in pkgutil.walk_packages(crm_xl.__path__, "crm_xl."):
        if not info.name.endswith(".__main__"):  # (they run the command when imported)
            names.append(info.name)
    return names


def test_every_module_imports_so_every_table_was_checked():
    tables = 0
    for name in _all_modules():
        module = importlib.import_module(name)
        tables += sum(isinstance(v, Texts) for v in vars(module).values())
    assert tables >= 1


def _mentions_language(node: ast.AST) -> bool:
    for n in ast.walk(node):
        if isinstance(n, ast.Name) and n.id in ("zh", "z", "lang"):
            return True
        if isinstance(n, ast.Attribute) and n.attr in ("zh", "lang"):
            return True
    return False


def _has_chinese(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Constant) and isinstance(n.value, str) and _CJK.search(n.value)
               for n in ast.walk(node))


def _picks_paired_data(node: ast.AST) -> bool:
    """A branch that picks one language's half of paired data: a position (``0``, ``2``) or a
    subscript (``r[1]``, ``x["zh"]``)."""
    return isinstance(node, ast.Subscript) or (
        isinstance(node, ast.Constant) and type(node.value) is int)


def text_choices(source: str) -> int:
    """Choices between languages made in code: ``a if <language test> else b`` with Chinese
    text in a branch, or picking paired zh/en data by position (``r[1] if zh else r[2]``,
    ``pair[0 if zh else 1]``), and ``if <language test>:`` statements with Chinese text in their
    body. A lookup keyed by the language itself (``names[lang]``) is a table, not a choice."""
    count = 0
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.IfExp) and _mentions_language(node.test) \
                and (_has_chinese(node.body) or _has_chinese(node.orelse)
                     or (_picks_paired_data(node.body) and _picks_paired_data(node.orelse))):
            count += 1
        elif isinstance(node, ast.If) and _mentions_language(node.test) \
                and any(_has_chinese(b) for b in node.body):
            count += 1
    return count


def test_the_counter_sees_text_choices():
    assert text_choices('x = "客户" if zh else "Customer"') == 1
    assert text_choices('x = f"共{n}位" if s.lang == "zh" else f"{n} customers"') == 1
    assert text_choices('if lang == "zh":\n    x = "客户"\nelse:\n    x = "Customer"') == 1
    assert text_choices('x = t.customer') == 0
    assert text_choices('x = r"(?<=。)" if lang == "zh" else r"(?<=\\.)"') == 1
    assert text_choices('x = "a" if zh else "b"') == 0


def test_the_counter_sees_paired_data_picked_by_language():
    assert text_choices('x = GOAL_ITEMS[key][0 if s.lang == "zh" else 1]') == 1
    assert text_choices('x = [r[1] if zh else r[2] for r in ROWS]') == 1
    assert text_choices('x = v["zh"] if lang == "zh" else v["en"]') == 1
    assert text_choices('x = SECTIONS[code] if lang == "zh" else SECTIONS_EN[code]') == 1
    assert text_choices('i = 0 if zh else 1') == 1  # a position, used later
    # a table keyed by the language, or by its position in texts.LANGUAGES, is no choice
    assert text_choices('x = NAMES[lang]') == 0
    assert text_choices('x = pair[language_index(lang)]') == 0
    assert text_choices('x = t.label') == 0
    # choices that are not about paired texts
    assert text_choices('x = 1 if n else 2') == 0
    assert text_choices('x = r[1] if ok else r[2]') == 0
    assert text_choices('x = r[1] if zh else f(r)') == 0
    assert text_choices('x = True if zh else False') == 0


def _counts() -> dict[str, int]:
    out = {}
    for path in sorted(ROOT.rglob("*.py")):
        n = text_choices(path.read_text(encoding="utf-8"))
        if n:
            out[path.relative_to(ROOT).as_posix()] = n
    return out


def test_no_module_chooses_texts_in_code_beyond_its_known_count():
    grown = {name: n for name, n in _counts().items() if n > KNOWN.get(name, 0)}
    assert grown == {}, ("texts chosen by language in code: put them in the module's Texts table "
                         "(crm_xl/texts.py says how)")


def test_known_counts_are_not_stale():
    counts = _counts()
    stale = {name: (n, counts.get(name, 0)) for name, n in KNOWN.items() if counts.get(name, 0) < n}
    assert stale == {}, "fewer text choices than KNOWN says: lower the count (or remove the module)"
