"""Chapter 6's exercise checks: right answers pass, None waits, typical mistakes fail with a hint,
and odd input gives feedback rather than an exception.

The right answers are recomputed here by other routes: the package's ``expected_num_tables`` and
``seating_logits`` for 6.1 and 6.2, and a longer, differently keyed sampler run for 6.3.
"""

import warnings

import jax
import numpy as np
import pytest
from feedback_assertions import assert_check_behaves, assert_incorrect
from test_checks_robustness import BATTERY, assert_feedback

import genjax_gmm as gg
from genjax_gmm.checks import chapter6 as check

EXPECTED_TABLES = gg.expected_num_tables(check.CUSTOMERS, check.ALPHA)
RESEAT = np.asarray(
    jax.nn.softmax(
        gg.seating_logits(
            np.array([*check.TABLE_SIZES, 0.0]),
            np.log([*check.PREDICTIVE, 1.0]),
            np.log(check.PRIOR_PREDICTIVE),
            check.RESEAT_ALPHA,
        )
    )
)
COFFEE_RUN = gg.dpmm_gibbs(jax.random.key(60), gg.COFFEE_CAFFEINE, check.COFFEE_PRIOR, num_sweeps=1000, num_chains=4)
COFFEE_MODE = int(np.argmax(gg.posterior_num_clusters(COFFEE_RUN)))
TABLE_ONE_OFF = np.array([0.3, 0.05, 0.005]) / 0.355  # n_k forgotten

CASES = [
    (check.exercise_6_1, EXPECTED_TABLES, [2 * np.log(1 + 50 / 2), EXPECTED_TABLES - 1 + 2 / 52, 50]),
    (check.exercise_6_2, RESEAT, [TABLE_ONE_OFF, 2 * RESEAT, RESEAT[::-1]]),
    (check.exercise_6_3, COFFEE_MODE, [1, 2, 30]),
    (check.exercise_6_4, "c", ["a", "b", "d"]),
]


@pytest.mark.parametrize("case", range(len(CASES)), ids=lambda case: f"6.{case + 1}")
def test_right_passes_none_is_unanswered_and_mistakes_get_a_hint(case):
    assert_check_behaves(*CASES[case])


def test_the_coffee_answer_is_three_blends_by_a_clear_margin():
    p_k = gg.posterior_num_clusters(COFFEE_RUN)
    assert COFFEE_MODE == 3 and p_k[3] - max(np.delete(p_k, 3)) > 0.1


def test_known_mistakes_get_their_own_hint():
    assert_incorrect(check.exercise_6_1(2 * np.log(1 + 50 / 2)), "approximation")
    assert_incorrect(check.exercise_6_2(TABLE_ONE_OFF), "number of customers")
    assert_incorrect(check.exercise_6_2(2 * RESEAT), "sum to 1")
    assert_incorrect(check.exercise_6_3(30), "number of cups")


CHECKS = [check.exercise_6_1, check.exercise_6_2, check.exercise_6_3, check.exercise_6_4]


@pytest.mark.parametrize("exercise", CHECKS, ids=lambda exercise: exercise.__name__)
def test_every_odd_input_gets_feedback_not_an_exception(exercise):
    """The robustness battery of tests/test_checks_robustness.py (which lists chapters 1–5)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for answer in BATTERY:
            assert_feedback(exercise(answer), answer)


def test_right_answers_pass_in_any_numeric_form():
    assert check.exercise_6_1(np.float32(round(EXPECTED_TABLES, 3)))
    assert check.exercise_6_2(list(np.round(RESEAT, 3)))
    assert check.exercise_6_3(np.int64(COFFEE_MODE)) and check.exercise_6_3(float(COFFEE_MODE))
    assert check.exercise_6_4(" (C) ")
