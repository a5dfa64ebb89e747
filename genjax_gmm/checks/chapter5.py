"""Checks for Chapter 5, Gaussian mixture models.

* 5.1: the bento mixture density at 499 g, p(x) = Σₖ πₖ N(x; μₖ, σₖ²) with ``BENTO``'s
  parameters (0.7·N(499; 500, 2²) + 0.3·N(499; 350, 2²) ≈ 0.1232 per gram).
* 5.2: the effective sample size 1 / Σᵢ w̄ᵢ² of five importance log weights near −1000, where
  w̄ᵢ = exp(ℓᵢ − logsumexp(ℓ)) (exponentiating ℓᵢ directly underflows to 0/0).
* 5.3: code: ``draw_kinds(key, x, weights, means, variances)``, the kinds-given-parameters block
  of Gibbs sampling, z_i ~ P(z_i = k | π, μ, σ², x_i) ∝ π_k N(x_i; μ_k, σ²_k) independently for every
  point. Judged by behaviour (``behaviour.FunctionCheck``): on data and parameters the notebook
  never shows (``_HIDDEN``), how often each point gets each kind over 4,000 fixed keys must agree
  with the reference's; typical mistakes (the variance passed where a standard deviation is
  taken, the weights forgotten, probabilities passed as logits, the most probable kind instead of
  a draw, labels from 1) get their own hint.
* 5.4: label switching (multiple choice), asked before the chapter explains it: chains whose
  "component 0" has mean 500 g or 350 g found the same two kinds with swapped labels.
* 5.5: every cup's posterior blend probabilities, one row per cup and one column per blend,
  blends from weakest to strongest. The blends are about 19 standard deviations apart, so the
  posterior agrees with Bayes' rule at the café's known blend parameters (``COFFEE``) to far
  better than 0.02.

5.1 and 5.2 ask for 3 significant figures (``SIGNIFICANT_FIGURES``). Each check computes its
expected answer itself, with the standard library from the exercise's numbers (stated here as
constants) for 5.1 and 5.2, by its own reference implementation for 5.3 and by Bayes' rule with
the known blends for 5.5, independently of the notebook. A wrong answer that reproduces a common
mistake gets a hint about that mistake.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.stats import norm

from .. import BENTO, COFFEE, COFFEE_CAFFEINE, category_posterior
from . import (
    Feedback,
    check_choice,
    check_number,
    correct,
    describe,
    incorrect,
    read_array,
    unanswered,
)
from .behaviour import FunctionCheck, Mistake, Unusable, cheap_jit, read_output, sample_mean

__all__ = [
    "DENSITY_POINT",
    "LOG_WEIGHTS",
    "BLEND_PROBABILITY_TOLERANCE",
    "SIGNIFICANT_FIGURES",
    "exercise_5_1",
    "exercise_5_2",
    "exercise_5_3",
    "exercise_5_4",
    "exercise_5_5",
]

DENSITY_POINT = 499.0
"""Exercise 5.1: evaluate the bento mixture density at this weight (g)."""

LOG_WEIGHTS = (-1002.0, -1000.0, -1001.0, -1003.5, -1000.5)
"""Exercise 5.2: unnormalised log importance weights of five particles."""

BLEND_PROBABILITY_TOLERANCE = 0.02
"""Exercise 5.5: largest accepted difference from P(blend | cup) at the known blends."""

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


# Exercise 5.3: the kinds-given-parameters block, on inputs the notebook never shows. Three kinds
# with unequal weights and variances, so that each typical mistake changes how often some point
# gets some kind by far more than chance (tests/test_checks_chapter5.py measures the margins).
_HIDDEN_X = jnp.array([-1.2, 0.4, 1.3, 2.6, 3.9])
_HIDDEN = (jnp.array([0.5, 0.3, 0.2]), jnp.array([0.0, 1.5, 3.5]), jnp.array([0.3, 2.5, 0.2]))
_KEYS = jax.random.split(jax.random.key(53), 4_000)


def _log_joint(x, weights, means, scales):
    return jnp.log(weights) + norm.logpdf(x[:, None], means, scales)


def _draw_kinds(key, x, weights, means, variances):
    """The reference: z_i ~ Categorical(softmax(log π_k + log N(x_i; μ_k, σ²_k))) for every i."""
    return jax.random.categorical(key, _log_joint(x, weights, means, jnp.sqrt(variances)), axis=-1)


def _variance_as_scale(key, x, weights, means, variances):
    return jax.random.categorical(key, _log_joint(x, weights, means, variances), axis=-1)


def _without_weights(key, x, weights, means, variances):
    return _draw_kinds(key, x, jnp.ones_like(weights), means, variances)


def _probabilities_as_logits(key, x, weights, means, variances):
    joint = jnp.exp(_log_joint(x, weights, means, jnp.sqrt(variances)))
    return jax.random.categorical(key, joint / joint.sum(axis=1, keepdims=True), axis=-1)


def _most_probable(key, x, weights, means, variances):
    return jnp.argmax(_log_joint(x, weights, means, jnp.sqrt(variances)), axis=-1)


def _labels_from_one(key, x, weights, means, variances):
    return _draw_kinds(key, x, weights, means, variances) + 1


def _kinds_behaviour(draw_kinds):
    draws = cheap_jit(jax.vmap(draw_kinds, in_axes=(0, None, None, None, None)))(_KEYS, _HIDDEN_X, *_HIDDEN)
    one_call = np.shape(draws)[1:] if hasattr(draws, "shape") else None
    if one_call is not None and one_call != _HIDDEN_X.shape:
        raise Unusable(f"for {_HIDDEN_X.size} points your function returned an array of shape {one_call}; "
                       f"expected one kind per point, shape {_HIDDEN_X.shape}.")
    kinds = read_output(draws, (_KEYS.shape[0], _HIDDEN_X.size), "one kind per point (whole numbers)", integer=True)
    return {
        f"how often the point at {x:g} gets kind {k}": sample_mean(kinds[:, i] == k)
        for i, x in enumerate(_HIDDEN_X.tolist())
        for k in range(len(_HIDDEN[0]))
    }


_DRAW_KINDS = FunctionCheck(
    exercise="5.3",
    reference=_draw_kinds,
    behaviour=_kinds_behaviour,
    mistakes=[
        Mistake(_variance_as_scale, "norm.logpdf takes the standard deviation σ_k: pass jnp.sqrt(variances)."),
        Mistake(_without_weights, "the prior term is missing: add log π_k (jnp.log(weights)) to each log density."),
        Mistake(_probabilities_as_logits, "jax.random.categorical takes log probabilities (logits): do not "
                "exponentiate them, or pass jnp.log of the probabilities."),
        Mistake(_most_probable, "that is the most probable kind every time; a Gibbs step draws the kind at "
                "random from its conditional (jax.random.categorical)."),
        Mistake(_labels_from_one, "your kinds are numbered from 1; Python numbers them 0 … K − 1."),
    ],
    signature="draw_kinds(key, x, weights, means, variances)",
    what="a function draw_kinds(key, x, weights, means, variances)",
    hint="for every point i and kind k, the logit log π_k + log N(x_i; μ_k, σ²_k), an (n, K) table "
    "(x[:, None] against the K means), then one jax.random.categorical draw per row.",
)


def exercise_5_3(draw_kinds) -> Feedback:
    """``draw_kinds(key, x, weights, means, variances)``: one kind per point from its conditional."""
    return _DRAW_KINDS(draw_kinds)



def exercise_5_4(answer) -> Feedback:
    """Chains report raw μ₀ ≈ 500 g and ≈ 350 g: the labels are swapped ("b")."""
    hints = {
        "a": "the chains' log joint densities agree (R-hat below 1.01); look at what the label '0' refers to in each.",
        "c": "each chain still sees two kinds, one near 350 g and one near 500 g; compare the chains' μ₁.",
        "d": "the model is symmetric in its labels whatever the prior on the means; which kind is "
        "'component 0' depends only on where a chain started.",
    }
    return check_choice("5.4", answer, "b", options=_CHOICES, hints=hints)


_BLEND_HINT = (
    "result.kind_probabilities() of gg.collapsed_gibbs, or gg.assignment_probabilities(result) of gg.gibbs, "
    "gives one row per cup."
)


def exercise_5_5(blend_probabilities) -> Feedback:
    """P(blend k | data) for every cup, one row per cup, blends ordered by mean caffeine. A wrong
    entry is named by its cup and blend; rows that are right up to the order of the blends are
    label switching."""
    expected = np.asarray(category_posterior(COFFEE_CAFFEINE, *COFFEE))
    what = "an array with one row per cup and one column per blend"
    if blend_probabilities is None:
        return unanswered("5.5", what)
    answer = read_array(blend_probabilities)
    if answer is None:
        return incorrect("5.5", f"expected {what}, got {describe(blend_probabilities)}.", _BLEND_HINT)
    if answer.shape == expected.T.shape:
        return incorrect("5.5", f"shape {answer.shape} is transposed.", "one row per cup, one column per blend.")
    if answer.shape != expected.shape:
        return incorrect("5.5", f"expected {what}, shape {expected.shape}, got shape {answer.shape}.", _BLEND_HINT)
    if not np.all(np.isfinite(answer)):
        return incorrect("5.5", "the array contains NaN or infinite values.", _BLEND_HINT)
    if not np.allclose(answer.sum(axis=1), 1, atol=1e-6):
        return incorrect(
            "5.5", "the rows do not sum to 1.", "each row is one cup's distribution over the three blends."
        )
    error = np.abs(answer - expected)
    if np.all(error <= BLEND_PROBABILITY_TOLERANCE):
        return correct("5.5")
    cup, blend = np.unravel_index(int(np.argmax(error)), error.shape)
    problem = (f"row {cup}, column {blend} (cup {cup}, {COFFEE_CAFFEINE[cup]:g} mg; blend {blend}) is "
               f"{answer[cup, blend]:.3f}, expected about {expected[cup, blend]:.3f}.")
    if np.allclose(np.sort(answer, axis=1), np.sort(expected, axis=1), atol=BLEND_PROBABILITY_TOLERANCE):
        hint = ("each row is right up to the order of its columns: label switching. Sort the blends by mean "
                "first (gg.assignment_probabilities does that relabelling), so that column 0 is the weakest.")
    else:
        hint = _BLEND_HINT
    return incorrect("5.5", problem, hint)
