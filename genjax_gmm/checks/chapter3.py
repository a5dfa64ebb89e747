"""Checks for Chapter 3, Gaussian distributions.

Each check computes its expected answer from the exercise's own numbers with the standard
library's ``statistics.NormalDist`` (exact CDF and inverse CDF), independently of the JAX code
the notebook uses, and recognises the usual mistakes to give a targeted hint.

* 3.1: P(65 < X < 85) for test scores X ~ N(75, 10²), = Φ(1) − Φ(−1) ≈ 0.6827.
* 3.2: the 90th percentile of the scores, μ + σ Φ⁻¹(0.9) ≈ 87.82.
* 3.3: a simulation of at least 10,000 scores, tested against N(75, 10²) by its
  Kolmogorov–Smirnov distance.
* 3.4: the largest σ that keeps 99 % of tonkatsu bentos within ±1 g of 500 g,
  σ = 1 / Φ⁻¹(0.995) ≈ 0.388 g.

3.1, 3.2 and 3.4 ask for 3 significant figures (``SIGNIFICANT_FIGURES``).
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

from . import Feedback, check_number, correct, describe, incorrect, read_array, unanswered

__all__ = ["SIGNIFICANT_FIGURES", "exercise_3_1", "exercise_3_2", "exercise_3_3", "exercise_3_4"]

SIGNIFICANT_FIGURES = 3
"""Exercises 3.1, 3.2 and 3.4: answers pass to this many significant figures."""

TEST_SCORES = NormalDist(mu=75.0, sigma=10.0)
SCORE_INTERVAL = (65.0, 85.0)
SCORE_PERCENTILE = 0.90
MIN_SIMULATED_SCORES = 10_000
KS_SIGNIFICANCE = 1e-3
"""A correct simulation fails the Kolmogorov–Smirnov test with this probability."""

TOLERANCE_GRAMS = 1.0
TOLERANCE_COVERAGE = 0.99
STANDARD_NORMAL = NormalDist()


def exercise_3_1(probability) -> Feedback:
    """P(65 < X < 85) for X ~ N(75, 10²): F(85) − F(65) = Φ(1) − Φ(−1)."""
    low, high = SCORE_INTERVAL
    expected = TEST_SCORES.cdf(high) - TEST_SCORES.cdf(low)
    mistakes = {
        TEST_SCORES.cdf(high): "that is P(X < 85); subtract P(X ≤ 65), the part below the interval.",
        1 - TEST_SCORES.cdf(high): "that is P(X > 85), one tail; you want the area between 65 and 85.",
        0.68: "0.68 is the rounded rule of thumb; compute the exact area from the CDF.",
    }
    hint = "P(a < X < b) = F(b) − F(a), with F the CDF of N(75, 10²): norm.cdf(b, 75, 10) − norm.cdf(a, 75, 10)."
    return check_number(
        "3.1",
        probability,
        expected,
        significant_figures=SIGNIFICANT_FIGURES,
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
    }
    hint = "the percentile inverts the CDF: norm.ppf(0.9, 75, 10), or 75 + 10 z with z = norm.ppf(0.9)."
    return check_number(
        "3.2",
        percentile,
        expected,
        significant_figures=SIGNIFICANT_FIGURES,
        mistakes=mistakes,
        hint=hint,
        what="a test score",
    )


_erfc = np.frompyfunc(math.erfc, 1, 1)


def _ks_distance(values: np.ndarray, distribution: NormalDist) -> float:
    """sup_x |F_n(x) − F(x)|, the Kolmogorov–Smirnov distance of a sample from a normal F.

    F(x) = erfc(−(x − μ) / (σ√2)) / 2, accurate in both tails.
    """
    x = np.sort(values)
    n = x.size
    cdf = 0.5 * _erfc(-(x - distribution.mean) / (distribution.stdev * math.sqrt(2))).astype(float)
    return float(max((np.arange(1, n + 1) / n - cdf).max(), (cdf - np.arange(n) / n).max()))


def exercise_3_3(simulated_scores) -> Feedback:
    """At least 10,000 independent draws from N(75, 10²).

    The sample passes when its Kolmogorov–Smirnov distance to N(75, 10²) is below the
    critical value √(−ln(α/2) / 2) / √n for α = 10⁻³.
    """
    exercise = "3.3"
    if simulated_scores is None:
        return unanswered(exercise, "an array of simulated scores")
    scores = read_array(simulated_scores)
    if scores is None:
        return incorrect(
            exercise,
            f"expected an array of scores, got {describe(simulated_scores)}.",
            'take the array of draws from the trace: trace.get_choices()["score"].',
        )
    if scores.ndim != 1 or scores.size < MIN_SIMULATED_SCORES:
        return incorrect(
            exercise,
            f"expected a 1-D array of at least {MIN_SIMULATED_SCORES:,} scores, got shape {scores.shape}.",
            "simulate many draws at once with .repeat(100_000).",
        )
    if not np.all(np.isfinite(scores)):
        return incorrect(exercise, "the scores contain NaN or infinite values.")
    with np.errstate(over="ignore", invalid="ignore"):  # finite but huge scores: the summary says inf
        mean, std = scores.mean(), scores.std(ddof=1)
    distance = _ks_distance(scores, TEST_SCORES)
    critical = math.sqrt(-math.log(KS_SIGNIFICANCE / 2) / 2) / math.sqrt(scores.size)
    if distance > critical:
        if math.isclose(std, TEST_SCORES.stdev**2, rel_tol=0.1):
            hint = "normal(μ, σ) takes the standard deviation σ = 10, not the variance σ² = 100."
        elif abs(mean - TEST_SCORES.mean) > 4 * std / math.sqrt(scores.size):
            hint = "the scores should be centred on the mean μ = 75."
        else:
            hint = "draw each score independently from normal(75.0, 10.0)."
        return incorrect(
            exercise,
            f"these do not look like draws from N(75, 10²): mean {mean:.2f}, standard deviation {std:.2f}, "
            f"largest gap between their CDF and the exact one {distance:.4f} (at most {critical:.4f} expected).",
            hint,
        )
    low, high = SCORE_INTERVAL
    fraction = float(np.mean((scores > low) & (scores < high)))
    exact = TEST_SCORES.cdf(high) - TEST_SCORES.cdf(low)
    return correct(
        exercise,
        f"{fraction:.2%} of your {scores.size:,} scores lie between {low:g} and {high:g} (exact: {exact:.2%}).",
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
    hint = "99 % within ±1 g means 1 g = z·σ with z the 99.5th percentile of the standard normal."
    return check_number(
        "3.4",
        max_sigma,
        expected,
        significant_figures=SIGNIFICANT_FIGURES,
        mistakes=mistakes,
        hint=hint,
        what="a standard deviation in grams",
    )
