"""The texts a user reads, kept apart from the code that lays them out (issue 18, item 3).

Each module that writes words for the user declares them once, in one table beside its code,
one text per language of :data:`LANGUAGES`::

    TEXTS = Texts({
        "title": ("客户价值预测", "CLV forecast"),
        "lead": ("按 CLV 从高到低排列（{n:,} 位客户）", "Sorted by CLV ({n:,} customers)"),
    })

and its builders take the texts of the report's language and use them by key::

    t = TEXTS.lang(settings.lang)
    t.title                 # a text without placeholders
    t("lead", n=len(pred))  # placeholders filled with str.format

so the builders hold layout and logic only, and a third language is one more text in each
table (and one more entry in :data:`LANGUAGES`), not an edit of every builder.

The tables are checked when the module is imported: every key has one text per language and
the texts of a key have the same placeholders (a placeholder missing in one language is an
error at import, not a ``KeyError`` in one user's report). ``tests/test_texts.py`` imports
every module, so every table is checked in CI, and counts the ``... if zh else ...`` choices
left in the code.

Ground layer: imports nothing of crm_xl.
"""

from __future__ import annotations

__all__ = ["LANGUAGES", "Texts", "LangTexts", "language_index"]

import string
from collections.abc import Mapping

#: The report languages, in the order of the texts in every table.
LANGUAGES: tuple[str, ...] = ("zh", "en")

_FORMATTER = string.Formatter()


def language_index(lang: str) -> int:
    """Position of ``lang`` in :data:`LANGUAGES`; an unknown language reads English (the
    settings only accept the listed ones, so this is for callers outside them)."""
    try:
        return LANGUAGES.index(lang)
    except ValueError:
        return LANGUAGES.index("en")


def _fields(text: str) -> frozenset[str]:
    """The placeholder names of a format string ('{n:,}' -> 'n')."""
    out = set()
    for _, name, _, _ in _FORMATTER.parse(text):
        if name is not None:
            out.add(name.split(".")[0].split("[")[0])
    return frozenset(out)


class Texts:
    """One module's texts: ``key -> (zh, en)`` (see the module docstring).

    Raises
    ------
    ValueError
        At construction, when a key has the wrong number of texts, a text is not a string,
        or the texts of one key have different placeholders.
    """

    __slots__ = ("_entries", "_plain", "_views")

    def __init__(self, entries: Mapping[str, tuple[str, ...]]):
        problems = []
        for key, texts in entries.items():
            if not isinstance(texts, tuple) or len(texts) != len(LANGUAGES) or \
                    not all(isinstance(t, str) for t in texts):
                problems.append(f"{key!r}: needs one text per language {LANGUAGES}, got {texts!r}")
                continue
            try:
                names = {_fields(t) for t in texts}
            except ValueError as exc:  # a lone brace
                problems.append(f"{key!r}: {exc}")
                continue
            if len(names) > 1:
                problems.append(f"{key!r}: the languages have different placeholders {sorted(map(sorted, names))}")
        if problems:
            raise ValueError("text table: " + "; ".join(problems))
        self._entries = dict(entries)
        # texts without placeholders, as shown ('{{' read as '{'), for attribute access
        self._plain = {k: tuple(t.format() for t in v) for k, v in self._entries.items() if not _fields(v[0])}
        self._views: dict[int, LangTexts] = {}

    def lang(self, lang: str) -> LangTexts:
        """The texts in ``lang`` (see :class:`LangTexts`)."""
        i = language_index(lang)
        view = self._views.get(i)
        if view is None:
            view = self._views[i] = LangTexts(self._entries, self._plain, i)
        return view

    def keys(self):
        return self._entries.keys()

    def __contains__(self, key: str) -> bool:
        return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)


class LangTexts:
    """The texts of one table in one language: ``t.key`` for a text without placeholders,
    ``t("key", name=value, ...)`` for any text (placeholders filled by ``str.format``, so a
    literal brace is written ``{{``), ``t.lang`` the language."""

    __slots__ = ("_entries", "_plain", "_i", "lang")

    def __init__(self, entries: dict[str, tuple[str, ...]], plain: dict[str, tuple[str, ...]], index: int):
        self._entries, self._plain, self._i, self.lang = entries, plain, index, LANGUAGES[index]

    def __getattr__(self, key: str) -> str:
        try:
            return self._plain[key][self._i]
        except KeyError:
            if key in self._entries:
                raise AttributeError(f"text {key!r} has placeholders: use t({key!r}, ...)") from None
            raise AttributeError(f"no text {key!r} in this table") from None

    def __call__(self, key: str, /, **values) -> str:
        return self._entries[key][self._i].format(**values)

    @property
    def zh(self) -> bool:
        """The language is Chinese (for the few rules that differ by language, such as
        where a sentence ends)."""
        return self.lang == "zh"
