"""Coordinate-ascent VI for the 1-D Bayesian mixture (``gg.cavi``) against exact answers.

* the ELBO never decreases along a fit, and each update is the exact optimum of its factor (any
  small change of the factor's parameters lowers the closed-form ELBO);
* the ELBO is a lower bound on the exact log evidence (enumeration of every assignment,
  tests/harness/exact_gmm.py), and on well-separated data its gap is log K! (q sits in one of the
  K! label-symmetric modes) plus a small mean-field loss;
* the closed-form ELBO equals a Monte Carlo average of log p(x, θ, z) − log q(θ, z) over draws from
  q (SciPy densities) within its standard error;
* its posterior means are those of a long Gibbs run on the same data;
* input checks, the non-convergence warning, and the ArviZ export of draws from q.
"""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from harness.cases import TINY_1D, TINY_1D_PRIOR
from harness.compilation import compilations
from harness.exact_gmm import Prior, exact_posterior
from scipy import stats

import genjax_gmm as gg
from genjax_gmm.engine.diagnostics import ConvergenceWarning
from genjax_gmm.variational.cavi import (
    Factors,
    elbo,
    update_assignments,
    update_means,
    update_variances,
    update_weights,
)

PRIOR = gg.GMMPrior(*TINY_1D_PRIOR)
SEPARATED_PRIOR = (1.0, 0.0, 5.0, 3.0, 0.1)  # α, m₀, s₀, a, b: tight kinds, far apart
SEPARATED = {
    1: np.array([-4.1, -3.9, -4.0, 3.9, 4.2, 4.0]),
    2: np.array([-4.1, -3.9, -4.0, 3.9, 4.2, 4.0]),
    3: np.array([-4.1, -3.9, 0.1, -0.1, 3.9, 4.1]),
}


@pytest.fixture(scope="module")
def tiny_fit():
    return gg.cavi(TINY_1D, 3, PRIOR)


def test_elbo_trace_never_decreases(tiny_fit):
    coffee = gg.cavi(gg.COFFEE_CAFFEINE, 3, gg.GMMPrior(1.0, 100.0, 50.0, 2.0, 100.0), num_restarts=3)
    for fit in (tiny_fit, coffee):
        assert fit.converged
        assert fit.elbo_trace.size >= 2
        assert np.all(np.diff(fit.elbo_trace) >= -1e-9 * np.abs(fit.elbo_trace[1:]))
        assert fit.elbo == fit.elbo_trace[-1] == max(fit.restart_elbos)


def test_elbo_is_below_the_exact_log_evidence(tiny_fit):
    exact = exact_posterior(TINY_1D, 3, Prior(*TINY_1D_PRIOR)).log_marginal_likelihood
    assert tiny_fit.elbo < exact
    assert exact - tiny_fit.elbo < 4.0  # and not trivially far below it (log 3! = 1.79 of the gap is label symmetry)


@pytest.mark.parametrize("num_components", [1, 2, 3])
def test_gap_on_separated_data_is_label_symmetry_plus_a_small_mean_field_loss(num_components):
    data = SEPARATED[num_components]
    fit = gg.cavi(data, num_components, gg.GMMPrior(*SEPARATED_PRIOR))
    exact = exact_posterior(data, num_components, Prior(*SEPARATED_PRIOR)).log_marginal_likelihood
    mean_field_loss = exact - fit.elbo - math.log(math.factorial(num_components))
    assert -0.01 < mean_field_loss < 0.25


# --- each update is the exact optimum of its factor --------------------------------------


def _arbitrary_factors(data, num_components, seed=0) -> Factors:
    """Factors that no update produced: every update below starts from these."""
    rng = np.random.default_rng(seed)
    return Factors(
        responsibilities=jnp.asarray(rng.dirichlet(np.ones(num_components), size=data.size)),
        concentrations=jnp.asarray(rng.uniform(0.5, 3.0, num_components)),
        mean_locs=jnp.asarray(rng.normal(0.0, 2.0, num_components)),
        mean_scales=jnp.asarray(rng.uniform(0.1, 1.0, num_components)),
        var_shapes=jnp.asarray(rng.uniform(2.0, 5.0, num_components)),
        var_scales=jnp.asarray(rng.uniform(0.5, 3.0, num_components)),
    )


UPDATES = {
    "weights": (lambda f, x: update_weights(f, PRIOR), ("concentrations",)),
    "variances": (lambda f, x: update_variances(f, x, PRIOR), ("var_shapes", "var_scales")),
    "means": (lambda f, x: update_means(f, x, PRIOR), ("mean_locs", "mean_scales")),
    "assignments": (lambda f, x: update_assignments(f, x, jnp.ones_like(x)), ("responsibilities",)),
}


@pytest.mark.parametrize("name", list(UPDATES))
def test_each_update_maximises_the_elbo_over_its_factor(name):
    data = jnp.asarray(TINY_1D)
    update, fields = UPDATES[name]
    optimum = update(_arbitrary_factors(data, 3), data)
    best = float(elbo(optimum, data, PRIOR))
    assert best > float(elbo(_arbitrary_factors(data, 3), data, PRIOR))
    rng = np.random.default_rng(1)
    for _ in range(20):
        changed = {}
        for field in fields:
            value = np.asarray(getattr(optimum, field))
            if field == "responsibilities":  # stay on the simplex
                value = value * np.exp(0.05 * rng.normal(size=value.shape))
                value = value / value.sum(axis=-1, keepdims=True)
            else:  # locations anywhere, the rest stay positive
                step = 0.02 * rng.normal(size=value.shape)
                value = value + step if field == "mean_locs" else value * np.exp(step)
            changed[field] = jnp.asarray(value)
        assert float(elbo(optimum._replace(**changed), data, PRIOR)) < best


# --- the closed form against Monte Carlo --------------------------------------------------


def test_closed_form_elbo_matches_monte_carlo(tiny_fit):
    num_draws = 20_000
    draws = tiny_fit.sample(jax.random.key(3), num_draws)
    a, m0, s0, shape, scale = TINY_1D_PRIOR
    variances = draws.stds**2
    chosen = np.take_along_axis
    z = draws.assignments
    log_joint = (
        stats.dirichlet.logpdf(draws.weights.T, np.full(3, a))
        + stats.norm.logpdf(draws.means, m0, s0).sum(axis=1)
        + stats.invgamma.logpdf(variances, shape, scale=scale).sum(axis=1)
        + np.log(chosen(draws.weights, z, axis=1)).sum(axis=1)
        + stats.norm.logpdf(TINY_1D, chosen(draws.means, z, axis=1), chosen(draws.stds, z, axis=1)).sum(axis=1)
    )
    log_q = (
        stats.dirichlet.logpdf(draws.weights.T, tiny_fit.concentrations)
        + stats.norm.logpdf(draws.means, tiny_fit.mean_locs, tiny_fit.mean_scales).sum(axis=1)
        + stats.invgamma.logpdf(variances, tiny_fit.var_shapes, scale=tiny_fit.var_scales).sum(axis=1)
        + np.log(tiny_fit.responsibilities[np.arange(TINY_1D.size), z]).sum(axis=1)
    )
    values = log_joint - log_q
    standard_error = values.std() / np.sqrt(num_draws)
    assert abs(values.mean() - tiny_fit.elbo) < 4 * standard_error
    assert standard_error < 0.05  # the check is sharp


# --- against Gibbs -------------------------------------------------------------------------


def test_posterior_means_match_a_long_gibbs_run():
    data = np.concatenate([np.random.default_rng(0).normal(centre, 0.5, 40) for centre in (-3.0, 0.0, 3.0)])
    prior = gg.GMMPrior(1.0, 0.0, 5.0, 2.0, 0.5)
    fit = gg.cavi(data, 3, prior)
    draws = gg.relabel_by_mean(gg.gibbs(jax.random.key(0), data, 3, prior, num_sweeps=1500, num_chains=2))
    gibbs_means = draws.means.reshape(-1, 3)
    standard_errors = gibbs_means.std(axis=0) / np.sqrt(gibbs_means.shape[0] / 10)  # autocorrelation: ~10 sweeps
    assert np.all(np.abs(fit.means - gibbs_means.mean(axis=0)) < 4 * standard_errors + 0.01)
    gibbs_weights = draws.weights.reshape(-1, 3).mean(axis=0)
    assert np.allclose(fit.weights, gibbs_weights, atol=0.02)
    # mean field is under-dispersed: q(μ_k)'s spread is at most the posterior's
    assert np.all(fit.mean_scales < 1.05 * gibbs_means.std(axis=0))


# --- warnings, input checks, export --------------------------------------------------------


def test_warns_when_not_converged():
    with pytest.warns(ConvergenceWarning, match="cavi"):
        fit = gg.cavi(TINY_1D, 3, PRIOR, max_iterations=2, num_restarts=1)
    assert not fit.converged
    assert fit.elbo_trace.size == 2


@pytest.mark.parametrize(
    "change, error, match",
    [
        (dict(data=np.array([1.0, np.nan])), ValueError, "data"),
        (dict(data=np.zeros((3, 2))), ValueError, "data"),
        (dict(num_components=0), ValueError, "num_components"),
        (dict(num_components=2.5), TypeError, "num_components"),
        (dict(num_components=8), ValueError, "num_components"),
        (dict(prior=(1.0, 0.0, 2.0, 3.0, 1.0)), TypeError, "prior"),
        (dict(max_iterations=0), ValueError, "max_iterations"),
        (dict(tolerance=-1.0), ValueError, "tolerance"),
        (dict(num_restarts=0), ValueError, "num_restarts"),
        (dict(seed=-1), ValueError, "seed"),
    ],
)
def test_bad_input_is_rejected(change, error, match):
    arguments = dict(data=TINY_1D, num_components=3, prior=PRIOR) | change
    settings = ("max_iterations", "tolerance", "num_restarts", "seed")
    keywords = {name: arguments.pop(name) for name in settings if name in arguments}
    with pytest.raises(error, match=match):
        gg.cavi(arguments["data"], arguments["num_components"], arguments["prior"], **keywords)


def test_draws_from_q_go_to_arviz(tiny_fit):
    draws = tiny_fit.sample(jax.random.key(0), 300)
    assert draws.means.shape == (300, 3) and draws.assignments.shape == (300, TINY_1D.size)
    inference_data = gg.to_inference_data(draws)
    posterior_means = inference_data["posterior"]["means"].mean(dim=("chain", "draw")).values
    standard_errors = tiny_fit.mean_scales / np.sqrt(300)
    assert np.all(np.abs(posterior_means - tiny_fit.means) < 5 * standard_errors)
    with pytest.raises(ValueError, match="num_draws"):
        tiny_fit.sample(jax.random.key(0), 0)


@pytest.mark.filterwarnings("ignore::genjax_gmm.ConvergenceWarning")  # 3 sweeps, on purpose
def test_no_recompilation_for_other_sizes_in_a_bucket_or_other_settings():
    data = np.random.default_rng(2).normal(size=104)
    gg.cavi(data[:100], 2, PRIOR).sample(jax.random.key(0), 100)
    with compilations() as seen:
        gg.cavi(data[:97], 2, PRIOR, tolerance=1e-6, seed=3).sample(jax.random.key(1), 120)  # 97 to 104: one bucket
        gg.cavi(data[:104], 2, PRIOR, max_iterations=3, num_restarts=2)
    assert seen.count == 0
