"""crm_xl: customer-relationship analytics in Excel.

RFM layering, KPIs (NPS, LTV, repurchase, conversion, ...), churn warning, strategy
execution tracking, charts and written conclusions, as worksheet functions, macro buttons
and a headless report (``crm-xl``). See README.md.
"""

__version__ = "0.1.0"

__all__ = ["__version__", "analyze", "AnalysisResult", "main"]


def main(book=None):
    """Entry point of the Excel ribbon add-in (``crm_xl.xlam`` runs ``import crm_xl; crm_xl.main()``):
    runs the action chosen on the 控制台 sheet, or the one that fits the active sheet.
    See :func:`crm_xl.excel.macros.main` and docs/excel.md."""
    from .excel.macros import main as _main

    return _main(book)


def __getattr__(name: str):
    # lazy: ``import crm_xl`` stays cheap (no pandas) until the analysis is used
    if name in ("analyze", "AnalysisResult"):
        from .core import analysis

        return getattr(analysis, name)
    raise AttributeError(f"module 'crm_xl' has no attribute {name!r}")
