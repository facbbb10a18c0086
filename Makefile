# Three commands: `make lab` (open the kit), `make workshop` (the no-code app for a room, with
# Voila) and `make test` (run every test, after `make lint`: ruff and mypy, configured in
# pyproject.toml; a lint failure stops the tests and fails CI). Each creates .venv and install the project into it the first time, and skip that step
# afterwards unless pyproject.toml changed.
# `make test-oldest` (CI runs it too) checks the floors pyproject.toml declares: a second
# venv, .venv-oldest, on the oldest Python requires-python admits, with every dependency
# pinned to its floor by .ci/oldest_pins.py, runs the tests and doctests (no browser, no notebooks).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# JupyterLab refuses to run as root unless told; pass the flag only when we are root (CI).
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
LAB_ARGS ?=
# The workshop app: Voila on WORKSHOP_IP:WORKSHOP_PORT with WORKSHOP_POOL kernels started and the
# app built in each before anyone asks (a pre-heated pool), refilled WORKSHOP_FILL_DELAY seconds
# after a kernel is taken. Kernels talk to Voila over local sockets (ipc), not TCP ports, which
# race when many kernels start at once; on a busy machine Voila waits up to 60 s (not nbclient's
# 4 s) for the app's output, which it would otherwise drop, serving a page with no app. An upload
# reaches the kernel in one websocket message: up to 64 MiB (tornado's default, 10 MiB, dropped the
# connection without a word), so the app itself refuses files over its 5 MB limit with a message.
# The README explains the settings.
WORKSHOP_IP         ?= 127.0.0.1
WORKSHOP_PORT       ?= 8866
WORKSHOP_POOL       ?= 4
WORKSHOP_FILL_DELAY ?= 1
WORKSHOP_ARGS       ?=

SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
# This machine's pip config names local mirrors that may be absent; drop that noise only.
QUIET_PIP := { grep -v "^WARNING: Location" || true; }

# The oldest-versions environment. OLDEST_PYTHON=/path/to/python3.X overrides the search.
# It leaves out tests/browser (CI runs those in `make test`), the notebooks (add them with
# OLDEST_TESTS="tests gqkit notebooks", about 2 more minutes) and the check that the shipped
# datasets regenerate bit for bit: that holds for one numpy, not for every version the
# floors admit (numpy 2.0 changed np.log1p in the last bit).
OLDEST       := .venv-oldest
OLDEST_BIN   := $(OLDEST)/bin
OLDEST_STAMP := $(OLDEST)/.installed
OLDEST_PYTHON ?=
OLDEST_TESTS ?= tests gqkit
OLDEST_SKIP  := --ignore=tests/browser --deselect tests/test_simulate.py::test_regeneration_reproduces_the_shipped_files_exactly

.PHONY: lab workshop lint test test-oldest install install-oldest examples clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip 2>&1 | $(QUIET_PIP)
	$(BIN)/python -m pip install --quiet -e ".[dev]" 2>&1 | $(QUIET_PIP)
	$(BIN)/python -c "import gqkit, nbval, playwright, voila"
	@touch $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab $(ROOT_FLAG) --ServerApp.ip=127.0.0.1 --ServerApp.root_dir=. \
		--LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb $(LAB_ARGS)

workshop: $(STAMP)  ## Voila serves notebooks/workshop.ipynb; code and tracebacks are never shown
	$(BIN)/voila notebooks/workshop.ipynb --no-browser --Voila.ip=$(WORKSHOP_IP) --port=$(WORKSHOP_PORT) --Voila.port_retries=0 \
		--preheat_kernel=True --pool_size=$(WORKSHOP_POOL) --VoilaKernelManager.fill_delay=$(WORKSHOP_FILL_DELAY) \
		--KernelManager.transport=ipc --VoilaExecutor.iopub_timeout=60 --Voila.tornado_settings="{'websocket_max_message_size': 67108864}" \
		--strip_sources=True --show_tracebacks=False $(WORKSHOP_ARGS)

lint: $(STAMP)  ## ruff, then mypy (files and settings in pyproject.toml; cache in .mypy_cache)
	$(BIN)/python -m ruff check gqkit tests benchmarks
	$(BIN)/python -m mypy

test: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

install-oldest: $(OLDEST_STAMP)

$(OLDEST_STAMP): pyproject.toml .ci/oldest_pins.py
	rm -rf $(OLDEST)
	py="$(OLDEST_PYTHON)"; [ -n "$$py" ] || py=$$($(PYTHON) .ci/oldest_pins.py --interpreter); \
		echo "oldest env: $$py ($$($$py --version))"; $$py -m venv $(OLDEST)
	$(PYTHON) .ci/oldest_pins.py > $(OLDEST)/pins.txt
	@echo "oldest env pins: $$(tr '\n' ' ' < $(OLDEST)/pins.txt)"
	$(OLDEST_BIN)/python -m pip install --quiet --upgrade pip 2>&1 | $(QUIET_PIP)
	$(OLDEST_BIN)/python -m pip install --quiet -r $(OLDEST)/pins.txt -e ".[dev]" 2>&1 | $(QUIET_PIP)
	@touch $(OLDEST_STAMP)

test-oldest: $(OLDEST_STAMP)  ## the floors: tests/ (no browser) and the doctests
	$(OLDEST_BIN)/python -m pytest $(OLDEST_TESTS) $(OLDEST_SKIP) $(PYTEST_ARGS)

examples: $(STAMP)  ## regenerate data/synthetic (bit for bit; a test checks it)
	$(BIN)/python -c "from gqkit.examples import main; main()"

clean:
	rm -rf $(VENV) $(OLDEST) build *.egg-info .mypy_cache .ruff_cache
