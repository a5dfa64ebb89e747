"""Bad and extreme input to the public API: a clear error naming the problem, never a crash, a
silent NaN, a hang or an answer that depends on call order (issue 11's fuzz findings, by cause).
Every call here is cheap: the errors come before any compilation."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import genjax_gmm as gg

PRIOR = gg.GMMPrior(1.0, 425.0, 100.0, 2.0, 10.0)
BENTOS = gg.MYSTERY_BENTO_WEIGHTS
KEY = jax.random.key(0)

SAMPLERS = {
    "gibbs": lambda key, data=BENTOS, **kw: gg.gibbs(
        key, data, 2, kw.pop("prior", PRIOR), kw.pop("num_sweeps", 100), **kw
    ),
    "importance_resampling": lambda key, data=BENTOS, **kw: gg.importance_resampling(
        key, data, 2, kw.pop("prior", PRIOR), kw.pop("num_particles", 100), kw.pop("num_samples", 10)
    ),
    "marginal_importance_resampling": lambda key, data=BENTOS, **kw: gg.marginal_importance_resampling(
        key, data, 2, kw.pop("prior", PRIOR), kw.pop("num_particles", 100), kw.pop("num_samples", 10)
    ),
}


# 1, 2: keys of both styles; anything else names ``key``.
@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("sampler", SAMPLERS)
def test_old_style_keys_give_the_same_draws_as_new_style(sampler):
    old = SAMPLERS[sampler](jax.random.PRNGKey(7))
    new = SAMPLERS[sampler](jax.random.wrap_key_data(jax.random.PRNGKey(7)))
    np.testing.assert_array_equal(old.means, new.means)


@pytest.mark.parametrize("sampler", [*SAMPLERS, "coffee_cups"])
@pytest.mark.parametrize(
    ("key", "error", "message"),
    [
        (3, TypeError, "key must be a JAX random key"),
        ("0", TypeError, "key must be a JAX random key"),
        (np.float64(1.0), TypeError, "key must be a JAX random key"),
        (jax.random.split(jax.random.key(0), 3), ValueError, "key must be a single random key"),
        (jnp.zeros((3, 2), jnp.uint32), ValueError, "key must be a single random key"),
    ],
)
def test_a_bad_key_is_named(sampler, key, error, message):
    run = (lambda k: gg.coffee_cups(k, 5)) if sampler == "coffee_cups" else SAMPLERS[sampler]
    with pytest.raises(error, match=message):
        run(key)


# 4: counts the compiled loop cannot represent.
def test_sweep_counts_beyond_int32_are_refused():
    with pytest.raises(ValueError, match="num_sweeps must be at most"):
        gg.gibbs(KEY, BENTOS, 2, PRIOR, num_sweeps=2**32 + 8, burn_in=2**32 + 2)


# 5: requests too large for memory say how much they need, before allocating anything.
@pytest.mark.parametrize(
    "call",
    [
        lambda: gg.gibbs(KEY, BENTOS, 2, PRIOR, 100, num_chains=10**12),
        lambda: gg.gibbs(KEY, BENTOS, 10**6, PRIOR, 100),
        lambda: gg.importance_resampling(KEY, BENTOS, 2, PRIOR, 10**12, 10),
        lambda: gg.importance_resampling(KEY, BENTOS, 2, PRIOR, 100, 10**12),
        lambda: gg.marginal_importance_resampling(KEY, BENTOS, 2, PRIOR, 10**12, 10),
        lambda: gg.co_assignment_matrix(np.arange(10**6).reshape(1000, 1000)),  # 10⁶ distinct labels
    ],
    ids=["gibbs chains", "gibbs components", "IS particles", "IS samples", "marginal IS particles", "co-assignment"],
)
def test_requests_beyond_memory_are_refused_with_their_size(call):
    with pytest.raises(ValueError, match=r"would need [\d,.]+ GiB of memory"):
        call()


def test_huge_labels_and_iteration_limits_cost_nothing():
    np.testing.assert_array_equal(gg.co_assignment_matrix([[0, 10**7], [10**7, 10**7]]), [[1.0, 0.5], [0.5, 1.0]])
    assert gg.em(BENTOS, 2, max_iterations=10**10).converged


# 6: validation before the model cache, whatever came before.
@pytest.mark.parametrize(
    ("builder", "arguments", "message"),
    [
        (gg.bayesian_gmm, (9, True), "num_components must be an integer, got bool"),
        (gg.bayesian_gmm, (9, 2.0), "num_components must be an integer, got float"),
        (gg.bayesian_gmm, ([20], 2), "num_points must be an integer, got list"),
        (gg.marginal_gmm, (9.0, 2.0), "num_points must be an integer, got float"),
        (gg.gaussian_mixture, (jnp.array(2.5),), "num_points must be an integer"),
        (gg.gaussian_mixture, (0,), "num_points must be at least 1"),
    ],
)
def test_model_builders_validate_before_their_cache(builder, arguments, message):
    builder(9, 1) if builder is not gg.gaussian_mixture else builder(9)
    builder(9, 2) if builder is not gg.gaussian_mixture else builder(2)
    with pytest.raises((TypeError, ValueError), match=message):
        builder(*arguments)


def test_integer_arrays_count_as_integers():
    assert gg.gaussian_mixture(jnp.array(5)) is gg.gaussian_mixture(5)
    assert gg.bayesian_gmm(np.int64(9), 2) is gg.bayesian_gmm(9, 2)


# 7, 8: prior fields and data must be numbers.
@pytest.mark.parametrize(
    ("fields", "error", "message"),
    [
        ({"concentration": "1.0"}, TypeError, "prior.concentration must be a number, got str"),
        ({"mean_loc": None}, TypeError, "prior.mean_loc must be a number, got NoneType"),
        ({"var_shape": True}, TypeError, "prior.var_shape must be a number, got bool"),
        ({"mean_scale": [1.0, 2.0]}, ValueError, "prior.mean_scale must be a scalar"),
        ({"mean_scale": 1e-200}, ValueError, "prior.mean_scale must be at least 1e-150"),
        ({"mean_loc": 1e200}, ValueError, "prior.mean_loc must be at most 1e\\+150"),
    ],
)
def test_prior_fields_must_be_representable_numbers(fields, error, message):
    values = {"concentration": 1.0, "mean_loc": 0.0, "mean_scale": 1.0, "var_shape": 2.0, "var_scale": 1.0, **fields}
    with pytest.raises(error, match=message):
        gg.GMMPrior(**values)


def test_prior_fields_are_stored_as_floats():
    prior = gg.GMMPrior(1, np.int32(425), jnp.array(100), 2, np.float32(10))
    assert all(type(value) is float for value in (prior.concentration, prior.mean_loc, prior.mean_scale,
                                                  prior.var_shape, prior.var_scale))


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: gg.category_posterior(None, *gg.BENTO), "x"),
        (lambda: gg.category_posterior(400.0, None, [500.0, 350.0], [2.0, 2.0]), "weights"),
        (lambda: gg.gibbs(KEY, None, 2, PRIOR, 100), "data"),
        (lambda: gg.gibbs(KEY, [400.0, None], 2, PRIOR, 100), "data"),
        (lambda: gg.importance_resampling(KEY, None, 2, PRIOR, 10, 5), "data"),
        (lambda: gg.em(None, 2), "data"),
        (lambda: gg.split_rhat(None), "samples"),
    ],
)
def test_none_is_not_a_number(call, name):
    with pytest.raises(TypeError, match=f"{name} must be numeric, got"):
        call()


# 9, 10
def test_a_bad_dtype_is_named():
    with pytest.raises(ValueError, match="dtype must be float32 or float64"):
        gg.gibbs(KEY, BENTOS, 2, PRIOR, 100, dtype="foo")


def test_split_rhat_of_constant_halves_raises():
    with pytest.raises(ValueError, match="constant within every half-chain"):
        gg.split_rhat([[0, 0, 1, 1]])


# 11: extreme but representable values give finite answers; beyond float64, an error naming the range.
@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: gg.gibbs(KEY, [1e200, 1.0], 2, PRIOR, 100), "data must be at most 1e\\+150"),
        (lambda: gg.importance_resampling(KEY, [1e160, 1.0], 2, PRIOR, 10, 5), "data must be at most 1e\\+150"),
        (lambda: gg.marginal_importance_resampling(KEY, [1e160, 1.0], 2, PRIOR, 10, 5), "data must be at most"),
        (lambda: gg.em([1e200, 1.0, 2.0], 2), "data must be at most 1e\\+150"),
        (lambda: gg.kmeans([1e200, 1.0, 2.0], 2), "data must be at most 1e\\+150"),
        (lambda: gg.category_posterior(1e200, [1.0], [0.0], [1e-200]), "x is too far from the components"),
        (lambda: gg.category_posterior(1e140, [0.5, 0.5], [0.0, 1.0], [1e-140, 1.0]), "too far"),
        (lambda: gg.decision_boundaries([0.5, 0.5], [-1e149, 1e149], [1e-149, 1.0]), "outside the range float64"),
    ],
)
def test_values_beyond_float64_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_a_tiny_concentration_on_identical_data_stays_finite():
    for concentration in (1e-3, 1e-2):
        result = gg.gibbs(KEY, np.full(10, 3.0), 3, gg.GMMPrior(concentration, 0.0, 10.0, 2.0, 1.0), 200)
        assert np.all(np.isfinite(result.log_joint)) and np.all(result.weights > 0)


def test_extreme_but_representable_categorization_is_finite():
    posterior = gg.category_posterior(1e100, [0.5, 0.5], [0.0, 1e99], [1e-40, 1.0])
    assert np.all(np.isfinite(posterior)) and float(posterior[1]) == 1.0


# Warnings a real user needs.
def test_stuck_chains_warn_and_say_what_to_do():
    stuck = np.r_[BENTOS, 425.0]
    with pytest.warns(gg.ConvergenceWarning, match="R-hat .* > 1.01.*more sweeps or more chains"):
        gg.gibbs(jax.random.key(3), stuck, 2, PRIOR, 400, num_chains=4)


def test_a_tiny_importance_ess_warns():
    with pytest.warns(gg.ImportanceWarning, match="effective sample size is .* unreliable"):
        gg.importance_resampling(KEY, BENTOS, 2, PRIOR, 100, 10)
