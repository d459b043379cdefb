"""The demo's customers in the large: the archetypes and their shares, the rules of the generic
ones, and the three Template 1 customers (seed 004) with their orders, moved with ``as_of``."""

from __future__ import annotations

import datetime as dt

DEFAULT_AS_OF = dt.date(2024, 9, 30)

# archetype -> share of generated customers
ARCHETYPES: dict[str, float] = {
    "high_value": 0.08,
    "potential": 0.12,
    "regular": 0.33,
    "declining": 0.08,
    "at_risk": 0.14,
    "lapsed": 0.11,
    "new": 0.12,
}
_ARCH = list(ARCHETYPES)
_A = {name: i for i, name in enumerate(_ARCH)}
# (days-ago range of the last order, median order amount 元, Poisson orders per 365 days in
# the segments S0 = 0-89 days ago, S1 = 90-179, S2 = 180-364, S3 = 365+), for the
# archetypes drawn by the generic rule; the others are drawn by their own rules below
_GENERIC = {
    "high_value": ((0, 40), 45_000.0, (14.0, 14.0, 14.0, 13.0)),
    "regular": ((0, 150), 9_000.0, (5.0, 5.0, 5.5, 6.5)),
}
PRICE_SENSITIVE_SHARE = 0.12
PRE_WINDOW_SHARE = 0.6

# Template 1 (seed 004) customers, exactly as printed with the analysis date 2024-09-30:
# (id, name, contact, title, industry label, city, size, owner, first purchase,
#  [(order date, amount 元), ...]); dates are shifted with ``as_of``.
TEMPLATE1_CUSTOMERS = (
    ("C001", "上海云启科技有限公司", "王经理", "IT主管", "信息技术", "上海", 2, "王磊", dt.date(2023, 11, 8),
     [(dt.date(2023, 11, 8), 11_800), (dt.date(2023, 12, 6), 13_600), (dt.date(2024, 1, 10), 15_200),
      (dt.date(2024, 2, 26), 9_800), (dt.date(2024, 3, 19), 8_600), (dt.date(2024, 4, 16), 12_400),
      (dt.date(2024, 5, 14), 11_900), (dt.date(2024, 6, 11), 13_300), (dt.date(2024, 7, 9), 14_100),
      (dt.date(2024, 8, 6), 12_700), (dt.date(2024, 8, 27), 12_200), (dt.date(2024, 9, 15), 14_400)]),
    ("C002", "苏州恒通精密机械有限公司", "李总", "总经理", "制造业", "苏州", 1, "李娜", dt.date(2023, 11, 15),
     [(dt.date(2023, 11, 15), 9_600), (dt.date(2023, 12, 13), 11_200), (dt.date(2024, 1, 17), 8_800),
      (dt.date(2024, 3, 13), 10_400), (dt.date(2024, 4, 24), 9_900), (dt.date(2024, 5, 22), 10_600),
      (dt.date(2024, 6, 19), 9_700), (dt.date(2024, 7, 20), 9_800)]),
    ("C003", "杭州瑞丰商贸有限公司", "陈女士", "采购经理", "零售", "杭州", 0, "张伟", dt.date(2023, 11, 22),
     [(dt.date(2023, 11, 22), 7_800), (dt.date(2024, 1, 10), 5_900), (dt.date(2024, 3, 10), 6_300)]),
)
# all Template 1 orders lie within 327 days of the analysis date, so they fit any window of
# 12 calendar months (at least 334 days)
_TEMPLATE1_AS_OF = dt.date(2024, 9, 30)


def _shift(d: dt.date, as_of: dt.date) -> dt.date:
    """A Template 1 date moved with ``as_of`` (unchanged for the default 2024-09-30)."""
    return d + (as_of - _TEMPLATE1_AS_OF)
