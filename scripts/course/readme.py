"""README.md's chapter table: each chapter's title, description and Colab badges."""

from __future__ import annotations

from .config import Course
from .notebooks import chapter_summary, read_notebook

README_START = "<!-- chapters:start -->"
README_END = "<!-- chapters:end -->"


def readme_table(course: Course) -> str:
    """The README's chapter table: title, description, Colab badges for exercises and solutions."""
    rows = ["| Chapter | What it is about | Exercises | Worked solutions |", "|---|---|---|---|"]
    for solution in course.solution_paths():
        title, description = chapter_summary(read_notebook(solution), solution.name)
        chapter = course.chapter_path(solution)
        cells = [
            f"[**{title}**]({course.relative(chapter)})",
            description,
            course.colab_badge(chapter),
            course.colab_badge(solution),
        ]
        rows.append("| " + " | ".join(cell.replace("|", r"\|") for cell in cells) + " |")
    return "\n".join(rows)


def with_readme_table(readme: str, table: str) -> str:
    """``readme`` with everything between the chapter markers replaced by ``table``."""
    if readme.count(README_START) != 1 or readme.count(README_END) != 1:
        raise ValueError(f"README.md needs exactly one {README_START} and one {README_END} line")
    start = readme.index(README_START) + len(README_START)
    end = readme.index(README_END)
    if end < start:
        raise ValueError(f"README.md: {README_END} comes before {README_START}")
    return f"{readme[:start]}\n{table}\n{readme[end:]}"
