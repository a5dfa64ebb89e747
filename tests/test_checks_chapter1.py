"""Chapter 1 checks: right answers pass, None is "not answered", usual mistakes fail with a hint.

The right answers are written down by hand from the exercises (0.5·500 + 0.3·350 + 0.2·420,
3·455, the normal tail by scipy, the overlapping shop's density by scipy, the menu model with
its log densities from scipy), independently of the check module, so a check that computed the
wrong target would fail here.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from feedback_assertions import assert_correct, assert_incorrect, assert_unanswered
from genjax import categorical, flip, gen, normal, seed
from scipy import stats

from genjax_gmm.checks import chapter1 as check

EXACT_P_GENEROUS = 0.7 * stats.norm.sf(502, 500, 2) + 0.3 * stats.norm.sf(502, 350, 2)


@pytest.mark.parametrize(
    "exercise, right",
    [
        (check.exercise_1_1, 439),
        (check.exercise_1_1, 0.5 * 500 + 0.3 * 350 + 0.2 * 420),
        (check.exercise_1_1, np.float32(439.0)),
        (check.exercise_1_2, 1365),
        (check.exercise_1_2, 3 * (0.7 * 500 + 0.3 * 350)),
        (check.exercise_1_3, "b"),
        (check.exercise_1_3, " B "),
        (check.exercise_1_3, "b."),
        (check.exercise_1_3, "(b)"),
        (check.exercise_1_1, 439.0004),  # within a millionth of the answer, as the prompt says
        (check.exercise_1_4, 0.111),
        (check.exercise_1_4, EXACT_P_GENEROUS),
        (check.exercise_1_4, np.array(0.1142)),  # a typical estimate from 10,000 bentos
        (check.exercise_1_4, 0.1011),  # 3.2 standard errors low: still a plausible estimate
        (check.exercise_1_4, 0.11),  # 2 decimals, as the prompt asks
    ],
)
def test_right_answers_pass(exercise, right):
    assert_correct(exercise(right))


@pytest.mark.parametrize(
    "exercise", [check.exercise_1_1, check.exercise_1_2, check.exercise_1_3, check.exercise_1_4, check.exercise_1_5]
)
def test_none_is_not_answered(exercise):
    assert_unanswered(exercise(None))


@pytest.mark.parametrize(
    "exercise, wrong, hint_fragment",
    [
        (check.exercise_1_1, (500 + 350 + 420) / 3, "plain average"),
        (check.exercise_1_1, 455, "Chibany's two-item menu"),
        (check.exercise_1_1, 0.5 * 500 + 0.3 * 350, "include the karaage"),
        (check.exercise_1_1, 0.439, "kilograms"),
        (check.exercise_1_1, 0.7 * 500 + 0.3 * 350 + 0.2 * 420, "add up to 1.2"),
        (check.exercise_1_1, 440, "weighted average"),  # off by 1 g
        (check.exercise_1_1, 439.001, "weighted average"),  # more than a millionth of the answer off
        (check.exercise_1_1, "439 g", "without the unit"),
        (check.exercise_1_2, 455, "one bento"),
        (check.exercise_1_2, 1500, "not every bento is a tonkatsu"),
        (check.exercise_1_2, 3 * 425, "weight each kind by its probability"),
        (check.exercise_1_2, 910, "linearity"),  # a two-bento order
        (check.exercise_1_2, 1365.3, "use linearity, not the simulation"),  # a simulated mean
        (check.exercise_1_2, 1351.0, "use linearity, not the simulation"),
        (check.exercise_1_2, 3 * 439, "three-item menu of Exercise 1.1"),
        (check.exercise_1_2, 3 * 440.1, "mean of the 20 mystery bentos"),
        (check.exercise_1_2, 1340.0, "linearity, E[W₁ + W₂ + W₃]"),  # 25 g off: not a simulated mean
        (check.exercise_1_3, "a", "far apart compared with their spread"),
        (check.exercise_1_3, "c", "half a standard deviation"),
        (check.exercise_1_3, "d", "smoother"),
        (check.exercise_1_3, "e", "one of the letters"),
        (check.exercise_1_3, 3, "one of the letters"),
        (check.exercise_1_3, ["b"], "one of the letters"),
        (check.exercise_1_4, 0.7, "P(tonkatsu)"),
        (check.exercise_1_4, stats.norm.sf(1), "fraction of the tonkatsu bentos"),
        (check.exercise_1_4, 1 - EXACT_P_GENEROUS, "at most 502 g"),
        (check.exercise_1_4, 0.13, "at least 10,000 bentos"),
        (check.exercise_1_4, 0.094, "at least 10,000 bentos"),  # 5.5 standard errors low
        (check.exercise_1_4, 11, "not a percentage"),
        (check.exercise_1_4, 10.83, "not a percentage"),  # a simulated percentage
        (check.exercise_1_4, 0.1, "not a rounded copy"),  # 1 decimal: the prompt asks for 2
    ],
)
def test_typical_mistakes_fail_with_a_hint(exercise, wrong, hint_fragment):
    assert_incorrect(exercise(wrong), hint_fragment)


def test_the_right_answer_to_1_3_is_the_single_hump():
    """At the overlapping shop (kinds at 470 and 480 g, sd 10 g) the mixture density has one peak,
    at its mean 475 g, and a bento within 5 g of the mean is common: answer b is right."""
    grams = np.linspace(400, 550, 150_001)
    density = 0.5 * stats.norm.pdf(grams, 480, 10) + 0.5 * stats.norm.pdf(grams, 470, 10)
    peaks = np.flatnonzero((density[1:-1] > density[:-2]) & (density[1:-1] > density[2:])) + 1
    assert len(peaks) == 1 and abs(grams[peaks[0]] - 475) < 1e-3
    near_mean = 0.5 * sum(stats.norm.cdf(480, m, 10) - stats.norm.cdf(470, m, 10) for m in (470, 480))
    assert near_mean > 0.3


def test_exercise_1_4_tolerance_is_four_standard_errors_at_ten_thousand_bentos():
    standard_error = np.sqrt(EXACT_P_GENEROUS * (1 - EXACT_P_GENEROUS) / 10_000)
    assert check.exercise_1_4(EXACT_P_GENEROUS + 3.9 * standard_error)
    assert not check.exercise_1_4(EXACT_P_GENEROUS + 4.1 * standard_error)
    assert not check.exercise_1_4(EXACT_P_GENEROUS - 4.1 * standard_error)


def test_exercise_1_4_accepts_a_real_simulation():
    """An honest estimate from 10,000 independent bentos passes (for several seeds)."""
    rng = np.random.default_rng(1)
    for _ in range(20):
        tonkatsu = rng.random(10_000) < 0.7
        weights = np.where(tonkatsu, 500.0, 350.0) + rng.normal(0.0, 2.0, 10_000)
        assert_correct(check.exercise_1_4(np.mean(weights > 502)))


def test_non_finite_answers_are_incorrect_not_errors():
    for exercise in (check.exercise_1_1, check.exercise_1_2, check.exercise_1_4):
        assert exercise(float("nan")).status == "incorrect"
        assert exercise(float("inf")).status == "incorrect"


def test_exercise_1_1_does_not_give_the_formula_away_for_a_wrong_type():
    for answer in ("439 g", [439], {"weight": 439}):
        feedback = check.exercise_1_1(answer)
        assert not feedback and "0.5" not in feedback.message and "420" not in feedback.message, feedback


def test_exercise_1_2_tells_a_simulated_mean_that_the_answer_is_exact():
    feedback = check.exercise_1_2(1365.3)
    assert "too large" not in feedback.message and "exact" in feedback.message


def test_the_generic_hints_do_not_write_out_the_answer():
    """A wrong number gets a hint that teaches (what a probability is, what linearity says), never
    the line of code or the number that answers the exercise."""
    for exercise, wrong, answer_fragments in [
        (check.exercise_1_1, 400.0, ["0.5 · 500", "0.5 * 500", "439"]),
        (check.exercise_1_4, 0.3, ["jnp.mean", "weights > 502", "0.111"]),
    ]:
        feedback = exercise(wrong)
        assert_incorrect(feedback)
        assert not any(fragment in feedback.message for fragment in answer_fragments), feedback.message


# ---------------------------------------------------------------------------------------------
# Exercise 1.5: the menu as a generative function


@gen
def menu_bento():
    """The prompt's model, written as a student would (probabilities as counts, where for the sd)."""
    kind = categorical(jnp.log(jnp.array([5.0, 3.0, 2.0]))) @ "kind"
    typical = jnp.array([500.0, 350.0, 420.0])[kind]
    sd = jnp.where(kind == 2, 5.0, 2.0)
    weight = normal(typical, sd) @ "weight"
    return weight


def test_exercise_1_5_the_prompts_model_passes():
    assert_correct(check.exercise_1_5(menu_bento))


def test_exercise_1_5_compares_log_densities_the_menu_gives():
    """Every assessed bento's log density is log P(kind) + log N(weight; m_kind, s_kind²), by scipy."""
    behaviour = check._MENU_CHECK.reference_behaviour()
    logs = {label: q.value for label, q in behaviour.items() if label.startswith("log p(")}
    assert len(logs) == 12 + 3
    kinds = {"tonkatsu": (0.5, 500.0, 2.0), "hamburger": (0.3, 350.0, 2.0), "karaage": (0.2, 420.0, 5.0)}
    for label, value in logs.items():
        name = label.split("a ")[1].split(" bento")[0]
        weight = float(label.split(" of ")[1].split(" g")[0])
        p, mean, sd = kinds[name]
        assert value == pytest.approx(np.log(p) + stats.norm.logpdf(weight, mean, sd), abs=0.05 / sd**2 * 10), label


def model(logits, means, sds):
    @gen
    def wrong():
        kind = categorical(jnp.asarray(logits)) @ "kind"
        return normal(jnp.asarray(means)[kind], jnp.asarray(sds)[kind]) @ "weight"
    return wrong


@gen
def with_flip():
    tonkatsu = flip(0.5) @ "kind"
    return normal(jnp.where(tonkatsu, 500.0, 350.0), 2.0) @ "weight"


@gen
def misspelt():
    kind = categorical(jnp.log(jnp.array([0.5, 0.3, 0.2]))) @ "kind"
    return normal(jnp.array([500.0, 350.0, 420.0])[kind], 2.0) @ "wieght"


@gen
def returns_kind():
    kind = categorical(jnp.log(jnp.array([0.5, 0.3, 0.2]))) @ "kind"
    normal(jnp.array([500.0, 350.0, 420.0])[kind], jnp.array([2.0, 2.0, 5.0])[kind]) @ "weight"
    return kind


@gen
def wobble_at_weight():
    """Right weights, but the wobble around 0 recorded at "weight" instead of the weight."""
    kind = categorical(jnp.log(jnp.array([0.5, 0.3, 0.2]))) @ "kind"
    wobble = normal(0.0, jnp.array([2.0, 2.0, 5.0])[kind]) @ "weight"
    return jnp.array([500.0, 350.0, 420.0])[kind] + wobble


@gen
def whole_gram_means():
    """The right model with the typical weights written as integers: GenJAX rejects it."""
    kind = categorical(jnp.log(jnp.array([0.5, 0.3, 0.2]))) @ "kind"
    return normal(jnp.array([500, 350, 420])[kind], jnp.array([2.0, 2.0, 5.0])[kind]) @ "weight"


@gen
def whole_number_arguments():
    kind = categorical(jnp.log(jnp.array([0.5, 0.3, 0.2]))) @ "kind"
    return normal(jnp.array([500, 350, 420])[kind], jnp.array([2, 2, 5])[kind]) @ "weight"


@gen
def with_python_if():
    kind = categorical(jnp.log(jnp.array([0.5, 0.3, 0.2]))) @ "kind"
    return normal(500.0 if kind == 0 else 350.0, 2.0) @ "weight"


def not_a_model():
    return 439.0


@pytest.mark.parametrize(
    "answer, fragment",
    [
        (model([0.5, 0.3, 0.2], [500.0, 350.0, 420.0], [2.0, 2.0, 5.0]), "categorical takes logits"),
        (model(np.log([0.5, 0.3, 0.2]), [500.0, 350.0, 420.0], [4.0, 4.0, 25.0]), "not the variance"),
        (model(np.log([0.5, 0.3, 0.2]), [500.0, 350.0, 420.0], [2.0, 2.0, 2.0]), "its standard deviation is 5 g"),
        (model(np.log([0.5, 0.3, 0.2]), [500.0, 420.0, 350.0], [2.0, 5.0, 2.0]), "keep one order"),
        (model(np.log([0.5, 0.2, 0.3]), [500.0, 420.0, 350.0], [2.0, 5.0, 2.0]), "number the kinds"),
        (model(np.log([0.7, 0.3]), [500.0, 350.0], [2.0, 2.0]), "Chibany's two-item menu"),
        (model(np.log([0.5, 0.3, 0.2]), [500.0, 350.0, 420.0], [2.0, 2.0, 4.0]), "its own typical weight"),
        (with_flip, "a truth value (True or False)"),
        (misspelt, "missing 'weight'"),
        (returns_kind, "returns a whole number; the prompt's model returns the weight, a number with decimals"),
        (wobble_at_weight, "the weight itself"),
        (whole_gram_means, "write 500.0, not 500"),
        (whole_number_arguments, "write 500.0, not 500"),
        (with_python_if, "jnp.where"),
        (not_a_model, "put @gen"),
        (439.0, "expected a generative function"),
    ],
)
def test_exercise_1_5_wrong_models_get_a_cross_and_the_likely_mistake(answer, fragment):
    assert_incorrect(check.exercise_1_5(answer), fragment)


def test_exercise_1_5_hides_the_answer_to_exercise_1_1():
    feedback = check.exercise_1_5(model(np.log([0.5, 0.3, 0.2]), [510.0, 350.0, 420.0], [2.0, 2.0, 5.0]))
    assert not feedback and "439" not in feedback.message


def test_exercise_1_5_a_trace_is_not_the_model():
    assert_incorrect(check.exercise_1_5(seed(menu_bento.simulate)(jax.random.key(0))), "not the result")
