"""Chapter 5's exercise checks: right answers pass, None waits, typical mistakes fail with a hint.

The right answers are recomputed here by other routes (the package's mixture density, SciPy's
log-sum-exp, scikit-learn's EM for BIC, a short Gibbs run for the coffee blends) so that a slip
in the check module cannot hide behind itself.
"""

import jax
import numpy as np
import pytest
from feedback_assertions import assert_check_behaves
from scipy.special import logsumexp
from scipy.stats import norm
from sklearn.mixture import GaussianMixture

import genjax_gmm as gg
from genjax_gmm.checks import chapter5 as check
from genjax_gmm.inference import assignment_probabilities, gibbs

BENTO_WEIGHTS, BENTO_MEANS, BENTO_STDS = (np.array(v) for v in gg.BENTO)
DENSITY_499 = float(gg.marginal_density(check.DENSITY_POINT, *gg.BENTO))
NORMALISED = np.exp(np.array(check.LOG_WEIGHTS) - logsumexp(check.LOG_WEIGHTS))
ESS = 1 / np.sum(NORMALISED**2)
COFFEE = gg.COFFEE_CAFFEINE.reshape(-1, 1)


def sklearn_bic(num_blends: int) -> float:
    """BIC of scikit-learn's EM fit (1-D, one variance per component: 3K − 1 parameters)."""
    fit = GaussianMixture(num_blends, n_init=10, random_state=0, reg_covar=1e-9).fit(COFFEE)
    return fit.bic(COFFEE)


SKLEARN_BIC = {k: sklearn_bic(k) for k in check.BLEND_COUNTS}
BIC_BLENDS = min(SKLEARN_BIC, key=SKLEARN_BIC.get)
COFFEE_PRIOR = gg.GMMPrior(concentration=1.0, mean_loc=125.0, mean_scale=40.0, var_shape=2.0, var_scale=10.0)
COFFEE_POSTERIOR = gibbs(jax.random.key(0), gg.COFFEE_CAFFEINE, 3, COFFEE_PRIOR, num_sweeps=200, num_chains=2)
BLEND_PROBABILITIES = np.asarray(assignment_probabilities(COFFEE_POSTERIOR))

# (check, right answer by an independent route, typical wrong answers)
CASES = [
    (
        check.exercise_5_1,
        DENSITY_499,
        [
            norm.pdf(499, 500, 2),  # forgot the weights π_k
            np.sum(BENTO_WEIGHTS * norm.pdf(499, BENTO_MEANS, BENTO_STDS**2)),  # variance for sd
            0.3 * norm.pdf(499, 500, 2),  # swapped the weights
        ],
    ),
    (
        check.exercise_5_2,
        ESS,
        [5.0, 1.0, 1 / np.sum(np.exp(np.array(check.LOG_WEIGHTS) + 1000) ** 2), float("nan")],
    ),
    (check.exercise_5_3, "b", ["a", "c", "d"]),
    (check.exercise_5_4, BIC_BLENDS, [1, 2, 4, 5]),
    (
        check.exercise_5_5,
        BLEND_PROBABILITIES,
        [
            BLEND_PROBABILITIES[:, ::-1],  # blends not ordered by mean
            BLEND_PROBABILITIES.T,  # transposed
            2 * BLEND_PROBABILITIES,  # rows do not sum to one
            np.full((30, 3), 1 / 3),  # the prior, not the posterior
        ],
    ),
    (check.exercise_5_6, "b", ["a", "c", "d"]),
]
IDS = [f"5.{i}" for i in range(1, len(CASES) + 1)]


@pytest.mark.parametrize(("exercise", "answer", "wrong"), CASES, ids=IDS)
def test_right_passes_none_is_unanswered_and_mistakes_get_a_hint(exercise, answer, wrong):
    assert_check_behaves(exercise, answer, wrong)


def test_known_mistakes_get_their_own_hint():
    assert "weight πₖ" in repr(check.exercise_5_1(norm.pdf(499, 500, 2)))
    assert "standard deviation σ = 2" in repr(
        check.exercise_5_1(np.sum(BENTO_WEIGHTS * norm.pdf(499, BENTO_MEANS, BENTO_STDS**2)))
    )
    assert "number of particles" in repr(check.exercise_5_2(5))
    assert "normalise" in repr(check.exercise_5_2(1 / np.sum(np.exp(np.array(check.LOG_WEIGHTS) + 1000) ** 2)))


    assert "largest BIC" in repr(check.exercise_5_4(max(SKLEARN_BIC, key=SKLEARN_BIC.get)))
    assert "relabel" in repr(check.exercise_5_5(BLEND_PROBABILITIES[:, ::-1]))
    assert "transposed" in repr(check.exercise_5_5(BLEND_PROBABILITIES.T))
    assert "sum to 1" in repr(check.exercise_5_5(2 * BLEND_PROBABILITIES))


def test_ess_answer_is_between_one_and_the_number_of_particles():
    assert 1 < ESS < len(check.LOG_WEIGHTS)


def test_bic_prefers_three_blends_by_a_clear_margin():
    """The BIC answer is not a near-tie that another EM implementation could flip."""
    assert BIC_BLENDS == 3
    assert min(v for k, v in SKLEARN_BIC.items() if k != 3) - SKLEARN_BIC[3] > 5


def test_gibbs_blend_probabilities_are_near_certain():
    """The check compares with Bayes' rule at known blends; that is fair only if the posterior is sure."""
    assert np.all(BLEND_PROBABILITIES.max(axis=1) > 1 - check.BLEND_PROBABILITY_TOLERANCE)


def test_a_non_numeric_answer_is_rejected_without_raising():
    for exercise in (check.exercise_5_1, check.exercise_5_2, check.exercise_5_5):
        feedback = exercise("five")
        assert feedback.status == "incorrect"
