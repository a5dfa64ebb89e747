"""Chapter 3 checks: right answers pass, None is "not answered", usual mistakes fail with a hint.

The expected values here are written down independently of the check module (tables of the
normal distribution, scipy; the models' log densities by scipy), so a check that computed the
wrong target would fail these tests.
"""

import jax.numpy as jnp
import numpy as np
import pytest
from feedback_assertions import assert_correct, assert_incorrect, assert_unanswered
from genjax import gen, normal
from scipy import stats

from genjax_gmm.checks import chapter3 as check


@pytest.mark.parametrize(
    "exercise, right",
    [
        (check.exercise_3_1, 0.6247),
        (check.exercise_3_1, stats.norm.cdf(90, 75, 10) - stats.norm.cdf(70, 75, 10)),
        (check.exercise_3_1, stats.norm.cdf(1.5) - stats.norm.cdf(-0.5)),
        (check.exercise_3_2, 87.82),
        (check.exercise_3_2, stats.norm.ppf(0.9, 75, 10)),
        (check.exercise_3_4, 0.388),
        (check.exercise_3_4, 0.3883),
        (check.exercise_3_1, 0.624),  # truncated to 3 significant figures
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
        (check.exercise_3_1, 0.9332, "subtract P(X ≤ 70)"),  # P(X < 90) only
        (check.exercise_3_1, 0.0668, "one tail"),  # P(X > 90)
        (check.exercise_3_1, 0.6915, "leave out the scores above 90"),  # P(X > 70)
        (check.exercise_3_1, 0.2417, "z-score is negative"),  # Φ(1.5) − Φ(0.5)
        (check.exercise_3_1, 0.6827, "not centred on 75"),  # the one-σ interval 65–85
        (check.exercise_3_1, 0.68, "rule of thumb"),
        (check.exercise_3_1, stats.norm.cdf(90, 75, 100) - stats.norm.cdf(70, 75, 100), "not the variance"),
        (check.exercise_3_1, stats.norm.pdf(90, 75, 10) - stats.norm.pdf(70, 75, 10), "a probability is an area"),
        (check.exercise_3_1, 62.47, "not a percentage"),
        (check.exercise_3_1, 0.9545, "CDF at the upper end"),  # two standard deviations
        (check.exercise_3_1, "0.62-ish", "CDF at the upper end"),
        (check.exercise_3_2, 1.2816, "z-score"),
        (check.exercise_3_2, 76.28, "multiply the z-score by σ"),
        (check.exercise_3_2, 62.18, "10th percentile"),
        (check.exercise_3_2, 75 + 100 * stats.norm.ppf(0.9), "100 is the variance"),
        (check.exercise_3_2, stats.norm.ppf(0.95, 75, 10), "95th percentile"),
        (check.exercise_3_2, 85.0, "reads the CDF backwards"),
        (check.exercise_3_4, 1 / 2.3263, "two tails"),  # one-sided 99 %
        (check.exercise_3_4, 2.5758, "σ = 1 / z"),
        (check.exercise_3_4, 1 / 3, "99.7 %"),
        (check.exercise_3_4, 1 / 1.96, "95 %"),
        (check.exercise_3_4, 2.0, "in each tail"),
    ],
)
def test_usual_mistakes_fail_with_a_hint(exercise, wrong, hint_fragment):
    assert_incorrect(exercise(wrong), hint_fragment)


@pytest.mark.parametrize(
    "exercise, wrong, answer_fragments",
    [
        (check.exercise_3_1, 0.5, ["norm.cdf(90", "norm.cdf(b, 75, 10)", "0.6247"]),
        (check.exercise_3_2, 85.0, ["norm.ppf(0.9", "75 + 10", "87.8"]),
        (check.exercise_3_4, 2.0, ["1 / z", "99.5th", "0.388"]),
    ],
)
def test_the_generic_hints_do_not_write_out_the_answer(exercise, wrong, answer_fragments):
    feedback = exercise(wrong)
    assert_incorrect(feedback)
    assert not any(fragment in feedback.message for fragment in answer_fragments), feedback.message


@pytest.mark.parametrize(
    "exercise, rounded, figures",
    [(check.exercise_3_1, 0.6, "1 significant figure:"), (check.exercise_3_1, 0.62, "2 significant figures"),
     (check.exercise_3_2, 88, "2 significant figures"), (check.exercise_3_2, 87, "2 significant figures"),
     (check.exercise_3_4, 0.39, "2 significant figures"), (check.exercise_3_4, 0.38, "2 significant figures"),
     (check.exercise_3_4, 0.4, "1 significant figure:")],
)
def test_rounded_answers_are_told_so(exercise, rounded, figures):
    """Rounded or cut off (the prompt allows both) to fewer digits than asked."""
    feedback = exercise(rounded)
    assert_incorrect(feedback, "rounded copy")
    assert figures in feedback.message and "3 significant figures" in feedback.message


@pytest.mark.parametrize(
    "exercise, wrong",
    [(check.exercise_3_1, 0.7), (check.exercise_3_1, 0.63), (check.exercise_3_2, 89), (check.exercise_3_4, 0.5),
     (check.exercise_3_4, 0.37)],
)
def test_a_wrong_answer_is_never_told_it_is_merely_rounded(exercise, wrong):
    feedback = exercise(wrong)
    assert_incorrect(feedback)
    assert "rounded too much" not in feedback.message


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
        (score_model(lambda m, s: m + 1.0, lambda m, s: s), "the mean and standard deviation the model is given"),
        (score_model(lambda m, s: m, lambda m, s: s, returned=lambda x, m, s: x), "not the score itself"),
        (score_model(lambda m, s: m, lambda m, s: s, returned=lambda x, m, s: (x - m) / s**2), "not by the variance"),
        (score_model(lambda m, s: m, lambda m, s: s, returned=lambda x, m, s: (m - x) / s), "standard deviations the"),
        (score_without_return, "returns nothing"),
        (score_model(lambda m, s: m, lambda m, s: s, returned=lambda x, m, s: x - m / s), "Python divides before"),
        (score_model(lambda m, s: m, lambda m, s: s, returned=lambda x, m, s: (x - 75.0) / 10.0), "in the z-score too"),
        (score_model(lambda m, s: m, lambda m, s: jnp.asarray(10)), "write 500.0, not 500"),
        (score_model(lambda m, s: m, lambda m, s: s, returned=lambda x, m, s: jnp.int32(1)), "returns a whole number"),
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


def ability_and_luck(ability_sd, luck_sd, centre=lambda mean, ability: ability, average=True, total=False):
    @gen
    def model(mean):
        ability = normal(mean, ability_sd) @ "ability"
        first = normal(centre(mean, ability), luck_sd) @ "test_1"
        second = normal(centre(mean, ability), luck_sd) @ "test_2"
        if total:
            return first + second
        return (first + second) / 2 if average else first
    return model


@gen
def luck_at_the_addresses(mean):
    """The ability plus each test's luck, with the luck recorded at the test's address."""
    ability = normal(mean, 8.0) @ "ability"
    first = ability + normal(0.0, 6.0) @ "test_1"
    second = ability + normal(0.0, 6.0) @ "test_2"
    return (first + second) / 2


@gen
def mean_with_an_axis(mean):
    """jnp.mean(first, second) takes second for an axis."""
    ability = normal(mean, 8.0) @ "ability"
    first = normal(ability, 6.0) @ "test_1"
    second = normal(ability, 6.0) @ "test_2"
    return jnp.mean(first, second)


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
        (ability_and_luck(8.0, 6.0, average=False), "the two scores' average"),
        (ability_and_luck(8.0, 6.0, total=True), "returns the sum of the two scores"),
        (ability_and_luck(8.0, 6.0, centre=lambda mean, ability: ability + 1.0), "the two scores' average"),
        (ability_and_luck(8, 6.0), "write 500.0, not 500"),
        (luck_at_the_addresses, "not the luck around 0"),
        (mean_with_an_axis, "jnp.mean(a, b) averages a along the axis b"),
    ],
)
def test_exercise_3_5_wrong_models_get_a_cross_and_the_likely_mistake(answer, fragment):
    assert_incorrect(check.exercise_3_5(answer), fragment)
