"""The "Open in Colab" badge cell and the Colab-only install cell on top of every notebook.

The install cell is ``colab_setup.py.template`` with ``$pins`` (the lock's genjax, jax and
jaxlib and pyproject's ``colab-pins``, one ``"name": "version",`` line each), ``$course_package``
(the package at the configured repository and ref) and ``$package`` (its distribution name)
filled in as Python literals. Its lines stay within the notebooks' 88 columns (``make lint``).
docs/pipeline.md says what the cell does.
"""

from __future__ import annotations

import json
import string
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from .config import Course
from .notebooks import BADGE_TAG, SETUP_TAG, tags, with_cell_ids

SETUP_TEMPLATE = string.Template(
    Path(__file__).with_name("colab_setup.py.template").read_text(encoding="utf-8").removesuffix("\n")
)


def colab_setup_source(course: Course) -> str:
    """The install cell's code: pins from the lock (and pyproject's Colab pins), the course package."""
    pairs = (pin.split("==") for pin in course.pins)
    pins = "\n".join(f"        {json.dumps(name)}: {json.dumps(version)}," for name, version in pairs)
    return SETUP_TEMPLATE.substitute(
        pins=pins,
        course_package=json.dumps(course.course_requirement()),
        package=json.dumps(course.package),
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
