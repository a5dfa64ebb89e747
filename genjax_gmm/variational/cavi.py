"""Coordinate-ascent variational inference (CAVI) for the course's Bayesian Gaussian mixture.

The model is ``bayesian_gmm`` with a ``GMMPrior``: π ~ Dirichlet(α·1_K), μ_k ~ N(m₀, s₀²),
σ²_k ~ InverseGamma(a, b), z_i ~ Categorical(π), x_i ~ N(μ_{z_i}, σ²_{z_i}). Its posterior is
approximated by the mean-field family

    q(π, μ, σ², z) = q(π) Π_k q(μ_k) q(σ²_k) Π_i q(z_i),
    q(π) = Dirichlet(α_k),  q(μ_k) = N(m_k, s_k²),  q(σ²_k) = InverseGamma(a_k, b_k),  q(z_i = k) = r_ik,

fitted by maximising the evidence lower bound ELBO(q) = E_q[log p(x, z, π, μ, σ²) − log q(…)]
= log p(x) − KL(q ‖ p(· | x)). Holding all factors but one fixed, the best factor is
q*(θ_j) ∝ exp E_{q(−j)}[log p(x, θ)], which for this model is in the family again. With
N_k = Σ_i r_ik, E[1/σ²_k] = a_k/b_k, E[log σ²_k] = log b_k − ψ(a_k) and E[log π_k] = ψ(α_k) − ψ(Σα):

    q(π):     α_k = α + N_k                                              (Gibbs: α + n_k)
    q(σ²_k):  a_k = a + N_k/2,  b_k = b + ½ Σ_i r_ik ((x_i − m_k)² + s_k²)   (Gibbs: Σ_{z_i=k} (x_i − μ_k)²)
    q(μ_k):   1/s_k² = 1/s₀² + N_k E[1/σ²_k],
              m_k = s_k² (m₀/s₀² + E[1/σ²_k] Σ_i r_ik x_i)               (Gibbs: n_k/σ²_k, Σ_{z_i=k} x_i/σ²_k)
    q(z_i):   log r_ik = E[log π_k] − ½ E[log σ²_k] − ½ E[1/σ²_k] ((x_i − m_k)² + s_k²) + const

— the Gibbs conditionals of ``inference.gibbs`` with counts replaced by expected counts and
every other unknown by an expectation. Each update is the exact maximiser of the ELBO over its
factor, so the ELBO never decreases (tested: the gradient of the ELBO in each factor, by jax.grad,
vanishes after its update).

The ELBO in closed form (``elbo``), with ρ_ik the unnormalised log r_ik above:

    ELBO = Σ_ik r_ik (log ρ_ik − log r_ik)                       [E log p(x, z | …) + H(q(z))]
         + Σ_k E[log N(μ_k; m₀, s₀²)] + ½ log(2πe s_k²)            [means]
         + Σ_k E[log InvGamma(σ²_k; a, b)] + H(InvGamma(a_k, b_k))  [variances]
         − KL(q(π) ‖ p(π))                                        [weights: ``weights.DIRICHLET``]

with E[log N(μ; m₀, s₀²)] = −½ log(2π s₀²) − ((m_k − m₀)² + s_k²)/(2s₀²), E[log InvGamma(σ²; a, b)]
= a log b − log Γ(a) − (a + 1) E[log σ²] − b E[1/σ²] and H(InvGamma(a_k, b_k)) = a_k + log b_k
+ log Γ(a_k) − (1 + a_k) ψ(a_k).

One sweep (``cavi_step``) updates q(π), q(σ²), q(μ), then q(z), and computes the ELBO. Restart r
gives every point to the nearest of K k-means++ seeds (the starts of EM's restarts) and sets
q(μ_k) = N(seed_k, 0); its first sweep then updates q(π), q(σ²) and q(μ) from that partition.
Data are padded to a size bucket (``engine.buckets``), padded points have r_ik = 0, and sweeps run
in compiled chunks (``engine.iteration``): one program per K and bucket of N.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import digamma, gammaln, xlogy

from ..components import order_by_mean
from ..engine.buckets import bucket_size, pad_to_bucket
from ..engine.seeding import restart_centers
from ..gamma import log_gamma
from ..models import GMMPrior
from ..validation import check_instance, check_key, check_magnitude, check_observations, check_positive_int
from .coordinate_ascent import best_restart, validated_settings
from .draws import VariationalDraws
from .weights import DIRICHLET

__all__ = [
    "Factors",
    "assignment_logits",
    "update_assignments",
    "update_weights",
    "update_variances",
    "update_means",
    "elbo",
    "cavi_step",
    "CAVIResult",
    "cavi",
]

LOG_2PI = float(np.log(2 * np.pi))


class Factors(NamedTuple):
    """The parameters of q: per point r_ik, per component α_k, m_k, s_k, a_k, b_k."""

    responsibilities: jax.Array  # (N, K) r_ik = q(z_i = k); 0 for padded points
    concentrations: jax.Array  # (K,) α_k of q(π) = Dirichlet(α)
    mean_locs: jax.Array  # (K,) m_k of q(μ_k) = N(m_k, s_k²)
    mean_scales: jax.Array  # (K,) s_k
    var_shapes: jax.Array  # (K,) a_k of q(σ²_k) = InverseGamma(a_k, b_k)
    var_scales: jax.Array  # (K,) b_k


def _expected_precisions(factors: Factors) -> jax.Array:
    """E[1/σ²_k] = a_k / b_k."""
    return factors.var_shapes / factors.var_scales


def _expected_log_variances(factors: Factors) -> jax.Array:
    """E[log σ²_k] = log b_k − ψ(a_k)."""
    return jnp.log(factors.var_scales) - digamma(factors.var_shapes)


def _expected_squares(factors: Factors, data: jax.Array) -> jax.Array:
    """E[(x_i − μ_k)²] = (x_i − m_k)² + s_k² (N, K)."""
    return (data[:, None] - factors.mean_locs) ** 2 + factors.mean_scales**2


def assignment_logits(factors: Factors, data: jax.Array) -> jax.Array:
    """log ρ_ik = E[log π_k] + E[log N(x_i; μ_k, σ²_k)] (N, K): r_i = softmax(log ρ_i)."""
    log_likelihood = -0.5 * (
        LOG_2PI + _expected_log_variances(factors) + _expected_precisions(factors) * _expected_squares(factors, data)
    )
    return DIRICHLET.expected_log_weights(factors.concentrations) + log_likelihood


def update_assignments(factors: Factors, data: jax.Array, mask: jax.Array) -> Factors:
    """q(z_i): r_ik ∝ exp(log ρ_ik), 0 for points with ``mask`` 0."""
    responsibilities = jax.nn.softmax(assignment_logits(factors, data), axis=-1) * mask[:, None]
    return factors._replace(responsibilities=responsibilities)


def update_weights(factors: Factors, prior: GMMPrior) -> Factors:
    """q(π) = Dirichlet(α + N_k)."""
    counts = factors.responsibilities.sum(axis=0)
    return factors._replace(concentrations=DIRICHLET.update(counts, prior.concentration))


def update_variances(factors: Factors, data: jax.Array, prior: GMMPrior) -> Factors:
    """q(σ²_k) = InverseGamma(a + N_k/2, b + ½ Σ_i r_ik E[(x_i − μ_k)²])."""
    counts = factors.responsibilities.sum(axis=0)
    spread = jnp.sum(factors.responsibilities * _expected_squares(factors, data), axis=0)
    return factors._replace(var_shapes=prior.var_shape + 0.5 * counts, var_scales=prior.var_scale + 0.5 * spread)


def update_means(factors: Factors, data: jax.Array, prior: GMMPrior) -> Factors:
    """q(μ_k) = N(m_k, s_k²): 1/s_k² = 1/s₀² + N_k E[1/σ²_k] and m_k = s_k² (m₀/s₀² + E[1/σ²_k] Σ_i r_ik x_i),
    computed around the previous m_k (c_k below) to avoid cancellation for data far from 0:
    m_k = c_k + s_k² ((m₀ − c_k)/s₀² + E[1/σ²_k] Σ_i r_ik (x_i − c_k))."""
    reference = factors.mean_locs
    counts = factors.responsibilities.sum(axis=0)
    deviations = jnp.sum(factors.responsibilities * (data[:, None] - reference), axis=0)
    precision = _expected_precisions(factors)
    prior_precision = prior.mean_scale**-2
    posterior_precision = prior_precision + counts * precision
    pull = (prior.mean_loc - reference) * prior_precision + precision * deviations
    return factors._replace(
        mean_locs=reference + pull / posterior_precision, mean_scales=jax.lax.rsqrt(posterior_precision)
    )


def _global_terms(factors: Factors, prior: GMMPrior) -> jax.Array:
    """The ELBO's terms of π, μ and σ² (module docstring): E[log p(θ)] − E[log q(θ)]."""
    expected_log_variances = _expected_log_variances(factors)
    means = -0.5 * np.log(2 * np.pi) - jnp.log(prior.mean_scale)
    means = means - ((factors.mean_locs - prior.mean_loc) ** 2 + factors.mean_scales**2) / (2 * prior.mean_scale**2)
    means = means + 0.5 * (LOG_2PI + 1.0) + jnp.log(factors.mean_scales)
    a, b = factors.var_shapes, factors.var_scales
    variances = prior.var_shape * jnp.log(prior.var_scale) - gammaln(prior.var_shape)
    variances = variances - (prior.var_shape + 1) * expected_log_variances - prior.var_scale * a / b
    variances = variances + a + jnp.log(b) + gammaln(a) - (1 + a) * digamma(a)
    return jnp.sum(means + variances) + DIRICHLET.negative_kl(factors.concentrations, prior.concentration)


def elbo(factors: Factors, data: jax.Array, prior: GMMPrior) -> jax.Array:
    """ELBO(q) in closed form (module docstring) for any factors; a point with r_i = 0 (padding)
    adds nothing. A jit-able function of arrays."""
    r = factors.responsibilities
    return jnp.sum(r * assignment_logits(factors, data) - xlogy(r, r)) + _global_terms(factors, prior)


class _State(NamedTuple):
    factors: Factors
    elbo: jax.Array


def cavi_step(state: _State, data, mask, prior: GMMPrior, tolerance):
    """One sweep: q(π), q(σ²), q(μ), then q(z); its ELBO, and converged once the ELBO rose by at
    most ``tolerance`` per point."""
    factors = update_weights(state.factors, prior)
    factors = update_variances(factors, data, prior)
    factors = update_means(factors, data, prior)
    factors = update_assignments(factors, data, mask)
    value = elbo(factors, data, prior)
    return _State(factors, value), value, value - state.elbo <= tolerance * jnp.sum(mask)


@jax.jit
def _start(data, mask, seeds, prior: GMMPrior) -> _State:
    """Every point given to its nearest seed, q(μ_k) = N(seed_k, 0); the other factors are
    placeholders that the first sweep replaces before reading them."""
    num_components = seeds.shape[0]
    nearest = jnp.argmin((data[:, None] - seeds) ** 2, axis=1)
    responsibilities = jax.nn.one_hot(nearest, num_components, dtype=data.dtype) * mask[:, None]
    ones = jnp.ones(num_components, data.dtype)
    factors = Factors(responsibilities, ones, seeds, 0 * ones, prior.var_shape * ones, prior.var_scale * ones)
    return _State(factors, jnp.array(-jnp.inf, data.dtype))


@dataclasses.dataclass(frozen=True)
class CAVIResult:
    """The best restart of ``cavi``, components ordered by the means of q(μ_k)."""

    weights: np.ndarray  # (K,) E_q[π_k]
    means: np.ndarray  # (K,) E_q[μ_k] = m_k
    variances: np.ndarray  # (K,) E_q[σ²_k] = b_k/(a_k − 1) (∞ where a_k ≤ 1)
    responsibilities: np.ndarray  # (N, K) q(z_i = k)
    concentrations: np.ndarray  # (K,) α_k: q(π) = Dirichlet(α)
    mean_locs: np.ndarray  # (K,) m_k: q(μ_k) = N(m_k, s_k²)
    mean_scales: np.ndarray  # (K,) s_k
    var_shapes: np.ndarray  # (K,) a_k: q(σ²_k) = InverseGamma(a_k, b_k)
    var_scales: np.ndarray  # (K,) b_k
    elbo: float  # the ELBO at the returned q, a lower bound on log p(x)
    elbo_trace: np.ndarray  # the ELBO after each sweep, never decreasing
    converged: bool  # stopped by tolerance, not by max_iterations
    restart_elbos: np.ndarray  # the final ELBO of every restart

    def sample(self, key: jax.Array, num_draws: int = 1000) -> VariationalDraws:
        """``num_draws`` independent draws of (π, μ, σ, z) from q: ``gg.to_inference_data`` and
        ``gg.summary`` take them like a sampler's draws."""
        key = check_key(key)
        num_draws = check_positive_int(num_draws, "num_draws")
        padded = bucket_size(num_draws, 1, steps_per_doubling=1)  # one program per power of two
        parameters = (self.concentrations, self.mean_locs, self.mean_scales, self.var_shapes, self.var_scales)
        responsibilities = pad_to_bucket(self.responsibilities)[0]  # one program per bucket of N
        weights, means, stds, assignments = (
            np.asarray(value)[:num_draws] for value in _sample(key, *parameters, responsibilities, num_draws=padded)
        )
        return VariationalDraws(weights, means, stds, assignments[:, : self.responsibilities.shape[0]])


@functools.partial(jax.jit, static_argnames="num_draws")
def _sample(key, concentrations, mean_locs, mean_scales, var_shapes, var_scales, responsibilities, num_draws: int):
    """Draws from the factors of q (independent by construction)."""
    keys = jax.random.split(key, 4)
    weights = DIRICHLET.sample(keys[0], concentrations, num_draws)
    means = mean_locs + mean_scales * jax.random.normal(keys[1], (num_draws, mean_locs.size), mean_locs.dtype)
    stds = jnp.sqrt(var_scales) * jnp.exp(-0.5 * log_gamma(keys[2], jnp.broadcast_to(var_shapes, means.shape)))
    logits = jnp.log(responsibilities)
    assignments = jax.random.categorical(keys[3], logits, shape=(num_draws, logits.shape[0]))
    return weights, means, stds, assignments.astype(jnp.int32)


def cavi(
    data,
    num_components: int,
    prior: GMMPrior,
    *,
    max_iterations: int = 1000,
    tolerance: float = 1e-8,
    num_restarts: int = 10,
    seed: int = 0,
) -> CAVIResult:
    """Mean-field variational Bayes for ``bayesian_gmm`` by coordinate ascent (module docstring).

    Each of ``num_restarts`` restarts (the k-means++ starts of ``em``, from ``seed``) runs sweeps
    until one raises the ELBO by at most ``tolerance`` per point or ``max_iterations`` sweeps
    have run; the restart with the highest ELBO is returned, its components ordered by mean,
    with a ``ConvergenceWarning`` if it did not converge. Compiled once per K and bucket of N.
    """
    data = check_magnitude(check_observations(data), "data")
    check_instance(prior, GMMPrior, "prior")
    settings = validated_settings(data[:, None], num_components, max_iterations, tolerance, num_restarts, seed)
    padded, mask = (jax.device_put(array) for array in pad_to_bucket(data))

    def start(restart: int) -> _State:
        seeds = restart_centers(settings.seed, restart, settings.num_components, padded[:, None], mask)[:, 0]
        return _start(padded, mask, seeds, prior)

    fit = best_restart(cavi_step, start, (padded, mask, prior, settings.tolerance), settings, caller="cavi")
    factors = jax.device_get(fit.state.factors)
    order = order_by_mean(factors.mean_locs, vectors=False)
    shapes, scales = factors.var_shapes[order], factors.var_scales[order]
    return CAVIResult(
        weights=np.asarray(DIRICHLET.mean(factors.concentrations))[order],
        means=factors.mean_locs[order],
        variances=np.where(shapes > 1, scales / np.maximum(shapes - 1, 1e-300), np.inf),
        responsibilities=factors.responsibilities[: data.size, order],
        concentrations=factors.concentrations[order],
        mean_locs=factors.mean_locs[order],
        mean_scales=factors.mean_scales[order],
        var_shapes=shapes,
        var_scales=scales,
        elbo=float(fit.elbo_trace[-1]),
        elbo_trace=fit.elbo_trace,
        converged=fit.converged,
        restart_elbos=fit.restart_elbos,
    )
