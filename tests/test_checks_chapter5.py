"""Chapter 5's exercise checks: right answers pass, None waits, typical mistakes fail with a hint.

The right answers are recomputed here by other routes (the package's mixture density, SciPy's
log-sum-exp, a short Gibbs run for the coffee blends) so that a slip in the check module cannot
hide behind itself. The Gibbs run is a session fixture: it runs once, when a test needs it, not at
import in every xdist worker.
"""

import jax
import numpy as np
import pytest
from feedback_assertions import assert_check_behaves, assert_incorrect
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
    "5.3": (check.exercise_5_3, "b", ["a", "c", "d"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_right_passes_none_is_unanswered_and_mistakes_get_a_hint(case):
    assert_check_behaves(*CASES[case])


def test_blend_probabilities_pass_and_their_mistakes_get_a_hint(blend_probabilities):
    assert_check_behaves(
        check.exercise_5_4,
        blend_probabilities,
        [
            blend_probabilities[:, ::-1],  # blends not ordered by mean
            blend_probabilities.T,  # transposed
            2 * blend_probabilities,  # rows do not sum to one
            np.full((30, 3), 1 / 3),  # the prior, not the posterior
        ],
    )
    assert_incorrect(check.exercise_5_4(blend_probabilities[:, ::-1]), "relabel")
    assert_incorrect(check.exercise_5_4(blend_probabilities.T), "one row per cup")
    assert_incorrect(check.exercise_5_4(2 * blend_probabilities), "distribution")


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
    for exercise in (check.exercise_5_1, check.exercise_5_2, check.exercise_5_4):
        feedback = exercise("five")
        assert feedback.status == "incorrect"
