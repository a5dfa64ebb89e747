"""Checks of code a student writes, judged by what it does.

Some exercises are answered with a function: a GenJAX generative function (``@gen``), an
estimator or an inference step. Its check calls the student's function on inputs the notebook
never shows, measures its **behaviour** as named numbers (``Quantity``) and compares them with a
reference implementation's:

* **exact** numbers (``exact``): log densities from ``assess``, return values, the
  output of a deterministic step or of a step on fixed keys. They agree when
  ``|yours − reference| <= rel·|reference| + abs`` (float rounding; equal infinities agree, and so
  does NaN where the reference is NaN: a registered mistake that divides by an empty kind's 0);
* **simulated** averages (``sample_mean``: moments of draws, frequencies, estimates averaged
  over keys). Yours and the reference's are two samples; they agree when their means differ
  by at most ``z`` standard errors of the difference, ``s·√(1/n₁ + 1/n₂)`` with ``s²`` the
  variance of the two samples pooled (the two-sample z-test), plus one draw's worth in each
  sample, ``1/n₁ + 1/n₂``, for whole-number values (counts jump by one). With ``m`` simulated numbers
  in one check, ``z = √(2 ln(2m/α))`` and ``α = FALSE_ALARM = 10⁻⁶`` (z = 5.39 for one number,
  5.64 for four, 5.92 for twenty): then ``2·exp(−z²/2) = α/m``, which bounds the chance that a
  standard normal exceeds z, and also (Hoeffding) that the counts of a rare event in two
  correct samples split more unevenly than that, given their total. So by the union bound a
  correct function fails with probability below ``α``. For averages of continuous values the
  normal limit is an approximation: thousands of draws of light-tailed values, for which the
  bound is more than ten times the normal tail, a margin.

Every key is fixed, so a check always gives the same verdict for the same function. The
student's model and the reference are simulated with the same keys (common random numbers): a
correct model that draws its choices in the reference's order, from the same distributions,
reproduces the reference's draws exactly, and the two-sample bound above matters only for a
correct model that consumes its randomness differently (its draws are then as good as
independent of the reference's). A rare event is a weak statistic: with 4,000 draws each, a
reference share of 0 rejects a student's share only from about 36 events on (z = 5.64), so
checks rely on log densities, not on rare-event shares, to catch small errors.

Typical wrong implementations are registered with their hints (``Mistake``), like
``check_number(…, mistakes=…)`` does for numbers: when the student's behaviour fails the
reference but agrees with a mistake's, the feedback names that mistake.

A check never raises at the student. ``None`` is ⏳; an answer that is not a function (or not a
generative function where one is asked for), a function that crashes (the exception's type and
first line are shown), takes other arguments, returns the wrong type or shape (``Unusable``), or
records other addresses than the prompt names (the missing and extra ones are listed) gets ❌
with what went wrong.

Two checks build on this:

* ``ModelCheck``: a generative function, run with the check's own arguments. It must record the
  prompt's addresses with the reference's kinds of values; its log densities and return values
  on hidden choice maps (the reference's draws and hand-picked ones) must equal the reference's
  (``assess``), and its simulated statistics (``statistics``) must agree with the reference's.
* ``FunctionCheck``: any other function; the exercise's ``behaviour`` calls it on hidden inputs
  and returns its quantities.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import math
import re
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import jax
import numpy as np
from genjax import GFI, Trace, seed

from ..compilation_cache import QUICK_COMPILE
from . import Feedback, correct, describe, incorrect, unanswered

__all__ = [
    "FALSE_ALARM",
    "FunctionCheck",
    "Mistake",
    "ModelCheck",
    "Quantity",
    "Unusable",
    "cheap_jit",
    "disagreements",
    "exact",
    "judge",
    "one_line",
    "read_output",
    "sample_mean",
    "z_threshold",
]

FALSE_ALARM = 1e-6
"""The largest probability that a correct function fails one check (over its simulated numbers)."""

_TRACER_HINT = (
    "JAX runs your function with placeholders for {placeholders}, so a Python if, and, or, "
    "int() or float() on one of them fails, and so does picking from a Python list with one: "
    "choose between two values with jnp.where(condition, a, b), and pick from several with a JAX "
    "array, jnp.array([...])[kind]."
)
_NUMPY_HINT = (
    "JAX runs your function with placeholders for {placeholders}, which NumPy cannot handle: "
    "use jax.numpy (jnp.abs, jnp.sum, jnp.where, …) instead of numpy (np) inside it."
)
_INTEGER_HINT = (
    "GenJAX's distributions take decimal numbers (floats), and your model passes one a whole number "
    "(an integer): write 500.0, not 500 (and 0.0, not 0), in normal(...) and uniform(...) and in arrays "
    "of numbers, jnp.array([500.0, 350.0]); give a model float arguments too (30.0, not 30)."
)
_FLOAT32_HINT = (
    "your model mixes 32-bit floats (float32) with the course's 64-bit floats: leave out "
    "dtype=jnp.float32 and np.float32(...), and write plain numbers such as 500.0."
)
_AXIS_HINT = (
    "a jax.numpy function took one of your random values as its axis argument: jnp.mean(a, b) "
    "averages a along the axis b. Average two numbers with (a + b) / 2, or jnp.mean(jnp.array([a, b]))."
)
_INTEGER_DTYPE_MESSAGES = (
    "must be a float or complex dtype",  # normal(500, 2)
    "for integer dtype",  # uniform(0, 30)
    "must having floating type",  # categorical(jnp.array([5, 3, 2]))
    "must have floating type",
)


def _dtype_hint(error: Exception) -> str | None:
    """The hint for a distribution given integers (or float32) where it takes 64-bit floats
    (TensorFlow Probability's errors: ``Found incompatible dtypes, <class 'numpy.int64'> and
    <class 'numpy.float64'>``, ``dtype argument to `normal` must be a float …``), else ``None``."""
    text = str(error)
    if "incompatible dtypes" in text:
        if "numpy.int" in text or "numpy.uint" in text:
            return _INTEGER_HINT
        return _FLOAT32_HINT if "float32" in text else None
    return _INTEGER_HINT if any(message in text for message in _INTEGER_DTYPE_MESSAGES) else None


_TRACER_HINTS = {
    jax.errors.TracerArrayConversionError: _NUMPY_HINT,
    jax.errors.TracerBoolConversionError: _TRACER_HINT,
    jax.errors.ConcretizationTypeError: _TRACER_HINT,
    jax.errors.TracerIntegerConversionError: _TRACER_HINT,
}


@dataclasses.dataclass(frozen=True)
class Quantity:
    """One number describing what an implementation does.

    An exact number has ``draws == 0``; a simulated average (``sample_mean``) has its number of
    draws, their standard deviation ``spread`` and whether they are whole numbers. ``reveal=False``
    keeps the reference's value out of the feedback (when it would give away another exercise's
    answer).
    """

    value: float
    draws: int = 0
    spread: float = 0.0
    whole_numbers: bool = False
    reveal: bool = True

    @property
    def simulated(self) -> bool:
        return self.draws > 0


@dataclasses.dataclass(frozen=True)
class Mistake:
    """A typical wrong implementation and the hint a student whose function behaves like it gets."""

    implementation: Any
    hint: str


class Unusable(Exception):
    """Raised while measuring a student's function whose output cannot be used; its message is shown."""


def cheap_jit(function: Callable) -> Callable:
    """``jax.jit(function)`` compiled without XLA's slow optimisations (``QUICK_COMPILE``: a check's
    program runs once, in milliseconds, and compiles in about half the time), once
    per kind of input (the shapes and dtypes of its arguments)."""
    compiled: dict[Any, Any] = {}

    def call(*arguments):
        leaves, structure = jax.tree_util.tree_flatten(arguments)
        signature = (structure, tuple(jax.typeof(leaf) for leaf in leaves))
        if signature not in compiled:
            compiled[signature] = jax.jit(function).lower(*arguments).compile(QUICK_COMPILE)
        return compiled[signature](*arguments)

    return call


def exact(value) -> Quantity:
    """An exact number (a log density, a deterministic output) as a ``Quantity``."""
    return Quantity(float(value))


def sample_mean(values, *, reveal: bool = True) -> Quantity:
    """The mean of per-draw ``values`` (one per draw, at least two), to compare as a sample."""
    values = np.asarray(values, dtype=float).ravel()
    if values.size < 2:
        raise ValueError("sample_mean needs at least two draws")
    whole = bool(np.all(values == np.round(values)))
    return Quantity(float(values.mean()), values.size, float(values.std(ddof=1)), whole, reveal)


def z_threshold(num_simulated: int, false_alarm: float = FALSE_ALARM) -> float:
    """z with 2·exp(−z²/2) = false_alarm / num_simulated (at least one)."""
    return math.sqrt(2 * math.log(2 * max(num_simulated, 1) / false_alarm))


def _allowed_difference(got: Quantity, expected: Quantity, z: float) -> float:
    """z standard errors of the difference of two sample means, with the pooled variance, plus
    one draw's worth for whole-number values."""
    n1, n2 = got.draws, expected.draws
    pooled = ((n1 - 1) * got.spread**2 + (n2 - 1) * expected.spread**2
              + n1 * n2 / (n1 + n2) * (got.value - expected.value) ** 2) / (n1 + n2 - 1)
    step = (1 / n1 + 1 / n2) if got.whole_numbers and expected.whole_numbers else 0.0
    return z * math.sqrt(pooled * (1 / n1 + 1 / n2)) + step


_TERMINAL_CODES = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
"""ANSI escape sequences (colours, bold), which GenJAX's type checks (beartype) put in their messages."""


def one_line(error: BaseException) -> str:
    """``"KeyError: 'weight'"``: the exception's type and the first line of its message, without
    terminal colour codes."""
    message = _TERMINAL_CODES.sub("", str(error))
    first = next((line.strip() for line in message.splitlines() if line.strip()), "")
    text = f"{type(error).__name__}: {first}" if first else type(error).__name__
    return text if len(text) <= 300 else text[:299] + "…"


def read_output(value, shape: tuple[int, ...], what: str, *, integer: bool = False) -> np.ndarray:
    """A student's output as a float array of ``shape``, or ``Unusable`` saying what it is instead.

    ``integer=True`` asks for whole numbers (labels, counts); they are returned as floats.
    """
    if value is None or isinstance(value, (str, bytes, Mapping)):
        raise Unusable(f"your function returned {describe(value)}; expected {what}.")
    try:
        array = np.asarray(value)
    except Exception:  # noqa: BLE001  (a ragged list, an object whose __array__ raises)
        raise Unusable(f"your function returned {describe(value)}; expected {what}.") from None
    if array.dtype.kind not in "biuf":
        raise Unusable(f"your function returned {describe(value)}; expected {what}.")
    if array.shape != tuple(shape):
        raise Unusable(
            f"your function returned an array of shape {array.shape}; expected {what}, shape {tuple(shape)}."
        )
    array = array.astype(float)
    if integer and not np.all(array == np.round(array)):
        raise Unusable(f"your function returned numbers with decimals; expected {what}, whole numbers.")
    return array


# ---------------------------------------------------------------------------------------------
# Comparing behaviours


def _format(value: float) -> str:
    return f"{value:.6g}" if math.isfinite(value) else str(value)


def _disagreement(label: str, got: Quantity, expected: Quantity, z: float, rel: float, abs: float) -> str | None:
    """Why ``got`` does not agree with ``expected``, or ``None`` when it does."""
    yours, theirs = got.value, expected.value
    if math.isnan(yours):  # NaN where the expected value is NaN too agrees (a mistake that divides 0 by 0)
        return None if math.isnan(theirs) else f"{label}: yours is NaN."
    simulated = got.simulated and expected.simulated
    if math.isinf(theirs) or math.isinf(yours):
        if yours == theirs:
            return None
    else:
        allowed = rel * math.fabs(theirs) + abs + (_allowed_difference(got, expected, z) if simulated else 0.0)
        if math.fabs(yours - theirs) <= allowed:
            return None
    reference = f" ({_format(theirs)})" if expected.reveal else ""
    if simulated:
        direction = "above" if yours > theirs else "below"
        return (
            f"{label}: yours, from {got.draws:,} draws, is {_format(yours)}, too far {direction} the right "
            f"answer's{reference} to be chance."
        )
    reference = f", expected {_format(theirs)}" if expected.reveal else ", which is not right"
    return f"{label}: yours is {_format(yours)}{reference}."


def disagreements(
    got: Mapping[str, Quantity],
    expected: Mapping[str, Quantity],
    *,
    z: float | None = None,
    rel: float = 1e-6,
    abs: float = 1e-6,
) -> list[str]:
    """Every way ``got`` differs from ``expected`` (empty when they agree), in ``expected``'s order.

    ``z`` defaults to ``z_threshold`` of the number of simulated quantities in ``expected``.
    """
    if z is None:
        z = z_threshold(sum(quantity.simulated for quantity in expected.values()))
    problems = []
    for label, quantity in expected.items():
        if label not in got:
            problems.append(f"{label}: missing.")
        elif (problem := _disagreement(label, got[label], quantity, z, rel, abs)) is not None:
            problems.append(problem)
    return problems


def judge(
    exercise: str,
    got: Mapping[str, Quantity],
    expected: Mapping[str, Quantity],
    mistakes: Iterable[tuple[Mapping[str, Quantity], str]] = (),
    *,
    hint: str = "",
    rel: float = 1e-6,
    abs: float = 1e-6,
    success: str = "",
) -> Feedback:
    """✅ when ``got`` agrees with ``expected``; else ❌ with the first difference and the hint of the
    first mistake whose behaviour ``got`` reproduces (``mistakes`` is consumed lazily), or ``hint``."""
    problems = disagreements(got, expected, rel=rel, abs=abs)
    if not problems:
        return correct(exercise, success)
    more = len(problems) - 1
    others = f"{more} other number{'s differ' if more > 1 else ' differs'} too"
    problem = problems[0] + (f" ({others}.)" if more else "")
    for behaviour, mistake_hint in mistakes:
        if not disagreements(got, behaviour, rel=rel, abs=abs):
            return incorrect(exercise, problem, mistake_hint)
    return incorrect(exercise, problem, hint)


def _quietly(function: Callable, *args):
    """``function(*args)`` with its warnings silenced (the student sees them in their own cells)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return function(*args)


def _crash_feedback(
    exercise: str, doing: str, error: Exception, hint: str, arguments_hint: str, placeholders: str
) -> Feedback:
    if (dtype_hint := _dtype_hint(error)) is not None:
        hint = dtype_hint
    elif "axis argument" in str(error):
        hint = _AXIS_HINT
    elif type(error) in _TRACER_HINTS:
        hint = _TRACER_HINTS[type(error)].format(placeholders=placeholders)
    elif isinstance(error, TypeError) and "argument" in str(error):
        hint = arguments_hint
    raised = one_line(error)
    return incorrect(exercise, f"{doing} raised {raised}{'' if raised.endswith(('.', '…')) else '.'}", hint)


# ---------------------------------------------------------------------------------------------
# The two checks


@dataclasses.dataclass(eq=False, kw_only=True)
class _BehaviourCheck:
    """What ``ModelCheck`` and ``FunctionCheck`` share: the reference's and the mistakes'
    behaviours, measured once and kept, and the verdict."""

    exercise: str
    reference: Any
    mistakes: Sequence[Mistake] = ()
    signature: str = "your function"
    what: str = "your function"
    hint: str = ""
    rel: float = 1e-6
    abs: float = 1e-6
    success: str = ""
    placeholders: str = "the random values"
    """What JAX's placeholders (tracers) stand for in the student's code, named in the hints for
    NumPy or a Python ``if`` applied to one."""

    def __post_init__(self):
        self._behaviours: dict[int, Mapping[str, Quantity] | None] = {}

    def behaviour_of(self, implementation) -> Mapping[str, Quantity]:
        """What ``implementation`` does, as named numbers (may raise for a student's function)."""
        raise NotImplementedError

    def _behaviour_of(self, index: int, implementation) -> Mapping[str, Quantity] | None:
        """The behaviour of the reference (index -1) or of a mistake, measured once; ``None`` if a
        mistake cannot be measured (it then matches nothing)."""
        if index not in self._behaviours:
            if index < 0:
                self._behaviours[index] = _quietly(self.behaviour_of, implementation)
            else:
                try:
                    self._behaviours[index] = _quietly(self.behaviour_of, implementation)
                except Exception:  # noqa: BLE001  (a mistake that cannot be measured matches nothing)
                    self._behaviours[index] = None
        return self._behaviours[index]

    def reference_behaviour(self) -> Mapping[str, Quantity]:
        return self._behaviour_of(-1, self.reference)

    def _mistake_behaviours(self) -> Iterator[tuple[Mapping[str, Quantity], str]]:
        for index, mistake in enumerate(self.mistakes):
            behaviour = self._behaviour_of(index, mistake.implementation)
            if behaviour is not None:
                yield behaviour, mistake.hint

    def _kind_problem(self, answer) -> Feedback | None:
        raise NotImplementedError

    def __call__(self, answer) -> Feedback:
        if answer is None:
            return unanswered(self.exercise, self.what)
        if (problem := self._kind_problem(answer)) is not None:
            return problem
        expected = self.reference_behaviour()
        try:
            got = _quietly(self.behaviour_of, answer)
        except Unusable as unusable:
            return incorrect(self.exercise, str(unusable), self.hint)
        except Exception as error:  # noqa: BLE001  (the student's code crashed: say how, never raise)
            arguments_hint = f"the prompt asks for {self.signature}; check the arguments your function takes."
            return _crash_feedback(
                self.exercise, f"running {self.signature}", error, self.hint, arguments_hint, self.placeholders
            )
        return judge(
            self.exercise, got, expected, self._mistake_behaviours(),
            hint=self.hint, rel=self.rel, abs=self.abs, success=self.success,
        )


def _value_kind(batched) -> str:
    """"truth values", "whole numbers" or "numbers with decimals": the kind of ``batched``'s entries."""
    kind = np.dtype(batched.dtype).kind
    return {"b": "truth values", "i": "whole numbers", "u": "whole numbers"}.get(kind, "numbers with decimals")


def _describe_values(batched) -> str:
    """"a whole number" or "an array of shape (3,) of numbers with decimals": one draw of a batched
    choice or return value."""
    shape = np.shape(batched)[1:]
    if shape != ():
        return f"an array of shape {shape} of {_value_kind(batched)}"
    return {"truth values": "a truth value (True or False)", "whole numbers": "a whole number"}.get(
        _value_kind(batched), "a number with decimals"
    )


def _default_describe_choices(choices: Mapping[str, Any]) -> str:
    return ", ".join(f"{address} = {np.asarray(value).item():.6g}" for address, value in choices.items())


def _default_describe_arguments(arguments: tuple) -> str:
    return f"with arguments {arguments}" if arguments else ""


@dataclasses.dataclass(eq=False, kw_only=True)
class ModelCheck(_BehaviourCheck):
    """Checks a generative function (``@gen``) against ``reference`` by behaviour.

    For each argument tuple in ``arguments`` (inputs the notebook never shows), the model is
    simulated ``num_draws`` times with a fixed key and must record exactly ``addresses``, each
    with the reference's kind of value (truth value, whole number, number) and shape, and return
    what the reference returns. Its behaviour is then:

    * each of ``statistics``, ``label → f(choices, retval)`` giving one number per draw from the
      draws' choices and return values (NumPy arrays, one entry per draw), averaged over the
      draws (``sample_mean``);
    * ``log p(…)`` and ``the return value for …``: ``assess`` of the first ``num_assessed`` of
      the reference's draws and of ``extra_choices``, exact. This catches a variance passed
      where ``normal`` takes a standard deviation, probabilities passed as logits, parameters
      of the wrong kind, a wrong return value.

    One compiled program per model runs all of it (the reference's draws, needed first, take a
    second one). ``describe_choices`` writes a choice map for the feedback
    (``"a karaage bento of 424.1 g"``), ``describe_arguments`` an argument tuple, and ``returns``
    what the prompt's model returns (``"the weight, a number with decimals"``), for a model that
    returns something else.
    """

    addresses: tuple[str, ...]
    arguments: Sequence[tuple] = ((),)
    statistics: Mapping[str, Callable] = dataclasses.field(default_factory=dict)
    reveal_statistics: bool = True
    num_draws: int = 4_000
    num_assessed: int = 12
    extra_choices: Sequence[Mapping[str, Any]] = ()
    seed: int = 0
    what: str = "your generative function"
    describe_choices: Callable[[Mapping[str, Any]], str] = _default_describe_choices
    describe_arguments: Callable[[tuple], str] = _default_describe_arguments
    returns: str = ""

    def _kind_problem(self, answer) -> Feedback | None:
        if isinstance(answer, GFI):
            return None
        if isinstance(answer, Trace):
            problem = "this is a trace, the record of one run of a model."
            hint = f"give the generative function itself, {self.signature}, not the result of simulating it."
        elif isinstance(getattr(answer, "__self__", None), GFI):
            problem = f"this is the method {getattr(answer, '__name__', '')} of a generative function."
            hint = "give the generative function itself: its name, without .simulate or parentheses."
        elif callable(answer) and not isinstance(answer, type):
            problem = "this is a plain Python function, not a generative function."
            hint = "put @gen on the line above def, so that GenJAX can record its random choices."
        else:
            problem = f"expected a generative function ({self.signature}), got {describe(answer)}."
            hint = "give the model itself, its name without parentheses, written with @gen on the line above def."
        return incorrect(self.exercise, problem, hint)

    def _key(self, index: int) -> jax.Array:
        return jax.random.key(self.seed * 1_000 + index)

    def _simulate(self, model, key, arguments):
        traces = seed(model.repeat(self.num_draws).simulate)(key, *arguments)
        return traces.get_choices(), traces.get_retval()

    @functools.cached_property
    def _reference_runs(self) -> list[tuple[Any, Any, list[dict[str, np.ndarray]]]]:
        """For each argument tuple: the reference's draws (choices, return values, as NumPy) and
        the choice maps whose log densities are compared (its first draws, then the extras)."""
        simulate = cheap_jit(functools.partial(self._simulate, self.reference))
        runs = []
        for index, arguments in enumerate(self.arguments):
            choices, retval = jax.tree_util.tree_map(np.asarray, simulate(self._key(index), arguments))
            assessed = [
                {address: choices[address][i] for address in self.addresses} for i in range(self.num_assessed)
            ] + [{address: np.asarray(extra[address]) for address in self.addresses} for extra in self.extra_choices]
            runs.append((choices, retval, assessed))
        return runs

    def _check_structure(self, model, key, arguments, reference_choices, reference_retval, where: str) -> None:
        """``Unusable`` unless ``model``'s draws record the prompt's addresses with the reference's
        kinds of values and shapes, and return what the reference returns (read from the shapes
        of its traced simulation, before anything is compiled)."""
        choices, retval = jax.eval_shape(functools.partial(self._simulate, model), key, arguments)
        if not isinstance(choices, Mapping):
            raise Unusable(
                f"your model{where} records its random choice without an address; record each choice "
                f"with @ and its name: {', '.join(repr(a) for a in self.addresses)}."
            )
        missing = [address for address in self.addresses if address not in choices]
        extra = sorted(str(address) for address in choices if address not in self.addresses)
        if missing or extra:
            parts = [f"missing {', '.join(repr(a) for a in missing)}"] if missing else []
            parts += [f"extra {', '.join(repr(a) for a in extra)}"] if extra else []
            raise Unusable(
                f"your model records the addresses {sorted(str(a) for a in choices)}; the prompt names "
                f"{list(self.addresses)} ({'; '.join(parts)})."
            )
        for address in self.addresses:
            yours, theirs = choices[address], reference_choices[address]
            if not hasattr(yours, "dtype") or yours.shape[1:] != theirs.shape[1:] or (
                _value_kind(yours) != _value_kind(theirs)
            ):
                what = _describe_values(yours) if hasattr(yours, "dtype") else "a nested choice map"
                raise Unusable(
                    f"at {address!r} your model draws {what}; the prompt's model draws {_describe_values(theirs)}"
                    + (" (give the model of one run, not .repeat(...) or .vmap(...) of it)."
                       if hasattr(yours, "dtype") and len(yours.shape) > len(theirs.shape) else ".")
                )
        if reference_retval is not None:
            leaves = jax.tree_util.tree_leaves(retval)
            if len(leaves) != 1 or leaves[0].shape[1:] != reference_retval.shape[1:] or (
                _value_kind(leaves[0]) != _value_kind(reference_retval)
            ):
                what = "nothing" if not leaves else (
                    f"{len(leaves)} values" if len(leaves) > 1 else _describe_values(leaves[0])
                )
                raise Unusable(
                    f"your model returns {what}; the prompt's model returns "
                    f"{self.returns or _describe_values(reference_retval)}."
                )

    def behaviour_of(self, model) -> dict[str, Quantity]:
        """The behaviour of ``model`` for every argument tuple: its simulated statistics, then the
        exact log densities and return values of the hidden choice maps."""

        def assess(arguments, assessed):
            return jax.vmap(lambda choices: model.assess(choices, *arguments))(assessed)

        def run(key, arguments, assessed):
            return self._simulate(model, key, arguments), assess(arguments, assessed)

        is_reference = model is self.reference
        if is_reference:  # its draws are known: it only assesses
            assess = cheap_jit(assess)
        else:
            run = cheap_jit(run)
        behaviour: dict[str, Quantity] = {}
        for index, arguments in enumerate(self.arguments):
            where = f" {self.describe_arguments(arguments)}".rstrip()
            reference_choices, reference_retval, assessed = self._reference_runs[index]
            stacked = {address: np.stack([c[address] for c in assessed]) for address in self.addresses}
            if is_reference:
                choices, retval = reference_choices, reference_retval
                log_densities, returned = jax.tree_util.tree_map(np.asarray, assess(arguments, stacked))
            else:
                self._check_structure(model, self._key(index), arguments, reference_choices, reference_retval, where)
                (choices, retval), (log_densities, returned) = jax.tree_util.tree_map(
                    np.asarray, run(self._key(index), arguments, stacked)
                )
            for label, statistic in self.statistics.items():
                behaviour[f"{label}{where}"] = sample_mean(statistic(choices, retval), reveal=self.reveal_statistics)
            for i, choice_map in enumerate(assessed):
                described = f"{self.describe_choices(choice_map)}{where}"
                if f"log p({described})" in behaviour:  # two choice maps that read the same
                    described += f" (number {i + 1})"
                behaviour[f"log p({described})"] = exact(log_densities[i])
                if reference_retval is not None:
                    value = np.ravel(jax.tree_util.tree_leaves(returned)[0][i])
                    for j, entry in enumerate(value):
                        entry_label = "the return value" if value.size == 1 else f"entry {j} of the return value"
                        behaviour[f"{entry_label} for {described}"] = exact(entry)
        return behaviour


def parameters_out_of_order(function, signature: str) -> str | None:
    """What is wrong if ``function``'s first positional parameters are the names of ``signature``
    (``"name(a, b, c)"``) in another order, as in ``(b, a, c)``: checks pass the arguments by position,
    in the prompted order, so each would land in the wrong parameter. None otherwise."""
    prompted = tuple(name.strip() for name in signature[signature.find("(") + 1 : signature.rfind(")")].split(","))
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return None
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    names = tuple(parameter.name for parameter in parameters if parameter.kind in positional)[: len(prompted)]
    if len(prompted) < 2 or sorted(names) != sorted(prompted) or names == prompted:
        return None
    moved = next(name for name, wanted in zip(names, prompted, strict=True) if name != wanted)
    meant = prompted[names.index(moved)]
    return (
        f"your function's parameters are ({', '.join(names)}); the check calls it as {signature}, in the order "
        f"the prompt asks for, so your parameter {moved} receives the value meant for {meant}."
    )


@dataclasses.dataclass(eq=False, kw_only=True)
class FunctionCheck(_BehaviourCheck):
    """Checks a function (an estimator, an inference step) against ``reference`` by behaviour.

    ``behaviour(function)`` calls it on hidden inputs (jitted or vectorised over fixed keys as the
    exercise needs) and returns its behaviour, ``label → Quantity``; it reads outputs with
    ``read_output``, which raises ``Unusable`` for a wrong type or shape.
    """

    behaviour: Callable[[Callable], Mapping[str, Quantity]]

    def behaviour_of(self, function) -> Mapping[str, Quantity]:
        return self.behaviour(function)

    def _kind_problem(self, answer) -> Feedback | None:
        if isinstance(answer, GFI) or not callable(answer) or isinstance(answer, type):
            return incorrect(
                self.exercise,
                f"expected a function ({self.signature}), got {describe(answer)}.",
                "define it with def and give its name without calling it (no parentheses).",
            )
        if (problem := parameters_out_of_order(answer, self.signature)) is not None:
            return incorrect(self.exercise, problem, "put the parameters in that order.")
        return None
