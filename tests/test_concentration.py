"""Escobar and West's update of α: it leaves the exact conditional p(α | K) invariant (a
Kolmogorov–Smirnov test of one update from exact draws, with a broken update that must fail).

The exact conditional is written here from its definition, p(α | K) ∝ Gamma(α; a, b) α^K Γ(α)/Γ(α + n),
normalised numerically on a fine grid; draws from it by inverting its cumulative sum.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats
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


def test_the_conditional_is_the_crp_factor_times_the_prior():
    k, n, prior = 3, 20, gg.ConcentrationPrior(2.0, 4.0)
    alpha = np.array([0.1, 0.7, 3.0])
    got = np.asarray(gg.log_concentration_conditional(alpha, k, n, prior))
    expected = stats.gamma.logpdf(alpha, 2.0, scale=1 / 4.0) + k * np.log(alpha) + gammaln(alpha) - gammaln(alpha + n)
    assert np.allclose(got, expected, rtol=1e-12)


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: gg.ConcentrationPrior(0.0, 1.0), ValueError, "shape"),
        (lambda: gg.ConcentrationPrior(1.0, -2.0), ValueError, "rate"),
        (lambda: gg.ConcentrationPrior("1", 1.0), TypeError, "shape"),
    ],
)
def test_bad_input_is_refused_with_the_argument_named(call, error, words):
    with pytest.raises(error, match=words):
        call()
