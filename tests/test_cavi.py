"""Coordinate-ascent VI for the 1-D Bayesian mixture (``gg.cavi``) against exact answers.

* the ELBO never decreases along a fit, and each update is a stationary point of the closed-form
  ELBO in its factor's parameters (its gradient, by jax.grad, vanishes to rounding; an update
  nudged by 1 % of a parameter leaves a gradient orders of magnitude larger);
* the fixed point and its ELBO are those of an independent NumPy CAVI (tests/harness/numpy_cavi.py),
  and the package's closed-form ELBO equals NumPy's at arbitrary factors;
* the ELBO is a lower bound on the exact log evidence (enumeration of every assignment,
  tests/harness/exact_gmm.py), and on well-separated data its gap is exactly −log P(z* | x) (q
  sits in one sorting z*: log K! of label symmetry and the posterior mass of the other sortings)
  plus the mean-field loss of each kind, KL(q(μ_k) q(σ²_k) ‖ p(μ_k, σ²_k | x_k)) by quadrature;
* q(μ_k) is narrower than the exact posterior of μ_k (quadrature) by the closed-form ratio
  √(1 − 1/(a + (n_k − 1)/2));
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
from harness.exact_gmm import Prior, exact_posterior, log_component_marginal, log_dirichlet_multinomial
from harness.numpy_cavi import Q, mean_field_loss, posterior_mean_spread
from harness.numpy_cavi import cavi as numpy_cavi
from harness.numpy_cavi import elbo as numpy_elbo
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


BENTOS = gg.MYSTERY_BENTO_WEIGHTS[:10]
BENTO_PRIOR = (1.0, 425.0, 100.0, 2.0, 10.0)


@pytest.mark.parametrize(
    ("data", "num_components", "prior"),
    [(SEPARATED[1], 1, SEPARATED_PRIOR), (SEPARATED[2], 2, SEPARATED_PRIOR), (SEPARATED[3], 3, SEPARATED_PRIOR),
     (BENTOS, 2, BENTO_PRIOR)],
)
def test_gap_is_the_mass_of_one_sorting_plus_each_kinds_mean_field_loss(data, num_components, prior):
    """log p(x) − ELBO = [log p(x) − log p(x, z*)] + Σ_k KL(q(μ_k) q(σ²_k) ‖ p(μ_k, σ²_k | x_k)) when q(z)
    is sure of the sorting z* (and q(π) is then p(π | z*) exactly)."""
    fit = gg.cavi(data, num_components, gg.GMMPrior(*prior))
    exact_prior = Prior(*prior)
    assert np.all(fit.responsibilities.max(axis=1) > 1 - 1e-9)  # q(z) is sure
    z = fit.responsibilities.argmax(axis=1)
    members = [data[z == k] for k in range(num_components)]
    counts = np.array([member.size for member in members])
    log_joint = log_dirichlet_multinomial(counts, exact_prior.concentration) + sum(
        log_component_marginal(member, exact_prior) for member in members
    )
    losses = [
        mean_field_loss(member, fit.mean_locs[k], fit.mean_scales[k], fit.var_shapes[k], fit.var_scales[k], exact_prior)
        for k, member in enumerate(members)
    ]
    exact = exact_posterior(data, num_components, exact_prior).log_marginal_likelihood
    assert exact - fit.elbo == pytest.approx(exact - log_joint + sum(losses), abs=1e-7)
    assert all(loss > 0 for loss in losses)
    # on separated data the other sortings hold almost nothing: −log P(z* | x) is log K!
    assert exact - log_joint == pytest.approx(math.log(math.factorial(num_components)), abs=0.02)


def test_q_of_each_mean_is_narrower_than_the_exact_posterior_by_the_closed_form_ratio():
    """With n_k points sure of their kind and a broad prior on μ_k, s_k / sd(μ_k | x) = √(1 − 1/(a + (n_k − 1)/2))."""
    prior = (1.0, 125.0, 40.0, 2.0, 10.0)
    fit = gg.cavi(gg.COFFEE_CAFFEINE, 3, gg.GMMPrior(*prior))
    z = fit.responsibilities.argmax(axis=1)
    for k in range(3):
        members = gg.COFFEE_CAFFEINE[z == k]
        ratio = fit.mean_scales[k] / posterior_mean_spread(members, Prior(*prior))
        closed_form = math.sqrt(1 - 1 / (prior[3] + (members.size - 1) / 2))
        assert ratio == pytest.approx(closed_form, abs=2e-4)  # the prior's s₀ = 40 mg moves it by ~1e-4
        assert ratio < 0.93


@pytest.mark.parametrize(
    ("data", "starts", "prior"),
    [(BENTOS, [[350.0, 500.0]], BENTO_PRIOR),
     (BENTOS, [[350.0, 499.0, 502.5], [349.0, 351.0, 500.0], [350.0, 425.0, 500.0]], BENTO_PRIOR),
     (TINY_1D, [[-2.0, 0.3, 2.0], [-2.4, -1.6, 1.9]], TINY_1D_PRIOR)],
)
def test_fixed_point_and_elbo_are_those_of_an_independent_numpy_cavi(data, starts, prior):
    fits = [numpy_cavi(data, start, Prior(*prior)) for start in starts]
    (q, trace) = max(fits, key=lambda fit: fit[1][-1])
    assert np.all(np.diff(trace) > -1e-9)
    fit = gg.cavi(data, len(starts[0]), gg.GMMPrior(*prior), tolerance=1e-13)
    order = np.argsort(q.mean_locs)
    assert fit.elbo == pytest.approx(trace[-1], abs=1e-8)
    np.testing.assert_allclose(fit.mean_locs, q.mean_locs[order], atol=1e-6)
    np.testing.assert_allclose(fit.mean_scales, q.mean_scales[order], rtol=1e-6)
    np.testing.assert_allclose(fit.var_scales, q.var_scales[order], rtol=1e-6)
    np.testing.assert_allclose(fit.concentrations, q.concentrations[order], rtol=1e-6)


def test_closed_form_elbo_equals_numpys_at_arbitrary_factors():
    data = jnp.asarray(TINY_1D)
    for seed in range(3):
        factors = _arbitrary_factors(data, 3, seed)
        q = Q(*(np.asarray(getattr(factors, field)) for field in Q._fields))
        assert float(elbo(factors, data, PRIOR)) == pytest.approx(numpy_elbo(TINY_1D, q, Prior(*TINY_1D_PRIOR)),
                                                                  abs=1e-10)


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


def _elbo_gradient(factors: Factors, data, fields) -> np.ndarray:
    """∂ELBO/∂(the fields), one flat array; for the responsibilities, on the simplex: each row's
    gradient minus its mean (a Lagrange multiplier per point), so a stationary q(z) gives 0."""
    gradient = jax.grad(lambda f: elbo(f, data, PRIOR))(factors)
    parts = []
    for field in fields:
        value = np.asarray(getattr(gradient, field))
        parts.append(value - value.mean(axis=-1, keepdims=True) if field == "responsibilities" else value)
    return np.concatenate([part.ravel() for part in parts])


def _nudged(update, field):
    """The update, then 1 % of a typical value added to one parameter of its factor."""

    def nudged_update(factors, data):
        optimum = update(factors, data)
        value = np.array(getattr(optimum, field))
        if field == "responsibilities":  # move 1 % of point 0's mass from its likeliest kind to another
            k = int(value[0].argmax())
            value[0, k] -= 0.01
            value[0, (k + 1) % value.shape[1]] += 0.01
        else:
            value[0] += 0.01 * np.abs(value).mean()
        return optimum._replace(**{field: jnp.asarray(value)})

    return nudged_update


@pytest.mark.parametrize("name", list(UPDATES))
def test_each_update_is_a_stationary_point_of_the_elbo_in_its_factor(name):
    data = jnp.asarray(TINY_1D)
    update, fields = UPDATES[name]
    start = _arbitrary_factors(data, 3)
    optimum = update(start, data)
    assert float(elbo(optimum, data, PRIOR)) > float(elbo(start, data, PRIOR))
    assert np.max(np.abs(_elbo_gradient(optimum, data, fields))) < 1e-9
    for field in fields:  # must fail: a nudged update is not stationary
        nudged = _nudged(update, field)(start, data)
        assert np.max(np.abs(_elbo_gradient(nudged, data, fields))) > 1e-4, field
        assert float(elbo(nudged, data, PRIOR)) < float(elbo(optimum, data, PRIOR))


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
