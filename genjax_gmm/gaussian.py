"""Gaussian log densities, shared by categorisation, the samplers and EM.

One dimension, K components with weights w_k, means μ_k and standard deviations σ_k:

    log w_k + log N(x; μ_k, σ_k²) = log w_k − log σ_k − ½ log 2π − ½ ((x − μ_k)/σ_k)²   (``normal_mixture_logits``).

D dimensions, from the Cholesky factor L of Σ = L Lᵀ and its triangular inverse, never from Σ⁻¹
(which loses digits when Σ is ill-conditioned):

    log |Σ| = 2 Σ_j log L_jj                                                      (``log_det_from_cholesky``),
    log N(x; μ, Σ) = −½ D log 2π − ½ log |Σ| − ½ |L⁻¹(x − μ)|²                    (``mvn_log_density``),
    log π_k + log N(x_i; μ_k, Σ_k) for every point and component, (N, K)          (``mvn_mixture_logits``).

A mixture's logits are the log joint of (component, point); their log-sum-exp over k is the
log mixture density, and their softmax the posterior probability of each component.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax.scipy.linalg import solve_triangular

__all__ = ["normal_mixture_logits", "log_det_from_cholesky", "mvn_log_density", "mvn_mixture_logits"]


def normal_mixture_logits(x, weights, means, stds) -> jax.Array:
    """log w_k + log N(x; μ_k, σ_k²) for every k, shape ``x.shape + (K,)``."""
    z = (x[..., None] - means) / stds
    return jnp.log(weights) - jnp.log(stds) - 0.5 * jnp.log(2 * jnp.pi) - 0.5 * z**2


def log_det_from_cholesky(tril: jax.Array) -> jax.Array:
    """log |L Lᵀ| = 2 Σ_j log L_jj."""
    return 2.0 * jnp.sum(jnp.log(jnp.diagonal(tril, axis1=-2, axis2=-1)), axis=-1)


def mvn_log_density(points: jax.Array, mean: jax.Array, covariance_tril: jax.Array) -> jax.Array:
    """log N(x; μ, L Lᵀ) = −½ D log 2π − Σ log L_jj − ½ |L⁻¹(x − μ)|², for x (…, D).

    L⁻¹ is found by one triangular solve against the D × D identity and applied to the points as a
    matrix product (as in scikit-learn): XLA's triangular solve with a right-hand side per point
    takes milliseconds where the product takes microseconds."""
    dimension = points.shape[-1]
    identity = jnp.broadcast_to(jnp.eye(dimension, dtype=covariance_tril.dtype), covariance_tril.shape)
    inverse = solve_triangular(covariance_tril, identity, lower=True)
    whitened = jnp.einsum("...ed,...d->...e", inverse, points - mean)
    return (
        -0.5 * dimension * jnp.log(2 * jnp.pi)
        - 0.5 * log_det_from_cholesky(covariance_tril)
        - 0.5 * jnp.sum(whitened**2, axis=-1)
    )


def mvn_mixture_logits(points: jax.Array, weights: jax.Array, means: jax.Array, covariances: jax.Array) -> jax.Array:
    """log π_k + log N(x_i; μ_k, Σ_k) (N, K) for points (N, D), from the Cholesky factors of Σ_k (for
    D = 1, Σ_k = σ²_k: ``normal_mixture_logits``, the same density with less to compile)."""
    if points.shape[-1] == 1:
        return normal_mixture_logits(points[:, 0], weights, means[:, 0], jnp.sqrt(covariances[:, 0, 0]))
    trils = jnp.linalg.cholesky(covariances)
    by_component = jax.vmap(lambda mean, tril: mvn_log_density(points, mean, tril), out_axes=1)(means, trils)
    return jnp.log(weights) + by_component
