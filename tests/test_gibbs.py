"""Blocked Gibbs sampling: exact conditionals (as GenJAX edits with acceptance ratio 1), the
exact posterior on tiny data, Geweke's joint-distribution test, recovery, reproducibility,
compilation, input checks, and the convergence diagnostics."""

import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from compile_monitor import compile_seconds
from exact_posterior import Prior, exact_posterior
from scipy import stats

import genjax_gmm as gg
from genjax_gmm.inference import (
    co_assignment_matrix,
    effective_sample_size,
    gibbs,
    relabel_by_mean,
    split_rhat,
)
from genjax_gmm.inference.chains import pad_to_bucket
from genjax_gmm.inference.gibbs import (
    Conditional,
    Conditionals,
    GibbsState,
    assignments_conditional,
    component_statistics,
    make_sweep,
    means_conditional,
    variances_conditional,
    weights_conditional,
)

TINY_DATA = np.array([-2.1, -1.6, -2.4, 0.3, 1.9, 2.3, 1.5])
TINY_PRIOR = (1.0, 0.0, 2.0, 3.0, 1.0)  # α, m₀, s₀, a, b
TINY_K = 3


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
        _, log_weight, _ = model.update(trace, _edit(block, new), prior)
        residual = log_weight - conditional.log_density(new) + conditional.log_density(old)
        assert abs(float(residual)) < 1e-10 * max(1.0, abs(float(log_weight)))
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
    _, log_weight, _ = model.update(trace, {"means": new}, prior)
    assert abs(float(log_weight - wrong.log_density(new) + wrong.log_density(state.means))) > 1e-3


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


def test_co_assignment_matches_the_exact_posterior(tiny_exact):
    result = gibbs(jax.random.key(0), TINY_DATA, TINY_K, gg.GMMPrior(*TINY_PRIOR), num_sweeps=5000, num_chains=4)
    assert result.assignments.shape == (4, 5000 - 1250, TINY_DATA.size)
    estimate = np.asarray(co_assignment_matrix(result.assignments))
    assert np.abs(estimate - tiny_exact.co_assignment).max() < 0.03
    assert 0.3 < tiny_exact.co_assignment[3, 4] < 0.7  # the comparison includes uncertain pairs


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


# --- Geweke: the sweep leaves the joint distribution invariant ----------------------------

GEWEKE_PRIOR = gg.GMMPrior(concentration=1.0, mean_loc=0.0, mean_scale=1.0, var_shape=3.0, var_scale=2.0)
GEWEKE_POINTS, GEWEKE_K, GEWEKE_CHAINS, GEWEKE_STEPS = 4, 3, 3000, 20
GEWEKE_ALPHA = 0.01 / 5  # Bonferroni over the five statistics


def _joint_draws(seed_: int, num_draws: int) -> tuple[GibbsState, np.ndarray]:
    """Independent draws of (π, μ, σ², z, x) from the model's joint distribution (NumPy)."""
    rng = np.random.default_rng(seed_)
    prior, shape = GEWEKE_PRIOR, (num_draws, GEWEKE_K)
    weights = rng.dirichlet(np.full(GEWEKE_K, prior.concentration), size=num_draws)
    means = rng.normal(prior.mean_loc, prior.mean_scale, size=shape)
    variances = prior.var_scale / rng.gamma(prior.var_shape, size=shape)
    uniforms = rng.random((num_draws, GEWEKE_POINTS, 1))
    assignments = (uniforms > np.cumsum(weights, axis=1)[:, None, :-1]).sum(axis=-1).astype(np.int32)
    picked = lambda values: np.take_along_axis(values, assignments, axis=1)  # noqa: E731
    data = picked(means) + np.sqrt(picked(variances)) * rng.normal(size=assignments.shape)
    return GibbsState(weights, means, variances, assignments), data


def _statistics(state: GibbsState, data):
    """Label-invariant summaries of joint states (leading axis: draws)."""
    own_means = jnp.take_along_axis(state.means, state.assignments, axis=-1)
    return jnp.stack(
        [
            jnp.sum(state.means, axis=-1),
            jnp.sum(jnp.log(state.variances), axis=-1),
            jnp.max(state.weights, axis=-1),
            jnp.mean(data**2, axis=-1),
            jnp.sum(own_means * data, axis=-1),
        ],
        axis=-1,
    )


@pytest.fixture(scope="module")
def marginal_conditional():
    return np.asarray(_statistics(*_joint_draws(10, GEWEKE_CHAINS)))


def _successive_conditional(sweep) -> np.ndarray:
    """Independent chains, each from its own joint draw, alternating a sweep (θ, z | x) with a
    fresh x | θ, z for ``GEWEKE_STEPS`` steps; the statistics of their final states."""

    @jax.jit
    def run(keys, state, data):
        def chain(key, state, data):
            def step(carry, key):
                state, data = carry
                sweep_key, data_key = jax.random.split(key)
                state, _ = sweep(sweep_key, state, data, GEWEKE_PRIOR)
                noise = jax.random.normal(data_key, data.shape)
                data = state.means[state.assignments] + jnp.sqrt(state.variances[state.assignments]) * noise
                return (state, data), None

            return jax.lax.scan(step, (state, data), jax.random.split(key, GEWEKE_STEPS))[0]

        return jax.vmap(chain)(keys, state, data)

    start, data = _joint_draws(11, GEWEKE_CHAINS)
    state, data = run(jax.random.split(jax.random.key(11), GEWEKE_CHAINS), start, data)
    assert all(np.all(np.isfinite(value)) for value in (*state[:3], data))  # empty components included
    counts = (np.asarray(state.assignments)[:, :, None] == np.arange(GEWEKE_K)).sum(axis=1)
    assert np.mean(counts == 0) > 0.2  # the chains visit empty components often
    return np.asarray(_statistics(state, data))


def _min_p_value(first: np.ndarray, second: np.ndarray) -> float:
    """Smallest two-sample Kolmogorov–Smirnov p-value over the statistics (columns)."""
    return min(stats.ks_2samp(first[:, j], second[:, j]).pvalue for j in range(first.shape[1]))


def test_geweke_the_sweep_leaves_the_joint_invariant(marginal_conditional):
    # Each chain starts from an exact joint draw, so with a correct kernel its state after any
    # number of steps is again an exact joint draw, independent across chains (no thinning needed).
    assert _min_p_value(marginal_conditional, _successive_conditional(make_sweep())) > GEWEKE_ALPHA


def test_geweke_detects_a_wrong_variance_update(marginal_conditional):
    # The control is a wrong conditional. Keeping stale parameters for an empty component would
    # not be one: keeping a value is the identity kernel, which leaves every distribution
    # invariant, so that sampler still targets the posterior (it only explores more slowly).
    def variances_without_the_half(stats_, means, prior):  # InvGamma(a + n/2, b + Σ(x−μ)²): wrong
        shape = prior.var_shape + 0.5 * stats_.counts
        scale = prior.var_scale + stats_.squared_deviations_from(means)
        return Conditional(sample=lambda key: scale / jax.random.gamma(key, shape), log_density=None)

    broken = make_sweep(Conditionals(variances=variances_without_the_half))
    assert _min_p_value(marginal_conditional, _successive_conditional(broken)) < GEWEKE_ALPHA


# --- recovery, reproducibility, compilation -----------------------------------------------

TRUE_WEIGHTS, TRUE_MEANS, TRUE_STDS = np.array([0.5, 0.3, 0.2]), np.array([-4.0, 0.0, 5.0]), np.array([1.0, 0.7, 1.5])


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


def test_same_key_same_draws_and_another_key_other_draws():
    prior = gg.GMMPrior(*TINY_PRIOR)
    first, again, other = (gibbs(jax.random.key(key), TINY_DATA, TINY_K, prior, 5000) for key in (0, 0, 1))
    for name in ("weights", "means", "stds", "assignments", "log_joint"):
        np.testing.assert_array_equal(getattr(first, name), getattr(again, name))
    assert not np.array_equal(first.means, other.means)
    chains = np.asarray(first.log_joint)
    assert not np.array_equal(chains[0], chains[1])  # chains are independent


@pytest.mark.filterwarnings("ignore::genjax_gmm.ConvergenceWarning")  # short runs, on purpose
def test_changing_sweeps_chains_burn_in_or_size_within_a_bucket_does_not_compile():
    prior = gg.GMMPrior(*TINY_PRIOR)
    jax.clear_caches()
    with compile_seconds() as first:
        gibbs(jax.random.key(0), TINY_DATA, TINY_K, prior, 500)
    assert first[0] > 0.05  # the listener sees the first call's compilation
    rng = np.random.default_rng(0)
    for change in [
        {"num_sweeps": 700},
        {"num_sweeps": 300, "burn_in": 17},
        {"num_chains": 3},
        {"num_chains": 8, "num_sweeps": 5000},
        {"num_chains": 13},
        {"data": rng.normal(size=20)},
        {"data": rng.normal(size=32) * 7.0 + 100.0},
        {"data": rng.normal(size=2)},
    ]:
        arguments = {"data": TINY_DATA, "num_sweeps": 400, **change}
        with compile_seconds() as later:
            gibbs(jax.random.key(1), arguments.pop("data"), TINY_K, gg.GMMPrior(2.0, 1.0, 3.0, 4.0, 0.5), **arguments)
        assert later[0] <= 0.3, (change, later[0])


def test_draws_do_not_depend_on_block_size_or_on_the_padded_chains(monkeypatch):
    gibbs_module = sys.modules["genjax_gmm.inference.gibbs"]
    prior = gg.GMMPrior(*TINY_PRIOR)
    reference = gibbs(jax.random.key(4), TINY_DATA, TINY_K, prior, 300, num_chains=3, burn_in=50)
    fewer_chains = gibbs(jax.random.key(4), TINY_DATA, TINY_K, prior, 300, num_chains=2, burn_in=50)
    monkeypatch.setattr(gibbs_module, "block_size", lambda padded_points, num_components: 7)
    small_blocks = gibbs(jax.random.key(4), TINY_DATA, TINY_K, prior, 300, num_chains=3, burn_in=50)
    for name in ("weights", "means", "stds", "assignments", "log_joint"):
        np.testing.assert_array_equal(getattr(small_blocks, name), getattr(reference, name))
        np.testing.assert_array_equal(getattr(fewer_chains, name), getattr(reference, name)[:2])


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
        ({"num_sweeps": 0}, ValueError, "num_sweeps must be at least 1"),
        ({"num_chains": 0}, ValueError, "num_chains must be at least 1"),
        ({"num_sweeps": 10, "burn_in": 7}, ValueError, "at least 4 draws"),
        ({"burn_in": -1}, ValueError, "burn_in must be a non-negative integer"),
        ({"prior": (1.0, 0.0, 2.0, 3.0, 1.0)}, TypeError, "prior must be a GMMPrior"),
        ({"dtype": jnp.int32}, ValueError, "dtype must be float32 or float64"),
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


# --- diagnostics --------------------------------------------------------------------------


def _ar1(rho: float, num_chains: int, num_draws: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    noise = rng.normal(size=(num_chains, num_draws)) * np.sqrt(1 - rho**2)
    chains = np.empty_like(noise)
    chains[:, 0] = rng.normal(size=num_chains)  # stationary start
    for t in range(1, num_draws):
        chains[:, t] = rho * chains[:, t - 1] + noise[:, t]
    return chains


def test_diagnostics_of_independent_draws():
    chains = np.random.default_rng(1).normal(size=(4, 2000))
    assert split_rhat(chains) == pytest.approx(1.0, abs=0.005)
    assert effective_sample_size(chains) == pytest.approx(8000, rel=0.1)


def test_effective_sample_size_of_an_autoregressive_chain():
    # AR(1) with coefficient ρ: integrated autocorrelation time τ = (1 + ρ)/(1 − ρ) = 19 for ρ = 0.9.
    chains = _ar1(0.9, num_chains=4, num_draws=10_000)
    assert effective_sample_size(chains) == pytest.approx(40_000 / 19, rel=0.15)
    assert split_rhat(chains) < 1.01


def test_rhat_flags_chains_that_disagree():
    chains = np.random.default_rng(2).normal(size=(4, 1000)) + np.array([0.0, 0.0, 0.0, 1.0])[:, None]
    assert split_rhat(chains) > 1.1
    trending = np.linspace(0, 3, 1000)[None, :] + np.random.default_rng(3).normal(size=(4, 1000))
    assert split_rhat(trending) > 1.1  # splitting catches a drift within every chain


@pytest.mark.parametrize(
    "samples, message",
    [(np.zeros((4, 10)), "constant"), (np.ones((4, 3)), "at least 1 chain of 4 draws"), (np.ones(10), "shape")],
)
def test_diagnostics_reject_bad_samples(samples, message):
    for diagnostic in (split_rhat, effective_sample_size):
        with pytest.raises(ValueError, match=message):
            diagnostic(samples)


def test_one_component_runs_with_certain_weights():
    result = gibbs(jax.random.key(9), np.array([1.0, 1.5, 2.5]), 1, gg.GMMPrior(1.0, 0.0, 3.0, 2.0, 1.0), 40, num_chains=2)
    np.testing.assert_array_equal(result.weights, 1.0)
    assert np.all(np.isfinite(result.means)) and np.all(np.isfinite(result.log_joint))
