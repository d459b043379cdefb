"""How one setting is declared: :func:`setting` gives a field of
:class:`~crm_xl.settings.AnalysisSettings` its 设置 sheet description (zh/en) and its check,
as dataclass field metadata; the checks a declaration may name are here.

A check is called as ``check(name, value)`` and raises
:class:`~crm_xl.errors.SettingsError` (zh/en, naming the setting) when the value is
invalid. The 设置 sheet's kind of a value (int, date, list, ...) is not declared: it comes
from the field's type (:mod:`crm_xl.settings.model`).
"""

from __future__ import annotations

__all__ = ["Setting", "SETTING", "Check", "setting", "structured", "positive", "non_negative", "optional",
           "positive_number", "between", "increasing", "choice", "finite"]

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import SettingsError

Check = Callable[[str, Any], None]

#: the key of a field's metadata holding its :class:`Setting`
SETTING = "setting"


@dataclass(frozen=True)
class Setting:
    """What the 设置 sheet says about a setting and how its value is checked.

    ``zh`` / ``en`` is the description of its row on the 设置 sheet; a *structured* setting
    (rules, strategies, labels: written as several rows by blocks of their own) has none.
    """

    zh: str = ""
    en: str = ""
    check: Check | None = None
    structured: bool = False


def setting(default: Any, zh: str, en: str, check: Check | None = None) -> Any:
    """A field of AnalysisSettings with one row on the 设置 sheet (description ``zh`` /
    ``en``) and an optional ``check`` of its value (a ``Literal`` type is checked against
    its choices without one)."""
    return field(default=default, metadata={SETTING: Setting(zh, en, check)})


def structured(default: Any, check: Check | None = None) -> Any:
    """A field of AnalysisSettings written to the 设置 sheet as a block of rows of its own
    (crm_xl.settings.rows), with an optional ``check``."""
    return field(default=default, metadata={SETTING: Setting(check=check, structured=True)})


def finite(v: Any) -> bool:
    try:
        return math.isfinite(float(v))
    except (TypeError, ValueError):
        return False


def choice(allowed: tuple[str, ...]) -> Check:
    def check(name: str, value: Any) -> None:
        if value not in allowed:
            raise SettingsError(f"{name} 必须是 {' / '.join(allowed)} 之一，而不是 {value!r}",
                                f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    return check


def positive(name: str, value: Any) -> None:
    """A whole number >= 1."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise SettingsError(f"{name} 必须是正整数，而不是 {value!r}", f"{name} must be a positive whole number, not {value!r}")


def non_negative(name: str, value: Any) -> None:
    """A whole number >= 0."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise SettingsError(f"{name} 必须是非负整数，而不是 {value!r}",
                            f"{name} must be a non-negative whole number, not {value!r}")


def optional(check: Check) -> Check:
    """``check`` unless the value is None."""
    def check_optional(name: str, value: Any) -> None:
        if value is not None:
            check(name, value)
    return check_optional


def positive_number(name: str, value: Any) -> None:
    """A finite number > 0."""
    if not finite(value) or value <= 0:
        raise SettingsError(f"{name} 必须为正数，而不是 {value!r}", f"{name} must be positive, not {value!r}")


def between(lo: float, hi: float, lo_open: bool = False) -> Check:
    """A finite number in [lo, hi] (or (lo, hi] with ``lo_open``)."""
    def check(name: str, value: Any) -> None:
        if not finite(value) or value < lo or value > hi or (lo_open and value <= lo):
            raise SettingsError(f"{name} 必须在 {lo:g} 到 {hi:g} 之间{'（不含 0）' if lo_open else ''}，而不是 {value!r}",
                                f"{name} must be between {lo:g} and {hi:g}{' (not 0)' if lo_open else ''}, not {value!r}")
    return check


def increasing(name: str, values: Any) -> None:
    """Four strictly increasing breakpoints (scores 2-5)."""
    if len(values) != 4:
        raise SettingsError(f"{name} 需要 4 个分界点（对应 2-5 分），实际为 {len(values)} 个",
                            f"{name} needs 4 breakpoints (for scores 2-5), got {len(values)}")
    if any(not finite(v) for v in values):
        raise SettingsError(f"{name} 的分界点必须是数字：{values}", f"{name} breakpoints must be numbers: {values}")
    if any(b <= a for a, b in itertools.pairwise(values)):
        raise SettingsError(f"{name} 的分界点必须严格递增：{values}",
                            f"{name} breakpoints must be strictly increasing: {values}")
