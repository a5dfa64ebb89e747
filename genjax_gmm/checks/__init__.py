"""Feedback for the notebooks' exercises.

Each chapter has a module (``checks.chapter1`` …) with one function per exercise. A check
returns a ``Feedback``, shown as the cell's output:

* ``✅ correct`` when the answer is right,
* ``❌`` with what is off and a hint when it is wrong,
* ``⏳ not answered yet`` when the answer is still ``None`` (the student notebook's
  starting value), without raising, so an untouched notebook still runs top to bottom.

A check answers *every* input with feedback, never a traceback: a string, a list, a dict, an
array where one number was asked for, NaN or an object of any other type gets ❌ with what was
expected. Python, NumPy and JAX numbers (scalars and 0-d arrays) all count as numbers.

Numeric answers have a stated precision (``significant_figures`` or ``decimals``, which the
exercise's prompt repeats). An answer passes when it is within one unit of the last required
digit of the exact value, so that both rounding and truncating to that many digits pass. An
answer that is the exact value rounded to fewer digits than asked (0.033 for 1/30 when three
significant figures are asked for) is told so, instead of being sent back to the method; so is
one truncated to fewer digits (0.38 for 0.3883…), where the prompt allows truncation
(``truncation=True``). Any other wrong answer, however close, is wrong: 0.4 is not 1/3 "rounded
too much", because 1/3 rounds to 0.3.

This module holds the building blocks the chapter modules share; ``checks.behaviour`` those
for exercises answered with code (a generative function, an estimator, an inference step),
which are checked by what the code does on inputs the notebook never shows.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np

__all__ = [
    "Feedback",
    "check_number",
    "check_array",
    "check_choice",
    "read_number",
    "read_array",
    "read_choice",
    "describe",
    "matching_mistake",
    "required_decimals",
    "precision_in_words",
    "decimals_given",
    "rounded_too_far",
    "rounded_estimate",
    "not_one_number",
    "unanswered",
    "correct",
    "incorrect",
]

Status = Literal["correct", "incorrect", "unanswered"]
_SYMBOL = {"correct": "✅", "incorrect": "❌", "unanswered": "⏳"}
_MAX_DECIMALS = 12
"""Answers written with more decimals than this count as unrounded."""


@dataclasses.dataclass(frozen=True)
class Feedback:
    """The outcome of checking one exercise; truthy only when correct."""

    exercise: str
    status: Status
    message: str

    def __bool__(self) -> bool:
        return self.status == "correct"

    def __repr__(self) -> str:
        return f"{_SYMBOL[self.status]} Exercise {self.exercise}: {self.message}"


def unanswered(exercise: str, what: str = "your answer") -> Feedback:
    return Feedback(exercise, "unanswered", f"not answered yet (replace None with {what}).")


def correct(exercise: str, detail: str = "") -> Feedback:
    return Feedback(exercise, "correct", "correct." + (f" {detail}" if detail else ""))


def incorrect(exercise: str, problem: str, hint: str = "") -> Feedback:
    return Feedback(exercise, "incorrect", problem + (f" Hint: {hint}" if hint else ""))


# ---------------------------------------------------------------------------------------------
# Reading an answer of any type


def describe(answer: Any) -> str:
    """A short description of ``answer`` for a message; never calls an unknown type's ``repr``."""
    if answer is None:
        return "None"
    if isinstance(answer, (bool, np.bool_)):
        return f"{bool(answer)}, a truth value"
    if (value := read_number(answer)) is not None:
        return f"the number {value:g}"
    if isinstance(answer, (str, np.str_)):
        text = str(answer)
        return f"the string {text[:40]!r}" + ("…" if len(text) > 40 else "")
    if isinstance(answer, (bytes, bytearray)):
        return "a bytes object"
    if isinstance(answer, numbers.Number) and not isinstance(answer, numbers.Real):
        return "a complex number"
    shape = getattr(answer, "shape", None)
    if isinstance(shape, tuple):
        return "an array of shape ()" if shape == () else f"an array of shape {shape}"
    if isinstance(answer, Mapping):
        return f"a {type(answer).__name__} with {len(answer)} entr{'y' if len(answer) == 1 else 'ies'}"
    if isinstance(answer, (list, tuple, set, frozenset)):
        return f"a {type(answer).__name__} of {len(answer)} item{'' if len(answer) == 1 else 's'}"
    return f"an object of type {type(answer).__name__}"


def read_number(answer: Any) -> float | None:
    """``answer`` as a float when it is one real number, else ``None``.

    Python ints and floats, NumPy scalars and 0-d NumPy or JAX arrays of integer or float
    dtype count (the value may be NaN or infinite: the caller decides). Truth values, strings,
    complex numbers, arrays with any entries other than a single one, containers and other
    objects do not. Never raises.
    """
    try:
        if isinstance(answer, (bool, np.bool_)):
            return None
        if isinstance(answer, numbers.Real):
            return _to_float(answer)
        if getattr(answer, "shape", None) == () and hasattr(answer, "dtype"):
            value = np.asarray(answer)
            return _to_float(value) if value.dtype.kind in "iuf" else None
    except Exception:  # an exotic object's conversion can raise anything
        return None
    return None


def _to_float(value) -> float:
    try:
        return float(value)
    except OverflowError:  # an int beyond the float range
        return math.inf if value > 0 else -math.inf


def read_array(answer: Any) -> np.ndarray | None:
    """``answer`` as a float array (lists and NumPy or JAX arrays of numbers), else ``None``.

    Strings, truth values, complex numbers, containers of non-numbers, ragged lists, dicts and
    other objects give ``None``. Never raises.
    """
    if answer is None or isinstance(answer, (str, np.str_, bytes, bytearray, Mapping, set, frozenset)):
        return None
    try:
        values = np.asarray(answer)
        if values.dtype.kind not in "iuf":
            return None
        return values.astype(float)
    except Exception:  # ragged lists, objects whose __array__ raises, …
        return None


def read_choice(answer: Any, options: Sequence) -> Any:
    """The option ``answer`` names, else ``None``.

    A string option matches case-insensitively, ignoring spaces, parentheses and a full stop
    around it (``" (B) "``, ``"b."`` and ``"b)"`` name ``"b"``); a whole-number option matches any
    number equal to it (``2``, ``2.0``, ``np.int64(2)``, ``jnp.array(2)``). Never raises.
    """
    if isinstance(answer, (str, np.str_)):
        text = str(answer).strip().strip("().").strip().lower()
        return next((option for option in options if isinstance(option, str) and option.lower() == text), None)
    value = read_number(answer)
    if value is None:
        return None
    return next(
        (option for option in options if isinstance(option, numbers.Real) and not isinstance(option, bool)
         and option == value),
        None,
    )


# ---------------------------------------------------------------------------------------------
# Precision of a numeric answer


def required_decimals(expected: float, *, significant_figures: int | None = None, decimals: int | None = None) -> int:
    """The number of decimals an answer needs: ``decimals``, or those ``significant_figures`` of
    ``expected`` reach (3 significant figures of 0.0333… are 4 decimals)."""
    if (significant_figures is None) == (decimals is None):
        raise ValueError("give exactly one of significant_figures and decimals")
    if decimals is not None:
        return decimals
    if expected == 0:
        return significant_figures
    return significant_figures - 1 - math.floor(math.log10(math.fabs(expected)))


def precision_in_words(*, significant_figures: int | None = None, decimals: int | None = None) -> str:
    """"at least 3 significant figures" or "at least 2 decimal places"."""
    if significant_figures is not None:
        return f"at least {significant_figures} significant figure{'s' if significant_figures != 1 else ''}"
    return f"at least {decimals} decimal place{'s' if decimals != 1 else ''}"


def decimals_given(value: float) -> int | None:
    """How many decimals ``value`` is written with (0.033 → 3, 15.0 → 0), ``None`` beyond 12."""
    for places in range(_MAX_DECIMALS + 1):
        if math.fabs(round(value, places) - value) <= 1e-9 * 10.0**-places * max(1.0, math.fabs(value)):
            return places
    return None


def rounded_too_far(
    value: float, expected: float, needed_decimals: int, *, truncation: bool = False, spread: float = 0.0
) -> int | None:
    """The decimals of ``value`` when it is ``expected`` rounded to fewer than ``needed_decimals``
    (or, with ``truncation``, cut off there), else ``None``.

    ``value`` must be written with fewer decimals, ``places``, and be exactly what rounding
    ``expected`` to ``places`` decimals gives, ``|value − expected| ≤ ½·10^−places`` (either
    neighbour of a tie), or, with ``truncation``, what cutting its digits off there gives
    (``value`` between 0 and ``expected``, less than one unit ``10^−places`` short of it). That
    unit must be no larger than ``|expected|``: 0 is not 1/3 "rounded to 0 decimals". For an
    estimate, ``spread`` is how far it may honestly lie from ``expected`` before it is rounded:
    then ``|value − expected| ≤ ½·10^−places + spread``.
    """
    places = decimals_given(value)
    if places is None or places >= needed_decimals:
        return None
    unit = 10.0**-places
    if unit > math.fabs(expected):
        return None
    slack = 1e-9 * max(unit, math.fabs(expected))  # float noise in value and expected
    rounded = math.fabs(value - expected) <= unit / 2 + spread + slack
    shortfall = math.fabs(expected) - math.fabs(value)
    truncated = truncation and value * expected >= 0 and -slack <= shortfall < unit - slack
    return places if rounded or truncated else None


def not_one_number(exercise: str, answer, what: str) -> Feedback | None:
    """❌ with a type hint for an answer that is not one number (an array of one entry, a list, a string),
    so that a wrong type is not answered with the method's hint; ``None`` for a number or ``None``."""
    if answer is None or read_number(answer) is not None:
        return None
    return incorrect(exercise, f"expected {what}, got {describe(answer)}.",
                     "give a single number: float(...) of your result (for an array of one entry, its .item()).")


def rounded_estimate(
    exercise: str, value: float | None, expected: float, decimals: int, tolerance: float
) -> Feedback | None:
    """❌ "rounded too much" for a simulation estimate written with fewer than ``decimals`` decimals that
    may be a correct estimate (within ``tolerance`` of ``expected``) rounded there; ``None`` otherwise."""
    if value is None or rounded_too_far(value, expected, decimals, spread=tolerance) is None:
        return None
    return incorrect(
        exercise,
        f"{value:g} is rounded too much: give {precision_in_words(decimals=decimals)}.",
        "store the estimate your code computed, not a rounded copy of it.",
    )


def _rounding_feedback(exercise: str, value: float, places: int, precision: str, in_figures: bool) -> Feedback:
    """The answer is the right one rounded to ``places`` decimals, said in significant figures when the
    exercise asks for those (1.8e-05 is 2 significant figures, not "6 decimal places")."""
    if in_figures and value != 0:
        count, unit = places + math.floor(math.log10(math.fabs(value))) + 1, "significant figure"
    else:
        count, unit = places, "decimal place"
    return incorrect(
        exercise,
        f"{value:g} is the answer rounded to {count} {unit}{'s' if count != 1 else ''}: right as far "
        f"as it goes, but rounded too much. Give {precision}.",
        "store the value your code computed, not a rounded copy of it.",
    )


# ---------------------------------------------------------------------------------------------
# Checks


def matching_mistake(value: float, mistakes: Mapping[float, str], *, rel: float = 1e-3, abs: float = 0.0) -> str | None:
    """The hint of the first mistake ``value`` reproduces, ``|value - wrong| <= max(rel·|wrong|, abs)``."""
    for wrong, hint in mistakes.items():
        if math.fabs(value - wrong) <= max(rel * math.fabs(wrong), abs):
            return hint
    return None


def check_number(
    exercise: str,
    answer,
    expected: float,
    *,
    significant_figures: int | None = None,
    decimals: int | None = None,
    rel: float = 1e-6,
    abs: float = 0.0,
    mistakes: Mapping[float, str] | None = None,
    mistake_rel: float = 1e-3,
    mistake_abs: float = 0.0,
    hint: str = "",
    what: str = "a number",
    truncation: bool = False,
) -> Feedback:
    """Correct when ``|answer - expected| <= max(rel·|expected|, abs, unit)``.

    ``unit`` is one unit of the last digit the stated precision asks for (``significant_figures``
    of ``expected``, or ``decimals``); ``rel`` serves exact answers and ``abs`` estimates (a few
    standard errors). A wrong answer gets, in this order: the hint of the typical mistake in
    ``mistakes`` it reproduces (see ``matching_mistake``); with a stated precision, word that it
    is ``expected`` rounded (or, with ``truncation``, cut off) to too few digits
    (``rounded_too_far``); else the generic ``hint``.
    """
    if answer is None:
        return unanswered(exercise, what)
    value = read_number(answer)
    if value is None:
        return incorrect(exercise, f"expected {what}, got {describe(answer)}.", hint)
    if not math.isfinite(value):
        return incorrect(exercise, f"expected {what}, got {value}, which is not a finite number.", hint)
    precise = significant_figures is not None or decimals is not None
    needed = 0
    if precise:
        needed = required_decimals(expected, significant_figures=significant_figures, decimals=decimals)
    unit = 10.0**-needed if precise else 0.0
    if math.fabs(value - expected) <= max(rel * math.fabs(expected), abs, unit) * (1 + 1e-9):
        return correct(exercise)
    direction = "too large" if value > expected else "too small"
    mistake = matching_mistake(value, mistakes or {}, rel=mistake_rel, abs=mistake_abs)
    if mistake is not None:
        return incorrect(exercise, f"{value:.6g} is {direction}.", mistake)
    if precise and (places := rounded_too_far(value, expected, needed, truncation=truncation)) is not None:
        words = precision_in_words(significant_figures=significant_figures, decimals=decimals)
        return _rounding_feedback(exercise, value, places, words, in_figures=significant_figures is not None)
    return incorrect(exercise, f"{value:.6g} is {direction}.", hint)


def check_array(
    exercise: str,
    answer,
    expected,
    *,
    rel: float = 1e-6,
    abs: float = 0.0,
    hint: str = "",
    what: str = "an array",
) -> Feedback:
    """Correct when ``answer`` has ``expected``'s shape and agrees elementwise within tolerance."""
    if answer is None:
        return unanswered(exercise, what)
    expected = np.asarray(expected, dtype=float)
    values = read_array(answer)
    if values is None:
        return incorrect(exercise, f"expected {what}, got {describe(answer)}.", hint)
    if values.shape != expected.shape:
        return incorrect(exercise, f"expected shape {expected.shape}, got {values.shape}.", hint)
    if not np.all(np.isfinite(values)):
        return incorrect(exercise, "the array contains NaN or infinite values.", hint)
    if not np.allclose(values, expected, rtol=rel, atol=abs):
        worst = int(np.argmax(np.abs(values - expected).ravel()))
        return incorrect(
            exercise,
            f"entry {worst} is {values.ravel()[worst]:.6g}, expected about {expected.ravel()[worst]:.6g}.",
            hint,
        )
    return correct(exercise)


def check_choice(
    exercise: str,
    answer,
    expected,
    *,
    options: Sequence,
    hints: Mapping | None = None,
    hint: str = "",
) -> Feedback:
    """Correct when ``answer`` names ``expected`` (see ``read_choice``); ``hints`` maps a wrong
    option to its hint, and ``hint`` serves the rest (and answers that name no option)."""
    listed = list(options)
    if answer is None:
        return unanswered(exercise, f"one of {listed}")
    choice = read_choice(answer, options)
    if choice is None:
        kind = "a string such as" if isinstance(listed[0], str) else "a number such as"
        return incorrect(
            exercise,
            f"{describe(answer)} is not one of the options {listed}.",
            hint or f"answer with one of the options, {kind} {listed[0]!r}.",
        )
    if choice != expected:
        return incorrect(exercise, f"{choice!r} is not right.", (hints or {}).get(choice, hint))
    return correct(exercise)
