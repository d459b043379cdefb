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
    "as_user_error",
    "format_error",
    "exit_code",
]

from dataclasses import dataclass

from .texts import Texts

LANGS = ("zh", "en")

TEXTS = Texts({
    # where a problem is: "工作表「订单」第 5 行「金额」列" / "sheet 'Orders', row 5, column 'Amount'"
    "sheet": ("工作表「{sheet}」", "sheet '{sheet}'"),
    "row": ("第 {row} 行", "row {row}"),
    "column": ("「{column}」列", "column '{column}'"),
    "where_sep": ("", ", "),
    "located": ("{where}：{text}", "{where}: {text}"),
    # a table without the columns a function needs
    "missing_columns": ("{table}缺少列：{missing}（现有列：{found}）", "the {table} lacks column(s): {missing} (found: {found})"),
    # an error crm_xl does not know
    "internal": ("crm_xl 内部错误（{kind}: {exc}）。请使用 --debug 重新运行并把输出发给开发者。",
                 "Internal crm_xl error ({kind}: {exc}). Please re-run with --debug and report the output."),
})


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
        t = TEXTS.lang(lang)
        parts: list[str] = []
        if self.sheet:
            parts.append(t("sheet", sheet=self.sheet))
        if self.row is not None:
            parts.append(t("row", row=self.row))
        if self.column:
            parts.append(t("column", column=self.column))
        return t.where_sep.join(parts)


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
        return TEXTS.lang(lang)("located", where=where, text=text)


class InputError(CrmXlError):
    """The data the user gave cannot be used as it is (sheet, file, cell)."""


class MissingColumnsError(InputError):
    """A table lacks required columns; the message names them and what was found instead."""

    def __init__(self, zh: str, en: str, *, missing: list[str], found: list[str], sheet: str | None = None):
        self.missing = list(missing)
        self.found = list(found)
        super().__init__(zh, en, sheet=sheet)

    @classmethod
    def check(cls, columns, need, table: tuple[str, str]) -> None:
        """Raise when any of ``need`` is not among ``columns``; ``table`` names the table
        (zh, en), e.g. ``("订单表", "orders table")``."""
        have = [str(c) for c in columns]
        missing = [str(c) for c in need if c not in columns]
        if missing:
            words = {"missing": ", ".join(missing), "found": ", ".join(have)}
            raise cls(TEXTS.lang("zh")("missing_columns", table=table[0], **words),
                      TEXTS.lang("en")("missing_columns", table=table[1], **words), missing=missing, found=have)


class SettingsError(CrmXlError):
    """A setting is invalid (e.g. breakpoints not increasing)."""


class WorkbookError(CrmXlError):
    """The workbook cannot be read or written (corrupt, wrong type, too large, ...)."""


class WorkbookLockedError(WorkbookError):
    """The workbook is open in another program (usually Excel) and cannot be replaced."""


def as_user_error(exc: BaseException) -> CrmXlError | None:
    """``exc`` as the :class:`CrmXlError` a user should see, or ``None`` for a bug.

    The one translation table from errors raised *outside* crm_xl's own code (the file
    system, the zip and XML layers, memory) into plain words; used by :func:`format_error`
    and so by the CLI, the macros and the worksheet functions alike.
    """
    import errno
    import zipfile

    if isinstance(exc, CrmXlError):
        return exc
    name = getattr(exc, "filename", None)
    where = f"「{name}」" if name else ""
    where_en = f" '{name}'" if name else ""
    if isinstance(exc, MemoryError):
        return WorkbookError("内存不足：数据太大，无法在这台电脑上处理。请关闭其他程序，或按时间范围拆分数据后重试。",
                             "Out of memory: the data is too large for this computer. Close other programs, or split the "
                             "data (e.g. by period) and try again.")
    if isinstance(exc, FileNotFoundError):
        return InputError(f"找不到文件{where}。", f"File not found{where_en}.")
    if isinstance(exc, IsADirectoryError):
        return InputError(f"{where}是一个文件夹，不是文件。", f"{where_en.strip() or 'The path'} is a folder, not a file.")
    if isinstance(exc, PermissionError):
        return WorkbookLockedError(f"没有权限访问文件{where}（可能正被其他程序打开，或文件夹不允许写入）。原文件未做任何修改。",
                                   f"No permission to access{where_en or ' the file'} (it may be open in another program, or "
                                   "the folder is read-only). The original file was not changed.")
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return WorkbookError("磁盘空间不足，无法保存。原文件未做任何修改；请清理磁盘后重试。",
                             "The disk is full, so nothing could be saved. The original file was not changed; free some "
                             "space and try again.")
    if isinstance(exc, zipfile.BadZipFile):
        return WorkbookError("工作簿文件已损坏（zip 结构错误），无法读取。", "The workbook file is damaged (bad zip structure).")
    if isinstance(exc, UnicodeDecodeError):
        return InputError("无法识别文件编码（支持 UTF-8、GBK/GB18030、UTF-16）。",
                          "Cannot detect the file's encoding (UTF-8, GBK/GB18030, UTF-16 are supported).")
    if type(exc).__module__.startswith("defusedxml"):
        return WorkbookError("工作簿包含不允许的 XML 内容（DTD 或实体定义，可能是恶意构造的文件），已拒绝处理。",
                             "The workbook contains forbidden XML (a DTD or entity definitions; possibly a malicious "
                             "file), so it was not processed.")
    return None


def format_error(exc: BaseException, lang: str = "zh") -> str:
    """The message for the user, whatever ``exc`` is: the one place every surface (CLI,
    macros, worksheet functions) turns an error into words.

    A :class:`CrmXlError` -- or an error :func:`as_user_error` knows (memory, disk full,
    permissions, damaged zip, forbidden XML) -- gives its message with sheet, row and column
    where known; anything else is an internal error and says so, asking the user to report
    it (the traceback is shown only with ``--debug``). ``lang``: "zh", "en", or "both"
    (Chinese line, then English line).
    """
    if lang == "both":
        return format_error(exc, "zh") + "\n" + format_error(exc, "en")
    user = as_user_error(exc)
    if user is not None:
        return user.message(lang)
    return TEXTS.lang(lang)("internal", kind=type(exc).__name__, exc=exc)


def exit_code(exc: BaseException) -> int:
    """The CLI's exit code for ``exc``: the error's own (2 for user errors), 1 for a bug."""
    user = as_user_error(exc)
    return user.exit_code if user is not None else 1
