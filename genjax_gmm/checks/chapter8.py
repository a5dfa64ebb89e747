"""Checks for Chapter 8, multivariate Gaussian mixtures.

* 8.1: the correlation ρ = Σ₁₂ / √(Σ₁₁ Σ₂₂) of ``COVARIANCE`` (3 / √(4 · 9) = 0.5), to three decimals.
* 8.2: the probability that a 2-D Gaussian point lies inside its Mahalanobis-radius-2 ellipse.
  The squared radius (x − μ)ᵀ Σ⁻¹ (x − μ) is χ² with D = 2 degrees of freedom, whose CDF is
  1 − e^{−r²/2}: 1 − e^{−2} ≈ 0.8647 (not the 1-D rule's 0.9545). A Monte Carlo answer passes
  within ``PROBABILITY_TOLERANCE``.
* 8.3: scikit-learn's count of free parameters of a K = 3, D = 2 mixture for each covariance
  type: K − 1 weights + K·D means + covariances (full K·D(D+1)/2, tied D(D+1)/2, diag K·D,
  spherical K), i.e. full 17, tied 11, diag 14, spherical 11.
* 8.4: the (covariance type, K) with the smallest BIC among ``BIC_TYPES`` × ``BIC_COMPONENTS`` on
  Old Faithful, recomputed here with ``multivariate.em``.
* 8.5: the adjusted Rand index of ``LABELS_A`` and ``LABELS_B`` (5/21 ≈ 0.238) to three significant
  figures, recomputed here from the pair counts with the standard library.

Every check answers any input with feedback (never an exception): ⏳ for None, ❌ with a hint for
a wrong answer or an answer of the wrong kind, ✅ when right.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Mapping

from .. import OLD_FAITHFUL
from .. import multivariate as mv
from . import Feedback, check_number, correct, describe, incorrect, read_number, unanswered

__all__ = [
    "COVARIANCE",
    "PROBABILITY_TOLERANCE",
    "PARAMETER_COUNT_SHAPE",
    "BIC_TYPES",
    "BIC_COMPONENTS",
    "LABELS_A",
    "LABELS_B",
    "exercise_8_1",
    "exercise_8_2",
    "exercise_8_3",
    "exercise_8_4",
    "exercise_8_5",
]

COVARIANCE = ((4.0, 3.0), (3.0, 9.0))
"""Exercise 8.1: a covariance matrix of (weight, length), in g² and cm²."""

PROBABILITY_TOLERANCE = 0.01
"""Exercise 8.2: largest accepted difference from 1 − e⁻² (room for a Monte Carlo estimate)."""

PARAMETER_COUNT_SHAPE = (3, 2)
"""Exercise 8.3: K components in D dimensions."""

BIC_TYPES = ("full", "tied", "diag", "spherical")
BIC_COMPONENTS = (1, 2, 3)
"""Exercise 8.4: the models compared by BIC on Old Faithful."""

LABELS_A = (0, 0, 0, 1, 1, 1, 2, 2)
LABELS_B = (0, 0, 1, 1, 1, 2, 2, 2)
"""Exercise 8.5: two clusterings of the same eight points."""


def exercise_8_1(correlation) -> Feedback:
    """ρ = Σ₁₂ / √(Σ₁₁ Σ₂₂) of ``COVARIANCE``."""
    (variance_1, covariance), (_, variance_2) = COVARIANCE
    mistakes = {
        covariance: "that is the covariance Σ₁₂ itself; divide it by both standard deviations.",
        covariance / (variance_1 * variance_2): "divide by the standard deviations √Σ₁₁ √Σ₂₂, not the variances.",
        covariance
        / (variance_1 + variance_2): "divide by the product of the standard deviations, not the sum of variances.",
    }
    return check_number(
        "8.1",
        correlation,
        covariance / math.sqrt(variance_1 * variance_2),
        decimals=3,
        mistakes=mistakes,
        hint="ρ = Σ₁₂ / (σ₁ σ₂) with σ₁ = √Σ₁₁ and σ₂ = √Σ₂₂.",
    )


def exercise_8_2(probability) -> Feedback:
    """P((x − μ)ᵀ Σ⁻¹ (x − μ) ≤ 2²) = 1 − e^{−2} in two dimensions."""
    mistakes = {
        math.erf(
            2 / math.sqrt(2)
        ): "0.954 is the 1-D rule (within 2σ); in 2-D the squared radius is χ² with 2 degrees of freedom.",
        1 - math.exp(-0.5): "that is the radius-1 ellipse; the question asks for radius 2 (r² = 4).",
        math.erf(1 / math.sqrt(2)): "0.683 is the 1-D one-σ rule; the question is about a 2-D ellipse of radius 2.",
    }
    return check_number(
        "8.2",
        probability,
        1 - math.exp(-2.0),
        abs=PROBABILITY_TOLERANCE,
        mistakes=mistakes,
        mistake_abs=0.005,
        hint="the CDF of χ² with 2 degrees of freedom is 1 − exp(−r²/2); or simulate many points and count.",
        what="a probability",
    )


def _parameter_counts(num_components: int, dimension: int) -> dict[str, int]:
    base = num_components - 1 + num_components * dimension
    triangle = dimension * (dimension + 1) // 2
    return {
        "full": base + num_components * triangle,
        "tied": base + triangle,
        "diag": base + num_components * dimension,
        "spherical": base + num_components,
    }


def exercise_8_3(counts) -> Feedback:
    """{covariance type: number of free parameters} for K = 3, D = 2."""
    num_components, dimension = PARAMETER_COUNT_SHAPE
    expected = _parameter_counts(num_components, dimension)
    if counts is None:
        return unanswered("8.3", 'a dict such as {"full": …, "tied": …, "diag": …, "spherical": …}')
    if not isinstance(counts, Mapping):
        return incorrect(
            "8.3",
            f"expected a dict from covariance type to a count, got {describe(counts)}.",
            f"use a dict with the keys {list(expected)}.",
        )
    missing = [name for name in expected if name not in counts]
    if missing:
        return incorrect("8.3", f"missing the covariance type(s) {missing}.", f"use the keys {list(expected)}.")
    for name, value in expected.items():
        number = read_number(counts[name])
        if number is None:
            return incorrect(
                "8.3",
                f"the count for {name!r} should be a number, got {describe(counts[name])}.",
                "an integer per type.",
            )
        if number == value:
            continue
        hints = {
            value - (num_components - 1): "count the K − 1 free weights too (they sum to 1).",
            value + 1: "the K weights sum to 1, so only K − 1 of them are free.",
            value - num_components * dimension: "count the K·D mean coordinates too.",
        }
        if name == "full":
            hints[value + num_components * (dimension * dimension - dimension * (dimension + 1) // 2)] = (
                "a covariance matrix is symmetric: D(D+1)/2 free entries, not D²."
            )
        return incorrect(
            "8.3",
            f"{name!r}: {number:g} is not right.",
            hints.get(number, "weights K − 1, means K·D, then the covariances."),
        )
    return correct("8.3")


@functools.cache
def _bic_grid() -> dict[tuple[str, int], float]:
    return {(kind, k): mv.em(OLD_FAITHFUL, k, kind, num_restarts=5).bic for kind in BIC_TYPES for k in BIC_COMPONENTS}


def exercise_8_4(best_model) -> Feedback:
    """The (covariance_type, K) with the smallest BIC on Old Faithful."""
    if best_model is None:
        return unanswered("8.4", 'a pair such as ("full", 2)')
    pair = tuple(best_model) if isinstance(best_model, (tuple, list)) else ()
    kind = str(pair[0]).strip().lower() if len(pair) == 2 and isinstance(pair[0], str) else None
    num_components = read_number(pair[1]) if len(pair) == 2 else None
    if kind is None or num_components is None:
        return incorrect(
            "8.4", f"expected a pair (covariance_type, K), got {describe(best_model)}.", 'for example ("full", 2).'
        )
    bic = _bic_grid()
    key = (kind, int(num_components)) if float(num_components).is_integer() else None
    if key not in bic:
        return incorrect(
            "8.4",
            f"({kind!r}, {num_components:g}) is not one of the models compared.",
            f"types {BIC_TYPES}, K in {BIC_COMPONENTS}.",
        )
    if key == min(bic, key=bic.get):
        return correct("8.4")
    hint = (
        "smaller BIC is better; did you take the largest, or the log-likelihood?"
        if key == max(bic, key=bic.get)
        else "compute mv.em(gg.OLD_FAITHFUL, k, kind).bic for every pair and take the smallest."
    )
    return incorrect("8.4", f"{key!r} is not right.", hint)


def _pairs_together(labels) -> int:
    return sum(math.comb(count, 2) for count in Counter(labels).values())


def exercise_8_5(index) -> Feedback:
    """The adjusted Rand index of ``LABELS_A`` and ``LABELS_B`` from the pair counts."""
    together_both = _pairs_together(zip(LABELS_A, LABELS_B))
    together_a, together_b = _pairs_together(LABELS_A), _pairs_together(LABELS_B)
    total = math.comb(len(LABELS_A), 2)
    expected_by_chance = together_a * together_b / total
    largest = (together_a + together_b) / 2
    expected = (together_both - expected_by_chance) / (largest - expected_by_chance)
    rand_index = (total - together_a - together_b + 2 * together_both) / total
    return check_number(
        "8.5",
        index,
        expected,
        significant_figures=3,
        mistakes={rand_index: "that is the unadjusted Rand index; subtract what chance agreement would give."},
        hint="ARI = (Σ C(n_ij, 2) − E) / (½(Σ C(a_i, 2) + Σ C(b_j, 2)) − E), E = Σ C(a_i, 2) Σ C(b_j, 2) / C(N, 2).",
        what="an index between −1 and 1",
    )
