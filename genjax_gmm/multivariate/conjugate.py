"""Normal-Inverse-Wishart conjugacy, written with Cholesky factors and triangular solves.

For points x_1 … x_n of one component, NIW(m₀, κ₀, ν, Ψ) prior on (μ, Σ) and the statistics
around any reference point c (d_i = x_i − c, s₁ = Σ d_i, S₂ = Σ d_i d_iᵀ), the mean is
x̄ = c + s₁/n, the scatter around it W = Σ (x_i − x̄)(x_i − x̄)ᵀ = S₂ − s₁s₁ᵀ/n, and the posterior
is NIW(m_n, κ_n, ν_n, Ψ_n) with

    κ_n = κ₀ + n,   ν_n = ν + n,   m_n = m₀ + n (x̄ − m₀) / κ_n,
    Ψ_n = Ψ + W + κ₀ n/κ_n (x̄ − m₀)(x̄ − m₀)ᵀ

(n = 0 gives the prior). Written so, nothing cancels but W's subtraction, of the size of the
points' distance from c, which the samplers keep small (c a component's mean): the equivalent
Ψ + S₂ + κ₀ (m₀ − c)(m₀ − c)ᵀ − κ_n (m_n − c)(m_n − c)ᵀ subtracts two terms of size κ₀ |m₀ − c|²,
which for κ₀ = 10²⁰ agree in every digit Ψ_n would need. The marginal
likelihood of the n points is

    p(x) = π^{−nD/2} Γ_D(ν_n/2)/Γ_D(ν/2) · |Ψ|^{ν/2} / |Ψ_n|^{ν_n/2} · (κ₀/κ_n)^{D/2}.

Sampling (Bartlett decomposition, exact). With Ψ_n = U Uᵀ (Cholesky) and A lower triangular,
A_jj = √(2 G_j), G_j ~ Gamma((ν_n − j)/2) (j = 0 … D−1; so A_jj² ~ χ²_{ν_n − j}), A_ij ~ N(0, 1)
below the diagonal, A Aᵀ ~ Wishart(ν_n, I) and Σ⁻¹ = U⁻ᵀ A Aᵀ U⁻¹ ~ Wishart(ν_n, Ψ_n⁻¹), so

    Σ = B Bᵀ ~ InverseWishart(ν_n, Ψ_n),   B = U A⁻ᵀ = (A⁻¹ Uᵀ)ᵀ (one triangular solve),
    μ = m_n + B ε / √κ_n,  ε ~ N(0, I_D).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax.scipy.linalg import solve_triangular
from jax.scipy.special import multigammaln

from ..gaussian import log_det_from_cholesky, mvn_log_density

__all__ = [
    "NIWParameters",
    "ScatterStatistics",
    "inverse_wishart_log_density",
    "niw_log_density",
    "niw_posterior",
    "niw_log_marginal_likelihood",
    "bartlett_shapes",
    "bartlett_niw",
]


class NIWParameters(NamedTuple):
    """NIW(loc, pseudo_count, df, scale): Σ ~ InverseWishart(df, scale), μ | Σ ~ N(loc, Σ/pseudo_count).
    Leading axes (e.g. components) broadcast."""

    loc: jax.Array  # (…, D)
    pseudo_count: jax.Array  # (…,)
    df: jax.Array  # (…,)
    scale: jax.Array  # (…, D, D)


class ScatterStatistics(NamedTuple):
    """n, and s₁ = Σ (x_i − c), S₂ = Σ (x_i − c)(x_i − c)ᵀ around the reference c."""

    counts: jax.Array  # (…,)
    reference: jax.Array  # (…, D)
    sums: jax.Array  # (…, D)
    scatter: jax.Array  # (…, D, D)

    def scatter_around(self, point: jax.Array) -> jax.Array:
        """Σ (x_i − p)(x_i − p)ᵀ = S₂ − s₁δᵀ − δs₁ᵀ + n δδᵀ, δ = p − c."""
        shift = point - self.reference
        cross = self.sums[..., :, None] * shift[..., None, :]
        outer = shift[..., :, None] * shift[..., None, :]
        return self.scatter - cross - jnp.swapaxes(cross, -1, -2) + self.counts[..., None, None] * outer


def _solve(tril: jax.Array, right: jax.Array) -> jax.Array:
    """L⁻¹ R for lower-triangular L (…, D, D) and R (…, D, M)."""
    return solve_triangular(tril, right, lower=True)


_STIRLING_FROM = 30.0  # lgamma(z) by Stirling's series for z ≥ this (error < 1e-17 there)


def _log_ratio_closeness(ratio: jax.Array) -> jax.Array:
    """2 log q − q² + 1 (≤ 0, = 0 at q = 1) without cancellation near q = 1: with e = q − 1 it is
    2 (log1p(e) − e) − e² = 2 Σ_{k≥3} (−1)^{k+1} e^k/k − 2e², summed to k = 17 for |e| < 0.1
    (truncation < 1e-17 of the sum); directly beyond."""
    near = jnp.abs(ratio - 1.0) < 0.1
    excess = jnp.where(near, ratio - 1.0, 0.0)
    series = sum((-1.0) ** (k + 1) * excess**k / k for k in range(17, 2, -1))
    direct = 2 * jnp.log(jnp.where(near, 1.0, ratio)) - ratio**2 + 1
    return jnp.where(near, 2 * series - 2 * excess**2, direct)


def _lgamma_minus_stirling_head(shape: jax.Array, offset: float) -> jax.Array:
    """log Γ(a − h) − (a log a − a) for a > h ≥ 0. With z = a − h ≥ 30, Stirling's series
    log Γ(z) = (z − ½) log z − z + ½ log 2π + 1/(12z) − 1/(360z³) + 1/(1260z⁵) − 1/(1680z⁷) gives
    −(h + ½) log a + (a − h − ½) log1p(−h/a) + h + ½ log 2π + (the series' tail), in which no term
    is of size a; below, the difference is taken directly (its terms are < 200 there)."""
    z = shape - offset
    large = z >= _STIRLING_FROM
    a = jnp.where(large, shape, _STIRLING_FROM + offset)
    zl = a - offset
    tail = 1 / (12 * zl) - 1 / (360 * zl**3) + 1 / (1260 * zl**5) - 1 / (1680 * zl**7)
    stirling = (
        -(offset + 0.5) * jnp.log(a)
        + (a - offset - 0.5) * jnp.log1p(-offset / a)
        + offset
        + 0.5 * jnp.log(2 * jnp.pi)
        + tail
    )
    small = jnp.where(large, offset + 1.0, shape)
    direct = jax.scipy.special.gammaln(small - offset) - (small * jnp.log(small) - small)
    return jnp.where(large, stirling, direct)


def inverse_wishart_log_density(covariance_tril: jax.Array, df: jax.Array, scale: jax.Array) -> jax.Array:
    """log InverseWishart(Σ; ν, Ψ) at Σ = L Lᵀ: ν/2 log|Ψ| − νD/2 log 2 − log Γ_D(ν/2)
    − (ν+D+1)/2 log|Σ| − ½ tr(Ψ Σ⁻¹), arranged so that no two terms of size ν cancel.

    With Ψ = U Uᵀ, M = L⁻¹U is lower triangular, |ΨΣ⁻¹| = Π M_jj² and tr(ΨΣ⁻¹) = Σ M_ij². Put a = ν/2,
    q_j = M_jj/√ν (≈ 1 for large ν, where Σ ≈ Ψ/ν) and log Γ_D(a) = D(D−1)/4 log π + Σ_j log Γ(a − j/2):

        log p = a Σ_j (2 log q_j − q_j² + 1) − ½ Σ_{i>j} M_ij² − (D+1)/2 log|Σ| − D(D−1)/4 log π
                − Σ_j [log Γ(a − j/2) − (a log a − a)],

    with 2 log q − q² + 1 summed as a series in q − 1 near 1 (``_log_ratio_closeness``) and each
    bracket by Stirling's series (``_lgamma_minus_stirling_head``). Written directly, terms of size
    ν log ν cancel: at ν = 10²⁰ float64 kept no digit of the sum (131,072 for an exact 202.6)."""
    dimension = scale.shape[-1]
    df = jnp.asarray(df, dtype=covariance_tril.dtype)
    shape = 0.5 * df
    whitened = _solve(covariance_tril, jnp.linalg.cholesky(scale))  # M = L⁻¹U
    diagonal = jnp.diagonal(whitened, axis1=-2, axis2=-1)
    below = jnp.sum(jnp.tril(whitened, -1) ** 2, axis=(-2, -1))
    closeness = _log_ratio_closeness(diagonal / jnp.sqrt(df)[..., None])  # q_j = M_jj/√ν
    gamma_terms = sum(_lgamma_minus_stirling_head(shape, 0.5 * j) for j in range(dimension))
    return (
        shape * jnp.sum(closeness, axis=-1)
        - 0.5 * below
        - 0.5 * (dimension + 1) * log_det_from_cholesky(covariance_tril)
        - 0.25 * dimension * (dimension - 1) * jnp.log(jnp.pi)
        - gamma_terms
    )


def niw_log_density(mean: jax.Array, covariance: jax.Array, parameters: NIWParameters) -> jax.Array:
    """log NIW(μ, Σ) = log N(μ; loc, Σ/pseudo_count) + log InverseWishart(Σ; df, scale)."""
    tril = jnp.linalg.cholesky(covariance)
    mean_tril = tril / jnp.sqrt(parameters.pseudo_count)[..., None, None]
    return mvn_log_density(mean, parameters.loc, mean_tril) + inverse_wishart_log_density(
        tril, parameters.df, parameters.scale
    )


def niw_posterior(stats: ScatterStatistics, prior: NIWParameters) -> NIWParameters:
    """NIW(m_n, κ_n, ν_n, Ψ_n) from the statistics around c (module docstring: W and x̄ − m₀, no
    difference of terms of size κ₀)."""
    pseudo_count = prior.pseudo_count + stats.counts
    occupied = stats.counts > 0
    mean_offset = stats.sums / jnp.where(occupied, stats.counts, 1.0)[..., None]  # x̄ − c (0 if empty)
    from_prior = stats.reference - prior.loc + mean_offset  # x̄ − m₀

    def outer(vector):
        return vector[..., :, None] * vector[..., None, :]

    within = stats.scatter - stats.counts[..., None, None] * outer(mean_offset)  # W
    shrinkage = prior.pseudo_count * stats.counts / pseudo_count  # κ₀ n / κ_n
    scale = prior.scale + within + shrinkage[..., None, None] * outer(from_prior)
    scale = 0.5 * (scale + jnp.swapaxes(scale, -1, -2))  # symmetric to the last bit
    loc = prior.loc + (stats.counts / pseudo_count)[..., None] * from_prior
    return NIWParameters(loc, pseudo_count, prior.df + stats.counts, scale)


def niw_log_marginal_likelihood(stats: ScatterStatistics, prior: NIWParameters) -> jax.Array:
    """log p(x_1 … x_n) of the points summarised by ``stats`` under the NIW prior (module docstring)."""
    posterior = niw_posterior(stats, prior)
    dimension = prior.loc.shape[-1]
    return (
        -0.5 * stats.counts * dimension * jnp.log(jnp.pi)
        + multigammaln(0.5 * posterior.df, dimension)
        - multigammaln(0.5 * prior.df, dimension)
        + 0.5 * prior.df * log_det_from_cholesky(jnp.linalg.cholesky(prior.scale))
        - 0.5 * posterior.df * log_det_from_cholesky(jnp.linalg.cholesky(posterior.scale))
        + 0.5 * dimension * (jnp.log(prior.pseudo_count) - jnp.log(posterior.pseudo_count))
    )


def bartlett_shapes(parameters: NIWParameters) -> jax.Array:
    """The Gamma shapes (ν − j)/2, j = 0 … D−1, of the Bartlett diagonal (…, D)."""
    dimension = parameters.loc.shape[-1]
    return 0.5 * (parameters.df[..., None] - jnp.arange(dimension, dtype=parameters.loc.dtype))


def bartlett_niw(parameters: NIWParameters, log_gammas: jax.Array, normals: jax.Array) -> tuple[jax.Array, jax.Array]:
    """(μ, Σ) ~ NIW(parameters) from log G (…, D), G_j ~ Gamma(bartlett_shapes_j), and standard
    normals (…, D(D−1)/2 + D): the Bartlett construction of the module docstring."""
    dimension = parameters.loc.shape[-1]
    rows, columns = jnp.tril_indices(dimension, -1)
    below, noise = normals[..., : rows.size], normals[..., rows.size :]
    factor = jnp.zeros(parameters.scale.shape, parameters.scale.dtype)
    factor = factor.at[..., rows, columns].set(below)
    diagonal = jnp.sqrt(2.0) * jnp.exp(0.5 * log_gammas)
    factor = factor + diagonal[..., :, None] * jnp.eye(dimension, dtype=factor.dtype)
    scale_tril = jnp.linalg.cholesky(parameters.scale)
    root = jnp.swapaxes(_solve(factor, jnp.swapaxes(scale_tril, -1, -2)), -1, -2)  # B = U A⁻ᵀ
    covariance = root @ jnp.swapaxes(root, -1, -2)
    mean = parameters.loc + (root @ noise[..., None])[..., 0] / jnp.sqrt(parameters.pseudo_count)[..., None]
    return mean, covariance
