"""The evidence p(x | K) of the finite Bayesian GMM, exactly, by summing over every assignment of small data.

Under ``GMMPrior`` the weights, means and variances integrate out once the kinds z are given
(``collapsed``):

    p(x, z | K) = Γ(Kα) / Γ(Kα + n) · Π_k f(G_k),    f(G) = Γ(α + |G|) / Γ(α) · p(x_G),   f(∅) = 1,

with G_k the points of kind k and p(x_G) the evidence of one group (``group_log_evidence``). The
evidence p(x | K) = Σ_z p(x, z | K) has K^n terms. Grouped by the number j of kinds that hold a point,

    p(x | K) = Σ_j P(j occupied | K) · p(x | j occupied),
    P(j occupied | K) = C(K, j) · Γ(Kα) / Γ(Kα + n) · N_j,        p(x | j occupied) = W_j / N_j,

where W_j sums Π_k f(G_k) over the assignments of the points to j labelled kinds that all hold a
point, and N_j is the same sum with every p(x_G) replaced by 1. The second factor does not depend
on K: an empty kind's mean and variance are integrated against their prior alone, which gives 1
whatever the prior. So the model with K kinds is a mixture of the models with exactly j ≤ K
occupied kinds, and p(x | K) ≥ P(j occupied | K) · p(x | j occupied) for every j ≤ K.

Tied values make the sum small. With d distinct values of multiplicities m = (m_1 … m_d), a group
is a sub-multiset u ≤ m (u_i copies of value i), and

    W_j = m! · [t^m] F(t)^j,      F(t) = Σ_{u ≠ 0} f(u) t^u / u!,      m! = Π_i m_i!,  u! = Π_i u_i!,

a product of polynomials truncated at degree m_i in each variable t_i: Π_i (m_i + 1) group
evidences instead of 2^n, and one truncated product per kind beyond the second. ``keep_apart``
restricts the sum to the assignments in which no kind holds points of two labelled groups; then
Σ_j W_j y^j / j! = Π_g Σ_i W_i^(g) y^i / i! over the groups g, a lower bound on the full sum that
is tight when the groups lie far apart.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.special import gammaln, logsumexp

from .collapsed import group_log_evidence
from .models import GMMPrior
from .validation import check_instance, check_observations, check_positive, check_positive_int

__all__ = [
    "SubsetLogEvidences",
    "subset_log_evidences",
    "occupancy_log_probabilities",
    "log_evidence_by_occupancy",
    "log_evidence",
]

MAX_SUBSETS = 2**18
"""The most sub-multisets, Π_i (m_i + 1), a data set may have (the 20 bentos have 186,624)."""

PAIRS_PER_STEP = 2**15
"""A truncated product sums this many pairs of multi-indices at most in one array operation."""


class SubsetLogEvidences(NamedTuple):
    """Every non-empty sub-multiset u of some points (u_i copies of the i-th distinct value)."""

    values: np.ndarray  # (d,) the distinct values, increasing
    counts: np.ndarray  # (S, d) u, one row per sub-multiset, in row-major order of u
    sizes: np.ndarray  # (S,) |u| = Σ_i u_i
    log_evidences: np.ndarray  # (S,) log p(x_u)


def _sub_multisets(points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct values, their multiplicities m and every sub-multiset u ≤ m, the empty one first."""
    values, multiplicities = np.unique(points, return_counts=True)
    shape = tuple(multiplicities + 1)
    if np.prod(shape, dtype=float) > MAX_SUBSETS:
        raise ValueError(
            f"data: {points.size} points with {values.size} distinct values have {np.prod(shape, dtype=float):.3g} "
            f"sub-multisets, more than the {MAX_SUBSETS} exact enumeration handles"
        )
    return values, multiplicities, np.indices(shape).reshape(values.size, -1).T


def _log_evidences(values: np.ndarray, counts: np.ndarray, prior: GMMPrior) -> np.ndarray:
    """log p(x_u) for every row u of ``counts`` (none empty), each distinct (|u|, Σx, Σx²) computed once."""
    centred = values - prior.mean_loc
    statistics = np.stack([counts.sum(axis=1), counts @ centred, counts @ centred**2], axis=1)
    _, first, which = np.unique(statistics, axis=0, return_index=True, return_inverse=True)
    distinct = np.array([group_log_evidence(np.repeat(values, counts[row]), prior) for row in first])
    return distinct[which.ravel()]


def subset_log_evidences(points, prior: GMMPrior) -> SubsetLogEvidences:
    """log p(x_u) of every non-empty sub-multiset u of ``points`` (tied points are interchangeable,
    so each distinct group appears once), in an order that depends on the points only."""
    points = check_observations(points, "points")
    check_instance(prior, GMMPrior, "prior")
    values, _, counts = _sub_multisets(points)
    counts = counts[1:]
    return SubsetLogEvidences(values, counts, counts.sum(axis=1), _log_evidences(values, counts, prior))


def _log_all_occupied_weights(num_points: int, max_occupied: int, concentration: float) -> np.ndarray:
    """log N_j, j = 1 … max_occupied: Σ over the assignments of n points to j labelled kinds, all
    occupied, of Π_k Γ(α + n_k)/Γ(α), as n! [y^n] (Σ_{r ≥ 1} Γ(α + r)/(Γ(α) r!) y^r)^j."""
    r = np.arange(num_points + 1)
    log_term = np.where(r > 0, gammaln(concentration + r) - gammaln(concentration) - gammaln(r + 1), -np.inf)
    power, result = log_term, []
    with np.errstate(divide="ignore"):  # log 0 = −inf where j kinds cannot all be occupied
        for j in range(1, max_occupied + 1):
            if j > 1:
                power = np.array([logsumexp(power[: s + 1] + log_term[s::-1]) for s in r])
            result.append(power[-1] + gammaln(num_points + 1))
    return np.array(result)


def occupancy_log_probabilities(num_components, num_points, concentration=1.0) -> np.ndarray:
    """log P(exactly j of the K kinds hold a point), j = 1 … K, for n points whose kinds are drawn
    from the Dirichlet(α·1_K)-multinomial (the Pólya urn): C(K, j) Γ(Kα)/Γ(Kα + n) N_j (module
    docstring); −inf for j > n."""
    num_components = check_positive_int(num_components, "num_components")
    num_points = check_positive_int(num_points, "num_points")
    alpha = float(check_positive(concentration, "concentration"))
    j = np.arange(1, num_components + 1)
    log_choose = gammaln(num_components + 1) - gammaln(j + 1) - gammaln(num_components - j + 1)
    return (log_choose + gammaln(num_components * alpha) - gammaln(num_components * alpha + num_points)
            + _log_all_occupied_weights(num_points, num_components, alpha))


def _pairs(shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Flat indices of every pair s ≤ t of multi-indices of ``shape`` (as s, t − s), sorted by t,
    and where each t's run of pairs starts."""
    index = np.indices(shape).reshape(len(shape), -1).T
    s, t = np.nonzero(np.all(index[:, None, :] <= index[None, :, :], axis=2))
    order = np.argsort(t, kind="stable")
    s, t = s[order], t[order]
    difference = np.ravel_multi_index(tuple((index[t] - index[s]).T), shape)
    return s, difference, np.flatnonzero(np.diff(t, prepend=-1))


def _truncated_product(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """c[t] = Σ_{s ≤ t} a[s] b[t − s] for every multi-index t of the (common) shape: the product of
    two polynomials in d variables, truncated at the shape. The trailing variables (at most
    ``PAIRS_PER_STEP`` pairs s ≤ t) are summed by array operations, the leading ones by a loop."""
    shape = a.shape
    split = len(shape)
    while split > 0 and np.prod([(n * (n + 1)) // 2 for n in shape[split - 1:]]) <= PAIRS_PER_STEP:
        split -= 1
    outer, inner = shape[:split], shape[split:]
    a, b = a.reshape(*outer, -1), b.reshape(*outer, -1)
    s, difference, starts = _pairs(inner)
    c = np.zeros_like(b)
    for leading in np.ndindex(*outer):
        rest = b[tuple(slice(None, n - k) for n, k in zip(outer, leading))]  # b[t − s] for t ≥ s here
        terms = a[leading][s] * rest[..., difference]
        c[tuple(slice(k, None) for k in leading)] += np.add.reduceat(terms, starts, axis=-1)
    return c.reshape(shape)


def _log_occupied_sums(points: np.ndarray, max_occupied: int, prior: GMMPrior) -> np.ndarray:
    """log W_j, j = 1 … max_occupied (module docstring), by powers of the truncated polynomial F."""
    values, multiplicities, counts = _sub_multisets(points)
    sizes = counts.sum(axis=1)
    log_f = np.zeros(sizes.size)  # the empty group (row 0) is excluded from F below
    log_f[1:] = (_log_evidences(values, counts[1:], prior)
                 + gammaln(prior.concentration + sizes[1:]) - gammaln(prior.concentration))
    log_scaled = log_f - gammaln(counts + 1).sum(axis=1)
    # F(u) e^(−h|u|) ≤ 1 for every u: every term of the j-th power then carries the same e^(−hn)
    rate = np.max(log_scaled[1:] / sizes[1:])
    polynomial = np.where(sizes > 0, np.exp(log_scaled - rate * sizes), 0.0).reshape(multiplicities + 1)
    reversed_polynomial = polynomial[(slice(None, None, -1),) * polynomial.ndim]  # F(m − u) at u
    power, top = polynomial, [polynomial.flat[-1]]
    for j in range(2, max_occupied + 1):
        top.append(np.sum(power * reversed_polynomial))  # [t^m] F^j
        if j < max_occupied:
            power = _truncated_product(power, polynomial)
    with np.errstate(divide="ignore"):
        return np.log(top) + rate * points.size + gammaln(multiplicities + 1).sum()


def _checked(data, prior) -> tuple[np.ndarray, GMMPrior]:
    return check_observations(data, "data"), check_instance(prior, GMMPrior, "prior")


def log_evidence_by_occupancy(data, max_occupied, prior: GMMPrior, *, keep_apart=None) -> np.ndarray:
    """ℓ_j = log p(x | exactly j kinds hold a point), j = 1 … ``max_occupied`` (module docstring),
    −inf for j > n. With ``keep_apart`` (one label per point) only the assignments in which no kind
    holds points of two labels are summed: a lower bound on each ℓ_j, tight when the labelled groups
    lie far apart, and −inf for j below the number of groups."""
    data, prior = _checked(data, prior)
    max_occupied = check_positive_int(max_occupied, "max_occupied")
    if keep_apart is None:
        log_sums = _log_occupied_sums(data, max_occupied, prior)
    else:
        labels = np.asarray(keep_apart)
        if labels.shape != data.shape:
            raise ValueError(f"keep_apart must hold one label per point, shape {data.shape}, got {labels.shape}")
        # Σ_j W_j y^j / j! = Π_g Σ_i W_i^(g) y^i / i!: a product of polynomials in y, in log space
        j = np.arange(max_occupied + 1)
        product = np.where(j == 0, 0.0, -np.inf)
        for label in np.unique(labels):
            group = np.concatenate([[-np.inf], _log_occupied_sums(data[labels == label], max_occupied, prior)])
            group -= gammaln(j + 1)
            product = np.array([logsumexp(product[: s + 1] + group[s::-1]) for s in j])
        log_sums = (product + gammaln(j + 1))[1:]
    log_weights = _log_all_occupied_weights(data.size, max_occupied, prior.concentration)
    return np.where(np.isfinite(log_weights), log_sums - np.where(np.isfinite(log_weights), log_weights, 0.0), -np.inf)


def log_evidence(data, num_components, prior: GMMPrior) -> float:
    """log p(x | K), exactly: p(x, z | K) summed over all K^n assignments z, tied values grouped
    (module docstring), for data with at most ``MAX_SUBSETS`` sub-multisets."""
    data, prior = _checked(data, prior)
    num_components = check_positive_int(num_components, "num_components")
    by_occupancy = log_evidence_by_occupancy(data, num_components, prior)
    weights = occupancy_log_probabilities(num_components, data.size, prior.concentration)
    return float(logsumexp(weights + by_occupancy))
