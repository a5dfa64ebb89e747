"""Bad and extreme input to the Dirichlet-process functions and the conjugate statistics (issue 24,
causes 2, 3 and 4): exact answers where the old formulas cancelled, −∞ for partitions the CRP
cannot produce, and a clear error naming the argument for everything else.

Exact references come from ``fractions`` (rational arithmetic) and ``decimal`` (60 digits) with the
closed forms, never from the package's own float64 code."""

import dataclasses
import math
from fractions import Fraction

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from genjax import seed
from scipy.special import gammaln

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


# --- cause 3: the DP models refuse what they cannot mean --------------------------------------

KEY = jax.random.key(0)
DP_PRIOR = gg.DPMMPrior(concentration=1.0, mean_loc=0.0, mean_pseudo_count=1.0, var_shape=2.0, var_scale=1.0)
GMM_PRIOR = gg.GMMPrior(1.0, 0.0, 1.0, 2.0, 1.0)


def crp_log_probability(labels, concentration) -> float:
    """log p(z) of labels in order of opening: K log α + log Γ(α) − log Γ(α + n) + Σ log Γ(n_k)."""
    sizes = np.bincount(labels)
    return float(sizes.size * np.log(concentration) + gammaln(concentration) - gammaln(concentration + labels.size)
                 + gammaln(sizes).sum())


IMPOSSIBLE_PARTITIONS = {
    "negative": [0, 0, 1, -1, 1, 0],
    "minus six": [0, 1, 2, 3, 4, -6],
    "the spare label": [0, 0, 1, 1, 2, 6],
    "beyond the spare label": [0, 0, 1, 1, 2, 9],
    "huge": [0, 1, 1, 2**30, 0, 1],
    "a gap": [0, 0, 2, 2, 1, 1],
    "not in order of opening": [1, 1, 0, 0, 0, 0],
    "first customer not at table 0": [1, 0, 0, 0, 0, 0],
    "every label once, shifted": [1, 2, 3, 4, 5, 6],
}


@pytest.mark.parametrize("labels", IMPOSSIBLE_PARTITIONS.values(), ids=IMPOSSIBLE_PARTITIONS)
def test_the_crp_gives_an_impossible_partition_probability_zero(labels):
    model = gg.chinese_restaurant(6)
    log_p, _ = model.assess({"customers": {"table": jnp.asarray(labels, jnp.int32)}}, 1.5)
    assert float(log_p) == -np.inf


@pytest.mark.parametrize("labels", IMPOSSIBLE_PARTITIONS.values(), ids=IMPOSSIBLE_PARTITIONS)
def test_the_collapsed_and_full_dp_mixtures_give_an_impossible_partition_probability_zero(labels):
    labels, x = jnp.asarray(labels, jnp.int32), jnp.linspace(-1.0, 2.0, 6)
    collapsed = gg.collapsed_dp_mixture(6).assess({"customers": {"table": labels, "x": x}}, DP_PRIOR)[0]
    full_choices = {"partition": {"customers": {"table": labels}}, "variances": jnp.ones(6), "means": jnp.zeros(6),
                    "x": x}
    full = gg.dp_mixture(6).assess(full_choices, DP_PRIOR)[0]
    assert float(collapsed) == -np.inf and float(full) == -np.inf


@pytest.mark.parametrize("labels", [[0, 0, 0, 0, 0, 0], [0, 1, 2, 3, 4, 5], [0, 1, 0, 2, 1, 2], [0, 0, 1, 0, 2, 1]])
def test_a_possible_partition_keeps_its_crp_probability(labels):
    """The control: −∞ only where the CRP cannot go."""
    labels = np.asarray(labels, np.int32)
    log_p, _ = gg.chinese_restaurant(6).assess({"customers": {"table": jnp.asarray(labels)}}, 1.5)
    assert float(log_p) == pytest.approx(crp_log_probability(labels, 1.5), abs=1e-12)


BAD_CONCENTRATIONS = [
    (-1.0, ValueError, "concentration must be positive"),
    (0.0, ValueError, "concentration must be positive"),
    (float("nan"), ValueError, "concentration must be finite"),
    (float("inf"), ValueError, "concentration must be finite"),
    (None, TypeError, "concentration must be numeric"),
    ([1.0, 2.0], TypeError, "concentration must be one positive number"),
    (jnp.ones(3), TypeError, "concentration must be one positive number"),
    (DP_PRIOR, TypeError, "got a DPMMPrior: pass prior.concentration"),
]


@pytest.mark.parametrize(("concentration", "error", "message"), BAD_CONCENTRATIONS)
def test_the_crp_refuses_a_bad_concentration(concentration, error, message):
    """The GenJAX 1.0 calling convention: ``genjax.seed(model.simulate)(key, α)``."""
    with pytest.raises(error, match=message):
        seed(gg.chinese_restaurant(5).simulate)(KEY, concentration)


@pytest.mark.parametrize("concentration", [-1.0, float("nan")])
def test_the_crp_refuses_a_bad_concentration_inside_jit_and_in_assess(concentration):
    """Traced, the concentration is checked by the running program: under jit the error arrives
    wrapped in JAX's runtime error, with the message."""
    model = gg.chinese_restaurant(5)
    with pytest.raises(Exception, match="concentration must be"):
        jax.block_until_ready(jax.jit(seed(model.simulate))(KEY, concentration).get_retval())
    with pytest.raises(ValueError, match="concentration must be"):
        model.assess({"customers": {"table": jnp.zeros(5, jnp.int32)}}, concentration)


def test_a_traced_bad_concentration_in_a_prior_is_refused():
    """A prior rebuilt from traced values skips DPMMPrior's own checks (as GenJAX models build them)."""
    for model in (gg.dp_mixture(4), gg.collapsed_dp_mixture(4)):
        def simulate(key, alpha, model=model):
            return seed(model.simulate)(key, dataclasses.replace(DP_PRIOR, concentration=alpha)).get_retval()

        with pytest.raises(Exception, match="concentration must be positive"):
            jax.block_until_ready(jax.jit(simulate)(KEY, -2.0))


@pytest.mark.parametrize("builder", [gg.dp_mixture, gg.collapsed_dp_mixture])
@pytest.mark.parametrize("prior", [GMM_PRIOR, 1.0, None, (1.0, 0.0, 1.0, 2.0, 1.0), {"concentration": 1.0}])
def test_the_dp_mixtures_refuse_a_prior_that_is_not_a_dpmm_prior(builder, prior):
    with pytest.raises(TypeError, match=r"prior must be a DPMMPrior\(concentration, mean_loc"):
        seed(builder(6).simulate)(KEY, prior)


def test_the_checks_do_not_change_the_draws():
    """The same key gives the CRP's old draw (categorical's sampler is kept), and a valid prior
    passes: the first customer opens table 0, labels stay in order of opening."""
    labels = np.asarray(seed(gg.chinese_restaurant(5).simulate)(KEY, 1.0).get_retval())
    np.testing.assert_array_equal(labels, [0, 1, 1, 1, 1])
    x = seed(gg.dp_mixture(6).simulate)(KEY, DP_PRIOR).get_retval()
    assert x.shape == (6,) and np.all(np.isfinite(x))
