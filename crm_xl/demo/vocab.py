"""Word lists and catalogues the demo data is drawn from (pure Python data, no I/O).

Everything a generated value can be is listed here, so a reader can see at a glance what
the demo contains: cities and their regions, brand syllables and industry words for
company names, GB/T 4754 sections, contacts and titles, sales staff, products,
campaign calendar, lead sources, interaction texts, and the dates of Chinese New Year.
"""

from __future__ import annotations

__all__ = [
    "CITIES",
    "BRAND_CHARS",
    "INDUSTRIES",
    "INDUSTRY_SYNONYMS",
    "SURNAMES",
    "SURNAME_WEIGHTS",
    "TITLES",
    "SIZES",
    "OWNERS",
    "SUPPORT_STAFF",
    "PRODUCTS",
    "NEW_PRODUCT",
    "NEW_PRODUCT_LAUNCH_DAYS",
    "LAUNCH_CAMPAIGN",
    "CAMPAIGN_CALENDAR",
    "LEAD_SOURCES",
    "INTERACTION_TYPES",
    "INTERACTION_TEXTS",
    "ORDER_STATUSES",
    "CHINESE_NEW_YEAR",
]

import datetime as dt

# (city, region, weight): weight ~ share of B2B customers
CITIES: tuple[tuple[str, str, float], ...] = (
    ("上海", "华东", 9), ("杭州", "华东", 5), ("苏州", "华东", 5), ("南京", "华东", 4), ("宁波", "华东", 3),
    ("无锡", "华东", 2.5), ("合肥", "华东", 2.5), ("济南", "华东", 2), ("青岛", "华东", 2.5), ("厦门", "华东", 2),
    ("福州", "华东", 1.5),
    ("深圳", "华南", 7), ("广州", "华南", 6), ("东莞", "华南", 3), ("佛山", "华南", 2.5), ("南宁", "华南", 1),
    ("北京", "华北", 8), ("天津", "华北", 3), ("石家庄", "华北", 1.5), ("太原", "华北", 1),
    ("武汉", "华中", 3.5), ("长沙", "华中", 2.5), ("郑州", "华中", 2.5), ("南昌", "华中", 1.2),
    ("成都", "西南", 4), ("重庆", "西南", 3.5), ("昆明", "西南", 1.2), ("贵阳", "西南", 1),
    ("西安", "西北", 2.5), ("兰州", "西北", 0.8), ("乌鲁木齐", "西北", 0.6),
    ("沈阳", "东北", 1.5), ("大连", "东北", 1.5), ("长春", "东北", 1), ("哈尔滨", "东北", 1),
)

# two of these make a brand name (云启, 华辰, 恒通, ...)
BRAND_CHARS = tuple(dict.fromkeys("华云恒博鼎新瑞联金中天明东海卓汇长正宏安启远睿星同嘉智信达通成盛丰源创力德泰隆辰宇邦铭航锐诚拓凯峰"
                                  "科晟昊誉润泽腾越维捷益众合弘裕晨光景耀骏驰"))

# (template label, GB/T 4754 section letter, share, company-name industry words)
INDUSTRIES: tuple[tuple[str, str, float, tuple[str, ...]], ...] = (
    ("信息技术", "I", 0.20, ("科技", "信息技术", "软件", "网络科技", "数据科技", "智能科技")),
    ("制造业", "C", 0.22, ("精密机械", "电子", "机械制造", "新材料", "汽车零部件", "智能装备", "化工")),
    ("零售", "F", 0.10, ("商贸", "商业连锁", "百货", "电子商务")),
    ("批发", "F", 0.05, ("贸易", "进出口", "实业")),
    ("金融", "J", 0.06, ("金融服务", "投资管理", "保险经纪", "财富管理")),
    ("医疗", "Q", 0.07, ("医疗管理", "健康管理", "医院管理", "医疗服务")),
    ("教育", "P", 0.05, ("教育科技", "教育咨询", "职业培训")),
    ("建筑", "E", 0.07, ("建设工程", "建筑工程", "装饰工程")),
    ("物流", "G", 0.10, ("物流", "供应链", "国际货运", "仓储")),
    ("房地产", "K", 0.04, ("置业", "地产", "物业管理")),
    ("能源", "D", 0.04, ("新能源", "能源科技", "电力工程")),
)

# synonyms a user might type for each template label (all map to the same section)
INDUSTRY_SYNONYMS: dict[str, tuple[str, ...]] = {
    "信息技术": ("IT", "软件", "互联网", "信息技术服务", "科技"),
    "制造业": ("制造", "工厂", "机械制造"),
    "零售": ("商贸", "零售业", "零售行业"),
    "批发": ("批发业", "贸易"),
    "金融": ("银行", "保险", "金融业"),
    "医疗": ("医院", "医疗健康"),
    "教育": ("培训", "教育培训"),
    "建筑": ("建设", "建筑业"),
    "物流": ("运输", "快递", "物流运输"),
    "房地产": ("地产", "房地产业"),
    "能源": ("新能源", "电力"),
}

SURNAMES: tuple[str, ...] = tuple("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈")
# surname weights roughly follow their frequency in China (王李张刘陈 most common)
SURNAME_WEIGHTS: tuple[float, ...] = tuple(max(1.0, 8.0 - 0.6 * i) for i in range(len(SURNAMES)))

# (title, how the contact is addressed: 总 / 经理 / None = 女士 or 先生)
TITLES: tuple[tuple[str, str | None, float], ...] = (
    ("采购经理", "经理", 0.26), ("总经理", "总", 0.12), ("IT主管", None, 0.12), ("信息部经理", "经理", 0.08),
    ("运营总监", "总", 0.08), ("财务经理", "经理", 0.08), ("技术负责人", None, 0.1), ("行政主管", None, 0.08),
    ("副总经理", "总", 0.05), ("采购专员", None, 0.03),
)

# (label, share, spend multiplier)
SIZES: tuple[tuple[str, float, float], ...] = (
    ("小型(<50人)", 0.32, 0.6), ("中型(50-299人)", 0.38, 1.0), ("大型(300-999人)", 0.20, 1.6), ("集团(≥1000人)", 0.10, 2.5),
)

# a dozen account owners, each covering one region
OWNERS: tuple[tuple[str, str], ...] = (
    ("王磊", "华东"), ("李娜", "华东"), ("张伟", "华东"), ("陈静", "华南"), ("刘洋", "华南"), ("杨帆", "华北"),
    ("赵强", "华北"), ("黄敏", "华中"), ("周婷", "西南"), ("吴昊", "西南"), ("徐丽", "西北"), ("孙鹏", "东北"),
)
SUPPORT_STAFF: tuple[str, ...] = ("客服-何欣", "客服-郭睿", "技术支持-林涛", "技术支持-罗佳")

# (product, share of orders, typical order amount in 元, gross margin)
PRODUCTS: tuple[tuple[str, float, float, float], ...] = (
    ("CRM标准版", 0.16, 1.0, 0.72),
    ("CRM专业版", 0.12, 1.8, 0.74),
    ("数据分析模块", 0.10, 1.2, 0.68),
    ("营销自动化套件", 0.08, 1.5, 0.64),
    ("客服工单系统", 0.09, 0.9, 0.62),
    ("移动端套件", 0.07, 0.6, 0.66),
    ("实施服务", 0.12, 1.3, 0.35),
    ("培训服务", 0.08, 0.4, 0.48),
    ("年度运维服务", 0.12, 0.8, 0.52),
    ("新品A", 0.06, 1.4, 0.58),
)
NEW_PRODUCT = "新品A"
NEW_PRODUCT_LAUNCH_DAYS = 120  # launched this many days before the last day of the data

# (month, day, length in days, name, channel): the yearly marketing calendar
CAMPAIGN_CALENDAR: tuple[tuple[int, int, int, str, str], ...] = (
    (3, 10, 21, "春季新品发布会", "线下会议"),
    (5, 20, 26, "618年中采购节", "线上促销"),
    (9, 5, 14, "行业峰会", "行业展会"),
    (10, 25, 21, "双11企业采购节", "线上促销"),
    (12, 5, 20, "年终客户答谢会", "会员活动"),
)
LAUNCH_CAMPAIGN = ("新品A上市推广", "线上直播", 30)

LEAD_SOURCES: tuple[tuple[str, float], ...] = (
    ("官网咨询", 0.22), ("展会", 0.14), ("老客户推荐", 0.16), ("电话营销", 0.14), ("线上广告", 0.16),
    ("合作伙伴", 0.1), ("招投标", 0.08),
)

INTERACTION_TYPES: tuple[str, ...] = ("拜访", "电话", "技术支持", "投诉", "建议", "满意度调研")
INTERACTION_TEXTS: dict[str, tuple[str, ...]] = {
    "拜访": ("季度回访，沟通项目需求", "上门演示新品A", "拜访采购负责人，了解明年预算", "现场培训与使用指导"),
    "电话": ("电话回访使用情况", "续约沟通", "确认订单交付时间", "邀约参加行业峰会"),
    "技术支持": ("系统使用问题远程支持", "数据导入报错处理", "接口对接问题排查", "账号权限配置"),
    "投诉": ("售后响应超时", "实施进度延误", "价格高于竞品", "系统故障影响业务", "发票开具延迟"),
    "建议": ("希望增加定制化报表", "建议优化移动端体验", "希望提供更多培训课程"),
    "满意度调研": ("季度满意度调研", "年度客户满意度问卷"),
}
ORDER_STATUSES: tuple[tuple[str, float], ...] = (("已完成", 0.95), ("部分发货", 0.03), ("已开票未回款", 0.02))

# 春节 (Chinese New Year's Day); the week-long holiday around it is the yearly order dip
CHINESE_NEW_YEAR: dict[int, dt.date] = {
    y: dt.date(y, m, d)
    for y, m, d in (
        (2015, 2, 19), (2016, 2, 8), (2017, 1, 28), (2018, 2, 16), (2019, 2, 5), (2020, 1, 25),
        (2021, 2, 12), (2022, 2, 1), (2023, 1, 22), (2024, 2, 10), (2025, 1, 29), (2026, 2, 17),
        (2027, 2, 6), (2028, 1, 26), (2029, 2, 13), (2030, 2, 3),
    )
}
