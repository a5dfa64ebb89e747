"""The course as a book: Sphinx with MyST-NB and sphinx-book-theme, Jupyter Book 1's engine.

``build_book`` stages the executed solution notebooks beside a generated front page, whose
table of contents lists them in chapter order (so a new ``solutions/NN_slug.ipynb`` joins the
book by itself), and runs Sphinx on that folder without executing anything. The pages get the
theme's sidebar, full-text search, a Colab launch button and an .ipynb download; maths is
typeset by a MathJax copy shipped in the site (``sphinx-mathjax-offline``), so the book reads
offline, and so is the front page's Colab badge (``colab-badge.svg``, shipped with the book).
Sphinx's warnings fail the build. ``build_site`` makes the book of a course.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from sphinx.application import Sphinx
from sphinx.util.docutils import docutils_namespace

from .config import Course
from .execute import NotebookError, error_cells, timed_execution
from .notebooks import BADGE_TAG, SETUP_TAG, chapter_summary, read_notebook

COLAB = "https://colab.research.google.com"
REMOVE_CELL_TAG = "remove-cell"
"""MyST-NB leaves cells with this tag out of the page."""
BADGE_IMAGE = Path(__file__).with_name("colab-badge.svg")
"""The "Open in Colab" badge of the front page, drawn for the course, copied into the book."""


class BookError(RuntimeError):
    """Sphinx could not build the book, or warned while building it."""


@dataclass(frozen=True)
class Chapter:
    """One chapter page: the executed notebook and what the front page says about it."""

    name: str
    """The notebook's file name, e.g. ``01_mystery_bentos.ipynb``; the page is ``01_mystery_bentos.html``."""
    notebook: NotebookNode
    title: str
    description: str
    exercises_url: str
    """Where the chapter's exercises open in Colab."""
    hidden_tags: frozenset[str]
    """Cells with any of these tags are not shown (the Colab badge and install cell)."""


@dataclass(frozen=True)
class Book:
    title: str
    repository: str
    """GitHub ``owner/name``: the launch buttons open ``<path_to_notebooks>/<page>.ipynb`` there."""
    ref: str
    path_to_notebooks: str
    """The folder of the repository that holds the notebooks the pages are built from."""
    chapters: Sequence[Chapter]


def front_page(book: Book) -> str:
    """The book's index (MyST Markdown): each chapter with its description and exercises badge."""
    entries = []
    for chapter in book.chapters:
        stem = Path(chapter.name).stem
        alt = f"Open the exercises of {chapter.title.split(':')[0]} in Colab"
        entries.append(
            f"**[{chapter.title}]({stem}.ipynb)**\n\n{chapter.description}\n\n"
            f"[![{alt}]({BADGE_IMAGE.name})]({chapter.exercises_url})"
        )
    toc = "\n".join(Path(chapter.name).stem for chapter in book.chapters)
    return (
        f"# {book.title}\n\n"
        "Each chapter is rendered from its worked-solution notebook, with the outputs it computes. "
        "The buttons at the top of a chapter open that notebook in Colab or download it; "
        "the badge under each chapter below opens its exercises in Colab.\n\n"
        + "\n\n".join(entries)
        + f"\n\n```{{toctree}}\n:hidden:\n:caption: Chapters\n\n{toc}\n```\n"
    )


def staged_notebook(chapter: Chapter) -> NotebookNode:
    """The chapter's notebook with its Colab-only cells tagged for removal from the page."""
    nb = nbformat.from_dict(chapter.notebook)
    for cell in nb.cells:
        cell_tags = cell.setdefault("metadata", {}).setdefault("tags", [])
        if chapter.hidden_tags & set(cell_tags) and REMOVE_CELL_TAG not in cell_tags:
            cell_tags.append(REMOVE_CELL_TAG)
    return nb


def sphinx_config(book: Book) -> dict[str, object]:
    return {
        "project": book.title,
        "html_title": book.title,
        "extensions": ["myst_nb", "sphinx-mathjax-offline"],
        "myst_enable_extensions": ["dollarmath", "amsmath"],
        "nb_execution_mode": "off",  # the notebooks arrive executed
        "nb_merge_streams": True,
        "html_theme": "sphinx_book_theme",
        "html_theme_options": {
            "repository_url": f"https://github.com/{book.repository}",
            "repository_branch": book.ref,
            "path_to_docs": book.path_to_notebooks,
            "launch_buttons": {"colab_url": COLAB},
            "use_download_button": True,
            "use_repository_button": True,
            "home_page_in_toc": True,
            "show_toc_level": 2,
        },
        "html_last_updated_fmt": None,
        "html_copy_source": True,  # the .ipynb download links the copy in _sources/
        "suppress_warnings": ["mystnb.unknown_mime_type"],  # widget views have a text fallback
    }


def build_book(book: Book, out: Path) -> Path:
    """Write the HTML book to ``out`` (staging its sources in ``out.parent``); the index page."""
    source = out.parent / f"{out.name}-source"
    for folder in (source, out):
        shutil.rmtree(folder, ignore_errors=True)
    source.mkdir(parents=True)
    (source / "index.md").write_text(front_page(book), encoding="utf-8")
    shutil.copy(BADGE_IMAGE, source / BADGE_IMAGE.name)
    for chapter in book.chapters:
        nbformat.write(staged_notebook(chapter), source / chapter.name)
    warnings = io.StringIO()
    with docutils_namespace():
        app = Sphinx(
            srcdir=source,
            confdir=None,
            outdir=out,
            doctreedir=source / ".doctrees",
            buildername="html",
            confoverrides=sphinx_config(book),
            status=None,
            warning=warnings,
            freshenv=True,
        )
        app.build()
    if app.statuscode or warnings.getvalue():
        raise BookError(f"Sphinx failed to build the book cleanly:\n{warnings.getvalue()}")
    return out / "index.html"


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
        chapters.append(Chapter(path.name, nb, title, description, exercises, frozenset({BADGE_TAG, SETUP_TAG})))
    the_book = Book(course_title(course), course.repository, course.ref, course.relative(course.solutions), chapters)
    return build_book(the_book, out)
