"""Checks for Chapter 3, Gaussian distributions.

Each check computes its expected answer from the exercise's own numbers with the standard
library's ``statistics.NormalDist`` (exact CDF and inverse CDF), independently of the JAX code
the notebook uses, and recognises the usual mistakes to give a targeted hint.

* 3.1: P(70 < X < 90) for test scores X ~ N(75, 10²), = Φ(1.5) − Φ(−0.5) ≈ 0.6247 (an interval
  that is not centred on the mean, so the 68–95–99.7 rule does not answer it).
* 3.2: the 90th percentile of the scores, μ + σ Φ⁻¹(0.9) ≈ 87.82.
* 3.3: a generative function ``test_score(mean, sd)`` for one score, N(mean, sd²) at
  ``"score"``, returning its z-score (score − mean)/sd; checked by behaviour
  (``checks.behaviour.ModelCheck``) with means and standard deviations the notebook never
  uses: exact log densities and return values, simulated mean score.
* 3.4: the largest σ that keeps 99 % of tonkatsu bentos within ±1 g of 500 g,
  σ = 1 / Φ⁻¹(0.995) ≈ 0.388 g.
* 3.5: a generative function ``two_tests(mean)``: a student's ability ~ N(mean, 8²) at
  ``"ability"``, then two test scores ~ N(ability, 6²) at ``"test_1"`` and ``"test_2"``,
  returning their average; each score alone is N(mean, 10²) (variances add, 8² + 6² = 10²).
  Checked by behaviour: exact log densities and return values, the simulated mean average and
  share of students whose two scores differ by more than 10 points (2·(1 − Φ(10/√72)) ≈ 0.24).

3.1, 3.2 and 3.4 ask for 3 significant figures (``SIGNIFICANT_FIGURES``), rounded or cut off.
"""

from __future__ import annotations

from statistics import NormalDist

from genjax import gen, normal

from . import Feedback, check_number
from .behaviour import Mistake, ModelCheck

__all__ = [
    "SIGNIFICANT_FIGURES",
    "ABILITY_SD",
    "LUCK_SD",
    "exercise_3_1",
    "exercise_3_2",
    "exercise_3_3",
    "exercise_3_4",
    "exercise_3_5",
]

SIGNIFICANT_FIGURES = 3
"""Exercises 3.1, 3.2 and 3.4: answers pass to this many significant figures."""

TEST_SCORES = NormalDist(mu=75.0, sigma=10.0)
SCORE_INTERVAL = (70.0, 90.0)
SCORE_PERCENTILE = 0.90
ABILITY_SD = 8.0
"""Exercise 3.5: the spread of the students' abilities (points)."""
LUCK_SD = 6.0
"""Exercise 3.5: the spread of one test's luck around a student's ability (points)."""

TOLERANCE_GRAMS = 1.0
TOLERANCE_COVERAGE = 0.99
STANDARD_NORMAL = NormalDist()


def exercise_3_1(probability) -> Feedback:
    """P(70 < X < 90) for X ~ N(75, 10²): F(90) − F(70) = Φ(1.5) − Φ(−0.5)."""
    low, high = SCORE_INTERVAL
    mu, sigma = TEST_SCORES.mean, TEST_SCORES.stdev
    expected = TEST_SCORES.cdf(high) - TEST_SCORES.cdf(low)
    with_variance = NormalDist(mu, sigma**2)
    one_sigma = "the share within one standard deviation of the mean, 65 to 85; this interval is not centred on 75."
    densities = TEST_SCORES.pdf(high) - TEST_SCORES.pdf(low)
    density_hint = "norm.pdf gives the density, a height per point; a probability is an area: use the CDF."
    mistakes = {
        TEST_SCORES.cdf(high): f"that is P(X < {high:g}); subtract P(X ≤ {low:g}), the part below the interval.",
        1 - TEST_SCORES.cdf(high): (
            f"that is P(X > {high:g}), one tail; you want the area between {low:g} and {high:g}."
        ),
        1 - TEST_SCORES.cdf(low): f"that is P(X > {low:g}); leave out the scores above {high:g}.",
        TEST_SCORES.cdf(high) - TEST_SCORES.cdf(2 * mu - low): (
            f"{low:g} lies below the mean, so its z-score is negative: mind the sign of (x − μ)/σ."
        ),
        STANDARD_NORMAL.cdf(1) - STANDARD_NORMAL.cdf(-1): "that is " + one_sigma,
        0.68: "0.68 is the rule of thumb for " + one_sigma,
        with_variance.cdf(high) - with_variance.cdf(low): (
            "norm.cdf's third argument is the standard deviation σ = 10, not the variance σ² = 100."
        ),
        densities: density_hint,
        -densities: density_hint,
        100 * expected: "give a probability, a number between 0 and 1, not a percentage.",
    }
    hint = (
        "a probability of an interval is the area under the density between its ends: the CDF at the upper "
        "end minus the CDF at the lower end. norm.cdf takes the score, the mean and the standard deviation "
        "(not the variance)."
    )
    return check_number(
        "3.1",
        probability,
        expected,
        significant_figures=SIGNIFICANT_FIGURES,
        truncation=True,
        mistakes=mistakes,
        hint=hint,
        what="a probability",
    )


def exercise_3_2(percentile) -> Feedback:
    """The 90th percentile of N(75, 10²): the score x with F(x) = 0.9, x = μ + σ Φ⁻¹(0.9)."""
    expected = TEST_SCORES.inv_cdf(SCORE_PERCENTILE)
    z = STANDARD_NORMAL.inv_cdf(SCORE_PERCENTILE)
    mistakes = {
        z: "that is the z-score of the 90th percentile; convert it back to a score, x = μ + σ z.",
        TEST_SCORES.mean + z: "multiply the z-score by σ = 10 before adding the mean.",
        TEST_SCORES.inv_cdf(1 - SCORE_PERCENTILE): "that is the 10th percentile: 90 % of scores lie below the 90th.",
        TEST_SCORES.mean + TEST_SCORES.variance * z: (
            "the spread of N(75, 10²) is the standard deviation σ = 10; 10² = 100 is the variance."
        ),
        TEST_SCORES.inv_cdf(0.95): "that is the 95th percentile; the top 10 % begin at the 90th.",
    }
    hint = (
        "a percentile reads the CDF backwards: the score below which 90 % of scores fall. norm.ppf inverts "
        "norm.cdf (with the mean and the standard deviation as its other arguments); or find the standard "
        "normal's z first and turn it into a score."
    )
    return check_number(
        "3.2",
        percentile,
        expected,
        significant_figures=SIGNIFICANT_FIGURES,
        truncation=True,
        mistakes=mistakes,
        hint=hint,
        what="a test score",
    )


def exercise_3_4(max_sigma) -> Feedback:
    """The largest σ with P(|X − 500| ≤ 1) = 0.99 for X ~ N(500, σ²): σ = 1 / Φ⁻¹(0.995)."""
    tail = (1 - TOLERANCE_COVERAGE) / 2
    z = STANDARD_NORMAL.inv_cdf(1 - tail)
    expected = TOLERANCE_GRAMS / z
    mistakes = {
        TOLERANCE_GRAMS / STANDARD_NORMAL.inv_cdf(TOLERANCE_COVERAGE): (
            "the 1 % outside ±1 g is split between two tails, 0.5 % each: use the 99.5th percentile."
        ),
        z: "that is the z-value; the tolerance of 1 g must equal z·σ, so σ = 1 / z.",
        TOLERANCE_GRAMS / 3: "±3σ covers 99.7 %, more than the 99 % asked for; find the exact z.",
        TOLERANCE_GRAMS / STANDARD_NORMAL.inv_cdf(0.975): "±1.96σ covers 95 %; you need 99 %.",
    }
    hint = (
        "think in z-scores: ±1 g must be ±z standard deviations, with z such that 99 % of the standard normal "
        "lies between −z and z. How much does that leave in each tail?"
    )
    return check_number(
        "3.4",
        max_sigma,
        expected,
        significant_figures=SIGNIFICANT_FIGURES,
        truncation=True,
        mistakes=mistakes,
        hint=hint,
        what="a standard deviation in grams",
    )


# ---------------------------------------------------------------------------------------------
# Exercise 3.3: one test score as a generative function


def _z_score(score, mean, sd):
    return (score - mean) / sd


def _score_model(location, scale, returned=_z_score):
    """``@gen`` model: score ~ N(location(mean, sd), scale(mean, sd)²) at "score"; returns
    ``returned(score, mean, sd)``, the z-score."""

    @gen
    def test_score(mean, sd):
        score = normal(location(mean, sd), scale(mean, sd)) @ "score"
        return returned(score, mean, sd)

    return test_score


_TEST_SCORE = _score_model(lambda mean, sd: mean, lambda mean, sd: sd)


def _describe_score(choices) -> str:
    return f"a score of {float(choices['score']):.2f}"


def _describe_mean_and_sd(arguments) -> str:
    mean, sd = arguments
    return f"with mean {mean:g} and standard deviation {sd:g}"


_SCORE_CHECK = ModelCheck(
    exercise="3.3",
    reference=_TEST_SCORE,
    addresses=("score",),
    arguments=((60.0, 15.0), (82.5, 4.0)),  # the notebook's test has mean 75 and sd 10
    statistics={"the mean score": lambda choices, z: choices["score"]},
    num_assessed=4,
    extra_choices=[{"score": 100.0}],
    describe_choices=_describe_score,
    describe_arguments=_describe_mean_and_sd,
    mistakes=[
        Mistake(
            _score_model(lambda mean, sd: mean, lambda mean, sd: sd**2),
            "normal(mean, sd) takes the standard deviation, not the variance sd².",
        ),
        Mistake(
            _score_model(lambda mean, sd: sd, lambda mean, sd: mean),
            "normal takes the mean first, then the standard deviation.",
        ),
        Mistake(
            _score_model(lambda mean, sd: TEST_SCORES.mean, lambda mean, sd: TEST_SCORES.stdev),
            "use the arguments mean and sd, not 75 and 10: the check tries other tests.",
        ),
        Mistake(
            _score_model(lambda mean, sd: mean, lambda mean, sd: sd, lambda score, mean, sd: score),
            "return the z-score, (score - mean) / sd, not the score itself.",
        ),
        Mistake(
            _score_model(lambda mean, sd: mean, lambda mean, sd: sd, lambda score, mean, sd: (score - mean) / sd**2),
            "the z-score divides by the standard deviation sd, not by the variance sd².",
        ),
        Mistake(
            _score_model(lambda mean, sd: mean, lambda mean, sd: sd, lambda score, mean, sd: score - mean / sd),
            "Python divides before it subtracts: score - mean / sd is score - (mean / sd). Put the "
            "difference in parentheses.",
        ),
        Mistake(
            _score_model(
                lambda mean, sd: mean, lambda mean, sd: sd,
                lambda score, mean, sd: (score - TEST_SCORES.mean) / TEST_SCORES.stdev,
            ),
            "use the arguments mean and sd in the z-score too, not 75 and 10: the check tries other tests.",
        ),
    ],
    signature="test_score(mean, sd)",
    hint=(
        'record the draw at "score", with the mean and standard deviation the model is given (normal takes '
        "σ, not σ²), and return how many standard deviations the score lies from the mean (Section 3)."
    ),
    returns="the z-score, a number with decimals",
    success=(
        "Your model gave the hidden scores the density of N(mean, sd²) and returned their z-scores, and its "
        "simulated scores agree with the story's."
    ),
)


def exercise_3_3(test_score) -> Feedback:
    """One test score as a generative function ``test_score(mean, sd)``, checked by behaviour."""
    return _SCORE_CHECK(test_score)


# ---------------------------------------------------------------------------------------------
# Exercise 3.5: ability and luck, two tests


def _two_tests_model(ability_sd, luck_sd, around_ability=True, average=True):
    """``@gen`` model: ability ~ N(mean, ability_sd²); two scores ~ N(ability, luck_sd²) (or, when
    ``around_ability`` is false, around the class mean); returns their average (their sum when
    ``average`` is false)."""

    @gen
    def two_tests(mean):
        ability = normal(mean, ability_sd) @ "ability"
        centre = ability if around_ability else mean
        test_1 = normal(centre, luck_sd) @ "test_1"
        test_2 = normal(centre, luck_sd) @ "test_2"
        return (test_1 + test_2) / 2 if average else test_1 + test_2

    return two_tests


@gen
def _luck_at_the_addresses(mean):
    """The story with each test's luck, N(0, 6²), recorded at "test_1" and "test_2" and added to
    the ability afterwards: it returns the average score but records the luck."""
    ability = normal(mean, ABILITY_SD) @ "ability"
    luck_1 = normal(0.0, LUCK_SD) @ "test_1"
    luck_2 = normal(0.0, LUCK_SD) @ "test_2"
    return ((ability + luck_1) + (ability + luck_2)) / 2


_TWO_TESTS = _two_tests_model(ABILITY_SD, LUCK_SD)
_FAR_APART_POINTS = 10.0


def _describe_student(choices) -> str:
    return (
        f"ability {float(choices['ability']):.1f}, scores {float(choices['test_1']):.1f} "
        f"and {float(choices['test_2']):.1f}"
    )


_TWO_TESTS_CHECK = ModelCheck(
    exercise="3.5",
    reference=_TWO_TESTS,
    addresses=("ability", "test_1", "test_2"),
    arguments=((62.0,), (81.0,)),  # the notebook's class has mean 75
    statistics={
        "the mean of the average score": lambda choices, average: average,
        "the share of students whose two scores differ by more than 10 points": (
            lambda choices, average: abs(choices["test_1"] - choices["test_2"]) > _FAR_APART_POINTS
        ),
    },
    num_assessed=6,
    describe_choices=_describe_student,
    describe_arguments=lambda arguments: f"in a class with mean {arguments[0]:g}",
    mistakes=[
        Mistake(
            _two_tests_model(ABILITY_SD**2, LUCK_SD**2),
            "normal takes standard deviations (8 and 6 points), not variances.",
        ),
        Mistake(
            _two_tests_model(ABILITY_SD, TEST_SCORES.stdev, around_ability=False),
            "each score is the student's ability plus luck: draw it around ability, not around the class "
            "mean, with the luck's standard deviation.",
        ),
        Mistake(
            _two_tests_model(ABILITY_SD, LUCK_SD, around_ability=False),
            "each score is the student's ability plus luck: draw it around ability, not around the class mean.",
        ),
        Mistake(
            _two_tests_model(TEST_SCORES.stdev, LUCK_SD),
            "the abilities spread by 8 points, not 10: 10 is the spread of one score, ability and luck "
            "together (8² + 6² = 10²).",
        ),
        Mistake(
            _two_tests_model(ABILITY_SD, TEST_SCORES.stdev),
            "the luck of one test spreads by 6 points, not 10: 10 is the spread of one score, ability and "
            "luck together (8² + 6² = 10²).",
        ),
        Mistake(
            _two_tests_model(ABILITY_SD, LUCK_SD, average=False),
            "your model returns the sum of the two scores; return their average (the sum divided by 2).",
        ),
        Mistake(
            _luck_at_the_addresses,
            'an address records the value drawn there, and "test_1" and "test_2" are the scores themselves: '
            "draw each score with normal around the ability, not the luck around 0 added afterwards.",
        ),
    ],
    signature="two_tests(mean)",
    hint=(
        'each address records the value drawn there: the student\'s ability at "ability", and each test\'s '
        'score (not its luck) at "test_1" and "test_2". A score varies around the ability by the luck\'s '
        "spread; normal takes standard deviations, not variances; the model returns the two scores' average."
    ),
    returns="the average of the two scores, a number with decimals",
    success=(
        "Your model gave the hidden students the story's density, and its simulated scores agree with the "
        "story's."
    ),
)


def exercise_3_5(two_tests) -> Feedback:
    """Ability and luck: ``two_tests(mean)``, checked by behaviour."""
    return _TWO_TESTS_CHECK(two_tests)
