"""The Gamma hyperprior on α: Escobar and West's update leaves the exact conditional p(α | K)
invariant (a Kolmogorov–Smirnov test of one update from exact draws, with a broken update that
must fail), and the prior of K and the posterior of α it implies against direct quadrature.

The exact conditional is written here from its definition, p(α | K) ∝ Gamma(α; a, b) α^K Γ(α)/Γ(α + n),
normalised numerically on a fine grid; draws from it by inverting its cumulative sum.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import integrate, stats
from scipy.special import gammaln

import genjax_gmm as gg
from genjax_gmm.concentration import concentration_update

NUM_DRAWS = 20_000


def log_conditional(alpha, k, n, a, b):
    return (a - 1 + k) * np.log(alpha) - b * alpha + gammaln(alpha) - gammaln(alpha + n)


def exact_draws_and_cdf(k, n, a, b, seed):
    """(NUM_DRAWS draws from p(α | K = k), its CDF) by a grid in log α fine enough for KS."""
    log_alpha = np.linspace(-25.0, np.log(50.0 * (a + k) / b + 50.0), 400_001)
    alpha = np.exp(log_alpha)
    log_density = log_conditional(alpha, k, n, a, b) + log_alpha  # density of log α
    mass = np.exp(log_density - log_density.max())
    cumulative = np.concatenate([[0.0], np.cumsum((mass[1:] + mass[:-1]) / 2)])
    cumulative /= cumulative[-1]
    uniforms = np.random.default_rng(seed).random(NUM_DRAWS)
    draws = np.exp(np.interp(uniforms, cumulative, log_alpha))
    return draws, lambda x: np.interp(np.log(x), log_alpha, cumulative)


def one_update_of_each(update, draws, k, n, prior, seed):
    keys = jax.random.split(jax.random.key(seed), draws.size)
    return np.asarray(jax.jit(jax.vmap(lambda key, alpha: update(key, alpha, k, n, prior)))(keys, jnp.asarray(draws)))


CASES = [(1, 20, 2.0, 4.0), (3, 20, 1.0, 1.0), (7, 82, 2.0, 1.0), (2, 10, 0.4, 0.2)]


@pytest.mark.parametrize("k, n, a, b", CASES)
def test_one_update_keeps_the_exact_conditional(k, n, a, b):
    prior = gg.ConcentrationPrior(a, b)
    draws, cdf = exact_draws_and_cdf(k, n, a, b, seed=k)
    assert stats.kstest(draws, cdf).pvalue > 1e-3  # the reference draws themselves
    updated = one_update_of_each(concentration_update, draws, k, n, prior, seed=k)
    assert stats.kstest(updated, cdf).pvalue > 1e-3
    assert not np.allclose(updated, draws)  # it moved


def test_a_broken_update_fails():
    """Must-fail control: always the first Gamma of the mixture (shape a + K) draws α too large."""

    def first_gamma_only(key, alpha, k, n, prior):
        key_eta, key_alpha = jax.random.split(key)
        eta = jax.random.beta(key_eta, alpha + 1, n)
        return jax.random.gamma(key_alpha, prior.shape + k) / (prior.rate - jnp.log(eta))

    k, n, a, b = CASES[1]
    draws, cdf = exact_draws_and_cdf(k, n, a, b, seed=0)
    updated = one_update_of_each(first_gamma_only, draws, k, n, gg.ConcentrationPrior(a, b), seed=0)
    assert stats.kstest(updated, cdf).pvalue < 1e-6


@pytest.mark.parametrize("n, a, b", [(20, 2.0, 4.0), (82, 1.0, 1.0), (30, 0.5, 0.1)])
def test_the_prior_of_k_mixes_the_crp_law_over_alpha(n, a, b):
    prior_k = gg.num_clusters_prior_under(n, gg.ConcentrationPrior(a, b))
    assert prior_k.shape == (n + 1,) and prior_k[0] == 0 and prior_k.sum() == pytest.approx(1, abs=1e-12)
    for k in (1, 2, 5):
        direct, _ = integrate.quad(
            lambda alpha: gg.num_clusters_prior(n, alpha)[k] * stats.gamma.pdf(alpha, a, scale=1 / b), 0, 400.0,
            points=[0.1, 1.0, 10.0], limit=400, epsabs=0,
        )
        assert prior_k[k] == pytest.approx(direct, rel=1e-6, abs=1e-12)


def test_a_sharp_hyperprior_gives_the_fixed_alpha_prior():
    sharp = gg.ConcentrationPrior(1e6, 1e6 / 1.5)  # α = 1.5 ± 0.0015
    assert np.allclose(gg.num_clusters_prior_under(30, sharp), gg.num_clusters_prior(30, 1.5), atol=1e-3)


def test_the_posterior_of_alpha_given_one_k_is_the_conditional():
    k, n, a, b = 4, 30, 2.0, 1.0
    p_k = np.zeros(n + 1)
    p_k[k] = 1.0
    prior = gg.ConcentrationPrior(a, b)
    grid = np.linspace(0.01, 12.0, 50)
    normaliser, _ = integrate.quad(lambda alpha: np.exp(log_conditional(alpha, k, n, a, b)), 0, 60.0, points=[1, 5],
                                   limit=400, epsabs=0)
    expected = np.exp(log_conditional(grid, k, n, a, b)) / normaliser
    assert np.allclose(gg.concentration_posterior(grid, p_k, prior), expected, rtol=1e-6)


def test_the_posterior_of_alpha_is_a_density_and_mixes_over_k():
    prior = gg.ConcentrationPrior(2.0, 1.0)
    p_k = gg.num_clusters_prior_under(40, prior)  # with the prior of K, the posterior of α is its prior
    grid = np.linspace(1e-3, 30.0, 3001)
    density = gg.concentration_posterior(grid, p_k, prior)
    assert integrate.trapezoid(density, grid) == pytest.approx(1, abs=1e-4)
    assert np.allclose(density, stats.gamma.pdf(grid, 2.0, scale=1.0), atol=1e-6)


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: gg.ConcentrationPrior(0.0, 1.0), ValueError, "shape"),
        (lambda: gg.ConcentrationPrior(1.0, -2.0), ValueError, "rate"),
        (lambda: gg.ConcentrationPrior("1", 1.0), TypeError, "shape"),
        (lambda: gg.num_clusters_prior_under(0, gg.ConcentrationPrior(1.0, 1.0)), ValueError, "num_points"),
        (lambda: gg.num_clusters_prior_under(5, 1.0), TypeError, "prior"),
        (lambda: gg.concentration_posterior([0.0, 1.0], [0, 1], gg.ConcentrationPrior(1.0, 1.0)), ValueError, "alpha"),
        (lambda: gg.concentration_posterior([1.0], [0.5, 0.6], gg.ConcentrationPrior(1.0, 1.0)), ValueError, "p_num"),
        (lambda: gg.concentration_posterior([1.0], [0.0, 1.0], "prior"), TypeError, "prior"),
    ],
)
def test_bad_input_is_refused_with_the_argument_named(call, error, words):
    with pytest.raises(error, match=words):
        call()
