"""Point estimates for a 1-D Gaussian mixture: expectation–maximisation, and k-means as its limit.

EM climbs the log-likelihood of K components with weights π, means μ and variances σ²,

    L(π, μ, σ²) = Σ_i log Σ_k π_k N(x_i; μ_k, σ_k²),

by alternating two steps that can never decrease L:

* E-step: responsibilities r_ik = π_k N(x_i; μ_k, σ_k²) / Σ_j π_j N(x_i; μ_j, σ_j²), in log space;
* M-step: with N_k = Σ_i r_ik, set π_k = N_k / N, μ_k = Σ_i r_ik x_i / N_k and
  σ_k² = max(Σ_i r_ik (x_i − μ_k)² / N_k, variance_floor).

The floor keeps L bounded (a component shrinking onto one point would send it to +∞); the
floored M-step is still the exact maximiser over {σ² ≥ floor}, so L stays non-decreasing.

k-means is the hard-assignment limit of EM: give every component the same weight and the same
variance σ² and let σ² → 0. Then r_ik → 1 for the nearest mean and 0 otherwise (the ratio
exp(−(x−μ_k)²/2σ²) / exp(−(x−μ_j)²/2σ²) runs to 0 or ∞), and the M-step for μ becomes the
average of each cluster: Lloyd's algorithm, minimising the inertia Σ_i (x_i − μ_{z_i})².

Both are the package's one EM and k-means (``genjax_gmm.maximum_likelihood``, for (N, D) points) on the data as
(N, 1) points, so ``em(x, K)`` is ``mv.em(x[:, None], K)`` with this module's defaults: restarts
from greedy k-means++ starts, compiled once per K and size bucket, components ordered by mean.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..maximum_likelihood import DegenerateComponentWarning, data_scale, fit_kmeans, fit_mixture, num_parameters
from ..validation import check_magnitude, check_observations, check_positive

__all__ = ["EMResult", "KMeansResult", "DegenerateComponentWarning", "em", "kmeans"]

RELATIVE_VARIANCE_FLOOR = 1e-6
"""The default variance floor, as a fraction of the data's variance."""


@dataclasses.dataclass(frozen=True)
class EMResult:
    """The best of ``em``'s restarts (components ordered by mean)."""

    weights: np.ndarray  # (K,) π
    means: np.ndarray  # (K,) μ
    stds: np.ndarray  # (K,) σ
    responsibilities: np.ndarray  # (N, K) P(z_i = k | x_i, π, μ, σ²)
    log_likelihood: float  # Σ_i log Σ_k π_k N(x_i; μ_k, σ_k²) at the returned parameters
    log_likelihood_trace: np.ndarray  # L at the start (the M-step from the seeds' partition), then after each iteration
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


def _points(data) -> np.ndarray:
    """1-D ``data`` validated, as (N, 1) points."""
    return check_magnitude(check_observations(data, "data"), "data")[:, None]


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

    Restart r seeds K means by greedy k-means++ (from NumPy's ``default_rng((seed, r))``), gives every
    point to its nearest seed and starts from the M-step of that partition; it stops when an
    iteration raises L / N by at most ``tolerance`` or after ``max_iterations`` iterations. Returns the
    restart with the highest L, its components ordered by mean. ``variance_floor`` defaults to
    10⁻⁶ times the data's variance (scikit-learn's ``reg_covar`` on standardised data). Warns
    (``ConvergenceWarning``) when the best restart did not converge, and
    (``DegenerateComponentWarning``) when one of its components sits at the floor.
    """
    points = _points(data)
    data_variance = data_scale(points)[0] ** 2
    if variance_floor is None:
        variance_floor = RELATIVE_VARIANCE_FLOOR * data_variance
    variance_floor = float(check_positive(variance_floor, "variance_floor"))
    fit = fit_mixture(
        points,
        num_components,
        "full",
        num_restarts=num_restarts,
        max_iterations=max_iterations,
        tolerance=tolerance,
        floor=variance_floor / data_variance,
        floor_argument=("variance_floor", variance_floor),
        seed=seed,
        caller="em",
    )
    num_points, num_components = fit.responsibilities.shape
    return EMResult(
        weights=fit.weights,
        means=fit.means[:, 0],
        stds=np.sqrt(fit.covariances[:, 0, 0]),
        responsibilities=fit.responsibilities,
        log_likelihood=fit.log_likelihood,
        log_likelihood_trace=fit.log_likelihood_trace,
        converged=fit.converged,
        bic=float(-2 * fit.log_likelihood + num_parameters(num_components, 1, "full") * np.log(num_points)),
        restart_log_likelihood_traces=fit.restart_log_likelihood_traces,
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
    fit = fit_kmeans(_points(data), num_components, num_restarts=num_restarts, max_iterations=max_iterations, seed=seed)
    return KMeansResult(fit.centers[:, 0], fit.assignments, fit.inertia, fit.converged)
