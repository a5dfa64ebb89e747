"""Notebook times: a table after every run, and a hang guard, never a speed gate.

nbval turns each code cell into a test item and starts the notebook's kernel while setting
up its first cell, so a notebook's time is the sum of the setup, call and teardown phases
of its cells: kernel start-up and shut-down included. The plugin prints a per-notebook table
with each notebook's time beside its target, and the total.

Speed is measured by ``make bench`` (its ``notebooks`` section), not here: a slower CPU must not
fail the tests. The only failure is the **hang guard**: a notebook that takes more than
``HANG_GUARD_FACTOR`` (5) times its target fails its last cell with an error naming it, so a
notebook stuck in a loop cannot run to CI's limit. The targets are ``TARGET_SECONDS`` (20 s) and
``TARGET_OVERRIDES`` (Chapter 5: 25 s); ``NOTEBOOK_HANG_GUARD_SECONDS`` in the environment
replaces the guard for one run. The plugin is registered from here, so it is active whenever
``tests`` is among pytest's arguments, as in ``make test``. It imports nothing from the
repository, so a copy of this file works in a temporary folder (tests/test_notebook_pipeline.py
does that), and ``benchmarks/run.py`` reads the targets from it.
"""

from __future__ import annotations

import os
from pathlib import PurePath

import pytest

TARGET_SECONDS = 20.0
TARGET_OVERRIDES = {"05_gaussian_mixtures": 25.0}
HANG_GUARD_FACTOR = 5.0
GUARD_VARIABLE = "NOTEBOOK_HANG_GUARD_SECONDS"

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

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        report = yield
        notebook = notebook_of(report.nodeid)
        if notebook is None:
            return report
        self.seconds[notebook] = self.seconds.get(notebook, 0.0) + report.duration
        hung = self.seconds[notebook] > self.guard(notebook)
        if call.when == "teardown" and report.nodeid in self.last_cells and hung and report.passed:
            report.outcome = "failed"
            report.longrepr = (
                f"{notebook} took {self.seconds[notebook]:.1f} s, over its hang guard of "
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


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(NotebookTimer(guard_from_environment()), "notebook-timer")
