"""Checks for Chapter 10, sequential Monte Carlo.

* 10.1 (code): ``incremental_log_weight(x, weights, means, stds)``, each particle's log weight for
  one new point, log p(x | θ_p) = log Σ_k π_pk N(x; μ_pk, σ_pk²), judged by behaviour on particles
  and points the notebook never shows, one point far from every component (where each
  π_k N(x; μ_k, σ_k²) underflows to 0, so only a log-space sum gives a number).
* 10.2 (code): ``systematic_resample(u, weights)``, the indices chosen by systematic resampling:
  slot i takes the particle j whose cumulative weight interval [F_{j−1}, F_j) holds (i + u)/P,
  judged on hidden weights and offsets u (one with u = 0, its positions on the boundaries F_j; one
  whose last position rounds up to F_P, so that the index must be capped at P − 1); integer indices
  required. Positions shifted by one slot, (i + 1 + u)/P, get their own hint before the cap's.
* 10.3: why the average of log p̂(x) over keys lies below log p(x) (multiple choice).
* 10.4 (code): ``reweight(model, log_weights, thetas, x)``, one reweighting step of a particle
  population (what GenJAX's ``extend`` does to the weights): the new normalised log weights
  log W_{t,p} = log W_{t−1,p} + log w_t(θ_p) − log p̂(x_t | x_<t) and the log increment
  log p̂(x_t | x_<t) = log Σ_p W_{t−1,p} w_t(θ_p), judged on a hidden population with unequal
  old weights, at hidden points (one far from every component, where only log space gives numbers),
  with a hidden model written for one particle (``jnp.dot`` of its π and μ), so that only its
  ``assess``, applied particle by particle (``jax.vmap``), gives its numbers.

Each check computes its expected behaviour itself, independently of the notebook. A wrong answer
that reproduces a common mistake gets a hint about that mistake.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
from genjax import gen, normal
from scipy.special import logsumexp
from scipy.stats import norm

from . import Feedback, check_choice, describe
from .behaviour import FunctionCheck, Mistake, Unusable, exact, one_line, read_output

__all__ = ["exercise_10_1", "exercise_10_2", "exercise_10_3", "exercise_10_4"]

_CHOICES = ("a", "b", "c", "d")

# ---------------------------------------------------------------------------------------------
# 10.1: the incremental weight of four hidden particles of a two-kind mixture, at hidden points.
# The last point lies hundreds of standard deviations from every component.

_POINTS = (3.1, -0.4, 7.7, 950.0)
_PARTICLE_WEIGHTS = np.array([[0.5, 0.5], [0.9, 0.1], [0.2, 0.8], [0.65, 0.35]])
_PARTICLE_MEANS = np.array([[0.0, 3.0], [1.0, 6.0], [-2.0, 8.0], [2.5, 2.7]])
_PARTICLE_STDS = np.array([[1.0, 0.5], [2.0, 1.5], [0.7, 3.0], [1.2, 0.4]])


def _incremental_log_weight(x, weights, means, stds):
    """log Σ_k π_pk N(x; μ_pk, σ_pk²) per particle p, in log space."""
    return logsumexp(np.log(weights) + norm.logpdf(x, means, stds), axis=-1)


def _without_normalising_constant(x, weights, means, stds):
    stds = np.asarray(stds, dtype=float)
    log_density = -np.log(stds) - (x - np.asarray(means)) ** 2 / (2 * stds**2)  # no −½ log 2π
    return logsumexp(np.log(weights) + log_density, axis=-1)


def _variance_as_std(x, weights, means, stds):
    return _incremental_log_weight(x, weights, means, np.asarray(stds) ** 2)


def _without_weights(x, weights, means, stds):
    return _incremental_log_weight(x, np.ones_like(weights), means, stds)


def _best_component_only(x, weights, means, stds):
    return np.max(np.log(weights) + norm.logpdf(x, means, stds), axis=-1)


def _summed_logs(x, weights, means, stds):
    return np.sum(np.log(weights) + norm.logpdf(x, means, stds), axis=-1)


def _weight_not_log(x, weights, means, stds):
    return np.exp(_incremental_log_weight(x, weights, means, stds))


def _outside_log_space(x, weights, means, stds):
    with np.errstate(divide="ignore"):
        return np.log(np.sum(weights * norm.pdf(x, means, stds), axis=-1))


def _incremental_weight_behaviour(incremental_log_weight) -> dict:
    """Every particle's log weight at every hidden point, exact; −∞ at the far point only is the
    underflow of a sum computed outside log space."""
    quantities = {}
    for x in _POINTS:
        output = read_output(
            incremental_log_weight(x, _PARTICLE_WEIGHTS.copy(), _PARTICLE_MEANS.copy(), _PARTICLE_STDS.copy()),
            (_PARTICLE_WEIGHTS.shape[0],),
            "one log weight per particle",
        )
        if x == _POINTS[-1] and np.isneginf(output).any():
            raise Unusable(
                f"for the point x = {x:g}, far from every component, your log weights are -inf: each "
                "π_k N(x; μ_k, σ_k²) underflows to 0 there, and log 0 = -inf. Add log π_k and log N(x; μ_k, "
                "σ_k²) (norm.logpdf) and sum over the kinds with logsumexp(..., axis=-1) instead."
            )
        quantities.update({f"log w at x = {x:g}, particle {p}": exact(value) for p, value in enumerate(output)})
    return quantities


_INCREMENTAL_WEIGHT = FunctionCheck(
    exercise="10.1",
    reference=_incremental_log_weight,
    behaviour=_incremental_weight_behaviour,
    mistakes=[
        Mistake(_variance_as_std, "stds holds standard deviations, and norm.logpdf(x, mean, sd) takes σ itself, "
                "not the variance σ²."),
        Mistake(_without_weights, "each kind counts with its share: add log π_k (the weights) to its log density."),
        Mistake(_best_component_only, "the point may come from either kind: sum the kinds' terms (logsumexp), "
                "do not keep only the largest."),
        Mistake(_summed_logs, "the point comes from one kind OR the other: add the probabilities π_k N(x; μ_k, σ_k²) "
                "(logsumexp of their logs), do not add their logs."),
        Mistake(_without_normalising_constant, "the Gaussian log density is −½ log(2π) − log σ − (x − μ)²/(2σ²): "
                "your weights lack the constant −½ log(2π) (norm.logpdf includes it)."),
        Mistake(_weight_not_log, "return the log weight, log p(x | θ), not the weight itself."),
        Mistake(_outside_log_space, "your sum is right, but outside log space it underflows far from the "
                "components: use logsumexp of log π_k + log N(x; μ_k, σ_k²)."),
    ],
    signature="incremental_log_weight(x, weights, means, stds)",
    what="your function incremental_log_weight",
    hint="log p(x | θ_p) = log Σ_k π_pk N(x; μ_pk, σ_pk²), one number per particle: stay in logs throughout "
    "(log π_k + log N(x; μ_k, σ_k²) for each kind) and combine the kinds of each particle, one row, with a sum "
    "done in log space.",
)


def exercise_10_1(incremental_log_weight) -> Feedback:
    """``incremental_log_weight(x, weights, means, stds)`` returns (P,) log p(x | θ_p)."""
    return _INCREMENTAL_WEIGHT(incremental_log_weight)


# ---------------------------------------------------------------------------------------------
# 10.2: systematic resampling of hidden weights with hidden offsets

_RESAMPLING_CASES = (
    (0.5, np.array([0.1, 0.2, 0.3, 0.4])),
    (0.05, np.array([0.05, 0.05, 0.6, 0.05, 0.25])),
    (0.93, np.array([0.3, 0.0, 0.0, 0.2, 0.1, 0.4])),
    (0.37, np.full(8, 1 / 8)),
    (0.71, np.array([0.96, 0.01, 0.01, 0.01, 0.01])),
    # u = 0 puts the first position exactly on F_0 = F_1 = 0 and others on F_j: a particle of
    # weight 0 must not be chosen (a boundary belongs to the interval it opens).
    (0.0, np.array([0.0, 0.5, 0.5, 0.0])),
    # u = 1 − 2⁻⁵³, the largest number below 1: the last position (2 + u)/3 rounds to 1.0, not below
    # F_3 = 1 (nor below a sum that rounding left a hair under 1), so only the cap at P − 1 keeps the
    # last slot a particle; the other positions lie well inside the last interval.
    (1 - 2**-53, np.array([0.05, 0.15, 0.8])),
)


def _first_above(cumulative, positions):
    """For each position, the first index j with position < cumulative[j] (capped at the last)."""
    return np.minimum(np.searchsorted(cumulative, positions, side="right"), len(cumulative) - 1)


def _systematic_resample(u, weights):
    """Slot i takes the j with F_{j−1} ≤ (i + u)/P < F_j, F the cumulative weights."""
    weights = np.asarray(weights, dtype=float)
    return _first_above(np.cumsum(weights), (np.arange(weights.size) + u) / weights.size)


def _without_offset(u, weights):
    return _systematic_resample(0.0, weights)


def _offset_not_divided(u, weights):
    weights = np.asarray(weights, dtype=float)
    return np.searchsorted(np.cumsum(weights), np.arange(weights.size) / weights.size + u, side="right")


def _offset_not_divided_capped(u, weights):
    return np.minimum(_offset_not_divided(u, weights), len(weights) - 1)


def _shifted_by_one_slot(u, weights):
    """Positions (i + 1 + u)/P: slots counted from 1, the last position beyond 1."""
    weights = np.asarray(weights, dtype=float)
    return np.searchsorted(np.cumsum(weights), (np.arange(weights.size) + 1 + u) / weights.size, side="right")


def _shifted_by_one_slot_capped(u, weights):
    return np.minimum(_shifted_by_one_slot(u, weights), len(weights) - 1)


def _weights_not_cumulated(u, weights):
    weights = np.asarray(weights, dtype=float)
    return _first_above(np.sort(weights), (np.arange(weights.size) + u) / weights.size)


def _boundary_to_the_left(u, weights):
    weights = np.asarray(weights, dtype=float)
    return np.searchsorted(np.cumsum(weights), (np.arange(weights.size) + u) / weights.size, side="left")


def _boundary_to_the_left_capped(u, weights):
    return np.minimum(_boundary_to_the_left(u, weights), len(weights) - 1)


_BOUNDARY_HINT = ("the interval [F_{j-1}, F_j) holds its left end, not its right: a position equal to F_j "
                  "belongs to the next particle, so a particle of weight 0 (an empty interval) is never chosen.")
_OFFSET_HINT = "divide the whole (i + u) by P: the positions (i + u)/P all lie in [0, 1)."
_SHIFT_HINT = ("the slots are i = 0, …, P − 1, so the positions are (i + u)/P, the first of them u/P: yours are "
               "shifted by one slot, (i + 1 + u)/P, and the last lies beyond 1.")
def _counted_from_one(u, weights):
    """Particles numbered 1 … P, as on paper: every index one too large."""
    return _systematic_resample(u, weights) + 1


_RESAMPLING_MISTAKES = [
    Mistake(_counted_from_one, "Python counts from 0: the P particles are indices 0 … P − 1, so particle j of a "
            "list numbered from 1 is index j − 1. Every index of yours is one too large."),
    Mistake(_without_offset, "the positions are (i + u)/P: every slot is shifted by the same random u/P."),
    *(Mistake(mistake, _SHIFT_HINT) for mistake in (_shifted_by_one_slot, _shifted_by_one_slot_capped)),
    *(Mistake(mistake, _OFFSET_HINT) for mistake in (_offset_not_divided, _offset_not_divided_capped)),
    Mistake(_weights_not_cumulated, "compare the positions with the cumulative weights, np.cumsum(weights), "
            "so that particle j owns the interval [F_{j-1}, F_j) of length w_j."),
    *(Mistake(mistake, _BOUNDARY_HINT) for mistake in (_boundary_to_the_left, _boundary_to_the_left_capped)),
]


def _reproduces_a_mistake(output, u, weights) -> bool:
    return any(np.array_equal(output, mistake.implementation(u, weights)) for mistake in _RESAMPLING_MISTAKES)


def _resampling_behaviour(systematic_resample) -> dict:
    """The chosen index of every slot in every hidden case, exact. Indices must be integers, the same
    for the same u (the only randomness), and within 0 … P − 1 unless a registered mistake explains
    them (its hint says more than the range)."""
    quantities = {}
    for case, (u, weights) in enumerate(_RESAMPLING_CASES):
        returned = systematic_resample(u, weights.copy())
        output = read_output(returned, weights.shape, "one particle index per slot", integer=True)
        if np.asarray(returned).dtype.kind not in "iu":
            raise Unusable("your indices are numbers with decimals (floats); return integers, for instance "
                           "with .astype(int), so that they can index the particles.")
        if not np.array_equal(read_output(systematic_resample(u, weights.copy()), weights.shape, "", integer=True),
                              output):
            raise Unusable("your function gave other indices when called again with the same u and weights: the "
                           "only randomness of systematic resampling is u, which it is given; draw nothing inside.")
        if np.any((output < 0) | (output >= weights.size)) and not _reproduces_a_mistake(output, u, weights):
            raise Unusable(f"your indices must lie in 0 … {weights.size - 1} (one of the {weights.size} particles); "
                           "in floating point the last position (P − 1 + u)/P can round up to 1, or the cumulative "
                           "weights end a rounding error below 1, and it finds no interval: cap the index at P − 1.")
        quantities.update({f"case {case}, slot {i}": exact(index) for i, index in enumerate(output)})
    return quantities


_RESAMPLE = FunctionCheck(
    exercise="10.2",
    reference=_systematic_resample,
    behaviour=_resampling_behaviour,
    mistakes=_RESAMPLING_MISTAKES,
    signature="systematic_resample(u, weights)",
    what="your function systematic_resample",
    hint="build the P evenly spaced positions (i + u)/P and the cumulative weights F_j; slot i takes the first "
    "particle j (counting from 0) whose F_j lies strictly above its position.",
)


def exercise_10_2(systematic_resample) -> Feedback:
    """``systematic_resample(u, weights)`` returns the P chosen indices."""
    return _RESAMPLE(systematic_resample)


# ---------------------------------------------------------------------------------------------
# 10.3: why the average log-evidence estimate is low


def exercise_10_3(answer) -> Feedback:
    """p̂(x) is unbiased, so by Jensen's inequality E[log p̂(x)] ≤ log E[p̂(x)] = log p(x) ("c")."""
    hints = {
        "a": "the filter's p̂(x) is unbiased at any number of particles (§2): runs that miss part of p(x) are "
        "balanced by runs that overshoot. Look at what taking the log does to such an average.",
        "b": "resampling keeps p̂(x) unbiased (each copy is drawn with the probability its weight gave it); "
        "look at what taking the log does to an average instead.",
        "d": "leaving assignments out of a sum of positive terms can only make it too LOW, never too high; and "
        "§1 found the nearest rivals of z*, the 20 assignments with one bento moved, together below 10^-13 of it.",
    }
    return check_choice("10.3", answer, "c", options=_CHOICES, hints=hints)


# ---------------------------------------------------------------------------------------------
# 10.4: one reweighting step of a hidden population with unequal old weights, scored by a hidden
# model written for one particle (jnp.dot of its π and μ): the student must call its assess, once
# per particle (jax.vmap), since neither the mixture formula of 10.1 nor a whole-cloud call gives
# its numbers.

_REWEIGHT_POINTS = (4.2, -1.3, 950.0)
_OLD_LOG_WEIGHTS = np.log(np.array([0.4, 0.1, 0.3, 0.2]))
_THETAS = (_PARTICLE_WEIGHTS, _PARTICLE_MEANS, _PARTICLE_STDS)
_WHOLE_CLOUD_ERROR = "dot_general requires contracting dimensions"  # jnp.dot of two (P, 2) arrays


@gen
def _blended_bento(weights, means, stds):
    """One particle's θ scores a bento as one Gaussian blended from its kinds:
    x ~ N(Σ_k π_k μ_k, Σ_k π_k σ_k²). Written for one particle: jnp.dot refuses a whole cloud."""
    normal(jnp.dot(weights, means), jnp.sqrt(jnp.dot(weights, stds**2))) @ "x"
    return weights, means, stds


def _blended_log_density(x, weights, means, stds):
    """log N(x; Σ_k π_pk μ_pk, Σ_k π_pk σ_pk²) per particle p: what ``_blended_bento.assess`` gives."""
    return norm.logpdf(x, np.sum(weights * means, axis=-1), np.sqrt(np.sum(weights * stds**2, axis=-1)))


def _reweight(model, log_weights, thetas, x, *, log_density=_blended_log_density):
    """log W_t = log W_{t−1} + log w_t − log Σ_p W_{t−1,p} w_{t,p}, and that log sum (``model`` is
    the hidden one, whose log density ``log_density`` computes in NumPy)."""
    weighted = np.asarray(log_weights) + log_density(x, *thetas)
    log_increment = logsumexp(weighted)
    return weighted - log_increment, log_increment


def _scored_as_a_mixture(model, log_weights, thetas, x):
    return _reweight(model, log_weights, thetas, x, log_density=_incremental_log_weight)


def _old_weights_forgotten(model, log_weights, thetas, x):
    return _reweight(model, np.full(len(log_weights), -np.log(len(log_weights))), thetas, x)


def _increment_unweighted(model, log_weights, thetas, x):
    increments = _blended_log_density(x, *thetas)
    return _reweight(model, log_weights, thetas, x)[0], logsumexp(increments) - np.log(len(log_weights))


def _divided_by_count(model, log_weights, thetas, x):
    new, log_increment = _reweight(model, log_weights, thetas, x)
    return new, log_increment - np.log(len(log_weights))


def _averaging_one(model, log_weights, thetas, x):
    """own_filter's convention: new weights that average 1 (log P above the normalised ones)."""
    new, log_increment = _reweight(model, log_weights, thetas, x)
    return new + np.log(len(log_weights)), log_increment


def _averaging_one_throughout(model, log_weights, thetas, x):
    """own_filter's convention for the weights and its − log P in the increment."""
    new, log_increment = _reweight(model, log_weights, thetas, x)
    return new + np.log(len(log_weights)), log_increment - np.log(len(log_weights))


def _not_normalised(model, log_weights, thetas, x):
    new, log_increment = _reweight(model, log_weights, thetas, x)
    return new + log_increment, log_increment


def _linear(model, log_weights, thetas, x):
    new, log_increment = _reweight(model, log_weights, thetas, x)
    return np.exp(new), np.exp(log_increment)


def _linear_weights(model, log_weights, thetas, x):
    new, log_increment = _reweight(model, log_weights, thetas, x)
    return np.exp(new), log_increment


def _summed_log_weights(model, log_weights, thetas, x):
    weighted = np.asarray(log_weights) + _blended_log_density(x, *thetas)
    return weighted - logsumexp(weighted), np.sum(weighted)


def _read_pair(returned, size: int) -> tuple[np.ndarray, float]:
    """A student's (new log weights, log increment) pair, or ``Unusable`` saying what it is instead."""
    if not isinstance(returned, (tuple, list)) or len(returned) != 2:
        raise Unusable("return a pair, the new log weights (one per particle) and then the log increment (one "
                       f"number): return new_log_weights, log_increment. Your function returned {describe(returned)}.")
    new = read_output(returned[0], (size,), "the new log weights, one per particle, first")
    log_increment = read_output(returned[1], (), "the log increment log p̂(x_t | x_<t), one number, second")
    return new, float(log_increment)


def _run_reweight(reweight, x):
    """The student's ``reweight`` on the hidden cloud at ``x``; ``Unusable`` for the three crashes that
    say what is missing (θ passed to assess as one tuple; the model given the whole cloud at once; an
    index past assess's pair)."""
    try:
        return reweight(_blended_bento, _OLD_LOG_WEIGHTS.copy(), tuple(a.copy() for a in _THETAS), x)
    except TypeError as error:
        if "_blended_bento()" in str(error) and "positional argument" in str(error):
            raise Unusable(
                f"your function raised {one_line(error)}. model.assess(choices, *args) takes the model's arguments "
                "one by one, here a particle's (π, μ, σ): pass a particle's θ, a tuple, unpacked, "
                "model.assess({\"x\": x}, *theta), not as one argument."
            ) from error
        if _WHOLE_CLOUD_ERROR not in str(error):
            raise
        raise Unusable(
            f"your function raised {one_line(error)} The check's model, like next_bento, scores ONE "
            "particle, θ_p = (π_p, μ_p, σ_p) with shapes (2,), (2,), (2,); unlike next_bento it cannot take the whole "
            "cloud's (P, 2) arrays at once (it combines a particle's kinds with jnp.dot). Write a function of one "
            "particle's θ that calls model.assess, and apply it to every particle with jax.vmap."
        ) from error
    except IndexError as error:
        if "tuple index" not in str(error):
            raise
        raise Unusable(
            f"your function raised {one_line(error)}. model.assess(choices, *args) returns a pair, "
            "(log density, return value): the log density is its [0]."
        ) from error


def _reweight_behaviour(reweight) -> dict:
    """The new log weights and the log increment at every hidden point, exact. NaN weights where the
    reference has numbers are the log of negative numbers; NaN or −∞ at the far point only are a
    sum taken outside log space."""
    quantities = {}
    size = _OLD_LOG_WEIGHTS.size
    for x in _REWEIGHT_POINTS:
        new, log_increment = _read_pair(_run_reweight(reweight, x), size)
        if np.isnan(new).any() and x != _REWEIGHT_POINTS[-1]:
            raise Unusable(
                f"for the bento x = {x:g} your new log weights are {new.round(3).tolist()}: NaN is what the log of "
                "a negative number gives. log_weights holds LOGS of the weights (numbers below 0): add them to the "
                "log densities; to get the weights themselves, exponentiate them, never take their log again."
            )
        if x == _REWEIGHT_POINTS[-1] and not np.all(np.isfinite(new)):
            raise Unusable(
                f"for the bento x = {x:g}, far from every kind, your new log weights are {new.round(3).tolist()}: "
                "every w_t underflows to 0 there. Keep the weights in logs: add log weights and combine them "
                "with logsumexp, never exp(...) then log."
            )
        quantities.update({f"new log weight of particle {p} at x = {x:g}": exact(value) for p, value in enumerate(new)})
        quantities[f"log increment at x = {x:g}"] = exact(log_increment)
    return quantities


_OWN_FILTER_HINT = (
    "your new weights average 1, as own_filter's do (its log weights end with + log P); reweight's must ADD UP "
    "to 1 (normalised, log W_{t,p}), so yours are log P too high. Subtract the logsumexp of the new log weights "
    "and nothing else."
)
_REWEIGHT = FunctionCheck(
    exercise="10.4",
    reference=_reweight,
    behaviour=_reweight_behaviour,
    mistakes=[
        Mistake(_scored_as_a_mixture, "score the bento with the model you are given, model.assess: the check's "
                "model is not Exercise 10.1's mixture, so the mixture formula gives other numbers."),
        Mistake(_old_weights_forgotten, "each particle keeps the weight it had: add its old log weight "
                "log W_{t-1,p} to the new bento's log density, do not start from equal weights."),
        Mistake(_increment_unweighted, "the increment averages the new bento's density over the particles "
                "with their OLD weights W_{t-1,p}, not with equal weights 1/P."),
        Mistake(_divided_by_count, "the old weights are normalised already (they add up to 1, unlike own_filter's, "
                "which average 1), so Σ_p W_{t-1,p} w_t(θ_p) is the weighted average itself: do not divide by P "
                "(subtract log P) as well."),
        *(Mistake(mistake, _OWN_FILTER_HINT) for mistake in (_averaging_one, _averaging_one_throughout)),
        Mistake(_not_normalised, "normalise the new log weights: subtract their logsumexp (the log increment), "
                "so that the new weights add up to 1."),
        Mistake(_linear, "return logs, the new LOG weights and the LOG increment, not the weights themselves."),
        Mistake(_linear_weights, "return the new LOG weights, not the weights themselves."),
        Mistake(_summed_log_weights, "the increment is the log of a SUM of weights (logsumexp of the log "
                "weights), not the sum of their logs."),
    ],
    signature="reweight(model, log_weights, thetas, x)",
    what="your function reweight",
    placeholders="the particles' values",
    hint="score the bento under each particle's θ (model.assess on one particle gives log w_t(θ_p); jax.vmap "
    "applies that to every particle), add each particle's old log "
    "weight, take the log of the sum over the particles of the weights (that is the increment), and subtract "
    "it from every particle's log weight.",
)


def exercise_10_4(reweight) -> Feedback:
    """``reweight(model, log_weights, thetas, x)`` returns (new normalised log weights, log increment)."""
    return _REWEIGHT(reweight)
