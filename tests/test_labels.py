"""Relabelling by mean and the label-free summaries, on hand-built draws and a Gibbs run."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import genjax_gmm as gg
from genjax_gmm import (
    GibbsResult,
    ImportanceResult,
    assignment_probabilities,
    co_assignment_matrix,
    gibbs,
    relabel_by_mean,
)

RNG = np.random.default_rng(0)
NUM_CHAINS, NUM_DRAWS, K, N = 2, 50, 3, 6


def _gibbs_like(permute_second_chain: bool = True) -> GibbsResult:
    """Random draws in which chain 1 is chain 0 with the labels permuted by (2, 0, 1)."""
    weights = RNG.dirichlet(np.ones(K), size=NUM_DRAWS)
    means = RNG.normal(size=(NUM_DRAWS, K)) * 5
    stds = RNG.uniform(0.5, 2.0, size=(NUM_DRAWS, K))
    assignments = RNG.integers(K, size=(NUM_DRAWS, N)).astype(np.int32)
    permutation = np.array([2, 0, 1]) if permute_second_chain else np.arange(K)  # new label j = old permutation[j]
    inverse = np.argsort(permutation)
    stack = lambda first, second: jnp.asarray(np.stack([first, second]))  # noqa: E731
    log_joint = jnp.asarray(RNG.normal(size=(NUM_CHAINS, NUM_DRAWS)))
    return GibbsResult(
        weights=stack(weights, weights[:, permutation]),
        means=stack(means, means[:, permutation]),
        stds=stack(stds, stds[:, permutation]),
        assignments=stack(assignments, inverse[assignments]),
        log_joint=log_joint,
        burn_in=0,
        rhat=1.0,
        ess=100.0,
    )


def test_relabelling_sorts_means_and_keeps_every_point_with_its_component():
    result = _gibbs_like()
    relabelled = relabel_by_mean(result)
    assert np.all(np.diff(np.asarray(relabelled.means), axis=-1) > 0)
    # The component a point belongs to keeps its mean, weight and std under relabelling.
    for name in ("means", "weights", "stds"):
        before = np.take_along_axis(np.asarray(getattr(result, name)), np.asarray(result.assignments), -1)
        after = np.take_along_axis(np.asarray(getattr(relabelled, name)), np.asarray(relabelled.assignments), -1)
        np.testing.assert_array_equal(before, after)
    np.testing.assert_array_equal(relabelled.log_joint, result.log_joint)


def test_label_switched_chains_agree_after_relabelling():
    result = _gibbs_like()
    assert not np.allclose(result.means[0].mean(axis=0), result.means[1].mean(axis=0))  # label switching
    relabelled = relabel_by_mean(result)
    for name in ("weights", "means", "stds", "assignments"):
        np.testing.assert_array_equal(getattr(relabelled, name)[0], getattr(relabelled, name)[1])
    # The co-assignment matrix needs no relabelling at all.
    first, second = (co_assignment_matrix(result.assignments[chain]) for chain in (0, 1))
    np.testing.assert_allclose(first, second)


def test_co_assignment_matrix_by_brute_force():
    assignments = RNG.integers(4, size=(3, 40, 7)).astype(np.int32)
    flat = assignments.reshape(-1, 7)
    brute = np.array([[np.mean(flat[:, i] == flat[:, j]) for j in range(7)] for i in range(7)])
    np.testing.assert_allclose(co_assignment_matrix(assignments), brute, atol=1e-12)
    np.testing.assert_allclose(np.diag(brute), 1.0)


def test_assignment_probabilities_are_the_relabelled_frequencies():
    result = _gibbs_like()
    probabilities = np.asarray(assignment_probabilities(result))
    assert probabilities.shape == (N, K)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    relabelled = np.asarray(relabel_by_mean(result).assignments).reshape(-1, N)
    np.testing.assert_allclose(probabilities[:, 1], np.mean(relabelled == 1, axis=0))


@pytest.mark.filterwarnings("ignore::genjax_gmm.ImportanceWarning")  # joint: a few particles carry the weight
@pytest.mark.parametrize("sampler", [gg.importance_resampling, gg.marginal_importance_resampling])
def test_importance_results_are_relabelled_too(sampler):
    data = np.array([-2.1, -1.6, -2.4, 0.3, 1.9, 2.3, 1.5])
    result = sampler(jax.random.key(3), data, 2, gg.GMMPrior(1.0, 0.0, 2.0, 3.0, 1.0), 4000, 300)
    relabelled = relabel_by_mean(result)
    assert isinstance(relabelled, ImportanceResult)
    assert np.all(np.diff(np.asarray(relabelled.means), axis=-1) >= 0)
    assert not np.all(np.diff(np.asarray(result.means), axis=-1) >= 0)  # the prior's draws came in either order
    for name in ("means", "weights", "stds"):  # every point keeps its component's parameters
        before = np.take_along_axis(np.asarray(getattr(result, name)), np.asarray(result.assignments), -1)
        after = np.take_along_axis(np.asarray(getattr(relabelled, name)), np.asarray(relabelled.assignments), -1)
        np.testing.assert_array_equal(before, after)
    np.testing.assert_array_equal(relabelled.log_weights, result.log_weights)


def test_bento_kinds_from_a_gibbs_run():
    # Twenty mystery bentos, two kinds near 350 g and 500 g: after relabelling, component 0 is
    # the hamburger (lighter) kind, and every bento's kind is near certain.
    data = np.asarray(gg.MYSTERY_BENTO_WEIGHTS)
    prior = gg.GMMPrior(concentration=1.0, mean_loc=425.0, mean_scale=100.0, var_shape=2.0, var_scale=8.0)
    result = gibbs(jax.random.key(0), data, 2, prior, num_sweeps=400, num_chains=2)
    probabilities = np.asarray(assignment_probabilities(result))
    lighter = data < 425
    assert np.all(probabilities[lighter, 0] > 0.99) and np.all(probabilities[~lighter, 1] > 0.99)
    means = np.asarray(relabel_by_mean(result).means).reshape(-1, 2).mean(axis=0)
    assert 340 < means[0] < 360 and 490 < means[1] < 510


def test_bad_input_is_rejected():
    with pytest.raises(TypeError, match="result must be one of GibbsResult, ImportanceResult"):
        relabel_by_mean({"means": np.zeros((2, 3))})
    with pytest.raises(TypeError, match="assignments must be an integer array"):
        co_assignment_matrix(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="non-negative"):
        co_assignment_matrix(np.array([[0, -1, 2]]))
    with pytest.raises(ValueError, match="N >= 1"):
        co_assignment_matrix(np.zeros((3, 0), dtype=int))
    without = GibbsResult(**{**_gibbs_like().__dict__, "assignments": None})
    with pytest.raises(ValueError, match="keep_assignments=True"):
        assignment_probabilities(without)
    assert relabel_by_mean(without).assignments is None
