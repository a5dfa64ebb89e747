"""The course's tools, run from the repository root: ``python -m scripts.course --help``."""
