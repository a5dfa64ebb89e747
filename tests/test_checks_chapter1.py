"""Chapter 1 checks: right answers pass, None is "not answered", usual mistakes fail with a hint.

The right answers are written down by hand from the exercises (0.5·500 + 0.3·350 + 0.2·420,
3·455, the normal tail by scipy, the overlapping shop's density by scipy), independently of the
check module, so a check that computed the wrong target would fail here.
"""

import numpy as np
import pytest
from feedback_assertions import assert_correct, assert_incorrect, assert_unanswered
from scipy import stats

from genjax_gmm.checks import chapter1 as check


EXACT_P_GENEROUS = 0.7 * stats.norm.sf(502, 500, 2) + 0.3 * stats.norm.sf(502, 350, 2)


@pytest.mark.parametrize(
    "exercise, right",
    [
        (check.exercise_1_1, 439),
        (check.exercise_1_1, 0.5 * 500 + 0.3 * 350 + 0.2 * 420),
        (check.exercise_1_1, np.float32(439.0)),
        (check.exercise_1_2, 1365),
        (check.exercise_1_2, 3 * (0.7 * 500 + 0.3 * 350)),
        (check.exercise_1_3, "b"),
        (check.exercise_1_3, " B "),
        (check.exercise_1_4, 0.111),
        (check.exercise_1_4, EXACT_P_GENEROUS),
        (check.exercise_1_4, np.array(0.1142)),  # a typical estimate from 10,000 bentos
        (check.exercise_1_4, 0.1011),  # 3.2 standard errors low: still a plausible estimate
        (check.exercise_1_4, 0.1),  # rounded to 1 decimal, but within 4 standard errors
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
        (check.exercise_1_3, "a", "far apart compared with their spread"),
        (check.exercise_1_3, "c", "half a standard deviation"),
        (check.exercise_1_3, "d", "smoother"),
        (check.exercise_1_3, "e", "one of the letters"),
        (check.exercise_1_3, 3, "one of the letters"),
        (check.exercise_1_3, ["b"], "one of the letters"),
        (check.exercise_1_4, 0.7, "P(tonkatsu)"),
        (check.exercise_1_4, stats.norm.sf(1), "fraction of the tonkatsu bentos"),
        (check.exercise_1_4, 1 - EXACT_P_GENEROUS, "at most 502 g"),
        (check.exercise_1_4, 0.13, "at least 10,000 bentos"),
        (check.exercise_1_4, 0.094, "at least 10,000 bentos"),  # 5.5 standard errors low
        (check.exercise_1_4, 11, "at least 10,000 bentos"),  # a percentage, not a probability
    ],
)
def test_typical_mistakes_fail_with_a_hint(exercise, wrong, hint_fragment):
    assert_incorrect(exercise(wrong), hint_fragment)


def test_the_right_answer_to_1_3_is_the_single_hump():
    """At the overlapping shop (kinds at 470 and 480 g, sd 10 g) the mixture density has one peak,
    at its mean 475 g, and a bento within 5 g of the mean is common: answer b is right."""
    grams = np.linspace(400, 550, 150_001)
    density = 0.5 * stats.norm.pdf(grams, 480, 10) + 0.5 * stats.norm.pdf(grams, 470, 10)
    peaks = np.flatnonzero((density[1:-1] > density[:-2]) & (density[1:-1] > density[2:])) + 1
    assert len(peaks) == 1 and abs(grams[peaks[0]] - 475) < 1e-3
    near_mean = 0.5 * sum(stats.norm.cdf(480, m, 10) - stats.norm.cdf(470, m, 10) for m in (470, 480))
    assert near_mean > 0.3


def test_exercise_1_4_tolerance_is_four_standard_errors_at_ten_thousand_bentos():
    standard_error = np.sqrt(EXACT_P_GENEROUS * (1 - EXACT_P_GENEROUS) / 10_000)
    assert check.exercise_1_4(EXACT_P_GENEROUS + 3.9 * standard_error)
    assert not check.exercise_1_4(EXACT_P_GENEROUS + 4.1 * standard_error)
    assert not check.exercise_1_4(EXACT_P_GENEROUS - 4.1 * standard_error)


def test_exercise_1_4_accepts_a_real_simulation():
    """An honest estimate from 10,000 independent bentos passes (for several seeds)."""
    rng = np.random.default_rng(1)
    for _ in range(20):
        tonkatsu = rng.random(10_000) < 0.7
        weights = np.where(tonkatsu, 500.0, 350.0) + rng.normal(0.0, 2.0, 10_000)
        assert_correct(check.exercise_1_4(np.mean(weights > 502)))


def test_non_finite_answers_are_incorrect_not_errors():
    for exercise in (check.exercise_1_1, check.exercise_1_2, check.exercise_1_4):
        assert exercise(float("nan")).status == "incorrect"
        assert exercise(float("inf")).status == "incorrect"
