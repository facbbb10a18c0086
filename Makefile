# Two commands: `make lab` (open the kit) and `make test` (run every test).
# Both create .venv and install the project into it the first time, and skip that step
# afterwards unless pyproject.toml changed.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# JupyterLab refuses to run as root unless told; pass the flag only when we are root (CI).
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
LAB_ARGS ?=

SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
# This machine's pip config names local mirrors that may be absent; drop that noise only.
QUIET_PIP := { grep -v "^WARNING: Location" || true; }

.PHONY: lab test install examples clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip 2>&1 | $(QUIET_PIP)
	$(BIN)/python -m pip install --quiet -e ".[dev]" 2>&1 | $(QUIET_PIP)
	$(BIN)/python -c "import gqkit, nbval, playwright"
	@touch $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab $(ROOT_FLAG) --ServerApp.ip=127.0.0.1 --ServerApp.root_dir=. \
		--LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb $(LAB_ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

examples: $(STAMP)  ## regenerate data/synthetic (bit for bit; a test checks it)
	$(BIN)/python -c "from gqkit.examples import main; main()"

clean:
	rm -rf $(VENV) build *.egg-info
