"""Bad and extreme input to the Dirichlet-process functions and the conjugate statistics (issue 24,
causes 2, 3 and 4): exact answers where the old formulas cancelled, −∞ for partitions the CRP
cannot produce, and a clear error naming the argument for everything else.

Exact references come from ``fractions`` (rational arithmetic) and ``decimal`` (60 digits) with the
closed forms, never from the package's own float64 code."""

import math
from fractions import Fraction

import numpy as np
import pytest

import genjax_gmm as gg

# --- cause 2: E[K] under the CRP without cancellation ----------------------------------------

NUM_CUSTOMERS = [1, 2, 5, 20, 137]
CONCENTRATIONS = [1e-300, 1e-12, 1e-3, 0.3, 1.0, 7.5, 999.0, 1e3, 4.2e4, 1e6, 1e12, 1e15, 1e20, 1e100, 1e300]


def exact_expected_num_tables(num_customers: int, concentration: float) -> float:
    """Σ_{i<n} α / (α + i) in rational arithmetic (α is the float's exact rational value)."""
    alpha = Fraction(concentration)
    return float(sum(alpha / (alpha + i) for i in range(num_customers)))


@pytest.mark.parametrize("num_customers", NUM_CUSTOMERS)
@pytest.mark.parametrize("concentration", CONCENTRATIONS)
def test_expected_num_tables_is_the_exact_sum(num_customers, concentration):
    exact = exact_expected_num_tables(num_customers, concentration)
    assert gg.expected_num_tables(num_customers, concentration) == pytest.approx(exact, rel=1e-14)


@pytest.mark.parametrize(("num_customers", "concentration", "exact"), [(5, 1e12, 4.99999999999),
                                                                       (5, 1e15, 4.99999999999999),
                                                                       (20, 1e20, 20.0)])
def test_the_issues_cases_are_exact(num_customers, concentration, exact):
    """Before: 5.00222, 7.105 (more tables than customers) and 0.0."""
    assert gg.expected_num_tables(num_customers, concentration) == pytest.approx(exact, rel=1e-15)


@pytest.mark.parametrize("num_customers", NUM_CUSTOMERS + [2**20 + 5])
def test_expected_num_tables_rises_with_alpha_from_one_to_n(num_customers):
    alphas = np.logspace(-300, 300, 241)
    means = np.array([gg.expected_num_tables(num_customers, alpha) for alpha in alphas])
    assert np.all(np.diff(means) >= 0)
    assert np.all((means >= 1.0) & (means <= num_customers))
    assert means[0] == pytest.approx(1.0, rel=1e-15) and means[-1] == pytest.approx(num_customers, rel=1e-15)


@pytest.mark.parametrize("concentration", [1e-3, 0.5, 50.0, 999.0, 1e3, 1e5, 1e9, 1e13, 1e20])
def test_expected_num_tables_beyond_the_exact_sum(concentration):
    """Beyond 2²⁰ customers the package uses digammas or ψ's asymptotic series; the reference
    adds the n terms with ``math.fsum`` (correctly rounded), in the form that cannot exceed n."""
    n = 2**20 + 5
    i = np.arange(n, dtype=float)
    if concentration >= n:
        reference = n - math.fsum(i / (concentration + i))
    else:
        reference = math.fsum(concentration / (concentration + i))
    assert gg.expected_num_tables(n, concentration) == pytest.approx(reference, rel=1e-14)


@pytest.mark.parametrize(
    ("concentration", "error", "message"),
    [
        ([1.0, 2.0], TypeError, "concentration must be a single positive number"),
        (np.ones((1, 1)), TypeError, "concentration must be a single positive number"),
        (None, TypeError, "concentration must be numeric"),
        ("1", TypeError, "concentration must be numeric"),
        (True, TypeError, "concentration must be a positive number, got bool"),
        (1 + 1j, TypeError, "concentration must be numeric"),
        (0.0, ValueError, "concentration must be positive"),
        (-1.0, ValueError, "concentration must be positive"),
        (float("nan"), ValueError, "concentration must be finite"),
        (float("inf"), ValueError, "concentration must be finite"),
    ],
)
def test_a_bad_concentration_for_expected_num_tables_is_named(concentration, error, message):
    with pytest.raises(error, match=message):
        gg.expected_num_tables(5, concentration)


def test_a_numpy_or_zero_dimensional_concentration_is_a_number():
    exact = exact_expected_num_tables(5, 2.0)
    for alpha in (np.float32(2.0), np.int64(2), np.array(2.0), 2):
        assert gg.expected_num_tables(5, alpha) == pytest.approx(exact, rel=1e-15)
