"""The course's command line: ``python -m scripts.course COMMAND`` (``--help`` lists them)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import colab_check
from .book import build_site
from .colab import with_colab_cells
from .config import ROOT, Course
from .execute import NotebookError, timed_execution
from .notebooks import read_notebook, write_notebook
from .readme import readme_table, with_readme_table
from .students import generate_student
from .sync import sync_problems


def command_badges(course: Course, args: argparse.Namespace) -> int:
    for path in course.selected_solutions(args.notebooks):
        changed = write_notebook(with_colab_cells(read_notebook(path), course, path), path)
        print(f"{'updated' if changed else 'unchanged'} {course.relative(path)}")
    return 0


def command_students(course: Course, args: argparse.Namespace) -> int:
    for solution in course.selected_solutions(args.notebooks):
        chapter = course.chapter_path(solution)
        changed = write_notebook(generate_student(course, solution), chapter)
        print(f"{'wrote' if changed else 'unchanged'} {course.relative(chapter)}")
    if args.notebooks:
        return 0
    names = {path.name for path in course.solution_paths()}
    for orphan in sorted(course.chapters.glob("*.ipynb")):
        if orphan.name not in names:
            orphan.unlink()
            print(f"removed {course.relative(orphan)} (no solution notebook)")
    return 0


def command_readme_table(course: Course, args: argparse.Namespace) -> int:
    readme = course.root / "README.md"
    text = readme.read_text(encoding="utf-8")
    updated = with_readme_table(text, readme_table(course))
    if updated != text:
        readme.write_text(updated, encoding="utf-8")
    print(f"{'updated' if updated != text else 'unchanged'} README.md chapter table")
    return 0


def command_check(course: Course, args: argparse.Namespace) -> int:
    problems = sync_problems(course)
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print("chapters/, badges and README table are up to date")
    return 1 if problems else 0


def command_execute(course: Course, args: argparse.Namespace) -> int:
    paths = course.selected_solutions(args.notebooks)
    start = time.perf_counter()
    for path in paths:
        write_notebook(timed_execution(course, path), path)
    print(f"total {time.perf_counter() - start:.1f} s for {len(paths)} notebook(s)")
    return 0


def command_build(course: Course, args: argparse.Namespace) -> int:
    out = args.out or course.root / "build" / "site"
    index = build_site(course, out, execute=not args.no_execute)
    print(f"built the book: open {index} or run `python -m http.server -d {out}`")
    return 0


def command_colab_check(course: Course, args: argparse.Namespace) -> int:
    return colab_check.check(course, args.notebooks, args.python)


COMMANDS = {
    "badges": (command_badges, "insert or refresh the Colab badge and setup cells in solutions/"),
    "students": (command_students, "generate chapters/ from solutions/"),
    "readme-table": (command_readme_table, "fill README.md's chapter table"),
    "check": (command_check, "exit 1 if chapters/, badges or the README table are stale"),
    "execute": (command_execute, "execute solution notebooks in place (fresh kernel each)"),
    "build": (command_build, "build the course as a book in build/site"),
    "colab-check": (command_colab_check, "run solution notebooks in an emulated fresh Colab runtime (minutes, GBs)"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.course",
        description="Build the course from its single source, the solution notebooks in solutions/.",
    )
    parser.add_argument("--root", type=Path, default=ROOT, help="repository root (default: this checkout)")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, (_, help_text) in COMMANDS.items():
        command = commands.add_parser(name, help=help_text, description=help_text)
        if name in ("badges", "students", "execute", "colab-check"):
            command.add_argument("notebooks", nargs="*", help="names like 03_gaussians (default: all)")
        if name == "build":
            command.add_argument(
                "--no-execute", action="store_true", help="use the outputs stored in solutions/ (fast)"
            )
            command.add_argument("--out", type=Path, help="output folder (default: build/site)")
        if name == "colab-check":
            command.add_argument("--python", default=sys.executable, help="the Python 3.12 to build the runtime from")
    args = parser.parse_args(argv)
    run, _ = COMMANDS[args.command]
    try:
        return run(Course.load(args.root.resolve()), args)
    except (ValueError, NotebookError) as error:
        print(f"{parser.prog} {args.command}: {error}", file=sys.stderr)
        return 1
