"""Importance resampling for the Bayesian GMM, with the prior as proposal, through GenJAX.

Particle p is one call of GenJAX's ``generate`` with the data constrained,

    trace_p, log w_p = bayesian_gmm(N, K).generate({"points": {"x": data}}, prior),

which draws every unconstrained choice (π, μ, σ², z) from the prior, so the weight is the
likelihood log w_p = log p(x | z_p, μ_p, σ²_p) = Σ_i log N(x_i; μ_{z_i}, σ²_{z_i}). From P particles:

    log p̂(x) = logsumexp_p(log w_p) − log P       (p̂(x), the mean weight, is unbiased for p(x))
    w̄_p = exp(log w_p − logsumexp(log w)),  ESS = 1 / Σ_p w̄_p²

and ``num_samples`` particles are resampled with replacement with probabilities w̄_p.

Memory stays O(P + batch × N + num_samples × N) for any P, never num_samples × P. Particle p
is drawn with the key ``fold_in(key, p)``, so it can be drawn again. One compiled kernel (``generate``
vmapped over a batch of particle indices) serves both passes: the first runs over all P
particles batch by batch and keeps only their log weights; resampling draws each index by
inverse CDF (a binary search of a uniform in the cumulative weights); the second pass
regenerates just the chosen particles from their keys.
"""

from __future__ import annotations

import dataclasses
import functools

import jax
import jax.numpy as jnp
import numpy as np
from genjax import seed

from ..models import GMMPrior, bayesian_gmm
from ..validation import check_instance, check_observations, check_positive_int

__all__ = ["ImportanceResult", "importance_resampling"]

BATCH_ELEMENTS = 2**18
"""Particles are generated in batches of about ``BATCH_ELEMENTS / N`` (N data points)."""


@dataclasses.dataclass(frozen=True)
class ImportanceResult:
    """Resampled particles and the importance-sampling summaries."""

    weights: jax.Array  # (num_samples, K) π
    means: jax.Array  # (num_samples, K) μ
    stds: jax.Array  # (num_samples, K) σ = sqrt(σ²)
    assignments: jax.Array  # (num_samples, N) z
    log_weights: jax.Array  # (num_particles,) log w_p, unnormalised
    log_marginal_likelihood: float  # log p̂(x) = logsumexp(log w) − log P
    effective_sample_size: float  # 1 / Σ w̄_p²


def _batch_size(num_points: int, count: int) -> int:
    """Particles per batch: a power of two ≥ ``count``, capped near ``BATCH_ELEMENTS / N``, so
    that few batch shapes (hence few compilations) occur."""
    cap = max(1, BATCH_ELEMENTS // num_points)
    return min(1 << (count - 1).bit_length(), 1 << (cap.bit_length() - 1))


@functools.partial(jax.jit, static_argnames=("num_components",))
def _particles(key, indices, data, prior, num_components):
    """Particles ``indices`` (one batch): log w and (π, μ, σ, z) from ``generate`` with the data
    constrained, particle p drawn with the key ``fold_in(key, p)``."""
    model = bayesian_gmm(data.shape[0], num_components)

    def particle(index):
        return seed(model.generate)(jax.random.fold_in(key, index), {"points": {"x": data}}, prior)

    traces, log_weights = jax.vmap(particle)(indices)
    choices = traces.get_choices()
    stds = jnp.sqrt(choices["variances"])
    return log_weights, (choices["weights"], choices["means"], stds, choices["points"]["component"])


def _batches(indices: np.ndarray, batch_size: int) -> np.ndarray:
    """``indices`` as rows of ``batch_size`` (the last row padded with index 0)."""
    return np.pad(indices, (0, -indices.size % batch_size)).reshape(-1, batch_size)


def importance_resampling(
    key: jax.Array, data, num_components: int, prior: GMMPrior, num_particles: int, num_samples: int
) -> ImportanceResult:
    """Importance resampling of p(π, μ, σ², z | data) with ``num_particles`` prior proposals,
    resampled to ``num_samples`` draws (see the module docstring)."""
    data = jnp.asarray(check_observations(data))
    num_components = check_positive_int(num_components, "num_components")
    check_instance(prior, GMMPrior, "prior")
    num_particles = check_positive_int(num_particles, "num_particles")
    num_samples = check_positive_int(num_samples, "num_samples")
    batch_size = _batch_size(data.shape[0], max(num_particles, num_samples))
    particles_key, resample_key = jax.random.split(key)

    # First pass: keep only the log weights of each batch. The bookkeeping below is O(P) NumPy.
    log_weights = np.concatenate(
        [
            np.asarray(_particles(particles_key, batch, data, prior, num_components)[0])
            for batch in _batches(np.arange(num_particles), batch_size)
        ]
    )[:num_particles]
    largest = log_weights.max()
    log_total = largest + np.log(np.sum(np.exp(log_weights - largest)))
    normalised = np.exp(log_weights - log_total)

    # Multinomial resampling by inverse CDF: index p with F_{p-1} ≤ u F_{P-1} < F_p.
    cumulative = np.cumsum(normalised)
    targets = np.asarray(jax.random.uniform(resample_key, (num_samples,))) * cumulative[-1]
    chosen = np.minimum(np.searchsorted(cumulative, targets, side="right"), num_particles - 1)
    # Second pass: regenerate the chosen particles from their keys.
    resampled = [
        _particles(particles_key, batch, data, prior, num_components)[1]
        for batch in _batches(chosen, batch_size)
    ]
    weights, means, stds, assignments = (jnp.concatenate(parts)[:num_samples] for parts in zip(*resampled))
    return ImportanceResult(
        weights=weights,
        means=means,
        stds=stds,
        assignments=assignments,
        log_weights=jnp.asarray(log_weights),
        log_marginal_likelihood=float(log_total - np.log(num_particles)),
        effective_sample_size=float(1.0 / np.sum(normalised**2)),
    )
