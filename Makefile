# The course's commands. `make course`, `make test` and `make lint` are the ones in the README.
PY := .venv/bin/python
NOTEBOOKS := chapters solutions
LINTED := genjax_gmm tests scripts benchmarks $(NOTEBOOKS)
# pytest-xdist workers for `make test`: `auto` is one per core, at most 4, none on a single core
# (tests/conftest.py); `make test TEST_WORKERS=0` runs serially in one process.
TEST_WORKERS ?= auto

.PHONY: env course test test-fast lint solutions students bench colab-check lock clean

env:                      ## create/refresh .venv with pinned dependencies
	@scripts/bootstrap.sh

course: env               ## execute every solution notebook and build the book in build/site
	$(PY) -m scripts.course build

test: env                 ## every test: package tests, notebook sync, every notebook under nbval
	$(PY) -m pytest tests $(NOTEBOOKS) --nbval-lax --nbval-current-env -n $(TEST_WORKERS)

test-fast: env            ## the edit loop: the package tests without the slow ones, no notebooks
	$(PY) -m pytest tests -m "not slow" -n $(TEST_WORKERS)

lint: env                 ## ruff over the package, tests, scripts, benchmarks and notebooks (pyproject.toml)
	$(PY) -m ruff check $(LINTED)

solutions: env            ## re-execute solution notebooks in place, then regenerate chapters/
	$(PY) -m scripts.course badges
	$(PY) -m scripts.course execute
	$(PY) -m scripts.course students
	$(PY) -m scripts.course readme-table

students: env             ## regenerate chapters/ from solutions/ (after editing a solution)
	$(PY) -m scripts.course badges
	$(PY) -m scripts.course students
	$(PY) -m scripts.course readme-table

bench: env                ## the inference benchmark (minutes; not part of `make test`)
	$(PY) benchmarks/run.py

colab-check: env          ## run every solution in an emulated fresh Colab runtime (minutes, GBs; not in `make test`)
	$(PY) -m scripts.course colab-check

lock: env                 ## re-pin requirements/lock.txt from the current .venv
	$(PY) -m pip freeze --exclude-editable | sed '1i # Exact versions the course is tested with (Python 3.12, CPU). Used as a pip constraints\n# file by scripts/bootstrap.sh; regenerate with `make lock` after changing dependencies.' > requirements/lock.txt

clean:
	rm -rf build .venv
