"""Chapter 3 checks: right answers pass, None is "not answered", usual mistakes fail with a hint.

The expected values here are written down independently of the check module (tables of the
normal distribution, scipy; the models' log densities by scipy), so a check that computed the
wrong target would fail these tests.
"""

import numpy as np
import pytest
from feedback_assertions import assert_correct, assert_incorrect, assert_unanswered
from genjax import gen, normal
from scipy import stats

from genjax_gmm.checks import chapter3 as check


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


@pytest.mark.parametrize(
    "exercise", [check.exercise_3_1, check.exercise_3_2, check.exercise_3_3, check.exercise_3_4, check.exercise_3_5]
)
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


# ---------------------------------------------------------------------------------------------
# Exercises 3.3 and 3.5: models checked by behaviour


@gen
def score_as_written(mean, sd):
    """The prompt's model, as a student might write it."""
    score = normal(mean, sd) @ "score"
    z = (score - mean) / sd
    return z


def score_model(location, scale, address="score", returned=lambda score, mean, sd: (score - mean) / sd):
    @gen
    def model(mean, sd):
        score = normal(location(mean, sd), scale(mean, sd)) @ address
        return returned(score, mean, sd)
    return model


@gen
def score_without_return(mean, sd):
    normal(mean, sd) @ "score"


def test_exercise_3_3_the_prompts_model_passes_and_log_densities_are_scipys():
    assert_correct(check.exercise_3_3(score_as_written))
    for label, quantity in check._SCORE_CHECK.reference_behaviour().items():
        if label.startswith("log p("):
            score = float(label.split("a score of ")[1].split(" ")[0])
            mean = 60.0 if "mean 60" in label else 82.5
            sd = 15.0 if mean == 60.0 else 4.0
            assert quantity.value == pytest.approx(stats.norm.logpdf(score, mean, sd), abs=0.01 / sd), label


@pytest.mark.parametrize(
    "answer, fragment",
    [
        (score_model(lambda m, s: m, lambda m, s: s**2), "not the variance"),
        (score_model(lambda m, s: s, lambda m, s: m), "mean first"),
        (score_model(lambda m, s: 75.0, lambda m, s: 10.0), "not 75 and 10"),
        (score_model(lambda m, s: m, lambda m, s: s, address="scores"), "missing 'score'"),
        (score_model(lambda m, s: m + 1.0, lambda m, s: s), 'normal(mean, sd) at the address "score"'),
        (score_model(lambda m, s: m, lambda m, s: s, returned=lambda x, m, s: x), "not the score itself"),
        (score_model(lambda m, s: m, lambda m, s: s, returned=lambda x, m, s: (x - m) / s**2), "not by the variance"),
        (score_model(lambda m, s: m, lambda m, s: s, returned=lambda x, m, s: (m - x) / s), "return its z-score"),
        (score_without_return, "returns nothing"),
        (np.random.default_rng(3).normal(75, 10, 100_000), "expected a generative function"),
    ],
)
def test_exercise_3_3_wrong_models_get_a_cross_and_the_likely_mistake(answer, fragment):
    assert_incorrect(check.exercise_3_3(answer), fragment)


@gen
def two_tests(mean):
    """The prompt's model, as a student might write it: luck added to the ability."""
    ability = normal(mean, 8.0) @ "ability"
    first = normal(ability, 6.0) @ "test_1"
    second = normal(ability, 6.0) @ "test_2"
    return 0.5 * first + 0.5 * second


def ability_and_luck(ability_sd, luck_sd, centre=lambda mean, ability: ability, average=True):
    @gen
    def model(mean):
        ability = normal(mean, ability_sd) @ "ability"
        first = normal(centre(mean, ability), luck_sd) @ "test_1"
        second = normal(centre(mean, ability), luck_sd) @ "test_2"
        return (first + second) / 2 if average else first
    return model


def test_exercise_3_5_the_prompts_model_passes():
    assert_correct(check.exercise_3_5(two_tests))


def test_exercise_3_5_each_score_alone_is_the_test_of_exercise_3_1():
    """Variances add: ability N(75, 8²) plus luck N(0, 6²) gives one score N(75, 10²), and two
    scores differ by more than 10 points with probability 2·(1 − Φ(10/√72))."""
    assert check.ABILITY_SD**2 + check.LUCK_SD**2 == pytest.approx(10.0**2)
    behaviour = check._TWO_TESTS_CHECK.reference_behaviour()
    share = behaviour["the share of students whose two scores differ by more than 10 points in a class with mean 62"]
    exact = 2 * stats.norm.sf(10 / np.sqrt(72))
    assert abs(share.value - exact) < 5 * np.sqrt(exact * (1 - exact) / share.draws)


@pytest.mark.parametrize(
    "answer, fragment",
    [
        (ability_and_luck(64.0, 36.0), "not variances"),
        (ability_and_luck(8.0, 10.0, centre=lambda mean, ability: mean), "with the luck's standard deviation"),
        (ability_and_luck(8.0, 6.0, centre=lambda mean, ability: mean), "not around the class mean."),
        (ability_and_luck(10.0, 6.0), "abilities spread by 8 points"),
        (ability_and_luck(8.0, 10.0), "luck of one test spreads by 6 points"),
        (ability_and_luck(8.0, 6.0, average=False), "return their average"),
        (ability_and_luck(8.0, 6.0, centre=lambda mean, ability: ability + 1.0), "return their average"),
    ],
)
def test_exercise_3_5_wrong_models_get_a_cross_and_the_likely_mistake(answer, fragment):
    assert_incorrect(check.exercise_3_5(answer), fragment)
