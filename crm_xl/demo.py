"""Seeded synthetic CRM data: realistic Chinese B2B customers, any size.

``generate_demo(n)`` returns raw sheets keyed by table key with the template's header
labels, as a user would paste them; ``dirty=True`` makes a reproducible share of cells
messy the way real exports are (mixed date formats, 15万-style amounts, synonyms, stray
spaces, duplicates, missing fields, formula-looking text) to show cleaning at work.

The three Template 1 customers of seed 004 are always included with their printed totals
(analysis date 2024-09-30): C001 last 2024-09-15, 12 purchases, 150,000 元; C002 last
2024-07-20, 8 purchases, 80,000 元; C003 last 2024-03-10, 3 purchases, 20,000 元.

Everything is vectorised numpy: 100,000 customers give about a million orders in seconds.
Pure pandas/numpy, so it also runs in xlwings Lite.
"""

from __future__ import annotations

__all__ = ["generate_demo", "DEFAULT_AS_OF", "ARCHETYPES"]

import datetime as dt

import numpy as np
import pandas as pd

from .schema import TABLES

DEFAULT_AS_OF = dt.date(2024, 9, 30)

CITIES = ["上海", "北京", "深圳", "广州", "杭州", "苏州", "南京", "成都", "武汉", "西安", "重庆", "天津",
          "宁波", "青岛", "长沙", "郑州", "合肥", "厦门", "沈阳", "昆明"]
CITY_REGION = {"上海": "华东", "杭州": "华东", "苏州": "华东", "南京": "华东", "宁波": "华东", "合肥": "华东",
               "厦门": "华南", "深圳": "华南", "广州": "华南", "北京": "华北", "天津": "华北", "青岛": "华北",
               "武汉": "华中", "长沙": "华中", "郑州": "华中", "成都": "西南", "重庆": "西南", "昆明": "西南",
               "西安": "西北", "沈阳": "东北"}
WORDS = ["华辰", "云启", "恒通", "博远", "鼎盛", "新锐", "瑞丰", "联创", "金桥", "中科", "天成", "明德", "东方",
         "海纳", "卓越", "汇智", "长青", "正泰", "宏达", "安信", "启明", "远景", "睿思", "星河", "同舟", "嘉禾"]
# (template industry name, company-name word, share)
INDUSTRIES = [
    ("信息技术", "科技", 0.22), ("制造业", "精密机械", 0.24), ("零售", "商贸", 0.14), ("金融", "金融服务", 0.07),
    ("医疗", "医疗器械", 0.08), ("教育", "教育科技", 0.06), ("建筑", "建设工程", 0.07), ("物流", "供应链", 0.12),
]
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高")
CONTACT_SUFFIX = ["经理", "总", "女士", "先生"]
TITLES = ["采购经理", "总经理", "IT主管", "运营总监", "财务经理", "技术负责人"]
SIZES = ["小型(<50人)", "中型(50-300人)", "大型(300-1000人)", "集团(>1000人)"]
OWNERS = ["王磊", "李娜", "张伟", "刘洋", "陈静", "杨帆", "黄敏", "赵强", "周婷", "吴昊", "徐丽", "孙鹏"]
PRODUCTS = ["CRM标准版", "CRM专业版", "数据分析模块", "营销自动化", "客服工单系统", "实施服务", "培训服务",
            "年度运维", "移动端套件", "新品A"]

# archetype: share, purchases per year, mean order amount (元), months since last activity (lo, hi)
ARCHETYPES = {
    "high_value": (0.10, 16.0, 60_000, (0.0, 2.0)),
    "potential": (0.18, 8.0, 12_000, (0.0, 2.5)),
    "regular": (0.30, 5.5, 5_000, (0.0, 5.0)),
    "at_risk": (0.22, 3.0, 4_000, (6.5, 14.0)),
    "declining": (0.10, 10.0, 8_000, (2.0, 4.0)),
    "new": (0.10, 6.0, 8_000, (0.0, 0.5)),
}

SEED_CUSTOMERS = [
    # id, name, contact, industry, last date, n orders, total, first date
    ("C001", "上海云启科技有限公司", "王经理", "信息技术", dt.date(2024, 9, 15), 12, 150_000, dt.date(2023, 10, 10)),
    ("C002", "苏州恒通精密机械有限公司", "李总", "制造业", dt.date(2024, 7, 20), 8, 80_000, dt.date(2023, 3, 5)),
    ("C003", "杭州瑞丰商贸有限公司", "陈女士", "零售", dt.date(2024, 3, 10), 3, 20_000, dt.date(2023, 5, 18)),
]


def _labels(table: str, lang: str) -> dict[str, str]:
    return {c.key: c.label(lang) for c in TABLES[table].columns}


def _frame(table: str, data: dict[str, object], lang: str) -> pd.DataFrame:
    cols = [c.key for c in TABLES[table].columns]
    df = pd.DataFrame({k: data[k] for k in cols if k in data})
    for k in cols:
        if k not in df:
            df[k] = None
    return df[cols].rename(columns=_labels(table, lang))


def _season_cdf(start: np.datetime64, days: int) -> np.ndarray:
    """Cumulative day weights over the window: Q4 peak, Chinese-New-Year dip (Jan/Feb)."""
    dates = start + np.arange(days).astype("timedelta64[D]")
    month = dates.astype("datetime64[M]").astype(int) % 12 + 1
    w = np.ones(days)
    w[np.isin(month, [10, 11, 12])] = 1.35
    w[month == 12] = 1.6
    w[np.isin(month, [1, 2])] = 0.65
    return np.cumsum(w) / w.sum()


def generate_demo(
    n_customers: int = 300,
    *,
    seed: int = 2024,
    as_of: dt.date = DEFAULT_AS_OF,
    months: int = 24,
    dirty: bool = False,
    lang: str = "zh",
) -> dict[str, pd.DataFrame]:
    """Raw demo sheets keyed by table key, with the template's headers in ``lang``.

    Parameters
    ----------
    n_customers : int
        Number of customers (at least 3: the Template 1 customers are always included).
        About 10 orders per customer over ``months`` months.
    seed : int
        Random seed; the same seed gives identical frames.
    as_of : date
        The last day of the data; some order falls on it, so the analysis date (by default
        the latest order date) equals it.
    dirty : bool
        Make a reproducible share of cells messy (see module docstring).
    """
    if n_customers < 3:
        raise ValueError("n_customers must be at least 3 (the Template 1 customers are always included)")
    rng = np.random.default_rng(seed)
    end = np.datetime64(as_of, "D")
    start = (end.astype("datetime64[M]") - (months - 1)).astype("datetime64[D]")
    ndays = int((end - start).astype(int)) + 1
    width = max(3, len(str(n_customers)))
    ids = np.array([f"C{i:0{width}d}" for i in range(1, n_customers + 1)], dtype=object)
    ids[: len(SEED_CUSTOMERS)] = [c[0] for c in SEED_CUSTOMERS]  # Template 1's IDs as printed, at any size

    # --- customers -----------------------------------------------------------------
    n = n_customers
    ind_idx = rng.choice(len(INDUSTRIES), size=n, p=np.array([s for *_, s in INDUSTRIES]) / sum(s for *_, s in INDUSTRIES))
    city = rng.choice(CITIES, size=n)
    word = rng.choice(WORDS, size=n)
    names = np.char.add(np.char.add(np.char.add(city.astype(str), word.astype(str)),
                                    np.array([INDUSTRIES[i][1] for i in ind_idx])), "有限公司").astype(object)
    # make names unique: add a branch number to repeats
    s = pd.Series(names)
    dup_no = s.groupby(s).cumcount()
    names = np.where(dup_no > 0, s.str.replace("有限公司", "", regex=False) + (dup_no + 1).astype(str) + "号有限公司", s)
    contact = np.char.add(rng.choice(SURNAMES, size=n).astype(str), rng.choice(CONTACT_SUFFIX, size=n).astype(str)).astype(object)
    arche_names = list(ARCHETYPES)
    arche = rng.choice(len(arche_names), size=n, p=[ARCHETYPES[a][0] for a in arche_names])
    industry = np.array([INDUSTRIES[i][0] for i in ind_idx], dtype=object)
    owner = rng.choice(OWNERS, size=n)

    rate = np.array([ARCHETYPES[a][1] for a in arche_names])[arche] * rng.lognormal(0, 0.3, n)
    mean_amt = np.array([ARCHETYPES[a][2] for a in arche_names])[arche] * rng.lognormal(0, 0.35, n)
    lo = np.array([ARCHETYPES[a][3][0] for a in arche_names])[arche]
    hi = np.array([ARCHETYPES[a][3][1] for a in arche_names])[arche]
    last_gap = (lo + rng.random(n) * (hi - lo)) * 30.4
    last_day = np.clip(ndays - 1 - last_gap.astype(int), 0, ndays - 1)
    is_new = arche == arche_names.index("new")
    first_day = np.where(is_new, np.maximum(last_day - rng.integers(20, 80, n), ndays - 95),
                         rng.integers(0, max(ndays // 2, 1), n))
    first_day = np.clip(np.minimum(first_day, last_day), 0, ndays - 1)
    span_years = (last_day - first_day + 1) / 365.25
    n_orders = np.maximum(1, rng.poisson(rate * span_years))
    n_orders = np.where(is_new, np.minimum(n_orders, 2), n_orders)

    # seed customers override
    for i, (cid, cname, cont, ind, last, k, total, first) in enumerate(SEED_CUSTOMERS):
        names[i] = cname
        contact[i] = cont
        industry[i] = ind
        n_orders[i] = 0  # generated separately below
    # --- orders ----------------------------------------------------------------------
    cust_idx = np.repeat(np.arange(n), n_orders)
    cdf = _season_cdf(start, ndays)
    lo_cdf = np.where(first_day > 0, cdf[np.maximum(first_day - 1, 0)], 0.0)[cust_idx]
    hi_cdf = cdf[last_day][cust_idx]
    u = lo_cdf + rng.random(cust_idx.size) * (hi_cdf - lo_cdf)
    day = np.searchsorted(cdf, u).clip(0, ndays - 1)
    # each customer's last order is exactly on their last day; declining customers buy
    # mostly in the older part of their span
    first_of_cust = np.r_[0, np.cumsum(n_orders)[:-1]]
    has = n_orders > 0
    day[first_of_cust[has]] = last_day[has]
    amount = np.round(mean_amt[cust_idx] * rng.lognormal(0, 0.45, cust_idx.size), -1)
    o_cust = ids[cust_idx]

    seed_rows = []
    for cid, _, _, _, last, k, total, first in SEED_CUSTOMERS:
        d0, d1 = np.datetime64(first, "D"), np.datetime64(last, "D")
        if cid == "C002":  # purchases concentrated earlier: frequency fell in the last 2 months
            span = int((d1 - 60 - d0).astype(int))
            offs = np.sort(np.linspace(0, span, k - 1).astype(int))
            dates = [d0 + int(o) for o in offs] + [d1]
        else:
            span = int((d1 - d0).astype(int))
            dates = [d0 + int(o) for o in np.linspace(0, span, k).astype(int)]
        amounts = np.full(k, round(total / k, -1))
        amounts[-1] = total - amounts[:-1].sum()
        for d, a in zip(dates, amounts):
            seed_rows.append((cid, d, a))
    s_cust = np.array([r[0] for r in seed_rows], dtype=object)
    s_day = np.array([int((r[1] - start).astype(int)) for r in seed_rows])
    s_amt = np.array([r[2] for r in seed_rows], dtype=float)

    o_cust = np.concatenate([s_cust, o_cust])
    day = np.concatenate([s_day, day])
    amount = np.concatenate([s_amt, amount])
    # the latest order date is as_of itself
    others = np.flatnonzero(~np.isin(o_cust, [c[0] for c in SEED_CUSTOMERS]))
    if others.size:
        day[others[np.argmax(day[others])]] = ndays - 1
    order_dates = start + day.astype("timedelta64[D]")
    sort = np.lexsort((o_cust.astype(str), order_dates))
    o_cust, order_dates, amount = o_cust[sort], order_dates[sort], amount[sort]
    m = o_cust.size
    prod_idx = rng.integers(0, len(PRODUCTS), m)
    new_launch = end - 90
    prod_idx = np.where((prod_idx == len(PRODUCTS) - 1) & (order_dates < new_launch), 0, prod_idx)
    discount = np.where(rng.random(m) < 0.25, np.round(rng.uniform(0.05, 0.3, m), 2), 0.0)
    # price-sensitive customers: most orders discounted
    price_sensitive = rng.random(n) < 0.12
    ps_order = price_sensitive[pd.Index(ids).get_indexer(o_cust)]
    discount = np.where(ps_order & (rng.random(m) < 0.8), np.round(rng.uniform(0.1, 0.3, m), 2), discount)
    n_campaigns = max(4, months // 3)
    camp_ids = np.array([f"MKT{i:03d}" for i in range(1, n_campaigns + 1)], dtype=object)
    camp_start = start + np.sort(rng.integers(0, ndays - 30, n_campaigns)).astype("timedelta64[D]")
    camp_end = camp_start + rng.integers(14, 45, n_campaigns).astype("timedelta64[D]")
    in_camp = np.full(m, -1)
    for j in range(n_campaigns):
        hit = (order_dates >= camp_start[j]) & (order_dates <= camp_end[j]) & (rng.random(m) < 0.5)
        in_camp = np.where(hit & (in_camp < 0), j, in_camp)
    order_campaign = np.where(in_camp >= 0, camp_ids[np.maximum(in_camp, 0)], None)
    profit = np.round(amount * rng.uniform(0.15, 0.45, m), 2)
    o_width = max(6, len(str(m)))
    orders = {
        "order_id": np.array([f"SO{i:0{o_width}d}" for i in range(1, m + 1)], dtype=object),
        "customer_id": o_cust,
        "order_date": pd.to_datetime(order_dates).date,
        "amount": amount,
        "product": np.array(PRODUCTS, dtype=object)[prod_idx],
        "profit": profit,
        "discount": discount,
        "campaign_id": order_campaign,
        "owner": owner[pd.Index(ids).get_indexer(o_cust)],
        "status": np.where(rng.random(m) < 0.97, "已完成", "部分发货"),
    }

    # first purchase dates from the orders
    first_order = pd.Series(order_dates).groupby(o_cust).min()
    first_purchase = pd.to_datetime(first_order.reindex(ids).to_numpy()).date
    contract_start = pd.to_datetime(first_order.reindex(ids).to_numpy())
    contract_end = contract_start + pd.DateOffset(years=1)
    expired = contract_end <= pd.Timestamp(as_of)
    renewed = np.where(expired, np.where(np.isin(arche, [arche_names.index("at_risk")]), rng.random(n) < 0.3,
                                         rng.random(n) < 0.8), None)
    customers = {
        "customer_id": ids,
        "customer_name": names,
        "contact_name": contact,
        "contact_title": rng.choice(TITLES, size=n),
        "phone": np.array([f"1{p}{x:09d}" for p, x in zip(rng.choice([3, 5, 8], n), rng.integers(0, 10**9, n))], dtype=object),
        "industry": industry,
        "region": np.array([CITY_REGION[c] for c in city], dtype=object),
        "company_size": rng.choice(SIZES, size=n, p=[0.3, 0.4, 0.2, 0.1]),
        "owner": owner,
        "first_purchase_date": first_purchase,
        "acquisition_cost": np.round(rng.uniform(2_000, 30_000, n), -2),
        "contract_start": contract_start.date,
        "contract_end": contract_end.date,
        "contract_renewed": np.array([None if r is None else ("是" if r else "否") for r in renewed], dtype=object),
    }

    # --- interactions ----------------------------------------------------------------
    k_int = rng.poisson(np.where(np.isin(arche, [arche_names.index("at_risk"), arche_names.index("declining")]), 5, 3))
    i_cust = np.repeat(np.arange(n), k_int)
    q = i_cust.size
    i_day = rng.integers(0, ndays, q)
    types = np.array(["拜访", "电话", "技术支持", "投诉", "建议", "满意度调研"], dtype=object)
    risky = np.isin(arche[i_cust], [arche_names.index("at_risk"), arche_names.index("declining")])
    p_norm = np.array([0.25, 0.3, 0.15, 0.06, 0.06, 0.18])
    p_risky = np.array([0.15, 0.25, 0.15, 0.22, 0.05, 0.18])
    t_idx = np.where(risky, (rng.random(q)[:, None] > np.cumsum(p_risky)).sum(1),
                     (rng.random(q)[:, None] > np.cumsum(p_norm)).sum(1)).clip(0, 5)
    itype = types[t_idx]
    survey = itype == "满意度调研"
    nps_score = np.where(survey, np.clip(np.round(rng.normal(np.where(risky, 5.5, 8.3), 1.8)), 0, 10), np.nan)
    satisfaction = np.where(survey | (itype == "投诉"),
                            np.clip(np.round(rng.normal(np.where(risky, 2.8, 4.1), 0.8)), 1, 5), np.nan)
    ticket = np.isin(itype, ["投诉", "技术支持"])
    response = np.where(ticket, np.round(rng.gamma(2.0, np.where(risky, 14, 5)), 1), np.nan)
    resolved = np.where(ticket, np.where(rng.random(q) < np.where(risky, 0.6, 0.92), "是", "否"), None)
    responded = np.where(rng.random(q) < np.where(risky, 0.6, 0.9), "是", "否")
    content_map = {"拜访": "上门拜访，沟通项目需求", "电话": "电话回访使用情况", "技术支持": "系统使用问题技术支持",
                   "投诉": "售后响应慢，问题未及时处理", "建议": "希望增加定制化报表功能", "满意度调研": "季度满意度调研"}
    interactions = {
        "interaction_id": np.array([f"IR{i:07d}" for i in range(1, q + 1)], dtype=object),
        "customer_id": ids[i_cust],
        "date": pd.to_datetime(start + i_day.astype("timedelta64[D]")).date,
        "type": itype,
        "satisfaction": satisfaction,
        "nps_score": nps_score,
        "response_hours": response,
        "responded": responded,
        "resolved": resolved,
        "owner": owner[i_cust],
        "content": np.array([content_map[t] for t in itype], dtype=object),
    }

    # --- leads: funnel 线索 -> 商机 -> 成交 (and 丢失) ---------------------------------------
    n_leads = max(30, int(n * 1.5))
    l_day = rng.integers(0, ndays, n_leads)
    stage_draw = rng.random(n_leads)
    stage = np.where(stage_draw < 0.18, "成交", np.where(stage_draw < 0.40, "商机", np.where(stage_draw < 0.75, "线索", "丢失")))
    converted = stage == "成交"
    lead_cust = np.where(converted, ids[rng.integers(0, n, n_leads)], None)
    l_created = start + l_day.astype("timedelta64[D]")
    closed = np.where(converted, pd.to_datetime(np.minimum(l_created + rng.integers(10, 90, n_leads).astype("timedelta64[D]"), end)).date, None)
    sources = np.array(["官网", "展会", "老客户推荐", "电话营销", "线上广告", "合作伙伴"], dtype=object)
    leads = {
        "lead_id": np.array([f"L{i:06d}" for i in range(1, n_leads + 1)], dtype=object),
        "created_date": pd.to_datetime(l_created).date,
        "stage": stage.astype(object),
        "customer_id": lead_cust,
        "source": rng.choice(sources, n_leads),
        "campaign_id": np.where(rng.random(n_leads) < 0.4, rng.choice(camp_ids, n_leads), None),
        "owner": rng.choice(OWNERS, n_leads),
        "closed_date": closed,
    }

    channels = np.array(["线下展会", "线上直播", "邮件营销", "会员活动", "行业峰会", "促销折扣"], dtype=object)
    campaigns = {
        "campaign_id": camp_ids,
        "campaign_name": np.array([f"{pd.Timestamp(d).year}年{pd.Timestamp(d).month}月{c}" for d, c in
                                   zip(camp_start, rng.choice(channels, n_campaigns))], dtype=object),
        "channel": rng.choice(channels, n_campaigns),
        "start_date": pd.to_datetime(camp_start).date,
        "end_date": pd.to_datetime(camp_end).date,
        "cost": np.round(rng.uniform(20_000, 200_000, n_campaigns) * max(1.0, n / 300) ** 0.5, -3),
        "reached": rng.integers(max(10, n // 10), max(11, n // 2), n_campaigns),
    }

    # --- sales targets per month x owner ------------------------------------------------
    month_starts = pd.period_range(pd.Timestamp(start), pd.Timestamp(end), freq="M")
    rev = pd.Series(amount).groupby([pd.PeriodIndex(pd.to_datetime(order_dates), freq="M").astype(str),
                                     owner[pd.Index(ids).get_indexer(o_cust)]]).sum()
    t_period, t_owner, t_amt = [], [], []
    owner_region = {o: CITY_REGION[CITIES[i % len(CITIES)]] for i, o in enumerate(OWNERS)}
    for p in month_starts.astype(str):
        for o in OWNERS:
            actual = float(rev.get((p, o), 0.0))
            t_period.append(p)
            t_owner.append(o)
            t_amt.append(round(max(actual, 10_000) * rng.uniform(0.85, 1.25), -3))
    targets = {
        "period": np.array(t_period, dtype=object),
        "owner": np.array(t_owner, dtype=object),
        "region": np.array([owner_region[o] for o in t_owner], dtype=object),
        "target_amount": np.array(t_amt),
    }

    raw = {
        "customers": customers,
        "orders": orders,
        "interactions": interactions,
        "leads": leads,
        "campaigns": campaigns,
        "targets": targets,
    }
    if dirty:
        _make_dirty(raw, np.random.default_rng(seed + 1))
    return {k: _frame(k, v, lang) for k, v in raw.items()}


def _make_dirty(raw: dict[str, dict], rng: np.random.Generator) -> None:
    """Mess up a reproducible share of cells in place (the clean values are recoverable
    for dates, amounts, IDs and industries; missing fields and duplicates are not)."""
    cust = raw["customers"]
    n = len(cust["customer_id"])
    cust_ids = np.array(cust["customer_id"], dtype=object)
    pick = rng.random(n) < 0.05
    cust["customer_id"] = np.where(pick & (np.arange(n) >= 3), np.char.add(" ", cust_ids.astype(str)), cust_ids).astype(object)
    syn = {"信息技术": ["IT", "软件", "互联网"], "制造业": ["制造", "工厂"], "零售": ["商贸", "零售业"], "物流": ["运输", "物流"]}
    ind = np.array(cust["industry"], dtype=object)
    for k, alts in syn.items():
        hit = (ind == k) & (rng.random(n) < 0.3) & (np.arange(n) >= 3)
        ind[hit] = rng.choice(alts, hit.sum())
    miss = (rng.random(n) < 0.03) & (np.arange(n) >= 3)
    ind[miss] = None
    cust["industry"] = ind
    contact = np.array(cust["contact_name"], dtype=object)
    contact[(rng.random(n) < 0.03) & (np.arange(n) >= 3)] = None
    cust["contact_name"] = contact
    names = np.array(cust["customer_name"], dtype=object)
    if n > 10:
        names[5] = "=HYPERLINK(\"http://example.invalid\",\"点我\")"
        names[6] = "+86 上海某公司"
        names[7] = "@营销部"
    cust["customer_name"] = names

    orders = raw["orders"]
    m = len(orders["order_id"])
    dates = pd.to_datetime(pd.Series(orders["order_date"]))
    style = rng.integers(0, 6, m)
    messy = rng.random(m) < 0.15
    as_str = np.select(
        [style == 0, style == 1, style == 2, style == 3],
        [dates.dt.strftime("%Y/%-m/%-d"), dates.dt.year.astype(str) + "年" + dates.dt.month.astype(str) + "月" + dates.dt.day.astype(str) + "日",
         dates.dt.strftime("%Y-%m-%d 10:00"), dates.dt.strftime("%Y.%m.%d")],
        default=((dates - pd.Timestamp("1899-12-30")).dt.days).astype(str),
    )
    od = np.array(orders["order_date"], dtype=object)
    od[messy] = as_str[messy]
    serial = messy & (style >= 4)
    od[serial] = ((dates[serial] - pd.Timestamp("1899-12-30")).dt.days).to_numpy()
    orders["order_date"] = od
    amt = np.array(orders["amount"], dtype=object)
    a = np.array(orders["amount"], dtype=float)
    astyle = rng.integers(0, 4, m)
    amessy = rng.random(m) < 0.15
    wan = a / 10_000
    formatted = np.select(
        [astyle == 0, astyle == 1, astyle == 2],
        [pd.Series(wan).map(lambda v: f"{v:g}万").to_numpy(),
         pd.Series(a).map(lambda v: f"{v:,.0f}元").to_numpy(),
         pd.Series(a).map(lambda v: f"¥{v:,.2f}").to_numpy()],
        default=pd.Series(wan).map(lambda v: f"{v:g}w").to_numpy(),
    )
    amt[amessy] = formatted[amessy]
    orders["amount"] = amt
    # exact duplicate rows
    dup = np.flatnonzero(rng.random(m) < 0.01)
    for k in list(orders):
        orders[k] = np.concatenate([np.asarray(orders[k], dtype=object), np.asarray(orders[k], dtype=object)[dup]])
