"""Chapter 3 checks: right answers pass, None is "not answered", usual mistakes fail with a hint.

The expected values here are written down independently of the check module (tables of the
normal distribution, scipy), so a check that computed the wrong target would fail these tests.
"""

import numpy as np
import pytest
from feedback_assertions import assert_correct, assert_incorrect, assert_unanswered
from scipy import stats

from genjax_gmm.checks import chapter3 as check
from genjax_gmm.checks.chapter3 import _ks_distance


@pytest.mark.parametrize(
    "exercise, right",
    [
        (check.exercise_3_1, 0.6827),
        (check.exercise_3_1, stats.norm.cdf(85, 75, 10) - stats.norm.cdf(65, 75, 10)),
        (check.exercise_3_2, 87.82),
        (check.exercise_3_2, stats.norm.ppf(0.9, 75, 10)),
        (check.exercise_3_4, 0.388),
        (check.exercise_3_4, 0.3883),
        (check.exercise_3_1, 0.682),  # truncated to 3 significant figures
        (check.exercise_3_4, 1 / stats.norm.ppf(0.995)),
    ],
)
def test_right_numbers_pass(exercise, right):
    assert_correct(exercise(right))


@pytest.mark.parametrize("exercise", [check.exercise_3_1, check.exercise_3_2, check.exercise_3_3, check.exercise_3_4])
def test_none_is_not_answered(exercise):
    assert_unanswered(exercise(None))


@pytest.mark.parametrize(
    "exercise, wrong, hint_fragment",
    [
        (check.exercise_3_1, 0.8413, "subtract P(X ≤ 65)"),  # P(X < 85) only
        (check.exercise_3_1, 0.1587, "one tail"),  # P(X > 85)
        (check.exercise_3_1, 0.68, "rule of thumb"),  # a known mistake wins over "rounded"
        (check.exercise_3_1, 0.9545, "F(b) − F(a)"),  # two standard deviations
        (check.exercise_3_1, "0.68-ish", "F(b) − F(a)"),
        (check.exercise_3_2, 1.2816, "z-score"),
        (check.exercise_3_2, 76.28, "multiply the z-score by σ"),
        (check.exercise_3_2, 62.18, "10th percentile"),
        (check.exercise_3_2, 85.0, "inverts the CDF"),
        (check.exercise_3_4, 1 / 2.3263, "two tails"),  # one-sided 99 %
        (check.exercise_3_4, 2.5758, "σ = 1 / z"),
        (check.exercise_3_4, 1 / 3, "99.7 %"),
        (check.exercise_3_4, 1 / 1.96, "95 %"),
        (check.exercise_3_4, 2.0, "99.5th percentile"),
    ],
)
def test_usual_mistakes_fail_with_a_hint(exercise, wrong, hint_fragment):
    assert_incorrect(exercise(wrong), hint_fragment)


@pytest.mark.parametrize(
    "exercise, rounded, figures",
    [(check.exercise_3_1, 0.7, "1 decimal place"), (check.exercise_3_2, 88, "0 decimal places"),
     (check.exercise_3_4, 0.39, "2 decimal places"), (check.exercise_3_4, 0.4, "1 decimal place")],
)
def test_rounded_answers_are_told_so(exercise, rounded, figures):
    feedback = exercise(rounded)
    assert_incorrect(feedback, "rounded copy")
    assert figures in feedback.message and "3 significant figures" in feedback.message


def test_a_simulation_from_the_right_normal_passes_and_reports_the_interval_fraction():
    scores = np.random.default_rng(3).normal(75, 10, 100_000)
    feedback = check.exercise_3_3(scores)
    assert_correct(feedback)
    fraction = np.mean((scores > 65) & (scores < 85))
    assert f"{fraction:.2%}" in feedback.message and "68.27%" in feedback.message


def test_correct_simulations_are_rarely_rejected():
    rng = np.random.default_rng(4)
    rejected = sum(not check.exercise_3_3(rng.normal(75, 10, 10_000)) for _ in range(100))
    assert rejected <= 2  # each is rejected with probability 10⁻³


@pytest.mark.parametrize(
    "wrong, hint_fragment",
    [
        (np.random.default_rng(5).normal(75, 100, 100_000), "not the variance"),
        (np.random.default_rng(6).normal(70, 10, 100_000), "centred on the mean"),
        (np.random.default_rng(7).normal(75, 11, 100_000), "independently"),
        (np.random.default_rng(8).uniform(57.7, 92.3, 100_000), "independently"),  # right mean and σ, wrong shape
        (np.random.default_rng(9).normal(75, 10, 100), "at least 10,000"),
        (np.random.default_rng(9).normal(75, 10, (100_000, 1)), "1-D"),
        (75.0, "at least 10,000"),
        (["a"] * 10_000, "get_choices"),
    ],
)
def test_wrong_simulations_fail_with_a_hint(wrong, hint_fragment):
    assert_incorrect(check.exercise_3_3(wrong), hint_fragment)


def test_simulation_with_nan_is_rejected():
    scores = np.random.default_rng(10).normal(75, 10, 10_000)
    scores[5] = np.nan
    feedback = check.exercise_3_3(scores)
    assert not feedback and "NaN" in feedback.message


def test_ks_distance_matches_scipy():
    from statistics import NormalDist

    for seed, (loc, scale) in enumerate([(75, 10), (75, 12), (0, 1)]):
        sample = np.random.default_rng(seed).normal(loc, scale, 2_000)
        want = stats.kstest(sample, stats.norm(75, 10).cdf).statistic
        assert _ks_distance(sample, NormalDist(75, 10)) == pytest.approx(want, rel=1e-10)
