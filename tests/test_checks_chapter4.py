"""Chapter 4's exercise checks: right answers pass, None waits, typical mistakes fail with a hint.

The expected values are recomputed here by other routes (SciPy's normal distribution and an
enumeration of the kinds, a grid posterior, the package's categorization functions) so a slip in
the check module cannot hide behind itself.
"""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from feedback_assertions import assert_check_behaves, assert_correct, assert_incorrect, assert_unanswered
from genjax import gen, normal, seed
from scipy import stats
from scipy.special import logsumexp

import genjax_gmm as gg
from genjax_gmm.checks import chapter4 as check

KARAAGE = np.array(check.KARAAGE_WEIGHTS)
PRIOR = np.array(check.KIND_PROBABILITIES)


def kind_posterior(likelihood) -> np.ndarray:
    """P(kind | evidence) for both kinds, by enumeration: prior × likelihood, normalised."""
    joint = PRIOR * np.asarray(likelihood)
    return joint / joint.sum()


FELT = stats.norm(np.array(check.KIND_MEANS), math.sqrt(check.KIND_SD**2 + check.HAND_SD**2))
LIGHT = FELT.cdf(check.FEELS_HEAVY_ABOVE)  # P(feels light | kind)
GIVEN_LIGHT = kind_posterior(LIGHT)[0]
GIVEN_HEAVY = kind_posterior(1 - LIGHT)[0]
OVERFILLED = stats.norm(np.array(check.KIND_MEANS), check.KIND_SD).sf(np.array(check.KIND_MEANS))


def karaage_grid_posterior() -> tuple[float, float]:
    """Mean and sd of prior × likelihood normalised on a fine grid of μ (no conjugate formula)."""
    mu = np.linspace(380.0, 480.0, 200_001)
    log_post = -0.5 * ((mu - check.KARAAGE_PRIOR_MEAN) / check.KARAAGE_PRIOR_SD) ** 2
    log_post -= 0.5 * (((KARAAGE[:, None] - mu) / check.KARAAGE_NOISE_SD) ** 2).sum(axis=0)
    density = np.exp(log_post - log_post.max())
    density /= density.sum()
    mean = float((mu * density).sum())
    return mean, math.sqrt(float(((mu - mean) ** 2 * density).sum()))


GRID_MEAN, GRID_SD = karaage_grid_posterior()
THETA_75 = dict(weights=(0.75, 0.25), means=(-1.0, 1.0), stds=(1.0, 1.0))
UNEQUAL = dict(weights=(0.5, 0.5), means=(-1.0, 1.0), stds=(math.sqrt(0.5), math.sqrt(2.0)))

# (check, right answer by an independent route, typical wrong answers)
CASES = [
    (check.exercise_4_1, GIVEN_LIGHT, [LIGHT[0], PRIOR[0] * LIGHT[0], 0.7, GIVEN_HEAVY, GIVEN_LIGHT + 0.003]),
    (check.exercise_4_2, kind_posterior(OVERFILLED)[0], [0.5, 0.35, 0.3, 0.703]),
    (check.exercise_4_3, GRID_MEAN, [KARAAGE.mean(), 425.0, 428.0]),
    (check.exercise_4_4, GRID_SD, [GRID_SD**2, 5 / 2, 10 / math.sqrt(5)]),
    (check.exercise_4_5, math.sqrt(GRID_SD**2 + 25), [5.0, GRID_SD, GRID_SD + 5]),
    (
        check.exercise_4_7,
        float(gg.category_posterior(0.5, **THETA_75)[0]),
        [math.exp(-1) / (1 + math.exp(-1)), 1 - float(gg.category_posterior(0.5, **THETA_75)[0])],
    ),
    (check.exercise_4_8, float(gg.decision_boundaries(**THETA_75)[0]), [0.0, -math.log(3) / 2, math.log(3)]),
    (check.exercise_4_9, len(gg.decision_boundaries(**UNEQUAL)), [0, 1]),
]
IDS = [case[0].__name__ for case in CASES]


@pytest.mark.parametrize(("exercise", "answer", "wrong"), CASES, ids=IDS)
def test_right_passes_none_is_unanswered_and_mistakes_get_a_hint(exercise, answer, wrong):
    assert_check_behaves(exercise, answer, wrong)


def test_known_mistakes_get_their_own_hint():
    assert "P(feels light | tonkatsu)" in repr(check.exercise_4_1(LIGHT[0]))
    assert "joint probability" in repr(check.exercise_4_1(PRIOR[0] * LIGHT[0]))
    assert "feels heavy" in repr(check.exercise_4_1(GIVEN_HEAVY))
    assert "P(overfilled | tonkatsu)" in repr(check.exercise_4_2(0.5))
    assert "data mean alone" in repr(check.exercise_4_3(430.0))
    assert "posterior variance" in repr(check.exercise_4_4(GRID_SD**2))
    assert "variances do" in repr(check.exercise_4_5(GRID_SD + 5))
    assert "θ = 0.5" in repr(check.exercise_4_7(math.exp(-1) / (1 + math.exp(-1))))
    assert "wrong direction" in repr(check.exercise_4_8(-math.log(3) / 2))


def test_a_simulated_estimate_is_told_to_compute_exactly():
    """The notebook's 100,000 bentos estimate 4.1's answer to about ±0.002; such an estimate
    misses the 3 significant figures asked for and is told why, not sent back to the method."""
    for exercise, exact in ((check.exercise_4_1, GIVEN_LIGHT), (check.exercise_4_2, 0.7)):
        for offset in (0.0021, -0.004):
            assert_incorrect(exercise(exact + offset), "simulated bentos is only an estimate")
        assert exercise(round(exact, 3))


def test_rounded_answers_pass_and_arrays_are_accepted():
    assert check.exercise_4_3(round(GRID_MEAN, 2))
    assert check.exercise_4_4(round(GRID_SD, 3))
    assert check.exercise_4_7(np.float64(round(float(gg.category_posterior(0.5, **THETA_75)[0]), 4)))
    assert check.exercise_4_8(gg.decision_boundaries(**THETA_75)[0])
    assert check.exercise_4_9(np.int64(2))


def test_non_numbers_are_rejected_not_crashing():
    for exercise in (check.exercise_4_1, check.exercise_4_3, check.exercise_4_7, check.exercise_4_8):
        feedback = exercise("about 430")
        assert feedback.status == "incorrect"
    assert check.exercise_4_9(3).status == "incorrect"


# ---------------------------------------------------------------------------------------------
# Exercise 4.6: an importance-sampling estimate of the posterior mean, checked by behaviour


def numpy_sampler(log_weight_of=None, *, variances_for_sds=False, naive_exp=False, normalise=True,
                  weight=True):
    """An importance sampler in NumPy and SciPy, written apart from GenJAX and from the check,
    with switches that plant the typical mistakes."""

    def estimate(key, data, prior_mean, prior_sd, noise_sd, num_particles):
        if variances_for_sds:
            prior_sd, noise_sd = prior_sd**2, noise_sd**2
        rng = np.random.default_rng(np.asarray(jax.random.key_data(key)).tolist())
        mus = rng.normal(prior_mean, prior_sd, num_particles)
        log_w = stats.norm.logpdf(np.asarray(data)[:, None], mus, noise_sd).sum(axis=0)
        if log_weight_of is not None:
            log_w = log_weight_of(log_w, mus, prior_mean, prior_sd)
        if not weight:
            return mus.mean()
        if naive_exp:
            with np.errstate(invalid="ignore"):
                w = np.exp(log_w) / np.exp(log_w).sum()
        else:
            w = np.exp(log_w - logsumexp(log_w)) if normalise else np.exp(log_w)
        return np.sum(w * mus)

    return estimate


def genjax_sampler(score_as_weight=False, num_weighings=None):
    """The notebook's solution: ``generate`` with the weighings constrained, vmapped over keys (or,
    with ``score_as_weight``, the trace's log density, minus its score, as the log weight; with
    ``num_weighings``, a model that draws that many weighings whatever the data, like Section 5's)."""

    def estimate(key, data, prior_mean, prior_sd, noise_sd, num_particles):
        @gen
        def weighings(prior_mean, prior_sd, noise_sd):
            mu = normal(prior_mean, prior_sd) @ "mu"
            normal.repeat(num_weighings or len(data))(mu, noise_sd) @ "weights"
            return mu

        def one_particle(key):
            trace, log_weight = seed(weighings.generate)(
                key, {"weights": jnp.asarray(data)}, prior_mean, prior_sd, noise_sd
            )
            return trace.get_choices()["mu"], -trace.get_score() if score_as_weight else log_weight

        mus, log_w = jax.jit(jax.vmap(one_particle))(jax.random.split(key, num_particles))
        return jnp.sum(jax.nn.softmax(log_w) * mus)

    return estimate


def grid_posterior_mean(data, prior_mean, prior_sd, noise_sd) -> float:
    """Prior × likelihood normalised on a fine grid of μ (no conjugate formula)."""
    spread = 12 * noise_sd / math.sqrt(len(data))
    mu = np.linspace(np.mean(data) - spread - 10 * prior_sd, np.mean(data) + spread, 400_001)
    log_post = stats.norm.logpdf(mu, prior_mean, prior_sd)
    log_post += stats.norm.logpdf(np.asarray(data)[:, None], mu, noise_sd).sum(axis=0)
    density = np.exp(log_post - log_post.max())
    return float((mu * density).sum() / density.sum())


def importance_standard_error(prior_mean, prior_sd, target_mean, target_sd, num_particles) -> float:
    """√(E_prior[w̄² (μ − m)²] / N), w̄ = target/prior: the delta-method standard error of the
    self-normalised estimate of a Gaussian target's mean m from N prior draws."""
    mu = np.linspace(target_mean - 14 * target_sd, target_mean + 14 * target_sd, 400_001)
    log_ratio = 2 * stats.norm.logpdf(mu, target_mean, target_sd) - stats.norm.logpdf(mu, prior_mean, prior_sd)
    return math.sqrt(np.trapezoid(np.exp(log_ratio) * (mu - target_mean) ** 2, mu) / num_particles)


def conjugate(data, prior_mean, prior_sd, noise_sd) -> tuple[float, float]:
    precision = 1 / prior_sd**2 + len(data) / noise_sd**2
    return (prior_mean / prior_sd**2 + np.sum(data) / noise_sd**2) / precision, precision**-0.5


@pytest.mark.parametrize("problem", check.ESTIMATOR_PROBLEMS, ids=["four weighings", "250 weighings"])
def test_the_hidden_problems_separate_the_right_answer_from_each_mistake(problem):
    """The tolerance is over 6 standard errors of a right estimate and 3 of each mistaken one, and
    each mistake's limit lies more than twice the tolerance from the right answer: a right
    function passes, and a mistaken one fails and matches its mistake (each but with a chance
    below 10⁻⁴)."""
    data, prior_mean, prior_sd, noise_sd, num_particles = problem
    right_mean, right_sd = conjugate(data, prior_mean, prior_sd, noise_sd)
    assert right_mean == pytest.approx(grid_posterior_mean(data, prior_mean, prior_sd, noise_sd), abs=1e-6)
    tolerance = check.ESTIMATE_TOLERANCE
    assert importance_standard_error(prior_mean, prior_sd, right_mean, right_sd, num_particles) < tolerance / 6
    variance_mean, variance_sd = conjugate(data, prior_mean, prior_sd**2, noise_sd**2)
    score_mean, score_sd = conjugate(data, prior_mean, prior_sd / math.sqrt(2), noise_sd)
    mistakes = {  # limit: standard error of its estimate from num_particles draws
        prior_mean: prior_sd / math.sqrt(num_particles),
        variance_mean: importance_standard_error(prior_mean, prior_sd**2, variance_mean, variance_sd, num_particles),
        score_mean: importance_standard_error(prior_mean, prior_sd, score_mean, score_sd, num_particles),
    }
    for limit, standard_error in mistakes.items():
        assert abs(limit - right_mean) > 2 * tolerance
        assert standard_error < tolerance / 3


def test_every_likelihood_of_the_large_problem_underflows():
    data, prior_mean, prior_sd, noise_sd, _ = check.ESTIMATOR_PROBLEMS[1]
    best = stats.norm.logpdf(data, np.mean(data), noise_sd).sum()  # the largest over μ
    assert best < -800 and np.exp(best) == 0.0


def test_right_estimators_written_in_different_ways_pass():
    assert_correct(check.exercise_4_6(genjax_sampler()))
    assert_correct(check.exercise_4_6(numpy_sampler()))


@pytest.mark.parametrize(
    "estimator, fragment",
    [
        (numpy_sampler(weight=False), "weight each particle by its likelihood"),
        (numpy_sampler(variances_for_sds=True), "takes a standard deviation"),
        (genjax_sampler(score_as_weight=True), "includes the prior"),
        (numpy_sampler(lambda log_w, mus, m, s: log_w + stats.norm.logpdf(mus, m, s)), "includes the prior"),
        (numpy_sampler(naive_exp=True), "logsumexp"),
        (numpy_sampler(normalise=False), "normalise the weights"),
    ],
    ids=["unweighted", "variances", "score in GenJAX", "score in NumPy", "exp underflows", "unnormalised"],
)
def test_each_typical_mistake_gets_its_hint(estimator, fragment):
    assert_incorrect(check.exercise_4_6(estimator), fragment)


@pytest.mark.parametrize(
    "answer, fragment",
    [
        (lambda key, data, prior_mean, prior_sd, noise_sd: 0.0, "TypeError"),
        (lambda *args: None, "returned None"),
        (lambda *args: np.zeros(2), "shape (2,)"),
        (lambda *args: "about 150 g", "the string"),
        (lambda *args: 1 / 0, "ZeroDivisionError"),
        (genjax_sampler(num_weighings=12), "normal.repeat(len(data))"),
        (429.4, "expected a function"),
        (genjax_sampler()(jax.random.key(0), KARAAGE, 420.0, 10.0, 5.0, 100), "expected a function"),
    ],
    ids=["five arguments", "None", "shape", "string", "crash", "twelve weighings", "a number", "a result"],
)
def test_broken_answers_get_a_cross_saying_what_went_wrong(answer, fragment):
    assert_incorrect(check.exercise_4_6(answer), fragment)


def test_none_waits_and_the_verdict_is_deterministic():
    assert_unanswered(check.exercise_4_6(None))
    wrong = numpy_sampler(variances_for_sds=True)
    assert repr(check.exercise_4_6(wrong)) == repr(check.exercise_4_6(wrong))
    assert "429" not in repr(check.exercise_4_6(wrong))  # nothing of Exercise 4.3's answer
