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

With a Gamma hyperprior on α (``dpmm_gibbs(…, concentration_prior=…)``), ``ConcentrationKernel``
follows every sweep with Escobar and West's update of α given the number of clusters
(``concentration``): the pair (z, α) is then sampled from p(z, α | x), and the sweep's
reseating uses the current α.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import ClassVar, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from ..concentration import concentration_update
from ..dirichlet_process import (
    ClusterStatistics,
    DPMMPrior,
    Predictive,
    log_marginal_likelihood,
    log_partition_probability,
    moved,
    predictive,
    predictive_log_density,
    seating_logits,
)
from ..engine.mcmc import chain_settings, sample
from ..num_clusters import ConcentrationPrior
from ..validation import check_finite, check_instance, check_magnitude, check_memory, check_observations

__all__ = [
    "PartitionState",
    "DPMMResult",
    "cluster_statistics",
    "partition_log_joint",
    "make_sweep",
    "PartitionKernel",
    "ConcentrationState",
    "ConcentrationKernel",
    "dpmm_gibbs",
    "posterior_num_clusters",
    "posterior_predictive_density",
]

PREDICTIVE_BATCH = 64
"""``posterior_predictive_density`` evaluates this many draws at once (memory: batch × grid × N)."""


class PartitionState(NamedTuple):
    """One chain's partition: a label per (padded) point and the statistics of every label."""

    labels: jax.Array  # (B,) int32 in 0 … N−1 (padded points: 0, never counted)
    stats: ClusterStatistics  # (B,) each: n_k, x̄_k, Σ(x − x̄_k)² over the real points with label k


def cluster_statistics(data: jax.Array, labels: jax.Array, mask: jax.Array | None = None) -> ClusterStatistics:
    """(n_k, x̄_k, Σ (x_i − x̄_k)²) over the points with mask 1 (default all) and label k, for
    k = 0 … len(data) − 1, in two passes: the means, then the squares of the deviations from them."""
    mask = jnp.ones_like(data) if mask is None else mask

    def total(values):
        return jax.ops.segment_sum(values * mask, labels, data.shape[0])

    counts = total(jnp.ones_like(data))
    means = total(data) / jnp.maximum(counts, 1.0)
    return ClusterStatistics(counts, means, total((data - means[labels]) ** 2))


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
    """The statistics with point x added to table ``label`` (``weight`` 1) or removed (−1)
    (``dirichlet_process.moved``), and the tables' predictives with that table's recomputed."""
    stats = moved(stats, label, x, weight)
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


class ConcentrationState(NamedTuple):
    """One chain's partition and its concentration α."""

    partition: PartitionState
    concentration: jax.Array  # α, a scalar


def _with_concentration(prior: DPMMPrior, alpha: jax.Array) -> DPMMPrior:
    return dataclasses.replace(prior, concentration=alpha)


@dataclasses.dataclass(frozen=True)
class ConcentrationKernel:
    """The partition kernel with α learned under a Gamma hyperprior: its prior is the pair
    (``DPMMPrior``, ``ConcentrationPrior``), the first's own concentration unused. A chain starts
    from α at the hyperprior's mean and a partition from CRP(α) (the partitions make the chains'
    starts differ); each sweep reseats every point under the current α, then redraws α given the
    number of clusters (Escobar and West, ``concentration``), and records log p(z, α, x) and α
    besides the partition's records. ``update`` is Escobar and West's step by default; the tests
    pass a broken one."""

    partition: PartitionKernel = PartitionKernel()
    update: Callable[..., jax.Array] = concentration_update

    monitored: ClassVar[dict[str, str]] = {**PartitionKernel.monitored, "concentration": "the concentration α"}

    def init(self, key: jax.Array, data: jax.Array, prior, mask: jax.Array) -> ConcentrationState:
        dp_prior, alpha_prior = prior
        alpha = jnp.asarray(alpha_prior.shape / alpha_prior.rate, data.dtype)  # the prior mean
        partition = self.partition.init(key, data, _with_concentration(dp_prior, alpha), mask)
        return ConcentrationState(partition, alpha)

    def step(self, key: jax.Array, state: ConcentrationState, data: jax.Array, prior, mask: jax.Array):
        dp_prior, alpha_prior = prior
        key_partition, key_alpha = jax.random.split(key)
        at_alpha = _with_concentration(dp_prior, state.concentration)
        partition, _ = self.partition.step(key_partition, state.partition, data, at_alpha, mask)
        num_clusters = jnp.sum(partition.stats.counts > 0)
        alpha = self.update(key_alpha, state.concentration, num_clusters, jnp.sum(mask), alpha_prior)
        log_partition = partition_log_joint(partition.stats, _with_concentration(dp_prior, alpha))
        log_joint = log_partition + alpha_prior.log_density(alpha)
        return ConcentrationState(partition, alpha), log_joint

    def record(self, state: ConcentrationState, log_joint: jax.Array) -> dict[str, jax.Array]:
        return {**self.partition.record(state.partition, log_joint), "concentration": state.concentration}

    def cost(self, data: jax.Array) -> int:
        return self.partition.cost(data)


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
    concentration: np.ndarray | None = None  # (num_chains, num_draws) α, with a concentration_prior
    concentration_prior: ConcentrationPrior | None = None
    rhat_concentration: float = float("nan")
    ess_concentration: float = float("nan")


def dpmm_gibbs(
    key: jax.Array,
    data,
    prior: DPMMPrior,
    num_sweeps: int,
    num_chains: int = 4,
    burn_in: int | None = None,
    *,
    concentration_prior: ConcentrationPrior | None = None,
    keep_assignments: bool | None = None,
    dtype=jnp.float64,
) -> DPMMResult:
    """Collapsed Gibbs sampling of p(z | data) for the DP mixture with ``prior`` (module docstring).

    Runs ``num_chains`` chains of ``num_sweeps`` sweeps from CRP-prior starts, drops the first
    ``burn_in`` sweeps (default ``num_sweeps // 4``) and reports split R-hat and ESS of the number
    of clusters and of the log joint, warning (``ConvergenceWarning``) when they say the draws
    cannot be trusted. With a ``concentration_prior`` (α ~ Gamma), α is sampled too
    (``ConcentrationKernel``: ``prior.concentration`` is then unused) and its draws, R-hat and ESS
    are returned. ``keep_assignments`` (default: only if num_chains × num_draws × N ≤ 10⁷)
    controls whether the partition of every draw is returned; ``dtype=jnp.float32`` runs at single
    precision. Compiled once per bucket of N, dtype, ``keep_assignments`` and whether α is sampled
    (``engine.buckets``); the same key gives the same draws.
    """
    data = check_magnitude(check_observations(data), "data")
    check_instance(prior, DPMMPrior, "prior")
    if concentration_prior is not None:
        check_instance(concentration_prior, ConcentrationPrior, "concentration_prior")
    settings = chain_settings(
        key, num_sweeps, num_chains, burn_in, keep_assignments=keep_assignments, dtype=dtype, num_points=data.size
    )
    centre = float(np.mean(data))
    kernel, model_prior = PartitionKernel(settings.keep_assignments), prior.shifted(centre)
    if concentration_prior is not None:
        kernel, model_prior = ConcentrationKernel(kernel), (model_prior, concentration_prior)
    draws = sample(kernel, data - centre, model_prior, settings, sampler="dpmm_gibbs")
    values, diagnostics = draws.values, draws.diagnostics
    (rhat_k, ess_k), (rhat_joint, ess_joint) = diagnostics["num_clusters"], diagnostics["log_joint"]
    rhat_alpha, ess_alpha = diagnostics.get("concentration", (float("nan"), float("nan")))
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
        concentration=values.get("concentration"),
        concentration_prior=concentration_prior,
        rhat_concentration=rhat_alpha,
        ess_concentration=ess_alpha,
    )


def posterior_num_clusters(result: DPMMResult) -> np.ndarray:
    """P(K = k | x) for k = 0 … N, the fraction of all draws with k occupied tables."""
    check_instance(result, DPMMResult, "result")
    return np.bincount(result.num_clusters.ravel(), minlength=result.data.size + 1) / result.num_clusters.size


@jax.jit
def _predictive_density(grid, data, labels, concentrations, prior):
    """Mean over draws of Σ_k n_k/(α+N) p(x | x_{I_k}) + α/(α+N) p(x), on every grid point, each
    draw with its own α. The draws are padded to whole batches (with draws that are then left out of
    the mean), so ``lax.map`` compiles its batched body once, without a second body for a remainder."""
    new_table = jnp.exp(predictive_log_density(grid, 0.0, 0.0, 0.0, prior))

    def one_draw(draw):
        draw_labels, alpha = draw
        stats = cluster_statistics(data, draw_labels)
        densities = jnp.exp(predictive_log_density(grid[:, None], *stats, prior))  # (G, N)
        return (densities @ stats.counts + alpha * new_table) / (alpha + data.shape[0])

    num_draws = labels.shape[0]
    padding = -num_draws % PREDICTIVE_BATCH
    padded = (jnp.pad(labels, ((0, padding), (0, 0))), jnp.pad(concentrations, (0, padding), constant_values=1.0))
    return jnp.mean(jax.lax.map(one_draw, padded, batch_size=PREDICTIVE_BATCH)[:num_draws], axis=0)


def posterior_predictive_density(result: DPMMResult, grid) -> np.ndarray:
    """p(x* | x) for every x* in ``grid``, averaged over all draws: a new point joins table k with
    probability n_k/(α + N) and follows its Student-t predictive, or opens a new table (α/(α + N))
    and follows the prior predictive (α the draw's own, when the result sampled it)."""
    check_instance(result, DPMMResult, "result")
    if result.assignments is None:
        raise ValueError("result holds no assignments; run dpmm_gibbs(..., keep_assignments=True)")
    grid = check_finite(grid, "grid")
    if grid.ndim != 1:
        raise ValueError(f"grid must be a 1-D array of points, got shape {grid.shape}")
    check_memory(
        PREDICTIVE_BATCH * grid.size * result.data.size * 8,
        f"the predictive density at {grid.size:,} points",
        {"len(grid)": grid.size},
    )
    centre = float(np.mean(result.data))
    labels = jnp.asarray(result.assignments.reshape(-1, result.data.size))
    if result.concentration is None:
        concentrations = np.full(labels.shape[0], result.prior.concentration)
    else:
        concentrations = result.concentration.reshape(-1)
    prior = jax.tree.map(jnp.asarray, result.prior.shifted(centre))
    data = jnp.asarray(result.data - centre)
    return np.asarray(_predictive_density(jnp.asarray(grid - centre), data, labels, jnp.asarray(concentrations), prior))
