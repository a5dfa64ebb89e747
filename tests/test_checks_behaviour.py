"""The machinery for exercises answered with code (``genjax_gmm.checks.behaviour``).

Three toy exercises, written here independently of the course's chapters:

* a generative function ``meal(scale)``: a kind (categorical, 3 kinds) and a weight (normal),
  checked with ``ModelCheck`` on arguments of its own;
* a deterministic step ``responsibilities(x, weights, means, stds)``: P(kind | x) for every
  point, checked with ``FunctionCheck`` on hidden data (exact outputs);
* a random step ``sample_kinds(key, x, …)``: one kind per point drawn from P(kind | x),
  checked by the frequencies of its draws over fixed keys against the reference's.

For each: a correct implementation written differently from the reference passes; each
registered mistake gets its hint; crashes, wrong arguments, wrong types and shapes, other
addresses and non-functions get ❌ with what went wrong, never a traceback; ``None`` is ⏳.
"""

import math
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from feedback_assertions import assert_correct, assert_incorrect, assert_unanswered
from genjax import categorical, flip, gen, normal, seed
from scipy import stats
from test_checks_robustness import BATTERY, assert_feedback

from genjax_gmm.checks import Feedback
from genjax_gmm.checks.behaviour import (
    FALSE_ALARM,
    FunctionCheck,
    Mistake,
    ModelCheck,
    Quantity,
    Unusable,
    disagreements,
    exact,
    judge,
    one_line,
    read_output,
    sample_mean,
    z_threshold,
)

PROBABILITIES = jnp.array([0.5, 0.3, 0.2])
MEANS = jnp.array([500.0, 350.0, 420.0])
STDS = jnp.array([2.0, 2.0, 5.0])

# ---------------------------------------------------------------------------------------------
# A generative function


LOG_PROBABILITIES = jnp.log(PROBABILITIES)


def meal_model(logits=LOG_PROBABILITIES, scaled=True, stds=STDS, address="weight"):
    """``meal(scale)``: kind ~ categorical(logits); weight ~ N(scale·mean[kind], stds[kind]²) at ``address``."""

    @gen
    def meal(scale):
        kind = categorical(logits) @ "kind"
        return normal((scale if scaled else 1.0) * MEANS[kind], stds[kind]) @ address

    return meal


meal = meal_model()
meal_logits_mistake = meal_model(logits=PROBABILITIES)
meal_variance_mistake = meal_model(stds=STDS**2)
meal_unscaled_mistake = meal_model(scaled=False)


MEAL = ModelCheck(
    exercise="9.1",
    reference=meal,
    addresses=("kind", "weight"),
    arguments=((1.0,), (0.5,)),  # the notebook would show scale = 1 only
    statistics={"the share of kind 2": lambda choices, retval: choices["kind"] == 2,
                "the mean weight": lambda choices, retval: retval},
    extra_choices=[{"kind": 2, "weight": 500.0}],
    mistakes=[
        Mistake(meal_logits_mistake, "categorical takes logits"),
        Mistake(meal_variance_mistake, "normal takes a standard deviation"),
        Mistake(meal_unscaled_mistake, "multiply the means by scale"),
    ],
    signature="meal(scale)",
    hint="the generic hint",
    seed=9,
)


@gen
def meal_written_differently(scale):
    """Right, with other randomness: counts as logits, and the weight standardised by hand."""
    kind = categorical(jnp.log(jnp.array([5.0, 3.0, 2.0]))) @ "kind"
    mean = jnp.where(kind == 0, 500.0, jnp.where(kind == 1, 350.0, 420.0)) * scale
    sd = jnp.where(kind == 2, 5.0, 2.0)
    weight = normal(mean, sd) @ "weight"
    return 1.0 * weight


meal_wrong_probabilities = meal_model(logits=jnp.log(jnp.array([0.3, 0.5, 0.2])))


meal_misspelt = meal_model(address="wieght")


@gen
def meal_with_extra_choice(scale):
    kind = categorical(jnp.log(PROBABILITIES)) @ "kind"
    noise = normal(0.0, 1.0) @ "noise"
    return normal(scale * MEANS[kind] + 0 * noise, STDS[kind]) @ "weight"


@gen
def meal_with_python_if(scale):
    kind = categorical(jnp.log(PROBABILITIES)) @ "kind"
    return normal(500.0 if kind == 0 else 350.0, 2.0) @ "weight"


@gen
def meal_with_numpy(scale):
    kind = categorical(jnp.log(PROBABILITIES)) @ "kind"
    return np.abs(normal(scale * MEANS[kind], STDS[kind]) @ "weight")


@gen
def meal_without_arguments():
    kind = categorical(jnp.log(PROBABILITIES)) @ "kind"
    return normal(MEANS[kind], STDS[kind]) @ "weight"


@gen
def meal_returning_the_kind(scale):
    kind = categorical(jnp.log(PROBABILITIES)) @ "kind"
    normal(scale * MEANS[kind], STDS[kind]) @ "weight"
    return kind


@gen
def meal_returning_nothing(scale):
    kind = categorical(jnp.log(PROBABILITIES)) @ "kind"
    normal(scale * MEANS[kind], STDS[kind]) @ "weight"


@gen
def meal_with_a_flip(scale):
    kind = flip(0.5) @ "kind"
    return normal(scale * jnp.where(kind, 500.0, 350.0), 2.0) @ "weight"


@gen
def meal_dividing_by_zero(scale):
    kind = categorical(jnp.log(PROBABILITIES)) @ "kind"
    return normal(scale * MEANS[kind], 0.0 * STDS[kind]) @ "weight"


@gen
def meal_with_integer_means(scale):
    """The means as integers: TFP refuses to mix int64 and float64."""
    kind = categorical(jnp.log(PROBABILITIES)) @ "kind"
    return normal(jnp.array([500, 350, 420])[kind], STDS[kind]) @ "weight"


@gen
def meal_with_integer_literals(scale):
    categorical(jnp.log(PROBABILITIES)) @ "kind"
    return normal(500, 2) @ "weight"


@gen
def meal_with_integer_logits(scale):
    kind = categorical(jnp.array([5, 3, 2])) @ "kind"
    return normal(scale * MEANS[kind], STDS[kind]) @ "weight"


@gen
def meal_with_float32(scale):
    kind = categorical(jnp.log(PROBABILITIES)) @ "kind"
    return normal(jnp.asarray(MEANS, dtype=jnp.float32)[kind], STDS[kind]) @ "weight"


@gen
def meal_averaging_with_an_axis(scale):
    kind = categorical(jnp.log(PROBABILITIES)) @ "kind"
    weight = normal(scale * MEANS[kind], STDS[kind]) @ "weight"
    return jnp.mean(weight, weight)


@gen
def meal_raising(scale):
    raise ValueError("my model is not finished\nsecond line")


def test_a_right_model_written_differently_passes():
    assert_correct(MEAL(meal_written_differently))
    assert_correct(MEAL(meal))


def test_none_is_not_answered():
    assert_unanswered(MEAL(None))


@pytest.mark.parametrize(
    "model, hint",
    [(meal_logits_mistake, "categorical takes logits"), (meal_variance_mistake, "normal takes a standard deviation"),
     (meal_unscaled_mistake, "multiply the means by scale")],
)
def test_each_registered_mistake_gets_its_hint(model, hint):
    feedback = MEAL(model)
    assert_incorrect(feedback, hint)
    assert "log p(" in feedback.message or "to be chance" in feedback.message


def test_a_simulated_difference_says_how_many_draws_it_rests_on_apart_from_the_value():
    """"yours is 1 over 10,000 draws" read as one out of 10,000; the count of draws is said apart."""
    feedback = MEAL(meal_logits_mistake)
    assert_incorrect(feedback, "categorical takes logits")
    assert "yours, from 4,000 draws, is 0." in feedback.message, feedback.message


def test_an_unregistered_error_gets_the_generic_hint_and_the_first_difference():
    feedback = MEAL(meal_wrong_probabilities)
    assert_incorrect(feedback, "the generic hint")
    assert "yours is" in feedback.message or "yours, from" in feedback.message


@pytest.mark.parametrize(
    "model, fragments",
    [
        (meal_misspelt, ["missing 'weight'", "extra 'wieght'"]),
        (meal_with_extra_choice, ["extra 'noise'"]),
        (meal_with_python_if, ["TracerBoolConversionError", "jnp.where"]),
        (meal_with_numpy, ["TracerArrayConversionError", "instead of numpy"]),
        (meal_without_arguments, ["TypeError", "meal(scale)"]),
        (meal_returning_the_kind, ["returns a whole number; the prompt's model returns a number with decimals"]),
        (meal_returning_nothing, ["returns nothing"]),
        (meal_with_a_flip, ["'kind'", "draws a truth value (True or False)", "draws a whole number"]),
        (meal_with_integer_means, ["Found incompatible dtypes", "write 500.0, not 500"]),
        (meal_with_integer_literals, ["must be a float", "write 500.0, not 500"]),
        (meal_with_integer_logits, ["floating type", "write 500.0, not 500"]),
        (meal_with_float32, ["float32", "leave out dtype=jnp.float32"]),
        (meal_averaging_with_an_axis, ["ConcretizationTypeError", "averages a along the axis b"]),
        (meal_dividing_by_zero, ["yours is"]),
        (meal_raising, ["ValueError: my model is not finished"]),
    ],
)
def test_broken_models_get_a_cross_saying_what_went_wrong(model, fragments):
    feedback = MEAL(model)
    assert_incorrect(feedback)
    for fragment in fragments:
        assert fragment in feedback.message, (fragment, feedback.message)
    assert "second line" not in feedback.message  # the exception in one line


def test_what_the_prompts_model_returns_can_be_named():
    """``returns`` replaces the bare kind of value in the message for a model that returns something else."""
    named = ModelCheck(exercise="9.1", reference=meal, addresses=("kind", "weight"), arguments=((1.0,),),
                       num_draws=100, returns="the weight, a number with decimals", hint="return the weight")
    assert_incorrect(named(meal_returning_the_kind), "returns a whole number; the prompt's model returns the weight")


def plain_meal(scale):
    return scale


@pytest.mark.parametrize(
    "answer, fragment",
    [(plain_meal, "put @gen"), (lambda: 1.0, "put @gen"), (3.0, "the number 3"), ("meal", "the string"),
     (normal, "TypeError")],
)
def test_answers_that_are_not_models_get_a_cross(answer, fragment):
    assert_incorrect(MEAL(answer), fragment)


def test_a_trace_a_method_or_a_repeated_model_is_not_the_model():
    trace = seed(meal.simulate)(jax.random.key(0), 1.0)
    assert_incorrect(MEAL(trace), "not the result of simulating it")
    assert_incorrect(MEAL(meal.simulate), "without .simulate")
    assert_incorrect(MEAL(meal.repeat(10)), "not .repeat(...)")


def test_the_model_check_is_deterministic_and_compares_the_hidden_arguments():
    behaviour = MEAL.reference_behaviour()
    assert any("0.5" in label for label in behaviour)  # the argument the notebook never shows
    assert sum(quantity.simulated for quantity in behaviour.values()) == 4  # 2 statistics × 2 arguments
    assert repr(MEAL(meal_wrong_probabilities)) == repr(MEAL(meal_wrong_probabilities))


def test_log_densities_are_the_references_exactly():
    """The reference's own draws are assessed: log p(kind, weight) = log P(kind) + log N(weight)."""
    for label, quantity in MEAL.reference_behaviour().items():
        if label.startswith("log p(kind = 2, weight = 500"):
            scale = 0.5 if "0.5" in label else 1.0
            expected = math.log(0.2) + stats.norm.logpdf(500.0, scale * 420.0, 5.0)
            assert quantity.value == pytest.approx(expected, rel=1e-12)
            return
    raise AssertionError("the extra choice map was not assessed")


# ---------------------------------------------------------------------------------------------
# A deterministic step

DATA = jnp.array([362.0, 366.0, 370.0, 466.0, 472.0, 480.0])  # hidden points, each of two kinds
PARAMETERS = (jnp.array([0.6, 0.1, 0.3]), jnp.array([500.0, 350.0, 420.0]), jnp.array([10.0, 8.0, 30.0]))


def responsibilities(x, weights, means, stds):
    log_joint = jnp.log(weights) + stats_norm_logpdf(x[:, None], means, stds)
    return jnp.exp(log_joint - jax.scipy.special.logsumexp(log_joint, axis=1, keepdims=True))


def stats_norm_logpdf(x, mean, sd):
    return jax.scipy.stats.norm.logpdf(x, mean, sd)


def responsibilities_unnormalised(x, weights, means, stds):
    return weights * jax.scipy.stats.norm.pdf(x[:, None], means, stds)


def responsibilities_without_weights(x, weights, means, stds):
    return responsibilities(x, jnp.ones_like(weights), means, stds)


def responsibilities_behaviour(function):
    output = read_output(function(DATA, *PARAMETERS), (DATA.size, 3), "one probability per point and kind")
    return {f"P(kind {k} | x = {x:g})": exact(output[i, k]) for i, x in enumerate(DATA.tolist()) for k in range(3)}


RESPONSIBILITIES = FunctionCheck(
    exercise="9.2",
    reference=responsibilities,
    behaviour=responsibilities_behaviour,
    mistakes=[Mistake(responsibilities_unnormalised, "divide by their sum"),
              Mistake(responsibilities_without_weights, "the prior term")],
    signature="responsibilities(x, weights, means, stds)",
    hint="Bayes' rule",
)


def responsibilities_written_differently(x, weights, means, stds):
    density = np.exp(-0.5 * ((np.asarray(x)[:, None] - means) / stds) ** 2) / (stds * np.sqrt(2 * np.pi))
    joint = weights * density
    return joint / joint.sum(axis=1, keepdims=True)


@pytest.mark.parametrize(
    "answer, fragment",
    [
        (responsibilities_unnormalised, "divide by their sum"),
        (responsibilities_without_weights, "the prior term"),
        (lambda x, weights, means, stds: responsibilities(x, weights, means, stds).T, "shape (3, 6)"),
        (lambda x, weights, means, stds: "probabilities", "the string"),
        (lambda x, weights, means, stds: None, "returned None"),
        (lambda x, weights, means, stds: [[1, 2], [3]], "expected one probability"),
        (lambda x, weights: x, "TypeError"),
        (lambda x, weights, means, stds: 1 / 0, "ZeroDivisionError: division by zero"),
        (lambda x, weights, means, stds: jnp.full((6, 3), jnp.nan), "NaN"),
        (lambda x, weights, means, stds: responsibilities(x, weights, means, stds)[:, ::-1], "Bayes' rule"),
        (meal, "expected a function"),
        (print, "returned None"),
        (3, "expected a function"),
        (type, "expected a function"),
    ],
)
def test_a_step_gets_a_cross_saying_what_went_wrong(answer, fragment):
    feedback = RESPONSIBILITIES(answer)
    assert_incorrect(feedback)
    assert fragment in feedback.message, feedback.message


def test_a_right_step_passes_however_it_is_written():
    assert_correct(RESPONSIBILITIES(responsibilities))
    assert_correct(RESPONSIBILITIES(responsibilities_written_differently))
    assert_correct(RESPONSIBILITIES(jax.jit(responsibilities)))
    assert_unanswered(RESPONSIBILITIES(None))


# ---------------------------------------------------------------------------------------------
# A random step, checked by the frequencies of its draws on fixed keys

KEYS = jax.random.split(jax.random.key(7), 2_000)


def sample_kinds(key, x, weights, means, stds):
    return jax.random.categorical(key, jnp.log(responsibilities(x, weights, means, stds)))


def sample_kinds_by_inversion(key, x, weights, means, stds):
    """Right, with other randomness: the inverse CDF of one uniform per point."""
    u = jax.random.uniform(key, (x.size, 1))
    return jnp.sum(jnp.cumsum(responsibilities(x, weights, means, stds), axis=1) < u, axis=1)


def sample_kinds_off_by_one(key, x, weights, means, stds):
    return sample_kinds(key, x, weights, means, stds) + 1


def sample_kinds_without_weights(key, x, weights, means, stds):
    return sample_kinds(key, x, jnp.ones_like(weights) / 3, means, stds)


def kinds_behaviour(step):
    draws = jax.jit(jax.vmap(step, in_axes=(0, None, None, None, None)))(KEYS, DATA, *PARAMETERS)
    kinds = read_output(draws, (KEYS.shape[0], DATA.size), "one kind per key and point", integer=True)
    return {f"how often point {x:g} gets kind {k}": sample_mean(kinds[:, i] == k)
            for i, x in enumerate(DATA.tolist()) for k in range(3)}


SAMPLE_KINDS = FunctionCheck(
    exercise="9.3",
    reference=sample_kinds,
    behaviour=kinds_behaviour,
    mistakes=[Mistake(sample_kinds_off_by_one, "labels off by one"),
              Mistake(sample_kinds_without_weights, "the prior term")],
    signature="sample_kinds(key, x, weights, means, stds)",
    hint="draw each kind from P(kind | x)",
)


def test_a_random_step_passes_with_other_randomness_and_mistakes_get_their_hints():
    assert_correct(SAMPLE_KINDS(sample_kinds))
    assert_correct(SAMPLE_KINDS(sample_kinds_by_inversion))
    assert_incorrect(SAMPLE_KINDS(sample_kinds_off_by_one), "labels off by one")
    assert_incorrect(SAMPLE_KINDS(sample_kinds_without_weights), "the prior term")
    assert_incorrect(SAMPLE_KINDS(lambda key, x, w, m, s: jnp.zeros(x.size, dtype=int)), "draw each kind")
    assert_incorrect(SAMPLE_KINDS(lambda key, x, w, m, s: jnp.full(x.size, 0.5)), "whole numbers")


def test_the_frequencies_are_the_exact_conditional_probabilities_within_their_standard_errors():
    behaviour = SAMPLE_KINDS.reference_behaviour()
    assert all(quantity.simulated and quantity.whole_numbers for quantity in behaviour.values())
    exact_posterior = np.asarray(responsibilities(DATA, *PARAMETERS)).ravel()
    for (label, quantity), p in zip(behaviour.items(), exact_posterior, strict=True):
        assert abs(quantity.value - p) <= 4.5 * math.sqrt(p * (1 - p) / quantity.draws) + 1e-12, label


# ---------------------------------------------------------------------------------------------
# The comparison itself


def test_z_threshold_bounds_the_false_alarms_by_the_union_bound():
    for m, z in [(1, 5.39), (4, 5.64), (20, 5.92)]:
        assert z_threshold(m) == pytest.approx(z, abs=0.005)
        assert m * 2 * math.exp(-z_threshold(m) ** 2 / 2) == pytest.approx(FALSE_ALARM, rel=1e-9)
        assert m * 2 * stats.norm.sf(z_threshold(m)) < FALSE_ALARM / 5  # the normal tail is smaller still


def sample(mean, sd, n, whole=False):
    return Quantity(mean, draws=n, spread=sd, whole_numbers=whole)


def test_two_samples_agree_within_z_pooled_standard_errors():
    z = z_threshold(1)
    edge = z * 2.0 * math.sqrt(2 / 1_000)  # equal sd 2 and n = 1,000: s ≈ 2
    expected = {"mean": sample(10.0, 2.0, 1_000)}
    assert not disagreements({"mean": sample(10.0 + 0.98 * edge, 2.0, 1_000)}, expected)
    assert disagreements({"mean": sample(10.0 + 1.02 * edge, 2.0, 1_000)}, expected)
    assert disagreements({"mean": sample(10.0 - 1.02 * edge, 2.0, 1_000)}, expected)
    assert disagreements({"mean": sample(10.0, 2.0, 1_000)}, {"mean": exact(10.5)})  # exact against exact


def test_a_rare_event_seen_by_only_one_sample_is_chance():
    """The reference saw it 0 times in 2,000 draws, a correct step 3 times: that is chance (the
    reference's own standard error, 0, would call it impossible); 40 times is not."""
    never = {"how often": sample(0.0, 0.0, 2_000, whole=True)}
    p = 3 / 2_000
    assert not disagreements({"how often": sample(p, math.sqrt(p * (1 - p)), 2_000, whole=True)}, never)
    p = 40 / 2_000
    assert disagreements({"how often": sample(p, math.sqrt(p * (1 - p)), 2_000, whole=True)}, never)


def test_exact_quantities_agree_to_rounding_and_infinities_must_match():
    expected = {"log p": exact(-3.0), "outside": exact(-math.inf)}
    assert not disagreements({"log p": exact(-3.0 + 1e-9), "outside": exact(-math.inf)}, expected)
    assert disagreements({"log p": exact(-3.001), "outside": exact(-math.inf)}, expected)
    assert disagreements({"log p": exact(-3.0), "outside": exact(-50.0)}, expected)
    assert disagreements({"log p": exact(math.nan), "outside": exact(-math.inf)}, expected)
    assert disagreements({"outside": exact(-math.inf)}, expected) == ["log p: missing."]


def test_nan_agrees_only_with_nan_in_the_same_place():
    """A registered mistake that divides an empty kind's 0 by 0 gives NaN: a student's NaN there matches it."""
    mistake = {"m[0]": exact(2.0), "m[1]": exact(math.nan)}
    assert not disagreements({"m[0]": exact(2.0), "m[1]": exact(math.nan)}, mistake)
    assert disagreements({"m[0]": exact(math.nan), "m[1]": exact(2.0)}, mistake)
    assert disagreements({"m[0]": exact(math.nan), "m[1]": exact(math.nan)}, mistake) == ["m[0]: yours is NaN."]
    feedback = judge("9.9", {"m[0]": exact(2.0), "m[1]": exact(math.nan)},
                     {"m[0]": exact(2.0), "m[1]": exact(1.0)}, [(mistake, "keep the prior.")], hint="generic")
    assert_incorrect(feedback, "keep the prior")
    assert "yours is NaN" in feedback.message


def test_a_hidden_reference_value_is_not_revealed():
    expected = {"the mean weight": Quantity(439.0, draws=4_000, spread=65.0, reveal=False),
                "log p": Quantity(-2.0, reveal=False)}
    feedback = judge("9.9", {"the mean weight": sample(455.0, 65.0, 4_000), "log p": exact(-2.0)}, expected)
    assert isinstance(feedback, Feedback) and not feedback
    assert "439" not in feedback.message and "455" in feedback.message
    feedback = judge("9.9", {"the mean weight": sample(439.0, 65.0, 4_000), "log p": exact(-2.5)}, expected)
    assert not feedback and "-2.5" in feedback.message and "-2" not in feedback.message.replace("-2.5", "")


def test_read_output_and_one_line():
    assert read_output([1, 2], (2,), "two numbers").tolist() == [1.0, 2.0]
    for bad in (None, "x", {"a": 1}, [[1], [2, 3]], np.array(["a"]), [1, 2, 3]):
        with pytest.raises(Unusable):
            read_output(bad, (2,), "two numbers")
    with pytest.raises(Unusable, match="whole numbers"):
        read_output([0.5, 1.0], (2,), "two labels", integer=True)
    assert one_line(KeyError("weight")) == "KeyError: 'weight'"
    assert one_line(ValueError("first\nsecond")) == "ValueError: first"
    assert one_line(RuntimeError()) == "RuntimeError"
    assert len(one_line(ValueError("x" * 1000))) == 300


def test_one_line_drops_the_terminal_colour_codes_of_genjax_type_errors():
    """GenJAX checks its arguments' types with beartype, whose messages are coloured for a
    terminal; in a notebook's feedback the codes would show as garbage such as "[1m[35m"."""
    assert one_line(TypeError("\x1b[1m\x1b[35mrepeat()\x1b[0m parameter \x1b[1;34mn\x1b[0m")) == (
        "TypeError: repeat() parameter n"
    )

    @gen
    def weighings(n):
        normal.repeat(n)(0.0, 1.0) @ "weights"

    with pytest.raises(TypeError) as raised:
        seed(weighings.simulate)(jax.random.key(0), 3)
    assert "\x1b[" in str(raised.value)  # the real error is coloured …
    line = one_line(raised.value)
    assert "\x1b" not in line and "[0m" not in line  # … its line is not
    assert line.startswith("TypeError: Method genjax.core.GFI.repeat() parameter n=")


def test_the_count_of_other_differences_is_grammatical():
    expected = {f"number {i}": exact(float(i)) for i in range(3)}
    for wrong, tail in ((2, "(1 other number differs too.)"), (3, "(2 other numbers differ too.)")):
        got = {label: exact(q.value + (1.0 if i < wrong else 0.0)) for i, (label, q) in enumerate(expected.items())}
        assert tail in judge("9.9", got, expected).message


@pytest.mark.parametrize("check", [MEAL, RESPONSIBILITIES, SAMPLE_KINDS], ids=["model", "step", "random step"])
def test_the_robustness_battery_gets_feedback_never_a_traceback(check):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for answer in BATTERY:
            assert_feedback(check(answer), answer)


def test_parameters_in_another_order_are_named_before_any_call():
    """A function whose parameters are the prompted names in another order is told which parameter
    receives which value (the check passes them by position); other names, or a right order with extra
    parameters, are left to the behaviour."""
    calls = []

    def weights_first(weights, x, means, stds):
        calls.append(1)
        return np.ones((x.size, len(weights)))

    feedback = RESPONSIBILITIES(weights_first)
    assert_incorrect(feedback, "your function's parameters are (weights, x, means, stds)")
    assert "responsibilities(x, weights, means, stds)" in feedback.message
    assert "your parameter weights receives the value meant for x" in feedback.message
    assert not calls  # refused before the check ran it
    for fine in (lambda x, weights, means, stds, unused=None: None, lambda points, w, m, s: None):
        assert "parameters are" not in RESPONSIBILITIES(fine).message
