"""Seeded synthetic CRM data: realistic Chinese B2B customers, any size.

* :func:`generate_demo` - raw sheets keyed by table key, template headers (zh/en), values
  as a user would paste them; ``dirty=True`` makes them messy.
* :func:`demo_crm_data` - the same data already canonical (:class:`~crm_xl.core.dataset.CrmData`),
  so analytics tests need not depend on cleaning.
* :func:`generate_dirty_demo` - dirty sheets plus the ground truth of every dirtied cell and
  inserted row, and the :class:`~crm_xl.core.dataset.CrmData` cleaning should produce.
* :func:`build_demo` - everything at once (:class:`Demo`), including each customer's hidden
  archetype (high_value, potential, regular, declining, at_risk, lapsed, new).

Pure pandas/numpy (no Excel library), so it also runs in xlwings Lite. See docs/demo-data.md.
"""

from .api import demo_crm_data, generate_demo
from .dirty import MESS_KINDS, DirtyDemo, generate_dirty_demo
from .generate import ARCHETYPES, DEFAULT_AS_OF, TEMPLATE1_CUSTOMERS, Demo, DemoParameterError, build_demo

__all__ = [
    "generate_demo",
    "demo_crm_data",
    "generate_dirty_demo",
    "build_demo",
    "Demo",
    "DirtyDemo",
    "DemoParameterError",
    "ARCHETYPES",
    "MESS_KINDS",
    "DEFAULT_AS_OF",
    "TEMPLATE1_CUSTOMERS",
]
