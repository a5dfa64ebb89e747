"""A Gamma hyperprior on the Dirichlet process's concentration α: the conditional of α given the
number of clusters, Escobar and West's (1995) auxiliary-variable Gibbs update from it, and the
prior and posterior of K and α it implies.

Given a partition of n points into K blocks, α enters the CRP probability only through
α^K Γ(α)/Γ(α + n) (``num_clusters``), so with α ~ Gamma(a, b) (shape a, rate b)

    p(α | K) ∝ α^(a + K − 1) e^(−b α) Γ(α) / Γ(α + n),

which depends on the data only through K. Escobar and West write Γ(α)/Γ(α + n) =
(α + n) B(α + 1, n) / (α Γ(n)) with B(α + 1, n) = ∫₀¹ η^α (1 − η)^(n−1) dη, and add η as an
auxiliary variable. Given α, η ~ Beta(α + 1, n); given η,

    p(α | η, K) ∝ α^(a + K − 2) (α + n) e^(−α (b − log η))
                = π Gamma(a + K, b − log η) + (1 − π) Gamma(a + K − 1, b − log η),
    π / (1 − π) = (a + K − 1) / (n (b − log η)),

a mixture of two Gammas (rates b − log η). Drawing η, then α, is a Gibbs sweep of the pair, so it
leaves p(α, η | K) and hence p(α | K) invariant. (For K = 1 and a < 1 the second Gamma's shape
a + K − 1 = a is still positive; π stays in [0, 1] for every a > 0.)

The prior of K mixes the CRP's law over α, P(K = k) = ∫ P(K = k | α) p(α) dα, and a posterior
over K gives the posterior of α as p(α | x) = Σ_k P(K = k | x) p(α | K = k) (α and x are
independent given K). Both integrals are computed on a grid in log α by Simpson's rule.
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
from scipy.special import gammaln, logsumexp

from .gamma import log_gamma
from .num_clusters import _log_stirling_first_kind
from .validation import check_finite, check_positive_int, check_prior_fields, register_prior_pytree

__all__ = [
    "ConcentrationPrior",
    "log_concentration_conditional",
    "concentration_update",
    "concentration_posterior",
    "num_clusters_prior_under",
]

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
        """log p(α), for α > 0."""
        return self.shape * jnp.log(self.rate) - jax.scipy.special.gammaln(self.shape) + (
            self.shape - 1) * jnp.log(alpha) - self.rate * alpha


register_prior_pytree(ConcentrationPrior)


def log_concentration_conditional(alpha, num_clusters, num_points, prior: ConcentrationPrior):
    """log p(α | K) up to a constant: (a + K − 1) log α − b α + log Γ(α) − log Γ(α + n)."""
    gammaln_ = jax.scipy.special.gammaln
    return prior.log_density(alpha) + num_clusters * jnp.log(alpha) + gammaln_(alpha) - gammaln_(alpha + num_points)


def concentration_update(key: jax.Array, alpha, num_clusters, num_points, prior: ConcentrationPrior) -> jax.Array:
    """One Escobar–West step (module docstring): η ~ Beta(α + 1, n), then α from the two-Gamma
    mixture given η and K. Jit- and vmap-able; Gammas from ``gamma.log_gamma``."""
    key_eta, key_choice, key_alpha = jax.random.split(key, 3)
    log_g = log_gamma(key_eta, jnp.stack([alpha + 1.0, jnp.asarray(num_points, alpha.dtype)]))
    log_eta = log_g[0] - jnp.logaddexp(log_g[0], log_g[1])  # G₁/(G₁ + G₂) ~ Beta(α + 1, n)
    rate = prior.rate - log_eta
    shape = prior.shape + num_clusters
    odds = (shape - 1.0) / (num_points * rate)
    first = jax.random.uniform(key_choice, dtype=alpha.dtype) * (1.0 + odds) < odds
    return jnp.exp(log_gamma(key_alpha, jnp.where(first, shape, shape - 1.0)) - jnp.log(rate))


def _log_alpha_grid(prior: ConcentrationPrior, num_points: int) -> np.ndarray:
    """log α from far below to far above where p(α) and every p(α | K ≤ n) have their mass."""
    low = min(np.log(prior.shape / prior.rate), 0.0) - 30.0 / min(prior.shape, 1.0)
    high = np.log((prior.shape + num_points) / prior.rate + num_points) + 8.0
    return np.linspace(max(low, -700.0), high, GRID_POINTS)


def _log_joint_k_alpha(log_alpha: np.ndarray, num_points: int, prior: ConcentrationPrior) -> np.ndarray:
    """log p(K = k, α) in the density of u = log α (Jacobian α), for k = 0 … n (rows) on the grid."""
    alpha = np.exp(log_alpha)
    k = np.arange(num_points + 1)[:, None]
    log_prior = prior.shape * np.log(prior.rate) - gammaln(prior.shape) + prior.shape * log_alpha - prior.rate * alpha
    log_stirling = _log_stirling_first_kind(num_points)[:, None]
    return log_stirling + k * log_alpha + gammaln(alpha) - gammaln(alpha + num_points) + log_prior


def _simpson_weights(log_alpha: np.ndarray) -> np.ndarray:
    """Simpson's rule on the (odd-sized, evenly spaced) grid: h/3 (1, 4, 2, 4, …, 2, 4, 1)."""
    weights = np.where(np.arange(log_alpha.size) % 2 == 1, 4.0, 2.0)
    weights[[0, -1]] = 1.0
    return weights * (log_alpha[1] - log_alpha[0]) / 3


def num_clusters_prior_under(num_points: int, prior: ConcentrationPrior) -> np.ndarray:
    """P(K = k) for k = 0 … ``num_points`` when α ~ ``prior``: ∫ P(K = k | α) p(α) dα."""
    num_points = check_positive_int(num_points, "num_points")
    if not isinstance(prior, ConcentrationPrior):
        raise TypeError(f"prior must be a ConcentrationPrior, got {type(prior).__name__}")
    log_alpha = _log_alpha_grid(prior, num_points)
    log_joint = _log_joint_k_alpha(log_alpha, num_points, prior) + np.log(_simpson_weights(log_alpha))
    log_p = logsumexp(log_joint, axis=1)
    return np.exp(log_p - logsumexp(log_p))


def concentration_posterior(alpha, p_num_clusters, prior: ConcentrationPrior) -> np.ndarray:
    """The density p(α | x) = Σ_k P(K = k | x) p(α | K = k) at each α in ``alpha`` (> 0), from a
    posterior over K (``p_num_clusters[k]`` for k = 0 … n, n + 1 entries, e.g.
    ``posterior_num_clusters(result)``)."""
    alpha = check_finite(alpha, "alpha")
    if np.any(alpha <= 0):
        raise ValueError("alpha must be positive")
    p_k = check_finite(p_num_clusters, "p_num_clusters")
    if p_k.ndim != 1 or p_k.size < 2 or np.any(p_k < 0) or abs(p_k.sum() - 1) > 1e-6:
        raise ValueError("p_num_clusters must be P(K = k | x) for k = 0 … n: non-negative, summing to 1")
    if not isinstance(prior, ConcentrationPrior):
        raise TypeError(f"prior must be a ConcentrationPrior, got {type(prior).__name__}")
    num_points = p_k.size - 1
    log_alpha = _log_alpha_grid(prior, num_points)
    log_joint = _log_joint_k_alpha(log_alpha, num_points, prior)[1:]  # K ≥ 1
    log_normaliser = logsumexp(log_joint + np.log(_simpson_weights(log_alpha)), axis=1)  # log P(K = k)
    log_at = np.log(alpha).ravel()
    log_density = _log_joint_k_alpha(log_at, num_points, prior)[1:] - log_at - log_normaliser[:, None]
    return (p_k[1:] @ np.exp(log_density)).reshape(alpha.shape)
