"""Draws from a variational approximation q, laid out as a sampler's draws, so that relabelling,
``gg.to_inference_data`` and ``gg.summary`` take them (``posterior`` registers their layouts).

Draws from q are independent: as one chain, ArviZ's effective sample sizes are about the number
of draws and its R-hat (which needs two chains) is not defined.
"""

from __future__ import annotations

import dataclasses

import numpy as np

__all__ = ["VariationalDraws", "MultivariateVariationalDraws"]


@dataclasses.dataclass(frozen=True)
class VariationalDraws:
    """Independent draws of a 1-D mixture's parameters (and assignments) from q."""

    weights: np.ndarray  # (num_draws, K) π
    means: np.ndarray  # (num_draws, K) μ
    stds: np.ndarray  # (num_draws, K) σ
    assignments: np.ndarray | None = None  # (num_draws, N) z, if q has assignments


@dataclasses.dataclass(frozen=True)
class MultivariateVariationalDraws:
    """Independent draws of a D-dimensional mixture's parameters (and assignments) from q."""

    weights: np.ndarray  # (num_draws, K) π
    means: np.ndarray  # (num_draws, K, D) μ
    covariances: np.ndarray  # (num_draws, K, D, D) Σ
    assignments: np.ndarray | None = None  # (num_draws, N) z
