"""EM and k-means against closed forms and scikit-learn, on the course data and synthetic data."""

import warnings

import numpy as np
import pytest
from harness.compilation import compilations
from scipy.stats import norm
from sklearn.cluster import KMeans
from sklearn.mixture import GaussianMixture

import genjax_gmm as gg
from genjax_gmm import em, kmeans
from genjax_gmm import multivariate as mv


def _synthetic(seed: int, num_points: int, means, stds, weights) -> np.ndarray:
    rng = np.random.default_rng(seed)
    component = rng.choice(len(weights), size=num_points, p=weights)
    return rng.normal(np.asarray(means)[component], np.asarray(stds)[component])


OVERLAPPING = _synthetic(1, 300, means=(0.0, 2.0, 5.0), stds=(1.0, 0.7, 1.5), weights=(0.3, 0.3, 0.4))
HEAVY_TAILED = np.random.default_rng(2).standard_t(df=3, size=200)

DATASETS = {
    "bento": gg.MYSTERY_BENTO_WEIGHTS,
    "coffee": gg.COFFEE_CAFFEINE,
    "overlapping": OVERLAPPING,
    "heavy_tailed": HEAVY_TAILED,
}


def _roundoff(log_likelihood: float) -> float:
    """Slack for float64 summation order in a total log-likelihood of this size."""
    return 1e-10 * max(1.0, abs(log_likelihood))


@pytest.mark.filterwarnings("ignore::genjax_gmm.DegenerateComponentWarning")  # heavy tails, K = 3: expected
@pytest.mark.parametrize("name", DATASETS)
@pytest.mark.parametrize("num_components", [2, 3])
def test_log_likelihood_never_decreases_in_any_restart(name, num_components):
    result = em(DATASETS[name], num_components, num_restarts=4)
    assert len(result.restart_log_likelihood_traces) == 4
    for trace in result.restart_log_likelihood_traces:
        assert trace.size >= 2 and np.all(np.isfinite(trace))
        assert np.all(np.diff(trace) >= -_roundoff(trace[-1]))
    assert result.log_likelihood == pytest.approx(result.log_likelihood_trace[-1], rel=1e-12)
    assert result.log_likelihood == max(trace[-1] for trace in result.restart_log_likelihood_traces)


def test_one_component_is_the_closed_form_maximum_likelihood_gaussian():
    data = gg.COFFEE_CAFFEINE
    result = em(data, 1)
    assert result.means[0] == pytest.approx(data.mean(), rel=1e-12)
    assert result.stds[0] == pytest.approx(data.std(), rel=1e-10)  # the 1/N (ML) variance
    assert result.log_likelihood == pytest.approx(norm.logpdf(data, data.mean(), data.std()).sum(), rel=1e-10)
    assert result.bic == pytest.approx(-2 * result.log_likelihood + 2 * np.log(data.size), rel=1e-12)
    assert all(type(value) is float for value in (result.bic, result.log_likelihood))  # not np.float64: prints plainly


def test_result_is_consistent_with_its_parameters():
    data = gg.MYSTERY_BENTO_WEIGHTS
    result = em(data, 2)
    assert result.converged
    assert np.all(np.diff(result.means) > 0)
    assert result.weights.sum() == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(result.responsibilities.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(
        result.responsibilities, gg.category_posterior(data, result.weights, result.means, result.stds), atol=1e-9
    )
    assert result.log_likelihood == pytest.approx(
        float(gg.log_marginal_density(data, result.weights, result.means, result.stds).sum()), rel=1e-10
    )
    # 12 bentos near 500 g, 8 near 350 g: the weights are the cluster fractions.
    np.testing.assert_allclose(result.weights, [8 / 20, 12 / 20], atol=1e-6)


@pytest.mark.parametrize(
    ("name", "num_components"),
    [("bento", 2), ("coffee", 3), ("overlapping", 2), ("overlapping", 3), ("heavy_tailed", 2)],
)
def test_log_likelihood_agrees_with_scikit_learn(name, num_components):
    data = DATASETS[name]
    # reg_covar (added to every variance) plays the role of em's variance_floor (a lower bound):
    # both keep a component that shrinks onto one point at variance ≈ 1e-6.
    reference = GaussianMixture(
        num_components, covariance_type="spherical", tol=1e-9, max_iter=5000, n_init=5, reg_covar=1e-6,
        random_state=0,
    ).fit(data[:, None])
    reference_log_likelihood = reference.score(data[:, None]) * data.size
    result = em(data, num_components, num_restarts=10)
    assert result.log_likelihood == pytest.approx(reference_log_likelihood, rel=1e-3)
    order = np.argsort(reference.means_[:, 0])
    np.testing.assert_allclose(result.means, reference.means_[order, 0], rtol=1e-2, atol=1e-2 * data.std())


@pytest.mark.filterwarnings("ignore::genjax_gmm.DegenerateComponentWarning")  # 5 blends in 30 cups
@pytest.mark.filterwarnings("ignore::genjax_gmm.ConvergenceWarning")  # 4 overlapping components: slow
@pytest.mark.parametrize(("name", "num_components"), [("bento", 3), ("coffee", 2), ("coffee", 5), ("overlapping", 4)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_more_restarts_never_do_worse(name, num_components, seed):
    data = DATASETS[name]
    fewer = em(data, num_components, num_restarts=2, seed=seed)
    more = em(data, num_components, num_restarts=6, seed=seed)
    # Restart r runs exactly as before whatever the number of restarts ...
    for trace_fewer, trace_more in zip(fewer.restart_log_likelihood_traces, more.restart_log_likelihood_traces):
        np.testing.assert_array_equal(trace_fewer, trace_more)
    # ... so the best of a superset of restarts is at least as good.
    assert more.log_likelihood >= fewer.log_likelihood


def test_restarts_matter_on_bento_with_three_components():
    # Restarts end at different optima here, so the "more restarts" property above is exercised,
    # not vacuous; the best of them is returned.
    result = em(gg.MYSTERY_BENTO_WEIGHTS, 3)
    maxima = [trace[-1] for trace in result.restart_log_likelihood_traces]
    assert max(maxima) - min(maxima) > 0.1 and result.log_likelihood == max(maxima)


def _bic_choice(data, candidates=range(1, 6)) -> int:
    with warnings.catch_warnings():  # many components on few points: some collapse, as BIC expects
        warnings.simplefilter("ignore", gg.DegenerateComponentWarning)
        bics = {k: em(data, k).bic for k in candidates}
    return min(bics, key=bics.get)


def test_bic_prefers_two_components_for_the_bentos():
    assert _bic_choice(gg.MYSTERY_BENTO_WEIGHTS) == 2


def test_bic_prefers_three_components_for_the_coffee():
    assert _bic_choice(gg.COFFEE_CAFFEINE) == 3


@pytest.mark.parametrize(
    ("name", "num_components"),
    [("bento", 2), ("bento", 3), ("coffee", 3), ("overlapping", 3), ("overlapping", 4), ("heavy_tailed", 3)],
)
def test_kmeans_inertia_agrees_with_scikit_learn(name, num_components):
    data = DATASETS[name]
    reference = KMeans(num_components, n_init=10, tol=0.0, random_state=0).fit(data[:, None])
    result = kmeans(data, num_components, num_restarts=20)  # 20, like scikit-learn's 10 greedy ones: a margin
    assert result.converged
    assert result.inertia == pytest.approx(reference.inertia_, rel=1e-9)
    assert result.inertia == pytest.approx(np.sum((data - result.centers[result.assignments]) ** 2), rel=1e-12)
    # The same partition, hence the same centres; except where two partitions tie (the bentos in 3:
    # the 500 g kind split 497-499 | 500-503 or 497-500 | 501-503: inertia 41.73 both).
    if gg.adjusted_rand_index(result.assignments, reference.labels_) == 1.0:
        np.testing.assert_allclose(result.centers, np.sort(reference.cluster_centers_[:, 0]), rtol=1e-9)
    else:
        assert name == "bento" and num_components == 3


def test_kmeans_assigns_every_point_to_its_nearest_center():
    data = OVERLAPPING
    result = kmeans(data, 3)
    nearest = np.argmin(np.abs(data[:, None] - result.centers), axis=1)
    np.testing.assert_array_equal(result.assignments, nearest)
    for k in range(3):
        assert result.centers[k] == pytest.approx(data[result.assignments == k].mean(), rel=1e-12)


GOOD = gg.COFFEE_CAFFEINE


@pytest.mark.parametrize(
    ("call", "error", "argument"),
    [
        (lambda: em([1.0, np.nan, 2.0], 1), ValueError, "data"),
        (lambda: em([1.0, np.inf, 2.0], 1), ValueError, "data"),
        (lambda: em([], 1), ValueError, "data"),
        (lambda: em(np.ones((3, 2)), 1), ValueError, "data"),
        (lambda: em(["a", "b"], 1), TypeError, "data"),
        (lambda: em(GOOD, 0), ValueError, "num_components"),
        (lambda: em(GOOD, 2.0), TypeError, "num_components"),
        (lambda: em([1.0, 1.0, 2.0], 3), ValueError, "num_components"),
        (lambda: em(GOOD, 2, num_restarts=0), ValueError, "num_restarts"),
        (lambda: em(GOOD, 2, max_iterations=0), ValueError, "max_iterations"),
        (lambda: em(GOOD, 2, tolerance=0.0), ValueError, "tolerance"),
        (lambda: em(GOOD, 2, tolerance=-1e-3), ValueError, "tolerance"),
        (lambda: em(GOOD, 2, variance_floor=0.0), ValueError, "variance_floor"),
        (lambda: em(GOOD, 2, variance_floor=np.nan), ValueError, "variance_floor"),
        (lambda: em(GOOD, 2, seed=-1), ValueError, "seed"),
        (lambda: em(GOOD, 2, seed=0.5), TypeError, "seed"),
        (lambda: em(GOOD, 2, seed=True), TypeError, "seed must be an integer, got bool"),
        (lambda: kmeans(GOOD, 2, seed=-1), ValueError, "seed must be a non-negative integer"),
        (lambda: kmeans([np.nan], 1), ValueError, "data"),
        (lambda: kmeans([], 1), ValueError, "data"),
        (lambda: kmeans(GOOD, 0), ValueError, "num_components"),
        (lambda: kmeans([5.0, 5.0], 2), ValueError, "num_components"),
        (lambda: kmeans(GOOD, 2, num_restarts=0), ValueError, "num_restarts"),
        (lambda: kmeans(GOOD, 2, max_iterations=0), ValueError, "max_iterations"),
    ],
)
def test_bad_input_names_the_argument(call, error, argument):
    with pytest.raises(error, match=argument):
        call()


@pytest.mark.filterwarnings("ignore::genjax_gmm.ConvergenceWarning")  # 7 iterations, on purpose
def test_no_recompilation_for_other_sizes_in_a_bucket_or_other_iteration_limits():
    em(OVERLAPPING[:100], 2)
    kmeans(OVERLAPPING[:100], 2)
    with compilations() as seen:
        em(OVERLAPPING[:97], 2, max_iterations=1000, tolerance=1e-6, seed=3)  # 97 to 104 points: one bucket
        em(OVERLAPPING[:104], 2, max_iterations=7)
        kmeans(OVERLAPPING[:99], 2, max_iterations=3)
    assert seen.count == 0


def test_a_huge_iteration_limit_allocates_nothing_up_front():
    # The trace grows chunk by chunk, so an early stop never pays for max_iterations.
    result = em(gg.MYSTERY_BENTO_WEIGHTS, 2, max_iterations=10**10)
    assert result.converged and result.log_likelihood_trace.size < 100


def test_non_convergence_and_a_collapsed_component_are_warned_about():
    with pytest.warns(gg.ConvergenceWarning, match="did not converge"):
        assert not em(OVERLAPPING, 3, max_iterations=2).converged
    # 22 flipper lengths tied at 190 mm among spread-out values: a component collapses onto them.
    rounded = np.concatenate([np.full(22, 190.0), np.random.default_rng(3).normal(200.0, 10.0, 150).round()])
    with pytest.warns(gg.DegenerateComponentWarning, match="variance floor"):
        collapsed = em(rounded, 3, num_restarts=10)
    assert collapsed.stds.min() <= np.sqrt(1e-6 * rounded.var()) * (1 + 1e-6)


@pytest.mark.parametrize("name", DATASETS)
def test_one_dimensional_em_is_the_multivariate_em_of_one_coordinate(name):
    """``em(x, K)`` and ``mv.em(x[:, None], K)`` are one EM: with the same settings, the same fit
    exactly (the default floors, 10⁻⁶ of the data's variance, differ only in their rounding and are
    not reached here); with each one's defaults (tolerance 10⁻⁸ and 10⁻¹⁰ per point), the same
    optimum (the stricter tolerance climbs a little further up the same slope)."""
    data = DATASETS[name]
    one = em(data, 2)
    same = mv.em(data[:, None], 2, tolerance=1e-8, max_iterations=500)
    np.testing.assert_array_equal(same.weights, one.weights)
    np.testing.assert_array_equal(same.means[:, 0], one.means)
    np.testing.assert_array_equal(np.sqrt(same.covariances[:, 0, 0]), one.stds)
    np.testing.assert_array_equal(same.responsibilities, one.responsibilities)
    np.testing.assert_array_equal(same.log_likelihood_trace, one.log_likelihood_trace)
    assert same.bic == one.bic and same.num_parameters == 3 * 2 - 1
    with_defaults = mv.em(data[:, None], 2)  # tolerance 1e-10: it climbs a little further
    gain = with_defaults.log_likelihood - one.log_likelihood
    assert -_roundoff(one.log_likelihood) <= gain < 1e-6 * abs(one.log_likelihood)
    np.testing.assert_allclose(with_defaults.means[:, 0], one.means, rtol=0, atol=1e-3 * data.std())
    # and k-means, from the same starts
    clusters, same_clusters = kmeans(data, 2), mv.kmeans(data[:, None], 2, max_iterations=100)
    np.testing.assert_array_equal(same_clusters.centers[:, 0], clusters.centers)
    np.testing.assert_array_equal(same_clusters.assignments, clusters.assignments)


def test_the_default_variance_floor_scales_with_the_data():
    # In kilograms instead of grams the fit is the same, scaled: the floor is relative.
    grams = em(OVERLAPPING, 2)
    kilograms = em(OVERLAPPING / 1000, 2)
    np.testing.assert_allclose(kilograms.stds, grams.stds / 1000, rtol=1e-6)
