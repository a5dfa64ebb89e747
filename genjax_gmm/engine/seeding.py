"""Dispersed starting centres: greedy k-means++ seeding (Arthur and Vassilvitskii 2007).

The first centre is a uniformly random point. Each next centre is the best of
T = 2 + ⌊log K⌋ candidate points, each drawn with probability ∝ its squared distance d_i to the
nearest centre chosen so far: the candidate c that leaves the smallest total squared distance
Σ_i min(d_i, |x_i − c|²), as in scikit-learn. Plain k-means++ (one candidate) more often puts two
centres in one cluster: started from it, one Gibbs chain in four stayed stuck that way on 10⁴
points. Only points with mask 1 are candidates or count in the totals, so padded data
(``buckets``) seed like the real points alone. A ``scan`` over the K centres: one compiled step
whatever K. Samplers start chains from these centres and EM and k-means their restarts.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

__all__ = ["greedy_kmeans_plus_plus"]


def greedy_kmeans_plus_plus(
    key: jax.Array, points: jax.Array, num_centers: int, mask: jax.Array | None = None
) -> jax.Array:
    """``num_centers`` centres (K, D) among ``points`` (N, D) with mask 1 (default all), by greedy
    k-means++ (module docstring). Traceable: call it inside ``jit`` with ``num_centers`` static."""
    mask = jnp.ones(points.shape[0], points.dtype) if mask is None else mask
    num_trials = 2 + int(np.log(num_centers))  # scikit-learn's choice

    def next_center(squared_distance: jax.Array, key: jax.Array) -> tuple[jax.Array, jax.Array]:
        """``num_trials`` candidates drawn ∝ d_i (∞ before the first centre: uniformly) by inverse
        CDF; keep the one that leaves the smallest Σ_i min(d_i, |x_i − c|²)."""
        weight = mask * jnp.where(jnp.isinf(squared_distance), 1.0, squared_distance)
        cumulative = jnp.cumsum(weight)
        targets = jax.random.uniform(key, (num_trials,), points.dtype) * cumulative[-1]
        candidates = points[jnp.sum(cumulative[None, :] < targets[:, None], axis=1)]  # (trials, D)
        distances = jnp.minimum(squared_distance, jnp.sum((points - candidates[:, None]) ** 2, axis=-1))  # (trials, N)
        best = jnp.argmin(jnp.sum(mask * distances, axis=1))
        return distances[best], candidates[best]

    no_center_yet = jnp.full(points.shape[0], jnp.inf, points.dtype)
    _, centers = jax.lax.scan(next_center, no_center_yet, jax.random.split(key, num_centers))
    return centers
