#!/usr/bin/env bash
# Create (or refresh) the course's virtual environment in .venv with pinned versions.
#
# Finds a Python >= 3.12, preferring 3.12 (the version the lock was made with and
# the one Colab runs): $PYTHON if set, then python3.12/python3/python3.13 on PATH,
# then interpreters installed under pyenv, 3.12.x first. Installs the package with its notebook,
# test, benchmark and book extras, constrained by requirements/lock.txt. Re-running is cheap:
# nothing is reinstalled unless pyproject.toml or the lock file changed.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv
LOCK=requirements/lock.txt

is_suitable() {  # $1: an interpreter; true if it runs and is >= 3.12
  "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1
}

find_python() {
  local candidates=()
  [ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
  candidates+=(python3.12 python3 python3.13)
  local root
  root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
  for p in $(ls -d "$root"/versions/3.12*/bin/python "$root"/versions/3.1[3-9]*/bin/python 2>/dev/null); do
    candidates+=("$p")
  done
  for c in "${candidates[@]}"; do
    if command -v "$c" >/dev/null 2>&1 && is_suitable "$c"; then
      command -v "$c"
      return 0
    fi
  done
  return 1
}

if [ -x "$VENV/bin/python" ] && ! is_suitable "$VENV/bin/python"; then
  echo "bootstrap: $VENV uses Python < 3.12; recreating it" >&2
  rm -rf "$VENV"
fi

if [ ! -x "$VENV/bin/python" ]; then
  if ! PY=$(find_python); then
    cat >&2 <<'MSG'
bootstrap: no Python >= 3.12 found (GenJAX 1.0 needs 3.12 or newer).
Looked at $PYTHON, python3.12, python3, python3.13 on PATH and pyenv's versions.
Install one, e.g. `pyenv install 3.12` or your system's python3.12 package,
or point to it with `PYTHON=/path/to/python3.12 make test`.
MSG
    exit 1
  fi
  echo "bootstrap: creating $VENV with $PY ($("$PY" --version))"
  "$PY" -m venv "$VENV"
fi

STAMP="$VENV/.installed"
WANT=$(cat pyproject.toml "$LOCK" | sha256sum | cut -d' ' -f1)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ]; then
  exit 0
fi
echo "bootstrap: installing pinned dependencies into $VENV"
# pip's warnings about this machine's unused local index folders are noise: drop them.
quiet_pip() { "$VENV/bin/python" -m pip --quiet "$@" 2> >(grep -v "is ignored: it is neither" >&2); }
quiet_pip install --upgrade "pip>=24"
quiet_pip install -c "$LOCK" -e ".[notebooks,test,bench,book]"
echo "$WANT" > "$STAMP"
