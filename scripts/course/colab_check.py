"""Run every solution notebook in an emulated fresh Google Colab runtime, install cell first.

``make colab-check`` or ``python -m scripts.course colab-check [NAME …]`` (minutes, several GB;
not part of ``make test``):

1. A base runtime, ``build/colab/base``: a Python 3.12 venv holding Colab's preinstalled
   versions from ``requirements/colab.txt``, installed from PyPI. It is kept while that file is
   unchanged.
2. For each notebook a fresh runtime: a hard-linked copy of the base (pip replaces files and
   never writes into them, so the base stays as Colab ships it), whose kernel finds a fake
   ``google.colab`` module and has it and numpy imported before the first cell, as Colab's has.
3. The notebook's own install cell runs there, its GitHub requirement replaced by this
   checkout. If the cell restarts the runtime (its kernel dies), a new kernel runs the notebook
   from the top on the same disk: what a student does after "run this cell again".
4. A report per notebook (restart, install and run times, whether TensorFlow got imported,
   whether each ``# NBVAL_CHECK_OUTPUT`` cell printed what the solution stores), and whether the
   package's dependency ranges admit Colab's versions (so pip leaves those alone).

Exit status 1 if a notebook fails, a checked output differs or a range excludes Colab's version.
"""

from __future__ import annotations

import copy
import hashlib
import importlib.metadata
import re
import shutil
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpec
from nbclient.exceptions import DeadKernelError
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from .config import ROOT, Course
from .execute import NotebookError, execute_notebook, run_notebook
from .notebooks import SETUP_TAG, read_notebook, tags
from .students import is_check_output_marker

COLAB_VERSIONS = ROOT / "requirements" / "colab.txt"
WORK = ROOT / "build" / "colab"
FAKE_COLAB = {
    "__init__.py": '"""Stand-in for Colab\'s google.colab: the install cell asks whether it is imported."""\n',
    "output.py": (
        '"""What is imported of google.colab.output: jax imports the module, Chapter 4 calls this."""\n\n\n'
        "def enable_custom_widget_manager() -> None:\n    pass\n"
    ),
}
COLAB_STARTUP = "import google.colab  # noqa: F401\nimport numpy  # noqa: F401  (Colab's kernel has numpy loaded)\n"
PROBE = "import sys\nprint('tensorflow imported:', 'tensorflow' in sys.modules)"


def colab_versions(path: Path = COLAB_VERSIONS) -> dict[str, str]:
    """Canonical distribution name → Colab's preinstalled version, from ``name==version`` lines."""
    versions = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            versions[canonicalize_name(name)] = version
    return versions


def colab_ranges(dependencies: list[str], versions: dict[str, str], pinned: set[str]) -> tuple[list[str], list[str]]:
    """(kept, excluded): the package's dependencies that Colab ships and the install cell does not
    pin, split by whether the dependency's range admits Colab's version (then pip leaves it)."""
    kept, excluded = [], []
    for dependency in map(Requirement, dependencies):
        version = versions.get(canonicalize_name(dependency.name))
        if version is not None and canonicalize_name(dependency.name) not in pinned:
            line = f"{dependency.name}{dependency.specifier or ''} vs Colab's {version}"
            (kept if dependency.specifier.contains(version, prereleases=True) else excluded).append(line)
    return kept, excluded


def base_runtime(python: str) -> Path:
    """``build/colab/base`` with Colab's versions, (re)made when requirements/colab.txt changes."""
    base = WORK / "base"
    stamp = base / ".colab-versions"
    wanted = hashlib.sha256(COLAB_VERSIONS.read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == wanted:
        return base
    shutil.rmtree(base, ignore_errors=True)
    print(f"colab-check: creating the base runtime in {base} (Colab's versions from {COLAB_VERSIONS.name})")
    subprocess.run([python, "-m", "venv", str(base)], check=True)
    pip = [str(base / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    for arguments in (["--upgrade", "pip"], ["-r", str(COLAB_VERSIONS)]):
        result = subprocess.run([*pip, *arguments], capture_output=True, text=True)
        # pip's warnings about this machine's unused local index folders are noise: drop them.
        sys.stderr.write(
            "".join(line for line in result.stderr.splitlines(True) if "is ignored: it is neither" not in line)
        )
        result.check_returncode()
    stamp.write_text(wanted)
    return base


def fresh_runtime(base: Path, name: str) -> tuple[Path, KernelSpec]:
    """A hard-linked copy of the base runtime and a kernel spec that starts Colab-like kernels in it."""
    runtime = WORK / "runtimes" / name
    shutil.rmtree(runtime, ignore_errors=True)
    runtime.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["cp", "-al", str(base), str(runtime)], check=True)
    fake = WORK / "fake-colab"
    (fake / "google" / "colab").mkdir(parents=True, exist_ok=True)  # no google/__init__.py: a namespace
    for name, text in FAKE_COLAB.items():
        (fake / "google" / "colab" / name).write_text(text)
    startup = WORK / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    (startup / "00-colab.py").write_text(COLAB_STARTUP)
    spec = KernelSpec(
        argv=[str(runtime / "bin" / "python"), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        display_name="Colab emulation",
        language="python",
        env={
            "PYTHONPATH": str(fake),
            "IPYTHONDIR": str(WORK / "ipython"),
            "MPLBACKEND": "agg",
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",  # ipykernel 6's debugger warns otherwise
        },
    )
    return runtime, spec


def local_install_cell(nb: nbformat.NotebookNode, the_course: Course) -> nbformat.NotebookNode:
    """``nb`` with its install cell pointing at this checkout instead of GitHub."""
    nb = copy.deepcopy(nb)
    setups = [cell for cell in nb.cells if SETUP_TAG in tags(cell)]
    github = the_course.course_requirement()
    if len(setups) != 1 or github not in setups[0].source:
        raise ValueError(f"no install cell that installs {github!r}: run `make students`")
    (setup,) = setups
    setup.source = setup.source.replace(github, f"{the_course.package} @ file://{the_course.root}")
    return nb


def changed_distributions(runtime: Path, versions: dict[str, str]) -> list[str]:
    """Colab's preinstalled distributions whose version in ``runtime`` is no longer Colab's."""
    site_packages = next((runtime / "lib").glob("python3.*/site-packages"))
    now = {
        canonicalize_name(d.metadata["Name"]): d.version
        for d in importlib.metadata.distributions(path=[str(site_packages)])
    }
    return [
        f"{name} {version} → {now.get(name, 'removed')}"
        for name, version in versions.items()
        if now.get(name) != version
    ]


def text_of(cell: nbformat.NotebookNode) -> str:
    """A cell's printed text and text results; a figure's placeholder text ("<Figure size …>",
    which IPython 7 in Colab does not emit for inline figures) is left out, as the figure is."""
    return "".join(
        str(o.get("text", ""))
        + ("" if "image/png" in o.get("data", {}) else str(o.get("data", {}).get("text/plain", "")))
        for o in cell.outputs
    )


@dataclass
class Run:
    name: str
    restarted: bool
    install_messages: str
    install_seconds: float
    run_seconds: float
    tensorflow: str
    differing: list[str]
    checked: int
    pip_changed: list[str]
    second_run_skipped_pip: bool
    error: str = ""

    def line(self) -> str:
        status = "FAILED " + self.error if self.error else ("ok" if self.passed else "DIFFERS")
        return (
            f"{self.name}: {status}; restart {'yes' if self.restarted else 'no'}; first install cell "
            f"{self.install_seconds:.0f} s; notebook after restart {self.run_seconds:.0f} s; "
            f"{self.checked - len(self.differing)}/{self.checked} checked outputs match; "
            f"second run skipped pip: {'yes' if self.second_run_skipped_pip else 'no'}; {self.tensorflow}"
        )

    @property
    def passed(self) -> bool:
        return not self.error and not self.differing and self.second_run_skipped_pip


def run_in_colab(the_course: Course, base: Path, path: Path) -> Run:
    """The install cell in a fresh runtime, then (after its restart, if any) the whole notebook."""
    stored = read_notebook(path)
    nb = local_install_cell(stored, the_course)
    runtime, spec = fresh_runtime(base, path.stem)
    setup_only = copy.deepcopy(nb)
    setup_only.cells = [cell for cell in setup_only.cells if SETUP_TAG in tags(cell)]
    start = time.perf_counter()
    try:
        run_notebook(setup_only, path.parent, spec)
        restarted = False
    except DeadKernelError:
        restarted = True
    install_seconds = time.perf_counter() - start
    messages = text_of(setup_only.cells[0])
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    start = time.perf_counter()
    changed = changed_distributions(runtime, colab_versions())
    try:
        executed = execute_notebook(nb, path.parent, path.name, spec)
    except (NotebookError, DeadKernelError) as error:
        last_line = re.sub(r"\x1b\[[0-9;]*m", "", str(error) or "the kernel died again").strip().splitlines()[-1]
        return Run(path.name, restarted, messages, install_seconds, 0, "", [], 0, changed, False, last_line)
    finally:
        shutil.rmtree(runtime)
    run_seconds = time.perf_counter() - start
    checked = [
        (old, new)
        for old, new in zip(stored.cells, executed.cells)
        if any(is_check_output_marker(line) for line in old.source.splitlines())
    ]
    differing = [old.id for old, new in checked if text_of(old) != text_of(new)]
    tensorflow = text_of(executed.cells[-1]).strip()
    (setup,) = [cell for cell in executed.cells if SETUP_TAG in tags(cell)]
    skipped = text_of(setup).startswith("The course's packages are installed")
    return Run(
        path.name,
        restarted,
        messages,
        install_seconds,
        run_seconds,
        tensorflow,
        differing,
        len(checked),
        changed,
        skipped,
    )


def check(the_course: Course, names: list[str], python: str) -> int:
    """Run the solutions named in ``names`` (all if none) in emulated Colab runtimes made with
    ``python``; print a report; 1 if a notebook fails, an output differs or a range excludes Colab's."""
    version = subprocess.run(
        [python, "-c", "import sys; print(sys.version_info[:2] == (3, 12))"], capture_output=True, text=True
    )
    if version.stdout.strip() != "True":
        raise ValueError(f"--python {python} is not Python 3.12, the version Colab runs")
    pyproject = tomllib.loads((the_course.root / "pyproject.toml").read_text(encoding="utf-8"))
    pinned = {canonicalize_name(pin.split("==")[0]) for pin in the_course.pins}
    kept, excluded = colab_ranges(pyproject["project"]["dependencies"], colab_versions(), pinned)
    for line in kept:
        print(f"range keeps Colab's version: {line}")
    for line in excluded:
        print(f"RANGE EXCLUDES Colab's version (pip would replace it): {line}")
    base = base_runtime(python)
    runs = []
    for path in the_course.selected_solutions(names):
        run = run_in_colab(the_course, base, path)
        print(run.line(), flush=True)
        runs.append(run)
    if runs:
        print(f"{runs[0].name}'s install cell, first run, printed:\n{runs[0].install_messages}")
        print("pip changed these of Colab's packages:", ", ".join(runs[0].pip_changed) or "none")
    failed = [run for run in runs if not run.passed]
    print(f"colab-check: {len(runs) - len(failed)} of {len(runs)} notebooks passed in the emulated Colab runtime")
    return 1 if failed or excluded else 0
