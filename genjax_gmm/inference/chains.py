"""Markov chains that compile once per shape bucket and run in interruptible blocks.

A jitted function compiles once per combination of array shapes and static arguments, and on
a laptop CPU one compilation of a sampler costs seconds. So the samplers never let the things a
user varies from call to call become shapes:

* **Data size.** N points are padded to ``bucket_size(N)`` (at least ``MIN_BUCKET``): the next
  number of the form m·2^j with m ∈ {8, …, 15}, i.e. eight buckets per doubling (32, 36, 40, …,
  60, 64, 72, …), so padding wastes at most 1/8 of the work. A mask m_i = 1 marks real points and
  0 padding; every sum over points is weighted by m_i, so padded points contribute nothing to any
  statistic or density.
* **Chains.** Chains run vmapped in groups of ``chain_bucket(C)``: 1, 2 or ``CHAIN_GROUP`` (4)
  chains per compiled program, so 3 and 4 chains share a program, and 5, 8 or 13 chains run
  4 at a time through that same program; the padded chains of the last group are computed and
  dropped.
* **Sweeps and burn-in.** ``run_chains`` calls a compiled block of at most ``block_size`` sweeps
  from a Python loop, so ``num_sweeps`` and ``burn_in`` are plain numbers, the host drops the
  burn-in draws, and Ctrl-C takes effect between blocks.

Randomness does not depend on any of this: sweep t of chain j uses the key
fold_in(fold_in(key, j), t), and chain j starts from fold_in(fold_in(key, j), −1) folded in as
the largest uint32, so the same key gives the same draws whatever the padding and block size.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import operator

import jax
import jax.numpy as jnp
import numpy as np

from ..validation import check_positive_int
from .diagnostics import MIN_DRAWS

__all__ = [
    "MIN_BUCKET",
    "CHAIN_GROUP",
    "MAX_SWEEPS",
    "bucket_size",
    "chain_bucket",
    "pad_to_bucket",
    "chain_keys",
    "check_memory",
    "check_sweeps",
    "run_chains",
]

MIN_BUCKET = 32
"""The smallest data bucket: every data set of up to 32 points compiles the same program."""

CHAIN_GROUP = 4
"""The most chains one compiled program runs side by side; more run group after group."""

MAX_SWEEPS = 2**31 - 1
"""Sweep indices are int32 inside the compiled loop; longer runs are refused."""

MEMORY_LIMIT_BYTES = 4 * 2**30
"""Requests whose draws would need more host memory than this are refused before allocating."""

_INIT_STREAM = 2**32 - 1  # fold_in data for a chain's start, never a sweep index (< 2**31)


def bucket_size(count: int, minimum: int = MIN_BUCKET, steps_per_doubling: int = 8) -> int:
    """The smallest m·2^j ≥ max(count, minimum) with m ∈ {s, …, 2s − 1}, s = ``steps_per_doubling``
    (a power of two; 1 gives the next power of two)."""
    count = max(count, minimum)
    step = 1 << max(0, (count - 1).bit_length() - steps_per_doubling.bit_length())
    return -(-count // step) * step


def chain_bucket(num_chains: int) -> int:
    """Chains per compiled program: the next power of two, at most ``CHAIN_GROUP``."""
    return min(bucket_size(num_chains, 1, steps_per_doubling=1), CHAIN_GROUP)


def pad_to_bucket(data: np.ndarray, minimum: int = MIN_BUCKET) -> tuple[np.ndarray, np.ndarray]:
    """``data`` (N, …) padded along its first axis to ``bucket_size(N, minimum)`` rows, and the mask
    (1.0 for the N real rows, 0.0 for padding). Padding repeats the first row, so that every padded
    value is an ordinary number (no overflow or NaN in masked-out arithmetic)."""
    size = bucket_size(data.shape[0], minimum)
    padded = np.concatenate([data, np.repeat(data[:1], size - data.shape[0], axis=0)])
    mask = np.zeros(size, dtype=data.dtype)
    mask[: data.shape[0]] = 1.0
    return padded, mask


@jax.jit
def chain_keys(key: jax.Array, chains: np.ndarray) -> tuple[jax.Array, jax.Array]:
    """(start keys, sweep keys) of the chains numbered ``chains``: fold_in(key, j) and the start
    key fold_in(fold_in(key, j), 2³² − 1)."""
    keys = jax.vmap(lambda j: jax.random.fold_in(key, j))(chains.astype(jnp.uint32))
    return jax.vmap(lambda k: jax.random.fold_in(k, _INIT_STREAM))(keys), keys


def check_sweeps(num_sweeps, burn_in) -> tuple[int, int]:
    """``num_sweeps`` (1 … ``MAX_SWEEPS``) and ``burn_in`` (default ``num_sweeps // 4``, an integer
    ≥ 0 that leaves at least ``MIN_DRAWS`` draws for R-hat), as ints; errors name the argument."""
    num_sweeps = check_positive_int(num_sweeps, "num_sweeps")
    if num_sweeps > MAX_SWEEPS:
        raise ValueError(f"num_sweeps must be at most {MAX_SWEEPS} (int32 sweep counter), got {num_sweeps}")
    if burn_in is None:
        burn_in = num_sweeps // 4
    if isinstance(burn_in, (bool, np.bool_)) or not hasattr(type(burn_in), "__index__"):
        raise TypeError(f"burn_in must be an integer, got {type(burn_in).__name__}")
    burn_in = operator.index(burn_in)
    if burn_in < 0:
        raise ValueError(f"burn_in must be a non-negative integer, got {burn_in} (burn_in must be at least 0)")
    if num_sweeps - burn_in < MIN_DRAWS:
        raise ValueError(
            f"num_sweeps - burn_in must be at least {MIN_DRAWS} draws for R-hat, got "
            f"num_sweeps={num_sweeps}, burn_in={burn_in}"
        )
    return num_sweeps, int(burn_in)


def check_memory(num_bytes: float, what: str) -> None:
    """``ValueError`` saying how much memory ``what`` needs when it exceeds ``MEMORY_LIMIT_BYTES``."""
    if num_bytes > MEMORY_LIMIT_BYTES:
        raise ValueError(
            f"{what} would need {num_bytes / 2**30:,.1f} GiB of memory (limit "
            f"{MEMORY_LIMIT_BYTES / 2**30:.0f} GiB); ask for fewer draws, chains or points"
        )


def run_chains(
    key: jax.Array,
    initialise: Callable[..., Any],
    advance: Callable[..., tuple[Any, Any]],
    operands: tuple,
    *,
    num_chains: int,
    num_sweeps: int,
    burn_in: int,
    block_size: int,
) -> Any:
    """Run ``num_chains`` chains for ``num_sweeps`` sweeps and return the draws after ``burn_in``.

    Chains run in groups of ``chain_bucket(num_chains)``. ``initialise(start_keys, *operands)``
    returns a group's starting states (leading axis: the group's chains); ``advance(sweep_keys, states, first_sweep, count, *operands)`` runs sweeps
    ``first_sweep`` … ``first_sweep + count − 1`` (count ≤ ``block_size``) and returns the new
    states and a pytree of recordings with leading axes (the group's chains, ``block_size``), of which
    the first ``count`` rows along the second axis are the states after each sweep. Both should
    be jitted, with shapes that depend only on the buckets. Returns the recordings of draws
    ``burn_in + 1 … num_sweeps`` as NumPy arrays of shape (num_chains, num_sweeps − burn_in, …).
    """
    group = chain_bucket(num_chains)
    draws = None
    for first_chain in range(0, num_chains, group):  # chain j is keyed by j, whatever its group
        chains = slice(first_chain, min(first_chain + group, num_chains))
        start_keys, sweep_keys = chain_keys(key, np.arange(first_chain, first_chain + group))
        states = initialise(start_keys, *operands)
        first = 0
        while first < num_sweeps:  # one compiled block per iteration; Ctrl-C lands between blocks
            count = min(block_size, num_sweeps - first)
            states, recorded = advance(sweep_keys, states, first, count, *operands)
            keep_from = max(0, burn_in - first)
            if keep_from < count:
                recorded = jax.device_get(recorded)
                if draws is None:
                    draws = jax.tree.map(
                        lambda a: np.empty((num_chains, num_sweeps - burn_in, *a.shape[2:]), a.dtype), recorded
                    )
                offset = first + keep_from - burn_in
                for target, source in zip(jax.tree.leaves(draws), jax.tree.leaves(recorded)):
                    target[chains, offset : offset + count - keep_from] = source[: chains.stop - chains.start, keep_from:count]
            first += count
    return draws
