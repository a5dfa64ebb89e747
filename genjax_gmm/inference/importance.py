"""Importance resampling for the Bayesian GMM, with the prior as proposal, through GenJAX.

Particle p is one call of GenJAX's ``generate`` with the data constrained,

    trace_p, log w_p = bayesian_gmm(N, K).generate({"points": {"x": data}}, prior),

which draws every unconstrained choice (π, μ, σ², z) from the prior, so the weight is the
likelihood log w_p = log p(x | z_p, μ_p, σ²_p) = Σ_i log N(x_i; μ_{z_i}, σ²_{z_i}). From P particles:

    log p̂(x) = logsumexp_p(log w_p) − log P       (p̂(x), the mean weight, is unbiased for p(x))
    w̄_p = exp(log w_p − logsumexp(log w)),  ESS = 1 / Σ_p w̄_p²

and ``num_samples`` particles are resampled with replacement with probabilities w̄_p.

Compiled once per K and size bucket. The data are padded to a bucket of N (``engine.buckets``,
from ``MIN_PARTICLE_DATA_BUCKET`` = 16 points rather than the samplers' 32: the kernel's work grows with
the number of points times the number of particles, so the 20 bentos run as 20 points, not 32) and
the model is run on the padded data; each padded point i adds log N(x_i; μ_{z_i}, σ²_{z_i}) to
generate's weight, which is subtracted again, so the weight is exactly that of the N real points
(padded assignments are dropped). Particles are generated in batches of a fixed size per bucket.

Memory stays O(P + batch × N + num_samples × N) for any P, never num_samples × P. Particle p
is drawn with the key ``fold_in(key, p)``, so it can be drawn again. One compiled kernel (``generate``
vmapped over a batch of particle indices) serves both passes: the first runs over all P
particles batch by batch and keeps only their log weights; resampling draws each index by
inverse CDF (a binary search of a uniform in the cumulative weights); the second pass
regenerates just the chosen particles from their keys. ``marginal.py`` runs the same two passes
(``two_pass_resampling``) on the model with the assignments summed out.

Batches run in a pool of one thread per available core (``PARALLEL_BATCHES`` at most): XLA
releases Python's lock while it runs a compiled program, so two cores run two batches at once.
Every batch is the same compiled program on its own particle indices, so the result does not
depend on the number of threads or the order in which batches finish.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import functools
import os
import warnings
from collections.abc import Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np
from genjax import normal, seed

from ..engine.buckets import bucket_size, pad_to_bucket
from ..models import GMMPrior, bayesian_gmm
from ..validation import (
    check_instance,
    check_key,
    check_magnitude,
    check_memory,
    check_observations,
    check_positive_int,
)

__all__ = [
    "ImportanceResult",
    "ImportanceWarning",
    "importance_resampling",
    "normalised_weights",
    "two_pass_resampling",
]

MIN_PARTICLE_DATA_BUCKET = 16
"""The particle methods' smallest DATA bucket (importance sampling, ``smc``, ``dpmm_smc``; the
samplers' ``engine.buckets.MIN_BUCKET`` is 32); the particles' own is ``engine.particles.MIN_PARTICLE_BUCKET``.
Their work grows with points × particles, so data sets of up to 16 points share one program."""

BATCH_ELEMENTS = 2**18
"""Particles are generated in batches of ``BATCH_ELEMENTS / N`` (N padded data points, at least 1)."""

PARALLEL_BATCHES = 8
"""At most this many batches run at once, one per available core."""

MIN_RELIABLE_ESS = 20
"""Below this effective sample size the estimates rest on a handful of particles: warn."""


class ImportanceWarning(UserWarning):
    """Importance sampling's effective sample size is too small for its estimates to be trusted."""


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


def batch_size(padded_points: int) -> int:
    """Particles per batch: the largest power of two ≤ ``BATCH_ELEMENTS / N`` (one shape per bucket)."""
    return 1 << (max(1, BATCH_ELEMENTS // padded_points).bit_length() - 1)


@functools.partial(jax.jit, static_argnames="num_components")
def _particles(key, indices, data, mask, prior, num_components):
    """Particles ``indices`` (one batch): log w and (π, μ, σ, z) from ``generate`` with the padded
    data constrained, minus the padded points' terms, particle p drawn with the key fold_in(key, p)."""
    model = bayesian_gmm(data.shape[0], num_components)

    def particle(index):
        trace, log_weight = seed(model.generate)(jax.random.fold_in(key, index), {"points": {"x": data}}, prior)
        choices = trace.get_choices()
        stds = jnp.sqrt(choices["variances"])
        assignments = choices["points"]["component"]
        padded_terms = jnp.sum((1 - mask) * normal.logpdf(data, choices["means"][assignments], stds[assignments]))
        return log_weight - padded_terms, (choices["weights"], choices["means"], stds, assignments)

    return jax.vmap(particle)(indices)


def _batches(indices: np.ndarray, size: int) -> np.ndarray:
    """``indices`` as rows of ``size`` (the last row padded with index 0)."""
    return np.pad(indices, (0, -indices.size % size)).reshape(-1, size)


def available_cores() -> int:
    """The cores this process may run on (a container or ``taskset`` may allow fewer than the machine has)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def map_batches(run_batch: Callable[[np.ndarray], tuple], batches: Sequence[np.ndarray]) -> list[tuple]:
    """``[jax.device_get(run_batch(b)) for b in batches]``, in order, with up to one thread per core.
    The first batch runs in the calling thread, so that only one thread compiles the kernel."""
    def run(batch: np.ndarray) -> tuple:
        return jax.device_get(run_batch(batch))

    first = [run(batches[0])]
    workers = min(available_cores(), PARALLEL_BATCHES, len(batches) - 1)
    if workers <= 1:
        return first + [run(batch) for batch in batches[1:]]
    # On an error or Ctrl-C, Executor.map cancels the batches that have not started.
    with concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="genjax_gmm-batch") as pool:
        return first + list(pool.map(run, batches[1:]))


def two_pass_resampling(
    particles: Callable, key: jax.Array, data: np.ndarray, prior: GMMPrior, num_particles: int, num_samples: int,
    sampler: str,
) -> tuple[np.ndarray, tuple, float, float]:
    """The two passes of the module docstring for a kernel ``particles(key, indices, data, mask,
    prior)`` → (log w, draws) on padded data. Returns the log weights, the draws of the resampled
    particles (num_samples rows, still padded along N), log p̂(x) and the ESS; warns
    (``ImportanceWarning``) when the ESS is below ``MIN_RELIABLE_ESS``."""
    # device_put, not jnp.asarray, which would compile one program per shape
    padded, mask = jax.device_put(pad_to_bucket(data, MIN_PARTICLE_DATA_BUCKET))
    size = batch_size(padded.shape[0])
    check_memory(8 * num_particles, f"the log weights of {num_particles:,} particles", {"num_particles": num_particles})
    check_memory(
        8 * num_samples * (padded.shape[0] + 8), f"{num_samples:,} resampled particles", {"num_samples": num_samples}
    )
    particles_key, resample_key = jax.random.split(key)

    # First pass: keep only the log weights of each batch. The bookkeeping below is O(P) NumPy.
    log_weights = np.concatenate(
        map_batches(lambda batch: particles(particles_key, batch, padded, mask, prior)[0],
                    _batches(np.arange(num_particles), size))
    )[:num_particles]
    largest = log_weights.max()
    if not np.isfinite(largest):
        raise ValueError(
            f"{sampler}: every particle's likelihood is 0 in float64 (largest log weight {largest}): the "
            "data lie far outside what the prior proposes. Rescale the data or widen the prior."
        )
    normalised, log_total, ess = normalised_weights(log_weights)
    if ess < MIN_RELIABLE_ESS:
        warnings.warn(
            f"{sampler}: the effective sample size is {ess:.1f} of {num_particles:,} particles, so the "
            "log marginal likelihood and the resampled draws rest on a few particles and are unreliable. "
            "Use more particles, sum out what can be summed out (marginal_importance_resampling), or MCMC.",
            ImportanceWarning,
            stacklevel=3,
        )

    # Multinomial resampling by inverse CDF: index p with F_{p-1} ≤ u F_{P-1} < F_p.
    cumulative = np.cumsum(normalised)
    # one shape per power of two
    uniforms = jax.random.uniform(resample_key, (bucket_size(num_samples, 1, steps_per_doubling=1),))
    targets = np.asarray(uniforms)[:num_samples] * cumulative[-1]
    chosen = np.minimum(np.searchsorted(cumulative, targets, side="right"), num_particles - 1)
    # Second pass: regenerate the chosen particles from their keys.
    resampled = map_batches(
        lambda batch: particles(particles_key, batch, padded, mask, prior)[1], _batches(chosen, size)
    )
    draws = tuple(np.concatenate(parts)[:num_samples] for parts in zip(*resampled))
    return log_weights, draws, float(log_total - np.log(num_particles)), ess


def normalised_weights(log_weights: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Host summary of importance log weights log w (some finite): the normalised weights
    w̄ = w / Σ w, log Σ w (by log-sum-exp) and the effective sample size 1 / Σ w̄²."""
    largest = log_weights.max()
    log_total = float(largest + np.log(np.sum(np.exp(log_weights - largest))))
    normalised = np.exp(log_weights - log_total)
    return normalised, log_total, float(1.0 / np.sum(normalised**2))


def validated_arguments(key, data, num_components, prior, num_particles, num_samples):
    """The checked arguments of the importance samplers, in order."""
    return (
        check_key(key),
        check_magnitude(check_observations(data), "data"),
        check_positive_int(num_components, "num_components"),
        check_instance(prior, GMMPrior, "prior"),
        check_positive_int(num_particles, "num_particles"),
        check_positive_int(num_samples, "num_samples"),
    )


def importance_resampling(
    key: jax.Array, data, num_components: int, prior: GMMPrior, num_particles: int, num_samples: int
) -> ImportanceResult:
    """Importance resampling of p(π, μ, σ², z | data) with ``num_particles`` prior proposals,
    resampled to ``num_samples`` draws (see the module docstring)."""
    key, data, num_components, prior, num_particles, num_samples = validated_arguments(
        key, data, num_components, prior, num_particles, num_samples
    )
    kernel = functools.partial(_particles, num_components=num_components)
    log_weights, (weights, means, stds, assignments), log_marginal, ess = two_pass_resampling(
        kernel, key, data, prior, num_particles, num_samples, "importance_resampling"
    )
    return ImportanceResult(
        weights=jax.device_put(weights),
        means=jax.device_put(means),
        stds=jax.device_put(stds),
        assignments=jax.device_put(assignments[:, : data.size]),
        log_weights=jax.device_put(log_weights),
        log_marginal_likelihood=log_marginal,
        effective_sample_size=ess,
    )
