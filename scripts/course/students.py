"""The student notebook generated from a solution: answers become prompts, outputs go.

A code cell's ``### BEGIN SOLUTION`` … ``### END SOLUTION`` block becomes a ``# ✏️ Your code
here`` prompt at the block's indentation; a markdown cell tagged ``solution`` becomes an answer
prompt; ``# NBVAL_CHECK_OUTPUT`` markers, outputs and widget state are dropped. The conventions
are in CONTRIBUTING.md.
"""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from .colab import with_colab_cells
from .config import Course
from .notebooks import read_notebook, tags

SOLUTION_TAG = "solution"
"""A markdown cell holding a model answer in words (the student copy gets a prompt)."""
CHECK_OUTPUT_TAG = "nbval-check-output"
"""nbval's tag for a cell whose output it compares (the student copy drops it)."""
SOLUTION_BEGIN = "### BEGIN SOLUTION"
SOLUTION_END = "### END SOLUTION"
CODE_PROMPT = "# ✏️ Your code here"
ANSWER_PROMPT = "✏️ **Your answer:** *double-click this cell and write your answer here.*"
CHECK_OUTPUT_MARKER = "NBVAL_CHECK_OUTPUT"


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
