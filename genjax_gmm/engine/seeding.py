"""Dispersed starting centres: greedy k-means++ seeding (Arthur and Vassilvitskii 2007).

Every centre is the best of T = 2 + ⌊log K⌋ candidate points, each drawn with probability ∝ its
squared distance d_i to the nearest centre chosen so far (before the first centre, uniformly): the
candidate c that leaves the smallest total squared distance Σ_i min(d_i, |x_i − c|²), as in
scikit-learn. Plain k-means++ (one candidate) more often puts two centres in one cluster: started
from it, one Gibbs chain in four stayed stuck that way on 10⁴ points. Only points with mask 1 are
candidates or count in the totals, so padded data (``buckets``) seed like the real points alone.
A ``scan`` over the K centres: one compiled step whatever K.

The randomness is an argument (``seed_centers``: K × T uniforms, row k drawing centre k's T
candidates). The samplers draw it from their chain's key (``greedy_kmeans_plus_plus``) and start
their chains from the centres. EM and k-means draw K × 1 uniforms with NumPy on the host: plain
k-means++ (one candidate per centre), whose restarts start further apart (over 100 restarts on the
course's data sets it reached the best optimum as often as the greedy rule or more often in all
but one case), and programs that compile no random number generator (a third of a second each):
``restart_centers``, shared by EM, k-means and coordinate-ascent variational inference. Seeding
needs K distinct points (``count_distinct``).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from .buckets import bucket_size

__all__ = ["num_trials", "seed_centers", "greedy_kmeans_plus_plus", "restart_centers", "count_distinct"]

RESTART_ROWS = 8
"""``restart_centers`` draws centres for at least this many components, of which the first K are
used (each centre depends only on those before it), so that K ≤ 8 share one compiled program."""


def num_trials(num_centers: int) -> int:
    """T = 2 + ⌊log K⌋ candidates per centre (scikit-learn's choice)."""
    return 2 + int(np.log(num_centers))


def seed_centers(
    uniforms: jax.Array, points: jax.Array, mask: jax.Array | None = None, trials: jax.Array | None = None
) -> jax.Array:
    """K centres (K, D) among ``points`` (N, D) with mask 1 (default all), by greedy k-means++
    (module docstring), with the randomness given: row k of ``uniforms`` (K, T), numbers in
    [0, 1), draws the T candidates of centre k, of which the first ``trials`` (default T; may be
    traced) compete. Traceable; one program per shape."""
    mask = jnp.ones(points.shape[0], points.dtype) if mask is None else mask
    competing = jnp.arange(uniforms.shape[1]) < (uniforms.shape[1] if trials is None else trials)

    def next_center(squared_distance: jax.Array, uniform: jax.Array) -> tuple[jax.Array, jax.Array]:
        """T candidates drawn ∝ d_i (∞ before the first centre: uniformly) by inverse CDF; keep the
        one that leaves the smallest Σ_i min(d_i, |x_i − c|²)."""
        weight = mask * jnp.where(jnp.isinf(squared_distance), 1.0, squared_distance)
        cumulative = jnp.cumsum(weight)
        targets = uniform * cumulative[-1]
        candidates = points[jnp.sum(cumulative[None, :] < targets[:, None], axis=1)]  # (trials, D)
        distances = jnp.minimum(squared_distance, jnp.sum((points - candidates[:, None]) ** 2, axis=-1))  # (T, N)
        best = jnp.argmin(jnp.where(competing, jnp.sum(mask * distances, axis=1), jnp.inf))
        return distances[best], candidates[best]

    no_center_yet = jnp.full(points.shape[0], jnp.inf, points.dtype)
    _, centers = jax.lax.scan(next_center, no_center_yet, uniforms.astype(points.dtype))
    return centers


def greedy_kmeans_plus_plus(
    key: jax.Array,
    points: jax.Array,
    num_centers: int,
    mask: jax.Array | None = None,
    num_used: jax.Array | None = None,
) -> jax.Array:
    """``seed_centers`` with the uniforms of centre k drawn from the k-th of ``num_centers`` keys
    split from ``key``. Traceable: call it inside ``jit`` with ``num_centers`` static. Given
    ``num_used`` = K′ ≤ K (may be traced), the first K′ centres are those ``num_centers=K′`` would
    seed, with T = 2 + ⌊log K′⌋ candidates each (the others are seeded too, and meant to be unused):
    ``jax.random``'s threefry numbers for a shape are a prefix of those for a larger one."""
    keys = jax.random.split(key, num_centers)
    trials = num_trials(num_centers)
    uniforms = jax.vmap(lambda key: jax.random.uniform(key, (trials,), points.dtype))(keys)
    used_trials = None if num_used is None else 2 + jnp.floor(jnp.log(num_used)).astype(jnp.int32)
    return seed_centers(uniforms, points, mask, used_trials)


_seed_centers = jax.jit(seed_centers)


def restart_centers(seed: int, restart: int, num_centers: int, points, mask) -> np.ndarray:
    """Restart r's K centres (K, D): plain k-means++ (``seed_centers`` with one candidate per
    centre) from the uniforms of NumPy's ``default_rng((seed, r))``, the same whatever the number
    of restarts. ``points`` (N, D) and ``mask`` as for ``seed_centers``."""
    rows = bucket_size(num_centers, RESTART_ROWS, steps_per_doubling=1)
    uniforms = np.random.default_rng((seed, restart)).random((rows, 1))
    return np.asarray(_seed_centers(uniforms, points, mask))[:num_centers]


def count_distinct(points: np.ndarray, up_to: int) -> int:
    """The number of distinct rows of ``points`` (N, D), counted up to ``up_to``: K passes over the
    points, where sorting them (``np.unique``) would take longer for large N."""
    count, remaining = 0, points
    while count < up_to and remaining.shape[0]:
        remaining = remaining[np.any(remaining != remaining[0], axis=1)]
        count += 1
    return count
