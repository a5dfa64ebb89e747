"""The one order of a mixture's components: by increasing mean.

A mixture's likelihood, and a prior that treats all components alike, do not change when the
components are renumbered, so "component 0" means nothing until an order is fixed. The package
fixes one everywhere: μ₁ < μ₂ < … < μ_K, comparing the first coordinates of D-dimensional means
(a stable sort: tied means keep their order). EM and k-means report their fits in this order, and
``posterior.labels.relabel_by_mean`` puts every posterior draw in it.
"""

from __future__ import annotations

import numpy as np

__all__ = ["order_by_mean"]


def order_by_mean(means, *, vectors: bool) -> np.ndarray:
    """The permutations (…, K) that sort the components of ``means`` by increasing mean: new
    component j is old component order[…, j]. ``means`` is (…, K), or (…, K, D) if ``vectors``,
    whose components are compared by their first coordinate. Computed with NumPy on the host, so
    no program is compiled for any shape."""
    keys = np.asarray(means)
    return np.argsort(keys[..., 0] if vectors else keys, axis=-1, kind="stable")
