# The two commands of the README:
#   make run   — set up, ingest the corpus, start the web service (+ Telegram bot if a token is set)
#   make test  — set up (Python test extras; Debian chromium via scripts/install_system_packages.sh)
#                and run every test
# Habits: make check (format, lint, types, import contracts), make test-fast (under a minute).
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test test-fast check format setup setup-test ingest chat bench bench-web eval clean

$(BIN)/wegwijzer: pyproject.toml
	@command -v $(PY) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PY) not found)"; exit 1; }
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
	touch $(BIN)/wegwijzer

setup: $(BIN)/wegwijzer

$(VENV)/.test-deps: $(BIN)/wegwijzer
	$(BIN)/pip install -q -e '.[test,llm-fixture]'
	touch $(VENV)/.test-deps

$(VENV)/.dev-deps: $(BIN)/wegwijzer
	$(BIN)/pip install -q -e '.[dev]'
	touch $(VENV)/.dev-deps

setup-test: $(VENV)/.test-deps
	scripts/install_system_packages.sh

run: setup
	$(BIN)/wegwijzer run

chat: setup
	$(BIN)/wegwijzer ingest && $(BIN)/wegwijzer chat

ingest: setup
	$(BIN)/wegwijzer ingest

test: setup-test
	$(BIN)/python -m pytest -q -rs

# Pure functions and the answer composer over a deterministic fake embedder and an in-memory
# store: no model, no Chroma, no browser.
test-fast: $(VENV)/.test-deps
	$(BIN)/python -m pytest -q -m fast tests/fast tests/test_core.py tests/test_pdf_ingest.py

check: $(VENV)/.dev-deps
	$(BIN)/ruff format --check assistant ingest tests scripts
	$(BIN)/ruff check assistant ingest tests scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(VENV)/.dev-deps
	$(BIN)/ruff format assistant ingest tests scripts
	$(BIN)/ruff check --fix assistant ingest tests scripts

eval: setup
	$(BIN)/wegwijzer ingest && $(BIN)/wegwijzer eval

bench: setup
	$(BIN)/python scripts/bench_core.py

bench-web: setup-test
	$(BIN)/python scripts/bench_load.py

clean:
	rm -rf data .pytest_cache test-artifacts
