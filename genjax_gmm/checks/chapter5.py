"""Checks for Chapter 5, Gaussian mixture models.

* 5.1: the bento mixture density at 499 g, p(x) = Σₖ πₖ N(x; μₖ, σₖ²) with ``BENTO``'s
  parameters (0.7·N(499; 500, 2²) + 0.3·N(499; 350, 2²) ≈ 0.1235 per gram).
* 5.2: the effective sample size 1 / Σᵢ w̄ᵢ² of five importance log weights near −1000, where
  w̄ᵢ = exp(ℓᵢ − logsumexp(ℓ)) (exponentiating ℓᵢ directly underflows to 0/0).

Each check computes its expected answer itself with the standard library, from the exercise's
numbers (stated here as constants), independently of the notebook and of the JAX code it uses.
A wrong answer that reproduces a common mistake gets a hint about that mistake.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..models import BENTO
from . import Feedback, check_number, targeted_hint

__all__ = [
    "DENSITY_POINT",
    "LOG_WEIGHTS",
    "exercise_5_1",
    "exercise_5_2",
]

DENSITY_POINT = 499.0
"""Exercise 5.1: evaluate the bento mixture density at this weight (g)."""

LOG_WEIGHTS = (-1002.0, -1000.0, -1001.0, -1003.5, -1000.5)
"""Exercise 5.2: unnormalised log importance weights of five particles."""


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
    hint = targeted_hint(
        density,
        {
            math.fsum(_normal_pdf(x, m, s) for m, s in zip(BENTO.means, BENTO.stds)): (
                "that is N(499; 500, 2²) + N(499; 350, 2²); multiply each component by its weight πₖ."
            ),
            math.fsum(w * _normal_pdf(x, m, s**2) for w, m, s in zip(*BENTO)): (
                "you used the variance σ² = 4 where the normal density needs the standard deviation σ = 2."
            ),
            BENTO.weights[1] * tonkatsu_unweighted: "the tonkatsu component (500 g) has weight 0.7, not 0.3.",
        },
        "p(x) = Σₖ πₖ N(x; μₖ, σₖ²) with π = (0.7, 0.3), μ = (500, 350) g, σ = (2, 2) g.",
    )
    return check_number("5.1", density, expected, rel=1e-4, hint=hint, what="a density in 1/g")


def exercise_5_2(effective_sample_size) -> Feedback:
    """The ESS 1 / Σᵢ w̄ᵢ² of ``LOG_WEIGHTS``."""
    expected = _effective_sample_size(LOG_WEIGHTS)
    shifted = [math.exp(v - max(LOG_WEIGHTS)) for v in LOG_WEIGHTS]
    hint = targeted_hint(
        effective_sample_size,
        {
            float(len(LOG_WEIGHTS)): "that is the number of particles; unequal weights make the ESS smaller.",
            1 / math.fsum(w**2 for w in shifted): (
                "normalise the weights first (w̄ᵢ = wᵢ / Σⱼ wⱼ) so that they sum to 1."
            ),
            1.0: "1 is the ESS when one particle has all the weight; these weights are closer than that.",
        },
        "subtract the largest log weight before exponentiating (log-sum-exp), normalise, "
        "then ESS = 1 / Σᵢ w̄ᵢ².",
    )
    return check_number("5.2", effective_sample_size, expected, rel=1e-6, hint=hint, what="a number of particles")
