"""dpmm_gibbs with a Gamma hyperprior on α (``ConcentrationKernel``), beyond the engine's shared
tests (tests/test_engine.py runs every one of them on it too: reproducibility, one program,
Geweke's test and the exact co-assignment, each with a broken α update that must fail): the
exact posterior of K and the mean of α with α integrated out (``harness.exact_partitions``,
SciPy), the α block's Metropolis–Hastings ratio through GenJAX's ``update`` (with a wrong
conditional that must fail), the predictive density with each draw's α, and α in ArviZ.
"""

import dataclasses
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from genjax import gamma, gen
from harness.acceptance import gibbs_move
from harness.cases import TINY_1D, TINY_CONCENTRATION_PRIOR, TINY_DP_PRIOR
from harness.exact_partitions import exact_posterior_integrating_alpha
from scipy import stats

import genjax_gmm as gg

HYPERPRIOR = TINY_CONCENTRATION_PRIOR


@pytest.fixture(scope="module")
def run():
    return gg.dpmm_gibbs(jax.random.key(0), TINY_1D, TINY_DP_PRIOR, 8000, concentration_prior=HYPERPRIOR)


@pytest.mark.slow
def test_matches_the_exact_posterior_with_alpha_integrated_out(run):
    p_k, co_assignment, mean_alpha = exact_posterior_integrating_alpha(
        TINY_1D, TINY_DP_PRIOR, HYPERPRIOR.shape, HYPERPRIOR.rate
    )
    assert np.abs(gg.posterior_num_clusters(run) - p_k).max() < 0.02
    assert np.abs(gg.co_assignment_matrix(run.assignments) - co_assignment).max() < 0.02
    standard_error = run.concentration.std() / math.sqrt(run.ess_concentration)
    assert abs(run.concentration.mean() - mean_alpha) < 5 * standard_error
    # and the posterior of α is not its prior: the data moved it
    assert abs(mean_alpha - HYPERPRIOR.shape / HYPERPRIOR.rate) > 10 * standard_error


@pytest.mark.filterwarnings("ignore::genjax_gmm.ConvergenceWarning")  # the fixed-α run is short
def test_the_result_holds_alpha_and_its_diagnostics(run):
    assert run.concentration.shape == run.num_clusters.shape and np.all(run.concentration > 0)
    assert run.concentration_prior == HYPERPRIOR and run.rhat_concentration < 1.01 and run.ess_concentration > 1000
    fixed = gg.dpmm_gibbs(jax.random.key(0), TINY_1D, TINY_DP_PRIOR, 100, num_chains=2)
    assert fixed.concentration is None and fixed.concentration_prior is None and math.isnan(fixed.rhat_concentration)


@pytest.mark.filterwarnings("ignore::genjax_gmm.ConvergenceWarning")  # a short run: 40 draws of each chain
def test_the_predictive_density_uses_each_draws_alpha():
    """Against SciPy's Student-t, draw by draw, each with its own α."""
    short = gg.dpmm_gibbs(jax.random.key(1), TINY_1D, TINY_DP_PRIOR, 50, num_chains=2, burn_in=10,
                          concentration_prior=HYPERPRIOR)
    grid = np.linspace(-4.0, 4.0, 9)
    _, m0, kappa0, a, b = dataclasses.astuple(TINY_DP_PRIOR)

    def student_t(points):
        n = points.size
        kappa, mean = kappa0 + n, (kappa0 * m0 + points.sum()) / (kappa0 + n)
        scale = b + 0.5 * (np.sum(points**2) + kappa0 * m0**2 - kappa * mean**2)
        return stats.t(2 * (a + n / 2), mean, np.sqrt(scale * (kappa + 1) / ((a + n / 2) * kappa)))

    expected = np.zeros(grid.size)
    for labels, alpha in zip(short.assignments.reshape(-1, TINY_1D.size), short.concentration.ravel()):
        tables = [TINY_1D[labels == k] for k in np.unique(labels)]
        mixture = sum(t.size * student_t(t).pdf(grid) for t in tables) + alpha * student_t(np.array([])).pdf(grid)
        expected += mixture / (alpha + TINY_1D.size)
    assert np.allclose(gg.posterior_predictive_density(short, grid), expected / short.num_clusters.size, rtol=1e-9)


@pytest.mark.filterwarnings("ignore::genjax_gmm.ConvergenceWarning")  # the fixed-α run is short
def test_alpha_goes_to_arviz(run):
    import arviz as az

    table = gg.summary(run, kind="stats")
    assert "concentration" in table.index and "num_clusters" in table.index
    assert table.loc["concentration", "mean"] == pytest.approx(run.concentration.mean(), rel=1e-6)
    reference = az.summary(az.from_dict({"posterior": {"concentration": run.concentration}}), kind="diagnostics")
    ours = gg.summary(run, var_names=["concentration"], kind="diagnostics")
    assert np.allclose(ours.to_numpy(dtype=float), reference.to_numpy(dtype=float))
    fixed = gg.dpmm_gibbs(jax.random.key(0), TINY_1D, TINY_DP_PRIOR, 100, num_chains=2)
    assert "concentration" not in gg.summary(fixed, kind="stats").index


# --- the α block is an exact Gibbs block: MH ratio 1 through GenJAX's update -------------------


@gen
def dp_mixture_with_concentration(prior, hyperprior):
    """α ~ Gamma(a, b), then the collapsed DP mixture with concentration α."""
    alpha = gamma(hyperprior.shape, hyperprior.rate) @ "alpha"
    gg.collapsed_dp_mixture(TINY_1D.size)(dataclasses.replace(prior, concentration=alpha)) @ "dp"
    return alpha


def alpha_moves(log_conditional):
    """(log weight, log q(α′), log q(α)) of moves α → α′ on a fixed partition of TINY_1D, with the
    proposal density ``log_conditional`` (unnormalised: its normaliser cancels in the ratio)."""
    labels = jnp.array([0, 0, 1, 2, 2, 2, 3])
    choices = {"alpha": 0.8, "dp": {"customers": {"table": labels, "x": jnp.asarray(TINY_1D)}}}
    args = (TINY_DP_PRIOR, HYPERPRIOR)
    trace, _ = dp_mixture_with_concentration.generate(choices, *args)
    moves = []
    for new_alpha in (0.05, 0.8001, 1.7, 6.0):
        q = [log_conditional(alpha, 4, TINY_1D.size, HYPERPRIOR) for alpha in (new_alpha, 0.8)]
        moves.append(gibbs_move(dp_mixture_with_concentration, trace, {"alpha": new_alpha}, args, *q))
    return moves


def test_the_alpha_conditional_is_the_exact_one():
    assert all(move.is_exact for move in alpha_moves(gg.log_concentration_conditional))


def test_an_alpha_conditional_without_the_crp_factor_is_not():
    def prior_only(alpha, num_clusters, num_points, hyperprior):
        return hyperprior.log_density(alpha)

    assert not any(move.is_exact for move in alpha_moves(prior_only))


def test_bad_concentration_priors_are_refused():
    with pytest.raises(TypeError, match="concentration_prior"):
        gg.dpmm_gibbs(jax.random.key(0), TINY_1D, TINY_DP_PRIOR, 50, concentration_prior=(2.0, 2.0))
