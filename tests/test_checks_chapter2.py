"""Chapter 2 checks: right answers pass, None is "not answered", usual mistakes fail with a hint.

The expected values are written down here independently of the check module (by hand for
the uniform waiting time, by numerical integration and a NumPy simulation for the wait from
12:20 and the two arrivals, the model's densities by hand), so a check that computed the wrong
target would fail these tests.
"""

import math

import jax.numpy as jnp
import numpy as np
import pytest
from feedback_assertions import assert_correct, assert_incorrect, assert_unanswered
from genjax import gen, normal, uniform

from genjax_gmm.checks import chapter2 as check

ALL_EXERCISES = [check.exercise_2_1, check.exercise_2_2, check.exercise_2_3, check.exercise_2_4, check.exercise_2_5,
                 check.exercise_2_6]


@pytest.mark.parametrize(
    "exercise, right",
    [
        (check.exercise_2_1, 1 / 30),
        (check.exercise_2_1, 0.03333),
        (check.exercise_2_2, 1 / 3),
        (check.exercise_2_2, 0.333),
        (check.exercise_2_2, 0.3334),
        (check.exercise_2_2, np.float32(1 / 3)),
        (check.exercise_2_3, 5 / 3),
        (check.exercise_2_3, 1.67),
        (check.exercise_2_3, 1.66),  # cut off after 3 significant figures, as the prompt allows
        (check.exercise_2_3, np.array(1.667)),
        (check.exercise_2_5, 0.56),
        (check.exercise_2_5, 5 / 9),
        (check.exercise_2_5, jnp.asarray(0.5548)),  # a jnp.mean(...) of 100,000 simulated Saturdays
        (check.exercise_2_6, "b"),
        (check.exercise_2_6, " B "),
        (check.exercise_2_6, "(b)"),
    ],
)
def test_right_answers_pass(exercise, right):
    assert_correct(exercise(right))


def test_the_wait_from_12_20_is_the_integral_of_the_wait_against_the_density():
    """E[max(D − 20, 0)] for D ~ Uniform(0, 30), by the trapezoid rule and by simulation."""
    minutes = np.linspace(0.0, 30.0, 300_001)
    integral = np.trapezoid(np.maximum(minutes - 20.0, 0.0) / 30.0, minutes)
    assert integral == pytest.approx(5 / 3, rel=1e-8)
    waits = np.maximum(np.random.default_rng(5).uniform(0.0, 30.0, 1_000_000) - 20.0, 0.0)
    assert abs(waits.mean() - 5 / 3) < 4 * waits.std() / 1_000
    assert_correct(check.exercise_2_3(integral))
    assert_correct(check.exercise_2_3(waits.mean()))


def test_simulated_estimate_passes():
    """An honest estimate from 100,000 draws lands well within the tolerance."""
    rng = np.random.default_rng(2)
    a, b = rng.uniform(0, 30, size=(2, 100_000))
    assert_correct(check.exercise_2_5(np.mean(np.abs(a - b) <= 10)))


def test_estimate_tolerance_is_four_standard_errors_at_10000_draws():
    p = 5 / 9
    standard_error = np.sqrt(p * (1 - p) / 10_000)
    assert_correct(check.exercise_2_5(p + 3.9 * standard_error))
    assert_correct(check.exercise_2_5(p - 3.9 * standard_error))
    assert not check.exercise_2_5(p + 4.1 * standard_error)
    assert not check.exercise_2_5(p - 4.1 * standard_error)


@pytest.mark.parametrize("exercise", ALL_EXERCISES)
def test_none_is_not_answered(exercise):
    assert_unanswered(exercise(None))


@pytest.mark.parametrize(
    "exercise, wrong, hint_fragment",
    [
        (check.exercise_2_1, 30, "width of the window"),
        (check.exercise_2_1, 2, "per hour"),
        (check.exercise_2_1, 1, "not a probability"),
        (check.exercise_2_1, 0.05, "1/(b − a)"),  # the coffee's density, not the delivery's
        (check.exercise_2_1, "one thirtieth", "give a single number"),  # words: a type hint
        (check.exercise_2_2, 2 / 3, "1 − F(20)"),
        (check.exercise_2_2, 1 / 30, "density"),
        (check.exercise_2_2, 10, "width of the interval"),
        (check.exercise_2_2, 100 / 3, "not a percentage"),
        (check.exercise_2_2, 0, "P(D = 20) is 0"),
        (check.exercise_2_2, 0.5, "12:20 and 12:30"),
        (check.exercise_2_3, 5 / 3 / 60, "in hours"),
        (check.exercise_2_3, 5, "on the others the wait is 0"),  # the wait on late Saturdays only
        (check.exercise_2_3, 15, "E[D]"),
        (check.exercise_2_3, -5, "never negative"),
        (check.exercise_2_3, 10, "longest possible wait"),
        (check.exercise_2_3, 50, "without the density"),
        (check.exercise_2_3, 25, "average arrival time"),
        (check.exercise_2_3, 3, "∫ wait(t) f(t) dt"),
        (check.exercise_2_5, 4 / 9, "MORE than 10 minutes"),
        (check.exercise_2_5, 0.45, "MORE than 10 minutes"),  # a simulation of the complement
        (check.exercise_2_5, 1 / 3, "always arrived at 12:00"),
        (check.exercise_2_5, 2 / 3, "12:15"),
        (check.exercise_2_5, 55.5, "not a percentage"),
        (check.exercise_2_5, 0.75, "average of an indicator"),
        (check.exercise_2_5, 0.52, "average of an indicator"),  # 1.8 tolerances low
        (check.exercise_2_6, "a", "probability 0 cannot mean impossible"),
        (check.exercise_2_6, "a", "outside the support"),
        (check.exercise_2_6, "c", "2 per gram, not 1"),
        (check.exercise_2_6, "d", "positive width"),
        (check.exercise_2_6, "e", "one of the letters"),
        (check.exercise_2_6, True, "one of the letters"),
    ],
)
def test_typical_mistakes_get_a_hint(exercise, wrong, hint_fragment):
    assert_incorrect(exercise(wrong), hint_fragment)


@pytest.mark.parametrize(
    "exercise, rounded",
    [
        (check.exercise_2_1, 0.033),  # 1/30 to 2 significant figures
        (check.exercise_2_1, 0.03),
        (check.exercise_2_2, 0.33),
        (check.exercise_2_2, 0.3),
        (check.exercise_2_3, 1.7),  # 5/3 rounded
        (check.exercise_2_3, 1.6),  # 5/3 cut off, which the prompt allows
        (check.exercise_2_5, 0.6),  # 5/9 to 1 decimal: outside the 4-standard-error band
        (check.exercise_2_5, 0.5),  # a correct estimate such as 0.5487 rounded to 1 decimal
    ],
)
def test_a_rounded_answer_is_told_it_is_rounded_not_sent_back_to_the_method(exercise, rounded):
    feedback = exercise(rounded)
    assert_incorrect(feedback, "rounded copy")
    assert "rounded too much" in feedback.message and "1/(b − a)" not in feedback.message


@pytest.mark.parametrize(
    "exercise, wrong",
    [(check.exercise_2_2, 0.4), (check.exercise_2_2, 0.34), (check.exercise_2_1, 0.04), (check.exercise_2_3, 1.8),
     (check.exercise_2_5, 0.4), (check.exercise_2_5, 0.7)],
)
def test_a_wrong_answer_is_never_told_it_is_merely_rounded(exercise, wrong):
    """1/3 rounds to 0.3 and 0.33, not 0.4 or 0.34. A correct estimate of 5/9 from 10,000 draws
    lies within 0.02 of it, so it rounds to 0.5 or 0.6, never to 0.4 or 0.7."""
    feedback = exercise(wrong)
    assert_incorrect(feedback)
    assert "rounded too much" not in feedback.message


@pytest.mark.parametrize("exercise", [check.exercise_2_1, check.exercise_2_2, check.exercise_2_3])
@pytest.mark.parametrize("answer", [np.array([1 / 30]), [1 / 3], "5/3"], ids=["array of one", "list", "string"])
def test_a_wrong_type_gets_a_type_hint_not_the_method(exercise, answer):
    feedback = exercise(answer)
    assert_incorrect(feedback, "give a single number")
    assert "1/(b − a)" not in feedback.message and "F(20)" not in feedback.message


@pytest.mark.parametrize("exercise", ALL_EXERCISES[:5])
def test_non_numbers_and_nan_are_incorrect_not_errors(exercise):
    for bad in ("a lot", float("nan"), [1.0, 2.0]):
        feedback = exercise(bad)
        assert feedback.status == "incorrect", (bad, feedback)


# ---------------------------------------------------------------------------------------------
# Exercise 2.4: the two deliveries as a generative function


@gen
def two_deliveries(window):
    """The prompt's model, as a student might write it."""
    a = uniform(0.0, window) @ "tonkatsu"
    b = uniform(0.0, window) @ "hamburger"
    return jnp.maximum(a, b) - jnp.minimum(a, b)


def deliveries(high, gap=jnp.abs, second="hamburger"):
    @gen
    def model(window):
        a = uniform(0.0, high(window)) @ "tonkatsu"
        b = uniform(0.0, high(window)) @ second
        return gap(a - b)
    return model


@gen
def whole_number_start(window):
    """The prompt's model with the start of the window written as an integer, uniform(0, window)."""
    a = uniform(0, window) @ "tonkatsu"
    b = uniform(0, window) @ "hamburger"
    return jnp.abs(a - b)


@gen
def dependent(window):
    a = uniform(0.0, window) @ "tonkatsu"
    b = normal(a, 5.0) @ "hamburger"
    return jnp.abs(a - b)


def test_exercise_2_4_the_prompts_model_passes():
    assert_correct(check.exercise_2_4(two_deliveries))


def test_exercise_2_4_log_densities_are_two_uniform_densities_and_zero_outside():
    behaviour = check._DELIVERIES_CHECK.reference_behaviour()
    for label, quantity in behaviour.items():
        if not label.startswith("log p("):
            continue
        window = 45.0 if "45-minute" in label else 20.0
        a = float(label.split("tonkatsu after ")[1].split(" min")[0])
        b = float(label.split("hamburger after ")[1].split(" min")[0])
        inside = max(a, b) <= window  # up to the 0.1 min the label rounds to
        if inside and max(a, b) < window - 0.1:
            assert quantity.value == pytest.approx(-2 * math.log(window), rel=1e-12), label
        elif not inside:
            assert quantity.value == -math.inf, label


@pytest.mark.parametrize(
    "answer, fragment",
    [
        (deliveries(lambda window: 30.0), "not a fixed 30 minutes"),
        (deliveries(lambda window: window / 60), "not in hours"),
        (deliveries(lambda window: window, gap=lambda d: d), "never negative"),
        (deliveries(lambda window: window, second="hamburgers"), "missing 'hamburger'"),
        (deliveries(lambda window: 2 * window), "uniform between 0 and window"),
        (dependent, "drawn independently"),
        (whole_number_start, "write 500.0, not 500"),
        (lambda window: window, "put @gen"),
        (0.5548, "expected a generative function"),
    ],
)
def test_exercise_2_4_wrong_models_get_a_cross_and_the_likely_mistake(answer, fragment):
    assert_incorrect(check.exercise_2_4(answer), fragment)
