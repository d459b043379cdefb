"""The Excel surface, kept thin: worksheet functions (udfs), macros, add-in assets."""
