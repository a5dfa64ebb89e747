"""Chapter 6's exercise checks: right answers pass, None waits, typical mistakes fail with a hint.

The right answers are recomputed here by another route, scikit-learn's EM, whose BIC and
log-likelihood must agree with the package's. The fits are a session fixture: they run once, when
a test needs them, not at import in every xdist worker.
"""

import numpy as np
import pytest
from feedback_assertions import assert_check_behaves, assert_incorrect
from sklearn.mixture import GaussianMixture

import genjax_gmm as gg
from genjax_gmm.checks import chapter6 as check

COFFEE = gg.COFFEE_CAFFEINE.reshape(-1, 1)


@pytest.fixture(scope="session")
def sklearn_fits():
    """scikit-learn's EM fits (1-D, one variance per component: 3K − 1 parameters) for every K."""
    return {
        k: GaussianMixture(k, n_init=10, random_state=0, reg_covar=1e-9).fit(COFFEE) for k in check.BLEND_COUNTS
    }


@pytest.fixture(scope="session")
def sklearn_bic(sklearn_fits):
    return {k: fit.bic(COFFEE) for k, fit in sklearn_fits.items()}


@pytest.fixture(scope="session")
def three_blend_log_likelihood(sklearn_fits):
    return float(sklearn_fits[check.AIC_BLENDS].score(COFFEE) * COFFEE.shape[0])


def test_bic_blends(sklearn_bic):
    best = min(sklearn_bic, key=sklearn_bic.get)
    assert_check_behaves(check.exercise_6_1, best, [k for k in check.BLEND_COUNTS if k != best])
    assert_incorrect(check.exercise_6_1(max(sklearn_bic, key=sklearn_bic.get)), "largest BIC")


def test_bic_prefers_three_blends_by_a_clear_margin(sklearn_bic):
    """The BIC answer is not a near-tie that another EM implementation could flip."""
    assert min(sklearn_bic, key=sklearn_bic.get) == 3
    assert min(v for k, v in sklearn_bic.items() if k != 3) - sklearn_bic[3] > 5


def test_aic_of_the_three_blend_fit(three_blend_log_likelihood, sklearn_fits):
    log_l = three_blend_log_likelihood
    aic = -2 * log_l + 2 * 8
    assert abs(aic - sklearn_fits[3].aic(COFFEE)) < 1e-6  # scikit-learn counts 3K − 1 = 8 parameters too
    bic = sklearn_fits[3].bic(COFFEE)
    assert_check_behaves(check.exercise_6_2, aic, [bic, aic + 2, -2 * log_l, -log_l + 16, 2 * log_l + 16])
    assert_incorrect(check.exercise_6_2(bic), "that is BIC")
    assert_incorrect(check.exercise_6_2(aic + 2), "K − 1")
    assert check.exercise_6_2(round(aic, 1)) and check.exercise_6_2(np.float32(aic))
    assert not check.exercise_6_2(round(aic, 1) + 0.3)


def test_choosing_a_summary():
    assert_check_behaves(check.exercise_6_3, "b", ["a", "c", "d"])
