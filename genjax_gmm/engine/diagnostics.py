"""Convergence diagnostics for several Markov chains of one scalar quantity.

``samples`` has shape (num_chains, num_draws): draw t of chain j is θ_jt. Both diagnostics
follow Gelman et al., *Bayesian Data Analysis* (3rd ed., §11.4–11.5).

* Split R-hat. Cut every chain in half (dropping the middle draw of an odd length), giving
  M chains of n draws, with chain means θ̄_j, their mean θ̄ and within-chain variances s_j².
  With W = mean_j s_j² and B = n/(M−1) Σ_j (θ̄_j − θ̄)²,

      var⁺ = (n−1)/n · W + B/n,      R̂ = sqrt(var⁺ / W).

  R̂ → 1 when all halves sample the same distribution; R̂ > 1.01 means "keep sampling" (the
  halves still disagree, e.g. one chain has not left its starting region).

* Effective sample size. With the autocovariance γ_j(t) of chain j (computed by FFT),
  ρ_t = 1 − (W − mean_j γ_j(t)) / var⁺ combines the chains (the W and var⁺ of the unsplit
  chains). Geyer's initial monotone sequence sums pairs P_t = ρ_2t + ρ_2t+1 while they stay
  positive, each pair capped by the one before, and

      ESS = M n / τ,    τ = −1 + 2 Σ_t P_t,

  the number of independent draws that would estimate the mean as precisely. As in Stan, τ is
  floored at 1/log₁₀(M n), so anti-correlated chains report at most M n log₁₀(M n).

These are the classic definitions, kept for teaching (Chapter 5 derives them). Users should read
ArviZ's (``gg.summary``), which applies the same formulas to rank-normalised draws. How they
relate (tested in tests/test_arviz.py):

* ``split_rhat`` is ArviZ's ``rhat(method="split")`` exactly, and GenJAX's
  ``genjax.inference.compute_rhat`` applied to the split halves: ``compute_rhat`` itself does not
  split (it is Gelman and Rubin's original R̂, ArviZ's ``method="identity"``), so it misses a
  drift within each chain. ArviZ's default, ``method="rank"`` (Vehtari et al. 2021), replaces the
  draws by the normal quantiles of their ranks, computes split R̂ of those and of the ranks of
  |θ − median|, and reports the larger: it stays meaningful for heavy tails and catches chains
  that differ in spread only.
* ``effective_sample_size`` is ArviZ's ``ess(method="identity")`` (Stan's ESS of unsplit chains)
  up to two details: the lag-t autocovariances are rescaled by n/(n−1) (ArviZ only rescales lag
  0), and ArviZ adds the first ρ after the truncation once. Both shift the result by O(1/n) and
  by one small ρ; on 4 chains of 1000 draws the two agree to 2 %. ArviZ's ``method="mean"``
  splits the chains first, and ``"bulk"`` (the ``summary`` column) rank-normalises the halves.
  GenJAX's ``compute_ess`` is a rougher approximation, M n / (1 + 2 ρ₁) with ρ₁ the lag-1
  correlation of the concatenated chains clipped to [0, 0.99]: it matches on independent draws
  and overstates a correlated chain, e.g. by (1+φ)/((1−φ)(1+2φ)) = 1.5 for an AR(1) with φ = ½.

Every sampler of the package reports these for the scalars its kernel monitors (the log joint;
for the Dirichlet-process mixture also the number of clusters) and warns through one function,
``warn_if_unreliable``, with one message: R-hat above ``RHAT_THRESHOLD`` (1.01), an ESS below
``MIN_ESS_PER_CHAIN`` (100) per chain, the number of draws summaries need, or draws that are not
finite. ``rhat_and_ess`` gives the conventional values where the diagnostics are undefined.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..validation import check_finite

__all__ = [
    "ConvergenceWarning",
    "RHAT_THRESHOLD",
    "MIN_ESS_PER_CHAIN",
    "split_rhat",
    "effective_sample_size",
    "rhat_and_ess",
    "warn_if_unreliable",
]

MIN_DRAWS = 4
"""The fewest draws per chain R-hat and ESS accept (each half-chain needs two for a variance)."""

RHAT_THRESHOLD = 1.01
"""Draws with split R-hat above this are not trusted (Vehtari et al. 2021, "Rank-normalization,
folding, and localization: an improved R-hat", the threshold Stan and ArviZ use)."""

MIN_ESS_PER_CHAIN = 100
"""Fewer effective draws than this per chain make R-hat itself unreliable (same source)."""


class ConvergenceWarning(UserWarning):
    """A sampler's diagnostics say its draws may not represent the posterior."""


def _chains(samples) -> np.ndarray:
    """``samples`` as a float64 (num_chains, num_draws) array with at least ``MIN_DRAWS`` draws."""
    array = check_finite(samples, "samples")
    if array.ndim != 2:
        raise ValueError(f"samples must have shape (num_chains, num_draws), got shape {array.shape}")
    if array.shape[0] < 1 or array.shape[1] < MIN_DRAWS:
        raise ValueError(f"samples must hold at least 1 chain of {MIN_DRAWS} draws, got shape {array.shape}")
    if np.all(array.var(axis=1) == 0):
        raise ValueError("samples are constant within every chain; R-hat and ESS are undefined")
    return array


def _within_and_pooled_variance(chains: np.ndarray) -> tuple[float, float]:
    """W (mean within-chain variance) and var⁺ (the pooled estimate of the marginal variance)."""
    num_draws = chains.shape[1]
    within = chains.var(axis=1, ddof=1).mean()
    between = num_draws * chains.mean(axis=1).var(ddof=1) if chains.shape[0] > 1 else 0.0
    return within, (num_draws - 1) / num_draws * within + between / num_draws


def split_rhat(samples) -> float:
    """Classic split R̂ of a scalar from (num_chains, num_draws) samples (BDA3 §11.4, see the
    module docstring); equal to ArviZ's ``rhat(method="split")``."""
    chains = _chains(samples)
    half = chains.shape[1] // 2
    halves = np.concatenate([chains[:, :half], chains[:, -half:]])
    within, pooled = _within_and_pooled_variance(halves)
    if within == 0:
        raise ValueError("samples are constant within every half-chain; split R-hat is undefined")
    return float(np.sqrt(pooled / within))


def _autocovariance(chains: np.ndarray) -> np.ndarray:
    """γ_j(t) = (1/n) Σ_s (θ_js − θ̄_j)(θ_j,s+t − θ̄_j) for every chain j and lag t, by FFT."""
    num_draws = chains.shape[1]
    centred = chains - chains.mean(axis=1, keepdims=True)
    size = 2 ** int(np.ceil(np.log2(2 * num_draws)))
    spectrum = np.fft.rfft(centred, n=size, axis=1)
    return np.fft.irfft(spectrum * np.conj(spectrum), n=size, axis=1)[:, :num_draws] / num_draws


def effective_sample_size(samples) -> float:
    """Multi-chain effective sample size of a scalar, Geyer's initial monotone sequence on the
    unsplit chains (BDA3 §11.5, see the module docstring); ArviZ's ``ess(method="identity")`` to
    O(1/num_draws)."""
    chains = _chains(samples)
    num_chains, num_draws = chains.shape
    within, pooled = _within_and_pooled_variance(chains)
    # γ_j(t) uses 1/n; rescale its mean to the ddof=1 convention of W so that ρ_0 = 1 when B = 0.
    mean_autocovariance = _autocovariance(chains).mean(axis=0) * num_draws / (num_draws - 1)
    rho = 1.0 - (within - mean_autocovariance) / pooled
    pairs = rho[: 2 * (num_draws // 2)].reshape(-1, 2).sum(axis=1)
    positive = np.flatnonzero(pairs <= 0)
    pairs = pairs[: positive[0] if positive.size else pairs.size]
    tau = -1.0 + 2.0 * np.minimum.accumulate(pairs).sum()
    total_draws = num_chains * num_draws
    return float(total_draws / max(tau, 1.0 / np.log10(total_draws)))


def rhat_and_ess(samples) -> tuple[float, float]:
    """(split R-hat, ESS) of one scalar's (num_chains, num_draws) draws, also where they are
    undefined: if every draw is the same number, R-hat 1 and ESS nan (nothing varies, nothing to
    mix); if the draws are constant within every (half-)chain but not across chains, R-hat ∞ (the
    chains are stuck in different places) and ESS nan; if some draw is nan or ±∞ (the arithmetic
    left the floating-point range), both nan."""
    samples = np.asarray(samples, dtype=np.float64)
    if not np.all(np.isfinite(samples)):
        return float("nan"), float("nan")
    if np.all(samples == samples.flat[0]):
        return 1.0, float("nan")
    try:
        return split_rhat(samples), effective_sample_size(samples)
    except ValueError:  # constant within every chain or half-chain
        return float("inf"), float("nan")


def warn_if_unreliable(
    sampler: str, diagnostics: dict[str, tuple[float, float]], num_chains: int, stacklevel: int
) -> None:
    """Warn (``ConvergenceWarning``) when a monitored quantity's R-hat exceeds ``RHAT_THRESHOLD`` or
    its ESS is below ``MIN_ESS_PER_CHAIN`` per chain, or it is not finite (R-hat nan, from
    ``rhat_and_ess``), saying what to do about it. ``diagnostics`` maps what each quantity is ("the
    log joint") to its (R-hat, ESS); a nan ESS is not checked."""
    needed = MIN_ESS_PER_CHAIN * num_chains
    chains = f"{num_chains} chain{'s' if num_chains > 1 else ''}"
    disagree = "the chains disagree" if num_chains > 1 else "the chain's two halves disagree"
    problems = []
    for quantity, (rhat, ess) in diagnostics.items():
        if np.isnan(rhat):
            problems.append(
                f"{quantity} is nan or infinite in some draws (the arithmetic left the floating-point range: "
                "rescale the data or the prior, or use float64)"
            )
        if rhat > RHAT_THRESHOLD:
            problems.append(f"split R-hat of {quantity} is {rhat:.3f} > {RHAT_THRESHOLD} ({disagree})")
        if ess < needed:
            problems.append(
                f"the effective sample size of {quantity} is {ess:.0f}, below the {needed} "
                f"({MIN_ESS_PER_CHAIN} per chain × {chains}) that summaries need"
            )
    if problems:
        warnings.warn(
            f"{sampler}: {'; '.join(problems)}. Run more sweeps or more chains, or check the prior; "
            "summaries of these draws may be wrong.",
            ConvergenceWarning,
            stacklevel=stacklevel + 1,
        )
