"""Checks for Chapter 6, point estimates and how many kinds.

* 6.1 (code): ``e_step(x, weights, means, stds)``, the responsibilities
  r_ik = π_k N(x_i; μ_k, σ_k²) / Σ_j π_j N(x_i; μ_j, σ_j²), written out: a function that is or calls
  the package's E step (``gg.category_posterior`` and the pieces it is made of) is refused, since
  Chapters 4 and 5 introduced it. Judged by behaviour on points and
  parameters the notebook never shows, one of them far from every component (where each
  π_k N(x_i; μ_k, σ_k²) underflows to 0, so only a log-space step gives numbers). An error raised
  inside a function whose arguments match the prompt is reported as the student's code failing,
  not as a wrong signature; points ``x`` paired with the means where ``x[:, None]`` is needed
  (a broadcasting error) are told how to make them a column.
* 6.2: what a responsibility of 0.62 says beside a hard k-means label (multiple choice).
* 6.3: by how much the best number of coffee blends, K = 1 … 5, beats the runner-up in BIC: the
  second-smallest BIC of the EM fits minus the smallest (the best K itself, three, is the café's
  story, so it would not show that the student compared the fits).
* 6.4: the coffee's AIC with three blends, −2 L̂ + 2d with d = 3K − 1 = 8 free parameters (it asks
  for one AIC, not only a difference, because a wrong count of parameters cancels from a difference:
  3K instead of 3K − 1 is told so).
* 6.5: by how much a third blend lowers the coffee's AIC, AIC(K = 2) − AIC(K = 3) with
  AIC = −2 L̂ + 2 (3K − 1).

6.3, 6.4 and 6.5 ask for 1 decimal place: rounded correctly (an answer cut off, or rounded the wrong way,
is told so), or with more decimals.
* 6.6 (code): ``m_step_shared(x, responsibilities)``, the M step of a mixture whose kinds share
  one spread: π_k = N_k / n, μ_k = Σ_i r_ik x_i / N_k and one σ² = Σ_i Σ_k r_ik (x_i − μ_k)² / n
  (Q's maximiser when σ_k = σ for every k), judged by behaviour on hidden data and
  responsibilities, soft and hard; standard deviations may come as K equal numbers or as one. A wrong
  answer is told the derivative step, not the formula it leads to; ``x`` where ``x[:, None]`` is
  needed is told how to make it a column, as in 6.1.

Each check computes its expected answer itself (6.3 to 6.5 by refitting EM), independently
of the notebook. A wrong answer that reproduces a common mistake gets a hint about that mistake.
"""

from __future__ import annotations

import functools
import inspect
import types
import warnings

import numpy as np
from scipy.special import logsumexp
from scipy.stats import norm

from .. import (
    COFFEE_CAFFEINE,
    DegenerateComponentWarning,
    category_posterior,
    em,
    log_joint_by_component,
    log_marginal_density,
    marginal_density,
)
from . import Feedback, check_choice, check_number, describe, incorrect, read_number, unanswered
from .behaviour import FunctionCheck, Mistake, Unusable, exact, one_line, read_output

__all__ = [
    "BLEND_COUNTS",
    "AIC_BLENDS",
    "DIFFERENCE_DECIMALS",
    "exercise_6_1",
    "exercise_6_2",
    "exercise_6_3",
    "exercise_6_4",
    "exercise_6_5",
    "exercise_6_6",
]

BLEND_COUNTS = (1, 2, 3, 4, 5)
"""Exercise 6.3: the numbers of blends K whose EM fits are compared by BIC."""

AIC_BLENDS = (2, 3)
"""Exercise 6.5: the numbers of blends K of the two fits whose AICs are compared (fewer first)."""

DIFFERENCE_DECIMALS = 1
"""Exercises 6.3 to 6.5: the answers' stated precision (decimal places)."""

_CHOICES = ("a", "b", "c", "d")

# ---------------------------------------------------------------------------------------------
# 6.1: one E step, on hidden points and a hidden three-component mixture. The last point lies
# 80 standard deviations from the nearest component: exp of its log densities is exactly 0.

_POINTS = np.array([-1.5, 0.7, 2.4, 3.3, 5.0, 7.9, 160.0])
_WEIGHTS = np.array([0.5, 0.3, 0.2])
_MEANS = np.array([0.0, 3.0, 7.5])
_STDS = np.array([1.0, 0.6, 1.8])


def _responsibilities(x, weights, means, stds):
    """r_ik in log space: log π_k + log N(x_i; μ_k, σ_k²), normalised per point with log-sum-exp."""
    log_joint = np.log(weights) + norm.logpdf(np.asarray(x)[:, None], means, stds)
    return np.exp(log_joint - logsumexp(log_joint, axis=1, keepdims=True))


def _variance_as_std(x, weights, means, stds):
    return _responsibilities(x, weights, means, np.asarray(stds) ** 2)


def _std_as_variance(x, weights, means, stds):
    return _responsibilities(x, weights, means, np.sqrt(stds))


def _without_weights(x, weights, means, stds):
    return _responsibilities(x, np.ones_like(weights), means, stds)


def _without_log_std(x, weights, means, stds):
    z = (np.asarray(x)[:, None] - means) / stds
    log_joint = np.log(weights) - 0.5 * np.log(2 * np.pi) - 0.5 * z**2
    return np.exp(log_joint - logsumexp(log_joint, axis=1, keepdims=True))


def _unnormalised(x, weights, means, stds):
    return np.exp(np.log(weights) + norm.logpdf(np.asarray(x)[:, None], means, stds))


def _max_subtracted(x, weights, means, stds):
    log_joint = np.log(weights) + norm.logpdf(np.asarray(x)[:, None], means, stds)
    return np.exp(log_joint - np.max(log_joint, axis=1, keepdims=True))


def _normalised_over_points(x, weights, means, stds):
    log_joint = np.log(weights) + norm.logpdf(np.asarray(x)[:, None], means, stds)
    return np.exp(log_joint - logsumexp(log_joint, axis=0, keepdims=True))


def _log_responsibilities(x, weights, means, stds):
    log_joint = np.log(weights) + norm.logpdf(np.asarray(x)[:, None], means, stds)
    return log_joint - logsumexp(log_joint, axis=1, keepdims=True)


def _log_of_responsibilities(x, weights, means, stds):
    with np.errstate(divide="ignore"):  # log 0 = −inf where a responsibility underflows
        return np.log(_responsibilities(x, weights, means, stds))


def _takes_the_prompted_arguments(e_step) -> bool:
    """Whether ``e_step(x, weights, means, stds)`` binds to its signature (False if unknown)."""
    try:
        inspect.signature(e_step).bind(_POINTS, _WEIGHTS, _MEANS, _STDS)
    except (TypeError, ValueError):
        return False
    return True


def _points_not_in_a_column(error: Exception, num_points: int, num_kinds: int) -> bool:
    """Whether ``error`` is NumPy's (or JAX's) refusal to pair the n points, shape (n,), with the
    K components, shape (K,): what ``x`` in place of ``x[:, None]`` gives."""
    text = str(error)
    return "broadcast" in text and f"({num_points},)" in text and f"({num_kinds},)" in text


def _column_advice(error: Exception, num_points: int, num_kinds: int) -> str:
    """The start of the message for that refusal: why the shapes do not pair, and x[:, None]."""
    return (
        f"your code raised {one_line(error).rstrip('.')}. x has shape ({num_points},) and the means shape "
        f"({num_kinds},), so NumPy pairs them entry by entry and cannot: {num_points} points, {num_kinds} "
        f"components. Write x[:, None], x as a column of shape ({num_points}, 1)"
    )


def _e_step_behaviour(e_step) -> dict:
    """Every responsibility of ``e_step`` on the hidden points, exact; NaN at the far point only
    is the underflow of a step computed outside log space."""
    shape = (_POINTS.size, _WEIGHTS.size)
    try:
        responsibilities = e_step(_POINTS.copy(), _WEIGHTS.copy(), _MEANS.copy(), _STDS.copy())
    except (TypeError, ValueError) as error:
        if _points_not_in_a_column(error, *shape):
            raise Unusable(
                f"{_column_advice(error, *shape)}: then norm.logpdf(x[:, None], means, stds) pairs every "
                f"point with every component and gives the {shape} array of log densities."
            ) from error
        if not isinstance(error, TypeError) or not _takes_the_prompted_arguments(e_step):
            raise
        raise Unusable(
            f"your code raised {one_line(error)}. Your function takes the arguments the prompt asks for, "
            "so the error comes from a call inside it: check that call's arguments (SciPy's "
            "norm.logpdf(x, loc, scale) takes the mean as loc and the standard deviation as scale)."
        ) from error
    output = read_output(responsibilities, shape, "one responsibility per point (row) and component (column)")
    if np.isnan(output[-1]).any() and not np.isnan(output[:-1]).any():
        raise Unusable(
            f"for the point x = {_POINTS[-1]:g}, far from every component, your responsibilities are NaN: "
            "each π_k N(x; μ_k, σ_k²) underflows to 0 there, so dividing gives 0/0 = NaN, and "
            "np.log(norm.pdf(...)) gives log 0 = −inf (then −inf − (−inf) = NaN). Use norm.logpdf, "
            "which computes log N(x; μ_k, σ_k²) without forming the density, add log π_k and "
            "normalise each row with log-sum-exp (logsumexp(..., axis=1, keepdims=True)) before "
            "taking exp."
        )
    return {
        f"r[{i}, {k}] (x = {x:g}, component {k})": exact(output[i, k])
        for i, x in enumerate(_POINTS.tolist())
        for k in range(_WEIGHTS.size)
    }


_E_STEP = FunctionCheck(
    exercise="6.1",
    reference=_responsibilities,
    behaviour=_e_step_behaviour,
    mistakes=[
        Mistake(_variance_as_std, "you squared the standard deviations: norm.logpdf's third argument (scale) "
                "is the standard deviation σ_k itself, not the variance σ_k², and stds holds standard deviations "
                "already, so pass stds as it is."),
        Mistake(_std_as_variance, "stds holds standard deviations already: pass σ_k as it is, not its "
                "square root."),
        Mistake(_without_weights, "each component's term is π_k N(x_i; μ_k, σ_k²): add log π_k (the "
                "weights) before normalising."),
        Mistake(_without_log_std, "log N(x; μ_k, σ_k²) = −log σ_k − ½ log 2π − (x − μ_k)²/2σ_k²: the "
                "−log σ_k term differs between components with different spreads, so it does not cancel "
                "when you normalise (norm.logpdf includes it)."),
        Mistake(_max_subtracted, "your rows do not add up to 1. Subtracting each row's largest log term "
                "keeps exp from underflowing, but it does not normalise: divide each row by its sum afterwards, "
                "or subtract the row's logsumexp instead of its maximum."),
        Mistake(_unnormalised, "divide each row by its sum (in log space: subtract its log-sum-exp), so "
                "that each point's responsibilities add up to 1."),
        Mistake(_normalised_over_points, "normalise each point's row over the K components (axis=1), "
                "not each component's column over the points."),
        *(Mistake(log_step, "return the responsibilities themselves, not their logarithms: take exp at "
                  "the end.") for log_step in (_log_responsibilities, _log_of_responsibilities)),
    ],
    signature="e_step(x, weights, means, stds)",
    what="your function e_step",
    hint="r_ik = π_k N(x_i; μ_k, σ_k²) / Σ_j π_j N(x_i; μ_j, σ_j²), one row per point, computed in log "
    "space (logsumexp(..., axis=1, keepdims=True) keeps one column, so that it subtracts from every entry "
    "of its row); the result has shape (len(x), len(weights)).",
)


_PACKAGE_E_STEP = {
    function.__name__: function
    for function in (category_posterior, log_joint_by_component, log_marginal_density, marginal_density)
}
"""The package's functions that compute the E step, or the log terms or normaliser it is made of."""


def _names_in(code: types.CodeType):
    """The global and attribute names that ``code`` and the functions defined inside it use."""
    yield from code.co_names
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            yield from _names_in(constant)


def _package_route(function) -> str | None:
    """The name of the package's E step (``_PACKAGE_E_STEP``) that ``function`` is, wraps (a decorator,
    ``functools.partial``, ``jax.jit``), holds in a closure or a default argument, or names in its code
    (``gg.category_posterior``, an alias, a helper of the same notebook that calls it), else ``None``;
    never raises."""
    pending, seen = [function], set()
    try:
        while pending:
            candidate = pending.pop()
            if id(candidate) in seen:
                continue
            seen.add(id(candidate))
            for name, package_function in _PACKAGE_E_STEP.items():
                if candidate is package_function:
                    return name
            for attribute in ("__wrapped__", "func"):  # decorators and jax.jit; functools.partial
                if (inner := getattr(candidate, attribute, None)) is not None:
                    pending.append(inner)
            code = getattr(candidate, "__code__", None)
            if not isinstance(code, types.CodeType):
                continue
            pending += list(getattr(candidate, "__defaults__", None) or ())  # posterior=gg.category_posterior
            pending += list((getattr(candidate, "__kwdefaults__", None) or {}).values())
            for cell in getattr(candidate, "__closure__", None) or ():
                try:
                    pending.append(cell.cell_contents)
                except ValueError:  # a cell not filled yet
                    continue
            namespace = getattr(candidate, "__globals__", {})
            for name in _names_in(code):
                value = namespace.get(name)
                if name in _PACKAGE_E_STEP and (value is None or value is _PACKAGE_E_STEP[name]):  # gg.<name>
                    return name
                if isinstance(value, types.FunctionType) and value.__module__ == candidate.__module__:
                    pending.append(value)  # a helper defined beside the function (in the notebook)
                elif any(value is package_function for package_function in _PACKAGE_E_STEP.values()):
                    return value.__name__  # an alias, cp = gg.category_posterior
    except Exception:  # an object whose attributes raise: nothing to find
        return None
    return None


def exercise_6_1(e_step) -> Feedback:
    """``e_step(x, weights, means, stds)`` returns the (n, K) responsibilities, rows summing to 1, written
    out: a function that is, or calls, the package's E step (``gg.category_posterior`` …) is told so."""
    if (name := _package_route(e_step)) is not None:
        return incorrect(
            "6.1",
            f"your e_step uses the package's {name}, which computes (part of) the E step for you.",
            "write it yourself: log π_k + norm.logpdf(x[:, None], means, stds) for every point and component, "
            "then normalise each row in log space with logsumexp(..., axis=1, keepdims=True) and take exp.",
        )
    return _E_STEP(e_step)


# ---------------------------------------------------------------------------------------------
# 6.2: what a responsibility says


def exercise_6_2(answer) -> Feedback:
    """A responsibility of 0.62 leaves a 38 % chance of the other kind, under EM's parameters ("b")."""
    hints = {
        "a": "k-means agrees with EM's most responsible kind, but a responsibility of 0.62 is far from "
        "sure, and agreeing methods can share a mistake.",
        "c": "EM converges to parameters, not to hard labels: at convergence a point between two "
        "kinds keeps a responsibility strictly between 0 and 1.",
        "d": "a responsibility is P(kind | x, θ) at EM's fitted θ, as if θ were known exactly; a "
        "posterior probability also averages over how unsure θ is, and the two can differ a lot.",
    }
    return check_choice("6.2", answer, "b", options=_CHOICES, hints=hints)


# ---------------------------------------------------------------------------------------------
# 6.3 to 6.5: the coffee


@functools.cache
def _fits() -> dict:
    # The check's own reference fits: the K = 4 and K = 5 fits collapse onto one value, which is
    # what the student's own em calls warn about, not something the check should repeat.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateComponentWarning)
        return {k: em(COFFEE_CAFFEINE, k) for k in BLEND_COUNTS}


def _num_parameters(num_components: int) -> int:
    """Free parameters of a 1-D mixture: K means, K variances and K − 1 free weights."""
    return 3 * num_components - 1


def _aic(fit, num_components: int) -> float:
    return -2 * fit.log_likelihood + 2 * _num_parameters(num_components)


def _string_answer(exercise: str, answer, name: str) -> Feedback | None:
    """❌ for a number given as a string (quoted), else ``None``."""
    if not isinstance(answer, str):
        return None
    return incorrect(
        exercise,
        f"{name} is the string {answer!r}: give a number, not a string.",
        "store the number your code computed (no quotes around it).",
    )


def _rounded_as_asked(exercise: str, feedback: Feedback, answer, expected: float, subtracted: str | None) -> Feedback:
    """``feedback``, unless it accepted an answer given to ``DIFFERENCE_DECIMALS`` decimals that is not the
    value rounded there (cut off, or, for a difference, two printed, rounded ``subtracted`` values
    subtracted; ``subtracted`` is None for a single value)."""
    value = read_number(answer)
    half_unit = 0.5 * 10.0**-DIFFERENCE_DECIMALS
    if feedback and abs(value - expected) > half_unit * (1 + 1e-9):
        what = "the value" if subtracted is None else "the difference"
        advice = "" if subtracted is None else (
            f" If you subtracted two {subtracted} as printed, already rounded, subtract the unrounded values your "
            "code computed and round only the difference."
        )
        return incorrect(
            exercise,
            f"{value:g} is close, but it is not {what} rounded to {DIFFERENCE_DECIMALS} decimal place.",
            f"round to the nearest {10.0**-DIFFERENCE_DECIMALS:g}: keep the digit if the next one is 0 to 4, raise "
            f"it by one if the next is 5 to 9 (cutting the digits off is not rounding); or give more decimals.{advice}",
        )
    return feedback


def exercise_6_3(bic_margin) -> Feedback:
    """BIC's margin for the best K in ``BLEND_COUNTS``: the second-smallest BIC of the EM fits to the coffee
    minus the smallest, to ``DIFFERENCE_DECIMALS`` decimal place (rounded correctly, or with more decimals).
    The margin, unlike the best K, which the story names (the café's three blends), asks for every fit."""
    if bic_margin is None:  # before fitting anything: an untouched notebook waits at once
        return unanswered("6.3", "a BIC difference")
    if (feedback := _string_answer("6.3", bic_margin, "bic_margin")) is not None:
        return feedback
    fits = _fits()
    bic = {k: fit.bic for k, fit in fits.items()}
    best, runner_up = sorted(bic, key=bic.get)[:2]
    expected = bic[runner_up] - bic[best]
    aic = sorted(_aic(fit, k) for k, fit in fits.items())
    mistakes = {
        -expected: f"the margin is the runner-up's BIC minus the best one's (K = {best}'s): a positive number.",
        float(best): "that is the best number of blends; the exercise asks by how much its BIC beats the "
        "runner-up's.",
        bic[best]: "that is the smallest BIC itself; subtract it from the second-smallest.",
        aic[1] - aic[0]: "that is AIC's margin, −2 L̂ + 2d; BIC charges log n per parameter, (3K − 1) log n.",
        **{
            bic[k] - bic[best]: f"that is the margin over K = {k}; the runner-up is the K whose BIC is the "
            "second-smallest, whichever K that is."
            for k in bic
            if k not in (best, runner_up)
        },
    }
    hint = (
        "compute gg.em(coffee, k).bic for every k from 1 to 5, find the smallest and the second-smallest, and "
        "subtract the smallest from the second-smallest."
    )
    feedback = check_number(
        "6.3", bic_margin, expected, decimals=DIFFERENCE_DECIMALS, mistakes=mistakes,
        mistake_abs=0.5 * 10.0**-DIFFERENCE_DECIMALS, hint=hint, what="a BIC difference",  # mistakes rounded too
    )
    return _rounded_as_asked("6.3", feedback, bic_margin, expected, "BICs")


def exercise_6_4(aic_three) -> Feedback:
    """AIC of the EM fit with three blends to the coffee, −2 L̂ + 2d with d = 3K − 1, to
    ``DIFFERENCE_DECIMALS`` decimal place. A count of 3K parameters, which cancels from 6.5's
    difference, shows here as an AIC 2 too large."""
    if aic_three is None:
        return unanswered("6.4", "an AIC")
    if (feedback := _string_answer("6.4", aic_three, "aic_three")) is not None:
        return feedback
    blends = AIC_BLENDS[1]
    fits = _fits()
    fit = fits[blends]
    expected = _aic(fit, blends)
    minus_twice = -2 * fit.log_likelihood
    mistakes = {
        expected + 2: f"you counted 3K = {3 * blends} free parameters; the {blends} weights sum to 1, so only "
        f"{blends - 1} of them are free: d = 3K − 1.",
        minus_twice: "that is −2 L̂ alone; AIC adds 2 for each free parameter.",
        fit.bic: "that is BIC, which charges log n per parameter; AIC charges 2.",
        -fit.log_likelihood + 2 * _num_parameters(blends): "AIC starts from −2 L̂, not −L̂.",
        _aic(fits[AIC_BLENDS[0]], AIC_BLENDS[0]): f"that is the AIC of {AIC_BLENDS[0]} blends; fit {blends}.",
    }
    hint = (
        f"fit gg.em(coffee, {blends}), take its log_likelihood L̂ and compute −2 L̂ + 2d, with d the number of "
        "free parameters: K means, K variances and the weights, of which one fewer than K are free."
    )
    feedback = check_number(
        "6.4", aic_three, expected, decimals=DIFFERENCE_DECIMALS, mistakes=mistakes, hint=hint, what="an AIC",
    )
    return _rounded_as_asked("6.4", feedback, aic_three, expected, None)


def exercise_6_5(aic_drop) -> Feedback:
    """AIC(K = 2) − AIC(K = 3) of the EM fits to the coffee, AIC = −2 L̂ + 2 (3K − 1), to
    ``DIFFERENCE_DECIMALS`` decimal places: within half a unit of the last decimal (rounded correctly, or
    given with more decimals)."""
    if aic_drop is None:
        return unanswered("6.5", "an AIC difference")
    fewer, more = AIC_BLENDS
    if (feedback := _string_answer("6.5", aic_drop, "aic_drop")) is not None:
        return feedback
    fits = _fits()
    aic_fewer, aic_more = _aic(fits[fewer], fewer), _aic(fits[more], more)
    expected = aic_fewer - aic_more
    log_likelihood_gain = fits[more].log_likelihood - fits[fewer].log_likelihood
    extra_parameters = _num_parameters(more) - _num_parameters(fewer)
    mistakes = {
        -expected: f"the exercise asks for AIC(K = {fewer}) − AIC(K = {more}), positive when {more} blends "
        "score better.",
        fits[fewer].bic - fits[more].bic: "that is the difference of the BICs, which charge log n per parameter; "
        "AIC charges 2.",
        2 * log_likelihood_gain: "add each model's penalty, 2 per free parameter: the two models have different "
        "numbers of parameters, so the penalties do not cancel.",
        2 * log_likelihood_gain + 2 * extra_parameters: "the model with more parameters pays the larger penalty, "
        f"so the penalties make AIC(K = {more}) larger and the difference smaller.",
        log_likelihood_gain: "AIC is −2 L̂ + 2d: the log-likelihoods enter multiplied by 2, and the penalties "
        "count too.",
        log_likelihood_gain - 2 * extra_parameters: "AIC starts from −2 L̂, not −L̂.",
        aic_more: f"that is the AIC of {more} blends alone; subtract it from the AIC of {fewer} blends.",
        aic_fewer: f"that is the AIC of {fewer} blends alone; subtract the AIC of {more} blends from it.",
    }
    hint = (
        f"AIC = −2 L̂ + 2d for each fit (d = 3K − 1 free parameters, L̂ = gg.em(coffee, K).log_likelihood); "
        f"subtract the AIC of {more} blends from that of {fewer}."
    )
    feedback = check_number(
        "6.5", aic_drop, expected, decimals=DIFFERENCE_DECIMALS, mistakes=mistakes, hint=hint,
        what="an AIC difference",
    )
    return _rounded_as_asked("6.5", feedback, aic_drop, expected, "AICs")


# ---------------------------------------------------------------------------------------------
# 6.6: the M step with one spread shared by every kind, on hidden points and responsibilities:
# soft ones (three kinds) and hard ones (two kinds of different sizes, so that n and N_k differ).

_SHARED_POINTS = np.array([2.1, 3.4, 3.9, 5.0, 6.2, 7.7, 8.1, 9.6, 11.3])
_SOFT = np.array(
    [
        [0.90, 0.08, 0.02],
        [0.75, 0.20, 0.05],
        [0.60, 0.35, 0.05],
        [0.30, 0.60, 0.10],
        [0.10, 0.70, 0.20],
        [0.05, 0.45, 0.50],
        [0.02, 0.38, 0.60],
        [0.01, 0.14, 0.85],
        [0.00, 0.05, 0.95],
    ]
)
_HARD = np.eye(2)[[0, 0, 0, 0, 0, 0, 1, 1, 1]]
_SHARED_CASES = {"soft responsibilities, 3 kinds": _SOFT, "hard responsibilities, 2 kinds": _HARD}


def _shared_m_step(x, responsibilities):
    """π_k = N_k / n, μ_k = Σ_i r_ik x_i / N_k, σ² = Σ_i Σ_k r_ik (x_i − μ_k)² / n for every k."""
    x, r = np.asarray(x, dtype=float), np.asarray(responsibilities, dtype=float)
    counts = r.sum(axis=0)
    means = x @ r / counts
    variance = np.sum(r * (x[:, None] - means) ** 2) / x.size
    return counts / x.size, means, np.full(counts.size, np.sqrt(variance))


def _per_kind_spreads(x, responsibilities):
    weights, means, _ = _shared_m_step(x, responsibilities)
    counts = responsibilities.sum(axis=0)
    return weights, means, np.sqrt(np.sum(responsibilities * (x[:, None] - means) ** 2, axis=0) / counts)


def _unweighted_average_of_variances(x, responsibilities):
    weights, means, per_kind = _per_kind_spreads(x, responsibilities)
    return weights, means, np.full(weights.size, np.sqrt(np.mean(per_kind**2)))


def _means_over_n(x, responsibilities):
    weights, _, stds = _shared_m_step(x, responsibilities)
    return weights, x @ responsibilities / x.size, stds


def _variance_over_k(x, responsibilities):
    weights, means, stds = _shared_m_step(x, responsibilities)
    return weights, means, stds / np.sqrt(weights.size)


def _variance_not_rooted(x, responsibilities):
    weights, means, stds = _shared_m_step(x, responsibilities)
    return weights, means, stds**2


def _deviations_not_squared(x, responsibilities):
    weights, means, _ = _shared_m_step(x, responsibilities)
    spread = np.sum(responsibilities * np.abs(x[:, None] - means)) / x.size
    return weights, means, np.full(weights.size, spread)


def _counts_as_weights(x, responsibilities):
    weights, means, stds = _shared_m_step(x, responsibilities)
    return weights * x.size, means, stds


def _read_m_step(output, num_kinds: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The student's (weights, means, stds), each of shape (K,); one number for stds is the shared σ."""
    expected = f"three arrays, weights, means and stds, each with one number per kind ({num_kinds})"
    if not isinstance(output, (tuple, list)) or len(output) != 3:
        raise Unusable(f"your function returned {describe(output)}; expected {expected}.")
    weights, means, stds = output
    if (shared := read_number(stds)) is not None:
        stds = np.full(num_kinds, shared)
    return tuple(
        read_output(value, (num_kinds,), f"{name}, one number per kind")
        for value, name in zip((weights, means, stds), ("weights", "means", "stds"))
    )


def _shared_m_step_behaviour(m_step_shared) -> dict:
    behaviour = {}
    for case, responsibilities in _SHARED_CASES.items():
        num_kinds = responsibilities.shape[1]
        try:
            output = m_step_shared(_SHARED_POINTS.copy(), responsibilities.copy())
        except (TypeError, ValueError) as error:
            if not _points_not_in_a_column(error, _SHARED_POINTS.size, num_kinds):
                raise
            raise Unusable(
                f"{_column_advice(error, _SHARED_POINTS.size, num_kinds)}: then x[:, None] - means pairs every "
                f"point with every kind's mean and gives the {responsibilities.shape} array of deviations."
            ) from error
        for name, values in zip(("weight", "mean", "std"), _read_m_step(output, num_kinds)):
            for k, value in enumerate(values):
                behaviour[f"{name} of kind {k} ({case})"] = exact(value)
    return behaviour


_SHARED_M_STEP = FunctionCheck(
    exercise="6.6",
    reference=_shared_m_step,
    behaviour=_shared_m_step_behaviour,
    mistakes=[
        Mistake(_per_kind_spreads, "these are §2's spreads, one per kind. With one shared σ, Q's σ-part is "
                "Σ_i Σ_k r_ik (−log σ − (x_i − μ_k)²/2σ²): add the weighted squared deviations of every kind "
                "and divide by n (the r_ik of all kinds add up to n), then give every kind that σ."),
        Mistake(_unweighted_average_of_variances, "averaging the per-kind variances counts a kind of 1 bento as "
                "much as a kind of 100: add the weighted squared deviations of every kind and divide by n "
                "(a kind's variance then counts with its share N_k / n)."),
        Mistake(_means_over_n, "each kind's mean is its weighted average: divide Σ_i r_ik x_i by that kind's "
                "N_k = Σ_i r_ik, not by n."),
        Mistake(_variance_over_k, "divide the sum of r_ik (x_i − μ_k)² over all bentos and kinds by n, the "
                "total of the r_ik, not by n × K."),
        Mistake(_variance_not_rooted, "return standard deviations: the square root of the shared variance."),
        Mistake(_deviations_not_squared, "the variance averages squared deviations, (x_i − μ_k)², not their "
                "absolute values."),
        Mistake(_counts_as_weights, "the weights must add up to 1: divide each N_k = Σ_i r_ik by n."),
    ],
    signature="m_step_shared(x, responsibilities)",
    what="your function m_step_shared",
    hint="the weights and means are §2's, with N_k = Σ_i r_ik: π_k = N_k / n, μ_k = Σ_i r_ik x_i / N_k. For σ, "
    "differentiate each term −log σ − (x_i − μ_k)²/2σ² with respect to σ (it gives −1/σ + (x_i − μ_k)²/σ³), "
    "weight it by r_ik, add over every bento i and kind k, set the sum to zero and solve for σ² (each row of "
    "r adds up to 1). Return (weights, means, stds), each an array with one number per kind.",
)


def exercise_6_6(m_step_shared) -> Feedback:
    """``m_step_shared(x, responsibilities)`` returns π, μ and the shared σ (K times), the maximisers of Q."""
    return _SHARED_M_STEP(m_step_shared)
