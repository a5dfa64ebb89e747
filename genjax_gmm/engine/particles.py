"""Sequential Monte Carlo over the data points: a cloud of weighted particles that sees the data
one point at a time, reweights, resamples and rejuvenates (resample–move; Chopin 2002, "A
sequential particle filter method for static models", Biometrika 89, 539–552).

A **particle model** (the protocol ``ParticleModel``) says what a particle is and how it meets a
new point, as pure functions of JAX arrays, on data padded to a size bucket (``buckets``):

* ``init(key, data, prior, mask)``: one particle before any point (a prior draw);
* ``extend(key, state, data, index, prior)``: point ``index`` arrives; returns the particle and
  its log incremental weight log w = log γ_t(state) − log γ_{t−1}(state) (or, for a particle that
  also proposes something for the new point, that ratio over the proposal's density);
* ``finish(key, state, data, prior, mask)``: the particle once every point has arrived (e.g.
  assignments drawn for the points);
* ``summary(states, log_weights)``: a few numbers about the weighted cloud, kept after every point;
* ``kernel``: a Markov kernel of the engine (``chains.Kernel``) whose ``step`` with the mask of the
  points seen so far leaves the posterior of that prefix invariant: the rejuvenation move.

``run_filter`` runs it, one compiled program per model, data bucket and particle bucket. With
normalised weights W_{t−1,p} before point t and incremental weights w_{t,p},

    log p̂(x_t | x_<t) = log Σ_p W_{t−1,p} w_{t,p},      log p̂(x) = Σ_t log p̂(x_t | x_<t),

whose exponential p̂(x) is an unbiased estimate of the evidence p(x) (Del Moral 2004; also with
the resampling decided adaptively, since either branch keeps the estimate's conditional mean).
After reweighting, ESS_t = 1 / Σ_p W_{t,p}²; when ESS_t < ``threshold`` × P the particles are
resampled systematically (one uniform u, particle i takes the index of the cumulative weight that
(i + u)/P falls in: Kitagawa 1996, lower variance than multinomial) and every copy is moved by
``sweeps`` steps of the kernel on the points seen so far, which spreads the copies apart again
without changing what they target.

Padding. Real points come first (``pad_to_bucket``), so the loop runs over the N real points only.
The particles are padded to a bucket as well (``particle_bucket``): padded particles carry log
weight −∞, are never chosen by resampling and change no estimate, so 1,000 and 1,100 particles run
the same program. Keys: particle p draws its start from fold_in(fold_in(key, 2³² − 1), p), its
extension at point t from fold_in(fold_in(fold_in(key, t), 0), p), its rejuvenation sweep s from
fold_in(fold_in(fold_in(fold_in(key, t), 2), s), p) and its finish from fold_in(fold_in(key,
2³² − 2), p); the resampling uniform of point t comes from fold_in(fold_in(key, t), 1). So the same
key gives the same particles whatever the padding of the data and of the particles.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple, Protocol

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import logsumexp

from ..validation import check_finite, check_key, check_memory, check_nonnegative_int, check_positive_int
from .buckets import bucket_size, pad_to_bucket
from .chains import Kernel
from .mcmc import MAX_SWEEPS, WORKING_COPIES

__all__ = [
    "MIN_PARTICLE_BUCKET",
    "ParticleModel",
    "Filtered",
    "particle_bucket",
    "effective_sample_size",
    "systematic_resample",
    "run_filter",
    "ParticleSettings",
    "particle_settings",
    "Particles",
    "filter_points",
]

MIN_PARTICLE_BUCKET = 64
"""The smallest particle bucket: every run with up to 64 particles compiles the same program."""

_INIT_STREAM, _FINISH_STREAM = 2**32 - 1, 2**32 - 2  # fold_in data never used by a point index (< 2³¹)
_EXTEND, _RESAMPLE, _REJUVENATE = 0, 1, 2  # the three streams of one point


class ParticleModel(Protocol):
    """What a particle is and how it meets a new point (module docstring)."""

    kernel: Kernel

    def init(self, key: jax.Array, data: jax.Array, prior: Any, mask: jax.Array) -> Any: ...

    def extend(
        self, key: jax.Array, state: Any, data: jax.Array, index: jax.Array, prior: Any
    ) -> tuple[Any, jax.Array]: ...

    def finish(self, key: jax.Array, state: Any, data: jax.Array, prior: Any, mask: jax.Array) -> Any: ...

    def summary(self, states: Any, log_weights: jax.Array) -> dict[str, jax.Array]: ...


def particle_bucket(num_particles: int) -> int:
    """The number of particle slots a run of ``num_particles`` compiles for: ``buckets.bucket_size``
    with at least ``MIN_PARTICLE_BUCKET``, so at most 1/8 of the slots are padding."""
    return bucket_size(num_particles, MIN_PARTICLE_BUCKET)


def effective_sample_size(log_weights: jax.Array) -> jax.Array:
    """1 / Σ_p W_p² with W = softmax(log_weights) (padded particles: −∞, weight 0)."""
    normalised = jnp.exp(log_weights - logsumexp(log_weights))
    return 1.0 / jnp.sum(normalised**2)


def systematic_resample(uniform: jax.Array, log_weights: jax.Array, num_particles: jax.Array) -> jax.Array:
    """Systematic resampling: for slot i < ``num_particles`` (the real particles, which come first)
    the index j with F_{j−1} ≤ (i + u)/P < F_j, F the cumulative normalised weights; every other
    slot keeps its own index. A particle of weight 0 is never chosen."""
    slots = jnp.arange(log_weights.shape[0])
    cumulative = jnp.cumsum(jnp.exp(log_weights - logsumexp(log_weights)))
    positions = (slots + uniform) / num_particles
    chosen = jnp.minimum(jnp.searchsorted(cumulative, positions, side="right"), num_particles - 1)
    return jnp.where(slots < num_particles, chosen, slots)


class Filtered(NamedTuple):
    """What ``run_filter`` returns (arrays still padded: points to the data bucket, particles to the
    particle bucket)."""

    states: Any  # the particles after ``finish``, leading axis the particle slots
    log_weights: jax.Array  # (slots,) final log weights, normalised (−∞ for padded particles)
    log_evidence_increments: jax.Array  # (points,) log p̂(x_t | x_<t) (0 beyond the data)
    ess: jax.Array  # (points,) ESS after reweighting at point t, before any resampling
    resampled: jax.Array  # (points,) whether the particles were resampled (and moved) at point t
    summaries: dict[str, jax.Array]  # model.summary after every point, leading axis the points


def _keys(key: jax.Array, count: int) -> jax.Array:
    """fold_in(key, p) for p = 0 … count − 1."""
    return jax.vmap(lambda p: jax.random.fold_in(key, p))(jnp.arange(count, dtype=jnp.uint32))


@functools.partial(jax.jit, static_argnames=("model", "slots"))
def run_filter(
    model: ParticleModel,
    slots: int,
    key: jax.Array,
    data: jax.Array,
    mask: jax.Array,
    prior: Any,
    num_particles: jax.Array,
    threshold: jax.Array,
    sweeps: jax.Array,
) -> Filtered:
    """Sequential Monte Carlo of ``model`` over the real points of ``data`` (module docstring) with
    ``num_particles`` real particles in ``slots`` slots; resample (and move every copy by ``sweeps``
    kernel steps) when the ESS falls below ``threshold`` (a number of particles). Everything but
    the model and the number of slots is an array, so one program serves every such run."""
    num_points = data.shape[0]
    is_real = jnp.arange(slots) < num_particles
    uniform_weights = jnp.where(is_real, -jnp.log(num_particles.astype(data.dtype)), -jnp.inf)
    states = jax.vmap(model.init, in_axes=(0, None, None, None))(
        _keys(jax.random.fold_in(key, _INIT_STREAM), slots), data, prior, mask
    )
    summary = model.summary(states, uniform_weights)
    history = {name: jnp.zeros((num_points, *value.shape), value.dtype) for name, value in summary.items()}
    record = (jnp.zeros(num_points, data.dtype), jnp.zeros(num_points, data.dtype), jnp.zeros(num_points, bool))

    def move(t, point_key, states):
        """``sweeps`` kernel steps of every particle on the points 0 … t."""
        seen = mask * (jnp.arange(num_points) <= t)
        stream = jax.random.fold_in(point_key, _REJUVENATE)

        def sweep(s, states):
            keys = _keys(jax.random.fold_in(stream, s), slots)
            return jax.vmap(lambda k, state: model.kernel.step(k, state, data, prior, seen)[0])(keys, states)

        return jax.lax.fori_loop(0, sweeps, sweep, states)

    def point(t, carry):
        states, log_weights, history, (increments, ess, resampled) = carry
        point_key = jax.random.fold_in(key, t)
        extend = jax.vmap(model.extend, in_axes=(0, 0, None, None, None))
        states, log_increments = extend(_keys(jax.random.fold_in(point_key, _EXTEND), slots), states, data, t, prior)
        weighted = jnp.where(is_real, log_weights + log_increments, -jnp.inf)
        increment = logsumexp(weighted)  # log Σ_p W_{t−1,p} w_{t,p}: the weights before were normalised
        log_weights = weighted - increment
        ess_t = effective_sample_size(log_weights)

        def resample_and_move(operands):
            states, log_weights = operands
            uniform = jax.random.uniform(jax.random.fold_in(point_key, _RESAMPLE), dtype=data.dtype)
            chosen = systematic_resample(uniform, log_weights, num_particles)
            return move(t, point_key, jax.tree.map(lambda value: value[chosen], states)), uniform_weights

        resample = ess_t < threshold
        states, log_weights = jax.lax.cond(resample, resample_and_move, lambda kept: kept, (states, log_weights))
        summary = model.summary(states, log_weights)
        history = {name: history[name].at[t].set(value) for name, value in summary.items()}
        record = (increments.at[t].set(increment), ess.at[t].set(ess_t), resampled.at[t].set(resample))
        return states, log_weights, history, record

    count = jnp.sum(mask).astype(jnp.int32)  # the real points come first
    carry = (states, uniform_weights, history, record)
    states, log_weights, history, record = jax.lax.fori_loop(0, count, point, carry)
    finish = jax.vmap(model.finish, in_axes=(0, 0, None, None, None))
    states = finish(_keys(jax.random.fold_in(key, _FINISH_STREAM), slots), states, data, prior, mask)
    return Filtered(states, log_weights, *record, history)


class ParticleSettings(NamedTuple):
    """The validated arguments every particle filter shares."""

    key: jax.Array
    num_particles: int
    rejuvenation_sweeps: int
    resample_threshold: float


def particle_settings(key, num_particles, rejuvenation_sweeps, resample_threshold) -> ParticleSettings:
    """Validated settings; errors name the argument. ``resample_threshold`` is a fraction of the
    particles in [0, 1]: 0 never resamples (importance sampling, point by point), 1 always does."""
    key = check_key(key)
    num_particles = check_positive_int(num_particles, "num_particles")
    rejuvenation_sweeps = check_nonnegative_int(rejuvenation_sweeps, "rejuvenation_sweeps")
    if rejuvenation_sweeps > MAX_SWEEPS:
        raise ValueError(f"rejuvenation_sweeps must be at most {MAX_SWEEPS}, got {rejuvenation_sweeps}")
    if isinstance(resample_threshold, (bool, np.bool_)):
        raise TypeError("resample_threshold must be a number between 0 and 1, got bool")
    threshold = float(check_finite(resample_threshold, "resample_threshold"))
    if np.ndim(resample_threshold) != 0 or not 0.0 <= threshold <= 1.0:
        raise ValueError(f"resample_threshold must be a number between 0 and 1, got {resample_threshold!r}")
    return ParticleSettings(key, num_particles, rejuvenation_sweeps, threshold)


class Particles(NamedTuple):
    """``run_filter``'s result on the host: NumPy arrays cut to the real particles and points."""

    states: Any  # leading axis the particles; per-point arrays still padded to the data bucket
    log_weights: np.ndarray  # (P,) normalised
    log_marginal_likelihood: float  # log p̂(x) = Σ_t log p̂(x_t | x_<t)
    log_evidence_increments: np.ndarray  # (N,)
    ess: np.ndarray  # (N,)
    resampled: np.ndarray  # (N,) bool
    summaries: dict[str, np.ndarray]  # leading axis the points


def filter_points(model: ParticleModel, data: np.ndarray, prior: Any, settings: ParticleSettings, *,
                  sampler: str, min_bucket: int, sizes: dict[str, int] | None = None) -> Particles:
    """Run ``model``'s particle filter on ``data`` (N, …) under ``prior`` as ``settings`` say: pad the
    data (``pad_to_bucket(data, min_bucket)``) and the particles (``particle_bucket``), refuse runs
    that would not fit in memory and run ``run_filter``. ``sampler`` names the caller in the error
    raised when every particle's weight underflows at some point, ``sizes`` the model's arguments
    the memory grows with (e.g. ``{"num_components": K}``) in memory errors."""
    padded, mask = pad_to_bucket(data, min_bucket)
    padded, mask = jax.device_put(padded), jax.device_put(mask)  # jnp.asarray would compile a program
    prior = jax.tree.map(lambda value: jax.device_put(np.asarray(value, np.float64)), prior)
    slots = particle_bucket(settings.num_particles)
    check_memory(slots * WORKING_COPIES * model.kernel.cost(padded) * 8.0,
                 f"{settings.num_particles:,} particles over {padded.shape[0]} points",
                 {"num_particles": settings.num_particles, **(sizes or {}), "len(data)": data.shape[0]})
    num_points = data.shape[0]
    filtered = jax.device_get(run_filter(
        model, slots, settings.key, padded, mask, prior,
        np.int32(settings.num_particles),
        np.float64(settings.resample_threshold * settings.num_particles),
        np.int32(settings.rejuvenation_sweeps),
    ))
    increments = filtered.log_evidence_increments[:num_points]
    if not np.all(np.isfinite(increments)):
        point = int(np.argmin(np.isfinite(increments)))
        raise ValueError(
            f"{sampler}: at point {point} every particle's likelihood is 0 in float64: the data lie far outside "
            "what the prior proposes. Rescale the data or widen the prior."
        )
    cut = slice(settings.num_particles)
    return Particles(
        states=jax.tree.map(lambda value: value[cut], filtered.states),
        log_weights=filtered.log_weights[cut],
        log_marginal_likelihood=float(np.sum(increments)),
        log_evidence_increments=increments,
        ess=filtered.ess[:num_points],
        resampled=filtered.resampled[:num_points],
        summaries={name: value[:num_points] for name, value in filtered.summaries.items()},
    )
