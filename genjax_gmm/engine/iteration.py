"""Iterations run to convergence in compiled chunks: the driver of EM, k-means (and any other
fixed-point iteration, such as coordinate-ascent variational inference).

An iteration is a pure function ``step(state, *operands) -> (state, objective, converged)``: one
update, the objective after it (EM's log-likelihood, k-means' inertia) and whether it has
converged. ``iterate`` runs it in a ``while_loop`` of at most ``CHUNK`` iterations that stops
early, called from a Python loop until convergence or ``max_iterations``: the program compiles
once per step function and operand shapes, whatever ``max_iterations`` (a number the host
counts down, never a shape), and nothing of size ``max_iterations`` is allocated up front; the
objective's trace grows chunk by chunk. ``step`` must be hashable (a module-level function): it is
a static argument of the compiled chunk. ``warn_if_not_converged`` is the warning every such
iteration gives when ``max_iterations`` ran out first.

``iterate(..., quick_if_small=True)`` compiles the chunk without XLA's slow optimisations
(``QUICK_COMPILE``: in about half the time, each iteration a few times slower) when the operands
hold at most ``QUICK_OPERAND_SIZE`` numbers (a course data set), where an iteration takes
microseconds and compiling is the call's cost. It suits callers whose calls run few iterations
(coordinate-ascent VI converges in tens of sweeps; ADVI's thousands of steps take a tenth of a
second); EM's many restarts (Chapter 8 fits 240) would lose what the compile saves. Which program
serves a call depends on the operands' shapes alone, so each shape still compiles once.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ..compilation_cache import QUICK_COMPILE
from .diagnostics import ConvergenceWarning

__all__ = ["CHUNK", "QUICK_OPERAND_SIZE", "iterate", "warn_if_not_converged"]

CHUNK = 64
"""Iterations per compiled call; the Python loop around them stops early."""

QUICK_OPERAND_SIZE = 4096
"""``quick_if_small``'s bound on the operands' size, in numbers (module docstring)."""

Step = Callable[..., tuple[Any, jax.Array, jax.Array]]


@functools.cache
def _traced_once(step: Step) -> Step:
    """``step`` under its own ``jax.jit``: JAX keeps its trace, so finding the objective's dtype
    (``eval_shape``) and the loop body share one trace of ``step`` (tracing a GenJAX step takes
    about as long as compiling it); XLA inlines the call, so the program is the same."""
    return jax.jit(step)


def _run_chunk(step: Step, state, count, operands: tuple):
    """Up to ``count`` ≤ ``CHUNK`` iterations from ``state``, stopping once one reports convergence;
    returns the state, the objective after each iteration (nan beyond), the iterations run and
    whether the last converged."""
    step = _traced_once(step)
    objective = jax.eval_shape(step, state, *operands)[1]

    def iterate_once(carry):
        state, trace, iteration, _ = carry
        state, value, converged = step(state, *operands)
        return state, trace.at[iteration].set(value), iteration + 1, converged

    def keep_going(carry):
        _, _, iteration, converged = carry
        return (iteration < count) & ~converged

    trace = jnp.full(CHUNK, jnp.nan, objective.dtype)
    return jax.lax.while_loop(keep_going, iterate_once, (state, trace, 0, jnp.array(False)))


_chunk = jax.jit(_run_chunk, static_argnames="step")
_quick_chunk = jax.jit(_run_chunk, static_argnames="step", compiler_options=QUICK_COMPILE)


def _operand_size(operands: tuple) -> int:
    """How many numbers the operands hold (every array leaf's size; a Python scalar counts one)."""
    return sum(int(np.size(leaf)) for leaf in jax.tree.leaves(operands))


def iterate(
    step: Step, state, operands: tuple, max_iterations: int, *, quick_if_small: bool = False
) -> tuple[Any, np.ndarray, bool]:
    """``step`` from ``state`` until it reports convergence or after ``max_iterations``; returns the
    final state, the objective after every iteration (NumPy) and whether it converged. With
    ``quick_if_small``, operands of at most ``QUICK_OPERAND_SIZE`` numbers get the quickly compiled
    chunk (module docstring)."""
    quick = quick_if_small and _operand_size(operands) <= QUICK_OPERAND_SIZE
    chunk = _quick_chunk if quick else _chunk
    traces, done, converged = [], 0, False
    while done < max_iterations and not converged:
        state, trace, ran, converged = chunk(step, state, min(CHUNK, max_iterations - done), operands)
        ran, converged = int(ran), bool(converged)
        traces.append(np.asarray(trace)[:ran])
        done += ran
    return state, np.concatenate(traces), converged


def warn_if_not_converged(
    converged: bool, caller: str, what: str, max_iterations: int, stacklevel: int, *, floor: str | None = None
) -> None:
    """``ConvergenceWarning`` "{caller}: {what} did not converge in {max_iterations} iterations" unless
    ``converged``, with advice. ``floor`` names the caller's variance floor argument, if it has one
    (EM): on tied data, iterating longer often ends in a spike, which the floor prevents."""
    if converged:
        return
    iterations = f"{max_iterations:,} iteration{'s' if max_iterations > 1 else ''}"
    advice = "raise max_iterations or tolerance"
    if floor is not None:
        advice = (
            "raise max_iterations or tolerance. But on tied (e.g. rounded) data a slow climb often ends in a "
            "spike, a component collapsed onto one repeated value, where the likelihood is unbounded: raise "
            f"{floor} to prevent it"
        )
    warnings.warn(f"{caller}: {what} did not converge in {iterations}; {advice}", ConvergenceWarning,
                  stacklevel=stacklevel + 1)
