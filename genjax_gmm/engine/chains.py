"""Markov chains run from a kernel in compiled, interruptible blocks of sweeps.

A **kernel** is a Markov chain transition written as three pure functions of JAX arrays and a
cost (the protocol ``Kernel``), conditioned on padded data with a mask (``buckets``) and a prior:

* ``init(key, data, prior, mask)``: one chain's starting state;
* ``step(key, state, data, prior, mask)``: one sweep, returning the new state and its log
  density (the log joint p(θ, z, x) for the samplers of this package);
* ``record(state, log_density)``: what one draw keeps, a dict of arrays;
* ``cost(data)``: roughly how many numbers a sweep of one chain touches (a Python int);

and it names the recorded scalars whose R-hat and ESS say whether its chains mixed
(``monitored``). The mask also lets a kernel sweep the points seen so far of a data set that
arrives point by point: the same program serves every prefix.

A kernel is a frozen dataclass (its fields are its settings, e.g. K), so it is hashable and passes
to ``jit`` as a static argument: ``run_chains`` compiles one block program per kernel, data
bucket and chain width, whatever the number of sweeps, chains and burn-in.

``run_chains`` calls the compiled block of at most ``block_size`` sweeps from a Python loop, so
``num_sweeps`` and ``burn_in`` are plain numbers, the host drops the burn-in draws, and Ctrl-C
takes effect between blocks. Randomness does not depend on any of this: sweep t of chain j uses
the key fold_in(fold_in(key, j), t), and chain j starts from fold_in(fold_in(key, j), 2³² − 1), so
the same key gives the same draws whatever the padding, the chain width and the block size.
"""

from __future__ import annotations

import functools
from typing import Any, ClassVar, Protocol

import jax
import jax.numpy as jnp
import numpy as np

from ..compilation_cache import QUICK_COMPILE

__all__ = ["Kernel", "chain_keys", "record_shapes", "run_chains"]

_INIT_STREAM = 2**32 - 1  # fold_in data for a chain's start, never a sweep index (< 2**31)


class Kernel(Protocol):
    """A Markov chain transition (module docstring). ``monitored`` maps recorded scalars to what
    they are in a warning ("the log joint"): their R-hat and ESS say whether the chains mixed."""

    monitored: ClassVar[dict[str, str]]

    def init(self, key: jax.Array, data: jax.Array, prior: Any, mask: jax.Array) -> Any: ...

    def step(
        self, key: jax.Array, state: Any, data: jax.Array, prior: Any, mask: jax.Array
    ) -> tuple[Any, jax.Array]: ...

    def record(self, state: Any, log_density: jax.Array) -> dict[str, jax.Array]: ...

    def cost(self, data: jax.Array) -> int:
        """Roughly how many numbers one sweep of one chain touches on these (padded) data; it sets
        the chain width and the block size."""
        ...


@jax.jit
def chain_keys(key: jax.Array, chains: np.ndarray) -> tuple[jax.Array, jax.Array]:
    """(start keys, sweep keys) of the chains numbered ``chains``: fold_in(key, j) and the start
    key fold_in(fold_in(key, j), 2³² − 1)."""
    keys = jax.vmap(lambda j: jax.random.fold_in(key, j))(chains.astype(jnp.uint32))
    return jax.vmap(lambda k: jax.random.fold_in(k, _INIT_STREAM))(keys), keys


@functools.partial(jax.jit, static_argnames="kernel", compiler_options=QUICK_COMPILE)
def _initialise(kernel: Kernel, start_keys, data, prior, mask):
    """Every chain's start, ``kernel.init`` vmapped over the group's keys (it runs once per group:
    compiled without XLA's slow optimisations, in about half the time)."""
    return jax.vmap(lambda key: kernel.init(key, data, prior, mask))(start_keys)


@functools.partial(jax.jit, static_argnames=("kernel", "block_size"))
def _advance(kernel: Kernel, block_size: int, sweep_keys, states, first_sweep, count, data, prior, mask):
    """Sweeps ``first_sweep`` … ``first_sweep + count − 1`` of every chain (sweep t keyed by
    fold_in(chain key, t)), recording each draw in row t − first_sweep of ``block_size``-row
    buffers. ``count`` is dynamic, so one program serves every block."""

    def run_chain(key, state):
        def sweep(i, carry):
            state, buffers = carry
            state, log_density = kernel.step(jax.random.fold_in(key, first_sweep + i), state, data, prior, mask)
            row = kernel.record(state, log_density)
            return state, {name: buffers[name].at[i].set(value) for name, value in row.items()}

        template = jax.eval_shape(kernel.record, state, jnp.zeros((), data.dtype))
        buffers = {name: jnp.zeros((block_size, *value.shape), value.dtype) for name, value in template.items()}
        return jax.lax.fori_loop(0, count, sweep, (state, buffers))

    return jax.vmap(run_chain)(sweep_keys, states)


def record_shapes(kernel: Kernel, width: int, key_dtype, data, prior, mask) -> dict[str, jax.ShapeDtypeStruct]:
    """Shape and dtype of every array one draw records, found by tracing alone (nothing runs or
    compiles; the trace of the chains' start is the one ``run_chains`` with this ``width`` reuses)."""
    keys = jax.ShapeDtypeStruct((width,), key_dtype)
    states = _initialise.eval_shape(kernel, keys, data, prior, mask)
    state = jax.tree.map(lambda value: jax.ShapeDtypeStruct(value.shape[1:], value.dtype), states)
    return jax.eval_shape(kernel.record, state, jax.ShapeDtypeStruct((), data.dtype))


def run_chains(
    kernel: Kernel,
    key: jax.Array,
    data: jax.Array,
    prior: Any,
    mask: jax.Array,
    *,
    num_chains: int,
    num_sweeps: int,
    burn_in: int,
    width: int,
    block_size: int,
) -> dict[str, np.ndarray]:
    """Run ``num_chains`` chains of ``kernel`` for ``num_sweeps`` sweeps, ``width`` chains per
    compiled program, and return the records of draws ``burn_in + 1 … num_sweeps`` as NumPy
    arrays of shape (num_chains, num_sweeps − burn_in, …)."""
    draws = None
    for first_chain in range(0, num_chains, width):  # chain j is keyed by j, whatever its group
        chains = slice(first_chain, min(first_chain + width, num_chains))
        start_keys, sweep_keys = chain_keys(key, np.arange(first_chain, first_chain + width))
        states = _initialise(kernel, start_keys, data, prior, mask)
        first = 0
        while first < num_sweeps:  # one compiled block per iteration; Ctrl-C lands between blocks
            count = min(block_size, num_sweeps - first)
            states, recorded = _advance(kernel, block_size, sweep_keys, states, first, count, data, prior, mask)
            keep_from = max(0, burn_in - first)
            if keep_from < count:
                recorded = jax.device_get(recorded)
                if draws is None:
                    draws = {
                        name: np.empty((num_chains, num_sweeps - burn_in, *value.shape[2:]), value.dtype)
                        for name, value in recorded.items()
                    }
                offset = first + keep_from - burn_in
                kept = slice(offset, offset + count - keep_from)
                for name, value in recorded.items():
                    draws[name][chains, kept] = value[: chains.stop - chains.start, keep_from:count]
            first += count
    return draws
