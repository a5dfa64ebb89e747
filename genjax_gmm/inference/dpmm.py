"""Collapsed Gibbs sampling of the Dirichlet-process mixture's partition (Neal 2000, Algorithm 3).

With each kind's (μ, σ²) summed out (the conjugacy of ``dirichlet_process``), the state is the partition z
alone and the target is p(z | x) ∝ p(z) Π_k m(x_{I_k}). A sweep reseats every point i in turn
from its exact conditional given all the others, z_{−i}:

    P(z_i = k | z_{−i}, x) ∝ n_{k,−i} · p(x_i | x_{I_k∖i})     for an occupied table k,
    P(z_i = new | z_{−i}, x) ∝ α · p(x_i)                      (the smallest free label),

with the Student-t predictives of ``dirichlet_process``. The CRP's exchangeability makes the first
factor the probability that point i, arriving last, joins table k. Each reseating leaves p(z | x)
invariant, hence so does the sweep. Labels stay in 0 … N−1: a table that empties frees its label,
and a new table takes the smallest free one.

``PartitionKernel`` is this sweep as a kernel of the engine (``engine.chains``), compiled once per
data bucket: the data are centred on their mean (the prior's location moves with them, which
changes no probability), padded to a bucket size with a mask, and padded points are never seated
(they count in no table and no likelihood). Chains start from a partition drawn from the CRP
prior; sweep t of chain j uses fold_in(fold_in(key, j), t) and point i within it fold_in(·, i), so
results depend on neither the padding nor the block size.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import ClassVar, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from ..dirichlet_process import (
    ClusterStatistics,
    DPMMPrior,
    Predictive,
    log_marginal_likelihood,
    log_partition_probability,
    predictive,
    predictive_log_density,
    seating_logits,
)
from ..engine.mcmc import chain_settings, sample
from ..validation import check_finite, check_instance, check_magnitude, check_memory, check_observations

__all__ = [
    "PartitionState",
    "DPMMResult",
    "cluster_statistics",
    "partition_log_joint",
    "make_sweep",
    "PartitionKernel",
    "dpmm_gibbs",
    "posterior_num_clusters",
    "posterior_predictive_density",
]

PREDICTIVE_BATCH = 64
"""``posterior_predictive_density`` evaluates this many draws at once (memory: batch × grid × N)."""


class PartitionState(NamedTuple):
    """One chain's partition: a label per (padded) point and the statistics of every label."""

    labels: jax.Array  # (B,) int32 in 0 … N−1 (padded points: 0, never counted)
    stats: ClusterStatistics  # (B,) each: n_k, Σx, Σx² over the real points with label k


def cluster_statistics(data: jax.Array, labels: jax.Array, mask: jax.Array | None = None) -> ClusterStatistics:
    """(n_k, Σ x_i, Σ x_i²) over the points with mask 1 (default all) and label k, for k = 0 … len(data) − 1."""
    mask = jnp.ones_like(data) if mask is None else mask

    def total(values):
        return jax.ops.segment_sum(values * mask, labels, data.shape[0])

    return ClusterStatistics(total(jnp.ones_like(data)), total(data), total(data**2))


def partition_log_joint(stats: ClusterStatistics, prior: DPMMPrior) -> jax.Array:
    """log p(z, x) = log p(z) + Σ_k log m(x_{I_k}) (empty labels contribute 0)."""
    log_marginals = log_marginal_likelihood(*stats, prior)
    return log_partition_probability(stats.counts, prior.concentration) + jnp.sum(
        jnp.where(stats.counts > 0, log_marginals, 0.0)
    )


def _sample_label(key: jax.Array, logits: jax.Array) -> jax.Array:
    """A draw from softmax(logits) by inverse CDF with one uniform in (0, 1): the number of
    cumulative sums below u · total. A label of probability 0 is never drawn."""
    cumulative = jnp.cumsum(jnp.exp(logits - jnp.max(logits)))
    uniform = (jax.random.bits(key, (), jnp.uint32).astype(logits.dtype) + 0.5) * 2.0**-32
    return jnp.sum(cumulative < uniform * cumulative[-1]).astype(jnp.int32)


def _move(stats: ClusterStatistics, tables: Predictive, label, x, weight, prior: DPMMPrior):
    """The statistics with point x added to table ``label`` (``weight`` 1) or removed (−1), and
    the tables' predictives with that table's recomputed (the others are unchanged)."""
    stats = ClusterStatistics(*(value.at[label].add(weight * x**power) for power, value in enumerate(stats)))
    updated = predictive(*(value[label] for value in stats), prior)
    return stats, Predictive(*(value.at[label].set(new) for value, new in zip(tables, updated)))


Seating = Callable[..., jax.Array]
Sweep = Callable[..., tuple[PartitionState, jax.Array]]


def make_sweep(seat: Seating = seating_logits) -> Sweep:
    """A sweep ``(key, state, data, prior, mask=None) -> (new state, log p(z, x))`` reseating the
    real points (mask 1, which come first; default all) in order, each from the table logits
    ``seat(n_{−i}, log p(x_i | table), log p(x_i), α)`` (``seating_logits``: the exact conditional).
    Every table's Student-t predictive is kept in the loop's carry, and only the two tables a
    point leaves and joins are recomputed. Statistics are recomputed from the labels at the end
    of the sweep, so rounding cannot accumulate."""

    def sweep(key: jax.Array, state: PartitionState, data: jax.Array, prior: DPMMPrior, mask: jax.Array | None = None):
        mask = jnp.ones_like(data) if mask is None else mask
        log_prior_predictive = predictive(0.0, 0.0, 0.0, prior).log_density(data)

        def reseat(i, carry):
            labels, stats, tables = carry
            stats, tables = _move(stats, tables, labels[i], data[i], -1.0, prior)
            logits = seat(stats.counts, tables.log_density(data[i]), log_prior_predictive[i], prior.concentration)
            label = _sample_label(jax.random.fold_in(key, i), logits)
            return (labels.at[i].set(label), *_move(stats, tables, label, data[i], 1.0, prior))

        # The real points come first (``pad_to_bucket``): padded ones are never seated.
        carry = (state.labels, state.stats, predictive(*state.stats, prior))
        labels, _, _ = jax.lax.fori_loop(0, jnp.sum(mask).astype(jnp.int32), reseat, carry)
        stats = cluster_statistics(data, labels, mask)
        return PartitionState(labels, stats), partition_log_joint(stats, prior)

    return sweep


_exact_sweep = make_sweep()


def _prior_partition(key: jax.Array, data: jax.Array, prior: DPMMPrior, mask: jax.Array) -> PartitionState:
    """A start drawn from the CRP prior: the real points seated in order by the CRP rule alone."""

    def seat(counts, i):
        logits = seating_logits(counts, 0.0, 0.0, prior.concentration)
        label = jnp.where(mask[i] > 0, _sample_label(jax.random.fold_in(key, i), logits), 0)
        return counts.at[label].add(mask[i]), label

    _, labels = jax.lax.scan(seat, jnp.zeros_like(data), jnp.arange(data.shape[0]))
    return PartitionState(labels, cluster_statistics(data, labels, mask))


@dataclasses.dataclass(frozen=True)
class PartitionKernel:
    """The collapsed Gibbs sweep as a kernel of the engine (``engine.chains.Kernel``): chains start
    from the CRP prior, and every draw records the number of clusters, the log joint and, if
    ``keep_assignments``, the labels. ``sweep`` is exact by default; the tests pass broken ones."""

    keep_assignments: bool = True
    sweep: Sweep = _exact_sweep

    monitored: ClassVar[dict[str, str]] = {"num_clusters": "the number of clusters", "log_joint": "the log joint"}

    def init(self, key: jax.Array, data: jax.Array, prior: DPMMPrior, mask: jax.Array) -> PartitionState:
        return _prior_partition(key, data, prior, mask)

    def step(self, key: jax.Array, state: PartitionState, data: jax.Array, prior: DPMMPrior, mask: jax.Array):
        return self.sweep(key, state, data, prior, mask)

    def record(self, state: PartitionState, log_joint: jax.Array) -> dict[str, jax.Array]:
        row = {"num_clusters": jnp.sum(state.stats.counts > 0).astype(jnp.int32), "log_joint": log_joint}
        return {**row, "assignments": state.labels} if self.keep_assignments else row

    def cost(self, data: jax.Array) -> int:
        return data.shape[0] ** 2  # every point's reseating weighs every table


@dataclasses.dataclass(frozen=True)
class DPMMResult:
    """Draws of the partition after burn-in, ``num_draws = num_sweeps − burn_in`` per chain."""

    assignments: np.ndarray | None  # (num_chains, num_draws, N) int32 labels in 0 … N−1, or None if not kept
    num_clusters: np.ndarray  # (num_chains, num_draws) int32, occupied tables
    log_joint: np.ndarray  # (num_chains, num_draws) log p(z, x), parameters summed out
    rhat_num_clusters: float  # split R-hat (1.0 if every draw has the same number)
    ess_num_clusters: float  # effective sample size (nan if every draw has the same number)
    rhat_log_joint: float
    ess_log_joint: float
    burn_in: int  # sweeps discarded before the draws
    data: np.ndarray  # (N,) the observations
    prior: DPMMPrior


def dpmm_gibbs(
    key: jax.Array,
    data,
    prior: DPMMPrior,
    num_sweeps: int,
    num_chains: int = 4,
    burn_in: int | None = None,
    *,
    keep_assignments: bool | None = None,
    dtype=jnp.float64,
) -> DPMMResult:
    """Collapsed Gibbs sampling of p(z | data) for the DP mixture with ``prior`` (module docstring).

    Runs ``num_chains`` chains of ``num_sweeps`` sweeps from CRP-prior starts, drops the first
    ``burn_in`` sweeps (default ``num_sweeps // 4``) and reports split R-hat and ESS of the number
    of clusters and of the log joint, warning (``ConvergenceWarning``) when they say the draws
    cannot be trusted. ``keep_assignments`` (default: only if num_chains × num_draws × N ≤ 10⁷)
    controls whether the partition of every draw is returned; ``dtype=jnp.float32`` runs at single
    precision. Compiled once per bucket of N, dtype and ``keep_assignments`` (``engine.buckets``);
    the same key gives the same draws.
    """
    data = check_magnitude(check_observations(data), "data")
    check_instance(prior, DPMMPrior, "prior")
    settings = chain_settings(
        key, num_sweeps, num_chains, burn_in, keep_assignments=keep_assignments, dtype=dtype, num_points=data.size
    )
    centre = float(np.mean(data))
    kernel = PartitionKernel(settings.keep_assignments)
    draws = sample(kernel, data - centre, prior.shifted(centre), settings, sampler="dpmm_gibbs")
    values = draws.values
    (rhat_k, ess_k), (rhat_joint, ess_joint) = draws.diagnostics["num_clusters"], draws.diagnostics["log_joint"]
    return DPMMResult(
        assignments=values["assignments"][..., : data.size] if settings.keep_assignments else None,
        num_clusters=values["num_clusters"],
        log_joint=values["log_joint"],
        rhat_num_clusters=rhat_k,
        ess_num_clusters=ess_k,
        rhat_log_joint=rhat_joint,
        ess_log_joint=ess_joint,
        burn_in=settings.burn_in,
        data=data,
        prior=prior,
    )


def posterior_num_clusters(result: DPMMResult) -> np.ndarray:
    """P(K = k | x) for k = 0 … N, the fraction of all draws with k occupied tables."""
    check_instance(result, DPMMResult, "result")
    return np.bincount(result.num_clusters.ravel(), minlength=result.data.size + 1) / result.num_clusters.size


@jax.jit
def _predictive_density(grid, data, labels, prior):
    """Mean over draws of Σ_k n_k/(α+N) p(x | x_{I_k}) + α/(α+N) p(x), on every grid point."""
    total = prior.concentration + data.shape[0]

    def one_draw(draw_labels):
        stats = cluster_statistics(data, draw_labels)
        densities = jnp.exp(predictive_log_density(grid[:, None], *stats, prior))  # (G, N)
        new_table = jnp.exp(predictive_log_density(grid, 0.0, 0.0, 0.0, prior))
        return (densities @ stats.counts + prior.concentration * new_table) / total

    return jnp.mean(jax.lax.map(one_draw, labels, batch_size=PREDICTIVE_BATCH), axis=0)


def posterior_predictive_density(result: DPMMResult, grid) -> np.ndarray:
    """p(x* | x) for every x* in ``grid``, averaged over all draws: a new point joins table k with
    probability n_k/(α + N) and follows its Student-t predictive, or opens a new table (α/(α + N))
    and follows the prior predictive."""
    check_instance(result, DPMMResult, "result")
    if result.assignments is None:
        raise ValueError("result holds no assignments; run dpmm_gibbs(..., keep_assignments=True)")
    grid = check_finite(grid, "grid")
    if grid.ndim != 1:
        raise ValueError(f"grid must be a 1-D array of points, got shape {grid.shape}")
    check_memory(PREDICTIVE_BATCH * grid.size * result.data.size * 8, f"the predictive density at {grid.size} points")
    centre = float(np.mean(result.data))
    labels = jnp.asarray(result.assignments.reshape(-1, result.data.size))
    prior = jax.tree.map(jnp.asarray, result.prior.shifted(centre))
    return np.asarray(_predictive_density(jnp.asarray(grid - centre), jnp.asarray(result.data - centre), labels, prior))
