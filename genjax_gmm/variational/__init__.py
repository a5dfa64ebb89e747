"""Variational inference: a distribution over the unknowns found by optimisation, not sampling.

Modules, one idea each:

* ``weights``: the factor q(π) of the weights, for a Dirichlet or a (truncated) Dirichlet-process prior.
* ``coordinate_ascent``: restarts of a coordinate-ascent fit run to convergence (``engine.iteration``).
* ``cavi``: coordinate-ascent VI for the 1-D Bayesian mixture (``gg.cavi``).
* ``advi``: black-box VI in GenJAX (``gg.advi``): a Gaussian over the unconstrained parameters, the
  ELBO as an ADEV expectation, reparameterisation or REINFORCE gradients, optax's Adam.
* ``draws``: draws from q, in the layout of a sampler's draws (ArviZ export through ``posterior``).

``mv.cavi`` (``multivariate.cavi``), variational Bayes for the Normal-Inverse-Wishart mixture, is
built from ``weights``, ``coordinate_ascent`` and ``draws`` as ``cavi`` is.
"""

from .advi import ADVIResult, advi
from .cavi import CAVIResult, cavi
from .draws import MultivariateVariationalDraws, VariationalDraws

__all__ = ["CAVIResult", "cavi", "ADVIResult", "advi", "VariationalDraws", "MultivariateVariationalDraws"]
