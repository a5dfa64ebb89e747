"""Exact posterior of the Dirichlet-process mixture on tiny data, over set partitions (NumPy/SciPy),
with α fixed or, under a Gamma(a, b) hyperprior, integrated out by quadrature.

Written independently of ``genjax_gmm``. Partitions are enumerated as restricted growth strings
(labels in order of opening), each with its CRP probability α^K Γ(α)/Γ(α+n) Π_k (n_k − 1)! and
each block's marginal likelihood as SciPy's multivariate Student-t, x_I ~ t_{2a}(m₀·1,
(b/a)(I + 11ᵀ/κ₀)) (μ and σ² of the Normal-Inverse-Gamma base measure integrated out).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from scipy import integrate, stats
from scipy.special import gammaln, logsumexp


def set_partitions(n: int) -> np.ndarray:
    """Every partition of n points as a restricted growth string (labels in order of opening)."""

    def grow(prefix, num_blocks):
        if len(prefix) == n:
            yield prefix
            return
        for label in range(num_blocks + 1):
            yield from grow(prefix + [label], max(num_blocks, label + 1))

    return np.array(list(grow([0], 1)))


def exact_log_joint(data, labels, prior) -> float:
    """log p(z) + Σ_k log m(x_{I_k}) by SciPy (multivariate t per block); ``prior`` has the fields
    concentration α, mean_loc m₀, mean_pseudo_count κ₀, var_shape a, var_scale b."""
    alpha, m0, kappa, a, b = (
        prior.concentration,
        prior.mean_loc,
        prior.mean_pseudo_count,
        prior.var_shape,
        prior.var_scale,
    )
    sizes = np.bincount(labels)
    log_prior = len(sizes) * math.log(alpha) + gammaln(alpha) - gammaln(alpha + len(data)) + gammaln(sizes).sum()
    log_likelihood = 0.0
    for block in range(len(sizes)):
        x = data[labels == block]
        shape = (b / a) * (np.eye(x.size) + np.ones((x.size, x.size)) / kappa)
        log_likelihood += stats.multivariate_t(loc=np.full(x.size, m0), shape=shape, df=2 * a).logpdf(x)
    return log_prior + log_likelihood


def exact_posterior(data, prior) -> tuple[np.ndarray, np.ndarray]:
    """(P(K = k | x) for k = 0 … n, co-assignment matrix) by enumerating all partitions."""
    partitions = set_partitions(len(data))
    log_joint = np.array([exact_log_joint(data, z, prior) for z in partitions])
    weights = np.exp(log_joint - log_joint.max())
    weights /= weights.sum()
    num_clusters = partitions.max(axis=1) + 1
    p_k = np.bincount(num_clusters, weights=weights, minlength=len(data) + 1)
    same = partitions[:, :, None] == partitions[:, None, :]
    return p_k, np.tensordot(weights, same, axes=1)


def exact_log_evidence(data, prior) -> float:
    """log p(x) = log Σ_z p(z) Π_k m(x_{I_k}) over every partition z."""
    return float(logsumexp([exact_log_joint(data, z, prior) for z in set_partitions(len(data))]))


def crp_factor_integral(num_clusters: int, n: int, shape: float, rate: float, moment: int = 0) -> float:
    """∫ α^moment Gamma(α; shape, rate) α^K Γ(α)/Γ(α + n) dα by quadrature: the CRP's α-factor
    averaged over the hyperprior (moment 1: times α)."""

    def integrand(alpha):
        log_value = stats.gamma.logpdf(alpha, shape, scale=1 / rate) + (num_clusters + moment) * math.log(alpha)
        return math.exp(log_value + gammaln(alpha) - gammaln(alpha + n))

    value, _ = integrate.quad(integrand, 0, 200.0, points=[0.5, 2.0, 10.0], limit=400, epsabs=0)
    return value


def exact_posterior_integrating_alpha(data, prior, shape: float, rate: float) -> tuple[np.ndarray, np.ndarray, float]:
    """(P(K | x), co-assignment matrix, E[α | x]) with α ~ Gamma(shape, rate) integrated out:
    log p(z, x) = [log p(z, x)] at α = 1 + log Γ(1 + n) + log c(K), c(K) = ``crp_factor_integral``,
    and E[α | x] = Σ_K P(K | x) E[α | K]. ``prior``'s own concentration is ignored."""
    n = len(data)
    at_one = dataclasses.replace(prior, concentration=1.0)
    log_c = {k: math.log(crp_factor_integral(k, n, shape, rate)) for k in range(1, n + 1)}
    partitions = set_partitions(n)
    log_joint = np.array([exact_log_joint(data, z, at_one) + gammaln(1 + n) + log_c[z.max() + 1] for z in partitions])
    weights = np.exp(log_joint - log_joint.max())
    weights /= weights.sum()
    p_k = np.bincount(partitions.max(axis=1) + 1, weights=weights, minlength=n + 1)
    same = partitions[:, :, None] == partitions[:, None, :]
    mean_alpha = sum(p_k[k] * crp_factor_integral(k, n, shape, rate, 1) / math.exp(log_c[k]) for k in range(1, n + 1))
    return p_k, np.tensordot(weights, same, axes=1), mean_alpha
