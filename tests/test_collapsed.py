"""The collapsed sampler of the kinds (``genjax_gmm.collapsed``) against exact answers.

* a group's evidence equals a two-dimensional quadrature over μ and σ² (SciPy's ``dblquad``), and
  log p(z, x) the Dirichlet-multinomial urn times those evidences;
* every conditional a sweep draws from is the exact one, p(z_i = k, z_−i, x) normalised over k
  (so, as a Metropolis–Hastings proposal, it would be accepted with probability 1);
* on six points the sampler's co-assignment frequencies match enumeration of all 2⁶ kinds;
* Geweke's test: chains started from exact joint draws (z, x) and alternating a sweep with fresh
  data x | z stay exact draws, and a sampler with a wrong seating rule fails the same test;
* the 425 g bento of Chapter 5: the conditional probabilities average to the exact posterior.
"""

import functools
import itertools
import math

import jax
import numpy as np
import pytest
from harness.exact_gmm import Prior, exact_posterior
from scipy import integrate, stats
from scipy.special import gammaln

import genjax_gmm as gg
from genjax_gmm import collapsed

PRIOR = gg.GMMPrior(concentration=0.7, mean_loc=3.0, mean_scale=3.0, var_shape=2.0, var_scale=1.5)
SIX = np.array([0.1, 0.9, 2.2, 3.6, 5.0, 6.1])


@functools.cache
def quadrature_log_evidence(group: tuple[float, ...]) -> float:
    """log ∫∫ Π N(x_i; μ, σ²) N(μ; m₀, s₀²) InvGamma(σ²; a, b) dμ dσ², by dblquad over μ and
    t = log σ² (dσ² = σ² dt), both far beyond where the integrand is above 10⁻¹⁵ of its peak."""
    points, prior = np.array(group), PRIOR

    def integrand(mu, t):
        var = math.exp(t)
        return math.exp(
            np.sum(-0.5 * np.log(2 * np.pi * var) - 0.5 * (points - mu) ** 2 / var)
            + stats.norm.logpdf(mu, prior.mean_loc, prior.mean_scale)
            + stats.invgamma.logpdf(var, prior.var_shape, scale=prior.var_scale) + t
        )

    value, _ = integrate.dblquad(integrand, -12.0, 25.0, -30.0, 36.0, epsabs=0, epsrel=1e-8)
    return math.log(value)


def urn(assignments, num_components, alpha) -> float:
    counts = np.bincount(assignments, minlength=num_components)
    return float(gammaln(num_components * alpha) - gammaln(num_components * alpha + counts.sum())
                 + np.sum(gammaln(alpha + counts) - gammaln(alpha)))


def test_group_evidence_is_the_double_integral():
    for points in (SIX[:1], SIX[3:]):
        assert gg.group_log_evidence(points, PRIOR) == pytest.approx(quadrature_log_evidence(tuple(points)), abs=1e-7)


def test_log_joint_is_the_urn_times_the_group_evidences():
    z = np.array([1, 1, 1, 0, 0, 0])
    by_parts = urn(z, 3, PRIOR.concentration) + sum(
        quadrature_log_evidence(tuple(SIX[z == k])) for k in range(2)
    )  # kind 2 is empty: evidence 1
    assert gg.collapsed_log_joint(SIX, z, 3, PRIOR) == pytest.approx(by_parts, abs=1e-7)


def exact_conditional(data, z, i, num_components, prior) -> np.ndarray:
    log_joint = [gg.collapsed_log_joint(data, np.where(np.arange(data.size) == i, k, z), num_components, prior)
                 for k in range(num_components)]
    return np.exp(np.array(log_joint) - np.logaddexp.reduce(log_joint))


def sampler(data, num_components, prior, num_chains=1):
    grid = collapsed._log_variance_grid(data, prior)
    return collapsed._Sampler(np.broadcast_to(data - prior.mean_loc, (num_chains, data.size)), num_components, prior,
                              grid)


@pytest.mark.parametrize("num_components", [1, 2, 3])
def test_exact_log_evidence_matches_the_enumeration_reference(num_components):
    # another implementation (tests/harness/exact_gmm.py: each group's evidence by adaptive quadrature)
    fields = Prior(PRIOR.concentration, PRIOR.mean_loc, PRIOR.mean_scale, PRIOR.var_shape, PRIOR.var_scale)
    reference = exact_posterior(SIX, num_components, fields).log_marginal_likelihood
    assert gg.exact_log_evidence(SIX, num_components, PRIOR) == pytest.approx(reference, abs=1e-7)


def test_exact_log_evidence_refuses_too_many_assignments():
    with pytest.raises(ValueError, match="assignments to enumerate"):
        gg.exact_log_evidence(np.arange(20.0), 2, PRIOR)


def test_every_conditional_of_a_sweep_is_exact():
    """The conditional of point i is drawn given the new kinds of the points before it and the old
    kinds of the points after it; it must equal p(z_i = k, z_−i, x) normalised over k."""
    rng = np.random.default_rng(0)
    for num_components in (2, 3):
        start = rng.integers(num_components, size=(1, SIX.size))
        end, conditionals = sampler(SIX, num_components, PRIOR).sweep(start.copy(), rng.random((1, SIX.size)))
        for i in range(SIX.size):
            state = np.concatenate([end[0, :i], start[0, i:]])
            np.testing.assert_allclose(conditionals[0, i], exact_conditional(SIX, state, i, num_components, PRIOR),
                                       rtol=1e-9)


def test_co_assignment_matches_enumeration():
    """P(z_i = z_j | x) by enumerating all 2⁶ kinds, against the sampler's frequencies."""
    kinds = np.array(list(itertools.product(range(2), repeat=SIX.size)))
    log_joint = np.array([gg.collapsed_log_joint(SIX, z, 2, PRIOR) for z in kinds])
    posterior = np.exp(log_joint - np.logaddexp.reduce(log_joint))
    same = kinds[:, :, None] == kinds[:, None, :]
    exact = np.tensordot(posterior, same, axes=1)
    result = gg.collapsed_gibbs(jax.random.key(3), SIX, 2, PRIOR, num_sweeps=2_500, num_chains=4)
    z = result.assignments.reshape(-1, SIX.size)
    estimate = np.mean(z[:, :, None] == z[:, None, :], axis=0)
    # Monte Carlo error: each pair's indicator, its draws autocorrelated (ESS from the package)
    for i, j in itertools.combinations(range(SIX.size), 2):
        indicator = (result.assignments[..., i] == result.assignments[..., j]).astype(float)
        ess = gg.effective_sample_size(indicator) if indicator.std() > 0 else indicator.size
        error = math.sqrt(exact[i, j] * (1 - exact[i, j]) / ess)
        assert abs(estimate[i, j] - exact[i, j]) < 5 * error + 1e-3, (i, j, estimate[i, j], exact[i, j])
    assert 0.05 < exact[0, 5] < 0.95  # the test is not about certainties


def forward_draws(rng, num_draws, size, num_components, prior):
    """Independent draws of (z, x) from the model: π, z | π, then μ, σ² and x | z."""
    weights = rng.dirichlet(np.full(num_components, prior.concentration), size=num_draws)
    z = (rng.random((num_draws, size, 1)) > np.cumsum(weights, axis=1)[:, None, :]).sum(axis=2)
    return z, data_given_kinds(rng, z, num_components, prior)


def data_given_kinds(rng, z, num_components, prior):
    num_draws = z.shape[0]
    means = rng.normal(prior.mean_loc, prior.mean_scale, size=(num_draws, num_components))
    variances = prior.var_scale / rng.gamma(prior.var_shape, size=(num_draws, num_components))
    rows = np.arange(num_draws)[:, None]
    return rng.normal(means[rows, z], np.sqrt(variances[rows, z]))


def statistics(z, x) -> dict[str, np.ndarray]:
    return {"z₀ = z₁": (z[:, 0] == z[:, 1]).astype(float), "n₀": (z == 0).sum(axis=1).astype(float),
            "x₀": x[:, 0], "x₀ > x₁ when together": ((x[:, 0] > x[:, 1]) & (z[:, 0] == z[:, 1])).astype(float)}


def geweke_z_scores(seed, num_chains=4_000, num_iterations=8, size=3, num_components=2, prior=PRIOR):
    """Successive-conditional simulation (Geweke 2004) from exact starts: the last states of the
    chains are independent, and exact joint draws if the sweep leaves p(z | x) invariant. The
    z-scores of their statistics against fresh forward draws."""
    rng = np.random.default_rng(seed)
    z, x = forward_draws(rng, num_chains, size, num_components, prior)
    wide = np.linspace(-60.0, 66.0, 5)  # a grid that covers every data set drawn here
    for _ in range(num_iterations):
        sweeper = collapsed._Sampler(x - prior.mean_loc, num_components, prior,
                                     collapsed._log_variance_grid(wide, prior))
        z, _ = sweeper.sweep(z, rng.random(z.shape))
        x = data_given_kinds(rng, z, num_components, prior)
    reference = statistics(*forward_draws(rng, num_chains, size, num_components, prior))
    return {name: (value.mean() - reference[name].mean())
            / math.sqrt((value.var() + reference[name].var()) / num_chains + 1e-12)
            for name, value in statistics(z, x).items()}


def test_geweke_successive_conditionals_stay_exact():
    scores = geweke_z_scores(seed=1)
    assert all(abs(score) < 4.5 for score in scores.values()), scores


def test_geweke_fails_a_sampler_with_a_wrong_seating_rule(monkeypatch):
    """The must-fail control: seating by n_k + 1 instead of n_k + α leaves the wrong distribution
    invariant, and the same test sees it."""

    def wrong(self, counts_without, log_evidence_without, log_evidence_with):
        return np.log(counts_without + 1.0) + log_evidence_with - log_evidence_without

    monkeypatch.setattr(collapsed._Sampler, "log_seating", wrong)
    scores = geweke_z_scores(seed=1, prior=PRIOR.__class__(0.2, 3.0, 3.0, 2.0, 1.5))
    assert max(abs(score) for score in scores.values()) > 6, scores


def test_the_ambiguous_bento_gets_its_exact_probability():
    prior = gg.GMMPrior(concentration=1.0, mean_loc=425.0, mean_scale=100.0, var_shape=2.0, var_scale=10.0)
    bentos = np.append(gg.MYSTERY_BENTO_WEIGHTS, 425.0)
    heavy = (bentos > 450).astype(int)
    as_tonkatsu, as_hamburger = heavy.copy(), heavy.copy()
    as_tonkatsu[-1], as_hamburger[-1] = 1, 0
    log_odds = gg.collapsed_log_joint(bentos, as_tonkatsu, 2, prior) - gg.collapsed_log_joint(
        bentos, as_hamburger, 2, prior)
    result = gg.collapsed_gibbs(jax.random.key(0), bentos, 2, prior, num_sweeps=60, num_chains=4)
    p = result.kind_probabilities()
    assert p[-1, 1] == pytest.approx(1 / (1 + math.exp(-log_odds)), rel=0.02)
    np.testing.assert_allclose(p[:-1, 1], heavy[:-1], atol=1e-4)  # the others are all but certain
    assert result.rhat <= 1.01


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: gg.collapsed_gibbs(0, SIX, 2, PRIOR), "key"),
        (lambda: gg.collapsed_gibbs(jax.random.key(0), [1.0, np.nan], 2, PRIOR), "data"),
        (lambda: gg.collapsed_gibbs(jax.random.key(0), SIX, 0, PRIOR), "num_components"),
        (lambda: gg.collapsed_gibbs(jax.random.key(0), SIX, 2, "prior"), "prior"),
        (lambda: gg.collapsed_gibbs(jax.random.key(0), SIX, 2, PRIOR, num_sweeps=0), "num_sweeps"),
        (lambda: gg.collapsed_gibbs(jax.random.key(0), SIX, 2, PRIOR, num_sweeps=4, burn_in=4), "burn_in"),
        (lambda: gg.collapsed_log_joint(SIX, np.zeros(5, int), 2, PRIOR), "assignments"),
        (lambda: gg.collapsed_log_joint(SIX, np.full(6, 2), 2, PRIOR), "assignments"),
        (lambda: gg.group_log_evidence([], PRIOR), "points"),
        (lambda: gg.exact_log_evidence(SIX, 0, PRIOR), "num_components"),
        (lambda: gg.exact_log_evidence(SIX, 2, (1.0, 0.0, 1.0, 2.0, 1.0)), "prior"),
    ],
)
def test_bad_input_is_refused_with_the_argument_named(call, message):
    with pytest.raises((TypeError, ValueError), match=message):
        call()
