"""Feedback for Chapter 4: conditional probability, Bayes' rule, Bayesian learning of a mean,
and categorization.

Section 1 (Exercises 4.1–4.2), Chibany's bento in hand: a bento is tonkatsu with probability
0.7, weight N(500, 2²) g, else hamburger, N(350, 2²) g; Chibany's guess by hand, the felt
weight, is the weight plus an independent N(0, 50²) g error, so felt | kind ~ N(mₖ, 2² + 50²).

* 4.1: P(tonkatsu | felt ≤ 450 g) = 0.7 F_T(450) / [0.7 F_T(450) + 0.3 F_H(450)] ≈ 0.275, with
  F_k the CDF of the felt weight given kind k.
* 4.2: P(tonkatsu | overfilled), overfilled meaning a weight above the kind's recipe weight:
  each kind is overfilled with probability 1/2, so Bayes' rule returns the prior, 0.7.

Assignment problem 1 (Exercises 4.3–4.5), the karaage bentos next door: the unknown mean
weight μ has the prior N(420, 10²) g, each weighing has known noise σ = 5 g, and four bentos
weigh 431, 426, 435 and 428 g. The conjugate update gives

    1/τₙ² = 1/τ₀² + n/σ²,    μₙ = τₙ² (μ₀/τ₀² + Σᵢ xᵢ/σ²),

and the next bento's weight has the posterior predictive N(μₙ, τₙ² + σ²).

Assignment problem 2 (Exercises 4.7–4.9), Gaussian clusters with known parameters:
μ₁ = −1, μ₂ = 1, prior θ = P(c = 1), variances σ₁², σ₂²; Bayes' rule gives

    P(c = 1 | x) = θN(x; μ₁, σ₁²) / [θN(x; μ₁, σ₁²) + (1 − θ)N(x; μ₂, σ₂²)].

Precision: 4.3 to 2 decimal places, 4.8 to 3 decimal places, 4.1, 4.2, 4.4, 4.5 and 4.7 to 3
significant figures. Every expected value is computed here from the problem's numbers,
independently of the notebook and of ``genjax_gmm.categorize``. A wrong answer that matches a
common mistake gets a hint about that mistake.
"""

from __future__ import annotations

import math
from statistics import NormalDist

from . import Feedback, check_choice, check_number, read_number

__all__ = [
    "KIND_PROBABILITIES",
    "KIND_MEANS",
    "KIND_SD",
    "HAND_SD",
    "FEELS_HEAVY_ABOVE",
    "KARAAGE_PRIOR_MEAN",
    "KARAAGE_PRIOR_SD",
    "KARAAGE_NOISE_SD",
    "KARAAGE_WEIGHTS",
    "SIGNIFICANT_FIGURES",
    "POSTERIOR_MEAN_DECIMALS",
    "BOUNDARY_DECIMALS",
    "exercise_4_1",
    "exercise_4_2",
    "exercise_4_3",
    "exercise_4_4",
    "exercise_4_5",
    "exercise_4_7",
    "exercise_4_8",
    "exercise_4_9",
]

KIND_PROBABILITIES = (0.7, 0.3)
"""P(tonkatsu), P(hamburger)."""
KIND_MEANS = (500.0, 350.0)
"""The recipe weights (g) of tonkatsu and hamburger."""
KIND_SD = 2.0
"""The kitchen's scatter (g) around a kind's recipe weight."""
HAND_SD = 50.0
"""The sd (g) of the error of Chibany's guess by hand."""
FEELS_HEAVY_ABOVE = 450.0
"""A bento feels heavy when its felt weight is above this (g); otherwise it feels light."""

KARAAGE_PRIOR_MEAN = 420.0
"""Prior mean μ₀ (g) of the karaage bentos' mean weight."""
KARAAGE_PRIOR_SD = 10.0
"""Prior standard deviation τ₀ (g) of that mean."""
KARAAGE_NOISE_SD = 5.0
"""Known standard deviation σ (g) of one weighing around the mean."""
KARAAGE_WEIGHTS = (431.0, 426.0, 435.0, 428.0)
"""The four karaage bentos Chibany weighs (g)."""

CLUSTER_MEANS = (-1.0, 1.0)
"""μ₁ and μ₂ of the two categories in assignment problem 2."""

SIGNIFICANT_FIGURES = 3
"""Exercises 4.1, 4.2, 4.4, 4.5 and 4.7: answers pass to this many significant figures."""
POSTERIOR_MEAN_DECIMALS = 2
"""Exercise 4.3: the posterior mean (g) to this many decimal places."""
BOUNDARY_DECIMALS = 3
"""Exercise 4.8: the boundary to this many decimal places."""

SIMULATION_REACH = 0.01
"""Section 1's answers are exact; an answer this close that still fails looks simulated (the
notebook's 100,000 bentos estimate a probability to a few thousandths)."""


def _p_feels_light_given_kind() -> tuple[float, float]:
    """P(felt ≤ 450 g | kind): the felt weight given kind k is N(mₖ, 2² + 50²)."""
    felt_sd = math.hypot(KIND_SD, HAND_SD)
    return tuple(NormalDist(mean, felt_sd).cdf(FEELS_HEAVY_ABOVE) for mean in KIND_MEANS)


def _exact_probability(exercise: str, answer, expected: float, mistakes: dict, hint: str) -> Feedback:
    """``check_number`` for Section 1's exact probabilities, with a word for simulated answers."""
    value = read_number(answer)
    if value is not None and math.isfinite(value) and math.fabs(value - expected) < SIMULATION_REACH:
        hint = (
            "you are close, but not within the precision asked for: a fraction of simulated bentos "
            "is only an estimate. Compute the probability exactly from the model's numbers "
            "(Bayes' rule), and use the simulation to check it."
        )
    return check_number(
        exercise,
        answer,
        expected,
        significant_figures=SIGNIFICANT_FIGURES,
        mistakes=mistakes,
        hint=hint,
        what="a probability",
    )


def exercise_4_1(p_tonkatsu_given_light) -> Feedback:
    """P(tonkatsu | feels light) = P(T) P(light | T) / Σₖ P(k) P(light | k)."""
    (prior_t, prior_h), (light_t, light_h) = KIND_PROBABILITIES, _p_feels_light_given_kind()
    evidence = prior_t * light_t + prior_h * light_h
    expected = prior_t * light_t / evidence
    heavy_evidence = prior_t * (1 - light_t) + prior_h * (1 - light_h)
    given_heavy = prior_t * (1 - light_t) / heavy_evidence
    mistakes = {
        light_t: "that is P(feels light | tonkatsu), the share of tonkatsu that feel light; the question "
        "goes the other way, from what the hand felt to the kind.",
        prior_t * light_t: "that is the joint probability P(tonkatsu, feels light); divide it by P(feels light).",
        prior_t: "that is the prior P(tonkatsu); the evidence 'feels light' should change it.",
        evidence: "that is P(feels light), the evidence: the denominator of Bayes' rule.",
        given_heavy: "that is P(tonkatsu | feels heavy); this bento feels light.",
        1 - given_heavy: "that is P(hamburger | feels heavy); restrict to the bentos that feel light.",
    }
    hint = "restrict to 'feels light' and renormalise: P(T | light) = P(T) P(light | T) / P(light)."
    return _exact_probability("4.1", p_tonkatsu_given_light, expected, mistakes, hint)


def exercise_4_2(p_tonkatsu_given_overfilled) -> Feedback:
    """P(tonkatsu | overfilled): each kind is overfilled with probability 1/2, so the prior 0.7."""
    prior_t, prior_h = KIND_PROBABILITIES
    over_t = over_h = 0.5  # a Gaussian weight lies above its mean with probability 1/2
    expected = prior_t * over_t / (prior_t * over_t + prior_h * over_h)
    mistakes = {
        over_t: "that is P(overfilled | tonkatsu); the question goes the other way, from overfilled to "
        "the kind: use Bayes' rule.",
        prior_t * over_t: "that is the joint probability P(tonkatsu, overfilled); divide it by P(overfilled).",
        prior_h: "that is the probability of hamburger; the question asks about tonkatsu.",
    }
    hint = (
        "what is the probability that a Gaussian weight lies above its own mean? Then Bayes' rule: "
        "P(T | over) = P(T) P(over | T) / [P(T) P(over | T) + P(H) P(over | H)]."
    )
    return _exact_probability("4.2", p_tonkatsu_given_overfilled, expected, mistakes, hint)


def _karaage_posterior() -> tuple[float, float]:
    """(μₙ, τₙ) of the karaage mean: precisions add, the mean is precision-weighted."""
    n, total = len(KARAAGE_WEIGHTS), sum(KARAAGE_WEIGHTS)
    precision = 1 / KARAAGE_PRIOR_SD**2 + n / KARAAGE_NOISE_SD**2
    mean = (KARAAGE_PRIOR_MEAN / KARAAGE_PRIOR_SD**2 + total / KARAAGE_NOISE_SD**2) / precision
    return mean, math.sqrt(1 / precision)


def _normal_pdf(x: float, mean: float, variance: float) -> float:
    return math.exp(-0.5 * (x - mean) ** 2 / variance) / math.sqrt(2 * math.pi * variance)


def exercise_4_3(posterior_mean) -> Feedback:
    """The karaage posterior mean μₙ (g)."""
    mean, _ = _karaage_posterior()
    data_mean = sum(KARAAGE_WEIGHTS) / len(KARAAGE_WEIGHTS)
    mistakes = {
        data_mean: "that is the data mean alone; the prior still pulls μₙ a little toward 420 g.",
        (KARAAGE_PRIOR_MEAN + data_mean) / 2: (
            "that is the plain average of prior mean and data mean; weight each by its precision."
        ),
        (KARAAGE_PRIOR_MEAN / KARAAGE_PRIOR_SD**2 + data_mean / KARAAGE_NOISE_SD**2)
        / (1 / KARAAGE_PRIOR_SD**2 + 1 / KARAAGE_NOISE_SD**2): (
            "you counted the data as one weighing; n = 4 weighings have precision n/σ²."
        ),
    }
    hint = (
        "μₙ is the precision-weighted average of the prior mean (precision 1/τ₀²) and the data mean "
        "(precision n/σ²)."
    )
    return check_number(
        "4.3",
        posterior_mean,
        mean,
        decimals=POSTERIOR_MEAN_DECIMALS,
        mistakes=mistakes,
        hint=hint,
        what="the posterior mean in grams",
    )


def exercise_4_4(posterior_sd) -> Feedback:
    """The karaage posterior standard deviation τₙ (g)."""
    _, sd = _karaage_posterior()
    n = len(KARAAGE_WEIGHTS)
    mistakes = {
        sd**2: "that is the posterior variance τₙ²; take its square root.",
        KARAAGE_NOISE_SD / math.sqrt(n): "σ/√n ignores the prior; its precision 1/τ₀² adds to n/σ².",
        math.sqrt(1 / (1 / KARAAGE_PRIOR_SD**2 + 1 / KARAAGE_NOISE_SD**2)): (
            "you counted one weighing; n = 4 weighings have precision n/σ²."
        ),
    }
    hint = "add precisions: 1/τₙ² = 1/τ₀² + n/σ², then τₙ = 1/√(1/τₙ²)."
    return check_number(
        "4.4",
        posterior_sd,
        sd,
        significant_figures=SIGNIFICANT_FIGURES,
        mistakes=mistakes,
        hint=hint,
        what="the posterior sd in grams",
    )


def exercise_4_5(predictive_sd) -> Feedback:
    """The standard deviation √(τₙ² + σ²) of the next karaage bento's weight (g)."""
    _, sd = _karaage_posterior()
    expected = math.sqrt(sd**2 + KARAAGE_NOISE_SD**2)
    mistakes = {
        KARAAGE_NOISE_SD: "σ alone forgets that μ itself is still uncertain (variance τₙ²).",
        sd: "τₙ is the uncertainty about μ; a new weighing adds its own noise σ.",
        sd + KARAAGE_NOISE_SD: "standard deviations do not add; variances do.",
        expected**2: "that is the predictive variance; take its square root.",
    }
    hint = "the next weight is μ plus noise: their variances τₙ² and σ² add."
    return check_number(
        "4.5",
        predictive_sd,
        expected,
        significant_figures=SIGNIFICANT_FIGURES,
        mistakes=mistakes,
        hint=hint,
        what="the predictive sd in grams",
    )


def exercise_4_7(p_category_1) -> Feedback:
    """P(c = 1 | x = 0.5) for θ = 0.75 and σ₁² = σ₂² = 1."""
    theta, x = 0.75, 0.5
    (mu1, mu2), variance = CLUSTER_MEANS, 1.0
    joint_1 = theta * _normal_pdf(x, mu1, variance)
    joint_2 = (1 - theta) * _normal_pdf(x, mu2, variance)
    expected = joint_1 / (joint_1 + joint_2)
    equal_prior = _normal_pdf(x, mu1, variance) / (_normal_pdf(x, mu1, variance) + _normal_pdf(x, mu2, variance))
    mistakes = {
        equal_prior: "that is the answer for θ = 0.5; multiply each likelihood by its prior.",
        joint_1: "that is the numerator θN(x; μ₁, σ₁²); divide by p(x).",
        1 - expected: "that is P(c = 2 | x); the question asks for category 1 (mean −1).",
    }
    hint = "P(c = 1 | x) = θN(x; μ₁, σ₁²) / [θN(x; μ₁, σ₁²) + (1 − θ)N(x; μ₂, σ₂²)]."
    return check_number(
        "4.7", p_category_1,
        expected,
        significant_figures=SIGNIFICANT_FIGURES,
        mistakes=mistakes,
        hint=hint,
        what="a probability",
    )


def exercise_4_8(boundary) -> Feedback:
    """The decision boundary for θ = 0.75 and σ₁² = σ₂² = 1 (where P(c = 1 | x) = 1/2)."""
    theta = 0.75
    mu1, mu2 = CLUSTER_MEANS
    # Equal variances σ²: x* = (μ₁ + μ₂)/2 + σ² log(θ/(1 − θ)) / (μ₂ − μ₁).
    expected = (mu1 + mu2) / 2 + math.log(theta / (1 - theta)) / (mu2 - mu1)
    mistakes = {
        (mu1 + mu2) / 2: "the midpoint is the boundary only for θ = 0.5; the prior moves it.",
        -expected: "right size, wrong direction: the more likely category 1 claims more of the line.",
        2 * expected: "close: check the factor 1/(μ₂ − μ₁) = 1/2.",
    }
    hint = (
        "set log θ − (x − μ₁)²/2 = log(1 − θ) − (x − μ₂)²/2 and solve for x (the x² terms cancel)."
    )
    return check_number(
        "4.8",
        boundary,
        expected,
        decimals=BOUNDARY_DECIMALS,
        mistakes=mistakes,
        mistake_abs=1e-9,  # the midpoint is 0, where a relative tolerance alone would match 0.0 only
        hint=hint,
        what="the boundary x",
    )


def exercise_4_9(num_boundaries) -> Feedback:
    """How many decision boundaries for θ = 0.5, σ₁² = 0.5, σ₂² = 2."""
    return check_choice(
        "4.9",
        num_boundaries,
        2,
        options=(0, 1, 2),
        hints=dict.fromkeys(
            (0, 1), "far out in either tail, which category's density decays more slowly, the narrow or the wide one?"
        ),
    )
