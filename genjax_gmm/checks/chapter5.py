"""Checks for Chapter 5, Gaussian mixture models.

Kinds are numbered as in the chapter: by mean, lightest first (hamburger 0, tonkatsu 1; coffee
blends weakest first), the order every relabelled result of the package has. (``gg.TONKATSU = 0``
and ``gg.BENTO`` keep Chapter 1's order; they are not used here.)

* 5.1: the sloppy kitchen's mixture density at 420 g, p(x) = Σₖ πₖ N(x; μₖ, σₖ²) with
  π = (0.3, 0.7), μ = (350, 500) g, σ = (20, 20) g (``SLOPPY_KITCHEN``): both kinds contribute
  (0.3·N(420; 350, 20²) ≈ 1.31·10⁻⁵ and 0.7·N(420; 500, 20²) ≈ 0.47·10⁻⁵ per gram).
* 5.2: the effective sample size 1 / Σᵢ w̄ᵢ² of five importance log weights near −1000, where
  w̄ᵢ = exp(ℓᵢ − logsumexp(ℓ)) (exponentiating ℓᵢ directly underflows to 0/0).
* 5.3: code: ``draw_kinds(key, x, weights, means, variances)``, the kinds-given-parameters block
  of Gibbs sampling, z_i ~ P(z_i = k | π, μ, σ², x_i) ∝ π_k N(x_i; μ_k, σ²_k) independently for every
  point. Judged by behaviour (``behaviour.FunctionCheck``) on two hidden problems (``_HIDDEN``), over
  10,000 fixed keys: how often each point gets each kind (the second problem's weights 0.90, 0.08,
  0.02 make a square root of the weights or tempered logits move them by many standard errors), how
  often two points with the same weight share a kind (Σₖ pₖ², where one uniform shared by all points
  gives 1), and a point whose kind is certain (exactly, on every key). Typical mistakes (the
  variance passed where a standard deviation is taken, the −½ log σ² term dropped, the weights
  forgotten, probabilities passed as logits, the most probable kind instead of a draw, labels from
  1, one key for every point's draw) get their own hint.
* 5.4: label switching (multiple choice), asked before the chapter explains it: chains whose
  "component 0" has mean 500 g or 350 g describe the same posterior with the labels swapped ("c").
* 5.5: the coffee with a 31st cup of 100 mg: every cup's posterior blend probabilities, one row
  per cup and one column per blend, weakest first. The 30 cups' blends are certain (the blends are
  about 19 standard deviations apart), so their rows are Bayes' rule at the café's blends
  (``COFFEE``); the new cup's row is exact given them, from the collapsed log joint of its three
  possible blends under ``COFFEE_PRIOR`` (0.171, 0.829, 0). Entries must be within 0.02. A row 30
  of chains that never moved the cup, of known blends (0.5, 0.5, 0) or of labels left unsorted
  gets its hint.

5.1 and 5.2 ask for one number (an array of one entry or a list is told to give a single number) to
3 significant figures (``SIGNIFICANT_FIGURES``), and their answers rounded to
2 are more than one unit of the third figure off, so a rounding that is too coarse is told so; 5.2's
answer rounded to a whole number of particles gets its own hint (an ESS need not be whole). Each
check computes its expected answer itself, with the standard library from the exercise's numbers
(stated here as constants) for 5.1 and 5.2, by its own reference implementation for 5.3 and by
Bayes' rule and the collapsed log joint for 5.5, independently of the notebook. A wrong answer that
reproduces a common mistake gets a hint about that mistake.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.stats import norm

from .. import COFFEE, COFFEE_CAFFEINE, GMMPrior, MixtureParameters, category_posterior, collapsed_log_joint
from . import (
    Feedback,
    check_choice,
    check_number,
    correct,
    describe,
    incorrect,
    not_one_number,
    read_array,
    read_number,
    unanswered,
)
from .behaviour import FunctionCheck, Mistake, Unusable, cheap_jit, exact, read_output, sample_mean

__all__ = [
    "SLOPPY_KITCHEN",
    "DENSITY_POINT",
    "LOG_WEIGHTS",
    "NEW_CUP",
    "COFFEE_PRIOR",
    "BLEND_PROBABILITY_TOLERANCE",
    "SIGNIFICANT_FIGURES",
    "exercise_5_1",
    "exercise_5_2",
    "exercise_5_3",
    "exercise_5_4",
    "exercise_5_5",
]

SLOPPY_KITCHEN = MixtureParameters(weights=(0.3, 0.7), means=(350.0, 500.0), stds=(20.0, 20.0))
"""Exercise 5.1: the kitchen next door, hamburger (350 g) first, ten times sloppier than Chibany's."""

DENSITY_POINT = 420.0
"""Exercise 5.1: evaluate the sloppy kitchen's mixture density at this weight (g)."""

LOG_WEIGHTS = (-1000.9, -1000.0, -1002.5, -1004.0, -1000.2)
"""Exercise 5.2: unnormalised log importance weights of five particles."""

NEW_CUP = 100.0
"""Exercise 5.5: the caffeine (mg) of a 31st cup, between the weakest and the middle blend."""

COFFEE_PRIOR = GMMPrior(concentration=1.0, mean_loc=125.0, mean_scale=40.0, var_shape=2.0, var_scale=10.0)
"""Exercise 5.5: the prior the chapter states for the coffee (its ``coffee_prior``)."""

BLEND_PROBABILITY_TOLERANCE = 0.02
"""Exercise 5.5: largest accepted difference from the exact P(blend | cups)."""

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
    """p(420) for the sloppy kitchen: Σₖ πₖ N(420; μₖ, σₖ²)."""
    x, (weights, means, stds) = DENSITY_POINT, SLOPPY_KITCHEN
    gaussians = [_normal_pdf(x, m, s) for m, s in zip(means, stds)]
    terms = [w * g for w, g in zip(weights, gaussians)]
    expected = math.fsum(terms)
    mistakes = {
        math.fsum(gaussians): "that is N(420; 350, 20²) + N(420; 500, 20²); multiply each kind's density by its "
        "weight πₖ.",
        math.fsum(w * _normal_pdf(x, m, s**2) for w, m, s in zip(weights, means, stds)): (
            "you used the variance σ² = 400 g² where the normal density needs the standard deviation σ = 20 g."
        ),
        terms[0]: "that is only the hamburger term; at 420 g the tonkatsu kind contributes too: "
        "add π₁ N(420; 500, 20²).",
        terms[1]: "that is only the tonkatsu term; at 420 g the hamburger kind contributes too: "
        "add π₀ N(420; 350, 20²).",
        weights[1] * gaussians[0] + weights[0] * gaussians[1]: (
            "the weights are swapped: hamburger (350 g, kind 0) has weight 0.3 and tonkatsu (500 g, kind 1) 0.7."
        ),
        expected * math.sqrt(2 * math.pi): "the normal density has the factor 1/(σ√(2π)); you left out the √(2π).",
        expected * stds[0]: "the normal density has the factor 1/(σ√(2π)); you left out the 1/σ.",
        math.log(expected): "that is the log of the density, log p(420); the exercise asks for p(420) itself.",
    }
    hint = "p(x) = Σₖ πₖ N(x; μₖ, σₖ²) with π = (0.3, 0.7), μ = (350, 500) g, σ = (20, 20) g, hamburger first."
    if (feedback := not_one_number("5.1", density, "a density in 1/g")) is not None:
        return feedback
    if read_number(density) == 0:  # a small density rounded to a number of decimals, round(p, 4)
        return incorrect(
            "5.1",
            "0 is too small: a mixture of Gaussian densities is positive everywhere.",
            f"if you rounded, round to {SIGNIFICANT_FIGURES} significant figures, not to a number of decimals: "
            "round(p, 4) turns a small density into 0.",
        )
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
    normalised = [math.exp(v - _log_sum_exp(LOG_WEIGHTS)) for v in LOG_WEIGHTS]
    mistakes = {
        float(len(LOG_WEIGHTS)): "that is the number of particles; unequal weights make the ESS smaller.",
        1 / math.fsum(w**2 for w in shifted): (
            "normalise the weights first (w̄ᵢ = wᵢ / Σⱼ wⱼ) so that they sum to 1."
        ),
        1.0: "1 / Σᵢ w̄ᵢ is always 1, since normalised weights sum to 1: the ESS squares them, 1 / Σᵢ w̄ᵢ². "
        "(An ESS of exactly 1 would mean one particle has all the weight.)",
        math.fsum(w**2 for w in normalised): "that is Σᵢ w̄ᵢ²; the ESS is its reciprocal, 1 / Σᵢ w̄ᵢ².",
    }
    for whole in {math.floor(expected), round(expected)}:  # int(ess) or round(ess)
        mistakes[float(whole)] = (
            "that is a whole number of particles; the ESS need not be whole: do not round it, give at least "
            f"{SIGNIFICANT_FIGURES} significant figures."
        )
    hint = (
        "subtract the largest log weight before exponentiating (log-sum-exp), normalise, "
        "then ESS = 1 / Σᵢ w̄ᵢ²."
    )
    if (feedback := not_one_number("5.2", effective_sample_size, "a number of particles")) is not None:
        return feedback
    return check_number(
        "5.2",
        effective_sample_size,
        expected,
        significant_figures=SIGNIFICANT_FIGURES,
        mistakes=mistakes, hint=hint,
        what="a number of particles",
    )


# Exercise 5.3: the kinds-given-parameters block, on two problems the notebook never shows, both
# with 5 points and 3 kinds (one compiled program). The first has unequal weights and variances;
# the second lopsided weights, two pairs of equal points (do they share a kind as often as
# independent draws would?) and a point far out whose kind is certain. Each typical mistake moves
# some frequency by far more than chance (tests/test_checks_chapter5.py measures the margins).
_HIDDEN_X = (jnp.array([-1.2, 0.4, 1.3, 2.6, 3.9]), jnp.array([0.8, 0.8, 2.0, 2.0, 20.0]))
_HIDDEN = (
    (jnp.array([0.5, 0.3, 0.2]), jnp.array([0.0, 1.5, 3.5]), jnp.array([0.3, 2.5, 0.2])),
    (jnp.array([0.90, 0.08, 0.02]), jnp.array([0.0, 1.0, 2.5]), jnp.array([1.0, 1.0, 0.05])),
)
_PAIRS = ((0, 1), (2, 3))  # equal points of the second problem
_CERTAIN = (4, 1)  # the second problem's point at 20 is of kind 1 (the others' log odds below −17)
_KEYS = jax.random.split(jax.random.key(53), 10_000)


def _log_joint(x, weights, means, scales):
    return jnp.log(weights) + norm.logpdf(x[:, None], means, scales)


def _draw_kinds(key, x, weights, means, variances):
    """The reference: z_i ~ Categorical(softmax(log π_k + log N(x_i; μ_k, σ²_k))) for every i."""
    return jax.random.categorical(key, _log_joint(x, weights, means, jnp.sqrt(variances)), axis=-1)


def _variance_as_scale(key, x, weights, means, variances):
    return jax.random.categorical(key, _log_joint(x, weights, means, variances), axis=-1)


def _without_log_variance(key, x, weights, means, variances):
    logits = jnp.log(weights) - 0.5 * (x[:, None] - means) ** 2 / variances
    return jax.random.categorical(key, logits, axis=-1)


def _without_weights(key, x, weights, means, variances):
    return _draw_kinds(key, x, jnp.ones_like(weights), means, variances)


def _probabilities_as_logits(key, x, weights, means, variances):
    joint = jnp.exp(_log_joint(x, weights, means, jnp.sqrt(variances)))
    return jax.random.categorical(key, joint / joint.sum(axis=1, keepdims=True), axis=-1)


def _most_probable(key, x, weights, means, variances):
    return jnp.argmax(_log_joint(x, weights, means, jnp.sqrt(variances)), axis=-1)


def _labels_from_one(key, x, weights, means, variances):
    return _draw_kinds(key, x, weights, means, variances) + 1


def _one_key_for_every_point(key, x, weights, means, variances):
    """Each row drawn with the same key: equal points always share a kind."""
    logits = _log_joint(x, weights, means, jnp.sqrt(variances))
    return jax.vmap(lambda row: jax.random.categorical(key, row))(logits)


def _kinds_behaviour(draw_kinds):
    run = cheap_jit(jax.vmap(draw_kinds, in_axes=(0, None, None, None, None)))
    behaviour = {}
    for problem, (x, parameters) in enumerate(zip(_HIDDEN_X, _HIDDEN), start=1):
        draws = run(_KEYS, x, *parameters)
        one_call = np.shape(draws)[1:] if hasattr(draws, "shape") else None
        if one_call is not None and one_call != x.shape:
            raise Unusable(f"for {x.size} points your function returned an array of shape {one_call}; "
                           f"expected one kind per point, shape {x.shape}.")
        kinds = read_output(draws, (_KEYS.shape[0], x.size), "one kind per point (whole numbers)", integer=True)
        for i, value in enumerate(x.tolist()):
            point = f"in problem {problem}, point {i} (at {value:g})"
            if problem == 2 and i == _CERTAIN[0]:
                share = np.mean(kinds[:, i] == _CERTAIN[1])
                behaviour[f"{point}, whose kind is certain: how often it gets kind {_CERTAIN[1]}"] = exact(share)
                continue
            for k in range(len(parameters[0])):
                behaviour[f"{point}: how often it gets kind {k}"] = sample_mean(kinds[:, i] == k)
        if problem == 2:
            for i, j in _PAIRS:
                behaviour[f"in problem 2, how often points {i} and {j} (both at {x[i]:g}) share a kind"] = sample_mean(
                    kinds[:, i] == kinds[:, j])
    return behaviour


_DRAW_KINDS = FunctionCheck(
    exercise="5.3",
    reference=_draw_kinds,
    behaviour=_kinds_behaviour,
    mistakes=[
        Mistake(_variance_as_scale, "norm.logpdf takes the standard deviation σ_k: pass jnp.sqrt(variances)."),
        Mistake(_without_log_variance, "the log density of N(x; μ, σ²) has the term −½ log(2πσ²) as well as "
                "−(x − μ)²/(2σ²); with unequal variances it matters (norm.logpdf includes it)."),
        Mistake(_without_weights, "the prior term is missing: add log π_k (jnp.log(weights)) to each log density."),
        Mistake(_probabilities_as_logits, "jax.random.categorical takes log probabilities (logits): do not "
                "exponentiate them, or pass jnp.log of the probabilities."),
        Mistake(_most_probable, "that is the most probable kind every time; a Gibbs step draws the kind at "
                "random from its conditional (jax.random.categorical)."),
        Mistake(_labels_from_one, "your kinds are numbered from 1; Python numbers them 0 … K − 1."),
        Mistake(_one_key_for_every_point, "points with equal weights always get the same kind: every point's "
                "kind comes from the same random numbers (one key, or one uniform, for all points), so the kinds "
                "are not drawn independently. Draw all rows at once, jax.random.categorical(key, logits, "
                "axis=-1), or split the key, one per point."),
    ],
    signature="draw_kinds(key, x, weights, means, variances)",
    what="a function draw_kinds(key, x, weights, means, variances)",
    hint="for every point i and kind k, the logit log π_k + log N(x_i; μ_k, σ²_k), an (n, K) table "
    "(x[:, None] against the K means), then one jax.random.categorical draw per row: each point's kind "
    "drawn independently of the others'.",
)


def exercise_5_3(draw_kinds) -> Feedback:
    """``draw_kinds(key, x, weights, means, variances)``: one kind per point from its conditional."""
    return _DRAW_KINDS(draw_kinds)


def exercise_5_4(answer) -> Feedback:
    """Chains report raw μ₀ ≈ 500 g and ≈ 350 g: the same posterior with swapped labels ("c")."""
    hints = {
        "a": "look at the chains' μ₀ traces: do the chains near 350 g drift towards 500 g as they run? "
        "They hold their level from the first draw after burn-in to the last.",
        "b": "print each chain's average of μ₁ too (raw_means[:, :, 1]) beside its μ₀: every chain has one kind "
        "near 350 g and one near 500 g, the same two kinds.",
        "d": "a narrower prior on the means limits how far a mean can wander; it does not make chains agree "
        "that already do: their log joints wander over the same range and R-hat is below 1.01.",
    }
    return check_choice("5.4", answer, "c", options=_CHOICES, hints=hints)


@functools.cache
def _exact_blend_probabilities() -> np.ndarray:
    """P(blend | 31 cups), weakest blend first: Bayes' rule at the known blends for the 30 cups,
    whose blends are certain, and for the new cup its three possible blends weighed by the collapsed
    log joint with the others' blends fixed."""
    known = np.asarray(category_posterior(COFFEE_CAFFEINE, *COFFEE))
    cups = np.append(COFFEE_CAFFEINE, NEW_CUP)
    blends = known.argmax(axis=1)
    log_joint = np.array([collapsed_log_joint(cups, np.append(blends, k), 3, COFFEE_PRIOR) for k in range(3)])
    expected = np.vstack([known, np.exp(log_joint - np.logaddexp.reduce(log_joint))])
    expected.setflags(write=False)  # computed once, shared by every call
    return expected


_BLEND_HINT = (
    "add the 100 mg cup to the 30 cups, run a sampler whose chains can move it between blends (§12) with K = 3 "
    "and check its diagnostics; kind_probabilities() of gg.collapsed_gibbs, or gg.assignment_probabilities of "
    "gg.gibbs, gives one row per cup, blends ordered by mean."
)


def _blend_hint(answer: np.ndarray, expected: np.ndarray, cup: int) -> str:
    """The hint for a wrong array of the right shape: columns in another order or mixed (label switching),
    judged on the 30 cups whose blends are certain, or else the new cup's row."""
    tolerance = BLEND_PROBABILITY_TOLERANCE
    certain, answered = expected[:-1], answer[:-1]
    mixing, *_ = np.linalg.lstsq(certain, answered, rcond=None)  # answer ≈ expected · mixing?
    explained = np.all(np.abs(certain @ mixing - answered) <= tolerance)
    if explained and not np.allclose(mixing, np.eye(3), atol=0.1) and not np.allclose(mixing, 1 / 3, atol=0.1):
        if np.allclose(mixing, np.round(mixing), atol=0.1):
            return ("your columns hold the blends in another order (labels switched, or sorted the wrong way): "
                    "column 0 must be the weakest blend, column 2 the strongest.")
        return ("your columns mix the blends: cups of one blend are partly given to another. Either the blends' "
                "names switched within the chains and were not sorted by mean in every draw before averaging "
                "(gg.assignment_probabilities and kind_probabilities() do sort), or the chains never settled on "
                "the three blends: read the sampler's warning, and check that you used coffee_prior.")
    if cup == expected.shape[0] - 1:
        known = np.asarray(category_posterior(NEW_CUP, *COFFEE))
        if np.all(np.abs(answer[cup] - known) <= tolerance):
            return ("that is Bayes' rule with the blends' parameters known; here they are learned, and widening a "
                    "blend to take the 100 mg cup costs its other cups density (§12).")
        if np.allclose(answer[cup], np.round(answer[cup])):
            return ("the other cups are right; the 100 mg cup's row says its blend is certain (0s and a 1). "
                    "With the blends' parameters learned it is not: average over the posterior's draws, every "
                    "chain's, not one fit or one draw.")
        return ("the other cups are right; the 100 mg cup's row is not. The log joint's R-hat and the sampler's "
                "warning can pass while this one cup moves between blends too rarely: compare each chain's share "
                "of draws with the cup in each blend (§12), or gg.split_rhat of its 0/1 indicator. Chains that "
                "never move it give 0, 1 or the fraction of chains that started each way; use a sampler that "
                "moves it easily (§12) and enough sweeps.")
    return _BLEND_HINT


def exercise_5_5(blend_probabilities) -> Feedback:
    """P(blend k | cups) for every cup and the 100 mg one, one row per cup, blends ordered by mean
    caffeine. A wrong entry is named by its cup and blend and the direction it is off, not by its right value."""
    expected = _exact_blend_probabilities()
    what = "an array with one row per cup (31) and one column per blend"
    if blend_probabilities is None:
        return unanswered("5.5", what)
    answer = read_array(blend_probabilities)
    if answer is None:
        return incorrect("5.5", f"expected {what}, got {describe(blend_probabilities)}.", _BLEND_HINT)
    if answer.shape == expected.T.shape:
        return incorrect("5.5", f"shape {answer.shape} is transposed.", "one row per cup, one column per blend.")
    if answer.shape == (expected.shape[0] - 1, expected.shape[1]):
        return incorrect("5.5", f"shape {answer.shape} has a row for each of the 30 cups only.",
                         f"append the {NEW_CUP:g} mg cup to the data: 31 cups, 31 rows.")
    if answer.shape != expected.shape:
        return incorrect("5.5", f"expected {what}, shape {expected.shape}, got shape {answer.shape}.", _BLEND_HINT)
    if not np.all(np.isfinite(answer)):
        return incorrect("5.5", "the array contains NaN or infinite values.", _BLEND_HINT)
    totals = answer.sum(axis=1)
    if not np.allclose(totals, 1, atol=1e-6):
        if np.all(answer >= 0) and np.allclose(totals, totals[0]) and totals[0] > 1.5:
            return incorrect("5.5", f"every row sums to {totals[0]:g}, not 1: counts rather than probabilities?",
                             "divide by the number of draws, so that each row is one cup's distribution "
                             "over the three blends.")
        return incorrect(
            "5.5", "the rows do not sum to 1.", "each row is one cup's distribution over the three blends."
        )
    error = np.abs(answer - expected)
    if np.all(error <= BLEND_PROBABILITY_TOLERANCE):
        return correct("5.5")
    cup, blend = np.unravel_index(int(np.argmax(error)), error.shape)
    caffeine = np.append(COFFEE_CAFFEINE, NEW_CUP)[cup]
    # only the direction: the right value, or the distance to it, would hand the answer over
    direction = "high" if answer[cup, blend] > expected[cup, blend] else "low"
    problem = (f"row {cup}, column {blend} (cup {cup}, {caffeine:g} mg; blend {blend}) is "
               f"{answer[cup, blend]:.3f}, too {direction} (more than {BLEND_PROBABILITY_TOLERANCE:g} off).")
    return incorrect("5.5", problem, _blend_hint(answer, expected, int(cup)))
