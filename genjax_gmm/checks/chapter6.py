"""Feedback for Chapter 6, Dirichlet-process mixtures.

* 6.1: the expected number of occupied tables after ``CUSTOMERS`` customers of a CRP with
  concentration ``ALPHA``, E[K] = Σ_{i=0}^{n−1} α / (α + i).
* 6.2: reseating one bento (the 4-point example): the other three sit at tables of sizes
  ``TABLE_SIZES``, the bento's predictive density at each table is ``PREDICTIVE`` and under the
  prior ``PRIOR_PREDICTIVE``; P(table) ∝ n_k p(x | table k), P(new) ∝ α p(x), normalised.
* 6.3: the most probable number of coffee blends under the DP mixture with ``COFFEE_PRIOR``,
  recomputed by a run of ``dpmm_gibbs``.
* 6.4: the effect of a larger concentration α (multiple choice).

Expected answers are computed here from the exercise's numbers with the standard library (6.1,
6.2) or by rerunning the sampler (6.3). Any input gives feedback, never an exception.
"""

from __future__ import annotations

import functools
import math

import jax
import numpy as np

from ..data import COFFEE_CAFFEINE
from ..dirichlet_process import DPMMPrior
from ..inference.dpmm import dpmm_gibbs, posterior_num_clusters
from . import Feedback, check_array, check_choice, check_number, incorrect, targeted_hint, unanswered

__all__ = [
    "CUSTOMERS",
    "ALPHA",
    "TABLE_SIZES",
    "PREDICTIVE",
    "PRIOR_PREDICTIVE",
    "RESEAT_ALPHA",
    "COFFEE_PRIOR",
    "exercise_6_1",
    "exercise_6_2",
    "exercise_6_3",
    "exercise_6_4",
]

CUSTOMERS, ALPHA = 50, 2.0
"""Exercise 6.1: customers and concentration of the restaurant."""

TABLE_SIZES = (2, 1)
PREDICTIVE = (0.30, 0.05)
PRIOR_PREDICTIVE = 0.01
RESEAT_ALPHA = 0.5
"""Exercise 6.2: the other points' table sizes, the bento's predictive density at each table and
for a new table, and α."""

COFFEE_PRIOR = DPMMPrior(concentration=1.0, mean_loc=120.0, mean_pseudo_count=0.0025, var_shape=2.0, var_scale=10.0)
"""Exercise 6.3: the DP-mixture prior of the coffee cups (μ | σ² has standard deviation 20σ)."""

_CHOICES = ("a", "b", "c", "d")


def exercise_6_1(expected_tables) -> Feedback:
    """E[K] = Σ_{i=0}^{n−1} α / (α + i) for n = ``CUSTOMERS``, α = ``ALPHA``."""
    expected = math.fsum(ALPHA / (ALPHA + i) for i in range(CUSTOMERS))
    hint = targeted_hint(
        expected_tables,
        {
            ALPHA * math.log(1 + CUSTOMERS / ALPHA): "that is the approximation α log(1 + n/α); sum the exact terms.",
            math.fsum(ALPHA / (ALPHA + i) for i in range(1, CUSTOMERS + 1)): (
                "customer i + 1 opens a table with probability α/(α + i), i = 0 … n − 1: the first always does."
            ),
            float(CUSTOMERS): "not every customer opens a table: most join one already occupied.",
        },
        "add up each customer's chance of opening a new table, α / (α + i) for i = 0 … n − 1.",
    )
    return check_number("6.1", expected_tables, expected, rel=1e-4, hint=hint, what="an expected number of tables")


def _reseating(sizes, predictive, prior_predictive, alpha) -> np.ndarray:
    weights = [n * p for n, p in zip(sizes, predictive)] + [alpha * prior_predictive]
    return np.array(weights) / math.fsum(weights)


def exercise_6_2(probabilities) -> Feedback:
    """(P(table 1), P(table 2), P(new table)) for the reseated bento."""
    expected = _reseating(TABLE_SIZES, PREDICTIVE, PRIOR_PREDICTIVE, RESEAT_ALPHA)
    try:
        values = np.asarray(probabilities, dtype=float)
    except (TypeError, ValueError):
        values = None
    hint = "P(table k) ∝ n_k · p(x | table k), P(new) ∝ α · p(x); divide by the sum of the three."
    if values is not None and values.shape == expected.shape and np.all(np.isfinite(values)):
        if np.allclose(values, _reseating((1, 1), PREDICTIVE, PRIOR_PREDICTIVE, RESEAT_ALPHA), atol=1e-4):
            hint = "weigh each table by its number of customers n_k: rich tables get richer."
        elif np.allclose(values, _reseating(TABLE_SIZES, PREDICTIVE, PRIOR_PREDICTIVE, 1.0), atol=1e-4):
            hint = "the new table is weighted by α = 0.5, not 1."
        elif np.allclose(values, _reseating((3, 2), PREDICTIVE, PRIOR_PREDICTIVE, RESEAT_ALPHA), atol=1e-4):
            hint = "the sizes must not count the bento being reseated: take it out first."
        elif abs(values.sum() - 1) > 1e-6:
            hint = "the three probabilities must sum to 1: normalise."
    return check_array("6.2", probabilities, expected, abs=1e-4, hint=hint, what="three probabilities")


@functools.cache
def _coffee_mode() -> int:
    result = dpmm_gibbs(jax.random.key(6), COFFEE_CAFFEINE, COFFEE_PRIOR, num_sweeps=200, num_chains=2)
    return int(np.argmax(posterior_num_clusters(result)))


def _hint_for(hints: dict, answer, default: str = "") -> str:
    """``hints[answer]``, or ``default`` when there is none (or the answer cannot be a key)."""
    try:
        return hints.get(answer, default)
    except TypeError:
        return default


def exercise_6_3(num_blends) -> Feedback:
    """The number of blends K with the largest P(K | coffee) under ``COFFEE_PRIOR``."""
    if num_blends is None:
        return unanswered("6.3", "the number of blends")
    hint = "take the K with the largest bar of gg.posterior_num_clusters(result)."
    if isinstance(num_blends, (bool, np.bool_)) or not isinstance(num_blends, (int, np.integer)):
        return incorrect("6.3", f"expected a whole number of blends, got {num_blends!r}.", hint)
    hints = {
        1: "one blend would need σ ≈ 30 mg; read the sampler's P(K | x), not the overall spread.",
        30: "30 is the number of cups, each at its own table; the posterior prefers far fewer.",
    }
    hint = _hint_for(hints, num_blends, hint)
    return check_choice("6.3", int(num_blends), _coffee_mode(), options=tuple(range(1, 31)), hint=hint)


def exercise_6_4(answer) -> Feedback:
    """A larger α puts more prior weight on new tables, so more kinds ("c")."""
    hints = {
        "a": "α multiplies the new-table probability α/(α + i); larger α opens tables more often.",
        "b": "E[K] = Σ α/(α + i) grows with α; the data may resist it, but the prior changes.",
        "d": "α enters every reseating step as the weight of a new table.",
    }
    hint = _hint_for(hints, answer, "compare α/(α + i) for two values of α.")
    return check_choice("6.4", answer, "c", options=_CHOICES, hint=hint)
