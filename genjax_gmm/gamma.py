"""Gamma variates in log space by Marsaglia and Tsang's method: exact, small to compile, and fast
under ``vmap``.

For shape a ≥ 1 (Marsaglia & Tsang 2000, "A simple method for generating gamma variables"):
with d = a − 1/3 and c = 1/√(9d), draw x ~ N(0, 1) and u ~ U(0, 1] until

    v = (1 + c x)³ > 0   and   log u < x²/2 + d − d v + d log v,

then G = d v ~ Gamma(a) exactly (a rejection sampler; each try is accepted with probability
above 0.95). For a < 1, G = G′ U^(1/a) with G′ ~ Gamma(a + 1) and U ~ U(0, 1], i.e.
log G = log G′ + (log U)/a, which stays finite in log space however small a is.

Every element j of a call has its own random numbers: its try t takes x, u and U from the
threefry words of the counters (j, 3t), (j, 3t + 1) and (j, 3t + 2) under the call's key (one
threefry call per round), and the U of its accepted try is the one used. An element's draw
therefore depends on the key, its index and its shape alone, never on the other elements, so the
rejection loop can work on the pending elements only. Each round gathers up to
``⌈n / ROUNDS⌉`` of the elements not yet accepted (all of them when n ≤ ``MIN_ROUND_WIDTH``),
makes one try for each, and scatters back those accepted, until none is pending: about
ROUNDS + 1 rounds, and n tries in all plus the few rejected. Under ``vmap`` (``custom_vmap``) the
rounds run over the elements of the whole batch, which is what makes the importance samplers'
Gamma sites cheap: a batched ``while_loop`` would instead redraw every element of the batch until
its slowest one is accepted (docs/benchmarks.md). The same key gives the same draws with or
without ``vmap``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax.extend.random import threefry2x32_p

__all__ = ["log_gamma"]

ROUNDS = 4
"""The pending elements are gathered ``⌈n / ROUNDS⌉`` at a time (n elements in the call or batch)."""

MIN_ROUND_WIDTH = 256
"""Calls of up to this many elements try all their pending elements in every round."""


def log_gamma(key: jax.Array, shape: jax.Array) -> jax.Array:
    """log G_k with G_k ~ Gamma(shape_k, 1) independently, same shape and dtype as ``shape``."""
    if jnp.issubdtype(key.dtype, jax.dtypes.prng_key):
        words = jax.random.key_data(key)
        if words.shape != (2,):  # not a threefry key: take two words from it
            words = jax.random.bits(key, (2,), jnp.uint32)
    else:  # an old-style uint32 key
        words = key
    return _log_gamma(words, shape)


@jax.custom_batching.custom_vmap
def _log_gamma(words: jax.Array, shape: jax.Array) -> jax.Array:
    return _calls(words[None], shape[None])[0]


@_log_gamma.def_vmap
def _log_gamma_batched(axis_size: int, in_batched: list[bool], words: jax.Array, shape: jax.Array):
    words_batched, shape_batched = in_batched
    words = words if words_batched else jnp.broadcast_to(words, (axis_size, 2))
    shape = shape if shape_batched else jnp.broadcast_to(shape, (axis_size, *shape.shape))
    return _calls(words, shape), True


def _calls(words: jax.Array, shape: jax.Array) -> jax.Array:
    """A batch of calls (key words (B, 2), shapes (B, …)) as one call over all their elements,
    each with its own call's key words and its index within its call."""
    per_call = int(np.prod(shape.shape[1:], dtype=int))
    index = jnp.tile(jnp.arange(per_call, dtype=jnp.uint32), shape.shape[0])
    return _elements(jnp.repeat(words, per_call, axis=0), index, shape.ravel()).reshape(shape.shape)


def _uniform(words: jax.Array, index: jax.Array, counter: jax.Array, dtype) -> jax.Array:
    """U[0, 1) in ``dtype`` from the threefry2x32 hash of (index, counter) under the key ``words``."""
    high, low = threefry2x32_p.bind(*jnp.broadcast_arrays(words[..., 0], words[..., 1], index, counter))
    if np.dtype(dtype).itemsize == 8:
        bits = (high.astype(jnp.uint64) << 32) | low.astype(jnp.uint64)
        in_one_two = jax.lax.bitcast_convert_type((bits >> 12) | np.uint64(0x3FF0000000000000), jnp.float64)
    else:
        in_one_two = jax.lax.bitcast_convert_type((high >> 9) | np.uint32(0x3F800000), jnp.float32)
    return (in_one_two - 1).astype(dtype)


def _try(words, index, tries, shape):
    """Try number ``tries`` of each element: (accepted, log G if accepted). One threefry call
    gives the try's x, u and the boost's U (counters 3t, 3t + 1, 3t + 2)."""
    d = jnp.where(shape < 1, shape + 1, shape) - 1 / 3
    c = jax.lax.rsqrt(9 * d)
    counter = 3 * tries
    uniforms = _uniform(words, index, jnp.stack([counter, counter + 1, counter + 2]), shape.dtype)
    x = 2**0.5 * jax.lax.erf_inv(2 * uniforms[0] - 1)  # −∞ once in 2⁵², rejected
    log_u, log_boost = jnp.log1p(-uniforms[1:])  # logs of U(0, 1]
    v = (1 + c * x) ** 3
    log_v = jnp.log(jnp.where(v > 0, v, 1.0))
    accepted = (v > 0) & (log_u < 0.5 * x**2 + d - d * v + d * log_v)
    return accepted, jnp.log(d) + log_v + jnp.where(shape < 1, log_boost / shape, 0.0)


def _elements(words: jax.Array, index: jax.Array, shape: jax.Array) -> jax.Array:
    """log Gamma(shape_j) for every element j, with key words ``words[j]`` and counter index ``index[j]``."""
    n = shape.size
    width = n if n <= MIN_ROUND_WIDTH else -(-n // ROUNDS)

    def any_pending(carry) -> jax.Array:
        return ~jnp.all(carry[1])

    def one_round(carry):
        log_value, accepted, tries = carry
        rank = jnp.cumsum(~accepted, dtype=jnp.int32) - 1  # among the pending elements
        slot = jnp.where(~accepted & (rank < width), rank, width)  # width: not gathered this round
        gathered = jnp.full(width, n, jnp.int32).at[slot].set(jnp.arange(n, dtype=jnp.int32), mode="drop")

        def take(array: jax.Array) -> jax.Array:
            return array.at[gathered].get(mode="fill", fill_value=0)

        ok, value = _try(take(words), take(index), take(tries), take(shape))
        # Unused slots hold n, which the scatters below drop.
        log_value = log_value.at[gathered].set(jnp.where(ok, value, 0.0), mode="drop")
        return log_value, accepted.at[gathered].set(ok, mode="drop"), tries.at[gathered].add(1, mode="drop")

    valid = (shape >= 0) & jnp.isfinite(shape)  # a NaN, negative or infinite shape is never accepted: NaN
    start = (jnp.where(valid, 0.0, jnp.nan).astype(shape.dtype), ~valid, jnp.zeros(n, jnp.uint32))
    return jax.lax.while_loop(any_pending, one_round, start)[0]
