"""The CRP prior of the number of clusters K, against a count of every partition, and the
reweighting of a posterior over K to another concentration, against recomputing it.

The brute force lists every set partition of n ≤ 8 points and adds up the CRP probability
α^K Γ(α)/Γ(α + n) Π (n_k − 1)! of each: no Stirling numbers involved.
"""

import dataclasses
import math

import numpy as np
import pytest
from scipy import integrate, stats
from scipy.special import gammaln

import genjax_gmm as gg
from genjax_gmm.num_clusters import _log_stirling_first_kind


def set_partitions(n: int):
    """Every partition of range(n) as a list of block sizes."""
    def grow(sizes, remaining):
        if remaining == 0:
            yield list(sizes)
            return
        for block in range(len(sizes)):  # the next point joins an existing block …
            sizes[block] += 1
            yield from grow(sizes, remaining - 1)
            sizes[block] -= 1
        yield from grow([*sizes, 1], remaining - 1)  # … or opens one

    yield from grow([], n)


def brute_force_prior(n: int, alpha: float) -> np.ndarray:
    p = np.zeros(n + 1)
    for sizes in set_partitions(n):
        log_p = len(sizes) * math.log(alpha) + math.lgamma(alpha) - math.lgamma(alpha + n)
        p[len(sizes)] += math.exp(log_p + sum(math.lgamma(size) for size in sizes))
    return p


def test_the_stirling_numbers_of_the_first_kind():
    assert np.allclose(np.exp(_log_stirling_first_kind(5)), [0, 24, 50, 35, 10, 1])
    assert np.exp(_log_stirling_first_kind(10)).sum() == pytest.approx(math.factorial(10), rel=1e-12)
    assert _log_stirling_first_kind(0).tolist() == [0.0]


@pytest.mark.parametrize("n, alpha", [(1, 1.0), (5, 0.3), (7, 1.0), (8, 4.5)])
def test_the_prior_of_k_is_the_sum_over_partitions(n, alpha):
    assert sum(1 for _ in set_partitions(n)) == [1, 1, 2, 5, 15, 52, 203, 877, 4140][n]
    assert np.allclose(gg.num_clusters_prior(n, alpha), brute_force_prior(n, alpha), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("n, alpha", [(20, 1.0), (82, 1.0), (82, 0.3), (500, 7.0)])
def test_the_prior_mean_is_the_expected_number_of_tables(n, alpha):
    p = gg.num_clusters_prior(n, alpha)
    assert p.shape == (n + 1,) and p[0] == 0 and p.sum() == pytest.approx(1, abs=1e-12)
    assert np.arange(n + 1) @ p == pytest.approx(gg.expected_num_tables(n, alpha), rel=1e-10)


def test_the_galaxies_prior():
    """α = 1, n = 82: mean Σ 1/(1 + i) = H₈₂ = 4.99, mode 5 (the chapter's numbers)."""
    p = gg.num_clusters_prior(82, 1.0)
    assert np.arange(83) @ p == pytest.approx(sum(1 / k for k in range(1, 83)), rel=1e-12)
    assert round(float(np.arange(83) @ p), 2) == 4.99 and int(np.argmax(p)) == 5


@pytest.mark.parametrize("alpha, new_alpha", [(1.0, 0.3), (1.0, 5.0), (2.5, 0.7)])
def test_reweighting_the_prior_gives_the_prior_of_the_other_alpha(alpha, new_alpha):
    reweighted = gg.reweight_num_clusters(gg.num_clusters_prior(30, alpha), alpha, new_alpha)
    assert np.allclose(reweighted, gg.num_clusters_prior(30, new_alpha), rtol=1e-10, atol=1e-300)


def test_reweighting_an_exact_posterior_gives_the_exact_posterior_of_the_other_alpha():
    """P(K | x, α′) ∝ P(K | x, α)(α′/α)^K on the coffee, against a second enumeration at α′."""
    prior = gg.DPMMPrior(1.0, 120.0, 0.0025, 2.0, 10.0)
    at_one = gg.exact_num_clusters(gg.COFFEE_CAFFEINE, prior, 3)
    for new_alpha in (0.3, 4.0):
        direct = gg.exact_num_clusters(gg.COFFEE_CAFFEINE, dataclasses.replace(prior, concentration=new_alpha), 3)
        assert np.allclose(gg.reweight_num_clusters(at_one.probabilities, 1.0, new_alpha), direct.probabilities,
                           atol=1e-12)


@pytest.mark.parametrize("n, a, b", [(20, 2.0, 4.0), (82, 1.0, 1.0), (30, 0.5, 0.1)])
def test_the_prior_of_k_mixes_the_crp_law_over_alpha(n, a, b):
    prior_k = gg.num_clusters_prior(n, gg.ConcentrationPrior(a, b))
    assert prior_k.shape == (n + 1,) and prior_k[0] == 0 and prior_k.sum() == pytest.approx(1, abs=1e-12)
    for k in (1, 2, 5):
        direct, _ = integrate.quad(
            lambda alpha: gg.num_clusters_prior(n, alpha)[k] * stats.gamma.pdf(alpha, a, scale=1 / b), 0, 400.0,
            points=[0.1, 1.0, 10.0], limit=400, epsabs=0,
        )
        assert prior_k[k] == pytest.approx(direct, rel=1e-6, abs=1e-12)


def test_a_sharp_hyperprior_gives_the_fixed_alpha_prior():
    sharp = gg.ConcentrationPrior(1e6, 1e6 / 1.5)  # α = 1.5 ± 0.0015
    assert np.allclose(gg.num_clusters_prior(30, sharp), gg.num_clusters_prior(30, 1.5), atol=1e-3)


def log_conditional(alpha, k, n, a, b):
    return (a - 1 + k) * np.log(alpha) - b * alpha + gammaln(alpha) - gammaln(alpha + n)


def test_the_posterior_of_alpha_given_one_k_is_the_conditional():
    k, n, a, b = 4, 30, 2.0, 1.0
    p_k = np.zeros(n + 1)
    p_k[k] = 1.0
    prior = gg.ConcentrationPrior(a, b)
    grid = np.linspace(0.01, 12.0, 50)
    normaliser, _ = integrate.quad(lambda alpha: np.exp(log_conditional(alpha, k, n, a, b)), 0, 60.0, points=[1, 5],
                                   limit=400, epsabs=0)
    expected = np.exp(log_conditional(grid, k, n, a, b)) / normaliser
    assert np.allclose(gg.concentration_posterior(grid, p_k, prior), expected, rtol=1e-6)


def test_the_posterior_of_alpha_is_a_density_and_mixes_over_k():
    prior = gg.ConcentrationPrior(2.0, 1.0)
    p_k = gg.num_clusters_prior(40, prior)  # with the prior of K, the posterior of α is its prior
    grid = np.linspace(1e-3, 30.0, 3001)
    density = gg.concentration_posterior(grid, p_k, prior)
    assert integrate.trapezoid(density, grid) == pytest.approx(1, abs=1e-4)
    assert np.allclose(density, stats.gamma.pdf(grid, 2.0, scale=1.0), atol=1e-6)


def test_reweighting_between_a_hyperprior_and_a_fixed_alpha():
    """From α ~ Gamma(2, 2) to α = 0.7 and back, on the exact coffee posterior: the same as
    enumerating at α = 0.7, and the round trip returns the start."""
    prior = gg.DPMMPrior(1.0, 120.0, 0.0025, 2.0, 10.0)
    hyper = gg.ConcentrationPrior(2.0, 2.0)
    at_one = gg.exact_num_clusters(gg.COFFEE_CAFFEINE, prior, 3).probabilities
    under_hyper = gg.reweight_num_clusters(at_one, 1.0, hyper)
    direct = gg.exact_num_clusters(gg.COFFEE_CAFFEINE, dataclasses.replace(prior, concentration=0.7), 3)
    assert np.allclose(gg.reweight_num_clusters(under_hyper, hyper, 0.7), direct.probabilities, atol=1e-10)
    assert np.allclose(gg.reweight_num_clusters(under_hyper, hyper, 1.0), at_one, atol=1e-10)


def test_zero_probabilities_stay_zero():
    reweighted = gg.reweight_num_clusters([0.0, 0.5, 0.0, 0.5], 1.0, 2.0)
    assert np.allclose(reweighted, [0, 1 / 5, 0, 4 / 5])


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: gg.num_clusters_prior(0, 1.0), ValueError, "num_points"),
        (lambda: gg.num_clusters_prior(2.5, 1.0), TypeError, "num_points"),
        (lambda: gg.num_clusters_prior(10, -1.0), ValueError, "concentration"),
        (lambda: gg.num_clusters_prior(10, float("nan")), ValueError, "concentration"),
        (lambda: gg.reweight_num_clusters([0.5, 0.6], 1.0, 2.0), ValueError, "sum to 1"),
        (lambda: gg.reweight_num_clusters([1.5, -0.5], 1.0, 2.0), ValueError, "non-negative"),
        (lambda: gg.reweight_num_clusters([[1.0]], 1.0, 2.0), ValueError, "1-D"),
        (lambda: gg.reweight_num_clusters([1.0], 1.0, 2.0), ValueError, "1-D"),
        (lambda: gg.reweight_num_clusters(None, 1.0, 2.0), TypeError, "probabilities"),
        (lambda: gg.reweight_num_clusters([0.0, 1.0], 0.0, 2.0), ValueError, "concentration"),
        (lambda: gg.reweight_num_clusters([0.0, 1.0], 1.0, "2"), TypeError, "new_concentration"),
        (lambda: gg.reweight_num_clusters([0.5, 0.5], 1.0, 2.0), ValueError, "P\\(K = 0\\)"),
        (lambda: gg.ConcentrationPrior(0.0, 1.0), ValueError, "shape"),
        (lambda: gg.ConcentrationPrior(1.0, -2.0), ValueError, "rate"),
        (lambda: gg.num_clusters_prior(5, "prior"), TypeError, "concentration"),
        (lambda: gg.concentration_posterior([0.0, 1.0], [0, 1], gg.ConcentrationPrior(1.0, 1.0)), ValueError, "alpha"),
        (lambda: gg.concentration_posterior([1.0], [0, 0.6], gg.ConcentrationPrior(1.0, 1.0)), ValueError, "p_num"),
        (lambda: gg.concentration_posterior([1.0], [0.0, 1.0], "prior"), TypeError, "prior"),
    ],
)
def test_bad_input_is_refused_with_the_argument_named(call, error, words):
    with pytest.raises(error, match=words):
        call()
