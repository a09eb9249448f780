# The two commands a newcomer runs are `make demo` and `make test`; both install first.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install test lint typecheck pytest demo bench bench-quick clean

install: $(STAMP)

$(STAMP): pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 \
		|| python3 -m pip install --quiet uv
	$(UV) sync --frozen
	@touch $(STAMP)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

pytest: install
	$(BIN)/pytest -q

test: lint typecheck pytest

demo: install
	$(BIN)/python -m bot.sandbox.demo

bench: install
	$(UV) sync --frozen --group bench
	$(BIN)/python -m bench
	@touch $(STAMP)

bench-quick: install
	$(UV) sync --frozen --group bench
	$(BIN)/python -m bench --quick
	@touch $(STAMP)

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
