"""The 效果跟踪 sheet (issue 8 item 3): completion, owners' progress with a native chart,
KPIs before vs after each strategy's start per layer and per strategy, and the overdue list.
Built from :class:`crm_xl.core.effect.EffectResult` (the strategy table as the user filled it)."""

from __future__ import annotations

__all__ = ["effect_sheet"]

import numpy as np

from ..core.effect import EffectResult
from ..settings import AnalysisSettings
from ..sheet_names import sheet_name
from .common import col_letter
from .scenario_sheets import note_lines
from .spec import ChartSpec, ColumnSpec, Kind, SheetSpec, TableBlock, TextBlock, stack

# key, zh, en, kind
_PROGRESS = (
    ("rows", "行数", "Rows", "int"),
    ("applicable", "适用行数", "Applicable", "int"),
    ("done", "已完成", "Done", "int"),
    ("in_progress", "进行中", "In progress", "int"),
    ("not_started", "未开始", "Not started", "int"),
    ("overdue", "逾期", "Overdue", "int"),
    ("completion_rate", "完成率", "Completion rate", "percent"),
)
_KPI = (
    ("started", "已执行行数", "Started rows", "int"),
    ("window_days", "平均比较天数", "Mean window (days)", "number"),
    ("repurchase_before", "复购率（前）", "Repurchase (before)", "percent"),
    ("repurchase_after", "复购率（后）", "Repurchase (after)", "percent"),
    ("revenue_before", "销售额（前，元）", "Revenue before (CNY)", "money"),
    ("revenue_after", "销售额（后，元）", "Revenue after (CNY)", "money"),
    ("revenue_change", "销售额变化", "Revenue change", "percent"),
    ("nps_before", "NPS（前）", "NPS (before)", "number"),
    ("nps_after", "NPS（后）", "NPS (after)", "number"),
    ("complaints_before", "投诉数（前）", "Complaints (before)", "int"),
    ("complaints_after", "投诉数（后）", "Complaints (after)", "int"),
)
_OVERDUE: tuple[tuple[str, str, str, Kind], ...] = (
    ("customer_id", "客户ID", "Customer ID", "text"),
    ("customer_name", "客户名称", "Customer Name", "text"),
    ("layer_label", "客户层级", "Customer Layer", "text"),
    ("action", "策略措施", "Action", "text"),
    ("owner", "负责人", "Owner", "general"),
    ("deadline", "截止日期", "Deadline", "date"),
    ("status", "执行状态", "Status", "general"),
    ("days_overdue", "逾期天数", "Days overdue", "int"),
)


def _cols(spec, zh: bool, first: tuple[str, str, str] | None = None) -> tuple[ColumnSpec, ...]:
    out = []
    if first:
        out.append(ColumnSpec("group", first[0] if zh else first[1], "text", width=float(first[2]) if first[2] else None,
                              wrap=bool(first[2])))
    out += [ColumnSpec(k, z if zh else e, kind) for k, z, e, kind in spec]
    return tuple(out)


def _fmt_pct(x: float) -> str:
    return "—" if x is None or x != x else f"{x * 100:.1f}%"


def _summary(effect: EffectResult, settings: AnalysisSettings) -> tuple[str, ...]:
    zh = settings.lang == "zh"
    o = effect.dimension("overall")
    if len(o) == 0:
        return ("客户策略执行表中还没有行。" if zh else "The strategy table has no rows yet.",)
    o = o.iloc[0]
    lines = [
        (f"参考日期 {effect.today:%Y-%m-%d}：{int(o['applicable'])} 条适用策略中已完成 {int(o['done'])} 条，完成率 "
         f"{_fmt_pct(o['completion_rate'])}；逾期 {int(o['overdue'])} 条。" if zh else
         f"Reference day {effect.today:%Y-%m-%d}: {int(o['done'])} of {int(o['applicable'])} applicable strategies done "
         f"({_fmt_pct(o['completion_rate'])}); {int(o['overdue'])} overdue."),
    ]
    if o["started"] > 0:
        lines.append(
            f"已执行的 {int(o['started'])} 条策略：复购率 {_fmt_pct(o['repurchase_before'])} → {_fmt_pct(o['repurchase_after'])}，"
            f"销售额 {o['revenue_before']:,.0f} → {o['revenue_after']:,.0f} 元，投诉 {o['complaints_before']:.0f} → "
            f"{o['complaints_after']:.0f} 次（策略开始前后各最多 {settings.effect_window_days} 天）。" if zh else
            f"{int(o['started'])} started strategies: repurchase {_fmt_pct(o['repurchase_before'])} -> "
            f"{_fmt_pct(o['repurchase_after'])}, revenue {o['revenue_before']:,.0f} -> {o['revenue_after']:,.0f}, "
            f"complaints {o['complaints_before']:.0f} -> {o['complaints_after']:.0f} (up to "
            f"{settings.effect_window_days} days before vs after each start).")
    else:
        lines.append("还没有已执行（进行中/已完成且填写了开始日期）的策略，暂无前后对比。" if zh else
                     "No strategy has started yet (in progress / done with a start date): no before/after comparison.")
    return tuple(lines)


def effect_sheet(effect: EffectResult, settings: AnalysisSettings) -> SheetSpec:
    """The 效果跟踪 sheet for ``effect`` (language from ``settings.lang``)."""
    lang = settings.lang
    zh = lang == "zh"
    W = settings.effect_window_days
    note = (f"根据「客户策略执行表」中填写的执行状态和开始日期计算：完成率 = 已完成 / 适用行（不含「不再适用」和系统标记为不再适用的行）；"
            f"逾期 = 截止日期早于参考日期且未完成，或状态为「已逾期」。前后对比：每条已执行策略比较开始日前后各 L 天"
            f"（L = min({W}, 参考日期 − 开始日期 + 1)）；复购率 = 窗口内有购买的客户行 / 已执行行；NPS = (推荐者 − 贬损者) / 评分数 × 100；"
            f"投诉数 = 类型为投诉的互动次数。详见 docs/strategy.md。" if zh else
            f"From the status and start dates typed in the strategy table: completion = done / applicable rows (rows "
            f"not marked not applicable); overdue = deadline before the reference day and not done, or status Overdue. "
            f"Before vs after: each started strategy compares L days before and after its start (L = min({W}, "
            f"reference day - start + 1)); repurchase = rows whose customer bought in the window / started rows; "
            f"NPS = (promoters - detractors) / responses x 100; complaints = complaint interactions. See docs/strategy.md.")
    owners = effect.dimension("owner")
    by_layer = effect.dimension("layer")
    by_strategy = effect.dimension("strategy")
    overall = effect.dimension("overall")
    t_overall = TableBlock("EffectOverall", _cols(_PROGRESS + _KPI, zh, ("范围", "Scope", "")), overall,
                           title="总体" if zh else "Overall")
    t_owner = TableBlock("EffectByOwner", _cols(_PROGRESS, zh, ("负责人", "Owner", "")), owners,
                         title="负责人执行进度" if zh else "Progress by owner")
    t_layer = TableBlock("EffectByLayer", _cols(_PROGRESS + _KPI, zh, ("客户层级", "Customer layer", "")), by_layer,
                         title="按客户层级：执行前后对比" if zh else "By layer: before vs after")
    t_strat = TableBlock("EffectByStrategy", _cols(_PROGRESS + _KPI, zh, ("策略措施", "Action", "40")), by_strategy,
                         title="按策略：执行前后对比" if zh else "By strategy: before vs after")
    od = effect.overdue
    t_over = TableBlock("OverdueList", tuple(ColumnSpec(k, z if zh else e, kind, wrap=k == "action",
                                                        width=40 if k == "action" else None)
                                             for k, z, e, kind in _OVERDUE), od,
                        title=(f"逾期清单（{len(od)} 条）" if zh else f"Overdue list ({len(od)})"))
    head = stack([TextBlock(("效果跟踪" if zh else "Effect tracking",), style="title"),
                  TextBlock(tuple(x for line in _summary(effect, settings) for x in note_lines(line)), style="body"),
                  TextBlock(note_lines(note), style="note")], gap=0)
    start = head[-1].row + head[-1].height + 1
    top = stack([t_overall, t_owner], start_row=start)
    owner_block = top[1]
    chart_col = len(_PROGRESS) + 3
    height = max(6.0, 1.5 + 0.7 * max(len(owners), 1))
    chart = ChartSpec(kind="bar", title="各负责人完成率" if zh else "Completion by owner", table="EffectByOwner",
                      category="group", series=("completion_rate",), anchor=f"{col_letter(chart_col)}{owner_block.row}",
                      width_cm=14, height_cm=height, data_labels=True)
    chart_rows = int(np.ceil(height / 0.53)) + 1  # default rows are 15 pt = 0.53 cm
    rest_start = max(owner_block.last_row, owner_block.row + chart_rows) + 2
    rest = stack([t_layer, t_strat, t_over], start_row=rest_start)
    blocks = head + top + rest
    return SheetSpec(name=sheet_name("effect", lang), blocks=blocks, charts=(chart,), tab_color="548235",
                     freeze=None)


