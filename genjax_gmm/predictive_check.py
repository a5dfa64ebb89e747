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

Drawn in NumPy (nothing to compile), from a generator seeded by the JAX key.
"""

from __future__ import annotations

import jax
import numpy as np

from .dirichlet_process import DPMMPrior, _posterior
from .validation import check_instance, check_key, check_magnitude, check_observations

__all__ = ["replicated_data"]


def _replicate(rng: np.random.Generator, data: np.ndarray, labels: np.ndarray, prior: DPMMPrior) -> np.ndarray:
    """One replicated data set per row of ``labels`` (draws × N), from the tables' posteriors."""
    num_draws, num_points = labels.shape
    tables = (labels + num_points * np.arange(num_draws)[:, None]).ravel()  # every (draw, label) its own table

    points = np.tile(data, num_draws)

    def total(values):
        return np.bincount(tables, values, minlength=num_draws * num_points)

    counts = total(np.ones(points.size))
    means = total(points) / np.maximum(counts, 1.0)
    spreads = total((points - means[tables]) ** 2)  # Σ (x − x̄)² per table, the statistics of ``_posterior``
    kappa, loc, shape, scale = (np.asarray(value) for value in _posterior(counts, means, spreads, prior))
    variance = scale / rng.gamma(shape)  # b_n / Gamma(a_n, 1) ~ InverseGamma(a_n, b_n)
    mean = loc + np.sqrt(variance / kappa) * rng.standard_normal(loc.shape)
    return (mean[tables] + np.sqrt(variance[tables]) * rng.standard_normal(tables.size)).reshape(labels.shape)


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
    rng = np.random.default_rng(np.asarray(jax.random.key_data(key)))
    return _replicate(rng, data - centre, labels.reshape(-1, data.size), prior.shifted(centre)) + centre
