"""Categorization with known parameters, checked against Bayes' rule written out by hand."""

import math

import numpy as np
import pytest

from genjax_gmm import category_posterior, decision_boundaries, log_marginal_density, marginal_density


def normal_pdf(x, mean, std):
    return math.exp(-0.5 * ((x - mean) / std) ** 2) / (std * math.sqrt(2 * math.pi))


def bayes_rule(x, weights, means, stds):
    """P(c = k | x) = w_k N(x; μ_k, σ_k²) / Σ_j w_j N(x; μ_j, σ_j²), term by term."""
    joint = [w * normal_pdf(x, m, s) for w, m, s in zip(weights, means, stds)]
    return [j / sum(joint) for j in joint]


def test_posterior_is_bayes_rule_for_the_bentos():
    weights, means, stds = [0.7, 0.3], [500.0, 350.0], [2.0, 2.0]
    for x in [349.0, 352.5, 420.0, 425.0, 427.3, 430.0, 498.0]:
        np.testing.assert_allclose(
            category_posterior(x, weights, means, stds), bayes_rule(x, weights, means, stds), atol=1e-12
        )


def test_posterior_matches_bayes_rule_at_random_parameters():
    rng = np.random.default_rng(7)
    for _ in range(50):
        k = int(rng.integers(1, 6))
        weights = rng.dirichlet(np.ones(k))
        means = rng.normal(0, 3, k)
        stds = rng.uniform(0.5, 3, k)
        xs = rng.normal(0, 4, 5)
        got = category_posterior(xs, weights, means, stds)
        want = [bayes_rule(x, weights, means, stds) for x in xs]
        np.testing.assert_allclose(got, want, atol=1e-10)
        np.testing.assert_allclose(
            marginal_density(xs, weights, means, stds),
            [sum(w * normal_pdf(x, m, s) for w, m, s in zip(weights, means, stds)) for x in xs],
            rtol=1e-10,
        )


def test_shapes_broadcast_over_x():
    x = np.linspace(300, 550, 12).reshape(3, 4)
    post = category_posterior(x, [0.2, 0.3, 0.5], [350, 425, 500], [2, 5, 2])
    assert post.shape == (3, 4, 3)
    assert marginal_density(x, [0.2, 0.3, 0.5], [350, 425, 500], [2, 5, 2]).shape == (3, 4)
    np.testing.assert_allclose(post.sum(axis=-1), 1.0, atol=1e-12)


def test_far_from_every_component_stays_finite_and_one_hot():
    weights, means, stds = [0.7, 0.3], [500.0, 350.0], [2.0, 2.0]
    post = np.asarray(category_posterior(np.array([1e6, -1e6]), weights, means, stds))
    assert np.all(np.isfinite(post))
    np.testing.assert_array_equal(post, [[1.0, 0.0], [0.0, 1.0]])
    # The density underflows to 0, but its log stays finite: -(1e6 - 500)²/8 - log(2√(2π)) + log 0.7.
    expected = -((1e6 - 500.0) ** 2) / 8 - math.log(2 * math.sqrt(2 * math.pi)) + math.log(0.7)
    np.testing.assert_allclose(log_marginal_density(1e6, weights, means, stds), expected, rtol=1e-12)


def test_identical_components_give_the_prior_weights():
    weights = [0.2, 0.5, 0.3]
    post = category_posterior(np.array([-3.0, 0.0, 11.0]), weights, [1.0, 1.0, 1.0], [2.0, 2.0, 2.0])
    np.testing.assert_allclose(post, np.tile(weights, (3, 1)), atol=1e-12)


def test_single_component_is_certain():
    np.testing.assert_allclose(category_posterior(np.array([0.0, 5.0]), [1.0], [0.0], [1.0]), [[1.0], [1.0]])


def test_equal_priors_and_variances_put_the_boundary_at_the_midpoint():
    np.testing.assert_allclose(decision_boundaries([0.5, 0.5], [-1.0, 1.0], [1.0, 1.0]), [0.0], atol=1e-12)
    np.testing.assert_allclose(decision_boundaries([0.5, 0.5], [350.0, 500.0], [2.0, 2.0]), [425.0], atol=1e-9)


@pytest.mark.parametrize("theta", [0.55, 0.6, 0.75, 0.9, 0.99])
def test_boundary_moves_toward_the_less_likely_category(theta):
    # Closed form: midpoint + σ² log(θ/(1-θ)) / (μ₂ − μ₁); for μ = (−1, 1), σ = 1: log(θ/(1-θ)) / 2.
    (boundary,) = decision_boundaries([theta, 1 - theta], [-1.0, 1.0], [1.0, 1.0])
    assert boundary == pytest.approx(math.log(theta / (1 - theta)) / 2, abs=1e-12)
    assert boundary > 0  # toward μ₂ = 1, the less likely category
    assert category_posterior(boundary, [theta, 1 - theta], [-1.0, 1.0], [1.0, 1.0])[0] == pytest.approx(0.5, abs=1e-12)
    smaller_theta = decision_boundaries([theta - 0.05, 1.05 - theta], [-1.0, 1.0], [1.0, 1.0])[0]
    assert smaller_theta < boundary


def test_unequal_variances_give_two_boundaries_and_the_wider_category_wins_both_tails():
    weights, means, stds = [0.5, 0.5], [-1.0, 1.0], [math.sqrt(0.5), math.sqrt(2.0)]
    boundaries = decision_boundaries(weights, means, stds)
    assert len(boundaries) == 2 and boundaries[0] < boundaries[1]
    for b in boundaries:
        assert category_posterior(b, weights, means, stds)[0] == pytest.approx(0.5, abs=1e-10)
    left, right = boundaries[0] - 1.0, boundaries[1] + 1.0
    middle = 0.5 * (boundaries[0] + boundaries[1])
    assert category_posterior(left, weights, means, stds)[1] > 0.5  # wider category 2 wins the left tail
    assert category_posterior(right, weights, means, stds)[1] > 0.5  # ... and the right tail
    assert category_posterior(middle, weights, means, stds)[0] > 0.5


def test_no_boundary_when_one_category_always_wins():
    # Same mean, different widths, and a prior so lopsided the narrow category never wins.
    assert decision_boundaries([0.01, 0.99], [0.0, 0.0], [1.0, 2.0]).size == 0
    assert decision_boundaries([0.5, 0.5], [0.0, 0.0], [1.0, 1.0]).size == 0
    assert decision_boundaries([1.0, 0.0], [0.0, 1.0], [1.0, 1.0]).size == 0


@pytest.mark.parametrize(
    "args, message",
    [
        (([0.5, 0.6], [0, 1], [1, 1]), "weights must sum to 1"),
        (([1.2, -0.2], [0, 1], [1, 1]), "weights must be non-negative"),
        (([0.5, 0.5], [0, 1], [1, 0]), "stds must be positive"),
        (([0.5, 0.5], [0, 1], [1, -2]), "stds must be positive"),
        (([0.5, 0.5], [0, 1, 2], [1, 1]), "same length"),
        (([], [], []), "K >= 1"),
        (([0.5, 0.5], [0, np.nan], [1, 1]), "means must be finite"),
        (([[0.5, 0.5]], [0, 1], [1, 1]), "1-D"),
    ],
)
def test_bad_parameters_are_rejected(args, message):
    with pytest.raises(ValueError, match=message):
        category_posterior(0.0, *args)
    with pytest.raises(ValueError, match=message):
        marginal_density(0.0, *args)


@pytest.mark.parametrize("x", [np.nan, np.inf, [0.0, -np.inf]])
def test_non_finite_x_is_rejected(x):
    with pytest.raises(ValueError, match="x must be finite"):
        category_posterior(x, [0.5, 0.5], [0, 1], [1, 1])


def test_non_numeric_x_is_a_type_error():
    with pytest.raises(TypeError, match="x must be numeric"):
        category_posterior("heavy", [0.5, 0.5], [0, 1], [1, 1])


def test_decision_boundaries_needs_two_components():
    with pytest.raises(ValueError, match="K = 2"):
        decision_boundaries([0.2, 0.3, 0.5], [0, 1, 2], [1, 1, 1])


def test_jit_compatible():
    import jax

    post = jax.jit(category_posterior)(425.0, np.array([0.7, 0.3]), np.array([500.0, 350.0]), np.array([2.0, 2.0]))
    np.testing.assert_allclose(post, [0.7, 0.3], atol=1e-12)
