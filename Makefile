# The two commands of the README's quick start:
#   make demo   installs into .venv and runs the live demo (SQLite, offline model, shipped demo data)
#   make test   installs into .venv (with test extras) and runs the whole test suite
VENV   ?= .venv
PYTHON ?= python3
BIN     = $(VENV)/bin
export HF_HUB_OFFLINE = 1
export TRANSFORMERS_OFFLINE = 1

.PHONY: install install-test demo test bench screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install torch==2.13.0
	$(BIN)/pip install -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml scripts/install-test-deps.sh | $(VENV)/.installed
	$(BIN)/pip install -e '.[test]'
	bash scripts/install-test-deps.sh
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

demo: install
	$(BIN)/replywatch demo

test: install-test
	bash scripts/ensure-services.sh
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install-test
	$(BIN)/python benchmarks/run_all.py

screenshots: install-test
	$(BIN)/python scripts/screenshots.py
