# Faceless: `make demo` makes a video from the bundled script; `make test` runs every test.
PYTHON ?= python3
UV := $(PYTHON) -m uv
SCRIPT ?= examples/honeybees.txt

.PHONY: setup demo test test-unit test-integration test-e2e test-faults test-fuzz test-browser \
	test-deploy lint format bench bench-storyboard bench-scale-out up clean

setup:  ## install everything (uv, then the locked workspace), run nothing
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --user -q uv \
		|| $(PYTHON) -m pip install --user -q --break-system-packages uv
	$(UV) sync --frozen

demo: setup  ## the bundled script → out/<project-id>/final.mp4, offline
	$(UV) run faceless generate --script $(SCRIPT)

test: setup  ## the whole suite: every tier below (those that stop servers or drive a browser alone)
	$(UV) run pytest tests/faults tests/fuzz tests/browser
	$(UV) run pytest -n 2 --dist loadfile tests/unit tests/integration tests/e2e tests/deploy

test-unit: setup  ## pure functions, models and in-memory fakes: no PostgreSQL, Redis or network
	$(UV) run pytest tests/unit

test-integration: setup  ## real PostgreSQL and Redis: the API over ASGI, the stores, the bus
	$(UV) run pytest tests/integration

test-e2e: setup  ## the services running as real consumers, polled with deadlines
	$(UV) run pytest tests/e2e

test-faults: setup  ## fault injection: kill -9, crashes around the outbox, a Redis wipe, restarts
	$(UV) run pytest tests/faults

test-fuzz: setup  ## the running API fuzzed from its OpenAPI document (schemathesis)
	$(UV) run pytest tests/fuzz

test-browser: setup  ## the web page driven by Debian's Chromium against the running stack
	$(UV) run pytest tests/browser

test-deploy: setup  ## docker-compose.yml, the Dockerfile and deploy/ parsed and checked
	$(UV) run pytest tests/deploy

.PHONY: test-wheels
test-wheels: setup  ## every package built as a wheel and installed in fresh venvs (light and [local])
	$(UV) run pytest tests/deploy/test_packaging_wheels.py

lint: setup  ## ruff and mypy --strict
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy shared services cli

format: setup
	$(UV) run ruff check --fix .
	$(UV) run ruff format .

bench: setup  ## the pipeline benchmark: wall time split, bus hop latency
	$(UV) run python bench/pipeline.py

bench-storyboard: setup  ## a 10-clip video, then one clip edited: edit time vs the whole, calls paid
	$(UV) run python bench/storyboard_edit.py

bench-scale-out: setup  ## the scaling rule simulated: N projects drained by autoscaled workers vs one each, table + PNG
	$(UV) run python bench/scale_out.py

.PHONY: bench-voices
bench-voices: setup  ## Piper vs espeak-ng: speech seconds per CPU second, a clip worker's peak memory
	$(UV) run python bench/voices.py

up: setup  ## all four services in one process (API on :8000)
	$(UV) run faceless up

clean:
	rm -rf out .faceless
