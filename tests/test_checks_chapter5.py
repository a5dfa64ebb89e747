"""Chapter 5's exercise checks: right answers pass, None waits, typical mistakes fail with a hint.

The right answers are recomputed here by other routes (the package's mixture density, SciPy's
log-sum-exp, Bayes' rule with SciPy for the kinds block, a collapsed Gibbs run for the coffee
blends) so that a slip in the check module cannot hide behind itself. The Gibbs run is a session
fixture: it runs once, when a test needs it, not at import in every xdist worker.
"""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from feedback_assertions import assert_check_behaves, assert_correct, assert_incorrect, assert_unanswered
from scipy.special import logsumexp
from scipy.stats import norm

import genjax_gmm as gg
from genjax_gmm.checks import chapter5 as check

WEIGHTS, MEANS, STDS = (np.array(v) for v in check.SLOPPY_KITCHEN)
DENSITY_420 = float(gg.marginal_density(check.DENSITY_POINT, *check.SLOPPY_KITCHEN))
TERMS = WEIGHTS * norm.pdf(check.DENSITY_POINT, MEANS, STDS)
NORMALISED = np.exp(np.array(check.LOG_WEIGHTS) - logsumexp(check.LOG_WEIGHTS))
ESS = 1 / np.sum(NORMALISED**2)
UNNORMALISED_ESS = 1 / np.sum(np.exp(np.array(check.LOG_WEIGHTS) + 1000) ** 2)
CUPS = np.append(gg.COFFEE_CAFFEINE, check.NEW_CUP)


@pytest.fixture(scope="session")
def blend_probabilities():
    """Every cup's P(blend | data) from a collapsed Gibbs run at K = 3, blends ordered by mean."""
    posterior = gg.collapsed_gibbs(jax.random.key(0), CUPS, 3, check.COFFEE_PRIOR, num_sweeps=400, num_chains=4)
    return posterior.kind_probabilities()


def test_both_kinds_contribute_to_the_density_at_420_g():
    assert DENSITY_420 == pytest.approx(TERMS.sum(), rel=1e-12)
    assert TERMS.min() > 0.25 * TERMS.max()  # dropping either term is more than a rounding


# (check, right answer by an independent route, typical wrong answers)
CASES = {
    "5.1": (
        check.exercise_5_1,
        DENSITY_420,
        [
            np.sum(norm.pdf(420, MEANS, STDS)),  # forgot the weights π_k
            np.sum(WEIGHTS * norm.pdf(420, MEANS, STDS**2)),  # variance for sd
            TERMS[0],  # hamburger only
            TERMS[1],  # tonkatsu only
            np.sum(WEIGHTS[::-1] * norm.pdf(420, MEANS, STDS)),  # swapped the weights
            DENSITY_420 * math.sqrt(2 * math.pi),  # forgot 1/√(2π)
            math.log(DENSITY_420),  # the log density
            1.8e-5,  # rounded to 2 significant figures
        ],
    ),
    "5.2": (check.exercise_5_2, ESS, [5.0, 1.0, UNNORMALISED_ESS, np.sum(NORMALISED**2), 2.9, float("nan")]),
    "5.4": (check.exercise_5_4, "c", ["a", "b", "d"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_right_passes_none_is_unanswered_and_mistakes_get_a_hint(case):
    assert_check_behaves(*CASES[case])


def test_known_mistakes_get_their_own_hint():
    assert_incorrect(check.exercise_5_1(np.sum(norm.pdf(420, MEANS, STDS))), "weight πₖ")
    assert_incorrect(check.exercise_5_1(np.sum(WEIGHTS * norm.pdf(420, MEANS, STDS**2))), "standard deviation σ = 20")
    assert_incorrect(check.exercise_5_1(TERMS[0]), "only the hamburger term")
    assert_incorrect(check.exercise_5_1(TERMS[1]), "only the tonkatsu term")
    swapped = np.sum(WEIGHTS[::-1] * norm.pdf(420, MEANS, STDS))
    assert_incorrect(check.exercise_5_1(swapped), "hamburger (350 g, kind 0)")
    assert_incorrect(check.exercise_5_1(DENSITY_420 * math.sqrt(2 * math.pi)), "√(2π)")
    assert_incorrect(check.exercise_5_1(math.log(DENSITY_420)), "log")
    assert_incorrect(check.exercise_5_1(1.8e-5), "rounded to 2 significant figures")  # not "6 decimal places"
    assert_incorrect(check.exercise_5_2(5), "number of particles")
    assert_incorrect(check.exercise_5_2(UNNORMALISED_ESS), "normalise")
    assert_incorrect(check.exercise_5_2(1.0), "squares them")
    assert_incorrect(check.exercise_5_2(np.sum(NORMALISED**2)), "reciprocal")
    assert_incorrect(check.exercise_5_2(2.9), "rounded too much")
    assert_incorrect(check.exercise_5_2(int(ESS)), "do not round")  # 2
    assert_incorrect(check.exercise_5_2(round(ESS)), "do not round")  # 3


def draw_kinds_by_inversion(key, x, weights, means, variances):
    """Right, written differently from the check's reference: the log density by hand and the
    inverse CDF of one uniform per point."""
    log_joint = jnp.log(weights) - 0.5 * jnp.log(2 * jnp.pi * variances) - 0.5 * (x[:, None] - means) ** 2 / variances
    probabilities = jnp.exp(log_joint - jax.scipy.special.logsumexp(log_joint, axis=1, keepdims=True))
    u = jax.random.uniform(key, (x.size, 1))
    return jnp.sum(jnp.cumsum(probabilities, axis=1) < u, axis=1)


def draw_kinds_by_gumbel(key, x, weights, means, variances):
    """Right again: the Gumbel-max trick on the logits, with SciPy-free log densities."""
    logits = jnp.log(weights) - 0.5 * jnp.log(variances) - 0.5 * (x[:, None] - means) ** 2 / variances
    return jnp.argmax(logits + jax.random.gumbel(key, logits.shape), axis=1)


def probabilities(x, weights, means, variances):
    """P(z_i = k | …) for every point, normalised: passing these as logits is a typical mistake."""
    joint = weights * jnp.exp(-((x[:, None] - means) ** 2) / (2 * variances)) / jnp.sqrt(variances)
    return joint / joint.sum(axis=1, keepdims=True)


def test_the_kinds_block_passes_however_it_is_written():
    assert_correct(check.exercise_5_3(draw_kinds_by_inversion))
    assert_correct(check.exercise_5_3(jax.jit(draw_kinds_by_inversion)))
    assert_correct(check.exercise_5_3(draw_kinds_by_gumbel))
    assert_unanswered(check.exercise_5_3(None))


@pytest.mark.parametrize(
    ("variant", "fragment"),
    [
        (lambda x, w, m, v: (x, w, m, v**2), "standard deviation"),  # σ² used where σ goes: variance σ⁴
        (lambda x, w, m, v: (x, jnp.ones_like(w) / w.size, m, v), "prior term"),
    ],
)
def test_typical_mistakes_of_the_kinds_block_get_their_hint(variant, fragment):
    def mistaken(key, x, weights, means, variances):
        return draw_kinds_by_inversion(key, *variant(x, weights, means, variances))

    assert_incorrect(check.exercise_5_3(mistaken), fragment)


def without_log_variance(key, x, w, m, v):
    return jax.random.categorical(key, jnp.log(w) - (x[:, None] - m) ** 2 / (2 * v), axis=1)


def square_root_weights(key, x, w, m, v):
    return draw_kinds_by_inversion(key, x, jnp.sqrt(w), m, v)


def tempered_logits(key, x, w, m, v):
    logits = jnp.log(w) - 0.5 * jnp.log(v) - (x[:, None] - m) ** 2 / (2 * v)
    return jax.random.categorical(key, 0.8 * logits, axis=1)


def one_uniform_for_all_points(key, x, w, m, v):
    """Every point's inverse CDF at the same uniform: right frequencies, dependent kinds."""
    cumulative = jnp.cumsum(probabilities(x, w, m, v), axis=1)
    return jnp.sum(cumulative < jax.random.uniform(key), axis=1)


def one_key_for_every_row(key, x, w, m, v):
    """Right frequencies, but each row drawn with the same key: equal points always share a kind."""
    logits = jnp.log(w) - 0.5 * jnp.log(v) - (x[:, None] - m) ** 2 / (2 * v)
    return jnp.stack([jax.random.categorical(key, logits[i]) for i in range(x.shape[0])])


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (without_log_variance, "−½ log(2πσ²)"),
        (one_key_for_every_row, "same random numbers (one key"),
        (square_root_weights, ""),
        (tempered_logits, ""),
        (one_uniform_for_all_points, "not drawn independently"),
        (lambda key, x, w, m, v: jnp.argmax(jnp.log(w / jnp.sqrt(v)) - (x[:, None] - m) ** 2 / (2 * v), axis=1),
         "most probable"),
        (lambda key, x, w, m, v: draw_kinds_by_inversion(key, x, w, m, v) + 1, "from 1"),
        (lambda key, x, w, m, v: jax.random.categorical(key, probabilities(x, w, m, v), axis=1),
         "log probabilities (logits)"),
        (lambda key, x, w, m, v: draw_kinds_by_inversion(key, x[:3], w, m, v), "shape (5,)"),
        (lambda key, x, w, m, v: jnp.full(x.size, 0.5), "whole numbers"),
        (lambda key, x: x, "arguments"),
        (lambda key, x, w, m, v: int(x[0]), "jnp.where"),
        ("draw_kinds", "expected a function"),
    ],
)
def test_a_wrong_kinds_block_gets_a_cross_saying_what_went_wrong(answer, fragment):
    assert_incorrect(check.exercise_5_3(answer), fragment)


def test_the_reference_frequencies_are_bayes_rule_within_their_standard_errors():
    """Each point's kind frequencies, the equal points' shared-kind frequencies (Σₖ pₖ²) and the
    certain point, against Bayes' rule with SciPy."""
    behaviour = check._DRAW_KINDS.reference_behaviour()
    expected = []
    for problem, (x, parameters) in enumerate(zip(check._HIDDEN_X, check._HIDDEN), start=1):
        x = np.asarray(x)
        weights, means, variances = (np.asarray(v) for v in parameters)
        joint = weights * norm.pdf(x[:, None], means, np.sqrt(variances))
        exact = joint / joint.sum(axis=1, keepdims=True)
        for i in range(x.size):
            if problem == 2 and i == check._CERTAIN[0]:
                assert exact[i, check._CERTAIN[1]] > 1 - 1e-7
                expected.append((exact[i, check._CERTAIN[1]], True))
            else:
                expected += [(p, False) for p in exact[i]]
        if problem == 2:
            expected += [(np.sum(exact[i] * exact[j]), False) for i, j in check._PAIRS]
    assert len(expected) == len(behaviour) == 3 * 5 + 3 * 4 + 1 + 2
    for (label, quantity), (p, certain) in zip(behaviour.items(), expected, strict=True):
        if certain:
            assert quantity.value == 1.0 and not quantity.simulated, label
        else:
            assert abs(quantity.value - p) <= 4.5 * math.sqrt(p * (1 - p) / quantity.draws) + 1e-12, label


def test_the_new_cups_exact_blend_probabilities():
    """The check's expected row for the 100 mg cup, against a collapsed Gibbs run on all 31 cups;
    the 30 cups' rows are certain."""
    expected = check._exact_blend_probabilities()
    assert expected[-1] == pytest.approx([0.1713, 0.8287, 0.0], abs=5e-4)
    assert np.all(expected[:-1].max(axis=1) > 1 - 1e-12)


def test_blend_probabilities_pass_and_their_mistakes_get_a_hint(blend_probabilities):
    assert np.abs(blend_probabilities - check._exact_blend_probabilities()).max() < 0.005
    stuck, known = blend_probabilities.copy(), blend_probabilities.copy()
    stuck[-1] = [0.0, 1.0, 0.0]  # every chain kept the 100 mg cup in the middle blend
    known[-1] = gg.category_posterior(check.NEW_CUP, *gg.COFFEE)  # Bayes' rule with the blends known
    raw = blend_probabilities @ np.array([[0.5, 0.5, 0.0], [0.5, 0.5, 0.0], [0.0, 0.0, 1.0]])  # labels unsorted
    assert_check_behaves(
        check.exercise_5_5,
        blend_probabilities,
        [blend_probabilities[:, ::-1], blend_probabilities.T, 2 * blend_probabilities, blend_probabilities[:-1],
         np.full((31, 3), 1 / 3), stuck, known, raw],
    )
    assert_incorrect(check.exercise_5_5(blend_probabilities[:, ::-1]), "another order")
    reversed_and_stuck = stuck[:, ::-1]  # the new cup's row wrong too: judged on the 30 certain cups
    assert_incorrect(check.exercise_5_5(reversed_and_stuck), "another order")
    counts = np.round(600 * raw)  # 600 draws counted, labels unsorted
    assert_incorrect(check.exercise_5_5(counts), "counts rather than probabilities")
    assert_incorrect(check.exercise_5_5(raw), "names switched within the chains")
    assert_incorrect(check.exercise_5_5(blend_probabilities.T), "one row per cup")
    assert_incorrect(check.exercise_5_5(2 * blend_probabilities), "distribution")
    assert_incorrect(check.exercise_5_5(blend_probabilities[:-1]), "append the 100 mg cup")
    assert_incorrect(check.exercise_5_5(stuck), "says its blend is certain")
    slow = blend_probabilities.copy()
    slow[-1] = [0.09, 0.91, 0.0]  # blocked Gibbs with clean log-joint diagnostics, the cup moving too rarely
    assert_incorrect(check.exercise_5_5(slow), "moves between blends too rarely")
    assert_incorrect(check.exercise_5_5(known), "parameters known")
    uniform = check.exercise_5_5(np.full((31, 3), 1 / 3))  # a wrong entry is named by row and column
    assert_incorrect(uniform, "kind_probabilities")
    assert "row 0, column 0 (cup 0, 82 mg; blend 0)" in uniform.message


def test_a_wrong_entry_is_told_its_direction_not_the_right_value(blend_probabilities):
    stuck = blend_probabilities.copy()
    stuck[-1] = [0.0, 1.0, 0.0]  # the 100 mg cup never moved from the middle blend
    message = check.exercise_5_5(stuck).message
    assert "row 30, column" in message and ("is 0.000, too low" in message or "is 1.000, too high" in message)
    right = check._exact_blend_probabilities()[-1]
    assert all(f"{p:.2f}" not in message and f"{p:.3f}" not in message for p in right[:2])


def test_a_non_numeric_answer_is_rejected_without_raising():
    for exercise in (check.exercise_5_1, check.exercise_5_2, check.exercise_5_5):
        feedback = exercise("five")
        assert feedback.status == "incorrect"


@pytest.mark.parametrize("answer", [np.array([ESS]), [ESS], jnp.array([ESS]), "2.935"])
def test_an_answer_that_is_not_one_number_is_told_to_give_a_single_number(answer):
    for exercise in (check.exercise_5_1, check.exercise_5_2):
        assert_incorrect(exercise(answer), "give a single number")


def test_a_density_rounded_to_decimals_is_told_to_keep_significant_figures():
    for zero in (0.0, round(DENSITY_420, 4), np.float64(0)):
        feedback = check.exercise_5_1(zero)
        assert_incorrect(feedback, "significant figures, not to a number of decimals")
        assert f"{DENSITY_420:.2e}"[:3] not in feedback.message  # no digits of the answer


def test_a_single_number_of_any_numeric_type_is_read():
    assert_correct(check.exercise_5_2(np.float32(ESS)))
    assert_correct(check.exercise_5_2(jnp.array(ESS)))
    assert_correct(check.exercise_5_1(np.asarray(DENSITY_420)))
