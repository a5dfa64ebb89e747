"""The exact evidence (``genjax_gmm.evidence``) against brute-force enumeration.

* p(x | K) equals the sum of p(x, z | K) over all K^n assignments, computed by an independent
  enumerator (``harness.exact_gmm``: its own quadrature, its own urn) on small data with ties;
* the occupancy probabilities are the urn's, counted over all K^n assignments, and the evidence
  given j occupied kinds is what the enumeration gives for the assignments with j occupied kinds;
* ``keep_apart`` sums exactly the assignments that never mix two labels;
* Chapter 6's claims about the bentos: the kept assignments plus the one-kind assignment give the
  exact evidence to 10⁻⁴ nats or better at every prior width of its sweep, beyond 10⁸ g each
  occupied kind's evidence scales as 1/s₀, and empty kinds nest K − 1 kinds inside K.
"""

import itertools

import numpy as np
import pytest
from harness.exact_gmm import Prior, exact_posterior
from scipy.special import gammaln, logsumexp

import genjax_gmm as gg

PRIOR = gg.GMMPrior(concentration=0.7, mean_loc=3.0, mean_scale=3.0, var_shape=2.0, var_scale=1.5)
REFERENCE_PRIOR = Prior(0.7, 3.0, 3.0, 2.0, 1.5)
TIED = np.array([0.1, 0.9, 0.9, 2.2, 3.6, 5.0, 5.0])  # seven points, two tied pairs


def occupied_kinds(assignments: np.ndarray) -> np.ndarray:
    return np.array([np.unique(z).size for z in assignments])


@pytest.mark.parametrize("num_components", [1, 2, 3, 4])
def test_the_evidence_is_the_sum_over_every_assignment(num_components):
    reference = exact_posterior(TIED, num_components, REFERENCE_PRIOR).log_marginal_likelihood
    assert gg.log_evidence(TIED, num_components, PRIOR) == pytest.approx(reference, abs=1e-7)


def test_a_wide_prior_and_distinct_values():
    points = np.array([-4.0, -3.1, 0.2, 6.5, 7.0])
    prior = gg.GMMPrior(concentration=2.0, mean_loc=0.0, mean_scale=300.0, var_shape=3.0, var_scale=2.0)
    reference = exact_posterior(points, 3, Prior(2.0, 0.0, 300.0, 3.0, 2.0)).log_marginal_likelihood
    assert gg.log_evidence(points, 3, prior) == pytest.approx(reference, abs=1e-7)


def test_occupancy_probabilities_are_the_urns():
    num_points, num_components, alpha = 5, 3, 0.7
    assignments = np.array(list(itertools.product(range(num_components), repeat=num_points)))
    counts = (assignments[:, :, None] == np.arange(num_components)).sum(axis=1)
    log_urn = (gammaln(num_components * alpha) - gammaln(num_components * alpha + num_points)
               + np.sum(gammaln(alpha + counts) - gammaln(alpha), axis=1))
    occupied = occupied_kinds(assignments)
    expected = [logsumexp(log_urn[occupied == j]) for j in range(1, num_components + 1)]
    got = gg.occupancy_log_probabilities(num_components, num_points, alpha)
    assert got == pytest.approx(expected, abs=1e-12)
    # Chapter 6's numbers: 20 bentos, α = 1
    assert np.exp(gg.occupancy_log_probabilities(2, 20)) == pytest.approx([2 / 21, 19 / 21])
    assert np.exp(gg.occupancy_log_probabilities(3, 20)) == pytest.approx([1 / 77, 19 / 77, 57 / 77])
    # more kinds than points: the extra ones cannot all be occupied
    assert gg.occupancy_log_probabilities(4, 2)[2:] == pytest.approx([-np.inf, -np.inf])


def test_the_evidence_given_j_occupied_kinds_is_the_enumerations():
    """P(j occupied | x, K) = P(j occupied | K) p(x | j occupied) / p(x | K), from the enumeration."""
    num_components = 3
    exact = exact_posterior(TIED, num_components, REFERENCE_PRIOR)
    occupied = occupied_kinds(exact.assignments)
    posterior = np.array([exact.probabilities[occupied == j].sum() for j in (1, 2, 3)])
    expected = (np.log(posterior) + exact.log_marginal_likelihood
                - gg.occupancy_log_probabilities(num_components, TIED.size, PRIOR.concentration))
    assert gg.log_evidence_by_occupancy(TIED, num_components, PRIOR) == pytest.approx(expected, abs=1e-7)
    # the same for every K: K = 2's and K = 4's decompositions agree with K = 3's
    by_occupancy = gg.log_evidence_by_occupancy(TIED, 4, PRIOR)
    for k in (2, 4):
        weights = gg.occupancy_log_probabilities(k, TIED.size, PRIOR.concentration)
        assert logsumexp(weights + by_occupancy[:k]) == pytest.approx(gg.log_evidence(TIED, k, PRIOR), abs=1e-9)


def test_keep_apart_sums_the_assignments_that_never_mix_two_labels():
    labels = np.array([0, 0, 0, 1, 1, 2, 2])
    num_components = 4
    assignments = np.array(list(itertools.product(range(num_components), repeat=TIED.size)))
    log_joint = np.array([gg.collapsed_log_joint(TIED, z, num_components, PRIOR) for z in assignments])
    unmixed = np.array([all(np.unique(labels[z == k]).size <= 1 for k in range(num_components))
                        for z in assignments])
    occupied = occupied_kinds(assignments)
    weights = gg.occupancy_log_probabilities(num_components, TIED.size, PRIOR.concentration)
    kept = gg.log_evidence_by_occupancy(TIED, num_components, PRIOR, keep_apart=labels)
    for j in range(1, num_components + 1):
        chosen = unmixed & (occupied == j)
        expected = logsumexp(log_joint[chosen]) - weights[j - 1] if chosen.any() else -np.inf
        assert kept[j - 1] == pytest.approx(expected, abs=1e-9)
    assert np.all(kept <= gg.log_evidence_by_occupancy(TIED, num_components, PRIOR) + 1e-12)


def test_subset_evidences_are_the_group_evidences_of_every_distinct_subset():
    subsets = gg.subset_log_evidences(TIED, PRIOR)
    assert subsets.log_evidences.size == 3 * 3 * 2 * 2 * 2 - 1  # two pairs, three singles
    seen = set()
    for size in range(1, TIED.size + 1):
        for members in itertools.combinations(range(TIED.size), size):
            group = tuple(sorted(TIED[list(members)]))
            if group in seen:
                continue
            seen.add(group)
            row = np.flatnonzero([np.array_equal(np.repeat(subsets.values, u), group) for u in subsets.counts])
            assert row.size == 1 and subsets.sizes[row[0]] == size
            assert subsets.log_evidences[row[0]] == pytest.approx(gg.group_log_evidence(np.array(group), PRIOR))
    assert len(seen) == subsets.log_evidences.size


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: gg.log_evidence([1.0, np.nan], 2, PRIOR), "data"),
        (lambda: gg.log_evidence(TIED, 0, PRIOR), "num_components"),
        (lambda: gg.log_evidence(TIED, 2, (0.7, 3.0, 3.0, 2.0, 1.5)), "prior"),
        (lambda: gg.log_evidence(np.arange(19.0), 2, PRIOR), "data"),  # 2^19 sub-multisets
        (lambda: gg.log_evidence_by_occupancy(TIED, 2.5, PRIOR), "max_occupied"),
        (lambda: gg.log_evidence_by_occupancy(TIED, 2, PRIOR, keep_apart=[0, 1]), "keep_apart"),
        (lambda: gg.occupancy_log_probabilities(3, 0), "num_points"),
        (lambda: gg.occupancy_log_probabilities(3, 5, -1.0), "concentration"),
        (lambda: gg.subset_log_evidences([], PRIOR), "points"),
    ],
)
def test_bad_input_is_named(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


# ---------------------------------------------------------------------------------------------
# Chapter 6's claims about the bentos


def bento_prior(mean_scale: float) -> gg.GMMPrior:
    return gg.GMMPrior(concentration=1.0, mean_loc=425.0, mean_scale=mean_scale, var_shape=2.0, var_scale=10.0)


def chapter_6_log_evidences(mean_scale: float) -> np.ndarray:
    """The chapter's recipe: ℓ_1 from the one group, ℓ_2 and ℓ_3 from the assignments that keep the
    light and the heavy bentos apart; log p(x | K) for K = 1, 2, 3."""
    bentos, prior = gg.MYSTERY_BENTO_WEIGHTS, bento_prior(mean_scale)
    by_occupancy = gg.log_evidence_by_occupancy(bentos, 3, prior, keep_apart=bentos > 425)
    by_occupancy[0] = gg.group_log_evidence(bentos, prior)
    return np.array([logsumexp(gg.occupancy_log_probabilities(k, bentos.size) + by_occupancy[:k]) for k in (1, 2, 3)])


@pytest.mark.parametrize("mean_scale", [10.0, 100.0, 1e8])
def test_the_chapters_kept_assignments_give_the_bentos_exact_evidence(mean_scale):
    """Every one of the 2^20 and 3^20 assignments summed (a few seconds each): the assignments that
    mix light and heavy bentos in one kind of several change no printed digit."""
    bentos, prior = gg.MYSTERY_BENTO_WEIGHTS, bento_prior(mean_scale)
    by_occupancy = gg.log_evidence_by_occupancy(bentos, 3, prior)
    exact = [logsumexp(gg.occupancy_log_probabilities(k, bentos.size) + by_occupancy[:k]) for k in (1, 2, 3)]
    assert chapter_6_log_evidences(mean_scale) == pytest.approx(exact, abs=1e-4)
    if mean_scale == 100.0:  # the values the chapter prints, confirmed by an outside enumeration
        assert exact == pytest.approx([-128.89209, -66.94570, -68.05453], abs=1e-5)


def test_beyond_1e8_g_every_occupied_kind_scales_as_one_over_the_prior_width():
    bentos = gg.MYSTERY_BENTO_WEIGHTS
    direct = gg.log_evidence_by_occupancy(bentos, 3, bento_prior(1e10), keep_apart=bentos > 425)
    scaled = gg.log_evidence_by_occupancy(bentos, 3, bento_prior(1e8), keep_apart=bentos > 425)
    assert direct[1:] == pytest.approx(scaled[1:] - np.array([2, 3]) * np.log(100), abs=1e-6)
    one_group = gg.group_log_evidence(bentos, bento_prior(1e10)) - gg.group_log_evidence(bentos, bento_prior(1e8))
    assert one_group == pytest.approx(-np.log(100), abs=1e-6)


def test_empty_kinds_nest_fewer_kinds_inside_more():
    """p(x | K) ≥ P(one kind occupied | K) p(x | K = 1), whatever the data and the prior, with
    equality in the limit of a wide prior on the means (every occupied kind costs a factor 1/s₀)."""
    for points, prior in ((TIED, PRIOR), (gg.MYSTERY_BENTO_WEIGHTS[:9], bento_prior(1e30))):
        one = gg.log_evidence(points, 1, prior)
        for k in (2, 3):
            floor = gg.occupancy_log_probabilities(k, points.size, prior.concentration)[0] + one
            assert gg.log_evidence(points, k, prior) >= floor
            if prior.mean_scale == 1e30:
                assert gg.log_evidence(points, k, prior) == pytest.approx(floor, abs=1e-9)
            else:
                assert gg.log_evidence(points, k, prior) > floor + 0.1
