# Wenming — every target bootstraps what it needs (virtualenv, packages, front-end assets).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/wenming
PYTEST_WORKERS ?= 2

.PHONY: run test test-sqlite test-postgres bench lint setup assets clean

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "需要 Python 3.11 或更高版本"'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip
	@$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

static/vendor/.installed: package.json scripts/vendor_assets.sh
	@./scripts/vendor_assets.sh
	@touch $@

setup: $(VENV)/.installed static/vendor/.installed

assets: static/vendor/.installed

run: setup
	@HOST=$(HOST) PORT=$(PORT) ./scripts/run.sh

test: setup
	@./scripts/test.sh

bench: setup
	@$(PY) manage.py bench
	@$(PY) manage.py bench_modules

lint: setup
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check . || true

clean:
	rm -rf $(VENV) static/vendor node_modules
