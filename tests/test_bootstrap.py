"""The set-up script stops with a clear message when no Python >= 3.12 can be found."""

import os
import shutil
import stat
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def fake_python(directory: Path, name: str, minor: int) -> None:
    """An executable that answers the script's version probe like Python 3.<minor>."""
    script = directory / name
    script.write_text(f"#!/bin/sh\n[ {minor} -ge 12 ] && exit 0 || exit 1\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)


def run_bootstrap(tmp_path: Path, python_minor: int) -> subprocess.CompletedProcess:
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "bootstrap.sh", tmp_path / "scripts" / "bootstrap.sh")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake_python(bin_dir, "python3", python_minor)
    for tool in ("bash", "cat", "ls", "sha256sum", "cut", "dirname", "sort"):
        os.symlink(shutil.which(tool), bin_dir / tool)
    environment = {"PATH": str(bin_dir), "HOME": str(tmp_path), "PYENV_ROOT": str(tmp_path / "no-pyenv")}
    return subprocess.run(
        ["bash", str(tmp_path / "scripts" / "bootstrap.sh")], env=environment, capture_output=True, text=True
    )


def test_no_suitable_python_stops_with_instructions(tmp_path):
    result = run_bootstrap(tmp_path, python_minor=11)
    assert result.returncode == 1
    assert "no Python >= 3.12 found" in result.stderr
    assert "pyenv install 3.12" in result.stderr
    assert not (tmp_path / ".venv").exists()


def test_a_suitable_python_on_path_is_chosen(tmp_path):
    # The fake interpreter cannot make a real venv, so the run fails after choosing it.
    result = run_bootstrap(tmp_path, python_minor=12)
    assert f"creating .venv with {tmp_path / 'bin' / 'python3'}" in result.stdout
