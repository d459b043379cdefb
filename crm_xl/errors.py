"""The package's error types and the one place that turns them into user messages.

Every error a business user can cause (bad headers, bad cells, bad settings, a locked
workbook) is a :class:`CrmXlError`. It carries its message in Chinese and English and,
where known, the sheet, row and column it is about, so the CLI (exit code, one line) and
the Excel macros (an alert) can show the same plain-words text. Anything else reaching the
top level is a bug in crm_xl and is reported as such.
"""

from __future__ import annotations

__all__ = [
    "CrmXlError",
    "InputError",
    "MissingColumnsError",
    "SettingsError",
    "WorkbookError",
    "WorkbookLockedError",
    "Location",
    "format_error",
]

from dataclasses import dataclass

LANGS = ("zh", "en")


@dataclass(frozen=True)
class Location:
    """Where in the user's workbook or file a problem is.

    ``row`` is the 1-based row number as the user sees it in Excel (header row included),
    ``column`` the header text as the user typed it (or a column letter).
    """

    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def describe(self, lang: str = "zh") -> str:
        parts: list[str] = []
        if lang == "zh":
            if self.sheet:
                parts.append(f"工作表「{self.sheet}」")
            if self.row is not None:
                parts.append(f"第 {self.row} 行")
            if self.column:
                parts.append(f"「{self.column}」列")
            return "".join(parts)
        if self.sheet:
            parts.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column '{self.column}'")
        return ", ".join(parts)


class CrmXlError(Exception):
    """Base class of every error crm_xl reports to a user.

    Parameters
    ----------
    zh, en : str
        The message in Chinese and English: what is wrong and, where possible, what to do.
    sheet, row, column : optional
        Where the problem is (see :class:`Location`).
    """

    exit_code = 2

    def __init__(
        self,
        zh: str,
        en: str,
        *,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.zh = zh
        self.en = en
        self.location = Location(sheet, row, column)
        super().__init__(self.message("en"))

    def message(self, lang: str = "zh") -> str:
        """The message in ``lang`` ('zh' or 'en'), prefixed with its location."""
        text = self.zh if lang == "zh" else self.en
        where = self.location.describe(lang)
        if not where:
            return text
        return f"{where}：{text}" if lang == "zh" else f"{where}: {text}"


class InputError(CrmXlError):
    """The data the user gave cannot be used as it is (sheet, file, cell)."""


class MissingColumnsError(InputError):
    """A table lacks required columns; the message names them and what was found instead."""

    def __init__(self, zh: str, en: str, *, missing: list[str], found: list[str], sheet: str | None = None):
        self.missing = list(missing)
        self.found = list(found)
        super().__init__(zh, en, sheet=sheet)


class SettingsError(CrmXlError):
    """A setting is invalid (e.g. breakpoints not increasing)."""


class WorkbookError(CrmXlError):
    """The workbook cannot be read or written (corrupt, wrong type, too large, ...)."""


class WorkbookLockedError(WorkbookError):
    """The workbook is open in another program (usually Excel) and cannot be replaced."""


def format_error(exc: BaseException, lang: str = "zh") -> str:
    """One line for the user, whatever ``exc`` is.

    A :class:`CrmXlError` gives its own message; anything else is an internal error and
    says so, asking the user to report it (the traceback is shown only with ``--debug``).
    """
    if isinstance(exc, CrmXlError):
        return exc.message(lang)
    if lang == "zh":
        return f"crm_xl 内部错误（{type(exc).__name__}: {exc}）。请使用 --debug 重新运行并把输出发给开发者。"
    return f"Internal crm_xl error ({type(exc).__name__}: {exc}). Please re-run with --debug and report the output."
