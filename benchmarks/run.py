"""The inference benchmark: ``make bench`` (several minutes), ``--quick`` for a smoke run.

Every measurement is printed beside its reference and its target, with PASS/MISS:

1. Gibbs throughput, in point-updates per second (N × sweeps / s, after compilation), of
   ``genjax_gmm``'s Gibbs sweep for N ∈ {10³ … 10⁶} and K ∈ {2, 3, 8}, beside the same sweep
   written directly in ``jax.numpy`` (``bare_jax_sweep``) and in vectorised NumPy
   (``numpy_sweep``), both below (same maths, same dtype; ``gibbs`` runs one chain without
   keeping assignments). Targets: ≥ 5·10⁷ at N = 10⁵, K = 3 (float64); within 1.25× of bare JAX;
   ≥ 5× NumPy; compilation ≤ 5 s. Extra float32 rows use ``gibbs(..., dtype=jnp.float32)``.
2. Effective samples per second of Gibbs against NumPyro's NUTS on the marginalised model
   (assignments summed out with log-sum-exp), on the coffee data and on 10⁴ simulated cups.
   The ESS is that of the log-likelihood log p(x | π, μ, σ²) = Σ_i log Σ_k π_k N(x_i; μ_k, σ_k²),
   computed the same way from both samplers' draws: it is label-invariant (a relabelling of the
   components leaves it unchanged, so label switching neither inflates nor deflates it) and it
   is defined for NUTS, which has no assignments (the Gibbs log joint includes them). Time is
   wall time of a whole second run (burn-in/warm-up included, compilation excluded). Target ≥ 10×.
3. EM seconds per fit: ``genjax_gmm.em`` (one restart) beside scikit-learn's GaussianMixture
   (one init) with the same stopping rule (mean log-likelihood gain ≤ 10⁻³).
4. Importance resampling from the prior on the bento data, particles per second and ESS, of the
   full model and of the marginal model with the assignments summed out.
5. Notebooks (``--only notebooks``): each solution notebook under nbval in a fresh process, alone,
   with an empty compilation cache (cold), then its student twin and the solution again with the
   cache the first run filled (warm), beside a fixed reference workload timed in the same run
   (``REFERENCE_WORKLOAD``: a fresh process that compiles and runs the bare JAX Gibbs chain, no
   cache), so that runs on different CPUs compare by the ratio. Targets (cold) from
   tests/conftest.py's ``target_seconds``, with PASS/MISS. ``BENCH_NOTEBOOKS=GLOB`` times only the
   solutions whose names match GLOB (e.g. ``08_*``).
6. Multivariate mixtures (Chapter 8, ``--only multivariate``, ``benchmarks/multivariate_mixtures.py``):
   ``mv.gibbs`` against NUTS in ESS per second on Old Faithful, ``mv.em`` against scikit-learn per fit.
7. The Dirichlet-process mixture on the 82 galaxies (``--only dpmm``): ``dpmm_gibbs``'s time and
   posterior over the number of kinds beside scikit-learn's variational DP mixture, with the same
   base measure, whose fits each give one number (components with weight > 1 %).
8. Sequential Monte Carlo (``--only smc``): the spread over keys of ``gg.smc``'s log-evidence
   estimate beside importance sampling's (full and marginal) and Gibbs sampling's
   (``gibbs_log_evidence``) at equal wall time, on the bentos
   (exact reference) and the coffee; target SMC's sd ≤ 1/10 of joint IS's.

``--only SECTION …`` runs some sections (names: throughput, ess, em, importance, notebooks,
multivariate, dpmm, smc, variational).

Timings take the best of a few repeats (the machine may be shared); compile time is the first
call's time minus the best steady call.
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import os
import platform
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

# A fresh, empty compilation cache for this run: first calls compile for real (the compile
# columns), while a later call of a program already compiled in this run is a cache hit, as it
# is for a user (NumPyro's second MCMC.run re-jits its sampler; without a cache that recompile
# would be counted as sampling time).
os.environ["JAX_COMPILATION_CACHE_DIR"] = tempfile.mkdtemp(prefix="genjax_gmm_bench_cache_")

import genjax_gmm as gg  # noqa: E402
from genjax_gmm.engine.buckets import bucket_size, chain_width
from genjax_gmm.inference import (
    effective_sample_size,
    gibbs,
    importance_resampling,
    marginal_importance_resampling,
    split_rhat,
)
from genjax_gmm.inference.gibbs import initial_state

COFFEE_PRIOR = gg.GMMPrior(concentration=1.0, mean_loc=125.0, mean_scale=40.0, var_shape=2.0, var_scale=10.0)
"""Blends known to lie in 50–200 mg; variances around var_scale / (var_shape − 1) = 10 mg²."""
BENTO_PRIOR = gg.GMMPrior(concentration=1.0, mean_loc=425.0, mean_scale=100.0, var_shape=2.0, var_scale=10.0)

THROUGHPUT_TARGET = 5e7  # point-updates / s at N = 10⁵, K = 3
BARE_JAX_SLOWDOWN = 1.25  # Gibbs at most this much slower than the bare JAX sweep
NUMPY_SPEEDUP = 5.0  # Gibbs at least this much faster than the NumPy sweep
NUTS_SPEEDUP = 10.0  # Gibbs at least this many times NUTS's effective samples per second
COMPILE_SECONDS = 5.0


class Config(NamedTuple):
    sizes: tuple[int, ...]
    components: tuple[int, ...]
    points_per_timing: int  # N × sweeps in one timed run
    repeats: int
    ess_sizes: tuple[int, ...]  # N of the simulated coffee data (besides the 30 real cups)
    gibbs_sweeps: int
    nuts_warmup: int
    nuts_samples: int
    em_sizes: tuple[int, ...]
    particles: tuple[int, ...]


FULL = Config((10**3, 10**4, 10**5, 10**6), (2, 3, 8), 10**7, 3, (10**4,), 2000, 500, 1000,
              (10**3, 10**4, 10**5, 10**6), (10**4, 10**5, 10**6))
QUICK = Config((10**3, 10**5), (3,), 10**6, 2, (), 400, 200, 200, (10**3,), (10**4,))


# ---------------------------------------------------------------------------------------------
# The reference sweeps: one blocked Gibbs sweep of the conjugate GMM, written without GenJAX.
# The order of genjax_gmm.inference.gibbs: z, then μ, σ², π, each given the latest others.
#   z_i | π, μ, σ², x ~ Categorical(∝ π_k N(x_i; μ_k, σ_k²))   (inverse CDF, one uniform per point)
#   μ_k | z, σ², x ~ Normal(m_k, 1/λ_k),  λ_k = 1/s₀² + n_k/σ_k²,  m_k = (m₀/s₀² + Σ_{z_i=k} x_i/σ_k²)/λ_k
#   σ_k² | z, μ, x ~ InverseGamma(a + n_k/2, b + ½ Σ_{z_i=k} (x_i − μ_k)²)
#   π | z ~ Dirichlet(α + n_k)
# ---------------------------------------------------------------------------------------------


class State(NamedTuple):
    weights: jax.Array
    means: jax.Array
    variances: jax.Array


def bare_jax_sweep(key, data, state: State, prior: gg.GMMPrior) -> State:
    """One sweep in plain jax.numpy, in the dtype of ``data``; z by inverse CDF (one uniform per point)."""
    num_components = state.weights.shape[0]
    key_z, key_mu, key_var, key_pi = jax.random.split(key, 4)
    logits = (
        jnp.log(state.weights)
        - 0.5 * jnp.log(state.variances)
        - 0.5 * (data[:, None] - state.means) ** 2 / state.variances
    )
    cumulative = jnp.cumsum(jnp.exp(logits - logits.max(axis=1, keepdims=True)), axis=1)
    uniforms = jax.random.uniform(key_z, data.shape, data.dtype) * cumulative[:, -1]
    assignments = jnp.sum(cumulative[:, :-1] < uniforms[:, None], axis=1)
    one_hot = jax.nn.one_hot(assignments, num_components, dtype=data.dtype)
    counts = one_hot.sum(axis=0)
    precision = 1 / prior.mean_scale**2 + counts / state.variances
    centre = (prior.mean_loc / prior.mean_scale**2 + data @ one_hot / state.variances) / precision
    means = centre + jax.random.normal(key_mu, (num_components,), data.dtype) / jnp.sqrt(precision)
    squares = jnp.sum(one_hot * (data[:, None] - means) ** 2, axis=0)
    shape = prior.var_shape + 0.5 * counts
    variances = (prior.var_scale + 0.5 * squares) / jax.random.gamma(key_var, shape, dtype=data.dtype)
    weights = jax.random.dirichlet(key_pi, prior.concentration + counts, dtype=data.dtype)
    return State(weights, means, variances)


@functools.partial(jax.jit, static_argnames="num_sweeps")
def bare_jax_chain(key, data, state: State, prior: gg.GMMPrior, num_sweeps: int) -> State:
    def sweep(state, key):
        return bare_jax_sweep(key, data, state, prior), None

    return jax.lax.scan(sweep, state, jax.random.split(key, num_sweeps))[0]


def numpy_sweep(rng: np.random.Generator, data: np.ndarray, state: State, prior: gg.GMMPrior) -> State:
    """The same sweep in vectorised NumPy, in the dtype of ``data``."""
    num_components = state.weights.shape[0]
    logits = (
        np.log(state.weights)
        - 0.5 * np.log(state.variances)
        - 0.5 * (data[:, None] - state.means) ** 2 / state.variances
    ).astype(data.dtype)
    cumulative = np.cumsum(np.exp(logits - logits.max(axis=1, keepdims=True)), axis=1)
    uniforms = rng.random(data.size, dtype=data.dtype) * cumulative[:, -1]
    assignments = np.sum(cumulative[:, :-1] < uniforms[:, None], axis=1)
    counts = np.bincount(assignments, minlength=num_components)
    precision = 1 / prior.mean_scale**2 + counts / state.variances
    sums = np.bincount(assignments, weights=data, minlength=num_components)
    centre = (prior.mean_loc / prior.mean_scale**2 + sums / state.variances) / precision
    means = centre + rng.standard_normal(num_components) / np.sqrt(precision)
    squares = np.bincount(assignments, weights=(data - means[assignments]) ** 2, minlength=num_components)
    variances = (prior.var_scale + 0.5 * squares) / rng.gamma(prior.var_shape + 0.5 * counts)
    weights = rng.dirichlet(prior.concentration + counts)
    return State(weights, means, variances)


def numpy_chain(seed: int, data: np.ndarray, state: State, prior: gg.GMMPrior, num_sweeps: int) -> State:
    rng = np.random.default_rng(seed)
    for _ in range(num_sweeps):
        state = numpy_sweep(rng, data, state, prior)
    return state


# ---------------------------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------------------------


def timed(run: Callable[[], object], repeats: int) -> tuple[float, float, object]:
    """(first call, best of ``repeats`` later calls) in seconds, and the last result (JAX results
    are waited for)."""
    start = time.perf_counter()
    result = jax.block_until_ready(run())
    first = time.perf_counter() - start
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        result = jax.block_until_ready(run())
        best = min(best, time.perf_counter() - start)
    return first, best, result


def sampler_measurement(run: Callable[[], tuple], log_likelihoods_of: Callable[..., jax.Array]) -> tuple:
    """(draws, seconds of a second run, ESS, split R-hat, ESS per second) of the log-likelihoods
    ``log_likelihoods_of(*run())`` (chains, draws) of a sampler's parameter draws."""
    _, seconds, draws = timed(run, 1)
    log_likelihoods = np.asarray(log_likelihoods_of(*draws))
    ess = effective_sample_size(log_likelihoods)
    return log_likelihoods.size, seconds, ess, split_rhat(log_likelihoods), ess / seconds


def verdict(passed: bool) -> str:
    return "PASS" if passed else "MISS"


def simulated_mixture(num_points: int, num_components: int, seed: int = 0) -> tuple[np.ndarray, gg.GMMPrior]:
    """Well-separated unit-variance components at 0, 10, 20, … and a prior that covers them."""
    rng = np.random.default_rng(seed)
    centres = 10.0 * np.arange(num_components)
    data = rng.normal(centres[rng.integers(num_components, size=num_points)], 1.0)
    prior = gg.GMMPrior(1.0, mean_loc=float(centres.mean()), mean_scale=10.0 * num_components, var_shape=2.0,
                        var_scale=1.0)
    return data, prior


def starting_state(data: np.ndarray, num_components: int) -> State:
    return State(
        np.full(num_components, 1.0 / num_components),
        np.quantile(data, (np.arange(num_components) + 0.5) / num_components),
        np.full(num_components, data.var()),
    )


# ---------------------------------------------------------------------------------------------
# NUTS on the marginalised model, and the label-invariant log-likelihood
# ---------------------------------------------------------------------------------------------


def marginal_gmm(data, num_components: int, prior: gg.GMMPrior) -> None:
    """The Bayesian GMM with z summed out: log p(x | π, μ, σ²) = Σ_i logsumexp_k(log π_k + log N)."""
    import numpyro
    import numpyro.distributions as dist

    weights = numpyro.sample("weights", dist.Dirichlet(jnp.full(num_components, prior.concentration)))
    with numpyro.plate("components", num_components):
        means = numpyro.sample("means", dist.Normal(prior.mean_loc, prior.mean_scale))
        variances = numpyro.sample("variances", dist.InverseGamma(prior.var_shape, prior.var_scale))
    numpyro.factor("data", log_likelihood(data, weights, means, jnp.sqrt(variances)))


def log_likelihood(data, weights, means, stds) -> jax.Array:
    """Σ_i log Σ_k π_k N(x_i; μ_k, σ_k²) for one parameter draw (the quantity whose ESS we report)."""
    return jnp.sum(gg.log_marginal_density(data, weights, means, stds))


@jax.jit
def log_likelihood_of_draws(data, weights, means, stds) -> jax.Array:
    """``log_likelihood`` over leading (chain, draw) axes of the parameter arrays."""
    per_draw = functools.partial(log_likelihood, data)
    return jax.vmap(jax.vmap(per_draw))(weights, means, stds)


def nuts_draws(key, data, num_components, prior, config: Config, num_chains: int):
    """A function running NUTS (chains vectorised) → (weights, means, stds), each (chains, draws, K).

    Every chain starts where a Gibbs chain would (``gibbs.initial_state``: k-means++ means, prior
    mode variances, equal weights), so both samplers get the same kind of data-based start.
    """
    from numpyro.infer import MCMC, NUTS
    from numpyro.infer.util import unconstrain_fn

    model = functools.partial(marginal_gmm, num_components=num_components, prior=prior)
    data = jnp.asarray(data)
    starts = [initial_state(chain_key, data, num_components, prior) for chain_key in jax.random.split(key, num_chains)]
    init_params = jax.tree.map(
        lambda *values: jnp.stack(values),
        *(unconstrain_fn(model, (data,), {}, {"weights": s.weights, "means": s.means, "variances": s.variances})
          for s in starts),
    )
    mcmc = MCMC(NUTS(model), num_warmup=config.nuts_warmup, num_samples=config.nuts_samples,
                num_chains=num_chains, chain_method="vectorized", progress_bar=False, jit_model_args=True)

    def run():
        mcmc.run(key, data, init_params=init_params)
        draws = mcmc.get_samples(group_by_chain=True)
        return draws["weights"], draws["means"], jnp.sqrt(draws["variances"])

    return run


# ---------------------------------------------------------------------------------------------
# The four measurements
# ---------------------------------------------------------------------------------------------


def gibbs_throughput(config: Config) -> list[str]:
    """Table 1: point-updates per second of gibbs, the bare JAX sweep and the NumPy sweep."""
    rows = ["| N | K | dtype | Gibbs (point-updates/s) | chains computed | compile (s): Gibbs / bare | bare JAX "
            "| Gibbs ÷ bare JAX | NumPy | Gibbs ÷ NumPy | verdict |", "|" + "---|" * 11]
    cases = [(n, k, jnp.float64) for n in config.sizes for k in config.components]
    cases += [(n, 3, jnp.float32) for n in config.sizes if n >= 10**5]
    for num_points, num_components, dtype in cases:
        data, prior = simulated_mixture(num_points, num_components)
        num_sweeps = max(8, config.points_per_timing // num_points)
        key = jax.random.key(0)

        def run_gibbs():
            return gibbs(key, data, num_components, prior, num_sweeps, num_chains=1, burn_in=num_sweeps - 4,
                         keep_assignments=False, dtype=dtype).log_joint

        first, gibbs_seconds, _ = timed(run_gibbs, config.repeats)
        compile_seconds = first - gibbs_seconds
        typed = functools.partial(jnp.asarray, dtype=dtype)
        start = jax.tree.map(typed, starting_state(data, num_components))
        jax_data, jax_prior = typed(data), jax.tree.map(typed, prior)
        bare_first, bare_seconds, _ = timed(
            lambda: bare_jax_chain(key, jax_data, start, jax_prior, num_sweeps), config.repeats
        )
        numpy_sweeps = max(2, num_sweeps // 10)
        numpy_data = data.astype(dtype)
        _, numpy_seconds, _ = timed(
            lambda: numpy_chain(0, numpy_data, starting_state(data, num_components), prior, numpy_sweeps),
            config.repeats,
        )
        rate = num_points * num_sweeps / gibbs_seconds
        # one requested chain runs in a program of this many chains (engine.buckets.chain_width)
        chains_computed = chain_width(1, bucket_size(num_points) * num_components)
        bare_rate = num_points * num_sweeps / bare_seconds
        numpy_rate = num_points * numpy_sweeps / numpy_seconds
        checks = [
            f"{verdict(rate >= bare_rate / BARE_JAX_SLOWDOWN)} ≥ bare/{BARE_JAX_SLOWDOWN}",
            f"{verdict(rate >= NUMPY_SPEEDUP * numpy_rate)} ≥ {NUMPY_SPEEDUP:g}× NumPy",
            f"{verdict(compile_seconds <= COMPILE_SECONDS)} compile ≤ {COMPILE_SECONDS:g} s",
        ]
        if (num_points, num_components, dtype) == (10**5, 3, jnp.float64):
            checks.insert(0, f"{verdict(rate >= THROUGHPUT_TARGET)} ≥ {THROUGHPUT_TARGET:.0e}/s")
        rows.append(
            f"| {num_points:.0e} | {num_components} | {jnp.dtype(dtype).name} | {rate:.3g} | {chains_computed} "
            f"| {compile_seconds:.2f} / {bare_first - bare_seconds:.2f} "
            f"| {bare_rate:.3g} | {rate / bare_rate:.2f} | {numpy_rate:.3g} | {rate / numpy_rate:.1f} "
            f"| {'; '.join(checks)} |"
        )
        print(rows[-1], flush=True)
    return rows


def effective_samples_per_second(config: Config) -> list[str]:
    """Table 2: ESS/s of the log-likelihood, Gibbs against NUTS on the marginalised model."""
    rows = ["| data | N | sampler | draws | seconds | ESS | R-hat | ESS/s | Gibbs ÷ NUTS | verdict |",
            "|" + "---|" * 10]
    num_chains, num_components = 4, 3
    datasets = [("coffee", gg.COFFEE_CAFFEINE)]
    datasets += [("simulated coffee", np.asarray(gg.coffee_cups(jax.random.key(1), n).get_choices()["x"]))
                 for n in config.ess_sizes]
    for name, data in datasets:
        key = jax.random.key(2)

        def run_gibbs():
            result = gibbs(key, data, num_components, COFFEE_PRIOR, config.gibbs_sweeps, num_chains=num_chains,
                           keep_assignments=False)
            return result.weights, result.means, result.stds

        samplers = {"Gibbs": run_gibbs, "NUTS": nuts_draws(key, data, num_components, COFFEE_PRIOR, config, num_chains)}
        log_likelihoods_of = functools.partial(log_likelihood_of_draws, jnp.asarray(data))
        measured = {sampler: sampler_measurement(run, log_likelihoods_of) for sampler, run in samplers.items()}
        ratio = measured["Gibbs"][4] / measured["NUTS"][4]
        for sampler, (draws, seconds, ess, rhat, per_second) in measured.items():
            comparison = (f"{ratio:.1f} | {verdict(ratio >= NUTS_SPEEDUP)} ≥ {NUTS_SPEEDUP:g}×"
                          if sampler == "Gibbs" else " | reference")
            rows.append(f"| {name} | {data.size} | {sampler} | {draws} | {seconds:.2f} | {ess:.0f} | {rhat:.3f} "
                        f"| {per_second:.3g} | {comparison} |")
            print(rows[-1], flush=True)
    return rows


def em_seconds_per_fit(config: Config) -> list[str]:
    """Table 3: seconds per EM fit, genjax_gmm.em against scikit-learn (reference, no target)."""
    from sklearn.mixture import GaussianMixture

    rows = ["| N | K | em (s/fit) | em log L | scikit-learn (s/fit) | scikit-learn log L |", "|" + "---|" * 6]
    num_components = 3
    for num_points in config.em_sizes:
        data, _ = simulated_mixture(num_points, num_components)
        fit = functools.partial(gg.em, data, num_components, num_restarts=1, tolerance=1e-3)
        _, em_seconds, result = timed(fit, config.repeats)
        reference = GaussianMixture(num_components, covariance_type="spherical", tol=1e-3, max_iter=500,
                                    reg_covar=1e-6, random_state=0)
        _, sklearn_seconds, _ = timed(lambda: reference.fit(data[:, None]), config.repeats)
        rows.append(f"| {num_points:.0e} | {num_components} | {em_seconds:.4f} | {result.log_likelihood:.6g} "
                    f"| {sklearn_seconds:.4f} | {reference.score(data[:, None]) * num_points:.6g} |")
        print(rows[-1], flush=True)
    return rows


def importance_particles_per_second(config: Config) -> list[str]:
    """Table 4: importance resampling from the prior on the 20 bentos, of the full model (z drawn
    from the prior too) and of the marginal model (z summed out). No target: the ESS column shows
    what summing out buys, the particles/s column what it costs."""
    rows = ["| sampler | particles | seconds | particles/s | ESS | log p̂(x) |", "|" + "---|" * 6]
    data = gg.MYSTERY_BENTO_WEIGHTS
    samplers = {"joint (importance_resampling)": importance_resampling,
                "marginal (marginal_importance_resampling)": marginal_importance_resampling}
    for num_particles in config.particles:
        for name, sampler in samplers.items():
            run = functools.partial(sampler, jax.random.key(3), data, 2, BENTO_PRIOR, num_particles, 100)
            _, seconds, result = timed(run, config.repeats)
            rows.append(f"| {name} | {num_particles:.0e} | {seconds:.3f} | {num_particles / seconds:.3g} "
                        f"| {result.effective_sample_size:.2f} | {result.log_marginal_likelihood:.3f} |")
            print(rows[-1], flush=True)
    return rows


SMC_SPREAD_RATIO = 0.1  # SMC's spread of log p̂(x) over keys at most this fraction of joint IS's
GIBBS_EVIDENCE_SWEEPS = 200  # Gibbs sweeps (4 chains) before ``gibbs_log_evidence``'s proposals


def _spread_at_equal_time(name, sampler, num_particles, num_keys, repeats, reference_seconds) -> tuple:
    """Particles that take ``reference_seconds`` (two rounds of timing and rescaling from
    ``num_particles``; none without a reference), then the mean and sd of log p̂(x) over ``num_keys``
    keys at that many particles."""
    matched = num_particles
    _, seconds, _ = timed(lambda: sampler(jax.random.key(0), matched), repeats)
    for _ in range(2 if reference_seconds else 0):
        matched = max(int(matched * reference_seconds / seconds), 1)
        _, seconds, _ = timed(lambda: sampler(jax.random.key(0), matched), repeats)
    estimates = np.array([sampler(jax.random.key(i), matched).log_marginal_likelihood for i in range(num_keys)])
    return name, matched, seconds, estimates


def smc_versus_importance(config: Config) -> list[str]:
    """Table 8: the spread over keys of log p̂(x) of ``gg.smc`` (2,000 particles, one Gibbs sweep per
    resampling) against importance sampling from the prior, full and marginal, each given the wall
    time of one SMC run (its particle count calibrated by a timing), beside the reference value:
    exact for the bentos (z* and its mirror image, Chapter 6), for the coffee (3³⁰ assignments) the
    mean of 5 SMC runs of 50,000 particles and 5 sweeps. Target: SMC's sd ≤ 1/10 of joint IS's.
    Also SMC's particle-steps per second (P × N / s), and a row for Gibbs sampling (4 chains of
    ``GIBBS_EVIDENCE_SWEEPS`` sweeps) followed by ``gibbs_log_evidence``, its proposals ("particles")
    calibrated to the same time."""
    num_keys = 5 if config is QUICK else 20
    rows = ["| data (K) | sampler | particles | seconds per run | mean log p̂(x) | sd over keys | reference log p(x) "
            "| particle-steps/s |", "|" + "---|" * 8]
    bento_exact = np.log(2) + gg.collapsed_log_joint(gg.MYSTERY_BENTO_WEIGHTS, (gg.MYSTERY_BENTO_WEIGHTS > 425)
                                                     .astype(int), 2, BENTO_PRIOR)
    verdicts = []
    for label, data, num_components, prior in [("bentos (2)", gg.MYSTERY_BENTO_WEIGHTS, 2, BENTO_PRIOR),
                                               ("coffee (3)", gg.COFFEE_CAFFEINE, 3, COFFEE_PRIOR)]:
        def smc(key, num_particles, sweeps=1, data=data, num_components=num_components, prior=prior):
            return gg.smc(key, data, num_components, prior, num_particles=num_particles, rejuvenation_sweeps=sweeps)

        def importance(sampler, data=data, num_components=num_components, prior=prior):
            return lambda key, num_particles: sampler(key, data, num_components, prior, num_particles, 100)

        def gibbs_evidence(key, num_proposals, data=data, num_components=num_components, prior=prior):
            gibbs_key, proposal_key = jax.random.split(key)
            draws = gg.gibbs(gibbs_key, data, num_components, prior, GIBBS_EVIDENCE_SWEEPS)
            return gg.gibbs_log_evidence(proposal_key, draws, data, prior, num_proposals=num_proposals)

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", gg.ImportanceWarning)
            # 4 × 150 kept Gibbs draws have an ESS of 300–450, under gibbs's 100 per chain for summaries; the
            # proposal needs less (the spread column shows what it gives)
            warnings.simplefilter("ignore", gg.ConvergenceWarning)
            if data is gg.MYSTERY_BENTO_WEIGHTS:
                reference = f"{bento_exact:.3f} (exact)"
            else:
                long_runs = [smc(jax.random.key(100 + i), 50_000, 5).log_marginal_likelihood for i in range(5)]
                reference = f"{np.mean(long_runs):.3f} ± {np.std(long_runs, ddof=1) / np.sqrt(5):.3f} (SMC 5×5·10⁴)"
            smc_row = _spread_at_equal_time("smc", smc, 2000, num_keys, config.repeats, None)
            results = [smc_row] + [
                _spread_at_equal_time(name, importance(sampler), 10**5, num_keys, config.repeats, smc_row[2])
                for name, sampler in [("importance_resampling", importance_resampling),
                                      ("marginal_importance_resampling", marginal_importance_resampling)]
            ] + [_spread_at_equal_time("gibbs + gibbs_log_evidence", gibbs_evidence, 2000, num_keys, config.repeats,
                                       smc_row[2])]
        for name, num_particles, seconds, estimates in results:
            steps = f"{num_particles * data.size / seconds:.3g}" if name == "smc" else ""
            rows.append(f"| {label} | {name} | {num_particles:,} | {seconds:.3f} | {estimates.mean():.3f} "
                        f"| {estimates.std(ddof=1):.3f} | {reference} | {steps} |")
            print(rows[-1], flush=True)
        ratio = results[0][3].std(ddof=1) / results[1][3].std(ddof=1)
        verdicts.append(f"{label}: SMC's sd / joint IS's sd = {ratio:.3f} (target ≤ {SMC_SPREAD_RATIO}) "
                        f"{verdict(ratio <= SMC_SPREAD_RATIO)}")
    return rows + [""] + verdicts


ROOT = Path(__file__).resolve().parents[1]

REFERENCE_WORKLOAD = """
import time, jax, jax.numpy as jnp, numpy as np
jax.config.update("jax_enable_x64", True)
start = time.perf_counter()
import run
data = jnp.asarray(np.random.default_rng(0).normal(size=1000))
state = run.starting_state(np.asarray(data), 3)
jax.block_until_ready(run.bare_jax_chain(jax.random.key(0), data, state, run.BENTO_PRIOR, 2000))
print(time.perf_counter() - start)
"""
"""A fresh process compiling and running 2000 bare JAX sweeps (N = 10³, K = 3), cache off."""


def _notebook_targets():
    spec = importlib.util.spec_from_file_location("notebook_conftest", ROOT / "tests" / "conftest.py")
    conftest = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conftest)
    return conftest.target_seconds


def _nbval_seconds(notebook: Path, cache: str) -> float:
    """Wall seconds of ``pytest --nbval-lax`` on one notebook in a fresh process, cache in ``cache``."""
    environment = {**os.environ, "JAX_COMPILATION_CACHE_DIR": cache}
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax", "--nbval-current-env",
         str(notebook.relative_to(ROOT))],
        cwd=ROOT, env=environment, check=True, capture_output=True,
    )
    return time.perf_counter() - start


GALAXY_PRIOR = gg.DPMMPrior(concentration=1.0, mean_loc=20_000.0, mean_pseudo_count=0.01, var_shape=2.0, var_scale=2e6)
"""Chapter 7's prior for the galaxies: σ around 1,000 km/s, μ | σ with standard deviation 10σ."""
VI_COMPONENTS, VI_WEIGHT_FLOOR, VI_SEEDS = 20, 0.01, 10


def dpmm_versus_variational(config: Config) -> list[str]:
    """Table 6: the 82 galaxies, ``dpmm_gibbs`` (collapsed Gibbs, 4 chains of ``gibbs_sweeps``
    sweeps) against scikit-learn's variational DP mixture (``BayesianGaussianMixture``, truncated
    at 20 components, the same Normal-Inverse-Gamma base measure: mean_precision_prior = κ₀,
    degrees_of_freedom_prior = 2a, covariance_prior = 2b), one fit per seed. Gibbs reports the
    posterior P(K | x); VI a single answer per fit, the number of components with weight > 1 %."""
    from sklearn.mixture import BayesianGaussianMixture

    data, prior = gg.GALAXY_VELOCITIES, GALAXY_PRIOR
    rows = ["| method | seconds (first call / best) | number of kinds K | R-hat of K / log joint |", "|" + "---|" * 4]
    run = functools.partial(gg.dpmm_gibbs, jax.random.key(6), data, prior, config.gibbs_sweeps)
    first, best, result = timed(run, config.repeats)
    p_k = gg.posterior_num_clusters(result)
    likely = ", ".join(f"P({k}) = {p_k[k]:.2f}" for k in np.flatnonzero(p_k >= 0.05))
    rows.append(f"| dpmm_gibbs, 4 chains × {config.gibbs_sweeps} sweeps | {first:.2f} / {best:.2f} "
                f"| E[K \\| x] = {result.num_clusters.mean():.2f}; {likely} "
                f"| {result.rhat_num_clusters:.3f} / {result.rhat_log_joint:.3f} |")
    print(rows[-1], flush=True)
    answers, seconds = [], []
    for seed in range(VI_SEEDS):
        fit = BayesianGaussianMixture(
            n_components=VI_COMPONENTS, weight_concentration_prior_type="dirichlet_process",
            weight_concentration_prior=prior.concentration, mean_prior=[prior.mean_loc],
            mean_precision_prior=prior.mean_pseudo_count, degrees_of_freedom_prior=2 * prior.var_shape,
            covariance_prior=[[2 * prior.var_scale]], max_iter=2000, random_state=seed)
        start = time.perf_counter()
        fit.fit(data[:, None])
        seconds.append(time.perf_counter() - start)
        answers.append(int(np.sum(fit.weights_ > VI_WEIGHT_FLOOR)))
    counts = np.bincount(answers)
    spread = ", ".join(f"K = {k} in {counts[k]}" for k in np.flatnonzero(counts))
    rows.append(f"| BayesianGaussianMixture (VI), {VI_SEEDS} seeds | {np.mean(seconds):.2f} per fit "
                f"| weight > {VI_WEIGHT_FLOOR:.0%}: {spread} of {VI_SEEDS} fits | |")
    print(rows[-1], flush=True)
    return rows


def notebook_seconds(config: Config) -> list[str]:
    """Table 5: each notebook's time under nbval beside its target and the reference workload."""
    environment = {**os.environ, "GENJAX_GMM_COMPILATION_CACHE": "0"}
    reference = float(subprocess.run(
        [sys.executable, "-c", REFERENCE_WORKLOAD], cwd=Path(__file__).parent, env=environment,
        check=True, capture_output=True, text=True,
    ).stdout)
    print(f"reference workload: {reference:.2f} s", flush=True)
    target_seconds = _notebook_targets()
    rows = [f"reference workload (fresh process, 2000 bare JAX sweeps, N = 10³, K = 3, no cache): {reference:.2f} s",
            "", "| notebook | target (s) | cold (s) | cold ÷ reference | verdict | warm re-run (s) "
            "| student twin after it, warm (s) |", "|" + "---|" * 7]
    for solution in sorted((ROOT / "solutions").glob(os.environ.get("BENCH_NOTEBOOKS", "*.ipynb"))):
        twin = ROOT / "chapters" / solution.name
        with tempfile.TemporaryDirectory() as cache:
            cold = _nbval_seconds(solution, cache)
            twin_warm = _nbval_seconds(twin, cache) if twin.exists() else float("nan")
            warm = _nbval_seconds(solution, cache)
        target = target_seconds(solution.name)
        rows.append(f"| {solution.stem} | {target:g} | {cold:.1f} | {cold / reference:.1f} | "
                    f"{verdict(cold <= target)} ≤ {target:g} s | {warm:.1f} | {twin_warm:.1f} |")
        print(rows[-1], flush=True)
    return rows


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
               platform.processor())
    import numpyro
    import sklearn

    return (f"{os.cpu_count()} CPUs ({cpu}); Python {platform.python_version()}, jax {jax.__version__}, "
            f"numpy {np.__version__}, numpyro {numpyro.__version__}, scikit-learn {sklearn.__version__}; "
            f"load average {os.getloadavg()[0]:.1f}")


def multivariate_mixtures_tables(config: Config) -> list[str]:
    """Chapter 8's two tables (``benchmarks/multivariate_mixtures.py``), one after the other."""
    import multivariate_mixtures  # beside this file

    return multivariate_mixtures.tables(config is QUICK, timed, sampler_measurement)


def variational_tables(config: Config) -> list[str]:
    """Chapter 9's two tables (``benchmarks/variational.py``): mv.cavi against scikit-learn, advi."""
    import variational  # beside this file

    return variational.tables(config is QUICK, timed)


SECTIONS = {
    "throughput": ("Gibbs throughput (point-updates/s = N × sweeps / s)", gibbs_throughput),
    "ess": ("Effective samples per second of the log-likelihood", effective_samples_per_second),
    "em": ("EM seconds per fit", em_seconds_per_fit),
    "importance": ("Importance resampling from the prior (bento data, K = 2)", importance_particles_per_second),
    "notebooks": ("Notebooks under nbval, alone (cold and warm compilation cache)", notebook_seconds),
    "multivariate": (
        "Multivariate mixtures (Chapter 8): ESS/s on Old Faithful, EM per fit",
        multivariate_mixtures_tables,
    ),
    "dpmm": ("Dirichlet-process mixture of the galaxies: collapsed Gibbs against variational inference",
             dpmm_versus_variational),
    "smc": ("Sequential Monte Carlo against importance sampling at equal wall time", smc_versus_importance),
    "variational": ("Variational inference (Chapter 9): mv.cavi against scikit-learn per fit, advi",
                    variational_tables),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a fast smoke run (fewer sizes, shorter chains)")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, default=list(SECTIONS), metavar="SECTION",
                        help=f"run only these sections ({', '.join(SECTIONS)})")
    arguments = parser.parse_args()
    config = QUICK if arguments.quick else FULL
    print(f"Machine at start: {machine()}\n")
    tables = []
    for name in arguments.only:
        title, measure = SECTIONS[name]
        print(f"## {title}\n", flush=True)
        tables.append((title, measure(config)))
        print()
    print(f"Machine at end: {machine()}\n")
    for title, rows in tables:
        print(f"## {title}\n\n" + "\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
