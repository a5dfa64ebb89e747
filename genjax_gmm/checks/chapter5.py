"""Checks for Chapter 5, Gaussian mixture models.

* 5.1: the bento mixture density at 499 g, p(x) = Σₖ πₖ N(x; μₖ, σₖ²) with ``BENTO``'s
  parameters (0.7·N(499; 500, 2²) + 0.3·N(499; 350, 2²) ≈ 0.1232 per gram).
* 5.2: the effective sample size 1 / Σᵢ w̄ᵢ² of five importance log weights near −1000, where
  w̄ᵢ = exp(ℓᵢ − logsumexp(ℓ)) (exponentiating ℓᵢ directly underflows to 0/0).
* 5.3: label switching (multiple choice): chains whose "component 0" has mean 500 g and 350 g
  found the same two kinds with swapped labels.
* 5.4: every cup's posterior blend probabilities, one row per cup and one column per blend,
  blends from weakest to strongest. The blends are about 19 standard deviations apart, so the
  posterior agrees with Bayes' rule at the café's known blend parameters (``COFFEE``) to far
  better than 0.02.

5.1 and 5.2 ask for 3 significant figures (``SIGNIFICANT_FIGURES``). Each check computes its
expected answer itself, with the standard library from the exercise's numbers (stated here as
constants) for 5.1 and 5.2 and by Bayes' rule with the known blends for 5.4, independently of the
notebook. A wrong answer that reproduces a common mistake gets a hint about that mistake.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .. import BENTO, COFFEE, COFFEE_CAFFEINE, category_posterior
from . import (
    Feedback,
    check_array,
    check_choice,
    check_number,
    describe,
    incorrect,
    read_array,
    unanswered,
)

__all__ = [
    "DENSITY_POINT",
    "LOG_WEIGHTS",
    "BLEND_PROBABILITY_TOLERANCE",
    "SIGNIFICANT_FIGURES",
    "exercise_5_1",
    "exercise_5_2",
    "exercise_5_3",
    "exercise_5_4",
]

DENSITY_POINT = 499.0
"""Exercise 5.1: evaluate the bento mixture density at this weight (g)."""

LOG_WEIGHTS = (-1002.0, -1000.0, -1001.0, -1003.5, -1000.5)
"""Exercise 5.2: unnormalised log importance weights of five particles."""

BLEND_PROBABILITY_TOLERANCE = 0.02
"""Exercise 5.4: largest accepted difference from P(blend | cup) at the known blends."""

SIGNIFICANT_FIGURES = 3
"""Exercises 5.1 and 5.2: answers pass to this many significant figures."""

_CHOICES = ("a", "b", "c", "d")


def _normal_pdf(x: float, mean: float, sd: float) -> float:
    return math.exp(-0.5 * ((x - mean) / sd) ** 2) / (sd * math.sqrt(2 * math.pi))


def _log_sum_exp(values: Sequence[float]) -> float:
    """log Σᵢ exp(vᵢ), computed as m + log Σᵢ exp(vᵢ − m) with m = max v (no underflow)."""
    top = max(values)
    return top + math.log(math.fsum(math.exp(v - top) for v in values))


def _effective_sample_size(log_weights: Sequence[float]) -> float:
    """1 / Σᵢ w̄ᵢ², w̄ᵢ = exp(ℓᵢ − log Σⱼ exp ℓⱼ) the normalised weights."""
    total = _log_sum_exp(log_weights)
    return 1.0 / math.fsum(math.exp(2 * (v - total)) for v in log_weights)


def exercise_5_1(density) -> Feedback:
    """p(499) for the bento mixture: Σₖ πₖ N(499; μₖ, σₖ²)."""
    x = DENSITY_POINT
    terms = [w * _normal_pdf(x, m, s) for w, m, s in zip(BENTO.weights, BENTO.means, BENTO.stds)]
    expected = math.fsum(terms)
    tonkatsu_unweighted = _normal_pdf(x, BENTO.means[0], BENTO.stds[0])
    mistakes = {
        math.fsum(_normal_pdf(x, m, s) for m, s in zip(BENTO.means, BENTO.stds)): (
            "that is N(499; 500, 2²) + N(499; 350, 2²); multiply each component by its weight πₖ."
        ),
        math.fsum(w * _normal_pdf(x, m, s**2) for w, m, s in zip(*BENTO)): (
            "you used the variance σ² = 4 where the normal density needs the standard deviation σ = 2."
        ),
        BENTO.weights[1] * tonkatsu_unweighted: "the tonkatsu component (500 g) has weight 0.7, not 0.3.",
    }
    hint = "p(x) = Σₖ πₖ N(x; μₖ, σₖ²) with π = (0.7, 0.3), μ = (500, 350) g, σ = (2, 2) g."
    return check_number(
        "5.1",
        density,
        expected,
        significant_figures=SIGNIFICANT_FIGURES,
        mistakes=mistakes,
        hint=hint,
        what="a density in 1/g",
    )


def exercise_5_2(effective_sample_size) -> Feedback:
    """The ESS 1 / Σᵢ w̄ᵢ² of ``LOG_WEIGHTS``."""
    expected = _effective_sample_size(LOG_WEIGHTS)
    shifted = [math.exp(v - max(LOG_WEIGHTS)) for v in LOG_WEIGHTS]
    mistakes = {
        float(len(LOG_WEIGHTS)): "that is the number of particles; unequal weights make the ESS smaller.",
        1 / math.fsum(w**2 for w in shifted): (
            "normalise the weights first (w̄ᵢ = wᵢ / Σⱼ wⱼ) so that they sum to 1."
        ),
        1.0: "1 is the ESS when one particle has all the weight; these weights are closer than that.",
    }
    hint = (
        "subtract the largest log weight before exponentiating (log-sum-exp), normalise, "
        "then ESS = 1 / Σᵢ w̄ᵢ²."
    )
    return check_number(
        "5.2",
        effective_sample_size,
        expected,
        significant_figures=SIGNIFICANT_FIGURES,
        mistakes=mistakes, hint=hint,
        what="a number of particles",
    )


def exercise_5_3(answer) -> Feedback:
    """Chains report raw μ₀ ≈ 500 g and ≈ 350 g: the labels are swapped ("b")."""
    hints = {
        "a": "both chains' log joint densities agree (R-hat ≈ 1); look at what the label '0' refers to in each.",
        "c": "each chain still sees two kinds, one near 350 g and one near 500 g; compare the two chains' μ₁.",
        "d": "the model is symmetric in its labels whatever the prior on the means; which kind is "
        "'component 0' depends only on where a chain started.",
    }
    return check_choice("5.3", answer, "b", options=_CHOICES, hints=hints)


def exercise_5_4(blend_probabilities) -> Feedback:
    """P(blend k | data) for every cup, one row per cup, blends ordered by mean caffeine."""
    expected = np.asarray(category_posterior(COFFEE_CAFFEINE, *COFFEE))
    if blend_probabilities is None:
        return unanswered("5.4", "an array with one row per cup and one column per blend")
    answer = read_array(blend_probabilities)
    if answer is None:
        return incorrect("5.4", f"expected an array of shape {expected.shape}, got {describe(blend_probabilities)}.")
    if answer.shape == expected.T.shape:
        return incorrect("5.4", f"shape {answer.shape} is transposed.", "one row per cup, one column per blend.")
    if answer.shape == expected.shape and not np.allclose(answer.sum(axis=1), 1, atol=1e-6):
        return incorrect(
            "5.4", "the rows do not sum to 1.", "each row is one cup's distribution over the three blends."
        )
    if answer.shape == expected.shape and np.allclose(
        np.sort(answer, axis=1), np.sort(expected, axis=1), atol=BLEND_PROBABILITY_TOLERANCE
    ):
        hint = "the blends are in a different order in different draws or chains; relabel by mean first " \
            "(gg.assignment_probabilities does it), so that column 0 is the weakest blend."
    else:
        hint = "pass your gg.gibbs result for the coffee to gg.assignment_probabilities."
    return check_array(
        "5.4",
        answer,
        expected,
        abs=BLEND_PROBABILITY_TOLERANCE,
        hint=hint,
        what=f"an array of shape {expected.shape}",
    )
