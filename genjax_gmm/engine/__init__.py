"""The machinery under every inference algorithm of the package; it knows no model.

Modules, one idea each:

* ``buckets``: the few data sizes and chain widths a program is compiled for, with masks.
* ``chains``: the kernel protocol (init, step, record, cost) and the compiled, interruptible block loop.
* ``mcmc``: the one driver of every sampler: settings, memory checks, chains, diagnostics, warning.
* ``diagnostics``: split R-hat, effective sample size and the convergence warning.
* ``seeding``: greedy k-means++ starting centres, for the samplers' chains and EM's restarts.
* ``iteration``: fixed-point iterations (EM, k-means) run to convergence in compiled chunks.
"""

from .diagnostics import ConvergenceWarning, effective_sample_size, split_rhat

__all__ = ["ConvergenceWarning", "split_rhat", "effective_sample_size"]
