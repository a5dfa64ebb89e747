"""Chapter 9's exercise checks: right answers pass, None waits, typical mistakes fail with a hint.

9.1 (the update of q(μ_k)) is judged by behaviour: its reference must agree with the package's own
CAVI update (``variational.cavi.update_means``, another implementation, computed around the previous
locations), a right update written in any style passes, and every registered mistake gets its own
hint (the prior left out gives NaN for the empty kind, which must still match that mistake). 9.2's
expected ELBO must be an independent NumPy CAVI's best (tests/harness/numpy_cavi.py), below the exact
log evidence of the same data (enumeration of all 3¹⁰ assignments), and the K = 2 fit's ELBO is
told apart.
"""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from feedback_assertions import assert_check_behaves, assert_correct, assert_incorrect
from harness.exact_gmm import Prior
from harness.numpy_cavi import cavi as numpy_cavi

import genjax_gmm as gg
from genjax_gmm.checks import chapter9 as check
from genjax_gmm.checks.chapter9 import _POINTS, _PRECISIONS, _PRIOR_MEAN, _PRIOR_STD, _RESPONSIBILITIES
from genjax_gmm.variational.cavi import Factors, update_means

# ---------------------------------------------------------------------------------------------
# 9.1: the update of q(μ_k)


def update_by_loops(x, responsibilities, expected_precisions, prior_mean, prior_std):
    """Right, one kind at a time."""
    locs, stds = [], []
    for k in range(len(expected_precisions)):
        weighted = sum(r * point for r, point in zip(responsibilities[:, k], x))
        precision = prior_std**-2 + responsibilities[:, k].sum() * expected_precisions[k]
        locs.append((prior_mean * prior_std**-2 + expected_precisions[k] * weighted) / precision)
        stds.append(precision**-0.5)
    return locs, stds


@jax.jit
def update_in_jax(x, responsibilities, expected_precisions, prior_mean, prior_std):
    precision = 1 / prior_std**2 + responsibilities.sum(axis=0) * expected_precisions
    locs = (prior_mean / prior_std**2 + expected_precisions * (x @ responsibilities)) / precision
    return jnp.stack([locs, jax.lax.rsqrt(precision)])


def test_reference_agrees_with_the_package():
    num_components = _PRECISIONS.size
    factors = Factors(
        responsibilities=jnp.asarray(_RESPONSIBILITIES),
        concentrations=jnp.ones(num_components),
        mean_locs=jnp.asarray([3.0, -2.0, 10.0]),  # any previous locations
        mean_scales=jnp.ones(num_components),
        var_shapes=_PRECISIONS * 2.0,  # a_k / b_k = E[1/σ²_k]
        var_scales=jnp.full(num_components, 2.0),
    )
    prior = gg.GMMPrior(1.0, _PRIOR_MEAN, _PRIOR_STD, 2.0, 1.0)
    updated = update_means(factors, jnp.asarray(_POINTS), prior)
    locs, stds = check._mean_update(_POINTS, _RESPONSIBILITIES, _PRECISIONS, _PRIOR_MEAN, _PRIOR_STD)
    np.testing.assert_allclose(locs, updated.mean_locs, rtol=1e-12)
    np.testing.assert_allclose(stds, updated.mean_scales, rtol=1e-12)
    assert locs[2] == pytest.approx(_PRIOR_MEAN) and stds[2] == pytest.approx(_PRIOR_STD)  # the empty kind


def test_exercise_9_1():
    wrong = [check._variance_for_std, check._without_prior, check._unweighted_sum, check._weighted_average,
             check._prior_std_as_variance]
    assert_check_behaves(check.exercise_9_1, update_by_loops, wrong)
    assert_correct(check.exercise_9_1(update_in_jax))
    assert_incorrect(check.exercise_9_1(check._variance_for_std), "standard deviation")
    assert_incorrect(check.exercise_9_1(check._unweighted_sum), "responsibilities.T @ x")


def without_prior(x, responsibilities, expected_precisions, prior_mean, prior_std):
    """Wrong: the data's precision and pull only; the empty kind gets 0/0 = NaN and 1/0 = inf."""
    counts = responsibilities.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = counts * expected_precisions
        return expected_precisions * (responsibilities.T @ x) / precision, precision**-0.5


def em_average(x, responsibilities, expected_precisions, prior_mean, prior_std):
    """Wrong: m_k is EM's weighted average (NaN for the empty kind); s_k is right."""
    with np.errstate(divide="ignore", invalid="ignore"):
        locs = (responsibilities.T @ x) / responsibilities.sum(axis=0)
    return locs, (1 / prior_std**2 + responsibilities.sum(axis=0) * expected_precisions) ** -0.5


def test_mistakes_that_give_nan_for_the_empty_kind_get_their_own_hints():
    feedback = check.exercise_9_1(without_prior)
    assert_incorrect(feedback, "keep the prior")
    assert_incorrect(check.exercise_9_1(em_average), "EM's average")
    assert_incorrect(check.exercise_9_1(lambda x, r, e, m, s: np.zeros(3)), "")
    assert_incorrect(check.exercise_9_1(lambda x: x), "")


# ---------------------------------------------------------------------------------------------
# 9.2 and 9.3


def test_exercise_9_2():
    bentos = gg.MYSTERY_BENTO_WEIGHTS[: check.ELBO_BENTOS]
    prior = Prior(1.0, 425.0, 100.0, 2.0, 10.0)  # the bento prior
    assert check.BENTO_PRIOR == gg.GMMPrior(*dataclasses.astuple(prior))
    # an independent CAVI from starts that put a third kind at either end or in the middle: the best
    starts = [[350.0, 499.0, 502.5], [349.0, 351.0, 500.0], [350.0, 425.0, 500.0]]
    three = max(numpy_cavi(bentos, start, prior)[1][-1] for start in starts)
    two = numpy_cavi(bentos, [350.0, 500.0], prior)[1][-1]
    expected = check._elbos()[check.ELBO_COMPONENTS]
    assert expected == pytest.approx(three, abs=1e-6)
    assert expected < gg.exact_log_evidence(bentos, check.ELBO_COMPONENTS, check.BENTO_PRIOR)
    assert abs(two - three) > 0.5  # the K = 2 mistake is distinguishable at 1 decimal
    assert_check_behaves(check.exercise_9_2, round(three, check.ELBO_DECIMALS), [round(two, 1), -three])
    assert_incorrect(check.exercise_9_2(round(two, 1)), "K = 2")


def test_exercise_9_3():
    assert_check_behaves(check.exercise_9_3, "c", ["a", "b", "d"])
