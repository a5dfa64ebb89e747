"""Chapter 4's exercise checks: right answers pass, None waits, typical mistakes fail with a hint.

The expected values are recomputed here by other routes (a grid posterior, the package's
categorization functions) so a slip in the check module cannot hide behind itself.
"""

import math

import numpy as np
import pytest
from feedback_assertions import assert_check_behaves

import genjax_gmm as gg
from genjax_gmm.checks import chapter4 as check

KARAAGE = np.array(check.KARAAGE_WEIGHTS)


def karaage_grid_posterior() -> tuple[float, float]:
    """Mean and sd of prior × likelihood normalised on a fine grid of μ (no conjugate formula)."""
    mu = np.linspace(380.0, 480.0, 200_001)
    log_post = -0.5 * ((mu - check.KARAAGE_PRIOR_MEAN) / check.KARAAGE_PRIOR_SD) ** 2
    log_post -= 0.5 * (((KARAAGE[:, None] - mu) / check.KARAAGE_NOISE_SD) ** 2).sum(axis=0)
    density = np.exp(log_post - log_post.max())
    density /= density.sum()
    mean = float((mu * density).sum())
    return mean, math.sqrt(float(((mu - mean) ** 2 * density).sum()))


GRID_MEAN, GRID_SD = karaage_grid_posterior()
THETA_75 = dict(weights=(0.75, 0.25), means=(-1.0, 1.0), stds=(1.0, 1.0))
UNEQUAL = dict(weights=(0.5, 0.5), means=(-1.0, 1.0), stds=(math.sqrt(0.5), math.sqrt(2.0)))

# (check, right answer by an independent route, typical wrong answers)
CASES = [
    (check.exercise_4_1, GRID_MEAN, [KARAAGE.mean(), 425.0, 428.0]),
    (check.exercise_4_2, GRID_SD, [GRID_SD**2, 5 / 2, 10 / math.sqrt(5)]),
    (check.exercise_4_3, math.sqrt(GRID_SD**2 + 25), [5.0, GRID_SD, GRID_SD + 5]),
    (
        check.exercise_4_4,
        float(gg.category_posterior(0.5, **THETA_75)[0]),
        [math.exp(-1) / (1 + math.exp(-1)), 1 - float(gg.category_posterior(0.5, **THETA_75)[0])],
    ),
    (check.exercise_4_5, float(gg.decision_boundaries(**THETA_75)[0]), [0.0, -math.log(3) / 2, math.log(3)]),
    (check.exercise_4_6, len(gg.decision_boundaries(**UNEQUAL)), [0, 1]),
]
IDS = [f"4.{i}" for i in range(1, len(CASES) + 1)]


@pytest.mark.parametrize(("exercise", "answer", "wrong"), CASES, ids=IDS)
def test_right_passes_none_is_unanswered_and_mistakes_get_a_hint(exercise, answer, wrong):
    assert_check_behaves(exercise, answer, wrong)


def test_known_mistakes_get_their_own_hint():
    assert "data mean alone" in repr(check.exercise_4_1(430.0))
    assert "posterior variance" in repr(check.exercise_4_2(GRID_SD**2))
    assert "variances do" in repr(check.exercise_4_3(GRID_SD + 5))
    assert "θ = 0.5" in repr(check.exercise_4_4(math.exp(-1) / (1 + math.exp(-1))))
    assert "wrong direction" in repr(check.exercise_4_5(-math.log(3) / 2))


def test_rounded_answers_pass_and_arrays_are_accepted():
    assert check.exercise_4_1(round(GRID_MEAN, 2))
    assert check.exercise_4_2(round(GRID_SD, 3))
    assert check.exercise_4_4(np.float64(round(float(gg.category_posterior(0.5, **THETA_75)[0]), 4)))
    assert check.exercise_4_5(gg.decision_boundaries(**THETA_75)[0])
    assert check.exercise_4_6(np.int64(2))


def test_non_numbers_are_rejected_not_crashing():
    for exercise in (check.exercise_4_1, check.exercise_4_4, check.exercise_4_5):
        feedback = exercise("about 430")
        assert feedback.status == "incorrect"
    assert check.exercise_4_6(3).status == "incorrect"
