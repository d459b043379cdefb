"""``python -m crm_xl …`` runs the ``crm-xl`` command (where the script is not on PATH)."""

from .cli import run

raise SystemExit(run())
