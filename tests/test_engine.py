"""The engine (``genjax_gmm.engine``) under every Markov chain mcmc_sampler built on it: each test runs
once per real sampler (``gibbs``, ``dpmm_gibbs``, ``mv.gibbs``: the ``mcmc_sampler`` fixture,
tests/conftest.py). Reproducibility whatever the layout of the work, one compiled program across
chain counts, sweeps, burn-in and data sizes within a bucket, the shared arguments and the one
convergence warning, and the proofs that the draws are exact: Geweke's test and the exact
posterior on tiny data, each with a wrong kernel that must fail."""

import re
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from harness.compilation import compilations
from harness.geweke import geweke_test

import genjax_gmm as gg
from genjax_gmm.engine import buckets, chains, diagnostics, iteration, mcmc, seeding

KEY = jax.random.key(0)


def _result_fields(mcmc_sampler, result) -> dict[str, np.ndarray]:
    return {name: np.asarray(getattr(result, name)) for name in mcmc_sampler.fields}


def _other_data(mcmc_sampler, num_points: int, seed: int) -> np.ndarray:
    """Random data of ``num_points`` points shaped like the mcmc_sampler's."""
    return np.random.default_rng(seed).normal(size=(num_points, *mcmc_sampler.data.shape[1:])) * 2.0 + 1.0


# --- the same key gives the same draws, however the work is laid out ------------------------


@pytest.mark.filterwarnings("ignore::genjax_gmm.ConvergenceWarning")  # short runs, on purpose
def test_same_key_same_draws_and_another_key_other_draws(mcmc_sampler):
    first, again, other = (mcmc_sampler.run(jax.random.key(key), mcmc_sampler.data, 300) for key in (6, 6, 7))
    first, again, other = (_result_fields(mcmc_sampler, result) for result in (first, again, other))
    for name in mcmc_sampler.fields:
        np.testing.assert_array_equal(first[name], again[name])
    assert not np.array_equal(first["log_joint"], other["log_joint"])
    assert not np.array_equal(first["log_joint"][0], first["log_joint"][1])  # the chains are independent


@pytest.mark.filterwarnings("ignore::genjax_gmm.ConvergenceWarning")
def test_fewer_sweeps_give_a_prefix_and_fewer_chains_the_first_chains(mcmc_sampler):
    # Sweep t of chain j is keyed by (j, t) alone.
    full = _result_fields(mcmc_sampler, mcmc_sampler.run(KEY, mcmc_sampler.data, 300, num_chains=3, burn_in=50))
    shorter = _result_fields(mcmc_sampler, mcmc_sampler.run(KEY, mcmc_sampler.data, 200, num_chains=2, burn_in=50))
    for name in mcmc_sampler.fields:
        np.testing.assert_array_equal(shorter[name], full[name][:2, :150])


def test_draws_do_not_depend_on_the_chain_width_or_the_block_size(mcmc_sampler):
    padded, mask = buckets.pad_to_bucket(mcmc_sampler.data)
    data, mask = jax.device_put(padded), jax.device_put(mask)
    prior = jax.tree.map(jax.device_put, mcmc_sampler.prior)

    def draws(width: int, block_size: int) -> dict[str, np.ndarray]:
        return chains.run_chains(
            mcmc_sampler.kernel,
            KEY,
            data,
            prior,
            mask,
            num_chains=3,
            num_sweeps=100,
            burn_in=10,
            width=width,
            block_size=block_size,
        )

    reference = draws(width=buckets.CHAIN_GROUP, block_size=mcmc.MAX_BLOCK)
    for width, block_size in [(buckets.CHAIN_GROUP, 7), (1, 16), (2, 33)]:
        for name, values in draws(width, block_size).items():
            np.testing.assert_array_equal(values, reference[name], err_msg=f"{name}, width {width}, block {block_size}")


# --- one compiled program ---------------------------------------------------------------------


def test_the_compile_counter_sees_a_compilation():
    numbers = jax.device_put(np.arange(7.0))  # no program: jnp.arange would compile one
    with compilations() as seen:
        jax.jit(lambda x: x * 3.0 + 1.0)(numbers)
    assert seen.count == 1 and seen.seconds > 0


@pytest.mark.filterwarnings("ignore::genjax_gmm.ConvergenceWarning")
def test_chain_counts_sweeps_burn_in_sizes_and_priors_within_a_bucket_share_one_program(mcmc_sampler):
    """1, 2, 3 and 4 chains run in one compiled program (and 8 or 13, four at a time), as do other
    numbers of sweeps, burn-ins, data sets in the same size bucket and priors."""
    mcmc_sampler.run(KEY, mcmc_sampler.data, 300, num_chains=4)
    changes = [
        {"num_chains": 1},
        {"num_chains": 2},
        {"num_chains": 3, "num_sweeps": 700},
        {"num_chains": 8, "num_sweeps": 50, "burn_in": 17},
        {"num_chains": 13},
        {"data": _other_data(mcmc_sampler, 2, seed=1)},
        {"data": _other_data(mcmc_sampler, buckets.MIN_BUCKET, seed=2) * 7.0 + 100.0},
        {"prior": mcmc_sampler.other_prior, "num_chains": 2},
    ]
    for change in changes:
        arguments = {"data": mcmc_sampler.data, "num_sweeps": 120, **change}
        with compilations() as seen:
            mcmc_sampler.run(jax.random.key(1), arguments.pop("data"), arguments.pop("num_sweeps"), **arguments)
        assert seen.count == 0, (change, seen)


# --- options every mcmc_sampler has ------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::genjax_gmm.ConvergenceWarning")
def test_without_assignments_the_other_draws_are_the_same(mcmc_sampler):
    kept = _result_fields(mcmc_sampler, mcmc_sampler.run(KEY, mcmc_sampler.data, 100, keep_assignments=True))
    dropped = mcmc_sampler.run(KEY, mcmc_sampler.data, 100, keep_assignments=False)
    assert dropped.assignments is None
    for name in mcmc_sampler.fields:
        if name != "assignments":
            np.testing.assert_array_equal(np.asarray(getattr(dropped, name)), kept[name])


@pytest.mark.filterwarnings("ignore::genjax_gmm.ConvergenceWarning")
def test_float32_runs_at_single_precision(mcmc_sampler):
    single = mcmc_sampler.run(KEY, mcmc_sampler.data, 200, dtype=jnp.float32)
    double = _result_fields(mcmc_sampler, mcmc_sampler.run(KEY, mcmc_sampler.data, 200))
    for name in mcmc_sampler.fields:
        values = np.asarray(getattr(single, name))
        assert values.dtype == (double[name].dtype if values.dtype.kind == "i" else np.float32), name
        assert np.all(np.isfinite(values)), name
    # Single precision rounds differently, so the chains diverge, but to the same posterior.
    assert abs(np.mean(single.log_joint) - np.mean(double["log_joint"])) < 5 * np.std(double["log_joint"])


def test_the_convergence_warning_reads_the_same_for_every_sampler(mcmc_sampler):
    message = (
        rf"{re.escape(mcmc_sampler.name)}: .*the effective sample size of the log joint is \d+, below the 400 "
        r"\(100 per chain × 4 chains\) that summaries need.*Run more sweeps or more chains"
    )
    with pytest.warns(gg.ConvergenceWarning, match=message):
        mcmc_sampler.run(KEY, mcmc_sampler.data, 12, burn_in=0)


def test_a_one_chain_warning_counts_one_chain(mcmc_sampler):
    with pytest.warns(gg.ConvergenceWarning, match=r"below the 100 \(100 per chain × 1 chain\)"):
        mcmc_sampler.run(KEY, mcmc_sampler.data, 12, num_chains=1, burn_in=0)


@pytest.mark.parametrize(
    "change, error, message",
    [
        ({"key": 0}, TypeError, "key must be a JAX random key"),
        ({"num_sweeps": 0}, ValueError, "num_sweeps must be at least 1"),
        ({"num_sweeps": 2.5}, TypeError, "num_sweeps must be an integer"),
        ({"num_sweeps": 2**31 + 8, "burn_in": 2**31}, ValueError, "num_sweeps must be at most"),
        ({"num_chains": 0}, ValueError, "num_chains must be at least 1"),
        ({"burn_in": -1}, ValueError, "burn_in must be a non-negative integer"),
        ({"burn_in": True}, TypeError, "burn_in must be an integer, got bool"),
        ({"num_sweeps": 10, "burn_in": 7}, ValueError, "at least 4 draws"),
        ({"dtype": jnp.int32}, ValueError, "dtype must be float32 or float64"),
        ({"keep_assignments": "yes"}, TypeError, "keep_assignments must be True, False or None"),
        ({"num_chains": 10**9}, ValueError, r"would need [\d,.]+ GiB of memory"),
    ],
)
def test_the_shared_arguments_are_checked_alike(mcmc_sampler, change, error, message):
    arguments = {"key": KEY, "num_sweeps": 100, **change}
    with pytest.raises(error, match=message):
        mcmc_sampler.run(arguments.pop("key"), mcmc_sampler.data, arguments.pop("num_sweeps"), **arguments)


# --- the draws are exact ------------------------------------------------------------------------


@pytest.mark.slow
def test_geweke_the_sweep_leaves_the_joint_distribution_invariant(mcmc_sampler):
    run = geweke_test(mcmc_sampler.geweke, mcmc_sampler.geweke_sweep(mcmc_sampler.kernel))
    mcmc_sampler.geweke_coverage(run.states, run.data)
    assert run.passed, f"smallest p-value {run.min_p_value:.2g} at level {run.level:.2g}"


@pytest.mark.slow
def test_geweke_rejects_a_kernel_with_a_wrong_conditional(mcmc_sampler):
    # The control: keeping stale parameters for an empty component would not be one (keeping a
    # value is the identity kernel, which leaves every distribution invariant).
    run = geweke_test(mcmc_sampler.geweke, mcmc_sampler.geweke_sweep(mcmc_sampler.broken_kernel))
    assert not run.passed, f"smallest p-value {run.min_p_value:.2g} at level {run.level:.2g}"


@pytest.mark.slow
def test_co_assignment_matches_the_exact_posterior_and_a_wrong_kernels_does_not(mcmc_sampler):
    exact = mcmc_sampler.exact_co_assignment()
    assert np.any((exact > 0.2) & (exact < 0.8))  # the comparison includes uncertain pairs
    result = mcmc_sampler.run(KEY, mcmc_sampler.data, mcmc_sampler.exact_sweeps)
    assert np.abs(gg.co_assignment_matrix(result.assignments) - exact).max() < mcmc_sampler.tolerance
    # The control: the wrong kernel run by the same driver lands measurably off.
    settings = mcmc.chain_settings(
        KEY,
        mcmc_sampler.exact_sweeps,
        4,
        None,
        keep_assignments=True,
        dtype=jnp.float64,
        num_points=len(mcmc_sampler.data),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gg.ConvergenceWarning)
        broken = mcmc.sample(
            mcmc_sampler.broken_kernel, mcmc_sampler.data, mcmc_sampler.prior, settings, sampler="control"
        )
    assignments = broken.values["assignments"][..., : len(mcmc_sampler.data)]
    assert np.abs(gg.co_assignment_matrix(assignments) - exact).max() > mcmc_sampler.tolerance


# --- the engine's parts -----------------------------------------------------------------------------


def test_buckets_step_by_at_most_an_eighth_and_pad_with_a_mask():
    sizes = [buckets.bucket_size(n) for n in range(1, 5000)]
    assert sizes[:32] == [32] * 32 and sizes[32] == 36
    assert all(size >= n and (size - n) <= max(size // 8, 32 - n) for n, size in enumerate(sizes, start=1))
    padded, mask = buckets.pad_to_bucket(np.arange(40.0).reshape(20, 2))
    assert padded.shape == (32, 2) and mask.tolist() == [1.0] * 20 + [0.0] * 12
    np.testing.assert_array_equal(padded[20:], np.repeat(padded[:1], 12, axis=0))


def test_cheap_sweeps_share_the_widest_program_and_costly_ones_do_not_pay_for_dropped_chains():
    cheap, costly = buckets.SHARED_WIDTH_COST, buckets.SHARED_WIDTH_COST + 1
    assert [buckets.chain_width(n, cheap) for n in (1, 2, 3, 4, 13)] == [4, 4, 4, 4, 4]
    assert [buckets.chain_width(n, costly) for n in (1, 2, 3, 4, 13)] == [1, 2, 4, 4, 4]


def test_greedy_seeding_picks_the_best_candidate_among_real_points_only():
    # Three clusters in 2-D and padding far away: the seeds land one per cluster, never on padding.
    rng = np.random.default_rng(0)
    clusters = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    points = np.concatenate([center + 0.1 * rng.normal(size=(20, 2)) for center in clusters])
    padded, mask = buckets.pad_to_bucket(points, minimum=80)
    padded[60:] = 1e3  # padding the seeding must ignore
    on_device = jax.device_put(padded), jax.device_put(mask)
    seed_all = jax.jit(lambda key: seeding.greedy_kmeans_plus_plus(key, on_device[0], 3, on_device[1]))
    for key in jax.random.split(KEY, 20):
        centers = np.asarray(seed_all(key))
        nearest = np.argmin(((centers[:, None] - clusters[None]) ** 2).sum(-1), axis=1)
        assert sorted(nearest.tolist()) == [0, 1, 2]
        assert any(np.all(centers[k] == points, axis=1).any() for k in range(3))


def _halving_step(state, target):
    """x ← (x + target)/2: the distance to the target halves; converged below 1e-6."""
    new = 0.5 * (state + target)
    return new, jnp.abs(new - target), jnp.abs(new - target) < 1e-6


def test_iterate_runs_chunks_until_convergence_and_compiles_once():
    state, trace, converged = iteration.iterate(_halving_step, jnp.array(1.0), (jnp.array(0.0),), 10**9)
    assert converged and trace.size == 20 and np.allclose(trace, 0.5 ** np.arange(1, 21))  # 0.5²⁰ < 1e-6
    state, trace, converged = iteration.iterate(_halving_step, jnp.array(1.0), (jnp.array(0.0),), 150)
    with compilations() as seen:
        _, long_trace, long_converged = iteration.iterate(_halving_step, jnp.array(1.0), (jnp.array(0.0),), 3)
        _, more, _ = iteration.iterate(_halving_step, jnp.array(2.0**70), (jnp.array(0.0),), 150)
    assert seen.count == 0
    assert not long_converged and long_trace.size == 3
    assert more.size == 90 and np.isfinite(more).all()  # 2⁷⁰ · 2⁻⁹⁰ < 1e-6: across two chunks of 64


def _halving_towards_mean(state, targets):
    """x ← (x + mean(targets))/2, as ``_halving_step`` with operands of any size."""
    return _halving_step(state, jnp.mean(targets))


def test_iterate_compiles_quickly_only_small_operands_and_iterates_the_same():
    # quick_if_small: operands of at most QUICK_OPERAND_SIZE numbers take the QUICK_COMPILE program, larger
    # ones the optimised one; the iterates are the same numbers either way.
    small, large = jnp.zeros(iteration.QUICK_OPERAND_SIZE), jnp.zeros(iteration.QUICK_OPERAND_SIZE + 1)
    for targets, quick_program in ((small, True), (large, False)):
        before = iteration._quick_chunk._cache_size(), iteration._chunk._cache_size()
        state, trace, converged = iteration.iterate(
            _halving_towards_mean, jnp.array(1.0), (targets,), 150, quick_if_small=True
        )
        grown = iteration._quick_chunk._cache_size() - before[0], iteration._chunk._cache_size() - before[1]
        assert grown == ((1, 0) if quick_program else (0, 1))
        _, optimised_trace, _ = iteration.iterate(_halving_towards_mean, jnp.array(1.0), (targets,), 150)
        assert converged and np.array_equal(trace, optimised_trace) and trace.size == 20


# --- the diagnostics --------------------------------------------------------------------------------


def _ar1(rho: float, num_chains: int, num_draws: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    noise = rng.normal(size=(num_chains, num_draws)) * np.sqrt(1 - rho**2)
    draws = np.empty_like(noise)
    draws[:, 0] = rng.normal(size=num_chains)  # stationary start
    for t in range(1, num_draws):
        draws[:, t] = rho * draws[:, t - 1] + noise[:, t]
    return draws


def test_diagnostics_of_independent_draws():
    draws = np.random.default_rng(1).normal(size=(4, 2000))
    assert gg.split_rhat(draws) == pytest.approx(1.0, abs=0.005)
    assert gg.effective_sample_size(draws) == pytest.approx(8000, rel=0.1)


def test_effective_sample_size_of_an_autoregressive_chain():
    # AR(1) with coefficient ρ: integrated autocorrelation time τ = (1 + ρ)/(1 − ρ) = 19 for ρ = 0.9.
    draws = _ar1(0.9, num_chains=4, num_draws=10_000)
    assert gg.effective_sample_size(draws) == pytest.approx(40_000 / 19, rel=0.15)
    assert gg.split_rhat(draws) < 1.01


def test_rhat_flags_chains_that_disagree():
    draws = np.random.default_rng(2).normal(size=(4, 1000)) + np.array([0.0, 0.0, 0.0, 1.0])[:, None]
    assert gg.split_rhat(draws) > 1.1
    trending = np.linspace(0, 3, 1000)[None, :] + np.random.default_rng(3).normal(size=(4, 1000))
    assert gg.split_rhat(trending) > 1.1  # splitting catches a drift within every chain


@pytest.mark.parametrize(
    "samples, message",
    [(np.zeros((4, 10)), "constant"), (np.ones((4, 3)), "at least 1 chain of 4 draws"), (np.ones(10), "shape")],
)
def test_diagnostics_reject_bad_samples(samples, message):
    for diagnostic in (gg.split_rhat, gg.effective_sample_size):
        with pytest.raises(ValueError, match=message):
            diagnostic(samples)


def test_undefined_diagnostics_have_their_conventional_values():
    assert diagnostics.rhat_and_ess(np.full((4, 10), 3.0)) == (1.0, pytest.approx(np.nan, nan_ok=True))
    rhat, ess = diagnostics.rhat_and_ess(np.repeat([[1.0], [2.0], [1.0], [2.0]], 10, axis=1))  # stuck chains
    assert rhat == np.inf and np.isnan(ess)
