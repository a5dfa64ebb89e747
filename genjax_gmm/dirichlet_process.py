"""The Dirichlet-process mixture of 1-D Gaussians: its prior, its GenJAX models and the
conjugate formulas that sum each kind's parameters out.

Partition. n customers enter a Chinese restaurant one by one; customer i + 1 sits at an occupied
table k with probability n_k / (α + i) and at a new table with probability α / (α + i). Tables
are labelled 0, 1, 2, … in order of opening. The probability of a partition with block sizes
n_1 … n_K does not depend on the order of arrival:

    p(z) = α^K Γ(α) / Γ(α + n) · Π_k (n_k − 1)!,          E[K] = Σ_{i=0}^{n−1} α / (α + i).

Kinds. Each table k gets a variance and a mean from the Normal-Inverse-Gamma base measure
(``DPMMPrior``: m₀ = mean_loc, κ₀ = mean_pseudo_count, a = var_shape, b = var_scale),

    σ²_k ~ InverseGamma(a, b),    μ_k | σ²_k ~ Normal(m₀, σ²_k / κ₀),    x_i ~ Normal(μ_{z_i}, σ²_{z_i}).

Conjugacy. For the n points x_I of one block, with mean x̄ and spread SS = Σ (x_i − x̄)², the
posterior is again Normal-Inverse-Gamma with κ_n = κ₀ + n, m_n = m₀ + n (x̄ − m₀) / κ_n,
a_n = a + n/2 and b_n = b + (SS + κ₀ n / κ_n · (x̄ − m₀)²) / 2, and the parameters integrate out
in closed form:

    log m(x_I) = log Γ(a_n) − log Γ(a) + a log b − a_n log b_n + ½ log(κ₀/κ_n) − (n/2) log 2π,
    p(x | x_I) = Student-t(x; 2 a_n, m_n, b_n (κ_n + 1) / (a_n κ_n))     (predictive; n = 0: prior).

The blocks are summarised by (n, x̄, SS), not by (n, Σx, Σx²): b_n = b + (Σx² + κ₀ m₀² − κ_n m_n²)/2
subtracts numbers of size n x̄² (or κ₀ m₀²) that agree in every digit the spread would need: the
log joint of two tables of spread 0.01 at ±10⁷ came out 1.2 nats off, with κ₀ = 10²⁰ 111 nats
off (tests/test_robustness_dp.py). A point joins or leaves a block by Welford's update
(``moved``), and is never added as x² to a running sum.

GenJAX models (addresses):

* ``chinese_restaurant(n)(concentration)``: ``"customers"`` / ``"table"`` (n,) int labels in
  order of opening; returns the labels. Number of tables: ``labels.max() + 1``.
* ``dp_mixture(n)(prior)``: ``"partition"`` / ``"customers"`` / ``"table"`` (n,), then
  ``"variances"`` (n,) and ``"means"`` (n,) for tables 0 … n−1 (those no one sits at are
  drawn but unused), then ``"x"`` (n,). Returns x.
* ``collapsed_dp_mixture(n)(prior)``: the same partition and data with the parameters summed
  out: customer i's ``"table"`` then ``"x"`` from the predictive of its table's earlier
  customers, both under ``"customers"`` (n,). ``assess`` gives log p(z) + log p(x | z).

The closed forms (marginal likelihood, predictive, partition probability) are jitted: called
from a notebook, each is one compiled program per shape, not one per operation.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from genjax import Scan, categorical, const, gen, inverse_gamma, normal, student_t
from genjax.core import distribution, wrap_logpdf
from jax.scipy.special import gammaln
from scipy.special import digamma

from .validation import (
    cached_by_counts,
    check_positive,
    check_positive_int,
    check_positive_scalar,
    check_prior_fields,
    is_traced,
    register_prior_pytree,
)

__all__ = [
    "DPMMPrior",
    "ClusterStatistics",
    "welford_update",
    "moved",
    "seating_logits",
    "expected_num_tables",
    "log_partition_probability",
    "log_marginal_likelihood",
    "Predictive",
    "predictive",
    "predictive_log_density",
    "chinese_restaurant",
    "dp_mixture",
    "collapsed_dp_mixture",
]


@dataclasses.dataclass(frozen=True)
class DPMMPrior:
    """Prior of the Dirichlet-process mixture: partition ~ CRP(concentration); per kind
    σ² ~ InverseGamma(var_shape, var_scale) (density ∝ v^−(a+1) e^(−b/v)) and
    μ | σ² ~ Normal(mean_loc, σ² / mean_pseudo_count).

    Every field must be a positive number except ``mean_loc``, which must be finite, all within
    the range whose squares float64 holds (``validation.check_prior_fields``). A JAX pytree.
    """

    concentration: float
    mean_loc: float
    mean_pseudo_count: float
    var_shape: float
    var_scale: float

    def __post_init__(self):
        check_prior_fields(self, location_field="mean_loc")

    def shifted(self, offset) -> DPMMPrior:
        """The same prior for data x − offset (only the location moves)."""
        return dataclasses.replace(self, mean_loc=self.mean_loc - offset)


register_prior_pytree(DPMMPrior)


class ClusterStatistics(NamedTuple):
    """Sufficient statistics of each block: n_k, its mean x̄_k and its spread SS_k = Σ (x_i − x̄_k)²
    (an empty block: 0, 0, 0)."""

    counts: jax.Array
    means: jax.Array
    spreads: jax.Array


def welford_update(count, mean, spread, x, weight, xp=jnp):
    """(n', x̄', SS') of a block after point x is added (``weight`` 1), removed (−1) or left (0), by
    Welford's update n' = n + w, x̄' = x̄ + w (x − x̄)/n', SS' = SS + w (x − x̄)(x − x̄'); a block left
    empty gets (0, 0, 0). ``xp`` is ``jax.numpy`` or ``numpy``; the arguments broadcast."""
    new_count = count + weight
    occupied = new_count > 0
    new_mean = xp.where(occupied, mean + weight * (x - mean) / xp.where(occupied, new_count, 1.0), 0.0)
    new_spread = xp.where(occupied, xp.maximum(spread + weight * (x - mean) * (x - new_mean), 0.0), 0.0)
    return new_count, new_mean, new_spread


def moved(stats: ClusterStatistics, label, x, weight) -> ClusterStatistics:
    """The statistics with point x added to block ``label`` (``weight`` 1), removed (−1) or left (0)
    (``welford_update``)."""
    updated = welford_update(*(value[label] for value in stats), x, weight)
    return ClusterStatistics(*(value.at[label].set(new) for value, new in zip(stats, updated)))


def _posterior(counts, means, spreads, prior: DPMMPrior):
    """(κ_n, m_n, a_n, b_n) of the Normal-Inverse-Gamma posterior given each block's statistics."""
    kappa = prior.mean_pseudo_count + counts
    offset = means - prior.mean_loc
    loc = prior.mean_loc + counts * offset / kappa
    shape = prior.var_shape + 0.5 * counts
    spread = spreads + prior.mean_pseudo_count * counts / kappa * offset**2
    return kappa, loc, shape, prior.var_scale + 0.5 * spread


def log_marginal_formula(counts, means, spreads, prior: DPMMPrior, xp=jnp, log_gamma=gammaln):
    """log m(x_I) of each block from (n, x̄, Σ(x − x̄)²); 0 for an empty block (module docstring).
    ``xp`` and ``log_gamma`` are ``jax.numpy`` and its ``gammaln``, or NumPy and SciPy's, for host
    arithmetic that compiles nothing."""
    kappa, _, shape, scale = _posterior(counts, means, spreads, prior)
    return (
        log_gamma(shape)
        - log_gamma(prior.var_shape)
        + prior.var_shape * xp.log(prior.var_scale)
        - shape * xp.log(scale)
        + 0.5 * xp.log(prior.mean_pseudo_count / kappa)
        - 0.5 * counts * xp.log(2 * xp.pi)
    )


@jax.jit
def log_marginal_likelihood(counts, means, spreads, prior: DPMMPrior) -> jax.Array:
    """log m(x_I) of each block from (n, x̄, Σ(x − x̄)²); 0 for an empty block (module docstring)."""
    return log_marginal_formula(counts, means, spreads, prior)


def _predictive(counts, means, spreads, prior: DPMMPrior):
    """(degrees of freedom, location, scale) of the Student-t predictive of each block."""
    kappa, loc, shape, scale = _posterior(counts, means, spreads, prior)
    return 2 * shape, loc, jnp.sqrt(scale * (kappa + 1) / (shape * kappa))


class Predictive(NamedTuple):
    """A Student-t predictive: log p(x) = log_normaliser − (ν + 1)/2 · log(1 + ((x − loc)/scale)²/ν)."""

    df: jax.Array  # ν
    loc: jax.Array
    scale: jax.Array
    log_normaliser: jax.Array  # log Γ((ν+1)/2) − log Γ(ν/2) − ½ log(νπ) − log scale

    def log_density(self, x) -> jax.Array:
        return self.log_normaliser - 0.5 * (self.df + 1) * jnp.log1p(((x - self.loc) / self.scale) ** 2 / self.df)


@jax.jit
def predictive(counts, means, spreads, prior: DPMMPrior) -> Predictive:
    """The Student-t predictive of a new point given each block's (n, x̄, Σ(x − x̄)²) (n = 0: the prior's)."""
    df, loc, scale = _predictive(counts, means, spreads, prior)
    log_normaliser = gammaln(0.5 * (df + 1)) - gammaln(0.5 * df) - 0.5 * jnp.log(df * jnp.pi) - jnp.log(scale)
    return Predictive(df, loc, scale, log_normaliser)


@jax.jit
def predictive_log_density(x, counts, means, spreads, prior: DPMMPrior) -> jax.Array:
    """log p(x | block) for each block (broadcasting ``x`` against the statistics)."""
    return predictive(counts, means, spreads, prior).log_density(x)


@jax.jit
def log_partition_probability(counts, concentration) -> jax.Array:
    """log p(z) under CRP(α) from the block sizes (zeros ignored): K log α + log Γ(α) −
    log Γ(α + n) + Σ_k log Γ(n_k)."""
    occupied = counts > 0
    return (
        jnp.sum(occupied) * jnp.log(concentration)
        + gammaln(concentration)
        - gammaln(concentration + jnp.sum(counts))
        + jnp.sum(jnp.where(occupied, gammaln(jnp.where(occupied, counts, 1.0)), 0.0))
    )


EXACT_SUM_CUSTOMERS = 2**20
"""``expected_num_tables`` adds the n terms α/(α + i) one by one up to this many customers."""

ASYMPTOTIC_CONCENTRATION = 1e3
"""From this α on, ``expected_num_tables`` uses ψ's asymptotic series (error below α⁻⁸/100)."""


def _digamma_difference(concentration: float, num_customers: int) -> float:
    """ψ(α + n) − ψ(α) for α ≥ ``ASYMPTOTIC_CONCENTRATION`` without cancellation: ψ(x) = log x − 1/(2x)
    − 1/(12x²) + 1/(120x⁴) − 1/(252x⁶) + O(x⁻⁸), its logarithms combined as log1p(n/α)."""
    def correction(x):
        y = 1 / x
        return y * (-1 / 2 + y * (-1 / 12 + y**2 * (1 / 120 - y**2 / 252)))

    alpha, n = concentration, num_customers
    return math.log1p(n / alpha) + correction(alpha + n) - correction(alpha)


def expected_num_tables(num_customers: int, concentration: float) -> float:
    """E[K] = Σ_{i=0}^{n−1} α / (α + i) = α (ψ(α + n) − ψ(α)), the mean number of occupied tables
    after n customers (ψ the digamma function: ψ(x + 1) = ψ(x) + 1/x telescopes the sum).

    The difference of digammas cancels when α ≫ n, so up to ``EXACT_SUM_CUSTOMERS`` customers the
    sum itself is added, as n − Σ i / (α + i) when α ≥ n (small terms, each rounded once,
    and the result never above n). Beyond, ψ's asymptotic series with log1p for
    α ≥ ``ASYMPTOTIC_CONCENTRATION`` (rounded to at most n), else 1 + α (ψ(α + n) − ψ(α + 1)), a
    difference of at least log 1000 that keeps its digits."""
    n = check_positive_int(num_customers, "num_customers")
    alpha = check_positive_scalar(concentration, "concentration")
    if n <= EXACT_SUM_CUSTOMERS:
        i = np.arange(n)
        return float(n - np.sum(i / (alpha + i)) if alpha >= n else np.sum(alpha / (alpha + i)))
    if alpha >= ASYMPTOTIC_CONCENTRATION:
        return min(alpha * _digamma_difference(alpha, n), float(n))
    return float(1.0 + alpha * (digamma(alpha + n) - digamma(alpha + 1)))  # ψ(α) = ψ(α + 1) − 1/α


def seating_logits(counts, log_predictive, log_predictive_new, concentration) -> jax.Array:
    """Unnormalised log probabilities of the tables (labels 0 … L−1) for one customer:
    log n_k + log p(x | table k) at an occupied table, log α + log p(x) at the smallest free
    label (the new table), −∞ at every other free label. There must be a free label."""
    occupied = counts > 0
    logits = jnp.where(occupied, jnp.log(jnp.where(occupied, counts, 1.0)) + log_predictive, -jnp.inf)
    return logits.at[jnp.argmin(occupied)].set(jnp.log(concentration) + log_predictive_new)


def _seat_log_probability(table, logits) -> jax.Array:
    """log softmax(logits)[table], and −∞ for a table outside 0 … L−1 (where indexing, and TFP's
    categorical, would read another entry: ``assess`` of an impossible partition must give −∞)."""
    inside = (table >= 0) & (table < logits.shape[-1])
    return jnp.where(inside, jax.nn.log_softmax(logits)[jnp.clip(table, 0, logits.shape[-1] - 1)], -jnp.inf)


seat = distribution(categorical.sample, wrap_logpdf(_seat_log_probability), name="seat")
"""One customer's table: drawn as ``categorical(logits)``, scored −∞ outside the labels 0 … L−1."""


def _check_concentration(concentration):
    """α of the CRP models: one positive number. A ``TypeError`` for anything else (a prior, None,
    an array), a ``ValueError`` for α ≤ 0, NaN or ∞, at once when α is concrete; when it is traced
    (``genjax.seed``, jit), from the running program (``jax.debug.callback``), since a partition
    drawn with such an α would mean nothing."""
    if isinstance(concentration, DPMMPrior):
        raise TypeError(
            "concentration must be the CRP's α, one positive number, got a DPMMPrior: pass "
            "prior.concentration, or use dp_mixture(n) / collapsed_dp_mixture(n), which take the prior"
        )
    if not is_traced(*jax.tree.leaves(concentration)):
        return check_positive_scalar(concentration, "concentration")
    if not is_traced(concentration) or concentration.shape != () or concentration.dtype.kind not in "iuf":
        got = f"an array of shape {concentration.shape}" if is_traced(concentration) else type(concentration).__name__
        raise TypeError(f"concentration must be one positive number (the CRP's α), got {got}")
    jax.debug.callback(functools.partial(check_positive, name="concentration"), concentration)
    return concentration


def _check_prior(prior) -> DPMMPrior:
    """``prior`` itself if it is a ``DPMMPrior``, else a ``TypeError`` that says what to pass."""
    if not isinstance(prior, DPMMPrior):
        got = "a number or array" if is_traced(prior) else type(prior).__name__
        raise TypeError(
            "prior must be a DPMMPrior(concentration, mean_loc, mean_pseudo_count, var_shape, var_scale), "
            f"got {got}"
        )
    return prior


@gen
def _seat(table_sizes, concentration):
    """One customer: a table by the CRP rule, given the sizes of the tables so far."""
    table = seat(seating_logits(table_sizes, 0.0, 0.0, concentration)) @ "table"
    return table_sizes.at[table].add(1.0), table


@cached_by_counts("num_customers")
def chinese_restaurant(num_customers: int):
    """CRP(concentration) over ``num_customers`` customers: a generative function of α whose
    choices are ``{"customers": {"table": (n,)}}``, int labels in order of opening (0 for the
    first customer), and whose return value is the labels (number of tables: ``labels.max() + 1``).
    The customers are a GenJAX ``Scan`` of one seating step, so tracing and compiling it cost the
    same for 20 customers as for 2,000. Simulate: ``genjax.seed(chinese_restaurant(n).simulate)(key, α)``."""
    restaurant = Scan(_seat, length=const(num_customers))

    @gen
    def model(concentration):
        concentration = _check_concentration(concentration)
        sizes = jnp.zeros(num_customers + 1)  # one spare label: the next new table always exists
        _, tables = restaurant(sizes, jnp.full(num_customers, concentration)) @ "customers"
        return tables

    return model


def _broadcast_prior(prior: DPMMPrior, num: int):
    return tuple(jnp.full(num, value) for value in dataclasses.astuple(prior)[1:])


@cached_by_counts("num_points")
def dp_mixture(num_points: int):
    """The DP mixture with its parameters: a generative function of a ``DPMMPrior`` with
    addresses ``"partition"`` (the CRP), ``"variances"``, ``"means"`` (one per possible table) and
    ``"x"`` (see the module docstring). Returns x."""
    partition = chinese_restaurant(num_points)

    @gen
    def model(prior: DPMMPrior):
        prior = _check_prior(prior)
        tables = partition(prior.concentration) @ "partition"
        loc, pseudo_count, shape, scale = _broadcast_prior(prior, num_points)
        variances = inverse_gamma.vmap(in_axes=(0, 0))(shape, scale) @ "variances"
        means = normal.vmap(in_axes=(0, 0))(loc, jnp.sqrt(variances / pseudo_count)) @ "means"
        return normal.vmap(in_axes=(0, 0))(means[tables], jnp.sqrt(variances[tables])) @ "x"

    return model


@gen
def _seat_and_observe(carry, _):
    """One customer of the collapsed model: a table by the CRP rule, then x from that table's
    predictive given its earlier customers (carry: the tables' statistics and the prior)."""
    stats, prior = carry
    table = seat(seating_logits(stats.counts, 0.0, 0.0, prior.concentration)) @ "table"
    x = student_t(*_predictive(*(value[table] for value in stats), prior)) @ "x"
    return (moved(stats, table, x, 1.0), prior), table


@cached_by_counts("num_points")
def collapsed_dp_mixture(num_points: int):
    """The DP mixture with each kind's (μ, σ²) summed out: a generative function of a
    ``DPMMPrior``; choices ``{"customers": {"table": (n,), "x": (n,)}}``; returns the labels.
    ``assess`` of a partition (labels in order of opening) and data is log p(z) + log p(x | z),
    the log joint the collapsed Gibbs sampler reports."""
    steps = Scan(_seat_and_observe, length=const(num_points))

    @gen
    def model(prior: DPMMPrior):
        prior = _check_prior(prior)
        _check_concentration(prior.concentration)
        zeros = jnp.zeros(num_points + 1)
        (_, _), tables = steps((ClusterStatistics(zeros, zeros, zeros), prior), None) @ "customers"
        return tables

    return model
