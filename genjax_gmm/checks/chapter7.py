"""Feedback for Chapter 7, Dirichlet-process mixtures.

* 7.1: the expected number of occupied tables after ``CUSTOMERS`` customers of a CRP with
  concentration ``ALPHA``, E[K] = Σ_{i=0}^{n−1} α / (α + i), to 3 significant figures.
* 7.2: reseating one bento (the 4-point example): the other three sit at tables of sizes
  ``TABLE_SIZES``, the bento's predictive density at each table is ``PREDICTIVE`` and under the
  prior ``PRIOR_PREDICTIVE``; P(table) ∝ n_k p(x | table k), P(new) ∝ α p(x), normalised, each
  to 3 decimals.
* 7.3: the most probable number of coffee blends under the DP mixture with ``COFFEE_PRIOR``,
  recomputed by a run of ``dpmm_gibbs``.
* 7.4: the effect of a larger concentration α (multiple choice).

Expected answers are computed here from the exercise's numbers with the standard library (7.1,
7.2) or by rerunning the sampler (7.3). Any input gives feedback, never an exception.
"""

from __future__ import annotations

import functools
import math
import warnings

import jax
import numpy as np

from .. import COFFEE_CAFFEINE, ConvergenceWarning, DPMMPrior, dpmm_gibbs, posterior_num_clusters
from . import Feedback, check_array, check_choice, check_number, read_array

__all__ = [
    "CUSTOMERS",
    "ALPHA",
    "SIGNIFICANT_FIGURES",
    "TABLE_SIZES",
    "PREDICTIVE",
    "PRIOR_PREDICTIVE",
    "RESEAT_ALPHA",
    "RESEAT_TOLERANCE",
    "COFFEE_PRIOR",
    "exercise_7_1",
    "exercise_7_2",
    "exercise_7_3",
    "exercise_7_4",
]

CUSTOMERS, ALPHA = 50, 2.0
"""Exercise 7.1: customers and concentration of the restaurant."""

SIGNIFICANT_FIGURES = 3
"""Exercise 7.1: the answer's stated precision."""

TABLE_SIZES = (2, 1)
PREDICTIVE = (0.30, 0.05)
PRIOR_PREDICTIVE = 0.01
RESEAT_ALPHA = 0.5
"""Exercise 7.2: the other points' table sizes, the bento's predictive density at each table and
for a new table, and α."""

RESEAT_TOLERANCE = 1e-3
"""Exercise 7.2: largest accepted error of each probability (the prompt asks for 3 decimals)."""

COFFEE_PRIOR = DPMMPrior(concentration=1.0, mean_loc=120.0, mean_pseudo_count=0.0025, var_shape=2.0, var_scale=10.0)
"""Exercise 7.3: the DP-mixture prior of the coffee cups (μ | σ² has standard deviation 20σ)."""

_CHOICES = ("a", "b", "c", "d")


def exercise_7_1(expected_tables) -> Feedback:
    """E[K] = Σ_{i=0}^{n−1} α / (α + i) for n = ``CUSTOMERS``, α = ``ALPHA``."""
    expected = math.fsum(ALPHA / (ALPHA + i) for i in range(CUSTOMERS))
    mistakes = {
        ALPHA * math.log(1 + CUSTOMERS / ALPHA): "that is the approximation α log(1 + n/α); sum the exact terms.",
        math.fsum(ALPHA / (ALPHA + i) for i in range(1, CUSTOMERS + 1)): (
            "customer i + 1 opens a table with probability α/(α + i), i = 0 … n − 1: the first always does."
        ),
        float(CUSTOMERS): "not every customer opens a table: most join one already occupied.",
    }
    return check_number(
        "7.1",
        expected_tables,
        expected,
        significant_figures=SIGNIFICANT_FIGURES,
        mistakes=mistakes,
        hint="add up each customer's chance of opening a new table, α / (α + i) for i = 0 … n − 1.",
        what="an expected number of tables",
    )


def _reseating(sizes, alpha) -> np.ndarray:
    weights = [n * p for n, p in zip(sizes, PREDICTIVE)] + [alpha * PRIOR_PREDICTIVE]
    return np.array(weights) / math.fsum(weights)


def _reseating_hint(values: np.ndarray | None) -> str:
    """The hint for the typical mistake ``values`` reproduces, else the rule itself."""
    if values is not None and values.shape == (3,) and np.all(np.isfinite(values)):
        mistakes = {
            "weigh each table by its number of customers n_k: rich tables get richer.": _reseating(
                (1, 1), RESEAT_ALPHA
            ),
            "the new table is weighted by α = 0.5, not 1.": _reseating(TABLE_SIZES, 1.0),
            "the sizes must not count the bento being reseated: take it out first.": _reseating((3, 2), RESEAT_ALPHA),
        }
        for hint, wrong in mistakes.items():
            if np.allclose(values, wrong, atol=RESEAT_TOLERANCE):
                return hint
        if abs(values.sum() - 1) > RESEAT_TOLERANCE:
            return "the three probabilities must sum to 1: normalise."
    return "P(table k) ∝ n_k · p(x | table k), P(new) ∝ α · p(x); divide by the sum of the three."


def exercise_7_2(probabilities) -> Feedback:
    """(P(table 1), P(table 2), P(new table)) for the reseated bento."""
    expected = _reseating(TABLE_SIZES, RESEAT_ALPHA)
    hint = _reseating_hint(read_array(probabilities))
    return check_array("7.2", probabilities, expected, abs=RESEAT_TOLERANCE, hint=hint, what="three probabilities")


@functools.cache
def _coffee_mode() -> int:
    """The posterior mode of K for the coffee, from the check's own run (4 chains: the program the
    notebook has already compiled). Its convergence warnings, if any, are not the student's
    business: P(K = 3) leads by a wide margin (tests/test_checks_chapter7.py)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = dpmm_gibbs(jax.random.key(6), COFFEE_CAFFEINE, COFFEE_PRIOR, num_sweeps=400, num_chains=4)
    return int(np.argmax(posterior_num_clusters(result)))


def exercise_7_3(num_blends) -> Feedback:
    """The number of blends K with the largest P(K | coffee) under ``COFFEE_PRIOR``."""
    hints = {
        1: "one blend would need σ ≈ 30 mg; read the sampler's P(K | x), not the overall spread.",
        30: "30 is the number of cups, each at its own table; the posterior prefers far fewer.",
    }
    return check_choice(
        "7.3",
        num_blends,
        _coffee_mode(),
        options=tuple(range(1, 31)),
        hints=hints,
        hint="take the K with the largest bar of gg.posterior_num_clusters(result).",
    )


def exercise_7_4(answer) -> Feedback:
    """A larger α puts more prior weight on new tables, so more kinds ("c")."""
    hints = {
        "a": "α multiplies the new-table probability α/(α + i); larger α opens tables more often.",
        "b": "E[K] = Σ α/(α + i) grows with α; the data may resist it, but the prior changes.",
        "d": "α enters every reseating step as the weight of a new table.",
    }
    return check_choice("7.4", answer, "c", options=_CHOICES, hints=hints)
