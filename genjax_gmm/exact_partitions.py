"""Exact posterior of the Dirichlet-process mixture over partitions, for data that fall in a few
well-separated groups, with a proven bound on the partitions it leaves out.

The posterior of a partition z of n points (``dirichlet_process``: the CRP prior times each
block's Normal-Inverse-Gamma marginal likelihood m) is a product over its blocks,

    p(z, x) = C · Π_{blocks B} w(B),     w(B) = α Γ(|B|) m(x_B),     C = Γ(α) / Γ(α + n),

and there are Bell(n) partitions (5·10¹³ for the 20 bentos), too many to list. Split the sorted
data at their widest gaps into groups. A partition *keeps the groups apart* if none of its blocks
holds points of two groups; such a partition is a partition of each group, and its weight is the
product of the groups' weights. So the sums over them factorise: for each group, a dynamic
programme over its 2^m subsets sums Π w(B) over the partitions of every subset, sorted by the
block sizes λ (an integer partition of m), through

    f(S, λ) = Σ_{B ⊆ S, B ∋ min S} w(B) f(S ∖ B, λ − |B|),      f(∅, ∅) = 1,

which visits each (S, B) pair once (3^m / 2 of them: 265,720 for 12 points). The posterior of K
and of the block sizes then combines the groups' tables, one entry per choice of λ in each group.

What is left out is bounded, not ignored. A partition that mixes groups refines uniquely into one
that keeps them apart (split each block along the groups) with some of its pieces merged across
groups. Merging pieces p₁ … p_h of distinct groups into one block B multiplies the weight by
r(B) = w(B) / Π w(p_j), and r(B) ≤ ρ(|p₁|, …, |p_h|), a bound that depends only on the pieces'
groups and sizes: below, w(p) is at least its group's smallest w over subsets of that size
(enumerated), and above, m(x_B) decreases in b_n = b + ½ (SS_B + κ₀ n/(κ₀ + n) (x̄_B − m₀)²),
whose within-block sum of squares is at least the pieces' smallest sums of squares (enumerated)
plus, for any two pieces of groups g and h, n_p n_q / (n_p + n_q) D²_gh with D_gh the gap between
the two groups' ranges. Summing over every set of merges,

    mass(mixing) ≤ C Σ_π Π_B w(B) · (Π_{candidate merges M of π} (1 + ρ(M)) − 1),

over the partitions π that keep the groups apart, whose product depends only on the block sizes
λ of each group, so it is computed exactly from the same tables. ``mixing_bound`` is this bound
divided by the mass of the partitions kept: every reported probability is within it of the exact
one, and the log evidence within log(1 + mixing_bound).

Computed in float64 NumPy on the host, in logs, the marginal likelihoods too (the closed form of
``dirichlet_process``, evaluated with NumPy and SciPy: nothing is compiled).
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math

import numpy as np
from scipy.special import gammaln, logsumexp

from .dirichlet_process import DPMMPrior, log_marginal_formula
from .validation import check_instance, check_magnitude, check_observations, check_positive_int

__all__ = ["MAX_GROUP_SIZE", "ExactNumClusters", "exact_num_clusters"]

MAX_GROUP_SIZE = 12
"""The largest group the enumeration takes: 3¹² / 2 subset pairs, well under a second."""

MAX_SIZE_COMBINATIONS = 1_000_000
"""The largest number of combinations of block sizes across groups (77 × 22 for the bentos, 42³
for the coffee)."""


@dataclasses.dataclass(frozen=True)
class ExactNumClusters:
    """The DP mixture's posterior over the number of clusters, by enumeration (module docstring).

    ``probabilities[k]`` is P(K = k | x) for k = 0 … N over the partitions that keep the groups
    apart; the exact value over all partitions lies within ``mixing_bound`` of it.
    ``log_evidence`` is log Σ_z p(z, x) over the same partitions: the exact log p(x) lies in
    [log_evidence, log_evidence + log(1 + mixing_bound)]. ``block_sizes`` maps the block sizes
    of each group (one tuple per group, largest block first, groups in increasing order of their
    values) to their posterior probability. ``groups`` holds each group's values, sorted.
    """

    probabilities: np.ndarray
    mixing_bound: float
    log_evidence: float
    block_sizes: dict[tuple[tuple[int, ...], ...], float]
    groups: tuple[np.ndarray, ...]

    @property
    def mean(self) -> float:
        """E[K | x] = Σ_k k P(K = k | x)."""
        return float(np.arange(self.probabilities.size) @ self.probabilities)


def _log_marginal(counts, means, spreads, prior: DPMMPrior) -> np.ndarray:
    """log m(x_B) of blocks with statistics (n, x̄, Σ(x − x̄)²): ``dirichlet_process``'s formula in
    NumPy and SciPy (host arithmetic, nothing to compile)."""
    counts, means, spreads = (np.asarray(value, np.float64) for value in (counts, means, spreads))
    return log_marginal_formula(counts, means, spreads, prior, xp=np, log_gamma=gammaln)


@functools.cache
def _integer_partitions(total: int, largest: int | None = None) -> tuple[tuple[int, ...], ...]:
    """Every way to write ``total`` as a sum of parts ≤ ``largest``, largest part first."""
    largest = total if largest is None else largest
    if total == 0:
        return ((),)
    return tuple(
        (part, *rest) for part in range(min(total, largest), 0, -1) for rest in _integer_partitions(total - part, part)
    )


@functools.cache
def _subset_pairs(size: int) -> tuple[np.ndarray, np.ndarray]:
    """(S, B) as bitmasks for every subset S of ``size`` points and every B ⊆ S holding S's lowest
    point: each element is out of S, in S ∖ B or in B (the base-3 digits of 0 … 3^size − 1)."""
    codes = np.arange(3**size, dtype=np.int64)
    subset, block = np.zeros_like(codes), np.zeros_like(codes)
    for point in range(size):
        digit = codes // 3**point % 3
        subset |= (digit > 0).astype(np.int64) << point
        block |= (digit == 2).astype(np.int64) << point
    lowest = subset & -subset
    keep = (subset > 0) & (block & lowest > 0)
    return subset[keep], block[keep]


@dataclasses.dataclass(frozen=True)
class _Group:
    """One group's enumeration: its block-size types and their log Σ Π w, and, for the bound, the
    smallest log w and the smallest within sum of squares over its subsets of each size."""

    values: np.ndarray
    types: tuple[tuple[int, ...], ...]  # integer partitions of the group's size
    log_weight: np.ndarray  # (len(types),) log Σ_{partitions of type λ} Π_B w(B)
    smallest_log_w: np.ndarray  # (m + 1,) index = subset size
    smallest_within: np.ndarray  # (m + 1,)

    @property
    def type_counts(self) -> np.ndarray:
        """(len(types), m + 1): how many blocks of each size each type has."""
        counts = np.zeros((len(self.types), self.values.size + 1))
        for row, sizes in enumerate(self.types):
            np.add.at(counts[row], list(sizes), 1.0)
        return counts


def _enumerate_group(values: np.ndarray, prior: DPMMPrior) -> _Group:
    """The dynamic programme of the module docstring over the subsets of one group."""
    size = values.size
    masks = np.arange(1 << size)
    members = ((masks[:, None] >> np.arange(size)) & 1).astype(np.float64)  # (2^m, m)
    counts = members.sum(axis=1)
    centred = values - values.mean()  # sums of squares without cancellation
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts > 0, members @ centred / counts, 0.0)
    within = np.maximum(members @ centred**2 - counts * means**2, 0.0)
    log_w = np.log(prior.concentration) + gammaln(np.maximum(counts, 1)) + _log_marginal(
        counts, means + values.mean(), within, prior
    )
    log_w[0] = 0.0

    types = [sizes for total in range(size + 1) for sizes in _integer_partitions(total)]
    index = {sizes: position for position, sizes in enumerate(types)}
    with_block = np.full((len(types), size + 1), -1)  # the type after adding a block of size s
    for position, sizes in enumerate(types):
        for block in range(1, size + 1 - sum(sizes)):
            with_block[position, block] = index[tuple(sorted((*sizes, block), reverse=True))]
    of_total = [np.array([index[sizes] for sizes in _integer_partitions(total)]) for total in range(size + 1)]

    subsets, blocks = _subset_pairs(size)
    rests = subsets ^ blocks
    subset_size, rest_size = counts[subsets].astype(int), counts[rests].astype(int)
    log_f = np.full((1 << size, len(types)), -np.inf)
    log_f[0, index[()]] = 0.0
    for total in range(1, size + 1):  # subsets by size: each rest is smaller, so already summed
        targets, terms = [], []
        for rest in range(total):
            chosen = (subset_size == total) & (rest_size == rest)
            rest_types = of_total[rest]
            terms.append((log_w[blocks[chosen], None] + log_f[np.ix_(rests[chosen], rest_types)]).ravel())
            targets.append((subsets[chosen, None] * len(types) + with_block[rest_types, total - rest]).ravel())
        flat = log_f.reshape(-1)
        target, term = np.concatenate(targets), np.concatenate(terms)
        peak = np.full(flat.size, -np.inf)
        np.maximum.at(peak, target, term)
        finite = np.isfinite(term)
        scaled = np.bincount(target[finite], np.exp(term[finite] - peak[target[finite]]), minlength=flat.size)
        reached = np.unique(target)
        with np.errstate(divide="ignore"):
            flat[reached] = peak[reached] + np.log(scaled[reached])

    top = of_total[size]
    smallest_log_w = np.array([log_w[counts == s].min() for s in range(size + 1)])
    smallest_within = np.array([within[counts == s].min() for s in range(size + 1)])
    return _Group(values, tuple(types[t] for t in top), log_f[-1, top], smallest_log_w, smallest_within)


def _log_merge_bound(groups: list[_Group], chosen: tuple[int, ...], prior: DPMMPrior) -> np.ndarray:
    """log(1 + ρ) for merging one piece of each group in ``chosen``, indexed by the pieces' sizes
    − 1: ρ = w̄(B) / Π_j min w(p_j), with w̄ from the lower bound on b_n (module docstring)."""
    sizes = np.meshgrid(*[np.arange(1, groups[g].values.size + 1) for g in chosen], indexing="ij")
    total = sum(sizes)
    within = sum(groups[g].smallest_within[s] for g, s in zip(chosen, sizes))
    between = np.zeros(total.shape)
    for (i, g), (j, h) in itertools.combinations(enumerate(chosen), 2):
        gap = groups[h].values.min() - groups[g].values.max()  # groups are in increasing order
        between = np.maximum(between, sizes[i] * sizes[j] / (sizes[i] + sizes[j]) * gap**2)
    # a block of ``total`` points whose mean is m₀ and whose within sum of squares is the bound
    log_marginal = _log_marginal(total, prior.mean_loc, within + between, prior)
    log_upper = np.log(prior.concentration) + gammaln(total) + log_marginal
    log_ratio = log_upper - sum(groups[g].smallest_log_w[s] for g, s in zip(chosen, sizes))
    return np.logaddexp(0.0, log_ratio)


def _log_merge_penalty(groups: list[_Group], prior: DPMMPrior) -> np.ndarray:
    """log Π_M (1 + ρ(M)) over the candidate merges M of a partition that keeps the groups apart,
    for every combination of block-size types (one axis per group): a merge takes one piece from
    each of two or more groups, so the number of merges of given piece sizes is the product of
    the numbers of blocks of those sizes in each group's type."""
    num_groups = len(groups)
    counts = [group.type_counts[:, 1:] for group in groups]  # (types, sizes 1 … m)
    penalty = np.zeros([len(group.types) for group in groups])
    for how_many in range(2, num_groups + 1):
        for chosen in itertools.combinations(range(num_groups), how_many):
            operands = []
            for g in chosen:  # axis g: group g's type; axis num_groups + g: its piece's size
                operands += [counts[g], [g, num_groups + g]]
            merges = np.einsum(*operands, _log_merge_bound(groups, chosen, prior), [num_groups + g for g in chosen],
                               list(chosen), optimize=True)
            penalty += merges.reshape([len(group.types) if g in chosen else 1 for g, group in enumerate(groups)])
    return penalty


def _split_at_gaps(data: np.ndarray, num_groups: int) -> list[np.ndarray]:
    """The sorted data cut at their ``num_groups`` − 1 widest gaps."""
    ordered = np.sort(data)
    gaps = np.diff(ordered)
    if num_groups - 1 > np.count_nonzero(gaps):
        raise ValueError(f"num_groups = {num_groups} needs {num_groups - 1} gaps between distinct values; the data "
                         f"have {np.count_nonzero(gaps)}")
    cuts = np.sort(np.argsort(gaps, kind="stable")[::-1][: num_groups - 1]) + 1
    return np.split(ordered, cuts)


def exact_num_clusters(data, prior: DPMMPrior, num_groups: int) -> ExactNumClusters:
    """P(K | data) of the DP mixture with ``prior``, exactly over the partitions that keep the
    ``num_groups`` groups apart (the data cut at their widest gaps), with a proven bound on the
    rest (module docstring). Each group may hold at most ``MAX_GROUP_SIZE`` points."""
    data = check_magnitude(check_observations(data), "data")
    check_instance(prior, DPMMPrior, "prior")
    num_groups = check_positive_int(num_groups, "num_groups")
    values = _split_at_gaps(data, num_groups)
    if max(group.size for group in values) > MAX_GROUP_SIZE:
        raise ValueError(f"the groups hold {[group.size for group in values]} points; the enumeration takes at most "
                         f"{MAX_GROUP_SIZE} per group: choose more groups (num_groups)")
    if math.prod(len(_integer_partitions(group.size)) for group in values) > MAX_SIZE_COMBINATIONS:
        raise ValueError(f"{num_groups} groups of {[group.size for group in values]} points give more than "
                         f"{MAX_SIZE_COMBINATIONS:,} combinations of block sizes; choose fewer groups")
    groups = [_enumerate_group(group, prior) for group in values]

    log_weight = sum(np.meshgrid(*[group.log_weight for group in groups], indexing="ij"))
    num_clusters = sum(np.meshgrid(*[[len(sizes) for sizes in group.types] for group in groups], indexing="ij"))
    log_penalty = _log_merge_penalty(groups, prior)
    log_kept = logsumexp(log_weight)
    mixing = log_penalty > 0  # one group, or merges whose bound underflows: nothing left out
    penalty = log_penalty[mixing]
    log_excess = penalty + np.log(-np.expm1(-penalty))  # log(Π (1 + ρ) − 1), stably
    mixing_bound = float(np.exp(logsumexp(log_weight[mixing] + log_excess) - log_kept)) if mixing.any() else 0.0
    posterior = np.exp(log_weight - log_kept)
    alpha = prior.concentration
    return ExactNumClusters(
        probabilities=np.bincount(num_clusters.ravel(), posterior.ravel(), minlength=data.size + 1),
        mixing_bound=mixing_bound,
        log_evidence=float(log_kept + gammaln(alpha) - gammaln(alpha + data.size)),
        block_sizes=dict(zip(itertools.product(*[group.types for group in groups]), posterior.ravel().tolist())),
        groups=tuple(values),
    )
