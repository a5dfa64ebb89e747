"""Shape buckets: the few sizes a compiled program is built for.

A jitted function compiles once per combination of array shapes and static arguments, and on a
laptop CPU one compilation of a sampler costs seconds. So the things a user varies from call to
call never become shapes:

* **Data size.** N points are padded to ``bucket_size(N)``, at least ``MIN_BUCKET``: the next
  number of the form m·2^j with m ∈ {8, …, 15}, i.e. eight buckets per doubling (32, 36, 40, …,
  60, 64, 72, …), so padding wastes at most 1/8 of the work. A mask m_i = 1 marks real points and
  0 padding; every sum over points is weighted by m_i, so padded points contribute nothing to any
  statistic or density. A sampler whose sweep compiles far longer than it runs may ask for fewer
  buckets per doubling (``mv.gibbs``: two, 256, 384, 512, …), so that more data sets share one.
* **Chains.** Chains run side by side (vmapped) in groups of ``chain_width`` chains: when a sweep
  is cheap, always ``CHAIN_GROUP`` (4), so that 1, 2, 3 and 4 chains share one program and 5, 8
  or 13 chains run 4 at a time through it, the padded chains of the last group computed and
  dropped; when a sweep costs more than ``SHARED_WIDTH_COST``, computing dropped chains would
  cost more than a compilation, and the group is the next power of two (1, 2 or 4).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "MIN_BUCKET",
    "STEPS_PER_DOUBLING",
    "CHAIN_GROUP",
    "SHARED_WIDTH_COST",
    "bucket_size",
    "pad_to_bucket",
    "chain_width",
]

MIN_BUCKET = 32
"""The smallest data bucket: every data set of up to 32 points compiles the same program."""

STEPS_PER_DOUBLING = 8
"""Data buckets per doubling of N (a sampler whose sweep compiles slowly may ask for fewer)."""

CHAIN_GROUP = 4
"""The most chains one compiled program runs side by side; more run group after group."""

SHARED_WIDTH_COST = 2**14
"""Up to this cost per sweep (numbers a sweep of one chain touches), every number of chains runs
in groups of ``CHAIN_GROUP``: three dropped chains then cost under a millisecond per sweep."""


def bucket_size(count: int, minimum: int = MIN_BUCKET, steps_per_doubling: int = STEPS_PER_DOUBLING) -> int:
    """The smallest m·2^j ≥ max(count, minimum) with m ∈ {s, …, 2s − 1}, s = ``steps_per_doubling``
    (a power of two; 1 gives the next power of two)."""
    count = max(count, minimum)
    step = 1 << max(0, (count - 1).bit_length() - steps_per_doubling.bit_length())
    return -(-count // step) * step


def pad_to_bucket(
    data: np.ndarray, minimum: int = MIN_BUCKET, steps_per_doubling: int = STEPS_PER_DOUBLING
) -> tuple[np.ndarray, np.ndarray]:
    """``data`` (N, …) padded along its first axis to ``bucket_size(N, minimum, steps_per_doubling)``
    rows, and the mask (1.0 for the N real rows, 0.0 for padding). Padding repeats the first row,
    so that every padded value is an ordinary number (no overflow or NaN in masked-out arithmetic)."""
    size = bucket_size(data.shape[0], minimum, steps_per_doubling)
    padded = np.concatenate([data, np.repeat(data[:1], size - data.shape[0], axis=0)])
    mask = np.zeros(size, dtype=data.dtype)
    mask[: data.shape[0]] = 1.0
    return padded, mask


def chain_width(num_chains: int, cost_per_sweep: int) -> int:
    """Chains per compiled program: ``CHAIN_GROUP`` for a cheap sweep, else the next power of two
    ≥ ``num_chains``, at most ``CHAIN_GROUP`` (module docstring)."""
    if cost_per_sweep <= SHARED_WIDTH_COST:
        return CHAIN_GROUP
    return min(bucket_size(num_chains, 1, steps_per_doubling=1), CHAIN_GROUP)
