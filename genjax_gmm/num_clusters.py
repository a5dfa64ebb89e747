"""The number of clusters K of a Dirichlet-process mixture: its prior law under the Chinese
restaurant process, and how a posterior over K moves when the concentration α changes.

Prior (Antoniak 1974). After n customers of a CRP(α), the number of occupied tables K has

    P(K = k) = |s(n, k)| α^k Γ(α) / Γ(α + n),        k = 1 … n,

with |s(n, k)| the unsigned Stirling numbers of the first kind (the number of permutations of n
items with k cycles): |s(0, 0)| = 1 and |s(n + 1, k)| = n |s(n, k)| + |s(n, k − 1)|. Summing the
CRP probability α^K Γ(α)/Γ(α + n) Π_k (n_k − 1)! over the partitions with k blocks gives
Σ Π (n_k − 1)! = |s(n, k)|. Its mean is Σ_{i=0}^{n−1} α/(α + i) (``expected_num_tables``).

Reweighting. In p(z | x, α) ∝ α^K Γ(α)/Γ(α + n) Π_k (n_k − 1)! · p(x | z) only α^K depends on
both α and the partition, so for any data x and any other concentration α′

    P(K = k | x, α′) ∝ P(K = k | x, α) · (α′/α)^k

exactly: a posterior over K (exact, or the fractions of a sampler's draws) for one α gives the
posterior for every other α without new sampling. Applied to draws it is importance sampling,
reliable while the weights (α′/α)^k do not put most of their mass on values of K that the draws
rarely visit.

Both are computed in logs: |s(82, 5)| alone has 120 digits.
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln, logsumexp

from .validation import check_finite, check_positive, check_positive_int

__all__ = ["num_clusters_prior", "reweight_num_clusters"]


def _log_stirling_first_kind(n: int) -> np.ndarray:
    """log |s(n, k)| for k = 0 … n (−∞ where |s(n, k)| = 0), by the recurrence
    |s(m + 1, k)| = m |s(m, k)| + |s(m, k − 1)| (module docstring)."""
    row = np.array([0.0])  # |s(0, 0)| = 1
    for m in range(n):
        with np.errstate(divide="ignore"):
            stay = np.append(row + np.log(m), -np.inf)  # customer m + 1 joins one of the m cycles
        opened = np.insert(row, 0, -np.inf)  # … or starts a new one
        row = np.logaddexp(stay, opened)
    return row


def num_clusters_prior(num_points: int, concentration: float) -> np.ndarray:
    """P(K = k) for k = 0 … ``num_points``: the law of the number of occupied tables after
    ``num_points`` customers of a CRP(``concentration``), |s(n, k)| α^k Γ(α)/Γ(α + n)."""
    num_points = check_positive_int(num_points, "num_points")
    alpha = float(check_positive(concentration, "concentration"))
    k = np.arange(num_points + 1)
    log_p = _log_stirling_first_kind(num_points) + k * np.log(alpha) + gammaln(alpha) - gammaln(alpha + num_points)
    return np.exp(log_p - logsumexp(log_p))  # the normalisation only removes rounding


def reweight_num_clusters(probabilities, concentration: float, new_concentration: float) -> np.ndarray:
    """P(K = k | x, α′) ∝ P(K = k | x, α) (α′/α)^k, normalised (module docstring).

    ``probabilities``: P(K = k | x, α) for k = 0, 1, …, e.g. ``posterior_num_clusters(result)``
    or ``exact_num_clusters(…).probabilities``; non-negative, summing to 1."""
    probabilities = check_finite(probabilities, "probabilities")
    if probabilities.ndim != 1 or probabilities.size == 0:
        raise ValueError(f"probabilities must be a non-empty 1-D array (P(K = k) for k = 0, 1, …), got shape "
                         f"{probabilities.shape}")
    if np.any(probabilities < 0) or abs(probabilities.sum() - 1.0) > 1e-6:
        raise ValueError(f"probabilities must be non-negative and sum to 1, got sum {probabilities.sum():.6g}")
    ratio = float(check_positive(new_concentration, "new_concentration")) / float(
        check_positive(concentration, "concentration")
    )
    with np.errstate(divide="ignore"):
        log_p = np.log(probabilities) + np.arange(probabilities.size) * np.log(ratio)
    return np.exp(log_p - logsumexp(log_p))
