"""Escobar and West's (1995) Gibbs update of the Dirichlet process's concentration α under a
Gamma hyperprior (``ConcentrationPrior``), given the number of clusters K of n points.

α enters the CRP probability of a partition only through α^K Γ(α)/Γ(α + n) (``num_clusters``),
so with α ~ Gamma(a, b) (shape a, rate b)

    p(α | K) ∝ α^(a + K − 1) e^(−b α) Γ(α) / Γ(α + n),

which depends on the data only through K. Escobar and West write Γ(α)/Γ(α + n) =
(α + n) B(α + 1, n) / (α Γ(n)) with B(α + 1, n) = ∫₀¹ η^α (1 − η)^(n−1) dη, and add η as an
auxiliary variable. Given α, η ~ Beta(α + 1, n); given η,

    p(α | η, K) ∝ α^(a + K − 2) (α + n) e^(−α (b − log η))
                = π Gamma(a + K, b − log η) + (1 − π) Gamma(a + K − 1, b − log η),
    π / (1 − π) = (a + K − 1) / (n (b − log η)),

a mixture of two Gammas (rates b − log η > 0). Drawing η, then α, is a Gibbs sweep of the pair, so
it leaves p(α, η | K) and hence p(α | K) invariant. (For K = 1 the second shape is a > 0, and π
stays in [0, 1] for every a > 0.) The three Gamma variates the step needs (two for η, one for α)
come from one call of ``gamma.log_gamma``: the first Gamma of the mixture is drawn as the second
plus an independent Exp(1) (shapes add), so no Gamma's shape depends on η. Compiled inside a
sampler's sweep, one call costs one rejection loop instead of two.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from .gamma import log_gamma
from .num_clusters import ConcentrationPrior

__all__ = ["log_concentration_conditional", "concentration_update"]


def log_concentration_conditional(alpha, num_clusters, num_points, prior: ConcentrationPrior):
    """log p(α | K) up to a constant: log p(α) + K log α + log Γ(α) − log Γ(α + n)."""
    gammaln = jax.scipy.special.gammaln
    return prior.log_density(alpha) + num_clusters * jnp.log(alpha) + gammaln(alpha) - gammaln(alpha + num_points)


def concentration_update(key: jax.Array, alpha, num_clusters, num_points, prior: ConcentrationPrior) -> jax.Array:
    """One Escobar–West step (module docstring): η ~ Beta(α + 1, n), then α from the two-Gamma
    mixture given η and K. Jit- and vmap-able."""
    alpha = jnp.asarray(alpha)
    key_gammas, key_choice, key_extra = jax.random.split(key, 3)
    shape = prior.shape + num_clusters - 1.0  # a + K − 1, the second Gamma's shape
    log_g = log_gamma(key_gammas, jnp.stack([alpha + 1.0, jnp.asarray(num_points, alpha.dtype), shape]))
    log_eta = log_g[0] - jnp.logaddexp(log_g[0], log_g[1])  # G₁/(G₁ + G₂) ~ Beta(α + 1, n)
    rate = prior.rate - log_eta
    odds = shape / (num_points * rate)
    first = jax.random.uniform(key_choice, dtype=alpha.dtype) * (1.0 + odds) < odds
    extra = jax.random.exponential(key_extra, dtype=alpha.dtype)  # Gamma(a + K) = Gamma(a + K − 1) + Exp(1)
    return (jnp.exp(log_g[2]) + jnp.where(first, extra, 0.0)) / rate
