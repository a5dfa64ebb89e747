"""Feedback for the notebooks' exercises.

Each chapter has a module (``checks.chapter1`` …) with one function per exercise. A check
returns a ``Feedback``, shown as the cell's output:

* ``✅ correct`` when the answer is right,
* ``❌`` with what is off and a hint when it is wrong,
* ``⏳ not answered yet`` when the answer is still ``None`` (the student notebook's
  starting value), without raising, so an untouched notebook still runs top to bottom.

This module holds the building blocks the chapter modules share.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Literal

import numpy as np

__all__ = ["Feedback", "check_number", "check_array", "check_choice", "unanswered", "correct", "incorrect"]

Status = Literal["correct", "incorrect", "unanswered"]
_SYMBOL = {"correct": "✅", "incorrect": "❌", "unanswered": "⏳"}


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


def _as_float(answer) -> float | None:
    try:
        value = float(np.asarray(answer, dtype=float))
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def targeted_hint(answer, mistakes: Mapping[float, str], default: str, *, rel: float = 1e-3, abs: float = 0.0) -> str:
    """The hint for the known mistake ``answer`` reproduces, else ``default``.

    ``mistakes`` maps a typical wrong value to its hint; ``answer`` reproduces it when
    ``|answer - wrong| <= max(rel·|wrong|, abs)`` (the first such mistake wins).
    """
    value = _as_float(answer)
    if value is None:
        return default
    for wrong, hint in mistakes.items():
        if math.fabs(value - wrong) <= max(rel * math.fabs(wrong), abs):
            return hint
    return default


def check_number(
    exercise: str,
    answer,
    expected: float,
    *,
    rel: float = 1e-6,
    abs: float = 0.0,
    hint: str = "",
    what: str = "a number",
) -> Feedback:
    """Correct when ``|answer - expected| <= max(rel·|expected|, abs)``."""
    if answer is None:
        return unanswered(exercise, what)
    value = _as_float(answer)
    if value is None:
        return incorrect(exercise, f"expected {what}, got {answer!r}.", hint)
    tolerance = max(rel * math.fabs(expected), abs)
    if math.fabs(value - expected) <= tolerance:
        return correct(exercise)
    direction = "too large" if value > expected else "too small"
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
    try:
        values = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        return incorrect(exercise, f"expected {what}, got {type(answer).__name__}.", hint)
    if values.shape != expected.shape:
        return incorrect(exercise, f"expected shape {expected.shape}, got {values.shape}.", hint)
    if not np.allclose(values, expected, rtol=rel, atol=abs):
        worst = int(np.argmax(np.abs(values - expected).ravel()))
        return incorrect(
            exercise,
            f"entry {worst} is {values.ravel()[worst]:.6g}, expected about {expected.ravel()[worst]:.6g}.",
            hint,
        )
    return correct(exercise)


def check_choice(exercise: str, answer, expected, *, options, hint: str = "") -> Feedback:
    """Correct when ``answer`` equals ``expected``; ``answer`` must be one of ``options``."""
    if answer is None:
        return unanswered(exercise, f"one of {list(options)}")
    if answer not in options:
        return incorrect(exercise, f"{answer!r} is not one of the options {list(options)}.", hint)
    if answer != expected:
        return incorrect(exercise, f"{answer!r} is not right.", hint)
    return correct(exercise)
