"""Inference for the Bayesian Gaussian mixture model: sampling the posterior (importance
resampling, Gibbs), relabelling and label-free summaries, convergence diagnostics, per-parameter
summaries through ArviZ, point estimates (EM, k-means), and collapsed Gibbs sampling of the
Dirichlet-process mixture."""

from .diagnostics import ConvergenceWarning, effective_sample_size, split_rhat
from .dpmm import DPMMResult, dpmm_gibbs, posterior_num_clusters, posterior_predictive_density
from .em import DegenerateComponentWarning, EMResult, KMeansResult, em, kmeans
from .gibbs import GibbsResult, gibbs
from .importance import ImportanceResult, ImportanceWarning, importance_resampling
from .labels import assignment_probabilities, co_assignment_matrix, relabel_by_mean
from .marginal import gaussian_mixture_distribution, marginal_gmm, marginal_importance_resampling
from .summaries import summary, to_inference_data

__all__ = [
    "ImportanceResult",
    "importance_resampling",
    "ImportanceWarning",
    "GibbsResult",
    "gibbs",
    "relabel_by_mean",
    "co_assignment_matrix",
    "assignment_probabilities",
    "ConvergenceWarning",
    "split_rhat",
    "effective_sample_size",
    "EMResult",
    "DegenerateComponentWarning",
    "KMeansResult",
    "em",
    "kmeans",
    "gaussian_mixture_distribution",
    "marginal_gmm",
    "marginal_importance_resampling",
    "to_inference_data",
    "summary",
    "DPMMResult",
    "dpmm_gibbs",
    "posterior_num_clusters",
    "posterior_predictive_density",
]
