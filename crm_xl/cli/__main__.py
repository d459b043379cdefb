"""``python -m crm_xl.cli …`` runs the ``crm-xl`` command, as ``python -m crm_xl`` does."""

from . import run

raise SystemExit(run())
