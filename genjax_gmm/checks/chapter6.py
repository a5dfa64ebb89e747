"""Checks for Chapter 6, point estimates and how many kinds.

* 6.1: the number of coffee blends, K = 1 … 5, with the smallest BIC of an EM fit.
* 6.2: the AIC of the K = 3 EM fit to the coffee, −2 log L + 2 (3K − 1), to 1 decimal place.
* 6.3: a posterior probability of 0.62 versus a hard k-means label (multiple choice).

Each check computes its expected answer itself, by refitting EM (6.1, 6.2), independently of the
notebook. A wrong answer that reproduces a common mistake gets a hint about that mistake.
"""

from __future__ import annotations

import functools
import warnings

from .. import COFFEE_CAFFEINE, DegenerateComponentWarning, em
from . import Feedback, check_choice, check_number, unanswered

__all__ = [
    "BLEND_COUNTS",
    "AIC_BLENDS",
    "AIC_DECIMALS",
    "exercise_6_1",
    "exercise_6_2",
    "exercise_6_3",
]

BLEND_COUNTS = (1, 2, 3, 4, 5)
"""Exercise 6.1: the numbers of blends K to compare by BIC."""

AIC_BLENDS = 3
"""Exercise 6.2: the number of blends of the fit whose AIC is asked for."""

AIC_DECIMALS = 1
"""Exercise 6.2: the answer's stated precision (decimal places)."""

_CHOICES = ("a", "b", "c", "d")


@functools.cache
def _fits() -> dict:
    # The check's own reference fits: a component that collapses onto tied cups at K = 5 is what
    # the student's own em call warns about, not something the check should repeat.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateComponentWarning)
        return {k: em(COFFEE_CAFFEINE, k) for k in BLEND_COUNTS}


def _num_parameters(num_components: int) -> int:
    """Free parameters of a 1-D mixture: K means, K variances and K − 1 free weights."""
    return 3 * num_components - 1


def exercise_6_1(num_blends) -> Feedback:
    """The K in ``BLEND_COUNTS`` whose EM fit to the coffee data has the smallest BIC."""
    if num_blends is None:
        return unanswered("6.1", "the number of blends")
    bic = {k: fit.bic for k, fit in _fits().items()}
    expected = min(bic, key=bic.get)
    hints = {
        max(bic, key=bic.get): "that K has the largest BIC; smaller BIC is better.",
        max(BLEND_COUNTS): "more blends always fit at least as well, but BIC charges (3K − 1) log n for them.",
    }
    return check_choice(
        "6.1",
        num_blends,
        expected,
        options=BLEND_COUNTS,
        hints=hints,
        hint="compute gg.em(coffee, k).bic for every k from 1 to 5 and take the smallest.",
    )


def exercise_6_2(aic) -> Feedback:
    """AIC = −2 log L + 2 (3K − 1) of the K = ``AIC_BLENDS`` EM fit to the coffee."""
    fit = _fits()[AIC_BLENDS]
    parameters = _num_parameters(AIC_BLENDS)
    expected = -2 * fit.log_likelihood + 2 * parameters
    mistakes = {
        fit.bic: "that is BIC, which charges log n per parameter; AIC charges 2.",
        -2 * fit.log_likelihood + 2 * 3 * AIC_BLENDS: (
            "the weights sum to 1, so only K − 1 of them are free: 3K − 1 parameters, not 3K."
        ),
        -2 * fit.log_likelihood: "add the penalty, 2 per free parameter.",
        -fit.log_likelihood + 2 * parameters: "AIC starts from −2 log L, not −log L.",
        2 * fit.log_likelihood + 2 * parameters: "AIC starts from −2 log L: mind the sign.",
    }
    return check_number(
        "6.2",
        aic,
        expected,
        decimals=AIC_DECIMALS,
        mistakes=mistakes,
        hint="AIC = −2 log L + 2 × (number of free parameters), with log L = gg.em(coffee, 3).log_likelihood.",
        what="an AIC value",
    )


def exercise_6_3(answer) -> Feedback:
    """A posterior probability of 0.62 keeps a 38 % risk that a hard label hides ("b")."""
    hints = {
        "a": "k-means agrees with the most probable kind, but it cannot say how probable: 0.62 is far from sure.",
        "c": "a converged sampler reports the posterior probability itself; for a bento in the overlap it is "
        "between 0 and 1, however long the chains run.",
        "d": "k-means is a point estimate with built-in assumptions (equal weights and spreads) and no "
        "measure of doubt at all.",
    }
    return check_choice("6.3", answer, "b", options=_CHOICES, hints=hints)

