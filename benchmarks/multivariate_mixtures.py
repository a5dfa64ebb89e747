"""Chapter 8's benchmark section (``benchmarks/run.py --only multivariate``).

1. Effective samples per second on Old Faithful (K = 2, D = 2, the NIW prior of
   ``NIWPrior.from_data``): ``mv.gibbs`` against NumPyro's NUTS on the same model with the
   assignments summed out (as in the course's NumPyro source document), each chain started where
   a Gibbs chain starts (k-means++ means, prior-mode covariances, equal weights). The ESS is that
   of the label-invariant log-likelihood log p(x | π, μ, Σ) = Σ_i log Σ_k π_k N(x_i; μ_k, Σ_k),
   computed the same way from both samplers' draws; seconds are the wall time of a second run
   (burn-in or warm-up included, compilation excluded).
2. EM seconds per fit and log-likelihood: ``mv.em`` (one restart) against scikit-learn's
   ``GaussianMixture`` (one k-means++ init), same covariance type and stopping rule (mean
   log-likelihood gain ≤ 10⁻³), on Old Faithful and on simulated 2-D data.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

import genjax_gmm as gg
from genjax_gmm import multivariate as mv
from genjax_gmm.gaussian import mvn_mixture_logits
from genjax_gmm.multivariate.gibbs import initial_state


class Config(NamedTuple):
    gibbs_sweeps: int
    nuts_warmup: int
    nuts_samples: int
    em_sizes: tuple[int, ...]
    repeats: int


FULL = Config(2000, 500, 1000, (10**4, 10**5), 3)
QUICK = Config(400, 100, 200, (10**4,), 1)


def log_likelihood_of_draws(data, weights, means, covariances) -> jax.Array:
    """log p(x | π, μ, Σ) for every draw; parameters have leading (chain, draw) axes."""

    def one(weights, means, covariances):
        logits = mvn_mixture_logits(data, weights, means, covariances)
        return jnp.sum(jax.scipy.special.logsumexp(logits, axis=-1))

    return jax.jit(jax.vmap(jax.vmap(one)))(weights, means, covariances)


def marginal_model(data, num_components: int, prior: mv.NIWPrior) -> None:
    """The NIW mixture with z summed out, in NumPyro."""
    import numpyro
    import numpyro.distributions as dist

    weights = numpyro.sample("weights", dist.Dirichlet(jnp.full(num_components, prior.concentration)))
    with numpyro.plate("components", num_components):
        covariances = numpyro.sample(
            "covariances", dist.InverseWishart(prior.df, scale_matrix=jnp.asarray(prior.scale_matrix))
        )
        means = numpyro.sample(
            "means",
            dist.MultivariateNormal(
                jnp.asarray(prior.mean_loc), covariance_matrix=covariances / prior.mean_pseudo_count
            ),
        )
    logits = jnp.log(weights) + jax.vmap(
        lambda mean, covariance: dist.MultivariateNormal(mean, covariance_matrix=covariance).log_prob(data), out_axes=1
    )(means, covariances)
    numpyro.factor("data", jnp.sum(jax.scipy.special.logsumexp(logits, axis=-1)))


def nuts_run(key, data, num_components, prior, config: Config, num_chains: int):
    from numpyro.infer import MCMC, NUTS
    from numpyro.infer.util import unconstrain_fn

    model = functools.partial(marginal_model, num_components=num_components, prior=prior)
    data = jnp.asarray(data)
    starts = [initial_state(k, data, num_components, prior) for k in jax.random.split(key, num_chains)]
    init_params = jax.tree.map(
        lambda *values: jnp.stack(values),
        *(
            unconstrain_fn(model, (data,), {}, {"weights": s.weights, "means": s.means, "covariances": s.covariances})
            for s in starts
        ),
    )
    mcmc = MCMC(
        NUTS(model),
        num_warmup=config.nuts_warmup,
        num_samples=config.nuts_samples,
        num_chains=num_chains,
        chain_method="vectorized",
        progress_bar=False,
        jit_model_args=True,
    )

    def run():
        mcmc.run(key, data, init_params=init_params)
        draws = mcmc.get_samples(group_by_chain=True)
        return draws["weights"], draws["means"], draws["covariances"]

    return run


def effective_samples_per_second(config: Config, measure) -> list[str]:
    """``measure(run, log_likelihoods_of)`` is ``run.sampler_measurement``."""
    rows = ["| data | sampler | draws | seconds | ESS | R-hat | ESS/s | Gibbs ÷ NUTS |", "|" + "---|" * 8]
    data, num_components, num_chains = gg.OLD_FAITHFUL, 2, 4
    prior = mv.NIWPrior.from_data(data, num_components)
    key = jax.random.key(2)

    def run_gibbs():
        result = mv.gibbs(key, data, num_components, prior, config.gibbs_sweeps, num_chains=num_chains)
        return result.weights, result.means, result.covariances

    nuts = nuts_run(key, data, num_components, prior, config, num_chains)
    log_likelihoods_of = functools.partial(log_likelihood_of_draws, jnp.asarray(data))
    measured = {
        sampler: measure(run, log_likelihoods_of)
        for sampler, run in {"mv.gibbs": run_gibbs, "NUTS (z summed out)": nuts}.items()
    }
    ratio = measured["mv.gibbs"][4] / measured["NUTS (z summed out)"][4]
    for sampler, (draws, seconds, ess, rhat, per_second) in measured.items():
        comparison = f"{ratio:.1f}" if sampler == "mv.gibbs" else "reference"
        rows.append(
            f"| Old Faithful (N = 272) | {sampler} | {draws} | {seconds:.2f} | {ess:.0f} | {rhat:.3f} "
            f"| {per_second:.3g} | {comparison} |"
        )
        print(rows[-1], flush=True)
    return rows


def simulated_points(num_points: int, seed: int = 0) -> np.ndarray:
    """Three tilted 2-D clusters (the scikit-learn source document's first three)."""
    rng = np.random.default_rng(seed)
    means = np.array([[2.0, 2.0], [7.0, 7.0], [2.0, 8.0]])
    covariances = np.array([[[1.0, 0.5], [0.5, 1.0]], [[1.5, -0.3], [-0.3, 0.8]], [[0.6, 0.0], [0.0, 1.2]]])
    component = rng.integers(3, size=num_points)
    noise = np.einsum("nde,ne->nd", np.linalg.cholesky(covariances)[component], rng.standard_normal((num_points, 2)))
    return means[component] + noise


def em_seconds_per_fit(config: Config, timed) -> list[str]:
    from sklearn.mixture import GaussianMixture

    rows = [
        "| data | N | K | type | mv.em (s/fit) | mv.em log L | scikit-learn (s/fit) | scikit-learn log L |",
        "|" + "---|" * 8,
    ]
    datasets = [("Old Faithful", gg.OLD_FAITHFUL, 2)] + [("simulated", simulated_points(n), 3) for n in config.em_sizes]
    for name, data, num_components in datasets:
        for kind in ("full", "diag"):
            fit = functools.partial(mv.em, data, num_components, kind, num_restarts=1, tolerance=1e-3)
            _, em_seconds, result = timed(fit, config.repeats)
            reference = GaussianMixture(
                num_components,
                covariance_type=kind,
                tol=1e-3,
                max_iter=1000,
                n_init=1,
                init_params="k-means++",
                random_state=0,
            )
            _, sklearn_seconds, _ = timed(lambda: reference.fit(data), config.repeats)
            rows.append(
                f"| {name} | {data.shape[0]} | {num_components} | {kind} | {em_seconds:.4f} "
                f"| {result.log_likelihood:.6g} | {sklearn_seconds:.4f} | {reference.score(data) * data.shape[0]:.6g} |"
            )
            print(rows[-1], flush=True)
    return rows


def tables(quick: bool, timed, sampler_measurement) -> list[str]:
    """Both tables' rows, for ``benchmarks/run.py``, whose ``timed`` and ``sampler_measurement``
    the measurements share."""
    config = QUICK if quick else FULL
    return [*effective_samples_per_second(config, sampler_measurement), "", *em_seconds_per_fit(config, timed)]
