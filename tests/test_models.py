"""The generative models: simulation frequencies and assess log densities against hand calculations."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from genjax import seed

from genjax_gmm import (
    BENTO,
    COFFEE,
    COFFEE_CAFFEINE,
    HAMBURGER,
    MYSTERY_BENTO_WEIGHTS,
    TONKATSU,
    GMMPrior,
    bayesian_gmm,
    bento,
    coffee_cups,
    gaussian_mixture,
    mixture_point,
)

PRIOR = GMMPrior(concentration=1.5, mean_loc=425.0, mean_scale=100.0, var_shape=2.0, var_scale=8.0)


def log_normal(x, mean, std):
    return -0.5 * ((x - mean) / std) ** 2 - math.log(std) - 0.5 * math.log(2 * math.pi)


def log_dirichlet(p, alpha):
    normaliser = math.lgamma(sum(alpha)) - sum(math.lgamma(a) for a in alpha)
    return normaliser + sum((a - 1) * math.log(q) for a, q in zip(alpha, p))


def log_inverse_gamma(v, shape, scale):
    """log of b^a / Γ(a) · v^-(a+1) · exp(-b / v)."""
    return shape * math.log(scale) - math.lgamma(shape) - (shape + 1) * math.log(v) - scale / v


def test_data_are_the_course_data():
    assert MYSTERY_BENTO_WEIGHTS.shape == (20,) and COFFEE_CAFFEINE.shape == (30,)
    assert MYSTERY_BENTO_WEIGHTS.mean() == pytest.approx(440.1)
    assert (MYSTERY_BENTO_WEIGHTS > 425).sum() == 12
    np.testing.assert_allclose(np.sort(COFFEE_CAFFEINE).reshape(3, 10).mean(axis=1), [81.0, 119.0, 157.0], atol=0.5)
    with pytest.raises(ValueError):
        MYSTERY_BENTO_WEIGHTS[0] = 0.0  # read-only: a notebook cannot corrupt the shared data


def test_bento_kind_frequency_is_seventy_percent():
    n = 20_000
    traces = jax.vmap(seed(bento.simulate))(jax.random.split(jax.random.key(0), n))
    kinds = np.asarray(traces.get_choices()["kind"])
    standard_error = math.sqrt(0.7 * 0.3 / n)
    assert abs((kinds == TONKATSU).mean() - 0.7) < 4 * standard_error
    weights = np.asarray(traces.get_choices()["weight"])
    assert abs(weights[kinds == HAMBURGER].mean() - 350.0) < 4 * 2.0 / math.sqrt((kinds == HAMBURGER).sum())


def test_bento_assess_is_the_hand_computed_log_density():
    for kind, weight in [(TONKATSU, 501.3), (HAMBURGER, 347.0)]:
        log_density, retval = bento.assess({"kind": jnp.asarray(kind), "weight": jnp.asarray(weight)})
        expected = math.log(BENTO.weights[kind]) + log_normal(weight, BENTO.means[kind], BENTO.stds[kind])
        assert float(log_density) == pytest.approx(expected, abs=1e-9)
        assert float(retval) == weight


def test_mixture_point_assess():
    weights, means, stds = jnp.array([0.2, 0.5, 0.3]), jnp.array([-1.0, 0.0, 4.0]), jnp.array([1.0, 0.5, 2.0])
    log_density, _ = mixture_point.assess({"component": jnp.asarray(2), "x": jnp.asarray(3.0)}, weights, means, stds)
    assert float(log_density) == pytest.approx(math.log(0.3) + log_normal(3.0, 4.0, 2.0), abs=1e-9)


def test_gaussian_mixture_is_vectorised_over_points():
    weights, means, stds = (jnp.array(v) for v in COFFEE)
    trace = seed(gaussian_mixture(500).simulate)(jax.random.key(1), weights, means, stds)
    choices = trace.get_choices()
    assert choices["component"].shape == (500,) and choices["x"].shape == (500,)
    residual = np.asarray(choices["x"]) - np.asarray(means)[np.asarray(choices["component"])]
    assert np.abs(residual).max() < 5 * 2.0  # each cup sits near its own blend's mean
    log_density, _ = gaussian_mixture(3).assess(
        {"component": jnp.array([0, 2, 1]), "x": jnp.array([80.0, 160.0, 121.0])}, weights, means, stds
    )
    expected = 3 * math.log(1 / 3) + log_normal(80, 81, 2) + log_normal(160, 157, 2) + log_normal(121, 119, 2)
    assert float(log_density) == pytest.approx(expected, abs=1e-9)
    assert coffee_cups(jax.random.key(2), 30).get_choices()["x"].shape == (30,)


def test_bayesian_gmm_assess_is_the_hand_computed_joint():
    choices = {
        "weights": jnp.array([0.6, 0.4]),
        "means": jnp.array([500.0, 350.0]),
        "variances": jnp.array([4.0, 9.0]),
        "points": {"component": jnp.array([0, 1, 0]), "x": jnp.array([498.0, 352.0, 503.0])},
    }
    log_density, retval = bayesian_gmm(3, 2).assess(choices, PRIOR)
    expected = log_dirichlet([0.6, 0.4], [1.5, 1.5])
    expected += log_normal(500, 425, 100) + log_normal(350, 425, 100)
    expected += log_inverse_gamma(4.0, 2.0, 8.0) + log_inverse_gamma(9.0, 2.0, 8.0)
    expected += math.log(0.6) + log_normal(498, 500, 2) + math.log(0.4) + log_normal(352, 350, 3)
    expected += math.log(0.6) + log_normal(503, 500, 2)
    assert float(log_density) == pytest.approx(expected, abs=1e-8)
    np.testing.assert_array_equal(retval, [498.0, 352.0, 503.0])


def test_bayesian_gmm_generate_constrains_the_observations():
    data = jnp.asarray(MYSTERY_BENTO_WEIGHTS)
    model = bayesian_gmm(20, 2)
    trace, log_weight = seed(model.generate)(jax.random.key(3), {"points": {"x": data}}, PRIOR)
    choices = trace.get_choices()
    np.testing.assert_array_equal(choices["points"]["x"], data)
    # Every latent (z included) is proposed from its prior, so the weight is the likelihood
    # of the data given the sampled latents: Σ_i log N(x_i; μ_{z_i}, σ²_{z_i}).
    means, variances = np.asarray(choices["means"]), np.asarray(choices["variances"])
    z = np.asarray(choices["points"]["component"])
    expected = sum(log_normal(x, means[k], math.sqrt(variances[k])) for x, k in zip(MYSTERY_BENTO_WEIGHTS, z))
    assert float(log_weight) == pytest.approx(expected, rel=1e-10)


def test_bayesian_gmm_prior_simulation_matches_the_prior_moments():
    keys = jax.random.split(jax.random.key(4), 4000)
    traces = jax.vmap(seed(bayesian_gmm(1, 3).simulate), in_axes=(0, None))(keys, PRIOR)
    means = np.asarray(traces.get_choices()["means"]).ravel()
    assert abs(means.mean() - 425.0) < 4 * 100.0 / math.sqrt(means.size)
    variances = np.asarray(traces.get_choices()["variances"]).ravel()
    # InverseGamma(a = 2, b = 8) has median b / Gamma(2, 1)-median = 8 / 1.6783 ≈ 4.767.
    assert np.median(variances) == pytest.approx(8 / 1.678346990016661, rel=0.08)


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("concentration", 0.0, "prior.concentration must be positive"),
        ("mean_scale", -1.0, "prior.mean_scale must be positive"),
        ("var_shape", float("nan"), "prior.var_shape must be finite"),
        ("var_scale", 0.0, "prior.var_scale must be positive"),
        ("mean_loc", float("inf"), "prior.mean_loc must be finite"),
    ],
)
def test_invalid_prior_is_rejected(field, value, message):
    arguments = dict(concentration=1.0, mean_loc=0.0, mean_scale=1.0, var_shape=2.0, var_scale=1.0)
    arguments[field] = value
    with pytest.raises(ValueError, match=message):
        GMMPrior(**arguments)


def test_sizes_must_be_positive_integers():
    with pytest.raises(ValueError, match="num_components must be at least 1"):
        bayesian_gmm(5, 0)
    with pytest.raises(ValueError, match="num_points must be at least 1"):
        gaussian_mixture(0)
    with pytest.raises(TypeError, match="num_points must be an integer"):
        bayesian_gmm(2.5, 2)


def test_prior_fields_must_be_scalars():
    with pytest.raises(ValueError, match="prior.mean_loc must be a scalar"):
        GMMPrior(concentration=1.0, mean_loc=[0.0, 1.0], mean_scale=1.0, var_shape=2.0, var_scale=1.0)


def test_prior_is_a_pytree_that_jit_can_lower_and_vmap_can_batch():
    def prior_mean_of_variance(prior: GMMPrior):
        return prior.var_scale / (prior.var_shape - 1)

    assert float(jax.jit(prior_mean_of_variance)(PRIOR)) == pytest.approx(8.0)
    jax.jit(prior_mean_of_variance).lower(PRIOR)  # lowering rebuilds the prior from placeholders
    batch = jax.tree_util.tree_map(lambda v: jnp.array([v, 2 * v]), PRIOR)
    # Second prior: var_scale 16, var_shape 4, so the mean variance is 16 / 3.
    np.testing.assert_allclose(jax.vmap(prior_mean_of_variance)(batch), [8.0, 16.0 / 3.0])


def test_mixture_weights_is_the_dirichlet_and_a_point_mass_for_one_component():
    from genjax_gmm import mixture_weights

    log_density = mixture_weights.logpdf(jnp.array([0.3, 0.7]), jnp.array([2.0, 3.0]))
    assert float(log_density) == pytest.approx(log_dirichlet([0.3, 0.7], [2.0, 3.0]), abs=1e-10)
    assert float(mixture_weights.logpdf(jnp.array([1.0]), jnp.array([2.0]))) == 0.0


def test_one_component_gmm_has_certain_weights_and_the_hand_computed_joint():
    choices = {
        "weights": jnp.array([1.0]),
        "means": jnp.array([400.0]),
        "variances": jnp.array([9.0]),
        "points": {"component": jnp.array([0, 0]), "x": jnp.array([398.0, 404.0])},
    }
    log_density, _ = bayesian_gmm(2, 1).assess(choices, PRIOR)
    expected = log_normal(400, 425, 100) + log_inverse_gamma(9.0, 2.0, 8.0)
    expected += log_normal(398, 400, 3) + log_normal(404, 400, 3)
    assert float(log_density) == pytest.approx(expected, abs=1e-9)
    trace = seed(bayesian_gmm(2, 1).simulate)(jax.random.key(6), PRIOR)
    np.testing.assert_array_equal(trace.get_choices()["weights"], [1.0])
