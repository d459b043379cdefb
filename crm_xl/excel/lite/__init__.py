"""Files for xlwings Lite: ``main.py`` and ``requirements.txt`` (``crm-xl udfs lite`` copies them)."""
