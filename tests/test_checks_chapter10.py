"""Chapter 10's exercise checks: right answers pass, None waits, typical mistakes fail with a hint.

10.1 (the incremental weight) and 10.2 (systematic resampling) are judged by behaviour; their
references must agree with the package's own filter (``MixtureParticles.extend`` and
``engine.particles.systematic_resample``, other implementations), a right answer written in any
style passes, and every registered mistake gets its own hint. 10.4 (one reweighting step) is judged
by behaviour too, with a hidden model of one particle; its reference must agree with GenJAX's own
``extend`` on the hidden population and model.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from feedback_assertions import assert_check_behaves, assert_correct, assert_incorrect, assert_unanswered
from genjax import const, gen, seed
from genjax import inference as genjax_inference
from scipy.special import logsumexp
from scipy.stats import norm

import genjax_gmm as gg
from genjax_gmm.checks import chapter10 as check
from genjax_gmm.checks.chapter10 import (
    _OLD_LOG_WEIGHTS,
    _PARTICLE_MEANS,
    _PARTICLE_STDS,
    _PARTICLE_WEIGHTS,
    _POINTS,
    _RESAMPLING_CASES,
    _REWEIGHT_POINTS,
)
from genjax_gmm.engine import particles
from genjax_gmm.inference.gibbs import GibbsState
from genjax_gmm.inference.smc import MixtureParticles

# ---------------------------------------------------------------------------------------------
# 10.1: the incremental weight


def weight_log_space(x, weights, means, stds):
    return logsumexp(np.log(weights) + norm.logpdf(x, means, stds), axis=-1)


def weight_by_hand(x, weights, means, stds):
    """Right, written out: the Gaussian log density by hand, each row's largest term subtracted."""
    terms = np.log(weights) - np.log(stds * np.sqrt(2 * np.pi)) - (x - means) ** 2 / (2 * stds**2)
    top = terms.max(axis=1)
    return top + np.log(np.exp(terms - top[:, None]).sum(axis=1))


@jax.jit
def weight_jax(x, weights, means, stds):
    return jax.scipy.special.logsumexp(jnp.log(weights) + jax.scipy.stats.norm.logpdf(x, means, stds), axis=-1)


def test_the_reference_is_the_filters_own_weight_and_finite_far_away():
    model = MixtureParticles(2)
    for x in _POINTS:
        data = jnp.array([x])
        theirs = [
            float(model.extend(None, GibbsState(w, m, s**2, jnp.zeros(1, jnp.int32)), data, 0, None)[1])
            for w, m, s in zip(_PARTICLE_WEIGHTS, _PARTICLE_MEANS, _PARTICLE_STDS, strict=True)
        ]
        np.testing.assert_allclose(check._incremental_log_weight(x, _PARTICLE_WEIGHTS, _PARTICLE_MEANS, _PARTICLE_STDS),
                                   theirs, rtol=1e-10)
    far = _POINTS[-1]
    assert np.all(_PARTICLE_WEIGHTS * norm.pdf(far, _PARTICLE_MEANS, _PARTICLE_STDS) == 0.0)  # it underflows


def test_a_right_weight_passes_however_it_is_written():
    for answer in (weight_log_space, weight_by_hand, weight_jax, lambda *a: weight_log_space(*a).tolist()):
        assert_correct(check.exercise_10_1(answer))
    assert_unanswered(check.exercise_10_1(None))


@pytest.mark.parametrize(
    "mistake, hint",
    [
        (lambda x, w, m, s: weight_log_space(x, w, m, np.asarray(s) ** 2), "not the variance"),
        (lambda x, w, m, s: weight_log_space(x, np.ones_like(w), m, s), "add log π_k"),
        (lambda x, w, m, s: np.max(np.log(w) + norm.logpdf(x, m, s), axis=-1), "do not keep only the largest"),
        (lambda x, w, m, s: np.sum(np.log(w) + norm.logpdf(x, m, s), axis=-1), "do not add their logs"),
        (lambda x, w, m, s: np.exp(weight_log_space(x, w, m, s)), "not the weight itself"),
        (check._without_normalising_constant, "lack the constant"),
        (lambda x, w, m, s: np.log(np.sum(w * norm.pdf(x, m, s), axis=-1)), "log 0 = -inf"),
        (lambda x, w, m, s: weight_log_space(x, w, m, s)[:2], "shape (4,)"),
        (lambda x, w, m, s: None, "returned None"),
        (lambda x, w: x, "the prompt asks for incremental_log_weight(x, weights, means, stds)"),
    ],
)
def test_a_wrong_weight_gets_a_cross_saying_what_went_wrong(mistake, hint):
    assert_incorrect(check.exercise_10_1(mistake), hint)


# ---------------------------------------------------------------------------------------------
# 10.2: systematic resampling


def resample_loop(u, weights):
    """Right, written as the textbook's loop over slots and particles."""
    size, chosen, j, cumulative = len(weights), [], 0, weights[0]
    for i in range(size):
        position = (i + u) / size
        while position >= cumulative and j < size - 1:
            j += 1
            cumulative += weights[j]
        chosen.append(j)
    return np.array(chosen)


def test_the_reference_is_the_engines_resampling():
    for u, weights in _RESAMPLING_CASES:
        with np.errstate(divide="ignore"):
            engine = particles.systematic_resample(jnp.float64(u), jnp.log(weights), jnp.int32(weights.size))
        np.testing.assert_array_equal(check._systematic_resample(u, weights), np.asarray(engine))
        assert np.all(weights[check._systematic_resample(u, weights)] > 0)  # a particle of weight 0 never returns


def test_the_hidden_cases_catch_a_position_on_a_boundary():
    # side='left' differs from the reference only where a position equals some F_j (u = 0 here).
    assert any(not np.array_equal(check._boundary_to_the_left_capped(u, w), check._systematic_resample(u, w))
               for u, w in _RESAMPLING_CASES)


def uncapped(u, weights):
    """Right but for the cap: a last position that rounds up to F_P (or the weights' sum a rounding
    error below 1) gives P."""
    weights = np.asarray(weights, dtype=float)
    return np.searchsorted(np.cumsum(weights), (np.arange(weights.size) + u) / weights.size, side="right")


def test_the_hidden_cases_need_the_cap_at_the_last_particle():
    # Some hidden case puts a position above the last cumulative weight, where only the cap keeps
    # the index a particle; everywhere else the uncapped answer is the reference.
    needs_cap = [np.any(uncapped(u, w) == w.size) for u, w in _RESAMPLING_CASES]
    assert any(needs_cap)
    for (u, w), capped in zip(_RESAMPLING_CASES, needs_cap, strict=True):
        expected = check._systematic_resample(u, w)
        assert np.array_equal(np.minimum(uncapped(u, w), w.size - 1), expected)
        assert capped or np.array_equal(uncapped(u, w), expected)


def test_the_generic_hints_do_not_hand_over_the_code():
    for hint in (check._INCREMENTAL_WEIGHT.hint, check._RESAMPLE.hint):
        assert not any(call in hint for call in ("np.", "logsumexp(", "searchsorted", "axis="))


def test_a_right_resampling_passes_however_it_is_written():
    for answer in (resample_loop, check._systematic_resample, lambda u, w: check._systematic_resample(u, w).tolist()):
        assert_correct(check.exercise_10_2(answer))
    assert_unanswered(check.exercise_10_2(None))


@pytest.mark.parametrize(
    "mistake, hint",
    [
        (lambda u, w: check._systematic_resample(0.0, w), "shifted by the same random u/P"),
        (check._offset_not_divided, "divide the whole (i + u) by P"),
        (check._weights_not_cumulated, "cumulative weights"),
        (check._offset_not_divided_capped, "divide the whole (i + u) by P"),
        (check._boundary_to_the_left, "holds its left end"),  # side='left': found by u = 0, weights [0, ½, ½, 0]
        (check._boundary_to_the_left_capped, "holds its left end"),
        (lambda u, w: check._systematic_resample(np.random.default_rng().random(), w), "draw nothing inside"),
        (lambda u, w: check._systematic_resample(u, w).astype(float), "return integers"),
        (lambda u, w: np.arange(len(w)) + 0.5, "whole numbers"),
        (lambda u, w: np.arange(len(w)) + 1, "must lie in 0"),
        (uncapped, "the last position (P − 1 + u)/P can round up to 1"),  # the cause of the hidden case
        (check._counted_from_one, "Python counts from 0"),  # indices 1 … P: not the cap's message either
        (check._shifted_by_one_slot, "shifted by one slot"),  # indices up to P: not the cap's message
        (check._shifted_by_one_slot_capped, "shifted by one slot"),
        (lambda u, w: np.zeros(3, int), "shape"),
    ],
)
def test_a_wrong_resampling_gets_a_cross_saying_what_went_wrong(mistake, hint):
    assert_incorrect(check.exercise_10_2(mistake), hint)


# ---------------------------------------------------------------------------------------------
# 10.3: Jensen


def test_why_the_log_evidence_is_low_on_average():
    assert_check_behaves(check.exercise_10_3, "c", ["a", "b", "d"])


# ---------------------------------------------------------------------------------------------
# 10.4: one reweighting step, scored with GenJAX


@gen
def next_bento(weights, means, stds):
    gg.gaussian_mixture_distribution(weights, means, stds) @ "x"
    return weights, means, stds


_THETAS = (_PARTICLE_WEIGHTS, _PARTICLE_MEANS, _PARTICLE_STDS)


def _scores(model, thetas, x):
    return jax.vmap(lambda *theta: model.assess({"x": x}, *theta)[0])(*thetas)


def reweight_genjax(model, log_weights, thetas, x):
    """Right, as the notebook asks: each particle's log w_t from model.assess, vmapped."""
    weighted = log_weights + _scores(model, thetas, x)
    log_increment = jax.scipy.special.logsumexp(weighted)
    return weighted - log_increment, log_increment


def reweight_looped(model, log_weights, thetas, x):
    """Right, one assess per particle in a Python loop, the sum shifted by its largest term in NumPy."""
    scores = [float(model.assess({"x": x}, *(a[p] for a in thetas))[0]) for p in range(len(log_weights))]
    weighted = log_weights + np.array(scores)
    top = weighted.max()
    log_increment = top + np.log(np.exp(weighted - top).sum())
    return list(weighted - log_increment), log_increment


def test_the_hidden_model_is_what_its_numpy_density_says_and_refuses_a_whole_cloud():
    for x in _REWEIGHT_POINTS:
        np.testing.assert_allclose(_scores(check._blended_bento, _THETAS, x),
                                   check._blended_log_density(x, *_THETAS), rtol=1e-12)
        # next_bento's density is 10.1's mixture, which the hidden model's is not
        np.testing.assert_allclose(_scores(next_bento, _THETAS, x), check._incremental_log_weight(x, *_THETAS),
                                   rtol=1e-12)
        assert not np.allclose(check._blended_log_density(x, *_THETAS), check._incremental_log_weight(x, *_THETAS))
    with pytest.raises(TypeError, match=check._WHOLE_CLOUD_ERROR):
        check._blended_bento.assess({"x": 0.0}, *_THETAS)


def test_the_reweighting_reference_is_genjaxs_extend():
    # GenJAX's extend adds each particle's generate weight to its log weight; its estimate of log p(x)
    # grows by the log increment (old weights normalised, so its running estimate starts at −log P).
    size = _OLD_LOG_WEIGHTS.size
    arrays = tuple(jnp.asarray(a) for a in _THETAS)
    model = check._blended_bento
    traces = jax.vmap(lambda w, m, s: model.generate({"x": 0.0}, w, m, s)[0])(*arrays)
    before = genjax_inference.ParticleCollection(traces, jnp.asarray(_OLD_LOG_WEIGHTS), jnp.asarray(_OLD_LOG_WEIGHTS),
                                                 const(size))
    for x in _REWEIGHT_POINTS:
        after = seed(genjax_inference.extend)(jax.random.key(0), before, model, arrays, {"x": x})
        new, log_increment = check._reweight(model, _OLD_LOG_WEIGHTS, _THETAS, x)
        np.testing.assert_allclose(new, after.log_weights - logsumexp(after.log_weights), rtol=1e-10)
        np.testing.assert_allclose(log_increment,
                                   after.log_marginal_likelihood() - before.log_marginal_likelihood(), rtol=1e-10)
    assert np.ptp(_OLD_LOG_WEIGHTS) > 1  # unequal old weights: forgetting them changes the answer


def test_a_right_reweighting_passes_however_it_is_written():
    for answer in (reweight_genjax, reweight_looped, check._reweight):
        assert_correct(check.exercise_10_4(answer))
    assert_unanswered(check.exercise_10_4(None))


def _whole_cloud(model, log_weights, thetas, x):
    """assess called once with every particle's arrays (works for next_bento, not for the hidden model)."""
    weighted = log_weights + model.assess({"x": x}, *thetas)[0]
    return weighted - jax.scipy.special.logsumexp(weighted), jax.scipy.special.logsumexp(weighted)


def _theta_as_one_argument(model, log_weights, thetas, x):
    """assess given a particle's θ as one tuple, not unpacked."""
    weighted = log_weights + jax.vmap(lambda theta: model.assess({"x": x}, theta)[0])(thetas)
    return weighted - jax.scipy.special.logsumexp(weighted), jax.scipy.special.logsumexp(weighted)


def _past_the_pair(model, log_weights, thetas, x):
    return log_weights + jax.vmap(lambda *theta: model.assess({"x": x}, *theta)[2])(*thetas), 0.0


def _log_of_log_weights(model, log_weights, thetas, x):
    """log_weights taken for the weights W themselves: the log of negative numbers, NaN."""
    weighted = jnp.log(log_weights * jnp.exp(_scores(model, thetas, x)))
    return weighted - jax.scipy.special.logsumexp(weighted), jax.scipy.special.logsumexp(weighted)


def _numpy_inside_vmap(model, log_weights, thetas, x):
    scores = jax.vmap(lambda *theta: np.asarray(model.assess({"x": x}, *theta)[0]))(*thetas)
    return check._reweight(model, log_weights, thetas, x)[0] + 0 * scores, 0.0


def test_the_whole_cloud_call_is_right_for_next_bento_only():
    # the mistake the hidden model catches gives right numbers with next_bento, whose mixture works row by row
    for x in _REWEIGHT_POINTS:
        np.testing.assert_allclose(_whole_cloud(next_bento, _OLD_LOG_WEIGHTS, _THETAS, x)[0],
                                   reweight_genjax(next_bento, _OLD_LOG_WEIGHTS, _THETAS, x)[0], rtol=1e-12)


@pytest.mark.parametrize(
    "mistake, hint",
    [
        (check._scored_as_a_mixture, "score the bento with the model you are given"),
        (_whole_cloud, "apply it to every particle with jax.vmap"),
        (_past_the_pair, "returns a pair, (log density, return value)"),
        (_theta_as_one_argument, "model.assess({\"x\": x}, *theta)"),
        (_log_of_log_weights, "the log of a negative number"),
        (_numpy_inside_vmap, "placeholders for the particles' values"),
        (check._old_weights_forgotten, "do not start from equal weights"),
        (check._increment_unweighted, "with their OLD weights"),
        (check._divided_by_count, "do not divide by P"),
        (check._averaging_one, "your new weights average 1, as own_filter's do"),
        (check._averaging_one_throughout, "your new weights average 1, as own_filter's do"),
        (check._not_normalised, "normalise the new log weights"),
        (check._linear, "return logs"),
        (check._linear_weights, "not the weights themselves"),
        (check._summed_log_weights, "not the sum of their logs"),
        (lambda *args: tuple(np.log(v) for v in check._linear(*args)), "underflows"),
        (lambda *args: check._reweight(*args)[0], "return a pair"),
        (lambda *args: check._reweight(*args)[::-1], "the new log weights, one per particle"),
        (lambda model, lw, thetas: None, "the prompt asks for reweight(model, log_weights, thetas, x)"),
    ],
)
def test_a_wrong_reweighting_gets_a_cross_saying_what_went_wrong(mistake, hint):
    assert_incorrect(check.exercise_10_4(mistake), hint)
