"""How long JAX spends compiling inside a block of code, for the no-recompilation tests."""

import contextlib

import jax


@contextlib.contextmanager
def compile_seconds():
    """Seconds spent in JAX tracing, lowering and XLA compilation inside the block, from the
    ``/jax/core/compile/*`` duration events of ``jax.monitoring``."""
    spent = [0.0]

    def listener(event: str, duration: float, **_) -> None:
        if event.startswith("/jax/core/compile/"):
            spent[0] += duration

    jax.monitoring.register_event_duration_secs_listener(listener)
    try:
        yield spent
    finally:
        jax.monitoring.unregister_event_duration_listener(listener)
