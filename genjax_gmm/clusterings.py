"""Agreement between two clusterings of the same points: the adjusted Rand index.

Of the M = N(N−1)/2 pairs of points, count those put together by both clusterings (a), apart by
both (d), together by the first only (b) and by the second only (c). The Rand index (a + d)/M
is the fraction of pairs on which they agree; adjusted for chance (Hubert and Arabie, 1985) it is

    ARI = 2 (a d − b c) / ((a + b)(b + d) + (a + c)(c + d)),

1 for identical partitions (whatever the label names), about 0 for unrelated ones, and negative
when they agree less than chance. As in scikit-learn, ARI = 1 when b = c = 0 (e.g. N = 1).
"""

from __future__ import annotations

import numpy as np

__all__ = ["adjusted_rand_index"]


def _labels(value, name: str) -> np.ndarray:
    """``value``'s labels renumbered 0 … L−1 (L distinct labels), in any order: NumPy's sort for
    numbers and strings, a dictionary for other objects (``None``, tuples, mixed types: any hashable
    label, equal labels meaning the same cluster), so that no label need be comparable with another."""
    try:
        labels = np.asarray(value)
    except ValueError as error:  # ragged nested sequences
        raise ValueError(f"{name} must be a non-empty 1-D array of cluster labels: {error}") from None
    if labels.ndim != 1 or labels.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array of cluster labels, got shape {labels.shape}")
    if labels.dtype.kind == "f" and not np.all(np.isfinite(labels)):
        raise ValueError(f"{name} must not contain NaN or infinite labels")
    if labels.dtype.kind not in "biufUSO":
        raise TypeError(f"{name} must hold cluster labels (integers or strings), got dtype {labels.dtype}")
    if labels.dtype.kind != "O":
        return np.unique(labels, return_inverse=True)[1].ravel()
    codes: dict = {}
    try:
        return np.fromiter((codes.setdefault(label, len(codes)) for label in labels), np.int64, labels.size)
    except TypeError as error:
        raise TypeError(f"{name} must hold hashable cluster labels: {error}") from None


def _pair_counts(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """The nonzero entries of the contingency table n_ab = #{i: first_i = a, second_i = b}, counted
    over the pairs that occur (at most N of them), never over all L₁ × L₂ label pairs."""
    pairs = first.astype(np.int64) * (int(second.max()) + 1) + second
    return np.unique(pairs, return_counts=True)[1].astype(np.float64)


def adjusted_rand_index(labels_a, labels_b) -> float:
    """Adjusted Rand index between two labelings of the same N points (module docstring)."""
    first, second = _labels(labels_a, "labels_a"), _labels(labels_b, "labels_b")
    if first.size != second.size:
        raise ValueError(f"labels_a and labels_b must label the same points, got {first.size} and {second.size} labels")
    num_points = float(first.size)
    together_both = 0.5 * (np.sum(_pair_counts(first, second) ** 2) - num_points)
    together_first = 0.5 * (np.sum(np.bincount(first).astype(np.float64) ** 2) - num_points)
    together_second = 0.5 * (np.sum(np.bincount(second).astype(np.float64) ** 2) - num_points)
    only_first = together_first - together_both
    only_second = together_second - together_both
    apart_both = 0.5 * num_points * (num_points - 1) - together_first - together_second + together_both
    if only_first == 0 and only_second == 0:
        return 1.0
    numerator = 2.0 * (together_both * apart_both - only_first * only_second)
    denominator = (together_both + only_first) * (only_first + apart_both) + (together_both + only_second) * (
        only_second + apart_both
    )
    return float(numerator / denominator)
