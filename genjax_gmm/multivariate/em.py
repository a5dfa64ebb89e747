"""Maximum likelihood for multivariate Gaussian mixtures by EM, with four covariance types, and k-means.

The package's one EM and k-means (``genjax_gmm.maximum_likelihood``: the E- and M-steps for the ``"full"``,
``"tied"``, ``"diag"`` and ``"spherical"`` covariance types, the covariance floor, restarts from
greedy k-means++ starts, compiled once per K, D and size bucket) on (N, D) data, with
scikit-learn's parameter counts for BIC and AIC. Components are ordered by the first coordinate
of their means. ``covariance_floor`` (default 10⁻⁶) is relative: in standardised coordinates every
eigenvalue of Σ_k stays at least the floor (``genjax_gmm.maximum_likelihood``'s docstring).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..maximum_likelihood import COVARIANCE_TYPES, fit_kmeans, fit_mixture, num_parameters
from ..validation import check_points, check_positive

__all__ = [
    "COVARIANCE_TYPES",
    "MultivariateEMResult",
    "MultivariateKMeansResult",
    "num_parameters",
    "em",
    "kmeans",
]


@dataclasses.dataclass(frozen=True)
class MultivariateEMResult:
    """The best of ``em``'s restarts, components ordered by the first coordinate of their means."""

    weights: np.ndarray  # (K,) π
    means: np.ndarray  # (K, D) μ
    covariances: np.ndarray  # (K, D, D) Σ, whatever the type (tied: K equal copies)
    responsibilities: np.ndarray  # (N, K) P(z_i = k | x_i)
    log_likelihood: float  # L, summed over the points
    log_likelihood_trace: np.ndarray  # L at the start (the M-step from the seeds' partition), then after each iteration
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
    """Maximum-likelihood mixture of K Gaussians on (N, D) data by EM (``genjax_gmm.maximum_likelihood``).

    Each restart stops when an iteration raises L / N by at most ``tolerance`` or after
    ``max_iterations``; the restart with the highest L is returned. Warns
    (``ConvergenceWarning``) when it did not converge and (``DegenerateComponentWarning``) when a
    component sits at the covariance floor.
    """
    points = check_points(data)
    covariance_floor = float(check_positive(covariance_floor, "covariance_floor"))
    fit = fit_mixture(
        points,
        num_components,
        covariance_type,
        num_restarts=num_restarts,
        max_iterations=max_iterations,
        tolerance=tolerance,
        floor=covariance_floor,
        floor_argument=("covariance_floor", covariance_floor),
        seed=seed,
        caller="mv.em",
    )
    count = num_parameters(fit.weights.size, points.shape[1], covariance_type)
    return MultivariateEMResult(
        weights=fit.weights,
        means=fit.means,
        covariances=fit.covariances,
        responsibilities=fit.responsibilities,
        log_likelihood=fit.log_likelihood,
        log_likelihood_trace=fit.log_likelihood_trace,
        converged=fit.converged,
        covariance_type=covariance_type,
        num_parameters=count,
        bic=float(-2 * fit.log_likelihood + count * np.log(points.shape[0])),
        aic=float(-2 * fit.log_likelihood + 2 * count),
    )


def kmeans(data, num_components: int, *, num_restarts: int = 10, max_iterations: int = 300, seed: int = 0):
    """k-means on (N, D) data from the same starts as ``em``; the restart with the smallest inertia
    Σ_i |x_i − centers[z_i]|²."""
    fit = fit_kmeans(
        check_points(data), num_components, num_restarts=num_restarts, max_iterations=max_iterations, seed=seed
    )
    return MultivariateKMeansResult(fit.centers, fit.assignments, fit.inertia, fit.converged)
