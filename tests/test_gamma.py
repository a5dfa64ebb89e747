"""The Gamma sampler of the Gibbs sweep: exact Gamma(a) draws in log space for every shape."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import special, stats

import genjax_gmm  # noqa: F401  (float64)
from genjax_gmm.gamma import log_gamma

SHAPES = [1e-3, 0.3, 1.0, 2.5, 40.0, 1e4]


def log_gamma_cdf(t: np.ndarray, shape: float) -> np.ndarray:
    """P(log G ≤ t) for G ~ Gamma(shape) = P(G ≤ g), g = e^t, the regularised incomplete gamma
    function; for g < 10⁻³ from its series g^a e^(−g) / Γ(a + 1) · (1 + g/(a+1) + g²/((a+1)(a+2)) + …),
    evaluated in log space, since g underflows for small shapes (log G reaches −10⁴ at a = 10⁻³)."""
    g = np.exp(np.minimum(t, 50.0))
    series = np.exp(shape * t - g - special.gammaln(shape + 1)) * (1 + g / (shape + 1) + g**2 / ((shape + 1) * (shape + 2)))
    return np.where(g < 1e-3, series, special.gammainc(shape, g))


@pytest.mark.parametrize("dtype", [jnp.float64, jnp.float32])
def test_log_gamma_draws_follow_the_gamma_distribution(dtype):
    shapes = jnp.repeat(jnp.asarray(SHAPES, dtype), 20_000)
    draws = np.asarray(jax.jit(log_gamma)(jax.random.key(0), shapes), np.float64).reshape(len(SHAPES), -1)
    assert draws.dtype == np.float64 and np.all(np.isfinite(draws))
    for shape, log_values in zip(SHAPES, draws):
        p_value = stats.kstest(log_values, lambda t: log_gamma_cdf(t, shape)).pvalue
        assert p_value > 1e-3 / len(SHAPES), (shape, p_value)


def test_a_wrong_sampler_fails_the_same_check():
    # Control: Gamma(a + 1/3) draws must be rejected by the test above at this sample size.
    wrong = np.log(np.random.default_rng(1).gamma(2.5 + 1 / 3, size=20_000))
    assert stats.kstest(wrong, lambda t: log_gamma_cdf(t, 2.5)).pvalue < 1e-6


def test_same_key_same_draws():
    shapes = jnp.asarray(SHAPES)
    np.testing.assert_array_equal(log_gamma(jax.random.key(3), shapes), log_gamma(jax.random.key(3), shapes))
    assert not np.array_equal(log_gamma(jax.random.key(3), shapes), log_gamma(jax.random.key(4), shapes))
