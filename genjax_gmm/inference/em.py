"""Point estimates for a 1-D Gaussian mixture: expectation–maximisation, and k-means as its limit.

EM climbs the log-likelihood of K components with weights π, means μ and variances σ²,

    L(π, μ, σ²) = Σ_i log Σ_k π_k N(x_i; μ_k, σ_k²),

by alternating two steps that can never decrease L:

* E-step: responsibilities r_ik = π_k N(x_i; μ_k, σ_k²) / Σ_j π_j N(x_i; μ_j, σ_j²), computed
  in log space from ``categorize.log_joint_by_component`` and log-sum-exp;
* M-step: with N_k = Σ_i r_ik, set π_k = N_k / N, μ_k = Σ_i r_ik x_i / N_k and
  σ_k² = max(Σ_i r_ik (x_i − μ_k)² / N_k, variance_floor).

The floor keeps L bounded (a component shrinking onto one point would send it to +∞); the
floored M-step is still the exact maximiser over {σ² ≥ floor}, so L stays non-decreasing.

k-means is the hard-assignment limit of EM: give every component the same weight and the same
variance σ² and let σ² → 0. Then r_ik → 1 for the nearest mean and 0 otherwise (the ratio
exp(−(x−μ_k)²/2σ²) / exp(−(x−μ_j)²/2σ²) runs to 0 or ∞), and the M-step for μ becomes the
average of each cluster: Lloyd's algorithm, minimising the inertia Σ_i (x_i − μ_{z_i})².

Both run several restarts from data-based starting means: restart 0 uses quantiles of the
distinct values, restart r ≥ 1 uses k-means++ seeding drawn from ``default_rng((seed, r))``, so
restart r starts in the same place whatever the number of restarts, and more restarts can only
find a better optimum. One restart is one jitted ``while_loop`` (compiled once per data size and
K); components in the results are ordered by mean.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import logsumexp

from ..categorize import log_joint_by_component
from ..validation import check_observations, check_positive, check_positive_int

__all__ = ["EMResult", "KMeansResult", "em", "kmeans"]


@dataclasses.dataclass(frozen=True)
class EMResult:
    """The best of ``em``'s restarts (components ordered by mean)."""

    weights: np.ndarray  # (K,) π
    means: np.ndarray  # (K,) μ
    stds: np.ndarray  # (K,) σ
    responsibilities: np.ndarray  # (N, K) P(z_i = k | x_i, π, μ, σ²)
    log_likelihood: float  # Σ_i log Σ_k π_k N(x_i; μ_k, σ_k²) at the returned parameters
    log_likelihood_trace: np.ndarray  # L after 0, 1, 2, … iterations of the best restart
    converged: bool  # the best restart stopped by tolerance, not by max_iterations
    bic: float  # −2 L + (3K − 1) log N
    restart_log_likelihood_traces: tuple[np.ndarray, ...]  # the trace of every restart


@dataclasses.dataclass(frozen=True)
class KMeansResult:
    """The best of ``kmeans``'s restarts (clusters ordered by center)."""

    centers: np.ndarray  # (K,)
    assignments: np.ndarray  # (N,) index of each point's nearest center
    inertia: float  # Σ_i (x_i − centers[assignments[i]])²
    converged: bool  # assignments stopped changing before max_iterations


class _Mixture(NamedTuple):
    weights: jax.Array
    means: jax.Array
    variances: jax.Array


def _e_step(data: jax.Array, mixture: _Mixture) -> tuple[jax.Array, jax.Array]:
    """Log-likelihood L and responsibilities r (N, K) at ``mixture``."""
    log_joint = log_joint_by_component(data, mixture.weights, mixture.means, jnp.sqrt(mixture.variances))
    log_marginal = logsumexp(log_joint, axis=-1, keepdims=True)
    return jnp.sum(log_marginal), jnp.exp(log_joint - log_marginal)


def _m_step(data: jax.Array, responsibilities: jax.Array, previous: _Mixture, variance_floor) -> _Mixture:
    """Maximise the expected complete log-likelihood; a component with N_k = 0 keeps μ_k, σ_k²."""
    counts = responsibilities.sum(axis=0)
    occupied = counts > 0
    safe_counts = jnp.where(occupied, counts, 1.0)
    means = jnp.where(occupied, data @ responsibilities / safe_counts, previous.means)
    spread = jnp.sum(responsibilities * (data[:, None] - means) ** 2, axis=0) / safe_counts
    variances = jnp.where(occupied, jnp.maximum(spread, variance_floor), previous.variances)
    return _Mixture(counts / data.size, means, variances)


@functools.partial(jax.jit, static_argnames="max_iterations")
def _em_from(data, initial: _Mixture, max_iterations: int, tolerance, variance_floor):
    """EM from one initial mixture until the per-point gain in L is ≤ tolerance."""

    def iterate(state):
        mixture, responsibilities, log_likelihood, trace, iteration, _ = state
        mixture = _m_step(data, responsibilities, mixture, variance_floor)
        new_log_likelihood, responsibilities = _e_step(data, mixture)
        converged = new_log_likelihood - log_likelihood <= tolerance * data.size
        trace = trace.at[iteration + 1].set(new_log_likelihood)
        return mixture, responsibilities, new_log_likelihood, trace, iteration + 1, converged

    def keep_going(state):
        *_, iteration, converged = state
        return (iteration < max_iterations) & ~converged

    log_likelihood, responsibilities = _e_step(data, initial)
    trace = jnp.full(max_iterations + 1, jnp.nan).at[0].set(log_likelihood)
    state = (initial, responsibilities, log_likelihood, trace, 0, False)
    return jax.lax.while_loop(keep_going, iterate, state)


@functools.partial(jax.jit, static_argnames="max_iterations")
def _lloyd_from(data, initial_centers, max_iterations: int):
    """Lloyd's algorithm from one set of centers until the assignments stop changing."""
    num_clusters = initial_centers.size
    equal_weights = jnp.full(num_clusters, 1.0 / num_clusters)
    shared_std = jnp.ones(num_clusters)

    def nearest(centers):
        # The σ² → 0 limit of the E-step: the argmax over k does not depend on the shared σ.
        return jnp.argmax(log_joint_by_component(data, equal_weights, centers, shared_std), axis=-1)

    def iterate(state):
        centers, assignments, iteration, _ = state
        one_hot = jax.nn.one_hot(assignments, num_clusters, dtype=data.dtype)
        counts = one_hot.sum(axis=0)
        centers = jnp.where(counts > 0, data @ one_hot / jnp.maximum(counts, 1.0), centers)
        new_assignments = nearest(centers)
        return centers, new_assignments, iteration + 1, jnp.all(new_assignments == assignments)

    def keep_going(state):
        *_, iteration, converged = state
        return (iteration < max_iterations) & ~converged

    centers, assignments, _, converged = jax.lax.while_loop(
        keep_going, iterate, (initial_centers, nearest(initial_centers), 0, False)
    )
    return centers, assignments, jnp.sum((data - centers[assignments]) ** 2), converged


def _initial_means(data: np.ndarray, num_components: int, restart: int, seed: int) -> np.ndarray:
    """Quantiles (k + ½)/K of the distinct values for restart 0, k-means++ seeding otherwise.

    k-means++ picks a data point uniformly, then each further one with probability ∝ its squared
    distance to the nearest mean chosen so far (so never a value already chosen).
    """
    if restart == 0:
        return np.quantile(np.unique(data), (np.arange(num_components) + 0.5) / num_components)
    rng = np.random.default_rng((seed, restart))
    means = [rng.choice(data)]
    for _ in range(1, num_components):
        squared_distance = np.min((data[:, None] - np.array(means)) ** 2, axis=1)
        means.append(rng.choice(data, p=squared_distance / squared_distance.sum()))
    return np.array(means)


def _validated_data(data, num_components) -> tuple[np.ndarray, int]:
    data = check_observations(data, "data")
    num_components = check_positive_int(num_components, "num_components")
    num_distinct = np.unique(data).size
    if num_components > num_distinct:
        raise ValueError(
            f"num_components must be at most the number of distinct data values ({num_distinct}), "
            f"got {num_components}"
        )
    return data, num_components


def _check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an integer, got {type(seed).__name__}")
    if seed < 0:
        raise ValueError(f"seed must be non-negative, got {seed}")
    return int(seed)


def em(
    data,
    num_components: int,
    *,
    num_restarts: int = 5,
    max_iterations: int = 500,
    tolerance: float = 1e-8,
    variance_floor: float = 1e-6,
    seed: int = 0,
) -> EMResult:
    """Maximum-likelihood weights, means and standard deviations of a 1-D Gaussian mixture by EM.

    Each restart starts from equal weights, the data variance for every component and the
    restart's starting means (see the module docstring), and stops when an iteration raises
    L / N by at most ``tolerance`` or after ``max_iterations`` iterations. Returns the restart
    with the highest L, its components ordered by mean.
    """
    data, num_components = _validated_data(data, num_components)
    num_restarts = check_positive_int(num_restarts, "num_restarts")
    max_iterations = check_positive_int(max_iterations, "max_iterations")
    tolerance = float(check_positive(tolerance, "tolerance"))
    variance_floor = float(check_positive(variance_floor, "variance_floor"))
    seed = _check_seed(seed)

    observations = jnp.asarray(data)
    equal_weights = np.full(num_components, 1.0 / num_components)
    data_variance = np.full(num_components, max(data.var(), variance_floor))
    fits = [
        jax.device_get(
            _em_from(
                observations,
                _Mixture(equal_weights, _initial_means(data, num_components, restart, seed), data_variance),
                max_iterations,
                tolerance,
                variance_floor,
            )
        )
        for restart in range(num_restarts)
    ]
    traces = tuple(trace[: iterations + 1] for *_, trace, iterations, _ in fits)
    best = int(np.argmax([log_likelihood for _, _, log_likelihood, *_ in fits]))
    mixture, responsibilities, log_likelihood, _, _, converged = fits[best]
    order = np.argsort(mixture.means)
    return EMResult(
        weights=mixture.weights[order],
        means=mixture.means[order],
        stds=np.sqrt(mixture.variances[order]),
        responsibilities=responsibilities[:, order],
        log_likelihood=float(log_likelihood),
        log_likelihood_trace=traces[best],
        converged=bool(converged),
        bic=float(-2 * log_likelihood + (3 * num_components - 1) * np.log(data.size)),
        restart_log_likelihood_traces=traces,
    )


def kmeans(
    data,
    num_components: int,
    *,
    num_restarts: int = 5,
    max_iterations: int = 100,
    seed: int = 0,
) -> KMeansResult:
    """k-means (Lloyd's algorithm) on 1-D data: the σ² → 0, equal-weight limit of ``em``.

    Restarts use the same starting means as ``em``; returns the restart with the smallest
    inertia Σ_i (x_i − centers[z_i])², its clusters ordered by center.
    """
    data, num_components = _validated_data(data, num_components)
    num_restarts = check_positive_int(num_restarts, "num_restarts")
    max_iterations = check_positive_int(max_iterations, "max_iterations")
    seed = _check_seed(seed)

    observations = jnp.asarray(data)
    fits = [
        jax.device_get(_lloyd_from(observations, _initial_means(data, num_components, restart, seed), max_iterations))
        for restart in range(num_restarts)
    ]
    centers, assignments, inertia, converged = min(fits, key=lambda fit: fit[2])
    order = np.argsort(centers)
    return KMeansResult(
        centers=centers[order],
        assignments=np.argsort(order)[assignments],
        inertia=float(inertia),
        converged=bool(converged),
    )
