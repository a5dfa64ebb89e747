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

The same quadrature, weighted, gives one component's posterior moments (μ | v, x is normal) and
E[p(x | θ)²] over its prior (the second moment of an importance weight); ``exact_parameter_averages``
averages label-free summaries of θ over the enumerated p(z | x).
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


def _log_integral(log_integrand, functions=()) -> tuple[float, list[float]]:
    """log ∫ exp(L(u)) du by adaptive quadrature around the peak of L, and the averages
    ∫ exp(L) f / ∫ exp(L) of the ``functions`` f(u) under the normalised exp(L)."""
    peak = optimize.minimize_scalar(lambda u: -log_integrand(u), bounds=(-30.0, 30.0), method="bounded").x
    height = log_integrand(peak)

    def integral(function):
        return integrate.quad(lambda u: np.exp(log_integrand(u) - height) * function(u), peak - 30.0, peak + 30.0,
                              points=[peak], limit=200, epsabs=0, epsrel=1e-11)[0]

    value = integral(lambda u: 1.0)
    return height + np.log(value), [integral(function) / value for function in functions]


def _log_variance_posterior(x: np.ndarray, prior: Prior, squared: bool = False):
    """u = log v ↦ log InvGamma(v; a, b) + log p(x | v) + u (the Jacobian v), μ integrated out;
    with ``squared``, log ∫ p(x | μ, v)² p(μ) dμ in place of log p(x | v), using
    N(x; μ, v)² = N(x; μ, v/2) / (2√(πv))."""

    def log_integrand(u: float) -> float:
        v = np.exp(u)
        if squared:
            halved = log_component_marginal_given_variance(x, v / 2, prior)
            likelihood = halved - x.size * np.log(2 * np.sqrt(np.pi * v))
        else:
            likelihood = log_component_marginal_given_variance(x, v, prior)
        return log_inverse_gamma(v, prior.var_shape, prior.var_scale) + likelihood + u

    return log_integrand


def log_component_marginal(x: np.ndarray, prior: Prior) -> float:
    """log m(x) = log ∫ InvGamma(v; a, b) N(x; m₀·1, v·I + s₀²·11ᵀ) dv, by quadrature in log v."""
    if x.size == 0:
        return 0.0
    return _log_integral(_log_variance_posterior(x, prior))[0]


def log_mean_squared_likelihood(x: np.ndarray, prior: Prior) -> float:
    """log E[p(x | μ, σ²)²] over the prior of one component: the second moment of an importance
    weight drawn from the prior (whose first moment is m(x))."""
    return _log_integral(_log_variance_posterior(x, prior, squared=True))[0]


def component_posterior_moments(x: np.ndarray, prior: Prior) -> tuple[float, float, float]:
    """E[μ | x], E[μ² | x] and E[σ² | x] for the points x of one component (the prior's for none):
    given v, μ | x ~ N(m_n, s_n²) with 1/s_n² = 1/s₀² + n/v and m_n = s_n² (m₀/s₀² + Σx/v)."""
    if x.size == 0:
        return prior.mean_loc, prior.mean_loc**2 + prior.mean_scale**2, prior.var_scale / (prior.var_shape - 1)

    def mean_and_variance(u):
        precision = 1 / prior.mean_scale**2 + x.size / np.exp(u)
        return (prior.mean_loc / prior.mean_scale**2 + x.sum() / np.exp(u)) / precision, 1 / precision

    def second_moment(u):
        mean, variance = mean_and_variance(u)
        return mean**2 + variance

    _, moments = _log_integral(_log_variance_posterior(x, prior),
                               (lambda u: mean_and_variance(u)[0], second_moment, np.exp))
    return tuple(moments)


def log_dirichlet_multinomial(counts: np.ndarray, concentration: float) -> np.ndarray:
    """log DM(z) for the counts n_k (…, K) of one sequence z (not of the counts themselves)."""
    num_components = counts.shape[-1]
    total = counts.sum(axis=-1)
    return (
        gammaln(num_components * concentration)
        - gammaln(total + num_components * concentration)
        + np.sum(gammaln(counts + concentration) - gammaln(concentration), axis=-1)
    )


def exact_parameter_averages(data, num_components: int, prior: Prior) -> dict[str, float]:
    """Posterior means of three label-free summaries of θ: Σ_k π_k μ_k, Σ_k π_k σ_k² and Σ_k π_k².
    Given z, π ~ Dirichlet(α + n) is independent of the components, so E[π_k | z] = (α + n_k)/(Kα + N),
    E[π_k² | z] = (α + n_k)(α + n_k + 1)/((Kα + N)(Kα + N + 1)), and E[μ_k | z, x], E[σ_k² | z, x] are
    those of component k's points alone; then average over p(z | x)."""
    x = np.asarray(data, dtype=np.float64)
    posterior = exact_posterior(x, num_components, prior)
    in_component = posterior.assignments[:, None, :] == np.arange(num_components)[None, :, None]  # (Z, K, N)
    masks = (in_component * (2 ** np.arange(x.size))).sum(axis=-1)
    subset_moments = np.array([component_posterior_moments(x[[(mask >> i) & 1 == 1 for i in range(x.size)]], prior)
                               for mask in range(2**x.size)])  # (2^N, 3)
    shares = prior.concentration + in_component.sum(axis=-1)  # (Z, K)
    total = num_components * prior.concentration + x.size
    per_assignment = {
        "Σ π_k μ_k": np.sum(shares / total * subset_moments[masks, 0], axis=1),
        "Σ π_k σ_k²": np.sum(shares / total * subset_moments[masks, 2], axis=1),
        "Σ π_k²": np.sum(shares * (shares + 1), axis=1) / (total * (total + 1)),
    }
    return {name: float(posterior.probabilities @ values) for name, values in per_assignment.items()}


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
