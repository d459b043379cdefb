"""The 设置 sheet's rows: :func:`settings_to_rows` writes one row per value (name / value /
description; lists as ``"30, 60, 90, 180"``; rules and strategies as one row per field with a
dotted readable name such as ``layer_rule.high_value.monetary_min``) and
:func:`settings_from_rows` reads them back, raising :class:`~crm_xl.errors.SettingsError`
that names the setting (and its row) for a bad value. The scalar and list settings' rows
come from their declarations (:data:`crm_xl.settings.model._FIELDS`)."""

from __future__ import annotations

__all__ = ["settings_to_rows", "settings_from_rows"]

import datetime as dt
import math
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ..errors import SettingsError
from ..texts import Texts
from .model import _FIELDS, DEFAULT_SETTINGS, AnalysisSettings
from .rules import TAG_METRICS, LayerRule, StrategyRule, TagRule

if TYPE_CHECKING:
    import pandas as pd

# field -> kind of value (its description: TEXTS "rule_<field>", "strategy_<field>", "tag_<field>")
_RULE_FIELDS = {"recency_days_min": "int?", "recency_days_max": "int?", "frequency_min": "float?",
                "frequency_max": "float?", "monetary_min": "float?", "monetary_max": "float?"}
_STRATEGY_FIELDS = {"owner_role_zh": "str", "owner_role_en": "str", "action_zh": "str", "action_en": "str",
                    "deadline_days": "int"}
_TAG_FIELDS = {"label_zh": "str", "label_en": "str", "metric": "str", "min_value": "float"}

TEXTS = Texts({
    # the fields of a layer rule, a strategy, a tag rule
    "rule_recency_days_min": ("最近购买天数下限（含）", "recency days, minimum (inclusive)"),
    "rule_recency_days_max": ("最近购买天数上限（含）", "recency days, maximum (inclusive)"),
    "rule_frequency_min": ("年度购买频次下限（含）", "purchases per year, minimum (inclusive)"),
    "rule_frequency_max": ("年度购买频次上限（含）", "purchases per year, maximum (inclusive)"),
    "rule_monetary_min": ("年度金额下限（元，含）", "amount per year (CNY), minimum (inclusive)"),
    "rule_monetary_max": ("年度金额上限（元，含）", "amount per year (CNY), maximum (inclusive)"),
    "strategy_owner_role_zh": ("负责人角色（中文）", "owner role (Chinese)"),
    "strategy_owner_role_en": ("负责人角色（英文）", "owner role (English)"),
    "strategy_action_zh": ("策略动作（中文）", "action (Chinese)"),
    "strategy_action_en": ("策略动作（英文）", "action (English)"),
    "strategy_deadline_days": ("完成期限（天）", "deadline (days)"),
    "tag_label_zh": ("标签名称（中文）", "tag label (Chinese)"),
    "tag_label_en": ("标签名称（英文）", "tag label (English)"),
    "tag_metric": ("判断指标（{metrics}）", "metric ({metrics})"),
    "tag_min_value": ("指标 ≥ 该值时打标签", "tag fires when the metric >= this"),
    # the descriptions of the rows
    "score_layer": ("按总分分层：{label} 的最低 RFM 总分（自上而下判断）",
                    "score mode: minimum RFM total for '{label}' (checked top-down)"),
    "layer_label_zh": ("客户层级名称（中文）", "layer name (Chinese)"),
    "layer_label_en": ("客户层级名称（英文）", "layer name (English)"),
    "layer_rule": ("规则分层「{label}」：{what}；留空 = 不限", "rule '{label}': {what}; blank = unbounded"),
    "tag_key": ("标签规则：标签编号（同编号的规则任一满足即打标签）",
                "tag rule: tag key (rules sharing a key fire the tag when any fires)"),
    "tag_rule": ("标签规则「{label}」：{what}", "tag rule '{label}': {what}"),
    "strategy": ("「{label}」策略：{what}", "strategy for '{label}': {what}"),
    "extra": ("（未识别的设置，原样保留）", "(unrecognised setting, kept as is)"),
    # the data source's rows
    "source_url": ("数据源：运行 crm-xl report 本工作簿 时从这里重新读取数据（不含密码：密码来自系统密钥环，即 "
                   "crm-xl password 地址，或数据库自己的设置，如 PostgreSQL 的 PGPASSWORD、~/.pgpass）；清空则改用工作簿中的数据表",
                   "Data source: `crm-xl report BOOK` reads the data from here again (no password: it comes from the "
                   "system keyring, crm-xl password URL, or the engine's own settings such as PostgreSQL's PGPASSWORD "
                   "or ~/.pgpass); clear it to use the workbook's data sheets"),
    "source_table": ("数据源中各类数据所在的表（数据表=表名，逗号分隔）",
                     "Tables of the source holding each kind of data (TABLE=NAME, comma separated)"),
    "source_query": ("从数据源读取「{table}」的查询（SQL）", "Query (SQL) that reads '{table}' from the source"),
    "source_snapshot": ("上次从数据源读取数据的时间", "When the data was last read from the source"),
    "source_sheet_rows": ("新工作簿的数据表最多复制数据源的多少行；更大的表只复制这么多行作为样例（分析仍用全部数据）",
                          "Most rows of a source table copied into a new workbook's data sheet; a larger table gets "
                          "that many as a sample (the analysis still uses every row)"),
})
_METRICS = ", ".join(TAG_METRICS)


def _fmt(kind: str, value):
    if value is None:
        return ""
    if kind in ("ints", "floats", "strs"):
        return ", ".join(_num_text(v) if kind != "strs" else str(v) for v in value)
    if kind == "date?":
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _num_text(v) -> str:
    f = float(v)
    return str(int(f)) if f.is_integer() else repr(f)


def settings_to_rows(settings: AnalysisSettings | None = None, lang: str | None = None) -> "pd.DataFrame":
    """The settings as the 设置 sheet's rows: columns ``name``, ``value``, ``description``.

    Parameters
    ----------
    settings : AnalysisSettings, optional
        Defaults to :data:`DEFAULT_SETTINGS`.
    lang : {'zh', 'en'}, optional
        Language of the descriptions (default ``settings.lang``).

    Returns
    -------
    pandas.DataFrame
        One row per value. Lists are written as ``"30, 60, 90, 180"``; layer thresholds,
        labels, rules, tag rules and strategies as one row per field with a dotted name
        (``score_layer.high_value``, ``layer_label_zh.high_value``,
        ``layer_rule.high_value.monetary_min``, ``tag_rule.1.metric``,
        ``strategy.at_risk.deadline_days``). A blank value means "none / unbounded".
    """
    import pandas as pd

    s = settings or DEFAULT_SETTINGS
    t = TEXTS.lang(lang or s.lang)
    zh = t.zh  # (the settings declare their descriptions in both languages)
    rows: list[tuple[str, object, str]] = []
    for name, (kind, dzh, den) in _FIELDS.items():
        rows.append((name, _fmt(kind, getattr(s, name)), dzh if zh else den))
    for key, minimum in s.score_layer_thresholds:
        rows.append((f"score_layer.{key}", _fmt("float", float(minimum)),
                     t("score_layer", label=s.layer_label(key, t.lang))))
    for key, text in s.layer_labels_zh:
        rows.append((f"layer_label_zh.{key}", text, t.layer_label_zh))
    for key, text in s.layer_labels_en:
        rows.append((f"layer_label_en.{key}", text, t.layer_label_en))
    for r in s.layer_rules:
        lab = s.layer_label(r.layer, t.lang)
        for f, kind in _RULE_FIELDS.items():
            rows.append((f"layer_rule.{r.layer}.{f}", _fmt(kind, getattr(r, f)),
                         t("layer_rule", label=lab, what=t("rule_" + f))))
    for i, tr in enumerate(s.tag_rules, 1):
        rows.append((f"tag_rule.{i}.tag", tr.tag, t.tag_key))
        for f, kind in _TAG_FIELDS.items():
            rows.append((f"tag_rule.{i}.{f}", _fmt(kind, getattr(tr, f)),
                         t("tag_rule", label=tr.label_zh if zh else tr.label_en, what=t("tag_" + f, metrics=_METRICS))))
    for st in s.strategies:
        lab = s.layer_label(st.layer, t.lang)
        for f, kind in _STRATEGY_FIELDS.items():
            rows.append((f"strategy.{st.layer}.{f}", _fmt(kind, getattr(st, f)),
                         t("strategy", label=lab, what=t("strategy_" + f))))
    for k, v in s.source:
        rows.append((f"source.{k}", v, _source_description(k, t.lang)))
    for k, v in s.extra:
        rows.append((k, v, t.extra))
    return pd.DataFrame(rows, columns=["name", "value", "description"]).astype({"value": object})


def _source_description(key: str, lang: str) -> str:
    t = TEXTS.lang(lang)
    if key in ("url", "table", "snapshot", "sheet_rows"):
        return t("source_" + key)
    if key.startswith("query."):
        return t("source_query", table=key.split(".", 1)[1])
    return ""


_NAME_COLS = ("name", "名称", "设置项", "参数", "setting")
_VALUE_COLS = ("value", "值", "取值", "设置值")


def _blank(v) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    try:
        import pandas as pd

        if v is pd.NaT or v is pd.NA:
            return True
    except ImportError:  # pragma: no cover
        pass
    return isinstance(v, str) and not v.strip()


def _parse(kind: str, v, name: str, row: int | None, sheet: str | None):
    def bad(zh_what: str, en_what: str):
        return SettingsError(f"设置「{name}」的值 {v!r} 无效：{zh_what}", f"setting '{name}': invalid value {v!r}: {en_what}",
                             sheet=sheet, row=row, column=name)

    optional = kind.endswith("?")
    base = kind.rstrip("?")
    if _blank(v):
        if optional:
            return None
        if base == "strs":
            return ()
        raise bad("不能为空", "must not be blank")
    if base in ("int", "float"):
        if isinstance(v, bool):
            raise bad("需要数字", "a number is needed")
        try:
            f = float(str(v).replace(",", "").replace("，", "").strip()) if isinstance(v, str) else float(v)
        except (TypeError, ValueError):
            raise bad("需要数字", "a number is needed") from None
        if not math.isfinite(f):
            raise bad("需要有限的数字", "a finite number is needed")
        if base == "int":
            if not f.is_integer():
                raise bad("需要整数", "a whole number is needed")
            return int(f)
        return f
    if base == "date":
        import pandas as pd

        if isinstance(v, dt.datetime):
            return v.date()
        if isinstance(v, dt.date):
            return v
        try:
            ts = pd.Timestamp(str(v).strip())
        except (ValueError, TypeError):
            raise bad("需要 YYYY-MM-DD 格式的日期", "a date like YYYY-MM-DD is needed") from None
        if ts is pd.NaT:
            raise bad("需要 YYYY-MM-DD 格式的日期", "a date like YYYY-MM-DD is needed")
        return ts.date()
    if base in ("ints", "floats", "strs"):
        parts = [p.strip() for p in str(v).replace("，", ",").replace("、", ",").replace(";", ",").split(",")]
        parts = [p for p in parts if p]
        if base == "strs":
            return tuple(parts)
        out = []
        for p in parts:
            try:
                f = float(p)
            except ValueError:
                raise bad("需要用逗号分隔的数字，如 30, 60, 90, 180", "comma-separated numbers are needed, e.g. 30, 60, 90, 180") from None
            if base == "ints":
                if not f.is_integer():
                    raise bad("需要整数", "whole numbers are needed")
                f = int(f)
            out.append(f)
        return tuple(out)
    # str / choice
    return str(v).strip()


def settings_from_rows(rows: "pd.DataFrame", *, base: AnalysisSettings | None = None,
                       sheet: str | None = None, header_row: int = 1) -> AnalysisSettings:
    """Read the 设置 sheet's rows back into :class:`AnalysisSettings`.

    Parameters
    ----------
    rows : pandas.DataFrame
        Columns ``name`` and ``value`` (or 名称/设置项 and 值/取值); other columns such as the
        description are ignored. Row ``i`` of the frame is Excel row ``i + 2`` (below the header).
    base : AnalysisSettings, optional
        Values not present in ``rows`` are taken from here (default: the seed defaults).
        Groups (layer rules, tag rules, strategies, score layers, labels) present in
        ``rows`` replace the base's group entirely, in the order of the rows.
    sheet : str, optional
        Sheet name for error messages.
    header_row : int
        Excel row of the header above ``rows`` (row ``i`` of the frame is Excel row
        ``header_row + 1 + i``), for error messages.

    Raises
    ------
    SettingsError
        A value cannot be parsed or the resulting settings are invalid; the message names
        the setting (and row).
    """

    base = base or DEFAULT_SETTINGS
    name_col, value_col = _name_value_columns(rows, sheet)
    got = _Collected(sheet)
    for pos, (name, value) in enumerate(zip(rows[name_col].tolist(), rows[value_col].tolist(), strict=True)):
        if not _blank(name):
            got.add(str(name).strip(), value, pos + header_row + 1)
    return _replace_naming_the_row(base, got.changes(base), got.field_rows, sheet)


def _name_value_columns(rows: "pd.DataFrame", sheet: str | None) -> tuple:
    cols = {str(c).strip().lower(): c for c in rows.columns}
    name_col = next((cols[c] for c in _NAME_COLS if c in cols), None)
    value_col = next((cols[c] for c in _VALUE_COLS if c in cols), None)
    if name_col is None or value_col is None:
        raise SettingsError("设置表需要「名称」和「值」两列", "the settings sheet needs 'name' and 'value' columns", sheet=sheet)
    return name_col, value_col


class _Collected:
    """The 设置 sheet's rows, parsed and sorted by what they set: the scalar and list
    settings, and the blocks of rows (score layers, labels, layer rules, tag rules,
    strategies, the data source, unknown rows kept as typed)."""

    def __init__(self, sheet: str | None) -> None:
        self.sheet = sheet
        self.values: dict[str, Any] = {}  # parsed from text; AnalysisSettings checks them
        self.field_rows: dict[str, int] = {}
        self.score_layers: list[tuple[str, float]] = []
        self.labels: dict[str, dict[str, str]] = {"zh": {}, "en": {}}
        self.rules: dict[str, dict] = {}
        self.tags: dict[str, dict] = {}
        self.strategies: dict[str, dict] = {}
        self.extra: list[tuple[str, str]] = []
        self.source: list[tuple[str, str]] = []

    def add(self, name: str, value, row: int) -> None:
        parse = (lambda kind: _parse(kind, value, name, row, self.sheet))
        parts = name.split(".")
        head, n = parts[0], len(parts)
        if name in _FIELDS:
            self.values[name] = parse(_FIELDS[name][0])
            self.field_rows[name] = row
        elif head == "score_layer" and n == 2:
            self.score_layers.append((parts[1], parse("float")))
        elif head in ("layer_label_zh", "layer_label_en") and n == 2:
            self.labels[head[-2:]][parts[1]] = parse("str")
        elif head == "layer_rule" and n == 3 and parts[2] in _RULE_FIELDS:
            self.rules.setdefault(parts[1], {})[parts[2]] = parse(_RULE_FIELDS[parts[2]])
        elif head == "tag_rule" and n == 3 and (parts[2] in _TAG_FIELDS or parts[2] == "tag"):
            kind = "str" if parts[2] == "tag" else _TAG_FIELDS[parts[2]]
            self.tags.setdefault(parts[1], {})[parts[2]] = parse(kind)
        elif head == "source" and n >= 2:
            self.source.append((name.split(".", 1)[1], "" if _blank(value) else str(value).strip()))
        elif head == "strategy" and n == 3 and parts[2] in _STRATEGY_FIELDS:
            self.strategies.setdefault(parts[1], {})[parts[2]] = parse(_STRATEGY_FIELDS[parts[2]])
        else:
            self.extra.append((name, "" if _blank(value) else str(value)))

    def changes(self, base: AnalysisSettings) -> dict[str, Any]:
        """What the rows change in ``base``: each block present replaces the base's."""
        changes = dict(self.values)
        if self.score_layers:
            changes["score_layer_thresholds"] = tuple(self.score_layers)
        for lang in ("zh", "en"):
            if self.labels[lang]:
                merged = dict(getattr(base, f"layer_labels_{lang}"))
                merged.update(self.labels[lang])
                changes[f"layer_labels_{lang}"] = tuple(merged.items())
        if self.rules:
            changes["layer_rules"] = tuple(LayerRule(layer, **dict(f.items())) for layer, f in self.rules.items())
        if self.tags:
            changes["tag_rules"] = self._tag_rules()
        if self.strategies:
            changes["strategies"] = self._strategies(base)
        if self.extra:
            changes["extra"] = tuple(self.extra)
        if self.source:
            changes["source"] = tuple(self.source)
        return changes

    def _tag_rules(self) -> tuple[TagRule, ...]:
        out = []
        for key, f in self.tags.items():
            missing = [k for k in ("tag", *_TAG_FIELDS) if k not in f]
            if missing:
                raise SettingsError(f"标签规则 tag_rule.{key} 缺少：{', '.join(missing)}",
                                    f"tag rule tag_rule.{key} lacks: {', '.join(missing)}", sheet=self.sheet)
            out.append(TagRule(**f))
        return tuple(out)

    def _strategies(self, base: AnalysisSettings) -> tuple[StrategyRule, ...]:
        out = []
        for layer, f in self.strategies.items():
            old = base.strategy_for(layer)
            merged = {k: getattr(old, k) for k in _STRATEGY_FIELDS} if old else {}
            merged.update(f)
            missing = [k for k in _STRATEGY_FIELDS if k not in merged]
            if missing:
                raise SettingsError(f"策略 strategy.{layer} 缺少：{', '.join(missing)}",
                                    f"strategy strategy.{layer} lacks: {', '.join(missing)}", sheet=self.sheet)
            out.append(StrategyRule(layer, **merged))
        return tuple(out)


def _replace_naming_the_row(base: AnalysisSettings, changes: dict[str, Any], field_rows: dict[str, int],
                            sheet: str | None) -> AnalysisSettings:
    """``base`` with ``changes``; an invalid value's error names its row."""
    try:
        return replace(base, **changes)
    except SettingsError as e:
        # name the row of the first single value that is invalid on its own
        for name, row in field_rows.items():
            try:
                replace(base, **{name: changes[name]})
            except SettingsError as one:
                raise SettingsError(one.zh, one.en, sheet=sheet, row=row, column=name) from None
        raise SettingsError(e.zh, e.en, sheet=sheet) from None
    except (TypeError, ValueError) as e:  # e.g. a tuple of the wrong length
        raise SettingsError(f"设置无效：{e}", f"invalid settings: {e}", sheet=sheet) from None
