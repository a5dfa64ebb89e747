"""Shared by the pipeline tests: scripts/course.py as a module, the stand-in course, site checks."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "stand_in.ipynb"
"""A small executed solution notebook (not a chapter) that uses every convention."""

sys.path.insert(0, str(ROOT / "scripts"))
import course  # noqa: E402


def stand_in_course(root: Path) -> course.Course:
    """A course in ``root`` whose only solution notebook is the stand-in fixture."""
    for name in ("pyproject.toml", "README.md", "requirements/lock.txt"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, root / name)
    (root / "solutions").mkdir()
    shutil.copy(FIXTURE, root / "solutions" / "01_stand_in.ipynb")
    return course.Course.load(root)


def figure_outputs(nb) -> int:
    """How many PNG figures the rendered page must show (the hidden setup cell excluded)."""
    return sum(
        "image/png" in output.get("data", {})
        for cell in nb.cells
        if course.SETUP_TAG not in course.tags(cell)
        for output in cell.get("outputs", [])
    )


def site_problems(the_course: course.Course, site: Path) -> list[str]:
    """What is wrong with a built site: missing or unlinked pages, figures not embedded, tracebacks."""
    index = (site / "index.html").read_text(encoding="utf-8")
    problems = []
    for solution in the_course.solution_paths():
        page = site / solution.with_suffix(".html").name
        if not page.exists():
            problems.append(f"{page.name} is missing")
            continue
        if f'href="{page.name}"' not in index:
            problems.append(f"index.html does not link {page.name}")
        text = page.read_text(encoding="utf-8")
        figures = figure_outputs(course.read_notebook(solution))
        embedded = len(re.findall(r'<img\b[^>]*\ssrc="data:image/png;base64,', text))
        if embedded != figures:
            problems.append(f"{page.name} embeds {embedded} PNG figures, its notebook has {figures}")
        external = re.findall(r'<img\b[^>]*\ssrc="(?!data:image/png;base64,|https://)([^"]*)"', text)
        if external:
            problems.append(f"{page.name} links images instead of embedding them: {external}")
        if "Traceback (most recent call last)" in text:
            problems.append(f"{page.name} shows a traceback")
    return problems
