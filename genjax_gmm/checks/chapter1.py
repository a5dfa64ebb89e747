"""Checks for Chapter 1, Mystery bentos (expected value and mixtures).

* 1.1: the expected weight of a bento from a three-item menu,
  E[W] = Σₖ P(k)·mₖ = 0.5·500 + 0.3·350 + 0.2·420 = 439 g.
* 1.2: the expected total weight of a three-bento order; by linearity
  E[W₁ + W₂ + W₃] = 3·E[W] = 3·455 = 1365 g.
* 1.3: why the mean weight is not a typical weight (multiple choice; the notebook holds
  the answer in words).
* 1.4: P(W > 450 g) estimated by simulation, exactly Σₖ P(k)·P(N(mₖ, σₖ²) > 450) ≈ 0.7.

Each check computes its expected answer itself, from the exercise's menu (1.1) or from
``genjax_gmm.BENTO`` (1.2, 1.4), with the standard library, independently of the notebook.
A wrong answer that reproduces a common mistake gets a hint about that mistake.
"""

from __future__ import annotations

import math

from ..models import BENTO
from . import Feedback, check_choice, check_number, targeted_hint

__all__ = [
    "THREE_ITEM_MENU",
    "ORDER_SIZE",
    "HEAVY_THRESHOLD",
    "MIN_SIMULATED_BENTOS",
    "exercise_1_1",
    "exercise_1_2",
    "exercise_1_3",
    "exercise_1_4",
]

THREE_ITEM_MENU = {"tonkatsu": (0.5, 500.0), "hamburger": (0.3, 350.0), "karaage": (0.2, 420.0)}
"""Exercise 1.1's menu: kind → (probability, typical weight in g)."""

ORDER_SIZE = 3
"""Exercise 1.2: the number of bentos in one order."""

HEAVY_THRESHOLD = 450.0
"""Exercise 1.4: estimate P(W > HEAVY_THRESHOLD) (g)."""

MIN_SIMULATED_BENTOS = 10_000
"""Exercise 1.4 asks for at least this many simulated bentos; its tolerance assumes it."""


def _expected_bento_weight() -> float:
    """E[W] = Σₖ P(k)·mₖ for Chibany's bentos (``BENTO``): 0.7·500 + 0.3·350 = 455 g."""
    return math.fsum(p * m for p, m in zip(BENTO.weights, BENTO.means))


def _probability_heavier_than(threshold: float) -> float:
    """P(W > t) = Σₖ P(k)·½ erfc((t − mₖ) / (σₖ√2)), W the weight of one of Chibany's bentos."""
    return math.fsum(
        p * 0.5 * math.erfc((threshold - m) / (s * math.sqrt(2)))
        for p, m, s in zip(BENTO.weights, BENTO.means, BENTO.stds)
    )


def exercise_1_1(expected_with_karaage) -> Feedback:
    """E[W] for ``THREE_ITEM_MENU``: Σₖ P(k)·mₖ = 439 g."""
    probabilities, weights = zip(*THREE_ITEM_MENU.values())
    expected = math.fsum(p * m for p, m in zip(probabilities, weights))
    karaage_probability, karaage_weight = THREE_ITEM_MENU["karaage"]
    hint = targeted_hint(
        expected_with_karaage,
        {
            sum(weights) / len(weights): (
                "that is the plain average of the three weights; weight each kind by its probability."
            ),
            _expected_bento_weight(): "that is the old two-item menu; use the new probabilities 0.5, 0.3, 0.2.",
            expected - karaage_probability * karaage_weight: "include the karaage: add 0.2 · 420 g.",
        },
        "E[W] = Σ P(kind) · weight(kind) over all three kinds: 0.5 · 500 + 0.3 · 350 + 0.2 · 420.",
    )
    return check_number("1.1", expected_with_karaage, expected, hint=hint, what="a weight in grams")


def exercise_1_2(expected_order_total) -> Feedback:
    """E[W₁ + W₂ + W₃] = 3·E[W] = 1365 g, by linearity of expectation."""
    one_bento = _expected_bento_weight()
    expected = ORDER_SIZE * one_bento
    hint = targeted_hint(
        expected_order_total,
        {
            one_bento: "that is the expected weight of one bento; the order holds three.",
            ORDER_SIZE * max(BENTO.means): "not every bento is a tonkatsu: use the expected weight of one bento.",
            ORDER_SIZE * sum(BENTO.means) / len(BENTO.means): (
                "weight each kind by its probability (0.7 and 0.3), not equally."
            ),
        },
        "by linearity, E[W₁ + W₂ + W₃] = E[W₁] + E[W₂] + E[W₃], and each E[Wᵢ] is the one-bento expectation.",
    )
    return check_number("1.2", expected_order_total, expected, hint=hint, what="a weight in grams")


_CHOICE_HINTS = {
    "a": (
        "more bentos make the running mean settle at 455 g, but every bento is still a tonkatsu "
        "or a hamburger: the histogram's two peaks only get smoother, the valley stays empty."
    ),
    "b": (
        "the most probable weights are near 500 g, the taller peak. The expected value is a "
        "probability-weighted average of the weights, not the most likely one."
    ),
    "d": (
        "the 2 g wobble averages to zero (E[W] is still 0.7 · 500 + 0.3 · 350). Ask what the mean "
        "averages over: two kinds of bento, far apart."
    ),
}


def exercise_1_3(answer) -> Feedback:
    """Why no bento weighs the mean: ``"c"``, the mean averages two far-apart kinds."""
    choice = answer.strip().lower() if isinstance(answer, str) else answer
    hint = _CHOICE_HINTS.get(choice, "") if isinstance(choice, str) else ""
    hint = hint or 'answer with one of the letters as a string, for example "a".'
    return check_choice("1.3", choice, "c", options=("a", "b", "c", "d"), hint=hint)


def exercise_1_4(probability_estimate) -> Feedback:
    """A simulation estimate of P(W > 450 g) ≈ 0.7, from at least 10,000 bentos.

    Accepted within 4 standard errors of the exact p, 4·√(p(1 − p)/n) ≈ 0.018 for
    n = 10,000 bentos: a correct simulation of that size fails with probability below 10⁻⁴.
    """
    exact = _probability_heavier_than(HEAVY_THRESHOLD)
    standard_error = math.sqrt(exact * (1 - exact) / MIN_SIMULATED_BENTOS)
    hint = targeted_hint(
        probability_estimate,
        {
            1 - exact: "that is the fraction of bentos lighter than 450 g; count the heavier ones.",
            0.5: "a bento is not equally likely to be above and below 450 g: count the fraction above.",
        },
        "simulate at least 10,000 bentos and take the fraction with weight > 450 g, e.g. jnp.mean(weights > 450).",
        abs=4 * standard_error,
    )
    return check_number("1.4", probability_estimate, exact, abs=4 * standard_error, hint=hint, what="a probability")
