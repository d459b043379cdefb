"""The 客户标签 sheet: behaviour and need tags (seed 004 section 3.2), each with the rule
that fired and the customer's value, plus a count per tag."""

from __future__ import annotations

__all__ = ["tags_sheet"]

import pandas as pd

from ..core.analysis import AnalysisResult
from ..core.tags import METRIC_NAMES
from ..sheet_names import sheet_name
from ..texts import Texts
from .common import title_blocks
from .spec import ColumnSpec, SheetSpec, TableBlock, as_table, stack

TEXTS = Texts({
    "title": ("客户标签", "Customer tags"),
    "note": ("标签由「设置」中的标签规则生成，每行说明触发的规则和客户的实际值；一个客户可有多个标签。",
             "Tags come from the tag rules in Settings; each row names the rule that fired and the "
             "customer's value. A customer may have several tags."),
    # the summary per tag
    "summary_title": ("标签汇总", "Tags at a glance"),
    "rule_sep": ("；", "; "),
    "tag_label": ("标签", "Tag"),
    "customers": ("客户数", "Customers"),
    "share": ("占全部客户", "Share of customers"),
    "rule": ("打标规则（可在「设置」中修改）", "Rule (editable in Settings)"),
    # the tags per customer
    "detail_title": ("客户标签明细", "Tags per customer"),
    "customer_id": ("客户ID", "Customer ID"),
    "customer_name": ("客户名称", "Customer Name"),
    "layer_label": ("客户层级", "Layer"),
    "reason": ("打标依据", "Why"),
    "value": ("指标值", "Value"),
    "threshold": ("阈值", "Threshold"),
})


def tags_sheet(result: AnalysisResult) -> SheetSpec:
    s = result.settings
    z = s.lang == "zh"
    t = TEXTS.lang(s.lang)
    rfm = result.rfm.set_index("customer_id")
    tags = result.tags.copy()
    tags["customer_name"] = rfm["customer_name"].reindex(tags["customer_id"]).to_numpy()
    tags["layer_label"] = rfm["layer_label"].reindex(tags["customer_id"]).to_numpy()
    tags["monetary"] = rfm["monetary"].reindex(tags["customer_id"]).to_numpy()
    order = {r.tag: i for i, r in enumerate(s.tag_rules)}
    tags = tags.assign(_o=tags["tag"].map(order)).sort_values(["_o", "monetary"], ascending=[True, False],
                                                             kind="stable").drop(columns="_o")
    n_all = len(result.rfm)
    summary_rows = []
    seen = []
    for r in s.tag_rules:
        if r.tag in seen:
            continue
        seen.append(r.tag)
        hit = tags[tags["tag"] == r.tag]
        rules = [x for x in s.tag_rules if x.tag == r.tag]
        label = r.label_zh if z else r.label_en
        summary_rows.append({
            "tag_label": label,
            "customers": hit["customer_id"].nunique(),
            "share": hit["customer_id"].nunique() / n_all if n_all else float("nan"),
            "rule": t.rule_sep.join(_rule_text(x, z) for x in rules),
        })
    summary = pd.DataFrame(summary_rows, columns=["tag_label", "customers", "share", "rule"])
    sum_cols = (
        ColumnSpec("tag_label", t.tag_label),
        ColumnSpec("customers", t.customers, "int"),
        ColumnSpec("share", t.share, "percent"),
        ColumnSpec("rule", t.rule, width=60),
    )
    cols = (
        ColumnSpec("customer_id", t.customer_id),
        ColumnSpec("customer_name", t.customer_name),
        ColumnSpec("layer_label", t.layer_label),
        ColumnSpec("tag_label", t.tag_label),
        ColumnSpec("reason", t.reason, width=36),
        ColumnSpec("value", t.value, "number"),
        ColumnSpec("threshold", t.threshold, "number"),
    )
    blocks = stack([
        *title_blocks(t.title, t.note),
        TableBlock(name="TagSummary", columns=sum_cols, data=summary, title=t.summary_title,
                   style="TableStyleLight9"),
        TableBlock(name="CustomerTags", columns=cols, data=tags.reset_index(drop=True),
                   title=t.detail_title, key_columns=("customer_id", "tag_label")),
    ])
    return SheetSpec(name=sheet_name("tags", s.lang), blocks=blocks, tab_color="8064A2",
                     freeze=f"A{as_table(blocks[-1]).first_data_row}", print_title_rows=(as_table(blocks[-1]).header_row,) * 2)


def _rule_text(rule, z: bool) -> str:
    name_zh, name_en, unit_zh, unit_en, share = METRIC_NAMES[rule.metric]
    value = f"{rule.min_value:.0%}" if share else f"{rule.min_value:g}{unit_zh if z else unit_en}"
    return f"{name_zh if z else name_en} ≥ {value}"
