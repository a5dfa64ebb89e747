"""What the coordinate-ascent fits share: their inputs checked, and restarts run to convergence.

A fit's ``step(state, *operands) -> (state, elbo, converged)`` is one sweep of coordinate updates
(``engine.iteration``); ``state.elbo`` is the ELBO after it. Restart r starts from the K means of
``engine.seeding.restart_centers(seed, r, …)``, the same starts as EM's restarts, and the restart
with the highest final ELBO wins. A sweep converged once it raised the ELBO by at most
``tolerance`` per point.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from ..engine.iteration import iterate, warn_if_not_converged
from ..engine.seeding import count_distinct
from ..validation import check_nonnegative_int, check_positive, check_positive_int

__all__ = ["Settings", "validated_settings", "best_restart"]


class Settings(NamedTuple):
    """The checked arguments every coordinate-ascent fit takes."""

    num_components: int
    max_iterations: int
    tolerance: float
    num_restarts: int
    seed: int


def validated_settings(points: np.ndarray, num_components, max_iterations, tolerance, num_restarts, seed) -> Settings:
    """The shared arguments, checked (errors name the argument): K may not exceed the number of
    distinct points, which the k-means++ starts need."""
    num_components = check_positive_int(num_components, "num_components")
    num_distinct = count_distinct(points, up_to=num_components)
    if num_components > num_distinct:
        raise ValueError(
            f"num_components must be at most the number of distinct points ({num_distinct}), got {num_components}"
        )
    return Settings(
        num_components,
        check_positive_int(max_iterations, "max_iterations"),
        float(check_positive(tolerance, "tolerance")),
        check_positive_int(num_restarts, "num_restarts"),
        check_nonnegative_int(seed, "seed"),
    )


class Fit(NamedTuple):
    """The best restart: its final state, ELBO trace and convergence, and every restart's final ELBO."""

    state: Any
    elbo_trace: np.ndarray
    converged: bool
    restart_elbos: np.ndarray


def best_restart(
    step: Callable, starts: Callable[[int], Any], operands: tuple, settings: Settings, caller: str
) -> Fit:
    """``step`` from ``starts(r)`` for r = 0 … num_restarts − 1 (``engine.iteration.iterate``); the
    restart with the highest final ELBO, with a ``ConvergenceWarning`` if it did not converge."""
    best, finals = None, []
    for restart in range(settings.num_restarts):
        state, trace, converged = iterate(step, starts(restart), operands, settings.max_iterations, quick_if_small=True)
        finals.append(float(trace[-1]))
        if best is None or finals[-1] > float(best[1][-1]):
            best = (state, trace, converged)
    state, trace, converged = best
    warn_if_not_converged(converged, caller, "the best restart", settings.max_iterations, stacklevel=3)
    return Fit(state, trace, converged, np.array(finals))
