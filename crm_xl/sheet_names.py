"""Names of the report sheets, zh and en, in workbook order: one registry for both renderers,
the CLI, the macros and the tests; and of the workbook's other sheets crm_xl writes (the
控制台 console).

Each name is one text per language of :data:`crm_xl.texts.LANGUAGES`, in that order."""

from __future__ import annotations

__all__ = ["REPORT_SHEETS", "OTHER_SHEETS", "sheet_name", "report_sheet_names"]

from .texts import LANGUAGES, language_index

# key -> (zh, en); the order is the workbook order of the report part.
REPORT_SHEETS: dict[str, tuple[str, str]] = {
    "guide": ("说明", "Guide"),
    "goals": ("分析目标", "Goals"),
    "settings": ("设置", "Settings"),
    "mapping": ("字段映射", "Field Mapping"),
    "rfm": ("RFM分层表", "RFM Layers"),
    "tags": ("客户标签", "Customer Tags"),
    "kpis": ("指标看板", "KPI Dashboard"),
    "churn": ("流失预警", "Churn Warning"),
    "diagnosis": ("问题诊断", "Diagnosis"),
    "strategy": ("客户策略执行表", "Strategy Execution"),
    "effect": ("效果跟踪", "Effect Tracking"),
    "target_review": ("销售目标复盘", "Target Review"),
    "campaign_review": ("活动评估", "Campaign Review"),
    "activation": ("新客户激活", "Activation"),
    "key_accounts": ("重点客户画像", "Key Accounts"),
    "clv": ("客户价值预测", "CLV Forecast"),
    "charts": ("图表", "Charts"),
    "conclusions": ("结论与建议", "Conclusions"),
    "log": ("清洗日志", "Cleaning Log"),
    "udfs": ("函数示例", "Function Examples"),  # in the template workbook only (crm_xl.report.udf_sheet)
}

# key -> (zh, en): sheets that are not report sheets (not replaced by a report run, never read as data)
OTHER_SHEETS: dict[str, tuple[str, str]] = {
    "console": ("控制台", "Console"),  # crm_xl.report.console_sheet, read by the macros
}

assert all(len(names) == len(LANGUAGES) for names in (*REPORT_SHEETS.values(), *OTHER_SHEETS.values()))


def sheet_name(key: str, lang: str = "zh") -> str:
    """The sheet name of report sheet ``key`` (or of :data:`OTHER_SHEETS`) in ``lang``."""
    names = REPORT_SHEETS[key] if key in REPORT_SHEETS else OTHER_SHEETS[key]
    return names[language_index(lang)]


def report_sheet_names(lang: str = "zh") -> tuple[str, ...]:
    return tuple(sheet_name(k, lang) for k in REPORT_SHEETS)
