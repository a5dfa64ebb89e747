"""The persistent compilation cache: where it lives, how to turn it off, and that a second
process really reuses what the first one compiled."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from genjax_gmm import compilation_cache


def test_the_directory_follows_jax_then_xdg_then_home(monkeypatch, tmp_path):
    monkeypatch.delenv("JAX_COMPILATION_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert compilation_cache.cache_directory() == tmp_path / "xdg" / "genjax_gmm" / "jax"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert compilation_cache.cache_directory() == Path.home() / ".cache" / "genjax_gmm" / "jax"
    monkeypatch.setenv("JAX_COMPILATION_CACHE_DIR", str(tmp_path / "jax_own"))
    assert compilation_cache.cache_directory() == tmp_path / "jax_own"


# A child process: import the package, run a first Gibbs call and one eager operation, report
# cache hits and misses.
CHILD = textwrap.dedent(
    """
    import collections, jax, warnings
    events = collections.Counter()
    jax.monitoring.register_event_listener(lambda event, **_: events.update([event]))
    import genjax_gmm as gg
    warnings.simplefilter("ignore")
    gg.gibbs(jax.random.key(0), gg.MYSTERY_BENTO_WEIGHTS, 2, gg.GMMPrior(1, 425, 100, 2, 10), 100)
    jax.numpy.sin(jax.numpy.arange(7.0)).block_until_ready()  # eager: a program of one operation
    print(jax.config.jax_compilation_cache_dir, events["/jax/compilation_cache/cache_hits"],
          events["/jax/compilation_cache/cache_misses"], jax.config.jax_persistent_cache_min_compile_time_secs,
          jax.config.jax_compilation_cache_max_size)
    """
)


def _run_child(environment: dict) -> tuple[str, int, int, float, int]:
    output = subprocess.run(
        [sys.executable, "-c", CHILD], env=environment, capture_output=True, text=True, check=True
    ).stdout.split()
    return output[0], int(output[1]), int(output[2]), float(output[3]), int(output[4])


@pytest.fixture
def child_environment(tmp_path):
    environment = {key: value for key, value in os.environ.items() if key != "JAX_COMPILATION_CACHE_DIR"}
    environment["XDG_CACHE_HOME"] = str(tmp_path)
    return environment


@pytest.mark.slow
def test_a_second_process_compiles_nothing_that_the_first_compiled(child_environment, tmp_path):
    directory, hits, misses, threshold, max_size = _run_child(child_environment)
    assert Path(directory) == tmp_path / "genjax_gmm" / "jax" and hits == 0 and misses > 0
    assert threshold == 0  # every program is kept, however quickly it compiled
    # No size limit: JAX's eviction would lock the folder and scan every entry on every write.
    assert max_size == -1 and not (Path(directory) / ".lockfile").exists()
    assert any(Path(directory).iterdir())
    _, hits_again, misses_again, _, _ = _run_child(child_environment)
    assert hits_again == misses and misses_again == 0  # small eager ones included


def test_the_cache_can_be_turned_off(child_environment, tmp_path):
    child_environment[compilation_cache.DISABLE_VARIABLE] = "0"
    directory, hits, misses, *_ = _run_child(child_environment)
    assert directory == "None" and hits == misses == 0
    assert not (tmp_path / "genjax_gmm").exists()
