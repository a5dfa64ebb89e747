"""Chapter 4's exercise checks: right answers pass, None waits, typical mistakes fail with a hint.

The expected values are recomputed here by other routes (SciPy's normal distribution and an
enumeration of the kinds, a grid posterior, the package's categorization functions) so a slip in
the check module cannot hide behind itself.
"""

import math

import numpy as np
import pytest
from feedback_assertions import assert_check_behaves, assert_incorrect
from scipy import stats

import genjax_gmm as gg
from genjax_gmm.checks import chapter4 as check

KARAAGE = np.array(check.KARAAGE_WEIGHTS)
PRIOR = np.array(check.KIND_PROBABILITIES)


def kind_posterior(likelihood) -> np.ndarray:
    """P(kind | evidence) for both kinds, by enumeration: prior × likelihood, normalised."""
    joint = PRIOR * np.asarray(likelihood)
    return joint / joint.sum()


FELT = stats.norm(np.array(check.KIND_MEANS), math.sqrt(check.KIND_SD**2 + check.HAND_SD**2))
LIGHT = FELT.cdf(check.FEELS_HEAVY_ABOVE)  # P(feels light | kind)
GIVEN_LIGHT = kind_posterior(LIGHT)[0]
GIVEN_HEAVY = kind_posterior(1 - LIGHT)[0]
OVERFILLED = stats.norm(np.array(check.KIND_MEANS), check.KIND_SD).sf(np.array(check.KIND_MEANS))


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
    (check.exercise_4_1, GIVEN_LIGHT, [LIGHT[0], PRIOR[0] * LIGHT[0], 0.7, GIVEN_HEAVY, GIVEN_LIGHT + 0.003]),
    (check.exercise_4_2, kind_posterior(OVERFILLED)[0], [0.5, 0.35, 0.3, 0.703]),
    (check.exercise_4_3, GRID_MEAN, [KARAAGE.mean(), 425.0, 428.0]),
    (check.exercise_4_4, GRID_SD, [GRID_SD**2, 5 / 2, 10 / math.sqrt(5)]),
    (check.exercise_4_5, math.sqrt(GRID_SD**2 + 25), [5.0, GRID_SD, GRID_SD + 5]),
    (
        check.exercise_4_7,
        float(gg.category_posterior(0.5, **THETA_75)[0]),
        [math.exp(-1) / (1 + math.exp(-1)), 1 - float(gg.category_posterior(0.5, **THETA_75)[0])],
    ),
    (check.exercise_4_8, float(gg.decision_boundaries(**THETA_75)[0]), [0.0, -math.log(3) / 2, math.log(3)]),
    (check.exercise_4_9, len(gg.decision_boundaries(**UNEQUAL)), [0, 1]),
]
IDS = [case[0].__name__ for case in CASES]


@pytest.mark.parametrize(("exercise", "answer", "wrong"), CASES, ids=IDS)
def test_right_passes_none_is_unanswered_and_mistakes_get_a_hint(exercise, answer, wrong):
    assert_check_behaves(exercise, answer, wrong)


def test_known_mistakes_get_their_own_hint():
    assert "P(feels light | tonkatsu)" in repr(check.exercise_4_1(LIGHT[0]))
    assert "joint probability" in repr(check.exercise_4_1(PRIOR[0] * LIGHT[0]))
    assert "feels heavy" in repr(check.exercise_4_1(GIVEN_HEAVY))
    assert "P(overfilled | tonkatsu)" in repr(check.exercise_4_2(0.5))
    assert "data mean alone" in repr(check.exercise_4_3(430.0))
    assert "posterior variance" in repr(check.exercise_4_4(GRID_SD**2))
    assert "variances do" in repr(check.exercise_4_5(GRID_SD + 5))
    assert "θ = 0.5" in repr(check.exercise_4_7(math.exp(-1) / (1 + math.exp(-1))))
    assert "wrong direction" in repr(check.exercise_4_8(-math.log(3) / 2))


def test_a_simulated_estimate_is_told_to_compute_exactly():
    """The notebook's 100,000 bentos estimate 4.1's answer to about ±0.002; such an estimate
    misses the 3 significant figures asked for and is told why, not sent back to the method."""
    for exercise, exact in ((check.exercise_4_1, GIVEN_LIGHT), (check.exercise_4_2, 0.7)):
        for offset in (0.0021, -0.004):
            assert_incorrect(exercise(exact + offset), "simulated bentos is only an estimate")
        assert exercise(round(exact, 3))


def test_rounded_answers_pass_and_arrays_are_accepted():
    assert check.exercise_4_3(round(GRID_MEAN, 2))
    assert check.exercise_4_4(round(GRID_SD, 3))
    assert check.exercise_4_7(np.float64(round(float(gg.category_posterior(0.5, **THETA_75)[0]), 4)))
    assert check.exercise_4_8(gg.decision_boundaries(**THETA_75)[0])
    assert check.exercise_4_9(np.int64(2))


def test_non_numbers_are_rejected_not_crashing():
    for exercise in (check.exercise_4_1, check.exercise_4_3, check.exercise_4_7, check.exercise_4_8):
        feedback = exercise("about 430")
        assert feedback.status == "incorrect"
    assert check.exercise_4_9(3).status == "incorrect"
