"""The inverse-Wishart log density at huge degrees of freedom (issue 24, cause 4, the part the
centred statistics left): written term by term, ν/2 log|Ψ|, log Γ_D(ν/2) and (ν+D+1)/2 log|Σ| are of
size ν log ν and cancel to a number of size log ν, so ``mv.gibbs``'s log joints lost every digit by
ν = 10¹⁷. The references below are exact for the stored float64 matrices: determinants and
tr(ΨΣ⁻¹) in rational arithmetic, logarithms and Stirling's series for log Γ in 60-digit decimals."""

import math
import warnings
from decimal import Decimal, localcontext
from fractions import Fraction

import jax
import numpy as np
import pytest
from scipy import stats
from scipy.special import multigammaln

from genjax_gmm import multivariate as mv
from genjax_gmm.multivariate import conjugate

DIGITS = 60
PI = Decimal("3.14159265358979323846264338327950288419716939937510582097494459")


def exact_det_and_inverse(matrix: list[list[Fraction]]) -> tuple[Fraction, list[list[Fraction]]]:
    """|A| and A⁻¹ by Gauss-Jordan elimination in rational arithmetic (A positive definite: no pivoting)."""
    size = len(matrix)
    work = [row[:] + [Fraction(int(i == j)) for j in range(size)] for i, row in enumerate(matrix)]
    det = Fraction(1)
    for col in range(size):
        pivot = work[col][col]
        det *= pivot
        work[col] = [value / pivot for value in work[col]]
        for row in range(size):
            if row != col:
                factor = work[row][col]
                work[row] = [a - factor * b for a, b in zip(work[row], work[col], strict=True)]
    return det, [row[size:] for row in work]


def decimal_of(value: Fraction) -> Decimal:
    return Decimal(value.numerator) / Decimal(value.denominator)


def stirling_log_gamma(z: Decimal) -> Decimal:
    """log Γ(z) for z ≥ 10⁵: the series' next term, 1/(1188 z⁹), is below 10⁻⁴⁵."""
    return ((z - Decimal("0.5")) * z.ln() - z + (2 * PI).ln() / 2
            + 1 / (12 * z) - 1 / (360 * z**3) + 1 / (1260 * z**5) - 1 / (1680 * z**7))


def exact_inverse_wishart_log_density(covariance: np.ndarray, df: float, scale: np.ndarray) -> float:
    """ν/2 log|Ψ| − νD/2 log 2 − log Γ_D(ν/2) − (ν+D+1)/2 log|Σ| − ½ tr(ΨΣ⁻¹) for ν ≥ 2·10⁵."""
    dimension = len(scale)
    sigma = [[Fraction(float(v)) for v in row] for row in covariance]
    psi = [[Fraction(float(v)) for v in row] for row in scale]
    det_sigma, inverse = exact_det_and_inverse(sigma)
    det_psi, _ = exact_det_and_inverse(psi)
    trace = sum(psi[i][k] * inverse[k][i] for i in range(dimension) for k in range(dimension))
    with localcontext() as context:
        context.prec = DIGITS
        nu = decimal_of(Fraction(df))
        log_multigamma = (Decimal(dimension * (dimension - 1)) / 4 * PI.ln()
                          + sum(stirling_log_gamma(nu / 2 - Decimal(j) / 2) for j in range(dimension)))
        value = (nu / 2 * decimal_of(det_psi).ln() - nu * dimension / 2 * Decimal(2).ln() - log_multigamma
                 - (nu + dimension + 1) / 2 * decimal_of(det_sigma).ln() - decimal_of(trace) / 2)
    return float(value)


def textbook_inverse_wishart_log_density(covariance: np.ndarray, df: float, scale: np.ndarray) -> float:
    """The same formula term by term in float64 (what the package computed before)."""
    dimension = len(scale)
    return (0.5 * df * np.linalg.slogdet(scale)[1] - 0.5 * df * dimension * math.log(2.0)
            - multigammaln(0.5 * df, dimension) - 0.5 * (df + dimension + 1) * np.linalg.slogdet(covariance)[1]
            - 0.5 * np.trace(scale @ np.linalg.inv(covariance)))


SCALES = {2: np.array([[2.0, 0.3], [0.3, 1.0]]), 3: np.array([[2.0, 0.3, -0.4], [0.3, 1.0, 0.2], [-0.4, 0.2, 1.5]])}


def typical_covariance(scale: np.ndarray, df: float) -> np.ndarray:
    """Σ = (Ψ + 3Δ/√ν)/ν: the IW(ν, Ψ) mass sits at Ψ/ν with relative spread ~ 1/√ν."""
    dimension = len(scale)
    wobble = np.fromfunction(lambda i, j: 0.1 * (i + j + 1) * (-1.0) ** i * (-1.0) ** j, (dimension, dimension))
    return (scale + 3.0 * wobble / math.sqrt(df)) / df


HUGE_DFS = [1e6, 1e12, 1e17, 1e20]


@pytest.mark.parametrize("dimension", [2, 3])
@pytest.mark.parametrize("df", HUGE_DFS)
@pytest.mark.parametrize("where", ["typical", "far"])
def test_the_inverse_wishart_log_density_is_exact_at_huge_df(dimension, df, where):
    """Before: 131,072 for an exact 202.6 at ν = 10²⁰ (D = 2, typical Σ), 944 for 171.5 at 10¹⁷.

    Tolerance: the density itself moves by ~ √ν · 10⁻¹⁶ (10⁻⁶ at ν = 10²⁰) when Σ's Cholesky factor
    changes in its last bit, so 10⁻⁷ relative is what float64 input allows; the old form was off by
    more than 10⁻⁵ relative from ν = 10¹²."""
    scale = SCALES[dimension]
    covariance = typical_covariance(scale, df) if where == "typical" else 2.0 * scale / df
    exact = exact_inverse_wishart_log_density(covariance, df, scale)
    computed = float(conjugate.inverse_wishart_log_density(np.linalg.cholesky(covariance), df, scale))
    assert computed == pytest.approx(exact, rel=1e-7)


@pytest.mark.parametrize("dimension", [1, 2, 3])
@pytest.mark.parametrize("df_above", [0.5, 1.0, 3.0, 40.0, 58.0, 59.0, 60.0, 61.0, 62.0, 300.0, 1e4])
def test_ordinary_df_values_keep_the_textbook_value(dimension, df_above):
    """Control: where float64 holds the terms (ν up to 10⁴), the rearranged form equals the formula
    written term by term to 1e-12, both sides of Stirling's threshold (a − j/2 = 30, ν ≈ 60–62)."""
    rng = np.random.default_rng(dimension)
    df = dimension - 1 + df_above
    scale = SCALES.get(dimension, np.array([[1.7]]))
    for _ in range(3):
        factor = rng.normal(size=(dimension, dimension))
        covariance = factor @ factor.T / dimension + 0.3 * np.eye(dimension)
        expected = textbook_inverse_wishart_log_density(covariance, df, scale)
        computed = float(conjugate.inverse_wishart_log_density(np.linalg.cholesky(covariance), df, scale))
        assert computed == pytest.approx(expected, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("df", [1e17, 1e20])
def test_mv_gibbs_reports_the_exact_log_joint_at_huge_df(df):
    """Every draw's log p(π, μ, Σ, z, x) against the exact inverse-Wishart term plus the other terms
    (none of which cancel) from SciPy. Before, at ν = 10²⁰ with Ψ = ν I, the log joints of one chain
    jumped between −110, −16,495 and +32,658 around values that lie between 17 and 22."""
    rng = np.random.default_rng(0)
    data = np.concatenate([rng.normal(-3, 1, (15, 2)), rng.normal(3, 1, (15, 2))])
    prior = mv.NIWPrior(concentration=1.0, mean_loc=np.zeros(2), mean_pseudo_count=0.1, df=df,
                        scale_matrix=df * np.eye(2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # two short chains need not pass the convergence checks
        result = mv.gibbs(jax.random.key(1), data, 2, prior, num_sweeps=6, num_chains=2, burn_in=0,
                          keep_assignments=True)
    for chain in range(2):
        for draw in range(6):
            weights, means = result.weights[chain, draw], result.means[chain, draw]
            covariances, labels = result.covariances[chain, draw], result.assignments[chain, draw]
            exact = stats.dirichlet(np.ones(2)).logpdf(weights) + np.sum(np.log(weights[labels]))
            for k in range(2):
                exact += exact_inverse_wishart_log_density(covariances[k], df, prior.scale_matrix)
                exact += stats.multivariate_normal(prior.mean_loc, covariances[k] / 0.1).logpdf(means[k])
                exact += np.sum(stats.multivariate_normal(means[k], covariances[k]).logpdf(data[labels == k]))
            assert result.log_joint[chain, draw] == pytest.approx(exact, abs=1e-5)
