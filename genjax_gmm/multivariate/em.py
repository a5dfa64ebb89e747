"""Maximum likelihood for multivariate Gaussian mixtures by EM, with four covariance types, and k-means.

EM climbs L = Σ_i log Σ_k π_k N(x_i; μ_k, Σ_k). With responsibilities r_ik (E-step, log space),
N_k = Σ_i r_ik and the scatter matrices S_k = Σ_i r_ik (x_i − μ_k)(x_i − μ_k)ᵀ, the M-step sets
π_k = N_k / N, μ_k = Σ_i r_ik x_i / N_k and, by covariance type (as in scikit-learn):

* ``"full"``: Σ_k = S_k / N_k, any ellipse per component (K·D(D+1)/2 parameters);
* ``"tied"``: Σ_k = Σ_j S_j / N for all k, one shared ellipse (D(D+1)/2);
* ``"diag"``: Σ_k = diag(S_k) / N_k, axis-aligned ellipses (K·D);
* ``"spherical"``: Σ_k = tr(S_k) / (D N_k) · I, circles (K).

Covariance floor. A component collapsing onto one point sends L to +∞, so the covariances are
kept at least ``covariance_floor`` (default 10⁻⁶) times the data's scale: in standardised
coordinates (each coordinate divided by its standard deviation s_d) every eigenvalue of Σ_k is
at least the floor (full, tied; eigenvalues clipped), every diagonal entry is (diag), or σ² ≥
floor · mean_d s_d² (spherical). This is scikit-learn's ``reg_covar`` applied to standardised
data, except that it is a floor rather than an addition: clipping is the exact maximiser of the
M-step's objective under the constraint (the eigenvectors of S_k stay optimal), so L never
decreases, and when no eigenvalue is near the floor the result is the unregularised maximum
likelihood estimate (which scikit-learn computes with ``reg_covar=0``).

Starts and restarts. Restart r draws k-means++ seeds with ``default_rng((seed, r))`` (a uniform
data point, then each next one ∝ its squared distance to the nearest seed), assigns every point
to its nearest seed and takes one M-step from those hard responsibilities. The best restart is
returned, components ordered by the first coordinate of their means. Data are padded to a
size bucket with a mask (``engine.buckets.pad_to_bucket``) and the covariance type is
a traced index, so one compiled EM serves every N in a bucket and every type.

k-means (``kmeans``) is the equal-weight, Σ_k = σ²I, σ² → 0 limit: Lloyd's algorithm.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import logsumexp

from ..engine.buckets import pad_to_bucket
from ..gaussian import mvn_mixture_logits
from ..validation import check_points, check_positive, check_positive_int

__all__ = [
    "COVARIANCE_TYPES",
    "MultivariateEMResult",
    "MultivariateKMeansResult",
    "num_parameters",
    "em",
    "kmeans",
]

COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")


def num_parameters(num_components: int, dimension: int, covariance_type: str) -> int:
    """Free parameters, as scikit-learn counts them: K − 1 weights, K·D means and the covariances."""
    covariance = {
        "full": num_components * dimension * (dimension + 1) // 2,
        "tied": dimension * (dimension + 1) // 2,
        "diag": num_components * dimension,
        "spherical": num_components,
    }[covariance_type]
    return num_components - 1 + num_components * dimension + covariance


@dataclasses.dataclass(frozen=True)
class MultivariateEMResult:
    """The best of ``em``'s restarts, components ordered by the first coordinate of their means."""

    weights: np.ndarray  # (K,) π
    means: np.ndarray  # (K, D) μ
    covariances: np.ndarray  # (K, D, D) Σ, whatever the type (tied: K equal copies)
    responsibilities: np.ndarray  # (N, K) P(z_i = k | x_i)
    log_likelihood: float  # L, summed over the points
    log_likelihood_trace: np.ndarray  # L after 0, 1, 2, … iterations of the best restart
    converged: bool  # stopped by tolerance, not by max_iterations
    covariance_type: str
    num_parameters: int  # p, scikit-learn's count
    bic: float  # −2L + p log N
    aic: float  # −2L + 2p


@dataclasses.dataclass(frozen=True)
class MultivariateKMeansResult:
    """The best of ``kmeans``' restarts, clusters ordered by the first coordinate of their centers."""

    centers: np.ndarray  # (K, D)
    assignments: np.ndarray  # (N,) index of each point's nearest center
    inertia: float  # Σ_i |x_i − centers[z_i]|²
    converged: bool


class _Mixture(NamedTuple):
    weights: jax.Array
    means: jax.Array
    covariances: jax.Array


def _e_step(data, mask, mixture: _Mixture):
    """L (masked sum) and responsibilities (padded points get 0)."""
    logits = mvn_mixture_logits(data, mixture.weights, mixture.means, mixture.covariances)
    log_marginal = logsumexp(logits, axis=-1, keepdims=True)
    return jnp.sum(log_marginal[:, 0] * mask), jnp.exp(logits - log_marginal) * mask[:, None]


def _clip_eigenvalues(covariances, scale, floor):
    """Σ with the eigenvalues of diag(1/s) Σ diag(1/s) raised to at least ``floor``."""
    standardised = covariances / (scale[:, None] * scale[None, :])
    values, vectors = jnp.linalg.eigh(standardised)
    clipped = (vectors * jnp.maximum(values, floor)[..., None, :]) @ jnp.swapaxes(vectors, -1, -2)
    return clipped * (scale[:, None] * scale[None, :])


def _m_step(data, responsibilities, previous: _Mixture, covariance_type, scale, floor) -> _Mixture:
    """The exact maximiser of the expected complete log-likelihood under the floor (module
    docstring); a component with N_k = 0 keeps its mean and covariance. ``covariance_type`` is an
    index into ``COVARIANCE_TYPES``, a traced number: all four updates are computed (a few D × D
    matrices) and one is selected, so one compiled EM serves every type."""
    counts = responsibilities.sum(axis=0)
    occupied = counts > 0
    safe = jnp.where(occupied, counts, 1.0)
    means = jnp.where(occupied[:, None], responsibilities.T @ data / safe[:, None], previous.means)
    deviations = data[:, None, :] - means[None]  # (N, K, D)
    scatter = jnp.einsum("nk,nkd,nke->kde", responsibilities, deviations, deviations)
    dimension = data.shape[1]
    identity = jnp.eye(dimension, dtype=data.dtype)
    variances = jnp.diagonal(scatter, axis1=-2, axis2=-1) / safe[:, None]
    candidates = [
        _clip_eigenvalues(scatter / safe[:, None, None], scale, floor),  # full
        jnp.broadcast_to(_clip_eigenvalues(scatter.sum(axis=0) / counts.sum(), scale, floor), scatter.shape),  # tied
        jnp.maximum(variances, floor * scale**2)[:, :, None] * identity,  # diag
        jnp.maximum(variances.mean(axis=1), floor * jnp.mean(scale**2))[:, None, None] * identity,  # spherical
    ]
    covariances = jax.lax.select_n(covariance_type, *candidates)
    tied = covariance_type == COVARIANCE_TYPES.index("tied")
    covariances = jnp.where(occupied[:, None, None] | tied, covariances, previous.covariances)
    return _Mixture(counts / counts.sum(), means, covariances)


@functools.partial(jax.jit, static_argnames="max_iterations")
def _em_from(data, mask, hard_responsibilities, scale, floor, tolerance, covariance_type, *, max_iterations):
    """One M-step from hard responsibilities, then EM until the gain in L per point ≤ tolerance."""
    num_points = mask.sum()
    dimension = data.shape[1]
    placeholder = _Mixture(
        jnp.zeros(hard_responsibilities.shape[1]),
        jnp.zeros((hard_responsibilities.shape[1], dimension)),
        jnp.broadcast_to(jnp.diag(scale**2), (hard_responsibilities.shape[1], dimension, dimension)),
    )
    initial = _m_step(data, hard_responsibilities, placeholder, covariance_type, scale, floor)

    def iterate(state):
        mixture, responsibilities, log_likelihood, trace, iteration, _ = state
        mixture = _m_step(data, responsibilities, mixture, covariance_type, scale, floor)
        new_log_likelihood, responsibilities = _e_step(data, mask, mixture)
        trace = trace.at[iteration + 1].set(new_log_likelihood)
        converged = new_log_likelihood - log_likelihood <= tolerance * num_points
        return mixture, responsibilities, new_log_likelihood, trace, iteration + 1, converged

    def keep_going(state):
        *_, iteration, converged = state
        return (iteration < max_iterations) & ~converged

    log_likelihood, responsibilities = _e_step(data, mask, initial)
    trace = jnp.full(max_iterations + 1, jnp.nan).at[0].set(log_likelihood)
    return jax.lax.while_loop(keep_going, iterate, (initial, responsibilities, log_likelihood, trace, 0, False))


def _kmeans_plus_plus(points: np.ndarray, num_components: int, rng: np.random.Generator) -> np.ndarray:
    seeds = [points[rng.integers(points.shape[0])]]
    for _ in range(1, num_components):
        distance = np.min(((points[:, None, :] - np.array(seeds)[None]) ** 2).sum(axis=-1), axis=1)
        total = distance.sum()
        probabilities = distance / total if total > 0 else np.full(points.shape[0], 1.0 / points.shape[0])
        seeds.append(points[rng.choice(points.shape[0], p=probabilities)])
    return np.array(seeds)


def _nearest(points: np.ndarray, centers: np.ndarray) -> np.ndarray:
    return np.argmin(((points[:, None, :] - centers[None]) ** 2).sum(axis=-1), axis=1)


def _validated(data, num_components, num_restarts, seed) -> tuple[np.ndarray, int, int, int]:
    points = check_points(data)
    num_components = check_positive_int(num_components, "num_components")
    num_distinct = np.unique(points, axis=0).shape[0]
    if num_components > num_distinct:
        raise ValueError(
            f"num_components must be at most the number of distinct points ({num_distinct}), got {num_components}"
        )
    num_restarts = check_positive_int(num_restarts, "num_restarts")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return points, num_components, num_restarts, int(seed)


def _order(means: np.ndarray) -> np.ndarray:
    return np.argsort(means[:, 0], kind="stable")


def em(
    data,
    num_components: int,
    covariance_type: str = "full",
    *,
    num_restarts: int = 10,
    max_iterations: int = 1000,
    tolerance: float = 1e-10,
    covariance_floor: float = 1e-6,
    seed: int = 0,
) -> MultivariateEMResult:
    """Maximum-likelihood mixture of K Gaussians on (N, D) data by EM (module docstring).

    Each restart stops when an iteration raises L / N by at most ``tolerance`` or after
    ``max_iterations``; the restart with the highest L is returned.
    """
    points, num_components, num_restarts, seed = _validated(data, num_components, num_restarts, seed)
    if covariance_type not in COVARIANCE_TYPES:
        raise ValueError(f"covariance_type must be one of {COVARIANCE_TYPES}, got {covariance_type!r}")
    max_iterations = check_positive_int(max_iterations, "max_iterations")
    tolerance = float(check_positive(tolerance, "tolerance"))
    covariance_floor = float(check_positive(covariance_floor, "covariance_floor"))

    padded, mask = pad_to_bucket(points)
    scale = points.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)  # a constant coordinate is measured in its own units
    fits = []
    for restart in range(num_restarts):
        seeds = _kmeans_plus_plus(points, num_components, np.random.default_rng((seed, restart)))
        hard = np.eye(num_components)[_nearest(padded, seeds)] * mask[:, None]
        fits.append(
            jax.device_get(
                _em_from(
                    padded,
                    mask,
                    hard,
                    scale,
                    covariance_floor,
                    tolerance,
                    COVARIANCE_TYPES.index(covariance_type),
                    max_iterations=max_iterations,
                )
            )
        )
    best = int(np.argmax([fit[2] for fit in fits]))
    mixture, responsibilities, log_likelihood, trace, iterations, converged = fits[best]
    order = _order(mixture.means)
    count = num_parameters(num_components, points.shape[1], covariance_type)
    log_likelihood = float(log_likelihood)
    return MultivariateEMResult(
        weights=mixture.weights[order],
        means=mixture.means[order],
        covariances=mixture.covariances[order],
        responsibilities=responsibilities[: points.shape[0], order],
        log_likelihood=log_likelihood,
        log_likelihood_trace=trace[: iterations + 1],
        converged=bool(converged),
        covariance_type=covariance_type,
        num_parameters=count,
        bic=-2 * log_likelihood + count * np.log(points.shape[0]),
        aic=-2 * log_likelihood + 2 * count,
    )


@functools.partial(jax.jit, static_argnames="max_iterations")
def _lloyd_from(data, mask, centers, *, max_iterations):
    """Lloyd's algorithm until the assignments of the real points stop changing."""
    num_clusters = centers.shape[0]

    def nearest(centers):
        return jnp.argmin(jnp.sum((data[:, None, :] - centers[None]) ** 2, axis=-1), axis=1)

    def iterate(state):
        centers, assignments, iteration, _ = state
        one_hot = jax.nn.one_hot(assignments, num_clusters, dtype=data.dtype) * mask[:, None]
        counts = one_hot.sum(axis=0)
        centers = jnp.where(counts[:, None] > 0, one_hot.T @ data / jnp.maximum(counts, 1.0)[:, None], centers)
        new = nearest(centers)
        return centers, new, iteration + 1, jnp.all((new == assignments) | (mask == 0))

    def keep_going(state):
        *_, iteration, converged = state
        return (iteration < max_iterations) & ~converged

    centers, assignments, _, converged = jax.lax.while_loop(keep_going, iterate, (centers, nearest(centers), 0, False))
    inertia = jnp.sum(jnp.sum((data - centers[assignments]) ** 2, axis=-1) * mask)
    return centers, assignments, inertia, converged


def kmeans(data, num_components: int, *, num_restarts: int = 10, max_iterations: int = 300, seed: int = 0):
    """k-means on (N, D) data from k-means++ starts (the same seeds as ``em``); the restart with
    the smallest inertia Σ_i |x_i − centers[z_i]|²."""
    points, num_components, num_restarts, seed = _validated(data, num_components, num_restarts, seed)
    max_iterations = check_positive_int(max_iterations, "max_iterations")
    padded, mask = pad_to_bucket(points)
    fits = [
        jax.device_get(
            _lloyd_from(
                padded,
                mask,
                _kmeans_plus_plus(points, num_components, np.random.default_rng((seed, restart))),
                max_iterations=max_iterations,
            )
        )
        for restart in range(num_restarts)
    ]
    centers, assignments, inertia, converged = min(fits, key=lambda fit: fit[2])
    order = _order(centers)
    return MultivariateKMeansResult(
        centers=centers[order],
        assignments=np.argsort(order)[assignments[: points.shape[0]]],
        inertia=float(inertia),
        converged=bool(converged),
    )
