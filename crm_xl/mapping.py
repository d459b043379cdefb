"""Column mappings you can see and correct.

Every input source (a CSV file, a sheet of a workbook) gets a table (订单, 客户, ...) and a
column mapping (which of its headers is 订单编号, 客户, 金额, ...). Both are detected
automatically (:func:`crm_xl.schema.map_headers`), shown to the user (console, and the
字段映射 sheet of the report) and can be corrected:

* on the command line: ``--map orders.csv:close_value=金额`` (a header to a field; several
  pairs separated by commas; ``=-`` or ``=忽略`` leaves a column out) and
  ``--table orders=FILE`` (what a file holds; ``--table skip=FILE`` leaves it out);
* in the workbook: the 字段映射 sheet, whose 数据表 and 对应字段 cells a refresh reads back
  (:func:`overrides_from_rows`), like 设置.

Fields and tables may be named in either language or by key (金额, Amount, amount). This
module is plain Python (no pandas), below ``io`` and ``report``.
"""

from __future__ import annotations

__all__ = ["SourceMapping", "MappingOverrides", "sample_texts", "resolve_table", "resolve_field", "apply_overrides",
           "parse_map_option", "parse_table_option", "overrides_from_rows", "MAPPING_HEADERS", "IGNORED"]

from dataclasses import dataclass, field

from .errors import InputError
from .schema import TABLES, Table, normalize_header
from .texts import Texts, language_index

# what a user types to leave a column or a file out
IGNORED = ("-", "—", "忽略", "不使用", "（不使用）", "(not used)", "not used", "ignore", "skip", "none", "无")
_IGNORED = {normalize_header(x) for x in IGNORED} | {""}

# the 字段映射 sheet's columns: key -> (zh, en)
MAPPING_HEADERS = {
    "source": ("来源", "Source"),
    "file": ("原文件", "File"),
    "table": ("数据表", "Table"),
    "header": ("原表头", "Header"),
    "field": ("对应字段", "Field"),
    "origin": ("识别方式", "Set by"),
    "sample": ("示例值", "Example"),
}
TEXTS = Texts({
    # how a source's column was mapped (the 字段映射 sheet's 来源 column)
    "origin_auto": ("自动识别", "detected"),
    "origin_manual": ("手动指定", "set by you"),
    "origin_skipped": ("未识别，已跳过", "not recognised, skipped"),
    # a skipped source, an unused column
    "skipped": ("已跳过（{why}）", "skipped ({why})"),
    "skip": ("忽略", "skip"),
    "not_used": ("（不使用）", "(not used)"),
})


def _sample(v) -> str:
    import datetime as dt

    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d") if (v.hour, v.minute, v.second) == (0, 0, 0) else v.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)[:40]


def sample_texts(columns) -> list[str]:
    """The first non-empty value of each column (a sequence of value sequences), as the
    字段映射 sheet shows it: dates as YYYY-MM-DD, whole numbers without ".0", at most 40
    characters."""
    out = []
    for values in columns:
        first = next((v for v in values if v is not None and v == v and v != ""), None)
        out.append("" if first is None else _sample(first))
    return out


def resolve_table(text: str) -> str | None:
    """The table key a name refers to (订单, Orders, orders, 订单明细, ...); None for an
    "ignore" word. Raises InputError for an unknown name."""
    n = normalize_header(text)
    if n in _IGNORED:
        return None
    for t in TABLES.values():
        if n in {normalize_header(x) for x in (t.key, t.zh, t.en, *t.sheet_synonyms)}:
            return t.key
    names = "、".join(t.zh for t in TABLES.values())
    names_en = ", ".join(f"{t.key} ({t.en})" for t in TABLES.values())
    raise InputError(f"不认识的数据表「{text}」。可用：{names}，或 忽略。",
                     f"unknown table '{text}'. Use one of: {names_en}, or skip.")


def resolve_field(text: str, table: Table) -> str | None:
    """The column key of ``table`` a field name refers to (金额, Amount, amount, or a known
    header synonym); None for an "ignore" word. Raises InputError naming the fields."""
    n = normalize_header(text)
    if n in _IGNORED:
        return None
    for col in table.recognised:
        if n in {normalize_header(x) for x in (col.key, col.zh, col.en)}:
            return col.key
    for col in table.recognised:
        if n in {normalize_header(x) for x in col.synonyms}:
            return col.key
    zh = "、".join(c.zh for c in table.recognised)
    en = ", ".join(c.en for c in table.recognised)
    raise InputError(f"{table.zh}中没有字段「{text}」。可用字段：{zh}，或 忽略。",
                     f"{table.en} has no field '{text}'. Fields: {en}, or ignore.")


@dataclass
class SourceMapping:
    """How one source was read: its table and which header became which field."""

    source: str  # the name the user knows it by: a file name, or a sheet name
    file: str = ""  # the file it came from ("" for a sheet of the workbook being refreshed)
    table: str | None = None  # table key; None = skipped
    headers: list[str] = field(default_factory=list)
    columns: dict[int, str] = field(default_factory=dict)  # header position -> column key
    manual: set[int] = field(default_factory=set)  # positions the user set (CLI or 字段映射)
    table_manual: bool = False
    header_row: int = 1
    samples: list[str] = field(default_factory=list)  # first value under each header, as text
    note: tuple[str, str] | None = None  # zh/en: why skipped

    @classmethod
    def of_frame(cls, source: str, file: str, table: str, frame, columns: dict[int, str], **kw) -> "SourceMapping":
        """How ``frame`` (the source's rows under its header) was read: its headers, the
        mapping ``columns`` and an example value per column."""
        headers = [str(c) for c in frame.columns]
        samples = sample_texts(frame.iloc[:200, j].tolist() for j in range(len(headers)))
        return cls(source, file, table, headers=headers, columns=dict(columns), samples=samples, **kw)

    def describe(self, lang: str = "zh") -> str:
        """``sales_pipeline.csv → 订单: opportunity_id→订单编号, account→客户名称, ...``"""
        if self.table is None:
            why = self.note[language_index(lang)] if self.note else ""
            return f"{self.source} → " + TEXTS.lang(lang)("skipped", why=why)
        t = TABLES[self.table]
        pairs = [f"{self.headers[i]}→{t.column(k).label(lang)}" for i, k in sorted(self.columns.items())]
        return f"{self.source} → {t.sheet_name(lang)}: " + ", ".join(pairs)

    def rows(self, lang: str = "zh") -> list[dict[str, str]]:
        """The 字段映射 sheet's rows for this source (one per header; one for a skipped source)."""
        tx = TEXTS.lang(lang)
        if self.table is None:
            return [{"source": self.source, "file": self.file, "table": tx.skip, "header": "",
                     "field": "", "origin": tx.origin_skipped, "sample": ""}]
        t = TABLES[self.table]
        out = []
        for i, h in enumerate(self.headers):
            key = self.columns.get(i)
            manual = i in self.manual or (self.table_manual and i == 0)
            out.append({"source": self.source, "file": self.file, "table": t.sheet_name(lang), "header": h,
                        "field": t.column(key).label(lang) if key else tx.not_used,
                        "origin": tx.origin_manual if manual else tx.origin_auto,
                        "sample": self.samples[i] if i < len(self.samples) else ""})
        return out


def _norm_source(name: str) -> str:
    return str(name).strip().lower().replace("\\", "/").rsplit("/", 1)[-1]


@dataclass
class MappingOverrides:
    """Corrections to the detected tables and columns, by source name.

    ``tables``: source -> table key (None = skip the source); ``columns``: source ->
    {header -> field text (resolved against the source's table when it is read), None =
    not used}. Source names compare without case and folders; "*" means every source.
    """

    tables: dict[str, str | None] = field(default_factory=dict)
    columns: dict[str, dict[str, str | None]] = field(default_factory=dict)
    where: dict[tuple[str, str], tuple[str | None, int | None]] = field(default_factory=dict)  # for messages

    def __bool__(self) -> bool:
        return bool(self.tables or self.columns)

    def merged(self, other: "MappingOverrides") -> "MappingOverrides":
        """These overrides with ``other``'s on top (``other`` wins)."""
        cols = {k: dict(v) for k, v in self.columns.items()}
        for k, v in other.columns.items():
            cols.setdefault(k, {}).update(v)
        return MappingOverrides({**self.tables, **other.tables}, cols, {**self.where, **other.where})

    def table_for(self, names: "list[str]") -> tuple[bool, str | None]:
        """(given?, table key or None) for a source known by any of ``names``."""
        for n in names:
            k = _norm_source(n)
            if k in self.tables:
                return True, self.tables[k]
        return False, None

    def columns_for(self, names: "list[str]") -> dict[str, str | None]:
        """Header -> field text for a source known by any of ``names`` ("*" entries first)."""
        out = dict(self.columns.get("*", {}))
        for n in names:
            out.update(self.columns.get(_norm_source(n), {}))
        return out


def apply_overrides(headers: "list[str]", table: Table, detected: dict[int, str],
                    corrections: dict[str, str | None]) -> tuple[dict[int, str], set[int]]:
    """The detected mapping with the user's corrections: (position -> key, positions the
    corrections changed). A field given to one header is taken from any other; a
    correction for a header the source does not have is ignored (another file's, or an old
    one); a field name no column has is an error naming the fields."""
    columns = dict(detected)
    manual: set[int] = set()
    by_norm = {normalize_header(h): i for i, h in reversed(list(enumerate(headers)))}
    exact = {h.strip(): i for i, h in reversed(list(enumerate(headers)))}
    for header, text in corrections.items():
        i = exact.get(str(header).strip(), by_norm.get(normalize_header(header)))
        if i is None:
            continue  # a correction for a column this source does not have (another file's, or an old one)
        key = resolve_field(text, table) if text is not None else None
        if columns.get(i) == key and (key is None or list(columns.values()).count(key) == 1):
            continue  # the correction says what detection found (a 字段映射 row read back unchanged)
        if key is not None:
            for j, k in list(columns.items()):
                if k == key and j != i:
                    del columns[j]
            columns[i] = key
        else:
            columns.pop(i, None)
        manual.add(i)
    return columns, manual


def parse_map_option(values: "list[str]") -> MappingOverrides:
    """``--map`` values: ``SOURCE:HEADER=FIELD[,HEADER=FIELD...]`` (``HEADER=FIELD`` alone
    applies to every source)."""
    cols: dict[str, dict[str, str | None]] = {}
    for value in values:
        source = "*"
        for k, part in enumerate(str(value).split(",")):
            part = part.strip()
            if not part:
                continue
            if "=" not in part:
                raise InputError(f"--map 的写法是 文件:原表头=字段，例如 orders.csv:close_value=金额；无法理解「{part}」",
                                 f"--map takes FILE:HEADER=FIELD, e.g. orders.csv:close_value=Amount; cannot read '{part}'")
            left, right = part.split("=", 1)
            if ":" in left and (k == 0 or source == "*"):
                source, left = left.rsplit(":", 1)
            right = right.strip()
            cols.setdefault(_norm_source(source) if source != "*" else "*", {})[left.strip()] = (
                None if normalize_header(right) in _IGNORED else right)
    return MappingOverrides(columns=cols)


def parse_table_option(values: "list[str]") -> MappingOverrides:
    """``--table`` values: ``TABLE=FILE`` (or ``FILE=TABLE``); TABLE ``skip`` leaves a file out."""
    tables: dict[str, str | None] = {}
    for value in values:
        if "=" not in value:
            raise InputError(f"--table 的写法是 数据表=文件，例如 orders=sales_pipeline.csv；无法理解「{value}」",
                             f"--table takes TABLE=FILE, e.g. orders=sales_pipeline.csv; cannot read '{value}'")
        a, b = (x.strip() for x in value.split("=", 1))
        try:
            tables[_norm_source(b)] = resolve_table(a)
        except InputError:
            tables[_norm_source(a)] = resolve_table(b)
    return MappingOverrides(tables=tables)


def overrides_from_rows(rows: "list[list[object]]", *, sheet: str) -> MappingOverrides:
    """The 字段映射 sheet read back: a header row with 来源 / 原表头 / 对应字段 (and 数据表)
    in either language, then one row per source column. Rows whose 数据表 says 忽略 skip
    their source."""
    def norm(v) -> str:
        return "" if v is None else str(v).strip()

    want = {k: {normalize_header(z), normalize_header(e)} for k, (z, e) in MAPPING_HEADERS.items()}
    for r, row in enumerate(rows[:20]):  # noqa: B007 - r, the header row found, is read after the loop
        pos = {}
        for j, v in enumerate(row):
            n = normalize_header(norm(v))
            for k, names in want.items():
                if n in names and k not in pos:
                    pos[k] = j
        if {"source", "header", "field"} <= set(pos):
            break
    else:
        return MappingOverrides()

    def cell(row, key: str) -> str:
        return norm(row[pos[key]]) if key in pos and pos[key] < len(row) else ""

    tables: dict[str, str | None] = {}
    cols: dict[str, dict[str, str | None]] = {}
    where: dict[tuple[str, str], tuple[str | None, int | None]] = {}
    for k, row in enumerate(rows[r + 1:], start=r + 2):
        if not any(norm(v) for v in row):
            break  # the end of the mapping table (the list of known fields follows)
        source = cell(row, "source")
        if not source:
            continue
        src = _norm_source(source)
        table_text = cell(row, "table")
        if table_text:
            try:
                tables[src] = resolve_table(table_text)
            except InputError as e:
                raise InputError(e.zh, e.en, sheet=sheet, row=k, column=MAPPING_HEADERS["table"][0]) from None
        header = cell(row, "header")
        if header:
            field_text = cell(row, "field")
            cols.setdefault(src, {})[header] = None if normalize_header(field_text) in _IGNORED else field_text
            where[(src, header)] = (sheet, k)
    return MappingOverrides(tables=tables, columns=cols, where=where)
