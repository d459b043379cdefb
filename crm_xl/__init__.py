"""crm_xl: customer-relationship analytics in Excel.

RFM layering, KPIs (NPS, LTV, repurchase, conversion, ...), churn warning, strategy
execution tracking, charts and written conclusions, as worksheet functions, macro buttons
and a headless report (``crm-xl``). See README.md.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
