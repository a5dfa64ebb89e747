"""Sequential Monte Carlo for the Bayesian Gaussian mixture: the bentos arrive one at a time.

Resample–move over the data points (Chopin 2002's IBIS), on the engine's particle filter
(``engine.particles``). A particle is one guess of the parameters θ = (π, μ, σ²), drawn from the
prior ``GMMPrior`` before any point. When point x_t arrives, each particle is reweighted by the
probability it gave that point, with the kinds summed out,

    w_t(θ) = p(x_t | θ) = Σ_k π_k N(x_t; μ_k, σ_k²),

so that after t points the weighted particles represent p(θ | x_1 … x_t) and the mean weight
estimates the prequential factor p(x_t | x_<t): log p̂(x) = Σ_t log Σ_p W_{t−1,p} w_t(θ_p), whose
exponential is unbiased for p(x). When the effective sample size falls below
``resample_threshold`` × P, the particles are resampled (systematically) and every copy is moved
by ``rejuvenation_sweeps`` sweeps of the blocked Gibbs kernel (``gibbs.GibbsKernel``) on the points
seen so far: z | θ, then μ, σ², π | z, which leaves p(θ | x_1 … x_t) invariant. The kinds drawn
within a sweep are not part of the particle (its weight does not depend on them); after the last
point every particle draws its assignments z_i ~ p(z_i | θ, x_i), so that (θ_p, z_p) with weight
W_p is a weighted draw from p(θ, z | x).

With ``rejuvenation_sweeps=0`` and ``resample_threshold=0`` nothing is ever resampled and the
filter is importance sampling from the prior with the kinds summed out, point by point: its
estimate is exactly that of ``marginal_importance_resampling`` (the increments telescope to
logsumexp_p log p(x | θ_p) − log P).

Compiled once per K and bucket of the data (``engine.particles.MIN_DATA_BUCKET`` and up) and of
the number of particles (64, 72, 80, …: ``engine.particles.particle_bucket``); the number of
sweeps and the threshold are arguments of the program, not shapes.
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import ClassVar

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import logsumexp

from ..engine.particles import Particles, filter_points, particle_settings
from ..gamma import log_gamma
from ..gaussian import normal_mixture_logits
from ..models import GMMPrior, weights_from_log_gamma
from ..validation import check_instance, check_magnitude, check_observations, check_positive_int
from .gibbs import GibbsKernel, GibbsState, assignments_conditional
from .importance import MIN_PARTICLE_DATA_BUCKET, MIN_RELIABLE_ESS, ImportanceWarning

__all__ = ["MixtureParticles", "SMCResult", "smc", "warn_if_collapsed", "equally_weighted"]


@dataclasses.dataclass(frozen=True)
class MixtureParticles:
    """The particles of the K-component mixture for the engine's filter (``engine.particles``):
    θ from the prior, the mixture likelihood of each new point as its weight, the Gibbs sweep as
    the rejuvenation kernel, assignments from their exact conditional at the end."""

    num_components: int

    @property
    def kernel(self) -> GibbsKernel:
        return GibbsKernel(self.num_components)

    def init(self, key: jax.Array, data: jax.Array, prior: GMMPrior, mask: jax.Array) -> GibbsState:
        """θ ~ p(θ): π = H/ΣH, σ²_k = b/G_k with H_k ~ Gamma(α), G_k ~ Gamma(a) (one Gamma call of 2K),
        μ_k = m₀ + s₀ ε_k; no point assigned yet."""
        k = self.num_components
        key_gamma, key_means = jax.random.split(key)
        shapes = jnp.concatenate([jnp.full(k, prior.concentration), jnp.full(k, prior.var_shape)]).astype(data.dtype)
        log_gammas = log_gamma(key_gamma, shapes)
        means = prior.mean_loc + prior.mean_scale * jax.random.normal(key_means, (k,), data.dtype)
        variances = prior.var_scale * jnp.exp(-log_gammas[k:])
        return GibbsState(weights_from_log_gamma(log_gammas[:k]), means, variances, jnp.zeros(data.shape, jnp.int32))

    def extend(self, key: jax.Array, state: GibbsState, data: jax.Array, index: jax.Array, prior: GMMPrior):
        """The particle unchanged, weighted by log p(x_t | θ) = logsumexp_k(log π_k + log N(x_t; μ_k, σ_k²))."""
        logits = normal_mixture_logits(data[index], state.weights, state.means, jnp.sqrt(state.variances))
        return state, logsumexp(logits)

    def finish(self, key: jax.Array, state: GibbsState, data: jax.Array, prior: GMMPrior, mask: jax.Array):
        """z_i ~ p(z_i | θ, x_i) for every point."""
        kinds = assignments_conditional(data, state.weights, state.means, state.variances).sample(key)
        return state._replace(assignments=kinds)

    def summary(self, states: GibbsState, log_weights: jax.Array) -> dict[str, jax.Array]:
        """The weighted mean and sd of each component's mean, components sorted by mean in every
        particle (so that the labels agree across particles)."""
        weights = jnp.exp(log_weights)[:, None]
        means = jnp.sort(states.means, axis=1)
        average = jnp.sum(weights * means, axis=0)
        spread = jnp.sqrt(jnp.sum(weights * (means - average) ** 2, axis=0))
        return {"mean_trajectory": average, "mean_trajectory_sd": spread}


@dataclasses.dataclass(frozen=True)
class SMCResult:
    """The final weighted particles of ``smc`` and what the filter saw on the way (P particles,
    N points, K components)."""

    weights: np.ndarray  # (P, K) π
    means: np.ndarray  # (P, K) μ
    variances: np.ndarray  # (P, K) σ²
    assignments: np.ndarray  # (P, N) z, drawn from p(z | θ, x) after the last point
    log_particle_weights: np.ndarray  # (P,) log W_p, normalised (logsumexp = 0)
    log_marginal_likelihood: float  # log p̂(x) = Σ_t log p̂(x_t | x_<t)
    log_evidence_increments: np.ndarray  # (N,) log p̂(x_t | x_<t)
    ess: np.ndarray  # (N,) effective sample size after reweighting at each point
    resampled: np.ndarray  # (N,) bool: resampled (and rejuvenated) at that point
    mean_trajectory: np.ndarray  # (N, K) posterior mean of each component's mean (sorted) after each point
    mean_trajectory_sd: np.ndarray  # (N, K) its posterior standard deviation

    per_particle: ClassVar[tuple[str, ...]] = ("weights", "means", "variances", "assignments", "log_particle_weights")

    @property
    def stds(self) -> np.ndarray:
        """(P, K) σ = √σ²."""
        return np.sqrt(self.variances)

    @property
    def num_particles(self) -> int:
        return self.log_particle_weights.size


def warn_if_collapsed(sampler: str, particles: Particles, data: np.ndarray, num_particles: int) -> None:
    """``ImportanceWarning`` when the effective sample size fell below ``MIN_RELIABLE_ESS`` at some
    point: the evidence increment there, and the particles after it, rest on a few particles."""
    point = int(np.argmin(particles.ess))
    if particles.ess[point] < MIN_RELIABLE_ESS:
        warnings.warn(
            f"{sampler}: the effective sample size fell to {particles.ess[point]:.1f} of {num_particles:,} "
            f"particles at point {point} (x = {data[point]:.6g}), so the evidence estimate and the particles "
            "rest on a few particles there and are unreliable. Use more particles or more rejuvenation sweeps.",
            ImportanceWarning,
            stacklevel=3,
        )


def equally_weighted(result):
    """``result`` (an ``SMCResult`` or ``DPMMSMCResult``) with its particles resampled to P equally
    weighted ones by systematic resampling with the fixed offset ½ (deterministic): particle i is
    the one whose cumulative weight interval holds (i + ½)/P. The arrays named by
    ``result.per_particle`` are resampled, the rest kept. For summaries that expect unweighted draws (ArviZ)."""
    weights = np.exp(result.log_particle_weights - np.max(result.log_particle_weights))
    cumulative = np.cumsum(weights / weights.sum())
    count = weights.size
    chosen = np.minimum(np.searchsorted(cumulative, (np.arange(count) + 0.5) / count, side="right"), count - 1)
    per_particle = {name: getattr(result, name)[chosen] for name in result.per_particle}
    per_particle["log_particle_weights"] = np.full(count, -np.log(count))
    return dataclasses.replace(result, **per_particle)


def smc(
    key: jax.Array,
    data,
    num_components: int,
    prior: GMMPrior,
    *,
    num_particles: int,
    rejuvenation_sweeps: int = 1,
    resample_threshold: float = 0.5,
) -> SMCResult:
    """Sequential Monte Carlo (resample–move) of p(π, μ, σ², z | data) for ``bayesian_gmm(N, K)``,
    the points taken in the order given (see the module docstring).

    ``num_particles`` particles start from the prior; after each point they are reweighted by the
    point's mixture likelihood, and when their effective sample size falls below
    ``resample_threshold`` × ``num_particles`` (a fraction in [0, 1]; 0 never resamples) they are
    resampled systematically and moved by ``rejuvenation_sweeps`` Gibbs sweeps on the points seen
    so far. Warns (``ImportanceWarning``) when the effective sample size fell below 20 at some
    point. The same key gives the same particles.
    """
    data = check_magnitude(check_observations(data), "data")
    num_components = check_positive_int(num_components, "num_components")
    check_instance(prior, GMMPrior, "prior")
    settings = particle_settings(key, num_particles, rejuvenation_sweeps, resample_threshold)
    particles = filter_points(
        MixtureParticles(num_components), data, prior, settings, sampler="smc", min_bucket=MIN_PARTICLE_DATA_BUCKET,
        sizes={"num_components": num_components},
    )
    warn_if_collapsed("smc", particles, data, settings.num_particles)
    states = particles.states
    return SMCResult(
        weights=states.weights,
        means=states.means,
        variances=states.variances,
        assignments=states.assignments[:, : data.size],
        log_particle_weights=particles.log_weights,
        log_marginal_likelihood=particles.log_marginal_likelihood,
        log_evidence_increments=particles.log_evidence_increments,
        ess=particles.ess,
        resampled=particles.resampled,
        mean_trajectory=particles.summaries["mean_trajectory"],
        mean_trajectory_sd=particles.summaries["mean_trajectory_sd"],
    )
