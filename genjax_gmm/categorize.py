"""Categorization with known parameters: which component produced x?

For a mixture with weights w_k, means μ_k and standard deviations σ_k, Bayes' rule gives

    P(c = k | x) = w_k N(x; μ_k, σ_k²) / Σ_j w_j N(x; μ_j, σ_j²),

and the law of total probability gives the mixture density p(x) = Σ_j w_j N(x; μ_j, σ_j²).
Both are computed from log w_k + log N(x; μ_k, σ_k²) with log-sum-exp, so they stay exact and
finite for x far from every component (where each density underflows to 0).

The public functions validate concrete inputs and broadcast over arrays of x: the result has
shape ``x.shape + (K,)`` for posteriors and ``x.shape`` for densities. Inside ``jax.jit``
(traced inputs) validation is skipped. Each runs as one compiled program per shape, not as a
dozen small ones op by op.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import logsumexp

from .gaussian import normal_mixture_logits
from .validation import MAX_MAGNITUDE, check_finite, check_mixture_parameters, is_traced

__all__ = [
    "log_joint_by_component",
    "category_posterior",
    "log_marginal_density",
    "marginal_density",
    "decision_boundaries",
]


def _validated(x, weights, means, stds):
    if not is_traced(x, weights, means, stds):
        x_values = check_finite(x, "x")
        _, means_values, stds_values = check_mixture_parameters(weights, means, stds)
        _check_standardised_distance(x_values, means_values, stds_values)
    return (jnp.asarray(v, dtype=float) for v in (x, weights, means, stds))


def _check_standardised_distance(x: np.ndarray, means: np.ndarray, stds: np.ndarray) -> None:
    """|x − μ_k| / σ_k must stay ≤ 1e150, so that its square (the exponent) fits in float64."""
    with np.errstate(over="ignore"):
        distance = np.abs(x[..., None] - means) / stds
    if not np.all(distance <= MAX_MAGNITUDE):
        raise ValueError(
            f"x is too far from the components for float64: |x − means| / stds reaches "
            f"{np.max(distance):.3g}, above {MAX_MAGNITUDE:.0e}; rescale x, means and stds"
        )


_log_joint = jax.jit(normal_mixture_logits)


@jax.jit
def _posterior(x, weights, means, stds) -> jax.Array:
    log_joint = _log_joint(x, weights, means, stds)
    return jnp.exp(log_joint - logsumexp(log_joint, axis=-1, keepdims=True))


@jax.jit
def _log_marginal(x, weights, means, stds) -> jax.Array:
    return logsumexp(_log_joint(x, weights, means, stds), axis=-1)


@jax.jit
def _density(x, weights, means, stds) -> jax.Array:
    return jnp.exp(_log_marginal(x, weights, means, stds))


def log_joint_by_component(x, weights, means, stds) -> jax.Array:
    """log w_k + log N(x; μ_k, σ_k²) for every k, shape ``x.shape + (K,)``."""
    return _log_joint(*_validated(x, weights, means, stds))


def category_posterior(x, weights, means, stds) -> jax.Array:
    """P(c = k | x) = w_k N(x; μ_k, σ_k²) / p(x), shape ``x.shape + (K,)``; rows sum to 1."""
    return _posterior(*_validated(x, weights, means, stds))


def log_marginal_density(x, weights, means, stds) -> jax.Array:
    """log p(x) = log Σ_k w_k N(x; μ_k, σ_k²), shape ``x.shape``."""
    return _log_marginal(*_validated(x, weights, means, stds))


def marginal_density(x, weights, means, stds) -> jax.Array:
    """The mixture density p(x) = Σ_k w_k N(x; μ_k, σ_k²), shape ``x.shape``."""
    return _density(*_validated(x, weights, means, stds))


def decision_boundaries(weights, means, stds) -> np.ndarray:
    """The x where P(c = 1 | x) = 1/2 for two categories, sorted (closed form).

    Category 1 is index 0. Setting log w₁N(x; μ₁, σ₁²) = log w₂N(x; μ₂, σ₂²) gives
    a x² + b x + c = 0 with

        a = 1/(2σ₂²) − 1/(2σ₁²),   b = μ₁/σ₁² − μ₂/σ₂²,
        c = μ₂²/(2σ₂²) − μ₁²/(2σ₁²) + log(w₁/w₂) + log(σ₂/σ₁).

    Equal variances (a = 0): one boundary, −c/b, which is the midpoint (μ₁+μ₂)/2 shifted by
    σ² log(w₁/w₂)/(μ₂−μ₁) toward the less likely category. Unequal variances: zero or two
    boundaries (the wider category wins in both tails). Returns an empty array when one
    category always wins (including a zero weight or identical components).
    """
    weights, means, stds = check_mixture_parameters(weights, means, stds)
    if weights.size != 2:
        raise ValueError(f"decision_boundaries needs exactly K = 2 components, got K = {weights.size}")
    (w1, w2), (m1, m2), (s1, s2) = weights, means, stds
    if w1 == 0 or w2 == 0:
        return np.array([])
    v1, v2 = s1**2, s2**2
    with np.errstate(over="ignore", invalid="ignore"):
        a = 1 / (2 * v2) - 1 / (2 * v1)
        b = m1 / v1 - m2 / v2
        c = m2**2 / (2 * v2) - m1**2 / (2 * v1) + np.log(w1 / w2) + np.log(s2 / s1)
    if not np.all(np.isfinite([a, b, c])):
        raise ValueError(
            "means and stds are outside the range float64 can represent here: μ/σ², μ²/σ² and 1/σ² "
            f"must stay finite, got means {means} and stds {stds}; rescale them"
        )
    if a == 0:
        return np.array([]) if b == 0 else np.array([-c / b])
    discriminant = b**2 - 4 * a * c
    if discriminant < 0:
        return np.array([])
    # Stable quadratic roots: q = -(b + sign(b)√D)/2, roots q/a and c/q.
    q = -0.5 * (b + np.copysign(np.sqrt(discriminant), b))
    roots = {q / a, c / q} if q != 0 else {0.0}
    return np.sort(np.array(sorted(roots), dtype=np.float64))
