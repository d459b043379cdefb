"""Texts in tables (issue 18, item 3; :mod:`crm_xl.texts`).

* The table mechanism: one text per language, the same placeholders in every language, loud
  errors for a wrong key or a text used without its values.
* Every module imports (so every table in it was checked), and its tables are found.
* The builders hold layout and logic only: a choice between a Chinese and an English text in
  the code (``"客户" if zh else "Customer"``, or an ``if lang == "zh":`` block of Chinese
  texts) is counted per module and may not come back where it is gone. KNOWN lists the
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
KNOWN: dict[str, int] = {
    "cli/__init__.py": 1,
    "cli/addin.py": 2,
    "cli/demo.py": 3,
    "cli/report.py": 5,
    "cli/template.py": 1,
    "cli/udfs.py": 8,
    "core/churn.py": 5,
    "core/clean.py": 1,
    "core/clv/fitting.py": 1,
    "core/clv/gamma_gamma.py": 1,
    "core/clv_report.py": 9,
    "core/currency.py": 1,
    "core/effect.py": 1,
    "core/funnel.py": 1,
    "core/kpis/base.py": 1,
    "core/kpis/tables.py": 2,
    "core/layer_problems.py": 7,
    "core/scenarios/activation.py": 4,
    "core/scenarios/campaigns.py": 6,
    "core/scenarios/key_accounts.py": 5,
    "core/segments.py": 4,
    "core/strategy.py": 6,
    "core/tags.py": 2,
    "core/trends.py": 3,
    "demo/dirty.py": 1,
    "errors.py": 3,
    "excel/macros.py": 21,
    "excel/template.py": 4,
    "mapping.py": 3,
    "render/book.py": 3,
    "sources/__init__.py": 2,
    "sources/pushdown.py": 1,
}


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


def text_choices(source: str) -> int:
    """Choices between languages made in code: ``a if <language test> else b`` with Chinese
    text in a branch, and ``if <language test>:`` statements with Chinese text in their body."""
    count = 0
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.IfExp) and _mentions_language(node.test) \
                and (_has_chinese(node.body) or _has_chinese(node.orelse)):
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
    assert text_choices('x = 1 if zh else 2') == 0


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
