"""The one driver of every Markov chain sampler in the package (1-D Gibbs, the Dirichlet-process
mixture's collapsed Gibbs, multivariate Gibbs): a sampler is a kernel (``chains.Kernel``) and a
front that validates its model's arguments and builds its result.

``sample`` does the rest, the same way for every kernel: it pads the data to a size bucket
(``buckets``) and puts data and prior on the device in the requested dtype; chooses the chain
width and block size from the kernel's cost per sweep; refuses, before allocating, requests
whose draws or blocks would not fit in memory; runs the chains (``chains.run_chains``); and
computes split R-hat and ESS of every scalar the kernel monitors, warning once
(``diagnostics.warn_if_unreliable``) when they say the draws cannot be trusted.
``chain_settings`` validates the arguments every sampler shares.
"""

from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

import jax
import numpy as np

from ..validation import check_float_dtype, check_key, check_memory, check_nonnegative_int, check_positive_int
from .buckets import STEPS_PER_DOUBLING, chain_width, pad_to_bucket
from .chains import Kernel, record_shapes, run_chains
from .diagnostics import MIN_DRAWS, rhat_and_ess, warn_if_unreliable

__all__ = ["MAX_SWEEPS", "KEEP_ASSIGNMENTS_LIMIT", "ChainSettings", "chain_settings", "block_size", "Draws", "sample"]

MAX_SWEEPS = 2**31 - 1
"""Sweep indices are int32 inside the compiled loop; longer runs are refused."""

KEEP_ASSIGNMENTS_LIMIT = 10_000_000
"""By default a sampler keeps the assignments of every draw up to this many integers in total."""

BLOCK_COST = 2**24
"""A block holds about this many numbers touched per chain (a fraction of a second of work)..."""

BLOCK_RECORDS = 2**20
"""... and records at most about this many numbers per chain, so that its buffers stay small."""

MIN_BLOCK, MAX_BLOCK = 16, 1024

WORKING_COPIES = 4
"""A sweep's working memory, in copies of the numbers it touches (its cost), per chain."""


class ChainSettings(NamedTuple):
    """The validated arguments every sampler shares."""

    key: jax.Array
    num_sweeps: int
    num_chains: int
    burn_in: int  # sweeps discarded before the draws
    keep_assignments: bool
    dtype: np.dtype

    @property
    def num_draws(self) -> int:
        return self.num_sweeps - self.burn_in


def chain_settings(
    key, num_sweeps, num_chains, burn_in, *, keep_assignments: bool | None, dtype, num_points: int
) -> ChainSettings:
    """Validated settings; errors name the argument. ``burn_in`` defaults to ``num_sweeps // 4`` and
    must leave at least ``MIN_DRAWS`` draws for R-hat; ``keep_assignments`` defaults to keeping the
    assignments when num_chains × num_draws × ``num_points`` ≤ ``KEEP_ASSIGNMENTS_LIMIT``."""
    key = check_key(key)
    num_sweeps = check_positive_int(num_sweeps, "num_sweeps")
    if num_sweeps > MAX_SWEEPS:
        raise ValueError(f"num_sweeps must be at most {MAX_SWEEPS} (int32 sweep counter), got {num_sweeps}")
    burn_in = num_sweeps // 4 if burn_in is None else check_nonnegative_int(burn_in, "burn_in")
    if num_sweeps - burn_in < MIN_DRAWS:
        raise ValueError(
            f"num_sweeps - burn_in must be at least {MIN_DRAWS} draws for R-hat, got "
            f"num_sweeps={num_sweeps}, burn_in={burn_in}"
        )
    num_chains = check_positive_int(num_chains, "num_chains")
    if keep_assignments is None:
        keep_assignments = num_chains * (num_sweeps - burn_in) * num_points <= KEEP_ASSIGNMENTS_LIMIT
    elif not isinstance(keep_assignments, bool):
        raise TypeError(f"keep_assignments must be True, False or None, got {keep_assignments!r}")
    return ChainSettings(key, num_sweeps, num_chains, burn_in, keep_assignments, check_float_dtype(dtype))


def block_size(cost_per_sweep: int, numbers_per_draw: int) -> int:
    """Sweeps per compiled block: about ``BLOCK_COST`` numbers of work and at most ``BLOCK_RECORDS``
    recorded numbers per chain, between 16 and 1024 sweeps, so that a block takes well under a
    second, its buffers stay small and Ctrl-C is never far away."""
    sweeps = min(BLOCK_COST // max(cost_per_sweep, 1), BLOCK_RECORDS // max(numbers_per_draw, 1))
    return int(np.clip(sweeps, MIN_BLOCK, MAX_BLOCK))


@dataclasses.dataclass(frozen=True)
class Draws:
    """What ``sample`` returns: the kernel's records of every draw after burn-in (NumPy arrays of
    shape (num_chains, num_draws, …), per-point arrays still padded to the bucket) and the
    (split R-hat, ESS) of every monitored scalar."""

    values: dict[str, np.ndarray]
    diagnostics: dict[str, tuple[float, float]]


def _on_device(value, dtype: np.dtype) -> jax.Array:
    """``value`` as a device array of ``dtype`` (``jax.device_put`` compiles nothing, unlike
    ``jnp.asarray``, which compiles a small program for every new shape)."""
    return jax.device_put(np.asarray(value, dtype))


def sample(
    kernel: Kernel,
    data: np.ndarray,
    prior: Any,
    settings: ChainSettings,
    *,
    sampler: str,
    sizes: dict[str, int] | None = None,
    steps_per_doubling: int = STEPS_PER_DOUBLING,
) -> Draws:
    """Run ``kernel``'s chains on ``data`` (N, …) under ``prior`` as ``settings`` say (module
    docstring); ``sampler`` names the caller in the convergence warning, ``sizes`` the model's
    arguments the memory grows with (e.g. ``{"num_components": K}``) in memory errors;
    ``steps_per_doubling`` sets the data buckets (``buckets.bucket_size``)."""
    sizes, num_data = sizes or {}, data.shape[0]
    padded, mask = pad_to_bucket(data, steps_per_doubling=steps_per_doubling)
    dtype = settings.dtype
    data, mask = _on_device(padded, dtype), _on_device(mask, dtype)
    prior = jax.tree.map(lambda value: _on_device(value, dtype), prior)

    num_points = padded.shape[0]
    cost = kernel.cost(data)
    width = chain_width(settings.num_chains, cost)
    row = record_shapes(kernel, width, settings.key.dtype, data, prior, mask)
    numbers_per_draw = sum(value.size for value in row.values())
    bytes_per_draw = sum(value.size * value.dtype.itemsize for value in row.values())
    num_chains, num_draws = settings.num_chains, settings.num_draws
    check_memory(
        num_chains * num_draws * bytes_per_draw,
        f"keeping {num_chains:,} chains × {num_draws:,} draws",
        {"num_chains": num_chains, "num_sweeps − burn_in": num_draws, **sizes},
        smallest={"num_sweeps − burn_in": MIN_DRAWS},
    )
    sweeps_per_block = block_size(cost, numbers_per_draw)
    check_memory(
        width * (sweeps_per_block * bytes_per_draw + WORKING_COPIES * cost * dtype.itemsize),
        f"a block of {sweeps_per_block} sweeps over {num_points} points in {width} chains",
        {**sizes, "len(data)": num_data},
    )

    values = run_chains(
        kernel,
        settings.key,
        data,
        prior,
        mask,
        num_chains=settings.num_chains,
        num_sweeps=settings.num_sweeps,
        burn_in=settings.burn_in,
        width=width,
        block_size=sweeps_per_block,
    )
    diagnostics = {name: rhat_and_ess(values[name]) for name in kernel.monitored}
    described = {kernel.monitored[name]: value for name, value in diagnostics.items()}
    warn_if_unreliable(sampler, described, settings.num_chains, stacklevel=3)
    return Draws(values, diagnostics)
