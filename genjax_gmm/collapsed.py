"""Gibbs sampling of the kinds alone: the finite Bayesian GMM with its parameters summed out.

Under ``GMMPrior`` (π ~ Dirichlet(α·1_K), μ_k ~ N(m₀, s₀²), σ²_k ~ InvGamma(a, b)) the weights
integrate out in closed form (the Pólya urn), and so does each kind's mean for a fixed variance;
the variance is integrated numerically on a grid of log σ² (the prior is only conditionally
conjugate, so no formula integrates μ and σ² together). For kinds z and data x,

    log p(z, x) = log Γ(Kα) − log Γ(Kα + n) + Σ_k [log Γ(α + n_k) − log Γ(α)] + Σ_k log p(x_{I_k}),
    p(x_G) = ∫ (2πσ²)^(−(m−1)/2) m^(−1/2) e^(−S/2σ²) N(x̄; m₀, s₀² + σ²/m) InvGamma(σ²; a, b) dσ²

for a group G of m points with mean x̄ and spread S = Σ (x_i − x̄)² (p(x_∅) = 1). A sweep redraws
each z_i in turn from its exact conditional

    P(z_i = k | z_−i, x) ∝ (n_{k,−i} + α) · p(x_{I_k∖i} ∪ {x_i}) / p(x_{I_k∖i}),

the finite-K version of Chapter 7's collapsed sampler. A kind's parameters never have to move
together with its members, which is what strands the blocked sampler (``gibbs``) when one point
could belong to either of two tight kinds. The sampler runs in NumPy on the host (no compilation);
each step costs O(chains · K · grid).

Summed over every assignment, log p(z, x) gives the exact evidence log p(x) of small data sets
(``evidence.log_evidence``), the line below which every variational bound stays (Chapter 9).

The grid's spacing follows the data size. In t = log σ² a group of m points has an integrand of
width about w = (a + (m − 1)/2)^(−1/2), and the trapezoid rule's relative error on a smooth peak
is about exp(−2π² w²/h²) for spacing h. ``GRID_POINTS_PER_WIDTH`` points per width of the largest
possible group (m = n) make that e^(−79) for every group: a fixed grid of 257 points was exact to
10⁻¹¹ for groups of 30 points but off by 0.006 nats at 300 and a nat at 3,000.

Like every sampler of the package, it validates its chain settings with the engine
(``engine.mcmc.chain_settings``) and diagnoses and warns through the engine's diagnostics
(``engine.diagnostics``: split R-hat and ESS of the log joint, one ``ConvergenceWarning``). One
case is its own: the kinds are discrete, and a posterior concentrated on one state gives a log
joint that never changes, where R-hat and ESS are 0/0. The engine calls that R-hat 1; here both
are nan, and the warning says that they cannot show whether the chains mix.
"""

from __future__ import annotations

import dataclasses
import warnings

import jax
import numpy as np
from scipy.special import gammaln

from .dirichlet_process import welford_update
from .engine.diagnostics import ConvergenceWarning, rhat_and_ess, warn_if_unreliable
from .engine.mcmc import chain_settings
from .models import GMMPrior
from .validation import check_instance, check_observations, check_positive_int

__all__ = ["CollapsedResult", "group_log_evidence", "collapsed_log_joint", "collapsed_gibbs"]

MIN_GRID_POINTS = 257
"""The fewest points of the log σ² grid (trapezoid rule; the integrand is smooth and decays fast at both ends)."""

GRID_POINTS_PER_WIDTH = 2
"""Grid points per width of the narrowest integrand a group of the data can have (module docstring)."""


def _logsumexp(values: np.ndarray, axis: int = -1, keepdims: bool = False) -> np.ndarray:
    """log Σ exp(values) along ``axis``, the largest term factored out (SciPy's costs 50 µs a call)."""
    top = np.max(values, axis=axis, keepdims=True)
    total = top + np.log(np.sum(np.exp(values - top), axis=axis, keepdims=True))
    return total if keepdims else np.squeeze(total, axis=axis)


@dataclasses.dataclass(frozen=True)
class _Grid:
    """The trapezoid rule on a grid of t = log σ², with what does not depend on the group precomputed."""

    variance: np.ndarray
    log_2pi_variance: np.ndarray
    log_weight: np.ndarray  # log InvGamma(σ²; a, b) + log σ² (dσ² = σ² dt) + log of the trapezoid weight


def _log_variance_grid(data: np.ndarray, prior: GMMPrior) -> _Grid:
    """log σ² from far below the prior's scale (where e^(−b/σ²) vanishes) to far above any spread
    the data and prior allow (the integrand's tail decays as (σ²)^−(a + 1/2) at worst), with
    ``GRID_POINTS_PER_WIDTH`` points per width (a + (n − 1)/2)^(−1/2) of a group of all n points."""
    a, b = prior.var_shape, prior.var_scale
    scale = b + np.sum((data - prior.mean_loc) ** 2) + data.size * prior.mean_scale**2
    low = np.log(b / (a + 1 + data.size / 2)) - 12
    high = np.log(scale) + 30 / (a + 0.5)
    per_width = GRID_POINTS_PER_WIDTH * np.sqrt(a + (data.size - 1) / 2)
    t = np.linspace(low, high, max(MIN_GRID_POINTS, int(np.ceil((high - low) * per_width)) + 1))
    variance = np.exp(t)
    trapezoid = np.full(t.size, np.log(t[1] - t[0]))
    trapezoid[[0, -1]] -= np.log(2)
    log_prior = a * np.log(b) - gammaln(a) - (a + 1) * t - b / variance
    return _Grid(variance, np.log(2 * np.pi * variance), log_prior + t + trapezoid)


def _group_log_evidence(counts, offsets, spreads, prior: GMMPrior, grid: _Grid) -> np.ndarray:
    """log p(x_G) for groups given by n, x̄ − m₀ and S = Σ(x − x̄)² (any shape; empty groups give 0)."""
    n = np.asarray(counts, float)[..., None]
    occupied = n[..., 0] > 0
    n = np.where(n > 0, n, 1.0)
    centred_mean = np.asarray(offsets, float)[..., None]
    spread = np.asarray(spreads, float)[..., None]
    mean_var = prior.mean_scale**2 + grid.variance / n
    log_integrand = (
        -0.5 * (n - 1) * grid.log_2pi_variance - 0.5 * np.log(n) - 0.5 * spread / grid.variance
        - 0.5 * np.log(2 * np.pi * mean_var) - 0.5 * centred_mean**2 / mean_var + grid.log_weight
    )
    return np.where(occupied, _logsumexp(log_integrand), 0.0)


def _checked(data, num_components, prior) -> tuple[np.ndarray, int, GMMPrior]:
    return (
        check_observations(data, "data"),
        check_positive_int(num_components, "num_components"),
        check_instance(prior, GMMPrior, "prior"),
    )


def group_log_evidence(points, prior: GMMPrior) -> float:
    """log p(x_G) of ``points`` all drawn from one kind, its mean and variance integrated out."""
    points = check_observations(points, "points")
    check_instance(prior, GMMPrior, "prior")
    mean = points.mean()
    grid = _log_variance_grid(points, prior)
    return float(_group_log_evidence(points.size, mean - prior.mean_loc, np.sum((points - mean) ** 2), prior, grid))


def _log_urn(counts: np.ndarray, alpha: float) -> np.ndarray:
    """log of the Dirichlet-multinomial probability of assignments with these counts (last axis K)."""
    num_components, n = counts.shape[-1], counts.sum(axis=-1)
    return (gammaln(num_components * alpha) - gammaln(num_components * alpha + n)
            + np.sum(gammaln(alpha + counts) - gammaln(alpha), axis=-1))


def _statistics(centred: np.ndarray, assignments: np.ndarray, num_components: int) -> tuple[np.ndarray, ...]:
    """Per kind: count, mean of x − m₀ and Σ(x − x̄)² (last axis K; an empty kind 0, 0, 0), for
    assignments of shape (..., n): the means first, then the squares of the deviations from them."""
    one_hot = assignments[..., None] == np.arange(num_components)
    counts = one_hot.sum(axis=-2)
    means = np.sum(one_hot * centred[..., None], axis=-2) / np.maximum(counts, 1)
    spreads = np.sum(one_hot * (centred[..., None] - means[..., None, :]) ** 2, axis=-2)
    return counts, means, spreads


def collapsed_log_joint(data, assignments, num_components, prior: GMMPrior) -> float:
    """log p(z, x | K) with π, μ and σ² integrated out (the module docstring's formula)."""
    data, num_components, prior = _checked(data, num_components, prior)
    z = np.asarray(assignments)
    if z.shape != data.shape or z.dtype.kind not in "iu" or np.any((z < 0) | (z >= num_components)):
        raise ValueError(f"assignments must be {data.size} integers in 0 … {num_components - 1}, one per point")
    counts, means, spreads = _statistics(data - prior.mean_loc, z, num_components)
    grid = _log_variance_grid(data, prior)
    return float(_log_urn(counts, prior.concentration) + _group_log_evidence(counts, means, spreads, prior, grid).sum())


@dataclasses.dataclass(frozen=True)
class _Sampler:
    """Collapsed Gibbs sweeps over several chains at once, each with its own data set (chains, n)."""

    centred: np.ndarray
    num_components: int
    prior: GMMPrior
    grid: _Grid

    def log_seating(self, counts_without, log_evidence_without, log_evidence_with) -> np.ndarray:
        """log P(z_i = k | z_−i, x) up to a constant: log(n_{k,−i} + α) + log p(x_i | x_{I_k∖i})."""
        return np.log(counts_without + self.prior.concentration) + log_evidence_with - log_evidence_without

    def sweep(self, assignments: np.ndarray, uniforms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One sweep in place over the points in order; returns the assignments and, for every point,
        its conditional P(z_i = · | z_−i, x) at the time it was redrawn (chains, n, K)."""
        chains = np.arange(assignments.shape[0])
        stats = np.stack(_statistics(self.centred, assignments, self.num_components))  # (3, chains, K)
        log_evidence = _group_log_evidence(*stats, self.prior, self.grid)
        conditionals = np.empty((*assignments.shape, self.num_components))
        for i in range(assignments.shape[1]):
            x, old = self.centred[:, i], assignments[:, i]
            stats[:, chains, old] = welford_update(*stats[:, chains, old], x, -1, xp=np)
            log_evidence[chains, old] = _group_log_evidence(*stats[:, chains, old], self.prior, self.grid)
            with_point = np.stack(welford_update(*stats, x[:, None], 1, xp=np))  # x at every kind
            log_evidence_with = _group_log_evidence(*with_point, self.prior, self.grid)
            logits = self.log_seating(stats[0], log_evidence, log_evidence_with)
            probabilities = np.exp(logits - _logsumexp(logits, axis=1, keepdims=True))
            new = np.minimum((np.cumsum(probabilities, axis=1) < uniforms[:, i, None]).sum(axis=1),
                             self.num_components - 1)
            stats[:, chains, new] = with_point[:, chains, new]
            log_evidence[chains, new] = log_evidence_with[chains, new]
            assignments[:, i] = new
            conditionals[:, i] = probabilities
        return assignments, conditionals

    def log_joint(self, assignments: np.ndarray) -> np.ndarray:
        counts, means, spreads = _statistics(self.centred, assignments, self.num_components)
        return _log_urn(counts, self.prior.concentration) + _group_log_evidence(
            counts, means, spreads, self.prior, self.grid).sum(axis=-1)


def _ordered_by_group_mean(data, assignments, conditionals, num_components):
    """Relabel every draw so that kind 0 has the smallest mean of its points (empty kinds last)."""
    one_hot = assignments[..., None] == np.arange(num_components)
    counts = one_hot.sum(axis=-2)
    means = np.where(counts > 0, np.sum(one_hot * data[..., None], axis=-2) / np.maximum(counts, 1), np.inf)
    order = np.argsort(means, axis=-1, kind="stable")  # (…, K): new label j is old label order[j]
    rank = np.argsort(order, axis=-1)  # old label → new label
    relabelled = np.take_along_axis(rank, assignments, axis=-1)
    return relabelled, np.take_along_axis(conditionals, order[..., None, :], axis=-1)


def _diagnostics(log_joint: np.ndarray) -> tuple[float, float]:
    """(split R-hat, ESS) of the log joint (``engine.diagnostics.rhat_and_ess``), except that every
    draw equal leaves both undefined: (nan, nan), not the engine's R-hat 1. Draws constant within
    every (half-)chain but different across chains give R-hat ∞ (stuck apart), ESS nan."""
    if np.all(log_joint == log_joint.flat[0]):
        return float("nan"), float("nan")
    return rhat_and_ess(log_joint)


def _warn_unchanging(num_chains: int) -> None:
    warnings.warn(
        f"collapsed_gibbs: the log joint took one value in every kept draw of all {num_chains} chains, so its "
        "split R-hat and effective sample size are undefined and cannot show whether the chains mix. Chains "
        "that all reach one state from random starts are what a posterior concentrated on that state gives, "
        "but chains stuck in one state look the same: more sweeps will not tell them apart. Look at "
        "conditional_probabilities (every point's chance of moving when it was redrawn) and run more chains.",
        ConvergenceWarning, stacklevel=3)  # collapsed_gibbs's caller


@dataclasses.dataclass(frozen=True)
class CollapsedResult:
    """Draws of the collapsed sampler after burn-in, kinds ordered by mean in every draw.

    ``assignments`` (chains, draws, n); ``conditional_probabilities`` (chains, draws, n, K): each
    point's P(z_i = k | z_−i, x) when it was redrawn, whose average over draws estimates
    P(z_i = k | x) with less noise than counting (Rao–Blackwellisation); ``log_joint`` (chains,
    draws): log p(z, x); ``rhat`` and ``ess`` of the log joint (both nan when it never changes, ESS nan
    when it changes only between chains).
    """

    assignments: np.ndarray
    conditional_probabilities: np.ndarray
    log_joint: np.ndarray
    burn_in: int
    rhat: float
    ess: float

    def kind_probabilities(self) -> np.ndarray:
        """P(z_i = k | x) for every point (n, K), kinds ordered by mean, pooled over chains."""
        return self.conditional_probabilities.mean(axis=(0, 1))


def collapsed_gibbs(key, data, num_components, prior: GMMPrior, *, num_sweeps: int = 200, num_chains: int = 4,
                    burn_in: int | None = None) -> CollapsedResult:
    """Collapsed Gibbs sampling of the kinds z of ``data`` under the K-kind ``bayesian_gmm``, with
    π, μ and σ² summed out (module docstring). Chains start from kinds drawn uniformly at random;
    ``burn_in`` sweeps (default a quarter; at least 4 draws must remain) are dropped. Warns (``ConvergenceWarning``) as
    ``gibbs`` does, when split R-hat of the log joint exceeds 1.01 or its effective sample size is
    below 100 per chain, and when the log joint never changes (R-hat undefined). Its draws come from
    NumPy on the host, seeded by ``key``."""
    data, num_components, prior = _checked(data, num_components, prior)
    settings = chain_settings(key, num_sweeps, num_chains, burn_in, keep_assignments=True, dtype=np.float64,
                              num_points=data.size)
    key, num_sweeps, num_chains, burn_in = settings.key, settings.num_sweeps, settings.num_chains, settings.burn_in
    generator = np.random.default_rng(np.asarray(jax.random.key_data(key)))  # host draws: nothing to compile
    assignments = generator.integers(num_components, size=(num_chains, data.size))
    uniforms = generator.random((num_sweeps, num_chains, data.size))
    sampler = _Sampler(np.broadcast_to(data - prior.mean_loc, assignments.shape), num_components, prior,
                       _log_variance_grid(data, prior))
    kept_z, kept_p, kept_log_joint = [], [], []
    for sweep in range(num_sweeps):
        assignments, conditionals = sampler.sweep(assignments, uniforms[sweep])
        if sweep >= burn_in:
            kept_z.append(assignments.copy())
            kept_p.append(conditionals)
            kept_log_joint.append(sampler.log_joint(assignments))
    z, p = _ordered_by_group_mean(data, np.stack(kept_z, axis=1), np.stack(kept_p, axis=1), num_components)
    log_joint = np.stack(kept_log_joint, axis=1)
    rhat, ess = _diagnostics(log_joint)
    if np.isnan(rhat):
        _warn_unchanging(num_chains)
    else:
        warn_if_unreliable("collapsed_gibbs", {"the log joint": (rhat, ess)}, num_chains, stacklevel=2)
    return CollapsedResult(z, p, log_joint, burn_in, rhat, ess)
