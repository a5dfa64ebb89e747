"""Variational Bayes for the multivariate Gaussian mixture with a Normal-Inverse-Wishart prior
(``mv.cavi``): the model scikit-learn's ``BayesianGaussianMixture`` fits (Bishop 2006, §10.2).

Model (``mv.bayesian_gmm`` with an ``mv.NIWPrior``): Σ_k ~ InverseWishart(ν₀, Ψ₀),
μ_k | Σ_k ~ N(m₀, Σ_k/κ₀), z_i ~ Categorical(π), x_i ~ N(μ_{z_i}, Σ_{z_i}), and the weights either
π ~ Dirichlet(α·1_K) or the stick-breaking weights of a Dirichlet process with concentration α,
truncated in q at K components (``variational.weights``). The family is

    q = q(π) Π_k q(μ_k, Σ_k) Π_i q(z_i),   q(μ_k, Σ_k) = NIW(m_k, β_k, ν_k, Ψ_k),   q(z_i = k) = r_ik,

each factor the exact coordinate-wise optimum given the others:

* q(μ_k, Σ_k) is the conjugate NIW posterior of the points weighted by r_ik
  (``conjugate.niw_posterior`` with the soft statistics N_k = Σ_i r_ik,
  Σ_i r_ik (x_i − c_k), Σ_i r_ik (x_i − c_k)(x_i − c_k)ᵀ): β_k = κ₀ + N_k, ν_k = ν₀ + N_k, …;
* q(π) from the expected counts N_k (``variational.weights``);
* log r_ik = E[log π_k] + ½ E[log |Λ_k|] − D/2 log 2π − ½ (D/β_k + ν_k (x_i − m_k)ᵀ Ψ_k⁻¹ (x_i − m_k)) + const,
  with Λ_k = Σ_k⁻¹ and E[log |Λ_k|] = Σ_{j<D} ψ((ν_k − j)/2) + D log 2 − log |Ψ_k|.

ELBO = Σ_ik r_ik (log ρ_ik − log r_ik) + Σ_k (E[log p(μ_k, Σ_k)] − E[log q(μ_k, Σ_k)]) − KL(q(π) ‖ p(π)),
ρ_ik the unnormalised r_ik, with (E[Λ_k] = ν_k Ψ_k⁻¹)

    E[log p(μ_k, Σ_k)] − E[log q(μ_k, Σ_k)]
        = D/2 log(κ₀/β_k) + D/2 − κ₀/2 (D/β_k + ν_k (m_k − m₀)ᵀ Ψ_k⁻¹ (m_k − m₀))
          + log IW-normaliser(ν₀, Ψ₀) − log IW-normaliser(ν_k, Ψ_k) + (ν₀ − ν_k)/2 E[log |Λ_k|]
          − ½ ν_k tr(Ψ₀ Ψ_k⁻¹) + ½ ν_k D,

log IW-normaliser(ν, Ψ) = ν/2 log |Ψ| − νD/2 log 2 − log Γ_D(ν/2). The full ELBO, constants included:
a lower bound on log p(x) (scikit-learn's ``lower_bound_`` leaves constants out).

scikit-learn's ``BayesianGaussianMixture(covariance_type="full")`` fits this model with
``weight_concentration_prior_type`` = ``weight_prior``, ``weight_concentration_prior`` = α
(``prior.concentration``), ``mean_prior`` = m₀ (``prior.mean_loc``), ``mean_precision_prior`` = κ₀
(``prior.mean_pseudo_count``), ``degrees_of_freedom_prior`` = ν₀ (``prior.df``) and
``covariance_prior`` = Ψ₀ (``prior.scale_matrix``), ``reg_covar=0``; its ``means_`` are m_k, its
``covariances_`` Ψ_k/ν_k = E[Λ_k]⁻¹ (``covariances`` here), its ``weights_`` E[π_k] (for the
Dirichlet process renormalised over the K components), its ``weight_concentration_``,
``mean_precision_`` and ``degrees_of_freedom_`` α_k (or γ_k1, γ_k2), β_k and ν_k. Its sweep is the
same: it starts from the M-step of a hard partition (k-means labels) and alternates E- and
M-steps; here one sweep is an M-step, then an E-step and the ELBO (``niw_step``).

Starts: restart r gives every point to the nearest of K k-means++ seeds (``engine.seeding``), or
all start from ``initial_assignments``. Under the Dirichlet-process prior the order of the
components matters: the start's components are put in decreasing order of size (the order that
suits the sticks), and results keep the stick order; under the Dirichlet prior results are ordered
by mean (first coordinate). Compiled once per K, D, weight prior and size bucket of N.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import digamma, multigammaln, xlogy

from ..components import order_by_mean
from ..engine.buckets import bucket_size, pad_to_bucket
from ..engine.seeding import restart_centers
from ..gamma import log_gamma
from ..gaussian import log_det_from_cholesky, mvn_mixture_logits
from ..validation import check_instance, check_key, check_points, check_positive_int
from ..variational.coordinate_ascent import best_restart, validated_settings
from ..variational.draws import MultivariateVariationalDraws
from ..variational.weights import WEIGHT_PRIORS, WeightFactor
from .conjugate import NIWParameters, ScatterStatistics, bartlett_niw, bartlett_shapes, niw_posterior
from .prior import NIWPrior

__all__ = ["NIWFactors", "elbo", "niw_step", "MultivariateCAVIResult", "cavi", "scikit_learn_arguments"]


class NIWFactors(NamedTuple):
    """The parameters of q: r_ik, q(π)'s parameters and q(μ_k, Σ_k) = NIW(m_k, β_k, ν_k, Ψ_k)."""

    responsibilities: jax.Array  # (N, K)
    weights: jax.Array  # (K,) α_k or (K, 2) (γ_k1, γ_k2)
    components: NIWParameters  # loc (K, D), pseudo_count (K,), df (K,), scale (K, D, D)


def _prior_parameters(prior: NIWPrior, num_components: int) -> NIWParameters:
    """The prior's NIW parameters, one copy per component."""
    shape = (num_components,)
    return NIWParameters(
        jnp.broadcast_to(prior.mean_loc, (*shape, prior.mean_loc.shape[-1])),
        jnp.full(shape, prior.mean_pseudo_count),
        jnp.full(shape, prior.df),
        jnp.broadcast_to(prior.scale_matrix, (*shape, *prior.scale_matrix.shape)),
    )


def _expected_log_det_precision(components: NIWParameters, scale_trils) -> jax.Array:
    """E[log |Λ_k|] = Σ_{j<D} ψ((ν_k − j)/2) + D log 2 − log |Ψ_k|."""
    dimension = components.loc.shape[-1]
    return (
        jnp.sum(digamma(bartlett_shapes(components)), axis=-1)
        + dimension * jnp.log(2.0)
        - log_det_from_cholesky(scale_trils)
    )


def _expected_log_densities(data: jax.Array, components: NIWParameters, scale_trils) -> jax.Array:
    """E_q[log N(x_i; μ_k, Σ_k)] (N, K): the Gaussian log density with covariance Ψ_k/ν_k, plus
    ½ (log |Ψ_k/ν_k| + E[log |Λ_k|] − D/β_k)."""
    dimension = data.shape[-1]
    covariances = components.scale / components.df[:, None, None]
    log_density = mvn_mixture_logits(data, jnp.ones_like(components.df), components.loc, covariances)
    log_det_covariance = log_det_from_cholesky(scale_trils) - dimension * jnp.log(components.df)
    expected = _expected_log_det_precision(components, scale_trils)
    return log_density + 0.5 * (log_det_covariance + expected - dimension / components.pseudo_count)


def _logits(factors: NIWFactors, data, weight_factor: WeightFactor, scale_trils) -> jax.Array:
    """log ρ_ik = E[log π_k] + E[log N(x_i; μ_k, Σ_k)]."""
    return weight_factor.expected_log_weights(factors.weights) + _expected_log_densities(
        data, factors.components, scale_trils
    )


def _inverse_wishart_log_normaliser(df, scale_trils) -> jax.Array:
    """ν/2 log |Ψ| − νD/2 log 2 − log Γ_D(ν/2)."""
    dimension = scale_trils.shape[-1]
    return 0.5 * df * log_det_from_cholesky(scale_trils) - 0.5 * df * dimension * jnp.log(2.0) - multigammaln(
        0.5 * df, dimension
    )


def _component_terms(components: NIWParameters, prior: NIWPrior, scale_trils) -> jax.Array:
    """Σ_k E[log p(μ_k, Σ_k)] − E[log q(μ_k, Σ_k)] (module docstring)."""
    dimension = components.loc.shape[-1]
    kappa, beta, nu, df = prior.mean_pseudo_count, components.pseudo_count, prior.df, components.df

    def solve(right):  # L_k⁻¹ R for Ψ_k = L_k L_kᵀ
        return jax.scipy.linalg.solve_triangular(scale_trils, right, lower=True)

    offset = solve((components.loc - prior.mean_loc)[..., None])[..., 0]
    prior_tril = jnp.linalg.cholesky(prior.scale_matrix)
    trace = jnp.sum(solve(jnp.broadcast_to(prior_tril, scale_trils.shape)) ** 2, axis=(-2, -1))  # tr(Ψ₀ Ψ_k⁻¹)
    means = 0.5 * dimension * (jnp.log(kappa / beta) + 1) - 0.5 * kappa * (
        dimension / beta + df * jnp.sum(offset**2, axis=-1)
    )
    covariances = (
        _inverse_wishart_log_normaliser(nu, prior_tril)
        - _inverse_wishart_log_normaliser(df, scale_trils)
        + 0.5 * (nu - df) * _expected_log_det_precision(components, scale_trils)
        - 0.5 * df * trace
        + 0.5 * df * dimension
    )
    return jnp.sum(means + covariances)


def _elbo_from_logits(factors: NIWFactors, logits, prior: NIWPrior, weight_factor: WeightFactor, scale_trils):
    r = factors.responsibilities
    return (
        jnp.sum(r * logits - xlogy(r, r))
        + _component_terms(factors.components, prior, scale_trils)
        + weight_factor.negative_kl(factors.weights, prior.concentration)
    )


def elbo(factors: NIWFactors, data: jax.Array, prior: NIWPrior, weight_prior: str = "dirichlet_distribution"):
    """ELBO(q) in closed form (module docstring) for any factors; a point with r_i = 0 (padding)
    adds nothing. A jit-able function of arrays."""
    weight_factor = WEIGHT_PRIORS[weight_prior]
    scale_trils = jnp.linalg.cholesky(factors.components.scale)
    logits = _logits(factors, data, weight_factor, scale_trils)
    return _elbo_from_logits(factors, logits, prior, weight_factor, scale_trils)


class _State(NamedTuple):
    factors: NIWFactors
    elbo: jax.Array


def _m_step(factors: NIWFactors, data, prior: NIWPrior, weight_factor: WeightFactor) -> NIWFactors:
    """q(π) and every q(μ_k, Σ_k) from the responsibilities, the statistics taken around each
    component's weighted mean (the previous m_k if it has no weight): no cancellation for data far
    from 0 or from m_k."""
    r = factors.responsibilities
    counts = r.sum(axis=0)
    weighted_means = (r.T @ data) / jnp.where(counts > 0, counts, 1.0)[:, None]
    reference = jnp.where((counts > 0)[:, None], weighted_means, factors.components.loc)
    deviations = data[:, None, :] - reference[None]  # (N, K, D)
    stats = ScatterStatistics(
        counts,
        reference,
        jnp.einsum("nk,nkd->kd", r, deviations),
        jnp.einsum("nk,nkd,nke->kde", r, deviations, deviations),
    )
    components = niw_posterior(stats, _prior_parameters(prior, counts.size))
    return NIWFactors(r, weight_factor.update(counts, prior.concentration), components)


def _niw_step(weight_factor: WeightFactor, state: _State, data, mask, prior: NIWPrior, tolerance):
    factors = _m_step(state.factors, data, prior, weight_factor)
    scale_trils = jnp.linalg.cholesky(factors.components.scale)
    logits = _logits(factors, data, weight_factor, scale_trils)
    factors = factors._replace(responsibilities=jax.nn.softmax(logits, axis=-1) * mask[:, None])
    value = _elbo_from_logits(factors, logits, prior, weight_factor, scale_trils)
    return _State(factors, value), value, value - state.elbo <= tolerance * jnp.sum(mask)


_STEPS = {name: functools.partial(_niw_step, factor) for name, factor in WEIGHT_PRIORS.items()}
"""One sweep per weight prior: M-step (q(π), q(μ, Σ)), E-step (q(z)), ELBO; converged once the
ELBO rose by at most ``tolerance`` per point. Module-level objects, so each compiles once."""


def niw_step(state: _State, data, mask, prior: NIWPrior, tolerance, weight_prior: str = "dirichlet_distribution"):
    """One sweep of ``mv.cavi`` (module docstring): returns the new state, its ELBO and convergence."""
    return _STEPS[weight_prior](state, data, mask, prior, tolerance)


@functools.partial(jax.jit, static_argnames=("num_components", "weight_prior"))
def _start(data, mask, assignments, prior: NIWPrior, num_components: int, weight_prior: str) -> _State:
    """The hard partition ``assignments`` as responsibilities, and q(π) from it; q(μ_k, Σ_k) are
    placeholders (the prior) that the first sweep's M-step replaces, except that their m_k are the
    reference points of its statistics: the partition's group means."""
    hard = jax.nn.one_hot(assignments, num_components, dtype=data.dtype) * mask[:, None]
    counts = hard.sum(axis=0)
    group_means = (hard.T @ data) / jnp.maximum(counts, 1.0)[:, None]
    components = _prior_parameters(prior, num_components)
    components = components._replace(loc=jnp.where(counts[:, None] > 0, group_means, components.loc))
    factors = NIWFactors(hard, WEIGHT_PRIORS[weight_prior].update(counts, prior.concentration), components)
    return _State(factors, jnp.array(-jnp.inf, data.dtype))


@jax.jit
def _nearest(data, seeds) -> jax.Array:
    return jnp.argmin(jnp.sum((data[:, None, :] - seeds[None]) ** 2, axis=-1), axis=1)


@dataclasses.dataclass(frozen=True)
class MultivariateCAVIResult:
    """The best restart of ``mv.cavi``, with scikit-learn's names (module docstring)."""

    weights: np.ndarray  # (K,) E_q[π_k] (renormalised over K for the Dirichlet process)
    means: np.ndarray  # (K, D) m_k
    covariances: np.ndarray  # (K, D, D) Ψ_k/ν_k = E_q[Σ_k⁻¹]⁻¹, scikit-learn's covariances_
    responsibilities: np.ndarray  # (N, K) q(z_i = k)
    weight_concentration: np.ndarray  # (K,) α_k, or (K, 2) (γ_k1, γ_k2) for the Dirichlet process
    mean_precision: np.ndarray  # (K,) β_k
    degrees_of_freedom: np.ndarray  # (K,) ν_k
    scale_matrices: np.ndarray  # (K, D, D) Ψ_k
    weight_prior: str
    elbo: float  # the ELBO at the returned q, constants included: a lower bound on log p(x)
    elbo_trace: np.ndarray  # the ELBO after each sweep, never decreasing
    converged: bool
    restart_elbos: np.ndarray

    def sample(self, key: jax.Array, num_draws: int = 1000) -> MultivariateVariationalDraws:
        """``num_draws`` independent draws of (π, μ, Σ, z) from q, for ``gg.to_inference_data``."""
        key = check_key(key)
        num_draws = check_positive_int(num_draws, "num_draws")
        padded = bucket_size(num_draws, 1, steps_per_doubling=1)
        components = NIWParameters(self.means, self.mean_precision, self.degrees_of_freedom, self.scale_matrices)
        responsibilities = pad_to_bucket(self.responsibilities)[0]
        weights, means, covariances, assignments = (
            np.asarray(value)[:num_draws]
            for value in _sample(
                key, self.weight_concentration, components, responsibilities, self.weight_prior, num_draws=padded
            )
        )
        num_points = self.responsibilities.shape[0]
        return MultivariateVariationalDraws(weights, means, covariances, assignments[:, :num_points])


@functools.partial(jax.jit, static_argnames=("weight_prior", "num_draws"))
def _sample(key, weight_parameters, components: NIWParameters, responsibilities, weight_prior: str, num_draws: int):
    keys = jax.random.split(key, 4)
    weights = WEIGHT_PRIORS[weight_prior].sample(keys[0], weight_parameters, num_draws)
    batch = jax.tree.map(lambda value: jnp.broadcast_to(value, (num_draws, *value.shape)), components)
    dimension = components.loc.shape[-1]
    log_gammas = log_gamma(keys[1], bartlett_shapes(batch))
    normals = jax.random.normal(keys[2], (*batch.df.shape, dimension * (dimension + 1) // 2), batch.loc.dtype)
    means, covariances = bartlett_niw(batch, log_gammas, normals)
    logits = jnp.log(responsibilities)
    assignments = jax.random.categorical(keys[3], logits, shape=(num_draws, logits.shape[0]))
    return weights, means, covariances, assignments.astype(jnp.int32)


def _check_weight_prior(weight_prior) -> None:
    if weight_prior not in WEIGHT_PRIORS:
        raise ValueError(f"weight_prior must be one of {tuple(WEIGHT_PRIORS)}, got {weight_prior!r}")


def _initial_assignments(value, num_points: int, num_components: int) -> np.ndarray:
    """``initial_assignments`` checked: N labels in 0 … K − 1."""
    labels = np.asarray(value)
    if labels.shape != (num_points,) or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(
            f"initial_assignments must be {num_points} integer labels, got {labels.dtype} of shape {labels.shape}"
        )
    if labels.min() < 0 or labels.max() >= num_components:
        raise ValueError(
            f"initial_assignments must lie in 0 … {num_components - 1}, got {labels.min()} … {labels.max()}"
        )
    return labels


def cavi(
    data,
    num_components: int,
    prior: NIWPrior,
    *,
    weight_prior: str = "dirichlet_distribution",
    max_iterations: int = 1000,
    tolerance: float = 1e-8,
    num_restarts: int = 10,
    seed: int = 0,
    initial_assignments=None,
) -> MultivariateCAVIResult:
    """Mean-field variational Bayes for the NIW mixture on (N, D) data (module docstring), with the
    weights under a Dirichlet (``weight_prior="dirichlet_distribution"``) or a truncated
    Dirichlet-process prior (``"dirichlet_process"``, concentration ``prior.concentration``).

    Runs ``num_restarts`` restarts from k-means++ starts (``seed``), or one start from
    ``initial_assignments`` (N labels, e.g. scikit-learn's k-means labels: then the components keep
    their order), each until a sweep raises the ELBO by at most ``tolerance`` per point (scikit-learn's
    ``tol`` is the same bound on the total, ``tolerance`` × N) or for ``max_iterations`` sweeps; returns
    the restart with the highest ELBO, warning (``ConvergenceWarning``) if it did not converge.
    """
    points = check_points(data)
    check_instance(prior, NIWPrior, "prior")
    if prior.dimension != points.shape[1]:
        raise ValueError(f"prior has dimension {prior.dimension} but data has {points.shape[1]} coordinates")
    _check_weight_prior(weight_prior)
    settings = validated_settings(points, num_components, max_iterations, tolerance, num_restarts, seed)
    if initial_assignments is not None:
        if settings.num_restarts != 1:
            raise ValueError(f"num_restarts must be 1 with initial_assignments, got {settings.num_restarts}")
        initial_assignments = _initial_assignments(initial_assignments, points.shape[0], settings.num_components)
    padded, mask = (jax.device_put(array) for array in pad_to_bucket(points))
    num_padding = padded.shape[0] - points.shape[0]

    def start(restart: int) -> _State:
        if initial_assignments is None:
            seeds = restart_centers(settings.seed, restart, settings.num_components, padded, mask)
            labels = np.asarray(_nearest(padded, seeds))[: points.shape[0]]
            if weight_prior == "dirichlet_process":  # largest group first: the sticks' order
                by_size = np.argsort(-np.bincount(labels, minlength=settings.num_components), kind="stable")
                labels = np.argsort(by_size)[labels]
        else:
            labels = initial_assignments
        labels = np.concatenate([labels, np.zeros(num_padding, labels.dtype)]).astype(np.int32)
        return _start(padded, mask, labels, prior, num_components=settings.num_components, weight_prior=weight_prior)

    operands = (padded, mask, prior, settings.tolerance)
    fit = best_restart(_STEPS[weight_prior], start, operands, settings, caller="mv.cavi")
    factors = jax.device_get(fit.state.factors)
    components = factors.components
    if weight_prior == "dirichlet_process":
        order = np.arange(settings.num_components)
    else:
        order = order_by_mean(components.loc, vectors=True)
    weights = np.asarray(WEIGHT_PRIORS[weight_prior].mean(factors.weights))
    return MultivariateCAVIResult(
        weights=weights[order],
        means=components.loc[order],
        covariances=(components.scale / components.df[:, None, None])[order],
        responsibilities=factors.responsibilities[: points.shape[0], order],
        weight_concentration=factors.weights[order],
        mean_precision=components.pseudo_count[order],
        degrees_of_freedom=components.df[order],
        scale_matrices=components.scale[order],
        weight_prior=weight_prior,
        elbo=float(fit.elbo_trace[-1]),
        elbo_trace=fit.elbo_trace,
        converged=fit.converged,
        restart_elbos=fit.restart_elbos,
    )


def scikit_learn_arguments(prior: NIWPrior, weight_prior: str = "dirichlet_distribution") -> dict:
    """The keyword arguments of scikit-learn's ``BayesianGaussianMixture`` that fit the model of
    ``mv.cavi(…, prior, weight_prior=weight_prior)`` (module docstring), ``reg_covar=0`` included."""
    check_instance(prior, NIWPrior, "prior")
    _check_weight_prior(weight_prior)
    return dict(
        covariance_type="full",
        weight_concentration_prior_type=weight_prior,
        weight_concentration_prior=float(prior.concentration),
        mean_prior=np.asarray(prior.mean_loc, float),
        mean_precision_prior=float(prior.mean_pseudo_count),
        degrees_of_freedom_prior=float(prior.df),
        covariance_prior=np.asarray(prior.scale_matrix, float),
        reg_covar=0.0,
    )
