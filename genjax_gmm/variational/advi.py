"""Black-box variational inference in GenJAX: a Gaussian q over the unconstrained parameters, its
ELBO an ADEV ``expectation``, its gradient by ADEV's reparameterisation or REINFORCE estimator,
and optax's Adam (automatic-differentiation VI, Kucukelbir et al. 2017).

The target is ``marginal_gmm``, the Bayesian GMM with the assignments summed out, so only the
continuous θ = (π, μ, σ²) remain. They are mapped to u ∈ ℝ^{3K−1} without constraints,

    u = (η_2 … η_K, μ_1 … μ_K, ℓ_1 … ℓ_K),   π = softmax(0, η_2, …, η_K),   σ²_k = exp(ℓ_k),

and q(u) = Π_j N(u_j; loc_j, scale_j²), scale_j = exp(log_scale_j). With the change of variables
p(u | x) ∝ p(x, θ(u)) |det ∂θ/∂u|, where log |det| = Σ_k log π_k + Σ_k ℓ_k (the softmax with a
reference category has Jacobian determinant Π_k π_k), the ELBO is

    ELBO(loc, log_scale) = E_{u~q}[log p(x, θ(u)) + Σ_k log π_k + Σ_k ℓ_k − log q(u)] ≤ log p(x).

In GenJAX: q is a generative function (``u ~ normal_reparam(loc, scale)`` at ``"u"``, or
``normal_reinforce``), log p(x, θ) is ``marginal_gmm(N, K).assess`` of the choice map with the data,
and −log q(u) is the trace's score (GenJAX's score is log 1/q). ADEV differentiates the
expectation: the reparameterisation estimator writes u = loc + scale·ε and differentiates through
the sample; REINFORCE (the score-function estimator) multiplies the integrand by ∇ log q(u), which
needs no derivative of the integrand in u but varies far more. Each step averages
``num_samples`` single-draw estimates of the gradient and of the ELBO (the same draws) and takes one
Adam step uphill; ``elbo_trace`` holds the ELBO estimate of every step.

Internally the data are standardised (x′ = (x − c)/s, c their mean, s their standard deviation,
and the prior moved with them), so that one learning rate suits data in grams or in km/s; q is
reported in the data's units (a Gaussian in μ stays a Gaussian), and ELBO = ELBO′ − N log s.
Starts: loc's means at greedy k-means++ seeds (``engine.seeding``), η = 0, ℓ′ = log(1/K²)
(the standardised variance shared out among K components); every scale 0.1.

Compiled once per K, estimator, size bucket of N (``engine.buckets``) and power-of-two bucket of
``num_samples`` (surplus draws are computed and given weight 0); steps run in compiled chunks
(``engine.iteration``), so ``num_steps`` and ``learning_rate`` are not part of the program.
GenJAX's own ``genjax.inference.elbo_vi`` is plain gradient ascent whose ``loss_history`` is all
zeros in GenJAX 1.0.14 (tests/test_genjax_vi.py), hence this loop.
"""

from __future__ import annotations

import dataclasses
import functools
import warnings
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from genjax import gen, seed
from genjax.adev import expectation, invoke_closed_over, normal_reinforce, normal_reparam

from ..compilation_cache import QUICK_COMPILE
from ..engine.buckets import bucket_size, pad_to_bucket
from ..engine.diagnostics import ConvergenceWarning
from ..engine.iteration import iterate
from ..engine.seeding import count_distinct, greedy_kmeans_plus_plus
from ..inference.marginal import gaussian_mixture_distribution, marginal_gmm
from ..models import GMMPrior
from ..validation import (
    check_instance,
    check_key,
    check_magnitude,
    check_observations,
    check_positive,
    check_positive_int,
)
from .draws import VariationalDraws

__all__ = ["ESTIMATORS", "constrain", "variational_family", "elbo_integrand", "elbo_estimates", "ADVIResult", "advi"]

INITIAL_SCALE = 0.1
"""The standard deviation of every coordinate of q at the start (standardised units)."""

RISING_WINDOW = 0.1
"""``advi`` compares the mean ELBO estimate of the last 10 % of the steps with that of the 10 % before."""

RISING_Z = 3.0
"""… and warns when the last window is higher by more than 3 standard errors."""


@gen
def _reparam_family(loc, log_scale):
    return normal_reparam(loc, jnp.exp(log_scale)) @ "u"


@gen
def _reinforce_family(loc, log_scale):
    return normal_reinforce(loc, jnp.exp(log_scale)) @ "u"


ESTIMATORS = {"reparam": _reparam_family, "reinforce": _reinforce_family}
"""q(u) = N(loc, diag(exp(log_scale))²) at ``"u"``, as a GenJAX generative function whose sampler
carries ADEV's gradient estimator: reparameterisation or REINFORCE."""


def variational_family(estimator: str):
    """The generative function of q (``ESTIMATORS``) for ``estimator``."""
    if estimator not in ESTIMATORS:
        raise ValueError(f"estimator must be one of {tuple(ESTIMATORS)}, got {estimator!r}")
    return ESTIMATORS[estimator]


def constrain(u: jax.Array, num_components: int) -> tuple[jax.Array, jax.Array, jax.Array, jax.Array]:
    """θ(u) = (π, μ, σ²) and log |det ∂θ/∂u| = Σ_k log π_k + Σ_k ℓ_k (module docstring)."""
    log_ratios = u[..., : num_components - 1]
    means = u[..., num_components - 1 : 2 * num_components - 1]
    log_variances = u[..., 2 * num_components - 1 :]
    logits = jnp.concatenate([jnp.zeros_like(means[..., :1]), log_ratios], axis=-1)
    log_weights = jax.nn.log_softmax(logits, axis=-1)
    log_jacobian = jnp.sum(log_weights, axis=-1) + jnp.sum(log_variances, axis=-1)
    return jnp.exp(log_weights), means, jnp.exp(log_variances), log_jacobian


def elbo_integrand(trace, data: jax.Array, mask: jax.Array, prior: GMMPrior) -> jax.Array:
    """log p(x, θ(u)) + log |det ∂θ/∂u| − log q(u) for the draw u of a trace of q, on data padded to a
    bucket: ``marginal_gmm``'s log density of the choice map, minus the padded points' terms."""
    u = trace.get_retval()
    num_components = (u.shape[-1] + 1) // 3
    weights, means, variances, log_jacobian = constrain(u, num_components)
    choices = {"weights": weights, "means": means, "variances": variances, "points": {"x": data}}
    log_joint, _ = marginal_gmm(data.shape[0], num_components).assess(choices, prior)
    padded = jnp.sum((1 - mask) * gaussian_mixture_distribution.logpdf(data, weights, means, jnp.sqrt(variances)))
    return log_joint - padded + log_jacobian + trace.get_score()


class _State(NamedTuple):
    parameters: tuple[jax.Array, jax.Array]  # loc, log_scale
    optimiser: optax.OptState
    key: jax.Array


def elbo_estimates(family, keys: jax.Array, parameters: tuple[jax.Array, jax.Array], data, mask, prior):
    """One single-draw ELBO estimate and its ADEV gradient with respect to ``parameters`` = (loc,
    log_scale) per key: the ELBO an ADEV ``expectation`` over ``family`` (``variational_family``), its
    gradient by the estimator that family's sampler carries. Returns values (n,) and gradients
    (a pair of (n, 3K − 1) arrays)."""

    @expectation
    def objective(loc, log_scale):
        return elbo_integrand(family.simulate(loc, log_scale), data, mask, prior)

    def estimate(key):
        return seed(jax.value_and_grad(lambda parameters: invoke_closed_over(objective, parameters)))(
            key, parameters
        )

    return jax.vmap(estimate)(keys)


def _advi_step(family, state: _State, data, mask, prior, sample_weights, learning_rate):
    """One Adam step uphill along the average of the single-draw ADEV gradients; the objective is
    the average of their ELBO estimates (the same draws), at the parameters before the step."""
    key, subkey = jax.random.split(state.key)
    keys = jax.random.split(subkey, sample_weights.size)
    values, gradients = elbo_estimates(family, keys, state.parameters, data, mask, prior)
    value = jnp.sum(sample_weights * values)
    ascent = jax.tree.map(lambda g: -jnp.tensordot(sample_weights, g, axes=1), gradients)  # Adam minimises
    optimiser = optax.adam(learning_rate)
    updates, optimiser_state = optimiser.update(ascent, state.optimiser, state.parameters)
    parameters = optax.apply_updates(state.parameters, updates)
    return _State(parameters, optimiser_state, key), value, jnp.array(False)


_STEPS = {name: functools.partial(_advi_step, family) for name, family in ESTIMATORS.items()}
"""One step per estimator: module-level objects, so each compiles once per shape."""


@functools.partial(jax.jit, static_argnames="num_components", compiler_options=QUICK_COMPILE)
def _start(seeding_key, run_key, data, mask, num_components: int) -> _State:
    """loc: η = 0, μ′ at greedy k-means++ seeds, ℓ′ = log(1/K²); log_scale = log(0.1); Adam's state;
    the steps' key (it runs once per call: compiled with ``QUICK_COMPILE``, like ``_draw``)."""
    seeds = greedy_kmeans_plus_plus(seeding_key, data[:, None], num_components, mask)[:, 0]
    ratios = jnp.zeros(num_components - 1, data.dtype)
    log_variances = jnp.full(num_components, -2 * jnp.log(num_components), data.dtype)
    loc = jnp.concatenate([ratios, seeds, log_variances])
    parameters = (loc, jnp.full_like(loc, jnp.log(INITIAL_SCALE)))
    return _State(parameters, optax.adam(0.0).init(parameters), run_key)  # Adam's state is the same for any rate


@functools.partial(jax.jit, static_argnames="num_draws", compiler_options=QUICK_COMPILE)
def _draw(key, loc, log_scale, data, mask, prior, num_draws: int):
    """``num_draws`` draws u ~ q (reparameterised family; the draws are the same) and their ELBO integrands.
    It runs once per call: compiled without XLA's slow optimisations (``QUICK_COMPILE``), in about half
    the time, for a few hundredths of a second more at 10⁵ draws."""

    def one(key):
        trace = seed(_reparam_family.simulate)(key, loc, log_scale)
        return trace.get_retval(), elbo_integrand(trace, data, mask, prior)

    return jax.vmap(one)(jax.random.split(key, num_draws))


@dataclasses.dataclass(frozen=True)
class ADVIResult:
    """q(u) = N(loc, diag(scale²)) over u = (η_2 … η_K, μ_1 … μ_K, log σ²_1 … log σ²_K), in the data's units."""

    loc: np.ndarray  # (3K − 1,)
    scale: np.ndarray  # (3K − 1,)
    elbo_trace: np.ndarray  # (num_steps,) the ELBO estimate of every step (num_samples draws each)
    elbo: float  # the ELBO of the final q, estimated from the draws
    elbo_standard_error: float  # its Monte Carlo standard error
    draws: VariationalDraws  # θ(u) for u ~ q: ``gg.to_inference_data(result.draws)``
    estimator: str  # "reparam" or "reinforce"


def _standardised(data: np.ndarray, prior: GMMPrior) -> tuple[np.ndarray, GMMPrior, float, float]:
    """x′ = (x − c)/s and the prior of the parameters in those units (c, s: the data's mean and
    standard deviation, s = 1 for constant data)."""
    center, spread = float(data.mean()), float(data.std())
    spread = spread if spread > 0 else 1.0
    moved = GMMPrior(
        prior.concentration,
        (prior.mean_loc - center) / spread,
        prior.mean_scale / spread,
        prior.var_shape,
        prior.var_scale / spread**2,
    )
    return (data - center) / spread, moved, center, spread


def _warn_if_rising(trace: np.ndarray, stacklevel: int) -> None:
    """``ConvergenceWarning`` if the mean ELBO estimate of the last ``RISING_WINDOW`` of the steps exceeds
    that of the window before by more than ``RISING_Z`` standard errors (or if there are too few steps)."""
    width = int(RISING_WINDOW * trace.size)
    if width < 5:
        warnings.warn(
            f"advi: {trace.size} steps are too few to check that the ELBO stopped rising; run at least 50",
            ConvergenceWarning,
            stacklevel=stacklevel + 1,
        )
        return
    last, before = trace[-width:], trace[-2 * width : -width]
    rise = last.mean() - before.mean()
    error = np.sqrt(last.var(ddof=1) / width + before.var(ddof=1) / width)
    if rise > RISING_Z * error:
        warnings.warn(
            f"advi: the ELBO estimates were still rising at the end (by {rise:.3g} ± {error:.2g} over the last "
            f"{width} steps); q has not converged: raise num_steps or learning_rate",
            ConvergenceWarning,
            stacklevel=stacklevel + 1,
        )


def advi(
    key: jax.Array,
    data,
    num_components: int,
    prior: GMMPrior,
    *,
    num_steps: int = 2000,
    learning_rate: float = 0.05,
    num_samples: int = 8,
    estimator: str = "reparam",
    num_draws: int = 1000,
) -> ADVIResult:
    """Black-box VI for ``marginal_gmm`` (module docstring): ``num_steps`` Adam steps at
    ``learning_rate``, each with ``num_samples`` draws of the ``estimator``'s gradient ("reparam" or
    "reinforce"); returns q, the ELBO estimates of every step, and ``num_draws`` draws from q with
    their ELBO estimate. Warns (``ConvergenceWarning``) when the ELBO estimates were still rising at
    the end. The same key gives the same result."""
    key = check_key(key)
    data = check_magnitude(check_observations(data), "data")
    num_components = check_positive_int(num_components, "num_components")
    check_instance(prior, GMMPrior, "prior")
    num_steps = check_positive_int(num_steps, "num_steps")
    learning_rate = float(check_positive(learning_rate, "learning_rate"))
    num_samples = check_positive_int(num_samples, "num_samples")
    num_draws = check_positive_int(num_draws, "num_draws")
    step = _STEPS.get(estimator) if isinstance(estimator, str) else None
    if step is None:
        raise ValueError(f"estimator must be one of {tuple(ESTIMATORS)}, got {estimator!r}")
    num_distinct = count_distinct(data[:, None], up_to=num_components)
    if num_components > num_distinct:
        raise ValueError(
            f"num_components must be at most the number of distinct points ({num_distinct}), got {num_components}"
        )

    standardised, moved_prior, center, spread = _standardised(data, prior)
    padded, mask = (jax.device_put(array) for array in pad_to_bucket(standardised))
    start_key, run_key, draws_key = jax.random.split(key, 3)
    sample_weights = np.zeros(bucket_size(num_samples, 1, steps_per_doubling=1))
    sample_weights[:num_samples] = 1.0 / num_samples
    start = _start(start_key, run_key, padded, mask, num_components=num_components)
    operands = (padded, mask, moved_prior, jnp.asarray(sample_weights), learning_rate)
    state, trace, _ = iterate(step, start, operands, num_steps, quick_if_small=True)
    loc, log_scale = state.parameters
    draws_bucket = bucket_size(num_draws, 1, steps_per_doubling=1)
    u, integrands = _draw(draws_key, loc, log_scale, padded, mask, moved_prior, num_draws=draws_bucket)
    u, integrands = np.array(u)[:num_draws], np.asarray(integrands)[:num_draws]
    shift = -data.size * np.log(spread)  # ELBO = ELBO′ − N log s
    means = slice(num_components - 1, 2 * num_components - 1)
    log_variances = slice(2 * num_components - 1, 3 * num_components - 1)
    u[:, means] = center + spread * u[:, means]
    u[:, log_variances] += 2 * np.log(spread)
    weights, draw_means, variances, _ = (np.asarray(value) for value in constrain(jnp.asarray(u), num_components))
    loc, scale = np.array(loc), np.exp(np.asarray(log_scale))
    loc[means], scale[means] = center + spread * loc[means], spread * scale[means]
    loc[log_variances] += 2 * np.log(spread)
    _warn_if_rising(trace, stacklevel=2)
    return ADVIResult(
        loc=loc,
        scale=scale,
        elbo_trace=trace + shift,
        elbo=float(integrands.mean() + shift),
        elbo_standard_error=float(integrands.std(ddof=1) / np.sqrt(num_draws)) if num_draws > 1 else np.nan,
        draws=VariationalDraws(weights, draw_means, np.sqrt(variances)),
        estimator=estimator,
    )
