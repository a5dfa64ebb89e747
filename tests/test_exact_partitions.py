"""The DP mixture's exact P(K | x) by enumeration within groups, against a brute force over every
partition (also those that mix the groups), its bound on what it leaves out, and the numbers an
outside expert derived for the bentos and the coffee.

The brute force is independent of the package: partitions enumerated as restricted growth
strings (``harness.exact_partitions``), the CRP probability α^K Γ(α)/Γ(α + n) Π (n_k − 1)!, and
each block's marginal likelihood as SciPy's multivariate Student-t, x_B ~ t_{2a}(m₀·1,
(b/a)(I + 11ᵀ/κ₀)), computed once per block.
"""

import dataclasses
import functools
import math

import jax
import numpy as np
import pytest
from harness.exact_partitions import set_partitions
from scipy import stats
from scipy.special import gammaln, logsumexp

import genjax_gmm as gg

BENTO_PRIOR = gg.DPMMPrior(1.0, 425.0, 4e-4, 2.0, 10.0)
COFFEE_PRIOR = gg.DPMMPrior(1.0, 120.0, 0.0025, 2.0, 10.0)


def brute_force(data, prior, groups):
    """(P(K | x) over all partitions, the same over those that keep ``groups`` apart, the posterior
    mass of the mixing ones relative to the others, log p(x))."""
    alpha, m0, kappa, a, b = dataclasses.astuple(prior)

    @functools.cache
    def log_block(members):
        x = data[list(members)]
        shape = (b / a) * (np.eye(x.size) + np.ones((x.size, x.size)) / kappa)
        log_m = stats.multivariate_t(loc=np.full(x.size, m0), shape=shape, df=2 * a).logpdf(x)
        return math.log(alpha) + gammaln(x.size) + log_m

    partitions = set_partitions(data.size)
    log_joint = np.array([
        sum(log_block(tuple(np.flatnonzero(z == k))) for k in range(z.max() + 1)) for z in partitions
    ]) + gammaln(alpha) - gammaln(alpha + data.size)
    kept = np.array([all(np.unique(groups[z == k]).size == 1 for k in range(z.max() + 1)) for z in partitions])
    num_clusters = partitions.max(axis=1) + 1

    def p_k(mask):
        weights = np.exp(log_joint[mask] - logsumexp(log_joint[mask]))
        return np.bincount(num_clusters[mask], weights, minlength=data.size + 1)

    mixing = np.exp(logsumexp(log_joint[~kept]) - logsumexp(log_joint[kept]))
    return p_k(np.ones_like(kept)), p_k(kept), mixing, logsumexp(log_joint)


CASES = {
    # data, prior, number of groups
    "two far groups": (np.array([-3.1, -2.9, -3.0, -2.6, 3.0, 3.3, 2.8]), gg.DPMMPrior(1.0, 0.0, 0.1, 2.0, 0.5), 2),
    "two close groups": (
        np.array([-1.2, -0.9, -1.0, 0.4, 0.9, 1.1, 1.0, 1.3]),
        gg.DPMMPrior(0.7, 0.0, 0.2, 2.0, 1.0),
        2,
    ),
    "three groups, far from zero": (
        np.array([500.2, 499.1, 501.3, 350.5, 349.2, 420.0, 421.5, 351.0]),
        gg.DPMMPrior(2.0, 450.0, 0.01, 2.0, 4.0),
        3,
    ),
    "one group": (np.array([0.3, -0.2, 1.1, 0.8, -0.5, 0.0]), gg.DPMMPrior(1.5, 0.0, 0.5, 3.0, 1.0), 1),
}


@pytest.mark.parametrize("data, prior, num_groups", CASES.values(), ids=CASES.keys())
def test_the_enumeration_is_exact_and_its_bound_holds(data, prior, num_groups):
    result = gg.exact_num_clusters(data, prior, num_groups)
    groups = np.searchsorted([group.max() for group in result.groups], data)  # each point's group
    assert sorted(np.concatenate(result.groups).tolist()) == sorted(data.tolist())
    p_all, p_kept, mixing, log_evidence = brute_force(data, prior, groups)
    assert np.allclose(result.probabilities, p_kept, atol=1e-12)  # exact over the partitions kept
    assert mixing <= result.mixing_bound * (1 + 1e-9)  # the bound holds …
    assert np.abs(result.probabilities - p_all).max() <= result.mixing_bound + 1e-12  # … and so does its promise
    assert result.log_evidence <= log_evidence + 1e-9 <= result.log_evidence + math.log1p(result.mixing_bound) + 2e-9
    assert result.mean == pytest.approx(np.arange(data.size + 1) @ p_kept, abs=1e-12)
    if num_groups == 1:
        assert result.mixing_bound == 0.0 and mixing == 0.0
    else:
        assert mixing > 0


@pytest.mark.parametrize("name", ["two far groups", "three groups, far from zero"])
def test_the_bound_is_close_to_what_it_bounds_when_the_groups_are_apart(name):
    data, prior, num_groups = CASES[name]
    result = gg.exact_num_clusters(data, prior, num_groups)
    mixing = brute_force(data, prior, np.searchsorted([group.max() for group in result.groups], data))[2]
    assert mixing <= result.mixing_bound < 3 * mixing


def test_block_sizes_add_up_to_the_probabilities_of_k():
    result = gg.exact_num_clusters(*CASES["three groups, far from zero"])
    assert sum(result.block_sizes.values()) == pytest.approx(1, abs=1e-12)
    by_k = np.zeros(9)
    for sizes, probability in result.block_sizes.items():
        assert [sum(group) for group in sizes] == [group.size for group in result.groups]
        by_k[sum(len(group) for group in sizes)] += probability
    assert np.allclose(by_k, result.probabilities, atol=1e-12)


def test_the_bentos():
    """The outside expert's P(K = 2, 3, 4 | bentos) = 0.881, 0.112, 0.006, and of P(K = 3), 46 % with a
    bento alone at its table (the rest splits a group of near-equal weights)."""
    result = gg.exact_num_clusters(gg.MYSTERY_BENTO_WEIGHTS, BENTO_PRIOR, 2)
    assert np.round(result.probabilities[2:5], 3).tolist() == [0.881, 0.112, 0.006]
    assert result.probabilities[:2].sum() == 0 and result.mixing_bound < 1e-8
    assert [group.size for group in result.groups] == [8, 12]
    three = {sizes: p for sizes, p in result.block_sizes.items() if sum(len(group) for group in sizes) == 3}
    alone = sum(p for sizes, p in three.items() if any(1 in group for group in sizes))
    assert round(alone / result.probabilities[3], 2) == 0.47


def test_the_coffee():
    """The expert's P(K = 3, 4, 5 | coffee, α = 1) = 0.603, 0.311, 0.074 and E[K | x] = 3.50."""
    result = gg.exact_num_clusters(gg.COFFEE_CAFFEINE, COFFEE_PRIOR, 3)
    assert np.round(result.probabilities[3:6], 3).tolist() == [0.603, 0.311, 0.074]
    assert round(result.mean, 2) == 3.50 and result.mixing_bound < 1e-3


@pytest.mark.slow
def test_the_sampler_agrees_with_the_exact_answer_on_the_coffee():
    """dpmm_gibbs's P(K | coffee) against the enumeration: within 0.05 (the chains' Monte Carlo error
    at 2,000 sweeps is about 0.02)."""
    exact = gg.exact_num_clusters(gg.COFFEE_CAFFEINE, COFFEE_PRIOR, 3)
    run = gg.dpmm_gibbs(jax.random.key(11), gg.COFFEE_CAFFEINE, COFFEE_PRIOR, num_sweeps=2000, num_chains=4)
    assert np.abs(gg.posterior_num_clusters(run) - exact.probabilities).max() < 0.05


@pytest.mark.parametrize(
    "arguments, error, words",
    [
        ((np.arange(13.0), COFFEE_PRIOR, 1), ValueError, "at most 12"),
        ((np.array([1.0, 1.0, 2.0]), COFFEE_PRIOR, 3), ValueError, "num_groups"),
        ((np.arange(5.0), COFFEE_PRIOR, 0), ValueError, "num_groups"),
        ((np.arange(5.0), COFFEE_PRIOR, 2.0), TypeError, "num_groups"),
        ((np.arange(5.0), "prior", 1), TypeError, "prior"),
        ((np.array([1.0, np.nan]), COFFEE_PRIOR, 1), ValueError, "data"),
        ((np.ones((2, 2)), COFFEE_PRIOR, 1), ValueError, "data"),
        ((np.add.outer([0.0, 1e3, 2e3, 3e3], np.arange(12.0)).ravel(), COFFEE_PRIOR, 4), ValueError, "combinations"),
    ],
)
def test_bad_input_is_refused_with_the_argument_named(arguments, error, words):
    with pytest.raises(error, match=words):
        gg.exact_num_clusters(*arguments)
