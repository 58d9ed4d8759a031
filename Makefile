# Faceless: `make demo` makes a video from the bundled script; `make test` runs every test.
PYTHON ?= python3
UV := $(PYTHON) -m uv
SCRIPT ?= examples/honeybees.txt

.PHONY: setup demo test test-unit test-integration test-e2e lint format bench up clean

setup:  ## install everything (uv, then the locked workspace), run nothing
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --user -q uv \
		|| $(PYTHON) -m pip install --user -q --break-system-packages uv
	$(UV) sync --frozen

demo: setup  ## the bundled script → out/<project-id>/final.mp4, offline
	$(UV) run faceless generate --script $(SCRIPT)

test: setup  ## the whole suite: unit, integration, e2e
	$(UV) run pytest

test-unit: setup
	$(UV) run pytest tests/unit

test-integration: setup
	$(UV) run pytest tests/integration

test-e2e: setup
	$(UV) run pytest tests/e2e

lint: setup  ## ruff and mypy --strict
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy shared services cli

format: setup
	$(UV) run ruff check --fix .
	$(UV) run ruff format .

bench: setup  ## the pipeline benchmark: wall time split, bus hop latency
	$(UV) run python bench/pipeline.py

up: setup  ## all four services in one process (API on :8000)
	$(UV) run faceless up

clean:
	rm -rf out .faceless
