"""Label switching, and summaries of posterior draws that do not depend on labels.

The mixture posterior is unchanged when the component labels are permuted (the prior treats
all components alike), so it has K! symmetric copies, and a sampler that moves between them
makes "the posterior mean of μ₁" meaningless. Two remedies:

* ``relabel_by_mean``: in every draw, renumber the components in increasing order of their
  means (the identifiability constraint μ₁ < μ₂ < … < μ_K; for D-dimensional means, of their
  first coordinate: ``components.order_by_mean``, the order EM and k-means report too),
  permuting weights, means, stds (or covariances) and assignments alike. Per-component
  summaries (posterior mean of μ_k, P(z_i = k | x)) are then meaningful as long as the
  components are well separated.
* label-free summaries, unchanged by any permutation: the co-assignment matrix
  P(z_i = z_j | x), the probability that points i and j come from the same component.
"""

from __future__ import annotations

import dataclasses

import jax
import numpy as np

from ..components import order_by_mean
from ..inference.gibbs import GibbsResult
from ..inference.importance import ImportanceResult
from ..multivariate.gibbs import MultivariateGibbsResult
from ..validation import check_memory
from ..variational.draws import MultivariateVariationalDraws, VariationalDraws

__all__ = ["relabel_by_mean", "co_assignment_matrix", "assignment_probabilities"]

DRAWS = (GibbsResult, ImportanceResult, MultivariateGibbsResult, VariationalDraws, MultivariateVariationalDraws)
"""The results that hold draws of a mixture's components: a sampler's, or draws from a variational q."""


def _check_result(result) -> None:
    if not isinstance(result, DRAWS):
        names = ", ".join(kind.__name__ for kind in DRAWS)
        raise TypeError(f"result must be one of {names}, got {type(result).__name__}")


def relabel_by_mean[
    Result: (GibbsResult, ImportanceResult, MultivariateGibbsResult, VariationalDraws, MultivariateVariationalDraws)
](result: Result) -> Result:
    """``result`` with the components of every draw ordered by increasing mean.

    With ``order = argsort(means)`` per draw, new component j is old component order[j]; an
    assignment z = k becomes rank[k], where rank = argsort(order) is the inverse permutation.
    """
    _check_result(result)
    component_axis = result.weights.ndim - 1
    order = order_by_mean(result.means, vectors=result.means.ndim > result.weights.ndim)

    def permuted(values):
        indices = order.reshape(order.shape + (1,) * (values.ndim - order.ndim))
        return jax.device_put(np.take_along_axis(np.asarray(values), indices, axis=component_axis))

    parameters = ("weights", "means", "stds", "covariances")
    names = [field.name for field in dataclasses.fields(result) if field.name in parameters]
    relabelled = {name: permuted(getattr(result, name)) for name in names}
    if result.assignments is not None:
        rank = np.argsort(order, axis=-1).astype(result.assignments.dtype)
        relabelled["assignments"] = jax.device_put(np.take_along_axis(rank, np.asarray(result.assignments), axis=-1))
    return dataclasses.replace(result, **relabelled)


def _draws_by_point(assignments) -> np.ndarray:
    """``assignments`` (…, N) as an integer (draws, N) array; ``TypeError``/``ValueError`` otherwise."""
    array = np.asarray(assignments)
    if not np.issubdtype(array.dtype, np.integer):
        raise TypeError(f"assignments must be an integer array, got dtype {array.dtype}")
    if array.ndim < 1 or array.size == 0:
        raise ValueError(
            f"assignments must have shape (..., num_draws, N) with N >= 1, got shape {array.shape}"
        )
    if np.any(array < 0):
        raise ValueError("assignments must be non-negative component indices")
    return array.reshape(-1, array.shape[-1])


def co_assignment_matrix(assignments) -> np.ndarray:
    """P(z_i = z_j | x) (N, N), the fraction of draws in which points i and j share a component.

    ``assignments`` has shape (…, num_draws, N); all leading axes (e.g. chains) are pooled.
    Only equality of labels matters, so the labels are first renumbered 0 … L−1 (L distinct
    labels, however large they are); then P = Σ_k A_kᵀ A_k / M with A_k the (M draws × N)
    indicator of z = k.
    """
    draws = _draws_by_point(assignments)
    labels, dense = np.unique(draws, return_inverse=True)
    dense = dense.reshape(draws.shape)
    check_memory(8.0 * draws.size * labels.size, f"a co-assignment matrix over {labels.size} distinct labels")
    indicators = (dense[None] == np.arange(labels.size)[:, None, None]).astype(np.float64)  # (L, M, N)
    return np.einsum("kmi,kmj->ij", indicators, indicators) / draws.shape[0]


def assignment_probabilities(result) -> np.ndarray:
    """P(z_i = k | x) (N, K) after ``relabel_by_mean``: the fraction of draws (all chains pooled)
    in which point i belongs to the component with the k-th smallest mean (first coordinate)."""
    _check_result(result)
    if result.assignments is None:
        raise ValueError("result holds no assignments; run gibbs(..., keep_assignments=True)")
    draws = _draws_by_point(relabel_by_mean(result).assignments)
    return np.stack([np.mean(draws == k, axis=0) for k in range(result.weights.shape[-1])], axis=-1)
