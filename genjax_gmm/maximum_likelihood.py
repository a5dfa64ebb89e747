"""Maximum likelihood for mixtures of Gaussians by EM, with four covariance types, and k-means as
its limit: one implementation for (N, D) points, behind both ``gg.em`` (1-D data, as (N, 1)) and
``mv.em``.

EM climbs the log-likelihood of K components with weights π, means μ and covariances Σ,

    L(π, μ, Σ) = Σ_i log Σ_k π_k N(x_i; μ_k, Σ_k),

by alternating two steps that can never decrease L:

* E-step: responsibilities r_ik = π_k N(x_i; μ_k, Σ_k) / Σ_j π_j N(x_i; μ_j, Σ_j), computed in
  log space from ``gaussian.mvn_mixture_logits`` and log-sum-exp;
* M-step: with N_k = Σ_i r_ik and the scatter matrices S_k = Σ_i r_ik (x_i − μ_k)(x_i − μ_k)ᵀ,
  set π_k = N_k / N, μ_k = Σ_i r_ik x_i / N_k and, by covariance type (as in scikit-learn):

  * ``"full"``: Σ_k = S_k / N_k, any ellipse per component (K·D(D+1)/2 parameters);
  * ``"tied"``: Σ_k = Σ_j S_j / N for all k, one shared ellipse (D(D+1)/2);
  * ``"diag"``: Σ_k = diag(S_k) / N_k, axis-aligned ellipses (K·D);
  * ``"spherical"``: Σ_k = tr(S_k) / (D N_k) · I, circles (K).

  In one dimension all four are the variance σ_k² = Σ_i r_ik (x_i − μ_k)² / N_k ("tied": one
  variance shared by all components).

Covariance floor. A component collapsing onto one point sends L to +∞, so the covariances are
kept at least ``floor`` times the data's scale: in standardised coordinates (each coordinate
divided by its standard deviation s_d) every eigenvalue of Σ_k is at least the floor (full, tied;
eigenvalues clipped), every diagonal entry is (diag), or σ² ≥ floor · mean_d s_d² (spherical).
This is scikit-learn's ``reg_covar`` applied to standardised data, except that it is a floor
rather than an addition: clipping is the exact maximiser of the M-step's objective under the
constraint (the eigenvectors of S_k stay optimal), so L never decreases, and when no eigenvalue
is near the floor the result is the unregularised maximum likelihood estimate.

k-means is the hard-assignment limit of EM: give every component the same weight and the same
covariance σ²I and let σ² → 0. Then r_ik → 1 for the nearest mean and 0 otherwise, and the
M-step for μ becomes the average of each cluster: Lloyd's algorithm, minimising the inertia
Σ_i |x_i − μ_{z_i}|².

Starts and restarts. Restart r seeds K means by k-means++ (``engine.seeding`` with one candidate
per seed: restarts that start further apart than greedy seeds would, as the restarts of
scikit-learn's EM do from its k-means) from the uniforms of NumPy's ``default_rng((seed, r))``, so
restart r starts in the same place whatever the number of restarts, and more restarts can only
find a better optimum. EM gives every point to its nearest seed, and its
first iteration is the M-step from those hard responsibilities (scikit-learn's start from a
partition: a mixture of the fitted type, so L rises from there on); k-means starts from the seeds. Every restart runs
to convergence in compiled chunks (``engine.iteration``) on the data padded to a size bucket
(``engine.buckets``), padded points masked out of every sum, so one program serves every N in a
bucket, every covariance type (a traced index) and every ``max_iterations``. The best restart is
returned, its components ordered by mean (``components.order_by_mean``). EM warns when the best
restart did not converge (``ConvergenceWarning``) and when one of its components sits at the floor
(``DegenerateComponentWarning``).

Component buckets. EM also runs K components padded to ``component_bucket(K)`` (4 for K ≤ 4, then
the next power of two): a padded component starts with no point (its seed repeats the first, and a
tie goes to the first), so its weight N_k / N is 0, its log-weight −∞ and every responsibility of
it 0, and it stays so; it adds only exact zeros to every sum. So the fits are those of K components,
and one program serves K = 1 … 4 (comparing K by BIC compiles EM once per data bucket).
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import logsumexp

from .components import order_by_mean
from .engine.buckets import bucket_size, pad_to_bucket
from .engine.iteration import iterate, warn_if_not_converged
from .engine.seeding import count_distinct, restart_centers
from .gaussian import mvn_mixture_logits
from .validation import check_nonnegative_int, check_positive, check_positive_int

__all__ = [
    "COVARIANCE_TYPES",
    "DegenerateComponentWarning",
    "num_parameters",
    "data_scale",
    "MixtureFit",
    "ClusteringFit",
    "fit_mixture",
    "fit_kmeans",
]

COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")

MIN_COMPONENT_BUCKET = 4
"""EM runs at least this many components, padded ones empty (module docstring)."""


def component_bucket(num_components: int) -> int:
    """The number of components EM runs for K: ``MIN_COMPONENT_BUCKET``, or the next power of two."""
    return bucket_size(num_components, MIN_COMPONENT_BUCKET, steps_per_doubling=1)


class DegenerateComponentWarning(UserWarning):
    """An EM component collapsed onto a single value (its covariance is at the floor)."""


def num_parameters(num_components: int, dimension: int, covariance_type: str) -> int:
    """Free parameters, as scikit-learn counts them: K − 1 weights, K·D means and the covariances."""
    covariance = {
        "full": num_components * dimension * (dimension + 1) // 2,
        "tied": dimension * (dimension + 1) // 2,
        "diag": num_components * dimension,
        "spherical": num_components,
    }[covariance_type]
    return num_components - 1 + num_components * dimension + covariance


def data_scale(points: np.ndarray) -> np.ndarray:
    """s_d, the standard deviation of each coordinate (1 for a constant coordinate, which is then
    measured in its own units): the units of the covariance floor."""
    scale = points.std(axis=0)
    return np.where(scale > 0, scale, 1.0)


class MixtureFit(NamedTuple):
    """The best of ``fit_mixture``'s restarts, components ordered by mean."""

    weights: np.ndarray  # (K,) π
    means: np.ndarray  # (K, D) μ
    covariances: np.ndarray  # (K, D, D) Σ, whatever the type (tied: K equal copies)
    responsibilities: np.ndarray  # (N, K) P(z_i = k | x_i)
    log_likelihood: float  # L at the returned parameters
    log_likelihood_trace: np.ndarray  # L at the start (the M-step from the seeds' partition), then after each iteration
    converged: bool  # stopped by tolerance, not by max_iterations
    restart_log_likelihood_traces: tuple[np.ndarray, ...]  # the trace of every restart


class ClusteringFit(NamedTuple):
    """The best of ``fit_kmeans``' restarts, clusters ordered by centre."""

    centers: np.ndarray  # (K, D)
    assignments: np.ndarray  # (N,) index of each point's nearest centre
    inertia: float  # Σ_i |x_i − centers[z_i]|²
    converged: bool  # the assignments stopped changing before max_iterations


class Mixture(NamedTuple):
    """A mixture's parameters inside the compiled EM."""

    weights: jax.Array  # (K,)
    means: jax.Array  # (K, D)
    covariances: jax.Array  # (K, D, D)


class _EMState(NamedTuple):
    """EM between iterations: the mixture, the E-step at it and its L."""

    mixture: Mixture
    responsibilities: jax.Array  # (padded N, K), 0 for padded points
    log_likelihood: jax.Array  # L of the real points at ``mixture``


def _e_step(points, mask, mixture: Mixture) -> tuple[jax.Array, jax.Array]:
    """L of the real points (``mask`` 1) and the responsibilities (padded points get 0)."""
    logits = mvn_mixture_logits(points, mixture.weights, mixture.means, mixture.covariances)
    log_marginal = logsumexp(logits, axis=-1, keepdims=True)
    return jnp.sum(log_marginal[:, 0] * mask), jnp.exp(logits - log_marginal) * mask[:, None]


def _clip_eigenvalues(covariances, scale, floor):
    """Σ with the eigenvalues of diag(1/s) Σ diag(1/s) raised to at least ``floor`` (in one
    dimension, σ² raised to floor · s²: the same, without compiling an eigendecomposition)."""
    if covariances.shape[-1] == 1:
        return jnp.maximum(covariances, floor * scale**2)
    standardised = covariances / (scale[:, None] * scale[None, :])
    values, vectors = jnp.linalg.eigh(standardised)
    clipped = (vectors * jnp.maximum(values, floor)[..., None, :]) @ jnp.swapaxes(vectors, -1, -2)
    return clipped * (scale[:, None] * scale[None, :])


def _m_step(points, responsibilities, previous: Mixture, covariance_type, scale, floor) -> Mixture:
    """The exact maximiser of the expected complete log-likelihood under the floor (module
    docstring); a component with N_k = 0 keeps its mean and covariance. ``covariance_type`` is an
    index into ``COVARIANCE_TYPES``, a traced number: all four updates are computed (a few D × D
    matrices) and one is selected, so one compiled EM serves every type."""
    counts = responsibilities.sum(axis=0)
    occupied = counts > 0
    safe = jnp.where(occupied, counts, 1.0)
    means = jnp.where(occupied[:, None], responsibilities.T @ points / safe[:, None], previous.means)
    deviations = points[:, None, :] - means[None]  # (N, K, D)
    scatter = jnp.einsum("nk,nkd,nke->kde", responsibilities, deviations, deviations)
    full = _clip_eigenvalues(scatter / safe[:, None, None], scale, floor)
    tied = jnp.broadcast_to(_clip_eigenvalues(scatter.sum(axis=0) / counts.sum(), scale, floor), scatter.shape)
    if points.shape[1] == 1:  # one variance per component: full, diagonal and spherical are the same
        candidates = [full, tied, full, full]
    else:
        identity = jnp.eye(points.shape[1], dtype=points.dtype)
        variances = jnp.diagonal(scatter, axis1=-2, axis2=-1) / safe[:, None]
        diagonal = jnp.maximum(variances, floor * scale**2)[:, :, None] * identity
        spherical = jnp.maximum(variances.mean(axis=1), floor * jnp.mean(scale**2))[:, None, None] * identity
        candidates = [full, tied, diagonal, spherical]
    covariances = jax.lax.select_n(covariance_type, *candidates)
    is_tied = covariance_type == COVARIANCE_TYPES.index("tied")
    covariances = jnp.where(occupied[:, None, None] | is_tied, covariances, previous.covariances)
    return Mixture(counts / counts.sum(), means, covariances)


def _squared_distances(points, centers) -> jax.Array:
    """|x_i − c_k|² (N, K)."""
    return jnp.sum((points[:, None, :] - centers[None]) ** 2, axis=-1)


def _nearest(points, centers) -> jax.Array:
    """Each point's nearest centre: the σ² → 0 limit of the E-step."""
    return jnp.argmin(_squared_distances(points, centers), axis=1)


@jax.jit
def _em_start(points, mask, seeds, scale) -> _EMState:
    """Every point given to its nearest seed: hard responsibilities, from which EM's first
    iteration takes its M-step (a mixture of the fitted type, so L rises from there on). The
    mixture is a placeholder that only an empty component would keep, and every seed is a real
    point, its own nearest: no component is empty. L = −∞ until the first E-step."""
    num_components, dimension = seeds.shape
    hard = jax.nn.one_hot(_nearest(points, seeds), num_components, dtype=points.dtype) * mask[:, None]
    covariances = jnp.broadcast_to(jnp.diag(scale**2), (num_components, dimension, dimension))
    placeholder = Mixture(jnp.full(num_components, 1.0 / num_components, points.dtype), seeds, covariances)
    return _EMState(placeholder, hard, jnp.array(-jnp.inf, points.dtype))


def _em_step(state: _EMState, points, mask, covariance_type, scale, floor, tolerance):
    """One M-step and E-step; converged once L rose by at most ``tolerance`` per point."""
    mixture = _m_step(points, state.responsibilities, state.mixture, covariance_type, scale, floor)
    log_likelihood, responsibilities = _e_step(points, mask, mixture)
    converged = log_likelihood - state.log_likelihood <= tolerance * jnp.sum(mask)
    return _EMState(mixture, responsibilities, log_likelihood), log_likelihood, converged


def _validated(points: np.ndarray, num_components, num_restarts, max_iterations, seed) -> tuple[int, int, int, int]:
    """The shared arguments of EM and k-means, checked; errors name the argument."""
    num_components = check_positive_int(num_components, "num_components")
    num_distinct = count_distinct(points, up_to=num_components)
    if num_components > num_distinct:
        raise ValueError(
            f"num_components must be at most the number of distinct points ({num_distinct}), got {num_components}"
        )
    return (
        num_components,
        check_positive_int(num_restarts, "num_restarts"),
        check_positive_int(max_iterations, "max_iterations"),
        check_nonnegative_int(seed, "seed"),
    )


def _at_floor(covariances: np.ndarray, covariance_type: str, scale: np.ndarray, floor: float) -> np.ndarray:
    """The components whose covariance sits at the floor (module docstring), up to rounding."""
    if covariance_type == "spherical":
        smallest = covariances[:, 0, 0] / np.mean(scale**2)
    else:
        smallest = np.linalg.eigvalsh(covariances / np.outer(scale, scale)).min(axis=-1)
    return np.flatnonzero(smallest <= floor * (1 + 1e-9))


def fit_mixture(
    points: np.ndarray,
    num_components: int,
    covariance_type: str,
    *,
    num_restarts: int,
    max_iterations: int,
    tolerance: float,
    floor: float,
    floor_argument: tuple[str, float],
    seed: int,
    caller: str,
) -> MixtureFit:
    """EM on validated (N, D) ``points`` from ``num_restarts`` restarts (module docstring); each
    stops when an iteration raises L / N by at most ``tolerance`` or after ``max_iterations``.
    ``floor`` is relative to the data's scale; ``floor_argument`` (the caller's name and value of
    it) and ``caller`` name them in the warnings."""
    num_components, num_restarts, max_iterations, seed = _validated(
        points, num_components, num_restarts, max_iterations, seed
    )
    if covariance_type not in COVARIANCE_TYPES:
        raise ValueError(f"covariance_type must be one of {COVARIANCE_TYPES}, got {covariance_type!r}")
    tolerance = float(check_positive(tolerance, "tolerance"))

    padded, mask = (jax.device_put(array) for array in pad_to_bucket(points))
    scale = data_scale(points)
    operands = (padded, mask, COVARIANCE_TYPES.index(covariance_type), scale, floor, tolerance)
    best, best_trace, best_converged, traces = None, None, False, []
    num_padded = component_bucket(num_components) - num_components
    for restart in range(num_restarts):
        seeds = restart_centers(seed, restart, num_components, padded, mask)
        seeds = np.concatenate([seeds, np.repeat(seeds[:1], num_padded, axis=0)])  # padded: never nearest
        start = _em_start(padded, mask, seeds, scale)
        state, trace, converged = iterate(_em_step, start, operands, max_iterations)
        traces.append(trace)
        if best is None or float(state.log_likelihood) > float(best.log_likelihood):
            best, best_trace, best_converged = state, traces[-1], converged

    mixture = Mixture(*(values[:num_components] for values in jax.device_get(best.mixture)))
    order = order_by_mean(mixture.means, vectors=True)
    covariances = mixture.covariances[order]
    warn_if_not_converged(
        best_converged, caller, "the best restart", max_iterations, stacklevel=3, floor=floor_argument[0]
    )
    at_floor = _at_floor(covariances, covariance_type, scale, floor)
    if at_floor.size:
        name, value = floor_argument
        warnings.warn(
            f"{caller}: component(s) {at_floor.tolist()} (ordered by mean) shrank to the "
            f"{name.replace('_', ' ')} ({name} = {value:.3g}): they sit on one value or on tied (e.g. rounded) "
            f"values, where the likelihood is unbounded. Use fewer components, a larger {name}, or a Bayesian "
            "model (gibbs) whose prior keeps variances away from 0.",
            DegenerateComponentWarning,
            stacklevel=3,
        )
    return MixtureFit(
        weights=mixture.weights[order],
        means=mixture.means[order],
        covariances=covariances,
        responsibilities=np.asarray(best.responsibilities)[: points.shape[0], :num_components][:, order],
        log_likelihood=float(best.log_likelihood),
        log_likelihood_trace=best_trace,
        converged=best_converged,
        restart_log_likelihood_traces=tuple(traces),
    )


_nearest_centers = jax.jit(_nearest)


def _lloyd_step(state, points, mask):
    """Centres ← cluster means of the real points, then nearest assignments; the inertia after,
    and converged once the real points' assignments stop changing."""
    centers, assignments = state
    num_clusters = centers.shape[0]
    counts = jax.ops.segment_sum(mask, assignments, num_clusters)
    sums = jax.ops.segment_sum(mask[:, None] * points, assignments, num_clusters)
    centers = jnp.where(counts[:, None] > 0, sums / jnp.maximum(counts, 1.0)[:, None], centers)
    distances = _squared_distances(points, centers)
    new = jnp.argmin(distances, axis=1)
    inertia = jnp.sum(jnp.min(distances, axis=1) * mask)
    return (centers, new), inertia, jnp.all((new == assignments) | (mask == 0))


def fit_kmeans(
    points: np.ndarray, num_components: int, *, num_restarts: int, max_iterations: int, seed: int
) -> ClusteringFit:
    """Lloyd's algorithm on validated (N, D) ``points`` from the same starting centres as
    ``fit_mixture``'s restarts; the restart with the smallest inertia."""
    num_components, num_restarts, max_iterations, seed = _validated(
        points, num_components, num_restarts, max_iterations, seed
    )
    padded, mask = (jax.device_put(array) for array in pad_to_bucket(points))
    fits = []
    for restart in range(num_restarts):
        centers = restart_centers(seed, restart, num_components, padded, mask)
        start = (jax.device_put(centers), _nearest_centers(padded, centers))
        (centers, assignments), inertia, converged = iterate(_lloyd_step, start, (padded, mask), max_iterations)
        fits.append((float(inertia[-1]), centers, assignments, converged))
    inertia, centers, assignments, converged = min(fits, key=lambda fit: fit[0])
    centers = np.asarray(centers)
    order = order_by_mean(centers, vectors=True)
    return ClusteringFit(
        centers=centers[order],
        assignments=np.argsort(order)[np.asarray(assignments)[: points.shape[0]]],
        inertia=inertia,
        converged=converged,
    )
