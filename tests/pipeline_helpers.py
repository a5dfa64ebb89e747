"""Shared by the pipeline tests of scripts/course/: the stand-in course and the book checks."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from scripts.course import config, notebooks

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "stand_in.ipynb"
"""A small executed solution notebook (not a chapter) that uses every convention."""


def stand_in_course(root: Path) -> config.Course:
    """A course in ``root`` whose only solution notebook is the stand-in fixture."""
    for name in ("pyproject.toml", "README.md", "requirements/lock.txt"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, root / name)
    (root / "solutions").mkdir()
    shutil.copy(FIXTURE, root / "solutions" / "01_stand_in.ipynb")
    return config.Course.load(root)


def figure_outputs(nb) -> int:
    """How many PNG figures the rendered page must show (the hidden setup cell excluded)."""
    return sum(
        "image/png" in output.get("data", {})
        for cell in nb.cells
        if notebooks.SETUP_TAG not in notebooks.tags(cell)
        for output in cell.get("outputs", [])
    )


def search_index(site: Path) -> dict:
    """Sphinx's search index of a built book (``Search.setIndex({...})`` in searchindex.js)."""
    text = (site / "searchindex.js").read_text(encoding="utf-8")
    return json.loads(text[text.index("(") + 1 : text.rindex(")")])


def sidebar(page: str) -> str:
    """The book's table of contents in the left sidebar of a page."""
    start = page.index('<nav class="bd-links bd-docs-nav"')
    return page[start : page.index("</nav>", start)]


def site_problems(the_course: config.Course, site: Path) -> list[str]:
    """What is wrong with a built book: each solution must have a page listed in every page's
    sidebar and in the search index, with a Colab launch link to its notebook, an .ipynb
    download, its figures as image files, maths typeset by the local MathJax, no script or
    image from elsewhere, no traceback and no Colab install cell; the index, an exercises badge
    per chapter, its image a file of the book."""
    problems = []
    solutions = the_course.solution_paths()
    pages = ["index.html", *(solution.with_suffix(".html").name for solution in solutions)]
    index = search_index(site)
    if not (site / "_static" / "mathjax" / "tex-chtml.js").is_file():
        problems.append("MathJax is not shipped in _static/mathjax")
    for page_name in pages:
        if not (site / page_name).exists():
            problems.append(f"{page_name} is missing")
            continue
        page = (site / page_name).read_text(encoding="utf-8")
        toc = sidebar(page)
        for other in pages[1:]:
            if f'href="{other}"' not in toc and not (other == page_name and 'href="#"' in toc):
                problems.append(f"{page_name}'s sidebar does not list {other}")
        if 'class="math' in page and '<script defer="defer" src="_static/mathjax/tex-chtml.js">' not in page:
            problems.append(f"{page_name} has maths but does not load the local MathJax")
        remote = re.findall(r'<(?:script|img)\b[^>]*\ssrc="(https?:[^"]*)"', page)
        if remote:
            problems.append(f"{page_name} loads scripts or images from elsewhere: {remote}")
    if (site / "index.html").exists():
        badges = re.findall(r'<img alt="Open the exercises of [^"]*" src="([^"]*)"', (site / "index.html").read_text())
        shipped = [src for src in badges if (site / src).is_file()]
        if len(shipped) != len(solutions):
            problems.append(
                f"index.html shows {len(shipped)} exercise badges from files of the book, for {len(solutions)} chapters"
            )
    for solution in solutions:
        page_name = solution.with_suffix(".html").name
        if not (site / page_name).exists():
            continue
        page = (site / page_name).read_text(encoding="utf-8")
        nb = notebooks.read_notebook(solution)
        title, _ = notebooks.chapter_summary(nb, solution.name)
        if solution.stem not in index["docnames"] or title not in index["titles"]:
            problems.append(f"the search index lacks {page_name} ({title})")
        launch = the_course.colab_url(solution)
        if f'href="{launch}"' not in page:
            problems.append(f"{page_name} has no Colab launch link to {launch}")
        if f'href="_sources/{solution.name}"' not in page or not (site / "_sources" / solution.name).is_file():
            problems.append(f"{page_name} offers no .ipynb download of {solution.name}")
        images = [src for src in re.findall(r'<img\b[^>]*\ssrc="([^"]*)"', page) if not src.startswith("_static/")]
        figures = [src for src in images if src.startswith("_images/") and (site / src).is_file()]
        if len(figures) != len(images) or len(figures) != figure_outputs(nb):
            problems.append(
                f"{page_name} shows {len(figures)} figure files among {len(images)} images, "
                f"its notebook has {figure_outputs(nb)}"
            )
        if "Traceback (most recent call last)" in page:
            problems.append(f"{page_name} shows a traceback")
        if "Elsewhere this cell does nothing" in page:
            problems.append(f"{page_name} shows the Colab install cell")
    return problems
