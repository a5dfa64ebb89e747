"""The multivariate mixture (Chapter 8) beyond the posterior tests: the inverse-Wishart density
against SciPy, the Bartlett draw's marginals, the D = 1 case against the 1-D conjugate formulas,
the R-hat warning, the labels helpers, and input checks naming the field (compilation and
reproducibility: tests/test_engine.py)."""

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from genjax import inverse_gamma
from harness.cases import TINY_DATA, niw_prior, spd
from scipy import stats
from scipy.special import gammaln

import genjax_gmm as gg
from genjax_gmm import multivariate as mv
from genjax_gmm.multivariate import conjugate
from genjax_gmm.posterior.labels import assignment_probabilities, co_assignment_matrix, relabel_by_mean

# --- the inverse-Wishart and NIW maths -------------------------------------------------------


@pytest.mark.parametrize("dimension, df", [(1, 1.5), (2, 4.5), (3, 2.7), (3, 9.0)])
def test_inverse_wishart_log_density_matches_scipy(dimension, df):
    rng = np.random.default_rng(dimension)
    scale = spd(rng, dimension)
    for _ in range(3):
        covariance = spd(rng, dimension) / 3
        expected = stats.invwishart(df, scale).logpdf(covariance)
        genjax_value = mv.inverse_wishart.logpdf(jnp.asarray(covariance), df, jnp.asarray(scale))
        cholesky_value = conjugate.inverse_wishart_log_density(np.linalg.cholesky(covariance), df, scale)
        assert float(genjax_value) == pytest.approx(expected, rel=1e-10, abs=1e-10)
        assert float(cholesky_value) == pytest.approx(expected, rel=1e-10, abs=1e-10)


def test_bartlett_draws_have_the_inverse_wishart_marginals():
    """Σ ~ IW(ν, Ψ) has Σ_jj ~ InverseGamma((ν − D + 1)/2, Ψ_jj/2) and E Σ = Ψ/(ν − D − 1); and
    μ − m has the Student-t marginal with ν − D + 1 degrees of freedom, scale² Ψ_jj/(κ(ν − D + 1))."""
    rng = np.random.default_rng(0)
    dimension, num_draws = 3, 20_000
    parameters = conjugate.NIWParameters(np.array([1.0, -2.0, 0.5]), np.array(2.0), np.array(7.5), spd(rng, dimension))
    keys = jax.random.split(jax.random.key(0), 2)
    shapes = conjugate.bartlett_shapes(parameters)
    log_gammas = jax.random.loggamma(keys[0], shapes, (num_draws, dimension))
    normals = jax.random.normal(keys[1], (num_draws, dimension * (dimension - 1) // 2 + dimension))
    batched = jax.tree.map(lambda a: jnp.broadcast_to(a, (num_draws, *np.shape(a))), parameters)
    means, covariances = jax.device_get(conjugate.bartlett_niw(batched, log_gammas, normals))
    df, scale = 7.5, parameters.scale
    np.testing.assert_allclose(covariances.mean(axis=0), scale / (df - dimension - 1), rtol=0.08, atol=0.02)
    t_df = df - dimension + 1
    for j in range(dimension):
        marginal = stats.invgamma(0.5 * t_df, scale=0.5 * scale[j, j])
        assert stats.kstest(covariances[:, j, j], marginal.cdf).pvalue > 1e-3
        student = stats.t(t_df, loc=parameters.loc[j], scale=np.sqrt(scale[j, j] / (2.0 * t_df)))
        assert stats.kstest(means[:, j], student.cdf).pvalue > 1e-3


def test_dimension_one_reproduces_the_one_dimensional_conjugate_formulas():
    """D = 1, ν = 2a, Ψ = 2b: InverseWishart is InverseGamma(a, b), and the NIW posterior and
    marginal likelihood are the Normal-Inverse-Gamma ones: a_n = a + n/2,
    b_n = b + ½ Σ(x − x̄)² + κ₀ n (x̄ − m₀)² / (2κ_n), m_n = (κ₀ m₀ + n x̄)/κ_n, and
    p(x) = Γ(a_n)/Γ(a) · b^a / b_n^{a_n} · (κ₀/κ_n)^{1/2} · (2π)^{−n/2}."""
    a, b, m0, kappa = 2.5, 1.7, 0.3, 0.8
    x = np.array([0.4, 1.9, -0.7, 1.1, 0.2])
    n, mean = x.size, x.mean()
    for variance in (0.3, 1.0, 4.2):
        expected = float(inverse_gamma.logpdf(variance, a, b))
        assert float(
            mv.inverse_wishart.logpdf(jnp.full((1, 1), variance), 2 * a, jnp.full((1, 1), 2 * b))
        ) == pytest.approx(expected, rel=1e-12)
    stats_ = conjugate.ScatterStatistics(
        np.array(float(n)), np.array([1.3]), np.array([np.sum(x - 1.3)]), np.array([[np.sum((x - 1.3) ** 2)]])
    )
    prior = conjugate.NIWParameters(np.array([m0]), np.array(kappa), np.array(2 * a), np.array([[2 * b]]))
    posterior = conjugate.niw_posterior(stats_, prior)
    kappa_n = kappa + n
    a_n = a + n / 2
    b_n = b + 0.5 * np.sum((x - mean) ** 2) + kappa * n * (mean - m0) ** 2 / (2 * kappa_n)
    assert float(posterior.pseudo_count) == pytest.approx(kappa_n)
    assert float(posterior.loc[0]) == pytest.approx((kappa * m0 + n * mean) / kappa_n, rel=1e-12)
    assert float(posterior.df) / 2 == pytest.approx(a_n)
    assert float(posterior.scale[0, 0]) / 2 == pytest.approx(b_n, rel=1e-12)
    log_evidence = (
        gammaln(a_n)
        - gammaln(a)
        + a * np.log(b)
        - a_n * np.log(b_n)
        + 0.5 * np.log(kappa / kappa_n)
        - n / 2 * np.log(2 * np.pi)
    )
    assert float(conjugate.niw_log_marginal_likelihood(stats_, prior)) == pytest.approx(log_evidence, rel=1e-12)


# --- diagnostics, labels ------------------------------------------------------------------------


def test_warns_when_rhat_of_the_log_joint_exceeds_the_threshold():
    # Without burn-in, 12 sweeps from four starts are often still climbing: the halves disagree.
    # Key 1 gives R-hat 1.07 (over keys 0-11, 8 of 12 exceed 1.01); 2000 sweeps settle it.
    data = gg.OLD_FAITHFUL[:30]
    with pytest.warns(gg.ConvergenceWarning, match="mv.gibbs: split R-hat of the log joint is"):
        result = mv.gibbs(jax.random.key(1), data, 2, mv.NIWPrior.from_data(data, 2), 12, burn_in=0)
    assert result.rhat > 1.01
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = mv.gibbs(jax.random.key(0), data, 2, mv.NIWPrior.from_data(data, 2), 2000)
    assert result.rhat <= 1.01


def test_relabelling_and_co_assignment_work_on_multivariate_results():
    data = gg.OLD_FAITHFUL[:30]
    result = mv.gibbs(jax.random.key(2), data, 2, mv.NIWPrior.from_data(data, 2), 1000)
    relabelled = relabel_by_mean(result)
    assert np.all(np.diff(np.asarray(relabelled.means)[..., 0], axis=-1) >= 0)

    # The same point keeps the same mean and covariance: only the names of the components change.
    def own(values, assignments):
        index = assignments.reshape(*assignments.shape, *(1,) * (values.ndim - 3))
        return np.take_along_axis(np.asarray(values), index, axis=2)

    for name in ("means", "covariances"):
        np.testing.assert_allclose(
            own(getattr(relabelled, name), relabelled.assignments), own(getattr(result, name), result.assignments)
        )
    np.testing.assert_allclose(co_assignment_matrix(relabelled.assignments), co_assignment_matrix(result.assignments))
    probabilities = assignment_probabilities(result)
    assert probabilities.shape == (30, 2)
    short = data[:, 0] < 3.0  # short eruptions belong to the component with the smaller mean duration
    assert np.all(probabilities[short, 0] > 0.8) and np.all(probabilities[~short, 1] > 0.8)


# --- input checks -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change, error, message",
    [
        ({"scale_matrix": np.array([[2.0, 0.5], [0.1, 2.0]])}, ValueError, "prior.scale_matrix must be symmetric"),
        (
            {"scale_matrix": np.array([[1.0, 2.0], [2.0, 1.0]])},
            ValueError,
            "prior.scale_matrix must be positive definite",
        ),
        ({"scale_matrix": np.eye(3)}, ValueError, r"prior.scale_matrix must have shape \(2, 2\)"),
        ({"scale_matrix": np.ones(2)}, ValueError, "prior.scale_matrix must be a square"),
        ({"scale_matrix": np.array([[np.nan, 0.0], [0.0, 1.0]])}, ValueError, "prior.scale_matrix must be finite"),
        ({"df": 0.9}, ValueError, "prior.df must exceed D − 1 = 1"),
        ({"df": -1.0}, ValueError, "prior.df must be positive"),
        ({"mean_loc": np.zeros((2, 1))}, ValueError, r"prior.mean_loc must be a \(D,\) vector"),
        ({"mean_loc": ["a", "b"]}, TypeError, "prior.mean_loc must be numeric"),
        ({"concentration": 0.0}, ValueError, "prior.concentration must be positive"),
        ({"mean_pseudo_count": np.ones(2)}, ValueError, "prior.mean_pseudo_count must be a scalar"),
        ({"scale_matrix": 1e200 * np.eye(2)}, ValueError, "prior.scale_matrix must be at most"),
        ({"mean_pseudo_count": 1e-200}, ValueError, "prior.mean_pseudo_count must be at least"),
    ],
)
def test_an_invalid_prior_cannot_be_built(change, error, message):
    with pytest.raises(error, match=message):
        niw_prior(**change)


def test_a_data_based_prior_needs_data_that_vary():
    with pytest.raises(ValueError, match="data must vary in every coordinate"):
        mv.NIWPrior.from_data([[1.0, 2.0], [1.0, 3.0]], 2)
    with pytest.raises(TypeError, match="num_points must be an integer"):
        mv.bayesian_gmm(True, 2, 2)


@pytest.mark.parametrize(
    "change, error, message",
    [
        ({"data": np.full((5, 2), np.nan)}, ValueError, "data must be finite"),
        ({"data": np.ones((2, 2, 2))}, ValueError, r"data must be an \(N, D\) array"),
        ({"data": np.ones((0, 2))}, ValueError, "at least one point"),
        ({"data": np.ones((5, 3))}, ValueError, "prior.mean_loc has D = 2 but data has D = 3"),
        ({"num_components": 0}, ValueError, "num_components must be at least 1"),
        ({"prior": gg.GMMPrior(1.0, 0.0, 1.0, 2.0, 1.0)}, TypeError, "prior must be a NIWPrior"),
        ({"data": np.full((5, 2), 1e200)}, ValueError, "data must be at most"),
    ],
)
def test_gibbs_rejects_bad_input(change, error, message):
    arguments = {
        "key": jax.random.key(0),
        "data": TINY_DATA,
        "num_components": 2,
        "prior": niw_prior(),
        "num_sweeps": 100,
        **change,
    }
    with pytest.raises(error, match=message):
        mv.gibbs(**arguments)
