"""scripts/course/ on the stand-in notebook: student generation, Colab cells, README table,
execution and the book."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
import types

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from pipeline_helpers import FIXTURE, ROOT, figure_outputs, search_index, sidebar, site_problems, stand_in_course

from scripts.course import book, cli, colab, config, execute, notebooks, readme, students


@pytest.fixture
def tmp_course(tmp_path) -> config.Course:
    return stand_in_course(tmp_path)


@pytest.fixture(scope="module")
def solution() -> nbformat.NotebookNode:
    return notebooks.read_notebook(FIXTURE)


def cell(nb, cell_id: str):
    return next(c for c in nb.cells if c.id == cell_id)


@dataclasses.dataclass(frozen=True)
class CliResult:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def run_cli(capfd):
    """Run ``python -m scripts.course --root <course> ARGS`` in this process; its exit code and output
    (captured at the file descriptors, so a kernel's messages count too)."""

    def run(the_course: config.Course, *args: str) -> CliResult:
        returncode = cli.main(["--root", str(the_course.root), *args])
        return CliResult(returncode, *capfd.readouterr())

    return run


# --- solution blocks -----------------------------------------------------------------------


def test_solution_blocks_become_prompts_at_their_indentation():
    source = (
        "answer = None\n### BEGIN SOLUTION\nanswer = 42\n### END SOLUTION\n"
        "def f(x):\n    y = None\n    ### BEGIN SOLUTION\n    y = 2 * x\n    ### END SOLUTION\n    return y"
    )
    assert students.strip_solution_code(source) == (
        "answer = None\n# ✏️ Your code here\n"
        "def f(x):\n    y = None\n    # ✏️ Your code here\n    return y"
    )


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("### BEGIN SOLUTION\nx = 1", "without a matching"),
        ("x = 1\n### END SOLUTION", "line 2: ### END SOLUTION without"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "line 2: ### BEGIN SOLUTION inside"),
    ],
)
def test_unbalanced_solution_markers_are_refused(source, problem):
    with pytest.raises(ValueError, match=problem):
        students.strip_solution_code(source)


def test_a_code_cell_tagged_solution_is_refused():
    with pytest.raises(ValueError, match="code cell is tagged 'solution'"):
        students.student_cell(new_code_cell("x = 1", metadata={"tags": ["solution"]}))


def test_solution_markers_in_markdown_are_refused():
    with pytest.raises(ValueError, match="markdown cell"):
        students.student_cell(new_markdown_cell("### BEGIN SOLUTION\nThe answer.\n### END SOLUTION"))


def test_errors_name_the_notebook_and_the_cell(tmp_course):
    path = tmp_course.solutions / "01_stand_in.ipynb"
    nb = notebooks.read_notebook(path)
    nb.cells.append(new_code_cell("### BEGIN SOLUTION\nx = 1", id="broken"))
    notebooks.write_notebook(nb, path)
    with pytest.raises(ValueError, match=r"solutions/01_stand_in.ipynb, cell \d+ \(id broken\)"):
        students.generate_student(tmp_course, path)


# --- the student notebook ------------------------------------------------------------------


def test_student_notebook_hides_every_answer(tmp_course, solution):
    student = students.student_notebook(solution, tmp_course, tmp_course.chapters / "01_stand_in.ipynb")
    text = "\n".join(c.source for c in student.cells)
    for answer in ("0.7 * 500 + 0.3 * 350", "455.0 * np.asarray", 'typical_weight = "500 g"', "empty valley"):
        assert answer in "\n".join(c.source for c in solution.cells)
        assert answer not in text
    assert "SOLUTION" not in text
    assert students.CHECK_OUTPUT_MARKER not in text
    assert cell(student, "answer-0-3-words").source == students.ANSWER_PROMPT
    assert all(students.SOLUTION_TAG not in notebooks.tags(c) for c in student.cells)  # the tag goes too
    assert "expected_weight = None\n# ✏️ Your code here" in cell(student, "answer-0-1").source
    assert "    totals = None\n    # ✏️ Your code here\n    return totals" in cell(student, "answer-0-2").source


def test_student_notebook_has_no_outputs_and_keeps_the_cell_ids(tmp_course, solution):
    student = students.student_notebook(solution, tmp_course, tmp_course.chapters / "01_stand_in.ipynb")
    code = [c for c in student.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code)
    assert [c.id for c in student.cells] == [notebooks.BADGE_TAG, notebooks.SETUP_TAG] + [c.id for c in solution.cells]


def test_student_generation_is_deterministic(tmp_course):
    path = tmp_course.solutions / "01_stand_in.ipynb"
    first = notebooks.notebook_text(students.generate_student(tmp_course, path))
    assert notebooks.notebook_text(students.generate_student(tmp_course, path)) == first


def test_untouched_student_notebook_runs_and_says_not_answered(tmp_path, tmp_course, solution):
    student = students.student_notebook(solution, tmp_course, tmp_course.chapters / "01_stand_in.ipynb")
    executed = execute.execute_notebook(student, tmp_path, "student copy")
    checks = [c for c in executed.cells if c.id.startswith("check-")]
    assert len(checks) == 3
    for check in checks:
        (output,) = check.outputs
        assert output.data["text/plain"].startswith("⏳") and "not answered yet" in output.data["text/plain"]


# --- Colab cells ---------------------------------------------------------------------------


def colab_tagged(nb) -> list[str]:
    return [tag for c in nb.cells for tag in notebooks.tags(c) if tag in (notebooks.BADGE_TAG, notebooks.SETUP_TAG)]


def test_colab_cells_go_on_top_once_and_rerunning_changes_nothing(tmp_course, solution):
    path = tmp_course.solutions / "01_stand_in.ipynb"
    once = colab.with_colab_cells(solution, tmp_course, path)
    assert colab_tagged(once) == [notebooks.BADGE_TAG, notebooks.SETUP_TAG]
    assert [c.id for c in once.cells[:2]] == [notebooks.BADGE_TAG, notebooks.SETUP_TAG]
    assert once.cells[2:] == solution.cells
    assert notebooks.notebook_text(colab.with_colab_cells(once, tmp_course, path)) == notebooks.notebook_text(once)


def test_stale_and_duplicated_colab_cells_are_replaced(tmp_course, solution):
    path = tmp_course.solutions / "01_stand_in.ipynb"
    old_home = dataclasses.replace(tmp_course, repository="someone/old-home", ref="v0")
    stale = colab.with_colab_cells(solution, old_home, path)
    stale.cells.insert(5, nbformat.from_dict(dict(stale.cells[0], id="badge-copy")))
    refreshed = colab.with_colab_cells(stale, tmp_course, path)
    assert colab_tagged(refreshed) == [notebooks.BADGE_TAG, notebooks.SETUP_TAG]
    assert "old-home" not in notebooks.notebook_text(refreshed)
    assert refreshed == colab.with_colab_cells(solution, tmp_course, path)


def test_an_executed_setup_cell_is_kept_with_its_execution_count(tmp_course, solution):
    path = tmp_course.solutions / "01_stand_in.ipynb"
    nb = colab.with_colab_cells(solution, tmp_course, path)
    nb.cells[1].execution_count = 1
    assert colab.with_colab_cells(nb, tmp_course, path) == nb


def test_badges_link_their_own_folder_and_follow_the_configured_repository(tmp_course):
    fork = dataclasses.replace(tmp_course, repository="a-fork/course", ref="teaching-2025")
    solution_path = tmp_course.solutions / "01_stand_in.ipynb"
    chapter_path = tmp_course.chapters / "01_stand_in.ipynb"
    prefix = "https://colab.research.google.com/github/a-fork/course/blob/teaching-2025/"
    badge, setup = colab.colab_cells(fork, solution_path)
    assert f"({prefix}solutions/01_stand_in.ipynb)" in badge.source
    assert f"({prefix}chapters/01_stand_in.ipynb)" in colab.colab_cells(fork, chapter_path)[0].source
    assert '"genjax-gmm @ git+https://github.com/a-fork/course@teaching-2025"' in setup.source


def test_course_settings_come_from_pyproject_and_the_lock(tmp_course):
    text = (tmp_course.root / "pyproject.toml").read_text()
    (tmp_course.root / "pyproject.toml").write_text(
        text.replace('repository = "genjax-gmm/genjax-gmm-course"', 'repository = "fork/elsewhere"')
    )
    assert config.Course.load(tmp_course.root).repository == "fork/elsewhere"
    (tmp_course.root / "pyproject.toml").write_text(text.replace('ref = "main"', 'ref = "not a ref"'))
    with pytest.raises(ValueError, match="ref must be a branch or tag"):
        config.Course.load(tmp_course.root)


def test_pins_are_read_from_the_lock(tmp_path):
    lock = tmp_path / "lock.txt"
    lock.write_text("# comment\nGenJAX==1.0.14\njax==0.11.2\njaxlib==0.11.2\nnumpy==2.0.0\n")
    assert config.locked_pins(lock, ("genjax", "jax", "jaxlib")) == ("genjax==1.0.14", "jax==0.11.2", "jaxlib==0.11.2")
    with pytest.raises(ValueError, match="no pinned version for scipy"):
        config.locked_pins(lock, ("jax", "scipy"))


COLAB_CELL_PINS = {"genjax": "1.2.3", "jax": "0.4.5", "jaxlib": "0.4.6", "numpy": "2.7.8"}
"""The pins of the install cells tested here: made up, so that a lock bump changes nothing below, and
unlike any real version, so that a version the cell printed can only have come from its pins."""


@dataclasses.dataclass
class FakeColab:
    """What the install cell sees and does: installed versions, pip calls, kills, what it printed."""

    versions: dict[str, str]
    installs: dict[str, str]
    """The versions a pip run leaves behind."""
    pip_calls: list[list[str]] = dataclasses.field(default_factory=list)
    kills: list[tuple[int, int]] = dataclasses.field(default_factory=list)


def run_setup_cell(source: str, runtime: FakeColab, monkeypatch, tmp_path, capsys) -> str:
    """Execute the install cell against ``runtime``'s fake pip, metadata and os.kill; its printout.

    A stand-in ``genjax`` module on sys.path records whether it could import TensorFlow.
    """
    import importlib.metadata
    import os

    def version(name):
        if name not in runtime.versions:
            raise importlib.metadata.PackageNotFoundError(name)
        return runtime.versions[name]

    def pip(command, check):
        runtime.pip_calls.append(command)
        runtime.versions.update(runtime.installs)

    monkeypatch.setattr(importlib.metadata, "version", version)
    monkeypatch.setattr(importlib.metadata, "packages_distributions", lambda: {"numpy": ["numpy"], "os": []})
    monkeypatch.setattr(subprocess, "run", pip)
    monkeypatch.setattr(os, "kill", lambda pid, signal: runtime.kills.append((pid, signal)))
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    (tmp_path / "genjax.py").write_text(
        "try:\n    import tensorflow\n    TENSORFLOW = 'imported'\nexcept ImportError:\n    TENSORFLOW = 'hidden'\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "genjax", raising=False)
    monkeypatch.setitem(sys.modules, "numpy", sys.modules.get("numpy") or types.ModuleType("numpy"))
    exec(compile(source, "<colab-setup>", "exec"), {})
    return capsys.readouterr().out


@pytest.fixture
def setup_source(tmp_course) -> str:
    pins = tuple(f"{name}=={version}" for name, version in COLAB_CELL_PINS.items())
    pinned = dataclasses.replace(tmp_course, pins=pins)
    return colab.colab_cells(pinned, tmp_course.solutions / "01_stand_in.ipynb")[1].source


COURSE_PACKAGE = "genjax-gmm @ git+https://github.com/genjax-gmm/genjax-gmm-course@main"


def test_setup_cell_does_nothing_outside_colab(setup_source, monkeypatch, tmp_path, capsys):
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    runtime = FakeColab(versions={"numpy": "2.0.2"}, installs={"numpy": "2.7.8"})
    assert run_setup_cell(setup_source, runtime, monkeypatch, tmp_path, capsys) == ""
    assert runtime.pip_calls == [] and runtime.kills == [] and "genjax" not in sys.modules


def test_setup_cell_installs_then_restarts_when_a_loaded_module_changed(setup_source, monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    installs = {**COLAB_CELL_PINS, "genjax-gmm": "0.1.0"}
    runtime = FakeColab(versions={"numpy": "2.0.2", "jax": "0.5.3"}, installs=installs)
    printed = run_setup_cell(setup_source, runtime, monkeypatch, tmp_path, capsys)
    pins = [f"{name}=={version}" for name, version in COLAB_CELL_PINS.items()]
    assert runtime.pip_calls == [[sys.executable, "-m", "pip", "install", "--quiet", *pins, COURSE_PACKAGE]]
    assert runtime.kills == [(os.getpid(), 9)]
    assert re.search(r"Installed in \d+ s\.", printed)
    assert "dependency resolver" in printed and "does not affect the course" in printed
    assert "Restarting the runtime, because these were already loaded: numpy 2.0.2 → 2.7.8." in printed
    assert "run this cell again" in printed


def test_setup_cell_installs_without_restart_when_nothing_loaded_changed(setup_source, monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    installs = {**COLAB_CELL_PINS, "genjax-gmm": "0.1.0"}
    runtime = FakeColab(versions={"numpy": COLAB_CELL_PINS["numpy"]}, installs=installs)
    printed = run_setup_cell(setup_source, runtime, monkeypatch, tmp_path, capsys)
    assert len(runtime.pip_calls) == 1 and runtime.kills == []
    assert "Restarting" not in printed
    assert sys.modules["genjax"].TENSORFLOW == "hidden" and "tensorflow" not in sys.modules


def test_setup_cell_skips_pip_when_the_pins_are_installed(setup_source, monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    runtime = FakeColab(versions={**COLAB_CELL_PINS, "genjax-gmm": "0.1.0"}, installs={"numpy": "9.9.9"})
    printed = run_setup_cell(setup_source, runtime, monkeypatch, tmp_path, capsys)
    assert runtime.pip_calls == [] and runtime.kills == []
    assert printed == "The course's packages are installed: genjax 1.2.3, jax 0.4.5, jaxlib 0.4.6, numpy 2.7.8\n"
    assert sys.modules["genjax"].TENSORFLOW == "hidden" and "tensorflow" not in sys.modules


def with_colab_pins(course: config.Course, pins: str) -> None:
    """Set ``colab-pins`` in the course's pyproject.toml to ``pins`` (TOML)."""
    pyproject = course.root / "pyproject.toml"
    text, count = re.subn(r"(?m)^colab-pins = .*$", f"colab-pins = {pins}", pyproject.read_text())
    assert count == 1
    pyproject.write_text(text)


def test_setup_cell_pins_come_from_the_lock_and_pyproject(tmp_course):
    lock = tmp_course.root / "requirements" / "lock.txt"
    lock.write_text("# comment\nGenJAX==1.2.3\njax==0.4.5\nnumpy==2.0.0\njaxlib==0.4.6\n")
    with_colab_pins(tmp_course, '["numpy==2.7.8"]')
    loaded = config.Course.load(tmp_course.root)
    assert loaded.pins == ("genjax==1.2.3", "jax==0.4.5", "jaxlib==0.4.6", "numpy==2.7.8")
    source = colab.colab_cells(loaded, loaded.solutions / "01_stand_in.ipynb")[1].source
    pins = '"genjax": "1.2.3",\n        "jax": "0.4.5",\n        "jaxlib": "0.4.6",\n        "numpy": "2.7.8",\n'
    assert pins in source
    with_colab_pins(tmp_course, '["numpy>=2"]')
    with pytest.raises(ValueError, match="colab-pins must be name==version"):
        config.Course.load(tmp_course.root)


# --- README table --------------------------------------------------------------------------


def test_readme_table_lists_each_chapter_with_its_badges_and_is_idempotent(tmp_course):
    table = readme.readme_table(tmp_course)
    row = table.splitlines()[2]
    assert "[**Chapter 0: A stand-in chapter**](chapters/01_stand_in.ipynb)" in row
    assert "A tiny notebook that exercises the course pipeline" in row
    assert "blob/main/chapters/01_stand_in.ipynb" in row and "blob/main/solutions/01_stand_in.ipynb" in row
    text = "# Course\n\nIntro.\n\n<!-- chapters:start -->\nold table\n<!-- chapters:end -->\n\nMore.\n"
    filled = readme.with_readme_table(text, table)
    assert filled == f"# Course\n\nIntro.\n\n<!-- chapters:start -->\n{table}\n<!-- chapters:end -->\n\nMore.\n"
    assert readme.with_readme_table(filled, table) == filled


def test_readme_without_markers_is_refused():
    with pytest.raises(ValueError, match="chapters:start"):
        readme.with_readme_table("# Course\n", "| table |")


def test_title_and_description_come_from_the_first_markdown_cell():
    nb = new_notebook(cells=[new_markdown_cell("# Chapter 9: Title\n\nFirst line\nsecond line.\n\nGoals.")])
    assert notebooks.chapter_summary(nb, "x") == ("Chapter 9: Title", "First line second line.")
    for source in ("No title here.", "# Title only", "# Title\n\n- a list is not a description"):
        with pytest.raises(ValueError, match="x: "):
            notebooks.chapter_summary(new_notebook(cells=[new_markdown_cell(source)]), "x")


# --- the command line, end to end ----------------------------------------------------------


def test_badges_students_and_readme_table_are_idempotent_and_make_check_pass(tmp_course, run_cli):
    assert run_cli(tmp_course, "check").returncode == 1
    for command in ("badges", "students", "readme-table"):
        assert run_cli(tmp_course, command).returncode == 0
    texts = {p: p.read_text() for p in tmp_course.root.rglob("*") if p.suffix in (".ipynb", ".md")}
    for command in ("badges", "students", "readme-table"):
        assert "unchanged" in run_cli(tmp_course, command).stdout
    assert {p: p.read_text() for p in texts} == texts
    result = run_cli(tmp_course, "check")
    assert result.returncode == 0, result.stderr


def test_check_reports_a_hand_edited_chapter_and_an_orphan(tmp_course, run_cli):
    for command in ("badges", "students", "readme-table"):
        run_cli(tmp_course, command)
    chapter = tmp_course.chapters / "01_stand_in.ipynb"
    chapter.write_text(chapter.read_text().replace("Your code here", "My code here"))
    (tmp_course.chapters / "02_orphan.ipynb").write_text(chapter.read_text())
    result = run_cli(tmp_course, "check")
    assert result.returncode == 1
    assert "chapters/01_stand_in.ipynb is not what `make students` generates" in result.stderr
    assert "chapters/02_orphan.ipynb has no solutions/02_orphan.ipynb" in result.stderr
    run_cli(tmp_course, "students")
    assert not (tmp_course.chapters / "02_orphan.ipynb").exists()
    assert run_cli(tmp_course, "check").returncode == 0


def test_badly_named_solutions_are_refused(tmp_course, run_cli):
    (tmp_course.solutions / "Chapter 2.ipynb").write_text(FIXTURE.read_text())
    result = run_cli(tmp_course, "students")
    assert result.returncode == 1 and "name it NN_slug.ipynb" in result.stderr


def test_execute_stores_the_same_outputs_quietly(tmp_course, run_cli):
    path = tmp_course.solutions / "01_stand_in.ipynb"
    path.write_text(path.read_text().replace("✅ Exercise 0.1: correct.", "stale output"))
    result = run_cli(tmp_course, "execute", "01_stand_in")
    assert result.returncode == 0, result.stderr
    expected = r"executed solutions/01_stand_in.ipynb in \d+\.\d s\ntotal \d+\.\d s for 1 notebook\(s\)\n"
    assert re.fullmatch(expected, result.stdout)
    assert result.stderr == ""  # e.g. no "Kernel is running over TCP without encryption"
    executed, stored = notebooks.read_notebook(path), notebooks.read_notebook(FIXTURE)
    for cell_id in ("mean", "check-0-1", "check-0-2", "check-0-3"):
        assert cell(executed, cell_id).outputs == cell(stored, cell_id).outputs


@pytest.mark.book
def test_the_book_has_toc_search_launch_links_figures_and_offline_maths(tmp_course, run_cli):
    assert run_cli(tmp_course, "badges").returncode == 0  # the Colab cells the pages must hide
    site = tmp_course.root / "site"
    result = run_cli(tmp_course, "build", "--no-execute", "--out", str(site))
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"built the book: open {site / 'index.html'} or run `python -m http.server -d {site}`\n"
    assert figure_outputs(notebooks.read_notebook(FIXTURE)) == 1
    assert site_problems(tmp_course, site) == []
    page = (site / "01_stand_in.html").read_text()
    assert "<title>Chapter 0: A stand-in chapter" in page
    source = (site / "_sources" / "01_stand_in.ipynb").read_text()
    assert "Elsewhere this cell does nothing" in source  # hidden, not lost
    assert "stand" in search_index(site)["terms"]  # full text: a word of the chapter's body is indexed
    index = (site / "index.html").read_text()
    assert '<img alt="Open the exercises of Chapter 0 in Colab" src="_images/colab-badge.svg"' in index  # offline too
    assert (site / "_images" / "colab-badge.svg").read_bytes() == book.BADGE_IMAGE.read_bytes()
    assert f'href="{tmp_course.colab_url(tmp_course.chapters / "01_stand_in.ipynb")}"' in index


@pytest.mark.book
def test_a_new_solution_joins_the_book_and_a_broken_book_is_caught(tmp_course):
    second = notebooks.read_notebook(FIXTURE)
    title = second.cells[0].source
    second.cells[0].source = title.replace("Chapter 0: A stand-in chapter", "Chapter 7: Appears by itself")
    notebooks.write_notebook(second, tmp_course.solutions / "07_appears.ipynb")
    site = tmp_course.root / "site"
    book.build_site(tmp_course, site, execute=False)
    assert site_problems(tmp_course, site) == []
    assert 'href="07_appears.html"' in sidebar((site / "01_stand_in.html").read_text())
    (figure,) = (site / "_images").glob("*.png")
    figure.unlink()
    page = site / "07_appears.html"
    page.write_text(page.read_text().replace("colab.research.google.com/github", "elsewhere.example/github"))
    index = site / "index.html"
    web_badge = "https://colab.research.google.com/assets/colab-badge.svg"
    index.write_text(index.read_text().replace('src="_images/colab-badge.svg"', f'src="{web_badge}"', 1))
    launch = tmp_course.colab_url(tmp_course.solutions / "07_appears.ipynb")
    assert site_problems(tmp_course, site) == [
        f"index.html loads scripts or images from elsewhere: ['{web_badge}']",
        "index.html shows 1 exercise badges from files of the book, for 2 chapters",
        "01_stand_in.html shows 0 figure files among 1 images, its notebook has 1",
        f"07_appears.html has no Colab launch link to {launch}",
        "07_appears.html shows 0 figure files among 1 images, its notebook has 1",
    ]


def test_build_refuses_a_notebook_that_fails(tmp_course, run_cli):
    nb = new_notebook(cells=[new_markdown_cell("# Chapter 2: Broken\n\nIt divides by zero."), new_code_cell("1 / 0")])
    (tmp_course.solutions / "01_stand_in.ipynb").unlink()  # only the broken one, to fail fast
    notebooks.write_notebook(nb, tmp_course.solutions / "02_broken.ipynb")
    result = run_cli(tmp_course, "build", "--out", str(tmp_course.root / "site"))
    assert result.returncode == 1
    assert "solutions/02_broken.ipynb failed" in result.stderr and "ZeroDivisionError" in result.stderr


def test_build_refuses_stored_error_outputs(tmp_course):
    path = tmp_course.solutions / "01_stand_in.ipynb"
    nb = notebooks.read_notebook(path)
    cell(nb, "mean").outputs = [nbformat.v4.new_output("error", ename="ValueError", evalue="x", traceback=[])]
    notebooks.write_notebook(nb, path)
    with pytest.raises(execute.NotebookError, match=r"01_stand_in.ipynb: cells \[3\] hold error outputs"):
        book.build_site(tmp_course, tmp_course.root / "site", execute=False)


def test_the_tools_run_as_a_program_from_the_repository_root(tmp_course):
    result = subprocess.run(
        [sys.executable, "-m", "scripts.course", "--root", str(tmp_course.root), "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1 and "chapters/01_stand_in.ipynb is missing" in result.stderr
