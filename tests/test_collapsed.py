"""The collapsed sampler of the kinds (``genjax_gmm.collapsed``) against exact answers.

* a group's evidence equals a two-dimensional quadrature over μ and σ² written here (SciPy's
  ``dblquad`` on a unit-scale prior; a trapezoid rule in μ/σ and log σ² at the chapter's scale and
  for groups of up to 3,000 points, where a fixed grid in log σ² used to be off by a nat), and
  log p(z, x) the Dirichlet-multinomial urn times those evidences;
* every conditional a sweep draws from is the exact one, p(z_i = k, z_−i, x) normalised over k
  (so, as a Metropolis–Hastings proposal, it would be accepted with probability 1);
* on six points the sampler's co-assignment frequencies match enumeration of all 2⁶ kinds, and on
  Chapter 5's sloppy kitchen its P(425 g bento is in the heavier kind) matches enumeration of all
  2²¹ kinds;
* Geweke's test: chains started from exact joint draws (z, x) and alternating a sweep with fresh
  data x | z stay exact draws of the partition and its data; a sampler with a wrong seating rule
  and two with a wrong evidence fail the same test at the same prior;
* Chapter 5's numbers: the 425 g bento's log odds and the 20 bentos' exact posterior moments, by
  quadrature;
* the diagnostics: R-hat and ESS undefined (nan) and a warning when the log joint never changes,
  a warning when chains are stuck apart or too few draws are kept, none for a run that mixes.
"""

import dataclasses
import functools
import itertools
import math
import warnings

import jax
import numpy as np
import pytest
from harness.exact_gmm import Prior, exact_posterior
from scipy import integrate, stats
from scipy.special import gammaln, logsumexp

import genjax_gmm as gg
from genjax_gmm import collapsed

PRIOR = gg.GMMPrior(concentration=0.7, mean_loc=3.0, mean_scale=3.0, var_shape=2.0, var_scale=1.5)
SIX = np.array([0.1, 0.9, 2.2, 3.6, 5.0, 6.1])
BENTO_PRIOR = gg.GMMPrior(concentration=1.0, mean_loc=425.0, mean_scale=100.0, var_shape=2.0, var_scale=10.0)
BENTOS = np.asarray(gg.MYSTERY_BENTO_WEIGHTS)
HAMBURGERS, TONKATSU = BENTOS[BENTOS < 425], BENTOS[BENTOS > 425]


@functools.cache
def dblquad_log_evidence(group: tuple[float, ...]) -> float:
    """log ∫∫ Π N(x_i; μ, σ²) N(μ; m₀, s₀²) InvGamma(σ²; a, b) dμ dσ² under ``PRIOR``, by dblquad
    over μ and t = log σ² (dσ² = σ² dt), both far beyond where the integrand is above 10⁻¹⁵ of its
    peak."""
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


def posterior_grid(points, prior, num_u=401, num_t=1201):
    """log p(x, μ, σ²) times the trapezoid rule's cell volume on a grid of (u, t), μ = x̄ + u σ/√m
    and t = log σ² (dμ dσ² = σ/√m · σ² du dt), with μ, σ on the grid. The peak of a group of m
    points is about one unit wide in u and (a + (m − 1)/2)^(−1/2) in t; the grid spans ±40 in u
    and from 8 below to far above the peak's t, where the integrand decays as e^(−(a + (m−1)/2) t)."""
    points = np.asarray(points, float)
    m = points.size
    centre = points.mean()
    spread = np.mean((points - centre) ** 2) + prior.var_scale / (prior.var_shape + 1 + m / 2)
    t = np.linspace(math.log(spread) - 8, math.log(spread) + 4 + 60 / (prior.var_shape + (m - 1) / 2), num_t)
    u = np.linspace(-40, 40, num_u)
    var = np.exp(t)[:, None]
    mu = centre + u[None, :] * np.sqrt(var / m)
    squares = np.sum(points**2) - 2 * mu * points.sum() + m * mu**2
    log_density = (-0.5 * m * np.log(2 * np.pi * var) - 0.5 * squares / var
                   + stats.norm.logpdf(mu, prior.mean_loc, prior.mean_scale)
                   + stats.invgamma.logpdf(var, prior.var_shape, scale=prior.var_scale))
    weight_u, weight_t = np.full(num_u, u[1] - u[0]), np.full(num_t, t[1] - t[0])
    weight_u[[0, -1]] /= 2
    weight_t[[0, -1]] /= 2
    log_volume = np.log(weight_t)[:, None] + np.log(weight_u) + 0.5 * np.log(var / m) + np.log(var)
    return log_density + log_volume, mu, np.sqrt(var) * np.ones_like(mu)


def trapezoid_log_evidence(points, prior) -> float:
    return float(logsumexp(posterior_grid(points, prior)[0]))


def urn(assignments, num_components, alpha) -> float:
    counts = np.bincount(assignments, minlength=num_components)
    return float(gammaln(num_components * alpha) - gammaln(num_components * alpha + counts.sum())
                 + np.sum(gammaln(alpha + counts) - gammaln(alpha)))


def test_group_evidence_is_the_double_integral():
    for points in (SIX[:1], SIX[3:]):
        assert gg.group_log_evidence(points, PRIOR) == pytest.approx(dblquad_log_evidence(tuple(points)), abs=1e-7)
        assert trapezoid_log_evidence(points, PRIOR) == pytest.approx(dblquad_log_evidence(tuple(points)), abs=1e-7)


@pytest.mark.parametrize("group", ["hamburgers", "tonkatsu", "hamburgers and 425 g", "tonkatsu and 425 g"])
def test_group_evidence_at_the_chapters_scale(group):
    """Groups of 8 to 13 bentos, σ about 2 g, under the prior N(425, 100²) and InvGamma(2, 10)."""
    points = {"hamburgers": HAMBURGERS, "tonkatsu": TONKATSU, "hamburgers and 425 g": np.append(HAMBURGERS, 425.0),
              "tonkatsu and 425 g": np.append(TONKATSU, 425.0)}[group]
    assert gg.group_log_evidence(points, BENTO_PRIOR) == pytest.approx(
        trapezoid_log_evidence(points, BENTO_PRIOR), abs=1e-8)


@pytest.mark.parametrize("size", [100, 300, 1_000, 3_000])
def test_group_evidence_of_large_groups(size):
    """The grid in log σ² grows with the data: a group of 3,000 points, and one of a third of them
    on the same data's grid, within 10⁻⁷ nats of the quadrature (a fixed 257-point grid was 0.006
    nats off at 300 points and a nat at 3,000)."""
    data = 500.0 + 2.0 * np.random.default_rng(size).standard_normal(size)
    grid = collapsed._log_variance_grid(data, BENTO_PRIOR)
    for points in (data, data[: size // 3]):
        mean = points.mean()
        evidence = float(collapsed._group_log_evidence(points.size, mean - BENTO_PRIOR.mean_loc,
                                                       np.sum((points - mean) ** 2), BENTO_PRIOR, grid))
        assert evidence == pytest.approx(trapezoid_log_evidence(points, BENTO_PRIOR), abs=1e-7)
    assert gg.group_log_evidence(data, BENTO_PRIOR) == pytest.approx(trapezoid_log_evidence(data, BENTO_PRIOR),
                                                                      abs=1e-7)


def test_log_joint_is_the_urn_times_the_group_evidences():
    z = np.array([1, 1, 1, 0, 0, 0])
    by_parts = urn(z, 3, PRIOR.concentration) + sum(
        dblquad_log_evidence(tuple(SIX[z == k])) for k in range(2)
    )  # kind 2 is empty: evidence 1
    assert gg.collapsed_log_joint(SIX, z, 3, PRIOR) == pytest.approx(by_parts, abs=1e-7)


def test_the_425_g_bentos_log_odds_by_quadrature():
    """Chapter 5: with the other 20 bentos' kinds fixed, log P(tonkatsu) − log P(hamburger) for the
    425 g bento is −8.0972 (an outside expert's quadrature), from the urn and four group evidences."""
    with_tonkatsu = urn(np.repeat([0, 1], [8, 13]), 2, 1.0) + trapezoid_log_evidence(
        HAMBURGERS, BENTO_PRIOR) + trapezoid_log_evidence(np.append(TONKATSU, 425.0), BENTO_PRIOR)
    with_hamburgers = urn(np.repeat([0, 1], [9, 12]), 2, 1.0) + trapezoid_log_evidence(
        np.append(HAMBURGERS, 425.0), BENTO_PRIOR) + trapezoid_log_evidence(TONKATSU, BENTO_PRIOR)
    log_odds = with_tonkatsu - with_hamburgers
    assert log_odds == pytest.approx(-8.0972, abs=5e-5)
    bentos = np.append(BENTOS, 425.0)
    kinds = (bentos > 425).astype(int)
    as_tonkatsu = gg.collapsed_log_joint(bentos, np.append(kinds[:-1], 1), 2, BENTO_PRIOR)
    as_hamburger = gg.collapsed_log_joint(bentos, np.append(kinds[:-1], 0), 2, BENTO_PRIOR)
    assert as_tonkatsu - as_hamburger == pytest.approx(log_odds, abs=1e-8)


@pytest.mark.parametrize(
    ("group", "mean_mu", "sd_mu", "mean_sigma", "sd_sigma"),
    [("hamburgers", 350.2553, 0.8457, 2.3267, 0.5555), ("tonkatsu", 499.9972, 0.6097, 2.0720, 0.4101)],
)
def test_the_bentos_exact_posterior_moments(group, mean_mu, sd_mu, mean_sigma, sd_sigma):
    """Chapter 5 §11 asserts its Gibbs summaries against these (an outside expert's quadrature):
    each kind's μ and σ given its bentos, the kinds being certain."""
    log_weight, mu, sigma = posterior_grid(HAMBURGERS if group == "hamburgers" else TONKATSU, BENTO_PRIOR)
    p = np.exp(log_weight - logsumexp(log_weight))
    for values, mean, sd in [(mu, mean_mu, sd_mu), (sigma, mean_sigma, sd_sigma)]:
        exact_mean = np.sum(p * values)
        assert exact_mean == pytest.approx(mean, abs=5e-5)
        assert math.sqrt(np.sum(p * values**2) - exact_mean**2) == pytest.approx(sd, abs=5e-5)


def exact_conditional(data, z, i, num_components, prior) -> np.ndarray:
    log_joint = [gg.collapsed_log_joint(data, np.where(np.arange(data.size) == i, k, z), num_components, prior)
                 for k in range(num_components)]
    return np.exp(np.array(log_joint) - np.logaddexp.reduce(log_joint))


def sampler(data, num_components, prior, num_chains=1):
    grid = collapsed._log_variance_grid(data, prior)
    return collapsed._Sampler(np.broadcast_to(data - prior.mean_loc, (num_chains, data.size)), num_components, prior,
                              grid)


@pytest.mark.parametrize("num_components", [1, 2, 3])
def test_log_evidence_matches_the_enumeration_reference(num_components):
    # another implementation (tests/harness/exact_gmm.py: each group's evidence by adaptive quadrature)
    fields = Prior(PRIOR.concentration, PRIOR.mean_loc, PRIOR.mean_scale, PRIOR.var_shape, PRIOR.var_scale)
    reference = exact_posterior(SIX, num_components, fields).log_marginal_likelihood
    assert gg.log_evidence(SIX, num_components, PRIOR) == pytest.approx(reference, abs=1e-7)


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
    """P(z_i = z_j | x) by enumerating all 2⁶ kinds with the harness's exact posterior (written
    independently of the package, its evidences by adaptive quadrature), against the sampler's
    frequencies and against the package's collapsed log joint."""
    exact = exact_posterior(SIX, 2, Prior(**dataclasses.asdict(PRIOR))).co_assignment
    kinds = np.array(list(itertools.product(range(2), repeat=SIX.size)))
    log_joint = np.array([gg.collapsed_log_joint(SIX, z, 2, PRIOR) for z in kinds])
    posterior = np.exp(log_joint - np.logaddexp.reduce(log_joint))
    np.testing.assert_allclose(np.tensordot(posterior, kinds[:, :, None] == kinds[:, None, :], axes=1), exact,
                               atol=1e-8)
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


def sloppy_kitchen() -> tuple[np.ndarray, gg.GMMPrior]:
    """Chapter 5 §12: every bento's deviation from its kind's weight ten times larger, the 425 g bento."""
    kind_weight = np.where(BENTOS > 425, 500.0, 350.0)
    data = np.append(kind_weight + 10 * (BENTOS - kind_weight), 425.0)
    return data, gg.GMMPrior(concentration=1.0, mean_loc=425.0, mean_scale=100.0, var_shape=2.0, var_scale=400.0)


def test_the_sloppy_kitchens_425_g_bento_against_enumeration():
    """P(the 425 g bento is in the kind with the larger mean | x), summed over all 2²¹ kinds (half of
    them, by the symmetry of the labels), is the 0.2839 Chapter 5 quotes; the sampler's
    Rao–Blackwellised estimate agrees within 4 of its standard errors."""
    data, prior = sloppy_kitchen()
    n = data.size
    grid = collapsed._log_variance_grid(data, prior)
    centred = data - prior.mean_loc
    log_joint, heavier = [], []
    for start in range(0, 2 ** (n - 1), 2**15):  # z_0 = 0; its mirror image has the same probability
        z = ((np.arange(start, start + 2**15)[:, None] >> np.arange(n - 1)) & 1).astype(float)
        z = np.concatenate([np.zeros((z.shape[0], 1)), z], axis=1)
        ones, sums, squares = z.sum(axis=1), z @ centred, z @ centred**2
        counts = np.stack([n - ones, ones], axis=1)
        totals = np.stack([centred.sum() - sums, sums], axis=1)
        offsets = totals / np.maximum(counts, 1)  # x̄ − m₀ (data within 10³ of m₀: no digits lost below)
        spreads = np.maximum(np.stack([np.sum(centred**2) - squares, squares], axis=1) - counts * offsets**2, 0.0)
        log_joint.append(collapsed._log_urn(counts, 1.0) + collapsed._group_log_evidence(
            counts, offsets, spreads, prior, grid).sum(axis=1))
        means = np.where(counts > 0, offsets, -np.inf)
        heavier.append(np.where(means[:, 1] > means[:, 0], 1, 0) == z[:, -1])
    log_joint, heavier = np.concatenate(log_joint), np.concatenate(heavier)
    exact = float(np.sum(np.exp(log_joint - logsumexp(log_joint))[heavier]))
    assert exact == pytest.approx(0.2839, abs=5e-5)
    result = gg.collapsed_gibbs(jax.random.key(1), data, 2, prior, num_sweeps=300, num_chains=4)
    chance = result.conditional_probabilities[:, :, -1, 1]
    error = chance.std() / math.sqrt(gg.effective_sample_size(chance))
    assert abs(chance.mean() - exact) < 4 * error


# Geweke's test. Ten points, two kinds, a prior whose means sit within 0.1 of 0 while the spreads are
# about 1: a group's evidence then depends on its size through the m^(−1/2) of the mean and the
# σ²/m of N(x̄; m₀, s₀² + σ²/m), so evidence bugs move the partitions, which the statistics measure.
GEWEKE_PRIOR = gg.GMMPrior(concentration=0.7, mean_loc=0.0, mean_scale=0.1, var_shape=2.0, var_scale=1.0)
GEWEKE_SIZE = 10
GEWEKE_THRESHOLD = 5.0
"""|z| above which a statistic fails: a correct sampler fails one of the 9 with probability 5·10⁻⁶."""


def forward_draws(rng, num_draws, size, num_components, prior):
    """Independent draws of (z, x) from the model: π, z | π, then μ, σ² and x | z."""
    weights = rng.dirichlet(np.full(num_components, prior.concentration), size=num_draws)
    z = (rng.random((num_draws, size, 1)) > np.cumsum(weights, axis=1)[:, None, :]).sum(axis=2)
    return np.minimum(z, num_components - 1), data_given_kinds(rng, z, num_components, prior)


def data_given_kinds(rng, z, num_components, prior):
    num_draws = z.shape[0]
    means = rng.normal(prior.mean_loc, prior.mean_scale, size=(num_draws, num_components))
    variances = prior.var_scale / rng.gamma(prior.var_shape, size=(num_draws, num_components))
    rows = np.arange(num_draws)[:, None]
    return rng.normal(means[rows, z], np.sqrt(variances[rows, z]))


def statistics(z, x) -> dict[str, np.ndarray]:
    """Label-free: the size of the larger kind (its mean and each value's frequency: the partition's
    shape), and whether two points share a kind when close (how the partition follows the data)."""
    larger = np.maximum(z.sum(axis=1), z.shape[1] - z.sum(axis=1))
    shapes = {f"larger kind of {m}": (larger == m).astype(float) for m in range(z.shape[1] // 2, z.shape[1] + 1)}
    close = {f"x{i}, x{j} close and together": ((z[:, i] == z[:, j]) & (np.abs(x[:, i] - x[:, j]) < 1)).astype(float)
             for i, j in [(0, 1), (2, 3)]}
    return {"size of the larger kind": larger.astype(float)} | shapes | close


def geweke_z_scores(num_chains, num_iterations=4, seed=1, prior=GEWEKE_PRIOR):
    """Successive-conditional simulation (Geweke 2004) from exact starts: the last states of the
    chains are independent, and exact joint draws if the sweep leaves p(z | x) invariant. The
    z-scores of their statistics against fresh forward draws."""
    rng = np.random.default_rng(seed)
    z, x = forward_draws(rng, num_chains, GEWEKE_SIZE, 2, prior)
    wide = prior.mean_loc + np.linspace(-60.0, 60.0, 5)  # a grid that covers every data set drawn here
    for _ in range(num_iterations):
        sweeper = collapsed._Sampler(x - prior.mean_loc, 2, prior, collapsed._log_variance_grid(wide, prior))
        z, _ = sweeper.sweep(z, rng.random(z.shape))
        x = data_given_kinds(rng, z, 2, prior)
    reference = statistics(*forward_draws(rng, num_chains, GEWEKE_SIZE, 2, prior))
    return {name: (value.mean() - reference[name].mean())
            / math.sqrt((value.var() + reference[name].var()) / num_chains + 1e-12)
            for name, value in statistics(z, x).items()}


def test_geweke_successive_conditionals_stay_exact():
    scores = geweke_z_scores(num_chains=20_000)
    assert len(scores) == 9 and max(abs(score) for score in scores.values()) < GEWEKE_THRESHOLD, scores


def _seating_by_one(self, counts_without, log_evidence_without, log_evidence_with):
    """Seats by n_k + 1 instead of n_k + α."""
    return np.log(counts_without + 1.0) + log_evidence_with - log_evidence_without


def _evidence(counts, offsets, spreads, prior, grid, *, root_m=True, shrunk_mean_variance=True):
    """The module docstring's p(x_G) on the sampler's grid from (n, x̄ − m₀, Σ(x − x̄)²), with one of
    two factors optionally wrong."""
    n = np.maximum(np.asarray(counts, float), 1.0)[..., None]
    centred_mean = np.asarray(offsets, float)[..., None]
    spread = np.asarray(spreads, float)[..., None]
    mean_var = prior.mean_scale**2 + grid.variance / (n if shrunk_mean_variance else 1.0)
    log_integrand = (-0.5 * (n - 1) * grid.log_2pi_variance - 0.5 * np.log(n) * root_m - 0.5 * spread / grid.variance
                     - 0.5 * np.log(2 * np.pi * mean_var) - 0.5 * centred_mean**2 / mean_var + grid.log_weight)
    return np.where(np.asarray(counts) > 0, logsumexp(log_integrand, axis=-1), 0.0)


def _evidence_without_root_m(*arguments):
    """Drops the m^(−1/2) of the integrated mean."""
    return _evidence(*arguments, root_m=False)


def _evidence_with_unshrunk_mean_variance(*arguments):
    """N(x̄; m₀, s₀² + σ²) where the mean of m points has N(x̄; m₀, s₀² + σ²/m)."""
    return _evidence(*arguments, shrunk_mean_variance=False)


def test_the_geweke_controls_evidence_is_the_samplers_when_right():
    data = np.array([[0.3, -1.2], [2.0, 0.1]])
    grid = collapsed._log_variance_grid(data.ravel(), GEWEKE_PRIOR)
    arguments = (np.array([[1, 3], [0, 2]]), data, data**2 + 1.0, GEWEKE_PRIOR, grid)
    np.testing.assert_allclose(_evidence(*arguments), collapsed._group_log_evidence(*arguments), rtol=1e-12)


@pytest.mark.parametrize(
    ("target", "wrong", "num_chains"),
    [
        ("_Sampler.log_seating", _seating_by_one, 5_000),
        ("_group_log_evidence", _evidence_without_root_m, 5_000),
        ("_group_log_evidence", _evidence_with_unshrunk_mean_variance, 20_000),
    ],
    ids=["seating by n + 1", "evidence without m^-1/2", "evidence with s0^2 + sigma^2"],
)
def test_geweke_fails_a_wrong_sampler_at_the_same_prior(monkeypatch, target, wrong, num_chains):
    """The must-fail controls: each wrong sweep leaves another distribution invariant, and the same
    test, at the same prior, sees it."""
    owner, name = (collapsed._Sampler, "log_seating") if "." in target else (collapsed, target)
    monkeypatch.setattr(owner, name, wrong)
    scores = geweke_z_scores(num_chains=num_chains)
    assert max(abs(score) for score in scores.values()) > GEWEKE_THRESHOLD, scores


def test_an_unchanging_log_joint_has_no_r_hat_and_is_warned_about():
    """Chapter 5's 425 g bento: every chain ends in the same kinds, so the log joint never changes
    and R-hat would be 1 by convention: the result says nan, and the warning says why."""
    bentos = np.append(BENTOS, 425.0)
    with pytest.warns(gg.ConvergenceWarning, match="one value in every kept draw of all 4 chains"):
        result = gg.collapsed_gibbs(jax.random.key(0), bentos, 2, BENTO_PRIOR, num_sweeps=60, num_chains=4)
    assert np.isnan(result.rhat) and np.isnan(result.ess)
    assert np.all(result.log_joint == result.log_joint[0, 0])


def test_chains_stuck_apart_and_too_few_draws_are_warned_about():
    rhat, ess = collapsed._diagnostics(np.repeat([[1.0], [2.0]], 10, axis=1))
    assert rhat == math.inf and np.isnan(ess)
    with pytest.warns(gg.ConvergenceWarning, match="effective sample size"):
        gg.collapsed_gibbs(jax.random.key(0), SIX, 2, PRIOR, num_sweeps=20, num_chains=2)


def test_a_run_that_mixes_is_not_warned_about():
    with warnings.catch_warnings():
        warnings.simplefilter("error", gg.ConvergenceWarning)
        result = gg.collapsed_gibbs(jax.random.key(0), SIX, 2, PRIOR, num_sweeps=400, num_chains=2)
    assert result.rhat < 1.01 and result.ess > 200


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
    ],
)
def test_bad_input_is_refused_with_the_argument_named(call, message):
    with pytest.raises((TypeError, ValueError), match=message):
        call()
