#!/usr/bin/env python
"""Build the course from its single source, the solution notebooks in ``solutions/``.

Subcommands (paths are relative to the repository root):

  badges        put the "Open in Colab" badge and the Colab-only install cell on top of
                every solution notebook (idempotent: re-running replaces, never duplicates)
  students      generate ``chapters/`` from ``solutions/``: solution blocks become prompts,
                ``# NBVAL_CHECK_OUTPUT`` markers and outputs are removed
  readme-table  fill README.md's chapter table between its ``chapters:start/end`` markers
  check         exit 1 if ``chapters/``, the badges or the README table are out of date
  execute       run solution notebooks in a fresh kernel each and store their outputs in place
  build         build the course as a book (Sphinx + MyST-NB + sphinx-book-theme, see book.py)
                in build/site from freshly executed solutions (--no-execute: stored outputs)

The conventions these implement are in CONTRIBUTING.md. The repository slug and ref the
badges and the Colab install point to come from ``[tool.genjax-gmm-course]`` in pyproject.toml;
the versions Colab installs come from requirements/lock.txt.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

import ipykernel.kernelspec
import nbformat
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbformat import NotebookNode
from traitlets import default

import book

ROOT = Path(__file__).resolve().parents[1]

SOLUTION_BEGIN = "### BEGIN SOLUTION"
SOLUTION_END = "### END SOLUTION"
SOLUTION_TAG = "solution"
CODE_PROMPT = "# ✏️ Your code here"
ANSWER_PROMPT = "✏️ **Your answer:** *double-click this cell and write your answer here.*"
CHECK_OUTPUT_MARKER = "NBVAL_CHECK_OUTPUT"
CHECK_OUTPUT_TAG = "nbval-check-output"

BADGE_TAG = "colab-badge"
SETUP_TAG = "colab-setup"
COLAB_BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"
COLAB_PINNED_PACKAGES = ("genjax", "jax", "jaxlib")
"""Installed in Colab at the locked versions, with pyproject's ``colab-pins`` (numpy); Colab's
own matplotlib, scipy, ipywidgets … stay."""

README_START = "<!-- chapters:start -->"
README_END = "<!-- chapters:end -->"
NOTEBOOK_NAME = re.compile(r"^(\d{2})_[a-z0-9_]+\.ipynb$")
CELL_TIMEOUT_SECONDS = 600


class NotebookError(RuntimeError):
    """A notebook failed to execute, or carries an error output."""


# --- configuration -------------------------------------------------------------------------


@dataclass(frozen=True)
class Course:
    """A checkout of the course: where its notebooks live and where it is published."""

    root: Path
    package: str
    """The helper package's distribution name, e.g. ``genjax-gmm``."""
    repository: str
    """GitHub ``owner/name`` the badges and the Colab install point to."""
    ref: str
    """The branch or tag they point to."""
    pins: tuple[str, ...]
    """``name==version`` requirements the Colab setup cell installs (besides the package)."""

    @classmethod
    def load(cls, root: Path = ROOT) -> Course:
        """Read the course settings from ``root/pyproject.toml`` and the pins from the lock."""
        pyproject = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
        settings = pyproject.get("tool", {}).get("genjax-gmm-course", {})
        repository, ref = settings.get("repository", ""), settings.get("ref", "")
        if not re.fullmatch(r"[\w.-]+/[\w.-]+", repository):
            raise ValueError(
                f"pyproject.toml: [tool.genjax-gmm-course] repository must be 'owner/name', got {repository!r}"
            )
        if not re.fullmatch(r"[\w./-]+", ref):
            raise ValueError(f"pyproject.toml: [tool.genjax-gmm-course] ref must be a branch or tag, got {ref!r}")
        pins = locked_pins(root / "requirements" / "lock.txt", COLAB_PINNED_PACKAGES)
        colab_pins = tuple(settings.get("colab-pins", ()))
        malformed = [pin for pin in colab_pins if not re.fullmatch(r"[A-Za-z0-9_.-]+==[\w.]+", pin)]
        if malformed:
            raise ValueError(f"pyproject.toml: [tool.genjax-gmm-course] colab-pins must be name==version, got {malformed}")
        return cls(root, pyproject["project"]["name"], repository, ref, pins + colab_pins)

    @property
    def solutions(self) -> Path:
        return self.root / "solutions"

    @property
    def chapters(self) -> Path:
        return self.root / "chapters"

    def solution_paths(self) -> list[Path]:
        """The solution notebooks in chapter order; names must be ``NN_slug.ipynb``, NN unique."""
        paths = sorted(self.solutions.glob("*.ipynb"))
        numbers: dict[str, str] = {}
        for path in paths:
            match = NOTEBOOK_NAME.match(path.name)
            if match is None:
                raise ValueError(f"solutions/{path.name}: name it NN_slug.ipynb (e.g. 01_mystery_bentos.ipynb)")
            if match[1] in numbers:
                raise ValueError(f"solutions/{path.name} and solutions/{numbers[match[1]]} share number {match[1]}")
            numbers[match[1]] = path.name
        return paths

    def chapter_path(self, solution: Path) -> Path:
        return self.chapters / solution.name

    def relative(self, path: Path) -> str:
        return path.resolve().relative_to(self.root.resolve()).as_posix()

    def colab_url(self, path: Path) -> str:
        return f"https://colab.research.google.com/github/{self.repository}/blob/{self.ref}/{self.relative(path)}"

    def colab_badge(self, path: Path) -> str:
        return f"[![Open In Colab]({COLAB_BADGE_IMAGE})]({self.colab_url(path)})"

    def course_requirement(self) -> str:
        """The helper package at the configured repository and ref, as pip installs it in Colab."""
        return f"{self.package} @ git+https://github.com/{self.repository}@{self.ref}"


def locked_pins(lock: Path, names: tuple[str, ...]) -> tuple[str, ...]:
    """``name==version`` for each of ``names``, as pinned in the lock file."""
    versions = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        match = re.match(r"([A-Za-z0-9_.-]+)==(\S+)", line.strip())
        if match:
            versions[re.sub(r"[-_.]+", "-", match[1]).lower()] = match[2]
    missing = [name for name in names if name not in versions]
    if missing:
        raise ValueError(f"{lock}: no pinned version for {', '.join(missing)}")
    return tuple(f"{name}=={versions[name]}" for name in names)


# --- reading and writing notebooks ---------------------------------------------------------


def read_notebook(path: Path) -> NotebookNode:
    return nbformat.read(path, as_version=4)


def notebook_text(nb: NotebookNode) -> str:
    """The notebook as deterministic JSON (nbformat's layout: sorted keys, indent 1)."""
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"


def write_notebook(nb: NotebookNode, path: Path) -> bool:
    """Write ``nb`` to ``path`` unless the file already holds exactly that; True if written."""
    text = notebook_text(nb)
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True


def tags(cell: NotebookNode) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def with_cell_ids(nb: NotebookNode) -> NotebookNode:
    """A copy of ``nb`` in nbformat 4.5, every cell with an id (``cell-<index>`` where missing)."""
    nb = copy.deepcopy(nb)
    nb.nbformat_minor = max(nb.nbformat_minor, 5)
    for index, cell in enumerate(nb.cells):
        cell.setdefault("id", f"cell-{index}")
    return nb


# --- the Colab badge and setup cells -------------------------------------------------------

SETUP_SOURCE = """\
# Colab only: install the course's packages (about a minute, once per runtime).
# Elsewhere this cell does nothing.
import sys

if "google.colab" in sys.modules:
    import importlib
    import importlib.metadata
    import os
    import subprocess
    import time

    pins = {{
{pins}
    }}
    course_package = {course_package}

    def installed(distribution):
        try:
            return importlib.metadata.version(distribution)
        except importlib.metadata.PackageNotFoundError:
            return None

    if all(installed(name) == version for name, version in pins.items()) and installed({package}):
        print("The course's packages are installed:", ", ".join(f"{{n}} {{v}}" for n, v in pins.items()))
    else:
        # Distributions whose modules are already imported: if pip changes one, Python would
        # mix the old files in memory with the new ones on disk, so the runtime must restart.
        owners = importlib.metadata.packages_distributions()  # import name → distributions
        before = {{d: installed(d) for m in list(sys.modules) for d in owners.get(m, [])}}
        print("Installing", ", ".join(f"{{n}} {{v}}" for n, v in pins.items()), "and the course package…")
        start = time.perf_counter()
        requirements = [f"{{n}}=={{v}}" for n, v in pins.items()] + [course_package]
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *requirements], check=True)
        importlib.invalidate_caches()
        print(f"Installed in {{time.perf_counter() - start:.0f}} s.")
        print({resolver_note})
        changed = [f"{{d}} {{v}} → {{installed(d)}}" for d, v in sorted(before.items()) if installed(d) != v]
        if changed:
            print("Restarting the runtime, because these were already loaded:", ", ".join(changed) + ".")
            print("When Colab has reconnected, run this cell again (it will skip pip), then the rest.")
            sys.stdout.flush()
            time.sleep(1)  # let the message reach the notebook before the kernel goes
            os.kill(os.getpid(), 9)  # Colab's way to restart a runtime
    if "tensorflow" not in sys.modules:
        # tfp's JAX substrate, under genjax, imports TensorFlow only to copy its docstrings;
        # hiding it saves seconds and its log lines (the notebooks never use TensorFlow).
        sys.modules["tensorflow"] = None
        import genjax  # noqa: F401
        del sys.modules["tensorflow"]"""


RESOLVER_NOTE = (
    "A red 'ERROR: pip's dependency resolver' above concerns Colab packages the course does not use"
    " (numba, for one) and does not affect the course."
)


def colab_setup_source(course: Course) -> str:
    """The install cell's code: pins from the lock (and pyproject's Colab pins), the course package."""
    pairs = (pin.split("==") for pin in course.pins)
    pins = "\n".join(f"        {json.dumps(name)}: {json.dumps(version)}," for name, version in pairs)
    return SETUP_SOURCE.format(
        pins=pins,
        course_package=json.dumps(course.course_requirement()),
        package=json.dumps(course.package),
        resolver_note=json.dumps(RESOLVER_NOTE, ensure_ascii=False),
    )


def colab_cells(course: Course, path: Path) -> list[NotebookNode]:
    """The badge cell (opening ``path`` in Colab) and the Colab-only install cell."""
    return [
        nbformat.v4.new_markdown_cell(course.colab_badge(path), id=BADGE_TAG, metadata={"tags": [BADGE_TAG]}),
        nbformat.v4.new_code_cell(colab_setup_source(course), id=SETUP_TAG, metadata={"tags": [SETUP_TAG]}),
    ]


def with_colab_cells(nb: NotebookNode, course: Course, path: Path) -> NotebookNode:
    """A copy of ``nb`` whose first two cells are ``colab_cells(course, path)``.

    Earlier badge and setup cells (found by their tags) are removed; one that is already
    exactly right is kept as it is, with its outputs, so re-running changes nothing.
    """
    nb = with_cell_ids(nb)
    wanted = colab_cells(course, path)
    colab_tags = {BADGE_TAG, SETUP_TAG}
    existing = {tag: cell for cell in nb.cells for tag in tags(cell) if tag in colab_tags}
    top = []
    for cell in wanted:
        old = existing.get(tags(cell)[0])
        unchanged = old is not None and (old.id, old.source, tags(old)) == (cell.id, cell.source, tags(cell))
        top.append(old if unchanged else cell)
    nb.cells = top + [cell for cell in nb.cells if not colab_tags & set(tags(cell))]
    return nb


# --- the student notebook ------------------------------------------------------------------


def is_check_output_marker(line: str) -> bool:
    """True for a ``# NBVAL_CHECK_OUTPUT`` comment line, recognised as nbval does."""
    stripped = line.strip()
    return stripped.startswith("#") and stripped.lstrip("#").strip() == CHECK_OUTPUT_MARKER


def strip_solution_code(source: str) -> str:
    """``source`` with each BEGIN…END SOLUTION block replaced by a prompt at the block's indent."""
    kept, inside = [], False
    for number, line in enumerate(source.split("\n"), start=1):
        marker = line.strip()
        if marker == SOLUTION_BEGIN:
            if inside:
                raise ValueError(f"line {number}: {SOLUTION_BEGIN} inside an open solution block")
            inside = True
            kept.append(line[: len(line) - len(line.lstrip())] + CODE_PROMPT)
        elif marker == SOLUTION_END:
            if not inside:
                raise ValueError(f"line {number}: {SOLUTION_END} without a {SOLUTION_BEGIN} before it")
            inside = False
        elif not inside:
            kept.append(line)
    if inside:
        raise ValueError(f"{SOLUTION_BEGIN} without a matching {SOLUTION_END}")
    return "\n".join(kept)


def student_cell(cell: NotebookNode) -> NotebookNode:
    """The student's version of one solution cell: answers hidden, no outputs, no nbval marker."""
    cell_tags = tags(cell)
    if cell.cell_type == "code":
        if SOLUTION_TAG in cell_tags:
            raise ValueError(
                f"a code cell is tagged {SOLUTION_TAG!r}; mark its answer lines with "
                f"{SOLUTION_BEGIN} / {SOLUTION_END} instead"
            )
        lines = strip_solution_code(cell.source).split("\n")
        source = "\n".join(line for line in lines if not is_check_output_marker(line))
        student = nbformat.v4.new_code_cell(source, id=cell.id)
    elif cell.cell_type == "markdown":
        if any(line.strip() in (SOLUTION_BEGIN, SOLUTION_END) for line in cell.source.split("\n")):
            raise ValueError(f"solution markers in a markdown cell; tag the cell {SOLUTION_TAG!r} instead")
        if SOLUTION_TAG in cell_tags:
            student = nbformat.v4.new_markdown_cell(ANSWER_PROMPT, id=cell.id)
        else:
            student = nbformat.v4.new_markdown_cell(cell.source, id=cell.id)
            if "attachments" in cell:
                student.attachments = copy.deepcopy(cell.attachments)
    else:
        student = nbformat.v4.new_raw_cell(cell.source, id=cell.id)
    kept_tags = [tag for tag in cell_tags if tag not in (SOLUTION_TAG, CHECK_OUTPUT_TAG)]
    if kept_tags:
        student.metadata["tags"] = kept_tags
    return student


def student_notebook(solution: NotebookNode, course: Course, chapter_path: Path) -> NotebookNode:
    """The student notebook generated from a solution notebook, its badge opening ``chapter_path``."""
    student = with_colab_cells(solution, course, chapter_path)
    cells = []
    for index, cell in enumerate(student.cells):
        try:
            cells.append(student_cell(cell))
        except ValueError as error:
            raise ValueError(f"cell {index} (id {cell.id}): {error}") from None
    student.cells = cells
    student.metadata.pop("widgets", None)
    return student


def generate_student(course: Course, solution_path: Path) -> NotebookNode:
    try:
        return student_notebook(read_notebook(solution_path), course, course.chapter_path(solution_path))
    except ValueError as error:
        raise ValueError(f"{course.relative(solution_path)}, {error}") from None


# --- chapter titles and the README table ---------------------------------------------------


def chapter_summary(nb: NotebookNode, name: str) -> tuple[str, str]:
    """(title, description) from the first markdown cell: its ``# `` title and the paragraph below."""
    first = next((c for c in nb.cells if c.cell_type == "markdown" and BADGE_TAG not in tags(c)), None)
    lines = first.source.strip().split("\n") if first is not None else []
    if not lines or not lines[0].startswith("# "):
        raise ValueError(f"{name}: the first markdown cell must start with a '# Chapter N: …' title")
    paragraph: list[str] = []
    for line in lines[1:]:
        if line.strip():
            paragraph.append(line.strip())
        elif paragraph:
            break
    if not paragraph or re.match(r"#|[-*+]\s|\d+\.\s", paragraph[0]):
        raise ValueError(f"{name}: write a one-paragraph description of the chapter right under its title")
    return lines[0][2:].strip(), " ".join(paragraph)


def readme_table(course: Course) -> str:
    """The README's chapter table: title, description, Colab badges for exercises and solutions."""
    rows = ["| Chapter | What it is about | Exercises | Worked solutions |", "|---|---|---|---|"]
    for solution in course.solution_paths():
        title, description = chapter_summary(read_notebook(solution), solution.name)
        chapter = course.chapter_path(solution)
        cells = [
            f"[**{title}**]({course.relative(chapter)})",
            description,
            course.colab_badge(chapter),
            course.colab_badge(solution),
        ]
        rows.append("| " + " | ".join(cell.replace("|", r"\|") for cell in cells) + " |")
    return "\n".join(rows)


def with_readme_table(readme: str, table: str) -> str:
    """``readme`` with everything between the chapter markers replaced by ``table``."""
    if readme.count(README_START) != 1 or readme.count(README_END) != 1:
        raise ValueError(f"README.md needs exactly one {README_START} and one {README_END} line")
    start = readme.index(README_START) + len(README_START)
    end = readme.index(README_END)
    if end < start:
        raise ValueError(f"README.md: {README_END} comes before {README_START}")
    return f"{readme[:start]}\n{table}\n{readme[end:]}"


# --- execution -----------------------------------------------------------------------------


class _OneKernelSpec(KernelSpecManager):
    """Resolves every kernel name (whatever a notebook's metadata says) to one kernel spec."""

    def __init__(self, spec: KernelSpec, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._spec = spec

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        return self._spec


def this_interpreter_kernel() -> KernelSpec:
    """An IPython kernel running this very interpreter (the course's .venv)."""
    return KernelSpec(resource_dir=ipykernel.kernelspec.RESOURCES, **ipykernel.kernelspec.get_kernel_dict())


def _ipc_kernel_manager(spec: KernelSpec, sockets: str) -> type[AsyncKernelManager]:
    """A kernel manager class for ``spec``'s kernel over IPC, with its sockets in ``sockets``.

    A class, not an instance: nbclient shuts down the kernels of the managers it creates.
    """

    class IpcKernelManager(AsyncKernelManager):
        @default("kernel_spec_manager")
        def _default_kernel_spec_manager(self) -> KernelSpecManager:
            return _OneKernelSpec(spec)

        @default("transport")
        def _default_transport(self) -> str:
            return "ipc"

        @default("ip")
        def _default_ip(self) -> str:
            return f"{sockets}/socket"

    return IpcKernelManager


def run_notebook(nb: NotebookNode, cwd: Path, kernel: KernelSpec | None = None) -> None:
    """Run ``nb`` top to bottom in place, in a fresh kernel (working directory ``cwd``).

    The kernel is ``kernel`` (default: this interpreter's), reached over IPC (local sockets),
    so it does not warn about unencrypted TCP. Outputs arrive in ``nb`` as the cells print them;
    nbclient's errors (a failing cell, a dying kernel) propagate.
    """
    with tempfile.TemporaryDirectory(prefix="course-kernel-") as sockets:
        NotebookClient(
            nb,
            kernel_manager_class=_ipc_kernel_manager(kernel or this_interpreter_kernel(), sockets),
            timeout=CELL_TIMEOUT_SECONDS,
            record_timing=False,  # no timestamps: re-executing an unchanged notebook changes nothing
            store_widget_state=False,
            resources={"metadata": {"path": str(cwd)}},
        ).execute()


def execute_notebook(nb: NotebookNode, cwd: Path, name: str, kernel: KernelSpec | None = None) -> NotebookNode:
    """A copy of ``nb`` run by ``run_notebook``; a failing cell raises ``NotebookError`` naming ``name``."""
    executed = copy.deepcopy(nb)
    try:
        run_notebook(executed, cwd, kernel)
    except CellExecutionError as error:
        raise NotebookError(f"{name} failed:\n{error}") from None
    return executed


def error_cells(nb: NotebookNode) -> list[int]:
    """Indices of the cells with an error output."""
    return [
        index
        for index, cell in enumerate(nb.cells)
        if any(output.output_type == "error" for output in cell.get("outputs", []))
    ]


# --- the book -----------------------------------------------------------------------------


def course_title(course: Course) -> str:
    """The README's first ``# `` heading."""
    for line in (course.root / "README.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    raise ValueError("README.md has no '# ' title")


def build_site(course: Course, out: Path, execute: bool) -> Path:
    """Build the book from the solution notebooks (executed afresh, or as stored) in ``out``.

    Returns the index page. Refuses a notebook that fails or that stores an error output.
    """
    chapters = []
    for path in course.solution_paths():
        nb = timed_execution(course, path) if execute else read_notebook(path)
        broken = error_cells(nb)
        if broken:
            raise NotebookError(f"{course.relative(path)}: cells {broken} hold error outputs")
        title, description = chapter_summary(nb, path.name)
        exercises = course.colab_url(course.chapter_path(path))
        chapters.append(book.Chapter(path.name, nb, title, description, exercises, frozenset({BADGE_TAG, SETUP_TAG})))
    the_book = book.Book(
        course_title(course), course.repository, course.ref, course.relative(course.solutions), COLAB_BADGE_IMAGE, chapters
    )
    return book.build_book(the_book, out)


def timed_execution(course: Course, path: Path) -> NotebookNode:
    start = time.perf_counter()
    executed = execute_notebook(read_notebook(path), path.parent, course.relative(path))
    print(f"executed {course.relative(path)} in {time.perf_counter() - start:.1f} s")
    return executed


# --- keeping everything in sync ------------------------------------------------------------


def sync_problems(course: Course) -> list[str]:
    """What is stale: chapters/ against solutions/, the badges, the README table."""
    problems = []
    solutions = course.solution_paths()
    names = {path.name for path in solutions}
    for chapter in sorted(course.chapters.glob("*.ipynb")):
        if chapter.name not in names:
            problems.append(f"chapters/{chapter.name} has no solutions/{chapter.name}")
    for solution in solutions:
        chapter = course.chapter_path(solution)
        if not chapter.exists():
            problems.append(f"chapters/{chapter.name} is missing: run `make students`")
        elif chapter.read_text(encoding="utf-8") != notebook_text(generate_student(course, solution)):
            problems.append(
                f"chapters/{chapter.name} is not what `make students` generates from solutions/{solution.name}"
                " (never edit chapters/ by hand)"
            )
        nb = read_notebook(solution)
        if with_colab_cells(nb, course, solution) != nb:
            problems.append(f"solutions/{solution.name} lacks the current Colab cells: run `make students`")
    readme = (course.root / "README.md").read_text(encoding="utf-8")
    if with_readme_table(readme, readme_table(course)) != readme:
        problems.append("README.md's chapter table is stale: run `scripts/course.py readme-table`")
    return problems


# --- command line --------------------------------------------------------------------------


def selected_solutions(course: Course, names: list[str]) -> list[Path]:
    """The solution notebooks named in ``names`` (``03_gaussians`` or a path to it); all if none."""
    paths = course.solution_paths()
    if not names:
        return paths
    wanted = {Path(name).stem for name in names}
    unknown = wanted - {path.stem for path in paths}
    if unknown:
        raise ValueError(f"no solution notebook named {', '.join(sorted(unknown))}")
    return [path for path in paths if path.stem in wanted]


def command_badges(course: Course, args: argparse.Namespace) -> int:
    for path in selected_solutions(course, args.notebooks):
        changed = write_notebook(with_colab_cells(read_notebook(path), course, path), path)
        print(f"{'updated' if changed else 'unchanged'} {course.relative(path)}")
    return 0


def command_students(course: Course, args: argparse.Namespace) -> int:
    for solution in selected_solutions(course, args.notebooks):
        chapter = course.chapter_path(solution)
        changed = write_notebook(generate_student(course, solution), chapter)
        print(f"{'wrote' if changed else 'unchanged'} {course.relative(chapter)}")
    if args.notebooks:
        return 0
    names = {path.name for path in course.solution_paths()}
    for orphan in sorted(course.chapters.glob("*.ipynb")):
        if orphan.name not in names:
            orphan.unlink()
            print(f"removed {course.relative(orphan)} (no solution notebook)")
    return 0


def command_readme_table(course: Course, args: argparse.Namespace) -> int:
    readme = course.root / "README.md"
    text = readme.read_text(encoding="utf-8")
    updated = with_readme_table(text, readme_table(course))
    if updated != text:
        readme.write_text(updated, encoding="utf-8")
    print(f"{'updated' if updated != text else 'unchanged'} README.md chapter table")
    return 0


def command_check(course: Course, args: argparse.Namespace) -> int:
    problems = sync_problems(course)
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print("chapters/, badges and README table are up to date")
    return 1 if problems else 0


def command_execute(course: Course, args: argparse.Namespace) -> int:
    paths = selected_solutions(course, args.notebooks)
    start = time.perf_counter()
    for path in paths:
        write_notebook(timed_execution(course, path), path)
    print(f"total {time.perf_counter() - start:.1f} s for {len(paths)} notebook(s)")
    return 0


def command_build(course: Course, args: argparse.Namespace) -> int:
    out = args.out or course.root / "build" / "site"
    index = build_site(course, out, execute=not args.no_execute)
    print(f"built the book: open {index} or run `python -m http.server -d {out}`")
    return 0


COMMANDS = {
    "badges": (command_badges, "insert or refresh the Colab badge and setup cells in solutions/"),
    "students": (command_students, "generate chapters/ from solutions/"),
    "readme-table": (command_readme_table, "fill README.md's chapter table"),
    "check": (command_check, "exit 1 if chapters/, badges or the README table are stale"),
    "execute": (command_execute, "execute solution notebooks in place (fresh kernel each)"),
    "build": (command_build, "build the course as a book in build/site"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--root", type=Path, default=ROOT, help="repository root (default: this checkout)")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, (_, help_text) in COMMANDS.items():
        command = commands.add_parser(name, help=help_text, description=help_text)
        if name in ("badges", "students", "execute"):
            command.add_argument("notebooks", nargs="*", help="names like 03_gaussians (default: all)")
        if name == "build":
            command.add_argument(
                "--no-execute", action="store_true", help="use the outputs stored in solutions/ (fast)"
            )
            command.add_argument("--out", type=Path, help="output folder (default: build/site)")
    args = parser.parse_args(argv)
    run, _ = COMMANDS[args.command]
    try:
        return run(Course.load(args.root.resolve()), args)
    except (ValueError, NotebookError) as error:
        print(f"course.py {args.command}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
