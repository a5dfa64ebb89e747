"""The Gamma sampler of the Gibbs sweep: exact Gamma(a) draws in log space for every shape."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import special, stats

import genjax_gmm  # noqa: F401  (float64)
from genjax_gmm import gamma
from genjax_gmm.gamma import log_gamma

SHAPES = [1e-3, 0.3, 1.0, 2.5, 40.0, 1e4]


def log_gamma_cdf(t: np.ndarray, shape: float) -> np.ndarray:
    """P(log G ≤ t) for G ~ Gamma(shape) = P(G ≤ g), g = e^t, the regularised incomplete gamma
    function; for g < 10⁻³ from its series g^a e^(−g) / Γ(a + 1) · (1 + g/(a+1) + g²/((a+1)(a+2)) + …),
    evaluated in log space, since g underflows for small shapes (log G reaches −10⁴ at a = 10⁻³)."""
    g = np.exp(np.minimum(t, 50.0))
    leading = np.exp(shape * t - g - special.gammaln(shape + 1))
    series = leading * (1 + g / (shape + 1) + g**2 / ((shape + 1) * (shape + 2)))
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


def test_vmap_gives_each_call_the_draws_it_gets_alone():
    # The rejection rounds gather pending elements across the whole batch, yet element j of call b
    # depends only on key b, j and its shape: vmapped, nested or not, it equals the lone call (up
    # to rounding: XLA may fuse the arithmetic differently; other random numbers would differ by O(1)).
    keys = jax.random.split(jax.random.key(6), 600)
    shapes = jnp.asarray(SHAPES)[None, :] * jnp.linspace(0.5, 2.0, 600)[:, None]
    batched = np.asarray(jax.jit(jax.vmap(log_gamma))(keys, shapes))
    alone = np.stack([np.asarray(jax.jit(log_gamma)(keys[b], shapes[b])) for b in range(0, 600, 37)])
    np.testing.assert_allclose(batched[::37], alone, rtol=1e-12)
    shared_shape = np.asarray(jax.jit(jax.vmap(log_gamma, in_axes=(0, None)))(keys, shapes[0]))
    nested_vmap = jax.vmap(jax.vmap(log_gamma, in_axes=(0, None)), in_axes=(0, None))
    nested = jax.jit(nested_vmap)(keys.reshape(20, 30), shapes[0])
    np.testing.assert_allclose(np.asarray(nested).reshape(600, -1), shared_shape, rtol=1e-12)
    old_style = jax.random.key_data(keys[0])
    np.testing.assert_allclose(log_gamma(old_style, shapes[0]), shared_shape[0], rtol=1e-12)


def test_the_round_size_changes_the_work_not_the_draws(monkeypatch):
    shapes = jnp.repeat(jnp.asarray(SHAPES), 500)
    default = np.asarray(log_gamma(jax.random.key(7), shapes))
    for rounds, min_width in [(1, 256), (16, 8)]:
        monkeypatch.setattr(gamma, "ROUNDS", rounds)
        monkeypatch.setattr(gamma, "MIN_ROUND_WIDTH", min_width)
        np.testing.assert_array_equal(np.asarray(log_gamma(jax.random.key(7), shapes)), default)


def test_shapes_no_gamma_has_give_nan_instead_of_looping_forever():
    # Callers validate their priors; this only keeps a bad shape from hanging the rejection loop.
    draws = np.asarray(jax.jit(log_gamma)(jax.random.key(8), jnp.array([np.nan, -1.0, np.inf, 2.0, 0.0])))
    assert np.isnan(draws[:3]).all() and np.isfinite(draws[3]) and draws[4] == -np.inf  # Gamma(0) is the point 0
