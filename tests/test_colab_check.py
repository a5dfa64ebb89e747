"""scripts/course/colab_check.py's pure parts: Colab's recorded versions, the dependency-range check and
the install cell pointed at the local checkout. (The emulation itself is `make colab-check`.)"""

from __future__ import annotations

import pytest
from pipeline_helpers import ROOT, stand_in_course

from scripts.course import colab, colab_check, config, notebooks


def test_colab_versions_are_exact_pins_of_the_packages_issue_12_names():
    versions = colab_check.colab_versions()
    assert all(version[0].isdigit() for version in versions.values())
    named = {"numpy": "2.0.2", "jax": "0.5.3", "ipywidgets": "7.7.1", "ipython": "7.34.0", "tensorflow": "2.19.0"}
    assert {name: versions[name] for name in named} == named
    assert versions["tensorflow-probability"].startswith("0.25.")
    for name in ("flax", "numba", "opencv-python", "arviz"):
        assert name in versions


def test_ranges_that_exclude_colab_versions_are_reported_and_pins_are_not_checked():
    versions = {"arviz": "0.22.0", "numpy": "2.0.2", "matplotlib": "3.10.0"}
    kept, excluded = colab_check.colab_ranges(
        ["arviz>=0.20,<1", "numpy>=2.1", "matplotlib>=3.11", "genjax>=1.0"], versions, pinned={"numpy"}
    )
    assert kept == ["arviz<1,>=0.20 vs Colab's 0.22.0"]
    assert excluded == ["matplotlib>=3.11 vs Colab's 3.10.0"]


def test_the_package_ranges_keep_colab_versions():
    import tomllib

    the_course = config.Course.load(ROOT)
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pinned = {pin.split("==")[0] for pin in the_course.pins}
    kept, excluded = colab_check.colab_ranges(dependencies, colab_check.colab_versions(), pinned)
    assert excluded == []
    assert {line.split(">")[0].split("<")[0] for line in kept} >= {"scipy", "arviz"}  # Colab ships both


def test_the_install_cell_is_pointed_at_the_checkout(tmp_path):
    the_course = stand_in_course(tmp_path)
    path = the_course.solutions / "01_stand_in.ipynb"
    nb = colab.with_colab_cells(notebooks.read_notebook(path), the_course, path)
    local = colab_check.local_install_cell(nb, the_course)
    assert f'"genjax-gmm @ file://{tmp_path}"' in local.cells[1].source
    assert "github.com" not in local.cells[1].source and "github.com" in nb.cells[1].source
    with pytest.raises(ValueError, match="run `make students`"):
        colab_check.local_install_cell(notebooks.read_notebook(path), the_course)
