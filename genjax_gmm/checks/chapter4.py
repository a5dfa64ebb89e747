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

Exercise 4.6 asks for code: ``importance_posterior_mean(key, data, prior_mean, prior_sd,
noise_sd, num_particles)``, the self-normalised importance-sampling estimate Σᵢ w̃ᵢ μᵢ of the
posterior mean of μ, with μᵢ drawn from the prior and w̃ᵢ ∝ p(data | μᵢ). It is checked by
behaviour (``checks.behaviour.FunctionCheck``) on two problems the notebook never shows (see
``ESTIMATOR_PROBLEMS``), against the exact conjugate posterior mean: the limit of the estimate
as the number of particles grows. An estimate from N prior draws has standard error
√(E_prior[w̄² (μ − μₙ)²] / N), w̄ = posterior/prior (the delta method); for both problems this is
under 0.02, and ``ESTIMATE_TOLERANCE`` allows 0.12, more than 6 of them. The second problem
has 250 weighings, whose likelihood is below exp(−870) for every μ, so exponentiating the log
weights before normalising gives 0/0. Typical mistakes are told apart by their own limits: the
prior mean (no weights), variances passed where ``normal`` takes standard deviations, and the
trace's score (prior × likelihood) used as the weight, which targets prior² × likelihood, i.e.
a prior with sd τ₀/√2.

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

import jax
import numpy as np

from . import Feedback, check_choice, check_number, read_number
from .behaviour import FunctionCheck, Mistake, Unusable, exact, one_line, read_output

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
    "ESTIMATOR_PROBLEMS",
    "ESTIMATE_TOLERANCE",
    "exercise_4_1",
    "exercise_4_2",
    "exercise_4_3",
    "exercise_4_4",
    "exercise_4_5",
    "exercise_4_6",
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


ESTIMATOR_PROBLEMS = (
    # (data, prior_mean, prior_sd, noise_sd, num_particles): four weighings, and 250 whose
    # likelihood underflows (the normal quantiles at (i + ½)/250, mean 62, sd 8).
    (np.array([151.2, 148.7, 153.9, 150.4]), 146.0, 2.0, 4.0, 20_000),
    (np.round([62 + 8 * NormalDist().inv_cdf((i + 0.5) / 250) for i in range(250)], 1), 59.5, 1.5, 10.0, 5_000),
)
"""Exercise 4.6's hidden problems (the notebook shows only the karaage bentos)."""
ESTIMATE_TOLERANCE = 0.12
"""Exercise 4.6: an estimate passes within this of the exact posterior mean (over 6 standard
errors of an importance-sampling estimate with the problem's number of particles)."""
_ESTIMATOR_KEY_SEED = 46
_RANGE_IN_PRIOR_SDS = 7.0
"""A weighted average of prior draws with weights summing to 1 lies among the draws, which all
lie within this many prior sds of the prior mean (for 20,000 draws, all but with probability 10⁻⁷)."""


def _posterior_mean(key, data, prior_mean, prior_sd, noise_sd, num_particles) -> float:
    """The exact posterior mean μₙ = (μ₀/τ₀² + Σxᵢ/σ²) / (1/τ₀² + n/σ²): the limit of the
    importance-sampling estimate as ``num_particles`` grows (``key`` is not needed)."""
    data = np.asarray(data, dtype=float)
    precision = 1 / prior_sd**2 + data.size / noise_sd**2
    return float((prior_mean / prior_sd**2 + data.sum() / noise_sd**2) / precision)


def _prior_mean_only(key, data, prior_mean, prior_sd, noise_sd, num_particles) -> float:
    """Unweighted: the average of prior draws tends to the prior mean."""
    return float(prior_mean)


def _variances_for_sds(key, data, prior_mean, prior_sd, noise_sd, num_particles) -> float:
    """τ₀² and σ² passed where ``normal`` takes τ₀ and σ."""
    return _posterior_mean(key, data, prior_mean, prior_sd**2, noise_sd**2, num_particles)


def _score_as_weight(key, data, prior_mean, prior_sd, noise_sd, num_particles) -> float:
    """Prior draws weighted by prior × likelihood target prior² × likelihood: a prior sd of τ₀/√2."""
    return _posterior_mean(key, data, prior_mean, prior_sd / math.sqrt(2), noise_sd, num_particles)


def _describe_problem(data, prior_mean, prior_sd, noise_sd, num_particles) -> str:
    weighings = (
        f"the weighings {', '.join(f'{x:g}' for x in data)}"
        if data.size <= 4
        else f"{data.size} weighings (mean {data.mean():.1f})"
    )
    return (
        f"the estimate for {weighings}, prior N({prior_mean:g}, {prior_sd:g}²), noise sd {noise_sd:g} "
        f"and {num_particles:,} particles"
    )


def _estimator_behaviour(estimator) -> dict:
    """``estimator``'s estimate for each hidden problem, compared exactly (within the tolerance)."""
    behaviour = {}
    for index, (data, prior_mean, prior_sd, noise_sd, num_particles) in enumerate(ESTIMATOR_PROBLEMS):
        key = jax.random.key(_ESTIMATOR_KEY_SEED + index)
        label = _describe_problem(data, prior_mean, prior_sd, noise_sd, num_particles)
        try:
            output = estimator(key, data.copy(), prior_mean, prior_sd, noise_sd, num_particles)
        except ValueError as error:
            if "inconsistent sizes" not in str(error) and "shape" not in str(error):
                raise
            raise Unusable(
                f"your function raised {one_line(error)} for {label}. Does your model draw one weighing per "
                "entry of data, normal.repeat(len(data))? Section 5's model drew a fixed n_bentos = 12."
            ) from None
        estimate = float(read_output(output, (), "one number, the estimated posterior mean"))
        if math.isnan(estimate):
            raise Unusable(
                f"your function returned NaN for {label}. With {data.size} weighings every "
                "likelihood is below exp(−870), so exp(log weight) is 0 for every particle and "
                "dividing by their sum gives 0/0. Normalise in logs: w̃ᵢ = exp(ℓᵢ − logsumexp(ℓ))."
            )
        if math.fabs(estimate - prior_mean) > _RANGE_IN_PRIOR_SDS * prior_sd:
            raise Unusable(
                f"your function returned {estimate:.6g} for {label}, outside the range of the prior "
                "draws (the prior mean ± 7 prior sds). The estimate Σᵢ w̃ᵢ μᵢ, with normalised weights "
                "w̃ᵢ (they add up to 1), lies among the particles μᵢ: normalise the weights, then sum."
            )
        behaviour[label] = exact(estimate)
    return behaviour


_ESTIMATOR_CHECK = FunctionCheck(
    exercise="4.6",
    reference=_posterior_mean,
    behaviour=_estimator_behaviour,
    mistakes=[
        Mistake(_prior_mean_only, "your estimate is the prior mean: weight each particle by its likelihood, "
                "w̃ᵢ ∝ exp(log weight), before averaging."),
        Mistake(_variances_for_sds, "normal(mean, sd) takes a standard deviation: you passed variances "
                "(prior_sd**2 or noise_sd**2)."),
        Mistake(_score_as_weight, "you weighted by the trace's log density log p(μ) + log p(data | μ) "
                "(minus get_score()), which includes the prior: the weight is the likelihood alone, the log "
                "weight that generate returns beside the trace."),
    ],
    signature="importance_posterior_mean(key, data, prior_mean, prior_sd, noise_sd, num_particles)",
    what="your function importance_posterior_mean",
    hint=(
        "draw num_particles particles with generate (the data constrained), keep the log weight that "
        "generate returns beside each trace, normalise with logsumexp, and return Σᵢ w̃ᵢ μᵢ."
    ),
    abs=ESTIMATE_TOLERANCE,
)


def exercise_4_6(importance_posterior_mean) -> Feedback:
    """Exercise 4.6: an importance-sampling estimate of the posterior mean, checked by behaviour."""
    return _ESTIMATOR_CHECK(importance_posterior_mean)


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
