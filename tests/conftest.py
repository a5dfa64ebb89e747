"""Notebook times: a table after every run, and a hang guard, never a speed gate.

nbval turns each code cell into a test item and starts the notebook's kernel while setting
up its first cell, so a notebook's time is the sum of the setup, call and teardown phases
of its cells: kernel start-up and shut-down included. The plugin prints a per-notebook table
with each notebook's time beside its target, and the total.

Speed is measured by ``make bench`` (its ``notebooks`` section), not here: a slower CPU must not
fail the tests. The only failure is the **hang guard**: a notebook that takes more than
``HANG_GUARD_FACTOR`` (5) times its target fails its last cell with an error naming it, so a
notebook stuck in a loop cannot run to CI's limit. The targets are ``TARGET_SECONDS`` (20 s) and
``TARGET_OVERRIDES`` (per notebook; none today); ``NOTEBOOK_HANG_GUARD_SECONDS`` in the environment
replaces the guard for one run. The plugin is registered from here, so it is active whenever
``tests`` is among pytest's arguments, as in ``make test``. It imports nothing from the
repository, so a copy of this file works in a temporary folder (tests/test_notebook_pipeline.py
does that), and ``benchmarks/run.py`` reads the targets from it.

Under pytest-xdist (``make test`` runs ``-n auto``) the scheduler below hands a notebook and its
twin (``chapters/05_x.ipynb`` and ``solutions/05_x.ipynb``) to one worker, which runs both, in
order, in one kernel each: nbval's cells share their kernel, and the second notebook reuses what
the first put in the compilation cache. A test module is one unit too, so its module-scoped
fixtures and compilations are not repeated in two workers. (xdist's own ``--dist loadgroup`` with
``xdist_group`` marks cannot do this: under pytest 9.2 it ignores the marks, pytest-xdist
issue #1386.) The times are added up in ``pytest_runtest_logreport``, which sees every report in
the process that ran the test and, under xdist, in the controller that prints the table; the
hang guard is decided in ``pytest_runtest_makereport``, in the process that ran the notebook.
"""

from __future__ import annotations

import os
from pathlib import PurePath

import pytest

TARGET_SECONDS = 20.0
TARGET_OVERRIDES: dict[str, float] = {}
HANG_GUARD_FACTOR = 5.0
GUARD_VARIABLE = "NOTEBOOK_HANG_GUARD_SECONDS"
MAX_WORKERS = 4  # `-n auto`'s ceiling: the longest twin pair bounds the run, and every worker costs memory

collect_ignore = ["fixtures"]  # the stand-in notebook runs in tests, on temporary copies


def target_seconds(notebook: str) -> float:
    """The time a notebook should take alone on an idle 2-core machine (cold cache)."""
    return TARGET_OVERRIDES.get(PurePath(notebook).stem, TARGET_SECONDS)


def notebook_of(nodeid: str) -> str | None:
    """The notebook a test id belongs to (``chapters/01_x.ipynb::Cell 3`` → ``chapters/01_x.ipynb``)."""
    path = nodeid.split("::", 1)[0]
    return path if path.endswith(".ipynb") else None


class NotebookTimer:
    """Adds up each notebook's nbval time; fails a notebook over its hang guard."""

    def __init__(self, guard_override: float | None) -> None:
        self.guard_override = guard_override
        self.seconds: dict[str, float] = {}
        self.last_cells: set[str] = set()

    def guard(self, notebook: str) -> float:
        return self.guard_override or HANG_GUARD_FACTOR * target_seconds(notebook)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        last = {notebook_of(item.nodeid): item.nodeid for item in session.items}
        self.last_cells = {nodeid for notebook, nodeid in last.items() if notebook is not None}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        notebook = notebook_of(report.nodeid)
        if notebook is not None:
            self.seconds[notebook] = self.seconds.get(notebook, 0.0) + report.duration

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        report = yield
        if call.when != "teardown" or report.nodeid not in self.last_cells or not report.passed:
            return report
        notebook = notebook_of(report.nodeid)
        seconds = self.seconds.get(notebook, 0.0) + report.duration  # this report is not logged yet
        if seconds > self.guard(notebook):
            report.outcome = "failed"
            report.longrepr = (
                f"{notebook} took {seconds:.1f} s, over its hang guard of "
                f"{self.guard(notebook):g} s (kernel start-up included): it is stuck, not slow"
            )
        return report

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if not self.seconds:
            return
        terminalreporter.write_sep(
            "=", "notebook times (target alone on an idle 2-core machine; `make bench` measures them)"
        )
        for notebook, seconds in sorted(self.seconds.items()):
            if seconds > self.guard(notebook):
                verdict = f"  OVER THE HANG GUARD ({self.guard(notebook):g} s)"
            elif seconds > target_seconds(notebook):
                verdict = "  over target (not a failure: speed is measured by make bench)"
            else:
                verdict = ""
            terminalreporter.write_line(
                f"{seconds:7.1f} s  target {target_seconds(notebook):4g} s  {notebook}{verdict}",
                red=seconds > self.guard(notebook),
            )
        count = len(self.seconds)
        terminalreporter.write_line(
            f"{sum(self.seconds.values()):7.1f} s  total, {count} notebook{'s' if count > 1 else ''}"
        )


def guard_from_environment() -> float | None:
    text = os.environ.get(GUARD_VARIABLE)
    if text is None:
        return None
    try:
        guard = float(text)
    except ValueError:
        guard = float("nan")
    if not guard > 0:
        raise pytest.UsageError(f"{GUARD_VARIABLE} must be a positive number of seconds, got {text!r}")
    return guard


def work_unit(nodeid: str) -> str:
    """What one xdist worker runs as a whole: a notebook with its twin (every cell of
    ``chapters/05_x.ipynb`` and of ``solutions/05_x.ipynb`` → ``05_x``), else a test module."""
    notebook = notebook_of(nodeid)
    return PurePath(notebook).stem if notebook is not None else nodeid.split("::", 1)[0]


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """Under xdist, whatever ``--dist`` says, hand out ``work_unit``s: xdist's ``loadscope``
    scheduling with these scopes, largest (most items) first, each unit's items in order."""
    from xdist.scheduler import LoadScopeScheduling

    class WorkUnitScheduling(LoadScopeScheduling):
        _split_scope = staticmethod(work_unit)

    return WorkUnitScheduling(config, log)


@pytest.hookimpl(optionalhook=True, wrapper=True)
def pytest_xdist_auto_num_workers(config: pytest.Config):
    """``-n auto`` (as in ``make test``): xdist's count of cores (or of those this process may
    use, if fewer) up to ``MAX_WORKERS``, and no worker at all on a single core: a serial run."""
    cores = yield
    if hasattr(os, "sched_getaffinity"):  # Linux: a container or `taskset` may allow fewer
        cores = min(cores, len(os.sched_getaffinity(0)))
    return min(cores, MAX_WORKERS) if cores > 1 else 0


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow: a heavy statistical test (long chains, enumeration); `make test-fast` leaves these out"
    )
    config.pluginmanager.register(NotebookTimer(guard_from_environment()), "notebook-timer")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test that takes ``mcmc_sampler`` runs once for every Markov chain sampler of the package (the
    real ones, tests/harness/cases.py; imported only then, so that this file imports nothing from
    the repository when it is copied into a stand-in course)."""
    if "mcmc_sampler" in metafunc.fixturenames:
        from harness.cases import SAMPLER_CASES

        metafunc.parametrize("mcmc_sampler", list(SAMPLER_CASES.values()), ids=list(SAMPLER_CASES), scope="module")
