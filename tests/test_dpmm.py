"""The Dirichlet-process mixture: its GenJAX models, and the collapsed Gibbs sampler against the
exact posterior over set partitions (tests/harness/exact_partitions.py), reseating as a GenJAX edit
with acceptance ratio 1 (and a wrong rule that is not), the CRP prior, recovery, labels and input
checks. What every sampler shares (reproducibility, compilation, Geweke's test with a broken
reseating rule that must fail, the exact posterior with its control) is tests/test_engine.py's.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from genjax import seed
from harness.acceptance import Move
from harness.cases import TINY_1D, TINY_DP_PRIOR
from harness.exact_partitions import exact_log_joint, exact_posterior, set_partitions
from scipy import stats
from scipy.special import gammaln

import genjax_gmm as gg
from genjax_gmm import co_assignment_matrix
from genjax_gmm.inference.dpmm import PartitionState, cluster_statistics, make_sweep

# Short runs below test shapes, labels and errors, not convergence: their warnings are expected.
SHORT_RUN = pytest.mark.filterwarnings("ignore::genjax_gmm.ConvergenceWarning")


def test_the_galaxy_velocities_are_roeders_82():
    velocities = gg.GALAXY_VELOCITIES
    assert velocities.shape == (82,) and np.all(np.diff(velocities) >= 0) and not velocities.flags.writeable
    assert velocities.mean() == pytest.approx(20828.17, abs=0.005)  # MASS::galaxies: mean 20828.17
    assert (velocities.min(), velocities.max(), velocities[77]) == (9172.0, 34279.0, 26690.0)


def test_the_enumeration_has_bell_many_partitions():
    assert [len(set_partitions(n)) for n in range(1, 9)] == [1, 2, 5, 15, 52, 203, 877, 4140]


SPREAD = (TINY_1D, TINY_DP_PRIOR)  # tests/test_engine.py compares its co-assignment with the enumeration
EXACT_CASES = {
    "spread-out K": SPREAD,
    "two groups, n = 8": (
        np.array([-3.0, -2.8, -3.2, -2.9, 3.1, 2.9, 3.0, 3.2]),
        gg.DPMMPrior(0.5, 0.0, 0.1, 3.0, 1.0),
    ),
    "far from zero, α = 2": (
        np.array([500.2, 499.1, 501.3, 350.5, 349.2, 420.0]),
        gg.DPMMPrior(2.0, 450.0, 0.01, 2.0, 4.0),
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("data, prior", EXACT_CASES.values(), ids=EXACT_CASES.keys())
def test_gibbs_matches_the_exact_posterior(data, prior):
    p_k, co_assignment = exact_posterior(data, prior)
    result = gg.dpmm_gibbs(jax.random.key(0), data, prior, num_sweeps=8000, num_chains=4)
    estimate = gg.posterior_num_clusters(result)
    assert np.abs(estimate - p_k).max() < 0.02
    assert np.abs(co_assignment_matrix(result.assignments) - co_assignment).max() < 0.02
    if prior is SPREAD[1]:
        assert p_k.max() < 0.5 and np.sum(p_k > 0.1) >= 3  # the posterior over K is spread out


@SHORT_RUN
def test_log_joint_is_the_closed_form_and_the_collapsed_models_density():
    data, prior = SPREAD
    result = gg.dpmm_gibbs(jax.random.key(1), data, prior, num_sweeps=40, num_chains=2)
    model = gg.collapsed_dp_mixture(data.size)
    for chain, draw in [(0, 0), (1, 7), (0, -1)]:
        labels = canonical(result.assignments[chain, draw])
        assert result.log_joint[chain, draw] == pytest.approx(exact_log_joint(data, labels, prior), abs=1e-9)
        density, _ = model.assess({"customers": {"table": jnp.asarray(labels), "x": jnp.asarray(data)}}, prior)
        assert float(density) == pytest.approx(result.log_joint[chain, draw], abs=1e-9)
        assert result.num_clusters[chain, draw] == labels.max() + 1


def test_the_marginal_likelihood_in_numpy_is_the_jitted_one():
    """``log_marginal_formula`` with NumPy and SciPy (the exact enumeration's host arithmetic) gives
    the jitted ``log_marginal_likelihood``'s numbers, empty blocks included, and both are the
    multivariate Student-t marginal of a block's points."""
    data, prior = SPREAD
    blocks = [data[:0], data[:1], data[2:5], data]
    stats_ = np.array([(x.size, x.mean() if x.size else 0.0, np.sum((x - x.mean()) ** 2) if x.size else 0.0)
                       for x in blocks]).T
    on_host = gg.dirichlet_process.log_marginal_formula(*stats_, prior, xp=np, log_gamma=gammaln)
    np.testing.assert_allclose(on_host, np.asarray(gg.log_marginal_likelihood(*stats_, prior)), rtol=1e-13, atol=1e-13)
    _, m0, kappa, a, b = (prior.concentration, prior.mean_loc, prior.mean_pseudo_count, prior.var_shape,
                          prior.var_scale)
    for x, log_m in zip(blocks[1:], on_host[1:]):
        shape = (b / a) * (np.eye(x.size) + np.ones((x.size, x.size)) / kappa)
        assert log_m == pytest.approx(stats.multivariate_t(np.full(x.size, m0), shape, df=2 * a).logpdf(x), rel=1e-10)
    assert on_host[0] == 0.0


# --- reseating is an MH move with acceptance ratio 1 (GenJAX update) ---------------------


def canonical(labels) -> np.ndarray:
    """The same partition labelled in order of first appearance (the CRP model's labels)."""
    labels = np.asarray(labels)
    first = {label: rank for rank, label in enumerate(dict.fromkeys(labels.tolist()))}
    return np.array([first[label] for label in labels.tolist()], dtype=np.int32)


def _reseating_moves(seat):
    """For each point i and each table k it may join under the seating rule ``seat``, the move
    z_i → k of the collapsed model's trace (its proposal ratio is the rule's q(k)/q(z_i))."""
    data, prior = SPREAD
    model = gg.collapsed_dp_mixture(data.size)
    labels = np.array([0, 0, 1, 2, 2, 2, 3], dtype=np.int32)
    trace, _ = model.generate({"customers": {"table": jnp.asarray(labels), "x": jnp.asarray(data)}}, prior)
    # update's weight for new labels, compiled once for every proposal
    log_weight = jax.jit(lambda labels: model.update(trace, {"customers": {"table": labels}}, prior)[1])

    for i in range(data.size):
        stats_ = cluster_statistics(jnp.asarray(data), jnp.asarray(labels))
        others = gg.moved(stats_, labels[i], data[i], -1.0)
        logits = np.asarray(
            seat(
                others.counts,
                gg.predictive_log_density(data[i], *others, prior),
                gg.predictive_log_density(data[i], 0.0, 0.0, 0.0, prior),
                prior.concentration,
            )
        )
        for k in np.flatnonzero(np.isfinite(logits)):
            proposal = labels.copy()
            proposal[i] = k
            yield Move(float(log_weight(jnp.asarray(canonical(proposal)))), logits[k], logits[labels[i]])


def test_every_reseating_is_an_edit_with_acceptance_ratio_one():
    """``update`` of the collapsed model's trace returns log p(z', x) − log p(z, x), which is the
    seating rule's log ratio logit_k − logit_{z_i} exactly when the rule is the conditional."""
    moves = list(_reseating_moves(gg.seating_logits))
    assert len(moves) > 2 * SPREAD[0].size  # both existing and new tables were proposed
    assert all(move.is_exact for move in moves), [move for move in moves if not move.is_exact][:3]


def test_a_rule_that_ignores_table_sizes_is_not_the_conditional():
    def ignore_sizes(counts, log_predictive, log_predictive_new, concentration):
        return gg.seating_logits(jnp.minimum(counts, 1.0), log_predictive, log_predictive_new, concentration)

    moves = list(_reseating_moves(ignore_sizes))
    assert max(abs(move.log_ratio) for move in moves) > 0.1


# --- the CRP prior -------------------------------------------------------------------------


@pytest.mark.parametrize("alpha", [0.5, 3.0])
def test_the_crp_model_has_the_exact_mean_number_of_tables(alpha):
    num_customers, num_draws = 20, 4000
    model = gg.chinese_restaurant(num_customers)
    labels = jax.jit(jax.vmap(lambda key: seed(model.simulate)(key, alpha).get_retval()))(
        jax.random.split(jax.random.key(2), num_draws)
    )
    labels = np.asarray(labels)
    assert np.all(labels == np.array([canonical(row) for row in labels]))  # tables in order of opening
    tables = labels.max(axis=1) + 1
    expected = gg.expected_num_tables(num_customers, alpha)
    assert expected == pytest.approx(sum(alpha / (alpha + i) for i in range(num_customers)), rel=1e-12)
    assert abs(tables.mean() - expected) < 4 * tables.std() / np.sqrt(num_draws)


def test_with_the_data_switched_off_the_sweep_leaves_the_crp_invariant():
    """Prior check of the sampler: without likelihood terms, chains started from the CRP and
    swept keep the CRP's mean number of clusters Σ α/(α + i)."""
    alpha, num_points, num_chains = 2.0, 10, 4000
    def ignore_the_data(counts, _log_predictive, _log_predictive_new, concentration):
        return gg.seating_logits(counts, 0.0, 0.0, concentration)

    prior_only = make_sweep(seat=ignore_the_data)
    prior = gg.DPMMPrior(alpha, 0.0, 1.0, 2.0, 1.0)
    data, mask = jnp.zeros(num_points), jnp.ones(num_points)

    @jax.jit
    def run(key):
        start = gg.chinese_restaurant(num_points)
        labels = seed(start.simulate)(key, alpha).get_retval()
        state = PartitionState(labels, cluster_statistics(data, labels, mask))
        def sweep(t, state):
            return prior_only(jax.random.fold_in(key, t), state, data, prior, mask)[0]

        state = jax.lax.fori_loop(0, 5, sweep, state)
        return jnp.sum(state.stats.counts > 0)

    tables = np.asarray(jax.vmap(run)(jax.random.split(jax.random.key(3), num_chains)))
    expected = gg.expected_num_tables(num_points, alpha)
    assert abs(tables.mean() - expected) < 4 * tables.std() / np.sqrt(num_chains)


def test_log_partition_probability_sums_to_one_over_all_partitions():
    partitions = set_partitions(6)
    counts = jnp.asarray(np.array([np.bincount(z, minlength=6) for z in partitions]), dtype=jnp.float64)
    log_p = jax.vmap(lambda c: gg.log_partition_probability(c, 1.7))(counts)
    assert float(jnp.sum(jnp.exp(log_p))) == pytest.approx(1.0, abs=1e-12)


# --- recovery, labels, the predictive density ------------------------------------------------


def test_recovers_three_well_separated_kinds():
    rng = np.random.default_rng(4)
    data = np.concatenate([rng.normal(mean, 1.0, 10) for mean in (-10.0, 0.0, 10.0)])  # 30: the 32-point bucket
    # σ² ~ InverseGamma(20, 20) says kinds have σ ≈ 1; with a vaguer σ² prior a DP mixture often
    # adds a small extra cluster (Miller and Harrison 2013), and the mode can move to 4.
    result = gg.dpmm_gibbs(jax.random.key(4), data, gg.DPMMPrior(0.2, 0.0, 0.01, 20.0, 20.0), num_sweeps=800)
    p_k = gg.posterior_num_clusters(result)
    assert np.argmax(p_k) == 3 and p_k[3] > 0.6
    assert result.assignments.shape == (4, 600, 30) and result.assignments.dtype == np.int32
    assert result.assignments.min() >= 0 and result.assignments.max() < 30


def test_a_new_table_takes_the_smallest_free_label():
    logits = np.asarray(gg.seating_logits(jnp.array([0.0, 2.0, 1.0, 0.0]), jnp.zeros(4), 0.5, 3.0))
    np.testing.assert_allclose(logits, [np.log(3.0) + 0.5, np.log(2.0), 0.0, -np.inf])


@SHORT_RUN
def test_labels_stay_in_0_to_n_minus_1_and_freed_labels_are_reused():
    data, prior = SPREAD
    result = gg.dpmm_gibbs(jax.random.key(5), data, prior, num_sweeps=400, num_chains=2)
    occupied = [np.unique(row) for row in result.assignments.reshape(-1, data.size)]
    assert all(row.min() >= 0 and row.max() < data.size for row in occupied)
    assert any(row.max() >= row.size for row in occupied)  # a gap: some lower label was freed
    assert np.all(result.num_clusters.ravel() == [row.size for row in occupied])


@SHORT_RUN
def test_the_posterior_predictive_density_integrates_to_one():
    data, prior = EXACT_CASES["two groups, n = 8"]
    result = gg.dpmm_gibbs(jax.random.key(8), data, prior, 100, num_chains=2)
    grid = np.linspace(-40.0, 40.0, 8001)
    density = gg.posterior_predictive_density(result, grid)
    assert density.shape == grid.shape and np.all(density > 0)
    assert np.trapezoid(density, grid) == pytest.approx(1.0, abs=0.01)  # t tails beyond ±40 are small
    assert density[np.argmin(np.abs(grid - 3.0))] > 10 * density[np.argmin(np.abs(grid))]  # mass at the groups


def test_a_warning_when_the_chains_disagree():
    data = np.concatenate([np.zeros(10) - 5.0, np.zeros(10) + 5.0]) + np.linspace(0, 0.5, 20)
    with pytest.warns(gg.ConvergenceWarning, match=r"dpmm_gibbs: split R-hat of the (number of clusters|log joint) is"):
        gg.dpmm_gibbs(jax.random.key(9), data, gg.DPMMPrior(1.0, 0.0, 0.01, 2.0, 0.01), num_sweeps=8, num_chains=4)


# --- input checks ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change, error, message",
    [
        ({"data": [1.0, np.nan]}, ValueError, "data must be finite"),
        ({"data": []}, ValueError, "at least one observation"),
        ({"data": [[1.0, 2.0]]}, ValueError, "1-D"),
        ({"data": ["a"]}, TypeError, "data must be numeric"),
        ({"prior": (1.0, 0.0, 1.0, 2.0, 1.0)}, TypeError, "prior must be a DPMMPrior"),
        ({"key": jax.random.split(jax.random.key(0), 2)}, ValueError, "key must be a single random key"),
        ({"data": None}, TypeError, "data must be numeric"),
        ({"data": [1e200, 1.0]}, ValueError, "data must be at most 1e\\+150"),
        ({"num_sweeps": 2**31 - 1, "burn_in": 0}, ValueError, "GiB of memory"),
    ],
)
def test_bad_input_is_rejected(change, error, message):
    arguments = {"key": jax.random.key(0), "data": SPREAD[0], "prior": SPREAD[1], "num_sweeps": 100}
    arguments.update(change)
    with pytest.raises(error, match=message):
        gg.dpmm_gibbs(**arguments)


@pytest.mark.parametrize(
    "fields, message",
    [
        ((0.0, 0.0, 1.0, 2.0, 1.0), "prior.concentration must be positive"),
        ((1.0, np.inf, 1.0, 2.0, 1.0), "prior.mean_loc must be finite"),
        ((1.0, 0.0, -1.0, 2.0, 1.0), "prior.mean_pseudo_count must be positive"),
        ((1.0, 0.0, 1.0, np.nan, 1.0), "prior.var_shape must be finite"),
        ((1.0, 0.0, 1.0, 2.0, [1.0, 2.0]), "prior.var_scale must be a scalar"),
    ],
)
def test_an_invalid_prior_cannot_be_built(fields, message):
    with pytest.raises(ValueError, match=message):
        gg.DPMMPrior(*fields)


@SHORT_RUN
def test_other_public_functions_reject_bad_input():
    result = gg.dpmm_gibbs(jax.random.key(0), SPREAD[0], SPREAD[1], 20, num_chains=1)
    with pytest.raises(ValueError, match="grid must be finite"):
        gg.posterior_predictive_density(result, [0.0, np.nan])
    with pytest.raises(ValueError, match="GiB of memory"):
        gg.posterior_predictive_density(result, np.zeros(10**7))
    with pytest.raises(ValueError, match="keep_assignments=True"):
        without = gg.dpmm_gibbs(jax.random.key(0), SPREAD[0], SPREAD[1], 20, keep_assignments=False)
        gg.posterior_predictive_density(without, [0.0])
    with pytest.raises(TypeError, match="result must be a DPMMResult"):
        gg.posterior_num_clusters(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="concentration must be positive"):
        gg.expected_num_tables(10, 0.0)
    with pytest.raises(ValueError, match="num_customers must be at least 1"):
        gg.chinese_restaurant(0)
    with pytest.raises(ValueError, match="num_points must be at least 1"):
        gg.dp_mixture(0)


def test_the_dp_mixture_models_density_is_crp_times_base_measure_times_likelihood():
    prior = SPREAD[1]
    model = gg.dp_mixture(6)
    choices = jax.jit(lambda key: seed(model.simulate)(key, prior).get_choices())(jax.random.key(13))
    labels = np.asarray(choices["partition"]["customers"]["table"])
    variances, means, x = (np.asarray(choices[name]) for name in ("variances", "means", "x"))
    assert variances.shape == means.shape == x.shape == (6,)
    assert np.all(labels == canonical(labels))
    sizes = np.bincount(labels)
    expected = (
        len(sizes) * np.log(prior.concentration) + gammaln(prior.concentration) - gammaln(prior.concentration + 6)
        + gammaln(sizes).sum()
        + stats.invgamma(prior.var_shape, scale=prior.var_scale).logpdf(variances).sum()
        + stats.norm(prior.mean_loc, np.sqrt(variances / prior.mean_pseudo_count)).logpdf(means).sum()
        + stats.norm(means[labels], np.sqrt(variances[labels])).logpdf(x).sum()
    )
    density = jax.jit(lambda choices: model.assess(choices, prior)[0])(choices)
    assert float(density) == pytest.approx(expected, abs=1e-9)
