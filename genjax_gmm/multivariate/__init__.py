"""Multivariate Gaussian mixtures with full covariances (Chapter 8): ``from genjax_gmm import multivariate as mv``.

Modules, one idea each:

* ``prior``: the Normal-Inverse-Wishart prior ``NIWPrior``, the ``inverse_wishart`` distribution
  and the GenJAX model ``bayesian_gmm(N, K, D)``.
* ``conjugate``: NIW posterior, marginal likelihood, inverse-Wishart and NIW densities and the
  Bartlett draw, all with Cholesky factors.
* ``gibbs``: blocked Gibbs sampling, a kernel of ``genjax_gmm.engine``.
* ``cavi``: variational Bayes by coordinate ascent (``mv.cavi``, scikit-learn's ``BayesianGaussianMixture``),
  with a Dirichlet or a truncated Dirichlet-process prior on the weights.
* ``em``: maximum likelihood by the package's one EM (``genjax_gmm.maximum_likelihood``) with four covariance
  types, BIC/AIC, and k-means.
"""

from .cavi import MultivariateCAVIResult, cavi, scikit_learn_arguments
from .em import COVARIANCE_TYPES, MultivariateEMResult, MultivariateKMeansResult, em, kmeans
from .gibbs import MultivariateGibbsResult, gibbs
from .prior import NIWPrior, bayesian_gmm, inverse_wishart, mixture_point

__all__ = [
    "NIWPrior",
    "inverse_wishart",
    "mixture_point",
    "bayesian_gmm",
    "MultivariateGibbsResult",
    "gibbs",
    "COVARIANCE_TYPES",
    "MultivariateEMResult",
    "MultivariateKMeansResult",
    "em",
    "kmeans",
    "MultivariateCAVIResult",
    "cavi",
    "scikit_learn_arguments",
]
