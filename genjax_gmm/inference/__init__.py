"""Inference for the 1-D models: importance resampling (joint and with the assignments summed
out), blocked Gibbs sampling of the Bayesian Gaussian mixture and its evidence estimated from the
draws, collapsed Gibbs sampling of the Dirichlet-process mixture (samplers built on
``genjax_gmm.engine``), sequential Monte Carlo, and point estimates (EM, k-means). What to do with the
draws (relabelling, ArviZ) is ``genjax_gmm.posterior``.
"""

from ..engine.diagnostics import ConvergenceWarning, effective_sample_size, split_rhat
from .dpmm import DPMMResult, dpmm_gibbs, posterior_num_clusters, posterior_predictive_density
from .dpmm_smc import DPMMSMCResult, dpmm_smc
from .em import DegenerateComponentWarning, EMResult, KMeansResult, em, kmeans
from .gibbs import GibbsResult, gibbs
from .gibbs_evidence import GibbsEvidence, gibbs_log_evidence
from .importance import ImportanceResult, ImportanceWarning, importance_resampling
from .marginal import gaussian_mixture_distribution, marginal_gmm, marginal_importance_resampling
from .smc import SMCResult, smc

__all__ = [
    "ImportanceResult",
    "importance_resampling",
    "ImportanceWarning",
    "GibbsResult",
    "gibbs",
    "GibbsEvidence",
    "gibbs_log_evidence",
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
    "DPMMResult",
    "dpmm_gibbs",
    "posterior_num_clusters",
    "posterior_predictive_density",
    "SMCResult",
    "smc",
    "DPMMSMCResult",
    "dpmm_smc",
]
