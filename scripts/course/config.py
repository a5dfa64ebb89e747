"""The course's settings: where its notebooks live, where it is published, what Colab pins.

The repository slug and ref the badges and the Colab install point to come from
``[tool.genjax-gmm-course]`` in pyproject.toml; the versions Colab installs from
requirements/lock.txt.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
"""This checkout (the folder holding pyproject.toml)."""

COLAB_BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"
"""The badge the notebooks and the README show (the book ships its own copy)."""
COLAB_PINNED_PACKAGES = ("genjax", "jax", "jaxlib")
"""Installed in Colab at the locked versions, with pyproject's ``colab-pins`` (numpy); Colab's
own matplotlib, scipy, ipywidgets … stay."""
NOTEBOOK_NAME = re.compile(r"^(\d{2})_[a-z0-9_]+\.ipynb$")


@dataclass(frozen=True)
class Course:
    """A checkout of the course: where its notebooks live and where it is published."""

    root: Path
    package: str
    """The helper package's distribution name, e.g. ``genjax-gmm``."""
    repository: str
    """GitHub ``owner/name`` the badges and the Colab install point to."""
    ref: str
    """The branch or tag they point to."""
    pins: tuple[str, ...]
    """``name==version`` requirements the Colab setup cell installs (besides the package)."""

    @classmethod
    def load(cls, root: Path = ROOT) -> Course:
        """Read the course settings from ``root/pyproject.toml`` and the pins from the lock."""
        pyproject = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
        settings = pyproject.get("tool", {}).get("genjax-gmm-course", {})
        repository, ref = settings.get("repository", ""), settings.get("ref", "")
        where = "pyproject.toml: [tool.genjax-gmm-course]"
        if not re.fullmatch(r"[\w.-]+/[\w.-]+", repository):
            raise ValueError(f"{where} repository must be 'owner/name', got {repository!r}")
        if not re.fullmatch(r"[\w./-]+", ref):
            raise ValueError(f"{where} ref must be a branch or tag, got {ref!r}")
        pins = locked_pins(root / "requirements" / "lock.txt", COLAB_PINNED_PACKAGES)
        colab_pins = tuple(settings.get("colab-pins", ()))
        malformed = [pin for pin in colab_pins if not re.fullmatch(r"[A-Za-z0-9_.-]+==[\w.]+", pin)]
        if malformed:
            raise ValueError(f"{where} colab-pins must be name==version, got {malformed}")
        return cls(root, pyproject["project"]["name"], repository, ref, pins + colab_pins)

    @property
    def solutions(self) -> Path:
        return self.root / "solutions"

    @property
    def chapters(self) -> Path:
        return self.root / "chapters"

    def solution_paths(self) -> list[Path]:
        """The solution notebooks in chapter order; names must be ``NN_slug.ipynb``, NN unique."""
        paths = sorted(self.solutions.glob("*.ipynb"))
        numbers: dict[str, str] = {}
        for path in paths:
            match = NOTEBOOK_NAME.match(path.name)
            if match is None:
                raise ValueError(f"solutions/{path.name}: name it NN_slug.ipynb (e.g. 01_mystery_bentos.ipynb)")
            if match[1] in numbers:
                raise ValueError(f"solutions/{path.name} and solutions/{numbers[match[1]]} share number {match[1]}")
            numbers[match[1]] = path.name
        return paths

    def chapter_path(self, solution: Path) -> Path:
        return self.chapters / solution.name

    def relative(self, path: Path) -> str:
        return path.resolve().relative_to(self.root.resolve()).as_posix()

    def colab_url(self, path: Path) -> str:
        return f"https://colab.research.google.com/github/{self.repository}/blob/{self.ref}/{self.relative(path)}"

    def colab_badge(self, path: Path) -> str:
        return f"[![Open In Colab]({COLAB_BADGE_IMAGE})]({self.colab_url(path)})"

    def course_requirement(self) -> str:
        """The helper package at the configured repository and ref, as pip installs it in Colab."""
        return f"{self.package} @ git+https://github.com/{self.repository}@{self.ref}"

    def selected_solutions(self, names: list[str]) -> list[Path]:
        """The solution notebooks named in ``names`` (``03_gaussians`` or a path to it); all if none."""
        paths = self.solution_paths()
        if not names:
            return paths
        wanted = {Path(name).stem for name in names}
        unknown = wanted - {path.stem for path in paths}
        if unknown:
            raise ValueError(f"no solution notebook named {', '.join(sorted(unknown))}")
        return [path for path in paths if path.stem in wanted]


def locked_pins(lock: Path, names: tuple[str, ...]) -> tuple[str, ...]:
    """``name==version`` for each of ``names``, as pinned in the lock file."""
    versions = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        match = re.match(r"([A-Za-z0-9_.-]+)==(\S+)", line.strip())
        if match:
            versions[re.sub(r"[-_.]+", "-", match[1]).lower()] = match[2]
    missing = [name for name in names if name not in versions]
    if missing:
        raise ValueError(f"{lock}: no pinned version for {', '.join(missing)}")
    return tuple(f"{name}=={versions[name]}" for name in names)
