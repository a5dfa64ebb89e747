"""Replicated data of the DP mixture against their exact laws: with the partition held fixed, each
replicated point follows its table's Student-t predictive (the package's ``predictive``, and SciPy
from the Normal-Inverse-Gamma posterior written out here), and the difference of two points of one
table, which cancels the shared μ, is a Student-t with scale √(2 b_n / a_n)."""

import jax
import numpy as np
import pytest
from scipy import stats

import genjax_gmm as gg

DATA = np.array([20_310.0, 20_480.0, 19_950.0, 20_120.0, 23_400.0, 23_650.0, 23_510.0, 9_800.0])
LABELS = np.array([0, 0, 0, 0, 2, 2, 2, 5])
PRIOR = gg.DPMMPrior(concentration=1.0, mean_loc=20_000.0, mean_pseudo_count=0.01, var_shape=2.0, var_scale=2e5)
NUM_DRAWS = 4000


@pytest.fixture(scope="module")
def replicates():
    return gg.replicated_data(jax.random.key(0), DATA, np.tile(LABELS, (NUM_DRAWS, 1)), PRIOR)


def posterior(points):
    """(κ_n, m_n, a_n, b_n) of the Normal-Inverse-Gamma posterior, by the textbook update."""
    kappa0, m0, a, b = PRIOR.mean_pseudo_count, PRIOR.mean_loc, PRIOR.var_shape, PRIOR.var_scale
    n, mean = points.size, points.mean()
    kappa = kappa0 + n
    spread = np.sum((points - mean) ** 2) + kappa0 * n / kappa * (mean - m0) ** 2
    return kappa, (kappa0 * m0 + n * mean) / kappa, a + n / 2, b + spread / 2


@pytest.mark.parametrize("table", [0, 2, 5])
def test_each_replicated_point_follows_its_tables_predictive(replicates, table):
    members = DATA[LABELS == table]
    kappa, loc, shape, scale = posterior(members)
    t = stats.t(df=2 * shape, loc=loc, scale=np.sqrt(scale * (kappa + 1) / (shape * kappa)))
    package = gg.predictive(members.size, members.mean(), np.sum((members - members.mean()) ** 2), PRIOR)
    assert (float(package.df), float(package.loc)) == pytest.approx((t.kwds["df"], t.kwds["loc"]), rel=1e-9)
    assert float(package.scale) == pytest.approx(t.kwds["scale"], rel=1e-9)
    point = np.flatnonzero(LABELS == table)[0]
    assert stats.kstest(replicates[:, point], t.cdf).pvalue > 1e-3


def test_points_of_one_table_share_their_mean_and_variance(replicates):
    kappa, _, shape, scale = posterior(DATA[:4])
    difference = replicates[:, 0] - replicates[:, 1]  # N(0, 2σ²) given σ²: μ cancels
    assert stats.kstest(difference, stats.t(df=2 * shape, scale=np.sqrt(2 * scale / shape)).cdf).pvalue > 1e-3
    # points of different tables are independent given the partition
    assert abs(np.corrcoef(replicates[:, 0], replicates[:, 4])[0, 1]) < 5 / np.sqrt(NUM_DRAWS)


def test_the_same_key_gives_the_same_replicates_and_draws_are_pooled():
    draws = np.stack([np.tile(LABELS, (5, 1)), np.tile(np.arange(8), (5, 1))])  # two chains of five draws
    first = gg.replicated_data(jax.random.key(3), DATA, draws, PRIOR)
    assert first.shape == (10, 8) and np.array_equal(first, gg.replicated_data(jax.random.key(3), DATA, draws, PRIOR))


@pytest.mark.parametrize(
    "arguments, error, words",
    [
        ((jax.random.key(0), DATA, LABELS, PRIOR), ValueError, "assignments"),
        ((jax.random.key(0), DATA, np.tile(LABELS[:7], (2, 1)), PRIOR), ValueError, "assignments"),
        ((jax.random.key(0), DATA, np.tile(LABELS, (2, 1)) + 0.5, PRIOR), ValueError, "assignments"),
        ((jax.random.key(0), DATA, np.tile(LABELS, (2, 1)) + 3, PRIOR), ValueError, "0 … 7"),
        ((jax.random.key(0), DATA, np.tile(LABELS, (2, 1)), "prior"), TypeError, "prior"),
        ((jax.random.key(0), DATA[:, None], np.tile(LABELS, (2, 1)), PRIOR), ValueError, "data"),
        ((0, DATA, np.tile(LABELS, (2, 1)), PRIOR), TypeError, "key"),
    ],
)
def test_bad_input_is_refused_with_the_argument_named(arguments, error, words):
    with pytest.raises(error, match=words):
        gg.replicated_data(*arguments)
