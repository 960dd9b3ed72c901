# Two commands set everything up on a fresh machine:
#   make demo   - creates .venv, installs Lanner, runs the demo flow on embedded defaults
#   make test   - creates .venv with dev tools, runs lint, architecture rules, types and tests
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
UV     := $(BIN)/uv
export LANNER_HOME ?= $(CURDIR)/.lanner

.PHONY: demo test lint typecheck unit bench docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv==0.13.9

# What running Lanner needs (the demo): the package and the managed PostgreSQL.
$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	VIRTUAL_ENV=$(CURDIR)/$(VENV) $(UV) pip install --quiet --compile-bytecode -e '.[services]'
	touch $@

# What the tests need on top. torch comes first, with pip: on these machines pip takes the CPU
# wheel kept on disk, where uv would download a multi-gigabyte CUDA build; uv then keeps it.
$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed-run
	$(BIN)/pip install --quiet --disable-pip-version-check torch==2.13.0
	VIRTUAL_ENV=$(CURDIR)/$(VENV) $(UV) pip install --quiet --compile-bytecode -e '.[dev]'
	touch $@

demo: $(VENV)/.installed-run
	$(BIN)/lanner validate src/lanner/blueprints/
	$(BIN)/lanner run src/lanner/blueprints/hello_lanner.yaml --input name=Ada

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports --no-cache

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

unit: $(VENV)/.installed-dev
	$(BIN)/pytest -q -p no:cacheprovider

test: lint typecheck unit

bench: $(VENV)/.installed-dev
	$(BIN)/python -m bench

docs: $(VENV)/.installed-run
	$(BIN)/lanner docs generate

clean:
	rm -rf $(VENV) .lanner .pytest_cache .mypy_cache .ruff_cache
