# Two commands set everything up on a fresh machine:
#   make demo   - creates .venv, installs Lanner, runs the demo flow on embedded defaults
#   make test   - creates .venv with dev tools, runs lint, architecture rules, types and tests
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
UV     := $(BIN)/uv
export LANNER_HOME ?= $(CURDIR)/.lanner

.PHONY: demo test lint typecheck unit bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv==0.13.9

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	VIRTUAL_ENV=$(CURDIR)/$(VENV) $(UV) pip install --quiet --compile-bytecode -e '.[dev]'
	touch $@

demo: $(VENV)/.installed
	$(BIN)/lanner validate src/lanner/blueprints/
	$(BIN)/lanner run src/lanner/blueprints/hello_lanner.yaml --input name=Ada

lint: $(VENV)/.installed
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports --no-cache

typecheck: $(VENV)/.installed
	$(BIN)/mypy

unit: $(VENV)/.installed
	$(BIN)/pytest -q -p no:cacheprovider

test: lint typecheck unit

bench: $(VENV)/.installed
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .lanner .pytest_cache .mypy_cache .ruff_cache
