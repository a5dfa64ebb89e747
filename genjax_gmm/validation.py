"""Input checks shared by the public functions.

Each check raises ``ValueError`` (or ``TypeError`` for non-numeric input) with a
message that names the argument. Checks run only on concrete values: inside
``jax.jit`` the arguments are tracers and are passed through unchanged, so the
numerical cores stay jit-able.
"""

from __future__ import annotations

import dataclasses
import functools
import operator

import jax
import jax.numpy as jnp
import numpy as np

__all__ = [
    "is_traced",
    "as_float_array",
    "check_finite",
    "check_positive",
    "check_positive_scalar",
    "check_positive_int",
    "check_nonnegative_int",
    "check_observations",
    "check_points",
    "check_instance",
    "check_mixture_parameters",
    "check_key",
    "check_float_dtype",
    "check_magnitude",
    "check_scalar",
    "check_memory",
    "cached_by_counts",
    "check_prior_fields",
    "register_prior_pytree",
]

MAX_MAGNITUDE = 1e150
"""Data, locations and scales must lie within [1/MAX_MAGNITUDE, MAX_MAGNITUDE] in magnitude, so
that their squares and squared ratios stay finite in float64 (≤ 1e308)."""

WEIGHT_SUM_TOLERANCE = 1e-6

MEMORY_LIMIT_BYTES = 4 * 2**30
"""Requests whose results would need more memory than this are refused before allocating."""


def is_traced(*values) -> bool:
    """True if any value is a JAX tracer (we are inside jit/vmap/grad)."""
    return any(isinstance(v, jax.core.Tracer) for v in values)


def as_float_array(value, name: str) -> np.ndarray:
    """``value`` as a float64 NumPy array; ``TypeError`` naming ``name`` if not numeric (None,
    strings, and sequences holding them, which NumPy would turn into NaN or text)."""
    if value is None:
        raise TypeError(f"{name} must be numeric, got NoneType")
    try:
        raw = np.asarray(value)
        if raw.dtype.kind not in "biuf":
            raise TypeError(f"it holds {raw.dtype.name} values")
        array = raw.astype(np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be numeric, got {type(value).__name__}: {error}") from None
    return array


def check_finite(value, name: str) -> np.ndarray:
    """Reject NaN and ±inf anywhere in ``value``."""
    array = as_float_array(value, name)
    if not np.all(np.isfinite(array)):
        bad = array[~np.isfinite(array)].ravel()[0]
        raise ValueError(f"{name} must be finite, but contains {bad}")
    return array


def check_positive(value, name: str) -> np.ndarray:
    """Reject values that are not finite and strictly positive."""
    array = check_finite(value, name)
    if np.any(array <= 0):
        raise ValueError(f"{name} must be positive, got {array.ravel()[np.argmax(array.ravel() <= 0)]}")
    return array


def check_positive_scalar(value, name: str) -> float:
    """One finite positive number (Python, NumPy or 0-d array; bools rejected), returned as ``float``."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a positive number, got bool")
    array = check_positive(value, name)
    if array.ndim != 0:
        raise TypeError(f"{name} must be a single positive number, got an array of shape {array.shape}")
    return float(array)


def _integer(value, name: str) -> int:
    """``value`` as an ``int`` if it is an integer (Python, NumPy or 0-d integer array), bools rejected."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be an integer, got bool")
    try:
        return int(operator.index(value))
    except TypeError:
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}") from None


def check_positive_int(value, name: str) -> int:
    """An integer >= 1 (Python, NumPy or 0-d integer array; bools rejected), returned as ``int``."""
    value = _integer(value, name)
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
    return value


def check_nonnegative_int(value, name: str) -> int:
    """An integer >= 0 (a count or a seed; bools rejected), returned as ``int``."""
    value = _integer(value, name)
    if value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value}")
    return value


def check_observations(value, name: str = "data") -> np.ndarray:
    """A non-empty 1-D array of finite observations, as float64."""
    array = check_finite(value, name)
    if array.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of observations, got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} must hold at least one observation, got an empty array")
    return array


def check_points(value, name: str = "data") -> np.ndarray:
    """A non-empty (N, D) float64 array of finite points (a (N,) array counts as D = 1), each
    coordinate small enough that its square fits in float64 (``check_magnitude``)."""
    points = check_magnitude(value, name)
    if points.ndim == 1:
        points = points[:, None]
    if points.ndim != 2:
        raise ValueError(f"{name} must be an (N, D) array of points, got shape {points.shape}")
    if points.shape[0] == 0 or points.shape[1] == 0:
        raise ValueError(f"{name} must hold at least one point of at least one coordinate, got shape {points.shape}")
    return points


def check_instance(value, expected: type, name: str):
    """``value`` itself if it is an instance of ``expected``, else ``TypeError`` naming ``name``."""
    if not isinstance(value, expected):
        raise TypeError(f"{name} must be a {expected.__name__}, got {type(value).__name__}")
    return value


def check_mixture_parameters(weights, means, stds) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate the parameters of a K-component 1-D Gaussian mixture.

    ``weights``: K non-negative numbers summing to 1; ``means``: K finite numbers;
    ``stds``: K positive standard deviations. K must be at least 1.
    """
    weights = check_finite(weights, "weights")
    means = check_finite(means, "means")
    stds = check_finite(stds, "stds")
    for name, array in (("weights", weights), ("means", means), ("stds", stds)):
        if array.ndim != 1:
            raise ValueError(f"{name} must be a 1-D array of length K, got shape {array.shape}")
    if weights.size < 1:
        raise ValueError("weights must hold at least one component (K >= 1), got an empty array")
    if not weights.size == means.size == stds.size:
        raise ValueError(
            "weights, means and stds must have the same length K, got "
            f"{weights.size}, {means.size} and {stds.size}"
        )
    if np.any(weights < 0):
        raise ValueError(f"weights must be non-negative, got {weights}")
    if abs(weights.sum() - 1.0) > WEIGHT_SUM_TOLERANCE:
        raise ValueError(f"weights must sum to 1, but sum to {weights.sum():.6g}")
    check_positive(stds, "stds")
    return weights, means, stds


def check_key(key, name: str = "key") -> jax.Array:
    """One JAX random key, new style (``jax.random.key(0)``) or old style (``jax.random.PRNGKey(0)``,
    a uint32 array of shape (2,)), returned new style; ``TypeError``/``ValueError`` naming ``name``
    for anything else (an int, a batch of keys)."""
    if isinstance(key, jax.Array) and jnp.issubdtype(key.dtype, jax.dtypes.prng_key):
        if key.shape != ():
            raise ValueError(f"{name} must be a single random key, got a batch of shape {key.shape}")
        return key
    if isinstance(key, (jax.Array, np.ndarray)) and key.dtype == np.uint32:
        if key.shape != (2,):
            raise ValueError(f"{name} must be a single random key, got uint32 key data of shape {key.shape}")
        return jax.random.wrap_key_data(jnp.asarray(key))
    raise TypeError(
        f"{name} must be a JAX random key such as jax.random.key(0), got {type(key).__name__}"
    )


def check_float_dtype(dtype, name: str = "dtype") -> np.dtype:
    """``float32`` or ``float64`` as a NumPy dtype; ``ValueError`` naming ``name`` otherwise."""
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        resolved = None
    if resolved not in (np.float32, np.float64):
        raise ValueError(f"{name} must be float32 or float64 (jnp.float32, jnp.float64), got {dtype!r}")
    return resolved


def check_magnitude(value, name: str, *, scale: bool = False) -> np.ndarray:
    """Reject values whose squares would overflow float64: |value| ≤ ``MAX_MAGNITUDE`` (1e150), and
    for a scale (``scale=True``) also ≥ 1/``MAX_MAGNITUDE``. ``ValueError`` naming ``name`` and the
    representable range; rescale the data (e.g. grams to kilograms) to fit."""
    array = check_finite(value, name)
    largest = np.max(np.abs(array), initial=0.0)
    if largest > MAX_MAGNITUDE:
        raise ValueError(
            f"{name} must be at most {MAX_MAGNITUDE:.0e} in magnitude (their squares must fit in float64), "
            f"got {largest:.3g}; rescale the data"
        )
    if scale and np.min(np.abs(array), initial=np.inf) < 1 / MAX_MAGNITUDE:
        raise ValueError(
            f"{name} must be at least {1 / MAX_MAGNITUDE:.0e} (1/{name}² must fit in float64), "
            f"got {np.min(np.abs(array)):.3g}; rescale the data"
        )
    return array


def check_scalar(value, name: str) -> float:
    """A single real number (Python, NumPy or 0-d array) as a float: ``TypeError`` naming ``name`` for a
    bool, a string, bytes or None (which NumPy would turn into 1.0 or fail on later), ``ValueError``
    for an array of another shape."""
    is_bool = isinstance(value, (bool, np.bool_)) or getattr(value, "dtype", None) in (np.bool_,)
    if is_bool or isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name} must be a number, got {type(value).__name__}: {value!r}")
    if np.ndim(value) != 0:
        raise ValueError(f"{name} must be a scalar, got shape {np.shape(value)}")
    return float(as_float_array(value, name))


def check_memory(
    num_bytes: float, what: str, sizes: dict[str, int] | None = None, smallest: dict[str, int] | None = None
) -> None:
    """``ValueError`` saying how much memory ``what`` needs when it exceeds ``MEMORY_LIMIT_BYTES``.

    ``sizes`` maps the arguments the need grows with, about in proportion (as the user knows them:
    ``"num_chains"``, ``"len(grid)"``), to their values. The message names each that could be
    lowered enough on its own (not below its ``smallest`` allowed value, default 1), with the
    largest value that would fit, value × limit / need (rounded down; "about", where the need is
    only roughly proportional to it)."""
    if num_bytes <= MEMORY_LIMIT_BYTES:
        return
    excess = num_bytes / MEMORY_LIMIT_BYTES
    needed = (
        f"{what} would need {num_bytes / 2**30:,.1f} GiB of memory, {excess:,.3g} times the limit of "
        f"{MEMORY_LIMIT_BYTES / 2**30:.0f} GiB"
    )
    sizes, smallest = sizes or {}, smallest or {}
    fits = {name: int(value / excess) for name, value in sizes.items()}
    lowerable = [
        f"{name} = {sizes[name]:,} to at most about {fit:,}"
        for name, fit in fits.items()
        if fit >= smallest.get(name, 1)
    ]
    if lowerable:
        raise ValueError(f"{needed}: lower {' or '.join(lowerable)}")
    if sizes:
        named = ", ".join(f"{name} = {value:,}" for name, value in sizes.items())
        raise ValueError(f"{needed}: lower several of {named}")
    raise ValueError(needed)


def cached_by_counts(*names: str):
    """``functools.cache`` for a builder whose arguments are positive integers named ``names``,
    validated (``check_positive_int``) before the cache is consulted: otherwise ``True`` would hit
    the entry of 1, ``2.0`` that of 2, and ``[20]`` would fail as unhashable."""

    def decorate(build):
        cached = functools.cache(build)

        @functools.wraps(build)
        def builder(*counts):
            if len(counts) != len(names):
                raise TypeError(
                    f"{build.__name__} takes {len(names)} arguments ({', '.join(names)}), got {len(counts)}"
                )
            return cached(*(check_positive_int(count, name) for count, name in zip(counts, names)))

        return builder

    return decorate


def check_prior_fields(prior, location_field: str = "mean_loc") -> None:
    """Validate and normalise a frozen dataclass of scalar prior fields in place: each must be a
    number (not a bool, string or None) and a scalar, ``location_field`` finite and the others
    positive, all within ``check_magnitude``'s range; each is stored back as a float. Skipped
    when JAX rebuilds the prior from tracers."""
    values = {field.name: getattr(prior, field.name) for field in dataclasses.fields(prior)}
    if is_traced(*values.values()):
        return
    for field_name, value in values.items():
        name = f"prior.{field_name}"
        value = check_scalar(value, name)
        if field_name != location_field:
            check_positive(value, name)
        value = check_magnitude(value, name, scale=field_name != location_field)
        object.__setattr__(prior, field_name, float(value))


def register_prior_pytree(prior_class: type) -> type:
    """Register a frozen prior dataclass as a JAX pytree whose leaves are its fields, in order, so
    that priors pass through ``jit`` and ``vmap`` as arguments. Flattening reads the fields (no
    deep copy, which ``dataclasses.astuple`` would make of every array); unflattening bypasses
    ``__post_init__``, since JAX rebuilds priors from tracers and placeholders and the checks ran
    when the user built the prior. Returns the class."""
    fields = tuple(field.name for field in dataclasses.fields(prior_class))

    def unflatten(_, values):
        prior = object.__new__(prior_class)
        for name, value in zip(fields, values):
            object.__setattr__(prior, name, value)
        return prior

    def flatten(prior):
        return tuple(getattr(prior, name) for name in fields), None

    jax.tree_util.register_pytree_node(prior_class, flatten, unflatten)
    return prior_class
