"""Chapter 6's exercise checks: right answers pass, None waits, typical mistakes fail with a hint.

6.1 (the E step) is judged by behaviour: its reference must agree with the package's own
categorisation (``gg.category_posterior``, another implementation), a right step written in any
style passes, every registered mistake gets its own hint, and a step computed outside log space
is told why it gives NaN; a function that is or calls the package's E step is refused. The coffee
answers (6.3 to 6.5) are recomputed by another route: BIC by hand from the fits' log-likelihoods, and
scikit-learn's EM, whose BIC and AIC must agree with the package's where its fits do not collapse.
The fits are a session fixture: they run once, when a test needs them, not at import in every xdist
worker.
"""

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from feedback_assertions import assert_check_behaves, assert_correct, assert_incorrect, assert_unanswered
from genjax import gen, normal
from scipy.special import logsumexp
from scipy.stats import norm
from sklearn.mixture import GaussianMixture

import genjax_gmm as gg
from genjax_gmm.checks import chapter6 as check
from genjax_gmm.checks.chapter6 import _MEANS, _POINTS, _STDS, _WEIGHTS

COFFEE = gg.COFFEE_CAFFEINE.reshape(-1, 1)

# ---------------------------------------------------------------------------------------------
# 6.1: one E step


def e_step_log_space(x, weights, means, stds):
    log_joint = np.log(weights) + norm.logpdf(np.asarray(x)[:, None], means, stds)
    return np.exp(log_joint - logsumexp(log_joint, axis=1, keepdims=True))


def e_step_by_hand(x, weights, means, stds):
    """Right, written out: the Gaussian log density by hand, each row's largest term subtracted."""
    x = np.asarray(x, dtype=float)
    log_joint = np.empty((x.size, len(weights)))
    for k in range(len(weights)):
        log_joint[:, k] = np.log(weights[k]) - np.log(stds[k] * np.sqrt(2 * np.pi)) - (x - means[k]) ** 2 / (
            2 * stds[k] ** 2
        )
    shifted = np.exp(log_joint - log_joint.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


@jax.jit
def e_step_jax(x, weights, means, stds):
    log_joint = jnp.log(weights) + jax.scipy.stats.norm.logpdf(x[:, None], means, stds)
    return jax.nn.softmax(log_joint, axis=1)


def e_step_naive(x, weights, means, stds):
    """Right formula outside log space: 0/0 at the far point."""
    joint = weights * norm.pdf(np.asarray(x)[:, None], means, stds)
    with np.errstate(invalid="ignore"):
        return joint / joint.sum(axis=1, keepdims=True)


def e_step_log_of_pdf(x, weights, means, stds):
    """Log space, but the logarithm taken of a density that has already underflowed."""
    with np.errstate(divide="ignore", invalid="ignore"):
        log_joint = np.log(weights * norm.pdf(np.asarray(x)[:, None], means, stds))
        return np.exp(log_joint - logsumexp(log_joint, axis=1, keepdims=True))


def e_step_without_log_std(x, weights, means, stds):
    """The Gaussian's −log σ_k dropped: wrong whenever the components' spreads differ."""
    log_joint = np.log(weights) - 0.5 * ((np.asarray(x)[:, None] - means) / stds) ** 2
    return np.exp(log_joint - logsumexp(log_joint, axis=1, keepdims=True))


def e_step_max_subtracted_only(x, weights, means, stds):
    """Each row's largest log term subtracted (no underflow), but the rows never normalised."""
    log_joint = np.log(weights) + norm.logpdf(np.asarray(x)[:, None], means, stds)
    return np.exp(log_joint - log_joint.max(axis=1, keepdims=True))


def e_step_wrong_scipy_keyword(x, weights, means, stds):
    """The right signature, a wrong call inside: SciPy has no ``sd`` keyword."""
    log_joint = np.log(weights) + norm.logpdf(np.asarray(x)[:, None], means, sd=stds)
    return np.exp(log_joint - logsumexp(log_joint, axis=1, keepdims=True))


def test_an_error_inside_a_right_signature_is_not_blamed_on_the_arguments():
    feedback = check.exercise_6_1(e_step_wrong_scipy_keyword)
    assert "check the arguments your function takes" not in feedback.message
    assert "comes from a call inside it" in feedback.message
    feedback = check.exercise_6_1(lambda x, weights: x)  # a wrong signature is still named as one
    assert "check the arguments your function takes" in feedback.message


def e_step_points_in_a_row(x, weights, means, stds):
    """``x`` where ``x[:, None]`` is needed: (7,) points against (3,) components cannot broadcast."""
    log_joint = np.log(weights) + norm.logpdf(np.asarray(x), means, stds)
    return np.exp(log_joint - logsumexp(log_joint, axis=1, keepdims=True))


def e_step_points_in_a_row_jax(x, weights, means, stds):
    log_joint = jnp.log(weights) - 0.5 * ((jnp.asarray(x) - means) / stds) ** 2 - jnp.log(stds)
    return jax.nn.softmax(log_joint, axis=1)


@pytest.mark.parametrize("e_step", [e_step_points_in_a_row, e_step_points_in_a_row_jax])
def test_points_not_in_a_column_are_shown_x_with_a_new_axis(e_step):
    feedback = check.exercise_6_1(e_step)
    assert_incorrect(feedback)
    assert "Write x[:, None]" in feedback.message and "shape (7, 1)" in feedback.message, feedback.message
    # the right step with the column passes, so the hint names the one change needed
    assert_correct(check.exercise_6_1(lambda x, w, m, s: e_step_points_in_a_row(np.asarray(x)[:, None], w, m, s)))


def test_the_reference_is_the_packages_categorisation_and_finite_far_away():
    reference = check._responsibilities(_POINTS, _WEIGHTS, _MEANS, _STDS)
    assert np.allclose(reference, np.asarray(gg.category_posterior(_POINTS, _WEIGHTS, _MEANS, _STDS)), atol=1e-12)
    assert np.allclose(reference.sum(axis=1), 1.0)
    assert np.array_equal(reference[-1], [0.0, 0.0, 1.0])
    # the far point really underflows outside log space (else the NaN lesson would be hollow)
    assert np.all(_WEIGHTS * norm.pdf(_POINTS[-1], _MEANS, _STDS) == 0.0)


def e_step_by_helper(x, weights, means, stds):
    """A helper of the same notebook (module) that calls the package: found through the helper."""
    return np.asarray(responsibilities_by_package(x, weights, means, stds))


def responsibilities_by_package(x, weights, means, stds):
    return gg.category_posterior(x, weights, means, stds)


def e_step_from_package_pieces(x, weights, means, stds):
    log_joint = gg.log_joint_by_component(x, weights, means, stds)
    return np.exp(log_joint - gg.log_marginal_density(x, weights, means, stds)[:, None])


def e_step_by_alias(x, weights, means, stds, posterior=gg.category_posterior):
    return posterior(x, weights, means, stds)


@pytest.mark.parametrize(
    "e_step, name",
    [
        (gg.category_posterior, "category_posterior"),
        (lambda x, w, m, s: gg.category_posterior(x, w, m, s), "category_posterior"),
        (functools.partial(gg.category_posterior), "category_posterior"),
        (jax.jit(gg.category_posterior), "category_posterior"),
        (e_step_by_helper, "category_posterior"),
        (e_step_from_package_pieces, "log_joint_by_component"),
        (lambda x, w, m, s: e_step_by_alias(x, w, m, s), "category_posterior"),
        (lambda x, w, m, s: w / gg.marginal_density(x, w, m, s)[:, None], "marginal_density"),
    ],
    ids=["the function", "a lambda", "partial", "jit", "a helper", "the pieces", "a default argument",
         "the density"],
)
def test_the_packages_e_step_is_refused(e_step, name):
    """Chapters 4 and 5 introduced gg.category_posterior; 6.1 asks for the step written out, so a
    function that is it, wraps it or calls it (or the log terms and normaliser it is made of) is told
    so, although its responsibilities are right."""
    feedback = check.exercise_6_1(e_step)
    assert_incorrect(feedback, f"uses the package's {name}")
    assert "norm.logpdf" in feedback.message


def test_the_package_route_search_never_raises_and_ignores_the_students_own_names():
    def category_posterior(x, weights, means, stds):  # the student's own function of that name
        return e_step_log_space(x, weights, means, stds)

    assert check._package_route(category_posterior) is None
    assert_correct(check.exercise_6_1(category_posterior))
    for odd in (None, 3, "x", np.zeros(3), object(), print, np.sum):
        assert check._package_route(odd) is None


def test_a_right_e_step_passes_however_it_is_written():
    for e_step in (e_step_log_space, e_step_by_hand, e_step_jax, lambda *a: e_step_log_space(*a).tolist()):
        assert_correct(check.exercise_6_1(e_step))
    assert_unanswered(check.exercise_6_1(None))


@pytest.mark.parametrize(
    "mistake, hint",
    [
        (lambda x, w, m, s: e_step_log_space(x, w, m, np.asarray(s) ** 2), "you squared the standard deviations"),
        (lambda x, w, m, s: e_step_log_space(x, w, m, np.sqrt(s)), "not its square root"),
        (lambda x, w, m, s: e_step_log_space(x, np.ones(len(w)), m, s), "add log π_k"),
        (lambda x, w, m, s: np.exp(np.log(w) + norm.logpdf(np.asarray(x)[:, None], m, s)), "divide each row"),
        (e_step_max_subtracted_only, "do not add up to 1"),
        (lambda x, w, m, s: np.log(e_step_log_space(x, w, m, s)), "not their logarithms"),
        (lambda x, w, m, s: np.log(e_step_log_space(x, w, m, s) + 1e-300), "r_ik = π_k"),
        (e_step_naive, "0/0 = NaN"),
        (e_step_log_of_pdf, "np.log(norm.pdf(...)) gives log 0"),
        (e_step_without_log_std, "−log σ_k term"),
        (e_step_wrong_scipy_keyword, "your code raised TypeError"),
        (lambda x, w, m, s: e_step_log_space(x, w, m, s).T, "shape (3, 7)"),
        (lambda x, w, m, s: e_step_log_space(x, w, m, s)[:, ::-1], "r_ik = π_k"),
        (lambda x, w, m, s: np.full((7, 3), 1 / 3), "r_ik = π_k"),
        (lambda x, w, m, s: None, "returned None"),
        (lambda x, w, m, s: "responsibilities", "the string"),
        (lambda x, w: x, "the prompt asks for e_step(x, weights, means, stds)"),
        (lambda x, w, m, s: 1 / 0, "ZeroDivisionError"),
    ],
)
def test_a_wrong_e_step_gets_a_cross_saying_what_went_wrong(mistake, hint):
    feedback = check.exercise_6_1(mistake)
    assert_incorrect(feedback)
    assert hint in feedback.message, feedback.message


def test_normalising_over_the_wrong_axis_is_named():
    def over_points(x, w, m, s):
        log_joint = np.log(w) + norm.logpdf(np.asarray(x)[:, None], m, s)
        return np.exp(log_joint - logsumexp(log_joint, axis=0, keepdims=True))

    assert_incorrect(check.exercise_6_1(over_points), "axis=1")


def test_an_e_step_that_is_not_a_function_is_told_so():
    @gen
    def model():
        return normal(0.0, 1.0) @ "x"

    for answer in (model, 3, e_step_log_space(_POINTS, _WEIGHTS, _MEANS, _STDS)):
        assert_incorrect(check.exercise_6_1(answer), "give its name")


# ---------------------------------------------------------------------------------------------
# 6.2: what a responsibility says


def test_reading_a_responsibility():
    assert_check_behaves(check.exercise_6_2, "b", ["a", "c", "d"])
    assert_incorrect(check.exercise_6_2("c"), "strictly between 0 and 1")


# ---------------------------------------------------------------------------------------------
# 6.3 to 6.5: the coffee


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
def aic_drop(sklearn_fits):
    """AIC(K = 2) − AIC(K = 3) by scikit-learn, which counts 3K − 1 parameters too."""
    fewer, more = check.AIC_BLENDS
    return float(sklearn_fits[fewer].aic(COFFEE) - sklearn_fits[more].aic(COFFEE))


def test_the_aic_of_three_blends_depends_on_the_count_of_parameters(sklearn_fits):
    """scikit-learn's AIC of three blends (3K − 1 = 8 parameters) passes; a count of 3K, which
    cancels from Exercise 6.5's difference, is caught here, as are −2 L̂ alone, BIC, K = 2 and the
    value cut off instead of rounded (as in 6.3 and 6.5)."""
    fewer, more = check.AIC_BLENDS
    aic_three = float(sklearn_fits[more].aic(COFFEE))
    log_l = float(sklearn_fits[more].score(COFFEE) * COFFEE.shape[0])
    assert abs(aic_three - (-2 * log_l + 2 * 8)) < 1e-6
    wrong = [aic_three + 2, -2 * log_l, sklearn_fits[more].bic(COFFEE), sklearn_fits[fewer].aic(COFFEE)]
    assert_check_behaves(check.exercise_6_4, aic_three, wrong)
    assert_incorrect(check.exercise_6_4(aic_three + 2), "3K = 9")
    assert_incorrect(check.exercise_6_4(-2 * log_l), "−2 L̂ alone")
    assert_incorrect(check.exercise_6_4(sklearn_fits[more].bic(COFFEE)), "that is BIC")
    assert_incorrect(check.exercise_6_4(sklearn_fits[fewer].aic(COFFEE)), "AIC of 2 blends")
    assert_incorrect(check.exercise_6_4(round(aic_three)), "rounded too much")
    assert_correct(check.exercise_6_4(round(aic_three, 1)))
    cut_off = math.floor(aic_three * 10) / 10  # 204.8 for 204.85…: within 0.1, but not rounded
    assert cut_off != round(aic_three, 1)
    assert_incorrect(check.exercise_6_4(cut_off), "not the value rounded to 1 decimal place")
    assert_incorrect(check.exercise_6_4(str(round(aic_three, 1))), "a number, not a string")
    assert_unanswered(check.exercise_6_4(None))


def test_the_aic_drop_of_a_third_blend(aic_drop, sklearn_fits):
    fewer, more = check.AIC_BLENDS
    log_l = {k: float(sklearn_fits[k].score(COFFEE) * COFFEE.shape[0]) for k in (fewer, more)}
    assert abs(aic_drop - ((-2 * log_l[fewer] + 2 * 5) - (-2 * log_l[more] + 2 * 8))) < 1e-6
    gain = log_l[more] - log_l[fewer]
    bic_drop = sklearn_fits[fewer].bic(COFFEE) - sklearn_fits[more].bic(COFFEE)
    wrong = [-aic_drop, bic_drop, 2 * gain, 2 * gain + 6, gain, gain - 6, sklearn_fits[more].aic(COFFEE)]
    assert_check_behaves(check.exercise_6_5, aic_drop, wrong)
    assert_incorrect(check.exercise_6_5(bic_drop), "difference of the BICs")
    assert_incorrect(check.exercise_6_5(2 * gain), "penalties do not cancel")
    assert_incorrect(check.exercise_6_5(2 * gain + 6), "larger penalty")
    assert_incorrect(check.exercise_6_5(-aic_drop), "positive when")
    assert_incorrect(check.exercise_6_5(sklearn_fits[more].aic(COFFEE)), "alone")
    assert check.exercise_6_5(np.float32(aic_drop)) and check.exercise_6_5(jnp.asarray(aic_drop))


def test_the_aic_drop_to_one_decimal_place_must_be_rounded_right(aic_drop):
    """The prompt asks for 1 decimal place: the value rounded passes, more decimals pass, and the
    value cut off (57.6 for 57.66) fails although it lies within 0.1, as does a coarser rounding."""
    rounded = round(aic_drop, 1)
    cut_off = math.floor(aic_drop * 10) / 10
    assert abs(rounded - cut_off) > 0.05 and abs(aic_drop - cut_off) < 0.1  # the case the review found
    for right in (rounded, round(aic_drop, 2), round(aic_drop, 4)):
        assert_correct(check.exercise_6_5(right))
    assert_incorrect(check.exercise_6_5(cut_off), "not the difference rounded to 1 decimal place")
    assert_incorrect(check.exercise_6_5(round(aic_drop)), "rounded too much")
    assert_incorrect(check.exercise_6_5(rounded + 0.1))


def test_an_aic_drop_from_printed_rounded_aics_or_as_a_string_is_told_so(aic_drop):
    """57.6 (the printed, rounded AICs subtracted) is told to subtract the unrounded values; '57.7'
    (quoted) is told it is a string, not a number."""
    cut_off = math.floor(aic_drop * 10) / 10
    assert_incorrect(check.exercise_6_5(cut_off), "subtracted two AICs as printed")
    assert_incorrect(check.exercise_6_5(str(round(aic_drop, 1))), "a number, not a string")


def test_the_bic_margin_of_the_best_number_of_blends(sklearn_bic):
    """BIC = −2 L̂ + (3K − 1) log n by hand from the package's fits, and by scikit-learn for K = 1, 2, 3
    (its K = 4, 5 fits collapse further under its smaller variance floor); the answer is the runner-up's
    BIC minus the best one's, not the best K, which the story gives away."""
    fits = check._fits()
    n = COFFEE.shape[0]
    bic = {k: -2 * fit.log_likelihood + (3 * k - 1) * math.log(n) for k, fit in fits.items()}
    for k, fit in fits.items():
        assert bic[k] == pytest.approx(fit.bic, abs=1e-9)
    for k in (1, 2, 3):
        assert bic[k] == pytest.approx(sklearn_bic[k], abs=0.01)
    best, runner_up = sorted(bic, key=bic.get)[:2]
    assert (best, runner_up) == (3, 4)
    margin = bic[runner_up] - bic[best]
    aic = sorted(-2 * fit.log_likelihood + 2 * (3 * k - 1) for k, fit in fits.items())
    wrong = {
        best: "best number of blends",
        -margin: "a positive number",
        bic[best]: "smallest BIC itself",
        aic[1] - aic[0]: "AIC's margin",
        bic[2] - bic[best]: "margin over K = 2",
        round(bic[5] - bic[best], 1): "margin over K = 5",
        round(margin) + 0.0: "not the difference rounded",  # 5.0: rounded the wrong way (or too far)
    }
    assert_check_behaves(check.exercise_6_3, round(margin, 1), list(wrong))
    for answer, fragment in wrong.items():
        assert_incorrect(check.exercise_6_3(answer), fragment)
    assert_correct(check.exercise_6_3(margin)) and assert_correct(check.exercise_6_3(jnp.asarray(margin)))
    assert_incorrect(check.exercise_6_3("4.9"), "a number, not a string")


def test_an_untouched_notebook_waits_without_fitting_anything():
    """None is ⏳ at once: the student copy does not pay for the check's five EM fits."""
    check._fits.cache_clear()
    assert_unanswered(check.exercise_6_3(None))
    assert_unanswered(check.exercise_6_5(None))
    assert check._fits.cache_info().currsize == 0


# ---------------------------------------------------------------------------------------------
# 6.6: the M step with one shared spread


def m_step_shared_numpy(x, responsibilities):
    counts = responsibilities.sum(axis=0)
    means = x @ responsibilities / counts
    variance = np.sum(responsibilities * (x[:, None] - means) ** 2) / x.size
    return counts / x.size, means, np.full(counts.size, np.sqrt(variance))


def m_step_shared_loops(x, responsibilities):
    """Right, with Python loops, lists out and the shared σ as one number."""
    n, num_kinds = responsibilities.shape
    counts = [sum(responsibilities[i, k] for i in range(n)) for k in range(num_kinds)]
    means = [sum(responsibilities[i, k] * x[i] for i in range(n)) / counts[k] for k in range(num_kinds)]
    squares = sum(responsibilities[i, k] * (x[i] - means[k]) ** 2 for i in range(n) for k in range(num_kinds))
    return [c / n for c in counts], means, math.sqrt(squares / n)


@jax.jit
def m_step_shared_jax(x, responsibilities):
    counts = responsibilities.sum(axis=0)
    means = x @ responsibilities / counts
    std = jnp.sqrt(jnp.sum(responsibilities * (x[:, None] - means) ** 2) / x.shape[0])
    return counts / x.shape[0], means, jnp.full(counts.shape, std)


def test_the_shared_m_step_reference_maximises_q():
    """The reference's σ is where Q's σ-part, Σ_i Σ_k r_ik log N(x_i; μ_k, σ²), peaks (checked on a
    grid), and with hard responsibilities its means are the groups' averages."""
    x, soft = check._SHARED_POINTS, check._SOFT
    weights, means, stds = check._shared_m_step(x, soft)
    assert np.allclose(weights.sum(), 1.0) and np.ptp(stds) == 0
    sigmas = np.linspace(0.5 * stds[0], 2 * stds[0], 3001)
    q = [np.sum(soft * norm.logpdf(x[:, None], means, sigma)) for sigma in sigmas]
    assert abs(sigmas[int(np.argmax(q))] - stds[0]) < 2 * (sigmas[1] - sigmas[0])
    _, hard_means, _ = check._shared_m_step(x, check._HARD)
    assert np.allclose(hard_means, [x[:6].mean(), x[6:].mean()])


def test_a_right_shared_m_step_passes_however_it_is_written():
    for m_step_shared in (m_step_shared_numpy, m_step_shared_loops, m_step_shared_jax):
        assert_correct(check.exercise_6_6(m_step_shared))
    assert_unanswered(check.exercise_6_6(None))


def per_kind_spreads(x, r):
    counts = r.sum(axis=0)
    means = x @ r / counts
    return counts / x.size, means, np.sqrt(np.sum(r * (x[:, None] - means) ** 2, axis=0) / counts)


def unweighted_average_of_variances(x, r):
    weights, means, stds = per_kind_spreads(x, r)
    return weights, means, np.full(r.shape[1], np.sqrt(np.mean(stds**2)))


def deviations_not_squared(x, r):
    weights, means, _ = per_kind_spreads(x, r)
    return weights, means, np.full(r.shape[1], np.sum(r * np.abs(x[:, None] - means)) / x.size)


@pytest.mark.parametrize(
    "mistake, hint",
    [
        (per_kind_spreads, "§2's spreads, one per kind"),
        (lambda x, r: (r.sum(0) / x.size, x @ r / x.size, m_step_shared_numpy(x, r)[2]), "not by n"),
        (lambda x, r: (r.sum(0), *m_step_shared_numpy(x, r)[1:]), "add up to 1"),
        (lambda x, r: (*m_step_shared_numpy(x, r)[:2], m_step_shared_numpy(x, r)[2] ** 2), "square root"),
        (lambda x, r: (*m_step_shared_numpy(x, r)[:2], m_step_shared_numpy(x, r)[2] / np.sqrt(r.shape[1])),
         "not by n × K"),
        (unweighted_average_of_variances, "counts a kind"),
        (deviations_not_squared, "absolute values"),
        (lambda x, r: None, "returned None"),
        (lambda x, r: m_step_shared_numpy(x, r)[:2], "a tuple of 2 items"),
        (lambda x, r: (*m_step_shared_numpy(x, r)[:2], np.ones(5)), "shape (5,)"),
        (lambda x: x, "the prompt asks for m_step_shared(x, responsibilities)"),
        (lambda x, r: 1 / 0, "ZeroDivisionError"),
    ],
)
def test_a_wrong_shared_m_step_gets_a_cross_saying_what_went_wrong(mistake, hint):
    feedback = check.exercise_6_6(mistake)
    assert_incorrect(feedback)
    assert hint in feedback.message, feedback.message


def test_a_shared_m_step_that_is_not_a_function_is_told_so():
    for answer in (3, m_step_shared_numpy(check._SHARED_POINTS, check._SOFT)):
        assert_incorrect(check.exercise_6_6(answer), "give its name")


def m_step_shared_points_in_a_row(x, responsibilities):
    """``x - means`` where ``x[:, None] - means`` is needed: (9,) points against (K,) means."""
    counts = responsibilities.sum(axis=0)
    means = x @ responsibilities / counts
    variance = np.sum(responsibilities * (x - means) ** 2) / x.size
    return counts / x.size, means, np.full(counts.size, np.sqrt(variance))


@pytest.mark.parametrize("jit", [False, True])
def test_shared_m_step_points_not_in_a_column_are_shown_x_with_a_new_axis(jit):
    m_step = jax.jit(m_step_shared_points_in_a_row) if jit else m_step_shared_points_in_a_row
    feedback = check.exercise_6_6(m_step)
    assert_incorrect(feedback, "Write x[:, None]")
    assert "shape (9, 1)" in feedback.message, feedback.message


def test_the_generic_shared_m_step_hint_gives_the_derivative_not_the_formula():
    """Exercise 6.6 asks the student to derive σ²: a wrong answer no registered mistake explains is
    told how to differentiate, never the maximiser itself."""
    weights, means, _ = check._shared_m_step(check._SHARED_POINTS, check._SOFT)
    feedback = check.exercise_6_6(lambda x, r: (weights, means, np.ones(r.shape[1])))
    assert_incorrect(feedback, "−1/σ + (x_i − μ_k)²/σ³")
    for formula in ("σ² = Σ", "/ n for every", "Σ_i Σ_k r_ik (x_i − μ_k)² / n"):
        assert formula not in feedback.message, feedback.message
