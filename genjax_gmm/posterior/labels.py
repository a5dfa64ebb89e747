"""Label switching, and summaries of posterior draws that do not depend on labels.

The mixture posterior is unchanged when the component labels are permuted (the prior treats
all components alike), so it has K! symmetric copies, and a sampler that moves between them
makes "the posterior mean of μ₁" meaningless. Three remedies:

* ``relabel_by_mean``: in every draw, renumber the components in increasing order of their
  means (the identifiability constraint μ₁ < μ₂ < … < μ_K; for D-dimensional means, of their
  first coordinate: ``components.order_by_mean``, the order EM and k-means report too),
  permuting weights, means, stds (or covariances) and assignments alike. Per-component
  summaries (posterior mean of μ_k, P(z_i = k | x)) are then meaningful as long as that one
  coordinate separates the components in every draw.
* ``relabel_by_matching``: match every draw's components to a reference (the Hungarian
  algorithm, ``scipy.optimize.linear_sum_assignment``, on standardised distances between
  means), and re-estimate the reference from the matched draws until no draw changes (the
  k-means-like relabelling of Celeux 1998 and Stephens 2000). It needs no coordinate that
  separates the components, only means that do; the multivariate summaries use it.
* label-free summaries, unchanged by any permutation: the co-assignment matrix
  P(z_i = z_j | x), the probability that points i and j come from the same component.
"""

from __future__ import annotations

import dataclasses

import jax
import numpy as np
from scipy.optimize import linear_sum_assignment

from ..components import order_by_mean
from ..inference.gibbs import GibbsResult
from ..inference.importance import ImportanceResult
from ..inference.smc import SMCResult
from ..multivariate.gibbs import MultivariateGibbsResult
from ..validation import check_finite, check_memory
from ..variational.draws import MultivariateVariationalDraws, VariationalDraws

__all__ = ["relabel_by_mean", "relabel_by_matching", "co_assignment_matrix", "assignment_probabilities"]

DRAWS = (GibbsResult, ImportanceResult, SMCResult, MultivariateGibbsResult, VariationalDraws,
         MultivariateVariationalDraws)
"""The results that hold draws of a mixture's components: a sampler's (a particle filter's weighted
particles included), or draws from a variational q."""

type Result = (
    GibbsResult | ImportanceResult | SMCResult | MultivariateGibbsResult | VariationalDraws
    | MultivariateVariationalDraws
)


def _check_result(result) -> None:
    if not isinstance(result, DRAWS):
        names = ", ".join(kind.__name__ for kind in DRAWS)
        raise TypeError(f"result must be one of {names}, got {type(result).__name__}")


_PER_COMPONENT = ("weights", "means", "stds", "variances", "covariances")


def _like(original, values: np.ndarray):
    """``values`` as the kind of array ``original`` is: a NumPy array stays in NumPy (so that
    later NumPy code on it compiles nothing), a JAX array goes back to the device."""
    return values if isinstance(original, np.ndarray) else jax.device_put(values)


def _permuted[R: Result](result: R, order: np.ndarray) -> R:
    """``result`` with new component j = old component order[…, j] in every draw; an assignment
    z = k becomes rank[k], where rank = argsort(order) is the inverse permutation."""
    component_axis = result.weights.ndim - 1

    def permuted(values):
        indices = order.reshape(order.shape + (1,) * (values.ndim - order.ndim))
        return _like(values, np.take_along_axis(np.asarray(values), indices, axis=component_axis))

    names = [field.name for field in dataclasses.fields(result) if field.name in _PER_COMPONENT]
    relabelled = {name: permuted(getattr(result, name)) for name in names}
    if result.assignments is not None:
        rank = np.argsort(order, axis=-1).astype(result.assignments.dtype)
        assignments = np.take_along_axis(rank, np.asarray(result.assignments), axis=-1)
        relabelled["assignments"] = _like(result.assignments, assignments)
    return dataclasses.replace(result, **relabelled)


def _means_as_vectors(result) -> np.ndarray:
    """The draws' means as a (…, K, D) array (D = 1 for scalar means)."""
    means = np.asarray(result.means)
    return means if means.ndim > result.weights.ndim else means[..., None]


def relabel_by_mean[R: Result](result: R) -> R:
    """``result`` with the components of every draw ordered by increasing mean (the first
    coordinate of vector means)."""
    _check_result(result)
    return _permuted(result, order_by_mean(result.means, vectors=result.means.ndim > result.weights.ndim))


def _matching_order(means: np.ndarray, reference: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Per draw of ``means`` (M, K, D), the permutation order (K,) minimising
    Σ_j |(μ_order[j] − reference_j) / scale|²: the Hungarian algorithm on the K × K cost matrix."""
    costs = np.sum(((reference[None, :, None, :] - means[:, None, :, :]) / scale) ** 2, axis=-1)  # (M, j, old)
    return np.stack([linear_sum_assignment(cost)[1] for cost in costs])


def relabel_by_matching[R: Result](result: R, max_iterations: int = 20) -> R:
    """``result`` with the components of every draw matched to a common reference.

    Each coordinate is measured in units of the spread of all draws' means (its standard
    deviation over draws and components). The reference starts as the component-wise average
    of the draws ordered by mean (``relabel_by_mean``); then, until no draw's permutation
    changes (at most ``max_iterations`` rounds), every draw is permuted to minimise the summed
    squared distance of its means to the reference (``scipy.optimize.linear_sum_assignment``)
    and the reference becomes the average of the permuted draws. Finally the reference's
    components are ordered by mean, so that when one coordinate separates the components in
    every draw the result equals ``relabel_by_mean``'s.
    """
    _check_result(result)
    if isinstance(max_iterations, bool) or not isinstance(max_iterations, int) or max_iterations < 1:
        raise ValueError(f"max_iterations must be a positive integer, got {max_iterations!r}")
    means = _means_as_vectors(result)
    batch_shape, (num_components, dimension) = means.shape[:-2], means.shape[-2:]
    flat = means.reshape(-1, num_components, dimension)
    spread = flat.reshape(-1, dimension).std(axis=0)
    scale = np.where(spread > 0, spread, 1.0)
    order = order_by_mean(flat, vectors=True)
    for _ in range(max_iterations):
        reference = np.take_along_axis(flat, order[..., None], axis=1).mean(axis=0)
        new_order = _matching_order(flat, reference, scale)
        if np.array_equal(new_order, order):
            break
        order = new_order
    reference = np.take_along_axis(flat, order[..., None], axis=1).mean(axis=0)
    order = order[:, order_by_mean(reference, vectors=True)]
    return _permuted(result, order.reshape(*batch_shape, num_components))


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


def _draw_weights(weights, num_draws: int) -> np.ndarray:
    """``weights`` (one per draw, non-negative, not all 0) normalised to sum to 1; uniform if None."""
    if weights is None:
        return np.full(num_draws, 1.0 / num_draws)
    weights = check_finite(weights, "weights").ravel()
    if weights.size != num_draws:
        raise ValueError(f"weights must hold one number per draw ({num_draws}), got {weights.size}")
    if np.any(weights < 0) or not np.any(weights > 0):
        raise ValueError("weights must be non-negative and not all 0")
    return weights / weights.sum()


def co_assignment_matrix(assignments, weights=None) -> np.ndarray:
    """P(z_i = z_j | x) (N, N), the fraction of draws in which points i and j share a component.

    ``assignments`` has shape (…, num_draws, N); all leading axes (e.g. chains) are pooled.
    ``weights`` (one per draw, e.g. ``np.exp(result.log_particle_weights)`` of a particle filter)
    makes it the weighted fraction. Only equality of labels matters, so the labels are first
    renumbered 0 … L−1 (L distinct labels, however large they are); then P = Σ_k A_kᵀ D A_k with
    A_k the (M draws × N) indicator of z = k and D the diagonal of the normalised weights (1/M each).
    """
    draws = _draws_by_point(assignments)
    draw_weights = _draw_weights(weights, draws.shape[0])
    labels, dense = np.unique(draws, return_inverse=True)
    dense = dense.reshape(draws.shape)
    check_memory(
        8.0 * draws.size * labels.size,
        f"a co-assignment matrix over {labels.size:,} distinct labels",
        {"the number of draws": draws.shape[0], "the number of distinct labels": labels.size},
    )
    indicators = (dense[None] == np.arange(labels.size)[:, None, None]).astype(np.float64)  # (L, M, N)
    return np.einsum("kmi,kmj->ij", indicators * draw_weights[:, None], indicators)


def _relabel[R: Result](result: R) -> R:
    """The summaries' relabelling: ``relabel_by_mean`` for scalar means, ``relabel_by_matching``
    for vector means, where no single coordinate need separate the components."""
    _check_result(result)
    vectors = np.ndim(result.means) > np.ndim(result.weights)
    return relabel_by_matching(result) if vectors else relabel_by_mean(result)


def assignment_probabilities(result: Result) -> np.ndarray:
    """P(z_i = k | x) (N, K) after ``_relabel``: the fraction of draws (all chains pooled; for a
    particle filter's ``SMCResult``, the total weight of the particles) in which point i belongs to
    component k, the k-th smallest by mean (of the matched draws, for vectors)."""
    _check_result(result)
    if result.assignments is None:
        raise ValueError("result holds no assignments; run gibbs(..., keep_assignments=True)")
    draws = _draws_by_point(_relabel(result).assignments)
    weights = np.exp(result.log_particle_weights) if isinstance(result, SMCResult) else None
    draw_weights = _draw_weights(weights, draws.shape[0])
    return np.stack([draw_weights @ (draws == k) for k in range(result.weights.shape[-1])], axis=-1)
