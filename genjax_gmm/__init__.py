"""genjax_gmm: the models, data and inference behind the GenJAX Gaussian-mixture course.

Importing the package switches JAX to 64-bit floats (``jax_enable_x64``): bento weights
of ~500 g with σ = 2 g need float64 for exact posterior probabilities.

Modules, one idea each:

* ``data``: the mystery bento weights and the coffee caffeine levels.
* ``models``: GenJAX generative functions (one bento, known-parameter mixtures, the Bayesian GMM).
* ``categorize``: P(component | x), the mixture density and decision boundaries, known parameters.
* ``inference``: importance resampling, Gibbs sampling, relabelling, diagnostics, EM and k-means.
* ``checks``: feedback for the notebooks' exercises.
"""

import jax

jax.config.update("jax_enable_x64", True)

from .categorize import (  # noqa: E402
    category_posterior,
    decision_boundaries,
    log_joint_by_component,
    log_marginal_density,
    marginal_density,
)
from .data import COFFEE_CAFFEINE, MYSTERY_BENTO_WEIGHTS  # noqa: E402
from .inference import (  # noqa: E402
    GibbsResult,
    ImportanceResult,
    assignment_probabilities,
    co_assignment_matrix,
    effective_sample_size,
    gibbs,
    importance_resampling,
    relabel_by_mean,
    split_rhat,
)
from .inference.em import EMResult, KMeansResult, em, kmeans  # noqa: E402
from .inference.marginal import marginal_importance_resampling  # noqa: E402
from .models import (  # noqa: E402
    BENTO,
    COFFEE,
    HAMBURGER,
    TONKATSU,
    GMMPrior,
    MixtureParameters,
    bayesian_gmm,
    bento,
    coffee_cups,
    gaussian_mixture,
    mixture_point,
    mixture_weights,
    bayesian_mixture,
)

__all__ = [
    "MYSTERY_BENTO_WEIGHTS",
    "COFFEE_CAFFEINE",
    "MixtureParameters",
    "BENTO",
    "COFFEE",
    "TONKATSU",
    "HAMBURGER",
    "bento",
    "mixture_point",
    "mixture_weights",
    "bayesian_mixture",
    "gaussian_mixture",
    "coffee_cups",
    "GMMPrior",
    "bayesian_gmm",
    "category_posterior",
    "log_joint_by_component",
    "log_marginal_density",
    "marginal_density",
    "decision_boundaries",
    "EMResult",
    "KMeansResult",
    "em",
    "kmeans",
    "marginal_importance_resampling",
    "ImportanceResult",
    "importance_resampling",
    "GibbsResult",
    "gibbs",
    "relabel_by_mean",
    "co_assignment_matrix",
    "assignment_probabilities",
    "split_rhat",
    "effective_sample_size",
]
