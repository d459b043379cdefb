"""The analysis: pandas + numpy (+ scipy). No Excel library is imported anywhere below here.

A test (tests/test_import_boundary.py) walks every module of this package and fails if
xlwings, openpyxl or python-calamine is imported, so the core stays usable from a notebook
and from xlwings Lite.
"""
