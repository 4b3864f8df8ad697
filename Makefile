# The two commands of the README:
#   make run   — set up, ingest the corpus, start the web service (+ Telegram bot if a token is set)
#   make test  — set up (incl. Debian chromium for browser tests) and run every test
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test setup setup-test ingest chat bench bench-web eval clean

$(BIN)/wegwijzer: pyproject.toml
	@command -v $(PY) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PY) not found)"; exit 1; }
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
	touch $(BIN)/wegwijzer

setup: $(BIN)/wegwijzer

$(VENV)/.test-deps: $(BIN)/wegwijzer
	$(BIN)/pip install -q -e '.[test,llm-fixture]'
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian chromium for the browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || echo "WARNING: could not install chromium; browser tests will fail"; }
	touch $(VENV)/.test-deps

setup-test: $(VENV)/.test-deps

run: setup
	$(BIN)/wegwijzer run

chat: setup
	$(BIN)/wegwijzer ingest && $(BIN)/wegwijzer chat

ingest: setup
	$(BIN)/wegwijzer ingest

test: setup-test
	$(BIN)/python -m pytest -q -rs

eval: setup
	$(BIN)/wegwijzer ingest && $(BIN)/wegwijzer eval

bench: setup
	$(BIN)/python scripts/bench_core.py

bench-web: setup-test
	$(BIN)/python scripts/bench_load.py

clean:
	rm -rf data .pytest_cache test-artifacts
