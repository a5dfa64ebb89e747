"""Checks for Chapter 1, Mystery bentos (expected value and mixtures).

* 1.1: the expected weight of a bento from the three-item menu of the shop next door (exact,
  to within a millionth of the answer), E[W] = Σₖ P(k)·mₖ = 0.5·500 + 0.3·350 + 0.2·420 = 439 g.
* 1.2: the expected total weight of a three-bento order (exact); by linearity
  E[W₁ + W₂ + W₃] = 3·E[W] = 3·455 = 1365 g.
* 1.3: is a bento near the mean weight rare at another shop, whose two kinds (480 g and
  470 g, equally common) overlap (spread 10 g)? Multiple choice: no, their mixture has a single
  hump at its mean (the notebook holds the answer in words).
* 1.4: P(W > 502 g) estimated by simulation, exactly Σₖ P(k)·P(N(mₖ, σₖ²) > 502) ≈ 0.111
  (0.7 times the chance that a tonkatsu is more than one standard deviation heavy), kept to
  at least 2 decimals.
* 1.5: the three-item menu of 1.1 as a generative function ``menu_bento()``: the kind at
  ``"kind"`` (0 tonkatsu, 1 hamburger, 2 karaage; probabilities 0.5, 0.3, 0.2), then the weight
  at ``"weight"``, normal around the kind's typical weight with standard deviation 2, 2 and
  5 g; it returns the weight. Checked by behaviour (``checks.behaviour.ModelCheck``): exact
  log densities and return values of hidden bentos, and the simulated shares of the kinds and
  mean weight.

Each check computes its expected answer itself, from the exercise's menu (1.1, 1.5) or from
``genjax_gmm.BENTO`` (1.2, 1.4), with the standard library, independently of the notebook.
A wrong answer that reproduces a common mistake gets a hint about that mistake.
"""

from __future__ import annotations

import math

import jax.numpy as jnp
from genjax import categorical, gen, normal

from .. import BENTO, MYSTERY_BENTO_WEIGHTS
from . import (
    Feedback,
    check_choice,
    check_number,
    describe,
    incorrect,
    matching_mistake,
    read_number,
    rounded_estimate,
)
from .behaviour import Mistake, ModelCheck

__all__ = [
    "THREE_ITEM_MENU",
    "ORDER_SIZE",
    "GENEROUS_THRESHOLD",
    "MIN_SIMULATED_BENTOS",
    "exercise_1_1",
    "exercise_1_2",
    "exercise_1_3",
    "exercise_1_4",
    "exercise_1_5",
    "THREE_ITEM_SPREADS",
]

THREE_ITEM_MENU = {"tonkatsu": (0.5, 500.0), "hamburger": (0.3, 350.0), "karaage": (0.2, 420.0)}
"""Exercise 1.1's menu: kind → (probability, typical weight in g)."""

THREE_ITEM_SPREADS = {"tonkatsu": 2.0, "hamburger": 2.0, "karaage": 5.0}
"""Exercise 1.5: each kind's standard deviation (g) around its typical weight."""

ORDER_SIZE = 3
"""Exercise 1.2: the number of bentos in one order."""

GENEROUS_THRESHOLD = 502.0
"""Exercise 1.4: estimate P(W > GENEROUS_THRESHOLD) (g), a "generous" bento."""

MIN_SIMULATED_BENTOS = 10_000
"""Exercise 1.4 asks for at least this many simulated bentos; its tolerance assumes it."""

ESTIMATE_DECIMALS = 2
"""Exercise 1.4 asks to keep at least this many decimals of the estimate."""


def _expected_bento_weight() -> float:
    """E[W] = Σₖ P(k)·mₖ for Chibany's bentos (``BENTO``): 0.7·500 + 0.3·350 = 455 g."""
    return math.fsum(p * m for p, m in zip(BENTO.weights, BENTO.means))


def _probability_heavier_than(threshold: float) -> float:
    """P(W > t) = Σₖ P(k)·½ erfc((t − mₖ) / (σₖ√2)), W the weight of one of Chibany's bentos."""
    return math.fsum(
        p * 0.5 * math.erfc((threshold - m) / (s * math.sqrt(2)))
        for p, m, s in zip(BENTO.weights, BENTO.means, BENTO.stds)
    )


def exercise_1_1(expected_with_karaage) -> Feedback:
    """E[W] for ``THREE_ITEM_MENU``: Σₖ P(k)·mₖ = 439 g, to within a millionth of it (``rel=1e-6``,
    as the prompt says). An answer that is not a number is told so, without the formula."""
    if expected_with_karaage is not None and read_number(expected_with_karaage) is None:
        return incorrect(
            "1.1",
            f"expected a weight in grams, got {describe(expected_with_karaage)}.",
            "store the number your code computes (a float such as 123.4, without the unit).",
        )
    probabilities, weights = zip(*THREE_ITEM_MENU.values())
    expected = math.fsum(p * m for p, m in zip(probabilities, weights))
    karaage_probability, karaage_weight = THREE_ITEM_MENU["karaage"]
    chibanys_probabilities_and_karaage = math.fsum(
        p * m for p, m in zip((*BENTO.weights, karaage_probability), weights)
    )
    mistakes = {
        sum(weights) / len(weights): (
            "that is the plain average of the three weights; weight each kind by its probability."
        ),
        _expected_bento_weight(): "that is Chibany's two-item menu; use the new menu's probabilities 0.5, 0.3, 0.2.",
        expected - karaage_probability * karaage_weight: "include the karaage: add 0.2 · 420 g.",
        expected / 1000: "that is in kilograms; the question asks for grams.",
        chibanys_probabilities_and_karaage: (
            "your probabilities add up to 1.2: the new menu's probabilities are 0.5, 0.3 and 0.2, "
            "and those of a menu always add up to 1."
        ),
    }
    hint = (
        "the expected value is a weighted average: each kind's typical weight counts as much as its "
        "probability, and every kind on the menu counts (the probabilities add up to 1)."
    )
    return check_number(
        "1.1",
        expected_with_karaage,
        expected,
        mistakes=mistakes,
        hint=hint,
        what="a weight in grams",
    )


SIMULATION_WINDOW_GRAMS = 15.0
"""Exercise 1.2: an answer this close to the exact total, but not equal, is a simulated mean
(4 standard errors of the mean of 1,000 simulated orders, 4·√(3·4729/1000) ≈ 15 g; the
notebook's simulated bentos make 6,666 orders)."""


def exercise_1_2(expected_order_total) -> Feedback:
    """E[W₁ + W₂ + W₃] = 3·E[W] = 1365 g, by linearity of expectation. A simulated mean (close,
    not exact) is told that the answer is exact."""
    one_bento = _expected_bento_weight()
    expected = ORDER_SIZE * one_bento
    mistakes = {
        one_bento: "that is the expected weight of one bento; the order holds three.",
        ORDER_SIZE * max(BENTO.means): "not every bento is a tonkatsu: use the expected weight of one bento.",
        ORDER_SIZE * sum(BENTO.means) / len(BENTO.means): (
            "weight each kind by its probability (0.7 and 0.3), not equally."
        ),
        ORDER_SIZE * math.fsum(p * m for p, m in THREE_ITEM_MENU.values()): (
            "that is an order from the three-item menu of Exercise 1.1; this order comes from Chibany's "
            "own two-item menu (70 % tonkatsu, 30 % hamburger)."
        ),
        ORDER_SIZE * float(MYSTERY_BENTO_WEIGHTS.mean()): (
            "that uses the mean of the 20 mystery bentos, a sample mean that depends on which bentos "
            "happened to come; the expected weight comes from the menu's probabilities."
        ),
    }
    value = read_number(expected_order_total)
    if (
        value is not None
        and 1e-6 * expected < math.fabs(value - expected) <= SIMULATION_WINDOW_GRAMS
        and matching_mistake(value, mistakes) is None
    ):
        return incorrect(
            "1.2",
            f"{value:.6g} is close, like the mean of simulated orders, but the expected total is an exact number.",
            "the answer is exact: use linearity, not the simulation.",
        )
    hint = (
        "by linearity, E[W₁ + W₂ + W₃] = E[W₁] + E[W₂] + E[W₃], and each E[Wᵢ] is the one-bento expectation."
    )
    return check_number("1.2", expected_order_total, expected, mistakes=mistakes, hint=hint, what="a weight in grams")


_OVERLAP_HINTS = {
    "a": (
        "the mean falls in an empty valley only when the kinds are far apart compared with their spread. "
        "Chibany's are 150 g apart with a spread of 2 g; these are 10 g apart with a spread of 10 g. "
        "Compute P(470 g < W < 480 g) for this shop, or simulate it."
    ),
    "c": (
        "a bento weighs its kind's typical weight plus a wobble; with a 10 g wobble, 475 g is only half a "
        "standard deviation from both kinds."
    ),
    "d": (
        "more bentos only make the histogram smoother; whether it has one hump or two is set by how far apart "
        "the kinds are compared with their spread."
    ),
}


def exercise_1_3(answer) -> Feedback:
    """Is a bento near the mean rare at a shop whose kinds overlap? ``"b"``: no, one hump at the mean."""
    return check_choice(
        "1.3",
        answer,
        "b",
        options=("a", "b", "c", "d"),
        hints=_OVERLAP_HINTS,
        hint='answer with one of the letters as a string, for example "a".',
    )


def exercise_1_4(probability_estimate) -> Feedback:
    """A simulation estimate of P(W > 502 g) ≈ 0.111, from at least 10,000 bentos, with at least
    2 decimals.

    Accepted within 4 standard errors of the exact p, 4·√(p(1 − p)/n) ≈ 0.013 for
    n = 10,000 bentos: a correct simulation of that size fails with probability below 10⁻⁴.
    An estimate written with fewer than 2 decimals (0.1) is rounded too much, even when close.
    """
    exact = _probability_heavier_than(GENEROUS_THRESHOLD)
    standard_error = math.sqrt(exact * (1 - exact) / MIN_SIMULATED_BENTOS)
    value = read_number(probability_estimate)
    rounded = rounded_estimate("1.4", value, exact, ESTIMATE_DECIMALS, 4 * standard_error)
    if rounded is not None:
        return rounded
    tonkatsu = BENTO.weights[0]
    mistakes = {
        tonkatsu: "that is P(tonkatsu); only the tonkatsu bentos heavier than 502 g count.",
        exact / tonkatsu: (
            "that is the fraction of the tonkatsu bentos that weigh more than 502 g; "
            "the question asks for the fraction of all bentos."
        ),
        1 - exact: "that is the fraction of bentos of at most 502 g; count the heavier ones.",
    }
    if value is not None and math.fabs(value - 100 * exact) <= 100 * 4 * standard_error:
        percentage_hint = "give a probability, a number between 0 and 1, not a percentage."
        return incorrect("1.4", f"{value:.6g} is too large.", percentage_hint)
    hint = (
        "a probability is the average of an indicator (1 when it happens, 0 when not), so the share of "
        "simulated bentos heavier than 502 g estimates it; use at least 10,000 bentos, as the tolerance assumes."
    )
    return check_number(
        "1.4",
        probability_estimate,
        exact,
        decimals=ESTIMATE_DECIMALS,
        abs=4 * standard_error,
        mistakes=mistakes, mistake_abs=4 * standard_error, hint=hint,
        what="a probability",
    )


# ---------------------------------------------------------------------------------------------
# Exercise 1.5: the three-item menu as a generative function

_KINDS = tuple(THREE_ITEM_MENU)
_PROBABILITIES = tuple(p for p, _ in THREE_ITEM_MENU.values())
_WEIGHTS = tuple(m for _, m in THREE_ITEM_MENU.values())
_SPREADS = tuple(THREE_ITEM_SPREADS[kind] for kind in _KINDS)


def _menu_model(logits, means, stds):
    """``@gen`` model: kind ~ categorical(logits) at "kind", weight ~ N(means[kind], stds[kind]²)."""

    @gen
    def menu_bento():
        kind = categorical(jnp.array(logits)) @ "kind"
        return normal(jnp.array(means)[kind], jnp.array(stds)[kind]) @ "weight"

    return menu_bento


_LOG_PROBABILITIES = tuple(math.log(p) for p in _PROBABILITIES)
_MENU_BENTO = _menu_model(_LOG_PROBABILITIES, _WEIGHTS, _SPREADS)


@gen
def _menu_wobble_at_weight():
    """The menu with the wobble, N(0, stds[kind]²), recorded at "weight" and added to the typical
    weight afterwards: it returns the weight but records the wobble."""
    kind = categorical(jnp.array(_LOG_PROBABILITIES)) @ "kind"
    wobble = normal(0.0, jnp.array(_SPREADS)[kind]) @ "weight"
    return jnp.array(_WEIGHTS)[kind] + wobble


def _is_kind(k: int):
    """Per draw: 1 when the bento is of kind ``k``, else 0."""
    return lambda choices, weight: choices["kind"] == k


def _describe_bento(choices) -> str:
    kind = int(choices["kind"])
    name = _KINDS[kind] if 0 <= kind < len(_KINDS) else f"kind {kind}"
    return f"a {name} bento (kind {kind}) of {float(choices['weight']):.1f} g"


_MENU_CHECK = ModelCheck(
    exercise="1.5",
    reference=_MENU_BENTO,
    addresses=("kind", "weight"),
    statistics={
        **{f"the share of {kind} bentos": _is_kind(k) for k, kind in enumerate(_KINDS)},
        "the mean weight (g)": lambda choices, weight: weight,
    },
    reveal_statistics=False,  # the mean weight is Exercise 1.1's answer
    extra_choices=[{"kind": 2, "weight": 430.0}, {"kind": 0, "weight": 505.0}, {"kind": 1, "weight": 345.5}],
    describe_choices=_describe_bento,
    mistakes=[
        Mistake(
            _menu_model(_PROBABILITIES, _WEIGHTS, _SPREADS),
            "categorical takes logits, not probabilities: pass jnp.log of the probabilities (Section 3).",
        ),
        Mistake(
            _menu_model(_LOG_PROBABILITIES, _WEIGHTS, tuple(s**2 for s in _SPREADS)),
            "normal(mean, sd) takes the standard deviation (2, 2 and 5 g), not the variance.",
        ),
        Mistake(
            _menu_model(_LOG_PROBABILITIES, _WEIGHTS, (2.0, 2.0, 2.0)),
            "a karaage bento's weight varies more: its standard deviation is 5 g, not 2 g.",
        ),
        Mistake(
            _menu_model(_LOG_PROBABILITIES, (500.0, 420.0, 350.0), (2.0, 5.0, 2.0)),
            "keep one order for every list: kind 1 is the hamburger (350 g), kind 2 the karaage (420 g).",
        ),
        Mistake(
            _menu_model((_LOG_PROBABILITIES[0], _LOG_PROBABILITIES[2], _LOG_PROBABILITIES[1]),
                        (500.0, 420.0, 350.0), (2.0, 5.0, 2.0)),
            "number the kinds as the prompt does: 0 tonkatsu, 1 hamburger, 2 karaage.",
        ),
        Mistake(
            _menu_model(tuple(math.log(p) for p in BENTO.weights), BENTO.means, BENTO.stds),
            "that is Chibany's two-item menu; the shop next door's has three kinds, with probabilities 0.5, "
            "0.3 and 0.2.",
        ),
        Mistake(
            _menu_wobble_at_weight,
            "an address records the value drawn there, and the prompt's \"weight\" is the weight itself: "
            "draw it with normal around the kind's typical weight, not as a wobble around 0 added afterwards.",
        ),
    ],
    signature="menu_bento()",
    hint=(
        "an address records the value drawn there: the kind (0, 1 or 2) at \"kind\", the weight in grams at "
        "\"weight\". categorical takes logits, the logs of the probabilities; normal takes a standard "
        "deviation, not a variance; each kind has its own typical weight and standard deviation."
    ),
    returns="the weight, a number with decimals",
    success=(
        "Your model gave the hidden bentos the menu's probabilities, and its simulated kinds and weights "
        "agree with the menu's."
    ),
)


def exercise_1_5(menu_bento) -> Feedback:
    """The three-item menu as a generative function ``menu_bento()``, checked by behaviour."""
    return _MENU_CHECK(menu_bento)
