"""What is stale: the generated student notebooks, the Colab cells and the README table."""

from __future__ import annotations

from .colab import with_colab_cells
from .config import Course
from .notebooks import notebook_text, read_notebook
from .readme import readme_table, with_readme_table
from .students import generate_student


def sync_problems(course: Course) -> list[str]:
    """What is stale: chapters/ against solutions/, the badges, the README table."""
    problems = []
    solutions = course.solution_paths()
    names = {path.name for path in solutions}
    for chapter in sorted(course.chapters.glob("*.ipynb")):
        if chapter.name not in names:
            problems.append(f"chapters/{chapter.name} has no solutions/{chapter.name}")
    for solution in solutions:
        chapter = course.chapter_path(solution)
        if not chapter.exists():
            problems.append(f"chapters/{chapter.name} is missing: run `make students`")
        elif chapter.read_text(encoding="utf-8") != notebook_text(generate_student(course, solution)):
            problems.append(
                f"chapters/{chapter.name} is not what `make students` generates from solutions/{solution.name}"
                " (never edit chapters/ by hand)"
            )
        nb = read_notebook(solution)
        if with_colab_cells(nb, course, solution) != nb:
            problems.append(f"solutions/{solution.name} lacks the current Colab cells: run `make students`")
    readme = (course.root / "README.md").read_text(encoding="utf-8")
    if with_readme_table(readme, readme_table(course)) != readme:
        problems.append("README.md's chapter table is stale: run `make students`")
    return problems
