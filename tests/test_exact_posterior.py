"""The enumeration reference (tests/harness/exact_gmm.py) against independent computations."""

import itertools
import math

import numpy as np
import pytest
from harness.exact_gmm import (
    Prior,
    component_posterior_moments,
    exact_posterior,
    log_dirichlet_multinomial,
    log_mean_squared_likelihood,
)
from scipy import integrate, stats
from scipy.special import logsumexp

PRIOR = Prior(concentration=1.0, mean_loc=0.5, mean_scale=2.0, var_shape=3.0, var_scale=1.0)


def direct_integral_one_component(x: np.ndarray, prior: Prior, function=None, power: int = 1,
                                  epsrel: float = 1e-10) -> float:
    """∫∫ (Π_i N(x_i; μ, v))^power f(μ, v) N(μ; m₀, s₀²) InvGamma(v; a, b) dμ dv by 2-D quadrature
    (u = log v); f = 1 unless given."""
    a, b, m0, s0 = prior.var_shape, prior.var_scale, prior.mean_loc, prior.mean_scale
    log_ig_constant = a * math.log(b) - math.lgamma(a)
    points = [float(value) for value in x]

    def integrand(mean: float, u: float) -> float:  # plain floats: dblquad calls this ~10⁵ times
        v = math.exp(u)
        log_likelihood = sum(-0.5 * math.log(2 * math.pi * v) - (point - mean) ** 2 / (2 * v) for point in points)
        log_mean_prior = -0.5 * math.log(2 * math.pi * s0**2) - (mean - m0) ** 2 / (2 * s0**2)
        log_variance_prior = log_ig_constant - (a + 1) * u - b / v
        density = math.exp(power * log_likelihood + log_mean_prior + log_variance_prior + u)
        return density if function is None else density * function(mean, v)

    value, error = integrate.dblquad(integrand, -15, 10, -20, 20, epsabs=0, epsrel=epsrel)
    assert error < 100 * epsrel * abs(value)
    return value


def direct_log_evidence_one_component(x: np.ndarray, prior: Prior) -> float:
    """log ∫∫ Π_i N(x_i; μ, v) N(μ; m₀, s₀²) InvGamma(v; a, b) dμ dv by 2-D quadrature."""
    return math.log(direct_integral_one_component(x, prior))


def test_one_components_moments_and_squared_likelihood_match_two_dimensional_quadrature():
    # The weighted 1-D quadratures of the harness (μ integrated analytically) against plain 2-D ones.
    x = np.array([0.2, 0.9, -1.4])
    evidence = direct_integral_one_component(x, PRIOR, epsrel=1e-9)
    direct = [direct_integral_one_component(x, PRIOR, function, epsrel=1e-9) / evidence
              for function in (lambda m, v: m, lambda m, v: m * m, lambda m, v: v)]
    np.testing.assert_allclose(component_posterior_moments(x, PRIOR), direct, rtol=1e-6)
    squared = direct_integral_one_component(x, PRIOR, power=2, epsrel=1e-9)
    np.testing.assert_allclose(log_mean_squared_likelihood(x, PRIOR), math.log(squared), rtol=1e-7)
    assert component_posterior_moments(np.array([]), PRIOR) == (0.5, 0.25 + 4.0, 0.5)  # the prior's


@pytest.mark.parametrize(
    "data, num_components",
    [(np.array([1.3]), 2), (np.array([1.3, -0.4]), 1), (np.array([0.2, 0.9, 1.1]), 1)],
    ids=["N=1,K=2", "N=2,K=1", "N=3,K=1"],
)
def test_evidence_matches_two_dimensional_quadrature(data, num_components):
    # With N = 1 every assignment has the same evidence, so p(x) = m(x) for any K; with K = 1
    # p(x) = m(x) for any N. Both integrate μ and v numerically instead of μ analytically.
    exact = exact_posterior(data, num_components, PRIOR).log_marginal_likelihood
    assert exact == pytest.approx(direct_log_evidence_one_component(data, PRIOR), abs=1e-8)


def test_evidence_matches_monte_carlo_over_the_prior():
    # p(x) = E_prior[Π_i Σ_k π_k N(x_i; μ_k, σ²_k)] (z summed out per point), by simple Monte Carlo.
    data, num_components, num_draws = np.array([-1.0, 0.1, 1.2]), 2, 400_000
    rng = np.random.default_rng(0)
    weights = rng.dirichlet(np.full(num_components, PRIOR.concentration), size=num_draws)
    means = rng.normal(PRIOR.mean_loc, PRIOR.mean_scale, size=(num_draws, num_components))
    variances = PRIOR.var_scale / rng.gamma(PRIOR.var_shape, size=(num_draws, num_components))
    log_densities = stats.norm.logpdf(data[None, :, None], means[:, None, :], np.sqrt(variances)[:, None, :])
    per_point = np.log(weights)[:, None, :] + log_densities
    log_likelihood = logsumexp(per_point, axis=-1).sum(axis=-1)
    likelihood_ratio = np.exp(log_likelihood - log_likelihood.max())
    estimate = np.log(likelihood_ratio.mean()) + log_likelihood.max()
    standard_error = likelihood_ratio.std() / likelihood_ratio.mean() / np.sqrt(num_draws)  # of the log estimate
    exact = exact_posterior(data, num_components, PRIOR).log_marginal_likelihood
    assert abs(estimate - exact) < 4 * standard_error
    assert standard_error < 0.01  # the check is sharp


def test_dirichlet_multinomial_is_a_distribution_over_sequences():
    concentration, num_components, num_points = 0.7, 3, 5
    sequences = np.array(list(itertools.product(range(num_components), repeat=num_points)))
    counts = (sequences[:, :, None] == np.arange(num_components)).sum(axis=1)
    probabilities = np.exp(log_dirichlet_multinomial(counts, concentration))
    assert probabilities.sum() == pytest.approx(1.0, abs=1e-12)
    # Pólya urn: P(z_1 = z_2) = (α + 1) / (Kα + 1).
    same = sequences[:, 0] == sequences[:, 1]
    polya = (concentration + 1) / (num_components * concentration + 1)
    assert probabilities[same].sum() == pytest.approx(polya, abs=1e-12)


def test_posterior_is_normalised_and_co_assignment_is_consistent():
    exact = exact_posterior(np.array([-1.1, -0.8, 0.9, 1.3]), 2, PRIOR)
    assert exact.probabilities.sum() == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(np.diag(exact.co_assignment), 1.0, atol=1e-12)
    np.testing.assert_allclose(exact.co_assignment, exact.co_assignment.T, atol=1e-15)
    # Label symmetry: swapping the two labels maps z to 1 − z with the same probability.
    index = {tuple(z): i for i, z in enumerate(exact.assignments)}
    swapped = np.array([exact.probabilities[index[tuple(1 - z)]] for z in exact.assignments])
    np.testing.assert_allclose(swapped, exact.probabilities, rtol=1e-10)
