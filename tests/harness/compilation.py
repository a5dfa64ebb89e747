"""How many programs JAX compiles inside a block of code, for the no-recompilation tests."""

import contextlib
import dataclasses

import jax

BACKEND_COMPILE = "/jax/core/compile/backend_compile_duration"


@dataclasses.dataclass
class Compilations:
    """``count``: programs compiled, or read from the persistent compilation cache (each is a miss
    of a jitted function's in-memory cache, one XLA compilation request); ``seconds``: time spent
    tracing, lowering and compiling (``/jax/core/compile/*`` events)."""

    count: int = 0
    seconds: float = 0.0


@contextlib.contextmanager
def compilations():
    """Count the compilations inside the ``with`` block (``jax.monitoring`` duration events)."""
    seen = Compilations()

    def listener(event: str, duration: float, **_) -> None:
        if event.startswith("/jax/core/compile/"):
            seen.seconds += duration
            seen.count += event == BACKEND_COMPILE

    jax.monitoring.register_event_duration_secs_listener(listener)
    try:
        yield seen
    finally:
        jax.monitoring.unregister_event_duration_listener(listener)
