"""Checks for Chapter 8, multivariate Gaussian mixtures.

* 8.1: the correlation ρ = Σ₁₂ / √(Σ₁₁ Σ₂₂) of ``COVARIANCE`` (3 / √(4 · 9) = 0.5), to three decimals.
* 8.2: the probability that a 2-D Gaussian point lies inside its Mahalanobis-radius-2 ellipse.
  The squared radius (x − μ)ᵀ Σ⁻¹ (x − μ) is χ² with D = 2 degrees of freedom, whose CDF is
  1 − e^{−r²/2}: 1 − e^{−2} ≈ 0.8647 (not the 1-D rule's 0.9545). A Monte Carlo answer from the
  20,000 points the prompt asks for (standard error √(p(1 − p)/20000) ≈ 0.0024) passes within
  ``PROBABILITY_TOLERANCE``, six standard errors (three of a 5,000-point estimate); a percentage
  (86.5) is told to give a probability between 0 and 1.
* 8.3: scikit-learn's count of free parameters of a K = 3, D = 2 mixture for each covariance
  type: K − 1 weights + K·D means + covariances (full K·D(D+1)/2, tied D(D+1)/2, diag K·D,
  spherical K), i.e. full 17, tied 11, diag 14, spherical 11. Counting D² entries for a symmetric
  matrix, or all K weights, gets a hint naming the slip (for tied, D = 2, both give 12: the hint names
  both); the counts for K = 2 (those the notebook prints for its two-component fits) are named as such,
  and every wrong type is listed at once.
* 8.4: a 2-D mixture as a generative function ``eruption(weights, means, covariances)``: the kind
  ~ Categorical(weights) at "kind", the point ~ N(means[kind], covariances[kind]) at "x", returned.
  Checked by behaviour (``checks.behaviour.ModelCheck``) with weights, means and covariances the
  notebook never shows: exact ``assess`` log densities and simulated moments, including the
  average product of the two coordinates, which a model without the correlation gets wrong.
* 8.5: the chance term E of the adjusted Rand index of ``LABELS_A`` and ``LABELS_B``, the number of
  pairs both would put together by chance (7 · 7 / 28 = 1.75), to three significant figures,
  recomputed here from the pair counts with the standard library. It asks for E, not the index,
  which ``gg.adjusted_rand_index`` would hand over without any counting.

Every check answers any input with feedback (never an exception): ⏳ for None, ❌ with a hint for
a wrong answer or an answer of the wrong kind, ✅ when right.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping

import jax.numpy as jnp
import numpy as np
from genjax import categorical, gen, multivariate_normal

from . import Feedback, check_number, correct, describe, incorrect, read_number, unanswered
from .behaviour import Mistake, ModelCheck

__all__ = [
    "COVARIANCE",
    "PROBABILITY_TOLERANCE",
    "PARAMETER_COUNT_SHAPE",
    "LABELS_A",
    "LABELS_B",
    "exercise_8_1",
    "exercise_8_2",
    "exercise_8_3",
    "exercise_8_4",
    "exercise_8_5",
]

COVARIANCE = np.array([[4.0, 3.0], [3.0, 9.0]])
COVARIANCE.flags.writeable = False
"""Exercise 8.1: a covariance matrix of (weight in g, length in mm): variances in g² and mm², covariance in
g·mm. A NumPy array: ``COVARIANCE[0, 1]`` is the covariance."""

PROBABILITY_TOLERANCE = 0.015
"""Exercise 8.2: largest accepted difference from 1 − e⁻²: six standard errors of the 20,000-point Monte
Carlo estimate the prompt asks for (√(0.8647 · 0.1353 / 20000) ≈ 0.0024), three of a 5,000-point one."""

PARAMETER_COUNT_SHAPE = (3, 2)
"""Exercise 8.3: K components in D dimensions."""

LABELS_A = (0, 0, 0, 1, 1, 1, 2, 2)
LABELS_B = (0, 0, 1, 1, 1, 2, 2, 2)
"""Exercise 8.5: two clusterings of the same eight points."""


def exercise_8_1(correlation) -> Feedback:
    """ρ = Σ₁₂ / √(Σ₁₁ Σ₂₂) of ``COVARIANCE``."""
    (variance_1, covariance), (_, variance_2) = COVARIANCE.tolist()
    mistakes = {
        covariance: "that is the covariance Σ₁₂ itself; divide it by both standard deviations.",
        covariance / (variance_1 * variance_2): "divide by the standard deviations √Σ₁₁ √Σ₂₂, not the variances.",
        covariance
        / (variance_1 + variance_2): "divide by the product of the standard deviations, not the sum of variances.",
        float(np.corrcoef(COVARIANCE)[0, 1]): (
            "np.corrcoef treats the matrix's rows as two data series; COVARIANCE is already a covariance "
            "matrix, so compute ρ from its entries."
        ),
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
        math.exp(-2.0): "that is the probability outside the ellipse (r² > 4); the question asks for inside.",
    }
    value = read_number(probability)
    if value is not None and 1 < value <= 100:
        return incorrect("8.2", f"{value:g} looks like a percentage.", "give a probability between 0 and 1.")
    return check_number(
        "8.2",
        probability,
        1 - math.exp(-2.0),
        abs=PROBABILITY_TOLERANCE,
        mistakes=mistakes,
        mistake_abs=0.005,
        hint="the CDF of χ² with 2 degrees of freedom is 1 − exp(−r²/2); or simulate 20,000 points and count.",
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
        unexpected = [name for name in counts if name not in expected]
        also = f" (got unexpected key(s) {unexpected})" if unexpected else ""
        return incorrect(
            "8.3", f"missing the covariance type(s) {missing}{also}.", f"use exactly the keys {list(expected)}."
        )
    numbers = {name: read_number(counts[name]) for name in expected}
    for name, number in numbers.items():
        if number is None:
            return incorrect(
                "8.3",
                f"the count for {name!r} should be a number, got {describe(counts[name])}.",
                "an integer per type.",
            )
    for_two = _parameter_counts(2, dimension)  # the counts the notebook prints for its K = 2 fits
    if numbers == for_two:
        return incorrect(
            "8.3", "these are the counts for K = 2 components.", f"the exercise asks for K = {num_components}."
        )
    wrong = {}
    for name, value in expected.items():
        number = numbers[name]
        if number == value:
            continue
        hints = {
            value - (num_components - 1): "count the K − 1 free weights too (they sum to 1).",
            value + 1: "the K weights sum to 1, so only K − 1 of them are free.",
            value - num_components * dimension: "count the K·D mean coordinates too.",
        }
        off_diagonal = dimension * (dimension - 1) // 2  # D² − D(D+1)/2 entries counted twice
        symmetric = "a covariance matrix is symmetric: D(D+1)/2 free entries, not D²."
        if name == "full":
            hints[value + num_components * off_diagonal] = symmetric
        if name == "tied":
            doubled = value + off_diagonal
            hints[doubled] = symmetric if doubled != value + 1 else (
                f"{symmetric} (Or, if you counted the covariance right: the K weights sum to 1, so only K − 1"
                " of them are free.)"
            )
        as_for_two = f"that is the count for K = 2; the exercise asks for K = {num_components}."
        hints[for_two[name]] = f"{hints[for_two[name]]} (Or: {as_for_two})" if for_two[name] in hints else as_for_two
        wrong[name] = hints.get(number, "weights K − 1, means K·D, then the covariances.")
    if not wrong:
        return correct("8.3")
    listed = "; ".join(f"{name!r}: {numbers[name]:g}" for name in wrong)
    if len(wrong) == 1:
        return incorrect("8.3", f"{listed} is not right.", next(iter(wrong.values())))
    return incorrect("8.3", f"{listed} are not right.", " ".join(f"{name!r}: {hint}" for name, hint in wrong.items()))


def _eruption_model(logits_of, covariance_of):
    """``@gen`` model: kind ~ categorical(logits_of(weights)) at "kind", x ~ N(means[kind],
    covariance_of(covariances[kind])) at "x"; returns x."""

    @gen
    def eruption(weights, means, covariances):
        kind = categorical(logits_of(weights)) @ "kind"
        return multivariate_normal(means[kind], covariance_of(covariances[kind])) @ "x"

    return eruption


def _diagonal(covariance):
    return jnp.diag(jnp.diag(covariance))


def _moment(coordinate: int):
    return lambda choices, x: x[:, coordinate]


def _describe_mixture(arguments) -> str:
    weights, means, _ = arguments
    return f"with {len(weights)} kinds (weights {[round(float(w), 2) for w in weights]}, means {means.tolist()})"


def _describe_eruption(choices) -> str:
    x = [round(float(value), 2) for value in choices["x"]]
    return f"kind {int(choices['kind'])} at {x}"


_ERUPTION_CHECK = ModelCheck(
    exercise="8.4",
    reference=_eruption_model(jnp.log, lambda covariance: covariance),
    addresses=("kind", "x"),
    arguments=(  # both with K = 3, so that each model compiles once (the notebook's has K = 2)
        (jnp.array([0.3, 0.6, 0.1]), jnp.array([[1.0, 40.0], [5.0, 90.0], [3.0, 60.0]]),
         jnp.array([[[0.04, 0.3], [0.3, 25.0]], [[0.25, -1.5], [-1.5, 36.0]], [[1.0, 0.0], [0.0, 4.0]]])),
        (jnp.array([0.2, 0.5, 0.3]), jnp.array([[0.0, 0.0], [3.0, 1.0], [-2.0, 4.0]]),
         jnp.array([[[1.0, 0.8], [0.8, 1.0]], [[2.0, 0.0], [0.0, 0.5]], [[1.0, -0.6], [-0.6, 1.0]]])),
    ),
    statistics={
        "the share of kind 0": lambda choices, x: choices["kind"] == 0,
        "the mean of the first coordinate": _moment(0),
        "the mean of the second coordinate": _moment(1),
        "the mean product of the two coordinates": lambda choices, x: x[:, 0] * x[:, 1],
    },
    num_assessed=6,
    describe_choices=_describe_eruption,
    describe_arguments=_describe_mixture,
    mistakes=[
        Mistake(
            _eruption_model(lambda weights: weights, lambda covariance: covariance),
            "categorical takes logits, not probabilities: pass jnp.log(weights).",
        ),
        Mistake(
            _eruption_model(jnp.log, _diagonal),
            "pass the whole covariance matrix of the kind: keeping only its diagonal drops the correlation.",
        ),
        Mistake(
            _eruption_model(jnp.log, jnp.linalg.cholesky),
            "multivariate_normal(mean, covariance) takes the covariance matrix itself, not its Cholesky factor.",
        ),
    ],
    signature="eruption(weights, means, covariances)",
    hint=(
        "draw the kind at \"kind\" with categorical, which takes logits (the logs of the probabilities); "
        "then the point at \"x\" from the multivariate normal of that kind, with the kind's mean vector "
        "and its whole covariance matrix; return the point."
    ),
    returns="the point x, an array of two numbers",
    success="Your model gave the hidden mixtures' points the right log densities, kinds and moments.",
)


def exercise_8_4(eruption) -> Feedback:
    """A 2-D mixture as a generative function ``eruption(weights, means, covariances)``."""
    return _ERUPTION_CHECK(eruption)


def _pairs_together(labels) -> int:
    return sum(math.comb(count, 2) for count in Counter(labels).values())


def exercise_8_5(chance_pairs) -> Feedback:
    """E = Σ C(a_i, 2) Σ C(b_j, 2) / C(N, 2) for ``LABELS_A`` and ``LABELS_B``, from the pair counts."""
    together_both = _pairs_together(zip(LABELS_A, LABELS_B))
    together_a, together_b = _pairs_together(LABELS_A), _pairs_together(LABELS_B)
    num_points = len(LABELS_A)
    total = math.comb(num_points, 2)
    expected = together_a * together_b / total
    index = (together_both - expected) / ((together_a + together_b) / 2 - expected)
    return check_number(
        "8.5",
        chance_pairs,
        expected,
        significant_figures=3,
        mistakes={
            together_a * together_b: "divide the product of the two sums by C(N, 2), the number of pairs among "
            "all N points.",
            together_a * together_b / (num_points * (num_points - 1)): "C(N, 2) = N(N − 1)/2 pairs, not N(N − 1).",
            float(together_both): "that is Σ C(n_ij, 2), the pairs both clusterings put together; E is how many "
            "of them chance alone would give.",
            index: "that is the adjusted Rand index itself; the exercise asks for E, the chance term inside it.",
        },
        hint="E = Σ C(a_i, 2) Σ C(b_j, 2) / C(N, 2): a_i and b_j are the cluster sizes of each clustering, N the "
        "number of points.",
        what="a number of pairs",
    )
