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
find a better optimum. A restart runs compiled chunks of ``CHUNK`` iterations (a ``while_loop``
that stops early) on the data padded to a size bucket, padded points masked out of every sum, so
it compiles once per K and bucket; components in the results are ordered by mean.
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import logsumexp

from ..categorize import log_joint_by_component
from ..validation import check_magnitude, check_observations, check_positive, check_positive_int
from ..engine.buckets import pad_to_bucket
from ..engine.diagnostics import ConvergenceWarning

__all__ = ["EMResult", "KMeansResult", "DegenerateComponentWarning", "em", "kmeans"]

CHUNK = 64
"""EM and Lloyd iterations per compiled call; the Python loop around them stops early."""

RELATIVE_VARIANCE_FLOOR = 1e-6
"""The default variance floor, as a fraction of the data's variance."""


class DegenerateComponentWarning(UserWarning):
    """An EM component collapsed onto a single value (its variance is at the floor)."""


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


def _e_step(data: jax.Array, mask: jax.Array, mixture: _Mixture) -> tuple[jax.Array, jax.Array]:
    """Log-likelihood L of the real points (``mask`` 1) and responsibilities r (N, K) at ``mixture``
    (padded rows get r = 0)."""
    log_joint = log_joint_by_component(data, mixture.weights, mixture.means, jnp.sqrt(mixture.variances))
    log_marginal = logsumexp(log_joint, axis=-1, keepdims=True)
    return jnp.sum(mask * log_marginal[:, 0]), mask[:, None] * jnp.exp(log_joint - log_marginal)


def _m_step(data: jax.Array, responsibilities: jax.Array, previous: _Mixture, variance_floor) -> _Mixture:
    """Maximise the expected complete log-likelihood; a component with N_k = 0 keeps μ_k, σ_k²."""
    counts = responsibilities.sum(axis=0)
    occupied = counts > 0
    safe_counts = jnp.where(occupied, counts, 1.0)
    means = jnp.where(occupied, data @ responsibilities / safe_counts, previous.means)
    spread = jnp.sum(responsibilities * (data[:, None] - means) ** 2, axis=0) / safe_counts
    variances = jnp.where(occupied, jnp.maximum(spread, variance_floor), previous.variances)
    return _Mixture(counts / counts.sum(), means, variances)


class _EMState(NamedTuple):
    mixture: _Mixture
    responsibilities: jax.Array
    log_likelihood: jax.Array
    converged: jax.Array


@jax.jit
def _em_start(data, mask, initial: _Mixture) -> _EMState:
    log_likelihood, responsibilities = _e_step(data, mask, initial)
    return _EMState(initial, responsibilities, log_likelihood, jnp.array(False))


@jax.jit
def _em_chunk(data, mask, state: _EMState, count, tolerance, variance_floor):
    """Up to ``count`` ≤ ``CHUNK`` EM iterations from ``state``, stopping once an iteration raises
    L by at most ``tolerance`` per point; returns the state, the iterations run and L after each."""
    num_points = jnp.sum(mask)

    def iterate(carry):
        state, trace, iteration = carry
        mixture = _m_step(data, state.responsibilities, state.mixture, variance_floor)
        log_likelihood, responsibilities = _e_step(data, mask, mixture)
        converged = log_likelihood - state.log_likelihood <= tolerance * num_points
        trace = trace.at[iteration].set(log_likelihood)
        return _EMState(mixture, responsibilities, log_likelihood, converged), trace, iteration + 1

    def keep_going(carry):
        state, _, iteration = carry
        return (iteration < count) & ~state.converged

    trace = jnp.full(CHUNK, jnp.nan, data.dtype)
    return jax.lax.while_loop(keep_going, iterate, (state, trace, 0))


def _em_from(data, mask, initial: _Mixture, max_iterations: int, tolerance: float, variance_floor: float):
    """EM from one initial mixture: compiled chunks of iterations until converged or
    ``max_iterations``; returns the final state and the trace L_0, L_1, … as NumPy."""
    state = _em_start(data, mask, initial)
    traces = [np.array([float(state.log_likelihood)])]
    done = 0
    while done < max_iterations and not bool(state.converged):
        state, trace, ran = _em_chunk(data, mask, state, min(CHUNK, max_iterations - done), tolerance, variance_floor)
        traces.append(np.asarray(trace)[: int(ran)])
        done += int(ran)
    return jax.device_get(state), np.concatenate(traces)


@jax.jit
def _nearest(data, centers):
    """Each point's nearest center: the σ² → 0 limit of the E-step (its argmax over k does not
    depend on the shared σ)."""
    equal_weights = jnp.full(centers.size, 1.0 / centers.size)
    return jnp.argmax(log_joint_by_component(data, equal_weights, centers, jnp.ones(centers.size)), axis=-1)


@jax.jit
def _lloyd_chunk(data, mask, centers, assignments, count):
    """Up to ``count`` Lloyd iterations (centers ← cluster means of the real points, then nearest
    assignments), stopping when the assignments stop changing."""
    num_clusters = centers.size

    def iterate(carry):
        centers, assignments, iteration, _ = carry
        one_hot = mask[:, None] * jax.nn.one_hot(assignments, num_clusters, dtype=data.dtype)
        counts = one_hot.sum(axis=0)
        centers = jnp.where(counts > 0, data @ one_hot / jnp.maximum(counts, 1.0), centers)
        new_assignments = _nearest(data, centers)
        unchanged = jnp.all(jnp.where(mask > 0, new_assignments == assignments, True))
        return centers, new_assignments, iteration + 1, unchanged

    def keep_going(carry):
        *_, iteration, converged = carry
        return (iteration < count) & ~converged

    return jax.lax.while_loop(keep_going, iterate, (centers, assignments, 0, False))


def _lloyd_from(data, mask, initial_centers, max_iterations: int):
    """Lloyd's algorithm from one set of centers, in compiled chunks, until the assignments stop
    changing or ``max_iterations``; returns centers, assignments, inertia and convergence."""
    centers, assignments = initial_centers, _nearest(data, initial_centers)
    done, converged = 0, False
    while done < max_iterations and not converged:
        centers, assignments, ran, converged = _lloyd_chunk(
            data, mask, centers, assignments, min(CHUNK, max_iterations - done)
        )
        done, converged = done + int(ran), bool(converged)
    centers, assignments = np.asarray(centers), np.asarray(assignments)
    real = np.asarray(mask) > 0
    inertia = float(np.sum((np.asarray(data)[real] - centers[assignments[real]]) ** 2))
    return centers, assignments[real], inertia, converged


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
    data = check_magnitude(check_observations(data, "data"), "data")
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
    num_restarts: int = 10,
    max_iterations: int = 500,
    tolerance: float = 1e-8,
    variance_floor: float | None = None,
    seed: int = 0,
) -> EMResult:
    """Maximum-likelihood weights, means and standard deviations of a 1-D Gaussian mixture by EM.

    Each restart starts from equal weights, the data variance for every component and the
    restart's starting means (see the module docstring), and stops when an iteration raises
    L / N by at most ``tolerance`` or after ``max_iterations`` iterations. Returns the restart
    with the highest L, its components ordered by mean. ``variance_floor`` defaults to 10⁻⁶ times
    the data's variance (scikit-learn's ``reg_covar`` on standardised data). Warns
    (``ConvergenceWarning``) when the best restart did not converge, and
    (``DegenerateComponentWarning``) when one of its components sits at the floor.
    """
    data, num_components = _validated_data(data, num_components)
    num_restarts = check_positive_int(num_restarts, "num_restarts")
    max_iterations = check_positive_int(max_iterations, "max_iterations")
    tolerance = float(check_positive(tolerance, "tolerance"))
    if variance_floor is None:
        variance_floor = RELATIVE_VARIANCE_FLOOR * (data.var() if data.var() > 0 else 1.0)
    variance_floor = float(check_positive(variance_floor, "variance_floor"))
    seed = _check_seed(seed)

    padded, mask = (jnp.asarray(array) for array in pad_to_bucket(data))
    equal_weights = np.full(num_components, 1.0 / num_components)
    data_variance = np.full(num_components, max(data.var(), variance_floor))
    fits = [
        _em_from(
            padded,
            mask,
            _Mixture(equal_weights, _initial_means(data, num_components, restart, seed), data_variance),
            max_iterations,
            tolerance,
            variance_floor,
        )
        for restart in range(num_restarts)
    ]
    traces = tuple(trace for _, trace in fits)
    best = int(np.argmax([state.log_likelihood for state, _ in fits]))
    state = fits[best][0]
    mixture, order = state.mixture, np.argsort(state.mixture.means)
    if not state.converged:
        warnings.warn(
            f"em: the best restart did not converge in {max_iterations} iterations; raise max_iterations "
            "or tolerance", ConvergenceWarning, stacklevel=2,
        )
    at_floor = np.flatnonzero(np.asarray(mixture.variances)[order] <= variance_floor * (1 + 1e-9))
    if at_floor.size:
        warnings.warn(
            f"em: component(s) {at_floor.tolist()} (ordered by mean) shrank to the variance floor "
            f"{variance_floor:.3g}: they sit on one value or on tied (e.g. rounded) values, where the "
            "likelihood is unbounded. Use fewer components, a larger variance_floor, or a Bayesian "
            "model (gibbs) whose prior keeps variances away from 0.",
            DegenerateComponentWarning,
            stacklevel=2,
        )
    return EMResult(
        weights=np.asarray(mixture.weights)[order],
        means=np.asarray(mixture.means)[order],
        stds=np.sqrt(np.asarray(mixture.variances)[order]),
        responsibilities=np.asarray(state.responsibilities)[: data.size, order],
        log_likelihood=float(state.log_likelihood),
        log_likelihood_trace=traces[best],
        converged=bool(state.converged),
        bic=float(-2 * state.log_likelihood + (3 * num_components - 1) * np.log(data.size)),
        restart_log_likelihood_traces=traces,
    )


def kmeans(
    data,
    num_components: int,
    *,
    num_restarts: int = 10,
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

    padded, mask = (jnp.asarray(array) for array in pad_to_bucket(data))
    fits = [
        _lloyd_from(padded, mask, jnp.asarray(_initial_means(data, num_components, restart, seed)), max_iterations)
        for restart in range(num_restarts)
    ]
    centers, assignments, inertia, converged = min(fits, key=lambda fit: fit[2])
    order = np.argsort(centers)
    return KMeansResult(
        centers=centers[order],
        assignments=np.argsort(order)[assignments],
        inertia=inertia,
        converged=converged,
    )
