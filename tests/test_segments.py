"""Layering modes, remarks and tags (issue 4 item 3)."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm_xl.core.dataset import CrmData
from crm_xl.core.prepared import prepare
from crm_xl.core.rfm import rfm_table
from crm_xl.core.segments import RFM11_GRID, assign_layers, fm_score, layer_by_rfm11, remark_texts
from crm_xl.core.tags import customer_tags, tag_metrics, tags_per_customer
from crm_xl.core.text import text_array
from crm_xl.settings import RFM11_KEYS, AnalysisSettings, TagRule

AS_OF = pd.Timestamp("2024-09-30")


def _orders(spec):
    """spec: customer -> list of (days before AS_OF, amount)."""
    rows = [(c, AS_OF - pd.Timedelta(days=d), a) for c, lst in spec.items() for d, a in lst]
    o = pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"])
    o["order_id"] = [f"O{i}" for i in range(len(o))]
    return o


def _layers(orders, **kw):
    s = AnalysisSettings(analysis_date=AS_OF.date(), **kw)
    data = CrmData(customers=pd.DataFrame({"customer_id": sorted(orders.customer_id.unique())}), orders=orders)
    p = prepare(data, s)
    return assign_layers(rfm_table(data, s, prepared=p), orders, AS_OF, s, prepared=p).set_index("customer_id")


def test_rule_mode_boundaries_over_the_year():
    # seed 000: 高价值 = within 3 months (<= 90 days), >= 5 a year, >= 50万
    o = _orders({
        "H": [(90, 100_000)] * 5,  # exactly 90 days, exactly 5, exactly 50万 -> high value
        "H91": [(91, 100_000)] * 5,  # 91 days: no rule
        "P": [(30, 100_000)] * 4 + [(400, 1_000_000)],  # 4 in the year, 40万 in the year (older order ignored)
        "R": [(181, 50_000), (300, 50_000)],  # none for 6 months, 2 a year, exactly 10万 -> at risk
        "R180": [(180, 50_000)],  # 180 days is not "6 months without purchase"
    })
    t = _layers(o, layer_mode="rules")
    assert t["layer"].to_dict() == {"H": "high_value", "H91": "unclassified", "P": "potential", "R": "at_risk",
                                    "R180": "unclassified"}
    assert t.loc["H91", "layer_label"] == "未匹配规则客户"
    assert t.loc["P", "rule_frequency"] == 4 and t.loc["P", "rule_monetary"] == 400_000


def test_rfm11_grid_covers_every_score_pair_once():
    grid = np.array(RFM11_GRID)
    assert grid.shape == (5, 5) and set(grid.ravel()) == set(RFM11_KEYS)
    r, f, m = np.meshgrid(np.arange(1, 6), np.arange(1, 6), np.arange(1, 6), indexing="ij")
    seg = layer_by_rfm11(r.ravel(), f.ravel(), m.ravel())
    assert set(seg) == set(RFM11_KEYS)
    assert layer_by_rfm11([5], [5], [5]).tolist() == ["champions"]
    assert layer_by_rfm11([5], [1], [1]).tolist() == ["new_customers"]
    assert layer_by_rfm11([1], [5], [4]).tolist() == ["cant_lose"]  # FM = 4.5 -> 5
    assert layer_by_rfm11([1], [1], [1]).tolist() == ["lost"]
    assert layer_by_rfm11([np.nan], [1], [1]).tolist() == ["unclassified"]
    assert fm_score([1, 2, 4], [2, 2, 5]).tolist() == [2, 2, 5]


def test_rfm11_mode_keeps_a_seed_layer_group():
    t = _layers(_orders({"A": [(5, 200_000)] * 12, "B": [(400, 100)]}), layer_mode="rfm11")
    assert t.loc["A", "layer"] == "champions" and t.loc["A", "layer_group"] == "high_value"
    assert t.loc["B", "layer"] == "lost" and t.loc["B", "layer_group"] == "at_risk"
    assert t.loc["A", "layer_label"] == "冠军客户"


@pytest.mark.slow
@given(st.lists(st.tuples(st.integers(0, 800), st.floats(1, 1e6)), min_size=1, max_size=40),
       st.sampled_from(["score", "rules", "rfm11"]))
def test_every_customer_in_exactly_one_layer(rows, mode):
    spec: dict[str, list] = {}
    for j, r in enumerate(rows):  # deal the orders out to up to 7 customers
        spec.setdefault(f"C{j % 7}", []).append(r)
    o = _orders(spec)
    t = _layers(o, layer_mode=mode)
    assert t.index.is_unique and set(t.index) == set(o.customer_id)
    assert t["layer"].notna().all() and (t["layer"] != "").all()


def test_remarks_follow_their_rules_and_settings():
    o = _orders({
        "old": [(200, 1000), (400, 1000)],  # > 180 days
        "quiet": [(150, 1000), (300, 1000)],  # 91-180 days
        "drop": [(70, 1000), (80, 1000), (400, 1)],  # 0 in the last 60 days vs 2 in the 60 before
        "new": [(10, 1000)],  # first purchase 10 days ago
    })
    t = _layers(o)
    assert t["remark"].to_dict() == {"drop": "近2个月购买频次下降", "new": "新客户", "old": "超过6个月未购买",
                                     "quiet": "近3个月未下单"}
    t = _layers(o, remark_inactive_days=365, remark_no_order_days=60)
    assert t.loc["old", "remark"] == "近2个月未下单"  # 200 days: now within the 60-365 band
    assert remark_texts(AnalysisSettings(remark_inactive_days=200), "zh")["inactive"] == "超过200天未购买"
    assert remark_texts(AnalysisSettings(), "en")["no_order"] == "no order in the last 3 months"


def _tag_data():
    o = _orders({"P": [(i * 10, 1000) for i in range(4)], "Q": [(i * 10, 1000) for i in range(4)]})
    o["discount"] = [0.1, 0.1, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    o["campaign_id"] = text_array([None, None, None, None, "M1", None, None, None])
    inter = pd.DataFrame({
        "customer_id": ["P", "P", "P", "Q", "Q", "Q"],
        "date": pd.to_datetime(["2024-09-01"] * 6),
        "type": ["技术支持", "技术支持", "电话", "投诉", "建议", "拜访"],
        "content": ["接口对接", "", "希望定制报表", "售后响应慢", "", ""],
    })
    leads = pd.DataFrame({"lead_id": ["L1", "L2"], "customer_id": ["Q", "Q"], "stage": ["成交", "成交"],
                          "created_date": pd.to_datetime(["2024-01-01", "2024-03-01"]),
                          "closed_date": pd.to_datetime(["2024-03-01", "2024-05-15"])})
    return CrmData(customers=pd.DataFrame({"customer_id": ["P", "Q"]}), orders=o, interactions=inter, leads=leads)


def test_tag_metrics_and_rules_that_fired():
    s = AnalysisSettings(analysis_date=AS_OF.date())
    d = _tag_data()
    m = tag_metrics(d, s)
    assert m.loc["P", "discount_order_share"] == 0.5 and m.loc["Q", "discount_order_share"] == 0.25
    assert m.loc["P", "technical_interactions"] == 2  # two 技术支持 (notes "接口对接" is the same row)
    assert m.loc["P", "custom_requests"] == 1 and m.loc["Q", "after_sales_contacts"] == 1
    assert m.loc["Q", "lead_cycle_days"] == pytest.approx((60 + 75) / 2)
    t = customer_tags(d, s)
    assert t[["customer_id", "tag_label", "reason"]].values.tolist() == [
        ["P", "价格敏感型", "折扣/活动订单占比 50% ≥ 50%"],
        ["P", "需定制化服务", "定制化需求 1次 ≥ 1次"],
        ["Q", "决策链复杂", "线索成交周期 67.5天 ≥ 60天"],
    ]
    s2 = s.replace(tag_rules=(TagRule("technical", "技术需求型", "Technical needs", "technical_interactions", 2),),
                   lang="en")
    t2 = customer_tags(d, s2)
    assert t2[["customer_id", "tag_label", "reason"]].values.tolist() == [
        ["P", "Technical needs", "technical interactions 2 times ≥ 2 times"]]
    assert tags_per_customer(t, "zh").to_dict() == {"P": "价格敏感型、需定制化服务", "Q": "决策链复杂"}
