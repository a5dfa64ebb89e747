"""Gamma variates in log space by Marsaglia and Tsang's method, small to compile.

For shape a ≥ 1 (Marsaglia & Tsang 2000, "A simple method for generating gamma variables"):
with d = a − 1/3 and c = 1/√(9d), draw x ~ N(0, 1) and u ~ U(0, 1] until

    v = (1 + c x)³ > 0   and   log u < x²/2 + d − d v + d log v,

then G = d v ~ Gamma(a) exactly (a rejection sampler; each try is accepted with probability
above 0.95). For a < 1, G = G′ U^(1/a) with G′ ~ Gamma(a + 1) and U ~ U(0, 1], i.e.
log G = log G′ + (log U)/a, which stays finite in log space however small a is.

``jax.random.loggamma`` does the same per element, as a vmapped rejection loop; here one
``while_loop`` redraws every element that has not yet been accepted. The result is the same
distribution, and the compiled program is about half the size: it was most of a Gibbs sweep's
compile time (docs/benchmarks.md).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

__all__ = ["log_gamma"]


def log_gamma(key: jax.Array, shape: jax.Array) -> jax.Array:
    """log G_k with G_k ~ Gamma(shape_k, 1) independently, same shape and dtype as ``shape``."""
    boosted = shape < 1
    d = jnp.where(boosted, shape + 1, shape) - 1 / 3
    c = jax.lax.rsqrt(9 * d)
    loop_key, boost_key = jax.random.split(key)

    def not_all_accepted(carry) -> jax.Array:
        return ~jnp.all(carry[2])

    def try_again(carry):
        key, log_value, accepted = carry
        key, normal_key, uniform_key = jax.random.split(key, 3)
        x = jax.random.normal(normal_key, shape.shape, shape.dtype)
        log_u = jnp.log1p(-jax.random.uniform(uniform_key, shape.shape, shape.dtype))  # log of U(0, 1]
        v = (1 + c * x) ** 3
        log_v = jnp.log(jnp.where(v > 0, v, 1.0))
        accept = ~accepted & (v > 0) & (log_u < 0.5 * x**2 + d - d * v + d * log_v)
        return key, jnp.where(accept, jnp.log(d) + log_v, log_value), accepted | accept

    start = (loop_key, jnp.zeros_like(shape), jnp.zeros(shape.shape, bool))
    _, log_value, _ = jax.lax.while_loop(not_all_accepted, try_again, start)
    log_u = jnp.log1p(-jax.random.uniform(boost_key, shape.shape, shape.dtype))
    return log_value + jnp.where(boosted, log_u / shape, 0.0)
