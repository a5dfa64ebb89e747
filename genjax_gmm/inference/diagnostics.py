"""Old import path of the convergence diagnostics, which live in ``genjax_gmm.engine.diagnostics``."""

from ..engine.diagnostics import ConvergenceWarning, effective_sample_size, split_rhat

__all__ = ["ConvergenceWarning", "split_rhat", "effective_sample_size"]
