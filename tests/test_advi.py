"""Black-box VI in GenJAX (``gg.advi``) against exact answers and an independent gradient.

* its final ELBO estimate lies below the exact log evidence (enumeration, tests/harness/exact_gmm.py)
  within its Monte Carlo error, and not far below;
* ADEV's single-draw ELBO estimates and gradients (``elbo_estimates``), by reparameterisation and by
  REINFORCE, agree in expectation with a pathwise gradient written in plain JAX (``jax.grad`` of
  log p(x, θ(u)) + log |det ∂θ/∂u| − log q(u) at u = loc + scale·ε, densities from
  ``jax.scipy.stats``, no GenJAX), within their standard errors; REINFORCE's variance is larger;
* input checks, the too-few-steps warning, reproducibility and the ArviZ export of its draws.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from harness.cases import TINY_1D, TINY_1D_PRIOR
from harness.exact_gmm import Prior, exact_posterior
from jax.scipy import stats as jstats
from jax.scipy.special import logsumexp

import genjax_gmm as gg
from genjax_gmm.engine.buckets import pad_to_bucket
from genjax_gmm.engine.diagnostics import ConvergenceWarning
from genjax_gmm.variational.advi import constrain, elbo_estimates, variational_family

PRIOR = gg.GMMPrior(*TINY_1D_PRIOR)


@pytest.fixture(scope="module")
def tiny_fit():
    return gg.advi(jax.random.key(0), TINY_1D, 2, PRIOR, num_steps=2000, learning_rate=0.02, num_samples=16)


def test_elbo_is_below_the_exact_log_evidence(tiny_fit):
    exact = exact_posterior(TINY_1D, 2, Prior(*TINY_1D_PRIOR)).log_marginal_likelihood
    assert tiny_fit.elbo < exact + 4 * tiny_fit.elbo_standard_error
    assert exact - tiny_fit.elbo < 3.0
    assert tiny_fit.elbo_standard_error < 0.05  # the bound is checked sharply
    # the trace ends where the final q's own estimate is
    assert abs(tiny_fit.elbo_trace[-200:].mean() - tiny_fit.elbo) < 0.2


# --- ADEV's gradients against plain JAX ----------------------------------------------------

LOC = jnp.array([0.3, -2.0, 1.5, np.log(0.3), np.log(0.5)])  # η₂, μ₁, μ₂, log σ²₁, log σ²₂
LOG_SCALE = jnp.log(jnp.array([0.3, 0.2, 0.2, 0.3, 0.3]))
NUM_DRAWS = 4000


def _plain_integrand(parameters, noise):
    """log p(x, θ(u)) + log |det ∂θ/∂u| − log q(u), u = loc + scale·ε, from jax.scipy densities."""
    loc, log_scale = parameters
    u = loc + jnp.exp(log_scale) * noise
    weights, means, variances, log_jacobian = constrain(u, 2)
    concentration, mean_loc, mean_scale, var_shape, var_scale = TINY_1D_PRIOR
    stds = jnp.sqrt(variances)
    log_prior = (
        jstats.dirichlet.logpdf(weights, jnp.full(2, concentration))
        + jnp.sum(jstats.norm.logpdf(means, mean_loc, mean_scale))
        + jnp.sum(var_shape * jnp.log(var_scale) - jax.scipy.special.gammaln(var_shape)
                  - (var_shape + 1) * jnp.log(variances) - var_scale / variances)
    )
    log_likelihood = jnp.sum(logsumexp(jnp.log(weights) + jstats.norm.logpdf(TINY_1D[:, None], means, stds), axis=1))
    log_q = jnp.sum(jstats.norm.logpdf(u, loc, jnp.exp(log_scale)))
    return log_prior + log_likelihood + log_jacobian - log_q


def _mean_and_error(values):
    values = np.asarray(values)
    return values.mean(axis=0), values.std(axis=0, ddof=1) / np.sqrt(values.shape[0])


@pytest.fixture(scope="module")
def estimates():
    padded, mask = (jnp.asarray(array) for array in pad_to_bucket(TINY_1D))
    keys = jax.random.split(jax.random.key(1), NUM_DRAWS)
    result = {}
    for name in ("reparam", "reinforce"):
        family = variational_family(name)
        values, (loc_gradients, scale_gradients) = jax.jit(
            lambda keys, family=family: elbo_estimates(family, keys, (LOC, LOG_SCALE), padded, mask, PRIOR)
        )(keys)
        result[name] = (values, np.concatenate([loc_gradients, scale_gradients], axis=1))
    noise = jax.random.normal(jax.random.key(2), (NUM_DRAWS, LOC.size))
    values, (loc_gradients, scale_gradients) = jax.vmap(
        jax.value_and_grad(_plain_integrand), in_axes=(None, 0)
    )((LOC, LOG_SCALE), noise)
    result["plain"] = (values, np.concatenate([loc_gradients, scale_gradients], axis=1))
    return result


@pytest.mark.parametrize("estimator", ["reparam", "reinforce"])
def test_adev_estimates_agree_with_plain_jax_in_expectation(estimates, estimator):
    reference_value, reference_value_error = _mean_and_error(estimates["plain"][0])
    value, value_error = _mean_and_error(estimates[estimator][0])
    assert abs(value - reference_value) < 4 * np.hypot(value_error, reference_value_error)
    reference, reference_error = _mean_and_error(estimates["plain"][1])
    gradient, error = _mean_and_error(estimates[estimator][1])
    assert np.all(np.abs(gradient - reference) < 4.5 * np.hypot(error, reference_error)), (gradient, reference)
    assert np.max(np.abs(reference)) > 20 * np.max(reference_error)  # the comparison is sharp: a gradient, not noise


def test_reinforce_varies_more_than_reparameterisation(estimates):
    reparam = np.var(estimates["reparam"][1], axis=0).sum()
    reinforce = np.var(estimates["reinforce"][1], axis=0).sum()
    print(f"gradient variance per draw: reparam {reparam:.3g}, reinforce {reinforce:.3g} ({reinforce / reparam:.0f}x)")
    assert reinforce > 10 * reparam


# --- warnings, input checks, reproducibility, export --------------------------------------


def test_too_few_steps_warn():
    with pytest.warns(ConvergenceWarning, match="too few"):
        gg.advi(jax.random.key(0), TINY_1D, 2, PRIOR, num_steps=20)


def test_same_key_same_result_and_arviz(tiny_fit):
    again = gg.advi(jax.random.key(0), TINY_1D, 2, PRIOR, num_steps=2000, learning_rate=0.02, num_samples=16)
    assert np.array_equal(again.elbo_trace, tiny_fit.elbo_trace) and np.array_equal(again.loc, tiny_fit.loc)
    inference_data = gg.to_inference_data(tiny_fit.draws)
    assert inference_data["posterior"]["means"].shape == (1, 1000, 2)
    # q's means in the data's units: the draws' average is loc's mean block, within its error
    draws_mean = inference_data["posterior"]["means"].mean(dim=("chain", "draw")).values
    assert np.all(np.abs(np.sort(draws_mean) - np.sort(tiny_fit.loc[1:3])) < 5 * tiny_fit.scale[1:3] / np.sqrt(1000))


@pytest.mark.parametrize(
    "change, error, match",
    [
        (dict(key=0), TypeError, "key"),
        (dict(data=np.array([1.0, np.inf])), ValueError, "data"),
        (dict(num_components=0), ValueError, "num_components"),
        (dict(num_components=8), ValueError, "num_components"),
        (dict(prior=TINY_1D_PRIOR), TypeError, "prior"),
        (dict(num_steps=0), ValueError, "num_steps"),
        (dict(learning_rate=-0.1), ValueError, "learning_rate"),
        (dict(num_samples=0), ValueError, "num_samples"),
        (dict(estimator="score"), ValueError, "estimator"),
    ],
)
def test_bad_input_is_rejected(change, error, match):
    arguments = dict(key=jax.random.key(0), data=TINY_1D, num_components=2, prior=PRIOR) | change
    positional = [arguments.pop(name) for name in ("key", "data", "num_components", "prior")]
    with pytest.raises(error, match=match):
        gg.advi(*positional, **arguments)
