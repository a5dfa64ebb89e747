"""The committed notebooks obey the pipeline's rules, and the notebook tests can fail.

* chapters/ is exactly what ``python -m scripts.course students`` generates from solutions/, the
  solutions carry the current Colab cells and the README table is current;
* every solution has at least three check cells, all saying ✅ in their stored outputs;
* no notebook reads a data file by a relative path;
* the book builds from the stored outputs: every chapter in the sidebar and the search index,
  with its Colab launch link, .ipynb download and figures;
* nbval with ``--nbval-lax`` fails on a wrong number in a ``# NBVAL_CHECK_OUTPUT`` cell, and
  the hang guard of tests/conftest.py fails a stuck notebook (both run pytest in a
  subprocess on a copy of the stand-in notebook);
* under pytest-xdist (``-n 2``, as ``make test`` runs on two cores) a notebook's cells run in
  order in one worker, twins in the same one, and the time table and the hang guard still work.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output
from pipeline_helpers import FIXTURE, ROOT, site_problems

from scripts.course import book, config, notebooks, students, sync

SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
NOTEBOOKS = [*SOLUTIONS, *sorted((ROOT / "chapters").glob("*.ipynb")), FIXTURE]
MIN_CHECK_CELLS = 3


def relative_name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_chapters_badges_and_readme_are_generated_from_the_solutions():
    problems = sync.sync_problems(config.Course.load(ROOT))
    assert problems == [], "\n".join(problems)


# --- check cells ---------------------------------------------------------------------------

CHECK_CALL = re.compile(r"\bcheck\.exercise_\d+_\d+\(")


def check_cell_problems(nb) -> list[str]:
    """Why the check cells of a solution notebook fall short (empty when they are fine)."""
    checks = [c for c in nb.cells if c.cell_type == "code" and CHECK_CALL.search(c.source)]
    problems = [] if len(checks) >= MIN_CHECK_CELLS else [f"{len(checks)} check cells, need {MIN_CHECK_CELLS}"]
    for check in checks:
        name = CHECK_CALL.search(check.source)[0].rstrip("(")
        text = "".join(
            str(output.get("text", "")) + str(output.get("data", {}).get("text/plain", "")) for output in check.outputs
        )
        if not any(students.is_check_output_marker(line) for line in check.source.splitlines()):
            problems.append(f"{name}: no # NBVAL_CHECK_OUTPUT, so nbval would not compare its output")
        if check.execution_count is None or "✅" not in text or "❌" in text or "⏳" in text:
            problems.append(f"{name}: stored output is {text.strip()!r}, not ✅")
    return problems


@pytest.mark.parametrize("solution", SOLUTIONS, ids=relative_name)
def test_solution_check_cells_all_say_correct(solution):
    problems = check_cell_problems(notebooks.read_notebook(solution))
    assert problems == [], "\n".join(problems)


def check_cell(source: str, text: str | None):
    cell = new_code_cell(source, execution_count=None if text is None else 1)
    cell.outputs = [] if text is None else [new_output("execute_result", {"text/plain": text}, execution_count=1)]
    return cell


def test_check_cell_problems_catches_wrong_unanswered_unmarked_and_too_few():
    marked = "# NBVAL_CHECK_OUTPUT\ncheck.exercise_1_{}(x)"
    good = [check_cell(marked.format(n), f"✅ Exercise 1.{n}: correct.") for n in (1, 2, 3)]
    assert check_cell_problems(new_notebook(cells=good)) == []
    for bad, problem in [
        (check_cell(marked.format(4), "❌ Exercise 1.4: 3 is too large."), "check.exercise_1_4: stored output"),
        (check_cell(marked.format(4), "⏳ Exercise 1.4: not answered yet."), "check.exercise_1_4: stored output"),
        (check_cell(marked.format(4), None), "check.exercise_1_4: stored output"),
        (
            check_cell("check.exercise_1_4(x)", "✅ Exercise 1.4: correct."),
            "check.exercise_1_4: no # NBVAL_CHECK_OUTPUT",
        ),
    ]:
        (found,) = check_cell_problems(new_notebook(cells=[*good, bad]))
        assert found.startswith(problem)
    assert check_cell_problems(new_notebook(cells=good[:2])) == ["2 check cells, need 3"]


# --- data come from genjax_gmm, never from a relative path ---------------------------------

FILE_READ = re.compile(
    r"\b(?:open|read_csv|read_table|read_json|read_excel|read_parquet|load|loadtxt|genfromtxt|fromfile|imread|Path)"
    r"\(\s*[rRbBfFuU]{0,2}(?P<quote>['\"])(?P<path>[^'\"]*)(?P=quote)"
)


def relative_data_reads(source: str) -> list[str]:
    """The calls in ``source`` that read a file by a relative path."""
    return [
        match[0]
        for match in FILE_READ.finditer(source)
        if not match["path"].startswith(("/", "http://", "https://"))
    ]


@pytest.mark.parametrize(
    "line",
    [
        'weights = np.loadtxt("data/bentos.csv")',
        "df = pd.read_csv('bentos.csv')",
        'with open("../data/x.txt") as f: pass',
        "arr = np.load(f'cache/{name}.npy')",
        'weights = np.genfromtxt(r"weights.txt", delimiter=",")',
        'path = Path("data") / "bentos.csv"',
    ],
)
def test_relative_data_reads_are_spotted(line):
    assert relative_data_reads(line) != []


@pytest.mark.parametrize(
    "line",
    ["weights = gg.MYSTERY_BENTO_WEIGHTS", "state = json.load(handle)", 'reader = open(path, "rb")'],
)
def test_package_data_and_non_literal_paths_pass(line):
    assert relative_data_reads(line) == []


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=relative_name)
def test_no_notebook_reads_a_relative_path(notebook):
    nb = notebooks.read_notebook(notebook)
    reads = [read for cell in nb.cells if cell.cell_type == "code" for read in relative_data_reads(cell.source)]
    assert reads == [], f"take data from genjax_gmm instead: {reads}"


# --- the book ------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.book
def test_the_book_builds_from_the_stored_outputs(tmp_path):
    the_course = config.Course.load(ROOT)
    index = book.build_site(the_course, tmp_path / "site", execute=False)
    assert index == tmp_path / "site" / "index.html"
    pages = sorted(page.name for page in (tmp_path / "site").glob("[0-9][0-9]_*.html"))
    assert pages == [solution.with_suffix(".html").name for solution in SOLUTIONS]
    assert site_problems(the_course, tmp_path / "site") == []


# --- nbval really compares numbers; the hang guard really fails a stuck notebook ------------


def nbval_run(
    folder: Path,
    nb,
    guard: float | None = None,
    names: tuple[str, ...] = ("stand_in.ipynb",),
    options: tuple[str, ...] = (),
) -> subprocess.CompletedProcess:
    """``pytest --nbval-lax`` on copies of ``nb`` named ``names`` (relative to ``folder``) alone,
    in ``folder`` beside a copy of tests/conftest.py, with pytest's ``options``."""
    for name in names:
        notebooks.write_notebook(nb, folder / name)
    shutil.copy(ROOT / "tests" / "conftest.py", folder / "conftest.py")
    environment = {key: value for key, value in os.environ.items() if key != "NOTEBOOK_HANG_GUARD_SECONDS"}
    if guard is not None:
        environment["NOTEBOOK_HANG_GUARD_SECONDS"] = str(guard)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-current-env", "-p", "no:cacheprovider"]
        + [*options, *names],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )


def fixture_with(cell_id: str, old: str, new: str, *, in_output: bool = False):
    """The stand-in notebook with ``old`` replaced by ``new`` in one cell's source or stored output."""
    nb = notebooks.read_notebook(FIXTURE)
    (cell,) = [c for c in nb.cells if c.id == cell_id]
    target = cell.outputs[0] if in_output else cell
    key = "text" if in_output else "source"
    assert target[key].count(old) == 1
    target[key] = target[key].replace(old, new)
    return nb


@pytest.mark.slow
def test_unaltered_stand_in_passes_and_its_time_is_reported(tmp_path):
    result = nbval_run(tmp_path, notebooks.read_notebook(FIXTURE))
    assert result.returncode == 0, result.stdout
    assert "notebook times (target alone on an idle 2-core machine" in result.stdout
    assert re.search(r"\d+\.\d s  target   20 s  stand_in\.ipynb\n", result.stdout)
    assert re.search(r"\d+\.\d s  total, 1 notebook\n", result.stdout)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("altered", "shown"),
    [
        (lambda: fixture_with("answer-0-1", "0.3 * 350", "0.3 * 351"), "❌ Exercise 0.1: 455.3 is too large."),
        (lambda: fixture_with("mean", "440.1", "440.2", in_output=True), "mean weight = 440.2 g"),
    ],
    ids=["wrong answer in the code", "wrong number in the stored output"],
)
def test_a_wrong_number_in_a_checked_cell_fails_nbval(tmp_path, altered, shown):
    result = nbval_run(tmp_path, altered())
    assert result.returncode == 1, result.stdout
    assert "Cell outputs differ" in result.stdout and shown in result.stdout
    assert "1 failed" in result.stdout


@pytest.mark.slow
def test_a_notebook_over_its_hang_guard_fails_the_run(tmp_path):
    result = nbval_run(tmp_path, notebooks.read_notebook(FIXTURE), guard=0.5)
    assert result.returncode == 1, result.stdout
    assert re.search(r"stand_in\.ipynb took \d+\.\d s, over its hang guard of 0\.5 s", result.stdout)
    assert "OVER THE HANG GUARD" in result.stdout and "1 error" in result.stdout and " failed" not in result.stdout


# Under pytest-xdist, as in `make test`: a pair of twins and another notebook on two workers.
TWINS_AND_ANOTHER = ("chapters/stand_in.ipynb", "solutions/stand_in.ipynb", "solutions/another.ipynb")
TWO_WORKERS = ("-n", "2", "-v")


def passed_cells(stdout: str) -> list[tuple[str, str, int]]:
    """(worker, notebook, cell number) of every passed cell, in the order xdist reports them,
    which for each worker is the order they ran in. (Its verbose lines print ``x.ipynb::Cell 3``
    as ``x::ipynb::Cell 3``.)"""
    found = re.findall(r"^\[(gw\d+)\] \[\s*\d+%\] PASSED (\S+?)(?:\.|::)ipynb::Cell (\d+)", stdout, flags=re.MULTILINE)
    return [(worker, f"{notebook}.ipynb", int(cell)) for worker, notebook, cell in found]


@pytest.mark.slow
def test_under_xdist_twins_share_a_worker_in_order_and_the_times_are_reported(tmp_path):
    nb = notebooks.read_notebook(FIXTURE)
    result = nbval_run(tmp_path, nb, names=TWINS_AND_ANOTHER, options=TWO_WORKERS)
    assert result.returncode == 0, result.stdout
    cells = passed_cells(result.stdout)
    code_cells = list(range(sum(cell.cell_type == "code" for cell in nb.cells)))
    for name in TWINS_AND_ANOTHER:  # every cell, in order, in one worker
        assert [cell for _, notebook, cell in cells if notebook == name] == code_cells, result.stdout
    workers = {name: {worker for worker, notebook, _ in cells if notebook == name} for name in TWINS_AND_ANOTHER}
    (twin_worker,) = workers["chapters/stand_in.ipynb"]
    assert workers["solutions/stand_in.ipynb"] == {twin_worker} and workers["solutions/another.ipynb"] != {twin_worker}
    twins = [notebook for worker, notebook, _ in cells if worker == twin_worker]
    assert twins == sorted(twins)  # the chapter's cells, then its solution twin's
    for name in TWINS_AND_ANOTHER:  # the controller prints the workers' times (a loaded machine may be over target)
        line = rf"\d+\.\d s  target   20 s  {re.escape(name)}(  over target \(not a failure[^\n]*)?\n"
        assert re.search(line, result.stdout), result.stdout
    assert re.search(r"\d+\.\d s  total, 3 notebooks\n", result.stdout)


@pytest.mark.slow
def test_under_xdist_a_notebook_over_its_hang_guard_fails_the_run(tmp_path):
    nb = notebooks.read_notebook(FIXTURE)
    result = nbval_run(tmp_path, nb, guard=0.5, names=TWINS_AND_ANOTHER, options=TWO_WORKERS)
    assert result.returncode == 1, result.stdout
    for name in TWINS_AND_ANOTHER:
        assert re.search(rf"{re.escape(name)} took \d+\.\d s, over its hang guard of 0\.5 s", result.stdout)
    assert result.stdout.count("OVER THE HANG GUARD") == 3
    assert "3 errors" in result.stdout and " failed" not in result.stdout
