"""Input checks for arrays of D-dimensional points."""

from __future__ import annotations

import numpy as np

from ..validation import check_magnitude

__all__ = ["check_points"]


def check_points(value, name: str = "data") -> np.ndarray:
    """A non-empty (N, D) float64 array of finite points (a (N,) array counts as D = 1), each
    coordinate small enough that its square fits in float64 (``validation.check_magnitude``)."""
    points = check_magnitude(value, name)
    if points.ndim == 1:
        points = points[:, None]
    if points.ndim != 2:
        raise ValueError(f"{name} must be an (N, D) array of points, got shape {points.shape}")
    if points.shape[0] == 0 or points.shape[1] == 0:
        raise ValueError(f"{name} must hold at least one point of at least one coordinate, got shape {points.shape}")
    return points
