"""Relabelling by mean and by matching, and the label-free summaries, on hand-built draws and Gibbs runs."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from harness.compilation import compilations

import genjax_gmm as gg
from genjax_gmm import (
    GibbsResult,
    ImportanceResult,
    assignment_probabilities,
    co_assignment_matrix,
    gibbs,
    relabel_by_matching,
    relabel_by_mean,
)
from genjax_gmm import multivariate as mv

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
    with pytest.raises(TypeError, match="result must be one of GibbsResult, ImportanceResult"):
        relabel_by_matching(np.zeros((2, 3)))
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="max_iterations must be a positive integer"):
            relabel_by_matching(_gibbs_like(), max_iterations=bad)
    without = GibbsResult(**{**_gibbs_like().__dict__, "assignments": None})
    with pytest.raises(ValueError, match="keep_assignments=True"):
        assignment_probabilities(without)
    assert relabel_by_mean(without).assignments is None


def _own_parameters(result, name):
    """Per draw and point, the ``name`` of the component the point is assigned to."""
    values, assignments = np.asarray(getattr(result, name)), np.asarray(result.assignments)
    index = assignments.reshape(*assignments.shape, *(1,) * (values.ndim - assignments.ndim))
    return np.take_along_axis(values, index, axis=assignments.ndim - 1)


def test_matching_undoes_label_switching_between_chains():
    result = _gibbs_like()
    relabelled = relabel_by_matching(result)
    for name in ("weights", "means", "stds", "assignments"):
        np.testing.assert_array_equal(getattr(relabelled, name)[0], getattr(relabelled, name)[1])
        if name != "assignments":  # a point keeps its component's parameters
            np.testing.assert_array_equal(_own_parameters(relabelled, name), _own_parameters(result, name))


def test_matching_equals_ordering_when_the_means_separate():
    # Two chains of a well-separated 1-D posterior: ordering by mean is right in every draw,
    # and matching to the reference finds the same permutation.
    data = np.asarray(gg.MYSTERY_BENTO_WEIGHTS)
    prior = gg.GMMPrior(concentration=1.0, mean_loc=425.0, mean_scale=100.0, var_shape=2.0, var_scale=8.0)
    result = gibbs(jax.random.key(0), data, 2, prior, num_sweeps=400, num_chains=2)
    by_mean, by_matching = relabel_by_mean(result), relabel_by_matching(result)
    for name in ("weights", "means", "stds", "assignments"):
        np.testing.assert_array_equal(getattr(by_matching, name), getattr(by_mean, name))


@pytest.fixture(scope="module")
def penguin_draws():
    """A real ``mv.gibbs`` run, K = 3, on (bill length, flipper length) of the Palmer penguins."""
    penguins = gg.PENGUINS
    prior = mv.NIWPrior(
        concentration=1.0,
        mean_loc=penguins.mean(axis=0),
        mean_pseudo_count=0.1,
        df=6.0,
        scale_matrix=3.0 * np.diag(penguins.var(axis=0)) / 4,
    )
    return mv.gibbs(jax.random.key(1), penguins, 3, prior, num_sweeps=1500, num_chains=4)


def test_ordering_by_bill_length_fails_on_the_penguins_and_matching_does_not(penguin_draws):
    # Chinstrap and Gentoo bills differ by 1.3 mm (48.8 and 47.5 mm) and their flippers by 21 mm
    # (196 and 217 mm). Ordering by the first coordinate, bill length, calls the Chinstrap
    # component "1" in the draws where its bill mean falls below Gentoo's; matching does not.
    species_means = [gg.PENGUINS[gg.PENGUIN_SPECIES == s].mean(axis=0) for s in range(3)]
    assert abs(species_means[1][0] - 48.8) < 0.05 and abs(species_means[2][0] - 47.5) < 0.05
    flippers = {name: np.asarray(relabel(penguin_draws).means)[..., 1] for name, relabel in
                [("by mean", relabel_by_mean), ("by matching", relabel_by_matching)]}
    # Component 1 should be Gentoo (long flippers) and 2 Chinstrap (short) in every draw.
    swapped = {name: np.mean(flipper[..., 1] < flipper[..., 2]) for name, flipper in flippers.items()}
    assert swapped["by mean"] > 0.02
    assert swapped["by matching"] == 0.0
    # After matching, the four chains agree on every component's flipper mean to within 1 mm.
    chain_means = flippers["by matching"].mean(axis=1)  # (chain, component)
    assert np.all(np.ptp(chain_means, axis=0) < 1.0)
    adelie, chinstrap, gentoo = (means[1] for means in species_means)
    assert np.all(np.abs(chain_means.mean(axis=0) - [adelie, gentoo, chinstrap]) < 2.0)
    # Matching only renames: every penguin keeps its component's mean and covariance.
    matched = relabel_by_matching(penguin_draws)
    for name in ("means", "covariances", "weights"):
        np.testing.assert_array_equal(_own_parameters(matched, name), _own_parameters(penguin_draws, name))


def test_relabelling_keeps_the_kind_of_array(penguin_draws):
    # mv.gibbs returns NumPy draws: relabelled, they stay NumPy, so a notebook's NumPy code on them
    # compiles nothing. gibbs returns JAX arrays: they stay JAX arrays.
    data = np.asarray(gg.MYSTERY_BENTO_WEIGHTS)
    prior = gg.GMMPrior(concentration=1.0, mean_loc=425.0, mean_scale=100.0, var_shape=2.0, var_scale=8.0)
    one_dimensional = gibbs(jax.random.key(0), data, 2, prior, num_sweeps=400, num_chains=2)
    for result, kind in [(penguin_draws, np.ndarray), (one_dimensional, jax.Array)]:
        for relabel in (relabel_by_mean, relabel_by_matching):
            relabelled = relabel(result)
            for name in ("weights", "means", "assignments"):
                assert isinstance(getattr(result, name), kind)
                assert isinstance(getattr(relabelled, name), kind), (relabel.__name__, name)
    with compilations() as compiled:
        means = relabel_by_mean(penguin_draws).means
        np.mean(means[..., 0, 1] < means[..., 1, 1])
    assert compiled.count == 0


def test_the_multivariate_summaries_use_matching(penguin_draws):
    matched = relabel_by_matching(penguin_draws)
    exported = gg.to_inference_data(penguin_draws)["posterior"]["means"].values
    np.testing.assert_array_equal(exported, np.asarray(matched.means))
    probabilities = assignment_probabilities(penguin_draws)
    draws = np.asarray(matched.assignments).reshape(-1, gg.PENGUINS.shape[0])
    np.testing.assert_allclose(probabilities[:, 2], np.mean(draws == 2, axis=0))
