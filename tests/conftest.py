"""Notebook time budget: every notebook run under nbval must finish within the budget.

nbval turns each code cell into a test item and starts the notebook's kernel while setting
up its first cell, so a notebook's time is the sum of the setup, call and teardown phases
of its cells: kernel start-up and shut-down included. The plugin prints a per-notebook table
with the total, and fails the last cell of a notebook over the budget with an error naming
it, so the run's exit status is non-zero.

The budget is ``NOTEBOOK_BUDGET_SECONDS`` (60 s), overridable with the environment variable
of the same name. The plugin is registered from here, so it is active whenever ``tests`` is
among pytest's arguments, as in ``make test``. It imports nothing from the repository, so a
copy of this file works in a temporary folder (tests/test_notebook_pipeline.py does that).
"""

from __future__ import annotations

import os

import pytest

NOTEBOOK_BUDGET_SECONDS = 60.0
BUDGET_VARIABLE = "NOTEBOOK_BUDGET_SECONDS"

collect_ignore = ["fixtures"]  # the stand-in notebook runs in tests, on temporary copies


def notebook_of(nodeid: str) -> str | None:
    """The notebook a test id belongs to (``chapters/01_x.ipynb::Cell 3`` → ``chapters/01_x.ipynb``)."""
    path = nodeid.split("::", 1)[0]
    return path if path.endswith(".ipynb") else None


class NotebookTimer:
    """Adds up each notebook's nbval time and fails the notebooks over ``budget`` seconds."""

    def __init__(self, budget: float) -> None:
        self.budget = budget
        self.seconds: dict[str, float] = {}
        self.last_cells: set[str] = set()

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
        over = self.seconds[notebook] > self.budget
        if call.when == "teardown" and report.nodeid in self.last_cells and over and report.passed:
            report.outcome = "failed"
            report.longrepr = (
                f"{notebook} took {self.seconds[notebook]:.1f} s, over the budget of "
                f"{self.budget:g} s per notebook (kernel start-up included)"
            )
        return report

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if not self.seconds:
            return
        terminalreporter.write_sep("=", f"notebook times (budget {self.budget:g} s each)")
        for notebook, seconds in sorted(self.seconds.items()):
            verdict = "  OVER BUDGET" if seconds > self.budget else ""
            terminalreporter.write_line(f"{seconds:7.1f} s  {notebook}{verdict}", red=bool(verdict))
        count = len(self.seconds)
        terminalreporter.write_line(
            f"{sum(self.seconds.values()):7.1f} s  total, {count} notebook{'s' if count > 1 else ''}"
        )


def budget_from_environment() -> float:
    text = os.environ.get(BUDGET_VARIABLE)
    if text is None:
        return NOTEBOOK_BUDGET_SECONDS
    try:
        budget = float(text)
    except ValueError:
        budget = float("nan")
    if not budget > 0:
        raise pytest.UsageError(f"{BUDGET_VARIABLE} must be a positive number of seconds, got {text!r}")
    return budget


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(NotebookTimer(budget_from_environment()), "notebook-timer")
