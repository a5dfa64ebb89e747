"""Importance resampling through GenJAX ``generate``: against the exact posterior, its weights,
its memory at a million particles, reproducibility and input checks."""

import threading
import time

import jax
import numpy as np
import pytest
from harness.compilation import compilations
from harness.exact_gmm import Prior, exact_posterior
from scipy import stats
from scipy.special import logsumexp

import genjax_gmm as gg
from genjax_gmm import co_assignment_matrix, importance_resampling
from genjax_gmm.inference import importance

# Five points, three components: few enough for prior proposals to reach an ESS near 2000 from
# 2^18 particles (importance sampling from the prior degrades exponentially with N).
DATA = np.array([-1.0, -0.6, 0.2, 1.1, 1.4])
PRIOR = (1.0, 0.0, 1.0, 5.0, 1.0)  # α, m₀, s₀, a, b
K = 3


@pytest.fixture(scope="module")
def result():
    return importance_resampling(jax.random.key(0), DATA, K, gg.GMMPrior(*PRIOR), 2**18, num_samples=4000)


def test_matches_the_exact_posterior(result):
    exact = exact_posterior(DATA, K, Prior(*PRIOR))
    assert result.effective_sample_size > 1000  # the regime where the tolerances below are ~4 standard errors
    assert abs(result.log_marginal_likelihood - exact.log_marginal_likelihood) < 0.15
    estimate = np.asarray(co_assignment_matrix(result.assignments))
    assert np.abs(estimate - exact.co_assignment).max() < 0.07
    assert 0.3 < exact.co_assignment[1, 2] < 0.7  # the comparison includes uncertain pairs


def test_summaries_follow_from_the_log_weights(result):
    log_weights = np.asarray(result.log_weights)
    assert log_weights.shape == (2**18,)
    mean_weight = logsumexp(log_weights) - np.log(log_weights.size)
    assert result.log_marginal_likelihood == pytest.approx(mean_weight, abs=1e-9)
    normalised = np.exp(log_weights - logsumexp(log_weights))
    assert result.effective_sample_size == pytest.approx(1 / np.sum(normalised**2), rel=1e-9)
    assert result.weights.shape == result.means.shape == result.stds.shape == (4000, K)
    assert result.assignments.shape == (4000, DATA.size)


def _log_likelihood(result, sample: int) -> float:
    """Σ_i log N(x_i; μ_{z_i}, σ_{z_i}) of resampled particle ``sample`` (SciPy)."""
    z = np.asarray(result.assignments[sample])
    return stats.norm.logpdf(DATA, np.asarray(result.means[sample])[z], np.asarray(result.stds[sample])[z]).sum()


def test_resampled_particles_carry_their_likelihood_as_weight(result):
    # generate proposes (π, μ, σ², z) from the prior, so log w = Σ_i log N(x_i; μ_{z_i}, σ_{z_i}):
    # each resampled particle's likelihood must be one of the weights it was resampled by.
    log_weights = np.sort(np.asarray(result.log_weights))
    likelihoods = np.array([_log_likelihood(result, sample) for sample in range(0, 4000, 40)])
    for likelihood in likelihoods:
        position = np.clip(np.searchsorted(log_weights, likelihood), 1, log_weights.size - 1)
        assert np.min(np.abs(log_weights[position - 1 : position + 1] - likelihood)) < 1e-9 * abs(likelihood)
    # Resampling favours heavy particles: they explain the data far better than a typical particle.
    assert np.mean(likelihoods) > np.median(log_weights) + 5


def _resident_bytes(field: str) -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith(field))


@pytest.mark.slow
def test_a_million_particles_in_bounded_memory():
    # Reset the peak resident set size (Linux: write 5 to clear_refs), run, read the new peak.
    # Keeping every trace would need ~10⁶ × 30 floats ≈ 240 MB plus generate's intermediates;
    # a (num_samples × P) resampling matrix 32 GB. The batched two-pass scheme stays near 100 MB.
    before = _resident_bytes("VmRSS:")
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")
    big = importance_resampling(jax.random.key(1), DATA, K, gg.GMMPrior(*PRIOR), 10**6, num_samples=4000)
    peak = _resident_bytes("VmHWM:") - before
    assert big.log_weights.shape == (10**6,)
    assert peak < 256 * 2**20, f"peak memory grew by {peak / 2**20:.0f} MB"


def test_same_key_same_result_and_another_key_another():
    prior = gg.GMMPrior(*PRIOR)
    first, again, other = (
        importance_resampling(jax.random.key(key), DATA, K, prior, 2**15, 4000) for key in (3, 3, 4)
    )
    for name in ("weights", "means", "stds", "assignments", "log_weights"):
        np.testing.assert_array_equal(getattr(first, name), getattr(again, name))
    assert first.log_marginal_likelihood == again.log_marginal_likelihood
    assert not np.array_equal(first.log_weights, other.log_weights)


@pytest.mark.parametrize(
    "change, error, message",
    [
        ({"data": [1.0, np.nan]}, ValueError, "data must be finite"),
        ({"data": [-np.inf, 1.0]}, ValueError, "data must be finite"),
        ({"data": []}, ValueError, "at least one observation"),
        ({"data": np.zeros((2, 2))}, ValueError, "1-D"),
        ({"num_components": 0}, ValueError, "num_components must be at least 1"),
        ({"num_components": 2.0}, TypeError, "num_components must be an integer"),
        ({"num_particles": 0}, ValueError, "num_particles must be at least 1"),
        ({"num_samples": -3}, ValueError, "num_samples must be at least 1"),
        ({"prior": {"concentration": 1.0}}, TypeError, "prior must be a GMMPrior"),
    ],
)
def test_bad_input_is_rejected(change, error, message):
    arguments = {"data": DATA, "num_components": K, "prior": gg.GMMPrior(*PRIOR), "num_particles": 10, "num_samples": 5}
    arguments.update(change)
    with pytest.raises(error, match=message):
        importance_resampling(jax.random.key(0), **arguments)


def test_one_component_log_marginal_likelihood_is_exact():
    # K = 1: π = (1) is certain, and p(x) is the single-component marginal of the data.
    one = importance_resampling(jax.random.key(5), DATA, 1, gg.GMMPrior(*PRIOR), 2**14, num_samples=100)
    exact = exact_posterior(DATA, 1, Prior(*PRIOR))
    assert abs(one.log_marginal_likelihood - exact.log_marginal_likelihood) < 0.15
    np.testing.assert_array_equal(one.weights, 1.0)


@pytest.mark.filterwarnings("ignore::genjax_gmm.ImportanceWarning")
@pytest.mark.parametrize("sampler", [importance_resampling, gg.marginal_importance_resampling])
def test_other_particle_counts_and_sizes_within_a_bucket_do_not_compile(sampler):
    prior = gg.GMMPrior(*PRIOR)
    sampler(jax.random.key(0), DATA, K, prior, 1000, 100)
    with compilations() as seen:
        sampler(jax.random.key(1), DATA[:3], K, prior, 12_345, 100)
        sampler(jax.random.key(2), np.linspace(-1, 1, 16), K, prior, 70_000, 90)  # up to 16 points: one bucket
    assert seen.count == 0


@pytest.mark.filterwarnings("ignore::genjax_gmm.ImportanceWarning")
@pytest.mark.parametrize("sampler", [importance_resampling, gg.marginal_importance_resampling])
def test_batches_run_in_parallel_give_the_result_of_batches_run_one_at_a_time(sampler, monkeypatch):
    # 2^15 particles on 5 points: four batches, so with four threads some finish out of order.
    prior = gg.GMMPrior(*PRIOR)
    monkeypatch.setattr(importance, "available_cores", lambda: 4)
    parallel = sampler(jax.random.key(5), DATA, K, prior, 2**15, 300)
    monkeypatch.setattr(importance, "PARALLEL_BATCHES", 1)
    serial = sampler(jax.random.key(5), DATA, K, prior, 2**15, 300)
    for name in ("weights", "means", "stds", "assignments", "log_weights"):
        np.testing.assert_array_equal(getattr(parallel, name), getattr(serial, name))


def test_batch_pool_keeps_order_compiles_in_the_calling_thread_and_stops_on_an_error(monkeypatch):
    monkeypatch.setattr(importance, "available_cores", lambda: 4)
    threads = {}

    def run_batch(batch):
        index = int(batch[0])
        threads[index] = threading.current_thread()
        time.sleep(0.02 * (index % 3 == 1))  # some batches finish after later ones
        return (batch * 2,)

    batches = np.arange(12).reshape(12, 1)
    assert [int(out[0][0]) for out in importance.map_batches(run_batch, batches)] == list(range(0, 24, 2))
    assert threads[0] is threading.main_thread()
    assert len({thread.name for thread in threads.values()}) > 2  # batches 1..11 ran in the pool

    started = []

    def failing_batch(batch):
        started.append(int(batch[0]))
        time.sleep(0.01)
        if batch[0] == 2:
            raise RuntimeError("batch 2 failed")
        return (batch,)

    with pytest.raises(RuntimeError, match="batch 2 failed"):
        importance.map_batches(failing_batch, np.arange(200).reshape(200, 1))
    assert len(started) < 50  # the batches not yet started were dropped


def test_old_style_keys_work_and_bad_keys_are_named():
    prior = gg.GMMPrior(*PRIOR)
    with pytest.warns(gg.ImportanceWarning):  # 1,024 particles are few for these data: the ESS is about 11
        old = importance_resampling(jax.random.PRNGKey(3), DATA, K, prior, 2**10, 10)
    with pytest.warns(gg.ImportanceWarning):
        new = importance_resampling(jax.random.wrap_key_data(jax.random.PRNGKey(3)), DATA, K, prior, 2**10, 10)
    np.testing.assert_array_equal(old.log_weights, new.log_weights)
    with pytest.raises(TypeError, match="key"):
        importance_resampling(3, DATA, K, prior, 10, 5)
    with pytest.raises(ValueError, match="key"):
        importance_resampling(jax.random.split(jax.random.key(0), 2), DATA, K, prior, 10, 5)


def test_requests_too_large_for_memory_are_refused_before_allocating():
    prior = gg.GMMPrior(*PRIOR)
    with pytest.raises(ValueError, match="GiB"):
        importance_resampling(jax.random.key(0), DATA, K, prior, 10**12, 5)
    with pytest.raises(ValueError, match="GiB"):
        importance_resampling(jax.random.key(0), DATA, K, prior, 10, 10**12)
