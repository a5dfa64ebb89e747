"""Feedback for Chapter 4: conditional probability, Bayes' rule, Bayesian learning of a mean,
and categorization.

Section 1 (Exercises 4.1–4.2), Chibany's bento in hand: a bento is tonkatsu with probability
0.7, weight N(500, 2²) g, else hamburger, N(350, 2²) g; Chibany's guess by hand, the felt
weight, is the weight plus an independent N(0, 50²) g error, so felt | kind ~ N(mₖ, 2² + 50²).

* 4.1: P(tonkatsu | felt ≤ 450 g) = 0.7 F_T(450) / [0.7 F_T(450) + 0.3 F_H(450)] ≈ 0.275, with
  F_k the CDF of the felt weight given kind k (the complement of P(feels heavy | k)).
* 4.2: P(tonkatsu | overfilled), overfilled meaning a weight above the kind's recipe weight:
  each kind is overfilled with probability 1/2, so Bayes' rule returns the prior, 0.7.

Practice problem 1 (Exercises 4.3–4.5), the karaage bentos next door: the unknown mean
weight μ has the prior N(420, 10²) g, each weighing has known noise σ = 5 g, and four bentos
weigh 431, 426, 435 and 428 g. The conjugate update gives

    1/τₙ² = 1/τ₀² + n/σ²,    μₙ = τₙ² (μ₀/τ₀² + Σᵢ xᵢ/σ²),

and the next bento's weight has the posterior predictive N(μₙ, τₙ² + σ²).

* 4.3: μₙ after the four bentos.
* 4.4: the smallest total number of bentos n with τₙ < 1 g: 1/τ₀² + n/σ² > 1 g⁻², n > 24.75,
  so 25 (τₙ does not depend on what the bentos weigh).
* 4.5: P(the fifth bento weighs more than 440 g) under the posterior predictive ≈ 0.0284.

Exercise 4.6 asks for code: ``importance_posterior_mean(key, data, prior_mean, prior_sd,
noise_sd, num_particles)``, the self-normalised importance-sampling estimate Σᵢ w̃ᵢ μᵢ of the
posterior mean of μ, with μᵢ drawn from the prior and w̃ᵢ ∝ p(data | μᵢ). It is checked by
behaviour (``checks.behaviour.FunctionCheck``) on two problems the notebook never shows (see
``ESTIMATOR_PROBLEMS``), against the exact conjugate posterior mean: the limit of the estimate
as the number of particles grows. An estimate from N prior draws has standard error
√(E_prior[w̄² (μ − μₙ)²] / N), w̄ = posterior/prior (the delta method); for both problems this is
under 0.02, and ``ESTIMATE_TOLERANCE`` allows 0.12, more than 6 of them. (The self-normalised
estimate is also biased, by O(1/N): far below that.) The second problem has 250 weighings,
whose likelihood is below exp(−870) for every μ, so exponentiating the log weights before
normalising gives 0/0. Typical mistakes are told apart by their own limits: the prior mean (no
weights, or log weights all 0 because the constraint's address is not the model's, which
GenJAX ignores), variances passed where ``normal`` takes standard deviations, and the trace's
log density log p(μ, data) = −get_score() used as the log weight, which targets prior² ×
likelihood, i.e. a prior with sd τ₀/√2. Other mistakes are recognised by what they do:

* the posterior mean divided by the number of particles, for both problems: the terms w̃ᵢ μᵢ
  averaged instead of summed;
* estimates near 0 (below ``_TINY_FRACTION`` of the prior mean) for both problems: weights that
  are not normalised, exp(log weight) used as it is;
* the same estimate for both problems: the function ignores its data and prior (it reuses the
  notebook's tonkatsu particles);
* an estimate far out in the prior's tail on the side away from the data: the weights rank the
  particles backwards (+get_score(), which in GenJAX 1.0.14 is −log p(μ, data));
* exactly the same estimate from the same key with ``PROBE_PARTICLES`` particles as with the
  problem's 20,000 (one more call): all particles are one draw (an unsplit key), when the
  estimate is wrong, or ``num_particles`` is ignored, when it is right. A sampler that uses
  its particles gives another number with probability 1;
* crashes with GenJAX's type error for a ``repeat`` count passed as a model argument, and with
  JAX's tracer errors for a function compiled whole with ``jax.jit``, or one that compiles an inner
  function taking ``num_particles`` (``num_particles`` is then a placeholder, but a number of
  particles is an array's length): each gets the reason.

Practice problem 2 (Exercises 4.7–4.9), Gaussian clusters with known parameters:
μ₁ = −1, μ₂ = 1, prior θ = P(c = 1), variances σ₁², σ₂²; Bayes' rule gives

    P(c = 1 | x) = θN(x; μ₁, σ₁²) / [θN(x; μ₁, σ₁²) + (1 − θ)N(x; μ₂, σ₂²)].

* 4.7: the prior θ at which P(c = 1 | x = 0.5) = 1/2 for σ₁² = σ₂² = 1: the prior odds must
  cancel the likelihood ratio N(0.5; 1, 1)/N(0.5; −1, 1) = e, so θ = e/(1 + e) ≈ 0.731.
* 4.8: the decision boundary for θ = 0.75, σ₁² = σ₂² = 1: log(3)/2 ≈ 0.549.
* 4.9: the number of boundaries for θ = 0.5, σ₁² = 0.5, σ₂² = 2: two.

Precision: 4.3 to 2 decimal places, 4.7 and 4.8 to 3 decimal places, 4.1, 4.2 and 4.5 to 3
significant figures; 4.4 is a whole number. An answer within one unit of the last digit asked
for passes, unless it is written with fewer digits than asked (0.55 for 0.549…): that is
rounded too much, as 0.52 for 0.5246 is. Every expected value is computed here from the
problem's numbers, independently of the notebook and of ``genjax_gmm.categorize``. A wrong
answer that matches a common mistake gets a hint about that mistake.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import jax
import numpy as np

from . import (
    Feedback,
    check_choice,
    check_number,
    incorrect,
    precision_in_words,
    read_number,
    required_decimals,
    rounded_too_far,
)
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
    "TARGET_POSTERIOR_SD",
    "HEAVY_KARAAGE",
    "SIGNIFICANT_FIGURES",
    "POSTERIOR_MEAN_DECIMALS",
    "CLUSTER_DECIMALS",
    "ESTIMATOR_PROBLEMS",
    "ESTIMATE_TOLERANCE",
    "PROBE_PARTICLES",
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
TARGET_POSTERIOR_SD = 1.0
"""Exercise 4.4: how many bentos until the posterior sd τₙ is below this (g)?"""
HEAVY_KARAAGE = 440.0
"""Exercise 4.5: the probability that the fifth karaage bento weighs more than this (g)."""

CLUSTER_MEANS = (-1.0, 1.0)
"""μ₁ and μ₂ of the two categories in practice problem 2."""

SIGNIFICANT_FIGURES = 3
"""Exercises 4.1, 4.2 and 4.5: answers pass to this many significant figures."""
POSTERIOR_MEAN_DECIMALS = 2
"""Exercise 4.3: the posterior mean (g) to this many decimal places."""
CLUSTER_DECIMALS = 3
"""Exercises 4.7 and 4.8: the prior θ and the boundary x to this many decimal places."""

SIMULATION_REACH = 0.01
"""Section 1's answers are exact; an answer this close that still fails looks simulated (the
notebook's 100,000 bentos estimate a probability to a few thousandths)."""


def _check_precise(exercise: str, answer, expected: float, **options) -> Feedback:
    """``check_number`` with a stated precision, except that an answer written with fewer digits
    than asked that is ``expected`` rounded (0.55 for 0.5493… to 3 decimals) is rounded too much,
    even when it lies within one unit of the last digit asked for. An answer equal to
    ``expected`` (0.7, exactly) is right however it is written."""
    value = read_number(answer)
    precision = {name: options[name] for name in ("significant_figures", "decimals") if name in options}
    if value is not None and math.isfinite(value) and not math.isclose(value, expected, rel_tol=1e-9):
        needed = required_decimals(expected, **precision)
        if (places := rounded_too_far(value, expected, needed)) is not None:
            return incorrect(
                exercise,
                f"{value:g} is the answer rounded to {places} decimal place{'s' if places != 1 else ''}: "
                f"rounded too much. Give {precision_in_words(**precision)}.",
                "store the value your code computed, not a rounded copy of it.",
            )
    return check_number(exercise, answer, expected, **options)


def _p_feels_light_given_kind() -> tuple[float, float]:
    """P(felt ≤ 450 g | kind): the felt weight given kind k is N(mₖ, 2² + 50²)."""
    felt_sd = math.hypot(KIND_SD, HAND_SD)
    return tuple(NormalDist(mean, felt_sd).cdf(FEELS_HEAVY_ABOVE) for mean in KIND_MEANS)


def _exact_probability(exercise: str, answer, expected: float, mistakes: dict, hint: str) -> Feedback:
    """``_check_precise`` for Section 1's exact probabilities, with a word for simulated answers."""
    value = read_number(answer)
    if value is not None and math.isfinite(value) and math.fabs(value - expected) < SIMULATION_REACH:
        hint = (
            "you are close, but not within the precision asked for: a fraction of simulated bentos "
            "is only an estimate. Compute the probability exactly from the model's numbers "
            "(Bayes' rule), and use the simulation to check it."
        )
    return _check_precise(
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
        prior_t: "that is the prior P(tonkatsu); the observation 'feels light' should change it.",
        evidence: "that is P(feels light), the evidence: the denominator of Bayes' rule.",
        given_heavy: "that is P(tonkatsu | feels heavy); this bento feels light: use P(feels light | kind) "
        "= 1 − P(feels heavy | kind), the complement rule given the kind.",
        1 - given_heavy: "that is P(hamburger | feels heavy); restrict to the bentos that feel light.",
    }
    hint = (
        "P(feels light | kind) = 1 − P(feels heavy | kind) for each kind; then restrict to 'feels light' and "
        "renormalise: P(T | light) = P(T) P(light | T) / P(light)."
    )
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
    return _check_precise(
        "4.3",
        posterior_mean,
        mean,
        decimals=POSTERIOR_MEAN_DECIMALS,
        mistakes=mistakes,
        hint=hint,
        what="the posterior mean in grams",
    )


def _bentos_needed(prior_precision: float, one_weighing: float) -> int:
    """The smallest n with prior_precision + n·one_weighing > 1/TARGET_POSTERIOR_SD²."""
    return math.floor((1 / TARGET_POSTERIOR_SD**2 - prior_precision) / one_weighing) + 1


def exercise_4_4(num_bentos) -> Feedback:
    """The smallest total number n of karaage bentos weighed with τₙ < 1 g: 1/τ₀² + n/σ² > 1 g⁻²."""
    prior_precision, one_weighing = 1 / KARAAGE_PRIOR_SD**2, 1 / KARAAGE_NOISE_SD**2
    expected = _bentos_needed(prior_precision, one_weighing)
    boundary = (1 / TARGET_POSTERIOR_SD**2 - prior_precision) / one_weighing
    mistakes = {
        boundary: "that is where 1/τ₀² + n/σ² equals 1 g⁻²; n counts bentos, a whole number: the smallest "
        "whole n above it.",
        expected - 1: "with one bento fewer τₙ is still above 1 g; check 1/τ₀² + n/σ² for your n.",
        _bentos_needed(0.0, one_weighing): "σ/√n ignores the prior: its precision 1/τ₀² counts like part of a "
        "weighing.",
        expected - len(KARAAGE_WEIGHTS): "that is how many more bentos after the four already weighed; the "
        "question asks for the total n.",
        _bentos_needed(1 / KARAAGE_PRIOR_SD, 1 / KARAAGE_NOISE_SD): "precisions are one over variances: "
        "1/τ₀² = 1/10² and 1/σ² = 1/5² per weighing.",
    }
    hint = (
        "τₙ does not depend on what the bentos weigh, only on how many: find the smallest whole n with "
        "1/τ₀² + n/σ² > 1/(1 g)²."
    )
    return check_number(
        "4.4", num_bentos, expected, mistakes=mistakes, mistake_abs=1e-9, hint=hint, what="a whole number of bentos"
    )


def exercise_4_5(p_heavy) -> Feedback:
    """P(the fifth karaage bento weighs more than 440 g) under the posterior predictive
    N(μₙ, τₙ² + σ²)."""
    mean, sd = _karaage_posterior()
    data_mean = sum(KARAAGE_WEIGHTS) / len(KARAAGE_WEIGHTS)
    predictive_sd = math.hypot(sd, KARAAGE_NOISE_SD)

    def heavier(mean: float, sd: float) -> float:
        return 1 - NormalDist(mean, sd).cdf(HEAVY_KARAAGE)

    expected = heavier(mean, predictive_sd)
    mistakes = {
        heavier(mean, KARAAGE_NOISE_SD): "σ alone forgets that μ itself is still uncertain (variance τₙ²).",
        heavier(mean, sd): "that is P(μ > 440 g), about the mean; a bento scatters around μ with its own σ.",
        heavier(mean, sd + KARAAGE_NOISE_SD): "standard deviations do not add; variances do.",
        heavier(mean, predictive_sd**2): "the normal distribution takes a standard deviation: you passed the "
        "predictive variance.",
        1 - expected: "that is the probability of weighing less than 440 g; the question asks for more.",
        heavier(data_mean, predictive_sd): "the predictive distribution is centred on the posterior mean μₙ, "
        "not on the data mean.",
        heavier(KARAAGE_PRIOR_MEAN, math.hypot(KARAAGE_PRIOR_SD, KARAAGE_NOISE_SD)): "that is the prediction "
        "before any weighing (from the prior); use the posterior.",
    }
    hint = (
        "the next weight is μ plus noise, x_new ~ N(μₙ, τₙ² + σ²); the probability of more than 440 g is "
        "1 − F(440), norm.sf."
    )
    return _check_precise(
        "4.5",
        p_heavy,
        expected,
        significant_figures=SIGNIFICANT_FIGURES,
        mistakes=mistakes,
        hint=hint,
        what="a probability",
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
PROBE_PARTICLES = 2_000
"""Exercise 4.6: the first problem is run once more with this many particles, from the same key."""
_ESTIMATOR_KEY_SEED = 46
_RANGE_IN_PRIOR_SDS = 7.0
"""A weighted average of prior draws with weights summing to 1 lies among the draws, which all
lie within this many prior sds of the prior mean (for 20,000 draws, all but with probability 10⁻⁷)."""
_TINY_FRACTION = 1e-3
"""Estimates below this fraction of the prior mean for both problems (146 and 59.5 g, 40 prior sds
from 0) come from weights that are not normalised: the likelihoods, exp(log weight), are below
10⁻⁴ (0.0997⁴, four densities of sd 4) and exp(−870), so their average times μ is below 0.015 and 0."""
_TAIL_IN_PRIOR_SDS = 3.0
"""An estimate this many prior sds from the prior mean, on the side away from the posterior mean,
comes from weights that favour the particles that fit the data worst: the most extreme of 5,000
prior draws lies about 3.7 prior sds out, and both posterior means lie within 1.5 prior sds."""

_REPEAT_COUNT_HINT = (
    "The count n of normal.repeat(n) must be a plain Python int, fixed when the model is built: GenJAX runs a "
    "model with placeholders for its arguments, and JAX must know the number of weighings, an array's length, "
    "when it compiles. So the count cannot be a model argument: build the model inside your function, where "
    "len(data) is a plain int, as weighings_model(len(data)) of Section 2 does."
)
_WHOLE_JIT_HINT = (
    "Your function is compiled as a whole with jax.jit, so num_particles is a placeholder while JAX compiles "
    "it; but the number of particles is an array's length (of the keys), which JAX must know as a plain int. "
    "Leave importance_posterior_mean uncompiled and compile the particle function inside it, "
    "jax.jit(jax.vmap(one_particle)), as Section 5 did."
)

_TRACED_COUNT_HINT = (
    "A function compiled with jax.jit inside yours takes num_particles (or a count made from it) as an "
    "argument, so it is a placeholder there; but the number of particles is an array's length (of the keys), "
    "which JAX must know as a plain int. Split the keys outside jax.jit, jax.random.split(key, num_particles), "
    "and compile only the vectorised particle function, jax.jit(jax.vmap(one_particle))(keys), as Section 5 did."
)


def _posterior_mean(key, data, prior_mean, prior_sd, noise_sd, num_particles) -> float:
    """The exact posterior mean μₙ = (μ₀/τ₀² + Σxᵢ/σ²) / (1/τ₀² + n/σ²): the limit of the
    importance-sampling estimate as ``num_particles`` grows (``key`` is not needed)."""
    data = np.asarray(data, dtype=float)
    precision = 1 / prior_sd**2 + data.size / noise_sd**2
    return float((prior_mean / prior_sd**2 + data.sum() / noise_sd**2) / precision)


def _prior_mean_only(key, data, prior_mean, prior_sd, noise_sd, num_particles) -> float:
    """Unweighted (or every log weight 0): the average of prior draws tends to the prior mean."""
    return float(prior_mean)


def _variances_for_sds(key, data, prior_mean, prior_sd, noise_sd, num_particles) -> float:
    """τ₀² and σ² passed where ``normal`` takes τ₀ and σ."""
    return _posterior_mean(key, data, prior_mean, prior_sd**2, noise_sd**2, num_particles)


def _score_as_weight(key, data, prior_mean, prior_sd, noise_sd, num_particles) -> float:
    """Prior draws weighted by prior × likelihood target prior² × likelihood: a prior sd of τ₀/√2."""
    return _posterior_mean(key, data, prior_mean, prior_sd / math.sqrt(2), noise_sd, num_particles)


_LIMITS = frozenset({_posterior_mean, _prior_mean_only, _variances_for_sds, _score_as_weight})
"""The check's own estimators: limits as the number of particles grows, which ignore ``key`` and
``num_particles`` by design (the sampling diagnostics do not apply to them)."""


def _describe_problem(data, prior_mean, prior_sd, noise_sd, num_particles) -> str:
    weighings = (
        f"the weighings {', '.join(f'{x:g}' for x in data)}"
        if data.size <= 4
        else f"{data.size} weighings (mean {data.mean():.1f})"
    )
    return f"{weighings}, prior N({prior_mean:g}, {prior_sd:g}²), noise sd {noise_sd:g} and {num_particles:,} particles"


def _crash_reason(error: Exception, estimator) -> str | None:
    """Why ``estimator`` crashed, for the crashes typical of this exercise, else ``None``."""
    message = one_line(error)
    if "repeat()" in message and "violates type hint" in message:  # GenJAX's (beartype's) type check
        return _REPEAT_COUNT_HINT
    numpy_on_placeholders = isinstance(error, jax.errors.TracerArrayConversionError)  # the machinery's hint
    if hasattr(estimator, "lower") and "Tracer" in str(error) and not numpy_on_placeholders:  # jax.jit
        return _WHOLE_JIT_HINT
    if "Tracer" in str(error) and "not hashable" in str(error) and not numpy_on_placeholders:
        return _TRACED_COUNT_HINT  # a jax.jit inside the function that takes num_particles as an argument
    if isinstance(error, ValueError) and ("inconsistent sizes" in str(error) or "shape" in str(error)):
        return (
            "Does your model draw one weighing per entry of data, normal.repeat(len(data))? Section 5's model "
            "drew a fixed n_bentos = 12."
        )
    return None


def _estimate(estimator, index: int, num_particles: int | None = None) -> tuple[float, str]:
    """``estimator``'s estimate for hidden problem ``index`` (with its own number of particles
    unless ``num_particles`` is given), and the problem's description; ``Unusable`` for a typical
    crash or an output that is not one number."""
    data, prior_mean, prior_sd, noise_sd, default_particles = ESTIMATOR_PROBLEMS[index]
    num_particles = num_particles or default_particles
    problem = _describe_problem(data, prior_mean, prior_sd, noise_sd, num_particles)
    try:
        output = estimator(
            jax.random.key(_ESTIMATOR_KEY_SEED + index), data.copy(), prior_mean, prior_sd, noise_sd, num_particles
        )
    except Exception as error:
        if (reason := _crash_reason(error, estimator)) is None:
            raise
        raise Unusable(f"for {problem} your function raised {one_line(error).rstrip('.')}. {reason}") from None
    estimate = float(read_output(output, (), "one number, the estimated posterior mean"))
    if math.isnan(estimate):
        raise Unusable(
            f"your function returned NaN for {problem}. With {data.size} weighings every "
            "likelihood is below exp(−870), so exp(log weight) is 0 for every particle and "
            "dividing by their sum gives 0/0. Normalise in logs: w̃ᵢ = exp(ℓᵢ − logsumexp(ℓ))."
        )
    return estimate, problem


def _same(first: float, second: float) -> bool:
    """Equal up to float rounding (a sum of 2,000 or 20,000 equal terms differs in the last digits)."""
    return math.fabs(first - second) <= 1e-9 * max(1.0, math.fabs(first))


def _diagnose(estimator, estimates: list[float], problems: list[str]) -> None:
    """``Unusable`` for an estimator whose estimates show a typical sampling mistake (see the module
    docstring); the check's own limits are exempt."""
    if estimator in _LIMITS:
        return
    rights = [_posterior_mean(None, *problem) for problem in ESTIMATOR_PROBLEMS]
    if all(
        math.fabs(estimate * num_particles - right) <= ESTIMATE_TOLERANCE
        for estimate, right, (*_, num_particles) in zip(estimates, rights, ESTIMATOR_PROBLEMS)
    ):
        raise Unusable(
            f"your function returned {estimates[0]:.6g} for {problems[0]}: the posterior mean divided by the "
            "number of particles. You averaged the terms w̃ᵢ μᵢ (a mean over the particles); the normalised "
            "weights w̃ᵢ already add up to 1, so the estimate is their sum, Σᵢ w̃ᵢ μᵢ."
        )
    if estimates[0] != estimates[1] and all(  # a constant is told below that it ignores its arguments
        math.fabs(estimate) < _TINY_FRACTION * math.fabs(prior_mean)
        for estimate, (_, prior_mean, *_) in zip(estimates, ESTIMATOR_PROBLEMS)
    ):
        raise Unusable(
            f"your function returned {estimates[0]:.6g} and {estimates[1]:.6g} for two problems whose posterior "
            "means are tens of grams from 0: your weights are not normalised. exp(log weight), a likelihood, "
            "is tiny (or 0) for every particle; divide by the weights' total, in logs, "
            "w̃ᵢ = exp(ℓᵢ − logsumexp(ℓ)), and return Σᵢ w̃ᵢ μᵢ."
        )
    if math.fabs(estimates[0] - estimates[1]) <= ESTIMATE_TOLERANCE:
        raise Unusable(
            f"your function returned {estimates[0]:.6g} and {estimates[1]:.6g} for two problems whose posterior "
            "means are tens of grams apart: it does not use its arguments. Build the model, the constraints and "
            "the prior from data, prior_mean, prior_sd and noise_sd (Section 5's particle and observed belong to "
            "the tonkatsu bentos)."
        )
    for estimate, problem, (data, prior_mean, prior_sd, *_) in zip(estimates, problems, ESTIMATOR_PROBLEMS):
        distance = (estimate - prior_mean) / prior_sd
        if math.fabs(distance) > _RANGE_IN_PRIOR_SDS:
            raise Unusable(
                f"your function returned {estimate:.6g} for {problem}, outside the range of the prior "
                "draws (the prior mean ± 7 prior sds). The estimate Σᵢ w̃ᵢ μᵢ, with normalised weights "
                "w̃ᵢ (they add up to 1), lies among the particles μᵢ: normalise the weights, then sum."
            )
        data_side = np.mean(data) > prior_mean  # where the posterior mean lies, between prior and data
        if math.fabs(distance) > _TAIL_IN_PRIOR_SDS and (distance > 0) != data_side:
            raise Unusable(
                f"your function returned {estimate:.6g} for {problem}, {math.fabs(distance):.1f} prior sds from "
                "the prior mean on the side away from the data: your weights favour the particles that explain "
                "the data worst. In GenJAX 1.0 a trace's get_score() is minus its log density, −log p(μ, data), "
                "so +get_score() as a log weight ranks the particles backwards. Use the log weight that "
                "generate returns beside the trace."
            )
    probe, _ = _estimate(estimator, 0, PROBE_PARTICLES)
    if _same(probe, estimates[0]):
        particles = f"{ESTIMATOR_PROBLEMS[0][-1]:,} and {PROBE_PARTICLES:,} particles"
        right = _posterior_mean(None, *ESTIMATOR_PROBLEMS[0][:-1], 0)
        if math.fabs(estimates[0] - right) <= ESTIMATE_TOLERANCE:
            raise Unusable(
                f"your function returned exactly the same estimate, {estimates[0]:.6g}, with {particles} from "
                "the same key: it does not use num_particles. Draw num_particles particles, one key each: "
                "jax.random.split(key, num_particles)."
            )
        raise Unusable(
            f"your function returned {estimates[0]:.6g} for {problems[0]}, and exactly the same with "
            f"{PROBE_PARTICLES:,} particles: all your particles seem to be one and the same draw, as when every "
            "particle gets the same key. Split the key into one key per particle, "
            "jax.random.split(key, num_particles), and give each particle its own."
        )


def _estimator_behaviour(estimator) -> dict:
    """``estimator``'s estimate for each hidden problem, compared exactly (within the tolerance)."""
    estimates, problems = zip(*(_estimate(estimator, index) for index in range(len(ESTIMATOR_PROBLEMS))))
    _diagnose(estimator, list(estimates), list(problems))
    return {f"the estimate for {problem}": exact(estimate) for problem, estimate in zip(problems, estimates)}


_ESTIMATOR_CHECK = FunctionCheck(
    exercise="4.6",
    reference=_posterior_mean,
    behaviour=_estimator_behaviour,
    mistakes=[
        Mistake(_prior_mean_only, "your estimate is the plain average of the prior draws, as if every particle "
                "counted the same. Weight each particle by its likelihood, w̃ᵢ ∝ exp(log weight). If you did, "
                "your log weights are all 0: then generate constrained nothing. Check that the address in your "
                "constraints is the address of the weighings in your model."),
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


def _likelihood_ratio(x: float) -> float:
    """N(x; μ₂, 1) / N(x; μ₁, 1): how much more probable category 2 makes x."""
    (mu1, mu2), variance = CLUSTER_MEANS, 1.0
    return _normal_pdf(x, mu2, variance) / _normal_pdf(x, mu1, variance)


def exercise_4_7(theta) -> Feedback:
    """The prior θ at which P(c = 1 | x = 0.5) = 1/2, for σ₁² = σ₂² = 1: prior odds θ/(1 − θ)
    equal to the likelihood ratio, θ = r/(1 + r)."""
    x = 0.5
    ratio = _likelihood_ratio(x)
    expected = ratio / (1 + ratio)
    half_ratio = math.sqrt(ratio)
    mistakes = {
        0.5: "with θ = 0.5 the likelihood alone decides, and x = 0.5 is closer to μ₂: category 2 wins. The "
        "prior must make up for the likelihood ratio.",
        1 - expected: "that is 1 − θ, the prior of category 2. Here category 1 needs the prior's help (x is "
        "closer to μ₂), so its θ is above 1/2.",
        ratio: "that is the prior odds θ/(1 − θ) needed; turn odds into a probability: θ = odds/(1 + odds).",
        1 / ratio: "that is the likelihood ratio N(x; μ₁, 1)/N(x; μ₂, 1), not θ: the prior odds θ/(1 − θ) "
        "must make up for it.",
        half_ratio / (1 + half_ratio): "check the likelihood ratio: N(0.5; 1, 1)/N(0.5; −1, 1) = "
        "exp(((0.5 + 1)² − (0.5 − 1)²)/2).",
    }
    hint = (
        "P(c = 1 | x) = 1/2 when the posterior odds are 1: prior odds θ/(1 − θ) times the likelihood ratio "
        "N(x; μ₁, 1)/N(x; μ₂, 1) equal 1. Solve for θ."
    )
    return _check_precise(
        "4.7",
        theta,
        expected,
        decimals=CLUSTER_DECIMALS,
        mistakes=mistakes,
        hint=hint,
        what="a prior probability θ",
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
    return _check_precise(
        "4.8",
        boundary,
        expected,
        decimals=CLUSTER_DECIMALS,
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
        hints={
            0: "zero boundaries would mean one category is the more probable everywhere. Far out in the tails "
            "the wide category 2 wins, since its density decays more slowly; but compare the two at x = μ₁ = −1, "
            "where the narrow category 1 has its peak.",
            1: "one boundary would mean one category wins on the left and the other on the right. But far out "
            "the wide category 2 wins on both sides, since its density decays more slowly. Does category 1 win "
            "anywhere, for instance at its own mean x = −1? Then how many times must P(c = 1 | x) cross 1/2?",
        },
    )
