"""Blocked Gibbs sampling for the Bayesian Gaussian mixture model.

The state is one full trace of ``bayesian_gmm(N, K)`` minus the data: weights π, means μ,
variances σ² and assignments z. A sweep redraws four blocks, each from its exact conditional
given the others and the data x (n_k = #{i: z_i = k}, S_k = Σ_{i: z_i = k} x_i):

    z_i  | π, μ, σ², x  ~  Categorical(p_i1 … p_iK),   p_ik ∝ π_k N(x_i; μ_k, σ²_k)
    μ_k  | z, σ², x     ~  Normal(m_k, 1/λ_k),          λ_k = 1/s₀² + n_k/σ²_k,
                                                          m_k = (m₀/s₀² + S_k/σ²_k) / λ_k
    σ²_k | z, μ, x      ~  InverseGamma(a + n_k/2,  b + ½ Σ_{i: z_i = k} (x_i − μ_k)²)
    π    | z            ~  Dirichlet(α + n_1, …, α + n_K)

(prior: π ~ Dirichlet(α·1), μ_k ~ Normal(m₀, s₀²), σ²_k ~ InverseGamma(a, b)). With n_k = 0 the
formulas give the prior itself, so an empty component draws fresh parameters from the prior.
Each block leaves the posterior p(π, μ, σ², z | x) invariant, hence so does the sweep. In GenJAX
terms every block is a Metropolis–Hastings move whose proposal is the conditional, so its
acceptance ratio is exactly 1: ``model.update(trace, {block: new}, prior)`` returns the weight
log p(new, rest) − log p(old, rest) = log q(new | rest) − log q(old | rest). Each
``*_conditional`` function below returns a ``Conditional`` (a sampler and that log q) so that the
sweep and the tests of this identity run the same code. σ² and π are both drawn through Gamma
variables (σ²_k = scale_k / G_k, π = H / ΣH); as π | z does not involve σ², the sweep draws the two
blocks together, from one Gamma call of size 2K, which halves the Gamma sampling to compile.

Numerics. The sufficient statistics are accumulated around a reference point per component
(the means before the update): n_k, Σ(x_i − c_k) and Σ(x_i − c_k)². This avoids the cancellation
in Σx² − n μ² for data far from zero (bento weights near 500 g) and keeps ``dtype=float32``
accurate. Assignments are drawn by inverse CDF with one 32-bit uniform per point (probabilities
are resolved to 2⁻³², far below Monte Carlo error).

Running the chains (``gibbs``). ``GibbsKernel`` is this sweep as a kernel of the engine
(``engine.chains``), which runs it the way it runs every sampler of the package: data padded to a
size bucket with masked points, sweeps in compiled blocks, so one program serves every number of
sweeps, chains (within a group) and data points (within a bucket). Chains start dispersed, from
the data: the means by greedy k-means++ seeding (``engine.seeding``), the variances at the prior
mode b/(a+1), the weights uniform, and every point assigned to its most probable component.
Burn-in: the first ``burn_in`` sweeps are discarded, by default a quarter of them
(``num_sweeps // 4``); the split R-hat of the log joint over the kept draws (≤ 1.01) is the check
that this was enough, and ``gibbs`` warns when it fails or when the effective sample size is too
small.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
from collections.abc import Callable
from typing import ClassVar, NamedTuple

import jax
import jax.numpy as jnp
from genjax import categorical, normal
from jax.scipy.special import xlogy

from ..engine.mcmc import chain_settings, sample
from ..engine.seeding import greedy_kmeans_plus_plus
from ..gamma import log_gamma
from ..models import GMMPrior, inverse_gamma_variance, mixture_weights, weights_from_log_gamma
from ..validation import check_instance, check_magnitude, check_observations, check_positive_int

__all__ = [
    "GibbsState",
    "ComponentStatistics",
    "Conditional",
    "Conditionals",
    "GibbsResult",
    "assignments_conditional",
    "means_conditional",
    "variances_conditional",
    "weights_conditional",
    "component_statistics",
    "log_joint",
    "make_sweep",
    "initial_state",
    "GibbsKernel",
    "gibbs",
]


class GibbsState(NamedTuple):
    """One state of the sampler; the fields are the trace addresses of ``bayesian_gmm``."""

    weights: jax.Array  # (K,) π
    means: jax.Array  # (K,) μ
    variances: jax.Array  # (K,) σ²
    assignments: jax.Array  # (N,) z, the trace's "points"/"component"


class ComponentStatistics(NamedTuple):
    """Sufficient statistics of the points in each component, taken around reference points c_k."""

    counts: jax.Array  # n_k
    reference: jax.Array  # c_k
    deviation_sums: jax.Array  # Σ_{i: z_i = k} (x_i − c_k)
    squared_deviation_sums: jax.Array  # Σ_{i: z_i = k} (x_i − c_k)²

    def squared_deviations_from(self, means: jax.Array) -> jax.Array:
        """Σ_{i: z_i = k} (x_i − μ_k)² = Σ(x_i − c_k)² − 2 d_k Σ(x_i − c_k) + n_k d_k²,
        with d_k = μ_k − c_k."""
        shift = means - self.reference
        total = self.squared_deviation_sums - 2 * shift * self.deviation_sums + self.counts * shift**2
        return jnp.maximum(total, 0.0)  # ≥ 0 exactly; rounding could leave −1e-16


def component_statistics(
    data: jax.Array, assignments: jax.Array, reference: jax.Array, mask: jax.Array | None = None
) -> ComponentStatistics:
    """n_k, Σ(x_i − c_k) and Σ(x_i − c_k)² over the points with z_i = k, c = ``reference``, each
    point weighted by ``mask`` (1 for data, 0 for the padding of a size bucket; default all 1).

    One scatter-add pass over the data per statistic (``segment_sum``), whatever K: on CPU this
    is as fast as one masked sum per component at K = 2–3 and about twice as fast at K = 8
    (docs/benchmarks.md).
    """
    num_components = reference.shape[0]
    weight = jnp.ones_like(data) if mask is None else mask
    deviations = data - reference[assignments]

    def total(values: jax.Array) -> jax.Array:
        return jax.ops.segment_sum(weight * values, assignments, num_components)

    return ComponentStatistics(total(jnp.ones_like(data)), reference, total(deviations), total(deviations**2))


class Conditional(NamedTuple):
    """An exact conditional of one block: ``sample(key)`` draws the block, ``log_density(value)``
    is log q(value | rest), summed over the block.

    A block drawn as a function of independent Gamma variables, block = from_log_gamma(log G) with
    G_k ~ Gamma(gamma_shape_k), also records ``gamma_shape`` and ``from_log_gamma`` (see
    ``_gamma_conditional``), so that the sweep can draw several such blocks in one Gamma call.
    """

    sample: Callable[[jax.Array], jax.Array]
    log_density: Callable[[jax.Array], jax.Array]
    gamma_shape: jax.Array | None = None
    from_log_gamma: Callable[[jax.Array], jax.Array] | None = None


def _gamma_conditional(
    gamma_shape: jax.Array,
    from_log_gamma: Callable[[jax.Array], jax.Array],
    log_density: Callable[[jax.Array], jax.Array],
) -> Conditional:
    """The conditional of block = from_log_gamma(log G), G_k ~ Gamma(gamma_shape_k) independently.
    Log space (``gamma.log_gamma``) keeps G_k > 0 however small its shape."""
    return Conditional(
        sample=lambda key: from_log_gamma(log_gamma(key, gamma_shape)),
        log_density=log_density,
        gamma_shape=gamma_shape,
        from_log_gamma=from_log_gamma,
    )


def _sample_independent_blocks(key: jax.Array, *blocks: Conditional) -> list[jax.Array]:
    """One draw of each block, independently: a joint draw from Π_b q_b, which is the blocks'
    joint conditional when they are conditionally independent given the rest.

    If every block is Gamma-based, all come from one ``gamma.log_gamma`` call over their
    concatenated shapes, so one rejection sampler is compiled and run instead of one per block.
    """
    if any(block.gamma_shape is None for block in blocks):
        return [block.sample(block_key) for block, block_key in zip(blocks, jax.random.split(key, len(blocks)))]
    shapes = jnp.concatenate([block.gamma_shape for block in blocks])
    ends = list(itertools.accumulate(block.gamma_shape.size for block in blocks))
    log_gammas = jnp.split(log_gamma(key, shapes), ends[:-1])
    return [block.from_log_gamma(log_gamma) for block, log_gamma in zip(blocks, log_gammas)]


UNROLLED_CATEGORIES = 16
"""Up to this many components the inverse CDF is unrolled column by column."""


def _sample_categorical(key: jax.Array, logits: jax.Array) -> jax.Array:
    """One draw per row of softmax(logits) (N, K) by inverse CDF with one 32-bit uniform u per row:
    z = #{k < K−1: F_k < u F_{K−1}}, F_k = Σ_{j ≤ k} exp(logit_j − max logit).

    For K ≤ ``UNROLLED_CATEGORIES`` it is written column by column (K is static) so that XLA
    fuses it into one pass over the rows; beyond, with a cumulative sum, so that the program's
    size does not grow with K. A category of probability 0 is never drawn.
    """
    bits = jax.random.bits(key, logits.shape[:1], jnp.uint32)
    uniform = (bits.astype(logits.dtype) + 0.5) * 2.0**-32
    if logits.shape[1] > UNROLLED_CATEGORIES:
        cumulative = jnp.cumsum(jnp.exp(logits - logits.max(axis=1, keepdims=True)), axis=1)
        below = cumulative[:, :-1] < (uniform * cumulative[:, -1])[:, None]
        return jnp.sum(below, axis=1, dtype=jnp.int32)
    columns = [logits[:, k] for k in range(logits.shape[1])]
    largest = functools.reduce(jnp.maximum, columns)
    cumulative = list(itertools.accumulate(jnp.exp(column - largest) for column in columns))
    threshold = uniform * cumulative[-1]
    below = ((partial_sum < threshold).astype(jnp.int32) for partial_sum in cumulative[:-1])
    return sum(below, start=jnp.zeros(largest.shape, jnp.int32))


def _assignment_logits(data: jax.Array, weights: jax.Array, means: jax.Array, variances: jax.Array) -> jax.Array:
    """log p_ik = log π_k − ½ log σ²_k − (x_i − μ_k)²/(2σ²_k): log π_k N(x_i; μ_k, σ²_k) + ½ log 2π."""
    return jnp.log(weights) - 0.5 * jnp.log(variances) - 0.5 * (data[:, None] - means) ** 2 / variances


def assignments_conditional(
    data: jax.Array, weights: jax.Array, means: jax.Array, variances: jax.Array
) -> Conditional:
    """z_i | π, μ, σ², x ~ Categorical(p_i), independently for every point, with
    log p_ik = log π_k − ½ log σ²_k − (x_i − μ_k)²/(2σ²_k) + const."""
    logits = _assignment_logits(data, weights, means, variances)
    return Conditional(
        sample=lambda key: _sample_categorical(key, logits),
        log_density=lambda z: jnp.sum(categorical.logpdf(z, logits)),
    )


def means_conditional(stats: ComponentStatistics, variances: jax.Array, prior: GMMPrior) -> Conditional:
    """μ_k | z, σ², x ~ Normal(m_k, 1/λ_k) with precision λ_k = 1/s₀² + n_k/σ²_k and mean
    m_k = (m₀/s₀² + S_k/σ²_k) / λ_k.

    m_k is computed as c_k + ((m₀ − c_k)/s₀² + Σ(x_i − c_k)/σ²_k)/λ_k, the same number without
    cancellation.
    """
    prior_precision = prior.mean_scale**-2
    precision = prior_precision + stats.counts / variances
    pull = (prior.mean_loc - stats.reference) * prior_precision + stats.deviation_sums / variances
    loc = stats.reference + pull / precision
    scale = jax.lax.rsqrt(precision)
    return Conditional(
        sample=lambda key: loc + scale * jax.random.normal(key, loc.shape, loc.dtype),
        log_density=lambda means: jnp.sum(normal.logpdf(means, loc, scale)),
    )


def variances_conditional(stats: ComponentStatistics, means: jax.Array, prior: GMMPrior) -> Conditional:
    """σ²_k | z, μ, x ~ InverseGamma(a + n_k/2, b + ½ Σ_{i: z_i = k} (x_i − μ_k)²), drawn as
    σ²_k = (b + ½ Σ(x_i − μ_k)²) / G_k with G_k ~ Gamma(a + n_k/2)."""
    shape = prior.var_shape + 0.5 * stats.counts
    scale = prior.var_scale + 0.5 * stats.squared_deviations_from(means)
    return _gamma_conditional(
        shape,
        from_log_gamma=lambda log_gamma: scale * jnp.exp(-log_gamma),
        log_density=lambda variances: jnp.sum(inverse_gamma_variance.logpdf(variances, shape, scale)),
    )


def weights_conditional(stats: ComponentStatistics, prior: GMMPrior) -> Conditional:
    """π | z ~ Dirichlet(α + n_1, …, α + n_K), drawn as π = H / Σ_k H_k with H_k ~ Gamma(α + n_k)
    (the softmax of log H)."""
    concentration = prior.concentration + stats.counts
    return _gamma_conditional(
        concentration,
        from_log_gamma=weights_from_log_gamma,
        log_density=lambda weights: mixture_weights.logpdf(weights, concentration),
    )


class Conditionals(NamedTuple):
    """The four block conditionals a sweep draws from, in sweep order (exact by default)."""

    assignments: Callable[..., Conditional] = assignments_conditional
    means: Callable[..., Conditional] = means_conditional
    variances: Callable[..., Conditional] = variances_conditional
    weights: Callable[..., Conditional] = weights_conditional


def log_joint(state: GibbsState, stats: ComponentStatistics, prior: GMMPrior) -> jax.Array:
    """log p(π, μ, σ², z, x), with the likelihood Σ_i log N(x_i; μ_{z_i}, σ²_{z_i}) from ``stats``
    (which must summarise ``state.assignments``)."""
    log_prior = (
        mixture_weights.logpdf(state.weights, jnp.full_like(state.weights, prior.concentration))
        + jnp.sum(normal.logpdf(state.means, prior.mean_loc, prior.mean_scale))
        + jnp.sum(inverse_gamma_variance.logpdf(state.variances, prior.var_shape, prior.var_scale))
    )
    log_assignments = jnp.sum(xlogy(stats.counts, state.weights))  # 0 · log 0 = 0 for an empty component
    log_likelihood = jnp.sum(
        -0.5 * stats.counts * jnp.log(2 * jnp.pi * state.variances)
        - 0.5 * stats.squared_deviations_from(state.means) / state.variances
    )
    return log_prior + log_assignments + log_likelihood


Sweep = Callable[..., tuple[GibbsState, jax.Array]]


EXACT_CONDITIONALS = Conditionals()


def make_sweep(conditionals: Conditionals = EXACT_CONDITIONALS) -> Sweep:
    """A Gibbs sweep ``(key, state, data, prior, mask=None) -> (new state, its log joint)``: z, then
    μ, σ², π, each drawn from ``conditionals`` given the latest values of the others (σ² and π
    together: π | z does not involve σ², so drawing them independently is drawing σ², then π).
    Points with ``mask`` 0 (padding) are assigned but count in no statistic, so they change
    nothing else."""

    def sweep(key: jax.Array, old: GibbsState, data: jax.Array, prior: GMMPrior, mask: jax.Array | None = None):
        key_z, key_means, key_rest = jax.random.split(key, 3)
        assignments = conditionals.assignments(data, old.weights, old.means, old.variances).sample(key_z)
        stats = component_statistics(data, assignments, reference=old.means, mask=mask)
        means = conditionals.means(stats, old.variances, prior).sample(key_means)
        variances, weights = _sample_independent_blocks(  # π | z does not depend on σ²
            key_rest, conditionals.variances(stats, means, prior), conditionals.weights(stats, prior)
        )
        new = GibbsState(weights, means, variances, assignments)
        return new, log_joint(new, stats, prior)

    return sweep


_exact_sweep = make_sweep()


def initial_state(
    key: jax.Array, data: jax.Array, num_components: int, prior: GMMPrior, mask: jax.Array | None = None
) -> GibbsState:
    """A dispersed, data-based start: greedy k-means++ seeded means (``engine.seeding``), σ²_k = b/(a+1)
    (the prior mode), π uniform, each point assigned to its most probable component. Only points
    with ``mask`` 1 (default all) are candidate means."""
    means = greedy_kmeans_plus_plus(key, data[:, None], num_components, mask)[:, 0]
    variances = jnp.full(num_components, prior.var_scale / (prior.var_shape + 1), data.dtype)
    weights = jnp.full(num_components, 1.0 / num_components, data.dtype)
    logits = _assignment_logits(data, weights, means, variances)
    return GibbsState(weights, means, variances, jnp.argmax(logits, axis=-1).astype(jnp.int32))


@dataclasses.dataclass(frozen=True)
class GibbsKernel:
    """The blocked Gibbs sweep as a kernel of the engine (``engine.chains.Kernel``): chains start at
    ``initial_state`` and every draw records π, μ, σ, the log joint and, if ``keep_assignments``,
    z. ``sweep`` is exact by default; the tests pass broken ones as controls."""

    num_components: int
    keep_assignments: bool = True
    sweep: Sweep = _exact_sweep

    monitored: ClassVar[dict[str, str]] = {"log_joint": "the log joint"}

    def init(self, key: jax.Array, data: jax.Array, prior: GMMPrior, mask: jax.Array) -> GibbsState:
        return initial_state(key, data, self.num_components, prior, mask)

    def step(self, key: jax.Array, state: GibbsState, data: jax.Array, prior: GMMPrior, mask: jax.Array):
        return self.sweep(key, state, data, prior, mask)

    def record(self, state: GibbsState, log_joint: jax.Array) -> dict[str, jax.Array]:
        row = {"weights": state.weights, "means": state.means, "stds": jnp.sqrt(state.variances)}
        row["log_joint"] = log_joint
        return {**row, "assignments": state.assignments} if self.keep_assignments else row

    def cost(self, data: jax.Array) -> int:
        return data.shape[0] * self.num_components


@dataclasses.dataclass(frozen=True)
class GibbsResult:
    """Draws of ``num_chains`` chains after burn-in; ``num_draws = num_sweeps − burn_in``."""

    weights: jax.Array  # (num_chains, num_draws, K) π
    means: jax.Array  # (num_chains, num_draws, K) μ
    stds: jax.Array  # (num_chains, num_draws, K) σ
    assignments: jax.Array | None  # (num_chains, num_draws, N) z, or None if not kept
    log_joint: jax.Array  # (num_chains, num_draws) log p(π, μ, σ², z, x)
    burn_in: int  # sweeps discarded before the draws
    rhat: float  # split R-hat of log_joint across chains
    ess: float  # effective sample size of log_joint (all chains)


def gibbs(
    key: jax.Array,
    data,
    num_components: int,
    prior: GMMPrior,
    num_sweeps: int,
    num_chains: int = 4,
    burn_in: int | None = None,
    *,
    keep_assignments: bool | None = None,
    dtype=jnp.float64,
) -> GibbsResult:
    """Blocked Gibbs sampling of p(π, μ, σ², z | data) for ``bayesian_gmm(N, num_components)``.

    Runs ``num_chains`` chains of ``num_sweeps`` sweeps from dispersed data-based starts, drops
    the first ``burn_in`` sweeps (default ``num_sweeps // 4``) and reports split R-hat and ESS
    of the log joint, warning (``ConvergenceWarning``) when they say the draws cannot be trusted.
    ``keep_assignments`` (default: only if num_chains × num_draws × N ≤ 10⁷) controls whether the
    assignments of every draw are returned (else ``assignments`` is None). ``dtype=jnp.float32``
    runs faster at single precision.

    Compiled once per K, dtype, ``keep_assignments`` and bucket of N (≤ 32, 33–36, …); other
    values of ``num_sweeps``, ``burn_in``, ``num_chains`` or N within a bucket reuse the program
    (``engine.buckets``). The same key gives the same draws.
    """
    data = check_magnitude(check_observations(data), "data")
    num_components = check_positive_int(num_components, "num_components")
    check_instance(prior, GMMPrior, "prior")
    settings = chain_settings(
        key, num_sweeps, num_chains, burn_in, keep_assignments=keep_assignments, dtype=dtype, num_points=data.size
    )
    kernel = GibbsKernel(num_components, settings.keep_assignments)
    draws = sample(kernel, data, prior, settings, sampler="gibbs", sizes={"num_components": num_components})
    values, (rhat, ess) = draws.values, draws.diagnostics["log_joint"]
    return GibbsResult(
        weights=jax.device_put(values["weights"]),
        means=jax.device_put(values["means"]),
        stds=jax.device_put(values["stds"]),
        assignments=jax.device_put(values["assignments"][..., : data.size]) if settings.keep_assignments else None,
        log_joint=jax.device_put(values["log_joint"]),
        burn_in=settings.burn_in,
        rhat=rhat,
        ess=ess,
    )
