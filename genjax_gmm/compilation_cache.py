"""A persistent JAX compilation cache, so that a notebook's second run compiles nothing.

XLA compilation is most of the time a first call of a sampler takes. JAX can keep compiled
programs on disk and reuse them in later processes: a re-run notebook, the chapter and solution
twins in one test run, the next day's class. Importing ``genjax_gmm`` turns this on with
``enable_compilation_cache()``:

* the cache lives in ``$JAX_COMPILATION_CACHE_DIR`` if that is set (JAX's own variable), else in
  ``$XDG_CACHE_HOME/genjax_gmm/jax``, else ``~/.cache/genjax_gmm/jax``;
* every program is kept (``MIN_COMPILE_SECONDS`` = 0; JAX's default, 1 s, would skip most of
  this package's programs), also the many small ones that eager code compiles one operation at
  a time, which cost more to compile than to read back;
* the folder has no size limit, as in JAX's default. With a limit
  (``jax_compilation_cache_max_size``) every write locks the folder and reads every entry's
  access time to choose what to evict, work that grows with the folder; without it a write is
  one file. A process that reads an entry while another is still writing it cannot decompress
  it: JAX warns and compiles the program again. Only new programs (another JAX version, changed
  code) make the folder grow;
* ``GENJAX_GMM_COMPILATION_CACHE=0`` in the environment turns it off (set it before importing
  ``genjax_gmm``); so does ``jax.config.update("jax_enable_compilation_cache", False)``.

Delete the folder to empty the cache; JAX keys every entry by the program, the JAX and XLA
versions and the machine's backend, so a stale entry is never used. What it saves is measured
in docs/benchmarks.md.
"""

from __future__ import annotations

import os
from pathlib import Path

import jax

__all__ = ["MIN_COMPILE_SECONDS", "DISABLE_VARIABLE", "QUICK_COMPILE", "cache_directory", "enable_compilation_cache"]

MIN_COMPILE_SECONDS = 0.0
DISABLE_VARIABLE = "GENJAX_GMM_COMPILATION_CACHE"

QUICK_COMPILE = {"xla_backend_optimization_level": 0, "xla_llvm_disable_expensive_passes": True}
"""XLA options (``jax.jit(..., compiler_options=QUICK_COMPILE)``) for a program that runs once per
call and does little work, such as a sampler's start or a check's simulation: without XLA's slow
optimisations it compiles in about half the time, and running it a little slower costs
milliseconds."""


def cache_directory() -> Path:
    """Where the cache lives: ``$JAX_COMPILATION_CACHE_DIR``, else the user's cache directory."""
    if os.environ.get("JAX_COMPILATION_CACHE_DIR"):
        return Path(os.environ["JAX_COMPILATION_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "genjax_gmm" / "jax"


def enable_compilation_cache() -> Path | None:
    """Point JAX's persistent compilation cache at ``cache_directory()`` unless turned off by
    ``GENJAX_GMM_COMPILATION_CACHE=0``; returns the directory (None when off). A directory that
    cannot be created leaves JAX without a cache: the course runs, only slower."""
    if os.environ.get(DISABLE_VARIABLE, "1").strip().lower() in {"0", "false", "no", "off"}:
        return None
    directory = cache_directory()
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    jax.config.update("jax_compilation_cache_dir", str(directory))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", MIN_COMPILE_SECONDS)
    return directory
