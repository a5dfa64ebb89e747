"""Exact posterior of the multivariate Bayesian GMM on tiny data, by enumeration (NumPy/SciPy).

Written independently of ``genjax_gmm``. Model (``mv.bayesian_gmm``): π ~ Dirichlet(α·1_K),
Σ_k ~ InverseWishart(ν, Ψ), μ_k | Σ_k ~ N(m₀, Σ_k/κ₀), z_i ~ Cat(π), x_i ~ N(μ_{z_i}, Σ_{z_i}).
Given z the components are independent and (π, μ, Σ) integrate out in closed form:

    p(x, z) = DM(z) · Π_k m(x_{I_k}),

DM the Dirichlet-multinomial probability of the sequence z, and the Normal-Inverse-Wishart
marginal likelihood of the n points X of one component (x̄ their mean, S their scatter),

    m(X) = π^{−nD/2} Γ_D(ν_n/2)/Γ_D(ν/2) |Ψ|^{ν/2} |Ψ_n|^{−ν_n/2} (κ₀/κ_n)^{D/2},
    κ_n = κ₀ + n,  ν_n = ν + n,  Ψ_n = Ψ + S + κ₀ n/κ_n (x̄ − m₀)(x̄ − m₀)ᵀ

(Murphy, "Conjugate Bayesian analysis of the Gaussian distribution", 2007, eq. 266). m depends
only on the subset, so it is computed once for each of the 2^N subsets.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from scipy import stats
from scipy.special import gammaln, logsumexp, multigammaln


@dataclass(frozen=True)
class Prior:
    concentration: float  # α
    mean_loc: np.ndarray  # m₀ (D,)
    mean_pseudo_count: float  # κ₀
    df: float  # ν
    scale_matrix: np.ndarray  # Ψ (D, D)


@dataclass(frozen=True)
class ExactPosterior:
    log_marginal_likelihood: float  # log p(x)
    co_assignment: np.ndarray  # (N, N) P(z_i = z_j | x)


def log_niw_marginal(points: np.ndarray, prior: Prior) -> float:
    """log m(X) for the (n, D) points of one component (m(∅) = 1)."""
    n, dimension = points.shape
    if n == 0:
        return 0.0
    mean = points.mean(axis=0)
    centred = points - mean
    kappa_n, nu_n = prior.mean_pseudo_count + n, prior.df + n
    offset = mean - prior.mean_loc
    scale_n = (
        prior.scale_matrix + centred.T @ centred + prior.mean_pseudo_count * n / kappa_n * np.outer(offset, offset)
    )
    return float(
        -0.5 * n * dimension * np.log(np.pi)
        + multigammaln(0.5 * nu_n, dimension)
        - multigammaln(0.5 * prior.df, dimension)
        + 0.5 * prior.df * np.linalg.slogdet(prior.scale_matrix)[1]
        - 0.5 * nu_n * np.linalg.slogdet(scale_n)[1]
        + 0.5 * dimension * (np.log(prior.mean_pseudo_count) - np.log(kappa_n))
    )


def exact_posterior(data: np.ndarray, num_components: int, prior: Prior) -> ExactPosterior:
    """Enumerate all K^N assignments of the N ≤ 9 points."""
    num_points = data.shape[0]
    if num_points > 9:
        raise ValueError("enumeration is meant for tiny data (N <= 9)")
    subset_log_marginal = np.array(
        [
            log_niw_marginal(data[[(subset >> i) & 1 == 1 for i in range(num_points)]], prior)
            for subset in range(2**num_points)
        ]
    )
    assignments = np.array(list(itertools.product(range(num_components), repeat=num_points)))
    in_component = assignments[:, None, :] == np.arange(num_components)[None, :, None]  # (Z, K, N)
    subsets = (in_component * (2 ** np.arange(num_points))).sum(axis=-1)
    counts = in_component.sum(axis=-1)
    alpha = prior.concentration
    log_dm = (
        gammaln(num_components * alpha)
        - gammaln(num_points + num_components * alpha)
        + np.sum(gammaln(counts + alpha) - gammaln(alpha), axis=-1)
    )
    log_joint = log_dm + subset_log_marginal[subsets].sum(axis=-1)
    log_evidence = logsumexp(log_joint)
    probabilities = np.exp(log_joint - log_evidence)
    same = assignments[:, :, None] == assignments[:, None, :]
    return ExactPosterior(float(log_evidence), np.einsum("z,zij->ij", probabilities, same))


def monte_carlo_log_evidence(
    data: np.ndarray, num_components: int, prior: Prior, num_draws: int, seed: int
) -> tuple[float, float]:
    """log p(x) ≈ log mean_s p(x | θ_s) over prior draws θ_s = (π, μ, Σ), with z summed out per
    point, and its standard error (delta method: sd of the weights / (mean · √S))."""
    rng = np.random.default_rng(seed)
    num_points, dimension = data.shape
    weights = rng.dirichlet(np.full(num_components, prior.concentration), size=num_draws)
    covariances = stats.invwishart(prior.df, prior.scale_matrix).rvs(size=(num_draws, num_components), random_state=rng)
    covariances = covariances.reshape(num_draws, num_components, dimension, dimension)
    trils = np.linalg.cholesky(covariances / prior.mean_pseudo_count)
    means = prior.mean_loc + np.einsum(
        "skde,ske->skd", trils, rng.standard_normal((num_draws, num_components, dimension))
    )
    deviations = data[None, :, None, :] - means[:, None, :, :]  # (S, N, K, D)
    precisions = np.linalg.inv(covariances)  # (S, K, D, D); a test helper may invert
    quadratic = np.einsum("snkd,skde,snke->snk", deviations, precisions, deviations)
    log_normal = -0.5 * (dimension * np.log(2 * np.pi) + np.linalg.slogdet(covariances)[1][:, None, :] + quadratic)
    log_likelihood = logsumexp(np.log(weights)[:, None, :] + log_normal, axis=-1).sum(axis=-1)  # (S,)
    log_mean = logsumexp(log_likelihood) - np.log(num_draws)
    relative = np.exp(log_likelihood - log_mean)
    return float(log_mean), float(relative.std() / np.sqrt(num_draws))
