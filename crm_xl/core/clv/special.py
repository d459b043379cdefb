"""scipy.special's functions for the CLV models, imported on first use.

Importing ``scipy.special`` costs ~0.25 s (scipy 1.17 with numpy 2.4: its array-API layer
clones numpy's namespace, which imports ``numpy.f2py`` and ``numpy.testing``), a fifth of a
1k-customer report. The models use it only when they fit or predict, so the package
imports it then: ``from . import special as sp`` and ``sp.gammaln(...)``. The ``crm-xl``
command fits the models in a forked child (:mod:`crm_xl.report.build`), so there the
parent process never pays for it.
"""

from __future__ import annotations

import importlib

_NAMES = frozenset({"betaln", "digamma", "expit", "gammaln", "hyp2f1", "ndtri", "stdtr", "zeta"})


def __getattr__(name: str):
    if name not in _NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    special = importlib.import_module("scipy.special")
    for n in _NAMES:  # (all at once: later lookups find them in this module's namespace)
        globals()[n] = getattr(special, n)
    return globals()[name]
