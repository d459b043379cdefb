"""The 效果跟踪 sheet (issue 8 item 3): completion, owners' progress with a native chart,
KPIs before vs after each strategy's start per layer and per strategy, and the overdue list.
Built from :class:`crm_xl.core.effect.EffectResult` (the strategy table as the user filled it)."""

from __future__ import annotations

__all__ = ["effect_sheet"]

import numpy as np

from ..core.effect import EffectResult
from ..settings import AnalysisSettings
from ..sheet_names import sheet_name
from ..texts import Texts
from .common import col_letter
from .scenario_sheets import note_lines
from .spec import ChartSpec, ColumnSpec, Kind, SheetSpec, TableBlock, TextBlock, stack

# the tables' columns: (key, kind); their headers are the texts of HEADERS
_PROGRESS: tuple[tuple[str, Kind], ...] = (
    ("rows", "int"),
    ("applicable", "int"),
    ("done", "int"),
    ("in_progress", "int"),
    ("not_started", "int"),
    ("overdue", "int"),
    ("completion_rate", "percent"),
)
_KPI: tuple[tuple[str, Kind], ...] = (
    ("started", "int"),
    ("window_days", "number"),
    ("repurchase_before", "percent"),
    ("repurchase_after", "percent"),
    ("revenue_before", "money"),
    ("revenue_after", "money"),
    ("revenue_change", "percent"),
    ("nps_before", "number"),
    ("nps_after", "number"),
    ("complaints_before", "int"),
    ("complaints_after", "int"),
)
_OVERDUE: tuple[tuple[str, Kind], ...] = (
    ("customer_id", "text"),
    ("customer_name", "text"),
    ("layer_label", "text"),
    ("action", "text"),
    ("owner", "general"),
    ("deadline", "date"),
    ("status", "general"),
    ("days_overdue", "int"),
)

# the columns' headers, by column key (the first column's: group_*)
HEADERS = Texts({
    "rows": ("行数", "Rows"),
    "applicable": ("适用行数", "Applicable"),
    "done": ("已完成", "Done"),
    "in_progress": ("进行中", "In progress"),
    "not_started": ("未开始", "Not started"),
    "overdue": ("逾期", "Overdue"),
    "completion_rate": ("完成率", "Completion rate"),
    "started": ("已执行行数", "Started rows"),
    "window_days": ("平均比较天数", "Mean window (days)"),
    "repurchase_before": ("复购率（前）", "Repurchase (before)"),
    "repurchase_after": ("复购率（后）", "Repurchase (after)"),
    "revenue_before": ("销售额（前，元）", "Revenue before (CNY)"),
    "revenue_after": ("销售额（后，元）", "Revenue after (CNY)"),
    "revenue_change": ("销售额变化", "Revenue change"),
    "nps_before": ("NPS（前）", "NPS (before)"),
    "nps_after": ("NPS（后）", "NPS (after)"),
    "complaints_before": ("投诉数（前）", "Complaints (before)"),
    "complaints_after": ("投诉数（后）", "Complaints (after)"),
    "customer_id": ("客户ID", "Customer ID"),
    "customer_name": ("客户名称", "Customer Name"),
    "layer_label": ("客户层级", "Customer Layer"),
    "action": ("策略措施", "Action"),
    "owner": ("负责人", "Owner"),
    "deadline": ("截止日期", "Deadline"),
    "status": ("执行状态", "Status"),
    "days_overdue": ("逾期天数", "Days overdue"),
    "group_scope": ("范围", "Scope"),
    "group_owner": ("负责人", "Owner"),
    "group_layer": ("客户层级", "Customer layer"),
    "group_action": ("策略措施", "Action"),
})

TEXTS = Texts({
    "title": ("效果跟踪", "Effect tracking"),
    # the summary lines under the title
    "no_rows": ("客户策略执行表中还没有行。", "The strategy table has no rows yet."),
    "summary_done": ("参考日期 {today:%Y-%m-%d}：{applicable} 条适用策略中已完成 {done} 条，完成率 {rate}；逾期 {overdue} 条。",
                     "Reference day {today:%Y-%m-%d}: {done} of {applicable} applicable strategies done ({rate}); "
                     "{overdue} overdue."),
    "summary_started": (
        "已执行的 {started} 条策略：复购率 {rep_before} → {rep_after}，销售额 {rev_before:,.0f} → {rev_after:,.0f} 元，"
        "投诉 {comp_before:.0f} → {comp_after:.0f} 次（策略开始前后各最多 {days} 天）。",
        "{started} started strategies: repurchase {rep_before} -> {rep_after}, revenue {rev_before:,.0f} -> "
        "{rev_after:,.0f}, complaints {comp_before:.0f} -> {comp_after:.0f} (up to {days} days before vs after "
        "each start)."),
    "summary_none_started": ("还没有已执行（进行中/已完成且填写了开始日期）的策略，暂无前后对比。",
                             "No strategy has started yet (in progress / done with a start date): no before/after "
                             "comparison."),
    "note": (
        "根据「客户策略执行表」中填写的执行状态和开始日期计算：完成率 = 已完成 / 适用行（不含「不再适用」和系统标记为不再适用的行）；"
        "逾期 = 截止日期早于参考日期且未完成，或状态为「已逾期」。前后对比：每条已执行策略比较开始日前后各 L 天"
        "（L = min({w}, 参考日期 − 开始日期 + 1)）；复购率 = 窗口内有购买的客户行 / 已执行行；NPS = (推荐者 − 贬损者) / 评分数 × 100；"
        "投诉数 = 类型为投诉的互动次数。详见 docs/strategy.md。",
        "From the status and start dates typed in the strategy table: completion = done / applicable rows (rows "
        "not marked not applicable); overdue = deadline before the reference day and not done, or status Overdue. "
        "Before vs after: each started strategy compares L days before and after its start (L = min({w}, "
        "reference day - start + 1)); repurchase = rows whose customer bought in the window / started rows; "
        "NPS = (promoters - detractors) / responses x 100; complaints = complaint interactions. See docs/strategy.md."),
    # the tables' and the chart's titles
    "overall": ("总体", "Overall"),
    "by_owner": ("负责人执行进度", "Progress by owner"),
    "by_layer": ("按客户层级：执行前后对比", "By layer: before vs after"),
    "by_strategy": ("按策略：执行前后对比", "By strategy: before vs after"),
    "overdue": ("逾期清单（{n} 条）", "Overdue list ({n})"),
    "chart": ("各负责人完成率", "Completion by owner"),
})


def _cols(spec: tuple[tuple[str, Kind], ...], lang: str, first: str, first_width: float | None = None
          ) -> tuple[ColumnSpec, ...]:
    """The columns of ``spec`` after the first column ``group`` (header: HEADERS' ``first``)."""
    h = HEADERS.lang(lang)
    out = [ColumnSpec("group", h(first), "text", width=first_width, wrap=first_width is not None)]
    out += [ColumnSpec(k, h(k), kind) for k, kind in spec]
    return tuple(out)


def _fmt_pct(x: float) -> str:
    return "—" if x is None or x != x else f"{x * 100:.1f}%"


def _summary(effect: EffectResult, settings: AnalysisSettings) -> tuple[str, ...]:
    t = TEXTS.lang(settings.lang)
    o = effect.dimension("overall")
    if len(o) == 0:
        return (t.no_rows,)
    o = o.iloc[0]
    lines = [
        t("summary_done", today=effect.today, applicable=int(o["applicable"]), done=int(o["done"]),
          rate=_fmt_pct(o["completion_rate"]), overdue=int(o["overdue"])),
    ]
    if o["started"] > 0:
        lines.append(t("summary_started", started=int(o["started"]), rep_before=_fmt_pct(o["repurchase_before"]),
                       rep_after=_fmt_pct(o["repurchase_after"]), rev_before=o["revenue_before"],
                       rev_after=o["revenue_after"], comp_before=o["complaints_before"],
                       comp_after=o["complaints_after"], days=settings.effect_window_days))
    else:
        lines.append(t.summary_none_started)
    return tuple(lines)


def effect_sheet(effect: EffectResult, settings: AnalysisSettings) -> SheetSpec:
    """The 效果跟踪 sheet for ``effect`` (language from ``settings.lang``)."""
    lang = settings.lang
    t, h = TEXTS.lang(lang), HEADERS.lang(lang)
    note = t("note", w=settings.effect_window_days)
    owners = effect.dimension("owner")
    by_layer = effect.dimension("layer")
    by_strategy = effect.dimension("strategy")
    overall = effect.dimension("overall")
    t_overall = TableBlock("EffectOverall", _cols(_PROGRESS + _KPI, lang, "group_scope"), overall,
                           title=t.overall)
    t_owner = TableBlock("EffectByOwner", _cols(_PROGRESS, lang, "group_owner"), owners,
                         title=t.by_owner)
    t_layer = TableBlock("EffectByLayer", _cols(_PROGRESS + _KPI, lang, "group_layer"), by_layer,
                         title=t.by_layer)
    t_strat = TableBlock("EffectByStrategy", _cols(_PROGRESS + _KPI, lang, "group_action", 40.0), by_strategy,
                         title=t.by_strategy)
    od = effect.overdue
    t_over = TableBlock("OverdueList", tuple(ColumnSpec(k, h(k), kind, wrap=k == "action",
                                                        width=40 if k == "action" else None)
                                             for k, kind in _OVERDUE), od,
                        title=t("overdue", n=len(od)))
    head = stack([TextBlock((t.title,), style="title"),
                  TextBlock(tuple(x for line in _summary(effect, settings) for x in note_lines(line)), style="body"),
                  TextBlock(note_lines(note), style="note")], gap=0)
    start = head[-1].row + head[-1].height + 1
    top = stack([t_overall, t_owner], start_row=start)
    owner_block = top[1]
    chart_col = len(_PROGRESS) + 3
    height = max(6.0, 1.5 + 0.7 * max(len(owners), 1))
    chart = ChartSpec(kind="bar", title=t.chart, table="EffectByOwner",
                      category="group", series=("completion_rate",), anchor=f"{col_letter(chart_col)}{owner_block.row}",
                      width_cm=14, height_cm=height, data_labels=True)
    chart_rows = int(np.ceil(height / 0.53)) + 1  # default rows are 15 pt = 0.53 cm
    rest_start = max(owner_block.last_row, owner_block.row + chart_rows) + 2
    rest = stack([t_layer, t_strat, t_over], start_row=rest_start)
    blocks = head + top + rest
    return SheetSpec(name=sheet_name("effect", lang), blocks=blocks, charts=(chart,), tab_color="548235",
                     freeze=None)


