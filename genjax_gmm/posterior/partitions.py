"""One partition that summarises posterior draws of partitions: Dahl's (2006) least-squares
clustering.

With π_ij = P(z_i = z_j | x), estimated by the fraction of draws that put points i and j at one
table, and δ_ij(c) = 1 if the partition c puts them together (0 if not), the estimate is the draw
c that minimises Σ_{i,j} (δ_ij(c) − π_ij)². As δ² = δ, that sum is Σ_{i,j} [δ_ij (1 − π_ij) +
(1 − δ_ij) π_ij] − Σ_{i,j} π_ij (1 − π_ij), and the first sum is twice the posterior expected
Binder loss with equal costs, E[Σ_{i<j} |δ_ij(c) − δ_ij(z)| | x], the expected number of pairs that
c and the true partition z treat differently (together in one, apart in the other). So the draw
chosen minimises, among the draws, the expected number of pairs it gets wrong; the second sum
does not depend on c. Labels do not enter: only which points share a table.

Computed in blocks of draws in NumPy, (block, N, N) at a time.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..validation import as_float_array

__all__ = ["PartitionEstimate", "least_squares_partition"]

BLOCK = 512
"""Draws compared at once (memory: BLOCK × N² booleans)."""


@dataclasses.dataclass(frozen=True)
class PartitionEstimate:
    """Dahl's least-squares partition (module docstring).

    ``labels`` (N,) labels the chosen draw's tables 0, 1, … in order of their first point;
    ``draw`` is its index among the pooled draws (chains one after another); ``expected_pair_errors``
    is E[Σ_{i<j} |δ_ij(c) − δ_ij(z)| | x] for it, the expected number of pairs put together where
    the posterior puts them apart or the reverse; ``co_assignment`` (N, N) is π_ij.
    """

    labels: np.ndarray
    draw: int
    expected_pair_errors: float
    co_assignment: np.ndarray

    @property
    def num_clusters(self) -> int:
        return int(self.labels.max()) + 1


def _pooled_draws(assignments) -> np.ndarray:
    """``assignments`` (…, num_draws, N) as (all draws, N) integer labels, or ``ValueError``/``TypeError``."""
    labels = as_float_array(assignments, "assignments")
    if labels.ndim < 2 or labels.shape[-1] == 0 or labels.size == 0:
        raise ValueError(f"assignments must have shape (…, num_draws, N) with at least one draw of one point, got "
                         f"shape {labels.shape}")
    if not np.all(np.isfinite(labels)) or not np.all(labels == np.round(labels)):
        raise ValueError("assignments must hold whole-number labels")
    return labels.reshape(-1, labels.shape[-1]).astype(np.int64)


def _together(draws: np.ndarray) -> np.ndarray:
    """δ_ij for each draw: (num_draws, N, N) booleans."""
    return draws[:, :, None] == draws[:, None, :]


def least_squares_partition(assignments) -> PartitionEstimate:
    """The draw that minimises Σ_{i,j} (δ_ij(c) − π_ij)² (Dahl 2006; module docstring), from
    ``assignments`` of shape (…, num_draws, N), e.g. ``dpmm_gibbs(…).assignments`` (chains pooled)."""
    draws = _pooled_draws(assignments)
    blocks = range(0, draws.shape[0], BLOCK)
    co_assignment = sum(_together(draws[start: start + BLOCK]).sum(axis=0, dtype=np.float64) for start in blocks)
    co_assignment /= draws.shape[0]
    weight = 1.0 - 2.0 * co_assignment  # Σ (δ − π)² = Σ δ (1 − 2π) + Σ π²
    losses = np.concatenate([np.einsum("mij,ij->m", _together(draws[start: start + BLOCK]), weight)
                             for start in blocks])
    best = int(np.argmin(losses))
    together = _together(draws[best: best + 1])[0]
    disagreement = np.where(together, 1.0 - co_assignment, co_assignment)
    _, first, labels = np.unique(draws[best], return_index=True, return_inverse=True)
    order = np.argsort(np.argsort(first))  # tables numbered by their first point
    return PartitionEstimate(
        labels=order[labels].astype(np.int64),
        draw=best,
        expected_pair_errors=float(np.triu(disagreement, k=1).sum()),
        co_assignment=co_assignment,
    )
