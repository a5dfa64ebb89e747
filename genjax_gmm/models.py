"""Generative models of the course, written in GenJAX 1.0.

Addresses (the names under which each random choice is recorded in a trace):

* ``bento()``: ``"kind"`` (0 = tonkatsu, 1 = hamburger), then ``"weight"`` in grams.
* ``mixture_point(weights, means, stds)``: ``"component"`` (0 … K-1), then ``"x"``.
* ``gaussian_mixture(n)``: ``mixture_point`` repeated n times; its choices are
  ``{"component": (n,), "x": (n,)}`` arrays.
* ``bayesian_gmm(n, K)(prior)``: ``"weights"`` (K,), ``"means"`` (K,),
  ``"variances"`` (K,), then ``"points"``: ``{"component": (n,), "x": (n,)}``.

Randomness is explicit, as everywhere in GenJAX: ``genjax.seed(model.simulate)(key, *args)``.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import jax
import jax.numpy as jnp
from genjax import categorical, gen, normal, seed
from genjax.core import distribution
from genjax.pjax import wrap_logpdf, wrap_sampler
from jax.scipy.special import gammaln, xlogy

from .gamma import log_gamma
from .validation import (
    cached_by_counts,
    check_instance,
    check_key,
    check_positive_int,
    check_prior_fields,
    register_prior_pytree,
)

__all__ = [
    "MixtureParameters",
    "BENTO",
    "COFFEE",
    "TONKATSU",
    "HAMBURGER",
    "bento",
    "mixture_point",
    "gaussian_mixture",
    "coffee_cups",
    "GMMPrior",
    "mixture_weights",
    "weights_from_log_gamma",
    "inverse_gamma_variance",
    "bayesian_mixture",
    "bayesian_gmm",
]


class MixtureParameters(NamedTuple):
    """Known parameters of a 1-D Gaussian mixture: ``p(x) = Σ_k weights[k] N(x; means[k], stds[k]²)``."""

    weights: tuple[float, ...]
    means: tuple[float, ...]
    stds: tuple[float, ...]


TONKATSU, HAMBURGER = 0, 1
BENTO = MixtureParameters(weights=(0.7, 0.3), means=(500.0, 350.0), stds=(2.0, 2.0))
"""Chibany's bentos: 70 % tonkatsu at 500 g, 30 % hamburger at 350 g, σ = 2 g."""

COFFEE = MixtureParameters(weights=(1 / 3, 1 / 3, 1 / 3), means=(81.0, 119.0, 157.0), stds=(2.0, 2.0, 2.0))
"""The café's three blends, equally often, near 81, 119 and 157 mg of caffeine per cup."""


@gen
def bento():
    """One bento: its kind, then its weight given the kind.

    kind ~ Categorical(0.7, 0.3) at ``"kind"`` (TONKATSU = 0, HAMBURGER = 1);
    weight ~ Normal(mean[kind], 2 g) at ``"weight"``. Returns the weight.
    """
    kind = categorical(jnp.log(jnp.array(BENTO.weights))) @ "kind"
    weight = normal(jnp.array(BENTO.means)[kind], jnp.array(BENTO.stds)[kind]) @ "weight"
    return weight


@gen
def mixture_point(weights, means, stds):
    """One draw from a K-component Gaussian mixture with known parameters.

    component ~ Categorical(weights) at ``"component"``;
    x ~ Normal(means[component], stds[component]) at ``"x"``. Returns x.
    """
    component = categorical(jnp.log(weights)) @ "component"
    x = normal(means[component], stds[component]) @ "x"
    return x


@cached_by_counts("num_points")
def gaussian_mixture(num_points: int):
    """``mixture_point`` vectorised over ``num_points`` independent observations.

    The result is a generative function of ``(weights, means, stds)`` whose choices are
    ``{"component": (n,), "x": (n,)}``; constrain ``"x"`` in ``generate`` to condition on data.
    """
    return mixture_point.repeat(num_points)


def coffee_cups(key: jax.Array, num_cups: int):
    """Simulate ``num_cups`` cups from the three blends (``COFFEE``); returns the trace."""
    key = check_key(key)
    weights, means, stds = (jnp.array(v) for v in COFFEE)
    return seed(gaussian_mixture(num_cups).simulate)(key, weights, means, stds)


@dataclasses.dataclass(frozen=True)
class GMMPrior:
    """Conjugate prior of the Bayesian Gaussian mixture model.

    π ~ Dirichlet(concentration · 1_K);
    μ_k ~ Normal(mean_loc, mean_scale²)  (mean_scale is a standard deviation);
    σ²_k ~ InverseGamma(var_shape, var_scale), density ∝ v^-(var_shape+1) exp(-var_scale / v).

    Constructing one checks that every field is a number, ``mean_loc`` finite and the others
    positive, all within the range whose squares float64 holds (``validation.check_magnitude``),
    and stores them as floats. It is a JAX pytree, so it passes through ``jit``/``vmap`` as an argument.
    """

    concentration: float
    mean_loc: float
    mean_scale: float
    var_shape: float
    var_scale: float

    def __post_init__(self):
        check_prior_fields(self)  # floats from here on: one dtype for jit, whatever was passed


register_prior_pytree(GMMPrior)


def weights_from_log_gamma(log_gamma_variates: jax.Array) -> jax.Array:
    """π = softmax(log H) for H_k ~ Gamma(α_k) independently, a Dirichlet(α) draw, with every π_k
    kept at least the smallest normal float: for α_k ≪ 1 a weight can underflow to 0, where the
    Dirichlet log density (α_k − 1) log π_k is +∞. The change is below 10⁻³⁰⁷."""
    weights = jax.nn.softmax(log_gamma_variates, axis=-1)
    return jnp.maximum(weights, jnp.finfo(weights.dtype).tiny)


def _sample_mixture_weights(key, concentration, sample_shape=()):
    """A Dirichlet(α) draw through Gamma variables (``weights_from_log_gamma``; (1) when K = 1)."""
    shape = jnp.broadcast_to(concentration, (*sample_shape, *jnp.shape(concentration)))
    return weights_from_log_gamma(log_gamma(key, shape))


def _mixture_weights_logpdf(weights, concentration):
    """log Dirichlet(π; α) = log Γ(Σα) − Σ log Γ(α_k) + Σ (α_k − 1) log π_k; for K = 1, 0 at π = (1)
    and −∞ elsewhere."""
    if jnp.shape(concentration)[-1] == 1:
        return jnp.where(weights[..., 0] == 1, 0.0, -jnp.inf)
    log_normaliser = gammaln(jnp.sum(concentration, -1)) - jnp.sum(gammaln(concentration), -1)
    return log_normaliser + jnp.sum(xlogy(concentration - 1, weights), -1)


mixture_weights = distribution(
    wrap_sampler(_sample_mixture_weights, name="MixtureWeights"),
    wrap_logpdf(_mixture_weights_logpdf),
    name="MixtureWeights",
)
"""Dirichlet(concentration) over the K mixture weights, for every K ≥ 1.

The Dirichlet needs K ≥ 2; with K = 1 the only weight vector is (1), a point mass whose log
density is 0 there (and −∞ elsewhere). Sampled through ``gamma.log_gamma``, which is exact and
compiles to a smaller program than TFP's Dirichlet sampler (``docs/benchmarks.md``)."""


def _sample_inverse_gamma(key, shape, scale, sample_shape=()):
    """σ² = scale / G with G ~ Gamma(shape): an InverseGamma(shape, scale) draw."""
    size = (*sample_shape, *jnp.broadcast_shapes(jnp.shape(shape), jnp.shape(scale)))
    return scale * jnp.exp(-log_gamma(key, jnp.broadcast_to(jnp.asarray(shape, float), size)))


def _inverse_gamma_logpdf(variance, shape, scale):
    """log InverseGamma(v; a, b) = a log b − log Γ(a) − (a + 1) log v − b / v."""
    return shape * jnp.log(scale) - gammaln(shape) - (shape + 1) * jnp.log(variance) - scale / variance


inverse_gamma_variance = distribution(
    wrap_sampler(_sample_inverse_gamma, name="InverseGamma"),
    wrap_logpdf(_inverse_gamma_logpdf),
    name="InverseGamma",
)
"""InverseGamma(shape, scale) over a variance: density ∝ v^−(shape+1) e^(−scale/v), the same
distribution as GenJAX's ``inverse_gamma``, sampled through ``gamma.log_gamma`` (exact, and a
smaller compiled program than TFP's Gamma sampler)."""


def bayesian_mixture(points, num_components: int):
    """A Bayesian mixture over K = ``num_components`` components with a conjugate prior.

    ``points(weights, means, stds)`` is the generative function of the observations given the
    parameters; the result is a generative function of one argument, a ``GMMPrior``::

        π ~ Dirichlet(concentration · 1_K)                      at "weights"
        μ_k ~ Normal(mean_loc, mean_scale)         k = 1..K      at "means"
        σ²_k ~ InverseGamma(var_shape, var_scale)  k = 1..K      at "variances"
        observations ~ points(π, μ, σ)                           at "points"

    ``bayesian_gmm`` uses it with assignments and points (``gaussian_mixture``); the marginal
    model of ``inference.marginal`` with the assignments summed out.
    """
    num_components = check_positive_int(num_components, "num_components")

    @gen
    def model(prior: GMMPrior):
        check_instance(prior, GMMPrior, "prior")
        weights = mixture_weights(jnp.full(num_components, prior.concentration)) @ "weights"
        means = normal.repeat(num_components)(prior.mean_loc, prior.mean_scale) @ "means"
        variances = inverse_gamma_variance.repeat(num_components)(prior.var_shape, prior.var_scale) @ "variances"
        return points(weights, means, jnp.sqrt(variances)) @ "points"

    return model


@cached_by_counts("num_points", "num_components")
def bayesian_gmm(num_points: int, num_components: int):
    """The Bayesian GMM over ``num_points`` observations and ``num_components`` components.

    Returns a generative function of one argument, a ``GMMPrior`` (see ``bayesian_mixture``)::

        π ~ Dirichlet(concentration · 1_K)                      at "weights"
        μ_k ~ Normal(mean_loc, mean_scale)         k = 1..K      at "means"
        σ²_k ~ InverseGamma(var_shape, var_scale)  k = 1..K      at "variances"
        z_i ~ Categorical(π), x_i ~ Normal(μ_{z_i}, σ_{z_i})     at "points" / "component", "x"

    Condition on data with ``model.generate({"points": {"x": data}}, prior)``; score a
    full choice map with ``model.assess(choices, prior)``.
    """
    return bayesian_mixture(gaussian_mixture(num_points), num_components)
