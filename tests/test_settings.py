"""Settings (issue 4 item 1): validation with zh/en errors, and the 设置 sheet round trip."""

import datetime as dt

import pandas as pd
import pytest

from crm_xl.errors import SettingsError
from crm_xl.settings import DEFAULT_SETTINGS, AnalysisSettings, LayerRule, TagRule, settings_from_rows, settings_to_rows


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_defaults_round_trip_through_rows(lang):
    rows = settings_to_rows(DEFAULT_SETTINGS, lang)
    assert list(rows.columns) == ["name", "value", "description"]
    assert rows["name"].is_unique
    assert settings_from_rows(rows) == DEFAULT_SETTINGS


def test_edited_settings_round_trip():
    s = AnalysisSettings(
        lang="en", analysis_date=dt.date(2024, 9, 30), rfm_window_months=12, layer_mode="rules",
        recency_breakpoints_days=(15, 45, 90, 200), rfm_weights=(2.0, 1.0, 1.5),
        layer_rules=(LayerRule("high_value", recency_days_max=60, monetary_min=1e6),),
        tag_rules=(TagRule("price_sensitive", "价格敏感型", "Price-sensitive", "discount_order_share", 0.7),),
        keywords_complaint=("投诉", "差评"),
    )
    back = settings_from_rows(settings_to_rows(s))
    assert back == s


def test_lists_are_written_readably_and_descriptions_follow_lang():
    zh = settings_to_rows(lang="zh").set_index("name")
    en = settings_to_rows(lang="en").set_index("name")
    assert zh.loc["recency_breakpoints_days", "value"] == "30, 60, 90, 180"
    assert zh.loc["layer_rule.high_value.monetary_min", "value"] == 500000
    assert zh.loc["layer_rule.high_value.monetary_max", "value"] == ""  # unbounded
    assert "天" in zh.loc["recency_breakpoints_days", "description"]
    assert "days" in en.loc["recency_breakpoints_days", "description"]
    assert zh.loc["strategy.at_risk.deadline_days", "value"] == 7


def test_values_typed_by_a_user_are_accepted():
    rows = pd.DataFrame({"名称": ["analysis_date", "recency_breakpoints_days", "trend_months", "layer_rule.potential.monetary_max"],
                         "值": [pd.Timestamp("2024-09-30"), "30，60、90, 180", "12", None]})
    s = settings_from_rows(rows)
    assert s.analysis_date == dt.date(2024, 9, 30)
    assert s.recency_breakpoints_days == (30, 60, 90, 180)
    assert s.trend_months == 12
    assert s.layer_rules == (LayerRule("potential"),)  # the group given replaces the default rules


@pytest.mark.parametrize("name, value, zh_part", [
    ("trend_months", "六", "需要数字"),
    ("trend_months", "2.5", "需要整数"),
    ("recency_breakpoints_days", "30, 20, 90, 180", "严格递增"),
    ("analysis_date", "not a date", "YYYY-MM-DD"),
    ("layer_mode", "magic", "layer_mode"),
])
def test_a_bad_value_names_the_setting_and_row(name, value, zh_part):
    rows = settings_to_rows()
    pos = rows.index[rows["name"] == name][0]
    rows.loc[pos, "value"] = value
    with pytest.raises(SettingsError) as e:
        settings_from_rows(rows, sheet="设置")
    msg = e.value.message("zh")
    assert zh_part in msg and name in msg
    assert e.value.location.sheet == "设置" and e.value.location.row == pos + 2
    assert name in e.value.message("en")


@pytest.mark.parametrize("kwargs", [
    {"lang": "fr"},
    {"frequency_breakpoints": (2, 4, 6)},
    {"monetary_breakpoints": (10, 10, 20, 30)},
    {"trend_months": 0},
    {"rfm_weights": (0, 0, 0)},
    {"nps_promoter_min": 6, "nps_detractor_max": 6},
    {"score_layer_thresholds": (("high_value", 9), ("potential", 12))},
    {"layer_rules": (LayerRule("high_value", monetary_min=10, monetary_max=5),)},
    {"tag_rules": (TagRule("x", "x", "x", "no_such_metric", 1),)},
    {"churn_freq_drop": 1.5},
    {"remark_no_order_days": 200},
])
def test_invalid_settings_rejected_in_both_languages(kwargs):
    with pytest.raises(SettingsError) as e:
        AnalysisSettings(**kwargs)
    assert e.value.zh and e.value.en


def test_layer_labels_in_both_languages():
    s = AnalysisSettings()
    assert s.layer_label("high_value") == "高价值客户"
    assert s.layer_label("at_risk", "en") == "Churn risk"
    assert s.replace(lang="en").layer_label("potential") == "Potential"


def test_every_setting_has_a_row_on_the_settings_sheet():
    """A setting is declared once as a field of AnalysisSettings; the 设置 sheet writes and
    reads it from its row in settings._FIELDS (kind and zh/en description). The structured
    settings below are written by blocks of their own (layer rules, score thresholds, layer
    labels, strategies, tag rules, the data source, unknown rows kept as typed)."""
    import dataclasses

    from crm_xl import settings as s

    structured = {"layer_rules", "score_layer_thresholds", "layer_labels_zh", "layer_labels_en", "strategies",
                  "tag_rules", "source", "extra"}
    fields = {f.name for f in dataclasses.fields(s.AnalysisSettings)}
    assert fields - structured == set(s._FIELDS)


def test_a_setting_is_declared_once_with_its_row_and_check():
    """A setting is one field: setting(default, zh, en, check) gives its 设置 row and its
    check; the kind of value the row holds comes from the field's type, a Literal is checked
    against its choices. A field declared without it, or of a type no row can hold, fails
    when the module is imported (crm_xl.settings.model._declarations)."""
    import dataclasses
    from typing import Literal

    from crm_xl.settings.checks import positive, setting, structured
    from crm_xl.settings.model import _declarations

    @dataclasses.dataclass(frozen=True)
    class Demo:
        months: int = setting(3, "月数", "months", positive)
        window: int | None = setting(None, "窗口", "window")
        mode: Literal["a", "b"] = setting("a", "方式", "mode")
        words: tuple[str, ...] = setting((), "词", "words")
        cuts: tuple[float, float] = setting((1.0, 2.0), "分界", "cuts")
        rules: tuple[LayerRule, ...] = structured(())

    checks, rows = _declarations(Demo)
    assert rows == {"months": ("int", "月数", "months"), "window": ("int?", "窗口", "window"),
                    "mode": ("choice", "方式", "mode"), "words": ("strs", "词", "words"),
                    "cuts": ("floats", "分界", "cuts")}
    assert [name for name, _ in checks] == ["months", "mode"]
    check = dict(checks)
    with pytest.raises(SettingsError, match="positive"):
        check["months"]("months", 0)
    with pytest.raises(SettingsError, match="one of a, b"):
        check["mode"]("mode", "c")

    @dataclasses.dataclass(frozen=True)
    class Undeclared:
        months: int = 3

    with pytest.raises(TypeError, match="without setting"):
        _declarations(Undeclared)

    @dataclasses.dataclass(frozen=True)
    class Unreadable:
        pairs: dict[str, int] = setting(None, "对", "pairs")

    with pytest.raises(TypeError, match="cannot hold"):
        _declarations(Unreadable)


def test_the_settings_rows_are_those_of_the_declarations():
    """The 设置 sheet's rows of the scalar settings come from the field declarations, in
    field order, with the kinds the sheet used before they were derived (a sample)."""
    import dataclasses

    from crm_xl import settings as s

    declared = [f.name for f in dataclasses.fields(AnalysisSettings) if f.name in s._FIELDS]
    assert list(s._FIELDS) == declared
    assert s._FIELDS["analysis_date"][0] == "date?"
    assert s._FIELDS["recency_breakpoints_days"][0] == "ints"
    assert s._FIELDS["rfm_weights"][0] == "floats"
    assert s._FIELDS["layer_mode"][0] == "choice"
    assert s._FIELDS["currency"][0] == "str"
    assert s._FIELDS["kpi_window_months"] == ("int?", "KPI 统计期（月），如 12 = 近12个月；留空 = 全部历史",
                                              "KPI period in months (12 = last 12 months); blank = all history")


def test_churn_rate_target_marks_the_dashboard():
    """churn_rate_target (seed 000: 降低客户流失率至5%以下) is read from its 设置 row and marks
    a churn rate above it red in every 指标看板 table showing the churn rate."""
    from crm_xl.demo import generate_demo
    from crm_xl.report.build import build_report

    rows = settings_to_rows(AnalysisSettings())
    assert rows.set_index("name").loc["churn_rate_target", "value"] == 0.05
    rows.loc[rows["name"] == "churn_rate_target", "value"] = "0.2"
    s = settings_from_rows(rows)
    assert s.churn_rate_target == 0.2
    with pytest.raises(SettingsError, match="churn_rate_target"):
        AnalysisSettings(churn_rate_target=1.5)
    sheet = build_report(generate_demo(30, seed=7), s).spec.sheet("指标看板")
    marked = {b.name: b.conditional_formats for b in sheet.blocks if getattr(b, "conditional_formats", ())}
    assert sorted(marked) == ["KpiByIndustry", "KpiByOwner", "KpiByRegion", "KpiOverall"]  # not the Cx section
    (cf,) = marked["KpiOverall"]
    assert (cf.column, cf.kind, cf.value) == ("churn_rate", "formula", "=AND(ISNUMBER({col}{row}),{col}{row}>0.2)")
