# Netzwerk: `make run` serves the demo network, `make test` runs everything.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app netzwerk
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: run test test-sqlite test-postgres lint install system-deps bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*; touch $(STAMP)

install: $(STAMP)

run: install
	$(FLASK) db upgrade
	$(FLASK) demo-data --if-empty
	@echo
	@echo "Netzwerk läuft auf http://127.0.0.1:5000 (Strg+C beendet)."
	$(FLASK) run --host 127.0.0.1 --port 5000

system-deps:
	@bash .ci/system-deps

# bandit fails on any medium or high finding; each accepted one carries `# nosec BXXX`
# and its reason on the same line.
lint: install
	$(BIN)/ruff check .
	$(BIN)/bandit -c pyproject.toml -r . -q --severity-level medium

test-sqlite: install system-deps
	$(BIN)/pytest -q -p no:cacheprovider

test-postgres: install system-deps
	bash .ci/with-postgres $(BIN)/pytest -q -p no:cacheprovider

test: lint test-sqlite test-postgres

# The benchmark (bench/README.md): wrk from Debian when missing (as root), PostgreSQL when
# a server can be started; flags pass through, e.g. `make bench ARGS=--quick`.
bench: install
	@bash .ci/system-deps || echo "Ohne PostgreSQL-Server: der Benchmark misst nur SQLite."
	$(BIN)/python bench/run.py --install-wrk $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
