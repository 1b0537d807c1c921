# Two commands on a fresh machine: `make run` (install what the model needs + the headline comparison, kept in
# results/), `make test` (install everything the tests need + the tests).
# `make viz` serves the interactive page on http://127.0.0.1:8765; `make notebook` opens the notebooks in JupyterLab
# (on a remote machine: make notebook JUPYTER_ARGS="--no-browser --port 8888").
# The virtual environment is built with a Python >= 3.12 found by tools/find-python (override: make PYTHON=...).
VENV      ?= .venv
PYTHON    ?= $(shell tools/find-python)
BIN       := $(VENV)/bin
STAMP     := $(VENV)/.installed
RUN_STAMP := $(VENV)/.run-installed
NB_STAMP  := $(VENV)/.notebooks-installed
PYTEST_WORKERS ?= 2
JUPYTER_ARGS ?=

.PHONY: run test install bench bench-default bench-scaling bench-batch viz notebook clean

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "make: no Python >= 3.12 found (see the message above)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

# what `make run` needs and nothing more: the model and its analysis (no JupyterLab, Playwright, Dask, Workbench)
$(RUN_STAMP): setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $(RUN_STAMP)

# the notebooks extra alone (the test extra includes it)
$(NB_STAMP): setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[notebooks]'
	@touch $(NB_STAMP)

install: $(STAMP)

# the headline comparison; its tables and runs go to a new folder results/compare-DATE-TIME, named at the start
# and the end
run: $(RUN_STAMP)
	$(BIN)/lockdown-sim compare

test: $(STAMP)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -q

bench: $(STAMP)
	$(BIN)/python benchmarks/household_days.py

bench-default: $(STAMP)
	$(BIN)/python benchmarks/default_run.py

bench-scaling: $(STAMP)
	$(BIN)/python benchmarks/scaling.py

bench-batch: $(STAMP)
	$(BIN)/python benchmarks/batch_throughput.py --dask

viz: $(STAMP)
	$(BIN)/lockdown-sim viz

notebook: $(NB_STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks $(JUPYTER_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
	find . -name __pycache__ -type d -not -path "./.venv/*" -prune -exec rm -rf {} +  # numba's compiled loops too
