"""Chapter 8's exercise checks: right answers pass, None waits, typical mistakes fail with a hint,
and odd inputs get feedback rather than an exception.

The right answers are recomputed here by other routes (NumPy's correlation, SciPy's χ² CDF,
scikit-learn's parameter counts and adjusted Rand score, SciPy's multivariate normal density)."""

import jax.numpy as jnp
import numpy as np
import pytest
from feedback_assertions import assert_check_behaves, assert_correct, assert_incorrect
from genjax import categorical, flip, gen, multivariate_normal, normal
from scipy.stats import chi2
from scipy.stats import multivariate_normal as scipy_multivariate_normal
from sklearn.metrics import adjusted_rand_score
from sklearn.mixture import GaussianMixture

from genjax_gmm.checks import Feedback
from genjax_gmm.checks import chapter8 as check

COVARIANCE = np.array(check.COVARIANCE)
CORRELATION = COVARIANCE[0, 1] / np.sqrt(np.prod(np.diag(COVARIANCE)))


def sklearn_counts() -> dict:
    num_components, dimension = check.PARAMETER_COUNT_SHAPE
    counts = {}
    for kind in ("full", "tied", "diag", "spherical"):
        mixture = GaussianMixture(num_components, covariance_type=kind)
        mixture.means_ = np.zeros((num_components, dimension))
        counts[kind] = mixture._n_parameters()
    return counts


COUNTS = sklearn_counts()
ARI = adjusted_rand_score(check.LABELS_A, check.LABELS_B)
# Exercise 8.5 asks for E, the chance term of the ARI: both clusterings put 7 of the 28 pairs
# together (sizes 3, 3, 2 and 2, 3, 3), so E = 7 · 7 / 28.
CHANCE_PAIRS = 7 * 7 / 28
RAND_INDEX = np.mean(
    [
        (a1 == a2) == (b1 == b2)
        for i, (a1, b1) in enumerate(zip(check.LABELS_A, check.LABELS_B))
        for a2, b2 in list(zip(check.LABELS_A, check.LABELS_B))[i + 1 :]
    ]
)

CASES = [
    (check.exercise_8_1, CORRELATION, [3.0, 3.0 / 36.0, 3.0 / 13.0, 0.7]),
    (check.exercise_8_2, chi2.cdf(4.0, df=2), [0.9545, 1 - np.exp(-0.5), 0.6827, 0.5]),
    (
        check.exercise_8_3,
        COUNTS,
        [
            {**COUNTS, "full": COUNTS["full"] + 3},  # D² entries per covariance
            {kind: count - 2 for kind, count in COUNTS.items()},  # no weights
            {kind: count + 1 for kind, count in COUNTS.items()},  # K weights
            {"full": COUNTS["full"]},  # types missing
            [17, 11, 14, 11],  # not a dict
        ],
    ),
    (check.exercise_8_5, CHANCE_PAIRS, [ARI, RAND_INDEX, 49.0, 3.0]),
]


@pytest.mark.parametrize("exercise, answer, wrong_answers", CASES, ids=lambda value: getattr(value, "__name__", ""))
def test_check_behaves(exercise, answer, wrong_answers):
    assert_check_behaves(exercise, answer, wrong_answers)


@gen
def eruption(weights, means, covariances):
    """The prompt's model, as a student might write it."""
    kind = categorical(jnp.log(weights)) @ "kind"
    x = multivariate_normal(means[kind], covariances[kind]) @ "x"
    return x


def test_exercise_8_4_the_prompts_model_passes_and_log_densities_are_scipys():
    assert_correct(check.exercise_8_4(eruption))
    arguments = check._ERUPTION_CHECK.arguments
    for (weights, means, covariances), (_, _, assessed) in zip(arguments, check._ERUPTION_CHECK._reference_runs):
        for choices in assessed:
            kind, x = int(choices["kind"]), np.asarray(choices["x"])
            expected = np.log(weights[kind]) + scipy_multivariate_normal.logpdf(x, means[kind], covariances[kind])
            got, _ = eruption.assess({"kind": kind, "x": x}, weights, means, covariances)
            assert float(got) == pytest.approx(float(expected), abs=1e-9)


def eruption_model(logits_of, covariance_of, address="x"):
    @gen
    def model(weights, means, covariances):
        kind = categorical(logits_of(weights)) @ "kind"
        return multivariate_normal(means[kind], covariance_of(covariances[kind])) @ address
    return model


@gen
def flipped_kind(weights, means, covariances):
    kind = flip(weights[1]) @ "kind"
    return multivariate_normal(means[kind.astype(int)], covariances[kind.astype(int)]) @ "x"


@gen
def without_return(weights, means, covariances):
    kind = categorical(jnp.log(weights)) @ "kind"
    multivariate_normal(means[kind], covariances[kind]) @ "x"


@gen
def one_argument(weights):
    return normal(0.0, 1.0) @ "x"


@gen
def first_kind_always(weights, means, covariances):
    categorical(jnp.log(weights)) @ "kind"  # drawn, then ignored
    return multivariate_normal(means[0], covariances[0]) @ "x"


@pytest.mark.parametrize(
    "answer, fragment",
    [
        (eruption_model(lambda w: w, lambda c: c), "not probabilities"),
        (eruption_model(jnp.log, lambda c: jnp.diag(jnp.diag(c))), "drops the correlation"),
        (eruption_model(jnp.log, jnp.linalg.cholesky), "not its Cholesky factor"),
        (eruption_model(jnp.log, lambda c: c, address="point"), "missing 'x'"),
        (flipped_kind, "truth value"),
        (without_return, "returns nothing"),
        (one_argument, "takes 1 positional argument"),
        (first_kind_always, "the multivariate normal of that kind"),
        (eruption.simulate, "method"),
        (np.zeros((272, 2)), "expected a generative function"),
    ],
)
def test_exercise_8_4_wrong_models_get_a_cross_and_the_likely_mistake(answer, fragment):
    assert_incorrect(check.exercise_8_4(answer), fragment)


def test_known_values():
    assert CORRELATION == 0.5 and COUNTS == {"full": 17, "tied": 11, "diag": 14, "spherical": 11}
    assert check.COVARIANCE[0, 1] == 3.0  # indexable like the notebook's NumPy matrices
    assert check.exercise_8_2(0.852)  # a Monte Carlo estimate within the tolerance passes
    assert not check.exercise_8_2(0.845)


def test_exercise_8_2_passes_the_simulation_the_prompt_asks_for():
    # 20,000 standard-normal pairs per estimate, as the prompt says: every one of 200 seeds passes.
    rng = np.random.default_rng(0)
    estimates = [np.mean(np.sum(rng.standard_normal((20_000, 2)) ** 2, axis=1) <= 4.0) for _ in range(200)]
    assert all(check.exercise_8_2(estimate) for estimate in estimates)


def test_exercise_8_2_a_percentage_is_told_so():
    assert_incorrect(check.exercise_8_2(86.5), "percentage")


def test_exercise_8_3_a_misspelt_key_is_named():
    feedback = check.exercise_8_3({**{k: v for k, v in COUNTS.items() if k != "full"}, "Full": 17})
    assert_incorrect(feedback, "full")
    assert "'Full'" in feedback.message


def test_exercise_8_3_tied_with_d_squared_entries_names_symmetry():
    assert_incorrect(check.exercise_8_3({**COUNTS, "tied": COUNTS["tied"] + 1}), "symmetric")


def test_exercise_8_3_the_counts_for_two_components_are_named():
    # The notebook prints the K = 2 fits' parameter counts: copied, they are named as such.
    for_two = {"full": 11, "tied": 8, "diag": 9, "spherical": 7}
    assert_incorrect(check.exercise_8_3(for_two), "K = 3")
    assert "K = 2" in check.exercise_8_3(for_two).message
    assert_incorrect(check.exercise_8_3({**COUNTS, "tied": 8}), "count for K = 2")
    assert_incorrect(check.exercise_8_3({**COUNTS, "full": 11}), "K = 2")  # or the means forgotten


def test_exercise_8_3_lists_every_wrong_type():
    feedback = check.exercise_8_3({**COUNTS, "full": COUNTS["full"] + 3, "spherical": COUNTS["spherical"] - 2})
    assert_incorrect(feedback, "symmetric")
    assert "'full'" in feedback.message and "'spherical'" in feedback.message and "'diag'" not in feedback.message


def test_more_named_mistakes():
    assert_incorrect(check.exercise_8_1(np.corrcoef(COVARIANCE)[0, 1]), "np.corrcoef")
    assert_incorrect(check.exercise_8_2(np.exp(-2.0)), "outside")
    assert_incorrect(check.exercise_8_5(ARI), "the adjusted Rand index itself")
    assert_incorrect(check.exercise_8_5(49.0), "divide the product")
    assert_incorrect(check.exercise_8_5(49 / 56), "not N(N − 1)")


@pytest.mark.parametrize("exercise", [case[0] for case in CASES] + [check.exercise_8_4])
@pytest.mark.parametrize(
    "odd",
    ["text", [], {}, object(), float("nan"), float("inf"), np.ones((2, 2)), -1, True, ("a", "b", "c"), {"full": None}],
)
def test_any_input_gets_feedback(exercise, odd):
    feedback = exercise(odd)
    assert isinstance(feedback, Feedback) and not feedback
