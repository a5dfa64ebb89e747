"""Dahl's least-squares partition against a direct computation of its criterion and of the
expected Binder loss, pair by pair, on hand-made and random draws; its invariance to labels."""

import numpy as np
import pytest

import genjax_gmm as gg


def co_assignment(draws):
    n = draws.shape[1]
    return np.array([[np.mean(draws[:, i] == draws[:, j]) for j in range(n)] for i in range(n)])


def squared_distance(partition, pi):
    n = partition.size
    return sum((float(partition[i] == partition[j]) - pi[i, j]) ** 2 for i in range(n) for j in range(n))


def expected_binder(partition, draws):
    """E[#pairs treated differently by the partition and a draw], averaged over the draws."""
    n = partition.size
    return np.mean([sum((partition[i] == partition[j]) != (z[i] == z[j]) for i in range(n) for j in range(i + 1, n))
                    for z in draws])


def same_partition(a, b):
    return np.array_equal(a[:, None] == a[None, :], b[:, None] == b[None, :])


def test_a_hand_made_example():
    draws = np.array([[0, 0, 1, 1], [5, 5, 2, 2], [0, 1, 1, 1], [3, 3, 3, 0]])
    estimate = gg.least_squares_partition(draws)
    assert estimate.draw == 0 and estimate.labels.tolist() == [0, 0, 1, 1] and estimate.num_clusters == 2
    # π of the pairs (0,1), (2,3), (1,2), (0,2), (1,3), (0,3): 3/4, 3/4, 2/4, 1/4, 1/4, 0. {0,1}{2,3} gets
    # 1/4 + 1/4 + 2/4 + 1/4 + 1/4 + 0 = 1.5 pairs wrong on average; {0}{1,2,3} and {0,1,2}{3} get 2.5.
    assert np.allclose(estimate.co_assignment, co_assignment(draws))
    assert estimate.expected_pair_errors == pytest.approx(1.5) == expected_binder(draws[0], draws)


@pytest.mark.parametrize("seed", range(4))
def test_the_chosen_draw_minimises_both_criteria_among_the_draws(seed):
    rng = np.random.default_rng(seed)
    centres = rng.integers(0, 3, 9)  # noisy copies of one partition
    draws = np.where(rng.random((60, 9)) < 0.3, rng.integers(0, 5, (60, 9)), centres)
    estimate = gg.least_squares_partition(draws)
    pi = co_assignment(draws)
    distances = [squared_distance(z, pi) for z in draws]
    binder = [expected_binder(z, draws) for z in draws]
    assert distances[estimate.draw] == pytest.approx(min(distances))
    assert binder[estimate.draw] == pytest.approx(min(binder)) == pytest.approx(estimate.expected_pair_errors)
    assert same_partition(estimate.labels, draws[estimate.draw])


def test_labels_and_chains_do_not_matter():
    rng = np.random.default_rng(5)
    draws = rng.integers(0, 4, (2, 300, 12))  # two chains
    estimate = gg.least_squares_partition(draws)
    permuted = np.array([rng.permutation(10)[chain] for chain in draws.reshape(-1, 12)]).reshape(draws.shape)
    again = gg.least_squares_partition(permuted + 7)
    assert again.draw == estimate.draw and np.array_equal(again.labels, estimate.labels)
    assert gg.least_squares_partition(draws.reshape(600, 12)).draw == estimate.draw
    assert np.allclose(again.co_assignment, estimate.co_assignment)


def test_more_draws_than_one_block():
    rng = np.random.default_rng(6)
    draws = rng.integers(0, 3, (1300, 7))
    estimate = gg.least_squares_partition(draws)
    assert np.allclose(estimate.co_assignment, co_assignment(draws))
    distances = [squared_distance(z, estimate.co_assignment) for z in draws]
    assert distances[estimate.draw] == pytest.approx(min(distances))


@pytest.mark.parametrize(
    "assignments, error, words",
    [
        (np.zeros(5, int), ValueError, "num_draws, N"),
        (np.zeros((3, 0), int), ValueError, "num_draws, N"),
        (np.array([[0, 1.5]]), ValueError, "whole-number"),
        (np.array([[0, np.nan]]), ValueError, "whole-number"),
        ("labels", TypeError, "assignments"),
        (None, TypeError, "assignments"),
    ],
)
def test_bad_input_is_refused_with_the_argument_named(assignments, error, words):
    with pytest.raises(error, match=words):
        gg.least_squares_partition(assignments)
