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
(``gaussian.normal_mixture_logits``), so the result is an ``ImportanceResult`` like
``importance_resampling``'s. Batches, padding to a size bucket (each padded point's
log Σ_k π_k N(x_i; μ_k, σ_k²) is subtracted from the weight) and the two passes are those of
``importance.py``.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
from genjax import gen, seed, tfp_distribution
from tensorflow_probability.substrates import jax as tfp

from ..engine.buckets import bucket_size, pad_to_bucket
from ..gaussian import normal_mixture_logits
from ..models import GMMPrior, bayesian_mixture
from ..validation import cached_by_counts
from .importance import MIN_PARTICLE_DATA_BUCKET, ImportanceResult, two_pass_resampling, validated_arguments

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


@cached_by_counts("num_points", "num_components")
def marginal_gmm(num_points: int, num_components: int):
    """The Bayesian GMM with the assignments summed out: a generative function of a ``GMMPrior``.

    π ~ Dirichlet(concentration · 1_K) at "weights"; μ_k ~ Normal(mean_loc, mean_scale) at "means";
    σ²_k ~ InverseGamma(var_shape, var_scale) at "variances"; x_i ~ Σ_k π_k N(μ_k, σ²_k) at
    "points" / "x". Condition with ``generate({"points": {"x": data}}, prior)``.
    """
    points = _marginal_point.repeat(num_points)
    return bayesian_mixture(points, num_components)


@functools.partial(jax.jit, static_argnames="num_components")
def _weighted_parameters(key, indices, data, mask, prior, num_components: int):
    """log w_p and θ_p = (π, μ, σ) of particles ``indices`` (one batch) on the padded data, minus
    the padded points' terms log Σ_k π_k N(x_i; μ_k, σ_k²); particle p seeded by fold_in(key, p)."""
    model = marginal_gmm(data.shape[0], num_components)
    constraints = {"points": {"x": data}}

    def particle(index):
        trace, log_weight = seed(model.generate)(jax.random.fold_in(key, index), constraints, prior)
        choices = trace.get_choices()
        weights, means, stds = choices["weights"], choices["means"], jnp.sqrt(choices["variances"])
        padded_terms = jnp.sum((1 - mask) * gaussian_mixture_distribution.logpdf(data, weights, means, stds))
        return log_weight - padded_terms, (weights, means, stds)

    return jax.vmap(particle)(indices)


@jax.jit
def _assignments(key, data, weights, means, stds):
    """z ~ p(z | θ, x) for each resampled θ: z_i ~ Categorical(∝ π_k N(x_i; μ_k, σ_k²))."""

    def draw(key, weights, means, stds):
        return jax.random.categorical(key, normal_mixture_logits(data, weights, means, stds))

    return jax.vmap(draw)(jax.random.split(key, weights.shape[0]), weights, means, stds)


def marginal_importance_resampling(
    key: jax.Array, data, num_components: int, prior: GMMPrior, num_particles: int, num_samples: int
) -> ImportanceResult:
    """Importance resampling of p(π, μ, σ² | data) under ``marginal_gmm`` with ``num_particles``
    prior proposals, resampled to ``num_samples`` draws, each with z from p(z | θ, data)
    (see the module docstring). Compiled once per K and size bucket of the data (and of
    ``num_samples``, for the assignments)."""
    key, data, num_components, prior, num_particles, num_samples = validated_arguments(
        key, data, num_components, prior, num_particles, num_samples
    )
    parameters_key, assignments_key = jax.random.split(key)
    kernel = functools.partial(_weighted_parameters, num_components=num_components)
    log_weights, (weights, means, stds), log_marginal, ess = two_pass_resampling(
        kernel, parameters_key, data, prior, num_particles, num_samples, "marginal_importance_resampling"
    )
    # Assignments for a bucket of samples at a time: padded rows repeat the first sample.
    rows = bucket_size(num_samples, 1, steps_per_doubling=1)
    padded_draws = [np.concatenate([a, np.repeat(a[:1], rows - num_samples, axis=0)]) for a in (weights, means, stds)]
    padded_data = pad_to_bucket(data, MIN_PARTICLE_DATA_BUCKET)[0]
    # sliced on the host: no program per size
    assignments = np.asarray(_assignments(assignments_key, padded_data, *padded_draws))
    return ImportanceResult(
        weights=jax.device_put(weights),
        means=jax.device_put(means),
        stds=jax.device_put(stds),
        assignments=jax.device_put(assignments[:num_samples, : data.size]),
        log_weights=jax.device_put(log_weights),
        log_marginal_likelihood=log_marginal,
        effective_sample_size=ess,
    )
