"""The Normal-Inverse-Wishart prior and the Bayesian multivariate Gaussian mixture in GenJAX.

Model over N points in D dimensions with K components (``bayesian_gmm(N, K, D)``)::

    π ~ Dirichlet(α·1_K)                                   at "weights"       (K,)
    Σ_k ~ InverseWishart(ν, Ψ)              k = 1..K        at "covariances"   (K, D, D)
    μ_k | Σ_k ~ Normal(m₀, Σ_k / κ₀)        k = 1..K        at "means"         (K, D)
    z_i ~ Categorical(π), x_i ~ Normal(μ_{z_i}, Σ_{z_i})    at "points" / "component" (N,), "x" (N, D)

InverseWishart(ν, Ψ) has density p(Σ) = |Ψ|^{ν/2} / (2^{νD/2} Γ_D(ν/2)) |Σ|^{−(ν+D+1)/2}
exp(−½ tr(Ψ Σ⁻¹)) on symmetric positive-definite matrices, for ν > D − 1; its mean is
Ψ / (ν − D − 1) when ν > D + 1. Σ ~ InverseWishart(ν, Ψ) exactly when Σ⁻¹ ~ Wishart(ν, Ψ⁻¹),
which is how ``inverse_wishart`` wraps TensorFlow Probability's ``WishartTriL``. With D = 1 it
is InverseGamma(ν/2, Ψ/2), the 1-D model's variance prior with ν = 2a and Ψ = 2b.
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
from genjax import categorical, gen, multivariate_normal, tfp_distribution
from tensorflow_probability.substrates import jax as tfp

from ..models import mixture_weights
from ..validation import (
    cached_by_counts,
    check_finite,
    check_instance,
    check_magnitude,
    check_points,
    check_positive,
    check_positive_int,
    check_scalar,
    is_traced,
    register_prior_pytree,
)

__all__ = ["NIWPrior", "inverse_wishart", "mixture_point", "bayesian_gmm"]

SYMMETRY_TOLERANCE = 1e-10
"""A scale matrix may differ from its transpose by at most this, relative to its largest entry."""


def check_scale_matrix(value, name: str, dimension: int | None = None) -> np.ndarray:
    """A symmetric positive-definite (D, D) matrix (D = ``dimension`` if given), as float64."""
    matrix = check_finite(value, name)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.shape[0] == 0:
        raise ValueError(f"{name} must be a square (D, D) matrix, got shape {matrix.shape}")
    if dimension is not None and matrix.shape[0] != dimension:
        raise ValueError(f"{name} must have shape ({dimension}, {dimension}) for D = {dimension}, got {matrix.shape}")
    if np.max(np.abs(matrix - matrix.T)) > SYMMETRY_TOLERANCE * max(np.max(np.abs(matrix)), 1e-300):
        raise ValueError(f"{name} must be symmetric")
    if np.linalg.eigvalsh(matrix).min() <= 0:
        raise ValueError(f"{name} must be positive definite (its smallest eigenvalue is ≤ 0)")
    return matrix


@dataclasses.dataclass(frozen=True)
class NIWPrior:
    """Conjugate prior of the multivariate mixture: π ~ Dirichlet(concentration·1_K);
    Σ_k ~ InverseWishart(df, scale_matrix); μ_k | Σ_k ~ Normal(mean_loc, Σ_k / mean_pseudo_count).

    ``mean_loc`` is a (D,) vector and ``scale_matrix`` a symmetric positive-definite (D, D)
    matrix; ``df`` must exceed D − 1. Construction validates every field (errors name it); the
    prior is a JAX pytree, so it passes through ``jit`` and ``vmap``.
    """

    concentration: float
    mean_loc: np.ndarray
    mean_pseudo_count: float
    df: float
    scale_matrix: np.ndarray

    def __post_init__(self):
        if is_traced(*dataclasses.astuple(self)):
            return
        for name in ("concentration", "mean_pseudo_count", "df"):
            value = check_scalar(getattr(self, name), f"prior.{name}")
            check_magnitude(check_positive(value, f"prior.{name}"), f"prior.{name}", scale=True)
            object.__setattr__(self, name, value)
        mean_loc = check_magnitude(self.mean_loc, "prior.mean_loc")
        if mean_loc.ndim != 1 or mean_loc.size == 0:
            raise ValueError(f"prior.mean_loc must be a (D,) vector, got shape {mean_loc.shape}")
        dimension = mean_loc.size
        scale_matrix = check_scale_matrix(
            check_magnitude(self.scale_matrix, "prior.scale_matrix"), "prior.scale_matrix", dimension
        )
        if not self.df > dimension - 1:
            raise ValueError(f"prior.df must exceed D − 1 = {dimension - 1}, got {self.df}")
        object.__setattr__(self, "mean_loc", mean_loc)
        object.__setattr__(self, "scale_matrix", scale_matrix)

    @property
    def dimension(self) -> int:
        """D, the number of measurements per point."""
        return int(np.shape(self.mean_loc)[-1])

    @classmethod
    def from_data(cls, data, num_components: int, *, concentration: float = 1.0) -> NIWPrior:
        """A weakly informative prior centred on the data: m₀ = the data mean, κ₀ = 0.01, ν = D + 2
        and Ψ = diag(data variances) / K², so that E[Σ_k] = Ψ / (ν − D − 1) is the data's spread
        per coordinate shrunk by K² (K components share the range) and no correlation is assumed."""
        points = check_points(data)
        num_components = check_positive_int(num_components, "num_components")
        if np.any(points.var(axis=0) == 0):
            raise ValueError("data must vary in every coordinate for a data-based prior (a coordinate is constant)")
        dimension = points.shape[1]
        return cls(
            concentration=concentration,
            mean_loc=points.mean(axis=0),
            mean_pseudo_count=0.01,
            df=dimension + 2.0,
            scale_matrix=np.diag(points.var(axis=0)) / num_components**2,
        )


register_prior_pytree(NIWPrior)


def _inverse_wishart_distribution(df, scale_matrix):
    """InverseWishart(df, Ψ) as the image of Wishart(df, Ψ⁻¹) under W ↦ W⁻¹ (TFP bijectors:
    W → chol W → chol W⁻¹ → W⁻¹, whose log-Jacobian TFP supplies)."""
    scale_tril = jnp.linalg.cholesky(scale_matrix)
    identity = jnp.eye(scale_matrix.shape[-1], dtype=scale_matrix.dtype)
    precision = jax.scipy.linalg.cho_solve((scale_tril, True), identity)  # Ψ⁻¹ of the prior only
    wishart = tfp.distributions.WishartTriL(df, scale_tril=jnp.linalg.cholesky(precision))
    invert = tfp.bijectors.Chain(
        [
            tfp.bijectors.CholeskyOuterProduct(),
            tfp.bijectors.CholeskyToInvCholesky(),
            tfp.bijectors.Invert(tfp.bijectors.CholeskyOuterProduct()),
        ]
    )
    return tfp.distributions.TransformedDistribution(wishart, invert)


inverse_wishart = tfp_distribution(_inverse_wishart_distribution, name="InverseWishart")
"""InverseWishart(df, scale_matrix) over symmetric positive-definite (D, D) matrices."""


@gen
def mixture_point(weights, means, covariances):
    """One point of a known multivariate mixture: component ~ Categorical(weights) at
    ``"component"``, x ~ Normal(means[component], covariances[component]) at ``"x"``."""
    component = categorical(jnp.log(weights)) @ "component"
    return multivariate_normal(means[component], covariances[component]) @ "x"


@cached_by_counts("num_points", "num_components", "dimension")
def bayesian_gmm(num_points: int, num_components: int, dimension: int):
    """The Bayesian multivariate GMM (module docstring) as a GenJAX generative function of one
    argument, an ``NIWPrior`` of dimension D. Condition with
    ``model.generate({"points": {"x": data}}, prior)``; score with ``model.assess(choices, prior)``.
    Any other prior, or one of another dimension, is refused (``TypeError``, ``ValueError``)."""
    points = mixture_point.repeat(num_points)

    @gen
    def model(prior: NIWPrior):
        check_instance(prior, NIWPrior, "prior")
        if prior.dimension != dimension:
            raise ValueError(
                f"prior has dimension D = {prior.dimension} (prior.mean_loc), but the model was built for "
                f"dimension = {dimension}: bayesian_gmm(num_points, num_components, {prior.dimension})"
            )
        weights = mixture_weights(jnp.full(num_components, prior.concentration)) @ "weights"
        covariances = inverse_wishart.repeat(num_components)(prior.df, prior.scale_matrix) @ "covariances"
        means = (
            multivariate_normal.vmap(in_axes=(None, 0))(prior.mean_loc, covariances / prior.mean_pseudo_count) @ "means"
        )
        return points(weights, means, covariances) @ "points"

    return model
