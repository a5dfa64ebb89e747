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
    assert expected < gg.log_evidence(bentos, check.ELBO_COMPONENTS, check.BENTO_PRIOR)
    assert abs(two - three) > 0.5  # the K = 2 mistake is distinguishable at 1 decimal
    assert_check_behaves(check.exercise_9_2, round(three, check.ELBO_DECIMALS), [round(two, 1), -three])
    assert_incorrect(check.exercise_9_2(round(two, 1)), "K = 2")


def test_exercise_9_3():
    assert_check_behaves(check.exercise_9_3, "c", ["a", "b", "d"])


# ---------------------------------------------------------------------------------------------
# 9.4: the ELBO as an ADEV expectation


def closed_form_elbo(loc, scale):
    """E_q[log p(x, μ)] + H(q) for q = N(loc, scale²), μ ~ N(m₀, s₀²), x_i ~ N(μ, σ²)."""
    from scipy.stats import norm

    m0, s0, sigma, x = check.LIGHT_PRIOR_MEAN, check.LIGHT_PRIOR_STD, check.LIGHT_NOISE_STD, check.LIGHT_BENTOS
    expected_log_joint = (norm.logpdf(loc, m0, s0) - scale**2 / (2 * s0**2)
                          + norm.logpdf(x, loc, sigma).sum() - x.size * scale**2 / (2 * sigma**2))
    return expected_log_joint + 0.5 * np.log(2 * np.pi * np.e * scale**2)


def closed_form_gradient(loc, scale):
    m0, s0, sigma, x = check.LIGHT_PRIOR_MEAN, check.LIGHT_PRIOR_STD, check.LIGHT_NOISE_STD, check.LIGHT_BENTOS
    by_loc = (m0 - loc) / s0**2 + np.sum(x - loc) / sigma**2
    by_scale = -scale / s0**2 - x.size * scale / sigma**2 + 1 / scale
    return by_loc, by_scale


def test_exercise_9_4_reference_agrees_with_the_closed_form():
    """The reference's averages at every hidden point are the closed-form ELBO and its gradient,
    within 5 standard errors."""
    behaviour = check._ELBO.reference_behaviour()
    assert check.LIGHT_BENTOS.tolist() == [352.0, 349.0, 351.0, 348.0]
    for loc, scale in check.ELBO_POINTS:
        where = f"at loc = {loc:g} g, scale = {scale:g} g"
        expected = [closed_form_elbo(loc, scale), *closed_form_gradient(loc, scale)]
        labels = ("the ELBO estimate", "its gradient in loc", "its gradient in scale")
        for label, value in zip(labels, expected):
            quantity = behaviour[f"{label} {where}"]
            assert abs(quantity.value - value) < 5 * quantity.spread / np.sqrt(quantity.draws), (label, where)


def student_models():
    from genjax import gen, normal

    @gen
    def light_model(prior_mean, prior_std, noise_std):
        mu = normal(prior_mean, prior_std) @ "mu"
        normal.repeat(check.LIGHT_BENTOS.size)(mu, noise_std) @ "weights"
        return mu

    @gen
    def q_mean(loc, scale):
        from genjax.adev import normal_reparam

        return normal_reparam(loc, scale) @ "mu"

    return light_model, q_mean


def test_exercise_9_4():
    from genjax.adev import expectation, normal_reparam
    from jax.scipy.stats import norm

    light_model, q_mean = student_models()
    light = check.LIGHT_BENTOS

    @expectation
    def elbo(loc, scale):
        trace = q_mean.simulate(loc, scale)
        log_joint, _ = light_model.assess({"mu": trace.get_retval(), "weights": light}, 425.0, 100.0, 2.0)
        return log_joint + trace.get_score()

    @expectation
    def elbo_by_hand(loc, scale):
        """Right, without a trace: q's density written out."""
        mu = normal_reparam(loc, scale)
        log_joint = norm.logpdf(mu, 425.0, 100.0) + jnp.sum(norm.logpdf(light, mu, 2.0))
        return log_joint - norm.logpdf(mu, loc, scale)

    @expectation
    def elbo_wrong_prior(loc, scale):
        trace = q_mean.simulate(loc, scale)
        log_joint, _ = light_model.assess({"mu": trace.get_retval(), "weights": light}, 425.0, 10.0, 2.0)
        return log_joint + trace.get_score()

    assert_check_behaves(check.exercise_9_4, elbo, [check._log_joint_only, check._score_subtracted,
                                                    check._negated, elbo_wrong_prior])
    assert_correct(check.exercise_9_4(elbo_by_hand))
    assert_incorrect(check.exercise_9_4(check._log_joint_only), "get_score")
    assert_incorrect(check.exercise_9_4(check._score_subtracted), "do not subtract")
    assert_incorrect(check.exercise_9_4(check._negated), "the sign")
    assert_incorrect(check.exercise_9_4(light_model), "generative function")
    assert_incorrect(check.exercise_9_4(lambda loc, scale: 0.0), "@expectation")

    @expectation
    def vector_valued(loc, scale):
        return normal_reparam(loc, scale) * jnp.ones(2)

    assert_incorrect(check.exercise_9_4(vector_valued), "")


def test_exercise_9_4_says_what_went_wrong_before_averaging():
    """Targeted feedback for a crash inside, a pair or an array returned, a key fixed inside, a
    signature without (loc, scale); and no failure message shows the right value."""
    import jax
    from genjax import seed
    from genjax.adev import expectation
    from scipy.stats import norm as scipy_norm

    light_model, q_mean = student_models()
    light = check.LIGHT_BENTOS

    @expectation
    def missing_argument(loc, scale):
        trace = q_mean.simulate(loc, scale)
        log_joint, _ = light_model.assess({"mu": trace.get_retval(), "weights": light}, 425.0, 100.0)
        return log_joint + trace.get_score()

    @expectation
    def pair(loc, scale):
        trace = q_mean.simulate(loc, scale)
        log_joint, _ = light_model.assess({"mu": trace.get_retval(), "weights": light}, 425.0, 100.0, 2.0)
        return log_joint, trace.get_score()

    @expectation
    def per_bento(loc, scale):
        trace = q_mean.simulate(loc, scale)
        return jnp.asarray(-((light - trace.get_retval()) ** 2)) + trace.get_score()

    @expectation
    def fixed_key(loc, scale):
        trace = seed(q_mean.simulate)(jax.random.key(0), loc, scale)
        log_joint, _ = light_model.assess({"mu": trace.get_retval(), "weights": light}, 425.0, 100.0, 2.0)
        return log_joint + trace.get_score()

    @expectation
    def with_scipy(loc, scale):
        trace = q_mean.simulate(loc, scale)
        return scipy_norm.logpdf(trace.get_retval(), 425.0, 100.0) + trace.get_score()

    @expectation
    def one_argument(loc):
        return q_mean.simulate(loc, 1.0).get_score()

    assert_incorrect(check.exercise_9_4(missing_argument), "inside your function")
    assert_incorrect(check.exercise_9_4(pair), "single number")
    assert_incorrect(check.exercise_9_4(per_bento), "shape (4,)")
    assert_incorrect(check.exercise_9_4(fixed_key), "without seed")
    assert_incorrect(check.exercise_9_4(with_scipy), "jax.scipy.stats.norm")
    assert_incorrect(check.exercise_9_4(one_argument), "(loc, scale)")
    reference = check._ELBO.reference_behaviour()
    revealed = [f"{quantity.value:.2f}" for quantity in reference.values()]
    wrong = str(check.exercise_9_4(check._negated))
    assert not any(value in wrong for value in revealed)
    assert all(loc != 349.0 for loc, _ in check.ELBO_POINTS)  # the notebook shows q = N(349, 1.5²)
