"""Feedback for Chapter 7, Dirichlet-process mixtures.

* 7.1: the expected number of occupied tables after ``CUSTOMERS`` customers of a CRP with
  concentration ``ALPHA``, E[K] = Σ_{i=0}^{n−1} α / (α + i), to 3 significant figures, summed with NumPy
  (the notebook shows the package's ``expected_num_tables`` only after the exercise).
* 7.2 (code): ``reseat_probabilities(i, labels, data, prior)``, one reseating step of collapsed
  Gibbs: the probability of each label 0 … N−1 for point i given the other points' tables,
  P(k) ∝ n_{k,−i} p(x_i | the others at k) at a label the others use, α p(x_i) at the new table
  (any label no other point uses; the prompt says so and suggests the smallest). Checked by behaviour on
  ``_RESEATING_PROBLEMS``, which the notebook never shows (a failing one is shown in full in the
  feedback), against the package's seating rule; log weights, raw or normalised, get "exponentiate".
* 7.3: P(K = 3 | coffee, α = ``REWEIGHT_ALPHA``) from the exact α = 1 posterior by the
  reweighting identity P(K | x, α′) ∝ P(K | x, α)(α′/α)^K with NumPy, to 3 decimals (the notebook
  shows the package's ``reweight_num_clusters`` only after the exercise); the check computes it by a
  second enumeration at α′, another route to the same number.
* 7.4: with ever more bentos from the same two kinds, does P(K = 2 | x) tend to 1 under a DP
  mixture with fixed α (multiple choice; Miller and Harrison 2013, 2014: it does not).

Any input gives feedback, never an exception.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import linecache
import math

import numpy as np

from .. import (
    COFFEE_CAFFEINE,
    DPMMPrior,
    exact_num_clusters,
    predictive_log_density,
    reweight_num_clusters,
    seating_logits,
)
from . import Feedback, check_choice, check_number
from .behaviour import FunctionCheck, Mistake, Unusable, cheap_jit, exact, one_line, read_output

__all__ = [
    "CUSTOMERS",
    "ALPHA",
    "SIGNIFICANT_FIGURES",
    "COFFEE_PRIOR",
    "REWEIGHT_ALPHA",
    "REWEIGHT_DECIMALS",
    "exercise_7_1",
    "exercise_7_2",
    "exercise_7_3",
    "exercise_7_4",
]

CUSTOMERS, ALPHA = 50, 2.0
"""Exercise 7.1: customers and concentration of the restaurant."""

SIGNIFICANT_FIGURES = 3
"""Exercise 7.1: the answer's stated precision."""

COFFEE_PRIOR = DPMMPrior(concentration=1.0, mean_loc=120.0, mean_pseudo_count=0.0025, var_shape=2.0, var_scale=10.0)
"""The DP-mixture prior of the coffee cups (μ | σ² has standard deviation 20σ); Exercise 7.3."""

REWEIGHT_ALPHA = 0.3
REWEIGHT_DECIMALS = 3
"""Exercise 7.3: the other concentration α′ and the answer's stated precision."""

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
        hint=(
            "add up each customer's chance of opening a new table, α / (α + i) for i = 0 … n − 1: an array of "
            "the i from np.arange, then np.sum."
        ),
        what="a number, the expected number of tables",
    )


# --- 7.2: one reseating step ------------------------------------------------------------------

_RESEATING_PROBLEMS = (
    # (i, labels, data, prior), eight points each (one compiled program): a point at a table of
    # three with a gap in the labels (label 2 is the new table); a point alone at its table (its own
    # label 0 becomes the new table); a point between two tables of galaxy-sized velocities, α = 3.
    (2, np.array([0, 0, 1, 3, 3, 1, 1, 0]), np.array([1.2, 0.8, 4.1, -2.0, -2.4, 3.7, 4.4, 1.0]),
     DPMMPrior(0.7, 0.0, 0.1, 2.0, 1.0)),
    (0, np.array([0, 1, 1, 2, 2, 1, 3, 3]), np.array([9.0, -1.1, -0.7, 2.2, 2.9, -1.4, 6.0, 6.3]),
     DPMMPrior(1.0, 1.0, 0.05, 3.0, 2.0)),
    (4, np.array([1, 1, 0, 0, 0, 1, 0, 1]),
     np.array([19_950.0, 20_400.0, 23_300.0, 23_610.0, 21_800.0, 20_120.0, 23_480.0, 20_230.0]),
     DPMMPrior(3.0, 20_000.0, 0.01, 2.0, 2e6)),
)


def _others_statistics(i, labels, data, keep_point=False):
    """(n_k, x̄_k, Σ(x − x̄_k)²) of every label 0 … N−1 over the points other than i (or all, if ``keep_point``)."""
    weight = np.ones(data.size)
    if not keep_point:
        weight[i] = 0.0
    counts = np.bincount(labels, weight, minlength=data.size)
    means = np.bincount(labels, weight * data, minlength=data.size) / np.maximum(counts, 1.0)
    return counts, means, np.bincount(labels, weight * (data - means[labels]) ** 2, minlength=data.size)


@cheap_jit
def _seating_logits(x, seat_counts, counts, means, spreads, prior, concentration, data_weight):
    """The seating rule's logits for a point x: CRP weights from ``seat_counts``, predictive densities
    from every label's (n, x̄, Σ(x − x̄)²); ``data_weight`` 0 drops the densities (the CRP alone)."""
    log_predictive = data_weight * predictive_log_density(x, counts, means, spreads, prior)
    log_prior_predictive = data_weight * predictive_log_density(x, 0.0, 0.0, 0.0, prior)
    return seating_logits(seat_counts, log_predictive, log_prior_predictive, concentration)


def _reseating(
    i, labels, data, prior, *, keep_point=False, use_counts=True, new_weight=None, use_data=True, in_logs=False,
    emptied_table_too=False,
):
    """The exact conditional (all defaults), or one of the typical mistakes (``in_logs``: the log weights,
    0 at the labels that get no weight, divided by their sum; ``emptied_table_too``: when i sat alone, its
    emptied table weighted α p(x_i) besides the new table, so the free labels carry 2α p(x_i))."""
    counts, means, spreads = _others_statistics(i, labels, data, keep_point)
    seat_counts = counts if use_counts else np.minimum(counts, 1.0)
    alpha = prior.concentration if new_weight is None else new_weight
    if emptied_table_too and counts[labels[i]] == 0:
        alpha = 2 * alpha
    logits = np.asarray(
        _seating_logits(data[i], seat_counts, counts, means, spreads, prior, alpha, float(use_data))
    )
    weights = np.where(np.isfinite(logits), logits, 0.0) if in_logs else np.exp(logits - logits.max())
    return weights / weights.sum()


def _describe_problem(index: int, i: int, labels: np.ndarray, data: np.ndarray, prior: DPMMPrior) -> str:
    """The hidden example in full, so that the student can rebuild it."""
    return (
        f"point i = {i} of hidden example {index + 1} (labels = np.array({labels.tolist()}), "
        f"data = np.array({data.tolist()}), prior = gg.{prior})"
    )


def _takes_the_prompted_arguments(reseat) -> bool:
    """Whether ``reseat(i, labels, data, prior)`` binds to its signature (False if unknown)."""
    i, labels, data, prior = _RESEATING_PROBLEMS[0]
    try:
        inspect.signature(reseat).bind(i, labels, data, prior)
    except (TypeError, ValueError):
        return False
    return True


def _failing_line(error: BaseException, function) -> tuple[int, str] | None:
    """(number, text) of the last line of the student's cell (the file of ``function``) that the error
    passed through, or None if none did."""
    filename = getattr(getattr(function, "__code__", None), "co_filename", None)
    traceback, line = error.__traceback__, None
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == filename:
            line = traceback.tb_lineno, linecache.getline(filename, traceback.tb_lineno).strip()
        traceback = traceback.tb_next
    return line


def _line_in(line: tuple[int, str] | None) -> str:
    """" in the line `…` of your code" for ``_failing_line``'s answer, or "" if there is none."""
    if line is None:
        return ""
    number, text = line
    return f" in the line `{text}` of your code" if text else f" in line {number} of your cell"


def _from_the_predictive(error: BaseException, line: tuple[int, str] | None) -> bool:
    """Whether ``error`` concerns a call of ``predictive_log_density``: its message, a frame it
    passed through, or the student's failing line names that function."""
    name = predictive_log_density.__name__
    traceback, frames = error.__traceback__, []
    while traceback is not None:
        frames.append(traceback.tb_frame.f_code.co_name)
        traceback = traceback.tb_next
    return name in str(error) or name in frames or (line is not None and name in line[1])


def _call(reseat, i, labels, data, prior, where: str):
    """``reseat(i, labels, data, prior)``; a crash inside a function that takes the prompted arguments
    becomes ``Unusable`` naming the error, the line of the student's code and the example, and, for a
    TypeError from ``predictive_log_density``, that call's five arguments (a wrong signature is left to
    the generic feedback, which names the prompted one)."""
    try:
        return reseat(i, labels.copy(), data.copy(), prior)
    except Exception as error:
        if not _takes_the_prompted_arguments(reseat):
            raise
        raised, line = one_line(error).rstrip("."), _failing_line(error, reseat)
        advice = ("Your function takes the arguments the prompt asks for, so the error comes from a call inside "
                  "it: check that call's arguments (gg.predictive_log_density(x_i, n, x̄, SS, prior) takes five)."
                  if isinstance(error, TypeError) and _from_the_predictive(error, line)
                  else "Run your function on that example to see where it fails.")
        raise Unusable(f"your code raised {raised}{_line_in(line)}, for {where}. {advice}") from error


def _reseating_behaviour(reseat) -> dict:
    """For each hidden problem: the probability of each label the other points use, and of the new
    table (the total over the labels no other point uses), exact."""
    behaviour = {}
    for index, (i, labels, data, prior) in enumerate(_RESEATING_PROBLEMS):
        where = _describe_problem(index, i, labels, data, prior)
        output = _call(reseat, i, labels, data, prior, where)
        what = f"{data.size} probabilities, one for each label 0 … {data.size - 1}"
        probabilities = read_output(output, (data.size,), what)
        finite = probabilities[np.isfinite(probabilities)]
        if np.any(np.isneginf(probabilities)) or np.any(finite < 0):  # log 0 = −inf at the unused labels
            low = probabilities.min()
            raise Unusable(f"your probabilities for {where} include negative numbers ({low:.6g}): they look like "
                           "logarithms. Exponentiate first (np.exp), then divide the weights by their sum.")
        if not np.all(np.isfinite(probabilities)):
            alone = (" Point i sits alone at its table here, so without it that table has no points, and "
                     "their mean is 0/0 = NaN." if np.sum(labels == labels[i]) == 1 else "")
            raise Unusable(f"your function returned NaN or infinite probabilities for {where}.{alone}")
        if abs(probabilities.sum() - 1.0) > 1e-6:
            raise Unusable(f"your probabilities for {where} add up to {probabilities.sum():.6g}, not 1: divide the "
                           "weights n_k · p(x_i | table k) and α · p(x_i) by their sum.")
        used = np.unique(np.delete(labels, i))
        for label in used:
            behaviour[f"P(label {label}) for {where}"] = exact(probabilities[label])
        free = np.setdiff1d(np.arange(data.size), used)
        behaviour[f"P(a new table) for {where}"] = exact(probabilities[free].sum())
    return behaviour


_RESEATING_CHECK = FunctionCheck(
    exercise="7.2",
    reference=_reseating,
    behaviour=_reseating_behaviour,
    mistakes=[
        Mistake(functools.partial(_reseating, keep_point=True),
                "take point i out of its table first: its table's size and predictive must count only the "
                "other points (n_{k,−i}), and a table where i sat alone is then empty."),
        Mistake(functools.partial(_reseating, use_counts=False),
                "weigh each table by its number of other customers n_{k,−i}: rich tables get richer."),
        Mistake(functools.partial(_reseating, emptied_table_too=True),
                "when point i sat alone, the table it left is empty: that emptied table is the new table, so "
                "α · p(x_i) goes to one unused label only (the smallest), not also to the label i left."),
        Mistake(functools.partial(_reseating, new_weight=1.0),
                "the new table's weight is α · p(x_i), with α = prior.concentration, not 1 · p(x_i)."),
        Mistake(functools.partial(_reseating, in_logs=True),
                "these are the logarithms of the weights divided by their sum: exponentiate first (np.exp), "
                "then divide the weights by their sum."),
        Mistake(functools.partial(_reseating, use_data=False),
                "these are the CRP's seating probabilities alone: multiply each weight by the predictive "
                "density of x_i at that table, np.exp(gg.predictive_log_density(...))."),
    ],
    signature="reseat_probabilities(i, labels, data, prior)",
    what="your function reseat_probabilities",
    hint=(
        "leave point i out; for each label k the other points use, weight n_{k,−i} · p(x_i | their points), "
        "with p from np.exp(gg.predictive_log_density(x_i, n, x̄, Σ(x − x̄)², prior)); give the smallest unused "
        "label α · p(x_i) (n = 0); every other label 0; divide by the sum."
    ),
    rel=1e-6,
    abs=1e-9,
)


def exercise_7_2(reseat_probabilities) -> Feedback:
    """Exercise 7.2: one reseating step of collapsed Gibbs, checked by behaviour."""
    return _RESEATING_CHECK(reseat_probabilities)


# --- 7.3: reweighting to another α --------------------------------------------------------------


@functools.cache
def _coffee_posterior() -> np.ndarray:
    """P(K | coffee) under ``COFFEE_PRIOR`` with α′ = ``REWEIGHT_ALPHA``, by enumeration (three groups
    of ten): not by the reweighting the exercise teaches."""
    prior = dataclasses.replace(COFFEE_PRIOR, concentration=REWEIGHT_ALPHA)
    return exact_num_clusters(COFFEE_CAFFEINE, prior, num_groups=3).probabilities


def exercise_7_3(p_three_blends) -> Feedback:
    """P(K = 3 | coffee, α′ = ``REWEIGHT_ALPHA``), enumerated at α′ directly; the typical mistakes are
    read off the α = 1 posterior, which reweighting the answer back by (α/α′)^K gives."""
    expected = _coffee_posterior()
    k = np.arange(expected.size)
    at_one = reweight_num_clusters(expected, REWEIGHT_ALPHA, COFFEE_PRIOR.concentration)
    inverted = at_one * REWEIGHT_ALPHA**-k
    mistakes = {
        float(at_one[3] * REWEIGHT_ALPHA**3): (
            "these are the weights P(K | x, α) (α′/α)^K: divide by their sum over every K."
        ),
        float(at_one[3]): "that is P(K = 3 | x) for α = 1; reweight every K by (α′/α)^K and normalise.",
        100 * float(expected[3]): "give a probability, a number between 0 and 1, not a percentage.",
        float(inverted[3] / inverted.sum()): (
            "the weight is (α′/α)^K = 0.3^K, not (α/α′)^K: a smaller α makes many tables less likely."
        ),
    }
    return check_number(
        "7.3",
        p_three_blends,
        float(expected[3]),
        decimals=REWEIGHT_DECIMALS,
        mistakes=mistakes,
        mistake_abs=1e-3,
        hint=(
            "multiply each entry k of coffee_exact.probabilities, P(K = k | x, α = 1), by (0.3 / 1)^k (the k from "
            "np.arange), divide by the sum over every k, read off k = 3."
        ),
        what="a probability",
    )


def exercise_7_4(answer) -> Feedback:
    """More bentos from the same two kinds do not drive P(K = 2 | x) to 1 under a DP mixture ("b")."""
    hints = {
        "a": ("that is what comparing separate models with fixed K does (Chapter 6's evidence for K = 2 pulls "
              "ever further ahead). In a DP mixture K is one more unknown, and the CRP prior offers every new "
              "bento a table of its own: think about what that does to P(K = 2 | x)."),
        "c": "the data do inform K: compare the prior and the posterior of K for the bentos above.",
        "d": "a DP mixture never fixes K; its posterior keeps weight on every K the data allow.",
    }
    return check_choice("7.4", answer, "b", options=_CHOICES, hints=hints)
