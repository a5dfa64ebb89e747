"""Chapter 7's exercise checks: right answers pass, None waits, typical mistakes fail with a hint.

The right answers are recomputed here by other routes: the package's ``expected_num_tables`` and
``seating_logits`` for 7.1 and 7.2, and a longer, differently keyed sampler run for 7.3 (a session
fixture: it runs once, when a test needs it, not at import in every xdist worker). Odd inputs are
the robustness battery's (tests/test_checks_robustness.py, which lists every chapter's checks).
"""

import jax
import numpy as np
import pytest
from feedback_assertions import assert_check_behaves, assert_incorrect

import genjax_gmm as gg
from genjax_gmm.checks import chapter7 as check

EXPECTED_TABLES = gg.expected_num_tables(check.CUSTOMERS, check.ALPHA)
TABLE_ONE_OFF = np.array([0.3, 0.05, 0.005]) / 0.355  # n_k forgotten


@pytest.fixture(scope="session")
def reseat():
    """The reseating probabilities of the 4-point example, by the package's seating rule."""
    logits = gg.seating_logits(
        np.array([*check.TABLE_SIZES, 0.0]),
        np.log([*check.PREDICTIVE, 1.0]),
        np.log(check.PRIOR_PREDICTIVE),
        check.RESEAT_ALPHA,
    )
    return np.asarray(jax.nn.softmax(logits))


@pytest.fixture(scope="session")
def coffee_clusters():
    """P(K | coffee) from a longer run than the check's, with another key."""
    run = gg.dpmm_gibbs(jax.random.key(60), gg.COFFEE_CAFFEINE, check.COFFEE_PRIOR, num_sweeps=1000, num_chains=4)
    return np.asarray(gg.posterior_num_clusters(run))


def test_expected_tables():
    assert_check_behaves(
        check.exercise_7_1, EXPECTED_TABLES, [2 * np.log(1 + 50 / 2), EXPECTED_TABLES - 1 + 2 / 52, 50]
    )
    assert_incorrect(check.exercise_7_1(2 * np.log(1 + 50 / 2)), "approximation")
    assert check.exercise_7_1(np.float32(round(EXPECTED_TABLES, 3)))


def test_reseating(reseat):
    assert_check_behaves(check.exercise_7_2, reseat, [TABLE_ONE_OFF, 2 * reseat, reseat[::-1]])
    assert_incorrect(check.exercise_7_2(TABLE_ONE_OFF), "number of customers")
    assert_incorrect(check.exercise_7_2(2 * reseat), "sum to 1")
    assert check.exercise_7_2(list(np.round(reseat, 3)))


def test_coffee_blends(coffee_clusters):
    mode = int(np.argmax(coffee_clusters))
    assert_check_behaves(check.exercise_7_3, mode, [1, 2, 30])
    assert_incorrect(check.exercise_7_3(30), "number of cups")
    assert check.exercise_7_3(np.int64(mode)) and check.exercise_7_3(float(mode))


def test_the_coffee_answer_is_three_blends_by_a_clear_margin(coffee_clusters):
    assert int(np.argmax(coffee_clusters)) == 3 and coffee_clusters[3] - max(np.delete(coffee_clusters, 3)) > 0.1


def test_effect_of_alpha():
    assert_check_behaves(check.exercise_7_4, "c", ["a", "b", "d"])
    assert check.exercise_7_4(" (C) ")
