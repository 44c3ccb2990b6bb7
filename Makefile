# Encore: `make run` serves the demo, `make test` runs the whole suite. `make help` lists the rest.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help install install-test system-deps run demo lint typecheck test test-fast screenshots bench clean

help: ## Show this help
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  \033[1m%-14s\033[0m %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	@bash scripts/build-deps.sh $(PYTHON)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed ## Create .venv and install Encore

install-test: $(VENV)/.installed-test ## Install Encore with the test tools

system-deps: ## As root, install Debian's PostgreSQL, Redis, Chromium and nginx when missing
	@bash scripts/system-deps.sh

run: install ## Migrate, import the demo's first album if the library is empty, serve on :8000 (the rest builds behind)
	ENCORE_MODE=demo $(BIN)/encore serve --host 127.0.0.1 --port $(PORT) --build-demo

lint: install-test ## ruff and the import-direction contracts
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports

typecheck: install-test ## mypy --strict on src/
	$(BIN)/mypy src

# Bytecode, and pytest's assertion-rewritten test modules, kept between runs (under .pytest_cache, which `make clean`
# removes) even where PYTHONDONTWRITEBYTECODE is set: otherwise each xdist worker rewrites all ~660 test modules
# again (about 11 of its 21 CPU seconds of collection), and each server or CLI the suite starts compiles Encore again.
PYTEST := PYTHONDONTWRITEBYTECODE= PYTHONPYCACHEPREFIX=$(CURDIR)/.pytest_cache/pyc $(BIN)/python -m pytest

test: system-deps install-test lint typecheck ## Everything: lint, types, and the suite on SQLite + PostgreSQL + Chromium
	$(PYTEST) -n 2 --dist loadgroup --durations=20

test-fast: install-test ## The suite without lint and type checks
	$(PYTEST) -n 2 --dist loadgroup -x

screenshots: install-test ## Rewrite the README's screenshots in docs/screenshots (real Chromium)
	ENCORE_SCREENSHOTS=1 $(BIN)/python -m pytest -q -n 0 tests/web/test_first_page_browser.py tests/web/test_player_browser.py tests/web/test_player_ads_browser.py tests/web/test_history_browser.py \
		tests/web/test_label_drafts_browser.py tests/web/test_admin_browser.py

bench: install-test ## Benchmarks (slow; see bench/README.md)
	@echo "see bench/README.md for each benchmark's command"

clean: ## Remove the venv and local data
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
