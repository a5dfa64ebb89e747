"""Blocked Gibbs sampling of the 1-D mixture: exact conditionals (as GenJAX edits with acceptance
ratio 1, and a wrong one that is not), empty components, the exact posterior on data far from
zero in float32, the log joint, recovery, the padding, input checks, and the convergence
diagnostics. The properties every sampler shares (reproducibility, compilation, Geweke's test,
the exact posterior with its control) are tests/test_engine.py's, run on this sampler too."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from harness.acceptance import gibbs_move
from harness.cases import TINY_1D, TINY_1D_PRIOR
from harness.exact_gmm import Prior, exact_posterior
from scipy import stats

import genjax_gmm as gg
from genjax_gmm import co_assignment_matrix, gibbs, relabel_by_mean
from genjax_gmm.engine.buckets import pad_to_bucket
from genjax_gmm.inference.gibbs import (
    GibbsState,
    assignments_conditional,
    component_statistics,
    means_conditional,
    variances_conditional,
    weights_conditional,
)

TINY_DATA, TINY_PRIOR, TINY_K = TINY_1D, TINY_1D_PRIOR, 3


@pytest.fixture(scope="module")
def tiny_exact():
    return exact_posterior(TINY_DATA, TINY_K, Prior(*TINY_PRIOR))


# --- each block is an MH move with acceptance ratio 1 -------------------------------------


def _block_conditionals(state: GibbsState, data, prior) -> dict:
    """The four exact conditionals at ``state``, keyed by the choice-map edit they make."""
    stats_ = component_statistics(data, state.assignments, reference=state.means)
    return {
        "assignments": assignments_conditional(data, state.weights, state.means, state.variances),
        "means": means_conditional(stats_, state.variances, prior),
        "variances": variances_conditional(stats_, state.means, prior),
        "weights": weights_conditional(stats_, prior),
    }


def _edit(block: str, value) -> dict:
    return {"points": {"component": value}} if block == "assignments" else {block: value}


def _random_states(data, num_components, prior):
    """Traces of the model holding prior draws of (π, μ, σ², z) and the data; in the last
    state component K−1 is empty."""
    model = gg.bayesian_gmm(data.size, num_components)
    rng = np.random.default_rng(0)
    for index in range(4):
        weights = rng.dirichlet(np.full(num_components, prior.concentration))
        means = rng.normal(prior.mean_loc, prior.mean_scale, num_components)
        variances = prior.var_scale / rng.gamma(prior.var_shape, size=num_components)
        used = num_components - 1 if index == 3 else num_components
        assignments = rng.integers(used, size=data.size, dtype=np.int32)
        state = GibbsState(*(jnp.asarray(value) for value in (weights, means, variances, assignments)))
        choices = {**state._asdict(), "points": {"component": state.assignments, "x": data}}
        del choices["assignments"]
        trace, _ = model.generate(choices, prior)
        yield trace, state


@pytest.mark.parametrize("block", ["assignments", "means", "variances", "weights"])
def test_every_block_is_an_edit_with_acceptance_ratio_one(block):
    """log w(update) − log q(new | rest) + log q(old | rest) = 0 for every block and state.

    ``model.update(trace, {block: new}, prior)`` returns log p(new, rest) − log p(old, rest);
    the MH acceptance ratio of proposing ``new`` from q( · | rest) is the exponential of the
    difference above, so it is 1 exactly when q is the conditional p(block | rest)."""
    prior = gg.GMMPrior(*TINY_PRIOR)
    model = gg.bayesian_gmm(TINY_DATA.size, TINY_K)
    saw_empty_component = False
    for index, (trace, state) in enumerate(_random_states(jnp.asarray(TINY_DATA), TINY_K, prior)):
        conditional = _block_conditionals(state, jnp.asarray(TINY_DATA), prior)[block]
        old = getattr(state, block)
        new = conditional.sample(jax.random.key(100 + index))
        assert not np.array_equal(np.asarray(new), np.asarray(old)) or block == "assignments"
        log_q_new, log_q_old = conditional.log_density(new), conditional.log_density(old)
        move = gibbs_move(model, trace, _edit(block, new), (prior,), log_q_new, log_q_old)
        assert move.is_exact, move
        saw_empty_component |= int(jnp.sum(state.assignments == TINY_K - 1)) == 0
    assert saw_empty_component


def test_a_wrong_conditional_breaks_the_identity():
    """Control for the test above: a proposal that is not the conditional leaves a residual."""
    prior = gg.GMMPrior(*TINY_PRIOR)
    model = gg.bayesian_gmm(TINY_DATA.size, TINY_K)
    trace, state = next(_random_states(jnp.asarray(TINY_DATA), TINY_K, prior))
    stats_ = component_statistics(jnp.asarray(TINY_DATA), state.assignments, reference=state.means)
    wrong = means_conditional(stats_, 2 * state.variances, prior)  # conditions on the wrong σ²
    new = wrong.sample(jax.random.key(7))
    move = gibbs_move(model, trace, {"means": new}, (prior,), wrong.log_density(new), wrong.log_density(state.means))
    assert not move.is_exact and abs(move.log_ratio) > 1e-3


def test_an_empty_component_draws_its_parameters_from_the_prior():
    prior = gg.GMMPrior(*TINY_PRIOR)
    data = jnp.asarray(TINY_DATA)
    assignments = jnp.zeros(data.size, jnp.int32)  # components 1 and 2 empty
    stale = jnp.array([0.0, 123.0, -77.0])
    stats_ = component_statistics(data, assignments, reference=stale)
    keys = jax.random.split(jax.random.key(3), 4000)
    means = jax.vmap(lambda key: means_conditional(stats_, jnp.full(3, 0.5), prior).sample(key))(keys)
    variances = jax.vmap(lambda key: variances_conditional(stats_, stale, prior).sample(key))(keys)
    assert np.all(np.isfinite(means)) and np.all(np.isfinite(variances))
    mean_prior = stats.norm(prior.mean_loc, prior.mean_scale)
    variance_prior = stats.invgamma(prior.var_shape, scale=prior.var_scale)
    for k in (1, 2):
        assert stats.kstest(np.asarray(means[:, k]), mean_prior.cdf).pvalue > 1e-3
        assert stats.kstest(np.asarray(variances[:, k]), variance_prior.cdf).pvalue > 1e-3


# --- the exact posterior ------------------------------------------------------------------


@pytest.mark.slow
def test_float32_on_data_far_from_zero_matches_the_exact_posterior(tiny_exact):
    # Shifting data and prior mean by 500 (bento weights) leaves the co-assignment unchanged;
    # in float32, Σx² − nμ² would cancel catastrophically, statistics around c_k do not.
    shifted_prior = gg.GMMPrior(TINY_PRIOR[0], TINY_PRIOR[1] + 500.0, *TINY_PRIOR[2:])
    result = gibbs(jax.random.key(1), TINY_DATA + 500.0, TINY_K, shifted_prior, 5000, dtype=jnp.float32)
    assert result.means.dtype == jnp.float32 and result.log_joint.dtype == jnp.float32
    estimate = np.asarray(co_assignment_matrix(result.assignments))
    assert np.abs(estimate - tiny_exact.co_assignment).max() < 0.03


def test_log_joint_is_the_models_density():
    prior = gg.GMMPrior(*TINY_PRIOR)
    result = gibbs(jax.random.key(0), TINY_DATA, TINY_K, prior, num_sweeps=5000, num_chains=4)
    model = gg.bayesian_gmm(TINY_DATA.size, TINY_K)
    for chain, draw in [(0, 0), (1, 17), (3, -1)]:
        choices = {
            "weights": result.weights[chain, draw],
            "means": result.means[chain, draw],
            "variances": result.stds[chain, draw] ** 2,
            "points": {"component": result.assignments[chain, draw], "x": jnp.asarray(TINY_DATA)},
        }
        density, _ = model.assess(choices, prior)
        assert float(result.log_joint[chain, draw]) == pytest.approx(float(density), abs=1e-9)


# --- recovery, padding ------------------------------------------------------------------------

TRUE_WEIGHTS, TRUE_MEANS, TRUE_STDS = np.array([0.5, 0.3, 0.2]), np.array([-4.0, 0.0, 5.0]), np.array([1.0, 0.7, 1.5])


@pytest.mark.slow
def test_recovers_a_known_mixture_from_ten_thousand_points():
    rng = np.random.default_rng(42)
    component = rng.choice(3, size=10_000, p=TRUE_WEIGHTS)
    data = rng.normal(TRUE_MEANS[component], TRUE_STDS[component])
    prior = gg.GMMPrior(concentration=1.0, mean_loc=0.0, mean_scale=10.0, var_shape=2.0, var_scale=2.0)
    result = relabel_by_mean(gibbs(jax.random.key(5), data, 3, prior, num_sweeps=400, num_chains=4))
    assert result.assignments is None  # 4 × 300 × 10⁴ > 10⁷: not kept by default
    assert result.rhat < 1.01
    for draws, truth in [(result.weights, TRUE_WEIGHTS), (result.means, TRUE_MEANS), (result.stds, TRUE_STDS)]:
        draws = np.asarray(draws).reshape(-1, 3)
        assert np.all(np.abs(draws.mean(axis=0) - truth) < 3 * draws.std(axis=0))


def test_padding_contributes_nothing_to_the_statistics():
    data = jnp.asarray(TINY_DATA)
    assignments = jnp.array([0, 0, 1, 2, 2, 1, 0], jnp.int32)
    reference = jnp.array([-2.0, 0.5, 2.0])
    padded, mask = pad_to_bucket(TINY_DATA)
    padded_assignments = jnp.concatenate([assignments, jnp.full(padded.size - data.size, 1, jnp.int32)])
    plain = component_statistics(data, assignments, reference)
    masked = component_statistics(jnp.asarray(padded), padded_assignments, reference, jnp.asarray(mask))
    for left, right in zip(plain, masked):
        np.testing.assert_allclose(left, right, rtol=0, atol=1e-12)


# --- input checks -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change, error, message",
    [
        ({"data": [1.0, np.nan]}, ValueError, "data must be finite"),
        ({"data": [1.0, np.inf]}, ValueError, "data must be finite"),
        ({"data": []}, ValueError, "at least one observation"),
        ({"data": [[1.0, 2.0]]}, ValueError, "1-D"),
        ({"data": ["a"]}, TypeError, "data must be numeric"),
        ({"num_components": 0}, ValueError, "num_components must be at least 1"),
        ({"prior": (1.0, 0.0, 2.0, 3.0, 1.0)}, TypeError, "prior must be a GMMPrior"),
    ],
)
def test_bad_input_is_rejected(change, error, message):
    arguments = {"data": TINY_DATA, "num_components": 2, "prior": gg.GMMPrior(*TINY_PRIOR), "num_sweeps": 100}
    arguments.update(change)
    with pytest.raises(error, match=message):
        gibbs(jax.random.key(0), **arguments)


def test_an_invalid_prior_cannot_be_built():
    with pytest.raises(ValueError, match="prior.mean_scale must be positive"):
        gg.GMMPrior(1.0, 0.0, -2.0, 3.0, 1.0)


@pytest.mark.filterwarnings("ignore::genjax_gmm.ConvergenceWarning")  # 40 sweeps: short on purpose
def test_one_component_runs_with_certain_weights():
    prior = gg.GMMPrior(1.0, 0.0, 3.0, 2.0, 1.0)
    result = gibbs(jax.random.key(9), np.array([1.0, 1.5, 2.5]), 1, prior, 40, num_chains=2)
    np.testing.assert_array_equal(result.weights, 1.0)
    assert np.all(np.isfinite(result.means)) and np.all(np.isfinite(result.log_joint))
