"""Blocked Gibbs for the multivariate mixture (Chapter 8) against exact answers: every block is a
GenJAX edit with acceptance ratio 1 (a wrong covariance conditional is not), the log joint is the
model's density, and co-assignment and log p(x) match the enumeration of z on tiny 2-D data (with
an independent Monte Carlo check of log p(x)). Geweke's test with a broken covariance update as
the control, and the exact posterior with its control, are tests/test_engine.py's."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from harness.acceptance import gibbs_move
from harness.cases import TINY_DATA, TINY_PRIOR, niw_prior
from harness.exact_niw import Prior, exact_posterior, monte_carlo_log_evidence
from scipy import stats

from genjax_gmm import co_assignment_matrix
from genjax_gmm import multivariate as mv
from genjax_gmm.engine.mcmc import chain_settings, sample
from genjax_gmm.gaussian import mvn_mixture_logits
from genjax_gmm.multivariate.gibbs import (
    ComponentsConditional,
    MultivariateGibbsKernel,
    MultivariateGibbsState,
    component_bucket,
    component_statistics,
    components_conditional,
    draw_assignments,
    log_joint,
)

# --- each block is an MH move with acceptance ratio 1 -----------------------------------------


def _random_traces(data, num_components, prior, num_states=4):
    """Traces of ``mv.bayesian_gmm`` holding prior draws and the data; in the last, component K−1 is empty."""
    model = mv.bayesian_gmm(data.shape[0], num_components, data.shape[1])
    rng = np.random.default_rng(0)
    for index in range(num_states):
        covariances = stats.invwishart(prior.df, prior.scale_matrix).rvs(size=num_components, random_state=rng)
        means = np.array([rng.multivariate_normal(prior.mean_loc, c / prior.mean_pseudo_count) for c in covariances])
        weights = rng.dirichlet(np.full(num_components, prior.concentration))
        used = num_components - 1 if index == num_states - 1 else num_components
        assignments = rng.integers(used, size=data.shape[0]).astype(np.int32)
        state = MultivariateGibbsState(*(jnp.asarray(v) for v in (weights, means, covariances, assignments)))
        choices = {
            "weights": state.weights,
            "means": state.means,
            "covariances": state.covariances,
            "points": {"component": state.assignments, "x": jnp.asarray(data)},
        }
        trace, _ = model.generate(choices, prior)
        yield model, trace, state


def _conditional_log_densities(state, data, prior):
    """log q(block | rest) for each block at ``state``, as functions of the block's new value."""
    logits = mvn_mixture_logits(data, state.weights, state.means, state.covariances)
    stats_ = component_statistics(data, state.assignments, state.means)
    conditional = components_conditional(stats_, prior)
    return logits, conditional


@pytest.mark.parametrize("block", ["assignments", "means and covariances", "weights"])
def test_every_block_is_an_edit_with_acceptance_ratio_one(block):
    """log w(update) = log q(new | rest) − log q(old | rest) for every block: q is the conditional."""
    prior = niw_prior()
    data = jnp.asarray(TINY_DATA[:6])
    for index, (model, trace, state) in enumerate(_random_traces(TINY_DATA[:6], 3, prior, num_states=2)):
        logits, conditional = _conditional_log_densities(state, data, prior)
        key = jax.random.key(100 + index)
        if block == "assignments":
            new = jax.random.categorical(key, logits).astype(jnp.int32)
            log_q = lambda z: jnp.sum(jnp.take_along_axis(jax.nn.log_softmax(logits), z[:, None], 1))  # noqa: E731
            edit, old = {"points": {"component": new}}, state.assignments
        else:
            means, covariances, weights = conditional.sample(key)
            if block == "weights":
                new, old, edit = weights, state.weights, {"weights": weights}
                log_q = lambda w: conditional.log_density(state.means, state.covariances, w)  # noqa: E731
            else:
                new, old, edit = (
                    (means, covariances),
                    (state.means, state.covariances),
                    {"means": means, "covariances": covariances},
                )
                log_q = lambda mc: conditional.log_density(*mc, state.weights)  # noqa: E731
        move = gibbs_move(model, trace, edit, (prior,), log_q(new), log_q(old))
        assert move.is_exact, move


def test_a_wrong_covariance_conditional_breaks_the_identity():
    prior = niw_prior()
    data = jnp.asarray(TINY_DATA[:6])
    model, trace, state = next(_random_traces(TINY_DATA[:6], 3, prior))
    _, conditional = _conditional_log_densities(state, data, prior)
    wrong = ComponentsConditional(
        conditional.posterior._replace(df=conditional.posterior.df + 1), conditional.concentration
    )
    means, covariances, _ = wrong.sample(jax.random.key(3))
    move = gibbs_move(
        model,
        trace,
        {"means": means, "covariances": covariances},
        (prior,),
        wrong.log_density(means, covariances, state.weights),
        wrong.log_density(state.means, state.covariances, state.weights),
    )
    assert not move.is_exact and abs(move.log_ratio) > 1e-3


def test_log_joint_is_the_models_density():
    prior = niw_prior()
    data = jnp.asarray(TINY_DATA[:6])
    for model, trace, state in _random_traces(TINY_DATA[:6], 3, prior, num_states=2):
        stats_ = component_statistics(data, state.assignments, state.means + 0.3)
        density, _ = model.assess(trace.get_choices(), prior)
        assert float(log_joint(state, stats_, prior)) == pytest.approx(float(density), abs=1e-9)


# --- the exact posterior ------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("num_components, points", [(2, list(range(9))), (3, [0, 1, 3, 4, 6, 8])])
def test_co_assignment_and_evidence_match_the_enumeration(num_components, points):
    data, num_points = TINY_DATA[points], len(points)
    exact = exact_posterior(data, num_components, Prior(**TINY_PRIOR))
    log_evidence, standard_error = monte_carlo_log_evidence(data, num_components, Prior(**TINY_PRIOR), 100_000, seed=1)
    assert standard_error < 0.08  # the check below is meaningful
    assert abs(log_evidence - exact.log_marginal_likelihood) < 4 * standard_error
    result = mv.gibbs(jax.random.key(0), data, num_components, niw_prior(), num_sweeps=6000, num_chains=4)
    assert result.assignments.shape == (4, 4500, num_points)
    estimate = co_assignment_matrix(result.assignments)
    assert np.abs(estimate - exact.co_assignment).max() < 0.02
    assert np.any((exact.co_assignment > 0.2) & (exact.co_assignment < 0.8))  # uncertain pairs included


# --- buckets of K: switched-off components change nothing ----------------------------------------


def test_component_buckets_cost_at_most_half_as_much_again():
    buckets = [component_bucket(k) for k in range(1, 13)]
    assert buckets == [3, 3, 3, 4, 6, 6, 8, 8, 12, 12, 12, 12]
    assert all(k <= bucket <= max(3, 1.5 * k) for k, bucket in enumerate(buckets, start=1))


def test_assignments_in_a_bucket_are_jax_categorical_draws():
    logits = jax.random.normal(jax.random.key(0), (37, 2))
    switched_off = jnp.concatenate([logits, jnp.full((37, 3), -jnp.inf)], axis=1)
    key = jax.random.key(1)
    expected = np.asarray(jax.random.categorical(key, logits))
    assert np.array_equal(draw_assignments(key, logits), expected)
    assert np.array_equal(draw_assignments(key, switched_off, 2), expected)


@pytest.mark.filterwarnings("ignore::genjax_gmm.ConvergenceWarning")  # short runs, on purpose
@pytest.mark.parametrize(
    "num_components", [2, pytest.param(1, marks=pytest.mark.slow), pytest.param(5, marks=pytest.mark.slow)]
)
def test_gibbs_in_its_buckets_draws_what_the_unpadded_kernel_draws(num_components):
    """mv.gibbs (K in a bucket of 3 or 6 components, N in a coarse data bucket) against the kernel
    of exactly K components on the engine's default data bucket: the same draws from the same key
    (the same assignments, and π, μ, Σ equal to the last bit or two: XLA may sum differently over
    one component than over three)."""
    data, prior, key = TINY_DATA, niw_prior(), jax.random.key(4)
    assert component_bucket(num_components) > num_components
    result = mv.gibbs(key, data, num_components, prior, num_sweeps=300, num_chains=3, burn_in=100)
    settings = chain_settings(key, 300, 3, 100, keep_assignments=True, dtype=jnp.float64, num_points=len(data))
    plain = sample(MultivariateGibbsKernel(num_components), data, prior, settings, sampler="unpadded").values
    assert np.array_equal(result.assignments, plain["assignments"][..., : len(data)])
    for name in ("weights", "means", "covariances"):
        np.testing.assert_allclose(getattr(result, name), plain[name], rtol=1e-14, atol=1e-15, err_msg=name)
    np.testing.assert_allclose(result.log_joint, plain["log_joint"], rtol=1e-13)
    assert np.all(np.isfinite(result.log_joint))
