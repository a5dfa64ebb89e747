"""Bad and edge input to the newer public API (issue 24's fuzz findings, by cause): memory limits
that name the argument, the multivariate prior and model, chains that do not move or leave the
floating-point range, the ArviZ export, the adjusted Rand index and the warnings' wording.

Each battery feeds one cause many inputs of its own, in the style of tests/test_checks_robustness.py.
The refusals come before any compilation; the few runs are short and share module-scoped results."""

import itertools
import re
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from genjax import seed
from sklearn.metrics import adjusted_rand_score

import genjax_gmm as gg
from genjax_gmm import multivariate as mv
from genjax_gmm.engine import diagnostics
from genjax_gmm.validation import MEMORY_LIMIT_BYTES, check_memory

KEY = jax.random.key(0)
BENTOS = gg.MYSTERY_BENTO_WEIGHTS
PRIOR = gg.GMMPrior(1.0, 425.0, 100.0, 2.0, 10.0)
DP_PRIOR = gg.DPMMPrior(1.0, 425.0, 0.01, 2.0, 10.0)
POINTS = np.random.default_rng(0).normal(size=(30, 2))
NIW = mv.NIWPrior(1.0, np.zeros(2), 0.01, 4.0, np.eye(2))


def _id(value) -> str:
    """A test id that is the same in every process (no object addresses)."""
    return re.sub(r" at 0x[0-9a-f]+", "", repr(value))


@pytest.fixture(scope="module")
def dpmm_result():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gg.ConvergenceWarning)  # a short run, on purpose
        return gg.dpmm_gibbs(KEY, BENTOS, DP_PRIOR, 16, num_chains=2)


@pytest.fixture(scope="module")
def gibbs_result():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gg.ConvergenceWarning)
        return gg.gibbs(KEY, BENTOS, 2, PRIOR, 100)


@pytest.fixture(scope="module")
def importance_result():
    """Importance resampling whose effective sample size is about 1: its draws are copies of one particle."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gg.ImportanceWarning)
        result = gg.importance_resampling(KEY, BENTOS, 2, PRIOR, 100, 50)
    assert result.effective_sample_size < 2
    return result


# --- 1: a request beyond memory names the argument that is too large, and by how much ---------------

TOO_LARGE = {
    "importance_resampling num_particles": (
        lambda _: gg.importance_resampling(KEY, BENTOS, 2, PRIOR, 10**12, 10), "num_particles", 10**12),
    "importance_resampling num_samples": (
        lambda _: gg.importance_resampling(KEY, BENTOS, 2, PRIOR, 100, 10**11), "num_samples", 10**11),
    "marginal_importance_resampling num_particles": (
        lambda _: gg.marginal_importance_resampling(KEY, BENTOS, 2, PRIOR, 3 * 10**12, 10), "num_particles",
        3 * 10**12),
    "gibbs num_chains": (lambda _: gg.gibbs(KEY, BENTOS, 2, PRIOR, 100, num_chains=10**12), "num_chains", 10**12),
    "gibbs num_components": (lambda _: gg.gibbs(KEY, BENTOS, 10**7, PRIOR, 100), "num_components", 10**7),
    "mv.gibbs num_chains": (lambda _: mv.gibbs(KEY, POINTS, 2, NIW, 100, num_chains=7 * 10**11), "num_chains",
                            7 * 10**11),
    "mv.gibbs num_components": (lambda _: mv.gibbs(KEY, POINTS, 10**6, NIW, 100), "num_components", 10**6),
    "mv.gibbs num_components, few sweeps": (lambda _: mv.gibbs(KEY, POINTS, 10**7, NIW, 8, burn_in=0),
                                            "num_components", 10**7),
    "dpmm_gibbs num_chains": (lambda _: gg.dpmm_gibbs(KEY, BENTOS, DP_PRIOR, 100, num_chains=10**13), "num_chains",
                              10**13),
    "dpmm_gibbs num_sweeps": (lambda _: gg.dpmm_gibbs(KEY, BENTOS, DP_PRIOR, 2 * 10**9, burn_in=0),
                              "num_sweeps − burn_in", 2 * 10**9),
    "smc num_particles": (lambda _: gg.smc(KEY, BENTOS, 2, PRIOR, num_particles=10**11), "num_particles", 10**11),
    "posterior_predictive_density grid": (
        lambda result: gg.posterior_predictive_density(result, np.zeros(10**7)), "len(grid)", 10**7),
    "posterior_predictive_density long grid": (
        lambda result: gg.posterior_predictive_density(result, np.linspace(0, 1, 3 * 10**6)), "len(grid)",
        3 * 10**6),
}


@pytest.mark.parametrize("case", TOO_LARGE)
def test_a_request_beyond_memory_names_the_argument_and_how_far_to_lower_it(case, dpmm_result):
    call, argument, value = TOO_LARGE[case]
    with pytest.raises(ValueError) as raised:
        call(dpmm_result)
    message = str(raised.value)
    assert not re.search(r"num_sweeps − burn_in = [\d,]+ to at most about [0-3]\b", message), message  # ≥ 4 draws
    needed = re.search(r"would need ([\d,.]+) GiB of memory, ([\d.e+,]+) times the limit of 4 GiB", message)
    assert needed, message
    bound = re.search(rf"(?:lower|or) {re.escape(argument)} = {value:,} to at most about ([\d,]+)", message)
    assert bound, message
    # the stated bound is the value scaled down by the stated excess
    excess = float(needed.group(1).replace(",", "")) * 2**30 / MEMORY_LIMIT_BYTES
    assert int(bound.group(1).replace(",", "")) == pytest.approx(value / excess, rel=1e-2)


@pytest.mark.parametrize("seed_", range(40))
def test_the_memory_check_states_the_largest_value_that_fits(seed_):
    """For a need proportional to each named argument, the stated value is exactly the largest that
    fits, and an argument that cannot go low enough (below its smallest allowed value) is not offered."""
    rng = np.random.default_rng(seed_)
    sizes = {f"argument_{i}": int(rng.integers(1, 10 ** rng.integers(1, 13))) for i in range(rng.integers(1, 4))}
    smallest = {name: int(rng.integers(1, 6)) for name in sizes}
    bytes_per_unit = float(rng.uniform(1, 1e3))
    need = bytes_per_unit * np.prod([float(v) for v in sizes.values()])
    if need <= MEMORY_LIMIT_BYTES:
        check_memory(need, "it", sizes, smallest)  # fits: no error
        return
    with pytest.raises(ValueError) as raised:
        check_memory(need, "it", sizes, smallest)
    message = str(raised.value)
    stated = {name: int(fit.replace(",", "")) for name, fit in re.findall(r"(argument_\d) = [\d,]+ to at most about "
                                                                          r"([\d,]+)", message)}
    for name, value in sizes.items():
        largest = int(value * MEMORY_LIMIT_BYTES / need)
        if largest >= smallest[name]:
            assert stated[name] == largest, message
            assert need / value * stated[name] <= MEMORY_LIMIT_BYTES * (1 + 1e-12)
            assert need / value * (stated[name] + 1) > MEMORY_LIMIT_BYTES
        else:
            assert name not in stated, message
    if not stated:
        assert "lower several of" in message and all(name in message for name in sizes), message


# --- 5: the multivariate prior and model refuse what they cannot use --------------------------------

NIW_FIELDS = {"concentration": 1.0, "mean_loc": np.zeros(2), "mean_pseudo_count": 0.01, "df": 4.0,
              "scale_matrix": np.eye(2)}
NOT_NUMBERS = [True, False, np.bool_(True), jnp.array(True), "1.0", b"1", None]


@pytest.mark.parametrize(("field", "value"), list(itertools.product(
    ["concentration", "mean_pseudo_count", "df"], NOT_NUMBERS)))
def test_the_niw_prior_refuses_a_scalar_field_that_is_not_a_number(field, value):
    with pytest.raises(TypeError, match=rf"prior\.{field} must be a number"):
        mv.NIWPrior(**{**NIW_FIELDS, field: value})


@pytest.mark.parametrize("value", [2, np.float32(2.0), np.int64(2), jnp.array(2.0), np.array(2.0)])
def test_the_niw_prior_stores_its_scalars_as_floats(value):
    prior = mv.NIWPrior(**{**NIW_FIELDS, "concentration": value, "df": value})
    assert type(prior.concentration) is float and type(prior.df) is float and prior.concentration == 2.0


@pytest.mark.parametrize(("model_dimension", "prior_dimension"), [(3, 2), (1, 2), (2, 1), (2, 5)])
@pytest.mark.parametrize("method", ["simulate", "assess"])
def test_the_multivariate_model_refuses_a_prior_of_another_dimension(model_dimension, prior_dimension, method):
    prior = mv.NIWPrior(1.0, np.zeros(prior_dimension), 0.01, prior_dimension + 1.0, np.eye(prior_dimension))
    model = mv.bayesian_gmm(5, 2, model_dimension)
    call = (lambda: seed(model.simulate)(KEY, prior)) if method == "simulate" else (lambda: model.assess({}, prior))
    with pytest.raises(ValueError, match=rf"prior has dimension D = {prior_dimension}.*dimension = {model_dimension}"):
        call()


WRONG_PRIORS = [PRIOR, DP_PRIOR, None, 1.0, {"df": 4.0}, NIW_FIELDS, np.zeros(5)]


@pytest.mark.parametrize("prior", WRONG_PRIORS, ids=lambda prior: type(prior).__name__)
def test_the_multivariate_model_names_prior_when_given_another_kind(prior):
    with pytest.raises(TypeError, match="prior must be a NIWPrior"):
        seed(mv.bayesian_gmm(5, 2, 2).simulate)(KEY, prior)


@pytest.mark.parametrize("prior", [NIW, DP_PRIOR, None, 1.0, {"mean_loc": 0.0}], ids=lambda p: type(p).__name__)
def test_the_one_dimensional_model_names_prior_when_given_another_kind(prior):
    with pytest.raises(TypeError, match="prior must be a GMMPrior"):
        seed(gg.bayesian_gmm(5, 2).simulate)(KEY, prior)


# --- 6: chains that do not move, or leave the floating-point range: the engine's one behaviour --------


def test_multivariate_chains_that_do_not_move_get_the_engines_conventional_diagnostics():
    """With df = 10¹⁰⁰ every covariance draw is Ψ/ν to float64 precision and the log joint never
    changes: R-hat 1 and ESS nan, as for ``dpmm_gibbs``, not the diagnostics' internal error."""
    prior = mv.NIWPrior(1.0, np.zeros(2), 0.01, 1e100, np.eye(2) * 1e100)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = mv.gibbs(KEY, POINTS, 2, prior, 12, num_chains=2)
    assert np.all(result.log_joint == result.log_joint.flat[0])
    assert result.rhat == 1.0 and np.isnan(result.ess)


OVERFLOWING = {  # data whose squares overflow float32: every log joint is nan
    "gibbs": lambda: gg.gibbs(KEY, BENTOS * 1e23, 2, gg.GMMPrior(1.0, 0.0, 1e25, 2.0, 1e46), 12, num_chains=2,
                              dtype=jnp.float32),
    "mv.gibbs": lambda: mv.gibbs(KEY, POINTS * 1e25, 2, mv.NIWPrior(1.0, np.zeros(2), 0.01, 4.0, np.eye(2) * 1e50),
                                 12, num_chains=2, dtype=jnp.float32),
}


@pytest.mark.parametrize("sampler", OVERFLOWING)
def test_draws_beyond_the_floating_point_range_are_named_not_called_disagreeing_chains(sampler):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = OVERFLOWING[sampler]()
    messages = [str(w.message) for w in caught if issubclass(w.category, gg.ConvergenceWarning)]
    assert len(messages) == 1, messages
    assert "the log joint is nan or infinite in some draws" in messages[0]
    assert "disagree" not in messages[0]
    assert np.isnan(result.rhat) and np.isnan(result.ess)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_undefined_diagnostics_of_non_finite_draws_are_nan(bad):
    draws = np.random.default_rng(0).normal(size=(3, 20))
    draws[1, 7] = bad
    rhat, ess = diagnostics.rhat_and_ess(draws)
    assert np.isnan(rhat) and np.isnan(ess)


# --- 7: the ArviZ export ----------------------------------------------------------------------------

PROBABILITIES = [np.float32(0.9), np.float64(0.9), np.float16(0.9), jnp.array(0.9), jnp.float32(0.9),
                 np.array(0.9), np.array(0.9, np.float32), 0.9]


@pytest.mark.parametrize("hdi_prob", PROBABILITIES, ids=lambda p: f"{type(p).__name__}-{np.asarray(p).dtype}")
def test_summary_takes_a_probability_of_any_numeric_type(gibbs_result, hdi_prob):
    table = gg.summary(gibbs_result, var_names=["means"], hdi_prob=hdi_prob)
    columns = [column for column in table.columns if "90" in column]
    assert len(columns) == 2, list(table.columns)  # the 90 % interval's two ends, not an 89 % one


NOT_PROBABILITIES = [True, np.bool_(False), "0.9", None, [0.9], np.array([0.9, 0.5]), 0, 1, 1.5, -0.1, np.nan,
                     jnp.array(np.nan), 1 + 0j, {}]


@pytest.mark.parametrize("hdi_prob", NOT_PROBABILITIES, ids=_id)
def test_summary_refuses_what_is_not_a_probability(gibbs_result, hdi_prob):
    with pytest.raises(ValueError, match="hdi_prob must be a probability strictly between 0 and 1"):
        gg.summary(gibbs_result, hdi_prob=hdi_prob)


@pytest.mark.parametrize("var_names", [[], (), np.array([], dtype=str), [1], [None], ["means", 2], 5, "means",
                                       ["mu"], iter([])], ids=_id)
def test_summary_refuses_var_names_that_select_nothing_it_has(gibbs_result, var_names):
    with pytest.raises(ValueError, match="var_names must be a non-empty list of names among"):
        gg.summary(gibbs_result, var_names=var_names)


@pytest.mark.parametrize("length", [1, 3, 19, 21, 40])
@pytest.mark.parametrize("assignments", [False, True])
def test_data_of_another_length_than_the_result_is_refused_by_name(gibbs_result, length, assignments):
    data = np.resize(BENTOS, length)
    with pytest.raises(ValueError, match=f"data has {length} points but the result's assignments has 20"):
        gg.to_inference_data(gibbs_result, assignments=assignments, data=data)


def test_data_of_the_right_length_is_exported(gibbs_result, dpmm_result):
    for result in (gibbs_result, dpmm_result):
        exported = gg.to_inference_data(result, data=BENTOS)
        np.testing.assert_array_equal(exported["observed_data"]["x"].values, BENTOS)


def test_a_summary_of_draws_that_do_not_vary_leaks_no_runtime_warning(importance_result):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        table = gg.summary(importance_result)
    assert np.all(table["sd"] < 1e-12) and np.all(np.isnan(table["r_hat"]))  # nothing varies; R-hat needs 2 chains


# --- 8: the adjusted Rand index of any hashable labels, in time linear in N --------------------------


def _relabel(labels: np.ndarray, names: list) -> np.ndarray:
    """``labels`` (0 … L−1) renamed ``names[label]``, as an object array."""
    renamed = np.empty(labels.size, dtype=object)
    renamed[:] = [names[label] for label in labels]
    return renamed


OBJECT_NAMES = [
    [None, "a", 1, 2.5, (1, 2), frozenset({3}), b"x", "1"],
    [(), None, "None", 0, -1, (None,), "", 3 + 4j],
]


@pytest.mark.parametrize(("seed_", "names"), list(itertools.product(range(10), range(len(OBJECT_NAMES)))))
def test_labels_of_any_hashable_kind_give_the_index_of_their_partition(seed_, names):
    rng = np.random.default_rng(seed_)
    size = int(rng.integers(1, 60))
    first, second = rng.integers(0, 8, size), rng.integers(0, int(rng.integers(1, 9)), size)
    expected = adjusted_rand_score(first, second)
    renamed = _relabel(first, OBJECT_NAMES[names])
    assert gg.adjusted_rand_index(renamed, second) == pytest.approx(expected, abs=1e-12)
    assert gg.adjusted_rand_index(second, renamed) == pytest.approx(expected, abs=1e-12)
    assert gg.adjusted_rand_index(renamed, renamed) == 1.0


@pytest.mark.parametrize("labels", [
    [None, None, 1], np.array(["1", 1], dtype=object)[[0, 0, 1]], np.array(["x", "x", None], dtype=object),
    np.array([{"a"}, {"a"}, {"b"}], dtype=object).astype(str),
], ids=_id)
def test_the_issues_object_labels_work(labels):
    assert gg.adjusted_rand_index(labels, [0, 0, 1]) == 1.0
    assert gg.adjusted_rand_index(labels, [0, 1, 1]) == pytest.approx(adjusted_rand_score([0, 0, 1], [0, 1, 1]))


@pytest.mark.parametrize("unhashable", [{}, {"a": 1}, [1], {1}, np.zeros(2)], ids=_id)
@pytest.mark.parametrize("argument", ["labels_a", "labels_b"])
def test_unhashable_labels_are_refused_by_name(unhashable, argument):
    labels = np.empty(3, dtype=object)
    labels[:] = [unhashable, unhashable, 1]
    arguments = {"labels_a": [0, 0, 1], "labels_b": [0, 0, 1], argument: labels}
    with pytest.raises(TypeError, match=f"{argument} must hold hashable cluster labels"):
        gg.adjusted_rand_index(**arguments)


@pytest.mark.parametrize("num_points", [10**5, 10**6])
def test_many_distinct_labels_need_no_dense_table(num_points):
    """A million distinct labels (a 10⁶ × 10⁶ table, were it dense) against a few clusters; the time is
    in the report (issue 24), not in a test."""
    rng = np.random.default_rng(1)
    distinct, few = rng.permutation(num_points), rng.integers(0, 7, num_points)
    assert gg.adjusted_rand_index(distinct, distinct) == 1.0
    assert gg.adjusted_rand_index(distinct, few) == pytest.approx(adjusted_rand_score(distinct, few), abs=1e-12)


# --- 9: one warning wording for every sampler and every iteration ------------------------------------


@pytest.mark.parametrize(("num_chains", "rhat", "ess"), list(itertools.product(
    [1, 2, 4, 13], [1.0, 1.005, 1.5, np.inf, np.nan], [np.nan, 0.0, 8.0, 99.0, 10.0**6])))
def test_the_convergence_warning_reads_right_for_any_diagnostics(num_chains, rhat, ess):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        diagnostics.warn_if_unreliable("sampler", {"the log joint": (rhat, ess)}, num_chains, stacklevel=1)
    expected = np.isnan(rhat) or rhat > diagnostics.RHAT_THRESHOLD or ess < 100 * num_chains
    assert len(caught) == expected
    if not caught:
        return
    message = str(caught[0].message)
    assert message.startswith("sampler: ") and "summaries of these draws may be wrong" in message
    assert " its " not in message and " 1 chains" not in message and " < " not in message.split("R-hat")[-1]
    assert ("chains disagree" in message) == (num_chains > 1 and rhat > diagnostics.RHAT_THRESHOLD)
    assert ("chain's two halves disagree" in message) == (num_chains == 1 and rhat > diagnostics.RHAT_THRESHOLD)
    assert ("nan or infinite" in message) == bool(np.isnan(rhat))
    if ess < 100 * num_chains:
        chains = f"{num_chains} chain{'s' if num_chains > 1 else ''}"
        assert f"below the {100 * num_chains} (100 per chain × {chains}) that summaries need" in message


def test_one_chain_whose_halves_disagree_is_not_called_disagreeing_chains():
    with pytest.warns(gg.ConvergenceWarning) as caught:
        result = gg.gibbs(KEY, BENTOS, 2, PRIOR, 20, num_chains=1)
    assert result.rhat > diagnostics.RHAT_THRESHOLD
    message = str(caught[0].message)
    assert "the chain's two halves disagree" in message and "the chains disagree" not in message


def test_dpmm_gibbs_checks_the_effective_sample_size_like_the_other_samplers():
    with pytest.warns(gg.ConvergenceWarning, match=r"dpmm_gibbs: .*the effective sample size of the log joint is "
                                                   r"\d+, below the 200 \(100 per chain × 2 chains\)"):
        gg.dpmm_gibbs(KEY, BENTOS, DP_PRIOR, 40, num_chains=2)


EM_CALLS = {
    "em": (lambda iterations: gg.em(POINTS[:, 0], 2, max_iterations=iterations), "variance_floor"),
    "mv.em": (lambda iterations: mv.em(POINTS, 2, max_iterations=iterations), "covariance_floor"),
    "mv.em diag": (lambda iterations: mv.em(POINTS, 3, covariance_type="diag", max_iterations=iterations),
                   "covariance_floor"),
}


@pytest.mark.parametrize("iterations", [1, 2])
@pytest.mark.parametrize("call", EM_CALLS)
def test_em_that_did_not_converge_warns_alike_and_points_to_the_floor(call, iterations):
    run, floor = EM_CALLS[call]
    caller = call.split()[0]
    plural = "" if iterations == 1 else "s"
    with pytest.warns(gg.ConvergenceWarning) as caught:
        result = run(iterations)
    assert not result.converged
    message = str(caught[0].message)
    assert message.startswith(f"{caller}: the best restart did not converge in {iterations} iteration{plural};")
    assert "spike" in message and "tied" in message and f"raise {floor}" in message


def test_cavi_that_did_not_converge_says_one_iteration_and_no_floor():
    with pytest.warns(gg.ConvergenceWarning) as caught:
        gg.cavi(BENTOS, 2, PRIOR, max_iterations=1)
    message = str(caught[0].message)
    assert "did not converge in 1 iteration;" in message and "floor" not in message
