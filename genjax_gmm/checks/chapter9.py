"""Checks for Chapter 9, variational inference.

* 9.1 (code): ``mean_update(x, responsibilities, expected_precisions, prior_mean, prior_std)``, the
  CAVI update of q(μ_k) = N(m_k, s_k²):

      1/s_k² = 1/s₀² + N_k E[1/σ²_k],   m_k = s_k² (m₀/s₀² + E[1/σ²_k] Σ_i r_ik x_i),   N_k = Σ_i r_ik,

  returning the pair (m, s), judged by behaviour on points, responsibilities and expectations the
  notebook never shows.
* 9.2: the ELBO of CAVI with K = 3 on the ten bentos, to 1 decimal place.
* 9.3: why mean-field VI is narrower than the posterior (multiple choice).
* 9.4 (code): ``elbo``, the ELBO of q(μ) = N(loc, scale²) for the mean of the light bentos as a
  GenJAX ADEV ``expectation`` of log p(x, μ) − log q(μ), judged by behaviour: its estimates and
  ADEV gradients, averaged over thousands of keys at (loc, scale) the notebook never shows, must
  agree with the reference's (whose averages the tests compare with the closed form,

      ELBO(loc, s) = log N(loc; m₀, s₀²) − s²/(2 s₀²) + Σ_i [log N(x_i; loc, σ²) − s²/(2σ²)] + ½ log(2πe s²)).

Each check computes its expected answer itself (9.2 by running ``gg.cavi``; its test checks that
value against an independent NumPy CAVI), independently of the notebook. A wrong answer that
reproduces a common mistake gets a hint about that mistake.
"""

from __future__ import annotations

import functools
import inspect

import jax
import numpy as np
from genjax import GFI, gen, normal, seed
from genjax.adev import Expectation, expectation, invoke_closed_over, normal_reparam

from .. import MYSTERY_BENTO_WEIGHTS, GMMPrior, cavi
from . import Feedback, check_choice, check_number, describe, incorrect, unanswered
from .behaviour import FunctionCheck, Mistake, _quietly, cheap_jit, exact, one_line, read_output, sample_mean

__all__ = [
    "ELBO_BENTOS",
    "ELBO_COMPONENTS",
    "ELBO_DECIMALS",
    "LIGHT_BENTOS",
    "LIGHT_PRIOR_MEAN",
    "LIGHT_PRIOR_STD",
    "LIGHT_NOISE_STD",
    "exercise_9_1",
    "exercise_9_2",
    "exercise_9_3",
    "exercise_9_4",
]

ELBO_BENTOS = 10
"""Exercise 9.2: the first this many mystery bentos."""

ELBO_COMPONENTS = 3
"""Exercise 9.2: the number of kinds of the CAVI fit."""

ELBO_DECIMALS = 1
"""Exercise 9.2: the answer's stated precision (decimal places)."""

BENTO_PRIOR = GMMPrior(concentration=1.0, mean_loc=425.0, mean_scale=100.0, var_shape=2.0, var_scale=10.0)
"""Exercise 9.2: the bento prior of Chapters 5, 6 and 9."""

_CHOICES = ("a", "b", "c", "d")

# ---------------------------------------------------------------------------------------------
# 9.1: the update of q(μ_k), on hidden points and expectations. One kind holds no point at all
# (its responsibilities are 0): its q(μ_k) must fall back to the prior.

_POINTS = np.array([-1.5, 0.7, 2.4, 3.3, 5.0, 7.9, 8.4])
_RESPONSIBILITIES = np.array(
    [[0.9, 0.1, 0.0], [0.6, 0.4, 0.0], [0.2, 0.8, 0.0], [0.1, 0.9, 0.0], [0.05, 0.95, 0.0], [0.0, 1.0, 0.0],
     [0.3, 0.7, 0.0]]
)
_PRECISIONS = np.array([0.8, 2.5, 0.3])
_PRIOR_MEAN, _PRIOR_STD = 1.0, 4.0


def _mean_update(x, responsibilities, expected_precisions, prior_mean, prior_std):
    counts = responsibilities.sum(axis=0)
    precision = 1 / prior_std**2 + counts * expected_precisions
    variance = 1 / precision
    locs = variance * (prior_mean / prior_std**2 + expected_precisions * (responsibilities.T @ x))
    return locs, np.sqrt(variance)


def _variance_for_std(x, responsibilities, expected_precisions, prior_mean, prior_std):
    locs, stds = _mean_update(x, responsibilities, expected_precisions, prior_mean, prior_std)
    return locs, stds**2


def _without_prior(x, responsibilities, expected_precisions, prior_mean, prior_std):
    return _mean_update(x, responsibilities, expected_precisions, prior_mean, np.inf)


def _unweighted_sum(x, responsibilities, expected_precisions, prior_mean, prior_std):
    counts = responsibilities.sum(axis=0)
    variance = 1 / (1 / prior_std**2 + counts * expected_precisions)
    return variance * (prior_mean / prior_std**2 + expected_precisions * np.sum(x)), np.sqrt(variance)


def _weighted_average(x, responsibilities, expected_precisions, prior_mean, prior_std):
    locs, stds = _mean_update(x, responsibilities, expected_precisions, prior_mean, prior_std)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (responsibilities.T @ x) / responsibilities.sum(axis=0), stds


def _prior_std_as_variance(x, responsibilities, expected_precisions, prior_mean, prior_std):
    return _mean_update(x, responsibilities, expected_precisions, prior_mean, np.sqrt(prior_std))


def _mean_update_behaviour(mean_update) -> dict:
    """Every m_k and s_k on the hidden inputs, exact."""
    num_components = _PRECISIONS.size
    output = read_output(
        mean_update(_POINTS.copy(), _RESPONSIBILITIES.copy(), _PRECISIONS.copy(), _PRIOR_MEAN, _PRIOR_STD),
        (2, num_components),
        f"a pair (m, s) of {num_components} locations and {num_components} standard deviations",
    )
    return {
        f"{name}[{k}]": exact(output[row, k])
        for row, name in enumerate(("m", "s"))
        for k in range(num_components)
    }


_MEAN_UPDATE = FunctionCheck(
    exercise="9.1",
    reference=_mean_update,
    behaviour=_mean_update_behaviour,
    mistakes=[
        Mistake(_variance_for_std, "return s_k, the standard deviation of q(μ_k): the square root of "
                "1/(1/s₀² + N_k E[1/σ²_k]), not the variance itself."),
        Mistake(_without_prior, "keep the prior's part: its precision 1/s₀² in 1/s_k² and its pull "
                "m₀/s₀² in m_k (a kind with no points must get back the prior N(m₀, s₀²))."),
        Mistake(_unweighted_sum, "each kind sums only its share of each point: Σ_i r_ik x_i "
                "(responsibilities.T @ x), not Σ_i x_i."),
        Mistake(_weighted_average, "m_k is not EM's average Σ_i r_ik x_i / N_k: it weighs the prior's "
                "m₀ by its precision 1/s₀² and the points by E[1/σ²_k], and divides by the precision "
                "1/s_k² (a kind with N_k = 0 must get back m₀, not 0/0)."),
        Mistake(_prior_std_as_variance, "prior_std is the standard deviation s₀: the prior's precision "
                "is 1/s₀², i.e. 1 / prior_std**2."),
    ],
    signature="mean_update(x, responsibilities, expected_precisions, prior_mean, prior_std)",
    what="your function mean_update",
    hint="compare each part of your function with the q(μ_k) row of §3's table: which precisions add up "
    "to 1/s_k², and what m_k weighs by them. Try it on a kind with no responsibility at all: it must "
    "return the prior's m₀ and s₀. Return the pair (m, s), each an array of K numbers.",
)


def exercise_9_1(mean_update) -> Feedback:
    """``mean_update(...)`` returns (m, s) of every q(μ_k) = N(m_k, s_k²)."""
    return _MEAN_UPDATE(mean_update)


# ---------------------------------------------------------------------------------------------
# 9.2: the ELBO with a kind too many


@functools.cache
def _elbos() -> dict:
    bentos = MYSTERY_BENTO_WEIGHTS[:ELBO_BENTOS]
    return {k: cavi(bentos, k, BENTO_PRIOR).elbo for k in (2, ELBO_COMPONENTS)}


def exercise_9_2(elbo) -> Feedback:
    """The ELBO of ``gg.cavi`` with K = 3 on the first ten bentos (bento prior), to 1 decimal place."""
    if elbo is None:  # before fitting anything: an untouched notebook waits at once
        return unanswered("9.2", "the ELBO of the K = 3 fit, a number")
    elbos = _elbos()
    return check_number(
        "9.2",
        elbo,
        elbos[ELBO_COMPONENTS],
        decimals=ELBO_DECIMALS,
        mistakes={elbos[2]: "that is the ELBO of the K = 2 fit; refit with num_components=3."},
        hint="a CAVI fit's ELBO is its attribute .elbo, a negative number of nats; fit three kinds to "
        "the same ten bentos and prior, and round to 1 decimal place.",
    )


# ---------------------------------------------------------------------------------------------
# 9.3: why mean field is narrow


def exercise_9_3(answer) -> Feedback:
    """q(μ_k) is narrower than the posterior because KL(q ‖ p) punishes q's mass where p is small,
    and a factorised q cannot follow the correlations between the unknowns ("c")."""
    hints = {
        "a": "fewer cups would make q(μ_k) wider, not narrower; and each cup here belongs to its blend "
        "almost surely (N_k is 10 for every blend).",
        "b": "correlated draws from a chain that has converged (R-hat 1.00) still have the posterior's "
        "spread; correlation only lowers the number of effective draws, so the estimate is noisier, "
        "not wider.",
        "d": "each sweep recomputes every factor from the same prior and data: the prior enters the "
        "ELBO once, however many sweeps run.",
    }
    return check_choice("9.3", answer, "c", options=_CHOICES, hints=hints)


# ---------------------------------------------------------------------------------------------
# 9.4: the ELBO as an ADEV expectation. The notebook's model of the light bentos' mean (Chapter 4's
# weighings) and q(μ) = N(loc, scale²), rebuilt here from the same numbers.

LIGHT_BENTOS = MYSTERY_BENTO_WEIGHTS[:ELBO_BENTOS][MYSTERY_BENTO_WEIGHTS[:ELBO_BENTOS] < 400]
"""Exercise 9.4: the light bentos (under 400 g) among the first ten."""

LIGHT_PRIOR_MEAN, LIGHT_PRIOR_STD, LIGHT_NOISE_STD = 425.0, 100.0, 2.0
"""Exercise 9.4: μ ~ N(425, 100²) g, each weight ~ N(μ, 2²) g."""

ELBO_POINTS = ((348.5, 1.2), (351.5, 0.5), (350.2, 1.0))
"""Exercise 9.4: the hidden (loc, scale) of q at which the estimates are compared."""

ELBO_KEYS = 4_000
"""Exercise 9.4: single-draw estimates per point."""


@gen
def _light_model(prior_mean, prior_std, noise_std):
    mu = normal(prior_mean, prior_std) @ "mu"
    normal.repeat(LIGHT_BENTOS.size)(mu, noise_std) @ "weights"
    return mu


@gen
def _q_mean(loc, scale):
    return normal_reparam(loc, scale) @ "mu"


def _log_joint_and_score(loc, scale):
    trace = _q_mean.simulate(loc, scale)
    choices = {"mu": trace.get_retval(), "weights": LIGHT_BENTOS}
    log_joint, _ = _light_model.assess(choices, LIGHT_PRIOR_MEAN, LIGHT_PRIOR_STD, LIGHT_NOISE_STD)
    return log_joint, trace.get_score()  # GenJAX's score is log 1/q(μ)


@expectation
def _elbo(loc, scale):
    log_joint, score = _log_joint_and_score(loc, scale)
    return log_joint + score


@expectation
def _log_joint_only(loc, scale):
    return _log_joint_and_score(loc, scale)[0]


@expectation
def _score_subtracted(loc, scale):
    log_joint, score = _log_joint_and_score(loc, scale)
    return log_joint - score


@expectation
def _negated(loc, scale):
    log_joint, score = _log_joint_and_score(loc, scale)
    return -(log_joint + score)


def _estimates(elbo, keys, loc, scale):
    """One single-draw estimate of the ELBO and of its gradient in (loc, scale) per key."""

    def one(key):
        return seed(jax.value_and_grad(lambda parameters: invoke_closed_over(elbo, parameters)))(key, (loc, scale))

    return jax.vmap(one)(keys)


def _elbo_behaviour(elbo) -> dict:
    """The averages of the estimates and of both gradients at each hidden (loc, scale)."""
    estimate = cheap_jit(functools.partial(_estimates, elbo))
    keys = jax.random.split(jax.random.key(94), ELBO_KEYS)
    behaviour = {}
    for loc, scale in ELBO_POINTS:
        value, (by_loc, by_scale) = estimate(keys, loc, scale)
        where = f"at loc = {loc:g} g, scale = {scale:g} g"
        for label, draws in (("the ELBO estimate", value), ("its gradient in loc", by_loc),
                             ("its gradient in scale", by_scale)):
            behaviour[f"{label} {where}"] = sample_mean(
                read_output(draws, (ELBO_KEYS,), "one number per draw (the integrand of the ELBO)"), reveal=False
            )
    return behaviour


_PROBE = (350.0, 1.0)  # (loc, scale) of the probe: shown to nobody, only its shape and randomness are read

_PAIR_HINT = "return a single number, log p(x, μ) − log q(μ): add the two parts rather than returning both."

_TRACER_HINT = ("SciPy and NumPy cannot work on the traced values JAX passes through an expectation: use "
                "light_model.assess and trace.get_score(), or jax.scipy.stats.norm.logpdf.")


def _probe_problem(exercise: str, answer: Expectation) -> Feedback | None:
    """For a wrong ``answer``, what one call under two keys shows: a signature that does not take
    (loc, scale), a crash inside, a value that is not one number, or the same value for every key
    (a key fixed inside the expectation). Run only after the behaviour check failed: a right
    answer costs no extra compilation."""
    source = getattr(getattr(getattr(answer, "prog", None), "source", None), "value", None)
    try:
        inspect.signature(source).bind(*_PROBE)
    except TypeError:
        return incorrect(exercise, "your expectation does not take the two arguments (loc, scale).",
                         "the prompt asks for elbo(loc, scale): def elbo(loc, scale): under @expectation.")
    except ValueError:  # no signature to read: let the behaviour check judge
        pass
    try:
        values = [_quietly(seed(answer.estimate), jax.random.key(k), *_PROBE) for k in (1, 2)]
    except Exception as error:  # noqa: BLE001  (the student's code crashed: say where, never raise)
        text = f"{type(error).__name__} {error}"
        if "Tracer" in text:
            hint = _TRACER_HINT
        elif "values to unpack (expected 1)" in text:  # ADEV's message for a returned pair
            hint = _PAIR_HINT
        else:
            hint = ("the crash is inside your function, not in how it is called: check each call in it "
                    "(q_mean.simulate(loc, scale); light_model.assess(choices, 425.0, 100.0, 2.0) returns a pair).")
        raised = one_line(error)
        stop = "" if raised.endswith((".", "…")) else "."
        return incorrect(exercise, f"elbo(loc, scale) raised {raised}{stop}", hint)
    if isinstance(values[0], tuple | list):
        return incorrect(exercise, f"elbo returns {len(values[0])} values; it must return one number per draw.",
                         _PAIR_HINT)
    shape = np.shape(values[0])
    if shape != ():
        return incorrect(exercise, f"elbo returns an array of shape {shape}; it must return one number per draw.",
                         "score the whole choice map {\"mu\": μ, \"weights\": light} with one light_model.assess "
                         "call (it sums over the bentos and includes the prior of μ), and add trace.get_score().")
    if np.array_equal(np.asarray(values[0]), np.asarray(values[1])):
        return incorrect(exercise, "elbo gives the same value for every key: its draw μ never changes.",
                         "inside an expectation call q_mean.simulate(loc, scale) without seed and without a key: "
                         "the key comes from outside, as seed(elbo.estimate)(key, loc, scale).")
    return None


class _ExpectationCheck(FunctionCheck):
    """A ``FunctionCheck`` whose answer must be an ADEV ``Expectation`` (a function under ``@expectation``)."""

    def __call__(self, answer) -> Feedback:
        feedback = super().__call__(answer)
        if feedback or not isinstance(answer, Expectation):
            return feedback
        problem = _probe_problem(self.exercise, answer)  # a wrong answer: say what went wrong
        return feedback if problem is None else problem

    def _kind_problem(self, answer) -> Feedback | None:
        if isinstance(answer, Expectation):
            return None
        if isinstance(answer, GFI):
            problem, hint = ("this is a generative function (@gen).", "write the ELBO with @expectation "
                             "on the line above def: it simulates q inside and returns a number.")
        elif callable(answer) and not isinstance(answer, type):
            problem, hint = ("this is a plain Python function, not a GenJAX expectation.", "put @expectation "
                             "(from genjax.adev) on the line above def, so that ADEV can estimate its gradient.")
        else:
            problem, hint = (f"expected an expectation ({self.signature}), got {describe(answer)}.",
                             "define it with @expectation above def and give its name without parentheses.")
        return incorrect(self.exercise, problem, hint)


_ELBO = _ExpectationCheck(
    exercise="9.4",
    reference=_elbo,
    behaviour=_elbo_behaviour,
    mistakes=[
        Mistake(_log_joint_only, "the ELBO is E_q[log p(x, μ) − log q(μ)]: add −log q(μ), which GenJAX's "
                "trace.get_score() gives (q's entropy: without it q would shrink to a point)."),
        Mistake(_score_subtracted, "GenJAX's score is log 1/q(μ) = −log q(μ) already: add trace.get_score(), "
                "do not subtract it."),
        Mistake(_negated, "the sign: the ELBO is log p(x, μ) − log q(μ), a lower bound on log p(x) (a negative "
                "number of nats here), not its negative."),
    ],
    signature="elbo(loc, scale)",
    what="your expectation elbo",
    hint="inside the expectation: simulate q_mean(loc, scale) to get a trace (one draw μ ~ q), score the "
    "choice map {\"mu\": μ, \"weights\": light} with light_model.assess(choices, 425.0, 100.0, 2.0), and "
    "return log p(x, μ) − log q(μ) for that draw (what does trace.get_score() hold?).",
)


def exercise_9_4(elbo) -> Feedback:
    """``elbo(loc, scale)``, an ADEV ``expectation`` of log p(x, μ) − log q(μ) for q(μ) = N(loc, scale²)."""
    return _ELBO(elbo)
