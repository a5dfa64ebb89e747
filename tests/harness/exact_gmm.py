"""Exact posterior of the Bayesian GMM on tiny data, by enumeration (float64 NumPy/SciPy).

Written independently of ``genjax_gmm``. Model (the course's ``bayesian_gmm``):
π ~ Dirichlet(α·1_K), μ_k ~ N(m₀, s₀²), σ²_k ~ InvGamma(a, b), z_i ~ Cat(π),
x_i ~ N(μ_{z_i}, σ²_{z_i}).

Given z, the components are independent, so

    p(x, z) = DM(z) · Π_k m(x_{I_k}),     I_k = {i: z_i = k},

with the Dirichlet-multinomial term (π integrated out)

    DM(z) = Γ(Kα) / Γ(N + Kα) · Π_k Γ(n_k + α) / Γ(α),

and the marginal likelihood of the n points x_I of one component (m(∅) = 1). Given σ² = v, μ
integrates out analytically: x_I ~ N(m₀·1, v·I + s₀²·11ᵀ), whose determinant is
v^(n−1) (v + n s₀²) and whose quadratic form, with r = x_I − m₀, is
(Σ r² − s₀² (Σ r)² / (v + n s₀²)) / v. The remaining 1-D integral over v is done by adaptive
quadrature in u = log v. m depends only on the subset I, so it is computed once for each of
the 2^N subsets; the K^N assignments then only add up table entries.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from scipy import integrate, optimize
from scipy.special import gammaln, logsumexp


@dataclass(frozen=True)
class Prior:
    concentration: float  # α
    mean_loc: float  # m₀
    mean_scale: float  # s₀ (a standard deviation)
    var_shape: float  # a
    var_scale: float  # b


@dataclass(frozen=True)
class ExactPosterior:
    log_marginal_likelihood: float  # log p(x)
    assignments: np.ndarray  # (K^N, N) every z
    probabilities: np.ndarray  # (K^N,) p(z | x)
    co_assignment: np.ndarray  # (N, N) P(z_i = z_j | x)


def log_inverse_gamma(v: float, shape: float, scale: float) -> float:
    return shape * np.log(scale) - gammaln(shape) - (shape + 1) * np.log(v) - scale / v


def log_component_marginal_given_variance(x: np.ndarray, variance: float, prior: Prior) -> float:
    """log N(x; m₀·1, v·I + s₀²·11ᵀ) for the points x of one component."""
    n = x.size
    residual = x - prior.mean_loc
    spread = variance + n * prior.mean_scale**2
    log_det = (n - 1) * np.log(variance) + np.log(spread)
    quadratic = (np.sum(residual**2) - prior.mean_scale**2 * np.sum(residual) ** 2 / spread) / variance
    return -0.5 * (n * np.log(2 * np.pi) + log_det + quadratic)


def log_component_marginal(x: np.ndarray, prior: Prior) -> float:
    """log m(x) = log ∫ InvGamma(v; a, b) N(x; m₀·1, v·I + s₀²·11ᵀ) dv, by quadrature in log v."""
    if x.size == 0:
        return 0.0

    def log_integrand(u: float) -> float:  # the density in u = log v includes the Jacobian v
        v = np.exp(u)
        log_prior = log_inverse_gamma(v, prior.var_shape, prior.var_scale)
        return log_prior + log_component_marginal_given_variance(x, v, prior) + u

    peak = optimize.minimize_scalar(lambda u: -log_integrand(u), bounds=(-30.0, 30.0), method="bounded").x
    height = log_integrand(peak)
    value, _ = integrate.quad(
        lambda u: np.exp(log_integrand(u) - height),
        peak - 30.0,
        peak + 30.0,
        points=[peak],
        limit=200,
        epsabs=0,
        epsrel=1e-11,
    )
    return height + np.log(value)


def log_dirichlet_multinomial(counts: np.ndarray, concentration: float) -> np.ndarray:
    """log DM(z) for the counts n_k (…, K) of one sequence z (not of the counts themselves)."""
    num_components = counts.shape[-1]
    total = counts.sum(axis=-1)
    return (
        gammaln(num_components * concentration)
        - gammaln(total + num_components * concentration)
        + np.sum(gammaln(counts + concentration) - gammaln(concentration), axis=-1)
    )


def exact_posterior(data, num_components: int, prior: Prior) -> ExactPosterior:
    """Enumerate all K^N assignments of the N ≤ 10 points (see the module docstring)."""
    x = np.asarray(data, dtype=np.float64)
    num_points = x.size
    if num_points > 10:
        raise ValueError("enumeration is meant for tiny data (N <= 10)")
    members = [[(mask >> i) & 1 == 1 for i in range(num_points)] for mask in range(2**num_points)]
    subset_log_marginal = np.array([log_component_marginal(x[member], prior) for member in members])
    assignments = np.array(list(itertools.product(range(num_components), repeat=num_points)))
    in_component = assignments[:, None, :] == np.arange(num_components)[None, :, None]  # (Z, K, N)
    masks = (in_component * (2 ** np.arange(num_points))).sum(axis=-1)
    log_prior = log_dirichlet_multinomial(in_component.sum(axis=-1), prior.concentration)
    log_joint = log_prior + subset_log_marginal[masks].sum(axis=-1)
    log_evidence = logsumexp(log_joint)
    probabilities = np.exp(log_joint - log_evidence)
    same = assignments[:, :, None] == assignments[:, None, :]
    return ExactPosterior(
        log_marginal_likelihood=float(log_evidence),
        assignments=assignments,
        probabilities=probabilities,
        co_assignment=np.einsum("z,zij->ij", probabilities, same),
    )
