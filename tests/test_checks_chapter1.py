"""Chapter 1 checks: right answers pass, None is "not answered", usual mistakes fail with a hint.

The right answers are written down by hand from the exercises (0.5·500 + 0.3·350 + 0.2·420,
3·455, the normal tail by scipy), independently of the check module, so a check that
computed the wrong target would fail here.
"""

import numpy as np
import pytest
from feedback_assertions import assert_correct, assert_incorrect, assert_unanswered
from scipy import stats

from genjax_gmm.checks import chapter1 as check


EXACT_P_HEAVIER_THAN_450 = 0.7 * stats.norm.sf(450, 500, 2) + 0.3 * stats.norm.sf(450, 350, 2)


@pytest.mark.parametrize(
    "exercise, right",
    [
        (check.exercise_1_1, 439),
        (check.exercise_1_1, 0.5 * 500 + 0.3 * 350 + 0.2 * 420),
        (check.exercise_1_1, np.float32(439.0)),
        (check.exercise_1_2, 1365),
        (check.exercise_1_2, 3 * (0.7 * 500 + 0.3 * 350)),
        (check.exercise_1_3, "c"),
        (check.exercise_1_3, " C "),
        (check.exercise_1_4, 0.7),
        (check.exercise_1_4, EXACT_P_HEAVIER_THAN_450),
        (check.exercise_1_4, np.array(0.7041)),  # a typical estimate from 10,000 bentos
        (check.exercise_1_4, 0.6853),  # 3.2 standard errors low: still a plausible estimate
    ],
)
def test_right_answers_pass(exercise, right):
    assert_correct(exercise(right))


@pytest.mark.parametrize("exercise", [check.exercise_1_1, check.exercise_1_2, check.exercise_1_3, check.exercise_1_4])
def test_none_is_not_answered(exercise):
    assert_unanswered(exercise(None))


@pytest.mark.parametrize(
    "exercise, wrong, hint_fragment",
    [
        (check.exercise_1_1, (500 + 350 + 420) / 3, "plain average"),
        (check.exercise_1_1, 455, "old two-item menu"),
        (check.exercise_1_1, 0.5 * 500 + 0.3 * 350, "include the karaage"),
        (check.exercise_1_1, 440, "Σ P(kind) · weight(kind)"),  # off by 1 g: not a known mistake
        (check.exercise_1_1, "439 g", "Σ P(kind) · weight(kind)"),
        (check.exercise_1_2, 455, "one bento"),
        (check.exercise_1_2, 1500, "not every bento is a tonkatsu"),
        (check.exercise_1_2, 3 * 425, "weight each kind by its probability"),
        (check.exercise_1_2, 910, "linearity"),  # a two-bento order
        (check.exercise_1_3, "a", "valley stays empty"),
        (check.exercise_1_3, "b", "not the most likely"),
        (check.exercise_1_3, "d", "wobble averages to zero"),
        (check.exercise_1_3, "e", "one of the letters"),
        (check.exercise_1_3, 3, "one of the letters"),
        (check.exercise_1_3, ["c"], "one of the letters"),
        (check.exercise_1_4, 0.3, "lighter than 450 g"),
        (check.exercise_1_4, 0.5, "not equally likely"),
        (check.exercise_1_4, 0.75, "at least 10,000 bentos"),
        (check.exercise_1_4, 0.675, "at least 10,000 bentos"),  # 5.5 standard errors low
        (check.exercise_1_4, 70, "at least 10,000 bentos"),  # a percentage, not a probability
    ],
)
def test_typical_mistakes_fail_with_a_hint(exercise, wrong, hint_fragment):
    assert_incorrect(exercise(wrong), hint_fragment)


def test_exercise_1_4_tolerance_is_four_standard_errors_at_ten_thousand_bentos():
    standard_error = np.sqrt(EXACT_P_HEAVIER_THAN_450 * (1 - EXACT_P_HEAVIER_THAN_450) / 10_000)
    assert check.exercise_1_4(EXACT_P_HEAVIER_THAN_450 + 3.9 * standard_error)
    assert not check.exercise_1_4(EXACT_P_HEAVIER_THAN_450 + 4.1 * standard_error)
    assert not check.exercise_1_4(EXACT_P_HEAVIER_THAN_450 - 4.1 * standard_error)


def test_exercise_1_4_accepts_a_real_simulation():
    """An honest estimate from 10,000 independent bentos passes (for several seeds)."""
    rng = np.random.default_rng(1)
    for _ in range(20):
        tonkatsu = rng.random(10_000) < 0.7
        weights = np.where(tonkatsu, 500.0, 350.0) + rng.normal(0.0, 2.0, 10_000)
        assert_correct(check.exercise_1_4(np.mean(weights > 450)))


def test_non_finite_answers_are_incorrect_not_errors():
    for exercise in (check.exercise_1_1, check.exercise_1_2, check.exercise_1_4):
        assert exercise(float("nan")).status == "incorrect"
        assert exercise(float("inf")).status == "incorrect"
