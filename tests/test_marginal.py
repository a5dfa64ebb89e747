"""Importance sampling with the assignments summed out: the mixture distribution, the marginal
model against enumeration of z, the exact log marginal likelihood, and its gain in ESS over
importance resampling of the full model."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from genjax import seed
from harness.exact_gmm import Prior, exact_posterior
from scipy import stats
from scipy.special import logsumexp

import genjax_gmm as gg
from genjax_gmm import (
    co_assignment_matrix,
    gaussian_mixture_distribution,
    importance_resampling,
    marginal_gmm,
    marginal_importance_resampling,
)

# The tiny problem of test_importance: five points, three components, exact by enumeration.
DATA = np.array([-1.0, -0.6, 0.2, 1.1, 1.4])
PRIOR = (1.0, 0.0, 1.0, 5.0, 1.0)  # α, m₀, s₀, a, b
K = 3
NUM_PARTICLES = 2**15


@pytest.fixture(scope="module")
def result():
    return marginal_importance_resampling(jax.random.key(0), DATA, K, gg.GMMPrior(*PRIOR), NUM_PARTICLES, 4000)


def test_mixture_distribution_has_the_mixture_density_and_draws_from_it():
    weights, means, stds = jnp.array([0.3, 0.7]), jnp.array([350.0, 500.0]), jnp.array([2.0, 5.0])
    x = jnp.array([340.0, 351.0, 425.0, 498.0, 530.0])
    logpdf = jax.vmap(lambda value: gaussian_mixture_distribution.logpdf(value, weights, means, stds))(x)
    np.testing.assert_allclose(logpdf, gg.log_marginal_density(x, weights, means, stds), rtol=1e-12)

    keys = jax.random.split(jax.random.key(1), 4000)
    sample = seed(gaussian_mixture_distribution.sample)
    draws = np.asarray(jax.vmap(lambda key: sample(key, weights, means, stds))(keys))
    mixture_cdf = lambda v: 0.3 * stats.norm.cdf(v, 350.0, 2.0) + 0.7 * stats.norm.cdf(v, 500.0, 5.0)  # noqa: E731
    assert stats.kstest(draws, mixture_cdf).pvalue > 1e-3


def test_marginal_model_is_the_full_model_with_the_assignments_summed_out():
    prior = gg.GMMPrior(*PRIOR)
    x = jnp.array([-0.8, 0.1, 1.2])
    parameters = {"weights": jnp.array([0.2, 0.5, 0.3]), "means": jnp.array([-1.0, 0.0, 1.0]),
                  "variances": jnp.array([0.5, 1.0, 2.0])}
    marginal, _ = marginal_gmm(x.size, K).assess({**parameters, "points": {"x": x}}, prior)
    full = gg.bayesian_gmm(x.size, K)
    joint = [
        full.assess({**parameters, "points": {"component": jnp.array(z), "x": x}}, prior)[0]
        for z in itertools.product(range(K), repeat=x.size)
    ]
    assert float(marginal) == pytest.approx(float(logsumexp(np.array(joint))), rel=1e-10)


def test_matches_the_exact_posterior(result):
    exact = exact_posterior(DATA, K, Prior(*PRIOR))
    # The relative standard error of the mean weight is about 1/sqrt(ESS) (here < 0.015): 0.06 is
    # four of them; the co-assignment tolerance is ~4 binomial standard errors of 4000 draws.
    assert result.effective_sample_size > 5000
    assert abs(result.log_marginal_likelihood - exact.log_marginal_likelihood) < 0.06
    estimate = np.asarray(co_assignment_matrix(result.assignments))
    assert np.abs(estimate - exact.co_assignment).max() < 0.04
    assert 0.3 < exact.co_assignment[1, 2] < 0.7  # the comparison includes uncertain pairs


def test_summaries_follow_from_the_log_weights(result):
    log_weights = np.asarray(result.log_weights)
    assert log_weights.shape == (NUM_PARTICLES,)
    assert result.log_marginal_likelihood == pytest.approx(logsumexp(log_weights) - np.log(log_weights.size), abs=1e-9)
    normalised = np.exp(log_weights - logsumexp(log_weights))
    assert result.effective_sample_size == pytest.approx(1 / np.sum(normalised**2), rel=1e-9)
    assert result.weights.shape == result.means.shape == result.stds.shape == (4000, K)
    assert result.assignments.shape == (4000, DATA.size)


def test_each_weight_is_the_mixture_likelihood_of_its_parameters(result):
    # log w = Σ_i log Σ_k π_k N(x_i; μ_k, σ_k²): each resampled θ's likelihood is one of the weights.
    log_weights = np.sort(np.asarray(result.log_weights))
    for sample in range(0, 4000, 80):
        likelihood = float(
            gg.log_marginal_density(DATA, result.weights[sample], result.means[sample], result.stds[sample]).sum()
        )
        position = np.clip(np.searchsorted(log_weights, likelihood), 1, log_weights.size - 1)
        assert np.min(np.abs(log_weights[position - 1 : position + 1] - likelihood)) < 1e-9 * abs(likelihood)


def test_summing_out_the_assignments_raises_the_effective_sample_size(result):
    # Same data, prior and number of particles: the joint sampler must also guess z from the prior.
    # (On the 20 bentos the gap is starker: `make bench` prints both samplers side by side.)
    joint = importance_resampling(jax.random.key(0), DATA, K, gg.GMMPrior(*PRIOR), NUM_PARTICLES, 10)
    assert result.effective_sample_size > 5 * joint.effective_sample_size


@pytest.mark.parametrize(
    "change, error, message",
    [
        ({"data": [1.0, np.nan]}, ValueError, "data must be finite"),
        ({"data": []}, ValueError, "at least one observation"),
        ({"data": np.zeros((2, 2))}, ValueError, "1-D"),
        ({"num_components": 0}, ValueError, "num_components must be at least 1"),
        ({"num_particles": 0}, ValueError, "num_particles must be at least 1"),
        ({"num_particles": 2.5}, TypeError, "num_particles must be an integer"),
        ({"num_samples": -3}, ValueError, "num_samples must be at least 1"),
        ({"prior": (1.0, 0.0, 1.0, 5.0, 1.0)}, TypeError, "prior must be a GMMPrior"),
    ],
)
def test_bad_input_is_rejected(change, error, message):
    arguments = {"data": DATA, "num_components": K, "prior": gg.GMMPrior(*PRIOR), "num_particles": 10, "num_samples": 5}
    arguments.update(change)
    with pytest.raises(error, match=message):
        marginal_importance_resampling(jax.random.key(0), **arguments)


def test_one_component_log_marginal_likelihood_is_exact():
    one = marginal_importance_resampling(jax.random.key(5), DATA, 1, gg.GMMPrior(*PRIOR), 2**14, num_samples=100)
    exact = exact_posterior(DATA, 1, Prior(*PRIOR))
    assert abs(one.log_marginal_likelihood - exact.log_marginal_likelihood) < 0.15
    np.testing.assert_array_equal(one.weights, 1.0)
