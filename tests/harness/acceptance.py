"""The Metropolis–Hastings ratio of a Gibbs block, through GenJAX's ``update``.

A Gibbs block redraws some choices from a proposal q(new | rest). As a Metropolis–Hastings move
its acceptance ratio is

    p(new, rest) q(old | rest) / (p(old, rest) q(new | rest)),

which is 1 exactly when q is the conditional p(block | rest). GenJAX's ``model.update(trace,
edit, *args)`` returns the weight log p(new, rest) − log p(old, rest), so the log acceptance ratio
is w − log q(new) + log q(old): 0 (to rounding) for an exact conditional, and away from 0 for a
wrong one, which every test of this kind checks as its must-fail control.
"""

from __future__ import annotations

import dataclasses

import jax

ROUNDING = 1e-9
"""|log ratio| allowed for an exact conditional, relative to max(1, |w|)."""


@dataclasses.dataclass(frozen=True)
class Move:
    """A block's redraw as a Metropolis–Hastings move: ``update``'s weight w = log p(new, rest) −
    log p(old, rest) and the proposal's log q(new | rest) and log q(old | rest)."""

    log_weight: float
    log_q_new: float
    log_q_old: float

    @property
    def log_ratio(self) -> float:
        """log of the MH acceptance ratio, w − log q(new) + log q(old)."""
        return self.log_weight - self.log_q_new + self.log_q_old

    @property
    def is_exact(self) -> bool:
        return abs(self.log_ratio) < ROUNDING * max(1.0, abs(self.log_weight))


def gibbs_move(model, trace, edit: dict, args: tuple, log_q_new: jax.Array, log_q_old: jax.Array) -> Move:
    """The move that replaces ``trace``'s choices by ``edit`` (``model.update(trace, edit, *args)``),
    proposed with log densities log q(new | rest) = ``log_q_new`` and log q(old | rest) = ``log_q_old``."""
    _, log_weight, _ = model.update(trace, edit, *args)
    return Move(float(log_weight), float(log_q_new), float(log_q_old))
