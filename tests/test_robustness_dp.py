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
from scipy import integrate
from scipy.special import gammaln

import genjax_gmm as gg
from genjax_gmm import multivariate as mv
from genjax_gmm.inference.dpmm import cluster_statistics, partition_log_joint
from genjax_gmm.multivariate import conjugate
from genjax_gmm.multivariate.gibbs import component_statistics, prior_parameters

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


# --- cause 4: the conjugate statistics keep their digits -------------------------------------


def log_of(value: Fraction) -> float:
    """log of a positive rational, from its integer numerator and denominator (no overflow)."""
    return math.log(value.numerator) - math.log(value.denominator)


def exact_log_marginal(points, prior: gg.DPMMPrior) -> float:
    """log m(x_I) of the Normal-Inverse-Gamma closed form, with b_n and κ₀/κ_n in rational arithmetic
    (the points and the prior's fields are floats, hence exact rationals)."""
    xs = [Fraction(float(x)) for x in points]
    n = len(xs)
    mean = sum(xs) / n
    spread = sum((x - mean) ** 2 for x in xs)
    kappa0, m0, a, b = (Fraction(value) for value in (prior.mean_pseudo_count, prior.mean_loc, prior.var_shape,
                                                        prior.var_scale))
    kappa = kappa0 + n
    scale = b + (spread + kappa0 * n / kappa * (mean - m0) ** 2) / 2
    shape = a + Fraction(n, 2)
    return (math.lgamma(shape) - math.lgamma(a) + float(a) * log_of(b) - float(shape) * log_of(scale)
            + 0.5 * log_of(kappa0 / kappa) - n / 2 * math.log(2 * math.pi))


def exact_log_joint(data, labels, prior: gg.DPMMPrior) -> float:
    """log p(z) + Σ_k log m(x_{I_k}) for labels in order of opening."""
    labels = np.asarray(labels)
    return crp_log_probability(labels, prior.concentration) + sum(
        exact_log_marginal(np.asarray(data)[labels == k], prior) for k in range(labels.max() + 1))


TIGHT_OFFSETS = np.array([-0.01, 0.004, 0.0, 0.013, -0.007])
FAR_APART = np.concatenate([-1e7 + TIGHT_OFFSETS, 1e7 + TIGHT_OFFSETS[::-1]])  # two tables of spread 0.01 at ±10⁷
FAR_APART_LABELS = np.repeat([0, 1], 5)
# a vague mean and a tight variance: the spread of each table, not its distance from m₀, sets b_n
TIGHT_PRIOR = gg.DPMMPrior(concentration=1.0, mean_loc=0.0, mean_pseudo_count=1e-14, var_shape=3.0, var_scale=1e-3)
BENTO_PRIOR = gg.DPMMPrior(concentration=1.0, mean_loc=425.0, mean_pseudo_count=4e-4, var_shape=2.0, var_scale=10.0)
BENTO_LABELS = (gg.MYSTERY_BENTO_WEIGHTS < 425).astype(np.int32)  # the first bento is heavy: table 0

CONJUGATE_CASES = {
    "two tight tables at ±1e7": (FAR_APART, FAR_APART_LABELS, TIGHT_PRIOR),
    "one tight table at 1e7": (1e7 + TIGHT_OFFSETS, np.zeros(5, np.int32), TIGHT_PRIOR),
    "one tight table at 1e9": (1e9 + TIGHT_OFFSETS, np.zeros(5, np.int32), TIGHT_PRIOR),
    "mean_pseudo_count 1e20": (gg.MYSTERY_BENTO_WEIGHTS, BENTO_LABELS,
                               dataclasses.replace(BENTO_PRIOR, mean_pseudo_count=1e20)),
    "mean_pseudo_count 1e100": (gg.MYSTERY_BENTO_WEIGHTS, BENTO_LABELS,
                                dataclasses.replace(BENTO_PRIOR, mean_pseudo_count=1e100)),
    "the bentos (control)": (gg.MYSTERY_BENTO_WEIGHTS, BENTO_LABELS, BENTO_PRIOR),
}


@pytest.mark.parametrize(("data", "labels", "prior"), CONJUGATE_CASES.values(), ids=CONJUGATE_CASES)
def test_the_partition_log_joint_is_exact(data, labels, prior):
    """The log joint every DP sampler reports, from the statistics of the labels."""
    stats = cluster_statistics(jnp.asarray(data), jnp.asarray(labels))
    assert float(partition_log_joint(stats, prior)) == pytest.approx(exact_log_joint(data, labels, prior), abs=1e-8)


@pytest.mark.parametrize(("data", "labels", "prior"), CONJUGATE_CASES.values(), ids=CONJUGATE_CASES)
def test_the_collapsed_models_density_is_exact(data, labels, prior):
    """``assess`` adds the points one by one (Welford's update) and scores each by its predictive."""
    choices = {"customers": {"table": jnp.asarray(labels, jnp.int32), "x": jnp.asarray(data)}}
    log_p, _ = gg.collapsed_dp_mixture(len(data)).assess(choices, prior)
    assert float(log_p) == pytest.approx(exact_log_joint(data, labels, prior), abs=1e-8)


@pytest.mark.filterwarnings("ignore::genjax_gmm.ConvergenceWarning")
def test_dpmm_gibbs_reports_the_exact_log_joint_of_every_draw():
    """Through the sampler itself (data centred, padded to a bucket with a mask): every kept draw's
    log joint is the exact one of its partition (before: −77.917 against the exact −79.102 for the
    two tables)."""
    result = gg.dpmm_gibbs(jax.random.key(4), FAR_APART, TIGHT_PRIOR, num_sweeps=8, num_chains=2)
    seen = {}
    for labels, log_joint in zip(result.assignments.reshape(-1, FAR_APART.size), result.log_joint.ravel()):
        canonical = np.unique(labels, return_inverse=True)[1]  # relabel in order of opening
        order = np.argsort([np.flatnonzero(canonical == k)[0] for k in range(canonical.max() + 1)])
        canonical = np.argsort(order)[canonical]
        key = tuple(canonical)
        seen.setdefault(key, exact_log_joint(FAR_APART, canonical, TIGHT_PRIOR))
        assert float(log_joint) == pytest.approx(seen[key], abs=1e-8)
    assert tuple(FAR_APART_LABELS) in seen


def test_a_point_moved_in_and_out_restores_the_statistics():
    """Welford's update, forwards then backwards, at 10⁹ with offsets of 10⁻²."""
    data = jnp.asarray(1e9 + TIGHT_OFFSETS)
    stats = cluster_statistics(data, jnp.zeros(5, jnp.int32))
    there_and_back = gg.moved(gg.moved(stats, 0, 1e9 + 0.02, 1.0), 0, 1e9 + 0.02, -1.0)
    points = [Fraction(float(x)) for x in data]  # the data as stored, exactly
    mean = sum(points) / len(points)
    spread = float(sum((x - mean) ** 2 for x in points))
    assert float(stats.spreads[0]) == pytest.approx(spread, rel=1e-6)
    assert float(there_and_back.spreads[0]) == pytest.approx(spread, rel=1e-6)
    assert float(there_and_back.means[0]) == pytest.approx(float(mean), abs=1e-6)
    emptied = gg.moved(cluster_statistics(data[:1], jnp.zeros(1, jnp.int32)), 0, data[0], -1.0)
    assert [float(value[0]) for value in emptied] == [0.0, 0.0, 0.0]


# the finite mixture's collapsed sampler and exact evidence (GMMPrior, σ² integrated on a grid)


def reference_group_log_evidence(points, prior: gg.GMMPrior) -> float:
    """log p(x_G) = log ∫ (2πσ²)^(−(m−1)/2) m^(−1/2) e^(−S/2σ²) N(x̄; m₀, s₀² + σ²/m) InvGamma(σ²; a, b) dσ²,
    with x̄ and S = Σ(x − x̄)² in rational arithmetic and the integral by adaptive quadrature in log σ²."""
    xs = [Fraction(float(x)) for x in points]
    m = len(xs)
    mean = sum(xs) / m
    spread, xbar = float(sum((x - mean) ** 2 for x in xs)), float(mean)

    a, b = prior.var_shape, prior.var_scale

    def log_integrand(t):  # works on floats (quad) and on arrays (the search for the peak)
        variance = np.exp(t)
        mean_variance = prior.mean_scale**2 + variance / m
        return (-(m - 1) / 2 * np.log(2 * np.pi * variance) - 0.5 * np.log(m) - spread / (2 * variance)
                - 0.5 * np.log(2 * np.pi * mean_variance) - (xbar - prior.mean_loc) ** 2 / (2 * mean_variance)
                + a * np.log(b) - math.lgamma(a) - (a + 1) * t - b / variance + t)

    grid = np.linspace(-80.0, 80.0, 16001)
    values = log_integrand(grid)
    peak, top = values.max(), grid[values.argmax()]
    integral, _ = integrate.quad(lambda t: math.exp(log_integrand(t) - peak), top - 40, top + 40, points=[top],
                                 limit=500, epsabs=0.0, epsrel=1e-13)
    return float(peak + math.log(integral))


GROUP_CASES = {
    "a tight group at 1e7, m₀ = 0": (1e7 + TIGHT_OFFSETS, gg.GMMPrior(1.0, 0.0, 1e8, 3.0, 1e-3)),
    "a tight group at -1e9, m₀ = 0": (-1e9 + TIGHT_OFFSETS, gg.GMMPrior(1.0, 0.0, 1e10, 3.0, 1e-3)),
    "the bentos (control)": (gg.MYSTERY_BENTO_WEIGHTS[:6], gg.GMMPrior(1.0, 425.0, 100.0, 2.0, 10.0)),
}


@pytest.mark.parametrize(("points", "prior"), GROUP_CASES.values(), ids=GROUP_CASES)
def test_a_groups_evidence_is_exact(points, prior):
    """Before: −7.525 against −8.297 for the group at 10⁷."""
    assert gg.group_log_evidence(points, prior) == pytest.approx(reference_group_log_evidence(points, prior), abs=1e-8)


def test_the_collapsed_log_joint_and_the_evidence_of_far_groups_are_exact():
    """``collapsed_log_joint`` (the collapsed sampler's log joint) and ``log_evidence`` (its sum over
    every assignment) of two tight groups at ±10⁷: the assignment that keeps them apart carries all
    the evidence, and its log joint is the urn's probability times the two groups' exact evidences."""
    prior = gg.GMMPrior(1.0, 0.0, 1e8, 3.0, 1e-3)
    data = np.concatenate([-1e7 + TIGHT_OFFSETS[:3], 1e7 + TIGHT_OFFSETS[3:]])
    labels = np.array([0, 0, 0, 1, 1])
    log_urn = float(gammaln(2.0) - gammaln(2.0 + 5) + gammaln(1.0 + 3) + gammaln(1.0 + 2))  # Dirichlet(1, 1)
    exact = log_urn + sum(reference_group_log_evidence(data[labels == k], prior) for k in (0, 1))
    assert gg.collapsed_log_joint(data, labels, 2, prior) == pytest.approx(exact, abs=1e-8)
    assert gg.log_evidence(data, 2, prior) == pytest.approx(np.logaddexp(exact, exact), abs=1e-6)  # z and its swap


@pytest.mark.filterwarnings("ignore::genjax_gmm.ConvergenceWarning")
def test_the_collapsed_sampler_reports_the_exact_log_joint():
    """Every kept draw's log joint (points moved in and out by Welford's update during the sweeps)
    is ``collapsed_log_joint`` of its assignment, itself exact above."""
    prior = gg.GMMPrior(1.0, 0.0, 1e8, 3.0, 1e-3)
    data = np.concatenate([-1e7 + TIGHT_OFFSETS[:3], 1e7 + TIGHT_OFFSETS[3:]])
    result = gg.collapsed_gibbs(jax.random.key(2), data, 2, prior, num_sweeps=8, num_chains=2)
    for labels, log_joint in zip(result.assignments.reshape(-1, data.size), result.log_joint.ravel()):
        assert float(log_joint) == pytest.approx(gg.collapsed_log_joint(data, labels, 2, prior), abs=1e-8)


# the multivariate Normal-Inverse-Wishart statistics


def exact_niw_log_marginal(points, prior: mv.NIWPrior) -> float:
    """log p(x) of the NIW closed form in D = 2 (``multivariate.conjugate``'s docstring), with
    Ψ_n = Ψ + W + κ₀ n/κ_n (x̄ − m₀)(x̄ − m₀)ᵀ and its determinant in rational arithmetic."""
    rows = [[Fraction(float(v)) for v in row] for row in np.asarray(points)]
    n = len(rows)
    mean = [sum(row[d] for row in rows) / n for d in range(2)]
    kappa0, df = Fraction(prior.mean_pseudo_count), Fraction(prior.df)
    m0 = [Fraction(float(v)) for v in prior.mean_loc]
    psi = [[Fraction(float(v)) for v in row] for row in prior.scale_matrix]
    kappa = kappa0 + n
    offset = [mean[d] - m0[d] for d in range(2)]
    psi_n = [[psi[i][j] + sum((row[i] - mean[i]) * (row[j] - mean[j]) for row in rows)
              + kappa0 * n / kappa * offset[i] * offset[j] for j in range(2)] for i in range(2)]

    def log_det(matrix):
        return log_of(matrix[0][0] * matrix[1][1] - matrix[0][1] * matrix[1][0])

    def log_multigamma(a):  # Γ_2(a) = π^{1/2} Γ(a) Γ(a − 1/2)
        return 0.5 * math.log(math.pi) + math.lgamma(a) + math.lgamma(a - 0.5)

    return (-n * math.log(math.pi) + log_multigamma(float(df + n) / 2) - log_multigamma(float(df) / 2)
            + float(df) / 2 * log_det(psi) - float(df + n) / 2 * log_det(psi_n) + log_of(kappa0 / kappa))


TIGHT_2D = np.array([[1e7, -1e7]]) + np.stack([TIGHT_OFFSETS, TIGHT_OFFSETS[::-1] * 0.7], axis=1)
NIW_CASES = {
    "a tight cluster at (1e7, −1e7)": (TIGHT_2D, mv.NIWPrior(1.0, np.zeros(2), 1e-14, 4.0, 1e-3 * np.eye(2))),
    "mean_pseudo_count 1e20": (np.array([[0.3, 1.2], [1.1, 0.4], [-0.2, 0.9], [0.8, 1.7]]),
                               mv.NIWPrior(1.0, np.array([2.0, -1.0]), 1e20, 4.0, np.eye(2))),
    "a small example (control)": (np.array([[0.3, 1.2], [1.1, 0.4], [-0.2, 0.9], [0.8, 1.7]]),
                                  mv.NIWPrior(1.0, np.array([0.5, 0.5]), 0.5, 5.0, 2.0 * np.eye(2))),
}


@pytest.mark.parametrize(("points", "prior"), NIW_CASES.values(), ids=NIW_CASES)
@pytest.mark.parametrize("reference", [0.0, 1e3])
def test_the_niw_marginal_likelihood_is_exact(points, prior, reference):
    """The statistics ``mv.gibbs`` takes (around each component's mean, whatever the reference, an
    empty second component and two padded points masked out) and the posterior it draws from."""
    data = jnp.asarray(np.concatenate([points, [[5.0, 5.0], [-5.0, 0.0]]]))
    mask = jnp.asarray(np.r_[np.ones(len(points)), 0.0, 0.0])
    assignments = jnp.zeros(len(data), jnp.int32)
    stats_ = component_statistics(data, assignments, jnp.full((2, 2), reference), mask)
    log_marginals = conjugate.niw_log_marginal_likelihood(stats_, prior_parameters(prior, 2))
    assert float(log_marginals[0]) == pytest.approx(exact_niw_log_marginal(points, prior), abs=1e-8)
    assert float(log_marginals[1]) == 0.0  # an empty component: the prior's own normaliser


def test_the_niw_posterior_keeps_the_scale_with_a_huge_pseudo_count():
    """Ψ_n − Ψ = W + κ₀ n/κ_n δδᵀ → W + n δδᵀ as κ₀ → ∞ (before: 0 or noise of size 10⁴ at κ₀ = 10²⁰)."""
    points, prior = NIW_CASES["mean_pseudo_count 1e20"]
    stats_ = component_statistics(jnp.asarray(points), jnp.zeros(len(points), jnp.int32), jnp.zeros((1, 2)))
    posterior = conjugate.niw_posterior(stats_, prior_parameters(prior, 1))
    deviations = points - points.mean(axis=0)
    offset = points.mean(axis=0) - prior.mean_loc
    expected = prior.scale_matrix + deviations.T @ deviations + len(points) * np.outer(offset, offset)
    np.testing.assert_allclose(np.asarray(posterior.scale[0]), expected, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(posterior.loc[0]), prior.mean_loc, rtol=1e-12)
