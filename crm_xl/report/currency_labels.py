"""Amounts labelled in the data's currency.

The sheet builders write the seed's unit (``(元)`` / ``(CNY)``); :func:`with_currency`
rewrites those labels on a finished :class:`~crm_xl.report.spec.ReportSpec` when the data's
currency is another (``settings.currency``, or what :mod:`crm_xl.core.currency` found in
the export): column headers, chart titles and axes, notes, the report's own sentences.
Data sheets and the cleaning log (the user's own texts) are never touched. Amounts are
not converted.
"""

from __future__ import annotations

__all__ = ["resolve_currency", "with_currency"]

import re
from collections import Counter
from dataclasses import replace

import pandas as pd

from ..core.cleanlog import Note
from ..core.currency import DEFAULT_CURRENCY, currency_code, currency_label
from ..settings import AnalysisSettings
from .spec import ReportSpec, TableBlock, TextBlock


def resolve_currency(settings: AnalysisSettings, found: Counter,
                     other_headers: "list[str] | tuple[str, ...]" = (),
                     source: str = "") -> tuple[str, list[Note]]:
    """(ISO code or the user's text, notes): the setting when it names a currency, else the
    one found most in the data, else CNY.
    Several currencies in one export are noted (amounts are not converted), naming a
    converted-amount column among ``other_headers`` (the export's unmapped columns) to use
    instead where there is one."""
    notes: list[Note] = []
    code = currency_code(settings.currency)
    raw = None if settings.currency.strip().lower() == "auto" else settings.currency.strip()
    found = Counter({k: v for k, v in found.items() if v > 0})
    if code is None and raw is None and found:
        code = found.most_common(1)[0][0]
        if code != DEFAULT_CURRENCY:
            notes.append(Note(f"金额的货币按数据识别为 {currency_label(code, 'zh')}（{code}）；如有误，请在设置 currency 中指定。",
                          f"amounts are in {code} (found in the data); if not, set currency in Settings."))
    if len(found) > 1 and code is None and raw is None or len(found) > 1 and code == found.most_common(1)[0][0]:
        listed = ", ".join(f"{k}" for k, _ in found.most_common())
        conv = [h for h in other_headers if re.search(r"convert|本位币|折算|本币|settle", str(h), re.IGNORECASE)]
        amount_col = [h for h in conv if not re.search(r"currency|币种|货币", str(h), re.IGNORECASE)]
        cur_col = [h for h in conv if re.search(r"currency|币种|货币", str(h), re.IGNORECASE)]
        if amount_col:
            pair = f"{amount_col[0]}=金额" + (f",{cur_col[0]}=币种" if cur_col else "")
            pair_en = f"{amount_col[0]}=Amount" + (f",{cur_col[0]}=Currency" if cur_col else "")
            src = source or "文件"
            fix_zh = f"这份导出有已换算的金额列「{amount_col[0]}」：请用 --map \"{src}:{pair}\"（或在「字段映射」中改）改用它。"
            fix_en = f"the export has a converted amount column '{amount_col[0]}': use it with --map \"{source or 'FILE'}:{pair_en}\" " \
                     "(or in the Field Mapping sheet)."
        else:
            fix_zh, fix_en = "请按货币拆分导出，或先换算为同一货币。", "Export one currency at a time, or convert first."
        notes.append(Note(f"注意：金额中有多种货币（{listed}），crm_xl 不做汇率换算，合计与评分会把它们直接相加。" + fix_zh,
                      f"WARNING: the amounts are in several currencies ({listed}); crm_xl does not convert them, so "
                      "totals and scores would add them as they are. " + fix_en, warning=True))
    return code or raw or DEFAULT_CURRENCY, notes


_HEAD_ZH = re.compile(r"([(（，,]\s*)元(\s*[)）])")
_HEAD_EN = re.compile(r"\bCNY\b")
_AMOUNT_ZH = re.compile(r"(?<=[\d,.])\s?元")


def _text(s: str, zh: str, en: str) -> str:
    s = _HEAD_ZH.sub(lambda m: f"{m.group(1)}{zh}{m.group(2)}", s)
    s = _AMOUNT_ZH.sub(f" {zh}", s)
    return _HEAD_EN.sub(en, s)


def with_currency(spec: ReportSpec, unit_zh: str, unit_en: str) -> ReportSpec:
    """``spec`` with the seed's 元 / CNY labels replaced by ``unit_zh`` / ``unit_en`` in the
    report's own texts (not in data sheets or the cleaning log)."""
    if unit_zh == "元" and unit_en == "CNY":
        return spec
    t = lambda s: _text(s, unit_zh, unit_en) if isinstance(s, str) else s  # noqa: E731
    sheets = []
    for sh in spec.sheets:
        if sh.kind in ("data", "log"):
            sheets.append(sh)
            continue
        blocks = []
        for b in sh.blocks:
            if isinstance(b, TextBlock):
                b = replace(b, lines=tuple(t(x) for x in b.lines))
            elif isinstance(b, TableBlock):
                cols = tuple(replace(c, header=t(c.header)) for c in b.columns)
                text_keys = [c.key for c in b.columns if c.kind == "text" and c.key in b.data.columns]
                data = b.data
                if text_keys and len(data):
                    data = data.copy()
                    for k in text_keys:
                        data[k] = pd.Series([t(v) for v in data[k].tolist()], index=data.index, dtype=data[k].dtype)
                b = replace(b, columns=cols, data=data, title=t(b.title) if getattr(b, "title", None) else b.title)
            blocks.append(b)
        charts = tuple(replace(c, title=t(c.title), y_axis_title=t(c.y_axis_title), x_axis_title=t(c.x_axis_title))
                       for c in sh.charts)
        sheets.append(replace(sh, blocks=tuple(blocks), charts=charts))
    return replace(spec, sheets=tuple(sheets))
