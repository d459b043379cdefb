"""Industry names -> GB/T 4754-2017 sections (门类): code letter and official name.

Seed 004 asks for "分类字段（如行业分类按国家标准代码）". Matching is by exact section name
or code first, then by keyword (e.g. IT / 软件 / 互联网 -> I, 制造 / 工厂 -> C, 零售 / 商贸 -> F);
the first keyword found in the text wins, so compound words come first (电子商务 -> F).

Cleaning (``crm_xl.core.clean``) puts the section name in ``industry`` (what reports group
by) and its letter in ``industry_code``; the user's own text stays in the data sheet and
in the cleaning log (one entry per mapped cell: old = the user's text, new = "I 信息传输、…").
Text that matches nothing is kept as it is, logged, and forms its own group.
"""

from __future__ import annotations

__all__ = ["SECTIONS", "SECTIONS_EN", "section_name", "map_industry", "map_industries"]

import unicodedata

import pandas as pd

from ..texts import language_index
from .text import as_text

SECTIONS: dict[str, str] = {
    "A": "农、林、牧、渔业",
    "B": "采矿业",
    "C": "制造业",
    "D": "电力、热力、燃气及水生产和供应业",
    "E": "建筑业",
    "F": "批发和零售业",
    "G": "交通运输、仓储和邮政业",
    "H": "住宿和餐饮业",
    "I": "信息传输、软件和信息技术服务业",
    "J": "金融业",
    "K": "房地产业",
    "L": "租赁和商务服务业",
    "M": "科学研究和技术服务业",
    "N": "水利、环境和公共设施管理业",
    "O": "居民服务、修理和其他服务业",
    "P": "教育",
    "Q": "卫生和社会工作",
    "R": "文化、体育和娱乐业",
    "S": "公共管理、社会保障和社会组织",
    "T": "国际组织",
}

# the sections' English names (as ISIC Rev. 4 names its corresponding sections), for English workbooks
SECTIONS_EN: dict[str, str] = {
    "A": "Agriculture, forestry and fishing",
    "B": "Mining and quarrying",
    "C": "Manufacturing",
    "D": "Electricity, heat, gas and water supply",
    "E": "Construction",
    "F": "Wholesale and retail trade",
    "G": "Transportation, storage and postal services",
    "H": "Accommodation and food services",
    "I": "Information transmission, software and IT services",
    "J": "Finance",
    "K": "Real estate",
    "L": "Leasing and business services",
    "M": "Scientific research and technical services",
    "N": "Water, environment and public facilities management",
    "O": "Resident, repair and other services",
    "P": "Education",
    "Q": "Health and social work",
    "R": "Culture, sports and entertainment",
    "S": "Public administration, social security and social organisations",
    "T": "International organisations",
}


def section_name(code: str, lang: str = "zh") -> str:
    """The section's name in the report's language."""
    return (SECTIONS, SECTIONS_EN)[language_index(lang)][code]


# keyword -> section; checked in order, first hit wins (more specific words first)
_KEYWORDS: list[tuple[str, str]] = [
    # compound words whose parts would point elsewhere (电子商务 is not 电子 manufacturing)
    ("电子商务", "F"), ("互联网零售", "F"), ("网络零售", "F"), ("汽车销售", "F"), ("汽车经销", "F"),
    ("生物医药", "C"), ("生物科技", "M"),
    ("医疗器械", "C"), ("医药制造", "C"), ("汽车", "C"), ("机械", "C"), ("制造", "C"), ("工厂", "C"),
    ("电子", "C"), ("化工", "C"), ("manufactur", "C"),
    ("信息技术", "I"), ("软件", "I"), ("互联网", "I"), ("it", "I"), ("科技", "I"), ("通信", "I"), ("电信", "I"),
    ("software", "I"), ("technology", "I"), ("internet", "I"), ("tech", "I"),
    ("批发", "F"), ("零售", "F"), ("商贸", "F"), ("贸易", "F"), ("电商", "F"), ("retail", "F"), ("wholesale", "F"),
    ("物流", "G"), ("运输", "G"), ("仓储", "G"), ("快递", "G"), ("供应链", "G"), ("logistic", "G"), ("transport", "G"),
    ("金融", "J"), ("银行", "J"), ("保险", "J"), ("证券", "J"), ("finance", "J"), ("bank", "J"), ("insurance", "J"),
    ("房地产", "K"), ("地产", "K"), ("real estate", "K"),
    ("医疗", "Q"), ("医院", "Q"), ("卫生", "Q"), ("健康", "Q"), ("health", "Q"), ("medical", "Q"), ("hospital", "Q"),
    ("pharma", "C"), ("telecom", "I"), ("electronics", "C"), ("apparel", "C"), ("chemical", "C"),
    ("教育", "P"), ("培训", "P"), ("学校", "P"), ("education", "P"),
    ("建筑", "E"), ("建设", "E"), ("工程", "E"), ("装修", "E"), ("construction", "E"),
    ("电力", "D"), ("能源", "D"), ("燃气", "D"), ("热力", "D"), ("energy", "D"), ("utilit", "D"),
    ("餐饮", "H"), ("酒店", "H"), ("住宿", "H"), ("hospitality", "H"),
    ("农", "A"), ("林业", "A"), ("渔", "A"), ("牧", "A"), ("agricultur", "A"),
    ("采矿", "B"), ("矿", "B"), ("mining", "B"),
    ("咨询", "L"), ("商务服务", "L"), ("广告", "L"), ("租赁", "L"), ("consulting", "L"),
    ("科研", "M"), ("研发", "M"), ("检测", "M"), ("research", "M"),
    ("环保", "N"), ("水利", "N"),
    ("文化", "R"), ("传媒", "R"), ("娱乐", "R"), ("体育", "R"), ("media", "R"), ("entertainment", "R"),
    ("marketing", "L"), ("employment", "L"), ("recruit", "L"), ("legal", "L"),
    ("政府", "S"), ("事业单位", "S"), ("government", "S"),
]
_BY_NAME = {v: k for k, v in SECTIONS.items()}
_BY_NAME_EN = {v.lower(): k for k, v in SECTIONS_EN.items()}


def map_industry(text: str) -> tuple[str, str] | None:
    """(code, section name) for an industry text, or None when nothing matches."""
    t = unicodedata.normalize("NFKC", str(text)).strip()
    if not t:
        return None
    if t in _BY_NAME:
        return _BY_NAME[t], t
    if t.lower() in _BY_NAME_EN:
        code = _BY_NAME_EN[t.lower()]
        return code, SECTIONS[code]
    if len(t) == 1 and t.upper() in SECTIONS:
        return t.upper(), SECTIONS[t.upper()]
    low = t.lower()
    for word, code in _KEYWORDS:
        if word == "it":
            if low == "it" or low.startswith("it ") or low.startswith("it/") or "it服务" in low:
                return code, SECTIONS[code]
            continue
        if word in low:
            return code, SECTIONS[code]
    return None


def map_industries(s: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Vectorised over distinct values: (section name, code, unmapped mask). Blank stays NA."""
    from .parse import per_unique

    hit = per_unique(s, lambda v: map_industry(v) if isinstance(v, str) else None)
    names = as_text(per_unique(hit, lambda h: h[1] if h else pd.NA))
    codes = as_text(per_unique(hit, lambda h: h[0] if h else pd.NA))
    unmapped = s.notna() & hit.isna()
    return names, codes, unmapped
