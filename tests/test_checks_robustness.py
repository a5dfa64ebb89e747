"""Every exercise check of every chapter answers every input with feedback, never a traceback.

A battery of odd inputs (wrong types, wrong shapes, NaN, huge numbers, JAX keys, objects whose
conversions raise), each also wrapped in a list, a tuple, a dict, a NumPy and a JAX array where
that is possible, is fed to every ``exercise_N_M`` in ``genjax_gmm.checks``: each call must return
a ``Feedback`` whose status, truth value and symbol agree, ⏳ exactly for ``None``, without raising
or warning. And the right answer passes as a Python, NumPy or JAX number, scalar or 0-d array.
"""

import itertools
import math
import warnings
from decimal import Decimal
from fractions import Fraction

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from genjax_gmm.checks import (
    Feedback,
    chapter1,
    chapter2,
    chapter3,
    chapter4,
    chapter5,
    chapter6,
    chapter7,
    chapter8,
    chapter9,
    chapter10,
)

CHECKS = [
    getattr(module, name)
    for module in (chapter1, chapter2, chapter3, chapter4, chapter5, chapter6, chapter7, chapter8, chapter9,
                   chapter10)
    for name in module.__all__
    if name.startswith("exercise_")
]


class Hostile:
    """An answer whose every conversion raises."""

    def __float__(self):
        raise RuntimeError("no float")

    def __array__(self, *args, **kwargs):
        raise RuntimeError("no array")

    def __eq__(self, other):
        raise RuntimeError("no comparison")

    def __len__(self):
        raise RuntimeError("no length")

    def __repr__(self):
        raise RuntimeError("no repr")

    __hash__ = None


class ShapedLiar:
    """An answer that claims to be a 0-d array but is not one."""

    shape = ()
    dtype = np.dtype(float)

    def __array__(self, *args, **kwargs):
        raise TypeError("not really an array")


SCALARS = [
    0, -0.0, 1, -1, 2, 3, 0.5, 1e308, -1e308, 5e-324, 10**400, -(10**400),
    float("nan"), float("inf"), float("-inf"),
    True, False, np.bool_(True),
    1 + 2j, np.complex128(1j),
    np.float16(2.0), np.float32(0.5), np.int8(2), np.uint64(2**63), np.int64(-1), np.longdouble(0.25),
    Decimal("0.5"), Fraction(1, 30),
    jnp.float32(2.0), jnp.array(3), jnp.array(0.5), jnp.array(True), jnp.array(jnp.nan),
]
STRINGS = ["", " ", "a", "B", "(c)", "0.5", "nan", "439 g", "ééé" * 50, np.str_("b"), b"c", bytearray(b"b")]
CONTAINERS = [[], [1], [1, 2], [[1, 2], [3]], (), (0.5,), {}, {"a": 1}, set(), {1}, frozenset(), range(3)]
ARRAYS = [
    np.array(0.5), np.array(3), np.array([0.5]), np.array([[0.5]]), np.zeros(0), np.zeros((0, 3)),
    np.zeros((30, 3)), np.full((30, 3), np.nan), np.full((30, 3), np.inf), np.ones((3, 30)), np.full((30, 3), 1 / 3),
    np.full(20_000, np.nan), np.arange(10_000.0), np.linspace(-1e307, 1e307, 10_000), np.full(10_000, 75.0),
    np.array(["a", "b"]), np.array([None, 1.0], dtype=object), np.array("c"), np.array([1 + 1j]),
    np.array([True, False]), np.datetime64("2024-01-01"), np.array(["2024-01-01"], dtype="datetime64[D]"),
    jnp.array([1.0, 2.0]), jnp.zeros((30, 3)), jnp.ones((30, 3)) / 3, jnp.arange(10_000.0),
    jax.random.key(0), jax.random.PRNGKey(0), jax.random.split(jax.random.key(0), 3),
]
OTHERS = [None, object(), print, lambda: 0.5, type, Hostile(), ShapedLiar(), Ellipsis, NotImplemented, iter([1, 2])]


def wrapped(value):
    """``value`` itself and, where that is possible, wrapped in a list, tuple, dict and arrays."""
    yield value
    yield [value]
    yield (value, value)
    yield {"answer": value}
    for make_array in (np.asarray, jnp.asarray):
        try:
            array = make_array([value])
        except Exception:
            continue
        yield array


BATTERY = [wrapper for value in SCALARS + STRINGS + CONTAINERS + ARRAYS + OTHERS for wrapper in wrapped(value)]
ONE_OF_EACH = [
    value for value in SCALARS + STRINGS + CONTAINERS + ARRAYS + OTHERS if not isinstance(value, type(iter([])))
]


def assert_feedback(feedback, answer):
    assert isinstance(feedback, Feedback), type(feedback)
    assert feedback.status in {"correct", "incorrect", "unanswered"}, feedback.status
    assert bool(feedback) == (feedback.status == "correct")
    assert repr(feedback)[0] == {"correct": "✅", "incorrect": "❌", "unanswered": "⏳"}[feedback.status]
    assert feedback.message.strip()
    assert (feedback.status == "unanswered") == (answer is None), feedback


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__)
def test_every_check_answers_every_odd_input_with_feedback(check):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a check does not spray warnings at a student either
        for answer in BATTERY:
            assert_feedback(check(answer), answer)


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__)
def test_no_pair_of_odd_inputs_in_a_tuple_breaks_a_check(check):
    for first, second in itertools.islice(itertools.product(ONE_OF_EACH, repeat=2), 0, None, 7):
        assert_feedback(check((first, second)), (first, second))


def test_the_battery_is_not_trivial():
    """The battery reaches every check with hundreds of inputs of many types."""
    assert len(CHECKS) == 5 + 6 + 5 + 9 + 5 + 6 + 4 + 5 + 4 + 4
    assert len(BATTERY) > 300
    assert len({type(answer) for answer in BATTERY}) > 30


def test_non_numbers_are_not_accepted_as_numbers():
    numeric = [chapter1.exercise_1_1, chapter2.exercise_2_1, chapter3.exercise_3_1, chapter4.exercise_4_1,
               chapter4.exercise_4_3, chapter5.exercise_5_1, chapter5.exercise_5_2, chapter6.exercise_6_4,
               chapter6.exercise_6_5]
    for check, answer in itertools.product(numeric, STRINGS + CONTAINERS + OTHERS[1:] + [True, 1j, np.zeros(2)]):
        assert check(answer).status == "incorrect", (check.__name__, answer)


# The right answer of every numeric or multiple-choice check, from the exercises (the chapter
# tests derive them independently).
RIGHT = {
    chapter1.exercise_1_1: 439.0,
    chapter1.exercise_1_2: 1365.0,
    chapter1.exercise_1_4: 0.111,
    chapter2.exercise_2_1: 1 / 30,
    chapter2.exercise_2_2: 1 / 3,
    chapter2.exercise_2_3: 5 / 3,
    chapter2.exercise_2_5: 5 / 9,
    chapter3.exercise_3_1: 0.6247,
    chapter3.exercise_3_2: 87.82,
    chapter3.exercise_3_4: 0.3884,
    chapter4.exercise_4_1: 0.2750,
    chapter4.exercise_4_2: 0.7,
    chapter4.exercise_4_3: 429.41,
    chapter4.exercise_4_4: 25,
    chapter4.exercise_4_5: 0.0284,
    chapter4.exercise_4_7: 0.731,
    chapter4.exercise_4_8: 0.5493,
    chapter4.exercise_4_9: 2,
    chapter5.exercise_5_1: 1.7774e-5,
    chapter5.exercise_5_2: 2.935,
    chapter6.exercise_6_3: 4.93,
    chapter6.exercise_6_4: 204.85,
    chapter6.exercise_6_5: 57.7,
    chapter8.exercise_8_1: 0.5,
    chapter8.exercise_8_2: 0.86,
    chapter8.exercise_8_5: 1.75,
    chapter9.exercise_9_2: -41.0,
}


@pytest.mark.parametrize("check", list(RIGHT), ids=lambda check: check.__name__)
def test_the_right_answer_passes_as_any_kind_of_number(check):
    right = RIGHT[check]
    kinds = [right, np.float64(right), np.float32(right), np.array(right), jnp.asarray(right), jnp.float32(right)]
    if float(right).is_integer():
        kinds += [int(right), np.int64(right), np.array(int(right)), jnp.asarray(int(right))]
    for answer in kinds:
        feedback = check(answer)
        assert feedback, (type(answer), answer, feedback)


@pytest.mark.parametrize(
    "check, letter",
    [(chapter1.exercise_1_3, "b"), (chapter2.exercise_2_6, "b"), (chapter5.exercise_5_4, "c"),
     (chapter6.exercise_6_2, "b"), (chapter9.exercise_9_3, "c"), (chapter10.exercise_10_3, "c")],
)
def test_the_right_letter_passes_in_any_spelling(check, letter):
    for answer in (letter, letter.upper(), f" ({letter}) ", np.str_(letter)):
        assert check(answer), answer


@pytest.mark.parametrize(
    "check, rounded",
    [
        (chapter2.exercise_2_1, 0.033),
        (chapter2.exercise_2_2, 0.33),
        (chapter3.exercise_3_4, 0.39),
        (chapter4.exercise_4_1, 0.27),
        (chapter4.exercise_4_3, 429.4),
        (chapter4.exercise_4_5, 0.03),
        (chapter4.exercise_4_7, 0.73),
        (chapter4.exercise_4_8, 0.5),
        (chapter4.exercise_4_8, 0.55),
        (chapter5.exercise_5_1, 1.8e-5),
        (chapter5.exercise_5_2, 2.9),
        (chapter6.exercise_6_4, 205.0),
        (chapter6.exercise_6_5, 58.0),
    ],
)
def test_a_close_but_rounded_answer_is_told_so_in_every_chapter(check, rounded):
    feedback = check(rounded)
    assert feedback.status == "incorrect" and "rounded too much" in feedback.message, feedback
    assert "significant figure" in feedback.message or "decimal place" in feedback.message


def test_precision_helpers():
    from genjax_gmm.checks import decimals_given, required_decimals, rounded_too_far

    assert required_decimals(1 / 30, significant_figures=3) == 4
    assert required_decimals(429.41, significant_figures=3) == 0
    assert required_decimals(429.41, decimals=2) == 2
    assert [decimals_given(v) for v in (0.033, 15.0, 0.1 + 0.2, 1 / 3)] == [3, 0, 1, None]
    assert rounded_too_far(0.033, 1 / 30, 4) == 3  # rounded
    assert rounded_too_far(0.0333, 1 / 30, 4) is None  # enough digits
    assert rounded_too_far(0.035, 1 / 30, 4) is None  # more than one unit off in its last digit
    assert rounded_too_far(0.0, 1 / 3, 4) is None  # a unit of 1 is coarser than the answer itself
    assert rounded_too_far(0.4, 1 / 3, 4) is None  # 1/3 rounds to 0.3: 0.4 is wrong, not "rounded"
    assert rounded_too_far(0.5, 5 / 9, 2) is None  # 5/9 rounds to 0.6; 0.5 is only its truncation
    assert rounded_too_far(0.5, 5 / 9, 2, truncation=True) == 1  # … which a prompt may allow
    assert rounded_too_far(0.6, 5 / 9, 2) == 1 and rounded_too_far(0.6, 5 / 9, 2, truncation=True) == 1
    assert rounded_too_far(0.12, 0.125, 3) == 2 and rounded_too_far(0.13, 0.125, 3) == 2  # a tie: either
    assert rounded_too_far(-0.3, -1 / 3, 4) == 1 and rounded_too_far(-0.4, -1 / 3, 4) is None
    assert rounded_too_far(0.3, -1 / 3, 4, truncation=True) is None  # the wrong sign is not a truncation
    # an estimate may lie `spread` from the answer before it is rounded: 0.5487 (of 5/9) rounds to 0.5
    assert rounded_too_far(0.5, 5 / 9, 2, spread=0.02) == 1 and rounded_too_far(0.4, 5 / 9, 2, spread=0.02) is None
    with pytest.raises(ValueError):
        required_decimals(1.0)


def test_rounded_estimate_names_rounding_only_where_a_correct_estimate_could_round():
    from genjax_gmm.checks import rounded_estimate

    assert rounded_estimate("2.5", 0.5, 5 / 9, 2, 0.02).message.startswith("0.5 is rounded too much")
    assert "not a rounded copy" in rounded_estimate("2.5", 0.6, 5 / 9, 2, 0.02).message
    for value in (None, 0.55, 0.4, 0.7, 0.0, 1.0):  # unanswered, precise enough, or wrong
        assert rounded_estimate("2.5", value, 5 / 9, 2, 0.02) is None, value


def test_rounded_too_much_only_for_the_exact_value_rounded_or_cut_off():
    """For many exact values and each shorter precision: the value rounded (and, with truncation,
    cut off) there is "rounded too much"; its neighbours one unit away, wrong answers, are told so
    only when they are themselves the exact value rounded (or cut off) to the decimals they give
    (95.0, one unit above 94.9, is 94.88… rounded to 0 decimals)."""
    from genjax_gmm.checks import decimals_given, rounded_too_far

    def shortened(expected, places):
        scale = 10**places
        return round(expected, places), math.trunc(expected * scale) / scale

    rng = np.random.default_rng(11)
    exact_values = rng.uniform(0.1, 10.0, 300) * 10.0 ** rng.integers(-3, 3, 300) * rng.choice([-1, 1], 300)
    for expected, places in itertools.product(exact_values, range(4)):
        unit = 10.0**-places
        if unit > abs(expected):
            continue
        # The decimals given, which a trailing 0 lowers (-3.840 is written -3.84), and None when
        # their unit is coarser than the answer (0.98 rounded to 1 decimal is 1.0, written 1).
        for short, truncation in zip(shortened(expected, places), (False, True)):
            given = decimals_given(short)
            reported = given if 10.0**-given <= abs(expected) else None
            assert rounded_too_far(short, expected, places + 1, truncation=truncation) == reported, (expected, places)
        rounded, _ = shortened(expected, places)
        for wrong in (round(rounded + unit, places), round(rounded - unit, places)):
            given = decimals_given(wrong)
            is_rounding, is_cut = (math.isclose(wrong, short) for short in shortened(expected, given))
            coarse = 10.0**-given > abs(expected)
            assert (rounded_too_far(wrong, expected, places + 1) is not None) == (is_rounding and not coarse), (
                expected, places, wrong)
            told = rounded_too_far(wrong, expected, places + 1, truncation=True) is not None
            assert told == ((is_rounding or is_cut) and not coarse), (expected, places, wrong)


@pytest.mark.parametrize(
    "check, wrong",
    [(chapter2.exercise_2_2, 0.4), (chapter2.exercise_2_5, 0.4), (chapter3.exercise_3_1, 0.7),
     (chapter4.exercise_4_5, 0.6), (chapter5.exercise_5_1, 1.9e-5)],
)
def test_a_wrong_answer_is_not_told_it_is_rounded_in_any_chapter(check, wrong):
    feedback = check(wrong)
    assert feedback.status == "incorrect" and "rounded too much" not in feedback.message, feedback
