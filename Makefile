# The two commands a newcomer runs are `make demo` and `make test`; both install first.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install check test lint typecheck unit pytest demo bench bench-quick clean mutation

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

# The inner loop: every test that starts no process and no browser (tests/e2e and the tests
# marked e2e or browser do), on both cores.
unit: install
	$(BIN)/pytest -q -n 2 -m "not e2e and not browser"

# The whole suite. Most whole-process tests wait on polls and timers rather than compute, so three
# workers fit two cores; a file stays on one worker, with its module-scoped servers.
pytest: install
	$(BIN)/pytest -q -n 3 --dist loadfile

check: lint typecheck unit

test: lint typecheck pytest

demo: install
	$(BIN)/python -m clusters_devkit.demo

bench: install
	$(UV) sync --frozen --group bench
	$(BIN)/python -m bench
	@touch $(STAMP)

bench-quick: install
	$(UV) sync --frozen --group bench
	$(BIN)/python -m bench --quick
	@touch $(STAMP)

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache mutants

# Mutation testing of the pure core against its unit tests (tests/mutation/). A few minutes, so
# not part of `make test`. Starts afresh each time, so the scores are never from stale results.
mutation: install
	rm -rf mutants
	@start=$$(date +%s); $(BIN)/mutmut run --max-children 2; code=$$?; \
		echo "mutmut run took $$(( $$(date +%s) - start )) s"; exit $$code
	$(BIN)/python tests/mutation/report.py
