"""Blocked Gibbs for the multivariate mixture (Chapter 8) against exact answers: every block is a
GenJAX edit with acceptance ratio 1, co-assignment and log p(x) from enumerating z on tiny 2-D
data (with an independent Monte Carlo check of log p(x)), and Geweke's test with a broken
covariance update as the control that must fail."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from exact_mv_posterior import Prior, exact_posterior, monte_carlo_log_evidence
from multivariate_fixtures import TINY_DATA, TINY_PRIOR, niw_prior
from scipy import stats

from genjax_gmm import multivariate as mv
from genjax_gmm.inference import co_assignment_matrix
from genjax_gmm.multivariate.gibbs import (
    ComponentsConditional,
    MultivariateGibbsState,
    assignment_logits,
    component_statistics,
    components_conditional,
    log_joint,
    make_sweep,
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
    logits = assignment_logits(data, state.weights, state.means, state.covariances)
    stats_ = component_statistics(data, jnp.ones(data.shape[0]), state.assignments, state.means, state.means.shape[0])
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
        _, log_weight, _ = model.update(trace, edit, prior)
        residual = float(log_weight - log_q(new) + log_q(old))
        assert abs(residual) < 1e-9 * max(1.0, abs(float(log_weight)))


def test_a_wrong_covariance_conditional_breaks_the_identity():
    prior = niw_prior()
    data = jnp.asarray(TINY_DATA[:6])
    model, trace, state = next(_random_traces(TINY_DATA[:6], 3, prior))
    _, conditional = _conditional_log_densities(state, data, prior)
    wrong = ComponentsConditional(
        conditional.posterior._replace(df=conditional.posterior.df + 1), conditional.concentration
    )
    means, covariances, _ = wrong.sample(jax.random.key(3))
    _, log_weight, _ = model.update(trace, {"means": means, "covariances": covariances}, prior)
    residual = (
        log_weight
        - wrong.log_density(means, covariances, state.weights)
        + wrong.log_density(state.means, state.covariances, state.weights)
    )
    assert abs(float(residual)) > 1e-3


def test_log_joint_is_the_models_density():
    prior = niw_prior()
    data = jnp.asarray(TINY_DATA[:6])
    for model, trace, state in _random_traces(TINY_DATA[:6], 3, prior, num_states=2):
        stats_ = component_statistics(data, jnp.ones(6), state.assignments, state.means + 0.3, 3)
        density, _ = model.assess(trace.get_choices(), prior)
        assert float(log_joint(state, stats_, prior)) == pytest.approx(float(density), abs=1e-9)


# --- the exact posterior ------------------------------------------------------------------------


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


# --- Geweke: the sweep leaves the joint distribution invariant ------------------------------------

GEWEKE_PRIOR = mv.NIWPrior(1.0, np.zeros(2), 1.0, 4.0, np.array([[1.0, 0.3], [0.3, 0.8]]))
GEWEKE_POINTS, GEWEKE_K, GEWEKE_CHAINS, GEWEKE_STEPS = 4, 2, 3000, 15
GEWEKE_ALPHA = 0.01 / 6  # Bonferroni over the six statistics


def _joint_draws(seed: int, num_draws: int):
    """Independent draws of (π, μ, Σ, z, x) from the model (NumPy/SciPy)."""
    rng = np.random.default_rng(seed)
    prior = GEWEKE_PRIOR
    weights = rng.dirichlet(np.full(GEWEKE_K, prior.concentration), size=num_draws)
    covariances = stats.invwishart(prior.df, prior.scale_matrix).rvs(size=(num_draws, GEWEKE_K), random_state=rng)
    trils = np.linalg.cholesky(covariances)
    means = prior.mean_loc + np.einsum("skde,ske->skd", trils, rng.standard_normal((num_draws, GEWEKE_K, 2))) / np.sqrt(
        prior.mean_pseudo_count
    )
    assignments = (
        (rng.random((num_draws, GEWEKE_POINTS, 1)) > np.cumsum(weights, axis=1)[:, None, :-1]).sum(-1).astype(np.int32)
    )
    state = MultivariateGibbsState(weights, means, covariances, assignments)
    return state, _fresh_data(state, rng.standard_normal((num_draws, GEWEKE_POINTS, 2)))


def _fresh_data(state, noise):
    """x_i = μ_{z_i} + L_{z_i} ε_i for a batch of states."""

    def pick(values):  # each point's component's entry of ``values`` (draws, K, …)
        index = state.assignments.reshape(*state.assignments.shape, *(1,) * (values.ndim - 2))
        return jnp.take_along_axis(values, index, axis=1)

    trils = jnp.linalg.cholesky(pick(state.covariances))
    return pick(state.means) + jnp.einsum("snde,sne->snd", trils, noise)


def _statistics(state, data):
    own_means = jnp.take_along_axis(state.means, state.assignments[..., None], axis=1)
    return np.asarray(
        jnp.stack(
            [
                jnp.sum(state.means[..., 0], axis=-1),
                jnp.sum(jnp.linalg.slogdet(state.covariances)[1], axis=-1),
                jnp.sum(state.covariances[..., 0, 1], axis=-1),
                jnp.max(state.weights, axis=-1),
                jnp.mean(data[..., 0] * data[..., 1], axis=-1),
                jnp.sum(own_means * data, axis=(-1, -2)),
            ],
            axis=-1,
        )
    )


@pytest.fixture(scope="module")
def marginal_conditional():
    return _statistics(*_joint_draws(10, GEWEKE_CHAINS))


def _successive_conditional(sweep):
    """Every chain alternates a sweep (θ, z | x) with fresh data x | θ, z for GEWEKE_STEPS steps,
    all chains advanced together; the statistics of the final states."""

    @jax.jit
    def run(keys, state, data):
        def step(t, carry):
            state, data = carry
            step_keys = jax.vmap(lambda key: jax.random.split(jax.random.fold_in(key, t)))(keys)
            swept = jax.vmap(lambda key, one, x: sweep(key, one, x, jnp.ones(GEWEKE_POINTS), GEWEKE_PRIOR)[0])
            state = swept(step_keys[:, 0], state, data)
            noise = jax.vmap(lambda key: jax.random.normal(key, (GEWEKE_POINTS, 2)))(step_keys[:, 1])
            return state, _fresh_data(state, noise)

        return jax.lax.fori_loop(0, GEWEKE_STEPS, step, (state, data))

    start, data = _joint_draws(11, GEWEKE_CHAINS)
    start = jax.tree.map(jnp.asarray, start)
    state, data = run(jax.random.split(jax.random.key(11), GEWEKE_CHAINS), start, data)
    assert all(np.all(np.isfinite(np.asarray(value))) for value in (state.means, state.covariances, data))
    return _statistics(state, data)


def _min_p_value(first, second) -> float:
    return min(stats.ks_2samp(first[:, j], second[:, j]).pvalue for j in range(first.shape[1]))


def test_geweke_the_sweep_leaves_the_joint_invariant(marginal_conditional):
    assert _min_p_value(marginal_conditional, _successive_conditional(make_sweep())) > GEWEKE_ALPHA


def test_geweke_detects_a_broken_covariance_update(marginal_conditional):
    def scatter_counted_twice(stats_, prior):  # Ψ_n = Ψ + 2 S₂ + …: a wrong covariance conditional
        exact = components_conditional(stats_, prior)
        return ComponentsConditional(
            exact.posterior._replace(scale=exact.posterior.scale + stats_.scatter), exact.concentration
        )

    broken = _successive_conditional(make_sweep(scatter_counted_twice))
    assert _min_p_value(marginal_conditional, broken) < GEWEKE_ALPHA
