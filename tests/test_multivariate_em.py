"""EM for multivariate mixtures (Chapter 8): the log-likelihood never decreases, the optimum is
scikit-learn's for every covariance type on several data sets, the covariance floor holds and
keeps L finite, BIC/AIC use scikit-learn's parameter counts; k-means matches scikit-learn's;
the adjusted Rand index equals scikit-learn's; Old Faithful is R's."""

import warnings

import numpy as np
import pytest
from harness.compilation import compilations
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score
from sklearn.mixture import GaussianMixture

import genjax_gmm as gg
from genjax_gmm import multivariate as mv
from genjax_gmm.maximum_likelihood import num_parameters


def _simulated(seed, means, covariances, sizes):
    rng = np.random.default_rng(seed)
    parts = [rng.multivariate_normal(m, c, n) for m, c, n in zip(means, covariances, sizes)]
    return rng.permutation(np.concatenate(parts))


DATA_SETS = {
    "old faithful, K = 2": (gg.OLD_FAITHFUL, 2),
    "three 2-D clusters, K = 3": (
        _simulated(
            0,
            [[2, 2], [7, 7], [2, 8]],
            [[[1, 0.5], [0.5, 1]], [[1.5, -0.3], [-0.3, 0.8]], [[0.6, 0], [0, 1.2]]],
            [100, 120, 80],
        ),
        3,
    ),
    "two 3-D clusters, K = 2": (
        _simulated(
            1, [[0, 0, 0], [3, 1, -2]], [np.diag([1.0, 2.0, 0.5]), [[1, 0.6, 0], [0.6, 1, 0.3], [0, 0.3, 1]]], [90, 110]
        ),
        2,
    ),
}


@pytest.fixture(scope="module")
def fits():
    """mv.em and scikit-learn (reg_covar = 0: both the unregularised optimum; many inits, tight tol)."""
    results = {}
    for name, (data, num_components) in DATA_SETS.items():
        for covariance_type in mv.COVARIANCE_TYPES:
            ours = mv.em(data, num_components, covariance_type)
            theirs = GaussianMixture(
                num_components,
                covariance_type=covariance_type,
                reg_covar=0.0,
                tol=1e-12,
                max_iter=10_000,
                n_init=5,
                random_state=0,
            ).fit(data)
            results[name, covariance_type] = (data, ours, theirs)
    return results


def _full_covariances(mixture: GaussianMixture, dimension: int) -> np.ndarray:
    covariances, k = mixture.covariances_, mixture.n_components
    return {
        "full": lambda: covariances,
        "tied": lambda: np.broadcast_to(covariances, (k, dimension, dimension)),
        "diag": lambda: covariances[:, :, None] * np.eye(dimension),
        "spherical": lambda: covariances[:, None, None] * np.eye(dimension),
    }[mixture.covariance_type]()


@pytest.mark.slow
def test_the_log_likelihood_never_decreases(fits):
    for (name, covariance_type), (_, ours, _) in fits.items():
        trace = ours.log_likelihood_trace
        assert trace.size > 2 and ours.converged, (name, covariance_type)
        assert np.all(np.diff(trace) >= -1e-9 * np.abs(trace[1:])), (name, covariance_type)
        assert trace[-1] == pytest.approx(ours.log_likelihood, rel=1e-12)


@pytest.mark.slow
def test_the_optimum_is_scikit_learns(fits):
    for (name, covariance_type), (data, ours, theirs) in fits.items():
        label = (name, covariance_type)
        their_log_likelihood = theirs.score(data) * data.shape[0]
        assert ours.log_likelihood == pytest.approx(their_log_likelihood, rel=1e-6), label
        assert ours.bic == pytest.approx(theirs.bic(data), rel=1e-6), label
        assert ours.aic == pytest.approx(theirs.aic(data), rel=1e-6), label
        order = np.argsort(theirs.means_[:, 0])
        np.testing.assert_allclose(ours.weights, theirs.weights_[order], atol=1e-4, err_msg=str(label))
        np.testing.assert_allclose(ours.means, theirs.means_[order], rtol=1e-4, atol=1e-4, err_msg=str(label))
        their_covariances = _full_covariances(theirs, data.shape[1])[order]
        np.testing.assert_allclose(ours.covariances, their_covariances, rtol=1e-3, atol=1e-4, err_msg=str(label))
        np.testing.assert_allclose(ours.responsibilities.sum(axis=1), 1.0, rtol=1e-12)


@pytest.mark.parametrize("covariance_type", mv.COVARIANCE_TYPES)
@pytest.mark.parametrize("num_components, dimension", [(1, 1), (3, 2), (4, 3)])
def test_parameter_counts_are_scikit_learns(covariance_type, num_components, dimension):
    mixture = GaussianMixture(num_components, covariance_type=covariance_type)
    mixture.means_ = np.zeros((num_components, dimension))
    assert num_parameters(num_components, dimension, covariance_type) == mixture._n_parameters()


@pytest.mark.parametrize("covariance_type", mv.COVARIANCE_TYPES)
def test_the_floor_keeps_a_collapsing_component_finite(covariance_type):
    """Seven copies of one point away from the rest: a full or diagonal component shrinks onto them
    (L → ∞ without the floor), and EM warns; the floor holds for every type."""
    rng = np.random.default_rng(2)
    data = np.concatenate([np.tile([[8.0, 120.0]], (7, 1)), rng.normal([3.0, 70.0], [1.0, 10.0], (40, 2))])
    floor = 1e-4
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = mv.em(data, 3, covariance_type, covariance_floor=floor, num_restarts=4)
    degenerate = [w for w in caught if issubclass(w.category, gg.DegenerateComponentWarning)]
    assert np.isfinite(result.log_likelihood)
    assert np.all(np.diff(result.log_likelihood_trace) >= -1e-9 * np.abs(result.log_likelihood_trace[1:]))
    scale = data.std(axis=0)
    standardised = result.covariances / np.outer(scale, scale)
    eigenvalues = np.linalg.eigvalsh(standardised)
    smallest = eigenvalues.min()
    if covariance_type == "spherical":
        smallest = np.min(result.covariances[:, 0, 0]) / np.mean(scale**2)
    assert smallest >= floor * (1 - 1e-9)
    if covariance_type in ("full", "diag"):
        assert smallest <= floor * (1 + 1e-6)  # the floor is active: a component sits on the copies
        assert len(degenerate) == 1 and "shrank to the covariance floor (covariance_floor = 0.0001)" in str(
            degenerate[0].message
        )


def test_kmeans_matches_scikit_learn():
    data, num_components = DATA_SETS["three 2-D clusters, K = 3"]
    ours = mv.kmeans(data, num_components)
    theirs = KMeans(num_components, n_init=10, random_state=0).fit(data)
    assert ours.converged
    assert ours.inertia == pytest.approx(theirs.inertia_, rel=1e-9)
    assert gg.adjusted_rand_index(ours.assignments, theirs.labels_) == 1.0


@pytest.mark.parametrize(
    "num_points, num_labels_a, num_labels_b", [(1, 1, 1), (2, 2, 1), (10, 3, 3), (57, 2, 5), (300, 6, 4)]
)
def test_adjusted_rand_index_is_scikit_learns(num_points, num_labels_a, num_labels_b):
    rng = np.random.default_rng(num_points)
    for _ in range(20):
        first, second = rng.integers(num_labels_a, size=num_points), rng.integers(num_labels_b, size=num_points)
        second = np.where(rng.random(num_points) < 0.5, first, second)  # correlated, not only independent
        assert gg.adjusted_rand_index(first, second) == pytest.approx(adjusted_rand_score(first, second), abs=1e-12)
    names = np.array(["Adelie", "Gentoo", "Chinstrap"])[rng.integers(3, size=num_points)]
    assert gg.adjusted_rand_index(names, first) == pytest.approx(adjusted_rand_score(names, first), abs=1e-12)


def test_adjusted_rand_index_ignores_label_names():
    labels = np.array([0, 0, 1, 1, 2, 2, 2])
    assert gg.adjusted_rand_index(labels, (labels + 1) % 3 + 10) == 1.0


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: mv.em(gg.OLD_FAITHFUL, 2, "round"), ValueError, "covariance_type must be one of"),
        (lambda: mv.em(gg.OLD_FAITHFUL, 0), ValueError, "num_components must be at least 1"),
        (lambda: mv.em(np.ones((5, 2)), 2), ValueError, "num_components must be at most the number of distinct points"),
        (lambda: mv.em(gg.OLD_FAITHFUL, 2, covariance_floor=0.0), ValueError, "covariance_floor must be positive"),
        (lambda: mv.em(gg.OLD_FAITHFUL, 2, tolerance=-1.0), ValueError, "tolerance must be positive"),
        (lambda: mv.em(gg.OLD_FAITHFUL, 2, seed=-3), ValueError, "seed must be a non-negative integer"),
        (lambda: mv.em(gg.OLD_FAITHFUL, 2, seed=True), TypeError, "seed must be an integer, got bool"),
        (lambda: mv.kmeans(gg.OLD_FAITHFUL, 2, seed=2.0), TypeError, "seed must be an integer, got float"),
        (lambda: mv.em(gg.OLD_FAITHFUL, 2, max_iterations=0), ValueError, "max_iterations must be at least 1"),
        (lambda: mv.em([[1.0, np.nan]], 1), ValueError, "data must be finite"),
        (lambda: mv.kmeans(np.ones((2, 2, 2)), 1), ValueError, r"data must be an \(N, D\) array"),
        (lambda: mv.kmeans(gg.OLD_FAITHFUL, 2, num_restarts=0), ValueError, "num_restarts must be at least 1"),
        (
            lambda: gg.adjusted_rand_index([0, 1], [0, 1, 1]),
            ValueError,
            "labels_a and labels_b must label the same points",
        ),
        (lambda: gg.adjusted_rand_index([[0, 1]], [0, 1]), ValueError, "labels_a must be a non-empty 1-D array"),
        (lambda: gg.adjusted_rand_index([0, 1], [0.0, np.nan]), ValueError, "labels_b must not contain NaN"),
    ],
)
def test_bad_input_is_rejected(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.filterwarnings("ignore::genjax_gmm.ConvergenceWarning")  # 7 iterations, on purpose
def test_no_recompilation_for_other_sizes_types_or_iteration_limits():
    data = DATA_SETS["three 2-D clusters, K = 3"][0]
    mv.em(data[:100], 3)
    mv.kmeans(data[:100], 3)
    with compilations() as seen:  # 97 to 104 points: one bucket
        for covariance_type in mv.COVARIANCE_TYPES:
            mv.em(data[:97], 3, covariance_type, max_iterations=7)
        mv.em(data[:104], 3, tolerance=1e-6, max_iterations=10**9, seed=3)
        mv.kmeans(data[:99], 3, max_iterations=3)
    assert seen.count == 0


def test_one_program_for_one_to_four_components():
    # Comparing K = 1, 2, 3, 4 by BIC compiles EM once: K runs padded to 4 components, the padded
    # ones empty (weight 0), so the fits are K-component fits: K columns of responsibilities, weights
    # summing to 1, and K = 1 is the sample mean and (maximum likelihood) covariance.
    data = gg.OLD_FAITHFUL
    mv.em(data, 4)
    with compilations() as seen:
        fits = [mv.em(data, k, covariance_type) for k in (1, 2, 3) for covariance_type in mv.COVARIANCE_TYPES]
    assert seen.count == 0
    for fit in fits:
        k = fit.weights.size
        assert fit.means.shape == (k, 2) and fit.responsibilities.shape == (272, k)
        assert fit.weights.sum() == pytest.approx(1.0) and np.all(fit.weights > 0)
    np.testing.assert_allclose(fits[0].means[0], data.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(fits[0].covariances[0], np.cov(data.T, bias=True), rtol=1e-10)


def test_non_convergence_is_warned_about_and_a_huge_limit_allocates_nothing():
    with pytest.warns(gg.ConvergenceWarning, match="mv.em: the best restart did not converge in 2 iterations"):
        assert not mv.em(gg.OLD_FAITHFUL, 3, max_iterations=2).converged
    result = mv.em(gg.OLD_FAITHFUL, 2, max_iterations=10**10)  # the trace grows chunk by chunk
    assert result.converged and result.log_likelihood_trace.size < 100


def test_old_faithful_is_rs_faithful():
    data = gg.OLD_FAITHFUL
    assert data.shape == (272, 2) and not data.flags.writeable
    assert data.mean(axis=0) == pytest.approx([3.487783, 70.89706], rel=1e-7)  # R prints 7 digits
    assert np.corrcoef(data.T)[0, 1] == pytest.approx(0.9008112, abs=5e-8)
    assert data[0].tolist() == [3.6, 79.0] and data[-1].tolist() == [4.467, 74.0]


def test_the_penguins_are_the_published_data_set():
    data, species = gg.PENGUINS, gg.PENGUIN_SPECIES
    assert data.shape == (342, 2) and not data.flags.writeable and not species.flags.writeable
    assert np.bincount(species).tolist() == [151, 68, 123]
    assert data.mean(axis=0) == pytest.approx([43.92193, 200.9152], rel=1e-6)
    assert data.std(axis=0, ddof=1) == pytest.approx([5.459584, 14.06171], rel=1e-6)
