"""Chapter 7's exercise checks: right answers pass, None waits, typical mistakes fail with a hint.

The right answers are recomputed here by other routes: the package's ``expected_num_tables``
for 7.1; for 7.2, a reseating step that scores every label by the joint probability of the whole
partition (the CRP probability times each block's marginal likelihood as SciPy's multivariate
Student-t) and normalises, which is the conditional by definition; for 7.3, the package's
reweighting of the exact α = 1 posterior. Odd inputs are the robustness battery's
(tests/test_checks_robustness.py, which lists every chapter's checks).
"""

import ast
import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pytest
from feedback_assertions import assert_check_behaves, assert_correct, assert_incorrect
from scipy import stats

import genjax_gmm as gg
from genjax_gmm.checks import chapter7 as check

EXPECTED_TABLES = gg.expected_num_tables(check.CUSTOMERS, check.ALPHA)


def log_joint(labels, data, prior):
    """log p(z, x): the CRP probability of the partition and each block's multivariate Student-t."""
    alpha, m0, kappa, a, b = dataclasses.astuple(prior)
    blocks = [data[labels == k] for k in np.unique(labels)]
    total = len(blocks) * math.log(alpha) + math.lgamma(alpha) - math.lgamma(alpha + data.size)
    for x in blocks:
        shape = (b / a) * (np.eye(x.size) + np.ones((x.size, x.size)) / kappa)
        total += math.lgamma(x.size) + stats.multivariate_t(np.full(x.size, m0), shape, df=2 * a).logpdf(x)
    return total


def reseat_by_the_joint(i, labels, data, prior):
    """P(z_i = k | z_−i, x) ∝ p(z with z_i = k, x) for each label the others use and the smallest free one."""
    others = np.delete(labels, i)
    candidates = [*np.unique(others), min(set(range(data.size)) - set(others.tolist()))]
    scores = np.array([log_joint(np.where(np.arange(data.size) == i, k, labels), data, prior) for k in candidates])
    probabilities = np.zeros(data.size)
    probabilities[candidates] = np.exp(scores - scores.max()) / np.exp(scores - scores.max()).sum()
    return probabilities


def statistics(x):
    """(n, x̄, Σ(x − x̄)²), as the notebook's ``statistics``."""
    return x.size, x.mean(), np.sum((x - x.mean()) ** 2)


def reseat_as_the_notebook_does(i, labels, data, prior):
    others = np.arange(data.size) != i
    weights = np.zeros(data.size)
    for k in np.unique(labels[others]):
        members = data[others & (labels == k)]
        log_p = gg.predictive_log_density(data[i], *statistics(members), prior)
        weights[k] = members.size * np.exp(log_p)
    new = min(set(range(data.size)) - set(labels[others].tolist()))
    weights[new] = prior.concentration * np.exp(gg.predictive_log_density(data[i], 0.0, 0.0, 0.0, prior))
    return weights / weights.sum()


def new_table_last(i, labels, data, prior):
    """Right, with the new table's probability at the largest free label instead of the smallest."""
    probabilities = reseat_as_the_notebook_does(i, labels, data, prior)
    free = sorted(set(range(data.size)) - set(np.delete(labels, i).tolist()))
    probabilities[free[-1]], probabilities[free[0]] = probabilities[free[0]], 0.0
    return probabilities


def keeps_the_point(i, labels, data, prior):
    weights = np.zeros(data.size)
    for k in np.unique(labels):
        members = data[labels == k]
        log_p = gg.predictive_log_density(data[i], *statistics(members), prior)
        weights[k] = members.size * np.exp(log_p)
    weights[min(set(range(data.size)) - set(labels.tolist()))] = prior.concentration * np.exp(
        gg.predictive_log_density(data[i], 0.0, 0.0, 0.0, prior))
    return weights / weights.sum()


def without_sizes(i, labels, data, prior):
    probabilities = reseat_as_the_notebook_does(i, labels, data, prior)
    counts = np.bincount(np.delete(labels, i), minlength=data.size)
    weights = np.where(counts > 0, probabilities / np.maximum(counts, 1), probabilities)
    return weights / weights.sum()


def new_table_weighted_one(i, labels, data, prior):
    probabilities = reseat_as_the_notebook_does(i, labels, data, prior)
    probabilities[min(set(range(data.size)) - set(np.delete(labels, i).tolist()))] /= prior.concentration
    return probabilities / probabilities.sum()


def log_weights(i, labels, data, prior):
    """log n_{k,−i} + log p(x_i | table k), log α + log p(x_i) at the new table, 0 elsewhere: not exponentiated."""
    others = np.arange(data.size) != i
    logs = np.zeros(data.size)
    for k in np.unique(labels[others]):
        members = data[others & (labels == k)]
        logs[k] = np.log(members.size) + gg.predictive_log_density(
            data[i], *statistics(members), prior)
    new = min(set(range(data.size)) - set(labels[others].tolist()))
    logs[new] = np.log(prior.concentration) + gg.predictive_log_density(data[i], 0.0, 0.0, 0.0, prior)
    return logs


def emptied_table_and_new_table(i, labels, data, prior):
    """When i sat alone, α · p(x_i) at its emptied label and again at a fresh one: the new table twice."""
    others = np.arange(data.size) != i
    weights = np.zeros(data.size)
    prior_predictive = prior.concentration * np.exp(gg.predictive_log_density(data[i], 0.0, 0.0, 0.0, prior))
    for k in np.unique(labels):
        members = data[others & (labels == k)]
        if members.size:
            weights[k] = members.size * np.exp(gg.predictive_log_density(data[i], *statistics(members), prior))
        else:
            weights[k] = prior_predictive
    weights[min(set(range(data.size)) - set(labels.tolist()))] = prior_predictive
    return weights / weights.sum()


def wrong_call_inside(i, labels, data, prior):
    """The prompted signature, a wrong call inside: the predictive without the table's statistics."""
    return np.exp(gg.predictive_log_density(data[i], prior)) * np.ones(data.size) / data.size


def index_out_of_range(i, labels, data, prior):
    probabilities = reseat_as_the_notebook_does(i, labels, data, prior)
    return probabilities[np.arange(1, data.size + 1)]


def log_probabilities(i, labels, data, prior):
    with np.errstate(divide="ignore"):
        return np.log(reseat_as_the_notebook_does(i, labels, data, prior))


def crp_only(i, labels, data, prior):
    counts = np.bincount(np.delete(labels, i), minlength=data.size).astype(float)
    counts[min(set(range(data.size)) - set(np.delete(labels, i).tolist()))] = prior.concentration
    return counts / counts.sum()


def test_expected_tables():
    assert_check_behaves(
        check.exercise_7_1, EXPECTED_TABLES, [2 * np.log(1 + 50 / 2), EXPECTED_TABLES - 1 + 2 / 52, 50]
    )
    assert_incorrect(check.exercise_7_1(2 * np.log(1 + 50 / 2)), "approximation")
    assert check.exercise_7_1(np.float32(round(EXPECTED_TABLES, 3)))


def test_the_hidden_problems_need_every_part_of_the_rule():
    """Each hidden problem is a real test: the point's table is not trivially decided, and one
    problem has a point alone at its table and a gap in the labels."""
    alone = [np.sum(labels == labels[i]) == 1 for i, labels, _, _ in check._RESEATING_PROBLEMS]
    gaps = [labels.max() + 1 > np.unique(labels).size for _, labels, _, _ in check._RESEATING_PROBLEMS]
    assert any(alone) and any(gaps)
    for problem in check._RESEATING_PROBLEMS:
        probabilities = reseat_by_the_joint(*problem)
        assert probabilities.max() < 0.999 and np.sum(probabilities > 1e-3) >= 2


@pytest.mark.parametrize("reseat", [reseat_by_the_joint, reseat_as_the_notebook_does, new_table_last])
def test_right_reseating_steps_pass(reseat):
    assert_correct(check.exercise_7_2(reseat))


@pytest.mark.parametrize(
    "reseat, hint",
    [
        (keeps_the_point, "take point i out"),
        (without_sizes, "rich tables get richer"),
        (new_table_weighted_one, "not 1 · p(x_i)"),
        (crp_only, "CRP's seating probabilities alone"),
        (lambda i, labels, data, prior: 3 * reseat_as_the_notebook_does(i, labels, data, prior), "add up to 3"),
        (emptied_table_and_new_table, "not also to the label i left"),
        (log_weights, "Exponentiate first"),
        (log_probabilities, "look like logarithms"),
        (index_out_of_range, "IndexError"),
        (lambda *problem: log_weights(*problem) / log_weights(*problem).sum(), "exponentiate first"),
        (lambda i, labels, data, prior: reseat_as_the_notebook_does(i, labels, data, prior)[:-1], "shape (8,)"),
        (lambda i, labels, data: None, "check the arguments"),
        (lambda i, labels, data, prior: np.full(data.size, np.nan), "NaN"),
        (lambda i, labels, data, prior: labels[i] / 0, "leave point i out"),
    ],
)
def test_wrong_reseating_steps_get_their_hint(reseat, hint):
    assert_incorrect(check.exercise_7_2(reseat), hint)


def test_a_crash_inside_a_right_signature_is_not_blamed_on_the_arguments():
    """A TypeError from a call inside the student's function names that call's arguments, not the
    function's; any crash inside names the line of the student's code it came from."""
    feedback = check.exercise_7_2(wrong_call_inside)
    assert_incorrect(feedback, "comes from a call inside it")
    assert "check the arguments your function takes" not in feedback.message
    assert "gg.predictive_log_density(data[i], prior)" in feedback.message  # the line that failed
    assert_incorrect(check.exercise_7_2(index_out_of_range), "probabilities[np.arange(1, data.size + 1)]")
    assert_incorrect(check.exercise_7_2(lambda i, labels: None), "check the arguments your function takes")


def test_a_type_error_elsewhere_is_not_blamed_on_the_predictive():
    """A TypeError inside that has nothing to do with gg.predictive_log_density names the failing
    line only: no advice about that function's five arguments."""
    def length_of_an_index(i, labels, data, prior):
        return reseat_as_the_notebook_does(len(i), labels, data, prior)

    feedback = check.exercise_7_2(length_of_an_index)
    assert_incorrect(feedback, "TypeError")
    assert "len(i)" in feedback.message and "see where it fails" in feedback.message
    assert "takes five" not in feedback.message and "comes from a call inside" not in feedback.message


def test_nan_from_a_point_alone_says_so():
    """Statistics of every label, i's emptied one too, give NaN (the mean of no points) where i sat
    alone: the feedback says that i sits alone in that example."""
    def statistics_of_every_label(i, labels, data, prior):
        others = np.arange(data.size) != i
        weights = np.zeros(data.size)
        for k in np.unique(labels):
            members = data[others & (labels == k)]
            weights[k] = members.size * np.exp(gg.predictive_log_density(data[i], *statistics(members), prior))
        new = min(set(range(data.size)) - set(labels.tolist()))
        weights[new] = prior.concentration * np.exp(gg.predictive_log_density(data[i], 0.0, 0.0, 0.0, prior))
        return weights / weights.sum()

    with np.errstate(invalid="ignore"), pytest.warns(RuntimeWarning):
        assert np.isnan(statistics_of_every_label(*check._RESEATING_PROBLEMS[1])).any()
    assert_incorrect(check.exercise_7_2(statistics_of_every_label), "Point i sits alone at its table here")


def test_parameters_in_another_order_are_named():
    """(labels, i, data, prior): the feedback names the student's order and the one the check calls."""
    def labels_first(labels, i, data, prior):
        return reseat_as_the_notebook_does(i, labels, data, prior)

    feedback = check.exercise_7_2(labels_first)
    assert_incorrect(feedback, "your function's parameters are (labels, i, data, prior)")
    assert "reseat_probabilities(i, labels, data, prior)" in feedback.message
    assert "takes five" not in feedback.message and "comes from a call inside" not in feedback.message


def test_the_feedback_shows_the_hidden_example_in_full():
    """A student can rebuild the failing case from the message: i, labels, data and prior."""
    i, labels, data, prior = check._RESEATING_PROBLEMS[0]
    message = check.exercise_7_2(crp_only).message
    assert f"i = {i}" in message and str(labels.tolist()) in message and str(data.tolist()) in message
    assert repr(prior) in message


def test_the_reseating_check_waits_and_refuses_what_is_not_a_function():
    assert_check_behaves(check.exercise_7_2, reseat_as_the_notebook_does, ["reseat", 3, reseat_by_the_joint(
        *check._RESEATING_PROBLEMS[0])])


def test_the_student_sees_no_change_to_their_arrays():
    """The check hands the student copies: a function that writes into labels or data changes no
    later verdict."""
    def vandal(i, labels, data, prior):
        probabilities = reseat_as_the_notebook_does(i, labels, data, prior)
        labels[:] = 0
        data[:] = 0.0
        return probabilities

    assert_correct(check.exercise_7_2(vandal))
    assert_correct(check.exercise_7_2(reseat_by_the_joint))


def test_reweighting_to_a_smaller_alpha():
    exact = gg.exact_num_clusters(gg.COFFEE_CAFFEINE, check.COFFEE_PRIOR, num_groups=3).probabilities
    reweighted = gg.reweight_num_clusters(exact, 1.0, check.REWEIGHT_ALPHA)[3]
    assert 0.8 < reweighted < 0.9  # the prompt's precision, 3 decimals, is far from every mistake
    wrong = [exact[3], exact[3] * 0.3**3, 1 - reweighted]
    assert_check_behaves(check.exercise_7_3, reweighted, wrong)
    assert_incorrect(check.exercise_7_3(exact[3]), "for α = 1")
    assert_incorrect(check.exercise_7_3(exact[3] * 0.3**3), "divide by their sum")
    assert_incorrect(check.exercise_7_3(round(100 * float(reweighted), 1)), "not a percentage")
    assert check.exercise_7_3(round(float(reweighted), 3)) and check.exercise_7_3(np.float32(reweighted))


def test_more_bentos_do_not_settle_k():
    assert_check_behaves(check.exercise_7_4, "b", ["a", "c", "d"])
    assert check.exercise_7_4(" (B) ")


def test_the_checks_coffee_prior_is_the_one_the_chapter_defines():
    """Exercise 7.3's expected answer uses ``check.COFFEE_PRIOR``: it must be the prior the chapter's
    coffee cell defines (read from the solution notebook, so the student never sees check internals)."""
    notebook = Path(__file__).resolve().parents[1] / "solutions" / "07_dirichlet_process_mixtures.ipynb"
    sources = ["".join(cell["source"]) for cell in json.loads(notebook.read_text())["cells"]]
    [statement] = [node for source in sources if "coffee_prior = gg.DPMMPrior(" in source
                   for node in ast.parse(source).body
                   if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "coffee_prior"]
    assert eval(compile(ast.Expression(statement.value), "notebook", "eval"), {"gg": gg}) == check.COFFEE_PRIOR
