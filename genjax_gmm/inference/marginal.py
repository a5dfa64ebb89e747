"""Importance sampling over the parameters only, with the assignments summed out.

Summing z out of the Bayesian GMM leaves each point with the mixture density,

    p(x_i | π, μ, σ²) = Σ_z p(z) p(x_i | z) = Σ_k π_k N(x_i; μ_k, σ_k²),

so the marginal model draws π, μ, σ² from the prior and then every x_i independently from that
mixture. ``marginal_gmm(N, K)`` writes it in GenJAX, with the mixture as a GenJAX distribution
(``gaussian_mixture_distribution``: TFP's MixtureSameFamily through ``tfp_distribution``), at the
same addresses as ``bayesian_gmm`` minus ``"component"``: "weights", "means", "variances",
"points" → {"x"}.

Importance sampling with the prior as proposal: ``generate`` with the data constrained draws
θ_p = (π, μ, σ²) from the prior and returns the weight

    log w_p = Σ_i log Σ_k π_k N(x_i; μ_k, σ_k²) = log p(x | θ_p).

``importance_resampling`` draws z_p from the prior as well and is weighted by p(x | z_p, θ_p),
whose average over z_p is exactly p(x | θ_p): the marginal weight is its Rao–Blackwellisation,
so it varies less and the effective sample size is higher (a prior z_p must get every point's
component right; here every assignment counts, each with its probability). The estimates are
the same: log p̂(x) = logsumexp_p(log w_p) − log P (unbiased for p(x) on the natural scale),
w̄ = softmax(log w), ESS = 1 / Σ_p w̄_p². ``num_samples`` parameter draws are resampled with
probabilities w̄, and each gets assignments from their exact conditional p(z_i | θ, x_i)
(``categorize.log_joint_by_component``), so the result is an ``ImportanceResult`` like
``importance_resampling``'s.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
from genjax import gen, seed, tfp_distribution
from jax.scipy.special import logsumexp
from tensorflow_probability.substrates import jax as tfp

from ..categorize import log_joint_by_component
from ..models import GMMPrior, bayesian_mixture
from ..validation import check_instance, check_observations, check_positive_int
from .importance import BATCH_ELEMENTS, ImportanceResult

__all__ = ["gaussian_mixture_distribution", "marginal_gmm", "marginal_importance_resampling"]

gaussian_mixture_distribution = tfp_distribution(
    lambda weights, means, stds: tfp.distributions.MixtureSameFamily(
        tfp.distributions.Categorical(probs=weights), tfp.distributions.Normal(means, stds)
    ),
    name="GaussianMixture",
)
"""x ~ Σ_k weights[k] N(means[k], stds[k]²): one point of a mixture with its component summed out."""


@gen
def _marginal_point(weights, means, stds):
    return gaussian_mixture_distribution(weights, means, stds) @ "x"


@functools.cache
def marginal_gmm(num_points: int, num_components: int):
    """The Bayesian GMM with the assignments summed out: a generative function of a ``GMMPrior``.

    π ~ Dirichlet(concentration · 1_K) at "weights"; μ_k ~ Normal(mean_loc, mean_scale) at "means";
    σ²_k ~ InverseGamma(var_shape, var_scale) at "variances"; x_i ~ Σ_k π_k N(μ_k, σ²_k) at
    "points" / "x". Condition with ``generate({"points": {"x": data}}, prior)``.
    """
    points = _marginal_point.repeat(check_positive_int(num_points, "num_points"))
    return bayesian_mixture(points, num_components)


@functools.partial(jax.jit, static_argnames=("num_components", "num_particles"))
def _weighted_parameters(key, data, prior, num_components: int, num_particles: int):
    """log w_p and θ_p = (π, μ, σ) of particles p = 0 … P−1, particle p seeded by fold_in(key, p),
    in batches of about ``BATCH_ELEMENTS / N`` particles (memory O(P K + batch N K))."""
    model = marginal_gmm(data.shape[0], num_components)
    constraints = {"points": {"x": data}}

    def particle(index):
        trace, log_weight = seed(model.generate)(jax.random.fold_in(key, index), constraints, prior)
        choices = trace.get_choices()
        return log_weight, (choices["weights"], choices["means"], jnp.sqrt(choices["variances"]))

    batch_size = max(1, min(num_particles, BATCH_ELEMENTS // data.shape[0]))
    num_batches = -(-num_particles // batch_size)  # the last batch is padded: one compiled body
    batches = jnp.arange(num_batches * batch_size).reshape(num_batches, batch_size)
    batched = jax.lax.map(jax.vmap(particle), batches)
    return jax.tree.map(lambda values: values.reshape(-1, *values.shape[2:])[:num_particles], batched)


@jax.jit
def _assignments(key, data, weights, means, stds):
    """z ~ p(z | θ, x) for each resampled θ: z_i ~ Categorical(∝ π_k N(x_i; μ_k, σ_k²))."""

    def draw(key, weights, means, stds):
        return jax.random.categorical(key, log_joint_by_component(data, weights, means, stds))

    return jax.vmap(draw)(jax.random.split(key, weights.shape[0]), weights, means, stds)


def marginal_importance_resampling(
    key: jax.Array, data, num_components: int, prior: GMMPrior, num_particles: int, num_samples: int
) -> ImportanceResult:
    """Importance resampling of p(π, μ, σ² | data) under ``marginal_gmm`` with ``num_particles``
    prior proposals, resampled to ``num_samples`` draws, each with z from p(z | θ, data)
    (see the module docstring)."""
    data = jnp.asarray(check_observations(data))
    num_components = check_positive_int(num_components, "num_components")
    check_instance(prior, GMMPrior, "prior")
    num_particles = check_positive_int(num_particles, "num_particles")
    num_samples = check_positive_int(num_samples, "num_samples")
    particles_key, resample_key, assignments_key = jax.random.split(key, 3)

    log_weights, (weights, means, stds) = _weighted_parameters(
        particles_key, data, prior, num_components, num_particles
    )
    log_total = logsumexp(log_weights)
    normalised = jnp.exp(log_weights - log_total)
    chosen = jax.random.choice(resample_key, num_particles, (num_samples,), p=normalised)
    weights, means, stds = weights[chosen], means[chosen], stds[chosen]
    return ImportanceResult(
        weights=weights,
        means=means,
        stds=stds,
        assignments=_assignments(assignments_key, data, weights, means, stds),
        log_weights=log_weights,
        log_marginal_likelihood=float(log_total - np.log(num_particles)),
        effective_sample_size=float(1.0 / jnp.sum(normalised**2)),
    )
