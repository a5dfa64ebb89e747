"""The evidence p(x) of the Bayesian Gaussian mixture from Gibbs draws: importance sampling with a
proposal built from them (Frühwirth-Schnatter 2004).

Gibbs draws θ_s = (π_s, μ_s, σ²_s) and z_s, s = 1 … S, come from the posterior p(θ, z | x) =
p(x, θ, z) / p(x), but only up to its normalising constant p(x): the draws alone do not say how
large it is. Importance sampling does, with any normalised density q(θ) that covers the posterior:

    p(x) = ∫ p(x | θ) p(θ) dθ = E_q[w(θ)],      w(θ) = p(x | θ) p(θ) / q(θ),

with p(x | θ) = Π_i Σ_k π_k N(x_i; μ_k, σ²_k) (the kinds summed out). The proposal is the
Rao–Blackwellised average of the Gibbs conditionals at the draws,

    q_s(θ) = Dir(π; α + n(z_s)) Π_k N(μ_k; m_k, 1/λ_k) IG(σ²_k; a + n_k/2, b + ½ Σ_{i: z_s,i = k} (x_i − μ_s,k)²)

with n_k, m_k and λ_k those of ``gibbs``'s conditional of μ_k given z_s and σ²_s (each block given
the others at draw s), symmetrised over the K! relabellings ρ of the kinds:

    q(θ) = 1/(S K!) Σ_s Σ_ρ q_s(ρ θ),      (ρ θ)_k = θ_ρ(k).

Each q_s is a product of normalised densities, so q is one, and it is positive everywhere, so
p̂(x) = (1/M) Σ_m w(θ_m) with θ_1 … θ_M drawn from q (pick s and ρ at random, then each block
independently) is unbiased for p(x) given the draws. Summaries: log p̂ = logsumexp_m log w_m − log M,
its standard error by the delta method, sd(w) / (√M · mean w) = √((M/ESS − 1)/(M − 1)), and the
weights' effective sample size ESS = 1 / Σ_m w̄_m², w̄ = w / Σ w.

Why the relabellings. The prior treats the kinds alike, so the posterior has K! mirror images, one
per naming of the kinds; with well-separated kinds a Gibbs chain stays in one of them. Without ρ,
q covers that image only: the others, holding (K! − 1)/K! of the posterior, are almost never
proposed, and p̂ misses about log K! nats with no warning from the ESS (Neal 1999's point about
Chib's estimator). ``permute_labels=False`` gives that unsymmetrised proposal, as a control. The
same holds for any region of the posterior the chains never visit (an assignment of the kinds
that holds a tenth of the posterior, say): q barely covers it and p̂ is low by about its share,
again unseen by the ESS and the standard error. Several chains guard against it. In theory the
weights' variance can be infinite even so: where the posterior lets a kind empty, that kind's
parameters follow the prior, whose tails are heavier than those of q's conditionals (built from
kinds holding points), and the standard error is then unreliable; on the course's data
the weights stay well behaved. Frühwirth-Schnatter recommends bridge sampling with the same q,
which is more robust to that.

Cost: M × N density evaluations for p(x | θ), and M × S × K² for q (a matrix product of
per-kind statistics), summed over K! relabellings; so S is at most ``mixture_draws`` draws, evenly
spaced over the chains (neighbouring draws of a chain are alike, and q hardly changes). Everything
is NumPy on the host (nothing to compile). Locations are taken relative to the data's mean, which
changes no density. References: Frühwirth-Schnatter, S. (2004), Econometrics Journal 7, 143–167;
Neal, R. M. (1999), Erroneous results in "Marginal likelihood from the Gibbs output"; Chib, S.
(1995), JASA 90, 1313–1321.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import warnings

import jax
import numpy as np
from scipy.special import gammaln

from ..models import GMMPrior
from ..validation import (
    check_finite,
    check_instance,
    check_key,
    check_magnitude,
    check_memory,
    check_observations,
    check_positive,
    check_positive_int,
)
from .gibbs import GibbsResult
from .importance import MIN_RELIABLE_ESS, ImportanceWarning, normalised_weights

__all__ = ["GibbsEvidence", "MixtureProposal", "gibbs_log_evidence"]

MAX_PERMUTED_COMPONENTS = 5
"""With more kinds the K! relabellings (720 at K = 6) make q too costly to evaluate."""

CHUNK_ELEMENTS = 2**21
"""Proposals are evaluated in chunks of about this many (proposal, draw, kind, kind) terms."""

HALF_LOG_TWO_PI = 0.5 * math.log(2 * math.pi)


@dataclasses.dataclass(frozen=True)
class GibbsEvidence:
    """The importance-sampling estimate of log p(x) from ``gibbs_log_evidence``."""

    log_marginal_likelihood: float  # log p̂(x) = logsumexp(log w) − log M
    standard_error: float  # of log p̂(x), by the delta method
    effective_sample_size: float  # 1 / Σ w̄², of M
    log_weights: np.ndarray  # (M,) log w_m = log p(x | θ_m) + log p(θ_m) − log q(θ_m)


def _log_gamma_variates(rng: np.random.Generator, shape: np.ndarray) -> np.ndarray:
    """log G, G ~ Gamma(shape) elementwise, as log G′ + (log U)/shape with G′ ~ Gamma(shape + 1):
    finite however small the shape (``gamma`` module)."""
    return np.log(rng.gamma(shape + 1.0)) + np.log1p(-rng.random(shape.shape)) / shape


def _logsumexp(values: np.ndarray) -> np.ndarray:
    """log Σ_j exp(values[..., j]) along the last axis, whose values here are finite (SciPy's
    logsumexp is several times slower on these small rows)."""
    top = values.max(axis=-1, keepdims=True)
    return top[..., 0] + np.log(np.exp(values - top).sum(axis=-1))


@dataclasses.dataclass(frozen=True)
class MixtureProposal:
    """q(θ) = 1/(S·|R|) Σ_s Σ_{ρ ∈ R} q_s(ρ θ) (module docstring), θ = (log π, μ, log σ²) with μ
    relative to ``centre``; R is every relabelling, or the identity alone."""

    dirichlet: np.ndarray  # (S, K) α + n_k
    loc: np.ndarray  # (S, K) m_k, relative to centre
    scale: np.ndarray  # (S, K) 1/√λ_k
    ig_shape: np.ndarray  # (S, K) a + n_k/2
    ig_scale: np.ndarray  # (S, K) b + ½ Σ (x_i − μ_k)²
    permutations: np.ndarray  # (R, K) ρ(k) for each relabelling ρ
    centre: float

    @classmethod
    def from_draws(cls, result: GibbsResult, data: np.ndarray, prior: GMMPrior, permute_labels: bool = True,
                   max_draws: int | None = None):
        """The conditionals of ``gibbs``'s sweep at the draws of ``result`` on ``data``: all of them, or
        ``max_draws`` evenly spaced over the chains."""
        num_components = result.means.shape[-1]
        num_draws = result.means.size // num_components
        kept = np.unique(np.linspace(0, num_draws - 1, min(num_draws, max_draws or num_draws)).round().astype(int))
        centre = float(np.mean(data))
        means = np.asarray(result.means, np.float64).reshape(-1, num_components)[kept] - centre
        variances = np.asarray(result.stds, np.float64).reshape(-1, num_components)[kept] ** 2
        assignments = np.asarray(result.assignments).reshape(-1, data.size)[kept]
        draws = np.arange(means.shape[0])[:, None]
        deviations = (data - centre) - means[draws, assignments]  # (S, N) x_i − μ_{s, z_i}

        def per_kind(values):  # (S, K) sums over the points of each kind
            totals = np.zeros(means.shape)
            np.add.at(totals, (np.broadcast_to(draws, assignments.shape), assignments), values)
            return totals

        counts, deviation_sums, squares = (per_kind(v) for v in (np.ones_like(deviations), deviations, deviations**2))
        prior_precision = prior.mean_scale**-2
        precision = prior_precision + counts / variances
        pull = (prior.mean_loc - centre - means) * prior_precision + deviation_sums / variances
        if permute_labels:
            permutations = np.array(list(itertools.permutations(range(num_components))))
        else:
            permutations = np.arange(num_components)[None]
        return cls(
            dirichlet=prior.concentration + counts,
            loc=means + pull / precision,
            scale=precision**-0.5,
            ig_shape=prior.var_shape + 0.5 * counts,
            ig_scale=prior.var_scale + 0.5 * squares,
            permutations=permutations,
            centre=centre,
        )

    @property
    def num_mixed(self) -> int:
        """S · |R|, the number of terms of the mixture."""
        return self.loc.shape[0] * self.permutations.shape[0]

    def sample(self, rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``size`` draws (log π, μ, log σ²), each (size, K): a draw s and a relabelling ρ at random,
        then θ_k from term ρ(k) of q_s."""
        draw = rng.integers(self.loc.shape[0], size=size)[:, None]
        term = self.permutations[rng.integers(self.permutations.shape[0], size=size)]  # (size, K) ρ(k)
        log_h = _log_gamma_variates(rng, self.dirichlet[draw, term])
        log_weights = log_h - _logsumexp(log_h)[:, None]
        means = self.loc[draw, term] + self.scale[draw, term] * rng.standard_normal(term.shape)
        log_variances = np.log(self.ig_scale[draw, term]) - _log_gamma_variates(rng, self.ig_shape[draw, term])
        return log_weights, means, log_variances

    def log_density(self, log_weights: np.ndarray, means: np.ndarray, log_variances: np.ndarray) -> np.ndarray:
        """log q(θ_m) for rows m of (log π, μ, log σ²), each (M, K): the log of the mean over draws s
        and relabellings ρ of exp(log D_s + Σ_k T[m, k, s, ρ(k)]), kind k of θ_m scored by term ρ(k)
        of draw s, where

            T[m, k, s, j] = c_sj + (a_sj − 1) log π_k − (μ_k − m_sj)²/(2 v_sj) − (A_sj + 1) log σ²_k − B_sj/σ²_k

        (a the Dirichlet's parameters, m and v = scale² the normal's, A and B the inverse gamma's
        shape and scale, c_sj their constants, log D_s = log Γ(Σ_j a_sj) − Σ_j log Γ(a_sj)): a matrix
        product of per-kind features for the Dirichlet and inverse gamma terms, and the normal's
        square taken directly (expanded into μ m/v − μ²/2v − m²/2v it would cancel badly for tight
        kinds far from the data's mean)."""
        num_draws, num_components = self.loc.shape
        variance = self.scale**2
        coefficients = np.stack(  # (3, S·K) against the features (log π, log σ², 1/σ²)
            [self.dirichlet - 1, -(self.ig_shape + 1), -self.ig_scale]
        ).reshape(3, -1)
        constants = (-HALF_LOG_TWO_PI - np.log(self.scale)
                     + self.ig_shape * np.log(self.ig_scale) - gammaln(self.ig_shape)).reshape(-1)
        log_d = gammaln(self.dirichlet.sum(axis=1)) - gammaln(self.dirichlet).sum(axis=1)  # (S,) log D_s
        features = np.stack([log_weights, log_variances, np.exp(-log_variances)], axis=-1)
        rows = max(1, CHUNK_ELEMENTS // (num_draws * num_components**2))
        result = []
        for start in range(0, features.shape[0], rows):
            chunk = features[start : start + rows]  # (m, K, 3)
            shape = (chunk.shape[0], num_components, num_draws, num_components)
            terms = (chunk @ coefficients + constants).reshape(shape)  # T[m, k, s, j] without the normal's square
            terms -= (means[start : start + rows, :, None, None] - self.loc) ** 2 / (2 * variance)
            by_relabelling = np.stack(  # (m, S, R): log D_s + Σ_k T[m, k, s, ρ(k)]
                [sum(terms[:, k, :, j] for k, j in enumerate(rho)) + log_d for rho in self.permutations], axis=-1
            )
            result.append(_logsumexp(by_relabelling.reshape(chunk.shape[0], -1)))
        return np.concatenate(result) - math.log(self.num_mixed)


def _log_prior(prior: GMMPrior, log_weights, means, log_variances) -> np.ndarray:
    """log p(θ): Dirichlet(α·1) on π, Normal(m₀, s₀²) on each μ_k, InverseGamma(a, b) on each σ²_k (means
    and m₀ relative to the same centre)."""
    k, alpha = log_weights.shape[1], prior.concentration
    dirichlet = gammaln(k * alpha) - k * gammaln(alpha) + (alpha - 1) * log_weights.sum(axis=1)
    normal = -HALF_LOG_TWO_PI - np.log(prior.mean_scale) - 0.5 * ((means - prior.mean_loc) / prior.mean_scale) ** 2
    inverse_gamma = (prior.var_shape * np.log(prior.var_scale) - gammaln(prior.var_shape)
                     - (prior.var_shape + 1) * log_variances - prior.var_scale * np.exp(-log_variances))
    return dirichlet + normal.sum(axis=1) + inverse_gamma.sum(axis=1)


def _log_likelihood(data: np.ndarray, log_weights, means, log_variances) -> np.ndarray:
    """log p(x | θ_m) = Σ_i log Σ_k π_k N(x_i; μ_k, σ²_k), for every row m, in chunks."""
    rows = max(1, CHUNK_ELEMENTS // (data.size * means.shape[1]))
    result = []
    for start in range(0, means.shape[0], rows):
        part = slice(start, start + rows)
        log_terms = (log_weights[part, None] - HALF_LOG_TWO_PI - 0.5 * log_variances[part, None]
                     - 0.5 * (data[:, None] - means[part, None]) ** 2 * np.exp(-log_variances[part, None]))
        result.append(_logsumexp(log_terms).sum(axis=1))
    return np.concatenate(result)


def _checked_draws(result, data, prior) -> tuple[np.ndarray, int]:
    """The data as float64, and the number of kinds; errors name the argument at fault."""
    check_instance(result, GibbsResult, "result")
    data = check_magnitude(check_observations(data), "data")
    check_instance(prior, GMMPrior, "prior")
    if result.assignments is None:
        raise ValueError("result must hold the assignments of its draws: run gg.gibbs with keep_assignments=True")
    if result.assignments.shape[-1] != data.size:
        raise ValueError(f"data must be the {result.assignments.shape[-1]} points result was run on, got {data.size}")
    num_components = result.means.shape[-1]
    check_finite(result.means, "result.means")
    check_positive(result.stds, "result.stds")
    assignments = np.asarray(result.assignments)
    if assignments.size and (assignments.min() < 0 or assignments.max() >= num_components):
        raise ValueError(f"result.assignments must name kinds 0 … {num_components - 1}, got "
                         f"{assignments.min()} … {assignments.max()}")
    return data, num_components


def gibbs_log_evidence(
    key: jax.Array,
    result: GibbsResult,
    data,
    prior: GMMPrior,
    *,
    num_proposals: int = 2000,
    mixture_draws: int = 100,
    permute_labels: bool = True,
) -> GibbsEvidence:
    """log p(x | K) of ``bayesian_gmm(N, K)`` estimated from the draws of ``gibbs`` on ``data`` under
    ``prior``: importance sampling with ``num_proposals`` draws from the Gibbs conditionals at the
    draws, averaged over draws and relabellings of the kinds (module docstring). Unbiased for p(x)
    given the draws; returns log p̂(x), its standard error (delta method) and the weights' ESS,
    warning (``ImportanceWarning``) when the ESS is below 20. q averages over ``mixture_draws`` of
    the draws, evenly spaced over the chains (all of them if there are fewer): its cost grows with
    num_proposals × mixture_draws × K! (at most ``MAX_PERMUTED_COMPONENTS`` kinds with relabellings).
    ``permute_labels=False`` leaves out the relabellings, a control that warns: a chain that stays in
    one of the K! mirror images then misses about log K!. The proposals come from NumPy on the host,
    seeded by ``key``."""
    key = check_key(key)
    data, num_components = _checked_draws(result, data, prior)
    num_proposals = check_positive_int(num_proposals, "num_proposals")
    if num_proposals < 2:
        raise ValueError(f"num_proposals must be at least 2 (for a standard error), got {num_proposals}")
    if not isinstance(permute_labels, (bool, np.bool_)):
        raise TypeError(f"permute_labels must be True or False, got {type(permute_labels).__name__}")
    if permute_labels and num_components > MAX_PERMUTED_COMPONENTS:
        raise ValueError(
            f"result has {num_components} kinds: the {math.factorial(num_components):,} relabellings are too many "
            f"(at most {MAX_PERMUTED_COMPONENTS} kinds, {math.factorial(MAX_PERMUTED_COMPONENTS)} relabellings)"
        )
    num_draws = result.means.size // num_components
    mixture_draws = check_positive_int(mixture_draws, "mixture_draws")
    check_memory(32 * min(num_draws, mixture_draws) * data.size, "gibbs_log_evidence's proposal",
                 {"mixture_draws": mixture_draws})
    check_memory(96 * num_proposals * num_components, "gibbs_log_evidence's proposals",
                 {"num_proposals": num_proposals})
    if not permute_labels and num_components > 1:
        warnings.warn(
            f"gibbs_log_evidence: permute_labels=False leaves out the relabellings of the kinds; a chain that "
            f"stayed in one of the {math.factorial(num_components):,} mirror images of the posterior then gives "
            f"an estimate about log {num_components}! = {math.log(math.factorial(num_components)):.2f} nats low, "
            "with healthy-looking weights. It is a control, not an estimate.",
            ImportanceWarning,
            stacklevel=2,
        )
    proposal = MixtureProposal.from_draws(result, data, prior, bool(permute_labels), mixture_draws)
    rng = np.random.default_rng(np.asarray(jax.random.key_data(key)))  # host draws: nothing to compile
    theta = proposal.sample(rng, num_proposals)
    centred_prior = dataclasses.replace(prior, mean_loc=prior.mean_loc - proposal.centre)
    log_weights = (_log_likelihood(data - proposal.centre, *theta) + _log_prior(centred_prior, *theta)
                   - proposal.log_density(*theta))
    _, log_total, ess = normalised_weights(log_weights)
    if ess < MIN_RELIABLE_ESS:
        warnings.warn(
            f"gibbs_log_evidence: the importance weights' effective sample size is {ess:.1f} of {num_proposals:,} "
            "proposals, so the estimate rests on a few of them and is unreliable. Use more proposals, or more "
            "Gibbs draws (a proposal closer to the posterior).",
            ImportanceWarning,
            stacklevel=2,
        )
    return GibbsEvidence(
        log_marginal_likelihood=log_total - math.log(num_proposals),
        standard_error=float(np.sqrt(max(num_proposals / ess - 1, 0.0) / (num_proposals - 1))),
        effective_sample_size=ess,
        log_weights=log_weights,
    )
