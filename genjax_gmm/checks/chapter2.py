"""Checks for Chapter 2, continuous probability.

The bento delivery arrives at a time uniform between 12:00 and 12:30, so Chibany's wait D
(minutes after 12:00) is Uniform(0, 30), with density f(d) = 1/30 and CDF F(d) = d/30 on
[0, 30]:

* 2.1: the density of D, 1/30 per minute;
* 2.2: P(D > 20) = 1 − F(20) = 1/3;
* 2.3: Chibany comes down at 12:20 and waits only if the bento has not come yet: the expected
  wait E[max(D − 20, 0)] = ∫ max(t − 20, 0) f(t) dt = ∫₂₀³⁰ (t − 20)/30 dt = 10²/(2·30) = 5/3
  minutes (the expectation of a function of D, a step the chapter's text does not take);
* 2.4: the two deliveries as a generative function ``two_deliveries(window)``: two bentos from
  two shops arrive independently, each Uniform(0, window) minutes after 12:00, at the addresses
  ``"tonkatsu"`` and ``"hamburger"``; it returns the gap |A − B| in minutes. Checked by
  behaviour (``checks.behaviour.ModelCheck``) with windows the notebook never uses (45 and
  20 minutes): exact log densities (−2 log window inside the square, −∞ outside) and return
  values, the simulated mean gap (window/3) and share of gaps within 10 minutes;
* 2.5: the probability that they arrive within 10 minutes of each other for a 30-minute
  window, 1 − (20/30)² = 5/9, estimated by simulation (checked to within four standard
  errors of an estimate from 10,000 draws);
* 2.6: "probability zero is not impossible", a multiple-choice question about the kitchen
  scale's rounding error E ~ Uniform(−0.25, 0.25) g.

2.1–2.3 ask for 3 significant figures (``SIGNIFICANT_FIGURES``; the prompt accepts an answer
within one unit of the third, so rounded or cut off), 2.5 for an estimate kept to at least 2
decimals.

Every expected value is computed here from the problem's numbers, independently of the
notebook. A wrong answer that matches a common mistake gets a hint about that mistake.
"""

from __future__ import annotations

import math

import jax.numpy as jnp
from genjax import gen, uniform

from . import Feedback, check_choice, check_number, incorrect, not_one_number, read_number, rounded_estimate
from .behaviour import Mistake, ModelCheck

__all__ = [
    "DELIVERY_WINDOW_MINUTES",
    "LONG_WAIT_MINUTES",
    "TOGETHER_MINUTES",
    "MIN_SIMULATED_DRAWS",
    "SIGNIFICANT_FIGURES",
    "ESTIMATE_DECIMALS",
    "ZERO_PROBABILITY_OPTIONS",
    "exercise_2_1",
    "exercise_2_2",
    "exercise_2_3",
    "exercise_2_4",
    "exercise_2_5",
    "exercise_2_6",
]

DELIVERY_WINDOW_MINUTES = 30.0
"""The delivery arrives uniformly within this many minutes after 12:00."""
LONG_WAIT_MINUTES = 20.0
"""Exercise 2.2 asks for the probability of a wait longer than this; in Exercise 2.3 Chibany
comes down this many minutes after 12:00."""
TOGETHER_MINUTES = 10.0
"""Exercise 2.5: two bentos arrive "together" when at most this many minutes apart."""
MIN_SIMULATED_DRAWS = 10_000
"""Exercise 2.5 accepts an estimate within four standard errors of one from this many draws."""

ZERO_PROBABILITY_OPTIONS = ("a", "b", "c", "d")
"""Exercise 2.6, with E ~ Uniform(−0.25, 0.25) g the kitchen scale's rounding error (density 2
per gram):

(a) an error of exactly 0.1 g is impossible, just as one of 0.3 g is, because P(E = 0.1) = 0;
(b) P(E = 0.1) = 0, yet an error of 0.1 g is possible, while one of 0.3 g is not: probability
    zero is not the same as impossible;
(c) P(0.1 < E < 0.2) = 0.1, the width of the interval (it is 2 × 0.1 = 0.2);
(d) P(E = 0.1) = 0, so P(0.09 < E < 0.11) = 0 as well (it is 2 × 0.02 = 0.04).
"""

SIGNIFICANT_FIGURES = 3
"""Exercises 2.1–2.3: exact answers pass to this many significant figures (1/3 as 0.333)."""
ESTIMATE_DECIMALS = 2
"""Exercise 2.5: keep at least this many decimals of the estimate."""


def _wait_density() -> float:
    """f(d) = 1 / (b − a) for D ~ Uniform(a, b), here a = 0 and b = 30 minutes."""
    return 1 / DELIVERY_WINDOW_MINUTES


def exercise_2_1(density) -> Feedback:
    """The density of the wait D ~ Uniform(0, 30) minutes: 1/30 per minute."""
    expected = _wait_density()
    mistakes = {
        DELIVERY_WINDOW_MINUTES: "30 minutes is the width of the window; the density is one over it, "
        "so that the area under it, width × height, is 1.",
        60 / DELIVERY_WINDOW_MINUTES: "that is the density per hour (the window is half an hour); "
        "the question asks per minute.",
        1.0: "a density is not a probability: it is probability per minute, and the 30 minutes "
        "together must hold probability 1.",
    }
    hint = "a uniform density on [a, b] is the constant 1/(b − a), so that the total area is 1."
    if (feedback := not_one_number("2.1", density, "a density (per minute)")) is not None:
        return feedback
    return check_number(
        "2.1",
        density,
        expected,
        significant_figures=SIGNIFICANT_FIGURES,
        truncation=True,
        mistakes=mistakes,
        hint=hint,
        what="a density (per minute)",
    )


def exercise_2_2(probability) -> Feedback:
    """P(D > 20) = 1 − F(20) = 1 − 20/30 = 1/3 for D ~ Uniform(0, 30)."""
    cdf_at_threshold = LONG_WAIT_MINUTES * _wait_density()
    expected = 1 - cdf_at_threshold
    mistakes = {
        cdf_at_threshold: "that is P(D ≤ 20) = F(20); a wait longer than 20 minutes is the rest, 1 − F(20).",
        _wait_density(): "1/30 is the density, probability per minute; multiply it by the 10 minutes "
        "from 20 to 30.",
        DELIVERY_WINDOW_MINUTES - LONG_WAIT_MINUTES: "10 minutes is the width of the interval; "
        "multiply it by the density to get a probability.",
        100 * expected: "give a probability between 0 and 1, not a percentage.",
        0.0: "P(D = 20) is 0, but a wait longer than 20 minutes is a whole interval, 20 to 30.",
    }
    hint = (
        "the wait is longer than 20 minutes when the bento comes between 12:20 and 12:30; "
        "use P(D > 20) = 1 − F(20) with F(d) = d/30."
    )
    if (feedback := not_one_number("2.2", probability, "a probability")) is not None:
        return feedback
    return check_number(
        "2.2",
        probability,
        expected,
        significant_figures=SIGNIFICANT_FIGURES,
        truncation=True,
        mistakes=mistakes,
        hint=hint,
        what="a probability",
    )


def exercise_2_3(expected_wait) -> Feedback:
    """Chibany comes down at 12:20 (``LONG_WAIT_MINUTES``) and waits max(D − 20, 0) minutes:
    E[max(D − 20, 0)] = ∫₂₀³⁰ (t − 20) f(t) dt = (30 − 20)² / (2·30) = 5/3 minutes."""
    late = DELIVERY_WINDOW_MINUTES - LONG_WAIT_MINUTES  # the 10 minutes after 12:20
    expected = late**2 / 2 * _wait_density()
    mistakes = {
        late / 2: (
            "that is the average wait on the Saturdays the bento has not come by 12:20; on the others the "
            "wait is 0, and they count too."
        ),
        DELIVERY_WINDOW_MINUTES / 2: (
            "that is E[D], the expected arrival time after 12:00; Chibany comes down at 12:20."
        ),
        DELIVERY_WINDOW_MINUTES / 2 - LONG_WAIT_MINUTES: (
            "a wait is never negative: when the bento came before 12:20, Chibany waits 0 minutes."
        ),
        late: "10 minutes is the longest possible wait, not the average one.",
        late**2 / 2: "that is ∫ (t − 20) dt without the density: weight each wait by f(t) = 1/30 per minute.",
        LONG_WAIT_MINUTES + late / 2: (
            "that is the average arrival time on the Saturdays it comes after 12:20; the wait counts from 12:20, "
            "and it is 0 on the Saturdays the bento came earlier."
        ),
        expected / 60: "that is in hours; give the expected wait in minutes.",
    }
    hint = (
        "the wait is a function of D: 0 when the bento comes before 12:20, D − 20 after. Its expected value "
        "weights every wait by the density, ∫ wait(t) f(t) dt; split the integral at 20, or check your "
        "answer by simulating many Saturdays."
    )
    if (feedback := not_one_number("2.3", expected_wait, "a waiting time in minutes")) is not None:
        return feedback
    return check_number(
        "2.3",
        expected_wait,
        expected,
        significant_figures=SIGNIFICANT_FIGURES,
        truncation=True,
        mistakes=mistakes,
        hint=hint,
        what="a waiting time in minutes",
    )


def exercise_2_5(probability_estimate) -> Feedback:
    """A simulation estimate of P(|A − B| ≤ 10) for independent A, B ~ Uniform(0, 30).

    Exact value: the pairs (A, B) fill a 30 × 30 square uniformly; the two corner triangles
    where |A − B| > 10 have legs of 20, so P = 1 − (20/30)² = 5/9. The estimate passes when
    it lies within 4 standard errors, 4·√(p(1 − p)/n), of 5/9 for n = 10,000 draws.
    """
    apart_fraction = (DELIVERY_WINDOW_MINUTES - TOGETHER_MINUTES) / DELIVERY_WINDOW_MINUTES
    expected = 1 - apart_fraction**2
    tolerance = 4 * math.sqrt(expected * (1 - expected) / MIN_SIMULATED_DRAWS)
    one_fixed = TOGETHER_MINUTES / DELIVERY_WINDOW_MINUTES
    mistakes = {
        apart_fraction**2: "that is the probability they arrive MORE than 10 minutes apart; "
        "count the draws with |A − B| ≤ 10.",
        one_fixed: "10/30 would be right if one bento always arrived at 12:00 (or always at 12:30) and "
        "only the other's time were random; here both arrival times are random.",
        2 * one_fixed: "20/30 would be right if one bento always arrived at 12:15; "
        "both arrival times are random.",
    }
    value = read_number(probability_estimate)
    rounded = rounded_estimate("2.5", value, expected, ESTIMATE_DECIMALS, tolerance)
    if rounded is not None:
        return rounded
    if value is not None and math.fabs(value - 100 * expected) <= 100 * tolerance:
        return incorrect(
            "2.5", f"{value:.6g} is too large.", "give a probability, a number between 0 and 1, not a percentage."
        )
    hint = (
        "a probability is the average of an indicator (Chapter 1): the share of simulated Saturdays whose gap "
        f"is at most 10 minutes estimates it. Use the 30-minute window and at least {MIN_SIMULATED_DRAWS:,} "
        "Saturdays, as the tolerance assumes."
    )
    return check_number(
        "2.5",
        probability_estimate,
        expected,
        decimals=ESTIMATE_DECIMALS,
        abs=tolerance,
        mistakes=mistakes, mistake_abs=tolerance, hint=hint,
        what="a probability estimate",
    )


_ZERO_PROBABILITY_HINTS = {
    "a": "every time the scale shows a reading, the error has some exact value, and every exact value "
    "between −0.25 and 0.25 g has probability 0; so probability 0 cannot mean impossible. 0.3 g is "
    "different: it lies outside the support, where the density is 0 on a whole interval around it.",
    "c": "for a flat density a probability is density × width, and this density is 2 per gram, not 1: "
    "the width alone is not the probability.",
    "d": "an interval of positive width has positive probability: density × width, 2 per gram × 0.02 g.",
}


def exercise_2_6(choice) -> Feedback:
    """Which statement about E ~ Uniform(−0.25, 0.25) g is true? (b): probability zero is not impossible."""
    return check_choice(
        "2.6",
        choice,
        "b",
        options=ZERO_PROBABILITY_OPTIONS,
        hints=_ZERO_PROBABILITY_HINTS,
        hint="answer with one of the letters 'a', 'b', 'c' or 'd'.",
    )


# ---------------------------------------------------------------------------------------------
# Exercise 2.4: the two deliveries as a generative function


def _deliveries_model(high, gap, minutes_per_unit=1.0):
    """``@gen`` model: two arrival times ~ Uniform(0, high(window)) at "tonkatsu" and "hamburger",
    returning ``gap(A − B)``."""

    @gen
    def two_deliveries(window):
        tonkatsu = uniform(0.0, high(window)) @ "tonkatsu"
        hamburger = uniform(0.0, high(window)) @ "hamburger"
        return gap(tonkatsu - hamburger)

    return two_deliveries


_TWO_DELIVERIES = _deliveries_model(lambda window: window, jnp.abs)


def _describe_arrivals(choices) -> str:
    return f"tonkatsu after {float(choices['tonkatsu']):.1f} min, hamburger after {float(choices['hamburger']):.1f} min"


_DELIVERIES_CHECK = ModelCheck(
    exercise="2.4",
    reference=_TWO_DELIVERIES,
    addresses=("tonkatsu", "hamburger"),
    arguments=((45.0,), (20.0,)),  # the notebook's window is 30 minutes
    statistics={
        "the mean gap (minutes)": lambda choices, gap: gap,
        "the share of gaps of at most 10 minutes": lambda choices, gap: gap <= TOGETHER_MINUTES,
    },
    num_assessed=6,
    extra_choices=[{"tonkatsu": 25.0, "hamburger": 5.0}, {"tonkatsu": 0.5, "hamburger": 44.0}],
    describe_choices=_describe_arrivals,
    describe_arguments=lambda arguments: f"with a {arguments[0]:g}-minute window",
    mistakes=[
        Mistake(
            _deliveries_model(lambda window: DELIVERY_WINDOW_MINUTES, jnp.abs),
            "use the argument window for the end of the interval, not a fixed 30 minutes: "
            "the check tries other windows.",
        ),
        Mistake(
            _deliveries_model(lambda window: window / 60, jnp.abs),
            "measure the arrival times in minutes after 12:00, between 0 and window, not in hours.",
        ),
        Mistake(
            _deliveries_model(lambda window: window, lambda difference: difference),
            "return the gap as a distance, jnp.abs(tonkatsu - hamburger): it is never negative.",
        ),
    ],
    signature="two_deliveries(window)",
    hint=(
        "each arrival time is uniform between 0 and window minutes after 12:00 (window is the model's "
        'argument), drawn independently of the other and recorded at its own address, "tonkatsu" or '
        '"hamburger"; the model returns how far apart the two arrivals are, a gap that is never negative.'
    ),
    returns="the gap in minutes, a number with decimals",
    success=(
        "Your model gave the hidden pairs of arrival times the story's density, and its simulated gaps "
        "agree with the story's."
    ),
)


def exercise_2_4(two_deliveries) -> Feedback:
    """The two deliveries as a generative function ``two_deliveries(window)``, checked by behaviour."""
    return _DELIVERIES_CHECK(two_deliveries)
