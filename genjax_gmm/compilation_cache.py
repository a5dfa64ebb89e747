"""A persistent JAX compilation cache, so that a notebook's second run compiles nothing.

XLA compilation is most of the time a first call of a sampler takes (seconds on a laptop CPU).
JAX can keep compiled programs on disk and reuse them in later processes: a re-run notebook,
the chapter and solution twins in one test run, the next day's class. Importing ``genjax_gmm``
turns this on with ``enable_compilation_cache()``:

* the cache lives in ``$JAX_COMPILATION_CACHE_DIR`` if that is set (JAX's own variable), else in
  ``$XDG_CACHE_HOME/genjax_gmm/jax``, else ``~/.cache/genjax_gmm/jax``;
* every program is kept (``MIN_COMPILE_SECONDS`` = 0; JAX's default, 1 s, would skip most of
  this package's programs): also the hundreds of small ones that eager code compiles op by op,
  each 10–50 ms to compile and less to read back. They are a third of a warm re-run of
  Chapter 5 (19.0 s with a 0.1-s threshold, 13.3 s without, on a loaded 2-core machine), for
  about 4 MB of cache per chapter;
* the folder has no size limit, as in JAX's default. JAX's size limit
  (``jax_compilation_cache_max_size``) makes every write lock the folder, then stat every entry
  and read its access time to choose what to evict: work that grows with the folder, about 9 ms
  per program written once it holds a few hundred, which made a test run on a machine with an
  empty ``~/.cache`` 50 s slower (docs/benchmarks.md). Without it a write is one file. A process
  that reads an entry while another is still writing it cannot decompress it: JAX warns and
  compiles the program again. A full test run adds about 21 MB, and only new programs (another
  JAX version, changed code) add more; delete the folder to empty it;
* ``GENJAX_GMM_COMPILATION_CACHE=0`` in the environment turns it off (set it before importing
  ``genjax_gmm``); so does ``jax.config.update("jax_enable_compilation_cache", False)``.

Delete the folder to empty the cache; JAX keys every entry by the program, the JAX and XLA
versions and the machine's backend, so a stale entry is never used.
"""

from __future__ import annotations

import os
from pathlib import Path

import jax

__all__ = ["MIN_COMPILE_SECONDS", "DISABLE_VARIABLE", "cache_directory", "enable_compilation_cache"]

MIN_COMPILE_SECONDS = 0.0
DISABLE_VARIABLE = "GENJAX_GMM_COMPILATION_CACHE"


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
