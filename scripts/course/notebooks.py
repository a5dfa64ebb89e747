"""Reading and writing notebooks deterministically, their cell tags, and a chapter's title."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import nbformat
from nbformat import NotebookNode

BADGE_TAG = "colab-badge"
"""The "Open in Colab" badge cell on top of every notebook."""
SETUP_TAG = "colab-setup"
"""The Colab-only install cell under it."""


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
