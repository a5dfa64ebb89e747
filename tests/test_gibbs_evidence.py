"""``gg.gibbs_log_evidence``: log p(x | K) by importance sampling with a proposal built from Gibbs draws.

Proofs that it is right: the estimate against exact enumeration (``harness.exact_gmm``, written
independently of the package) on tiny data sets, K = 2 and 3, well separated, overlapping and far
from zero, within a tolerance set from the spread the test measures over keys; the must-fail
control: on separated data a single chain stays in one of the K! mirror images of the posterior,
and the proposal without relabellings then misses by log K! (and fails the same exact check),
although its weights look healthy; p̂(x)/p(x) averaging 1 over many keys (unbiasedness); the
reported standard error against the spread over proposal keys; q a normalised density (its log
density against a direct SciPy sum over draws and relabellings, and E_q[g/q] = 1 for a normalised
term g of the mixture, from q's own draws; also for tight kinds far apart). The estimate and its
standard error against the returned weights, exactly. Then the warnings, the same key giving the same
estimate, and input checks that name the argument.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import warnings

import jax
import numpy as np
import pytest
from harness.cases import TINY_1D, TINY_1D_PRIOR
from harness.exact_gmm import Prior as GMMPriorFields
from harness.exact_gmm import exact_posterior
from scipy import stats

import genjax_gmm as gg
from genjax_gmm.inference.gibbs_evidence import MixtureProposal


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    data: np.ndarray
    num_components: int
    prior_fields: tuple[float, ...]
    separated: bool  # a single chain stays in one labelling
    num_chains: int = 1

    @property
    def prior(self) -> gg.GMMPrior:
        return gg.GMMPrior(*self.prior_fields)

    def __repr__(self) -> str:
        return self.name


SEPARATED_2 = np.array([-3.1, -2.7, -3.4, 2.9, 3.3, 2.6, 3.0])
SEPARATED_3 = np.array([-5.2, -4.8, -5.1, 0.1, -0.3, 4.9, 5.2])
OVERLAPPING = np.array([-1.0, -0.6, 0.2, 1.1, 1.4])
FAR_FROM_ZERO = np.array([500.2, 499.1, 501.3, 350.5, 349.2, 420.0])
CASES = [
    Case("separated, K = 2", SEPARATED_2, 2, (1.0, 0.0, 3.0, 3.0, 0.2), True),
    Case("separated, K = 3", SEPARATED_3, 3, (1.0, 0.0, 4.0, 3.0, 0.2), True),
    Case("clustered, K = 3", TINY_1D, 3, TINY_1D_PRIOR, False),
    Case("overlapping, K = 2", OVERLAPPING, 2, (1.0, 0.0, 1.0, 5.0, 1.0), False),
    Case("overlapping, K = 3", OVERLAPPING, 3, (1.0, 0.0, 1.0, 5.0, 1.0), False),
    # 420 g joins the light kind (p = 0.88) or the heavy one (0.11); one chain of 600 sweeps often
    # stays with the first, and its proposal then misses the second (−0.12 nat): four chains visit both.
    Case("far from zero, K = 2", FAR_FROM_ZERO, 2, (1.0, 425.0, 60.0, 3.0, 300.0), False, num_chains=4),
]
SEPARATED = [case for case in CASES if case.separated]
NUM_KEYS = 20


def _gibbs(case: Case, key, num_sweeps: int = 600):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gg.ConvergenceWarning)  # one chain: R-hat is split-chain only
        return gg.gibbs(key, case.data, case.num_components, case.prior, num_sweeps, num_chains=case.num_chains)


def _estimates(case: Case, num_keys: int = NUM_KEYS, num_proposals: int = 1000, **options) -> list[gg.GibbsEvidence]:
    """One Gibbs run and one estimate per key (independent Gibbs draws and proposals)."""
    estimates = []
    for seed in range(num_keys):
        gibbs_key, proposal_key = jax.random.split(jax.random.key(seed))
        result = _gibbs(case, gibbs_key)
        estimates.append(gg.gibbs_log_evidence(proposal_key, result, case.data, case.prior,
                                               num_proposals=num_proposals, **options))
    return estimates


def _exact(case: Case) -> float:
    return exact_posterior(case.data, case.num_components, GMMPriorFields(*case.prior_fields)).log_marginal_likelihood


def _stays_in_one_labelling(case: Case, key) -> bool:
    """Whether every draw of a chain orders its kinds' means the same way."""
    orders = np.argsort(np.asarray(_gibbs(case, key).means)[0], axis=1)
    return bool(np.all(orders == orders[0]))


@pytest.fixture(scope="module", params=CASES, ids=[case.name for case in CASES])
def case(request):
    return request.param


def test_the_estimate_matches_the_enumeration_within_its_measured_spread(case):
    # 20 keys, each a chain of 600 sweeps and 1,000 proposals. p̂ is unbiased, so E[log p̂] ≈ log p − s²/2
    # (delta method): the corrected mean must lie within 4 standard errors s/√20 of the exact log p(x).
    exact = _exact(case)
    estimates = np.array([e.log_marginal_likelihood for e in _estimates(case)])
    spread = estimates.std(ddof=1)
    corrected = estimates.mean() + spread**2 / 2
    tolerance = 4 * spread / np.sqrt(estimates.size)
    assert abs(corrected - exact) < tolerance, (corrected, exact, tolerance)
    assert 0 < spread < 0.1  # a sharp comparison: the tolerance is below 0.09 nat, log 2 is 0.69


@pytest.mark.parametrize("case", SEPARATED, ids=[case.name for case in SEPARATED])
def test_without_relabellings_the_estimate_misses_by_log_k_factorial(case):
    # The must-fail control. On these data every chain stays in the labelling it starts in, so the
    # proposal without relabellings covers one of the K! mirror images of the posterior: the
    # estimate is low by log K! (0.69 nat for K = 2, 1.79 for K = 3) and fails the check above,
    # while its weights look healthy (ESS in the hundreds): the ESS cannot see the missing images.
    exact = _exact(case)
    assert all(_stays_in_one_labelling(case, jax.random.split(jax.random.key(seed))[0]) for seed in range(NUM_KEYS))
    with pytest.warns(gg.ImportanceWarning, match="permute_labels=False"):
        unsymmetrised = _estimates(case, permute_labels=False)
    estimates = np.array([e.log_marginal_likelihood for e in unsymmetrised])
    spread = estimates.std(ddof=1)
    tolerance = 4 * spread / np.sqrt(estimates.size)
    assert abs(estimates.mean() + spread**2 / 2 - exact) > 10 * max(tolerance, 0.01)  # fails the exact check
    assert estimates.mean() - exact == pytest.approx(-math.log(math.factorial(case.num_components)), abs=0.1)
    assert min(e.effective_sample_size for e in unsymmetrised) > 100


@pytest.mark.slow
def test_the_evidence_estimate_is_unbiased():
    # Few proposals (10), so that p̂/p varies visibly: over 1,000 keys its mean is 1 within
    # 3 standard errors, though log p̂ is biased low (Jensen). Given any Gibbs draws the estimate is
    # unbiased, so short chains (100 sweeps) serve.
    case = CASES[3]
    exact = _exact(case)
    ratios = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gg.ImportanceWarning)  # an ESS below 20 of 10 proposals
        for seed in range(1000):
            gibbs_key, proposal_key = jax.random.split(jax.random.key(seed))
            result = _gibbs(case, gibbs_key, num_sweeps=100)
            estimate = gg.gibbs_log_evidence(proposal_key, result, case.data, case.prior, num_proposals=10)
            ratios.append(np.exp(estimate.log_marginal_likelihood - exact))
    ratios = np.array(ratios)
    standard_error = ratios.std(ddof=1) / np.sqrt(ratios.size)
    assert abs(ratios.mean() - 1) < 3 * standard_error, (ratios.mean(), standard_error)
    assert ratios.std() > 0.05  # the test sees real variation
    assert np.log(ratios).mean() < 0


def test_the_standard_error_matches_the_spread_over_proposal_keys():
    # One Gibbs run, 200 proposal keys of 100 proposals each: the spread of log p̂ over the keys
    # against the mean reported (delta-method) standard error.
    case = CASES[4]
    result = _gibbs(case, jax.random.key(7))
    estimates = [gg.gibbs_log_evidence(jax.random.key(1000 + seed), result, case.data, case.prior, num_proposals=100)
                 for seed in range(200)]
    spread = np.std([e.log_marginal_likelihood for e in estimates], ddof=1)
    reported = np.mean([e.standard_error for e in estimates])
    assert 0.8 < spread / reported < 1.25, (spread, reported)


def test_the_estimate_and_its_standard_error_are_those_of_the_returned_weights(small_run):
    # Exact identities: log p̂ = log mean(w); the delta-method standard error is sd(w) / (√M mean(w)),
    # computed here from the weights directly (the package uses the equivalent √((M/ESS − 1)/(M − 1))).
    case, result = small_run
    estimate = gg.gibbs_log_evidence(jax.random.key(9), result, case.data, case.prior, num_proposals=500)
    weights = np.exp(estimate.log_weights - estimate.log_weights.max())
    assert estimate.log_marginal_likelihood == pytest.approx(
        np.log(weights.mean()) + estimate.log_weights.max(), abs=1e-12)
    assert estimate.standard_error == pytest.approx(
        weights.std(ddof=1) / (np.sqrt(weights.size) * weights.mean()), rel=1e-9)
    assert estimate.effective_sample_size == pytest.approx(weights.sum() ** 2 / np.sum(weights**2), rel=1e-9)


# --- q is a normalised density -------------------------------------------------------------------------


def _proposal(case: Case) -> MixtureProposal:
    result = _gibbs(case, jax.random.key(3), num_sweeps=40)  # 30 draws: a mixture of 30 · K! terms
    return MixtureProposal.from_draws(result, case.data, case.prior)


def _term_log_density(proposal: MixtureProposal, draw: int, rho, log_weights, means, log_variances) -> np.ndarray:
    """log q_s(ρθ) by SciPy, a density of (π, μ, σ²) as ``log_density``'s (not of log π, log σ²):
    Dirichlet on π (its first K − 1 coordinates), Normal on μ_k, InverseGamma on σ²_k."""
    k = list(rho)
    weights = np.exp(log_weights)
    dirichlet = np.array([stats.dirichlet.logpdf(w / w.sum(), proposal.dirichlet[draw, k]) for w in weights])
    normal = stats.norm.logpdf(means, proposal.loc[draw, k], proposal.scale[draw, k]).sum(axis=1)
    inverse_gamma = stats.invgamma.logpdf(np.exp(log_variances), proposal.ig_shape[draw, k],
                                          scale=proposal.ig_scale[draw, k]).sum(axis=1)
    return dirichlet + normal + inverse_gamma


@pytest.mark.parametrize("case", [CASES[1], CASES[4]], ids=["separated, K = 3", "overlapping, K = 3"])
def test_the_proposal_density_is_the_mixture_of_its_terms(case):
    proposal = _proposal(case)
    theta = proposal.sample(np.random.default_rng(0), 25)
    terms = [_term_log_density(proposal, s, rho, *theta)
             for s in range(proposal.loc.shape[0]) for rho in itertools.permutations(range(case.num_components))]
    direct = np.logaddexp.reduce(np.array(terms), axis=0) - np.log(len(terms))
    np.testing.assert_allclose(proposal.log_density(*theta), direct, rtol=1e-9, atol=1e-9)


def test_the_proposal_density_holds_for_tight_kinds_far_apart():
    # Kinds 2·10⁴ apart with spreads of 10⁻³: the normal's square expanded into μm/v − μ²/2v − m²/2v
    # would lose most of its digits here (0.07 nat off at ±10⁴, 17 nats at ±10⁵).
    proposal = MixtureProposal(
        dirichlet=np.array([[3.0, 4.0], [2.5, 4.5]]),
        loc=np.array([[-1e4, 1e4], [-1e4 + 2e-3, 1e4 - 1e-3]]),
        scale=np.array([[1e-3, 2e-3], [1.5e-3, 1e-3]]),
        ig_shape=np.array([[3.0, 4.0], [3.5, 2.5]]),
        ig_scale=np.array([[1e-6, 2e-6], [1.5e-6, 1e-6]]),
        permutations=np.array([[0, 1], [1, 0]]),
        centre=0.0,
    )
    theta = proposal.sample(np.random.default_rng(2), 50)
    terms = [_term_log_density(proposal, s, rho, *theta) for s in range(2) for rho in ((0, 1), (1, 0))]
    direct = np.logaddexp.reduce(np.array(terms), axis=0) - np.log(len(terms))
    np.testing.assert_allclose(proposal.log_density(*theta), direct, rtol=1e-9, atol=1e-6)


@pytest.mark.parametrize("case", [CASES[1], CASES[4]], ids=["separated, K = 3", "overlapping, K = 3"])
def test_the_proposal_draws_come_from_its_density(case):
    # For a normalised density g, E_q[g(θ)/q(θ)] = ∫ g = 1 when θ ~ q. With g one term q_s(ρθ) of
    # the mixture (its density by SciPy), g/q ≤ S·K!, so 20,000 draws pin the mean to a few percent;
    # a log q off by c would give e^(−c), draws from another density another value.
    proposal = _proposal(case)
    theta = proposal.sample(np.random.default_rng(1), 20_000)
    for draw, rho in [(0, range(case.num_components)), (17, (2, 0, 1))]:
        ratio = np.exp(_term_log_density(proposal, draw, rho, *theta) - proposal.log_density(*theta))
        standard_error = ratio.std(ddof=1) / np.sqrt(ratio.size)
        assert abs(ratio.mean() - 1) < 4 * standard_error, (ratio.mean(), standard_error)
        assert standard_error < 0.15


# --- what every estimator must do -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_run():
    case = CASES[3]
    return case, _gibbs(case, jax.random.key(0), num_sweeps=100)


def test_the_same_key_gives_the_same_estimate_and_a_healthy_one_does_not_warn(small_run):
    case, result = small_run
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        first = gg.gibbs_log_evidence(jax.random.key(5), result, case.data, case.prior)
    second = gg.gibbs_log_evidence(jax.random.key(5), result, case.data, case.prior)
    assert first.log_marginal_likelihood == second.log_marginal_likelihood
    np.testing.assert_array_equal(first.log_weights, second.log_weights)
    assert first.log_weights.shape == (2000,) and 20 < first.effective_sample_size <= 2000


def test_few_proposals_warn(small_run):
    case, result = small_run
    with pytest.warns(gg.ImportanceWarning, match="effective sample size"):
        gg.gibbs_log_evidence(jax.random.key(5), result, case.data, case.prior, num_proposals=10)


BAD_INPUTS = {  # what to change in a good call, the error, the argument the message must name
    "key": (lambda a: a | {"key": 3}, TypeError, "key"),
    "result": (lambda a: a | {"result": "draws"}, TypeError, "result"),
    "data, wrong size": (lambda a: a | {"data": a["data"][:-1]}, ValueError, "data"),
    "data, NaN": (lambda a: a | {"data": np.append(a["data"][:-1], np.nan)}, ValueError, "data"),
    "prior": (lambda a: a | {"prior": (1.0, 0.0, 1.0, 5.0, 1.0)}, TypeError, "prior"),
    "no assignments": (lambda a: a | {"result": dataclasses.replace(a["result"], assignments=None)}, ValueError,
                       "result"),
    "too many kinds": (lambda a: a | {"result": dataclasses.replace(a["result"], means=np.zeros((1, 3, 6)))},
                       ValueError, "result"),
    "num_proposals 1": (lambda a: a | {"num_proposals": 1}, ValueError, "num_proposals"),
    "num_proposals 2.5": (lambda a: a | {"num_proposals": 2.5}, TypeError, "num_proposals"),
    "mixture_draws 0": (lambda a: a | {"mixture_draws": 0}, ValueError, "mixture_draws"),
    "permute_labels": (lambda a: a | {"permute_labels": "yes"}, TypeError, "permute_labels"),
    "NaN standard deviation": (lambda a: a | {"result": dataclasses.replace(
        a["result"], stds=np.where(np.arange(2) == 0, np.nan, a["result"].stds))}, ValueError, "result.stds"),
    "assignment out of range": (lambda a: a | {"result": dataclasses.replace(
        a["result"], assignments=np.asarray(a["result"].assignments) + 1)}, ValueError, "result.assignments"),
}


@pytest.mark.parametrize("bad", list(BAD_INPUTS))
def test_bad_input_is_rejected_naming_the_argument(small_run, bad):
    case, result = small_run
    change, error, name = BAD_INPUTS[bad]
    arguments = change(dict(key=jax.random.key(0), result=result, data=case.data, prior=case.prior))
    key, result, data, prior = (arguments.pop(field) for field in ("key", "result", "data", "prior"))
    with pytest.raises(error, match=name):
        gg.gibbs_log_evidence(key, result, data, prior, **arguments)
