"""Blocked Gibbs sampling for the Bayesian multivariate Gaussian mixture (``bayesian_gmm(N, K, D)``).

The state holds the trace's latent choices: weights π, means μ (K, D), covariances Σ (K, D, D)
and assignments z (N,). A sweep draws

    z_i | π, μ, Σ, x      ~ Categorical(p_i),  log p_ik = log π_k + log N(x_i; μ_k, Σ_k) + const,
    (μ_k, Σ_k) | z, x     ~ NIW(m_n, κ_n, ν_n, Ψ_n)   (``conjugate.niw_posterior``, Bartlett draw),
    π | z                 ~ Dirichlet(α + n_1, …, α + n_K),

the last two together since they are independent given z. (μ_k, Σ_k) is drawn jointly, so the
covariance does not wait for the mean (or vice versa) and an empty component draws from the prior.
Every block is an exact conditional, hence an MH move with acceptance ratio 1 in GenJAX's
``update`` (tests/test_multivariate_gibbs.py). Densities use Cholesky factors (``gaussian``).

``MultivariateGibbsKernel`` is this sweep as a kernel of the engine (``engine.chains``). Data are
padded to a size bucket with a 0/1 mask (``engine.buckets``): padded points are assigned like any
other but carry weight 0 in every statistic, so a sweep, and the program that runs it, is the same
for every N in a bucket, every number of sweeps, chains up to the chain group and every prior of
the same D. Chains start from greedy k-means++ means (``engine.seeding``), Σ_k at the prior mode
Ψ/(ν + D + 1), π uniform, every point assigned to its most probable component.

**Buckets for K and N.** The sweep compiles in seconds (Cholesky factors, triangular solves, the
NIW posterior and log density) and runs a course-sized data set in a fraction of that, so ``gibbs``
buckets coarsely: N to two sizes per doubling (``DATA_STEPS_PER_DOUBLING``: 384, 512, 768, …) and K
to ``component_bucket(K)`` (3, 4, 6, 8, 12, …), at most 1.5× the work of each. The components
k ≥ K of the bucket are switched off exactly: their weight is 0 (log π_k = −∞, so no point is
assigned to them), the Dirichlet and the log joint run over the K active components only, and their
parameters, drawn from the prior, are dropped from the result. Every random number of an active
component has the index it has at K (``draw_assignments``, ``ComponentsConditional.sample``,
``engine.seeding``), so the same key gives the same draws at K as in a bucket of K′ > K
(tests/test_multivariate_gibbs.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import ClassVar, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import gammaln, xlogy

from ..engine.buckets import bucket_size
from ..engine.mcmc import chain_settings, sample
from ..engine.seeding import greedy_kmeans_plus_plus
from ..gamma import log_gamma
from ..gaussian import log_det_from_cholesky, mvn_log_density, mvn_mixture_logits
from ..models import weights_from_log_gamma
from ..validation import check_instance, check_points, check_positive_int
from .conjugate import (
    NIWParameters,
    ScatterStatistics,
    bartlett_niw,
    bartlett_shapes,
    inverse_wishart_log_density,
    niw_log_density,
    niw_posterior,
)
from .prior import NIWPrior

__all__ = [
    "DATA_STEPS_PER_DOUBLING",
    "component_bucket",
    "ActivePrior",
    "draw_assignments",
    "dirichlet_log_density",
    "MultivariateGibbsState",
    "MultivariateGibbsResult",
    "component_statistics",
    "prior_parameters",
    "ComponentsConditional",
    "components_conditional",
    "make_sweep",
    "log_joint",
    "initial_state",
    "MultivariateGibbsKernel",
    "gibbs",
]


DATA_STEPS_PER_DOUBLING = 2
"""``gibbs`` pads N to the next m·2^j, m ∈ {2, 3} (at least ``engine.buckets.MIN_BUCKET``)."""


def component_bucket(num_components: int) -> int:
    """The number of components ``gibbs`` compiles for K: the next m·2^j ≥ max(K, 3), m ∈ {2, 3}."""
    return bucket_size(num_components, 3, steps_per_doubling=2)


def _active(width: int, num_active) -> jax.Array:
    """[k < K] for k = 0 … width − 1 (K = ``num_active``, default ``width``; may be traced)."""
    return jnp.arange(width) < (width if num_active is None else num_active)


class ActivePrior(NamedTuple):
    """What ``MultivariateGibbsKernel`` is conditioned on: the prior and the number K of active
    components among the kernel's ``num_components`` (an array, so every K of a bucket shares one
    compiled program)."""

    prior: NIWPrior
    num_active: jax.Array


def draw_assignments(key: jax.Array, logits: jax.Array, num_active=None) -> jax.Array:
    """z_i = argmax_k (logits_ik + g_ik), the Gumbel-max draw of z_i ~ Categorical(softmax(logits_i)),
    with g_ik the Gumbel number of index i·K + k of one flat draw (K = ``num_active``, default all
    columns): for the first K columns exactly ``jax.random.categorical(key, logits[:, :K])``'s
    numbers, whatever the number of columns; the others must have logits −∞."""
    num_points, width = logits.shape
    num_active = width if num_active is None else num_active
    gumbels = jax.random.gumbel(key, (num_points * width,), logits.dtype)
    index = jnp.arange(num_points)[:, None] * num_active + jnp.arange(width)  # < N·width for every k < width
    return jnp.argmax(logits + gumbels[index], axis=-1).astype(jnp.int32)


class MultivariateGibbsState(NamedTuple):
    weights: jax.Array  # (K,) π, at "weights"
    means: jax.Array  # (K, D) μ, at "means"
    covariances: jax.Array  # (K, D, D) Σ, at "covariances"
    assignments: jax.Array  # (N,) z, at "points"/"component"


def prior_parameters(prior: NIWPrior, num_components: int) -> NIWParameters:
    """The prior NIW(m₀, κ₀, ν, Ψ) broadcast to K components."""
    dimension = prior.mean_loc.shape[-1]
    full = lambda value: jnp.full(num_components, value, prior.mean_loc.dtype)  # noqa: E731
    return NIWParameters(
        jnp.broadcast_to(prior.mean_loc, (num_components, dimension)),
        full(prior.mean_pseudo_count),
        full(prior.df),
        jnp.broadcast_to(prior.scale_matrix, (num_components, dimension, dimension)),
    )


def component_statistics(data, assignments, reference, mask=None) -> ScatterStatistics:
    """n_k = Σ m_i [z_i = k], s₁ and S₂ around c_k, the mean of component k's points (an empty
    component: c_k = ``reference[k]``; K = len(reference)), weighting point i by its mask m_i
    (default all 1). Around the mean, S₂ is the scatter W itself: no cancellation, however far the
    points lie from 0 or from the reference.

    Written with the one-hot matrix h_ik = m_i [z_i = k] and deviations from every c_k (N × K × D
    numbers): on CPU an einsum is about two orders of magnitude faster here than scatter-adding
    the D × D outer products (``segment_sum``)."""
    mask = jnp.ones(data.shape[0], data.dtype) if mask is None else mask
    one_hot = jax.nn.one_hot(assignments, reference.shape[0], dtype=data.dtype) * mask[:, None]
    counts = one_hot.sum(axis=0)
    means = (one_hot.T @ data) / jnp.maximum(counts, 1.0)[:, None]
    centre = jnp.where((counts > 0)[:, None], means, reference)
    deviations = jnp.swapaxes(data[:, None, :] - centre[None], 0, 1)  # (K, N, D)
    weighted = one_hot.T[:, :, None] * deviations
    return ScatterStatistics(counts, centre, weighted.sum(axis=1), jnp.einsum("knd,kne->kde", weighted, deviations))


def dirichlet_log_density(weights: jax.Array, concentration: jax.Array, active: jax.Array) -> jax.Array:
    """log Dirichlet(π_A; α_A) over the active components A (the others have π_k = 0):
    log Γ(Σ_A α_k) − Σ_A log Γ(α_k) + Σ_A (α_k − 1) log π_k (0 at π = (1) when |A| = 1)."""
    log_normaliser = gammaln(jnp.sum(jnp.where(active, concentration, 0.0))) - jnp.sum(
        jnp.where(active, gammaln(concentration), 0.0)
    )
    return log_normaliser + jnp.sum(jnp.where(active, xlogy(concentration - 1, weights), 0.0))


class ComponentsConditional(NamedTuple):
    """The conditional of (μ, Σ, π) given z: independent NIW posteriors per component and a
    Dirichlet over the ``active`` ones (default all; the others get weight 0). ``sample(key)`` →
    (μ, Σ, π); ``log_density(μ, Σ, π)`` → log q."""

    posterior: NIWParameters
    concentration: jax.Array  # α + n_k
    active: jax.Array | None = None  # (K,) bool

    def sample(self, key: jax.Array):
        """One Gamma call for the Bartlett diagonals and the Dirichlet, one normal call for the rest.
        The Gamma elements go in the order active Bartlett, active Dirichlet, then the others', so
        that an active component's variates have the indices they have without the others."""
        shapes = bartlett_shapes(self.posterior)
        num_components, dimension = shapes.shape
        active = jnp.ones(num_components, bool) if self.active is None else self.active
        gamma_key, normal_key = jax.random.split(key)
        all_shapes = jnp.concatenate([shapes.ravel(), self.concentration])
        group = jnp.concatenate([jnp.repeat(jnp.where(active, 0, 2), dimension), jnp.where(active, 1, 3)])
        order = jnp.argsort(group, stable=True)
        log_gammas = jnp.zeros_like(all_shapes).at[order].set(log_gamma(gamma_key, all_shapes[order]))
        num_normals = dimension * (dimension - 1) // 2 + dimension  # below A's diagonal, then μ's noise
        normals = jax.random.normal(normal_key, (num_components, num_normals), shapes.dtype)
        means, covariances = bartlett_niw(self.posterior, log_gammas[: shapes.size].reshape(shapes.shape), normals)
        weights = weights_from_log_gamma(jnp.where(active, log_gammas[shapes.size :], -jnp.inf))
        return means, covariances, jnp.where(active, weights, 0.0)

    def log_density(self, means, covariances, weights) -> jax.Array:
        active = jnp.ones(weights.shape, bool) if self.active is None else self.active
        niw = jnp.where(active, niw_log_density(means, covariances, self.posterior), 0.0)
        return jnp.sum(niw) + dirichlet_log_density(weights, self.concentration, active)


def components_conditional(stats: ScatterStatistics, prior: NIWPrior) -> ComponentsConditional:
    """(μ_k, Σ_k) | z, x ~ NIW posterior; π | z ~ Dirichlet(α + n)."""
    num_components = stats.counts.shape[0]
    posterior = niw_posterior(stats, prior_parameters(prior, num_components))
    return ComponentsConditional(posterior, prior.concentration + stats.counts)


def log_joint(state: MultivariateGibbsState, stats: ScatterStatistics, prior: NIWPrior, num_active=None) -> jax.Array:
    """log p(π, μ, Σ, z, x) with the likelihood from ``stats`` (which summarise ``state.assignments``):
    Σ_k [−n_k D/2 log 2π − n_k/2 log|Σ_k| − ½ tr(Σ_k⁻¹ M_k)], M_k = Σ_{z_i=k} (x_i − μ_k)(x_i − μ_k)ᵀ,
    over the first ``num_active`` components (default all; the model of that many)."""
    num_components, dimension = state.means.shape
    active = _active(num_components, num_active)
    parameters = prior_parameters(prior, num_components)
    trils = jnp.linalg.cholesky(state.covariances)
    mean_trils = trils / jnp.sqrt(parameters.pseudo_count)[:, None, None]
    log_prior = (
        dirichlet_log_density(state.weights, jnp.full_like(state.weights, prior.concentration), active)
        + jnp.sum(jnp.where(active, inverse_wishart_log_density(trils, parameters.df, parameters.scale), 0.0))
        + jnp.sum(jnp.where(active, mvn_log_density(state.means, parameters.loc, mean_trils), 0.0))
    )
    whitened = jax.scipy.linalg.solve_triangular(trils, stats.scatter_around(state.means), lower=True)
    trace = jnp.trace(
        jax.scipy.linalg.solve_triangular(trils, jnp.swapaxes(whitened, -1, -2), lower=True), axis1=-2, axis2=-1
    )
    log_likelihood = jnp.sum(
        jnp.where(
            active,
            -0.5 * stats.counts * (dimension * jnp.log(2 * jnp.pi) + log_det_from_cholesky(trils)) - 0.5 * trace,
            0.0,
        )
    )
    return log_prior + jnp.sum(xlogy(stats.counts, state.weights)) + log_likelihood


Sweep = Callable[..., tuple[MultivariateGibbsState, jax.Array]]


def make_sweep(
    conditional: Callable[[ScatterStatistics, NIWPrior], ComponentsConditional] = components_conditional,
) -> Sweep:
    """A sweep ``(key, state, data, prior, mask=None, num_active=None) -> (new state, its log joint)``:
    z, then (μ, Σ, π) from ``conditional`` (exact by default; the tests pass broken ones as
    controls). Points with ``mask`` 0 (padding) are assigned but count in no statistic; components
    k ≥ ``num_active`` (default none) keep weight 0 (module docstring)."""

    def sweep(key, old: MultivariateGibbsState, data, prior: NIWPrior, mask=None, num_active=None):
        assignments_key, components_key = jax.random.split(key)
        logits = mvn_mixture_logits(data, old.weights, old.means, old.covariances)
        assignments = draw_assignments(assignments_key, logits, num_active)
        stats = component_statistics(data, assignments, old.means, mask)
        active = None if num_active is None else _active(old.weights.shape[0], num_active)
        means, covariances, weights = conditional(stats, prior)._replace(active=active).sample(components_key)
        new = MultivariateGibbsState(weights, means, covariances, assignments)
        return new, log_joint(new, stats, prior, num_active)

    return sweep


_exact_sweep = make_sweep()


def initial_state(
    key, data, num_components: int, prior: NIWPrior, mask=None, num_active=None
) -> MultivariateGibbsState:
    """Greedy k-means++ seeded means among the real points (``engine.seeding``), Σ_k at the prior
    mode Ψ/(ν + D + 1), π uniform over the first ``num_active`` components (default all, the
    others 0), every point assigned to its most probable component."""
    means = greedy_kmeans_plus_plus(key, data, num_components, mask, num_active)
    dimension = data.shape[1]
    mode = prior.scale_matrix / (prior.df + dimension + 1)
    covariances = jnp.broadcast_to(mode, (num_components, dimension, dimension))
    used = num_components if num_active is None else num_active
    weights = jnp.where(_active(num_components, num_active), 1.0 / jnp.asarray(used, data.dtype), 0.0)
    assignments = jnp.argmax(mvn_mixture_logits(data, weights, means, covariances), axis=-1).astype(jnp.int32)
    return MultivariateGibbsState(weights, means, covariances, assignments)


def _unpack(prior: NIWPrior | ActivePrior) -> tuple[NIWPrior, jax.Array | None]:
    """(the NIW prior, the number of active components as an int array, or None for all)."""
    if isinstance(prior, ActivePrior):
        return prior.prior, jnp.asarray(prior.num_active).astype(jnp.int32)
    return prior, None


@dataclasses.dataclass(frozen=True)
class MultivariateGibbsKernel:
    """The blocked Gibbs sweep as a kernel of the engine (``engine.chains.Kernel``): chains start at
    ``initial_state`` and every draw records π, μ, Σ, the log joint and, if ``keep_assignments``, z.
    Conditioned on an ``NIWPrior`` (all ``num_components`` active) or an ``ActivePrior``."""

    num_components: int
    keep_assignments: bool = True
    sweep: Sweep = _exact_sweep

    monitored: ClassVar[dict[str, str]] = {"log_joint": "the log joint"}

    def init(self, key, data, prior: NIWPrior | ActivePrior, mask) -> MultivariateGibbsState:
        niw, num_active = _unpack(prior)
        return initial_state(key, data, self.num_components, niw, mask, num_active)

    def step(self, key, state: MultivariateGibbsState, data, prior: NIWPrior | ActivePrior, mask):
        niw, num_active = _unpack(prior)
        return self.sweep(key, state, data, niw, mask, num_active)

    def record(self, state: MultivariateGibbsState, log_joint) -> dict[str, jax.Array]:
        row = {"weights": state.weights, "means": state.means, "covariances": state.covariances, "log_joint": log_joint}
        return {**row, "assignments": state.assignments} if self.keep_assignments else row

    def cost(self, data: jax.Array) -> int:
        num_points, dimension = data.shape
        return num_points * self.num_components * dimension**2


@dataclasses.dataclass(frozen=True)
class MultivariateGibbsResult:
    """Draws after burn-in of ``num_chains`` chains; ``num_draws = num_sweeps − burn_in``."""

    weights: np.ndarray  # (num_chains, num_draws, K) π
    means: np.ndarray  # (num_chains, num_draws, K, D) μ
    covariances: np.ndarray  # (num_chains, num_draws, K, D, D) Σ
    assignments: np.ndarray | None  # (num_chains, num_draws, N) z, or None if not kept
    log_joint: np.ndarray  # (num_chains, num_draws) log p(π, μ, Σ, z, x)
    burn_in: int  # sweeps discarded before the draws
    rhat: float  # split R-hat of log_joint across chains
    ess: float  # effective sample size of log_joint (all chains)


def gibbs(
    key: jax.Array,
    data,
    num_components: int,
    prior: NIWPrior,
    num_sweeps: int,
    num_chains: int = 4,
    burn_in: int | None = None,
    *,
    keep_assignments: bool | None = None,
    dtype=jnp.float64,
) -> MultivariateGibbsResult:
    """Blocked Gibbs sampling of p(π, μ, Σ, z | data) for ``bayesian_gmm(N, K, D)``, data (N, D).

    Runs ``num_chains`` chains of ``num_sweeps`` sweeps from greedy k-means++ starts, drops the
    first ``burn_in`` (default ``num_sweeps // 4``), and reports the split R-hat and ESS of the log
    joint, warning (``ConvergenceWarning``) when they say the draws cannot be trusted.
    ``keep_assignments`` (default: only if num_chains × num_draws × N ≤ 10⁷) controls whether the
    assignments of every draw are returned; ``dtype=jnp.float32`` runs at single precision.
    Compiled once per (bucket of N, bucket of K, D, dtype, ``keep_assignments``; module docstring);
    the same key gives the same draws whatever the padding.
    """
    points = check_points(data)
    num_components = check_positive_int(num_components, "num_components")
    check_instance(prior, NIWPrior, "prior")
    if prior.dimension != points.shape[1]:
        raise ValueError(f"prior.mean_loc has D = {prior.dimension} but data has D = {points.shape[1]} columns")
    settings = chain_settings(
        key, num_sweeps, num_chains, burn_in, keep_assignments=keep_assignments, dtype=dtype, num_points=points.shape[0]
    )
    kernel = MultivariateGibbsKernel(component_bucket(num_components), settings.keep_assignments)
    draws = sample(
        kernel,
        points,
        ActivePrior(prior, np.asarray(num_components)),
        settings,
        sampler="mv.gibbs",
        sizes={"num_components": num_components},
        steps_per_doubling=DATA_STEPS_PER_DOUBLING,
    )
    values, (rhat, ess) = draws.values, draws.diagnostics["log_joint"]
    return MultivariateGibbsResult(
        weights=values["weights"][..., :num_components],
        means=values["means"][..., :num_components, :],
        covariances=values["covariances"][..., :num_components, :, :],
        assignments=values["assignments"][..., : points.shape[0]] if settings.keep_assignments else None,
        log_joint=values["log_joint"],
        burn_in=settings.burn_in,
        rhat=rhat,
        ess=ess,
    )
