"""Predictive customer value: the BG/NBD purchase model and the Gamma-Gamma spend model.

In plain words: from each customer's purchase history (how many repeat purchases, when the
last one was, how long we have known the customer, how much they spend) the models
estimate how many purchases a customer will make in the coming months, the probability
that the customer is still active ("alive"), what they will spend per purchase, and from
those a discounted customer lifetime value (CLV).

Models
------
BG/NBD (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way", Marketing
Science 24(2)): while active, a customer buys as a Poisson process with rate ``lambda``;
after every purchase they drop out with probability ``p``. Across customers ``lambda ~
Gamma(r, alpha)`` (shape ``r``, rate ``alpha``) and ``p ~ Beta(a, b)``.

Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and CLV: Using Iso-Value Curves for Customer
Base Analysis", JMR 42(4); Fader & Hardie 2013, "The Gamma-Gamma Model of Monetary
Value"): each purchase amount is ``Gamma(p, nu)``, ``nu ~ Gamma(q, gamma)`` across
customers, independent of the purchase process (the independence is checked on fit).

Inputs are the lifetimes-style summary (``frequency``, ``recency``, ``T``,
``monetary_value``, see :mod:`crm_xl.core.clv_summary`) in one time unit; parameters
``alpha`` and the prediction horizons are in that unit.

Numerics: likelihoods in log space (``gammaln``, ``betaln``, ``log1p(exp)``), analytic
gradients for the optimiser (parameters optimised on the log scale), the conditional
expectation's ``2F1`` evaluated after Euler's transformation so that it stays bounded for
many purchases and long histories, standard errors from the observed information matrix
(Hessian of the log-likelihood) and an optional customer-level bootstrap.

The functions ``bgnbd_*``, ``gamma_gamma_*`` and :func:`customer_lifetime_value` take the
parameters as a dict or a plain sequence (``r, alpha, a, b`` / ``p, q, gamma``) and arrays
of any shape (broadcast), so worksheet functions can call them on ranges.

Modules (one model per module, as lifetimes keeps one fitter per file): :mod:`.common` (parameter
and history checks), :mod:`.fitting` (the shared maximum-likelihood machinery), :mod:`.bgnbd`,
:mod:`.gamma_gamma`, :mod:`.value` (CLV and the per-customer tables). This package re-exports
their public names.
"""

from .bgnbd import (
                    BetaGeoModel,
                    bgnbd_conditional_expected_purchases,
                    bgnbd_expected_purchases,
                    bgnbd_log_likelihood,
                    bgnbd_p_alive,
)
from .common import BGNBD_PARAMS, GAMMA_GAMMA_PARAMS, ModelFitError, valid_history
from .gamma_gamma import (
                    GammaGammaModel,
                    gamma_gamma_expected_spend,
                    gamma_gamma_log_likelihood,
                    gamma_gamma_population_mean,
)
from .value import clv_predictions, customer_lifetime_value, holdout_comparison

__all__ = [
    "ModelFitError",
    "BGNBD_PARAMS",
    "GAMMA_GAMMA_PARAMS",
    "bgnbd_log_likelihood",
    "bgnbd_expected_purchases",
    "bgnbd_conditional_expected_purchases",
    "bgnbd_p_alive",
    "valid_history",
    "gamma_gamma_log_likelihood",
    "gamma_gamma_expected_spend",
    "gamma_gamma_population_mean",
    "customer_lifetime_value",
    "BetaGeoModel",
    "GammaGammaModel",
    "clv_predictions",
    "holdout_comparison",
]
