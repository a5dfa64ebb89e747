"""Chapter 5's exercise checks: right answers pass, None waits, typical mistakes fail with a hint.

The right answers are recomputed here by other routes (the package's mixture density, SciPy's
log-sum-exp) so that a slip in the check module cannot hide behind itself.
"""

import numpy as np
import pytest
from scipy.special import logsumexp
from scipy.stats import norm

import genjax_gmm as gg
from genjax_gmm.checks import chapter5 as check

BENTO_WEIGHTS, BENTO_MEANS, BENTO_STDS = (np.array(v) for v in gg.BENTO)
DENSITY_499 = float(gg.marginal_density(check.DENSITY_POINT, *gg.BENTO))
NORMALISED = np.exp(np.array(check.LOG_WEIGHTS) - logsumexp(check.LOG_WEIGHTS))
ESS = 1 / np.sum(NORMALISED**2)

# (check, right answer by an independent route, typical wrong answers)
CASES = [
    (
        check.exercise_5_1,
        DENSITY_499,
        [
            norm.pdf(499, 500, 2),  # forgot the weights π_k
            np.sum(BENTO_WEIGHTS * norm.pdf(499, BENTO_MEANS, BENTO_STDS**2)),  # variance for sd
            0.3 * norm.pdf(499, 500, 2),  # swapped the weights
        ],
    ),
    (
        check.exercise_5_2,
        ESS,
        [5.0, 1.0, 1 / np.sum(np.exp(np.array(check.LOG_WEIGHTS) + 1000) ** 2), float("nan")],
    ),
]
IDS = [f"5.{i}" for i in range(1, len(CASES) + 1)]


@pytest.mark.parametrize(("exercise", "answer", "wrong"), CASES, ids=IDS)
def test_right_answer_passes(exercise, answer, wrong):
    feedback = exercise(answer)
    assert feedback, feedback
    assert repr(feedback).startswith("✅")


@pytest.mark.parametrize(("exercise", "answer", "wrong"), CASES, ids=IDS)
def test_none_is_not_answered_yet(exercise, answer, wrong):
    feedback = exercise(None)
    assert not feedback
    assert feedback.status == "unanswered"
    assert "⏳" in repr(feedback) and "not answered yet" in repr(feedback)


@pytest.mark.parametrize(("exercise", "answer", "wrong"), CASES, ids=IDS)
def test_typical_mistakes_fail_with_a_hint(exercise, answer, wrong):
    for value in wrong:
        feedback = exercise(value)
        assert not feedback, f"{value} was accepted"
        assert feedback.status == "incorrect"
        assert repr(feedback).startswith("❌") and "Hint:" in repr(feedback)


def test_known_mistakes_get_their_own_hint():
    assert "weight πₖ" in repr(check.exercise_5_1(norm.pdf(499, 500, 2)))
    assert "standard deviation σ = 2" in repr(
        check.exercise_5_1(np.sum(BENTO_WEIGHTS * norm.pdf(499, BENTO_MEANS, BENTO_STDS**2)))
    )
    assert "number of particles" in repr(check.exercise_5_2(5))
    assert "normalise" in repr(check.exercise_5_2(1 / np.sum(np.exp(np.array(check.LOG_WEIGHTS) + 1000) ** 2)))


def test_ess_answer_is_between_one_and_the_number_of_particles():
    assert 1 < ESS < len(check.LOG_WEIGHTS)
