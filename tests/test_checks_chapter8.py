"""Chapter 8's exercise checks: right answers pass, None waits, typical mistakes fail with a hint,
and odd inputs get feedback rather than an exception.

The right answers are recomputed here by other routes (NumPy's correlation, SciPy's χ² CDF,
scikit-learn's parameter counts, BIC and adjusted Rand score). The BIC fits are a session fixture:
they run once, when a test needs them, not at import in every xdist worker."""

import numpy as np
import pytest
from feedback_assertions import assert_check_behaves
from scipy.stats import chi2
from sklearn.metrics import adjusted_rand_score
from sklearn.mixture import GaussianMixture

import genjax_gmm as gg
from genjax_gmm.checks import Feedback
from genjax_gmm.checks import chapter8 as check

COVARIANCE = np.array(check.COVARIANCE)
CORRELATION = COVARIANCE[0, 1] / np.sqrt(np.prod(np.diag(COVARIANCE)))


def sklearn_counts() -> dict:
    num_components, dimension = check.PARAMETER_COUNT_SHAPE
    counts = {}
    for kind in check.BIC_TYPES:
        mixture = GaussianMixture(num_components, covariance_type=kind)
        mixture.means_ = np.zeros((num_components, dimension))
        counts[kind] = mixture._n_parameters()
    return counts


@pytest.fixture(scope="session")
def sklearn_bic() -> dict:
    data = gg.OLD_FAITHFUL
    return {
        (kind, k): GaussianMixture(k, covariance_type=kind, reg_covar=0.0, tol=1e-6, n_init=3, random_state=0)
        .fit(data)
        .bic(data)
        for kind in check.BIC_TYPES
        for k in check.BIC_COMPONENTS
    }


COUNTS = sklearn_counts()
ARI = adjusted_rand_score(check.LABELS_A, check.LABELS_B)
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
    (check.exercise_8_5, ARI, [RAND_INDEX, 1.0, 0.0]),
]


@pytest.mark.parametrize("exercise, answer, wrong_answers", CASES, ids=lambda value: getattr(value, "__name__", ""))
def test_check_behaves(exercise, answer, wrong_answers):
    assert_check_behaves(exercise, answer, wrong_answers)


def test_best_model_by_bic(sklearn_bic):
    best = min(sklearn_bic, key=sklearn_bic.get)
    wrong = [key for key in sklearn_bic if key != best][:4] + [("full", 7), ("full",), "tied"]
    assert_check_behaves(check.exercise_8_4, best, wrong)


def test_known_values():
    assert CORRELATION == 0.5 and COUNTS == {"full": 17, "tied": 11, "diag": 14, "spherical": 11}
    assert check.exercise_8_2(0.862)  # a Monte Carlo estimate within the tolerance passes
    assert not check.exercise_8_2(0.85)


@pytest.mark.parametrize("exercise", [case[0] for case in CASES] + [check.exercise_8_4])
@pytest.mark.parametrize(
    "odd",
    ["text", [], {}, object(), float("nan"), float("inf"), np.ones((2, 2)), -1, True, ("a", "b", "c"), {"full": None}],
)
def test_any_input_gets_feedback(exercise, odd):
    feedback = exercise(odd)
    assert isinstance(feedback, Feedback) and not feedback
