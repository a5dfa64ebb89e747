"""Inference for the Bayesian Gaussian mixture model: sampling the posterior (importance
resampling, Gibbs), relabelling and label-free summaries, convergence diagnostics, and point
estimates (EM, k-means); collapsed Gibbs sampling of the Dirichlet-process mixture."""

from .diagnostics import effective_sample_size, split_rhat
from .dpmm import DPMMResult, dpmm_gibbs, posterior_num_clusters, posterior_predictive_density
from .em import EMResult, KMeansResult, em, kmeans
from .gibbs import GibbsResult, gibbs
from .importance import ImportanceResult, importance_resampling
from .labels import assignment_probabilities, co_assignment_matrix, relabel_by_mean
from .marginal import gaussian_mixture_distribution, marginal_gmm, marginal_importance_resampling

__all__ = [
    "ImportanceResult",
    "importance_resampling",
    "GibbsResult",
    "gibbs",
    "relabel_by_mean",
    "co_assignment_matrix",
    "assignment_probabilities",
    "split_rhat",
    "effective_sample_size",
    "EMResult",
    "KMeansResult",
    "em",
    "kmeans",
    "gaussian_mixture_distribution",
    "marginal_gmm",
    "marginal_importance_resampling",
    "DPMMResult",
    "dpmm_gibbs",
    "posterior_num_clusters",
    "posterior_predictive_density",
]
