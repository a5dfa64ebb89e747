"""The number of clusters K of a Dirichlet-process mixture: its prior law under the Chinese
restaurant process, with the concentration α fixed or drawn from a Gamma hyperprior; how a
posterior over K moves when the prior on α changes; and the posterior of α it implies.

Prior (Antoniak 1974). After n customers of a CRP(α), the number of occupied tables K has

    P(K = k | α) = |s(n, k)| α^k Γ(α) / Γ(α + n),        k = 1 … n,

with |s(n, k)| the unsigned Stirling numbers of the first kind (the number of permutations of n
items with k cycles): |s(0, 0)| = 1 and |s(n + 1, k)| = n |s(n, k)| + |s(n, k − 1)|. Summing the
CRP probability α^K Γ(α)/Γ(α + n) Π_k (n_k − 1)! over the partitions with k blocks gives
Σ Π (n_k − 1)! = |s(n, k)|. Its mean is Σ_{i=0}^{n−1} α/(α + i) (``expected_num_tables``). With
α ~ Gamma(a, b) (``ConcentrationPrior``), P(K = k) = ∫ P(K = k | α) p(α) dα.

Reweighting. Given K, the partition's prior is Π_k (n_k − 1)! / |s(n, K)| whatever α is, so the
likelihood of K, p(x | K), does not depend on the prior on α, and for any two priors on α (fixed
values or Gamma hyperpriors)

    P′(K = k | x) ∝ P(K = k | x) · P′(K = k) / P(K = k),

exactly. For two fixed values the ratio of prior laws is (α′/α)^k times a constant. A posterior
over K (exact, or the fractions of a sampler's draws) under one prior thus gives the posterior
under every other without new sampling. Applied to draws it is importance sampling, reliable while
the weights do not put most of their mass on values of K that the draws rarely visit.

The posterior of α. α and the data are independent given K, so p(α | x) = Σ_k P(K = k | x)
p(α | K = k) with p(α | K) ∝ p(α) α^K Γ(α)/Γ(α + n).

Everything is computed in logs (|s(82, 5)| alone has 120 digits); the integrals over α by
Simpson's rule on a grid in log α.
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
from scipy.special import gammaln, logsumexp

from .validation import check_finite, check_positive, check_positive_int, check_prior_fields, register_prior_pytree

__all__ = ["ConcentrationPrior", "num_clusters_prior", "reweight_num_clusters", "concentration_posterior"]

GRID_POINTS = 4001
"""Points (odd, for Simpson's rule) of the grid in log α on which the integrals over α are taken."""


@dataclasses.dataclass(frozen=True)
class ConcentrationPrior:
    """α ~ Gamma(shape, rate): density b^a α^(a−1) e^(−b α) / Γ(a), mean a/b. Both positive. A JAX pytree."""

    shape: float
    rate: float

    def __post_init__(self):
        check_prior_fields(self, location_field="")

    def log_density(self, alpha):
        """log p(α), for α > 0: jit-able, and computed in NumPy for a NumPy array (the host-side
        grids below), where JAX would compile every operation anew for each grid size."""
        xp, log_gamma = (np, gammaln) if isinstance(alpha, np.ndarray) else (jnp, jax.scipy.special.gammaln)
        log_normaliser = self.shape * xp.log(self.rate) - log_gamma(self.shape)
        return log_normaliser + (self.shape - 1) * xp.log(alpha) - self.rate * alpha


register_prior_pytree(ConcentrationPrior)


def _log_stirling_first_kind(n: int) -> np.ndarray:
    """log |s(n, k)| for k = 0 … n (−∞ where |s(n, k)| = 0), by the recurrence
    |s(m + 1, k)| = m |s(m, k)| + |s(m, k − 1)| (module docstring)."""
    row = np.array([0.0])  # |s(0, 0)| = 1
    for m in range(n):
        with np.errstate(divide="ignore"):
            stay = np.append(row + np.log(m), -np.inf)  # customer m + 1 joins one of the m cycles
        opened = np.insert(row, 0, -np.inf)  # … or starts a new one
        row = np.logaddexp(stay, opened)
    return row


def _log_k_given_alpha(log_alpha, num_points: int) -> np.ndarray:
    """log P(K = k | α) for k = 0 … n (rows) at every log α (columns)."""
    log_alpha = np.atleast_1d(log_alpha)
    alpha, k = np.exp(log_alpha), np.arange(num_points + 1)[:, None]
    return _log_stirling_first_kind(num_points)[:, None] + k * log_alpha + gammaln(alpha) - gammaln(alpha + num_points)


def _alpha_grid(prior: ConcentrationPrior, num_points: int) -> tuple[np.ndarray, np.ndarray]:
    """(log α on a grid covering p(α) and every p(α | K ≤ n), log Simpson weights h/3 (1, 4, 2, …, 4, 1))."""
    low = min(np.log(prior.shape / prior.rate), 0.0) - 30.0 / min(prior.shape, 1.0)
    high = np.log((prior.shape + num_points) / prior.rate + num_points) + 8.0
    log_alpha = np.linspace(max(low, -700.0), high, GRID_POINTS)
    weights = np.where(np.arange(GRID_POINTS) % 2 == 1, 4.0, 2.0)
    weights[[0, -1]] = 1.0
    return log_alpha, np.log(weights * (log_alpha[1] - log_alpha[0]) / 3)


def _log_joint_on_grid(prior: ConcentrationPrior, num_points: int):
    """(log α grid, log p(K = k, α) as a density of u = log α (Jacobian α), rows k, with the
    integration weights added)."""
    log_alpha, log_weights = _alpha_grid(prior, num_points)
    log_prior_u = prior.log_density(np.exp(log_alpha)) + log_alpha
    return log_alpha, _log_k_given_alpha(log_alpha, num_points) + log_prior_u + log_weights


def _check_concentration(concentration, name: str):
    if isinstance(concentration, ConcentrationPrior):
        return concentration
    return float(check_positive(concentration, name))


def _log_num_clusters_prior(num_points: int, concentration: float | ConcentrationPrior) -> np.ndarray:
    """log P(K = k) for k = 0 … n (validated arguments); normalising only removes rounding."""
    if isinstance(concentration, ConcentrationPrior):
        log_p = logsumexp(_log_joint_on_grid(concentration, num_points)[1], axis=1)
    else:
        log_p = _log_k_given_alpha(np.log(concentration), num_points)[:, 0]
    return log_p - logsumexp(log_p)


def num_clusters_prior(num_points: int, concentration: float | ConcentrationPrior) -> np.ndarray:
    """P(K = k) for k = 0 … ``num_points`` after ``num_points`` customers of a CRP whose α is
    ``concentration`` (a positive number) or drawn from it (a ``ConcentrationPrior``): module docstring."""
    num_points = check_positive_int(num_points, "num_points")
    return np.exp(_log_num_clusters_prior(num_points, _check_concentration(concentration, "concentration")))


def _check_law(probabilities, name: str) -> np.ndarray:
    """P(K = k) for k = 0 … n: a 1-D array of at least two non-negative numbers summing to 1."""
    probabilities = check_finite(probabilities, name)
    if probabilities.ndim != 1 or probabilities.size < 2:
        raise ValueError(f"{name} must be a 1-D array P(K = k) for k = 0 … n, got shape {probabilities.shape}")
    if np.any(probabilities < 0) or abs(probabilities.sum() - 1.0) > 1e-6:
        raise ValueError(f"{name} must be non-negative and sum to 1, got sum {probabilities.sum():.6g}")
    if probabilities[0] != 0:
        raise ValueError(f"{name}[0] = P(K = 0) must be 0: one point or more make at least one cluster")
    return probabilities


def reweight_num_clusters(probabilities, concentration, new_concentration) -> np.ndarray:
    """P′(K = k | x) ∝ P(K = k | x) P′(K = k) / P(K = k), normalised (module docstring).

    ``probabilities``: P(K = k | x) for k = 0 … n, e.g. ``posterior_num_clusters(result)`` or
    ``exact_num_clusters(…).probabilities``, under ``concentration``; ``new_concentration`` is the
    other prior on α. Each is a fixed α (a positive number) or a ``ConcentrationPrior``."""
    probabilities = _check_law(probabilities, "probabilities")
    old = _check_concentration(concentration, "concentration")
    new = _check_concentration(new_concentration, "new_concentration")
    num_points = probabilities.size - 1
    log_ratio = _log_num_clusters_prior(num_points, new)[1:] - _log_num_clusters_prior(num_points, old)[1:]  # K ≥ 1
    with np.errstate(divide="ignore"):
        log_p = np.log(probabilities[1:]) + log_ratio
    return np.concatenate([[0.0], np.exp(log_p - logsumexp(log_p))])


def concentration_posterior(alpha, p_num_clusters, prior: ConcentrationPrior) -> np.ndarray:
    """The density p(α | x) = Σ_k P(K = k | x) p(α | K = k) at each α in ``alpha`` (> 0), from a
    posterior over K under ``prior`` (``p_num_clusters[k]`` for k = 0 … n, e.g.
    ``posterior_num_clusters(result)``)."""
    alpha = check_finite(alpha, "alpha")
    if np.any(alpha <= 0):
        raise ValueError("alpha must be positive")
    p_k = _check_law(p_num_clusters, "p_num_clusters")
    if not isinstance(prior, ConcentrationPrior):
        raise TypeError(f"prior must be a ConcentrationPrior, got {type(prior).__name__}")
    num_points = p_k.size - 1
    log_p_k = logsumexp(_log_joint_on_grid(prior, num_points)[1], axis=1)[1:]  # P(K = k), k ≥ 1
    log_at = np.log(alpha).ravel()
    log_joint = _log_k_given_alpha(log_at, num_points)[1:] + prior.log_density(np.exp(log_at))
    return (p_k[1:] @ np.exp(log_joint - log_p_k[:, None])).reshape(alpha.shape)
