"""A collapsed particle filter for the Dirichlet-process mixture: sequential importance sampling of
the seats with the locally optimal proposal (MacEachern, Clyde & Liu 1999, Canadian Journal of
Statistics 27, 251–267; Chen & Liu 2000, JRSS B 62, 493–508), resampled systematically and moved
by collapsed Gibbs sweeps, in the spirit of Fearnhead (2004, "Particle filters for mixture models
with an unknown number of components", Statistics and Computing 14, 11–21).

With each kind's (μ, σ²) summed out (the Normal-Inverse-Gamma conjugacy of
``dirichlet_process``), a particle is a partition of the points seen so far, kept as a label per
point and each table's statistics (n_k, x̄_k, Σ(x − x̄_k)²). When x_t arrives (t points already seated),
every particle seats it from its exact conditional, the locally optimal proposal,

    P(z_t = k | z_<t, x_≤t) ∝ n_k · p(x_t | x_{I_k})    (occupied table k),    ∝ α · p(x_t)  (a new one),

with the Student-t predictives of ``dirichlet_process`` (``seating_logits``), and is reweighted by
what that proposal leaves over, the predictive probability of the point given its partition,

    w_t = p(x_t | z_<t, x_<t) = (Σ_k n_k p(x_t | x_{I_k}) + α p(x_t)) / (α + t),

so that log p̂(x) = Σ_t log Σ_p W_{t−1,p} w_{t,p} estimates the evidence without bias and the
weighted partitions represent p(z | x_1 … x_t). When the effective sample size falls below
``resample_threshold`` × P, the partitions are resampled systematically and every copy is moved by
``rejuvenation_sweeps`` sweeps of the collapsed Gibbs kernel (``dpmm.PartitionKernel``, each
point reseated from its exact conditional given the others) on the points seen so far. Without
the moves (``rejuvenation_sweeps=0``) the seats of the first points are never revisited, and after
many resamplings all particles share them. The weight w_t does not depend on the seat drawn, so
resampling before seating (as Fearnhead's filter does) would lose nothing and add less noise.

As ``dpmm_gibbs``, the data are centred on their mean first (the prior's location moves with them,
which changes no probability) and padded to a size bucket; compiled once per data bucket and
particle bucket (``engine.particles``).
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import logsumexp

from ..dirichlet_process import ClusterStatistics, DPMMPrior, moved, predictive, seating_logits
from ..engine.particles import filter_points, particle_settings
from ..validation import check_instance, check_magnitude, check_observations
from .dpmm import PartitionKernel, PartitionState
from .importance import MIN_PARTICLE_DATA_BUCKET
from .smc import warn_if_collapsed

__all__ = ["PartitionParticles", "DPMMSMCResult", "dpmm_smc"]


@dataclasses.dataclass(frozen=True)
class PartitionParticles:
    """The particles of the DP mixture for the engine's filter (``engine.particles``): partitions
    grown one point at a time from the exact seating conditional, the collapsed Gibbs sweep as the
    rejuvenation kernel."""

    @property
    def kernel(self) -> PartitionKernel:
        return PartitionKernel(keep_assignments=True)

    def init(self, key: jax.Array, data: jax.Array, prior: DPMMPrior, mask: jax.Array) -> PartitionState:
        """No point seated: every table empty."""
        empty = jnp.zeros_like(data)
        return PartitionState(jnp.zeros(data.shape, jnp.int32), ClusterStatistics(empty, empty, empty))

    def extend(self, key: jax.Array, state: PartitionState, data: jax.Array, index: jax.Array, prior: DPMMPrior):
        """Seat point ``index`` (the ``index`` points before it are seated) from its exact
        conditional; log weight log Σ_k exp(logit_k) − log(α + index)."""
        x = data[index]
        log_new_table = predictive(0.0, 0.0, 0.0, prior).log_density(x)
        logits = seating_logits(state.stats.counts, predictive(*state.stats, prior).log_density(x), log_new_table,
                                prior.concentration)
        label = jax.random.categorical(key, logits).astype(jnp.int32)
        stats = moved(state.stats, label, x, 1.0)
        log_weight = logsumexp(logits) - jnp.log(prior.concentration + index)
        return PartitionState(state.labels.at[index].set(label), stats), log_weight

    def finish(self, key: jax.Array, state: PartitionState, data: jax.Array, prior: DPMMPrior, mask: jax.Array):
        return state

    def summary(self, states: PartitionState, log_weights: jax.Array) -> dict[str, jax.Array]:
        """P(K = k | the points so far) for k = 0 … B (B the data bucket), from the weights."""
        num_clusters = jnp.sum(states.stats.counts > 0, axis=1)
        size = states.labels.shape[1] + 1
        return {"num_clusters_trajectory": jax.ops.segment_sum(jnp.exp(log_weights), num_clusters, size)}


@dataclasses.dataclass(frozen=True)
class DPMMSMCResult:
    """The final weighted partitions of ``dpmm_smc`` and what the filter saw on the way (P particles,
    N points)."""

    assignments: np.ndarray  # (P, N) int32 labels in 0 … N−1 (a partition per particle)
    num_clusters: np.ndarray  # (P,) occupied tables
    log_particle_weights: np.ndarray  # (P,) log W_p, normalised
    log_marginal_likelihood: float  # log p̂(x)
    log_evidence_increments: np.ndarray  # (N,) log p̂(x_t | x_<t)
    ess: np.ndarray  # (N,) effective sample size after reweighting at each point
    resampled: np.ndarray  # (N,) bool
    num_clusters_trajectory: np.ndarray  # (N, N + 1): P(K = k | x_1 … x_t) after each point t
    data: np.ndarray  # (N,) the observations
    prior: DPMMPrior

    per_particle: ClassVar[tuple[str, ...]] = ("assignments", "num_clusters", "log_particle_weights")

    @property
    def num_particles(self) -> int:
        return self.log_particle_weights.size

    def posterior_num_clusters(self) -> np.ndarray:
        """P(K = k | x) for k = 0 … N: the total weight of the particles with k occupied tables."""
        return np.bincount(self.num_clusters, weights=np.exp(self.log_particle_weights), minlength=self.data.size + 1)


def dpmm_smc(
    key: jax.Array,
    data,
    prior: DPMMPrior,
    *,
    num_particles: int,
    rejuvenation_sweeps: int = 1,
    resample_threshold: float = 0.5,
) -> DPMMSMCResult:
    """The collapsed particle filter for the DP mixture with ``prior`` (module docstring), the points
    taken in the order given: ``num_particles`` partitions grown point by point from the exact
    seating conditional, resampled systematically when the effective sample size falls below
    ``resample_threshold`` × ``num_particles`` and then moved by ``rejuvenation_sweeps`` collapsed
    Gibbs sweeps on the points seen so far. Warns (``ImportanceWarning``) when the effective sample
    size fell below 20 at some point. The same key gives the same partitions.
    """
    data = check_magnitude(check_observations(data), "data")
    check_instance(prior, DPMMPrior, "prior")
    settings = particle_settings(key, num_particles, rejuvenation_sweeps, resample_threshold)
    centre = float(np.mean(data))
    particles = filter_points(
        PartitionParticles(), data - centre, prior.shifted(centre), settings, sampler="dpmm_smc",
        min_bucket=MIN_PARTICLE_DATA_BUCKET,
    )
    warn_if_collapsed("dpmm_smc", particles, data, settings.num_particles)
    states = particles.states
    return DPMMSMCResult(
        assignments=states.labels[:, : data.size],
        num_clusters=np.sum(states.stats.counts > 0, axis=1).astype(np.int32),
        log_particle_weights=particles.log_weights,
        log_marginal_likelihood=particles.log_marginal_likelihood,
        log_evidence_increments=particles.log_evidence_increments,
        ess=particles.ess,
        resampled=particles.resampled,
        num_clusters_trajectory=particles.summaries["num_clusters_trajectory"][:, : data.size + 1],
        data=data,
        prior=prior,
    )
