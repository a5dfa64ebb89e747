"""Chapter 5's exercise checks: right answers pass, None waits, typical mistakes fail with a hint.

The right answers are recomputed here by other routes (the package's mixture density, SciPy's
log-sum-exp, Bayes' rule with SciPy for the kinds block, a short Gibbs run for the coffee blends)
so that a slip in the check module cannot hide behind itself. The Gibbs run is a session fixture:
it runs once, when a test needs it, not at import in every xdist worker.
"""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from feedback_assertions import assert_check_behaves, assert_correct, assert_incorrect, assert_unanswered
from scipy.special import logsumexp
from scipy.stats import norm

import genjax_gmm as gg
from genjax_gmm.checks import chapter5 as check

BENTO_WEIGHTS, BENTO_MEANS, BENTO_STDS = (np.array(v) for v in gg.BENTO)
DENSITY_499 = float(gg.marginal_density(check.DENSITY_POINT, *gg.BENTO))
NORMALISED = np.exp(np.array(check.LOG_WEIGHTS) - logsumexp(check.LOG_WEIGHTS))
ESS = 1 / np.sum(NORMALISED**2)
UNNORMALISED_ESS = 1 / np.sum(np.exp(np.array(check.LOG_WEIGHTS) + 1000) ** 2)
COFFEE_PRIOR = gg.GMMPrior(concentration=1.0, mean_loc=125.0, mean_scale=40.0, var_shape=2.0, var_scale=10.0)


@pytest.fixture(scope="session")
def blend_probabilities():
    """Every cup's P(blend | data) from a short Gibbs run at K = 3, blends ordered by mean."""
    posterior = gg.gibbs(jax.random.key(0), gg.COFFEE_CAFFEINE, 3, COFFEE_PRIOR, num_sweeps=200, num_chains=2)
    return np.asarray(gg.assignment_probabilities(posterior))


# (check, right answer by an independent route, typical wrong answers)
CASES = {
    "5.1": (
        check.exercise_5_1,
        DENSITY_499,
        [
            norm.pdf(499, 500, 2),  # forgot the weights π_k
            np.sum(BENTO_WEIGHTS * norm.pdf(499, BENTO_MEANS, BENTO_STDS**2)),  # variance for sd
            0.3 * norm.pdf(499, 500, 2),  # swapped the weights
        ],
    ),
    "5.2": (check.exercise_5_2, ESS, [5.0, 1.0, UNNORMALISED_ESS, float("nan")]),
    "5.4": (check.exercise_5_4, "b", ["a", "c", "d"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_right_passes_none_is_unanswered_and_mistakes_get_a_hint(case):
    assert_check_behaves(*CASES[case])


def draw_kinds_by_inversion(key, x, weights, means, variances):
    """Right, written differently from the check's reference: the log density by hand and the
    inverse CDF of one uniform per point."""
    log_joint = jnp.log(weights) - 0.5 * jnp.log(2 * jnp.pi * variances) - 0.5 * (x[:, None] - means) ** 2 / variances
    probabilities = jnp.exp(log_joint - jax.scipy.special.logsumexp(log_joint, axis=1, keepdims=True))
    u = jax.random.uniform(key, (x.size, 1))
    return jnp.sum(jnp.cumsum(probabilities, axis=1) < u, axis=1)


def probabilities(x, weights, means, variances):
    """P(z_i = k | …) for every point, normalised: passing these as logits is a typical mistake."""
    joint = weights * jnp.exp(-((x[:, None] - means) ** 2) / (2 * variances)) / jnp.sqrt(variances)
    return joint / joint.sum(axis=1, keepdims=True)


def test_the_kinds_block_passes_however_it_is_written():
    assert_correct(check.exercise_5_3(draw_kinds_by_inversion))
    assert_correct(check.exercise_5_3(jax.jit(draw_kinds_by_inversion)))
    assert_unanswered(check.exercise_5_3(None))


@pytest.mark.parametrize(
    ("variant", "fragment"),
    [
        (lambda x, w, m, v: (x, w, m, v**2), "standard deviation"),  # σ² used where σ goes: variance σ⁴
        (lambda x, w, m, v: (x, jnp.ones_like(w) / w.size, m, v), "prior term"),
    ],
)
def test_typical_mistakes_of_the_kinds_block_get_their_hint(variant, fragment):
    def mistaken(key, x, weights, means, variances):
        return draw_kinds_by_inversion(key, *variant(x, weights, means, variances))

    assert_incorrect(check.exercise_5_3(mistaken), fragment)


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (lambda key, x, w, m, v: jnp.argmax(jnp.log(w / jnp.sqrt(v)) - (x[:, None] - m) ** 2 / (2 * v), axis=1),
         "most probable"),
        (lambda key, x, w, m, v: draw_kinds_by_inversion(key, x, w, m, v) + 1, "from 1"),
        (lambda key, x, w, m, v: jax.random.categorical(key, probabilities(x, w, m, v), axis=1),
         "log probabilities (logits)"),
        (lambda key, x, w, m, v: draw_kinds_by_inversion(key, x[:3], w, m, v), "shape (5,)"),
        (lambda key, x, w, m, v: jnp.full(x.size, 0.5), "whole numbers"),
        (lambda key, x: x, "arguments"),
        (lambda key, x, w, m, v: int(x[0]), "jnp.where"),
        ("draw_kinds", "expected a function"),
    ],
)
def test_a_broken_kinds_block_gets_a_cross_saying_what_went_wrong(answer, fragment):
    assert_incorrect(check.exercise_5_3(answer), fragment)


def test_the_reference_frequencies_are_bayes_rule_within_their_standard_errors():
    behaviour = check._DRAW_KINDS.reference_behaviour()
    weights, means, variances = (np.asarray(v) for v in check._HIDDEN)
    x = np.asarray(check._HIDDEN_X)
    joint = weights * norm.pdf(x[:, None], means, np.sqrt(variances))
    exact = (joint / joint.sum(axis=1, keepdims=True)).ravel()
    for (label, quantity), p in zip(behaviour.items(), exact, strict=True):
        assert abs(quantity.value - p) <= 4.5 * math.sqrt(p * (1 - p) / quantity.draws) + 1e-12, label


def test_blend_probabilities_pass_and_their_mistakes_get_a_hint(blend_probabilities):
    assert_check_behaves(
        check.exercise_5_5,
        blend_probabilities,
        [
            blend_probabilities[:, ::-1],  # blends not ordered by mean
            blend_probabilities.T,  # transposed
            2 * blend_probabilities,  # rows do not sum to one
            np.full((30, 3), 1 / 3),  # the prior, not the posterior
        ],
    )
    assert_incorrect(check.exercise_5_5(blend_probabilities[:, ::-1]), "relabel")
    assert_incorrect(check.exercise_5_5(blend_probabilities.T), "one row per cup")
    assert_incorrect(check.exercise_5_5(2 * blend_probabilities), "distribution")
    prior_guess = check.exercise_5_5(np.full((30, 3), 1 / 3))  # a wrong entry is named by row and column
    assert_incorrect(prior_guess, "kind_probabilities")
    assert "row 0, column 0 (cup 0, 82 mg; blend 0)" in prior_guess.message


def test_gibbs_blend_probabilities_are_near_certain(blend_probabilities):
    """The check compares with Bayes' rule at known blends; that is fair only if the posterior is sure."""
    assert np.all(blend_probabilities.max(axis=1) > 1 - check.BLEND_PROBABILITY_TOLERANCE)


def test_known_mistakes_get_their_own_hint():
    assert_incorrect(check.exercise_5_1(norm.pdf(499, 500, 2)), "weight πₖ")
    assert_incorrect(
        check.exercise_5_1(np.sum(BENTO_WEIGHTS * norm.pdf(499, BENTO_MEANS, BENTO_STDS**2))),
        "standard deviation σ = 2",
    )
    assert_incorrect(check.exercise_5_2(5), "number of particles")
    assert_incorrect(check.exercise_5_2(UNNORMALISED_ESS), "normalise")


def test_a_non_numeric_answer_is_rejected_without_raising():
    for exercise in (check.exercise_5_1, check.exercise_5_2, check.exercise_5_5):
        feedback = exercise("five")
        assert feedback.status == "incorrect"
