"""Variational Bayes for the NIW mixture (``mv.cavi``) against scikit-learn and exact enumeration.

* scikit-learn's ``BayesianGaussianMixture``, given our prior through ``mv.scikit_learn_arguments``
  and started from the same k-means partition, reaches the same fitted parameters (within 1e-4),
  for both weight priors, on 1-, 2- and 3-D data (the Dirichlet process's components in the same
  stick order);
* the ELBO never decreases and is below the exact log evidence (enumeration of every assignment,
  tests/harness/exact_niw.py), with a gap of log K! plus a small mean-field loss on separated data;
* the closed-form ELBO equals a Monte Carlo average over draws from q (SciPy and NumPy densities);
* input checks and draws from q.
"""

import math
import warnings

import jax
import numpy as np
import pytest
from harness.cases import TINY_DATA, niw_prior
from harness.compilation import compilations
from harness.exact_niw import Prior, exact_posterior
from scipy import stats
from sklearn.cluster import KMeans
from sklearn.mixture import BayesianGaussianMixture

import genjax_gmm as gg
from genjax_gmm import multivariate as mv

WEIGHT_PRIORS = ("dirichlet_distribution", "dirichlet_process")


def clusters(dimension: int, seed: int, sizes=(60, 50, 40)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = 4.0 * rng.normal(size=(len(sizes), dimension))
    return np.concatenate([centre + rng.normal(size=(size, dimension)) for centre, size in zip(centres, sizes)])


DATA = {f"D={dimension}": clusters(dimension, seed=dimension) for dimension in (1, 2, 3)}


def data_prior(data: np.ndarray) -> mv.NIWPrior:
    dimension = data.shape[1]
    return mv.NIWPrior(0.5, data.mean(axis=0), 1.0, dimension + 1.0, np.eye(dimension))


@pytest.mark.parametrize("weight_prior", WEIGHT_PRIORS)
@pytest.mark.parametrize("name", list(DATA))
def test_matches_scikit_learn(name, weight_prior):
    data = DATA[name]
    prior = data_prior(data)
    # scikit-learn's start (init_params="kmeans", random_state=0) is these k-means labels
    labels = KMeans(n_clusters=3, n_init=1, random_state=0).fit(data).labels_
    reference = BayesianGaussianMixture(
        n_components=3, tol=1e-14, max_iter=20000, init_params="kmeans", random_state=0,
        **mv.scikit_learn_arguments(prior, weight_prior),
    ).fit(data)
    assert reference.converged_
    fit = mv.cavi(data, 3, prior, weight_prior=weight_prior, num_restarts=1, initial_assignments=labels,
                  tolerance=1e-14)
    assert fit.converged
    # Dirichlet: ours by mean, scikit-learn's in its start's order; Dirichlet process: both in stick order
    order = np.arange(3) if weight_prior == "dirichlet_process" else np.argsort(reference.means_[:, 0])
    concentrations = reference.weight_concentration_
    if weight_prior == "dirichlet_process":
        concentrations = np.stack(concentrations, axis=-1)
    np.testing.assert_allclose(fit.weights, reference.weights_[order], atol=1e-6, rtol=0)
    np.testing.assert_allclose(fit.means, reference.means_[order], atol=1e-6, rtol=0)
    np.testing.assert_allclose(fit.covariances, reference.covariances_[order], atol=1e-6, rtol=0)
    np.testing.assert_allclose(fit.weight_concentration, concentrations[order], rtol=1e-6)
    np.testing.assert_allclose(fit.mean_precision, reference.mean_precision_[order], rtol=1e-6)
    np.testing.assert_allclose(fit.degrees_of_freedom, reference.degrees_of_freedom_[order], rtol=1e-6)
    assert np.array_equal(fit.responsibilities.argmax(axis=1), order.argsort()[reference.predict(data)])


def test_one_dimensional_data_as_a_vector():
    points = DATA["D=1"]
    prior = data_prior(points)
    as_vector, as_column = mv.cavi(points[:, 0], 3, prior), mv.cavi(points, 3, prior)
    assert as_vector.means.shape == (3, 1)
    np.testing.assert_allclose(as_vector.means, as_column.means, rtol=1e-12)


def test_prior_mapping():
    prior = niw_prior()
    arguments = mv.scikit_learn_arguments(prior, "dirichlet_process")
    assert arguments["weight_concentration_prior_type"] == "dirichlet_process"
    assert arguments["weight_concentration_prior"] == prior.concentration
    assert np.array_equal(arguments["mean_prior"], prior.mean_loc)
    assert arguments["mean_precision_prior"] == prior.mean_pseudo_count
    assert arguments["degrees_of_freedom_prior"] == prior.df
    assert np.array_equal(arguments["covariance_prior"], prior.scale_matrix)
    assert arguments["covariance_type"] == "full" and arguments["reg_covar"] == 0.0
    BayesianGaussianMixture(n_components=2, **arguments)._check_parameters(TINY_DATA)  # scikit-learn accepts them
    with pytest.raises(ValueError, match="weight_prior"):
        mv.scikit_learn_arguments(prior, "dirichlet")
    with pytest.raises(TypeError, match="prior"):
        mv.scikit_learn_arguments(gg.GMMPrior(1.0, 0.0, 1.0, 2.0, 1.0))


# --- against exact enumeration ------------------------------------------------------------


def _exact_log_evidence(data, num_components, prior: mv.NIWPrior) -> float:
    fields = Prior(prior.concentration, np.asarray(prior.mean_loc), prior.mean_pseudo_count, prior.df,
                   np.asarray(prior.scale_matrix))
    return exact_posterior(data, num_components, fields).log_marginal_likelihood


def test_elbo_is_below_the_exact_log_evidence():
    prior = niw_prior()
    fit = mv.cavi(TINY_DATA, 2, prior)
    assert np.all(np.diff(fit.elbo_trace) >= -1e-9 * np.abs(fit.elbo_trace[1:]))
    exact = _exact_log_evidence(TINY_DATA, 2, prior)
    assert fit.elbo < exact < fit.elbo + 4.0


@pytest.mark.parametrize("num_components", [1, 2])
def test_gap_on_separated_data_is_label_symmetry_plus_a_small_mean_field_loss(num_components):
    rng = np.random.default_rng(5)
    data = np.concatenate([centre + 0.1 * rng.normal(size=(4, 2)) for centre in ([-3.0, -3.0], [3.0, 3.0])])
    prior = mv.NIWPrior(1.0, np.zeros(2), 0.1, 4.0, 0.05 * np.eye(2))
    fit = mv.cavi(data, num_components, prior)
    mean_field_loss = _exact_log_evidence(data, num_components, prior) - fit.elbo - math.log(
        math.factorial(num_components)
    )
    assert -0.01 < mean_field_loss < 0.25


# --- input checks, draws -------------------------------------------------------------------


def test_bad_input_is_rejected():
    prior = niw_prior()
    with pytest.raises(ValueError, match="weight_prior"):
        mv.cavi(TINY_DATA, 2, prior, weight_prior="dp")
    with pytest.raises(ValueError, match="dimension"):
        mv.cavi(TINY_DATA[:, :1], 2, prior)
    with pytest.raises(TypeError, match="prior"):
        mv.cavi(TINY_DATA, 2, gg.GMMPrior(1.0, 0.0, 1.0, 2.0, 1.0))
    with pytest.raises(ValueError, match="data"):
        mv.cavi(np.full((3, 2), np.nan), 2, prior)
    with pytest.raises(ValueError, match="num_components"):
        mv.cavi(TINY_DATA, 0, prior)
    with pytest.raises(ValueError, match="initial_assignments"):
        mv.cavi(TINY_DATA, 2, prior, num_restarts=1, initial_assignments=np.full(TINY_DATA.shape[0], 2))
    with pytest.raises(ValueError, match="num_restarts"):
        mv.cavi(TINY_DATA, 2, prior, initial_assignments=np.zeros(TINY_DATA.shape[0], int))


def test_warns_when_not_converged_and_draws_go_to_arviz():
    with pytest.warns(gg.engine.ConvergenceWarning, match="mv.cavi"):
        fit = mv.cavi(TINY_DATA, 2, niw_prior(), max_iterations=1, num_restarts=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        draws = mv.cavi(TINY_DATA, 2, niw_prior()).sample(jax.random.key(0), 200)
    assert draws.covariances.shape == (200, 2, 2, 2) and not fit.converged
    inference_data = gg.to_inference_data(draws)
    assert inference_data["posterior"]["covariances"].shape == (1, 200, 2, 2, 2)


def test_no_recompilation_for_other_sizes_in_a_bucket():
    data = DATA["D=2"]
    prior = data_prior(data)
    for weight_prior in WEIGHT_PRIORS:
        mv.cavi(data[:100], 3, prior, weight_prior=weight_prior)
    with compilations() as seen:
        for weight_prior in WEIGHT_PRIORS:
            mv.cavi(data[:97], 3, prior, weight_prior=weight_prior, num_restarts=2, seed=4)  # 97 to 104: one bucket
    assert seen.count == 0


def gaussian_log_density(x, mean, covariance):
    """log N(x; mean, covariance) over any batch shape (NumPy; SciPy's takes one covariance at a time)."""
    deviation = x - mean
    solved = np.linalg.solve(covariance, deviation[..., None])[..., 0]
    _, log_det = np.linalg.slogdet(covariance)
    return -0.5 * (deviation.shape[-1] * np.log(2 * np.pi) + log_det + np.sum(deviation * solved, axis=-1))


@pytest.mark.parametrize("weight_prior", WEIGHT_PRIORS)
def test_closed_form_elbo_matches_monte_carlo(weight_prior):
    """E_q[log p(x, z, π, μ, Σ) − log q(z, π, μ, Σ)] over draws from q, densities from SciPy and NumPy
    (checked against SciPy's multivariate normal below)."""
    prior, num_draws = niw_prior(), 20_000
    fit = mv.cavi(TINY_DATA, 2, prior, weight_prior=weight_prior)
    draws = fit.sample(jax.random.key(5), num_draws)
    z, points = draws.assignments, np.arange(TINY_DATA.shape[0])
    if weight_prior == "dirichlet_distribution":
        log_weights = stats.dirichlet.logpdf(draws.weights.T, np.full(2, prior.concentration)) - stats.dirichlet.logpdf(
            draws.weights.T, fit.weight_concentration
        )
    else:  # the sticks v_k = π_k / (1 − Σ_{j<k} π_j): prior Beta(1, α), q Beta(γ_k1, γ_k2)
        sticks = draws.weights / (1 - np.cumsum(draws.weights, axis=1) + draws.weights)
        log_weights = np.sum(
            stats.beta.logpdf(sticks, 1.0, prior.concentration)
            - stats.beta.logpdf(sticks, fit.weight_concentration[:, 0], fit.weight_concentration[:, 1]),
            axis=1,
        )
    log_components = np.zeros(num_draws)
    for k in range(2):
        covariances = np.moveaxis(draws.covariances[:, k], 0, -1)  # SciPy's batch of matrices: last axis
        log_components += stats.invwishart.logpdf(covariances, prior.df, prior.scale_matrix)
        log_components -= stats.invwishart.logpdf(covariances, fit.degrees_of_freedom[k], fit.scale_matrices[k])
        log_components += gaussian_log_density(
            draws.means[:, k], prior.mean_loc, draws.covariances[:, k] / prior.mean_pseudo_count
        )
        log_components -= gaussian_log_density(
            draws.means[:, k], fit.means[k], draws.covariances[:, k] / fit.mean_precision[k]
        )
    rows = np.arange(num_draws)[:, None]
    log_likelihood = gaussian_log_density(TINY_DATA, draws.means[rows, z], draws.covariances[rows, z]).sum(axis=1)
    log_assignments = np.log(draws.weights[np.arange(num_draws)[:, None], z]) - np.log(fit.responsibilities[points, z])
    values = log_weights + log_components + log_likelihood + log_assignments.sum(axis=1)
    one = stats.multivariate_normal.logpdf(TINY_DATA[0], draws.means[0, 1], draws.covariances[0, 1])
    assert gaussian_log_density(TINY_DATA[0], draws.means[0, 1], draws.covariances[0, 1]) == pytest.approx(one)
    standard_error = values.std() / np.sqrt(num_draws)
    assert abs(values.mean() - fit.elbo) < 4 * standard_error
    assert standard_error < 0.05
