"""Replicated data sets for posterior predictive checks of the Dirichlet-process mixture.

A posterior predictive check (Rubin 1984; Gelman, Meng and Stern 1996) asks whether data simulated
from the fitted model resemble the observed data in a respect that matters. For each posterior
draw of the partition z, every occupied table k gets parameters from their Normal-Inverse-Gamma
posterior given its points (the conjugacy of ``dirichlet_process``),

    σ²_k | z, x ~ InverseGamma(a_n, b_n),      μ_k | σ²_k, z, x ~ Normal(m_n, σ²_k / κ_n),

and a replicated data set draws x^rep_i ~ Normal(μ_{z_i}, σ²_{z_i}) for i = 1 … N: the same
partition, new values. (So each x^rep_i follows the Student-t predictive of its table, and two
points of one table are correlated through their shared μ_k and σ²_k.) A statistic T of a data
set, computed on the replicates and on the data, gives the posterior predictive p-value
P(T(x^rep) ≥ T(x) | x); one near 0 or 1 says the model seldom makes data like these in the
respect T measures.

Compiled once per shape of the draws (σ² from the package's log-space Gamma sampler).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from .dirichlet_process import DPMMPrior, _posterior
from .gamma import log_gamma
from .validation import check_instance, check_key, check_magnitude, check_observations

__all__ = ["replicated_data"]


@jax.jit
def _replicate(key, data, labels, prior):
    """One replicated data set per row of ``labels`` (draws × N), from the tables' posteriors."""

    def one_draw(key, labels):
        def total(values):
            return jax.ops.segment_sum(values, labels, data.shape[0])

        kappa, loc, shape, scale = _posterior(total(jnp.ones_like(data)), total(data), total(data**2), prior)
        key_variance, key_mean, key_data = jax.random.split(key, 3)
        variance = scale * jnp.exp(-log_gamma(key_variance, shape))  # b_n / Gamma(a_n, 1)
        mean = loc + jnp.sqrt(variance / kappa) * jax.random.normal(key_mean, loc.shape)
        return mean[labels] + jnp.sqrt(variance[labels]) * jax.random.normal(key_data, data.shape)

    return jax.vmap(one_draw)(jax.random.split(key, labels.shape[0]), labels)


def replicated_data(key: jax.Array, data, assignments, prior: DPMMPrior) -> np.ndarray:
    """One replicated data set for each posterior draw of the partition (module docstring).

    ``assignments`` (…, num_draws, N) are the draws' table labels of the N points of ``data``
    (e.g. ``dpmm_gibbs(…).assignments``, chains pooled, or every tenth draw of them); the result
    has shape (all draws, N). The data are centred on their mean first (the prior's location moves
    with them), so large values lose no precision."""
    key = check_key(key)
    data = check_magnitude(check_observations(data), "data")
    check_instance(prior, DPMMPrior, "prior")
    labels = np.asarray(assignments)
    if labels.dtype.kind not in "iu" or labels.ndim < 2 or labels.shape[-1] != data.size or labels.size == 0:
        raise ValueError(f"assignments must be integer labels of shape (…, num_draws, {data.size}), got "
                         f"{labels.dtype} of shape {labels.shape}")
    if labels.min() < 0 or labels.max() >= data.size:
        raise ValueError(f"assignments must be table labels 0 … {data.size - 1}, got {labels.min()} … {labels.max()}")
    centre = float(np.mean(data))
    centred_prior = jax.tree.map(jnp.asarray, prior.shifted(centre))
    replicates = _replicate(key, jnp.asarray(data - centre), jnp.asarray(labels.reshape(-1, data.size)), centred_prior)
    return np.asarray(replicates) + centre
