"""genjax_gmm: the models, data and inference behind the GenJAX Gaussian-mixture course.

Importing the package switches JAX to 64-bit floats (``jax_enable_x64``): bento weights
of ~500 g with σ = 2 g need float64 for exact posterior probabilities. It also turns on JAX's
persistent compilation cache (``compilation_cache``; off with ``GENJAX_GMM_COMPILATION_CACHE=0``).

Modules, one idea each:

* ``data``: the mystery bento weights, the coffee caffeine levels, the galaxy velocities, Old Faithful
  and the penguins.
* ``models``: GenJAX generative functions (one bento, known-parameter mixtures, the Bayesian GMM).
* ``dirichlet_process``: the Dirichlet-process mixture (CRP, conjugate Normal-Inverse-Gamma kinds).
* ``num_clusters``: the prior of the number of clusters K (α fixed or Gamma-distributed), reweighting
  P(K | x) to another prior on α, and the posterior of α.
* ``concentration``: Escobar and West's Gibbs update of α under a Gamma hyperprior.
* ``exact_partitions``: the DP mixture's exact P(K | x) for data in well-separated groups.
* ``predictive_check``: replicated data sets of the DP mixture for posterior predictive checks.
* ``categorize``: P(component | x), the mixture density and decision boundaries, known parameters.
* ``gaussian``: Gaussian log densities (1-D, Cholesky multivariate, mixture logits).
* ``components``: the one order of a mixture's components, by mean.
* ``engine``: what every inference algorithm runs on, knowing no model: shape buckets, the chain
  runner and its kernel protocol, greedy k-means++ seeding, R-hat, ESS and the convergence
  warning, iterations to convergence.
* ``maximum_likelihood``: EM and k-means for (N, D) points, four covariance types: behind ``em``
  and ``mv.em``.
* ``inference``: the 1-D samplers (importance resampling, Gibbs, DP mixture), EM and k-means.
* ``collapsed``: Gibbs sampling of the kinds alone, the parameters summed out (Chapter 5's remedy).
* ``evidence``: the exact evidence p(x | K) of small data, by summing over every assignment (Chapter 6).
* ``multivariate``: mixtures of D-dimensional Gaussians with full covariances (Chapter 8).
* ``variational``: variational inference: coordinate ascent (``cavi``) and black-box VI in GenJAX (``advi``).
* ``posterior``: relabelling, label-free summaries, a partition point estimate and ArviZ export of
  any sampler's draws.
* ``clusterings``: the adjusted Rand index between two clusterings.
* ``checks``: feedback for the notebooks' exercises.
"""

import jax

jax.config.update("jax_enable_x64", True)

from .compilation_cache import enable_compilation_cache  # noqa: E402

enable_compilation_cache()

from . import (  # noqa: E402, F401  (the modules, as attributes: gg.models, gg.engine, …)
    categorize,
    clusterings,
    collapsed,
    compilation_cache,
    concentration,
    data,
    dirichlet_process,
    engine,
    evidence,
    exact_partitions,
    inference,
    models,
    multivariate,
    num_clusters,
    posterior,
    predictive_check,
    variational,
)
from .categorize import *  # noqa: E402,F403
from .clusterings import *  # noqa: E402,F403
from .collapsed import *  # noqa: E402,F403
from .concentration import *  # noqa: E402,F403
from .data import *  # noqa: E402,F403
from .dirichlet_process import *  # noqa: E402,F403
from .evidence import *  # noqa: E402,F403
from .exact_partitions import *  # noqa: E402,F403
from .inference import *  # noqa: E402,F403
from .models import *  # noqa: E402,F403
from .num_clusters import *  # noqa: E402,F403
from .posterior import *  # noqa: E402,F403
from .predictive_check import *  # noqa: E402,F403
from .variational import *  # noqa: E402,F403

__all__ = [
    *clusterings.__all__,
    *data.__all__,
    *models.__all__,
    *categorize.__all__,
    *dirichlet_process.__all__,
    *num_clusters.__all__,
    *concentration.__all__,
    *exact_partitions.__all__,
    *predictive_check.__all__,
    *inference.__all__,
    *collapsed.__all__,
    *evidence.__all__,
    *posterior.__all__,
    *variational.__all__,
]
